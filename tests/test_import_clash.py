"""The import name `boolean` is shared with boolean.py (a dependency of license-expression): a clash
must fail loudly at import, naming the other package and the way out."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOREIGN_INIT = 'from .boolean import BooleanAlgebra  # as boolean.py ships it\n'
FOREIGN_MODULE = "class BooleanAlgebra:\n    pass\n"


def _run(code, path_entries, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, path_entries)))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_foreign_boolean_first_on_the_path_is_named(tmp_path):
    """boolean.py earlier on sys.path than our packages (as after `pip install -e .` beside it)."""
    foreign = tmp_path / "foreign"
    (foreign / "boolean").mkdir(parents=True)
    (foreign / "boolean" / "__init__.py").write_text(FOREIGN_INIT)
    (foreign / "boolean" / "boolean.py").write_text(FOREIGN_MODULE)
    (tmp_path / "repo").mkdir()
    os.symlink(REPO / "capacity", tmp_path / "repo" / "capacity")
    out = _run("import capacity", [foreign, tmp_path / "repo"], tmp_path)
    assert out.returncode != 0
    assert "ImportError" in out.stderr
    assert "boolean.py" in out.stderr and "separate environment" in out.stderr
    assert str(foreign / "boolean") in out.stderr  # names where the other package was found


def test_our_files_written_over_boolean_py_are_refused(tmp_path):
    """A regular install over boolean.py: our boolean/ beside boolean.py's boolean/boolean.py."""
    mixed = tmp_path / "site"
    mixed.mkdir()
    os.symlink(REPO / "capacity", mixed / "capacity")
    import shutil

    shutil.copytree(REPO / "boolean", mixed / "boolean", ignore=shutil.ignore_patterns("__pycache__"))
    (mixed / "boolean" / "boolean.py").write_text(FOREIGN_MODULE)
    for code in ("import boolean", "import capacity"):
        out = _run(code, [mixed], tmp_path)
        assert out.returncode != 0, code
        assert "boolean.py" in out.stderr and "separate environment" in out.stderr, out.stderr


def test_our_own_packages_import_cleanly(tmp_path):
    out = _run("import boolean, capacity; print(boolean.__file__)", [REPO], tmp_path)
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).parent == REPO / "boolean"


@pytest.mark.parametrize("name", ["boolean", "capacity"])
def test_the_packages_are_ours(name):
    module = __import__(name)
    assert Path(module.__file__).resolve().parent == REPO / name
