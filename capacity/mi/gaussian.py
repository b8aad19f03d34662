"""Closed-form mutual information of the linear Gaussian channel."""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.validate import check_real
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import as_samples, units_scale

__all__ = ["gaussian_channel_mi"]


def gaussian_channel_mi(W, Sigma=None, sigma=1.0, *, units="bits", max_bytes=None) -> MIEstimate:
    r"""I(X; WX + sigma Z) for X ~ N(0, Sigma), Z ~ N(0, I_m), in closed form.

    .. math:: I = \tfrac12 \log\det\big(I_m + W \Sigma W^\top / \sigma^2\big).

    Computed with a Cholesky factorisation of the (symmetric positive definite) matrix.

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
        negative eigenvalue (beyond 1e-10 relative), ``sigma <= 0``, or an unknown ``units``.

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
    Wm = as_samples(W, "W", max_bytes=max_bytes)
    if np.ndim(W) == 1:
        Wm = Wm.T
    m, d = Wm.shape
    check_size(8.0 * (d * d + 2 * m * m + m * d), max_bytes, "gaussian_channel_mi")
    if Sigma is None:
        S = np.eye(d)
    else:
        S = as_samples(Sigma, "Sigma", max_bytes=max_bytes)
        if S.shape != (d, d):
            raise ValueError(f"`Sigma` must have shape ({d}, {d}) to match `W`; got {S.shape}")
        tol = 1e-10 * max(1.0, float(np.abs(S).max()))
        if np.abs(S - S.T).max() > tol:
            raise ValueError(f"`Sigma` must be symmetric; got max |Sigma - Sigma^T| = {np.abs(S - S.T).max():g}")
        lam = float(np.linalg.eigvalsh(S).min())
        if lam < -tol:
            raise ValueError(f"`Sigma` must be positive semi-definite; got eigenvalue {lam:g}")
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    M = np.eye(m) + (Wm @ S @ Wm.T) / sigma**2
    M = 0.5 * (M + M.T)
    L = np.linalg.cholesky(M)
    value = float(np.log(np.diag(L)).sum()) * scale  # 1/2 log det M = sum log diag(L)
    return MIEstimate(value, 0.0, value, value, "closed-form", 0, units)
