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

    Examples
    --------
    >>> c = close_claim("C(BSC(0.11)) = 1 - h(0.11)", 0.5000, 0.50004, 1e-3, ".4f")
    >>> c.passed, c.verdict, c.tolerance
    (True, 'PASS', '|diff| <= 0.001')
    """

    claim: str
    expected: str
    measured: str
    passed: bool
    tolerance: str = ""

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def close_claim(claim: str, expected: float, measured: float, atol: float, fmt: str = ".6g") -> Claim:
    """A claim that ``measured`` equals ``expected`` within ``atol``."""
    ok = abs(measured - expected) <= atol
    return Claim(claim, format(expected, fmt), format(measured, fmt), bool(ok), f"|diff| <= {atol:g}")


def bound_claim(claim: str, value: float, lower: float, upper: float, fmt: str = ".9g") -> Claim:
    """A claim that a reference ``value`` lies in the certified interval [lower, upper]."""
    ok = lower - 1e-12 <= value <= upper + 1e-12
    return Claim(claim, format(value, fmt), f"[{lower:{fmt}}, {upper:{fmt}}]", bool(ok), "inside certified bounds")


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

    def save_figure(self, fig, name: str, *, dpi: int = 110) -> str:
        """Lay out ``fig``, write it to ``outdir/name`` and close it; return ``name`` for Section.figures."""
        import matplotlib.pyplot as plt

        fig.tight_layout()
        fig.savefig(self.figure_path(name), dpi=dpi)
        plt.close(fig)
        return name


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


def markdown_table(header, rows) -> str:
    """A GitHub-markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def claims_table(claims) -> str:
    """The markdown table of a section's claims (claim, expected, measured, tolerance, verdict)."""
    return markdown_table(["claim", "expected", "measured", "tolerance", "verdict"],
                          [[c.claim, c.expected, c.measured, c.tolerance, c.verdict] for c in claims])


def timed(run, ctx) -> Section:
    """``run(ctx)`` with its wall time recorded in ``Section.seconds``."""
    t0 = time.perf_counter()
    section = run(ctx)
    section.seconds = time.perf_counter() - t0
    return section
