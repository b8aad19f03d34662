"""Equivalence classes of the insensitive-function channel and their counts.

Bob sees ``(S, x_S, f(x))``. One sample's law depends on ``f`` only through the cell
probabilities ``q_c(f) = P(f(X) = 1 | X_S = a)``, and

    E[g(X) | X_S = a] = sum_{T subset of S} g^(T) chi_T(a),      g = (-1)^f,

so (S ranging over all s-subsets) two functions are indistinguishable iff they share
every Fourier coefficient of degree <= s; with a fixed visible set ``S0`` iff they
share every coefficient on the subsets of ``S0``. We work with the exact integer
spectrum ``G(T) = 2**n g^(T) = sum_x g(x) chi_T(x)`` (no floating point).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from boolean._lib.validate import check_choice, check_domain, check_int, check_real, n_from_length, numpy_table, shape_of
from boolean._lib.memory import check_size, format_bytes

#: Largest n for which all 2**(2**n) functions are enumerated.
MAX_ENUM_N = 4

VISIBLE = ("random", "fixed")


# ----------------------------------------------------------------------------- validation

def check_visible(visible):
    return check_choice(visible, "visible", VISIBLE)


def check_S0(S0, n, s, visible):
    """Return the fixed visible set as a sorted tuple (or None for visible='random')."""
    if visible == "random":
        if S0 is not None:
            raise ValueError(f"`S0` is only accepted with visible='fixed'; got S0={S0!r} with visible='random'")
        return None
    if S0 is None:
        return tuple(range(s))
    try:
        items = [check_int(i, "S0 element", low=0, high=n - 1) for i in S0]
    except TypeError as exc:
        if "S0 element" in str(exc):
            raise
        raise TypeError(f"`S0` must be an iterable of distinct integers in [0, {n - 1}]; got {S0!r}") from exc
    if len(set(items)) != len(items):
        raise ValueError(f"`S0` must hold distinct coordinates; got {S0!r}")
    if len(items) != s:
        raise ValueError(f"`S0` must have exactly s = {s} elements; got {len(items)} in {S0!r}")
    return tuple(sorted(items))


# ----------------------------------------------------------------------------- exact spectra

def low_degree_subsets(n: int, s: int, *, visible: str = "random", S0=None) -> np.ndarray:
    r"""Bitmasks ``T`` of the Fourier coefficients Bob can learn, ordered by ``(|T|, T)``:
    :math:`\{T : |T| \le s\}`, or :math:`\{T : T \subseteq S_0\}` with a fixed visible set.

    ``visible="random"``: every ``T`` with ``|T| <= s``; ``visible="fixed"``: every
    ``T`` contained in ``S0`` (default ``S0 = {0, ..., s-1}``).

    Parameters
    ----------
    n : int
        Number of input bits, ``n >= 1``.
    s : int
        Number of visible bits, ``0 <= s <= n``.
    visible : {"random", "fixed"}
        Whether Bob sees a uniformly random s-subset each sample, or always ``S0``.
    S0 : iterable of int, optional
        The fixed visible set (only with ``visible="fixed"``).

    Returns
    -------
    ndarray of int64
        The bitmasks ``T = sum_{i in T} 2**i``.

    Raises
    ------
    TypeError, ValueError
        For non-integer or out-of-range ``n``/``s``, an unknown ``visible``, or a bad ``S0``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Prop. 3.21 (restrictions
    and Fourier coefficients).

    Examples
    --------
    >>> low_degree_subsets(3, 1).tolist()
    [0, 1, 2, 4]
    >>> low_degree_subsets(3, 2, visible="fixed", S0=[0, 2]).tolist()
    [0, 1, 4, 5]
    """
    n = check_int(n, "n", low=1, high=30)
    s = check_int(s, "s", low=0, high=n)
    visible = check_visible(visible)
    S0 = check_S0(S0, n, s, visible)
    return _low_degree_subsets(n, s, S0)


def _low_degree_subsets(n, s, S0):
    pool = tuple(range(n)) if S0 is None else S0
    masks = [sum(1 << i for i in T) for d in range(s + 1) for T in combinations(pool, d)]
    return np.array(sorted(masks, key=lambda T: (bin(T).count("1"), T)), dtype=np.int64)


def all_truth_tables(n: int) -> np.ndarray:
    """uint8 (2**(2**n), 2**n): row F holds f(x) = bit x of F."""
    N = 1 << n
    F = np.arange(1 << N, dtype=np.uint32)
    return ((F[:, None] >> np.arange(N, dtype=np.uint32)[None, :]) & 1).astype(np.uint8)


def integer_spectra(tables: np.ndarray) -> np.ndarray:
    """Exact G[b, T] = sum_x (-1)^{f_b(x)} chi_T(x) for uint8 tables (B, 2**n); int64.

    Delegates to :func:`boolean.fourier_coefficients` with ``exact=True`` (integer FWHT).
    """
    from boolean import fourier_coefficients

    return np.asarray(fourier_coefficients(tables, exact=True), dtype=np.int64)


# ----------------------------------------------------------------------------- standard names

def standard_functions(n: int) -> dict:
    r"""Named standard functions of n bits as integer indices :math:`F = \sum_x f(x)\, 2^x`.

    Names: ``0``, ``1`` (constants), ``x{i}`` (dictator), ``~x{i}`` (anti-dictator),
    ``parity``, ``~parity``, ``AND``, ``OR``, ``NAND``, ``NOR``, and for odd n
    ``maj``, ``~maj`` (majority and its complement). Several names may share an index
    (for n = 1, ``x0 = parity = AND = OR = maj``).

    Parameters
    ----------
    n : int
        Number of bits, ``1 <= n <= 5`` (indices must fit 2**(2**n)).

    Returns
    -------
    dict
        ``name -> int`` in a fixed order (constants, dictators, anti-dictators, ...).

    Raises
    ------
    TypeError, ValueError
        For ``n`` not an integer in [1, 5].

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 1.2 (examples).

    Examples
    --------
    >>> d = standard_functions(2)
    >>> d["x0"], d["x1"], d["parity"], d["AND"], d["OR"]
    (10, 12, 6, 8, 14)
    """
    n = check_int(n, "n", low=1, high=5)
    N = 1 << n
    bits = (np.arange(N)[:, None] >> np.arange(n)[None, :]) & 1
    weight = bits.sum(axis=1)
    tables = {"0": np.zeros(N, int), "1": np.ones(N, int)}
    tables.update({f"x{i}": bits[:, i] for i in range(n)})
    tables.update({f"~x{i}": 1 - bits[:, i] for i in range(n)})
    tables["parity"] = weight % 2
    tables["~parity"] = 1 - weight % 2
    if n % 2 == 1:
        tables["maj"] = (2 * weight > n).astype(int)
        tables["~maj"] = (2 * weight < n).astype(int)
    tables["AND"] = (weight == n).astype(int)
    tables["OR"] = (weight > 0).astype(int)
    tables["NAND"] = 1 - tables["AND"]
    tables["NOR"] = 1 - tables["OR"]
    return {name: int(sum(int(v) << x for x, v in enumerate(t))) for name, t in tables.items()}


# ----------------------------------------------------------------------------- the partition

@dataclass(frozen=True)
class EquivalenceClasses:
    """The partition of all 2**(2**n) functions into classes Bob cannot tell apart.

    Attributes
    ----------
    n, s : int
        Input bits and visible bits.
    visible : str
        "random" (a uniform s-subset per sample) or "fixed" (always ``S0``).
    S0 : tuple or None
        The fixed visible set (None for "random").
    labels : ndarray uint32 (2**(2**n),)
        ``labels[F]`` = class of the function with index ``F = sum_x f(x) 2**x``.
        Classes are numbered by their smallest member (class 0 holds F = 0).
    sizes : ndarray int64 (K,)
        Number of functions in each class.
    representatives : ndarray uint8 (K, 2**n)
        One truth table per class: its smallest index (``rep_index``).
    rep_index : ndarray int64 (K,)
        Index F of each representative (the smallest in its class).
    subsets : ndarray int64 (L,)
        Bitmasks T of the coefficients that define the classes, ordered by ``(|T|, T)``.
    coefficients : ndarray int64 (K, L)
        Exact ``2**n g^(T)`` for T in ``subsets``, per class.
    names : tuple of str (K,)
        Standard functions in each class joined by " = " (see :func:`standard_functions`),
        or "" when the class holds none.

    Examples
    --------
    >>> ec = equivalence_classes(2, 1)   # 16 functions of 2 bits, one visible bit per sample
    >>> len(ec.sizes), int(ec.sizes.sum()), ec.names[:2]
    (15, 16, ('0', 'NOR'))
    """

    n: int
    s: int
    visible: str
    S0: tuple | None
    labels: np.ndarray = field(repr=False)
    sizes: np.ndarray = field(repr=False)
    representatives: np.ndarray = field(repr=False)
    rep_index: np.ndarray = field(repr=False)
    subsets: np.ndarray = field(repr=False)
    coefficients: np.ndarray = field(repr=False)
    names: tuple = field(repr=False)

    @property
    def n_classes(self) -> int:
        """Number of classes K."""
        return int(self.sizes.size)

    def members(self, k: int) -> np.ndarray:
        """Indices F of every function in class ``k`` (ascending)."""
        k = check_int(k, "k", low=0, high=self.n_classes - 1)
        return np.flatnonzero(self.labels == k)

    def q(self) -> np.ndarray:
        """Cell probabilities of the representatives: see :func:`cell_probabilities`."""
        return cell_probabilities(self.representatives, self.s, visible=self.visible, S0=self.S0)[0]


def equivalence_classes(n: int, s: int, *, visible: str = "random", S0=None,
                        max_bytes=None) -> EquivalenceClasses:
    r"""Partition all Boolean functions of n bits into classes Bob cannot tell apart.

    .. math::

       f \sim f' \iff G_f(T) = G_{f'}(T) \text{ for every } T \text{ with }
       \begin{cases} |T| \le s & (\texttt{visible="random"}), \\
       T \subseteq S_0 & (\texttt{visible="fixed"}), \end{cases}


    where ``G_f(T) = sum_x (-1)^{f(x)} chi_T(x) = 2**n g^(T)`` is the exact integer
    spectrum (all functions at once: ``boolean.fourier_coefficients(..., exact=True)``). Equivalently
    (tested by brute force) f ~ f' iff ``q_c(f) = q_c(f')`` for every cell
    ``c = (S, a)`` Bob can see.

    Parameters
    ----------
    n : int
        Number of input bits, ``1 <= n <= 4`` (n = 4: 65 536 functions).
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    visible : {"random", "fixed"}
        "random": S uniform over the s-subsets, each sample; "fixed": S = S0 always.
    S0 : iterable of int, optional
        The fixed visible set for visible="fixed" (default ``{0, ..., s-1}``).
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB).

    Returns
    -------
    EquivalenceClasses
        ``labels``, ``sizes``, ``representatives``, ``rep_index``, ``subsets``,
        ``coefficients``, ``names``, ``n_classes``.

    Raises
    ------
    TypeError
        For non-integer n or s.
    ValueError
        For n outside [1, 4] (use :func:`count_classes` for n = 5), s outside [0, n],
        an unknown ``visible``, a bad ``S0``, or a plan above ``max_bytes``.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Prop. 3.21;
    T. Kwa, merge lemma (docs/problem.rst, sections "Classes of indistinguishable functions" and
    "The merge lemma").

    Examples
    --------
    >>> ec = equivalence_classes(2, 1)
    >>> ec.n_classes, int(ec.sizes.max())
    (15, 2)
    >>> ec.names[ec.labels[6]]           # parity and anti-parity merge
    'parity = ~parity'
    >>> equivalence_classes(3, 1, visible="fixed").n_classes
    25
    """
    n = check_int(n, "n", low=1)
    if n > MAX_ENUM_N:
        raise ValueError(f"`n` must be <= {MAX_ENUM_N} to enumerate all 2**(2**n) functions; got n = {n}. "
                         "count_classes(n, s) counts some n = 5 cases exactly")
    s = check_int(s, "s", low=0, high=n)
    visible = check_visible(visible)
    S0 = check_S0(S0, n, s, visible)
    N = 1 << n
    n_fun = 1 << N
    # truth tables (uint8) + int64 spectra + int64 copy in the butterfly + low-degree block
    check_size(n_fun * N * (1 + 8 + 16 + 8), max_bytes, f"equivalence_classes(n={n}, s={s})")

    subsets = _low_degree_subsets(n, s, S0)
    tables = all_truth_tables(n)
    spectra = integer_spectra(tables)
    low = np.ascontiguousarray(spectra[:, subsets])  # never empty: subsets holds T = {} (the mean)
    labels, rep_index = label_by_first(low, axis=0)  # classes numbered by their smallest member
    labels, rep_index = labels.astype(np.uint32), rep_index.astype(np.int64)
    sizes = np.bincount(labels, minlength=rep_index.size).astype(np.int64)
    return EquivalenceClasses(n=n, s=s, visible=visible, S0=S0, labels=labels, sizes=sizes,
                              representatives=tables[rep_index], rep_index=rep_index, subsets=subsets,
                              coefficients=low[rep_index].astype(np.int64), names=class_names(n, labels, len(sizes)))


def label_by_first(values, axis=None):
    """Group equal values (rows with ``axis=0``), groups numbered by their first occurrence.

    Returns ``(labels, first)``: ``labels[i]`` = group of item i (int64), ``first[k]`` =
    index of the first (smallest) item of group k, increasing.
    """
    _, first, inverse = np.unique(values, axis=axis, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse.reshape(-1)], first[order]


def class_names(n, labels, K):
    """Standard functions of each of the K classes joined by " = " ("" when none)."""
    per_class = [[] for _ in range(K)]
    for name, F in standard_functions(n).items():
        per_class[int(labels[F])].append(name)
    return tuple(" = ".join(p) for p in per_class)


# ----------------------------------------------------------------------------- cell probabilities

def cell_probabilities(functions, s: int, *, visible: str = "random", S0=None, domain: str = "01", max_bytes=None):
    r"""Exact cell probabilities :math:`q_c(f) = P(f(X) = 1 \mid X_S = a)` for every cell.

    Cells ``c = (S, a)`` are ordered by S (s-subsets in lexicographic order, or just S0)
    and then by ``a = sum_j x_{S[j]} 2**j``. Computed by counting ones in each subcube.

    Parameters
    ----------
    functions : array-like (2**n,) or (B, 2**n)
        Truth tables in the declared ``domain``.
    s : int
        Visible bits, ``0 <= s <= n``.
    visible : {"random", "fixed"}
    S0 : iterable of int, optional
        Fixed visible set (visible="fixed" only; default ``{0..s-1}``).
    domain : {"01", "pm1"}
        "01" (default): 0/1 integers or bools, the values of f. "pm1": ±1 integers or floats,
        the values of (-1)^f. Never guessed from the values.
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB), checked from the shape before the
        tables are copied or converted.

    Returns
    -------
    q : ndarray float64 (B, n_cells)
        Cell probabilities (a 1-D input gives B = 1).
    cells : list of (tuple, int)
        ``(S, a)`` for each column.

    Raises
    ------
    TypeError, ValueError
        For a bad table or values outside the declared ``domain``, an unknown ``domain``, s
        outside [0, n], an unknown ``visible``, a bad ``S0``, or a plan above ``max_bytes``.

    References
    ----------
    docs/problem.rst, section "Cells and the one-sample law".

    Examples
    --------
    >>> q, cells = cell_probabilities([0, 0, 0, 1], 1)    # AND of 2 bits
    >>> q.tolist(), cells
    ([[0.0, 0.5, 0.0, 0.5]], [((0,), 0), ((0,), 1), ((1,), 0), ((1,), 1)])
    """
    check_domain(domain)
    shape = shape_of(functions)
    if len(shape) in (1, 2) and 0 not in shape:  # plan from the shape: a broadcast view is not copied first
        _cell_plan(shape[0] if len(shape) == 2 else 1, n_from_length(shape[-1], "functions"), s, visible, S0,
                   max_bytes)
    tables, n = numpy_table(functions, "functions", domain=domain)
    tables = np.atleast_2d(tables)
    s, subsets = _cell_plan(tables.shape[0], n, s, visible, S0, max_bytes)
    B, N = tables.shape
    xs = np.arange(N, dtype=np.int64)
    weights = tables.astype(np.float64).ravel()  # counts of ones are exact in float64
    offset = np.repeat(np.arange(B, dtype=np.int64) << s, N)
    out = np.empty((B, len(subsets) << s), dtype=np.float64)
    cells = []
    for j0, S in enumerate(subsets):
        a = np.zeros(N, dtype=np.int64)
        for j, i in enumerate(S):
            a |= ((xs >> i) & 1) << j
        # counts[b, a] = number of x with x_S = a and f_b(x) = 1
        counts = np.bincount(offset + np.tile(a, B), weights=weights, minlength=B << s)
        out[:, j0 << s:(j0 + 1) << s] = counts.reshape(B, 1 << s) / (N >> s)
        cells += [(S, av) for av in range(1 << s)]
    return out, cells


def _cell_plan(B, n, s, visible, S0, max_bytes):
    """Validate s, visible and S0 for B tables of n bits and refuse a :func:`cell_probabilities`
    plan above ``max_bytes``: the uint8 tables, the float64 weights, the int64 offsets and cell
    indices and their sum (33 bytes an entry), the index scratch of one table, the result and the
    list of cell labels. Returns (s, subsets)."""
    s = check_int(s, "s", low=0, high=n)
    S0 = check_S0(S0, n, s, check_visible(visible))
    subsets = [S0] if S0 is not None else list(combinations(range(n), s))
    n_cells = len(subsets) << s
    check_size(8.0 * B * n_cells + 80.0 * n_cells + 33.0 * B * (1 << n) + 24.0 * (1 << n), max_bytes,
               f"cell_probabilities({B} functions, n={n}, s={s}, {n_cells} cells)")
    return s, subsets


# ----------------------------------------------------------------------------- counting

#: Largest n accepted by :func:`count_classes` (2**(2**24) is a 2 MiB integer).
MAX_COUNT_N = 24

#: Counts whose only exact method takes minutes, returned by ``method="auto"``: the value of
#: ``method="mitm"`` at (n, s) = (5, 2) (about 1.5e8 sums), recomputed by the slow test
#: ``test_n5_s2_by_mitm``, which also checks it between the s = 1 (DP) and s = 3 (affine) counts.
STORED_COUNTS = {(5, 2): 2_245_133_083}
#: Where each stored count comes from (the ``provenance`` of the :class:`ClassCount` returned).
STORED_PROVENANCE = {(5, 2): "stored: the count of method='mitm', recomputed by the slow test "
                             "tests/capacity/insensitive/test_classes.py::test_n5_s2_by_mitm"}
#: Pairs summed per second by the meet-in-the-middle method, for its estimate (a low rate: on a
#: loaded 2-core machine (5, 1) ran at about 7e6 and (5, 3) at about 1e6 pairs per second).
MITM_SUMS_PER_SECOND = 1.0e6


class ClassCount(int):
    r"""An exact class count (an ``int``) that says where it comes from.

    It behaves as the integer :math:`\#\{[f]\}` everywhere (arithmetic, comparison, hashing,
    ``repr``); two attributes record its origin.

    Attributes
    ----------
    method : str
        The method that produced it ("closed", "dp", "affine", "mitm", "partition"), or
        "stored" for a count read from ``STORED_COUNTS``.
    provenance : str
        "computed by method '...'", or for a stored count the method that computed it and the
        slow test that recomputes it.

    Examples
    --------
    >>> c = ClassCount(15, "partition", "computed by method 'partition'")
    >>> c == 15, c + 1, c.method
    (True, 16, 'partition')
    """

    def __new__(cls, value, method="", provenance=""):
        self = super().__new__(cls, value)
        self.method = method
        self.provenance = provenance
        return self


def count_classes(n: int, s: int, *, visible: str = "random", method: str = "auto", max_bytes=None,
                  max_seconds=None) -> ClassCount:
    r"""Exact number of equivalence classes, without enumerating 2**(2**n) functions when possible.

    Closed forms: :math:`2^n + 1` classes for :math:`s = 0`, and :math:`(2^{n-s} + 1)^{2^s}` with a
    fixed visible set.

    Methods (``method="auto"`` tries closed, partition for n <= 4, dp, affine, the stored
    meet-in-the-middle count of (5, 2), then mitm):

    * ``"closed"``: visible="fixed": ``(2**(n-s) + 1)**(2**s)`` (each of the 2**s cells
      of S0 independently holds 0..2**(n-s) ones); visible="random":
      s = 0: ``2**n + 1`` (the Hamming weight); s = n: ``2**(2**n)``;
      s = n - 1: ``2**(2**n) - 1``, because two ±1 functions agreeing below the top level
      differ by ``c chi_[n]``, and ``|g - g'|`` in {0, 2} forces ``c = ±2``, ``g' = -g = ∓chi_[n]``:
      only parity and anti-parity merge.
    * ``"dp"`` (visible="random", s = 1): the class of f is the vector
      ``(|A|, sum_{x in A} x_i for i < n)`` with ``A = f^{-1}(1)``; a boolean array over
      the box [0, 2**n] x [0, 2**(n-1)]**n is grown one point x at a time (0/1 knapsack,
      ``R |= shift(R, (1, x))``) and its ones are counted. Feasible for n <= 5.
    * ``"affine"`` (visible="random", s = n - 2): with ``h = g chi_[n]`` (a bijection), f ~ f'
      iff ``h - h'`` is affine in ``y = (-1)^x`` (the coefficients of degree >= n - 1 of g are
      those of degree <= 1 of h). An affine ``l = (h - h')/2`` with values in {-1, 0, 1} has at
      most two non-zero slopes, so ``l`` is one of: ``±1``, ``±y_i``, ``±(1 ± y_i)/2``,
      ``±(y_i ± y_j)/2`` (2 + 6n + 4 C(n, 2) "events"). The class of h has size
      ``1 + N(h)``, N(h) = number of events ``l`` with ``h = l`` on ``supp l``; so
      ``#classes = sum_h 1/(1 + N(h)) = 2**(2**n) - sum_{(h, l): l holds} 1/(1 + N(h))``,
      and only the ``2**(2**(n-1))`` functions per half-support event are enumerated.
      Feasible for n <= 5.
    * ``"mitm"`` (visible="random", 1 <= s <= n - 1, n <= 5): meet in the middle. Split the
      cube by the last bit, ``A = A0 + A1``. With ``v(A) = (sum_{x in A} prod_{i in T} x_i)_{|T| <= s}``
      (an invertible image of the degree <= s spectrum) on the (n-1)-cube,
      ``v_n(A) = (v(A0) + v(A1), low(v(A1)))`` where ``low`` keeps ``|T| <= s - 1``. With R the
      set of all v on the (n-1)-cube (enumerated) and ``G_p = {v in R : low(v) = p}``,
      ``#classes = sum_p |R + G_p|``. The hyperoctahedral group of the (n-1)-cube acts
      linearly on v, fixes R and permutes the G_p, so only one p per orbit is summed (times
      the orbit size). (5, 2): about 1.5e8 sums (minutes), so ``method="auto"`` returns the
      stored result of this method there (``STORED_COUNTS``; its ``provenance`` says so and names
      the slow test that recomputes it); ``method="mitm"`` recomputes it. The number of sums is
      known before they start: with ``max_seconds`` the method refuses an estimate
      (sums / ``MITM_SUMS_PER_SECOND``) above it.
    * ``"partition"``: n <= 4, the size of :func:`equivalence_classes`.

    Parameters
    ----------
    n : int
        Number of input bits, ``n >= 1``.
    s : int
        Visible bits, ``0 <= s <= n``.
    visible : {"random", "fixed"}
    method : {"auto", "closed", "dp", "affine", "mitm", "partition"}
    max_bytes : int, optional
        Refuse a DP, enumeration or partition above this many bytes (default 8 GiB).
    max_seconds : float, optional
        Refuse, before summing, a meet-in-the-middle count estimated above this many seconds
        (default None: no limit). Other methods take seconds at most.

    Returns
    -------
    ClassCount
        The exact number of classes (an int subclass; may exceed 2**63), with ``method`` and
        ``provenance`` (computed now, or stored and by which test it is recomputed).

    Raises
    ------
    TypeError
        For non-integer n or s.
    ValueError
        For n outside [1, MAX_COUNT_N = 24] (a count of 2**(2**n) would not fit in memory
        beyond), s outside [0, n], an unknown ``visible``/``method``, a method that does not
        apply, a plan above ``max_bytes``, a meet-in-the-middle estimate above ``max_seconds``,
        or an (n, s) no exact method covers (n >= 6 with 1 <= s <= n - 2): the message names it.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Ch. 1 (Fourier expansion).

    Examples
    --------
    >>> count_classes(2, 1), count_classes(3, 1), count_classes(3, 1, visible="fixed")
    (15, 153, 25)
    >>> count_classes(5, 0), count_classes(5, 4)
    (33, 4294967295)
    >>> count_classes(4, 2, method="affine")
    61419
    >>> count_classes(5, 2).method
    'stored'
    """
    # The closed forms return 2**(2**n)-sized integers: n <= MAX_COUNT_N keeps them at 2 MiB.
    n = check_int(n, "n", low=1, high=MAX_COUNT_N)
    s = check_int(s, "s", low=0, high=n)
    visible = check_visible(visible)
    check_choice(method, "method", ("auto", "closed", "dp", "affine", "mitm", "partition"))
    if max_seconds is not None:
        max_seconds = check_real(max_seconds, "max_seconds", low=0.0, low_open=True)
    value, method = _count(n, s, visible, method, max_bytes, max_seconds)
    if method == "stored":
        return ClassCount(value, method, STORED_PROVENANCE[(n, s)])
    return ClassCount(value, method, f"computed by method {method!r}")


def _count(n, s, visible, method, max_bytes, max_seconds):
    """``(count, method used)`` for validated arguments (see :func:`count_classes`)."""
    rnd = visible == "random"
    # method -> (whether it applies, what it needs, the count); "auto" takes the first that applies
    # (all but "closed" up to n = 5), the stored count before "mitm"
    methods = {
        "closed": (visible == "fixed" or s == 0 or s >= n - 1, "visible='fixed' or s in {0, n-1, n}",
                   lambda: _count_closed(n, s, visible)),
        "partition": (n <= MAX_ENUM_N, f"n <= {MAX_ENUM_N}",
                      lambda: equivalence_classes(n, s, visible=visible, max_bytes=max_bytes).n_classes),
        "dp": (rnd and s == 1, "visible='random' and s = 1", lambda: _count_dp_s1(n, max_bytes)),
        "affine": (rnd and n >= 2 and s == n - 2, "visible='random' and s = n - 2",
                   lambda: _count_affine(n, max_bytes)),
        "mitm": (rnd and 1 <= s <= n - 1, "visible='random' and 1 <= s <= n - 1",
                 lambda: _count_mitm(n, s, max_bytes, max_seconds)),
    }
    if method == "auto":
        fits = [m for m, (ok, _, _) in methods.items() if ok and (m == "closed" or n <= 5)]
        if fits[:1] in ([], ["mitm"]) and rnd and (n, s) in STORED_COUNTS:
            return STORED_COUNTS[(n, s)], "stored"
        if not fits:
            raise ValueError(f"count_classes cannot count (n, s) = ({n}, {s}) with visible={visible!r} exactly: "
                             "no closed form (s = 0, n-1, n or a fixed S0), no enumeration (n > "
                             f"{MAX_ENUM_N}), and the s = 1 reachability DP, the s = n-2 affine method and the "
                             "meet-in-the-middle method stop at n = 5")
        method = fits[0]
    ok, needs, run = methods[method]
    if not ok:
        raise ValueError(f"`method`={method!r} needs {needs}; got (n, s) = ({n}, {s}), visible={visible!r}")
    return run(), method


def _count_closed(n, s, visible):
    if visible == "fixed":
        return (2 ** (n - s) + 1) ** (2 ** s)
    if s == n:
        return 2 ** (2 ** n)
    if s == n - 1:
        return 2 ** (2 ** n) - 1
    return 2 ** n + 1  # s == 0 (n >= 2 here; n = 1 has s = n - 1 = 0, same value 3)


def _count_dp_s1(n, max_bytes):
    N = 1 << n
    shape = (N + 1,) + (N // 2 + 1,) * n
    nbytes = math.prod(shape)
    check_size(nbytes, max_bytes, f"count_classes(n={n}, s=1) reachability DP (bool array {shape}, "
                                  f"{format_bytes(nbytes)})")
    return int(np.count_nonzero(reachable_s1(n)))


def reachable_s1(n):
    """Boolean box R[w, c_0, ..., c_{n-1}]: True iff some f has w = |f^-1(1)| and
    c_i = #{x in f^-1(1): x_i = 1} (the s = 1 class vector); inputs trusted, size checked
    by the caller."""
    N = 1 << n
    R = np.zeros((N + 1,) + (N // 2 + 1,) * n, dtype=np.bool_)
    R[(0,) * (n + 1)] = True
    seen = [0] * n                      # points before x with bit i set: the box reached so far
    for x in range(N):
        # A point x may join A: (w, c) -> (w + 1, c + x). Overlapping in-place OR is
        # buffered by numpy, so each point is used at most once (0/1 knapsack). Only the box
        # reached by the points before x (w <= x, c_i <= seen_i) can hold a True.
        dst = [slice(1, x + 2)]
        src = [slice(0, x + 1)]
        for i in range(n):
            b = (x >> i) & 1
            dst.append(slice(b, seen[i] + 1 + b))
            src.append(slice(0, seen[i] + 1))
            seen[i] += b
        R[tuple(dst)] |= R[tuple(src)]
    return R


def _affine_events(n):
    """(support mask, value mask) of every non-zero affine l in {-1, 0, 1}: h(x) = l(x) on supp l.

    Masks are Python ints over x in [0, 2**n); the value mask marks l(x) = -1.
    """
    N = 1 << n
    xs = np.arange(N)
    y = 1 - 2 * ((xs[:, None] >> np.arange(n)[None, :]) & 1)
    ells = []
    for e in (1, -1):
        ells.append(np.full(N, e))
        for i in range(n):
            ells.append(e * y[:, i])
            for d in (1, -1):
                ells.append(e * (1 + d * y[:, i]) // 2)
        for i, j in combinations(range(n), 2):
            for d in (1, -1):
                ells.append(e * (y[:, i] + d * y[:, j]) // 2)
    weights = [1 << int(x) for x in xs]
    return [(sum(w for w, v in zip(weights, ell) if v != 0), sum(w for w, v in zip(weights, ell) if v == -1))
            for ell in ells]


def _count_affine(n, max_bytes):
    from fractions import Fraction

    N = 1 << n
    if N > 32:
        raise ValueError(f"`method`='affine' enumerates 2**(2**(n-1)) functions per event; n = {n} would need "
                         f"2**{N // 2} per event: n must be <= 5")
    events = _affine_events(n)
    check_size(8.0 * 3 * (1 << (N // 2)), max_bytes, f"count_classes(n={n}, s={n - 2}) affine enumeration")
    masks = [(np.uint64(M), np.uint64(V)) for M, V in events]
    hist = {}
    for M, V in events:
        free = [x for x in range(N) if not (M >> x) & 1]
        t = np.arange(1 << len(free), dtype=np.uint64)
        H = np.full(t.size, V, dtype=np.uint64)
        for j, x in enumerate(free):
            H |= ((t >> np.uint64(j)) & np.uint64(1)) << np.uint64(x)
        holds = np.zeros(H.size, dtype=np.int64)  # N(h) for every h satisfying this event
        for m, v in masks:
            holds += (H & m) == v
        for k, c in zip(*np.unique(holds, return_counts=True)):
            hist[int(k)] = hist.get(int(k), 0) + int(c)
    total = Fraction(2 ** N) - sum(Fraction(c, k + 1) for k, c in hist.items())
    if total.denominator != 1:  # pragma: no cover - the classes partition the functions
        raise AssertionError(f"non-integer class count {total}")
    return int(total)


def _count_mitm(n, s, max_bytes, max_seconds=None):
    from itertools import permutations

    m = n - 1
    if m > MAX_ENUM_N:
        raise ValueError(f"`method`='mitm' enumerates all functions of n - 1 bits: n must be <= {MAX_ENUM_N + 1}; "
                         f"got n = {n}")
    P = 1 << m
    xs = np.arange(P, dtype=np.int64)
    bits = (xs[:, None] >> np.arange(m)[None, :]) & 1
    Ts = [T for d in range(s + 1) for T in combinations(range(m), d)]
    n_low = sum(1 for T in Ts if len(T) < s)
    phi = np.stack([bits[:, list(T)].prod(axis=1) for T in Ts], axis=1).astype(np.int64)  # (P, L)
    n_sub = 1 << P
    check_size(n_sub * (P + 2 * len(Ts)) * 8.0, max_bytes, f"count_classes(n={n}, s={s}) meet-in-the-middle "
                                                             f"enumeration of 2**{P} subsets")
    tables = ((np.arange(n_sub, dtype=np.int64)[:, None] >> xs[None, :]) & 1)
    R = np.unique(tables @ phi, axis=0)
    del tables
    low, group = np.unique(R[:, :n_low], axis=0, return_inverse=True)
    group = group.reshape(-1)
    # The hyperoctahedral group acts on points; on v it acts linearly: phi(g x) = phi(x) M_g.
    phi_f = phi.astype(np.float64)
    low_radix = np.cumprod(np.concatenate([[1], R[:, :n_low].max(axis=0)[:-1] + 1])).astype(np.int64)
    canon = None
    for perm in permutations(range(m)):
        moved = np.zeros(P, dtype=np.int64)
        for i, pi in enumerate(perm):
            moved |= ((xs >> i) & 1) << pi
        for flip in range(P):
            gx = moved ^ flip
            M = np.rint(np.linalg.lstsq(phi_f, phi_f[gx], rcond=None)[0]).astype(np.int64)
            if not np.array_equal(phi @ M, phi[gx]):  # pragma: no cover - monomials span is invariant
                raise AssertionError("symmetry is not linear on the monomial counts")
            key = (low @ M[:n_low, :n_low]) @ low_radix
            canon = key if canon is None else np.minimum(canon, key)
    _, rep, mult = np.unique(canon, return_index=True, return_counts=True)
    top = 2 * R.max(axis=0) + 1
    if float(np.prod(top.astype(np.float64))) >= 2.0 ** 62:  # pragma: no cover - n <= 5 fits
        raise AssertionError("sum keys overflow int64")
    radix = np.cumprod(np.concatenate([[1], top[:-1]])).astype(np.int64)
    keys = R @ radix
    sizes = np.bincount(group)
    check_size(16.0 * len(R) * int(sizes.max()), max_bytes, f"count_classes(n={n}, s={s}) meet-in-the-middle sums")
    n_sums = len(R) * int(sizes[rep].sum())
    seconds = n_sums / MITM_SUMS_PER_SECOND
    if max_seconds is not None and seconds > max_seconds:
        raise ValueError(f"`max_seconds` must cover the estimate: count_classes(n={n}, s={s}, method='mitm') sums "
                         f"{n_sums:.3g} pairs, estimated at {seconds:.3g} s > max_seconds={max_seconds:g}; raise "
                         "max_seconds (None: no limit)")
    total = 0
    for r, mu in zip(rep.tolist(), mult.tolist()):
        other = keys[group == r]  # r indexes the distinct low parts p
        total += mu * int(np.unique((keys[:, None] + other[None, :]).ravel()).size)
    return int(total)


