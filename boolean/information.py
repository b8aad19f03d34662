"""Information a Boolean function keeps about its inputs when some of them are unknown.

For a set K of unknown coordinates and X uniform on {0,1}^n,

    I_K(f) = I(f(X); X_{[n]∖K}) = H(f(X)) - E h(P[f(X) = 1 | X_{[n]∖K}])   (bits),

with h the binary entropy. The profile is k -> mean of I_K over uniform |K| = k, k = 0..n.
Identity: H(f(X) | X_{-i}) = Inf_i[f], i.e. I_{{i}} = H(f) - Inf_i.
"""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ._lib.array import device_of, like_input, namespace, to_numpy, xlogy
from ._lib.backend import is_tensor
from ._lib.memory import DEFAULT_MAX_BYTES, check_size
from ._lib.validate import check_int, check_real, check_seed
from ._tables import deliver, fill_params, load_table, result_repr

__all__ = ["retained_information", "retained_information_profile", "RetainedInformationProfile"]

#: The exact profile costs Σ_K 2**(n - |K|) = 3**n table additions; above this, Monte Carlo.
EXACT_PROFILE_WORK = 3**16
#: Random sets K per level k when the profile falls back to Monte Carlo and ``samples`` is None.
DEFAULT_SAMPLES = 32
#: Default bound on the Monte Carlo profile's work, in table entries read (:func:`profile_work`):
#: 2**37 (1.4e11) covers the default 32 sets per level up to n = 26 for one function.
PROFILE_MAX_WORK = 2**37


def profile_work(n, rows, samples):
    """Table entries the Monte Carlo profile reads: each of the at most ``samples`` sets of each
    level k = 0..n reads the 2**n entries of each of the ``rows`` tables once."""
    return rows * 2.0**n * sum(min(samples, math.comb(n, k)) for k in range(n + 1))


def _count_plan_bytes(name, n, rows):
    """Conditional counts of one set K: numba reuses one int32 buffer of 2**(n-1) entries;
    xp holds int64 counts, their pair sums and float64 entropies."""
    return rows * 2.0**n * {"numba": 3, "numpy": 21, "torch": 21}[name]


def _exact_plan_bytes(name, n, rows):
    """The exact profile: numba goes row by row (count and entropy tables of 2 * 2**n entries);
    xp holds a whole level, C(n, d) tables of 2**(n-d) entries a row, its entropies and a copy."""
    level = max(math.comb(n, d) * 2.0 ** (n - d) for d in range(n + 1)) * 24.0 * rows
    return {"numba": 32.0 * 2**n, "numpy": level, "torch": level}[name]


def _h_counts(counts, k):
    """Binary entropy h(counts / 2**k) in bits, elementwise, for integer counts (h(0) = h(1) = 0)."""
    xp = namespace(counts)
    p = xp.astype(counts, xp.float64) / float(1 << k)
    return -(xlogy(xp, p, p) + xlogy(xp, 1 - p, 1 - p)) / math.log(2)


