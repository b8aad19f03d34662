"""The Walsh–Hadamard transform and the Fourier coefficients of Boolean functions.

For f: {0,1}^n -> {0,1} with ±1 form g = (-1)^f and characters
chi_T(x) = (-1)^(sum_{i in T} x_i), the Fourier coefficient is
ĝ(T) = E_x[g(x) chi_T(x)] = 2^-n (H_n g)(T), where H_n = [[1, 1], [1, -1]]^{⊗n} is the
unnormalised Walsh–Hadamard matrix and T is a bitmask (bit i set iff i ∈ T).
"""
from __future__ import annotations

import sys

import numpy as np

from . import _pbiased
from ._lib.array import namespace
from ._lib.backend import is_tensor, resolve_backend, to_backend
from ._lib.memory import DEFAULT_MAX_BYTES, check_size
from ._lib.validate import MAX_N, as_array, check_finite, check_flag, check_real, n_from_length
from ._tables import deliver, load_host_table, load_table
from ._transform import fwht_plan_bytes, normalise, pm1_plan_bytes, pm1_transform, transform_rows

__all__ = ["fwht", "fourier_coefficients"]

_MAX_LENGTH = 1 << MAX_N


def _fwht_dtype(xp, arr):
    """The result dtype of :func:`fwht`: int64 for bool/integer input, else float32/float64 kept."""
    dtype = arr.dtype
    if isinstance(dtype, np.dtype) and not dtype.isnative:   # big-endian input: read in native order
        dtype = dtype.newbyteorder("=")
    if dtype in (xp.float32, xp.float64):
        return dtype
    if xp.isdtype(dtype, ("bool", "integral")):
        return xp.int64
    raise TypeError(f"`a` must hold integers, bools, float32 or float64; got dtype {arr.dtype}")


def _check_out(out, a, shape, out_dtype):
    """Validate ``out`` for :func:`fwht`: the result's type, shape and dtype; ``a`` itself or disjoint."""
    if is_tensor(a):
        if not is_tensor(out) or tuple(out.shape) != shape or out.dtype != out_dtype \
                or out.device != a.device:
            raise ValueError(f"`out` must be a {out_dtype} tensor of shape {shape} on {a.device}; got "
                             f"{type(out).__name__} {getattr(out, 'dtype', '')} {tuple(getattr(out, 'shape', ()))}")
        return
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != np.dtype(out_dtype) \
            or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError(f"`out` must be a writeable C-contiguous {np.dtype(out_dtype).name} ndarray of shape "
                         f"{shape}; got {type(out).__name__} {getattr(out, 'dtype', '')} {getattr(out, 'shape', '')}")
    if isinstance(a, np.ndarray) and np.shares_memory(out, a) and not (
            out.__array_interface__["data"][0] == a.__array_interface__["data"][0] and out.strides == a.strides):
        raise ValueError("`out` must be `a` itself or not overlap it")


