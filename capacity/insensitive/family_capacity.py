r"""Certified capacity of the insensitive-function channel with Alice restricted to a family.

For a finite family ``F`` of functions of n bits,

.. math::

    C_F(n, s, m) = \max_{P \text{ on } F} I(F; Y_1, \dots, Y_m) \;\le\; C(n, s, m),

a certified lower bound on the capacity over all functions. The channel is reduced
without changing I for any law (each step is tested against the unreduced channel):

1. **cells**: the cells of :meth:`FunctionFamily.reduced_cells` (visible weights for
   symmetric families, ``S ∩ J`` for juntas), then cells with equal q columns merged, and
   every cell on which all members agree folded into one uninformative symbol (its
   samples are ancillary);
2. **members**: members with equal q rows merged (merge lemma: equal rows of the channel);
3. **types**: m samples summarised by their counts over the ``d`` symbols (cell, bit):
   ``P(type | f) = m! / prod_j k_j!  prod_j r_j(f)^{k_j}``.

The reduced channel (groups x types) is solved by column generation: Blahut–Arimoto
(:func:`capacity.blahut_arimoto`) on an active set of rows, then one sweep over every row for
``D(W_f || pW)``. Any law on the active rows is a law on the family, so the certificate

.. math::

    \sum_f p_f D(W_f \| pW) \;\le\; C_F \;\le\; \max_{f \in F} D(W_f \| pW)

holds for the whole family; rows whose divergence exceeds the lower bound join the active
set (a full one gives up its rows of negligible mass for them) until the gap is below ``tol``.
See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import check_distribution, check_domain, check_int, check_real

from .._result import ConvergenceWarning
from .._rounding import LD, LN2, widened_tol
from .._rounding import LOG2E_F64 as LOG2E
from .classes import label_by_first
from .families import (FunctionFamily, all_functions_family, family_from_tables, symmetric_family,
                       threshold_family)
from .family_rounding import TINY, certified_bracket, log_multinomials, type_rounding
from .symmetry import orbit_labels

__all__ = ["FamilyCapacity", "ReducedFamily", "exact_symbol_rows", "family_capacity", "family_channel_plan",
           "group_law", "law_bracket", "reduced_family"]

#: Largest number of samples m.
MAX_M = 64
#: log r for a symbol of probability 0 (finite, so that 0 * log r = 0 in a matrix product).
_LOG_ZERO = -1e250
#: Active rows are solved as one dense matrix up to this many bytes.
_ACTIVE_BYTES = 256 * 2**20
#: Rows in the first active set, and most rows added per round.
_START_ROWS, _ADD_ROWS = 64, 64
#: An active row of less mass than this may leave a full active set to make room for a violator.
_DROP_MASS = 1e-6
#: Groups below this mass are not listed in ``support``.
SUPPORT_THRESHOLD = 1e-6

FAMILIES = ("symmetric", "thresholds", "intervals", "all")


@dataclass(frozen=True)
class FamilyCapacity:
    r"""Certified capacity :math:`C_{\mathcal F}(n, s, m) = \max_{P \text{ on } \mathcal F} I(F; Y^m)`
    of the channel with Alice restricted to a family (a lower bound on :math:`C(n, s, m)`).

    Attributes
    ----------
    n, s, m : int
        Parameters.
    family : FunctionFamily
        The family (``family.names`` label ``member_mass``).
    capacity, lower, upper : float
        Bits; ``capacity = lower`` is achieved by ``member_mass``; ``lower <= C_F <= upper``,
        and ``lower <= C(n, s, m)``.
    member_mass : ndarray (M,)
        The optimal law on the members (a merged group's mass split evenly over it).
    groups : list of ndarray
        Member indices of each group of members Bob cannot tell apart.
    group_mass : ndarray (G,)
        The law on the groups.
    support : list of (str, float, int)
        ``(names, mass, members)`` of each group with mass > 1e-6, heaviest first.
    n_cells : int
        Symbols per sample after the cell reduction (cells x bits, plus the uninformative one).
    n_types : int
        Columns of the reduced channel.
    active_rows : int
        Rows (row orbits, when folded) solved densely in the returned round of column
        generation; at most ``row_orbits``.
    rounds : int
        Column-generation rounds.
    symmetries : int
        Verified symmetries of the reduced channel (complement, reflection, coordinate flips and
        swaps) whose group folds it.
    row_orbits : int
        Orbits of the groups under that symmetry group (rows of the folded channel).
    support_delta, outside_mass, candidates, sigma_min, law_spread : float, float, int, float, float
        The support certificate (see :func:`support_certificate`): every optimal law puts at
        most ``outside_mass`` on the groups whose divergence is more than ``support_delta``
        bits below ``upper``; on the ``candidates`` others (rows with smallest singular value
        ``sigma_min``) each group's mass is within ``law_spread`` of ``group_mass`` (inf when
        not computed: more candidates than types, or too large).
    certified_support : list of (str, float, int)
        The entries of ``support`` whose mass exceeds ``law_spread``: used by every optimal law.
    clusters, cluster_eps, cluster_spread : int, float, float
        When near-duplicate candidate rows make ``law_spread`` infinite: the candidates fall in
        ``clusters`` clusters of rows within L2 distance ``cluster_eps``, and every optimal law's
        mass on each cluster is within ``cluster_spread`` of ``group_mass``'s (the split inside a
        cluster is not determined); see :func:`support_certificate`.
    converged : bool
        Whether ``upper - lower <= tol``.
    outward : bool
        Whether ``lower`` and ``upper`` are rounded outward for the exact channel (the
        family's exact cell probabilities; :mod:`capacity.insensitive.family_rounding`), so that
        ``lower <= C_F <= upper`` holds despite every rounding; False where the premises of
        that bound fail (underflow) or for a channel given in float64 only: the bracket is then
        the float64 evaluation of the reduced channel.
    seconds : float
        Wall time.

    Examples
    --------
    >>> r = family_capacity("thresholds", 3, 1, 2)
    >>> round(r.capacity, 6), bool(r.gap <= 1e-9)
    (1.139948, True)
    """

    n: int
    s: int
    m: int
    family: FunctionFamily = field(repr=False)
    capacity: float
    lower: float
    upper: float
    member_mass: np.ndarray = field(repr=False)
    groups: list = field(repr=False)
    group_mass: np.ndarray = field(repr=False)
    support: list = field(repr=False)
    n_cells: int = 0
    n_types: int = 0
    active_rows: int = 0
    rounds: int = 0
    symmetries: int = 0
    row_orbits: int = 0
    support_delta: float = math.nan
    outside_mass: float = math.nan
    candidates: int = 0
    sigma_min: float = math.nan
    law_spread: float = math.inf
    certified_support: list = field(default_factory=list, repr=False)
    clusters: int = 0
    cluster_eps: float = math.nan
    cluster_spread: float = math.inf
    converged: bool = True
    outward: bool = False
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Certified gap ``upper - lower`` (bits)."""
        return self.upper - self.lower


# ----------------------------------------------------------------------------- re-checking a law

@dataclass(frozen=True)
class ReducedFamily:
    """A family's reduced channel on types, for re-checking a stored law (:func:`law_bracket`,
    :func:`exact_symbol_rows`): the family, s, m, the reduction, the types' counts (T, d) and
    their log multinomial coefficients, and the number L of the family's cells."""

    family: FunctionFamily
    s: int
    m: int
    reduced: _Reduced
    counts: np.ndarray
    logcoef: np.ndarray
    n_cells: int

    @property
    def logr(self) -> np.ndarray:
        """The reduced symbols' log probabilities, (groups, d)."""
        return self.reduced.logr


def reduced_family(family, n, s, m, *, domain="01", max_bytes=None) -> ReducedFamily:
    """The :class:`ReducedFamily` of ``family_capacity(family, n, s, m)`` (same arguments and
    refusals), without solving."""
    n = check_int(n, "n", low=1)
    fam = resolve_family(family, n, check_domain(domain))
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=MAX_M)
    q, pi = fam.reduced_cells(s, max_bytes=max_bytes)
    red = reduce_cells(q, pi, fam.reduced_zeros(s, q))
    plan = family_channel_plan(len(red.groups), red.d, m)
    check_size(plan["bytes"], max_bytes, f"family channel ({len(red.groups)} groups x {plan['types']} types)")
    counts = compositions(red.d, m).astype(np.float64)
    return ReducedFamily(fam, s, m, red, counts, log_multinomials(counts, m), q.shape[1])


