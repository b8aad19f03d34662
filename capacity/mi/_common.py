"""Shared plumbing of the MI estimators: units, sample arrays, validation of options."""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.validate import as_array, check_choice, check_finite, shape_of
from boolean._lib.memory import check_size

UNITS = ("bits", "nats")
LN2 = math.log(2.0)


def planned_rows(a) -> tuple:
    """``(n, d)`` of a sample array from its shape alone (no copy: a tensor stays on its device,
    a broadcast view is not expanded), for the memory plan; ``(0, 0)`` when the shape is not 1-D
    or 2-D (ragged, scalar, 3-D: :func:`as_samples` then names the problem)."""
    shape = shape_of(a)
    return (*shape, 1)[:2] if len(shape) in (1, 2) else (0, 0)


def units_scale(units) -> float:
    """Factor turning nats into ``units`` ("bits" -> 1/ln 2, "nats" -> 1)."""
    check_choice(units, "units", UNITS)
    return 1.0 / LN2 if units == "bits" else 1.0


def as_rows(a, name: str, *, integer: bool = False, rows: str = "n") -> np.ndarray:
    """Array-like of ndim 1 or 2 -> numpy (n, d) (1-D input -> d = 1), dtype checked, not converted.

    Refuses what is not array-like and non-real dtypes (TypeError; with ``integer``, anything but
    integer/bool codes) and ndim other than 1 or 2 (ValueError). ``rows`` names the row count
    in the shape message.
    """
    arr = as_array(a, name) if integer else as_array(a, name, kinds="biuf")
    if integer and arr.dtype.kind not in "biu":
        raise TypeError(f"`{name}` must hold integer (or bool) codes; got dtype {arr.dtype}. "
                        "Quantise real outputs with quantized_output_entropy")
    if arr.ndim not in (1, 2):
        raise ValueError(f"`{name}` must be 1-D ({rows},) or 2-D ({rows}, d); got shape {arr.shape}")
    return arr[:, None] if arr.ndim == 1 else arr


def as_samples(a, name: str, *, max_bytes=None, min_rows: int = 1) -> np.ndarray:
    """Validate real samples and return float64 numpy of shape (n, d) (1-D input -> d = 1).

    Refuses non-numeric dtypes (TypeError), ndim other than 1 or 2, fewer than ``min_rows``
    rows or zero columns, NaN/inf (ValueError, with the first position), and a float64 copy
    larger than ``max_bytes``.
    """
    # from the shape, before any copy (a CUDA tensor would otherwise come to the host first)
    shape = shape_of(a)
    check_size(float(np.prod(shape, dtype=np.float64)) * 8.0, max_bytes, f"`{name}` as float64")
    arr = as_rows(a, name)
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least {min_rows} row(s) and 1 column; got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    check_finite(arr, name)
    return arr


def as_paired_samples(x, y, *, max_bytes=None, min_rows: int = 1):
    """:func:`as_samples` of ``x`` and ``y``, which must have the same number of rows."""
    xs = as_samples(x, "x", max_bytes=max_bytes, min_rows=min_rows)
    ys = as_samples(y, "y", max_bytes=max_bytes, min_rows=min_rows)
    if ys.shape[0] != xs.shape[0]:
        raise ValueError(f"`y` must have as many rows as `x` ({xs.shape[0]}); got {ys.shape[0]}")
    return xs, ys
