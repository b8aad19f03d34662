"""The layering rules, checked by tools: import-linter's contracts and an AST check of private names.

The contracts live in setup.cfg (``[importlinter:contract:*]``); CONTRIBUTING.md explains them.
import-linter works on modules; a private *name* imported from another module
(``from .channel import _cells``, ``channel._cells.cache_clear()``) is caught by the AST check below.
"""
import ast
import functools
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: The packages whose imports are checked; tests/ may import private names (white-box tests).
CHECKED = ("boolean", "capacity", "benchmarks")

# ------------------------------------------------------------------------- import-linter contracts


def _lint(root: pathlib.Path) -> subprocess.CompletedProcess:
    """Run import-linter (``lint-imports --no-cache``) on the tree at ``root`` in a fresh process.

    The process's working directory and PYTHONPATH are ``root``, so the graph is built from that
    tree's files, not from an installed copy of the packages.
    """
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True, no_logo=True))")
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "300"}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def _contract_names() -> dict:
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    prefix = "importlinter:contract:"
    return {s[len(prefix):]: cfg[s]["name"] for s in cfg.sections() if s.startswith(prefix)}


def test_contracts_are_configured():
    # The four rules of CONTRIBUTING.md, by id; a renamed or dropped contract fails here.
    assert set(_contract_names()) == {"packages", "boolean-layers", "capacity-layers", "private-modules"}


def test_import_contracts_hold():
    out = _lint(ROOT)
    report = out.stdout + out.stderr
    assert out.returncode == 0, report
    for name in _contract_names().values():
        assert f"{name} KEPT" in report, report


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    """A copy of the three checked packages and setup.cfg, to break on purpose."""
    dst = tmp_path_factory.mktemp("tree")
    for pkg in CHECKED:
        shutil.copytree(ROOT / pkg, dst / pkg, ignore=shutil.ignore_patterns("__pycache__", "results"))
    shutil.copy(ROOT / "setup.cfg", dst / "setup.cfg")
    return dst


#: (file to change, line appended or None for a new file, contract id that must break, text in its report)
WRONG_IMPORTS = [
    pytest.param("boolean/families.py", "import capacity", "packages",
                 "boolean is not allowed to import capacity", id="boolean-imports-capacity"),
    pytest.param("capacity/information.py", "from capacity.mi import ksg_mutual_information", "capacity-layers",
                 "capacity.information is not allowed to import capacity.mi", id="solver-imports-mi"),
    pytest.param("capacity/blahut_arimoto.py", "import capacity", "capacity-layers",
                 "capacity.blahut_arimoto is not allowed to import capacity.insensitive",
                 id="solver-imports-insensitive-through-capacity"),
    pytest.param("capacity/mi/gaussian.py", "import capacity.insensitive.channel", "capacity-layers",
                 "capacity.mi is not allowed to import capacity.insensitive", id="mi-imports-insensitive"),
    pytest.param("capacity/experiments/telephone.py", "import capacity.report", "capacity-layers",
                 "capacity.experiments is not allowed to import capacity.report", id="experiments-imports-report"),
    pytest.param("boolean/_lib/memory.py", "import boolean.fourier", "boolean-layers",
                 "boolean._lib is not allowed to import boolean.fourier", id="shared-core-imports-boolean"),
    pytest.param("capacity/report/mi_section.py", "import capacity.mi._common", "private-modules",
                 "capacity.report.mi_section -> capacity.mi._common", id="private-module-across-packages"),
    pytest.param("capacity/new_solver.py", None, "capacity-layers",
                 "capacity.new_solver", id="new-module-without-a-layer"),
]


@pytest.mark.parametrize(("path", "line", "contract", "message"), WRONG_IMPORTS)
def test_a_wrong_import_breaks_its_contract(tree_copy, path, line, contract, message):
    target = tree_copy / path
    original = target.read_text() if target.exists() else None
    target.write_text((original or "") + (f"\n{line}\n" if line else "x = 1\n"))
    try:
        out = _lint(tree_copy)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_text(original)
    report = out.stdout + out.stderr
    assert out.returncode == 1, report
    names = _contract_names()
    assert f"{names[contract]} BROKEN" in report, report
    assert message in report, report
    # Only that contract breaks: the others still read KEPT.
    assert sum(f"{name} KEPT" in report for name in names.values()) == len(names) - 1, report


def test_a_stale_allowed_import_fails(tree_copy):
    # ignore_imports lines only shrink: one that matches no import is an error, not a silent pass.
    cfg = tree_copy / "setup.cfg"
    original = cfg.read_text()
    anchor = "    capacity.** -> boolean._lib.**\n"
    assert anchor in original
    cfg.write_text(original.replace(anchor, anchor + "    capacity.experiments.telephone -> capacity.mi._hashing\n"))
    try:
        out = _lint(tree_copy)
    finally:
        cfg.write_text(original)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "No matches for ignored import capacity.experiments.telephone" in out.stdout + out.stderr


