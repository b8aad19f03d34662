"""Bad-input table for every public function of capacity.mi (one row per parameter and failure)."""
import numpy as np
import pytest
import torch

from capacity.mi import (discrete_entropy, discrete_mutual_information, gaussian_channel_mi,
                         infonce_lower_bound, ksg_mutual_information, noisy_channel_mi,
                         offset_averaged_entropy, plugin_mi, quantized_output_entropy)
from tests.refusal import bad_input_test

X = np.random.default_rng(0).standard_normal((64, 2))
CODES = np.arange(8)

CASES = [
    # discrete_entropy
    (discrete_entropy, ([0.5, 1.5],), {}, TypeError, "`codes` must hold integer"),
    (discrete_entropy, (np.array(["a", "b"]),), {}, TypeError, "`codes` must hold integer"),
    (discrete_entropy, (np.zeros((2, 2, 2), int),), {}, ValueError, "`codes` must be 1-D"),
    (discrete_entropy, (np.zeros(0, int),), {}, ValueError, "`codes` must be non-empty"),
    (discrete_entropy, (CODES,), {"units": "dits"}, ValueError, "`units` must be one of"),
    (discrete_entropy, (CODES,), {"max_bytes": 10}, ValueError, "max_bytes"),
    # discrete_mutual_information
    (discrete_mutual_information, (CODES, CODES[:5]), {}, ValueError, "`y_codes` must have as many rows"),
    (discrete_mutual_information, (CODES * 0.5, CODES), {}, TypeError, "`x_codes` must hold integer"),
    (discrete_mutual_information, (CODES, None), {}, TypeError, "`y_codes` must hold integer"),
    (discrete_mutual_information, (CODES, CODES), {"units": 2}, ValueError, "`units` must be one of"),
    (discrete_mutual_information, (CODES, CODES), {"max_bytes": 10}, ValueError, "max_bytes"),
    (discrete_mutual_information, (CODES, np.zeros(8, np.uint64) + np.uint64(2**63)), {}, ValueError,
     "`y_codes` must fit in int64"),
    # quantized_output_entropy
    (quantized_output_entropy, (X, 0.0), {}, ValueError, "`delta` must be a finite number in \\(0"),
    (quantized_output_entropy, (X, -1.0), {}, ValueError, "`delta` must be"),
    (quantized_output_entropy, (X, float("nan")), {}, ValueError, "`delta` must be"),
    (quantized_output_entropy, (X, "0.1"), {}, TypeError, "`delta` must be a real number"),
    (quantized_output_entropy, (X, 1e-300), {}, ValueError, "2\\*\\*62"),
    (quantized_output_entropy, (np.array([[np.nan, 1.0]]), 0.1), {}, ValueError,
     "`outputs` must be finite; got NaN at \\(0, 0\\)"),
    (quantized_output_entropy, (np.zeros((2, 2, 2)), 0.1), {}, ValueError, "`outputs` must be 1-D"),
    (quantized_output_entropy, (np.zeros((0, 2)), 0.1), {}, ValueError, "`outputs` must be non-empty"),
    (quantized_output_entropy, (np.array(["x"]), 0.1), {}, TypeError, "`outputs` must be a real numeric"),
    (quantized_output_entropy, (X, 0.1), {"relative": "yes"}, TypeError, "`relative` must be a bool"),
    (quantized_output_entropy, (X, 0.1), {"units": "nat"}, ValueError, "`units` must be one of"),
    (quantized_output_entropy, (X, 0.1), {"max_bytes": 100}, ValueError, "max_bytes"),
    (quantized_output_entropy, (torch.tensor([[0.0, float("nan")]]), 0.1), {"backend": "torch"}, ValueError,
     "`outputs` must be finite; got NaN at \\(0, 1\\)"),
    (quantized_output_entropy, (torch.zeros((2, 2, 2)), 0.1), {"backend": "torch"}, ValueError,
     "`outputs` must be 1-D"),
    (quantized_output_entropy, (X, 0.1), {"backend": "numba"}, ValueError, "`backend` must be one of"),
    (quantized_output_entropy, (torch.zeros(4, dtype=torch.complex128), 0.1), {"backend": "torch"}, TypeError,
     "`outputs` must be a real tensor"),
    (quantized_output_entropy, (torch.as_tensor(X), 0.1), {"backend": "torch", "max_bytes": 100}, ValueError,
     "max_bytes"),
    # offset_averaged_entropy
    (offset_averaged_entropy, (X, 0.0), {}, ValueError, "`delta` must be a finite number in \\(0"),
    (offset_averaged_entropy, (X, "0.1"), {}, TypeError, "`delta` must be a real number"),
    (offset_averaged_entropy, (X, 1e-300), {}, ValueError, "2\\*\\*62"),
    (offset_averaged_entropy, (np.array([[np.nan, 1.0]]), 0.1), {}, ValueError, "`outputs` must be finite"),
    (offset_averaged_entropy, (np.zeros((2, 2, 2)), 0.1), {}, ValueError, "`outputs` must be 1-D"),
    (offset_averaged_entropy, (np.zeros((0, 2)), 0.1), {}, ValueError, "`outputs` must be non-empty"),
    (offset_averaged_entropy, (np.array(["x"]), 0.1), {}, TypeError, "`outputs` must be a real numeric"),
    (offset_averaged_entropy, (X, 0.1), {"relative": 1}, TypeError, "`relative` must be a bool"),
    (offset_averaged_entropy, (X, 0.1), {"n_offsets": 1}, ValueError, "`n_offsets` must be an integer in \\[2"),
    (offset_averaged_entropy, (X, 0.1), {"n_offsets": 8.0}, TypeError, "`n_offsets` must be an integer"),
    (offset_averaged_entropy, (X, 0.1), {"seed": -1}, ValueError, "`seed` must be an integer"),
    (offset_averaged_entropy, (X, 0.1), {"seed": "a"}, TypeError, "`seed` must be an integer"),
    (offset_averaged_entropy, (X, 0.1), {"units": "bit"}, ValueError, "`units` must be one of"),
    (offset_averaged_entropy, (X, 0.1), {"max_bytes": 100}, ValueError, "max_bytes"),
    # noisy_channel_mi
    (noisy_channel_mi, (X, 0.0), {}, ValueError, "`sigma` must be a finite number in \\(0"),
    (noisy_channel_mi, (X, None), {}, TypeError, "`sigma` must be a real number"),
    (noisy_channel_mi, (np.array([[1.0, np.inf]]), 1.0), {}, ValueError,
     "`points` must be finite; got inf at \\(0, 1\\)"),
    (noisy_channel_mi, (np.zeros((2, 2, 2)), 1.0), {}, ValueError, "`points` must be 1-D"),
    (noisy_channel_mi, (np.zeros((0, 2)), 1.0), {}, ValueError, "`points` must have at least 1 row"),
    (noisy_channel_mi, ("abc", 1.0), {}, TypeError, "`points` must be a real numeric"),
    (noisy_channel_mi, (X, 1.0), {"inputs": "continuous"}, ValueError, "`inputs` must be one of"),
    (noisy_channel_mi, (X, 1.0), {"n_mc": 1}, ValueError, "`n_mc` must be an integer in \\[2"),
    (noisy_channel_mi, (X, 1.0), {"n_mc": 10.5}, TypeError, "`n_mc` must be an integer"),
    (noisy_channel_mi, (X, 1.0), {"seed": -1}, ValueError, "`seed` must be an integer"),
    (noisy_channel_mi, (X, 1.0), {"bounds": 1}, TypeError, "`bounds` must be a bool"),
    (noisy_channel_mi, (X, 1.0), {"units": None}, ValueError, "`units` must be one of"),
    (noisy_channel_mi, (X, 1.0), {"max_bytes": 100}, ValueError, "max_bytes"),
    # ksg_mutual_information
    (ksg_mutual_information, (X, X[:10]), {}, ValueError, "`y` must have as many rows"),
    (ksg_mutual_information, (X, X), {"k": 0}, ValueError, "`k` must be an integer in \\[1, 63\\]"),
    (ksg_mutual_information, (X, X), {"k": 64}, ValueError, "`k` must be an integer in \\[1, 63\\]"),
    (ksg_mutual_information, (X, X), {"k": 2.0}, TypeError, "`k` must be an integer"),
    (ksg_mutual_information, (X[:1], X[:1]), {}, ValueError, "`x` must have at least 2 row"),
    (ksg_mutual_information, (np.array([np.nan, 1.0, 2.0]), X[:3]), {}, ValueError,
     "`x` must be finite"),
    (ksg_mutual_information, (X, "y"), {}, TypeError, "`y` must be a real numeric"),
    (ksg_mutual_information, (X, X), {"jitter": -1.0}, ValueError, "`jitter` must be"),
    (ksg_mutual_information, (X, X), {"seed": "a"}, TypeError, "`seed` must be an integer"),
    (ksg_mutual_information, (X, X), {"units": "bit"}, ValueError, "`units` must be one of"),
    (ksg_mutual_information, (X, X), {"max_bytes": 100}, ValueError, "max_bytes"),
    # infonce_lower_bound
    (infonce_lower_bound, (X, X[:10]), {}, ValueError, "`y` must have as many rows"),
    (infonce_lower_bound, (X, X), {"batch_size": 1}, ValueError, "`batch_size` must be an integer in \\[2, 32\\]"),
    (infonce_lower_bound, (X, X), {"batch_size": 33}, ValueError, "`batch_size` must be an integer in \\[2, 32\\]"),
    (infonce_lower_bound, (X, X), {"steps": 0, "batch_size": 8}, ValueError, "`steps` must be an integer"),
    (infonce_lower_bound, (X, X), {"hidden": 0, "batch_size": 8}, ValueError, "`hidden` must be an integer"),
    (infonce_lower_bound, (X, X), {"lr": 0.0, "batch_size": 8}, ValueError, "`lr` must be a finite number"),
    (infonce_lower_bound, (X, X), {"seed": None, "batch_size": 8}, TypeError, "`seed` must be an integer"),
    (infonce_lower_bound, (X, X), {"device": "nonsense", "batch_size": 8}, ValueError, "`device` must be"),
    (infonce_lower_bound, (X[:3], X[:3]), {}, ValueError, "`x` must have at least 4 row"),
    (infonce_lower_bound, (X, X), {"units": "b", "batch_size": 8}, ValueError, "`units` must be one of"),
    (infonce_lower_bound, (X, X), {"max_bytes": 100, "batch_size": 8}, ValueError, "max_bytes"),
    # gaussian_channel_mi
    (gaussian_channel_mi, (np.eye(2), np.eye(3), 1.0), {}, ValueError, "`Sigma` must have shape \\(2, 2\\)"),
    (gaussian_channel_mi, (np.eye(2), np.array([[1.0, 2.0], [0.0, 1.0]]), 1.0), {}, ValueError,
     "`Sigma` must be symmetric"),
    (gaussian_channel_mi, (np.eye(2), -np.eye(2), 1.0), {}, ValueError, "`Sigma` must be positive semi-definite"),
    (gaussian_channel_mi, (np.eye(2), None, 0.0), {}, ValueError, "`sigma` must be a finite number in \\(0"),
    (gaussian_channel_mi, (np.eye(2), None, "1"), {}, TypeError, "`sigma` must be a real number"),
    (gaussian_channel_mi, (np.array([[np.nan]]), None, 1.0), {}, ValueError, "`W` must be finite"),
    (gaussian_channel_mi, (np.zeros((2, 2, 2)), None, 1.0), {}, ValueError, "`W` must be 1-D"),
    (gaussian_channel_mi, ("W", None, 1.0), {}, TypeError, "`W` must be a real numeric"),
    (gaussian_channel_mi, (np.eye(2), None, 1.0), {"units": "x"}, ValueError, "`units` must be one of"),
    (gaussian_channel_mi, (np.eye(20), None, 1.0), {"max_bytes": 1000}, ValueError, "max_bytes"),
    (gaussian_channel_mi, (np.eye(2), "S", 1.0), {}, TypeError, "`Sigma` must be a real numeric"),
    (gaussian_channel_mi, (np.eye(2), np.array([[np.inf, 0.0], [0.0, 1.0]]), 1.0), {}, ValueError,
     "`Sigma` must be finite"),
    # plugin_mi
    (plugin_mi, ([0, 1], [0, 1, 1]), {}, ValueError, "`x` and `y` must be 1-D of the same length"),
    (plugin_mi, ([[0, 1]], [[0, 1]]), {}, ValueError, "`x` and `y` must be 1-D"),
    (plugin_mi, ([0], [0]), {}, ValueError, "`x` must hold at least 2 samples"),
    (plugin_mi, ([0, 1], [0, 1]), {"correction": "jackknife"}, ValueError, "`correction` must be"),
    (plugin_mi, ([0, 1], [0, 1]), {"n_boot": -1}, ValueError, "`n_boot` must be an integer in"),
    (plugin_mi, ([0, 1], [0, 1]), {"n_boot": 1.5}, TypeError, "`n_boot` must be an integer"),
    (plugin_mi, ([0, 1], [0, 1]), {"seed": -1}, ValueError, "`seed` must be an integer in"),
    (plugin_mi, (CODES, CODES), {"max_bytes": 100}, ValueError, "the bootstrap of plugin_mi needs"),
]


test_bad_input = bad_input_test(CASES)


def test_every_public_function_has_a_row():
    import capacity.mi

    covered = {c[0].__name__ for c in CASES}
    assert covered == set(capacity.mi.__all__)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_infonce_refuses_cuda_without_a_gpu():
    with pytest.raises(ValueError, match="`device` must be available"):
        infonce_lower_bound(X, X, batch_size=8, device="cuda")


def test_samples_refused_from_their_shape_before_any_copy(monkeypatch):
    # a tensor (possibly on CUDA) over max_bytes is refused before it is copied to the host
    import capacity.mi._common as common

    def no_copy(*args, **kwargs):
        raise AssertionError("converted before the max_bytes check")

    monkeypatch.setattr(common, "as_rows", no_copy)
    with pytest.raises(ValueError, match="max_bytes"):
        common.as_samples(torch.zeros(100, 3), "x", max_bytes=100 * 3 * 8 - 1)
    with pytest.raises(ValueError, match="max_bytes"):
        common.as_samples(np.zeros((100, 3)), "x", max_bytes=100 * 3 * 8 - 1)
