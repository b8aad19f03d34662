r"""Monte Carlo bracket on a family capacity when its types do not fit.

For a law P on the family F,

.. math::

    I(P) \;\le\; C_F(n, s, m) \;\le\; \max_{f \in F} D(W_f \| PW),

and both ends are expectations over Bob's samples:
``I(P) = E_{F ~ P, Y ~ W_F} log [W_F(Y) / PW(Y)]`` and
``D(W_f || PW) = E_{Y ~ W_f} log [W_f(Y) / PW(Y)]`` (the cells' probabilities cancel). Each is
estimated by its sample mean; the bracket is
``[Î - z_{α/2} se, max_f (D̂_f + z_{α/(2M')} se_f)]``, a union bound over the two ends and the
M' divergences that are sampled, so it holds with probability >= ``confidence`` under the
normal approximation of each mean (which is why at least 100 samples are required).

**The law.** When the types at m fit, P is the exact optimum at m. Otherwise P is the exact
optimum of a *garbled* problem at the same m: Bob learns only which of B bins of consecutive
reduced cells (quantiles of the cell law, mirror-symmetric) a sample fell in. Forgetting the
cell within a bin is a garbling of every sample, so that problem's certified capacity
``law_lower`` is itself a certified lower bound on :math:`C_F(n, s, m)` (data processing).

**Members not sampled.** By concavity of the logarithm, for every member f

.. math::

    D(W_f \| PW) \;\le\; -\log \sum_g P_g\, e^{-m\, D(w_f \| w_g)},

with :math:`w_f` one sample's law (Jensen with weights :math:`\lambda_g \propto P_g e^{-m D(w_f\|w_g)}`;
:math:`D(W_f^{m} \| W_g^{m}) = m D(w_f \| w_g)` for i.i.d. samples). Members whose bound is
already below the certified ``law_lower`` are not estimated; the upper end is the larger of
their bounds and the estimated members' confidence limits. A finite bound means
:math:`W_f \ll PW`, so :math:`D(W_f \| PW) = E_{Y \sim PW}[\rho \log \rho]` with
:math:`\rho = W_f(Y) / PW(Y)`: the draws of the lower end serve every member at once
(importance sampling); members with an infinite bound, and up to 64 members with the largest
confidence limits, are sampled from :math:`W_f` itself (every limit computed enters the union
bound).
See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from boolean._lib.memory import check_size
from boolean._lib.validate import check_distribution, check_int, check_real, check_seed, shape_of

__all__ = ["FamilyBracket", "family_bracket"]

#: Fewest Monte Carlo samples per estimated mean (normal approximation).
MIN_SAMPLES = 100
#: Most types of the exact solve that provides the default law.
LAW_MAX_TYPES = 25_000
#: Most members whose divergence is re-estimated from W_f itself after the importance-sampling pass.
DIRECT_MAX = 64
#: Gap of that solve (bits): the law needs no more, and its certified lower end stays certified.
LAW_TOL = 1e-6


@dataclass(frozen=True)
class FamilyBracket:
    r"""A Monte Carlo bracket :math:`I(P; W) \le C_{\mathcal F}(n, s, m) \le \max_f D(W_f \,\|\, PW)` on a
    family capacity (bits).

    Attributes
    ----------
    n, s, m : int
        Parameters.
    lower, upper : float
        The bracket: ``lower <= C_F <= upper`` with probability >= ``confidence``.
    estimate, stderr : float
        The Monte Carlo I(P) and its standard error.
    upper_estimate : float
        ``max_f`` of the estimated divergences (without the confidence margin).
    confidence : float
        Joint confidence of the two ends.
    law_m : int or None
        The m whose exact optimal law was used (None for a law given by the user).
    law_cells : int or None
        Cells (bins) of the problem that law solves: the reduced cells, or fewer for a garbled
        problem; None for a user law.
    law_lower : float
        The certified capacity of that problem (bits), a certified lower bound on C_F(n, s, m)
        when ``law_m == m``; NaN for a user law.
    sampled : int
        Members whose divergence was estimated (the others are bounded exactly).
    samples : int
        Samples per estimated mean.
    law : ndarray (M,)
        The law on the family's members.

    Examples
    --------
    >>> b = family_bracket("thresholds", 6, 2, 3, samples=2000, seed=0)
    >>> b.lower <= b.estimate <= b.upper, b.law_m
    (True, 3)
    """

    n: int
    s: int
    m: int
    lower: float
    upper: float
    estimate: float
    stderr: float
    upper_estimate: float
    confidence: float
    law_m: int | None
    samples: int
    law: np.ndarray
    law_cells: int | None = None
    law_lower: float = float("nan")
    sampled: int = 0


def family_bracket(family, n, s, m, *, law=None, samples=4000, confidence=0.95, seed=0,
                   max_bytes=None) -> FamilyBracket:
    r"""Monte Carlo bracket ``[I(P), max_f D(W_f || PW)]`` on a family capacity, with confidence.

    .. math::

        \hat I - z_{\alpha/2}\,\widehat{se} \;\le\; C_F(n, s, m) \;\le\;
        \max_{f \in F} \min\big(\hat D_f + z_{\alpha/(2M')}\,\widehat{se}_f,\;
        -\log \textstyle\sum_g P_g e^{-m D(w_f \| w_g)}\big),
        \qquad \alpha = 1 - \text{confidence},

    with only the M' members whose exact bound exceeds the lower end sampled, and the lower end
    raised to the certified capacity of the law's (garbled) problem when that is larger.

    Parameters
    ----------
    family : FunctionFamily or str or truth tables
        As in :func:`family_capacity`.
    n, s, m : int
        Parameters (``1 <= m <= 64``).
    law : array-like (M,), optional
        A law on the members; default the optimal law at m of the reduced cells when their types
        (at most 25 000) fit, else of the garbled problem with the most quantile bins of cells
        whose types fit (see the module docstring).
    samples : int, default 4000
        Samples per estimated mean, ``>= 100``.
    confidence : float, default 0.95
        In (0, 1).
    seed : int or Generator, default 0
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB).

    Returns
    -------
    FamilyBracket

    Raises
    ------
    TypeError, ValueError
        As :func:`family_capacity`, and for fewer than 100 samples, a confidence outside (0, 1),
        a law of the wrong shape or not a distribution, or a plan above ``max_bytes``.

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, Thm 4.5.1;
    C. E. Bonferroni (1936), the union bound over the estimated means.

    Examples
    --------
    >>> b = family_bracket("thresholds", 40, 20, 4, samples=500, seed=1)
    >>> bool(b.lower < b.upper)
    True
    """
    from .family_capacity import family_capacity, family_channel_plan, resolve_family, solve_cells

    n = check_int(n, "n", low=1)
    fam = resolve_family(family, n)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=64)
    samples = check_int(samples, "samples", low=1)
    confidence = check_real(confidence, "confidence", low=0.0, high=1.0, low_open=True, high_open=True)
    if samples < MIN_SAMPLES:
        raise ValueError(f"`samples` must be >= {MIN_SAMPLES} for the normal approximation behind a stated "
                         f"confidence; got {samples}")
    seed = check_seed(seed)
    M = fam.size
    if law is not None:
        if shape_of(law) not in ((M,), ()):  # before the float64 copy: a broadcast view is not expanded
            raise ValueError(f"`law` must have shape ({M},) (one mass per member); got {shape_of(law)}")
        law = check_distribution(law, "law")
        if law.shape != (M,):
            raise ValueError(f"`law` must have shape ({M},) (one mass per member); got {law.shape}")
    L = (s + 1) if fam.kind in ("symmetric", "interval") else \
        3 ** len(fam.coords) if fam.kind == "junta" else math.comb(n, s) << s
    chunk = max(1, min(samples, (1 << 22) // max(1, m * M)))
    check_size(8.0 * (6 * M * L + chunk * m * (3 * M + 3) + 2 * M * samples), max_bytes,
               f"family_bracket({M} members, {L} cells, m={m}, {samples} samples)")
    law_m, law_cells, law_lower = None, None, math.nan
    q, pi = fam.reduced_cells(s, max_bytes=max_bytes)
    q0 = fam.reduced_zeros(s, q)
    if law is None:
        law_m = m
        if family_channel_plan(1, 2 * L + 1, m)["types"] <= LAW_MAX_TYPES:
            r = family_capacity(fam, n, s, m, tol=LAW_TOL, max_bytes=max_bytes)
            law_cells = L
        else:
            B = max(1, max(b for b in range(1, L + 1) if family_channel_plan(1, 2 * b, m)["types"] <= LAW_MAX_TYPES)
                    if family_channel_plan(1, 2, m)["types"] <= LAW_MAX_TYPES else 1)
            labels = quantile_bins(pi, B)
            B = int(labels.max()) + 1
            qb, q0b, pib = fam.binned_cells(s, labels)
            mirror = [np.arange(B)[::-1]] if np.array_equal(labels, (B - 1) - labels[::-1]) else []
            r = solve_cells(fam, qb, pib, n, s, m, LAW_TOL, None, max_bytes, time.perf_counter(),
                            "family_bracket's law", q0=q0b, cell_perms=mirror)
            law_cells = B
        law, law_lower = r.member_mass, r.lower
    pi = pi / pi.sum()
    supp = np.flatnonzero(law > 0)
    chunk = max(1, min(samples, (1 << 22) // max(1, m * supp.size)))    # draws per block of terms()
    w = law[supp] / law[supp].sum()
    with np.errstate(divide="ignore"):
        logq1 = np.log(q).T      # (L, M)
        logq0 = np.log(q0).T
        logw = np.log(w)
    rng = np.random.default_rng(seed)
    alpha = 1.0 - confidence

    bound = jensen_bounds(q, q0, pi, law, m)      # exact upper bounds on every D(W_f || PW), bits
    # members to estimate: those whose exact bound exceeds the certified lower end (a threshold
    # fixed before any draw, so the union bound below runs over a set chosen in advance)
    floor = law_lower if law_m == m else -np.inf
    est_rows = np.flatnonzero((bound > floor) & np.isfinite(bound))
    inf_rows = np.flatnonzero(np.isinf(bound))
    cols = np.union1d(supp, est_rows)
    pos_s, pos_e = np.searchsorted(cols, supp), np.searchsorted(cols, est_rows)
    step = max(1, min(samples, (1 << 22) // max(1, m * cols.size)))
    l1_cols, l0_cols = np.ascontiguousarray(logq1[:, cols]), np.ascontiguousarray(logq0[:, cols])
    l1_supp, l0_supp = np.ascontiguousarray(logq1[:, supp]), np.ascontiguousarray(logq0[:, supp])
    F = supp[rng.choice(supp.size, size=samples, p=w)]
    t = np.empty(samples)
    s1, s2 = np.zeros(est_rows.size), np.zeros(est_rows.size)
    for a in range(0, samples, step):
        r = F[a:a + step]
        c = rng.choice(pi.size, size=(r.size, m), p=pi)
        y = rng.random((r.size, m)) < q[r[:, None], c]
        LL = np.where(y[:, :, None], l1_cols[c], l0_cols[c]).sum(axis=1)
        logPW = logsumexp(LL[:, pos_s] + logw, axis=1)
        own = np.where(y, logq1[c, r[:, None]], logq0[c, r[:, None]]).sum(axis=1)
        t[a:a + step] = (own - logPW) / math.log(2)
        # D(W_f || PW) = E_{Y ~ PW}[rho log rho], rho = W_f(Y) / PW(Y): one draw serves every member
        lr = LL[:, pos_e] - logPW[:, None]
        with np.errstate(invalid="ignore"):
            v = np.where(lr > -745.0, np.exp(lr) * lr, 0.0) / math.log(2)
        s1 += v.sum(axis=0)
        s2 += (v * v).sum(axis=0)
    est, se = float(t.mean()), float(t.std(ddof=1) / math.sqrt(samples))
    z_low = norm.ppf(1 - alpha / 2)
    lower = est - z_low * se
    if law_m == m and law_lower > lower:
        lower = law_lower                         # certified, no confidence spent
    n_direct = min(DIRECT_MAX, est_rows.size)
    n_est = est_rows.size + inf_rows.size + n_direct
    z_up = norm.ppf(1 - alpha / (2 * max(1, n_est)))
    skipped = np.setdiff1d(np.arange(M), np.union1d(est_rows, inf_rows))
    ucl = float(bound[skipped].max()) if skipped.size else -np.inf
    d_max = ucl

    def terms(rows):
        out = np.empty(rows.size)
        for a in range(0, rows.size, chunk):
            r = rows[a:a + chunk]
            c = rng.choice(pi.size, size=(r.size, m), p=pi)
            y = rng.random((r.size, m)) < q[r[:, None], c]
            LL_s = np.where(y[:, :, None], l1_supp[c], l0_supp[c]).sum(axis=1)
            own = np.where(y, logq1[c, r[:, None]], logq0[c, r[:, None]]).sum(axis=1)
            out[a:a + chunk] = own - logsumexp(LL_s + logw, axis=1)
        return out / math.log(2)

    if est_rows.size:
        d = s1 / samples
        sd = np.sqrt(np.maximum(s2 / samples - d * d, 0.0) * samples / (samples - 1) / samples)
        d_max = max(d_max, float(d.max()))
        cur = np.minimum(d + z_up * sd, bound[est_rows])
        # importance weights are heavy-tailed off the support: re-estimate the members with the
        # largest limit from W_f itself (fresh draws; each limit counted in the union bound)
        done = np.zeros(est_rows.size, dtype=bool)
        for _ in range(n_direct):
            k = int(np.argmax(cur))
            if done[k]:
                break
            tf = terms(np.full(samples, est_rows[k], dtype=np.int64))
            cur[k] = min(cur[k], float(tf.mean()) + z_up * float(tf.std(ddof=1) / math.sqrt(samples)))
            done[k] = True
        ucl = max(ucl, float(cur.max()))
    for f in inf_rows.tolist():            # sampled from W_f itself: PW may miss some of its outputs
        tf = terms(np.full(samples, f, dtype=np.int64))
        if not np.isfinite(tf).all():      # W_f reaches an output PW cannot: D = inf, the bound is void
            d_max = ucl = np.inf
            break
        d1, sd1 = float(tf.mean()), float(tf.std(ddof=1) / math.sqrt(samples))
        d_max = max(d_max, d1)
        ucl = max(ucl, d1 + z_up * sd1)
    return FamilyBracket(n=n, s=s, m=m, lower=float(lower), upper=float(ucl), estimate=est, stderr=se,
                         upper_estimate=float(d_max), confidence=confidence, law_m=law_m, samples=samples,
                         law=np.asarray(law, dtype=np.float64), law_cells=law_cells, law_lower=float(law_lower),
                         sampled=int(n_est))


def quantile_bins(pi, B):
    """Labels of at most B bins of consecutive cells holding about 1/B of the mass each (cell c
    goes to bin floor(B x_c), x_c the mass before c plus half its own). When ``pi`` is
    symmetric the bins are mirror images (cells c and L-1-c in bins k and B'-1-k; with L odd
    the middle cell needs an odd B, so an even B drops by one). Empty bins are removed."""
    L = pi.size
    sym = np.array_equal(pi, pi[::-1])
    if sym and L % 2 and B % 2 == 0:
        B -= 1
    x = (np.cumsum(pi) - pi / 2) / pi.sum()
    labels = np.clip(np.floor(B * x).astype(np.int64), 0, B - 1)
    if sym:
        left = labels[:L // 2]
        labels = np.concatenate([left, [B // 2] * (L % 2), (B - 1 - left)[::-1]]).astype(np.int64)
    _, labels = np.unique(labels, return_inverse=True)     # no empty bin
    return labels.reshape(-1)


def jensen_bounds(q, q0, pi, law, m):
    """``-log sum_g P_g exp(-m D(w_f || w_g))`` (bits) for every member f: an upper bound on
    D(W_f || PW) (see the module docstring); inf where every support member g has D = inf."""
    supp = np.flatnonzero(law > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        l1, l0 = np.log(q), np.log(q0)
        h = np.where(q > 0, q * l1, 0.0) + np.where(q0 > 0, q0 * l0, 0.0)     # -H per cell, (M, L)
        out = np.empty(q.shape[0])
        lw = np.log(law[supp])
        for a in range(0, q.shape[0], 256):
            f = slice(a, a + 256)
            # cross terms sum_c pi_c [q_f log q_g + q0_f log q0_g]: 0 * log 0 = 0, q_f > 0 at q_g = 0 -> -inf
            cross = _xlogy_dot(q[f], l1[supp], pi) + _xlogy_dot(q0[f], l0[supp], pi)
            D = (h[f] @ pi)[:, None] - cross                                      # nats, (chunk, K)
            out[f] = -logsumexp(lw[None, :] - m * D, axis=1)
    return out / math.log(2)


def _xlogy_dot(x, logy, pi):
    """``sum_c pi_c x[f, c] logy[g, c]`` with 0 * (-inf) = 0, (F, G)."""
    fin = np.isfinite(logy)
    out = (x * pi) @ np.where(fin, logy, 0.0).T
    reach = ((x > 0).astype(np.float64) @ (~fin).T.astype(np.float64)) > 0
    return np.where(reach, -np.inf, out)
