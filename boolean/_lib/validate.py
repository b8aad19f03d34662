"""Input validation shared by :mod:`boolean` and :mod:`capacity`: truth tables, numbers,
probability vectors and channels.

Public routines validate once at the boundary; private kernels trust their input.
Messages follow one template: "`<param>` must be <requirement>; got <value>."
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .backend import is_tensor, to_numpy
from .memory import check_size

#: Largest n for which a truth table is accepted (2**30 entries = 1 GiB of uint8).
MAX_N = 30


def check_int(value, name: str, *, low=None, high=None) -> int:
    """Return ``value`` as int, requiring an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer; got {value!r}")
    value = int(value)
    lo, hi = (-math.inf if low is None else low), (math.inf if high is None else high)
    if not lo <= value <= hi:
        raise ValueError(f"`{name}` must be an integer in [{lo}, {hi}]; got {value}")
    return value


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False, finite=True) -> float:
    """Return ``value`` as float, requiring a real in the stated interval, finite unless ``finite``
    is False (then an infinite bound of the interval is allowed too; NaN never is)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}")
    try:
        x = float(value)
        shown = repr(x)
    except OverflowError:  # an integer beyond the float range: as infinite as a float can be
        x, shown = (math.inf if value > 0 else -math.inf), f"an integer of {len(str(abs(value)))} digits"
    lo, hi = (-math.inf if low is None else low), (math.inf if high is None else high)
    if not ((math.isfinite(x) or not finite) and (lo < x if low_open else lo <= x)
            and (x < hi if high_open else x <= hi)):
        lb, rb = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"`{name}` must be a {'finite ' * finite}number in {lb}{lo}, {hi}{rb}; got {shown}")
    return x


#: Largest seed: torch folds seeds modulo 2**63 (2**63 would give seed 0's stream), so one range,
#: [0, 2**63 - 1], holds for every seeded routine, numpy or torch.
SEED_MAX = 2**63 - 1

#: Largest iteration cap the solvers accept: their counters are int64, and a cap must leave room for
#: one more chunk of steps before it overflows.
MAX_ITERATIONS = 2**62


def check_seed(seed, name: str = "seed", *, optional: bool = True, generator: bool = True):
    """Return ``seed`` as an int in [0, SEED_MAX]; None passes through when ``optional``, a numpy
    Generator when ``generator``. Bools, floats, strings and out-of-range ints are refused."""
    if (seed is None and optional) or (generator and isinstance(seed, np.random.Generator)):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        kinds = ["an integer"] + ["a numpy Generator"] * generator + ["None"] * optional
        allowed = " or ".join([", ".join(kinds[:-1]), kinds[-1]]) if len(kinds) > 1 else kinds[0]
        raise TypeError(f"`{name}` must be {allowed}; got {seed!r}")
    return check_int(seed, name, low=0, high=SEED_MAX)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of the strings ``choices``; else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}; got {value!r}")
    return value


def check_flag(value, name: str) -> bool:
    """Return ``value`` as a bool, requiring a Python or numpy bool: a flag never takes whatever is
    truthy (``"yes"``, ``1``, ``None``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a bool (True or False); got {value!r}")
    return bool(value)



def check_path(value, name: str):
    """Return ``value`` if it is a file path (``str`` or ``os.PathLike``); else a TypeError: an
    int would open a file descriptor, and a list fails far from the call."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a file path (str or os.PathLike); got {type(value).__name__}")
    return value

#: Bytes per entry that validating an array input may need: its float64 working copy (the masks
#: of the NaN and sign checks take one byte each on top of a float64 input that needs no copy).
INPUT_BYTES_PER_ENTRY = 8


def check_input_size(a, name: str, max_bytes=None, *, bytes_per_entry: float = INPUT_BYTES_PER_ENTRY) -> None:
    """Refuse (ValueError naming ``name`` and ``max_bytes``) an array or tensor whose validation
    would need more than ``max_bytes`` (None: 8 GiB), from its shape alone, before any
    ``np.asarray``/``astype`` copies it: a broadcast view of 2**40 entries costs nothing to hold
    and terabytes to convert. Sequences pass (converting one costs less than it holds)."""
    shape = getattr(a, "shape", None)
    if shape is None:
        return
    try:
        entries = math.prod(int(s) for s in shape)
    except (TypeError, ValueError):
        return
    check_size(float(entries) * bytes_per_entry, max_bytes, f"`{name}` of shape {tuple(int(s) for s in shape)}")


def as_array(a, name: str, *, kinds: str | None = None, requirement: str = "a real numeric array",
             max_bytes=None, bytes_per_entry: float = INPUT_BYTES_PER_ENTRY) -> np.ndarray:
    """``np.asarray(a)`` (tensors are copied to the host first), or a TypeError naming ``name``
    when ``a`` is not array-like (ragged sequences and the like), is a masked array with masked
    entries (whose hidden values asarray would keep) or, with ``kinds``, when its dtype kind is
    not in ``kinds`` ("`<name>` must be <requirement>; got dtype ...").
    :func:`check_input_size` comes first: an array or tensor whose validation (``bytes_per_entry``
    per entry) exceeds ``max_bytes`` is refused before any copy."""
    check_input_size(a, name, max_bytes, bytes_per_entry=bytes_per_entry)
    if is_tensor(a):
        a = to_numpy(a)
    if isinstance(a, np.ma.MaskedArray) and np.ma.is_masked(a):
        # np.asarray would keep the hidden values under the mask and compute with them
        raise TypeError(f"`{name}` is a masked array with masked entries; pass plain values "
                        "(numpy.ma.filled) or drop the masked ones")
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


def _kind(a) -> str:
    """numpy's dtype kind of an array, or of a tensor's dtype ("b", "i" for any integer, "f", "c")."""
    if not is_tensor(a):
        return a.dtype.kind
    import torch

    return "b" if a.dtype == torch.bool else "c" if a.dtype.is_complex else "f" if a.dtype.is_floating_point else "i"


def check_finite(a, name: str) -> None:
    """Refuse NaN or inf in a float array or tensor, naming the first position."""
    if _kind(a) in "fc":
        bad = ~a.isfinite() if is_tensor(a) else ~np.isfinite(a)
        if bool(bad.any()):
            pos = first_bad_position(to_numpy(bad))
            what = "NaN" if bool(a[pos] != a[pos]) else "inf"
            raise ValueError(f"`{name}` must be finite; got {what} at {pos}")


def n_from_length(length: int, name: str = "f") -> int:
    """n such that ``length == 2**n``, or a ValueError."""
    if length < 1 or length & (length - 1):
        raise ValueError(f"`{name}` must have length 2**n along its last axis; got length {length}")
    n = length.bit_length() - 1
    if n > MAX_N:
        raise ValueError(f"`{name}` must have n <= {MAX_N}; got n = {n}")
    return n


#: The declared domains of a truth table: 0/1 values (f itself) or ±1 values (g = (-1)^f).
DOMAINS = ("01", "pm1")


def check_domain(domain) -> str:
    """Return ``domain`` if it is one of :data:`DOMAINS`."""
    if not isinstance(domain, str):
        raise TypeError(f"`domain` must be a string, one of {DOMAINS}; got {domain!r}")
    if domain not in DOMAINS:
        raise ValueError(f"`domain` must be one of {DOMAINS}; got {domain!r}")
    return domain


def _domain_error(name, domain, lo, hi):
    if domain == "01":
        hint = " (for a ±1 table g = (-1)^f pass domain=\"pm1\")" if lo == -1 and hi <= 1 else ""
        return ValueError(f"`{name}` must hold values in {{0, 1}} (domain=\"01\"){hint}; got values in [{lo}, {hi}]")
    return ValueError(f"`{name}` must hold values in {{-1, +1}} (domain=\"pm1\"); got values in [{lo}, {hi}]")


def as_truth_table(f, name: str = "f", *, allow_batch: bool = True, domain: str = "01"):
    """Validate a Boolean truth table and return ``(table, n)``.

    The domain is declared, never guessed: ``domain="01"`` accepts 0/1 integers or bools (f
    itself); ``domain="pm1"`` accepts ±1 integers or floats (g = (-1)^f, so +1 -> 0 and
    -1 -> 1). Arrays, sequences or torch tensors of shape ``(2**n,)`` or ``(B, 2**n)``. The
    table is returned as uint8 0/1 of the same container type (a tensor stays on its device).

    Raises
    ------
    TypeError  for an unknown kind of ``domain``; float/complex/object/str dtypes with
               domain "01"; bool, complex, object or str with domain "pm1".
    ValueError for an unknown domain, a wrong shape, a length that is not a power of two, NaN
               or inf, or values outside the declared domain.
    """
    check_domain(domain)
    check_input_size(f, name, bytes_per_entry=1)  # the uint8 copy; the caller's plan counts the rest
    a = f if is_tensor(f) else as_array(f, name, bytes_per_entry=1)
    kind = _kind(a)
    if kind not in ("biu" if domain == "01" else "iuf"):
        check_finite(a, name)  # a NaN/inf is named before the dtype
        raise TypeError(f"`{name}` must hold {_KINDS[domain]}; got dtype {a.dtype}")
    _check_table_shape(tuple(a.shape), name, allow_batch)
    n = n_from_length(a.shape[-1], name)
    check_finite(a, name)
    if domain == "01":
        if kind == "b" or a.dtype == np.uint8 and a.max() <= 1:
            return _as_uint8(a), n
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi <= 1:
            return _as_uint8(a), n
        raise _domain_error(name, domain, lo, hi)
    if bool(((a == 1) | (a == -1)).all()):
        return _as_uint8(a < 0), n
    raise _domain_error(name, domain, _num(a.min()), _num(a.max()))


def _as_uint8(a):
    """A 0/1 (or bool) table as C-contiguous uint8 numpy, or a uint8 tensor on its device."""
    if is_tensor(a):
        import torch

        return a.to(torch.uint8)
    return np.ascontiguousarray(a, dtype=np.uint8)


#: what a table of each domain may hold (for the TypeError)
_KINDS = {"01": "integers or bools (0/1; ±1 tables need domain=\"pm1\")", "pm1": "integers or floats (±1)"}


def _num(v):
    """A min/max for a message: an int when integral."""
    v = float(v)
    return int(v) if v.is_integer() else v


def _check_table_shape(shape, name, allow_batch):
    if len(shape) == 1 or (allow_batch and len(shape) == 2):
        if 0 in shape:
            raise ValueError(f"`{name}` must be non-empty; got shape {shape}")
        return
    want = "(2**n,) or (B, 2**n)" if allow_batch else "(2**n,)"
    raise ValueError(f"`{name}` must have shape {want}; got shape {shape}")


def numpy_table(f, name: str = "f", *, domain: str = "01"):
    """Validated uint8 numpy table and n (tensors are copied to the host)."""
    table, n = as_truth_table(f, name, domain=domain)
    return to_numpy(table), n


#: Tolerance on row sums / total mass of probability vectors and channel rows (float64 input).
ROW_SUM_ATOL = 1e-9


def row_sum_atol(dtype, atol: float = ROW_SUM_ATOL) -> float:
    """The row-sum tolerance for input of ``dtype`` (numpy or torch): ``atol``, or 4 ulps of 1 in a
    floating dtype coarser than that (float32: 4.8e-7). Each stored entry is off by at most half
    an ulp of itself, so a row of true sum 1 sums to 1 within eps/2 once widened to float64; a row
    normalised in that dtype adds the rounding of its divisor (numpy's pairwise sum: measured under
    1.6 eps for float32 rows of 2 to 10^6 entries)."""
    try:
        eps = float(np.finfo(dtype).eps)
    except (TypeError, ValueError):  # integers, bools, torch dtypes
        try:
            import torch
            eps = float(torch.finfo(dtype).eps) if dtype.is_floating_point else 0.0
        except (ImportError, AttributeError, TypeError):
            eps = 0.0
    return max(atol, 4.0 * eps)


def as_float_array(a, name: str, *, max_bytes=None) -> np.ndarray:
    """:func:`as_array` of a real numeric array (bool, integer or float), converted to float64
    (refused before the copy when that exceeds ``max_bytes``)."""
    return np.asarray(as_array(a, name, kinds="biuf", max_bytes=max_bytes), dtype=np.float64)


def shape_of(a) -> tuple:
    """Shape of an array-like without converting an array or tensor (so a ``max_bytes`` check can
    come before any float64 copy); ``()`` when it has none (ragged input: the validator reports it)."""
    try:
        return tuple(np.shape(a))
    except Exception:
        return ()


def check_nonnegative(arr: np.ndarray, name: str) -> None:
    """Refuse NaN/inf and negative entries of a float array, naming the first bad position."""
    check_finite(arr, name)
    neg = arr < 0
    if neg.any():
        pos = first_bad_position(neg)
        raise ValueError(f"`{name}` must be non-negative; got {float(arr[pos])!r} at {pos}")


def check_stochastic(a, name: str, *, ndims=(2,), atol: float = ROW_SUM_ATOL, max_bytes=None) -> np.ndarray:
    """Validate an array whose last axis holds probability vectors; return float64 numpy.

    Checks: ndim in ``ndims``, non-empty, finite (position of the first NaN/inf),
    non-negative (position of the first negative entry), sums to 1 within ``atol``
    (:func:`row_sum_atol`: wider for float32 or float16 input) along the last axis (the worst
    row and its sum are named). An input whose float64 copy exceeds ``max_bytes`` (None: 8 GiB)
    is refused from its shape, before any copy (:func:`check_input_size`).
    """
    raw = as_array(a, name, kinds="biuf", max_bytes=max_bytes)
    arr = np.asarray(raw, dtype=np.float64)
    if arr.ndim not in ndims:
        shapes = {1: "1-D (n,)", 2: "2-D (n_inputs, n_outputs)", 3: "3-D (batch, n_inputs, n_outputs)"}
        want = " or ".join(shapes.get(d, f"{d}-D") for d in ndims)
        raise ValueError(f"`{name}` must be {want}; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must be non-empty; got shape {arr.shape}")
    check_nonnegative(arr, name)
    check_row_sums(arr.sum(axis=-1), name, raw.dtype, atol=atol,
                   hint=". Use capacity.normalize_rows to renormalise explicitly")
    return arr


def check_row_sums(sums, name: str, dtype, *, atol: float = ROW_SUM_ATOL, requirement: str = "have rows summing to 1",
                   whole: str = "the vector", hint: str = "") -> None:
    """Refuse row sums (``sums``: one per row, any shape; 0-D for a single vector or table) off 1
    by more than :func:`row_sum_atol` of the input's ``dtype`` (the dtype the user gave, before
    any float64 copy), naming the worst row and its sum. The one row-sum check of dense and
    sparse inputs alike."""
    sums = np.asarray(sums, dtype=np.float64)
    tol = row_sum_atol(dtype, atol)
    err = np.abs(sums - 1.0)
    if err.size == 0 or not err.max() > tol:
        return
    worst = first_bad_position(err == err.max())
    where = whole if sums.ndim == 0 else f"row {worst if len(worst) > 1 else worst[0]}"
    raise ValueError(f"`{name}` must {requirement} (atol={tol:g}); {where} sums to {float(sums[worst]):.17g}{hint}")


def check_channel(W, name: str = "W", *, allow_batch: bool = True, max_bytes=None) -> np.ndarray:
    """Validate a channel matrix W[x, y] = P(y | x), shape (nx, ny) or (B, nx, ny)."""
    return check_stochastic(W, name, ndims=(2, 3) if allow_batch else (2,), max_bytes=max_bytes)


def check_distribution(p, name: str = "p", *, max_bytes=None) -> np.ndarray:
    """Validate a probability vector (1-D, non-negative, sums to 1)."""
    return check_stochastic(p, name, ndims=(1,), max_bytes=max_bytes)
