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
         "mi", "resampling"]

HEADER = """# Benchmarks

Every table is produced by a script in `benchmarks/` (one process, peers and ours in the same run).
Timings are best-of-k wall times. Numbers marked GPU were measured on the card named in their
section; CPU numbers on the machine named in theirs. Targets from the issues are restated next to
the measured ratio; a missed target says so.
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
