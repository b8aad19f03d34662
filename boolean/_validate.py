"""Input validation shared by :mod:`boolean` and :mod:`capacity`.

Public routines validate once at the boundary; private kernels trust their input.
Messages follow one template: "`<param>` must be <requirement>; got <value>."
"""
from __future__ import annotations

import numbers

import numpy as np

from ._backend import is_tensor, to_numpy

#: Largest n for which a truth table is accepted (2**30 entries = 1 GiB of uint8).
MAX_N = 30
#: Default memory cap for any single allocation a routine plans (bytes).
DEFAULT_MAX_BYTES = 8 * 2**30


def format_bytes(nbytes: float) -> str:
    """Human-readable size, e.g. ``16.0 GiB``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{int(nbytes)} B"


def check_size(nbytes: float, max_bytes, what: str = "this request") -> None:
    """Refuse (before allocating) a request of ``nbytes`` above ``max_bytes`` (None: 8 GiB).

    ``max_bytes`` itself must be a number > 0 (a NaN would let every request through).
    """
    if max_bytes is None:
        max_bytes = DEFAULT_MAX_BYTES
    elif isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Real):
        raise TypeError(f"`max_bytes` must be a number of bytes or None; got {max_bytes!r}")
    elif not max_bytes > 0:
        raise ValueError(f"`max_bytes` must be > 0; got {max_bytes!r}")
    if nbytes > max_bytes:
        raise ValueError(f"{what} needs {format_bytes(nbytes)} > max_bytes={format_bytes(max_bytes)}; "
                         "raise max_bytes or reduce the size")


def check_int(value, name: str, *, low=None, high=None) -> int:
    """Return ``value`` as int, requiring an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer; got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"`{name}` must be an integer in [{lo}, {hi}]; got {value}")
    return value


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as float, requiring a finite real in the stated interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}")
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"`{name}` must be a finite number in {lb}{lo}, {hi}{rb}; got {value!r}")
    return value


def check_seed(seed, name: str = "seed"):
    """Refuse a ``seed`` that :func:`numpy.random.default_rng` should not get: only an int, a
    numpy Generator or None (bools are refused); returns it unchanged."""
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (numbers.Integral, np.random.Generator))):
        raise TypeError(f"`{name}` must be an int, a numpy Generator or None; got {seed!r}")
    return seed


def as_array(a, name: str, *, kinds: str | None = None, requirement: str = "a real numeric array") -> np.ndarray:
    """``np.asarray(a)`` (tensors are copied to the host first), or a TypeError naming ``name``
    when ``a`` is not array-like (ragged sequences and the like) or, with ``kinds``, when its
    dtype kind is not in ``kinds`` ("`<name>` must be <requirement>; got dtype ...")."""
    if is_tensor(a):
        a = to_numpy(a)
    try:
        arr = np.asarray(a)
    except Exception as exc:
        raise TypeError(f"`{name}` must be array-like; got {type(a).__name__}") from exc
    if kinds is not None and arr.dtype.kind not in kinds:
        raise TypeError(f"`{name}` must be {requirement}; got dtype {arr.dtype}")
    return arr


def first_bad_position(mask: np.ndarray):
    """Index tuple of the first True entry of ``mask`` (C order)."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def check_finite(a: np.ndarray, name: str) -> None:
    """Refuse NaN or inf, naming the first position."""
    if a.dtype.kind in "fc":
        bad = ~np.isfinite(a)
        if bad.any():
            pos = first_bad_position(bad)
            what = "NaN" if np.isnan(a[pos]) else "inf"
            raise ValueError(f"`{name}` must be finite; got {what} at {pos}")


def n_from_length(length: int, name: str = "f") -> int:
    """n such that ``length == 2**n``, or a ValueError."""
    if length < 1 or length & (length - 1):
        raise ValueError(f"`{name}` must have length 2**n along its last axis; got length {length}")
    n = length.bit_length() - 1
    if n > MAX_N:
        raise ValueError(f"`{name}` must have n <= {MAX_N}; got n = {n}")
    return n


def as_truth_table(f, name: str = "f", *, allow_batch: bool = True):
    """Validate a Boolean truth table and return ``(table, n)``.

    Accepts 0/1 integers, bool, or ±1 integers (g = (-1)^f, so +1 -> 0 and -1 -> 1),
    as numpy arrays, sequences or torch tensors, of shape ``(2**n,)`` or ``(B, 2**n)``.
    The table is returned as uint8 0/1 of the same container type (a tensor stays on
    its device). Entries are read as ±1 only when -1 occurs and every entry is ±1.

    Raises
    ------
    TypeError  for float/complex/object/str dtypes.
    ValueError for a wrong shape, a length that is not a power of two, or other values.
    """
    if is_tensor(f):
        import torch

        if f.dtype.is_floating_point or f.dtype.is_complex:
            raise TypeError(f"`{name}` must hold integers or bools (0/1 or ±1); got dtype {f.dtype}")
        _check_table_shape(tuple(f.shape), name, allow_batch)
        n = n_from_length(f.shape[-1], name)
        if f.dtype == torch.bool:
            return f.to(torch.uint8), n
        lo, hi = int(f.min()), int(f.max())
        if lo >= 0 and hi <= 1:
            return f.to(torch.uint8), n
        if lo == -1 and hi <= 1 and not bool((f == 0).any()):
            return (f < 0).to(torch.uint8), n
        raise ValueError(f"`{name}` must hold values in {{0, 1}} (or ±1); got values in [{lo}, {hi}]")
    a = as_array(f, name)
    if a.dtype.kind not in "biu":
        if a.dtype.kind == "f":
            check_finite(a, name)  # a NaN/inf is named before the dtype
        raise TypeError(f"`{name}` must hold integers or bools (0/1 or ±1); got dtype {a.dtype}")
    _check_table_shape(a.shape, name, allow_batch)
    n = n_from_length(a.shape[-1], name)
    if a.dtype == np.bool_ or a.dtype == np.uint8 and a.size and a.max() <= 1:
        return np.ascontiguousarray(a, dtype=np.uint8), n
    lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
    if lo >= 0 and hi <= 1:
        return np.ascontiguousarray(a, dtype=np.uint8), n
    if lo == -1 and hi <= 1 and not (a == 0).any():
        return np.ascontiguousarray(a < 0, dtype=np.uint8), n
    raise ValueError(f"`{name}` must hold values in {{0, 1}} (or ±1); got values in [{lo}, {hi}]")


def _check_table_shape(shape, name, allow_batch):
    if len(shape) == 1 or (allow_batch and len(shape) == 2):
        if 0 in shape:
            raise ValueError(f"`{name}` must be non-empty; got shape {shape}")
        return
    want = "(2**n,) or (B, 2**n)" if allow_batch else "(2**n,)"
    raise ValueError(f"`{name}` must have shape {want}; got shape {shape}")


def numpy_table(f, name: str = "f"):
    """Validated uint8 numpy table and n (tensors are copied to the host)."""
    table, n = as_truth_table(f, name)
    return to_numpy(table), n
