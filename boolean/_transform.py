"""The Walsh–Hadamard transform behind one dispatch, with its memory plan (shared by the
:mod:`boolean` routines).

Two transform kernels: numba (the tuned CPU kernel of :mod:`boolean._fwht_numba`, in place) and
one written once against the array namespace ``xp`` (:func:`xp_rows`: Hadamard matmul passes,
exact int64 butterflies where float64 could round), which numpy arrays get and tensors get
wherever :mod:`boolean._fwht_torch` has no specialised kernel (numba for CPU tensors, Triton on
CUDA). Everything around the transform is written against ``xp`` too.
"""
from __future__ import annotations

import numpy as np

from ._lib.array import device_of, namespace

#: Peak working memory of one transform, in copies of its array, by backend: numba transforms
#: in place; numpy and torch (:func:`xp_rows`) hold the input, its float64 copy (integers) and
#: the input and output of one matmul pass.
_COPIES = {"numpy": 4, "numba": 1, "torch": 4}

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


_HADAMARD: dict = {}


def hadamard(xp, k, dtype, device=None):
    """The ±1 Sylvester–Hadamard matrix H_{2**k} (symmetric; entry (x, y) is (-1)^popcount(x & y))
    as an array of namespace ``xp``, cached per namespace, dtype and device."""
    key = (xp.__name__, k, str(dtype), str(device))
    H = _HADAMARD.get(key)
    if H is None:
        idx = np.arange(1 << k)
        parity = (np.bitwise_count(idx[:, None] & idx[None, :]) & 1).astype(np.int64)
        H = xp.asarray(1 - 2 * parity, dtype=dtype, device=device)
        _HADAMARD[key] = H
    return H


def pass_bits(n, k):
    """Split n stages into passes of at most k stages, as evenly as possible."""
    if n == 0:
        return []
    passes = -(-n // k)
    base, extra = divmod(n, passes)
    return [base + 1] * extra + [base] * (passes - extra)


def matmul_rows(x, k=None):
    """Float transform of the rows of the C-contiguous 2-D ``x`` (M, 2**n) by Hadamard matmuls,
    returned as a new array of ``x``'s namespace: ``H_n = H_{k_1} ⊗ ... ⊗ H_{k_r}``, and one pass
    views the data as (rest, 2**k, 2**p) and multiplies by the ±1 matrix H_{2**k} (exact), which
    fuses k butterfly stages into one read and one write. ``k``: 5 on CUDA, else 4."""
    xp = namespace(x)
    M, N = x.shape
    device = device_of(x)
    if k is None:
        k = 5 if str(device).startswith("cuda") else 4
    p = 0
    y = x
    for kk in pass_bits(N.bit_length() - 1, k):
        H = hadamard(xp, kk, x.dtype, device)
        if p == 0:
            y = xp.reshape(xp.reshape(y, (-1, 1 << kk)) @ H, (M, N))
        else:
            y = xp.reshape(H @ xp.reshape(y, (-1, 1 << kk, 1 << p)), (M, N))
        p += kk
    return xp.asarray(x, copy=True) if y is x else y


def butterfly_rows(x):
    """Exact transform (any real dtype, integers included) of the rows of the 2-D ``x`` (M, 2**n) by
    radix-2 butterflies on a new array of ``x``'s namespace, in place stage by stage (one half-size
    temporary)."""
    xp = namespace(x)
    y = xp.asarray(x, copy=True)
    M, N = y.shape
    h = 1
    while h < N:
        v = xp.reshape(y, (M, N // (2 * h), 2, h))
        a = v[:, :, 0, :] - v[:, :, 1, :]
        v[:, :, 0, :] += v[:, :, 1, :]
        v[:, :, 1, :] = a
        h *= 2
    return y


#: Integers whose transform's partial sums stay within this bound are transformed exactly in float64.
FLOAT64_EXACT = 2**53


def xp_rows(x):
    """The one array-namespace transform of the rows of ``x`` (numpy or torch, any device); a new
    array of ``x``'s dtype. Floats: :func:`matmul_rows`. Integers: the same float64 matmul passes
    when max|x| 2**n <= 2**53 (every partial sum is then an integer that float64 holds exactly,
    whatever the order of summation), else exact int64 :func:`butterfly_rows`. Peak: 4 copies of
    ``x`` at 8 bytes an entry (:func:`fwht_plan_bytes`)."""
    xp = namespace(x)
    if xp.isdtype(x.dtype, "real floating"):
        return matmul_rows(x)
    top = max(int(xp.max(x)), -int(xp.min(x)))
    if top * x.shape[-1] <= FLOAT64_EXACT:
        return xp.astype(matmul_rows(xp.astype(x, xp.float64)), x.dtype)
    return butterfly_rows(x)


def _numba_inplace(a):
    from ._fwht_numba import fwht_inplace

    fwht_inplace(a)
    return a


def _torch_rows(t):
    from . import _fwht_torch

    return _fwht_torch.fwht(t)


#: name -> kernel(a): the transform of each row of a C-contiguous (B, 2**n) array of the
#: backend's container, which the caller owns (numpy and numba overwrite it, torch returns a new tensor).
_TRANSFORM = {"numba": _numba_inplace, "numpy": xp_rows, "torch": _torch_rows}


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
