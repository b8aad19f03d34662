"""Brute-force references for boolean/ (loops over x and T, Fractions where cheap).

Independent of the package: every quantity is computed from its definition, never through
a transform or a kernel. Use on n <= 10 (most routines are O(4**n) or worse).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction


def bits(x, n):
    return [(x >> i) & 1 for i in range(n)]


def chi(T, x):
    return -1 if bin(T & x).count("1") % 2 else 1


def fourier(f):
    """ĝ(T) as Fractions: 2^-n Σ_x (-1)^f(x) χ_T(x)."""
    N = len(f)
    return [Fraction(sum((1 - 2 * int(f[x])) * chi(T, x) for x in range(N)), N) for T in range(N)]


def hadamard_apply(a):
    """Σ_x (-1)^{popcount(x & T)} a(x) for every T, by the definition (exact for ints/Fractions)."""
    N = len(a)
    return [sum(a[x] * chi(T, x) for x in range(N)) for T in range(N)]


def influences(f):
    """Inf_i = #{x : f(x) != f(x ^ e_i)} / 2^n, as Fractions."""
    N = len(f)
    n = N.bit_length() - 1
    return [Fraction(sum(int(f[x]) != int(f[x ^ (1 << i)]) for x in range(N)), N) for i in range(n)]


def level_weights(f):
    """W^d = Σ_{|T| = d} ĝ(T)^2 as Fractions, d = 0..n."""
    N = len(f)
    n = N.bit_length() - 1
    c = fourier(f)
    w = [Fraction(0)] * (n + 1)
    for T in range(N):
        w[bin(T).count("1")] += c[T] ** 2
    return w


def degree(f):
    c = fourier(f)
    return max(bin(T).count("1") for T in range(len(f)) if c[T] != 0)


def noise_operator(f, rho):
    """(T_ρ g)(x) = Σ_y P[y | x] g(y), P[y | x] = Π_i ((1 + ρ)/2 if y_i = x_i else (1 - ρ)/2)."""
    N = len(f)
    n = N.bit_length() - 1
    rho = Fraction(rho)
    same, diff = (1 + rho) / 2, (1 - rho) / 2
    out = []
    for x in range(N):
        s = Fraction(0)
        for y in range(N):
            k = bin(x ^ y).count("1")
            s += same ** (n - k) * diff ** k * (1 - 2 * int(f[y]))
        out.append(s)
    return out


def noise_stability(f, rho):
    """E[g(x) g(y)] over ρ-correlated pairs, from the pair distribution."""
    N = len(f)
    t = noise_operator(f, rho)
    return sum((1 - 2 * int(f[x])) * t[x] for x in range(N)) / N


def restrict(f, fixed):
    N = len(f)
    n = N.bit_length() - 1
    free = [i for i in range(n) if i not in fixed]
    out = []
    for y in range(1 << len(free)):
        x = sum(b << i for i, b in fixed.items())
        for k, i in enumerate(free):
            x |= ((y >> k) & 1) << i
        out.append(int(f[x]))
    return out


def entropy(counts):
    """Shannon entropy in bits of a distribution given by counts."""
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def retained_information(f, unknown):
    """I(f(X); X_visible) = H(f) + H(X_visible) - H(f, X_visible), from the joint counts."""
    N = len(f)
    n = N.bit_length() - 1
    visible = [i for i in range(n) if i not in set(unknown)]
    joint, marg_v, marg_f = {}, {}, {}
    for x in range(N):
        v = tuple((x >> i) & 1 for i in visible)
        y = int(f[x])
        joint[(v, y)] = joint.get((v, y), 0) + 1
        marg_v[v] = marg_v.get(v, 0) + 1
        marg_f[y] = marg_f.get(y, 0) + 1
    return entropy(list(marg_f.values())) + entropy(list(marg_v.values())) - entropy(list(joint.values()))


def conditional_entropy_given_rest(f, i):
    """H(f(X) | X_{-i}) from the joint counts."""
    N = len(f)
    n = N.bit_length() - 1
    rest = [j for j in range(n) if j != i]
    joint, marg = {}, {}
    for x in range(N):
        v = tuple((x >> j) & 1 for j in rest)
        joint[(v, int(f[x]))] = joint.get((v, int(f[x])), 0) + 1
        marg[v] = marg.get(v, 0) + 1
    return entropy(list(joint.values())) - entropy(list(marg.values()))


def retained_profile(f):
    """Mean of retained_information over all K of each size k = 0..n."""
    N = len(f)
    n = N.bit_length() - 1
    return [sum(retained_information(f, K) for K in itertools.combinations(range(n), k)) / math.comb(n, k)
            for k in range(n + 1)]
