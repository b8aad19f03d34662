"""The atlas shipped with the package: certified values the report quotes, with provenance."""
from __future__ import annotations

import os

from ._spec import make_task
from ._store import open_atlas

#: Arguments that choose where or how a value is computed, not which value: ignored by
#: :func:`quoted_value` (a value computed on a GPU answers a question asked without ``device``).
EXECUTION_ARGS = frozenset({"backend", "device", "max_bytes", "max_seconds", "progress"})

#: The shipped atlas, exported from an SQLite atlas by ``insensitive-atlas export --csv``.
SHIPPED_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "atlas.csv")


def shipped_atlas():
    r"""The atlas shipped with the package (read-only).

    Each row is a certified capacity :math:`\text{lower} \le C \le \text{upper}` with the
    law that achieves ``lower``, the spec it came from, the package version and commit, and
    the machine that computed it; ``insensitive-atlas verify --all`` re-checks every row.

    Parameters
    ----------
    None

    Returns
    -------
    Atlas
        Read-only, in memory (loaded from ``capacity/atlas/data/atlas.csv``).

    Raises
    ------
    ValueError
        If the shipped file is missing or malformed (a broken installation).

    References
    ----------
    docs/problem.rst, section "Facts about C(n, s, m)"; docs/atlas.rst.

    Examples
    --------
    >>> atlas = shipped_atlas()
    >>> len(atlas) > 0
    True
    """
    return open_atlas(SHIPPED_CSV, readonly=True)


def quoted_value(routine, **kwargs):
    r"""The shipped record of ``routine(**kwargs)``, e.g. a capacity :math:`C(n, s, m)`.

    The arguments are normalised as in a sweep (defaults applied), so
    ``quoted_value("insensitive_capacity", n=4, s=1, m=8)`` finds the row computed with
    ``tol=1e-9`` by default; the execution options ``backend``, ``device``, ``max_bytes``,
    ``max_seconds`` and ``progress`` are ignored.

    Parameters
    ----------
    routine : str
        A short routine name (``"insensitive_capacity"``) or a dotted public name.
    **kwargs
        Its keyword arguments.

    Returns
    -------
    AtlasRecord
        With ``value``, ``lower``, ``upper``, ``law`` and provenance.

    Raises
    ------
    TypeError
        For arguments of the wrong type.
    ValueError
        For an unknown routine or arguments it does not take, or when the shipped atlas holds
        no such row (the message says how to compute it).

    References
    ----------
    docs/problem.rst, section "Facts about C(n, s, m)".

    Examples
    --------
    >>> r = quoted_value("insensitive_capacity", n=2, s=1, m=2)
    >>> round(r.value, 6), r.lower <= r.value <= r.upper
    (1.299642, True)
    """
    task = make_task(routine, kwargs)
    want = {k: v for k, v in task.kwargs.items() if k not in EXECUTION_ARGS}
    with shipped_atlas() as atlas:
        found = [r for r in atlas.records(status="done")
                 if r.routine == task.routine and {k: v for k, v in r.args.items() if k not in EXECUTION_ARGS} == want]
    rec = min(found, key=lambda r: r.gap if r.gap is not None else float("inf")) if found else None
    if rec is None:
        raise ValueError(f"the shipped atlas must hold {task.routine}({task.args_json}); it does not: compute it "
                         "with `insensitive-atlas run SPEC.toml`")
    return rec
