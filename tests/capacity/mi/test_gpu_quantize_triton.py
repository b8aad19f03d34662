"""The fused quantise-and-hash Triton kernel (capacity.mi._quantize_triton), run in CI through
Triton's interpreter on CPU tensors, against the numba hash (the same 64-bit words, bit for bit),
the exact counts of ``numpy.unique`` on the code rows, and the CPU path of
``quantized_output_entropy`` (the same number). On a CUDA machine the compiled kernel runs the
same checks (marked gpu), and ``quantized_output_entropy`` of a CUDA tensor goes through it.
"""
import numpy as np
import pytest

from capacity.mi import quantized_output_entropy
from capacity.mi._hashing import entropy_from_counts
from capacity.mi._kernels import quantized_hash as numba_hash
from tests.conftest import cuda_only

torch = pytest.importorskip("torch")
pytest.importorskip("triton")


@pytest.fixture
def kernels(triton_interpreted):
    return triton_interpreted("capacity.mi._quantize_triton")


def sample(rng, n, d):
    # outputs on a coarse grid (many equal code rows) with signs, zeros and exact bin edges
    y = rng.integers(-4, 5, size=(n, d)) * 0.5 + rng.choice([0.0, 0.25, 1e-9, -1e-9], size=(n, d))
    return y


def exact_counts(y, delta):
    codes = np.floor(y / delta).astype(np.int64)
    return np.sort(np.unique(codes, axis=0, return_counts=True)[1])


@pytest.mark.parametrize("n, d", [(1, 1), (7, 1), (1000, 3), (2500, 20), (3, 2)])
@pytest.mark.parametrize("delta", [0.5, 0.125, 3.0])
def test_hash_equals_numba_and_counts_are_exact(kernels, rng, n, d, delta):
    y = sample(rng, n, d)
    t = torch.from_numpy(y)
    h = kernels.quantized_hash(t, delta)
    np.testing.assert_array_equal(h.numpy().view(np.uint64), numba_hash(y, delta))  # same bits
    counts = np.sort(kernels.quantized_counts(t, delta).numpy())
    np.testing.assert_array_equal(counts, exact_counts(y, delta))  # integers: exact


def test_delta_kept_in_float64(kernels):
    # y = k * 0.1 sits on the bin edges of delta = 0.1: float32 rounding of delta (a Python float
    # kernel argument is passed as float32) would move about half of the codes
    y = (np.arange(2000) * 0.1).reshape(-1, 2)
    h = kernels.quantized_hash(torch.from_numpy(y), 0.1)
    np.testing.assert_array_equal(h.numpy().view(np.uint64), numba_hash(y, 0.1))


def test_entropy_equals_cpu_path(kernels, rng):
    # a random tanh layer on all 2**10 inputs of {0,1}^10: the entropy from the kernel's counts is
    # the CPU path's number (same counts, same float64 formula)
    x = ((np.arange(1024)[:, None] >> np.arange(10)) & 1).astype(np.float64)
    y = np.tanh(x @ rng.standard_normal((10, 6)))
    for delta in (1e-3, 0.05, 0.5):
        cpu = quantized_output_entropy(y, delta)
        counts = kernels.quantized_counts(torch.from_numpy(y), delta).numpy()
        assert entropy_from_counts(counts, "bits") == cpu.value
        assert len(counts) == cpu.extra["n_distinct"]


def test_collision_falls_back_to_exact_counts(kernels, rng, monkeypatch):
    # every row hashed to one word: the verification sees different code rows and counts exactly
    y = sample(rng, 200, 4)
    monkeypatch.setattr(kernels, "quantized_hash", lambda t, d: torch.zeros(t.shape[0], dtype=torch.int64))
    counts = np.sort(kernels.quantized_counts(torch.from_numpy(y), 0.5).numpy())
    np.testing.assert_array_equal(counts, exact_counts(y, 0.5))


def test_available_needs_cuda(kernels):
    assert kernels.available() == torch.cuda.is_available()


@pytest.mark.gpu
@cuda_only
def test_cuda_entropy_equals_cpu_path(rng):
    from capacity.mi import _quantize_triton

    if not _quantize_triton.available():
        pytest.skip("Triton is not installed")
    y = sample(rng, 100_000, 20)
    edges = (np.arange(2000) * 0.1).reshape(-1, 2)  # on the bin edges of delta = 0.1
    t = torch.from_numpy(edges).cuda()
    np.testing.assert_array_equal(_quantize_triton.quantized_hash(t, 0.1).cpu().numpy().view(np.uint64),
                                  numba_hash(edges, 0.1))
    for delta in (0.5, 0.125):
        t = torch.from_numpy(y).cuda()
        np.testing.assert_array_equal(_quantize_triton.quantized_hash(t, delta).cpu().numpy().view(np.uint64),
                                      numba_hash(y, delta))
        assert quantized_output_entropy(t, delta).value == quantized_output_entropy(y, delta).value
        rel = quantized_output_entropy(t, 1e-3, relative=True)
        assert rel.value == quantized_output_entropy(y, 1e-3, relative=True).value
