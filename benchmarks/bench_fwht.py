"""CPU FWHT benchmark: ours (numba) vs fht-cpu, pyfwht, numpy and torch, n = 16, 20, 24.

One process, one input per (n, dtype), single thread everywhere (numba and torch are
set to 1 thread; fht-cpu and pyfwht transform 1-D arrays serially). Columns: best-of-k
wall time, ratio to fht-cpu for the same dtype, time in units of one ``np.copyto`` of the
same array (the memory-bandwidth unit), and max |result - float64 reference| divided by
max |reference|. The memory floor of our kernel is its number of passes through memory
(one cache-blocked pass + one per radix-8 group above the block) times the copy time.

``python -m benchmarks.bench_fwht [--quick]``; writes benchmarks/results/fwht.md.
pyfwht is GPL: it is imported here only, never by the package.
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks._harness import best_of, machine_line, table, write_result

TARGET = 1.25


def numpy_fwht(a):
    """Reference numpy butterfly: n vectorised radix-2 stages (new arrays each stage)."""
    x = np.array(a, copy=True)
    N = x.shape[-1]
    h = 1
    while h < N:
        v = x.reshape(-1, 2, h)
        x = np.stack((v[:, 0] + v[:, 1], v[:, 0] - v[:, 1]), axis=1).reshape(N)
        h *= 2
    return x


def _passes(n, itemsize):
    from boolean._fwht_numba import _plan

    _, L = _plan(n, itemsize)
    return 1 + -(-(n - L) // 3)


def main(quick=False) -> str:
    import fht_cpu
    import numba
    import pyfwht
    import torch

    from boolean import _fwht_numba, _fwht_torch

    numba.set_num_threads(1)
    torch.set_num_threads(1)
    ns = [16, 20] if quick else [16, 20, 24]
    rng = np.random.default_rng(0)
    rows = []
    verdicts = []
    floors = []
    for n in ns:
        x64 = rng.standard_normal(1 << n)
        ref = numpy_fwht(x64)
        scale = np.abs(ref).max()
        big = n >= 24
        reps = 2 if quick else (3 if big else 7)
        for dtype in (np.float64, np.float32):
            x = x64.astype(dtype)
            work = np.empty_like(x)
            t_copy = best_of(lambda: np.copyto(work, x), repeat=reps)

            def err(y):
                return float(np.abs(np.asarray(y, dtype=np.float64) - ref).max() / scale)

            def run_inplace(fn, arr2d=False):
                buf = np.empty_like(x)

                def call():
                    np.copyto(buf, x)
                    fn(buf[None] if arr2d else buf)
                t = best_of(call, repeat=reps) - t_copy  # the transform only, not the refill
                return t, buf

            impls = []
            t, y = run_inplace(_fwht_numba.fwht_inplace, arr2d=True)
            impls.append(("ours (numba)", t, err(y)))
            t, y = run_inplace(lambda b: fht_cpu.fht(b, inplace=True))
            t_ref = t
            impls.append(("fht-cpu", t, err(y)))
            if dtype == np.float64:
                t, y = run_inplace(lambda b: pyfwht.transform(b, backend=pyfwht.Backend.CPU))
                impls.append(("pyfwht (CPU)", t, err(y)))
            tt = torch.from_numpy(x)
            t = best_of(lambda: _fwht_torch.fwht_matmul(tt[None]), repeat=1 if big else reps)
            impls.append(("ours (torch matmul path)", t, err(_fwht_torch.fwht_matmul(tt[None])[0].numpy())))
            t = best_of(lambda: numpy_fwht(x), repeat=1 if big else reps)
            impls.append(("numpy butterfly", t, err(numpy_fwht(x))))
            t, y = run_inplace(_fwht_numba.fwht_reference_loop, arr2d=True)
            impls.append(("plain radix-2 loop (numba)", t, err(y)))
            name = np.dtype(dtype).name
            for label, t, e in impls:
                rows.append([n, name, label, f"{t * 1e3:.3f}", f"{t / t_ref:.2f}", f"{t / t_copy:.1f}", f"{e:.1e}"])
            ours = impls[0][1]
            passes = _passes(n, np.dtype(dtype).itemsize)
            floors.append(f"n={n} {name}: {passes} passes × copy {t_copy * 1e3:.2f} ms = floor "
                          f"{passes * t_copy * 1e3:.2f} ms; ours = {ours / (passes * t_copy):.2f}× floor")
            if n == 24 or (quick and n == ns[-1]):
                r = ours / t_ref
                verdicts.append(f"n={n} {name}: ours/fht-cpu = {r:.2f} → "
                                f"{'PASS' if r <= TARGET else 'MISSED'} (target ≤ {TARGET})")
    md = "\n".join([
        "## FWHT on the CPU, single thread (issue 2 §5)",
        "",
        machine_line("fht-cpu", "pyfwht"),
        "",
        "Unnormalised transform of one row of 2^n standard-normal values. `vs fht-cpu`: time / fht-cpu "
        "time for the same dtype; `× copy`: time / one `np.copyto` of the array (memory-bandwidth unit); "
        "`err`: max |y − float64 reference| / max |reference|. In-place kernels are timed on a refilled "
        "buffer with the refill (one copy) subtracted. pyfwht takes float64 only. numba and torch run "
        "with 1 thread.",
        "",
        table(["n", "dtype", "implementation", "ms", "vs fht-cpu", "× copy", "err"], rows),
        "",
        "Memory floor of our kernel (passes through memory × measured copy time):",
        "",
        *[f"- {f}" for f in floors],
        "",
        "Target (our FWHT within 1.25× of fht-cpu at n = 24, float64 and float32, single thread):",
        "",
        *[f"- {v}" for v in verdicts],
    ])
    if not quick:
        write_result("fwht", md)
    return md


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    print(main(quick=parser.parse_args().quick))
