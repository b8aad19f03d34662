"""Run benchmarks and assemble BENCHMARKS.md from benchmarks/results/*.md.

``python -m benchmarks.run`` runs every bench_*.py; ``--only NAME`` runs one;
``--assemble`` only rebuilds BENCHMARKS.md from stored results (e.g. GPU runs).
"""
from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from ._harness import RESULTS

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["fwht", "boolean_pipeline", "fwht_gpu", "capacity", "capacity_gpu", "insensitive",
         "insensitive_gpu", "fold", "frontier", "npn", "class_orbits", "family", "mi", "mi_gpu", "resampling", "resampling_gpu",
         "abstractions", "refactor", "line_count"]

HEADER = """# Benchmarks

Every table is produced by a script in `benchmarks/` (one process, peers and ours in the same run).
Timings are best-of-k wall times. Numbers marked GPU were measured on the card named in their
section; CPU numbers on the machine named in theirs. Targets from the issues are restated next to
the measured ratio; a missed target says so.

CPU tables: 2-core machines; each section names its machine and date. The runs of 2026-11-27 were
one quiet run of every script; most tables of 2026-12-06 were measured while eight people shared
the machine (load average about 10: their sections say so), and the rows marked "quiet" in the
table below were re-measured with nothing else running.
GPU tables: NVIDIA H200, where a section says so; sections without a GPU measurement say that plainly.

## Targets at a glance (each section below has the numbers and its date)

| issue | target | measured | verdict |
|---|---|---|---|
| 2 | FWHT n=24 float64 / float32, 1 thread, within 1.25x fht-cpu | quiet 2026-11-27 run (before the depth-first kernel): kernel 0.98x / 0.95x; public `fwht(x, out=x)` 1.06x / 1.12x; `fwht(x)` 0.91x / 0.92x of fht-cpu on a new copy. The section now holds a loaded 2026-12-06 run (load about 15): `fwht(x, out=x)` 1.03x / 1.05x, `fwht(x)` 0.99x / 0.93x of fht-cpu on a new copy | met in place; the allocating call is 1.6x of fht-cpu without a copy |
| 2 | n=24 pipeline >= 20x faster than boofun | >= 2453x (boofun extrapolated at n=24; 4116x measured at n=20) | met |
| 2 | GPU FWHT float32 n=20..28 within 3x a device copy (H200) | 2.96x-4.01x; met at n=23, 26, 28 only | missed |
| 3 | 512x512 certified 1e-9 < 0.5 s; 2048x2048 < 20 s (1 core) | 0.038 s; 0.47 s (2026-12-07, bounds rounded outward) | met |
| 3 | >= 50x less time than dit at equal accuracy | 61x-2259x at dit's certified gap (2026-12-07) | met |
| 3 | GPU: 10 000 x 64x64 to 1e-9 < 1 s; 2048² iteration <= 1.5x copy | not measured (first session: device time spent elsewhere; second session: no device lent) | open |
| 4 | C(4,1,m<=6), C(4,2,m<=3) certified gap <= 1e-6 | all reached, gaps <= 1e-9; also C(4,1,<=12), C(4,2,<=6), C(4,3,<=5), C(5,1,<=7) | met |
| 5 | exact quantised entropy, 2^20 inputs, depth-8 width-20 net < 5 s | 1.87 s | met |
| 5 | sample propagation within 0.15 bits, d in {2, 5}, sigma in {1, 0.3}, n = 10^4 | max abs error 0.042 bits over 8 seeds (plug-in alone: 0.22 low at d=5, sigma=0.3) | met |
| 5 | KSG vs scikit-learn (d = 1) and NPEET-style (d = 5): speed, accuracy | same values; 2.3-3.0x faster than sklearn (d = 1), 1.7-2.3x faster than NPEET-style (d = 5); ours on 2 threads, peers on 1 | measured |
| 5 | GPU throughput on 2^24 inputs | not measured (first session: device time spent elsewhere; second session: no device lent) | open |
| 6 | full chain N=16 10^4 steps; lumped N=2000; Ising 64x64 numba vs torch | 30.1 s (1.2x scipy.sparse); 0.97 s; torch CPU 2.1x numba | measured |
| 6 | Ising on GPU, replicas batched (H200) | 12.2 G updates/s, 7.7x numba on 16 cores | measured |
| one house | no headline row (FWHT n=24, BA 512² and 2048², batched BA, insensitive (4,2,4), KSG d=5, Ising 64x64) slower by more than 5%, before/after in one run | quiet, 2026-12-07, fourth session (`compare_refs --old bf23c97 --threads 1 --repeat 3`): 0.81, 0.62, 1.03, 1.01, 1.01, 0.03, 1.05 (1.04 over 5 processes), 1.00; rate_distortion (not a headline row) 0.84 | met |
| one house | library line count down for the same features (`python -m benchmarks.line_count`) | conservative (every line of the mapped files, features and guards added since included; an upper bound): 7 216 -> 8 193 logical lines (+13.5%). By commit (2026-12-07, fifth session; `--by-commit`, every one of the 235 commits that change the measured set judged in `benchmarks/line_commits.csv`, doubtful ones charged to the refactoring): the refactoring's commits -550 (-7.6%); bf23c97's features as the refactoring, speed-ups (+259) and fixes (+136) left them: 7 216 -> 7 061 (-2.1%); with issue 17's hostile-input refusals (+325) counted as the same features: 7 386 (+2.4%); new features inside the mapped files +549, report content +327 | met by commit (-2.1%); +2.4% if the refusals count as the same features; +13.5% on the file-level upper bound |
| exact frontier | `insensitive_capacity(4, 2, 5)` <= 2 s; (4, 1, 8) <= 0.3 s (quiet, 2026-12-06) | 0.50 s cold, 0.31 s warm; 0.34 s cold (class table built), 0.03 s warm | met |
| exact frontier | report's C(n,s,m) section >= 5x faster, same cases (quiet) | 66.7 s at bf23c97 -> 9.9 s now (`python -m capacity.report --only insensitive`, one after the other, 2026-12-07; CPU 90.1 -> 11.9 s): 6.8x | met |
| exact frontier | C(3,1,<=16), C(3,2,<=12), C(4,1,<=16), C(4,2,<=8), C(4,3,<=7), C(5,1,<=12), C(5,2..4,<=3) certified 1e-9 in 10 min, 8 GiB | all reached and shipped in the atlas (C(3,2,11) in 198 s and C(5,1,12) in 60 s, quiet; C(5,s>=2,m<=3) in 51-126 s each; ship runs, a helper's load beside them: C(3,2,12) 267 s, 3.45 GiB; C(4,2,8) 206 s, C(4,3,7) 305 s, each about 3.3 GiB peak with V held once (6.4 GiB planned)); (3,2,10) 3 263 iterations, 126 s -> 350 iterations, 14.9 s (quiet) after the polish fix; `verify --all` of the 51 shipped rows: 51 of 51 in 3 min 39 s, peak 3.8 GB (9.8 GB before the float bounds went by row blocks; C(4,2,8) alone 51 s, 3.4 GB); class-orbit representatives at n = 5 from the 616 126 NPN classes in 9-37 s per s (338 235 orbits at s = 2, 615 946 at s = 3, sizes summing to the independent class counts), and `folded_channel(method="representatives")` certifies C(5,2..5,m) independently of the weight-level route (loaded, `benchmarks/results/class_orbits.md`) | met |
| Boolean breadth | public `fwht(x, out=x)` within 1.1x fht-cpu, n = 10..26; `fwht(x)` within 1.1x copy + fht-cpu (quiet, 1 thread, thread CPU time, paired per-round ratios, 2026-12-07) | in place 0.80-1.10x at all 34 (n, dtype; 1.10 at n = 22 float32, 1.08 at n = 21 float64); new array 0.68-1.01x against copy + fht-cpu and 0.73-1.07x against copy + fht-cpu on an aligned buffer, at all 34; worst run noise 1.36; per call at n = 10: new array 2.24 vs 2.33 us (float64), 1.93 vs 1.88 us (float32) | met at all 68 |
| Boolean breadth | new measures >= 100x boofun (quiet, load 0.9) | 200x-328 386x on every measure both define (block sensitivity 200x, F2 degree 217x at n = 10), values equal 12 of 12 | met |
| abstractions | 10^7-state minimal complete abstraction < 10 s on 2 cores (quiet) | 2.8-3.2 s (11.9 s wall, 3.1 s CPU when loaded) | met |
| realistic n | symmetric n=16 (s,m)=(2,8),(8,3) < 10 s; thresholds n=1000, m=16 < 10 s (quiet, 2026-12-08) | 1.2 s, 1.3 s, 0.5 s cold in the table (AMD EPYC VM, thirteenth session; 2.0 s, 2.0 s, 0.8 s the session before); 1.2 s, 1.1 s, 0.8 s on the Intel VM earlier. Beyond the targets: thresholds (8, 2, 64), 11.2 million types, certified to 1.3e-11 in 14.7 s (68 s before the types were matched by rank, their orbits found by union-find and their sparse form built in a kernel; it stopped at a 28.5-bit gap before the active set counted folded columns); intervals (200, 2, 30), 5460 row orbits x 324 632 types, to 9.5e-11 in 136 s (259-296 s before the divergence sweep took rows in blocks and skipped exp below its underflow floor) | met |
| realistic n | Monte Carlo bracket, thresholds n=1000, s=500, m=16: width <= 0.02 bit in < 60 s (quiet, 2026-12-07) | width 0.016 bit in 13.3 s (40 000 samples), 0.013 in 22.1 s (80 000): 95% half-widths lower/upper 0.0014/0.0075 and 0.0010/0.0052 (control variate from the exactly summed garbled channel; law refined by 3 Blahut-Arimoto rounds on fresh draws) | met |
| atlas | embedded-cluster sweep >= 1.8x a serial loop, 1000 small tasks (2026-12-07) | the table (twelfth session, an AMD EPYC VM of 2 cores, dask 2026.11.0, load 0.6-1.8 from the benchmark itself): small tasks (insensitive_capacity(3, 1, 2, p_bias=p)) 1.78x / 1.70x / 1.90x (median 1.78x); a full run earlier the same session gave 1.74x / 1.78x / 1.72x, the tenth session's on the same kind of VM 1.79x / 1.83x / 1.77x, and the thirteenth session's 1.73x / 1.60x / 1.74x (load 1.5-2.0: flagged as loaded, table not kept; mid-size 1.78x / 1.59x / 1.97x). Plain processes with no scheduler reach 1.92-2.06x; the serial loop itself moves 5-8% from round to round (5.26-5.70 s). Mid-size tasks (300 x insensitive_capacity(3, 2, 4)): 1.89x / 1.83x / 2.02x (median 1.89x). Earlier runs on an Intel Xeon VM: medians 1.64-1.73x (small) and 1.77-1.85x (mid-size). Where the small-task excess goes (seventh, tenth and twelfth sessions): CPU, not waiting: the sweep uses about 10% more CPU than the serial loop, plain processes 2% more; 0.22-0.29 s per sweep in the client process (client, scheduler, nannies: its main thread 0.08-0.15 s, of which SQLite, unpickling and records 0.035 s; its event loop 0.09 s) and the workers' event loops 0.03-0.07 s each; a batch costs about 5 ms of CPU over all processes (22 per sweep). Per worker (thirteenth session, stored start and end times): the first task starts 30-58 ms after the call, tasks run 94-96% of the wall time, 35-50 us pass between tasks of a batch (the result's deallocation, paid by the serial loop too), 21-44 ms at batch boundaries, 10-43 ms after the last task; the same 250-task loop alone in one process takes 1.6-2.2 s from run to run on this VM, so changes worth 1-2% (fewer, larger batches; a longer least batch) cannot be told apart from the noise. Ruled out there: the serial baseline's parallel kernels using 2 numba threads (6.22 vs 6.30 ms/task with 1 or 2), glibc's thresholds (page faults 91-95 per 333 tasks either way). Tried and dropped in the twelfth session (no effect beyond the noise): gc.freeze in the workers, pinning each worker to a core; the worker's environment (malloc thresholds, thread variables, distributed imported) moves a plain loop by less than the noise. Fixes kept: glibc's malloc thresholds at 32 MiB on the workers (with Dask's defaults mid-size tasks take 24% more CPU here), the caller's environment restored after the nanny writes into it, bit-reversed task order, next batches sent before releases | missed by a hair for small tasks on this machine (medians 1.74-1.79x over three full runs, single rounds 1.70-1.90x), missed on the Intel VM; mid-size tasks met (medians 1.89-1.94x) |
"""


def assemble() -> Path:
    parts = [HEADER]
    names = sorted(p.stem for p in RESULTS.glob("*.md"))
    names = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    for name in names:
        parts.append((RESULTS / f"{name}.md").read_text())
    out = ROOT / "BENCHMARKS.md"
    out.write_text("\n".join(parts))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=None)
    parser.add_argument("--assemble", action="store_true")
    args = parser.parse_args(argv)
    if not args.assemble:
        benches = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
        for name in benches:
            if args.only and args.only not in name:
                continue
            print(f"== {name}")
            module = importlib.import_module(f"benchmarks.{name}")
            print(module.main(quick=args.quick))
    print(f"wrote {assemble()}")


if __name__ == "__main__":
    main()
