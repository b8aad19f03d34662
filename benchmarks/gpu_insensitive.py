"""GPU benchmark: the insensitive-function channel C(n, s, m) on CUDA.

Two parts, each timed on the device:

A. *Unfolded cross-check of the new values*: the full (classes x types) channel W is built
   on the device (``W[k, t] = coef_t prod_i r[k, sym[t, i]]``) and solved by certified
   Blahut–Arimoto in torch (``capacity.blahut_arimoto(backend="torch")`` up to
   ``C1_MAX`` entries, beyond that the package's own torch Blahut–Arimoto loop with the same
   certificate, the plain driver of ``capacity._solver``). Its interval must
   overlap the folded (CPU, numpy) one.
B. *Folded route on the device*: ``insensitive_capacity(..., backend="torch", device=...)``
   (fold and solve in torch; types and orbits on the host CPU), next to the CPU time.

``python -m benchmarks.gpu_insensitive`` (CUDA, under ~3 min on an H100/H200);
``--device cpu --quick`` checks the logic without a GPU; ``--push`` adds the larger folded
cases (several more minutes, mostly host-side type orbits).
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from ._harness import machine_line, table, write_result

#: Largest W (entries) handed to capacity.blahut_arimoto; beyond it the in-package torch loop.
C1_MAX = 2 * 10 ** 8
BIG = 200 * 2 ** 30   # max_bytes for the device runs

UNFOLDED = {"quick": [(3, 2, 3), (4, 1, 3)], "full": [(4, 1, 4), (4, 1, 5), (4, 1, 6), (4, 2, 3)]}
FOLDED = {"quick": [(3, 2, 4), (4, 1, 5)], "full": [(4, 1, 7), (4, 2, 4), (4, 3, 4)],
          "push": [(4, 2, 5), (4, 1, 8), (4, 1, 9), (4, 1, 10), (4, 4, 4), (4, 4, 5), (4, 3, 5), (4, 1, 11),
                   (4, 2, 6), (4, 1, 12)]}


def _sync(torch, dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def unfolded_on_device(n, s, m, dev, tol=1e-9):
    """Build W on the device and solve it; returns (lower, upper, iterations, solver, t_build, t_solve)."""
    import torch

    from capacity import blahut_arimoto
    from capacity.insensitive.model import channel_cells, channel_classes, symbol_probabilities, type_list
    from boolean._lib.array import namespace
    from capacity._solver import certificate, solve
    from capacity.insensitive.solve import LOG2E

    t0 = time.perf_counter()
    cells = channel_cells(n, s, None, 0.5)
    cls = channel_classes(n, s, "random", None, 0.5)
    K = len(cells.cells)
    sym, coef = type_list(2 * K, m)
    r = torch.as_tensor(symbol_probabilities(cls.q, cls.q0, cells.pi), device=dev)
    symt = torch.as_tensor(sym.astype(np.int64), device=dev)
    W = r[:, symt[:, 0]] * torch.as_tensor(np.array(coef), device=dev)
    for i in range(1, m):
        W *= r[:, symt[:, i]]
    keep = W.amax(dim=0) > 0          # types no class can produce (e.g. s = n): 0 log 0 columns
    if not bool(keep.all()):
        W = W[:, keep]
    _sync(torch, dev)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    if W.numel() <= C1_MAX:
        res = blahut_arimoto(W, tol=tol, backend="torch", device=dev, max_bytes=BIG)
        lower, upper, iters, solver = float(res.lower), float(res.upper), int(res.iterations), "blahut_arimoto"
    else:
        negH = torch.empty(W.shape[0], dtype=torch.float64, device=dev)
        step = max(1, 2 ** 27 // W.shape[1])
        for a in range(0, W.shape[0], step):
            blk = W[a:a + step]
            negH[a:a + step] = torch.where(blk > 0, blk * torch.log(torch.where(blk > 0, blk, 1.0)), 0.0).sum(1)
        p0 = torch.full((W.shape[0],), 1.0 / W.shape[0], dtype=torch.float64, device=dev)
        xp = namespace(W)
        p, iters = solve(xp, W[None], negH[None], p0[None], tol / LOG2E, 100_000, False, chunk=16)
        lo, up = (float(a[0]) for a in certificate(xp, W[None], negH[None], p))
        lower, upper, iters, solver = lo * LOG2E, up * LOG2E, int(iters[0]), "torch BA loop"
    _sync(torch, dev)
    t_solve = time.perf_counter() - t0
    shape = tuple(W.shape)
    del W
    return lower, upper, iters, solver, shape, t_build, t_solve


def main(device="cuda", quick=False, push=False) -> str:
    import torch

    from capacity.insensitive import insensitive_capacity

    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU (torch)"
    key = "quick" if quick else "full"
    rows_a, rows_b = [], []

    def emit():
        md = "\n".join([
            "## Insensitive-function channel on the GPU",
            "",
            f"Device: {name}. " + machine_line(),
            "",
            "A. Unfolded channels built and solved on the device (certified Blahut–Arimoto, tol 1e-9), against "
            "the folded CPU value: the new values are confirmed without the symmetry argument.",
            "",
            table(["(n,s,m)", "classes x types", "GiB", "lower (unfolded)", "gap", "folded lower", "overlap",
                   "solver", "iterations", "build s", "solve s"], rows_a),
            "",
            "B. Folded route with the torch backend on the device (types and orbits on the host), next to the "
            "numpy route on the host CPU of the same machine (class tables cached after the first call per "
            "(n, s); '-': not run on the CPU).",
            "",
            table(["(n,s,m)", "lower", "upper", "gap", "log2 #classes", "unfolded", "folded", "device s", "CPU s"],
                  rows_b),
        ])
        # stored as it goes (a timeout keeps the rows so far); a CPU logic check or quick run only prints
        return write_result("insensitive_gpu", md, store=dev.type == "cuda" and not quick)

    for n, s, m in UNFOLDED[key]:
        ref = insensitive_capacity(n, s, m)
        lo, up, it, solver, shape, tb, ts = unfolded_on_device(n, s, m, dev)
        ok = lo <= ref.upper + 1e-12 and ref.lower <= up + 1e-12
        rows_a.append([f"({n},{s},{m})", f"{shape[0]} x {shape[1]}", f"{8 * math.prod(shape) / 2**30:.2f}",
                       f"{lo:.9f}", f"{up - lo:.1e}", f"{ref.lower:.9f}", "yes" if ok else "NO", solver, it,
                       f"{tb:.2f}", f"{ts:.2f}"])
        print(rows_a[-1], flush=True)
        emit()
    cases = FOLDED[key] + (FOLDED["push"] if push else [])
    for n, s, m in cases:
        t0 = time.perf_counter()
        g = insensitive_capacity(n, s, m, backend="torch", device=dev, max_bytes=BIG)
        _sync(torch, dev)
        t_dev = time.perf_counter() - t0
        t_cpu = "-"
        if (n, s, m) in FOLDED[key]:
            t0 = time.perf_counter()
            c = insensitive_capacity(n, s, m, max_bytes=BIG)
            t_cpu = f"{time.perf_counter() - t0:.2f}"
            assert g.lower <= c.upper + 1e-12 and c.lower <= g.upper + 1e-12, (n, s, m)
        rows_b.append([f"({n},{s},{m})", f"{g.lower:.9f}", f"{g.upper:.9f}", f"{g.gap:.1e}", f"{g.limit:.4f}",
                       f"{g.shape[0]} x {g.shape[1]}", f"{g.folded_shape[0]} x {g.folded_shape[1]}",
                       f"{t_dev:.2f}", t_cpu])
        print(rows_b[-1], g.support[:4], flush=True)
        emit()
    return emit()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--push", action="store_true")
    parser.add_argument("--cases", default=None,
                        help="folded push cases instead of the default list, e.g. '4,3,5;4,2,6'")
    parser.add_argument("--unfolded", default=None,
                        help="unfolded cross-check cases instead of the default list, e.g. '4,1,7;4,3,3'")
    args = parser.parse_args()
    if args.unfolded:
        UNFOLDED["full"] = [tuple(int(v) for v in c.split(",")) for c in args.unfolded.split(";")]
        FOLDED["full"] = []
    if args.cases:
        FOLDED["push"] = [tuple(int(v) for v in c.split(",")) for c in args.cases.split(";")]
    print(main(device=args.device, quick=args.quick, push=args.push or bool(args.cases)))
