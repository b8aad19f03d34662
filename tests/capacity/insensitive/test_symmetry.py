"""Symmetry folding: the group preserves the channel, orbits partition, the folded identity holds."""
import math

import numpy as np
import pytest

import capacity
from capacity.insensitive import channel_matrix, folded_channel, symmetry_generators
from capacity.insensitive.model import channel_cells, channel_classes, table_rounding
from capacity.insensitive.symmetry import cell_permutation

VARIANTS = [(2, 1, 2, "random", None, 0.5), (3, 1, 2, "random", None, 0.5), (3, 2, 2, "random", None, 0.5),
            (3, 1, 3, "fixed", (1,), 0.5), (3, 2, 2, "fixed", (0, 2), 0.5), (3, 1, 2, "random", None, 0.3),
            (2, 2, 2, "random", None, 0.5), (3, 0, 3, "random", None, 0.5)]


def type_index(types):
    return {t.tobytes(): k for k, t in enumerate(types)}


@pytest.mark.parametrize("n,s,m,visible,S0,p", VARIANTS)
def test_every_generator_preserves_the_channel(n, s, m, visible, S0, p):
    """W(t | f o sigma) = W(sigma_cells(t) | f) for every generator, row by row (brute lookup)."""
    ch = channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p)
    cls = channel_classes(n, s, visible, ch.S0, p)
    member = channel_cells(n, s, ch.S0, p).member
    idx = type_index(ch.types)
    weights = 1 << np.arange(2 ** n)
    for sigma, comp in symmetry_generators(n, s, visible=visible, S0=S0, p_bias=p):
        # the generator maps each cell's subcube onto a subcube
        for c in range(member.shape[0]):
            image = set(sigma[np.flatnonzero(member[c])].tolist())
            assert any(image == set(np.flatnonzero(member[d]).tolist()) for d in range(member.shape[0]))
        cperm = cell_permutation(sigma, member)
        t_img = np.empty(ch.shape[1], dtype=np.int64)
        for t, typ in enumerate(ch.types):
            new = np.zeros_like(typ)
            new[cperm] = typ
            if comp:
                new[:, 1] = new[:, 0] - new[:, 1]
            t_img[t] = idx[new.tobytes()]
        for k in range(ch.shape[0]):
            g = ch.representatives[k][sigma]
            if comp:
                g = 1 - g
            k2 = int(cls.labels[int(g.astype(np.int64) @ weights)])
            np.testing.assert_allclose(ch.W[k2], ch.W[k, t_img], rtol=1e-12, atol=1e-300)  # same products


@pytest.mark.parametrize("n,s,m,visible,S0,p", VARIANTS)
def test_folded_identity_for_random_invariant_laws(n, s, m, visible, S0, p, rng):
    """For p uniform on each class-orbit: I(p; W) = sum_O p_O [D(V_O || pV) + b_O] and
    max_f D(W_f || pW) = max_O [D(V_O || pV) + b_O] (the folded certificate)."""
    ch = channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p)
    fc = folded_channel(n, s, m, visible=visible, S0=S0, p_bias=p)
    assert fc.n_classes == ch.shape[0] and fc.n_types == ch.shape[1]
    assert fc.class_orbit_sizes.sum() == ch.shape[0] and fc.type_orbit_sizes.sum() == ch.shape[1]
    np.testing.assert_allclose(fc.V.sum(axis=1), 1.0, atol=1e-12)
    assert (fc.bonus >= -1e-12).all()   # a KL divergence, up to float rounding
    for _ in range(3):
        p_orb = rng.dirichlet(np.ones(fc.shape[0]))
        p_cls = p_orb[fc.class_orbit] / fc.class_orbit_sizes[fc.class_orbit]
        Q = p_orb @ fc.V
        D = np.array([np.sum(v[v > 0] * np.log(v[v > 0] / Q[v > 0])) for v in fc.V]) + fc.bonus
        I_folded = float(p_orb @ D) / math.log(2)
        assert abs(capacity.mutual_information(p_cls, ch.W) - I_folded) <= 1e-12   # float sums
        out = p_cls @ ch.W
        D_unf = [capacity.kl_divergence(w, out) for w in ch.W]
        assert abs(max(D_unf) - D.max() / math.log(2)) <= 1e-12


