"""Finite families of Boolean functions, with the cells Bob's samples can tell apart.

For a family ``F`` and ``s`` visible bits, one sample ``(S, X_S, f(X))`` reaches Bob with
likelihood ``pi_c q_c(f)^y (1 - q_c(f))^(1-y)``, ``c = (S, X_S)``. When every member of ``F``
has the same ``q`` on two cells, the cell label beyond the group is ancillary, so the cells
of one group may be merged (their probabilities add) without changing I(F; Y) for any law:

* symmetric functions ``f(x) = g(|x|)`` (and thresholds, intervals of ``|x|``): the
  ``C(n, s) 2**s`` cells collapse to the ``s + 1`` visible weights ``w``, with
  ``pi_w = C(s, w) / 2**s`` and ``q_w = sum_j C(n - s, j) g(w + j) / 2**(n - s)``;
* k-juntas of named coordinates ``J``: the cell ``(S, a)`` matters only through
  ``A = S ∩ J`` and ``a_A``: ``3**k`` reduced cells with ``pi = C(n-k, s-|A|) / C(n, s) / 2**|A|``;
* truth tables: the exact cells of :func:`cell_probabilities`, merged by equal columns.

See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import (as_array, as_float_array, check_choice, check_finite, check_flag, check_int,
                                   check_real, numpy_table, shape_of)

from .._rounding import U64

__all__ = ["FunctionFamily", "symmetric_family", "threshold_family", "junta_family", "table_family",
           "all_functions_family"]

#: Largest n for the family of all 2**(n+1) symmetric functions.
MAX_SYMMETRIC_N = 16
#: Largest n for threshold and interval families.
MAX_THRESHOLD_N = 1000
#: Largest n for k-juntas, and largest k.
MAX_JUNTA_N, MAX_JUNTA_K = 64, 4
#: Largest n for families given as truth tables.
MAX_TABLE_N = 20
#: The kinds of family and the largest n of each.
KIND_MAX_N = {"symmetric": MAX_SYMMETRIC_N, "interval": MAX_THRESHOLD_N, "junta": MAX_JUNTA_N, "tables": MAX_TABLE_N}


@dataclass(frozen=True, eq=False)
class FunctionFamily:
    r"""A finite family :math:`\mathcal F = \{f_1, \dots, f_B\}` of Boolean functions of n bits, in
    the form its cells need: :math:`q_{b,c} = P_x[f_b(x) = 1 \mid x \in c]` for each cell :math:`c`.

    Attributes
    ----------
    n : int
        Number of input bits.
    kind : str
        "symmetric" (``g`` per member), "interval" (``bounds``: :math:`f = [a \le |x| \le b]`),
        "junta" (``tables`` on the ``coords``), or "tables" (full truth tables).
    names : tuple of str
        One name per member.
    g : ndarray uint8 (M, n + 1) or None
        Values ``g(w)`` of symmetric members.
    bounds : ndarray int64 (M, 2) or None
        ``(a, b)`` of interval members (``a > b``: the constant 0).
    tables : ndarray uint8 (M, 2**k) or (M, 2**n) or None
        Truth tables of junta members (on their k coordinates) or of table members.
    coords : tuple of int or None
        The junta's coordinates.

    :func:`symmetric_family`, :func:`threshold_family`, :func:`junta_family`,
    :func:`table_family` and :func:`all_functions_family` build one; the constructor validates
    its input: the array of the ``kind`` is required, with one row per name, and is stored as a
    C-contiguous numpy array of its own (a copy when the input was already one);
    ``names`` and ``coords`` are stored as tuples.

    Two families are equal when every attribute is: the arrays by shape, dtype and values, the
    others by ``==``; so two families built from the same arguments are equal. The hash is that of
    ``(n, kind, names, coords)``, the attributes that cannot change in place, so equal families
    hash alike.

    Raises
    ------
    TypeError
        For a non-string name, non-integer n, coords, bounds or tables, or tables that are not
        0/1 integers or bools.
    ValueError
        For an unknown ``kind``; n out of the kind's range (symmetric <= 16, interval <= 1000,
        junta <= 64, tables <= 20); a missing array, or one of the wrong shape; values outside
        {0, 1}; bounds outside [0, n]; 1 to min(4, n) distinct coords in [0, n - 1] not given;
        no member.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 5.3 (symmetric functions) and
    Def. 2.19 (juntas).

    Examples
    --------
    >>> fam = threshold_family(3)
    >>> fam.size, fam.names[:3]
    (8, ('1', '|x|>=1 = OR', '|x|>=2 = maj'))
    """

    n: int
    kind: str
    names: tuple
    g: np.ndarray | None = field(default=None, repr=False)
    bounds: np.ndarray | None = field(default=None, repr=False)
    tables: np.ndarray | None = field(default=None, repr=False)
    coords: tuple | None = None

    #: numpy defers to ``__eq__``, so comparing a family with an array is False, not an array.
    __array_ufunc__ = None

    def __post_init__(self):
        kind = check_choice(self.kind, "kind", tuple(KIND_MAX_N))
        n = check_int(self.n, "n", low=1, high=KIND_MAX_N[kind])
        field_name = {"symmetric": "g", "interval": "bounds"}.get(kind, "tables")
        data = getattr(self, field_name)
        if data is None:
            raise ValueError(f"`{field_name}` must be given for a family of kind {kind!r}; got None")
        coords = None
        if kind == "junta":
            coords = _check_coords(self.coords, n)
        width = {"symmetric": n + 1, "interval": 2, "junta": 1 << len(coords or ()), "tables": 1 << n}[kind]
        shape = shape_of(data)
        if len(shape) != 2 or shape[1] != width or shape[0] == 0:
            raise ValueError(f"`{field_name}` must have shape (M, {width}) with M >= 1 members for a family of kind "
                             f"{kind!r} and n = {n}; got shape {shape}")
        names = self.names
        if isinstance(names, (str, bytes)) or not hasattr(names, "__len__") or len(names) != shape[0]:
            raise ValueError(f"`names` must be a sequence of one name per member ({shape[0]}); got "
                             f"{type(names).__name__} of length {len(names) if hasattr(names, '__len__') else '?'}")
        names = tuple(names)
        bad = [x for x in names if not isinstance(x, str)]
        if bad:
            raise TypeError(f"`names` must hold strings; got {bad[0]!r}")
        if kind == "interval":
            arr = as_array(data, field_name, kinds="iu", requirement="an integer array")
            if arr.min() < 0 or arr.max() > n:
                raise ValueError(f"`bounds` must hold integers in [0, {n}]; got values in [{arr.min()}, {arr.max()}]")
            arr = np.ascontiguousarray(arr, dtype=np.int64)
        else:
            arr = as_array(data, field_name, kinds="biu", requirement="0/1 integers or bools", bytes_per_entry=1)
            if arr.dtype.kind != "b" and (arr.min() < 0 or arr.max() > 1):
                raise ValueError(f"`{field_name}` must hold values in {{0, 1}}; got values in "
                                 f"[{arr.min()}, {arr.max()}]")
            arr = np.ascontiguousarray(arr, dtype=np.uint8)
        if arr is data or not arr.flags.owndata:
            arr = arr.copy()  # a value: the caller's array (or tensor) may change after
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, field_name, arr)
        object.__setattr__(self, "coords", coords)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                        and a.dtype == b.dtype and np.array_equal(a, b)):
                    return False
            elif a != b:
                return False
        return True

    def __hash__(self):
        return hash((self.n, self.kind, self.names, self.coords))

    @property
    def size(self) -> int:
        """Number of members M."""
        return len(self.names)

    # ------------------------------------------------------------------ sensitivity measures
    def total_influence(self) -> np.ndarray:
        """Total influence ``I[f] = sum_i P(f(x) != f(x^i))`` of every member (float64, (M,))."""
        n = self.n
        if self.kind in ("symmetric", "interval"):
            # edges between weights k and k+1: C(n, k)(n - k); each counted from both ends
            edge = [2 * math.comb(n, k) * (n - k) for k in range(n)]
            den = 1 << n
            if self.kind == "symmetric":
                change = self.g[:, 1:] != self.g[:, :-1]
                return np.array([sum(e for e, c in zip(edge, row) if c) / den for row in change.tolist()],
                                dtype=np.float64)
            out = np.empty(self.size)
            for i, (a, b) in enumerate(self.bounds.tolist()):
                if a > b:
                    out[i] = 0.0
                    continue
                num = (edge[a - 1] if a >= 1 else 0) + (edge[b] if b < n else 0)
                out[i] = num / den
            return out
        from boolean import total_influence
        return np.asarray(total_influence(self.tables), dtype=np.float64).reshape(-1)

    def noise_stability(self, rho: float) -> np.ndarray:
        """``Stab_rho[f] = E[g(x) g(y)]``, ``g = (-1)^f``, y rho-correlated with x (float64, (M,)),
        for a real ``rho`` in [-1, 1] (else TypeError or ValueError)."""
        rho = check_real(rho, "rho", low=-1.0, high=1.0)
        if self.kind in ("symmetric", "interval"):
            G = 1.0 - 2.0 * self._weight_table()
            return _symmetric_stability(G, self.n, rho)
        from boolean import noise_stability
        return np.asarray(noise_stability(self.tables, rho), dtype=np.float64).reshape(-1)

    def _weight_table(self) -> np.ndarray:
        if self.kind == "symmetric":
            return self.g.astype(np.float64)
        w = np.arange(self.n + 1)
        a, b = self.bounds[:, :1], self.bounds[:, 1:]
        return ((w >= a) & (w <= b)).astype(np.float64)

    def is_constant_or_dictator(self) -> np.ndarray:
        """True for the constants and the (anti-)dictators ``x_i``, ``~x_i`` (bool, (M,))."""
        return np.array([_is_insensitive_name(nm, self.n) for nm in self.names])

    # ------------------------------------------------------------------ reduced cells
    def _check_s(self, s) -> int:
        return check_int(s, "s", low=0, high=self.n)

    def _n_cells(self, s: int) -> int:
        """Number L of reduced cells for s visible bits."""
        if self.kind in ("symmetric", "interval"):
            return s + 1
        if self.kind == "junta":
            return len(_junta_cells(self.n, s, len(self.coords)))
        return math.comb(self.n, s) << s

    def reduced_cells(self, s: int, max_bytes=None):
        """``(q, pi)``: q (M, L) P(f = 1 | reduced cell), pi (L,) the cells' probabilities.

        Cells on which every member has the same q are not merged here (see
        :func:`capacity.insensitive.family_capacity`). ``s`` must be an integer in [0, n] (else
        TypeError or ValueError); cells whose three float64 (M, L) arrays exceed ``max_bytes``
        (default 8 GiB) are refused before they are computed.
        """
        s = self._check_s(s)
        n = self.n
        n_cells = self._n_cells(s)
        check_size(8.0 * self.size * n_cells * 3, max_bytes,
                   f"cell probabilities of {self.size} members (n={n}, s={s}, {n_cells} cells)")
        if self.kind in ("symmetric", "interval"):
            return self._symmetric_q(s)[0], self._rounded_masses(s)
        if self.kind == "junta":
            return _junta_q(self.tables, n, s, len(self.coords)), self._rounded_masses(s)
        from .family import family_cell_probabilities
        q = family_cell_probabilities(self.tables, n, s, None)
        return q, np.full(n_cells, 1.0 / n_cells)

    def cell_rounding(self, s: int) -> tuple:
        """``(eps_q, eps_pi)``: bounds on the relative error of :meth:`reduced_cells`' q (and of
        :meth:`reduced_zeros`) and of its pi against the exact probabilities, for
        :mod:`capacity.insensitive.family_rounding`.

        q is exact (eps_q = 0) where it is a count over a power of two below 2**53: symmetric
        families (n <= 16), juntas (means of 0/1 entries), tables (exact integer spectra) and
        intervals with n - s <= 53; intervals beyond get q and q0 correctly rounded from exact
        counts (eps_q = u). Every pi is a correctly rounded quotient of integers (then scaled by
        a power of two), so eps_pi = u. ``s`` must be an integer in [0, n].
        """
        s = self._check_s(s)
        return (U64 if self.kind == "interval" and self.n - s > 53 else 0.0), U64

    def cell_masses(self, s: int) -> list:
        """The exact probabilities (:class:`fractions.Fraction`) of :meth:`reduced_cells`' cells,
        whose correctly rounded values are its ``pi``: ``C(s, w) / 2**s`` for the visible weight w
        (symmetric, interval), ``C(n - k, s - |A|) / (C(n, s) 2**|A|)`` for a junta's cell (A, a),
        ``1 / (C(n, s) 2**s)`` for tables. ``s`` must be an integer in [0, n]."""
        from fractions import Fraction

        s = self._check_s(s)
        if self.kind in ("symmetric", "interval"):
            return [Fraction(math.comb(s, w), 1 << s) for w in range(s + 1)]
        if self.kind == "junta":
            n, k = self.n, len(self.coords)
            return [Fraction(math.comb(n - k, s - bin(A).count("1")), math.comb(n, s) << bin(A).count("1"))
                    for A, _ in _junta_cells(n, s, k)]
        return [Fraction(1, self._n_cells(s))] * self._n_cells(s)

    def _rounded_masses(self, s):
        """:meth:`cell_masses`, each correctly rounded to float64 (the ``pi`` of :meth:`reduced_cells`)."""
        return np.array([float(x) for x in self.cell_masses(s)])

    def reduced_zeros(self, s: int, q: np.ndarray) -> np.ndarray:
        """``P(f = 0 | reduced cell)`` for the ``q`` of :meth:`reduced_cells`, correctly rounded.

        ``1 - q`` is exact when q has a power-of-two denominator of at most 2**53 (symmetric
        families, juntas, tables); intervals at n - s > 53 get the exact complement count, so
        that a member and its complement give bit-identical rows (symmetry folding needs that).
        ``s`` must be an integer in [0, n] and ``q`` a real (M, L) array of probabilities (else
        TypeError or ValueError).
        """
        s = self._check_s(s)
        shape = (self.size, self._n_cells(s))
        if shape_of(q) != shape:
            raise ValueError(f"`q` must have shape {shape} (members, reduced cells for s = {s}); got shape "
                             f"{shape_of(q)}")
        q = as_float_array(q, "q")
        check_finite(q, "q")
        if (q < 0).any() or (q > 1).any():
            raise ValueError(f"`q` must hold probabilities in [0, 1]; got values in [{q.min()}, {q.max()}]")
        if self.kind == "interval" and self.n - s > 53:
            return self._symmetric_q(s)[1]
        return 1.0 - q

    def cell_symmetries(self, s: int) -> list:
        """Candidate permutations ``tau`` of the reduced cells that preserve their probabilities
        and map the family onto itself, up to complementing outputs (each is verified on the
        reduced channel before use): the reflection ``w -> s - w`` (``x -> ~x``) for symmetric
        and interval families; the flip of each junta coordinate and the swap of neighbouring
        ones. Tables: none. ``s`` must be an integer in [0, n] (else TypeError or ValueError)."""
        s = self._check_s(s)
        if self.kind in ("symmetric", "interval"):
            return [np.arange(s, -1, -1, dtype=np.int64)] if s > 0 else []
        if self.kind != "junta":
            return []
        k = len(self.coords)
        cells = _junta_cells(self.n, s, k)
        index = {c: i for i, c in enumerate(cells)}
        perms = []
        for i in range(k):
            perms.append([index[(A, t ^ (A & (1 << i)))] for A, t in cells])
        for i in range(k - 1):
            def swap(v, i=i):
                a, b = (v >> i) & 1, (v >> (i + 1)) & 1
                return v & ~(3 << i) | (a << (i + 1)) | (b << i)
            perms.append([index[(swap(A), swap(t))] for A, t in cells])
        return [np.array(p, dtype=np.int64) for p in perms]

    def binned_cells(self, s: int, labels) -> tuple:
        """``(q, q0, pi)`` of the garbled channel in which Bob learns only the bin ``labels[c]`` of
        the reduced cell c (labels 0..B-1): ``pi_b = sum_{c in b} pi_c`` and
        ``q_b = sum_{c in b} pi_c q_c / pi_b``. Symmetric and interval families get exact integer
        sums (one correctly rounded division), so that mirror-image bins give bit-identical rows;
        other kinds are averaged in float64. ``s`` must be an integer in [0, n] and ``labels`` L
        integers that use every bin 0..B-1 (else TypeError or ValueError)."""
        s = self._check_s(s)
        L = self._n_cells(s)
        if shape_of(labels) != (L,):
            raise ValueError(f"`labels` must have shape ({L},) (one bin per reduced cell for s = {s}); got shape "
                             f"{shape_of(labels)}")
        labels = as_array(labels, "labels", kinds="iu", requirement="an integer array of bins").astype(np.int64)
        if labels.min() < 0:
            raise ValueError(f"`labels` must be bins 0..B-1; got {int(labels.min())}")
        used = np.bincount(labels)
        if not used.all():
            raise ValueError(f"`labels` must use every bin 0..{used.size - 1}; bin {int(np.argmin(used))} is empty")
        B = used.size
        if self.kind not in ("symmetric", "interval"):
            q, pi = self.reduced_cells(s)
            q0 = self.reduced_zeros(s, q)
            piB = np.bincount(labels, weights=pi, minlength=B)
            qB = np.stack([(q[:, labels == b] * pi[labels == b]).sum(axis=1) / piB[b] for b in range(B)], axis=1)
            q0B = np.stack([(q0[:, labels == b] * pi[labels == b]).sum(axis=1) / piB[b] for b in range(B)], axis=1)
            return qB, q0B, piB
        N = self.n - s
        den = 1 << N
        cw = [math.comb(s, w) for w in range(s + 1)]
        wden = [sum(cw[w] for w in range(s + 1) if labels[w] == b) for b in range(B)]
        nums = self._symmetric_counts(s)          # exact counts of ones, Python ints, (M, s + 1)
        qB = np.empty((self.size, B))
        q0B = np.empty((self.size, B))
        for i, row in enumerate(nums):
            acc = [0] * B
            for w, c in enumerate(row):
                acc[labels[w]] += cw[w] * c
            for b in range(B):
                qB[i, b] = acc[b] / (wden[b] * den)
                q0B[i, b] = (wden[b] * den - acc[b]) / (wden[b] * den)
        return qB, q0B, np.array([wden[b] / (1 << s) for b in range(B)])

    def _symmetric_counts(self, s):
        """Ones of each member in the subcube below each visible weight w (Python ints, (M, s+1))."""
        N = self.n - s
        if self.kind == "symmetric":
            binom = [math.comb(N, j) for j in range(N + 1)]
            return [[sum(binom[j] for j in range(N + 1) if row[w + j]) for w in range(s + 1)]
                    for row in self.g.tolist()]
        prefix = [0]
        for j in range(N + 1):
            prefix.append(prefix[-1] + math.comb(N, j))
        out = []
        for a, b in self.bounds.tolist():
            row = []
            for w in range(s + 1):
                lo, hi = max(a - w, 0), min(b - w, N)
                row.append(prefix[hi + 1] - prefix[lo] if a <= b and lo <= hi else 0)
            out.append(row)
        return out

    def _symmetric_q(self, s):
        """(q1, q0): P(f = 1 | w) and P(f = 0 | w), each correctly rounded from exact counts."""
        n = self.n
        N = n - s
        den = 1 << N
        if self.kind == "symmetric":
            binom = np.array([math.comb(N, j) for j in range(N + 1)], dtype=np.float64)
            # exact: integer sums below 2**53 for n <= 16 (C(16, 8) 17 < 2**53)
            num = np.stack([self.g[:, w:w + N + 1].astype(np.float64) @ binom for w in range(s + 1)], axis=1)
            return num / den, (den - num) / den
        prefix = [0]
        for j in range(N + 1):
            prefix.append(prefix[-1] + math.comb(N, j))  # prefix[j] = sum_{i < j} C(N, i)

        def P(j):
            return prefix[min(max(j, 0), N + 1)]

        cache = {}
        out = np.empty((2, self.size, s + 1))
        for i, (a, b) in enumerate(self.bounds.tolist()):
            for w in range(s + 1):
                key = (max(a - w, 0), min(b - w, N + 1)) if a <= b else (1, 0)
                if key not in cache:
                    lo, hi = key
                    num = P(hi + 1) - P(lo) if lo <= hi else 0
                    cache[key] = (num / den, (den - num) / den)   # Python integers: correctly rounded
                out[:, i, w] = cache[key]
        return out[0], out[1]


def _check_coords(coords, n):
    """A junta's coordinates: 1 to min(4, n) distinct integers in [0, n - 1], as a tuple."""
    if coords is None or isinstance(coords, (str, bytes)) or not hasattr(coords, "__len__"):
        raise TypeError(f"`coords` must be a sequence of distinct integers in [0, {n - 1}]; got {coords!r:.80}")
    if not 1 <= len(coords) <= min(MAX_JUNTA_K, n):
        raise ValueError(f"`coords` must hold 1 to {min(MAX_JUNTA_K, n)} coordinates; got {len(coords)}")
    out = tuple(check_int(c, "coords element", low=0, high=n - 1) for c in coords)
    if len(set(out)) != len(out):
        raise ValueError(f"`coords` must hold distinct coordinates; got {out}")
    return out


