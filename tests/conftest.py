"""Shared fixtures: backends, seeds, hypothesis profiles, Triton kernels through the interpreter."""
import importlib
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", deadline=None, max_examples=30,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=30, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _cuda():
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return torch.cuda.is_available()


HAS_CUDA = _cuda()
# Without CUDA the Triton kernels run in Triton's interpreter on CPU tensors. Triton chooses the
# interpreter when a function is decorated, its own library (tl.sum, tl.max, ...) included, so the
# switch must be on before triton is first imported: here, before any test module is collected.
if not HAS_CUDA and "triton" not in sys.modules:
    os.environ.setdefault("TRITON_INTERPRET", "1")
cuda_only = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA device")

#: (backend, device) pairs; torch-cuda is skipped cleanly without a GPU.
BACKEND_PARAMS = [
    pytest.param(("numpy", None), id="numpy"),
    pytest.param(("numba", None), id="numba"),
    pytest.param(("torch", "cpu"), id="torch-cpu"),
    pytest.param(("torch", "cuda"), id="torch-cuda", marks=[pytest.mark.gpu, cuda_only]),
]


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request):
    """(backend name, device) for every backend, including torch on CUDA when present."""
    return request.param


@pytest.fixture(params=range(100) if os.environ.get("SEED") == "all" else [0])
def seed(request):
    return request.param


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


@pytest.fixture
def triton_interpreted(monkeypatch):
    """``load("pkg.module")``: a Triton kernel module whose kernels run in Triton's interpreter on
    CPU tensors. Skips without triton, or with CUDA (the compiled kernels are tested there, marked
    gpu); fails when triton was imported before this conftest switched the interpreter on.

    A launch that passes a Python float to a runtime (non-constexpr) parameter is refused: the
    interpreter keeps it in float64, but compiled Triton passes it as float32.
    """
    pytest.importorskip("triton")
    if HAS_CUDA:
        pytest.skip("a CUDA device is present: the compiled kernels are tested instead (marked gpu)")
    import inspect

    import triton.language as tl
    from triton.runtime.interpreter import InterpretedFunction

    if not isinstance(tl.sum, InterpretedFunction):
        pytest.fail("triton was imported before tests/conftest.py set TRITON_INTERPRET=1, so its kernels "
                    "are compiled for CUDA; run the suite without importing triton first")
    run = InterpretedFunction.run

    def checked_run(self, *args, **kwargs):
        params = inspect.signature(self.fn).parameters
        given = list(zip(self.arg_names, args)) + [(k, v) for k, v in kwargs.items() if k in params]
        floats = [k for k, v in given if isinstance(v, float) and "constexpr" not in str(params[k].annotation)]
        if floats:
            raise TypeError(f"{self.fn.__name__}: Python floats for runtime parameters {floats} would be "
                            "float32 when compiled; pass a float64 tensor")
        return run(self, *args, **kwargs)
    monkeypatch.setattr(InterpretedFunction, "run", checked_run)
    return importlib.import_module
