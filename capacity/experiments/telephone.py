"""Telephone-theorem chains: information along a Markov chain and the quantities it conserves.

Along X_0 -> X_1 -> X_2 -> ..., I(X_0; X_t) is nonincreasing (data processing) and, by
the Telephone theorem (J. Wentworth), its limit is the information carried by quantities
that are conserved: deterministic functions f_t with f_t(X_t) = f_{t+1}(X_{t+1}) almost
surely. This module computes I(X_0; X_t) with exact matrix products
(:func:`telephone_mi`) and the conserved quantities of a chain given by its transition
matrices (:func:`conserved_quantities`), with the information they carry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import lcm

import numpy as np

from boolean._lib.validate import check_int, check_real, check_stochastic
from boolean._lib.memory import check_size
from capacity.information import entropy
from capacity.insensitive.classes import label_by_first

from .markov import check_p0, mi_of_rows, plan_entries

__all__ = ["telephone_mi", "conserved_quantities", "ConservedQuantities"]

#: Largest horizon of :func:`conserved_quantities` (the layered graph has horizon x nnz edges).
MAX_HORIZON = 10 ** 6


def _as_chain(transitions, bytes_per_entry, max_bytes, name="transitions"):
    """Return (list of float64 matrices, homogeneous?). A 2-D input is one homogeneous matrix. Each matrix
    is planned at ``bytes_per_entry`` (its checks and the caller's work) before it is checked."""
    sequence = isinstance(transitions, (list, tuple))
    if sequence and len(transitions) == 0:
        raise ValueError(f"`{name}` must hold at least one transition matrix; got an empty sequence")
    if sequence:
        try:  # rows of numbers: one matrix written as nested lists (never np.asarray of the whole sequence)
            sequence = np.ndim(transitions[0]) > 1
        except (ValueError, TypeError):  # a ragged first matrix: checked, and named, below
            pass
    if sequence:
        for i, M in enumerate(transitions):
            plan_entries(M, bytes_per_entry, max_bytes, f"`{name}[{i}]`")
        mats = [check_stochastic(M, f"{name}[{i}]", ndims=(2,)) for i, M in enumerate(transitions)]
    else:
        plan_entries(transitions, bytes_per_entry, max_bytes, f"`{name}`")
        arr = check_stochastic(transitions, name, ndims=(2, 3))
        if arr.ndim == 2:
            if arr.shape[0] != arr.shape[1]:
                raise ValueError(f"`{name}` must be square when it is a single (time-homogeneous) matrix; "
                                 f"got shape {arr.shape}")
            return [arr], True
        mats = list(arr)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ValueError(f"`{name}[{i}]` has {mats[i].shape[1]} output states but `{name}[{i + 1}]` has "
                             f"{mats[i + 1].shape[0]} input states; they must match")
    return mats, False


def telephone_mi(transitions, t_max, *, p0=None, max_bytes=None):
    r"""I(X_0; X_t) in bits for t = 0..t_max along a (possibly time-inhomogeneous) Markov chain.

    X_{t+1} | X_t = x ~ M_t[x, :]. The joint law of (X_0, X_t) is diag(p0) M_0 M_1 ... M_{t-1},
    computed by exact products (one per step), and

    .. math:: I(X_0; X_t) = \sum_x p_0(x)\, D\bigl(P(X_t \mid X_0 = x) \,\|\, P(X_t)\bigr),

    nonincreasing in t by data processing.

    Parameters
    ----------
    transitions : array-like (n, n), or sequence of (n_t, n_{t+1}) arrays, or (T, n, n) array
        One matrix: a time-homogeneous chain. A sequence: M_0, M_1, ... used in order
        (state spaces may change size); it must have at least ``t_max`` matrices.
    t_max : int >= 0
    p0 : array-like (n_0,), optional
        Law of X_0 (default uniform).
    max_bytes : int, optional
        Refuse rows of P(X_t | X_0) over this size (default 8 GiB).

    Returns
    -------
    ndarray (t_max + 1,) of bits.

    Raises
    ------
    TypeError, ValueError
        For non-stochastic matrices (rows off 1 by more than 1e-9, negative or NaN entries),
        mismatched shapes, too few matrices, t_max < 0, a bad p0, or a size over ``max_bytes``.

    References
    ----------
    J. Wentworth, "Information at a distance is mediated by deterministic constraints" (2021);
    T. M. Cover and J. A. Thomas, *Elements of Information Theory* (2nd ed.), Thm 2.8.1.

    Examples
    --------
    >>> swap = [[0.0, 1.0], [1.0, 0.0]]     # deterministic: nothing is ever lost
    >>> telephone_mi(swap, 3).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    mats, homogeneous = _as_chain(transitions, 16.0, max_bytes)  # the checks' copy and masks
    t_max = check_int(t_max, "t_max", low=0, high=10 ** 7)
    if not homogeneous and len(mats) < t_max:
        raise ValueError(f"`t_max` must be at most the number of transition matrices ({len(mats)}); got {t_max}")
    n0 = mats[0].shape[0]
    p = np.full(n0, 1.0 / n0) if p0 is None else check_p0(p0, n0, "p0")
    support = np.flatnonzero(p > 0)
    check_size(8.0 * support.size * max(M.shape[1] for M in mats) * 3, max_bytes, "the rows of P(X_t | X_0)")
    rows = np.zeros((support.size, n0))
    rows[np.arange(support.size), support] = 1.0
    out = np.empty(t_max + 1)
    for t in range(t_max + 1):
        if t > 0:
            rows = rows @ (mats[0] if homogeneous else mats[t - 1])
            rows = rows / rows.sum(axis=1, keepdims=True)
        out[t] = mi_of_rows(p[support], rows)
    return out


@dataclass(frozen=True)
class ConservedQuantities:
    """Deterministic quantities conserved along a chain, and the information they carry.

    Attributes
    ----------
    labels : list of ndarray (int64)
        ``labels[t][x] = f_t(x)`` for t = 0..horizon: f_t(X_t) = f_{t+1}(X_{t+1}) almost
        surely, finest such labelling (block ids 0..n_blocks-1; -1 for states of probability
        0 at time t).
    n_blocks : int
        Number of values of the conserved quantity.
    information : float
        H(f_0(X_0)) bits: carried exactly at every t <= horizon, so I(X_0; X_t) >= information.
    limit_labels : indexable by t >= 0, or None
        Homogeneous chains: the asymptotically conserved quantity
        g_t(x) = (closed class of x, cyclic phase of x minus t) on recurrent states:
        ``limit_labels[t]`` is the int64 array of g_t (-1 on transient states), built when
        asked (it depends on t mod period, and periods of permutations can be astronomical).
    limit_information : float or None
        Homogeneous chains: lim_t I(X_0; X_t) = I(X_0; G) in bits, G the closed class and phase
        the chain ends in (the Telephone limit).
    period : int or None
        lcm of the periods of the closed classes (homogeneous chains).
    horizon : int
        Number of steps over which ``labels`` are conserved.
    extra : dict
        Homogeneous chains: ``closed_classes`` (the states of each closed class) and
        ``periods`` (the period of each).

    Examples
    --------
    >>> cq = conserved_quantities([[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5], [0, 0, 0.5, 0.5]])
    >>> cq.n_blocks, cq.information, cq.limit_information, cq.period   # which half survives forever
    (2, 1.0, 1.0, 1)
    """

    labels: list
    n_blocks: int
    information: float
    limit_labels: object = None
    limit_information: float | None = None
    period: int | None = None
    horizon: int = 0
    extra: dict = field(default_factory=dict, compare=False)


def _layered_components(mats, p, horizon, homogeneous):
    """Connected components of the layered support graph over t = 0..horizon.

    Nodes (t, x) reached with positive probability; edges (t, x) - (t+1, y) where M_t[x, y] > 0.
    All edges are gathered layer by layer with numpy and handed to scipy's connected_components
    (one C pass); labels are numbered by first appearance in (t, x) order, -1 off the support.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    sizes = [mats[0].shape[0]] + [(mats[0] if homogeneous else mats[t]).shape[1] for t in range(horizon)]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    alive = [np.asarray(p > 0)]
    rows, cols = [], []
    for t in range(horizon):
        M = mats[0] if homogeneous else mats[t]
        src = np.flatnonzero(alive[t])
        sub = M[src] > 0
        i, y = np.nonzero(sub)
        rows.append(offsets[t] + src[i])
        cols.append(offsets[t + 1] + y)
        alive.append(sub.any(axis=0))
    total = int(offsets[-1])
    r, c = (np.concatenate(edges + [np.zeros(0, np.int64)]) for edges in (rows, cols))  # none at horizon 0
    graph = coo_array((np.ones(r.size, dtype=np.int8), (r, c)), shape=(total, total))
    _, comp = connected_components(graph, directed=False)
    nodes = np.concatenate([offsets[t] + np.flatnonzero(alive[t]) for t in range(len(sizes))])
    rank, first = label_by_first(comp[nodes])
    flat = np.full(total, -1, dtype=np.int64)
    flat[nodes] = rank
    labels = [flat[offsets[t]:offsets[t + 1]].copy() for t in range(len(sizes))]
    return labels, int(first.size)


def _settled_horizon(M, p, plan, max_bytes):
    """Steps after which the first layer's partition of a homogeneous chain no longer changes.

    The partition Q_t of the states alive at time t into components of layers 0..t fixes Q_{t+1}:
    its blocks are the components of the bipartite graph (blocks of Q_t) -> (states at t+1). Layer 0
    has as many blocks as Q_t, a number that never increases; so once some Q_t repeats, the sequence
    is periodic, the count is constant and layer 0's partition is final. Stops at the first repeat
    (or a single block); refuses, through ``plan(t)``, a horizon whose layered graph is over ``max_bytes``.
    """
    import hashlib

    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = M.shape[0]
    xs, ys = np.nonzero(M > 0)
    group = np.where(p > 0, np.cumsum(p > 0) - 1, -1)  # Q_0: singletons
    seen = set()
    for t in range(MAX_HORIZON + 1):
        key = hashlib.blake2b(group.tobytes(), digest_size=16).digest()
        if key in seen or group.max() <= 0:
            return t
        seen.add(key)
        check_size(plan(t + 1), max_bytes, "the layered graph")
        g = int(group.max()) + 1
        live = group[xs] >= 0
        graph = coo_array((np.ones(int(live.sum()), np.int8), (group[xs[live]], g + ys[live])), shape=(g + n,) * 2)
        comp = connected_components(graph, directed=False)[1][g:]
        alive = np.zeros(n, dtype=bool)
        alive[ys[live]] = True
        group = np.full(n, -1, dtype=np.int64)
        group[alive] = label_by_first(comp[alive])[0]
    raise ValueError(f"the partition conserved by `transitions` did not settle within {MAX_HORIZON} steps; "
                     "pass `horizon` to choose the steps")


class _LimitLabels:
    """g_t(x) = (closed class of x, phase of x - t mod its period) for any t >= 0, built on demand."""

    def __init__(self, n, closed):
        self.n, self.closed = n, closed

    def __getitem__(self, t):
        t = check_int(t, "t", low=0)
        lab = np.full(self.n, -1, dtype=np.int64)
        base = 0
        for members, d, phase in self.closed:
            lab[members] = base + (phase - t % d) % d
            base += d
        return lab

    def __repr__(self):
        return f"<limit labels g_t of {self.n} states, t >= 0>"


def _closed_classes(M):
    """Closed communicating classes of a square chain, with their periods and cyclic phases."""
    from scipy.sparse.csgraph import connected_components, shortest_path

    adj = M > 0
    n_comp, comp = connected_components(adj, directed=True, connection="strong")
    closed = []
    for c in range(n_comp):
        members = np.flatnonzero(comp == c)
        if adj[members][:, comp != c].any():
            continue
        # the period is the gcd of level(x) + 1 - level(y) over the class's edges, with BFS levels
        # (distances from its first state); a state's phase is its level mod the period
        inner = adj[np.ix_(members, members)]
        level = shortest_path(inner, unweighted=True, indices=0).astype(np.int64)
        xs, ys = np.nonzero(inner)
        d = max(int(np.gcd.reduce(level[xs] + 1 - level[ys])), 1)
        closed.append((members, d, level % d))
    return closed


def conserved_quantities(transitions, *, p0=None, horizon=None, tol=1e-13, max_steps=10 ** 15, max_bytes=None):
    """Deterministic quantities conserved by a Markov chain, from its transition matrices.

    :math:`f_t` is conserved when :math:`f_t(X_t) = f_{t+1}(X_{t+1})` almost surely for every t. Build the
    layered graph with a node (t, x) for every state of positive probability at time t and
    an edge (t, x) - (t+1, y) when M_t[x, y] > 0: a conserved f must be constant on each
    connected component, and the components themselves are the finest conserved quantity
    (each block at time t maps into a single block at t+1 with probability 1). A quantity
    whose value alternates with t (f_t(x) = g(x) xor t mod 2) is found this way too.
    ``information`` = H(f_0(X_0)) is carried at every t of the horizon, a lower bound on
    I(X_0; X_t).

    For a homogeneous chain the Telephone limit is also returned: X_t ends in a closed class
    C with period d_C and cyclic sub-classes; G = (C, phase - t mod d_C) is eventually
    conserved and lim_t I(X_0; X_t) = I(X_0; G). Its law given X_0 is obtained from powers
    of M^L (L = lcm of the periods) until the transient mass is below ``tol``.

    Parameters
    ----------
    transitions : array-like (n, n), or sequence of (n_t, n_{t+1}) arrays
        One square matrix: homogeneous chain. A sequence: time-inhomogeneous M_0, M_1, ...
        (the labels then cover t = 0..len).
    p0 : array-like (n_0,), optional
        Law of X_0 (default uniform); only its support matters for the labels.
    horizon : int, optional
        Steps over which the labels are computed, at most 10**6 (default: len(sequence), or for
        a homogeneous chain the first step at which the partition of the states alive at t
        into components of the layered graph repeats: from there the partition of the first
        layer, which only coarsens with the horizon, no longer changes).
    tol : float > 0, default 1e-13
        Transient mass left when computing the limit law.
    max_steps : int >= 0, default 10**15
        Largest power of M^L tried before giving up (ValueError); powers are squared, so
        10**15 costs about 50 products.
    max_bytes : int, optional
        Refuse the layered graph and the limit's n x n powers over this size (default 8 GiB).

    Returns
    -------
    ConservedQuantities

    Raises
    ------
    TypeError, ValueError
        For non-stochastic or mismatched matrices, a bad p0, horizon, tol or max_steps, a
        limit not reached within ``max_steps``, or a size over ``max_bytes``.

    References
    ----------
    J. Wentworth, "Information at a distance is mediated by deterministic constraints" (2021);
    J. G. Kemeny and J. L. Snell, *Finite Markov Chains* (1960), Ch. 3 (periodic classes).

    Examples
    --------
    >>> cq = conserved_quantities([[0.0, 1.0], [1.0, 0.0]])   # the state alternates
    >>> cq.labels[0].tolist(), cq.labels[1].tolist(), cq.information, cq.limit_information
    ([0, 1], [1, 0], 1.0, 1.0)
    """
    mats, homogeneous = _as_chain(transitions, 48.0, max_bytes)  # the limit's n x n powers (homogeneous)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_steps = check_int(max_steps, "max_steps", low=0)
    n0 = mats[0].shape[0]
    p = np.full(n0, 1.0 / n0) if p0 is None else check_p0(p0, n0, "p0")
    closed = _closed_classes(mats[0]) if homogeneous else None
    period = lcm(*(d for _, d, _ in closed)) if homogeneous else None
    def plan(h):
        # nodes (labels, offsets, components: ~4 words each) and edges (<= h x nnz: two int64 indices,
        # an int8 weight, and csgraph's CSR copy, ~40 bytes each)
        if homogeneous:
            nodes, edges = n0 * (h + 1), h * int(np.count_nonzero(mats[0]))
        else:
            nodes = n0 + sum(M.shape[1] for M in mats[:h])
            edges = sum(int(np.count_nonzero(M)) for M in mats[:h])
        return 32.0 * nodes + 40.0 * edges + (48.0 * n0 * n0 if homogeneous else 0.0)

    if horizon is None:
        horizon = len(mats) if not homogeneous else _settled_horizon(mats[0], p, plan, max_bytes)
    horizon = check_int(horizon, "horizon", low=0, high=MAX_HORIZON if homogeneous else len(mats))
    check_size(plan(horizon), max_bytes, "the layered graph")
    labels, n_blocks = _layered_components(mats, p, horizon, homogeneous)
    f0 = labels[0]
    mass = np.bincount(f0[p > 0], weights=p[p > 0], minlength=n_blocks)
    information = entropy(mass / mass.sum())
    if not homogeneous:
        return ConservedQuantities(labels, n_blocks, information, horizon=horizon)
    M = mats[0]
    limit_labels = _LimitLabels(n0, closed)
    n_g = sum(d for _, d, _ in closed)
    # P(G = g | X_0 = x) = lim_m sum_{y} (M^(mL))[x, y] 1{g_0(y) = g}
    ML = np.linalg.matrix_power(M, period)
    recurrent = limit_labels[0] >= 0
    P = np.eye(n0)
    steps = 0
    while P[:, ~recurrent].sum(axis=1).max() > tol:
        if steps > max_steps:
            raise ValueError(f"the chain did not reach its closed classes within `max_steps`={max_steps} "
                             f"periods (transient mass {P[:, ~recurrent].sum(axis=1).max():.3g} > tol)")
        P = P @ ML
        P /= P.sum(axis=1, keepdims=True)
        ML = ML @ ML
        ML /= ML.sum(axis=1, keepdims=True)
        steps = 2 * steps + 1
    A = np.zeros((n0, n_g))
    A[np.flatnonzero(recurrent), limit_labels[0][recurrent]] = 1.0
    G = P @ A
    G = G / G.sum(axis=1, keepdims=True)
    support = p > 0
    limit_information = mi_of_rows(p[support], G[support])
    return ConservedQuantities(labels, n_blocks, information, limit_labels, limit_information, period, horizon,
                               extra={"closed_classes": [c[0] for c in closed],
                                      "periods": [c[1] for c in closed]})
