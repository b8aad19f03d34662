"""Abstractions of computations: partitions of memory states, completeness, minimal abstractions.

A (finite) computation has memory states M = {0, ..., n-1}, a transition tau: M -> M (or, for a
Markov chain or a noisy computation, a stochastic matrix P), a termination test, an input map and
an output map (:class:`Computation`). An abstraction is an equivalence relation on M, given as a
label array: states with equal labels are related. R1 is at least as informative as R2 when R1
refines R2. The pull-back tau*R relates a, a' when tau(a) R tau(a'), and R is complete when it
determines the next abstract state, i.e. R refines tau*R (Jenner 2023; for a Markov chain, strong
lumpability: all states of a block have the same probability of moving into each block, Kemeny &
Snell 1960).

For any abstraction R0, the complete abstractions that refine R0 are closed under arbitrary joins
(a union of complete relations generates a complete relation), so they form a complete lattice with
a least informative element: the minimal complete abstraction (:func:`minimal_complete_abstraction`,
by partition refinement). Relaxing completeness, :func:`abstraction_tradeoff` merges its blocks
greedily and measures in bits how much information about the next abstract state each coarsening
loses.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import as_array, check_int, check_real, check_stochastic, shape_of

from . import _abstractions_numba as _k
from .markov import check_transition

__all__ = ["Computation", "MinimalAbstraction", "TradeoffCurve", "canonical", "meet", "join", "refines",
           "pullback", "is_complete", "output_abstraction", "minimal_complete_abstraction",
           "abstraction_tradeoff", "counter_computation", "cellular_automaton_computation",
           "circuit_computation", "ripple_adder_gates", "naive_bayes_gibbs_computation"]

#: Largest number of states (and of nonzero transition probabilities) the int32 kernels accept.
MAX_STATES = 2**31 - 2

# ----------------------------------------------------------------------------- the data model
def _check_labels(labels, n, name):
    """An integer label array of length n (any integer values) -> int64 numpy."""
    arr = as_array(labels, name, kinds="biu", requirement="an integer array of labels")
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D (one label per state); got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"`{name}` must have one label per state ({n}); got length {arr.size}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must be non-empty; got length 0")
    return arr.astype(np.int64, copy=False)


def _dense_labels(arr):
    """Labels -> (labels in 0..k-1 in order of first appearance, k)."""
    _, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return order[inverse.reshape(-1)].astype(np.int64), first.size


def _compact_labels(arr):
    """Labels -> (labels in 0..k-1, k), any order of blocks: O(n) by counting when the labels are
    small non-negative integers, else by sorting."""
    lo, hi = int(arr.min()), int(arr.max())
    if lo >= 0 and hi < 2 * arr.size + 16:
        present = np.bincount(arr, minlength=hi + 1) > 0
        index = np.cumsum(present) - 1
        return index[arr], int(present.sum())
    inverse = np.unique(arr, return_inverse=True)[1].reshape(-1)
    return inverse, int(inverse.max()) + 1


def _is_sparse(a):
    import scipy.sparse as sp

    return sp.issparse(a)


def _as_transition(transition):
    """Validate a transition: 1-D int map into range, or square stochastic matrix (dense or sparse).
    Returns (int64 step array or scipy CSR float64 matrix, stochastic?)."""
    if _is_sparse(transition) or len(shape_of(transition)) == 2:
        import scipy.sparse as sp

        P = sp.csr_array(check_transition(transition, "transition"))
        P.sum_duplicates()
        P.eliminate_zeros()
        if P.shape[0] > MAX_STATES or P.nnz > MAX_STATES:
            raise ValueError(f"`transition` must have at most {MAX_STATES} states and nonzeros; got shape "
                             f"{P.shape} with {P.nnz} nonzeros")
        return P, True
    arr = as_array(transition, "transition", kinds="biuf")
    if arr.ndim != 1:
        raise ValueError(f"`transition` must be 1-D (a map tau[state] = next state) or 2-D (a stochastic "
                         f"matrix); got shape {arr.shape}")
    n = arr.size
    if n == 0:
        raise ValueError("`transition` must be non-empty; got length 0")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"`transition` must be an integer array when 1-D (next-state indices); got dtype "
                        f"{arr.dtype}")
    if n > MAX_STATES:
        raise ValueError(f"`transition` must have at most {MAX_STATES} states; got {n}")
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"`transition` must map into range(0, {n}); got tau[{i}] = {int(arr[i])}")
    return arr.astype(np.int64), False


@dataclass(frozen=True, eq=False)
class Computation:
    """A finite computation: memory states 0..n-1, a transition, a termination test, input and
    output maps (validated on construction).

    Deterministic: ``transition[a]`` is tau(a). Stochastic (a Markov chain or a noisy
    computation): ``transition[a, b]`` = P(tau(a) = b). Halted states are fixed points: the
    transition of a state with ``halted[a]`` true is replaced by a -> a,

    .. math:: \\tau_H(a) = a \\text{ if } H(a) \\text{ else } \\tau(a).

    Parameters
    ----------
    transition : array_like of int, shape (n,), or stochastic matrix, shape (n, n)
        tau as next-state indices in range(n), or a row-stochastic matrix (numpy or scipy.sparse;
        rows sum to 1 within 1e-9, 4 ulps for float32; stored as a scipy CSR array).
    halted : array_like of bool, shape (n,), optional
        The termination test H (deterministic computations only). Default: no state halts.
    inputs : array_like of int, shape (n_inputs,), optional
        The input map: ``inputs[i]`` is the start state of input i.
    outputs : array_like of int, shape (n,), optional
        The output map: ``outputs[a]`` is the output read from state a (meaningful when halted).

    Attributes
    ----------
    transition : ndarray of int64 (n,) or scipy.sparse.csr_array (n, n)
        tau_H (halted states already fixed) or P.
    halted, inputs, outputs : ndarray or None
        As given (bool, int64, int64).
    n_states : int
        n.
    stochastic : bool
        Whether the transition is a stochastic matrix.

    Raises
    ------
    TypeError
        Non-integer next-state indices, labels or inputs.
    ValueError
        Indices out of range, a non-stochastic matrix, maps of the wrong length, halted states in
        a stochastic computation.

    Examples
    --------
    >>> c = Computation([1, 2, 3, 3], halted=[False, False, False, True], outputs=[0, 0, 0, 1])
    >>> c.n_states, c.stochastic, c.transition.tolist()
    (4, False, [1, 2, 3, 3])
    """

    transition: object
    halted: object = None
    inputs: object = None
    outputs: object = None

    def __post_init__(self):
        step, stochastic = _as_transition(self.transition)
        n = step.shape[0]
        halted = None
        if self.halted is not None:
            h = as_array(self.halted, "halted", kinds="biu", requirement="a boolean array")
            if h.shape != (n,):
                raise ValueError(f"`halted` must have one entry per state ({n}); got shape {h.shape}")
            if h.dtype.kind != "b" and not np.isin(h, (0, 1)).all():
                raise ValueError("`halted` must hold booleans (or 0/1); got other values")
            halted = h.astype(bool)
            if stochastic:
                raise ValueError("`halted` must be None for a stochastic transition (a Markov chain has no "
                                 "termination test); got an array")
            step = np.where(halted, np.arange(n), step)
        inputs = None
        if self.inputs is not None:
            inputs = _check_labels(self.inputs, None, "inputs")
            bad = (inputs < 0) | (inputs >= n)
            if bad.any():
                i = int(np.argmax(bad))
                raise ValueError(f"`inputs` must hold states in range(0, {n}); got inputs[{i}] = {int(inputs[i])}")
        outputs = None if self.outputs is None else _check_labels(self.outputs, n, "outputs")
        object.__setattr__(self, "transition", step)
        object.__setattr__(self, "halted", halted)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "outputs", outputs)

    @property
    def n_states(self) -> int:
        return int(self.transition.shape[0])

    @property
    def stochastic(self) -> bool:
        return not isinstance(self.transition, np.ndarray)


def _check_computation(computation):
    if not isinstance(computation, Computation):
        raise TypeError(f"`computation` must be a Computation; got {type(computation).__name__}")
    return computation


# ----------------------------------------------------------------------------- the lattice
def canonical(labels):
    """The canonical labels of a partition: blocks numbered 0, 1, ... in order of their first state.

    Two label arrays describe the same abstraction exactly when their canonical forms are equal:

    .. math:: c(a) = |\\{R(b) : b < \\min R^{-1}(R(a))\\}|.

    Parameters
    ----------
    labels : array_like of int, shape (n,)

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Not 1-D, or empty.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> canonical([7, 7, 3, 9, 3]).tolist()
    [0, 0, 1, 2, 1]
    """
    return _dense_labels(_check_labels(labels, None, "labels"))[0]


def _pair_labels(a, b):
    """Canonical labels of the common refinement of two dense label arrays."""
    kb = int(b.max()) + 1
    return _dense_labels(a * kb + b)


def meet(*labels):
    """The common refinement of abstractions: a, a' related when every R_i relates them,

    .. math:: a \\,(R_1 \\wedge R_2)\\, a' \\iff a R_1 a' \\text{ and } a R_2 a'.

    In the order "at least as informative" it is the least upper bound (it knows everything any
    R_i knows); it is the lattice meet of the partitions ordered by coarseness.

    Parameters
    ----------
    *labels : array_like of int, shape (n,)
        One or more abstractions of the same n states.

    Returns
    -------
    ndarray of int64, shape (n,)
        Canonical labels (see :func:`canonical`).

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        No abstraction given, or label arrays of different lengths.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> meet([0, 0, 1, 1], [0, 1, 1, 1]).tolist()
    [0, 1, 2, 2]
    """
    if len(labels) == 0:
        raise ValueError("`labels` must hold at least one abstraction; got none")
    first = _check_labels(labels[0], None, "labels[0]")
    out, _ = _dense_labels(first)
    for i, lab in enumerate(labels[1:], start=1):
        out, _ = _pair_labels(out, _dense_labels(_check_labels(lab, first.size, f"labels[{i}]"))[0])
    return out


def join(a, b):
    """The finest common coarsening of two abstractions (the equivalence relation they generate):
    a ~ a' when a chain a = x_0, x_1, ..., x_m = a' links consecutive states by R_1 or R_2,

    .. math:: R_1 \\vee R_2 = \\bigcup_{m \\ge 1} (R_1 \\circ R_2)^m.

    Parameters
    ----------
    a, b : array_like of int, shape (n,)

    Returns
    -------
    ndarray of int64, shape (n,)
        Canonical labels.

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Label arrays of different lengths.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> join([0, 0, 1, 1, 2], [0, 1, 1, 2, 3]).tolist()
    [0, 0, 0, 0, 1]
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    a = _dense_labels(_check_labels(a, None, "a"))
    b = _dense_labels(_check_labels(b, a[0].size, "b"))
    ka, kb = a[1], b[1]
    graph = coo_array((np.ones(a[0].size), (a[0], ka + b[0])), shape=(ka + kb, ka + kb))
    _, comp = connected_components(graph, directed=False)
    return _dense_labels(comp[a[0]])[0]