def _is_insensitive_name(name, n):
    parts = [p.strip() for p in name.split("=")]
    ok = {"0", "1"} | {f"x{i}" for i in range(n)} | {f"~x{i}" for i in range(n)}
    return any(p in ok for p in parts)


def _symmetric_stability(G, n, rho):
    """Stab_rho of symmetric ±1 functions G (M, n+1): sum_k P(|x|=k) G(k) sum_l T[k, l] G(l)."""
    from scipy.stats import binom

    d = (1.0 - rho) / 2.0
    T = np.zeros((n + 1, n + 1))
    for k in range(n + 1):
        down = binom.pmf(np.arange(k + 1), k, d)           # ones flipped to zero
        up = binom.pmf(np.arange(n - k + 1), n - k, d)     # zeros flipped to one
        # |y| = k - a + b: index shift by (k - a)
        T[k, :] = np.convolve(down[::-1], up)              # entry j <-> |y| = j
    px = binom.pmf(np.arange(n + 1), n, 0.5)
    return np.einsum("k,mk,kl,ml->m", px, G, T, G)


def _junta_cells(n, s, k):
    """The reduced cells ``(A, target)`` of k-juntas in order: A ⊆ J a bitmask, target the
    visible values placed on A's bits."""
    cells = []
    for A in range(1 << k):
        j = bin(A).count("1")
        if s - j < 0 or s - j > n - k:
            continue
        bits = [i for i in range(k) if (A >> i) & 1]
        for av in range(1 << j):
            target = 0
            for t, i in enumerate(bits):
                target |= ((av >> t) & 1) << i
            cells.append((A, target))
    return cells


