"""The report framework: claims, sections and the context each section receives.

A section is a module with ``TITLE`` and ``run(ctx) -> Section``. It checks numerical
claims (each a :class:`Claim`: what we expect, what we measured, and whether it holds
within a stated tolerance), draws figures with :func:`pyplot`, saves them with
:meth:`Context.save_figure` and returns markdown.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


#: The kinds of claim (see :class:`Claim`): only ``"test"`` claims are evidence that can fail.
KINDS = ("test", "identity", "regression")


@dataclass
class Claim:
    """One numerical claim: ``expected`` vs ``measured``, with its verdict.

    Attributes
    ----------
    claim : str
        What is claimed, in words (with its sizes).
    expected, measured : str
        The reference (closed form, peer, bound) and our number, formatted.
    passed : bool
        Whether ``measured`` agrees with ``expected`` in the sense of ``tolerance``.
    tolerance : str
        What "agrees" meant (e.g. ``"|diff| <= 1e-09"``, ``"inside certified bounds"``).
    kind : str
        One of :data:`KINDS`: ``"test"`` (an independent reference, a closed form, a bound from
        theory or a statistical tolerance: the claim can fail when the code is wrong), ``"identity"``
        (a mathematical identity or an exactness check of the code against another route through
        the same code: it guards against regressions in arithmetic, not against a wrong model) or
        ``"regression"`` (a comparison with a number quoted from elsewhere, e.g. BENCHMARKS.md,
        produced by the same code).

    Examples
    --------
    >>> c = close_claim("C(BSC(0.11)) = 1 - h(0.11)", 0.5000, 0.50004, 1e-3, ".4f")
    >>> c.passed, c.verdict, c.tolerance, c.kind
    (True, 'PASS', '|diff| <= 0.001', 'test')
    """

    claim: str
    expected: str
    measured: str
    passed: bool
    tolerance: str = ""
    kind: str = "test"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS}; got {self.kind!r}.")

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def close_claim(claim: str, expected: float, measured: float, atol: float, fmt: str = ".6g", *,
                why: str = "", kind: str = "test") -> Claim:
    """A claim that ``measured`` equals ``expected`` within ``atol`` (``why``: where ``atol`` comes from)."""
    ok = abs(measured - expected) <= atol
    tol = f"|diff| <= {atol:g}" + (f" ({why})" if why else "")
    return Claim(claim, format(expected, fmt), format(measured, fmt), bool(ok), tol, kind)


def equal_claim(claim: str, expected, measured, *, kind: str = "test") -> Claim:
    """A claim that ``measured`` equals ``expected`` exactly (integers, counts, labels)."""
    return Claim(claim, str(expected), str(measured), bool(measured == expected), "exact", kind)


def bound_claim(claim: str, value: float, lower: float, upper: float, fmt: str = ".9g", *,
                kind: str = "test") -> Claim:
    """A claim that a reference ``value`` lies in the certified interval [lower, upper] (1e-12 float slack)."""
    ok = lower - 1e-12 <= value <= upper + 1e-12
    return Claim(claim, format(value, fmt), f"[{lower:{fmt}}, {upper:{fmt}}]", bool(ok),
                 "inside certified bounds (1e-12 float slack)", kind)


@dataclass
class Context:
    """What a section receives: where to write, how hard to work, which device, seed.

    Attributes
    ----------
    outdir : Path
        Folder of the report and its figures.
    quick : bool
        Small sizes (CI); every section then runs in seconds.
    device : str
        torch device for GPU-capable sections ("cpu", "cuda").
    seed : int
        Seed of every random draw in the section.
    figure_problems : dict
        Figure file name -> what :func:`figure_problems` found wrong with it (filled by
        :meth:`save_figure`; the report lists them, and the tests require none).
    quoted : list of (str, str, str)
        Numbers a section shows without recomputing them: (what, value, source), filled by
        :meth:`quote`; the report lists them at the top.

    Examples
    --------
    >>> from pathlib import Path
    >>> ctx = Context(Path("report"), quick=True)
    >>> ctx.quick, ctx.device, ctx.seed
    (True, 'cpu', 0)
    """

    outdir: Path
    quick: bool = False
    device: str = "cpu"
    seed: int = 0

    def figure_path(self, name: str) -> Path:
        self.outdir.mkdir(parents=True, exist_ok=True)
        return self.outdir / name

    figure_problems: dict = field(default_factory=dict)
    quoted: list = field(default_factory=list)

    def quote(self, what: str, value, source: str) -> str:
        """Record a number shown but not recomputed by this run; returns ``"<value> (quoted)"`` for a table cell."""
        self.quoted.append((what, str(value), source))
        return f"{value} (quoted)"

    def save_figure(self, fig, name: str, *, dpi: int = 110) -> str:
        """Check ``fig`` (:func:`figure_problems`), lay it out, write it to ``outdir/name`` and close it.

        Problems found are kept in ``figure_problems[name]`` (the report lists them); returns ``name``.
        """
        import matplotlib.pyplot as plt

        problems = figure_problems(fig)
        if problems:
            self.figure_problems[name] = problems
        fig.tight_layout()
        fig.savefig(self.figure_path(name), dpi=dpi)
        plt.close(fig)
        return name


def figure_problems(fig) -> list:
    """What can be checked of a drawn figure: every data point of every line inside its axes' limits
    (a curve or a reference line off-scale is a figure that promises what it does not show), legend
    labels distinct within each legend, and every axes with labelled x and y axes.

    Returns a list of problems in words (empty when the figure passes).
    """
    import numpy as np

    problems = []
    for i, ax in enumerate(fig.axes):
        where = f"axes {i} ({ax.get_title() or ax.get_ylabel()!r})"
        if not ax.get_xlabel() or not ax.get_ylabel():
            problems.append(f"{where}: an axis has no label")
        # per axis: its limits, and the transform of lines drawn in its data coordinates (axhline/axvline)
        ranges = {"x": (sorted(ax.get_xlim()), ax.get_xaxis_transform()),
                  "y": (sorted(ax.get_ylim()), ax.get_yaxis_transform())}
        for line in ax.get_lines():
            if not line.get_visible():
                continue
            tr = line.get_transform()
            for axis, ((lo, hi), own) in ranges.items():
                v = np.asarray(getattr(line, f"get_{axis}data")(), dtype=float)
                v, slack = v[np.isfinite(v)], 1e-9 * (hi - lo)  # float rounding of the data, relative to the span
                if (tr == ax.transData or tr == own) and np.any((v < lo - slack) | (v > hi + slack)):
                    problems.append(f"{where}: line {line.get_label()!r} leaves the {axis} range [{lo:g}, {hi:g}]")
    for leg in [ax.get_legend() for ax in fig.axes] + list(fig.legends):
        if leg is None:
            continue
        labels = [t.get_text() for t in leg.get_texts()]
        dup = sorted({lab for lab in labels if labels.count(lab) > 1})
        if dup:
            problems.append(f"legend labels repeated: {dup}")
    return problems


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (sections run headless)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@dataclass
class Section:
    """A finished section: title, claims, markdown body, figure file names, seconds taken.

    Attributes
    ----------
    title : str
    claims : list of Claim
    markdown : str
        The section's body (claims table excluded).
    figures : list of str
        File names in ``Context.outdir``.
    seconds : float
        Wall time, filled in by the runner.

    Examples
    --------
    >>> s = Section("Demo", claims=[Claim("1 + 1 = 2", "2", "2", True, "exact")])
    >>> [c.verdict for c in s.claims], s.figures
    (['PASS'], [])
    """

    title: str
    claims: list = field(default_factory=list)
    markdown: str = ""
    figures: list = field(default_factory=list)
    seconds: float = 0.0


def _cell(c) -> str:
    """A table cell: a literal ``|`` (as in H(f | X)) escaped so that it does not split the cell."""
    return str(c).replace("|", "\\|")


def markdown_table(header, rows) -> str:
    """A GitHub-markdown table from a header and rows of cells (``|`` inside a cell is escaped)."""
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def claims_table(claims) -> str:
    """The markdown table of a section's claims (claim, kind, expected, measured, tolerance, verdict)."""
    return markdown_table(["claim", "kind", "expected", "measured", "tolerance", "verdict"],
                          [[c.claim, c.kind, c.expected, c.measured, c.tolerance, c.verdict] for c in claims])


def timed(run, ctx) -> Section:
    """``run(ctx)`` with its wall time recorded in ``Section.seconds``."""
    t0 = time.perf_counter()
    section = run(ctx)
    section.seconds = time.perf_counter() - t0
    return section
