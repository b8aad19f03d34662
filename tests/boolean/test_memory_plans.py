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


_RSS_PROBE = """
import sys
import boolean as B

def peak():  # this process's peak resident bytes (VmHWM: per address space, reset by exec)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) * 1024

fn = getattr(B, sys.argv[1])
fn(B.random_function(8, seed=0), backend="numba")          # imports and compiled kernels first
f = B.random_function(int(sys.argv[2]), seed=1)
before = peak()
fn(f, backend="numba")
print(peak() - before)
"""


@pytest.mark.parametrize("name", ["nonlinearity", "is_bent", "fourier_sparsity"])
def test_spectral_counts_peak_within_plan_on_numba(name):
    # numba's arrays are invisible to tracemalloc: the growth of a fresh process's peak resident
    # memory (VmHWM) over one call at n = 22 (4 Mi entries) is compared with the plan instead;
    # |W_f| taken as a copy of the spectrum used to add 8 bytes an entry (16-17 against 10)
    import os
    import subprocess
    import sys

    from boolean.spectral import _plan_bytes

    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc/self/status (VmHWM)")

    n = 22
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, name, str(n)], capture_output=True, text=True,
                         timeout=120, check=True)
    grown = float(out.stdout.split()[-1])
    assert grown <= _plan_bytes("numba", n, 1) + (1 << 20)   # 1 MiB for the interpreter's own growth
