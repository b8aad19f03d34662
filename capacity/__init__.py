"""capacity: certified channel capacity and the insensitive-function channel.

Builds on :mod:`boolean`. Units are bits unless a function says otherwise.
"""
from ._result import CapacityResult, ConvergenceWarning, MIEstimate
from ._validate import normalize_rows
from .blahut_arimoto import blahut_arimoto
from .insensitive.merge import merge_duplicate_inputs

__all__ = ["CapacityResult", "ConvergenceWarning", "MIEstimate", "normalize_rows", "blahut_arimoto",
           "merge_duplicate_inputs"]