# ------------------------------------------------------------------------- private names (AST)

#: Today's imports of a private name from another module, as "file: module.name". Each goes when its
#: import goes (the test fails on a stale line, so the list only shrinks); never add to it.
PRIVATE_NAME_ALLOW = {
    # benchmarks: need public entry points (see CONTRIBUTING.md); bench_fwht/gpu_capacity owned elsewhere
    "benchmarks/gpu_fwht.py: boolean._fwht_torch._triton_fwht",
    # boolean
    # capacity solvers: helpers shared by the solver modules
    "capacity/cost_constrained.py: capacity._cost_polish._cost_ipm",
    "capacity/cost_constrained.py: capacity._lagrange._check_common",
    "capacity/cost_constrained.py: capacity._lagrange._slope_bisection",
    "capacity/cost_constrained.py: capacity._lagrange._solve_each",
    "capacity/distortion.py: capacity._lagrange._NEWTON_EVERY",
    "capacity/distortion.py: capacity._lagrange._NEWTON_MAX_N",
    "capacity/distortion.py: capacity._lagrange._check_common",
    "capacity/distortion.py: capacity._lagrange._newton_polish",
    "capacity/distortion.py: capacity._lagrange._slope_bisection",
    "capacity/distortion.py: capacity._lagrange._solve_each",
    "capacity/distortion.py: capacity._result._CertifiedGap",
    # capacity.insensitive
    # capacity.mi
}


def _module_of(path: pathlib.Path) -> tuple:
    parts = path.relative_to(ROOT).with_suffix("").parts
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(importer: str, is_package: bool, level: int, module) -> str:
    if level == 0:
        return module
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def private_name_imports(path: pathlib.Path, source=None) -> set:
    """The private names ``path`` takes from another module of ours, as ``"<file>: <module>.<name>"``.

    Two forms: ``from M import _x`` (``_x`` not a submodule), and ``m._x`` where ``m`` is bound to
    one of our modules by an import. Names bound by imports are tracked per file, not per scope.
    """
    own, is_package = _module_of(path)
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    modules = {}  # local name -> module it is bound to
    found = set()

    def ours(name):
        return name.split(".")[0] in CHECKED

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(own, is_package, node.level, node.module)
            if not ours(source):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_module(full):
                    modules[alias.asname or alias.name] = full
                elif _is_private(alias.name) and source != own:
                    found.add(full)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if ours(alias.name):
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else alias.name.split(".")[0]

    def module_bound(expr):
        if isinstance(expr, ast.Name):
            return modules.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = module_bound(expr.value)
            if base and _is_module(f"{base}.{expr.attr}"):
                return f"{base}.{expr.attr}"
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = module_bound(node.value)
            if base and base != own and not _is_module(f"{base}.{node.attr}"):
                found.add(f"{base}.{node.attr}")
    rel = path.relative_to(ROOT).as_posix()
    return {f"{rel}: {name}" for name in found}


@functools.lru_cache(maxsize=1)
def _all_private_name_imports() -> frozenset:
    found = set()
    for pkg in CHECKED:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            found |= private_name_imports(path)
    return frozenset(found)


def test_no_new_private_name_crosses_a_module():
    new = sorted(_all_private_name_imports() - PRIVATE_NAME_ALLOW)
    assert new == [], ("a private name (_x) is used outside its module; give it a public name in a shared "
                       "home (boolean/_lib for both packages) or keep it in its module:\n" + "\n".join(new))


def test_private_name_allow_list_has_no_stale_line():
    stale = sorted(PRIVATE_NAME_ALLOW - _all_private_name_imports())
    assert stale == [], "these imports are gone: delete their lines from PRIVATE_NAME_ALLOW:\n" + "\n".join(stale)


@pytest.mark.parametrize(("source", "expected"), [
    ("from .channel import _cells, channel_matrix\n", {"capacity.insensitive.channel._cells"}),
    ("from capacity.insensitive import channel\nchannel._types.cache_clear()\n",
     {"capacity.insensitive.channel._types"}),
    ("import capacity.insensitive.channel as ch\nch._keys(1)\n", {"capacity.insensitive.channel._keys"}),
    ("import capacity\ncapacity.insensitive.channel._classes(1)\n", {"capacity.insensitive.channel._classes"}),
    ("from .. import _result\nfrom ..mi import _common\n_common.check_samples\n", set()),  # private modules
    ("from .channel import channel_matrix\nfrom numpy import _NoValue\n", set()),  # public, or not ours
    ("def f():\n    from .classes import _label_by_first\n", {"capacity.insensitive.classes._label_by_first"}),
    ("from .channel import __all__\n", set()),  # dunder names are not private
])
def test_private_name_check_finds_each_form(source, expected):
    # The check itself, on source text placed (virtually) at capacity/insensitive/probe.py.
    found = private_name_imports(ROOT / "capacity" / "insensitive" / "probe.py", source)
    assert found == {f"capacity/insensitive/probe.py: {name}" for name in expected}