def test_bonus_is_the_divergence_to_the_orbit_spread_row():
    n, s, m = 3, 1, 3
    ch = channel_matrix(n, s, m)
    fc = folded_channel(n, s, m)
    # type-orbits rebuilt here by a plain union-find over the generators' images of each column;
    # b_O must be D(W_O || W_O spread evenly over each type-orbit)
    idx = type_index(ch.types)
    member = channel_cells(n, s, None, 0.5).member
    images = []
    for sigma, comp in symmetry_generators(n, s):
        cperm = cell_permutation(sigma, member)
        img = []
        for typ in ch.types:
            new = np.zeros_like(typ)
            new[cperm] = typ
            if comp:
                new[:, 1] = new[:, 0] - new[:, 1]
            img.append(idx[new.tobytes()])
        images.append(img)
    label = list(range(ch.shape[1]))

    def find(a):
        while label[a] != a:
            a = label[a]
        return a

    for img in images:
        for t, u in enumerate(img):
            ra, rb = find(t), find(u)
            if ra != rb:
                label[max(ra, rb)] = min(ra, rb)
    orbit = np.array([find(t) for t in range(ch.shape[1])])
    sizes = np.bincount(orbit, minlength=ch.shape[1])
    assert sorted(sizes[sizes > 0].tolist()) == sorted(fc.type_orbit_sizes.tolist())
    for o, k in enumerate(fc.orbit_representatives):
        w = ch.W[k]
        V = np.bincount(orbit, weights=w, minlength=ch.shape[1])
        spread = V[orbit] / sizes[orbit]
        b = capacity.kl_divergence(w, spread) * math.log(2)
        assert abs(b - fc.bonus[o]) <= 1e-12


@pytest.mark.parametrize("n,s", [(2, 1), (3, 1), (3, 2), (4, 1)])
def test_class_orbits_are_unions_of_group_images(n, s):
    """Orbit sizes divide |G| = 2 n! 2^n and the constants 0, 1 share an orbit of size 2."""
    fc = folded_channel(n, s, 1)
    G = 2 * math.factorial(n) * 2 ** n
    assert all(G % int(k) == 0 for k in fc.class_orbit_sizes)
    ec = capacity.insensitive.equivalence_classes(n, s)
    zero, one = ec.labels[0], ec.labels[2 ** 2 ** n - 1]
    assert fc.class_orbit[zero] == fc.class_orbit[one]
    assert fc.class_orbit_sizes[fc.class_orbit[zero]] == 2


def test_p_biased_has_no_flips_and_fixed_keeps_S0():
    assert len(symmetry_generators(3, 1, p_bias=0.3)) == 2 + 1           # 2 transpositions + complement
    assert len(symmetry_generators(3, 1)) == 2 + 3 + 1
    gens = symmetry_generators(3, 1, visible="fixed", S0=(1,))         # swap (0 2) only, flips, complement
    assert len(gens) == 1 + 3 + 1
    sigma = gens[0][0]
    xs = np.arange(8)
    assert (((sigma >> 1) & 1) == ((xs >> 1) & 1)).all()              # bit 1 (S0) untouched


FOLD_CASES = VARIANTS + [(3, 1, 4, "random", None, 0.5), (3, 2, 3, "random", None, 0.5),
                         (4, 1, 3, "random", None, 0.5), (4, 2, 2, "random", None, 0.5),
                         (4, 3, 2, "random", None, 0.5), (4, 4, 2, "random", None, 0.5),
                         (4, 2, 3, "fixed", (1, 3), 0.5), (3, 2, 3, "random", None, 0.25),
                         pytest.param(5, 1, 2, "random", None, 0.5, marks=pytest.mark.slow),  # ~20 s: 936 545 classes
                         (5, 0, 4, "random", None, 0.5),
                         (5, 2, 2, "fixed", None, 0.5)]


