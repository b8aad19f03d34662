r"""The Walsh-Hadamard butterfly on one row, in place: a numba kernel shared by the transform's
short rows and the channel kernels that need a row's spectrum inside their own loops.

.. math::

    \hat v(T) = \sum_{x=0}^{N-1} (-1)^{|x \wedge T|}\, v(x), \qquad N = 2^n,

computed by :math:`n` stages of the radix-2 butterfly :math:`(a, b) \mapsto (a + b, a - b)` at
strides :math:`1, 2, \dots, N/2` (unnormalised; exact on integers that cannot overflow).
"""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def fwht_row(v):
    r"""Unnormalised Walsh-Hadamard transform of the contiguous 1-D ``v`` (length a power of 2), in place.

    .. math::

        v(T) \leftarrow \sum_x (-1)^{|x \wedge T|} v(x).

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §1.2 (the Fourier expansion) and
    Ex. 1.12 (the fast transform).
    """
    N = v.shape[0]
    h = 1
    while h < N:
        for i in range(0, N, 2 * h):
            for j in range(i, i + h):
                x = v[j]
                y = v[j + h]
                v[j] = x + y
                v[j + h] = x - y
        h *= 2
