"""The atlas shipped with the package: certified values the report quotes, with provenance."""
from __future__ import annotations

import functools
import json
import os
import tempfile
import time

from ._spec import make_task, parse_spec
from ._store import memory_atlas, open_atlas, read_csv_records

#: Arguments that choose where or how a value is computed, not which value: ignored by
#: :func:`quoted_value` (a value computed on a GPU answers a question asked without ``device``).
EXECUTION_ARGS = frozenset({"backend", "device", "max_bytes", "max_seconds", "progress"})

#: The shipped atlas, exported from an SQLite atlas by ``insensitive-atlas export --csv``.
SHIPPED_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "atlas.csv")
#: The spec the shipped atlas is generated from (every row of the CSV is a task of it).
SHIPPED_SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "report.toml")


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
        Read-only, in memory, a new one each call (from ``capacity/atlas/data/atlas.csv``,
        read and decoded once per process).

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
    return memory_atlas(_shipped_records(SHIPPED_CSV, os.path.getmtime(SHIPPED_CSV)), SHIPPED_CSV)


@functools.lru_cache(maxsize=1)
def _shipped_records(path, mtime):
    """The rows of the shipped CSV, read and decoded once per file version (``mtime``)."""
    records = tuple(read_csv_records(path))
    for r in records:              # shared between callers: read-only
        if r.law is not None:
            r.law.setflags(write=False)
    return records


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
    found = [r for r in _shipped_records(SHIPPED_CSV, os.path.getmtime(SHIPPED_CSV))
             if r.status == "done" and r.routine == task.routine
             and {k: v for k, v in r.args.items() if k not in EXECUTION_ARGS} == want]
    rec = min(found, key=lambda r: r.gap if r.gap is not None else float("inf")) if found else None
    if rec is None:
        raise ValueError(f"the shipped atlas must hold {task.routine}({task.args_json}); it does not: compute it "
                         "with `insensitive-atlas run SPEC.toml`")
    return rec


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    return "[" + ", ".join(_toml_value(x) for x in v) + "]"


def _is_clean(commit):
    return bool(commit) and commit != "unknown" and not commit.endswith("+dirty")


