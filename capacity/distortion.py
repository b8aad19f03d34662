r"""Certified rate–distortion functions by Blahut's algorithm (Blahut 1972; Csiszár 1974).

:math:`R(D) = \min_{Q:\,\mathbb{E}\,d \le D} I(X; \hat X)` is computed by Blahut's iteration
for a slope ``s``, a bisection on ``s`` to meet the distortion, and a *certificate*: upper bound
:math:`I(p; Q)` of a test channel with distortion :math:`\le D`; lower bound (Blahut 1972,
Thm 2; Csiszár 1974): for every :math:`s \ge 0` and every output law :math:`r`,

.. math:: R(D) \ge -s D - \sum_x p_x \log \sum_{\hat x} r_{\hat x} e^{-s d(x,\hat x)}
          - \log \max_{\hat x} c_{\hat x},\qquad
          c_{\hat x} = \sum_x \frac{p_x e^{-s d(x,\hat x)}}{\sum_{\hat x'} r_{\hat x'} e^{-s d(x,\hat x')}}.

Slopes ``s`` are reported in bits per unit of distortion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boolean._lib.array import logsumexp, neg_entropy_rows
from boolean._lib.backend import is_tensor
from boolean._lib.validate import as_float_array, check_distribution, check_nonnegative, check_real, shape_of
from boolean._lib.memory import check_size

from ._lagrange import (DEFAULT_MAX_BYTES, LN2, _NEWTON_EVERY, _NEWTON_MAX_N, _check_common, _newton_polish,
                        _slope_bisection, _solve_each, GAP_FLOOR, certified_bits, check_targets, curve_points)
from ._result import _CertifiedGap, result_like, stack_results
from ._rounding import LD, U64, ULD, gamma, outward_information, round_down, round_up
from ._solver import MU0, MU_GROW, TINY, certificate, md_steps

__all__ = ["rate_distortion", "rate_distortion_curve", "RateDistortionResult"]


@dataclass(frozen=True)
class RateDistortionResult(_CertifiedGap):
    r"""Certified rate–distortion point (bits).

    Attributes
    ----------
    rate : float or ndarray
        The rate reported: ``upper``, achieved by the test channel ``Q`` at distortion
        ``distortion``.
    distortion : float or ndarray
        The expected distortion of the test channel ``Q``: at most the requested ``D``, and
        equal to it (up to rounding) once the bisection has met it; smaller when ``max_iter``
        stopped it first. The bounds hold for both: ``lower <= R(D) <= R(distortion) <= upper``
        (R does not increase). With a slope, the test channel's distortion.
    lower, upper : float or ndarray
        Certified bounds ``lower <= R(distortion) <= upper`` (bits).
    Q : ndarray (nx, nz) or (K, nx, nz)
        Test channel ``Q[x, z] = P(X̂ = z | X = x)`` with ``E d <= distortion`` and ``I(p; Q) = upper``.
    slope : float or ndarray
        A Lagrange slope ``s`` (bits per unit distortion) of the distortion constraint: the
        slope of the certifying lower bound, the line
        :math:`R(D') \ge \text{lower} - s\,(D' - D)` for every :math:`D'`, so that :math:`-s`
        is a subgradient of :math:`R` at ``distortion`` to within the gap; with ``slope=`` given,
        that slope. ``inf`` on the ``D = D_min`` edge, ``0`` when ``R(D) = 0``.
    iterations : int or ndarray
        Blahut iterations, summed over the bisection.
    converged : bool or ndarray
        Whether ``upper - lower <= tol``.
    extra : dict
        Details (e.g. ``d_min``, ``d_max``).

    References
    ----------
    R. E. Blahut, "Computation of channel capacity and rate-distortion functions",
    IEEE Trans. IT 18 (1972) 460-473, Thm 2 (the lower bound); I. Csiszar, Stud. Sci. Math.
    Hung. 9 (1974) 57-71; T. M. Cover and J. A. Thomas, *Elements of Information Theory*,
    2nd ed., Thm 10.3.1 (Bernoulli source, Hamming distortion).

    Examples
    --------
    >>> import numpy as np
    >>> r = rate_distortion([0.5, 0.5], 1 - np.eye(2), 0.11)   # R(D) = 1 - h(0.11)
    >>> round(r.rate, 6), bool(r.gap <= 1e-9), r.converged, r.Q.shape
    (0.500084, True, True, (2, 2))
    """

    rate: Any
    distortion: Any
    lower: Any
    upper: Any
    Q: np.ndarray
    slope: Any
    iterations: Any
    converged: Any
    extra: dict = field(default_factory=dict, compare=False)


# ============================================================================ rate-distortion kernels
def _rd_score(xp, kernel, base, r):
    """The solver core's score (:func:`capacity._solver.md_steps`) of Blahut's output-law problem.

    Maximise G(r) = sum_x p_x ln Z_x(r), Z_x = sum_z r_z e^{A_xz}, over the simplex (``kernel``, a
    :class:`_Kernel`, holds the rows with p_x > 0, in place of the core's ``W``; ``base`` is not
    used; ``r`` (1, nz); run under ``np.errstate(divide="ignore")``). Its gradient
    c_z = sum_x p_x e^{A_xz} / Z_x has sum_z r_z c_z = 1, so the mirror-descent step
    r <- r e^{mu ln c} / Z is Blahut's r <- r c at mu = 1. Bounds (Blahut 1972, Thm 2):
    max G <= G(r) + max_z ln c_z, and
    max G >= G(r) + sum_z r_z c_z ln c_z, minus the value I + s E d of the test channel
    Q_xz = r_z e^{A_xz} / Z_x. Returns (ln c, lower, upper); a letter that no source letter may use
    has ln c = -inf.
    """
    return _rd_terms(kernel, r[0])[:3]


class _Kernel:
    """One log-kernel A (n, nz) of rows with p_x > 0, with e^A and p computed once per solve."""

    def __init__(self, A, logp):
        self.A, self.logp = A, logp
        self.K, self.p = np.exp(A), np.exp(logp)  # e^{-inf} = 0 where a letter is forbidden


#: Z_x above this: no term r_z e^{A_xz} that underflowed (< 2.3e-308 each) counts, relative to Z_x.
_Z_LINEAR = 1e-280


def _rd_terms(k, r):
    """:func:`_rd_score` of one problem (a :class:`_Kernel`), and G(r).

    Z = K r and c = K^T (p / Z) are two products with K = e^A; when some Z_x is so small that
    dropped underflows could matter, the same quantities are taken in the log domain instead.
    """
    Z = k.K @ r
    if Z.min() > _Z_LINEAR:
        logZ = np.log(Z)
        c = k.K.T @ (k.p / Z)
        log_c = np.log(c)  # c_z = 0: no source letter reaches z (ln c = -inf, as in the log domain)
        rc = r * c
    else:
        logZ = logsumexp(np, np.log(r) + k.A, axis=1)
        if np.isneginf(logZ).any():  # a source letter without output mass: G = -inf, a step to refuse
            return np.full((1, r.size), -np.inf), np.array([-np.inf]), np.array([np.inf]), -np.inf
        log_c = logsumexp(np, (k.logp - logZ)[:, None] + k.A, axis=0)
        rc = np.exp(np.log(r) + log_c)  # not r * e^{ln c}: c_z may overflow where r_z underflows
    g = float(k.p @ logZ)
    lower = g + float(rc @ np.where(rc > 0, log_c, 0.0))
    return log_c[None], np.array([lower]), np.array([g + float(log_c.max())]), g


def _rd_blahut(p, A, log_r, tol, max_iter):
    """Blahut's rate-distortion iteration for a fixed log-kernel A = -s (d - d_min(x)) (nats).

    Q(z|x) = r_z e^{A_xz} / Z_x, and the Lagrangian min_Q I + s (E d - D_min) = min_r phi(r),
    phi(r) = -sum_x p_x log Z_x(r) = -G(r). The output law r follows the solver core's
    safeguarded mirror descent on G (:func:`capacity._solver.md_steps` with :func:`_rd_score`)
    until its certified gap is <= tol; every ``_NEWTON_EVERY`` steps a safeguarded Newton step on
    the support of r is tried and kept if G increases. A warm start gets 1e-8 of the uniform
    law, so that every letter is alive. Returns (log_r, upper, its): ``upper`` >= max G, so
    min phi >= -upper.
    """
    nz = A.shape[1]
    px = p > 0
    kern = _Kernel(A[px], np.log(p[px]))
    mu = np.full(1, MU0)
    state = None
    it = 0
    every = next_newton = _NEWTON_EVERY
    newton = nz <= _NEWTON_MAX_N
    with np.errstate(divide="ignore", under="ignore"):
        r = ((1.0 - 1e-8) * np.exp(log_r) + 1e-8 / nz)[None]
        while True:
            n = min(next_newton if newton else max_iter, max_iter) - it
            r, lo, up, mu, used, log_c = md_steps(np, kern, None, r, mu, n, tol, MU_GROW, np.full(1, float(n)),
                                                  score=_rd_score, state=state, stop=True, backoff=0.0)
            it += int(used[0])
            state = (log_c, lo, up)
            if up[0] - lo[0] <= tol or it >= max_iter:
                return np.log(r[0]), float(up[0]), it
            K = kern.K
            logZ = logsumexp(np, np.log(r[0]) + kern.A, axis=1)
            wts = np.sqrt(kern.p) * np.exp(-logZ)

            def hess(idx):  # Hessian block of G = sum_x p_x log Z_x(r): -K^T diag(p/Z^2) K
                Kn = K[:, idx] * wts[:, None]
                return -(Kn.T @ Kn)

            def evaluate(x):  # Newton's objective is G itself
                terms = _rd_terms(kern, x)
                return terms[3], terms[:3]

            res = _newton_polish(r[0], float(kern.p @ logZ), evaluate, np.exp(log_c[0]), hess)
            if res is not None:
                x, _, state = res
                if ((x > 0) & (x < TINY)).any():  # the core's rule: no mass below TINY
                    x, state = np.where(x < TINY, 0.0, x), None
                    x = x / x.sum()
                r = x[None]
                every = _NEWTON_EVERY
            else:
                every = min(2 * every, 16 * _NEWTON_EVERY)
            next_newton = it + every


class _RDState:
    """Best certified R(D) bounds seen so far (nats) for one target D."""

    def __init__(self, p, d, d_min_x, D):
        self.p, self.d, self.d_min_x, self.D = p, d, d_min_x, D
        self.D_min = float(p @ d_min_x)
        self.lower, self.upper = 0.0, math.inf   # R(D) >= 0 always
        self.Q = None
        self.s = 0.0
        self.log_r = None  # the output law of the best lower bound (with slope s)
        self.exact = False  # both bounds are exact (R = 0 by the constant test channel)

    def test_channel(self, log_r, A):
        M = log_r[None, :] + A
        with np.errstate(divide="ignore"):  # a row of -inf gives -inf
            Q = np.exp(M - logsumexp(np, M, axis=1)[:, None])
        return Q / Q.sum(axis=1, keepdims=True)

    def rate(self, Q):  # I(p; Q) by the solver core's certificate (its one log-0 convention)
        return max(0.0, float(certificate(np, Q, neg_entropy_rows(np, Q), self.p)[0]))

    def distortion(self, Q):
        return float(self.p @ (Q * self.d).sum(axis=1))

    def visit_Q(self, Q):
        rate, dist = self.rate(Q), self.distortion(Q)
        # feasible: the rounded distortion meets D, or Q only uses each x's least-distortion letters
        # (then E d = D_min <= D exactly, even when the float sum rounds a few ulps above D)
        feasible = dist <= self.D or (self.D >= self.D_min
                                      and bool(np.all((Q <= 0) | (self.d <= self.d_min_x[:, None]))))
        if feasible and rate < self.upper:
            self.upper, self.Q = rate, Q
        return rate, dist

    def visit_lower(self, s, g_upper, log_r):
        """R(D) >= -s (D - D_min) + min_r phi(r) >= -s (D - D_min) - g_upper (Blahut 1972, Thm 2),
        ``g_upper`` the bound of the output law ``exp(log_r)``.

        The same line bounds R(D') for every D', so the slope ``s`` of the best lower bound is
        the one reported: -s is a subgradient of R at D to within the certified gap.
        """
        lower = -(s * (self.D - self.D_min) if np.isfinite(s) else 0.0) - g_upper
        if lower > self.lower:
            self.lower, self.s, self.log_r = lower, s, log_r

    def round_outward(self):
        """Recompute both bounds (nats) rounded outward (:mod:`capacity._rounding`): the lower one
        from the best (s, r) by :func:`_lower_outward`, the upper one from the test channel by
        :func:`_upper_outward`."""
        if self.exact:
            return
        if self.log_r is not None:
            self.lower = max(0.0, _lower_outward(self.p, self.d, self.d_min_x, self.D, self.s, self.log_r))
        if self.Q is not None:
            self.upper = _upper_outward(self.p, self.d, self.d_min_x, self.D, self.Q)

    @property
    def gap(self):
        return self.upper - self.lower


def _lower_outward(p, d, d_min_x, D, s, log_r):
    r"""Blahut's lower bound :math:`-s (D - D_{\min}) - G(r) - \max_z \ln c_z` (nats) for the slope
    ``s`` and the output law ``r = exp(log_r)`` (normalised), evaluated in long double and rounded
    down, for the source ``p / sum p`` and ``d`` as given (:mod:`capacity._rounding`).

    With :math:`A = -s (d - d_{\min})` formed in long double (within :math:`2.01 u' |A|`) and
    :math:`K = e^A` within relative :math:`\varepsilon_K = 1.01 (2.01 u' \max|A| + 4u')`,
    :math:`Z = K r` and :math:`c = K^T (p / Z)` are within relative :math:`\varepsilon_K + \gamma'`
    and :math:`2\varepsilon_K + 2\gamma'` (sums of non-negative terms), so
    :math:`G = \sum_x p_x \ln Z_x` and :math:`\max_z \ln c_z` are within those plus
    :math:`4u'` of their magnitudes; :math:`D_{\min}` is taken at its lower bound. ``s = inf``
    (the D_min edge) drops the slope term, as the solver does.
    """
    on = p > 0
    P = p[on].astype(LD)
    P = P / P.sum()
    dd = d[on].astype(LD) - d_min_x[on].astype(LD)[:, None]
    if math.isinf(s):
        A = np.where(dd <= 0, LD(0), LD(-np.inf))
        slope_term = LD(0)
    else:
        A = -LD(s) * dd
        n_min = P * d_min_x[on].astype(LD)
        d_min_low = n_min.sum() * (1 - LD(2 * gamma(int(on.sum()) + 2, ULD)))
        slope_term = LD(s) * (LD(D) - d_min_low)
        slope_term = slope_term + 4 * ULD * abs(slope_term)
    fin = np.isfinite(A)
    eps_k = 1.01 * (2.01 * ULD * float(np.abs(np.where(fin, A, 0)).max()) + 4 * ULD)
    K = np.exp(A)
    r = np.exp(np.asarray(log_r, dtype=np.float64)).astype(LD)
    r = r / r.sum()
    g = gamma(2 * (A.shape[0] + A.shape[1]) + 16, ULD)
    Z = np.einsum("xz,z->x", K, r)
    if not (Z > 0).all():
        return -math.inf
    c = np.einsum("x,xz->z", P / Z, K)
    log_z, log_c = np.log(Z), np.log(np.where(c > 0, c, LD(1)))
    G = float((P * log_z).sum())
    M = log_c[c > 0].max()
    err = (1.01 * (eps_k + g) + 4 * ULD * float(np.abs(log_z).max()) + g * float((P * np.abs(log_z)).sum())
           + 1.01 * (2 * eps_k + 2 * g) + 4 * ULD * float(abs(M)))
    lower = -slope_term - LD(G) - M - LD(err * 1.01)
    # G was rounded to float64 above: one more rounding of |G|
    return float(round_down(lower - 2 * U64 * abs(LD(G)) - 8 * ULD * abs(lower)))


def _upper_outward(p, d, d_min_x, D, Q):
    r""":math:`I(p; Q')` (nats) rounded up, :math:`Q'` the test channel with rows normalised, plus what
    makes it a bound on :math:`R(D)` when :math:`Q'`'s distortion is above ``D`` by rounding: the
    mixture :math:`(1 - \lambda) Q' + \lambda Q_{\min}` meets ``D`` for
    :math:`\lambda = (\bar d - D) / (\bar d - D_{\min})` (upper ends of both) and, :math:`I` being
    convex in the channel, has :math:`I \le I(p; Q') + \lambda \ln n_z`.
    """
    on = p > 0
    P = p.astype(LD) / p.astype(LD).sum()
    rows = Q.astype(LD).sum(axis=1)
    eps = float(np.abs(1 / rows[on] - 1).max()) * 1.01 + 4 * ULD
    high = outward_information(Q[None], p[None], entry_rel=eps)[1][0]
    nz = Q.shape[1]
    g = gamma(nz * Q.shape[0] + 8, ULD)
    dist_up = float((P[:, None] * (Q.astype(LD) / rows[:, None]) * d.astype(LD)).sum()) * (1 + 2 * g + 4 * U64)
    if dist_up <= D:
        return float(high)
    d_min_up = float((P * d_min_x.astype(LD)).sum()) * (1 + 2 * g + 4 * U64)
    if not d_min_up < D:  # only a test channel on the least-distortion letters meets D: Q is one
        return float(high)
    lam = (dist_up - D) / (dist_up - d_min_up) * (1 + 8 * U64)
    return float(round_up(LD(high) + LD(lam) * np.log(LD(nz)) * (1 + 8 * ULD)))


def _rd_one(p, d, D, tol, max_iter):
    """Certified R(D) (nats) for one D; returns (state, iterations)."""
    nz = d.shape[1]
    d_min_x = d.min(axis=1)
    st = _RDState(p, d, d_min_x, D)
    tol_n = tol * LN2
    col = p @ d
    D_max = float(col.min())
    z_star = int(np.argmin(col))
    Q_const = np.zeros_like(d)
    Q_const[:, z_star] = 1.0
    if D >= D_max:  # R(D) = 0 by the constant channel, whose E d = D_max <= D even where its float sum rounds above
        st.lower, st.upper, st.Q, st.exact = 0.0, 0.0, Q_const, True
        return st, 0
    iters = 0
    Q_min = np.zeros_like(d)   # x -> its least-distortion letter: always feasible (E d = D_min)
    Q_min[np.arange(d.shape[0]), np.argmin(d, axis=1)] = 1.0
    st.visit_Q(Q_min)
    log_r0 = np.full(nz, -math.log(nz))
    span = float((d - d_min_x[:, None]).max())
    if D <= st.D_min:  # exactly D_min (rate_distortion clamps D >= D_min); just above it, bisect
        # the D_min edge (s = inf): Q may only use each x's minimum-distortion letters
        A = np.where(d <= d_min_x[:, None], 0.0, -np.inf)  # exact ties: any other letter costs > D_min
        log_r, g_upper, its = _rd_blahut(p, A, log_r0, max(tol_n / 2, GAP_FLOOR), max_iter - iters)
        iters += its
        st.visit_lower(math.inf, g_upper, log_r)
        st.s = math.inf
        st.visit_Q(st.test_channel(log_r, A))
        return st, iters

    # bracket and bisect the slope; s = 0 stands for the constant test channel (distortion D_max > D)
    def solve(s, log_r, inner_tol, budget):  # one Blahut solve at slope s (nats/unit): (Q, log_r, its)
        A = -s * (d - d_min_x[:, None])
        log_r, g_upper, its = _rd_blahut(p, A, log_r, inner_tol, budget)
        st.visit_lower(s, g_upper, log_r)
        return st.test_channel(log_r, A), log_r, its

    _, iters = _slope_bisection(st, solve, lambda Q, s=None: st.visit_Q(Q)[1], st.distortion, D,
                                1.0 / span, (Q_const, D_max), log_r0, tol_n, iters, max_iter)
    return st, iters


def _planned_bytes(shape, points=None):
    """Working memory of rate_distortion: eight float64 (nx, nz) arrays (d, the log-kernel, the
    test channels and their temporaries); for a curve of ``points`` distortions, also the
    distortions and each point's result (Q and ten scalars), float64."""
    n = math.prod(shape)
    return 8.0 * n * 8 + (0 if points is None else 8.0 * points * (n + 11))


def _check_rd_inputs(p, d, max_bytes, points=None):
    shape = shape_of(d)
    if len(shape) == 2:  # refused before the float64 copy that validation makes
        check_size(_planned_bytes(shape, points), DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
                   "rate_distortion" if points is None else "rate_distortion_curve")
    p = check_distribution(p, "p", max_bytes=max_bytes)
    d = as_float_array(d, "d", max_bytes=max_bytes)
    if d.ndim != 2:
        raise ValueError(f"`d` must be 2-D (n_source, n_reproduction); got shape {d.shape}")
    if d.size == 0:
        raise ValueError(f"`d` must be non-empty; got shape {d.shape}")
    if d.shape[0] != p.shape[0]:
        raise ValueError(f"`d` must have len(p) = {p.shape[0]} rows; got shape {d.shape}")
    check_nonnegative(d, "d")
    return p, d


# ============================================================================ rate-distortion API
def rate_distortion(p, d, D=None, *, slope=None, tol=1e-9, max_iter=100_000,
                    max_bytes=None) -> RateDistortionResult:
    r"""Certified rate–distortion function :math:`R(D)` of a finite source (Blahut's algorithm).

    .. math::  R(D) = \min_{Q:\ \sum_{x,z} p_x Q_{xz} d(x,z) \le D} I(p; Q)

    For a slope :math:`s \ge 0` Blahut's iteration minimises :math:`I(p;Q) + s\,\mathbb{E}d`
    (:math:`Q_{xz} \propto r_z e^{-s d(x,z)}`, :math:`r \leftarrow pQ`). Given ``D``, ``s`` is found
    by bisection and the two end points are mixed to meet ``D`` exactly (:math:`I` is convex in
    :math:`Q`). Certificate (bits):

    * upper: :math:`I(p; Q)` of the returned test channel, whose distortion is :math:`\le D`;
    * lower: for every :math:`s \ge 0` and output law :math:`r`,
      :math:`R(D) \ge -sD - \sum_x p_x \log \sum_z r_z e^{-s d(x,z)} - \log \max_z c_z` with
      :math:`c_z = \sum_x p_x e^{-s d(x,z)} / \sum_{z'} r_{z'} e^{-s d(x,z')}`
      (Blahut 1972, Thm 2; Csiszár 1974), maximised over the slopes visited.

    Both are recomputed at the end in extended precision and rounded outward, so they hold
    despite rounding (about 1e-15 bits of width): the upper one for ``Q`` with its rows
    normalised, plus :math:`\lambda \log n_z` when its distortion exceeds ``D`` by rounding
    (the share :math:`\lambda` of the least-distortion channel that brings it to ``D``).

    Edge cases are exact: :math:`R(D) = 0` for :math:`D \ge D_{\max} = \min_z \sum_x p_x d(x,z)`;
    at :math:`D = D_{\min} = \sum_x p_x \min_z d(x,z)` the test channel is restricted to each
    :math:`x`'s minimum-distortion letters (the limit :math:`s \to \infty`).

    Parameters
    ----------
    p : array_like (nx,)
        Source distribution.
    d : array_like (nx, nz)
        Non-negative finite distortion matrix ``d[x, z]``.
    D : float, optional
        Target distortion, ``D >= D_min``. Exactly one of ``D`` and ``slope`` must be given.
    slope : float, optional
        Lagrange slope ``s > 0`` in bits per unit distortion (``-s`` is the slope of
        :math:`R(D)` in bits); returns the point of the curve at that slope.
    tol : float, default 1e-9
        Target certified gap (bits).
    max_iter : int, default 100000
        Cap on the total number of Blahut iterations, over all solves of the bisection.
    max_bytes : int, optional
        Refuse problems whose working arrays exceed this (default 2 GiB).

    Returns
    -------
    RateDistortionResult
        ``rate = upper`` (achieved by ``Q``), ``lower``, ``upper``, ``distortion`` (of ``Q``,
        at most ``D``), ``Q``,
        ``slope`` (bits per unit distortion), ``iterations``, ``converged``; ``extra`` holds
        ``d_min`` and ``d_max``.

    Raises
    ------
    TypeError
        non-real input.
    ValueError
        invalid ``p``; ``d`` not 2-D, empty, of the wrong number of rows, negative or not finite;
        neither or both of ``D`` and ``slope``; ``D < D_min`` (no test channel reaches it);
        ``slope <= 0``; ``tol <= 0``; ``max_iter < 1``; size over ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        when the certified gap is still above ``tol`` at the end (the bounds remain valid).

    References
    ----------
    R. E. Blahut, "Computation of channel capacity and rate-distortion functions",
    IEEE Trans. IT 18 (1972) 460–473, Thm 2 (lower bound) and §IV;
    I. Csiszár, "On the computation of rate-distortion functions", IEEE Trans. IT 20 (1974) 122–124;
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, §10.3 and §10.8.

    Examples
    --------
    >>> res = rate_distortion([0.5, 0.5], [[0, 1], [1, 0]], 0.11)   # R(D) = 1 - h(D)
    >>> from capacity.information import binary_entropy
    >>> bool(res.lower <= 1 - binary_entropy(0.11) <= res.upper), bool(res.gap <= 1e-9)
    (True, True)
    >>> rate_distortion([0.5, 0.5], [[0, 1], [1, 0]], 0.5).rate
    0.0
    """
    like = p if is_tensor(p) else d  # output follows input
    p, d = _check_rd_inputs(p, d, max_bytes)
    if (D is None) == (slope is None):
        raise ValueError(f"exactly one of `D` and `slope` must be given; got D={D!r}, slope={slope!r}")
    tol, max_iter = _check_common(tol, max_iter)
    d_min = float(p @ d.min(axis=1))
    d_max = float((p @ d).min())
    if slope is not None:
        s = check_real(slope, "slope", low=0.0, low_open=True) * LN2
        st, Q, its = _rd_at_slope(p, d, s, tol, max_iter)
        return result_like(_rd_result(st, st.D, Q, s, its, tol, max_iter, d_min, d_max), like,
                           bounds=("rate", "distortion", "lower", "upper"))
    D = max(_check_distortion(check_real(D, "D", low=0.0), d_min, "D"), d_min)
    st, iters = _rd_one(p, d, D, tol, max_iter)
    # the distortion reported is Q's own (a few ulps over D count as D: Q is then feasible by support)
    res = _rd_result(st, min(st.distortion(st.Q), D), st.Q, st.s, iters, tol, max_iter, d_min, d_max)
    return result_like(res, like, bounds=("rate", "distortion", "lower", "upper"))


def _check_distortion(D, d_min, name):
    """``D`` if it is at least ``d_min`` (up to 1e-12 relative: rounding of ``p @ d.min(1)``),
    else a ValueError naming ``name``."""
    if D < d_min - 1e-12 * max(1.0, abs(d_min)):
        raise ValueError(f"`{name}` must be >= D_min = {d_min!r} (the least achievable distortion); got {D!r}")
    return D


def _rd_result(st, D, Q, s, iters, tol, max_iter, d_min, d_max):
    """The RateDistortionResult (bits) of a finished state, its bounds rounded outward; warns (at
    rate_distortion's caller) if not converged."""
    st.round_outward()
    lower, upper, converged = certified_bits(st, tol, max_iter, "rate_distortion", stacklevel=3)
    return RateDistortionResult(upper, D, lower, upper, Q, s / LN2, iters, converged,
                                {"d_min": d_min, "d_max": d_max})


def _rd_at_slope(p, d, s, tol, max_iter):
    """One Blahut solve at slope s (nats per unit distortion): returns (state, Q, iterations)."""
    d_min_x = d.min(axis=1)
    nz = d.shape[1]
    st = _RDState(p, d, d_min_x, 0.0)
    A = -s * (d - d_min_x[:, None])
    log_r, g_upper, its = _rd_blahut(p, A, np.full(nz, -math.log(nz)), max(tol * LN2 / 2, GAP_FLOOR), max_iter)
    Q = st.test_channel(log_r, A)
    st.D = st.distortion(Q)
    st.visit_lower(s, g_upper, log_r)
    st.visit_Q(Q)
    st.s = s  # the slope asked for, even where its lower bound is below R >= 0
    return st, Q, its


def rate_distortion_curve(p, d, distortions, *, tol=1e-9, max_iter=100_000,
                          max_bytes=None) -> RateDistortionResult:
    r"""Certified :math:`R(D)` at several distortions (one :func:`rate_distortion` call each).

    :math:`R` is non-increasing and convex in :math:`D` (Cover & Thomas 2006, Lemma 10.4.1).

    Parameters
    ----------
    p : array_like (nx,)
        Source distribution.
    d : array_like (nx, nz)
        Distortion matrix.
    distortions : array_like (K,)
        Target distortions, each ``>= D_min``.
    tol, max_iter, max_bytes
        As in :func:`rate_distortion`.

    Returns
    -------
    RateDistortionResult
        Every field with a leading K axis (``Q`` is (K, nx, nz)).

    Raises
    ------
    TypeError, ValueError
        as :func:`rate_distortion`; ``distortions`` not 1-D, empty, not finite or below ``D_min``.

    Warns
    -----
    ConvergenceWarning
        once, when some distortion did not reach ``tol``.

    References
    ----------
    Blahut (1972); Cover & Thomas (2006), §10.8.

    Examples
    --------
    >>> res = rate_distortion_curve([0.5, 0.5], [[0, 1], [1, 0]], [0.0, 0.5])
    >>> np.round(res.rate, 9).tolist()
    [1.0, 0.0]
    """
    like = p if is_tensor(p) else d  # output follows input
    p, d = _check_rd_inputs(p, d, max_bytes, points=curve_points(distortions))
    Ds = check_targets(distortions, "distortions")
    d_min = float(p @ d.min(axis=1))
    _check_distortion(float(Ds.min()), d_min, "distortions")  # refused under the curve's own parameter name
    tol, max_iter = _check_common(tol, max_iter)
    results = _solve_each(lambda D: rate_distortion(p, d, D, tol=tol, max_iter=max_iter, max_bytes=max_bytes),
                          Ds, "rate_distortion_curve", "distortions", tol)
    return result_like(stack_results(results, extra=results[0].extra), like, bounds=("rate", "distortion", "lower", "upper"))
