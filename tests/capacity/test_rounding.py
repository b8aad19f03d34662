"""The certificate rounded outward (capacity._rounding): it contains the exact values, checked in
ball arithmetic, and it is barely wider than the float64 one."""
import math

import numpy as np
import pytest

from capacity import blahut_arimoto, certify_input
from capacity._rounding import (LD, outward_certificate, outward_information, outward_max, outward_scale, round_down,
                                 round_up)

flint = pytest.importorskip("flint")


def _exact(W, p, bonus=None):
    """F(p / sum p) and max_x D_x, as arb balls at 256 bits, from the float64 numbers as given."""
    old = flint.ctx.prec
    flint.ctx.prec = 256
    try:
        nx, ny = W.shape
        P = [flint.arb(float(v)) for v in p]
        total = sum(P)
        P = [v / total for v in P]
        q = [sum((P[x] * flint.arb(float(W[x, y])) for x in range(nx)), flint.arb(0)) for y in range(ny)]
        D = []
        for x in range(nx):
            d = flint.arb(0) if bonus is None else flint.arb(float(bonus[x]))
            for y in range(ny):
                if W[x, y] > 0:
                    w = flint.arb(float(W[x, y]))
                    d += w * (w.log() - q[y].log())
            D.append(d)
        F = sum((P[x] * D[x] for x in range(nx) if p[x] > 0), flint.arb(0))
        return F, D
    finally:
        flint.ctx.prec = old


def _channel(rng, nx, ny, zeros=0.3):
    W = rng.random((nx, ny)) ** 3
    W[rng.random((nx, ny)) < zeros] = 0.0
    W[:, 0] += 1e-3  # every row keeps an output
    return W / W.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(12))
def test_bounds_contain_the_exact_values(seed):
    # the float64 certificate misses its exact value by a few ulps in most of these draws (see the
    # last test); the outward one must contain it every time, and stay within 1e-14 of it
    rng = np.random.default_rng(seed)
    nx, ny = int(rng.integers(1, 10)), int(rng.integers(2, 25))
    W = _channel(rng, nx, ny)
    p = rng.random(nx)
    p[rng.random(nx) < 0.2] = 0.0
    p[0] += 0.01
    bonus = rng.normal(size=nx) if seed % 2 else None
    lo, up = outward_certificate(W[None], p[None], None if bonus is None else bonus[None])
    F, D = _exact(W, p, bonus)
    assert flint.arb(float(lo[0])) <= F.lower() and float(F.mid()) - lo[0] <= 1e-14
    unreached = (p @ W == 0) & (W > 0)  # a row putting mass where p's outputs never go: D = inf
    assert (up[0] == math.inf) == bool(unreached.any())
    if not unreached.any():
        top = max(D, key=lambda d: float(d.mid()))
        assert top.upper() <= flint.arb(float(up[0])) and up[0] - float(top.mid()) <= 1e-14


def test_float64_certificate_misses_where_the_outward_one_holds():
    # the reason for this module: the float64 bounds of the same p miss the exact value in some of
    # these draws; the outward ones never do
    from boolean._lib.array import neg_entropy_rows
    from capacity._solver import certificate

    rng = np.random.default_rng(7)
    missed = 0
    for _ in range(20):
        nx, ny = int(rng.integers(2, 10)), int(rng.integers(2, 25))
        W, p = _channel(rng, nx, ny), rng.dirichlet(np.ones(nx))
        F, D = _exact(W, p)
        lo, up = certificate(np, W[None], neg_entropy_rows(np, W[None]), p[None])
        top = max((d.upper() for d in D), key=float)
        missed += not (flint.arb(float(lo[0])) <= F.lower() and top <= flint.arb(float(up[0])))
        olo, oup = outward_certificate(W[None], p[None])
        assert flint.arb(float(olo[0])) <= F.lower() and top <= flint.arb(float(oup[0]))
    assert missed >= 3