@pytest.mark.parametrize("n,s,m,visible,S0,p", FOLD_CASES)
def test_orbit_route_equals_type_route(n, s, m, visible, S0, p):
    """The orbit-native fold (orbit representatives only) and the reference fold (every type
    listed, orbits labelled by propagation, W summed block by block) give the same folded
    channel: same orbits in the same order, V and bonus equal up to float summation order."""
    a = folded_channel(n, s, m, visible=visible, S0=S0, p_bias=p, method="orbits")
    b = folded_channel(n, s, m, visible=visible, S0=S0, p_bias=p, method="types")
    np.testing.assert_array_equal(a.type_orbit_sizes, b.type_orbit_sizes)
    np.testing.assert_array_equal(a.class_orbit, b.class_orbit)
    assert (a.n_classes, a.n_types) == (b.n_classes, b.n_types)
    # entries are probabilities (<= 1) summed over <= 10**4 terms in another order: 1e-13 absolute;
    # the bonus is a sum of O(10) nats: 1e-12
    np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-13)
    np.testing.assert_allclose(a.bonus, b.bonus, rtol=0, atol=1e-12)
    assert int(a.type_orbit_sizes.sum()) == math.comb(2 * len(channel_cells(n, s, a_S0(visible, S0, s), p).cells) + m - 1, m)


def a_S0(visible, S0, s):
    return None if visible == "random" else (tuple(range(s)) if S0 is None else tuple(sorted(S0)))


def test_backend_is_accepted_and_the_fold_stays_on_the_cpu():
    """backend/device are validated only: the fold is built by the same CPU kernels."""
    a = folded_channel(3, 2, 3)
    b = folded_channel(3, 2, 3, backend="torch", device="cpu")
    np.testing.assert_array_equal(b.V, a.V)
    np.testing.assert_array_equal(b.bonus, a.bonus)
    assert isinstance(b.V, np.ndarray)


BAD = [
    (dict(n=2, s=3), ValueError, r"`s` must be an integer in \[0, 2\]"),
    (dict(n=5, s=2), ValueError, r"no exact route covers `n` = 5"),
    (dict(n=2, s=1, p_bias=0.0), ValueError, r"`p_bias`"),
    (dict(n=2, s=1, visible="x"), ValueError, r"`visible` must be one of"),
]


@pytest.mark.parametrize("kwargs,exc,match", BAD)
def test_bad_input_generators(kwargs, exc, match):
    kw = dict(kwargs)
    with pytest.raises(exc, match=match):
        symmetry_generators(kw.pop("n"), kw.pop("s"), **kw)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(n=2, s=1, m=0), ValueError, r"`m` must be an integer in \[1, 64\]"),
    (dict(n=2, s=3, m=1), ValueError, r"`s` must be an integer in \[0, 2\]"),
    (dict(n=2, s=1, m=1.5), TypeError, r"`m` must be an integer"),
    (dict(n=4, s=3, m=6, max_bytes=2 ** 20), ValueError, r"folded_channel\(n=4, s=3, m=6\).*> max_bytes=1.0 MiB"),
    (dict(n=2, s=1, m=1, backend="jax"), ValueError, r"`backend` must be one of"),
    (dict(n=2, s=1, m=1, method="fast"), ValueError, r"`method` must be one of \('auto', 'orbits', 'types', "
                                                          r"'representatives'\); got 'fast'"),
    (dict(n=2, s=1, m=1, method=1), ValueError, r"`method` must be one of"),
    (dict(n=4, s=2, m=6, method="types", max_bytes=2 ** 20), ValueError,
     r"folded_channel\(n=4, s=2, m=6\) with 22957480 types.*> max_bytes=1.0 MiB"),
    (dict(n=4, s=2, m=6, method="orbits", max_bytes=2 ** 20), ValueError,
     r"folded_channel\(n=4, s=2, m=6\) orbit route: 214 class-orbits x 35394 type-orbits.*> max_bytes=1.0 MiB"),
    (dict(n=2, s=1, m=1, device="cuda:99"), ValueError, r"`device`"),
    (dict(n=2, s=1, m=1, p_bias=1.0), ValueError, r"`p_bias` must be a finite number in \(0.0, 1.0\)"),
    (dict(n=5, s=2, m=1, method="orbits"), ValueError, r"`method` must be 'auto' or 'representatives' for n = 5"),
    (dict(n=5, s=1, m=1, p_bias=0.3), ValueError, r"no exact route covers `n` = 5"),
    (dict(n=2, s=1, m=65), ValueError, r"`m` must be an integer in \[1, 64\]"),
    (dict(n=2, s=1, m=1, visible="fixed", S0=(0, 1)), ValueError, r"`S0` must have exactly s = 1"),
])
def test_bad_input_folded(kwargs, exc, match):
    kw = dict(kwargs)
    with pytest.raises(exc, match=match):
        folded_channel(kw.pop("n"), kw.pop("s"), kw.pop("m"), **kw)


