r"""Does capacity favour insensitive functions? The sensitivity of a certified optimal law.

"Sensitive" is measured, never asserted: for a law P on functions (or on classes of
functions Bob cannot tell apart),

.. math::

    \mathbb{E}_P I[f] = \sum_f P(f) \sum_i \Pr_x[f(x) \ne f(x^{\oplus i})],\qquad
    \mathbb{E}_P \mathrm{Stab}_\rho[f] = \sum_f P(f)\, \mathbb{E}[g(x) g(y)],\ \rho = s/n,

with ``g = (-1)^f`` and y rho-correlated with x. A class may hold functions of different
total influence, so each class's mass is put once on its least and once on its most
sensitive member: the two means bracket every way of spreading the law inside the classes.
The uniform law on all functions has ``E I = n/2`` and ``E Stab_rho = ((1 + rho)/2)**n``
(each squared Fourier coefficient has mean ``2**-n``). See docs/problem.rst for the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from boolean._lib.validate import check_real

__all__ = ["LawSensitivity", "law_sensitivity"]

#: Mass below which a class counts as unused (the solvers' support listing uses the same).
USED = 1e-6


@dataclass(frozen=True)
class LawSensitivity:
    r"""Sensitivity summaries of a certified optimal law (see :func:`law_sensitivity`), such as
    :math:`\mathbb E_P\, I[f] = \sum_f P(f) \sum_i \mathrm{Inf}_i[f]`.

    Attributes
    ----------
    n, s, m : int
        Parameters of the result.
    rho : float
        Correlation of the noise stability (default s/n).
    influence_least, influence_most : float
        Mean total influence with each class's mass on its least / most influential member.
    stability_least, stability_most : float
        Mean Stab_rho with each class's mass on its most stable (least sensitive) / least
        stable member.
    mass_constants_dictators : float
        Mass on classes holding a constant or an (anti-)dictator.
    uniform_functions_influence, uniform_functions_stability : float
        The uniform law on all functions: ``n/2`` and ``((1 + rho)/2)**n``.
    uniform_classes_influence : tuple of float
        The uniform law on the classes (or family groups): (least, most) mean total influence.
    max_influence_used : float
        The largest total influence of a least-sensitive member among classes with mass > 1e-6.
    max_influence_other : float
        The largest total influence of any member of a class with mass > 1e-6 that holds no
        constant or dictator (NaN when the law uses none).
    dictator_influence : float
        1.0, the total influence of a dictator (for comparison).
    unresolved_mass : float
        Mass on classes whose least and most influential members were not computed (n = 5:
        classes with mass <= 1e-6); it counts with I in [0, n], so ``influence_least`` and
        ``influence_most`` are bounds within ``n * unresolved_mass`` of the exact means (0 below n = 5).

    Examples
    --------
    >>> from capacity.insensitive import insensitive_capacity
    >>> ls = law_sensitivity(insensitive_capacity(2, 1, 1))
    >>> round(ls.influence_least, 6), ls.mass_constants_dictators > 0.999
    (0.0, True)
    """

    n: int
    s: int
    m: int
    rho: float
    influence_least: float
    influence_most: float
    stability_least: float
    stability_most: float
    mass_constants_dictators: float
    uniform_functions_influence: float
    uniform_functions_stability: float
    uniform_classes_influence: tuple
    max_influence_used: float
    max_influence_other: float
    dictator_influence: float = 1.0
    unresolved_mass: float = 0.0


def _insensitive(names, n):
    ok = {"0", "1"} | {f"x{i}" for i in range(n)} | {f"~x{i}" for i in range(n)}
    return np.array([any(p.strip() in ok for p in nm.replace(";", "=").split("=")) for nm in names])


def _per_class(values, labels, K):
    lo = np.full(K, np.inf)
    hi = np.full(K, -np.inf)
    np.minimum.at(lo, labels, values)
    np.maximum.at(hi, labels, values)
    return lo, hi


def law_sensitivity(result, *, rho=None) -> LawSensitivity:
    r"""Sensitivity of the optimal law of a certified result (exact or family).

    .. math::

        \sum_k p_k \min_{f \in k} I[f] \;\le\; \mathbb{E}_P I[f] \;\le\;
        \sum_k p_k \max_{f \in k} I[f]

    over the classes k of the result (and the same for Stab_rho, rho = s/n by default),
    with the mass on constants and dictators and the uniform laws for comparison.

    Parameters
    ----------
    result : InsensitiveCapacity or FamilyCapacity
        From :func:`insensitive_capacity` (n <= 4, uniform bits: the classes are enumerated;
        or n = 5, s = 1, visible at random, uniform bits: each class is the functions with w ones,
        c_i of them with x_i = 1, and its least and most influential members are found by an exact
        integer program, see below) or :func:`family_capacity` (the groups of members Bob cannot
        tell apart).
    rho : float, optional
        Correlation in [-1, 1] (default s/n).

    Returns
    -------
    LawSensitivity

    Notes
    -----
    At n = 5, s = 1 the class of f is :math:`(w, c)`, :math:`w = |f^{-1}(1)|`,
    :math:`c_i = |\{x \in f^{-1}(1) : x_i = 1\}|`, and :math:`I[f] = |\partial f| / 2^{n-1}` with
    :math:`\partial f` the hypercube edges whose ends f separates. The least and most influential
    members of a class used by the law (mass > 1e-6) solve the integer programs
    :math:`\min / \max \sum_{uv} e_{uv}` over :math:`f \in \{0, 1\}^{32}` with
    :math:`\sum_x f_x = w`, :math:`\sum_{x_i = 1} f_x = c_i`, and
    :math:`e_{uv} \ge |f_u - f_v|` (min) or :math:`e_{uv} \le \min(f_u + f_v, 2 - f_u - f_v)` (max),
    solved to a zero gap by HiGHS (the objective is an integer, so any gap below 1 is optimal) and
    the returned table re-checked exactly. Noise stability and the uniform law on classes are not
    computed there (NaN).

    Raises
    ------
    TypeError
        For a result of another type or a non-real rho.
    ValueError
        For an InsensitiveCapacity with n > 5, or n = 5 other than s = 1 with Bob's coordinates
        drawn at random, or p_bias != 1/2 (classes not enumerated), or rho outside [-1, 1].

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, CUP 2014, Def. 2.27 (total influence) and
    Def. 2.40 (noise stability), Prop. 2.51 (Stab via the Fourier weights).

    Examples
    --------
    >>> from capacity.insensitive import family_capacity
    >>> ls = law_sensitivity(family_capacity("thresholds", 5, 2, 4))
    >>> ls.uniform_functions_influence, ls.influence_least <= ls.influence_most
    (2.5, True)
    """
    from .family_capacity import FamilyCapacity
    from .solve import InsensitiveCapacity

    if not isinstance(result, (InsensitiveCapacity, FamilyCapacity)):
        raise TypeError(f"`result` must be an InsensitiveCapacity or a FamilyCapacity; got {type(result).__name__}")
    n, s, m = result.n, result.s, result.m
    rho = s / n if rho is None else check_real(rho, "rho", low=-1.0, high=1.0)
    if isinstance(result, FamilyCapacity):
        fam = result.family
        infl = fam.total_influence()
        stab = fam.noise_stability(rho)
        K = len(result.groups)
        labels = np.empty(fam.size, dtype=np.int64)
        for k, g in enumerate(result.groups):
            labels[g] = k
        mass = result.group_mass
        special = _insensitive(fam.names, n)
    elif n == 5 and s == 1 and result.p_bias == 0.5 and result.visible == "random" and result.S0 is None:
        return _law_sensitivity_s1(result, rho)
    else:
        if n > 4 or result.p_bias != 0.5 or result.representatives is None:
            raise ValueError(f"`result` must come from n <= 4 with p_bias = 0.5 (classes enumerated); got n = {n}, "
                             f"p_bias = {result.p_bias}")
        from boolean import noise_stability, total_influence

        from .classes import all_truth_tables, equivalence_classes
        ec = equivalence_classes(n, s, visible=result.visible, S0=result.S0)
        tables = all_truth_tables(n)
        infl = np.asarray(total_influence(tables), dtype=np.float64)
        stab = np.asarray(noise_stability(tables, rho), dtype=np.float64)
        labels = ec.labels.astype(np.int64)
        K = ec.n_classes
        mass = np.asarray(result.class_mass, dtype=np.float64)
        names = result.class_names
        special = _insensitive(names, n)[labels]
    i_lo, i_hi = _per_class(infl, labels, K)
    s_lo, s_hi = _per_class(stab, labels, K)
    has_special = np.zeros(K, dtype=bool)
    np.logical_or.at(has_special, labels, special)
    used = mass > USED
    return LawSensitivity(
        n=n, s=s, m=m, rho=float(rho),
        influence_least=float(mass @ i_lo), influence_most=float(mass @ i_hi),
        stability_least=float(mass @ s_hi), stability_most=float(mass @ s_lo),
        mass_constants_dictators=float(mass[has_special].sum()),
        uniform_functions_influence=n / 2, uniform_functions_stability=((1 + rho) / 2) ** n,
        uniform_classes_influence=(float(i_lo.mean()), float(i_hi.mean())),
        max_influence_used=float(i_lo[used].max()),
        max_influence_other=float(i_hi[used & ~has_special].max()) if (used & ~has_special).any() else math.nan)


def _law_sensitivity_s1(result, rho):
    """law_sensitivity at n = 5, s = 1 (count-vector classes): least and most total influence of
    each class with mass > USED by :func:`_influence_range`; the rest is ``unresolved_mass``."""
    from .model import channel_classes

    n = result.n
    cls = channel_classes(n, 1, "random", None, 0.5)
    mass = np.asarray(result.class_mass, dtype=np.float64)
    used = np.flatnonzero(mass > USED)
    lo, hi = np.empty(used.size), np.empty(used.size)
    cache = {}
    for j, k in enumerate(used.tolist()):
        row = cls.counts[k]
        w, c = int(row[0] + row[1]), [int(v) for v in row[1::2]]
        key = _canonical_counts(n, w, c)
        if key not in cache:
            cache[key] = _influence_range(n, key[0], list(key[1]))
        lo[j], hi[j] = cache[key]
    special = _insensitive(cls.names, n)[used]
    rest = float(mass.sum() - mass[used].sum())
    nan = math.nan
    return LawSensitivity(
        n=n, s=1, m=result.m, rho=float(rho),
        influence_least=float(mass[used] @ lo), influence_most=float(mass[used] @ hi + n * rest),
        stability_least=nan, stability_most=nan,
        mass_constants_dictators=float(mass[used][special].sum()),
        uniform_functions_influence=n / 2, uniform_functions_stability=((1 + rho) / 2) ** n,
        uniform_classes_influence=(nan, nan), max_influence_used=float(lo.max()),
        max_influence_other=float(hi[~special].max()) if (~special).any() else nan, unresolved_mass=rest)


def _canonical_counts(n, w, c):
    """A key shared by (w, c) and its images under flipping a coordinate (c_i -> w - c_i),
    permuting coordinates and complementing f (w -> 2**n - w, c_i -> 2**(n-1) - c_i): each maps
    the functions of one class onto those of the other and keeps every total influence."""
    def norm(w, c):
        return w, tuple(sorted(min(ci, w - ci) for ci in c))
    return min(norm(w, c), norm((1 << n) - w, [(1 << (n - 1)) - ci for ci in c]))


def _influence_range(n, w, c):
    """(least, most) total influence over f: {0,1}^n -> {0,1} with w ones, c[i] of them with
    x_i = 1: the integer programs of :func:`law_sensitivity`'s Notes (HiGHS, zero gap), each
    optimum's table re-checked exactly."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    N = 1 << n
    x = np.arange(N)
    u = np.array([v for i in range(n) for v in range(N) if not (v >> i) & 1])
    v = np.array([a | (1 << i) for i in range(n) for a in range(N) if not (a >> i) & 1])
    E = u.size
    A_eq = np.zeros((n + 1, N + E))
    A_eq[0, :N] = 1
    for i in range(n):
        A_eq[i + 1, :N] = (x >> i) & 1
    eq = LinearConstraint(A_eq, [w] + list(c), [w] + list(c))
    D = np.zeros((E, N))
    D[np.arange(E), u], D[np.arange(E), v] = 1.0, -1.0               # f_u - f_v
    I = np.eye(E)
    S = np.abs(D)                                                  # f_u + f_v
    cuts = {"min": [LinearConstraint(np.hstack([D, -I]), -np.inf, 0), LinearConstraint(np.hstack([-D, -I]), -np.inf, 0)],
            "max": [LinearConstraint(np.hstack([-S, I]), -np.inf, 0), LinearConstraint(np.hstack([S, I]), -np.inf, 2)]}
    out = []
    for sense, sign in (("min", 1.0), ("max", -1.0)):
        res = milp(sign * np.r_[np.zeros(N), np.ones(E)], constraints=[eq] + cuts[sense],
                   integrality=np.r_[np.ones(N), np.zeros(E)], bounds=Bounds(0, 1),
                   options={"mip_rel_gap": 0.0})
        if res.status != 0:
            raise RuntimeError(f"the integer program for (w, c) = ({w}, {c}) did not solve: {res.message}")
        f = np.round(res.x[:N]).astype(np.int64)
        cut = int((f[u] != f[v]).sum())
        ok = f.sum() == w and all(int(f[(x >> i) & 1 == 1].sum()) == c[i] for i in range(n))
        if not ok or abs(cut - sign * res.fun) > 1e-6:
            raise RuntimeError(f"the integer program for (w, c) = ({w}, {c}) returned an inconsistent table")
        out.append(cut / (N // 2))
    return out[0], out[1]
