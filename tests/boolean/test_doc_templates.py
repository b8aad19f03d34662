"""boolean/_lib/docs.py: shared docstring sections are filled in full, where help, Sphinx and doctests read."""
import importlib
import json
import pathlib
import pkgutil

import pytest
from numpydoc.docscrape import FunctionDoc

import boolean
import capacity
from boolean import families
from boolean import complexity, measures
from boolean._lib.docs import PLACEHOLDER, fill_doc
from capacity import channels, information

#: Docstrings as they stood before the templates, copied from ``obj.__doc__`` of the tree then.
BEFORE = json.loads((pathlib.Path(__file__).parent / "data" / "docs_before_templates.json").read_text())

#: Every routine whose docstring uses a shared section, with the section's name.
TEMPLATED = [(families, name, "table_of_n") for name in ("parity", "and_", "or_")] + [
    (channels, name, "capacity_returns")
    for name in ("bsc_capacity", "bec_capacity", "z_channel_capacity", "z_channel_optimal_input",
                 "symmetric_channel_capacity", "noisy_typewriter_capacity", "erasure_of_symmetric_capacity")] + [
    (information, name, "base_max_bytes") for name in ("entropy", "kl_divergence", "mutual_information")]


def public_objects():
    """(qualified name, object) for every name in the ``__all__`` of every public module."""
    for pkg in (boolean, capacity):
        names = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
        for modname in names:
            if any(part.startswith("_") for part in modname.split(".")):
                continue  # private modules and __main__ (which runs a command line)
            mod = importlib.import_module(modname)
            for name in getattr(mod, "__all__", []):
                yield f"{modname}.{name}", getattr(mod, name)


def test_fill_doc_indents_each_line_to_the_placeholder():
    @fill_doc({"ret": "\n  Returns\n  -------\n  int\n      The answer.\n\n  More.\n"})
    def f():
        """Summary.

        {ret}
        """
    # by hand: the section dedented, every non-blank line indented by the placeholder's 8 spaces
    assert f.__doc__ == ("Summary.\n\n        Returns\n        -------\n        int\n            The answer.\n"
                         "\n        More.\n        ")


def test_fill_doc_refuses_an_unknown_section():
    with pytest.raises(KeyError, match="unknown section 'nope'"):
        @fill_doc({"ret": "x"})
        def f():
            """{nope}"""


def test_rendered_text_is_the_text_before_the_template():
    # parity's section was moved into the template word for word
    assert families.parity.__doc__ == BEFORE["boolean.families.parity"]
    # and_ (like or_) gained the one line of parity's max_bytes description, and nothing else
    line = "        Refuse tables larger than this (default 8 GiB).\n"
    anchor = "    max_bytes : int, optional\n"
    assert families.and_.__doc__ == BEFORE["boolean.families.and_"].replace(anchor, anchor + line)
    # entropy's base and max_bytes were moved word for word (kl_divergence and mutual_information
    # gained entropy's "(2 gives bits, ``math.e`` nats)")
    assert information.entropy.__doc__ == BEFORE["capacity.information.entropy"]
    # the table routines' sections (boolean/_tables.py: table_doc, fill_params) go through fill_doc too
    assert complexity.certificate_complexity.__doc__ == BEFORE["boolean.complexity.certificate_complexity"]
    assert measures.influences.__doc__ == BEFORE["boolean.measures.influences"]


@pytest.mark.parametrize("module, name, section", TEMPLATED, ids=[t[1] for t in TEMPLATED])
def test_templated_docstrings_are_complete_for_numpydoc(module, name, section):
    obj = getattr(module, name)
    assert PLACEHOLDER.search(obj.__doc__) is None
    body = [line.strip() for line in module._DOCS[section].strip().splitlines() if line.strip()]
    assert all(line in obj.__doc__ for line in body)
    doc = FunctionDoc(obj)
    for heading in ("Parameters", "Returns", "Raises", "References", "Examples"):
        assert doc[heading], f"{name}: numpydoc finds no {heading} section"


def test_no_placeholder_is_left_in_the_public_api():
    docs = {qual: getattr(obj, "__doc__", None) or "" for qual, obj in public_objects()}
    assert len(docs) > 200  # the walk found the API (253 names with docstrings when written)
    left = [qual for qual, doc in docs.items() if PLACEHOLDER.search(doc) or "%(" in doc]
    assert left == []
