"""The query-complexity measures, the F2 normal form, the Walsh counts, p-biased analysis and
juntas, against brute force written from the definitions and against known values."""
import functools
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

import boolean as B

# ----------------------------------------------------------------------------- brute force


def s_ref(f, n):
    return max(sum(f[x] != f[x ^ (1 << i)] for i in range(n)) for x in range(1 << n))


def bs_x_ref(f, n, x):
    """Most disjoint sensitive blocks, by exhaustive search over ALL sensitive blocks (not only
    the minimal ones the kernel packs)."""
    sens = [b for b in range(1, 1 << n) if f[x ^ b] != f[x]]

    @functools.lru_cache(None)
    def best(avail):
        return max([1 + best(avail & ~b) for b in sens if b & avail == b] + [0])

    return best((1 << n) - 1)


def c_x_ref(f, n, x):
    """Smallest S with f constant on {y : y_S = x_S}, by trying every S by size."""
    N = 1 << n
    for size in range(n + 1):
        for S in itertools.combinations(range(n), size):
            m = sum(1 << i for i in S)
            if all(f[y] == f[x] for y in range(N) if (y ^ x) & m == 0):
                return size
    raise AssertionError


def d_ref(f, n):
    """Optimal decision-tree depth by recursion over partial assignments (dict-free: a tuple)."""
    @functools.lru_cache(None)
    def depth(fixed):
        ys = [y for y in range(1 << n) if all(v is None or (y >> i) & 1 == v for i, v in enumerate(fixed))]
        if len({f[y] for y in ys}) == 1:
            return 0
        return min(1 + max(depth(fixed[:i] + (b,) + fixed[i + 1:]) for b in (0, 1))
                   for i in range(n) if fixed[i] is None)

    return depth((None,) * n)


def anf_ref(f, n):
    return [sum(f[x] for x in range(1 << n) if x & S == x) % 2 for S in range(1 << n)]


def nl_ref(f, n):
    """Distance to the nearest affine function <T, x> + b, by enumerating all of them."""
    N = 1 << n
    return min(sum(f[x] != (bin(T & x).count("1") + b) % 2 for x in range(N)) for T in range(N) for b in (0, 1))


def junta_ref(f, n, k):
    """Fewest disagreements with any function of any k variables (enumerating the functions)."""
    best = None
    for J in itertools.combinations(range(n), k):
        for h in range(1 << (1 << k)):
            d = sum(f[x] != (h >> sum(((x >> v) & 1) << j for j, v in enumerate(J))) & 1 for x in range(1 << n))
            best = d if best is None else min(best, d)
    return best


def all_functions(n):
    N = 1 << n
    return ((np.arange(1 << N)[:, None] >> np.arange(N)) & 1).astype(np.uint8)


def address(k):
    """Addressing function: k address bits select one of 2**k data bits; n = k + 2**k."""
    n = k + (1 << k)
    x = np.arange(1 << n)
    return ((x >> (k + (x & ((1 << k) - 1)))) & 1).astype(np.uint8), n


