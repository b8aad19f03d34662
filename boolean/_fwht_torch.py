"""torch kernel for the unnormalised fast Walsh–Hadamard transform (private).

``fwht(t)`` returns H_n t along the last axis as a new tensor (same dtype and device),
batched over the leading axes. Kernels trust their input.
"""
from __future__ import annotations


def fwht(t):
    """Unnormalised transform of tensor ``t`` (..., 2**n) along its last axis; returns a new tensor."""
    import torch

    shape = t.shape
    N = shape[-1]
    n = N.bit_length() - 1
    x = t.reshape(-1, N).clone()
    B = x.shape[0]
    h = 1
    for _ in range(n):
        v = x.view(B, N // (2 * h), 2, h)
        a, b = v[:, :, 0, :], v[:, :, 1, :]
        x = torch.stack((a + b, a - b), dim=2).reshape(B, N)
        h *= 2
    return x.reshape(shape)
