"""Benchmark: the atlas on a local Dask cluster against a plain serial loop.

On ``capacity.atlas.local_cluster(workers)`` (the cluster a sweep starts by itself: single-threaded
processes with the embedded settings, docs/atlas.rst, "Running"), started before the timings:

* overhead per task: sweeps of empty tasks (``capacity.atlas.probe``), one task per Dask task
  (``batch=1``) and in adaptive batches (the default), scheduling, the round trip to a worker
  and the client's SQLite write included, in ms per task;
* throughput: ``tasks`` small capacity tasks (``insensitive_capacity(3, 1, 2, p_bias=p)`` for
  distinct p) as a sweep (adaptive batches, and ``batch=1``), against the same calls in a serial
  loop in a fresh process of its own (no Dask thread in it: the baseline) and in this process
  while the cluster runs in it (the client's process: a biased baseline, shown for comparison),
  and split over plain processes with no scheduler; the rounds are interleaved ``repeat`` times
  and the load average is printed with each, since a busy machine moves every number; one sweep
  per round runs on a cluster with Dask's default settings (statistical profiler on, periodic
  callbacks at their default intervals, work stealing) to show what the embedded settings save;
* the client's share: one SQLite transaction per task against one per batch of 100 (as a sweep
  writes), best of 5, and pickling a stored record (the fields a worker sends back);
* ``verify`` of stored bounds in float64 and in ball arithmetic (``--rigorous``), by channel
  size: how large a channel the rigorous check handles in a minute.

``python -m benchmarks.bench_atlas [--quick] [--workers 2] [--tasks 1000] [--repeat 3]`` (on a quiet
machine: it rewrites benchmarks/results/atlas.md; then ``python -m benchmarks.run --assemble``)
"""
from __future__ import annotations

import os
import pickle
import statistics
import tempfile
import time

from ._harness import cli, machine_line, table, write_result

#: Single-threaded tasks, as on the embedded cluster (docs/atlas.rst, "Running"), for the comparison cluster
#: with Dask's default settings (the embedded cluster itself comes from capacity.atlas.local_cluster).
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


#: (n, s, m) of the small tasks (about 3.5 ms each) and of the mid-size ones (about 16 ms, arrays of MB).
SMALL, MID = (3, 1, 2), (3, 2, 4)


def _capacity_spec(k, nsm=SMALL):
    ps = [round(0.05 + 0.9 * i / k, 6) for i in range(k)]
    return {"name": "bench", "sweep": [{"routine": "insensitive_capacity", "grid": {"p_bias": ps},
                                        "options": dict(zip("nsm", nsm))}]}, ps


def _probe_spec(k):
    return {"sweep": [{"routine": "probe", "grid": {"value": [float(i) for i in range(k)]}}]}


#: (n, s, m) whose stored bounds are re-checked; the last ones only in a full run.
VERIFY_QUICK = [(2, 1, 2), (3, 1, 3), (3, 2, 3)]
VERIFY_FULL = VERIFY_QUICK + [(3, 2, 4), (4, 1, 3)]


def _serial_part(ps, nsm=SMALL):
    """(wall, CPU) seconds of insensitive_capacity(*nsm, p_bias=p) over ``ps`` in this (warm) process."""
    from capacity.insensitive import insensitive_capacity

    insensitive_capacity(*nsm, p_bias=0.5)
    t0, c0 = time.perf_counter(), time.process_time()
    for p in ps:
        insensitive_capacity(*nsm, p_bias=p)
    return time.perf_counter() - t0, time.process_time() - c0


def _cpu_seconds(procs):
    """CPU seconds (user + system) used so far by this process (all its threads: the client, the local
    scheduler and the nannies) and by ``procs`` (the worker processes)."""
    return time.process_time() + sum(sum(p.cpu_times()[:2]) for p in procs)


def _verify_rows(cases):
    from capacity.atlas import AtlasRecord, verify_record
    from capacity.insensitive import insensitive_capacity

    rows = []
    for n, s, m in cases:
        r = insensitive_capacity(n, s, m)
        rec = AtlasRecord("k", "capacity.insensitive.insensitive_capacity", {"n": n, "s": s, "m": m}, "done",
                          lower=r.lower, upper=r.upper, law=r.class_mass)
        vf = verify_record(rec)
        va = verify_record(rec, rigorous=True)
        assert vf.holds and va.holds
        R, T = r.shape
        rows.append([f"({n},{s},{m})", f"{R} x {T}", f"{R * T:.2e}", f"{vf.seconds:.3f}", f"{va.seconds:.2f}",
                     f"{1e6 * va.seconds / (R * T):.1f}", f"{va.upper - va.lower:.1e}"])
    return rows