def test_closed_forms_are_contained():
    # float64 W with exactly representable entries: C(BEC(e)) = 1 - e and C(identity) = log2(n);
    # before the outward rounding, BEC(0.25) came back as lower = upper = 0.75 + 1.1e-16
    for e in (0.25, 0.5, 0.125):
        r = blahut_arimoto([[1 - e, e, 0.0], [0.0, e, 1 - e]])
        assert r.lower <= 1 - e <= r.upper and r.gap <= 1e-9
    for n in (2, 3, 4, 8):
        lo, up = certify_input(np.eye(n), np.full(n, 1.0 / n))
        assert lo <= math.log2(n) <= up and up - lo <= 8 * np.spacing(math.log2(n))


def test_unreached_output_and_bonus_error():
    W = np.eye(3)[None]
    lo, up = outward_certificate(W, np.array([[0.5, 0.5, 0.0]]), unit="bits")
    assert lo[0] <= 1.0 and 1.0 - lo[0] <= 4.5e-16 and up[0] == math.inf
    base = outward_certificate(W, np.full((1, 3), 1 / 3), np.zeros((1, 3)))
    wide = outward_certificate(W, np.full((1, 3), 1 / 3), np.zeros((1, 3)), bonus_err=1e-6)
    assert wide[0][0] <= base[0][0] - 1e-6 and wide[1][0] >= base[1][0] + 1e-6
    with pytest.raises(ValueError, match="non-negative laws"):
        outward_certificate(W, np.zeros((1, 3)))


def test_blocks_batches_and_torch_agree():
    rng = np.random.default_rng(3)
    W = np.stack([_channel(rng, 7, 11) for _ in range(3)])
    p = rng.dirichlet(np.ones(7), size=3)
    whole = outward_certificate(W, p)
    tiny = outward_certificate(W, p, block=5)  # many blocks across batch, rows and columns
    one = [outward_certificate(W[b:b + 1], p[b:b + 1]) for b in range(3)]
    for b in range(3):
        for k in range(2):
            assert whole[k][b] == pytest.approx(tiny[k][b], rel=1e-15, abs=0)
            assert whole[k][b] == one[b][k][0]
    torch = pytest.importorskip("torch")
    tw = outward_certificate(torch.as_tensor(W), torch.as_tensor(p))
    assert all(np.array_equal(a, b) for a, b in zip(tw, whole))


def test_directed_rounding():
    x = np.array([LD(1) / 3, -LD(1) / 3, LD(2) ** -70, LD(0)])
    d, u = round_down(x), round_up(x)
    assert np.all(d.astype(LD) <= x) and np.all(u.astype(LD) >= x)
    assert np.all(np.nextafter(d, np.inf).astype(LD) > x) or np.finfo(LD).eps == np.finfo(np.float64).eps
    assert d[3] == u[3] == 0.0
    lo, up = outward_scale(np.array([math.log(2)]), np.array([math.log(2)]))
    assert lo[0] <= 1.0 <= up[0] and up[0] - lo[0] <= 4.5e-16


def test_outward_max_bounds_every_output_law():
    # the weak-duality side alone, for output laws that are not pW (unnormalised on purpose)
    rng = np.random.default_rng(11)
    for _ in range(30):
        nx, ny = int(rng.integers(2, 6)), int(rng.integers(20, 60))
        W, q = _channel(rng, nx, ny, zeros=0.0), rng.random(ny) * 3
        bonus = rng.normal(size=nx)
        up = outward_max(W[None], q[None], bonus[None])[0]
        old = flint.ctx.prec
        flint.ctx.prec = 256
        try:
            qa = [flint.arb(float(v)) for v in q]
            total = sum(qa)
            top = max((flint.arb(float(bonus[x])) + sum(flint.arb(float(W[x, y])) * (flint.arb(float(W[x, y])).log()
                                                                                      - (qa[y] / total).log())
                                                     for y in range(ny) if W[x, y] > 0)
                       for x in range(nx)), key=lambda a: float(a.mid()))
            assert top.upper() <= flint.arb(float(up)) and up - float(top.mid()) <= 1e-14
        finally:
            flint.ctx.prec = old
    with pytest.raises(ValueError, match="non-negative output laws"):
        outward_max(np.eye(2)[None], np.zeros((1, 2)))


