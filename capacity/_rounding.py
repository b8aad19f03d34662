r"""The solver's certificate evaluated so that rounding cannot break it: bounds rounded outward.

For a channel :math:`W` (rows :math:`x`, outputs :math:`y`), a per-row bonus :math:`b` and an
input law :math:`p`, the solver core (:mod:`capacity._solver`) certifies, with
:math:`\pi = p / \sum_x p_x`,

.. math:: F(\pi) = \sum_x \pi_x D_x \;\le\; \max_{\pi'} F(\pi') \;\le\; \max_x D_x,\qquad
          D_x = \sum_y W_{xy} \ln \frac{W_{xy}}{(\pi W)_y} + b_x .

Each side is a sum of up to billions of rounded terms. Evaluated in float64 as it stands, it can
miss its exact value by tens of units in the last place either way, so a float64 bracket need not
contain the maximum even when the solver has converged. :func:`outward_certificate` evaluates
both sides with every sum in extended precision (``numpy.longdouble``, unit roundoff
:math:`u' = 2^{-64}` on x86; where long double is double, :math:`u' = u` and the bound below
stays valid, only wider), widens them by a bound on every rounding error made, and rounds the
results outward to float64, so that

.. math:: \text{lower} \le F(\pi) \quad\text{and}\quad \max_x D_x \le \text{upper}

hold for the float64 numbers ``W``, ``p`` and ``b`` exactly as given. :func:`outward_max`
bounds the right side alone for any output law ``q`` in place of :math:`\pi W` (the weak-duality
bound of capacity–cost). With :math:`u = 2^{-53}`,
:math:`\gamma_k = k u / (1 - k u)` and :math:`\gamma'_k` the same with :math:`u'` (Higham 2002,
§3.1: a sum of :math:`k` products in any order is within :math:`\gamma_k` times the sum of their
absolute values):

- :math:`\ln W_{xy}` is taken in float64, within 2 ulps (numpy validates its float64 log to 1 ulp),
  so each :math:`W_{xy} \ln W_{xy}` is within :math:`5.01\,u\,W_{xy} |\ln W_{xy}|`;
- :math:`\hat\pi` and :math:`\hat q = \hat\pi W` are formed in long double, within relative
  :math:`\gamma'_{2 n_x + 2}` of :math:`\pi` and :math:`q = \pi W` (sums of non-negative terms;
  :func:`outward_max` normalises its ``q`` within :math:`\gamma'_{n_y + 1}`), so
  :math:`|\ln \hat q_y - \ln q_y| \le 1.01 \gamma'_{2 n_x + 2} + 4 u' |\ln \hat q_y|`;
- the row sums are accumulated in long double.

Hence :math:`|\hat D_x - D_x| \le e_x = 5.01\,u\,A_x + G\,(A_x + B_x + R_x + |\hat D_x|) + \beta_x`
with :math:`G = \gamma'_{2(n_x + n_y) + 16}`, :math:`A_x = \sum_y W_{xy} |\ln W_{xy}|`,
:math:`B_x = \sum_y W_{xy} |\ln \hat q_y|`, :math:`R_x = \sum_y W_{xy}` (float64 sums, enlarged by
:math:`1 + 2\gamma_{n_y + 16}` to bound the exact ones) and :math:`\beta_x` the caller's bound on
the error of :math:`b_x`. The lower side subtracts :math:`1.01 (\sum_x \hat\pi_x e_x + 2G \sum_x
\hat\pi_x |\hat D_x|)` (the errors of :math:`\hat\pi` and of the outer sum), the upper side adds
:math:`1.01\,e_x` to each row before the maximum, and the last operations (the unit conversion
among them) get :math:`8u'` of their result. An output that no row with :math:`\pi_x > 0` reaches
has :math:`\hat q_y = 0` exactly (long double does not underflow on products of float64 numbers),
and a row with :math:`W_{xy} > 0` there has :math:`D_x = +\infty`.

The float64 numbers are taken as the problem: how far a channel built in float64 is from the exact
one it stands for (its entries' own rounding) is its builder's to bound, through ``bonus_err`` and
``entry_rel``, or by a proof in ball arithmetic (:mod:`capacity.atlas`). For entries within
relative :math:`\varepsilon \le 0.01` of the channel :math:`W^*` they stand for,
:math:`q^* = q(1 + \theta)` with :math:`|\theta| \le \varepsilon`, and
:math:`|D^*_x - D_x| \le \varepsilon \sum_y W_{xy} |\ln(W_{xy}/q_y)| + 2.03\,\varepsilon R_x
\le \varepsilon (A_x + B_x + 2.03 R_x)`, which ``entry_rel`` adds to :math:`e_x`.

References
----------
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed. (2002), ch. 3.
R. G. Gallager, *Information Theory and Reliable Communication* (1968), Thm 4.5.1.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.array import to_numpy

__all__ = ["mean_upper", "outward_certificate", "outward_information", "outward_max", "outward_scale", "round_down",
           "round_up", "widened_tol"]

LD = np.longdouble
#: Unit roundoff of float64 and of long double (equal where long double is double).
U64 = 2.0 ** -53
ULD = float(np.finfo(LD).epsneg)
#: ln 2 and log2(e) in long double (each within one rounding of long double).
LN2 = np.log(LD(2))
LOG2E = LD(1) / LN2
#: log2(e) in float64: bits per nat, for results (1 / ln 2, the float64 quotient).
LOG2E_F64 = 1.0 / math.log(2.0)
_FACTOR = {"nats": LD(1), "bits": LOG2E}
#: Entries of W read at a time by default (about 32 bytes of temporaries an entry).
BLOCK = 1 << 20


def gamma(k, u):
    """Higham's :math:`\\gamma_k = k u / (1 - k u)`; inf when :math:`k u \\ge 1/2`."""
    ku = k * u
    return ku / (1.0 - ku) if ku < 0.5 else math.inf