def refines(a, b):
    """Whether abstraction ``a`` refines ``b`` (``a`` is at least as informative):

    .. math:: a \\preceq b \\iff (x\\, R_a\\, y \\Rightarrow x\\, R_b\\, y).

    Parameters
    ----------
    a, b : array_like of int, shape (n,)
        As :func:`join`.

    Returns
    -------
    bool

    Raises
    ------
    TypeError, ValueError
        As :func:`join`.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> refines([0, 1, 2, 2], [0, 0, 1, 1]), refines([0, 0, 1, 1], [0, 1, 2, 2])
    (True, False)
    """
    da, ka = _dense_labels(_check_labels(a, None, "a"))
    db, _ = _dense_labels(_check_labels(b, da.size, "b"))
    return bool(_pair_labels(da, db)[1] == ka)


def pullback(computation, labels):
    """The pull-back of an abstraction along a deterministic transition:

    .. math:: a \\,(\\tau^* R)\\, a' \\iff \\tau(a) \\,R\\, \\tau(a').

    Parameters
    ----------
    computation : Computation
        A deterministic computation (halted states are fixed points).
    labels : array_like of int, shape (n_states,)

    Returns
    -------
    ndarray of int64, shape (n_states,)
        Canonical labels of tau*R.

    Raises
    ------
    TypeError
        Not a Computation, or a stochastic one; non-integer labels.
    ValueError
        Labels of the wrong length.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> c = Computation([1, 2, 0, 3])
    >>> pullback(c, [0, 0, 1, 1]).tolist()
    [0, 1, 0, 1]
    """
    c = _check_computation(computation)
    if c.stochastic:
        raise TypeError("`computation` must be deterministic for a pull-back; got a stochastic one (use "
                        "is_complete or minimal_complete_abstraction, which handle lumpability)")
    lab = _check_labels(labels, c.n_states, "labels")
    return _dense_labels(lab[c.transition])[0]


