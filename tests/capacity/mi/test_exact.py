"""Exact cases for the plug-in and quantised entropies (issue 5, section 3)."""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from scipy.stats import ortho_group

from capacity.mi import (discrete_entropy, discrete_mutual_information, offset_averaged_entropy,
                         quantized_output_entropy)
from capacity.mi._hashing import row_counts_numpy, row_counts_torch


def signed_cube(k):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=k)))


def brute_entropy_bits(rows):
    """Independent reference: Python dict counting of tuples."""
    counts = {}
    for r in map(tuple, np.asarray(rows).tolist()):
        counts[r] = counts.get(r, 0) + 1
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values())


@pytest.mark.parametrize("k", [1, 3, 6, 10])
def test_identity_orthogonal_scaled_maps_keep_k_bits(k, rng):
    x = signed_cube(k)
    q = ortho_group.rvs(k, random_state=rng) if k > 1 else np.array([[1.0]])
    for y in (x, x @ q.T, 1e3 * x, 1e-3 * (x @ q.T)):
        # outputs are distinct with min separation >= 2e-3; delta far finer: exact k bits
        r = quantized_output_entropy(y, 1e-7)
        assert r.value == pytest.approx(k, abs=1e-12)  # log2 of an exact power of two
        assert r.extra["n_distinct"] == 2**k
        assert r.lower == r.upper == r.value and r.stderr == 0.0
        assert quantized_output_entropy(y, 1e-7, units="nats").value == pytest.approx(k * math.log(2), abs=1e-12)


def test_constructed_collisions_counted_by_enumeration(rng):
    # f(x) = (x0 + x1, x2 * x3, x4) on {0,1}^5: collisions built in, reference by enumeration
    x = (np.arange(32)[:, None] >> np.arange(5)) & 1
    y = np.stack([x[:, 0] + x[:, 1], x[:, 2] * x[:, 3], x[:, 4]], axis=1).astype(float)
    r = quantized_output_entropy(y + 0.5, 1.0)  # codes = y exactly
    assert r.value == pytest.approx(brute_entropy_bits(y), abs=1e-12)
    # by hand: (x0+x1) in {0,1,2} w.p. 1/4,1/2,1/4 -> 1.5 bits; x2*x3 -> h(1/4); x4 -> 1 bit
    h14 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert r.value == pytest.approx(1.5 + h14 + 1.0, abs=1e-12)
    assert r.extra["n_distinct"] == 3 * 2 * 2
    # random integer tables with many collisions vs dict counting
    for _ in range(5):
        codes = rng.integers(0, 3, size=(500, 4))
        assert discrete_entropy(codes).value == pytest.approx(brute_entropy_bits(codes), abs=1e-12)


@pytest.mark.parametrize("m,j", [(12, 1), (12, 2), (12, 3), (12, 4), (12, 6), (64, 8), (1000, 10)])
def test_grid_of_m_points_with_delta_j_spacings(m, j):
    spacing = 0.37
    y = (np.arange(m) + 0.5) * spacing  # mid-cell points: floor is robust to rounding
    r = quantized_output_entropy(y, j * spacing)
    assert r.value == pytest.approx(math.log2(m / j), abs=1e-12)


def test_relative_delta_uses_layer_rms():
    y = np.array([[3.0, 4.0], [-3.0, -4.0], [0.0, 0.0], [1.0, 1.0]])
    rms = math.sqrt(np.mean(y * y))
    a = quantized_output_entropy(y, 0.5, relative=True)
    b = quantized_output_entropy(y, 0.5 * rms)
    assert a.extra["delta_abs"] == pytest.approx(0.5 * rms, rel=1e-15, abs=0.0)
    assert a.value == b.value
    zero = quantized_output_entropy(np.zeros((8, 3)), 0.1, relative=True)
    assert zero.value == 0.0


