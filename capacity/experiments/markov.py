"""General Markov chains: Gibbs samplers of explicit joint tables and information over time.

:func:`gibbs_transition_matrix` builds the random- or systematic-scan Gibbs kernel of any small
joint table; :func:`mi_over_time` gives I(X^0; X^t) for any chain from exact products of
non-negative matrices. The helpers below them (validation of transition matrices and time lists,
binary powers, MI of a joint table) are shared with the naive-Bayes and Telephone modules of this
package; they trust their input, the public functions validate.
"""
from __future__ import annotations

import numbers

import numpy as np

from boolean._lib.memory import DEFAULT_MAX_BYTES, check_size
from boolean._lib.validate import (as_float_array, check_choice, check_distribution, check_finite, check_nonnegative,
                                   check_row_sums, check_stochastic, first_bad_position, shape_of)
from capacity.information import mutual_information

__all__ = ["gibbs_transition_matrix", "mi_over_time"]

LOG2 = np.log(2.0)
#: Largest time accepted anywhere (int64 arithmetic with room to spare).
MAX_TIME = 2 ** 62


def plan_entries(a, bytes_per_entry, max_bytes, what):
    """Refuse ``a`` when ``bytes_per_entry`` for each of its entries exceeds ``max_bytes``, from its shape
    alone: a huge broadcast view is refused before any check or copy expands it."""
    check_size(bytes_per_entry * float(np.prod(shape_of(a), dtype=np.float64)), max_bytes, what)


def check_times(ts, name="ts", *, high=None, max_bytes=None):
    """Validate a 1-D list of non-negative integer times; return an int64 array (at most 24 bytes per
    time while checking, planned against ``max_bytes`` first)."""
    if isinstance(ts, numbers.Integral) and not isinstance(ts, bool):
        ts = [ts]
    plan_entries(ts, 24.0, max_bytes, f"`{name}`")
    try:
        arr = np.asarray(ts)
    except Exception as exc:  # pragma: no cover - ragged input
        raise TypeError(f"`{name}` must be a sequence of non-negative integers; got {type(ts).__name__}") from exc
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must hold non-negative integers; got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 1-D sequence of integers; got shape {arr.shape}")
    if arr.dtype.kind == "f":
        check_finite(arr, name)
    # int64 arithmetic downstream: larger times (uint64 or float) would wrap or cast to garbage
    high = MAX_TIME if high is None else min(high, MAX_TIME)
    for bad, want in ((arr != np.round(arr), "integers"), (arr < 0, "non-negative integers"),
                      (arr > high, f"integers in [0, {high}]")):
        if bad.any():
            pos = first_bad_position(bad)
            raise ValueError(f"`{name}` must hold {want}; got {arr[pos]!r} at {pos}")
    return arr.astype(np.int64)


def check_transition(T, name="T", *, max_bytes=None):
    """Validate a square row-stochastic matrix (dense or scipy.sparse); return float64."""
    import scipy.sparse as sp

    if sp.issparse(T):
        dtype = T.dtype  # the row-sum tolerance follows the dtype given (float32: 4 ulps), not the copy's
        if T.ndim != 2 or T.shape[0] != T.shape[1] or T.shape[0] == 0:
            raise ValueError(f"`{name}` must be a non-empty square matrix; got shape {T.shape}")
        if dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must be a real sparse matrix; got dtype {dtype}")
        # the float64 CSR copy: an int64 row pointer per row, a float64 value and an index per nonzero
        check_size(8.0 * (T.shape[0] + 1) + 16.0 * T.nnz, max_bytes, f"`{name}` of shape {T.shape} as CSR")
        T = sp.csr_array(T, dtype=np.float64)
        check_finite(T.data, name)
        check_nonnegative(T.data, name)
        check_row_sums(np.asarray(T.sum(axis=1)).ravel(), name, dtype)
        return T
    plan_entries(T, 24.0, max_bytes, f"`{name}` powers")  # three dense copies (also covers the checks)
    arr = check_stochastic(T, name, ndims=(2,))
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"`{name}` must be square (n_states, n_states); got shape {arr.shape}")
    return arr


def mi_from_joint(J):
    """I(A; B) in bits of a non-negative joint table ``J`` (summing to 1); exact up to rounding."""
    r = J.sum(axis=1)
    c = J.sum(axis=0)
    mask = J > 0
    rows, cols = np.nonzero(mask)
    vals = J[mask]
    return float(np.sum(vals * np.log(vals / (r[rows] * c[cols])))) / LOG2


