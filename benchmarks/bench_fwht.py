"""CPU FWHT benchmark: ours (numba) vs fht-cpu, pyfwht, numpy and torch, n = 16, 20, 24.

One process, one input per (n, dtype), single thread everywhere (numba and torch are
set to 1 thread; fht-cpu and pyfwht transform 1-D arrays serially: their process CPU
time equals their thread CPU time). Columns: best-of-k thread CPU time
(``time.thread_time``, robust when other processes share the cores) and best-of-k wall
time, the ratio to fht-cpu for the same dtype (CPU times), time in units of one
``np.copyto`` of the same array (the memory-bandwidth unit), and max |result - float64
reference| divided by max |reference|. The memory floor of our kernel is its number of passes through memory
(one cache-blocked pass + one per radix-8 group above the block) times the copy time.

Second table, every n = 10..26 (``every_n``): the public in-place ``fwht(x, out=x)`` against
fht-cpu in place, and the allocating ``fwht(x)`` against ``x.copy()`` + fht-cpu, float64 and
float32, timed interleaved (an untimed call then a timed batch of each call in turn, the order
rotated each round; short calls in batches), each ratio the median over rounds of the two calls'
ratio in the same round, with its quartile spread and the median/best spread as noise measures;
where our new array is line-aligned, also against the copy alone plus fht-cpu on a line-aligned
buffer (``x.copy()`` often is not, which favours ours); a verdict per row, the load average of
the run, and the per-call time at n = 10 in microseconds. Run it with ``NUMBA_NUM_THREADS=1`` (numba is also set to 1
thread).

``NUMBA_NUM_THREADS=1 python -m benchmarks.bench_fwht [--quick] [--part all|every-n|peers]
[--ns 13,16]``; writes benchmarks/results/fwht.md (``--part all`` without ``--ns`` only).
pyfwht is GPL: it is imported here only, never by the package, and skipped when it is not
installed.
"""
from __future__ import annotations

import os
import time

import numpy as np

from benchmarks._harness import best_of, cli, machine_line, table, write_result

TARGET = 1.25
#: Target of the every-n table: public call / fht-cpu doing the same work, n = 10..26.
EVERY_N_TARGET = 1.1


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


def _both(fn, repeat):
    """Best thread CPU time and best wall time (s), each over ``repeat`` calls after a warm-up."""
    return best_of(fn, repeat=repeat, clock=time.thread_time), best_of(fn, repeat=repeat)


def _cache_bytes(level, root="/sys/devices/system/cpu/cpu0/cache"):
    """The size (bytes) of the level-``level`` data (or unified) cache that Linux reports, or None."""
    for index in range(8):
        base = f"{root}/index{index}/"
        try:
            with open(base + "level") as fh, open(base + "type") as ft, open(base + "size") as fs:
                lev, kind, text = fh.read().strip(), ft.read().strip(), fs.read().strip().upper()
        except OSError:
            return None
        if lev == str(level) and kind in ("Data", "Unified"):
            try:
                return int(text[:-1]) << {"K": 10, "M": 20}[text[-1]] if text[-1] in "KM" else int(text)
            except (ValueError, IndexError, KeyError):
                return None
    return None


def _l2_bytes():
    """The L2 size Linux reports (bytes), or None."""
    return _cache_bytes(2)