def test_entropy_never_exceeds_log_n_and_decreases_with_delta(rng):
    y = rng.standard_normal((4096, 3))
    vals = [quantized_output_entropy(y, d).value for d in (1e-6, 1e-3, 0.1, 0.5, 2.0, 100.0)]
    assert all(v <= 12 + 1e-12 for v in vals)
    # nested bins (powers-of-two ratios are not nested in general), but the trend is monotone here
    assert vals[0] == pytest.approx(12, abs=1e-12)
    assert vals[-1] <= vals[2] <= vals[0]


def test_torch_path_matches_numpy(rng):
    y = rng.standard_normal((3000, 4)) * 5
    for delta in (1e-4, 0.3, 2.0):
        a = quantized_output_entropy(y, delta)
        b = quantized_output_entropy(torch.as_tensor(y), delta, backend="torch")
        c = quantized_output_entropy(y, delta, relative=True, backend="torch")
        assert c.value == pytest.approx(quantized_output_entropy(y, delta, relative=True).value, abs=1e-12)
        assert a.value == pytest.approx(b.value, abs=1e-12)
        assert a.extra["n_distinct"] == b.extra["n_distinct"]


def test_hash_verification_falls_back_on_collisions(monkeypatch, rng):
    # force every row to the same hash: the verified path must detect it and still count exactly
    import capacity.mi._hashing as H

    codes = rng.integers(0, 4, size=(300, 3)).astype(np.int64)
    ref = np.unique(codes, axis=0, return_counts=True)[1]
    monkeypatch.setattr(H, "_hash_rows_numpy", lambda c: np.zeros(c.shape[0], dtype=np.uint64))
    assert sorted(H.row_counts_numpy(codes)) == sorted(ref)
    monkeypatch.setattr(H, "_MULT_I64", 0)  # torch: h = 0 for every row
    assert sorted(row_counts_torch(torch.as_tensor(codes)).tolist()) == sorted(ref)


def test_fused_quantise_hash_falls_back_on_collisions(monkeypatch, rng):
    import capacity.mi._kernels as K

    y = rng.standard_normal((400, 3))
    ref = quantized_output_entropy(y, 0.7).value
    assert ref == pytest.approx(brute_entropy_bits(np.floor(y / 0.7)), abs=1e-12)
    monkeypatch.setattr(K, "quantized_hash", lambda y, d: np.zeros(y.shape[0], dtype=np.uint64))
    assert quantized_output_entropy(y, 0.7).value == pytest.approx(ref, abs=1e-12)


def test_row_counts_match_numpy_unique(rng):
    codes = rng.integers(-5, 5, size=(2000, 3))
    ref = np.unique(codes, axis=0, return_counts=True)[1]
    assert sorted(row_counts_numpy(codes)) == sorted(ref)
    assert sorted(row_counts_torch(torch.as_tensor(codes)).tolist()) == sorted(ref)


def test_large_activations_are_coded_exactly():
    # y around 1e12 with delta 1: float64 floor(y/delta) is exact for integers below 2**53
    y = 1e12 + np.arange(16, dtype=float) + 0.5
    assert quantized_output_entropy(y, 1.0).value == pytest.approx(4.0, abs=1e-12)


def test_discrete_mi_against_joint_table(rng):
    x = rng.integers(0, 3, size=4000)
    y = (x + rng.integers(0, 2, size=4000)) % 3
    r = discrete_mutual_information(x, y)
    # reference from the empirical joint table
    p = np.zeros((3, 3))
    np.add.at(p, (x, y), 1)
    p /= p.sum()
    px, py = p.sum(1), p.sum(0)
    nz = p > 0
    ref = float((p[nz] * np.log2(p[nz] / np.outer(px, py)[nz])).sum())
    assert r.value == pytest.approx(ref, abs=1e-12)
    assert r.extra["h_x"] + r.extra["h_y"] - r.extra["h_xy"] == pytest.approx(r.value, abs=1e-15)
    # independent-by-construction table: plug-in MI is exactly 0 (not clipped, just exact)
    xs, ys = np.meshgrid(np.arange(4), np.arange(5))
    assert discrete_mutual_information(xs.ravel(), ys.ravel()).value == pytest.approx(0.0, abs=1e-12)
    assert discrete_mutual_information(x, y, units="nats").value == pytest.approx(ref * math.log(2), abs=1e-12)


