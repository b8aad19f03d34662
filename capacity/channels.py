"""Classical channel families with closed-form capacities (bits).

Each constructor returns the channel matrix ``W[x, y] = P(Y = y | X = x)`` as a float64
numpy array; the matching ``*_capacity`` function returns its capacity from the closed form
stated in the docstring. These are the reference values the solvers are tested against.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.docs import fill_doc
from boolean._lib.validate import check_int, check_real

from .information import binary_entropy

__all__ = [
    "bsc", "bsc_capacity", "bec", "bec_capacity", "z_channel", "z_channel_capacity",
    "z_channel_optimal_input", "symmetric_channel", "symmetric_channel_capacity",
    "noisy_typewriter", "noisy_typewriter_capacity", "erasure_of_symmetric",
    "erasure_of_symmetric_capacity",
]

#: Largest alphabet accepted by the q-ary constructors (a q x q float64 matrix is 8 q**2 bytes).
MAX_ALPHABET = 2**14


#: The Returns and Raises of the ``*_capacity`` functions and ``z_channel_optimal_input``.
_DOCS = {"capacity_returns": """
    Returns
    -------
    float
        In bits (a probability for ``z_channel_optimal_input``).

    Raises
    ------
    TypeError, ValueError
        As the constructor of the channel, named in the summary line.
"""}


def _prob(value, name):
    return check_real(value, name, low=0.0, high=1.0)


def _alphabet(q, name="q", low=2):
    return check_int(q, name, low=low, high=MAX_ALPHABET)


# ----------------------------------------------------------------------------- BSC
def bsc(p):
    r"""Binary symmetric channel with crossover probability ``p``.

    :math:`W = \begin{pmatrix} 1-p & p \\ p & 1-p \end{pmatrix}`; capacity
    :math:`C = 1 - h(p)` bits, achieved by the uniform input.

    Parameters
    ----------
    p : float in [0, 1]
        Crossover probability.

    Returns
    -------
    ndarray (2, 2)

    Raises
    ------
    TypeError
        ``p`` not a real number.
    ValueError
        ``p`` outside [0, 1] or not finite.

    References
    ----------
    Cover & Thomas (2006), §7.1.4.

    Examples
    --------
    >>> bsc(0.25)
    array([[0.75, 0.25],
           [0.25, 0.75]])
    """
    p = _prob(p, "p")
    return np.array([[1.0 - p, p], [p, 1.0 - p]])


@fill_doc(_DOCS)
def bsc_capacity(p) -> float:
    r"""Capacity of :func:`bsc`: :math:`C = 1 - h(p)` bits.

    Parameters
    ----------
    p : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Cover & Thomas (2006), eq. (7.12).

    Examples
    --------
    >>> bsc_capacity(0.5)
    0.0
    >>> bsc_capacity(0.0)
    1.0
    """
    return 1.0 - binary_entropy(_prob(p, "p"))


# ----------------------------------------------------------------------------- BEC
def bec(eps):
    r"""Binary erasure channel: outputs (0, 1, e), the erasure last; the input is erased with
    probability ``eps``.

    :math:`W = \begin{pmatrix} 1-\epsilon & 0 & \epsilon \\ 0 & 1-\epsilon & \epsilon \end{pmatrix}`;
    capacity :math:`C = 1 - \epsilon` bits (uniform input).

    Parameters
    ----------
    eps : float in [0, 1]
        Erasure probability.

    Returns
    -------
    ndarray (2, 3)
        Rows: inputs 0, 1; columns: outputs 0, 1, erased (as dit orders them; the same matrix as
        :func:`erasure_of_symmetric` ``(2, 0, eps)``).

    Raises
    ------
    TypeError
        ``eps`` not a real number.
    ValueError
        ``eps`` outside [0, 1] or not finite.

    References
    ----------
    Cover & Thomas (2006), §7.1.5.

    Examples
    --------
    >>> bec(0.5)
    array([[0.5, 0. , 0.5],
           [0. , 0.5, 0.5]])
    """
    eps = _prob(eps, "eps")
    return np.array([[1.0 - eps, 0.0, eps], [0.0, 1.0 - eps, eps]])


@fill_doc(_DOCS)
def bec_capacity(eps) -> float:
    r"""Capacity of :func:`bec`: :math:`C = 1 - \epsilon` bits.

    Parameters
    ----------
    eps : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Cover & Thomas (2006), eq. (7.16).

    Examples
    --------
    >>> bec_capacity(0.25)
    0.75
    """
    return 1.0 - _prob(eps, "eps")


# ----------------------------------------------------------------------------- Z channel
def z_channel(p):
    r"""Z channel: input 0 is received perfectly, input 1 flips to 0 with probability ``p``.

    :math:`W = \begin{pmatrix} 1 & 0 \\ p & 1-p \end{pmatrix}`; capacity
    :math:`C = \log_2\!\left(1 + (1-p)\,p^{p/(1-p)}\right)` bits for :math:`p < 1`, and 0 at p = 1.

    Parameters
    ----------
    p : float in [0, 1]
        Probability that a 1 is received as 0.

    Returns
    -------
    ndarray (2, 2)

    Raises
    ------
    TypeError
        ``p`` not a real number.
    ValueError
        ``p`` outside [0, 1] or not finite.

    References
    ----------
    S. W. Golomb, "The limiting behavior of the Z-channel", IEEE Trans. IT 26 (1980) 372;
    L. Tallini, S. Al-Bassam, B. Bose, "On the capacity and codes for the Z-channel", ISIT 2002.

    Examples
    --------
    >>> z_channel(0.5)
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    p = _prob(p, "p")
    return np.array([[1.0, 0.0], [p, 1.0 - p]])


