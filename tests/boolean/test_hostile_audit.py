"""Hostile inputs found by an audit of boolean's public API: each case failed (a foreign exception,
a wrong number or an unplanned allocation) before its fix."""
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
import torch

import boolean as B
from tests.boolean.routines import ROUTINES

GOOD = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=np.uint8)


@pytest.mark.parametrize("routine", sorted(ROUTINES))
@pytest.mark.parametrize("domain", [np.array([]), np.array(["01"]), np.array("01")], ids=["empty", "1-d", "0-d"])
def test_domain_array_is_refused_by_name(routine, domain):
    # an array `domain` reached ``domain == "01"`` in the short path of load_table: an empty one raised
    # numpy's "truth value of an empty array is ambiguous", a one-element ["01"] was taken as "01"
    with pytest.raises(TypeError, match="`domain` must be a string"):
        ROUTINES[routine](GOOD, domain=domain)


def test_random_function_huge_batch_is_refused_by_name():
    # a batch beyond the float range raised OverflowError in the size plan
    with pytest.raises(ValueError, match=r"`batch` must be an integer in \[1, "):
        B.random_function(3, batch=10**400)


def test_restrict_tensor_bit_with_several_entries_is_refused_by_name():
    # a multi-entry tensor as a bit raised torch's RuntimeError from .item()
    with pytest.raises(ValueError, match="`fixed` must map each index to a bit 0 or 1"):
        B.restrict(GOOD, {0: torch.tensor([1, 0])})
    np.testing.assert_array_equal(B.restrict(GOOD, {0: torch.tensor(1)}), B.restrict(GOOD, {0: 1}))


@pytest.mark.parametrize("device", [2**64, -(2**63) - 1, 10**400])
def test_device_index_beyond_int64_is_refused_by_name(device):
    # torch.device raised "Overflow when unpacking long long", naming no argument
    with pytest.raises(ValueError, match="`device` must be a torch device"):
        B.fourier_coefficients(GOOD, backend="torch", device=device)


def test_threshold_refuses_weights_whose_partial_sums_overflow():
    # the float64 partial sums overflowed to inf (a RuntimeWarning at most) and the table was wrong:
    # at x = 31 the exact sum is -1e308 < 0, but inf >= 0 gave 1
    w = [1e308, 1e308, -1e308, -1e308, -1e308]
    with pytest.raises(ValueError, match=r"`weights` must have sum \|w_i\| <= 1.79769e\+308"):
        B.threshold(w, 0.0)


def test_threshold_large_weights_below_the_bound_match_exact_sums():
    w = [1e307, -3e307, 2.5e307, 4e307, -1e307]
    exact = [int(sum(Fraction(w[i]) for i in range(5) if x >> i & 1) >= Fraction(2e307)) for x in range(32)]
    np.testing.assert_array_equal(B.threshold(w, 2e307), exact)


# host routines written in numpy (tracemalloc sees their arrays), as tests/boolean/test_memory_plans.py
N = 16
SLACK = 16 * 1024
F = B.random_function(N, seed=3, batch=2)
HOST_CALLS = {
    "pbiased_fourier_coefficients": lambda **k: B.pbiased_fourier_coefficients(F, 0.3, **k),
    "pbiased_influences": lambda **k: B.pbiased_influences(F, 0.3, **k),
    "pbiased_influences(one row)": lambda **k: B.pbiased_influences(F[0], 0.3, **k),
    "influences(p)": lambda **k: B.influences(F, p=0.3, **k),
    "fourier_coefficients(p)": lambda **k: B.fourier_coefficients(F, p=0.3, **k),
}


@pytest.mark.parametrize("name", list(HOST_CALLS))
def test_host_routine_peak_memory_within_plan(name):
    # the p-biased plan counted 13 bytes an entry while the influences took 33 (int64 popcounts and
    # three float64 powers) and the coefficients 21; max_bytes did not bound them
    call = HOST_CALLS[name]
    call()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        call()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak > 0
    with pytest.raises(ValueError, match="max_bytes"):
        call(max_bytes=peak - SLACK - 1)
