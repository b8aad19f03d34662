r"""Fused Triton kernels for the solver core of :mod:`capacity._solver` on CUDA (private).

:func:`md_batched` is the GPU twin of :func:`capacity._solver.md_steps` for a batch of small
channels: one program per channel keeps its ``W`` (nx, ny) in registers and runs all the
safeguarded mirror-descent steps of a chunk there,

.. math:: p'_x = \frac{p_x e^{\mu (D_x - F(p))}}{Z},\qquad
          D_x = \text{base}_x - \sum_y W_{xy} \ln (pW)_y,

with the same acceptance rule, step control (MU_MAX, TINY, E_MAX, LOG_ZERO taken from the
solver core) and stopping rule, so ``W`` is read once per chunk instead of twice per step in
lock-step torch (one kernel launch per step and operation). A program stops as soon as its
channel is certified or out of budget. Only additions, products, ``exp`` and ``log`` in float64:
the results equal :func:`md_steps`'s up to the order of the sums (checked in the test-suite
through Triton's interpreter).

:func:`md_streamed` is the twin for channels too large for one program (one large ``W``):
one fused pass over ``W`` per step, where each row gives :math:`D_x` from :math:`\ln q` and, in
the same visit, adds :math:`p'_x W_x` to the next output law, as :mod:`capacity._ba_numba`'s sweep
does on the CPU (overflow shift: the current lower bound). The step that a rejection would take
instead (from the accepted ``p`` with halved :math:`\mu`) is known before the pass, so its output
law is accumulated in the same pass too, and the choice between the two is made afterwards on the
device: ``W`` is read once per step, and the host looks at the device once every STREAM_CHECK
steps (to stop a finished batch). The programs
write per-program partial sums (no atomics: the result does not depend on scheduling), reduced by
torch in a second, small pass.

Triton is optional: without it (or without CUDA) :func:`select` returns the lock-step
:func:`md_steps`, and CPU tensors always take that path. The objective and its
certificate are stated in :mod:`capacity._solver`; the iteration is R. Blahut, IEEE Trans. Inf.
Theory 18 (1972) 460-473, and S. Arimoto, same volume, 14-20.
"""
from __future__ import annotations

from ._solver import E_MAX, LOG_ZERO, MU_MAX, TINY, md_steps

try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

#: Largest padded channel (nx * ny, float64 values) one program keeps in registers.
MAX_TILE = 8192
#: Mirror-descent steps between two compactions of certified channels in the driver: the fused
#: kernel stops certified channels itself, so a chunk can be a whole round.
CHUNK = 1 << 30
#: Lock-step chunk of the pure-torch path (one launch per operation and step).
TORCH_CHUNK = 16
#: Streamed path: steps per driver chunk (each chunk starts with three plain passes over W) and
#: steps between two host checks for a finished batch.
STREAM_CHUNK, STREAM_CHECK = 64, 16
#: Streamed path: rows per program step, columns per tile (a row of up to STREAM_COLS outputs is
#: kept in registers and read once; wider rows are visited twice, the second time from cache),
#: and programs per channel (each writes one partial output law).
STREAM_ROWS, STREAM_COLS, STREAM_PROGRAMS = 4, 2048, 128


def available() -> bool:
    """True when Triton is importable and a CUDA device is present."""
    import torch

    return triton is not None and torch.cuda.is_available()


def tile_shape(nx, ny):
    """Padded register tile (powers of two) of one channel."""
    return max(2, 1 << (nx - 1).bit_length()), max(2, 1 << (ny - 1).bit_length())


def fits(nx, ny):
    """True when one channel's padded tile fits :data:`MAX_TILE` registers' worth of values."""
    bx, by = tile_shape(nx, ny)
    return bx * by <= MAX_TILE


def select(W):
    """``(md, chunk)`` for the driver :func:`capacity._solver.solve` on the batch ``W``: the fused
    kernel for CUDA tensors whose channels fit a program, the streamed one for larger CUDA channels,
    else (md_steps, TORCH_CHUNK)."""
    if W.device.type == "cuda" and available():
        return (md_batched, CHUNK) if fits(W.shape[1], W.shape[2]) else (md_streamed, STREAM_CHUNK)
    return md_steps, TORCH_CHUNK