def fwht(a, *, out=None, backend="auto", device=None, max_bytes=None):
    r"""Unnormalised Walsh–Hadamard transform along the last axis.

    .. math:: (H_n a)(T) = \sum_{x=0}^{2^n-1} (-1)^{\mathrm{popcount}(x \,\&\, T)} a(x),
              \qquad H_n H_n = 2^n I.

    Parameters
    ----------
    a : array_like or torch.Tensor, shape (..., 2**n)
        Real values; bool and integer inputs are transformed exactly in int64, float32
        stays float32, float64 stays float64. ``a`` is never modified (unless ``out=a``).
    out : ndarray or torch.Tensor, optional
        Where to write the result (same shape, the result's dtype, C-contiguous; a tensor on
        ``a``'s device for tensor input); returned. ``out=a`` transforms in place (float input of
        the result's dtype); then, if ``a`` holds a NaN or inf or values too large (see Raises),
        the error is raised after ``a`` has been overwritten (a NaN's or inf's position is not
        named). With the numba backend and float input the transform runs directly in ``out`` (no
        new array: the fast path when transforming many arrays of one size).
    backend : {"auto", "numpy", "numba", "torch"}
        "auto": torch for tensors, else the numba kernel. With torch, CPU float32/float64 tensors
        are transformed by the numba kernel on zero-copy views of the tensors (input and output stay
        tensors), other tensors by the torch kernels on their device.
    device : torch device, optional
        Only with the torch backend (e.g. "cuda").
    max_bytes : int, optional
        Refuse (before allocating) a request whose working memory exceeds this: one copy of the
        output (numba), 4 (numpy and torch: input, float64 copy, one matmul pass's input and
        output); default 8 GiB.

    Returns
    -------
    ndarray or torch.Tensor, shape of ``a``
        int64, float32 or float64 as above; a tensor (on ``a``'s device) when ``a`` is one.

    Raises
    ------
    TypeError
        For complex, object, string or float16 inputs, or a non-string backend.
    ValueError
        For a last axis whose length is not a power of two, NaN or inf, values whose transform
        could overflow (:math:`\max|a| \cdot 2^n` above :math:`2^{63}-1` for int64, above the
        largest finite float for float32/float64: the bound on every partial sum, checked in the
        same pass as the finiteness), an output above ``max_bytes``, an unknown backend, CUDA without a GPU,
        or an ``out`` of the wrong type, shape or dtype, or partly overlapping ``a``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, Cambridge University Press, 2014, §1.2.
    J. Arndt, *Matters Computational*, Springer, 2011, §23.1 (fast Walsh transforms).

    Examples
    --------
    >>> fwht([1, 0, 0, 0]).tolist()
    [1, 1, 1, 1]
    >>> fwht(fwht([3.0, -1.0, 2.0, 0.5])).tolist()  # H H = 2**n I
    [12.0, -4.0, 8.0, 2.0]
    """
    if type(a) is np.ndarray and (out is None or out is a) and device is None and type(backend) is str \
            and backend in ("auto", "numba"):
        result = _fwht_fast(a, out, max_bytes)
        if result is not None:
            return result
    if type(a) is not np.ndarray and (out is None or out is a) and device is None and type(backend) is str \
            and backend in ("auto", "torch"):
        result = _fwht_tensor_fast(a, out, max_bytes)
        if result is not None:
            return result
    be = resolve_backend(backend, a, device=device)
    arr = a if is_tensor(a) else as_array(a, "a")
    xp = namespace(arr)
    out_dtype = _fwht_dtype(xp, arr)
    shape = tuple(arr.shape)
    if len(shape) == 0:
        raise ValueError(f"`a` must have at least one axis of length 2**n; got shape {shape}")
    if 0 in shape:
        raise ValueError(f"`a` must be non-empty; got shape {shape}")
    n = n_from_length(shape[-1], "a")
    itemsize = out_dtype.itemsize if is_tensor(a) else np.dtype(out_dtype).itemsize
    check_size(fwht_plan_bytes(be.name, np.prod(shape, dtype=np.float64), itemsize), max_bytes, "fwht")
    if out is not None:
        _check_out(out, a, shape, out_dtype)
    if isinstance(arr, np.ndarray) and not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return _FWHT.get(be.name, _fwht_copy)(arr, a, out, out_dtype, n, be)


def _float_limit(fmax, n):
    """The largest max|a| whose transform cannot overflow a float type of largest value ``fmax``:
    fmax / 2**n (exact). Every partial sum of the butterflies after k stages is at most
    2**k max|a| in magnitude (rounding is monotone and 2**k max|a| is a float), so nothing overflows."""
    return fmax * 2.0**-n


def _overflow_error(top, fmax, name, n):
    return ValueError(f"`a` must have max|a| * 2**n <= {fmax:.6g} so that the {name} transform cannot "
                      f"overflow; got max|a| = {top:.6g} with n = {n} (scale `a` by a power of two first)")


def _check_values(arr, out_dtype, n):
    """Refuse NaN/inf (naming the first position), and values whose transform could overflow:
    integers with max|a| 2**n > 2**63 - 1 (int64), floats with max|a| 2**n > finfo.max."""
    xp = namespace(arr)
    if out_dtype == xp.int64:
        lo, hi = int(xp.min(arr)), int(xp.max(arr))
        if max(abs(lo), abs(hi)) * (1 << n) > 2**63 - 1:
            raise ValueError(f"`a` must have max|a| * 2**n <= 2**63 - 1 so that int64 stays exact; "
                             f"got values in [{lo}, {hi}] with n = {n}")
        return
    check_finite(arr, "a")
    fmax = float(xp.finfo(out_dtype).max)
    top = float(xp.max(xp.abs(arr)))
    if top > _float_limit(fmax, n):
        raise _overflow_error(top, fmax, str(out_dtype).removeprefix("torch."), n)


