"""The Walsh–Hadamard transform and the Fourier coefficients of Boolean functions.

For f: {0,1}^n -> {0,1} with ±1 form g = (-1)^f and characters
chi_T(x) = (-1)^(sum_{i in T} x_i), the Fourier coefficient is
ĝ(T) = E_x[g(x) chi_T(x)] = 2^-n (H_n g)(T), where H_n = [[1, 1], [1, -1]]^{⊗n} is the
unnormalised Walsh–Hadamard matrix and T is a bitmask (bit i set iff i ∈ T).
"""
from __future__ import annotations

import numpy as np

from ._lib.backend import Backend, import_torch, is_tensor, resolve_backend, to_numpy, to_torch
from ._lib.validate import as_array, as_truth_table, check_finite, first_bad_position, n_from_length
from ._lib.memory import check_size

__all__ = ["fwht", "fourier_coefficients"]

#: Peak working memory per table entry (bytes) of a transform of the ±1 table, by backend:
#: the uint8 table, the ±1 copy and the transform's buffers (numpy's temporaries, torch's
#: float32 input, output and float64 result).
TRANSFORM_BYTES = {"numpy": 25, "numba": 9.25, "torch": 25}
#: ... plus exact int64 level sums (numpy/torch: c as int64, c^2, the folding buffers).
SPECTRAL_BYTES = {"numpy": 41, "numba": 9.25, "torch": 57}

#: Peak working memory of :func:`fwht`, in copies of its output, by backend: numba transforms
#: one output-sized copy in place; numpy adds the 16-wide block product's temporary and a
#: half-size stage buffer; torch holds the input converted on its device, the output and one
#: intermediate of the matmul/butterfly passes.
_FWHT_COPIES = {"numpy": 2.5, "numba": 1, "torch": 3}

#: Largest n at which float32 holds every intermediate of the transform of a ±1 table exactly.
_FLOAT32_EXACT_N = 24


# ----------------------------------------------------------------------------------------
# plumbing shared by the boolean routines (private)
# ----------------------------------------------------------------------------------------
def _shape_of(x):
    if is_tensor(x) or isinstance(x, np.ndarray):
        return tuple(x.shape)
    return None


def load_table(f, backend, device, max_bytes, bytes_per_entry, what, *, prefer="numba",
               supported=("numpy", "numba", "torch"), name="f"):
    """Validate a truth table for a routine; return ``(backend, table2d, n, batched)``.

    ``table2d`` is uint8 (B, 2**n): numpy for numpy/numba, a tensor on the backend's device
    for torch. ``bytes_per_entry`` (a number, or a dict by backend name) is the routine's peak
    working memory per table entry; the size check runs before any allocation when ``f`` is
    already an array.
    """
    be = resolve_backend(backend, f, device=device, supported=supported, prefer=prefer)
    if isinstance(bytes_per_entry, dict):
        bytes_per_entry = bytes_per_entry[be.name]
    shape = _shape_of(f)
    if shape is not None and len(shape) in (1, 2) and 0 not in shape:
        n_from_length(shape[-1], name)
        entries = int(np.prod(shape, dtype=np.float64))
        check_size(entries * bytes_per_entry, max_bytes, what)
    table, n = as_truth_table(f, name)
    if shape is None:
        check_size(int(np.prod(np.shape(table), dtype=np.float64)) * bytes_per_entry, max_bytes, what)
    batched = table.ndim == 2
    if be.name == "torch":
        table = to_torch(table, be.device)
        table = table.reshape(-1, table.shape[-1]).contiguous()
    else:
        table = np.ascontiguousarray(to_numpy(table)).reshape(-1, 1 << n)
    return be, table, n, batched


def deliver(result, template, batched, *, scalar=False):
    """Return ``result`` (numpy or tensor, leading batch axis) in the container of ``template``:
    numpy -> numpy (Python scalars for unbatched scalar results), tensor -> tensor on its device."""
    if not batched:
        result = result[0]
    if is_tensor(template):
        if is_tensor(result):
            return result.to(template.device)
        torch = import_torch()
        # torch.as_tensor keeps 0-d results 0-d (np.ascontiguousarray would make them 1-d)
        return torch.as_tensor(np.asarray(result)).to(template.device)
    result = to_numpy(result)
    if scalar and not batched:
        return result.item()
    return result


def pm1_transform(table, n, be: Backend, kind):
    """Unnormalised transform H_n g of g = (-1)^f for a validated uint8 table (B, 2**n).

    ``kind`` "int" -> int64; "float" -> float64 (numpy/numba) or float32/float64 on torch
    (float32 when n <= 24, where it is exact). Every value is an exact integer.
    """
    if be.name == "torch":
        torch = import_torch()
        from ._fwht_torch import fwht as _tfwht

        if kind == "int":
            dtype = torch.int64
        else:
            dtype = torch.float32 if n <= _FLOAT32_EXACT_N and _float32_exact(table.device) else torch.float64
        g = 1 - 2 * table.to(dtype)
        return _tfwht(g)
    dtype = np.int64 if kind == "int" else np.float64
    if be.name == "numba":
        from ._numba import pm1_into

        g = np.empty(table.shape, dtype=dtype)
        pm1_into(table, g)
    else:
        g = np.subtract(1, 2 * table.astype(dtype))
    _inplace_numpy_like(g, be.name)
    return g


