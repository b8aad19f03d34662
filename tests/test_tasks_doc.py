"""The six researcher tasks of docs/tasks.rst run as written: each task (a titled part of the page,
self-contained with its imports) is one doctest."""
import doctest
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "tasks.rst").read_text()
#: The numbered parts "1. ..." to "6. ...", each up to the next numbered title.
TASKS = re.split(r"\n(?=\d\. [^\n]+\n-+\n)", PAGE)[1:]


def test_the_page_has_six_tasks():
    assert [t.split(".", 1)[0] for t in TASKS] == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("text", TASKS, ids=[t.split("\n", 1)[0][:40] for t in TASKS])
def test_task_examples_run(text):
    from capacity.report._framework import pyplot

    plt = pyplot()  # the Agg backend: headless
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "tasks.rst", str(ROOT / "docs" / "tasks.rst"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    plt.close("all")
    assert len(test.examples) >= 3  # the task shows its calls
    assert runner.failures == 0, f"{runner.failures} example(s) failed (see the doctest report above)"
