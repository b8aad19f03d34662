r"""Distance to the nearest k-junta, exactly: the best set of k variables and the function of them.

A k-junta depends on at most k variables. For a set J of k variables the closest function of
x_J takes, on each cell {x : x_J = a}, the majority value of f there; so

.. math:: \mathrm{dist}(f, \mathcal{J}_k) = \min_{|J| = k} 2^{-n} \sum_{a \in \{0,1\}^J}
          \min\bigl(N_1(a), 2^{n-k} - N_1(a)\bigr), \qquad N_1(a) = \#\{x : x_J = a, f(x) = 1\},

over all C(n, k) sets J (C(n, k) · 2^n work).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._lib.memory import check_size
from ._lib.validate import check_int, check_real
from ._tables import load_host_table, result_repr, table_doc, table_raises

__all__ = ["nearest_junta", "NearestJunta"]

#: Default bound on :func:`nearest_junta`'s work (:func:`junta_work`, table entries visited):
#: 2**37 (1.4e11) covers every k at n <= 18, and k <= 5 or k >= 16 at n = 20, for one function.
JUNTA_MAX_WORK = 2**37


def junta_work(n, k, rows=1):
    r"""Table entries :func:`nearest_junta` visits: for each of the C(n, k) sets of variables, the
    k bits of every x (its cell) and every entry of each of the ``rows`` tables,
    :math:`\binom{n}{k} 2^n (k + B)`."""
    return float(math.comb(n, k)) * 2.0**n * (k + rows)


@dataclass(frozen=True)
class NearestJunta:
    r"""The nearest k-junta to f (see :func:`nearest_junta`).

    .. math:: \mathrm{distance} = \mathrm{disagreements} / 2^n.

    Attributes
    ----------
    n, k : int
    disagreements : int or ndarray
        #{x : f(x) != h(x)}, exact (int64 (B,) for a batch).
    distance : float or ndarray
        disagreements / 2^n (float64; exact, a dyadic rational).
    variables : tuple of int or ndarray
        The k variables of the first (lexicographic) best set (int64 (B, k) for a batch).
    junta : ndarray, uint8, shape of f
        The truth table of the nearest junta h (majority of f on each cell; ties give 0).

    References
    ----------
    E. Friedgut, Boolean functions with low average sensitivity depend on few coordinates,
    *Combinatorica* 18 (1998), 27-35.

    Examples
    --------
    >>> r = nearest_junta([0, 1, 0, 1, 0, 1, 1, 1], 1)  # x0 OR (x1 AND x2): closest 1-junta x0
    >>> r.variables, r.disagreements, r.distance
    ((0,), 1, 0.125)
    """

    n: int
    k: int
    disagreements: Any
    distance: Any
    variables: Any
    junta: Any

    def __repr__(self):
        return result_repr(self)


def _plan_bytes(name, n, rows):
    """The uint8 table and junta, the int64 cell of every x (one for the search, one per row for
    the junta) with one int64 temporary of that size and the int64 x's; the variable sets and the
    cell counts are checked once k is known (:func:`_search_bytes`)."""
    e, N = rows * 2.0**n, 2.0**n
    return 2 * e + 16 * e + 16 * N


def _search_bytes(n, k, rows):
    """The int64 variable sets (C(n, k) x k) and the int64 cell counts of each row (B x 2**k)."""
    return 8.0 * math.comb(n, k) * k + 8.0 * (rows + 1) * 2.0**k


@table_doc("""f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i. Results are numpy.""",
           """k : int
    0 <= k <= n (k = 0: the nearest constant).""", "domain", "max_bytes",
           r"""max_work : float, optional
    Refuse (before the search) a request that would visit more table entries than this
    (:func:`junta_work`: :math:`\binom{n}{k} 2^n (k + B)` for B tables); default
    ``JUNTA_MAX_WORK`` = 2**37; ``float("inf")`` for no bound.""",
           returns="NearestJunta",
           raises=table_raises(" or a non-integer ``k``", ", k outside [0, n], a search above ``max_work``"))
def nearest_junta(f, k, *, domain="01", max_bytes=None, max_work=None):
    r"""Exact distance from f to the nearest function of at most k variables, and that junta.

    .. math:: \mathrm{dist}(f, \mathcal{J}_k) = \min_{h\ k\text{-junta}} \Pr_x[f(x) \ne h(x)].

    {sections}

    References
    ----------
    E. Friedgut, Boolean functions with low average sensitivity depend on few coordinates,
    *Combinatorica* 18 (1998), 27-35.
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §9.6 (Friedgut's junta theorem).

    Examples
    --------
    >>> from boolean import majority
    >>> nearest_junta(majority(3), 1).distance  # a dictator agrees with Maj_3 on 3/4 of inputs
    0.25
    """
    k = check_int(k, "k", low=0)
    work_cap = check_real(JUNTA_MAX_WORK if max_work is None else max_work, "max_work", low=0.0, low_open=True,
                          finite=False)  # inf: no bound
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes, "nearest_junta", domain=domain)
    if k > n:
        raise ValueError(f"`k` must be an integer in [0, {n}] (n = {n}); got {k}")
    B = len(table)
    work = junta_work(n, k, B)
    if work > work_cap:
        raise ValueError(f"nearest_junta(n={n}, k={k}) visits C({n}, {k}) 2**{n} ({k} + {B}) = {work:.3g} table "
                         f"entries > max_work={work_cap:.3g}; pass a larger max_work (float('inf') for no bound)")
    check_size(_plan_bytes("nearest_junta", n, B) + _search_bytes(n, k, B), max_bytes,
               f"nearest_junta(n={n}, k={k}) with its {math.comb(n, k)} variable sets")
    S = math.comb(n, k)
    subsets = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.int64,
                          count=S * k).reshape(S, k)
    from ._complexity_numba import nearest_juntas

    dist, which, ones = nearest_juntas(table, n, subsets, k)
    variables = subsets[which]
    cell = 1 << (n - k)
    values = (2 * ones > cell).astype(np.uint8)  # majority of each cell, ties give 0
    N = 1 << n
    xs = np.arange(N, dtype=np.int64)[None, :]
    idx = np.zeros((B, N), dtype=np.int64)
    tmp = np.empty((B, N), dtype=np.int64)
    for j in range(k):  # idx[r, x] = the bits of x on row r's variables, packed (in place: one temporary)
        np.right_shift(xs, variables[:, j:j + 1], out=tmp)
        tmp &= 1
        tmp <<= j
        idx |= tmp
    del tmp
    junta = np.take_along_axis(values, idx, axis=1)
    if batched:
        return NearestJunta(n, k, dist, dist * 2.0**-n, variables, junta)
    return NearestJunta(n, k, int(dist[0]), float(dist[0]) * 2.0**-n, tuple(int(v) for v in variables[0]), junta[0])
