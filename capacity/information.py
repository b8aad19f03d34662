"""Exact information measures of finite distributions: entropy, KL divergence, mutual information.

Conventions: logs in base 2 (bits) unless ``base`` says otherwise; ``0 log 0 = 0`` and
``0 log(0/q) = 0``, so zero-probability entries are safe; a divergence whose first argument
puts mass where the second has none is ``inf`` (returned as ``float("inf")``, never NaN).

Row divergences and mutual information come from the solver core (:mod:`capacity._solver`,
natural logs), so these functions and every solver's certificate share one convention for log 0.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.array import like_input, neg_entropy_rows, xlogy
from boolean._lib.docs import fill_doc
from boolean._lib.memory import check_size
from boolean._lib.validate import (as_array, as_float_array, check_channel, check_distribution, check_nonnegative,
                                  check_real, first_bad_position, shape_of)

from ._solver import certificate

__all__ = ["entropy", "binary_entropy", "kl_divergence", "mutual_information", "normalize_rows"]


#: The ``base`` and ``max_bytes`` parameters of entropy, kl_divergence and mutual_information.
_DOCS = {"base_max_bytes": """
    base : float, default 2
        Logarithm base (2 gives bits, ``math.e`` nats).
    max_bytes : int, optional
        Refuse input whose working copies would exceed this (default 8 GiB), before copying it.
"""}


def _log_base(base) -> float:
    """ln(base) for a unit of information: base > 1 (a base in (0, 1) would turn every entropy
    and divergence negative, and the clipping of rounding errors at 0 would hide it)."""
    return math.log(check_real(base, "base", low=1, low_open=True))


def plan_bytes(*shapes, copies):
    """Working memory of the measures here: ``copies`` float64 arrays of each input's shape (the
    validated copy, the log terms, the output law, masks)."""
    return 8.0 * copies * sum(math.prod(sh) for sh in shapes)


def _check_plan(max_bytes, what, copies, *inputs):
    """Refuse (ValueError) before any copy when :func:`plan_bytes` of the inputs' shapes exceeds
    ``max_bytes``: a broadcast view of 10^12 entries is counted, not converted."""
    check_size(plan_bytes(*(shape_of(a) for a in inputs), copies=copies), max_bytes, what)


# ----------------------------------------------------------------------------- public API
@fill_doc(_DOCS)
def entropy(p, *, base=2, max_bytes=None) -> float:
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \log p_i` of a probability vector.

    Zero entries contribute 0 (``0 log 0 = 0``).

    Parameters
    ----------
    p : array_like (n,)
        Probability vector: non-negative, finite, summing to 1 within 1e-9, 4 ulps for float32 (never renormalised).
    {base_max_bytes}

    Returns
    -------
    float
        :math:`H(p) \in [0, \log n]`.

    Raises
    ------
    TypeError
        ``p`` not a real array, ``base`` not a real number.
    ValueError
        ``p`` not 1-D, empty, NaN/inf, negative or not summing to 1; ``base <= 1``; size over
        ``max_bytes``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006, §2.1.

    Examples
    --------
    >>> entropy([0.5, 0.25, 0.25, 0.0])
    1.5
    >>> entropy([1.0, 0.0])
    0.0
    """
    _check_plan(max_bytes, "entropy", 3, p)
    p = check_distribution(p, "p", max_bytes=max_bytes)
    scale = _log_base(base)
    return max(0.0, -float(xlogy(np, p, p).sum()) / scale)


def binary_entropy(x, *, base=2):
    r"""Binary entropy :math:`h(x) = -x \log x - (1-x) \log(1-x)`, elementwise.

    Parameters
    ----------
    x : float or array_like
        Probabilities in [0, 1].
    base : float, default 2
        Logarithm base.

    Returns
    -------
    float or ndarray or torch.Tensor
        ``h(x)`` (a float for scalar input; a tensor on the input's device and dtype for a tensor),
        with ``h(0) = h(1) = 0``.

    Raises
    ------
    TypeError
        ``x`` not array-like or not real, ``base`` not a real number.
    ValueError
        an entry outside [0, 1] or not finite; ``base <= 1``.

    References
    ----------
    Cover & Thomas (2006), eq. (2.5).

    Examples
    --------
    >>> binary_entropy(0.5)
    1.0
    >>> binary_entropy([0.0, 1.0]).tolist()
    [0.0, 0.0]
    """
    scale = _log_base(base)
    arr = as_array(x, "x", kinds="biuf", requirement="real").astype(np.float64)
    bad = ~((arr >= 0) & (arr <= 1))  # NaN too
    if bad.any():
        raise ValueError(f"`x` must be probabilities in [0, 1]; got {float(arr[bad].ravel()[0])!r}")
    h = -(xlogy(np, arr, arr) + xlogy(np, 1.0 - arr, 1.0 - arr)) / scale
    h = np.maximum(h, 0.0) + 0.0  # no -0.0
    return float(h) if h.ndim == 0 else like_input(h, x)


