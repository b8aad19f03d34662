"""Influences, spectral weights, degree, noise stability and the noise operator.

Definitions (g = (-1)^f, ĝ its Fourier coefficients, e_i the i-th unit vector):

* Inf_i[f] = P_x[f(x) != f(x ⊕ e_i)] = Σ_{T ∋ i} ĝ(T)^2; I[f] = Σ_i Inf_i = Σ_T |T| ĝ(T)^2.
* W^d[f] = Σ_{|T| = d} ĝ(T)^2; deg f = max{|T| : ĝ(T) != 0}.
* Stab_ρ[f] = Σ_T ρ^|T| ĝ(T)^2; NS_δ[f] = 1/2 - 1/2 Stab_{1-2δ}[f]; T_ρ g = Σ_T ρ^|T| ĝ(T) χ_T.

Exactness: influences are integer counts of disagreeing pairs divided by 2^n at the end;
level weights are exact int64 sums of (2^n ĝ(T))^2 (at most 4^n <= 2^60) divided by 4^n at
the end. No float accumulation over 2^n terms happens, so nothing drifts at n = 24 or above.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _pbiased
from ._lib.array import device_of, namespace, to_numpy
from ._lib.validate import as_array, check_flag, check_real
from ._tables import deliver, fill_params, load_host_table, load_table, result_repr, table_raises
from ._transform import normalise, pm1_plan_bytes, pm1_transform, transform_rows

__all__ = ["influences", "total_influence", "spectral_weights", "degree", "noise_stability",
           "noise_sensitivity", "noise_operator", "spectral_summary", "SpectralSummary"]


# memory plans (bytes), by backend name
def _influence_plan_bytes(name, n, rows):
    """Influence counts: the uint8 table and its packed words (numba: a quarter byte an entry;
    xp: the one-byte packing product, then the words and their popcount temporaries)."""
    return rows * 2.0**n * {"numba": 1.25, "numpy": 2.5, "torch": 2.5}[name]


def _spectral_plan_bytes(name, n, rows):
    """One transform and its level sums (xp: table, spectrum, int64 square, folding buffer; numba: in
    place), plus the influence counts, which :func:`spectral_summary` takes while holding the spectrum."""
    e = rows * 2.0**n
    levels = e * {"numba": 0, "numpy": 1 + 3 * 8, "torch": 1 + 3 * 8}[name]
    return max(pm1_plan_bytes(name, e), levels) + _influence_plan_bytes(name, n, rows) - e


def _operator_plan_bytes(name, n, rows):
    """:func:`noise_operator`: the ±1 transform, scaled in place and transformed again (torch
    first converts a float32 spectrum to float64)."""
    e = rows * 2.0**n
    return pm1_plan_bytes(name, e) + e * {"numba": 0, "numpy": 0, "torch": 8}[name]


# kernels: {"numba": specialised CPU kernel, "xp": one implementation for numpy and torch}
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
    xp = namespace(f)
    B, N = f.shape
    bit = xp.asarray([1 << j for j in range(8)], dtype=xp.uint8, device=device_of(f))
    packed = xp.sum(xp.reshape(f, (B, N // 8, 8)) * bit, axis=2, dtype=xp.uint8)  # little-endian bits
    quads = xp.reshape(packed, (B, N // 32, 4))
    words = xp.astype(quads[:, :, 0], xp.int64)
    for j in range(1, 4):
        words |= xp.astype(quads[:, :, j], xp.int64) << (8 * j)
    return words


def _influence_counts_xp(f, n):
    """Pair counts on numpy or torch; for n >= 5 the table is bit-packed into 32-bit words (held
    in int64: no sign or overflow issues): variables 0..4 pair bits inside a word, the others
    pair whole words."""
    xp = namespace(f)
    B, N = f.shape
    out = np.empty((B, n), dtype=np.int64)
    if n < 5:
        for i in range(n):
            v = xp.reshape(f, (B, N >> (i + 1), 2, 1 << i))
            out[:, i] = to_numpy(2 * xp.sum(v[:, :, 0, :] != v[:, :, 1, :], axis=(1, 2), dtype=xp.int64))
        return out
    w = _pack32(f)
    for i in range(5):
        out[:, i] = to_numpy(2 * xp.sum(_popcount32((w ^ (w >> (1 << i))) & _M32[i]), axis=1))
    for i in range(5, n):
        v = xp.reshape(w, (B, N >> (i + 1), 2, 1 << (i - 5)))
        out[:, i] = to_numpy(2 * xp.sum(_popcount32(v[:, :, 0, :] ^ v[:, :, 1, :]), axis=(1, 2)))
    return out


def _influence_counts_numba(table, n):
    from . import _numba

    return _numba.influence_counts(table, n)


#: kernel -> exact int64 counts (B, n), as numpy, of x with f(x) != f(x ⊕ e_i)
_INFLUENCE_COUNTS = {"numba": _influence_counts_numba, "xp": _influence_counts_xp}


def _levels_xp(c, n, keep):
    """Exact int64 level sums Σ_{|T|=d} c(T)^2 as the polynomial Σ_T c(T)^2 z^|T|, built by
    splitting off the top index bit n times (A_low + z A_high): only additions over contiguous
    runs (no scatter, no index arrays). Returns (sums, degree, ĝ or None)."""
    xp = namespace(c)
    B, N = c.shape
    acc = xp.astype(c, xp.int64)
    acc *= acc
    acc = xp.reshape(acc, (1, B, N))  # (level, row, index)
    M, L = N, 1
    while M > 1:
        v = xp.reshape(acc, (L, B, 2, M // 2))
        new = xp.zeros((L + 1, B, M // 2), dtype=xp.int64, device=device_of(c))
        new[:L] = v[:, :, 0]
        new[1:] += v[:, :, 1]
        acc, M, L = new, M // 2, L + 1
    sums = np.ascontiguousarray(to_numpy(xp.reshape(acc, (L, B))).T)
    deg = n - np.argmax(sums[:, ::-1] > 0, axis=1)  # W^d > 0 iff some ĝ(T) != 0 at level d; Σ_d W^d = 1
    return sums, deg, normalise(c, n, xp) if keep else None


def _levels_numba(c, n, keep):
    """One pass: exact level sums and degree, and ĝ = c / 2**n in place when kept."""
    from . import _numba

    sums, deg = _numba.level_sums(c, n, 2.0**-n if keep else 1.0)
    return sums, deg, c if keep else None


#: kernel -> (exact int64 level sums (B, n + 1), degree (B,), both numpy; float64 ĝ or None) for integral c
_LEVELS = {"numba": _levels_numba, "xp": _levels_xp}


def _operator_xp(c, rho, n, be):
    """ĝ(T) rho**|T| (one strided pass per variable), transformed back."""
    xp = be.xp
    c = normalise(c, n, xp)
    B, N = c.shape
    for i in range(n):
        xp.reshape(c, (B, N >> (i + 1), 2, 1 << i))[:, :, 1, :] *= rho
    return transform_rows(c, be)


def _operator_numba(c, rho, n, be):
    from . import _numba

    _numba.scale_by_level(c, rho ** np.arange(n + 1, dtype=np.float64) * 2.0**-n, n)  # one pass
    return transform_rows(c, be)


#: kernel -> T_rho g from the unnormalised spectrum c (which it may overwrite)
_OPERATOR = {"numba": _operator_numba, "xp": _operator_xp}


def _influence_values(f, what, domain, backend, device, max_bytes):
    """Validate ``f`` (the influence plan): ``(Inf_i (B, n) float64 numpy, batched)`` from exact counts."""
    be, table, n, batched = load_table(f, backend, device, max_bytes, _influence_plan_bytes, what, domain=domain)
    return _INFLUENCE_COUNTS[be.kernel](table, n) * 2.0**-n, batched


def _spectrum(f, what, domain, backend, device, max_bytes, keep=False, influences=False):
    """Validate ``f`` (the spectral plan) and take ONE transform: ``(batched, W^0..W^n (B, n + 1) float64,
    degree (B,) int64, ĝ if keep else None, Inf_i (B, n) float64 if influences else None)``."""
    be, table, n, batched = load_table(f, backend, device, max_bytes, _spectral_plan_bytes, what, domain=domain)
    sums, deg, coeffs = _LEVELS[be.kernel](pm1_transform(table, n, be, "float"), n, keep)
    inf = _INFLUENCE_COUNTS[be.kernel](table, n) * 2.0**-n if influences else None
    return batched, sums * 4.0**-n, np.asarray(deg, dtype=np.int64), coeffs, inf


def _check_rho(rho, name, low=-1.0, high=1.0):
    """Validate a scalar or 1-D array of reals in [low, high]; return (float64 array, is_scalar)."""
    arr = as_array(rho, name, kinds="iuf", requirement="a real number or 1-D array of reals")  # bools refused
    if arr.ndim > 1:
        raise TypeError(f"`{name}` must be a real number or 1-D array of reals; got shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        val = arr.reshape(-1)[int(np.argmax(bad.reshape(-1)))]
        raise ValueError(f"`{name}` must be a finite number in [{low:g}, {high:g}]; got {val!r}")
    return arr, arr.ndim == 0


def _stab_from_weights(weights, rhos):
    """Σ_d ρ^d W^d for weights (B, n + 1) and rhos (R,) -> (B, R), float64."""
    d = np.arange(weights.shape[-1])
    powers = rhos.reshape(-1, 1) ** d  # 0**0 = 1
    return weights @ powers.T


def _deliver_rho(values, template, batched, scalar_rho):
    """values (B, R) -> (B,) when rho was a scalar; then as ``deliver``."""
    if scalar_rho:
        values = values[:, 0]
    return deliver(values, template, batched, scalar=scalar_rho)


# ----------------------------------------------------------------------------------------
# public routines
# ----------------------------------------------------------------------------------------
def influences(f, *, p=None, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Influence of each variable, counted exactly (uniform), or under the p-biased measure.

    .. math:: \mathrm{Inf}_i[f] = \Pr_x[f(x) \ne f(x \oplus e_i)]
              = \frac{\#\{x : f(x) \ne f(x \oplus e_i)\}}{2^n} = \sum_{T \ni i} \hat g(T)^2,
              \qquad \mathrm{Inf}^{(p)}_i[f] = 4p(1-p) \Pr_{x \sim \mu_p}[f(x) \ne f(x \oplus e_i)].

    Parameters
    ----------
    {table}
    {options}
    p : float, optional
        P[x_i = 1] in (0, 1): the p-biased influence (as :func:`boolean.pbiased_influences`,
        computed on the host, numpy result). None (default): uniform, exact counts.

    Returns
    -------
    ndarray or torch.Tensor, shape (n,) or (B, n), float64
        The counts are exact integers; the only rounding is the final division by 2**n.

    Raises
    ------
    {raises}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.13 and Thm. 2.20.

    Examples
    --------
    >>> from boolean import majority
    >>> influences(majority(3)).tolist()  # C(2, 1) / 2**2
    [0.5, 0.5, 0.5]
    >>> influences([0, 0, 0, 1]).tolist()  # AND_2
    [0.5, 0.5]
    >>> [round(v, 12) for v in influences([0, 0, 0, 1], p=0.25).tolist()]  # 4p(1-p) P[other bit = 1]
    [0.1875, 0.1875]
    """
    if p is not None:
        p = check_real(p, "p", low=0.0, high=1.0, low_open=True, high_open=True)
        table, n, batched = load_host_table(f, max_bytes, _pbiased.influence_plan_bytes, "influences",
                                             domain=domain)
        out = _pbiased.influences(table, n, p)
        return out if batched else out[0]
    values, batched = _influence_values(f, "influences", domain, backend, device, max_bytes)
    return deliver(values, f, batched)


