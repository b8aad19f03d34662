"""The one small backend layer shared by :mod:`boolean` and :mod:`capacity`.

Every public routine takes ``backend="auto"|"numpy"|"numba"|"torch"`` and, for
torch, an optional ``device``. :func:`resolve_backend` turns those two arguments
(and the inputs) into a :class:`Backend`; routines then dispatch through a
name-to-kernel dict keyed by :attr:`Backend.kernel` (``{"numba": ..., "xp": ...}``), so no
routine branches on a backend name. torch is imported lazily: ``import boolean`` stays cheap.

Rules ("auto"):
  * torch if any input is a ``torch.Tensor`` (results stay on its device);
  * else the routine's preferred CPU kernel (numba when it has one, else numpy);
  * never a GPU unless the caller asks for one (``backend="torch", device="cuda"``).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

BACKENDS = ("auto", "numpy", "numba", "torch")


@dataclass(frozen=True)
class Backend:
    """Resolved backend: ``name`` in {"numpy", "numba", "torch"}; ``device`` is a
    ``torch.device`` for torch and ``None`` otherwise."""

    name: str
    device: Any = None

    @property
    def kernel(self) -> str:
        """The kernel family a routine dispatches on: ``"numba"`` for the numba backend, ``"xp"``
        (one implementation against the array namespace of :mod:`boolean._lib.array`) for numpy
        and torch."""
        return "numba" if self.name == "numba" else "xp"

    @property
    def xp(self):
        """The array namespace of this backend's arrays (array-api-compat's numpy or torch)."""
        if self.name == "torch":
            import array_api_compat.torch as xp
        else:
            import array_api_compat.numpy as xp
        return xp


def is_tensor(x) -> bool:
    """True when ``x`` is a torch tensor (without importing torch if it is not loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def import_torch():
    """Import torch lazily with a clear error when it is missing."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a declared dependency
        raise ImportError("backend='torch' needs PyTorch; install torch==2.13.0") from exc
    return torch


def resolve_device(device):
    """Return a ``torch.device`` for ``device`` (None -> cpu), refusing CUDA without a GPU."""
    torch = import_torch()
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:  # ValueError: an index beyond int64
        raise ValueError(f"`device` must be a torch device such as 'cpu' or 'cuda'; got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`device` must be available; got {device!r} but torch sees no CUDA device")
    return dev


def resolve_backend(backend, *arrays, device=None, supported=("numpy", "numba", "torch"),
                    prefer="numba") -> Backend:
    """Resolve ``backend``/``device`` for a routine that implements ``supported``.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba", "torch"}
    *arrays : the routine's array inputs (used by "auto" to detect tensors).
    device : torch device, only with the torch backend (or with "auto", which then picks torch).
    supported : the backends this routine implements.
    prefer : the CPU backend "auto" picks for numpy inputs.

    Raises
    ------
    TypeError  if ``backend`` is not a string.
    ValueError for an unknown or unsupported backend, a device without torch, or CUDA without a GPU.
    """
    if not isinstance(backend, str):
        raise TypeError(f"`backend` must be a string in {BACKENDS}; got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS}; got {backend!r}")
    if backend == "auto":
        tensors = [a for a in arrays if is_tensor(a)]
        if tensors or device is not None:
            name = "torch"
            if device is None:
                device = tensors[0].device
        else:
            name = prefer if prefer in supported else supported[0]
    else:
        name = backend
    if name not in supported:
        raise ValueError(f"`backend` must be one of {('auto',) + tuple(supported)} for this routine; got {backend!r}")
    if name != "torch":
        if device is not None:
            raise ValueError(f"`device` is only accepted with backend='torch'; got device={device!r} "
                             f"with backend={backend!r}")
        return Backend(name)
    return Backend("torch", resolve_device(device))


def to_numpy(x) -> np.ndarray:
    """Return ``x`` as a numpy array (tensors are detached and moved to the CPU)."""
    if is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def numpy_dtype(dtype):
    """The numpy dtype of a numpy or torch ``dtype`` (None stays None)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(dtype, torch.dtype):
        return torch.empty(0, dtype=dtype).numpy().dtype
    return None if dtype is None else np.dtype(dtype)


def to_backend(x, be: Backend, dtype=None, *, copy=False):
    """``x`` (numpy or tensor) in the container of backend ``be``, in ``dtype`` (numpy or torch)
    when given: a C-contiguous numpy array for numpy and numba, a contiguous tensor on
    ``be.device`` for torch. ``copy=True`` guarantees new memory (for in-place work); otherwise
    nothing is copied that need not be."""
    if be.name != "torch":
        return np.array(to_numpy(x), dtype=numpy_dtype(dtype), order="C", copy=True if copy else None)
    torch = import_torch()
    if not is_tensor(x):
        x, dtype = torch.as_tensor(np.ascontiguousarray(x, dtype=numpy_dtype(dtype))), None
    elif dtype is not None and not isinstance(dtype, torch.dtype):
        dtype = torch.from_numpy(np.empty(0, dtype=numpy_dtype(dtype))).dtype
    t = x.to(device=be.device, dtype=dtype) if dtype is not None else x.to(device=be.device)
    return t.clone(memory_format=torch.contiguous_format) if copy else t.contiguous()
