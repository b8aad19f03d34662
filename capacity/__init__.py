"""capacity: certified channel capacity and the insensitive-function channel.

Builds on :mod:`boolean`. Units are bits unless a function says otherwise.
"""
import boolean as _boolean

if not hasattr(_boolean, "fourier_coefficients"):  # `import boolean` found another distribution's package
    raise ImportError(
        f"`import boolean` found {getattr(_boolean, '__file__', None) or _boolean!r}, which is not the "
        "Boolean-analysis package of insensitive (most likely boolean.py, a dependency of "
        "license-expression, which uses the same import name). Install insensitive in a separate "
        "environment (python -m venv) without boolean.py.")

from ._result import CapacityResult, ConvergenceWarning, MIEstimate
from .information import normalize_rows
from .blahut_arimoto import blahut_arimoto
from .insensitive.merge import merge_duplicate_inputs
from .insensitive.solve import insensitive_capacity
from . import channels
from .exact import capacity_cvxpy, certify_input
from .information import binary_entropy, entropy, kl_divergence, mutual_information
from .cost_constrained import capacity_cost, capacity_cost_curve
from .distortion import RateDistortionResult, rate_distortion, rate_distortion_curve

__all__ = ["CapacityResult", "ConvergenceWarning", "MIEstimate", "normalize_rows", "blahut_arimoto",
           "merge_duplicate_inputs", "insensitive_capacity",
           "channels", "capacity_cvxpy", "certify_input", "entropy", "binary_entropy", "kl_divergence",
           "mutual_information", "capacity_cost", "capacity_cost_curve", "rate_distortion",
           "rate_distortion_curve", "RateDistortionResult"]