@pytest.mark.parametrize("n", [2, 3, 4, pytest.param(5, marks=pytest.mark.slow)])   # n = 5: ~10 s
def test_s1_vector_orbits_equal_the_generator_orbits(n):
    """The closed canonical form of s = 1 count-vector classes gives exactly the orbits found by
    label propagation along the generators' images (the generic route), numbered alike."""
    from capacity.insensitive.model import channel_cells, count_keys, count_vectors
    from capacity.insensitive.symmetry import (cell_permutation, channel_generators, orbit_labels,
                                               s1_vector_orbits)

    counts = count_vectors(n, 1, "random", None)
    cells = channel_cells(n, 1, None, 0.5)
    size = 1 << (n - 1)
    keys = count_keys(counts, size)
    order = np.argsort(keys)
    counts, keys = counts[order], keys[order]
    images = []
    for sigma, comp in channel_generators(n, None, 0.5):
        img = counts[:, cell_permutation(sigma, cells.member)]
        if comp:
            img = size - img
        images.append(np.searchsorted(keys, count_keys(img, size)))
    want, want_sizes = orbit_labels(images, counts.shape[0])
    got, got_sizes = s1_vector_orbits(counts, cells, n)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_sizes, want_sizes)


def _components_by_union_find(maps, size):
    """Reference: union-find over the edges t -- g(t), labels numbered by first element."""
    parent = list(range(size))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for g in maps:
        for t, u in enumerate(g):
            parent[find(t)] = find(int(u))
    roots, labels = {}, []
    for t in range(size):
        labels.append(roots.setdefault(find(t), len(roots)))
    return labels


@pytest.mark.parametrize("seed", range(20))
def test_orbit_labels_equal_union_find_for_any_maps(seed):
    """orbit_labels joins t and g(t) for every map, permutations or not (a map that sends two
    points to one joins them too), numbering orbits by first element; sizes count the members.
    Small sizes keep several components, where label propagation by assignment (``new[img] = ...``
    keeps one of the repeated writes) split some of them."""
    from capacity.insensitive.symmetry import orbit_labels

    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 13))
    maps = [rng.permutation(size) for _ in range(int(rng.integers(0, 2)))]
    maps += [rng.integers(0, size, size) for _ in range(int(rng.integers(1, 3)))]   # repeated indices
    labels, sizes = orbit_labels(maps, size)
    assert labels.tolist() == _components_by_union_find(maps, size)
    np.testing.assert_array_equal(sizes, np.bincount(labels))


