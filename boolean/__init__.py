"""boolean: Boolean Fourier analysis (the base layer of ``insensitive``).

Truth tables are arrays of 0/1 (or, declared with ``domain="pm1"``, of ±1) of length 2**n,
indexed by x = sum_i x_i 2**i, or batches of shape (B, 2**n). The Fourier routines take
``backend="auto"|"numpy"|"numba"|"torch"``; the combinatorial measures run on the CPU (numba).
This package never imports :mod:`capacity`.
"""
from .anf import anf, f2_degree
from .complexity import block_sensitivity, certificate_complexity, decision_tree_depth, sensitivity
from .families import and_, dictator, majority, or_, parity, random_function, threshold, tribes
from .fourier import fourier_coefficients, fwht
from .information import RetainedInformationProfile, retained_information, retained_information_profile
from .juntas import NearestJunta, nearest_junta
from .measures import (SpectralSummary, degree, influences, noise_operator, noise_sensitivity, noise_stability,
                       spectral_summary, spectral_weights, total_influence)
from .pbiased import pbiased_fourier_coefficients, pbiased_influences
from .restrict import restrict
from .spectral import fourier_sparsity, is_bent, nonlinearity

__all__ = [
    "fwht", "fourier_coefficients",
    "influences", "total_influence", "spectral_weights", "degree", "noise_stability", "noise_sensitivity",
    "noise_operator", "spectral_summary", "SpectralSummary",
    "restrict",
    "retained_information", "retained_information_profile", "RetainedInformationProfile",
    "sensitivity", "block_sensitivity", "certificate_complexity", "decision_tree_depth",
    "anf", "f2_degree", "fourier_sparsity", "nonlinearity", "is_bent",
    "pbiased_fourier_coefficients", "pbiased_influences", "nearest_junta", "NearestJunta",
    "parity", "dictator", "and_", "or_", "majority", "threshold", "tribes", "random_function",
]
