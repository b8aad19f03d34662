"""The naive-Bayes resampling chain: how much a state remembers after repeated Gibbs resampling.

J. Wentworth's redundant-information idea: start from ``X^0 ~ P``, pick a variable and
resample it from ``P(X_i | X_{-i})``, again and again; the information ``I(X^0; X^t)``
that survives many steps is the information represented redundantly (his candidate for
a natural abstraction). By data processing ``I(X^0; X^t)`` is nonincreasing in t.

The model (docs/problem.rst, section "Resampling and redundant information"): a latent bit
Lambda, N copies flipped with probability eps, Lambda marginalised. :func:`naive_bayes_mi`
computes I(Y^0; Y^t) exactly on one of three state spaces (the full 2^N states, their orbits
under the permutations fixing the start, or the count K = sum X_i); :func:`naive_bayes_mc`
estimates it by Monte Carlo beyond them.
Units are bits. One Gibbs step resamples one variable (random scan), so t steps are
t / N sweeps.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import check_choice, check_flag, check_int, check_real, check_seed
from capacity.mi.plugin import PLAN_WHAT, plugin_mi, plugin_mi_plan_bytes

from .markov import LOG2, check_times, mi_from_joint, powers_at

__all__ = ["naive_bayes_mi", "naive_bayes_chain", "naive_bayes_distribution", "naive_bayes_relaxation_times",
           "naive_bayes_mc"]

#: The state spaces of :func:`naive_bayes_mi`, all exact: the 2^N states, their orbits, the count K.
STATE_SPACES = ("lumped", "full", "orbit")
#: Largest N for the full-state naive-Bayes chain (2^N states).
MAX_FULL_N = 16
#: Largest N for the orbit-lumped chain (about N^3 / 12 states).
MAX_ORBIT_N = 400
_OBSERVE = ("state", "count", "majority")


def _check_nb(N, eps, *, high):
    N = check_int(N, "N", low=1, high=high)
    eps = check_real(eps, "eps", low=0.0, high=1.0, low_open=True, high_open=True)
    return N, eps


def _nb_logq(N, eps):
    """log P(x) for one state x with k ones, k = 0..N (latent marginalised)."""
    k = np.arange(N + 1, dtype=np.float64)
    a = (N - k) * math.log1p(-eps) + k * math.log(eps)
    b = (N - k) * math.log(eps) + k * math.log1p(-eps)
    return np.logaddexp(a, b) + math.log(0.5)


def _nb_p1(N, eps):
    """p1[j] = P(X_i = 1 | j ones among the other N - 1 variables), j = 0..N-1."""
    lq = _nb_logq(N, eps)
    return 1.0 / (1.0 + np.exp(lq[:-1] - lq[1:]))


def _log_comb(n, r):
    """log C(n, r), elementwise."""
    from scipy.special import gammaln

    return gammaln(n + 1.0) - gammaln(r + 1.0) - gammaln(n - r + 1.0)


def _nb_log_pi_count(N, eps):
    """log P(K = k), k = 0..N."""
    return _log_comb(N, np.arange(N + 1, dtype=np.float64)) + _nb_logq(N, eps)


def _nb_lumped_bands(N, eps):
    """(up, down) of the lumped chain: up[k] = T[k, k+1], down[k] = T[k, k-1] (0 at the ends); O(N) memory."""
    p1 = _nb_p1(N, eps)
    k = np.arange(N + 1)
    up = np.zeros(N + 1)
    down = np.zeros(N + 1)
    up[:-1] = (N - k[:-1]) / N * p1
    down[1:] = k[1:] / N * (1.0 - p1)
    return up, down


def _nb_lumped_matrix(N, eps):
    up, down = _nb_lumped_bands(N, eps)
    k = np.arange(N + 1)
    T = np.diag(1.0 - up - down)
    T[k[:-1], k[:-1] + 1] = up[:-1]
    T[k[1:], k[1:] - 1] = down[1:]
    return T, up, down


def _nb_p1_around(N, eps):
    """(p1(K - 1), p1(K)) for K = 0..N, padded with 0 at K = 0 and 1 at K = N (unused there)."""
    p1 = _nb_p1(N, eps)
    return np.concatenate([[0.0], p1]), np.concatenate([p1, [1.0]])


def _nb_start_weights(lpi_count, N):
    """P(K^0 in {k, N - k}) for k = 0..N//2: the weight of the start x_k, which by the global
    flip also stands for the starts with N - k ones."""
    return np.array([np.exp(lpi_count[k]) + (np.exp(lpi_count[N - k]) if N - k != k else 0.0)
                     for k in range(N // 2 + 1)])


def _nb_mirrored_count_mi(rows, lpi_count, observe, N):
    """Count/majority MI from rows P^t(k, .) filled for k <= N/2; the rest by the global flip,
    P^t(k, j) = P^t(N - k, N - j)."""
    for k in range(N // 2 + 1, N + 1):
        rows[k] = rows[N - k][::-1]
    return _mi_count_rows(rows, np.arange(N + 1), lpi_count, observe, N)


def _popcount(n_bits):
    """popcount(x) for every x < 2**n_bits, int64."""
    return np.bitwise_count(np.arange(1 << n_bits, dtype=np.int64)).astype(np.int64)


def naive_bayes_distribution(N, eps, *, latent=False, max_bytes=None):
    r"""Explicit joint table of the naive-Bayes model, one axis per variable.

    Lambda ~ Bernoulli(1/2) and, given Lambda, X_1..X_N are iid with
    P(X_i = Lambda) = 1 - eps. With ``latent=False`` Lambda is marginalised:

    .. math:: P(x) = \tfrac12 \left[(1-\varepsilon)^{N-K} \varepsilon^K + \varepsilon^{N-K} (1-\varepsilon)^K\right],
              \qquad K = \textstyle\sum_i x_i.

    Parameters
    ----------
    N : int, 1 <= N <= 20
        Number of observed variables.
    eps : float in (0, 1)
        Flip probability.
    latent : bool
        If True, return P(Lambda, X_1, ..., X_N) with Lambda on axis 0.
    max_bytes : int, optional
        Refuse tables larger than this (default 8 GiB).

    Returns
    -------
    ndarray, shape (2,) * N (or (2,) * (N + 1) with the latent), float64, summing to 1.

    Raises
    ------
    TypeError, ValueError
        For N or eps of the wrong type or out of range, or a table over ``max_bytes``.

    References
    ----------
    J. Wentworth, "Natural abstractions: key claims, theorems and critiques" (2023).

    Examples
    --------
    >>> p = naive_bayes_distribution(2, 0.25)
    >>> p.round(5).tolist()
    [[0.3125, 0.1875], [0.1875, 0.3125]]
    """
    N, eps = _check_nb(N, eps, high=20)
    latent = check_flag(latent, "latent")
    check_size(8.0 * 2 ** (N + latent), max_bytes, "the naive-Bayes table")
    k = _popcount(N)
    if latent:
        # flat index = lambda + 2 * x (variable 0 is the latent, least significant)
        table = 0.5 * np.exp(np.stack([k * math.log(eps) + (N - k) * math.log1p(-eps),    # Lambda = 0
                                       (N - k) * math.log(eps) + k * math.log1p(-eps)], axis=1)).ravel()
        return table.reshape((2,) * (N + 1), order="F")
    return np.exp(_nb_logq(N, eps)[k]).reshape((2,) * N, order="F")


def naive_bayes_chain(N, eps, *, lumped=True, max_bytes=None):
    r"""Transition matrix and stationary law of the naive-Bayes random-scan Gibbs chain.

    One step picks i uniformly from the N variables and resamples X_i from
    P(X_i = 1 | X_{-i}) = p1(j) = q(j + 1) / (q(j) + q(j + 1)), j = number of ones among the
    others, q(k) the probability of one state with k ones. The count K = sum X_i is an exact
    lumping (Kemeny-Snell) of this chain: from K = k,

    .. math:: T_{k, k+1} = \frac{N - k}{N}\, p_1(k), \qquad T_{k, k-1} = \frac{k}{N}\,\bigl(1 - p_1(k - 1)\bigr),

    a birth-death chain reversible with respect to P(K = k) = C(N, k) q(k).

    Parameters
    ----------
    N : int
        Number of variables; ``lumped=False`` needs N <= 16.
    eps : float in (0, 1)
        Flip probability of the copies.
    lumped : bool
        True: the (N + 1) x (N + 1) dense chain on K. False: the 2^N-state chain as a
        scipy.sparse CSR array, states indexed by sum_i x_i 2^i.
    max_bytes : int, optional
        Refuse matrices larger than this (default 8 GiB).

    Returns
    -------
    T : ndarray or scipy.sparse.csr_array
        Row-stochastic transition matrix.
    pi : ndarray
        Its stationary law (P(K = k) or P(x)).

    Raises
    ------
    TypeError, ValueError
        For N or eps out of range, or a size over ``max_bytes``.

    References
    ----------
    J. G. Kemeny and J. L. Snell, *Finite Markov Chains* (1960), Sec. 6.3 (lumpability).

    Examples
    --------
    >>> T, pi = naive_bayes_chain(2, 0.25)
    >>> T.round(4).tolist()
    [[0.625, 0.375, 0.0], [0.3125, 0.375, 0.3125], [0.0, 0.375, 0.625]]
    >>> bool(np.abs(pi @ T - pi).max() < 1e-15)
    True
    """
    lumped = check_flag(lumped, "lumped")
    N, eps = _check_nb(N, eps, high=None if lumped else MAX_FULL_N)
    if lumped:
        check_size(8.0 * (N + 1) ** 2, max_bytes, "the lumped chain")
        T, _, _ = _nb_lumped_matrix(N, eps)
        return T, np.exp(_nb_log_pi_count(N, eps))
    import scipy.sparse as sp

    S = 2 ** N
    # rows, cols, vals per variable (24 bytes per entry), their concatenation and the CSR copy
    check_size(S * (N + 1) * 72.0, max_bytes, "the full-state chain")
    p1 = _nb_p1(N, eps)
    pc = _popcount(N)
    x = np.arange(S)
    rows, cols, vals = [], [], []
    diag = np.zeros(S)
    for i in range(N):
        xi = (x >> i) & 1
        p_one = p1[pc - xi]  # P(X_i = 1 | the other variables)
        rows.append(x)
        cols.append(x ^ (1 << i))  # moving to the other value of bit i
        vals.append(np.where(xi == 1, 1.0 - p_one, p_one) / N)
        diag += np.where(xi == 1, p_one, 1.0 - p_one) / N
    rows.append(x)
    cols.append(x)
    vals.append(diag)
    T = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(S, S))
    return T, np.exp(_nb_logq(N, eps)[pc])


def naive_bayes_relaxation_times(N, eps, *, n_modes=5, max_bytes=None):
    r"""Relaxation times of the lumped naive-Bayes chain from its eigenvalues.

    The lumped chain is reversible, so S = D^(1/2) T D^(-1/2) is a symmetric tridiagonal
    matrix with S[k, k+1] = sqrt(T[k, k+1] T[k+1, k]); its eigenvalues
    1 = lambda_0 >= lambda_1 >= ... are those of T. Mode m relaxes as lambda_m^t, so its
    relaxation time (in Gibbs steps) is

    .. math:: t_m = -\frac{1}{\ln \lambda_m};

    t_1 is the time to forget
    the majority (exp(Theta(N)) for small eps). Times beyond ~1e15 steps cannot be resolved
    in float64 (lambda rounds to 1) and are returned as inf.

    Parameters
    ----------
    N : int >= 1
    eps : float in (0, 1)
    n_modes : int >= 1
        Number of modes (after the stationary one) to report; at most N.
    max_bytes : int, optional
        Refuse when the O(N) work arrays exceed this (default 8 GiB).

    Returns
    -------
    ndarray (min(n_modes, N),) of relaxation times in steps, decreasing.

    Raises
    ------
    TypeError, ValueError
        For arguments out of range.

    References
    ----------
    D. A. Levin, Y. Peres, E. L. Wilmer, *Markov Chains and Mixing Times* (2nd ed.), Ch. 12.

    Examples
    --------
    >>> t = naive_bayes_relaxation_times(1, 0.25)   # one variable: T = [[p, 1-p], [p, 1-p]]
    >>> t.tolist()
    [0.0]
    """
    N, eps = _check_nb(N, eps, high=None)
    n_modes = check_int(n_modes, "n_modes", low=1)
    check_size(8.0 * (N + 1) * 12, max_bytes, "the spectrum")
    lam = _lumped_eigen(N, eps, vectors=False)
    lam = np.sort(lam)[::-1][1:1 + n_modes]
    with np.errstate(divide="ignore"):
        return np.where(lam >= 1.0, np.inf, np.where(lam <= 0.0, 0.0, -1.0 / np.log(np.clip(lam, 1e-300, None))))


def _lumped_eigen(N, eps, *, vectors=True):
    from scipy.linalg import eigh_tridiagonal

    up, down = _nb_lumped_bands(N, eps)  # never the dense matrix: relaxation times need O(N) memory
    d = 1.0 - up - down
    e = np.sqrt(up[:-1] * down[1:])
    return eigh_tridiagonal(d, e, eigvals_only=not vectors)


def _significant_rows(lpi):
    """Start counts k whose rows can matter: the skipped ones carry at most 1e-18 bit in total.

    D(P^t(k, .) || pi) <= log2(1 / pi_k) because P^t(k, j) <= pi_j / pi_k (reversibility),
    so skipping k costs at most pi_k log2(1 / pi_k).
    """
    n = lpi.size
    bound = np.exp(lpi) * (-lpi / LOG2)
    return np.flatnonzero((bound >= 1e-18 / n) | (lpi > -1.0))


def _mi_count_rows(rows, ks, lpi, observe, N):
    """I(K^0; K^t) or I(maj^0; maj^t) from rows P^t(k, .) for the start counts ``ks``.

    Rows are clipped at 0 and renormalised to sum 1 (exact rows do), which removes the
    first-order effect of rounding on the MI.
    """
    rows = np.clip(rows, 0.0, None)
    rows = rows / rows.sum(axis=1, keepdims=True)
    pi = np.exp(lpi[ks])
    if observe == "count":
        total = 0.0
        for r in range(ks.size):
            row = rows[r]
            m = row > 0
            total += pi[r] * float(np.sum(row[m] * (np.log(row[m]) - lpi[m])))
        return total / LOG2
    J = np.zeros((N + 1, N + 1))
    J[ks] = pi[:, None] * rows
    return _majority_mi(J, N)


def _majority_mi(J, N):
    k = np.arange(N + 1)
    cls = np.where(2 * k < N, 0, np.where(2 * k > N, 2, 1))
    A = np.zeros((3, N + 1))
    A[cls, k] = 1.0
    Jm = A @ J @ A.T
    return mi_from_joint(Jm / Jm.sum())


def _naive_bayes_lumped(N, eps, ts, observe, method, max_bytes):
    n = N + 1
    if method == "auto":
        method = "power" if N <= 256 else "eig"
    check_size(8.0 * n * n * (4 if method == "eig" else 3 + int(np.max(ts)).bit_length()), max_bytes,
               "the lumped chain")  # before the O(N) law below: N = 10**9 is refused here
    lpi = _nb_log_pi_count(N, eps)
    ks = _significant_rows(lpi)
    out = {}
    start = np.zeros((ks.size, n))
    start[np.arange(ks.size), ks] = 1.0
    if method == "power":
        T, _, _ = _nb_lumped_matrix(N, eps)
        for t, rows in powers_at(T, start, ts, max_bytes):
            out[t] = _mi_count_rows(rows, ks, lpi, observe, N)
        return out
    lam, V = _lumped_eigen(N, eps)
    lam = np.clip(lam, 0.0, 1.0)
    # P^t(k, j) = sqrt(pi_j / pi_k) sum_m V[k, m] lam_m^t V[j, m]  (no overflow: pi_k is not tiny)
    scale = np.exp(0.5 * (lpi[None, :] - lpi[ks][:, None]))
    for t in np.unique(ts):
        rows = start if t == 0 else ((V[ks] * lam ** float(t)) @ V.T) * scale
        out[int(t)] = _mi_count_rows(rows, ks, lpi, observe, N)
    return out


def _naive_bayes_full(N, eps, ts, observe, max_bytes):
    from ._numba import nb_full_step

    S = 2 ** N
    R = N // 2 + 1
    check_size(8.0 * S * R * 3 + 8.0 * S, max_bytes, "the full-state chain")
    kk = np.arange(N + 1)
    p1_lo, p1_hi = _nb_p1_around(N, eps)
    a_up = p1_lo / N
    b_down = (1.0 - p1_hi) / N
    diag = kk / N * p1_lo + (N - kk) / N * (1.0 - p1_hi)
    pc = _popcount(N)
    lq = _nb_logq(N, eps)
    lpi_state = lq[pc]
    lpi_count = _nb_log_pi_count(N, eps)
    w = _nb_start_weights(lpi_count, N)
    v = np.zeros((S, R))
    v[(1 << np.arange(R)) - 1, np.arange(R)] = 1.0  # representative x_k = first k bits set
    buf = np.empty_like(v)
    diag_y, up_y, down_y = diag[pc], a_up[pc], b_down[pc]
    now = 0
    out = {}
    for t in np.unique(ts):
        while now < t:
            nb_full_step(v, buf, N, diag_y, up_y, down_y)
            v, buf = buf, v
            now += 1
        if observe == "state":
            D = np.zeros(R)
            for r in range(R):
                col = v[:, r] / v[:, r].sum()
                m = col > 0
                D[r] = np.sum(col[m] * (np.log(col[m]) - lpi_state[m]))
            out[int(t)] = float(np.dot(w, D)) / LOG2
        else:
            rows = np.zeros((N + 1, N + 1))
            for r in range(R):
                rows[r] = np.bincount(pc, weights=v[:, r], minlength=N + 1)
            out[int(t)] = _nb_mirrored_count_mi(rows, lpi_count, observe, N)
    return out


def _naive_bayes_orbit(N, eps, ts, observe, max_bytes):
    """Exact chain of X^t given X^0 = x_k, lumped on the orbits of the permutations fixing x_k.

    Started from x_k (k ones), the law of X^t is invariant under S_k x S_(N-k), so it is
    uniform on each orbit {a ones among x_k's ones, b among its zeros}; (a, b) is an exact
    lumping with (k + 1)(N - k + 1) states. One sparse block-diagonal matrix holds every k.
    """
    import scipy.sparse as sp

    R = N // 2 + 1
    sizes = [(k + 1) * (N - k + 1) for k in range(R)]
    total = int(sum(sizes))
    check_size(8.0 * total * 16, max_bytes, "the orbit chain")
    p1_lo, p1_hi = _nb_p1_around(N, eps)
    lq = _nb_logq(N, eps)
    lpi_count = _nb_log_pi_count(N, eps)

    rows, cols, vals = [], [], []
    start = np.zeros(total)
    log_orbit = np.empty(total)   # log(#orbit) + log P(one state of the orbit)
    count_of = np.empty(total, dtype=np.int64)
    block_of = np.empty(total, dtype=np.int64)
    off = 0
    for k in range(R):
        a, b = np.divmod(np.arange(sizes[k]), N - k + 1)
        K = a + b
        idx = off + np.arange(sizes[k])
        moves = [(a > 0, -(N - k + 1), a / N * (1.0 - p1_lo[K])),
                 (a < k, N - k + 1, (k - a) / N * p1_hi[K]),
                 (b > 0, -1, b / N * (1.0 - p1_lo[K])),
                 (b < N - k, 1, (N - k - b) / N * p1_hi[K])]
        stay = 1.0
        for ok, shift, w in moves:
            w = np.where(ok, w, 0.0)
            rows.append(idx[ok])
            cols.append(idx[ok] + shift)
            vals.append(w[ok])
            stay = stay - w
        rows.append(idx)
        cols.append(idx)
        vals.append(stay)
        start[off + k * (N - k + 1)] = 1.0        # (a, b) = (k, 0): the state x_k itself
        log_orbit[idx] = _log_comb(k, a) + _log_comb(N - k, b) + lq[K]
        count_of[idx] = K
        block_of[idx] = k
        off += sizes[k]
    T = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(total, total))
    w = _nb_start_weights(lpi_count, N)
    uts = np.unique(ts)
    if int(uts[-1]) <= 20 * total or max(sizes) > 1024:
        # every block at once: one sparse product per step
        laws = dict(powers_at(T, start[None, :], uts, max_bytes))
    else:
        # long times: each block on its own, with binary powers of its dense matrix where they pay
        # (blocks of at most 1024 states: <= 8 MiB per cached power)
        laws = {int(t): np.zeros((1, total)) for t in uts}
        off = 0
        for k in range(R):
            sl = slice(off, off + sizes[k])
            for t, law in powers_at(T[sl, sl], start[None, sl], uts, max_bytes):
                laws[t][0, sl] = law[0]
            off += sizes[k]
    out = {}
    for t in uts:
        rho = np.clip(laws[int(t)][0], 0.0, None)
        sums = np.bincount(block_of, weights=rho, minlength=R)
        rho = rho / sums[block_of]
        if observe == "state":
            m = rho > 0
            # D_k = sum_orbits rho log(rho / (#orbit * P(state)))
            terms = rho[m] * (np.log(rho[m]) - log_orbit[m])
            D = np.bincount(block_of[m], weights=terms, minlength=R)
            out[int(t)] = float(np.dot(w, D)) / LOG2
        else:
            rows_k = np.zeros((N + 1, N + 1))
            np.add.at(rows_k, (block_of, count_of), rho)
            out[int(t)] = _nb_mirrored_count_mi(rows_k, lpi_count, observe, N)
    return out


def naive_bayes_mi(N, eps, ts, *, state_space="lumped", observe=None, method="auto", max_bytes=None):
    r"""Exact information kept by the naive-Bayes resampling chain after t Gibbs steps.

    Model: Lambda ~ Bernoulli(1/2), X_i iid given Lambda with P(X_i = Lambda) = 1 - eps,
    Lambda marginalised. X^0 ~ P (the stationary law) and each step resamples one uniformly
    chosen X_i from P(X_i | X_{-i}). Returns, in bits,

    .. math:: I(Y^0; Y^t) = \sum_{a, b} P(Y^0 = a, Y^t = b) \log_2 \frac{P(a, b)}{P(a) P(b)}

    for the observed quantity Y: the state X (``observe="state"``), the count
    K = sum_i X_i (``"count"``) or the majority sign(K - N/2) with ties as a third value
    (``"majority"``). Since K and the majority are functions of X,
    I(X^0; X^t) >= I(K^0; K^t) >= I(maj^0; maj^t), and all three are nonincreasing in t.
    I(X^0; X^t) - I(K^0; K^t) vanishes geometrically once every variable has been
    resampled (t >> N ln N): what survives is carried by K (a sufficient statistic for
    Lambda), and for small eps it plateaus at H(majority) for exp(Theta(N)) steps.

    All three state spaces give exact values (up to float64 rounding); ``state_space`` picks the
    chain they are computed on. ``"full"``: the 2^N-state chain, stepped exactly on one representative start per
    count (the chain commutes with permutations and with the global flip), cost
    O(t N 2^N (N/2 + 1)); N <= 16. ``"orbit"``: the same exact quantities from the chain
    started at x_k lumped on the orbits of the permutations fixing x_k (a ones among x_k's ones,
    b among its zeros: the law of X^t is uniform on each orbit), sum_k (k+1)(N-k+1) ~ N^3/12
    states, cost O(t N^3) by sparse steps, or binary powers of each block for long times when
    the blocks are small (N <= 62); N <= 400. ``"lumped"``: the birth-death chain on K
    (:func:`naive_bayes_chain`), exact for N up to thousands; ``method="power"`` uses binary
    powers of the non-negative matrix (every entry keeps a small relative error),
    ``"eig"`` the symmetric tridiagonal eigendecomposition (any t at the cost of one
    (N+1)^3 product, entries accurate to ~1e-16 absolute); ``"auto"`` picks power for N <= 256.
    The lumped chain sees only K, so I(X^0; X^t) needs "full" or "orbit" (N <= 400).

    Parameters
    ----------
    N : int >= 1
        Number of variables (<= 16 for ``state_space="full"``, <= 400 for ``"orbit"``).
    eps : float in (0, 1)
        Flip probability (small eps = strong redundancy).
    ts : int or sequence of int >= 0
        Numbers of Gibbs steps (one step = one resampled variable).
    state_space : {"lumped", "full", "orbit"}
        The chain the exact values are computed on: the count K, the 2^N states, or the orbits.
    observe : {"state", "count", "majority"}, optional
        Default "state" for full and orbit, "count" for lumped (which cannot observe the state).
    method : {"auto", "power", "eig"}
        Lumped chain only.
    max_bytes : int, optional
        Refuse work arrays over this size (default 8 GiB).

    Returns
    -------
    ndarray of float64, shape (len(ts),), bits, in the order of ``ts``.

    Raises
    ------
    TypeError
        For non-integer N or ts, non-real eps.
    ValueError
        For N, eps or ts out of range, an unknown ``state_space``/``observe``/``method``,
        ``observe="state"`` with the lumped chain, or a size over ``max_bytes``.

    References
    ----------
    J. Wentworth, "Natural abstractions: key claims, theorems and critiques" (2023);
    J. G. Kemeny and J. L. Snell, *Finite Markov Chains* (1960), Sec. 6.3.

    Examples
    --------
    >>> (naive_bayes_mi(1, 0.25, [0, 1]).round(12) + 0.0).tolist()   # one variable: forgotten at once
    [1.0, 0.0]
    >>> mi = naive_bayes_mi(6, 0.1, [0, 6, 60], state_space="full")
    >>> bool(mi[0] > mi[1] > mi[2] > 0)
    True
    >>> bool(np.abs(naive_bayes_mi(6, 0.1, [0, 6, 60], state_space="orbit") - mi).max() < 1e-13)
    True
    """
    check_choice(state_space, "state_space", STATE_SPACES)
    N, eps = _check_nb(N, eps, high=None)
    ts = check_times(ts, "ts", high={"full": 10 ** 7, "orbit": 10 ** 7 if N > 62 else None}.get(state_space),
                     max_bytes=max_bytes)
    if observe is None:
        observe = "count" if state_space == "lumped" else "state"
    check_choice(observe, "observe", _OBSERVE)
    check_choice(method, "method", ("auto", "power", "eig"))
    # what works instead: the orbit chain gives the full chain's values up to N = 400; beyond, only K is exact
    works = (f"state_space='orbit' gives I(X^0; X^t) exactly for N <= {MAX_ORBIT_N}" if N <= MAX_ORBIT_N else
             f"for N > {MAX_ORBIT_N} only the count and the majority are exact: state_space='lumped' with "
             "observe='count' or 'majority' (or naive_bayes_mc)")
    limit = {"full": MAX_FULL_N, "orbit": MAX_ORBIT_N}.get(state_space)
    if limit is not None and N > limit:
        raise ValueError(f"`N` must be <= {limit} with state_space={state_space!r}; got {N}. Instead, {works}.")
    if state_space == "lumped":
        if observe == "state":
            raise ValueError("`observe` must be 'count' or 'majority' with state_space='lumped' (the lumped chain "
                             f"only sees K); got 'state'. Instead, {works}.")
        vals = _naive_bayes_lumped(N, eps, ts, observe, method, max_bytes)
    else:
        if method != "auto":
            raise ValueError(f"`method` must be 'auto' with state_space={state_space!r} (it chooses among the "
                             f"lumped chain's methods); got {method!r}.")
        run = _naive_bayes_full if state_space == "full" else _naive_bayes_orbit
        vals = run(N, eps, ts, observe, max_bytes)
    return np.array([vals[int(t)] for t in ts])


def naive_bayes_mc(N, eps, ts, replicas, *, seed, observe="majority", n_boot=200, max_bytes=None):
    r"""Monte Carlo estimate of I(Y^0; Y^t) for the naive-Bayes chain, for N beyond the exact range.

    Each replica draws X^0 from the model, then runs random-scan Gibbs steps (same chain as
    :func:`naive_bayes_mi`); Y is the count K (``observe="count"``) or the majority
    (``"majority"``). The estimate is :func:`plugin_mi` (Miller-Madow, bootstrap SE over
    replicas) of

    .. math:: I(Y^0; Y^t) = \sum_{a, b} P(Y^0 = a, Y^t = b) \log_2 \frac{P(a, b)}{P(a) P(b)}.

    Cross-check: ``naive_bayes_mi(N, eps, ts, observe=observe)`` (exact, lumped chain).
    The majority has 3 values, so the plug-in bias left after Miller-Madow is O(1/replicas^2);
    the count has up to N + 1 values and needs replicas >> N^2 for a small bias.

    Parameters
    ----------
    N : int, 1 <= N <= 10**6
    eps : float in (0, 1)
    ts : int or sequence of int >= 0
        Gibbs steps (one variable each); at most 10**9.
    replicas : int >= 2
    seed : int in [0, 2**63 - 1]
    observe : {"majority", "count"}
    n_boot : int >= 0
    max_bytes : int, optional
        Refuse a record of the samples, or a bootstrap (:func:`plugin_mi`), over this size (default 8 GiB).

    Returns
    -------
    list of MIEstimate, one per t in ``ts`` (in that order).

    Raises
    ------
    TypeError, ValueError
        For arguments out of range.

    References
    ----------
    G. A. Miller (1955); J. Wentworth, "Natural abstractions" (2023).

    Examples
    --------
    >>> est = naive_bayes_mc(9, 0.05, [0], 400, seed=0, n_boot=0)[0]
    >>> abs(est.value - 1.0) < 0.05
    True
    """
    N, eps = _check_nb(N, eps, high=10 ** 6)
    ts = check_times(ts, "ts", high=10 ** 9, max_bytes=max_bytes)
    replicas = check_int(replicas, "replicas", low=2)
    seed = check_seed(seed, optional=False, generator=False)
    check_choice(observe, "observe", ("majority", "count"))
    check_size(8.0 * replicas * (len(ts) + 1) + replicas * N, max_bytes, "the Monte Carlo record")
    n_boot = check_int(n_boot, "n_boot", low=0)
    # the bootstrap of each time, planned before the simulation runs (K takes <= N + 1 values, the majority 3)
    m = min(replicas, 3 if observe == "majority" else N + 1)
    check_size(plugin_mi_plan_bytes(replicas, n_boot, m, m), max_bytes, PLAN_WHAT)
    from ._numba import nb_monte_carlo

    rec = np.unique(np.concatenate([[0], ts])).astype(np.int64)
    states = np.random.SeedSequence(seed).generate_state(replicas, dtype=np.uint64)
    K = np.zeros((replicas, rec.size), dtype=np.int64)
    nb_monte_carlo(N, eps, _nb_p1(N, eps), rec, states, K)
    if observe == "majority":
        K = np.sign(2 * K - N)
    col = {int(t): m for m, t in enumerate(rec)}
    return [plugin_mi(K[:, 0], K[:, col[int(t)]], n_boot=n_boot, seed=seed, max_bytes=max_bytes) for t in ts]
