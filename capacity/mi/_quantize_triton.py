r"""Fused quantise-and-hash Triton kernel for the exact quantised entropy on CUDA (private).

:func:`quantized_counts` gives the multiplicities of the distinct rows of
:math:`\lfloor y / \delta \rfloor` (int64 codes, coordinate-wise) for a float64 tensor ``y``
(N, d) on its device, without materialising the (N, d) int64 codes: one program hashes a block of
rows, each row's codes folded into one 64-bit word with the hash of
:func:`capacity.mi._kernels.quantized_hash` (the same bits as the numba and numpy paths):

.. math:: h \leftarrow \big((h \oplus c_j) \cdot M\big) \oplus \big(((h \oplus c_j) \cdot M) \gg 31\big)
          \pmod{2^{64}},

then ``torch.sort`` and run lengths count the distinct hashes. Every pair of neighbours with
equal hashes is verified code by code; a true 64-bit collision falls back to an exact
``torch.unique`` of the code rows, so the counts are always exact. The setting is in
docs/problem.rst, section "Random networks"; the entropy is Cover and Thomas, *Elements of
Information Theory*, ch. 2.
Triton is optional: without it (or without CUDA) :func:`available` is False and the caller keeps
the pure-torch path.
"""
from __future__ import annotations

from ._hashing import MULTIPLIER, row_counts_torch

try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

#: Rows hashed per program.
BLOCK = 1024


def available() -> bool:
    """True when Triton is importable and a CUDA device is present."""
    import torch

    return triton is not None and torch.cuda.is_available()


if triton is not None:
    @triton.jit
    def _hash_kernel(y, out, n, delta_ptr, mult, D: tl.constexpr, BLOCK_: tl.constexpr):
        pid = tl.program_id(0).to(tl.int64)
        delta = tl.load(delta_ptr)  # float64 (a Python float argument would be passed as float32)
        rows = pid * BLOCK_ + tl.arange(0, BLOCK_)
        live = rows < n
        acc = tl.zeros((BLOCK_,), dtype=tl.uint64)
        for c in tl.static_range(D):
            v = tl.load(y + rows * D + c, mask=live, other=0.0)
            code = tl.floor(v / delta).to(tl.int64)
            acc = acc ^ code.to(tl.uint64, bitcast=True)  # two's-complement reinterpretation
            acc = acc * mult  # wraps modulo 2**64
            acc = acc ^ (acc >> 31)  # logical shift on unsigned words
        tl.store(out + rows, acc.to(tl.int64, bitcast=True), mask=live)


def quantized_hash(y, delta):
    """64-bit hash (as int64) of each row of floor(y / delta) for the float64 tensor ``y`` (N, d)."""
    import torch

    y = y.contiguous()
    n, d = y.shape
    out = torch.empty(n, dtype=torch.int64, device=y.device)
    if n:
        delta_t = torch.tensor([float(delta)], dtype=torch.float64, device=y.device)
        _hash_kernel[(triton.cdiv(n, BLOCK),)](y, out, n, delta_t, MULTIPLIER, D=d, BLOCK_=BLOCK,
                                                enable_fp_fusion=False)
    return out


def quantized_counts(y, delta):
    """Multiplicities (int64 tensor, any order) of the distinct rows of floor(y / delta), exact."""
    import torch

    h = quantized_hash(y, delta)
    hs, order = torch.sort(h)
    same = torch.nonzero(hs[1:] == hs[:-1]).flatten()
    if same.numel():
        a, b = order[same], order[same + 1]
        if bool((torch.floor(y[a] / delta) != torch.floor(y[b] / delta)).any()):
            # a true 64-bit collision between different code rows: exact fallback
            return row_counts_torch(torch.floor(y / delta).to(torch.int64))
    return torch.unique_consecutive(hs, return_counts=True)[1]