def _lumping_defect(P, labels, k):
    return float(_k.lumping_defect(P.indptr.astype(np.int64), P.indices.astype(np.int64), P.data, labels, k))


def is_complete(computation, labels, *, atol=1e-12):
    """Whether an abstraction determines the next abstract state: R refines tau*R, or for a
    stochastic transition, R is strongly lumpable,

    .. math:: a R a' \\Rightarrow \\sum_{b \\in C} P(a, b) = \\sum_{b \\in C} P(a', b)
              \\quad \\text{for every block } C.

    Parameters
    ----------
    computation : Computation
    labels : array_like of int, shape (n_states,)
    atol : float, default 1e-12
        Stochastic only: block probabilities within ``atol`` count as equal (sums of floats
        differ in their last bits when they add the same numbers in another order).

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        Not a Computation; non-integer labels.
    ValueError
        Labels of the wrong length; ``atol`` negative.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.
    .. [2] Kemeny, J. G. and Snell, J. L. (1960). Finite Markov Chains, section 6.3. Van Nostrand.

    Examples
    --------
    >>> c = Computation([1, 2, 3, 0])          # a 2-bit counter, x -> x + 1 mod 4
    >>> is_complete(c, [0, 1, 0, 1]), is_complete(c, [0, 0, 1, 1]), is_complete(c, [0, 0, 0, 1])
    (True, False, False)
    """
    c = _check_computation(computation)
    lab = _check_labels(labels, c.n_states, "labels")
    atol = check_real(atol, "atol", low=0.0)
    dense, k = _dense_labels(lab)
    if c.stochastic:
        return _lumping_defect(c.transition, dense, k) <= atol
    return bool(_pair_labels(dense, dense[c.transition])[1] == k)


def output_abstraction(computation):
    """The "finish the computation" abstraction: a, a' related when they halt with the same output,

    .. math:: a \\sim a' \\iff \\mathrm{out}(\\tau_H^\\infty(a)) = \\mathrm{out}(\\tau_H^\\infty(a')),

    with one more block for the states that never halt (when there are any). It is complete
    (tau_H^infinity(tau(a)) = tau_H^infinity(a)), so it is its own minimal complete abstraction.

    Parameters
    ----------
    computation : Computation
        Deterministic, with ``halted`` and ``outputs``.

    Returns
    -------
    ndarray of int64, shape (n_states,)
        Canonical labels.

    Raises
    ------
    TypeError
        Not a Computation, or a stochastic one.
    ValueError
        A computation without ``halted`` or ``outputs``.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> c = Computation([1, 3, 3, 3], halted=[0, 0, 1, 1], outputs=[5, 5, 0, 1])
    >>> output_abstraction(c).tolist()
    [0, 0, 1, 0]
    """
    c = _check_computation(computation)
    if c.stochastic:
        raise TypeError("`computation` must be deterministic; got a stochastic one")
    if c.halted is None or c.outputs is None:
        raise ValueError("`computation` must have `halted` and `outputs`; got "
                         f"halted={'set' if c.halted is not None else None}, "
                         f"outputs={'set' if c.outputs is not None else None}")
    final, _ = _k.run_to_halt(c.transition, c.halted)
    out = np.where(final >= 0, c.outputs[np.maximum(final, 0)], 0)
    never = final < 0
    if never.any():
        out = np.where(never, out.max() + 1 if out.size else 0, out)
    return _dense_labels(out)[0]