if triton is not None:
    @triton.jit
    def _divergences(w, base, p, LOGZ: tl.constexpr):
        """D_x = base_x - sum_y W_xy ln (pW)_y (ln 0 read as LOGZ); padded rows (w = 0) get 0."""
        q = tl.sum(p[:, None] * w, axis=0)
        pos = q > 0
        logq = tl.where(pos, tl.log(tl.where(pos, q, 1.0)), LOGZ)
        return base - tl.sum(w * logq[None, :], axis=1)

    @triton.jit
    def _bounds(p, D, mx):
        """(sum_x p_x D_x over p_x > 0, max_x D_x over the real rows)."""
        return tl.sum(tl.where(p > 0, p * D, 0.0), axis=0), tl.max(tl.where(mx, D, float("-inf")), axis=0)

    @triton.jit
    def _md_batched_kernel(W, base, p, mu, budget, p_out, lo_out, up_out, mu_out, used_out,
                           nx, ny, steps, params,
                           BX: tl.constexpr, BY: tl.constexpr, LOGZ: tl.constexpr, TINY_: tl.constexpr,
                           EMAX: tl.constexpr, MUMAX: tl.constexpr):
        b = tl.program_id(0).to(tl.int64)
        tol = tl.load(params)  # float64: a Python float argument would be passed as float32
        grow = tl.load(params + 1)
        rx = tl.arange(0, BX)
        ry = tl.arange(0, BY)
        mx = rx < nx
        my = ry < ny
        w = tl.load(W + b * nx * ny + rx[:, None] * ny + ry[None, :], mask=mx[:, None] & my[None, :], other=0.0)
        bs = tl.load(base + b * nx + rx, mask=mx, other=0.0)
        pv = tl.load(p + b * nx + rx, mask=mx, other=0.0)
        m = tl.load(mu + b)
        bud = tl.load(budget + b)
        D = _divergences(w, bs, pv, LOGZ)
        lo, up = _bounds(pv, D, mx)
        used = lo * 0.0
        i = 0
        live = (up - lo > tol) & (used < bud)
        while (i < steps) & live:
            e = tl.minimum(m * tl.minimum(D - lo, EMAX), EMAX)
            new = pv * tl.exp(e)  # p_x = 0 (and padded rows) stay 0
            new = tl.where(new < TINY_, 0.0, new)
            new = new / tl.sum(new, axis=0)
            D2 = _divergences(w, bs, new, LOGZ)
            lo2, up2 = _bounds(new, D2, mx)
            acc = (lo2 >= lo) | (m <= 1.0)
            pv = tl.where(acc, new, pv)
            D = tl.where(acc, D2, D)
            lo = tl.where(acc, lo2, lo)
            up = tl.where(acc, up2, up)
            m = tl.where(acc, tl.minimum(m * grow, MUMAX), tl.maximum(m * 0.5, 1.0))
            used = used + 1.0
            i += 1
            live = (up - lo > tol) & (used < bud)
        tl.store(p_out + b * nx + rx, pv, mask=mx)
        tl.store(lo_out + b, lo)
        tl.store(up_out + b, up)
        tl.store(mu_out + b, m)
        tl.store(used_out + b, used)


    @triton.jit
    def _stream_rows(base, cand, D_out, a_out, rows, mr, dot, s_b, m_b, TINY_: tl.constexpr, EMAX: tl.constexpr):
        """One block of rows of the streamed step: D_x = base_x - dot_x (dot_x = sum_y W_xy ln q_y)
        and the unnormalised candidate mass a_x = cand_x exp(min(mu (D_x - shift), EMAX)), masses
        below TINY set to 0; both stored, ``a`` returned."""
        d = tl.load(base + rows, mask=mr, other=0.0) - dot
        tl.store(D_out + rows, d, mask=mr)
        c = tl.load(cand + rows, mask=mr, other=0.0)
        a = c * tl.exp(tl.minimum(m_b * tl.minimum(d - s_b, EMAX), EMAX))
        a = tl.where(a < TINY_, 0.0, a)
        tl.store(a_out + rows, a, mask=mr)
        return a

    @triton.jit
    def _stream_kernel(W, base, cand, logq, r, shift, mu_a, D_out, a_out, z_part, qa_part, qr_part,
                       nx, ny, rows_per_prog, P, BR: tl.constexpr, BC: tl.constexpr, ONE_TILE: tl.constexpr,
                       REJECT: tl.constexpr, TINY_: tl.constexpr, EMAX: tl.constexpr):
        pid = tl.program_id(0).to(tl.int64)
        b = tl.program_id(1).to(tl.int64)
        r0 = pid * rows_per_prog
        r1 = tl.minimum(r0 + rows_per_prog, nx)
        s_b = tl.load(shift + b)
        m_b = tl.load(mu_a + b)
        Wb = W + b * nx * ny
        cols = tl.arange(0, BC)
        part = (b * P + pid) * ny
        zacc = tl.sum(tl.zeros((BR,), dtype=tl.float64), axis=0)
        if ONE_TILE:  # a whole row in registers: W is read once
            mc = cols < ny
            lq = tl.load(logq + b * ny + cols, mask=mc, other=0.0)
            accq = tl.zeros((BC,), dtype=tl.float64)
            accr = tl.zeros((BC,), dtype=tl.float64)
            for row0 in range(r0, r1, BR):
                rows = row0 + tl.arange(0, BR)
                mr = rows < r1
                w = tl.load(Wb + rows[:, None] * ny + cols[None, :], mask=mr[:, None] & mc[None, :], other=0.0)
                a = _stream_rows(base + b * nx, cand + b * nx, D_out + b * nx, a_out + b * nx, rows, mr,
                                 tl.sum(w * lq[None, :], axis=1), s_b, m_b, TINY_, EMAX)
                zacc += tl.sum(a, axis=0)
                accq += tl.sum(a[:, None] * w, axis=0)
                if REJECT:
                    rv = tl.load(r + b * nx + rows, mask=mr, other=0.0)
                    accr += tl.sum(rv[:, None] * w, axis=0)
            tl.store(qa_part + part + cols, accq, mask=mc)
            if REJECT:
                tl.store(qr_part + part + cols, accr, mask=mc)
        else:  # wide rows: the dot products first, then the accumulation (the row again, from cache)
            for c0 in range(0, ny, BC):
                mc = c0 + cols < ny
                tl.store(qa_part + part + c0 + cols, tl.zeros((BC,), dtype=tl.float64), mask=mc)
                if REJECT:
                    tl.store(qr_part + part + c0 + cols, tl.zeros((BC,), dtype=tl.float64), mask=mc)
            for row0 in range(r0, r1, BR):
                rows = row0 + tl.arange(0, BR)
                mr = rows < r1
                dot = tl.zeros((BR,), dtype=tl.float64)
                for c0 in range(0, ny, BC):
                    mc = c0 + cols < ny
                    w = tl.load(Wb + rows[:, None] * ny + c0 + cols[None, :], mask=mr[:, None] & mc[None, :],
                                other=0.0)
                    lq = tl.load(logq + b * ny + c0 + cols, mask=mc, other=0.0)
                    dot += tl.sum(w * lq[None, :], axis=1)
                a = _stream_rows(base + b * nx, cand + b * nx, D_out + b * nx, a_out + b * nx, rows, mr, dot,
                                 s_b, m_b, TINY_, EMAX)
                zacc += tl.sum(a, axis=0)
                rv = tl.load(r + b * nx + rows, mask=mr, other=0.0)
                for c0 in range(0, ny, BC):
                    mc = c0 + cols < ny
                    w = tl.load(Wb + rows[:, None] * ny + c0 + cols[None, :], mask=mr[:, None] & mc[None, :],
                                other=0.0)
                    pq = tl.load(qa_part + part + c0 + cols, mask=mc, other=0.0)
                    tl.store(qa_part + part + c0 + cols, pq + tl.sum(a[:, None] * w, axis=0), mask=mc)
                    if REJECT:
                        pr = tl.load(qr_part + part + c0 + cols, mask=mc, other=0.0)
                        tl.store(qr_part + part + c0 + cols, pr + tl.sum(rv[:, None] * w, axis=0), mask=mc)
        tl.store(z_part + b * P + pid, zacc)