def group_law(red: ReducedFamily, law) -> np.ndarray:
    """The law on the groups of merged members of a law on the family's members: ``law`` a
    probability vector (non-negative, summing to 1) with one entry per member (else TypeError or
    ValueError)."""
    law = check_distribution(law, "law")
    if law.shape != (red.family.size,):
        raise ValueError(f"`law` must have one entry per member of the family ({red.family.size}); got shape "
                         f"{law.shape}")
    return np.array([law[g].sum() for g in red.reduced.groups])


def law_bracket(red: ReducedFamily, law) -> tuple:
    r"""``(lower, upper, detail)`` in bits: the certificate
    :math:`I(P) \le C_F \le \max_f D(W_f \| PW)` of ``law`` (on the family's members, see
    :func:`group_law`) on the unfolded reduced channel, rounded outward for the exact channel
    (:mod:`.family_rounding`; Gallager 1968, Thm 4.5.1); or ``(None, None, reason)`` where its
    premises fail."""
    tr = _type_rounding(red.reduced, red.counts, red.logcoef, red.m, red.n_cells, red.family.cell_rounding(red.s))
    if tr is None:
        return None, None, "a probability of the reduced channel underflows: no outward bound"
    p = group_law(red, law)
    support = np.flatnonzero(p > 0)
    Q = np.zeros(red.counts.shape[0])
    for a in range(0, support.size, _START_ROWS):
        rows = support[a:a + _START_ROWS]
        Q += p[rows] @ np.exp(log_type_rows(red.logr[rows], red.counts, red.logcoef))
    with np.errstate(divide="ignore"):
        logQ = np.log(Q)
    # every group its own orbit, every type its own type orbit
    final = {"p": p[support], "active": support, "logQ": logQ, "q_orbit": Q, "t_size": np.ones(Q.size),
             "t_first": np.arange(Q.size)}
    out = _certify(tr, red.logr, red.counts, red.logcoef, [np.array([g]) for g in range(p.size)], final)
    if out is None:
        return None, None, "an output probability underflows: no outward bound"
    return out[0], out[1], f"family channel {p.size}x{Q.size} (reduced), rounded outward"


def exact_symbol_rows(red: ReducedFamily) -> tuple:
    """``(rows, "")``: the exact probabilities (Fractions) of the reduced symbols of each group
    (merged cells sum their exact masses, :meth:`FunctionFamily.cell_masses`; q is exact where
    :meth:`FunctionFamily.cell_rounding` says so), or ``(None, reason)``."""
    fam, s, r = red.family, red.s, red.reduced
    if fam.cell_rounding(s)[0] != 0.0:
        return None, "the family's q is rounded (n - s > 53): no exact channel"
    q, _ = fam.reduced_cells(s)
    q0 = fam.reduced_zeros(s, q)
    pis = fam.cell_masses(s)
    label = r.cell_label
    mass, used = {}, set()
    for sym in r.symbols:
        if sym is not None:
            cls = np.flatnonzero(label == label[sym[0]]).tolist()
            mass[sym[0]] = sum(pis[c] for c in cls)
            used.update(cls)
    null = [sum((pis[c] for c in range(len(pis)) if c not in used), Fraction(0))] if None in r.symbols else []
    cells = [sym for sym in r.symbols if sym is not None]
    rows = []
    for g in r.groups:
        f = int(g[0])
        rows.append([mass[c] * Fraction(float(q[f, c] if b else q0[f, c])) for c, b in cells] + null)
    return rows, ""