def _sum_out(counts, unknown):
    """Conditional counts: sum the (B, 2**n) table over the variables in sorted ``unknown``."""
    xp = namespace(counts)
    B, size = counts.shape
    for d, j in enumerate(unknown):
        lo = 1 << (j - d)  # position of variable j once the d smaller unknown ones are summed out
        v = xp.reshape(counts, (B, size // (2 * lo), 2, lo))
        counts = xp.reshape(v[:, :, 0, :] + v[:, :, 1, :], (B, size // 2))
        size //= 2
    return counts


def _conditional_entropies_xp(table, sets):
    xp = namespace(table)
    counts = xp.astype(table, xp.int64)
    return np.stack([to_numpy(xp.mean(_h_counts(_sum_out(counts, K), len(K)), axis=1)) for K in sets], axis=1)


def _conditional_entropies_numba(table, sets):
    from . import _numba

    k = len(sets[0])
    return _numba.conditional_entropy_sets(table, np.asarray(sets, dtype=np.int64).reshape(len(sets), k), k)


#: kernel -> E h(P[f = 1 | X visible]) (B, S) as numpy float64 for S sorted unknown sets of equal size
_CONDITIONAL_ENTROPIES = {"numba": _conditional_entropies_numba, "xp": _conditional_entropies_xp}


def _output_entropy(table, n):
    """H(f(X)) (B,) in bits from the exact count of ones."""
    xp = namespace(table)
    return _h_counts(to_numpy(xp.sum(table, axis=1, dtype=xp.int64)), n)


def _check_unknown(unknown, n):
    if isinstance(unknown, (str, bytes)) or is_tensor(unknown):
        raise TypeError(f"`unknown` must be an iterable of variable indices; got {type(unknown).__name__}")
    try:
        size = len(unknown)
    except TypeError:  # an iterator or a non-iterable: list() below tells them apart
        size = 0
    if size > n:  # more indices than variables repeats one: refused before list() expands a huge view
        raise ValueError(f"`unknown` must list distinct indices of the {n} variables; got {size} entries")
    try:
        items = list(unknown)
    except TypeError as exc:
        raise TypeError(f"`unknown` must be an iterable of variable indices; got {type(unknown).__name__}") from exc
    out = []
    for i in items:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral):
            raise TypeError(f"`unknown` must hold integer indices; got {i!r}")
        if not 0 <= int(i) < n:
            raise ValueError(f"`unknown` must hold indices in [0, {n}); got {int(i)}")
        out.append(int(i))
    if len(set(out)) != len(out):
        raise ValueError(f"`unknown` must not repeat an index; got {sorted(out)}")
    return sorted(out)


@fill_params
def retained_information(f, unknown, *, domain="01", backend="auto", device=None, max_bytes=None):
    r"""Information f(X) keeps about the known inputs when the coordinates in K are unknown.

    .. math:: I_K(f) = I(f(X); X_{[n] \setminus K})
              = H(f(X)) - \mathbb{E}\, h\big(\Pr[f(X) = 1 \mid X_{[n] \setminus K}]\big),

    X uniform on {0,1}^n, h the binary entropy, in bits. With K = {i},
    H(f(X) | X_{-i}) = H(f) - I_{\{i\}} = Inf_i[f].

    Parameters
    ----------
    {table}
    unknown : iterable of int
        The set K of unknown coordinates (distinct, in [0, n)); may be empty.
    {options}

    Returns
    -------
    float, or ndarray/torch.Tensor (B,) float64
        Bits; never clipped (it is >= 0 up to rounding of order 1e-15).

    Raises
    ------
    TypeError
        For a float/complex table or ``unknown`` that is not an iterable of integers.
    ValueError
        For a bad table, indices out of range or repeated, a request above ``max_bytes``,
        an unknown backend, or CUDA without a GPU.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, §2.4.
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.13 (influence).

    Examples
    --------
    >>> from boolean import parity, dictator
    >>> retained_information(parity(3), [2])  # one unknown bit destroys parity
    0.0
    >>> retained_information(dictator(3, 0), [1, 2])  # the dictator's own bit is known
    1.0
    """
    be, table, n, batched = load_table(f, backend, device, max_bytes, _count_plan_bytes, "retained_information",
                                       domain=domain)
    K = _check_unknown(unknown, n)
    value = _output_entropy(table, n) - _CONDITIONAL_ENTROPIES[be.kernel](table, [K])[:, 0]
    return deliver(value, f, batched, scalar=True)


@dataclass(frozen=True)
class RetainedInformationProfile:
    r"""Mean retained information over :math:`|K| = k`, k = 0..n (see :func:`retained_information_profile`).

    Attributes
    ----------
    mean : ndarray (n + 1,) or (B, n + 1)
        mean[..., k] = average of I_K over the K of size k (bits); exact, or a Monte Carlo mean.
        float64; a tensor on the table's device for a tensor table (as ``stderr``).
    stderr : ndarray, same shape
        Standard error of ``mean`` (0 where a level was computed exactly).
    exact : bool
        True when every level is exact (all subsets enumerated).
    samples : int or None
        Random sets per Monte Carlo level (None when exact).
    entropy : float or ndarray (B,)
        H(f(X)) = mean[..., 0].

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, §2.4.

    Examples
    --------
    >>> from boolean import retained_information_profile, and_
    >>> p = retained_information_profile(and_(2))
    >>> p.exact, p.stderr.tolist(), round(p.entropy, 6)
    (True, [0.0, 0.0, 0.0], 0.811278)
    """

    mean: np.ndarray
    stderr: np.ndarray
    exact: bool
    samples: int | None
    entropy: object

    def __repr__(self):
        return result_repr(self)


def _exact_profile_numba(table, n):
    from . import _numba

    return np.stack([_numba.profile_entropy_sums(row, n) for row in table])


def _exact_profile_xp(table, n):
    """Σ_{|K| = k} E h(...) for every k, (B, n + 1), exactly, breadth-first over |K|: the tables
    of level d are stacked in order of max(K), so the K with max(K) < j form a prefix, and adding
    j (at compacted position j - d) is one batched reduction per (d, j). Work Σ_K 2**(n - |K|) = 3**n."""
    xp = namespace(table)
    B, N = table.shape
    sums = np.zeros((B, n + 1))
    level = xp.reshape(xp.astype(table, xp.int64), (B, 1, N))  # level d: (B, count_d, 2**(n-d))
    starts = [1] * n  # starts[j]: number of K at level d with max(K) < j (level 0: the empty set)
    for d in range(n):
        pieces, nxt, total = [], [0] * n, 0
        size = N >> d
        for j in range(d, n):
            nxt[j] = total  # K at level d + 1 with max(K) < j
            cnt = starts[j]
            lo = 1 << (j - d)
            v = xp.reshape(level[:, :cnt], (B, cnt, size // (2 * lo), 2, lo))
            pieces.append(xp.reshape(v[:, :, :, 0, :] + v[:, :, :, 1, :], (B, cnt, size // 2)))
            total += cnt
        level = xp.concat(pieces, axis=1)
        h = _h_counts(xp.arange((1 << (d + 1)) + 1, device=device_of(table)), d + 1)  # h(c / 2**(d+1)), every c
        sums[:, d + 1] = to_numpy(xp.sum(xp.mean(h[level], axis=2), axis=1))
        starts = nxt
    return sums


#: kernel -> Σ_{|K| = k} E h(...) for every k, (B, n + 1), exactly
_EXACT_PROFILE = {"numba": _exact_profile_numba, "xp": _exact_profile_xp}


@fill_params
def retained_information_profile(f, samples=None, seed=None, *, domain="01", backend="auto", device=None,
                                 max_bytes=None, max_work=None):
    r"""Average information kept with k unknown inputs, for k = 0..n.

    .. math:: \bar I_k(f) = \binom{n}{k}^{-1} \sum_{|K| = k} I(f(X); X_{[n] \setminus K}),
              \qquad \bar I_0 = H(f(X)),\quad \bar I_n = 0.

    Exact when affordable: every K is enumerated depth-first, each conditional-count table
    built from that of K minus its largest element (3**n additions in all; used when
    ``samples`` is None and 3**n <= 3**16 and the memory fits). Otherwise Monte Carlo:
    ``samples`` uniform random K per level (levels with at most ``samples`` subsets are
    enumerated exactly), with standard error std / sqrt(samples).

    Parameters
    ----------
    {table}
    samples : int >= 2, optional
        Random sets per level; None = exact when affordable, else 32. A level with at most
        ``samples`` subsets is enumerated; when every level is (``samples`` >= C(n, n // 2)) the
        profile is computed exactly, as with None, and a UserWarning says that ``samples`` was not used.
    seed : int, numpy.random.Generator or None
        For the Monte Carlo choice of K.
    {options}
    max_work : float, optional
        Refuse (before starting) a Monte Carlo profile that would read more table entries than
        this: :math:`B \, 2^n \sum_{k=0}^{n} \min(\text{samples}, \binom{n}{k})` for B tables;
        default ``PROFILE_MAX_WORK`` = 2**37; ``float("inf")`` for no bound.

    Returns
    -------
    RetainedInformationProfile
        ``.mean`` and ``.stderr`` (n + 1,) or (B, n + 1) numpy float64 (bits), ``.exact``,
        ``.samples``, ``.entropy``.

    Raises
    ------
    TypeError
        For a float/complex table, non-integer ``samples`` or a bad ``seed`` type.
    ValueError
        For a bad table, ``samples`` < 2, a request above ``max_bytes`` (the sets of one level
        and their entropies count too) or above ``max_work``, an unknown backend, or CUDA
        without a GPU.

    Warns
    -----
    UserWarning
        When ``samples`` is given but every level is enumerated exactly.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, §2.4.

    Examples
    --------
    >>> from boolean import dictator, parity
    >>> retained_information_profile(dictator(3)).mean.round(12).tolist()  # P[0 not in K] = 1 - k/3
    [1.0, 0.666666666667, 0.333333333333, 0.0]
    >>> retained_information_profile(parity(3)).mean.round(12).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """
    if samples is not None:
        samples = check_int(samples, "samples", low=2)
    check_seed(seed)
    work_cap = check_real(PROFILE_MAX_WORK if max_work is None else max_work, "max_work", low=0.0, low_open=True,
                          finite=False)  # inf: no bound
    be, table, n, batched = load_table(f, backend, device, max_bytes, _count_plan_bytes,
                                       "retained_information_profile", domain=domain)
    B = table.shape[0]
    H = _output_entropy(table, n)
    cap = max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES
    covered = samples is not None and math.comb(n, n // 2) <= samples  # every level has <= samples sets
    if covered:
        warnings.warn(f"`samples`={samples} is at least C({n}, {n // 2}) = {math.comb(n, n // 2)}, the number of "
                      "subsets of the largest level: every level is computed exactly and `samples` is not used",
                      UserWarning, stacklevel=2)
    if (samples is None or covered) and 3**n <= EXACT_PROFILE_WORK and _exact_plan_bytes(be.name, n, B) <= cap:
        sums = _EXACT_PROFILE[be.kernel](table, n)
        counts = np.array([math.comb(n, k) for k in range(n + 1)], dtype=np.float64)
        mean = H[:, None] - sums / counts
        stderr = np.zeros_like(mean)
        exact, used = True, None
    else:
        used = DEFAULT_SAMPLES if samples is None else samples
        # the largest level's sets as int64 and their (B, sets) entropies
        widest = min(used, math.comb(n, n // 2))
        check_size(widest * 8.0 * (n + B), max_bytes, "retained_information_profile's sets")
        work = profile_work(n, B, used)
        if work > work_cap:
            raise ValueError(f"retained_information_profile(n={n}, {B} table(s), samples={used}) reads {work:.3g} "
                             f"table entries > max_work={work_cap:.3g}; lower `samples` or raise `max_work`")
        rng = np.random.default_rng(seed)
        mean = np.empty((B, n + 1))
        stderr = np.zeros((B, n + 1))
        exact = math.comb(n, n // 2) <= used  # every level enumerated: the widest has C(n, n // 2) sets
        for k in range(n + 1):
            enumerated = math.comb(n, k) <= used
            sets = (list(itertools.combinations(range(n), k)) if enumerated
                    else [sorted(rng.choice(n, k, replace=False).tolist()) for _ in range(used)])
            vals = _CONDITIONAL_ENTROPIES[be.kernel](table, sets)
            mean[:, k] = H - vals.mean(axis=1)
            if not enumerated:
                stderr[:, k] = vals.std(axis=1, ddof=1) / math.sqrt(used)
        used = None if exact else used
    if not batched:
        mean, stderr, H = mean[0], stderr[0], float(H[0])
    mean, stderr = like_input(mean, f), like_input(stderr, f)  # output follows input: tensors on f's device
    return RetainedInformationProfile(mean=mean, stderr=stderr, exact=exact, samples=used, entropy=H)
