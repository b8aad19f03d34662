"""Kraskov-Stoegbauer-Grassberger k-nearest-neighbour estimator of I(X; Y) (algorithm 1, max-norm)."""
from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import digamma

from boolean._lib.validate import check_int, check_real, check_seed
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import as_paired_samples, planned_rows, units_scale
from ._kdtree import count_within

__all__ = ["ksg_mutual_information"]


def marginal_counts(points, radius):
    """Number of rows j with max_c |points[j, c] - points[i, c]| <= radius[i], row i itself included.

    Our numba KD-tree (:mod:`capacity.mi._kdtree`): whole nodes inside the query box are counted
    without visiting their points, and the node tests use the same floating-point expressions as
    the point comparisons, so the counts equal brute force exactly (ties and radii equal to
    distances included; tested). BENCHMARKS.md compares it with scikit-learn's ``KDTree``
    ``count_only`` and cKDTree's ``query_ball_point(return_length=True)``.
    """
    return count_within(points, radius)


def ksg_plan(n: int, dx: int, dy: int, k: int) -> float:
    """Peak bytes of :func:`ksg_mutual_information` for n samples of dimensions dx, dy and order k.

    Five float64 copies of the samples (as given, jittered, with the noise, joined, and the
    joint tree's own), the joint k-NN distances and indices, and a dozen length-n arrays (tree
    indices and nodes, counts, radii, the digamma terms).
    """
    return 8.0 * (5 * n * (dx + dy) + 2 * n * (k + 1) + 12 * n)


def _refuse_ties(a, name, k):
    """ValueError when some row of ``a`` occurs k + 1 times or more (its k-NN distance is 0)."""
    copies = count_within(a, np.zeros(a.shape[0]))  # exact: rows at max-norm distance 0
    worst = int(np.argmax(copies))
    if copies[worst] > k:
        raise ValueError(f"`{name}` must not contain k + 1 = {k + 1} identical samples (KSG needs continuous "
                         f"marginals: a zero k-NN distance); got {int(copies[worst])} copies of row {worst}. "
                         "Pass jitter > 0 to break ties, or use discrete_mutual_information for discrete data")


