"""Benchmark: building the folded insensitive channel, orbit-native route vs every-type route (CPU).

For each (n, s, m), in one process: ``insensitive_capacity`` with the folded channel built by
the orbit route (``folded_channel(method="orbits")``, the default) and by the reference route
that lists every type (``method="types"``, the route before the orbit-native fold), each from a
cold type cache (the class table is built once beforehand and timed on its own). The stage
times come from ``FoldedChannel.seconds``; "BA" is the rest of the call (the solver). The
effective rate is unfolded types represented per second of the whole call.

``python -m benchmarks.bench_fold [--quick]``
"""
from __future__ import annotations

import functools
import time
from unittest import mock

from ._harness import cli, machine_line, table, write_result

QUICK = [(3, 1, 4), (4, 1, 4)]
FULL = [(4, 1, 8), (4, 2, 4), (4, 2, 5), (4, 3, 4), (3, 2, 5)]


def _clear_type_cache():
    from capacity.insensitive import model

    model.type_list.cache_clear()


def run_case(n, s, m, method):
    """(result, total seconds, FoldedChannel.seconds) of insensitive_capacity with the given fold."""
    from capacity.insensitive import folded_channel, solve

    stages = {}

    def fold(*args, **kwargs):
        fc = folded_channel(*args, method=method, **kwargs)
        stages.update(fc.seconds)
        return fc

    _clear_type_cache()
    with mock.patch.object(solve, "folded_channel", fold):
        t0 = time.perf_counter()
        r = solve.insensitive_capacity(n, s, m)
        total = time.perf_counter() - t0
    return r, total, stages


def report_grid(methods=("orbits", "types", "orbits")):
    """Seconds of the report's C(n, s, m) grid (insensitive_section.capacity_grid, full settings) per fold route, in
    this order in one process (class tables built first, shared by all runs)."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from capacity.insensitive import channel_shape, folded_channel, solve
    from capacity.report import insensitive_section as sec
    from capacity.report import Context

    for n, s in sec.GRID:
        channel_shape(n, s, 1)
    out = []
    with TemporaryDirectory() as tmp:
        ctx = Context(Path(tmp), quick=False)
        for method in methods:
            _clear_type_cache()
            with mock.patch.object(solve, "folded_channel", functools.partial(folded_channel, method=method)):
                t0 = time.perf_counter()
                sec.capacity_grid(ctx)
                out.append((method, time.perf_counter() - t0))
    return out


def main(quick=False) -> str:
    from capacity.insensitive import channel_shape, insensitive_capacity

    insensitive_capacity(2, 1, 2)                                 # compile the kernels
    rows = []
    for n, s, m in (QUICK if quick else FULL):
        t0 = time.perf_counter()
        shape = channel_shape(n, s, m)                            # builds (and caches) the class table
        t_classes = time.perf_counter() - t0
        res = {}
        for method in ("types", "orbits"):
            res[method] = run_case(n, s, m, method)
        a, b = res["types"][0], res["orbits"][0]
        assert a.lower <= b.upper + 1e-12 and b.lower <= a.upper + 1e-12, (n, s, m, a, b)
        for method in ("types", "orbits"):
            r, total, st = res[method]
            enum, lik = st["enumeration"] + st["class_orbits"], st["likelihoods"]
            ba = total - enum - lik - st["classes"]
            rows.append([f"({n},{s},{m})", method, f"{r.lower:.10f}", f"{r.gap:.1e}",
                         f"{shape.n_classes} x {shape.n_types}", f"{r.folded_shape[0]} x {r.folded_shape[1]}",
                         f"{t_classes:.2f}", f"{total:.2f}", f"{enum:.2f} ({enum / total:.0%})",
                         f"{lik:.2f} ({lik / total:.0%})", f"{ba:.2f} ({ba / total:.0%})",
                         f"{shape.n_types / total:.2e}",
                         "" if method == "types" else f"{res['types'][1] / total:.1f}x"])
    md = "\n".join([
        "## Insensitive channel: orbit-native folding vs listing every type (CPU)",
        "",
        machine_line("scipy"),
        "",
        "Each row: one cold `insensitive_capacity(n, s, m)` (tol 1e-9) with the folded channel built by the "
        "route named; 'classes' is the class table, built once before both and not in 'total'. "
        "'enumeration' = class orbits + the type orbits (orbit tree with Burnside check, or the full type list "
        "and its orbit labels), 'likelihoods' = V and the bonus, 'BA' = the solver (the rest of the call). "
        "'rate' = unfolded types represented per second of the total. Both routes' certified intervals "
        "overlap (asserted).",
        "",
        table(["(n,s,m)", "route", "C lower", "gap", "unfolded", "folded", "classes s", "total s", "enumeration s",
               "likelihoods s", "BA s", "rate (types/s)", "speed-up"], rows),
    ])
    if not quick:
        grid = report_grid()
        md += "\n\nThe report's C(n,s,m) grid (`insensitive_section.capacity_grid`, full settings), runs in this order in " \
              "one process: " + "; ".join(f"{method} {sec:.1f} s" for method, sec in grid) + "."
    return write_result("fold", md, store=not quick)


if __name__ == "__main__":
    cli(main)
