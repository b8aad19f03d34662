"""Exact counting of distinct integer rows (numpy and torch), via a 64-bit hash that is verified.

Rows are hashed to one 64-bit word, sorted by hash, and every pair of neighbours with equal
hashes is compared column by column. If two different rows ever share a hash, we fall back
to an exact lexicographic ``unique`` on the rows, so the counts are always exact.
"""
from __future__ import annotations

import numpy as np

#: The odd (golden-ratio) multiplier of the row hash, shared by every path (numpy, torch, numba, Triton).
MULTIPLIER = 0x9E3779B97F4A7C15
_MULT = np.uint64(MULTIPLIER)
_MULT_I64 = MULTIPLIER - 2**64  # the same 64 bits as a signed int64 (torch has no uint64 arithmetic)


def _hash_rows_numpy(codes: np.ndarray) -> np.ndarray:
    h = np.zeros(codes.shape[0], dtype=np.uint64)
    for c in range(codes.shape[1]):
        h ^= codes[:, c].view(np.uint64)
        h *= _MULT
        h ^= h >> np.uint64(31)
    return h


def row_counts_numpy(codes: np.ndarray) -> np.ndarray:
    """Multiplicities of the distinct rows of an int64 array (n, d) (any order)."""
    if codes.shape[1] == 1:
        return np.unique(codes[:, 0], return_counts=True)[1]
    codes = np.ascontiguousarray(codes)
    h = _hash_rows_numpy(codes)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = np.flatnonzero(hs[1:] == hs[:-1])
    if same.size and (codes[order[same]] != codes[order[same + 1]]).any():
        return np.unique(codes, axis=0, return_counts=True)[1]  # a true hash collision: exact fallback
    starts = np.concatenate(([0], np.flatnonzero(hs[1:] != hs[:-1]) + 1, [hs.size]))
    return np.diff(starts)


def row_counts_torch(codes):
    """Multiplicities of the distinct rows of an int64 tensor (n, d), computed on its device."""
    import torch

    if codes.shape[1] == 1:
        return torch.unique(codes[:, 0], return_counts=True)[1]
    h = torch.zeros(codes.shape[0], dtype=torch.int64, device=codes.device)
    for c in range(codes.shape[1]):
        h = h ^ codes[:, c]
        h = h * _MULT_I64  # int64 multiplication wraps modulo 2**64 (two's complement)
        h = h ^ ((h >> 31) & 0x1FFFFFFFF)  # logical shift emulated on signed ints
    hs, order = torch.sort(h, stable=True)
    same = torch.nonzero(hs[1:] == hs[:-1]).flatten()
    if same.numel() and bool((codes[order[same]] != codes[order[same + 1]]).any()):
        return torch.unique(codes, dim=0, return_counts=True)[1]
    return torch.unique_consecutive(hs, return_counts=True)[1]


def entropy_from_counts(counts: np.ndarray, units: str = "nats") -> float:
    """Plug-in entropy of a histogram of counts, in "nats" or "bits" (log2 used directly)."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    log = np.log2 if units == "bits" else np.log
    # log n - sum c log c / n: exactly log n when every count is 1 (log 1 == 0)
    return float(log(n) - (counts * log(counts)).sum() / n)
