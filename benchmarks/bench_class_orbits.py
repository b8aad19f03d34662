"""Class-orbits at n = 5 from the NPN classes, and C(5, s, m) folded over them (CPU).

Part 1: ``class_orbit_representatives(5, s)`` for s = 0..5, each in a fresh process: the NPN
representatives (616 126, from cofactors), the canonical forms of their count vectors (7 680
images each) and the distinct forms; the orbit sizes are summed and compared with
``count_classes(5, s)`` (closed forms, knapsack, meet-in-the-middle, affine: no NPN classes).

Part 2: each covered C(5, s, m): ``folded_channel(5, s, m)`` (method "representatives": the
class-orbits, then every type summed per orbit) solved by ``blahut_arimoto`` with the bonus, in
one fresh process (its peak resident memory is its own), against ``insensitive_capacity(5, s, m)``
(the weight-level route) in another. "overlap" says whether the certified intervals meet.

``python -m benchmarks.bench_class_orbits [--quick]``  (quick: s = 0, 1 and C(5, 2, 1), nothing stored)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from ._harness import machine_line, table, write_result

ORBITS = """
import json, resource, sys, time
from capacity.insensitive import class_orbit_representatives, count_classes
s = int(sys.argv[1])
t0 = time.perf_counter()
co = class_orbit_representatives(5, s)
t = time.perf_counter() - t0
print(json.dumps({"orbits": co.n_orbits, "classes": co.n_classes, "count": int(count_classes(5, s)),
                  "seconds": t, "stages": co.seconds,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

FOLD = """
import json, math, resource, sys, time
import numpy as np
from capacity import blahut_arimoto
from capacity.insensitive import folded_channel
s, m = int(sys.argv[1]), int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
fc = folded_channel(5, s, m)
t1 = time.perf_counter()
keep = fc.V.max(axis=0) > 0
res = blahut_arimoto(np.ascontiguousarray(fc.V[:, keep]), bonus=fc.bonus / math.log(2), tol=1e-9)
t2 = time.perf_counter()
print(json.dumps({"shape": list(fc.shape), "fold": t1 - t0, "stages": fc.seconds, "solve": t2 - t1,
                  "lower": float(res.lower), "upper": float(res.upper), "base_kib": base,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

LEVELS = """
import json, sys, time
from capacity.insensitive import insensitive_capacity
s, m = int(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
r = insensitive_capacity(5, s, m)
print(json.dumps({"seconds": time.perf_counter() - t0, "lower": r.lower, "upper": r.upper}))
"""

#: The C(5, s, m) the class-orbit route covers (MAX_REPRESENTATIVE_PAIRS refuses m = 3 for s = 3, 4).
FOLDS = [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (4, 2), (5, 1), (5, 2), (5, 3)]


#: Float64 rounding of the certificate's sums over up to 616 126 rows (about sqrt(R) * 2**-52 = 1.7e-13
#: measured at C(5, 5, 1), where both routes give exactly 1 bit): intervals this close count as meeting.
ROUNDING = 1e-11


def child(code, *args):
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True,
                         cwd=os.getcwd())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick=False):
    load = os.getloadavg()[0]
    rows = []
    for s in ([0, 1] if quick else range(6)):
        r = child(ORBITS, s)
        st = r["stages"]
        rows.append([str(s), f"{r['orbits']:,}", f"{r['classes']:,}", "yes" if r["classes"] == r["count"] else "NO",
                     f"{st['representatives']:.1f}", f"{st['canonical']:.1f}", f"{st['orbits']:.1f}",
                     f"{r['seconds']:.1f}", f"{r['maxrss_kib'] / 2**20:.2f}"])
    fold_rows = []
    for s, m in ([(2, 1)] if quick else FOLDS):
        a = child(FOLD, s, m)
        b = child(LEVELS, s, m)
        miss = max(a["lower"], b["lower"]) - min(a["upper"], b["upper"])
        overlap = "yes" if miss <= 0 else f"within float64 rounding ({miss:.1e})" if miss <= ROUNDING else "NO"
        st = a["stages"]
        fold_rows.append([f"C(5, {s}, {m})", f"{a['shape'][0]:,} x {a['shape'][1]}", f"{st['class_orbits']:.1f}",
                          f"{st['enumeration']:.1f}", f"{st['likelihoods']:.1f}", f"{a['solve']:.1f}",
                          f"{a['maxrss_kib'] / 2**20:.2f} ({a['base_kib'] / 2**20:.2f})",
                          f"[{a['lower']:.10f}, {a['upper']:.10f}]", f"{b['seconds']:.1f}",
                          f"[{b['lower']:.10f}, {b['upper']:.10f}]", overlap])
    md = "\n".join([
        "## Class-orbits at n = 5 from the NPN classes, and C(5, s, m) over them (CPU)",
        "",
        machine_line(),
        "",
        f"`python -m benchmarks.bench_class_orbits`. Load average {load:.1f} on 2 cores when the run started: "
        "a shared machine, times are noisy. Every row runs in a fresh process (numba's cache warm): 'NPN' is "
        "`npn_representatives(5)`, 'canonical' the 7 680 images of each count vector, 'distinct' the unique "
        "forms; 'peak' the process's peak resident memory.",
        "",
        table(["s", "class-orbits", "classes (sum of orbit sizes)", "= count_classes", "NPN s", "canonical s",
               "distinct s", "total s", "peak GiB"], rows),
        "",
        "C(5, s, m) by `folded_channel(5, s, m)` (class-orbit representatives x type-orbits, every type summed "
        "per orbit) and `blahut_arimoto` with the bonus (tol 1e-9), against `insensitive_capacity(5, s, m)` "
        "(the weight-level route) in another process. 'peak' is the peak resident memory of the process that folds "
        "and solves (in brackets: after imports; the fold's own plan is `representatives_plan`). "
        "C(5, 3, 3), C(5, 4, 3) (616 126 x 695 520 pairs bound) and m >= 4 are refused by "
        "`MAX_REPRESENTATIVE_PAIRS`; the likelihood stage grows with class-orbits x types.",
        "",
        table(["case", "folded shape", "class-orbits s", "type-orbits s", "likelihoods s", "BA s", "peak GiB",
               "certified interval (bits)", "levels s", "levels interval", "overlap"], fold_rows),
    ])
    return write_result("class_orbits", md, store=not quick)


if __name__ == "__main__":
    from ._harness import cli

    cli(main)