def rubinstein(k, blocks):
    """OR over blocks of size k (k even) of g(block) = 1 iff the block is 0..0 11 0..0 with the
    ones at positions (2j, 2j+1): bs >= k·blocks/2 > s = k (Rubinstein 1995)."""
    n = k * blocks
    x = np.arange(1 << n)
    valid = [3 << (2 * j) for j in range(k // 2)]
    out = np.zeros(1 << n, dtype=np.uint8)
    for b in range(blocks):
        blk = (x >> (b * k)) & ((1 << k) - 1)
        out |= np.isin(blk, valid).astype(np.uint8)
    return out, n


# ----------------------------------------------------------------------------- against brute force


@pytest.mark.parametrize("n", [1, 2, 3])
def test_measures_match_brute_force_on_every_function(n):
    fs = all_functions(n)
    s, bs, c = B.sensitivity(fs), B.block_sensitivity(fs), B.certificate_complexity(fs)
    d, a, deg2 = B.decision_tree_depth(fs), B.anf(fs), B.f2_degree(fs)
    c0, c1 = B.certificate_complexity(fs, value=0), B.certificate_complexity(fs, value=1)
    nl = B.nonlinearity(fs)
    for r, f in enumerate(fs.tolist()):
        assert s[r] == s_ref(f, n)
        assert bs[r] == max(bs_x_ref(f, n, x) for x in range(1 << n))
        cx = [c_x_ref(f, n, x) for x in range(1 << n)]
        assert c[r] == max(cx)
        assert c0[r] == max([cx[x] for x in range(1 << n) if f[x] == 0] + [0])
        assert c1[r] == max([cx[x] for x in range(1 << n) if f[x] == 1] + [0])
        assert d[r] == d_ref(f, n)
        ar = anf_ref(f, n)
        assert a[r].tolist() == ar
        assert deg2[r] == max([bin(S).count("1") for S in range(1 << n) if ar[S]] + [0])
        assert nl[r] == nl_ref(f, n)


@pytest.mark.parametrize("n, count", [(4, 40), (5, 12), (6, 4)])
def test_measures_match_brute_force_on_random_functions(n, count, rng):
    fs = rng.integers(0, 2, (count, 1 << n)).astype(np.uint8)
    s_in = B.sensitivity(fs, per_input=True)
    bs_in = B.block_sensitivity(fs, per_input=True)
    c_in = B.certificate_complexity(fs, per_input=True)
    d = B.decision_tree_depth(fs)
    for r, f in enumerate(fs.tolist()):
        for x in range(1 << n):
            assert s_in[r, x] == sum(f[x] != f[x ^ (1 << i)] for i in range(n))
            assert bs_in[r, x] == bs_x_ref(f, n, x)
            assert c_in[r, x] == c_x_ref(f, n, x)
        if n <= 5:
            assert d[r] == d_ref(f, n)
        assert B.anf(fs[r]).tolist() == anf_ref(f, n)
        assert B.nonlinearity(fs[r]) == nl_ref(f, n)


@pytest.mark.parametrize("n", [8, 10])
def test_batch_equals_rows_and_sensitivity_matches_numpy(n, rng):
    # a second, vectorised definition of s(f, x) and the row-by-row values of the batch
    fs = rng.integers(0, 2, (3, 1 << n)).astype(np.uint8)
    x = np.arange(1 << n)
    want = sum((fs != fs[:, x ^ (1 << i)]).astype(int) for i in range(n))
    np.testing.assert_array_equal(B.sensitivity(fs, per_input=True), want)
    for fn in (B.sensitivity, B.block_sensitivity, B.certificate_complexity, B.decision_tree_depth,
               B.f2_degree, B.fourier_sparsity, B.nonlinearity):
        got = fn(fs)
        assert got.dtype == np.int64 and [fn(f) for f in fs] == got.tolist()


def test_anf_is_an_involution_and_evaluates_to_f(rng):
    f = rng.integers(0, 2, (2, 1 << 11)).astype(np.uint8)
    a = B.anf(f)
    np.testing.assert_array_equal(B.anf(a), f)
    x = rng.integers(0, 1 << 11, 50)
    for r in range(2):
        monos = np.flatnonzero(a[r])
        for xi in x:  # f(x) = XOR of a(S) over S ⊆ x
            assert f[r, xi] == np.bitwise_xor.reduce((monos & xi) == monos)


def test_fourier_sparsity_and_bent_against_definitions(rng):
    f = rng.integers(0, 2, (5, 64)).astype(np.uint8)
    c = B.fourier_coefficients(f, exact=True)
    assert B.fourier_sparsity(f).tolist() == np.count_nonzero(c, axis=1).tolist()
    ip = np.array([((x & 7) & (x >> 3)).bit_count() % 2 for x in range(64)], dtype=np.uint8)  # <x, y>, n = 6
    assert B.is_bent(ip) and B.nonlinearity(ip) == 2**5 - 2**2
    assert not B.is_bent(B.majority(5)) and not B.is_bent(B.parity(6))
    fs = all_functions(4)
    nl, bent = B.nonlinearity(fs), B.is_bent(fs)
    assert (nl == 6).sum() == 896  # the bent functions of 4 variables (NL = 2^3 - 2^1; Rothaus)
    np.testing.assert_array_equal(bent, nl == 6)


# ----------------------------------------------------------------------------- known values


@pytest.mark.parametrize("n", [1, 4, 9])
def test_parity_and_and_or(n):
    for f, c0, c1 in ((B.parity(n), n, n), (B.and_(n), 1, n), (B.or_(n), n, 1)):
        assert B.sensitivity(f) == B.block_sensitivity(f) == B.certificate_complexity(f) == n
        assert B.decision_tree_depth(f) == n
        assert (B.certificate_complexity(f, value=0), B.certificate_complexity(f, value=1)) == (c0, c1)
    assert B.f2_degree(B.parity(n)) == 1 and B.f2_degree(B.and_(n)) == n == B.f2_degree(B.or_(n))
    assert B.fourier_sparsity(B.parity(n)) == 1 and B.fourier_sparsity(B.and_(n)) == (2**n if n > 1 else 1)


@pytest.mark.parametrize("n", [1, 3, 5, 7, 9, 11])
def test_majority(n):
    f = B.majority(n)
    assert B.sensitivity(f) == B.block_sensitivity(f) == B.certificate_complexity(f) == (n + 1) // 2
    assert B.decision_tree_depth(f) == n  # majority is evasive


@pytest.mark.parametrize("w, s", [(2, 2), (3, 2), (2, 4), (3, 3)])
def test_tribes(w, s):
    f = B.tribes(w, s)
    assert (B.certificate_complexity(f, value=0), B.certificate_complexity(f, value=1)) == (s, w)
    assert B.sensitivity(f) == B.block_sensitivity(f) == B.certificate_complexity(f) == max(w, s)
    assert B.decision_tree_depth(f) == w * s  # tribes is evasive
    assert B.f2_degree(f) == w * s


@pytest.mark.parametrize("k", [1, 2, 3])
def test_address_function(k):
    f, n = address(k)
    assert B.sensitivity(f) == B.block_sensitivity(f) == B.certificate_complexity(f) == k + 1
    assert B.decision_tree_depth(f) == k + 1 and B.f2_degree(f) == k + 1


def test_rubinstein_block_sensitivity_exceeds_sensitivity():
    f, n = rubinstein(4, 3)  # n = 12: bs = 3·4/2 = 6 > s = 4
    assert B.sensitivity(f) == 4
    assert B.block_sensitivity(f) == 6
    assert B.block_sensitivity(f, per_input=True)[0] == 6  # at x = 0: two pairs in each block


# ----------------------------------------------------------------------------- the inequalities

def _chain_violations(s, bs, c, d, deg):
    return {"s<=bs": (s > bs).sum(), "bs<=C": (bs > c).sum(), "C<=D": (c > d).sum(),
            "C<=s*bs": (c > s * bs).sum(), "deg<=s^2": (deg > s * s).sum(), "bs<=2deg^2": (bs > 2 * deg**2).sum(),
            "deg<=D": (deg > d).sum()}


def test_chain_holds_on_all_65536_functions_of_4_bits():
    fs = all_functions(4)
    s, bs = B.sensitivity(fs), B.block_sensitivity(fs)
    c, d, deg = B.certificate_complexity(fs), B.decision_tree_depth(fs), B.degree(fs)
    assert not any(_chain_violations(s, bs, c, d, deg).values())


def test_chain_holds_on_random_and_standard_functions(rng):
    fs = np.concatenate([rng.integers(0, 2, (20, 256)).astype(np.uint8),
                         np.stack([B.majority(7).repeat(2), B.tribes(2, 4), B.parity(8), B.and_(8),
                                   B.threshold([1, 2, 3, 1, 1, 2, 1, 1], 5)])])
    s, bs = B.sensitivity(fs), B.block_sensitivity(fs)
    c, d, deg = B.certificate_complexity(fs), B.decision_tree_depth(fs), B.degree(fs)
    assert not any(_chain_violations(s, bs, c, d, deg).values())
    # a deliberately broken measure (sensitivity reported one too high) breaks s <= bs somewhere
    assert _chain_violations(s + 1, bs, c, d, deg)["s<=bs"] > 0


# ----------------------------------------------------------------------------- p-biased


def pbiased_ref(f, n, p):
    """E_p[g φ_S] from the definition, exact Fractions for rational p (sqrt factored out):
    returns ĝ(S) / sqrt(p(1-p))^{|S|} ... evaluated in floats at the end."""
    N = 1 << n
    out = []
    for S in range(N):
        tot = 0.0
        for x in range(N):
            w = math.prod(p if (x >> i) & 1 else 1 - p for i in range(n))
            phi = math.prod((-math.sqrt((1 - p) / p) if (x >> i) & 1 else math.sqrt(p / (1 - p)))
                            for i in range(n) if (S >> i) & 1)
            tot += w * (1 - 2 * f[x]) * phi
        out.append(tot)
    return out


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.77])
def test_pbiased_against_definition_parseval_and_influences(p, rng):
    n = 4
    fs = rng.integers(0, 2, (6, 16)).astype(np.uint8)
    c = B.pbiased_fourier_coefficients(fs, p)
    inf = B.pbiased_influences(fs, p)
    T = np.arange(16)
    for r, f in enumerate(fs.tolist()):
        # 16 terms of magnitude <= 1/sqrt(p(1-p)) <= 3.4: rounding well under 1e-12
        np.testing.assert_allclose(c[r], pbiased_ref(f, n, p), rtol=0, atol=1e-12)
        assert abs((c[r] ** 2).sum() - 1) < 1e-12  # Parseval: E_p[g^2] = 1
        want = [(c[r][(T >> i) & 1 == 1] ** 2).sum() for i in range(n)]
        np.testing.assert_allclose(inf[r], want, rtol=0, atol=1e-12)


