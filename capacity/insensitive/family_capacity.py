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
set until the gap is below ``tol``. See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from boolean._lib.memory import check_size
from boolean._lib.validate import check_domain, check_int, check_real

from .._result import ConvergenceWarning
from .families import (FunctionFamily, all_functions_family, symmetric_family, table_family,
                       threshold_family)

__all__ = ["FamilyCapacity", "family_capacity", "family_channel_plan"]

LOG2E = 1.0 / math.log(2.0)
#: Largest number of samples m.
MAX_M = 64
#: log r for a symbol of probability 0 (finite, so that 0 * log r = 0 in a matrix product).
_LOG_ZERO = -1e250
#: Active rows are solved as one dense matrix up to this many bytes.
_ACTIVE_BYTES = 256 * 2**20
#: Rows in the first active set, and most rows added per round.
_START_ROWS, _ADD_ROWS = 64, 64
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
        Rows solved densely (column generation); equals ``len(groups)`` when all fit.
    rounds : int
        Column-generation rounds.
    converged : bool
        Whether ``upper - lower <= tol``.
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
    converged: bool = True
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Certified gap ``upper - lower`` (bits)."""
        return self.upper - self.lower


# ----------------------------------------------------------------------------- reduction

@dataclass(frozen=True)
class _Reduced:
    logr: np.ndarray      # (G, d) log symbol probabilities (with _LOG_ZERO)
    groups: list          # member indices per group
    d: int


def reduce_cells(q, pi):
    """Merge cells (equal columns; constant columns into one symbol) and members (equal rows)."""
    from .classes import label_by_first

    # columns equal across all members -> one cell; constant columns -> the uninformative symbol
    cols, first = label_by_first(np.ascontiguousarray(q.T), axis=0)
    qc = q[:, first]
    pic = np.bincount(cols, weights=pi, minlength=first.size)
    const = (qc == qc[:1, :]).all(axis=0)
    qi, pii = qc[:, ~const], pic[~const]
    null = float(pic[const].sum())
    labels, rep = label_by_first(np.ascontiguousarray(qi), axis=0) if qi.shape[1] else \
        (np.zeros(q.shape[0], dtype=np.int64), np.array([0]))
    qr = qi[rep]
    r = np.concatenate([pii * qr, pii * (1.0 - qr)], axis=1)
    keep = r.max(axis=0) > 0
    r = r[:, keep]
    if null > 0:
        r = np.concatenate([r, np.full((r.shape[0], 1), null)], axis=1)
    with np.errstate(divide="ignore"):
        logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), _LOG_ZERO)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(rep.size + 1))
    groups = [order[bounds[k]:bounds[k + 1]] for k in range(rep.size)]
    return _Reduced(logr=logr, groups=groups, d=r.shape[1])


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
    nbytes = (T * d * (2 + 8 + 8)        # counts int16, float64 copy, argsort in the sparse form
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
    fam = table_family(family, domain=domain)
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
    >>> round(r.capacity, 6), bool(r.gap <= 1e-9), r.support[0][0]
    (1.443256, True, 'sym[11111] = 1')
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
    return solve_cells(fam, q, pi, n, s, m, tol, max_iter, max_bytes, t0, "family_capacity")


def solve_cells(fam, q, pi, n, s, m, tol, max_iter, max_bytes, t0, who):
    """Reduce the cell channel (q, pi) of ``fam``'s members, solve it and wrap the result."""
    red = reduce_cells(q, pi)
    G, d = len(red.groups), red.d
    plan = family_channel_plan(G, d, m)
    check_size(plan["bytes"], max_bytes, f"{who}(n={n}, s={s}, m={m}): {G} groups x "
                                         f"{plan['types']} types ({d} symbols)")
    counts = compositions(d, m).astype(np.float64)
    logcoef = gammaln(m + 1.0) - gammaln(counts + 1.0).sum(axis=1)
    p_group, lower, upper, active, rounds = _column_generation(red.logr, counts, logcoef, plan, tol, max_iter)
    return wrap_family_result(fam, red.groups, p_group, lower, upper, n, s, m, tol, d, plan["types"], active, rounds, t0, who)


def wrap_family_result(fam, groups, p_group, lower, upper, n, s, m, tol, d, n_types, active, rounds, t0,
                       who):
    """The :class:`FamilyCapacity` of a solved reduced problem (bounds in nats -> bits)."""
    lower_b, upper_b = lower * LOG2E, upper * LOG2E
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
                          converged=bool(converged), seconds=time.perf_counter() - t0)


def _log_rows(logr_rows, counts, logcoef):
    return logcoef[None, :] + logr_rows @ counts.T


def _sparse_types(counts):
    """(sym, cnt): the non-zero symbols of each type and their counts, zero-padded to m columns."""
    T, d = counts.shape
    k = int(min(d, counts.sum(axis=1).max()))
    sym = np.zeros((T, k), dtype=np.int64)
    cnt = np.zeros((T, k), dtype=np.float64)
    order = np.argsort(-counts, axis=1, kind="stable")[:, :k]    # non-zeros first
    sym[:] = order
    cnt[:] = np.take_along_axis(counts, order, axis=1)
    return sym, cnt


def _divergences(logr, sparse, logcoef, logQ):
    """D(W_f || Q) (nats) for every row (inf where W_f reaches Q = 0): the numba kernel."""
    from ._family_kernels import divergences

    return divergences(np.ascontiguousarray(logr), sparse[0], sparse[1], logcoef, np.ascontiguousarray(logQ))


def _column_generation(logr, counts, logcoef, plan, tol, max_iter, max_rounds=60):
    """Blahut–Arimoto on active rows + a sweep over all rows; returns (p, lower, upper, active, rounds) in nats."""
    from ..blahut_arimoto import blahut_arimoto

    G = logr.shape[0]
    sparse = _sparse_types(counts)
    tol_n = tol / LOG2E
    cap = plan["active"]
    # start small: the optimal support is far smaller than the family (at most one row per type)
    active = np.unique(np.linspace(0, G - 1, min(G, cap, _START_ROWS)).round().astype(np.int64))
    p_act = None
    inner = tol / 4
    kw = {} if max_iter is None else {"max_iter": max_iter}
    for rounds in range(1, max_rounds + 1):
        W = np.exp(_log_rows(logr[active], counts, logcoef))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = blahut_arimoto(W, tol=inner, p0=p_act, **kw)
        p_act = np.asarray(res.p, dtype=np.float64)
        p_act = p_act / p_act.sum()
        Q = p_act @ W
        with np.errstate(divide="ignore"):
            logQ = np.log(Q)
        D = _divergences(logr, sparse, logcoef, logQ)
        lower = float(p_act @ D[active])
        upper = float(D.max())
        if upper - lower <= tol_n or rounds == max_rounds:
            break
        outside = np.ones(G, dtype=bool)
        outside[active] = False
        viol = np.flatnonzero(outside & (D > lower + tol_n / 2))
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
    p = np.zeros(G)
    p[active] = p_act
    return p, lower, upper, int(active.size), rounds