def _passes(n, itemsize):
    """Passes of our kernel through memory, restated from its design (boolean/_fwht_numba.py): the
    cache blocks (the largest power of two that fits the L1 data cache, 8 to 64 KiB, 32 KiB when
    unknown) and the depth-first radix-8 levels whose chunks fit the L2 cache make one pass; each
    radix-8 level whose chunks exceed L2 makes one more."""
    l1 = _cache_bytes(1)
    block = 2**15 if not l1 else 1 << min(max(l1.bit_length() - 1, 13), 16)
    l2 = _l2_bytes() or 2**20
    lmax = (block // itemsize).bit_length() - 1
    L = n if n <= lmax else next(L for L in (lmax, lmax - 1, lmax - 2) if (n - L) % 3 == 0)
    return 1 + sum(1 for top in range(L + 3, n + 1, 3) if itemsize << top > l2)


def _interleaved(fns, rounds, inner):
    """Best and median thread CPU time (s per call) of each of ``fns`` over ``rounds`` rounds, and
    the per-round times (one list per function, for paired ratios: :func:`_paired`). In
    each round every function runs once untimed and then ``inner`` timed calls, in turn, the order
    rotated by one each round: load from other processes hits all of them alike, and no function
    always follows the same other one (the first in a round and one that follows a call touching
    other buffers or freeing a large array measure slower, by up to 25% on a loaded machine; with
    its own warm-up call each function starts from the state its own previous call left). Thread
    CPU time (every function here runs on the calling thread: numba and fht-cpu with one thread)
    leaves out the time the thread waits while other processes run, which on a shared machine
    dominates wall-clock best-of times of the larger sizes."""
    times = [[] for _ in fns]
    for r in range(rounds):
        for k in range(len(fns)):
            i = (k + r) % len(fns)
            fns[i]()
            t0 = time.thread_time()
            for _ in range(inner):
                fns[i]()
            times[i].append((time.thread_time() - t0) / inner)
    return [min(t) for t in times], [float(np.median(t)) for t in times], times


def _paired(num, den):
    """Median over rounds of the ratio of two functions' times in the same round, and the spread of
    those ratios (upper over lower quartile). The two ran seconds apart in every round, so load that
    changes from round to round cancels in each ratio instead of adding to the ratio of medians."""
    r = np.asarray(num) / np.asarray(den)
    q1, q2, q3 = np.percentile(r, [25, 50, 75])
    return float(q2), float(q3 / q1)


def _load_line(start, end) -> str:
    """The 1-minute load average at the start and the end of a run, against the cores visible."""
    return (f"Load average (1 min) {start:.2f} at the start, {end:.2f} at the end, {os.cpu_count()} cores "
            "visible: " + ("a loaded machine; ratios are noisy." if max(start, end) > 0.5 * (os.cpu_count() or 1)
                           else "a quiet machine."))


def _at_offset(N, dtype, offset):
    """A zero array of N values starting ``offset`` bytes past a 64-byte cache line."""
    itemsize = np.dtype(dtype).itemsize
    raw = np.zeros(N + 128 // itemsize, dtype)
    start = ((-raw.ctypes.data) % 64 + offset) % 64 // itemsize
    return raw[start:start + N]


def alignment(quick=False) -> list:
    """Rows: in-place time on a buffer 16 bytes past a cache line (where malloc puts large arrays)
    over the time on a line-aligned one, for ours and fht-cpu."""
    import fht_cpu

    import boolean

    rows = []
    for n in ([16] if quick else [16, 20, 24]):
        for dtype in (np.float64, np.float32):
            bufs = [_at_offset(1 << n, dtype, off) for off in (0, 16, 0, 16)]
            fns = [lambda: boolean.fwht(bufs[0], out=bufs[0]), lambda: boolean.fwht(bufs[1], out=bufs[1]),
                   lambda: fht_cpu.fht(bufs[2], inplace=True), lambda: fht_cpu.fht(bufs[3], inplace=True)]
            _, med, _ = _interleaved(fns, 3 if quick else (11 if n >= 24 else 21), max(1, 2 ** (17 - n)))
            rows.append([n, np.dtype(dtype).name, f"{med[1] / med[0]:.2f}", f"{med[3] / med[2]:.2f}",
                         f"{med[1] / med[3]:.2f}"])
    return rows


def every_n(quick=False, ns=None) -> str:
    """The every-n table: public fwht vs fht-cpu doing the same work, n = 10..26, both dtypes."""
    import fht_cpu
    import numba

    import boolean

    numba.set_num_threads(1)
    load0 = os.getloadavg()[0]
    if ns is None:
        ns = [10, 12, 16] if quick else list(range(10, 27))
    rows, misses, overhead = [], [], []
    worst_noise = 1.0
    for n in ns:
        for dtype in (np.float64, np.float32):
            # zeros: both kernels do value-independent work (no branches on values, no subnormals),
            # and repeated in-place calls stay finite (random data grows 2**(n/2) per call, and our
            # call refuses what could overflow); the error of each is checked on random data below
            # all three start 16 bytes past a cache line, where malloc puts large arrays (small ones land
            # anywhere, which alone moves the in-place ratio by 10% at n = 10)
            ours_buf, fht_buf, src = (_at_offset(1 << n, dtype, 16) for _ in range(3))
            # our new array starts on a cache line from 128 KiB up, while x.copy() lands where malloc
            # puts it (16 or 48 bytes past a line as often as on one), where fht-cpu is slower: a bias in
            # our favour, measured by also timing the copy alone and fht-cpu on a line-aligned buffer
            aligned = boolean.fwht(src).ctypes.data % 64 == 0
            fht_aligned = _at_offset(1 << n, dtype, 0)
            fns = [lambda: boolean.fwht(ours_buf, out=ours_buf),
                   lambda: fht_cpu.fht(fht_buf, inplace=True),
                   lambda: boolean.fwht(src),
                   lambda: fht_cpu.fht(src.copy(), inplace=True),
                   src.copy,
                   lambda: fht_cpu.fht(fht_aligned, inplace=True)]
            inner = max(1, 2 ** (17 - n))
            rounds = 3 if quick else (15 if n >= 25 else 21 if n >= 22 else 41)
            best, med, per_round = _interleaved(fns if aligned else fns[:4], rounds, inner)
            x = np.random.default_rng(n).standard_normal(1 << n).astype(dtype)
            agree = np.array_equal(boolean.fwht(x), fht_cpu.fht(x.copy(), inplace=True))
            (r_in, s_in), (r_new, s_new) = _paired(per_round[0], per_round[1]), _paired(per_round[2], per_round[3])
            r_al = _paired(per_round[2], np.add(per_round[4], per_round[5]))[0] if aligned else None
            noise = max(m / b for m, b in zip(med, best))
            worst_noise = max(worst_noise, noise)
            name = np.dtype(dtype).name
            verdict = []
            for label, r in (("in place", r_in), ("new array", r_new), ("new array vs aligned", r_al)):
                if r is not None and r > EVERY_N_TARGET:
                    misses.append(f"n={n} {name} {label}: {r:.2f}")
                    verdict.append(f"{label} above")
            rows.append([n, name, f"{med[0] * 1e6:.1f}", f"{med[1] * 1e6:.1f}", f"{r_in:.2f}", f"{s_in:.2f}",
                         f"{med[2] * 1e6:.1f}", f"{med[3] * 1e6:.1f}", f"{r_new:.2f}", f"{s_new:.2f}",
                         "—" if r_al is None else f"{r_al:.2f}", f"{noise:.2f}",
                         "yes" if agree else "no", "; ".join(verdict) or "within"])
            if n == 10:
                overhead.append(f"{name}: public in place {med[0] * 1e6:.2f} us vs fht-cpu {med[1] * 1e6:.2f} us "
                                f"(difference {(med[0] - med[1]) * 1e6:+.2f} us); public new array "
                                f"{med[2] * 1e6:.2f} us vs copy + fht-cpu {med[3] * 1e6:.2f} us "
                                f"(difference {(med[2] - med[3]) * 1e6:+.2f} us)")
    total = 2 * 2 * len(ns)
    return "\n".join([
        "## FWHT at every size, single thread",
        "",
        machine_line("fht-cpu"),
        _load_line(load0, os.getloadavg()[0]),
        "",
        "`ours in place` = `boolean.fwht(x, out=x)` (validation, max|x| and finiteness check, numba "
        "kernel), `fht-cpu` = `fht_cpu.fht(x, inplace=True)`: the same in-place work; `ours new` = "
        "`boolean.fwht(x)` (allocates and returns a new array), `copy+fht` = `fht_cpu.fht(x.copy(), "
        "inplace=True)`. Our new array starts on a 64-byte cache line from 128 KiB up; `x.copy()` lands "
        "where malloc puts it, 16 or 48 bytes past a line as often as on one, where fht-cpu is slower (the "
        "last table): a bias in our favour. So where our output is line-aligned, `vs aligned` = ours new "
        "over the time of `x.copy()` alone plus fht-cpu in place on a line-aligned buffer, each timed in "
        "the same rounds (paired as `ratio`); the verdict needs it within the target too. Times in us: "
        "median thread CPU time over interleaved rounds (an untimed call, then "
        "a timed batch of each call in turn, the order rotated each round; short calls averaged over "
        "batches). `ratio` = median over rounds of the ratio of the two calls' times in the same round "
        "(paired: load that changes between rounds cancels), `spread` = upper/lower quartile of those "
        "per-round ratios. "
        "`noise` = worst median/best ratio of the calls in that row. `bitwise` = both give bitwise the "
        "same result on random data. Every input starts 16 bytes past a 64-byte cache line. "
        "NUMBA_NUM_THREADS=1. Command: "
        "`NUMBA_NUM_THREADS=1 python -m benchmarks.bench_fwht --part every-n` (`--ns 13,16` for some n; "
        "`--part all` stores this file).",
        "",
        table(["n", "dtype", "ours in place", "fht-cpu", "ratio", "spread", "ours new", "copy+fht", "ratio",
               "spread", "vs aligned", "noise", "bitwise", "verdict"], rows),
        "",
        f"Target: every ratio (`vs aligned` included) <= {EVERY_N_TARGET} at every n. " + (
            f"Met at all {total} (n, dtype, call) pairs." if not misses else
            f"Above at {len(misses)} of {total}: " + "; ".join(misses) + "."),
        f"Worst noise (median/best) in the run: {worst_noise:.2f}.",
        "",
        "Per-call time at n = 10 (medians):",
        "",
        *[f"- {o}" for o in overhead],
        "",
        "In place on a buffer 16 bytes past a 64-byte cache line (where malloc puts large arrays, so "
        "the rows above) over the same call on a line-aligned buffer, medians as above; the allocating "
        "`fwht(x)` returns line-aligned arrays from 128 KiB up:",
        "",
        table(["n", "dtype", "ours: off 16 / aligned", "fht-cpu: off 16 / aligned", "ours / fht-cpu, off 16"],
              alignment(quick)),
    ])


def main(quick=False, part="all", ns="") -> str:
    if part not in ("all", "every-n", "peers"):
        raise ValueError(f"`part` must be 'all', 'every-n' or 'peers'; got {part!r}")
    sizes = [int(v) for v in ns.split(",")] if ns else None
    if sizes is not None and any(not 10 <= v <= 26 for v in sizes):
        raise ValueError(f"`ns` must be a comma-separated list of n in 10..26; got {ns!r}")
    sections = []
    if part in ("all", "peers"):
        sections.append(peers(quick))
    if part in ("all", "every-n"):
        sections.append(every_n(quick, sizes))
    return write_result("fwht", "\n\n".join(sections), store=not quick and part == "all" and sizes is None)


def peers(quick=False) -> str:
    """The n = 16, 20, 24 table against fht-cpu, pyfwht (if installed), numpy and torch."""
    import fht_cpu
    import numba
    import torch

    import boolean

    try:
        import pyfwht
    except ImportError:
        pyfwht = None

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
        reps = 2 if quick else (5 if big else 7)
        for dtype in (np.float64, np.float32):
            x = x64.astype(dtype)
            work = np.empty_like(x)
            c_copy, w_copy = _both(lambda: np.copyto(work, x), reps)

            def err(y):
                return float(np.abs(np.asarray(y, dtype=np.float64) - ref).max() / scale)

            def run_inplace(fn, arr2d=False):
                # repeated in place on one buffer (values grow by at most 2**n per call: with
                # <= 8 calls float32 stays far from overflow); the error on a fresh copy
                buf = x.copy()
                c, w = _both(lambda: fn(buf[None] if arr2d else buf), reps)
                fresh = x.copy()
                fn(fresh[None] if arr2d else fresh)
                return c, w, fresh

            impls = []
            # the public in-place call (the numba kernel, fused with a finiteness check) checks its
            # input, so repeated calls on one buffer would stop at the first overflow (float32 after
            # ~16 calls); it is timed on zeros (the kernel's work does not depend on the values) and
            # its error measured on a fresh copy
            zeros = np.zeros_like(x)
            c, w = _both(lambda: boolean.fwht(zeros, out=zeros), reps)
            fresh = x.copy()
            impls.append(("ours (public fwht, out=x: in place)", c, w, err(boolean.fwht(fresh, out=fresh))))
            # the public call: validates, allocates a new array (first-touch page faults included)
            # and copies each cache block into it just before transforming it
            c, w = _both(lambda: boolean.fwht(x), reps)
            impls.append(("ours (public fwht, new array)", c, w, err(boolean.fwht(x))))
            c, w, y = run_inplace(lambda b: fht_cpu.fht(b, inplace=True))
            c_ref = c
            impls.append(("fht-cpu", c, w, err(y)))
            c, w = _both(lambda: fht_cpu.fht(x.copy(), inplace=True), reps)
            c_ref_copy = c
            impls.append(("fht-cpu on a new copy (x.copy(), then in place)", c, w, err(fht_cpu.fht(x.copy(), inplace=True))))
            if dtype == np.float64 and pyfwht is not None:
                c, w, y = run_inplace(lambda b: pyfwht.transform(b, backend=pyfwht.Backend.CPU))
                impls.append(("pyfwht (CPU)", c, w, err(y)))
            tt = torch.from_numpy(x)
            c, w = _both(lambda: boolean.fwht(tt, backend="torch"), 1 if big else reps)
            impls.append(("ours (public fwht, CPU tensor)", c, w, err(boolean.fwht(tt, backend="torch").numpy())))
            c, w = _both(lambda: numpy_fwht(x), 1 if big else reps)
            impls.append(("numpy butterfly", c, w, err(numpy_fwht(x))))
            name = np.dtype(dtype).name
            for label, c, w, e in impls:
                rows.append([n, name, label, f"{c * 1e3:.3f}", f"{w * 1e3:.3f}", f"{c / c_ref:.2f}",
                             f"{c / c_copy:.1f}", f"{e:.1e}"])
            ours = impls[0][1]
            public = impls[1][1]
            passes = _passes(n, np.dtype(dtype).itemsize)
            floors.append(f"n={n} {name}: {passes} passes × copy {c_copy * 1e3:.2f} ms = floor "
                          f"{passes * c_copy * 1e3:.2f} ms; ours = {ours / (passes * c_copy):.2f}× floor")
            if n == 24 or (quick and n == ns[-1]):
                r = ours / c_ref
                verdicts.append(f"n={n} {name}: public fwht in place (out=x)/fht-cpu = {r:.2f} → "
                                f"{'PASS' if r <= TARGET else 'MISSED'} (target ≤ {TARGET}); "
                                f"public fwht (new array)/fht-cpu (in place) = {public / c_ref:.2f} → "
                                f"{'PASS' if public / c_ref <= TARGET else 'MISSED'} (not the same work: "
                                "it also allocates and fills a new array); public fwht (new array)/fht-cpu on "
                                f"a new copy = {public / c_ref_copy:.2f}")
    return "\n".join([
        "## FWHT on the CPU, single thread (issue 2 §5)",
        "",
        machine_line("fht-cpu", "pyfwht"),
        "",
        "Unnormalised transform of one row of 2^n standard-normal values. `vs fht-cpu`: time / fht-cpu "
        "time for the same dtype; `× copy`: time / one `np.copyto` of the array (memory-bandwidth unit); "
        "`err`: max |y − float64 reference| / max |reference|. Ratios use the thread CPU times. In-place "
        "kernels are timed repeatedly in place on one buffer. fht-cpu always transforms in place (`fht(x)` "
        "returns `x` itself); `boolean.fwht(x)` returns a new array, whose allocation "
        "(first-touch page faults) and copy it pays, the copy fused into its first pass; "
        "`boolean.fwht(x, out=x)` is the same in-place work as fht-cpu. pyfwht takes "
        "float64 only. numba and torch run with 1 thread.",
        "",
        table(["n", "dtype", "implementation", "CPU ms", "wall ms", "vs fht-cpu", "× copy", "err"], rows),
        "",
        f"Memory floor of our kernel (its passes over the array × the measured copy time; an in-place pass "
        f"moves the same bytes as a copy; L2 = {_l2_bytes()} bytes; passes over chunks that fit a cache "
        "level are served from it, and below n = 20 the array sits in cache, so this is not a floor there):",
        "",
        *[f"- {f}" for f in floors],
        "",
        "Target (our FWHT within 1.25× of fht-cpu at n = 24, float64 and float32, single thread):",
        "",
        *[f"- {v}" for v in verdicts],
    ])


if __name__ == "__main__":
    cli(main, part="all", ns="")