def test_influences_p_is_the_pbiased_influence(rng):
    f = rng.integers(0, 2, (3, 1 << 9)).astype(np.uint8)
    np.testing.assert_array_equal(B.influences(f, p=0.3), B.pbiased_influences(f, 0.3))  # one kernel
    np.testing.assert_array_equal(B.influences(f, p=0.5), B.influences(f))  # exact dyadic sums either way
    with pytest.raises(ValueError, match=r"`p` must be a finite number in \(0"):
        B.influences(f, p=0.0)


def test_pbiased_half_is_uniform(rng):
    f = rng.integers(0, 2, (3, 1 << 10)).astype(np.uint8)
    # p = 1/2: butterflies (a0 + a1)/2 and (a0 - a1)/2 of ±1 are exact dyadic rationals
    np.testing.assert_array_equal(B.pbiased_fourier_coefficients(f, 0.5), B.fourier_coefficients(f))
    np.testing.assert_array_equal(B.pbiased_influences(f, 0.5), B.influences(f))


@pytest.mark.parametrize("p", [0.1, 0.3, 0.77])
def test_fourier_coefficients_p_against_definition_and_parseval(p, rng):
    n = 4
    fs = rng.integers(0, 2, (5, 16)).astype(np.uint8)
    c = B.fourier_coefficients(fs, p=p)
    np.testing.assert_array_equal(c, B.pbiased_fourier_coefficients(fs, p))  # one kernel behind both
    for r, f in enumerate(fs.tolist()):
        # 16 terms of magnitude <= 1/sqrt(p(1-p)) <= 3.4: rounding well under 1e-12
        np.testing.assert_allclose(c[r], pbiased_ref(f, n, p), rtol=0, atol=1e-12)
        assert abs((c[r] ** 2).sum() - 1) < 1e-12  # Parseval under mu_p
    # one unbatched table gives the row of the batch; pm1 declared gives the same numbers
    np.testing.assert_array_equal(B.fourier_coefficients(fs[2], p=p), c[2])
    np.testing.assert_array_equal(B.fourier_coefficients(1.0 - 2.0 * fs, p=p, domain="pm1"), c)


