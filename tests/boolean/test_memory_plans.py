"""Every table routine's memory plan covers what it allocates (numpy and numba backends, whose
arrays tracemalloc sees): ``max_bytes`` one byte below the measured peak (less 16 KiB of Python
objects) is refused, so the plan that ``max_bytes`` is checked against covers the peak."""
import tracemalloc

import numpy as np
import pytest

import boolean as B

N = 16
SLACK = 16 * 1024  # Python objects and small index arrays, next to arrays of 2 * 2**16 entries
F = B.random_function(N, seed=2, batch=2)
X = np.random.default_rng(2).standard_normal((2, 2**N))
Y = np.empty_like(X)
F8 = F.astype(np.int8)


def _fwht_in_place(**k):
    np.copyto(Y, X)  # allocates nothing: only the transform's own memory is measured
    return B.fwht(Y, out=Y, **k)


CALLS = {
    "fwht": lambda **k: B.fwht(X, **k),
    "fwht(int8)": lambda **k: B.fwht(F8, **k),
    "fwht(out=x)": _fwht_in_place,
    "fourier_coefficients": lambda **k: B.fourier_coefficients(F, **k),
    "fourier_coefficients(exact)": lambda **k: B.fourier_coefficients(F, exact=True, **k),
    "influences": lambda **k: B.influences(F, **k),
    "total_influence": lambda **k: B.total_influence(F, **k),
    "spectral_weights": lambda **k: B.spectral_weights(F, **k),
    "degree": lambda **k: B.degree(F, **k),
    "noise_stability": lambda **k: B.noise_stability(F, [0.2, 0.5], **k),
    "noise_sensitivity": lambda **k: B.noise_sensitivity(F, 0.1, **k),
    "noise_operator": lambda **k: B.noise_operator(F, 0.3, **k),
    "spectral_summary": lambda **k: B.spectral_summary(F, **k),
    "restrict": lambda **k: B.restrict(F, {3: 1, 7: 0}, **k),
    "retained_information": lambda **k: B.retained_information(F, [1, 4], **k),
}


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name", list(CALLS))
def test_peak_memory_within_plan(name, backend):
    call = CALLS[name]
    call(backend=backend)  # first-call imports and JIT outside the measurement
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        call(backend=backend)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak > 0  # the measurement sees the routine's arrays
    with pytest.raises(ValueError, match="max_bytes"):
        call(backend=backend, max_bytes=peak - SLACK - 1)  # plan >= peak - SLACK
