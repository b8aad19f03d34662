"""family_capacity's outward bracket against exact rationals and ball arithmetic (python-flint).

The bound of :mod:`capacity.insensitive.family_rounding` is checked two ways: its pieces on a
reduced channel rebuilt here from exact cell probabilities (every row's divergence to the
float output law, and the information of random laws), and the end result of
``family_capacity`` against :mod:`exact_family`, which builds the unreduced channel from the
truth tables alone.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

flint = pytest.importorskip("flint")
from flint import arb, fmpq  # noqa: E402

from capacity.insensitive import family_capacity, reading_capacity  # noqa: E402
from capacity.insensitive._family_kernels import divergence_terms  # noqa: E402
from capacity.insensitive.family_capacity import (_sparse_types, compositions, reduce_cells,  # noqa: E402
                                                  resolve_family)
from capacity.insensitive.family_rounding import (certified_bracket, log_multinomials,  # noqa: E402
                                                  type_rounding)

from .exact_family import exact_certificate, family_tables, working_precision  # noqa: E402

u = 2.0 ** -53


def _exact_reduced(fam, s, red, q, q0):
    """Exact probabilities (Fractions) of the reduced symbols of each group's first member."""
    L = q.shape[1]
    label = red.cell_label
    if fam.kind in ("symmetric", "interval"):
        pis = [Fraction(math.comb(s, w), 1 << s) for w in range(s + 1)]
    else:
        pis = [Fraction(1, L)] * L
    used = set()
    out = []
    for g in red.groups:
        f = int(g[0])
        row = []
        for sym in red.symbols:
            if sym is None:
                continue
            c, b = sym
            cls = [k for k in range(L) if label[k] == label[c]]
            used.update(cls)
            mass = sum(pis[k] for k in cls)
            row.append(mass * Fraction(float(q[f, c] if b else q0[f, c])))
        out.append(row)
    if red.symbols and red.symbols[-1] is None:
        null = sum(pis[k] for k in range(L) if k not in used)
        out = [row + [null] for row in out]
    return out


def _exact_rows(r_exact, counts, m):
    """W*[g][t] (fmpq) of the reduced type channel."""
    fact = [math.factorial(i) for i in range(m + 1)]
    rows = []
    for r in r_exact:
        R = [fmpq(x.numerator, x.denominator) for x in r]
        row = []
        for k in counts.astype(int).tolist():
            coef = fact[m]
            w = fmpq(1)
            for j, c in enumerate(k):
                coef //= fact[c]
                if c:
                    w *= R[j] ** c
            row.append(w * coef)
        rows.append(row)
    return rows


def _div(row, Q, logQ):
    total = arb(0)
    for w, q, lq in zip(row, Q, logQ):
        if w == 0:
            continue
        if q == 0:
            return arb.pos_inf()
        total += arb(w) * (arb(w).log() - lq)
    return total


CASES = [("all", 2, 1, 3), ("thresholds", 3, 1, 3), ("symmetric", 3, 2, 2), ("all", 3, 1, 2), ("intervals", 4, 2, 3)]


@pytest.mark.parametrize("case", CASES)
def test_bracket_of_random_laws_holds_for_the_exact_reduced_channel(case):
    """For random laws on random supports, the outward lower end is below the exact I(pi) and
    every row's upper end above its exact divergence to the normalised float output law (the
    float mixture, scaled by 1, 3, 1/4: the bracket normalises it)."""
    name, n, s, m = case
    fam = resolve_family(name, n)
    q, pi = fam.reduced_cells(s)
    q0 = fam.reduced_zeros(s, q)
    red = reduce_cells(q, pi, q0)
    counts = compositions(red.d, m).astype(np.float64)
    logcoef = log_multinomials(counts, m)
    tr = type_rounding(red.logr, counts, logcoef, m, q.shape[1], *fam.cell_rounding(s))
    assert tr is not None
    W_float = np.exp(logcoef[None, :] + red.logr @ counts.T)
    exact = _exact_rows(_exact_reduced(fam, s, red, q, q0), counts, m)
    G, T = W_float.shape
    sym, cnt = _sparse_types(counts)
    rng = np.random.default_rng(len(name) * 100 + n * 10 + s + m)
    for trial in range(3):
        active = np.sort(rng.choice(G, size=min(G, 2 + trial * 3), replace=False))
        law = rng.dirichlet(np.ones(active.size))
        q_orbit = law @ W_float[active] * (1.0, 3.0, 0.25)[trial]    # any scale: Z normalises it
        with np.errstate(divide="ignore"):
            logQ_f = np.log(q_orbit)
        terms = divergence_terms(np.ascontiguousarray(red.logr), sym, cnt, logcoef, logQ_f, True)
        out = certified_bracket(tr, terms, law, active, q_orbit, np.ones(T), np.arange(T), red.logr, counts,
                                active, active.size + 4)
        assert out is not None
        lo, up, ends = out
        with working_precision():
            Qx = [fmpq(*Fraction(float(v)).as_integer_ratio()) for v in q_orbit]
            Z = sum(Qx, fmpq(0))
            Qn = [v / Z for v in Qx]
            logQ = [arb(v).log() if v else None for v in Qn]
            D = [_div(exact[g], Qn, logQ) for g in range(G)]
            w = [Fraction(float(v)) for v in law]
            pi_x = [fmpq(*(v / sum(w)).as_integer_ratio()) for v in w]
            mix = [sum((p * exact[g][t] for p, g in zip(pi_x, active.tolist())), fmpq(0)) for t in range(T)]
            log_mix = [arb(v).log() if v else None for v in mix]
            info = sum((arb(p) * _div(exact[g], mix, log_mix) for p, g in zip(pi_x, active.tolist())), arb(0))
            ln2 = arb.const_log2()
            assert lo <= float((info / ln2).lower()), (trial, lo, info / ln2)
            for g in range(G):
                assert float(D[g].upper()) <= ends[g], (trial, g, D[g], ends[g])
            assert float((_max_arb(D) / ln2).upper()) <= up


