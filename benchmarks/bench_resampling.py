"""Benchmarks of the resampling experiments (issue 6, section 6).

* exact full-state naive-Bayes chain, N = 16 (2^16 states), 10^4 Gibbs steps: our numba kernel
  vs the same steps as scipy.sparse products (the obvious baseline), and the exact orbit-lumped
  chain that computes the same I(X^0; X^t), with their agreement;
* lumped chain on K, N = 2000: symmetric tridiagonal eigendecomposition vs binary powers;
* 2D Ising 64 x 64 heat-bath checkerboard sweeps per second: numba (CPU) vs the vectorised sweep
  on numpy and on torch (CPU).

``python -m benchmarks.bench_resampling [--quick]``; GPU numbers: ``benchmarks/gpu_resampling.py``.
"""
from __future__ import annotations

import time

import numpy as np

from ._harness import best_of, cli, machine_line, table, write_result


def _full_chain_rows(quick):
    from capacity.experiments.naive_bayes import naive_bayes_chain, naive_bayes_mi

    N, steps = (12, 500) if quick else (16, 10_000)
    eps = 0.1
    naive_bayes_mi(6, eps, [2], state_space="full")  # JIT warm-up
    t0 = time.perf_counter()
    full = naive_bayes_mi(N, eps, [steps], state_space="full")[0]
    t_full = time.perf_counter() - t0
    t_orbit = best_of(lambda: naive_bayes_mi(N, eps, [steps], state_space="orbit"), repeat=3)
    orbit = naive_bayes_mi(N, eps, [steps], state_space="orbit")[0]
    lumped = naive_bayes_mi(N, eps, [steps])[0]
    # baseline: scipy.sparse CSR products on the same representative rows (fewer steps, extrapolated)
    T, _ = naive_bayes_chain(N, eps, lumped=False)
    R = N // 2 + 1
    v = np.zeros((2 ** N, R))
    v[(1 << np.arange(R)) - 1, np.arange(R)] = 1.0
    TT = T.T.tocsr()
    base_steps = min(steps, 100 if quick else 200)
    t0 = time.perf_counter()
    for _ in range(base_steps):
        v = TT @ v
    t_base = (time.perf_counter() - t0) * steps / base_steps
    what = f"N={N}, eps={eps}, {steps} steps, I(X^0;X^t)"
    return [[f"full 2^N chain ({2 ** N} states, numba), {what}", f"{t_full:.2f} s",
             f"{t_base:.2f} s (scipy.sparse, extrapolated from {base_steps} steps)", f"{t_base / t_full:.1f}x",
             f"I = {full:.12f} bit"],
            [f"orbit-lumped chain ({sum((k + 1) * (N - k + 1) for k in range(R))} states), {what}",
             f"{t_orbit:.3f} s", f"{t_full:.2f} s (full chain)", f"{t_full / t_orbit:.0f}x",
             f"|orbit - full| = {abs(orbit - full):.1e}; |I(X) - I(K) (lumped)| = {abs(full - lumped):.1e}"]]


def _lumped_rows(quick):
    from capacity.experiments.naive_bayes import naive_bayes_mi, naive_bayes_relaxation_times

    N = 500 if quick else 2000
    eps = 0.45
    ts = np.unique(np.round(np.logspace(0, 5, 12)).astype(int))
    t_eig = best_of(lambda: naive_bayes_mi(N, eps, ts, method="eig"), repeat=1)
    a = naive_bayes_mi(N, eps, ts, method="eig")
    sub = ts[:6]
    t_pow = best_of(lambda: naive_bayes_mi(N, eps, sub, method="power"), repeat=1)
    b = naive_bayes_mi(N, eps, sub, method="power")
    relax = naive_bayes_relaxation_times(N, eps, n_modes=2)
    return [[f"lumped chain N={N}, eps={eps}, {ts.size} times up to 1e5 (eig)", f"{t_eig:.2f} s", "", "",
             f"I(t=1e5) = {a[-1]:.6f} bit; t_rel = {relax[0]:.3g}, {relax[1]:.3g} steps"],
            [f"lumped chain N={N}, {sub.size} times up to {sub[-1]} (binary powers)", f"{t_pow:.2f} s", "", "",
             f"max |eig - power| = {np.max(np.abs(a[:6] - b)):.1e} bit"]]


def _ising_rows(quick):
    from capacity.experiments.ising import ising_magnetization

    L, R, sweeps = 64, (16 if quick else 64), (5 if quick else 20)
    out = []
    for backend, device in (("numba", None), ("numpy", None), ("torch", "cpu")):
        def run():
            ising_magnetization(L, 2.0, [sweeps], R, seed=0, burn_in=0, backend=backend, device=device)

        t = best_of(run, repeat=1 if quick else 3)
        out.append((backend, t))
    rows = []
    t_numba = out[0][1]
    for backend, t in out:
        rate = R * sweeps / t
        rows.append([f"Ising {L}x{L}, {R} replicas x {sweeps} sweeps ({backend} CPU)", f"{t:.3f} s",
                     f"{rate:.0f} sweeps/s", f"{t / t_numba:.2f}x numba time", f"{rate * L * L / 1e6:.1f} M spin updates/s"])
    return rows


def main(quick=False) -> str:
    rows = _full_chain_rows(quick) + _lumped_rows(quick) + _ising_rows(quick)
    md = "\n".join([
        "## Resampling experiments (natural abstractions)" + (" (quick)" if quick else ""),
        "",
        machine_line(),
        "",
        "Exact chains are exact up to float64 rounding (agreement columns). Ising rates count one "
        "sweep of one replica (L^2 heat-bath updates). GPU: `python -m benchmarks.gpu_resampling`.",
        "",
        table(["task", "time", "baseline / rate", "ratio", "accuracy / note"], rows),
        "",
    ])
    return write_result("resampling", md, store=not quick)


if __name__ == "__main__":
    cli(main)