def test_orbit_labels_take_a_generator_and_refuse_maps_out_of_range():
    from capacity.insensitive.symmetry import orbit_labels

    maps = [np.array([1, 0, 2, 3]), np.array([0, 1, 3, 2])]
    labels, sizes = orbit_labels(iter(maps), 4)
    assert labels.tolist() == [0, 0, 1, 1] and sizes.tolist() == [2, 2]
    assert orbit_labels([], 3)[0].tolist() == [0, 1, 2]
    for bad in (np.array([0, 1, 4, 2]), np.array([0, -1, 2, 3]), np.array([0, 1, 2])):
        with pytest.raises(ValueError, match="range\\(4\\)"):
            orbit_labels([bad], 4)


@pytest.mark.parametrize("n,s,m", [(2, 1, 1), (2, 1, 3), (3, 1, 2), (3, 2, 2), (3, 3, 1), (3, 3, 2), (3, 1, 3),
                                   (2, 2, 4), pytest.param(4, 3, 1, marks=pytest.mark.slow)])
def test_folded_bounds_hold_for_the_exact_channel(n, s, m):
    # the orbit route bounds its own rounding (orbit_rounding); with it, insensitive_capacity's
    # bracket holds for the exact unfolded channel, which the atlas rebuilds from rationals and
    # evaluates in ball arithmetic at the returned class law. Without it, (2, 1, 1), (3, 1, 2),
    # (3, 3, 1) and (4, 3, 1) miss on one side by 2e-16 to 6e-16.
    pytest.importorskip("flint")
    from capacity.atlas._verify import _arb_bounds
    from capacity.insensitive import insensitive_capacity

    r = insensitive_capacity(n, s, m, tol=1e-10)  # tight, so that the bounds' rounding would show
    assert folded_channel(n, s, m).rounding is not None
    lo, up, why = _arb_bounds(r.class_mass, channel_matrix(n, s, m))  # rounded outward: lo <= F, max D <= up
    assert lo is not None, why
    assert r.lower <= lo and up <= r.upper and r.gap <= 1e-10


def test_fold_rounding_is_none_where_it_is_not_bounded():
    for p in (0.5, 0.3):
        entry_rel, bonus_err = folded_channel(2, 1, 2, p_bias=p).rounding
        assert 0 < entry_rel < 1e-13 and bonus_err.shape == (4 if p == 0.5 else 6,) and (bonus_err > 0).all()
    assert table_rounding(2, 1, "random", None, 1e-300) is None        # products could underflow


@pytest.mark.parametrize("n,s,m,p", [(2, 1, 3, 0.3), (3, 1, 2, 0.123456789), (3, 3, 1, 0.7), (2, 2, 3, 1 / 3)])
@pytest.mark.parametrize("symmetry", [True, False])
def test_p_biased_bounds_hold_for_the_exact_channel(n, s, m, p, symmetry):
    # p-biased bits: the class table's rounding (table_rounding) enters the fold's and the channel's
    # bounds, so the bracket holds for the exact channel at the float p (ball arithmetic, as above)
    pytest.importorskip("flint")
    from capacity.atlas._verify import _arb_bounds
    from capacity.insensitive import insensitive_capacity

    r = insensitive_capacity(n, s, m, tol=1e-10, p_bias=p, symmetry=symmetry)
    lo, up, why = _arb_bounds(r.class_mass, channel_matrix(n, s, m, p_bias=p))
    assert lo is not None, why
    assert r.lower <= lo and up <= r.upper and r.gap <= 1e-10


@pytest.mark.parametrize("n,s,m,p", [(2, 1, 3, 0.5), (3, 3, 1, 0.5), (3, 1, 2, 0.3)])
def test_torch_fold_bounds_hold_for_the_exact_channel(n, s, m, p):
    # backend="torch" solves the folded problem with blahut_arimoto, passing the fold's error bounds
    # (entry_rel, bonus_err) to it: the bracket holds for the exact channel (ball arithmetic)
    pytest.importorskip("torch")
    pytest.importorskip("flint")
    from capacity.atlas._verify import _arb_bounds
    from capacity.insensitive import insensitive_capacity

    r = insensitive_capacity(n, s, m, tol=1e-10, p_bias=p, backend="torch")
    lo, up, why = _arb_bounds(np.asarray(r.class_mass, dtype=np.float64), channel_matrix(n, s, m, p_bias=p))
    assert lo is not None, why
    assert r.lower <= lo and up <= r.upper and r.gap <= 1e-10


