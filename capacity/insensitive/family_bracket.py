r"""Monte Carlo bracket on a family capacity when its types do not fit.

For a law P on the family F (by default the optimal law of the largest m whose types fit),

.. math::

    I(P) \;\le\; C_F(n, s, m) \;\le\; \max_{f \in F} D(W_f \| PW),

and both ends are expectations over Bob's samples:
``I(P) = E_{F ~ P, Y ~ W_F} log [W_F(Y) / PW(Y)]`` and
``D(W_f || PW) = E_{Y ~ W_f} log [W_f(Y) / PW(Y)]`` (the cells' probabilities cancel). Each is
estimated by its sample mean; the bracket is
``[Î - z_{α/2} se, max_f (D̂_f + z_{α/(2M)} se_f)]`` with M the members, a union bound over the
two ends and the M divergences, so it holds with probability >= ``confidence`` under the normal
approximation of each mean (which is why at least 100 samples are required).
See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from boolean._lib.memory import check_size
from boolean._lib.validate import check_distribution, check_int, check_real, check_seed

__all__ = ["FamilyBracket", "family_bracket"]

#: Fewest Monte Carlo samples per estimated mean (normal approximation).
MIN_SAMPLES = 100
#: Most types of the exact solve that provides the default law.
LAW_MAX_TYPES = 20_000


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


def _sample_loglik(rng, q, pi, f_rows, m, logq1, logq0):
    """Draw one Y (m cells and bits) from each row index in f_rows; return (cells, bits) and
    log P(Y | b) for every column b of logq1/logq0 (cells' probabilities dropped)."""
    N = f_rows.size
    c = rng.choice(pi.size, size=(N, m), p=pi)
    y = rng.random((N, m)) < q[f_rows[:, None], c]
    LL = np.where(y[:, :, None], logq1[c], logq0[c]).sum(axis=1)  # (N, B)
    return LL


def family_bracket(family, n, s, m, *, law=None, samples=4000, confidence=0.95, seed=0,
                   max_bytes=None) -> FamilyBracket:
    r"""Monte Carlo bracket ``[I(P), max_f D(W_f || PW)]`` on a family capacity, with confidence.

    .. math::

        \hat I - z_{\alpha/2}\,\widehat{se} \;\le\; C_F(n, s, m) \;\le\;
        \max_{f \in F} \big(\hat D_f + z_{\alpha/(2M)}\,\widehat{se}_f\big),
        \qquad \alpha = 1 - \text{confidence}.

    Parameters
    ----------
    family : FunctionFamily or str or truth tables
        As in :func:`family_capacity`.
    n, s, m : int
        Parameters (``1 <= m <= 64``).
    law : array-like (M,), optional
        A law on the members; default the optimal law of :func:`family_capacity` at the largest
        ``m' <= m`` whose types (at most 20 000) fit.
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
    from .family_capacity import resolve_family, family_capacity, family_channel_plan

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
        law = check_distribution(law, "law")
        if law.shape != (M,):
            raise ValueError(f"`law` must have shape ({M},) (one mass per member); got {law.shape}")
    L = (s + 1) if fam.kind in ("symmetric", "interval") else \
        3 ** len(fam.coords) if fam.kind == "junta" else math.comb(n, s) << s
    chunk = max(1, min(samples, (1 << 22) // max(1, m * M)))
    check_size(8.0 * (3 * M * L + chunk * m * (3 * M + 3) + 2 * M * samples), max_bytes,
               f"family_bracket({M} members, {L} cells, m={m}, {samples} samples)")
    law_m = None
    if law is None:
        for m0 in range(m, 0, -1):
            if family_channel_plan(1, 2 * L + 1, m0)["types"] <= LAW_MAX_TYPES:
                law = family_capacity(fam, n, s, m0, max_bytes=max_bytes).member_mass
                law_m = m0
                break
        else:  # pragma: no cover - m0 = 1 always fits (2L + 1 types)
            raise AssertionError("no m fits")
    q, pi = fam.reduced_cells(s, max_bytes=max_bytes)
    pi = pi / pi.sum()
    supp = np.flatnonzero(law > 0)
    w = law[supp] / law[supp].sum()
    with np.errstate(divide="ignore"):
        logq1 = np.log(q[:, :]).T      # (L, M)
        logq0 = np.log1p(-q).T
        logw = np.log(w)
    rng = np.random.default_rng(seed)
    alpha = 1.0 - confidence

    def terms(rows):
        out = np.empty(rows.size)
        for a in range(0, rows.size, chunk):
            r = rows[a:a + chunk]
            c = rng.choice(pi.size, size=(r.size, m), p=pi)
            y = rng.random((r.size, m)) < q[r[:, None], c]
            LL_s = np.where(y[:, :, None], logq1[c][:, :, supp], logq0[c][:, :, supp]).sum(axis=1)
            own = np.where(y, logq1[c, r[:, None]], logq0[c, r[:, None]]).sum(axis=1)
            out[a:a + chunk] = own - logsumexp(LL_s + logw, axis=1)
        return out / math.log(2)

    F = supp[rng.choice(supp.size, size=samples, p=w)]
    t = terms(F)
    est, se = float(t.mean()), float(t.std(ddof=1) / math.sqrt(samples))
    z_low = norm.ppf(1 - alpha / 2)
    z_up = norm.ppf(1 - alpha / (2 * M))
    ucl = -np.inf
    d_max = -np.inf
    for f in range(M):
        tf = terms(np.full(samples, f, dtype=np.int64))
        if not np.isfinite(tf).all():      # W_f reaches an output PW cannot: D = inf, the bound is void
            d_max = ucl = np.inf
            break
        d, sd = float(tf.mean()), float(tf.std(ddof=1) / math.sqrt(samples))
        d_max = max(d_max, d)
        ucl = max(ucl, d + z_up * sd)
    return FamilyBracket(n=n, s=s, m=m, lower=est - z_low * se, upper=float(ucl), estimate=est, stderr=se,
                         upper_estimate=float(d_max), confidence=confidence, law_m=law_m, samples=samples,
                         law=np.asarray(law, dtype=np.float64))
