r"""Query-complexity measures of Boolean functions: sensitivity, block sensitivity, certificate
complexity and decision-tree depth, exact integers.

For f: {0,1}^n -> {0,1}, x ⊕ B flips the bits of x in the block B ⊆ [n]:

* s(f, x) = #{i : f(x) != f(x ⊕ e_i)}; s(f) = max_x s(f, x).
* bs(f, x) = the most pairwise disjoint blocks B_1, ..., B_k with f(x ⊕ B_j) != f(x).
* C(f, x) = min{|S| : f(y) = f(x) whenever y_S = x_S}; C_b(f) = max_{f(x) = b} C(f, x).
* D(f) = the depth of an optimal deterministic decision tree.

They satisfy s <= bs <= C <= D, C <= s·bs, and Huang's deg(f) <= s(f)^2. All four are
computed exactly on the CPU (numba). The subcube routines (C and D) hold one byte per subcube
(3^n of them), so n <= 14; bs finds the minimal sensitive blocks of every input from subset sums
(n 2^n work each), takes the sensitive singletons directly and packs the rest by dynamic
programming over the subsets of the other variables.
"""
from __future__ import annotations

import numpy as np

from ._lib.validate import check_flag, check_int
from ._tables import INT_PER_TABLE, load_host_table, table_doc, table_raises

__all__ = ["sensitivity", "block_sensitivity", "certificate_complexity", "decision_tree_depth"]

#: Largest n of the subcube and block routines (3^14 bytes = 4.6 MiB a table; bs is 4^n work).
MAX_N_SUBCUBE = 14


def _plan_bytes(kind):
    """Peak bytes by routine: the uint8 table and the uint8 per-input result, plus the 3^n
    subcube values of one row (certificate), twice that with the depths (decision tree), and the
    scratch over the 2^n subsets of one input (block sensitivity: uint16 subset sums, uint8
    packings, int64 blocks and lowest elements) or one row (certificate)."""
    def plan(name, n, rows):
        e = rows * 2.0**n
        return 2 * e + {"sensitivity": 0, "block": 19 * 2.0**n, "certificate": 3.0**n + 16 * 2.0**n,
                        "depth": 2 * 3.0**n - e}[kind]
    return plan


def _deliver(per_input, values, batched, want_per_input):
    """Per-input uint8 counts or their row maxima (Python int unbatched, int64 array batched)."""
    if want_per_input:
        return per_input if batched else per_input[0]
    return values if batched else int(values[0])


_PER_INPUT = """per_input : bool
    Return the value at every input x (uint8, shape of ``f``) instead of the maximum."""

_RETURNS = """int or ndarray
    The maximum over x: a Python int for one table, int64 (B,) for a batch; with
    ``per_input``, uint8 of the shape of ``f``."""

#: The sections of the three per-input measures (the parameters after ``f`` in signature order).
_doc = table_doc("f_host", _PER_INPUT, "domain", "max_bytes", returns=_RETURNS,
                 raises=table_raises(" or a non-bool flag", ", n above the routine's limit"))


@_doc
def sensitivity(f, *, per_input=False, domain="01", max_bytes=None):
    r"""Sensitivity: the most neighbours of one input on which f changes.

    .. math:: s(f, x) = \#\{i : f(x) \ne f(x \oplus e_i)\}, \qquad s(f) = \max_x s(f, x).

    {sections}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, Def. 2.22.
    H. Huang, Induced subgraphs of hypercubes and a proof of the Sensitivity Conjecture,
    *Annals of Mathematics* 190 (2019), 949-955.

    Examples
    --------
    >>> from boolean import majority, parity
    >>> sensitivity(parity(4)), sensitivity(majority(5))
    (4, 3)
    >>> sensitivity([0, 0, 0, 1], per_input=True).tolist()  # AND_2
    [0, 1, 1, 2]
    """
    per_input = check_flag(per_input, "per_input")
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes("sensitivity"), "sensitivity", domain=domain)
    from ._complexity_numba import sensitivity_counts

    counts = sensitivity_counts(table, n)
    return _deliver(counts, counts.max(axis=1).astype(np.int64), batched, per_input)


