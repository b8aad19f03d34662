"""Standard families of Boolean functions as uint8 truth tables.

Every table has length 2**n and index x = Σ_i x_i 2**i (variable i is bit i). Tables are
built by doubling in place (the second half of the table of n + 1 variables is computed from
the first, the table of n), so the only allocation is the uint8 table itself (a float64 table
of partial sums for ``threshold``) and ``max_bytes`` bounds the peak memory.
"""
from __future__ import annotations

import numpy as np

from ._lib.validate import MAX_N, as_array, check_finite, check_int, check_real, check_seed
from ._lib.docs import fill_doc
from ._lib.memory import check_size

__all__ = ["parity", "dictator", "and_", "or_", "majority", "threshold", "tribes", "random_function"]

#: The Parameters, Returns and Raises of the families whose one argument is ``n``.
_DOCS = {"table_of_n": """
    Parameters
    ----------
    n : int in [0, 30]
    max_bytes : int, optional
        Refuse tables larger than this (default 8 GiB).

    Returns
    -------
    ndarray (2**n,) uint8

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is out of range or the table exceeds ``max_bytes``.
"""}


def _check_n(n, max_bytes, low=0):
    n = check_int(n, "n", low=low, high=MAX_N)
    check_size(float(2**n), max_bytes, "this truth table")
    return n


def _doubling_table(n, op):
    """uint8 table t of n bits with t[0] = 0 and t[x + 2**i] = op(t[x], 1) for x < 2**i (setting
    bit i): ``np.add`` gives the popcount, ``np.bitwise_xor`` the parity."""
    t = np.empty(1 << n, dtype=np.uint8)
    t[0] = 0
    h = 1
    while h < t.size:
        op(t[:h], 1, out=t[h:2 * h])
        h *= 2
    return t


@fill_doc(_DOCS)
def parity(n, *, max_bytes=None):
    r"""Parity (XOR) of n bits: f(x) = x_0 ⊕ ... ⊕ x_{n-1}.

    .. math:: (-1)^{f} = \chi_{[n]},\quad \hat g([n]) = 1,\quad \mathrm{Inf}_i = 1,\quad I = n.

    {table_of_n}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §1.2.

    Examples
    --------
    >>> parity(3).tolist()
    [0, 1, 1, 0, 1, 0, 0, 1]
    """
    return _doubling_table(_check_n(n, max_bytes), np.bitwise_xor)


def dictator(n, i=0, *, max_bytes=None):
    r"""Dictator f(x) = x_i on n bits.

    .. math:: (-1)^f = \chi_{\{i\}},\quad \mathrm{Inf}_j = [j = i],\quad \mathrm{Stab}_\rho = \rho.

    Parameters
    ----------
    n : int in [1, 30]
    i : int in [0, n)
    max_bytes : int, optional

    Returns
    -------
    ndarray (2**n,) uint8

    Raises
    ------
    TypeError
        If ``n`` or ``i`` is not an integer.
    ValueError
        If ``n`` or ``i`` is out of range or the table exceeds ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §2.1.

    Examples
    --------
    >>> dictator(3, 1).tolist()
    [0, 0, 1, 1, 0, 0, 1, 1]
    """
    n = _check_n(n, max_bytes, low=1)
    i = check_int(i, "i", low=0, high=n - 1)
    t = np.empty(1 << n, dtype=np.uint8)
    v = t.reshape(-1, 2, 1 << i)  # v[:, b, :]: the points with x_i = b
    v[:, 0, :] = 0
    v[:, 1, :] = 1
    return t


@fill_doc(_DOCS)
def and_(n, *, max_bytes=None):
    r"""AND of n bits: f(x) = 1 iff every x_i = 1.

    .. math:: \mathrm{Inf}_i = 2^{1-n},\quad \hat g(\emptyset) = 1 - 2^{1-n},\quad
              |\hat g(T)| = 2^{1-n}\ (T \ne \emptyset).

    {table_of_n}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Ex. 1.1.

    Examples
    --------
    >>> and_(2).tolist()
    [0, 0, 0, 1]
    """
    n = _check_n(n, max_bytes)
    t = np.zeros(1 << n, dtype=np.uint8)
    t[-1] = 1
    return t