def _fwht_copy(arr, a, out, out_dtype, n, be):
    """Check the values, transform a copy on the backend, return it in ``a``'s container (or in ``out``)."""
    _check_values(arr, out_dtype, n)
    work = to_backend(arr, be, out_dtype, copy=True)
    result = transform_rows(namespace(work).reshape(work, (-1, 1 << n)), be)
    result = deliver(namespace(result).reshape(result, arr.shape), a, True)
    if out is None:
        return result
    out[...] = result
    return out


def _fwht_numba_module():
    """:mod:`boolean._fwht_numba`, imported on first use (``import boolean`` does not load numba)."""
    mod = sys.modules.get(_FWHT_NUMBA)
    if mod is None:
        from . import _fwht_numba as mod
    return mod


_FWHT_NUMBA = f"{__package__}._fwht_numba"


def _numba_checked(src, out, n):
    """Transform the C-contiguous float ndarray ``src`` into ``out`` (``src`` itself, an array of its
    shape and dtype that does not overlap it, or None: a new array, see ``fwht_new``) with the fused
    kernel, which also finds max|src|; refuse NaN, inf and values whose transform could overflow. In
    place, ``src`` is overwritten before the error."""
    kernels = _fwht_numba_module()
    if out is None:
        out, top = kernels.fwht_new(src)
    else:
        top = kernels.fwht_from(src, out)
    if not top <= _LIMITS[src.dtype][n]:  # NaN fails too
        _refuse(src, out, top, n)
    return out


def _refuse(src, out, top, n):
    """Raise the error for a fused-kernel result ``top = max|src|`` above the limit or NaN."""
    if out is src or np.shares_memory(src, out):  # in place (possibly through another view)
        if not np.isfinite(top):
            raise ValueError("`a` must be finite; got NaN or inf (found while transforming in place: "
                             "`a` is overwritten and the position is lost)")
        raise _overflow_error(top, _FMAX[src.dtype], src.dtype.name, n)
    _check_values(src, src.dtype, n)  # names the first NaN/inf, or max|a|
    raise AssertionError("fwht_from reported a value that _check_values did not find")


#: float dtype -> its largest finite value, as a Python float.
_FMAX = {np.dtype(t): float(np.finfo(t).max) for t in (np.float64, np.float32)}
#: float dtype -> [the largest max|a| allowed at n for n = 0..MAX_N] (see :func:`_float_limit`).
_LIMITS = {dt: [_float_limit(fmax, n) for n in range(MAX_N + 1)] for dt, fmax in _FMAX.items()}


def _fwht_numba(arr, a, out, out_dtype, n, be):
    """numba: float input of the output's dtype is copied, checked and transformed in one pass per
    cache block, into ``out`` when given; other input takes :func:`_fwht_copy`."""
    if is_tensor(a) or arr.dtype != out_dtype or out_dtype == np.int64:
        return _fwht_copy(arr, a, out, out_dtype, n, be)
    return _numba_checked(np.ascontiguousarray(arr), out, n)


#: the float dtypes of :func:`fwht`'s fast path (C-contiguous ndarrays, numba backend).
_FAST_DTYPES = frozenset(_FMAX)
_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)
_LIMITS_F64 = _LIMITS[_F64]
#: Arrays of at most this many bytes fit the default ``max_bytes`` (the plan is linear in the size).
_FAST_NBYTES = DEFAULT_MAX_BYTES / fwht_plan_bytes("numba", 1, 1)


