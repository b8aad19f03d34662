"""torch array namespace for the Blahut–Arimoto driver (private; CPU or CUDA, float64).

The driver in :mod:`capacity.blahut_arimoto` is written once against a ~20-function namespace;
this module supplies the torch version. A batch (B, nx, ny) advances in lock-step: every
iteration is a fixed sequence of batched kernels (two bmm's and elementwise work) for the whole
batch, and the driver compacts finished channels away every few iterations, so converged
channels stop costing. Host synchronisations happen only at those compaction points.
"""
from __future__ import annotations

import numpy as np

from boolean._lib.backend import import_torch

from boolean._lib.validate import ROW_SUM_ATOL, check_channel


class TorchOps:
    """torch counterparts of ``blahut_arimoto._NumpyOps`` on one device."""

    name = "torch"

    def __init__(self, device):
        torch = import_torch()
        self.torch = torch
        self.device = device
        self.log, self.exp, self.sqrt = torch.log, torch.exp, torch.sqrt

    def where(self, c, a, b):
        torch = self.torch
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            # two scalars: arithmetic on the mask (no host-to-device copy; capturable in a CUDA graph)
            return c.to(torch.float64) * (float(a) - float(b)) + float(b)
        return torch.where(c, a, b)

    def maximum(self, a, b):
        torch = self.torch
        return torch.clamp(a, min=b) if not isinstance(b, torch.Tensor) else torch.maximum(a, b)

    def minimum(self, a, b):
        torch = self.torch
        return torch.clamp(a, max=b) if not isinstance(b, torch.Tensor) else torch.minimum(a, b)

    def pW(self, p, W):
        return self.torch.bmm(p.unsqueeze(1), W).squeeze(1)

    def Wv(self, W, v):
        return self.torch.bmm(W, v.unsqueeze(2)).squeeze(2)

    def gram_factory(self, Ws):
        def gram(r):
            A = Ws * r.unsqueeze(1)
            return self.torch.bmm(A, A.transpose(1, 2))
        return gram

    def amax(self, a):
        return a.amax(dim=-1)

    def amin(self, a):
        return a.amin(dim=-1)

    def sum(self, a):
        return a.sum(dim=-1)

    def topk(self, a, m):
        return self.torch.topk(a, m, dim=-1, sorted=False).indices

    def gather(self, a, idx):
        return self.torch.gather(a, 1, idx)

    def gather_rows(self, W, idx):
        return self.torch.gather(W, 1, idx.unsqueeze(2).expand(-1, -1, W.shape[2]))

    def scatter(self, like, idx, vals):
        return self.torch.zeros_like(like).scatter(1, idx, vals)

    def solve(self, H, rhs):
        L, info = self.torch.linalg.cholesky_ex(H)
        out = self.torch.cholesky_solve(rhs, L)
        if bool((info != 0).any()):  # pragma: no cover - H is positive definite by construction
            out = self.torch.linalg.lstsq(H, rhs).solution if H.device.type == "cpu" else \
                self.torch.linalg.pinv(H) @ rhs
        return out

    def stack2(self, a, b):
        return self.torch.stack([a, b], dim=-1)

    def asarray_like(self, a, like):
        return self.torch.as_tensor(np.ascontiguousarray(a), dtype=self.torch.float64, device=self.device)

    def diag_embed(self, d):
        return self.torch.diag_embed(d)

    def neg_entropies(self, W):
        """sum_y W log W per row (nats, 0 log 0 = 0)."""
        return self.torch.xlogy(W, W).sum(dim=-1)

    def host(self, a):
        return a.detach().cpu().numpy()

    def full(self, shape, value, like):
        return self.torch.full(shape, value, dtype=self.torch.float64, device=self.device)

    def _idx(self, idx):
        return self.torch.as_tensor(np.asarray(idx, dtype=np.int64), device=self.device)

    def index(self, a, idx):
        return a.index_select(0, self._idx(idx))

    def put(self, dst, idx, src):
        return dst.index_copy(0, self._idx(idx), src)


def check_channel_torch(W, device):
    """Validate a channel on ``device`` (one host sync); on failure the CPU validator names
    the position/row exactly as for numpy input. Returns a float64 tensor on ``device``."""
    torch = import_torch()
    if not isinstance(W, torch.Tensor):
        return torch.as_tensor(check_channel(W, "W"), dtype=torch.float64, device=device)
    if W.dtype.is_complex or W.ndim not in (2, 3) or W.numel() == 0:
        check_channel(W.detach().cpu(), "W")  # raises with the standard message
    Wt = W.detach().to(device=device, dtype=torch.float64)
    ok = torch.isfinite(Wt).all() & (Wt >= 0).all() & ((Wt.sum(dim=-1) - 1.0).abs() <= ROW_SUM_ATOL).all()
    if not bool(ok):
        check_channel(Wt.cpu(), "W")  # raises with the standard message
    return Wt


def torch_ops(device) -> TorchOps:
    """The torch namespace on ``device``."""
    return TorchOps(device)
