"""The Walsh–Hadamard transform behind one dispatch, with its memory plan (shared by the
:mod:`boolean` routines).

Three specialised transform kernels, chosen by backend name: numba (the tuned CPU kernel of
:mod:`boolean._fwht_numba`, in place), numpy (a vectorised in-place kernel) and torch
(:mod:`boolean._fwht_torch`: numba on CPU tensors, Triton or Hadamard matmuls on CUDA).
Everything else is written once against the array namespace ``xp``.
"""
from __future__ import annotations

import numpy as np

from ._lib.array import namespace

#: Peak working memory of one transform, in copies of its array, by backend: numba transforms
#: in place; numpy adds the 16-wide block product's temporary and a half-size stage buffer;
#: torch holds the input, its output and one intermediate of the matmul/butterfly passes.
_COPIES = {"numpy": 2.5, "numba": 1, "torch": 3}

#: Largest n at which float32 holds every intermediate of the transform of a ±1 table exactly.
FLOAT32_EXACT_N = 24


def fwht_plan_bytes(name, entries, itemsize):
    """Peak bytes of transforming ``entries`` values of ``itemsize`` bytes on backend ``name``
    (the array being transformed included)."""
    return float(entries) * itemsize * _COPIES[name]


def pm1_plan_bytes(name, entries):
    """Peak bytes of :func:`pm1_transform` on ``entries`` table entries: the uint8 table and the
    transform of its ±1 copy (8 bytes an entry at most); :func:`normalise` fits inside it."""
    return float(entries) + fwht_plan_bytes(name, entries, 8)


def _hadamard(k, dtype):
    h = np.ones((1, 1), dtype=dtype)
    for _ in range(k):
        h = np.block([[h, h], [h, -h]])
    return h


def _numpy_inplace(a):
    """Vectorised numpy transform of each row of a C-contiguous (B, 2**n) array, in place.

    The first min(n, 4) stages are one product with H_4 (16 x 16) on blocks of 16; the
    rest are reshape butterflies, one pass per stage.
    """
    B, N = a.shape
    k = min(N.bit_length() - 1, 4)
    if k:
        blocks = a.reshape(-1, 1 << k)
        blocks[...] = blocks @ _hadamard(k, a.dtype)
    h = 1 << k
    while h < N:
        v = a.reshape(B, N // (2 * h), 2, h)
        x = v[:, :, 0, :].copy()
        y = v[:, :, 1, :]
        v[:, :, 0, :] += y
        np.subtract(x, y, out=y)
        h *= 2
    return a


def _numba_inplace(a):
    from ._fwht_numba import fwht_inplace

    fwht_inplace(a)
    return a


def _torch_rows(t):
    from . import _fwht_torch

    return _fwht_torch.fwht(t)


#: name -> kernel(a): the transform of each row of a C-contiguous (B, 2**n) array of the
#: backend's container, which the caller owns (numpy and numba overwrite it, torch returns a new tensor).
_TRANSFORM = {"numba": _numba_inplace, "numpy": _numpy_inplace, "torch": _torch_rows}


def transform_rows(a, be):
    """Unnormalised transform of the rows of ``a`` (B, 2**n) on backend ``be``; may overwrite ``a``."""
    return _TRANSFORM[be.name](a)


def float32_exact(device):
    """True when float32 matmuls are IEEE float32 (no TF32/bf16 shortcuts someone enabled
    globally), so the float32 transform of a ±1 table is exact for n <= 24."""
    import torch

    if torch.get_float32_matmul_precision() != "highest":
        return False
    return not (device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32)


#: name -> the float dtype of the transform of a ±1 table (exact integers either way): torch's
#: matmul passes run in float32 where that is exact.
_PM1_FLOAT = {"numba": lambda xp, n, device: xp.float64, "numpy": lambda xp, n, device: xp.float64,
              "torch": lambda xp, n, device: xp.float32 if n <= FLOAT32_EXACT_N and float32_exact(device)
              else xp.float64}


def _pm1_numba(table, dtype):
    from ._numba import pm1_into

    g = np.empty(table.shape, dtype=dtype)
    pm1_into(table, g)  # one pass: g = 1 - 2 f
    return g


def _pm1_xp(table, dtype):
    g = namespace(table).astype(table, dtype)
    g *= -2
    g += 1
    return g


_PM1 = {"numba": _pm1_numba, "xp": _pm1_xp}


def pm1_transform(table, n, be, kind):
    """Unnormalised transform H_n g of g = (-1)^f for a validated uint8 table (B, 2**n).

    ``kind`` "int" -> int64; "float" -> float64 (float32 on torch when that is exact). Every
    value is an exact integer. Peak memory: :func:`pm1_plan_bytes`.
    """
    xp = be.xp
    dtype = xp.int64 if kind == "int" else _PM1_FLOAT[be.name](xp, n, be.device)
    return transform_rows(_PM1[be.kernel](table, dtype), be)


def normalise(c, n, xp):
    """ĝ = c / 2**n as float64 for an unnormalised transform ``c`` (of namespace ``xp``) that the
    caller owns (converted at most once, then scaled in place)."""
    c = xp.astype(c, xp.float64, copy=False)
    c *= 2.0**-n
    return c
