"""fwht and fourier_coefficients against the definition, on every backend."""
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from boolean import fourier_coefficients, fwht, random_function

from . import reference as ref


@lru_cache(maxsize=None)
def _ref_coeffs(n, seed):
    f = random_function(n, seed=seed)
    return f, np.array([int(c * 2**n) for c in ref.fourier(f)], dtype=np.int64)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("dtype", ["int64", "int8", "bool", "float64", "float32"])
def test_fwht_matches_definition(backend, rng, n, dtype):
    name, device = backend
    if dtype == "bool":
        a = rng.integers(0, 2, (3, 2**n)).astype(bool)
    elif dtype.startswith("int"):
        a = rng.integers(-50, 50, (3, 2**n)).astype(dtype)
    else:
        a = rng.standard_normal((3, 2**n)).astype(dtype)
    before = a.copy()
    out = fwht(a, backend=name, device=device)
    want = np.array([ref.hadamard_apply(row.astype(np.float64 if dtype.startswith("float") else np.int64).tolist())
                     for row in a])
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(a, before)  # input never mutated
    if dtype in ("int64", "int8", "bool"):
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, want)  # integers are exact
    elif dtype == "float64":
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, want, rtol=0, atol=1e-12 * 2**n * 4)  # 2**n terms of size <= 4
    else:
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, want, rtol=0, atol=1e-5 * 2**n * 4)  # float32: ~2**-20 relative per add


def test_fwht_tensor_in_tensor_out(backend, rng):
    name, device = backend
    dev = device or "cpu"
    for dtype in (torch.float32, torch.float64, torch.int64, torch.int32, torch.bool):
        t = torch.as_tensor(rng.integers(0, 2, (2, 64))).to(device=dev, dtype=dtype)
        before = t.clone()
        out = fwht(t, backend=name, device=device)
        assert isinstance(out, torch.Tensor) and out.device == t.device
        want_dtype = dtype if dtype in (torch.float32, torch.float64) else torch.int64
        assert out.dtype == want_dtype
        assert torch.equal(t, before)
        want = fwht(before.cpu().numpy().astype(np.int64), backend="numpy")
        np.testing.assert_array_equal(out.cpu().numpy().astype(np.int64), want)  # 0/1 input: exact in every dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_fwht_out_and_in_place_equal_the_new_array_bitwise(backend, rng, dtype):
    name, device = backend
    a = (rng.standard_normal((3, 1 << 12)) * 8).astype(dtype)
    want = fwht(a, backend=name, device=device)
    out = np.empty_like(want)
    assert fwht(a, out=out, backend=name, device=device) is out
    np.testing.assert_array_equal(out, want)  # bitwise: the same operations in the same order
    inplace = a.copy()
    assert fwht(inplace, out=inplace, backend=name, device=device) is inplace
    np.testing.assert_array_equal(inplace, want)
    t = torch.as_tensor(a).to(device or "cpu")
    tout = torch.empty_like(t)
    assert fwht(t, out=tout, backend=name, device=device) is tout
    np.testing.assert_array_equal(tout.cpu().numpy(), fwht(t, backend=name, device=device).cpu().numpy())


def test_fwht_in_place_with_nan_raises(rng):
    a = rng.standard_normal(1 << 10)
    a[700] = np.nan
    with pytest.raises(ValueError, match=r"`a` must be finite; got NaN at \(700,\)"):
        fwht(a, out=np.empty_like(a))
    with pytest.raises(ValueError, match="`a` must be finite; got NaN or inf .* in place"):
        fwht(a, out=a)  # a is overwritten (documented), so the position cannot be named


def test_fwht_leading_axes_and_lists(backend, rng):
    name, device = backend
    a = rng.integers(-3, 4, (2, 3, 16))
    out = fwht(a, backend=name, device=device)
    assert out.shape == (2, 3, 16)
    np.testing.assert_array_equal(out.reshape(6, 16), fwht(a.reshape(6, 16), backend="numpy"))
    np.testing.assert_array_equal(fwht(a[0, 0].tolist(), backend=name, device=device), out[0, 0])