@pytest.mark.parametrize("beta", [0.5, 0.25, 0.125, 0.1])
def test_capacity_cost_contains_the_closed_form(beta):
    # the noiseless binary channel with costs (0, 1): C(beta) = h(min(beta, 1/2)) bits; before the
    # outward rounding, beta = 1/8 and 1/10 came back as lower = upper, on the wrong side of C
    from capacity import capacity_cost

    r = capacity_cost(np.eye(2), [0.0, 1.0], beta)
    old = flint.ctx.prec
    flint.ctx.prec = 256
    try:
        p = flint.arb(min(beta, 0.5))
        h = -(p * p.log() + (1 - p) * (1 - p).log()) / flint.arb(2).log()
        assert flint.arb(r.lower) <= h.lower() and h.upper() <= flint.arb(r.upper) and r.gap <= 1e-14
    finally:
        flint.ctx.prec = old


@pytest.mark.parametrize("ny", [3, 5, 6, 7, 10, 12, 24, 100, 1000])
def test_outward_max_at_its_own_row(ny):
    # q equal to the row W_0 (uniform on ny outputs): D = S ln S exactly, S = sum_y fl(1/ny), while
    # the float64 log of 1/ny errs the same way in every term, so the unwidened value lands below
    # the exact one for some ny
    W = np.full((1, 1, ny), 1.0 / ny)
    up = outward_max(W, W[:, 0, :])[0]
    old = flint.ctx.prec
    flint.ctx.prec = 256
    try:
        S = sum((flint.arb(1.0 / ny) for _ in range(ny)), flint.arb(0))
        exact = S * S.log()
        assert exact.upper() <= flint.arb(float(up)) and up - float(exact.mid()) <= 1e-14
    finally:
        flint.ctx.prec = old


def _h_arb(x):
    return -(x * x.log() + (1 - x) * (1 - x).log()) / flint.arb(2).log()


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("D", [0.01, 0.11, 0.25, 0.3])
def test_rate_distortion_contains_the_closed_form(k, D):
    # uniform source on k letters, Hamming distortion: R(D) = log2 k - h(D) - D log2(k - 1) bits for
    # D <= 1 - 1/k (Cover & Thomas 2006, Problem 10.5); both sides rounded outward must hold it
    from capacity import rate_distortion

    d = 1.0 - np.eye(k)
    r = rate_distortion(np.full(k, 1.0 / k), d, D)
    old = flint.ctx.prec
    flint.ctx.prec = 256
    try:
        Da = flint.arb(D)
        exact = flint.arb(k).log() / flint.arb(2).log() - _h_arb(Da)
        if k > 2:
            exact -= Da * flint.arb(k - 1).log() / flint.arb(2).log()
        assert flint.arb(r.lower) <= exact.lower() and exact.upper() <= flint.arb(r.upper)
        assert r.gap <= 1e-9 and r.distortion <= D
    finally:
        flint.ctx.prec = old


def test_rate_distortion_upper_pays_for_a_distortion_over_D():
    # a test channel whose normalised distortion lands above D by rounding is mixed with the
    # least-distortion channel: the upper bound grows by lambda ln(nz), lambda the share needed
    from capacity.distortion import _upper_outward

    p, d = np.full(2, 0.5), 1.0 - np.eye(2)
    Q = np.array([[0.9, 0.1], [0.1, 0.9]])
    on_target = _upper_outward(p, d, d.min(axis=1), 0.1, Q)
    below = _upper_outward(p, d, d.min(axis=1), 0.1 - 1e-12, Q)  # Q's distortion exceeds D by 1e-12
    lam = 1e-12 / 0.1
    assert below >= on_target + lam * math.log(2) * (1 - 1e-6) and below - on_target <= 2 * lam * math.log(2)