@pytest.mark.parametrize("n,s,m,p", [(2, 1, 1, 0.5), (3, 2, 2, 0.5), (2, 1, 3, 0.3), (3, 3, 1, 0.3)])
def test_types_fold_bounds_hold_for_the_exact_channel(n, s, m, p):
    # method="types" bounds its own rounding (types_rounding): solved with those bounds, the folded
    # bracket holds for the exact unfolded channel at the unfolded law (ball arithmetic); without
    # them, (2, 1, 1) and (3, 2, 2) at p = 1/2 miss on one side by 2e-16 to 9e-16
    pytest.importorskip("flint")
    from capacity import blahut_arimoto
    from capacity.atlas._verify import _arb_bounds
    from capacity.insensitive.solve import _bonus_bits

    fc = folded_channel(n, s, m, method="types", p_bias=p)
    entry_rel, bonus_err = fc.rounding
    assert 0 < entry_rel < 1e-12 and (bonus_err > 0).all()
    keep = fc.V.max(axis=0) > 0
    r = blahut_arimoto(fc.V[:, keep], tol=1e-12, entry_rel=entry_rel, **_bonus_bits(fc.bonus, bonus_err))
    law = np.asarray(r.p)[fc.class_orbit] / fc.class_orbit_sizes[fc.class_orbit]
    lo, up, why = _arb_bounds(law, channel_matrix(n, s, m, p_bias=p))
    assert lo is not None, why
    assert r.lower <= lo and up <= r.upper and r.gap <= 1e-11


