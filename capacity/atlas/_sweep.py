"""Run a sweep on Dask distributed; the client stores the results as they arrive."""
from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import time
import warnings
from dataclasses import dataclass

import numpy as np

from boolean._lib.validate import check_flag, check_int, check_real

from ._spec import Sweep, load_spec, parse_spec
from ._store import Atlas, AtlasRecord, open_atlas
from ._worker import THREAD_ENV, TaskBatch, execute_packed, spin_compiled


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


def _usable_cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _plan_workers(workers):
    """Processes of a local cluster: ``workers``, at most one per usable core (default: one per core).

    More single-threaded processes than cores would oversubscribe them, and each takes about
    0.2 GB at rest: ``workers`` = 4096 on a laptop would exhaust its memory before a task runs."""
    cores = _usable_cores()
    if workers is None:
        return cores
    workers = check_int(workers, "workers", low=1)
    if workers > cores:
        raise ValueError(f"`workers` must be at most the {cores} usable cores (a local cluster runs one "
                         f"single-threaded process per core; more would oversubscribe them); got {workers}. "
                         "For more processes, start a cluster of your own and pass its address as `scheduler` "
                         "(docs/atlas.rst, \"Running\")")
    return workers


#: Guided self-scheduling: each new batch takes 1 / (SHARE S) of the tasks left (S worker slots), so
#: the batches shrink geometrically, their number grows with the logarithm of the sweep's length, and
#: the workers finish together.
SHARE = 2
#: Least work of an automatic batch, in seconds: Dask's cost per Dask task (scheduling, the round trip,
#: the workers' and the client's bookkeeping: about 6 ms of CPU over the client's process and the
#: workers on a 2-core machine, benchmarks/results/atlas.md, empty tasks with batch=1) stays under a
#: tenth of it, and the tail of the sweep is a few batches of this size, not a run of one-task batches.
MIN_BATCH_SECONDS = 0.1
#: Most work of an automatic batch, in seconds: bounds what a lost worker or Ctrl-C discards, and how
#: long the progress bar waits for news.
MAX_BATCH_SECONDS = 2.0
#: Largest automatic batch (bounds a batch's result size).
MAX_BATCH = 1024
#: Batches in flight per worker slot: one running, one waiting (on the worker itself, with the local
#: cluster's settings), so a worker never idles while the client stores a result and sizes the next one;
#: a worker with less work waiting than the others may hold one more (:func:`pick_worker`).
IN_FLIGHT = 2
#: Seconds between two requests for the cluster's workers (new ones replace those lost, or join).
WORKERS_EVERY = 1.0
#: Seconds without a result after which the client asks the scheduler for its workers anyway, to
#: find batches held for a worker that is gone (:func:`_arrivals`, :func:`_submit_and_store`).
QUIET = 5.0
#: Seconds a sweep waits with no worker in the cluster before it says so: a warning for a cluster of
#: the caller's (workers may join later), an error for the local cluster, whose nannies have then
#: stopped restarting theirs (Dask's nanny does not restart a worker that dies while it starts).
NO_WORKERS = 60.0
#: Seconds a client waits for the scheduler at a ``scheduler`` address to answer before
#: :func:`run_sweep` refuses the address, in place of Dask's ``distributed.comm.timeouts.connect``;
#: it also bounds Dask's attempts to reconnect after a lost connection.
CONNECT_TIMEOUT = 10.0


