"""Report section: the channel at realistic n (family lower bounds, upper bounds, sensitivity)."""
from __future__ import annotations

import math
import re

from ._framework import Claim, Section, markdown_table, pyplot

TITLE = "The channel at realistic n"

#: Most types a family channel may have here (the report stays within minutes).
MAX_TYPES = 25_000
#: Monte Carlo bracket (family_bracket) for the thresholds where their types exceed MAX_TYPES:
#: few draws (the bracket's width, shown in the section, pays for it), a seed for reproducibility.
MC_SAMPLES, MC_LAW_SAMPLES, MC_CONFIDENCE, MC_SEED = 200, 1000, 0.95, 0


def _families(n, s, m, quick):
    from capacity.insensitive import family_channel_plan, junta_family, symmetric_family, threshold_family

    out = [("thresholds", threshold_family(n)), ("dictators+constants", junta_family(n, 1))]
    if n <= 8 and s <= 2:
        out.append(("symmetric", symmetric_family(n)))
    keep, over = [], []
    for name, fam in out:
        d = 2 * ((s + 1) if fam.kind in ("symmetric", "interval") else 3) + 1
        (keep if family_channel_plan(1, d, m)["types"] <= MAX_TYPES else over).append((name, fam))
    return keep, over


def _mc_bracket(fam, n, s, m):
    """The thresholds' Monte Carlo bracket where their types do not fit (MC_* settings)."""
    from capacity.insensitive import family_bracket

    return family_bracket(fam, n, s, m, samples=MC_SAMPLES, law_samples=MC_LAW_SAMPLES,
                          confidence=MC_CONFIDENCE, seed=MC_SEED)


