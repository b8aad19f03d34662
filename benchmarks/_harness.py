"""Benchmark plumbing: best-of-k timing, machine facts, markdown rows.

Each ``benchmarks/bench_*.py`` has ``main(quick=False) -> str`` returning a markdown
section (with machine line, versions, times, ratios and accuracy) and writes it to
``benchmarks/results/<name>.md``; ``python -m benchmarks.run`` assembles BENCHMARKS.md.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(fn, *, repeat=5, min_time=0.0, sync=None):
    """Best wall time (s) of ``repeat`` calls of ``fn()`` (after one warm-up call)."""
    fn()
    if sync:
        sync()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        best = min(best, time.perf_counter() - t0)
    return best


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or platform.machine()


def versions(*names) -> str:
    out = []
    for name in names:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def machine_line(*packages) -> str:
    return (f"Machine: {cpu_name()}, {os.cpu_count()} cores visible; Python {platform.python_version()}; "
            f"{versions('numpy', 'numba', 'torch', *packages)}; {time.strftime('%Y-%m-%d')}.")


def table(header, rows) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(lines)


def write_result(name: str, markdown: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(markdown.strip() + "\n")
    return path
