"""numba kernel for the unnormalised fast Walsh–Hadamard transform (private).

``fwht_inplace(a)`` overwrites every row of a C-contiguous (B, 2**n) array with
H_n a, where H_n = [[1, 1], [1, -1]]^{⊗n}. Kernels trust their input: the public
routine in :mod:`boolean.fourier` validates and copies.
"""
from __future__ import annotations

import numba as nb


@nb.njit(cache=True)
def _fwht_rows(a):
    B, N = a.shape
    for r in range(B):
        h = 1
        while h < N:
            for i in range(0, N, 2 * h):
                for j in range(i, i + h):
                    x = a[r, j]
                    y = a[r, j + h]
                    a[r, j] = x + y
                    a[r, j + h] = x - y
            h *= 2


def fwht_inplace(a):
    """Transform each row of the C-contiguous 2-D array ``a`` in place (unnormalised); returns None."""
    _fwht_rows(a)