def _client_rows(db_path, n, repeat=5):
    """us per task of storing ``n`` stored records again (per task / per batch of 100) and of pickling
    one: the best of ``repeat`` alternating runs, each into a new file."""
    from capacity.atlas import open_atlas

    with open_atlas(db_path, readonly=True) as atlas:
        recs = atlas.records()[:n]
    hows = ("one transaction per task", "one transaction per 100 tasks (a batch)")
    best = dict.fromkeys(hows, float("inf"))
    with tempfile.TemporaryDirectory() as d:
        for k in range(repeat):
            for how in hows:
                with open_atlas(os.path.join(d, f"{k}-{len(how)}.sqlite")) as atlas:
                    t0 = time.perf_counter()
                    if how == hows[0]:
                        for r in recs:
                            atlas.store(r)
                    else:
                        for j in range(0, len(recs), 100):
                            atlas.store_many(recs[j:j + 100])
                    best[how] = min(best[how], time.perf_counter() - t0)
    rows = [[f"SQLite write (WAL, synchronous=NORMAL), {how}", f"{1e6 * best[how] / len(recs):.0f} us/task"]
            for how in hows]
    t0 = time.perf_counter()
    blobs = [pickle.dumps(r) for r in recs]
    for b in blobs:
        pickle.loads(b)
    t2 = time.perf_counter()
    rows.append(["pickle + unpickle a stored record", f"{1e6 * (t2 - t0) / len(recs):.0f} us/task "
                 f"({sum(map(len, blobs)) / len(blobs):.0f} bytes)"])
    return rows


def _idle_rate(procs, seconds=3.0):
    """Cores the idle cluster and client use (heartbeats, monitors): CPU seconds per second."""
    c0, t0 = _cpu_seconds(procs), time.perf_counter()
    time.sleep(seconds)
    return (_cpu_seconds(procs) - c0) / (time.perf_counter() - t0)


def _timed_sweep(spec, path, addr, procs, results, name, n, batch=None):
    """Wall time and CPU of a sweep; its CPU less the idle cluster's over the same wall time, and the
    CPU of this process alone (client, scheduler, nannies); the Dask tasks (batches) it ran, from the
    scheduler's task stream; from the stored rows, the time from the call to the first task's start
    and from the first task's start to the last task's end (the steady state)."""
    from distributed import Client, get_task_stream

    from capacity.atlas import open_atlas, run_sweep

    rate = _idle_rate(procs)
    with Client(addr) as client, get_task_stream(client) as stream:
        c0, here0, t0 = _cpu_seconds(procs), time.process_time(), time.time()
        s = run_sweep(spec, path, scheduler=addr, batch=batch)
        cpu, here = _cpu_seconds(procs) - c0, time.process_time() - here0
    assert s.done == n
    with open_atlas(path, readonly=True) as atlas:
        recs = atlas.records()
    first, last = min(r.started for r in recs), max(r.finished for r in recs)
    results.setdefault(f"{name} dask", []).append(sum(str(t["key"]).startswith("atlas-") for t in stream.data))
    results.setdefault(name, []).append(s.seconds)
    results.setdefault(f"{name} cpu", []).append(cpu - rate * s.seconds)
    results.setdefault(f"{name} idle", []).append(rate)
    results.setdefault(f"{name} here cpu", []).append(here)
    results.setdefault(f"{name} first", []).append(first - t0)
    results.setdefault(f"{name} steady", []).append(last - first)


