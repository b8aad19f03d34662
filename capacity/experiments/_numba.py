"""numba kernels of the naive-Bayes and Ising experiments (trusted input, float64, ``cache=True``).

* :func:`nb_full_step` one random-scan Gibbs step of the naive-Bayes chain on 2^N
  states, applied to a block of row vectors ``v[y, r]`` (distribution after the step).
* :func:`nb_monte_carlo` the same chain simulated for many replicas, recording the count K.
* :func:`ising_sweeps` heat-bath checkerboard sweeps of the 2D Ising model on a torus.

Random numbers come from one splitmix64 stream per replica, so results do not depend
on the number of threads.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _uniform(states, r):
    """Next uniform in [0, 1) from the splitmix64 stream ``states[r]`` (advanced in place)."""
    z = states[r] + _GOLDEN
    states[r] = z
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _INV53


@njit(cache=True)
def nb_full_step(v, out, n_bits, diag_y, up_y, down_y):
    """out[y, r] = sum_x v[x, r] T[x, y] for the naive-Bayes random-scan chain.

    Per state y: ``diag_y[y] = T[y, y]``, ``up_y[y] = T[y - e_i, y]`` for a bit i set in y,
    ``down_y[y] = T[y + e_i, y]`` for a bit i clear in y (both depend on y only via K(y)).
    The inner loop runs over the R contiguous row vectors. Single-threaded: the kernel is too
    short for threads to pay.
    """
    S, R = v.shape
    for y in range(S):
        d = diag_y[y]
        for r in range(R):
            out[y, r] = d * v[y, r]
        for i in range(n_bits):
            bit = 1 << i
            x = y ^ bit
            c = up_y[y] if y & bit else down_y[y]
            for r in range(R):
                out[y, r] += c * v[x, r]


@njit(cache=True, parallel=True)
def nb_monte_carlo(n_vars, eps, p1, record, states, out):
    """Simulate replicas of the naive-Bayes random-scan chain from its stationary law.

    ``p1[j] = P(X_i = 1 | j ones among the others)``; ``record`` sorted step counts;
    ``out[r, m] = K`` at step ``record[m]`` of replica r.
    """
    R = out.shape[0]
    for r in prange(R):
        x = np.empty(n_vars, dtype=np.uint8)
        lam = 1 if _uniform(states, r) < 0.5 else 0
        k = 0
        for i in range(n_vars):
            flip = 1 if _uniform(states, r) < eps else 0
            x[i] = lam ^ flip
            k += x[i]
        now = 0
        for m in range(record.shape[0]):
            while now < record[m]:
                i = int(_uniform(states, r) * n_vars)
                if i >= n_vars:
                    i = n_vars - 1
                k -= x[i]
                new = 1 if _uniform(states, r) < p1[k] else 0
                x[i] = new
                k += new
                now += 1
            out[r, m] = k


@njit(cache=True, parallel=True)
def ising_sweeps(spins, n_sweeps, p_plus, states):
    """Heat-bath checkerboard sweeps in place on ``spins`` (R, L, L) int8 of +-1.

    ``p_plus[(h + 4) // 2] = 1 / (1 + exp(-2 beta h))`` for local field h in {-4,...,4}.
    One sweep updates the sites with (i + j) even, then those with (i + j) odd.
    """
    R, L, _ = spins.shape
    for r in prange(R):
        s = spins[r]
        for _ in range(n_sweeps):
            for color in range(2):
                for i in range(L):
                    up = i - 1 if i > 0 else L - 1
                    dn = i + 1 if i < L - 1 else 0
                    start = (color + i) % 2
                    for j in range(start, L, 2):
                        lf = j - 1 if j > 0 else L - 1
                        rt = j + 1 if j < L - 1 else 0
                        h = s[up, j] + s[dn, j] + s[i, lf] + s[i, rt]
                        s[i, j] = 1 if _uniform(states, r) < p_plus[(h + 4) // 2] else -1
