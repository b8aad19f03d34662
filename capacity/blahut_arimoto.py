"""Certified channel capacity by Blahut–Arimoto (plain and accelerated), batched, on CPU or GPU.

Everything inside works in nats; results are converted to bits at the boundary.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from boolean._backend import is_tensor, resolve_backend, to_numpy
from boolean._validate import check_int, check_real, check_size

from ._result import CapacityResult, ConvergenceWarning
from ._validate import check_channel, check_distribution

__all__ = ["blahut_arimoto"]

LOG2E = 1.0 / math.log(2.0)
METHODS = ("accelerated", "plain")
#: Default iteration cap (iterations of the chosen method, per channel).
DEFAULT_MAX_ITER = 100_000


# --------------------------------------------------------------------------- numpy kernels
def _neg_entropies(W):
    """Row terms sum_y W log W (nats, 0 log 0 = 0), shape W.shape[:-1]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(W > 0, W * np.log(np.where(W > 0, W, 1.0)), 0.0).sum(axis=-1)


def _divergences(W, negH, p):
    """D[b, x] = D(W_x || p W) in nats for batched W (B, nx, ny), p (B, nx); returns (q, D)."""
    q = np.einsum("bx,bxy->by", p, W)
    pos = q > 0
    logq = np.log(np.where(pos, q, 1.0))
    D = negH - np.einsum("bxy,by->bx", W, logq)
    if not pos.all():
        # an output that p never produces but row x can: D(W_x || q) = inf
        reach = np.einsum("bxy,by->bx", (W > 0).astype(W.dtype), (~pos).astype(W.dtype)) > 0
        D = np.where(reach, np.inf, D)
    return q, D


def _bounds(p, D):
    """(lower, upper) in nats from p and D: I(p; W) = sum p D, max_x D."""
    lower = np.where(p > 0, p * np.where(np.isfinite(D), D, 0.0), 0.0).sum(axis=-1)
    return lower, D.max(axis=-1)


