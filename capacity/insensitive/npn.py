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

**Representatives at n = 5 from cofactors.** Write ``F = f0 | f1 << 2^{n-1}`` (f0, f1 the
cofactors on ``x_{n-1} = 0, 1``). The smallest member of the class of F has as high half f1 the
smallest (n-1)-variable class minimum among the classes of the 2n cofactors
``F|_{x_i = b}`` (the group moves any variable i to position n - 1 and can negate it, and the
(n-1)-variable group acts on both halves at once), and as low half the smallest ``tau B`` over
the pairs ``(A, B) = (F|_{x_i = b}, F|_{x_i = 1 - b})`` whose A is in that class and the tau with
``tau A`` = its minimum. Every class has a member whose high half is an (n-1)-variable class
minimum, so the class minima of the ``npn_class_count(n - 1) * 2^{2^{n-1}}`` tables
``f0 | r << 2^{n-1}`` (r an (n-1)-variable minimum, f0 arbitrary) are all n-variable classes:
222 x 65 536 tables at n = 5 instead of 2^32.

**Class-orbits of the channel.** The map from a function to its cell-count vector commutes
with the group, so the orbits of the channel's classes are the distinct canonical forms of the
count vectors of the NPN representatives (:func:`class_orbit_representatives`).
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np

from boolean._lib.memory import check_size, format_bytes
from boolean._lib.validate import check_int

from ._npn_numba import canonical_count_vectors, class_minima, cofactor_minima
from .model import channel_cells

__all__ = ["ClassOrbits", "class_orbit_representatives", "class_orbits_plan", "npn_class_count",
           "npn_representatives", "npn_representatives_plan"]

#: Largest n for :func:`npn_representatives` (n <= 4: all 2**(2**n) functions are labelled;
#: n = 5: from the cofactors, see the module docstring).
MAX_NPN_REP_N = 5
#: Largest n labelled by propagation over all 2**(2**n) functions.
MAX_NPN_LABEL_N = 4

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


def npn_representatives_plan(n: int) -> int:
    """Peak bytes of :func:`npn_representatives`: at n <= 4 the labelled tables and their images
    under the generators; at n = 5 one int64 class minimum per covering table (222 * 2**16)
    with the sort of ``np.unique`` (about three copies). Reused by every caller."""
    n = check_int(n, "n", low=1, high=MAX_NPN_REP_N)
    if n <= MAX_NPN_LABEL_N:
        return int((1 << (1 << n)) * 8 * ((1 << n) + 3 * n + 4))
    return int(24 * npn_class_count(n - 1) << (1 << (n - 1)))


def npn_representatives(n: int, *, max_bytes=None) -> np.ndarray:
    r"""The smallest function index :math:`F = \sum_x f(x) 2^x` of every NPN class of n variables.

    For n <= 4 all :math:`2^{2^n}` functions are labelled by their orbit under the generators of
    the NPN group (adjacent transpositions of variables, single-bit flips, output negation), by
    minimum-label propagation along the edges ``F -- g F``. For n = 5 the class minimum of each of
    the tables ``f0 | r << 16`` (r one of the 222 four-variable minima, f0 arbitrary) is computed
    from its cofactors (module docstring), and the distinct minima are the classes. In both
    routes the class count is checked against :func:`npn_class_count` (Burnside's lemma, an
    independent computation).

    .. math::

        \min\, [F] = \min_{(A, B)}\ \big(\tau_A B\big) + 2^{2^{n-1}} \min_{(A, B)} \min [A],

    over the cofactor pairs ``(A, B) = (F|_{x_i = b}, F|_{x_i = 1 - b})``; the low half is
    minimised over the pairs whose A attains the high half and every tau with ``tau A = min [A]``.

    Parameters
    ----------
    n : int
        Number of variables, ``1 <= n <= 5``.
    max_bytes : int, optional
        Refuse (before allocating) a plan above this many bytes (default 8 GiB): see
        :func:`npn_representatives_plan`.

    Returns
    -------
    ndarray int64 (n_classes,)
        The representatives, ascending.

    Raises
    ------
    TypeError
        For a non-integer n.
    ValueError
        For n outside [1, 5] (at n = 6 there are 200 253 952 527 184 classes: only their count,
        :func:`npn_class_count`, is available), or a plan above ``max_bytes``.

    References
    ----------
    M. A. Harrison, IEEE Trans. Electronic Computers EC-12 (1963) 559-561; OEIS A000370;
    D. E. Knuth, *The Art of Computer Programming* Vol. 4A (2011), Sec. 7.1.1 (classes of
    Boolean functions of five variables).

    Examples
    --------
    >>> npn_representatives(2).tolist()     # constant, AND, dictator, parity (up to negations)
    [0, 1, 3, 6]
    >>> npn_representatives(4).size
    222
    """
    n = check_int(n, "n", low=1, high=MAX_NPN_REP_N)
    plan = npn_representatives_plan(n)
    check_size(plan, max_bytes, f"npn_representatives(n={n}) ({format_bytes(plan)})")
    reps = _label_representatives(n) if n <= MAX_NPN_LABEL_N else _cofactor_representatives(n)
    if reps.size != npn_class_count(n):  # pragma: no cover - both routes = Burnside (tested)
        raise AssertionError(f"{reps.size} NPN orbits, Burnside gives {npn_class_count(n)}")
    return reps.copy()


