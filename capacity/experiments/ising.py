"""The 2D Ising model under heat-bath Gibbs resampling: how long the sign of the magnetisation survives.

Below the critical temperature T_c = 2 / ln(1 + sqrt 2) the sign of M is represented redundantly
by all spins, so I(sign M^0; sign M^t) stays near 1 bit for long times; above T_c it is forgotten
(docs/problem.rst, section "Resampling and redundant information"). Replicas run in parallel:
numba on CPU (the specialised path), or one vectorised sweep written once for numpy and torch
(CPU or CUDA).
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.array import namespace, to_numpy
from boolean._lib.backend import resolve_backend
from boolean._lib.memory import check_size
from boolean._lib.validate import check_int, check_real, check_seed
from capacity._result import MIEstimate
from capacity.mi.plugin import PLAN_WHAT, plugin_mi, plugin_mi_plan_bytes

from ._ising_xp import sweeper
from .markov import check_times

__all__ = ["ising_magnetization", "ising_sign_information", "T_CRITICAL"]

#: Critical temperature of the 2D Ising model (J = 1, k_B = 1): 2 / ln(1 + sqrt 2) (Onsager).
T_CRITICAL = 2.0 / math.log(1.0 + math.sqrt(2.0))
#: Largest number of sweeps of any one count (burn-in, recording times, ``sweeps``): larger counts are
#: refused with the parameter's name rather than left to overflow the kernels' integers or to run for days.
MAX_SWEEPS = 10 ** 8

#: Peak bytes per site and replica: numba's int8 spins and the copy handed to a statistic; the
#: vectorised sweep's float32 spins, uniforms, their logits, the rolled neighbours, the field and the
#: updated spins (alive at once; tests/capacity/experiments/test_ising.py measures it).
_BYTES_PER_SITE = {"numba": 2, "numpy": 36, "torch": 36}


def ising_plan_bytes(L, replicas, n_times, backend):
    """Peak bytes of :func:`ising_magnetization` (replicas of L x L spins, ``n_times`` records) on a
    resolved ``backend`` name: the spins' working set, the records, per replica its sign, random
    state and magnetisation (128 bytes), and numpy's casting buffer (64 KiB); trusted arguments."""
    return float(replicas) * (L * L * _BYTES_PER_SITE[backend] + 8 * n_times + 128) + 65536.0


def _numba_sweeper(signs, L, beta, seed, rng, device):
    from ._numba import ising_sweeps

    p_plus = 1.0 / (1.0 + np.exp(-2.0 * beta * np.arange(-4, 5, 2, dtype=np.float64)))
    states = np.random.SeedSequence(seed).generate_state(signs.size, dtype=np.uint64)

    def sweep(spins, n_sweeps):
        ising_sweeps(spins, n_sweeps, p_plus, states)
        return spins

    return np.repeat(signs[:, None, None], L * L, axis=1).reshape(-1, L, L), sweep


def _numpy_sweeper(signs, L, beta, seed, rng, device):
    spins = np.repeat(signs.astype(np.float32)[:, None, None], L * L, axis=1).reshape(-1, L, L)
    run = sweeper(namespace(spins), spins, beta, lambda shape: rng.random(shape, dtype=np.float32))

    def sweep(s, n_sweeps):
        with np.errstate(divide="ignore"):  # a uniform of exactly 0 has logit -inf: the site becomes +1
            return run(s, n_sweeps)

    return spins, sweep


def _torch_sweeper(signs, L, beta, seed, rng, device):
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    spins = torch.as_tensor(signs, device=device, dtype=torch.float32)[:, None, None].expand(-1, L, L).clone()
    return spins, sweeper(namespace(spins), spins, beta,
                          lambda shape: torch.rand(shape, generator=gen, device=device, dtype=torch.float32))


#: backend name -> (signs, L, beta, seed, rng, device) -> (initial spins, sweep(spins, n) -> spins)
_SWEEPERS = {"numba": _numba_sweeper, "numpy": _numpy_sweeper, "torch": _torch_sweeper}


