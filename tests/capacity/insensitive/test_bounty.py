"""law_sensitivity against brute force over the class members (n <= 4)."""
import itertools

import numpy as np
import pytest

from capacity.insensitive import (equivalence_classes, family_capacity, insensitive_capacity, law_sensitivity,
                                  threshold_family)


def _influence(F, n):
    """Total influence of f(x) = bit x of F, by the definition (loops over x and i)."""
    f = [(F >> x) & 1 for x in range(1 << n)]
    return sum(f[x] != f[x ^ (1 << i)] for x in range(1 << n) for i in range(n)) / (1 << n)


def _stability(F, n, rho):
    """Stab_rho by the definition: sum over (x, y) of P(x) P(y | x) g(x) g(y)."""
    g = [1 - 2 * ((F >> x) & 1) for x in range(1 << n)]
    tot = 0.0
    for x, y in itertools.product(range(1 << n), repeat=2):
        d = bin(x ^ y).count("1")
        tot += g[x] * g[y] * ((1 - rho) / 2) ** d * ((1 + rho) / 2) ** (n - d) / (1 << n)
    return tot


@pytest.mark.parametrize("n,s,m", [(2, 1, 4), (2, 1, 6), (3, 1, 6), (3, 2, 4)])
def test_against_brute_force_over_class_members(n, s, m):
    r = insensitive_capacity(n, s, m)
    ls = law_sensitivity(r)
    ec = equivalence_classes(n, s)
    rho = s / n
    lo = hi = slo = shi = special = 0.0
    insens = {"0", "1"} | {f"x{i}" for i in range(n)} | {f"~x{i}" for i in range(n)}
    for k in np.flatnonzero(r.class_mass > 0):
        members = ec.members(k)
        infl = [_influence(int(F), n) for F in members]
        stab = [_stability(int(F), n, rho) for F in members] if r.class_mass[k] > 1e-9 else [0.0]
        lo += r.class_mass[k] * min(infl)
        hi += r.class_mass[k] * max(infl)
        slo += r.class_mass[k] * max(stab)
        shi += r.class_mass[k] * min(stab)
        if set(ec.names[k].split(" = ")) & insens:
            special += r.class_mass[k]
    # influences: the same products of exact dyadic values in another order (1e-12 rounding);
    # stability: classes of mass <= 1e-9 were skipped above and |Stab| <= 1, so at most
    # 256 classes * 1e-9 < 1e-6 is missing from the brute-force sums
    assert ls.influence_least == pytest.approx(lo, abs=1e-12)
    assert ls.influence_most == pytest.approx(hi, abs=1e-12)
    assert ls.stability_least == pytest.approx(slo, abs=1e-6)
    assert ls.stability_most == pytest.approx(shi, abs=1e-6)
    assert ls.mass_constants_dictators == pytest.approx(special, abs=1e-12)
    assert ls.uniform_functions_influence == n / 2
    # the uniform law on functions: E Stab_rho = ((1 + rho) / 2)**n, checked by brute force
    mean_stab = np.mean([_stability(F, n, rho) for F in range(1 << (1 << n))]) if n <= 2 else None
    if mean_stab is not None:
        assert ls.uniform_functions_stability == pytest.approx(mean_stab, abs=1e-12)


def test_family_result_and_the_and_of_three():
    # (3, 1, 6): the law leaves the constants and dictators for the AND/OR orbit; a 3-bit AND
    # has total influence 3/4 < 1 = a dictator's, so leaving them is not a move to sensitivity
    ls = law_sensitivity(insensitive_capacity(3, 1, 6))
    assert 0 < 1 - ls.mass_constants_dictators
    assert ls.max_influence_used == 1.0 and ls.influence_most < 1.0
    fam = threshold_family(5)
    r = family_capacity(fam, 5, 2, 3)
    lf = law_sensitivity(r)
    infl = fam.total_influence()
    assert lf.influence_least == pytest.approx(float(r.member_mass @ infl), abs=1e-12)  # groups are singletons


def test_bad_input():
    with pytest.raises(TypeError, match="`result` must be"):
        law_sensitivity(1.0)
    with pytest.raises(ValueError, match="`rho` must be"):
        law_sensitivity(insensitive_capacity(2, 1, 1), rho=2.0)
    with pytest.raises(ValueError, match="`result` must come from n <= 4"):
        law_sensitivity(insensitive_capacity(5, 0, 1))


def _class_ranges_brute_force(n):
    """{(w, c): (least, most) total influence} over all 2**(2**n) functions, from the definition."""
    from boolean import total_influence
    from capacity.insensitive.classes import all_truth_tables

    T = all_truth_tables(n)
    x = np.arange(1 << n)
    key = np.c_[T.sum(1), np.stack([T[:, (x >> i) & 1 == 1].sum(1) for i in range(n)], 1)]
    infl = np.asarray(total_influence(T), dtype=np.float64)
    out = {}
    for k, v in zip(map(tuple, key.tolist()), infl.tolist()):
        lo, hi = out.get(k, (np.inf, -np.inf))
        out[k] = (min(lo, v), max(hi, v))
    return out


@pytest.mark.parametrize("n, n_classes", [(3, None), (4, 12)])
def test_influence_range_against_brute_force(n, n_classes):
    # the integer programs' least and most total influence of the functions with w ones, c_i of
    # them with x_i = 1, equal the brute-force extremes over all functions (every class at n = 3,
    # 12 seeded ones at n = 4; each program is solved to a zero gap, influences are multiples of 2**-(n-1))
    import capacity.insensitive.bounty as bounty

    ref = _class_ranges_brute_force(n)
    keys = sorted(ref)
    if n_classes:
        keys = [keys[i] for i in np.random.default_rng(0).choice(len(keys), n_classes, replace=False)]
    for k in keys:
        assert bounty._influence_range(n, k[0], list(k[1:])) == ref[k]


def test_canonical_counts_keep_the_influence_range():
    # classes with one canonical key have the same (least, most) total influence (brute force, n = 4)
    import capacity.insensitive.bounty as bounty

    ref = _class_ranges_brute_force(4)
    by_key = {}
    for k, r in ref.items():
        by_key.setdefault(bounty._canonical_counts(4, k[0], list(k[1:])), set()).add(r)
    assert all(len(v) == 1 for v in by_key.values()) and len(by_key) < len(ref)


@pytest.mark.slow
def test_n5_s1_law_sensitivity():
    # n = 5, s = 1, m = 2: the classes used carry all but unresolved_mass; each used class's range
    # brackets its members' influences, so least <= most, and constants and dictators (I = 0, 1)
    # bound the mean from below by 0; the class of a dictator holds only dictators (I = 1 exactly)
    r = insensitive_capacity(5, 1, 2)
    ls = law_sensitivity(r)
    assert 0.0 <= ls.influence_least <= ls.influence_most <= 5.0
    assert 0.0 <= ls.unresolved_mass <= 1e-6 * r.n_classes
    import capacity.insensitive.bounty as bounty
    assert bounty._influence_range(5, 16, [16, 8, 8, 8, 8]) == (1.0, 1.0)   # x_0 only: w = 16, c_0 = 16
