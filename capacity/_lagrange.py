"""Shared machinery of the Lagrangian solvers in :mod:`capacity.cost_constrained` and
:mod:`capacity.distortion`: the slope bisection that meets a budget / distortion while
certifying every point it visits, a safeguarded Newton step on the simplex, and one
ConvergenceWarning for a whole curve. Natural logs (nats) throughout; no validation.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from boolean._lib.validate import MAX_ITERATIONS, as_float_array, check_finite, check_int, check_real, shape_of

from ._result import ConvergenceWarning
from ._rounding import outward_scale

LN2 = math.log(2.0)
DEFAULT_MAX_BYTES = 2 * 2**30
_MAX_BISECT = 200
#: Inner solves aim at a quarter of the requested gap, but never below this (nats): a float64
#: certificate of O(1) nats cannot be tighter than a few ulps, and a solve chasing a smaller gap
#: would spend the whole iteration budget and leave the caller with its first, trivial bounds.
GAP_FLOOR = 8 * float(np.finfo(np.float64).eps)
_NEWTON_EVERY = 10    # a Newton polish on the support every this many mirror steps
_NEWTON_MAX_N = 400   # ... when the alphabet is at most this large (the KKT solve is cubic)


def inner_tol(tol_n):
    """The gap (nats) an inner solve aims at for a requested gap ``tol_n``: tol_n / 4, at least GAP_FLOOR."""
    return max(tol_n / 4, GAP_FLOOR)


def _check_common(tol, max_iter):
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1, high=MAX_ITERATIONS)
    return tol, max_iter


def _newton_direction(grad, hess, support):
    """Newton direction on the face {sum_S delta = 0} for maximising a concave function.

    ``hess(idx)`` returns the Hessian block H[idx, idx] (only the support is ever formed).

    Solves [[H_SS, 1], [1^T, 0]] [delta; lam] = [-grad_S; 0] (least squares: H may be singular);
    entries outside ``support`` stay 0.
    """
    idx = np.flatnonzero(support)
    k = idx.size
    K = np.zeros((k + 1, k + 1))
    K[:k, :k] = hess(idx)
    K[:k, k] = 1.0
    K[k, :k] = 1.0
    rhs = np.concatenate([-grad[idx], [0.0]])
    sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    delta = np.zeros(grad.shape[0])
    delta[idx] = sol[:k]
    delta[idx] -= delta[idx].mean()  # exact sum zero
    return delta


def _newton_polish(x, obj, evaluate, grad, hess, shrink=0.01):
    """One safeguarded projected-Newton step for a concave maximisation over the simplex.

    ``evaluate(x) -> (objective, state)``. The support is ``x > 1e-9 max(x)`` (smaller entries are
    held fixed); a trial point ``max(x + t delta, shrink * x)`` (renormalised; no exact zeros, so
    multiplicative updates can still revive an entry) is accepted when the objective increases,
    halving ``t`` up to 8 times. Returns (x, objective, state) or None when no step helps.
    """
    support = x > 1e-9 * x.max()
    if support.sum() < 2:
        return None
    delta = _newton_direction(grad, hess, support)
    t = 1.0
    for _ in range(8):
        new = np.maximum(x + t * delta, shrink * x)
        new /= new.sum()
        val, state = evaluate(new)
        if val > obj:
            return new, val, state
        t *= 0.5
    return None


def _slope_bisection(st, solve, visit, measure, target, s_start, hi, warm, tol_n, iters, max_iter):
    """Find the Lagrange slope whose solution meets ``target``, certifying every point on the way.

    Shared by capacity–cost (measure = expected cost) and rate–distortion (measure = distortion):
    the measure of the slope-``s`` solution does not increase with ``s``. ``solve(s, warm, tol,
    budget) -> (point, warm, iterations)`` solves at slope ``s`` from a warm start;
    ``visit(point, s=None) -> measure`` records the point in ``st`` (whose ``gap`` is the
    certified gap, nats); ``measure(point)`` only evaluates. ``hi = (point, measure)`` is the
    ``s = 0`` end, above ``target``; ``warm`` the warm start for the first solve.

    Brackets by ``s *= 4`` from ``s_start`` (rough solves far from the answer: the tolerance
    tightens with the gap), then bisects. After each step the mixture of the two end points that
    meets ``target`` exactly is visited (the objective is concave along the chord, so the mixture
    is at least as good). A collapsed bracket is re-solved tightly at its upper end (a rough solve
    may have put it on the wrong side), at most 4 times. Returns (slope, iterations): the bracket's
    midpoint, or the last bracketing slope when ``max_iter`` ran out before a bracket was found.
    """
    def step(s, warm, tol_s):  # one inner solve at slope s, counted and visited
        nonlocal iters
        pt, w, its = solve(s, warm, tol_s, max_iter - iters)
        iters += its
        return pt, w, visit(pt, s)

    s_lo, (pt_hi, m_hi) = 0.0, hi
    s = s_start
    lo = None  # (point, measure, warm) at s_hi, the end meeting the target
    for _ in range(80):
        if iters >= max_iter:
            break
        pt, w, m = step(s, warm, max(inner_tol(tol_n), min(1e-3, 0.01 * st.gap)))
        if m <= target:
            s_hi, lo = s, (pt, m, w)
            break
        s_lo, pt_hi, m_hi, warm = s, pt, m, w
        s *= 4.0
    if lo is None:  # iteration budget spent while bracketing
        return s, iters

    def mix():
        # the mixture meeting the target exactly; nudged toward the feasible end if rounding overshoots
        pt_lo, m_lo, _ = lo
        if m_hi - m_lo > 0:
            lam = (m_hi - target) / (m_hi - m_lo)
            for _ in range(3):
                pm = lam * pt_lo + (1.0 - lam) * pt_hi
                over = measure(pm) - target
                if over <= 0 or lam >= 1.0:
                    break
                lam = min(1.0, lam + over / (m_hi - m_lo) + 4e-16)
            visit(pm)

    mix()
    rechecks = 0
    for _ in range(_MAX_BISECT):
        if st.gap <= tol_n or iters >= max_iter:
            break
        if s_hi - s_lo <= 1e-13 * s_hi:
            # collapsed: a rough solve may have put s_hi on the wrong side; re-solve it tightly
            if rechecks >= 4:
                break
            rechecks += 1
            if s_lo > 0:
                pt, w, m = step(s_lo, warm, inner_tol(tol_n))
                if m <= target:  # s_lo was on the wrong side: bisect [0, s_lo] again
                    s_lo, s_hi, lo = 0.0, s_lo, (pt, m, w)
                    mix()
                    continue
                pt_hi, m_hi, warm = pt, m, w
            pt, w, m = step(s_hi, lo[2], inner_tol(tol_n))
            if m <= target:
                lo = (pt, m, w)
                mix()
                break
            s_lo, pt_hi, m_hi, warm = s_hi, pt, m, w
            s_hi = 2.0 * s_hi
            pt, w, m = step(s_hi, w, inner_tol(tol_n))
            lo = (pt, m, w)
            if m > target:  # pragma: no cover - the measure decreases with the slope
                break
            mix()
            continue
        s_mid = 0.5 * (s_lo + s_hi)
        pt, w, m = step(s_mid, lo[2], max(inner_tol(tol_n), min(1e-3, 0.01 * st.gap)))
        if m <= target:
            s_hi, lo = s_mid, (pt, m, w)
        else:
            s_lo, pt_hi, m_hi, warm = s_mid, pt, m, w
        mix()
    return 0.5 * (s_lo + s_hi), iters


def curve_points(values):
    """How many points a curve asks for, from the shape of ``values`` alone (no copy: a broadcast
    view of 10^9 budgets is counted, not converted). Ragged input counts 1 (refused later)."""
    return math.prod(shape_of(values))


def check_targets(values, name):
    """The curve's budgets / distortions as a finite non-empty 1-D float64 array."""
    arr = as_float_array(values, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 1-D array; got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def certified_bits(st, tol, max_iter, caller, stacklevel):
    """(lower, upper, converged) in bits of a finished state (``st.lower``, ``st.upper`` in nats),
    converted outward (:func:`capacity._rounding.outward_scale`); a ConvergenceWarning from
    ``caller`` at ``stacklevel`` (as seen from the caller) when the gap exceeds ``tol``."""
    lower, upper = (float(v) for v in outward_scale(st.lower, max(st.upper, st.lower)))
    if upper - lower > tol:
        warnings.warn(f"{caller}: certified gap {upper - lower:.3g} bits > tol={tol:g} (max_iter={max_iter}); "
                      "bounds remain valid", ConvergenceWarning, stacklevel=stacklevel + 1)
    return lower, upper, bool(upper - lower <= tol)


def _solve_each(solve, targets, caller, what, tol):
    """``[solve(t) for t in targets]`` with one ConvergenceWarning (from ``caller``) for the lot."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        results = [solve(float(t)) for t in targets]
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        bad = sum(not r.converged for r in results)
        warnings.warn(f"{caller}: {bad} of {len(results)} {what} did not reach tol={tol:g}; "
                      "bounds remain valid", ConvergenceWarning, stacklevel=3)
    return results

