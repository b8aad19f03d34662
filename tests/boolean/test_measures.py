"""Influences, spectral weights, degree, noise stability/sensitivity/operator, spectral_summary:
against brute force, closed forms and invariants, on every backend."""
import math
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from boolean import (and_, degree, dictator, influences, majority, noise_operator, noise_sensitivity,
                     noise_stability, or_, parity, random_function, spectral_summary, spectral_weights,
                     threshold, total_influence, tribes)

from . import reference as ref

RHOS = [Fraction(1, 3), Fraction(-1, 2), Fraction(0), Fraction(1), Fraction(-1)]


@lru_cache(maxsize=None)
def _case(n, seed):
    f = random_function(n, seed=seed)
    return f, ref.influences(f), ref.level_weights(f), ref.degree(f)


def _exact(values):
    return np.array([float(v) for v in values])


@pytest.mark.parametrize("n", [0, 1, 3, 6, 10])
def test_influences_and_levels_vs_reference(backend, n, seed):
    name, device = backend
    f, inf, w, deg = _case(n, seed)
    kw = dict(backend=name, device=device)
    # influences are exact counts / 2**n and the weights exact int sums / 4**n: equality, no tolerance
    np.testing.assert_array_equal(influences(f, **kw), _exact(inf))
    assert total_influence(f, **kw) == float(sum(inf))
    np.testing.assert_array_equal(spectral_weights(f, **kw), _exact(w))
    assert degree(f, **kw) == deg
    s = spectral_summary(f, **kw)
    np.testing.assert_array_equal(s.influences, _exact(inf))
    np.testing.assert_array_equal(s.weights, _exact(w))
    assert s.total_influence == float(sum(inf)) and s.degree == deg and s.n == n
    np.testing.assert_array_equal(s.coefficients * 2**n, [int(c * 2**n) for c in ref.fourier(f)])


@pytest.mark.parametrize("n", [1, 3, 5])
def test_noise_vs_reference(backend, n, seed):
    name, device = backend
    kw = dict(backend=name, device=device)
    f = random_function(n, seed=seed)
    rhos = np.array([float(r) for r in RHOS])
    stab = noise_stability(f, rhos, **kw)
    for r, got in zip(RHOS, stab):
        want = float(ref.noise_stability(f, r))
        assert got == pytest.approx(want, abs=1e-14)  # n + 1 float64 terms of size <= 1
        assert noise_stability(f, float(r), **kw) == pytest.approx(want, abs=1e-14)
        assert noise_sensitivity(f, float((1 - r) / 2), **kw) == pytest.approx(0.5 - 0.5 * want, abs=1e-14)
        np.testing.assert_allclose(noise_operator(f, float(r), **kw), _exact(ref.noise_operator(f, r)),
                                   rtol=0, atol=1e-14)  # 2**n terms of size <= 2**-n
    np.testing.assert_allclose(spectral_summary(f, **kw).noise_stability(rhos), stab, rtol=0, atol=0)


def test_batched_and_tensor_outputs(backend, rng):
    name, device = backend
    f = rng.integers(0, 2, (3, 64)).astype(np.uint8)
    kw = dict(backend=name, device=device)
    rows = [influences(r, backend="numpy") for r in f]
    np.testing.assert_array_equal(influences(f, **kw), np.stack(rows))
    assert total_influence(f, **kw).shape == (3,)
    assert degree(f, **kw).dtype == np.int64
    assert noise_stability(f, [0.1, 0.2], **kw).shape == (3, 2)
    assert noise_operator(f, 0.3, **kw).shape == (3, 64)
    t = torch.as_tensor(f, device=device or "cpu")
    for fn in (influences, total_influence, spectral_weights, degree):
        out = fn(t, **kw)
        assert isinstance(out, torch.Tensor) and out.device == t.device
        np.testing.assert_array_equal(out.cpu().numpy(), fn(f, backend="numpy"))
    out = noise_stability(t[0], 0.5, **kw)
    assert type(out) is float  # scalars are Python numbers, whatever the input (README conventions)
    s = spectral_summary(t, **kw)
    assert isinstance(s.coefficients, torch.Tensor) and s.coefficients.device == t.device
    assert isinstance(s.noise_stability(0.5), torch.Tensor)  # a batch: one value per table
    s1 = spectral_summary(t[0], **kw)
    assert type(s1.noise_stability(0.5)) is float and type(s1.degree) is int  # one table: Python numbers
    assert type(s1.total_influence) is float and isinstance(s1.noise_stability([0.5]), torch.Tensor)


