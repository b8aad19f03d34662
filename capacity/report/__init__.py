"""The reproduction report: the package's main job.

``insensitive-report`` (or ``python -m capacity.report``) runs the catalogue of
numerical claims, prints a table (claim, expected, measured, verdict) and writes
``report/report.md`` with PNG figures beside it.

Options: ``--quick`` (CI-sized), ``--device cuda``, ``--out DIR``, ``--only NAME``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import time
from pathlib import Path

from ._framework import KINDS, Claim, Context, Section, claims_table, timed
from ._sections import SECTIONS

__all__ = ["main", "run_report", "Claim", "Context", "Section"]


def run_report(outdir="report", *, quick=False, device="cpu", seed=0, only=None, progress=True):
    """Run the report's sections in order and write ``outdir/report.md`` with their figures.

    Each section (``SECTIONS``) checks numerical claims, each a :class:`Claim` that holds when
    :math:`|m - e| \\le t` for measured m, expected e and tolerance t (or a certified interval contains
    the reference value), and of a stated kind: *test* (can fail when the code is wrong), *identity*
    or *regression* (a number quoted from elsewhere). The report counts the kinds, lists the quoted
    numbers, and lists any figure that fails the figure checks (``figure_problems``).

    Parameters
    ----------
    outdir : str or Path
        Output folder (created if needed).
    quick : bool
        CI-sized settings instead of the defaults.
    device : str
        torch device for the GPU-capable sections ("cpu", "cuda", "cuda:1", ...).
    seed : int
        Seed of every random quantity.
    only : str, optional
        Run only the sections whose module name starts with this (e.g. ``"capacity"``).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    list of Section
        The finished sections (claims, markdown, figure file names, seconds taken).

    Raises
    ------
    TypeError
        For a non-bool ``quick`` or ``progress``, a seed that is not an integer, or an ``only`` or
        ``outdir`` of the wrong type.
    ValueError
        If ``only`` names no section, ``device`` is not a torch device or is CUDA without a GPU,
        ``seed`` is outside [0, 2**63 - 1], or ``outdir`` cannot be created. All of these are
        checked before any section runs.

    References
    ----------
    The claims and their sources: ``docs/problem.rst`` and each section module's docstring.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     sections = run_report(out, quick=True, only="capacity", progress=False)
    >>> [s.title for s in sections]
    ['Channel capacity: closed forms, cvxpy cross-check, capacity-cost and rate-distortion']
    >>> all(c.passed for c in sections[0].claims)
    True
    """
    chosen, outdir = _prepare(outdir, quick, device, seed, only, progress)
    return _run_sections(chosen, outdir, quick, device, seed, progress)


def _run_sections(chosen, outdir, quick, device, seed, progress):
    """Run the ``chosen`` section modules (arguments checked by :func:`_prepare`), write the report."""
    from tqdm.auto import tqdm

    ctx = Context(outdir=outdir, quick=quick, device=device, seed=seed)
    sections = []
    bar = tqdm(chosen, desc="report", unit="section", disable=not progress)
    for name in bar:
        module = importlib.import_module(name)
        bar.set_postfix_str(module.TITLE[:40])
        sections.append(timed(module.run, ctx))
    _write_markdown(outdir / "report.md", sections, ctx)
    return sections


def _prepare(outdir, quick, device, seed, only, progress):
    """Check :func:`run_report`'s arguments and create ``outdir``, before any section runs:
    ``(chosen section modules, outdir as a Path)``."""
    from boolean._lib.validate import check_flag, check_seed

    check_flag(quick, "quick")
    check_flag(progress, "progress")
    check_seed(seed, "seed", optional=False, generator=False)
    if only is not None and not isinstance(only, str):
        raise TypeError(f"`only` must be a section name's start (a string); got {only!r}")
    chosen = [name for name in SECTIONS if only is None or name.rsplit(".", 1)[-1].startswith(only)]
    if not chosen:
        raise ValueError(f"`only` must name a section in {SECTIONS}; got {only!r}")
    if device != "cpu":
        from boolean._lib.backend import resolve_device

        resolve_device(device)  # a clear error for cuda without a GPU, before any work
    if not isinstance(outdir, (str, os.PathLike)):
        raise TypeError(f"`outdir` must be a folder path; got {outdir!r}")
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"`outdir` must be a folder this process can create or write to; got {str(outdir)!r} "
                         f"({exc.strerror})") from None
    return chosen, outdir


def _write_markdown(path, sections, ctx):
    claims = [c for s in sections for c in s.claims]
    n_pass = sum(c.passed for c in claims)
    by_kind = {k: sum(c.kind == k for c in claims) for k in KINDS}
    quoted = [c for c in claims if c.kind == "regression"]
    parts = [
        "# insensitive: reproduction report",
        "",
        f"Settings: quick={ctx.quick}, device={ctx.device}, seed={ctx.seed}. "
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}.",
        "",
        f"**{n_pass} of {len(claims)} claims pass.**",
        "",
        f"Kinds of claim: {by_kind['test']} *test* (an independent reference: a closed form, exact "
        "rationals, a bound from theory, or a statistical tolerance of a stated number of standard "
        f"errors; these can fail when the code is wrong), {by_kind['identity']} *identity* (a "
        "mathematical identity or an exactness check of one route of the code against another: they "
        f"catch arithmetic regressions, not a wrong model) and {by_kind['regression']} *regression* "
        "(a comparison with a number quoted from elsewhere that the same code produced). Every "
        "tolerance says where it comes from. Error bars and +- values are 1 standard error (SE) "
        "unless a figure or table says otherwise.",
        "",
        _quoted_paragraph(quoted, ctx.quoted, [s.title for s in sections if "quoted" in s.markdown.lower()]),
        "",
    ]
    problems = {name: p for name, p in ctx.figure_problems.items() if p}
    if problems:
        parts += ["**Figure checks failed:** " + "; ".join(f"{n}: {', '.join(p)}" for n, p in problems.items()), ""]
    for s in sections:
        parts += [f"## {s.title}", "", f"_({s.seconds:.1f} s)_", "", s.markdown.strip(), ""]
        if s.claims:
            parts += [claims_table(s.claims), ""]
        parts += [f"![{fig}]({fig})" for fig in s.figures] + [""]
    path.write_text("\n".join(parts))


def _quoted_paragraph(regression, recorded, titles):
    """The report's statement of which numbers are quoted rather than computed by this run."""
    items = [f"{what} = {value} ({source})" for what, value, source in recorded]
    items += [f"{c.claim} (expected {c.expected}, a regression claim)" for c in regression]
    text = "Quoted numbers (shown, not recomputed by this run): " + ("; ".join(items) if items else "none recorded") + "."
    if titles:
        text += (" Sections whose text or tables mark values as quoted: " + "; ".join(f'"{t}"' for t in titles)
                 + ".")
    return text + " Every other number in this report is computed by this run."