# ----------------------------------------------------------------------------- reduction

@dataclass(frozen=True)
class _Reduced:
    logr: np.ndarray      # (G, d) log symbol probabilities (with _LOG_ZERO)
    groups: list          # member indices per group
    d: int
    symbols: list = field(default_factory=list)   # (original cell, bit) of each symbol; None: the null one
    cell_label: np.ndarray | None = None           # merged-column label of each original cell
    underflow: bool = False                        # a symbol probability lost to underflow (or subnormal)


def reduce_cells(q, pi, q0=None):
    """Merge cells (equal columns; constant columns into one symbol) and members (equal rows).

    ``q0`` is ``P(f = 0 | cell)`` (default ``1 - q``); pass it when ``1 - q`` would round.
    """
    if q0 is None:
        q0 = 1.0 - q
    # columns equal across all members -> one cell; constant columns -> the uninformative symbol
    both = np.concatenate([q, q0], axis=0)            # (2M, L): equal columns of q and of q0
    cols, first = _label_rows(both.T)
    qc, qc0 = q[:, first], q0[:, first]
    pic = np.bincount(cols, weights=pi, minlength=first.size)
    const = (qc == qc[:1, :]).all(axis=0) & (qc0 == qc0[:1, :]).all(axis=0)
    qi, qi0, pii = qc[:, ~const], qc0[:, ~const], pic[~const]
    null = float(pic[const].sum())
    labels, rep = _label_rows(np.concatenate([qi, qi0], axis=1)) \
        if qi.shape[1] else \
        (np.zeros(q.shape[0], dtype=np.int64), np.array([0]))
    r = np.concatenate([pii * qi[rep], pii * qi0[rep]], axis=1)
    factors = np.concatenate([qi[rep] > 0, qi0[rep] > 0], axis=1) & (np.concatenate([pii, pii]) > 0)
    underflow = bool(((r < TINY) & factors).any())
    keep = r.max(axis=0) > 0
    r = r[:, keep]
    cells = first[~const]
    symbols = [(int(cells[j % cells.size]), int(j < cells.size)) for j in np.flatnonzero(keep)]
    if null > 0:
        r = np.concatenate([r, np.full((r.shape[0], 1), null)], axis=1)
        symbols.append(None)
        underflow = underflow or null < TINY
    with np.errstate(divide="ignore"):
        logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), _LOG_ZERO)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(rep.size + 1))
    groups = [order[bounds[k]:bounds[k + 1]] for k in range(rep.size)]
    return _Reduced(logr=logr, groups=groups, d=r.shape[1], symbols=symbols, cell_label=cols, underflow=underflow)


def _void_rows(A):
    """Rows of a 2-D array as one opaque value each (bit-for-bit comparison)."""
    A = np.ascontiguousarray(A)
    return A.view(np.dtype((np.void, A.dtype.itemsize * A.shape[1]))).ravel()


def _label_rows(A):
    """``(labels, first)``: bit-identical rows of A grouped, groups numbered by first occurrence
    (``first[k]`` the first row of group k, increasing)."""
    return label_by_first(_void_rows(A))


def _match_rows(A, B):
    """For each row of B the index of the bit-identical row of A (rows of A distinct), or None
    when some row of B is not a row of A."""
    a, b = _void_rows(A), _void_rows(B)
    order = np.argsort(a, kind="stable")
    pos = np.searchsorted(a[order], b)
    pos = np.minimum(pos, a.size - 1)
    idx = order[pos]
    if not (a[idx] == b).all():
        return None
    return idx


def channel_symmetries(red, cell_perms):
    """Verified symmetries of the reduced channel: symbol permutations ``sigma`` with the
    member permutation ``phi`` they induce (``logr[phi[i]] = logr[i, sigma]`` bit for bit).

    Candidates: complementing every output (bit swap in each cell), each cell permutation of
    ``cell_perms``, and each of these composed with the complement. A candidate is kept only
    when it maps the rows of the reduced channel onto themselves exactly, so a family that is
    not closed under it (or whose rounding differs) simply loses that symmetry.
    """
    index = {sym: j for j, sym in enumerate(red.symbols)}
    label = red.cell_label
    first = {}
    for c in range(label.size):
        first.setdefault(int(label[c]), c)
    out = []
    ident = np.arange(label.size)
    for tau in [ident] + list(cell_perms):
        for flip in (0, 1):
            if flip == 0 and tau is ident:
                continue
            sigma = []
            for sym in red.symbols:
                if sym is None:
                    sigma.append(index[None])
                    continue
                c, b = sym
                img = (first[int(label[tau[c]])], b ^ flip)
                if img not in index:
                    break
                sigma.append(index[img])
            else:
                sigma = np.array(sigma, dtype=np.int64)
                if np.unique(sigma).size != sigma.size:
                    continue
                phi = _match_rows(red.logr, red.logr[:, sigma])
                if phi is not None and not (sigma == np.arange(red.d)).all():
                    out.append((sigma, phi))
    return out


def _type_permutation(counts, sigma):
    """Index of the type ``t'`` with ``t'[sigma[j]] = t[j]`` for every type t; ``counts`` must be
    :func:`compositions` ``(d, m)`` (the types, in its order): the index is the image's rank."""
    from ._family_kernels import composition_ranks

    T, d = counts.shape
    m = int(counts[0].sum())
    n_comp = composition_counts(d, m)
    if T != n_comp[d, m]:  # pragma: no cover - the caller passes compositions(d, m)
        raise AssertionError("types are not the compositions of m")
    # t'[k] = t[inv[k]] with inv the inverse of sigma
    inv = np.argsort(np.asarray(sigma, dtype=np.int64))
    return composition_ranks(counts, inv, n_comp)