def _max_arb(balls):
    out = balls[0]
    for b in balls[1:]:
        out = out.max(b)
    return out


@pytest.mark.parametrize("case", [("all", 2, 1, 2), ("all", 2, 1, 3), ("thresholds", 3, 1, 3),
                                  ("symmetric", 3, 2, 2), ("intervals", 3, 1, 3), ("all", 3, 1, 2)])
def test_family_capacity_bracket_holds_for_the_unreduced_exact_channel(case):
    """At a tight tol the outward bracket contains the exact information of its own law (the
    channel rebuilt from the truth tables, no reduction), and is certified."""
    name, n, s, m = case
    r = family_capacity(name, n, s, m, tol=1e-12)
    assert r.outward
    cert = exact_certificate(family_tables(name, n), n, s, m, r.member_mass)
    assert r.lower <= cert["lower_bits"]
    assert r.upper >= cert["info_nats"][1] / math.log(2) * (1 + 1e-15)
    assert r.converged and r.gap <= 1e-12   # the solve's tol leaves room for the widening


def test_cell_rounding_bounds_the_families_probabilities():
    """Every kind's q, q0 and pi are within the stated relative errors of exact rationals."""
    from capacity.insensitive import junta_family, symmetric_family, threshold_family

    cases = [(symmetric_family(5), 2), (threshold_family(7, intervals=True), 3), (threshold_family(80), 2),
             (junta_family(6, 2), 3), (resolve_family("all", 3), 2)]
    for fam, s in cases:
        q, pi = fam.reduced_cells(s)
        q0 = fam.reduced_zeros(s, q)
        eps_q, eps_pi = fam.cell_rounding(s)
        n = fam.n
        if fam.kind in ("symmetric", "interval"):
            N = n - s
            ones = _interval_counts(fam, s)
            exact_q = [[Fraction(c, 1 << N) for c in row] for row in ones]
            exact_pi = [Fraction(math.comb(s, w), 1 << s) for w in range(s + 1)]
        elif fam.kind == "junta":
            exact_q, exact_pi = _junta_exact(fam, s)
        else:
            exact_q = _table_exact(fam, s)
            exact_pi = [Fraction(1, q.shape[1])] * q.shape[1]
        for i, row in enumerate(exact_q):
            for c, x in enumerate(row):
                assert abs(Fraction(float(q[i, c])) - x) <= eps_q * x
                assert abs(Fraction(float(q0[i, c])) - (1 - x)) <= eps_q * (1 - x)
        for c, x in enumerate(exact_pi):
            assert abs(Fraction(float(pi[c])) - x) <= eps_pi * x
        assert fam.cell_masses(s) == exact_pi
    assert threshold_family(80).cell_rounding(2) == (u, u)    # n - s > 53: q correctly rounded
    assert threshold_family(50).cell_rounding(2) == (0.0, u)


def _interval_counts(fam, s):
    """Ones of each member below each visible weight w, from its table over weights."""
    n, N = fam.n, fam.n - s
    out = []
    for i in range(fam.size):
        g = _weight_table(fam, i)
        out.append([sum(math.comb(N, j) for j in range(N + 1) if g[w + j]) for w in range(s + 1)])
    return out