@fill_doc(_DOCS)
def or_(n, *, max_bytes=None):
    r"""OR of n bits: f(x) = 1 iff some x_i = 1.

    .. math:: \mathrm{Inf}_i = 2^{1-n},\quad \hat g(\emptyset) = 2^{1-n} - 1,\quad
              |\hat g(T)| = 2^{1-n}\ (T \ne \emptyset).

    {table_of_n}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Ex. 1.1.

    Examples
    --------
    >>> or_(2).tolist()
    [0, 1, 1, 1]
    """
    n = _check_n(n, max_bytes)
    t = np.ones(1 << n, dtype=np.uint8)
    t[0] = 0
    return t


def majority(n, *, max_bytes=None):
    r"""Majority of an odd number n of bits: f(x) = 1 iff Σ x_i > n/2.

    .. math:: \mathrm{Inf}_i = \binom{n-1}{(n-1)/2} 2^{1-n} \sim \sqrt{2/(\pi n)},\qquad
              \mathrm{Stab}_\rho \to \tfrac{2}{\pi}\arcsin\rho\ (n \to \infty).

    Parameters
    ----------
    n : odd int in [1, 29]
    max_bytes : int, optional

    Returns
    -------
    ndarray (2**n,) uint8

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is even, out of range, or the table exceeds ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Ex. 2.22 and Thm. 2.45 (Sheppard).

    Examples
    --------
    >>> majority(3).tolist()
    [0, 0, 0, 1, 0, 1, 1, 1]
    """
    n = _check_n(n, max_bytes, low=1)
    if n % 2 == 0:
        raise ValueError(f"`n` must be odd for majority; got {n}")
    pc = _doubling_table(n, np.add)
    return np.greater(pc, n // 2, out=pc)  # in place: the popcount table becomes the 0/1 table


#: The largest finite float64: no partial sum of :func:`threshold` may exceed it.
_FMAX = float(np.finfo(np.float64).max)


def threshold(weights, theta, *, max_bytes=None):
    r"""Linear threshold function f(x) = 1 iff Σ_i w_i x_i >= θ.

    .. math:: f(x) = [\textstyle\sum_i w_i x_i \ge \theta],\qquad n = \mathrm{len}(w).

    Sums are accumulated in float64 over i = 0..n-1 in order; integer weights (and
    integer θ) are therefore exact for :math:`|\sum_i w_i| < 2^{53}`.

    Parameters
    ----------
    weights : 1-D array_like of finite reals, length n in [1, 30]
    theta : finite real
    max_bytes : int, optional
        The float64 table of partial sums (8 bytes per entry) counts against it.

    Returns
    -------
    ndarray (2**n,) uint8

    Raises
    ------
    TypeError
        For non-numeric weights or theta.
    ValueError
        For empty, non-1-D or non-finite weights, weights whose sum of absolute values exceeds the
        largest float64 (a partial sum could overflow), n > 30, a non-finite theta, or a table over
        ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §5.1 (linear threshold functions).

    Examples
    --------
    >>> threshold([1, 1, 1], 2).tolist()  # Maj_3
    [0, 0, 0, 1, 0, 1, 1, 1]
    >>> threshold([2, 1], 2).tolist()  # the dictator x_0
    [0, 1, 0, 1]
    """
    w = as_array(weights, "weights", kinds="biuf", requirement="a 1-D array of reals")
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"`weights` must be a non-empty 1-D array; got shape {w.shape}")
    if w.size > MAX_N:  # before the float64 copy: a broadcast view of 2**40 weights costs nothing until then
        raise ValueError(f"`weights` must have length n <= {MAX_N}; got n = {w.size}")
    w = w.astype(np.float64)
    check_finite(w, "weights")
    bound = 0.0
    for wi in np.abs(w).tolist():  # in the order of the partial sums: each |partial sum| <= bound (monotone rounding)
        bound += wi
    if bound > _FMAX:
        raise ValueError(f"`weights` must have sum |w_i| <= {_FMAX:.6g} so that the partial sums cannot overflow; "
                         f"got sum |w_i| = {bound:.6g}")
    theta = check_real(theta, "theta")
    check_size(float(2**w.size) * 9, max_bytes, "this truth table")
    s = np.empty(1 << w.size, dtype=np.float64)
    s[0] = 0.0
    for i, wi in enumerate(w):  # s[x + 2**i] = s[x] + w_i for x < 2**i: sums in the order i = 0..n-1
        np.add(s[:1 << i], wi, out=s[1 << i:2 << i])
    return np.greater_equal(s, theta).view(np.uint8)


