"""Certified capacity C(n, s, m) of the insensitive-function channel.

Two exact routes to the same number:

* ``symmetry=True`` (default): the folded channel of :func:`folded_channel`
  (class-orbits x type-orbits, with a per-row bonus), solved by
  :func:`capacity.blahut_arimoto` with that bonus, for ``max_p sum_O p_O [D(V_O || pV) + b_O]``
  with the certificate ``sum_O p_O [D(V_O || pV) + b_O] <= C <= max_O [D(V_O || pV) + b_O]``.
* ``symmetry=False``: the (classes) x (types) matrix of :func:`channel_matrix` and
  :func:`capacity.blahut_arimoto`.
"""
from __future__ import annotations

import dataclasses
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from boolean._lib.backend import resolve_backend
from boolean._lib.validate import check_int, check_real

from .._result import CapacityResult, ConvergenceWarning
from ..blahut_arimoto import blahut_arimoto
from .channel import channel_matrix
from .classes import MAX_ENUM_N, count_classes
from .levels import level_channel
from .model import channel_cells, channel_classes, check_channel_args, level_route
from .symmetry import folded_channel

__all__ = ["InsensitiveCapacity", "insensitive_capacity"]

LOG2E = 1.0 / math.log(2.0)
DEFAULT_MAX_ITER = 200_000


@dataclass(frozen=True)
class InsensitiveCapacity:
    """Certified capacity C(n, s, m) and the law that achieves its lower bound.

    Attributes
    ----------
    n, s, m : int
        Parameters; ``visible``, ``S0``, ``p_bias`` the variant.
    capacity, lower, upper : float
        Bits; ``capacity = lower`` is achieved by ``class_mass``; ``lower <= C <= upper``.
    n_classes : int
        Classes of indistinguishable functions (rows of the unfolded channel).
    limit : float
        ``log2 n_classes``, the m -> infinity limit of C.
    class_mass : ndarray (n_classes,) or None
        Optimal input mass on each class (uniform inside a symmetry orbit); None on the
        weight-level route (n = 5, s >= 2), whose rows are weight-level vectors, not classes.
    class_names : tuple of str
        Standard functions in each class ("" when none; empty on the weight-level route).
    representatives : ndarray uint8 (n_classes, 2**n) or None
        One truth table per class (None for count-vector classes, n >= 5).
    support : list of (str, float, int)
        ``(label, mass, classes)`` per class-orbit with mass > 1e-6, heaviest first: the
        orbit's standard functions (up to 4; else "class k (f = 0x..)", its smallest class
        and the index sum_x f(x) 2**x of its representative), its total mass, and the
        number of classes in it. On the weight-level route the label gives the levels
        ``v_k = sum_{|T| = k} G(T)^2`` and a function attaining the row, and the count is 0
        (not computed).
    shape : tuple
        (classes, types) of the unfolded channel.
    folded_shape : tuple or None
        (class-orbits, type-orbits) when ``symmetry=True``.
    symmetry : bool
        Whether the folded channel was used.
    seconds : float
        Wall time of the computation.
    result : CapacityResult
        The solver's result (``p`` over class-orbits when folded, over classes otherwise).

    Examples
    --------
    >>> r = insensitive_capacity(2, 1, 2)
    >>> round(r.capacity, 6), bool(r.upper - r.lower <= 1e-9), r.n_classes, r.support[0][0]
    (1.299642, True, 15, '0, 1')
    """

    n: int
    s: int
    m: int
    visible: str
    S0: tuple | None
    p_bias: float
    capacity: float
    lower: float
    upper: float
    n_classes: int
    limit: float
    class_mass: np.ndarray = field(repr=False)
    class_names: tuple = field(repr=False)
    representatives: np.ndarray = field(repr=False)
    support: list = field(repr=False)
    shape: tuple = ()
    folded_shape: tuple | None = None
    symmetry: bool = True
    seconds: float = 0.0
    result: CapacityResult | None = field(default=None, repr=False)

    @property
    def gap(self) -> float:
        """Certified gap ``upper - lower`` (bits)."""
        return self.upper - self.lower


# ----------------------------------------------------------------------------- public

