"""The exact ball-arithmetic family channel of exact_family.py: closed forms, a float64
enumeration of raw sample sequences, the identity I = sum_f pi_f D_f, and invariances."""
import math
from fractions import Fraction
import flint
import numpy as np
import pytest
from flint import arb

from capacity.insensitive import families
from tests.capacity.insensitive.test_family import _exact_family_mi
from tests.capacity.insensitive.exact_family import (PREC, exact_cell_probabilities, exact_certificate,
                                                     exact_channel, exact_divergences_to, family_tables,
                                                     symbols, type_space, working_precision)

LN2 = math.log(2.0)


def _ball(x):
    """The exact value ``x`` (a Fraction or a callable building an arb) as a ball at PREC bits."""
    with working_precision(PREC):
        return x() if callable(x) else arb(flint.fmpq(x.numerator, x.denominator))


def _contains(ball, value):
    return ball.overlaps(_ball(value)) and ball.rad() < 1e-30


def _type_information(tables, n, s, m, w):
    """I(pi; W) in nats with float64 numpy on the type channel of exact_channel."""
    _, _, W = exact_channel(tables, n, s, m)
    W = np.array([[float(Fraction(int(x.p), int(x.q))) for x in row] for row in W])
    PW = w @ W
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(W > 0, W * np.log(W / PW), 0.0)
    return float(w @ t.sum(axis=1))


# ----------------------------------------------------------------------------- tables
def test_family_tables_follow_the_family_order():
    n = 3
    x = np.arange(1 << n)
    weight = np.array([bin(v).count("1") for v in x])
    T = family_tables("all", n)
    assert T.shape == (256, 8) and T.dtype == np.uint8
    assert all((T[F] == (F >> x) & 1).all() for F in range(256))    # member F: f(x) = bit x of F
    fam = families.threshold_family(n)
    T = family_tables("thresholds", n)
    for name, row in zip(fam.names, T):
        head = name.split(" = ")[0]
        want = {"1": weight >= 0, "0": weight < 0}.get(head)
        if want is None:
            t = int(head[-1])
            want = weight >= t if ">=" in head else weight < t
        assert (row == want).all(), name
    T = family_tables("symmetric", n)
    assert T.shape == (16, 8)
    assert all((T[i] == (i >> weight) & 1).all() for i in range(16))   # g(w) = bit w of i
    fam = families.threshold_family(n, intervals=True)
    T = family_tables("intervals", n)
    for (a, b), row in zip(fam.bounds.tolist(), T):
        assert (row == ((weight >= a) & (weight <= b))).all()
    assert len({row.tobytes() for row in T}) == len(T) == fam.size
    with pytest.raises(ValueError):
        family_tables("juntas", n)


def test_cell_probabilities_by_hand():
    # n = 2, s = 1, f = AND (table [0, 0, 0, 1]): S = (0,) with a = (1,) has x in {1, 3};
    # f = 1 only at x = 3, so q = 1/2 and r = 1/C(2,1) * 1/2 * 1/2 = 1/8
    (r,) = exact_cell_probabilities(np.array([[0, 0, 0, 1]]), 2, 1)
    assert len(r) == 8 and sum(r.values()) == 1
    assert r[((0,), (1,), 1)] == Fraction(1, 8) == r[((0,), (1,), 0)]
    assert r[((1,), (0,), 0)] == Fraction(1, 4) and r[((1,), (0,), 1)] == 0


# ----------------------------------------------------------------------------- closed forms
def test_closed_forms_n1_m1():
    # n = 1, the four functions F = 0 (0), 1 (~x0), 2 (x0), 3 (1), uniform law, m = 1.
    # s = 0: the symbol is b = f(x). Constants give a point mass, x0 and ~x0 give (1/2, 1/2);
    #   pi W = (1/2, 1/2), so I = H(pi W) - mean_f H(W_f) = ln 2 - (0 + ln 2 + ln 2 + 0)/4 = ln 2 / 2,
    #   D(const || pi W) = ln 2 and D(x0 || pi W) = 0.
    # s = 1: the symbol is (a, f(a)) with a uniform: W_f is uniform on 2 symbols (H = ln 2) and
    #   pi W uniform on the 4 symbols (H = 2 ln 2): I = ln 2 and every D_f = ln 2.
    T = family_tables("all", 1)
    law = np.ones(4)
    c = exact_certificate(T, 1, 0, 1, law)
    half = lambda: arb.const_log2() / 2  # noqa: E731
    assert _contains(c["info"], half)
    for D, want in zip(c["div"], [arb.const_log2, lambda: arb(0), lambda: arb(0), arb.const_log2]):
        assert _contains(D, want)
    assert _contains(c["max_div"], arb.const_log2)
    assert c["lower_bits"] <= 0.5 <= c["lower_bits"] + 1e-15 and 1.0 <= c["upper_bits"] <= 1.0 + 1e-15
    c = exact_certificate(T, 1, 1, 1, law)
    assert _contains(c["info"], arb.const_log2) and _contains(c["max_div"], arb.const_log2)
    assert all(_contains(D, arb.const_log2) for D in c["div"])
    assert c["lower_bits"] <= 1.0 <= c["upper_bits"] and c["upper_bits"] - c["lower_bits"] < 1e-15