def pick_worker(threads, batches, backlog):
    r"""The worker for the next batch: the fewest tasks sent to it and not yet back, per thread.

    .. math::

        w^\ast = \arg\min_{w \,:\, b_w < (\text{IN\_FLIGHT} + 1)\, k_w} \; q_w / k_w,

    with :math:`k_w` the worker's threads, :math:`b_w` its batches in flight and :math:`q_w` their
    tasks. Balancing tasks, not batches, evens out the workers' ends: Dask would place a batch by
    the mean time of all batches, whose sizes differ a hundredfold, and could leave one worker with
    the sweep's last batches while another idles. A worker may hold one batch more than
    ``IN_FLIGHT`` per thread, so one with little work waiting can take the next batch while a busy
    one still holds two.

    Parameters
    ----------
    threads : dict
        Worker address -> threads (at least 1).
    batches, backlog : dict
        Worker address -> batches, and tasks, sent to it and not yet back (absent: 0).

    Returns
    -------
    str or None
        The address; None when no worker is known or every one is full (Dask then places the
        batch).

    Examples
    --------
    >>> pick_worker({"a": 1, "b": 1}, {"a": 2, "b": 2}, {"a": 300, "b": 120})
    'b'
    >>> pick_worker({"a": 1, "b": 1}, {"a": 1, "b": 3}, {"a": 300, "b": 120})
    'a'
    >>> pick_worker({}, {}, {}) is None
    True
    """
    free = [w for w, k in threads.items() if batches.get(w, 0) < (IN_FLIGHT + 1) * k]
    return min(free, key=lambda w: backlog.get(w, 0) / threads[w]) if free else None


def spread_order(n) -> np.ndarray:
    r"""The order in which a sweep sends its ``n`` tasks: bit-reversed (van der Corput) order.

    .. math::

        \pi = \operatorname{argsort}_{0 \le i < n} \rho_b(i), \qquad
        \rho_b\Bigl(\sum_{j<b} d_j 2^j\Bigr) = \sum_{j<b} d_j 2^{b-1-j}, \qquad
        b = \max(1, \lceil \log_2 n \rceil).

    With :math:`n = 2^b`, the positions :math:`m 2^k, \dots, (m+1) 2^k - 1` of this order hold the
    indices :math:`\rho_{b-k}(m) + q\, 2^{b-k}`, :math:`q < 2^k`: an evenly spaced sample of the
    whole grid (for other :math:`n`, the same with the indices :math:`\ge n` left out). A batch,
    a run of consecutive tasks in this order, thus samples the grid evenly whatever its size:
    grids are often ordered by cost (their last points the costliest), and in grid order the mean
    time of the tasks finished so far would misjudge the rest, and batches of one size would
    differ in cost.

    Parameters
    ----------
    n : int
        Number of tasks, at least 0.

    Returns
    -------
    ndarray of int64
        A permutation of ``range(n)``.

    Raises
    ------
    TypeError
        For a non-integer ``n``.
    ValueError
        For a negative ``n``.

    References
    ----------
    J. G. van der Corput, "Verteilungsfunktionen", Proc. Akad. Wet. Amsterdam 38 (1935) 813-821.

    Examples
    --------
    >>> spread_order(8).tolist(), spread_order(6).tolist()
    ([0, 4, 2, 6, 1, 5, 3, 7], [0, 4, 2, 1, 5, 3])
    """
    n = check_int(n, "n", low=0)
    bits = max(1, (n - 1).bit_length())
    idx = np.arange(1 << bits, dtype=np.int64)
    rev = np.zeros_like(idx)
    for j in range(bits):
        rev |= ((idx >> j) & 1) << (bits - 1 - j)
    return rev[rev < n]


