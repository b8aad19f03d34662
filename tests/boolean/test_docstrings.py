"""Meta-test: every public name of boolean documents itself (numpydoc sections, runnable Examples)."""
import inspect

import pytest

import boolean

FUNCTION_SECTIONS = ("Parameters", "Returns", "Raises", "References", "Examples")
#: result classes document their fields as Attributes instead of Parameters/Returns/Raises
CLASS_SECTIONS = ("Attributes", "References", "Examples")


@pytest.mark.parametrize("name", boolean.__all__)
def test_public_name_has_numpydoc_sections(name):
    obj = getattr(boolean, name)
    doc = inspect.getdoc(obj) or ""
    sections = CLASS_SECTIONS if inspect.isclass(obj) else FUNCTION_SECTIONS
    for section in sections:
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, f"{name} lacks a {section} section"
    assert ">>> " in doc  # a runnable example (executed by --doctest-modules)
    # the formula (typeset math) is checked by tests/test_api.py::test_docstrings_state_their_formula_as_math


def test_all_names_resolve_and_are_unique():
    assert len(set(boolean.__all__)) == len(boolean.__all__)
    for name in boolean.__all__:
        assert getattr(boolean, name).__module__.startswith("boolean.")
