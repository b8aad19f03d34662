"""boolean: Boolean Fourier analysis (the base layer of ``insensitive``).

Truth tables are uint8 arrays of 0/1 of length 2**n, indexed by x = sum_i x_i 2**i,
or batches of shape (B, 2**n). Every routine takes ``backend="auto"|"numpy"|"numba"|"torch"``.
This package never imports :mod:`capacity`.
"""
from .families import and_, dictator, majority, or_, parity, random_function, threshold, tribes
from .fourier import fourier_coefficients, fwht
from .information import RetainedInformationProfile, retained_information, retained_information_profile
from .measures import (SpectralSummary, degree, influences, noise_operator, noise_sensitivity, noise_stability,
                       spectral_summary, spectral_weights, total_influence)
from .restrict import restrict

__all__ = [
    "fwht", "fourier_coefficients",
    "influences", "total_influence", "spectral_weights", "degree", "noise_stability", "noise_sensitivity",
    "noise_operator", "spectral_summary", "SpectralSummary",
    "restrict",
    "retained_information", "retained_information_profile", "RetainedInformationProfile",
    "parity", "dictator", "and_", "or_", "majority", "threshold", "tribes", "random_function",
]
