"""The private FWHT kernels against a brute-force Hadamard matrix product.

The reference is independent of the kernels: H_n[x, T] = (-1)^popcount(x & T) built
entry by entry, then a plain matrix product (exact in int64).
"""
import numpy as np
import pytest

from boolean import _fwht_numba, _fwht_torch, _transform
from tests.conftest import cuda_only

torch = pytest.importorskip("torch")

DTYPES = [np.int64, np.float64, np.float32]
TORCH_DTYPES = {np.int64: torch.int64, np.float64: torch.float64, np.float32: torch.float32}


def hadamard_brute(n):
    """H_n[x, T] = (-1)^popcount(x & T), int64, by a double loop over x and T."""
    N = 1 << n
    H = np.empty((N, N), dtype=np.int64)
    for x in range(N):
        for T in range(N):
            H[x, T] = -1 if bin(x & T).count("1") % 2 else 1
    return H


HADAMARD = {n: hadamard_brute(n) for n in range(11)}


def reference(a):
    """Exact transform of the integer array ``a`` (..., 2**n) along its last axis."""
    n = a.shape[-1].bit_length() - 1
    return a.astype(np.int64) @ HADAMARD[n]


def small_ints(rng, shape):
    # |values| <= 2**10 so that every partial sum (<= 2**20) is exact in float32 too
    return rng.integers(-(2**10), 2**10, size=shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", range(11))
@pytest.mark.parametrize("batch", [1, 3])
def test_numba_matches_brute_force_exactly(rng, n, dtype, batch):
    x = small_ints(rng, (batch, 1 << n))
    a = x.astype(dtype)
    assert _fwht_numba.fwht_inplace(a) is None
    # integer-valued inputs with |partial sums| < 2**24: exact in every dtype, so equality
    np.testing.assert_array_equal(a, reference(x).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 3, 6, 7, 10])
def test_numba_parallel_rows_equal_serial(rng, n, dtype):
    x = small_ints(rng, (5, 1 << n)).astype(dtype)
    a, b = x.copy(), x.copy()
    _fwht_numba.fwht_inplace(a)
    _fwht_numba.fwht_inplace(b, parallel=True)
    np.testing.assert_array_equal(a, b)  # same operations per row: bitwise equal


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [5, 9, 10])
def test_numba_float_random_values(rng, n, dtype):
    x = rng.standard_normal((2, 1 << n))
    a = x.astype(dtype)
    _fwht_numba.fwht_inplace(a)
    exact = x.astype(dtype).astype(np.float64) @ HADAMARD[n]
    # n stages of rounding on values of size <= 2**n * max|x|: rtol n * eps relative to that scale
    eps = np.finfo(dtype).eps
    scale = np.abs(x).max() * 2.0**n
    np.testing.assert_allclose(a, exact, rtol=0, atol=4 * n * eps * scale)


@pytest.mark.parametrize("n", [13, 16, 18, 20])
def test_numba_large_pm1_exact_and_involution(rng, n):
    # ±1 inputs: every value is an exact integer; covers the cache blocks and memory passes
    x = 1 - 2 * rng.integers(0, 2, size=(1, 1 << n))
    a = x.copy()
    _fwht_numba.fwht_inplace(a)
    f = x.astype(np.float64)
    _fwht_numba.fwht_inplace(f)
    np.testing.assert_array_equal(f, a.astype(np.float64))  # float64 exact below 2**53
    # independent check of a few coefficients by direct sums over x
    idx = np.arange(1 << n)
    for T in (0, 1, (1 << n) - 1, int(rng.integers(1 << n))):
        signs = 1 - 2 * (np.bitwise_count(idx & T) % 2).astype(np.int64)
        assert a[0, T] == int(x[0] @ signs)
    # H_n H_n = 2**n I
    _fwht_numba.fwht_inplace(a)
    np.testing.assert_array_equal(a, x * (1 << n))


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("block_bytes", [2**10, 2**16, 2**18, 2**20])
def test_numba_block_sizes_same_result(rng, block_bytes, wide):
    # n = 21 with blocks of 2**7 .. 2**17 int64 values: one to five depth-first radix-8 levels above
    # the block; every block size must give the plain radix-2 loop's result
    x = 1 - 2 * rng.integers(0, 2, size=(1, 1 << 21))
    want = x.copy()
    _fwht_numba.fwht_reference_loop(want)
    a = x.copy()
    _fwht_numba._fwht_rows(a, block_bytes, wide)
    np.testing.assert_array_equal(a, want)  # int64: exact
    y = x[0].astype(np.float64)
    out = np.empty_like(y)
    assert _fwht_numba._fwht_row_from(y, out, True, block_bytes, wide) == 1.0  # max|y|
    np.testing.assert_array_equal(out, want[0])  # ±1 sums below 2**53: exact in float64


