"""Benchmark: the atlas on the embedded Dask cluster against a plain serial loop.

Two measurements, on a ``LocalCluster`` of ``workers`` single-threaded processes started
before the timing (the cluster start is reported separately):

* overhead per task: a sweep of empty tasks (``capacity.atlas.probe``), scheduling, the
  round trip to a worker and the SQLite write included, in ms per task;
* throughput: ``tasks`` small capacity tasks (``insensitive_capacity(3, 1, 2, p_bias=p)``
  for distinct p) as a sweep, against the same calls in a serial loop in this process;
* ``verify`` of stored bounds in float64 and in ball arithmetic (``--rigorous``), by channel
  size: how large a channel the rigorous check handles in a minute.

``python -m benchmarks.bench_atlas [--quick] [--workers 2] [--tasks 1000]`` (on a quiet machine: it
rewrites benchmarks/results/atlas.md; then ``python -m benchmarks.run --assemble``)
"""
from __future__ import annotations

import os
import tempfile
import time

from ._harness import cli, machine_line, table, write_result


def _capacity_spec(k):
    ps = [round(0.05 + 0.9 * i / k, 6) for i in range(k)]
    return {"name": "bench", "sweep": [{"routine": "insensitive_capacity", "grid": {"p_bias": ps},
                                        "options": {"n": 3, "s": 1, "m": 2}}]}, ps


#: (n, s, m) whose stored bounds are re-checked; the last ones only in a full run.
VERIFY_QUICK = [(2, 1, 2), (3, 1, 3), (3, 2, 3)]
VERIFY_FULL = VERIFY_QUICK + [(3, 2, 4), (4, 1, 3)]


def _serial_part(ps):
    """Seconds for insensitive_capacity(3, 1, 2, p_bias=p) over ``ps`` in this (warm) process."""
    from capacity.insensitive import insensitive_capacity

    insensitive_capacity(3, 1, 2, p_bias=0.5)
    t0 = time.perf_counter()
    for p in ps:
        insensitive_capacity(3, 1, 2, p_bias=p)
    return time.perf_counter() - t0


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


def main(quick=False, workers=2, tasks=1000):
    from distributed import Client, LocalCluster

    from capacity.atlas import run_sweep

    workers, tasks = int(workers), int(tasks)
    if quick:
        tasks = 60
    n_empty = 100 if quick else 500
    spec, ps = _capacity_spec(tasks)
    # serial loop first (warm: one call outside the timing compiles the kernels)
    t_serial = _serial_part(ps)
    # the ceiling on this machine: the same calls split over `workers` plain processes, no scheduler
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        t_split = max(pool.map(_serial_part, [ps[i::workers] for i in range(workers)]))

    env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      env=env) as cluster:
        t_start = time.perf_counter() - t0
        addr = cluster.scheduler_address
        with tempfile.TemporaryDirectory() as d:
            with Client(addr) as client:          # imports and JIT on every worker, outside the timings
                client.run(_serial_part, [0.25])
            warm = {"sweep": [{"routine": "probe", "grid": {"value": [0.0, 1.0]}}]}
            run_sweep(warm, os.path.join(d, "warm.sqlite"), scheduler=addr)
            empty = {"sweep": [{"routine": "probe", "grid": {"value": [float(i) for i in range(n_empty)]}}]}
            s_empty = run_sweep(empty, os.path.join(d, "empty.sqlite"), scheduler=addr)
            s_cap = run_sweep(spec, os.path.join(d, "cap.sqlite"), scheduler=addr)
            s_again = run_sweep(spec, os.path.join(d, "cap.sqlite"), scheduler=addr)
    assert s_cap.done == tasks and s_empty.done == n_empty and s_again.submitted == 0
    per_task_ms = 1e3 * s_empty.seconds / n_empty
    rows = [
        ["cluster start", f"{workers} processes", f"{t_start:.2f} s", "-", "-"],
        ["empty tasks (probe)", n_empty, f"{s_empty.seconds:.2f} s", f"{per_task_ms:.2f} ms/task", "-"],
        ["serial loop", tasks, f"{t_serial:.2f} s", f"{tasks / t_serial:.1f} tasks/s", "1.00"],
        [f"{workers} plain processes, no scheduler (ceiling)", tasks, f"{t_split:.2f} s",
         f"{tasks / t_split:.1f} tasks/s", f"{t_serial / t_split:.2f}"],
        [f"sweep, {workers} workers", tasks, f"{s_cap.seconds:.2f} s", f"{tasks / s_cap.seconds:.1f} tasks/s",
         f"{t_serial / s_cap.seconds:.2f}"],
        ["sweep again (all stored)", tasks, f"{s_again.seconds:.2f} s", "-", "-"],
        ["scheduler + client cost per task, (sweep - plain processes) x workers / tasks", tasks,
         f"{1e3 * (s_cap.seconds - t_split) * workers / tasks:.2f} ms/task", "-", "-"],
    ]
    md = "\n".join([
        "## Atlas: sweeps on the embedded Dask cluster (CPU)",
        "",
        machine_line("dask", "distributed"),
        "",
        f"A LocalCluster of {workers} single-threaded worker processes (numba/BLAS threads 1), started before "
        f"the timings. Tasks go to the workers in batches (one Dask task each); the client gathers results on "
        f"Dask's event loop and writes each arrival of results in one SQLite transaction. Empty tasks measure the "
        f"overhead per task: scheduling, the round trip and the client's write. Throughput: {tasks} tasks insensitive_capacity(3, 1, 2, p_bias=p) with distinct p, "
        "against the same calls in a serial loop in one warm process, and split over plain processes with "
        "no scheduler (the most this machine gives); 'speed-up' = serial time / that time. "
        "The machine is shared (load from other users): timings are noisy.",
        "",
        table(["what", "tasks", "wall", "rate", "speed-up"], rows),
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
    cli(main, workers=2, tasks=1000)
