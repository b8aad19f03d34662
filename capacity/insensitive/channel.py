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

import math
from dataclasses import dataclass, field

import numpy as np

from boolean._lib.memory import check_size, format_bytes

from .model import (TYPE_BLOCK_ELEMS, channel_cells, channel_classes, check_channel_args, symbol_probabilities,
                    table_rounding, type_list, type_probabilities, vector_classes)

__all__ = ["ChannelShape", "InsensitiveChannel", "channel_shape", "channel_matrix"]


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
    n, s, m, visible, S0, p_bias :
        As :func:`channel_matrix`.

    Returns
    -------
    ChannelShape
        ``n_classes``, ``n_types``, ``n_cells``, ``nbytes`` and ``shape``.

    Raises
    ------
    TypeError, ValueError
        For the arguments :func:`channel_matrix` refuses (its ``max_bytes`` check aside: nothing is
        allocated here).

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
    n, s, m, visible, S0, p_bias = check_channel_args(n, s, m, visible, S0, p_bias)
    K = len(channel_cells(n, s, S0, p_bias).cells)
    R = channel_classes(n, s, visible, S0, p_bias).n_classes
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
    n, s, m, visible, S0, p_bias = check_channel_args(n, s, m, visible, S0, p_bias)
    cells = channel_cells(n, s, S0, p_bias)
    K = len(cells.cells)
    T = math.comb(2 * K + m - 1, m)
    cls = channel_classes(n, s, visible, S0, p_bias)
    R = cls.n_classes
    # W, one gathered block of factors, the type list with its multinomial coefficients and the
    # (T, m) temporaries that build it (float64 run lengths, int64 indices), the uint8 counts, and
    # the symbol probabilities r (R, 2K) and the returned copies of q and of the representatives
    nbytes = (8 * R * T + 8 * min(R * T, max(TYPE_BLOCK_ELEMS, R)) + (6 * K + 32 * m + 16) * T
              + R * (24 * K + (1 << n)))
    check_size(nbytes, max_bytes, f"channel_matrix(n={n}, s={s}, m={m}) of shape ({R}, {T}) "
                                  f"({format_bytes(8 * R * T)} float64)")
    sym, coef = type_list(2 * K, m)
    W = type_probabilities(symbol_probabilities(cls.q, cls.q0, cells.pi), sym, coef)
    counts = np.zeros((T, 2 * K), dtype=np.uint8)
    rows = np.repeat(np.arange(T), m)
    np.add.at(counts, (rows, sym.reshape(-1).astype(np.int64)), 1)
    types = np.stack([counts[:, 0::2] + counts[:, 1::2], counts[:, 1::2]], axis=2)
    return InsensitiveChannel(W=W, types=types, cells=cells.cells, pi=np.array(cells.pi), q=np.array(cls.q),
                              representatives=None if cls.representatives is None else np.array(cls.representatives),
                              sizes=None if cls.sizes is None else np.array(cls.sizes),
                              names=cls.names, n=n, s=s, m=m, visible=visible, S0=S0, p_bias=p_bias)


def channel_rounding(ch):
    r"""A bound on the relative error of every entry of ``ch.W`` (an :class:`InsensitiveChannel`)
    against the exact channel, for :func:`capacity._rounding.outward_certificate`; None where
    :func:`capacity.insensitive.model.table_rounding` gives no bound on the table it is built from.

    Each symbol probability :math:`\pi_c q_c^y (1 - q_c)^{1-y}` is a product of two table
    entries, within :math:`\varepsilon_\pi + \varepsilon_q + u` of the exact one
    (:math:`u = 2^{-53}`; ``(eps_q, eps_pi)`` from ``table_rounding``, which also covers the
    functions a class stands for); an entry is its multinomial coefficient (within u) times m of
    them, one rounding each (:func:`capacity.insensitive.model.type_probabilities`):
    :math:`1.01\,(m (\varepsilon_\pi + \varepsilon_q + 2u) + u)`.
    """
    u = 2.0 ** -53
    bound = table_rounding(ch.n, ch.s, ch.visible, ch.S0, ch.p_bias)
    if bound is None:
        return None
    eps_q, eps_pi = bound
    return 1.01 * (ch.m * (eps_pi + eps_q + 2 * u) + u)