def ksg_mutual_information(x, y, *, k=3, jitter=0.0, seed=None, units="bits", max_bytes=None) -> MIEstimate:
    r"""KSG estimate (algorithm 1) of I(X; Y) from paired samples, multivariate, max-norm.

    For each sample i let :math:`\varepsilon_i` be the max-norm distance to its k-th nearest
    neighbour in the joint space, :math:`\lVert(x,y)\rVert = \max(\lVert x\rVert_\infty, \lVert y\rVert_\infty)`,
    and :math:`n_x(i)`, :math:`n_y(i)` the numbers of other samples strictly within
    :math:`\varepsilon_i` in the marginal spaces. Then (nats)

    .. math:: \hat I = \psi(k) + \psi(n) - \frac1n \sum_i \big[\psi(n_x(i)+1) + \psi(n_y(i)+1)\big].

    Built on ``scipy.spatial.cKDTree`` (joint k-NN) and our numba KD-tree (exact marginal counts,
    :mod:`capacity.mi._kdtree`). ``stderr`` is std(per-sample terms)/sqrt(n), a rough guide
    (the terms are correlated). Not clipped at 0: for independent variables it fluctuates around 0.

    Bias regime (documented; measured at n = 5000, k = 3 on pairs of d-dimensional Gaussians
    with per-coordinate correlation rho, averaged over 5 seeds, and checked in
    ``tests/capacity/mi/test_ksg.py``): d = 1 and 2, ``|bias| <= 0.05`` bits up to I = 2.4 bits;
    d = 3, -0.03 bits at I = 0.62 bits and -0.16 bits at I = 3.6 bits; d = 5, -0.31 bits at
    I = 1.6 bits. The bias is *low* and grows with the dimension and with I: the estimator
    needs n >> exp(I) samples, so in the high-information regime of invertible networks
    (I of several nats) it under-reads badly. Use it as a cross-check, never to certify high MI.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, dx)
    y : array_like, shape (n,) or (n, dy)
    k : int, 1 <= k < n
        Neighbour order (3 is the usual choice).
    jitter : float >= 0
        Standard deviation of Gaussian noise added to both (relative to each column's std) to
        break ties; 0 (default) adds none. Tied samples are refused unless jitter > 0: k + 1
        identical rows of ``x``, of ``y`` or of the pair (a zero k-NN distance in a space the
        estimator uses, where it assumes a continuous law; ties in ``x`` alone would otherwise
        read about 0 for a discrete X whatever the truth).
    seed : int in [0, 2**63 - 1], optional
        Seed for ``jitter``.
    units : {"bits", "nats"}
    max_bytes : int, optional
        Refuse, from the shapes and before any copy, when the working memory (:func:`ksg_plan`)
        would exceed this (default 8 GiB).

    Returns
    -------
    MIEstimate
        ``value``, ``stderr``, ``lower = upper = NaN``, ``method="ksg1"``, ``n_samples = n``,
        ``extra["k"]``.

    Raises
    ------
    TypeError
        For non-numeric inputs or non-integer ``k``.
    ValueError
        For ill-shaped, empty, non-finite or mismatched inputs, ``k`` out of range, tied samples
        with ``jitter = 0``, a seed outside [0, 2**63 - 1], an unknown ``units``, or a size over
        ``max_bytes``.

    References
    ----------
    A. Kraskov, H. Stoegbauer and P. Grassberger, "Estimating mutual information",
    Phys. Rev. E 69 (2004) 066138. D. McAllester and K. Stratos, "Formal limitations on the
    measurement of mutual information", AISTATS 2020 (why high MI cannot be estimated from samples).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(2000)
    >>> y = 0.75 * x + np.sqrt(1 - 0.75**2) * rng.standard_normal(2000)
    >>> truth = 0.5 * np.log2(1 / (1 - 0.75**2))
    >>> bool(abs(ksg_mutual_information(x, y).value - truth) < 0.1)
    True
    """
    scale = units_scale(units)
    (n, dx), (ny_rows, dy) = planned_rows(x), planned_rows(y)
    jitter = check_real(jitter, "jitter", low=0.0)
    seed = check_seed(seed, optional=True, generator=False)
    # from the shapes, before any copy (a broadcast view is refused without being expanded); k is
    # checked after the samples, so its plan term uses k only when it is a valid order
    k_plan = k if isinstance(k, numbers.Integral) and not isinstance(k, bool) and 1 <= k < n else 1
    check_size(ksg_plan(max(n, ny_rows), dx, dy, int(k_plan)), max_bytes, "ksg_mutual_information")
    xs, ys = as_paired_samples(x, y, max_bytes=max_bytes, min_rows=2)
    n = xs.shape[0]
    k = check_int(k, "k", low=1, high=n - 1)
    if jitter > 0:
        rng = np.random.default_rng(seed)
        xs = xs + jitter * xs.std(axis=0) * rng.standard_normal(xs.shape)
        ys = ys + jitter * ys.std(axis=0) * rng.standard_normal(ys.shape)
    else:
        for name, a in (("x", xs), ("y", ys)):
            _refuse_ties(a, name, k)
    from scipy.spatial import cKDTree

    joint = np.hstack([xs, ys])
    dist, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf, workers=-1)  # exact; thread count cannot change it
    eps = dist[:, -1]
    if (eps == 0).any():  # ties left after jitter (a constant column, or jitter below the spacing)
        raise ValueError("`x`, `y` must not contain k+1 identical samples (zero k-NN distance); "
                         "pass jitter > 0 to break ties")
    radius = np.nextafter(eps, 0)  # strict inequality: count points at distance < eps
    nx, ny = marginal_counts(xs, radius), marginal_counts(ys, radius)
    # counts include the point itself, so psi(n_x + 1) = psi(count)
    terms = digamma(k) + digamma(n) - digamma(nx) - digamma(ny)
    value = float(terms.mean()) * scale
    stderr = float(terms.std(ddof=1)) / math.sqrt(n) * scale
    return MIEstimate(value, stderr, math.nan, math.nan, "ksg1", n, units, {"k": k})