# ----------------------------------------------------------------------------- minimal complete
def _minimal_plan(n_states, nnz):
    """Peak bytes of :func:`minimal_complete_abstraction` (and of the start of
    :func:`abstraction_tradeoff`). A function: at most 240 bytes per state (label compaction, int32
    partition and preimage arrays, the cyclic part's refinement when every state is cyclic, the
    (class, label) table or hash table, int64 classes and result). A stochastic matrix with m
    nonzeros: 110 bytes per state (label compaction, partition arrays, per-state weights, result)
    plus 40 per nonzero (the transposed copy and the int64 indices of the certificate)."""
    if nnz:
        return 110 * n_states + 40 * nnz
    return 240 * n_states


@dataclass(frozen=True)
class MinimalAbstraction:
    r"""The minimal complete abstraction at least as informative as R0: the coarsest partition
    :math:`R` with :math:`R \preceq R_0` and :math:`R \preceq \tau^* R`, where
    :math:`a \mathrel{(\tau^* R)} a' \iff \tau(a) \mathrel{R} \tau(a')`.

    Attributes
    ----------
    labels : ndarray of int64, shape (n_states,)
        Canonical labels (blocks numbered in order of their first state).
    n_blocks : int
        Number of abstract states.
    defect : float
        max over blocks B, C and a, a' in B of :math:`|P(a, C) - P(a', C)|`: 0.0 for a deterministic
        computation; for a stochastic one, the certified lumpability error (<= ``atol`` up to
        rounding).
    splitters : int
        Blocks used as splitters by the partition refinement (for a function: of its cyclic part).

    Examples
    --------
    >>> r = minimal_complete_abstraction(Computation([1, 2, 3, 0]), [0, 0, 0, 1])
    >>> r.n_blocks, r.labels.tolist(), r.defect
    (4, [0, 1, 2, 3], 0.0)
    """

    labels: np.ndarray
    n_blocks: int
    defect: float
    splitters: int


def minimal_complete_abstraction(computation, labels, *, atol=1e-12, max_bytes=None):
    """The least informative complete abstraction that refines R0 (the coarsest stable refinement).

    For a deterministic tau it relates a, a' exactly when their trajectories look alike under R0
    forever,

    .. math:: a \\sim a' \\iff R_0(\\tau^t a) = R_0(\\tau^t a') \\ \\forall t \\ge 0,

    the greatest fixed point below R0 of R -> R meet tau*R. For a stochastic P it is the coarsest
    strongly lumpable refinement of R0 (Kemeny & Snell 1960): states share a block only when their
    probabilities of moving into every block agree. Computed by partition refinement with
    Hopcroft's "all but the largest part" rule: O(n log n) for a function, O(m log n) scans plus
    per-split sorts for a matrix with m nonzeros (Valmari & Franceschinis 2010).

    Parameters
    ----------
    computation : Computation
    labels : array_like of int, shape (n_states,)
        R0, the abstraction whose information must be kept (any integer labels).
    atol : float, default 1e-12
        Stochastic only: block probabilities within ``atol`` (consecutive in sorted order) count as
        equal; the result's ``defect`` certifies what was merged.
    max_bytes : int, optional
        Refuse the call when the plan (at most 240 bytes per state for a function; 110 per state
        plus 40 per nonzero for a matrix) exceeds it; default 8 GiB.

    Returns
    -------
    MinimalAbstraction

    Raises
    ------
    TypeError
        Not a Computation; non-integer labels.
    ValueError
        Labels of the wrong length; ``atol`` negative; the plan over ``max_bytes``.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.
    .. [2] Hopcroft, J. (1971). An n log n algorithm for minimizing states in a finite automaton.
           Theory of Machines and Computations, 189-196.
    .. [3] Paige, R. and Tarjan, R. E. (1987). Three partition refinement algorithms. SIAM J.
           Comput. 16(6), 973-989.
    .. [4] Paige, R., Tarjan, R. E. and Bonic, R. (1985). A linear time solution to the single
           function coarsest partition problem. Theoret. Comput. Sci. 40, 67-84.
    .. [5] Kemeny, J. G. and Snell, J. L. (1960). Finite Markov Chains. Van Nostrand.
    .. [6] Derisavi, S., Hermanns, H. and Sanders, W. H. (2003). Optimal state-space lumping in
           Markov chains. Inform. Process. Lett. 87(6), 309-315.
    .. [7] Valmari, A. and Franceschinis, G. (2010). Simple O(m log n) time Markov chain lumping.
           TACAS 2010, LNCS 6015, 38-52.

    Examples
    --------
    A 3-bit counter: the lowest bit is complete by itself; the top bit needs the whole state.

    >>> c = counter_computation(3)
    >>> minimal_complete_abstraction(c, np.arange(8) & 1).n_blocks
    2
    >>> minimal_complete_abstraction(c, np.arange(8) >> 2).n_blocks
    8
    """
    c = _check_computation(computation)
    lab = _check_labels(labels, c.n_states, "labels")
    atol = check_real(atol, "atol", low=0.0)
    n = c.n_states
    nnz = c.transition.nnz if c.stochastic else 0
    check_size(_minimal_plan(n, nnz), max_bytes, "minimal_complete_abstraction")
    dense, k0 = _compact_labels(lab)
    dense32 = dense.astype(np.int32)
    if not c.stochastic:
        out, k, n_split = _k.refine_function_forest(c.transition.astype(np.int32), dense32, k0)
        return MinimalAbstraction(out, int(k), 0.0, int(n_split))
    P = c.transition
    T = P.T.tocsr()
    out, k, n_split = _k.refine_lumpable(T.indptr.astype(np.int32), T.indices.astype(np.int32),
                                         T.data.astype(np.float64), dense32, k0, atol)
    return MinimalAbstraction(out, int(k), _lumping_defect(P, out, int(k)), int(n_split))


