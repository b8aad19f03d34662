"""Heat-bath checkerboard sweeps of the 2D Ising model, written once against the array namespace.

Runs on numpy and on torch (CPU or CUDA), replicas batched. Spins are float32 +-1 of shape
(R, L, L); one sweep updates the even sublattice ((i + j) even), then the odd one, each site
from P(s = +1 | field h) = 1 / (1 + exp(-2 beta h)). numba's kernel (``_numba.ising_sweeps``)
is the specialised CPU path of the same chain.
"""
from __future__ import annotations

from boolean._lib.array import device_of


def sweeper(xp, spins, beta, uniform):
    """Return ``sweep(spins, n)``: ``n`` sweeps from ``spins``, returning the new spins (the input is
    not modified). ``uniform(shape)`` draws float32 uniforms in [0, 1) of namespace ``xp``."""
    L = spins.shape[-1]
    idx = xp.arange(L, device=device_of(spins))
    even = (idx[:, None] + idx[None, :]) % 2 == 0
    masks = (even, xp.logical_not(even))
    plus = xp.asarray(1.0, dtype=spins.dtype, device=device_of(spins))
    minus = -plus

    def sweep(s, n_sweeps):
        for _ in range(n_sweeps):
            # one uniform per site and sweep; u < sigmoid(2 beta h) <=> logit(u) < 2 beta h (no exp per site)
            u = uniform(s.shape)
            logit = xp.log(u) - xp.log1p(-u)
            for mask in masks:
                field = xp.roll(s, 1, axis=1) + xp.roll(s, -1, axis=1) + xp.roll(s, 1, axis=2) + xp.roll(s, -1, axis=2)
                s = xp.where(mask, xp.where(logit < (2.0 * beta) * field, plus, minus), s)
        return s

    return sweep
