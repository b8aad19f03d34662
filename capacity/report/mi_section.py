"""Report section: how much a random network keeps of its input, at a stated resolution.

Settings (docs/problem.rst, section "Random networks"): X uniform on {0,1}^d; (a) exact quantised entropy
H(floor(f_l(X) / delta)) with delta relative to the layer RMS; (b) I(X; f_l(X) + sigma Z) with
sigma relative to the layer RMS (Monte Carlo +- SE, Kolchinsky-Tracey bounds). Information in bits.
"""
from __future__ import annotations

import math

import numpy as np

from ._framework import Claim, Section, bound_claim, close_claim, markdown_table, pyplot

TITLE = "Random networks: information kept vs resolution (Jenner check) and MI estimators"

ACTS = ("linear", "tanh", "relu", "leaky_relu", "gelu")
FINE = 1e-9  # relative resolution used for "all bits kept"


def _sweep(d, depth, seeds, rel_deltas, sigma_rels, n_mc, device):
    from capacity.experiments.random_nets import NetSpec, layer_information

    return [row for act in ACTS for seed in seeds
            for row in layer_information(NetSpec(d, (d,) * depth, act), seed=seed, rel_deltas=rel_deltas, abs_deltas=(),
                                         sigma_rels=sigma_rels, n_mc=n_mc, device=None if device == "cpu" else device)]


def _values(rows, key="value_bits", **match):
    return np.array([r[key] for r in rows if all(r[k] == v for k, v in match.items())], dtype=float)


def _stats(v):
    """Mean, standard error of the mean (over seeds), min, median, max."""
    se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return float(v.mean()), se, float(v.min()), float(np.median(v)), float(v.max())


