"""Report section: the theorems of Boolean analysis, each checked numerically with its constant.

Huang's sensitivity theorem and the chain of query-complexity measures (over all 65 536
functions of 4 bits and the standard families), KKL, the Poincaré, edge-isoperimetric and
Level-1 inequalities, Friedgut's junta theorem through its Fourier step, and what they say for
the channel: the total influence of each class's least sensitive member. The measures are defined in
docs/problem.rst, section Measures of Boolean functions; the classes in section Classes of
indistinguishable functions.
"""
from __future__ import annotations

import math

import numpy as np

from ._framework import Claim, Section, markdown_table, pyplot

TITLE = "Theorems of Boolean analysis, checked numerically"

#: (name, statement, lhs(m), rhs(m)) over a dict m of measure arrays: the claim is lhs <= rhs.
CHAIN = (
    ("Huang: deg <= s^2", lambda m: m["deg"], lambda m: m["s"] ** 2),
    ("s <= bs", lambda m: m["s"], lambda m: m["bs"]),
    ("bs <= C", lambda m: m["bs"], lambda m: m["C"]),
    ("C <= D", lambda m: m["C"], lambda m: m["D"]),
    ("C <= s bs", lambda m: m["C"], lambda m: m["s"] * m["bs"]),
    ("Nisan-Szegedy: bs <= 2 deg^2", lambda m: m["bs"], lambda m: 2 * m["deg"] ** 2),
)


def _measures(fs):
    import boolean

    return {"s": boolean.sensitivity(fs), "bs": boolean.block_sensitivity(fs),
            "C": boolean.certificate_complexity(fs), "D": boolean.decision_tree_depth(fs),
            "deg": boolean.degree(fs)}


def address(k):
    """The addressing function: k address bits select one of 2**k data bits (n = k + 2**k)."""
    n = k + (1 << k)
    x = np.arange(1 << n)
    return ((x >> (k + (x & ((1 << k) - 1)))) & 1).astype(np.uint8)


def _families(n_max, seed):
    """(name, table) of the standard families with n <= n_max."""
    import boolean

    out = []
    for n in range(2, n_max + 1):
        out += [(f"parity({n})", boolean.parity(n)), (f"and({n})", boolean.and_(n)),
                (f"random({n})", boolean.random_function(n, seed=seed + n))]
        if n % 2:
            out.append((f"majority({n})", boolean.majority(n)))
    for w in range(2, n_max + 1):
        for s in range(2, n_max // w + 1):
            out.append((f"tribes({w},{s})", boolean.tribes(w, s)))
    for k in (1, 2, 3):
        if k + (1 << k) <= n_max:
            out.append((f"address({k})", address(k)))
    return out


def _chain_claims(names, m, where):
    claims, rows = [], []
    for label, lhs, rhs in CHAIN:
        a, b = lhs(m).astype(float), rhs(m).astype(float)
        bad = int((a > b).sum())
        ratio = np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)
        k = int(np.argmax(ratio))
        claims.append(Claim(f"{label} on {where}", "0 violations", f"{bad} violations", bad == 0, "exact integers"))
        rows.append([label, where, bad, f"{ratio[k]:.3f}", names[k]])
    return claims, rows


def _kkl_rows(fams):
    """max_i Inf_i, Var and the KKL ratio r = max_i Inf_i / (Var log2(n) / n), exact influences."""
    import boolean

    rows = []
    for name, f in fams:
        n = f.size.bit_length() - 1
        inf = np.asarray(boolean.influences(f))
        p1 = float(f.mean())
        var = 4 * p1 * (1 - p1)
        r = inf.max() / (var * math.log2(n) / n)
        rows.append((name, n, float(inf.max()), var, r))
    return rows


def _inequality_rows(fams):
    """Poincaré Var <= I, edge-isoperimetry I >= 2 a log2(1/a), Level-1 W^1[f01] <= 2 a^2 ln(1/a)."""
    import boolean

    rows = []
    for name, f in fams:
        summ = boolean.spectral_summary(f, coefficients=False)
        p1 = float(f.mean())
        a = min(p1, 1 - p1)
        var = 4 * p1 * (1 - p1)
        total = float(summ.total_influence)
        w1 = float(np.asarray(summ.weights)[1]) / 4  # f = (1 - g)/2: f^(S) = -g^(S)/2 off the empty set
        iso = 2 * a * math.log2(1 / a) if a > 0 else 0.0
        lvl = 2 * a * a * math.log(1 / a) if a > 0 else 0.0
        rows.append((name, var, total, iso, w1, lvl))
    return rows