@pytest.mark.parametrize("m", [1, 2, 3])
def test_closed_form_n1_s1_any_m(m):
    # n = 1, s = 1, uniform over the 4 functions: each sample reveals f(a) at a uniform a, so
    # Bob learns f(0) and f(1) exactly when the m samples hit them; given Y the unseen values stay
    # uniform and independent: I = H(f) - E[#unseen] ln 2 = (2 - 2 * 2**-m) ln 2.
    c = exact_certificate(family_tables("all", 1), 1, 1, m, np.ones(4))
    assert _contains(c["info"], lambda: (2 - arb(2) ** (-m) * 2) * arb.const_log2())
    assert c["lower_bits"] <= 2 - 2.0 ** (1 - m) <= c["upper_bits"]


# ----------------------------------------------------------------------------- float64 cross-checks
@pytest.mark.parametrize("name, n, s, m", [("all", 2, 1, 1), ("all", 2, 1, 2), ("all", 2, 1, 3),
                                           ("all", 3, 1, 2), ("all", 2, 2, 2), ("thresholds", 3, 2, 2),
                                           ("symmetric", 3, 1, 3), ("intervals", 3, 1, 2)])
def test_info_matches_float_enumeration(name, n, s, m):
    T = family_tables(name, n)
    w = np.full(len(T), 1.0 / len(T))
    c = exact_certificate(T, n, s, m, np.ones(len(T)))
    info = float(c["info"].mid())
    assert abs(info - _exact_family_mi(T, n, s, m, w) * math.log(2)) < 1e-12   # raw sequences, no types
    assert abs(info - _type_information(T, n, s, m, w)) < 1e-12
    lo, hi = c["info_nats"]
    assert lo <= info <= hi and hi - lo < 1e-14
    assert c["lower_bits"] <= info / LN2 + 1e-15


@pytest.mark.parametrize("name, n, s, m", [("all", 2, 1, 2), ("all", 3, 1, 2), ("all", 3, 2, 2),
                                           ("thresholds", 3, 1, 3), ("intervals", 4, 2, 2)])
def test_identity_and_bound_for_random_laws(name, n, s, m):
    rng = np.random.default_rng(20240607)
    T = family_tables(name, n)
    for trial in range(3):
        law = rng.random(len(T)) ** 3
        if trial:
            law[rng.random(len(T)) < 0.3] = 0.0      # some members outside the support
        c = exact_certificate(T, n, s, m, law)
        pi = [Fraction(float(v)) / sum(Fraction(float(u)) for u in law) for v in law]
        with working_precision(PREC):
            mixed = sum((arb(flint.fmpq(p.numerator, p.denominator)) * D for p, D in zip(pi, c["div"]) if p),
                        arb(0))
        assert c["info"].overlaps(mixed) and (c["info"] - mixed).rad() < 1e-30
        assert c["info"] <= c["max_div"] or c["info"].overlaps(c["max_div"])
        assert c["info_nats"][0] <= c["max_div_nats"][1]
        assert c["lower_bits"] <= c["upper_bits"]
        assert abs(float(c["info"].mid()) - _type_information(T, n, s, m, np.array(pi, dtype=float))) < 1e-12


def test_point_mass_law_gives_zero_information_and_infinite_divergences():
    T = family_tables("all", 2)
    law = np.zeros(len(T))
    law[0] = 1.0                                      # the constant 0
    c = exact_certificate(T, 2, 1, 2, law)
    assert c["info"].is_zero() or (c["info"].contains(0) and c["info"].rad() < 1e-30)
    assert c["div"][0].is_zero() or c["div"][0].contains(0)
    assert not c["div"][1].is_finite() and c["div"][1] > 0
    assert c["max_div_nats"][1] == math.inf and c["upper_bits"] == math.inf
    assert c["lower_bits"] <= 0.0