def insensitive_capacity(n, s, m, *, tol=1e-9, visible="random", S0=None, p_bias=0.5, backend="auto",
                         device=None, symmetry=True, max_iter=None, max_bytes=None) -> InsensitiveCapacity:
    r"""Certified capacity C(n, s, m) (bits) of the insensitive-function channel.

    .. math::

        C(n, s, m) = \max_P I(F; Y_1, \dots, Y_m),\qquad Y_i = (S_i, X_{i,S_i}, F(X_i)),

    computed exactly over one representative per class of indistinguishable functions
    (merge lemma) and over the types of the m samples (:func:`channel_matrix`). With
    ``symmetry=True`` the problem is folded by the group of variable permutations, bit
    flips and output complement (:func:`folded_channel`): a capacity-achieving law may be
    taken invariant (I is concave in P), which leaves one unknown per class-orbit; the
    bounds certify the unfolded capacity:

    .. math::

        \sum_O p_O [D(V_O \| pV) + b_O] \;\le\; C \;\le\; \max_O [D(V_O \| pV) + b_O].

    Stops when ``upper - lower <= tol``. One sample gives exactly 1 bit for every n, s;
    C is nondecreasing in m and tends to ``log2 #classes``.

    Parameters
    ----------
    n : int
        Input bits, ``1 <= n <= 4``; with p_bias = 1/2 also ``n <= 8`` for visible='fixed' or
        s = 0, n = 5 for s = 1 (classes from count vectors), and n = 5 for s >= 2 with a random
        visible set and m <= 3 (the weight-level route of :mod:`capacity.insensitive.levels`:
        one row per distinct vector of Fourier weight levels, scanning a covering set of
        222 x 65 536 functions once per (n, s)). For larger n see
        :func:`capacity.insensitive.family_capacity`.
    s : int
        Visible bits per sample, ``0 <= s <= n``.
    m : int
        Samples, ``1 <= m <= 64`` (``m <= 3`` on the weight-level route).
    tol : float, default 1e-9
        Certified gap (bits), > 0.
    visible : {"random", "fixed"}
        A uniform s-subset per sample, or always ``S0``.
    S0 : iterable of int, optional
        Fixed visible set (visible="fixed"; default ``{0, ..., s-1}``).
    p_bias : float, default 0.5
        ``P(X_i = 1)``, in (0, 1).
    backend : {"auto", "numpy", "torch"}
        Where the folded channel is built and solved (or the unfolded one solved);
        "auto": numpy (the folded channel then solved by numba's sweep), or torch when ``device`` is given.
    device : torch device, optional
        For the torch backend (e.g. "cuda").
    symmetry : bool, default True
        Fold by the symmetry group (exact; much smaller) or solve the unfolded channel.
    max_iter : int, optional
        Iteration cap (default 200 000 folded, the solver's default unfolded); on reaching it
        the bounds are still valid, ``gap > tol`` and a :class:`ConvergenceWarning` is issued.
    max_bytes : int, optional
        Refuse plans above this many bytes (default 8 GiB).

    Returns
    -------
    InsensitiveCapacity
        ``capacity``, ``lower``, ``upper``, ``gap``, ``n_classes``, ``limit``,
        ``class_mass``, ``class_names``, ``support``, shapes, ``result``.

    Raises
    ------
    TypeError
        For non-integer n, s, m, max_iter, a non-real tol/p_bias or a non-bool symmetry.
    ValueError
        For n outside [1, 4] (beyond it, a case no route covers: the message lists the routes),
        s outside [0, n], m outside [1, 64] (or m > 3 on the weight-level route), p_bias outside
        (0, 1), tol <= 0, an unknown visible/backend, a bad S0, device='cuda' without CUDA,
        symmetry=False on the weight-level route, or a plan above ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached before the gap reaches ``tol``.

    References
    ----------
    docs/problem.rst, section "Facts about C(n, s, m)"; R. Blahut, IEEE Trans. IT 18 (1972); R. G. Gallager,
    *Information Theory and Reliable Communication* (1968), Thm 4.5.1.

    Examples
    --------
    >>> r = insensitive_capacity(2, 1, 2)
    >>> round(r.capacity, 6), r.n_classes, bool(r.gap <= 1e-9)
    (1.299642, 15, True)
    >>> round(insensitive_capacity(3, 1, 1).capacity, 6)
    1.0
    """
    n, s, m, visible, S0, p_bias = check_channel_args(n, s, m, visible, S0, p_bias, levels=True)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    if not isinstance(symmetry, (bool, np.bool_)):
        raise TypeError(f"`symmetry` must be a bool; got {symmetry!r}")
    if max_iter is not None:
        max_iter = check_int(max_iter, "max_iter", low=0)
    be = resolve_backend(backend, device=device, supported=("numpy", "torch"), prefer="numpy")
    t0 = time.perf_counter()
    if n > MAX_ENUM_N and level_route(n, s, visible, p_bias):
        if not symmetry:
            raise ValueError(f"`symmetry` must be True for n = {n}, s = {s}: only the folded weight-level route "
                             f"exists there ({count_classes(n, s) if s >= n - 1 else 'billions of'} classes)")
        return _level_capacity(n, s, m, tol, max_iter, be, backend, max_bytes, t0)
    cls = channel_classes(n, s, visible, S0, p_bias)
    R = cls.n_classes
    if symmetry:
        fc = folded_channel(n, s, m, visible=visible, S0=S0, p_bias=p_bias, backend=be.name,
                            device=be.device if be.name == "torch" else None, max_bytes=max_bytes)
        iters = DEFAULT_MAX_ITER if max_iter is None else max_iter
        keep = fc.V.max(axis=0) > 0  # outputs no orbit reaches carry nothing
        # the folded channel is one channel: on the CPU, "auto" lets the solver pick numba's sweep
        solver_backend = "auto" if backend == "auto" and be.name == "numpy" else be.name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # re-issued below, naming (n, s, m)
            res = blahut_arimoto(np.ascontiguousarray(fc.V[:, keep]), bonus=fc.bonus * LOG2E, tol=tol,
                                 max_iter=iters, backend=solver_backend, device=be.device if be.name == "torch" else None,
                                 max_bytes=max_bytes)
        res = dataclasses.replace(res, extra={"folded": True})
        lower, upper, p_orb = res.lower, res.upper, res.p
        if not res.converged:
            warnings.warn(f"insensitive_capacity(n={n}, s={s}, m={m}) reached max_iter={iters} with certified "
                          f"gap {upper - lower:.3g} bits > tol={tol:g}", ConvergenceWarning, stacklevel=2)
        class_mass = p_orb[fc.class_orbit] / fc.class_orbit_sizes[fc.class_orbit]
        orbit_mass, orbit_of, orbit_count = p_orb, fc.class_orbit, fc.class_orbit_sizes
        shape, folded_shape = (fc.n_classes, fc.n_types), fc.shape
    else:
        ch = channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p_bias, max_bytes=max_bytes)
        kw = {} if max_iter is None else {"max_iter": max_iter}
        res = blahut_arimoto(ch.W, tol=tol, backend=be.name, device=be.device if be.name == "torch" else None,
                             max_bytes=max_bytes, **kw)
        lower, upper = float(res.lower), float(res.upper)
        class_mass = np.asarray(res.p, dtype=np.float64)
        orbit_mass, orbit_of, orbit_count = class_mass, np.arange(R), np.ones(R, dtype=np.int64)
        shape, folded_shape = ch.shape, None
    support = _support(orbit_mass, orbit_of, orbit_count, cls.names, cls.representatives, cls.counts)
    return InsensitiveCapacity(n=n, s=s, m=m, visible=visible, S0=S0, p_bias=p_bias, capacity=lower,
                               lower=lower, upper=upper, n_classes=R, limit=math.log2(R), class_mass=class_mass,
                               class_names=cls.names,
                               representatives=None if cls.representatives is None else np.array(cls.representatives),
                               support=support, shape=tuple(shape), folded_shape=folded_shape,
                               symmetry=bool(symmetry), seconds=time.perf_counter() - t0, result=res)