def plan_batch(remaining, slots, task_seconds=None) -> int:
    r"""Tasks in the next Dask task (a batch): a share of what is left, of bounded work.

    .. math::

        b = \max\Bigl(1,\; \min\Bigl(\Bigl\lceil \frac{R}{2 S} \Bigr\rceil,\; b_{\max}\Bigr),\;
            \min\Bigl(b_{\min},\; \Bigl\lceil \frac{R}{S} \Bigr\rceil,\; R - 2S\Bigr)\Bigr),
        \qquad
        b_{\min} = \max\Bigl(1, \min\Bigl(1024, \Bigl\lfloor \frac{0.1\,\mathrm{s}}{\bar t}
            \Bigr\rfloor\Bigr)\Bigr),
        \quad
        b_{\max} = \max\Bigl(1, \min\Bigl(1024, \Bigl\lfloor \frac{2\,\mathrm{s}}{\bar t}
            \Bigr\rfloor\Bigr)\Bigr),

    with :math:`R \ge 1` the tasks not yet submitted, :math:`S` the worker slots (threads) and
    :math:`\bar t` the mean time of the tasks finished so far (both bounds are 1024 when
    :math:`\bar t = 0`); :math:`b = 1` until one has finished (the cost is unknown). Each batch
    takes :math:`1/(2S)` of what is left (guided self-scheduling), so the batches shrink as the
    sweep ends and the workers finish together, and holds at most 2 s of work (what a lost
    worker or Ctrl-C discards). Near the end a batch holds at least 0.1 s of work (Dask's cost
    per batch stays small, and the sweep does not end in a long run of one-task batches), but
    never more than :math:`1/S` of what is left, and the last :math:`2S` tasks go one per
    batch: the end of a grid is often its costliest part, which the mean so far does not
    foresee, and a floor there would put its tasks on one worker.

    Parameters
    ----------
    remaining : int
        Tasks not yet submitted, at least 1.
    slots : int
        Worker threads of the cluster, at least 1.
    task_seconds : float, optional
        Mean task time so far, at least 0; None before the first result.

    Returns
    -------
    int
        The batch size, in [1, remaining].

    Raises
    ------
    TypeError
        For a non-integer ``remaining`` or ``slots``, or a non-real ``task_seconds``.
    ValueError
        For ``remaining`` or ``slots`` below 1, or a negative or non-finite ``task_seconds``.

    References
    ----------
    C. D. Polychronopoulos and D. J. Kuck, "Guided self-scheduling: a practical scheduling scheme
    for parallel supercomputers", IEEE Trans. Computers C-36 (1987) 1425-1439.

    Examples
    --------
    >>> plan_batch(1000, 2), plan_batch(1000, 2, 0.004), plan_batch(100, 2, 0.004), plan_batch(20, 2, 0.004)
    (1, 250, 25, 10)
    """
    remaining = check_int(remaining, "remaining", low=1)
    slots = check_int(slots, "slots", low=1)
    if task_seconds is None:
        return 1
    task_seconds = check_real(task_seconds, "task_seconds", low=0.0)
    if task_seconds > 0:
        low = max(1, min(MAX_BATCH, int(MIN_BATCH_SECONDS / task_seconds)))
        high = max(1, min(MAX_BATCH, int(MAX_BATCH_SECONDS / task_seconds)))
    else:
        low = high = MAX_BATCH
    share = -(-remaining // (SHARE * slots))
    floor = min(low, -(-remaining // slots), remaining - SHARE * slots)
    return max(1, min(share, high), floor)


#: glibc's malloc settings of the local cluster's workers, set before they start. Dask's nanny sets
#: MALLOC_TRIM_THRESHOLD_ = 64 KiB, which also fixes the mmap threshold at 128 KiB: every array of
#: 128 KiB or more is then mapped afresh and page-faulted in, and a task of 16 ms that builds a few
#: such arrays runs 16% slower than in a plain Python process (117 000 page faults per 100 calls of
#: insensitive_capacity(3, 2, 4) instead of 600). With both at 32 MiB, arrays below 32 MiB come from
#: the heap as in a plain process, and a worker keeps at most 32 MiB of freed heap.
MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": 32 << 20, "MALLOC_MMAP_THRESHOLD_": 32 << 20}


def _cluster_config(retries=1) -> dict:
    """Dask settings of the local cluster (the scheduler reads them when it starts, the workers
    receive them from their nanny); see :func:`local_cluster` for what each one does."""
    return {"distributed.scheduler.allowed-failures": retries,
            # a numba kernel holds the GIL for minutes on large tasks, which stops the worker's heartbeats;
            # the scheduler would restart a busy, healthy worker (a dead one is still noticed by its nanny)
            "distributed.scheduler.worker-ttl": None,
            # the statistical profiler samples the running task's stack every 10 ms from another thread of
            # the worker, for a dashboard a sweep does not use (benchmarks/results/atlas.md compares)
            "distributed.worker.profile.enabled": False,
            # the periodic callbacks of every process (event-loop health tick every 20 ms, system monitor
            # every 500 ms, memory monitor every 100 ms, work stealing) feed dashboards and balance queues
            # that a sweep keeps full itself; every 1 s, the idle cluster uses a quarter of the CPU it uses
            # at Dask's defaults or less (benchmarks/results/atlas.md), and a worker's event loop takes
            # the GIL from the running task far less often. Memory limits are still checked every second.
            "distributed.admin.tick.interval": "1s",
            "distributed.admin.system-monitor.interval": "1s",
            "distributed.worker.memory.monitor-interval": "1s",
            "distributed.scheduler.work-stealing": False,
            # a batch goes to its worker when it is submitted, not when the worker's previous batch has
            # finished (Dask's queuing of root tasks): the worker starts its next batch at once instead of
            # idling for a round trip through the scheduler after each one. The client keeps only
            # IN_FLIGHT batches per slot submitted, so nothing piles up on a worker.
            "distributed.scheduler.worker-saturation": float("inf"),
            **{f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in MALLOC_ENV.items()}}


@contextlib.contextmanager
def _environ_kept():
    """Put back this process's values of the variables a Dask nanny sets in it before it spawns its
    worker (``distributed.nanny.pre-spawn-environ``: thread counts, ``MALLOC_TRIM_THRESHOLD_``;
    and ``PYTHONHASHSEED``), where every process started later would inherit them. Other
    variables are left alone: another thread may change them meanwhile."""
    import dask

    names = set(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}) | set(MALLOC_ENV)
    names.add("PYTHONHASHSEED")
    saved = {k: os.environ.get(k) for k in names}
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            elif os.environ.get(k) != v:
                os.environ[k] = v


def local_cluster(workers=None, *, retries=1):
    r"""A Dask ``LocalCluster`` of single-threaded worker processes with the sweep's settings.

    What :func:`run_sweep` starts when no scheduler is given; start one yourself to run several
    sweeps on the same workers (pass ``cluster.scheduler_address`` as ``scheduler``). ``workers``
    processes of one thread each, with numba, OpenMP and BLAS limited to one thread, keep at most
    ``workers`` cores busy:

    .. math::

        \text{busy cores} \le \text{workers} \times 1 \text{ thread}.

    Settings (docs/atlas.rst, section "Running", gives the same for a cluster of your own): no
    worker-ttl (a long compiled task holds the GIL and stops the heartbeats), no statistical
    profiler, periodic callbacks every second, no work stealing, batches sent to their worker when
    submitted (``worker-saturation`` = inf), ``retries`` for a task whose workers die
    (``allowed-failures``), and glibc's malloc thresholds at 32 MiB (:data:`MALLOC_ENV`: Dask's
    default maps every array of 128 KiB or more afresh). Dask's nanny sets its workers' variables
    (one thread, a malloc trim threshold) in the process that spawns them, where every process
    started later would inherit them; they are put back as they were once the workers have
    started (a worker that a nanny restarts sets them again, which :func:`run_sweep` undoes too
    when it ends).

    Parameters
    ----------
    workers : int, optional
        Worker processes, in [1, cores], the cores this process may use (its CPU affinity);
        default: all of them.
    retries : int, default 1
        How many workers a task may take down before it fails, in [0, 100].

    Returns
    -------
    distributed.LocalCluster
        Running; close it (``cluster.close()``, or use it in a ``with`` block).

    Raises
    ------
    TypeError
        For a non-integer ``workers`` or ``retries``.
    ValueError
        For ``workers`` or ``retries`` out of range.

    References
    ----------
    M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and Task Scheduling",
    Proc. 14th Python in Science Conf. (2015).

    Examples
    --------
    >>> with local_cluster(2) as cluster:                           # doctest: +SKIP
    ...     s = run_sweep("sweep.toml", "atlas.sqlite", scheduler=cluster.scheduler_address)
    """
    n_workers = _plan_workers(workers)
    retries = check_int(retries, "retries", low=0, high=100)
    import dask
    from distributed import LocalCluster

    with dask.config.set(_cluster_config(retries)), _environ_kept():
        # a nanny prefers this process's value of a pre-spawn variable to its configuration's, and the
        # caller's environment may hold Dask's default (left there by a cluster of its own, say)
        os.environ.update({k: str(v) for k, v in MALLOC_ENV.items()})
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                            env=dict(THREAD_ENV))


def _terminate_workers(cluster, grace=2.0):
    """End the local cluster's worker processes now: SIGTERM, then SIGKILL after ``grace`` seconds.

    A task inside a compiled kernel holds the GIL and sees no signal, so asking its worker to close
    would wait for the kernel; the nannies are first told not to restart what ends. The processes
    are left for their nannies to reap (waiting here would take that from multiprocessing)."""
    import psutil

    procs = []
    for nanny in list(getattr(cluster, "workers", {}).values()):
        try:
            nanny.close_gracefully(reason="atlas-interrupted")
            pid = nanny.pid
            if pid:
                procs.append(psutil.Process(pid))
        except (AttributeError, psutil.Error):
            continue

    def running(proc):
        try:
            return proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    for signal_it in ("terminate", "kill"):
        for proc in procs:
            if running(proc):
                try:
                    getattr(proc, signal_it)()
                except psutil.Error:
                    pass
        deadline = time.monotonic() + grace
        while any(running(proc) for proc in procs) and time.monotonic() < deadline:
            time.sleep(0.05)


def run_sweep(spec, atlas, *, scheduler=None, workers=None, force=False, retries=1, batch=None, progress=False,
              callback=None) -> SweepSummary:
    r"""Run every task of a spec on Dask and store each result in the atlas.

    The tasks are the cartesian product of each ``[[sweep]]`` grid; a task whose key is
    already stored as done is skipped (``force`` recomputes it), so an interrupted sweep
    resumes where it stopped. Tasks run as ``routine(**kwargs)`` on worker processes with one
    thread each (numba, OpenMP and BLAS limited to 1), i.e. at most ``workers`` busy cores:

    .. math::

        \text{stored} = \{\, k \in \text{grid} : k \notin \text{done} \lor \text{force} \,\}.

    Tasks travel in batches (one Dask task runs several tasks of the sweep in turn), taken in
    bit-reversed order of the grid (:func:`spread_order`: each batch samples the whole grid),
    each a share of the tasks left, of bounded work by the task times seen so far
    (:func:`plan_batch`), so that Dask's cost per task is paid once per batch. Results are
    written by this (client) process as each batch arrives, all of a batch's rows in one
    transaction, so every row is complete or absent. A worker that dies is replaced by Dask,
    which re-runs its batch (``retries`` further attempts for a batch that keeps killing
    workers); an exception inside a routine is stored as a failed row with its message, and the
    other tasks of its batch are stored normally. On Ctrl-C the local cluster's worker processes
    are terminated at once (a task inside a compiled kernel would not notice a request to stop),
    so only the unstored tasks of the running batches are lost, and a new call resumes.

    Parameters
    ----------
    spec : str, os.PathLike or dict
        A TOML file or its parsed dict (see docs/atlas.rst for the format).
    atlas : Atlas or str or os.PathLike
        An atlas opened for writing, or the path of one (opened and closed here).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``), for instance of a
        :func:`local_cluster`; default: a :func:`local_cluster` of ``workers`` processes
        started and closed here. An address where no scheduler answers within
        :data:`CONNECT_TIMEOUT` (10) seconds is refused with a ValueError.
    workers : int, optional
        Processes of the local cluster, at most the usable cores (default: all of them); with
        ``scheduler``, checked as a positive integer and ignored.
    force : bool, default False
        Recompute tasks already stored as done.
    batch : int, optional
        Tasks per batch, fixed (default: adaptive, :func:`plan_batch`). A batch is one Dask
        task: the unit Dask re-runs after a worker loss, and what Ctrl-C loses of the work in
        progress.
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
        ``workers``/``retries``, a ``callback`` that is not callable.
    ValueError
        For a malformed spec (unknown routine, wrong types, empty grid: before anything
        runs), a scheduler address that does not parse or where no scheduler answers within
        :data:`CONNECT_TIMEOUT` seconds, an atlas that cannot be written, or
        ``workers``/``retries`` out of range.
    KeyboardInterrupt
        Re-raised after Ctrl-C, once the local cluster's workers are ended and the cluster is
        closed (a few seconds, even inside a long compiled task); every stored row is complete.

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
    t0 = time.perf_counter()
    if isinstance(spec, Sweep):
        sweep = spec
    elif isinstance(spec, dict):
        sweep = parse_spec(spec)
    elif isinstance(spec, (str, os.PathLike)):
        sweep = load_spec(spec)
    else:
        raise TypeError(f"`spec` must be a TOML path or a dict; got {type(spec).__name__}")
    force, progress = check_flag(force, "force"), check_flag(progress, "progress")
    retries = check_int(retries, "retries", low=0, high=100)
    if batch is not None:
        batch = check_int(batch, "batch", low=1, high=10**6)
    if scheduler is None:
        n_workers = _plan_workers(workers)
    else:                     # the workers are the scheduler's: only the type and sign are checked
        _check_address(scheduler)
        n_workers = None if workers is None else check_int(workers, "workers", low=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable; got {callback!r}")
    own = not isinstance(atlas, Atlas)
    if own:
        atlas = open_atlas(atlas)
    elif atlas.readonly:
        raise ValueError(f"`atlas` must be open for writing; got read-only {atlas.path!r}")
    try:
        skipped, submitted, counts = _run(sweep, atlas, scheduler, n_workers, force, retries, batch, progress,
                                          callback)
    finally:
        if own:
            atlas.close()
    return SweepSummary(len(sweep.tasks), skipped, submitted, counts["done"], counts["failed"],
                        time.perf_counter() - t0)


def _check_address(address):
    """Refuse a scheduler address Dask cannot parse, before the atlas is opened."""
    if not isinstance(address, str):
        raise TypeError(f"`scheduler` must be an address string; got {address!r}")
    from distributed.comm import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        protocol, location = parse_address(address)
        get_backend(protocol)                    # a scheme Dask knows: tcp, tls, inproc, ws, wss, ucx
        if protocol in ("tcp", "tls", "ucx", "ws", "wss"):
            parse_host_port(location)
    except ValueError as exc:
        raise ValueError(f"`scheduler` must be a Dask scheduler address such as tcp://host:8786; got "
                         f"{address!r} ({exc})") from None


def _connect(address):
    """A client of the scheduler at ``address``; ValueError naming it when none answers within
    :data:`CONNECT_TIMEOUT` seconds (Dask raises OSError)."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise ValueError(f"`scheduler` must be the address of a running Dask scheduler; got {address!r} "
                         f"({exc})") from None


