"""Restrictions of Boolean functions: fix some coordinates, keep a function of the rest."""
from __future__ import annotations

import numbers

import numpy as np

from ._lib.array import namespace
from ._lib.backend import is_tensor
from ._tables import deliver, fill_params, load_table

__all__ = ["restrict"]


def _check_fixed(fixed, n):
    if not isinstance(fixed, dict):
        raise TypeError(f"`fixed` must be a dict {{index: bit}}; got {type(fixed).__name__}")
    out = {}
    for i, b in fixed.items():
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral) or not 0 <= int(i) < n:
            raise ValueError(f"`fixed` must have integer keys in [0, {n}); got key {i!r}")
        if is_tensor(b) and b.ndim == 0:  # a one-entry tensor of any other shape is not a bit
            b = b.item()
        if isinstance(b, (bool, np.bool_)):
            b = int(b)
        if not isinstance(b, numbers.Integral) or int(b) not in (0, 1):
            raise ValueError(f"`fixed` must map each index to a bit 0 or 1; got {i!r}: {b!r}")
        out[int(i)] = int(b)
    return out


def _restrict_xp(table, fx, n):
    """numpy or torch: one strided view per fixed variable, then one copy."""
    xp = namespace(table)
    B, size = table.shape
    out = table
    for i in sorted(fx, reverse=True):  # highest first: lower variables keep their positions
        out = xp.reshape(xp.reshape(out, (B, size >> (i + 1), 2, 1 << i))[:, :, fx[i], :], (B, size // 2))
        size //= 2
    return xp.asarray(out, copy=True)  # never the caller's own array


def _restrict_numba(table, fx, n):
    from . import _numba

    free_mask = sum(1 << i for i in range(n) if i not in fx)
    fixed_bits = sum(b << i for i, b in fx.items())
    return _numba.restrict_rows(table, free_mask, fixed_bits, n - len(fx))


_RESTRICT = {"numba": _restrict_numba, "xp": _restrict_xp}


def _plan_bytes(name, n, rows):
    """Peak bytes of :func:`restrict`, any backend: the table, a validated copy, the result (<= half)."""
    return rows * 2.0**n * 2.5


@fill_params
def restrict(f, fixed, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Restriction :math:`f|_{J \leftarrow z}`: fix x_j = z_j for j in J, a function of the remaining bits.

    .. math:: f|_{J \leftarrow z}(y) = f(x),\quad x_J = z,\quad x_{[n] \setminus J} = y,

    where y is indexed by the free coordinates in increasing order (the smallest free index is
    bit 0 of y), so the result is again a truth table in this package's convention.

    Parameters
    ----------
    {table}
    fixed : dict {int: 0 or 1}
        The coordinates J to fix and their bits z.
    {options}

    Returns
    -------
    ndarray or torch.Tensor, uint8, shape ``(2**(n - |J|),)`` or ``(B, 2**(n - |J|))``

    Raises
    ------
    TypeError
        For a float/complex table or ``fixed`` that is not a dict.
    ValueError
        For a bad table, keys outside [0, n), bits other than 0/1, a request above
        ``max_bytes``, an unknown backend, or CUDA without a GPU.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 3.18 (restrictions).

    Examples
    --------
    >>> from boolean import majority
    >>> restrict(majority(3), {0: 1}).tolist()  # Maj(1, y0, y1) = OR(y0, y1)
    [0, 1, 1, 1]
    >>> restrict([0, 1, 1, 0], {1: 0}).tolist()  # x0 xor 0
    [0, 1]
    """
    be, table, n, batched = load_table(f, backend, device, max_bytes, _plan_bytes, "restrict", domain=domain)
    fx = _check_fixed(fixed, n)
    kernel = _RESTRICT["xp" if not fx else be.kernel]  # nothing to fix: a copy
    return deliver(kernel(table, fx, n), f, batched)
