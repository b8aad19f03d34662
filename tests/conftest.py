"""Shared fixtures: backends, seeds, hypothesis profiles, Triton kernels through the interpreter."""
import importlib.util
import os

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
    """``load("pkg.module")``: a fresh copy of a Triton kernel module whose kernels run in Triton's
    interpreter on CPU tensors (skips when triton is absent).

    Triton picks the interpreter when a kernel is *decorated*, so the module is executed anew
    with TRITON_INTERPRET=1 set for the test; the copy in sys.modules (compiled kernels on CUDA)
    is left alone, whatever was imported first.
    """
    pytest.importorskip("triton")
    monkeypatch.setenv("TRITON_INTERPRET", "1")

    def load(name):
        spec = importlib.util.find_spec(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
