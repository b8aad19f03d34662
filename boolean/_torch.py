"""torch kernels for Boolean Fourier analysis (private; the transform lives in ``_fwht_torch``).

Every kernel takes tensors batched over a leading axis (B, 2**n), runs on the tensor's
device (CPU in CI, CUDA when present) and trusts its input. Counts are exact int64.
"""
from __future__ import annotations

import math

import torch


_M32 = (0x55555555, 0x33333333, 0x0F0F0F0F, 0x00FF00FF, 0x0000FFFF)


def _popcount32(x):
    """Popcount of non-negative int64 values below 2**32 (no overflow anywhere)."""
    x = x - ((x >> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F
    return ((x * 0x01010101) & 0xFFFFFFFF) >> 24


def _pack32(f):
    """uint8 0/1 table (B, N), N >= 32 -> (B, N/32) int64 words holding 32 entries each
    (entry 32 k + j is bit j of word k)."""
    B, N = f.shape
    w = torch.tensor([1 << j for j in range(8)], dtype=torch.uint8, device=f.device)
    packed = (f.view(B, N // 8, 8) * w).sum(dim=2, dtype=torch.uint8)  # little-endian bit order
    words = packed.view(B, N // 32, 4).to(torch.int64)
    return words[:, :, 0] | (words[:, :, 1] << 8) | (words[:, :, 2] << 16) | (words[:, :, 3] << 24)


def influence_counts(f, n):
    """Exact int64 counts (B, n) of x with f(x) != f(x ^ e_i) for a uint8 table (B, 2**n).

    For n >= 5 the table is bit-packed into 32-bit words (held in int64, so no sign or
    overflow issues): variables 0..4 pair bits inside a word, the others pair whole words.
    """
    B, N = f.shape
    out = torch.empty((B, n), dtype=torch.int64, device=f.device)
    if n < 5:
        for i in range(n):
            v = f.view(B, N >> (i + 1), 2, 1 << i)
            out[:, i] = 2 * (v[:, :, 0, :] != v[:, :, 1, :]).sum(dim=(1, 2))
        return out
    w = _pack32(f)
    W = w.shape[1]
    for i in range(5):
        out[:, i] = 2 * _popcount32((w ^ (w >> (1 << i))) & _M32[i]).sum(dim=1)
    for i in range(5, n):
        t = 1 << (i - 5)
        v = w.view(B, W // (2 * t), 2, t)
        out[:, i] = 2 * _popcount32(v[:, :, 0, :] ^ v[:, :, 1, :]).sum(dim=(1, 2))
    return out


def binary_entropy(p):
    """h(p) in bits, elementwise, with h(0) = h(1) = 0."""
    return -(torch.xlogy(p, p) + torch.xlogy(1 - p, 1 - p)) / math.log(2)
