r"""Spectral counts of the cryptographic and learning literature: Fourier sparsity,
nonlinearity and bentness, exact integers from one integer Walsh–Hadamard transform.

With g = (-1)^f and the unnormalised spectrum W_f(T) = 2^n ĝ(T) (exact int64):

.. math:: \mathrm{spar}(f) = \#\{T : W_f(T) \ne 0\}, \qquad
          \mathrm{NL}(f) = 2^{n-1} - \tfrac12 \max_T |W_f(T)|,

and f is bent when |W_f(T)| = 2^{n/2} for every T (n even).
"""
from __future__ import annotations

import numpy as np

from ._lib.array import to_numpy
from ._tables import INT_PER_TABLE, load_table, table_doc, table_raises
from ._transform import pm1_plan_bytes, pm1_transform

__all__ = ["fourier_sparsity", "nonlinearity", "is_bent"]


def _plan_bytes(name, n, rows):
    """The integer ±1 transform (its peak) and a bool mask of the spectrum."""
    e = rows * 2.0**n
    return pm1_plan_bytes(name, e) + e


def _spectrum(f, domain, backend, device, max_bytes, what):
    """Exact int64 W_f (numpy, (B, 2**n)), n, batched."""
    be, table, n, batched = load_table(f, backend, device, max_bytes, _plan_bytes, what, domain=domain)
    return to_numpy(pm1_transform(table, n, be, "int")), n, batched


#: Spectrum entries taken at a time where |W_f| is needed entry by entry (bounds the temporaries).
_BLOCK = 1 << 16


def _abs_range(w):
    """Per-row min and max of |w| (int64 (B,) each), without an array of |w| as large as w."""
    lo = np.full(len(w), np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.zeros(len(w), dtype=np.int64)
    for start in range(0, w.shape[1], _BLOCK):
        a = np.abs(w[:, start:start + _BLOCK])
        np.minimum(lo, a.min(axis=1), out=lo)
        np.maximum(hi, a.max(axis=1), out=hi)
    return lo, hi


def _out(values, batched, kind=int):
    return values if batched else kind(values[0])


_PARAMS = ("f", "domain", """backend : {"auto", "numpy", "numba", "torch"}
    Where the transform runs; "auto": torch for tensors, else numba. Results are numpy.""",
           """device : torch device, optional
    Only with the torch backend.""", "max_bytes")
_RAISES = table_raises(" or a non-string backend", ", an unknown backend, CUDA without a GPU")
_doc = table_doc(*_PARAMS, returns=INT_PER_TABLE, raises=_RAISES)


@_doc
def fourier_sparsity(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Number of non-zero Fourier coefficients, exactly (integer transform).

    .. math:: \mathrm{spar}(f) = \#\{T \subseteq [n] : \hat g(T) \ne 0\}.

    {sections}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Exercise 3.32 (Fourier sparsity).

    Examples
    --------
    >>> from boolean import and_, parity
    >>> fourier_sparsity(and_(3)), fourier_sparsity(parity(3))
    (8, 1)
    """
    w, n, batched = _spectrum(f, domain, backend, device, max_bytes, "fourier_sparsity")
    return _out(np.count_nonzero(w, axis=1).astype(np.int64), batched)


@_doc
def nonlinearity(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Nonlinearity: the Hamming distance from f to the nearest affine function, exactly.

    .. math:: \mathrm{NL}(f) = \min_{T, b} \#\{x : f(x) \ne \langle T, x\rangle \oplus b\}
              = 2^{n-1} - \tfrac12 \max_T |W_f(T)|, \qquad W_f(T) = 2^n \hat g(T).

    {sections}

    References
    ----------
    C. Carlet, *Boolean Functions for Cryptography and Coding Theory*, 2021, §3.1.

    Examples
    --------
    >>> from boolean import parity
    >>> nonlinearity(parity(4)), nonlinearity([0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1])
    (0, 6)
    """
    w, n, batched = _spectrum(f, domain, backend, device, max_bytes, "nonlinearity")
    peak = np.maximum(w.max(axis=1), -w.min(axis=1))  # max |W_f|, with no copy of the spectrum
    return _out((2 ** (n - 1) - peak // 2).astype(np.int64), batched)


@table_doc(*_PARAMS, raises=_RAISES, returns="""bool or ndarray
    A Python bool for one table, bool (B,) for a batch (always False for odd n).""")
def is_bent(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Whether f is bent: a flat Walsh spectrum (maximal nonlinearity; n even only).

    .. math:: |W_f(T)| = 2^{n/2} \text{ for every } T
              \iff \mathrm{NL}(f) = 2^{n-1} - 2^{n/2 - 1}.

    {sections}

    References
    ----------
    O. S. Rothaus, On "bent" functions, *J. Combin. Theory Ser. A* 20 (1976), 300-305.

    Examples
    --------
    >>> is_bent([0, 0, 0, 1]), is_bent([0, 1, 1, 0])  # x0 x1 is bent, x0 + x1 is not
    (True, False)
    """
    w, n, batched = _spectrum(f, domain, backend, device, max_bytes, "is_bent")
    if n % 2:
        flat = np.zeros(len(w), dtype=bool)
    else:
        lo, hi = _abs_range(w)
        flat = (lo == 2 ** (n // 2)) & (hi == 2 ** (n // 2))
    return _out(flat, batched, bool)