def total_influence(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Total influence (average sensitivity), counted exactly.

    .. math:: I[f] = \sum_i \mathrm{Inf}_i[f] = \sum_T |T| \hat g(T)^2
              = 2^{-n} \sum_i \#\{x : f(x) \ne f(x \oplus e_i)\}.

    Parameters
    ----------
    {table}
    {options}

    Returns
    -------
    float, or ndarray/torch.Tensor (B,) float64
        The integer count is exact at every n; it is divided by 2**n once at the end.

    Raises
    ------
    {raises}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.27 and Thm. 2.38.

    Examples
    --------
    >>> from boolean import parity, majority
    >>> total_influence(parity(5))
    5.0
    >>> total_influence(majority(3))
    1.5
    """
    values, batched = _influence_values(f, "total_influence", domain, backend, device, max_bytes)
    return deliver(values.sum(axis=1), f, batched, scalar=True)  # exact: multiples of 2**-n below 2**5


def spectral_weights(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Fourier weight at each degree, W^0..W^n.

    .. math:: W^d[f] = \sum_{|T| = d} \hat g(T)^2, \qquad \sum_d W^d = 1.

    Parameters
    ----------
    {table}
    {options}

    Returns
    -------
    ndarray or torch.Tensor, shape (n + 1,) or (B, n + 1), float64
        Exact integer sums of (2^n ĝ)^2 divided by 4^n at the end.

    Raises
    ------
    {raises}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 1.28.

    Examples
    --------
    >>> from boolean import majority
    >>> spectral_weights(majority(3)).tolist()  # Maj_3 = 1/2 (x1 + x2 + x3) - 1/2 x1 x2 x3
    [0.0, 0.75, 0.0, 0.25]
    """
    batched, weights, *_ = _spectrum(f, "spectral_weights", domain, backend, device, max_bytes)
    return deliver(weights, f, batched)


def degree(f, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Fourier degree: the largest :math:`|T|` with :math:`\hat g(T) \ne 0` (0 for constant functions).

    .. math:: \deg f = \max\{|T| : \hat g(T) \ne 0\}.

    Parameters
    ----------
    {table}
    {options}

    Returns
    -------
    int, or ndarray/torch.Tensor (B,) int64

    Raises
    ------
    {raises}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 1.15.

    Examples
    --------
    >>> from boolean import and_, dictator, parity
    >>> degree(and_(4)), degree(dictator(4, 2)), degree(parity(4)), degree([0, 0, 0, 0])
    (4, 1, 4, 0)
    """
    batched, _, deg, *_ = _spectrum(f, "degree", domain, backend, device, max_bytes)
    return deliver(deg, f, batched, scalar=True)


def noise_stability(f, rho, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Noise stability at correlation ρ.

    .. math:: \mathrm{Stab}_\rho[f] = \mathbb{E}[g(x) g(y)] = \sum_T \rho^{|T|} \hat g(T)^2
              = \sum_d \rho^d W^d[f],

    where y_i = x_i with probability ρ and is fresh uniform otherwise (ρ-correlated).

    Parameters
    ----------
    {table}
    rho : float or 1-D array_like of floats in [-1, 1]
    {options}

    Returns
    -------
    float, or ndarray/torch.Tensor float64 of shape (B,) + shape(rho)
        A Python float for one table and a scalar ρ.

    Raises
    ------
    {raises}
        Also for ``rho`` outside [-1, 1] or not finite.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.42 and Thm. 2.49.

    Examples
    --------
    >>> from boolean import majority, parity
    >>> noise_stability(majority(3), 0.5)  # 0.75 * 0.5 + 0.25 * 0.125
    0.40625
    >>> noise_stability(parity(3), [1.0, -1.0]).tolist()
    [1.0, -1.0]
    """
    rhos, scalar = _check_rho(rho, "rho")
    batched, weights, *_ = _spectrum(f, "noise_stability", domain, backend, device, max_bytes)
    return _deliver_rho(_stab_from_weights(weights, rhos.reshape(-1)), f, batched, scalar)


def noise_sensitivity(f, delta, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Noise sensitivity at flip probability δ.

    .. math:: \mathrm{NS}_\delta[f] = \Pr[f(x) \ne f(y)] = \tfrac12 - \tfrac12 \mathrm{Stab}_{1-2\delta}[f],

    where each y_i is x_i flipped independently with probability δ.

    Parameters
    ----------
    {table}
    delta : float or 1-D array_like of floats in [0, 1]
    {options}

    Returns
    -------
    float, or ndarray/torch.Tensor float64 of shape (B,) + shape(delta)

    Raises
    ------
    {raises}
        Also for ``delta`` outside [0, 1] or not finite.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.44 and Prop. 2.51.

    Examples
    --------
    >>> from boolean import dictator, parity
    >>> noise_sensitivity(dictator(3), 0.25)
    0.25
    >>> noise_sensitivity(parity(2), 0.5)
    0.5
    """
    deltas, scalar = _check_rho(delta, "delta", 0.0, 1.0)
    batched, weights, *_ = _spectrum(f, "noise_sensitivity", domain, backend, device, max_bytes)
    return _deliver_rho(0.5 - 0.5 * _stab_from_weights(weights, 1.0 - 2.0 * deltas.reshape(-1)), f, batched, scalar)


def noise_operator(f, rho, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""The noise operator applied to g = (-1)^f, as real values on {0,1}^n.

    .. math:: (T_\rho g)(x) = \mathbb{E}_{y \sim N_\rho(x)}[g(y)] = \sum_T \rho^{|T|} \hat g(T) \chi_T(x).

    Parameters
    ----------
    {table}
    rho : float in [-1, 1]
    {options}

    Returns
    -------
    ndarray or torch.Tensor, shape of ``f``, float64 with values in [-1, 1]
        ``T_1 g = g`` and ``T_0 g = E[g]`` everywhere.

    Raises
    ------
    {raises}
        Also for ``rho`` outside [-1, 1] or not finite.

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.46 and Prop. 2.47.

    Examples
    --------
    >>> noise_operator([0, 1], 0.5).tolist()  # g = (1, -1) = chi_{0}: T_rho g = rho g
    [0.5, -0.5]
    >>> noise_operator([0, 0, 0, 1], 0.0).tolist()  # E[(-1)^AND] = 1/2
    [0.5, 0.5, 0.5, 0.5]
    """
    rhos, scalar = _check_rho(rho, "rho")
    if not scalar:
        raise TypeError(f"`rho` must be a real number; got an array of shape {rhos.shape}")
    rho = float(rhos)
    be, table, n, batched = load_table(f, backend, device, max_bytes, _operator_plan_bytes, "noise_operator",
                                       domain=domain)
    c = pm1_transform(table, n, be, "float")
    return deliver(_OPERATOR[be.kernel](c, rho, n, be), f, batched)


@dataclass(frozen=True)
class SpectralSummary:
    """Several spectral quantities of f computed from ONE transform (see :func:`spectral_summary`).

    Attributes
    ----------
    n : int
    coefficients : ndarray or torch.Tensor (..., 2**n) float64
        ĝ(T) by bitmask T (None when ``coefficients=False`` was asked).
    weights : ndarray or torch.Tensor (..., n + 1) float64
        W^0..W^n.
    influences : ndarray or torch.Tensor (..., n) float64
    total_influence : float or ndarray/torch.Tensor (...,)
    degree : int or ndarray/torch.Tensor (...,) int64

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Ch. 1-2.

    Examples
    --------
    >>> from boolean import spectral_summary, parity
    >>> s = spectral_summary(parity(2))
    >>> s.coefficients.tolist(), s.noise_sensitivity(0.5)
    ([0.0, 0.0, 0.0, 1.0], 0.5)
    """

    n: int
    coefficients: Any
    weights: Any
    influences: Any
    total_influence: Any
    degree: Any

    def __repr__(self):
        return result_repr(self)

    def noise_stability(self, rho):
        """Stab_ρ = Σ_d ρ^d W^d from the stored weights (no new transform); same shapes as
        :func:`noise_stability`."""
        rhos, scalar = _check_rho(rho, "rho")
        w = to_numpy(self.weights)
        batched = w.ndim == 2
        stab = _stab_from_weights(w.reshape(-1, self.n + 1), rhos.reshape(-1))
        return _deliver_rho(stab, self.weights, batched, scalar)

    def noise_sensitivity(self, delta):
        """NS_δ = 1/2 - 1/2 Stab_{1-2δ} from the stored weights."""
        deltas, _ = _check_rho(delta, "delta", 0.0, 1.0)
        return 0.5 - 0.5 * self.noise_stability(1.0 - 2.0 * deltas)


def spectral_summary(f, *, coefficients=True, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Spectrum, level weights, degree, influences and total influence with ONE transform.

    .. math:: \hat g(T) = 2^{-n} (H_n g)(T),\quad W^d = \sum_{|T|=d} \hat g(T)^2,\quad
              \mathrm{Inf}_i = \Pr[f(x) \ne f(x \oplus e_i)],\quad I = \sum_i \mathrm{Inf}_i.

    The transform is computed once; the level weights and degree come from it in one pass,
    the influences from exact pair counts on the table (a bit-packed pass, not a transform),
    and ``.noise_stability(rho)`` / ``.noise_sensitivity(delta)`` on the result reuse the weights.

    Parameters
    ----------
    {table}
    coefficients : bool
        Keep ĝ in the result; False frees the 8 * 2**n-byte spectrum as soon as the weights are
        computed (the transform still runs, once).
    {options}

    Returns
    -------
    SpectralSummary
        Fields in the container of ``f`` (numpy, or tensors on ``f``'s device).

    Raises
    ------
    {raises}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Ch. 1-2.

    Examples
    --------
    >>> from boolean import majority
    >>> s = spectral_summary(majority(3))
    >>> s.weights.tolist(), s.influences.tolist(), s.total_influence, s.degree
    ([0.0, 0.75, 0.0, 0.25], [0.5, 0.5, 0.5], 1.5, 3)
    >>> s.noise_stability(0.5)
    0.40625
    """
    check_flag(coefficients, "coefficients")
    batched, weights, deg, coeffs, inf = _spectrum(f, "spectral_summary", domain, backend, device, max_bytes,
                                                   keep=coefficients, influences=True)
    return SpectralSummary(
        n=inf.shape[1],
        coefficients=None if coeffs is None else deliver(coeffs, f, batched),
        weights=deliver(weights, f, batched),
        influences=deliver(inf, f, batched),
        total_influence=deliver(inf.sum(axis=1), f, batched, scalar=True),
        degree=deliver(deg, f, batched, scalar=True),
    )


_RAISES = table_raises(", a non-string ``domain`` or a non-string backend",
                       ", an unknown ``domain``, an unknown backend, CUDA without a GPU")
for _fn in (influences, total_influence, spectral_weights, degree, noise_stability, noise_sensitivity,
            noise_operator, spectral_summary):
    fill_params(_fn, raises=_RAISES)
del _fn