def normalise(c, n):
    """ĝ = c / 2**n as float64 for an unnormalised transform c (numpy: in place)."""
    if is_tensor(c):
        return c.to(import_torch().float64) * 2.0**-n
    c *= 2.0**-n
    return c


def _float32_exact(device):
    """True when float32 matmuls are IEEE float32 (no TF32/bf16 shortcuts someone enabled
    globally), so the float32 transform of a ±1 table is exact for n <= 24."""
    torch = import_torch()
    if torch.get_float32_matmul_precision() != "highest":
        return False
    return not (device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32)


def _inplace_numpy_like(a, name):
    if name == "numba":
        from ._fwht_numba import fwht_inplace

        fwht_inplace(a)
    else:
        _fwht_numpy_inplace(a)


def _hadamard(k, dtype):
    h = np.ones((1, 1), dtype=dtype)
    for _ in range(k):
        h = np.block([[h, h], [h, -h]])
    return h


def _fwht_numpy_inplace(a):
    """Vectorised numpy transform of each row of a C-contiguous (B, 2**n) array, in place.

    The first min(n, 4) stages are one product with H_4 (16 x 16) on blocks of 16; the
    rest are reshape butterflies, one pass per stage.
    """
    B, N = a.shape
    n = N.bit_length() - 1
    k = min(n, 4)
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


# ----------------------------------------------------------------------------------------
# fwht
# ----------------------------------------------------------------------------------------
def _fwht_prepare_numpy(a):
    arr = as_array(a, "a")
    if arr.dtype.kind in "biu":
        out_dtype = np.int64
    elif arr.dtype in (np.float32, np.float64):
        out_dtype = arr.dtype.type
    else:
        raise TypeError(f"`a` must hold integers, bools, float32 or float64; got dtype {arr.dtype}")
    return arr, out_dtype


def _check_int_range(lo, hi, n):
    bound = 2**63 - 1
    if max(abs(lo), abs(hi)) * (1 << n) > bound:
        raise ValueError(f"`a` must have max|a| * 2**n <= 2**63 - 1 so that int64 stays exact; "
                         f"got values in [{lo}, {hi}] with n = {n}")


