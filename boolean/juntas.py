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

from ._lib.validate import check_int
from ._tables import load_host_table, result_repr, table_doc, table_raises

__all__ = ["nearest_junta", "NearestJunta"]


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
    """The uint8 table and junta, the int64 cell index of every x, and the int64 cell counts."""
    e = rows * 2.0**n
    return 2 * e + 8 * 2.0**n + 8 * e


@table_doc("""f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i. Results are numpy.""",
           """k : int
    0 <= k <= n (k = 0: the nearest constant).""", "domain", "max_bytes",
           returns="NearestJunta", raises=table_raises(" or a non-integer ``k``", ", k outside [0, n]"))
def nearest_junta(f, k, *, domain="01", max_bytes=None):
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
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes, "nearest_junta", domain=domain)
    if k > n:
        raise ValueError(f"`k` must be an integer in [0, {n}] (n = {n}); got {k}")
    subsets = np.array(list(itertools.combinations(range(n), k)), dtype=np.int64).reshape(math.comb(n, k), k)
    from ._complexity_numba import nearest_juntas

    dist, which, ones = nearest_juntas(table, n, subsets, k)
    variables = subsets[which]
    cell = 1 << (n - k)
    values = (2 * ones > cell).astype(np.uint8)  # majority of each cell, ties give 0
    N = 1 << n
    idx = np.zeros((len(table), N), dtype=np.int64)
    xs = np.arange(N)
    for j in range(k):
        idx |= ((xs[None, :] >> variables[:, j:j + 1]) & 1) << j
    junta = np.take_along_axis(values, idx, axis=1)
    if batched:
        return NearestJunta(n, k, dist, dist * 2.0**-n, variables, junta)
    return NearestJunta(n, k, int(dist[0]), float(dist[0]) * 2.0**-n, tuple(int(v) for v in variables[0]), junta[0])
