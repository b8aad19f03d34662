"""GPU benchmark: 2D Ising heat-bath checkerboard sweeps with replicas batched on CUDA.

``python -m benchmarks.gpu_resampling`` (CUDA; under ~60 s) or
``python -m benchmarks.gpu_resampling --device cpu --quick`` (logic check on a CPU).
Prints a markdown table (device name included) and writes ``benchmarks/results/resampling_gpu.md``:
sweeps per second on a 64 x 64 torus for several replica batch sizes (torch on the device vs our
numba kernel on this machine's CPU cores), and the sign information I(sign M^0; sign M^t) below
and above T_c measured on the device with many replicas.
"""
from __future__ import annotations

import os
import time

from benchmarks._harness import cli


def _timed(fn, sync):
    fn()  # warm-up (JIT, CUDA context, allocator)
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def main(device="cuda", quick=False) -> str:
    import torch

    from benchmarks._harness import machine_line, table, write_result
    from capacity.experiments.ising import T_CRITICAL, ising_magnetization, ising_sign_information

    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU (torch)"
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    L = 64
    batches = [64, 256] if quick else [256, 1024, 4096, 16384]
    sweeps = 5 if quick else 50
    rows = []
    t_numba = None
    R_numba = batches[0] if quick else 256
    t = _timed(lambda: ising_magnetization(L, 2.0, [sweeps], R_numba, seed=0, burn_in=0, backend="numba"),
               lambda: None)
    t_numba = t / (R_numba * sweeps)
    rows.append([f"numba CPU ({os.cpu_count()} cores)", R_numba, sweeps, f"{t:.3f}",
                 f"{1 / t_numba:.0f}", f"{L * L / t_numba / 1e9:.3f}", "1.0x"])
    for R in batches:
        t = _timed(lambda: ising_magnetization(L, 2.0, [sweeps], R, seed=0, burn_in=0, backend="torch",
                                               device=dev), sync)
        per = t / (R * sweeps)
        rows.append([f"torch {dev.type}", R, sweeps, f"{t:.3f}", f"{1 / per:.0f}",
                     f"{L * L / per / 1e9:.3f}", f"{t_numba / per:.1f}x"])
    # physics on the device: the sign survives below T_c and is lost above
    reps = 256 if quick else 4096
    n_sw = 20 if quick else 400
    phys = []
    for T in (1.8, T_CRITICAL, 3.0):
        t0 = time.perf_counter()
        est = ising_sign_information(L, T, n_sw, reps, 0, burn_in=50 if quick else 300, backend="torch",
                                     device=dev, n_boot=100)
        sync()
        phys.append([f"{T:.3f}", reps, n_sw, f"{est.value:.4f} +- {est.stderr:.4f}",
                     f"{time.perf_counter() - t0:.1f}"])
    md = "\n".join([
        f"## Resampling on GPU: Ising {L}x{L} heat-bath sweeps ({name})" + (" (quick)" if quick else ""),
        "",
        machine_line(),
        f"Device: {name}; torch {torch.__version__}.",
        "",
        "Throughput (one sweep = L^2 heat-bath updates of one replica; float32 spins on torch):",
        "",
        table(["backend", "replicas", "sweeps", "time (s)", "replica-sweeps/s", "G updates/s", "vs numba CPU"],
              rows),
        "",
        "Sign information I(sign M^0; sign M^t) in bits (Miller-Madow, bootstrap SE) on the device:",
        "",
        table(["T", "replicas", "sweeps t", "I (bits)", "seconds"], phys),
        "",
    ])
    # a CPU logic check or a quick run is printed only, never stored as a GPU result
    return write_result("resampling_gpu", md, store=dev.type == "cuda" and not quick)


if __name__ == "__main__":
    cli(main, device="cuda")
