"""MI estimators: our KSG vs scikit-learn and an NPEET-style KSG; exact quantised-entropy
throughput through a random net; noisy-channel MI timing.

``python -m benchmarks.bench_mi [--quick]``. NPEET is not installed here, so the NPEET-style
column is a straightforward reference implementation written below (sklearn KDTree, Chebyshev
metric, 1e-10 noise, counts at radius eps - 1e-15, as NPEET describes its method).
"""
from __future__ import annotations

import math
import time

import numpy as np

from ._harness import best_of, cli, machine_line, table, write_result


def npeet_style_ksg_bits(x, y, k=3, seed=0):
    """Reference KSG (algorithm 1) in the style of NPEET's ``mi``: noise, KD-trees, Chebyshev."""
    from scipy.special import digamma
    from sklearn.neighbors import KDTree

    rng = np.random.default_rng(seed)
    x = x.reshape(len(x), -1) + 1e-10 * rng.random((len(x), x.reshape(len(x), -1).shape[1]))
    y = y.reshape(len(y), -1) + 1e-10 * rng.random((len(y), y.reshape(len(y), -1).shape[1]))
    joint = np.hstack([x, y])
    eps = KDTree(joint, metric="chebyshev").query(joint, k=k + 1)[0][:, k] - 1e-15
    nx = KDTree(x, metric="chebyshev").query_radius(x, eps, count_only=True)
    ny = KDTree(y, metric="chebyshev").query_radius(y, eps, count_only=True)
    return (digamma(k) + digamma(len(x)) - np.mean(digamma(nx)) - np.mean(digamma(ny))) / math.log(2)


def _ksg_section(quick):
    from sklearn.feature_selection import mutual_info_regression

    from capacity.mi import ksg_mutual_information

    rows = []
    sizes = (1000, 5000) if quick else (1000, 5000, 20000)
    for rho in (0.75, 0.999):
        truth = 0.5 * math.log2(1 / (1 - rho**2))
        for n in sizes:
            rng = np.random.default_rng(n)
            x = rng.standard_normal(n)
            y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
            ours = ksg_mutual_information(x, y).value
            skl = mutual_info_regression(x[:, None], y, n_neighbors=3, random_state=0)[0] / math.log(2)
            npe = npeet_style_ksg_bits(x, y)
            t_ours = best_of(lambda: ksg_mutual_information(x, y), repeat=3)
            t_skl = best_of(lambda: mutual_info_regression(x[:, None], y, n_neighbors=3, random_state=0), repeat=3)
            t_npe = best_of(lambda: npeet_style_ksg_bits(x, y), repeat=3)
            rows.append([rho, n, f"{truth:.3f}", f"{ours - truth:+.3f}", f"{skl - truth:+.3f}", f"{npe - truth:+.3f}",
                         f"{t_ours * 1e3:.1f}", f"{t_skl * 1e3:.1f}", f"{t_npe * 1e3:.1f}", f"{t_skl / t_ours:.2f}x"])
    for d, rho in ((5, 0.6), (5, 0.9)):
        truth = d * 0.5 * math.log2(1 / (1 - rho**2))
        n = 5000
        rng = np.random.default_rng(d)
        x = rng.standard_normal((n, d))
        y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
        ours = ksg_mutual_information(x, y).value
        npe = npeet_style_ksg_bits(x, y)
        t_ours = best_of(lambda: ksg_mutual_information(x, y), repeat=2)
        t_npe = best_of(lambda: npeet_style_ksg_bits(x, y), repeat=2)
        rows.append([f"{rho} (d={d})", n, f"{truth:.3f}", f"{ours - truth:+.3f}", "n/a (d = 1 only)",
                     f"{npe - truth:+.3f}", f"{t_ours * 1e3:.1f}", "", f"{t_npe * 1e3:.1f}", ""])
    header = ["rho", "n", "truth (bits)", "ours err", "sklearn err", "NPEET-style err", "ours ms",
              "sklearn ms", "NPEET-style ms", "sklearn/ours time"]
    # KSG's marginal counts alone: our numba KD-tree vs sklearn KDTree(count_only) and cKDTree(return_length),
    # radius = joint k = 3 max-norm NN distance (as in ksg_mutual_information), y = 0.6 x + 0.8 noise
    from scipy.spatial import cKDTree
    from sklearn.neighbors import KDTree

    from capacity.mi.ksg import marginal_counts

    n = 5000 if quick else 20000
    count_rows = []
    for d in (1, 2, 5, 10):
        rng = np.random.default_rng(d)
        x = rng.standard_normal((n, d))
        joint = np.hstack([x, 0.6 * x + 0.8 * rng.standard_normal((n, d))])
        r = np.nextafter(cKDTree(joint).query(joint, k=4, p=np.inf, workers=-1)[0][:, -1], 0)
        ours = marginal_counts(x, r)
        same = (np.array_equal(ours, KDTree(x, metric="chebyshev").query_radius(x, r, count_only=True))
                and np.array_equal(ours, cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True)))
        t_ours = best_of(lambda: marginal_counts(x, r), repeat=2)
        t_skl = best_of(lambda: KDTree(x, metric="chebyshev").query_radius(x, r, count_only=True), repeat=1)
        t_ck = best_of(lambda: cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True, workers=-1),
                       repeat=1)
        count_rows.append([d, n, f"{ours.mean():.0f}", "yes" if same else "NO", f"{t_ours * 1e3:.1f}",
                           f"{t_skl * 1e3:.1f}", f"{t_ck * 1e3:.1f}", f"{t_skl / t_ours:.2f}x", f"{t_ck / t_ours:.2f}x"])
    count_header = ["d", "n", "mean count", "identical counts", "ours ms (numba, all threads)",
                    "sklearn KDTree ms (1 thread)", "cKDTree ms (workers=-1)", "sklearn/ours", "cKDTree/ours"]
    return "\n".join([table(header, rows), "",
                      "Marginal counts alone (tree build + all n queries; max-norm, radius = joint 3-NN distance):",
                      "", table(count_header, count_rows)])