def mi_of_rows(p, rows):
    """I(X; Y) in bits for P(X = x) = ``p[x]`` > 0 and P(Y | X = x) = ``rows[x]`` (renormalised to sum 1).

    Outputs whose mass sum_x p_x rows[x, y] underflows to 0 (entries ~1e-320 that a long chain
    leaves behind) carry less than 1e-300 bit; ``mutual_information`` drops them.
    """
    return mutual_information(p, rows / rows.sum(axis=1, keepdims=True))


def powers_at(T, rows, ts, max_bytes=None):
    """Yield ``(t, rows @ T**t)`` for the sorted unique times ``ts``.

    ``rows`` is an (R, n) block of row vectors. Each gap between consecutive times is covered
    either by single steps (cost gap * R * nnz) or by binary powers ``T^(2^j)`` of the dense
    matrix (cost n^3 per new power + R n^2 per used power), whichever costs fewer flops;
    a sparse ``T`` is densified the first time powers pay. All operands are non-negative and
    each power is renormalised to be stochastic (as it is exactly). Memory: powers are used only
    when three dense n x n matrices fit in ``max_bytes`` (default 8 GiB), and at most
    ``max_bytes // (8 n^2) - 2`` of them are cached across gaps (the rest are recomputed);
    otherwise the chain steps, slower but in O(R n + nnz) memory.
    """
    n = T.shape[0]
    R = rows.shape[0]
    mat_bytes = 8.0 * n * n
    budget = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    max_cached = int(min(budget / mat_bytes, 2**20)) - 2  # max_bytes may be inf
    sparse = not isinstance(T, np.ndarray)
    TT = T.T.tocsr() if sparse else None
    nnz = T.nnz if sparse else n * n
    cache = [] if sparse else [T]
    cur = np.array(rows, dtype=np.float64)
    now = 0
    for t in np.unique(ts):
        gap = int(t) - now
        if gap == 0:
            yield int(t), cur
            continue
        step_cost = gap * R * max(nnz, n)
        need = gap.bit_length()
        pow_cost = max(0, need - len(cache)) * n ** 3 + bin(gap).count("1") * R * n * n
        if step_cost <= pow_cost or max_cached < 1:
            for _ in range(gap):
                cur = np.asarray(TT @ cur.T).T if sparse else cur @ T
        else:
            if not cache:
                cache.append(T.toarray())
            power = cache[0]
            for j in range(need):
                if j < len(cache):
                    power = cache[j]
                elif j > 0:
                    sq = power @ power
                    power = sq / sq.sum(axis=1, keepdims=True)  # exact powers are stochastic
                    if len(cache) < max_cached:
                        cache.append(power)
                if (gap >> j) & 1:
                    cur = cur @ power
        now = int(t)
        yield now, cur


def check_p0(p0, n, name="P0"):
    if len(shape_of(p0)) == 1 and shape_of(p0)[0] != n:  # before the checks expand a broadcast view
        raise ValueError(f"`{name}` must have length {n} (the number of states); got length {shape_of(p0)[0]}")
    p = check_distribution(p0, name)
    if p.shape[0] != n:
        raise ValueError(f"`{name}` must have length {n} (the number of states); got length {p.shape[0]}")
    return p


