"""Benchmarks of minimal complete abstractions (capacity.experiments.abstractions).

* |M| = 10^7 random deterministic transition, random 2-block R0: ``minimal_complete_abstraction``
  (target < 10 s on 2 cores) against a plain iterate-until-stable refinement with numpy
  (R <- R meet tau*R via ``np.unique`` until the block count stops changing), same result;
* a chain 0 -> 1 -> ... -> n-1 with only the end marked: the plain iteration needs n rounds;
* the naive-Bayes Gibbs chain, N = 16 (2^16 states, 17 nonzeros per row), R0 = majority: strong
  lumpability against the same plain iteration on rounded block probabilities, and the greedy
  trade-off curve from the count down to the majority.

``python -m benchmarks.bench_abstractions [--quick]``.
"""
from __future__ import annotations

import time

import numpy as np

from ._harness import best_of, cli, machine_line, table, write_result


def _plain_function(tau, r0):
    """R <- R meet tau*R with numpy until the number of blocks is stable; (labels, rounds)."""
    from capacity.experiments.abstractions import canonical

    lab = np.unique(r0, return_inverse=True)[1].reshape(-1)
    rounds = 0
    while True:
        rounds += 1
        new = np.unique(lab * (lab.max() + 1) + lab[tau], return_inverse=True)[1].reshape(-1)
        if new.max() == lab.max():
            return canonical(new), rounds
        lab = new


def _plain_lumpable(P, r0, decimals=12):
    """Plain lumpability refinement: split by (label, P(x, C) rounded to ``decimals``) per round."""
    from capacity.experiments.abstractions import canonical

    lab = np.unique(r0, return_inverse=True)[1].reshape(-1)
    rounds = 0
    while True:
        rounds += 1
        k = lab.max() + 1
        import scipy.sparse as sp

        onehot = sp.csr_array((np.ones(lab.size), (np.arange(lab.size), lab)), shape=(lab.size, k))
        Q = np.round((P @ onehot).toarray(), decimals)
        new = np.unique(np.column_stack([lab, Q]), axis=0, return_inverse=True)[1].reshape(-1)
        if new.max() == lab.max():
            return canonical(new), rounds
        lab = new


def _function_rows(quick):
    from capacity.experiments.abstractions import Computation, minimal_complete_abstraction

    rows = []
    sizes = [10**5] if quick else [10**6, 10**7]
    for n in sizes:
        rng = np.random.default_rng(0)
        tau = rng.integers(0, n, n)
        r0 = rng.integers(0, 2, n)
        minimal_complete_abstraction(Computation(tau[:1000] % 1000), r0[:1000])  # JIT warm-up (cached)
        repeat = 1 if n >= 10**7 else 3
        t_ours = best_of(lambda: minimal_complete_abstraction(Computation(tau), r0), repeat=repeat)
        cpu_ours = best_of(lambda: minimal_complete_abstraction(Computation(tau), r0), repeat=repeat,
                           clock=time.thread_time)
        ours = minimal_complete_abstraction(Computation(tau), r0)
        t0 = time.perf_counter()
        plain, rounds = _plain_function(tau, r0)
        t_plain = time.perf_counter() - t0
        rows.append([f"random function, n = {n:.0e}, 2-block R0", f"{t_ours:.2f} s", f"{cpu_ours:.2f} s",
                     f"{t_plain:.2f} s ({rounds} rounds)", f"{t_plain / t_ours:.1f}x",
                     f"{ours.n_blocks} blocks; same partition: {np.array_equal(ours.labels, plain)}"])
    n = 5000 if quick else 20000
    tau = np.minimum(np.arange(n) + 1, n - 1)
    r0 = (np.arange(n) == n - 1).astype(np.int64)
    t_ours = best_of(lambda: minimal_complete_abstraction(Computation(tau), r0), repeat=3)
    ours = minimal_complete_abstraction(Computation(tau), r0)
    t0 = time.perf_counter()
    plain, rounds = _plain_function(tau, r0)
    t_plain = time.perf_counter() - t0
    rows.append([f"chain 0 -> ... -> n-1, n = {n}, end marked", f"{t_ours:.4f} s", "-",
                 f"{t_plain:.2f} s ({rounds} rounds)", f"{t_plain / t_ours:.0f}x",
                 f"{ours.n_blocks} blocks; same partition: {np.array_equal(ours.labels, plain)}"])
    return rows


def _lumpable_rows(quick):
    from capacity.experiments.abstractions import (abstraction_tradeoff, minimal_complete_abstraction,
                                                   naive_bayes_gibbs_computation)

    N = 10 if quick else 16
    c = naive_bayes_gibbs_computation(N, 0.2)
    majority = (2 * c.outputs > N).astype(np.int64)
    t_ours = best_of(lambda: minimal_complete_abstraction(c, majority), repeat=3)
    ours = minimal_complete_abstraction(c, majority)
    t0 = time.perf_counter()
    plain, rounds = _plain_lumpable(c.transition, majority)
    t_plain = time.perf_counter() - t0
    same = np.array_equal(ours.labels, plain)
    rows = [[f"naive-Bayes Gibbs N = {N} ({2 ** N} states, {c.transition.nnz} nonzeros), R0 = majority",
             f"{t_ours:.3f} s", "-", f"{t_plain:.2f} s ({rounds} rounds)", f"{t_plain / t_ours:.1f}x",
             f"{ours.n_blocks} blocks (the count: N + 1 = {N + 1}); defect {ours.defect:.1e}; same partition: "
             f"{same}"]]
    t_curve = best_of(lambda: abstraction_tradeoff(c, majority), repeat=3)
    curve = abstraction_tradeoff(c, majority)
    rows.append([f"trade-off curve, same chain, {curve.n_blocks[0]} -> {curve.n_blocks[-1]} blocks",
                 f"{t_curve:.3f} s", "-", "-", "-",
                 f"error {curve.error_bits[0]:.1e} -> {curve.error_bits[-1]:.4f} bit"])
    return rows


def main(quick: bool = False) -> str:
    rows = _function_rows(quick) + _lumpable_rows(quick)
    md = "\n\n".join([
        "## Abstractions of computations: minimal complete abstraction (issue: abstractions)",
        machine_line("scipy"),
        "Ours: `minimal_complete_abstraction` (validation included; best of 3, one run at 10^7). Plain: "
        "R <- R meet tau*R with `np.unique` until the block count is stable (lumpable: on block "
        "probabilities rounded to 12 decimals), one run. Ratio: plain wall / ours wall. Our thread CPU time "
        "(`time.thread_time`, one thread) is given next to the wall time because a shared machine "
        "inflates wall times. Target: 10^7 states in < 10 s on 2 cores.",
        table(["case", "ours (wall)", "ours (thread CPU)", "plain numpy iteration (wall)", "ratio", "result"], rows)])
    return write_result("abstractions", md, store=not quick)


if __name__ == "__main__":
    cli(main)
