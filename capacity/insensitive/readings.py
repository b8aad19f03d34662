r"""Capacity under other readings of the problem (all functions, small n).

The problem (docs/problem.rst) can be read in several ways; each is a channel from f to Bob's
m samples, and :func:`reading_capacity` solves it exactly over all ``2**(2**n)`` functions:

* ``"random"``: a uniform s-subset S per sample, shown to Bob (the package's default);
* ``"fixed"``: always ``S0 = {0, ..., s-1}``;
* ``"hidden"``: a uniform S per sample, *not* shown: Bob sees ``a = x_S`` (in S's order) and
  f(x), so the cells are the ``2**s`` values a with ``q_a(f) = mean_S q_{S, a}(f)``;
* ``"shared"``: one uniform S for all m samples, shown: the output is (S, the samples), so
  ``W = [W_S / C(n, s)]_S`` side by side, each ``W_S`` the type channel of S's ``2**s`` cells;
* ``"bernoulli"``: each coordinate is revealed independently with probability ``p = s/n``:
  cells (T, a) over all subsets T, with ``pi = p^{|T|} (1-p)^{n-|T|} 2^{-|T|}``.
"""
from __future__ import annotations

import math
import time
from itertools import combinations

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import check_choice, check_int, check_real

__all__ = ["READINGS", "reading_capacity"]

READINGS = ("random", "fixed", "hidden", "shared", "bernoulli")


def _cells(fam, n, s, reading):
    """``(q, q0, pi, (eps_q, eps_pi))`` of a reading other than ``"shared"`` for the family
    ``fam`` of all functions: P(f = 1 | cell), P(f = 0 | cell), the cells' masses, and bounds on
    the relative errors of q (and q0) and pi against the exact values. ``"random"`` is the
    family's own cells (:meth:`FunctionFamily.cell_rounding`). Every q of one subset is a count
    over ``2**(n - s)``, so exact, and so is ``1 - q``; ``"hidden"`` averages C(n, s) of them
    (exact sums, one correctly rounded division each for q and q0: eps_q = u); the Bernoulli
    weights are correctly rounded rationals (eps_pi = u), ``2**-s`` is exact."""
    from fractions import Fraction

    from .._rounding import U64
    from .family import family_cell_probabilities

    tables = fam.tables
    if reading == "random":
        q, pi = fam.reduced_cells(s)
        return q, fam.reduced_zeros(s, q), pi, fam.cell_rounding(s)
    if reading == "fixed":
        q = family_cell_probabilities(tables, n, s, tuple(range(s)))
        return q, 1.0 - q, np.full(1 << s, 2.0 ** -s), (0.0, 0.0)
    if reading == "hidden":
        q = family_cell_probabilities(tables, n, s, None).reshape(tables.shape[0], -1, 1 << s)
        return q.mean(axis=1), (1.0 - q).mean(axis=1), np.full(1 << s, 2.0 ** -s), (U64, 0.0)
    p = Fraction(s, n)
    qs, pis = [], []
    for k in range(n + 1):
        w = p ** k * (1 - p) ** (n - k) / 2 ** k
        if w == 0:
            continue
        q = family_cell_probabilities(tables, n, k, None)
        qs.append(q)
        pis.append(np.full(q.shape[1], float(w)))
    q = np.concatenate(qs, axis=1)
    return q, 1.0 - q, np.concatenate(pis), (0.0, U64)