def _label_representatives(n):
    """Class minima by label propagation over all 2**(2**n) tables (n <= 4)."""
    from .classes import all_truth_tables
    from .symmetry import channel_generators, orbit_labels

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
    return np.sort(reps)


@functools.lru_cache(maxsize=4)
def _cofactor_representatives(n):
    """Class minima of n variables from the (n-1)-variable ones (module docstring); read-only."""
    tab = _cofactor_tables(n)
    heads = tab[3]
    out = np.empty(heads.size << (1 << (n - 1)), dtype=np.int64)
    cofactor_minima(heads, n, *tab, out)
    reps = np.unique(out)
    reps.setflags(write=False)
    return reps


def _class_minimum(tables, n):
    """Smallest member of the NPN class of each n-variable table index in ``tables`` (2 <= n <= 5),
    by the cofactor rule of the module docstring."""
    tables = np.ascontiguousarray(tables, dtype=np.int64)
    out = np.empty_like(tables)
    class_minima(tables.ravel(), n, *_cofactor_tables(n), out.ravel())
    return out


@functools.lru_cache(maxsize=4)
def _cofactor_tables(n):
    """Everything :func:`cofactor_minima` needs about the (n-1)-variable group, as the tuple
    ``(split, cls, to_rep, reps, stab_ptr, stab, maps, comp)``: ``cls[A]`` the index of A's class
    in ``reps`` (ascending minima), ``to_rep[A]`` one element g with ``g A = reps[cls[A]]``,
    ``stab[stab_ptr[c]:stab_ptr[c + 1]]`` the stabiliser of ``reps[c]``; element g acts by
    ``(g f)(y) = f(maps[g, y]) xor comp[g]``."""
    m = n - 1
    P = 1 << m
    reps = _label_representatives(m) if m <= MAX_NPN_LABEL_N else _cofactor_representatives(m)
    point = _point_maps(m)
    G0 = point.shape[0]
    maps = np.concatenate([point, point]).astype(np.int64)
    comp = np.repeat(np.array([0, 1], dtype=np.int64), G0)
    index = {row.tobytes(): g for g, row in enumerate(point)}
    inv_point = np.array([index[np.argsort(row).astype(np.int64).tobytes()] for row in point], dtype=np.int64)
    inverse = np.concatenate([inv_point, inv_point + G0])
    ys = np.arange(P, dtype=np.int64)
    cls = np.full(1 << P, -1, dtype=np.int64)
    to_rep = np.zeros(1 << P, dtype=np.int64)
    stab_ptr = np.zeros(reps.size + 1, dtype=np.int64)
    stabs = []
    for c, r in enumerate(reps):
        bits = (r >> ys) & 1
        images = ((bits[maps] ^ comp[:, None]) << ys).sum(axis=1)
        img, first = np.unique(images, return_index=True)
        if (cls[img] >= 0).any():  # pragma: no cover - distinct classes are disjoint
            raise AssertionError("two representatives in one class")
        cls[img] = c
        to_rep[img] = inverse[first]
        stabs.append(np.flatnonzero(images == r))
        stab_ptr[c + 1] = stab_ptr[c] + stabs[-1].size
    if (cls < 0).any():  # pragma: no cover - the representatives meet every class
        raise AssertionError("a class without a representative")
    stab = np.concatenate(stabs).astype(np.int64)
    split = np.empty((n, 2, P), dtype=np.int64)
    for i in range(n):
        low = ys & ((1 << i) - 1)
        high = (ys >> i) << (i + 1)
        for b in range(2):
            split[i, b] = low | (b << i) | high
    out = (split, cls, to_rep, reps, stab_ptr, stab, maps, comp)
    for arr in out:
        arr.setflags(write=False)
    return out


# ----------------------------------------------------------------------------- class-orbits from NPN classes

