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
from boolean._lib.memory import DEFAULT_MAX_BYTES, check_size, format_bytes
from boolean._lib.validate import check_flag, check_int, check_real

from .._result import CapacityResult, ConvergenceWarning
from .._rounding import LOG2E_F64 as LOG2E
from .._rounding import outward_scale, widened_tol
from .._solver import POLISH_BYTES, inplace_plan, past, solve_inplace
from ..blahut_arimoto import blahut_arimoto, plan_bytes
from .channel import channel_matrix, channel_rounding
from .classes import MAX_ENUM_N, count_classes
from .levels import LEVEL_ROWS_BOUND, level_channel, level_plan, level_rounding
from .model import channel_cells, channel_classes, check_channel_args, level_route
from .orbits import multiset_orbit_counts
from .symmetry import class_orbits, fold_plan, folded_channel, symbol_generators, symbol_group

__all__ = ["InsensitiveCapacity", "SolveEstimate", "insensitive_capacity", "insensitive_estimate"]

DEFAULT_MAX_ITER = 200_000

#: Rough rates of a 2-core CPU for :func:`insensitive_estimate` (operations per second): class x
#: prefix-tree-node updates of the orbit fold, entries of the solved matrix per iteration, and the
#: iteration count assumed for the solver (folded problems mostly take 100-300, some up to ~2 000).
FOLD_RATE = 1e9
SOLVE_RATE = 3e8
TYPICAL_ITERATIONS = 300
#: Rough cost (seconds) of building the rows once per (n, s) on the count-vector and weight-level routes.
N5_ROWS_SECONDS = 20.0


@dataclass(frozen=True)
class SolveEstimate:
    r"""Up-front size and time of :func:`insensitive_capacity` (see :func:`insensitive_estimate`):
    :math:`t \approx \sum_{\text{stages}} \text{operations} / \text{rate}`.

    Attributes
    ----------
    route : str
        "folded" (class-orbits x type-orbits), "unfolded" (classes x types) or "levels" (weight-level
        rows x type-orbits, n = 5 and s >= 2).
    shape : tuple of int
        (classes, types) of the unfolded channel.
    solved_shape : tuple of int
        Estimated shape of the matrix the solver iterates on (rows estimated as
        ``4 #classes / |G|`` for the folded route, ``LEVEL_ROWS_BOUND`` for the weight-level route;
        type-orbits exact, by Burnside's lemma).
    nbytes : int
        Planned peak bytes (the plan the call checks against ``max_bytes``).
    seconds : float
        Rough wall time on a 2-core CPU (operation counts over fixed rates; a factor of a few either way).

    Examples
    --------
    >>> est = insensitive_estimate(2, 1, 3)
    >>> est.route, est.shape
    ('folded', (15, 120))
    """

    route: str
    shape: tuple
    solved_shape: tuple
    nbytes: int
    seconds: float


