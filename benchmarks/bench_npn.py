"""NPN class representatives: time and peak memory of ``npn_representatives(n)``, n = 3, 4, 5.

Each n runs in its own subprocess (its peak resident memory is its own), twice: a cold call
(numba compiles the cofactor kernel unless its cache is warm) and a second call in a fresh
process (the cache warm). n <= 4 labels all 2**(2**n) tables; n = 5 computes the class minimum
of 222 * 65 536 covering tables from their cofactors (capacity/insensitive/npn.py). The count
is checked against Burnside's lemma (``npn_class_count``) in every row.

``python -m benchmarks.bench_npn [--quick]``  (quick: n = 3, 4 only, nothing stored)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from ._harness import machine_line, table, write_result

CHILD = """
import json, resource, sys, time
from capacity.insensitive.npn import npn_class_count, npn_representatives
n = int(sys.argv[1])
t0 = time.perf_counter()
reps = npn_representatives(n)
t = time.perf_counter() - t0
print(json.dumps({"classes": int(reps.size), "burnside": npn_class_count(n), "seconds": t,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run_one(n):
    out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True, check=True,
                         cwd=os.getcwd())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick=False):
    rows = []
    load = os.getloadavg()[0]
    for n in ([3, 4] if quick else [3, 4, 5]):
        for call in ("first process", "second process"):
            r = run_one(n)
            rows.append([str(n), call, f"{r['classes']:,}", "yes" if r["classes"] == r["burnside"] else "NO",
                         f"{r['seconds']:.2f}", f"{r['maxrss_kib'] / 2**20:.2f}"])
    md = "\n".join([
        "## NPN classes: representatives up to n = 5 (CPU)",
        "",
        machine_line(),
        "",
        "`npn_representatives(n)` in a fresh process per row (`python -m benchmarks.bench_npn`); 'time' is the "
        "call (covering-set scan and `np.unique` included, imports excluded), 'peak' the process's peak resident "
        f"memory. Load average {load:.1f} on 2 cores when the run started: a shared machine, times are noisy.",
        "",
        table(["n", "call", "classes", "= Burnside", "time s", "peak GiB"], rows),
    ])
    return write_result("npn", md, store=not quick)


if __name__ == "__main__":
    from ._harness import cli

    cli(main)