def ising_magnetization(L, T, times, replicas, *, seed, burn_in=200, backend="auto", device=None,
                        statistic=None, max_bytes=None):
    r"""Magnetisation per spin of 2D Ising replicas at given sweep counts (heat-bath Gibbs).

    .. math:: E(s) = -\sum_{\langle ij \rangle} s_i s_j, \qquad
              P(s_i = +1 \mid s_{-i}) = \frac{1}{1 + e^{-2 h_i / T}}, \qquad M = \frac{1}{L^2} \sum_i s_i

    Energy E on an L x L torus (J = 1, k_B = 1, no field). A heat-bath
    update sets s_i = +1 with probability 1 / (1 + exp(-2 h_i / T)), h_i = sum of the 4
    neighbours. One sweep updates the sublattice (i + j) even, then (i + j) odd (checkerboard:
    each half-sweep is an exact Gibbs update of independent sites). Each replica starts
    ordered, with a uniformly random sign, and runs ``burn_in`` sweeps; time 0 is the state
    after burn-in (below T_c this samples the two pure phases with equal weight).

    Parameters
    ----------
    L : int, even, 2 <= L <= 4096
    T : float > 0
        Temperature (T_c = 2 / ln(1 + sqrt 2) ~ 2.269).
    times : int or sequence of int in [0, 10**8]
        Sweeps (after burn-in) at which to record.
    replicas : int >= 1
    seed : int in [0, 2**63 - 1]
    burn_in : int in [0, 10**8]
    backend : {"auto", "numba", "numpy", "torch"}
        "auto": numba (torch when ``device`` is given). numpy and torch run the same vectorised
        sweep (float32 spins), numba a compiled loop per replica; the chains are the same, the
        random streams differ.
    device : torch device, optional
        With torch: "cpu" or "cuda" (replicas batched on the device).
    statistic : callable, optional
        Maps an int8 array (replicas, L, L) of +-1 spins to per-replica values (replicas,);
        recorded instead of the magnetisation.
    max_bytes : int, optional
        Refuse replicas whose working memory (:func:`ising_plan_bytes`) exceeds this (default 8 GiB).

    Returns
    -------
    ndarray (replicas, len(times)) of float64 (magnetisation per spin, or the statistic).

    Raises
    ------
    TypeError, ValueError
        For arguments out of range, odd L, an unsupported backend or unavailable device.

    References
    ----------
    L. Onsager, Phys. Rev. 65 (1944) 117; M. E. J. Newman and G. T. Barkema, *Monte Carlo
    Methods in Statistical Physics* (1999), Ch. 3-4.

    Examples
    --------
    >>> m = ising_magnetization(4, 1.0, [0, 5], 3, seed=0, burn_in=5)
    >>> m.shape, bool(np.all(np.abs(m) > 0.5))
    ((3, 2), True)
    """
    L = check_int(L, "L", low=2, high=4096)
    if L % 2:
        raise ValueError(f"`L` must be even (checkerboard updates on a torus); got {L}")
    T = check_real(T, "T", low=0.0, low_open=True)
    replicas = check_int(replicas, "replicas", low=1)
    seed = check_seed(seed, optional=False, generator=False)
    burn_in = check_int(burn_in, "burn_in", low=0, high=MAX_SWEEPS)
    times = check_times(times, "times", high=MAX_SWEEPS, max_bytes=max_bytes)
    if statistic is not None and not callable(statistic):
        raise TypeError(f"`statistic` must be callable; got {type(statistic).__name__}")
    be = resolve_backend(backend, device=device, supported=tuple(_SWEEPERS), prefer="numba")
    check_size(ising_plan_bytes(L, replicas, len(times), be.name), max_bytes, "the Ising replicas")
    rng = np.random.default_rng(seed)
    signs = np.where(rng.random(replicas) < 0.5, -1, 1).astype(np.int8)
    spins, sweep = _SWEEPERS[be.name](signs, L, 1.0 / T, seed, rng, be.device)
    xp = namespace(spins)
    out = np.empty((replicas, len(times)))
    spins = sweep(spins, burn_in)
    now = 0
    for m in np.argsort(times, kind="stable"):
        spins = sweep(spins, int(times[m]) - now)
        now = int(times[m])
        if statistic is None:  # summed in float64 without a float64 copy of the spins
            out[:, m] = to_numpy(xp.sum(xp.reshape(spins, (replicas, L * L)), axis=1, dtype=xp.float64)) / (L * L)
        else:
            vals = np.asarray(statistic(to_numpy(spins).astype(np.int8)), dtype=np.float64)  # a copy: spins stay ours
            if vals.shape != (replicas,):
                raise ValueError(f"`statistic` must return shape ({replicas},); got {vals.shape}.")
            out[:, m] = vals
    return out


