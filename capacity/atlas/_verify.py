"""Re-check a stored capacity from its law: floating point, or ball arithmetic (python-flint).

For any input law p of a channel W, the capacity C satisfies

    I(p; W) <= C <= max_x D(W_x || pW)

(Gallager, Thm 4.5.1), so the stored law is a certificate: rebuilding W and evaluating the
two sides checks the stored bracket without solving again.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from boolean._lib.validate import check_flag

from .._rounding import outward_certificate
from ._store import AtlasRecord

#: Slack (bits) allowed between a stored bound and its re-evaluation. Both are rounded outward
#: (:mod:`capacity._rounding`), widened by bounds on the rounding of their sums and of the
#: channel's construction, about 1e-13 for the shipped channels, so the same law gives the same
#: bracket to within that; a larger difference means the stored bound is not a bound of its law.
SLACK = 1e-12
#: Working precision (bits) of the ball arithmetic.
ARB_PREC = 128


@dataclass(frozen=True)
class Verification:
    r"""The re-evaluated certificate of one stored capacity: :math:`I(p; W) \le C \le \max_x D(W_x \| pW)`
    from the stored law :math:`p`.

    Attributes
    ----------
    key : str
        The record's key.
    method : str
        "float" (numpy: float64 channel, sums in long double, rounded outward by
        :mod:`capacity._rounding`) or "arb" (ball arithmetic on exact rational entries).
    lower, upper : float
        Re-evaluated bounds (bits). For "arb" they are rounded outward from the balls, so
        ``lower <= C <= upper`` is proved (up to the correctness of the code and of the
        channel's construction).
    stored_lower, stored_upper : float
        The stored bounds.
    holds : bool
        Whether the stored bracket agrees with the re-evaluated one:
        ``lower >= stored_lower - SLACK`` and ``upper <= stored_upper + SLACK``.
        For "arb", the re-evaluated bracket is proved, but a stored bound within ``SLACK`` of
        it may lie just inside it (see :attr:`widening`).
    detail : str
        Shape checked, or why the record could not be verified.
    seconds : float
        Time taken.

    Examples
    --------
    >>> v = Verification("k", "float", 1.0, 1.0, 1.0, 1.0, True, "", 0.0)
    >>> v.holds, v.stored_proved
    (True, False)
    >>> Verification("k", "arb", 0.9, 1.1, 0.8, 1.2, True, "", 0.0).stored_proved
    True
    >>> Verification("k", "arb", 0.9, 1.1, 0.95, 1.2, True, "", 0.0).widening
    0.04999999999999993
    """

    key: str
    method: str
    lower: float
    upper: float
    stored_lower: float
    stored_upper: float
    holds: bool
    detail: str
    seconds: float

    @property
    def widening(self) -> float:
        r"""How far the stored bracket must be widened on each side to be proved (bits): for a
        rigorous ("arb") check that holds,

        .. math::

            w = \max(0,\; \text{stored\_lower} - \text{lower},\; \text{upper} - \text{stored\_upper}),

        so that :math:`[\text{stored\_lower} - w, \text{stored\_upper} + w] \ni C` is proved; NaN
        for a float check or one that does not hold. A stored float64 bound is the rounded value
        of its sum and often lies a few units in the last place inside the proved bracket: a law
        that is exactly optimal has :math:`I(p; W) = C`, and its stored lower bound, rounded up,
        can exceed :math:`C`.
        """
        if self.method != "arb" or not self.holds:
            return math.nan
        return max(0.0, self.stored_lower - self.lower, self.upper - self.stored_upper)

    @property
    def stored_proved(self) -> bool:
        """Whether the stored bracket itself is proved (:attr:`widening` is 0): always False for
        a float check."""
        return self.widening == 0.0


#: Largest unfolded channel (bytes of float64 W) re-checked in float64; above it the float check
#: uses the channel folded by its symmetry group (exact for a symmetric law, which the code checks).
MAX_UNFOLDED_BYTES = 2**28


def _channel_args(args):
    S0 = args.get("S0")
    return ((args["n"], args["s"], args["m"]),
            {"visible": args.get("visible", "random"), "S0": None if S0 is None else tuple(S0),
             "p_bias": args.get("p_bias", 0.5)})


def _insensitive_channel(args):
    from capacity.insensitive import channel_matrix

    pos, kw = _channel_args(args)
    return channel_matrix(*pos, **kw, max_bytes=args.get("max_bytes"))


def _insensitive_size(args):
    from capacity.insensitive import channel_shape

    pos, kw = _channel_args(args)
    return channel_shape(*pos, **kw).nbytes


def _insensitive_folded(args):
    from capacity.insensitive import folded_channel

    pos, kw = _channel_args(args)
    return folded_channel(*pos, **kw, max_bytes=args.get("max_bytes"))


#: Routines whose stored law can be re-checked: dotted name -> (channel, its size in bytes,
#: the folded channel) built from the stored arguments.
CHANNELS = {"capacity.insensitive.insensitive_capacity": (_insensitive_channel, _insensitive_size,
                                                          _insensitive_folded)}


def _is_level_route(routine, args):
    """Whether ``insensitive_capacity`` solved these arguments by the weight-level route (its
    stored law is then over the level channel's rows, not over classes)."""
    from capacity.insensitive.classes import MAX_ENUM_N
    from capacity.insensitive.model import level_route

    return (routine == "capacity.insensitive.insensitive_capacity" and args["n"] > MAX_ENUM_N
            and level_route(args["n"], args["s"], args.get("visible", "random"), args.get("p_bias", 0.5)))


def _level_channel(args):
    from capacity.insensitive.levels import level_channel

    return level_channel(args["n"], args["s"], args["m"], max_bytes=args.get("max_bytes"))


def _bonus_bounds(p, V, bonus, rounding=None):
    """(lower, upper) in bits of ``max_p sum_r p_r [D(V_r || pV) + b_r]`` (b in nats) at p:
    the law's value and ``max_r [D(V_r || pV) + b_r]`` (an unreached output gives +inf), rounded
    outward (:func:`capacity._rounding.outward_certificate`) and widened by the builder's
    ``rounding = (entry_rel, bonus_err)`` when given."""
    entry_rel, bonus_err = (0.0, None) if rounding is None else rounding
    V = np.ascontiguousarray(V, dtype=np.float64)
    bonus = np.broadcast_to(np.asarray(bonus, dtype=np.float64), (V.shape[0],))
    lo, up = outward_certificate(V[None], np.asarray(p, dtype=np.float64)[None], bonus[None],
                                 None if bonus_err is None else np.asarray(bonus_err)[None], entry_rel=entry_rel,
                                 unit="bits")
    return float(lo[0]), float(max(up[0], lo[0]))


def _folded_bounds(law, fc):
    """(lower, upper) in bits from the folded channel, or (None, reason) for a non-symmetric law.

    With a law uniform on each class-orbit, ``I(p; W) = sum_O p_O [D(V_O || pV) + b_O]`` and
    every class of an orbit has the same divergence, so ``max_x D(W_x || pW) = max_O [...]``.
    """
    orbit = np.asarray(fc.class_orbit)
    sizes = np.asarray(fc.class_orbit_sizes, dtype=np.float64)
    p = np.bincount(orbit, weights=law, minlength=sizes.size)
    spread = np.abs(law - (p / sizes)[orbit]).max(initial=0.0)
    if spread > 1e-12:
        return None, f"law is not uniform on symmetry orbits (spread {spread:.1e}); too large to unfold"
    return _bonus_bounds(p, np.asarray(fc.V), fc.bonus, fc.rounding), ""


def _float_bounds(p, ch):
    """(lower, upper) in bits: I(p; W) and max_x D(W_x || pW) of the channel ``ch``, rounded
    outward, with the rounding of its entries (:func:`capacity.insensitive.channel.channel_rounding`)."""
    from capacity.insensitive.channel import channel_rounding

    entry_rel = channel_rounding(ch)
    return _bonus_bounds(p, ch.W, 0.0, None if entry_rel is None else (entry_rel, None))


FAMILY_ROUTINE = "capacity.insensitive.family_capacity"


def _family_arb_bounds(red, law):
    """Ball-arithmetic (lower, upper, detail) in bits of a family law on the reduced channel
    ``red`` (:func:`capacity.insensitive.family_capacity.reduced_family`) built from exact
    rationals, or (None, None, reason)."""
    from capacity.insensitive.family_capacity import exact_symbol_rows, group_law, log_type_rows

    rows, why = exact_symbol_rows(red)
    if rows is None:
        return None, None, why
    W = np.exp(log_type_rows(red.logr, red.counts, red.logcoef))
    return _arb_type_bounds(group_law(red, law), rows, red.counts.astype(np.int64), red.m, W, "family_capacity's")


def _check_law(record, n_rows):
    if record.law is None:
        return None, "no law stored"
    try:
        law = np.asarray(record.law, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"law is not an array of numbers: {type(record.law).__name__}"
    if law.ndim != 1:
        return None, f"law must be one-dimensional; it has shape {law.shape}"
    if law.size != n_rows:
        return None, f"law has {law.size} entries; the channel has {n_rows} rows"
    if not np.all(np.isfinite(law)) or (law < 0).any():
        return None, "law has a negative or non-finite entry"
    total = float(law.sum())
    if abs(total - 1.0) > 1e-9:
        return None, f"law sums to {total!r}, not 1 within 1e-9"
    return law, ""


def verify_record(record, *, rigorous=False) -> Verification:
    r"""Re-check a stored capacity bracket from its stored law, without solving again.

    The channel :math:`W` is rebuilt from the record's arguments and the stored law
    :math:`p` gives both sides of the certificate

    .. math::

        I(p; W) \;\le\; C \;\le\; \max_x D(W_x \,\|\, pW).

    With ``rigorous=True`` both sides are evaluated in ball arithmetic (python-flint's arb,
    128-bit precision) on the channel's entries built as exact rationals from the definition
    (docs/problem.rst, section "Many samples: the channel on types"), and the law is made
    exact by dividing each float by their exact sum; the returned bounds are rounded outward,
    so :math:`C \in [\text{lower}, \text{upper}]` is proved rather than computed.

    A row that ``insensitive_capacity`` solved by the weight-level route (n = 5, s >= 2; see
    :mod:`capacity.insensitive.levels`) stores its law over the level rows: the level channel is
    rebuilt and the bracket is ``sum_r p_r [D(V_r || pV) + b_r]`` and ``max_r [D(V_r || pV) + b_r]``;
    with ``rigorous=True`` V is rebuilt from its integer coefficients and each bonus from the row's
    function (its levels recomputed from its integer spectrum), in ball arithmetic.

    Parameters
    ----------
    record : AtlasRecord
        A stored record of a routine that has a channel (``insensitive_capacity``).
    rigorous : bool, default False
        Ball arithmetic on exact entries instead of float64.

    Returns
    -------
    Verification
        Re-evaluated ``lower``/``upper``, the stored ones, ``holds`` and a ``detail``.
        A record that cannot be checked (failed, no law or a malformed one, arguments without
        n, s or m, unsupported routine or variant) gives ``holds=False`` with the reason in
        ``detail``.

    Raises
    ------
    TypeError
        For a ``record`` that is not an AtlasRecord, or a non-bool ``rigorous``.
    TypeError, ValueError
        When the channel cannot be rebuilt: stored arguments the routine refuses (the
        routine's own message), or a size above the stored ``max_bytes``.

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication* (1968), Thm 4.5.1;
    F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
    IEEE Trans. Computers 66 (2017).

    Examples
    --------
    >>> from capacity.insensitive import insensitive_capacity
    >>> r = insensitive_capacity(2, 1, 2)
    >>> rec = AtlasRecord("k", "capacity.insensitive.insensitive_capacity", {"n": 2, "s": 1, "m": 2},
    ...                   "done", lower=r.lower, upper=r.upper, law=r.class_mass)
    >>> v = verify_record(rec, rigorous=True)
    >>> v.holds, round(v.lower, 6), bool(v.upper - v.lower <= 1e-9 + 1e-12)
    (True, 1.299642, True)
    """
    if not isinstance(record, AtlasRecord):
        raise TypeError(f"`record` must be an AtlasRecord; got {type(record).__name__}")
    rigorous = check_flag(rigorous, "rigorous")
    t0 = time.perf_counter()
    method = "arb" if rigorous else "float"
    nan = float("nan")
    s_lo = nan if record.lower is None else record.lower
    s_up = nan if record.upper is None else record.upper

    def out(lo, up, holds, detail):
        return Verification(record.key, method, lo, up, s_lo, s_up, bool(holds), detail, time.perf_counter() - t0)

    if record.status != "done":
        return out(nan, nan, False, f"status is {record.status!r}")
    if record.routine == FAMILY_ROUTINE:
        lacking = [k for k in ("family", "n", "s", "m") if k not in record.args]
        if record.lower is None or record.upper is None or lacking:
            return out(nan, nan, False, "no stored bounds" if not lacking else
                       f"the stored arguments lack {lacking}: no channel to rebuild")
        from capacity.insensitive.family_capacity import law_bracket, reduced_family

        args = record.args
        red = reduced_family(args["family"], args["n"], args["s"], args["m"], domain=args.get("domain", "01"),
                             max_bytes=args.get("max_bytes"))
        law, why = _check_law(record, red.family.size)
        if law is None:
            return out(nan, nan, False, why + " (a family_capacity law is over the family's members)")
        lo, up, detail = _family_arb_bounds(red, law) if rigorous else law_bracket(red, law)
        if lo is None:
            return out(nan, nan, False, detail)
        return out(lo, up, lo >= s_lo - SLACK and up <= s_up + SLACK, detail)
    build = CHANNELS.get(record.routine)
    if build is None:
        return out(nan, nan, False, f"no channel to rebuild for {record.routine}")
    if record.lower is None or record.upper is None:
        return out(nan, nan, False, "no stored bounds")
    lacking = [k for k in ("n", "s", "m") if k not in record.args]
    if lacking:
        return out(nan, nan, False, f"the stored arguments lack {lacking}: no channel to rebuild")
    build, size, build_folded = build
    if _is_level_route(record.routine, record.args):
        if record.law is None:
            return out(nan, nan, False, "no law stored (the weight-level route's law is over its level rows)")
        lc = _level_channel(record.args)
        law, why = _check_law(record, lc.V.shape[0])
        if law is None:
            return out(nan, nan, False, why + " (the weight-level route's law is over its level rows)")
        if rigorous:
            lo, up, detail = _arb_level_bounds(law, record.args["n"], record.args["s"], record.args["m"], lc)
            if lo is None:
                return out(nan, nan, False, detail)
        else:
            from capacity.insensitive.levels import level_rounding

            rounding = level_rounding(lc, record.args["n"], record.args["s"], record.args["m"])
            lo, up = _bonus_bounds(law, lc.V, lc.bonus, rounding)
            detail = f"weight-level channel {lc.V.shape[0]}x{lc.V.shape[1]}"
        holds = lo >= s_lo - SLACK and up <= s_up + SLACK
        return out(lo, up, holds, detail)
    if not rigorous and size(record.args) > MAX_UNFOLDED_BYTES:
        fc = build_folded(record.args)
        law, why = _check_law(record, fc.n_classes)
        if law is None:
            return out(nan, nan, False, why)
        bounds, why = _folded_bounds(law, fc)
        if bounds is None:
            return out(nan, nan, False, why)
        lo, up = bounds
        holds = lo >= s_lo - SLACK and up <= s_up + SLACK
        return out(lo, up, holds, f"folded channel {fc.V.shape[0]}x{fc.V.shape[1]} "
                                  f"(unfolded {fc.n_classes}x{fc.n_types})")
    ch = build(record.args)
    law, why = _check_law(record, ch.W.shape[0])
    if law is None:
        return out(nan, nan, False, why)
    if rigorous:
        lo, up, detail = _arb_bounds(law, ch)
        if lo is None:
            return out(nan, nan, False, detail)
    else:
        lo, up = _float_bounds(law, ch)
        detail = f"channel {ch.W.shape[0]}x{ch.W.shape[1]}"
    holds = lo >= s_lo - SLACK and up <= s_up + SLACK
    return out(lo, up, holds, detail)


# ----------------------------------------------------------------------------- exact channel entries

def exact_symbol_probabilities(ch):
    """Exact ``r[f][c, y] = pi_c q_c(f)^y (1 - q_c(f))^(1-y)`` as Fractions, or (None, reason).

    Uniform bits: ``pi_c = 1/K`` and ``q_c(f) = (#ones of f in cell c) / 2**(n-s)``, which the
    float ``q`` holds exactly (a dyadic rational); the code checks it is one. p-biased bits:
    built from the truth tables with the exact value of the float ``p_bias``.
    """
    K = len(ch.cells)
    if ch.p_bias == 0.5:
        den = 2 ** (ch.n - ch.s)
        scaled = np.asarray(ch.q, dtype=np.float64) * den
        counts = np.rint(scaled)
        if np.abs(scaled - counts).max(initial=0.0) != 0.0:
            return None, "q is not a multiple of 2**-(n-s)"
        pi = Fraction(1, K)
        if np.abs(np.asarray(ch.pi) - 1.0 / K).max() > 1e-15:
            return None, "cell probabilities are not uniform"
        table = {}
        rows = []
        for row in counts.astype(np.int64):
            r = []
            for k in row.tolist():
                q = table.setdefault(k, Fraction(k, den))
                r += [pi * (1 - q), pi * q]
            rows.append(r)
        return rows, ""
    if ch.representatives is None:
        return None, "p-biased channel without truth tables"
    p = Fraction(ch.p_bias)
    n, s = ch.n, ch.s
    P_S = Fraction(1, math.comb(n, s)) if ch.visible == "random" else Fraction(1)
    xs = np.arange(2 ** n)
    bits = (xs[:, None] >> np.arange(n)) & 1
    weight = [[p if b else 1 - p for b in row] for row in bits.tolist()]
    rows = []
    for f in np.asarray(ch.representatives).tolist():
        r = []
        for S, a in ch.cells:
            pi_c = P_S
            for j, i in enumerate(S):
                pi_c *= p if (a >> j) & 1 else 1 - p
            q = Fraction(0)
            for x in range(2 ** n):
                if f[x] and all(((x >> i) & 1) == ((a >> j) & 1) for j, i in enumerate(S)):
                    w = Fraction(1)
                    for i in range(n):
                        if i not in S:
                            w *= weight[x][i]
                    q += w
            r += [pi_c * (1 - q), pi_c * q]
        rows.append(r)
    return rows, ""


def _arb_bounds(law, ch):
    """Ball-arithmetic (lower, upper) in bits, rounded outward; or (None, None, reason)."""
    rows, why = exact_symbol_probabilities(ch)
    if rows is None:
        return None, None, why
    K = len(ch.cells)
    types = np.asarray(ch.types, dtype=np.int64)          # (T, K, 2): nu, kappa
    k_sym = np.empty((types.shape[0], 2 * K), dtype=np.int64)
    k_sym[:, 0::2] = types[:, :, 0] - types[:, :, 1]        # y = 0
    k_sym[:, 1::2] = types[:, :, 1]                         # y = 1
    return _arb_type_bounds(law, rows, k_sym, ch.m, ch.W, "channel_matrix's")


def _arb_type_bounds(law, rows, k_sym, m, W_float, whose):
    """Ball-arithmetic (lower, upper) in bits, rounded outward, of the type channel
    ``W[f, t] = m! / prod_j k_j! prod_j rows[f][j]**k_j`` (``k_sym`` (T, symbols), ``rows`` exact
    Fractions) at the law ``law`` over its rows; or (None, None, reason). ``W_float`` (rows, T),
    the float channel the law was solved on, must agree with it to 1e-12."""
    from flint import arb, ctx, fmpq, fmpz

    old = ctx.prec
    ctx.prec = ARB_PREC
    try:
        R, T = len(rows), k_sym.shape[0]
        fac = [fmpz(1)]
        for i in range(1, m + 1):
            fac.append(fac[-1] * i)
        sym_of, log_coef = [], []
        for t in range(T):
            nz = np.flatnonzero(k_sym[t])
            sym_of.append([(int(j), int(k_sym[t, j])) for j in nz])
            den = fmpz(1)
            for j in nz:
                den *= fac[int(k_sym[t, j])]
            log_coef.append(arb(fmpq(fac[m], den)).log())
        # exact law: each float is an exact rational; divide by their exact sum
        fr = [Fraction(float(x)) for x in law]
        total = sum(fr)
        p = [arb(fmpq(x.numerator * total.denominator, x.denominator * total.numerator)) for x in fr]
        p_pos = [x > 0 for x in fr]
        logW = [[None] * T for _ in range(R)]
        Wb = [[None] * T for _ in range(R)]
        max_diff = 0.0
        for f in range(R):
            r = rows[f]
            logr = [arb(fmpq(x.numerator, x.denominator)).log() if x > 0 else None for x in r]
            for t in range(T):
                acc = log_coef[t]
                for j, k in sym_of[t]:
                    lr = logr[j]
                    if lr is None:
                        acc = None
                        break
                    acc = acc + k * lr
                if acc is not None:
                    logW[f][t] = acc
                    w = acc.exp()
                    Wb[f][t] = w
                    max_diff = max(max_diff, abs(float(w.mid()) - W_float[f, t]))
                elif W_float[f, t] != 0.0:
                    max_diff = max(max_diff, abs(W_float[f, t]))
        if max_diff > 1e-12:
            return None, None, (f"the exact channel differs from {whose} by {max_diff:.3g} "
                                "(more than float rounding): not verified")
        logq, q_zero = [], []
        for t in range(T):
            acc = arb(0)
            reached = False
            for f in range(R):
                if Wb[f][t] is not None and p_pos[f]:
                    acc = acc + p[f] * Wb[f][t]
                    reached = True
            q_zero.append(not reached)
            logq.append(acc.log() if reached else None)
        ln2 = arb(2).log()
        lower = arb(0)
        upper_hi = -math.inf
        for f in range(R):
            d = arb(0)
            infinite = False
            for t in range(T):
                if logW[f][t] is None:
                    continue
                if q_zero[t]:
                    infinite = True
                    break
                d = d + Wb[f][t] * (logW[f][t] - logq[t])
            if infinite:
                upper_hi = math.inf
                continue
            d = d / ln2
            if p_pos[f]:
                lower = lower + p[f] * d
            upper_hi = max(upper_hi, float(d.upper().mid()))
        lo = math.nextafter(float(lower.lower().mid()), -math.inf)
        up = math.nextafter(upper_hi, math.inf)
        return lo, up, f"channel {R}x{T}, exact entries (max |exact - float| = {max_diff:.1e}), arb {ARB_PREC} bits"
    finally:
        ctx.prec = old


def _arb_level_bounds(law, n, s, m, lc):
    r"""Ball-arithmetic (lower, upper) in bits of the weight-level problem at ``law``, rounded
    outward; or (None, None, reason).

    Every quantity is rebuilt from integers: ``V_v[T] = (A_0[T] + A[T] v) / denom`` exactly
    (:func:`capacity.insensitive.levels.level_coefficients`), and the bonus
    ``b = -m (ln K + H_f / K) + E ln coef + sum_T V_T ln(|T| / V_T)`` from the row's function f:
    its levels are recomputed from its integer spectrum and must equal the stored ones, and
    ``H_f = sum_c h(q_c)`` from its exact cell fractions ``q_c = (#ones in cell c) / 2^(n-s)``.
    A row whose function does not reproduce its float bonus within 1e-9 is not verified.
    """
    from flint import arb, ctx, fmpq

    from boolean import fwht
    from capacity.insensitive.levels import level_coefficients
    from capacity.insensitive.model import channel_cells

    A0, A, denom, sizes = level_coefficients(n, s, m)
    levels = np.asarray(lc.levels, dtype=np.int64)
    num = A0[None, :] + levels @ A.T          # int64, as level_channel builds it (exact: no overflow there)
    worst = float(np.abs(num / float(denom) - lc.V).max())
    if worst > 1e-12:
        return None, None, f"the exact level channel differs from level_channel's V by {worst:.3g}: not verified"
    cells = channel_cells(n, s, None, 0.5)
    K = len(cells.cells)
    L = 1 << (n - s)
    N = 1 << n
    pop = np.array([bin(T).count("1") for T in range(N)])
    old = ctx.prec
    ctx.prec = ARB_PREC
    try:
        ln = {}

        def log_q(x):                 # log of a positive Fraction, cached
            if x not in ln:
                ln[x] = arb(fmpq(x.numerator, x.denominator)).log()
            return ln[x]

        R, T = num.shape
        fr = [Fraction(float(x)) for x in law]          # each float exactly; divided by their exact sum
        total = sum(fr)
        p = [arb(fmpq(x.numerator * total.denominator, x.denominator * total.numerator)) if x else None for x in fr]
        log_qt = []
        for t in range(T):
            acc = arb(0)
            reached = False
            for r in np.flatnonzero(num[:, t]).tolist():
                if p[r] is not None:
                    acc = acc + p[r] * int(num[r, t])
                    reached = True
            log_qt.append((acc / denom).log() if reached else None)
        log_den = arb(denom).log()
        log_num = {}

        def log_v(k):                 # log(k / denom), cached by the integer numerator
            if k not in log_num:
                log_num[k] = arb(k).log() - log_den
            return log_num[k]

        log_size = [arb(int(x)).log() for x in sizes]
        ln2 = arb(2).log()
        lower = arb(0)
        upper_hi = -math.inf
        worst_bonus = 0.0
        for r in range(R):
            F = int(lc.functions[r])
            g = fwht(1 - 2 * ((F >> np.arange(N)) & 1))     # exact: int64 in, int64 out
            v = [int((g[pop == k] ** 2).sum()) for k in range(s + 1)]
            if v != [int(x) for x in levels[r]]:
                return None, None, f"row {r}: its function {F:#x} has levels {v}, not {levels[r].tolist()}: not verified"
            ones_per_cell = np.asarray(cells.member, dtype=np.int64) @ ((F >> np.arange(N)) & 1)
            H = arb(0)
            for c in range(K):
                ones = int(ones_per_cell[c])
                if 0 < ones < L:
                    a = Fraction(ones, L)
                    H = H - arb(fmpq(a.numerator, a.denominator)) * log_q(a) - arb(fmpq(L - ones, L)) * log_q(1 - a)
            u2 = Fraction(2 ** s, 4) * sum(Fraction(v[k], 4 ** n) * math.comb(n - k, s - k) for k in range(s + 1))
            S2 = (Fraction(K, 2) + 2 * u2) / K ** 2
            S3 = (Fraction(K, 4) + 3 * u2) / K ** 3
            if m == 1:
                elog = arb(0)
            elif m == 2:
                elog = arb(fmpq((1 - S2).numerator, (1 - S2).denominator)) * ln2
            else:
                a, b = 3 * (S2 - S3), 1 - 3 * S2 + 2 * S3
                elog = (arb(fmpq(a.numerator, a.denominator)) * arb(3).log()
                        + arb(fmpq(b.numerator, b.denominator)) * arb(6).log())
            bonus = -m * (arb(K).log() + H / K) + elog
            d = arb(0)
            infinite = False
            for t in range(T):
                k = int(num[r, t])
                if not k:
                    continue
                if log_qt[t] is None:
                    infinite = True
                    break
                w = arb(fmpq(k, denom))
                lw = log_v(k)
                bonus = bonus + w * (log_size[t] - lw)
                d = d + w * (lw - log_qt[t])
            if infinite:
                upper_hi = math.inf
                continue
            worst_bonus = max(worst_bonus, abs(float(bonus.mid()) - lc.bonus[r]))
            d = (d + bonus) / ln2
            if p[r] is not None:
                lower = lower + p[r] * d
            upper_hi = max(upper_hi, float(d.upper().mid()))
        if worst_bonus > 1e-9:
            return None, None, (f"the exact bonus differs from level_channel's by {worst_bonus:.3g} (more than float "
                                "rounding): not verified")
        lo = math.nextafter(float(lower.lower().mid()), -math.inf)
        up = math.nextafter(upper_hi, math.inf)
        return lo, up, (f"weight-level channel {R}x{T}, exact entries and bonus (max |exact - float| bonus "
                        f"{worst_bonus:.1e}), arb {ARB_PREC} bits")
    finally:
        ctx.prec = old
