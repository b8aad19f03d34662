"""Result types shared by the capacity solvers and the estimators.

Every number we return says how good it is: a capacity comes with certified
``lower``/``upper`` bounds, an estimate with its standard error or bounds.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before its certified gap reached ``tol``.

    The returned bounds are still valid; only the requested accuracy was not reached.
    """


class _CertifiedGap:
    """Mixin for results with certified ``lower``/``upper`` bounds."""

    __slots__ = ()

    @property
    def gap(self):
        """Certified gap ``upper - lower`` (bits)."""
        return np.asarray(self.upper) - np.asarray(self.lower) if np.ndim(self.upper) else self.upper - self.lower


@dataclass(frozen=True)
class CapacityResult(_CertifiedGap):
    """Certified channel capacity (bits).

    Attributes
    ----------
    capacity : float or ndarray (B,)
        The value reported: ``lower`` (a value achieved by ``p``).
    p : ndarray (nx,) or (B, nx)
        The input law achieving ``lower``.
    lower, upper : float or ndarray
        Certified bounds: ``lower = I(p; W)``, ``upper = max_x D(W_x || pW)``,
        so ``lower <= C <= upper`` (Gallager; Csiszar & Koerner, Thm 8.10).
    iterations : int or ndarray
        Iterations run (per channel in a batch).
    converged : bool or ndarray
        Whether ``upper - lower <= tol``.
    backend : str
        The backend that computed it.
    extra : dict
        Method-specific details (e.g. the solver's own claim for cvxpy).
    """

    capacity: Any
    p: np.ndarray
    lower: Any
    upper: Any
    iterations: Any
    converged: Any
    backend: str
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MIEstimate:
    """A mutual-information (or entropy) estimate with its accuracy.

    ``value`` is never clipped at 0 (clipping hides the sign of the bias); unknown
    ``stderr``/``lower``/``upper`` are NaN. ``units`` is "bits" or "nats".
    """

    value: float
    stderr: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    method: str = ""
    n_samples: int = 0
    units: str = "bits"
    extra: dict = field(default_factory=dict, compare=False)


def stack_results(results, **fixed):
    """One result of the dataclass of ``results[0]`` whose fields stack ``results`` on a leading
    axis (numpy arrays), except the fields given in ``fixed``."""
    cls = type(results[0])
    stacked = {f.name: np.array([getattr(r, f.name) for r in results])
               for f in fields(cls) if f.name not in fixed}
    return cls(**stacked, **fixed)