def _junta_q(tables, n, s, k):
    """q (M, L) of k-juntas' reduced cells (A ⊆ J, a in {0,1}^|A|): means of 0/1 table entries."""
    z = np.arange(1 << k)
    return np.stack([tables[:, (z & A) == target].mean(axis=1) for A, target in _junta_cells(n, s, k)], axis=1)


# ----------------------------------------------------------------------------- constructors

def symmetric_family(n: int) -> FunctionFamily:
    r"""All ``2**(n+1)`` symmetric functions ``f(x) = g(|x|)`` of n bits.

    .. math::

        q_w(g) = 2^{-(n-s)} \sum_{j=0}^{n-s} \binom{n-s}{j} g(w + j),\qquad
        \pi_w = \binom{s}{w} 2^{-s},\quad w = 0, \dots, s.

    Parameters
    ----------
    n : int
        Number of bits, ``1 <= n <= 16``.

    Returns
    -------
    FunctionFamily
        kind "symmetric"; member ``i`` has ``g(w) = bit w of i``; names ``sym[g(0)...g(n)]``
        with the standard ones (``0``, ``1``, ``maj``, ``parity``, ``AND``, ``OR``, ...) added.

    Raises
    ------
    TypeError, ValueError
        For n not an integer in [1, 16].

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 5.3 (symmetric functions).

    Examples
    --------
    >>> fam = symmetric_family(2)
    >>> fam.size, fam.names[1]
    (8, 'sym[100] = NOR')
    """
    n = check_int(n, "n", low=1, high=MAX_SYMMETRIC_N)
    M = 1 << (n + 1)
    idx = np.arange(M, dtype=np.int64)
    g = ((idx[:, None] >> np.arange(n + 1)[None, :]) & 1).astype(np.uint8)
    std = _symmetric_standard(n)
    keys = (g + ord("0")).view(f"S{n + 1}").ravel()     # the row g(0)...g(n) as one byte string
    names = [f"sym[{key}]" for key in keys.astype(str).tolist()]
    for key, extra in std.items():
        i = int(key[::-1], 2)                             # member i has g(w) = bit w of i
        names[i] = f"{names[i]} = {extra}"
    return FunctionFamily(n=n, kind="symmetric", names=tuple(names), g=g)


