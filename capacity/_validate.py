"""Validation of channels and distributions (the capacity side of the shared conventions).

Rows must sum to 1 within ``ROW_SUM_ATOL``; we never renormalise silently
(call :func:`normalize_rows` explicitly if that is what you want).
"""
from __future__ import annotations

import numpy as np

from boolean._backend import is_tensor, to_numpy
from boolean._validate import check_finite, first_bad_position

#: Tolerance on row sums / total mass of probability vectors and channel rows.
ROW_SUM_ATOL = 1e-9


def _as_array(a, name) -> np.ndarray:
    """numpy array of an array-like or a tensor (moved to the CPU), without conversion."""
    if is_tensor(a):
        a = to_numpy(a)
    try:
        return np.asarray(a)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"`{name}` must be array-like; got {type(a).__name__}") from exc


def shape_of(a) -> tuple:
    """Shape of an array-like without converting an array or tensor (so a ``max_bytes`` check can
    come before any float64 copy); ``()`` when it has none (ragged input: the validator reports it)."""
    try:
        return tuple(np.shape(a))
    except Exception:
        return ()


def _as_real_array(a, name) -> np.ndarray:
    """:func:`_as_array`, refusing dtypes other than bool, integer and float (TypeError)."""
    arr = _as_array(a, name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array; got dtype {arr.dtype}")
    return arr


def _as_float_array(a, name) -> np.ndarray:
    return np.asarray(_as_real_array(a, name), dtype=np.float64)


def check_nonnegative(arr: np.ndarray, name: str) -> None:
    """Refuse NaN/inf and negative entries of a float array, naming the first bad position."""
    check_finite(arr, name)
    neg = arr < 0
    if neg.any():
        pos = first_bad_position(neg)
        raise ValueError(f"`{name}` must be non-negative; got {float(arr[pos])!r} at {pos}")


def check_stochastic(a, name: str, *, ndims=(2,), atol: float = ROW_SUM_ATOL) -> np.ndarray:
    """Validate an array whose last axis holds probability vectors; return float64 numpy.

    Checks: ndim in ``ndims``, non-empty, finite (position of the first NaN/inf),
    non-negative (position of the first negative entry), sums to 1 within ``atol``
    along the last axis (the worst row and its sum are named).
    """
    arr = _as_float_array(a, name)
    if arr.ndim not in ndims:
        shapes = {1: "1-D (n,)", 2: "2-D (n_inputs, n_outputs)", 3: "3-D (batch, n_inputs, n_outputs)"}
        want = " or ".join(shapes.get(d, f"{d}-D") for d in ndims)
        raise ValueError(f"`{name}` must be {want}; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must be non-empty; got shape {arr.shape}")
    check_nonnegative(arr, name)
    sums = arr.sum(axis=-1)
    err = np.abs(sums - 1.0)
    if err.max() > atol:
        worst = first_bad_position(err == err.max())
        where = f"row {worst if len(worst) > 1 else worst[0]}" if arr.ndim > 1 else "the vector"
        raise ValueError(f"`{name}` must have rows summing to 1 (atol={atol:g}); {where} sums to "
                         f"{float(sums[worst]):.17g}. Use capacity.normalize_rows to renormalise explicitly")
    return arr


def check_channel(W, name: str = "W", *, allow_batch: bool = True) -> np.ndarray:
    """Validate a channel matrix W[x, y] = P(y | x), shape (nx, ny) or (B, nx, ny)."""
    return check_stochastic(W, name, ndims=(2, 3) if allow_batch else (2,))


def check_distribution(p, name: str = "p") -> np.ndarray:
    """Validate a probability vector (1-D, non-negative, sums to 1)."""
    return check_stochastic(p, name, ndims=(1,))


def normalize_rows(W) -> np.ndarray:
    r"""Explicitly renormalise the rows of a non-negative matrix so each sums to 1.

    .. math:: \tilde W_{xy} = W_{xy} \,/\, \textstyle\sum_{y'} W_{xy'}

    along the last axis. The solvers never do this silently (unlike ``scipy.stats.entropy``);
    call it yourself when unnormalised weights are what you have.

    Parameters
    ----------
    W : array_like, any shape with ndim >= 1
        Non-negative finite weights; the last axis is normalised.

    Returns
    -------
    ndarray
        float64 array of the same shape whose rows sum to 1.

    Raises
    ------
    TypeError
        ``W`` not a real numeric array.
    ValueError
        A scalar, NaN/inf or a negative entry (first position named), or an all-zero row (named).

    References
    ----------
    The conditional law :math:`P(y \mid x) = P(x, y) / P(x)`; Cover & Thomas (2006), §2.2.

    Examples
    --------
    >>> normalize_rows([[1, 3], [2, 2]])
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    arr = _as_float_array(W, "W")
    if arr.ndim == 0:
        raise ValueError(f"`W` must have ndim >= 1; got a scalar {float(arr)!r}")
    check_nonnegative(arr, "W")
    sums = arr.sum(axis=-1, keepdims=True)
    if (sums == 0).any():
        row = first_bad_position(sums[..., 0] == 0)
        where = "the vector" if not row else f"row {row if len(row) > 1 else row[0]}"
        raise ValueError(f"`W` must have no all-zero row; {where} sums to 0")
    return arr / sums
