"""numba kernel of the cofactor construction of NPN representatives (see :mod:`capacity.insensitive.npn`).

Inputs are trusted (validated and sized by the caller in ``npn.py``).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _act(maps, comp, g, table, P):
    """``(g f)(y) = f(maps[g, y]) xor comp[g]`` on a P-point table held as an integer."""
    out = 0
    for y in range(P):
        out |= ((table >> maps[g, y]) & 1) << y
    if comp[g]:
        out ^= (1 << P) - 1
    return out


@njit(cache=True)
def _class_min(F, n, split, cls, to_rep, reps, stab_ptr, stab, maps, comp):
    """Smallest member of the NPN class of the n-variable table F (see :func:`cofactor_minima`)."""
    P = 1 << (n - 1)
    big = np.int64(1) << 62
    best_c = big
    best = big
    for i in range(n):
        for b in range(2):
            A = 0
            B = 0
            for y in range(P):
                A |= ((F >> split[i, b, y]) & 1) << y
                B |= ((F >> split[i, 1 - b, y]) & 1) << y
            c = cls[A]
            if c > best_c:
                continue
            if c < best_c:
                best_c = c
                best = big
            B0 = _act(maps, comp, to_rep[A], B, P)
            for k in range(stab_ptr[c], stab_ptr[c + 1]):
                low = _act(maps, comp, stab[k], B0, P)
                if low < best:
                    best = low
    return best | (reps[best_c] << P)


@njit(cache=True, parallel=True)
def cofactor_minima(heads, n, split, cls, to_rep, reps, stab_ptr, stab, maps, comp, out):
    """Smallest member of the NPN class of every ``F = f0 | head << P`` (P = 2**(n-1)).

    For each F and each of the 2n (variable i, value b) the cofactor pair is
    ``A = F|_{x_i = b}`` (the would-be high half) and ``B = F|_{x_i = 1 - b}``, both on the other
    n - 1 variables in increasing order (``split[i, b, y]`` is the point of F read for y).
    The smallest class member has the high half ``min reps[cls[A]]`` over the pairs, and the low
    half ``min tau B`` over the pairs attaining it and the tau of the (n-1)-variable group with
    ``tau A = reps[cls[A]]``: ``tau = s o to_rep[A]`` for s in the stabiliser of that
    representative (``stab[stab_ptr[c]:stab_ptr[c + 1]]``). Row ``h * 2**P + f0`` of ``out``.
    """
    P = 1 << (n - 1)
    n_f0 = 1 << P
    for h in prange(heads.size):
        hi = heads[h]
        for f0 in range(n_f0):
            out[h * n_f0 + f0] = _class_min(f0 | (hi << P), n, split, cls, to_rep, reps, stab_ptr, stab,
                                            maps, comp)


@njit(cache=True, parallel=True)
def class_minima(tables, n, split, cls, to_rep, reps, stab_ptr, stab, maps, comp, out):
    """``out[j]`` = smallest member of the NPN class of ``tables[j]`` (see :func:`cofactor_minima`)."""
    for j in prange(tables.size):
        out[j] = _class_min(tables[j], n, split, cls, to_rep, reps, stab_ptr, stab, maps, comp)


@njit(cache=True, parallel=True)
def canonical_count_vectors(vectors, perms, comp, size, canon, stab):
    """Lexicographically smallest image of each count vector under a group, and its stabiliser size.

    ``vectors`` (R, K) uint8: one count vector per row. Element g maps v to
    ``(g v)[c] = v[perms[g, c]]``, then to ``size - (g v)`` when ``comp[g]``. Writes ``canon[i]``
    = min over g of ``g v`` (lexicographic, each comparison stopping at the first difference) and
    ``stab[i]`` = #{g : g v = canon[i]} = |Stab(v)| (a coset of the stabiliser maps v to any one
    image). The identity must be among the elements.
    """
    R, K = vectors.shape
    G = perms.shape[0]
    for i in prange(R):
        v = vectors[i]
        best = canon[i]
        for k in range(K):
            best[k] = v[k]
        hits = 0
        for g in range(G):
            flip = comp[g] != 0
            order = 0
            for k in range(K):
                x = v[perms[g, k]]
                if flip:
                    x = size - x
                if x != best[k]:
                    order = -1 if x < best[k] else 1
                    break
            if order < 0:
                for k in range(K):
                    x = v[perms[g, k]]
                    best[k] = size - x if flip else x
                hits = 1
            elif order == 0:
                hits += 1
        stab[i] = hits
