r"""Fourier analysis under the p-biased measure: coefficients and influences.

Under μ_p each bit is 1 with probability p independently. With g = (-1)^f, μ = 1 - 2p,
σ = 2 sqrt(p(1-p)) and φ(x_i) = ((-1)^{x_i} - μ) / σ (mean 0, variance 1 under μ_p), the
characters φ_S = Π_{i ∈ S} φ(x_i) form an orthonormal basis of L²(μ_p) and

.. math:: \hat g^{(p)}(S) = \mathbb{E}_{x \sim \mu_p}[g(x)\, \varphi_S(x)], \qquad
          \sum_S \hat g^{(p)}(S)^2 = 1, \qquad
          \mathrm{Inf}^{(p)}_i[f] = \sum_{S \ni i} \hat g^{(p)}(S)^2
          = \sigma^2 \Pr_{x \sim \mu_p}[f(x) \ne f(x \oplus e_i)].

At p = 1/2 they are the uniform coefficients and influences.
"""
from __future__ import annotations

from . import _pbiased
from ._lib.validate import check_real
from ._tables import load_host_table, table_doc, table_raises

__all__ = ["pbiased_fourier_coefficients", "pbiased_influences"]


def _load(f, p, domain, max_bytes, what, plan_bytes):
    p = check_real(p, "p", low=0.0, high=1.0, low_open=True, high_open=True)
    table, n, batched = load_host_table(f, max_bytes, plan_bytes, what, domain=domain)
    return table, n, batched, p


#: The parameters of both routines.
_PARAMS = ("""f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i. Results are numpy.""",
           """p : float
    P[x_i = 1], in (0, 1).""", "domain", "max_bytes")
_RAISES = table_raises(" or a non-real ``p``", ", p outside (0, 1)")


@table_doc(*_PARAMS, raises=_RAISES, returns="""ndarray, float64, shape of ``f``
    ĝ^(p)(S); Σ_S ĝ^(p)(S)^2 = 1 up to rounding (a few ulps a butterfly).""")
def pbiased_fourier_coefficients(f, p, *, domain="01", max_bytes=None):
    r"""p-biased Fourier coefficients of g = (-1)^f, indexed by the bitmask S.

    .. math:: \hat g^{(p)}(S) = \sum_x \mu_p(x)\, g(x) \prod_{i \in S} \varphi(x_i), \qquad
              \varphi(0) = \sqrt{\tfrac{p}{1-p}}, \quad \varphi(1) = -\sqrt{\tfrac{1-p}{p}},

    computed by n butterflies (a_0, a_1) -> ((1-p) a_0 + p a_1, sqrt(p(1-p)) (a_0 - a_1)).

    {sections}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §8.4 (p-biased analysis).

    Examples
    --------
    >>> pbiased_fourier_coefficients([0, 0, 0, 1], 0.5).tolist()  # the uniform coefficients of AND_2
    [0.5, 0.5, 0.5, -0.5]
    >>> c = pbiased_fourier_coefficients([0, 1], 0.25)  # dictator: E g = 1 - 2p, then σ
    >>> [round(v, 12) for v in c.tolist()]
    [0.5, 0.866025403784]
    """
    table, n, batched, p = _load(f, p, domain, max_bytes, "pbiased_fourier_coefficients", _pbiased.plan_bytes)
    c = _pbiased.coefficients(table, n, p)
    return c if batched else c[0]


@table_doc(*_PARAMS, raises=_RAISES, returns="""ndarray, float64, shape (n,) or (B, n)
    Inf_i^(p)[f] for each variable i.""")
def pbiased_influences(f, p, *, domain="01", max_bytes=None):
    r"""p-biased influence of each variable, from the pivotal probability under μ_p.

    .. math:: \mathrm{Inf}^{(p)}_i[f] = 4p(1-p) \sum_x \mu_p(x)\, [f(x) \ne f(x \oplus e_i)]
              = \sum_{S \ni i} \hat g^{(p)}(S)^2, \qquad \mu_p(x) = p^{|x|} (1-p)^{n-|x|}.

    {sections}

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, 2014, §8.4, Def. 8.22 and Prop. 8.24.

    Examples
    --------
    >>> pbiased_influences([0, 0, 0, 1], 0.5).tolist()  # AND_2: the uniform influences
    [0.5, 0.5]
    >>> [round(v, 12) for v in pbiased_influences([0, 0, 0, 1], 0.25).tolist()]  # 4p(1-p) P[x_j = 1]
    [0.1875, 0.1875]
    """
    table, n, batched, p = _load(f, p, domain, max_bytes, "pbiased_influences", _pbiased.influence_plan_bytes)
    out = _pbiased.influences(table, n, p)
    return out if batched else out[0]