def _check_out(out, a, shape, out_dtype):
    """Validate ``out`` for :func:`fwht`: the result's type, shape and dtype; ``a`` itself or disjoint."""
    if is_tensor(a):
        torch = import_torch()
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape or out.dtype != out_dtype \
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
        the result's dtype); then, if ``a`` holds a NaN or inf, the error is raised after ``a`` has
        been overwritten, without the position. With the numba backend and float input the
        transform runs directly in ``out`` (no new array: the fast path when transforming many
        arrays of one size).
    backend : {"auto", "numpy", "numba", "torch"}
        "auto": torch for tensors, else the numba kernel.
    device : torch device, optional
        Only with the torch backend (e.g. "cuda").
    max_bytes : int, optional
        Refuse (before allocating) a request whose working memory exceeds this: one copy of the
        output (numba), 2.5 copies (numpy) or 3 (torch); default 8 GiB.

    Returns
    -------
    ndarray or torch.Tensor, shape of ``a``
        int64, float32 or float64 as above; a tensor (on ``a``'s device) when ``a`` is one.

    Raises
    ------
    TypeError
        For complex, object, string or float16 inputs, or a non-string backend.
    ValueError
        For a last axis whose length is not a power of two, NaN or inf, integers large enough
        to overflow int64, an output above ``max_bytes``, an unknown backend, CUDA without a GPU,
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
    be = resolve_backend(backend, a, device=device)
    if is_tensor(a):
        torch = import_torch()
        if a.dtype.is_complex or a.dtype in (torch.float16, torch.bfloat16):
            raise TypeError(f"`a` must hold integers, bools, float32 or float64; got dtype {a.dtype}")
        out_dtype = a.dtype if a.dtype in (torch.float32, torch.float64) else torch.int64
        shape = tuple(a.shape)
    else:
        arr, out_dtype = _fwht_prepare_numpy(a)
        shape = arr.shape
    if len(shape) == 0:
        raise ValueError(f"`a` must have at least one axis of length 2**n; got shape {shape}")
    if 0 in shape:
        raise ValueError(f"`a` must be non-empty; got shape {shape}")
    n = n_from_length(shape[-1], "a")
    itemsize = out_dtype.itemsize if is_tensor(a) else np.dtype(out_dtype).itemsize
    check_size(float(np.prod(shape, dtype=np.float64)) * itemsize * _FWHT_COPIES[be.name], max_bytes, "fwht")
    # numba, float input of the output's dtype: copy, check and transform in one pass, into `out` if given
    fused = be.name == "numba" and not is_tensor(a) and out_dtype != np.int64 and arr.dtype == out_dtype
    if out is not None:
        _check_out(out, a, shape, out_dtype)
        if not fused:
            result = fwht(a, backend=backend, device=device, max_bytes=max_bytes)
            if is_tensor(a):
                out.copy_(result)
            else:
                np.copyto(out, result)
            return out

    if is_tensor(a):
        if out_dtype.is_floating_point:
            ok = torch.isfinite(a)
            if not bool(ok.all()):
                pos = first_bad_position(to_numpy(~ok))
                what = "NaN" if bool(torch.isnan(a[pos])) else "inf"
                raise ValueError(f"`a` must be finite; got {what} at {pos}")
        elif a.numel():
            _check_int_range(int(a.min()), int(a.max()), n)
        if be.name == "torch":
            from ._fwht_torch import fwht as _tfwht

            return _tfwht(a.to(device=be.device, dtype=out_dtype)).to(a.device)
        work = np.array(to_numpy(a), dtype=_np_dtype(out_dtype), order="C", copy=True)
        _inplace_numpy_like(work.reshape(-1, 1 << n), be.name)
        return to_torch(work, a.device)

    if fused:
        # one pass fewer: each cache block is copied into the output and checked as it is transformed
        from ._fwht_numba import fwht_from

        src = np.ascontiguousarray(arr)
        if out is None:
            out = np.empty(src.shape, dtype=out_dtype)
        if fwht_from(src.reshape(-1, 1 << n), out.reshape(-1, 1 << n)):
            if np.shares_memory(src, out):
                raise ValueError("`a` must be finite; got NaN or inf (found while transforming in place: "
                                 "`a` is overwritten and the position is lost)")
            check_finite(arr, "a")  # names the first NaN/inf
            raise AssertionError("fwht_from reported a non-finite value that check_finite did not find")
        return out
    if out_dtype == np.int64:
        if arr.size:
            _check_int_range(int(arr.min()), int(arr.max()), n)
    else:
        check_finite(arr, "a")
    if be.name == "torch":
        from ._fwht_torch import fwht as _tfwht

        t = to_torch(np.asarray(arr, dtype=out_dtype), be.device)
        return _tfwht(t).cpu().numpy()
    work = np.array(arr, dtype=out_dtype, order="C", copy=True)
    _inplace_numpy_like(work.reshape(-1, 1 << n), be.name)
    return work


def _np_dtype(torch_dtype):
    return {"torch.float32": np.float32, "torch.float64": np.float64}.get(str(torch_dtype), np.int64)


# ----------------------------------------------------------------------------------------
# fourier_coefficients
# ----------------------------------------------------------------------------------------
def fourier_coefficients(f, *, exact=False, backend="auto", device=None, max_bytes=None):
    r"""Fourier coefficients ĝ(T) of g = (-1)^f, indexed by the bitmask T.

    .. math:: \hat g(T) = 2^{-n} \sum_x (-1)^{f(x)} \chi_T(x), \qquad
              \chi_T(x) = (-1)^{\sum_{i \in T} x_i}, \qquad \sum_T \hat g(T)^2 = 1.

    The transform runs on exact integers (int64, or floats holding integers exactly), so
    ``exact=True`` returns the integers 2^n ĝ(T) and ``exact=False`` their correctly
    rounded float64 quotients.

    Parameters
    ----------
    f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
        Truth table(s): 0/1, bool or ±1 integers; index x = sum_i x_i 2**i.
    exact : bool
        Return int64 2^n ĝ(T) instead of float64 ĝ(T).
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
        For float/complex/object tables or a non-bool ``exact``.
    ValueError
        For a length that is not 2**n, values outside {0, 1} (or ±1), a request above
        ``max_bytes``, an unknown backend, or CUDA without a GPU.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §1.2 and Ch. 1 Eq. (1.6).

    Examples
    --------
    >>> fourier_coefficients([0, 0, 0, 1]).tolist()  # AND_2 in ±1 form: 1/2 (1 + x1 + x2 - x1 x2)
    [0.5, 0.5, 0.5, -0.5]
    >>> fourier_coefficients([0, 1, 1, 0], exact=True).tolist()  # parity: all weight on T = {0, 1}
    [0, 0, 0, 4]
    """
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"`exact` must be a bool; got {exact!r}")
    be, table, n, batched = load_table(f, backend, device, max_bytes, TRANSFORM_BYTES, "fourier_coefficients")
    c = pm1_transform(table, n, be, "int" if exact else "float")
    return deliver(c if exact else normalise(c, n), f, batched)
