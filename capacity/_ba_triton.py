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

Triton is optional: without it (or without CUDA) :func:`select` returns the lock-step
:func:`md_steps`, and CPU tensors always take that path. The model is in docs/problem.rst,
section "Channel capacity"; the iteration is Blahut (1972) and Arimoto (1972).
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
    kernel for CUDA tensors whose channels fit a program, else (md_steps, TORCH_CHUNK)."""
    if W.device.type == "cuda" and available() and fits(W.shape[1], W.shape[2]):
        return md_batched, CHUNK
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
                           nx, ny, steps, tol, grow,
                           BX: tl.constexpr, BY: tl.constexpr, LOGZ: tl.constexpr, TINY_: tl.constexpr,
                           EMAX: tl.constexpr, MUMAX: tl.constexpr):
        b = tl.program_id(0).to(tl.int64)
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


def md_batched(xp, W, base, p, mu, steps, tol, grow, budget):
    """:func:`capacity._solver.md_steps` fused in one launch: same arguments and returns
    (p, lower, upper, mu, iterations used per channel), float64 tensors on W's device."""
    import torch

    B, nx, ny = W.shape
    bx, by = tile_shape(nx, ny)
    W, base, p, mu, budget = (torch.as_tensor(a, dtype=torch.float64).contiguous() for a in (W, base, p, mu, budget))
    p_out = torch.empty_like(p)
    lo, up, mu_out, used = (torch.empty(B, dtype=torch.float64, device=W.device) for _ in range(4))
    if B:
        _md_batched_kernel[(B,)](W, base, p, mu, budget, p_out, lo, up, mu_out, used, nx, ny, int(steps),
                                 float(tol), float(grow), BX=bx, BY=by, LOGZ=LOG_ZERO, TINY_=TINY, EMAX=E_MAX,
                                 MUMAX=MU_MAX, num_warps=max(1, min(8, bx * by // 1024)))
    return p_out, lo, up, mu_out, used