def _weight_table(fam, i):
    if fam.kind == "symmetric":
        return [int(v) for v in fam.g[i]]
    a, b = (int(v) for v in fam.bounds[i])
    return [int(a <= w <= b) for w in range(fam.n + 1)]


def _junta_exact(fam, s):
    """Exact q and pi of a junta family's reduced cells (A within the junta, values on A)."""
    from capacity.insensitive.families import _junta_cells

    n, k = fam.n, len(fam.coords)
    qs, pis = [], []
    for A, target in _junta_cells(n, s, k):
        j = bin(A).count("1")
        inside = [z for z in range(1 << k) if z & A == target]
        qs.append([Fraction(int(sum(int(t[z]) for z in inside)), len(inside)) for t in fam.tables])
        pis.append(Fraction(math.comb(n - k, s - j), math.comb(n, s) << j))
    return [list(col) for col in zip(*qs)], pis


def _table_exact(fam, s):
    """Exact q of tables by enumeration, cells ordered (S lexicographic, then a as an integer)."""
    from itertools import combinations

    n = fam.n
    out = []
    for t in fam.tables:
        row = []
        for S in combinations(range(n), s):
            for a in range(1 << s):
                xs = [x for x in range(1 << n) if all(((x >> S[j]) & 1) == ((a >> j) & 1) for j in range(s))]
                row.append(Fraction(sum(int(t[x]) for x in xs), len(xs)))
        out.append(row)
    return out


def test_no_certificate_where_a_symbol_is_subnormal():
    counts = compositions(2, 2).astype(np.float64)
    logr = np.log(np.array([[0.5, 1e-310], [0.5, 0.5]]))
    assert type_rounding(logr, counts, log_multinomials(counts, 2), 2, 2, 0.0, u) is None


def test_no_lower_end_where_the_output_law_underflowed():
    """A zero output mass where a support row is not a structural zero: no certificate."""
    counts = compositions(2, 2).astype(np.float64)
    logr = np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    logcoef = log_multinomials(counts, 2)
    tr = type_rounding(logr, counts, logcoef, 2, 2, 0.0, u)
    q_orbit = np.exp(logcoef + logr[0] @ counts.T)
    q_orbit[0] = 0.0
    sym, cnt = _sparse_types(counts)
    terms = divergence_terms(logr, sym, cnt, logcoef, np.log(np.where(q_orbit > 0, q_orbit, 1.0)), True)
    args = (np.array([1.0]), np.array([0]), q_orbit, np.ones(3), np.arange(3), logr, counts, np.array([0]), 5)
    assert certified_bracket(tr, terms, *args) is None
    q_orbit[0] = 1e-300                     # positive but below the floor of the lower side
    assert certified_bracket(tr, terms, *args) is None


def test_every_route_is_marked_outward():
    assert family_capacity("thresholds", 3, 1, 2).outward
    assert all(reading_capacity(2, 1, 2, r).outward for r in ("random", "fixed", "hidden", "bernoulli", "shared"))


def test_log_multinomials_are_exact_to_their_bound():
    m = 12
    counts = compositions(4, m)
    c = log_multinomials(counts, m)
    with working_precision():
        for k, v in zip(counts.astype(int).tolist(), c.tolist()):
            coef = math.factorial(m)
            for x in k:
                coef //= math.factorial(x)
            err = abs(arb(v) - arb(coef).log())
            lf = math.lgamma(m + 1)
            assert float(err.upper()) <= (0.51 * m + 1.01) * u + 4 * u * lf + (4 + 1) * u * lf   # e_c, gamma_4 ~ 4u



@pytest.mark.parametrize("call, exc, match", [
    (lambda r, M: r(("thresholds", 3, 4, 2)), ValueError, "`s` must be"),
    (lambda r, M: r(("thresholds", 3, 1, 0)), ValueError, "`m` must be"),
    (lambda r, M: r(("thresholds", 3.5, 1, 2)), TypeError, "`n` must be"),
    (lambda r, M: M(np.full(9, 1 / 9)), ValueError, "one entry per member"),
    (lambda r, M: M(np.full(8, 0.5)), ValueError, "law"),             # does not sum to 1
    (lambda r, M: M(-np.full(8, 1 / 8)), ValueError, "law"),
])
def test_re_checking_a_law_refuses_bad_input(call, exc, match):
    from capacity.insensitive.family_capacity import law_bracket, reduced_family

    red = reduced_family("thresholds", 3, 1, 2)
    assert red.family.size == 8
    with pytest.raises(exc, match=match):
        call(lambda a: reduced_family(*a), lambda law: law_bracket(red, law))