@dataclass(frozen=True)
class ClassOrbits:
    r"""Orbits of the channel's classes under the NPN group (see :func:`class_orbit_representatives`).

    A class is named by its cell-count vector :math:`N_f[c] = \#\{x \in c : f(x) = 1\}`, c = (S, a)
    with :math:`|S| = s` (the cells of :func:`capacity.insensitive.cell_probabilities`, in that order).

    Attributes
    ----------
    n, s : int
        Input bits and visible bits.
    tables : ndarray int64 (n_orbits,)
        One function per orbit, as the truth-table index :math:`F = \sum_x f(x) 2^x` (the smallest
        NPN class minimum whose count vector lies in the orbit).
    counts : ndarray uint8 (n_orbits, K)
        Count vector of that function.
    canonical : ndarray uint8 (n_orbits, K)
        The orbit's canonical form (lexicographically smallest image of ``counts``); rows ascending.
    orbit_sizes : ndarray int64 (n_orbits,)
        Classes per orbit, :math:`|G| / |\mathrm{Stab}(N)|`.
    group_order : int
        :math:`|G| = 2\, n!\, 2^n` (7 680 at n = 5).
    n_classes : int
        Sum of the orbit sizes: the number of classes.
    seconds : dict
        Wall time of "representatives" (the NPN classes, cached), "canonical" (the images) and
        "orbits" (distinct canonical forms).

    Examples
    --------
    >>> co = class_orbit_representatives(2, 1)
    >>> co.tables.size, co.orbit_sizes.tolist(), co.n_classes, co.group_order
    (4, [2, 8, 4, 1], 15, 16)
    """

    n: int
    s: int
    tables: np.ndarray = field(repr=False)
    counts: np.ndarray = field(repr=False)
    canonical: np.ndarray = field(repr=False)
    orbit_sizes: np.ndarray = field(repr=False)
    group_order: int = 1
    n_classes: int = 0
    seconds: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_orbits(self) -> int:
        """Number of class-orbits."""
        return int(self.tables.size)


#: Largest n of :func:`class_orbit_representatives` (that of :func:`npn_representatives`).
MAX_CLASS_ORBIT_N = MAX_NPN_REP_N


def _check_ns(n, s):
    n = check_int(n, "n", low=1, high=MAX_CLASS_ORBIT_N)
    s = check_int(s, "s", low=0, high=n)
    return n, s


def class_orbits_plan(n: int, s: int) -> int:
    r"""Peak bytes of :func:`class_orbit_representatives`, reused by every caller.

    The NPN representatives (:func:`npn_representatives_plan`) or, after them, per NPN class R:
    its count vector and canonical form (2 K bytes), the byte-row sort of ``np.unique`` (about
    three copies of the canonical forms and 32 bytes of indices), the stabiliser (8 bytes); per
    orbit (at most R) the outputs (2 K + 16 bytes); and the group's cell permutations
    (:math:`8 |G| K`).

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 5``.
    s : int
        Visible bits, ``0 <= s <= n``.

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    TypeError
        For non-integer n or s.
    ValueError
        For n outside [1, 5] or s outside [0, n].

    References
    ----------
    docs/problem.rst, section "The insensitive-function channel".

    Examples
    --------
    >>> class_orbits_plan(5, 4) < 2 ** 30
    True
    """
    n, s = _check_ns(n, s)
    R = npn_class_count(n)
    K = math.comb(n, s) << s
    G = 2 * math.factorial(n) << n
    orbits = R * (2 * K + 8 + 3 * K + 32) + R * (2 * K + 16) + 8 * G * K
    return int(max(npn_representatives_plan(n), orbits))


def class_orbit_representatives(n: int, s: int, *, max_bytes=None) -> ClassOrbits:
    r"""One function per orbit of the channel's classes under its symmetry group, from the NPN classes.

    For uniform bits and a random visible set the channel's symmetry group G (variable
    permutations, input flips, output complement; :math:`|G| = 2\, n!\, 2^n`) is the NPN group.
    The class of f is its cell-count vector :math:`N_f[c] = \#\{x \in c : f(x) = 1\}` over the
    cells c = (S, a), :math:`|S| = s` (equivalently its Fourier coefficients of degree <= s). G acts on
    count vectors by a cell permutation, the output complement by :math:`N \mapsto 2^{n-s} - N`,
    and the map :math:`f \mapsto N_f` commutes with G:

    .. math::

        N_{g f} = g\, N_f \qquad (g \in G).

    So the class-orbits are the images of the NPN classes: every class-orbit is
    :math:`G N_f` for f in some NPN class, two NPN classes with canonical forms
    :math:`\min_{g \in G} g N_f` (lexicographic) that agree give the same class-orbit, and the
    class-orbits are exactly the distinct canonical forms of the count vectors of the NPN class
    representatives (:func:`npn_representatives`: 616 126 at n = 5, never the :math:`2^{32}`
    tables). By the orbit-stabiliser theorem an orbit holds

    .. math:: |G N| = |G| / |\mathrm{Stab}_G(N)|

    classes; the sum over orbits is the number of classes (Burnside's lemma counts the orbits).
    At s = n every class is one function, and at s = n - 1 too except that parity and its
    complement share a class (two functions with equal counts on every edge differ by
    :math:`\pm\chi_{[n]}`), a pair that one NPN class already holds: for s >= n - 1 the
    class-orbits are the NPN classes.

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 5``.
    s : int
        Visible bits, ``0 <= s <= n``.
    max_bytes : int, optional
        Refuse (before allocating) a plan above this many bytes (default 8 GiB): see
        :func:`class_orbits_plan`.

    Returns
    -------
    ClassOrbits
        Representative function, count vector, canonical form and size of every orbit.

    Raises
    ------
    TypeError
        For non-integer n or s.
    ValueError
        For n outside [1, 5], s outside [0, n], or a plan above ``max_bytes``.

    References
    ----------
    W. Burnside, *Theory of Groups of Finite Order* (1897), Sec. 145; M. A. Harrison, "The number
    of equivalence classes of Boolean functions under groups containing negation", IEEE Trans.
    Electronic Computers EC-12 (1963) 559-561; docs/problem.rst, section "The insensitive-function
    channel".

    Examples
    --------
    >>> co = class_orbit_representatives(3, 1)
    >>> co.n_orbits, co.n_classes
    (12, 153)
    >>> class_orbit_representatives(4, 4).n_orbits == npn_class_count(4)
    True
    """
    n, s = _check_ns(n, s)
    plan = class_orbits_plan(n, s)
    check_size(plan, max_bytes, f"class_orbit_representatives(n={n}, s={s}) ({format_bytes(plan)})")
    return _class_orbits(n, s)


