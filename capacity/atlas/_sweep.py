"""Run a sweep on Dask distributed; the client stores the results as they arrive."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from boolean._lib.validate import check_int

from ._spec import Sweep, load_spec, parse_spec
from ._store import Atlas, AtlasRecord, open_atlas
from ._worker import THREAD_ENV, execute_batch, spin_compiled


@dataclass(frozen=True)
class SweepSummary:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    total : int
        Tasks in the spec.
    skipped : int
        Tasks already stored as done (not run again).
    submitted : int
        Tasks sent to the cluster.
    done, failed : int
        Results stored in this call, by status.
    seconds : float
        Wall time of the call.

    Examples
    --------
    >>> SweepSummary(total=3, skipped=1, submitted=2, done=2, failed=0, seconds=0.5).submitted
    2
    """

    total: int
    skipped: int
    submitted: int
    done: int
    failed: int
    seconds: float


def probe(seconds=0.0, *, value=0.0, compiled=False):
    r"""A diagnostic task: wait ``seconds``, then return ``value``.

    Measures a cluster's overhead per task (:math:`t_{\text{task}} - t_{\text{wait}}`)
    and lets a sweep be tested without computing anything. With ``compiled``, the wait is one
    compiled (numba) loop that holds the GIL and sees no signal until it ends, as a long kernel
    does: the case a sweep must still stop promptly on Ctrl-C.

    Parameters
    ----------
    seconds : float, default 0.0
        Time to wait, in [0, 3600].
    value : float, default 0.0
        Returned unchanged.
    compiled : bool, default False
        Busy-wait in one compiled loop instead of sleeping.

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    TypeError
        For a non-real ``seconds`` or ``value``, or a non-bool ``compiled``.
    ValueError
        For ``seconds`` outside [0, 3600].

    References
    ----------
    M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and Task Scheduling",
    Proc. 14th Python in Science Conf. (2015).

    Examples
    --------
    >>> probe(0.0, value=2.5)
    2.5
    """
    from boolean._lib.validate import check_flag, check_real

    seconds = check_real(seconds, "seconds", low=0.0, high=3600.0)
    value = check_real(value, "value")
    compiled = check_flag(compiled, "compiled")
    if seconds and compiled:
        spin_compiled(seconds)
    elif seconds:
        time.sleep(seconds)
    return value


def _record(task, out, sweep_name) -> AtlasRecord:
    return AtlasRecord(key=task.key, routine=task.routine, args=task.kwargs, status=out["status"],
                       value=out["value"], lower=out["lower"], upper=out["upper"], gap=out["gap"], law=out["law"],
                       result=out["result"], started=out["started"], finished=out["finished"],
                       seconds=out["seconds"], version=out["version"], vcs_commit=out["vcs_commit"],
                       machine=out["machine"], worker=out["worker"], error=out["error"], sweep=sweep_name)


def _lost(task, exc, sweep_name) -> AtlasRecord:
    return AtlasRecord(key=task.key, routine=task.routine, args=task.kwargs, status="failed",
                       error=f"{type(exc).__name__}: {exc}", sweep=sweep_name)


def _plan_workers(workers):
    if workers is None:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return check_int(workers, "workers", low=1, high=4096)


#: Dask tasks per worker that the automatic batch size aims for (load balance vs overhead).
BATCHES_PER_WORKER = 32
#: Largest automatic batch.
MAX_BATCH = 64