def _symmetric_standard(n):
    w = np.arange(n + 1)
    named = {"0": w * 0, "1": w * 0 + 1, "AND": (w == n) * 1, "OR": (w > 0) * 1, "NAND": (w < n) * 1,
             "NOR": (w == 0) * 1, "parity": w % 2, "~parity": 1 - w % 2}
    if n % 2:
        named["maj"] = (2 * w > n) * 1
        named["~maj"] = (2 * w < n) * 1
    if n == 1:
        named["x0"] = w
        named["~x0"] = 1 - w
    out = {}
    for name, g in named.items():
        key = "".join(str(int(v)) for v in g)
        out[key] = f"{out[key]} = {name}" if key in out else name
    return out


def threshold_family(n: int, *, complements: bool = True, intervals: bool = False) -> FunctionFamily:
    r"""Thresholds ``[|x| >= t]`` (t = 0..n+1), their complements, or all intervals of ``|x|``.

    Every member is an interval ``f(x) = [a <= |x| <= b]``; its cell probabilities are exact
    binomial tail sums (Python integers, one correctly rounded division):

    .. math::

        q_w = 2^{-(n-s)} \sum_{j = a - w}^{b - w} \binom{n-s}{j}.

    Parameters
    ----------
    n : int
        Number of bits, ``1 <= n <= 1000``.
    complements : bool, default True
        Add ``[|x| < t]`` for t = 1..n (the constants are not repeated).
    intervals : bool, default False
        All intervals ``[a <= |x| <= b]``, 0 <= a <= b <= n, and the constant 0 (includes the
        thresholds and their complements; ``(n+1)(n+2)/2 + 1`` members).

    Returns
    -------
    FunctionFamily
        kind "interval", with ``bounds`` and names such as ``|x|>=t``, ``|x|<t``, ``a<=|x|<=b``.

    Raises
    ------
    TypeError, ValueError
        For n not an integer in [1, 1000] or non-bool flags.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 5.1 (linear threshold functions).

    Examples
    --------
    >>> threshold_family(2).names
    ('1', '|x|>=1 = OR', '|x|>=2 = AND', '0', '|x|<1 = NOR', '|x|<2 = NAND')
    >>> threshold_family(2, intervals=True).size
    7
    """
    n = check_int(n, "n", low=1, high=MAX_THRESHOLD_N)
    complements = check_flag(complements, "complements")
    intervals = check_flag(intervals, "intervals")
    names, bounds = [], []
    if intervals:
        for a in range(n + 1):
            for b in range(a, n + 1):
                bounds.append((a, b))
                names.append("1" if (a, b) == (0, n) else f"|x|>={a}" if b == n else
                             f"|x|<{b + 1}" if a == 0 else f"{a}<=|x|<={b}")
        bounds.append((1, 0))
        names.append("0")
    else:
        for t in range(n + 2):
            bounds.append((t, n) if t <= n else (1, 0))
            names.append("1" if t == 0 else "0" if t == n + 1 else f"|x|>={t}")
        if complements:
            for t in range(1, n + 1):
                bounds.append((0, t - 1))
                names.append(f"|x|<{t}")
    names = [_threshold_alias(nm, n) for nm in names]
    return FunctionFamily(n=n, kind="interval", names=tuple(names), bounds=np.array(bounds, dtype=np.int64))


