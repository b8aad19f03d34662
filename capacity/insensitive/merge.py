"""Kwa's merge lemma for any channel: inputs with equal rows become one input.

If rows ``W[x]`` and ``W[x']`` are equal, moving the mass of ``x'`` onto ``x`` leaves
the output law ``pW`` and ``I(p; W) = H(pW) - sum_x p_x H(W_x)`` unchanged; so the
channel with one row per group has the same capacity (and any optimal law of the
merged channel, spread in any way over a group, is optimal for the original).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from boolean._lib.array import like_input
from boolean._lib.validate import as_float_array, check_channel, check_finite, check_real, shape_of

from .classes import label_by_first


class MergedChannel(NamedTuple):
    """Result of :func:`merge_duplicate_inputs` (unpacks as ``W_merged, groups``).

    Attributes
    ----------
    matrix : ndarray float64 (K, ny)
        One row per group: the row of the group's first (smallest-index) input.
    groups : list of ndarray int64
        Input indices of each group, ascending; groups ordered by their first index.

    Examples
    --------
    >>> W, groups = merge_duplicate_inputs([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    >>> W.tolist(), [g.tolist() for g in groups]
    ([[1.0, 0.0], [0.5, 0.5]], [[0, 2], [1]])
    """

    matrix: np.ndarray
    groups: list

    @property
    def labels(self) -> np.ndarray:
        """``labels[x]`` = group of input ``x`` (int64, length n_inputs)."""
        sizes = [len(g) for g in self.groups]
        out = np.empty(sum(sizes), dtype=np.int64)
        out[np.concatenate(self.groups)] = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        return out

    def expand(self, p_merged) -> np.ndarray:
        """Spread a law on the merged inputs back onto the original inputs.

        Each group's mass goes to its first member (any split within a group is
        equally optimal); returns a float64 vector of length n_inputs. ``p_merged`` must be a
        finite real vector of one entry per group (else TypeError or ValueError).
        """
        if shape_of(p_merged) != (len(self.groups),):
            raise ValueError(f"`p_merged` must have shape ({len(self.groups)},); got shape {shape_of(p_merged)}")
        p_merged = as_float_array(p_merged, "p_merged")
        check_finite(p_merged, "p_merged")
        out = np.zeros(sum(len(g) for g in self.groups))
        out[[g[0] for g in self.groups]] = p_merged  # the first members: distinct inputs
        return out


def merge_duplicate_inputs(W, atol: float = 0.0) -> MergedChannel:
    r"""Merge channel inputs whose rows are equal (Kwa's merge lemma); capacity is unchanged.

    Moving mass between inputs with equal rows leaves :math:`pW` and hence
    :math:`I(p; W) = H(pW) - \sum_x p_x H(W_x)` unchanged.

    For an input law p on the merged channel ``W'`` (one row per group ``G_k``) and
    any law ``p~`` on the original inputs with ``sum_{x in G_k} p~_x = p_k``,

        I(p~; W) = H(p~ W) - sum_x p~_x H(W_x) = H(p W') - sum_k p_k H(W'_k) = I(p; W'),

    because every row in ``G_k`` equals ``W'_k``. Hence ``C(W) = C(W')``.

    With ``atol = 0`` rows are grouped when exactly equal. With ``atol > 0`` each row
    joins the first group whose representative (first member) is within ``atol`` in
    every entry (max-norm), else it starts a new group; closeness is not transitive,
    so groups are representative-based, and ``|C(W) - C(W')|`` is then only small,
    not zero.

    Parameters
    ----------
    W : array-like (n_inputs, n_outputs)
        Channel matrix ``W[x, y] = P(y | x)``, rows summing to 1.
    atol : float, optional
        Max-norm tolerance for two rows to count as equal (default 0: exact).

    Returns
    -------
    MergedChannel
        ``(matrix, groups)`` named tuple, with ``.labels`` and ``.expand(p)``; ``matrix`` is a
        tensor on ``W``'s device and in its dtype for a tensor ``W`` (``groups`` are numpy indices).

    Raises
    ------
    TypeError
        For a non-numeric ``W`` or a non-real ``atol``.
    ValueError
        For a ``W`` that is not a 2-D stochastic matrix (shape, NaN/inf, negative
        entries, row sums) or a negative ``atol``.

    References
    ----------
    T. Kwa, merge lemma (docs/problem.rst, section "The merge lemma"); T. M. Cover and J. A. Thomas,
    *Elements of Information Theory*, 2nd ed., Wiley 2006, Sec. 7.1 (I(p; W)).

    Examples
    --------
    >>> W = [[0.9, 0.1], [0.2, 0.8], [0.9, 0.1]]
    >>> Wm, groups = merge_duplicate_inputs(W)
    >>> Wm.tolist(), [g.tolist() for g in groups]
    ([[0.9, 0.1], [0.2, 0.8]], [[0, 2], [1]])
    """
    arr = check_channel(W, "W", allow_batch=False)
    atol = check_real(atol, "atol", low=0.0)
    nx = arr.shape[0]
    if atol == 0.0:  # -0.0 == 0.0, but their bytes differ: canonicalise before np.unique
        labels = label_by_first(arr + 0.0, axis=0)[0]
    else:  # the first representative within atol, in input order, else x starts a group
        labels = np.empty(nx, dtype=np.int64)
        rep_rows = np.empty_like(arr)
        n_reps = 0
        for x in range(nx):
            close = np.all(np.abs(rep_rows[:n_reps] - arr[x]) <= atol, axis=1)
            labels[x] = int(np.argmax(close)) if close.any() else n_reps
            if not close.any():
                rep_rows[n_reps] = arr[x]
                n_reps += 1
    K = int(labels.max()) + 1
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(K + 1))
    groups = [order[bounds[k]:bounds[k + 1]].astype(np.int64) for k in range(K)]
    matrix = arr[[g[0] for g in groups]].copy()
    return MergedChannel(like_input(matrix, W), groups)  # a tensor W gives a tensor matrix