@fill_doc(_DOCS)
def kl_divergence(p, q, *, base=2, max_bytes=None) -> float:
    r"""Kullback–Leibler divergence :math:`D(p \| q) = \sum_i p_i \log (p_i / q_i)`.

    Terms with :math:`p_i = 0` contribute 0; if some :math:`p_i > 0` has :math:`q_i = 0` the
    divergence is :math:`+\infty` and ``float("inf")`` is returned.

    Parameters
    ----------
    p, q : array_like (n,)
        Probability vectors of the same length (validated like :func:`entropy`).
    {base_max_bytes}

    Returns
    -------
    float
        :math:`D(p \| q) \ge 0`, possibly ``inf``.

    Raises
    ------
    TypeError
        non-real input or ``base``.
    ValueError
        invalid probability vectors, different lengths, ``base <= 1``; size over ``max_bytes``.

    References
    ----------
    Cover & Thomas (2006), §2.3; Theorem 2.6.3 (information inequality).

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.25, 0.75])  # doctest: +ELLIPSIS
    0.2075187496...
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    _check_plan(max_bytes, "kl_divergence", 3, p, q)
    p = check_distribution(p, "p", max_bytes=max_bytes)
    q = check_distribution(q, "q", max_bytes=max_bytes)
    if p.shape != q.shape:
        raise ValueError(f"`q` must have the same length as `p` ({p.shape[0]}); got {q.shape[0]}")
    scale = _log_base(base)
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    m = p > 0
    return max(0.0, float(np.sum(p[m] * (np.log(p[m]) - np.log(q[m])))) / scale)


@fill_doc(_DOCS)
def mutual_information(p, W, *, base=2, max_bytes=None) -> float:
    r"""Mutual information :math:`I(p; W)` of input law ``p`` through channel ``W``.

    .. math::  I(p; W) = \sum_x p_x D(W_x \,\|\, pW)
               = \sum_{x,y} p_x W_{xy} \log \frac{W_{xy}}{\sum_{x'} p_{x'} W_{x'y}},

    with :math:`W_{xy} = P(Y=y \mid X=x)`; zero entries of ``p`` or ``W`` are safe.

    Parameters
    ----------
    p : array_like (nx,)
        Input probability vector.
    W : array_like (nx, ny)
        Channel matrix, rows summing to 1 within 1e-9, 4 ulps for float32 (never renormalised).
    {base_max_bytes}

    Returns
    -------
    float
        :math:`0 \le I(p; W) \le \min(H(p), \log n_y)`.

    Raises
    ------
    TypeError
        non-real input or ``base``.
    ValueError
        invalid ``p`` or ``W``, ``len(p) != W.shape[0]``, ``base <= 1``; size over ``max_bytes``.

    References
    ----------
    Cover & Thomas (2006), §2.4; I. Csiszár and J. Körner, *Information Theory*, 2nd ed., 2011, Ch. 8.

    Examples
    --------
    >>> mutual_information([0.5, 0.5], [[1, 0], [0, 1]])
    1.0
    >>> mutual_information([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]])
    0.0
    """
    _check_plan(max_bytes, "mutual_information", 4, p, W)
    p = check_distribution(p, "p", max_bytes=max_bytes)
    W = check_channel(W, "W", allow_batch=False, max_bytes=max_bytes)
    if W.shape[0] != p.shape[0]:
        raise ValueError(f"`W` must have len(p) = {p.shape[0]} rows; got shape {W.shape}")
    scale = _log_base(base)
    # an output whose mass underflowed to 0 is dropped (its share of I is below 4e-321 nats)
    return max(0.0, float(certificate(np, W, neg_entropy_rows(np, W), p)[0])) / scale


def normalize_rows(W, *, max_bytes=None) -> np.ndarray:
    r"""Explicitly renormalise the rows of a non-negative matrix so each sums to 1.

    .. math:: \tilde W_{xy} = W_{xy} \,/\, \textstyle\sum_{y'} W_{xy'}

    along the last axis. The solvers never do this silently (unlike ``scipy.stats.entropy``);
    call it yourself when unnormalised weights are what you have.

    Parameters
    ----------
    W : array_like, any shape with ndim >= 1
        Non-negative finite weights; the last axis is normalised.
    max_bytes : int, optional
        Refuse input whose working copies would exceed this (default 8 GiB), before copying it.

    Returns
    -------
    ndarray or torch.Tensor
        Array of the same shape whose rows sum to 1: float64 numpy, or for a tensor ``W`` a
        tensor on its device and in its floating dtype.

    Raises
    ------
    TypeError
        ``W`` not a real numeric array.
    ValueError
        A scalar, NaN/inf or a negative entry (first position named), or an all-zero row (named);
        size over ``max_bytes``.

    References
    ----------
    The conditional law :math:`P(y \mid x) = P(x, y) / P(x)`; Cover & Thomas (2006), §2.2.

    Examples
    --------
    >>> normalize_rows([[1, 3], [2, 2]])
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    _check_plan(max_bytes, "normalize_rows", 3, W)
    arr = as_float_array(W, "W", max_bytes=max_bytes)
    if arr.ndim == 0:
        raise ValueError(f"`W` must have ndim >= 1; got a scalar {float(arr)!r}")
    if arr.size == 0:
        raise ValueError(f"`W` must have at least one row of at least one entry; got shape {arr.shape}")
    check_nonnegative(arr, "W")
    peak = arr.max(axis=-1, keepdims=True)
    if (peak == 0).any():
        row = first_bad_position(peak[..., 0] == 0)
        where = "the vector" if not row else f"row {row if len(row) > 1 else row[0]}"
        raise ValueError(f"`W` must have no all-zero row; {where} sums to 0")
    scaled = arr / peak   # entries in [0, 1]: the row sum cannot overflow (1e308 + 1e308 would)
    return like_input(scaled / scaled.sum(axis=-1, keepdims=True), W)  # a tensor W gives a tensor
