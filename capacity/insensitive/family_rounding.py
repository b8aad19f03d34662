r"""Outward rounding of :func:`~capacity.insensitive.family_capacity`'s certificate.

The family channel is solved on its reduced form (merged cells and members, types of the m
samples, rows folded by verified symmetries) and never materialised: the divergences of every
row come from a kernel that forms, for each type t of counts :math:`k_{tj}` over the reduced
symbols j,

.. math:: \hat L_t = \mathrm{fl}\Big(c_t + \sum_j k_{tj} \ell_j\Big), \qquad
          \hat W_t = \mathrm{fl}(e^{\hat L_t}), \qquad
          \hat D = \mathrm{fl}\Big(\sum_t \hat W_t (\hat L_t - \hat\ell^Q_t)\Big),

with :math:`c_t` the float log multinomial coefficient, :math:`\ell_j` the float log of the
symbol's probability and :math:`\hat\ell^Q_t` the float log of the output law :math:`\hat Q_t`
(constant on the orbits of types). This module bounds how far these numbers are from the exact
problem, so that the returned bracket holds for the channel the family stands for.

**The problems.** :math:`P^*` is the exact one: cell probabilities :math:`\pi^*_c` and
:math:`q^*_c(f) = P(f = 1 \mid c)`. The family's float64 ``q``, ``q0`` and ``pi`` are within
relative :math:`\varepsilon_q` and :math:`\varepsilon_\pi` of them
(:meth:`FunctionFamily.cell_rounding`), which defines :math:`\tilde P`: every sequence of m
samples has :math:`\tilde W(y) = W^*(y)(1 + \theta_y)` with
:math:`|\theta_y| \le \varepsilon_1 = (1 + \varepsilon_q)^m (1 + \varepsilon_\pi)^m - 1`. The
reduction (equal columns, equal rows) is exact for :math:`\tilde P`: a type's
:math:`\tilde W_t = \sum_{y \in t} \tilde W(y)` and any output law on types spread over a type's
sequences by :math:`\tilde P`'s (member-free) law within the type keep every divergence.

**A row's divergence.** With :math:`\tilde L_t = \ln \tilde W_t`, the bound
:math:`|\hat L_t - \tilde L_t| \le E_L` holds for every row and type (below), so
:math:`\tilde W_t = \hat W_t (1 + \eta_t)`, :math:`|\eta_t| \le \varepsilon_2 =
(e^{E_L}(1 + 4u) - 1 + 4u) / (1 - \ldots)`, taking exp and log within 2 ulps. With the
kernel's sums :math:`S = \sum_t \hat W_t |\hat L_t - \hat\ell^Q_t|`, :math:`B = \sum_t \hat W_t
|\hat\ell^Q_t|`, :math:`R = \sum_t \hat W_t` (over types with a normal :math:`\hat W_t`; each
enlarged by :math:`1 + 2\gamma_{T+3}` to bound its exact value) and the normalised output law
:math:`Q = \hat Q / Z`, :math:`Z = \sum_t \hat Q_t`,

.. math::

    |D(W^*_f \| Q) - \hat D - \ln Z| \le e = 1.01\big[(\gamma_{k_T} + \varepsilon_2) S
    + (1 + \varepsilon_2)(E_L R + 4uB)
    + \varepsilon_1\big((1 + \varepsilon_2)(S + E_L R + 4uB) + 1.02|\ln Z|\big)
    + 1.05\,\varepsilon_1\big] + 2.4 \cdot 10^{-308} H,

for every member f of the row's orbit and group (their symbol logs are the row's, permuted
bit for bit, and :math:`\hat Q` is constant on type orbits), where :math:`H` sums
:math:`|\hat L_t| + |\hat\ell^Q_t| + 1` over the types whose :math:`\hat W_t` underflowed
(:math:`\tilde W_t < 2.3 \cdot 10^{-308}` there). The terms: the kernel's sum
(:math:`\gamma_{k_T} S`, with :math:`k_T = 2b + \lceil T / b^2 \rceil + 4`, b = 512: it sums
in blocks, Higham 2002, §4.2), the entries' error against :math:`\tilde W` (Higham 2002, §3.1),
and the step from :math:`\tilde P` to :math:`P^*` at the level of sequences:
:math:`D^* = \sum_y \tilde W(y)(1 + \theta_y)[\tilde L_t - \ln Q_t + \ln(1 + \theta_y)]`.

**E_L.** :math:`c_t` comes from :math:`\ln k!` tabulated as the float log of the correctly
rounded :math:`k!`, so :math:`|c_t - \ln(m!/\prod_j k_j!)| \le e_c = (0.51 m + 1.01) u + 4u\,\ln m!
+ (\gamma_d + u) \ln m!`; each symbol log is within :math:`\delta_\ell = 1.01(\gamma_{L+2} +
\varepsilon_q) + 4u |\ell_j|` of :math:`\ln \tilde r_j` (the probabilities of merged cells are
float sums of at most L cell masses; a merged symbol's two bits sum to the cell's mass within
:math:`\varepsilon_q`), and the sum of at most :math:`d + 1` terms is within
:math:`\gamma_{d+2} M`, :math:`M = \max_t c_t + e_c + m \max_j |\ell_j|`:

.. math:: E_L = \gamma_{d+2} M + e_c + m\big(1.01(\gamma_{L+2} + \varepsilon_q) + 4u \max_j |\ell_j|\big).

**The bracket.** For any output law, :math:`C \le \max_f D(W^*_f \| Q)` (Gallager 1968,
Thm 4.5.1), so ``upper`` is the largest :math:`\hat D + e` over every row's orbit plus the
upper end of :math:`\ln Z` (:math:`Z` summed in long double). For the law :math:`\pi` on the
active orbits, :math:`I(\pi) = \sum_f \pi_f D(W^*_f \| Q) - D(\pi W^* \| Q)`, and
:math:`D(\pi W^* \| Q) \le \chi^2(\pi W^* \| Q) \le \varepsilon_Q^2` where every sequence has
:math:`\pi W^*(y) / Q(y) \in [1 - \varepsilon_Q, 1 + \varepsilon_Q]`: :math:`\hat Q` is the
float mixture of the same entries (nonnegative sums: relative :math:`\varepsilon_2 +
\gamma_k`), averaged over type orbits whose members' entries agree within
:math:`e^{2 E_L}`. So ``lower`` is :math:`\sum_o \pi_o(\hat D_o - e_o)` plus the lower end of
:math:`\ln Z` less :math:`\varepsilon_Q^2`, with the sums in long double and rounded outward.

Where the premises fail the bracket is not certified (:func:`certified_bracket` returns None
and the caller keeps the float64 one): a symbol probability or an output mass subnormal or
lost to underflow, a zero output mass that is not a structural zero of every support row, or
error bounds above 1e-3.

References
----------
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed. (2002), ch. 3.
R. G. Gallager, *Information Theory and Reliable Communication* (1968), Thm 4.5.1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._rounding import LD, U64, ULD, gamma, outward_scale
from ._family_kernels import STRUCTURAL, TINY, sum_depth

__all__ = ["TypeRounding", "certified_bracket", "log_multinomials", "type_rounding"]

#: Output masses below this (but positive) are not certified on the lower side.
Q_FLOOR = 2.0 ** -900
#: Error bounds above this give no certificate.
MAX_EPS = 1e-3


#: Rows of types handled at a time by :func:`log_multinomials`.
_ROWS = 1 << 16


def log_multinomials(counts: np.ndarray, m: int) -> np.ndarray:
    r""":math:`c_t = \ln m! - \sum_j \ln k_{tj}!` for types ``counts`` (T, d) of m samples, from a
    table of :math:`\ln k!` (the float log of the correctly rounded :math:`k!`, m <= 170), within
    the ``e_c`` of the module."""
    table = np.array([math.log(float(math.factorial(k))) for k in range(m + 1)])
    counts = np.asarray(counts)
    out = np.empty(counts.shape[0])
    for i in range(0, counts.shape[0], _ROWS):     # a block of rows at a time: no (T, d) temporaries
        out[i:i + _ROWS] = table[m] - table[counts[i:i + _ROWS].astype(np.intp)].sum(axis=1)
    return out


@dataclass(frozen=True)
class TypeRounding:
    """A-priori bounds shared by every row (see the module).

    Attributes
    ----------
    E_L : float
        Bound on :math:`|\\hat L_t - \\tilde L_t|` (nats), every row and type.
    eps2 : float
        Bound on :math:`|\\tilde W_t / \\hat W_t - 1|` (normal :math:`\\hat W_t`).
    eps1 : float
        Bound on :math:`|W^*(y) / \\tilde W(y) - 1|` per sequence (the family's rounding).
    n_types : int
        T, the types summed by the kernel.
    """

    E_L: float
    eps2: float
    eps1: float
    n_types: int

    def row_errors(self, terms: np.ndarray, ln_z_abs: float) -> np.ndarray:
        """``e`` (nats) of every row from the kernel's ``(D, S, B, R, H)`` rows (G, 5)."""
        u = U64
        grow = 1 + 2 * gamma(self.n_types + 3, u)
        S, B, R, H = (terms[:, k] * grow for k in (1, 2, 3, 4))
        e2, e1, EL = self.eps2, self.eps1, self.E_L
        body = (gamma(sum_depth(self.n_types) + 2, u) + e2) * S + (1 + e2) * (EL * R + 4 * u * B)
        body = body + e1 * ((1 + e2) * (S + EL * R + 4 * u * B) + 1.02 * ln_z_abs) + 1.05 * e1
        return 1.01 * body + 2.4e-308 * H

    @property
    def ratio(self) -> float:
        """Base of :math:`\\varepsilon_Q` before the sums of the mixture (see :func:`certified_bracket`)."""
        return 2.02 * self.eps1 + 4.02 * self.E_L + 2 * self.eps2


def type_rounding(logr, counts, logcoef, m, n_cells, eps_q, eps_pi):
    """The :class:`TypeRounding` of a reduced channel: ``logr`` (G, d) symbol logs (all groups),
    ``counts`` (T, d), ``logcoef`` from :func:`log_multinomials`, ``n_cells`` L the family's
    cells, ``eps_q`` / ``eps_pi`` the family's relative errors. None when a symbol probability
    is subnormal or a bound exceeds ``MAX_EPS``."""
    u = U64
    finite = logr[logr > STRUCTURAL]
    if finite.size and float(finite.min()) < math.log(TINY):
        return None
    l_max = float(np.abs(finite).max()) if finite.size else 0.0
    d = int(counts.shape[1])
    lf_m = math.lgamma(m + 1.0) * (1 + 1e-12)
    e_c = (0.51 * m + 1.01) * u + 4 * u * lf_m + (gamma(d, u) + u) * lf_m
    M = float(np.max(logcoef)) + e_c + m * l_max
    E_L = gamma(d + 2, u) * M + e_c + m * (1.01 * (gamma(n_cells + 2, u) + eps_q) + 4 * u * l_max)
    E_L *= 1.01
    if not E_L <= MAX_EPS:
        return None
    grow = math.expm1(E_L) * (1 + 4 * u) + 4 * u
    eps2 = grow / (1 - grow) * 1.01
    eps_r = eps_q + eps_pi + eps_q * eps_pi
    eps1 = math.expm1(1.0001 * m * eps_r) * 1.0001
    if not max(eps2, eps1) <= MAX_EPS:
        return None
    return TypeRounding(E_L=E_L, eps2=eps2, eps1=eps1, n_types=int(counts.shape[0]))


def _log_z(q_orbit, t_size):
    """(low, high) of ln Z, Z = sum_O |O| Q_O (long double, within gamma'_{K+2})."""
    Z = np.sum(q_orbit.astype(LD) * t_size.astype(LD))
    slack = gamma(q_orbit.size + 2, ULD) * 1.01
    if not Z > 0:
        return None
    lz = np.log(Z)
    err = LD(1.01 * slack) + 4 * ULD * abs(lz)
    return lz - err, lz + err


def _structural(logr_rows, counts_rows):
    """Whether each type (rows of ``counts_rows``) is a structural zero of every row of
    ``logr_rows`` (a symbol it uses has probability 0)."""
    zf = (logr_rows <= STRUCTURAL).astype(np.float64)
    out = np.ones(counts_rows.shape[0], dtype=bool)
    for a in range(0, counts_rows.shape[0], 4096):
        used = (counts_rows[a:a + 4096] > 0).astype(np.float64)
        out[a:a + 4096] = ((zf @ used.T) > 0).all(axis=0)
    return out


def certified_bracket(tr, terms, law, active, q_orbit, t_size, t_first, logr, counts, support_rows, n_terms):
    r"""``(lower, upper, ends)``: the bracket in bits, rounded outward, for the exact family
    channel, and every orbit's upper end of :math:`D(W^*_f \| Q)` (nats); or None.

    Parameters
    ----------
    tr : TypeRounding
    terms : ndarray (G', 5)
        The kernel's ``(D, S, B, R, H)`` of one representative per row orbit.
    law : ndarray (A,)
        The law on the active orbits (float64, any positive sum).
    active : ndarray (A,)
        Their indices into ``terms``.
    q_orbit, t_size : ndarray (K,)
        :math:`\hat Q` per type orbit and the orbit sizes.
    t_first : ndarray (K,)
        One type of each orbit (rows of ``counts``).
    logr, counts : ndarray
        Symbol logs of every group, and the types.
    support_rows : ndarray
        The groups of the active orbits with positive mass (for the structural-zero check).
    n_terms : int
        Bound on the addends of each :math:`\hat Q` entry (for the underflow allowance).
    """
    lz = _log_z(q_orbit, t_size)
    if lz is None:
        return None
    lz_lo, lz_hi = lz
    z_abs = float(max(abs(lz_lo), abs(lz_hi)))
    e = tr.row_errors(terms, z_abs)
    D = terms[:, 0].astype(LD)
    shift = LD(2.02 * tr.eps1 * z_abs)
    with np.errstate(invalid="ignore"):
        ends = D + e.astype(LD) + lz_hi + shift
    upper = np.max(ends)
    # lower: the law's output mass must be close to the mixture in relative terms
    zero = q_orbit == 0
    pos = q_orbit[~zero]
    if pos.size and float(pos.min()) < Q_FLOOR:
        return None
    if zero.any() and not _structural(logr[support_rows], counts[t_first[zero]]).all():
        return None
    q_min = float(pos.min()) if pos.size else 1.0
    eps_a = tr.eps2 + gamma(n_terms + 4, U64) + n_terms * 2.0 ** -1021 / q_min
    eps_q = 1.1 * (tr.ratio + 2 * eps_a)
    if not eps_q <= MAX_EPS:
        return None
    w = np.asarray(law, dtype=np.float64).astype(LD)
    pi = w / np.sum(w)
    Da = D[active]
    on = pi > 0
    if not np.all(np.isfinite(Da[on])):
        return None
    value = np.sum(np.where(on, pi * np.where(on, Da - e[active].astype(LD), 0), 0))
    G2 = gamma(2 * active.size + 8, ULD)
    slack = LD(1.01 * G2) * np.sum(np.where(on, pi * np.abs(np.where(on, Da, 0)) + pi * e[active].astype(LD), 0))
    lower = value - slack + lz_lo - shift - LD(eps_q * eps_q)
    lo, up = outward_scale(np.array([lower]), np.array([upper]))
    return float(lo[0]), float(up[0]), np.nextafter(ends.astype(np.float64), np.inf)
