"""Certified C(n, s, m) at the frontier: value, bounds, gap, wall time and peak memory per case.

Each case runs ``insensitive_capacity(n, s, m)`` (tol 1e-9, orbit-native fold) in its own
subprocess, so that its peak resident memory (``ru_maxrss``) is its own and a case that passes
the time limit (default 600 s, the issue's budget) is stopped without losing the others.
Cases are run in order and a series (n, s) stops at its first failure (time, memory or
``max_bytes`` refusal), which is reported with its reason. The stored table keeps one row per
(n, s, m): a run replaces the rows of its own cases and keeps the others, and each row names the
commit whose code computed it (``+dirty`` when the tree had uncommitted changes).

``python -m benchmarks.frontier_values [--quick] [--limit SECONDS] [--cases "n,s,m1-m2;..."]``
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from ._harness import RESULTS, machine_line, table, write_result

QUICK = "3,1,4-5;4,1,4-5"
FULL = "3,1,13-16;3,2,7-12;4,1,13-16;4,2,7-8;4,3,6-7;5,1,8-12;5,2,1-3;5,3,1-3;5,4,1-3;5,5,1-3"
HEADER = ["(n,s,m)", "lower", "upper", "gap", "log2 #classes", "folded", "BA iterations", "time s", "peak GiB",
          "note", "commit"]

CHILD = """
import json, resource, sys, time, warnings
from capacity.insensitive import insensitive_capacity, folded_channel
n, s, m = map(int, sys.argv[1:4])
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        r = insensitive_capacity(n, s, m)
    except ValueError as exc:
        print(json.dumps({"error": str(exc)[:300]}))
        sys.exit(0)
t = time.perf_counter() - t0
route = (r.result.extra or {}).get("route", "")
print(json.dumps({"lower": r.lower, "upper": r.upper, "gap": r.gap, "folded": list(r.folded_shape), "route": route,
                  "unfolded": list(r.shape), "seconds": t, "iterations": int(r.result.iterations),
                  "limit": r.limit, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def parse(spec):
    cases = []
    for part in spec.split(";"):
        n, s, ms = part.split(",")
        lo, _, hi = ms.partition("-")
        cases.append((int(n), int(s), list(range(int(lo), int(hi or lo) + 1))))
    return cases


def run_case(n, s, m, limit):
    t0 = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(s), str(m)], capture_output=True, text=True,
                             timeout=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"over {limit:.0f} s"}
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {out.stderr.strip().splitlines()[-1][:200] if out.stderr else ''}"}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall"] = time.perf_counter() - t0
    return res


def commit() -> str:
    """Short hash of HEAD, with ``+dirty`` when tracked files (results excluded) differ from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!benchmarks/results"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def stored_rows():
    """Rows of the stored table (above its notes), keyed by (n, s, m) (padded to the current columns)."""
    path = RESULTS / "frontier.md"
    rows = {}
    if not path.exists():
        return rows
    # only the table above "### Notes": the notes hold tables of their own with (n,s,m) rows
    for line in path.read_text().split("### Notes")[0].splitlines():
        match = re.match(r"\| \((\d+),(\d+),(\d+)\) \|", line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[tuple(map(int, match.groups()))] = (cells + [""] * len(HEADER))[:len(HEADER)]
    return rows


def stored_notes() -> str:
    """The stored file's "### Notes" section (hand-written context kept between runs), or ""."""
    path = RESULTS / "frontier.md"
    text = path.read_text() if path.exists() else ""
    return text[text.index("### Notes"):].strip() if "### Notes" in text else ""


def main(quick=False, limit=600.0, cases=None) -> str:
    spec = cases or (QUICK if quick else FULL)
    rows = {} if quick else stored_rows()
    notes = "" if quick else stored_notes()
    ref = commit()
    for n, s, ms in parse(spec):
        for m in ms:
            r = run_case(n, s, m, limit)
            print((n, s, m), r, flush=True)
            if "error" in r:
                rows[(n, s, m)] = [f"({n},{s},{m})", "-", "-", "-", "-", "-", "-", "-", "-", r["error"], ref]
                break
            rows[(n, s, m)] = [f"({n},{s},{m})", f"{r['lower']:.10f}", f"{r['upper']:.10f}", f"{r['gap']:.1e}",
                               f"{r['limit']:.4f}", f"{r['folded'][0]} x {r['folded'][1]}", f"{r['iterations']}",
                               f"{r['seconds']:.1f}", f"{r['maxrss_kib'] / 2**20:.2f}", r.get("route", ""), ref]
    md = "\n".join([
        "## Insensitive channel: the certified frontier (CPU, orbit-native fold)",
        "",
        machine_line("scipy"),
        "",
        "Each row: `insensitive_capacity(n, s, m)` (tol 1e-9 bits) in its own process "
        "(`python -m benchmarks.frontier_values --cases \"n,s,m1-m2\"`); 'time' is the call's "
        "wall time (class table or covering-set scan included), 'peak' the process's peak resident memory, "
        "'commit' the code that computed the row. 'folded' is class-orbits x type-orbits, or for the "
        "weight-level route (n = 5, s >= 2, note 'levels') distinct weight-level rows x type-orbits. A series "
        f"stops at its first case over {limit:.0f} s or refused by max_bytes (8 GiB), with the reason. Rows "
        "are kept between runs (a run replaces its own cases); timings are from a shared 2-core machine "
        "unless the note says otherwise.",
        "",
        table(HEADER, [rows[k] for k in sorted(rows)]),
        "",
        notes,
    ])
    return write_result("frontier", md, store=not quick)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--limit", type=float, default=600.0)
    parser.add_argument("--cases", default=None)
    args = parser.parse_args()
    print(main(quick=args.quick, limit=args.limit, cases=args.cases))
