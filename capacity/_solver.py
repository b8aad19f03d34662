r"""The one solver core: safeguarded mirror descent (Blahut–Arimoto) with its certificate.

Every routine here maximises, for a batch of channels ``W`` (B, nx, ny) and row offsets ``base``
(B, nx),

.. math:: F(p) = \sum_x p_x \big[D(W_x \,\|\, pW) + b_x\big],\qquad
          \text{base}_x = \sum_y W_{xy} \ln W_{xy} + b_x,

in nats over the simplex: ``b = 0`` is the channel capacity, a per-row bonus the folded
insensitive-function problem (docs/problem.rst), ``b = -s * cost`` capacity–cost at slope ``s``.
The mirror-descent step (:func:`md_steps`) takes the problem as a score function, so that
rate–distortion's output-law problem (:mod:`capacity.distortion`) runs the same step.
For every ``p`` (Gallager 1968, Thm 4.5.1, with ``b`` added to both sides, since
:math:`\sum_x p_x D(W_x\|pW) \le \sum_x p_x D(W_x\|q)` for every ``q``):

.. math:: F(p) \;\le\; \max_{p'} F(p') \;\le\; \max_x \big[D(W_x \,\|\, pW) + b_x\big].

One convention for log 0: an output with :math:`(pW)_y = 0` has :math:`\ln q_y = -\infty`, so a
row with :math:`W_{xy} > 0` there has :math:`D = +\infty` (:func:`row_divergences`), and rows with
:math:`p_x = 0` do not count in :math:`F` (:func:`bounds`). Inside iterations, where a host check
per step would stall a GPU, :math:`-\infty` is represented by ``LOG_ZERO`` (such rows get a huge
finite D); every certificate that is returned is recomputed exactly and rounded outward
(:mod:`capacity._rounding`). Masses below ``TINY`` are set to 0 (no denormals). Everything is
written once against an array namespace ``xp``
(:func:`boolean._lib.array.namespace`: numpy or torch on any device); the numba kernel of
:mod:`capacity._ba_numba` is the compiled one-channel twin of :func:`md_steps` and takes its step
parameters from here.
"""
from __future__ import annotations

import math
import time

import numpy as np

from boolean._lib.array import asarray_like, device_of, put_along_axis, to_numpy

from ._rounding import outward_certificate

#: Mirror-descent step control: start, growth on acceptance, cap (halved toward 1 on rejection).
MU0, MU_GROW, MU_MAX = 2.0, 1.25, 256.0
#: Masses below TINY are set to 0; exponents are clipped at E_MAX (exp(700) < 1.8e308).
TINY, E_MAX = 1e-300, 700.0
#: Stands for ln 0 inside iterations (the returned certificate handles q_y = 0 exactly).
LOG_ZERO = -1e300
#: Accelerated schedule: first mirror-descent round, interior-point steps per round.
MD0, IPM_STEPS = 100, 40
#: Rows kept for the interior-point polish: p_x > SUPPORT_REL * max p (at most SUPPORT_CAP rows).
SUPPORT_REL, SUPPORT_CAP = 1e-8, 4096
#: Working memory of the polish at most (callers lower it to what their max_bytes leaves).
POLISH_BYTES = 2 * 2**30
#: Below this fraction of non-zeros the numba sweep and the polish's Gram matrix go sparse.
SPARSE_DENSITY = 0.25
#: Streamed routines touch W in row blocks of at most this many entries (their temporaries).
BLOCK_ENTRIES = 1 << 22
#: With a deadline, mirror descent runs in slices of about this many seconds (steps counted from
#: the speed measured so far), so the clock is read at least this often.
DEADLINE_SLICE = 0.2


def past(deadline):
    """Whether the ``time.perf_counter()`` value ``deadline`` has passed (never, for None)."""
    return deadline is not None and time.perf_counter() >= deadline


def vecmat(xp, v, W):
    """``v W`` batched: (..., nx) x (..., nx, ny) -> (..., ny)."""
    return xp.matmul(v[..., None, :], W)[..., 0, :]


def matvec(xp, W, v):
    """``W v`` batched: (..., nx, ny) x (..., ny) -> (..., nx)."""
    return xp.matmul(W, v[..., None])[..., 0]