@fill_doc(_DOCS)
def z_channel_capacity(p) -> float:
    r"""Capacity of :func:`z_channel`: :math:`C = \log_2(1 + (1-p)\,p^{p/(1-p)})` bits (0 at p = 1).

    Parameters
    ----------
    p : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Golomb (1980); Tallini, Al-Bassam & Bose (2002).

    Examples
    --------
    >>> round(z_channel_capacity(0.5), 12)  # log2(5/4)
    0.321928094887
    >>> z_channel_capacity(0.0)
    1.0
    """
    p = _prob(p, "p")
    if p == 1.0:
        return 0.0
    return math.log2(1.0 + (1.0 - p) * p ** (p / (1.0 - p)))


@fill_doc(_DOCS)
def z_channel_optimal_input(p) -> float:
    r"""Capacity-achieving :math:`P(X = 1)` of :func:`z_channel`.

    With :math:`z = (1-p)\,p^{p/(1-p)}`, :math:`P(X=1) = \dfrac{z}{(1-p)(1+z)}` for :math:`p < 1`.
    At p = 1 the channel is useless and every input is optimal; we return 0.

    Parameters
    ----------
    p : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Tallini, Al-Bassam & Bose (2002), eq. (3).

    Examples
    --------
    >>> z_channel_optimal_input(0.0)
    0.5
    >>> z_channel_optimal_input(0.5)
    0.4
    """
    p = _prob(p, "p")
    if p == 1.0:
        return 0.0
    z = (1.0 - p) * p ** (p / (1.0 - p))
    return z / ((1.0 - p) * (1.0 + z))


# ----------------------------------------------------------------------------- q-ary symmetric
def symmetric_channel(q, eps):
    r"""q-ary symmetric channel: correct with probability :math:`1-\epsilon`, otherwise uniform
    over the other :math:`q-1` symbols.

    :math:`W_{xy} = 1-\epsilon` if :math:`y = x`, else :math:`\epsilon/(q-1)`; capacity
    :math:`C = \log_2 q - h(\epsilon) - \epsilon \log_2 (q-1)` bits (uniform input).

    Parameters
    ----------
    q : int >= 2
        Alphabet size (at most ``MAX_ALPHABET``).
    eps : float in [0, 1]
        Symbol error probability.

    Returns
    -------
    ndarray (q, q)

    Raises
    ------
    TypeError
        ``q`` not an integer, ``eps`` not real.
    ValueError
        ``q`` out of range, ``eps`` outside [0, 1].

    References
    ----------
    Cover & Thomas (2006), §7.2 (symmetric channels, Theorem 7.2.1).

    Examples
    --------
    >>> symmetric_channel(3, 0.5)
    array([[0.5 , 0.25, 0.25],
           [0.25, 0.5 , 0.25],
           [0.25, 0.25, 0.5 ]])
    """
    q = _alphabet(q)
    eps = _prob(eps, "eps")
    W = np.full((q, q), eps / (q - 1))
    np.fill_diagonal(W, 1.0 - eps)
    return W


@fill_doc(_DOCS)
def symmetric_channel_capacity(q, eps) -> float:
    r"""Capacity of :func:`symmetric_channel`: :math:`\log_2 q - h(\epsilon) - \epsilon\log_2(q-1)`.

    Parameters
    ----------
    q : int >= 2
    eps : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Cover & Thomas (2006), Theorem 7.2.1.

    Examples
    --------
    >>> symmetric_channel_capacity(4, 0.0)
    2.0
    >>> symmetric_channel_capacity(4, 0.75)  # the useless channel
    0.0
    """
    q = _alphabet(q)
    eps = _prob(eps, "eps")
    row_entropy = binary_entropy(eps) + (eps * math.log2(q - 1) if eps > 0 else 0.0)  # of (1-eps, eps/(q-1), ...)
    return max(0.0, math.log2(q) - row_entropy)