def _run(sweep, atlas, scheduler, n_workers, force, retries, batch, progress, callback):
    done_keys = set() if force else set(atlas.keys(status="done"))
    todo = [t for t in sweep.tasks if t.key not in done_keys]
    skipped = len(sweep.tasks) - len(todo)
    counts = {"done": 0, "failed": 0}
    if todo:
        from distributed import Client

        cluster = client = bar = muted = kept = None
        with _environ_kept():     # a restarted worker's nanny sets its variables here again
            try:
                if scheduler is None:
                    cluster = local_cluster(min(n_workers, len(todo)), retries=retries)
                    client = Client(cluster)
                else:
                    client = _connect(scheduler)
                if progress:
                    from tqdm import tqdm

                    bar = tqdm(total=len(sweep.tasks), initial=skipped, unit="task")
                # the futures of the last results, released by the client's close: released one by one
                # (or dropped) before it, each would send a message that the close then waits behind
                kept = _submit_and_store(client, sweep, todo, atlas, batch, counts, bar, callback,
                                         own=cluster is not None)
            except KeyboardInterrupt:
                # Dask logs every lost worker and ungathered result of the teardown as an error: expected here
                muted = logging.getLogger("distributed")
                level = muted.level
                muted.setLevel(logging.CRITICAL)
                if cluster is not None:
                    _terminate_workers(cluster)
                raise
            finally:
                if bar is not None:
                    bar.close()
                if client is not None:
                    client.close(timeout=10)
                if cluster is not None:
                    cluster.close(timeout=10)
                if muted is not None:
                    muted.setLevel(level)
        del kept
    return skipped, len(todo), counts