def row_divergences(xp, W, base, q, exact=True, p=None):
    """``base_x - sum_y W_xy ln q_y`` per row (nats): D(W_x || q) + b_x for base = -H(W_x) + b_x.

    ``exact=True``: rows putting mass on an output with ``q_y = 0`` get ``inf`` (one extra pass
    over W, only when such an output exists), except, when the input law ``p`` with ``q = pW`` is
    given, rows with ``p_x > 0``: for them ``q_y >= p_x W_xy > 0``, so q_y underflowed, and the
    output is dropped (ln q_y read as 0; its share p_x W_xy ln(W_xy / q_y) of F is below
    4e-321 nats, as in :func:`capacity.information.mutual_information`). ``exact=False``: ln 0
    is read as ``LOG_ZERO``, without a host synchronisation (inside iterations); with ``p``,
    only in the rows with ``p_x = 0``: the others drop the output, as above and as the numba
    kernel does (reading LOG_ZERO there gave a row of mass 1e-35 a D of 1e10 nats, and the next
    forced step moved all the mass onto it).
    """
    pos = q > 0
    if not exact and p is not None:
        logq = xp.where(pos, xp.log(xp.where(pos, q, 1.0)), 0.0)
        D = base - matvec(xp, W, logq)
        if str(device_of(q)) == "cpu" and bool(xp.all(pos)):  # free on the host; a GPU skips the check
            return D
        return xp.where(p > 0, D, D - LOG_ZERO * matvec(xp, W, xp.astype(~pos, W.dtype)))
    logq = xp.where(pos, xp.log(xp.where(pos, q, 1.0)), 0.0 if exact else LOG_ZERO)
    D = base - matvec(xp, W, logq)
    if exact and not bool(xp.all(pos)):  # rows reaching a q_y = 0, by row blocks (no copy of W)
        miss, step = xp.astype(~pos, W.dtype), max(1, BLOCK_ENTRIES // max(1, W.shape[-1] * math.prod(W.shape[:-2])))
        reach = xp.concat([matvec(xp, xp.astype(W[..., i:i + step, :] > 0, W.dtype), miss) > 0
                           for i in range(0, W.shape[-2], step)], axis=-1)
        D = xp.where(reach if p is None else reach & (p <= 0), math.inf, D)
    return D


def bounds(xp, p, D):
    """(lower, upper) = (sum_x p_x D_x over p_x > 0, max_x D_x) along the last axis."""
    return xp.sum(p * xp.where(p > 0, D, 0.0), axis=-1), xp.max(D, axis=-1)


def certificate(xp, W, base, p):
    """The certified (lower, upper) of ``p`` (nats) in the working precision, ln 0 handled exactly:
    what the iterations compare; the bounds a solver returns are
    :func:`capacity._rounding.outward_certificate`, which rounding cannot break."""
    return bounds(xp, p, row_divergences(xp, W, base, vecmat(xp, p, W), p=p))


def channel_score(xp, W, base, p):
    """The mirror-descent score of the channel problem: (D - lower, lower, upper) of ``p``, with
    D = D(W_x || pW) + b_x read with ln 0 = LOG_ZERO (no host synchronisation) and
    (lower, upper) = :func:`bounds`."""
    D = row_divergences(xp, W, base, vecmat(xp, p, W), exact=False, p=p)
    lo, up = bounds(xp, p, D)
    return D - lo[..., None], lo, up


def md_steps(xp, W, base, p, mu, steps, tol, grow, budget, *, score=channel_score, state=None, stop=False,
             backoff=0.5):
    """``steps`` lock-step safeguarded mirror-descent iterations p <- p exp(mu A)/Z on a batch.

    ``score(xp, W, base, p) -> (A, lower, upper)`` defines the concave problem: ``A`` is the
    gradient of its objective in the mirror (log) coordinates, shifted so that the objective's
    value is 0 (:func:`channel_score`: A = D - F(p); rate–distortion passes its own),
    ``lower`` the objective at p and ``upper`` a certified bound on its maximum. A step is
    accepted when ``lower`` does not fall (always at mu = 1: the Blahut–Arimoto map is
    monotone); accepted steps grow mu by ``grow`` up to MU_MAX, rejected ones multiply it by
    ``backoff``, down to 1 (0.5 halves it toward 1; 0 falls back to the plain step at once).
    Exponents are clipped at E_MAX and masses below TINY set to 0 (p_x = 0 stays 0). Channels
    whose gap is <= tol, or whose ``budget`` (iterations left) is spent, stop moving; with
    ``stop`` the loop ends as soon as none moves (one host synchronisation per step).
    ``state`` is the score of ``p`` when the caller has it. Returns p, lower, upper, mu,
    iterations used (per channel) and A, the score of the returned p.
    """
    A, lo, up = score(xp, W, base, p) if state is None else state
    used = xp.zeros_like(lo)
    for _ in range(steps):
        live = (up - lo > tol) & (used < budget)
        if stop and not bool(xp.any(live)):
            break
        e = xp.minimum(mu[:, None] * A, E_MAX)  # mu >= 1: the same as clipping A at E_MAX first
        new = p * xp.exp(e)  # p_x = 0 stays 0
        new = xp.where(new < TINY, 0.0, new)
        new = new / xp.sum(new, axis=-1)[:, None]
        A2, lo2, up2 = score(xp, W, base, new)
        acc = live & ((lo2 >= lo) | (mu <= 1.0))
        p = xp.where(acc[:, None], new, p)
        A = xp.where(acc[:, None], A2, A)
        lo, up = xp.where(acc, lo2, lo), xp.where(acc, up2, up)
        mu = xp.where(acc, xp.minimum(mu * grow, MU_MAX), xp.where(live, xp.maximum(mu * backoff, 1.0), mu))
        used = used + xp.astype(live, used.dtype)
    return p, lo, up, mu, used, A


def dense_gram(xp, Ws):
    """g(r) = (Ws diag r)(Ws diag r)^T, (B, m, m)."""
    def gram(r):
        A = Ws * r[:, None, :]
        return xp.matmul(A, xp.matrix_transpose(A))
    return gram


def polish_plan(B, ny, polish_bytes):
    """Most support rows m whose polish fits ``polish_bytes``: gathered rows and their scaled copy
    (2 B m ny) plus the Gram matrix and its factor (2 B m^2), float64; at most SUPPORT_CAP, 0 when
    nothing fits."""
    per = 8.0 * B

    def fits(k):
        return per * (2.0 * k * ny + 2.0 * k * k) <= polish_bytes

    m = int((math.sqrt(ny * ny + 2.0 * max(polish_bytes, 0.0) / per) - ny) / 2.0)
    m = max(0, min(SUPPORT_CAP, m))
    while m > 0 and not fits(m):  # the square root may round either way
        m -= 1
    while m < SUPPORT_CAP and fits(m + 1):
        m += 1
    return m


def polish(xp, W, base, p, gap, tol, steps, polish_bytes=POLISH_BYTES, gram_factory=dense_gram, deadline=None):
    """Interior-point polish on the rows that carry mass: maximise F(p) + tau sum_x ln p_x.

    Rows with p_x > SUPPORT_REL max p go into (B, m, ny), and so do the lighter rows with
    p_x > 0 and D_x + b_x > F(p): such a row sets the upper bound and must gain mass (one with an
    output few others reach has D_x growing like ln(1/p_x), which mirror descent corrects at a rate
    of that output's weight per step, while Newton's step does it in a few). The others are set
    to 0 (re-added by the caller's next round when needed), unless that leaves an output that p
    reaches with q_y = 0 (its certificate would be inf): then they keep their mass and are not
    moved. When these rows exceed what :func:`polish_plan` allows, the heavy ones alone are
    polished; when those exceed it too, nothing is done. Newton's direction on the simplex solves
    (G + diag(tau/p^2)) d = g - nu 1, 1'd = 0 with G = W_S diag(1/q) W_S' (the negative Hessian
    of F; the offsets b are linear), g = D + b + tau/p; fraction-to-boundary and Armijo
    backtracking on the barrier objective keep p > 0. tau starts at 0.1 gap/m and falls 10x
    whenever Newton's decrement is small or a full step was taken; the barrier keeps the system
    positive definite even for duplicate rows (Boyd & Vandenberghe 2004, ch. 11), but in floating
    point tau/p^2 can vanish beside G's entries: a system singular to working precision ends the
    polish with the best p so far. Each step ends
    with the exact certificate of the scattered p. ``gram_factory`` gives G's sparse products,
    used when :func:`sparse_gram_pays`. With a ``deadline`` (a ``time.perf_counter()`` value) no
    step starts after it. Returns p (B, nx), lower, upper, steps used.
    """
    B, nx, ny = W.shape
    q_full = vecmat(xp, p, W)
    D_full = row_divergences(xp, W, base, q_full, p=p)
    best_lo, best_up = bounds(xp, p, D_full)
    heavy = p > SUPPORT_REL * xp.max(p, axis=-1)[:, None]
    sel = heavy | ((p > 0) & (D_full > best_lo[:, None]))  # light rows that break the bound join
    fit = polish_plan(B, ny, polish_bytes)
    m = int(xp.max(xp.sum(xp.astype(sel, xp.int64), axis=-1)))
    if m > fit:  # too many light rows: the heavy ones alone
        sel = heavy
        m = int(xp.max(xp.sum(xp.astype(sel, xp.int64), axis=-1)))
    if m > fit:  # left to mirror descent: the Newton system would not fit
        return p, best_lo, best_up, xp.zeros_like(best_lo)
    m = max(1, min(m, nx))
    idx = xp.argsort(-xp.where(sel, 1.0 + p, p), axis=-1, stable=True)[:, :m]  # selected rows first
    mask = xp.take_along_axis(sel, idx, axis=1)
    maskf = xp.astype(mask, p.dtype)
    Ws = xp.take_along_axis(W, idx[:, :, None], axis=1)
    bs = xp.take_along_axis(base, idx, axis=1)
    p_idx = xp.take_along_axis(p, idx, axis=1)
    ps = maskf * p_idx
    hold = xp.any((vecmat(xp, ps, Ws) <= 0) & (q_full > 0), axis=-1)  # ps: p on the support
    on = xp.where(hold, xp.sum(ps, axis=-1), 1.0)  # the support's share of the mass
    ps = ps / xp.sum(ps, axis=-1)[:, None]
    p_off, p_idx = xp.where(hold[:, None], p, 0.0), xp.where(hold[:, None], p_idx, 0.0)
    msz = xp.sum(maskf, axis=-1)
    floor = 1e-3 * tol / msz
    tau = xp.maximum(0.1 * gap / msz, floor)
    offmask = maskf[:, :, None] * maskf[:, None, :]
    eye = xp.eye(m, dtype=p.dtype, device=device_of(p))

    def state(ps):
        q = vecmat(xp, ps, Ws)
        Ds = row_divergences(xp, Ws, bs, q, exact=False)
        I, _ = bounds(xp, ps, xp.where(mask, Ds, 0.0))
        return q, Ds, I, xp.sum(xp.where(mask, xp.log(xp.where(mask, ps, 1.0)), 0.0), axis=-1)

    q, Ds, I, logsum = state(ps)
    sparse = gram_factory is not dense_gram and sparse_gram_pays(Ws)  # a sparse factory, and it pays
    gram = gram_factory(xp, Ws) if sparse else dense_gram(xp, Ws)
    best_p = p
    done = best_up - best_lo <= tol
    used = xp.zeros_like(tau)
    for _ in range(steps):
        if bool(xp.all(done)) or past(deadline):
            break
        rq = xp.where(q > 0, 1.0 / xp.sqrt(xp.where(q > 0, q, 1.0)), 0.0)
        psm = xp.where(mask, ps, 1.0)
        H = gram(rq) * offmask + eye * xp.where(mask, tau[:, None] / (psm * psm), 1.0)[:, :, None]
        g = xp.where(mask, Ds + tau[:, None] / psm, 0.0)
        uv = _newton_solve(xp, H, xp.stack([g, maskf], axis=-1))
        if uv is None:  # singular in floating point: tau/p^2 lost beside G's duplicate rows; stop here
            break
        u, v = uv[..., 0], uv[..., 1]
        nu = xp.sum(u, axis=-1) / xp.sum(v, axis=-1)
        d = (u - nu[:, None] * v) * maskf
        dec = xp.sum(d * (g - nu[:, None]) * maskf, axis=-1)
        ratio = xp.where(d < 0, -ps / xp.where(d < 0, d, -1.0), math.inf)
        a = xp.minimum(xp.min(ratio, axis=-1) * 0.95, 1.0)
        phi = I + tau * logsum
        for _ls in range(40):
            pn = xp.where(mask, xp.maximum(ps + a[:, None] * d, TINY), 0.0)
            pn = pn / xp.sum(pn, axis=-1)[:, None]
            qn, Dn, In, logn = state(pn)
            ok = (In + tau * logn >= phi - 1e-15 * xp.abs(phi)) | (a < 1e-12) | done
            if bool(xp.all(ok)):
                break
            a = xp.where(ok, a, a * 0.5)
        live = ~done
        ps = xp.where(live[:, None], pn, ps)
        q = xp.where(live[:, None], qn, q)
        Ds = xp.where(live[:, None], Dn, Ds)
        I = xp.where(live, In, I)
        logsum = xp.where(live, logn, logsum)
        used = used + xp.astype(live, used.dtype)
        pf = put_along_axis(xp, p_off * 1.0, idx, xp.where(mask, ps * on[:, None], p_idx), axis=1)
        lo, up = certificate(xp, W, base, pf)
        better = live & (up - lo < best_up - best_lo)
        best_p = xp.where(better[:, None], pf, best_p)
        best_lo, best_up = xp.where(better, lo, best_lo), xp.where(better, up, best_up)
        done = done | (best_up - best_lo <= tol)
        small = (dec < 0.25 * tau * msz) | (a >= 1.0)
        tau = xp.where(small, xp.maximum(tau * 0.1, floor), tau)
    return best_p, best_lo, best_up, used


def _newton_solve(xp, H, rhs):
    """``xp.linalg.solve(H, rhs)``, or None where LAPACK meets an exactly zero pivot (numpy's
    ``LinAlgError``, torch's ``linalg.LinAlgError``); other errors propagate."""
    try:
        return xp.linalg.solve(H, rhs)
    except Exception as exc:
        if type(exc).__name__ in ("LinAlgError", "_LinAlgError"):
            return None
        raise


def solve(xp, W, base, p, tol, max_iter, accelerated, *, chunk, md=md_steps, gram_factory=dense_gram,
          polish_bytes=POLISH_BYTES, deadline=None):
    """The driver: maximise F on a batch to a certified gap ``tol`` (nats), lock-step.

    Plain: mirror-descent chunks at mu = 1 until every channel is certified or out of budget.
    Accelerated: MD0 safeguarded mirror-descent steps, then up to IPM_STEPS interior-point steps
    (:func:`polish`) on the identified support; a channel still above tol goes round again with
    twice the mirror-descent steps (the polish's zeros revived at 1e-3 of their previous mass).
    The mirror-descent phase runs in chunks of ``chunk`` steps; certified channels are dropped
    between chunks. ``md`` is :func:`md_steps` or a compiled kernel with its signature (only its first five
    returns are read, so a kernel need not return the score).
    ``deadline`` (a ``time.perf_counter()`` value, optional): mirror descent then runs in slices of
    about DEADLINE_SLICE seconds and the polish checks the clock between its steps; once the
    deadline has passed, every channel stops with its current p (after a polish, the better of the
    polished and the unpolished p), whose certificate stays valid. At least one slice runs.
    Returns p (B, nx) in ``xp`` and the iterations per channel (host int64); a channel stopped by
    the deadline has ``iterations < max_iter`` and a gap that may exceed ``tol``.
    """
    B = W.shape[0]
    iters = np.zeros(B, dtype=np.int64)
    ids = np.arange(B)
    out_ids, out_p = [], []
    Wc, bc, pc = W, base, p
    muc = xp.full((B,), MU0 if accelerated else 1.0, dtype=p.dtype, device=device_of(p))
    grow = MU_GROW if accelerated else 1.0
    k_round = MD0 if accelerated else max(max_iter, 1)  # >= 1: the first chunk records the bounds

    def take(a, rows):
        return xp.take(a, asarray_like(xp, rows, a, dtype=xp.int64), axis=0)

    def finish(keep, p_new):
        nonlocal ids, Wc, bc, pc, muc
        sel = np.flatnonzero(~keep)
        if not sel.size:
            pc = p_new
            return
        out_ids.append(ids[sel])
        out_p.append(take(p_new, sel))
        kk = np.flatnonzero(keep)
        ids = ids[kk]
        if ids.size:
            Wc, bc, pc, muc = (take(a, kk) for a in (Wc, bc, p_new, muc))

    per_step = None  # seconds per mirror-descent step, measured (deadline only)
    while ids.size:
        left = k_round
        lo = up = None
        while ids.size and left > 0:
            n = int(min(chunk, left))
            if deadline is not None:  # a slice of about DEADLINE_SLICE s, never past the deadline by much
                room = min(DEADLINE_SLICE, max(deadline - time.perf_counter(), 0.0))
                n = max(1, min(n, 8 if per_step is None else int(room / max(per_step, 1e-9))))
                t_slice = time.perf_counter()
            budget = asarray_like(xp, np.minimum(max_iter - iters[ids], n).astype(np.float64), pc)
            pn, lo, up, muc, used = md(xp, Wc, bc, pc, muc, n, tol, grow, budget)[:5]
            iters[ids] += np.rint(to_numpy(used)).astype(np.int64)
            left -= n
            keep = ~((to_numpy(up - lo) <= tol) | (iters[ids] >= max_iter))
            if not keep.all():
                kk = np.flatnonzero(keep)
                lo, up = take(lo, kk), take(up, kk)
            finish(keep, pn)
            if deadline is not None:
                per_step = (time.perf_counter() - t_slice) / n
                if past(deadline) and ids.size:  # out of time: every channel stops where it is
                    finish(np.zeros(ids.size, dtype=bool), pc)
        if not accelerated or not ids.size:
            continue
        steps = int(min(IPM_STEPS, (max_iter - iters[ids]).min()))
        if steps > 0:
            pp, lo2, up2, used = polish(xp, Wc, bc, pc, up - lo, tol, steps, polish_bytes, gram_factory,
                                        deadline=deadline)
            iters[ids] += np.rint(to_numpy(used)).astype(np.int64)
            better = (up2 - lo2) < (up - lo)
            p_best = xp.where(better[:, None], pp, pc)
            keep = ~((to_numpy(xp.where(better, up2 - lo2, up - lo)) <= tol) | (iters[ids] >= max_iter))
            if past(deadline):  # out of time: every channel keeps its best certified p
                keep = np.zeros_like(keep)
            revived = xp.where(p_best > 0, p_best, pc * 1e-3)
            revived = revived / xp.sum(revived, axis=-1)[:, None]
            # finished channels keep the certified p; the others restart from the revived one
            keep_x = asarray_like(xp, keep, pc, dtype=xp.bool)
            finish(keep, xp.where(keep_x[:, None], revived, p_best))
        k_round *= 2
    order = np.argsort(np.concatenate(out_ids), kind="stable")
    return take(xp.concat(out_p, axis=0), order), iters


def sweep_goes_sparse(size, nnz):
    """Whether the numba sweep of one channel with ``size`` entries, ``nnz`` of them non-zero, runs
    on CSR rows (:func:`capacity._ba_numba.md_kernel`): 4096 entries or more, under SPARSE_DENSITY."""
    return size >= 4096 and nnz < SPARSE_DENSITY * size


def inplace_plan(nx, ny, nnz, polish_bytes):
    """Bytes :func:`solve_inplace` needs besides W itself (nx, ny) with ``nnz`` non-zeros (None: not
    known yet, the most a sparse sweep can have): the CSR rows of a sparse sweep
    (:func:`sweep_goes_sparse`), two row blocks of BLOCK_ENTRIES float64, 24 vectors of nx + ny
    float64 (the sweep's, the certificate's and the polish's laws and divergences) and the
    polish's ``polish_bytes``."""
    if nnz is None:
        nnz = max(0, math.ceil(SPARSE_DENSITY * nx * ny) - 1)
    csr = 16 * nnz + 8 * (nx + 1) if sweep_goes_sparse(nx * ny, nnz) else 0
    return int(csr + 16 * min(BLOCK_ENTRIES, nx * ny) + 8 * 24 * (nx + ny) + max(polish_bytes, 0))


def solve_inplace(W, bonus, tol, max_iter, polish_bytes, deadline=None, driver="numba", *, bonus_err=None,
                  entry_rel=0.0):
    """Maximise F(p) = sum_x p_x [D(W_x || pW) + b_x] (nats) for one channel W (nx, ny), float64
    and C-contiguous, without copying it: the row neg-entropies by row blocks, then the
    ``driver`` of :data:`DRIVERS` ("numba" or "numpy", accelerated) and the certificate rounded
    outward (:func:`capacity._rounding.outward_certificate`, by blocks of W, widened by the
    builder's ``bonus_err`` (nx,) and ``entry_rel`` when given); the memory besides W is
    :func:`inplace_plan`. Returns p (nx,), iterations, lower and upper (nats)."""
    from boolean._lib.array import neg_entropy_rows

    nx, ny = W.shape
    W3 = W[None]  # a view
    step = max(1, BLOCK_ENTRIES // ny)
    base = np.concatenate([neg_entropy_rows(np, W[i:i + step]) for i in range(0, nx, step)])[None] + bonus
    p = np.full((1, nx), 1.0 / nx)
    with np.errstate(over="ignore", under="ignore"):
        p, iters = DRIVERS[driver](np, W3, base, p, tol, max_iter, True, polish_bytes, deadline=deadline)
    lower, upper = outward_certificate(W3, p, np.reshape(bonus, (1, nx)),
                                       None if bonus_err is None else np.reshape(bonus_err, (1, nx)),
                                       entry_rel=entry_rel, block=max(1, BLOCK_ENTRIES // 2))
    return p[0], int(iters[0]), float(lower[0]), float(max(upper[0], lower[0]))


def sparse_gram_pays(Ws):
    """Whether a polish's sparse Gram products beat :func:`dense_gram` on its gathered rows Ws
    (B, m, ny): 32 rows or more, under SPARSE_DENSITY non-zeros."""
    return Ws.shape[1] >= 32 and np.count_nonzero(Ws) < SPARSE_DENSITY * Ws.size


def _scipy_gram(xp, Ws):
    """The polish's sparse Gram factory on numpy (used when :func:`sparse_gram_pays`): scipy sparse
    products, the CSR structure built once per polish, only its values rescaled."""
    from scipy import sparse

    B, m, _ = Ws.shape
    mats = [sparse.csr_matrix(Ws[b]) for b in range(B)]
    vals = [S.data.copy() for S in mats]

    def gram(r):
        out = np.empty((B, m, m))
        for b, S in enumerate(mats):
            S.data = vals[b] * r[b][S.indices]
            out[b] = (S @ S.T).toarray()
        return out
    return gram


def _solve_numba(xp, W, base, p, tol, max_iter, accelerated, polish_bytes, deadline=None):
    """The driver per channel with the fused numba sweep as its mirror-descent phase."""
    from ._ba_numba import gram_kernel, md_kernel

    out = [solve(xp, W[b:b + 1], base[b:b + 1], p[b:b + 1], tol, max_iter, accelerated, chunk=max(max_iter, 1),
                 md=md_kernel(W[b]), gram_factory=gram_kernel, polish_bytes=polish_bytes, deadline=deadline)
           for b in range(W.shape[0])]
    return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


def _solve_lockstep(chunk, gram_factory=dense_gram):
    def run(xp, W, base, p, tol, max_iter, accelerated, polish_bytes, deadline=None):
        return solve(xp, W, base, p, tol, max_iter, accelerated, chunk=chunk, gram_factory=gram_factory,
                     polish_bytes=polish_bytes, deadline=deadline)
    return run


def _solve_torch(xp, W, base, p, tol, max_iter, accelerated, polish_bytes, deadline=None):
    """The lock-step batch; CUDA tensors take the fused kernel of :mod:`capacity._ba_triton` where it applies."""
    md, chunk = md_steps, 16
    if W.device.type == "cuda":
        from ._ba_triton import select

        md, chunk = select(W)
    return solve(xp, W, base, p, tol, max_iter, accelerated, chunk=chunk, md=md, polish_bytes=polish_bytes,
                 deadline=deadline)


#: Backend name -> driver ``run(xp, W, base, p, tol, max_iter, accelerated, polish_bytes, deadline=None)``: numba's
#: fused sweep per channel, else the lock-step batch (chunk: steps between compactions of certified channels);
#: ``deadline`` as in :func:`solve`.
DRIVERS = {"numba": _solve_numba, "numpy": _solve_lockstep(8, _scipy_gram), "torch": _solve_torch}
