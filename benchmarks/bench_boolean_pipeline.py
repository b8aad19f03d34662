"""Whole Boolean pipeline, ours vs boofun: spectrum + influences + total influence +
noise stability + degree of one random function, n = 16, 20, 24.

Ours: ``boolean.spectral_summary(f)`` (one transform; influences by exact pair counts)
then ``.noise_stability(rho)`` on the summary, and, for reference, the five separate
public calls. boofun: ``boofun.create(table)`` then ``fourier()``, ``influences()``,
``total_influence()``, ``noise_stability(rho)``, ``degree()`` on one object (its
caches help it). Both use index x = sum_i x_i 2^i (checked: spectra agree entrywise).
boofun is timed once per size (it is slow); a size whose predicted boofun time exceeds
``CAP_S`` is not run and its time is extrapolated from the largest size run, assuming
time proportional to 2^n (a lower bound: its measured growth is steeper), so the ratio
there is reported as ">=".

``python -m benchmarks.bench_boolean_pipeline [--quick]``; writes
benchmarks/results/boolean_pipeline.md.
"""
from __future__ import annotations

import contextlib
import io
import os
import time

import numpy as np

from benchmarks._harness import best_of, cli, machine_line, table, write_result

TARGET = 20.0
CAP_S = 120.0
RHO = 0.5


def _ours_summary(tt):
    import boolean

    s = boolean.spectral_summary(tt)
    return s.coefficients, s.influences, s.total_influence, s.noise_stability(RHO), s.degree


def _ours_separate(tt):
    import boolean

    return (boolean.fourier_coefficients(tt), boolean.influences(tt), boolean.total_influence(tt),
            boolean.noise_stability(tt, RHO), boolean.degree(tt))


@contextlib.contextmanager
def _quiet_fd2():
    """Silence C-level stderr (pyfwht, used inside boofun, probes CUDA and prints errors)."""
    try:
        fd = os.dup(2)
    except OSError:  # pragma: no cover
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(fd, 2)
            os.close(fd)


def _boofun(tt):
    import boofun

    with _quiet_fd2(), contextlib.redirect_stderr(io.StringIO()):
        f = boofun.create(tt.astype(bool))
        return (np.asarray(f.fourier(), dtype=np.float64), np.asarray(f.influences(), dtype=np.float64),
                float(f.total_influence()), float(f.noise_stability(RHO)), int(f.degree()))


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(a[0]) - b[0]))), float(np.max(np.abs(np.asarray(a[1]) - b[1]))),
               abs(a[2] - b[2]), abs(a[3] - b[3]), float(a[4] != b[4]))


def main(quick=False) -> str:
    ns = [12, 16] if quick else [16, 20, 24]
    rng = np.random.default_rng(0)
    _ours_summary(rng.integers(0, 2, 1 << 10).astype(np.uint8))  # JIT warm-up outside the timings
    _ours_separate(rng.integers(0, 2, 1 << 10).astype(np.uint8))
    _boofun(rng.integers(0, 2, 1 << 8).astype(np.uint8))  # boofun's own first-call set-up (JIT, CUDA probe)
    rows = []
    verdict = None
    last = None  # (n, boofun seconds) of the largest size actually run
    for n in ns:
        tt = rng.integers(0, 2, 1 << n).astype(np.uint8)
        reps = 2 if quick else 5
        t_sum = best_of(lambda: _ours_summary(tt), repeat=reps)
        t_sep = best_of(lambda: _ours_separate(tt), repeat=reps)
        ours = _ours_summary(tt)
        predicted = None if last is None else last[1] * 2.0 ** (n - last[0])
        if predicted is not None and predicted > CAP_S:
            t_b, note, diff = predicted, f"not run: extrapolated ≥ {predicted:.0f} s (2^n scaling)", "n/a"
            bound = "≥ "  # extrapolated boofun time is a lower bound
        else:
            t0 = time.perf_counter()
            ref = _boofun(tt)
            t_b = time.perf_counter() - t0
            last = (n, t_b)
            note, diff, bound = "measured (1 call)", f"{_max_diff(ours, ref):.1e}", ""
        r_val = t_b / t_sum
        ratio = f"{bound}{r_val:.0f}"
        rows.append([n, f"{t_sum * 1e3:.3f}", f"{t_sep * 1e3:.3f}", f"{t_b:.2f}", note, ratio, diff])
        if n == ns[-1]:
            verdict = (f"n = {n}: boofun / ours = {ratio} → {'PASS' if r_val >= TARGET else 'MISSED'} "
                       f"(target ≥ {TARGET:g}×)")
    md = "\n".join([
        "## Boolean pipeline vs boofun (issue 2 §5)",
        "",
        machine_line("boofun"),
        "",
        f"Spectrum + influences + total influence + noise stability (ρ = {RHO}) + degree of one uniformly "
        "random truth table. `ours (summary)`: `spectral_summary` (one transform) then "
        "`.noise_stability(ρ)`; `ours (5 calls)`: the five public functions called separately. "
        "`max diff`: largest absolute difference between ours and boofun over all five outputs "
        "(degree counted as 0/1). Ours is best-of-k wall time with warm JIT caches; boofun one call after a warm-up call on n = 8.",
        "",
        table(["n", "ours (summary) ms", "ours (5 calls) ms", "boofun s", "boofun timing", "boofun / ours",
               "max diff"], rows),
        "",
        f"Target (ours ≥ {TARGET:g}× faster than boofun at n = 24): {verdict}",
    ])
    return write_result("boolean_pipeline", md, store=not quick)


if __name__ == "__main__":
    cli(main)
