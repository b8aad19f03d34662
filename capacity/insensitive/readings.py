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
from scipy.special import gammaln

from boolean._lib.memory import check_size
from boolean._lib.validate import check_choice, check_int, check_real

__all__ = ["READINGS", "reading_capacity"]

READINGS = ("random", "fixed", "hidden", "shared", "bernoulli")


def _cells(tables, n, s, reading):
    from .family import family_cell_probabilities

    if reading == "random":
        q = family_cell_probabilities(tables, n, s, None)
        return q, np.full(q.shape[1], 1.0 / q.shape[1])
    if reading == "fixed":
        return family_cell_probabilities(tables, n, s, tuple(range(s))), np.full(1 << s, 2.0 ** -s)
    if reading == "hidden":
        q = family_cell_probabilities(tables, n, s, None)
        q = q.reshape(q.shape[0], -1, 1 << s).mean(axis=1)
        return q, np.full(1 << s, 2.0 ** -s)
    p = s / n
    qs, pis = [], []
    for k in range(n + 1):
        w = p ** k * (1 - p) ** (n - k) / 2 ** k
        if w == 0:
            continue
        q = family_cell_probabilities(tables, n, k, None)
        qs.append(q)
        pis.append(np.full(q.shape[1], w))
    return np.concatenate(qs, axis=1), np.concatenate(pis)


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
        accepts it.

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
    from .family_capacity import compositions, reduce_cells, solve_cells, wrap_family_result, family_channel_plan

    n = check_int(n, "n", low=1, high=3)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=8)
    check_choice(reading, "reading", READINGS)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    t0 = time.perf_counter()
    fam = all_functions_family(n)
    who = f"reading_capacity[{reading}]"
    if reading != "shared":
        q, pi = _cells(fam.tables, n, s, reading)
        return solve_cells(fam, q, pi, n, s, m, tol, None, max_bytes, t0, who)
    from ..blahut_arimoto import blahut_arimoto

    q, _ = _cells(fam.tables, n, s, "random")
    groups_red = reduce_cells(q, np.full(q.shape[1], 1.0 / q.shape[1]))   # members Bob can never tell apart
    reps = np.array([g[0] for g in groups_red.groups])
    n_sets = math.comb(n, s)
    A = 1 << s
    plan = family_channel_plan(len(reps), 2 * A, m)
    check_size(plan["bytes"] * n_sets, max_bytes, f"{who}(n={n}, s={s}, m={m})")
    counts = compositions(2 * A, m).astype(np.float64)
    logcoef = gammaln(m + 1.0) - gammaln(counts + 1.0).sum(axis=1)
    blocks = []
    for j in range(n_sets):
        qs = q[reps, j * A:(j + 1) * A]
        r = np.concatenate([qs / A, (1 - qs) / A], axis=1)
        with np.errstate(divide="ignore"):
            logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), -1e250)
        blocks.append(np.exp(logcoef[None, :] + logr @ counts.T) / n_sets)
    W = np.concatenate(blocks, axis=1)
    W /= W.sum(axis=1, keepdims=True)   # rows sum to 1 up to rounding of the multinomial terms
    res = blahut_arimoto(W, tol=tol)
    ln2 = math.log(2.0)   # the wrapper takes nats
    return wrap_family_result(fam, groups_red.groups, np.asarray(res.p), float(res.lower) * ln2, float(res.upper) * ln2,
                 n, s, m, tol, 2 * A, W.shape[1], len(reps), 1, t0, who)
