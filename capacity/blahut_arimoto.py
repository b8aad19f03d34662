"""Certified channel capacity by Blahut–Arimoto (plain and accelerated), batched, on CPU or GPU.

Everything inside works in nats; results are converted to bits at the boundary.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from boolean._lib.array import asarray_like, namespace, neg_entropy_rows
from boolean._lib.backend import import_torch, is_tensor, resolve_backend
from boolean._lib.memory import DEFAULT_MAX_BYTES, check_size
from boolean._lib.validate import (MAX_ITERATIONS, as_float_array, check_channel, check_choice, check_distribution,
                                   check_finite, check_int, check_real, check_stochastic, row_sum_atol, shape_of)

from ._result import CapacityResult, ConvergenceWarning, result_like
from ._rounding import LN2, ULD, outward_certificate, round_up, widened_tol
from ._rounding import LOG2E_F64 as LOG2E
from ._solver import DRIVERS, POLISH_BYTES

__all__ = ["blahut_arimoto"]

METHODS = ("accelerated", "plain")
#: Default iteration cap (iterations of the chosen method, per channel).
DEFAULT_MAX_ITER = 100_000


def plan_bytes(shape):
    """Working memory of :func:`blahut_arimoto` for a channel (batch) of ``shape``: three float64
    copies of W (the channel, a float64 conversion, the exact certificate's support mask), plus the
    polish, which gets at most POLISH_BYTES of what ``max_bytes`` leaves (:func:`_solver.polish_plan`)."""
    return 8.0 * 3 * math.prod(shape)


# --------------------------------------------------------------------------- public
def blahut_arimoto(W, *, tol=1e-9, max_iter=None, method="accelerated", p0=None, bonus=None, backend="auto",
                   device=None, max_bytes=None, max_seconds=None, entry_rel=0.0, bonus_err=None):
    r"""Channel capacity with a certified gap, by (accelerated) Blahut–Arimoto.

    For a channel :math:`W[x, y] = P(y \mid x)` the capacity is
    :math:`C = \max_p I(p; W)`, :math:`I(p; W) = \sum_x p_x D(W_x \| pW)`. At every
    iterate :math:`p` the certificate

    .. math:: I(p; W) \;\le\; C \;\le\; \max_x D(W_x \,\|\, pW)

    holds (Gallager 1968, Thm 4.5.1; Csiszár & Körner, Thm 8.10), so the solver stops
    when ``upper - lower <= tol`` and returns ``capacity = lower``, the value that the
    returned ``p`` achieves. Units are bits (0 log 0 = 0). With a per-row ``bonus`` :math:`b`
    the same iteration and certificate solve
    :math:`\max_p \sum_x p_x [D(W_x \| pW) + b_x]`, with
    :math:`\sum_x p_x [D(W_x \| pW) + b_x] \le \max \le \max_x [D(W_x \| pW) + b_x]`.

    ``method="plain"`` is the Blahut–Arimoto map :math:`p_x \leftarrow p_x e^{D_x}/Z`.
    ``method="accelerated"`` (default) runs two phases:

    1. safeguarded mirror descent :math:`p_x \leftarrow p_x e^{\mu D_x}/Z` (natural-gradient
       step of Matz & Duhamel; the Bregman view of He, Saunderson & Fawzi), :math:`\mu` starting
       at 2, growing 1.25x per accepted step up to 256, halved toward 1 (plain BA, monotone)
       whenever the lower bound would fall; 100 steps shrink the inputs outside the optimal
       support by many orders of magnitude;
    2. an interior-point polish on the rows with :math:`p_x > 10^{-8} \max p`: Newton steps
       for :math:`\max I(p; W) + \tau \sum_x \log p_x` on the simplex, with
       :math:`\tau` falling 10x per centred step; the barrier keeps the Newton system positive
       definite even with duplicate rows. Every step is certified on the full channel.

    A channel not certified after 40 polish steps repeats both phases with twice the
    mirror-descent steps, so the method can only fail by running out of ``max_iter``.
    ``iterations`` counts mirror-descent steps plus polish steps.

    Parameters
    ----------
    W : array_like or torch.Tensor, shape (nx, ny) or (B, nx, ny)
        Row-stochastic channel(s); rows must sum to 1 within 1e-9, 4 ulps for float32 (never renormalised).
    tol : float, default 1e-9
        Certified gap ``upper - lower`` (bits) at which to stop; must be > 0.
    max_iter : int, optional
        Iteration cap per channel (default 100 000). On reaching it the result has
        ``converged=False``, valid bounds, and a :class:`ConvergenceWarning` is issued.
    method : {"accelerated", "plain"}
        Iteration to use.
    p0 : array_like, shape (nx,) or (B, nx), optional
        Starting input law (default uniform). Zeros are mixed with 1e-9 of the uniform law,
        since multiplicative updates cannot revive an input with zero mass.
    bonus : array_like, shape (nx,) or (B, nx), optional
        Finite per-row bonus :math:`b_x` in bits added to the objective (default 0: the capacity).
    backend : {"auto", "numpy", "numba", "torch"}
        "auto" picks torch for tensor input (on its device), else numba for one channel and
        numpy's lock-step batch for B > 1 channels.
    device : torch device, optional (torch only).
    max_bytes : int, optional
        Refuse channels whose working memory (:func:`plan_bytes`: three float64 copies of W)
        would exceed this (default 8 GiB). The interior-point polish uses at most min(2 GiB, what
        is left of it); when its support does not fit, it is skipped (more iterations, the same
        certificate).
    max_seconds : float, optional
        Wall-time budget (> 0) of the call, counted from its start: the clock is read between
        slices of mirror descent and between polish steps, and a channel still above ``tol`` when
        the budget runs out stops there with ``converged=False`` and its (valid) bounds,
        ``extra["stopped_by"] = "max_seconds"`` and a :class:`ConvergenceWarning`. The call
        overruns the budget by at most about one slice (0.2 s) or one polish step, plus the final
        certificate. No limit by default.
    entry_rel : float, default 0
        A bound :math:`\varepsilon \in [0, 0.01]` on the relative error of every entry of ``W``
        against the channel :math:`W^*` it stands for (rounded or measured entries): the bounds
        then hold for :math:`W^*`, each :math:`D_x` widened by
        :math:`1.01\,\varepsilon (A_x + B_x + 2.03 R_x)` (:mod:`capacity._rounding`), and the
        iteration stops about twice that widening short of ``tol``.
    bonus_err : array_like, shape (nx,) or (B, nx), optional
        Bounds (bits, finite, >= 0) on how far ``bonus`` can be from the bonus it stands for;
        the bounds then hold for that bonus. Default 0.

    Returns
    -------
    CapacityResult
        ``capacity``, ``p``, ``lower``, ``upper``, ``iterations``, ``converged``, ``backend``;
        every field gains a leading axis B for a batch. Output follows input: for a torch
        tensor ``W`` the arrays (``p``; every field of a batch) are tensors on its device, ``p``
        in its dtype, bounds float64, iterations int64, converged bool; else numpy arrays. One
        channel's scalars are Python numbers.

    Raises
    ------
    ValueError
        For a W that is not 2-D/3-D, empty, non-finite (position named), negative, or whose
        rows do not sum to 1 (worst row named); tol <= 0; a bonus or bonus_err of the wrong
        shape or not finite, or a negative bonus_err; entry_rel outside [0, 0.01]; an unknown
        method or backend; device='cuda' without CUDA; a size over ``max_bytes``;
        ``max_seconds <= 0``.
    TypeError
        For non-numeric input, non-integer ``max_iter`` or non-real ``max_seconds`` or
        ``entry_rel``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` or ``max_seconds`` is reached before the gap reaches ``tol``, or when a
        ``tol`` below the float64 rounding of the bounds (or below the widening by ``entry_rel``
        and ``bonus_err``) cannot be certified; ``extra["stopped_by"]`` says which ("max_iter",
        "max_seconds" or "rounding"; for a batch, for the first channel not converged).

    Notes
    -----
    The iteration and its certificate are those of the solver core shared with the folded
    insensitive-function problem and capacity–cost; numba runs the mirror-descent phase of one
    channel as a fused sweep that visits each row of W once per step, numpy and torch advance a
    batch in lock-step, dropping certified channels every few steps. Masses below 1e-300 are set
    to 0 (no denormals). The final bounds are recomputed with their sums in extended precision
    and widened by a bound on every rounding error, then rounded outward to float64
    (:mod:`capacity._rounding`): ``lower <= C <= upper`` holds for the float64 channel as given,
    whatever the input dtype, at the price of about 1e-15 of width (an output that p never
    produces gives ``upper = inf``).

    References
    ----------
    R. Blahut, "Computation of channel capacity and rate-distortion functions", IEEE
    Trans. IT 18 (1972). S. Arimoto, IEEE Trans. IT 18 (1972). G. Matz and P. Duhamel,
    "Information geometric formulation and interpretation of accelerated Blahut–Arimoto-type
    algorithms", ITW 2004. N. He, J. Saunderson, H. Fawzi, "A Bregman proximal perspective on
    classical and quantum Blahut-Arimoto algorithms", IEEE Trans. IT (2024). R. G. Gallager,
    *Information Theory and Reliable Communication* (1968). S. Boyd and L. Vandenberghe,
    *Convex Optimization* (2004), ch. 11 (barrier method).

    Examples
    --------
    >>> r = blahut_arimoto([[0.9, 0.1], [0.1, 0.9]], method="plain")
    >>> round(r.capacity, 6), bool(r.converged), bool(r.upper - r.lower <= 1e-9)
    (0.531004, True, True)
    >>> r = blahut_arimoto([[1, 0], [0.5, 0.5], [0, 1]])   # 1 bit, p* = (1/2, 0, 1/2)
    >>> round(r.capacity, 8), r.p.round(4), bool(r.lower <= 1.0 <= r.upper)
    (1.0, array([0.5, 0. , 0.5]), True)
    >>> rb = blahut_arimoto([[[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]])  # a batch of 2
    >>> rb.capacity.round(9), rb.converged
    (array([1., 0.]), array([ True,  True]))
    >>> round(blahut_arimoto(np.eye(2), bonus=[1.0, 0.0]).capacity, 9)  # log2(2 + 1)
    1.584962501
    """
    t_start = time.perf_counter()  # the budget covers the whole call
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    entry_rel = check_real(entry_rel, "entry_rel", low=0.0, high=0.01)
    max_iter = check_int(DEFAULT_MAX_ITER if max_iter is None else max_iter, "max_iter", low=0, high=MAX_ITERATIONS)
    if max_seconds is not None:
        max_seconds = check_real(max_seconds, "max_seconds", low=0.0, low_open=True)
    check_choice(method, "method", METHODS)
    shape = shape_of(W)  # () for a ragged W: check_channel names it below
    # "auto" on CPU: numba's fused sweep for one channel, numpy's lock-step batch for B > 1
    prefer = "numpy" if len(shape) == 3 and shape[0] > 1 else "numba"
    be = resolve_backend(backend, W, p0, device=device, supported=tuple(DRIVERS), prefer=prefer)
    polish_bytes = POLISH_BYTES
    if len(shape) in (2, 3):  # refused before any copy; other shapes get check_channel's message
        check_size(plan_bytes(shape), max_bytes, "blahut_arimoto")
        budget = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        polish_bytes = min(POLISH_BYTES, budget - plan_bytes(shape))  # skipped when nothing is left
    W3 = _as_channel(W, be, max_bytes)
    xp = namespace(W3)
    batched = W3.ndim == 3
    W3 = W3 if batched else W3[None]
    B, nx, _ = W3.shape
    p = asarray_like(xp, np.full((B, nx), 1.0 / nx) if p0 is None else _check_p0(p0, B, nx, batched, max_bytes), W3)
    base = neg_entropy_rows(xp, W3)
    berr = None
    if bonus_err is not None:
        berr = _check_bonus(bonus_err, B, nx, batched, max_bytes, "bonus_err")
        if (berr < 0).any():
            raise ValueError("`bonus_err` must be >= 0 (a bound on the bonus's error, in bits)")
        berr = berr.astype(LN2.dtype) * LN2 * (1 + 4 * ULD)  # nats, rounded up
    if bonus is not None:
        bonus = _check_bonus(bonus, B, nx, batched, max_bytes)
        base = base + asarray_like(xp, bonus / LOG2E, W3)
        bonus = bonus.astype(LN2.dtype) * LN2  # nats, within 2 long-double roundings of bonus * ln 2
        own = 4 * ULD * np.abs(bonus)
        berr = own if berr is None else berr + own
    deadline = None if max_seconds is None else t_start + max_seconds
    solve_tol = tol if entry_rel == 0 and bonus_err is None else widened_tol(tol, entry_rel, berr, nx, W3.shape[2])
    with np.errstate(over="ignore", under="ignore"):
        p, iters = DRIVERS[be.name](xp, W3, base, p, solve_tol / LOG2E, max_iter, method == "accelerated",
                                     polish_bytes, deadline=deadline)
        lower_b, upper_b = outward_certificate(W3, p, bonus, None if berr is None else round_up(berr),
                                               entry_rel=entry_rel, unit="bits")
    if bonus is None:
        lower_b = np.maximum(lower_b, 0.0)  # I >= 0
    upper_b = np.maximum(upper_b, lower_b)
    converged = upper_b - lower_b <= tol
    # stopped by the budget: short of tol and of max_iter, with the deadline passed
    timed_out = bool(deadline is not None and (~converged & (iters < max_iter)).any()
                     and time.perf_counter() >= deadline)
    stopped = None
    if not converged.all():
        bad = int(np.argmax(~converged))
        if iters[bad] >= max_iter:
            stopped, why = "max_iter", f"reached max_iter={max_iter}"
        elif timed_out:
            stopped, why = "max_seconds", f"reached max_seconds={max_seconds:g}"
        else:  # the iteration's gap met tol; the outward certificate, recomputed, sits above it
            floor = ("the floor set by entry_rel, bonus_err and float64 rounding"
                     if entry_rel or bonus_err is not None else "the float64 rounding floor")
            stopped, why = "rounding", f"stopped at {floor} after {int(iters[bad])} iterations"
        warnings.warn(f"blahut_arimoto {why} with certified gap "
                      f"{upper_b[bad] - lower_b[bad]:.3g} bits > tol={tol:g}"
                      + (f" (channel {bad}, {int((~converged).sum())} of {B} not converged)" if batched else ""),
                      ConvergenceWarning, stacklevel=2)
    extra = {} if stopped is None else {"stopped_by": stopped}
    if batched:
        res = CapacityResult(lower_b, p, lower_b, upper_b, iters, converged, be.name, extra)
    else:
        res = CapacityResult(float(lower_b[0]), p[0], float(lower_b[0]), float(upper_b[0]), int(iters[0]),
                             bool(converged[0]), be.name, extra)
    # output follows input: a tensor W gives tensors on its device (p in its dtype, bounds float64)
    return result_like(res, W, bounds=("capacity", "lower", "upper"))


def _as_channel(W, be, max_bytes=None):
    """W validated as a float64 array of the backend's namespace (on its device); a tensor is
    checked on its device (one host synchronisation), and only on failure copied to the host for
    :func:`check_channel`'s message (position or row named)."""
    if be.name != "torch":
        return np.ascontiguousarray(check_channel(W, "W", max_bytes=max_bytes))
    torch = import_torch()
    if is_tensor(W) and W.ndim in (2, 3) and W.numel() and not W.dtype.is_complex:
        Wt = W.detach().to(device=be.device, dtype=torch.float64)
        xp = namespace(Wt)
        atol = row_sum_atol(W.dtype)
        ok = xp.all(xp.isfinite(Wt)) & xp.all(Wt >= 0) & xp.all(xp.abs(xp.sum(Wt, axis=-1) - 1.0) <= atol)
        if bool(ok):
            return Wt
        W = W.detach().cpu()  # its own dtype: check_channel's tolerance follows it
    return torch.as_tensor(check_channel(W, "W", max_bytes=max_bytes), dtype=torch.float64, device=be.device)


def _check_bonus(bonus, B, nx, batched, max_bytes, name="bonus"):
    """Validate a per-row bonus (nx,) or (B, nx), finite; returns (B, nx) float64 (bits)."""
    arr = as_float_array(bonus, name, max_bytes=max_bytes)  # refused from its shape before any copy
    check_finite(arr, name)
    if arr.shape not in ((nx,), (B, nx) if batched else (nx,)):
        want = f"({B}, {nx}) or ({nx},)" if batched else f"({nx},)"
        raise ValueError(f"`{name}` must have shape {want}; got shape {arr.shape}")
    return np.broadcast_to(arr, (B, nx))


def _check_p0(p0, B, nx, batched, max_bytes):
    """Validate p0 (nx,) or (B, nx); zeros get 1e-9 of the uniform law mixed in."""
    if batched and len(shape_of(p0)) == 2:
        arr = check_stochastic(p0, "p0", ndims=(2,), max_bytes=max_bytes)
    else:
        arr = check_distribution(p0, "p0", max_bytes=max_bytes)
    if arr.shape[-1] != nx or (arr.ndim == 2 and arr.shape[0] != B):
        want = f"({B}, {nx}) or ({nx},)" if batched else f"({nx},)"
        raise ValueError(f"`p0` must have shape {want}; got shape {arr.shape}")
    arr = np.broadcast_to(arr, (B, nx)).astype(np.float64)
    if (arr == 0).any():
        arr = (1 - 1e-9) * arr + 1e-9 / nx
    return arr / arr.sum(axis=-1, keepdims=True)