@pytest.mark.parametrize("scale", [1e200, 1e-170, 1e-310])  # squares overflow / underflow to subnormals / to 0
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_relative_delta_survives_overflowing_and_underflowing_squares(scale, backend):
    y = scale * np.array([[1.0, -1.0], [3.0, 1.0], [-2.0, 0.0], [0.0, 0.0]])
    r = quantized_output_entropy(y, 1e-3, relative=True, backend=backend)
    rms = scale * math.sqrt(np.mean((y / scale) ** 2))  # exact up to rounding: y / scale is O(1)
    # at scale 1e-310, 1e-3 * rms ~ 1e-313 is subnormal (absolute spacing math.ulp(0.0) = 5e-324): allow
    # the rounding of two subnormal products; the default abs of 1e-12 would accept anything at 1e-170 too
    assert r.extra["delta_abs"] == pytest.approx(1e-3 * rms, rel=1e-12, abs=2 * math.ulp(0.0))
    assert r.value == pytest.approx(2.0, abs=1e-12)  # 4 distinct rows, far apart at delta = 1e-3 RMS


def test_inputs_not_mutated(rng):
    y = rng.standard_normal((100, 2))
    before = y.copy()
    quantized_output_entropy(y, 0.1, relative=True)
    assert np.array_equal(y, before)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_path_matches_numpy(rng):
    y = rng.standard_normal((50_000, 6))
    for delta in (1e-6, 0.05, 1.0):
        a = quantized_output_entropy(y, delta, relative=True)
        b = quantized_output_entropy(torch.as_tensor(y, device="cuda"), delta, relative=True)
        assert a.value == pytest.approx(b.value, abs=1e-12)
        assert a.extra["n_distinct"] == b.extra["n_distinct"]


# ------------------------------------------------------------------ the grid's offset


def brute_codes(numerators, q, u):
    """floor(y - u) for y = numerators / q, in exact rationals (u a Fraction or a tuple of them)."""
    us = u if isinstance(u, tuple) else (u,)
    return [tuple(math.floor(Fraction(int(v), q) - uj) for v, uj in zip(row, us))
            for row in np.atleast_2d(np.asarray(numerators).T).T.tolist()]


def brute_offset_profile(numerators, q):
    """H(floor(y - u)) at u = 0 and at the midpoints (k + 1/2)/q, k < q: every value the entropy takes
    (it only changes where u crosses a fractional part of y, a multiple of 1/q), and the average
    over u in [0, 1) (midpoint rule, exact for a function constant between multiples of 1/q)."""
    at0 = brute_entropy_bits(brute_codes(numerators, q, Fraction(0)))
    mids = [brute_entropy_bits(brute_codes(numerators, q, Fraction(2 * k + 1, 2 * q))) for k in range(q)]
    return at0, mids, sum(mids) / q


@pytest.mark.parametrize("q", [1, 4, 8, 16])
def test_offset_average_and_range_1d_against_exact_rationals(q, rng):
    # q a power of two: y = k / q is exact in float64, so the routine sees the rationals the reference
    # sees (with q = 7, 10/7 - 1 and 3/7 differ by an ulp: a real, tiny interval of offsets in between)
    for _ in range(5):
        num = rng.integers(-3 * q, 3 * q, size=rng.integers(1, 40))
        at0, mids, avg = brute_offset_profile(num, q)
        r = offset_averaged_entropy(num / q, 1.0)
        # float64 sums of <= 40 terms c log2 c, updated once per point: 1e-12 covers their rounding
        assert r.value == pytest.approx(avg, abs=1e-12)
        assert r.lower == pytest.approx(min([at0] + mids), abs=1e-12)
        assert r.upper == pytest.approx(max([at0] + mids), abs=1e-12)
        assert r.extra["anchored"] == pytest.approx(at0, abs=1e-12)
        assert r.extra["anchored"] == pytest.approx(quantized_output_entropy(num / q, 1.0).value, abs=1e-12)
        assert r.stderr == 0.0 and r.method == "offset-averaged-exact"