def test_fwht_int64_exact_near_the_overflow_limit():
    n = 10
    big = (2**63 - 1) // 2**n  # the largest |a| allowed
    a = np.full(2**n, big, dtype=np.int64)
    out = fwht(a, backend="numba")
    assert int(out[0]) == big * 2**n  # exact in int64
    assert not out[1:].any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [0, 3, 10])
def test_fwht_float_exact_at_the_overflow_limit(backend, n, dtype):
    # max|a| = finfo.max / 2**n is the largest allowed: a constant row transforms to
    # [2**n max|a|, 0, ...] = [finfo.max, 0, ...] and a spike to a constant row, without inf or
    # NaN; one ulp more is refused before any inf appears. The butterflies (numba, torch on CPU)
    # are exact here (every partial sum is 2**k max|a|, a float); numpy's 16-wide block product
    # (BLAS) sums in another order, with rounding errors of at most n eps 2**n max|a|.
    name, device = backend
    atol = 0.0 if name == "numba" else n * float(np.finfo(dtype).eps) * float(np.finfo(dtype).max)
    limit = dtype(np.finfo(dtype).max * 2.0**-n)
    const = np.full((2, 1 << n), limit, dtype=dtype)
    const[1] *= -1
    want = np.zeros_like(const)
    want[:, 0] = [np.finfo(dtype).max, -np.finfo(dtype).max]
    spike = np.zeros(1 << n, dtype=dtype)
    spike[0] = -limit
    for a, expect in ((const, want), (spike, np.full(1 << n, -limit, dtype=dtype))):
        t = torch.as_tensor(a).to(device or "cpu")
        for got in (fwht(a, backend=name, device=device), fwht(t, backend=name, device=device).cpu().numpy()):
            assert np.isfinite(got).all()
            np.testing.assert_allclose(got, expect, rtol=0, atol=atol)  # atol: see above
        if n == 0:
            continue  # above finfo.max is inf, refused as such
        above = a.copy()
        above.flat[0] = np.nextafter(above.flat[0], -np.inf if above.flat[0] < 0 else np.inf)
        with pytest.raises(ValueError, match=r"max\|a\| \* 2\*\*n <= .* cannot overflow"):
            fwht(above, backend=name, device=device)
        with pytest.raises(ValueError, match=r"max\|a\| \* 2\*\*n <= .* cannot overflow"):
            fwht(above, out=above, backend=name, device=device)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fwht_fast_path_equals_the_general_path_bitwise(rng, dtype):
    # C-contiguous float ndarrays take a short path; non-contiguous views, lists and explicit
    # outputs take the general one: the same kernel and operations, so bitwise the same answer
    a = rng.standard_normal((3, 1 << 11)).astype(dtype)
    fast = fwht(a)
    np.testing.assert_array_equal(fast, fwht(np.asfortranarray(a)))
    np.testing.assert_array_equal(fast, fwht(a, out=np.empty_like(a)))
    np.testing.assert_array_equal(fast, fwht(np.repeat(a, 2, axis=-1)[:, ::2]))  # a strided view
    np.testing.assert_array_equal(fast[1], fwht(a[1]))  # 1-D and 3-D inputs take their own entries
    np.testing.assert_array_equal(fwht(np.stack([a, a]))[1], fast)
    if dtype == np.float64:
        np.testing.assert_array_equal(fast[1], fwht(a[1].tolist()))
    np.testing.assert_array_equal(fast, fwht(a, backend="numba", max_bytes=a.nbytes))
    inplace = a.copy()
    assert fwht(inplace, out=inplace) is inplace
    np.testing.assert_array_equal(inplace, fast)
    readonly = a.copy()
    readonly.flags.writeable = False
    np.testing.assert_array_equal(fwht(readonly), fast)  # a read-only input is fine without out
    with pytest.raises(ValueError, match="`out` must be a writeable"):
        fwht(readonly, out=readonly)
    with pytest.raises(ValueError, match="fwht needs"):
        fwht(a, max_bytes=a.nbytes - 1)  # the one-copy plan, checked on the short path too
    view = a.copy()
    view[2, 5] = np.inf  # in place through another view of the same memory: still refused
    with pytest.raises(ValueError, match="`a` must be finite; got NaN or inf .* in place"):
        fwht(view, out=view[...])


