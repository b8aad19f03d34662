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
from boolean._lib.validate import check_choice, check_finite, check_flag, check_int, check_real, check_seed
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import LN2, as_rows, units_scale
from ._hashing import entropy_from_counts, row_counts_numpy, row_counts_torch

__all__ = ["discrete_entropy", "discrete_mutual_information", "quantized_output_entropy",
           "offset_averaged_entropy"]

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

    The bins are anchored at 0: the value depends on the grid's offset. Shifting the grid by
    :math:`u\delta` (:math:`Q^u_\delta(y) = \lfloor y/\delta - u \rfloor`) can change it by up to
    about one bit per coordinate at coarse :math:`\delta`, and not at all once every output has a
    bin of its own. :func:`offset_averaged_entropy` gives the average over offsets with bounds
    valid for every offset.
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
    check_flag(relative, "relative")
    delta = check_real(delta, "delta", low=0.0, low_open=True)
    check_choice(backend, "backend", ("auto", "numpy", "torch"))
    if backend == "torch" and not is_tensor(outputs):
        import torch

        outputs = torch.as_tensor(np.asarray(outputs))
    on_device = is_tensor(outputs) and (backend == "torch" or (backend == "auto" and outputs.device.type != "cpu"))
    y, ymax, d_abs = _prepare(outputs, delta, relative, max_bytes, per_entry=16.0, per_row=24.0, on_device=on_device)
    n = y.shape[0]
    if d_abs == 0.0:  # relative delta on an all-zero layer: a single output value
        counts = np.array([n])
    else:
        _check_code_range(ymax, d_abs)
        counts = (_quantized_counts_torch if on_device else _quantized_counts_numba)(y, d_abs)
    return _result(counts, n, d_abs, units)


