"""Structure of the boolean package: routines dispatch through kernel dicts (no branches on a
backend name outside boolean/_lib), and no module imports another module's private name."""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "boolean").glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_branch_on_a_backend_name(path):
    bad = [line for line in path.read_text().splitlines()
           if re.search(r"\b(be|backend)\.name\s*[!=]=|\bbackend\s*[!=]=\s*[\"']", line)]
    assert bad == []


def _private_uses(path):
    """Private names this file takes from other modules: ``from .m import _x``, ``m._x`` for a
    boolean module ``m``, and, outside the package, any import of a private boolean module."""
    modules = {p.stem for p in MODULES}
    inside = path.parent.name == "boolean"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if not inside and parts[0] == "boolean" and any(p.startswith("_") for p in parts):
                yield f"from {node.module} import ..."
            for alias in node.names:
                submodule = inside and node.module is None and alias.name in modules
                if alias.name.startswith("_") and not (submodule or alias.name == "annotations"):
                    yield f"from {node.module} import {alias.name}"
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("boolean._"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in modules and node.attr.startswith("_") and not node.attr.startswith("__"):
                yield f"{node.value.id}.{node.attr}"


@pytest.mark.parametrize("path", MODULES + [ROOT / "benchmarks" / "bench_fwht.py",
                                            ROOT / "benchmarks" / "bench_boolean_pipeline.py"],
                         ids=lambda p: p.name)
def test_no_private_name_taken_from_another_module(path):
    assert list(_private_uses(path)) == []


def test_the_private_name_check_can_fail(tmp_path):
    bad = tmp_path / "benchmarks"
    bad.mkdir()
    (bad / "b.py").write_text("from boolean._fwht_numba import fwht_inplace\nfrom boolean.fourier import _x\n")
    assert len(list(_private_uses(bad / "b.py"))) == 2
