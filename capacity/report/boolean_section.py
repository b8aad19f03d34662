"""Report section: Boolean Fourier analysis (influences, retained information, majority asymptotics)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ._framework import Claim, Section, close_claim, markdown_table, pyplot

TITLE = "Boolean functions: influences, retained information, majority asymptotics"


def _backend(ctx):
    """numba on the CPU; torch on the requested device otherwise."""
    return {} if ctx.device == "cpu" else {"backend": "torch", "device": ctx.device}


def _majority_weights(n):
    """Closed-form level weights of Maj_n (O'Donnell Thm 5.19), exact Fractions:
    W^k = C(n, k) ĝ_k^2 with ĝ_k = (-1)^((k-1)/2) C((n-1)/2, (k-1)/2) / C(n-1, k-1) * C(n-1, (n-1)/2) / 2^(n-1)."""
    top = Fraction(math.comb(n - 1, (n - 1) // 2), 2 ** (n - 1))

    def odd(k):  # C(n, k) coefficients, each of square c_k^2
        c = Fraction(math.comb((n - 1) // 2, (k - 1) // 2), math.comb(n - 1, k - 1)) * top
        return math.comb(n, k) * c * c

    return [odd(k) if k % 2 else Fraction(0) for k in range(n + 1)]


def _stab_closed_form(n, rho):
    """Σ_k ρ^k W^k[Maj_n] from the exact weights rounded to float64 (n + 1 terms: error ~1e-16)."""
    w = np.array([float(x) for x in _majority_weights(n)])
    return float(w @ (float(rho) ** np.arange(n + 1)))


def _profiles(ctx, n, kw):
    """Influence and retained-information profiles of five functions on n variables."""
    import boolean

    w = 3
    s = n // w
    fns = {
        f"majority({n})": boolean.majority(n),
        f"parity({n})": boolean.parity(n),
        f"tribes({w}, {s})": boolean.tribes(w, s),
        f"dictator({n})": boolean.dictator(n, 0),
        f"random_function({n})": boolean.random_function(n, seed=ctx.seed),
    }
    out = {}
    for name, f in fns.items():
        summ = boolean.spectral_summary(f, coefficients=False, **kw)
        prof = boolean.retained_information_profile(f, seed=ctx.seed, **kw)
        H = boolean.retained_information(f, [], **kw)
        cond = np.array([H - boolean.retained_information(f, [i], **kw) for i in range(len(summ.influences))])
        out[name] = (np.asarray(summ.influences, dtype=float), prof, cond, summ)
    return out


def _figure(ctx, profiles, n):
    from capacity.plotting import plot_influence_profile, plot_retained_information

    fig, (ax1, ax2) = pyplot().subplots(1, 2, figsize=(11, 4.2))
    plot_influence_profile({name: inf for name, (inf, _, _, _) in profiles.items()}, ax=ax1)
    ax1.set_title(f"Influence profile (n = {n})")
    plot_retained_information({name: prof for name, (_, prof, _, _) in profiles.items()}, ax=ax2)
    ax2.set_ylabel(r"mean $I(f(X); X_{[n]\setminus K})$, $|K| = k$ (bits)")
    ax2.set_title("Retained-information profile (exact: no error bars)" if all(
        p.exact for _, p, _, _ in profiles.values()) else "Retained-information profile (error bars: 1 SE)")
    return ctx.save_figure(fig, "boolean_profiles.png")


def run(ctx) -> Section:
    import boolean

    kw = _backend(ctx)
    claims, md = [], []
    n = 9 if ctx.quick else 15

    # 1. Profiles of five functions on one figure, and the identity H(f(X) | X_{-i}) = Inf_i.
    profiles = _profiles(ctx, n, kw)
    fig = _figure(ctx, profiles, n)
    rows = []
    for name, (inf, prof, cond, summ) in profiles.items():
        worst = float(np.max(np.abs(cond - inf)))
        claims.append(Claim(f"H(f(X) | X_-i) = Inf_i for all i, {name}", "0", f"max |diff| = {worst:.2e}",
                            worst <= 1e-12, "<= 1e-12 (float64 entropy sums)", "identity"))
        half = n // 2
        rows.append([name, f"{summ.total_influence:.6g}", summ.degree, f"{prof.mean[0]:.6f}",
                     f"{prof.mean[1]:.6f}", f"{prof.mean[half]:.6f}", "exact" if prof.exact else "Monte Carlo"])
    md.append(f"Influence and retained-information profiles on n = {n} variables (figure). "
              "The retained information with k unknown inputs is averaged over all "
              f"C(n, k) sets K (exact enumeration, 3^{n} table additions).")
    md.append(markdown_table(["function", "I[f] (expected flips, 0..n)", "degree (integer)", "H(f) at k=0 (bits)",
                              "k=1 (bits)", f"k={n // 2} (bits)", "profile (exact or Monte Carlo)"], rows))

    # 2. Total influence of majority against sqrt(2n/pi): exact, and inside Stirling's bracket.
    ns = (3, 5, 9, 15) if ctx.quick else (3, 5, 9, 15, 21, 25)
    rows = []
    for m in ns:
        got = boolean.total_influence(boolean.majority(m), **kw)
        exact = float(Fraction(m * math.comb(m - 1, (m - 1) // 2), 2 ** (m - 1)))
        asym = math.sqrt(2 * m / math.pi)
        hi = asym * math.sqrt(1 + 1 / (2 * m - 1))
        rows.append([m, f"{got:.10g}", f"{asym:.10g}", f"{got / asym - 1:.3e}", f"{1 / (4 * m):.3e}"])
        claims.append(Claim(f"I[Maj_{m}] = n C(n-1,(n-1)/2) / 2^(n-1) (exact count)", f"{exact:.12g}",
                            f"{got:.12g}", got == exact, "exact equality (exact rationals)"))
        claims.append(Claim(f"I[Maj_{m}] vs sqrt(2n/pi): sqrt(2n/pi) <= I <= sqrt(2n/pi) sqrt(1 + 1/(2n-1))",
                            f"[{asym:.8g}, {hi:.8g}]", f"{got:.8g}", asym <= got <= hi,
                            "Stirling bracket, relative width ~ 1/(4n)"))
    md.append("Total influence of majority (counted exactly) against its asymptotic sqrt(2n/pi). "
              "With 1/sqrt(pi(m + 1/2)) <= C(2m, m)/4^m <= 1/sqrt(pi(m + 1/4)) and n = 2m + 1, "
              "1 <= I[Maj_n] / sqrt(2n/pi) <= sqrt(1 + 1/(2n - 1)), so the relative excess is about 1/(4n).")
    md.append(markdown_table(["n (variables)", "I[Maj_n] (expected flips)", "sqrt(2n/pi) (expected flips)",
                              "I/sqrt(2n/pi) - 1 (ratio)", "1/(4n) (ratio)"], rows))

    # 3. Noise stability of majority against Sheppard's (2/pi) arcsin(rho).
    n_big = 15 if ctx.quick else 25
    f = boolean.majority(n_big)
    rhos = np.array([0.3, 0.6, 0.9])
    stab = np.asarray(boolean.noise_stability(f, rhos, **kw), dtype=float)
    rows = []
    for rho, got in zip(rhos, stab):
        want_cf = _stab_closed_form(n_big, rho)
        claims.append(close_claim(f"Stab_{rho:g}[Maj_{n_big}] (transform) = closed-form level weights",
                                  want_cf, float(got), atol=1e-12, fmt=".12f"))
        limit = 2 / math.pi * math.asin(rho)
        # the gap is c(rho)/n + O(1/n^2) with c(rho) = rho / (pi sqrt(1 - rho^2)) (n * gap at n = 1001
        # matches it to 3 digits); Berry-Esseen's 1/sqrt(n) would also accept the dictator's Stab = rho
        c1 = rho / (math.pi * math.sqrt(1 - rho * rho))
        gap = float(got) - limit
        claims.append(Claim(f"Stab_{rho:g}[Maj_{n_big}] - (2/pi) arcsin rho in (0, 2 c(rho)/n]", f"(0, {2 * c1 / n_big:.6f}]",
                            f"{gap:.6f}", bool(0 < gap <= 2 * c1 / n_big),
                            "twice the first-order term c(rho)/n (n * gap -> c(rho), table)"))
        far = 1001
        st_far = _stab_closed_form(far, rho)
        gap_far = st_far - limit
        claims.append(Claim(f"Stab_{rho:g}[Maj_{far}] (closed form) - (2/pi) arcsin rho in (0, 2 c(rho)/n]",
                            f"(0, {2 * c1 / far:.3e}]", f"{gap_far:.3e}", bool(0 < gap_far <= 2 * c1 / far),
                            "twice the first-order term c(rho)/n"))
        rows.append([f"{rho:g}", f"{limit:.6f}", f"{got:.6f}", f"{(got - limit) * n_big:.4f}", f"{st_far:.6f}",
                     f"{(st_far - limit) * far:.4f}", f"{c1:.4f}"])
    md.append(f"Noise stability of majority (from one transform of Maj_{n_big}, and from the closed-form "
              "level weights at n = 1001) against Sheppard's limit (2/pi) arcsin rho. The "
              "central-limit (Berry-Esseen) order 1/sqrt(n) is too loose to tell majority from a dictator "
              "(Stab = rho) at these n; the gap is c(rho)/n + O(1/n^2) with c(rho) = "
              "rho / (pi sqrt(1 - rho^2)) (n * gap approaches it: compare the last three columns), so the "
              "claims require 0 < gap <= 2 c(rho)/n, which a dictator, or a wrong sign, fails.")
    md.append(markdown_table(["rho (correlation, dimensionless)", "(2/pi) arcsin rho (dimensionless)",
                              f"Stab n={n_big} (dimensionless)", f"gap * {n_big} (dimensionless)", "Stab n=1001 (dimensionless)",
                              "gap * 1001 (dimensionless)", "c(rho) = rho / (pi sqrt(1 - rho^2)) (dimensionless)"], rows))

    # 4. Exactness at larger n: Σ_d d W^d (from the transform) = Σ_i Inf_i (from counts), bit for bit.
    n_ex = 16 if ctx.quick else 24
    g = boolean.random_function(n_ex, seed=ctx.seed)
    s = boolean.spectral_summary(g, coefficients=False, **kw)
    w = np.asarray(s.weights, dtype=float)
    lhs = float(np.arange(n_ex + 1) @ w)
    claims.append(Claim(f"random f, n = {n_ex}: sum_d d W^d (spectrum) = sum_i Inf_i (pair counts)",
                        f"{float(s.total_influence):.17g}", f"{lhs:.17g}", lhs == float(s.total_influence),
                        "exact equality (integer sums < 2^53)", "identity"))
    claims.append(Claim(f"random f, n = {n_ex}: Parseval sum_d W^d = 1", "1", f"{w.sum():.17g}", w.sum() == 1.0,
                        "exact equality", "identity"))
    return Section(title=TITLE, claims=claims, markdown="\n\n".join(md), figures=[fig])
