"""Monte Carlo I(F; Y_1..Y_m) for a finite family of functions, for n too large to enumerate.

One sample is a cell ``c = (S, a)``, uniform over the ``K`` cells and independent of F,
and a bit ``y ~ Bernoulli(q_c(F))`` with ``q_c(f) = P(f(X) = 1 | X_S = a)``. Hence

    P(Y | f) = prod_i K^-1 q_{c_i}(f)^{y_i} (1 - q_{c_i}(f))^{1 - y_i},

    I(F; Y) = E_{F, Y} log2 [ P(Y | F) / sum_f' w_f' P(Y | f') ],

averaged over draws of (F, Y) (the K^-m factors cancel). The q_c come exactly from the
integer Fourier spectrum: ``2**n E[g | X_S = a] = sum_{T subset of S} G(T) chi_T(a)``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import combinations

import numpy as np

from boolean._lib.array import logsumexp
from boolean._lib.validate import check_distribution, check_domain, check_int, check_seed, numpy_table, shape_of
from boolean._lib.memory import check_size

from .._result import MIEstimate
from .classes import check_S0, check_visible, integer_spectra


def family_cell_probabilities(tables: np.ndarray, n: int, s: int, S0=None) -> np.ndarray:
    """Exact q (B, n_cells) via the integer spectrum; cells ordered as in ``cell_probabilities``.

    Private helper (inputs trusted): ``tables`` uint8 (B, 2**n), ``S0`` a sorted tuple or None.
    """
    from scipy.linalg import hadamard

    G = integer_spectra(tables)  # (B, 2**n), exact
    A = 1 << s
    # local subset t of S (bit j <-> S[j]); H[a, t] = chi_t(a) = (-1)^{popcount(a & t)}: Sylvester's matrix
    H = hadamard(A, dtype=np.int64)
    cols = []
    for S in ([S0] if S0 is not None else combinations(range(n), s)):
        masks = np.array([sum(1 << S[j] for j in range(s) if (t >> j) & 1) for t in range(A)], dtype=np.int64)
        E2 = G[:, masks] @ H.T  # (B, A): 2**n E[g | X_S = a], integers
        cols.append((float(1 << n) - E2) / float(1 << (n + 1)))
    return np.concatenate(cols, axis=1)


def _family_plan(B, n, s, m, samples, S0, max_bytes):
    """Refuse a :func:`function_family_information` plan above ``max_bytes``: the tables and
    their int64 spectra (x2 in the butterfly), q, log q, log(1-q), the per-draw arrays (F, vals)
    and a likelihood chunk (three float64 (rows, m, B) arrays and the (rows, m) cells, uniforms,
    q and bits). Returns (n_cells, chunk rows)."""
    n_cells = (1 << s) * (1 if S0 is not None else math.comb(n, s))
    chunk = max(1, (1 << 22) // max(1, m * B))
    check_size(B * (1 << n) * 25 + B * n_cells * 24 + 16 * samples + chunk * m * (24 * B + 25), max_bytes,
               f"function_family_information({B} functions, n={n}, s={s}, {n_cells} cells, m={m}, "
               f"{samples} samples)")
    return n_cells, chunk


def function_family_information(functions, n: int, s: int, m: int, samples: int = 20_000, seed=0, *,
                                weights=None, visible: str = "random", S0=None, domain: str = "01",
                                max_bytes=None) -> MIEstimate:
    r"""Monte Carlo I(F; Y_1..Y_m) (bits) for F drawn from a finite family of functions.

    .. math::

       I(F; Y) = \mathbb{E} \log_2 \frac{P(Y \mid F)}{P(Y)}, \qquad
       P(Y \mid f) = \prod_{i=1}^m q_{c_i}(f)^{y_i} \bigl(1 - q_{c_i}(f)\bigr)^{1-y_i}, \qquad
       P(Y) = \sum_f w_f P(Y \mid f)

    (common factors K^-m dropped). Each draw samples F ~ w, then m iid cells c_i uniform
    over the ``K = C(n, s) 2**s`` cells (or the ``2**s`` cells of S0) and
    ``y_i ~ Bernoulli(q_{c_i}(F))``; the likelihood of every family member is computed
    exactly (log-sum-exp over the family). The estimate is the mean of
    ``samples`` iid terms, with standard error ``std / sqrt(samples)``; it is unbiased.

    Parameters
    ----------
    functions : array-like (B, 2**n), or a mapping name -> truth table
        The family: truth tables in the declared ``domain`` (x indexed by sum_i x_i 2**i).
    n : int
        Number of input bits (must match the tables), ``1 <= n <= 24``.
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    m : int
        Number of samples Bob sees, ``m >= 1``.
    samples : int, optional
        Monte Carlo draws of (F, Y), ``>= 2`` (default 20 000).
    seed : int or numpy Generator, optional
        Randomness (default 0).
    weights : array-like (B,), optional
        Prior on the family (default uniform); must sum to 1.
    visible, S0, domain, max_bytes :
        As :func:`capacity.insensitive.cell_probabilities` (``max_bytes`` bounds this routine's plan).

    Returns
    -------
    MIEstimate
        ``value`` and ``stderr`` in bits, ``method="monte-carlo product formula"``,
        ``n_samples``; ``lower = 0`` and ``upper = H(w)`` are the trivial bounds;
        ``extra`` holds ``names`` (for a mapping), ``n_cells`` and ``entropy_prior``.

    Raises
    ------
    TypeError
        For non-integer n, s, m or samples, a seed that is not an int or Generator, or a bad
        table dtype.
    ValueError
        For tables of another n, values outside the declared ``domain``, an unknown ``domain``,
        s outside [0, n], m < 1, samples < 2, bad weights, an unknown ``visible``, a bad
        ``S0``, or a plan above ``max_bytes``.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006,
    Sec. 2.3; docs/problem.rst, section "Many samples: the channel on types" (the product formula).

    Examples
    --------
    >>> const = [[0, 0, 0, 0], [1, 1, 1, 1]]            # the constants: one sample tells them apart
    >>> est = function_family_information(const, 2, 1, 1, samples=100, seed=0)
    >>> est.value, est.stderr
    (1.0, 0.0)
    """
    names = None
    if isinstance(functions, Mapping):
        names = [str(k) for k in functions]
        functions = [np.asarray(v) for v in functions.values()]
        if not functions:
            raise ValueError("`functions` must be non-empty; got an empty mapping")
    n = check_int(n, "n", low=1, high=24)
    s = check_int(s, "s", low=0, high=n)
    m = check_int(m, "m", low=1)
    samples = check_int(samples, "samples", low=2)
    seed = check_seed(seed)
    visible = check_visible(visible)
    S0 = check_S0(S0, n, s, visible)
    check_domain(domain)
    shape = shape_of(functions)
    if len(shape) == 2 and shape[1] == 1 << n:  # plan from the shape: a broadcast view is not copied first
        _family_plan(shape[0], n, s, m, samples, S0, max_bytes)
    elif len(shape) in (1, 2) and shape[-1] != 1 << n:
        raise ValueError(f"`functions` must be truth tables of n = {n} bits (length {1 << n}); "
                         f"got shape {shape}")
    tables = np.atleast_2d(numpy_table(functions, "functions", domain=domain)[0])  # n checked from the shape
    B = tables.shape[0]
    if weights is None:
        w = np.full(B, 1.0 / B)
    else:
        if shape_of(weights) not in ((B,), ()):  # before the float64 copy: a broadcast view is not expanded
            raise ValueError(f"`weights` must have shape ({B},) (one per function); got {shape_of(weights)}")
        w = check_distribution(weights, "weights")  # refuses shape (); (B,) checked above
    n_cells, chunk = _family_plan(B, n, s, m, samples, S0, max_bytes)

    rng = np.random.default_rng(seed)
    q = family_cell_probabilities(tables, n, s, S0)
    with np.errstate(divide="ignore"):
        L1 = np.log(q).T.copy()  # (n_cells, B)
        L0 = np.log1p(-q).T.copy()
        logw = np.log(w)
    F = rng.choice(B, size=samples, p=w)
    vals = np.empty(samples, dtype=np.float64)
    for start in range(0, samples, chunk):
        stop = min(samples, start + chunk)
        f = F[start:stop]
        c = rng.integers(0, n_cells, size=(stop - start, m))
        y = rng.random((stop - start, m)) < q[f[:, None], c]
        # LL[j, b] = sum_i log P(y_ji | c_ji, b)
        LL = np.where(y[:, :, None], L1[c], L0[c]).sum(axis=1)
        vals[start:stop] = LL[np.arange(stop - start), f] - logsumexp(np, LL + logw, axis=1)  # log P(Y)
    vals /= math.log(2)
    value = float(vals.mean())
    stderr = float(vals.std(ddof=1) / math.sqrt(samples))
    with np.errstate(divide="ignore", invalid="ignore"):
        H = float(-np.sum(np.where(w > 0, w * np.log2(w), 0.0)))
    return MIEstimate(value=value, stderr=stderr, lower=0.0, upper=H, method="monte-carlo product formula",
                      n_samples=samples, units="bits",
                      extra={"names": names, "n_cells": n_cells, "entropy_prior": H, "m": m})
