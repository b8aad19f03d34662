"""CUDA smoke check of the boolean torch kernels against the numba/numpy results (no pytest needed).

Run on a GPU machine: ``python -m tests.boolean.gpu_check``. Prints one line per check and a
timing table of spectral_summary (the boofun pipeline in one call) on the GPU.
"""
import sys
import time

import numpy as np
import torch

import boolean as B


def main():
    dev = sys.argv[1] if len(sys.argv) > 1 else "cuda"  # "cpu" checks the logic without a GPU
    gpu = dev.startswith("cuda")
    sync = torch.cuda.synchronize if gpu else (lambda: None)
    print("device:", torch.cuda.get_device_name() if gpu else "cpu", "torch", torch.__version__)
    fails = 0

    def check(name, ok):
        nonlocal fails
        fails += not ok
        print(("ok   " if ok else "FAIL ") + name, flush=True)

    for n in (0, 1, 5, 10, 16, 22):
        f = B.random_function(n, seed=n, batch=3)
        t = torch.as_tensor(f, device=dev)
        kw = dict(backend="torch", device=dev)
        ref = B.fourier_coefficients(f, exact=True, backend="numba")
        got = B.fourier_coefficients(t, exact=True)
        check(f"n={n} exact spectrum on {got.device}", got.device.type == torch.device(dev).type and np.array_equal(got.cpu().numpy(), ref))
        check(f"n={n} float spectrum", np.array_equal(B.fourier_coefficients(f, **kw), ref / 2.0**n))
        check(f"n={n} influences", np.array_equal(B.influences(t).cpu().numpy(), B.influences(f)))
        check(f"n={n} weights", np.array_equal(B.spectral_weights(f, **kw), B.spectral_weights(f)))
        check(f"n={n} degree", np.array_equal(B.degree(f, **kw), B.degree(f)))
        check(f"n={n} stability", np.allclose(B.noise_stability(f, [0.3, -0.9], **kw),
                                              B.noise_stability(f, [0.3, -0.9]), rtol=0, atol=1e-14))
        if n <= 16:
            check(f"n={n} noise operator", np.allclose(B.noise_operator(f, 0.4, **kw), B.noise_operator(f, 0.4),
                                                       rtol=0, atol=1e-13))
        if n >= 2:
            fx = {0: 1, n - 1: 0}
            check(f"n={n} restrict", np.array_equal(B.restrict(f, fx, **kw), B.restrict(f, fx)))
            check(f"n={n} retained", np.allclose(B.retained_information(f, [0, n - 1], **kw),
                                                 B.retained_information(f, [0, n - 1]), rtol=0, atol=1e-12))
        if n <= 10:
            check(f"n={n} profile", np.allclose(B.retained_information_profile(f, **kw).mean,
                                                B.retained_information_profile(f).mean, rtol=0, atol=1e-12))
        s = B.spectral_summary(t)
        check(f"n={n} summary on device", s.coefficients.device.type == torch.device(dev).type
              and np.array_equal(s.weights.cpu().numpy(), B.spectral_weights(f)))

    print("\n| n | spectral_summary cuda (ms) | spectral_summary numba CPU (ms) |\n|---|---|---|")
    for n in ((20, 24, 26, 28) if gpu else (16,)):
        f = B.random_function(n, seed=1)
        t = torch.as_tensor(f, device=dev)
        B.spectral_summary(t)
        sync()
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            B.spectral_summary(t)
            sync()
            best = min(best, time.perf_counter() - t0)
        cpu = ""
        if n <= 24:
            B.spectral_summary(f)
            t0 = time.perf_counter()
            B.spectral_summary(f)
            cpu = f"{1e3 * (time.perf_counter() - t0):.1f}"
        print(f"| {n} | {1e3 * best:.1f} | {cpu} |", flush=True)
    print("failures:", fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
