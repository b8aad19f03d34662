r"""Monte Carlo bracket on a family capacity when its types do not fit.

For a law P on the family F,

.. math::

    I(P) \;\le\; C_F(n, s, m) \;\le\; \max_{f \in F} D(W_f \| PW),

and both ends are expectations over Bob's samples (the cells' probabilities cancel).

**Lower end.** :math:`I(P) = H(P) - E_{Y \sim PW} H(P(\cdot \mid Y))`: each draw contributes the
exact entropy of the posterior on the law's support (Rao-Blackwellised over F given Y, so its
variance is at most that of the log-ratio :math:`\log W_F(Y)/PW(Y)`); the lower end is
``Î - z_{α/2} se``, raised to the certified capacity of the law's problem when that is larger.

**Control variates.** Every draw also gives the same term for its *garbled* output :math:`Y_b`, in
which each sample's cell is replaced by its bin among B quantile bins of cells (the most whose
types number at most ``CV_MAX_TYPES``). Its mean is known exactly: the garbled channel is small
enough to sum over its types, so :math:`E\,[H(P) - H(P(\cdot \mid Y_b))] = I_b(P)` and
:math:`E_{W_f} \log W^b_f(Y_b)/PW^b(Y_b) = D(W^b_f \| PW^b)` (:func:`garbled_divergences`). Each
mean (the lower end's and every estimated divergence) is the regression control-variate estimate
:math:`\bar x - \hat\beta(\bar z - \mu_z)` (:func:`control_variate_mean`), with the standard error of
its residuals; when the bins are the cells themselves the estimate is exact (zero variance).

**The law.** When the types at m fit, P is the exact optimum at m. Otherwise, by default, P is
the optimum of a *sample-average* problem: ``law_samples`` draws Y_j from the uniform mixture U of
the candidate members give the channel :math:`\tilde W[k, j] \propto W_k(Y_j)/U(Y_j)`, solved by
Blahut–Arimoto; its law is averaged over the orbits below, pruned, and refined by
``REFINE_ROUNDS`` Blahut–Arimoto rounds on its support orbits, each on fresh draws
(:func:`refine_law`: :math:`P_o \leftarrow P_o 2^{\hat D_o}/Z`, with control-variate estimates). With ``law_samples=0``, P
is the exact optimum of a *garbled* problem at the same m: Bob learns only which of B bins of
consecutive reduced cells (quantiles of the cell law, mirror-symmetric) a sample fell in.
Forgetting the cell within a bin is a garbling of every sample, so that problem's certified
capacity ``law_lower`` is itself a certified lower bound on :math:`C_F(n, s, m)` (data processing).
The bracket holds for any law; the law only decides how narrow it is. Cells are drawn by
Walker's alias method (:func:`alias_table`).

**Orbits.** Complementing the output and the cell permutations of
:meth:`FunctionFamily.cell_symmetries` (the reflection w -> s - w for symmetric and interval
families) permute the members; a permutation is used only when it maps every member's cell
rows onto another member's bit for bit. Under a law constant on orbits, PW is invariant and
:math:`D(W_f \| PW)` is the same for every member of an orbit: one member per orbit is estimated.

**Upper end.** Three exact bounds spare draws. By concavity of the logarithm, for every member f

.. math::

    D(W_f \| PW) \;\le\; -\log \sum_g P_g\, e^{-m\, D(w_f \| w_g)},

with :math:`w_f` one sample's law (Jensen with weights :math:`\lambda_g \propto P_g e^{-m D(w_f\|w_g)}`);
orbits whose bound is below a floor fixed before the draws enter by it. And for every support
member g (:func:`neighbour_bounds`)

.. math::

    D(W_f \| PW) \;\le\; D(W_g \| PW) + m D(w_f \| w_g) + \min(1, m\, TV(w_f, w_g)) \log_2 (1/P_g),

so orbits within ``NB_EPS`` of a support member enter through its confidence limit. The others
are estimated from :math:`W_f` itself: a pilot of 400 draws per orbit (discarded) sizes each
orbit's final draws (fewer far below the top) and splits the upper end's :math:`\alpha/2`
(Bonferroni with weights: 90% over the orbits near the top, 10% over the rest). The bracket holds
with probability >= ``confidence`` under the normal approximation of each mean. That
approximation is used only with enough draws for its level (``min_samples``): a mean of k
draws whose margin is the normal quantile :math:`z_a` and an estimated standard error misses
with probability :math:`P(T_{k-1} > z_a)` (Student's t, for normal terms) instead of a; k is the
fewest draws for which that is at most ``MISS_EXCESS`` a, i.e. the stated miss probability is
understated by at most 10%. So ``samples`` must be >= ``min_samples((1 - confidence) / 2)``
(57 at 95%, 146 at 99%), and each estimated divergence uses at least the draws its own
Bonferroni level needs (as far as ``samples`` allows).
See docs/problem.rst for the model.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from boolean._lib.memory import check_size
from boolean._lib.validate import check_distribution, check_int, check_real, check_seed, shape_of

from .._rounding import U64, gamma

__all__ = ["FamilyBracket", "family_bracket"]

#: Nats per bit.
LN2 = math.log(2)
#: Fewest draws of the sample-average problem that gives the default law.
MIN_SAMPLES = 100
#: A mean estimated with the normal quantile z_a may miss with probability at most this factor
#: times its nominal level a (Student's t with k - 1 degrees of freedom): see ``min_samples``.
MISS_EXCESS = 1.1
#: Most types of the exact solve that provides the default law.
LAW_MAX_TYPES = 25_000
#: Gap of that solve (bits): the law needs no more, and its certified lower end stays certified.
LAW_TOL = 1e-6
#: Draws per member of the pilot that sizes the upper end's final draws (then discarded).
PILOT_SAMPLES = 400
#: Share of the upper end's alpha/2 given to the members the pilot puts near the top.
TOP_ALPHA = 0.9
#: Pilot gap (bits) below which a member counts as near the top.
NEAR_GAP = 0.05
#: Members whose neighbour bound (see :func:`neighbour_bounds`) adds at most this many bits to a
#: support member's limit are bounded through it instead of being estimated.
NB_EPS = 0.002
#: Most candidate members of the sample-average problem (before closing under the orbits).
SAA_MAX_MEMBERS = 400
#: Certified gap (bits) of the sample-average problem's solve, and the relative mass below which its
#: law is pruned (the law only has to be good; the bracket certifies whatever law it gets).
SAA_TOL, SAA_PRUNE = 3e-4, 1e-2
#: Most types of the garbled channel whose exact divergences are the control variates' means.
CV_MAX_TYPES = 250_000
#: Most bins of the control variates' garbled channel.
CV_MAX_BINS = 64
#: Blahut-Arimoto rounds refining a sample-average law on fresh draws, and draws per support orbit.
REFINE_ROUNDS, REFINE_SAMPLES = 3, 4000


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
        Orbits whose divergence was estimated (the others are bounded exactly or through a
        support member's limit).
    law_method : str
        "exact", "garbled", "sample average" or "given".
    lower_half_width, upper_half_width : float
        Each end's confidence margin (bits): ``estimate - lower``, and ``upper`` less the estimate
        of the divergence that gives it (NaN when an exact bound gives it).
    upper_stderr : float
        Standard error of the estimate behind ``upper`` (NaN when an exact bound gives it).
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
    law_method: str = "given"
    lower_half_width: float = float("nan")
    upper_half_width: float = float("nan")
    upper_stderr: float = float("nan")

    @property
    def width(self) -> float:
        """``upper - lower`` (bits)."""
        return self.upper - self.lower


def family_bracket(family, n, s, m, *, law=None, samples=4000, law_samples=20_000, confidence=0.95, seed=0,
                   max_bytes=None) -> FamilyBracket:
    r"""Monte Carlo bracket ``[I(P), max_f D(W_f || PW)]`` on a family capacity, with confidence.

    .. math::

        \hat I - z_{\alpha/2}\,\widehat{se} \;\le\; C_F(n, s, m) \;\le\;
        \max_{f \in F} \min\big(\hat D_f + z_{\alpha/(2M')}\,\widehat{se}_f,\;
        -\log \textstyle\sum_g P_g e^{-m D(w_f \| w_g)}\big),
        \qquad \alpha = 1 - \text{confidence},

    with only the M' members whose exact bound exceeds the lower end sampled, and the lower end
    raised to the certified capacity of the law's (exact or garbled) problem when that is larger;
    the estimate of I(P) is Rao-Blackwellised, every mean uses the garbled output as a control
    variate of exactly known mean, and members are estimated one per orbit or bounded through a
    support member (see the module docstring).

    Parameters
    ----------
    family : FunctionFamily or str or truth tables
        As in :func:`family_capacity`.
    n, s, m : int
        Parameters (``1 <= m <= 64``).
    law : array-like (M,), optional
        A law on the members; default the optimal law at m of the reduced cells when their types
        (at most 25 000) fit, else that of the sample-average problem (or, with
        ``law_samples=0``, of the garbled problem with the most quantile bins of cells whose
        types fit; see the module docstring).
    samples : int, default 4000
        Draws of the lower end's mean, and the most draws of each estimated divergence, at least
        ``min_samples((1 - confidence) / 2)`` (57 at the default confidence).
    law_samples : int, default 20000
        Draws of the sample-average problem that gives the default law when the types do not
        fit: 0 (the garbled problem's law instead) or ``>= 100``.
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
        As :func:`family_capacity`, and for fewer samples than the confidence needs
        (``min_samples``), ``law_samples`` neither 0 nor
        ``>= 100``, a confidence outside (0, 1),
        a law of the wrong shape or not a distribution, or a plan above ``max_bytes``.

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, Thm 4.5.1;
    C. E. Bonferroni (1936), the union bound over the estimated means; A. Shapiro, D. Dentcheva and
    A. Ruszczyński, *Lectures on Stochastic Programming*, SIAM 2009, ch. 5 (sample-average
    approximation); G. Casella and C. P. Robert, Biometrika 83 (1996) 81-94 (Rao-Blackwellisation);
    P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer 2004, section 4.1
    (control variates); A. J. Walker, ACM TOMS 3 (1977) 253-256 (alias method).

    Examples
    --------
    >>> b = family_bracket("thresholds", 40, 20, 4, samples=500, seed=1)
    >>> bool(b.lower < b.upper)
    True
    """
    from ._family_kernels import sample_terms_cv
    from .family_capacity import family_capacity, family_channel_plan, resolve_family, solve_cells

    n = check_int(n, "n", low=1)
    fam = resolve_family(family, n)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1, high=64)
    samples = check_int(samples, "samples", low=1)
    confidence = check_real(confidence, "confidence", low=0.0, high=1.0, low_open=True, high_open=True)
    need = min_samples((1.0 - confidence) / 2)
    if samples < need:
        raise ValueError(f"`samples` must be >= {need} for the normal approximation behind confidence="
                         f"{confidence:g} (its miss probability understated by at most "
                         f"{MISS_EXCESS - 1:.0%}); got {samples}")
    seed = check_seed(seed)
    law_samples = check_int(law_samples, "law_samples", low=0)
    if 0 < law_samples < MIN_SAMPLES:
        raise ValueError(f"`law_samples` must be 0 or >= {MIN_SAMPLES}; got {law_samples}")
    M = fam.size
    if law is not None:
        if shape_of(law) not in ((M,), ()):  # before the float64 copy: a broadcast view is not expanded
            raise ValueError(f"`law` must have shape ({M},) (one mass per member); got {shape_of(law)}")
        law = check_distribution(law, "law")
        if law.shape != (M,):
            raise ValueError(f"`law` must have shape ({M},) (one mass per member); got {law.shape}")
    L = (s + 1) if fam.kind in ("symmetric", "interval") else \
        3 ** len(fam.coords) if fam.kind == "junta" else math.comb(n, s) << s
    check_size(family_bracket_plan(M, L, m, samples, law_samples), max_bytes,
               f"family_bracket({M} members, {L} cells, m={m}, {samples} samples, {law_samples} law samples)")
    rng = np.random.default_rng(seed)
    law_m, law_cells, law_lower, law_method = None, None, math.nan, "given"
    q, pi = fam.reduced_cells(s, max_bytes=max_bytes)
    q0 = fam.reduced_zeros(s, q)
    pi = pi / pi.sum()
    orbit = member_orbits(fam, s, q, q0, pi)
    if law is None:
        law_m = m
        if family_channel_plan(1, 2 * L + 1, m)["types"] <= LAW_MAX_TYPES:
            r = family_capacity(fam, n, s, m, tol=LAW_TOL, max_bytes=max_bytes)
            law_cells, law_method = L, "exact"
            law, law_lower = r.member_mass, r.lower
        elif law_samples:
            law = sample_average_law(q, q0, pi, m, law_samples, rng, orbit)
            law_method = "sample average"
        else:
            B = max(1, max(b for b in range(1, L + 1) if family_channel_plan(1, 2 * b, m)["types"] <= LAW_MAX_TYPES)
                    if family_channel_plan(1, 2, m)["types"] <= LAW_MAX_TYPES else 1)
            labels = quantile_bins(pi, B)
            B = int(labels.max()) + 1
            qb, q0b, pib = fam.binned_cells(s, labels)
            mirror = [np.arange(B)[::-1]] if np.array_equal(labels, (B - 1) - labels[::-1]) else []
            # binned q and pi are sums of at most L products of the cells' (q within eps_q, pi within
            # u), and one division: relative gamma_{L+4} covers both, so law_lower is outward
            eps = gamma(L + 4, U64) + fam.cell_rounding(s)[0]
            r = solve_cells(fam, qb, pib, n, s, m, LAW_TOL, None, max_bytes, time.perf_counter(),
                            "family_bracket's law", q0=q0b, cell_perms=mirror, rounding=(eps, eps))
            law_cells, law_method = B, "garbled"
            law, law_lower = r.member_mass, r.lower
        law = orbit_mean(law, orbit)
    # a given law keeps its own masses: fold only by the symmetries it is invariant under
    fold = np.array_equal(law, orbit_mean(law, orbit))
    if not fold:
        orbit = np.arange(M)
    alias = alias_table(pi)
    alpha = 1.0 - confidence
    # control variates: the same terms for the garbled output (cells forgotten within quantile bins),
    # whose means are computed exactly over the garbled channel's types
    labels = quantile_bins(pi, cv_bins(L, m))
    starts = np.flatnonzero(np.diff(labels, prepend=-1))          # bins are runs of consecutive cells
    pib = np.add.reduceat(pi, starts)
    qb, q0b = (np.add.reduceat(a * pi, starts, axis=1) / pib for a in (q, q0))
    with np.errstate(divide="ignore"):
        l1, l0 = np.log(q), np.log(q0)
        b1, b0 = np.log(qb), np.log(q0b)

    def prepare(P):
        """Support, its masses and log tables for the law P."""
        sp = np.flatnonzero(P > 0)
        ws = P[sp] / P[sp].sum()
        with np.errstate(divide="ignore"):
            lw = np.log(ws)
        T = [np.ascontiguousarray(a[sp].T) for a in (l1, l0, b1, b0)]
        return sp, ws, lw, T

    def draw(src, prep):
        """Per draw, (log W_src(Y), log PW(Y), H(posterior)) and the same for the garbled Y (nats)."""
        sp, ws, lw, T = prep
        out = np.empty((src.size, 6))
        step = max(1, (1 << 20) // m)
        for a in range(0, src.size, step):
            r = np.ascontiguousarray(src[a:a + step])
            cells = draw_cells(rng, alias, (r.size, m))
            sample_terms_cv(r, cells, rng.random((r.size, m)), q, l1, l0, T[0], T[1], lw, labels, b1, b0,
                            T[2], T[3], out[a:a + step])
        return out

    if law_method == "sample average":
        law = refine_law(law, orbit, prepare, draw, lambda P, rows: garbled_divergences(qb, q0b, pib, P, m, rows))
    prep = prepare(law)
    supp, w, logw, _ = prep

    # lower end: I(P) = H(P) - E_Y H(P(. | Y)), Rao-Blackwellised over F given Y; control variate
    # H(P) - H(P(. | Y_b)), whose mean is the garbled I_b(P) = sum_f P_f D(W_f^b || P W^b), exact
    h_law = float(-(w * logw).sum())
    F = supp[rng.choice(supp.size, size=samples, p=w)]
    terms = draw(F, prep)
    mu_b = float(w @ garbled_divergences(qb, q0b, pib, law, m, supp))
    est, se = control_variate_mean((h_law - terms[:, 2]) / LN2, (h_law - terms[:, 5]) / LN2, mu_b)
    lower = est - norm.ppf(1 - alpha / 2) * se
    if law_m == m and law_lower > lower:
        lower = law_lower                         # certified, no confidence spent
    lower_half = est - lower

    # upper end: exact Jensen bounds, then the orbits whose bound exceeds a floor are estimated
    bound = jensen_bounds(q, q0, pi, law, m)
    reps = np.unique(orbit, return_index=True)[1]
    rep_bound = np.array([bound[orbit == orbit[r]].max() for r in reps.tolist()])
    # members whose exact bound is below the floor enter by that bound; the floor is fixed before
    # the draws below (it only decides which members are estimated, not what the bracket claims)
    floor = est - 4 * se - 0.05
    if law_m == m and law_lower > floor:
        floor = law_lower
    below = rep_bound <= floor
    nb = neighbour_bounds(q, q0, pi, law, m, reps)                  # (R, S) bits, exact
    supp_orbit = np.isin(orbit[reps], orbit[supp])
    by_nb = ~below & ~supp_orbit & (nb.min(axis=1) <= NB_EPS)
    E = reps[~below & ~by_nb]
    skipped = rep_bound[below]
    ucl = float(skipped.max()) if skipped.size else -np.inf
    d_max = ucl
    n_pilot = min(samples, PILOT_SAMPLES)

    mu_div = dict(zip(E.tolist(), garbled_divergences(qb, q0b, pib, law, m, E).tolist()))

    def divergence(f, k):
        mean, se_f = divergence_mean(draw(np.full(k, f, dtype=np.int64), prep), mu_div[f])
        return mean, se_f * math.sqrt(k)

    # pilot draws (discarded) choose, before the final draws, the members near the top (T) and
    # each member's draws; Bonferroni with weights: T shares TOP_ALPHA of alpha/2, the rest the remainder
    pilot = [divergence(int(f), n_pilot) for f in E.tolist()]
    up_se, up_d = math.nan, math.nan
    if pilot and any(math.isinf(d) for d, _ in pilot):
        d_max = ucl = math.inf
    elif pilot:
        d0 = np.array([d for d, _ in pilot])
        sd0 = np.array([sd for _, sd in pilot])
        # a member's gap below the lower end's estimate, less three pilot standard errors; the
        # pilot's sd is floored at a quarter of the largest (rare large terms are missed by it)
        sd_u = np.maximum(sd0, 0.25 * sd0.max())
        gap = np.maximum(est - d0 - 3 * sd_u / math.sqrt(n_pilot), 0.0)
        near = gap < NEAR_GAP
        a_top = alpha / 2 * (TOP_ALPHA if near.size > near.sum() else 1.0)
        z = np.where(near, norm.ppf(1 - a_top / max(1, near.sum())),
                     norm.ppf(1 - (alpha / 2 - a_top) / max(1, (~near).sum())))
        lims = {}
        for f, g_f, sd_p, z_f in zip(E.tolist(), gap.tolist(), sd_u.tolist(), z.tolist()):
            h = z_f * sd_p / math.sqrt(samples)
            k_min = min_samples(float(norm.sf(z_f)))
            k = int(min(samples, max(k_min, math.ceil((z_f * sd_p / max(0.5 * g_f, h, 1e-12)) ** 2))))
            d, sd = divergence(f, k)
            if math.isinf(d):
                d_max = ucl = math.inf
                break
            lim = min(d + z_f * sd / math.sqrt(k), float(bound[f]))
            lims[orbit[f]] = (lim, d, sd / math.sqrt(k))
            d_max = max(d_max, d)
            if lim > ucl:
                ucl, up_se, up_d = lim, sd / math.sqrt(k), d
        if math.isfinite(ucl):
            # the others: D_f <= D_g + m D(w_f || w_g) + min(1, m TV) log2(1 / P_g) for each support member g
            got = [lims.get(o, (math.inf, math.nan, math.nan)) for o in orbit[supp].tolist()]
            lim_s = np.array([g[0] for g in got])
            for i in np.flatnonzero(by_nb).tolist():
                j = int(np.argmin(lim_s + nb[i]))
                lim = min(float(lim_s[j] + nb[i, j]), float(rep_bound[i]))
                if lim > ucl:   # through support member j: its estimate and margin, plus nb
                    ucl, up_se, up_d = lim, got[j][2], got[j][1]
    upper_half = ucl - up_d if math.isfinite(ucl) and math.isfinite(up_d) else math.nan
    return FamilyBracket(n=n, s=s, m=m, lower=float(lower), upper=float(ucl), estimate=est, stderr=se,
                         upper_estimate=float(d_max), confidence=confidence, law_m=law_m, samples=samples,
                         law=np.asarray(law, dtype=np.float64), law_cells=law_cells, law_lower=float(law_lower),
                         sampled=int(E.size), law_method=law_method, lower_half_width=float(lower_half),
                         upper_half_width=float(upper_half), upper_stderr=float(up_se))


@functools.lru_cache(maxsize=256)
def min_samples(tail: float) -> int:
    r"""Fewest draws k for which a one-sided normal bound at level ``tail`` is justified.

    .. math::

        k = \min\{k \ge 2 : P(T_{k-1} > z_{1-a}) \le 1.1\, a\},\qquad a = \text{tail},

    with :math:`T_\nu` Student's t: a mean of k normal terms, bounded by the normal quantile
    :math:`z_{1-a}` times its estimated standard error, misses with that probability; requiring it
    within 10% of a keeps the stated confidence honest up to that factor. The miss probability
    decreases in k (the t tails thin towards the normal one), so k is found by bisection.
    See docs/problem.rst for the model; Student (1908), Biometrika 6, 1-25.
    """
    from scipy.stats import t as student

    z = float(norm.isf(tail))
    lo, hi = 1, 2
    while student.sf(z, hi - 1) > MISS_EXCESS * tail:    # the first power of two that suffices
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if student.sf(z, mid - 1) > MISS_EXCESS * tail:
            lo = mid
        else:
            hi = mid
    return hi


def alias_table(pi):
    """Walker's alias table ``(prob, alias)`` of the distribution ``pi`` (Vose's construction):
    cell ``i = floor(L u1)`` is kept when ``u2 < prob[i]``, else replaced by ``alias[i]``."""
    L = pi.size
    scaled = pi / pi.sum() * L
    prob, alias = np.ones(L), np.arange(L, dtype=np.int64)
    small = [i for i in range(L) if scaled[i] < 1.0]
    large = [i for i in range(L) if scaled[i] >= 1.0]
    while small and large:
        a, g = small.pop(), large.pop()
        prob[a], alias[a] = scaled[a], g
        scaled[g] -= 1.0 - scaled[a]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias


def draw_cells(rng, table, shape):
    """Cells drawn i.i.d. from the law of the alias ``table`` (int64 array of ``shape``)."""
    prob, alias = table
    i = np.minimum((rng.random(shape) * prob.size).astype(np.int64), prob.size - 1)
    return np.where(rng.random(shape) < prob[i], i, alias[i])


def cv_bins(n_cells: int, m: int) -> int:
    """Most quantile bins B <= min(``n_cells``, ``CV_MAX_BINS``) whose garbled channel has at most ``CV_MAX_TYPES`` types
    at m (its exact divergences are the control variates' means)."""
    from .family_capacity import family_channel_plan

    B = 1
    while B < min(n_cells, CV_MAX_BINS) and family_channel_plan(1, 2 * (B + 1), m)["types"] <= CV_MAX_TYPES:
        B += 1
    return B


def garbled_divergences(qb, q0b, pib, law, m, rows):
    r"""``D(W^b_f \| P W^b)`` (bits), exactly, for the members f = ``rows`` of the garbled channel
    (one sample: bin b with probability ``pib[b]``, then the bit, 1 with probability ``qb[f, b]``),
    summed over its types (counts of the 2B symbols): ``inf`` where W^b_f reaches a type that
    :math:`P W^b` cannot."""
    from scipy.special import gammaln

    from ._family_kernels import divergences
    from .family_capacity import compositions

    B = pib.size
    counts = compositions(2 * B, m).astype(np.float64)
    logcoef = gammaln(m + 1.0) - gammaln(counts + 1.0).sum(axis=1)
    with np.errstate(divide="ignore"):
        logr = np.concatenate([np.log(qb) + np.log(pib), np.log(q0b) + np.log(pib)], axis=1)
    logr = np.maximum(logr, -1e300)                  # log 0 -> a finite floor: 0 * floor = 0 below
    supp = np.flatnonzero(law > 0)
    logQ = np.full(counts.shape[0], -np.inf)
    for a in range(0, supp.size, 16):
        g = supp[a:a + 16]
        logQ = np.logaddexp(logQ, logsumexp(np.log(law[g])[:, None] + logcoef[None, :] + logr[g] @ counts.T,
                                            axis=0))
    k = int(min(2 * B, m))
    order = np.argsort(-counts, axis=1, kind="stable")[:, :k]    # the non-zero symbols of each type first
    cnt = np.ascontiguousarray(np.take_along_axis(counts, order, axis=1))
    d = divergences(np.ascontiguousarray(logr[np.asarray(rows, dtype=np.int64)]), order.astype(np.int64), cnt,
                    logcoef, logQ) / math.log(2)
    return np.where(d > 1e100, np.inf, d)            # W_f > 0 where only the floor remains: D = inf


def control_variate_mean(x, z, mu):
    r"""Regression control-variate estimate of ``E x`` with a control z of known mean ``mu``:
    :math:`\bar x - \hat\beta (\bar z - \mu)`, :math:`\hat\beta = \widehat{cov}(x, z) / \widehat{var}(z)`,
    and its standard error ``sd(x - beta z) / sqrt(k)`` (Glasserman 2004, section 4.1). Without a
    usable control (constant z, or mu not finite), the plain mean and its standard error."""
    k = x.size
    vz = float(z.var(ddof=1)) if k > 1 else 0.0
    if not (math.isfinite(mu) and vz > 0 and np.isfinite(z).all()):
        return float(x.mean()), float(x.std(ddof=1) / math.sqrt(k))
    beta = float(np.cov(x, z)[0, 1] / vz)
    r = x - beta * (z - mu)
    return float(r.mean()), float(r.std(ddof=2) / math.sqrt(k))


def divergence_mean(x, mu):
    r"""Control-variate estimate of :math:`D(W_f \| PW)` (bits) and its standard error from the
    draws ``x`` of member f (rows of ``family_bracket``'s ``draw``: log W_f(Y), log PW(Y), ..., and
    the same for the garbled Y), the garbled divergence ``mu`` being the control's mean
    (:func:`control_variate_mean`); ``(inf, 0)`` when a draw reaches an output PW cannot."""
    d = (x[:, 0] - x[:, 1]) / LN2
    if np.isinf(d).any():
        return math.inf, 0.0
    return control_variate_mean(d, (x[:, 3] - x[:, 4]) / LN2, mu)


def refine_law(law, orbit, prepare, draw, garbled, rounds=None, k=None):
    r"""Blahut–Arimoto rounds on the masses of the law's support orbits, each on fresh draws:
    :math:`P_o \leftarrow P_o\, 2^{\hat D_o} / Z` with :math:`\hat D_o` the control-variate
    estimate of :math:`D(W_f \| PW)` for one member f of orbit o (``k`` draws). At the optimum
    every support orbit has the same divergence; the rounds move mass towards that balance. The
    law stays constant on orbits; the bracket certifies whatever law results."""
    rounds = REFINE_ROUNDS if rounds is None else rounds
    k = REFINE_SAMPLES if k is None else k
    for _ in range(rounds):
        prep = prepare(law)
        so, rep = np.unique(orbit[prep[0]], return_index=True)
        rep = prep[0][rep]
        mu = garbled(law, rep)
        d = np.empty(rep.size)
        for i, f in enumerate(rep.tolist()):
            d[i] = divergence_mean(draw(np.full(k, f, dtype=np.int64), prep), float(mu[i]))[0]
        if not np.isfinite(d).all():
            break
        mass = np.zeros(int(orbit.max()) + 1)
        mass[so] = law[rep] * np.exp(LN2 * (d - d.max()))
        law = mass[orbit] * (law > 0)
        law = law / law.sum()
    return law


def neighbour_bounds(q, q0, pi, law, m, rows):
    r"""``nb[i, k] = m D(w_f \| w_g) + \min(1, m\,TV(w_f, w_g)) \log_2(1 / P_g)`` (bits) for the members
    f = ``rows[i]`` and the support members g = k-th member with ``law > 0``, such that

    .. math:: D(W_f \| PW) \le D(W_g \| PW) + nb[f, g].

    Proof: with :math:`h = \log(W_g / PW) \le \log(1/P_g)` (as :math:`PW \ge P_g W_g`),
    :math:`D(W_f\|PW) = D(W_f\|W_g) + E_{W_f} h` and
    :math:`E_{W_f} h - E_{W_g} h \le \sum_{W_f > W_g} (W_f - W_g) h \le TV(W_f, W_g) \log(1/P_g)`;
    :math:`D(W_f\|W_g) = m D(w_f\|w_g)` and :math:`TV(W_f, W_g) \le \min(1, m\,TV(w_f, w_g))` for
    m i.i.d. samples (w one sample's law over (cell, bit)). inf where w_f is not << w_g."""
    supp = np.flatnonzero(law > 0)
    qs = q[supp]
    with np.errstate(divide="ignore", invalid="ignore"):
        l1s, l0s = np.log(qs), np.log(q0[supp])
        lg = np.log2(1.0 / law[supp])
        out = np.empty((rows.size, supp.size))
        for a in range(0, rows.size, 64):
            f = rows[a:a + 64]
            D = sample_divergences(q, q0, pi, f, l1s, l0s)                        # nats, >= 0
            tv = np.abs(q[f][:, None, :] - qs[None, :, :]) @ pi
            out[a:a + 64] = m * np.maximum(D, 0.0) / math.log(2) + np.minimum(1.0, m * tv) * lg[None, :]
    return out


def sample_divergences(q, q0, pi, rows, l1s, l0s):
    r"""``D(w_f || w_g)`` (nats, (len(rows), G)) between one sample's laws over (cell, bit) of the
    members f = ``rows`` and the G members g whose log tables are ``l1s = log q_g`` and
    ``l0s = log q0_g`` (G, L):

    .. math:: \sum_c \pi_c \bigl[q_f \ln(q_f / q_g) + \bar q_f \ln(\bar q_f / \bar q_g)\bigr],

    with :math:`0 \ln 0 = 0` and inf where :math:`w_f` is not absolutely continuous w.r.t. :math:`w_g`."""
    qf, q0f = q[rows], q0[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = (np.where(qf > 0, qf * np.log(qf), 0.0) + np.where(q0f > 0, q0f * np.log(q0f), 0.0)) @ pi   # -H per f
    # cross terms sum_c pi_c [q_f log q_g + q0_f log q0_g]: 0 * log 0 = 0, q_f > 0 at q_g = 0 -> -inf
    return h[:, None] - (_xlogy_dot(qf, l1s, pi) + _xlogy_dot(q0f, l0s, pi))


def family_bracket_plan(n_members: int, n_cells: int, m: int, samples: int, law_samples: int) -> float:
    """Peak bytes of :func:`family_bracket` (one place, reused by callers): the cell tables
    (q, 1 - q and their logs, and the binned ones), the draws of one block and their terms, the
    garbled channel's types (counts, coefficients, log PW and a block of 16 rows), and the
    sample-average problem (at most ``SAA_MAX_MEMBERS`` x ``law_samples`` log-likelihoods, with the
    solver's copies)."""
    from .family_capacity import family_channel_plan

    K = min(n_members, 4 * SAA_MAX_MEMBERS)
    block = min(samples, (1 << 20) // max(1, m))
    B = cv_bins(n_cells, m)
    types = family_channel_plan(1, 2 * B, m)["types"]
    return 8.0 * (10 * n_members * n_cells + 8 * samples + block * m * 4 + types * (2 * B + 20)
                  + (6 * K * law_samples if law_samples else 0))


def member_orbits(fam, s, q, q0, pi):
    """Orbit label of every member under the symmetries of the cell channel: complementing the
    output (``q <-> 1 - q``) and each cell permutation of :meth:`FunctionFamily.cell_symmetries`
    that keeps ``pi``; a permutation is used only when it maps every member onto a member with
    bit-identical rows, so each one is a verified symmetry of the channel. Under a law constant on
    orbits, ``PW`` is invariant and ``D(W_f || PW)`` is the same for every member of an orbit."""
    from .symmetry import orbit_labels

    key = {q[i].tobytes() + q0[i].tobytes(): i for i in range(q.shape[0])}
    perms = []
    cands = [(np.arange(q.shape[1]), True)] + [(np.asarray(t), False) for t in fam.cell_symmetries(s)] \
        + [(np.asarray(t), True) for t in fam.cell_symmetries(s)]
    for tau, flip in cands:
        if tau.size != q.shape[1] or not np.array_equal(pi[tau], pi):
            continue
        a, b = (q0[:, tau], q[:, tau]) if flip else (q[:, tau], q0[:, tau])
        img = [key.get(np.ascontiguousarray(a[i]).tobytes() + np.ascontiguousarray(b[i]).tobytes(), -1)
               for i in range(q.shape[0])]
        if min(img) >= 0:
            perms.append(np.array(img, dtype=np.int64))
    return orbit_labels(perms, q.shape[0])[0]


def orbit_mean(law, orbit):
    """The law averaged over each orbit (every member of an orbit gets the same float)."""
    mean = np.bincount(orbit, weights=law) / np.bincount(orbit)
    return mean[orbit]


def sample_average_law(q, q0, pi, m, law_samples, rng, orbit):
    r"""Law of the sample-average problem: ``law_samples`` draws Y_j from the uniform mixture U of
    K candidate members (those with ``min(P(f=1), P(f=0)) > 1e-9``, the two most biased ones,
    and their orbits; at most SAA_MAX_MEMBERS, the least biased first) give the channel
    :math:`\tilde W[k, j] \propto W_k(Y_j) / U(Y_j)` (self-normalised importance weights),
    solved by Blahut–Arimoto to SAA_TOL. Any law is a law: the certificate does not rely on it."""
    from ..blahut_arimoto import blahut_arimoto
    from ._family_kernels import loglik_matrix

    p1 = q @ pi
    bias = np.minimum(p1, 1.0 - p1)
    cand = np.union1d(np.flatnonzero(bias > 1e-9), [int(np.argmin(p1)), int(np.argmax(p1))])
    if cand.size > SAA_MAX_MEMBERS:
        cand = np.sort(cand[np.argsort(-bias[cand], kind="stable")[:SAA_MAX_MEMBERS]])
    cand = np.flatnonzero(np.isin(orbit, orbit[cand]))
    K = cand.size
    g = cand[rng.integers(0, K, law_samples)]
    cells = draw_cells(rng, alias_table(pi), (law_samples, m))
    bits = rng.random((law_samples, m)) < q[g[:, None], cells]
    with np.errstate(divide="ignore"):
        LL = loglik_matrix(cells.astype(np.int64), bits, np.ascontiguousarray(np.log(q[cand]).T),
                           np.ascontiguousarray(np.log(q0[cand]).T))
    LL -= logsumexp(LL, axis=0)
    W = np.exp(LL)
    W /= W.sum(axis=1, keepdims=True)
    import warnings

    from .._result import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = blahut_arimoto(W, tol=SAA_TOL)
    law = np.zeros(q.shape[0])
    law[cand] = np.asarray(res.p, dtype=np.float64)
    law[law < SAA_PRUNE * law.max()] = 0.0
    return law / law.sum()


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
        l1s, l0s = np.log(q[supp]), np.log(q0[supp])
        out = np.empty(q.shape[0])
        lw = np.log(law[supp])
        for a in range(0, q.shape[0], 256):
            f = slice(a, a + 256)
            D = sample_divergences(q, q0, pi, f, l1s, l0s)                        # nats, (chunk, K)
            out[f] = -logsumexp(lw[None, :] - m * D, axis=1)
    return out / math.log(2)


def _xlogy_dot(x, logy, pi):
    """``sum_c pi_c x[f, c] logy[g, c]`` with 0 * (-inf) = 0, (F, G)."""
    fin = np.isfinite(logy)
    out = (x * pi) @ np.where(fin, logy, 0.0).T
    reach = ((x > 0).astype(np.float64) @ (~fin).T.astype(np.float64)) > 0
    return np.where(reach, -np.inf, out)