def _plain_numpy(W, negH, p, tol, max_iter):
    """Plain Blahut–Arimoto on a batch; returns p, lower, upper, iterations (nats)."""
    B = W.shape[0]
    p = p.copy()
    lower = np.full(B, -np.inf)
    upper = np.full(B, np.inf)
    iters = np.zeros(B, dtype=np.int64)
    active = np.arange(B)
    it = 0
    while True:
        _, D = _divergences(W[active], negH[active], p[active])
        lo, up = _bounds(p[active], D)
        lower[active], upper[active] = lo, up
        done = (up - lo <= tol) | (it >= max_iter)
        iters[active] = it
        if done.all():
            break
        keep = ~done
        active, D = active[keep], D[keep]
        pa = p[active]
        Dmax = np.max(np.where(np.isfinite(D), D, -np.inf), axis=-1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            new = np.where(pa > 0, pa * np.exp(np.minimum(D - Dmax, 0.0)), 0.0)
        new = np.where(new < 1e-300, 0.0, new)  # no denormals
        p[active] = new / new.sum(axis=-1, keepdims=True)
        it += 1
    return p, lower, upper, iters


# --------------------------------------------------------------------------- public
def blahut_arimoto(W, *, tol=1e-9, max_iter=None, method="accelerated", p0=None, backend="auto",
                   device=None, max_bytes=None):
    r"""Channel capacity with a certified gap, by (accelerated) Blahut–Arimoto.

    For a channel :math:`W[x, y] = P(y \mid x)` the capacity is
    :math:`C = \max_p I(p; W)`, :math:`I(p; W) = \sum_x p_x D(W_x \| pW)`. At every
    iterate :math:`p` the certificate

    .. math:: I(p; W) \;\le\; C \;\le\; \max_x D(W_x \,\|\, pW)

    holds (Gallager 1968, Thm 4.5.1; Csiszár & Körner, Thm 8.10), so the solver stops
    when ``upper - lower <= tol`` and returns ``capacity = lower``, the value that the
    returned ``p`` achieves. Units are bits (0 log 0 = 0).

    ``method="plain"`` is the Blahut–Arimoto map :math:`p_x \leftarrow p_x e^{D_x}/Z`.

    Parameters
    ----------
    W : array_like or torch.Tensor, shape (nx, ny) or (B, nx, ny)
        Row-stochastic channel(s); rows must sum to 1 within 1e-9 (never renormalised).
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
    backend : {"auto", "numpy", "numba", "torch"}
    device : torch device, optional (torch only).
    max_bytes : int, optional
        Refuse channels whose working memory would exceed this (default 8 GiB).

    Returns
    -------
    CapacityResult
        ``capacity``, ``p``, ``lower``, ``upper``, ``iterations``, ``converged``, ``backend``;
        every field gains a leading axis B for a batch. ``p`` is numpy (float64).

    Raises
    ------
    ValueError
        For a W that is not 2-D/3-D, empty, non-finite (position named), negative, or whose
        rows do not sum to 1 (worst row named); tol <= 0; an unknown method or backend;
        device='cuda' without CUDA; a size over ``max_bytes``.
    TypeError
        For non-numeric input or non-integer ``max_iter``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached before the gap reaches ``tol``.

    References
    ----------
    R. Blahut, "Computation of channel capacity and rate-distortion functions", IEEE
    Trans. IT 18 (1972). S. Arimoto, IEEE Trans. IT 18 (1972). G. Matz and P. Duhamel,
    "Information geometric formulation and interpretation of accelerated Blahut–Arimoto-type
    algorithms", ITW 2004. R. G. Gallager, *Information Theory and Reliable Communication* (1968).

    Examples
    --------
    >>> r = blahut_arimoto([[0.9, 0.1], [0.1, 0.9]], method="plain")
    >>> round(r.capacity, 6), bool(r.converged), bool(r.upper - r.lower <= 1e-9)
    (0.531004, True, True)
    """
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    if max_iter is None:
        max_iter = DEFAULT_MAX_ITER
    max_iter = check_int(max_iter, "max_iter", low=0)
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}; got {method!r}")
    be = resolve_backend(backend, W, p0, device=device, supported=("numpy", "numba", "torch"),
                         prefer="numba")
    shape = tuple(W.shape) if is_tensor(W) else np.shape(W)
    if len(shape) in (2, 3):
        check_size(8.0 * 3 * math.prod(shape), max_bytes, "blahut_arimoto")
    Wn = check_channel(W, "W")
    batched = Wn.ndim == 3
    W3 = Wn if batched else Wn[None]
    B, nx, _ = W3.shape
    if p0 is None:
        p = np.full((B, nx), 1.0 / nx)
    else:
        p = check_stochastic_p0(p0, B, nx, batched)
    tol_nats = tol / LOG2E
    negH = _neg_entropies(W3)
    p, lower, upper, iters = _plain_numpy(np.ascontiguousarray(W3), negH, p, tol_nats, max_iter)
    lower_b, upper_b = lower * LOG2E, upper * LOG2E
    converged = upper_b - lower_b <= tol
    if not converged.all():
        bad = int(np.argmax(~converged))
        warnings.warn(f"blahut_arimoto reached max_iter={max_iter} with certified gap "
                      f"{upper_b[bad] - lower_b[bad]:.3g} bits > tol={tol:g}"
                      + (f" (channel {bad}, {int((~converged).sum())} of {B} not converged)" if batched else ""),
                      ConvergenceWarning, stacklevel=2)
    if batched:
        return CapacityResult(lower_b, p, lower_b, upper_b, iters, converged, be.name)
    return CapacityResult(float(lower_b[0]), p[0], float(lower_b[0]), float(upper_b[0]), int(iters[0]),
                          bool(converged[0]), be.name)


def check_stochastic_p0(p0, B, nx, batched):
    """Validate p0 (nx,) or (B, nx); zeros get 1e-9 of the uniform law mixed in."""
    if is_tensor(p0):
        p0 = to_numpy(p0)
    arr = np.asarray(p0)
    if batched and arr.ndim == 2:
        from ._validate import check_stochastic

        arr = check_stochastic(arr, "p0", ndims=(2,))
    else:
        arr = check_distribution(arr, "p0")
    if arr.shape[-1] != nx or (arr.ndim == 2 and arr.shape[0] != B):
        want = f"({B}, {nx}) or ({nx},)" if batched else f"({nx},)"
        raise ValueError(f"`p0` must have shape {want}; got shape {arr.shape}")
    arr = np.broadcast_to(arr, (B, nx)).astype(np.float64)
    if (arr == 0).any():
        arr = (1 - 1e-9) * arr + 1e-9 / nx
    return arr / arr.sum(axis=-1, keepdims=True)