def _baselines(ps, nsm, workers, results, prefix=""):
    """The serial loop over ``ps`` in a process of its own, and split over ``workers`` plain processes (no
    scheduler): wall and CPU seconds into ``results[prefix + "serial"]`` and ``[prefix + "plain"]``."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        wall, cpu = pool.apply(_serial_part, (ps, nsm))
    results.setdefault(f"{prefix}serial", []).append(wall)
    results.setdefault(f"{prefix}serial cpu", []).append(cpu)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        parts = pool.starmap(_serial_part, [(ps[j::workers], nsm) for j in range(workers)])
    results.setdefault(f"{prefix}plain", []).append(max(w for w, _ in parts))
    results.setdefault(f"{prefix}plain cpu", []).append(sum(c for _, c in parts))


def _round(addr, procs, spec, ps, tasks, n_empty, workers, d, i, results, environ, mid):
    from capacity.atlas import run_sweep

    # the baselines run in processes with the environment this one started with: a Dask nanny sets its
    # worker's variables (one thread, MALLOC_TRIM_THRESHOLD_) in the process that spawns it, and the
    # malloc trim threshold alone makes a fresh process's serial loop 2-3% slower
    os.environ.clear()
    os.environ.update(environ)
    load = os.getloadavg()[0]
    results.setdefault("load", []).append(load)
    _baselines(ps, SMALL, workers, results)
    wall, cpu = _serial_part(ps)
    results.setdefault("serial here", []).append(wall)
    results.setdefault("serial here cpu", []).append(cpu)
    for name, batch in (("adaptive", None), ("batch=1", 1)):
        _timed_sweep(_probe_spec(n_empty), os.path.join(d, f"empty-{name}-{i}.sqlite"), addr, procs, results,
                     f"empty {name}", n_empty, batch)
        _timed_sweep(spec, os.path.join(d, f"cap-{name}-{i}.sqlite"), addr, procs, results, f"sweep {name}",
                     tasks, batch)
    again = run_sweep(spec, os.path.join(d, f"cap-adaptive-{i}.sqlite"), scheduler=addr)
    assert again.submitted == 0
    results.setdefault("again", []).append(again.seconds)
    mid_spec, mid_ps, mid_tasks = mid
    _baselines(mid_ps, MID, workers, results, "mid ")
    _timed_sweep(mid_spec, os.path.join(d, f"mid-{i}.sqlite"), addr, procs, results, "mid sweep", mid_tasks)


def _default_cluster(workers):
    """A LocalCluster with Dask's default settings but for worker-ttl (a long task would lose its worker)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.worker-ttl": None}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                            env=dict(THREAD_ENV))


def _warm(addr):
    """Imports and JIT on every worker, outside the timings; the worker processes (psutil)."""
    import psutil
    from distributed import Client

    with Client(addr) as client:
        client.run(_serial_part, [0.25])
        client.run(_serial_part, [0.25], MID)
        return [psutil.Process(pid) for pid in client.run(os.getpid).values()]