# ----------------------------------------------------------------------------- approximate
def _cond_entropy(J):
    """H(column | row) in bits of a joint matrix J."""
    rows = J.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hj = -np.sum(np.where(J > 0, J * np.log2(np.where(J > 0, J, 1.0)), 0.0))
        hr = -np.sum(np.where(rows > 0, rows * np.log2(np.where(rows > 0, rows, 1.0)), 0.0))
    return float(hj - hr)


def _entropy(p):
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def _completeness_error(mass, lumped, groups):
    """I(A; G' | G) = H(G'|G) - H(G'|A) for a grouping of the lumped chain (A = start blocks)."""
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.diff(groups[order], prepend=-1))
    L = np.add.reduceat(lumped[:, order], starts, axis=1)  # P(next group | start block)
    J = np.add.reduceat((mass[:, None] * L)[order], starts, axis=0)  # P(group now, group next)
    return _cond_entropy(J) - _cond_entropy(mass[:, None] * L)


@dataclass(frozen=True)
class TradeoffCurve:
    r"""Approximate abstractions: size against completeness error
    :math:`I\bigl(X_t;\, R(X_{t+1}) \mid R(X_t)\bigr)` (bits), from greedy merging.

    Point i of the curve is the abstraction after i merges of the minimal complete abstraction
    (point 0, error 0); the last point is R0's coarsest admissible grouping (every block of R0 in
    one abstract state).

    Attributes
    ----------
    n_blocks : ndarray of int64
        Number of abstract states at each point (decreasing by 1).
    error_bits : ndarray of float64
        Completeness error I(X_t; R(X_{t+1}) | R(X_t)) in bits (>= 0; 0 iff complete on the
        support of ``p``).
    entropy_bits : ndarray of float64
        H(R(X_t)) in bits.
    start : ndarray of int64, shape (n_states,)
        Labels of the minimal complete abstraction (point 0).
    merges : ndarray of int64, shape (n_points - 1, 2)
        The block ids merged at each step (labels of ``start``; the merged block keeps the first).

    Examples
    --------
    >>> c = counter_computation(2)
    >>> curve = abstraction_tradeoff(c, [0, 0, 0, 1])
    >>> curve.n_blocks.tolist(), curve.error_bits.round(3).tolist()
    ([4, 3, 2], [0.0, 0.5, 0.689])
    >>> curve.labels_at(3).tolist()
    [0, 0, 1, 2]
    """

    n_blocks: np.ndarray
    error_bits: np.ndarray
    entropy_bits: np.ndarray
    start: np.ndarray
    merges: np.ndarray

    def labels_at(self, n_blocks):
        """Canonical labels of the curve's abstraction with ``n_blocks`` abstract states."""
        n_blocks = check_int(n_blocks, "n_blocks", low=int(self.n_blocks[-1]), high=int(self.n_blocks[0]))
        gid = np.arange(int(self.n_blocks[0]))
        for i, j in self.merges[: int(self.n_blocks[0]) - n_blocks]:
            gid[gid == j] = i
        return _dense_labels(gid[self.start])[0]


def _tradeoff_plan(n_states, nnz, k0):
    """Peak bytes of :func:`abstraction_tradeoff`: the refinement's plan, then five k0 x k0 float64
    matrices (joint, lumped chain, their working copies, the table of pair errors)."""
    return max(_minimal_plan(n_states, nnz), 8 * n_states + 40 * k0 * k0)


