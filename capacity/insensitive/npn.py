r"""NPN classes of Boolean functions: counts by Burnside's lemma.

The NPN group of n variables (permutations of the inputs, negations of the inputs, negation of
the output; order ``2 n! 2^n``) is the channel's symmetry group of :mod:`capacity.insensitive.symmetry`
acting on functions. For s = n every function is its own class, so the class-orbits of the
folded channel are exactly the NPN classes. An element ``g = (pi, a, c)`` maps ``f`` to
``x -> f(pi(x) xor a) xor c``; with ``z(g)`` the number of cycles of the point map
``x -> pi(x) xor a`` on the ``2^n`` points,

.. math::

    \#\{f : g f = f\} = \begin{cases} 2^{z(g)} & c = 0,\\
        2^{z(g)} & c = 1 \text{ and every cycle has even length},\\ 0 & \text{otherwise,}\end{cases}
    \qquad \#\text{classes} = \frac{1}{|G|} \sum_{g} \#\{f : g f = f\}.

(With c = 1 a fixed f alternates along each cycle, which closes only on even cycles.)
"""
from __future__ import annotations

import math
from itertools import permutations

import numpy as np

from boolean._lib.validate import check_int

__all__ = ["npn_class_count", "npn_representatives"]

#: Largest n for :func:`npn_representatives` (all 2**(2**n) functions are labelled).
MAX_NPN_REP_N = 4

#: Largest n accepted (|G| = 2 n! 2^n elements are enumerated: 92 160 at n = 6).
MAX_NPN_N = 6


def _point_maps(n):
    """(n! 2^n, 2^n) int64: every map x -> pi(x) xor a on the points of the n-cube."""
    N = 1 << n
    xs = np.arange(N, dtype=np.int64)
    maps = []
    for perm in permutations(range(n)):
        moved = np.zeros(N, dtype=np.int64)
        for i, p in enumerate(perm):
            moved |= ((xs >> i) & 1) << p
        maps.append(moved[None, :] ^ xs[:, None])      # row a: x -> pi(x) xor a
    return np.concatenate(maps, axis=0)


def _cycle_lengths(maps):
    """Cycle length of every point under every map (the first j with g^j(x) = x)."""
    G, N = maps.shape
    length = np.zeros((G, N), dtype=np.int64)
    cur = maps.copy()
    rows = np.arange(G)[:, None]
    for j in range(1, N + 1):
        length[(length == 0) & (cur == np.arange(N))] = j
        if (length > 0).all():
            break
        cur = maps[rows, cur]
    return length


def npn_class_count(n: int) -> int:
    r"""Number of NPN classes of Boolean functions of n variables (Burnside's lemma).

    .. math::

        \#\text{classes} = \frac{1}{2\, n!\, 2^n} \sum_{(\pi, a)} \Big( 2^{z(\pi, a)}
            + [\text{all cycles even}]\, 2^{z(\pi, a)} \Big),

    with ``z(pi, a)`` the number of cycles of ``x -> pi(x) xor a`` on the 2^n points (see the
    module docstring). No truth table is enumerated.

    Parameters
    ----------
    n : int
        Number of variables, ``0 <= n <= 6``.

    Returns
    -------
    int
        The exact count (a Python int).

    Raises
    ------
    TypeError
        For a non-integer n.
    ValueError
        For n outside [0, 6].

    References
    ----------
    W. Burnside, *Theory of Groups of Finite Order* (1897), Sec. 145; M. A. Harrison, "The number
    of equivalence classes of Boolean functions under groups containing negation", IEEE Trans.
    Electronic Computers EC-12 (1963) 559-561; OEIS A000370.

    Examples
    --------
    >>> [npn_class_count(n) for n in range(5)]
    [1, 2, 4, 14, 222]
    >>> npn_class_count(5)
    616126
    """
    n = check_int(n, "n", low=0, high=MAX_NPN_N)
    if n == 0:
        return 1                                # the two constants, swapped by the output negation
    length = _cycle_lengths(_point_maps(n))
    N = 1 << n
    cycles = (1.0 / length).sum(axis=1).round().astype(np.int64)        # z(g) = sum_x 1/len(x)
    even = (length % 2 == 0).all(axis=1)
    total = sum(2 ** int(z) for z in cycles) + sum(2 ** int(z) for z in cycles[even])
    G = 2 * math.factorial(n) * N
    if total % G:  # pragma: no cover - Burnside's lemma gives an integer
        raise AssertionError("non-integer Burnside count")
    return total // G


def npn_representatives(n: int) -> np.ndarray:
    r"""The smallest function index :math:`F = \sum_x f(x) 2^x` of every NPN class of n variables.

    All :math:`2^{2^n}` functions are labelled by their orbit under the generators of the NPN
    group (adjacent transpositions of variables, single-bit flips, output negation), by
    minimum-label propagation along the edges ``F -- g F``; the class count is checked against
    :func:`npn_class_count` (Burnside's lemma, an independent computation).

    Parameters
    ----------
    n : int
        Number of variables, ``1 <= n <= 4``.

    Returns
    -------
    ndarray int64 (n_classes,)
        The representatives, ascending.

    Raises
    ------
    TypeError
        For a non-integer n.
    ValueError
        For n outside [1, 4].

    References
    ----------
    M. A. Harrison, IEEE Trans. Electronic Computers EC-12 (1963) 559-561; OEIS A000370.

    Examples
    --------
    >>> npn_representatives(2).tolist()     # constant, AND, dictator, parity (up to negations)
    [0, 1, 3, 6]
    >>> npn_representatives(4).size
    222
    """
    from .classes import all_truth_tables
    from .symmetry import channel_generators, orbit_labels

    n = check_int(n, "n", low=1, high=MAX_NPN_REP_N)
    tables = all_truth_tables(n).astype(np.int64)
    weights = 1 << np.arange(1 << n, dtype=np.int64)
    images = []
    for sigma, comp in channel_generators(n, None, 0.5):
        img = tables[:, sigma]
        if comp:
            img = 1 - img
        images.append(img @ weights)
    labels, sizes = orbit_labels(images, tables.shape[0])
    reps = np.full(sizes.size, tables.shape[0], dtype=np.int64)
    np.minimum.at(reps, labels, np.arange(tables.shape[0], dtype=np.int64))
    if reps.size != npn_class_count(n):  # pragma: no cover - orbit labelling = Burnside (tested)
        raise AssertionError(f"{reps.size} NPN orbits, Burnside gives {npn_class_count(n)}")
    return np.sort(reps)