def tribes(w, s, *, max_bytes=None):
    r"""Tribes: OR of s ANDs of width w on disjoint blocks; n = w s.

    Block j holds variables j w, ..., j w + w - 1.

    .. math:: f(x) = \bigvee_{j<s} \bigwedge_{k<w} x_{jw+k},\qquad
              \mathrm{Inf}_i = 2^{-(w-1)} (1 - 2^{-w})^{s-1}.

    Parameters
    ----------
    w : int >= 1 (width of each tribe)
    s : int >= 1 (number of tribes), with w s <= 30
    max_bytes : int, optional

    Returns
    -------
    ndarray (2**(w s),) uint8

    Raises
    ------
    TypeError
        If ``w`` or ``s`` is not an integer.
    ValueError
        If ``w`` or ``s`` < 1, w s > 30, or the table exceeds ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §2.1 and §4.2 (Ben-Or and Linial).

    Examples
    --------
    >>> tribes(2, 2).tolist()  # (x0 and x1) or (x2 and x3)
    [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1]
    """
    w = check_int(w, "w", low=1, high=MAX_N)
    s = check_int(s, "s", low=1, high=MAX_N)
    if w * s > MAX_N:
        raise ValueError(f"`w * s` must be <= {MAX_N}; got {w} * {s} = {w * s}")
    check_size(float(2 ** (w * s)), max_bytes, "this truth table")
    block = and_(w)
    t = block
    for _ in range(s - 1):
        # the next tribe occupies higher bits: t_new[x_low + 2**m x_high] = t[x_low] | block[x_high]
        t = (t[np.newaxis, :] | block[:, np.newaxis]).reshape(-1)
    return t


#: Largest number of table entries numpy can index (``batch * 2**n`` must not exceed it).
_MAX_ROWS = int(np.iinfo(np.intp).max)


def random_function(n, seed=None, *, batch=None, max_bytes=None):
    r"""Uniformly random Boolean function(s) of n bits: each f(x) an independent fair bit.

    .. math:: \Pr[f = t] = 2^{-2^n}\ \text{for every table } t.

    Parameters
    ----------
    n : int in [0, 30]
    seed : int, numpy.random.Generator or None
        Passed to :func:`numpy.random.default_rng`.
    batch : int, optional
        Return ``batch`` independent tables (batch, 2**n) instead of one.
    max_bytes : int, optional

    Returns
    -------
    ndarray (2**n,) or (batch, 2**n) uint8

    Raises
    ------
    TypeError
        If ``n`` or ``batch`` is not an integer, or ``seed`` is not an int, Generator or None.
    ValueError
        If ``n`` or ``batch`` is out of range (``batch * 2**n`` above what numpy can index
        included) or the tables exceed ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §1.4 (random functions have
    ĝ(T) of order 2^{-n/2} for every T).

    Examples
    --------
    >>> f = random_function(4, seed=1)
    >>> f.shape, f.dtype.name, set(f.tolist()) <= {0, 1}
    ((16,), 'uint8', True)
    >>> bool((random_function(4, seed=1) == f).all())
    True
    """
    n = check_int(n, "n", low=0, high=MAX_N)
    rows = 1 if batch is None else check_int(batch, "batch", low=1, high=_MAX_ROWS >> n)  # numpy can index it
    check_size(float(2**n) * rows, max_bytes, "these truth tables")
    rng = np.random.default_rng(check_seed(seed))
    shape = (1 << n,) if batch is None else (rows, 1 << n)
    return rng.integers(0, 2, size=shape, dtype=np.uint8)