def abstraction_tradeoff(computation, labels, *, p=None, atol=1e-12, max_blocks=256, max_bytes=None):
    """The trade-off between the size of an abstraction and its completeness error, by greedy merging.

    With X_t ~ p and R an abstraction refining R0, the completeness error is the information about
    the next abstract state that R loses,

    .. math:: \\varepsilon(R) = I(X_t; R(X_{t+1}) \\mid R(X_t))
              = H(R(X_{t+1}) \\mid R(X_t)) - H(R(X_{t+1}) \\mid X_t) \\ \\text{bits},

    0 exactly when R is complete on the support of p. The curve starts at the minimal complete
    abstraction refining R0 (k0 blocks, error 0) and merges, at each step, the pair of blocks inside
    one block of R0 whose merge gives the smallest error, down to R0 itself. Every coarsening of
    the start is a function of the lumped chain on its k0 blocks; the error change of every
    admissible pair is kept in a k0 x k0 table and updated after each merge (O(k0) for the pairs
    with the merged block, O(1) for the others), so each of the at most k0 steps costs
    O(k0^2) and the curve O(k0^3), after the refinement.

    Parameters
    ----------
    computation : Computation
    labels : array_like of int, shape (n_states,)
        R0.
    p : array_like of float, shape (n_states,), optional
        Distribution of X_t; default uniform.
    atol : float, default 1e-12
        As in :func:`minimal_complete_abstraction`.
    max_blocks : int, default 256
        Refuse a start with more blocks than this (the greedy search is O(k0^3), with about 20
        logarithms per admissible pair and step).
    max_bytes : int, optional
        Memory cap (see the plan: the refinement, then five k0 x k0 float64 matrices).

    Returns
    -------
    TradeoffCurve

    Raises
    ------
    TypeError
        Not a Computation; non-integer labels.
    ValueError
        Labels of the wrong length; ``p`` not a distribution over the states; more than
        ``max_blocks`` start blocks; the plan over ``max_bytes``.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.
    .. [2] Kemeny, J. G. and Snell, J. L. (1960). Finite Markov Chains. Van Nostrand.
    .. [3] Cover, T. M. and Thomas, J. A. (2006). Elements of Information Theory, 2nd ed., ch. 2.

    Examples
    --------
    >>> c = counter_computation(3)
    >>> curve = abstraction_tradeoff(c, np.arange(8) >> 2)
    >>> curve.n_blocks.tolist()
    [8, 7, 6, 5, 4, 3, 2]
    >>> float(curve.error_bits[0]), bool(curve.error_bits[-1] > 0)
    (0.0, True)
    """
    c = _check_computation(computation)
    lab = _check_labels(labels, c.n_states, "labels")
    n = c.n_states
    if p is None:
        p = np.full(n, 1.0 / n)
    else:
        p = check_stochastic(p, "p", ndims=(1,))
        if p.size != n:
            raise ValueError(f"`p` must have one probability per state ({n}); got length {p.size}")
    max_blocks = check_int(max_blocks, "max_blocks", low=1)
    nnz = c.transition.nnz if c.stochastic else 0
    check_size(_minimal_plan(n, nnz), max_bytes, "abstraction_tradeoff")
    start = minimal_complete_abstraction(c, lab, atol=atol, max_bytes=max_bytes)
    k0 = start.n_blocks
    if k0 > max_blocks:
        raise ValueError(f"`max_blocks` must be >= the {k0} blocks of the minimal complete abstraction "
                         f"(the greedy search is O(k0^3)); got {max_blocks}")
    check_size(_tradeoff_plan(n, nnz, k0), max_bytes, "abstraction_tradeoff")
    s = start.labels
    mass = np.bincount(s, weights=p, minlength=k0)
    # lumped chain: P(block b | block a), read from one representative per block (exact for a
    # deterministic computation; equal within the certified defect otherwise)
    rep = np.full(k0, -1, np.int64)
    rep[s[::-1]] = np.arange(n)[::-1]
    lumped = np.zeros((k0, k0))
    if c.stochastic:
        rows = c.transition[rep]
        coo = rows.tocoo()
        np.add.at(lumped, (coo.row, s[coo.col]), coo.data)
    else:
        lumped[np.arange(k0), s[c.transition[rep]]] = 1.0
    joint = mass[:, None] * lumped
    group0 = _dense_labels(lab[rep])[0]
    merges = _k.greedy_merges(joint, lumped, mass, group0)
    gid = np.arange(k0)
    errors, entropies = [_completeness_error(mass, lumped, gid)], [_entropy(mass)]
    for i, j in merges:
        gid[gid == j] = i
        g = _dense_labels(gid)[0]
        errors.append(_completeness_error(mass, lumped, g))
        entropies.append(_entropy(np.bincount(g, weights=mass)))
    return TradeoffCurve(np.arange(k0, k0 - len(merges) - 1, -1, dtype=np.int64), np.array(errors),
                         np.array(entropies), s, np.asarray(merges, dtype=np.int64).reshape(-1, 2))


# ----------------------------------------------------------------------------- examples
def counter_computation(n_bits):
    """An n-bit binary counter, tau(x) = x + 1 mod 2^n, read out as x itself:

    .. math:: \\tau(x) = (x + 1) \\bmod 2^n, \\qquad \\mathrm{out}(x) = x.

    Bit i of x is periodic with period 2^(i+1), so the minimal complete abstraction refining bit i
    is x mod 2^(i+1) (2^(i+1) blocks).

    Parameters
    ----------
    n_bits : int
        1 <= n_bits <= 30.

    Returns
    -------
    Computation
        2^n states, no halting, ``inputs`` = ``outputs`` = range(2^n).

    Raises
    ------
    TypeError
        ``n_bits`` not an integer.
    ValueError
        ``n_bits`` out of range.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> c = counter_computation(3)
    >>> c.transition.tolist()
    [1, 2, 3, 4, 5, 6, 7, 0]
    >>> minimal_complete_abstraction(c, (np.arange(8) >> 1) & 1).n_blocks
    4
    """
    n_bits = check_int(n_bits, "n_bits", low=1, high=30)
    x = np.arange(2**n_bits, dtype=np.int64)
    return Computation((x + 1) % 2**n_bits, inputs=x, outputs=x)