def _friedgut_rows(fams, eps):
    """Exact distance to the nearest k-junta vs the Fourier-step bound Σ_{i ∉ J_k} Inf_i (J_k: the
    k most influential variables), and the smallest k with distance <= eps."""
    import boolean

    rows = []
    for name, f in fams:
        n = f.size.bit_length() - 1
        inf = np.sort(np.asarray(boolean.influences(f)))[::-1]
        dists = [boolean.nearest_junta(f, k).distance for k in range(n + 1)]
        tails = [float(inf[k:].sum()) for k in range(n + 1)]
        k_eps = next(k for k in range(n + 1) if dists[k] <= eps)
        rows.append((name, n, float(inf.sum()), dists, tails, k_eps))
    return rows


def _channel_rows(n):
    """Per visible size s: the classes of n-bit functions and the total influence of each class's
    least sensitive member."""
    import boolean
    from capacity.insensitive import equivalence_classes
    from capacity.insensitive.classes import all_truth_tables

    fs = all_truth_tables(n)
    total = np.asarray(boolean.total_influence(fs))
    rows = []
    for s in range(0, n + 1):
        ec = equivalence_classes(n, s)
        K = len(ec.sizes)
        least = np.full(K, np.inf)
        np.minimum.at(least, ec.labels.astype(np.int64), total)
        p1 = ec.representatives.mean(axis=1)  # the bias, shared by the class (T = {} is visible)
        a = np.minimum(p1, 1 - p1)
        iso = np.where(a > 0, 2 * a * np.log2(np.where(a > 0, 1 / np.maximum(a, 1e-300), 1)), 0.0)
        bound = np.maximum(4 * p1 * (1 - p1), iso)
        rows.append((s, K, float(least.min()), float(np.median(least)), float(least.max()),
                     int((least < bound - 1e-12).sum())))
    return rows