def _throughput_section(quick):
    import torch

    from capacity.experiments.random_nets import NetSpec, build_mlp, hypercube_inputs, layer_outputs
    from capacity.mi import discrete_entropy, quantized_output_entropy

    d = 14 if quick else 20
    spec = NetSpec(d, (20,) * 8, "tanh")
    net = build_mlp(spec, seed=0)
    x = torch.as_tensor(hypercube_inputs(d))

    def full(delta=1e-3):
        return [quantized_output_entropy(y, delta, relative=True).value for y in layer_outputs(net, x)]

    t0 = time.perf_counter()
    vals = full()
    t_first = time.perf_counter() - t0
    c0 = time.process_time()
    t_full = best_of(full, repeat=2)
    cpu_full = (time.process_time() - c0) / 3  # best_of runs full() 3 times (1 warm-up + 2)
    t_fwd = best_of(lambda: layer_outputs(net, x), repeat=2)
    y = layer_outputs(net, x)[-1].numpy()
    d_abs = 1e-3 * float(np.sqrt(np.mean(y * y)))
    # one layer, public entry points: the fused quantise-and-hash path (absolute delta), the entropy of
    # precomputed int64 codes (numpy row hashing), and np.unique on the same codes
    t_hash = best_of(lambda: quantized_output_entropy(y, d_abs), repeat=2)
    t_unique = best_of(lambda: np.unique(np.floor(y / d_abs).astype(np.int64), axis=0, return_counts=True), repeat=1)
    t_codes = best_of(lambda: discrete_entropy(np.floor(y / d_abs).astype(np.int64)), repeat=1)
    target = "" if quick else (" (target < 5 s: met)" if t_full < 5 else " (target < 5 s: MISSED)")
    rows = [[f"2^{d}", "8 x 20 tanh", f"{t_full:.2f}{target}", f"{cpu_full:.2f}", f"{t_fwd:.2f}",
             f"{t_hash * 1e3:.0f}", f"{t_codes * 1e3:.0f}", f"{t_unique * 1e3:.0f}",
             f"{vals[0]:.3f} / {vals[-1]:.3f}"]]
    header = ["inputs", "net", "forward + 8 exact entropies, wall (s)", "same, process CPU (s)", "forward only (s)",
              "one layer: quantized_output_entropy (fused numba quantise+hash, ms)",
              "one layer: int64 codes + discrete_entropy (numpy hash, ms)",
              "one layer: np.unique(axis=0) (ms)", "H layer 1 / layer 8 (bits)"]
    return table(header, rows) + f"\n\n(first call incl. warm-up: {t_first:.2f} s; delta = 1e-3 x layer RMS)"