def test_fourier_coefficients_p_half_is_uniform_and_tensors_stay_tensors(rng):
    torch = pytest.importorskip("torch")
    f = rng.integers(0, 2, (3, 1 << 10)).astype(np.uint8)
    # p = 1/2: butterflies (a0 + a1)/2 and (a0 - a1)/2 of ±1 values are exact dyadic rationals
    np.testing.assert_array_equal(B.fourier_coefficients(f, p=0.5), B.fourier_coefficients(f))
    t = B.fourier_coefficients(torch.from_numpy(f), p=0.3)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    np.testing.assert_array_equal(t.numpy(), B.fourier_coefficients(f, p=0.3))


@pytest.mark.parametrize("kw, exc, match", [
    (dict(p=0.0), ValueError, r"`p` must be a finite number in \(0"),
    (dict(p=1.5), ValueError, r"`p` must be a finite number in \(0"),
    (dict(p="a"), TypeError, "`p` must be a real number"),
    (dict(p=0.3, exact=True), ValueError, "`exact` must be False with a p-biased measure"),
])
def test_fourier_coefficients_p_bad_input(kw, exc, match):
    with pytest.raises(exc, match=match):
        B.fourier_coefficients([0, 1, 1, 0], **kw)


def test_pbiased_dictator_and_and_closed_forms():
    p = 0.2
    c = B.pbiased_fourier_coefficients(B.dictator(3, 1), p)
    want = np.zeros(8)
    want[0], want[2] = 1 - 2 * p, 2 * math.sqrt(p * (1 - p))
    np.testing.assert_allclose(c, want, rtol=0, atol=1e-15)  # one or two roundings of O(1) values
    # AND_n: x_i pivotal iff the others are all 1: Inf_i = 4p(1-p) p^(n-1)
    np.testing.assert_allclose(B.pbiased_influences(B.and_(5), p), [4 * p * (1 - p) * p**4] * 5, rtol=1e-13)