def _arrivals(arrivals, quiet=None):
    """Lists of ``(future, result)`` from the ``as_completed`` ``arrivals`` as they finish, and an
    empty list after each ``quiet`` seconds (default :data:`QUIET`) without one; ends when nothing
    is left in it."""
    quiet = QUIET if quiet is None else quiet
    cond = getattr(arrivals, "thread_condition", None)      # notified by as_completed on each arrival
    last = time.monotonic()
    while True:
        got = arrivals.next_batch(block=False)
        if got:
            last = time.monotonic()
            yield got
            continue
        if arrivals.is_empty():
            return
        wait = last + quiet - time.monotonic()
        if wait <= 0:
            last = time.monotonic()
            yield []
        elif cond is None:
            time.sleep(min(wait, 0.01))
        else:
            with cond:                # the check and the wait under the lock that guards arrivals
                if not arrivals.has_ready():
                    cond.wait(timeout=min(wait, 0.1))


def _submit_and_store(client, sweep, todo, atlas, batch, counts, bar, callback, own=False) -> list:
    """Keep ``IN_FLIGHT`` batches per worker thread submitted, each new batch to the worker with the
    fewest tasks waiting per thread; store a batch's rows as it arrives. Returns the futures of the
    batches that arrived once every batch was submitted, not released (the caller closes the
    client, which releases them all at once).

    A batch is placed on its worker loosely (it may run elsewhere), but Dask forgets the looseness
    of a task that lost its worker while no worker was running: when workers join again, it stays
    unassigned for ever (a one-worker cluster whose worker a task kills, or a cluster whose workers
    all leave). When the worker list shows a batch's worker gone, a batch of it that no worker is
    processing is cancelled and submitted again without a worker; a result arriving for a cancelled
    batch is dropped, so that each task is stored once. A cluster without workers for
    :data:`NO_WORKERS` seconds gets a RuntimeWarning, or, when it is the sweep's own (``own``), a
    RuntimeError: the rows stored so far are kept, and running the sweep again resumes it."""
    from collections import deque

    from distributed import as_completed

    pending = deque(todo[i] for i in spread_order(len(todo)))
    in_flight = {}                        # Dask key -> (tasks, worker address or None, future)
    batches, backlog = {}, {}             # worker address -> batches and tasks sent to it and not yet back
    seen = {"tasks": 0, "seconds": 0.0}
    kept = []
    cluster = {"threads": {}, "asked": -math.inf}      # worker address -> threads, and when last asked
    stamp = time.time_ns()                # Dask keys unique to this call: never a result cached by a scheduler
    resent = [0]
    # results are fetched on this client's event loop as each batch finishes (no blocking round trip
    # per batch from this thread); without ``loop``, as_completed would use the process's default
    # client, which may be another one on another loop (a notebook's), and each batch would then wait
    # about a second to be noticed
    arrivals = as_completed(loop=client.loop, with_results=True, raise_errors=False)

    def send(chunk, worker, key):
        place = {} if worker is None else {"workers": [worker], "allow_other_workers": True}
        fut = client.submit(execute_packed, TaskBatch((t.routine, t.kwargs) for t in chunk), key=key, pure=False,
                            **place)
        in_flight[fut.key] = (chunk, worker, fut)
        batches[worker] = batches.get(worker, 0) + 1
        backlog[worker] = backlog.get(worker, 0) + len(chunk)
        arrivals.add(fut)

    def forget(key):
        chunk, worker, fut = in_flight.pop(key)
        batches[worker] -= 1
        backlog[worker] -= len(chunk)
        return chunk, fut

    def rescue(threads):
        # batches placed on workers that are gone and that no worker is processing: submitted again
        gone = [k for k, (_, w, fut) in in_flight.items() if w is not None and w not in threads
                and fut.status == "pending"]
        if not gone:
            return
        running = {k for keys in client.processing().values() for k in keys}
        for key in gone:
            if key not in running and in_flight[key][2].status == "pending":
                chunk, fut = forget(key)
                fut.cancel()
                resent[0] += 1
                send(chunk, None, f"atlas-{chunk[0].key}-{len(chunk)}-{stamp}-r{resent[0]}")

    def workerless(now):
        if cluster["threads"]:
            cluster.pop("empty", None)
            return
        idle = now - cluster.setdefault("empty", now)
        if idle < NO_WORKERS:
            return
        left = len(pending) + sum(len(c) for c, _, _ in in_flight.values())
        what = (f"the sweep's cluster has had no worker for {idle:.0f} s; {left} tasks are not done (the "
                "rows stored so far are kept: run the sweep again to resume it)")
        if own:
            raise RuntimeError(what.replace("has had no worker", "has had no worker (they died and were not "
                                                                "restarted)"))
        if not cluster.get("warned"):
            cluster["warned"] = True
            warnings.warn(what.replace(" (the rows", "; waiting for workers to join (the rows"), RuntimeWarning,
                          stacklevel=6)

    def submit(force=False):
        # the client, not Dask, picks each batch's worker; the restriction is loose, so a batch whose
        # worker is lost runs on another one
        now = time.monotonic()
        if force or now - cluster["asked"] > WORKERS_EVERY:    # a round trip to the scheduler: not once per batch
            cluster["threads"] = {w: max(1, info.get("nthreads", 1))
                                  for w, info in client.scheduler_info()["workers"].items()}
            cluster["asked"] = now
            rescue(cluster["threads"])
            workerless(now)
        threads = cluster["threads"]
        slots = max(1, sum(threads.values()))
        while pending and len(in_flight) < IN_FLIGHT * slots:
            worker = pick_worker(threads, batches, backlog)
            mean = seen["seconds"] / seen["tasks"] if seen["tasks"] else None
            size = min(batch or plan_batch(len(pending), slots, mean), len(pending))
            chunk = [pending.popleft() for _ in range(size)]
            send(chunk, worker, f"atlas-{chunk[0].key}-{len(chunk)}-{stamp}")

    submit()
    for arrived in _arrivals(arrivals):
        if not arrived:               # quiet: the workers again, and the batches of those gone
            submit(force=True)
            continue
        landed = []
        for fut, outs in arrived:
            if fut.key not in in_flight:          # cancelled and submitted again: stored from the new one
                continue
            chunk, _ = forget(fut.key)
            # by what arrived, not by the future's status now: a batch gathered before the worker that
            # held it died reads "lost" (and runs again) though its results are here
            if isinstance(outs, bytes):
                outs = pickle.loads(outs)
                recs = [_record(t, out, sweep.name) for t, out in zip(chunk, outs)]
                seen["tasks"] += len(outs)
                seen["seconds"] += sum(out["seconds"] for out in outs)
            else:                     # an error: its workers were lost too often (KilledWorker), or cancelled
                exc = outs[1] if isinstance(outs, tuple) else outs
                recs = [_lost(t, exc, sweep.name) for t in chunk]
            landed.append((fut, recs))
        # the next batches before the releases: the client sends its messages to the scheduler at most
        # once per 10 ms, so a release sent first would hold the next batch back by up to that much
        submit()
        for fut, recs in landed:
            if pending:
                fut.release()         # stored below: never recomputed if its worker is lost later
            else:                     # the last ones, released by the client's close
                kept.append(fut)
            atlas.store_many(recs)    # one transaction per batch: its rows are all complete, or all absent
            for rec in recs:
                counts[rec.status] += 1
                if callback is not None:
                    callback(rec)
                if bar is not None:
                    bar.update(1)
    return kept