def _level_capacity(n, s, m, tol, max_iter, be, backend, max_bytes, t0):
    """C(n, s, m) by the weight-level route (:mod:`capacity.insensitive.levels`)."""
    lc = level_channel(n, s, m, max_bytes=max_bytes)
    iters = DEFAULT_MAX_ITER if max_iter is None else max_iter
    keep = lc.V.max(axis=0) > 0
    solver_backend = "auto" if backend == "auto" and be.name == "numpy" else be.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = blahut_arimoto(np.ascontiguousarray(lc.V[:, keep]), bonus=lc.bonus * LOG2E, tol=tol, max_iter=iters,
                             backend=solver_backend, device=be.device if be.name == "torch" else None,
                             max_bytes=max_bytes)
    res = dataclasses.replace(res, extra={"folded": True, "route": "levels"})
    lower, upper = float(res.lower), float(res.upper)
    if not res.converged:
        warnings.warn(f"insensitive_capacity(n={n}, s={s}, m={m}) reached max_iter={iters} with certified "
                      f"gap {upper - lower:.3g} bits > tol={tol:g}", ConvergenceWarning, stacklevel=3)
    R = count_classes(n, s)
    K = len(channel_cells(n, s, None, 0.5).cells)
    support = []
    for r in np.flatnonzero(res.p > 1e-6):
        levels = tuple(int(v) for v in lc.levels[r])
        support.append((f"levels {levels} (f = {int(lc.functions[r]):#x})", float(res.p[r]), 0))
    support.sort(key=lambda t: -t[1])
    return InsensitiveCapacity(n=n, s=s, m=m, visible="random", S0=None, p_bias=0.5, capacity=lower, lower=lower,
                               upper=upper, n_classes=R, limit=math.log2(R), class_mass=None, class_names=(),
                               representatives=None, support=support, shape=(R, math.comb(2 * K + m - 1, m)),
                               folded_shape=lc.shape, symmetry=True, seconds=time.perf_counter() - t0, result=res)


def _support(orbit_mass, orbit_of, orbit_count, names, reps, counts, threshold=1e-6):
    """(label, mass, #classes) per orbit with mass > threshold, heaviest first. The label lists
    the standard functions in the orbit (up to 4), else the smallest class k and the index
    F = sum_x f(x) 2**x of its representative in hex (or its ones per cell for count-vector
    classes)."""
    out = []
    for o in np.flatnonzero(orbit_mass > threshold):
        members = np.flatnonzero(orbit_of == o)
        named = sorted({nm for k in members if names[k] for nm in names[k].split(" = ")},
                       key=lambda nm: (nm.startswith("~"), nm))
        if named:
            label = ", ".join(named[:4]) + (", ..." if len(named) > 4 else "")
        else:
            k = int(members[0])
            if reps is not None:
                F = sum(1 << x for x, v in enumerate(reps[k]) if v)
                label = f"class {k} (f = {F:#x})"
            else:
                label = f"class {k} (ones per cell {tuple(int(c) for c in counts[k])})"
        out.append((label, float(orbit_mass[o]), int(orbit_count[o])))
    out.sort(key=lambda t: -t[1])
    return out