@pytest.mark.parametrize("n,s,m", [(2, 1, 3), (3, 1, 2), (3, 2, 2), (3, 3, 1)])
def test_representatives_fold_rounding_contains_the_exact_fold(n, s, m):
    # method="representatives" with its rounding bound (orbit_rounding with v_terms): every entry of
    # V and every bonus against the exact fold of the same representatives, rebuilt from rationals
    # in ball arithmetic (W = coef prod r over every type, V and sum W ln W + sum V ln(|T| / V))
    flint = pytest.importorskip("flint")
    from capacity.insensitive.model import type_list
    from capacity.insensitive.symmetry import symbol_generators, type_orbits

    fc = folded_channel(n, s, m, method="representatives")
    entry_rel, bonus_err = fc.rounding
    assert 0 < entry_rel < 1e-13 and (bonus_err > 0).all()
    K, size = math.comb(n, s) << s, 1 << (n - s)
    member = channel_cells(n, s, None, 0.5).member
    sym, _ = type_list(2 * K, m)
    _, _, type_orbit, orbit_sizes = type_orbits(symbol_generators(n, s, None, 0.5), 2 * K, m)
    coef = [math.factorial(m) // math.prod(math.factorial(row.count(v)) for v in set(row)) for row in sym.tolist()]
    old = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        for o, F in enumerate(np.asarray(fc.orbit_functions).tolist()):
            f = [(F >> x) & 1 for x in range(1 << n)]
            r = []
            for c in range(K):
                ones = sum(f[x] for x in np.flatnonzero(member[c]).tolist())
                r += [flint.fmpq(size - ones, K * size), flint.fmpq(ones, K * size)]
            V = [flint.arb(0)] * orbit_sizes.size
            Ws = flint.arb(0)
            for t, row in enumerate(sym.tolist()):
                w = flint.fmpq(coef[t])
                for i in row:
                    w *= r[i]
                if w != 0:
                    V[type_orbit[t]] += flint.arb(w)
                    Ws += flint.arb(w) * flint.arb(w).log()
            b = Ws + sum((v * (flint.arb(int(orbit_sizes[T])) / v).log() for T, v in enumerate(V) if v != 0),
                         flint.arb(0))
            for T, v in enumerate(V):
                assert abs(flint.arb(float(fc.V[o, T])) - v).upper() <= flint.arb(entry_rel) * v.lower()
            assert abs(flint.arb(float(fc.bonus[o])) - b).upper() <= flint.arb(float(bonus_err[o]))
    finally:
        flint.ctx.prec = old


def _exact_table(n, s, visible, S0, p):
    """Exact q, q0 (every function, every cell) and pi at p (a Fraction), from the definition."""
    from fractions import Fraction
    from itertools import combinations

    subsets = [S0] if S0 is not None else list(combinations(range(n), s))
    P = [1 for _ in range(1 << n)]
    for x in range(1 << n):
        for i in range(n):
            P[x] *= p if (x >> i) & 1 else 1 - p
    cells = [[x for x in range(1 << n) if all(((x >> i) & 1) == ((a >> j) & 1) for j, i in enumerate(S))]
             for S in subsets for a in range(1 << len(S))]
    pi = [Fraction(1, len(subsets)) * sum(P[x] for x in c) for c in cells]
    q = [[sum(P[x] for x in c if (f >> x) & 1) / sum(P[x] for x in c) for c in cells] for f in range(1 << (1 << n))]
    return q, pi


@pytest.mark.parametrize("n,s,visible,S0,p", [(2, 1, "random", None, 0.3), (3, 1, "random", None, 0.3),
                                              (3, 2, "random", None, 0.123456789), (3, 1, "fixed", (0,), 0.7),
                                              (2, 2, "random", None, 1 / 3), (3, 3, "random", None, 0.01),
                                              (2, 0, "random", None, 0.999)])
def test_table_rounding_contains_every_functions_exact_table(n, s, visible, S0, p):
    # the class table's q, q0 and the cells' pi against every function's exact values at the float
    # p and at the fraction it stands for (rationals): each within the stated relative bound
    from fractions import Fraction

    from capacity.insensitive.model import as_simple_fraction

    eps_q, eps_pi = table_rounding(n, s, visible, S0, p)
    assert 0 < eps_q < 1e-13 and 0 < eps_pi < 1e-14
    cls, cells = channel_classes(n, s, visible, S0, p), channel_cells(n, s, S0, p)
    for star in {Fraction(p), as_simple_fraction(p) or Fraction(p)}:
        q, pi = _exact_table(n, s, visible, S0, star)
        for c, v in enumerate(pi):
            assert abs(Fraction(float(cells.pi[c])) - v) <= Fraction(eps_pi) * v
        for f, label in enumerate(np.asarray(cls.labels).tolist()):
            for c, exact in enumerate(q[f]):
                for got, want in ((cls.q[label, c], exact), (cls.q0[label, c], 1 - exact)):
                    assert abs(Fraction(float(got)) - want) <= Fraction(eps_q) * want, (f, c)


@pytest.mark.parametrize("n,s,m", [(2, 1, 1), (2, 1, 3), (3, 1, 2), (3, 3, 1), (3, 2, 2), (2, 2, 3), (3, 0, 4)])
def test_unfolded_bounds_hold_for_the_exact_channel(n, s, m):
    # symmetry=False: the channel's entries carry channel_rounding's bound, so the bracket holds
    # for the exact channel at the returned law (the atlas's ball arithmetic, as above); without
    # it the upper bound of (3, 0, 4) lands 2e-16 below the exact one
    pytest.importorskip("flint")
    from capacity.atlas._verify import _arb_bounds
    from capacity.insensitive import insensitive_capacity
    from capacity.insensitive.channel import channel_rounding

    ch = channel_matrix(n, s, m)
    assert 0 < channel_rounding(ch) < 1e-14
    r = insensitive_capacity(n, s, m, tol=1e-10, symmetry=False)
    lo, up, why = _arb_bounds(r.class_mass, ch)
    assert lo is not None, why
    assert r.lower <= lo and up <= r.upper and r.gap <= 1e-10
    assert 0 < channel_rounding(channel_matrix(2, 1, 2, p_bias=0.3)) < 1e-13