def gibbs_transition_matrix(joint, scan="random", *, max_bytes=None):
    r"""Gibbs-sampler transition matrix of an explicit joint distribution table.

    ``joint`` has one axis per variable: ``joint[x_0, ..., x_{n-1}] = P(x)``. State x is
    indexed by s(x) = sum_i x_i prod_{j<i} d_j (variable 0 varies fastest, as
    ``joint.ravel(order="F")``; for bits this is sum_i x_i 2^i). Resampling variable i is

    .. math:: G_i[x, y] = \mathbb{1}\{y_{-i} = x_{-i}\}\, P(y_i \mid x_{-i}), \qquad
              P(y_i \mid x_{-i}) = \frac{P(y)}{\sum_v P(x_{-i}, v)}

    (a row whose fibre has probability 0 stays put). Random scan: T = (1/n) sum_i G_i
    (one step resamples one uniformly chosen variable). Systematic scan: one sweep
    T = G_0 G_1 ... G_{n-1}. Both leave P invariant (P T = P).

    Parameters
    ----------
    joint : array-like, ndim >= 1
        Non-negative, finite, summing to 1 (within 1e-9, 4 ulps for float32); never renormalised.
    scan : {"random", "systematic"}
    max_bytes : int, optional
        Refuse an (n_states x n_states) matrix above this size (default 8 GiB).

    Returns
    -------
    ndarray (n_states, n_states), row-stochastic.

    Raises
    ------
    TypeError
        For a non-numeric table.
    ValueError
        For an empty table, NaN/inf, negative entries, a total off 1, an unknown scan,
        or a size over ``max_bytes``.

    References
    ----------
    S. Geman and D. Geman, IEEE PAMI 6 (1984) 721-741; G. O. Roberts and J. S. Rosenthal,
    "Surprising convergence properties of some simple Gibbs samplers" (2015).

    Examples
    --------
    >>> T = gibbs_transition_matrix([[0.5, 0.0], [0.0, 0.5]])   # two copies of one bit
    >>> T.tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.5], [0.5, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 1.0]]
    """
    check_choice(scan, "scan", ("random", "systematic"))
    plan_entries(joint, 24.0, max_bytes, "`joint`")  # its float64 copy and the checks' masks
    dtype = getattr(joint, "dtype", np.float64)  # a float32 table gets float32's row-sum tolerance
    p = as_float_array(joint, "joint")
    if p.ndim == 0 or p.size == 0:
        raise ValueError(f"`joint` must be a non-empty table with one axis per variable; got shape {p.shape}")
    check_finite(p, "joint")
    check_nonnegative(p, "joint")
    check_row_sums(p.sum(), "joint", dtype, requirement="sum to 1", whole="the table")
    dims = p.shape
    n_states = int(np.prod(dims))
    # peak: random scan accumulates into T (one n x n matrix); systematic holds T, G_i and T @ G_i
    check_size(8.0 * n_states * n_states * (3 if scan == "systematic" else 1) + 256.0 * n_states, max_bytes,
               "the Gibbs transition matrix")
    flat = p.ravel(order="F")
    strides = np.cumprod((1,) + dims[:-1])
    s = np.arange(n_states)
    T = np.zeros((n_states, n_states)) if scan == "random" else None
    for i, (d, st) in enumerate(zip(dims, strides)):
        xi = (s // st) % d
        base = s - xi * st
        fibre = p.sum(axis=i, keepdims=True)
        fibre = np.broadcast_to(fibre, dims).ravel(order="F")
        dead = fibre == 0
        # random scan: add G_i into T (for fixed i and v the pairs (s, y) are distinct); systematic: build G_i
        G = T if scan == "random" else np.zeros((n_states, n_states))
        for v in range(d):
            y = base + v * st
            with np.errstate(invalid="ignore", divide="ignore"):
                G[s, y] += np.where(dead, 0.0, flat[y] / np.where(dead, 1.0, fibre))
        G[s[dead], s[dead]] += 1.0
        if scan == "systematic":
            T = G if T is None else T @ G
    if scan == "random":
        T /= len(dims)
    return T


def mi_over_time(P0, T, ts, *, max_bytes=None):
    r"""I(X^0; X^t) in bits for a Markov chain started from ``P0``, at each t in ``ts``.

    The joint is P(X^0 = x, X^t = y) = P0(x) T^t(x, y), so

    .. math:: I(X^0; X^t) = \sum_x P_0(x)\, D\bigl(T^t(x, \cdot) \,\|\, P_0 T^t\bigr).

    T^t is built from exact products of
    non-negative matrices (one step at a time, or binary powers for large gaps). By data
    processing the result is nonincreasing in t.

    Parameters
    ----------
    P0 : array-like (n,)
        Initial law (non-negative, sums to 1).
    T : array-like (n, n) or scipy.sparse matrix
        Row-stochastic transition matrix (rows sum to 1 within 1e-9, 4 ulps for float32; never renormalised).
    ts : int or sequence of int >= 0
    max_bytes : int, optional
        Memory budget (default 8 GiB): a dense ``T`` over it is refused; binary powers of T are used
        only when three dense copies fit, otherwise the chain is stepped (same result, more time).

    Returns
    -------
    ndarray (len(ts),) of bits, in the order of ``ts``.

    Raises
    ------
    TypeError, ValueError
        For non-stochastic T or P0, mismatched sizes, negative or non-integer times,
        or a size over ``max_bytes``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory* (2nd ed.), Thm 2.8.1.

    Examples
    --------
    >>> T = [[0.9, 0.1], [0.1, 0.9]]     # BSC(0.1); T^2 = BSC(0.18): 1 - h(0.18)
    >>> mi_over_time([0.5, 0.5], T, [0, 1, 2]).round(6).tolist()
    [1.0, 0.531004, 0.319923]
    """
    T = check_transition(T, "T", max_bytes=max_bytes)
    n = T.shape[0]
    p0 = check_p0(P0, n)
    ts = check_times(ts, "ts", max_bytes=max_bytes)
    support = np.flatnonzero(p0 > 0)
    check_size(8.0 * support.size * n * 2, max_bytes, "the rows of T^t")
    rows = np.zeros((support.size, n))
    rows[np.arange(support.size), support] = 1.0
    out = {}
    for t, block in powers_at(T, rows, ts, max_bytes):
        out[t] = mi_of_rows(p0[support], block)
    return np.array([out[int(t)] for t in ts])
