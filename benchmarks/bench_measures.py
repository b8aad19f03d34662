"""Complexity measures, ours vs boofun: sensitivity, block sensitivity, certificate complexity,
decision-tree depth, F2 degree, Fourier sparsity and nonlinearity of one random function, n = 10
and 14, on the same truth table in one run.

Ours: the public ``boolean`` routines (validation included), best of 5 (2 at n = 14) after a
warm-up (numba compiled). boofun: a fresh ``boofun.create(table)`` each call (no cache carried
over), then its routine, after one warm-up call on a 2-bit function; timed once. A boofun call
whose time predicted from n = 10 (growth 4^n for the per-input searches, 3^n for the subcube
ones, 2^n otherwise, a lower bound) exceeds ``CAP_S`` is not run at n = 14 and reported as
such. Values are compared wherever both ran: the measures are invariant under relabelling the
variables, so the index order of the table does not matter.

``python -m benchmarks.bench_measures [--quick]``; writes benchmarks/results/measures.md.
"""
from __future__ import annotations

import os
import time

import numpy as np

from benchmarks._harness import best_of, cli, machine_line, table, write_result

CAP_S = 120.0


def _ours():
    import boolean as B

    return {"sensitivity": B.sensitivity, "block sensitivity": B.block_sensitivity,
            "certificate complexity": B.certificate_complexity, "decision-tree depth": B.decision_tree_depth,
            "F2 degree": B.f2_degree, "Fourier sparsity": B.fourier_sparsity, "nonlinearity": B.nonlinearity}


def _boofun():
    import boofun as bf
    from boofun.analysis import block_sensitivity, complexity, cryptographic, sensitivity

    return {"sensitivity": (sensitivity.max_sensitivity, 2),
            "block sensitivity": (block_sensitivity.max_block_sensitivity, 4),
            "certificate complexity": (complexity.max_certificate_complexity, 4),
            "decision-tree depth": (complexity.decision_tree_depth, 3), "F2 degree": (bf.gf2_degree, 2),
            "Fourier sparsity": (bf.fourier_sparsity, 2), "nonlinearity": (cryptographic.nonlinearity, 2)}


FEATURES = [
    # (feature, ours, boofun)
    ("sensitivity s(f), per input", "exact, batched, numba", "yes"),
    ("block sensitivity bs(f)", "exact, batched, n <= 14", "yes (search with pruning)"),
    ("certificate complexity C0/C1/C", "exact, batched, n <= 14 (subcube pass)", "yes"),
    ("decision-tree depth D(f)", "exact, batched, n <= 14 (subcube DP)", "yes"),
    ("ANF / F2 degree", "exact, batched, numba Möbius, n <= 30", "yes"),
    ("Fourier sparsity, nonlinearity, bentness", "exact integer transform", "yes (float threshold for sparsity)"),
    ("p-biased coefficients / influences", "exact transform / exact pivotal sum", "yes (influence sampled by default)"),
    ("distance to the nearest k-junta", "exact, best set and junta", "error of a given variable set"),
    ("FWHT, coefficients, influences, noise, degree", "exact, numba/torch/GPU, n <= 30", "yes (numpy)"),
    ("retained information with unknown inputs", "yes", "no"),
    ("declared 0/1 or ±1 domain", "yes (`domain=`)", "per representation"),
    ("property testing, learning, LTF analysis, visualisation, GF(2^k)", "no", "yes"),
]


def main(quick=False):
    import boofun as bf

    sizes = (6, 8) if quick else (10, 14)
    load = os.getloadavg()
    ours, theirs = _ours(), _boofun()
    rows, agree = [], []
    base = {}
    for n in sizes:
        f = np.random.default_rng(n).integers(0, 2, 1 << n).astype(np.uint8)
        for name, fn in ours.items():
            ours_t = best_of(lambda: fn(f), repeat=5 if n <= 10 else 2)
            ours_v = fn(f)
            bfn, growth_base = theirs[name]
            pred = base[name] * growth_base ** (n - sizes[0]) if name in base else 0.0
            if pred > CAP_S:
                rows.append([name, n, f"{ours_t * 1e3:.3f}", f"not run (predicted >= {pred:.0f} s)", "", ""])
                continue
            bfn(bf.create([0, 1, 1, 1]))  # warm-up: imports and first-call set-up off the clock
            t0 = time.perf_counter()
            their_v = bfn(bf.create(f.tolist()))
            their_t = time.perf_counter() - t0
            if n == sizes[0]:
                base[name] = their_t
            ok = int(their_v) == int(ours_v)
            agree.append(ok)
            rows.append([name, n, f"{ours_t * 1e3:.3f}", f"{their_t * 1e3:.1f}", f"{their_t / ours_t:,.0f}x",
                         f"{ours_v} / {their_v}" + ("" if ok else " DIFFER")])
    md = ["## Complexity measures: ours vs boofun", "",
          machine_line("boofun"),
          f"1-minute load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on "
          f"{os.cpu_count()} cores; ours best of 5 (2 at n = 14), boofun one call.", "",
          table(["measure", "n", "ours (ms)", "boofun (ms)", "speed-up", "value ours / boofun"], rows), "",
          f"Values agree on {sum(agree)} of {len(agree)} comparisons.", "",
          "### Features", "", table(["feature", "boolean (ours)", "boofun"], FEATURES)]
    return write_result("measures", "\n".join(md), store=not quick)


if __name__ == "__main__":
    cli(main)
