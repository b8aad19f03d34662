"""boolean: Boolean Fourier analysis (the base layer of ``insensitive``).

Truth tables are uint8 arrays of 0/1 of length 2**n, indexed by x = sum_i x_i 2**i,
or batches of shape (B, 2**n). Every routine takes ``backend="auto"|"numpy"|"numba"|"torch"``.
This package never imports :mod:`capacity`.
"""
__all__ = []