# ----------------------------------------------------------------------------- juntas


@pytest.mark.parametrize("k", [0, 1, 2])
def test_nearest_junta_against_enumeration(k, rng):
    fs = rng.integers(0, 2, (5, 16)).astype(np.uint8)
    r = B.nearest_junta(fs, k)
    for i, f in enumerate(fs.tolist()):
        assert r.disagreements[i] == junta_ref(f, 4, k)
        assert (r.junta[i] != fs[i]).sum() == r.disagreements[i]  # the junta attains the distance
        others = [v for v in range(4) if v not in r.variables[i]]
        for x in range(16):  # and depends on the chosen variables only
            for v in others:
                assert r.junta[i][x] == r.junta[i][x ^ (1 << v)]
    assert r.distance.tolist() == [Fraction(int(d), 16) for d in r.disagreements]


def test_nearest_junta_known():
    r = B.nearest_junta(B.dictator(8, 5), 1)
    assert r.variables == (5,) and r.disagreements == 0
    assert B.nearest_junta(B.parity(6), 5).distance == 0.5  # parity is far from every smaller junta
    assert B.nearest_junta(B.majority(5), 5).disagreements == 0


def test_nearest_junta_refuses_work_and_memory_before_searching():
    # C(20, 10) 2**20 (10 + 1) = 2.1e12 entries: refused at once by the default bound, not searched
    import time
    import tracemalloc

    from boolean.juntas import JUNTA_MAX_WORK, junta_work

    f = B.random_function(20, seed=1)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"nearest_junta\(n=20, k=10\) visits .* > max_work=1.37e\+11"):
        B.nearest_junta(f, 10)
    assert time.perf_counter() - t0 < 5 and junta_work(20, 10) > JUNTA_MAX_WORK
    with pytest.raises(ValueError, match="max_work"):
        B.nearest_junta(f[:1 << 6], 3, max_work=junta_work(6, 3) - 1)
    assert B.nearest_junta(f[:1 << 6], 3, max_work=junta_work(6, 3)).k == 3
    assert B.nearest_junta(B.parity(6), 5, max_work=float("inf")).distance == 0.5
    for bad, exc in ((0, ValueError), (float("nan"), ValueError), ("x", TypeError)):
        with pytest.raises(exc, match="max_work"):
            B.nearest_junta([0, 1], 1, max_work=bad)
    # the variable sets count: C(14, 7) x 7 int64 = 188 KiB beside the table plan's 544 KiB
    g = B.random_function(14, seed=3)
    with pytest.raises(ValueError, match="3432 variable sets"):
        B.nearest_junta(g, 7, max_bytes=650_000)
    # the plan covers the peak that tracemalloc sees (numpy's arrays; the kernel's are in the plan too)
    h = B.random_function(16, seed=4, batch=2)
    B.nearest_junta(h, 2)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        B.nearest_junta(h, 2)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    with pytest.raises(ValueError, match="max_bytes"):
        B.nearest_junta(h, 2, max_bytes=peak - 16 * 1024 - 1)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, exc, match", [
    (lambda: B.block_sensitivity(np.zeros(1 << 15, np.uint8)), ValueError, r"`f` must have n <= 14"),
    (lambda: B.certificate_complexity(np.zeros(1 << 15, np.uint8)), ValueError, r"`f` must have n <= 14"),
    (lambda: B.decision_tree_depth(np.zeros(1 << 15, np.uint8)), ValueError, r"`f` must have n <= 14"),
    (lambda: B.certificate_complexity([0, 1], value=2), ValueError, r"`value` must be an integer in \[0, 1\]"),
    (lambda: B.sensitivity([0, 1], per_input=1), TypeError, "`per_input` must be a bool"),
    (lambda: B.sensitivity([1, -1]), ValueError, r"domain=\"pm1\""),
    (lambda: B.anf([1.0, -1.0, 0.0, 1.0], domain="pm1"), ValueError, r"\{-1, \+1\}"),
    (lambda: B.nearest_junta([0, 1, 1, 0], 3), ValueError, r"`k` must be an integer in \[0, 2\]"),
    (lambda: B.nearest_junta([0, 1, 1, 0], 1.0), TypeError, "`k` must be an integer"),
    (lambda: B.pbiased_influences([0, 1], 1.0), ValueError, r"`p` must be a finite number in \(0"),
    (lambda: B.pbiased_fourier_coefficients([0, 1], "a"), TypeError, "`p` must be a real number"),
    (lambda: B.nonlinearity([0, 1, 2, 0]), ValueError, r"\{0, 1\}"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("fn", [B.sensitivity, B.block_sensitivity, B.certificate_complexity,
                                B.decision_tree_depth, B.anf, B.f2_degree, B.fourier_sparsity, B.nonlinearity,
                                B.is_bent, lambda f, **kw: B.pbiased_influences(f, 0.3, **kw),
                                lambda f, **kw: B.pbiased_fourier_coefficients(f, 0.3, **kw),
                                lambda f, **kw: B.nearest_junta(f, 2, **kw)])
def test_refused_over_max_bytes_before_allocating(fn):
    f = np.zeros((4, 1 << 12), np.uint8)
    with pytest.raises(ValueError, match="max_bytes"):
        fn(f, max_bytes=4 << 12)  # the table alone is 4 * 2**12 bytes: every plan exceeds it
    assert fn(f[0, :4]) is not None  # the same routine on a small table goes through


# ----------------------------------------------------------------------------- packed F2 degree, short path


def test_packed_f2_degree_kernel_against_the_byte_mobius(rng):
    from boolean._complexity_numba import f2_degrees, max_popcount_set, mobius_inplace

    for n in range(0, 15):  # below, at and above one 64-bit word
        t = rng.integers(0, 2, (4, 1 << n)).astype(np.uint8)
        t[0] = 0  # the zero polynomial: -1
        np.testing.assert_array_equal(f2_degrees(t, n), max_popcount_set(mobius_inplace(t.copy(), n), n))
    for n, S in ((3, 5), (7, 0), (7, 127), (12, 0b101101110001)):  # one monomial x_S: degree |S|
        a = np.zeros((1, 1 << n), np.uint8)
        a[0, S] = 1
        assert f2_degrees(mobius_inplace(a, n), n)[0] == bin(S).count("1")


def test_load_table_short_path_gives_the_general_result(rng):
    from boolean import _tables

    f = rng.integers(0, 2, (3, 1 << 6)).astype(np.uint8)
    for g in (f, f.astype(bool), f[1]):
        be, table, n, batched = _tables.load_table(g, "auto", None, None, lambda *a: 0, "t")
        assert (be.name, n, batched) == ("numba", 6, g.ndim == 2)
        np.testing.assert_array_equal(table, np.atleast_2d(g).astype(np.uint8))
    # what the short path does not take goes to the general path, which refuses or converts it
    with pytest.raises(ValueError, match=r"values in \{0, 1\}"):
        _tables.load_table(np.array([0, 2, 1, 0], np.uint8), "auto", None, None, lambda *a: 0, "t")
    with pytest.raises(ValueError, match="max_bytes"):
        _tables.load_table(f, "numpy", None, 10, lambda *a: 100, "t")
    _, table, _, _ = _tables.load_table(f[:, ::2], "numpy", None, None, lambda *a: 0, "t")  # not contiguous
    np.testing.assert_array_equal(table, f[:, ::2])
