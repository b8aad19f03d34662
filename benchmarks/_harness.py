"""Benchmark plumbing: best-of-k timing, machine facts, markdown rows, the command line.

Each ``benchmarks/bench_*.py`` has ``main(quick=False) -> str`` returning a markdown
section (with machine line, versions, times, ratios and accuracy) and, unless ``quick``,
writes it to ``benchmarks/results/<name>.md`` (``return write_result(name, md, store=not quick)``);
``python -m benchmarks.run`` assembles BENCHMARKS.md. A script ends with ``cli(main)``.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(fn, *, repeat=5, sync=None, clock=time.perf_counter):
    """Best time (s) of ``repeat`` calls of ``fn()`` after one warm-up call: wall time by default,
    thread CPU time with ``clock=time.thread_time``; ``sync()`` (e.g. CUDA) is called after each."""
    fn()
    if sync:
        sync()
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        fn()
        if sync:
            sync()
        best = min(best, clock() - t0)
    return best


def table(header, rows) -> str:
    """A GitHub-markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


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


def write_result(name: str, markdown: str, *, store: bool = True) -> str:
    """Write ``markdown`` to ``benchmarks/results/<name>.md`` (if ``store``) and return it.

    Pass ``store=not quick``: a quick run checks the script and must not replace measured results.
    """
    if store:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{name}.md").write_text(markdown.strip() + "\n")
    return markdown


def cli(main, **options) -> None:
    """Command line of a benchmark script: ``--quick`` and one ``--<key>`` flag per keyword
    (default: its value); prints ``main(quick=..., **options)``, the markdown section."""
    doc = (sys.modules[main.__module__].__doc__ or "").strip()
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0] or None)  # the first paragraph
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script, stores nothing")
    for key, default in options.items():
        parser.add_argument(f"--{key}", default=default, help=f"default: {default}")
    print(main(**vars(parser.parse_args())))