# ----------------------------------------------------------------------------- noisy typewriter
def noisy_typewriter(q, eps=0.5):
    r"""Noisy typewriter on q letters: letter x is typed correctly with probability
    :math:`1-\epsilon` and as the next letter :math:`x+1 \bmod q` with probability :math:`\epsilon`.

    Every row and column is a permutation of :math:`(1-\epsilon, \epsilon, 0, \dots)`, so the
    channel is symmetric: :math:`C = \log_2 q - h(\epsilon)` bits (uniform input). The classic
    case :math:`\epsilon = 1/2` gives :math:`\log_2(q/2)`.

    Parameters
    ----------
    q : int >= 2
        Alphabet size (at most ``MAX_ALPHABET``).
    eps : float in [0, 1], default 0.5
        Probability of typing the next letter.

    Returns
    -------
    ndarray (q, q)

    Raises
    ------
    TypeError
        ``q`` not an integer, ``eps`` not real.
    ValueError
        ``q`` out of range, ``eps`` outside [0, 1].

    References
    ----------
    Cover & Thomas (2006), §7.1.3.

    Examples
    --------
    >>> noisy_typewriter(3)
    array([[0.5, 0.5, 0. ],
           [0. , 0.5, 0.5],
           [0.5, 0. , 0.5]])
    """
    q = _alphabet(q)
    eps = _prob(eps, "eps")
    W = np.zeros((q, q))
    idx = np.arange(q)
    W[idx, idx] += 1.0 - eps
    W[idx, (idx + 1) % q] += eps
    return W


@fill_doc(_DOCS)
def noisy_typewriter_capacity(q, eps=0.5) -> float:
    r"""Capacity of :func:`noisy_typewriter`: :math:`C = \log_2 q - h(\epsilon)` bits.

    Parameters
    ----------
    q : int >= 2
    eps : float in [0, 1], default 0.5

    {capacity_returns}

    References
    ----------
    Cover & Thomas (2006), §7.1.3.

    Examples
    --------
    >>> round(noisy_typewriter_capacity(26), 12)  # log2(13)
    3.700439718141
    """
    return math.log2(_alphabet(q)) - binary_entropy(_prob(eps, "eps"))


# ----------------------------------------------------------------------------- erasure of symmetric
def erasure_of_symmetric(q, eps, erasure):
    r"""A q-ary symmetric channel followed by an erasure: q + 1 outputs, the last one "erased".

    :math:`W_{xy} = (1-\alpha)\,S_{xy}` for :math:`y < q` and :math:`W_{xq} = \alpha`, with
    :math:`S` = :func:`symmetric_channel` ``(q, eps)`` and :math:`\alpha` = ``erasure``. The output
    blocks {0..q-1} and {q} are each symmetric, so the uniform input is optimal and
    :math:`C = (1-\alpha)\,(\log_2 q - h(\epsilon) - \epsilon\log_2(q-1))` bits.

    Parameters
    ----------
    q : int >= 2
        Input alphabet size.
    eps : float in [0, 1]
        Symbol error probability of the symmetric part.
    erasure : float in [0, 1]
        Erasure probability :math:`\alpha`.

    Returns
    -------
    ndarray (q, q + 1)

    Raises
    ------
    TypeError
        ``q`` not an integer, ``eps``/``erasure`` not real.
    ValueError
        ``q`` out of range, probabilities outside [0, 1].

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, §4.5
    (symmetric channels in the sense of output partitions); Cover & Thomas (2006), §7.2.

    Examples
    --------
    >>> erasure_of_symmetric(2, 0.0, 0.5)
    array([[0.5, 0. , 0.5],
           [0. , 0.5, 0.5]])
    """
    S = symmetric_channel(q, eps)
    erasure = _prob(erasure, "erasure")
    return np.concatenate([(1.0 - erasure) * S, np.full((S.shape[0], 1), erasure)], axis=1)


@fill_doc(_DOCS)
def erasure_of_symmetric_capacity(q, eps, erasure) -> float:
    r"""Capacity of :func:`erasure_of_symmetric`:
    :math:`(1-\alpha)(\log_2 q - h(\epsilon) - \epsilon\log_2(q-1))` bits.

    Parameters
    ----------
    q : int >= 2
    eps : float in [0, 1]
    erasure : float in [0, 1]

    {capacity_returns}

    References
    ----------
    Gallager (1968), §4.5.

    Examples
    --------
    >>> erasure_of_symmetric_capacity(2, 0.0, 0.25)
    0.75
    """
    cap = symmetric_channel_capacity(q, eps)
    return (1.0 - _prob(erasure, "erasure")) * cap