def md_batched(xp, W, base, p, mu, steps, tol, grow, budget):
    """:func:`capacity._solver.md_steps` fused in one launch: same arguments and returns
    (p, lower, upper, mu, iterations used per channel), float64 tensors on W's device."""
    import torch

    B, nx, ny = W.shape
    bx, by = tile_shape(nx, ny)
    W, base, p, mu, budget = (torch.as_tensor(a, dtype=torch.float64).contiguous() for a in (W, base, p, mu, budget))
    p_out = torch.empty_like(p)
    lo, up, mu_out, used = (torch.empty(B, dtype=torch.float64, device=W.device) for _ in range(4))
    params = torch.tensor([float(tol), float(grow)], dtype=torch.float64, device=W.device)
    if B:
        _md_batched_kernel[(B,)](W, base, p, mu, budget, p_out, lo, up, mu_out, used, nx, ny, int(steps),
                                 params, BX=bx, BY=by, LOGZ=LOG_ZERO, TINY_=TINY, EMAX=E_MAX,
                                 MUMAX=MU_MAX, num_warps=max(1, min(8, bx * by // 1024)),
                                 enable_fp_fusion=False)
    return p_out, lo, up, mu_out, used


def _step(xp, p, D, lo, mu):
    """md_steps' candidate from (p, D, lo): p exp(mu min(D - lo, E_MAX)), TINY cut, normalised."""
    new = p * xp.exp(xp.minimum(mu[:, None] * xp.minimum(D - lo[:, None], E_MAX), E_MAX))
    new = xp.where(new < TINY, 0.0, new)
    return new / xp.sum(new, axis=-1)[:, None]


def md_streamed(xp, W, base, p, mu, steps, tol, grow, budget, *, rows=None, cols=None, programs=None):
    """:func:`capacity._solver.md_steps` with one fused pass over W per step (same arguments and
    returns). The candidate from an accepted step is shifted by the current lower bound instead of
    its own (md_steps' shift), which changes only where E_MAX clips or TINY cuts; ``rows``,
    ``cols`` and ``programs`` override the tiles (tests run small tiles)."""
    import torch

    from ._solver import bounds, row_divergences, vecmat

    B, nx, ny = W.shape
    br = rows or STREAM_ROWS
    bc = min(cols or STREAM_COLS, max(2, 1 << (ny - 1).bit_length()))
    one_tile = ny <= bc
    groups = -(-nx // br)
    P = min(groups, max(1, (programs or STREAM_PROGRAMS) // B))
    rows_per_prog = -(-groups // P) * br
    P = -(-nx // rows_per_prog)
    W, base, p, mu, budget = (torch.as_tensor(a, dtype=torch.float64).contiguous() for a in (W, base, p, mu, budget))
    D = row_divergences(xp, W, base, vecmat(xp, p, W), exact=False)
    lo, up = bounds(xp, p, D)
    used = torch.zeros_like(lo)
    cand = _step(xp, p, D, lo, mu)
    qc = vecmat(xp, cand, W)
    reject = grow > 1.0 or bool((mu > 1.0).any())  # plain BA (mu = 1, no growth) never rejects
    D2, a = torch.empty_like(p), torch.empty_like(p)
    z_part = torch.empty((B, P), dtype=torch.float64, device=W.device)
    qa_part = torch.empty((B, P, ny), dtype=torch.float64, device=W.device)
    qr_part = torch.empty_like(qa_part) if reject else qa_part
    for k in range(min(int(steps), int(budget.max()) if B else 0)):  # no channel can use more steps
        live = (up - lo > tol) & (used < budget)
        if k % STREAM_CHECK == 0 and not bool(live.any()):
            break
        mu_a = torch.clamp(mu * grow, max=MU_MAX)
        mu_r = torch.clamp(mu * 0.5, min=1.0)
        r = _step(xp, p, D, lo, mu_r) if reject else cand
        pos = qc > 0
        logq = torch.where(pos, torch.log(torch.where(pos, qc, 1.0)), LOG_ZERO)
        _stream_kernel[(P, B)](W, base, cand, logq, r, lo, mu_a, D2, a, z_part, qa_part, qr_part, nx, ny,
                               rows_per_prog, P, BR=br, BC=bc, ONE_TILE=one_tile, REJECT=reject, TINY_=TINY,
                               EMAX=E_MAX, num_warps=8 if br * bc >= 4096 else 4,
                               enable_fp_fusion=False)
        lo2, up2 = bounds(xp, cand, D2)
        acc = live & ((lo2 >= lo) | (mu <= 1.0))
        Z = z_part.sum(dim=1)
        nxt, qn = a / Z[:, None], qa_part.sum(dim=1) / Z[:, None]
        if reject:
            nxt_r, qn_r = r, qr_part.sum(dim=1)
        else:
            nxt_r, qn_r = cand, qc
        p = torch.where(acc[:, None], cand, p)
        D = torch.where(acc[:, None], D2, D)
        lo, up = torch.where(acc, lo2, lo), torch.where(acc, up2, up)
        mu = torch.where(acc, mu_a, torch.where(live, mu_r, mu))
        cand = torch.where(acc[:, None], nxt, torch.where(live[:, None], nxt_r, cand))
        qc = torch.where(acc[:, None], qn, torch.where(live[:, None], qn_r, qc))
        used = used + live.to(used.dtype)
    return p, lo, up, mu, used
