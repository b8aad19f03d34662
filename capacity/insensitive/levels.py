r"""The few-sample route: C(n, s, m) for m <= 3 from the Fourier weight levels.

For m <= 3 samples the folded channel of :mod:`capacity.insensitive.symmetry` does not need
the class-orbits one by one: its rows depend on a function only through the weight levels
:math:`W_k(f) = \sum_{|T| = k} \hat g(T)^2` (k <= s, ``g = (-1)^f``) and one entropy.
This module proves that, builds the reduced problem and checks it against the class route
(tests at n = 3, 4).

**1. V is a quadratic polynomial of the weight levels.** Write ``u_c = q_c - 1/2`` for the
K cells (uniform bits, a uniform s-subset per sample: ``pi_c = 1/K``). The probability that
m samples have type t (a multiset of symbols ``(c_i, y_i)``, ``sigma_i = 2 y_i - 1``) is

.. math:: W(t \mid f) = \mathrm{coef}_t\, K^{-m} \prod_{i=1}^m (1/2 + \sigma_i u_{c_i}),

a polynomial of degree m in u. For a type-orbit T, ``P_T(u) = sum_{t in T} W(t | f)`` is a
polynomial invariant under the group: the output complement maps ``u -> -u`` and t to its
complement (in T), so P_T is even, and for m <= 3 only its degree-0 and degree-2 parts
remain. Averaging a quadratic monomial over the bit flips ``x -> x xor b`` (which send
:math:`\hat g(T) \to \chi_T(b) \hat g(T)`) kills every cross term :math:`\hat g(T) \hat g(T')`,
``T != T'``; averaging over the variable permutations replaces :math:`\hat g(T)^2` by
:math:`W_{|T|} / \binom{n}{|T|}`. With :math:`u_{(S, a)} = -\frac12 \sum_{T \subseteq S} \hat g(T) \chi_T(a)`,

.. math::

    V_f[T] = \sum_{t \in T} \frac{\mathrm{coef}_t}{K^m 2^m}
      \Big(1 + \sum_{i < j} \sigma_i \sigma_j \sum_{T' \subseteq S_i \cap S_j}
      \frac{\chi_{T'}(a_i) \chi_{T'}(a_j)}{\binom{n}{|T'|}} W_{|T'|}(f) \Big),

exact rationals (computed as integers over one common denominator here, so a zero stays a
zero). So ``V_f`` depends on f only through ``(W_0, ..., W_s)``.

**2. The bonus.** For an invariant output law the folded problem has the bonus
``b_f = sum_t W ln W + sum_T V_T ln(|T| / V_T)`` (:mod:`capacity.insensitive.symmetry`). The type
is a function of the m samples, and given the type every ordering is equally likely, so
``sum_t W ln W = -H(type) = -m H(r_f) + E ln coef``; ``H(r_f) = ln K + (1/K) sum_c h(q_c)``
with h the binary entropy, and ``E ln coef`` depends only on ``S_2 = sum r^2``,
``S_3 = sum r^3``, which are functions of ``sum_c u_c^2 = 2^{s-2} sum_k W_k C(n-k, s-k)``.

**3. Reduction (merge lemma and dominance).** Rows of the folded problem are
``(V(v), b_f)``, with v = the levels. If two rows share V, moving the mass of the one with the
smaller bonus onto the other does not change ``pV`` and does not lower the objective
:math:`\sum_O p_O [D(V_O \| pV) + b_O]`; so C(n, s, m) is the same problem over the distinct
v, each with the largest bonus, i.e. the smallest entropy ``sum_c h(q_c)`` among the functions
with levels v. Lower bound: the law that puts each row's mass uniformly on the orbit of a
minimising function achieves it; upper bound: every class is in some orbit, whose row is
dominated, so ``max_v [D(V(v) || Q) + b(v)] = max_f D(W_f || P)`` (Gallager's bound).

**4. Which functions.** (v, entropy) is invariant under the group, so any set of functions
that meets every orbit gives all rows: every f = (f0, f1) (cofactors on x_{n-1} = 0, 1) is
mapped by an element of the NPN group of the first n - 1 variables, acting on both halves
at once, to one whose f0 is an NPN representative (:func:`capacity.insensitive.npn.npn_representatives`).
So 222 x 65 536 functions cover n = 5 instead of 2**32.

References
----------
docs/problem.rst, sections "Many samples: the channel on types" and "The merge lemma";
R. G. Gallager, *Information Theory and Reliable Communication* (1968), Thm 4.5.1;
R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 1.4 (Parseval, weight levels);
B. Sturmfels, *Algorithms in Invariant Theory*, 2nd ed., Springer 2008, Sec. 2.1 (the Reynolds operator).
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from boolean._lib.memory import check_size, format_bytes
from boolean._lib.validate import check_int

from .._rounding import U64, gamma
from ._levels_numba import level_scan
from .model import MAX_LEVEL_M, channel_cells
from .npn import npn_representatives
from .symmetry import spread_rounding, spread_terms, symbol_generators, type_orbits

__all__ = ["LevelChannel", "LEVEL_ROWS_BOUND", "MAX_LEVEL_N", "level_channel", "level_plan"]

#: Largest n of the route (the covering set has npn_class_count(n - 1) * 2**(2**(n-1)) functions).
MAX_LEVEL_N = 5
#: Rows assumed by estimates made before the scan (an over-estimate: the n = 5 scans give fewer).
LEVEL_ROWS_BOUND = 1 << 14


@dataclass(frozen=True)
class LevelChannel:
    """The folded problem of C(n, s, m) on distinct weight levels (see the module docstring).

    Attributes
    ----------
    V : ndarray float64 (n_rows, n_type_orbits)
        ``V[r, T]``: probability that the type of the m samples lies in type-orbit T.
    bonus : ndarray float64 (n_rows,)
        ``b_r`` in nats: the capacity is ``max_p sum_r p_r [D(V_r || pV) + b_r]``.
    levels : ndarray int64 (n_rows, s + 1)
        ``v_k = 4**n W_k = sum_{|T| = k} G(T)^2`` (G the integer spectrum) of each row.
    entropy : ndarray float64 (n_rows,)
        The smallest ``sum_c h(q_c)`` (nats) among the functions with these levels.
    functions : ndarray int64 (n_rows,)
        A function ``F = sum_x f(x) 2**x`` that attains it.
    type_orbit_sizes : ndarray int64 (n_type_orbits,)
        Types per type-orbit.
    n_scanned : int
        Functions scanned (the covering set).
    seconds : dict
        Wall time of "scan" (cached per (n, s)), "types" and "rows".
    """

    V: np.ndarray = field(repr=False)
    bonus: np.ndarray = field(repr=False)
    levels: np.ndarray = field(repr=False)
    entropy: np.ndarray = field(repr=False)
    functions: np.ndarray = field(repr=False)
    type_orbit_sizes: np.ndarray = field(repr=False)
    n_scanned: int = 0
    seconds: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape(self):
        """``V.shape``: (distinct levels, type orbits)."""
        return self.V.shape


def level_plan(n, s, m):
    """Peak bytes of :func:`level_channel`: the scan (key, entropy and sort index per scanned
    function, with the sort's temporaries) or the type bookkeeping (types, their images under
    each generator, orbit labels), whichever is larger. Reused by every caller."""
    heads = npn_representatives(n - 1).size if n >= 2 else 1
    scanned = heads << (1 << (n - 1))
    K = math.comb(n, s) << s
    T = math.comb(2 * K + m - 1, m)
    n_gens = n + n                      # n - 1 transpositions, n flips, the complement
    types = T * (2 * m + 8 * (n_gens + 6) + 16 * m)
    return int(max(48 * scanned, types))


def _check(n, s, m):
    n = check_int(n, "n", low=2, high=MAX_LEVEL_N)
    s = check_int(s, "s", low=1, high=n)
    m = check_int(m, "m", low=1, high=MAX_LEVEL_M)
    return n, s, m


def level_channel(n, s, m, *, max_bytes=None) -> LevelChannel:
    r"""The folded problem of C(n, s, m), m <= 3, with one row per distinct weight-level vector.

    .. math::

        V_v[T] = \frac{A_0[T] + \sum_k A[T, k]\, v_k}{K^m 2^m \operatorname{lcm}_k \binom{n}{k}\, 4^n},
        \qquad b_v = \max_{f : v(f) = v} \Big[-m\, H(r_f) + E \ln \mathrm{coef}\Big]
                    + \sum_T V_v[T] \ln \frac{|T|}{V_v[T]},

    with integer ``A_0, A`` from the type-orbits (module docstring, point 1) and
    :math:`v_k = \sum_{|T| = k} G(T)^2`. Then
    ``C(n, s, m) = max_p sum_v p_v [D(V_v || pV) + b_v]`` exactly, for a random visible set and
    uniform bits.

    Parameters
    ----------
    n : int
        Input bits, ``2 <= n <= 5``.
    s : int
        Visible bits per sample, ``1 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 3``.
    max_bytes : int, optional
        Refuse (before allocating) a plan above this many bytes (default 8 GiB): see :func:`level_plan`.

    Returns
    -------
    LevelChannel
        ``V``, ``bonus``, ``levels``, ``entropy``, ``functions``, ``type_orbit_sizes``.

    Raises
    ------
    TypeError
        For non-integer n, s, m.
    ValueError
        For n outside [2, 5], s outside [1, n], m outside [1, 3], or a plan above ``max_bytes``.

    References
    ----------
    docs/problem.rst, section "Many samples: the channel on types"; R. G. Gallager,
    *Information Theory and Reliable Communication* (1968), Thm 4.5.1.

    Examples
    --------
    >>> lc = level_channel(3, 1, 2)
    >>> lc.V.shape[1], bool(abs(lc.V.sum(axis=1) - 1).max() < 1e-12)
    (6, True)
    """
    n, s, m = _check(n, s, m)
    plan = level_plan(n, s, m)
    check_size(plan, max_bytes, f"level_channel(n={n}, s={s}, m={m}) ({format_bytes(plan)})")
    seconds = {}
    t0 = time.perf_counter()
    levels, entropy, functions, n_scanned = _scan(n, s)
    seconds["scan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    A0, A, denom, sizes = level_coefficients(n, s, m)
    seconds["types"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    num = A0[None, :] + levels @ A.T
    if num.min() < 0:  # pragma: no cover - V is a probability (tested against the class route)
        raise AssertionError("negative type-orbit probability")
    V = num / float(denom)
    K = math.comb(n, s) << s
    bonus = _entropy_terms(n, s, m, K, levels, entropy) + spread_terms(V, sizes)
    seconds["rows"] = time.perf_counter() - t0
    return LevelChannel(V=V, bonus=bonus, levels=levels, entropy=entropy, functions=functions,
                        type_orbit_sizes=sizes, n_scanned=n_scanned, seconds=seconds)


def _entropy_terms(n, s, m, K, levels, entropy):
    """``sum_t W ln W = -m H(r) + E ln coef`` per row (nats), H(r) = ln K + entropy / K."""
    u2 = (2.0 ** s / 4.0) * (levels / float(4 ** n)) @ np.array([math.comb(n - k, s - k) for k in range(s + 1)],
                                                                  dtype=np.float64)
    S2 = (K / 2.0 + 2.0 * u2) / K ** 2
    S3 = (K / 4.0 + 3.0 * u2) / K ** 3
    if m == 1:
        elog = np.zeros_like(S2)
    elif m == 2:
        elog = (1.0 - S2) * math.log(2.0)
    else:
        elog = 3.0 * (S2 - S3) * math.log(3.0) + (1.0 - 3.0 * S2 + 2.0 * S3) * math.log(6.0)
    return -m * (math.log(K) + entropy / K) + elog


#: Relative error of V = num / denom from exact integers: two conversions and a division.
ENTRY_REL = 3.02 * U64


def level_rounding(lc, n, s, m):
    r"""How far ``lc`` (a :class:`LevelChannel` of C(n, s, m)) can be from the exact problem:
    ``(entry_rel, bonus_err)``, a relative bound on every entry of V and an absolute bound (nats)
    on each row's bonus, for :func:`capacity._rounding.outward_certificate`.

    With :math:`u = 2^{-53}` and numpy's float64 log within 2 ulps:

    - ``V = num / denom`` from exact integers: a conversion of each and one division, within
      :math:`3.02u`;
    - the scan's entropy :math:`e = \sum_j n_j h(j / L)` (L = 2^(n-s), j / L exact): each h within
      :math:`6.01u\,h`, the sum of at most L + 1 non-negative terms within
      :math:`\gamma_{L+1}`, so :math:`e` is within relative :math:`\varepsilon_e = 1.01 (L + 9) u`;
      a row keeps the smallest float entropy of its levels, which is within :math:`\varepsilon_e e`
      of the exact minimum too;
    - :math:`m (\ln K + e / K)` within :math:`m (5u \ln K + (\varepsilon_e + 3u) e / K)`;
      :math:`S_2, S_3` within relative :math:`\gamma_{s+2} + 2.01u` (sums of non-negative
      terms over exact powers of two); E ln coef from them as its formula (each constant within
      one rounding);
    - the spread term within :func:`capacity.insensitive.symmetry.spread_rounding`'s bound;
    - one rounding for each of the two additions.

    The bound is evaluated from the computed quantities, enlarged by 1 %.
    """
    u = U64
    K = math.comb(n, s) << s
    L = 1 << (n - s)
    e = np.asarray(lc.entropy, dtype=np.float64)
    eps_e = 1.01 * (L + 9) * u
    lnK = math.log(K)
    T1 = m * (lnK + e / K)
    dT1 = m * (5 * u * lnK + (eps_e + 3 * u) * e / K)
    u2 = (2.0 ** s / 4.0) * (lc.levels / float(4 ** n)) @ np.array([math.comb(n - k, s - k) for k in range(s + 1)],
                                                                     dtype=np.float64)
    S2 = (K / 2.0 + 2.0 * u2) / K ** 2
    S3 = (K / 4.0 + 3.0 * u2) / K ** 3
    dS2, dS3 = (gamma(s + 2, u) + 2.01 * u) * S2, (gamma(s + 2, u) + 2.01 * u) * S3
    if m == 1:
        elog, d_elog = np.zeros_like(S2), np.zeros_like(S2)
    elif m == 2:
        elog = (1.0 - S2) * math.log(2.0)
        d_elog = math.log(2.0) * (dS2 + u * np.abs(1.0 - S2)) + 3 * u * np.abs(elog)
    else:
        a, b = 3.0 * (S2 - S3), 1.0 - 3.0 * S2 + 2.0 * S3
        elog = a * math.log(3.0) + b * math.log(6.0)
        da = 3.0 * (dS2 + dS3) + 6 * u * np.abs(S2 - S3)
        db = 3.0 * dS2 + 2.0 * dS3 + 3 * u * (1.0 + 3.0 * S2 + 2.0 * S3)
        d_elog = (da * math.log(3.0) + db * math.log(6.0)
                  + 3 * u * (np.abs(a) * math.log(3.0) + np.abs(b) * math.log(6.0)))
    ent = elog - T1
    bonus = np.asarray(lc.bonus, dtype=np.float64)
    d_spread = spread_rounding(bonus, ent, ENTRY_REL, lc.V.shape[1], 1.01)  # rows of V sum to 1
    err = dT1 + d_elog + u * (np.abs(T1) + np.abs(elog)) + d_spread + u * np.abs(bonus)
    return ENTRY_REL, 1.01 * err


@functools.lru_cache(maxsize=8)
def _scan(n, s):
    """Distinct level vectors (int64 (R, s + 1)), the smallest entropy of each and a function
    attaining it, over the covering set of the module docstring (point 4)."""
    heads = npn_representatives(n - 1) if n >= 2 else np.zeros(1, np.int64)
    N = 1 << n
    n_f1 = 1 << (N >> 1)
    total = heads.size * n_f1
    cells = channel_cells(n, s, None, 0.5)
    K = len(cells.cells)
    n_sub = K >> s
    cell_of = np.empty((n_sub, N), dtype=np.int64)
    for c in range(K):
        cell_of[c >> s, cells.member[c]] = c
    L = 1 << (n - s)
    j = np.arange(L + 1) / L
    with np.errstate(divide="ignore", invalid="ignore"):
        htab = -(np.where(j > 0, j * np.log(j), 0.0) + np.where(j < 1, (1 - j) * np.log(1 - j), 0.0))
    n_levels = min(s, n - 1) + 1
    keys = np.empty(total, dtype=np.int64)
    ent = np.empty(total, dtype=np.float64)
    level_scan(heads.astype(np.int64), n, n_levels, cell_of, K, L, htab, keys, ent)
    order = np.lexsort((ent, keys))
    first = order[np.r_[True, keys[order[1:]] != keys[order[:-1]]]]
    del order
    width = 2 * n + 1
    k = keys[first]
    levels = np.stack([(k >> (width * i)) & ((1 << width) - 1) for i in range(n_levels)], axis=1)
    if s == n:   # Parseval: the levels sum to 4**n
        levels = np.concatenate([levels, (4 ** n - levels.sum(axis=1))[:, None]], axis=1)
    functions = heads[first // n_f1] | ((first % n_f1) << (N >> 1))
    out = (np.ascontiguousarray(levels, dtype=np.int64), ent[first], functions.astype(np.int64), int(total))
    for arr in out[:3]:
        arr.setflags(write=False)
    return out


@functools.lru_cache(maxsize=8)
def level_coefficients(n, s, m):
    """Integer ``A0 (n_torb,)``, ``A (n_torb, s + 1)``, the common denominator and the type-orbit
    sizes: ``V_v[T] = (A0[T] + A[T] @ v) / denom`` exactly (module docstring, point 1); read-only.
    Arguments are trusted (checked by :func:`level_channel`); the atlas's re-check uses them to
    rebuild V as exact rationals."""
    cells = channel_cells(n, s, None, 0.5)
    K = len(cells.cells)
    sym, coef, torb, sizes = type_orbits(symbol_generators(n, s, None, 0.5), 2 * K, m)
    n_torb = sizes.size
    lcm = math.lcm(*[math.comb(n, k) for k in range(s + 1)])
    scale = 4 ** n
    icoef = np.rint(coef).astype(np.int64)
    A0 = np.bincount(torb, weights=icoef, minlength=n_torb).astype(np.int64) * (lcm * scale)
    alpha = _pair_table(n, s, cells, lcm)                 # (K, K, s + 1) integers
    A = np.zeros((n_torb, s + 1), dtype=np.int64)
    cell = (sym >> 1).astype(np.int64)
    sign = 2 * (sym & 1).astype(np.int64) - 1
    for i in range(m):
        for j in range(i + 1, m):
            w = icoef * sign[:, i] * sign[:, j]
            pair = alpha[cell[:, i], cell[:, j]]            # (T, s + 1)
            for k in range(s + 1):
                np.add.at(A[:, k], torb, w * pair[:, k])
    denom = K ** m * 2 ** m * lcm * scale
    for arr in (A0, A, sizes):
        arr.setflags(write=False)
    return A0, A, denom, sizes


def _pair_table(n, s, cells, lcm):
    r"""``alpha[c, c', k] = (lcm / C(n, k)) sum_{T' subseteq S cap S', |T'| = k} chi_T'(a) chi_T'(a')``
    (a Krawtchouk sum over the common variables where a and a' differ or agree)."""
    K = len(cells.cells)
    bit = -np.ones((K, n), dtype=np.int64)           # value of variable i in cell c (-1: hidden)
    for c, (S, a) in enumerate(cells.cells):
        for j, i in enumerate(S):
            bit[c, i] = (a >> j) & 1
    both = (bit[:, None, :] >= 0) & (bit[None, :, :] >= 0)
    differ = (both & (bit[:, None, :] != bit[None, :, :])).sum(axis=2)
    agree = both.sum(axis=2) - differ
    alpha = np.zeros((K, K, s + 1), dtype=np.int64)
    for k in range(s + 1):
        tot = np.zeros((K, K), dtype=np.int64)
        for j in range(k + 1):
            tot += (-1) ** j * _comb(differ, j) * _comb(agree, k - j)
        alpha[:, :, k] = tot * (lcm // math.comb(n, k))
    return alpha


def _comb(a, k):
    """Elementwise C(a, k) for an int array a >= 0 and a small int k."""
    out = np.ones_like(a)
    for i in range(k):
        out = out * (a - i) // (i + 1)
    return out
