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


# ----------------------------------------------------------------------------- docstrings of capacity
#: The public modules of ``capacity`` whose functions must document themselves like boolean's
#: (tests/boolean/test_docstrings.py checks boolean.__all__ the same way).
DOCUMENTED_MODULES = ("capacity", "capacity.plotting", "capacity.atlas", "capacity.mi", "capacity.insensitive", "capacity.experiments.naive_bayes",
                      "capacity.experiments.markov", "capacity.experiments.ising",
                      "capacity.experiments.telephone", "capacity.experiments.random_nets",
                      "capacity.experiments.abstractions")
FUNCTION_SECTIONS = ("Parameters", "Returns", "Raises", "References", "Examples")

#: KNOWN GAPS, to be emptied: (qualified name, what is missing). Fix the docstring, then delete its
#: entry here. Entries are not required to fail, so parallel docstring fixes do not break this test.
DOCSTRING_ALLOW: set = set()


def _public_functions():
    import importlib
    import inspect

    out = []
    for module_name in DOCUMENTED_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                out.append((f"{module_name}.{name}", obj))
    return out


def _docstring_gaps(obj):
    import inspect

    doc = inspect.getdoc(obj) or ""
    gaps = [s for s in FUNCTION_SECTIONS if f"\n{s}\n{'-' * len(s)}\n" not in doc]
    if ">>> " not in doc:  # a runnable example (executed by --doctest-modules)
        gaps.append("Examples")
    return set(gaps)


def test_public_functions_of_capacity_have_numpydoc_sections():
    functions = _public_functions()
    assert len(functions) >= 40  # the eight modules export this many functions; an import slip would hide them
    found = {(qualname, gap) for qualname, obj in functions for gap in _docstring_gaps(obj)}
    assert sorted(found - DOCSTRING_ALLOW) == []


#: KNOWN GAPS in class docstrings, to be emptied like DOCSTRING_ALLOW.
CLASS_DOC_ALLOW: set = set()


def _class_docstring_gaps(cls):
    import dataclasses
    import inspect

    doc = inspect.getdoc(cls) or ""
    gaps = set() if ">>> " in doc and "\nExamples\n--------\n" in doc else {"Examples"}
    if dataclasses.is_dataclass(cls):
        head = "Attributes" if "\nAttributes\n----------\n" in doc else "Parameters"
        listed = doc.split(f"\n{head}\n")[-1].split("\nExamples\n")[0]
        for f in dataclasses.fields(cls):
            if not re.search(rf"(^|[\s,(`]){re.escape(f.name)}\b", listed):  # "a, b : type" lines count
                gaps.add(f"field {f.name}")
    return gaps


def test_public_classes_document_fields_and_examples():
    import importlib
    import inspect

    seen, found = set(), set()
    for module_name in ("boolean", "capacity.report") + DOCUMENTED_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj not in seen:
                seen.add(obj)
                found |= {(f"{module_name}.{name}", gap) for gap in _class_docstring_gaps(obj)}
    assert len(seen) >= 15  # the classes the modules export today; an import slip would hide them
    assert sorted(found - CLASS_DOC_ALLOW) == [], sorted(found - CLASS_DOC_ALLOW)


# ----------------------------------------------------------------------------- formulas
#: Modules whose public functions and classes must state their formula as RST math.
FORMULA_MODULES = ("boolean", "capacity.channels", "capacity.report") + DOCUMENTED_MODULES

#: Public names that need no ``:math:`` role or ``.. math::`` block, each with its reason.
#: "owner editing": the docstring lives in a file another engineer is editing now; the formula
#: goes in when that file is free (then delete the entry).
FORMULA_ALLOW = {
    # I/O, command line and report plumbing: they compute nothing.
    "capacity.experiments.random_nets.write_csv": "writes a CSV file",
    "capacity.report.main": "command-line entry point",
    "capacity.report.run_report": "runs the report sections and writes files",
    "capacity.atlas.Atlas": "an open database of stored results",
    "capacity.atlas.AtlasRecord": "one stored row",
    "capacity.atlas.Sweep": "a parsed sweep specification",
    "capacity.atlas.Task": "one routine call of a sweep",
    "capacity.atlas.SweepSummary": "counts of what a sweep did",
    "capacity.report.Claim": "record of one report claim",
    "capacity.report.Context": "options passed to report sections",
    "capacity.report.Section": "record of a finished report section",
    "capacity.experiments.random_nets.NetSpec": "architecture description, validated on construction",
    "capacity.ConvergenceWarning": "warning class",
    # Result containers: the formulas are in the functions that fill them.
    "boolean.SpectralSummary": "result container of spectral_summary",
    "capacity.CapacityResult": "result container of blahut_arimoto",
    "capacity.MIEstimate": "result container of the capacity.mi estimators",
    "capacity.RateDistortionResult": "result container of rate_distortion",
    "capacity.insensitive.EquivalenceClasses": "result container of equivalence_classes",
    "capacity.insensitive.MergedChannel": "result container of merge_duplicate_inputs",
    "capacity.insensitive.ChannelShape": "result container of channel_shape",
    "capacity.insensitive.InsensitiveChannel": "result container of channel_matrix",
    "capacity.experiments.telephone.ConservedQuantities": "result container of conserved_quantities",
    # owner editing (capacity/insensitive/solve.py, symmetry.py)
    "capacity.insensitive.InsensitiveCapacity": "owner editing: solve.py",
    "capacity.insensitive.FoldedChannel": "owner editing: symmetry.py",
    "capacity.insensitive.symmetry_generators": "owner editing: symmetry.py",
}


def _public_callables(modules):
    import importlib
    import inspect

    seen, out = set(), []
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj not in seen:
                seen.add(obj)
                out.append((f"{module_name}.{name}", obj))
    return out


def test_docstrings_state_their_formula_as_math():
    # A formula is typeset math (rendered by Sphinx), not any "=" in prose: "header = union of
    # keys" is not a formula. The allow-list names what has none to state, and why.
    import inspect

    named = _public_callables(FORMULA_MODULES)
    assert len(named) >= 80  # the modules export this many; an import slip would hide them
    missing = [q for q, obj in named
               if ":math:`" not in (inspect.getdoc(obj) or "") and ".. math::" not in (inspect.getdoc(obj) or "")]
    assert sorted(set(missing) - set(FORMULA_ALLOW)) == []
    stale = set(FORMULA_ALLOW) - {q for q, _ in named}
    assert stale == set(), f"allow-listed names that are not public: {sorted(stale)}"


def test_readme_lists_every_public_name():
    import importlib

    readme = (ROOT / "README.md").read_text()
    api = readme[readme.index("## Public API"):]
    missing = [f"{module_name}.{name}" for module_name in ("boolean",) + DOCUMENTED_MODULES
               + ("capacity.channels", "capacity.report")
               for name in importlib.import_module(module_name).__all__ if f"`{name}`" not in api]
    assert missing == []