def composition_counts(d, m):
    r"""``N[a, r]``: the number of compositions of r into a non-negative parts,
    :math:`\binom{r + a - 1}{a - 1}` (1 for r = a = 0), for a <= d, r <= m, as int64 (values
    above 2**63 - 1, where no type list fits in memory anyway, are refused)."""
    if math.comb(m + d - 1, d - 1) > np.iinfo(np.int64).max:
        raise ValueError(f"compositions of {m} into {d} parts: more than 2**63 - 1")
    N = np.zeros((d + 1, m + 1), dtype=np.int64)
    N[0, 0] = 1
    for a in range(1, d + 1):
        for r in range(m + 1):
            N[a, r] = math.comb(r + a - 1, a - 1)
    return N


def compositions(d, m):
    """All vectors of d non-negative integers summing to m, (C(m + d - 1, d - 1), d) int16."""
    rows = np.zeros((1, 0), dtype=np.int16)
    rem = np.array([m], dtype=np.int64)
    for _ in range(d - 1):
        reps = rem + 1
        starts = np.cumsum(reps) - reps
        k = np.arange(int(reps.sum())) - np.repeat(starts, reps)
        rows = np.concatenate([np.repeat(rows, reps, axis=0), k.astype(np.int16)[:, None]], axis=1)
        rem = np.repeat(rem, reps) - k
    return np.concatenate([rows, rem.astype(np.int16)[:, None]], axis=1)