@pytest.mark.parametrize("l1, want", [(None, 2**15), (0, 2**15), (48 * 2**10, 2**15), (32 * 2**10, 2**15),
                                      (2**10, 2**13), (80 * 2**10, 2**16), (2**21, 2**16)])
def test_block_bytes_is_the_l1_power_of_two_clamped(l1, want):
    assert _fwht_numba.block_bytes(l1) == want


def test_cache_size_reads_sysfs_text(tmp_path):
    for text, want in (("2048K\n", 2**21), ("1M", 2**20), ("524288", 2**19), ("", None), ("abcK", None)):
        p = tmp_path / "size"
        p.write_text(text)
        assert _fwht_numba._cache_size(str(p)) == want
    assert _fwht_numba._cache_size(str(tmp_path / "missing")) is None


def test_l1d_bytes_finds_the_level_1_data_cache(tmp_path):
    # sysfs lists caches as index0.. with level, type and size; the instruction cache is skipped
    for i, (level, kind, size) in enumerate([("1", "Instruction", "64K"), ("1", "Data", "48K"),
                                             ("2", "Unified", "2048K")]):
        d = tmp_path / f"index{i}"
        d.mkdir()
        (d / "level").write_text(level + "\n")
        (d / "type").write_text(kind + "\n")
        (d / "size").write_text(size + "\n")
    assert _fwht_numba._l1d_bytes(str(tmp_path)) == 48 * 2**10
    assert _fwht_numba._l1d_bytes(str(tmp_path / "missing")) is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_block_size_does_not_change_float_rounding(rng, dtype):
    # the block size and the tile width only regroup the radix-2 stages (same order for every
    # value), so random floats, whose sums do round, come out bitwise the same as the plain radix-2
    # loop for every block size, with 8- and 16-vector tiles; n = 7..20 covers every residue of
    # the stage counts mod 3 and rows smaller than a wide tile
    for n in (7, 8, 9, 10, 11, 13, 14, 17, 20):
        x = rng.standard_normal((1, 1 << n)).astype(dtype)
        want = x.copy()
        _fwht_numba.fwht_reference_loop(want)
        for block in (2**13, 2**15, 2**16, 2**19):
            for wide in (False, True):
                a = x.copy()
                _fwht_numba._fwht_rows(a, block, wide)
                np.testing.assert_array_equal(a, want)
                out = np.empty_like(x[0])
                _fwht_numba._fwht_row_from(x[0], out, True, block, wide)
                np.testing.assert_array_equal(out, want[0])


