"""Exact plug-in entropies and mutual information of finite samples, and the quantised
output entropy H(Q_delta(f(X))) of a deterministic map on a finite uniform input set.

For a deterministic ``f`` and X uniform on a finite set, I(X; Q_delta(f(X))) = H(Q_delta(f(X))),
so the quantised entropy *is* the mutual information at resolution delta, counted exactly:
outputs are mapped to integer codes floor(y / delta) (int64) and the distinct code rows are
counted by a verified 64-bit hash (see ``_hashing``), never by float comparisons.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.backend import is_tensor, to_numpy
from boolean._lib.validate import check_finite, check_real
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import as_rows, units_scale
from ._hashing import entropy_from_counts, row_counts_numpy, row_counts_torch

__all__ = ["discrete_entropy", "discrete_mutual_information", "quantized_output_entropy"]

#: Largest |y / delta| accepted, so that floor(y / delta) is exact in int64.
MAX_CODE = 2.0**62
#: Below this sum of squares the RMS is recomputed on y / max|y| (squares of |y| < 1e-154 are
#: subnormal or 0, so sum(y^2) would lose precision or vanish and make a relative delta 0).
TINY_SUMSQ = 1e-280


def _as_codes(codes, name, max_bytes):
    """Integer codes (n,) or (n, d) -> int64 numpy (n, d)."""
    arr = as_rows(codes, name, integer=True)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"`{name}` must be non-empty; got shape {arr.shape}")
    check_size(arr.size * 8.0 * 3, max_bytes, f"`{name}` as int64 codes")  # before scanning or copying
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"`{name}` must fit in int64; got a value above 2**63 - 1")
    return np.ascontiguousarray(arr, dtype=np.int64)


def discrete_entropy(codes, *, units="bits", max_bytes=None) -> MIEstimate:
    r"""Plug-in entropy of a sample of discrete symbols, counted exactly.

    .. math:: \hat H = -\sum_s \hat p_s \log \hat p_s = \log n - \frac1n \sum_s c_s \log c_s,

    where :math:`c_s` is the number of occurrences of symbol ``s`` among ``n`` rows. When
    ``codes`` lists f(x) for every x of a uniform finite input set, this is H(f(X)) exactly;
    for a random sample it is the (downward-biased) plug-in estimate.

    Parameters
    ----------
    codes : array_like of int or bool, shape (n,) or (n, d)
        One symbol per row (a 2-D row is one symbol). numpy or torch.
    units : {"bits", "nats"}
    max_bytes : int, optional
        Refuse inputs whose int64 working copies exceed this (default 8 GiB).

    Returns
    -------
    MIEstimate
        ``value`` = entropy; ``stderr``/``lower``/``upper`` NaN; ``method="plug-in"``;
        ``extra["n_distinct"]`` = number of distinct symbols.

    Raises
    ------
    TypeError
        For float, complex, object or string codes.
    ValueError
        For an empty array, ndim not 1 or 2, an unknown ``units``, or a size over ``max_bytes``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., ch. 2.

    Examples
    --------
    >>> discrete_entropy([0, 1, 2, 3]).value
    2.0
    >>> round(discrete_entropy([[0, 1], [0, 1], [1, 1], [1, 0]]).value, 12)
    1.5
    """
    units_scale(units)  # validates
    arr = _as_codes(codes, "codes", max_bytes)
    counts = row_counts_numpy(arr)
    h = entropy_from_counts(counts, units)
    return MIEstimate(h, math.nan, math.nan, math.nan, "plug-in", int(arr.shape[0]), units,
                      {"n_distinct": int(counts.size)})


def discrete_mutual_information(x_codes, y_codes, *, units="bits", max_bytes=None) -> MIEstimate:
    r"""Plug-in mutual information of paired discrete samples, counted exactly.

    .. math:: \hat I(X;Y) = \hat H(X) + \hat H(Y) - \hat H(X, Y),

    each term from :func:`discrete_entropy` (the joint symbol is the concatenated row).
    Exact when the rows enumerate a uniform finite set of (x, y) pairs; otherwise the
    plug-in estimate (biased upward by about :math:`(|X||Y| - |X| - |Y| + 1)/(2 n \ln 2)` bits).
    Never clipped at 0.

    Parameters
    ----------
    x_codes, y_codes : array_like of int or bool, shape (n,) or (n, d)
        Paired symbols, the same number of rows ``n``.
    units : {"bits", "nats"}
    max_bytes : int, optional

    Returns
    -------
    MIEstimate
        ``value`` = plug-in MI; ``method="plug-in"``; ``extra`` has ``h_x``, ``h_y``, ``h_xy``.

    Raises
    ------
    TypeError
        For non-integer codes.
    ValueError
        For empty or mismatched inputs, an unknown ``units``, or a size over ``max_bytes``.

    References
    ----------
    Cover and Thomas, *Elements of Information Theory*, eq. (2.45).

    Examples
    --------
    >>> discrete_mutual_information([0, 0, 1, 1], [0, 0, 1, 1]).value
    1.0
    >>> discrete_mutual_information([0, 0, 1, 1], [0, 1, 0, 1]).value
    0.0
    """
    units_scale(units)  # validates
    x = _as_codes(x_codes, "x_codes", max_bytes)
    y = _as_codes(y_codes, "y_codes", max_bytes)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"`y_codes` must have as many rows as `x_codes` ({x.shape[0]}); got {y.shape[0]}")
    hx = entropy_from_counts(row_counts_numpy(x), units)
    hy = entropy_from_counts(row_counts_numpy(y), units)
    hxy = entropy_from_counts(row_counts_numpy(np.hstack([x, y])), units)
    return MIEstimate(hx + hy - hxy, math.nan, math.nan, math.nan, "plug-in", int(x.shape[0]), units,
                      {"h_x": hx, "h_y": hy, "h_xy": hxy})


def quantized_output_entropy(outputs, delta, *, relative=False, units="bits", backend="auto",
                             max_bytes=None) -> MIEstimate:
    r"""Exact entropy of the quantised outputs of a deterministic map on a uniform finite input set.

    With X uniform on N inputs and ``outputs[i] = f(x_i)``,

    .. math:: I(X; Q_\delta(f(X))) = H(Q_\delta(f(X))), \qquad Q_\delta(y) = \lfloor y / \delta \rfloor
              \text{ (coordinate-wise)},

    counted exactly (int64 codes, verified hashing of code rows). ``relative=True`` reads
    ``delta`` relative to the layer RMS: :math:`\delta_{abs} = \delta\,\sqrt{\mathrm{mean}(y^2)}`.
    The value lies in [0, log N] (the ceiling :math:`\ln |X|`, reported in ``extra["ceiling"]``).
    ``backend="auto"`` counts CUDA tensors on their device with torch and everything else
    (numpy, CPU tensors, viewed without a copy) with numpy; ``"torch"`` forces the torch kernels.

    Parameters
    ----------
    outputs : array_like or torch.Tensor, shape (N,) or (N, d), real
        f(x) for every input x (one row per input, all inputs equally likely).
    delta : float > 0
        Bin width (absolute, or relative to the RMS of ``outputs`` when ``relative``).
    relative : bool
    units : {"bits", "nats"}
    backend : {"auto", "numpy", "torch"}
    max_bytes : int, optional
        Refuse when the int64 codes and hash buffers would exceed this (default 8 GiB).

    Returns
    -------
    MIEstimate
        ``value = lower = upper`` = H (exact), ``stderr = 0``, ``method="quantized-exact"``,
        ``n_samples = N``; ``extra``: ``delta_abs``, ``n_distinct``, ``ceiling`` (log N in ``units``).

    Raises
    ------
    TypeError
        For non-real outputs or a non-real ``delta``.
    ValueError
        For empty/ill-shaped or non-finite outputs, ``delta <= 0``, codes ``|y/delta| >= 2**62``
        (delta too fine for int64), an unknown ``units``, or a size over ``max_bytes``.

    References
    ----------
    E. Jenner's invertibility argument and J. Wentworth, "Scarce Channels" (the setting);
    Cover and Thomas, ch. 2 (H(f(X)) = I(X; f(X)) for deterministic f).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.arange(8) + 0.5          # 8 grid points, spacing 1
    >>> quantized_output_entropy(y, 1.0).value
    3.0
    >>> round(quantized_output_entropy(y, 2.0).value, 12)   # log2(8 / 2)
    2.0
    """
    units_scale(units)  # validates
    if not isinstance(relative, (bool, np.bool_)):
        raise TypeError(f"`relative` must be a bool; got {relative!r}")
    delta = check_real(delta, "delta", low=0.0, low_open=True)
    if not isinstance(backend, str) or backend not in ("auto", "numpy", "torch"):
        raise ValueError(f"`backend` must be one of ('auto', 'numpy', 'torch'); got {backend!r}")
    if backend == "torch" and not is_tensor(outputs):
        import torch

        outputs = torch.as_tensor(np.asarray(outputs))
    if is_tensor(outputs):
        if backend == "torch" or (backend == "auto" and outputs.device.type != "cpu"):
            return _quantized_torch(outputs, delta, relative, units, max_bytes)
    y = as_rows(outputs, "outputs", rows="N")
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise ValueError(f"`outputs` must be non-empty; got shape {y.shape}")
    check_size(y.size * 8.0 * 2 + y.shape[0] * 8.0 * 3, max_bytes, "quantising `outputs`")
    y = np.ascontiguousarray(y, dtype=np.float64)
    sumsq = float(np.vdot(y, y))  # no temporary; NaN/inf (or overflow) make it non-finite
    if not math.isfinite(sumsq):
        check_finite(y, "outputs")  # names the first bad position (finite overflow passes)
    n = y.shape[0]
    ymax = max(float(y.max()), -float(y.min()))
    if relative:
        if math.isfinite(sumsq) and (sumsq >= TINY_SUMSQ or ymax == 0.0):
            rms = math.sqrt(sumsq / y.size)
        else:  # squares overflow (or underflow to subnormals/0): scale by the max first
            rms = ymax * math.sqrt(float(np.vdot(y / ymax, y / ymax)) / y.size)
        d_abs = delta * rms
    else:
        d_abs = delta
    if d_abs == 0.0:  # relative delta on an all-zero layer: a single output value
        counts = np.array([n])
    else:
        _check_code_range(ymax, d_abs)
        counts = _quantized_counts_numba(y, d_abs)
    return _result(counts, n, d_abs, units)


def _quantized_counts_numba(y, d_abs):
    """Counts of the distinct rows of floor(y / d_abs): fused quantise-and-hash kernel, sort, verify."""
    if y.shape[1] == 1:
        return np.unique(np.floor(y[:, 0] / d_abs), return_counts=True)[1]
    from ._kernels import quantized_hash, quantized_rows_equal

    h = quantized_hash(y, d_abs)
    order = np.argsort(h)
    hs = h[order]
    same = np.flatnonzero(hs[1:] == hs[:-1])
    if same.size and not quantized_rows_equal(y, d_abs, order[same], order[same + 1]):
        # a true 64-bit collision between different code rows: exact fallback
        return row_counts_numpy(np.floor(y / d_abs).astype(np.int64))
    starts = np.concatenate(([0], np.flatnonzero(hs[1:] != hs[:-1]) + 1, [hs.size]))
    return np.diff(starts)


def _check_code_range(ymax, d_abs):
    if ymax / d_abs >= MAX_CODE:
        raise ValueError(f"`delta` must be coarse enough that |y| / delta < 2**62; got max |y| = {ymax:g} "
                         f"with delta = {d_abs:g}")


def _result(counts, n, d_abs, units):
    h = entropy_from_counts(counts, units)
    ceiling = math.log2(n) if units == "bits" else math.log(n)
    return MIEstimate(h, 0.0, h, h, "quantized-exact", int(n), units,
                      {"delta_abs": d_abs, "n_distinct": int(len(counts)), "ceiling": ceiling})


def _quantized_torch(y, delta, relative, units, max_bytes):
    import torch

    if not (y.dtype.is_floating_point or y.dtype in (torch.int8, torch.int16, torch.int32, torch.int64,
                                                     torch.uint8, torch.bool)):
        raise TypeError(f"`outputs` must be a real tensor; got dtype {y.dtype}")
    if y.ndim not in (1, 2):
        raise ValueError(f"`outputs` must be 1-D (N,) or 2-D (N, d); got shape {tuple(y.shape)}")
    if y.ndim == 1:
        y = y[:, None]
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise ValueError(f"`outputs` must be non-empty; got shape {tuple(y.shape)}")
    check_size(y.numel() * 8.0 * 2 + y.shape[0] * 8.0 * 3, max_bytes, "quantising `outputs`")
    y = y.to(torch.float64)
    if not bool(torch.isfinite(y).all()):
        check_finite(to_numpy(y), "outputs")  # names the first bad position
    n = y.shape[0]
    ymax = float(y.abs().max())
    d_abs = delta
    if relative:
        ms = float(torch.mean(y * y))
        if math.isfinite(ms) and (ms * y.numel() >= TINY_SUMSQ or ymax == 0.0):
            rms = math.sqrt(ms)
        else:  # squares overflow or underflow: scale by the max first (as the numpy path)
            rms = ymax * math.sqrt(float(torch.mean((y / ymax) ** 2)))
        d_abs = delta * rms
    if d_abs == 0.0:
        counts = np.array([n])
    else:
        _check_code_range(ymax, d_abs)
        if y.device.type == "cuda":  # the fused quantise-and-hash kernel, when Triton is installed
            from ._quantize_triton import available, quantized_counts

            if available():
                return _result(quantized_counts(y, d_abs).cpu().numpy(), n, d_abs, units)
        counts = row_counts_torch(torch.floor(y / d_abs).to(torch.int64)).cpu().numpy()
    return _result(counts, n, d_abs, units)
