"""Result types shared by the capacity solvers and the estimators.

Every number we return says how good it is: a capacity comes with certified
``lower``/``upper`` bounds, an estimate with its standard error or bounds.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from boolean._lib.array import like_input
from boolean._lib.backend import is_tensor


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` (or ``max_seconds``) before its certified gap reached ``tol``.

    The returned bounds are still valid; only the requested accuracy was not reached
    (``result.converged`` is False and ``result.gap`` says by how much).

    Examples
    --------
    >>> import warnings
    >>> from capacity import blahut_arimoto
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = blahut_arimoto([[0.9, 0.1], [0.2, 0.8]], method="plain", max_iter=1)
    >>> caught[0].category.__name__, res.converged, bool(res.lower <= res.upper)
    ('ConvergenceWarning', False, True)
    """


class _CertifiedGap:
    """Mixin for results with certified ``lower``/``upper`` bounds."""

    __slots__ = ()

    @property
    def gap(self):
        """Certified gap ``upper - lower`` (bits)."""
        return self.upper - self.lower  # floats, numpy arrays or tensors alike


@dataclass(frozen=True)
class CapacityResult(_CertifiedGap):
    """Certified channel capacity (bits).

    Attributes
    ----------
    capacity : float or ndarray (B,)
        The value reported: ``lower`` (a value achieved by ``p``).
    p : ndarray (nx,) or (B, nx)
        The input law achieving ``lower`` (a tensor on the input's device and in its dtype for a
        tensor input: output follows input; then every array field of a batch is a tensor too).
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

    The property ``gap = upper - lower`` is the certified accuracy.

    References
    ----------
    I. Csiszar and J. Koerner, *Information Theory*, 2nd ed. (2011), Thm 8.10 (the min-max
    characterisation behind the upper bound); R. G. Gallager, *Information Theory and Reliable
    Communication* (1968), Thm 4.5.1.

    Examples
    --------
    >>> from capacity import blahut_arimoto
    >>> res = blahut_arimoto([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])   # C = 1 bit, p* = (1/2, 0, 1/2)
    >>> round(res.capacity, 9), res.p.round(6).tolist(), bool(res.gap <= 1e-9), res.converged
    (1.0, [0.5, 0.0, 0.5], True, True)
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

    Attributes
    ----------
    value : float
        The estimate.
    stderr : float
        Its standard error (Monte Carlo or sampling), NaN when the method has none.
    lower, upper : float
        Deterministic bounds on the quantity estimated where the method has them (e.g. the
        Kolchinsky-Tracey bounds of :func:`capacity.mi.noisy_channel_mi`; ``lower = upper = value``
        for the exact count of :func:`capacity.mi.quantized_output_entropy`), NaN otherwise (a
        plug-in of sampled data is exact for its empirical law, not for the truth). They bound the
        truth, not just the estimate.
    method : str
        Which estimator produced it (e.g. "quantized-exact", "plug-in", "noisy-mc",
        "sample-propagation", "ksg1").
    n_samples : int
        Samples (or Monte Carlo draws) used.
    units : {"bits", "nats"}
    extra : dict
        Method-specific details: ceilings (ln N, ln batch), saturation flags, bias brackets.

    Examples
    --------
    >>> import numpy as np
    >>> from capacity.mi import quantized_output_entropy
    >>> r = quantized_output_entropy(np.arange(8.0)[:, None], 1.0)  # 8 distinct cells: exactly 3 bits
    >>> r.value, r.lower, r.upper, r.method, r.units
    (3.0, 3.0, 3.0, 'quantized-exact', 'bits')
    """

    value: float
    stderr: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    method: str = ""
    n_samples: int = 0
    units: str = "bits"
    extra: dict = field(default_factory=dict, compare=False)


def result_like(res, like, *, bounds=()):
    """``res`` (a result dataclass) with its array fields in the kind of the input ``like``
    (:func:`boolean._lib.array.like_input`): for a tensor ``like``, tensors on its device, floating
    fields in its dtype except those named in ``bounds`` (certified bounds stay float64); for
    anything else numpy arrays. Python scalars, strings and ``extra`` are left alone: scalars are
    Python numbers whatever the input."""
    changes = {}
    for f in fields(res):
        v = getattr(res, f.name)
        if f.name != "extra" and (is_tensor(v) or (is_tensor(like) and isinstance(v, np.ndarray))):
            changes[f.name] = like_input(v, like, keep_dtype=f.name in bounds)
    return replace(res, **changes) if changes else res


def stack_results(results, **fixed):
    """One result of the dataclass of ``results[0]`` whose fields stack ``results`` on a leading
    axis (numpy arrays), except the fields given in ``fixed``."""
    cls = type(results[0])
    stacked = {f.name: np.array([getattr(r, f.name) for r in results])
               for f in fields(cls) if f.name not in fixed}
    return cls(**stacked, **fixed)
