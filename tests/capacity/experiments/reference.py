"""Brute-force references of the Markov-chain experiments (loops over states, from the definitions)."""
import itertools
import math

import numpy as np


def ref_naive_bayes_joint(N, eps):
    """P(x) by summing the latent out, state index sum_i x_i 2^i (loops)."""
    p = np.zeros(2 ** N)
    for s in range(2 ** N):
        x = [(s >> i) & 1 for i in range(N)]
        for lam in (0, 1):
            w = 0.5
            for xi in x:
                w *= (1 - eps) if xi == lam else eps
            p[s] += w
    return p


def ref_gibbs_site(p, dims, i):
    """Kernel resampling variable i of a flat table (variable 0 fastest), by loops over states."""
    states = [tuple(reversed(s)) for s in itertools.product(*[range(d) for d in reversed(dims)])]

    def index(x):
        idx, stride = 0, 1
        for xi, d in zip(x, dims):
            idx += xi * stride
            stride *= d
        return idx

    G = np.zeros((len(states), len(states)))
    for x in states:
        fibre = [tuple(x[:i]) + (v,) + tuple(x[i + 1:]) for v in range(dims[i])]
        z = sum(p[index(y)] for y in fibre)
        for y in fibre:
            if z > 0:
                G[index(x), index(y)] += p[index(y)] / z
            elif y == x:
                G[index(x), index(y)] += 1.0
    return G


def ref_gibbs_random_scan(p, dims):
    return sum(ref_gibbs_site(p, dims, i) for i in range(len(dims))) / len(dims)


def ref_mi_over_time(p0, T, t):
    """I(X^0; X^t) in bits from the dense joint diag(p0) T^t (numpy matrix_power, loops)."""
    J = p0[:, None] * np.linalg.matrix_power(T, t)
    r = J.sum(1)
    c = J.sum(0)
    total = 0.0
    for a in range(J.shape[0]):
        for b in range(J.shape[1]):
            if J[a, b] > 0:
                total += J[a, b] * math.log2(J[a, b] / (r[a] * c[b]))
    return total


def h2(p):
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def peak_bytes(f):
    """Peak traced (numpy) allocation of f() after a warm-up call (imports and caches excluded)."""
    import tracemalloc

    f()
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
