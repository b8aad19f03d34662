"""Shared validation (boolean._lib.validate) and capacity.normalize_rows: messages and refusals."""
import numpy as np
import pytest
import torch
from hypothesis import given

from capacity import normalize_rows
from boolean._lib.validate import check_channel, check_distribution

from .strategies import stochastic_matrices


def test_normalize_rows_values():
    # rows divided by their sums: (1, 3)/4 and (2, 2)/4, exact in binary
    np.testing.assert_array_equal(normalize_rows([[1, 3], [2, 2]]), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_array_equal(normalize_rows([1, 1, 2]), [0.25, 0.25, 0.5])
    out = normalize_rows(torch.tensor([[[2.0, 6.0]]]))  # output follows input: a float32 tensor
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), [[[0.25, 0.75]]])


@given(stochastic_matrices())
def test_normalize_rows_output_is_a_valid_channel_and_input_is_untouched(W):
    scaled = W * np.arange(1, W.shape[0] + 1)[:, None]
    before = scaled.copy()
    out = normalize_rows(scaled)
    np.testing.assert_array_equal(scaled, before)  # never mutated
    check_channel(out)  # rows sum to 1 within ROW_SUM_ATOL
    np.testing.assert_allclose(out, W, rtol=1e-14, atol=0)  # float64: one multiply, one divide


BAD = [
    ([[1.0, -2.0], [1.0, 1.0]], ValueError, r"^`W` must be non-negative; got -2\.0 at \(0, 1\)$"),
    ([1.0, np.nan], ValueError, r"^`W` must be finite; got NaN at \(1,\)$"),
    ([[1.0, 1.0], [0.0, 0.0]], ValueError, r"^`W` must have no all-zero row; row 1 sums to 0$"),
    ([[[1.0, 1.0], [0.0, 0.0]]], ValueError, r"row \(0, 1\) sums to 0"),
    ([0.0, 0.0], ValueError, "the vector sums to 0"),
    (3.0, ValueError, "`W` must have ndim >= 1; got a scalar 3.0"),
    (np.array(["a", "b"]), TypeError, "`W` must be a real numeric array"),
]


@pytest.mark.parametrize("W,exc,match", BAD)
def test_normalize_rows_bad_input(W, exc, match):
    with pytest.raises(exc, match=match):
        normalize_rows(W)


def test_messages_print_plain_floats():
    # values appear as Python floats, not numpy reprs such as np.float64(-0.5)
    with pytest.raises(ValueError, match=r"^`p` must be non-negative; got -0\.5 at \(1,\)$"):
        check_distribution([1.5, -0.5])
    with pytest.raises(ValueError, match=r"row 1 sums to 0\.90000000000000002"):
        check_channel([[1.0, 0.0], [0.5, 0.4]])


def _no_conversion(*args, **kwargs):
    raise AssertionError("the input was converted before the max_bytes check")


@pytest.mark.parametrize("module, attr, call", [
    ("capacity.exact", "check_channel", lambda W: __import__("capacity").capacity_cvxpy(W, max_bytes=10**6)),
    ("capacity.cost_constrained", "check_channel",
     lambda W: __import__("capacity").capacity_cost(W, np.zeros(W.shape[0]), 0.0, max_bytes=10**6)),
    ("capacity.cost_constrained", "check_channel",
     lambda W: __import__("capacity").capacity_cost_curve(W, np.zeros(W.shape[0]), [0.0], max_bytes=10**6)),
    ("capacity.distortion", "check_distribution",
     lambda W: __import__("capacity").rate_distortion(np.full(W.shape[0], 1 / W.shape[0]), W, 0.1,
                                                      max_bytes=10**6)),
    ("capacity.blahut_arimoto", "check_channel",
     lambda W: __import__("capacity").blahut_arimoto(W, max_bytes=10**6)),
])
def test_max_bytes_refused_before_the_float64_copy(monkeypatch, module, attr, call):
    # a 2048 x 2048 float32 view of one number: 32 MiB as float64, over max_bytes = 1e6 in every
    # solver's estimate; validation (the first float64 copy) must not run before the refusal
    import sys

    monkeypatch.setattr(sys.modules[module], attr, _no_conversion)
    W = np.broadcast_to(np.float32(1 / 2048), (2048, 2048))
    with pytest.raises(ValueError, match="max_bytes"):
        call(W)