@pytest.mark.parametrize("itemsize", [8, 4])
def test_plan_splits_the_stages(itemsize):
    # t tile stages + (L - t) in-block stages + (n - L) radix-8 level stages = n, the levels in
    # threes; the wide tile is one stage more and used only to avoid a lone radix-2 pass in the block
    t0 = (8 * 64 // itemsize).bit_length() - 1
    for block in (2**13, 2**15, 2**16):
        lmax = (block // itemsize).bit_length() - 1
        for n in range(t0, 31):
            t, L = _fwht_numba._plan(n, itemsize, block, False)
            assert t == t0 and t <= L <= max(n, t0) and (L == n or ((n - L) % 3 == 0 and L >= lmax - 2))
            tw, Lw = _fwht_numba._plan(n, itemsize, block, True)
            assert Lw == L and tw == (t0 + 1 if L > t0 and (L - t0) % 3 == 1 else t0)


def test_numba_int64_large_values_exact(rng):
    n = 12
    x = rng.integers(-(2**50), 2**50, size=(2, 1 << n))  # |result| < 2**62: no overflow
    a = x.copy()
    _fwht_numba.fwht_inplace(a)
    np.testing.assert_array_equal(a, [[int(v) for v in row] for row in _object_transform(x)])


def _object_transform(x):
    """Exact transform with Python ints (object dtype): no overflow possible."""
    y = x.astype(object)
    N = y.shape[-1]
    h = 1
    while h < N:
        y = y.reshape(-1, N // (2 * h), 2, h)
        a, b = y[:, :, 0, :].copy(), y[:, :, 1, :].copy()
        y[:, :, 0, :], y[:, :, 1, :] = a + b, a - b
        h *= 2
    return y.reshape(x.shape)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [0, 1, 4, 6, 7, 10, 13, 16, 18, 20, 22])
@pytest.mark.parametrize("inplace", [False, True])
def test_numba_fwht_from_equals_inplace_bitwise(rng, n, dtype, inplace):
    # the fused kernel (used by the public fwht) does the in-place kernel's operations, its register
    # stage loading each tile from the source (or in place): bitwise the same result, source untouched
    # when not in place, every block size; it returns max|x|, exactly (a maximum rounds nothing)
    batch = 3 if n <= 16 else 1
    x = rng.standard_normal((batch, 1 << n)).astype(dtype)
    before = x.copy()
    want = x.copy()
    _fwht_numba.fwht_inplace(want)
    out = x if inplace else np.empty_like(x)
    assert _fwht_numba.fwht_from(x, out) == np.abs(before).max()
    np.testing.assert_array_equal(out, want)
    if not inplace:
        np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [5, 9, 12, 15, 17])
def test_numba_fwht_from_reads_only_the_source(rng, n, dtype):
    # a new output is filled by the register stage's stores alone: its previous contents (NaN here,
    # which would poison any sum that read them) never reach the result, a read-only source is
    # accepted, and neither the source's nor the output's offset from a cache line changes a bit
    # (8 to 16 bytes past a line, as malloc places arrays, and line-aligned)
    N = 1 << n
    x = rng.standard_normal(N).astype(dtype)
    want = x[None].copy()
    _fwht_numba.fwht_reference_loop(want)
    for src_off, dst_off in ((16, 0), (0, 16), (16, 16), (8, 32)):
        src = _at_line_offset(N, dtype, src_off)
        src[:] = x
        src.flags.writeable = False
        out = _at_line_offset(N, dtype, dst_off)
        out[:] = np.nan
        assert out.ctypes.data % 64 == dst_off and src.ctypes.data % 64 == src_off
        assert _fwht_numba.fwht_from(src, out) == np.abs(x).max()
        np.testing.assert_array_equal(out, want[0])
        np.testing.assert_array_equal(src, x)


def _at_line_offset(N, dtype, offset):
    """An array of N values starting ``offset`` bytes past a 64-byte cache line."""
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(N + 128 // itemsize, dtype)
    start = ((-raw.ctypes.data) % 64 + offset) // itemsize
    return raw[start:start + N]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [3, 6, 7, 10, 20])
@pytest.mark.parametrize("inplace", [False, True])
def test_numba_fwht_from_finds_the_largest_magnitude(rng, n, dtype, inplace):
    # every position of the register tile, later rows and blocks; NaN wins over inf, inf over
    # every finite value; subnormals and -0.0 are ordinary values
    N = 1 << n
    x = rng.standard_normal((2, N)).astype(dtype)
    x[0, :3] = [np.finfo(dtype).smallest_subnormal, -0.0, 1.0]
    positions = [(0, 0), (0, N - 1), (1, N // 2 + 1), (1, N - 1)] + [(1, p) for p in range(min(N, 17))]
    for row, pos in positions:
        for big in (-np.finfo(dtype).max, 1e3, np.inf, -np.inf):
            y = x.copy()
            y[row, pos] = big
            assert _fwht_numba.fwht_from(y, y if inplace else np.empty_like(y)) == abs(big)
            y = x.copy()
            y[row, pos] = big
            y[1 - row, (pos * 7) % N] = np.nan
            assert np.isnan(_fwht_numba.fwht_from(y, y if inplace else np.empty_like(y)))
    tiny = np.full((1, N), -np.finfo(dtype).smallest_subnormal, dtype=dtype)
    assert _fwht_numba.fwht_from(tiny, np.empty_like(tiny)) == np.finfo(dtype).smallest_subnormal
    zeros = np.zeros((1, N), dtype=dtype)
    assert _fwht_numba.fwht_from(zeros, zeros) == 0.0


def test_numba_reference_loop_agrees(rng):
    x = small_ints(rng, (2, 1 << 9))
    a = x.copy()
    _fwht_numba.fwht_reference_loop(a)
    np.testing.assert_array_equal(a, reference(x))


# ---------------------------------------------------------------- torch

TORCH_METHODS = ["auto", "matmul", "butterfly", "numba"]


@pytest.mark.parametrize("method", TORCH_METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 4, 7, 10])
def test_torch_matches_brute_force_cpu(rng, n, dtype, method):
    if method == "matmul" and dtype is np.int64:
        pytest.skip("matmul path is for floats")
    x = small_ints(rng, (2, 3, 1 << n))
    t = torch.from_numpy(x.astype(dtype))
    before = t.clone()
    y = _fwht_torch.fwht(t, method=method)
    assert y.dtype == t.dtype and y.device == t.device and y.shape == t.shape
    assert torch.equal(t, before)  # a new tensor; input untouched
    np.testing.assert_array_equal(y.numpy(), reference(x).astype(dtype))  # exact (see small_ints)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
def test_torch_matmul_every_pass_size(rng, k):
    n = 9
    x = small_ints(rng, (3, 1 << n))
    y = _fwht_torch.fwht_matmul(torch.from_numpy(x.astype(np.float64)), k=k)
    np.testing.assert_array_equal(y.numpy(), reference(x).astype(np.float64))


def test_hadamard_matrix_matches_brute_force():
    import array_api_compat.numpy as xnp
    import array_api_compat.torch as xt

    for k in range(7):
        np.testing.assert_array_equal(_transform.hadamard(xt, k, torch.int64, torch.device("cpu")).numpy(), HADAMARD[k])
        np.testing.assert_array_equal(_transform.hadamard(xnp, k, np.float32), HADAMARD[k])


@pytest.mark.parametrize("xp_name", ["numpy", "torch"])
def test_xp_rows_integers_exact_on_both_sides_of_the_float64_route(rng, xp_name):
    # max|x| 2**n <= 2**53: float64 matmul passes (every partial sum an integer below 2**53, exact);
    # above: int64 butterflies. Both must equal the exact object-integer transform.
    n = 10
    at_bound = (1 - 2 * rng.integers(0, 2, size=(2, 1 << n))) * 2 ** (53 - n)
    at_bound[0] = 2 ** (53 - n)  # its T = 0 coefficient is 2**53 itself
    above = rng.integers(-(2**50), 2**50, size=(2, 1 << n))  # 2**60: butterflies
    for x in (at_bound, above):
        a = torch.from_numpy(x.copy()) if xp_name == "torch" else x.copy()
        y = _transform.xp_rows(a)
        got = y.numpy() if xp_name == "torch" else y
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, [[int(v) for v in row] for row in _object_transform(x)])
        np.testing.assert_array_equal(x, a.numpy() if xp_name == "torch" else a)  # input untouched


def test_torch_non_contiguous_input(rng):
    x = small_ints(rng, (8, 1 << 6))
    t = torch.from_numpy(x.astype(np.float64))[::2]
    y = _fwht_torch.fwht(t, method="matmul")
    np.testing.assert_array_equal(y.numpy(), reference(x[::2]).astype(np.float64))


def test_torch_large_pm1_exact(rng):
    n = 18
    x = 1 - 2 * rng.integers(0, 2, size=(1, 1 << n))
    want = x.copy()
    _fwht_numba.fwht_inplace(want)  # itself checked above against direct sums
    for method in ("matmul", "butterfly"):
        dtype = torch.float64 if method == "matmul" else torch.int64
        y = _fwht_torch.fwht(torch.from_numpy(x).to(dtype), method=method)
        np.testing.assert_array_equal(y.numpy().astype(np.int64), want)  # ±1 sums are exact


@pytest.mark.parametrize("method, match", [
    ("bogus", "`method` must be one of"),
    ("triton", "`method` must be 'matmul' or 'butterfly' here"),
])
def test_torch_bad_method(method, match):
    if method == "triton" and torch.cuda.is_available():
        pytest.skip("Triton may be available on this machine")
    with pytest.raises(ValueError, match=match):
        _fwht_torch.fwht(torch.zeros(4), method=method)


def test_torch_matmul_refuses_int():
    with pytest.raises(ValueError, match="`method`='matmul' needs float32 or float64"):
        _fwht_torch.fwht(torch.zeros(4, dtype=torch.int64), method="matmul")


@pytest.mark.gpu
@cuda_only
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 5, 10, 12, 14])
def test_torch_cuda_matches_brute_force(rng, n, dtype):
    x = small_ints(rng, (3, 1 << n))
    for method in ("auto", "matmul", "butterfly"):
        if method == "matmul" and dtype is np.int64:
            continue
        t = torch.from_numpy(x.astype(dtype)).cuda()
        y = _fwht_torch.fwht(t, method=method)
        assert y.device == t.device and y.dtype == t.dtype
        if n <= 10:
            want = reference(x).astype(dtype)
        else:
            want = x.astype(dtype)
            _fwht_numba.fwht_inplace(want)
        np.testing.assert_array_equal(y.cpu().numpy(), want)  # exact: integer data, small sums