def cellular_automaton_computation(rule, width):
    """An elementary cellular automaton on a ring of ``width`` cells (Wolfram numbering): state x
    holds cell i in bit i, and every cell updates from its neighbourhood at once,

    .. math:: x'_i = \\left\\lfloor r / 2^{4 x_{i-1} + 2 x_i + x_{i+1}} \\right\\rfloor \\bmod 2
              \\quad (\\text{indices mod width}).

    Rules 90 (x'_i = x_{i-1} xor x_{i+1}) and 150 (x_{i-1} xor x_i xor x_{i+1}) are linear over
    GF(2): the minimal complete abstraction of a linear functional is spanned by its pull-backs,
    2^rank blocks. Rule 184 (traffic) conserves the number of ones, a complete abstraction.

    Parameters
    ----------
    rule : int
        0 <= rule <= 255.
    width : int
        1 <= width <= 24 (2^width states).

    Returns
    -------
    Computation
        2^width states, no halting, ``outputs`` = the number of ones.

    Raises
    ------
    TypeError
        Non-integer ``rule`` or ``width``.
    ValueError
        Either out of range.

    References
    ----------
    .. [1] Wolfram, S. (1983). Statistical mechanics of cellular automata. Rev. Mod. Phys. 55(3),
           601-644.
    .. [2] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    >>> c = cellular_automaton_computation(184, 6)
    >>> ones = np.array([bin(x).count("1") for x in range(64)])
    >>> is_complete(c, ones), minimal_complete_abstraction(c, ones).n_blocks
    (True, 7)
    """
    rule = check_int(rule, "rule", low=0, high=255)
    width = check_int(width, "width", low=1, high=24)
    x = np.arange(2**width, dtype=np.int64)
    bits = (x[:, None] >> np.arange(width)) & 1
    left = np.roll(bits, 1, axis=1)  # x_{i-1}
    right = np.roll(bits, -1, axis=1)  # x_{i+1}
    new = (rule >> (4 * left + 2 * bits + right)) & 1
    step = (new << np.arange(width)).sum(axis=1)
    return Computation(step, inputs=x, outputs=bits.sum(axis=1))


_GATES = {"and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
          "nand": lambda a, b: 1 - (a & b), "nor": lambda a, b: 1 - (a | b), "not": lambda a, b: 1 - a}


def ripple_adder_gates(n_bits):
    """Gates of an n-bit ripple-carry adder on inputs a (wires 0..n-1) and b (wires n..2n-1):
    per bit s_i = a_i xor b_i xor c_i, c_{i+1} = (a_i and b_i) or (c_i and (a_i xor b_i)),

    .. math:: a + b = \\sum_i s_i 2^i + c_n 2^n.

    Parameters
    ----------
    n_bits : int
        1 <= n_bits <= 6.

    Returns
    -------
    gates : list of (str, int, int)
        For :func:`circuit_computation` with ``n_inputs = 2 n_bits``.
    outputs : list of int
        The wires of s_0, ..., s_{n-1}, c_n (least significant first).

    Raises
    ------
    TypeError
        ``n_bits`` not an integer.
    ValueError
        ``n_bits`` out of range.

    References
    ----------
    .. [1] Harris, D. M. and Harris, S. L. (2012). Digital Design and Computer Architecture, 2nd
           ed., section 5.2.1. Morgan Kaufmann.

    Examples
    --------
    >>> gates, outputs = ripple_adder_gates(1)
    >>> gates, outputs
    ([('xor', 0, 1), ('and', 0, 1)], [2, 3])
    """
    n_bits = check_int(n_bits, "n_bits", low=1, high=6)
    gates, outputs = [], []
    wire = 2 * n_bits
    carry = None
    for i in range(n_bits):
        a, b = i, n_bits + i
        gates.append(("xor", a, b))
        x = wire
        wire += 1
        if carry is None:
            outputs.append(x)
            gates.append(("and", a, b))
            carry = wire
            wire += 1
            continue
        gates += [("xor", x, carry), ("and", a, b), ("and", carry, x)]
        outputs.append(wire)
        g1, g2 = wire + 1, wire + 2
        wire += 3
        gates.append(("or", g1, g2))
        carry = wire
        wire += 1
    outputs.append(carry)
    return gates, outputs


#: Most output wires of a circuit: its output value sum_j w_{o_j} 2^j is an int64.
MAX_OUTPUT_BITS = 62