@functools.lru_cache(maxsize=2)
def _class_orbits(n, s):
    """:func:`class_orbit_representatives` for checked arguments, cached (arrays read-only; two
    entries, since one at n = 5 holds about 0.1 GiB)."""
    seconds = {}
    t0 = time.perf_counter()
    reps = npn_representatives(n)
    seconds["representatives"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = _count_vectors(reps, n, s)
    canon, stab = _canonical(n, s, counts)
    seconds["canonical"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    K = counts.shape[1]
    rows = np.ascontiguousarray(canon).view(np.dtype((np.void, K))).ravel()
    _, first = np.unique(rows, return_index=True)       # reps ascending: first = smallest table
    G = 2 * math.factorial(n) << n
    out = ClassOrbits(n=n, s=s, tables=reps[first].astype(np.int64), counts=counts[first],
                      canonical=canon[first], orbit_sizes=G // stab[first], group_order=G,
                      n_classes=int((G // stab[first]).sum()), seconds=seconds)
    seconds["orbits"] = time.perf_counter() - t0
    for arr in (out.tables, out.counts, out.canonical, out.orbit_sizes):
        arr.setflags(write=False)
    return out


def _count_vectors(tables, n, s):
    """(R, K) uint8: ``N_F[c]`` = ones of each table index F in each cell (channel_cells order), one
    cell at a time (one int64 temporary of R entries, not R x K)."""
    member = channel_cells(n, s, None, 0.5).member
    masks = member.astype(np.int64) @ (np.int64(1) << np.arange(1 << n, dtype=np.int64))
    tables = np.asarray(tables, dtype=np.int64)
    out = np.empty((tables.size, masks.size), dtype=np.uint8)
    for c, mask in enumerate(masks):
        out[:, c] = np.bitwise_count(tables & mask)
    return out


@functools.lru_cache(maxsize=8)
def _cell_group(n, s):
    """Every element of G as a cell permutation and a complement flag: ``perms`` (|G|, K) int64
    with ``N_{g f}[c] = N_f[perms[g, c]]`` (complemented when ``comp[g]``); read-only.

    For the point map sigma of g, ``(g f)(x) = f(sigma(x))`` has
    ``#{x in c : f(sigma x) = 1} = N_f[sigma(c)]``: perms[g, c] is the cell sigma(c)
    (:func:`capacity.insensitive.symmetry.cell_permutation`)."""
    from .symmetry import cell_permutation

    member = channel_cells(n, s, None, 0.5).member
    maps = _point_maps(n)
    point = np.array([cell_permutation(sigma, member) for sigma in maps], dtype=np.int64)
    perms = np.concatenate([point, point])
    comp = np.repeat(np.array([0, 1], dtype=np.int64), maps.shape[0])
    perms.setflags(write=False)
    comp.setflags(write=False)
    return perms, comp


def _canonical(n, s, counts):
    """Canonical forms (R, K) uint8 and stabiliser sizes (R,) int64 of count vectors (R, K) under G."""
    perms, comp = _cell_group(n, s)
    counts = np.ascontiguousarray(counts, dtype=np.uint8)
    canon = np.empty_like(counts)
    stab = np.empty(counts.shape[0], dtype=np.int64)
    canonical_count_vectors(counts, perms, comp, 1 << (n - s), canon, stab)
    return canon, stab