# ----------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("name, n, s, m", [("all", 2, 1, 2), ("all", 3, 1, 2), ("symmetric", 3, 2, 2)])
def test_permuting_members_and_law_together(name, n, s, m):
    rng = np.random.default_rng(7)
    T = family_tables(name, n)
    law = rng.random(len(T))
    perm = rng.permutation(len(T))
    a = exact_certificate(T, n, s, m, law)
    b = exact_certificate(T[perm], n, s, m, law[perm])
    assert a["info"].overlaps(b["info"]) and abs(float(a["info"].mid() - b["info"].mid())) < 1e-30
    assert a["max_div"].overlaps(b["max_div"])
    assert all(a["div"][i].overlaps(D) for i, D in zip(perm, b["div"]))


def test_relabelling_coordinates_leaves_info_unchanged():
    # swapping x0 and x1 in every table maps each cell (S, a) to another cell of the same
    # probability, so I is the same for the law carried along
    n, s, m = 3, 1, 2
    T = family_tables("all", n)
    x = np.arange(1 << n)
    swapped = (x & ~3) | ((x & 1) << 1) | ((x >> 1) & 1)
    law = np.random.default_rng(3).random(len(T))
    a = exact_certificate(T, n, s, m, law)
    b = exact_certificate(T[:, swapped], n, s, m, law)
    assert a["info"].overlaps(b["info"])


# ----------------------------------------------------------------------------- other output laws
def test_divergences_to_an_arbitrary_law():
    n, s, m = 2, 1, 2
    T = family_tables("all", n)
    kept, types = type_space(T, n, s, m)
    assert len(kept) == 8 and len(types) == math.comb(8 + m - 1, m) and all(sum(k) == m for k in types)
    # the uniform law on types: D(W_f || U) = ln |types| - H(W_f)
    u = 1.0 / len(types)
    d = exact_divergences_to(T, n, s, m, lambda k: u)
    _, _, W = exact_channel(T, n, s, m)
    for row, D in zip(W, d["div"]):
        p = np.array([float(x.p) / float(x.q) for x in row])
        H = -sum(v * math.log(v) for v in p if v > 0)
        assert abs(float(D.mid()) - (-H - math.log(u))) < 1e-12
    # Q = pi W in float64, as a dict: close to the certificate's divergences
    law = np.ones(len(T))
    c = exact_certificate(T, n, s, m, law)
    PW = np.array([[float(x.p) / float(x.q) for x in row] for row in W]).mean(axis=0)
    d = exact_divergences_to(T, n, s, m, dict(zip(types, PW.tolist())))
    assert abs(d["mass"] - 1) < 1e-14
    for D, E in zip(c["div"], d["div"]):
        assert abs(float(D.mid() - E.mid())) < 1e-12
    assert d["upper_bits"] >= float(c["max_div"].mid()) / LN2 - 1e-12
    # a type missing from the dict has Q = 0: members reaching it get +inf
    d = exact_divergences_to(T, n, s, m, {types[0]: 1.0})
    assert d["upper_bits"] == math.inf


def test_precision_is_restored_and_input_checked():
    before = flint.ctx.prec
    exact_certificate(family_tables("all", 1), 1, 1, 1, np.ones(4))
    assert flint.ctx.prec == before
    with pytest.raises(ValueError):
        exact_certificate(family_tables("all", 1), 1, 1, 1, np.ones(3))
    with pytest.raises(ValueError):
        exact_certificate(family_tables("all", 1), 1, 1, 1, np.zeros(4))
    with pytest.raises(ValueError):
        exact_certificate(family_tables("all", 1), 1, 2, 1, np.ones(4))
    assert flint.ctx.prec == before


def test_required_sizes_run_quickly():
    T = family_tables("all", 3)
    for s, m in [(1, 2), (1, 3), (2, 2)]:
        c = exact_certificate(T, 3, s, m, np.ones(len(T)))
        assert c["n_types"] == math.comb(c["n_symbols"] + m - 1, m)
        assert c["n_symbols"] == 2 * math.comb(3, s) * 2 ** s
        assert 0 < c["lower_bits"] <= c["upper_bits"] < math.inf