def insensitive_estimate(n, s, m, *, visible="random", S0=None, p_bias=0.5, symmetry=True) -> SolveEstimate:
    r"""Size, memory and a rough time of :func:`insensitive_capacity` before running it.

    .. math::

        t \approx \frac{\#\text{classes} \cdot \sum_{d \le m} N_d}{r_{\text{fold}}}
              + \frac{I \cdot \text{rows} \cdot N_m}{r_{\text{solve}}},

    with :math:`N_d` the Burnside counts of type-orbits of d samples (the prefix tree of the fold),
    ``I = TYPICAL_ITERATIONS`` and the rates ``FOLD_RATE``, ``SOLVE_RATE`` of this module (unfolded:
    classes x types entries per iteration). Only the class table of the channel variant is built
    (it is cached and reused by the solve).

    Parameters
    ----------
    n, s, m, visible, S0, p_bias, symmetry :
        As :func:`insensitive_capacity`.

    Returns
    -------
    SolveEstimate
        ``route``, ``shape``, ``solved_shape``, ``nbytes``, ``seconds``.

    Raises
    ------
    TypeError, ValueError
        For an ``n``, ``s``, ``m``, ``visible``, ``S0``, ``p_bias`` or ``symmetry`` that
        :func:`insensitive_capacity` refuses, with the same message.

    References
    ----------
    W. Burnside, *Theory of Groups of Finite Order* (1897), Sec. 145 (the orbit counts).

    Examples
    --------
    >>> est = insensitive_estimate(4, 2, 5)
    >>> est.route, est.shape, est.solved_shape[1]
    ('folded', (61419, 2598960), 4474)
    """
    n, s, m, visible, S0, p_bias = check_channel_args(n, s, m, visible, S0, p_bias, levels=True)
    symmetry = check_flag(symmetry, "symmetry")
    K = len(channel_cells(n, s, S0, p_bias).cells)
    T = math.comb(2 * K + m - 1, m)
    if n > MAX_ENUM_N and level_route(n, s, visible, p_bias):
        R = count_classes(n, s)
        counts = _type_orbit_counts(n, s, visible, S0, p_bias, m)
        rows = LEVEL_ROWS_BOUND
        seconds = N5_ROWS_SECONDS + TYPICAL_ITERATIONS * rows * counts[m] / SOLVE_RATE
        return SolveEstimate("levels", (R, T), (rows, counts[m]), level_plan(n, s, m), float(seconds))
    R = channel_classes(n, s, visible, S0, p_bias).n_classes
    first = N5_ROWS_SECONDS if n > MAX_ENUM_N else 0.0
    if not symmetry:
        nbytes = 16 * R * T
        return SolveEstimate("unfolded", (R, T), (R, T), nbytes, float(first + TYPICAL_ITERATIONS * R * T / SOLVE_RATE))
    counts, G = _type_orbit_counts(n, s, visible, S0, p_bias, m, order=True)
    rows = max(1, min(R, -(-4 * R // G)))
    nbytes = fold_plan(R, rows, 2 * K, m, G, counts)
    seconds = first + R * sum(counts[1:]) / FOLD_RATE + TYPICAL_ITERATIONS * rows * counts[m] / SOLVE_RATE
    return SolveEstimate("folded", (R, T), (rows, counts[m]), int(nbytes), float(seconds))


def _type_orbit_counts(n, s, visible, S0, p_bias, m, order=False):
    """Burnside counts N_0..N_m of type-orbits (and the symbol group's order)."""
    sym_gens = symbol_generators(n, s, S0, p_bias)
    group = symbol_group(tuple(g.tobytes() for g in sym_gens))
    counts = multiset_orbit_counts(group, m)
    return (counts, group.shape[0]) if order else counts


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
        index sum_x f(x) 2**x of the representative of the orbit's smallest class, as
        "f = 0x..", followed by the orbit's standard functions in parentheses when it holds
        any, e.g. "f = 0x1 (AND, NAND, NOR, OR)"), its total mass, and the
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
    (1.299642, True, 15, 'f = 0x0 (0, 1)')
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
                         device=None, symmetry=True, max_iter=None, max_bytes=None, max_seconds=None,
                         progress=False) -> InsensitiveCapacity:
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

    The bounds are rounded outward (:mod:`capacity._rounding`): they hold for the channel as
    built in float64 despite the rounding of their own sums. The folded route
    (:func:`capacity.insensitive.symmetry.orbit_rounding`), the weight-level route
    (:func:`capacity.insensitive.levels.level_rounding`) and the unfolded route
    (:func:`capacity.insensitive.channel.channel_rounding`) also bound the rounding of the
    channel's construction, from the class table's (:func:`capacity.insensitive.model.table_rounding`):
    their bracket holds for the exact C, about 1e-13 wider. For p_bias != 1/2 the exact channel
    is the one at the fraction a/b that p_bias stands for (within 4 ulps, denominator at most
    2**20: 0.3 stands for 3/10), else at the float p_bias; the bound holds at the float value too.
    ``insensitive-atlas verify --rigorous`` proves a stored bracket against the exact channel.

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
    max_seconds : float, optional
        Wall-time budget of the call (no limit by default). Up front, a call whose estimate
        (:func:`insensitive_estimate`, rough: a factor of a few either way) exceeds it is refused;
        the message gives the estimate, the solved shape and the memory plan. While the call runs,
        the clock is read between stages (classes, fold, solve) and inside the solver
        (``blahut_arimoto(max_seconds=...)``): a budget spent before the solver starts raises a
        ValueError naming the budget and the stage; one spent while it runs returns the bounds
        reached so far (valid, ``converged=False`` on ``result``) with a
        :class:`ConvergenceWarning`. The fold itself (one compiled pass) is not interrupted.
    progress : bool, default False
        Show a tqdm bar over the stages (rows, fold, solve) with the estimate in its title, on
        stderr. Off by default, so scripts and logs stay clean; turn it on for long calls.

    Returns
    -------
    InsensitiveCapacity
        ``capacity``, ``lower``, ``upper``, ``gap``, ``n_classes``, ``limit``,
        ``class_mass``, ``class_names``, ``support``, shapes, ``result``.

    Raises
    ------
    TypeError
        For non-integer n, s, m, max_iter, a non-real tol/p_bias/max_seconds or a non-bool
        symmetry/progress.
    ValueError
        For n outside [1, 4] (beyond it, a case no route covers: the message lists the routes),
        s outside [0, n], m outside [1, 64] (or m > 3 on the weight-level route), p_bias outside
        (0, 1), tol <= 0, an unknown visible/backend, a bad S0, device='cuda' without CUDA,
        symmetry=False on the weight-level route, a plan above ``max_bytes``, max_seconds <= 0, an
        estimate above ``max_seconds``, or ``max_seconds`` spent before the solver starts.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` or ``max_seconds`` is reached before the gap reaches ``tol``.

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
    symmetry = check_flag(symmetry, "symmetry")
    if max_iter is not None:
        max_iter = check_int(max_iter, "max_iter", low=0)
    be = resolve_backend(backend, device=device, supported=("numpy", "torch"), prefer="numpy")
    if max_seconds is not None:
        max_seconds = check_real(max_seconds, "max_seconds", low=0.0, low_open=True)
    progress = check_flag(progress, "progress")
    levels = n > MAX_ENUM_N and level_route(n, s, visible, p_bias)
    if levels and not symmetry:
        raise ValueError(f"`symmetry` must be True for n = {n}, s = {s}: only the folded weight-level route "
                         f"exists there ({count_classes(n, s)} classes)")
    t0 = time.perf_counter()
    budget = _Budget(t0, max_seconds, f"insensitive_capacity(n={n}, s={s}, m={m})")
    bar = None
    if max_seconds is not None or progress:
        est = insensitive_estimate(n, s, m, visible=visible, S0=S0, p_bias=p_bias, symmetry=symmetry)
        if max_seconds is not None and est.seconds > max_seconds:
            raise ValueError(f"`max_seconds` must cover the estimate: {budget.what} is estimated at "
                             f"{est.seconds:.3g} s ({est.route} route, solving about {est.solved_shape[0]} x "
                             f"{est.solved_shape[1]}, planned {format_bytes(est.nbytes)}) > max_seconds="
                             f"{max_seconds:g}; raise max_seconds or lower m")
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=3, unit="stage", desc=f"{budget.what} ~{est.seconds:.2g} s, {format_bytes(est.nbytes)}")
    try:
        if levels:
            return _level_capacity(n, s, m, tol, max_iter, be, backend, max_bytes, t0, bar, budget)
        return _class_capacity(n, s, m, tol, visible, S0, p_bias, be, backend, symmetry, max_iter,
                               max_bytes, t0, bar, budget)
    finally:
        if bar is not None:
            bar.close()


def _stage(bar, name, budget=None):
    """Advance the progress bar (if any) past one stage; ``name`` is the stage that starts. With a
    ``budget``, refuse to start it when the budget is spent."""
    if budget is not None:
        budget.check(name)
    if bar is not None:
        bar.set_postfix_str(name)
        bar.update(1)


@dataclass(frozen=True)
class _Budget:
    """The ``max_seconds`` of one call: ``check`` refuses a stage that would start after it,
    ``left`` is what remains for the solver (None: no budget)."""

    t0: float
    max_seconds: float | None
    what: str

    def left(self):
        return None if self.max_seconds is None else self.t0 + self.max_seconds - time.perf_counter()

    def check(self, stage):
        left = self.left()
        if left is not None and left <= 0:
            raise ValueError(f"`max_seconds` must cover the stages that ran: {self.what} spent "
                             f"{self.max_seconds - left:.3g} s > max_seconds={self.max_seconds:g} before the "
                             f"{stage} stage started (no bounds exist yet); raise max_seconds")


def _blahut_arimoto_quiet(W, **options):
    """:func:`capacity.blahut_arimoto` with its ConvergenceWarning held back: :func:`_solver_warning`
    re-issues it, naming (n, s, m)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return blahut_arimoto(W, **options)


def _solver_warning(res, n, s, m, iters, tol, budget):
    """Re-issue the solver's ConvergenceWarning naming (n, s, m) and what stopped it."""
    if res.converged:
        return
    stopped = res.extra.get("stopped_by")
    why = (f"reached max_seconds={budget.max_seconds:g}" if stopped == "max_seconds"
           else "stopped at the float64 rounding floor" if stopped == "rounding" else f"reached max_iter={iters}")
    warnings.warn(f"insensitive_capacity(n={n}, s={s}, m={m}) {why} with certified "
                  f"gap {res.upper - res.lower:.3g} bits > tol={tol:g}", ConvergenceWarning, stacklevel=4)


def _class_capacity(n, s, m, tol, visible, S0, p_bias, be, backend, symmetry, max_iter, max_bytes, t0, bar,
                    budget):
    """C(n, s, m) over the classes (folded by symmetry or not)."""
    cls = channel_classes(n, s, visible, S0, p_bias)
    R = cls.n_classes
    _stage(bar, "fold" if symmetry else "channel", budget)
    if symmetry:
        # V stays alive while the solver works on it: refuse V + the solver's plan before folding. On the
        # CPU the solver works on V in place (its plan, with CSR rows counted since V's zeros are not
        # known yet; the polish takes what is left); torch converts V into its own copies.
        n_orb = class_orbits(n, s, visible, S0, p_bias)[1].size
        n_torb = _type_orbit_counts(n, s, visible, S0, p_bias, m)[m]
        inplace = be.name == "numpy"
        need = 8 * n_orb * n_torb + (inplace_plan(n_orb, n_torb, None, 0) if inplace else plan_bytes((n_orb, n_torb)))
        check_size(need, max_bytes, f"insensitive_capacity(n={n}, s={s}, m={m}): the folded channel "
                                    f"{n_orb} x {n_torb} and the solver's working "
                                    + ("memory (in place)" if inplace else "copies"))
        fc = folded_channel(n, s, m, visible=visible, S0=S0, p_bias=p_bias, backend=be.name,
                            device=be.device, max_bytes=max_bytes)
        _stage(bar, "solve", budget)
        iters = DEFAULT_MAX_ITER if max_iter is None else max_iter
        keep = fc.V.max(axis=0) > 0  # outputs no orbit reaches carry nothing
        entry_rel, bonus_err = fc.rounding if fc.rounding is not None else (0.0, None)
        if inplace:
            res = _solve_inplace(_drop_columns(fc.V, keep), fc.bonus, tol, iters, max_bytes, budget,
                                 "numba" if backend == "auto" else "numpy", bonus_err, entry_rel,
                                 widened_tol(tol, entry_rel, bonus_err, *fc.V.shape))
        else:  # certified for the exact folded problem: the builder's error bounds go to the solver
            res = _blahut_arimoto_quiet(fc.V[:, keep], tol=tol, max_iter=iters, backend=be.name, device=be.device,
                                        max_bytes=max_bytes, max_seconds=budget.left(),
                                        **_bonus_bits(fc.bonus, bonus_err), entry_rel=entry_rel)
        res = dataclasses.replace(res, extra={**res.extra, "folded": True})
        _solver_warning(res, n, s, m, iters, tol, budget)
        orbit_mass, orbit_of, orbit_count = res.p, fc.class_orbit, fc.class_orbit_sizes
        class_mass = res.p[orbit_of] / orbit_count[orbit_of]
        shape, folded_shape = (fc.n_classes, fc.n_types), fc.shape
    else:
        ch = channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p_bias, max_bytes=max_bytes)
        _stage(bar, "solve", budget)
        kw = {} if max_iter is None else {"max_iter": max_iter}
        entry_rel = channel_rounding(ch)   # the entries' error bound: certified for the exact channel
        res = _blahut_arimoto_quiet(ch.W, tol=tol, backend=be.name, device=be.device, max_bytes=max_bytes,
                                    max_seconds=budget.left(), entry_rel=entry_rel or 0.0, **kw)
        _solver_warning(res, n, s, m, res.iterations, tol, budget)
        class_mass = np.asarray(res.p, dtype=np.float64)
        orbit_mass, orbit_of, orbit_count = class_mass, np.arange(R), np.ones(R, dtype=np.int64)
        shape, folded_shape = ch.shape, None
    _stage(bar, "done")
    lower, upper = float(res.lower), float(res.upper)
    support = _support(orbit_mass, orbit_of, orbit_count, cls.names, cls.representatives, cls.counts)
    return InsensitiveCapacity(n=n, s=s, m=m, visible=visible, S0=S0, p_bias=p_bias, capacity=lower,
                               lower=lower, upper=upper, n_classes=R, limit=math.log2(R), class_mass=class_mass,
                               class_names=cls.names,
                               representatives=None if cls.representatives is None else np.array(cls.representatives),
                               support=support, shape=tuple(shape), folded_shape=folded_shape,
                               symmetry=bool(symmetry), seconds=time.perf_counter() - t0, result=res)


def _drop_columns(V, keep):
    """V[:, keep] written into V's own buffer (row by row, front to back), returned as a view."""
    if keep.all():
        return V
    k, flat = int(keep.sum()), V.reshape(-1)
    for o in range(V.shape[0]):
        flat[o * k:(o + 1) * k] = V[o, keep]
    return flat[:V.shape[0] * k].reshape(V.shape[0], k)


def _bonus_bits(bonus, bonus_err):
    """``bonus`` (nats) as blahut_arimoto's keywords: ``bonus`` in bits and a ``bonus_err`` (bits)
    that covers both the builder's bound ``bonus_err`` (nats, or None) and the conversion: the
    float64 product by log2(e), itself rounded, is within 2.01u of the exact one."""
    bits = bonus * LOG2E
    err = 2.01 * 2.0 ** -53 * np.abs(bits)
    if bonus_err is not None:
        err = err + np.asarray(bonus_err, dtype=np.float64) * LOG2E * (1 + 2.0 ** -50)
    return {"bonus": bits, "bonus_err": err * (1 + 2.0 ** -50)}


def _solve_inplace(V, bonus, tol, max_iter, max_bytes, budget, driver, bonus_err=None, entry_rel=0.0,
                   solve_tol=None):
    """The folded problem solved on V in place (:func:`capacity._solver.solve_inplace` with the
    ``driver`` "numba" or "numpy", to ``solve_tol`` (default ``tol``); ``bonus_err``, ``entry_rel``
    the fold's rounding), as a CapacityResult in bits, converged when its gap is at most ``tol``
    (``extra["stopped_by"]`` as :func:`capacity.blahut_arimoto` sets it)."""
    # the polish's budget: what max_bytes (already checked) leaves beside V and the solver's plan, at
    # most POLISH_BYTES (none left: the polish is skipped)
    polish = min(POLISH_BYTES, (DEFAULT_MAX_BYTES if max_bytes is None else max_bytes) - 8 * V.size
                 - inplace_plan(*V.shape, np.count_nonzero(V), 0))
    deadline = None if budget.max_seconds is None else budget.t0 + budget.max_seconds
    p, iters, lower, upper = solve_inplace(V, bonus, (tol if solve_tol is None else solve_tol) / LOG2E, max_iter,
                                           polish, deadline, driver,
                                           bonus_err=bonus_err, entry_rel=entry_rel)
    lower, upper = (float(v) for v in outward_scale(lower, upper))  # bits, still outward
    converged = upper - lower <= tol
    stopped = (None if converged else "max_iter" if iters >= max_iter else "max_seconds" if past(deadline)
               else "rounding")
    return CapacityResult(lower, p, lower, upper, iters, converged, driver,
                          {} if stopped is None else {"stopped_by": stopped})


def _level_capacity(n, s, m, tol, max_iter, be, backend, max_bytes, t0, bar, budget):
    """C(n, s, m) by the weight-level route (:mod:`capacity.insensitive.levels`)."""
    lc = level_channel(n, s, m, max_bytes=max_bytes)
    _stage(bar, "fold")
    _stage(bar, "solve", budget)
    iters = DEFAULT_MAX_ITER if max_iter is None else max_iter
    keep = lc.V.max(axis=0) > 0
    solver_backend = "auto" if backend == "auto" and be.name == "numpy" else be.name
    entry_rel, bonus_err = level_rounding(lc, n, s, m)
    # certified for the exact problem: V's entries and the bonus carry the builder's rounding
    res = _blahut_arimoto_quiet(np.ascontiguousarray(lc.V[:, keep]), tol=tol, max_iter=iters,
                                backend=solver_backend, device=be.device, max_bytes=max_bytes,
                                max_seconds=budget.left(), **_bonus_bits(lc.bonus, bonus_err), entry_rel=entry_rel)
    res = dataclasses.replace(res, extra={**res.extra, "folded": True, "route": "levels"})
    lower, upper = float(res.lower), float(res.upper)
    _stage(bar, "done")
    _solver_warning(res, n, s, m, iters, tol, budget)
    R = count_classes(n, s)
    K = len(channel_cells(n, s, None, 0.5).cells)
    support = sorted(((f"levels {tuple(int(v) for v in lc.levels[r])} (f = {int(lc.functions[r]):#x})",
                       float(res.p[r]), 0) for r in np.flatnonzero(res.p > 1e-6)), key=lambda t: -t[1])
    return InsensitiveCapacity(n=n, s=s, m=m, visible="random", S0=None, p_bias=0.5, capacity=lower, lower=lower,
                               upper=upper, n_classes=R, limit=math.log2(R), class_mass=None, class_names=(),
                               representatives=None, support=support, shape=(R, math.comb(2 * K + m - 1, m)),
                               folded_shape=lc.shape, symmetry=True, seconds=time.perf_counter() - t0, result=res)


def _support(orbit_mass, orbit_of, orbit_count, names, reps, counts, threshold=1e-6):
    """(label, mass, #classes) per orbit with mass > threshold, heaviest first. Every label has one
    form: the index F = sum_x f(x) 2**x in hex of the representative of the orbit's smallest class
    (its ones per cell for count-vector classes), then the standard functions in the orbit in
    parentheses (up to 4), when it holds any."""
    out = []
    for o in np.flatnonzero(orbit_mass > threshold):
        members = np.flatnonzero(orbit_of == o)
        named = sorted({nm for k in members if names[k] for nm in names[k].split(" = ")},
                       key=lambda nm: (nm.startswith("~"), nm))
        k = int(members[0])
        if reps is not None:
            label = f"f = {sum(1 << x for x, v in enumerate(reps[k]) if v):#x}"
        else:
            label = "ones per cell [" + ", ".join(str(int(c)) for c in counts[k]) + "]"
        if named:
            label += " (" + ", ".join(named[:4]) + (", ..." if len(named) > 4 else "") + ")"
        out.append((label, float(orbit_mass[o]), int(orbit_count[o])))
    out.sort(key=lambda t: -t[1])
    return out
