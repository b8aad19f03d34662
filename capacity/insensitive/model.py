"""The channel model shared by :mod:`channel`, :mod:`symmetry` and :mod:`solve`: parameters, cells,
classes of functions (rows) and types of m samples (columns).

One sample shows Bob ``(S, X_S, f(X))``: a cell ``c = (S, a)`` and a symbol ``(c, y)`` with
probability ``r_{c,y}(f) = pi_c q_c(f)^y (1 - q_c(f))^(1-y)``; m samples are summarised by their
type, a multiset of m symbols (see :mod:`capacity.insensitive.channel` for the matrix and
docs/problem.rst, section "The insensitive-function channel", for the model).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from boolean._lib.validate import check_int, check_real

from .._rounding import U64, gamma

from .classes import (MAX_ENUM_N, all_truth_tables, check_S0, check_visible, class_names, equivalence_classes,
                      label_by_first, reachable_s1, standard_functions)

__all__ = ["MAX_M", "MAX_VECTOR_N", "MAX_VECTOR_CLASSES", "Cells", "ChannelClasses", "channel_cells",
           "channel_classes", "check_channel_args", "count_keys", "count_vectors", "symbol_probabilities",
           "type_list", "type_probabilities", "vector_classes", "vector_route", "level_route", "MAX_LEVEL_M",
           "ROUTES"]


#: Largest m accepted (types are stored as uint8 counts).
MAX_M = 64
#: Largest n for the count-vector classes (fixed S0 or s = 0; s = 1 only at n = 5).
MAX_VECTOR_N = 8
#: Most classes built from count vectors.
MAX_VECTOR_CLASSES = 5_000_000


# ----------------------------------------------------------------------------- validation

#: Largest m of the weight-level route (n = 5, s >= 2; see :mod:`capacity.insensitive.levels`).
MAX_LEVEL_M = 3

#: What the exact routes cover, quoted by the refusals.
ROUTES = (f"n <= {MAX_ENUM_N}: every case (all 2**(2**n) functions); p_bias = 0.5 beyond: visible='fixed' or s = 0 "
          f"up to n = {MAX_VECTOR_N}, n = 5 with s = 1 (count vectors) and n = 5 with s >= 2 for m <= {MAX_LEVEL_M} "
          "(insensitive_capacity, weight levels; folded_channel, class-orbit representatives, while its plan "
          "fits); for larger n, capacity.insensitive.family_capacity gives the "
          "capacity over a family of functions (symmetric, thresholds, juntas, tables)")


def check_channel_args(n, s, m, visible, S0, p_bias, *, levels=False, class_orbits=False):
    """Validate the channel parameters; return (n, s, m, visible, S0, p_bias).

    ``levels=True`` also accepts the weight-level route (n = 5, s >= 2, m <= 3), which only
    :func:`capacity.insensitive.insensitive_capacity` takes; ``class_orbits=True`` accepts
    n = 5, s >= 2 for every m (the class-orbit route of
    :func:`capacity.insensitive.folded_channel`, whose plan bounds m).
    """
    n = check_int(n, "n", low=1)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=MAX_M)
    visible = check_visible(visible)
    p_bias = check_real(p_bias, "p_bias", low=0.0, high=1.0, low_open=True, high_open=True)
    if n > MAX_ENUM_N and not vector_route(n, s, visible, p_bias):
        if class_orbits and level_route(n, s, visible, p_bias):
            pass
        elif levels and level_route(n, s, visible, p_bias):
            if m > MAX_LEVEL_M:
                raise ValueError(f"`m` must be <= {MAX_LEVEL_M} for n = 5, s = {s} (the weight-level route); got "
                                 f"m = {m}. Exact routes: {ROUTES}")
        else:
            where = "" if levels or not level_route(n, s, visible, p_bias) else \
                " (n = 5 with s >= 2 is solved by insensitive_capacity for m <= 3 and folded by folded_channel)"
            raise ValueError(f"no exact route covers `n` = {n} with (s, visible, p_bias) = ({s}, {visible!r}, "
                             f"{p_bias}) here{where}. Exact routes: {ROUTES}")
    S0 = check_S0(S0, n, s, visible)
    return n, s, m, visible, S0, p_bias


def level_route(n, s, visible, p_bias):
    """True when the weight-level route applies (n = 5, s >= 2, random visible set, uniform bits)."""
    return n == 5 and s >= 2 and visible == "random" and p_bias == 0.5


def vector_route(n, s, visible, p_bias):
    """True when the classes come from count vectors rather than from all functions."""
    if n <= MAX_ENUM_N or n > MAX_VECTOR_N or p_bias != 0.5:
        return False
    return visible == "fixed" or s == 0 or (s == 1 and n == 5)


# ----------------------------------------------------------------------------- cells

@dataclass(frozen=True)
class Cells:
    """Cells c = (S, a) (same order as :func:`cell_probabilities`), their probabilities
    ``pi`` and the conditional law ``cond[c, x] = P(X = x | X in c)``."""

    cells: tuple
    member: np.ndarray   # (K, 2**n) bool
    pi: np.ndarray       # (K,)
    cond: np.ndarray     # (K, 2**n) float64
    hidden_weight: np.ndarray  # (K, 2**n) int: number of hidden ones of x (-1 outside c)


@functools.lru_cache(maxsize=32)
def channel_cells(n, s, S0, p_bias):
    N = 1 << n
    xs = np.arange(N)
    bits = (xs[:, None] >> np.arange(n)[None, :]) & 1
    weight = bits.sum(axis=1)
    subsets = [S0] if S0 is not None else list(combinations(range(n), s))
    p_S = 1.0 / len(subsets)
    px = np.prod(np.where(bits == 1, p_bias, 1.0 - p_bias), axis=1)  # P(X = x)
    cells, member, pi, cond, hw = [], [], [], [], []
    for S in subsets:
        a = np.zeros(N, dtype=np.int64)
        for j, i in enumerate(S):
            a |= ((xs >> i) & 1) << j
        vis_w = bits[:, list(S)].sum(axis=1) if S else np.zeros(N, dtype=np.int64)
        for av in range(1 << len(S)):
            inside = a == av
            mass = px[inside].sum()
            cells.append((S, av))
            member.append(inside)
            pi.append(p_S * mass)
            cond.append(np.where(inside, px / mass, 0.0))
            hw.append(np.where(inside, weight - vis_w, -1))
    out = Cells(tuple(cells), np.array(member), np.array(pi), np.array(cond), np.array(hw))
    for arr in (out.member, out.pi, out.cond, out.hidden_weight):
        arr.setflags(write=False)
    return out


# ----------------------------------------------------------------------------- classes

@dataclass(frozen=True)
class ChannelClasses:
    representatives: np.ndarray | None  # (R, 2**n) uint8; None for count-vector classes
    sizes: np.ndarray | None            # (R,) int64 functions per class; None for count vectors
    names: tuple                        # (R,)
    labels: np.ndarray | None           # (2**(2**n),) class of each function index (n <= 4)
    q: np.ndarray                       # (R, K) P(f = 1 | cell)
    q0: np.ndarray                      # (R, K) P(f = 0 | cell)
    counts: np.ndarray | None = None    # (R, K) ones per cell, rows sorted by key (count vectors)
    keys: np.ndarray | None = None      # (R,) mixed-radix key of each counts row, increasing

    @property
    def n_classes(self) -> int:
        return int(self.q.shape[0])


@functools.lru_cache(maxsize=16)
def channel_classes(n, s, visible, S0, p_bias):
    """Classes of functions with equal q vectors, for all 2**(2**n) functions.

    p = 1/2: the Fourier classes of :func:`equivalence_classes`. p != 1/2: functions are
    grouped by the integer counts N[c, h] = #{x in c : hidden weight h, f(x) = 1}, which
    fix q_c = sum_h N[c, h] p^h (1-p)^(n-s-h); groups whose q vectors are then equal are
    merged as well (merge lemma; see :func:`group_equal_q` for how equality is decided).
    """
    cells = channel_cells(n, s, S0, p_bias)
    if n > MAX_ENUM_N:
        return vector_classes(n, s, visible, S0, cells)
    if p_bias == 0.5:
        ec = equivalence_classes(n, s, visible=visible, S0=S0)
        reps, sizes, names, labels = ec.representatives, ec.sizes, ec.names, ec.labels
    else:
        tables = all_truth_tables(n)
        H = n - s + 1
        K = len(cells.cells)
        ind = np.zeros((1 << n, K * H), dtype=np.int32)
        for c in range(K):
            xs = np.flatnonzero(cells.member[c])
            ind[xs, c * H + cells.hidden_weight[c, xs]] = 1
        counts = tables.astype(np.int32) @ ind                      # (F, K*H)
        _, first, inv = np.unique(counts, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        qinv = group_equal_q(counts[first].reshape(-1, K, H), p_bias)
        labels, rep_index = label_by_first(qinv.reshape(-1)[inv])  # q-class of each function
        labels = labels.astype(np.uint32)
        sizes = np.bincount(labels, minlength=rep_index.size).astype(np.int64)
        reps = tables[rep_index]
        names = class_names(n, labels, rep_index.size)
    # P(f = 1 | c) and P(f = 0 | c) are summed separately, so that an empty sum is an exact 0
    # (1 - q would leave ~1e-17 for p-biased weights that do not add up to 1 exactly)
    q = reps.astype(np.float64) @ cells.cond.T
    q0 = (1 - reps).astype(np.float64) @ cells.cond.T
    out = ChannelClasses(np.asarray(reps), np.asarray(sizes), tuple(names), np.asarray(labels), q, q0)
    for arr in (out.representatives, out.sizes, out.labels, out.q, out.q0):
        arr.setflags(write=False)
    return out


def _grown(*pairs):
    r""":math:`\prod_i (1 + t_i)^{k_i} - 1` for ``pairs`` t_1, k_1, t_2, k_2, ... (|t_i| < 1), evaluated
    without losing the small t_i to ``1 + t`` (log1p, expm1) and rounded up by 1 %."""
    total = sum(k * math.log1p(t) for t, k in zip(pairs[::2], pairs[1::2]))
    return math.expm1(total) * 1.01 if total > 0 else 0.0


def uniform_table_rounding(pi):
    r"""``(eps_q, eps_pi)`` of a table of uniform bits whose ``q`` are exact (dyadic):
    ``(0, |pi K - 1| + 2.01u)``, the cell probabilities ``pi`` (K,) against :math:`1/K`."""
    pi = np.asarray(pi, dtype=np.float64)
    return 0.0, float(np.abs(pi * pi.size - 1.0).max()) + 2.01 * U64


@functools.lru_cache(maxsize=16)
def table_rounding(n, s, visible, S0, p_bias):
    r"""How far the class table's ``q``, ``q0`` and the cells' ``pi`` (:func:`channel_classes`,
    :func:`channel_cells`) can be from the exact ones: ``(eps_q, eps_pi)``, relative bounds on
    every entry, or None where this bound does not apply (count-vector classes; probabilities
    that could underflow).

    The exact table is the one at :math:`p^*`: the fraction :math:`a/b` that ``p_bias`` stands for
    (:func:`as_simple_fraction`, which also decides which functions share a class), else the float
    ``p_bias`` itself; the bound also holds at the float ``p_bias``. With :math:`u = 2^{-53}` and
    :math:`\gamma_k = ku/(1 - ku)` (Higham 2002, §3.1):

    - uniform bits: :math:`q_c = k / 2^{n-s}` and :math:`1 - q_c` are exact (checked), and
      :math:`\varepsilon_\pi = |\pi K - 1| + 2.01u` against :math:`1/K`;
    - p-biased bits: each factor :math:`p` or :math:`\mathrm{fl}(1 - p)` is within relative
      :math:`e_1` of its exact value (computed in rationals), so :math:`P(x)`, a product of n of
      them, is within :math:`e_x = (1 + e_1)^n (1 + u)^{n-1} - 1`; a cell's mass (a sum of
      :math:`2^{n-s}` of them) within :math:`e_m = (1 + e_x)(1 + \gamma_{2^{n-s}}) - 1`;
      :math:`\pi_c` (times :math:`1 / \binom{n}{s}`, within u) within :math:`\varepsilon_\pi`,
      the conditional law within :math:`e_c = (1 + e_x)(1 + u) / (1 - e_m) - 1`, and ``q`` and
      ``q0`` (sums of at most :math:`2^n` of its entries) within :math:`e_q = (1 + e_c)(1 +
      \gamma_{2^n}) - 1` of their own exact values. A class holds functions whose q vectors agree
      at :math:`p^*`; every function's ``q`` and ``q0`` are formed the same way and compared with
      its class representative's (relative difference d), so the representative's entries are
      within :math:`e_q (1 + d) / (1 - e_q) + d` of every member's exact ones.

    Each bound is enlarged by 2 %.
    """
    from fractions import Fraction

    u = U64
    cells = channel_cells(n, s, S0, p_bias)
    cls = channel_classes(n, s, visible, S0, p_bias)
    q, q0, pi = np.asarray(cls.q), np.asarray(cls.q0), np.asarray(cells.pi)
    if p_bias == 0.5:
        L = 1 << (n - s)
        if not (np.array_equal(q * L, np.rint(q * L)) and np.array_equal(q0, 1.0 - q)):
            return None
        return uniform_table_rounding(pi)
    if cls.labels is None or cls.representatives is None:
        return None
    pf = Fraction(p_bias)
    star = as_simple_fraction(p_bias) or pf
    if min(star, 1 - star) ** n < Fraction(1, 2 ** 900):     # far from underflow: every product normal
        return None
    one_minus = Fraction(1.0 - p_bias)
    e1 = float(max(abs(pf - star) / star, abs(one_minus - (1 - star)) / (1 - star),
                   abs(one_minus - (1 - pf)) / (1 - pf))) * 1.01 + 2.0 ** -1000
    n_sub = 1 if S0 is not None or visible == "fixed" else math.comb(n, s)
    u_sub = 0.0 if n_sub & (n_sub - 1) == 0 else u
    e_x = _grown(e1, n, u, n - 1)
    e_m = _grown(e_x, 1, gamma(1 << (n - s), U64), 1)
    e_pi = _grown(u_sub, 1, e_m, 1, u, 1)
    e_c = _grown(e_x, 1, u, 1, -e_m, -1)
    e_q = _grown(e_c, 1, gamma(1 << n, U64), 1)
    tables = all_truth_tables(n)
    labels = np.asarray(cls.labels, dtype=np.int64)
    d = 0.0
    for mine, rep in ((tables.astype(np.float64) @ cells.cond.T, q), ((1 - tables).astype(np.float64) @ cells.cond.T,
                                                                    q0)):
        theirs = rep[labels]
        zero = theirs == 0
        if np.any(mine[zero] != 0):
            return None
        d = max(d, float((np.abs(mine - theirs)[~zero] / theirs[~zero]).max(initial=0.0)))
    eps_q = _grown(e_q, 1, d, 1, -e_q, -1) + d
    return 1.02 * eps_q, 1.02 * e_pi


#: A float p_bias within this many ulps of a fraction with denominator <= RATIONAL_MAX_DEN is taken
#: to mean that fraction when q vectors are compared (p_bias = 1/3 is 0.333...33 as a float).
RATIONAL_ULPS = 4
RATIONAL_MAX_DEN = 2**20


def as_simple_fraction(p):
    """The fraction a/b (b <= RATIONAL_MAX_DEN) that the float p rounds, or None."""
    from fractions import Fraction

    f = Fraction(p).limit_denominator(RATIONAL_MAX_DEN)
    return f if abs(float(f) - p) <= RATIONAL_ULPS * math.ulp(p) else None


def group_equal_q(N, p):
    """Group index of each count array N[g] (G, K, H) by equal q vectors q_c = sum_h N[c, h] p^h (1-p)^(H-1-h).

    For p = a/b (a float within RATIONAL_ULPS ulps of it), b^(H-1) q_c = sum_h N[c, h] a^h (b-a)^(H-1-h)
    is an integer: groups are compared exactly (Python integers). Otherwise the float q vectors from
    the same formula are compared for exact equality: vectors equal for the real p only through a
    root of their difference polynomial may then stay apart (more rows, same capacity).
    """
    H = N.shape[2]
    frac = as_simple_fraction(p)
    if frac is None:
        h = np.arange(H)
        q = (N * (p ** h * (1.0 - p) ** (H - 1 - h))).sum(axis=2)
        return np.unique(q, axis=0, return_inverse=True)[1].reshape(-1)
    a, b = frac.numerator, frac.denominator
    weights = np.array([a ** h * (b - a) ** (H - 1 - h) for h in range(H)], dtype=object)
    keys = (N.astype(object) * weights).sum(axis=2)           # (G, K) exact integers
    index = {}
    return np.array([index.setdefault(tuple(row), len(index)) for row in keys], dtype=np.int64)


def count_vectors(n, s, visible, S0):
    r"""Every reachable vector of ones per cell, (R, K) int64, without enumerating functions.

    visible="fixed" (or s = 0): the cells of S0 partition the cube, so every vector in
    [0, 2**(n-s)]**(2**s) is reached. visible="random", s = 1: the class of f is
    :math:`(w, c_0, \dots, c_{n-1})` with :math:`w = |f^{-1}(1)|`,
    :math:`c_i = \#\{x \in f^{-1}(1) : x_i = 1\}`; the reachable set is grown point by point (a 0/1
    knapsack over a boolean box) and cell (i, a) holds c_i ones for a = 1 and w - c_i for a = 0.
    """
    size = 1 << (n - s)
    if visible == "fixed" or s == 0:
        K = 1 << s
        R = (size + 1) ** K
        grids = np.indices((size + 1,) * K).reshape(K, R).T
        return np.ascontiguousarray(grids[:, ::-1], dtype=np.int64)
    v = np.argwhere(reachable_s1(n)).astype(np.int64)    # (R, n + 1): w, c_0..c_{n-1}
    w, c = v[:, :1], v[:, 1:]
    counts = np.empty((v.shape[0], 2 * n), dtype=np.int64)
    counts[:, 0::2] = w - c
    counts[:, 1::2] = c
    return counts


def count_keys(counts, size):
    """Mixed-radix key sum_c counts_c (size+1)**c of each row (int64)."""
    K = counts.shape[1]
    radix = (size + 1) ** np.arange(K, dtype=np.int64)
    return counts @ radix


def vector_classes(n, s, visible, S0, cells):
    size = 1 << (n - s)
    K = len(cells.cells)
    R = (size + 1) ** K if (visible == "fixed" or s == 0) else None
    if (R is not None and R > MAX_VECTOR_CLASSES) or (size + 1) ** K >= 2 ** 62:
        raise ValueError(f"`n`, `s` = ({n}, {s}) give {(size + 1) ** K} count vectors > {MAX_VECTOR_CLASSES}; "
                         "too many classes to build")
    counts = count_vectors(n, s, visible, S0)
    keys = count_keys(counts, size)
    order = np.argsort(keys, kind="stable")
    counts, keys = np.ascontiguousarray(counts[order]), keys[order]
    q = counts / size
    q0 = (size - counts) / size
    names = {}                            # class -> the standard functions in it (a few of up to ~10^6 classes)
    if n <= 5:
        N = 1 << n
        member = cells.member.astype(np.int64)
        for name, F in standard_functions(n).items():
            table = (F >> np.arange(N, dtype=np.int64)) & 1
            k = int(np.searchsorted(keys, count_keys((member @ table)[None, :], size)[0]))
            names.setdefault(k, []).append(name)
    labels = [""] * counts.shape[0]
    for k, members in names.items():
        labels[k] = " = ".join(members)
    out = ChannelClasses(None, None, tuple(labels), None, q, q0, counts, keys)
    for arr in (out.q, out.q0, out.counts, out.keys):
        arr.setflags(write=False)
    return out


# ----------------------------------------------------------------------------- types

@functools.lru_cache(maxsize=4)
def type_list(n_symbols, m):
    """All multisets of m symbols from range(n_symbols), as sorted rows (T, m) int16 in
    lexicographic order (that of itertools.combinations_with_replacement), with their
    multinomial coefficients m!/prod k_j! (float64)."""
    sym = np.arange(n_symbols, dtype=np.int16)[:, None]
    for _ in range(m - 1):
        last = sym[:, -1].astype(np.int64)
        reps = n_symbols - last                       # next symbol ranges over last..n_symbols-1
        starts = np.cumsum(reps) - reps
        nxt = np.repeat(last, reps) + np.arange(int(reps.sum())) - np.repeat(starts, reps)
        sym = np.concatenate([np.repeat(sym, reps, axis=0), nxt.astype(np.int16)[:, None]], axis=1)
    T = sym.shape[0]
    run = np.ones((T, m), dtype=np.float64)
    for i in range(1, m):
        run[:, i] = np.where(sym[:, i] == sym[:, i - 1], run[:, i - 1] + 1.0, 1.0)
    coef = math.factorial(m) / run.prod(axis=1)
    sym = np.ascontiguousarray(sym)
    sym.setflags(write=False)
    coef.setflags(write=False)
    return sym, coef


def symbol_probabilities(q, q0, pi):
    """r[o, 2c + y] = pi_c q_c^y (1 - q_c)^(1-y), with q0 = 1 - q summed on its own."""
    R, K = q.shape
    r = np.empty((R, 2 * K))
    r[:, 0::2] = pi * q0
    r[:, 1::2] = pi * q
    return r


#: Entries of the gathered factor r[:, sym[block, i]] held at once by type_probabilities (32 MiB of float64).
TYPE_BLOCK_ELEMS = 1 << 22


def type_probabilities(r, sym, coef):
    """W[o, t] = coef_t prod_i r[o, sym[t, i]], filled in column blocks so that the gathered
    factor never exceeds ``TYPE_BLOCK_ELEMS`` entries (peak memory = W + one block, not 2 W)."""
    R, T = r.shape[0], coef.size
    W = np.empty((R, T))
    block = max(1, TYPE_BLOCK_ELEMS // max(R, 1))
    for start in range(0, T, block):
        stop = min(T, start + block)
        Wb = W[:, start:stop]
        Wb[...] = coef[start:stop]
        for i in range(sym.shape[1]):
            Wb *= r[:, sym[start:stop, i]]
    return W
