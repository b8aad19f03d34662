"""Meta-tests on the package layout and conventions."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_imports_resolve_to_our_folders():
    # PyPI has unrelated packages named boolean.py (installs `boolean`) and `capacity`.
    import boolean
    import capacity

    assert pathlib.Path(boolean.__file__).resolve().parent == ROOT / "boolean"
    assert pathlib.Path(capacity.__file__).resolve().parent == ROOT / "capacity"


def test_boolean_never_imports_capacity():
    code = "import sys, boolean; import boolean.fourier; print('capacity' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_import_is_lazy_about_torch_and_cvxpy():
    code = "import sys, boolean, capacity; print('torch' in sys.modules, 'cvxpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False"


def test_no_bare_allclose_in_tests():
    # np.allclose without assert can never fail (the POT bug).
    pattern = re.compile(r"^\s*(np|numpy|torch)\.allclose\(", re.M)
    offenders = [p.name for p in (ROOT / "tests").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_readme_opens_with_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci
