"""torch kernel for the 2D Ising model: heat-bath checkerboard sweeps, replicas batched.

Written for any torch device (CPU in the tests, CUDA when asked). Spins are float32
+-1 of shape (R, L, L); one sweep updates the even sublattice ((i + j) even), then the
odd one, each site from P(s = +1 | field h) = 1 / (1 + exp(-2 beta h)).
"""
from __future__ import annotations


def checkerboard_masks(L, device):
    import torch

    idx = torch.arange(L, device=device)
    even = ((idx[:, None] + idx[None, :]) % 2 == 0)
    return even, ~even


def ising_sweeps(spins, n_sweeps, beta, generator, masks):
    """Run ``n_sweeps`` sweeps from ``spins`` (R, L, L) float32 and return the new spins
    (``spins`` itself is not modified)."""
    import torch

    for _ in range(n_sweeps):
        # one uniform per site and sweep: each site is updated once per sweep
        u = torch.rand(spins.shape, generator=generator, device=spins.device, dtype=spins.dtype)
        for mask in masks:
            field = (torch.roll(spins, 1, 1) + torch.roll(spins, -1, 1)
                     + torch.roll(spins, 1, 2) + torch.roll(spins, -1, 2))
            p_plus = torch.sigmoid((2.0 * beta) * field)
            new = torch.where(u < p_plus, 1.0, -1.0).to(spins.dtype)
            spins = torch.where(mask, new, spins)
    return spins