def _threshold_alias(name, n):
    alias = {f"|x|>={n}": "AND", "|x|>=1": "OR", "|x|<1": "NOR", f"|x|<{n}": "NAND"}
    if n % 2:
        alias[f"|x|>={(n + 1) // 2}"] = "maj"
        alias[f"|x|<{(n + 1) // 2}"] = "~maj"
    if n == 1:
        alias["|x|>=1"] = "OR = x0"
        alias["|x|<1"] = "NOR = ~x0"
    return f"{name} = {alias[name]}" if name in alias else name


def junta_family(n: int, k: int, *, coords=None) -> FunctionFamily:
    r"""All ``2**(2**k)`` functions of k named coordinates, embedded in n bits.

    ``f(x) = h(x_J)``; a sample's likelihood depends on ``(S, a)`` only through
    ``A = S ∩ J`` and ``a_A``, so the ``3**k`` reduced cells have

    .. math::

        \pi_{A, a} = \frac{\binom{n-k}{s-|A|}}{\binom{n}{s}} 2^{-|A|},\qquad
        q_{A, a}(h) = 2^{-(k-|A|)} \sum_{z:\, z_A = a} h(z).

    Parameters
    ----------
    n : int
        Number of bits, ``1 <= n <= 64``.
    k : int
        Junta size, ``1 <= k <= min(4, n)``.
    coords : iterable of int, optional
        The k distinct coordinates (default ``0..k-1``); by symmetry the capacity does not
        depend on them.

    Returns
    -------
    FunctionFamily
        kind "junta", ``tables`` (2**(2**k), 2**k) with member ``F`` = ``sum_z h(z) 2**z``.

    Raises
    ------
    TypeError, ValueError
        For n, k out of range or bad coords.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Def. 2.19 (juntas).

    Examples
    --------
    >>> fam = junta_family(10, 1, coords=[7])
    >>> fam.names
    ('0', '~x7', 'x7', '1')
    """
    n = check_int(n, "n", low=1, high=MAX_JUNTA_N)
    k = check_int(k, "k", low=1, high=min(MAX_JUNTA_K, n))
    if coords is None:
        coords = tuple(range(k))
    else:
        try:
            coords = tuple(check_int(c, "coords element", low=0, high=n - 1) for c in coords)
        except TypeError as exc:
            if "coords element" in str(exc):
                raise
            raise TypeError(f"`coords` must be an iterable of {k} distinct integers in [0, {n - 1}]; "
                            f"got {coords!r}") from exc
        if len(coords) != k or len(set(coords)) != k:
            raise ValueError(f"`coords` must hold {k} distinct coordinates; got {coords!r}")
    from .classes import all_truth_tables, standard_functions
    tables = all_truth_tables(k)
    names = [[] for _ in range(tables.shape[0])]
    for name, F in standard_functions(k).items():
        if k == 1 and name not in ("0", "1", "x0", "~x0"):
            continue
        for i in range(k - 1, -1, -1):
            name = name.replace(f"x{i}", f"x{coords[i]}")
        if k > 1 and name in ("AND", "OR", "NAND", "NOR", "parity", "~parity", "maj", "~maj"):
            name = f"{name}({','.join('x%d' % c for c in coords)})"
        names[F].append(name)
    out = tuple(" = ".join(nm) if nm else f"h[{F:#x}]" for F, nm in enumerate(names))
    return FunctionFamily(n=n, kind="junta", names=out, tables=tables, coords=coords)


