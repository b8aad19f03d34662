"""capacity._validate: normalize_rows (public) and the messages of the shared checks."""
import numpy as np
import pytest
import torch
from hypothesis import given

from capacity import normalize_rows
from capacity._validate import check_channel, check_distribution

from .strategies import stochastic_matrices


def test_normalize_rows_values():
    # rows divided by their sums: (1, 3)/4 and (2, 2)/4, exact in binary
    np.testing.assert_array_equal(normalize_rows([[1, 3], [2, 2]]), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_array_equal(normalize_rows([1, 1, 2]), [0.25, 0.25, 0.5])
    out = normalize_rows(torch.tensor([[[2.0, 6.0]]]))
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [[[0.25, 0.75]]])


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
