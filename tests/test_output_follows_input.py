"""Output follows input, for every public function that takes arrays and returns arrays.

The convention (README "Conventions", docs/problem.rst): numpy (or lists) in, numpy out; a torch
tensor in, tensors out on the input's device, floating arrays in the input's floating dtype except
certified bounds, which stay float64 (rounding a bound to float32 could break it); scalars are
Python numbers either way. Each case runs once on numpy and once per tensor dtype, checks every
field of the result, and compares the values with the numpy run.
"""
import dataclasses
import numbers

import numpy as np
import pytest

import boolean
import capacity
from capacity import mi  # noqa: F401  (estimators return MIEstimate of Python floats: checked below)

torch = pytest.importorskip("torch")

W = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
WB = np.stack([W, W[::-1]])
COST = np.array([0.0, 1.0, 0.5])
P = np.array([0.3, 0.7])
D = np.array([[0.0, 1.0], [1.0, 0.0]])
F = boolean.majority(5)

#: name -> (call(T), bounds[, input]): T converts each array input; bounds are the fields kept in
#: float64; the outputs follow ``input`` (default W; the truth table F for boolean routines).
CASES = {
    "blahut_arimoto": (lambda T: capacity.blahut_arimoto(T(W)), ()),
    "blahut_arimoto batch": (lambda T: capacity.blahut_arimoto(T(WB)), ("capacity", "lower", "upper")),
    "capacity_cvxpy": (lambda T: capacity.capacity_cvxpy(T(W)), ()),
    "capacity_cost": (lambda T: capacity.capacity_cost(T(W), T(COST), 0.3), ()),
    "capacity_cost_curve": (lambda T: capacity.capacity_cost_curve(T(W), T(COST), [0.2, 0.4]),
                            ("capacity", "lower", "upper")),
    "rate_distortion": (lambda T: capacity.rate_distortion(T(P), T(D), 0.1), (), P),
    "rate_distortion_curve": (lambda T: capacity.rate_distortion_curve(T(P), T(D), [0.1, 0.2]),
                              ("rate", "distortion", "lower", "upper"), P),
    "binary_entropy": (lambda T: capacity.binary_entropy(T(P)), (), P),
    "normalize_rows": (lambda T: capacity.normalize_rows(T(2 * W)), ()),
    "merge_duplicate_inputs": (lambda T: capacity.merge_duplicate_inputs(T(W[[0, 1, 0]])).matrix, ()),
    "mutual_information": (lambda T: capacity.mutual_information(T(P[[0, 1, 1]] / 1.7), T(W)), ()),
    "fourier_coefficients": (lambda T: boolean.fourier_coefficients(T(F)), (), F),
    "influences": (lambda T: boolean.influences(T(F)), (), F),
    "spectral_summary": (lambda T: boolean.spectral_summary(T(F)), (), F),
    "retained_information_profile": (lambda T: boolean.retained_information_profile(T(F)), (), F),
}

DTYPES = [None, "float64", "float32"]  # None: numpy input


def converter(dtype, device="cpu"):
    """Each float input as a tensor of ``dtype`` (truth tables stay uint8 tensors), or numpy."""
    if dtype is None:
        return lambda a: a
    dt = getattr(torch, dtype)
    return lambda a: torch.as_tensor(a, device=device, dtype=dt if np.asarray(a).dtype.kind == "f" else None)


def leaves(res):
    """(name, value) of every field of a result (dataclass or named tuple) or the value itself."""
    if dataclasses.is_dataclass(res):
        return [(f.name, getattr(res, f.name)) for f in dataclasses.fields(res) if f.name != "extra"]
    if isinstance(res, tuple) and hasattr(res, "_fields"):
        return list(zip(res._fields, res))
    return [("value", res)]


def check_kinds(res, like, bounds):
    for name, v in leaves(res):
        if isinstance(v, (np.ndarray, torch.Tensor)):
            if like is None:
                assert isinstance(v, np.ndarray), f"{name}: numpy input gave {type(v).__name__}"
                continue
            assert isinstance(v, torch.Tensor), f"{name}: tensor input gave {type(v).__name__}"
            assert v.device == like.device, f"{name} on {v.device}, input on {like.device}"
            if v.is_floating_point():
                want = torch.float64 if name in bounds or not like.is_floating_point() else like.dtype
                assert v.dtype == want, f"{name}: dtype {v.dtype}, expected {want}"
            assert v.ndim > 0, f"{name}: a 0-d tensor where a Python number is the convention"
        elif isinstance(v, numbers.Number):
            assert type(v) in (int, float, bool), f"{name}: scalar of type {type(v).__name__}"


def as_numpy(v):
    return v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)


@pytest.mark.parametrize("dtype", DTYPES[1:])
@pytest.mark.parametrize("case", list(CASES))
def test_output_follows_input(case, dtype):
    call, bounds, *given = CASES[case]
    ref = call(converter(None))
    check_kinds(ref, None, bounds)
    T = converter(dtype)
    like = T(given[0] if given else W)
    res = call(T)
    check_kinds(res, like, bounds)
    # the same numbers: float64 tensors run the same algorithms (perhaps another backend: laws of a
    # certified 1e-9 gap agree to ~1e-4); float32 inputs are rounded at 6e-8 relative first
    atol = 1e-4 if dtype == "float64" else 1e-3
    for (name, a), (_, b) in zip(leaves(ref), leaves(res)):
        if isinstance(a, (np.ndarray, numbers.Number)) and not isinstance(a, bool) and as_numpy(a).dtype.kind == "f":
            assert np.allclose(as_numpy(b), as_numpy(a), atol=atol, equal_nan=True), name


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("case", ["blahut_arimoto", "blahut_arimoto batch", "fourier_coefficients",
                                  "retained_information_profile"])
def test_output_stays_on_the_gpu(case):
    call, bounds, *given = CASES[case]
    T = converter("float64", device="cuda")
    check_kinds(call(T), T(given[0] if given else W), bounds)