@pytest.mark.parametrize("n", [0, 1, 4, 7, 10])
def test_fourier_coefficients_vs_reference(backend, n, seed):
    name, device = backend
    f, want = _ref_coeffs(n, seed)
    got = fourier_coefficients(f, exact=True, backend=name, device=device)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)  # exact integers 2**n ĝ(T)
    got = fourier_coefficients(f, backend=name, device=device)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want / 2**n)  # the float result is the exact quotient


def test_fourier_coefficients_batch_pm1_bool_and_tensor(backend, rng):
    name, device = backend
    f = rng.integers(0, 2, (4, 32)).astype(np.uint8)
    want = np.stack([fourier_coefficients(row, backend="numpy") for row in f])
    np.testing.assert_array_equal(fourier_coefficients(f, backend=name, device=device), want)
    np.testing.assert_array_equal(fourier_coefficients(f.astype(bool), backend=name, device=device), want)
    np.testing.assert_array_equal(fourier_coefficients(1 - 2 * f.astype(np.int64), domain="pm1", backend=name,
                                                       device=device), want)  # ±1 input: +1 <-> 0
    t = torch.as_tensor(f, device=device or "cpu")
    got = fourier_coefficients(t, backend=name, device=device)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64 and got.device == t.device
    np.testing.assert_array_equal(got.cpu().numpy(), want)
    got = fourier_coefficients(t, exact=True, backend=name, device=device)
    assert got.dtype == torch.int64


@pytest.mark.slow
def test_fourier_coefficients_float32_path_exact_at_n24():
    # torch uses float32 for n <= 24: every intermediate is an integer <= 2**24, exactly representable.
    f = random_function(24, seed=3)
    a = fourier_coefficients(f, exact=True, backend="torch")
    b = fourier_coefficients(f, exact=True, backend="numba")
    np.testing.assert_array_equal(a, b)


tables = st.integers(0, 8).flatmap(lambda n: arrays(np.uint8, 2**n, elements=st.integers(0, 1)))


@given(tables)
def test_parseval(f):
    c = fourier_coefficients(f, exact=True, backend="numba")
    assert int((c * c).sum()) == len(f) ** 2  # Σ (2**n ĝ)^2 = 4**n, exactly


@given(st.integers(0, 8).flatmap(lambda n: arrays(np.int64, 2**n, elements=st.integers(-2**20, 2**20))))
def test_fwht_involution(a):
    for name in ("numpy", "numba", "torch"):
        np.testing.assert_array_equal(fwht(fwht(a, backend=name), backend=name), len(a) * a)  # H H = 2**n I


@given(st.integers(0, 8).flatmap(lambda n: arrays(np.float64, 2**n, elements=st.floats(-1e3, 1e3))))
def test_fwht_float_backends_agree(a):
    want = fwht(a, backend="numpy")
    scale = 1e-12 * max(1.0, float(np.abs(a).sum()))
    for name in ("numba", "torch"):
        np.testing.assert_allclose(fwht(a, backend=name), want, rtol=0, atol=scale)  # reassociation only


def test_torch_spectrum_stays_exact_when_float32_matmuls_are_relaxed(monkeypatch):
    # a user enabling TF32/bf16 matmuls globally must not cost exactness: float64 is used then
    # (on the CPU the transform itself is numba's and exact either way, so the dtype handed to the
    # torch transform is what is checked)
    from boolean import _fwht_torch
    from boolean._transform import float32_exact as _float32_exact

    seen = []
    real = _fwht_torch.fwht
    monkeypatch.setattr(_fwht_torch, "fwht", lambda t, **k: seen.append(t.dtype) or real(t, **k))
    f = random_function(12, seed=4)
    want = fourier_coefficients(f, exact=True, backend="numpy")
    old = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("highest")
        assert _float32_exact(torch.device("cpu"))
        fourier_coefficients(f, backend="torch")
        torch.set_float32_matmul_precision("medium")
        assert not _float32_exact(torch.device("cpu"))
        got = fourier_coefficients(f, backend="torch")
    finally:
        torch.set_float32_matmul_precision(old)
    assert seen == [torch.float32, torch.float64]
    np.testing.assert_array_equal(got * 2**12, want)