def _bracket_rows(quick):
    from capacity.insensitive import capacity_upper_bound, family_capacity, law_sensitivity

    ns = (8,) if quick else (8, 16, 32, 64)
    ms = (1, 2, 4) if quick else (1, 2, 4, 8, 16)
    rows, results, claims_ok, mc = [], {}, [], {}
    for n in ns:
        for s in sorted({2, n // 2, n - 2}):
            if quick and s != 2:
                continue
            for m in ms:
                ub = capacity_upper_bound(n, s, m)
                best, cells, done = None, [], []
                keep, over = _families(n, s, m, quick)
                for name, fam in keep:
                    r = family_capacity(fam, n, s, m)
                    results[(name, n, s, m)] = r
                    cells.append(f"{name} {r.lower:.4f}")
                    done.append((name, r))
                    if best is None or r.lower > best[1].lower:
                        best = (name, r)
                    claims_ok.append((n, s, m, name, r.lower, ub.upper))
                # families whose certified values agree within their gaps tie: name them all
                tied = [nm for nm, r in done if best is not None and r.lower >= best[1].lower - 2e-9]
                if len(tied) > 1:
                    best = ("tie: " + " = ".join(tied), best[1])
                for name, fam in over:
                    if name != "thresholds":
                        continue
                    b = _mc_bracket(fam, n, s, m)
                    mc[(n, s, m)] = (b, float(b.law @ fam.total_influence()), ub.upper)
                    cells.append(f"{name} [{b.lower:.4f}, {b.upper:.4f}] (Monte Carlo, {MC_CONFIDENCE:.0%})")
                if (n, s, m) in mc and (best is None or mc[(n, s, m)][0].lower > best[1].lower):
                    b, infl, _ = mc[(n, s, m)]
                    rows.append([f"({n},{s},{m})", "; ".join(cells), f"thresholds (Monte Carlo, {MC_CONFIDENCE:.0%})",
                                 f"{ub.upper:.4f}", f"{infl:.3f}", "-"])
                    continue
                if best is None:
                    rows.append([f"({n},{s},{m})", "types over the report's budget: no family bound computed here", "",
                                 f"{ub.upper:.4f}", "", ""])
                    continue
                ls = law_sensitivity(best[1])
                rows.append([f"({n},{s},{m})", "; ".join(cells), best[0], f"{ub.upper:.4f}",
                             f"{ls.influence_least:.3f}", f"{ls.mass_constants_dictators:.3f}"])
    return rows, results, claims_ok, mc


def _exact_profile(quick):
    from capacity.insensitive import insensitive_capacity, law_sensitivity

    cases = {(2, 1): range(1, 7), (3, 1): range(1, 7), (3, 2): range(1, 5)}
    if not quick:
        cases.update({(4, 1): range(1, 7), (4, 2): range(1, 6), (4, 3): range(1, 5)})
    out = {}
    for (n, s), ms in cases.items():
        out[(n, s)] = [(m, law_sensitivity(insensitive_capacity(n, s, m))) for m in ms]
    return out


#: Family curves of the figure: (label, family name, n, s, m values); quick runs take m <= 4.
FIGURE_FAMILIES = [("thresholds n=8, s=2", "thresholds", 8, 2, (1, 2, 4, 8)),
                   ("symmetric n=16, s=2", "symmetric", 16, 2, (1, 2, 4, 8)),
                   ("thresholds n=32, s=2", "thresholds", 32, 2, (1, 2, 4, 8))]


#: m values of the exact n = 5, s = 1 curve (count-vector classes; not in quick runs).
N5_MS = (1, 2, 3, 4, 5, 6)


def exact_n5_profile(quick):
    """``[(m, LawSensitivity)]`` of the exact optimal laws at n = 5, s = 1 (empty in quick runs)."""
    from capacity.insensitive import insensitive_capacity, law_sensitivity

    return [] if quick else [(m, law_sensitivity(insensitive_capacity(5, 1, m))) for m in N5_MS]


def figure_curves(exact, quick, n5=()):
    """``{label: [(m, mean I[f] of the law, least sensitive members)]}``: the exact optimal laws
    (n >= 3, and ``n5`` from :func:`exact_n5_profile`) and the certified family laws of
    FIGURE_FAMILIES."""
    from capacity.insensitive import family_capacity, law_sensitivity

    curves = {f"exact n={n}, s={s}": [(m, ls.influence_least) for m, ls in prof]
              for (n, s), prof in exact.items() if n >= 3}
    if n5:
        curves["exact n=5, s=1"] = [(m, ls.influence_least) for m, ls in n5]
    for label, name, n, s, ms in FIGURE_FAMILIES:
        curves[label] = [(m, law_sensitivity(family_capacity(name, n, s, m)).influence_least)
                         for m in ms if not (quick and m > 4)]
    return curves


def influence_figure(ctx, curves, name="realistic_n_influence.png"):
    """Mean total influence of the law against m, one line per curve (log2 m axis); returns the
    saved figure's name (the framework checks it: points inside the axes, distinct labels)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, pts in curves.items():
        style = "o-" if label.startswith("exact") else "s--"
        ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
    ax.axhline(1.0, color="grey", lw=0.8, ls=":", label="a dictator (I = 1)")
    ax.set(xlabel="m (samples)", ylabel="mean total influence of the law")
    ax.set_xscale("log", base=2)
    ax.legend(fontsize=7)
    return ctx.save_figure(fig, name)


#: (n, s) of the family phase diagram and the m tried (ascending, while the types fit MAX_TYPES).
PHASE_MS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16)


def family_mstar(quick):
    """``{(n, s): (m*_F or None, m tried up to, support)}``: the smallest m at which the
    thresholds family's certified capacity exceeds the certified upper end for the constants and
    dictators (1-juntas). Then C(n, s, m) > C_{const+dict}, so no optimal law is supported on the
    constants and dictators: m*_F is a certified upper bound on m*. ``support``: the names of the
    three heaviest groups of the thresholds' law there, then the threshold t of its heaviest
    non-constant member."""
    from capacity.insensitive import family_capacity, family_channel_plan, junta_family

    out = {}
    for n in ((8, 16) if quick else (8, 16, 32, 64)):
        for s in sorted({2, n // 2, n - 2}):
            if quick and s == n // 2:
                continue
            found, last, names = None, 0, []
            for m in PHASE_MS:
                if family_channel_plan(1, 2 * (s + 1) + 1, m)["types"] > MAX_TYPES:
                    break
                last = m
                thr = family_capacity("thresholds", n, s, m)
                cd = family_capacity(junta_family(n, 1), n, s, m)
                if thr.lower > cd.upper + 1e-9:
                    found, names = m, [t[0] for t in thr.support[:3]]
                    ts = [int(x.group(2)) for t in thr.support if (x := re.search(r"\|x\|(>=|<)(\d+)", t[0]))]
                    names.append(ts[0] if ts else None)      # threshold of the heaviest non-constant member
                    break
            out[(n, s)] = (found, last, names)
    return out


def mstar_claims(mstar, fam_mstar):
    """Claims (that can fail) of the conjecture on m*: on every computed pair."""
    ex = {k: v for k, v in mstar.items() if v is not None}
    by_s = [(a, b) for a in ex for b in ex if a[0] == b[0] and a[1] < b[1]]
    by_n = [(a, b) for a in ex for b in ex if a[1] == b[1] and a[0] < b[0]]
    fam = {k: v[0] for k, v in fam_mstar.items() if v[0] is not None}
    fam_s = [(a, b) for a in fam for b in fam if a[0] == b[0] and a[1] < b[1]]
    s2 = sorted((n, v) for (n, s), v in fam.items() if s == 2)
    return [
        Claim("conjecture (exact m*): m*(n, s) is nonincreasing in s at fixed n", "every computed pair",
              f"{sum(ex[b] <= ex[a] for a, b in by_s)}/{len(by_s)} pairs",
              bool(by_s) and all(ex[b] <= ex[a] for a, b in by_s), "pairs of computed (n, s)"),
        Claim("conjecture (exact m*): m*(n, s) is nondecreasing in n at fixed s", "every computed pair",
              f"{sum(ex[b] >= ex[a] for a, b in by_n)}/{len(by_n)} pairs",
              bool(by_n) and all(ex[b] >= ex[a] for a, b in by_n), "pairs of computed (n, s)"),
        Claim("conjecture (families): m*_F(n, s) is nonincreasing in s at fixed n", "every computed pair",
              f"{sum(fam[b] <= fam[a] for a, b in fam_s)}/{len(fam_s)} pairs",
              bool(fam_s) and all(fam[b] <= fam[a] for a, b in fam_s), "pairs of computed (n, s)"),
        Claim("conjecture (families): at s = 2, m*_F(n, 2) does not grow with n (so m* stays bounded in n)",
              "nonincreasing in n over every n computed", "values " + ", ".join(f"n={n}: {v}" for n, v in s2),
              bool(s2) and all(b[1] <= a[1] for a, b in zip(s2, s2[1:])), "n = 8 ... computed"),
        Claim("at every m*_F computed, the heaviest non-constant member of the thresholds' law has its "
              "threshold t within sqrt(n)/2 of n/2 (majority-like)", "every (n, s) computed",
              ", ".join(f"n={n}: t={v[2][-1]}" for (n, s), v in fam_mstar.items() if v[0] is not None),
              all(v[2][-1] is not None and abs(v[2][-1] - n / 2) <= math.sqrt(n) / 2
                  for (n, s), v in fam_mstar.items() if v[0] is not None), "|t - n/2| <= sqrt(n)/2"),
    ]


def run(ctx) -> Section:
    claims = []
    exact = _exact_profile(ctx.quick)
    # 1. the words: the classes entering at larger m are not more influential than a dictator
    for (n, s) in ((3, 1), (4, 1)):
        if (n, s) not in exact:
            continue
        m, ls = exact[(n, s)][-1]
        claims.append(Claim(f"C({n},{s},{m}): the classes entering beyond constants and dictators have total "
                            "influence below a dictator's", "< 1.0", f"{ls.max_influence_other:.4f}",
                            bool(ls.max_influence_other < 1.0), "max I[f] over their members"))
    # 2. the optimal law is far less influential than the uniform laws
    worst = max(ls.influence_most / ls.uniform_functions_influence for prof in exact.values() for _, ls in prof)
    claims.append(Claim("exact C(n,s,m), n <= 4: mean I[f] of the optimal law < n/2 (uniform on functions)",
                        "ratio < 1", f"max ratio {worst:.3f}", bool(worst < 1), "most sensitive members"))
    worst_c = max(ls.influence_most / ls.uniform_classes_influence[0] for prof in exact.values() for _, ls in prof)
    claims.append(Claim("exact C(n,s,m), n <= 4: mean I[f] of the optimal law < uniform law on classes",
                        "ratio < 1", f"max ratio {worst_c:.3f}", bool(worst_c < 1),
                        "most sensitive members vs least sensitive members"))
    grows = all(b[1].influence_least >= a[1].influence_least - 1e-9 for prof in exact.values()
                for a, b in zip(prof, prof[1:]))
    claims.append(Claim("exact C(n,s,m), n <= 4: mean I[f] of the optimal law is nondecreasing in m",
                        "every (n, s) computed", "holds" if grows else "fails", grows,
                        "1e-9 (laws certified to a 1e-9 bit gap)"))
    # 3. m*: the smallest m whose law leaves the constants and dictators
    mstar = {}
    n5 = exact_n5_profile(ctx.quick)
    for (n, s), prof in list(exact.items()) + ([((5, 1), n5)] if n5 else []):
        off = [m for m, ls in prof if 1 - ls.mass_constants_dictators > 1e-6]
        mstar[(n, s)] = min(off) if off else None
    fam_mstar = family_mstar(ctx.quick)
    claims.extend(mstar_claims(mstar, fam_mstar))
    # 4. the bracket at realistic n
    rows, results, pairs, mc = _bracket_rows(ctx.quick)
    bad = [p for p in pairs if not p[4] <= p[5] + 1e-9]
    claims.append(Claim("every family lower bound <= the upper bound min(m, log2 #classes, cells)",
                        "all", f"{len(pairs) - len(bad)}/{len(pairs)}", not bad, "certified to 1e-9"))
    if mc:
        mc_bad = [k for k, (b, _, ub) in mc.items() if not b.lower <= ub]
        claims.append(Claim(f"every Monte Carlo lower end ({MC_CONFIDENCE:.0%}) of the thresholds <= the upper bound",
                            "all", f"{len(mc) - len(mc_bad)}/{len(mc)}", not mc_bad,
                            f"each at {MC_CONFIDENCE:.0%} confidence, {MC_SAMPLES} draws"))
    widths = sorted(b.upper - b.lower for b, _, _ in mc.values())
    finite = [w for w in widths if math.isfinite(w)]
    n_big = max(n for (_, n, _, _) in results)
    m_big = max(m for (nm, n, s, m) in results if n == n_big and s == 2)
    at_big = {nm: r for (nm, n, s, m), r in results.items() if (n, s, m) == (n_big, 2, m_big)}
    winner = max(at_big, key=lambda nm: at_big[nm].lower)
    from capacity.insensitive import law_sensitivity
    w_ls = law_sensitivity(at_big[winner])
    big_sentence = (f"At n = {n_big}, s = 2, m = {m_big} the best family is {winner} "
                    f"({at_big[winner].lower:.4f} bits, vs "
                    + ", ".join(f"{nm} {r.lower:.4f}" for nm, r in at_big.items() if nm != winner)
                    + f"); its law has mean total influence {w_ls.influence_least:.3f} "
                    + ("(above a dictator's 1.0, so among these families capacity does not favour the insensitive "
                       "ones there)" if w_ls.influence_least > 1.0 else
                       "(at most a dictator's 1.0: among these families the insensitive ones win there)") + ".")
    unique = [r for r in results.values() if not math.isfinite(r.law_spread)]
    claims.append(Claim("every family law whose member-level spread is infinite has a finite cluster spread "
                        "(cluster masses unique; split within clusters undetermined)", "all",
                        f"{sum(math.isfinite(r.cluster_spread) for r in unique)}/{len(unique)}",
                        all(math.isfinite(r.cluster_spread) for r in unique), "certified gap 1e-9"))
    # 5. robustness: other readings of the problem (all functions, n <= 3)
    from capacity.insensitive import READINGS, reading_capacity
    read_cases = [(2, 1, m) for m in (1, 2, 3)] + ([] if ctx.quick else [(2, 1, 4), (3, 1, 2), (3, 1, 3), (3, 2, 2)])
    read_rows, read_mstar, worst_read = [], {}, 0.0
    for (n, s, m) in read_cases:
        row = [f"({n},{s},{m})"]
        for rd in READINGS:
            if rd == "bernoulli" and n == 3 and m > 2:   # 54 symbols: minutes in the solver
                row.append("-")
                continue
            rc = reading_capacity(n, s, m, rd)
            lr = law_sensitivity(rc)
            off = 1 - lr.mass_constants_dictators
            worst_read = max(worst_read, lr.influence_most / lr.uniform_functions_influence)
            if off > 1e-6 and m > 1:
                read_mstar.setdefault((rd, n, s), m)
            row.append(f"{rc.lower:.4f} / {lr.influence_most:.3f} / {max(off, 0.0):.3f}")
        read_rows.append(row)
    claims.append(Claim("every reading computed: mean I[f] of the law found < n/2", "ratio < 1",
                        f"max ratio {worst_read:.3f}", bool(worst_read < 1), "most sensitive members"))
    # figure: mean I[f] of the optimal law against m
    fig_name = influence_figure(ctx, figure_curves(exact, ctx.quick, n5))
    if n5:
        spread = max(ls.influence_most - ls.influence_least for _, ls in n5)
        claims.append(Claim("n = 5, s = 1 in the figure: each used class's least and most influential members "
                            "(exact integer programs) give the same mean, up to 5 x the unused mass", "spread <= 1e-6",
                            f"max spread {spread:.1e}", bool(spread <= 1e-6), "law_sensitivity at n = 5"))
    prof_rows = [[f"({n},{s},{m})", f"{ls.influence_least:.4f}", f"{ls.influence_most:.4f}",
                  f"{ls.stability_least:.4f}", f"{ls.mass_constants_dictators:.4f}",
                  f"{ls.uniform_functions_influence:g}",
                  f"[{ls.uniform_classes_influence[0]:.3f}, {ls.uniform_classes_influence[1]:.3f}]"]
                 for (n, s), prof in exact.items() for m, ls in prof]
    md = "\n".join([
        "Certified brackets [family lower bound, upper bound] on C(n, s, m) beyond the exact range. The lower "
        "end is the capacity with Alice restricted to a family (`family_capacity`: thresholds and their "
        "complements, the constants and dictators (1-juntas), and for n <= 8 all symmetric functions), each "
        "certified to 1e-9 bit; the upper end is min(m, log2 #classes, the per-cell binomial-channel bound) "
        "(`capacity_upper_bound`). Where the thresholds' types exceed the report's budget of 25 000, their "
        "entry is the Monte Carlo bracket of `family_bracket` on the thresholds' capacity, labelled "
        f"\"Monte Carlo, {MC_CONFIDENCE:.0%}\": [lower, upper] holds jointly with probability >= {MC_CONFIDENCE:.0%}, "
        "its lower end is then a lower bound on C(n, s, m) at that confidence (not certified), and its upper "
        "end bounds the thresholds' capacity only, not C. The report keeps it cheap "
        f"({MC_SAMPLES} draws per mean, a sample-average law from {MC_LAW_SAMPLES} draws, seed {MC_SEED}), so "
        "the brackets are wide"
        + (f": width {min(finite):.3f} to {max(finite):.3f} bits (median {finite[len(finite) // 2]:.3f})"
           if finite else "")
        + (f", and {len(widths) - len(finite)} upper end(s) infinite (the sampled law misses outputs a member "
           "reaches)" if len(widths) > len(finite) else "")
        + ("" if mc else " (none in this run: every row fits)")
        + "; more draws narrow them (`family_bracket(..., samples=4000, law_samples=20000)`, the defaults; "
        "BENCHMARKS.md, \"Family capacities at realistic n\", gives that bracket for thresholds at n = 1000, "
        "s = 500, m = 16). Where the Monte Carlo lower end exceeds every certified family (or none fits), the "
        "best-family column names the Monte Carlo thresholds, with the mean I[f] of their law, and the mass on "
        "constants and dictators is not computed ('-').",
        "",
        markdown_table(["(n,s,m)", "family lower bounds (bits)", "best family", "upper bound (bits)",
                        "mean I[f] of the best law (expected flips)", "mass on constants+dictators (prob.)"], rows),
        "",
        "Sensitivity of the exact optimal law (n <= 4): mean total influence with each class's mass on its "
        "least / most influential member, mean Stab_rho at rho = s/n (most stable members), mass on constants "
        "and dictators; the uniform law on functions has mean I = n/2, the uniform law on classes the range shown.",
        "",
        markdown_table(["(n,s,m)", "E I least (expected flips)", "E I most (expected flips)", "E Stab (correlation)",
                        "const+dict (prob.)", "uniform fns (expected flips)", "uniform classes (expected flips)"], prof_rows),
        "",
        "Phase diagram. m*, the smallest m at which the exact optimal law puts more than 1e-6 off the "
        "constants and dictators: "
        + "; ".join(f"(n={n}, s={s}): {v if v is not None else '> computed m'}" for (n, s), v in mstar.items())
        + ". At realistic n, m*_F, the smallest m at which the certified capacity of thresholds and their "
        "complements exceeds the certified upper end for the constants and dictators (so no optimal law "
        "is supported on them: m* <= m*_F), with the heaviest members of the thresholds' law there (the "
        "family that takes their place): "
        + "; ".join(f"(n={n}, s={s}): " + (f"{v} ({', '.join(names[:-1])})" if v is not None else f"> {last}")
                    for (n, s), (v, last, names) in fam_mstar.items())
        + ". Conjecture (claims above, each checked on every computed pair): m* is set by s rather than n; "
        "it is nonincreasing in s at fixed n, nondecreasing in n at fixed s, and bounded in n at fixed s "
        "(m*_F(n, 2) does not grow with n; "
        + ("its stronger reading, one value for every n, is refuted here: "
           + ", ".join(f"m*_F({n}, 2) = {v}" for (n, s), (v, _, _) in fam_mstar.items() if s == 2 and v is not None)
           if len({v for (n, s), (v, _, _) in fam_mstar.items() if s == 2 and v is not None}) > 1
           else "one value over the n computed")
        + "; m*_F is an upper bound on m*, so a smaller m*_F at larger n does not contradict the exact "
        "m* growing with n). The dictators, visible with probability s/n per "
        "sample, give way to thresholds near n/2 (majority-like; claim above).",
        "",
        "Other readings of the problem (all functions; each cell: capacity / mean I[f] of the law found "
        "(most sensitive members) / mass off constants and dictators): random S shown (the default), fixed S0, "
        "S hidden from Bob, one S shared by all samples, coordinates revealed independently with probability s/n. "
        "A '-' cell was not computed (the Bernoulli reading at n = 3, m > 2 has 54 output symbols per "
        "sample: minutes in the solver).",
        "",
        markdown_table(["(n,s,m)"] + [f"{rd} (bits / expected flips / prob.)" for rd in READINGS], read_rows),
        "",
        "Smallest m >= 2 at which the law found leaves the constants and dictators, per reading: "
        + "; ".join(f"{rd} (n={n}, s={s}): {m}" for (rd, n, s), m in sorted(read_mstar.items()))
        + " (readings not listed keep them at every m computed). The law's low mean total influence survives "
        "every reading (claim above); m* "
        + ("does not: it depends on the reading." if len({read_mstar.get((rd, 2, 1)) for rd in READINGS}) > 1
           else "is the same in every reading computed at (2, 1).")
        + " At m = 1 many laws achieve the 1 bit (the fixed reading's solver returns one with mass on the "
        "dictators), so laws, unlike capacities, are not unique there. For the family laws of the first "
        "table, the support certificate of `family_capacity` (every optimal law lies within `law_spread` of "
        "the one found on the candidate groups, from the certified gap and the smallest singular value of "
        "their rows) is below 1, and so says something about a probability law, for "
        + f"{sum(r.law_spread < 1 for r in results.values())} of {len(results)} laws "
        + "(largest such spread "
        + f"{max([r.law_spread for r in results.values() if r.law_spread < 1] or [math.nan]):.1e}; "
        + f"{sum(1 <= r.law_spread < math.inf for r in results.values())} more are finite but >= 1, which "
        "bounds nothing); where it is infinite, uniqueness of the law on members is not established, and the reason is "
        "computed: its candidate rows include near-duplicates (e.g. the constant 1 and OR at n = 64, s = 2, "
        "whose cell probabilities differ by about 2^-62), so their smallest singular value is below the "
        "rounding of the rows. Clustering the candidates whose rows lie within L2 distance eps restores a "
        "certificate: every optimal law's mass on each cluster is within `cluster_spread` of the law found "
        "(the split inside a cluster stays undetermined)"
        + (": " if any(not math.isfinite(r.law_spread) for r in results.values()) else "")
        + "; ".join(f"({nm} n={n}, s={s}, m={m}): {r.candidates} candidates, {r.clusters} clusters at "
                    f"eps={r.cluster_eps:.0e}, cluster spread {r.cluster_spread:.1e}, "
                    f"{sum(1 for t in r.support if t[1] > r.cluster_spread)} of {len(r.support)} support groups "
                    "heavier than it"
                    for (nm, n, s, m), r in results.items() if not math.isfinite(r.law_spread))
        + ".",
        "",
        "Conclusion, with its limits: for n <= 4 the capacity-achieving law is much less sensitive than the "
        "uniform laws (mean total influence well below n/2 and below the uniform law on classes), and the "
        "classes it adds as m grows are not more influential than a dictator at "
        + " and ".join(f"({n},{s},{exact[(n, s)][-1][0]})" for (n, s) in ((3, 1), (4, 1)) if (n, s) in exact)
        + "; its mean total influence grows with m. " + big_sentence
        + " These are lower bounds over chosen families, not the optimal law over all functions.",
    ])
    return Section(title=TITLE, claims=claims, markdown=md, figures=[fig_name])
