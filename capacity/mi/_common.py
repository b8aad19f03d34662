"""Shared plumbing of the MI estimators: units, sample arrays, validation of options."""
from __future__ import annotations

import math

import numpy as np

from boolean._backend import is_tensor, to_numpy
from boolean._validate import check_finite, check_size

UNITS = ("bits", "nats")
LN2 = math.log(2.0)


def units_scale(units) -> float:
    """Factor turning nats into ``units`` ("bits" -> 1/ln 2, "nats" -> 1)."""
    if not isinstance(units, str) or units not in UNITS:
        raise ValueError(f"`units` must be one of {UNITS}; got {units!r}")
    return 1.0 / LN2 if units == "bits" else 1.0


def as_samples(a, name: str, *, max_bytes=None, min_rows: int = 1) -> np.ndarray:
    """Validate real samples and return float64 numpy of shape (n, d) (1-D input -> d = 1).

    Refuses non-numeric dtypes (TypeError), ndim other than 1 or 2, fewer than ``min_rows``
    rows or zero columns, NaN/inf (ValueError, with the first position), and a float64 copy
    larger than ``max_bytes``.
    """
    if is_tensor(a):
        a = to_numpy(a)
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged sequences
        raise TypeError(f"`{name}` must be array-like; got {type(a).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array; got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {arr.shape}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least {min_rows} row(s) and 1 column; got shape {arr.shape}")
    check_size(arr.size * 8.0, max_bytes, f"`{name}` as float64")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    check_finite(arr, name)
    return arr
