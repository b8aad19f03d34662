"""The reproduction report: the package's main job.

``insensitive-report`` (or ``python -m capacity.report``) runs the catalogue of
numerical claims, prints a table (claim, expected, measured, verdict) and writes
``report/report.md`` with PNG figures beside it.

Options: ``--quick`` (CI-sized), ``--device cuda``, ``--out DIR``, ``--only NAME``.
The default settings finish in under 5 minutes on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import time
from pathlib import Path

from ._framework import Claim, Context, Section, claims_table, timed
from ._sections import SECTIONS

__all__ = ["main", "run_report", "Claim", "Context", "Section"]


def run_report(outdir="report", *, quick=False, device="cpu", seed=0, only=None, progress=True):
    """Run every section; return the list of :class:`Section` and write ``outdir/report.md``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from tqdm.auto import tqdm

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(outdir=outdir, quick=quick, device=device, seed=seed)
    chosen = [name for name in SECTIONS if only is None or name.rsplit(".", 1)[-1].startswith(only)]
    if not chosen:
        raise ValueError(f"`only` must name a section in {SECTIONS}; got {only!r}")
    sections = []
    bar = tqdm(chosen, desc="report", unit="section", disable=not progress)
    for name in bar:
        module = importlib.import_module(name)
        bar.set_postfix_str(module.TITLE[:40])
        sections.append(timed(module.run, ctx))
    _write_markdown(outdir / "report.md", sections, ctx)
    return sections


def _write_markdown(path, sections, ctx):
    claims = [c for s in sections for c in s.claims]
    n_pass = sum(c.passed for c in claims)
    parts = [
        "# insensitive: reproduction report",
        "",
        f"Settings: quick={ctx.quick}, device={ctx.device}, seed={ctx.seed}. "
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}.",
        "",
        f"**{n_pass} of {len(claims)} claims pass.**",
        "",
    ]
    for s in sections:
        parts += [f"## {s.title}", "", f"_({s.seconds:.1f} s)_", "", s.markdown.strip(), ""]
        if s.claims:
            parts += [claims_table(s.claims), ""]
        parts += [f"![{fig}]({fig})" for fig in s.figures] + [""]
    path.write_text("\n".join(parts))


def _print_table(sections):
    rows = [(c.claim, c.expected, c.measured, c.verdict) for s in sections for c in s.claims]
    widths = [min(60, max([len(h)] + [len(str(r[i])) for r in rows])) for i, h in
              enumerate(("claim", "expected", "measured", "verdict"))]
    line = "  ".join(h.ljust(w) for h, w in zip(("claim", "expected", "measured", "verdict"), widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c)[:w].ljust(w) for c, w in zip(r, widths)))


def main(argv=None) -> int:
    """Console entry point; returns 0 when every claim passes, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="insensitive-report", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--device", default="cpu", help="torch device for GPU-capable sections (cpu, cuda)")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="run only the section whose module starts with this")
    args = parser.parse_args(argv)
    if args.device != "cpu":
        from boolean._backend import resolve_device

        resolve_device(args.device)  # clear error for cuda without a GPU
    sections = run_report(args.out, quick=args.quick, device=args.device, seed=args.seed, only=args.only)
    _print_table(sections)
    claims = [c for s in sections for c in s.claims]
    failed = [c for c in claims if not c.passed]
    print(f"\n{len(claims) - len(failed)} of {len(claims)} claims pass; report written to "
          f"{Path(args.out) / 'report.md'}")
    return 1 if failed else 0