def offset_averaged_entropy(outputs, delta, *, relative=False, n_offsets=64, seed=None, units="bits",
                            max_bytes=None) -> MIEstimate:
    r"""Entropy of the quantised outputs averaged over the offset of the bin grid, with bounds valid
    for every offset.

    :func:`quantized_output_entropy` anchors its bins at 0. With the grid shifted by
    :math:`u\delta`, :math:`u \in [0, 1)^d` (one offset per coordinate),

    .. math:: Q^u_\delta(y) = \lfloor y/\delta - u \rfloor, \qquad
              \bar H = \int_{[0,1)^d} H(Q^u_\delta(f(X)))\,du ,

    with X uniform on the N rows of ``outputs``. Writing :math:`y/\delta = a + r`, a integer and
    :math:`r \in [0, 1)`, the code is :math:`Q^u = a - b` with :math:`b = [r < u]`, so
    :math:`H(Q^u) \le H(Q^0) + \sum_j H(b_j \mid Q^0)` and :math:`H(Q^0) \le H(Q^u) + \sum_j H(b_j)`;
    each coordinate is a function of the row, so
    :math:`\max_j H(Q^u_j) \le H(Q^u) \le \sum_j H(Q^u_j)`. Maximising or minimising each term over
    its own offset :math:`u_j` (exactly: a function of :math:`u_j` constant between consecutive
    fractional parts :math:`r`) gives ``lower`` and ``upper``, which hold for every offset, hence for
    :math:`\bar H`, and are clipped to [0, log N]. For one coordinate (d = 1) the average, the minimum
    and the maximum over all offsets are exact (a sweep over the sorted fractional parts); for d > 1
    the average is a Monte Carlo mean over ``n_offsets`` independent uniform offsets, with its
    standard error.

    Parameters
    ----------
    outputs, delta, relative
        As :func:`quantized_output_entropy`.
    n_offsets : int >= 2
        Monte Carlo offsets for d > 1 (unused for d = 1).
    seed : int, optional
        Seed of the offsets (reproducible for a given seed).
    units : {"bits", "nats"}
    max_bytes : int, optional
        Refuse when the working arrays (float64 outputs, int64 codes, fractional parts, hash
        buffers) would exceed this (default 8 GiB).

    Returns
    -------
    MIEstimate
        ``value`` = the offset average; ``stderr`` = 0 for d = 1, the Monte Carlo SE otherwise;
        ``lower``/``upper`` = the exact minimum/maximum over offsets (d = 1) or the bounds above
        (d > 1); ``method`` = ``"offset-averaged-exact"`` or ``"offset-averaged-mc"``; ``extra``:
        ``anchored`` (the value at offset 0, i.e. :func:`quantized_output_entropy`), ``delta_abs``,
        ``ceiling``, and for d > 1 ``sampled_min``/``sampled_max`` over the drawn offsets and
        ``n_offsets``.

    Notes
    -----
    The exact sweeps cost :math:`O(N \log N)` per coordinate (a sort, then one update per point)
    and each Monte Carlo offset one pass over the N x d codes.

    Raises
    ------
    TypeError
        For non-real outputs, a non-real ``delta``, a non-bool ``relative``, a non-integer
        ``n_offsets`` or ``seed``.
    ValueError
        As :func:`quantized_output_entropy`; ``n_offsets < 2``; a negative ``seed``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., ch. 2 (chain rule,
    subadditivity) and sec. 8.3 (entropy of a quantised variable); the setting in docs/problem.rst,
    section "Random networks".

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.1, 0.4, 1.2, 1.3])     # bins [0, 1), [1, 2) at offset 0: 1 bit
    >>> r = offset_averaged_entropy(y, 1.0)
    >>> r.extra["anchored"], round(r.lower, 4), r.upper   # h(1/4) = 0.8113 bit for u in (0.3, 0.4]
    (1.0, 0.8113, 1.5)
    >>> round(r.value, 4)                      # 0.7 x 1 + 0.2 x 1.5 + 0.1 x h(1/4)
    1.0811
    """
    factor = LN2 * units_scale(units)  # bits -> units (validates units)
    check_flag(relative, "relative")
    delta = check_real(delta, "delta", low=0.0, low_open=True)
    n_offsets = check_int(n_offsets, "n_offsets", low=2)
    seed = check_seed(seed, optional=True, generator=False)
    if is_tensor(outputs):
        outputs = to_numpy(outputs)
    # the offsets, (n_offsets, d) float64, and their entropies, are part of the plan
    y, ymax, d_abs = _prepare(outputs, delta, relative, max_bytes, per_entry=40.0, per_row=56.0,
                              per_column=16.0 * n_offsets)
    n, d = y.shape
    ceiling = math.log2(n)
    if d_abs == 0.0:  # relative delta on an all-zero layer: one output value at every offset
        return _offset_result(0.0, 0.0, 0.0, 0.0, d, n, d_abs, factor, {"anchored": 0.0})
    _check_code_range(ymax, d_abs)
    z = y / d_abs
    a = np.floor(z)
    frac = z - a  # in [0, 1] (1 only by rounding: such a point never moves for u < 1)
    a = a.astype(np.int64)
    del z
    h0 = entropy_from_counts(row_counts_numpy(a), "bits")
    if d == 1:
        vals, lens = _offset_sweep(a[:, 0], frac[:, 0])
        value = float(np.dot(vals, lens) / lens.sum())
        return _offset_result(value, 0.0, float(vals.min()), float(vals.max()), d, n, d_abs, factor,
                              {"anchored": h0})
    labels = np.unique(a, axis=0, return_inverse=True)[1].reshape(-1)
    sweeps = (_offset_sweep(a[:, j], frac[:, j])[0] for j in range(d))  # one coordinate's sweep alive at a time
    lo1, hi1 = zip(*[(float(vals.min()), float(vals.max())) for vals in sweeps])
    cond, hb = zip(*[_carry_sweep(frac[:, j], labels) for j in range(d)])
    upper = min(ceiling, h0 + sum(cond), sum(hi1))
    lower = max(0.0, max(lo1), h0 - sum(hb))
    rng = np.random.default_rng(seed)
    hs = np.empty(n_offsets)
    for k, u in enumerate(rng.random((n_offsets, d))):
        hs[k] = entropy_from_counts(row_counts_numpy(a - (frac < u)), "bits")
    se = float(hs.std(ddof=1) / math.sqrt(n_offsets))
    return _offset_result(float(hs.mean()), se, lower, upper, d, n, d_abs, factor,
                          {"anchored": h0, "sampled_min": float(hs.min()), "sampled_max": float(hs.max()),
                           "n_offsets": n_offsets})


def _clog(c):
    """c log2 c for a count c >= 0 (0 at 0)."""
    return c * math.log2(c) if c > 1 else 0.0


def _offset_sweep(a, r):
    """Every entropy (bits) taken by the codes a - [r < u] as u runs over [0, 1), with the length of
    the set of offsets giving it. Between consecutive distinct fractional parts the codes do not
    change; passing one moves its points from code c to c - 1 (an O(1) update of sum c log2 c)."""
    n = a.size
    order = np.argsort(r, kind="stable")
    rs = r[order].tolist()
    moving = a[order].tolist()
    codes, counts = np.unique(a, return_counts=True)
    count = dict(zip(codes.tolist(), counts.tolist()))
    s = math.fsum(_clog(c) for c in counts.tolist())
    log_n = math.log2(n)
    vals, lens = [log_n - s / n], [min(rs[0], 1.0)]
    for i, c in enumerate(moving):
        if rs[i] >= 1.0:
            break
        old, new = count[c], count.get(c - 1, 0)
        s += _clog(old - 1) - _clog(old) + _clog(new + 1) - _clog(new)
        count[c], count[c - 1] = old - 1, new + 1
        nxt = rs[i + 1] if i + 1 < n else 1.0
        if nxt != rs[i]:
            vals.append(log_n - s / n)
            lens.append(min(nxt, 1.0) - rs[i])
    return np.maximum(np.array(vals), 0.0), np.array(lens)


