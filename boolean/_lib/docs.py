"""Named docstring sections shared by several public routines.

A docstring holds a placeholder line ``{name}``; :func:`fill_doc` replaces it at import time by
the named section, indented to the placeholder's column, so that ``help``, Sphinx (numpydoc) and
the doctests all read the full text. This is the pattern of SciPy's ``scipy._lib.doccer`` and
MNE's ``fill_doc``; a section is shared only where its text is the same for every routine using it.
"""
from __future__ import annotations

import re
import textwrap

#: A line that holds nothing but a placeholder: its indentation, then ``{name}``.
PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.MULTILINE)


def fill_doc(sections):
    r"""Decorator that fills the ``{name}`` lines of a docstring from ``sections``.

    Each placeholder line :math:`\ell` with indentation :math:`c` becomes the lines of
    ``textwrap.dedent(sections[name])``, each indented by :math:`c` (blank lines stay blank).

    Parameters
    ----------
    sections : dict of str to str
        Section texts by name, written at any common indentation.

    Returns
    -------
    callable
        A decorator that rewrites ``obj.__doc__`` in place and returns ``obj``.

    Raises
    ------
    KeyError
        When the decorated docstring names a section that ``sections`` lacks (at import time).

    References
    ----------
    SciPy, ``scipy/_lib/doccer.py`` (``docformat``); MNE-Python, ``mne/utils/docs.py`` (``fill_doc``).

    Examples
    --------
    >>> @fill_doc({"ret": "Returns\n-------\nint"})
    ... def f():
    ...     '''One.
    ...
    ...     {ret}
    ...     '''
    >>> print(f.__doc__.splitlines()[2:5])
    ['    Returns', '    -------', '    int']
    """
    def decorate(obj):
        def section(match):
            indent, name = match.groups()
            if name not in sections:
                raise KeyError(f"the docstring of {obj.__qualname__} names an unknown section {name!r}")
            lines = textwrap.dedent(sections[name]).strip("\n").splitlines()
            return "\n".join(indent + line if line.strip() else "" for line in lines)

        if obj.__doc__:  # None under python -OO
            obj.__doc__ = PLACEHOLDER.sub(section, obj.__doc__)
        return obj

    return decorate
