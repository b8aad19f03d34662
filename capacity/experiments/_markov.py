"""Private helpers for the exact Markov-chain experiments (resampling, Telephone).

Validation of transition matrices and time lists, exact matrix powers of
non-negative matrices (binary powers: every product has non-negative terms, so
each entry keeps a small *relative* error), and mutual information of a joint
table. Kernels trust their input; the public functions validate.
"""
from __future__ import annotations

import numbers

import numpy as np

from boolean._lib.memory import DEFAULT_MAX_BYTES, check_size
from boolean._lib.validate import ROW_SUM_ATOL, check_distribution, check_finite, check_stochastic, first_bad_position
from capacity.information import mutual_information

LOG2 = np.log(2.0)
#: Largest time accepted anywhere (int64 arithmetic with room to spare).
MAX_TIME = 2 ** 62


def check_times(ts, name="ts", *, high=None):
    """Validate a 1-D list of non-negative integer times; return an int64 array."""
    if isinstance(ts, numbers.Integral) and not isinstance(ts, bool):
        ts = [ts]
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
        if (arr != np.round(arr)).any():
            pos = first_bad_position(arr != np.round(arr))
            raise ValueError(f"`{name}` must hold integers; got {arr[pos]!r} at {pos}")
    if (arr < 0).any():
        pos = first_bad_position(arr < 0)
        raise ValueError(f"`{name}` must hold non-negative integers; got {arr[pos]!r} at {pos}")
    # int64 arithmetic downstream: larger times (uint64 or float) would wrap or cast to garbage
    high = MAX_TIME if high is None else min(high, MAX_TIME)
    if (arr > high).any():
        pos = first_bad_position(arr > high)
        raise ValueError(f"`{name}` must hold integers in [0, {high}]; got {arr[pos]!r} at {pos}")
    return arr.astype(np.int64)


def check_transition(T, name="T", *, max_bytes=None):
    """Validate a square row-stochastic matrix (dense or scipy.sparse); return float64."""
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover
        sp = None
    if sp is not None and sp.issparse(T):
        T = sp.csr_array(T, dtype=np.float64)
        if T.ndim != 2 or T.shape[0] != T.shape[1] or T.shape[0] == 0:
            raise ValueError(f"`{name}` must be a non-empty square matrix; got shape {T.shape}")
        check_finite(T.data, name)
        if (T.data < 0).any():
            raise ValueError(f"`{name}` must be non-negative; got {T.data.min()!r}")
        sums = np.asarray(T.sum(axis=1)).ravel()
        err = np.abs(sums - 1.0)
        if err.max() > ROW_SUM_ATOL:
            worst = int(np.argmax(err))
            raise ValueError(f"`{name}` must have rows summing to 1 (atol={ROW_SUM_ATOL:g}); row {worst} sums to "
                             f"{sums[worst]:.17g}")
        return T
    arr = check_stochastic(T, name, ndims=(2,))
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"`{name}` must be square (n_states, n_states); got shape {arr.shape}")
    check_size(arr.nbytes * 3, max_bytes, f"`{name}` powers")
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
    leaves behind) carry less than 1e-300 bit; ``mutual_information`` drops them rather than reading
    D(rows[x] || 0) = inf there.
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
    max_cached = int(budget // mat_bytes) - 2
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
    p = check_distribution(p0, name)
    if p.shape[0] != n:
        raise ValueError(f"`{name}` must have length {n} (the number of states); got length {p.shape[0]}")
    return p