def _fwht_fast(a, out, max_bytes):
    """:func:`fwht` for a C-contiguous float64/float32 ndarray ``a`` on the numba backend, with
    ``out`` None or ``a`` itself: the same checks and result as the general path, with less per-call
    work (identity tests for the two dtypes, one flags lookup, the size plan evaluated only when
    ``max_bytes`` is given or the array is near the default). Returns None for any input it does not
    take (which the general path then handles, refusing it if need be)."""
    dtype = a.dtype
    if dtype is _F64:  # identity first: hashing a dtype for the dict costs more than the test
        limits = _LIMITS_F64
    elif dtype is _F32 or dtype in _FAST_DTYPES:
        limits = _LIMITS[dtype]
    else:
        return None
    shape = a.shape
    N = shape[-1] if shape else 0
    if not N or N & (N - 1) or N > _MAX_LENGTH:
        return None
    flags = a.flags
    nbytes = a.nbytes
    if not flags.c_contiguous or (out is not None and not flags.writeable) or not nbytes:
        return None
    if max_bytes is not None or nbytes > _FAST_NBYTES:
        check_size(fwht_plan_bytes("numba", a.size, a.itemsize), max_bytes, "fwht")
    kernels = _fwht_numba_module()
    if out is None:
        out, top = kernels.fwht_new(a)  # large ones start on a cache line (malloc's: 16 bytes in)
    else:
        top = kernels.fwht_from(a, out)
    n = N.bit_length() - 1
    if not top <= limits[n]:  # NaN fails too
        _refuse(a, out, top, n)
    return out


def _fused_tensor(arr, out, n):
    """Transform the CPU float32/float64 strided tensor ``arr`` (last axis 2**n) by the fused numba
    kernel on zero-copy numpy views of it and of the output tensor (new, ``arr`` itself, or an
    ``out`` that does not overlap it), as an ndarray is: one pass per cache block that copies,
    checks and transforms. Returns the output tensor, or None where the views cannot serve (an
    in-place ``out=arr`` that needs autograd or is not contiguous; an ``out`` that needs autograd,
    is not contiguous or overlaps ``arr``): the caller then takes the general path."""
    import torch

    if out is arr:
        if arr.requires_grad or not arr.is_contiguous() or arr.is_neg():
            return None
        src = dst = arr.detach().numpy()
    else:
        if out is not None and (out.requires_grad or not out.is_contiguous() or out.is_neg()):
            return None
        src = arr.detach().resolve_neg().contiguous().numpy()
        dst = None if out is None else out.detach().numpy()
        if dst is not None and np.may_share_memory(src, dst):
            return None
    result = _numba_checked(src, dst, n)
    # a new output is numpy memory (cache-line aligned, huge pages where numpy asks for them) as a CPU
    # tensor: torch's own allocator leaves huge pages off, and first-touching 4 KiB pages then costs
    # more than the transform's copy (not torch's default device either)
    return torch.from_numpy(result) if out is None else out


def _fwht_tensor(arr, a, out, out_dtype, n, be):
    """torch: a CPU float32/float64 tensor (strided, of the output's dtype) goes through
    :func:`_fused_tensor`; other input (ndarrays sent to torch, CUDA, integers, and what
    :func:`_fused_tensor` declines) takes :func:`_fwht_copy`."""
    import torch

    if is_tensor(arr) and arr.device.type == "cpu" and be.device.type == "cpu" and arr.dtype == out_dtype \
            and arr.dtype in (torch.float32, torch.float64) and arr.layout == torch.strided:
        result = _fused_tensor(arr, out, n)
        if result is not None:
            return result
    return _fwht_copy(arr, a, out, out_dtype, n, be)


def _fwht_tensor_fast(a, out, max_bytes):
    """:func:`fwht` for a CPU float32/float64 strided ``torch.Tensor`` ``a`` on the torch backend
    with ``out`` None or ``a`` itself: the checks of the general path (the same size plan) with
    less per-call work, then :func:`_fused_tensor`. Returns None for any input it does not take
    (which the general path then handles, refusing it if need be)."""
    torch = sys.modules.get("torch")
    if torch is None or type(a) is not torch.Tensor or (a.dtype is not torch.float64 and a.dtype is not torch.float32) \
            or a.device.type != "cpu" or a.layout is not torch.strided:
        return None
    shape = a.shape
    N = shape[-1] if len(shape) else 0
    size = a.numel()
    if not N or N & (N - 1) or N > _MAX_LENGTH or not size:
        return None
    check_size(fwht_plan_bytes("torch", size, a.element_size()), max_bytes, "fwht")
    return _fused_tensor(a, out, N.bit_length() - 1)


#: backend name -> fwht path (the default is :func:`_fwht_copy`).
_FWHT = {"numba": _fwht_numba, "torch": _fwht_tensor}