@pytest.mark.parametrize("D", [0.01, 0.05, 0.11, 0.2, 0.3, 0.45])
def test_rate_distortion_lower_bound_is_tight_and_below(D):
    # the binary symmetric source at its optimal slope s = ln((1 - D) / D) and output law r = (1/2, 1/2):
    # Blahut's lower bound equals R(D) = ln 2 - h_e(D) nats exactly, so its rounding shows
    from capacity.distortion import _lower_outward

    p, d = np.full(2, 0.5), 1.0 - np.eye(2)
    s = math.log((1 - D) / D)
    low = _lower_outward(p, d, d.min(axis=1), D, s, np.log(np.full(2, 0.5)))
    old = flint.ctx.prec
    flint.ctx.prec = 256
    try:
        Da = flint.arb(D)
        sa = flint.arb(s)  # the float slope as given: the bound holds for it, tight to O(s - s*)^2
        Z = (1 + (-sa).exp()) / 2  # Z_x = (e^0 + e^-s) / 2, c_z = 1
        exact = -sa * Da - Z.log()
        assert flint.arb(low) <= exact.lower() and float(exact.mid()) - low <= 1e-14
    finally:
        flint.ctx.prec = old


def test_outward_information_holds_the_exact_value_and_refuses_a_bad_entry_bound():
    # the interval around I(p; W) that rate_distortion's upper bound takes, against arb; and the
    # entry bound is refused outside [0, 0.01], where its first-order widening would not hold
    rng = np.random.default_rng(5)
    for _ in range(5):
        nx, ny = int(rng.integers(2, 8)), int(rng.integers(2, 20))
        W, p = _channel(rng, nx, ny), rng.dirichlet(np.ones(nx))
        low, high = outward_information(W[None], p[None])
        F, _ = _exact(W, p)
        assert flint.arb(float(low[0])) <= F.lower() and F.upper() <= flint.arb(float(high[0]))
        assert high[0] - low[0] <= 1e-14
        wide = outward_information(W[None], p[None], entry_rel=1e-6)
        assert wide[0][0] < low[0] - 1e-7 and wide[1][0] > high[0] + 1e-7
    for bad in (-1e-3, 0.02, float("nan")):
        with pytest.raises(ValueError, match="`entry_rel` must be in"):
            outward_certificate(np.eye(2)[None], np.full((1, 2), 0.5), entry_rel=bad)


def test_mean_upper_bounds_the_exact_mean_tightly():
    # exact rationals of the float64 numbers as given: the bound is above the mean of p / sum p and
    # within a few ulps of it, including where the float64 dot product rounds below the exact one
    from fractions import Fraction

    from capacity._rounding import mean_upper

    rng = np.random.default_rng(7)
    below = 0
    for n in (1, 2, 3, 7, 50, 1000):
        for _ in range(20):
            p = rng.random(n) * rng.choice([1.0, 1e-3, 1e5])
            v = rng.random(n) * 3
            exact = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(p, v)) / sum(
                Fraction(float(a)) for a in p)
            up = mean_upper(p, v)
            assert Fraction(up) >= exact and up - float(exact) <= 1e-14 * max(1.0, float(exact))
            below += Fraction(float(p @ v / p.sum())) < exact
    assert below > 0          # the plain float64 mean is below the exact one in some of these draws


def test_capacity_cost_law_meets_the_budget_exactly():
    # the returned law's exact cost (rationals, p normalised) meets the budget; before the law was
    # checked with a rigorous bound, 14 of 60 such draws came back a few 1e-17 over it
    from fractions import Fraction

    from capacity import capacity_cost

    rng = np.random.default_rng(1)
    for _ in range(30):
        nx, ny = rng.integers(2, 7), rng.integers(2, 7)
        W = rng.dirichlet(np.ones(ny), size=nx)
        b = rng.random(nx) * 3
        beta = float(b.min() + (b.mean() - b.min()) * rng.random())
        r = capacity_cost(W, b, beta, tol=1e-9)
        exact = sum(Fraction(float(x)) * Fraction(float(c)) for x, c in zip(r.p, b)) / sum(
            Fraction(float(x)) for x in r.p)
        assert exact <= Fraction(beta) and r.lower <= r.upper
        assert r.extra["expected_cost"] <= beta