def reading_capacity(n, s, m, reading, *, tol=1e-9, max_bytes=None):
    r"""Certified C(n, s, m) (bits) under a reading of the problem, over all functions.

    .. math::

        C = \max_P I(F; Y_1, \dots, Y_m),\qquad Y_i \text{ as the reading defines it
        (see the module docstring)}.

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 3`` (all 2**(2**n) functions).
    s : int
        Visible bits (``"bernoulli"``: expected visible bits, p = s/n), ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 8``.
    reading : {"random", "fixed", "hidden", "shared", "bernoulli"}
    tol : float, default 1e-9
        Certified gap (bits), > 0.
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB).

    Returns
    -------
    FamilyCapacity
        On the family of all functions (:func:`all_functions_family`); ``law_sensitivity``
        accepts it. ``outward``: the bracket holds for the exact channel of the reading, its
        float64 cell probabilities' rounding bounded (:mod:`.family_rounding`; ``"shared"``
        through ``blahut_arimoto``'s ``entry_rel``).

    Raises
    ------
    TypeError, ValueError
        For n, s, m out of range, an unknown reading, tol <= 0 or a plan above ``max_bytes``.

    References
    ----------
    docs/problem.rst; R. G. Gallager, *Information Theory and Reliable Communication*, Wiley
    1968, Thm 4.5.1.

    Examples
    --------
    >>> r = reading_capacity(2, 1, 2, "hidden")
    >>> bool(r.gap <= 1e-9), r.lower <= reading_capacity(2, 1, 2, "random").upper
    (True, True)
    """
    from .families import all_functions_family
    from .._rounding import U64
    from ._family_kernels import STRUCTURAL, TINY
    from .family_capacity import (compositions, family_channel_plan, log_type_rows, reduce_cells, solve_cells,
                                  wrap_family_result)
    from .family_rounding import log_multinomials, type_rounding

    n = check_int(n, "n", low=1, high=3)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=8)
    check_choice(reading, "reading", READINGS)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    t0 = time.perf_counter()
    fam = all_functions_family(n)
    who = f"reading_capacity[{reading}]"
    if reading != "shared":
        q, q0, pi, rounding = _cells(fam, n, s, reading)
        return solve_cells(fam, q, pi, n, s, m, tol, None, max_bytes, t0, who, q0=q0, rounding=rounding)
    from ..blahut_arimoto import blahut_arimoto

    q, pi = fam.reduced_cells(s)
    groups_red = reduce_cells(q, pi)                  # members Bob can never tell apart
    reps = np.array([g[0] for g in groups_red.groups])
    n_sets = math.comb(n, s)
    A = 1 << s
    plan = family_channel_plan(len(reps), 2 * A, m)
    check_size(plan["bytes"] * n_sets, max_bytes, f"{who}(n={n}, s={s}, m={m})")
    counts = compositions(2 * A, m).astype(np.float64)
    logcoef = log_multinomials(counts, m)
    # every W_S(t) within relative eps2 of its exact value (family_rounding: r = q / A and
    # (1 - q) / A are exact), one more rounding for the division by C(n, s): the bracket is
    # certified for the exact channel through blahut_arimoto's entry_rel
    blocks, eps = [], 0.0
    for j in range(n_sets):
        qs = q[reps, j * A:(j + 1) * A]
        r = np.concatenate([qs / A, (1 - qs) / A], axis=1)
        with np.errstate(divide="ignore"):
            logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), -1e250)
        tr = type_rounding(logr, counts, logcoef, m, 2 * A, 0.0, 0.0)
        L = log_type_rows(logr, counts, logcoef)
        block = np.exp(L) / n_sets
        if tr is None or eps is None or not (block[L > STRUCTURAL] >= TINY).all():
            eps = None                  # a subnormal entry: no relative bound, the float bracket only
        else:
            eps = max(eps, tr.eps2)
        blocks.append(block)
    W = np.concatenate(blocks, axis=1)
    entry_rel = 0.0 if eps is None else ((1 + U64) / (1 - eps) - 1) * 1.01
    res = blahut_arimoto(W, tol=tol, entry_rel=entry_rel)
    ln2 = math.log(2.0)   # the wrapper takes nats
    return wrap_family_result(fam, groups_red.groups, np.asarray(res.p), float(res.lower) * ln2, float(res.upper) * ln2,
                              n, s, m, tol, 2 * A, W.shape[1], len(reps), 1, t0, who,
                              bits=None if eps is None else (float(res.lower), float(res.upper)))
