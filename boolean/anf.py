r"""The algebraic normal form over F2 (Möbius transform) and the F2 degree.

Every f: {0,1}^n -> {0,1} is one polynomial over F2,

.. math:: f(x) = \bigoplus_{S \subseteq [n]} a_f(S) \prod_{i \in S} x_i, \qquad
          a_f(S) = \bigoplus_{x \subseteq S} f(x),

(x ⊆ S: the bits of x lie in S). The transform is its own inverse.
"""
from __future__ import annotations

import numpy as np

from ._tables import INT_PER_TABLE, load_host_table, table_doc, table_raises

__all__ = ["anf", "f2_degree"]


def _plan_bytes(name, n, rows):
    """The uint8 table and the transformed copy (in place, one byte an entry)."""
    return 2 * rows * 2.0**n


def _anf_table(f, domain, max_bytes, what):
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes, what, domain=domain)
    from ._complexity_numba import mobius_inplace

    return mobius_inplace(np.array(table, dtype=np.uint8, order="C"), n), n, batched


#: The table parameter of both routines (n <= 30).
_F = """f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i (n <= 30). Tensors are
    read on the host; results are numpy."""


@table_doc(_F, "domain", "max_bytes", raises=table_raises(), returns="""ndarray, uint8, shape of ``f``
    a_f(S) in {0, 1}; S is a bitmask (bit i set iff x_i is in the monomial).""")
def anf(f, *, domain="01", max_bytes=None):
    r"""Coefficients of the algebraic normal form over F2 (the Möbius transform), by bitmask S.

    .. math:: a_f(S) = \bigoplus_{x \subseteq S} f(x), \qquad
              f(x) = \bigoplus_{S \subseteq x} a_f(S).

    {sections}

    References
    ----------
    C. Carlet, *Boolean Functions for Cryptography and Coding Theory*, Cambridge University
    Press, 2021, §2.2.1 (the algebraic normal form and the Möbius transform).

    Examples
    --------
    >>> anf([0, 0, 0, 1]).tolist()  # AND_2 = x0 x1
    [0, 0, 0, 1]
    >>> anf([0, 1, 1, 1]).tolist()  # OR_2 = x0 + x1 + x0 x1
    [0, 1, 1, 1]
    """
    a, n, batched = _anf_table(f, domain, max_bytes, "anf")
    return a if batched else a[0]


@table_doc(_F, "domain", "max_bytes", returns=INT_PER_TABLE, raises=table_raises())
def f2_degree(f, *, domain="01", max_bytes=None):
    r"""Degree of f as a polynomial over F2 (the largest monomial of its algebraic normal form).

    .. math:: \deg_{\mathbb{F}_2}(f) = \max\{|S| : a_f(S) = 1\},

    with 0 for both constant functions (the zero polynomial included).

    {sections}

    References
    ----------
    C. Carlet, *Boolean Functions for Cryptography and Coding Theory*, 2021, §2.2.1.

    Examples
    --------
    >>> from boolean import parity, and_
    >>> f2_degree(parity(5)), f2_degree(and_(5))
    (1, 5)
    """
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes, "f2_degree", domain=domain)
    from ._complexity_numba import f2_degrees

    deg = np.maximum(f2_degrees(table, n), 0)
    return deg if batched else int(deg[0])
