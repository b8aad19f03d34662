"""reading_capacity's brackets hold for the exact channel of each reading (python-flint).

Each reading's symbol probabilities are rebuilt here as exact rationals by enumerating every
``x`` and subset, independently of the package's cell routines; the rounding the solver is told
about (``readings._cells``) is checked against them, and the returned bracket against the
information and divergences of the returned law, evaluated in ball arithmetic on the exact channel.
"""
import math
from fractions import Fraction
from itertools import combinations

import pytest

flint = pytest.importorskip("flint")
from flint import arb, fmpq  # noqa: E402

from capacity.insensitive import all_functions_family, reading_capacity  # noqa: E402
from capacity.insensitive.readings import READINGS, _cells  # noqa: E402

from .exact_family import _channel, _divergence, _down, _Logs, _max, _up, working_precision  # noqa: E402


def _q(f, n, S, a, b):
    """Exact P(f(x) = b | x_S = a), a local index (bit j <-> x_{S[j]})."""
    xs = [x for x in range(1 << n) if sum(((x >> i) & 1) << j for j, i in enumerate(S)) == a]
    return Fraction(sum(f[x] == b for x in xs), len(xs))


def _exact_cells(f, n, s, reading):
    """``[(pi, q1, q0)]``: each cell's exact mass and P(f = 1 | cell), P(f = 0 | cell), in the
    order of the package's cells (subsets in lexicographic order, then a)."""
    if reading == "fixed":
        S = tuple(range(s))
        return [(Fraction(1, 1 << s), _q(f, n, S, a, 1), _q(f, n, S, a, 0)) for a in range(1 << s)]
    if reading == "hidden":
        sets = list(combinations(range(n), s))
        return [(Fraction(1, 1 << s), sum(_q(f, n, S, a, 1) for S in sets) / len(sets),
                 sum(_q(f, n, S, a, 0) for S in sets) / len(sets)) for a in range(1 << s)]
    if reading == "random":
        weight = Fraction(1, math.comb(n, s) << s)
        return [(weight, _q(f, n, S, a, 1), _q(f, n, S, a, 0))
                for S in combinations(range(n), s) for a in range(1 << s)]
    p = Fraction(s, n)                                     # bernoulli: each coordinate seen with p
    out = []
    for k in range(n + 1):
        w = p ** k * (1 - p) ** (n - k) / 2 ** k
        if w:
            out += [(w, _q(f, n, T, a, 1), _q(f, n, T, a, 0))
                    for T in combinations(range(n), k) for a in range(1 << k)]
    return out


def _rel(x, exact):
    """|x / exact - 1| in rationals (0 when both are 0; inf when only one is)."""
    x = Fraction(x)
    if exact == 0:
        return 0.0 if x == 0 else math.inf
    return float(abs(x / exact - 1))


@pytest.mark.parametrize("n,s", [(2, 1), (3, 1), (3, 2), (3, 3), (3, 0)])
@pytest.mark.parametrize("reading", [r for r in READINGS if r != "shared"])
def test_the_rounding_told_to_the_solver_bounds_every_cell(reading, n, s):
    fam = all_functions_family(n)
    tables = fam.tables
    q, q0, pi, (eps_q, eps_pi) = _cells(fam, n, s, reading)
    for i, f in enumerate(tables.tolist()):
        cells = _exact_cells(f, n, s, reading)
        assert len(cells) == q.shape[1] == q0.shape[1] == pi.size
        for c, (w, e1, e0) in enumerate(cells):
            assert _rel(q[i, c], e1) <= eps_q and _rel(q0[i, c], e0) <= eps_q
            assert _rel(pi[c], w) <= eps_pi


def _exact_rows(tables, n, s, m, reading):
    """Every member's row of the exact type channel (fmpq), built from :func:`_exact_cells`."""
    if reading != "shared":
        rs = [[v for w, e1, e0 in _exact_cells(f, n, s, reading) for v in (w * e1, w * e0)]
              for f in tables.tolist()]
        return _channel([dict(enumerate(r)) for r in rs], m)[2]
    sets = list(combinations(range(n), s))                # one S for all samples, shown: blocks
    rows = [[] for _ in tables]
    for S in sets:
        rs = [{j: v for j, v in enumerate(Fraction(1, 1 << s) * _q(f, n, S, a, b)
                                           for a in range(1 << s) for b in (1, 0))}
              for f in tables.tolist()]
        for row, block in zip(rows, _channel(rs, m)[2]):
            row += [w / len(sets) for w in block]
    return rows


@pytest.mark.parametrize("n,s,m", [(2, 1, 2), (2, 1, 3), (3, 1, 2)])
@pytest.mark.parametrize("reading", READINGS)
def test_the_bracket_holds_for_the_exact_channel(reading, n, s, m):
    # lower <= I(P; W*) and upper >= max_f D(W*_f || P W*) for the returned law P, in ball
    # arithmetic on the exact rows: the outward bracket is wider than the float one by about
    # 1e-13 bits, the balls are 1e-35 wide
    r = reading_capacity(n, s, m, reading)
    assert r.outward and r.gap <= 1e-9
    W = _exact_rows(all_functions_family(n).tables, n, s, m, reading)
    law = [Fraction(float(v)) for v in r.member_mass.tolist()]
    total = sum(law)
    P = [fmpq((v / total).numerator, (v / total).denominator) for v in law]
    with working_precision():
        logs = _Logs()
        PW = [fmpq(0)] * len(W[0])
        for p, row in zip(P, W):
            if p:
                PW = [acc + p * w for acc, w in zip(PW, row)]
        div = [_divergence(row, PW, logs) for row in W]
        info = sum((arb(p) * d for p, d in zip(P, div) if p), arb(0))
        ln2 = arb.const_log2()
        assert r.lower <= _down(info / ln2)
        assert r.upper >= _up(_max(div) / ln2)