def table_family(functions, names=None, *, domain="01") -> FunctionFamily:
    r"""A user-given family of truth tables: ``tables[b, x]`` :math:`= f_b(x)`,
    :math:`x = \sum_i x_i 2^i`.

    Parameters
    ----------
    functions : array-like (M, 2**n) or mapping name -> table
        Tables in the declared ``domain``, ``n <= 20``.
    names : sequence of str, optional
        One per table (default ``f0, f1, ...``; a mapping gives its keys).
    domain : {"01", "pm1"}
        "01" (default): 0/1 integers or bools. "pm1": ±1 integers or floats, (-1)^f.

    Returns
    -------
    FunctionFamily
        kind "tables".

    Raises
    ------
    TypeError, ValueError
        For ragged tables, values outside the declared ``domain``, n > 20, or names of the
        wrong length.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Sec. 1.2.

    Examples
    --------
    >>> fam = table_family({"0": [0, 0, 0, 0], "x0": [0, 1, 0, 1]})
    >>> fam.n, fam.names
    (2, ('0', 'x0'))
    """
    return family_from_tables(functions, names, domain=domain, name="functions")


def family_from_tables(functions, names=None, *, domain="01", name="functions") -> FunctionFamily:
    """:func:`table_family`, with errors naming the parameter ``name`` (``family`` when
    :func:`capacity.insensitive.family_capacity` is given tables). The shape is checked before
    any copy, so a broadcast view of more than ``2**MAX_TABLE_N`` columns (or over the default
    ``max_bytes`` in all) is refused without being expanded."""
    if isinstance(functions, Mapping):
        if names is not None:
            raise ValueError(f"`names` must be None when `{name}` is a mapping; got both")
        names = [str(k) for k in functions]
        functions = [np.asarray(v) for v in functions.values()]
        if not functions:
            raise ValueError(f"`{name}` must be non-empty; got an empty mapping")
    shape = shape_of(functions)
    if len(shape) in (1, 2) and shape[-1] > 1 << MAX_TABLE_N:
        raise ValueError(f"`{name}` must be tables of n <= {MAX_TABLE_N} bits (length <= {1 << MAX_TABLE_N}); "
                         f"got shape {shape}")
    if len(shape) == 2:
        check_size(float(shape[0]) * shape[1] * 9, None, f"`{name}`: {shape[0]} truth tables of length {shape[1]}")
    tables, n = numpy_table(functions, name, domain=domain)   # a ragged sequence is a TypeError there
    tables = np.atleast_2d(tables)
    if n > MAX_TABLE_N:
        raise ValueError(f"`{name}` must be tables of n <= {MAX_TABLE_N} bits; got n = {n}")
    if names is None:
        names = [f"f{i}" for i in range(tables.shape[0])]
    names = tuple(str(x) for x in names)
    if len(names) != tables.shape[0]:
        raise ValueError(f"`names` must have one entry per table ({tables.shape[0]}); got {len(names)}")
    return FunctionFamily(n=n, kind="tables", names=names, tables=np.ascontiguousarray(tables))


def all_functions_family(n: int) -> FunctionFamily:
    r"""All :math:`2^{2^n}` functions of n bits (n <= 4): member :math:`F` is
    :math:`f(x) = \lfloor F / 2^x \rfloor \bmod 2`.

    Parameters
    ----------
    n : int
        Number of bits, ``1 <= n <= 4``.

    Returns
    -------
    FunctionFamily
        kind "tables"; member F has ``f(x) = bit x of F``.

    Raises
    ------
    TypeError, ValueError
        For n not an integer in [1, 4].

    References
    ----------
    docs/problem.rst (the channel over all functions).

    Examples
    --------
    >>> all_functions_family(2).size
    16
    """
    n = check_int(n, "n", low=1, high=4)
    from .classes import all_truth_tables, standard_functions
    tables = all_truth_tables(n)
    names = [[] for _ in range(tables.shape[0])]
    for name, F in standard_functions(n).items():
        names[F].append(name)
    out = tuple(" = ".join(nm) if nm else f"f[{F:#x}]" for F, nm in enumerate(names))
    return FunctionFamily(n=n, kind="tables", names=out, tables=tables)