def ising_sign_information(L, T, sweeps, replicas, seed, *, burn_in=200, backend="auto", device=None,
                           statistic=None, n_boot=200, max_bytes=None):
    r"""I(sign M^0; sign M^t) for the 2D Ising model after ``sweeps`` heat-bath sweeps (bits).

    Runs :func:`ising_magnetization` for ``replicas`` independent replicas and estimates
    the mutual information between the statistic at time 0 (after burn-in) and after
    ``sweeps`` sweeps with :func:`plugin_mi` (Miller-Madow, bootstrap SE over replicas),

    .. math:: I(S^0; S^t) = \sum_{a, b} P(S^0 = a, S^t = b) \log_2 \frac{P(a, b)}{P(a) P(b)},
              \qquad S = \operatorname{sign} M.

    The default statistic is sign M in {-1, 0, +1}. Below T_c = 2/ln(1+sqrt 2) the sign
    survives (about 1 bit for long times on moderate lattices); above T_c it is forgotten.

    Parameters
    ----------
    L, T, burn_in, backend, device, max_bytes
        As in :func:`ising_magnetization` (``max_bytes`` also bounds the bootstrap of :func:`plugin_mi`).
    sweeps : int in [0, 10**8]
    replicas : int >= 2
    seed : int in [0, 2**63 - 1]
    statistic : callable, optional
        Maps spins (replicas, L, L) int8 to discrete per-replica values; default sign M.
    n_boot : int >= 0

    Returns
    -------
    MIEstimate (bits) with ``extra`` holding L, T, sweeps, replicas and the backend.

    Raises
    ------
    TypeError, ValueError
        As :func:`ising_magnetization`.

    References
    ----------
    L. Onsager (1944); G. A. Miller (1955); J. Wentworth, "Natural abstractions" (2023).

    Examples
    --------
    >>> est = ising_sign_information(8, 1.5, 20, 200, 0, burn_in=20, n_boot=0)
    >>> bool(est.value > 0.9)
    True
    """
    sweeps = check_int(sweeps, "sweeps", low=0, high=MAX_SWEEPS)
    replicas = check_int(replicas, "replicas", low=2)  # the plug-in MI needs two samples
    n_boot = check_int(n_boot, "n_boot", low=0)
    # plugin_mi's bootstrap, planned before simulating: signs take <= 3 values, a user statistic <= `replicas`
    labels = 3 if statistic is None else replicas
    check_size(plugin_mi_plan_bytes(replicas, n_boot, labels, labels), max_bytes, PLAN_WHAT)
    be = resolve_backend(backend, device=device, supported=tuple(_SWEEPERS), prefer="numba")
    m = ising_magnetization(L, T, [0, sweeps], replicas, seed=seed, burn_in=burn_in, backend=backend,
                            device=device, statistic=statistic, max_bytes=max_bytes)
    if statistic is None:
        m = np.sign(m)
    est = plugin_mi(m[:, 0], m[:, 1], n_boot=n_boot, seed=seed, max_bytes=max_bytes)
    extra = dict(est.extra, L=L, T=T, sweeps=sweeps, replicas=replicas, backend=be.name)
    return MIEstimate(value=est.value, stderr=est.stderr, method=est.method, n_samples=est.n_samples, extra=extra)
