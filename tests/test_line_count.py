"""benchmarks/line_count.py: the counting rule, and the mapping accounts for every library file."""
import subprocess

import pytest

from benchmarks import line_count

SOURCE = '''"""Module docstring,
over two lines."""
import math  # a comment


def f(x):
    """Docstring."""
    # a comment line
    s = """not a docstring:
    a string value"""
    return (x +
            1)


class C:
    r"""Docstring."""

    y = 1
'''


def test_count_skips_blank_comment_and_docstring_lines():
    physical, logical, parts = line_count.count(SOURCE)
    lines = SOURCE.splitlines()
    # by hand, from the definition: the lines holding code are "import math", "def f",
    # the two lines of the assigned string, "return (x +", "1)", "class C:" and "y = 1"
    code = [i for i, line in enumerate(lines, 1)
            if line.strip().startswith(("import", "def", "s =", "a string", "return", "1)", "class", "y ="))]
    assert physical == len(lines) and logical == len(code) == 8
    assert parts == {"f": (7, 5), "C": (4, 2)}  # lines 6-12 and 15-18; code lines within each


def test_mapping_accounts_for_every_file_at_both_refs(monkeypatch):
    try:
        subprocess.run(["git", "-C", str(line_count.ROOT), "cat-file", "-e", line_count.BASELINE + "^{commit}"],
                       check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("the baseline commit is not in this checkout")
    old, new = line_count.counts(line_count.BASELINE), line_count.counts("HEAD")
    line_count.check_mapping(old, new)  # raises on a file in no group, listed twice, or missing
    monkeypatch.setitem(line_count.SAME_FEATURES, "extra", ([], ["boolean/fourier.py"]))
    with pytest.raises(ValueError, match="listed twice"):
        line_count.check_mapping(old, new)