def build_shipped(*, spec=SHIPPED_SPEC, csv_path=SHIPPED_CSV, add=(), db=None, workers=None, scheduler=None,
                  force=False, verify=True, progress=False, log=print):
    r"""Regenerate the shipped atlas from a clean committed checkout: run ``spec`` (plus ``add``),
    keep the stored rows, check every new certificate, write the CSV.

    Each new row's bracket :math:`I(p; W) \le C \le \max_x D(W_x \| pW)` is re-evaluated from its
    law (:func:`verify_record`) before it is written, unless ``verify`` is False. Refused, before
    anything runs, when a tracked file of the checkout this package runs from has uncommitted
    changes (its rows would carry a ``+dirty`` commit that names no code); refused after the
    sweep when a worker ran other code (a commit other than HEAD's), a task failed or a
    certificate does not hold. Stored rows with a ``+dirty`` or unknown commit are dropped (and
    recomputed when the spec has them).

    Parameters
    ----------
    spec : str
        The TOML spec (default: the shipped ``report.toml``); ``add`` entries are appended to it
        once the CSV is written.
    csv_path : str
        The CSV read and rewritten (default: the shipped ``atlas.csv``).
    add : sequence of (str, dict)
        Extra tasks ``(routine, kwargs)``.
    db : str, optional
        Working SQLite file (kept, so an interrupted run resumes); default: a temporary one.
    workers : int, optional
        Processes of the local cluster (default: the usable cores).
    scheduler : str, optional
        Address of a running Dask scheduler instead of a local cluster (its workers must run
        this checkout: their rows are refused otherwise).
    force : bool, default False
        Recompute every task of the spec.
    verify : bool, default True
        Re-check each row not shipped before from its law (float64; for large channels this
        rebuilds the folded channel, which costs about as much as the solve's own build).
    progress : bool, default False
        Progress bar.
    log : callable
        Called with each line of the summary.

    Returns
    -------
    SweepSummary
        What the sweep ran.

    Raises
    ------
    ValueError
        For a dirty or non-git checkout, a malformed spec or ``add`` entry, a failed task, a
        row computed by other code, or a certificate that does not hold (nothing is written).
    """
    from ._spec import load_spec
    from ._store import AtlasRecord
    from ._sweep import run_sweep
    from ._verify import verify_record
    from ._worker import ROOT, checkout_state

    commit, modified = checkout_state()
    if commit == "unknown":
        raise ValueError(f"the shipped atlas must be generated from a git checkout; {ROOT!r} is not one")
    if modified:
        raise ValueError(f"the shipped atlas must be generated from a clean committed checkout; {ROOT!r} has "
                         f"uncommitted changes to {modified[:5]}: commit them first, or run from a clean "
                         "`git worktree add` of HEAD (docs/atlas.rst, section \"The shipped atlas\")")
    import tomllib

    base = load_spec(spec)                                   # checked before anything runs
    with open(spec, "rb") as fh:
        data = tomllib.load(fh)
    extra = [{"routine": routine, "options": dict(kwargs)} for routine, kwargs in add]
    sweep = parse_spec({**data, "sweep": list(data["sweep"]) + extra}, name=base.name)
    old = []
    if os.path.exists(csv_path):
        with open_atlas(csv_path, readonly=True) as shipped:
            old = shipped.records()
    kept = [r for r in old if r.status == "done" and _is_clean(r.vcs_commit)]
    kept_keys = {r.key for r in kept}
    for r in old:
        if r.key not in kept_keys:
            log(f"dropped {r.key} ({r.status}, commit {r.vcs_commit or 'none'})")
    with tempfile.TemporaryDirectory() as tmp:
        with open_atlas(db or os.path.join(tmp, "ship.sqlite")) as atlas:
            stored = {r.key: r for r in atlas.records()}
            for r in kept:
                if r.key not in stored or not _is_clean(stored[r.key].vcs_commit):
                    atlas.store(r)
            for r in atlas.records():                        # a resumed working file may hold dirty rows
                if not _is_clean(r.vcs_commit):
                    atlas.store(AtlasRecord(**{**r.__dict__, "status": "failed", "error": "dirty commit"}))
            begin = time.time()
            summary = run_sweep(sweep, atlas, scheduler=scheduler, workers=workers, force=force, progress=progress)
            records = {r.key: r for r in atlas.records()}
            todo = [records[t.key] for t in sweep.tasks]
            problems = [f"{r.key}: {r.error}" for r in todo if r.status != "done"]
            problems += [f"{r.key}: computed at {r.vcs_commit or 'an unknown commit'}" for r in todo
                         if not _is_clean(r.vcs_commit)]
            problems += [f"{r.key}: computed now at {r.vcs_commit}, not at HEAD {commit} (a worker ran other code)"
                         for r in todo if (r.started or 0) >= begin and r.vcs_commit != commit]
            for r in todo:
                if verify and r.key not in kept_keys and r.status == "done" and r.law is not None:
                    v = verify_record(r)
                    log(f"{r.key}: {'verified' if v.holds else 'FAILS'} [{v.lower!r}, {v.upper!r}] {v.detail}")
                    if not v.holds:
                        problems.append(f"{r.key}: stored bounds do not verify ({v.detail})")
            if problems:
                raise ValueError("the shipped atlas must hold only certified rows of clean code; not written: "
                                 + "; ".join(problems))
            keep = kept_keys | {t.key for t in sweep.tasks}
            with open_atlas(os.path.join(tmp, "out.sqlite")) as out:
                for key in sorted(keep):
                    out.store(records[key])
                text = out.to_csv()
    tmp_csv = csv_path + ".tmp"
    with open(tmp_csv, "w", newline="") as fh:
        fh.write(text)
    os.replace(tmp_csv, csv_path)
    if extra:
        with open(spec, "a") as fh:
            for e in extra:
                opts = ", ".join(f"{k} = {_toml_value(v)}" for k, v in e["options"].items())
                fh.write(f"\n[[sweep]]    # added by `insensitive-atlas ship --add`\nroutine = {json.dumps(e['routine'])}\n"
                         f"options = {{ {opts} }}\n")
    log(f"{len(sweep.tasks)} tasks: {summary.skipped} stored, {summary.submitted} run in {summary.seconds:.1f} s; "
        f"wrote {csv_path}")
    return summary
