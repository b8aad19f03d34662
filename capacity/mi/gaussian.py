"""Closed-form mutual information of the linear Gaussian channel."""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.validate import check_real, shape_of
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import LN2, as_samples, units_scale

__all__ = ["gaussian_channel_mi"]


def gaussian_channel_mi(W, Sigma=None, sigma=1.0, *, units="bits", max_bytes=None) -> MIEstimate:
    r"""I(X; WX + sigma Z) for X ~ N(0, Sigma), Z ~ N(0, I_m), in closed form.

    .. math:: I = \tfrac12 \log\det\big(I_m + W \Sigma W^\top / \sigma^2\big).

    Computed in logarithms from the singular values :math:`s_i` of :math:`W \Sigma^{1/2}`
    (W and Sigma first scaled by powers of two, exactly):
    :math:`I = \tfrac12 \sum_i \ln(1 + s_i^2/\sigma^2)` with each term taken as
    ``softplus(2 ln(s_i / sigma))``, so no product overflows or underflows: any finite input with a
    finite answer (entries or sigma from 1e-300 to 1e300) gets it.

    Parameters
    ----------
    W : array_like, shape (m, d)
        The linear map (a 1-D array is read as one row, m = 1).
    Sigma : array_like, shape (d, d), optional
        Input covariance, symmetric positive semi-definite (default: identity).
    sigma : float > 0
        Noise standard deviation.
    units : {"bits", "nats"}
    max_bytes : int, optional

    Returns
    -------
    MIEstimate
        ``value = lower = upper`` (exact), ``stderr = 0``, ``method="closed-form"``, ``n_samples = 0``.

    Raises
    ------
    TypeError
        For non-numeric ``W``/``Sigma``/``sigma``.
    ValueError
        For ill-shaped or non-finite ``W``/``Sigma``, a ``Sigma`` that is not symmetric or has a
        negative eigenvalue (beyond 1e-10 of ``max |Sigma|``), ``sigma <= 0``, an unknown ``units``, or a
        size over ``max_bytes``.

    References
    ----------
    Cover and Thomas, *Elements of Information Theory*, 2nd ed., Thm 9.4.1 and ch. 9.4.

    Examples
    --------
    >>> import numpy as np
    >>> round(gaussian_channel_mi(np.eye(2), np.eye(2), 1.0).value, 12)   # 2 x 1/2 log2(2)
    1.0
    """
    scale = units_scale(units)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    m, d = _planned_shape(W)
    check_size(gaussian_plan(m, d), max_bytes, "gaussian_channel_mi")  # from the shape, before any copy
    Wm = as_samples(W, "W", max_bytes=max_bytes)
    if np.ndim(W) == 1:
        Wm = Wm.T
    m, d = Wm.shape
    if Sigma is None:
        Ss, e_s = None, 0
    else:
        S = as_samples(Sigma, "Sigma", max_bytes=max_bytes)
        if S.shape != (d, d):
            raise ValueError(f"`Sigma` must have shape ({d}, {d}) to match `W`; got {S.shape}")
        Ss, e_s = _power_of_two_scaled(S)  # max |Ss| in [0.5, 1): the checks below are relative
        asym = float(np.abs(Ss - Ss.T).max())
        if asym > SYMMETRY_RTOL:
            raise ValueError(f"`Sigma` must be symmetric (to {SYMMETRY_RTOL:g} of max |Sigma|); got "
                             f"max |Sigma - Sigma^T| = {math.ldexp(asym, e_s):g}")
    Ws, e_w = _power_of_two_scaled(Wm)
    if Ss is None:
        B = Ws
    else:
        lam, V = np.linalg.eigh(0.5 * (Ss + Ss.T))
        if lam.size and lam.min() < -SYMMETRY_RTOL:
            raise ValueError(f"`Sigma` must be positive semi-definite; got eigenvalue {math.ldexp(float(lam.min()), e_s):g}")
        B = Ws @ (V * np.sqrt(np.clip(lam, 0.0, None)))  # W Sigma^(1/2), scaled: entries <= sqrt(d)
    sv = np.linalg.svd(B, compute_uv=False) if B.size else np.zeros(0)
    sv = sv[sv > 0]
    # log of the true singular values over sigma: W Sigma W^T / sigma^2 = (B B^T) 4**e_w 2**e_s / sigma^2
    log_ratio = np.log(sv) + (e_w + 0.5 * e_s) * LN2 - math.log(sigma)
    # 1/2 log det(I + ...) = 1/2 sum log(1 + ratio^2) = 1/2 sum softplus(2 log ratio): no overflow
    value = 0.5 * float(np.logaddexp(0.0, 2.0 * log_ratio).sum()) * scale
    return MIEstimate(value, 0.0, value, value, "closed-form", 0, units)


#: Relative tolerance of the symmetry and positive-semi-definiteness checks of ``Sigma``.
SYMMETRY_RTOL = 1e-10


def _planned_shape(W):
    """(m, d) of ``W`` from its shape alone ((0, 0) when not 1-D or 2-D: validation names it)."""
    shape = shape_of(W)
    return (1, *shape)[-2:] if len(shape) in (1, 2) else (0, 0)


def gaussian_plan(m: int, d: int) -> float:
    """Peak bytes of :func:`gaussian_channel_mi` for W of shape (m, d): float64 copies of W (as
    given and scaled), of Sigma (as given, scaled, symmetrised) and its eigenvectors, the product
    W Sigma^(1/2) and the SVD's copy and workspace."""
    k = min(m, d)
    return 8.0 * (4 * m * d + 5 * d * d + 4 * k * k + 8 * (m + d))


def _power_of_two_scaled(a):
    """``(a / 2**e, e)`` with max |a / 2**e| in [0.5, 1) (e = 0 for an all-zero array); exact."""
    amax = float(np.abs(a).max()) if a.size else 0.0
    if amax == 0.0:
        return a, 0
    e = math.frexp(amax)[1]
    return np.ldexp(a, -e), e