def main(quick=False, workers=2, tasks=1000, repeat=3):
    from capacity.atlas import local_cluster

    workers, tasks, repeat = int(workers), int(tasks), int(repeat)
    if quick:
        tasks, repeat = 60, 1
    n_empty = 100 if quick else 1000
    spec, ps = _capacity_spec(tasks)
    mid_tasks = 30 if quick else 300
    mid = (*_capacity_spec(mid_tasks, MID), mid_tasks)
    _serial_part(ps[:2])
    environ = dict(os.environ)
    res = {}
    with tempfile.TemporaryDirectory() as d:
        for i in range(repeat):
            t0 = time.perf_counter()
            cluster = local_cluster(workers)
            res.setdefault("start", []).append(time.perf_counter() - t0)
            try:
                procs = _warm(cluster.scheduler_address)
                _round(cluster.scheduler_address, procs, spec, ps, tasks, n_empty, workers, d, i, res, environ,
                       mid)
            finally:
                cluster.close()
            cluster = _default_cluster(workers)
            try:
                procs = _warm(cluster.scheduler_address)
                _timed_sweep(spec, os.path.join(d, f"cap-defaults-{i}.sqlite"), cluster.scheduler_address, procs,
                             res, "sweep defaults", tasks)
                _timed_sweep(mid[0], os.path.join(d, f"mid-defaults-{i}.sqlite"), cluster.scheduler_address, procs,
                             res, "mid defaults", mid_tasks)
            finally:
                cluster.close()
            res.setdefault("load after", []).append(os.getloadavg()[0])
        client_rows = _client_rows(os.path.join(d, "cap-adaptive-0.sqlite"), tasks)

    def med(k):
        return statistics.median(res[k])

    def spread(k):
        return " / ".join(f"{v:.2f}" for v in res[k])

    def ratios(k, base="serial"):
        return " / ".join(f"{a / b:.2f}" for a, b in zip(res[base], res[k]))

    def core_ms(k, n):
        return " / ".join(f"{1e3 * c / n:.2f}" for c in res[f"{k} cpu"])

    def projected(k, base="serial"):
        # on `workers` otherwise idle cores: wall W >= (CPU of the tasks + r W) / workers, r the idle cluster's
        # rate, so serial / W <= serial CPU x (workers - r) / CPU of the tasks
        idle = res.get(f"{k} idle", [0.0] * len(res[f"{k} cpu"]))
        return " / ".join(f"{min(workers, a * (workers - r) / b):.2f}"
                          for a, b, r in zip(res[f"{base} cpu"], res[f"{k} cpu"], idle))

    def dask(k):
        return " / ".join(str(v) for v in res[f"{k} dask"])

    rows = [
        ["cluster start", f"{workers} processes", spread("start") + " s", "-", "-", "-", "-", "-"],
        ["empty tasks, adaptive batches (the default)", n_empty, spread("empty adaptive") + " s",
         f"{1e3 * med('empty adaptive') / n_empty:.3f} ms/task", "-", core_ms("empty adaptive", n_empty), "-",
         dask("empty adaptive")],
        ["empty tasks, one per Dask task (batch=1)", n_empty, spread("empty batch=1") + " s",
         f"{1e3 * med('empty batch=1') / n_empty:.3f} ms/task", "-", core_ms("empty batch=1", n_empty), "-",
         dask("empty batch=1")],
        ["serial loop, a process of its own (baseline)", tasks, spread("serial") + " s",
         f"{tasks / med('serial'):.0f} tasks/s", "1.00", core_ms("serial", tasks), "1.00", "-"],
        ["serial loop in this process, cluster running in it", tasks, spread("serial here") + " s",
         f"{tasks / med('serial here'):.0f} tasks/s", ratios("serial here"), core_ms("serial here", tasks), "-", "-"],
        [f"{workers} plain processes, no scheduler (ceiling)", tasks, spread("plain") + " s",
         f"{tasks / med('plain'):.0f} tasks/s", ratios("plain"), core_ms("plain", tasks), projected("plain"), "-"],
        [f"sweep, {workers} workers, adaptive batches (the default)", tasks, spread("sweep adaptive") + " s",
         f"{tasks / med('sweep adaptive'):.0f} tasks/s", ratios("sweep adaptive"), core_ms("sweep adaptive", tasks),
         projected("sweep adaptive"), dask("sweep adaptive")],
        [f"the same sweeps, first task's start to last task's end (the first started "
         f"{' / '.join(f'{1e3 * v:.0f}' for v in res['sweep adaptive first'])} ms after the call)", tasks,
         spread("sweep adaptive steady") + " s", f"{tasks / med('sweep adaptive steady'):.0f} tasks/s",
         ratios("sweep adaptive steady"), "-", "-", "-"],
        ["the same sweeps, CPU of this process alone (client, scheduler, nannies)", tasks, "-", "-", "-",
         core_ms("sweep adaptive here", tasks), "-", "-"],
        [f"sweep, {workers} workers, batch=1", tasks, spread("sweep batch=1") + " s",
         f"{tasks / med('sweep batch=1'):.0f} tasks/s", ratios("sweep batch=1"), core_ms("sweep batch=1", tasks),
         projected("sweep batch=1"), dask("sweep batch=1")],
        [f"sweep, {workers} workers, adaptive, Dask's default settings", tasks, spread("sweep defaults") + " s",
         f"{tasks / med('sweep defaults'):.0f} tasks/s", ratios("sweep defaults"),
         core_ms("sweep defaults", tasks), projected("sweep defaults"), dask("sweep defaults")],
        ["sweep again (all stored)", tasks, spread("again") + " s", "-", "-", "-", "-", "-"],
        ["mid-size tasks: serial loop, a process of its own (their baseline)", mid_tasks,
         spread("mid serial") + " s", f"{mid_tasks / med('mid serial'):.0f} tasks/s", "1.00",
         core_ms("mid serial", mid_tasks), "1.00", "-"],
        [f"mid-size tasks: {workers} plain processes (ceiling)", mid_tasks, spread("mid plain") + " s",
         f"{mid_tasks / med('mid plain'):.0f} tasks/s", ratios("mid plain", "mid serial"),
         core_ms("mid plain", mid_tasks), projected("mid plain", "mid serial"), "-"],
        [f"mid-size tasks: sweep, {workers} workers, adaptive batches", mid_tasks, spread("mid sweep") + " s",
         f"{mid_tasks / med('mid sweep'):.0f} tasks/s", ratios("mid sweep", "mid serial"),
         core_ms("mid sweep", mid_tasks), projected("mid sweep", "mid serial"), dask("mid sweep")],
        [f"mid-size tasks: sweep, {workers} workers, Dask's default settings (its malloc thresholds)", mid_tasks,
         spread("mid defaults") + " s", f"{mid_tasks / med('mid defaults'):.0f} tasks/s",
         ratios("mid defaults", "mid serial"), core_ms("mid defaults", mid_tasks),
         projected("mid defaults", "mid serial"), dask("mid defaults")],
        ["idle cluster and client (r)", "-", "-", " / ".join(f"{r:.3f}" for r in res["sweep adaptive idle"])
         + " cores", "-", "-", "-", "-"],
        ["idle cluster and client, Dask's default settings", "-", "-",
         " / ".join(f"{r:.3f}" for r in res["sweep defaults idle"]) + " cores", "-", "-", "-", "-"],
    ]
    loads = " / ".join(f"{a:.1f}-{b:.1f}" for a, b in zip(res["load"], res["load after"]))
    busy = max(res["load"] + res["load after"]) > (os.cpu_count() or 1)
    warning = (f"**Measured on a loaded machine** (load average above its {os.cpu_count()} cores): other processes "
               "took a varying share of the cores, so the wall times, rates and speed-ups below are not this "
               "machine's and the verify times are inflated; the CPU columns are the less disturbed measure. "
               "Re-run on a quiet machine.") if busy else ""
    md = "\n".join([
        "## Atlas: sweeps on the embedded Dask cluster (CPU)",
        "",
        machine_line("dask", "distributed"),
        "",
        *([warning, ""] if warning else []),
        f"capacity.atlas.local_cluster({workers}): {workers} single-threaded worker processes (numba/BLAS threads "
        "1) with the embedded cluster's settings (Dask's statistical profiler off, its periodic callbacks every "
        "second, no work stealing, each batch sent to its worker when submitted), started before the timings. "
        "A sweep sends its tasks in bit-reversed order of the grid (each batch an even sample of it) in "
        "batches, one Dask task each, each a quarter (1 / (2 x workers)) of the tasks left, with 0.1-2 s of "
        "work by the task times seen so far, sent to the worker with the fewest "
        "tasks waiting (the client picks it) as one object and returned as one pickle; the client stores a "
        "batch's rows in one SQLite transaction as it arrives. Empty tasks "
        "measure the overhead per task: scheduling, the round trip and the client's write. Throughput: "
        f"{tasks} tasks insensitive_capacity(3, 1, 2, p_bias=p) with distinct p, against the same calls in a "
        "serial loop in a warm process of its own, with the environment this benchmark started with (the "
        "baseline; the same loop in this process, where the "
        "cluster's scheduler and nannies share its cores and GIL, is shown apart), and split over plain processes "
        "with no scheduler (the most this machine gives); 'speed-up' = baseline time / that time. "
        f"Mid-size tasks: {mid_tasks} tasks insensitive_capacity(3, 2, 4, p_bias=p), about 16 ms each with "
        "arrays of megabytes, against their own serial loop; the embedded cluster starts its workers with "
        "glibc's malloc thresholds at 32 MiB, Dask's default cluster with MALLOC_TRIM_THRESHOLD_ = 64 KiB, "
        "which maps every array of 128 KiB or more afresh. "
        "'core ms/task': CPU time (user + system) of "
        "every process involved (this one: client, scheduler, nannies; the workers) per task, less what the "
        "idle cluster uses over the same wall time (heartbeats, monitors; measured for 3 s before each sweep, "
        "idle rate r cores); 'CPU-bound speed-up' = serial CPU x (workers - r) / that CPU, at most the "
        "workers: the speed-up that CPU allows on otherwise idle cores, which a loaded machine's wall times "
        "cannot show. 'Dask tasks': the batches a sweep ran (Dask's cost is per Dask task, not per task). "
        f"{repeat} interleaved rounds (each cell: round 1 / round 2 / ...; rates from the medians); "
        f"1-minute load average at the start-end of each round: {loads} on {os.cpu_count()} cores.",
        "",
        table(["what", "tasks", "wall", "rate", "speed-up", "core ms/task", "CPU-bound speed-up", "Dask tasks"], rows),
        "",
        "The client's share per task (this process, no cluster):",
        "",
        table(["what", "cost"], client_rows),
        "",
        "Re-checking stored bounds (verify): float64 on the unfolded channel, and ball arithmetic "
        "(python-flint arb, 128 bits) on exact rational entries; the rigorous cost is linear in the "
        "entries (us/entry), so a minute covers about 60 / (us/entry) million entries.",
        "",
        table(["(n,s,m)", "channel", "entries", "float s", "rigorous s", "us/entry", "proved width"],
              _verify_rows(VERIFY_QUICK if quick else VERIFY_FULL)),
    ])
    return write_result("atlas", md, store=not quick)


if __name__ == "__main__":
    cli(main, workers=2, tasks=1000, repeat=3)