def _figures(ctx, rows, narrow_rows, d, depth, rel_deltas, sigma_rels, n_seeds):
    from capacity.plotting import plot_layer_information

    plt = pyplot()
    figs = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for j, act in enumerate(ACTS):
        color = f"C{j}"
        q = [_stats(_values(rows, activation=act, layer=depth, measure="quantized_rel", delta_rel=dl))
             for dl in rel_deltas]
        mean, lo, hi = (np.array([x[i] for x in q]) for i in (0, 2, 4))
        axes[0].semilogx(rel_deltas, mean, "osd^v"[j] + "-", color=color, ms=4, label=f"{act}: mean")
        axes[0].fill_between(rel_deltas, lo, hi, color=color, alpha=0.15)
        nv, nlo, nup = (np.array([_values(rows, key, activation=act, layer=depth, measure="noisy", sigma_rel=s).mean()
                                  for s in sigma_rels]) for key in ("value_bits", "lower_bits", "upper_bits"))
        axes[1].semilogx(sigma_rels, nv, "osd^v"[j] + "-", color=color, ms=4, label=f"{act}: Monte Carlo")
        axes[1].fill_between(sigma_rels, nlo, nup, color=color, alpha=0.15)
    for ax, xl, tt in ((axes[0], "δ / layer RMS", f"H(Q_δ(f(X))), last layer; band: min-max over {n_seeds} seeds"),
                       (axes[1], "σ / layer RMS", "I(X; f(X) + σZ), last layer; band: [KT lower, KT upper]")):
        ax.axhline(d, color="k", ls=":", lw=1, label=f"ceiling log2|X| = {d} bits")
        ax.set(ylim=(-0.2, d + 0.6), xlabel=xl, ylabel="information (bits)")
        ax.set_title(tt, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(f"Square random nets, d = {d}, depth {depth}, Gaussian init N(0, 1/fan_in), no bias "
                 f"(mean over {n_seeds} seeds)", fontsize=10)
    figs.append(ctx.save_figure(fig, "mi_vs_resolution.png", dpi=90))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    show = (1e-3, 0.1, 0.3)
    sub = [r for r in rows if r["activation"] in ("tanh", "relu", "leaky_relu") and r["measure"] == "quantized_rel"
           and r["delta_rel"] in show]
    plot_layer_information(sub, ax=ax1)
    ax1.set_title(f"square nets, mean over {n_seeds} seeds; error bars: 1 SE", fontsize=9)
    plot_layer_information(narrow_rows, ax=ax2)
    n_narrow = len({r["seed"] for r in narrow_rows})
    ax2.set_title(f"ReLU with a width-2 layer ({narrow_rows[0]['spec']}), {n_narrow} seeds; 1 SE", fontsize=9)
    figs.append(ctx.save_figure(fig, "mi_per_layer.png", dpi=90))
    return figs


def _estimator_claims(ctx):
    from scipy import integrate, stats

    from capacity.mi import (gaussian_channel_mi, infonce_lower_bound, ksg_mutual_information,
                             noisy_channel_mi)

    claims = []
    rng = np.random.default_rng(ctx.seed)
    far = 40.0 * np.arange(16.0)[:, None]
    r = noisy_channel_mi(far, 1.0, seed=ctx.seed)
    claims.append(close_claim("noisy channel: 16 points 40σ apart give log2 16 bits", 4.0, r.value, 1e-6))

    def integrand(y):
        p = 0.5 * (stats.norm.pdf(y) + stats.norm.pdf(y, 1.5))
        return -p * math.log(p) if p > 0 else 0.0

    h_y = integrate.quad(integrand, -15, 16.5, points=[0, 1.5], limit=200, epsabs=1e-12)[0]
    truth = (h_y - 0.5 * math.log(2 * math.pi * math.e)) / math.log(2)
    r = noisy_channel_mi([[0.0], [1.5]], 1.0, n_mc=4000 if ctx.quick else 20000, seed=ctx.seed)
    claims.append(bound_claim("two points 1.5σ apart: quadrature inside Kolchinsky–Tracey bounds", truth,
                              r.lower, r.upper, ".5f"))
    claims.append(Claim("two points 1.5σ apart: Monte Carlo within 4 SE of quadrature", f"{truth:.5f}",
                        f"{r.value:.5f} ± {r.stderr:.5f}", bool(abs(r.value - truth) <= 4 * r.stderr), "4 SE"))
    n_sp = 10_000
    for d, sigma in ((2, 1.0), (5, 1.0), (2, 0.3), (5, 0.3)) if not ctx.quick else ((2, 1.0), (5, 0.3)):
        x = np.random.default_rng(ctx.seed + d).standard_normal((n_sp, d))
        truth = gaussian_channel_mi(np.eye(d), None, sigma).value
        r = noisy_channel_mi(x, sigma, inputs="samples", seed=ctx.seed, bounds=False)
        half = 0.5 * abs(r.extra["leave_one_out"] - r.extra["plugin"])
        claims.append(close_claim(f"sample propagation (midpoint of plug-in and leave-one-out), Y = X + {sigma}Z, "
                                  f"d = {d}, n = {n_sp}", truth, r.value, 4 * r.stderr + half, ".4f",
                                  why=f"4 SE ({r.stderr:.3f}) + half the plug-in/leave-one-out bracket ({half:.3f})"))
        if (d, sigma) == (5, 0.3):
            lo, hi = r.extra["plugin"], r.extra["leave_one_out"]
            claims.append(Claim("SP bracket, d = 5, σ = 0.3: plug-in below truth, leave-one-out above",
                                f"{truth:.4f} inside", f"[{lo:.4f}, {hi:.4f}]", bool(lo < truth < hi),
                                "in expectation (concavity, Jensen)"))
    x = np.random.default_rng(ctx.seed + 9).standard_normal((n_sp, 5))
    truth = gaussian_channel_mi(np.eye(5), None, 0.05).value
    r = noisy_channel_mi(x, 0.05, inputs="samples", seed=ctx.seed, bounds=False)
    claims.append(Claim(f"sample propagation at high SNR (d = 5, σ = 0.05, n = {n_sp}): below truth, flagged",
                        f"< {truth:.3f}, saturated", f"{r.value:.3f}, saturated={r.extra['saturated']}",
                        bool(r.value < truth and r.extra["saturated"]), "ln n − 1.5 nats rule"))
    n = 5000
    x = rng.standard_normal(n)
    y = 0.75 * x + math.sqrt(1 - 0.75**2) * rng.standard_normal(n)
    truth = 0.5 * math.log2(1 / (1 - 0.75**2))
    claims.append(close_claim("KSG, d = 1 Gaussian ρ = 0.75, n = 5000", truth, ksg_mutual_information(x, y).value,
                              0.05, ".4f", why="the bias bound the KSG docstring states for d = 1, n = 5000"))
    xs = rng.standard_normal((1024 if ctx.quick else 2048, 4))
    ys = xs + 0.01 * rng.standard_normal(xs.shape)
    truth = gaussian_channel_mi(np.eye(4), None, 0.01).value
    k = ksg_mutual_information(xs, ys)
    if not ctx.quick:  # 200 training steps reach ~5.9 bits of the 6-bit ceiling (60 steps: ~4.5 bits)
        nce = infonce_lower_bound(xs, ys, batch_size=64, steps=200, seed=ctx.seed)
        claims.append(Claim("high MI (d = 4, σ = 0.01): a trained InfoNCE critic saturates at its ln(batch) ceiling, "
                            "far below the truth, and says so", f"in [0.9, 1] × {nce.extra['ceiling']:.3f}, "
                            f"at_ceiling (truth {truth:.2f})", f"{nce.value:.3f}, at_ceiling={nce.extra['at_ceiling']}",
                            bool(0.9 * nce.extra["ceiling"] <= nce.value <= nce.extra["ceiling"]
                                 and nce.extra["at_ceiling"]), "ceiling log2 64 = 6 bits"))
    # KSG at this MI (26.6 bits) reads ~9 bits: it cannot exceed about log2 n here, so "below the truth" is no claim;
    # what can fail is its documented bias where it is usable (d = 2 per side, I = 2.4 bits)
    rk = np.random.default_rng(ctx.seed + 20)
    truth_k = 2 * 0.5 * math.log2(1 / (1 - 0.9**2))
    errs = []
    for _ in range(4):  # the bias, not one draw's noise (std ~0.026 bits per draw): mean of 4 independent draws
        xk = rk.standard_normal((5000, 2))
        errs.append(ksg_mutual_information(xk, 0.9 * xk + math.sqrt(1 - 0.9**2) * rk.standard_normal((5000, 2))).value
                    - truth_k)
    err = float(np.mean(errs))
    claims.append(Claim("KSG within its documented bias, d = 2 per side, ρ = 0.9, n = 5000, mean of 4 draws "
                        f"(at d = 4, σ = 0.01 it reads {k.value:.1f} of {truth:.1f} bits)",
                        f"{truth_k:.4f} (error in [-0.06, +0.09])", f"{truth_k + err:.4f} ({err:+.4f})",
                        bool(-0.06 <= err <= 0.09), "the docstring's bias regime (as in tests/capacity/mi/test_ksg.py)"))
    return claims


def _offset_part(ctx, d, depth):
    """The bin grid's offset: anchored H, the offset average (exact sweep per coordinate, Monte Carlo over
    the joint offset) with bounds valid for every offset, and an independent check of the average."""
    from capacity.experiments.random_nets import NetSpec, build_mlp, hypercube_inputs, layer_outputs
    from capacity.mi import offset_averaged_entropy, quantized_output_entropy

    n_off = 32 if ctx.quick else 64
    rows, claims = [], []
    x = hypercube_inputs(d)
    for act in ("relu", "tanh", "gelu"):
        y = np.asarray(layer_outputs(build_mlp(NetSpec(d, (d,) * depth, act), seed=ctx.seed), x)[-1])
        for rel in (0.1, 0.3):
            r = offset_averaged_entropy(y, rel, relative=True, n_offsets=n_off, seed=ctx.seed)
            rows.append([act, f"{rel:g}", f"{r.extra['anchored']:.3f}", f"{r.value:.3f} +- {r.stderr:.3f}",
                         f"{r.extra['sampled_min']:.3f} .. {r.extra['sampled_max']:.3f}",
                         f"[{r.lower:.3f}, {r.upper:.3f}]"])
            if act == "relu" and rel == 0.3:
                # an independent route: shift the outputs by u * delta and quantise at offset 0, at offsets
                # drawn from another seed; two Monte Carlo means agree within 4 SE of their difference
                u = np.random.default_rng(ctx.seed + 1).random((n_off, y.shape[1]))
                delta = r.extra["delta_abs"]
                hs = np.array([quantized_output_entropy(y - ui * delta, delta).value for ui in u])
                se_b = float(hs.std(ddof=1) / math.sqrt(n_off))
                tol = 4 * math.hypot(r.stderr, se_b)
                claims.append(close_claim(f"offset-averaged H, relu last layer, δ = {rel}·RMS: offset_averaged_entropy "
                                          f"= mean of H(⌊(y - uδ)/δ⌋) over {n_off} other offsets", float(hs.mean()),
                                          r.value, tol, ".4f", why="4 SE of the difference of two Monte Carlo means"))
                inside = bool(np.all((hs >= r.lower - 1e-12) & (hs <= r.upper + 1e-12)))
                claims.append(Claim(f"every one of those {n_off} shifted-grid values lies in the bounds valid for "
                                    "every offset", f"[{r.lower:.4f}, {r.upper:.4f}]",
                                    f"{hs.min():.4f} .. {hs.max():.4f}", inside, "1e-12 (float64 entropies)"))
    relu3 = next(r for r in rows if r[0] == "relu" and r[1] == "0.3")
    md = ("The quantised entropy depends on where the bins start. Last layer, seed "
          f"{ctx.seed}: H with the grid anchored at 0 (the quantity of the table above, for one seed), the "
          "average over the grid's "
          f"offset u ~ U[0, 1)^{d} (`capacity.mi.offset_averaged_entropy`: Monte Carlo over {n_off} offsets, +- 1 SE), "
          "the range over those offsets, and bounds that hold for every offset (chain rule and subadditivity, "
          "each term optimised exactly per coordinate; the lower bound is loose):\n\n"
          + markdown_table(["activation", "δ / layer RMS (ratio)", "H anchored at 0 (bits)",
                            "H averaged over offsets (bits)", "range over sampled offsets (bits)",
                            "bounds for every offset (bits)"], rows)
          + f"\n\nReLU at δ = 0.3·RMS: {relu3[2]} bits anchored, {relu3[3]} bits averaged, {relu3[4]} bits over "
          "the sampled offsets. The anchored grid singles out 0: every output ReLU sets to 0 lies on a bin edge, "
          "and the bin [0, δ) joins those zeros to the small positive outputs; a shifted grid does not. The "
          "tables above use the anchored grid.")
    return md, claims


def run(ctx) -> Section:
    from capacity.experiments.random_nets import NetSpec, layer_information

    d = 8 if ctx.quick else 10
    depth = 3 if ctx.quick else 4
    seeds = list(range(ctx.seed, ctx.seed + (3 if ctx.quick else 5)))
    rel_deltas = (FINE, 1e-6, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0)
    sigma_rels = (1e-3, 1e-2, 0.1, 0.3, 1.0)
    rows = _sweep(d, depth, seeds, rel_deltas, sigma_rels, 256 if ctx.quick else 512, ctx.device)
    narrow = NetSpec(d, (d, d, 2, d), "relu")
    narrow_seeds = list(range(ctx.seed, ctx.seed + 10))
    narrow_rows = [row for s in narrow_seeds
                   for row in layer_information(narrow, seed=s, rel_deltas=(FINE,), abs_deltas=(), sigma_rels=())]
    claims = []
    fine_min = {act: min(r["value_bits"] for r in rows if r["activation"] == act and r["measure"] == "quantized_rel"
                         and r["delta_rel"] == FINE) for act in ACTS}
    for act in ("tanh", "leaky_relu"):
        claims.append(close_claim(f"square {act} net ({d}-wide, depth {depth}) keeps all d = {d} bits at "
                                  f"δ = {FINE:g}·RMS, every layer, {len(seeds)} seeds (worst case)",
                                  float(d), fine_min[act], 0.0, ".6g",
                                  why="a square Gaussian matrix is invertible almost surely and the activation "
                                      "is a bijection; ReLU and GELU also pass here, so this separates nothing",
                                  kind="identity"))
    lost = np.array([d - r["value_bits"] for r in narrow_rows if r["layer"] == narrow.depth])
    mean, se, lo, med, hi = _stats(lost)
    claims.append(Claim(f"ReLU with a width-2 layer ({narrow.label}) loses bits on average at δ = {FINE:g}·RMS "
                        f"({len(narrow_seeds)} seeds)", "mean loss > 2 SE",
                        f"mean {mean:.3f} +- {se:.3f} bits (median {med:.3f}, min {lo:.3f}, max {hi:.3f})",
                        bool(mean > 2 * se), "mean > 2 SE over seeds (1-sided, about 2.5% false alarm)"))
    offset_md, offset_claims = _offset_part(ctx, d, depth)
    claims += offset_claims
    claims += _estimator_claims(ctx)
    figs = _figures(ctx, rows, narrow_rows, d, depth, rel_deltas, sigma_rels, len(seeds))

    table_rows = []
    for act in ACTS:
        cells = [act]
        for dl in (FINE, 1e-3, 0.1, 1.0):
            m, e, lo_, _, _ = _stats(_values(rows, activation=act, layer=depth, measure="quantized_rel", delta_rel=dl))
            cells.append(f"{m:.3f} +- {e:.3f} (min {lo_:.3f})")
        for sg in (0.01, 0.3):
            match = dict(activation=act, layer=depth, measure="noisy", sigma_rel=sg)
            m, e, _, _, _ = _stats(_values(rows, **match))
            lo_, up = (_values(rows, key, **match).mean() for key in ("lower_bits", "upper_bits"))
            cells.append(f"{m:.3f} +- {e:.3f} [{lo_:.3f}, {up:.3f}]")
        table_rows.append(cells)
    kept = [act for act in ACTS if fine_min[act] == d]
    also = [act for act in ("relu", "gelu") if act in kept]
    md = "\n".join([
        f"Setting: X uniform on {{0,1}}^{d} (2^{d} points, ceiling **{d} bits**); square float64 MLPs of depth "
        f"{depth} and width {d}, Gaussian init N(0, 1/fan_in), no bias; {len(seeds)} seeds "
        "(docs/problem.rst, section \"Random networks\"). A deterministic net on "
        "continuous inputs has infinite or ill-posed MI, so every number below states its resolution: "
        "exact quantised entropy H(⌊f(X)/δ⌋) with δ relative to the layer RMS (this depends on the offset "
        "of the bin grid; here the grid is anchored at 0, and a table below averages over the offset), or I(X; f(X) + σZ) with "
        f"σ relative to the layer RMS (Monte Carlo value over n_mc = {256 if ctx.quick else 512} draws, and "
        "[Kolchinsky–Tracey lower, upper] bounds averaged over seeds). All information in **bits**; "
        "+- is 1 SE over seeds.",
        "",
        "Last-layer information (mean +- SE over seeds, min over seeds):",
        "",
        markdown_table(["activation", f"H, δ={FINE:g}·RMS (bits)", "H, δ=1e-3·RMS (bits)", "H, δ=0.1·RMS (bits)",
                        "H, δ=RMS (bits)", "I, σ=0.01·RMS (bits) [KT bounds]", "I, σ=0.3·RMS (bits) [KT bounds]"],
                       table_rows),
        "",
        f"Measured here: all {d} bits kept at δ = {FINE:g}·RMS on every layer and seed by "
        f"{', '.join(kept) or 'no activation'}"
        f"{'' if len(kept) == len(ACTS) else '; not by ' + ', '.join(a for a in ACTS if a not in kept)}. "
        "This is consistent with Jenner's argument (square layers with bijective activations are injective "
        "on a finite input set almost surely) but does not test it: "
        + (f"{' and '.join(also)} (not bijections) keep every bit as well at this size, so fine-resolution "
           "injectivity separates nothing. " if also else
           "the activations that are not bijections lose little here (worst case over seeds: "
           + ", ".join(f"{a} {fine_min[a]:.3f}" for a in ("relu", "gelu")) + " bits). ")
        + "What is lost at coarse δ or large σ is mostly resolution, not injectivity. "
        f"ReLU with a width-2 layer loses {mean:.3f} +- {se:.3f} bits on average over {len(narrow_seeds)} "
        f"seeds at δ = {FINE:g}·RMS, but the spread is wide (median {med:.3f}, min {lo:.3f}, max {hi:.3f} bits): "
        "on some seeds nothing is lost, on others most of the input; the loss comes from inputs whose "
        "pre-activations are all negative at the narrow layer, which collapse to one point. Wentworth's "
        "'throws away almost everything' describes the coarse-resolution / high-noise end of these curves.",
        "",
        offset_md,
        "",
        "Estimator cross-checks: KSG and InfoNCE cannot see high MI (KSG reads low; InfoNCE is capped at "
        "ln(batch)); the exact quantised entropy and the noisy-channel bounds are the methods to use here.",
    ])
    return Section(TITLE, claims, md, figs)