def round_down(x):
    """The largest float64 array <= the long-double array ``x`` (elementwise)."""
    x = np.asarray(x, dtype=LD)
    f = x.astype(np.float64)
    return np.where(f > x, np.nextafter(f, -np.inf), f)


def round_up(x):
    """The smallest float64 array >= the long-double array ``x`` (elementwise)."""
    x = np.asarray(x, dtype=LD)
    f = x.astype(np.float64)
    return np.where(f < x, np.nextafter(f, np.inf), f)


def outward_scale(lower, upper, factor=LOG2E):
    """``(lower * factor, upper * factor)`` rounded outward to float64 (``factor`` > 0, long
    double; default log2(e): nats to bits). The product and the factor's own rounding are
    within :math:`4u'` of the result; :math:`8u'` is added outward."""
    lo = np.asarray(lower, dtype=LD) * factor
    up = np.asarray(upper, dtype=LD) * factor
    return round_down(lo - 8 * ULD * np.abs(lo)), round_up(up + 8 * ULD * np.abs(up))


def mean_upper(p, v):
    r"""A float64 upper bound on :math:`\sum_x \pi_x v_x`, :math:`\pi = p / \sum_x p_x`, for
    float64 ``p >= 0`` with a positive sum and finite ``v >= 0`` (an expected cost).

    Both sums are taken in long double: the dot product of :math:`n` terms is within
    :math:`\gamma'_{n+1}` of its exact value relative to :math:`\sum p_x v_x` (all terms are
    non-negative), the total mass within :math:`\gamma'_{n+1}`; the quotient gets
    :math:`(1 + 2\gamma'_{n+1}) / (1 - \gamma'_{n+1})`, and :math:`4u'` for the last operations,
    before rounding up to float64 (Higham 2002, §3.1).
    """
    P = np.asarray(p, dtype=np.float64).astype(LD)
    V = np.asarray(v, dtype=np.float64).astype(LD)
    total = P.sum()
    g = LD(gamma(P.size + 1, ULD))
    mean = (P * V).sum() / total
    return float(round_up(mean * (1 + 2 * g) / (1 - g) * (1 + 4 * LD(ULD))))


def widened_tol(tol, entry_rel, bonus_err, n_rows, n_outputs):
    """The gap (bits) to solve to, so that bounds widened by an error bound on the entries
    (``entry_rel``) and on the bonus (``bonus_err``, nats, or None) still meet ``tol`` (bits):
    ``tol`` less 2.2 times an estimate of the widening, with :math:`D_x` taken below
    ln(n_outputs) + ln(n_rows) + 3 nats (not a bound the result relies on: a short estimate only
    ends in the rounding-floor warning), and at least ``tol / 2``."""
    beta = 0.0 if bonus_err is None else float(np.max(bonus_err))
    widen = beta + entry_rel * (2 * math.log(max(n_outputs, 2)) + math.log(max(n_rows, 2)) + 3) + 1e-15
    return max(tol - 2.2 * float(LOG2E) * widen, tol / 2)


