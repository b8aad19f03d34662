"""The m-sample insensitive-function channel as a (classes) x (types) matrix.

One sample shows Bob ``(S, X_S, f(X))``. Write a cell ``c = (S, a)`` and
``q_c(f) = P(f(X) = 1 | X_S = a)``; a sample is the symbol ``(c, y)`` with probability

    r_{c,y}(f) = pi_c q_c(f)^y (1 - q_c(f))^(1-y),      pi_c = P(S) P(X_S = a).

m i.i.d. samples are summarised without loss by their *type*: the counts ``nu_c``
(samples in cell c) and ``kappa_c`` (ones among them), i.e. a multiset of m symbols:

    P(type | f) = Multinomial(nu; m, pi) prod_c Binomial(kappa_c; nu_c, q_c(f))
                = m! / prod_{c,y} k_{c,y}!  prod_{c,y} r_{c,y}(f)^{k_{c,y}},

with ``k_{c,1} = kappa_c``, ``k_{c,0} = nu_c - kappa_c``. The nu are ancillary (their law
does not depend on f), so the matrix is block-structured by nu; we keep it whole. Rows are
one representative per class of functions with equal q vectors (the merge lemma: equal rows
carry no extra information), columns the ``C(2K + m - 1, m)`` types; the ``(2K)^m`` raw
sequences are never built.

Classes: for n <= 4 every one of the 2**(2**n) functions is enumerated (representatives,
sizes and names from :func:`equivalence_classes`; for p-biased bits, equal q vectors). For
n >= 5 (uniform bits) the rows come from *count vectors* (ones per cell) without any truth
table: with a fixed visible set (or s = 0) every vector in [0, 2**(n-s)]**(2**s) occurs
(n <= 8); for s = 1 at n = 5 the reachable vectors (|f^-1(1)|, #{x in f^-1(1): x_i = 1})
are grown by a 0/1-knapsack over a boolean box (936 545 classes).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from boolean._lib.validate import check_int, check_real
from boolean._lib.memory import check_size, format_bytes

from .classes import (MAX_ENUM_N, _all_truth_tables, _check_S0, _check_visible, _class_names, _label_by_first,
                      _reachable_s1, equivalence_classes, standard_functions)

__all__ = ["ChannelShape", "InsensitiveChannel", "channel_shape", "channel_matrix"]

#: Largest m accepted (types are stored as uint8 counts).
MAX_M = 64
#: Largest n for the count-vector classes (fixed S0 or s = 0; s = 1 only at n = 5).
MAX_VECTOR_N = 8
#: Most classes built from count vectors.
MAX_VECTOR_CLASSES = 5_000_000


# ----------------------------------------------------------------------------- validation

def _check_args(n, s, m, visible, S0, p_bias):
    """Validate the channel parameters; return (n, s, m, visible, S0, p_bias)."""
    n = check_int(n, "n", low=1)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=MAX_M)
    visible = _check_visible(visible)
    p_bias = check_real(p_bias, "p_bias", low=0.0, high=1.0, low_open=True, high_open=True)
    if n > MAX_ENUM_N and not _vector_route(n, s, visible, p_bias):
        raise ValueError(f"`n` must be <= {MAX_ENUM_N} for (s, visible, p_bias) = ({s}, {visible!r}, {p_bias}): "
                         f"the classes need all 2**(2**n) functions; got n = {n}. "
                         f"Count vectors cover n <= {MAX_VECTOR_N} for visible='fixed' or s = 0, and n = 5 for "
                         "s = 1, with p_bias = 0.5")
    S0 = _check_S0(S0, n, s, visible)
    return n, s, m, visible, S0, p_bias


def _vector_route(n, s, visible, p_bias):
    """True when the classes come from count vectors rather than from all functions."""
    if n <= MAX_ENUM_N or n > MAX_VECTOR_N or p_bias != 0.5:
        return False
    return visible == "fixed" or s == 0 or (s == 1 and n == 5)


# ----------------------------------------------------------------------------- cells

@dataclass(frozen=True)
class _Cells:
    """Cells c = (S, a) (same order as :func:`cell_probabilities`), their probabilities
    ``pi`` and the conditional law ``cond[c, x] = P(X = x | X in c)``."""

    cells: tuple
    member: np.ndarray   # (K, 2**n) bool
    pi: np.ndarray       # (K,)
    cond: np.ndarray     # (K, 2**n) float64
    hidden_weight: np.ndarray  # (K, 2**n) int: number of hidden ones of x (-1 outside c)


@functools.lru_cache(maxsize=32)
def _cells(n, s, S0, p_bias):
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
    out = _Cells(tuple(cells), np.array(member), np.array(pi), np.array(cond), np.array(hw))
    for arr in (out.member, out.pi, out.cond, out.hidden_weight):
        arr.setflags(write=False)
    return out


# ----------------------------------------------------------------------------- classes

@dataclass(frozen=True)
class _Classes:
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
def _classes(n, s, visible, S0, p_bias):
    """Classes of functions with equal q vectors, for all 2**(2**n) functions.

    p = 1/2: the Fourier classes of :func:`equivalence_classes`. p != 1/2: functions are
    grouped by the integer counts N[c, h] = #{x in c : hidden weight h, f(x) = 1}, which
    fix q_c = sum_h N[c, h] p^h (1-p)^(n-s-h); groups whose q vectors are then equal are
    merged as well (merge lemma; see :func:`_group_equal_q` for how equality is decided).
    """
    cells = _cells(n, s, S0, p_bias)
    if n > MAX_ENUM_N:
        return _vector_classes(n, s, visible, S0, cells)
    if p_bias == 0.5:
        ec = equivalence_classes(n, s, visible=visible, S0=S0)
        reps, sizes, names, labels = ec.representatives, ec.sizes, ec.names, ec.labels
    else:
        tables = _all_truth_tables(n)
        H = n - s + 1
        K = len(cells.cells)
        ind = np.zeros((1 << n, K * H), dtype=np.int32)
        for c in range(K):
            xs = np.flatnonzero(cells.member[c])
            ind[xs, c * H + cells.hidden_weight[c, xs]] = 1
        counts = tables.astype(np.int32) @ ind                      # (F, K*H)
        _, first, inv = np.unique(counts, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        qinv = _group_equal_q(counts[first].reshape(-1, K, H), p_bias)
        labels, rep_index = _label_by_first(qinv.reshape(-1)[inv])  # q-class of each function
        labels = labels.astype(np.uint32)
        sizes = np.bincount(labels, minlength=rep_index.size).astype(np.int64)
        reps = tables[rep_index]
        names = _class_names(n, labels, rep_index.size)
    # P(f = 1 | c) and P(f = 0 | c) are summed separately, so that an empty sum is an exact 0
    # (1 - q would leave ~1e-17 for p-biased weights that do not add up to 1 exactly)
    q = reps.astype(np.float64) @ cells.cond.T
    q0 = (1 - reps).astype(np.float64) @ cells.cond.T
    out = _Classes(np.asarray(reps), np.asarray(sizes), tuple(names), np.asarray(labels), q, q0)
    for arr in (out.representatives, out.sizes, out.labels, out.q, out.q0):
        arr.setflags(write=False)
    return out


#: A float p_bias within this many ulps of a fraction with denominator <= RATIONAL_MAX_DEN is taken
#: to mean that fraction when q vectors are compared (p_bias = 1/3 is 0.333...33 as a float).
RATIONAL_ULPS = 4
RATIONAL_MAX_DEN = 2**20


def _as_simple_fraction(p):
    """The fraction a/b (b <= RATIONAL_MAX_DEN) that the float p rounds, or None."""
    from fractions import Fraction

    f = Fraction(p).limit_denominator(RATIONAL_MAX_DEN)
    return f if abs(float(f) - p) <= RATIONAL_ULPS * math.ulp(p) else None


def _group_equal_q(N, p):
    """Group index of each count array N[g] (G, K, H) by equal q vectors q_c = sum_h N[c, h] p^h (1-p)^(H-1-h).

    For p = a/b (a float within RATIONAL_ULPS ulps of it), b^(H-1) q_c = sum_h N[c, h] a^h (b-a)^(H-1-h)
    is an integer: groups are compared exactly (Python integers). Otherwise the float q vectors from
    the same formula are compared for exact equality: vectors equal for the real p only through a
    root of their difference polynomial may then stay apart (more rows, same capacity).
    """
    H = N.shape[2]
    frac = _as_simple_fraction(p)
    if frac is None:
        h = np.arange(H)
        q = (N * (p ** h * (1.0 - p) ** (H - 1 - h))).sum(axis=2)
        return np.unique(q, axis=0, return_inverse=True)[1].reshape(-1)
    a, b = frac.numerator, frac.denominator
    weights = np.array([a ** h * (b - a) ** (H - 1 - h) for h in range(H)], dtype=object)
    keys = (N.astype(object) * weights).sum(axis=2)           # (G, K) exact integers
    index = {}
    return np.array([index.setdefault(tuple(row), len(index)) for row in keys], dtype=np.int64)


def _count_vectors(n, s, visible, S0):
    """Every reachable vector of ones per cell, (R, K) int64, without enumerating functions.

    visible="fixed" (or s = 0): the cells of S0 partition the cube, so every vector in
    [0, 2**(n-s)]**(2**s) is reached. visible="random", s = 1: the class of f is
    (w, c_0..c_{n-1}) with w = |f^-1(1)|, c_i = #{x in f^-1(1): x_i = 1}; the reachable
    set is grown point by point (a 0/1 knapsack over a boolean box) and cell (i, a) holds
    c_i ones for a = 1 and w - c_i for a = 0.
    """
    size = 1 << (n - s)
    if visible == "fixed" or s == 0:
        K = 1 << s
        R = (size + 1) ** K
        grids = np.indices((size + 1,) * K).reshape(K, R).T
        return np.ascontiguousarray(grids[:, ::-1], dtype=np.int64)
    v = np.argwhere(_reachable_s1(n)).astype(np.int64)    # (R, n + 1): w, c_0..c_{n-1}
    w, c = v[:, :1], v[:, 1:]
    counts = np.empty((v.shape[0], 2 * n), dtype=np.int64)
    counts[:, 0::2] = w - c
    counts[:, 1::2] = c
    return counts


def _keys(counts, size):
    """Mixed-radix key sum_c counts_c (size+1)**c of each row (int64)."""
    K = counts.shape[1]
    radix = (size + 1) ** np.arange(K, dtype=np.int64)
    return counts @ radix


def _vector_classes(n, s, visible, S0, cells):
    size = 1 << (n - s)
    K = len(cells.cells)
    R = (size + 1) ** K if (visible == "fixed" or s == 0) else None
    if (R is not None and R > MAX_VECTOR_CLASSES) or (size + 1) ** K >= 2 ** 62:
        raise ValueError(f"`n`, `s` = ({n}, {s}) give {(size + 1) ** K} count vectors > {MAX_VECTOR_CLASSES}; "
                         "too many classes to build")
    counts = _count_vectors(n, s, visible, S0)
    keys = _keys(counts, size)
    order = np.argsort(keys, kind="stable")
    counts, keys = np.ascontiguousarray(counts[order]), keys[order]
    q = counts / size
    q0 = (size - counts) / size
    names = [[] for _ in range(counts.shape[0])]
    if n <= 5:
        N = 1 << n
        member = cells.member.astype(np.int64)
        for name, F in standard_functions(n).items():
            table = (F >> np.arange(N, dtype=np.int64)) & 1
            k = int(np.searchsorted(keys, _keys((member @ table)[None, :], size)[0]))
            names[k].append(name)
    out = _Classes(None, None, tuple(" = ".join(p) for p in names), None, q, q0, counts, keys)
    for arr in (out.q, out.q0, out.counts, out.keys):
        arr.setflags(write=False)
    return out


# ----------------------------------------------------------------------------- types

@functools.lru_cache(maxsize=4)
def _types(n_symbols, m):
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


def _symbol_probs(q, q0, pi):
    """r[o, 2c + y] = pi_c q_c^y (1 - q_c)^(1-y), with q0 = 1 - q summed on its own."""
    R, K = q.shape
    r = np.empty((R, 2 * K))
    r[:, 0::2] = pi * q0
    r[:, 1::2] = pi * q
    return r


#: Entries of the gathered factor r[:, sym[block, i]] held at once by _type_probs (32 MiB of float64).
_TYPE_BLOCK_ELEMS = 1 << 22


def _type_probs(r, sym, coef):
    """W[o, t] = coef_t prod_i r[o, sym[t, i]], filled in column blocks so that the gathered
    factor never exceeds ``_TYPE_BLOCK_ELEMS`` entries (peak memory = W + one block, not 2 W)."""
    R, T = r.shape[0], coef.size
    W = np.empty((R, T))
    block = max(1, _TYPE_BLOCK_ELEMS // max(R, 1))
    for start in range(0, T, block):
        stop = min(T, start + block)
        Wb = W[:, start:stop]
        Wb[...] = coef[start:stop]
        for i in range(sym.shape[1]):
            Wb *= r[:, sym[start:stop, i]]
    return W


# ----------------------------------------------------------------------------- public

@dataclass(frozen=True)
class ChannelShape:
    """Size of the (classes) x (types) channel, known before it is built.

    Attributes
    ----------
    n_classes : int
        Rows: classes of functions Bob cannot tell apart with one sample.
    n_types : int
        Columns: ``C(2K + m - 1, m)`` multisets of m symbols (c, y).
    n_cells : int
        K, the number of cells (S, a).
    nbytes : int
        Memory of the float64 matrix.

    Examples
    --------
    >>> channel_shape(2, 1, 2)   # 4 cells (S, a): C(8 + 2 - 1, 2) = 36 types of 2 samples
    ChannelShape(n_classes=15, n_types=36, n_cells=4, nbytes=4320)
    """

    n_classes: int
    n_types: int
    n_cells: int
    nbytes: int

    @property
    def shape(self):
        """``(n_classes, n_types)``."""
        return (self.n_classes, self.n_types)


def channel_shape(n, s, m, *, visible="random", S0=None, p_bias=0.5) -> ChannelShape:
    r"""Shape of :func:`channel_matrix` (rows, columns, bytes) without building it.

    rows = #classes, columns :math:`\binom{2K + m - 1}{m}` with :math:`K = \binom{n}{s} 2^s` cells
    (``2**s`` for a fixed visible set), bytes = ``8 rows cols``.

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 4``; with p_bias = 1/2 also ``n <= 8`` for visible='fixed' or
        s = 0, and n = 5 for s = 1 (classes from count vectors).
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 64``.
    visible : {"random", "fixed"}
        A uniform s-subset per sample, or always ``S0``.
    S0 : iterable of int, optional
        The fixed visible set (visible="fixed"; default ``{0, ..., s-1}``).
    p_bias : float, default 0.5
        ``P(X_i = 1)``, in (0, 1).

    Returns
    -------
    ChannelShape
        ``n_classes``, ``n_types``, ``n_cells``, ``nbytes`` and ``shape``.

    Raises
    ------
    TypeError
        For non-integer n, s, m or a non-real p_bias.
    ValueError
        For n outside [1, 4] (beyond it, a case the count vectors do not cover), s outside
        [0, n], m outside [1, 64], p_bias outside (0, 1),
        an unknown ``visible`` or a bad ``S0``.

    References
    ----------
    docs/problem.rst, sections "Cells and the one-sample law" and "Many samples: the channel on types".

    Examples
    --------
    >>> channel_shape(2, 1, 3).shape
    (15, 120)
    >>> channel_shape(4, 2, 3).shape
    (61419, 19600)
    """
    n, s, m, visible, S0, p_bias = _check_args(n, s, m, visible, S0, p_bias)
    K = len(_cells(n, s, S0, p_bias).cells)
    R = _classes(n, s, visible, S0, p_bias).n_classes
    T = math.comb(2 * K + m - 1, m)
    return ChannelShape(int(R), int(T), int(K), int(8 * R * T))


@dataclass(frozen=True)
class InsensitiveChannel:
    """The m-sample channel: class representatives x types.

    Attributes
    ----------
    W : ndarray float64 (n_classes, n_types)
        ``W[k, t] = P(type t | f_k)``; rows sum to 1.
    types : ndarray uint8 (n_types, K, 2)
        ``types[t, c] = (nu_c, kappa_c)``: samples in cell c and ones among them.
    cells : tuple of (tuple, int)
        ``(S, a)`` per cell, ``a = sum_j x_{S[j]} 2**j``.
    pi : ndarray (K,)
        Cell probabilities.
    q : ndarray (n_classes, K)
        ``q_c`` of each representative.
    representatives : ndarray uint8 (n_classes, 2**n) or None
        One truth table per class; None when the classes come from count vectors (n >= 5).
    sizes : ndarray int64 (n_classes,) or None
        Functions per class (None for count-vector classes).
    names : tuple of str
        Standard functions in each class ("" when none).
    n, s, m, visible, S0, p_bias :
        The parameters.

    Examples
    --------
    >>> ch = channel_matrix(2, 1, 2)
    >>> ch.W.shape, bool(abs(ch.W.sum(axis=1) - 1).max() < 1e-12), len(ch.cells)
    ((15, 36), True, 4)
    """

    W: np.ndarray = field(repr=False)
    types: np.ndarray = field(repr=False)
    cells: tuple = field(repr=False)
    pi: np.ndarray = field(repr=False)
    q: np.ndarray = field(repr=False)
    representatives: np.ndarray = field(repr=False)
    sizes: np.ndarray = field(repr=False)
    names: tuple = field(repr=False)
    n: int = 0
    s: int = 0
    m: int = 1
    visible: str = "random"
    S0: tuple | None = None
    p_bias: float = 0.5

    @property
    def shape(self):
        """``W.shape``."""
        return self.W.shape


def channel_matrix(n, s, m, *, visible="random", S0=None, p_bias=0.5, max_bytes=None) -> InsensitiveChannel:
    r"""The m-sample insensitive-function channel, rows = classes, columns = types.

    .. math::

        W[f, (\nu, \kappa)] = \binom{m}{\nu} \prod_c \pi_c^{\nu_c}
            \prod_c \binom{\nu_c}{\kappa_c} q_c(f)^{\kappa_c} (1 - q_c(f))^{\nu_c - \kappa_c}

    over cells ``c = (S, a)``: ``K = C(n, s) 2**s`` cells (``2**s`` for a fixed ``S0``),
    ``pi_c = P(S) P(X_S = a)`` (``1/K`` for uniform bits; ``prod_i p^{a_i} (1-p)^{1-a_i} /
    C(n, s)`` for p-biased bits) and ``q_c(f) = P(f(X) = 1 | X_S = a)`` under the same
    measure. The raw ``(2K)^m`` sequences are never built: the type is a sufficient statistic.

    Rows are one representative per class of functions with equal q vectors (merge lemma:
    equal rows do not change the capacity). For ``p_bias = 1/2`` these are the Fourier
    classes of :func:`equivalence_classes` (equal coefficients of degree <= s, or on the
    subsets of ``S0``). For ``p_bias != 1/2`` the classes can differ from the Fourier ones
    (flipping a bit no longer preserves the measure): they are computed by grouping equal
    q vectors over all 2**(2**n) functions, exactly (integer arithmetic) when ``p_bias`` is
    within 4 ulps of a fraction with denominator <= 2**20 (so 1/3 means 1/3), otherwise by
    float equality of q.

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 4`` (all 2**(2**n) functions enumerated); with p_bias = 1/2 also
        ``n <= 8`` for visible='fixed' or s = 0, and n = 5 for s = 1 (classes from count vectors).
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 64``.
    visible : {"random", "fixed"}
        A uniform s-subset per sample, or always ``S0``.
    S0 : iterable of int, optional
        The fixed visible set (visible="fixed"; default ``{0, ..., s-1}``).
    p_bias : float, default 0.5
        ``P(X_i = 1)``, in (0, 1).
    max_bytes : int, optional
        Refuse (before allocating) a matrix above this many bytes (default 8 GiB); see
        :func:`channel_shape`.

    Returns
    -------
    InsensitiveChannel
        ``W``, ``types`` ((nu_c, kappa_c) per column), ``cells``, ``pi``, ``q``,
        ``representatives``, ``sizes``, ``names``.

    Raises
    ------
    TypeError
        For non-integer n, s, m or a non-real p_bias.
    ValueError
        For n outside [1, 4] (beyond it, a case the count vectors do not cover), s outside
        [0, n], m outside [1, 64], p_bias outside (0, 1),
        an unknown ``visible``, a bad ``S0``, or a matrix larger than ``max_bytes``
        (the message gives its shape and size).

    References
    ----------
    docs/problem.rst, sections "Many samples: the channel on types" and "The merge lemma" (T. Kwa);
    T. M. Cover and J. A. Thomas,
    *Elements of Information Theory*, 2nd ed., Sec. 11.1 (the method of types).

    Examples
    --------
    >>> ch = channel_matrix(2, 1, 2)
    >>> ch.shape, bool(abs(ch.W.sum(axis=1) - 1).max() < 1e-12)
    ((15, 36), True)
    >>> ch.types[0].tolist()           # both samples in cell 0 ((0,), a=0) with y = 0
    [[2, 0], [0, 0], [0, 0], [0, 0]]
    """
    n, s, m, visible, S0, p_bias = _check_args(n, s, m, visible, S0, p_bias)
    cells = _cells(n, s, S0, p_bias)
    K = len(cells.cells)
    T = math.comb(2 * K + m - 1, m)
    cls = _classes(n, s, visible, S0, p_bias)
    R = cls.n_classes
    # W, one gathered block of factors, the type list with its multinomial coefficients and the
    # (T, m) temporaries that build it (float64 run lengths, int64 indices), the uint8 counts, and
    # the symbol probabilities r (R, 2K) and the returned copies of q and of the representatives
    nbytes = (8 * R * T + 8 * min(R * T, max(_TYPE_BLOCK_ELEMS, R)) + (6 * K + 32 * m + 16) * T
              + R * (24 * K + (1 << n)))
    check_size(nbytes, max_bytes, f"channel_matrix(n={n}, s={s}, m={m}) of shape ({R}, {T}) "
                                  f"({format_bytes(8 * R * T)} float64)")
    sym, coef = _types(2 * K, m)
    W = _type_probs(_symbol_probs(cls.q, cls.q0, cells.pi), sym, coef)
    counts = np.zeros((T, 2 * K), dtype=np.uint8)
    rows = np.repeat(np.arange(T), m)
    np.add.at(counts, (rows, sym.reshape(-1).astype(np.int64)), 1)
    types = np.stack([counts[:, 0::2] + counts[:, 1::2], counts[:, 1::2]], axis=2)
    return InsensitiveChannel(W=W, types=types, cells=cells.cells, pi=np.array(cells.pi), q=np.array(cls.q),
                              representatives=None if cls.representatives is None else np.array(cls.representatives),
                              sizes=None if cls.sizes is None else np.array(cls.sizes),
                              names=cls.names, n=n, s=s, m=m, visible=visible, S0=S0, p_bias=p_bias)
