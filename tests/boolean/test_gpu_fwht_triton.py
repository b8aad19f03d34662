"""The Triton FWHT kernels (boolean._fwht_triton), run in CI through Triton's interpreter.

Each kernel runs on CPU tensors with TRITON_INTERPRET=1 (the ``triton_interpreted`` fixture of
tests/conftest.py) against the numba kernel and, for n <= 10, the brute-force Hadamard product
of test_fwht_kernels.py. Small tiles make the multi-pass plans (low pass + several high passes)
run at small n; the default tiles run at the sizes where they take one and two launches. The
data are integers with small partial sums, so every dtype is exact and the checks are equalities.
On a CUDA machine the compiled kernels are checked in test_fwht_kernels.py (marked gpu).
"""
import numpy as np
import pytest

from boolean import _fwht_numba, _fwht_torch
from tests.boolean.test_fwht_kernels import reference, small_ints

torch = pytest.importorskip("torch")
pytest.importorskip("triton")

DTYPES = [torch.int64, torch.float64, torch.float32]


@pytest.fixture
def kernels(triton_interpreted):
    return triton_interpreted("boolean._fwht_triton")


def numba_reference(x):
    want = np.ascontiguousarray(x, dtype=np.int64)
    _fwht_numba.fwht_inplace(want)
    return want


# (low_bits, tile_bits, cols), n: up to five passes; the interpreter runs programs one by one,
# so the sizes stay small (under a second each)
PLANS = [((3, 4, 2), n) for n in (0, 1, 2, 5, 8)] + [((2, 3, 1), 7), ((4, 6, 4), 10)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tiles, n", PLANS)
def test_multi_pass_plans_match_brute_force(kernels, rng, n, dtype, tiles):
    low_bits, tile_bits, cols = tiles
    x = small_ints(rng, (3, 1 << n))
    t = torch.from_numpy(x).to(dtype)
    y = kernels.fwht(t, low_bits=low_bits, tile_bits=tile_bits, cols=cols, num_warps=1)
    assert y.dtype == dtype and y.shape == t.shape
    np.testing.assert_array_equal(y.numpy().astype(np.int64), reference(x))  # |sums| <= 2**20: exact
    assert torch.equal(t, torch.from_numpy(x).to(dtype))  # input not modified


@pytest.mark.parametrize("n, dtype", [(12, torch.float32), (14, torch.int64), (15, torch.float64)])
def test_default_tiles_match_numba(kernels, rng, n, dtype):
    # n <= 14: the one-launch path; 15, 16: low pass + one high pass (the two-pass path of n <= 23)
    assert len(kernels.plan(n)) == (1 if n <= kernels.LOW_BITS else 2)
    x = 1 - 2 * rng.integers(0, 2, size=(2, 1 << n))  # ±1: |sums| <= 2**16, exact in float32
    y = kernels.fwht(torch.from_numpy(x).to(dtype))
    np.testing.assert_array_equal(y.numpy().astype(np.int64), numba_reference(x))


def test_float_rounding_matches_float64(kernels, rng):
    # random floats: float32 agrees with the float64 transform within 2**n float32 roundings
    n = 11
    x = rng.standard_normal((2, 1 << n))
    y = kernels.fwht(torch.from_numpy(x).float(), low_bits=6, tile_bits=7, cols=4, num_warps=1).double()
    want = _fwht_torch.fwht_butterfly(torch.from_numpy(x))
    # each output is a sum of 2**n terms: |error| <= n * 2**-24 * sum |x| (one rounding per stage)
    bound = n * 2.0**-24 * np.abs(x).sum(axis=1, keepdims=True)
    assert (np.abs((y - want).numpy()) <= bound).all()


@pytest.mark.parametrize("n, launches", [(1, 1), (14, 1), (15, 2), (23, 2), (24, 3), (28, 3)])
def test_default_plan_launches(n, launches):
    from boolean import _fwht_triton

    assert len(_fwht_triton.plan(n)) == launches


def test_dispatch_from_fwht_torch(kernels, rng, monkeypatch):
    # the `method="triton"` branch of _fwht_torch.fwht (CUDA-only in use) on a batched 3-D tensor
    monkeypatch.setattr(_fwht_torch, "_triton_fwht", lambda: kernels.fwht)
    x = small_ints(rng, (2, 3, 1 << 6))
    y = _fwht_torch.fwht(torch.from_numpy(x), method="triton")
    assert y.shape == x.shape
    np.testing.assert_array_equal(y.numpy(), reference(x))


def test_available_needs_cuda(kernels):
    assert kernels.available() == torch.cuda.is_available()


# The "auto" choice for a tensor off the CPU (CUDA in use) runs here on torch's meta device
# (shapes only, no values): each branch of the choice is taken, and the right kernel is called.
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_auto_off_the_cpu_without_triton(monkeypatch, dtype):
    calls = []
    real = _fwht_torch.xp_rows
    monkeypatch.setattr(_fwht_torch, "xp_rows", lambda x, **kw: calls.append("xp") or real(x, **kw))
    monkeypatch.setattr(_fwht_torch, "_triton_fwht", lambda: None)
    y = _fwht_torch.fwht(torch.zeros((2, 64), dtype=dtype, device="meta"))
    assert calls == ["xp"] and y.device.type == "meta" and y.shape == (2, 64)


@pytest.mark.parametrize("N, triton_called", [(1 << 12, True), (1 << 11, False)])
def test_auto_off_the_cpu_with_triton(monkeypatch, N, triton_called):
    calls = []
    monkeypatch.setattr(_fwht_torch, "_triton_fwht", lambda: lambda x: calls.append(x.shape) or x.clone())
    _fwht_torch.fwht(torch.zeros((1, N), device="meta"))
    assert calls == ([(1, N)] if triton_called else [])  # Triton from 2**12 values, else matmul


def test_numba_refuses_a_tensor_off_the_cpu():
    with pytest.raises(ValueError, match="`method`='numba' needs a CPU tensor"):
        _fwht_torch.fwht(torch.zeros(8, device="meta"), method="numba")