def run(ctx) -> Section:
    claims, md = [], []
    # --- the chain of measures
    from capacity.insensitive.classes import all_truth_tables

    fs = all_truth_tables(4)
    m4 = _measures(fs)
    names4 = [f"F = {F:#06x}" for F in range(len(fs))]
    c, rows = _chain_claims(names4, m4, "all 65536 functions of n = 4")
    claims += c
    fams = _families(9 if ctx.quick else 12, ctx.seed)
    mf = _measures_by_row(fams)
    where = f"{len(fams)} standard functions, n <= {9 if ctx.quick else 12}"
    c, rows_f = _chain_claims([n for n, _ in fams], mf, where)
    claims += c
    md.append("### Huang's theorem and the chain s <= bs <= C <= D\n\nExact integers from "
              "`boolean.sensitivity`, `block_sensitivity`, `certificate_complexity`, `decision_tree_depth` "
              "and `degree`. The ratio column is max lhs/rhs: 1 means some function meets the bound.\n\n"
              + markdown_table(["inequality", "functions", "violations (count)", "max lhs/rhs (ratio)",
                                "closest function"], rows + rows_f))
    # --- KKL
    import boolean

    n_kkl = 16 if ctx.quick else 24
    tribes = [(2, 3), (3, 4), (3, 5), (4, 5), (4, 6)]
    kfams = [(f"tribes({w},{s})", boolean.tribes(w, s)) for w, s in tribes if w * s <= n_kkl]
    kfams += [(f"majority({n})", boolean.majority(n)) for n in range(5, n_kkl + 1, 6)]
    kfams += [(f"dictator({n})", boolean.dictator(n, 0)) for n in (8, n_kkl)]
    kfams += [(f"random({n})", boolean.random_function(n, seed=ctx.seed)) for n in (10, n_kkl)]
    krows = _kkl_rows(kfams)
    md.append("### KKL: max_i Inf_i >= c Var log2(n) / n\n\nr = max_i Inf_i / (Var log2(n) / n) "
              "with exact influences; KKL says r >= c for a universal c > 0, and tribes show it is tight "
              "up to that constant.\n\n"
              + markdown_table(["f", "n (variables)", "max Inf_i (probability)", "Var (of the ±1 function)",
                                "r (ratio)"],
                               [[a, b, f"{c_:.6g}", f"{d:.6g}", f"{e:.4f}"] for a, b, c_, d, e in krows]))
    rt = [r for name, *_, r in krows if name.startswith("tribes")]
    rm = [(n, r) for name, n, *_, r in krows if name.startswith("majority")]
    claims.append(Claim("KKL, tribes within a constant of the bound: r(tribes) in [0.25, 4] for every tested n",
                        "[0.25, 4]", f"[{min(rt):.3f}, {max(rt):.3f}]", 0.25 <= min(rt) and max(rt) <= 4,
                        "a window chosen here (KKL fixes no constant): an error of a factor "
                        f"{min(min(rt) / 0.25, 4 / max(rt)):.1f} in r would leave it"))
    exact = [n * math.comb(n - 1, (n - 1) // 2) * 2.0 ** (1 - n) / math.log2(n) for n, _ in rm]
    worst = max(abs(r - e) for (_, r), e in zip(rm, exact))
    claims.append(Claim("KKL, majority: r(Maj_n) = n C(n-1,(n-1)/2) 2^(1-n) / log2 n (exact influences; grows like "
                        "sqrt(2n/pi) / log2 n, so majority leaves the bound only asymptotically)", "closed form",
                        f"max |diff| = {worst:.1e}", worst <= 1e-12, "1e-12 (float64 of exact dyadic counts)"))
    rt_by_n = {n: r for name, n, *_, r in krows if name.startswith("tribes")}
    pairs = [(n, r, rt_by_n[min(rt_by_n, key=lambda t: abs(t - n))]) for n, r in rm if n >= 11]
    claims.append(Claim("KKL: majority is further from the bound than tribes of the nearest n: r(Maj_n) > r(tribes), "
                        "n >= 11", "r(Maj) > r(tribes)", ", ".join(f"n={n}: {a:.3f} > {b:.3f}" for n, a, b in pairs),
                        all(a > b for _, a, b in pairs), "strict order"))
    # --- Poincaré, edge-isoperimetry, Level-1
    irows = _inequality_rows(fams)
    pv = sum(v > t + 1e-12 for _, v, t, *_ in irows)
    iv = sum(t < iso - 1e-12 for _, _, t, iso, _, _ in irows)
    lv = sum(w1 > lvl + 1e-12 for *_, w1, lvl in irows)
    ev = []
    for n in (4, 8, 12):  # AND_n: measured I against 2 a log2(1/a) with a its measured mean
        f_and = boolean.and_(n)
        a = float(f_and.mean())
        ev.append((n, float(boolean.total_influence(f_and)), 2 * a * math.log2(1 / a)))
    claims.append(Claim(f"Poincaré Var <= I on {len(irows)} standard functions", "0 violations", f"{pv} violations",
                        pv == 0, "1e-12 (float64 sums of exact dyadic weights)"))
    and_eq = all(i_ == e_ for _, i_, e_ in ev)
    claims.append(Claim(f"edge-isoperimetry I >= 2 a log2(1/a) on {len(irows)} standard functions; "
                        "equality for AND_n (a subcube), n = 4, 8, 12", "0 violations; equality",
                        f"{iv} violations; equality: {and_eq}", iv == 0 and and_eq, "1e-12; equality exact"))
    claims.append(Claim(f"Level-1 W^1[f] <= 2 a^2 ln(1/a) (f 0/1-valued, a = min mean) on {len(irows)} standard "
                        "functions", "0 violations", f"{lv} violations", lv == 0, "1e-12"))
    md.append("### Poincaré, edge-isoperimetric and Level-1 inequalities\n\n"
              + markdown_table(["f", "Var (of the ±1 function)", "I (expected flips)",
                                "2 a log2(1/a) (expected flips)", "W^1[f] (Fourier weight)",
                                "2 a^2 ln(1/a) (Fourier weight)"],
                               [[a, f"{b:.5g}", f"{c_:.5g}", f"{d:.5g}", f"{e:.5g}", f"{g:.5g}"]
                                for a, b, c_, d, e, g in irows if not a.startswith("random")]))
    # --- Friedgut
    eps = 0.1
    jf = [("tribes(2,3)", boolean.tribes(2, 3)), ("and(8)", boolean.and_(8)), ("majority(7)", boolean.majority(7)),
          ("dictator(8)", boolean.dictator(8, 3)), ("parity(6)", boolean.parity(6))]
    if not ctx.quick:
        jf += [("tribes(3,3)", boolean.tribes(3, 3)), ("majority(9)", boolean.majority(9))]
    jrows = _friedgut_rows(jf, eps)
    jv = sum(d > t + 1e-12 for *_, ds, ts, _ in jrows for d, t in zip(ds, ts))
    claims.append(Claim("Friedgut (Fourier step): dist(f, nearest k-junta) <= sum of the n - k smallest Inf_i, "
                        f"every k, {len(jrows)} functions", "0 violations", f"{jv} violations", jv == 0, "1e-12"))
    by = {name: ds for name, _, _, ds, _, _ in jrows}
    claims.append(Claim("Friedgut, small influence -> close to a small junta: AND_8 (I = 1/16) is 2^-8 from a "
                        "constant, a dictator (I = 1) is a 1-junta", "2^-8 = 0.00390625; 0",
                        f"{by['and(8)'][0]:.8g}; {by['dictator(8)'][1]:g}",
                        by["and(8)"][0] == 2.0**-8 and by["dictator(8)"][1] == 0.0, "exact (dyadic)"))
    md.append(f"### Friedgut's junta theorem\n\nExact distance to the nearest k-junta (`boolean.nearest_junta`) "
              f"and the smallest k with distance <= {eps}.\n\n"
              + markdown_table(["f", "n (variables)", "I[f] (expected flips)",
                                "dist to k-junta, k = 0..n (fraction of inputs)", f"k at eps = {eps} (variables)"],
                               [[nm, n, f"{t:.4g}", " ".join(f"{d:.3g}" for d in ds), k]
                                for nm, n, t, ds, _, k in jrows]))
    # --- the channel
    nc = 3 if ctx.quick else 4
    crows = _channel_rows(nc)
    md.append(f"### What these say for the channel\n\nAll functions of n = {nc} bits, partitioned into the classes "
              "Bob cannot tell apart with s visible bits (`capacity.insensitive.equivalence_classes`); for each "
              "class, the total influence of its least sensitive member. Every member of a class shares its bias "
              "(T = {} is always visible), so Poincaré and edge-isoperimetry bound that least influence below "
              "by the bias alone.\n\n"
              + markdown_table(["s (visible bits)", "classes (count)", "min least I (expected flips)",
                                "median least I (expected flips)", "max least I (expected flips)"],
                               [[s, K, f"{a:.4g}", f"{b:.4g}", f"{c_:.4g}"] for s, K, a, b, c_, _ in crows]))
    claims.append(Claim(f"n = {nc}, s = {nc}: every class is one function, so its least I is its own I "
                        f"(max over classes = n = {nc}, parity)", str(nc), f"{crows[-1][4]:g}", crows[-1][4] == nc,
                        "exact"))
    bad = sum(b for *_, b in crows)
    claims.append(Claim(f"n = {nc}: every class's least I >= max(Var, 2 a log2(1/a)) of the bias its members share "
                        "(Poincaré, edge-isoperimetry)", "0 violations", f"{bad} violations", bad == 0, "1e-12"))
    fig = _figure(ctx, krows, jrows)
    md.append("The figure: left, the KKL ratio r against n (majority's exact curve as a line); right, the exact "
              "distance to the nearest k-junta (markers) under the Fourier-step bound, the sum of the n - k "
              "smallest influences (dashed, same colour), on a symmetric-log scale (linear below 0.01).")
    return Section(title=TITLE, claims=claims, markdown="\n\n".join(md), figures=[fig])


def _figure(ctx, krows, jrows):
    """KKL ratios against n; Friedgut's distances to the nearest k-junta against their Fourier-step bound."""
    fig, (ax1, ax2) = pyplot().subplots(1, 2, figsize=(11, 4.2))
    for j, (prefix, marker) in enumerate((("tribes", "s"), ("majority", "o"), ("dictator", "^"), ("random", "v"))):
        pts = sorted((n, r) for name, n, *_, r in krows if name.startswith(prefix))
        if pts:
            ax1.plot([n for n, _ in pts], [r for _, r in pts], marker, color=f"C{j}", ls="none", label=prefix)
    ns = np.arange(5, max(n for _, n, *_ in krows) + 1, 2)
    exact = ns * np.array([math.comb(int(n) - 1, (int(n) - 1) // 2) for n in ns]) * 2.0 ** (1 - ns) / np.log2(ns)
    ax1.plot(ns, exact, "-", color="C1", lw=1, label="majority, closed form")
    from matplotlib.ticker import MaxNLocator

    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))  # n is a count: no ticks at 12.5 variables
    ax1.set(xlabel="n (variables)", ylabel="r = max_i Inf_i / (Var log2(n) / n) (ratio)",
            title="KKL: tribes stay within a constant of the bound")
    ax1.set_ylim(0, 1.08 * max(max(r for *_, r in krows), float(exact.max())))
    ax1.legend(fontsize=8)
    for j, (name, n, _, dists, tails, _) in enumerate(jrows):
        k = np.arange(n + 1)
        ax2.plot(k, dists, "osd^vP*"[j % 7], color=f"C{j}", ms=4, label=name)
        ax2.plot(k, tails, "--", color=f"C{j}", lw=1)
    ax2.set_yscale("symlog", linthresh=1e-2)
    top = max(max(max(d), max(t)) for *_, d, t, _ in jrows)
    ax2.set_ylim(0, 1.3 * top)
    ax2.set(xlabel="k (junta size, variables)", ylabel="distance to the nearest k-junta (fraction of inputs)",
            title="Friedgut: distance (markers) <= tail influence (dashed)")
    ax2.legend(fontsize=7, ncol=2)
    return ctx.save_figure(fig, "theorems.png")


def _measures_by_row(fams):
    """The chain measures of tables of different n, concatenated (one call per table)."""
    out = {k: [] for k in ("s", "bs", "C", "D", "deg")}
    for _, f in fams:
        for k, v in _measures(f).items():
            out[k].append(v)
    return {k: np.array(v, dtype=np.int64) for k, v in out.items()}
