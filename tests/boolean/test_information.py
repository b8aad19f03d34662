"""retained_information and its profile against brute-force entropies, on every backend."""
import math
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from boolean import (dictator, influences, parity, random_function, retained_information,
                     retained_information_profile)

from . import reference as ref


@lru_cache(maxsize=None)
def _profile_case(n, seed):
    f = random_function(n, seed=seed)
    return f, np.array(ref.retained_profile(f))


@pytest.mark.parametrize("n,unknown", [(0, []), (1, [0]), (3, [1]), (5, [0, 4]), (8, [7, 2, 3]), (8, range(8))])
def test_retained_information_vs_reference(backend, seed, n, unknown):
    name, device = backend
    f = random_function(n, seed=seed)
    want = ref.retained_information(f, list(unknown))
    got = retained_information(f, unknown, backend=name, device=device)
    assert isinstance(got, float)
    assert got == pytest.approx(want, abs=1e-12)  # sums of <= 2**8 entropy terms in float64


@pytest.mark.parametrize("n", [1, 4, 7])
def test_profile_exact_vs_reference(backend, seed, n):
    name, device = backend
    f, want = _profile_case(n, seed)
    p = retained_information_profile(f, backend=name, device=device)
    assert p.exact and p.samples is None and p.mean.shape == (n + 1,)
    np.testing.assert_allclose(p.mean, want, rtol=0, atol=1e-12)  # float64 entropy sums
    np.testing.assert_array_equal(p.stderr, 0.0)
    assert p.entropy == pytest.approx(want[0], abs=1e-12)


def test_profile_and_information_batch_and_tensor(backend, rng):
    name, device = backend
    f = rng.integers(0, 2, (3, 32)).astype(np.uint8)
    p = retained_information_profile(f, backend=name, device=device)
    assert p.mean.shape == (3, 6)
    for b in range(3):
        np.testing.assert_allclose(p.mean[b], ref.retained_profile(f[b]), rtol=0, atol=1e-12)
    t = torch.as_tensor(f, device=device or "cpu")
    out = retained_information(t, [1, 3], backend=name, device=device)
    assert isinstance(out, torch.Tensor) and out.shape == (3,) and out.device == t.device
    np.testing.assert_allclose(out.cpu().numpy(), [ref.retained_information(r, [1, 3]) for r in f],
                               rtol=0, atol=1e-12)


def test_profile_monte_carlo_agrees_with_exact(backend):
    name, device = backend
    f = random_function(9, seed=5)
    exact = retained_information_profile(f, backend="numba")
    mc = retained_information_profile(f, samples=16, seed=1, backend=name, device=device)
    assert not mc.exact and mc.samples == 16
    # levels with C(9, k) <= 16 are enumerated (stderr 0); the others must be within 5 standard errors
    assert np.all(np.abs(mc.mean - exact.mean) <= 5 * mc.stderr + 1e-12)
    assert mc.stderr[0] == 0 and mc.stderr[1] == 0 and mc.stderr[9] == 0 and mc.stderr[4] > 0
    again = retained_information_profile(f, samples=16, seed=1, backend=name, device=device)
    np.testing.assert_array_equal(again.mean, mc.mean)  # seeded: reproducible
    other = retained_information_profile(f, samples=16, seed=2, backend=name, device=device)
    assert not np.array_equal(other.mean, mc.mean)  # ... and the seed is used
    gen = retained_information_profile(f, samples=16, seed=np.random.default_rng(1), backend=name, device=device)
    np.testing.assert_array_equal(gen.mean, mc.mean)  # a Generator with the same seed draws the same sets


def test_profile_falls_back_to_monte_carlo_for_large_n():
    n = 17  # 3**17 > 3**16: not affordable exactly
    p = retained_information_profile(dictator(n), seed=0)
    assert not p.exact and p.samples == 32
    k = np.arange(n + 1)
    # I_K(dictator) = 1 if 0 not in K else 0: mean 1 - k/n; within 5 standard errors (or exact levels)
    assert np.all(np.abs(p.mean - (1 - k / n)) <= 5 * p.stderr + 1e-12)
    q = retained_information_profile(parity(n), samples=4, seed=0)
    np.testing.assert_array_equal(q.mean[1:], 0.0)  # every unknown bit destroys parity: no variance
    assert q.mean[0] == 1.0


@given(st.integers(1, 8).flatmap(lambda n: arrays(np.uint8, 2**n, elements=st.integers(0, 1))))
def test_conditional_entropy_given_rest_is_influence(f):
    n = len(f).bit_length() - 1
    H = retained_information(f, [])
    inf = influences(f)
    for i in range(n):
        # H(f(X) | X_{-i}) = H(f) - I(f(X); X_{-i}) = Inf_i (p in {0, 1/2, 1}: h = 0 or 1 exactly)
        assert H - retained_information(f, [i]) == pytest.approx(inf[i], abs=1e-12)
        assert ref.conditional_entropy_given_rest(f, i) == pytest.approx(inf[i], abs=1e-12)


@given(st.integers(1, 7).flatmap(lambda n: arrays(np.uint8, 2**n, elements=st.integers(0, 1))))
def test_profile_is_monotone_and_bounded(f):
    p = retained_information_profile(f)
    assert np.all(np.diff(p.mean) <= 1e-12)  # data processing: fewer known inputs, less information
    assert p.mean[-1] == pytest.approx(0.0, abs=1e-12)
    assert 0 <= p.mean[0] <= 1
    assert math.isclose(p.mean[0], p.entropy)


def test_profile_falls_back_to_monte_carlo_when_memory_is_short():
    f = random_function(8, seed=2)
    exact = retained_information_profile(f)
    # the conditional counts fit (3 bytes per entry with numba), the exact tables (32) do not
    mc = retained_information_profile(f, seed=3, max_bytes=9 * 256)
    assert exact.exact and not mc.exact and mc.samples == 32
    assert np.all(np.abs(mc.mean - exact.mean) <= 5 * mc.stderr + 1e-12)  # within 5 standard errors