def fourier_coefficients(f, *, p=None, exact=False, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Fourier coefficients ĝ(T) of g = (-1)^f, indexed by the bitmask T (uniform or p-biased).

    .. math:: \hat g(T) = 2^{-n} \sum_x (-1)^{f(x)} \chi_T(x), \qquad
              \chi_T(x) = (-1)^{\sum_{i \in T} x_i}, \qquad \sum_T \hat g(T)^2 = 1.

    The transform runs on exact integers (int64, or floats holding integers exactly), so
    ``exact=True`` returns the integers 2^n ĝ(T) and ``exact=False`` their correctly
    rounded float64 quotients. With ``p``, the coefficients in the orthonormal basis of the
    p-biased measure μ_p (as :func:`boolean.pbiased_fourier_coefficients`),

    .. math:: \hat g^{(p)}(T) = \sum_x \mu_p(x)\, g(x) \prod_{i \in T}
              \frac{(-1)^{x_i} - (1 - 2p)}{2\sqrt{p(1-p)}}, \qquad \sum_T \hat g^{(p)}(T)^2 = 1,

    which at p = 1/2 are the uniform ones.

    Parameters
    ----------
    f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
        Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i.
    p : float, optional
        P[x_i = 1] in (0, 1): the p-biased coefficients, computed on the host by n butterflies
        (float64; a tensor input gets a tensor back on its device). None (default): uniform.
    exact : bool
        Return int64 2^n ĝ(T) instead of float64 ĝ(T) (uniform only: the p-biased
        coefficients are not integers in general).
    domain : {"01", "pm1"}
        "01" (default): 0/1 integers or bools, the values of f. "pm1": ±1 integers or floats,
        the values of g = (-1)^f (+1 for f = 0). Never guessed from the values.
    backend : {"auto", "numpy", "numba", "torch"}
    device : torch device, optional
        Only with the torch backend.
    max_bytes : int, optional
        Refuse (before allocating) more than this many bytes of working memory; default 8 GiB.

    Returns
    -------
    ndarray or torch.Tensor, shape of ``f``
        float64 ĝ(T), or int64 2^n ĝ(T) when ``exact``; a tensor on ``f``'s device for tensor input.

    Raises
    ------
    TypeError
        For tables of a dtype the domain does not allow, a non-string ``domain``, a non-bool
        ``exact`` or a non-real ``p``.
    ValueError
        For a length that is not 2**n, values outside the declared domain, an unknown
        ``domain``, ``p`` outside (0, 1), ``exact=True`` with ``p``, a request above
        ``max_bytes``, an unknown backend, or CUDA without a GPU.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §1.2 and Ch. 1 Eq. (1.6); §8.4
    (p-biased analysis).

    Examples
    --------
    >>> fourier_coefficients([0, 0, 0, 1]).tolist()  # AND_2 in ±1 form: 1/2 (1 + x1 + x2 - x1 x2)
    [0.5, 0.5, 0.5, -0.5]
    >>> fourier_coefficients([0, 1, 1, 0], exact=True).tolist()  # parity: all weight on T = {0, 1}
    [0, 0, 0, 4]
    >>> [round(v, 12) for v in fourier_coefficients([0, 1], p=0.25).tolist()]  # dictator: 1 - 2p, σ
    [0.5, 0.866025403784]
    """
    exact = check_flag(exact, "exact")
    if p is not None:
        p = check_real(p, "p", low=0.0, high=1.0, low_open=True, high_open=True)
        if exact:
            raise ValueError(f"`exact` must be False with a p-biased measure (the coefficients are not "
                             f"integers); got exact=True with p={p!r}")
        table, n, batched = load_host_table(f, max_bytes, _pbiased.plan_bytes, "fourier_coefficients", domain=domain)
        return deliver(_pbiased.coefficients(table, n, p), f, batched)
    be, table, n, batched = load_table(f, backend, device, max_bytes, _plan_bytes, "fourier_coefficients",
                                       domain=domain)
    c = pm1_transform(table, n, be, "int" if exact else "float")
    return deliver(c if exact else normalise(c, n, be.xp), f, batched)


def _plan_bytes(name, n, rows):
    """Peak bytes of :func:`fourier_coefficients`: the ±1 transform (normalised in place)."""
    return pm1_plan_bytes(name, rows * 2.0**n)
