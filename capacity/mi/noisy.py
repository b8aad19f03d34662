"""I(X; f(X) + sigma Z) for X uniform on N points: Monte Carlo with standard error, and the
Kolchinsky-Tracey deterministic bounds; the sample-propagation plug-in for continuous X."""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.validate import check_choice, check_flag, check_int, check_real, check_seed
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import as_samples, planned_rows, units_scale

__all__ = ["noisy_channel_mi"]

#: Bytes of normal draws generated at once (the Monte Carlo runs block by block).
MC_BLOCK_BYTES = 2**25
#: float64 arrays of length n_mc alive at once (measured with tracemalloc: 7 in the samples path).
MC_ARRAYS = 8
#: Default cap on the coordinate terms one call sums (``max_work``); the experiments' largest
#: call (4096 points, 1024 draws, d = 1000, with bounds) is 2 x 10^10.
DEFAULT_MAX_WORK = 1e11

#: Sample-propagation estimates within this many nats of ln n are flagged ``saturated``.
SATURATION_MARGIN_NATS = 1.5
INPUTS = ("finite", "samples")


def noisy_channel_mi(points, sigma, *, inputs="finite", n_mc=None, seed=None, bounds=True,
                     units="bits", max_bytes=None, max_work=None) -> MIEstimate:
    r"""Mutual information of the additive Gaussian channel Y = p_X + sigma Z, X uniform on N points.

    With :math:`p_1..p_N \in \mathbb R^d`, :math:`Z \sim N(0, I_d)` and X uniform,

    .. math:: I(X;Y) = \ln N - \mathbb E_{i, z}\Big[\ln \sum_{j=1}^N
              \exp\Big(-\frac{\lVert p_i - p_j + \sigma z\rVert^2 - \lVert \sigma z\rVert^2}{2\sigma^2}\Big)\Big]
              \quad\text{(nats)},

    estimated by Monte Carlo over ``n_mc`` draws (stratified over i; each point drawn
    equally often up to one) with standard error ``std / sqrt(n_mc)``. Differences
    :math:`p_i - p_j` are formed coordinate by coordinate (never through the
    :math:`\lVert a\rVert^2 + \lVert b\rVert^2 - 2 a\cdot b` shortcut, which cancels
    catastrophically for large activations) and divided by sigma before squaring, so no
    :math:`\sigma^2` is formed and every finite sigma > 0 (5e-324 to 1.8e308) gives a finite answer
    consistent with the bounds. The j = i term is exactly 1, so the estimate never exceeds ln N
    and equals it exactly for points much farther apart than sigma.

    ``lower``/``upper`` are the Kolchinsky-Tracey pairwise-distance bounds
    (Bhattacharyya lower, KL upper), deterministic and certified:

    .. math:: -\frac1N\sum_i \ln\frac1N\sum_j e^{-\lVert p_i-p_j\rVert^2/(8\sigma^2)}
              \;\le\; I(X;Y) \;\le\;
              -\frac1N\sum_i \ln\frac1N\sum_j e^{-\lVert p_i-p_j\rVert^2/(2\sigma^2)} \;\le\; \ln N.

    ``inputs="samples"``: the points are f(x_1..x_n) for n samples of a *continuous* X. Two
    sample-propagation (SP) estimates of I(X; f(X) + sigma Z) come from the same draws, with
    :math:`R_k = \sum_{j \ne i} \exp(\dots)` the sum above without its j = i term:

    - the plug-in :math:`\ln n - \mathbb E \ln(1 + R)` (the formula above on the empirical law) reads
      low in expectation: the entropy of the n-component mixture is concave in its law, so
      :math:`\mathbb E\, h(\hat p_n) \le h(p)` (Goldfeld et al. 2019);
    - the leave-one-out :math:`\ln(n-1) - \mathbb E \ln R` reads high in expectation: y_k is
      independent of the other n - 1 samples, so the leave-one-out mixture density at y_k is
      unbiased for p(y_k) and Jensen's inequality for -ln gives the sign.

    So :math:`\mathbb E[\text{plug-in}] \le I \le \mathbb E[\text{leave-one-out}]`, and ``value`` is
    the midpoint of that bracket with ``extra["bias_bound"]`` = half its width, the minimax choice
    given only the bracket. For the plug-in's Poisson-like regime (many overlapping components) the
    two biases are nearly equal and opposite (+-1/(2 lambda) for lambda components in reach), which
    is why the midpoint does much better than the bound suggests. The plug-in cannot exceed ln n:
    when it comes within 1.5 nats of ln n the result is flagged ``extra["saturated"] = True``, the
    leave-one-out end is then dominated by isolated samples, and ``value`` falls back to the plug-in
    (a low estimate; ``bias_bound`` = inf). The Kolchinsky-Tracey bounds bound the plug-in, not the
    truth, so they go to ``extra["plugin_lower"/"plugin_upper"]`` and ``lower``/``upper`` are NaN.
    Measured (Y = X + sigma Z, X ~ N(0, I_d), n = 10^4, 8 seeds, bits; ``benchmarks/bench_mi.py``):
    (d, sigma) = (2, 1), (5, 1), (2, 0.3), (5, 0.3), (10, 1): ``|error| <= 0.05`` (the plug-in alone is
    0.24 low at (5, 0.3), truth 9.0); (3, 0.1), (5, 0.2), (20, 1): errors 0.14, 0.2, -0.16, inside
    ``bias_bound`` (0.39, 0.96, 0.53); (8, 0.3): saturated, the plug-in 2.2 low.

    Parameters
    ----------
    points : array_like, shape (N,) or (N, d)
        The noiseless outputs f(x) (one row per input).
    sigma : float > 0
        Noise standard deviation (same units as ``points``).
    inputs : {"finite", "samples"}
    n_mc : int >= 2, optional
        Monte Carlo draws (default: max(N, 2000) for finite inputs, max(N, 2) for samples).
    seed : int in [0, 2**63 - 1], optional
        Seed of the Monte Carlo draws (the range of every seed in :mod:`capacity.mi`).
    bounds : bool
        Compute the O(N^2 d) Kolchinsky-Tracey bounds (default True).
    units : {"bits", "nats"}
    max_bytes : int, optional
        Refuse, from the shape and before any copy, when the peak working memory (the copy of the
        points, the draws, made in blocks of 32 MiB, and the per-draw terms) would exceed this
        (default 8 GiB).
    max_work : float > 0, optional
        Refuse when the call would sum more than this many coordinate terms,
        ``n_mc * N * d`` plus ``N**2 * d`` with ``bounds`` (default 1e11).

    Returns
    -------
    MIEstimate
        ``value`` (MC), ``stderr`` (Monte Carlo over the draws), ``lower``/``upper`` (KT bounds, NaN
        for samples or ``bounds=False``), ``method`` ("noisy-mc" or "sample-propagation"),
        ``n_samples = n_mc``; ``extra``: ``ceiling`` (ln N in ``units``), ``n_points``, ``sigma``, and
        for samples ``saturated``, ``estimate`` ("midpoint" or "plugin"), ``plugin``,
        ``leave_one_out`` (inf for n = 1), ``bias_bound``, ``plugin_lower``, ``plugin_upper``.

    Raises
    ------
    TypeError
        For non-numeric ``points`` or non-numeric ``sigma``/``n_mc``/``seed``.
    ValueError
        For ill-shaped, empty or non-finite points, ``sigma <= 0``, ``n_mc < 2``, a seed outside
        [0, 2**63 - 1], an unknown ``inputs`` or ``units``, a size over ``max_bytes`` or a work
        over ``max_work``.

    References
    ----------
    A. Kolchinsky and B. D. Tracey, "Estimating mixture entropy with pairwise distances",
    Entropy 19 (2017) 361. Z. Goldfeld et al., "Estimating information flow in deep neural
    networks", ICML 2019 (sample propagation; its bias is low). Z. Goldfeld, K. Greenewald,
    J. Niles-Weed, Y. Polyanskiy, "Convergence of smoothed empirical measures with applications to
    entropy estimation", IEEE Trans. Inf. Theory 66 (2020) 4368.

    Examples
    --------
    >>> import numpy as np
    >>> far = np.array([[0.0], [100.0], [200.0], [300.0]])
    >>> r = noisy_channel_mi(far, 1.0, seed=0)
    >>> r.value, round(r.lower, 9), round(r.upper, 9)
    (2.0, 2.0, 2.0)
    >>> noisy_channel_mi([[0.0, 0.0]], 1.0, seed=0).value
    0.0
    """
    scale = units_scale(units)
    check_choice(inputs, "inputs", INPUTS)
    check_flag(bounds, "bounds")
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    seed = check_seed(seed, optional=True, generator=False)
    n, d = planned_rows(points)
    if n_mc is None:
        n_mc = max(n, 2000) if inputs == "finite" else max(n, 2)
    n_mc = check_int(n_mc, "n_mc", low=2)
    limit = check_real(DEFAULT_MAX_WORK if max_work is None else max_work, "max_work", low=0.0, low_open=True)
    nbytes, work = noisy_plan(n, d, n_mc, bool(bounds))
    check_size(nbytes, max_bytes, "noisy_channel_mi")  # from the shape, before any copy
    if work > limit:
        raise ValueError(f"`max_work` must be at least the {work:.3g} coordinate terms this call sums "
                         f"(n_mc x N x d{' + N^2 x d for the bounds' if bounds else ''}); got {limit:.3g}. "
                         "Raise max_work, or lower n_mc, N or d (or pass bounds=False)")
    p = as_samples(points, "points", max_bytes=max_bytes)
    n, d = p.shape
    from ._kernels import in_sigma_units, kt_log_sums, mixture_log_terms

    q, s_units = in_sigma_units(p, sigma)

    rng = np.random.default_rng(seed)
    reps = -(-n_mc // n)
    idx = np.concatenate([rng.permutation(n) for _ in range(reps)])[:n_mc].astype(np.int64)
    # the normal draws are made block by block (the same stream as one (n_mc, d) draw)
    block = mc_block_rows(n_mc, d)
    log_r = np.empty(n_mc)
    for start in range(0, n_mc, block):
        stop = min(start + block, n_mc)
        log_r[start:stop] = mixture_log_terms(q, idx[start:stop], rng.standard_normal((stop - start, d)), s_units)
    full = np.logaddexp(0.0, log_r)  # log(1 + R): the j = i ratio is exactly 1
    log_n = math.log(n)
    lower = upper = math.nan
    if bounds:
        lb, lk = kt_log_sums(q, s_units)
        lower = (log_n - float(lb.mean())) * scale
        upper = (log_n - float(lk.mean())) * scale
    extra = {"ceiling": log_n * scale, "n_points": n, "sigma": sigma}
    if inputs == "samples":
        return _sample_propagation(log_n - full, log_r, n, lower, upper, scale, units, extra)
    value = (log_n - float(full.mean())) * scale  # exactly ln N for far-apart points
    stderr = float(full.std(ddof=1)) / math.sqrt(n_mc) * scale
    return MIEstimate(value, stderr, lower, upper, "noisy-mc", n_mc, units, extra)


def mc_block_rows(n_mc: int, d: int) -> int:
    """Rows of normal draws made at once: ``MC_BLOCK_BYTES`` of float64 (at least one row)."""
    return int(min(n_mc, max(1, MC_BLOCK_BYTES // (8 * max(d, 1)))))


def noisy_plan(n: int, d: int, n_mc: int, bounds: bool):
    """Peak bytes and coordinate terms of :func:`noisy_channel_mi` for N = ``n`` points in ``d`` dimensions.

    The one plan of the routine (callers reuse it): two float64 copies of the points (as given
    and divided by sigma), the input indices (the permutations and their concatenation), one
    block of normal draws and of the kernel's output, ``MC_ARRAYS`` float64 arrays of length
    ``n_mc`` (log R, log(1 + R) and the temporaries of the mean, the standard deviation and the
    sample-propagation terms), and two of length N for the bounds.
    The work is ``n_mc N d`` coordinate terms for the Monte Carlo plus ``N^2 d`` for the bounds.
    """
    block = mc_block_rows(n_mc, d)
    nbytes = 8.0 * (2 * n * d + 2 * n_mc + 2 * n + block * (d + 1) + MC_ARRAYS * n_mc
                    + (2 * n if bounds else 0))
    work = float(d) * n * (n_mc + (n if bounds else 0))
    return nbytes, work


def _sample_propagation(plugin_terms, log_r, n, plugin_lower, plugin_upper, scale, units, extra):
    """The bracket [plug-in, leave-one-out] and its midpoint (see :func:`noisy_channel_mi`)."""
    n_mc = plugin_terms.shape[0]
    plugin = float(plugin_terms.mean())
    saturated = bool(plugin >= math.log(n) - SATURATION_MARGIN_NATS)
    loo_terms = math.log(n - 1) - log_r if n > 1 else np.full(n_mc, math.inf)
    loo = float(loo_terms.mean())
    if saturated or not math.isfinite(loo):
        value_terms, estimate = plugin_terms, "plugin"
    else:
        value_terms, estimate = 0.5 * (plugin_terms + loo_terms), "midpoint"
    value = float(value_terms.mean()) * scale
    stderr = float(value_terms.std(ddof=1)) / math.sqrt(n_mc) * scale
    extra.update(saturated=saturated, estimate=estimate, plugin=plugin * scale, leave_one_out=loo * scale,
                 bias_bound=0.5 * (loo - plugin) * scale if estimate == "midpoint" else math.inf,
                 plugin_lower=plugin_lower, plugin_upper=plugin_upper)
    return MIEstimate(value, stderr, math.nan, math.nan, "sample-propagation", n_mc, units, extra)