@pytest.mark.gpu
@cuda_only
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 6, 12, 13, 16, 21, 22])
def test_triton_matches_butterflies_cuda(rng, n, dtype):
    triton_mod = pytest.importorskip("boolean._fwht_triton")
    x = small_ints(rng, (2, 1 << n)) if n <= 10 else 1 - 2 * rng.integers(0, 2, size=(2, 1 << n))
    t = torch.from_numpy(x.astype(dtype)).cuda()
    want = _fwht_torch.fwht_butterfly(t)
    y = triton_mod.fwht(t)
    assert torch.equal(y, want)  # integer data, |sums| <= 2**22: exact in every dtype


@pytest.mark.parametrize("n", [1, 6, 12, 13, 20, 24, 28, 30])
def test_triton_plan_covers_every_bit_once(n):
    from boolean import _fwht_triton

    steps = _fwht_triton.plan(n)
    assert steps[0] == ("low", min(n, _fwht_triton.LOW_BITS))
    p = steps[0][1]
    for kind, start, k, cols in steps[1:]:
        assert kind == "high" and start == p and k >= 1
        assert (1 << k) * cols <= 1 << _fwht_triton.HIGH_TILE_BITS  # tile fits the register budget
        p += k
    assert p == n


def test_fwht_fast_path_keeps_the_default_max_bytes(monkeypatch):
    # the short path of fwht evaluates the size plan only for arrays near the default cap
    # (_FAST_NBYTES, derived from the plan and the cap); with both lowered together, an array above
    # the cap is still refused before allocating and one below it is transformed
    from boolean import fourier
    from boolean._lib import memory

    assert fourier._FAST_NBYTES * _transform.fwht_plan_bytes("numba", 1, 1) == memory.DEFAULT_MAX_BYTES
    monkeypatch.setattr(memory, "DEFAULT_MAX_BYTES", 4096)
    monkeypatch.setattr(fourier, "_FAST_NBYTES", 4096 / _transform.fwht_plan_bytes("numba", 1, 1))
    for out in (None, "a"):
        a = np.zeros(1024)
        with pytest.raises(ValueError, match=r"fwht needs 8\.0 KiB > max_bytes=4\.0 KiB"):
            fourier.fwht(a, out=a if out else None)
        b = np.ones(512)
        np.testing.assert_array_equal(fourier.fwht(b, out=b if out else None)[:2], [512.0, 0.0])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_fwht_cpu_tensor_route_equals_the_ndarray_call_bitwise(rng, dtype):
    # CPU float tensors go through the fused numba kernel on numpy views of the tensors: the same
    # operations as the ndarray call, so bitwise the same, on every route (new output, out=a,
    # a separate out, a non-contiguous or negative-bit input, an overlapping out, requires_grad)
    from boolean import fwht

    x = torch.as_tensor(rng.standard_normal((3, 1 << 11))).to(dtype)
    want = fwht(x.numpy())
    before = x.clone()
    got = fwht(x)
    assert isinstance(got, torch.Tensor) and got.dtype == dtype and got.device == x.device
    np.testing.assert_array_equal(got.numpy(), want)
    assert torch.equal(x, before)  # not modified without out=x
    out = torch.empty_like(x)
    assert fwht(x, out=out) is out
    np.testing.assert_array_equal(out.numpy(), want)
    inplace = x.clone()
    ptr = inplace.data_ptr()
    assert fwht(inplace, out=inplace) is inplace and inplace.data_ptr() == ptr
    np.testing.assert_array_equal(inplace.numpy(), want)
    np.testing.assert_array_equal(fwht(x.T.contiguous().T).numpy(), want)  # a strided (column-major) view
    np.testing.assert_array_equal(fwht(torch._neg_view(-x)).numpy(), want)  # -(-x) through the neg bit
    grad = x.clone().requires_grad_(True)
    np.testing.assert_array_equal(fwht(grad).numpy(), want)
    # an out that overlaps the input (half a row shifted) gets the transform of the original input
    N = x.shape[-1]
    base = torch.cat([x[0], x[0]])
    overlap = base[N // 2:N // 2 + N]
    assert fwht(base[:N], out=overlap) is overlap
    np.testing.assert_array_equal(overlap.numpy(), want[0])


def test_fwht_cpu_tensor_route_refuses_like_the_ndarray_call():
    # the errors of the fused route: NaN named by position when the input is kept, and the
    # in-place message when it was overwritten; the overflow bound in both
    from boolean import fwht

    t = torch.zeros(1 << 10, dtype=torch.float64)
    t[700] = float("nan")
    with pytest.raises(ValueError, match=r"`a` must be finite; got NaN at \(700,\)"):
        fwht(t)
    with pytest.raises(ValueError, match="`a` must be finite; got NaN or inf .* in place"):
        fwht(t, out=t)
    big = torch.full((1 << 10,), float(np.finfo(np.float32).max), dtype=torch.float32)
    for out in (None, big):
        with pytest.raises(ValueError, match=r"max\|a\| \* 2\*\*n <= .* cannot overflow"):
            fwht(big, out=out)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fwht_new_arrays_start_on_a_cache_line(rng, dtype):
    # new outputs from ALIGN_BYTES up start on a 64-byte line (the register tiles' vector size),
    # whatever the number of axes, by the ndarray short path, the general path and CPU tensors; every
    # result (smaller ones too) is a writeable C-contiguous array of the input's shape with the
    # in-place call's bits
    from boolean import fourier

    for shape in ((1,), (1 << 4,), (1 << 10,), (1 << 16,), (3, 1 << 15), (2, 2, 1 << 14), (5, 3, 1 << 3),
                  (1 << 15,)):
        x = rng.standard_normal(shape).astype(dtype)
        want = x.copy()
        fourier.fwht(want, out=want)
        tensor = fourier.fwht(torch.from_numpy(x)).numpy()
        for y in (fourier.fwht(x), fourier.fwht(np.asfortranarray(x)), tensor):  # short, general, tensor
            if x.nbytes >= _fwht_numba.ALIGN_BYTES:
                assert y.ctypes.data % _fwht_numba.LINE == 0
            assert y.flags.c_contiguous and y.flags.writeable
            assert y.shape == shape and y.dtype == dtype
            np.testing.assert_array_equal(y, want)


def test_fwht_cpu_tensor_output_ignores_torch_default_device(rng):
    # the output tensor is made on the input's device (the CPU), not on torch's default device
    from boolean import fwht

    x = torch.as_tensor(rng.standard_normal(1 << 8))
    want = fwht(x.numpy())
    torch.set_default_device("meta")
    try:
        got = fwht(x)
    finally:
        torch.set_default_device(None)
    assert got.device.type == "cpu"
    np.testing.assert_array_equal(got.numpy(), want)


def test_fwht_cpu_tensor_short_path_keeps_the_general_checks(rng):
    # CPU float tensors skip backend resolution; the size plan (the torch backend's, 4 copies),
    # the empty-input error, and tensor subclasses (the general path) behave as before
    from boolean import fwht

    t = torch.zeros(1024, dtype=torch.float64)
    for out in (None, t):
        with pytest.raises(ValueError, match=r"fwht needs 32\.0 KiB > max_bytes"):
            fwht(t, out=out, max_bytes=16384)
    with pytest.raises(ValueError, match="`a` must be non-empty"):
        fwht(torch.zeros((0, 4)))
    x = rng.standard_normal(1 << 6)
    p = torch.nn.Parameter(torch.as_tensor(x))
    got = fwht(p)
    assert type(got) is torch.Tensor and not got.requires_grad
    np.testing.assert_array_equal(got.detach().numpy(), fwht(x))


def test_wide_tiles_only_when_compiling_for_the_host(monkeypatch):
    # 16-vector tiles need AVX-512's 32 registers: never assumed for a named (portable) target
    import numba

    monkeypatch.setattr(numba.config, "CPU_NAME", "generic")
    assert _fwht_numba._has_avx512() is False
    monkeypatch.setattr(numba.config, "CPU_NAME", None)
    assert isinstance(_fwht_numba._has_avx512(), bool)


@pytest.mark.parametrize("dtype", [np.int64, np.float64, np.float32])
def test_shared_butterfly_row_equals_the_sylvester_matrix(rng, dtype):
    # boolean._lib.butterfly.fwht_row (the short rows here, the level channels' spectra in capacity) against
    # the definition: H_N v with Sylvester's H_N; small integers, so every dtype is exact
    from scipy.linalg import hadamard

    from boolean._lib.butterfly import fwht_row

    for n in range(0, 9):
        v = rng.integers(-4, 5, 1 << n).astype(dtype)
        got = v.copy()
        fwht_row(got)
        assert np.array_equal(got, hadamard(1 << n, dtype=np.int64) @ v.astype(np.int64))