def test_surely_feasible_mixes_in_the_cheapest_input_only_as_needed():
    from fractions import Fraction

    from capacity.cost_constrained import _surely_feasible

    b = np.array([0.0, 1.0, 3.0])
    p = np.array([0.2, 0.3, 0.5])
    exact = Fraction(0.3) + 3 * Fraction(0.5)       # 1.8 plus the float64 error of 0.3
    beta = float(exact)
    beta = beta if Fraction(beta) < exact else float(np.nextafter(beta, 0))   # just under the exact cost
    got = _surely_feasible(p.copy(), b, beta)
    cost = sum(Fraction(float(x)) * Fraction(float(c)) for x, c in zip(got, b)) / sum(Fraction(float(x)) for x in got)
    assert cost <= Fraction(beta) and np.abs(got - p).max() <= 1e-14
    assert _surely_feasible(p, b, 2.0) is p                            # feasible as it is: unchanged
    assert _surely_feasible(p, np.array([0.0, 1.0, 1.0]), 1.0) is p    # every used input affordable
    np.testing.assert_array_equal(_surely_feasible(np.array([0.0, 1.0]), np.array([0.0, 1.0]), 0.0), [1.0, 0.0])


@pytest.mark.parametrize("seed", range(3))
def test_entry_rel_certifies_the_channel_the_entries_stand_for(seed):
    # W is W* with every entry off by up to 1e-10 relative (rows still sum to 1 within 1e-9): with
    # entry_rel the bracket holds for W* at the returned law (ball arithmetic); without it, it misses
    rng = np.random.default_rng(seed)
    W_star = rng.dirichlet(np.ones(5), size=4)
    W = W_star * (1 + rng.uniform(-1e-10, 1e-10, W_star.shape))
    bonus_star = rng.uniform(0, 1, 4)
    bonus = bonus_star + rng.uniform(-1e-11, 1e-11, 4)
    r = blahut_arimoto(W, entry_rel=1.001e-10, bonus=bonus, bonus_err=np.full(4, 1.001e-11), tol=1e-6)
    plain = blahut_arimoto(W, bonus=bonus, tol=1e-12)            # tight: 1e-10 of entry error shows
    F, D = _exact(W_star, r.p, bonus_star * math.log(2))
    ln2 = flint.arb(2).log()
    assert flint.arb(r.lower) * ln2 <= F and max(D, key=lambda a: float(a.mid())) <= flint.arb(r.upper) * ln2
    F, D = _exact(W_star, plain.p, bonus_star * math.log(2))
    top = max(D, key=lambda a: float(a.mid()))
    assert not (flint.arb(plain.lower) * ln2 <= F and top <= flint.arb(plain.upper) * ln2)
    assert r.upper - r.lower <= 1e-6 and r.converged


def test_entry_rel_and_bonus_err_are_validated():
    W = np.eye(2)
    for bad, err, match in [({"entry_rel": -1e-3}, ValueError, "entry_rel"), ({"entry_rel": 0.02}, ValueError, "entry_rel"),
                            ({"entry_rel": "x"}, TypeError, "entry_rel"), ({"entry_rel": np.nan}, ValueError, "entry_rel"),
                            ({"bonus_err": [-1.0, 0.0]}, ValueError, "bonus_err"),
                            ({"bonus_err": [0.0, 0.0, 0.0]}, ValueError, "bonus_err"),
                            ({"bonus_err": [np.inf, 0.0]}, ValueError, "bonus_err"),
                            ({"bonus_err": "ab"}, (TypeError, ValueError), "bonus_err")]:
        with pytest.raises(err, match=match):
            blahut_arimoto(W, **bad)
    r = blahut_arimoto(W, entry_rel=0.0, bonus_err=[0.0, 0.0])          # zero error: the plain bracket
    assert r.lower <= 1.0 <= r.upper and r.gap <= 1e-14
