"""The torch side of the Walsh–Hadamard transform (private): which kernel a tensor gets.

``fwht(t)`` returns ``H_n t`` along the last axis of a tensor ``(..., 2**n)`` as a new tensor
with the same dtype and device, batched over the leading axes. Kernels trust their input:
:mod:`boolean.fourier` validates, :mod:`boolean._transform` dispatches.

* CPU tensors (``method="auto"``): the numba kernel of :mod:`boolean._fwht_numba` on a zero-copy
  numpy view of a fresh clone (the specialised CPU path).
* CUDA, when Triton is importable: :mod:`boolean._fwht_triton` (imported lazily), a fused kernel
  doing many stages per pass through global memory.
* Otherwise, and selectable on any device: the one array-namespace kernel that numpy arrays also
  get (:func:`boolean._transform.matmul_rows` for floats, :func:`boolean._transform.butterfly_rows`
  for exact integer butterflies).
"""
from __future__ import annotations

from ._transform import butterfly_rows as fwht_butterfly
from ._transform import matmul_rows as fwht_matmul
from ._transform import xp_rows

__all__ = ["fwht", "fwht_matmul", "fwht_butterfly"]


def _triton_fwht():
    """The fused Triton kernel's entry point, or None when Triton is unavailable."""
    try:
        from . import _fwht_triton
    except ImportError:
        return None
    return _fwht_triton.fwht if _fwht_triton.available() else None


def fwht(t, *, method="auto"):
    """Unnormalised transform of tensor ``t`` (..., 2**n) along its last axis; returns a new tensor.

    ``method``: "auto" (numba on the CPU; on CUDA Triton when available, else the
    array-namespace kernel :func:`boolean._transform.xp_rows`), "matmul" (floats only),
    "butterfly", "numba" (CPU tensors only) or "triton" (CUDA with Triton only).
    """
    import torch

    x = t.reshape(-1, t.shape[-1]).contiguous()  # no copy when already contiguous
    if method == "auto":
        if t.device.type == "cpu":
            method = "numba"
        elif _triton_fwht() is not None and x.numel() >= 1 << 12:
            method = "triton"
        else:
            method = "xp"
    if method == "xp":
        y = xp_rows(x)
    elif method == "numba":
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
        if t.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"`method`='matmul' needs float32 or float64; got {t.dtype}")
        y = fwht_matmul(x)
    elif method == "butterfly":
        y = fwht_butterfly(x)
    else:
        raise ValueError("`method` must be one of 'auto', 'matmul', 'butterfly', 'numba', 'triton'; "
                         f"got {method!r}")
    return y.reshape(t.shape)