def _noisy_section(quick):
    from capacity.mi import noisy_channel_mi

    rows = []
    for n, d in ((256, 10), (1024, 10)) if quick else ((256, 10), (1024, 10), (4096, 20)):
        p = np.random.default_rng(0).standard_normal((n, d))
        noisy_channel_mi(p[:8], 1.0, seed=0)  # JIT warm-up
        r = noisy_channel_mi(p, 1.0, n_mc=max(n, 2000), seed=0)
        t = best_of(lambda: noisy_channel_mi(p, 1.0, n_mc=max(n, 2000), seed=0), repeat=2)
        t_mc = best_of(lambda: noisy_channel_mi(p, 1.0, n_mc=max(n, 2000), seed=0, bounds=False), repeat=2)
        rows.append([n, d, max(n, 2000), f"{r.value:.3f} ± {r.stderr:.3f}", f"[{r.lower:.3f}, {r.upper:.3f}]",
                     f"{t_mc * 1e3:.0f}", f"{t * 1e3:.0f}"])
    return table(["N points", "d", "MC draws", "MC value (bits)", "KT bounds (bits)", "MC only ms",
                  "MC + bounds ms"], rows)


def _sample_propagation_section(quick):
    from capacity.mi import gaussian_channel_mi, noisy_channel_mi

    cases = ((5, 0.3), (2, 1.0)) if quick else ((2, 1.0), (5, 1.0), (2, 0.3), (5, 0.3), (10, 1.0), (3, 0.1),
                                                (5, 0.2), (20, 1.0), (8, 0.3))
    seeds = range(2 if quick else 8)
    rows = []
    for d, sigma in cases:
        truth = gaussian_channel_mi(np.eye(d), None, sigma).value
        res = [noisy_channel_mi(np.random.default_rng(s).standard_normal((10_000, d)), sigma, inputs="samples",
                                seed=s, bounds=False) for s in seeds]
        err = np.array([r.value - truth for r in res])
        plug = np.mean([r.extra["plugin"] for r in res]) - truth
        loo = np.mean([r.extra["leave_one_out"] for r in res]) - truth
        rows.append([d, sigma, f"{truth:.3f}", f"{plug:+.3f}", f"{loo:+.3f}", f"{err.mean():+.3f}",
                     f"{np.abs(err).max():.3f}", f"{np.mean([r.extra['bias_bound'] for r in res]):.3f}",
                     f"{np.mean([r.stderr for r in res]):.3f}",
                     "/".join(sorted({r.extra["estimate"] for r in res}))])
    return table(["d", "σ", "truth (bits)", "plug-in err", "leave-one-out err", "value err (mean)",
                  "value max abs err", "bias_bound", "stderr", "value is"], rows)


def main(quick=False) -> str:
    parts = [
        "## Mutual-information estimators (capacity.mi)",
        "",
        machine_line("scipy", "scikit-learn"),
        "",
        "### KSG on Gaussian pairs (errors in bits vs the closed form ½ log2 1/(1-ρ²))",
        "",
        "All three are KSG algorithm 1 with k = 3. scikit-learn's `mutual_info_regression` standardises,"
        " adds noise and clips at 0; NPEET is not installed, so the NPEET-style column is a reference"
        " implementation in `benchmarks/bench_mi.py` (sklearn KDTree, Chebyshev). The three agree to"
        " the printed digits (same algorithm). In d = 1 even 4.5 bits is read well; the high-MI bias"
        " shows with dimension (last rows: d = 5 per side, ours and NPEET-style only). Threads: ours uses all"
        " cores (2 here: cKDTree workers=-1 for the joint k-NN, numba prange for the counts); scikit-learn and"
        " the NPEET-style reference run on one.",
        "",
        _ksg_section(quick),
        "",
        "### Exact quantised entropy through a random net (2^d inputs, depth 8, width 20, float64)",
        "",
        _throughput_section(quick),
        "",
        "### Noisy-channel MI (Monte Carlo + Kolchinsky–Tracey bounds), σ = 1, Gaussian points",
        "",
        _noisy_section(quick),
        "",
        "### Sample propagation on Y = X + σZ, X ~ N(0, I_d), n = 10^4 (errors in bits, mean over seeds)",
        "",
        "`noisy_channel_mi(x, σ, inputs=\"samples\")`. The plug-in reads low and the leave-one-out high in"
        " expectation (concavity / Jensen); `value` is their midpoint unless the plug-in is within 1.5 nats of"
        " ln n (saturated: value = plug-in). Issue target: |error| ≤ 0.15 bits at (d, σ) = (2, 1), (5, 1), (2, 0.3), (5, 0.3).",
        "",
        _sample_propagation_section(quick),
        "",
    ]
    return write_result("mi", "\n".join(parts), store=not quick)


if __name__ == "__main__":
    cli(main)