def _carry_sweep(r, labels):
    """max over u of H(b | Q^0) and of H(b) (bits), b = [r < u], Q^0's classes given by ``labels``."""
    n = r.size
    order = np.argsort(r, kind="stable")
    rs = r[order].tolist()
    lab = labels[order].tolist()
    size = np.bincount(labels).tolist()
    moved = [0] * len(size)
    t = best = 0.0  # t = sum_c [n_c log n_c - k_c log k_c - (n_c - k_c) log(n_c - k_c)]
    ends = [0]
    for i, c in enumerate(lab):
        if rs[i] >= 1.0:
            break
        k, m = moved[c], size[c]
        t += _clog(k) - _clog(k + 1) + _clog(m - k) - _clog(m - k - 1)
        moved[c] = k + 1
        if i + 1 == n or rs[i + 1] != rs[i]:
            best = max(best, t)
            ends.append(i + 1)
    p = np.array(ends, dtype=np.float64) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        hb = np.where((p > 0) & (p < 1), -p * np.log2(p) - (1 - p) * np.log2(1 - p), 0.0)
    return max(best, 0.0) / n, float(hb.max())


def _offset_result(value, se, lower, upper, d, n, d_abs, factor, extra):
    extra = {k: v * factor if k != "n_offsets" else v for k, v in extra.items()}
    extra.update(delta_abs=d_abs, ceiling=math.log2(n) * factor)
    method = "offset-averaged-exact" if d == 1 else "offset-averaged-mc"
    return MIEstimate(value * factor, se * factor, lower * factor, upper * factor, method, int(n),
                      "bits" if factor == 1.0 else "nats", extra)


def _prepare(outputs, delta, relative, max_bytes, *, per_entry, per_row, per_column=0.0, on_device=False):
    """Validated float64 outputs (N, d), max |y| and the absolute bin width: C-contiguous numpy, or
    with ``on_device`` a tensor on the device of the tensor ``outputs``. The memory plan is
    ``per_entry`` bytes per output entry, ``per_row`` per row and ``per_column`` per output
    coordinate, checked before any copy."""
    if on_device:
        import torch

        if not (outputs.dtype.is_floating_point or outputs.dtype in (torch.int8, torch.int16, torch.int32,
                                                                     torch.int64, torch.uint8, torch.bool)):
            raise TypeError(f"`outputs` must be a real tensor; got dtype {outputs.dtype}")
        if outputs.ndim not in (1, 2):
            raise ValueError(f"`outputs` must be 1-D (N,) or 2-D (N, d); got shape {tuple(outputs.shape)}")
        y = outputs[:, None] if outputs.ndim == 1 else outputs
    else:
        y = as_rows(outputs, "outputs", rows="N")
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise ValueError(f"`outputs` must be non-empty; got shape {tuple(y.shape)}")
    check_size(y.shape[0] * (y.shape[1] * per_entry + per_row) + y.shape[1] * per_column, max_bytes,
               "quantising `outputs`")
    y = y.double() if on_device else np.ascontiguousarray(y, dtype=np.float64)
    sumsq = _sum_of_squares(y)  # NaN/inf (or overflow) make it non-finite
    if not math.isfinite(sumsq):
        check_finite(to_numpy(y), "outputs")  # names the first bad position (finite overflow passes)
    ymax = max(float(y.max()), -float(y.min()))
    return y, ymax, _bin_width(delta, relative, sumsq, y.shape[0] * y.shape[1], ymax,
                               lambda: _sum_of_squares(y / ymax))


def _sum_of_squares(y):
    """Σ y² as a float: ``np.vdot`` for numpy (no temporary), the sum of ``y * y`` for a tensor."""
    return float((y * y).sum()) if is_tensor(y) else float(np.vdot(y, y))


def _bin_width(delta, relative, sumsq, size, ymax, scaled_sumsq):
    """The absolute bin width: ``delta``, or with ``relative`` ``delta`` times the RMS of the ``size``
    outputs, from their sum of squares ``sumsq``; when the squares overflow (or underflow to
    subnormals or 0), from ``scaled_sumsq()``, the sum of squares of y / max|y|, instead."""
    if not relative:
        return delta
    if math.isfinite(sumsq) and (sumsq >= TINY_SUMSQ or ymax == 0.0):
        return delta * math.sqrt(sumsq / size)
    return delta * ymax * math.sqrt(scaled_sumsq() / size)


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


def _quantized_counts_torch(y, d_abs):
    """Counts of the distinct rows of floor(y / d_abs) on the tensor's device (the fused
    quantise-and-hash kernel on CUDA when Triton is installed), as numpy."""
    if y.device.type == "cuda":
        from ._quantize_triton import available, quantized_counts

        if available():
            return quantized_counts(y, d_abs).cpu().numpy()
    import torch

    return row_counts_torch(torch.floor(y / d_abs).to(torch.int64)).cpu().numpy()
