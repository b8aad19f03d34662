"""How much a Boolean function's output says about its inputs when k of them are unknown.

For a set K of unknown coordinates (|K| = k) the information kept is

    I_K(f) = I(f(X); X_{-K}) = H(f(X)) - E h(P[f = 1 | X_{-K}]).

For a uniformly random f the values f(x) are iid Bernoulli(1/2), so the number of
ones in the whole cube is W ~ Binomial(2**n, 1/2) and in each cell of 2**k points
(fixed visible part) B ~ Binomial(2**k, 1/2). With the deficit
``D(j) = E[1 - h(Binomial(2**j, 1/2) / 2**j)]``,

    E_f I_K(f) = E h(W / 2**n) - E h(B / 2**k) = D(k) - D(n),

and since ``1 - h(1/2 + d) = 2 d**2 / ln 2 + O(d**4)`` and Var(B / M) = 1/(4M),
``D(j) ~ 2**-j / (2 ln 2)``: E_f I ~ (2**-k - 2**-n) / (2 ln 2). Most functions are
sensitive: with k unknown inputs they keep about 2**-k bits, whereas majority keeps
a constant fraction for k << n.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.validate import check_int
from boolean._lib.memory import check_size

#: Largest n for the exact binomial sums (2**n + 1 terms of float64).
MAX_N_SENSITIVITY = 26


def _check_k(k, n):
    """Validate k (int or 1-D array-like of ints in [0, n]); return (array, scalar?)."""
    if np.ndim(k) == 0:
        return np.array([check_int(k, "k", low=0, high=n)]), True
    arr = np.asarray(k)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(f"`k` must be an integer or a 1-D array of integers; got {arr.dtype} "
                        f"of shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() > n):
        raise ValueError(f"`k` must hold integers in [0, {n}]; got values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64), False


def _one_minus_h(p):
    """1 - h(p) in bits, accurate near p = 1/2 (log1p form), 1 at p in {0, 1}."""
    from scipy.special import xlog1py

    d = np.asarray(p, dtype=np.float64) - 0.5
    return (xlog1py(0.5 + d, 2 * d) + xlog1py(0.5 - d, -2 * d)) / math.log(2)


#: Hamming weights summed per block in :func:`_deficit` (bounds its working memory).
DEFICIT_BLOCK = 1 << 16
#: float64 arrays of the block length alive at once in :func:`_deficit` (measured peak: 10, with
#: scipy's binom.pmf temporaries; one spare).
DEFICIT_ARRAYS = 11


def deficit_plan_bytes(j: int) -> float:
    """Peak working memory of :func:`_deficit` (bytes): ``DEFICIT_ARRAYS`` float64 blocks.

    The one memory plan of the exact sums; :func:`random_function_retained_information` checks it
    against ``max_bytes`` (tested with tracemalloc).
    """
    return 8.0 * DEFICIT_ARRAYS * min((1 << j) // 2 + 1, DEFICIT_BLOCK)


def _deficit(j: int) -> float:
    """D(j) = E[1 - h(B / 2**j)], B ~ Binomial(2**j, 1/2), by the exact binomial sum.

    Summed in blocks of ``DEFICIT_BLOCK`` weights, so the memory stays ``deficit_plan_bytes(j)``.
    """
    from scipy.stats import binom

    M = 1 << j
    total = 0.0
    for start in range(0, M // 2 + 1, DEFICIT_BLOCK):
        w = np.arange(start, min(start + DEFICIT_BLOCK, M // 2 + 1))
        pmf = binom.pmf(w, M, 0.5)
        weight = np.where(2 * w == M, 1.0, 2.0)  # symmetry w <-> M - w
        total += float(np.sum(weight * pmf * _one_minus_h(w / M)))
    return total


def random_function_retained_information(n: int, k, *, max_bytes=None):
    r"""Exact E_f I(f(X); X_{-K}) for a uniformly random f of n bits and :math:`|K| = k` unknown inputs.

    .. math::

       E_f I_K(f) = D(k) - D(n), \qquad
       D(j) = \sum_{w=0}^{2^j} \binom{2^j}{w} 2^{-2^j} \bigl(1 - h(w / 2^j)\bigr),

    (bits), by exact binomial sums over the Hamming weight of f on the cube (D(n),
    from H(f(X))) and on one cell of 2**k points (D(k), from the conditional entropy);
    ``1 - h`` is evaluated in a log1p form, accurate near 1/2. The value does not depend
    on which k coordinates are unknown.

    Parameters
    ----------
    n : int
        Number of input bits, ``1 <= n <= 26``.
    k : int or 1-D array of int
        Number of unknown inputs, ``0 <= k <= n``.
    max_bytes : int, optional
        Refuse sums needing more memory than this (default 8 GiB).

    Returns
    -------
    float or ndarray
        Bits; an array with the shape of ``k`` when ``k`` is an array.

    Raises
    ------
    TypeError
        For non-integer n or k.
    ValueError
        For n outside [1, 26], k outside [0, n], or a sum above ``max_bytes``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006,
    Ch. 2 (entropy, conditional entropy); docs/problem.rst, sections "Measures of Boolean functions" and "Classes of indistinguishable functions".

    Examples
    --------
    >>> round(random_function_retained_information(1, 0), 12)   # half the functions constant, half x or not-x
    0.5
    >>> random_function_retained_information(3, 3)
    0.0
    >>> random_function_retained_information(2, [0, 1, 2]).round(6).tolist()
    [0.780639, 0.280639, 0.0]
    """
    n = check_int(n, "n", low=1, high=MAX_N_SENSITIVITY)
    ks, scalar = _check_k(k, n)
    check_size(deficit_plan_bytes(n), max_bytes, f"random_function_retained_information(n={n})")
    D = {j: _deficit(j) for j in {n, *ks.tolist()}}  # each distinct size once
    out = np.array([D[kk] - D[n] if kk != n else 0.0 for kk in ks.tolist()], dtype=np.float64)
    return float(out[0]) if scalar else out


def random_function_retained_information_asymptotic(n: int, k):
    r"""The large-cell law :math:`E_f I_K(f) \approx (2^{-k} - 2^{-n}) / (2 \ln 2)` bits.

    From ``1 - h(1/2 + d) = 2 d**2 / ln 2 + O(d**4)`` and ``Var(B / 2**j) = 2**-j / 4``:
    ``D(j) = 2**-j / (2 ln 2) + O(4**-j)``. Relative error O(2**-k); poor for k = 0, 1.

    Parameters
    ----------
    n : int
        Number of input bits, ``n >= 1``.
    k : int or 1-D array of int
        As :func:`random_function_retained_information`.

    Returns
    -------
    float or ndarray
        Bits, shaped as in :func:`random_function_retained_information`.

    Raises
    ------
    TypeError, ValueError
        For non-integer or out-of-range n or k.

    References
    ----------
    See :func:`random_function_retained_information`.

    Examples
    --------
    >>> round(random_function_retained_information_asymptotic(20, 10) * 2 * math.log(2) * 2**10, 6)
    0.999023
    """
    n = check_int(n, "n", low=1, high=1000)
    ks, scalar = _check_k(k, n)
    out = (np.exp2(-ks.astype(np.float64)) - 2.0 ** -n) / (2 * math.log(2))
    return float(out[0]) if scalar else out


def majority_retained_information(n: int, k):
    r"""Exact I_K(maj_n) = I(maj(X); X_{-K}) for odd n and :math:`|K| = k` unknown inputs.

    With v ones among the n - k visible bits, ``P[maj = 1 | v] = P[Binomial(k, 1/2) >=
    (n + 1)/2 - v]``, H(maj) = 1, so

    .. math::

       I_K(\mathrm{maj}) = 1 - \sum_{v=0}^{n-k} \binom{n-k}{v} 2^{-(n-k)}
       h\bigl(P[\mathrm{maj} = 1 \mid v]\bigr) \quad \text{(bits)}.

    Parameters
    ----------
    n : int
        Odd number of bits, ``1 <= n <= 10001``.
    k : int or 1-D array of int
        Unknown inputs, ``0 <= k <= n``.

    Returns
    -------
    float or ndarray
        Bits.

    Raises
    ------
    TypeError, ValueError
        For non-integer n or k, even n, or out-of-range values.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 2.2 and 5.2 (majority).

    Examples
    --------
    >>> majority_retained_information(3, [0, 3]).tolist()
    [1.0, 0.0]
    >>> round(majority_retained_information(3, 1), 6)     # 1 - h(1/2)/2
    0.5
    """
    from scipy.stats import binom

    n = check_int(n, "n", low=1, high=10001)
    if n % 2 == 0:
        raise ValueError(f"`n` must be odd for majority; got n = {n}")
    ks, scalar = _check_k(k, n)
    t = (n + 1) // 2
    out = np.empty(ks.size, dtype=np.float64)
    for i, kk in enumerate(ks.tolist()):
        v = np.arange(n - kk + 1)
        p1 = binom.sf(t - v - 1, kk, 0.5)  # P[Bin(k) >= t - v]
        h = 1.0 - _one_minus_h(p1)
        out[i] = 1.0 - float(np.sum(binom.pmf(v, n - kk, 0.5) * h))
    return float(out[0]) if scalar else out