def test_one_transform_per_call(backend, monkeypatch):
    # a routine needing several spectral quantities must not transform twice; the summary's
    # noise stability/sensitivity reuse its weights (no transform at all)
    import boolean.measures as measures

    name, device = backend
    calls = []
    real = measures.pm1_transform
    monkeypatch.setattr(measures, "pm1_transform", lambda *a, **k: calls.append(1) or real(*a, **k))
    f = random_function(7, seed=3, batch=2)
    kw = dict(backend=name, device=device)
    s = spectral_summary(f, **kw)
    s.noise_stability([0.2, 0.7])
    s.noise_sensitivity(0.1)
    assert len(calls) == 1
    for fn, args in ((spectral_weights, ()), (degree, ()), (noise_stability, ([0.1, 0.5],)),
                     (noise_sensitivity, (0.2,)), (noise_operator, (0.3,))):
        calls.clear()
        fn(f, *args, **kw)
        assert len(calls) == 1, fn.__name__
    calls.clear()
    influences(f, **kw)
    total_influence(f, **kw)
    assert calls == []  # influences are pair counts on the table, no transform


def test_spectral_summary_without_coefficients():
    s = spectral_summary(majority(5), coefficients=False)
    assert s.coefficients is None and s.degree == 5


def test_inputs_not_mutated(backend, rng):
    name, device = backend
    f = rng.integers(0, 2, 32).astype(np.uint8)
    before = f.copy()
    for fn in (influences, total_influence, spectral_weights, degree, spectral_summary):
        fn(f, backend=name, device=device)
    noise_operator(f, 0.5, backend=name, device=device)
    np.testing.assert_array_equal(f, before)