def _short_list(value, name, max_len, why):
    """``list(value)`` for a sized sequence of at most ``max_len`` items (``why`` says the bound),
    measured by ``len`` before ``list`` expands it; a TypeError naming ``name`` otherwise."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be a sequence; got {type(value).__name__}")
    try:
        size = len(value)
    except TypeError as exc:
        raise TypeError(f"`{name}` must be a sequence; got {type(value).__name__}") from exc
    if size > max_len:
        raise ValueError(f"`{name}` must have at most {max_len} items ({why}); got {size}")
    return list(value)


def circuit_computation(n_inputs, gates, outputs):
    """A Boolean circuit run one gate per step: memory = (step s, wire values), gate s writes
    wire n_inputs + s, and the computation halts after the last gate,

    .. math:: (s, w) \\mapsto (s + 1,\\; w + 2^{n_{in} + s} g_s(w)), \\qquad
              \\mathrm{out}(s, w) = \\sum_j w_{o_j} 2^j.

    States at step s hold the n_inputs + s wires written so far (the others are 0), so there are
    sum_s 2^(n_inputs + s) states; state index = sum_{s' < s} 2^(n_inputs + s') + w.

    Parameters
    ----------
    n_inputs : int
        Input wires 0..n_inputs-1.
    gates : sequence of (str, int, int)
        (op, i, j) with op in and, or, xor, nand, nor, not (``not`` ignores j), reading wires
        written before it.
    outputs : sequence of int
        Output wires, least significant first.

    Returns
    -------
    Computation
        With ``inputs[x]`` = the start state of input x (step 0) and ``halted`` at the last step.

    Raises
    ------
    TypeError
        Non-integer sizes or wires; ``gates`` or ``outputs`` not a sequence.
    ValueError
        Unknown gate, a wire read before it is written, more than 24 wires, more than 62 outputs.

    References
    ----------
    .. [1] Jenner, E. (2023). Research agenda: formalizing abstractions of computations.

    Examples
    --------
    A half adder (sum, carry) on 2 inputs: 4 + 8 + 16 states. Observing "the output once halted"
    (R0), the minimal complete abstraction is (steps left, final output): 3 outputs from step 0,
    4 from step 1 (a stored sum wire need not match the inputs) and 4 halted ones.

    >>> c = circuit_computation(2, *ripple_adder_gates(1))
    >>> c.n_states, int(c.halted.sum())
    (28, 16)
    >>> r0 = np.where(c.halted, c.outputs, -1)
    >>> minimal_complete_abstraction(c, r0).n_blocks
    11
    """
    n_inputs = check_int(n_inputs, "n_inputs", low=1, high=24)
    gates = _short_list(gates, "gates", 24 - n_inputs, "at most 24 wires in all")
    n_wires = n_inputs + len(gates)
    for s, gate in enumerate(gates):
        if not (isinstance(gate, (tuple, list)) and len(gate) == 3 and gate[0] in _GATES):
            raise ValueError(f"`gates[{s}]` must be (op, i, j) with op in {sorted(_GATES)}; got {gate!r}")
        for w in gate[1:]:
            check_int(w, f"gates[{s}] wire", low=0, high=n_inputs + s - 1)
    outputs = [check_int(o, "outputs wire", low=0, high=n_wires - 1)
               for o in _short_list(outputs, "outputs", MAX_OUTPUT_BITS, "an int64 output value")]
    if len(outputs) == 0:
        raise ValueError("`outputs` must name at least one wire; got none")
    sizes = 2 ** (n_inputs + np.arange(len(gates) + 1))
    offset = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offset[-1])
    step = np.empty(n, np.int64)
    out = np.empty(n, np.int64)
    halted = np.zeros(n, bool)
    for s in range(len(gates) + 1):
        w = np.arange(sizes[s], dtype=np.int64)
        idx = offset[s] + w
        out[idx] = sum(((w >> o) & 1) << j for j, o in enumerate(outputs))
        if s == len(gates):
            step[idx] = idx
            halted[idx] = True
            continue
        op, i, j = gates[s]
        g = _GATES[op]((w >> i) & 1, (w >> j) & 1)
        step[idx] = offset[s + 1] + w + (g << (n_inputs + s))
    return Computation(step, halted=halted, inputs=np.arange(2**n_inputs), outputs=out)


def naive_bayes_gibbs_computation(N, eps):
    r"""Random-scan Gibbs sampling of the naive-Bayes model on all 2^N states: a latent fair bit Y,
    X_i = Y flipped independently with probability eps; one step picks i uniformly and redraws X_i
    from :math:`P(X_i \mid X_{-i})`,

    .. math:: P(x, x^{(i)}) = \\frac{1}{N} \\frac{\\pi(x^{(i)})}{\\pi(x) + \\pi(x^{(i)})},\\qquad
              \\pi(x) = \\tfrac12 \\varepsilon^{k}(1-\\varepsilon)^{N-k}
                      + \\tfrac12 \\varepsilon^{N-k}(1-\\varepsilon)^{k},

    with x^(i) = x with bit i flipped and k = number of ones. The chain is built here from the
    definition (sparse, N + 1 nonzeros per row); the count k is a lumpable abstraction.

    Parameters
    ----------
    N : int
        1 <= N <= 20.
    eps : float
        0 < eps < 1.

    Returns
    -------
    Computation
        Stochastic, ``outputs`` = the count k.

    Raises
    ------
    TypeError
        Non-numeric ``N`` or ``eps``.
    ValueError
        Either out of range.

    References
    ----------
    .. [1] Geman, S. and Geman, D. (1984). Stochastic relaxation, Gibbs distributions, and the
           Bayesian restoration of images. IEEE TPAMI 6(6), 721-741.

    Examples
    --------
    >>> c = naive_bayes_gibbs_computation(5, 0.2)
    >>> count = c.outputs
    >>> is_complete(c, count), is_complete(c, count >= 3)
    (True, False)
    >>> minimal_complete_abstraction(c, count >= 3).n_blocks
    6
    """
    import scipy.sparse as sp

    N = check_int(N, "N", low=1, high=20)
    eps = check_real(eps, "eps", low=0.0, high=1.0, low_open=True, high_open=True)
    x = np.arange(2**N, dtype=np.int64)
    k = np.array([bin(v).count("1") for v in range(2**N)]) if N <= 12 else \
        ((x[:, None] >> np.arange(N)) & 1).sum(axis=1)
    log_a = k * np.log(eps) + (N - k) * np.log1p(-eps)
    log_b = (N - k) * np.log(eps) + k * np.log1p(-eps)
    log_pi = np.logaddexp(log_a, log_b)
    rows, cols, vals = [], [], []
    stay = np.ones(x.size)
    for i in range(N):
        y = x ^ (1 << i)
        move = np.exp(log_pi[y] - np.logaddexp(log_pi, log_pi[y])) / N
        rows.append(x)
        cols.append(y)
        vals.append(move)
        stay -= move
    rows.append(x)
    cols.append(x)
    vals.append(stay)
    P = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(x.size, x.size))
    return Computation(P, inputs=x, outputs=k)