@_doc
def block_sensitivity(f, *, per_input=False, domain="01", max_bytes=None):
    r"""Block sensitivity: the most disjoint blocks whose flip changes f, exactly (n <= 14).

    .. math:: bs(f, x) = \max\{k : B_1, \dots, B_k \subseteq [n] \text{ disjoint},\;
              f(x \oplus B_j) \ne f(x)\}, \qquad bs(f) = \max_x bs(f, x).

    Computed per input over the minimal sensitive blocks by dynamic programming over the
    subsets of [n] (4^n work in all).

    {sections}

    References
    ----------
    N. Nisan, CREW PRAMs and decision trees, *SIAM J. Comput.* 20 (1991), 999-1007.
    H. Buhrman and R. de Wolf, Complexity measures and decision tree complexity: a survey,
    *Theoret. Comput. Sci.* 288 (2002), 21-43.

    Examples
    --------
    >>> from boolean import majority
    >>> block_sensitivity(majority(5))
    3
    >>> block_sensitivity([0, 1, 1, 0, 1, 0, 0, 1])  # parity of 3 bits
    3
    """
    per_input = check_flag(per_input, "per_input")
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes("block"), "block_sensitivity", domain=domain,
                                        max_n=MAX_N_SUBCUBE)
    from ._complexity_numba import block_sensitivity_counts

    counts = block_sensitivity_counts(table, n)
    return _deliver(counts, counts.max(axis=1).astype(np.int64), batched, per_input)


@table_doc("f_host", """value : {None, 0, 1}
    None: C(f); 0 or 1: C_0(f) or C_1(f), the maximum over the inputs where f takes that
    value (0 when there are none). Ignored with ``per_input`` (C(f, x) at every x).""", _PER_INPUT, "domain",
           "max_bytes", returns=_RETURNS,
           raises=table_raises(" or a non-bool flag", ", ``value`` not None, 0 or 1, n above 14"))
def certificate_complexity(f, *, value=None, per_input=False, domain="01", max_bytes=None):
    r"""Certificate complexity C(f), C_0(f) or C_1(f), exactly (n <= 14).

    .. math:: C(f, x) = \min\{|S| : y_S = x_S \Rightarrow f(y) = f(x)\}, \qquad
              C_b(f) = \max_{x : f(x) = b} C(f, x), \qquad C(f) = \max(C_0(f), C_1(f)).

    A subcube pass (base-3 indices, 3^n of them) marks the constant subcubes; C(f, x) is the
    codimension of the largest constant one through x.

    {sections}

    References
    ----------
    H. Buhrman and R. de Wolf, Complexity measures and decision tree complexity: a survey,
    *Theoret. Comput. Sci.* 288 (2002), 21-43, §2.

    Examples
    --------
    >>> from boolean import and_
    >>> certificate_complexity(and_(4)), certificate_complexity(and_(4), value=0)
    (4, 1)
    """
    per_input = check_flag(per_input, "per_input")
    if value is not None:
        value = check_int(value, "value", low=0, high=1)
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes("certificate"), "certificate_complexity",
                                        domain=domain, max_n=MAX_N_SUBCUBE)
    from ._complexity_numba import certificate_counts

    counts = certificate_counts(table, n)
    if value is None:
        best = counts.max(axis=1)
    else:
        best = np.where(table == value, counts, 0).max(axis=1)
    return _deliver(counts, best.astype(np.int64), batched, per_input)


@table_doc("f_host", "domain", "max_bytes", returns=INT_PER_TABLE, raises=table_raises("", ", n > 14"))
def decision_tree_depth(f, *, domain="01", max_bytes=None):
    r"""Deterministic decision-tree complexity D(f): the depth of an optimal tree, exactly (n <= 14).

    .. math:: D(f|_c) = 0 \text{ if } f \text{ is constant on the subcube } c, \text{ else }
              \min_{i \text{ free in } c} \bigl(1 + \max_{b \in \{0,1\}} D(f|_{c, x_i = b})\bigr),

    and D(f) is its value on the whole cube; one pass over the 3^n subcubes.

    {sections}

    References
    ----------
    H. Buhrman and R. de Wolf, Complexity measures and decision tree complexity: a survey,
    *Theoret. Comput. Sci.* 288 (2002), 21-43, §2.

    Examples
    --------
    >>> from boolean import majority, dictator
    >>> decision_tree_depth(majority(5)), decision_tree_depth(dictator(6, 2))
    (5, 1)
    """
    table, n, batched = load_host_table(f, max_bytes, _plan_bytes("depth"), "decision_tree_depth", domain=domain,
                                        max_n=MAX_N_SUBCUBE)
    from ._complexity_numba import decision_depths

    depths = decision_depths(table, n)
    return depths if batched else int(depths[0])