# ------------------------------------------------------------------------- closed forms
def _maj_weights(n):
    """W^k[Maj_n] = C(n, k) ĝ_k^2, with ĝ_k = (-1)^((k-1)/2) C((n-1)/2, (k-1)/2) / C(n-1, k-1)
    * C(n-1, (n-1)/2) / 2^(n-1) for odd k (O'Donnell Thm 5.19), 0 for even k."""
    w = []
    top = Fraction(math.comb(n - 1, (n - 1) // 2), 2 ** (n - 1))
    for k in range(n + 1):
        if k % 2 == 0:
            w.append(Fraction(0))
        else:
            c = Fraction(math.comb((n - 1) // 2, (k - 1) // 2), math.comb(n - 1, k - 1)) * top
            w.append(math.comb(n, k) * c * c)
    return w


@pytest.mark.parametrize("n", [1, 3, 5, 9, 15])
def test_majority_closed_forms(backend, n):
    name, device = backend
    kw = dict(backend=name, device=device)
    f = majority(n)
    inf = Fraction(math.comb(n - 1, (n - 1) // 2), 2 ** (n - 1))
    np.testing.assert_array_equal(influences(f, **kw), np.full(n, float(inf)))  # exact dyadic rational
    w = _maj_weights(n)
    assert sum(w) == 1
    np.testing.assert_allclose(spectral_weights(f, **kw), _exact(w), rtol=0, atol=1e-15)  # closed form rounded
    for rho in (0.3, -0.7, 0.99):
        want = float(sum(Fraction(rho) ** k * wk for k, wk in enumerate(w)))
        assert noise_stability(f, rho, **kw) == pytest.approx(want, abs=1e-14)  # n + 1 float terms


@pytest.mark.parametrize("w,s", [(1, 1), (2, 3), (3, 2), (4, 3)])
def test_tribes_influence(backend, w, s):
    name, device = backend
    want = 2.0 ** -(w - 1) * (1 - 2.0**-w) ** (s - 1)  # dyadic rational, exact in float64 here
    np.testing.assert_array_equal(influences(tribes(w, s), backend=name, device=device), np.full(w * s, want))


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_parity_dictator_and_or(backend, n):
    name, device = backend
    kw = dict(backend=name, device=device)
    e = np.zeros(n + 1)
    e[n] = 1
    np.testing.assert_array_equal(spectral_weights(parity(n), **kw), e)
    np.testing.assert_array_equal(influences(parity(n), **kw), np.ones(n))
    assert noise_stability(parity(n), 0.5, **kw) == 0.5**n
    d = dictator(n, n - 1)
    np.testing.assert_array_equal(influences(d, **kw), np.eye(n)[n - 1])
    assert degree(d, **kw) == 1 and noise_stability(d, -0.25, **kw) == -0.25
    for f, mean in ((and_(n), 1 - 2.0 ** (1 - n)), (or_(n), 2.0 ** (1 - n) - 1)):
        np.testing.assert_array_equal(influences(f, **kw), np.full(n, 2.0 ** (1 - n)))
        w = spectral_weights(f, **kw)
        assert w[0] == mean**2  # ĝ(∅) = E[g]
        assert degree(f, **kw) == n
        # every other |ĝ(T)| = 2**(1-n): W^d = C(n, d) 4**(1-n)
        np.testing.assert_array_equal(w[1:], [math.comb(n, d) * 4.0 ** (1 - n) for d in range(1, n + 1)])


def test_constant_functions(backend):
    name, device = backend
    for f in (np.zeros(16, np.uint8), np.ones(16, np.uint8)):
        assert degree(f, backend=name, device=device) == 0
        assert total_influence(f, backend=name, device=device) == 0.0
        assert noise_stability(f, 0.3, backend=name, device=device) == 1.0


# ------------------------------------------------------------------------ n = 24 exactness
@pytest.fixture(scope="module")
def sym24():
    # f = [Σ x_i >= 13] on 24 bits: Inf_i = P[Σ_{j != i} x_j = 12] = C(23, 12) / 2**23
    return threshold(np.ones(24), 13)


@pytest.mark.parametrize("name", ["numba", "torch", pytest.param("numpy", marks=pytest.mark.slow)])
def test_total_influence_exact_at_n24(sym24, name):
    inf = Fraction(math.comb(23, 12), 2**23)
    np.testing.assert_array_equal(influences(sym24, backend=name), np.full(24, float(inf)))
    assert total_influence(sym24, backend=name) == float(24 * inf)  # exact, no tolerance


@pytest.mark.parametrize("name", ["numba", pytest.param("torch", marks=pytest.mark.slow),
                                  pytest.param("numpy", marks=pytest.mark.slow)])
def test_spectrum_exact_at_n24(sym24, name):
    s = spectral_summary(sym24, backend=name)
    # every W^d = S_d / 4**24 with S_d an exact integer < 2**53, so these float identities are exact
    assert s.weights.sum() == 1.0
    assert float(np.arange(25) @ s.weights) == s.total_influence  # Σ d W^d = I, exactly
    # ĝ([n]) = 2^-n Σ_k C(n, k) (-1)^k (1 - 2[k >= 13]) = -2^(1-n) Σ_{k>=13} (-1)^k C(24, k)
    #        = 2^(1-n) C(23, 12)   (Σ_{k>=m} (-1)^k C(n, k) = (-1)^m C(n-1, m-1))
    top = Fraction(2 * math.comb(23, 12), 2**24)
    assert s.degree == 24 and s.weights[24] == float(top**2)
    assert s.coefficients[-1] == float(top)


# --------------------------------------------------------------------------- invariants
tables = st.integers(1, 8).flatmap(lambda n: arrays(np.uint8, 2**n, elements=st.integers(0, 1)))


@given(tables)
def test_influence_identities(f):
    s = spectral_summary(f)
    n = s.n
    c = s.coefficients
    T = np.arange(2**n)
    member = (T[None, :] >> np.arange(n)[:, None]) & 1
    # Inf_i = Σ_{T ∋ i} ĝ(T)^2 and I = Σ_T |T| ĝ(T)^2 (float sums of <= 2**8 terms)
    np.testing.assert_allclose(s.influences, member @ (c * c), rtol=0, atol=1e-12)
    assert s.total_influence == pytest.approx(float(member.sum(axis=0) @ (c * c)), abs=1e-12)
    assert s.total_influence == pytest.approx(float(s.influences.sum()), abs=1e-12)
    var = 1.0 - c[0] ** 2
    assert var <= s.total_influence + 1e-12  # Poincaré
    assert s.noise_stability(1.0) == pytest.approx(1.0, abs=1e-12)
    assert s.noise_stability(0.0) == pytest.approx(c[0] ** 2, abs=1e-15)
    assert s.noise_sensitivity(0.0) == pytest.approx(0.0, abs=1e-12)


@given(tables, st.floats(-1, 1))
def test_noise_operator_identities(f, rho):
    n = len(f).bit_length() - 1
    g = 1.0 - 2.0 * f
    t = noise_operator(f, rho)
    assert np.all(np.abs(t) <= 1 + 1e-12)
    assert float(g @ t) / 2**n == pytest.approx(noise_stability(f, rho), abs=1e-12)  # Stab = <g, T g>
    np.testing.assert_allclose(noise_operator(f, 1.0), g, rtol=0, atol=1e-12)