def _blocks(B, nx, ny, limit=BLOCK):
    """Slices (batch, rows, columns) that tile (B, nx, ny) with at most ``limit`` entries each."""
    cs = max(1, min(ny, limit))
    rs = max(1, min(nx, limit // cs))
    bs = max(1, min(B, limit // (cs * rs)))
    for b in range(0, B, bs):
        for r in range(0, nx, rs):
            for c in range(0, ny, cs):
                yield slice(b, b + bs), slice(r, r + rs), slice(c, c + cs)


def _host(W, bs, rs, cs):
    """A float64 numpy block of W (numpy or torch on any device; a tensor block is copied)."""
    return np.asarray(to_numpy(W[bs, rs, cs]), dtype=np.float64)


def outward_certificate(W, p, bonus=None, bonus_err=None, *, entry_rel=0.0, unit="nats", block=BLOCK):
    r"""(lower, upper) of the certificate of ``p``, rounded outward to float64 (see the module).

    Parameters
    ----------
    W : ndarray or torch.Tensor (B, nx, ny)
        Non-negative channels (any device; blocks are copied to the host as they are read).
    p : array (B, nx)
        Non-negative input laws, each with a positive sum (normalised here in long double).
    bonus : array (B, nx), optional
        Per-row bonus :math:`b_x` in nats (float64 or long double), taken as given.
    bonus_err : array (B, nx) or float, optional
        A bound on the absolute error of ``bonus`` against the bonus it stands for (default 0).
    entry_rel : float, default 0
        A bound :math:`\varepsilon \le 0.01` on the relative error of every entry of ``W``
        against the channel it stands for: each :math:`D_x` is then widened by
        :math:`1.01\,\varepsilon (A_x + B_x + 2.03 R_x)` (the module).
    unit : {"nats", "bits"}
    block : int
        Entries of W read at a time; the temporaries take about 32 bytes an entry of a block,
        besides about 200 bytes per row and per output.

    Returns
    -------
    lower, upper : ndarray float64 (B,)
        ``lower <= F(p / sum p)`` and ``max_x D_x <= upper`` (``upper = inf`` when a row reaches
        an output that ``p`` never produces).
    """
    value, slack, upper = _outward(W, p, bonus, bonus_err, entry_rel, block)
    return outward_scale(value - slack, upper, _FACTOR[unit])


def outward_information(W, p, *, entry_rel=0.0, unit="nats", block=BLOCK):
    r"""An interval (low, high) of float64 (B,) that contains :math:`I(\pi; W) = F(\pi)` (no
    bonus), :math:`\pi = p / \sum p`: the lower side of :func:`outward_certificate` and its
    mirror image, for callers that need an upper bound on the information of a given law (the
    test channel of rate–distortion). ``entry_rel`` as there."""
    value, slack, _ = _outward(W, p, None, None, entry_rel, block)
    low, high = outward_scale(value - slack, value + slack, _FACTOR[unit])
    return low, high


def _outward(W, p, bonus, bonus_err, entry_rel, block):
    """F(pi) (long double), the bound on its error, and max_x (D_x + e_x) (long double), (B,)."""
    B, nx, ny = (int(d) for d in W.shape)
    pi = _normalised(p, (B, nx), "outward_certificate", "laws")
    q = np.zeros((B, ny), dtype=LD)
    for bs, rs, cs in _blocks(B, nx, ny, block):
        q[bs, cs] += np.einsum("bx,bxy->by", pi[bs, rs], _host(W, bs, rs, cs).astype(LD))
    D, e, G = _divergences(W, q, bonus, bonus_err, block, entry_rel)
    absD = np.abs(np.where(np.isfinite(D), D, 0)).astype(np.float64)
    on = pi > 0
    value = np.sum(np.where(on, pi * np.where(on, D, 0), 0), axis=-1)
    slack = np.sum(np.where(on, pi * (e + 2 * G * absD).astype(LD), 0), axis=-1) * LD(1.01)
    return value, slack, np.max(D + e.astype(LD), axis=-1)


def outward_max(W, q, bonus=None, bonus_err=None, *, unit="nats", block=BLOCK):
    r"""``max_x [D(W_x || q) + b_x]`` for output laws ``q`` (B, ny), rounded up to float64.

    ``q`` is normalised here in long double (any non-negative ``q`` with a positive sum); the
    error bound is the module's, with :math:`\hat q` the normalised law. For every output law,
    :math:`\sum_x \pi_x [D(W_x \| \pi W) + b_x] \le \max_x [D(W_x \| q) + b_x]`, so this is an
    upper bound on the maximum whatever ``q`` is (the weak duality of capacity–cost). Returns
    float64 (B,), ``inf`` where a row reaches an output with :math:`q_y = 0`.
    """
    B, nx, ny = (int(d) for d in W.shape)
    D, e, _ = _divergences(W, _normalised(q, (B, ny), "outward_max", "output laws"), bonus, bonus_err, block)
    upper = np.max(D + e.astype(LD), axis=-1)
    return outward_scale(upper, upper, _FACTOR[unit])[1]


def _normalised(x, shape, who, what):
    """The float64 laws ``x`` (any array or tensor, reshaped to ``shape``) divided by their sums in
    long double; ValueError unless they are non-negative with positive sums."""
    x = np.asarray(to_numpy(x), dtype=np.float64).reshape(shape).astype(LD)
    total = x.sum(axis=-1)
    if not (np.all(x >= 0) and np.all(total > 0)):
        raise ValueError(f"{who} needs non-negative {what} with positive sums")
    return x / total[:, None]


def _divergences(W, q, bonus, bonus_err, block, entry_rel=0.0):
    """D_x = sum_y W_xy ln(W_xy / q_y) + b_x in long double (B, nx), with ``inf`` for rows that
    reach a q_y = 0, its error bound e_x (float64) and G (see the module)."""
    B, nx, ny = (int(d) for d in W.shape)
    pos = q > 0
    lq = np.log(np.where(pos, q, LD(1)))
    abs_lq = np.abs(lq).astype(np.float64) * (1 + 2 * U64)  # >= |ln q^| despite the conversion
    missed = None if pos.all() else (~pos).astype(np.float64)
    neg_h, cross = np.zeros((B, nx), dtype=LD), np.zeros((B, nx), dtype=LD)
    A, Bx, R, reach = (np.zeros((B, nx)) for _ in range(4))
    for bs, rs, cs in _blocks(B, nx, ny, block):
        Wb = _host(W, bs, rs, cs)
        t = Wb * np.log(np.where(Wb > 0, Wb, 1.0))
        neg_h[bs, rs] += np.einsum("bxy->bx", t.astype(LD))
        A[bs, rs] += np.abs(t).sum(axis=-1)
        cross[bs, rs] += np.einsum("bxy,by->bx", Wb.astype(LD), lq[bs, cs])
        Bx[bs, rs] += np.matmul(Wb, abs_lq[bs, cs, None])[..., 0]
        R[bs, rs] += Wb.sum(axis=-1)
        if missed is not None:
            reach[bs, rs] += np.matmul((Wb > 0).astype(np.float64), missed[bs, cs, None])[..., 0]
    D = neg_h - cross
    err = np.zeros((B, nx)) if bonus_err is None else np.broadcast_to(np.asarray(bonus_err, dtype=np.float64),
                                                                        (B, nx))
    if bonus is not None:
        bonus = np.broadcast_to(np.asarray(to_numpy(bonus), dtype=LD), (B, nx))
        D = D + bonus
        err = err + ULD * np.abs(bonus).astype(np.float64)
    grow = 1 + 2 * gamma(ny + 16, U64)  # the float64 sums A, B, R bound their exact values
    G = gamma(2 * (nx + ny) + 16, ULD)
    if not 0.0 <= entry_rel <= 0.01:
        raise ValueError(f"`entry_rel` must be in [0, 0.01]; got {entry_rel!r}")
    e = (5.01 * U64 * A * grow + G * ((A + Bx + R) * grow + np.abs(D).astype(np.float64)) + err
         + entry_rel * ((A + Bx) * grow + 2.03 * R * grow)) * 1.01
    return np.where(reach > 0, LD(np.inf), D), e, G
