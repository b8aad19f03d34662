"""Plug-in mutual information of paired discrete samples, Miller-Madow corrected, bootstrap SE.

:func:`plugin_mi` takes any labels ``np.unique`` can sort and counts only the occupied
(x, y) pairs, so its memory is O(n) per bootstrap resample whatever the number of labels;
:func:`plugin_mi_plan_bytes` is its memory plan, which callers that feed it (the resampling
experiments) reuse to refuse a bootstrap before simulating its samples.
"""
from __future__ import annotations

import numpy as np

from boolean._lib.memory import check_size
from boolean._lib.validate import check_choice, check_finite, check_int, check_seed, shape_of
from capacity._result import MIEstimate

from ._common import LN2, as_rows

__all__ = ["plugin_mi"]

#: What the memory check of :func:`plugin_mi` names in its refusal.
PLAN_WHAT = "the bootstrap of plugin_mi"


def plugin_mi_plan_bytes(n, n_boot, m_x, m_y, m_xy=None):
    r"""Peak bytes of :func:`plugin_mi` on ``n`` pairs with ``n_boot`` bootstrap resamples, ``m_x`` and
    ``m_y`` distinct labels and ``m_xy`` occupied pairs (default ``min(n, m_x m_y)``, its upper bound):

    .. math:: B = 8\,n_{boot}\,(4 n + 4 (m_x + m_y + m_{xy})) + 96\,n

    (the resampled indices and their histograms, and the label codes). Callers that feed
    :func:`plugin_mi` plan its bootstrap with this before simulating; trusted integer arguments.

    Examples
    --------
    >>> plugin_mi_plan_bytes(1000, 200, 3, 3)     # m_xy = min(1000, 9)
    6592000.0
    """
    m_xy = min(n, m_x * m_y) if m_xy is None else m_xy
    return 8.0 * n_boot * (4 * n + 4 * (m_x + m_y + m_xy)) + 96.0 * n


def plugin_mi(x, y, *, correction="miller-madow", n_boot=200, seed=0, max_bytes=None):
    r"""Plug-in mutual information of paired discrete samples, bias-corrected, with a bootstrap SE.

    .. math::

        \hat I = \sum_{a,b} \hat p(a,b) \log_2 \frac{\hat p(a,b)}{\hat p(a)\,\hat p(b)}, \qquad
        \hat I_{MM} = \hat I + \frac{(m_x - 1) + (m_y - 1) - (m_{xy} - 1)}{2 n \ln 2},

    with empirical frequencies :math:`\hat p`; Miller-Madow adds the first-order bias
    (m - 1) / (2 n ln 2) bits of each entropy with m occupied bins.
    The standard error is the standard deviation of I over ``n_boot`` bootstrap resamples
    of the pairs. The value is never clipped at 0.

    Parameters
    ----------
    x, y : array-like of bool, int or float (n,)
        Paired discrete labels (finite real values, each distinct value one symbol; numpy or
        torch), n >= 2.
    correction : {"miller-madow", "none"}
    n_boot : int >= 0
        Bootstrap resamples (0: stderr is NaN).
    seed : int in [0, 2**63 - 1]
        Seed of the bootstrap.
    max_bytes : int, optional
        Refuse when the bootstrap's work arrays (:func:`plugin_mi_plan_bytes`) would exceed this
        (default 8 GiB). Only occupied (x, y) pairs are counted, so many distinct labels cost O(n)
        memory, not O(m_x m_y).

    Returns
    -------
    MIEstimate
        ``value`` (bits), ``stderr``, ``method``, ``n_samples``; ``extra["plugin"]`` holds
        the uncorrected value.

    Raises
    ------
    TypeError, ValueError
        For mismatched or too short samples, an unknown correction, n_boot < 0, or a size over
        ``max_bytes``.

    References
    ----------
    G. A. Miller, "Note on the bias of information estimates" (1955); L. Paninski,
    Neural Computation 15 (2003) 1191-1253; B. Efron and R. Tibshirani, *An Introduction to
    the Bootstrap* (1993).

    Examples
    --------
    >>> est = plugin_mi([0, 0, 1, 1], [0, 0, 1, 1], n_boot=0)
    >>> round(est.extra["plugin"], 12), round(est.value, 6)
    (1.0, 1.180337)
    """
    check_choice(correction, "correction", ("miller-madow", "none"))
    n_boot = check_int(n_boot, "n_boot", low=0)
    seed = check_seed(seed, optional=False, generator=False)
    xs = shape_of(x)
    ys = shape_of(y)
    # the labels' int64 codes and inverses, from the shapes, before any copy of a (broadcast) view
    check_size(6 * 8.0 * max(np.prod(xs, dtype=np.float64), np.prod(ys, dtype=np.float64)), max_bytes, PLAN_WHAT)
    if len(xs) != 1 or len(ys) != 1 or xs != ys:
        raise ValueError(f"`x` and `y` must be 1-D of the same length; got shapes {xs} and {ys}")
    xa, ya = (_as_codes_1d(v, name) for v, name in ((x, "x"), (y, "y")))
    if xa.size < 2:
        raise ValueError(f"`x` must hold at least 2 samples; got {xa.size}")
    _, xi = np.unique(xa, return_inverse=True)
    _, yi = np.unique(ya, return_inverse=True)
    mx, my = int(xi.max()) + 1, int(yi.max()) + 1
    # occupied pairs only: m_xy <= n, never an m_x x m_y table (continuous-looking labels stay O(n))
    _, pi = np.unique(xi.astype(np.int64) * my + yi, return_inverse=True)
    mxy = int(pi.max()) + 1
    n = xi.size
    check_size(plugin_mi_plan_bytes(n, n_boot, mx, my, mxy), max_bytes, PLAN_WHAT)

    def h(cnt):  # plug-in entropy (nats) of each row of counts
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.sum(np.where(cnt > 0, cnt / n * np.log(cnt / n), 0.0), axis=-1)

    def counts(codes, m, sample):  # (B, m) histograms of codes[sample[b]]
        if sample is None:
            return np.bincount(codes, minlength=m)[None, :].astype(np.float64)
        B = sample.shape[0]
        flat = (codes[sample] + m * np.arange(B)[:, None]).ravel()
        return np.bincount(flat, minlength=m * B).reshape(B, m).astype(np.float64)

    def estimate(sample):
        cx, cy, c = counts(xi, mx, sample), counts(yi, my, sample), counts(pi, mxy, sample)
        plug = (h(cx) + h(cy) - h(c)) / LN2
        if correction == "none":
            return plug, plug
        mm = ((cx > 0).sum(-1) + (cy > 0).sum(-1) - (c > 0).sum(-1) - 1) / (2.0 * n * LN2)
        return plug + mm, plug

    value, plug = estimate(None)
    stderr = float("nan")
    if n_boot:
        rng = np.random.default_rng(seed)
        boot, _ = estimate(rng.integers(0, n, size=(n_boot, n)))
        stderr = float(np.std(boot, ddof=1))
    return MIEstimate(value=float(value[0]), stderr=stderr, method=f"plug-in ({correction}), bootstrap SE",
                      n_samples=int(n), extra={"plugin": float(plug[0]), "n_boot": n_boot})


def _as_codes_1d(v, name):
    """1-D real labels (bool, integer or finite float; a uint64 above 2**63 - 1 is refused)."""
    arr = as_rows(v, name)[:, 0]
    check_finite(arr, name)
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"`{name}` must fit in int64; got a value above 2**63 - 1")
    return arr
