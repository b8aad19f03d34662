r"""Upper bounds on C(n, s, m) that hold for every n.

Three bounds, each proved in its docstring and tested against the exact C(n, s, m):

* **samples**: each sample carries one bit that depends on F, so ``I(F; Y) <= m``;
* **classes**: ``I(F; Y) <= H(class of F) <= log2 #classes``, with the exact count where
  :func:`count_classes` has a closed form (or n <= 4), else the count of possible spectra:
  ``G(∅)`` takes ``2**n + 1`` values and, given it, each other ``G(T)`` (``|T| <= s``) takes
  ``2**(n-1) + 1`` values of one parity;
* **cells**: with ``nu_c`` the samples falling in cell c (ancillary: its law does not depend on
  F) and ``kappa_c`` the ones among them, ``I(F; Y) = I(F; kappa | nu)``; given ``nu`` and F the
  ``kappa_c ~ Binomial(nu_c, q_c(F))`` are independent, so
  ``I(F; kappa | nu = v) <= sum_c I(F; kappa_c | nu = v) <= sum_c B(v_c)``, where ``B(j)`` is the
  capacity of the binomial channel ``q -> Binomial(j, q)`` with q among the ``2**(n-s) + 1``
  values ``i / 2**(n-s)`` a subcube count allows. Averaging over ``nu_c ~ Binomial(m, 1/K)``:

.. math::

    C(n, s, m) \le K \sum_{j=1}^{m} \binom{m}{j} K^{-j} (1 - 1/K)^{m-j} B(j),
    \qquad K = \binom{n}{s} 2^s \text{ cells } (2^s \text{ for a fixed } S_0).

See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from boolean._lib.validate import check_int

__all__ = ["CapacityUpperBound", "capacity_upper_bound", "binomial_channel_upper"]

#: Largest 2**(n-s) for which the binomial channel is solved on its exact input set.
EXACT_GRID = 256
#: Beyond: the output law comes from a solve on SOLVE_GRID + 1 points, and the supremum over a
#: continuous q is bounded on CONTINUOUS_GRID intervals.
SOLVE_GRID, CONTINUOUS_GRID = 256, 8192
#: Gap of the binomial-channel solves: their certified upper end is valid at any gap, and is at
#: most this far above the binomial channel's capacity.
BA_TOL = 1e-6
#: Relative allowance added to the cells bound for the rounding of its float64 sum of <= 64 terms.
ROUNDING = 1e-12


@dataclass(frozen=True)
class CapacityUpperBound:
    r"""Upper bounds (bits) on :math:`C(n, s, m)` that hold for every n, the least of
    :math:`m`, :math:`\log_2 \#\text{classes}` and the per-cell binomial-channel bound.

    Attributes
    ----------
    n, s, m : int
        Parameters.
    visible : str
        "random" or "fixed".
    samples : float
        ``m``.
    classes : float
        ``log2`` of the number of classes (exact or bounded: ``classes_exact``).
    classes_exact : bool
        Whether the class count is exact.
    cells : float
        The per-cell binomial-channel bound.
    upper : float
        The smallest of the three.

    Examples
    --------
    >>> b = capacity_upper_bound(3, 1, 2)
    >>> b.samples, round(b.classes, 4), b.upper <= 2
    (2, 7.2574, True)
    """

    n: int
    s: int
    m: int
    visible: str
    samples: float
    classes: float
    classes_exact: bool
    cells: float
    upper: float


def _log2_class_bound(n, s, visible):
    """(log2 #classes, exact?) without enumerating functions."""
    from .classes import count_classes

    if visible == "fixed" or s == 0 or s >= n - 1 or n <= 4:
        return math.log2(count_classes(n, s, visible=visible)), True
    L = sum(math.comb(n, d) for d in range(s + 1))
    bound = math.log2(2 ** n + 1) + (L - 1) * math.log2(2 ** (n - 1) + 1)
    return min(bound, float(2 ** n)), False


def binomial_channel_upper(j: int, N: int) -> float:
    r"""Certified upper bound (bits) on the capacity of ``q -> Binomial(j, q)``, ``q in {i/N}``.

    .. math::

        B(j) = \max_{P \text{ on } \{0, 1/N, \dots, 1\}} I(q; K),\qquad K \mid q \sim
        \mathrm{Binomial}(j, q).

    For ``N <= 256`` the channel is solved on its exact inputs (the certified upper end of
    :func:`capacity.blahut_arimoto`). Beyond, it is bounded over all ``q in [0, 1]``: with the
    output law r of the law found on the grid ``i / 256``, and 8192 intervals ``[a, b]``,
    ``B <= sup_q D(Bin(j, q) || r)``, and on each interval ``[a, b]``
    ``D <= -min(H(Bin(j, a)), H(Bin(j, b))) + sum_k max_{[a, b]} b_k(q) (-log r_k)``
    (the binomial entropy is concave in q; ``b_k`` peaks at ``k / j``).

    Parameters
    ----------
    j : int
        Trials, ``0 <= j <= 64``.
    N : int
        Grid denominator (``2**(n-s)``), ``N >= 1``.

    Returns
    -------
    float
        The bound in bits (0 for j = 0).

    Raises
    ------
    TypeError, ValueError
        For j or N not integers in range.

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, Thm 4.5.1;
    E. Hillion and O. Johnson, "A proof of the Shepp-Olkin entropy concavity conjecture",
    Bernoulli 23 (2017) 3638-3649.

    Examples
    --------
    >>> binomial_channel_upper(1, 4) >= 1.0, round(binomial_channel_upper(1, 4), 9)
    (True, 1.0)
    """
    j = check_int(j, "j", low=0, high=64)
    N = check_int(N, "N", low=1)
    return _binomial_upper(j, N)


_CACHE: dict = {}


def _binomial_upper(j, N):
    from scipy.stats import binom

    from ..blahut_arimoto import blahut_arimoto

    if j == 0:
        return 0.0
    key = (j, min(N, EXACT_GRID + 1))
    if key in _CACHE:
        return _CACHE[key]
    k = np.arange(j + 1)
    if N <= EXACT_GRID:
        W = binom.pmf(k[None, :], j, (np.arange(N + 1) / N)[:, None])
        W /= W.sum(axis=1, keepdims=True)  # pmf rows sum to 1 up to rounding
        out = float(blahut_arimoto(W, tol=BA_TOL).upper)
    else:
        coarse = np.arange(SOLVE_GRID + 1) / SOLVE_GRID
        Wc = binom.pmf(k[None, :], j, coarse[:, None])
        Wc /= Wc.sum(axis=1, keepdims=True)
        r = np.asarray(blahut_arimoto(Wc, tol=BA_TOL).p) @ Wc
        grid = np.arange(CONTINUOUS_GRID + 1) / CONTINUOUS_GRID
        W = binom.pmf(k[None, :], j, grid[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            H = -np.where(W > 0, W * np.log(np.where(W > 0, W, 1.0)), 0.0).sum(axis=1)   # nats
        neglog_r = -np.log(r)
        a, b = grid[:-1], grid[1:]
        peak = np.clip(k[None, :] / j, a[:, None], b[:, None])             # argmax of b_k on [a, b]
        bmax = binom.pmf(k[None, :], j, peak)
        sup = -np.minimum(H[:-1], H[1:]) + (bmax * neglog_r[None, :]).sum(axis=1)
        out = float(sup.max()) / math.log(2)
    out = min(out, math.log2(j + 1))
    _CACHE[key] = out
    return out


def capacity_upper_bound(n: int, s: int, m: int, *, visible: str = "random") -> CapacityUpperBound:
    r"""Upper bounds on C(n, s, m) (bits) that hold for every n.

    .. math::

        C(n, s, m) \le \min\Big(m,\; \log_2 \#\text{classes},\;
        K \sum_{j=1}^{m} \binom{m}{j} K^{-j} (1 - 1/K)^{m-j} B(j)\Big),

    with ``K`` the number of cells and ``B(j)`` :func:`binomial_channel_upper` at
    ``N = 2**(n-s)`` (see the module docstring for the proofs).

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 4096``.
    s : int
        Visible bits, ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 64``.
    visible : {"random", "fixed"}

    Returns
    -------
    CapacityUpperBound
        ``samples``, ``classes``, ``cells`` and their minimum ``upper``.

    Raises
    ------
    TypeError, ValueError
        For n, s, m out of range or an unknown ``visible``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006,
    Thm 2.8.1 (data processing) and Ex. 7.28 (independent outputs); R. O'Donnell,
    *Analysis of Boolean Functions*, CUP 2014, Prop. 3.21.

    Examples
    --------
    >>> b = capacity_upper_bound(10, 2, 3)
    >>> b.upper <= 3, b.classes_exact
    (True, False)
    """
    from .classes import check_visible

    n = check_int(n, "n", low=1, high=4096)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=64)
    visible = check_visible(visible)
    log2_classes, exact = _log2_class_bound(n, s, visible)
    logK = (gammaln(n + 1) - gammaln(s + 1) - gammaln(n - s + 1) if visible == "random" else 0.0) \
        + s * math.log(2)
    N = 1 << (n - s) if n - s <= 62 else EXACT_GRID + 1
    cells = 0.0
    for j in range(1, m + 1):
        # K * P(nu_c = j), nu_c ~ Binomial(m, 1/K), in logs (K may exceed 1e300)
        if logK == 0.0:                       # one cell: every sample falls in it
            weight = 1.0 if j == m else 0.0
        else:
            weight = math.exp(logK + math.lgamma(m + 1) - math.lgamma(j + 1) - math.lgamma(m - j + 1) - j * logK
                              + (m - j) * math.log1p(-math.exp(-logK)))
        cells += weight * _binomial_upper(j, N)
    cells += ROUNDING * (1.0 + cells)  # the float64 sum may round the (attained) bound down
    return CapacityUpperBound(n=n, s=s, m=m, visible=visible, samples=m, classes=log2_classes,
                              classes_exact=exact, cells=cells, upper=min(float(m), log2_classes, cells))