def test_offset_changes_the_value_and_the_docstring_case():
    y = np.array([0.1, 0.4, 1.2, 1.3])
    r = offset_averaged_entropy(y, 1.0)
    # by hand: 1 bit on [0, 0.1] and (0.4, 1); 1.5 bits on (0.1, 0.3]; h(1/4) on (0.3, 0.4]
    h14 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert r.value == pytest.approx(0.7 * 1.0 + 0.2 * 1.5 + 0.1 * h14, abs=1e-12)
    assert (r.lower, r.upper) == (pytest.approx(h14, abs=1e-12), 1.5)
    assert offset_averaged_entropy(y, 1.0, units="nats").value == pytest.approx(r.value * math.log(2), abs=1e-12)


def test_offset_average_of_a_product_set_is_the_sum_of_the_1d_averages(rng):
    # rows = all pairs (y1_i, y2_j): H(Q^u) = H1(u1) + H2(u2), so the average is avg1 + avg2 exactly
    q = 4  # y = k / 4 exact in float64
    n1, n2 = rng.integers(-10, 10, size=12), rng.integers(-10, 10, size=9)
    exact = brute_offset_profile(n1, q)[2] + brute_offset_profile(n2, q)[2]
    y = np.array([(a / q, b / q) for a in n1 for b in n2])
    r = offset_averaged_entropy(y, 1.0, n_offsets=200, seed=3)
    assert r.method == "offset-averaged-mc" and r.stderr > 0
    assert abs(r.value - exact) <= 4 * r.stderr  # a Monte Carlo mean: 4 SE (false alarm ~6e-5)
    assert r.lower <= exact <= r.upper
    assert r.extra["anchored"] == pytest.approx(quantized_output_entropy(y, 1.0).value, abs=1e-12)
    again = offset_averaged_entropy(y, 1.0, n_offsets=200, seed=3)
    assert again == r  # reproducible for a seed


def test_offset_bounds_hold_at_random_offsets_against_exact_rationals(rng):
    # the bounds are claimed for every offset: check them at offsets drawn independently of the routine
    q = 8
    for d, n in ((2, 30), (3, 60), (4, 200)):
        num = rng.integers(-2 * q, 2 * q, size=(n, d))
        r = offset_averaged_entropy(num / q, 1.0, n_offsets=16, seed=0)
        for _ in range(20):
            u = tuple(Fraction(int(k), 997) for k in rng.integers(0, 997, size=d))
            h = brute_entropy_bits(brute_codes(num, q, u))
            assert r.lower - 1e-12 <= h <= r.upper + 1e-12  # float64 entropies of <= 200 counts
        assert 0.0 <= r.lower <= r.extra["sampled_min"] <= r.extra["sampled_max"] <= r.upper <= math.log2(n)


def test_offset_average_at_fine_resolution_keeps_every_output():
    y = np.arange(64, dtype=float) * 1.37 + 0.2  # 1-D, separations 1.37 > delta: every offset gives 6 bits
    r = offset_averaged_entropy(y, 1.0)
    assert (r.value, r.lower, r.upper) == (pytest.approx(6.0, abs=1e-12), pytest.approx(6.0, abs=1e-12),
                                           pytest.approx(6.0, abs=1e-12))
    rel = offset_averaged_entropy(y, 0.5, relative=True)
    absolute = offset_averaged_entropy(y, 0.5 * math.sqrt(np.mean(y * y)))
    assert rel.value == pytest.approx(absolute.value, abs=1e-12)
    assert offset_averaged_entropy(np.zeros((5, 3)), 0.1, relative=True).value == 0.0