def plan_batch(n_tasks, n_workers) -> int:
    """Tasks per Dask task: ``ceil(n_tasks / (32 n_workers))``, between 1 and 64.

    Each Dask task costs a few ms of scheduling and transfer; small tasks are grouped so that
    cost is paid per batch, while each worker still gets about 32 batches, so that the last
    batches leave little idle time.
    """
    return max(1, min(MAX_BATCH, -(-n_tasks // (BATCHES_PER_WORKER * n_workers))))


def run_sweep(spec, atlas, *, scheduler=None, workers=None, force=False, retries=1, batch=None, progress=False,
              callback=None) -> SweepSummary:
    r"""Run every task of a spec on Dask and store each result in the atlas.

    The tasks are the cartesian product of each ``[[sweep]]`` grid; a task whose key is
    already stored as done is skipped (``force`` recomputes it), so an interrupted sweep
    resumes where it stopped. Tasks run as ``routine(**kwargs)`` on worker processes with one
    thread each (numba, OpenMP and BLAS limited to 1), i.e. at most ``workers`` busy cores:

    .. math::

        \text{stored} = \{\, k \in \text{grid} : k \notin \text{done} \lor \text{force} \,\}.

    Results are written by this (client) process as they arrive, those that arrive together
    (at least one batch) in one transaction, so a row is complete or absent. A worker that
    dies is replaced by Dask, which re-runs its tasks (``retries`` further
    attempts for a task that keeps killing workers); an exception inside a routine is stored
    as a failed row with its message.

    Parameters
    ----------
    spec : str, os.PathLike or dict
        A TOML file or its parsed dict (see docs/atlas.rst for the format).
    atlas : Atlas or str or os.PathLike
        An atlas opened for writing, or the path of one (opened and closed here).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``workers`` processes started and closed here.
    workers : int, optional
        Processes of the local cluster (default: the usable cores); ignored with ``scheduler``.
    force : bool, default False
        Recompute tasks already stored as done.
    batch : int, optional
        Tasks sent to a worker together (default: ``ceil(tasks / (32 workers))``, at most 64;
        with ``scheduler``, ``workers`` is the scheduler's current worker count). A batch is
        one Dask task: the unit Dask re-runs after a worker loss, written in one transaction,
        and the granularity at which Ctrl-C loses unfinished work.
    retries : int, default 1
        How many workers a task may take down before it is stored as failed (Dask's
        ``distributed.scheduler.allowed-failures`` of the local cluster; an external scheduler
        keeps its own setting).
    progress : bool, default False
        Show a progress bar over tasks (tqdm, on stderr).
    callback : callable, optional
        Called as ``callback(record)`` after each stored result.

    Returns
    -------
    SweepSummary
        Counts of skipped, submitted, done and failed tasks.

    Raises
    ------
    TypeError
        For a spec of the wrong type, a non-bool ``force``/``progress``, a non-integer
        ``workers``/``retries``.
    ValueError
        For a malformed spec (unknown routine, wrong types, empty grid: before anything
        runs), an atlas that cannot be written, or ``workers``/``retries`` out of range.
    KeyboardInterrupt
        Re-raised after Ctrl-C, once the cluster is closed; every stored row is complete.

    References
    ----------
    M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and Task Scheduling",
    Proc. 14th Python in Science Conf. (2015).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.sqlite")
    >>> spec = {"sweep": [{"routine": "probe", "grid": {"value": [1.0, 2.0]}}]}
    >>> s = run_sweep(spec, path, workers=1)                        # doctest: +SKIP
    >>> (s.submitted, s.done)                                       # doctest: +SKIP
    (2, 2)
    """
    if isinstance(spec, Sweep):
        sweep = spec
    elif isinstance(spec, dict):
        sweep = parse_spec(spec)
    elif isinstance(spec, (str, os.PathLike)):
        sweep = load_spec(spec)
    else:
        raise TypeError(f"`spec` must be a TOML path or a dict; got {type(spec).__name__}")
    for name, flag in (("force", force), ("progress", progress)):
        if not isinstance(flag, bool):
            raise TypeError(f"`{name}` must be a bool; got {flag!r}")
    retries = check_int(retries, "retries", low=0, high=100)
    if batch is not None:
        batch = check_int(batch, "batch", low=1, high=10**6)
    n_workers = _plan_workers(workers)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"`scheduler` must be an address string; got {scheduler!r}")
    own = not isinstance(atlas, Atlas)
    if own:
        atlas = open_atlas(atlas)
    elif atlas.readonly:
        raise ValueError(f"`atlas` must be open for writing; got read-only {atlas.path!r}")
    try:
        return _run(sweep, atlas, scheduler, n_workers, force, retries, batch, progress, callback)
    finally:
        if own:
            atlas.close()


def _run(sweep, atlas, scheduler, n_workers, force, retries, batch, progress, callback):
    t0 = time.perf_counter()
    done_keys = set() if force else set(atlas.keys(status="done"))
    todo = [t for t in sweep.tasks if t.key not in done_keys]
    skipped = len(sweep.tasks) - len(todo)
    counts = {"done": 0, "failed": 0}
    if todo:
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        bar = None
        try:
            if scheduler is None:
                import dask

                # worker-ttl off: a numba kernel holds the GIL for minutes on large tasks, which stops the
                # worker's heartbeats; the scheduler would restart a busy, healthy worker (a dead one is
                # still noticed by its nanny)
                with dask.config.set({"distributed.scheduler.allowed-failures": retries,
                                      "distributed.scheduler.worker-ttl": None}):
                    cluster = LocalCluster(n_workers=min(n_workers, len(todo)), threads_per_worker=1, processes=True,
                                           dashboard_address=":0", env=dict(THREAD_ENV))
                client = Client(cluster)
            else:
                client = Client(scheduler)
            try:
                if batch is None:
                    live = n_workers if scheduler is None else max(1, len(client.scheduler_info()["workers"]))
                    batch = plan_batch(len(todo), live)
                chunks = [todo[i:i + batch] for i in range(0, len(todo), batch)]
                stamp = time.time_ns()        # Dask keys unique to this call: never a result cached by a scheduler
                futures = client.map(execute_batch, [[(t.routine, t.kwargs) for t in c] for c in chunks],
                                     key=[f"atlas-{c[0].key}-{len(c)}-{stamp}" for c in chunks], pure=False)
                by_key = {fut.key: c for fut, c in zip(futures, chunks)}
                if progress:
                    from tqdm import tqdm

                    bar = tqdm(total=len(sweep.tasks), initial=skipped, unit="task")
                try:
                    # results are fetched on the client's event loop as each batch finishes (no blocking
                    # round trip per batch from this thread); whatever has arrived is written together
                    finished = as_completed(futures, with_results=True, raise_errors=False)
                    for arrived in finished.batches():
                        recs = []
                        for fut, outs in arrived:
                            chunk = by_key.pop(fut.key)
                            if fut.status == "finished":
                                recs += [_record(t, out, sweep.name) for t, out in zip(chunk, outs)]
                            else:             # worker lost too often (KilledWorker) or cancelled
                                exc = outs[1] if isinstance(outs, tuple) else outs
                                recs += [_lost(t, exc, sweep.name) for t in chunk]
                            fut.release()     # stored below: never recomputed if its worker is lost later
                        atlas.store_many(recs)            # one transaction: all of them or none
                        for rec in recs:
                            counts[rec.status] += 1
                            if callback is not None:
                                callback(rec)
                        if bar is not None:
                            bar.update(len(recs))
                except KeyboardInterrupt:
                    client.cancel([f for f in futures if f.key in by_key])
                    raise
            finally:
                client.close()
        finally:
            if bar is not None:
                bar.close()
            if cluster is not None:
                cluster.close()
    return SweepSummary(len(sweep.tasks), skipped, len(todo), counts["done"], counts["failed"],
                        time.perf_counter() - t0)
