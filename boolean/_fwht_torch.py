"""torch kernels for the unnormalised fast Walsh–Hadamard transform (private).

``fwht(t)`` returns ``H_n t`` along the last axis of a tensor ``(..., 2**n)`` as a new
tensor with the same dtype and device, batched over the leading axes. Kernels trust
their input: :mod:`boolean.fourier` validates, :mod:`boolean._transform` dispatches.

Two pure-torch paths, both run on the CPU in the test-suite and on CUDA unchanged:

* **float32/float64 — fused matmul passes.** ``H_n = H_{k_1} ⊗ ... ⊗ H_{k_r}``: one
  pass views the data as ``(rest, 2**k, 2**p)`` and multiplies by the small Hadamard
  matrix ``H_{2**k}`` (±1 entries, exact), which fuses ``k`` butterfly stages into one
  read and one write of the array. ``k`` is 5 on CUDA (H_32: the product is cheap next
  to the memory traffic) and 4 on the CPU.
* **int64 — exact butterflies.** Radix-2 stages with ``out=`` into a ping-pong buffer
  (integer matmul is not available on CUDA and the spectrum must stay exact).

On the CPU, ``method="auto"`` hands the data to the numba kernel through a zero-copy
numpy view of a fresh clone (same values as the paths above, without CPU matmuls;
BENCHMARKS.md has the comparison); the pure-torch paths stay selectable and are what the tests run on the CPU.
On CUDA, when Triton is importable, :mod:`boolean._fwht_triton` (imported lazily)
provides a fused kernel that does many stages per pass through global memory; the
pure-torch paths remain the fallback and the reference.
"""
from __future__ import annotations

_H_CACHE: dict = {}


def hadamard_matrix(k, dtype, device):
    """The ±1 Sylvester–Hadamard matrix H_{2**k} (symmetric), cached per dtype/device."""
    import torch

    key = (k, dtype, str(device))
    H = _H_CACHE.get(key)
    if H is None:
        idx = torch.arange(1 << k, device=device)
        parity = torch.zeros((1 << k, 1 << k), dtype=torch.int64, device=device)
        x, y = idx[:, None], idx[None, :]
        masked = x & y
        for _ in range(k):
            parity ^= masked & 1
            masked = masked >> 1
        H = (1 - 2 * parity).to(dtype)
        _H_CACHE[key] = H
    return H


def _split(n, k):
    """Split n stages into passes of at most k stages, as evenly as possible."""
    if n == 0:
        return []
    passes = -(-n // k)
    base, extra = divmod(n, passes)
    return [base + 1] * extra + [base] * (passes - extra)


def fwht_matmul(x, *, k=None):
    """Float path: transform the contiguous 2-D tensor ``x`` (M, 2**n) by Hadamard matmuls."""
    M, N = x.shape
    n = N.bit_length() - 1
    if k is None:
        k = 5 if x.device.type == "cuda" else 4
    p = 0
    y = x
    for kk in _split(n, k):
        H = hadamard_matrix(kk, x.dtype, x.device)
        if p == 0:
            y = (y.reshape(-1, 1 << kk) @ H).reshape(M, N)
        else:
            y = (H @ y.reshape(-1, 1 << kk, 1 << p)).reshape(M, N)
        p += kk
    if y is x:
        y = x.clone()
    return y


def fwht_butterfly(x):
    """Exact path: radix-2 butterflies with ping-pong buffers on the 2-D tensor ``x`` (M, 2**n)."""
    import torch

    M, N = x.shape
    src = x.clone()
    if N == 1:
        return src
    dst = torch.empty_like(src)
    h = 1
    while h < N:
        s = src.view(-1, 2, h)
        d = dst.view(-1, 2, h)
        torch.add(s[:, 0], s[:, 1], out=d[:, 0])
        torch.sub(s[:, 0], s[:, 1], out=d[:, 1])
        src, dst = dst, src
        h *= 2
    return src


def _triton_fwht():
    """The fused Triton kernel's entry point, or None when Triton is unavailable."""
    try:
        from . import _fwht_triton
    except ImportError:
        return None
    return _fwht_triton.fwht if _fwht_triton.available() else None


def fwht(t, *, method="auto"):
    """Unnormalised transform of tensor ``t`` (..., 2**n) along its last axis; returns a new tensor.

    ``method``: "auto" (numba on the CPU; on CUDA Triton when available, else matmul for
    floats and butterflies for int64), "matmul" (floats only), "butterfly", "numba"
    (CPU tensors only) or "triton" (CUDA with Triton only).
    """
    import torch

    shape = t.shape
    N = shape[-1]
    x = t.reshape(-1, N)
    if not x.is_contiguous():
        x = x.contiguous()
    is_float = t.dtype in (torch.float32, torch.float64)
    if method == "auto":
        if t.device.type == "cpu":
            method = "numba"
        elif _triton_fwht() is not None and x.numel() >= 1 << 12:
            method = "triton"
        else:
            method = "matmul" if is_float else "butterfly"
    if method == "numba":
        if t.device.type != "cpu":
            raise ValueError(f"`method`='numba' needs a CPU tensor; got device {t.device}")
        from ._fwht_numba import fwht_inplace

        y = x.detach().clone()
        fwht_inplace(y.numpy())
    elif method == "triton":
        kernel = _triton_fwht()
        if kernel is None:
            raise ValueError("`method` must be 'matmul' or 'butterfly' here; got 'triton' but Triton "
                             "or CUDA is unavailable")
        y = kernel(x)
    elif method == "matmul":
        if not is_float:
            raise ValueError(f"`method`='matmul' needs float32 or float64; got {t.dtype}")
        y = fwht_matmul(x)
    elif method == "butterfly":
        y = fwht_butterfly(x)
    else:
        raise ValueError("`method` must be one of 'auto', 'matmul', 'butterfly', 'numba', 'triton'; "
                         f"got {method!r}")
    return y.reshape(shape)
