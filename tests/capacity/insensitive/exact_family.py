r"""Exact information quantities of the insensitive-function channel with Alice restricted to a
family, from first principles, in ball arithmetic (python-flint ``arb``, 128 bits).

Model. ``x`` is uniform on :math:`\{0,1\}^n`; a *cell* is ``(S, a)`` with ``S`` an ``s``-subset
of ``{0..n-1}`` (all :math:`\binom ns` equally likely) and :math:`a = x_S \in \{0,1\}^s`. One
sample of a Boolean function ``f`` (truth table of length ``2**n``, index
:math:`x = \sum_i x_i 2^i`) is the symbol ``(S, a, b) = (S, x_S, f(x))``, of probability

.. math::

    r_f(S, a, b) = \binom ns^{-1} 2^{-s} q_f(S, a, b),\qquad
    q_f(S, a, b) = \#\{x : x_S = a,\ f(x) = b\} / 2^{n-s}.

Bob sees ``m`` i.i.d. samples. The counts :math:`k = (k_j)_j` of the symbols among them (the
*type*) are a sufficient statistic, so ``f -> (Y_1..Y_m)`` and the type channel

.. math::

    W_f(k) = \frac{m!}{\prod_j k_j!} \prod_j r_f(j)^{k_j}

have the same mutual information for every law on the members. Every symbol is kept apart
(no merging of cells or members); only symbols of probability 0 under every member are dropped.

Nothing here uses the package's own reductions: the family's truth tables are the only input.
Every ``W_f(k)`` is an exact rational (``fmpq``); logarithms and sums are ``arb`` balls at
:data:`PREC` bits, so each returned ball contains the exact value.

>>> cert = exact_certificate(family_tables("all", 1), 1, 1, 1, [1.0, 1.0, 1.0, 1.0])
>>> cert["lower_bits"] <= 1.0 <= cert["upper_bits"], cert["upper_bits"] - cert["lower_bits"] < 1e-15
(True, True)
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import contextmanager
from fractions import Fraction
from itertools import combinations, combinations_with_replacement, product

import flint
import numpy as np
from flint import arb, fmpq

from capacity.insensitive import families

__all__ = ["PREC", "working_precision", "family_tables", "tables_of_family", "symbols",
           "exact_cell_probabilities", "type_space", "exact_channel", "exact_certificate",
           "exact_divergences_to"]

#: Working precision of the balls, in bits.
PREC = 128

_FAMILIES = ("all", "thresholds", "symmetric", "intervals")


@contextmanager
def working_precision(prec: int = PREC):
    """Set ``flint.ctx.prec`` to ``prec`` bits inside the block and restore the old value after."""
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        yield
    finally:
        flint.ctx.prec = old


# ----------------------------------------------------------------------------- truth tables
def _weights(n: int) -> np.ndarray:
    """``|x|`` for ``x = 0 .. 2**n - 1``."""
    x = np.arange(1 << n, dtype=np.int64)
    return ((x[:, None] >> np.arange(n)[None, :]) & 1).sum(axis=1)


def tables_of_family(fam) -> np.ndarray:
    r"""Truth tables ``(M, 2**n)`` uint8 of a :class:`FunctionFamily`, in the family's member order.

    * "tables": the stored tables;
    * "symmetric": :math:`f(x) = g(|x|)`;
    * "interval": :math:`f(x) = [a \le |x| \le b]` (``a > b``: the constant 0);
    * "junta": :math:`f(x) = h(x_J)`, ``h`` indexed by :math:`\sum_t x_{J_t} 2^t`.
    """
    n = fam.n
    if fam.kind == "tables":
        return np.array(fam.tables, dtype=np.uint8)
    if fam.kind == "symmetric":
        return np.ascontiguousarray(fam.g[:, _weights(n)], dtype=np.uint8)
    if fam.kind == "interval":
        w = _weights(n)[None, :]
        a, b = fam.bounds[:, :1], fam.bounds[:, 1:]
        return ((w >= a) & (w <= b)).astype(np.uint8)
    if fam.kind == "junta":
        x = np.arange(1 << n, dtype=np.int64)
        z = np.zeros_like(x)
        for t, c in enumerate(fam.coords):
            z |= ((x >> c) & 1) << t
        return np.ascontiguousarray(fam.tables[:, z], dtype=np.uint8)
    raise ValueError(f"unknown family kind {fam.kind!r}")


def family_tables(name: str, n: int) -> np.ndarray:
    """Truth tables ``(M, 2**n)`` uint8 of the family ``name`` of :mod:`capacity.insensitive.families`:

    "all" (all ``2**(2**n)`` functions), "thresholds" (thresholds and their complements),
    "symmetric" (all ``2**(n+1)`` symmetric functions) or "intervals" (all intervals of ``|x|``
    and the constant 0). Row ``i`` is the family's member ``i`` (the same index as its ``names``).
    """
    if name == "all":
        fam = families.all_functions_family(n)
    elif name == "thresholds":
        fam = families.threshold_family(n)
    elif name == "symmetric":
        fam = families.symmetric_family(n)
    elif name == "intervals":
        fam = families.threshold_family(n, intervals=True)
    else:
        raise ValueError(f"`name` must be one of {_FAMILIES}; got {name!r}")
    return tables_of_family(fam)


# ----------------------------------------------------------------------------- one sample
def _check(tables, n, s, m=0):
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"`n` must be an integer >= 1; got {n!r}")
    if not (isinstance(s, int) and 0 <= s <= n):
        raise ValueError(f"`s` must be an integer in [0, {n}]; got {s!r}")
    if not (isinstance(m, int) and m >= 0):
        raise ValueError(f"`m` must be an integer >= 0; got {m!r}")
    t = np.asarray(tables)
    if t.ndim != 2 or t.shape[1] != 1 << n or t.shape[0] == 0:
        raise ValueError(f"`tables` must have shape (M, {1 << n}) with M >= 1; got {t.shape}")
    if not np.isin(t, (0, 1)).all():
        raise ValueError("`tables` must hold 0/1 values")
    return t.astype(np.uint8)


def symbols(n: int, s: int) -> list:
    """All ``2 C(n, s) 2**s`` symbols ``(S, a, b)`` in order: ``S`` a sorted tuple (lexicographic),
    ``a`` the tuple of ``x_i`` for ``i`` in ``S`` (lexicographic), then ``b = 0, 1``."""
    return [(S, a, b) for S in combinations(range(n), s) for a in product((0, 1), repeat=s) for b in (0, 1)]


def exact_cell_probabilities(tables, n: int, s: int) -> list:
    r"""``[r_f for f in tables]``, each a dict symbol ``(S, a, b)`` -> :class:`~fractions.Fraction`,

    .. math::

        r_f(S, a, b) = \binom ns^{-1} 2^{-s}\, \#\{x : x_S = a,\ f(x) = b\} / 2^{n-s},

    by enumerating every ``x``; symbols of probability 0 are present with value 0.
    """
    t = _check(tables, n, s)
    syms = symbols(n, s)
    weight = Fraction(1, math.comb(n, s) << s)
    out = []
    for f in t.tolist():
        count = dict.fromkeys(syms, 0)
        for S in combinations(range(n), s):
            for x in range(1 << n):
                a = tuple((x >> i) & 1 for i in S)
                count[(S, a, f[x])] += 1
        out.append({j: weight * Fraction(c, 1 << (n - s)) for j, c in count.items()})
    return out


# ----------------------------------------------------------------------------- m samples
def type_space(tables, n: int, s: int, m: int) -> tuple:
    """``(kept, types)``: ``kept`` the symbols of positive probability under some member (in the
    order of :func:`symbols`), ``types`` every composition ``k`` of ``m`` into ``len(kept)``
    parts (a tuple of counts over ``kept``), in the order of
    ``itertools.combinations_with_replacement``."""
    t = _check(tables, n, s, m)
    return _type_space(exact_cell_probabilities(t, n, s), m)


def _type_space(rs, m):
    kept = [j for j in rs[0] if any(r[j] for r in rs)]
    types = []
    for multiset in combinations_with_replacement(range(len(kept)), m):
        k = [0] * len(kept)
        for j in multiset:
            k[j] += 1
        types.append(tuple(k))
    return kept, types


def _channel(rs, m):
    """``(kept, types, W)``: ``W[f][t]`` the exact ``fmpq`` of ``W_f(types[t])``."""
    kept, types = _type_space(rs, m)
    R = [[fmpq(r[j].numerator, r[j].denominator) for j in kept] for r in rs]
    fact = [math.factorial(i) for i in range(m + 1)]
    W = [[None] * len(types) for _ in rs]
    for t, k in enumerate(types):
        coef = fact[m]
        for c in k:
            coef //= fact[c]
        support = [(j, c) for j, c in enumerate(k) if c]
        for f, row in enumerate(R):
            w = fmpq(coef)
            for j, c in support:
                w *= row[j] ** c
            W[f][t] = w
    return kept, types, W


def exact_channel(tables, n: int, s: int, m: int) -> tuple:
    r"""``(kept, types, W)``: the type channel of :func:`type_space`, with ``W[f][t]`` the exact
    rational (``fmpq``) :math:`W_f(k) = \frac{m!}{\prod_j k_j!} \prod_j r_f(j)^{k_j}`, ``k = types[t]``."""
    t = _check(tables, n, s, m)
    return _channel(exact_cell_probabilities(t, n, s), m)


class _Logs:
    """``log`` of exact positive rationals as ``arb`` balls, each value computed once."""

    def __init__(self):
        self.cache = {}

    def __call__(self, q):
        out = self.cache.get(q)
        if out is None:
            out = self.cache[q] = arb(q).log()
        return out


def _exact_law(law, M):
    law = np.asarray(law, dtype=np.float64)
    if law.shape != (M,):
        raise ValueError(f"`law` must have shape ({M},), one weight per member; got {law.shape}")
    if not np.isfinite(law).all() or (law < 0).any() or not law.sum() > 0:
        raise ValueError("`law` must hold finite non-negative weights with a positive sum")
    exact = [Fraction(float(v)) for v in law.tolist()]
    total = sum(exact)
    return [fmpq((v / total).numerator, (v / total).denominator) for v in exact]


def _divergence(row, Q, logs):
    """``D(W_f || Q) = sum_{t: W_f(t) > 0} W_f(t) log(W_f(t) / Q(t))`` (+inf if some such Q(t) = 0)."""
    total = arb(0)
    for w, q in zip(row, Q):
        if w == 0:
            continue
        if q == 0:
            return arb.pos_inf()
        total += arb(w) * (logs(w) - logs(q))
    return total


def _max(balls):
    out = balls[0]
    for b in balls[1:]:
        out = out.max(b)
    return out


def _down(x) -> float:
    """A float64 certainly ``<=`` every point of the ball ``x``."""
    return math.nextafter(float(x.lower()), -math.inf)


def _up(x) -> float:
    """A float64 certainly ``>=`` every point of the ball ``x``."""
    return math.nextafter(float(x.upper()), math.inf)


def exact_certificate(tables, n: int, s: int, m: int, law) -> dict:
    r"""Exact ``I(pi; W)`` and ``D(W_f || pi W)`` of the type channel, as ``arb`` balls in nats.

    ``pi = law / sum(law)``, the float64 weights taken as exact rationals;
    :math:`(\pi W)(k) = \sum_f \pi_f W_f(k)` exactly (``fmpq``), and

    .. math::

        I(\pi; W) = H(\pi W) - \sum_f \pi_f H(W_f),\qquad
        H(P) = -\sum_k P(k) \ln P(k),

    .. math::

        D(W_f \| \pi W) = \sum_{k:\, W_f(k) > 0} W_f(k) \ln \frac{W_f(k)}{(\pi W)(k)}

    (``+inf`` when ``f`` reaches a type of probability 0 under ``pi W``, possible only for
    ``pi_f = 0``). Members with ``pi_f = 0`` add nothing to ``I``; ``I = sum_f pi_f D_f`` and
    ``I <= max_f D_f`` hold exactly.

    Returns
    -------
    dict
        ``info``, ``max_div`` (arb), ``div`` (list of arb, one per member), ``info_nats`` and
        ``max_div_nats`` (float64 pairs ``(lo, hi)`` enclosing the balls), ``lower_bits`` (a
        float64 ``<= I / ln 2``), ``upper_bits`` (a float64 ``>= max_f D_f / ln 2``),
        ``n_symbols`` and ``n_types``.
    """
    t = _check(tables, n, s, m)
    pi = _exact_law(law, t.shape[0])
    rs = exact_cell_probabilities(t, n, s)
    kept, types, W = _channel(rs, m)
    with working_precision(PREC):
        logs = _Logs()
        PW = [fmpq(0)] * len(types)
        for p, row in zip(pi, W):
            if p:
                PW = [acc + p * w for acc, w in zip(PW, row)]
        div = [_divergence(row, PW, logs) for row in W]
        H_out = -sum((arb(q) * logs(q) for q in PW if q), arb(0))
        H_cond = arb(0)
        for p, row in zip(pi, W):
            if p:
                H_cond -= arb(p) * sum((arb(w) * logs(w) for w in row if w), arb(0))
        info = H_out - H_cond
        max_div = _max(div)
        ln2 = arb.const_log2()
        out = {"info": info, "max_div": max_div, "div": div,
               "info_nats": (_down(info), _up(info)), "max_div_nats": (_down(max_div), _up(max_div)),
               "lower_bits": _down(info / ln2), "upper_bits": _up(max_div / ln2),
               "n_symbols": len(kept), "n_types": len(types)}
    return out


def exact_divergences_to(tables, n: int, s: int, m: int, Q) -> dict:
    r"""``D(W_f || Q)`` in nats (arb) for every member, ``Q`` an output law over the types of
    :func:`type_space`: a callable ``type -> float`` or a dict ``type -> float`` (missing types
    are 0). Its float64 values are taken as exact rationals, as given (not renormalised):

    .. math::

        D(W_f \| Q) = \sum_{k:\, W_f(k) > 0} W_f(k) \ln \frac{W_f(k)}{Q(k)}

    (``+inf`` when ``Q(k) = 0`` at some reached ``k``). For a probability (or sub-probability)
    ``Q``, :math:`\max_f D(W_f \| Q)` bounds the capacity of the type channel from above.

    Returns
    -------
    dict
        ``div`` (list of arb), ``max_div`` (arb), ``upper_bits`` (a float64 ``>= max_f D_f / ln 2``)
        and ``mass`` (the exact ``sum_k Q(k)`` as a Fraction).
    """
    t = _check(tables, n, s, m)
    kept, types, W = _channel(exact_cell_probabilities(t, n, s), m)
    get = Q.get if isinstance(Q, Mapping) else Q
    if not callable(get):
        raise TypeError(f"`Q` must be a callable or a mapping type -> float; got {type(Q).__name__}")
    values = []
    for k in types:
        v = get(k)
        v = 0.0 if v is None else float(v)
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"`Q` must give finite non-negative values; got {v!r} at type {k}")
        values.append(Fraction(v))
    Qx = [fmpq(v.numerator, v.denominator) for v in values]
    with working_precision(PREC):
        logs = _Logs()
        div = [_divergence(row, Qx, logs) for row in W]
        max_div = _max(div)
        out = {"div": div, "max_div": max_div, "upper_bits": _up(max_div / arb.const_log2()),
               "mass": sum(values, Fraction(0))}
    return out
