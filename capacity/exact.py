"""Channel capacity as an exponential-cone program (cvxpy + Clarabel): the exact cross-check.

The solver's input law is re-certified by our own bounds; the solver's objective value is
kept only as information in ``extra``. cvxpy is imported inside the function (its import is slow).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from boolean._lib.array import neg_entropy_rows
from boolean._lib.memory import check_size
from boolean._lib.validate import check_channel, check_distribution, check_real, shape_of

from ._result import CapacityResult, ConvergenceWarning, result_like, stack_results
from ._rounding import outward_certificate
from .information import plan_bytes

__all__ = ["capacity_cvxpy", "certify_input"]

#: Default memory cap for the conic program (cvxpy's canonicalisation copies W several times).
DEFAULT_MAX_BYTES = 2 * 2**30
#: Bytes the conic program needs per channel entry (measured order of magnitude, generous).
_BYTES_PER_ENTRY = 64


def certify_input(W, p, *, max_bytes=None):
    r"""Certified capacity bounds of channel ``W`` from any input law ``p`` (bits).

    .. math::  I(p; W) \;\le\; C(W) \;\le\; \max_x D(W_x \,\|\, pW)

    (Gallager 1968, Thm 4.5.1; Csiszár & Körner, Thm 8.10). The upper bound is ``inf`` when
    ``pW`` misses an output that some row can produce.

    Parameters
    ----------
    W : array_like (nx, ny)
        Channel matrix (rows sum to 1 within 1e-9, 4 ulps for float32).
    p : array_like (nx,)
        Input probability vector.
    max_bytes : int, optional
        Refuse a channel whose working copies (four float64 arrays of its shape) would exceed
        this (default 8 GiB), before copying it.

    Returns
    -------
    (lower, upper) : tuple of float
        Bits, rounded outward: the exact values of both bounds for the float64 ``W`` and ``p``
        (``p`` normalised) lie between them despite rounding (:mod:`capacity._rounding`; about
        1e-15 of width), so a capacity of exactly 1 bit gives a bracket one ulp either side of 1.

    Raises
    ------
    TypeError
        non-real input.
    ValueError
        invalid ``W`` or ``p``, or ``len(p) != W.shape[0]``; size over ``max_bytes``.

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, 1968, Thm 4.5.1;
    I. Csiszár and J. Körner, *Information Theory*, 2nd ed., 2011, Thm 8.10.

    Examples
    --------
    >>> certify_input([[1, 0], [0, 1]], [0.5, 0.5])
    (0.9999999999999999, 1.0000000000000002)
    """
    check_size(plan_bytes(shape_of(W), copies=4), max_bytes, "certify_input")
    W = check_channel(W, "W", allow_batch=False)
    p = check_distribution(p, "p")
    if p.shape[0] != W.shape[0]:
        raise ValueError(f"`p` must have W.shape[0] = {W.shape[0]} entries; got {p.shape[0]}")
    return _certify(W, p)


def _certify(W, p):
    """(lower, upper) in bits of ``p`` on one channel, rounded outward (:mod:`capacity._rounding`)."""
    lower, upper = outward_certificate(W[None], p[None], unit="bits")
    lower = max(0.0, float(lower[0]))  # I >= 0
    return lower, max(float(upper[0]), lower)


def capacity_cvxpy(W, *, tol=1e-4, solver_options=None, max_bytes=None) -> CapacityResult:
    r"""Capacity of ``W`` by the exponential-cone program, re-certified by our bounds.

    Solves (natural logs, then converted to bits)

    .. math::  \max_{p \in \Delta} \; \sum_y \mathrm{entr}\big((pW)_y\big) - \sum_x p_x H(W_x)

    with cvxpy and the Clarabel interior-point solver. The solver's ``p`` is clipped at 0 and
    renormalised, then certified as in :func:`capacity.blahut_arimoto`:
    ``lower = I(p; W) <= C <= upper = max_x D(W_x || pW)``, and ``converged`` means what it means
    there, ``upper - lower <= tol``, whatever the solver says; the solver's own objective value
    and status are reported only in ``extra``.

    Parameters
    ----------
    W : array_like (nx, ny) or (B, nx, ny)
        Channel matrix (rows sum to 1 within 1e-9, 4 ulps for float32); a batch is solved one channel at a time.
    tol : float, default 1e-4
        Certified gap (bits) at which the result counts as converged. An interior-point solver's
        ``p`` is accurate to first order only, so its certificate is looser than Blahut–Arimoto's
        (typically 1e-7 to 1e-5 bits for small channels).
    solver_options : dict, optional
        Extra keyword arguments for ``problem.solve`` (Clarabel settings such as
        ``tol_gap_abs``); the defaults ask Clarabel for 1e-10 gaps.
    max_bytes : int, optional
        Refuse channels whose program would need more memory (default 2 GiB; estimate
        64 bytes per entry of W).

    Returns
    -------
    CapacityResult
        ``capacity = lower``; ``iterations`` is Clarabel's iteration count; ``converged`` is
        ``upper - lower <= tol``; ``backend = "cvxpy-clarabel"``; ``extra`` holds
        ``solver_value`` (bits), ``status`` (the solver's) and ``solve_time`` (s). A batch gives
        every field a leading B axis (``extra`` values become lists).

    Raises
    ------
    TypeError
        ``W`` not a real array; ``solver_options`` not a dict.
    ValueError
        invalid ``W`` (shape, NaN/inf, negative, rows not summing to 1); ``tol <= 0``; size over
        ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        When the certified gap is above ``tol`` (e.g. the solver stopped at its iteration limit);
        the bounds remain valid.

    References
    ----------
    S. Boyd and L. Vandenberghe, *Convex Optimization*, 2004, Example 5.32 (p. 207);
    P. J. Goulart and Y. Chen, "Clarabel: an interior-point solver for conic programs with
    quadratic objectives", arXiv:2405.12762 (2024).

    Examples
    --------
    >>> res = capacity_cvxpy([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    >>> abs(res.capacity - 1.0) < 1e-8, res.lower <= res.upper
    (True, True)
    """
    shape = shape_of(W)
    if len(shape) in (2, 3):  # refused before the float64 copy that validation makes
        check_size(math.prod(shape) * _BYTES_PER_ENTRY, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
                   "capacity_cvxpy")
    like = W  # output follows input
    W = check_channel(W, "W", allow_batch=True)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    if solver_options is not None and not isinstance(solver_options, dict):
        raise TypeError(f"`solver_options` must be a dict; got {type(solver_options).__name__}")
    results = [_solve_one(Wb, solver_options, tol) for Wb in (W if W.ndim == 3 else W[None])]
    bad = [b for b, r in enumerate(results) if not r.converged]
    if bad:
        r = results[bad[0]]
        warnings.warn(f"capacity_cvxpy: certified gap {r.upper - r.lower:.3g} bits > tol={tol:g} "
                      f"(solver status {r.extra['status']!r}"
                      + (f"; channel {bad[0]}, {len(bad)} of {len(results)} not converged" if W.ndim == 3 else "")
                      + "); bounds remain valid", ConvergenceWarning, stacklevel=2)
    res = results[0] if W.ndim == 2 else stack_results(
        results, backend="cvxpy-clarabel", extra={k: [r.extra[k] for r in results] for k in results[0].extra})
    return result_like(res, like, bounds=("capacity", "lower", "upper"))


def _solve_one(W, solver_options, tol) -> CapacityResult:
    import cvxpy as cp

    nx = W.shape[0]
    neg_h = neg_entropy_rows(np, W)
    if nx == 1:  # a single input: capacity 0, nothing to solve
        p = np.ones(1)
        lower, upper = _certify(W, p)
        return CapacityResult(lower, p, lower, upper, 0, True, "cvxpy-clarabel",
                              {"solver_value": 0.0, "status": "trivial", "solve_time": 0.0})
    used = W.max(axis=0) > 0  # outputs no input can produce contribute entr(0) = 0
    Wu = W[:, used]
    p_var = cp.Variable(nx, nonneg=True)
    q = Wu.T @ p_var
    objective = cp.Maximize(cp.sum(cp.entr(q)) + neg_h @ p_var)
    problem = cp.Problem(objective, [cp.sum(p_var) == 1])
    opts = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 500}
    opts.update(solver_options or {})
    try:
        with warnings.catch_warnings():
            # "Solution may be inaccurate": we re-certify p ourselves and report the status
            warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
            problem.solve(solver=cp.CLARABEL, **opts)
        status = str(problem.status)
    except cp.error.SolverError as exc:  # a failed solve still gets certified bounds (of uniform p)
        status = f"solver_error: {exc}"
    if p_var.value is None or not np.all(np.isfinite(p_var.value)):
        p = np.full(nx, 1.0 / nx)
    else:
        p = np.clip(np.asarray(p_var.value, dtype=np.float64), 0.0, None)
        total = p.sum()
        p = p / total if total > 0 else np.full(nx, 1.0 / nx)
    lower, upper = _certify(W, p)
    stats = problem.solver_stats
    value = problem.value / math.log(2) if problem.value is not None else float("nan")
    solve_time, num_iters = (getattr(stats, key, None) for key in ("solve_time", "num_iters"))  # stats may be None
    extra = {"solver_value": float(value), "status": status,
             "solve_time": float(solve_time) if solve_time is not None else float("nan")}
    iters = int(num_iters) if num_iters is not None else -1
    return CapacityResult(lower, p, lower, upper, iters, upper - lower <= tol, "cvxpy-clarabel", extra)