def _print_table(sections):
    header = ("claim", "kind", "expected", "measured", "verdict")
    rows = [(c.claim, c.kind, c.expected, c.measured, c.verdict) for s in sections for c in s.claims]
    widths = [min(60, max([len(h)] + [len(str(r[i])) for r in rows])) for i, h in enumerate(header)]
    head, *body = ["  ".join(str(c)[:w].ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    print("\n".join([head, "-" * len(head), *body]))  # headers are shorter than the 60-character cap


def main(argv=None) -> int:
    """The ``insensitive-report`` command: run :func:`run_report`, print the claims table.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``): ``--quick``, ``--device``, ``--out``,
        ``--seed``, ``--only``; see ``insensitive-report --help``.

    Returns
    -------
    int
        0 when every claim passes, 1 otherwise (the process exit status).

    Raises
    ------
    SystemExit
        From argparse: for unknown options or ``--help``, and with status 2 and a one-line message
        for arguments :func:`run_report` refuses (``--only``, ``--device``, ``--seed``, ``--out``),
        before any section runs.

    References
    ----------
    README.md ("Install and run the reproduction report").

    Examples
    --------
    >>> import contextlib, io, tempfile
    >>> with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
    ...     status = main(["--quick", "--only", "capacity", "--out", out])
    >>> status
    0
    """
    parser = argparse.ArgumentParser(prog="insensitive-report", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--device", default="cpu", help="torch device for GPU-capable sections (cpu, cuda)")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="run only the section whose module starts with this")
    args = parser.parse_args(argv)
    try:
        chosen, outdir = _prepare(args.out, args.quick, args.device, args.seed, args.only, True)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    sections = _run_sections(chosen, outdir, args.quick, args.device, args.seed, True)
    _print_table(sections)
    claims = [c for s in sections for c in s.claims]
    failed = [c for c in claims if not c.passed]
    print(f"\n{len(claims) - len(failed)} of {len(claims)} claims pass; report written to "
          f"{Path(args.out) / 'report.md'}")
    return 1 if failed else 0
