"""torch kernels for Boolean Fourier analysis (private; the transform lives in ``_fwht_torch``).

Every kernel takes tensors batched over a leading axis (B, 2**n), runs on the tensor's
device (CPU in CI, CUDA when present) and trusts its input. Counts are exact int64.
"""
from __future__ import annotations

import math

import torch


def influence_counts(f, n):
    """Exact int64 counts (B, n) of x with f(x) != f(x ^ e_i) for a uint8 table (B, 2**n)."""
    B, N = f.shape
    out = torch.empty((B, n), dtype=torch.int64, device=f.device)
    for i in range(n):
        v = f.view(B, N >> (i + 1), 2, 1 << i)
        out[:, i] = 2 * (v[:, :, 0, :] != v[:, :, 1, :]).sum(dim=(1, 2))
    return out


def popcounts(n, device):
    """|T| for T = 0..2**n - 1 as an int64 tensor (built by doubling)."""
    pc = torch.zeros(1, dtype=torch.int64, device=device)
    for _ in range(n):
        pc = torch.cat((pc, pc + 1))
    return pc


def level_sums(c, n):
    """Exact int64 sums of c(T)^2 by |T| (B, n + 1) and the degree (B,) (-1 for a zero row),
    for integer-valued c = 2**n * ĝ (B, 2**n) of any dtype."""
    B, N = c.shape
    ci = c if c.dtype == torch.int64 else c.to(torch.int64)
    pc = popcounts(n, c.device)
    sums = torch.zeros((B, n + 1), dtype=torch.int64, device=c.device)
    sums.scatter_add_(1, pc.expand(B, N), ci * ci)
    nz = ci != 0
    deg = torch.where(nz, pc.expand(B, N), torch.full_like(ci, -1)).amax(dim=1)
    return sums, deg


def restrict_rows(f, n, fixed):
    """f restricted by ``fixed`` ({index: bit}): (B, 2**(n - len(fixed))) uint8.

    Fixes the variables from the highest index down, so the lower ones keep their positions.
    """
    B = f.shape[0]
    cur = f
    size = f.shape[1]
    for i in sorted(fixed, reverse=True):
        cur = cur.reshape(B, size >> (i + 1), 2, 1 << i)[:, :, fixed[i], :].reshape(B, size // 2)
        size //= 2
    return cur.contiguous()


def _entropy_table(d, device):
    """h(c / 2**d) in bits for c = 0..2**d, float64."""
    M = 1 << d
    return binary_entropy(torch.arange(M + 1, dtype=torch.float64, device=device) / M)


def conditional_entropy(f, unknown):
    """E h(P[f = 1 | X_visible]) in bits (B,), ``unknown`` sorted ascending."""
    B, N = f.shape
    cur = f.to(torch.int64)
    size = N
    for d, j in enumerate(unknown):
        lo = 1 << (j - d)
        v = cur.view(B, size // (2 * lo), 2, lo)
        cur = (v[:, :, 0, :] + v[:, :, 1, :]).reshape(B, size // 2)
        size //= 2
    return binary_entropy(cur.to(torch.float64) / (1 << len(unknown))).mean(dim=1)


def binary_entropy(p):
    """h(p) in bits, elementwise, with h(0) = h(1) = 0."""
    return -(torch.xlogy(p, p) + torch.xlogy(1 - p, 1 - p)) / math.log(2)


def profile_entropy_sums(f, n):
    """sums[b, k] = Σ_{|K| = k} E h(P[f_b = 1 | X_{[n]∖K}]) over all K (B, n + 1).

    Breadth-first over |K|: the tables of level d are stacked in order of max(K), so the
    K with max(K) < j form a prefix, and adding j (at compacted position j - d) is one
    batched reduction per (d, j). Work Σ_K 2**(n - |K|) = 3**n.
    """
    B, N = f.shape
    dev = f.device
    sums = torch.zeros((B, n + 1), dtype=torch.float64, device=dev)
    # level d: tensor (B, count_d, 2**(n-d)); starts[j] = number of K at level d with max(K) < j.
    level = f.to(torch.int64).view(B, 1, N)
    starts = [1] * n  # level 0: the empty set, whose max (-1) is below every j
    for d in range(n):
        pieces, nxt, total = [], [0] * n, 0
        size = N >> d
        for j in range(d, n):
            nxt[j] = total  # K at level d + 1 with max(K) < j
            cnt = starts[j]
            lo = 1 << (j - d)
            v = level[:, :cnt].reshape(B, cnt, size // (2 * lo), 2, lo)
            pieces.append((v[:, :, :, 0, :] + v[:, :, :, 1, :]).reshape(B, cnt, size // 2))
            total += cnt
        level = torch.cat(pieces, dim=1)
        h = _entropy_table(d + 1, dev)
        sums[:, d + 1] = h[level].mean(dim=2).sum(dim=1)
        starts = nxt
    return sums