def family_channel_plan(n_groups: int, n_symbols: int, m: int) -> dict:
    r"""Peak memory of :func:`family_capacity` for a reduced channel of :math:`\binom{m + d - 1}{m}` types
    (one place, reused by callers).

    The channel has ``types = C(m + d - 1, m)`` columns; the peak holds the types' counts (dense
    and sparse), the divergences of every row and the active rows with the solver's copies.

    Parameters
    ----------
    n_groups : int
        Rows after merging members.
    n_symbols : int
        Symbols d after the cell reduction.
    m : int
        Samples.

    Returns
    -------
    dict
        ``types`` (C(m + d - 1, m)), ``active`` (most rows solved densely) and ``bytes`` (the peak).

    Raises
    ------
    TypeError, ValueError
        For non-integer or non-positive arguments.

    References
    ----------
    W. Feller, *An Introduction to Probability Theory*, Vol. 1, 3rd ed., Wiley 1968, Sec. II.5
    (occupancy: C(m + d - 1, m) types).

    Examples
    --------
    >>> family_channel_plan(10, 6, 16)["types"]
    20349
    """
    G = check_int(n_groups, "n_groups", low=1)
    d = check_int(n_symbols, "n_symbols", low=1)
    m = check_int(m, "m", low=1)
    T = math.comb(m + d - 1, m)
    active = max(1, min(G, _ACTIVE_BYTES // (8 * T)))
    k = min(d, m)
    nbytes = (T * d * (2 + 8)            # counts int16 and their float64 copy
              + T * k * 16               # sparse types: symbols int64 + counts float64
              + T * 8 * 3                # log coefficients, log(pW), pW
              + G * (d + 2) * 8          # log r, divergences
              + active * T * 8 * 5)      # active log W and W, and the solver's three copies
    return {"types": T, "active": active, "bytes": nbytes}


# ----------------------------------------------------------------------------- solver

def resolve_family(family, n, domain="01"):
    if isinstance(family, FunctionFamily):
        if family.n != n:
            raise ValueError(f"`family` must be a family of n = {n} bits; got a family of n = {family.n}")
        return family
    if isinstance(family, str):
        if family not in FAMILIES:
            raise ValueError(f"`family` must be one of {FAMILIES}, a FunctionFamily or truth tables; got {family!r}")
        if family == "symmetric":
            return symmetric_family(n)
        if family == "thresholds":
            return threshold_family(n)
        if family == "intervals":
            return threshold_family(n, intervals=True)
        return all_functions_family(n)
    fam = family_from_tables(family, domain=domain, name="family")
    if fam.n != n:
        raise ValueError(f"`family` must be truth tables of n = {n} bits (length {1 << n}); got n = {fam.n}")
    return fam


def family_capacity(family, n, s, m, *, tol=1e-9, max_iter=None, domain="01", max_bytes=None) -> FamilyCapacity:
    r"""Certified capacity (bits) of the channel with Alice restricted to a finite family.

    .. math::

        C_F(n, s, m) = \max_{P \text{ on } F} I(F; Y_1, \dots, Y_m) \le C(n, s, m),
        \qquad Y_i = (S_i, X_{i, S_i}, F(X_i)),

    computed exactly on the reduced channel (merged cells, merged members, types) and
    certified by ``sum_f p_f D(W_f || pW) <= C_F <= max_f D(W_f || pW)`` over every member.

    Both sides are rounded outward for the exact channel (the family's exact cell
    probabilities), as :func:`capacity.insensitive.insensitive_capacity`'s are: the rounding of
    the reduced channel's construction, of the kernel's sums and of the family's own float64
    probabilities is bounded a priori and added (:mod:`capacity.insensitive.family_rounding`);
    ``outward`` says whether it was (it is not where a probability of the reduced channel
    underflows). The widening grows with m and the number of types (about 1e-13 bits at m <= 5,
    1e-12 at m = 20), so a ``tol`` below it ends in a :class:`ConvergenceWarning`.

    Parameters
    ----------
    family : FunctionFamily, str, or array-like / mapping of truth tables
        A family from :func:`symmetric_family`, :func:`threshold_family`, :func:`junta_family`,
        :func:`table_family`, :func:`all_functions_family`; or one of "symmetric",
        "thresholds" (with complements), "intervals", "all" (n <= 4); or truth tables.
    n : int
        Input bits (must match the family).
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 64``.
    tol : float, default 1e-9
        Certified gap (bits), > 0.
    max_iter : int, optional
        Iteration cap of each Blahut–Arimoto solve (default: the solver's).
    domain : {"01", "pm1"}
        The declared domain of truth tables given as ``family`` (checked for every family):
        "01" (default) 0/1 integers or bools, "pm1" ±1 integers or floats, (-1)^f.
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB), before allocating.

    Returns
    -------
    FamilyCapacity
        ``capacity``, ``lower``, ``upper``, ``gap``, ``member_mass``, ``support``, ``groups``.

    Raises
    ------
    TypeError
        For non-integer n, s, m, max_iter, non-real tol, or tables that are ragged or of a dtype
        the domain does not allow.
    ValueError
        For a family of another n or an unknown name, n beyond the family's range, s outside
        [0, n], m outside [1, 64], tol <= 0, table values outside the declared ``domain``, an
        unknown ``domain``, or a plan above ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        When the column generation stops with a gap above ``tol`` (bounds still valid).

    References
    ----------
    R. Blahut, IEEE Trans. IT 18 (1972) 460-473; R. G. Gallager, *Information Theory and
    Reliable Communication*, Wiley 1968, Thm 4.5.1 (the certificate); G. B. Dantzig and
    P. Wolfe, Oper. Res. 8 (1960) 101-111 (column generation).

    Examples
    --------
    >>> r = family_capacity("symmetric", 4, 2, 3)
    >>> round(r.capacity, 6), bool(r.gap <= 1e-9), sorted(t[0] for t in r.support[:2])
    (1.443256, True, ['sym[00000] = 0', 'sym[11111] = 1'])
    >>> len(r.certified_support) == len(r.support), bool(r.law_spread < 1e-3)
    (True, True)
    """
    n = check_int(n, "n", low=1)
    fam = resolve_family(family, n, check_domain(domain))
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=MAX_M)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    if max_iter is not None:
        max_iter = check_int(max_iter, "max_iter", low=1)
    t0 = time.perf_counter()
    n_cells_max = (s + 1) if fam.kind in ("symmetric", "interval") else \
        3 ** len(fam.coords) if fam.kind == "junta" else math.comb(n, s) << s
    check_size(8.0 * 4 * fam.size * n_cells_max, max_bytes,
               f"family_capacity cell probabilities ({fam.size} members x {n_cells_max} cells)")
    q, pi = fam.reduced_cells(s, max_bytes=max_bytes)
    return solve_cells(fam, q, pi, n, s, m, tol, max_iter, max_bytes, t0, "family_capacity",
                       q0=fam.reduced_zeros(s, q), cell_perms=fam.cell_symmetries(s), rounding=fam.cell_rounding(s))


def solve_cells(fam, q, pi, n, s, m, tol, max_iter, max_bytes, t0, who, *, q0=None, cell_perms=(), fold=True,
                rounding=None):
    """Reduce the cell channel (q, pi) of ``fam``'s members, fold it by its verified
    symmetries (``fold=False``: not at all), solve it and wrap the result. ``rounding``:
    ``(eps_q, eps_pi)``, the relative errors of q (and q0) and pi against the exact problem
    (:meth:`FunctionFamily.cell_rounding`), or None: the bracket is then the float64 one."""
    red = reduce_cells(q, pi, q0)
    G, d = len(red.groups), red.d
    plan = family_channel_plan(G, d, m)
    check_size(plan["bytes"], max_bytes, f"{who}(n={n}, s={s}, m={m}): {G} groups x "
                                         f"{plan['types']} types ({d} symbols)")
    counts = compositions(d, m)
    syms = channel_symmetries(red, cell_perms) if fold else []
    row_orbit = orbit_labels([phi for _, phi in syms], G)[0]
    # one image of the T types at a time
    type_orbit = orbit_labels((_type_permutation(counts, sig) for sig, _ in syms), counts.shape[0])[0]
    counts = counts.astype(np.float64)
    logcoef = log_multinomials(counts, m)
    tr = _type_rounding(red, counts, logcoef, m, q.shape[1], rounding)
    solve_tol = tol if tr is None else widened_tol(tol, tr.E_L + tr.eps1 + tr.eps2, None, G, counts.shape[0])
    sparse = _sparse_types(counts)          # formed once: the solve's sweeps and the certificate read it
    p_group, lower, upper, active, rounds, (D, members), final = _column_generation(
        red.logr, counts, sparse, logcoef, plan, solve_tol, max_iter, row_orbit, type_orbit)
    bits = None if tr is None else _certify(tr, red.logr, counts, logcoef, members, final, sparse)
    del sparse
    if bits is not None:
        # the support certificate in nats, from the outward bracket and the rows' upper ends
        lower = math.nextafter(math.nextafter(bits[0] / LOG2E, -math.inf), -math.inf)
        upper = math.nextafter(math.nextafter(bits[1] / LOG2E, math.inf), math.inf)
        D = bits[2]
        gap = math.nextafter(float((LD(bits[1]) - LD(bits[0])) * LN2), math.inf)
        bits = bits[:2]
    else:
        gap = upper - lower
    cert = support_certificate(red.logr, counts, logcoef, p_group, lower, upper, D, members, gap=gap)
    return wrap_family_result(fam, red.groups, p_group, lower, upper, n, s, m, tol, d, plan["types"], active,
                              rounds, t0, who, folded=(len(syms), int(row_orbit.max()) + 1), certificate=cert,
                              bits=bits)


def _type_rounding(red, counts, logcoef, m, n_cells, rounding):
    """:func:`.family_rounding.type_rounding` of a reduction, or None without the family's
    ``rounding`` or where a symbol probability underflowed."""
    return None if rounding is None or red.underflow else \
        type_rounding(red.logr, counts, logcoef, m, n_cells, *rounding)


def _certify(tr, logr, counts, logcoef, members, final, sparse=None):
    """``(lower, upper, ends)`` of :func:`.family_rounding.certified_bracket` for the solved law
    (bits, rounded outward; ``ends`` the orbits' upper ends in nats), or None. ``sparse``: the
    types' :func:`_sparse_types`, formed here when not given."""
    from ._family_kernels import divergence_terms

    reps = np.array([mem[0] for mem in members])
    sym, cnt = _sparse_types(counts) if sparse is None else sparse
    terms = divergence_terms(np.ascontiguousarray(logr[reps]), sym, cnt, logcoef,
                             np.ascontiguousarray(final["logQ"]), True)
    active, law = final["active"], final["p"]
    support = np.concatenate([members[o] for o, w in zip(active.tolist(), law.tolist()) if w > 0])
    n_terms = int(sum(members[o].size for o in active.tolist()) * final["t_size"].max() + active.size)
    return certified_bracket(tr, terms, law, active, final["q_orbit"], final["t_size"], final["t_first"],
                             logr, counts, support, n_terms)


#: Largest candidate rows x types whose singular values are computed for the support certificate.
CERT_ENTRIES = 10**7


def support_certificate(logr, counts, logcoef, p, lower, upper, D, members, gap=None):
    r"""How far any optimal law can be from ``p`` (the computed one), from the certified gap.

    With ``g = upper - lower`` (nats), ``delta = sqrt(g)`` and the candidates
    ``U = {f : D(W_f || pW) >= upper - delta}``:

    1. every optimal law :math:`P^*` puts mass at most ``g / delta`` outside U, and so does p:
       :math:`C \le \sum_f P^*_f D(W_f \| pW) \le \text{upper} - \delta P^*(U^c)` (the first
       inequality is :math:`I(P^*) + D(P^*W \| pW)`), and likewise
       :math:`\text{lower} = \sum_f p_f D_f \le \text{upper} - \delta\, p(U^c)`;
    2. :math:`\|pW - Q^*\|_1 \le \sqrt{2 D(pW \| Q^*)} \le \sqrt{2 g}` (Pinsker, and
       :math:`D(pW\|Q^*) \le C - I(p)`), so
       :math:`\|(p_U - P^*_U) W_U\|_2 \le \sqrt{2g} + 2 g/\delta`, and with
       :math:`\sigma` the smallest singular value of the candidate rows,
       :math:`\max_{f \in U} |p_f - P^*_f| \le (\sqrt{2g} + 2g/\delta) / \sigma`.
    3. rows that are near-duplicates (single-linkage clusters at L2 distance ``eps``) make
       :math:`\sigma` vanish; with :math:`\Delta = p - P^*` and one row :math:`W_k` per cluster,
       :math:`\sum_f \Delta_f W_f = \sum_k (\sum_{f \in k} \Delta_f) W_k + \sum_f \Delta_f (W_f - W_{k(f)})`
       and :math:`\sum_f |\Delta_f| \le 2`, so each cluster's mass is unique within
       ``cluster_spread`` :math:`= (\sqrt{2g} + 2g/\delta + 2\,\mathrm{eps}) / \sigma_r`
       (:math:`\sigma_r` the smallest singular value of the cluster rows; eps chosen among
       0, 1e-14 ... 1e-3 to minimise it); the split inside a cluster is not determined.

    A group whose mass exceeds that spread is used by every optimal law; a spread far below
    the masses means the optimal law is unique up to it. The rows W_f are recomputed with a
    relative error below 1e-13 per entry, so sigma is lowered by ``1e-13 sqrt(k T) max W``
    (Weyl); a candidate set larger than the types, or over CERT_ENTRIES entries, gives
    ``spread = inf``, and more than sqrt(CERT_ENTRIES) candidates no clusters (their pairwise
    distances are not formed). Returns dict(delta, outside, candidates, sigma, spread, clusters,
    cluster_eps, cluster_spread) (delta in bits). ``gap``: g when known more closely than
    ``upper - lower`` (nats).
    """
    g = max(upper - lower if gap is None else gap, 0.0)
    if not math.isfinite(g):     # pW misses types some row reaches: no law is pinned down
        return {"delta": math.inf, "outside": 1.0, "candidates": int(D.size), "sigma": math.nan,
                "spread": math.inf, "clusters": 0, "cluster_eps": math.nan, "cluster_spread": math.inf}
    delta = max(math.sqrt(g), 1e-12)
    U = np.flatnonzero(D >= upper - delta)
    rows = np.concatenate([members[o] for o in U.tolist()])
    T = counts.shape[0]
    sigma, spread = math.nan, math.inf
    eta = math.sqrt(2 * g) + 2 * g / delta
    clusters, cluster_eps, cluster_spread = 0, math.nan, math.inf
    if rows.size * T <= CERT_ENTRIES:
        W = np.exp(log_type_rows(logr[rows], counts, logcoef))
        rounding = 1e-13 * math.sqrt(W.size) * float(W.max())
        if rows.size <= T:
            sigma = float(np.linalg.svd(W, compute_uv=False).min()) - rounding
            if sigma > 0:
                spread = eta / sigma
    # clusters of near-identical rows (single linkage at L2 distance eps): the masses of the
    # clusters are unique within (eta + 2 eps) / sigma_r, sigma_r of one row per cluster
    if rows.size * T <= CERT_ENTRIES and rows.size * rows.size <= CERT_ENTRIES:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        dist = np.sqrt(np.maximum(np.add.outer((W * W).sum(1), (W * W).sum(1)) - 2 * W @ W.T, 0.0))
        for eps in [0.0] + [10.0 ** k for k in range(-14, -2)]:
            lab = connected_components(csr_matrix(dist <= eps), directed=False)[1]
            reps = np.unique(lab, return_index=True)[1]
            if reps.size > T:
                continue
            sig = float(np.linalg.svd(W[reps], compute_uv=False).min()) - rounding
            if sig > 0 and (eta + 2 * eps) / sig < cluster_spread:
                clusters, cluster_eps, cluster_spread = int(reps.size), eps, (eta + 2 * eps) / sig
    return {"delta": delta * LOG2E, "outside": g / delta, "candidates": int(rows.size), "sigma": sigma,
            "spread": spread, "clusters": clusters, "cluster_eps": cluster_eps, "cluster_spread": cluster_spread}


def wrap_family_result(fam, groups, p_group, lower, upper, n, s, m, tol, d, n_types, active, rounds, t0,
                       who, folded=(0, None), certificate=None, bits=None):
    """The :class:`FamilyCapacity` of a solved reduced problem (bounds in nats -> bits; ``bits``:
    the outward bracket in bits, used instead and marked ``outward``)."""
    lower_b, upper_b = (lower * LOG2E, upper * LOG2E) if bits is None else bits
    converged = upper_b - lower_b <= tol
    if not converged:
        warnings.warn(f"{who}(n={n}, s={s}, m={m}) stopped with certified gap {upper_b - lower_b:.3g} "
                      f"bits > tol={tol:g}", ConvergenceWarning, stacklevel=3)
    member_mass = np.zeros(fam.size)
    for k, g in enumerate(groups):
        member_mass[g] = p_group[k] / g.size
    support = []
    for k in np.flatnonzero(p_group > SUPPORT_THRESHOLD):
        names = [fam.names[i] for i in groups[k][:4]]
        label = "; ".join(names) + ("; ..." if groups[k].size > 4 else "")
        support.append((label, float(p_group[k]), int(groups[k].size)))
    support.sort(key=lambda t: -t[1])
    return FamilyCapacity(n=n, s=s, m=m, family=fam, capacity=lower_b, lower=lower_b, upper=upper_b,
                          member_mass=member_mass, groups=groups, group_mass=p_group, support=support,
                          n_cells=d, n_types=n_types, active_rows=active, rounds=rounds,
                          symmetries=folded[0], row_orbits=len(groups) if folded[1] is None else folded[1],
                          **({} if certificate is None else {
                              "support_delta": certificate["delta"], "outside_mass": certificate["outside"],
                              "candidates": certificate["candidates"], "sigma_min": certificate["sigma"],
                              "law_spread": certificate["spread"],
                              "certified_support": [t for t in support if t[1] > certificate["spread"]],
                              "clusters": certificate["clusters"], "cluster_eps": certificate["cluster_eps"],
                              "cluster_spread": certificate["cluster_spread"]}),
                          converged=bool(converged), outward=bits is not None, seconds=time.perf_counter() - t0)


def log_type_rows(logr_rows, counts, logcoef):
    r"""Log probabilities of the types, one row per symbol row:
    :math:`\ln W_f(t) = c_t + \sum_j k_{tj} \ln r_j(f)`, ``logr_rows`` (rows, d) the symbols' logs,
    ``counts`` (T, d) the types' counts and ``logcoef`` (T,) their log multinomial coefficients
    (:func:`.family_rounding.log_multinomials`): the multinomial law of the types (W. Feller,
    *An Introduction to Probability Theory*, Vol. 1, 3rd ed., Wiley 1968, Sec. VI.9). Inputs
    trusted (not in ``__all__``)."""
    return logcoef[None, :] + logr_rows @ counts.T


def _sparse_types(counts):
    """(sym, cnt): the non-zero symbols of each type, by decreasing count (ties by symbol), and
    their counts, zero-padded to m columns (the numba kernel)."""
    from ._family_kernels import sparse_types

    T, d = counts.shape
    k = int(min(d, counts.sum(axis=1).max()))
    return sparse_types(np.ascontiguousarray(counts, dtype=np.float64), k)


def _divergences(logr, sparse, logcoef, logQ):
    """D(W_f || Q) (nats) for every row (inf where W_f reaches Q = 0): the numba kernel."""
    from ._family_kernels import divergences

    return divergences(np.ascontiguousarray(logr), sparse[0], sparse[1], logcoef, np.ascontiguousarray(logQ))


def _folded_rows(logr, members, counts, logcoef, t_order, t_starts, t_size):
    """Folded rows of active orbits: ``V[o, O] = sum_{t in O} mean_{f in o} W_f(t)`` and the
    bonus ``H(mean_o W_f) - H(W_rep)`` (nats) of each orbit (see :func:`_column_generation`)."""
    V = np.empty((len(members), t_starts.size))
    bonus = np.empty(len(members))
    for i, mem in enumerate(members):
        # member by member: a few rows of T at a time, whatever the orbit's size
        acc = None
        for f in mem.tolist():
            L = log_type_rows(logr[f:f + 1], counts, logcoef)[0]
            W = np.exp(L)
            if acc is None:
                h_rep = -float(W @ L)
                acc = W
            else:
                acc += W
        V[i] = np.add.reduceat((acc / mem.size)[t_order], t_starts)
        v = V[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            h_bar = -float(np.where(v > 0, v * np.log(np.where(v > 0, v / t_size, 1.0)), 0.0).sum())
        bonus[i] = h_bar - h_rep
    return V, bonus


def _column_generation(logr, counts, sparse, logcoef, plan, tol, max_iter, row_orbit, type_orbit, max_rounds=60):
    """Column generation on the channel folded by its symmetry group; returns (p, lower, upper,
    active, rounds) in nats, p on the rows; ``sparse`` the types' :func:`_sparse_types`.

    With a group acting on rows and types (``W_{phi f}(sigma t) = W_f(t)``) the optimum is attained
    by a law uniform on each row orbit o; then ``PW`` is invariant, ``D(W_f || PW)`` is the same for
    every f in o, and with ``V[o, O] = sum_{t in O} Wbar_o(t)`` (``Wbar_o`` the orbit's mean row,
    constant on each type orbit O)

        D(W_f || PW) = D(V_o || PV) + H(Wbar_o) - H(W_f),

    so Blahut–Arimoto with that per-row bonus on V solves the folded problem, and the sweep of
    ``D(W_rep || PW)`` over one representative per orbit certifies the whole family.

    The active set holds as many folded rows (one column per type orbit) as the plan's bytes for
    ``plan["active"]`` rows of T columns; when it is full and rows outside it exceed the lower
    bound, its rows of mass below :data:`_DROP_MASS` make room for them (each row leaves at most
    once). Every round's bounds are certified, and the round of least gap is returned.
    """
    from ..blahut_arimoto import blahut_arimoto

    G = logr.shape[0]
    tol_n = tol / LOG2E
    n_orb = int(row_orbit.max()) + 1
    o_order = np.argsort(row_orbit, kind="stable")
    o_bounds = np.searchsorted(row_orbit[o_order], np.arange(n_orb + 1))
    members = [o_order[o_bounds[k]:o_bounds[k + 1]] for k in range(n_orb)]   # first = representative
    reps = np.array([mem[0] for mem in members])
    t_order = np.argsort(type_orbit, kind="stable")
    t_starts = np.searchsorted(type_orbit[t_order], np.arange(int(type_orbit.max()) + 1))
    t_size = np.diff(np.append(t_starts, type_orbit.size)).astype(np.float64)
    # the plan budgets ``plan["active"]`` dense rows of T columns; a folded row has one column per type
    # orbit, so proportionally more of them fit in the same bytes
    cap = min(n_orb, max(plan["active"], plan["active"] * type_orbit.size // t_starts.size))
    logr_rep = np.ascontiguousarray(logr[reps])
    # start small: the optimal support is far smaller than the family (at most one row per type)
    active = np.unique(np.linspace(0, n_orb - 1, min(n_orb, cap, _START_ROWS)).round().astype(np.int64))
    p_act = None
    inner = tol / 4
    kw = {} if max_iter is None else {"max_iter": max_iter}
    cache = {}
    best = None                          # the round of least gap: a swap of rows may widen it
    left = set()                         # rows that have left a full active set
    for rounds in range(1, max_rounds + 1):
        new = [o for o in active.tolist() if o not in cache]
        if new:
            Vn, bn = _folded_rows(logr, [members[o] for o in new], counts, logcoef, t_order, t_starts, t_size)
            cache.update({o: (Vn[i], bn[i]) for i, o in enumerate(new)})
        V = np.stack([cache[o][0] for o in active.tolist()])
        bonus = np.array([cache[o][1] for o in active.tolist()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = blahut_arimoto(V, tol=inner, p0=p_act, bonus=bonus * LOG2E, **kw)
        p_act = np.asarray(res.p, dtype=np.float64)
        p_act = p_act / p_act.sum()
        with np.errstate(divide="ignore"):
            q_orbit = (p_act @ V) / t_size
            logQ = np.log(q_orbit)[type_orbit]
        D = _divergences(logr_rep, sparse, logcoef, logQ)
        lower = float(p_act @ D[active])
        upper = float(D.max())
        if best is None or upper - lower < best[2] - best[1]:
            best = (p_act, lower, upper, active, D, q_orbit)
        if upper - lower <= tol_n or rounds == max_rounds:
            break
        outside = np.ones(n_orb, dtype=bool)
        outside[active] = False
        viol = np.flatnonzero(outside & (D > lower + tol_n / 2))
        if active.size >= cap and viol.size:
            # full: the rows of least mass (below _DROP_MASS each) make room for the violators; a row
            # leaves at most once, so that rows of tiny optimal mass cannot cycle in and out
            light = np.array([i for i in np.argsort(p_act, kind="stable").tolist()
                              if p_act[i] < _DROP_MASS and int(active[i]) not in left], dtype=np.int64)
            light = light[:min(viol.size, _ADD_ROWS, active.size - 1)]     # the heaviest row stays
            if light.size:
                for o in active[light].tolist():
                    cache.pop(o, None)
                    left.add(o)
                keep = np.delete(np.arange(active.size), light)
                active, p_act = active[keep], p_act[keep] / p_act[keep].sum()
        if viol.size == 0 or active.size >= cap:
            inner /= 4                                  # the active set is right; solve it tighter
            if inner < 1e-15:
                break
            continue
        add = viol[np.argsort(-D[viol])][:min(cap - active.size, _ADD_ROWS)]
        # keep the heaviest rows, add the violators (warm start with a little mass on them)
        active_new = np.union1d(active, add)
        p_new = np.full(active_new.size, 1e-3 / active_new.size)
        p_new[np.searchsorted(active_new, active)] += p_act
        active, p_act = active_new, p_new / p_new.sum()
    p_act, lower, upper, active, D, q_orbit = best
    with np.errstate(divide="ignore"):
        logQ = np.log(q_orbit)[type_orbit]
    p = np.zeros(G)
    for o, mass in zip(active.tolist(), p_act.tolist()):
        p[members[o]] = mass / members[o].size
    final = {"p": p_act, "active": active, "logQ": logQ, "q_orbit": q_orbit, "t_size": t_size,
             "t_first": t_order[t_starts]}
    return p, lower, upper, int(active.size), rounds, (D, members), final