def test_normalize_rows_does_not_overflow():
    """Rows whose sum overflows float64 are scaled first: [1e308, 1e308] is [0.5, 0.5], not zeros."""
    out = normalize_rows([[1e308, 1e308], [1, 1], [1e-320, 3e-320]])
    assert np.array_equal(out[:2], [[0.5, 0.5], [0.5, 0.5]])
    assert np.allclose(out[2], [0.25, 0.75], rtol=1e-3)  # subnormal inputs carry ~3 digits
    assert np.isfinite(out).all() and np.allclose(out.sum(axis=1), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", [2, 3, 100, 10**4])
def test_float32_rows_accepted_within_a_tolerance_scaled_to_the_dtype(n):
    # rows normalised in float32 sum to 1 within 1.6 eps32 once widened (measured up to 10^6
    # entries); the tolerance is 4 ulps of the input's dtype (1e-9 for float64, 4.8e-7 for float32)
    from boolean._lib.validate import ROW_SUM_ATOL, row_sum_atol

    rng = np.random.default_rng(n)
    W32 = rng.random((50, n)).astype(np.float32)
    W32 = W32 / W32.sum(axis=1, keepdims=True)
    out = check_channel(W32)
    assert out.dtype == np.float64 and np.array_equal(out, W32.astype(np.float64))
    assert row_sum_atol(np.float32) == 4 * np.finfo(np.float32).eps and row_sum_atol(np.float64) == ROW_SUM_ATOL
    assert row_sum_atol(torch.float32) == row_sum_atol(np.float32) and row_sum_atol(np.int64) == ROW_SUM_ATOL
    bad = W32.copy()
    bad[7, 0] += np.float32(1e-5)  # 20 ulps: still refused, with the row and the tolerance named
    with pytest.raises(ValueError, match=r"atol=4\.76837e-07\); row 7 sums to 1\.0000"):
        check_channel(bad)
    with pytest.raises(ValueError, match=r"atol=1e-09"):
        check_channel(W32.astype(np.float64) * (1 + 1e-8))  # float64 keeps its 1e-9


def test_float32_channel_capacity_on_numpy_and_torch():
    # a float32 channel is solved as the float64 matrix of its stored values: its capacity is within
    # a few times the row-sum error (<= 4.8e-7 per row) of the renormalised matrix's
    from capacity import blahut_arimoto

    W32 = np.random.default_rng(0).dirichlet(np.ones(5), size=4).astype(np.float32)
    W64 = normalize_rows(W32.astype(np.float64))
    ref = blahut_arimoto(W64)
    for W in (W32, torch.from_numpy(W32)):
        res = blahut_arimoto(W)
        assert res.converged and abs(res.capacity - ref.capacity) <= 4e-6
    with pytest.raises(ValueError, match=r"atol=4\.76837e-07"):
        blahut_arimoto(torch.from_numpy(W32 * np.float32(1.0001)))


@pytest.mark.parametrize("call, name", [
    (lambda m: __import__("boolean").fourier_coefficients(m([0, 1, 1, 0], [0, 1, 0, 0])), "f"),
    (lambda m: __import__("boolean").fwht(m([1.0, 2.0], [0, 1])), "a"),
    (lambda m: __import__("capacity").blahut_arimoto(m([[1.0, 0.0], [0.0, 1.0]], [[0, 1], [0, 0]])), "W"),
    (lambda m: __import__("capacity").mutual_information(m([0.5, 0.5], [1, 0]), np.eye(2)), "p"),
])
def test_masked_entries_are_refused_not_computed_with(call, name):
    # np.asarray keeps the values hidden under a mask: the shared conversion refuses them, naming the
    # argument, rather than computing with them; a masked array without masked entries is plain data
    with pytest.raises(TypeError, match=f"`{name}` is a masked array with masked entries"):
        call(lambda data, mask: np.ma.array(data, mask=mask))
    import boolean

    np.testing.assert_array_equal(boolean.fourier_coefficients(np.ma.array([0, 1, 1, 0])), [0, 0, 0, 1])
