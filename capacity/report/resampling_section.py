"""Report section: resampling and redundant information (natural abstractions), Telephone chains."""
from __future__ import annotations

import math

import numpy as np

from ._framework import Claim, Section, close_claim, markdown_table, pyplot

TITLE = "Resampling and redundant information: naive Bayes, 2D Ising, Telephone chains"


def _h_majority(N, eps):
    from capacity.experiments.naive_bayes import naive_bayes_chain
    from capacity.information import entropy

    _, pi = naive_bayes_chain(N, eps)
    k = np.arange(N + 1)
    return entropy(np.array([pi[2 * k < N].sum(), pi[2 * k == N].sum(), pi[2 * k > N].sum()]))


def _naive_bayes(ctx, claims, md):
    from capacity.experiments.naive_bayes import naive_bayes_mi, naive_bayes_relaxation_times

    N = 30
    strong, weak = 0.1, 0.4
    ts = np.unique(np.concatenate([[0], np.round(np.logspace(0, 7 if ctx.quick else 9, 120)).astype(int)]))
    curves, h_of = {}, {}
    rows = []
    for eps in (strong, weak):
        count = naive_bayes_mi(N, eps, ts)
        maj = naive_bayes_mi(N, eps, ts, observe="majority")
        curves[eps] = (count, maj)
        worst = float(max(np.diff(count).max(), np.diff(maj).max()))
        claims.append(Claim(f"naive Bayes N={N}, eps={eps}: I(K^0;K^t), I(maj^0;maj^t) nonincreasing in t",
                            "<= 1e-12", f"max increase {worst:.1e}", worst <= 1e-12, "data processing, 1e-12"))
        relax = naive_bayes_relaxation_times(N, eps, n_modes=2)
        h_of[eps] = _h_majority(N, eps)
        rows.append([eps, f"{count[0]:.4f}", f"{h_of[eps]:.6f}", f"{relax[0]:.3g}", f"{relax[1]:.3g}"])
    h_maj = h_of[strong]
    window = (ts >= 20 * N) & (ts <= 200 * N)
    dev = float(np.max(np.abs(curves[strong][0][window] - h_maj)))
    # the state itself (exact orbit-lumped chain) on t <= 200N
    ts_state = ts[ts <= 200 * N]
    states = {eps: naive_bayes_mi(N, eps, ts_state, state_space="orbit") for eps in (strong, weak)}
    w_state = ts_state >= 20 * N
    dev_state = float(np.max(np.abs(states[strong][w_state] - h_maj)))
    # the plateau's tolerance: after 20N steps the fast modes are gone (t_2 << 20N), and the slow mode alone
    # (the majority as a binary symmetric channel with correlation e^(-t/t_1)) costs h((1 - e^(-t/t_1))/2)
    from capacity.information import binary_entropy

    t1_strong, t2_strong = (float(t) for t in naive_bayes_relaxation_times(N, strong, n_modes=2))
    slow = float(binary_entropy((1 - math.exp(-200 * N / t1_strong)) / 2))
    why = (f"1e-3 bit: the slow mode alone predicts {slow:.2e} bit at t = 200N (h((1 - e^(-t/t_1))/2)), "
           f"the fast modes e^(-20N/t_2) = {math.exp(-20 * N / t2_strong):.0e}")
    claims.append(Claim(f"strong redundancy (N={N}, eps={strong}): I(X^0;X^t) (exact, orbit chain) within 1e-3 "
                        "bit of H(majority) for t in [20N, 200N]", f"{h_maj:.6f}", f"max |diff| = {dev_state:.2e}",
                        dev_state <= 1e-3, why))
    claims.append(Claim(f"strong redundancy (N={N}, eps={strong}): I(K^0;K^t) within 1e-3 bit of H(majority) "
                        f"for t in [20N, 200N]", f"{h_maj:.6f}", f"max |diff| = {dev:.2e}", dev <= 1e-3,
                        "1e-3 bit (as above)"))
    t_weak = 10 * N
    i_weak = float(naive_bayes_mi(N, weak, [t_weak])[0])
    claims.append(Claim(f"weak redundancy (N={N}, eps={weak}): I(K^0;K^t) at t = 10N", "< 0.01 bit",
                        f"{i_weak:.2e}", i_weak < 0.01, "below 0.01 bit (t = 10N is > 4 t_1 here)"))
    # t_1 against N: the barrier law. pi(K = N/2) = C(N, N/2) (eps (1 - eps))^(N/2) gives
    # ln t_1 = a N + b ln N + O(1), a = ln(1 / (2 sqrt(eps (1 - eps)))), b from the polynomial prefactor
    Ns = (10, 20, 30, 40, 50)  # t_1 <= 2e12: lambda_1 = 1 - 1/t_1 keeps 4 digits in float64
    t1 = np.array([naive_bayes_relaxation_times(n, strong, n_modes=1)[0] for n in Ns])
    a = math.log(1 / (2 * math.sqrt(strong * (1 - strong))))
    slope = float((math.log(t1[-1]) - math.log(t1[-3])) / (Ns[-1] - Ns[-3]))
    tol = 1.5 * math.log(Ns[-1] / Ns[-3]) / (Ns[-1] - Ns[-3])
    claims.append(close_claim(f"t_1 = exp(Theta(N)) (eps={strong}): slope of ln t_1 between N = {Ns[-3]} and "
                              f"{Ns[-1]} vs the barrier rate ln(1/(2 sqrt(eps(1-eps))))", a, slope, tol, ".4f",
                              why=f"a prefactor N^b with |b| <= 1.5 moves the slope by <= 1.5 ln({Ns[-1]}/{Ns[-3]})"
                                  f"/{Ns[-1] - Ns[-3]}"))
    # the count is the abstraction: full-state and lumped chains agree once every variable was resampled
    n_full = 8 if ctx.quick else 12
    eps_full = 0.2
    tt = [0, n_full, 10 * n_full, 40 * n_full]
    full = naive_bayes_mi(n_full, eps_full, tt, state_space="full")
    full_k = naive_bayes_mi(n_full, eps_full, tt, state_space="full", observe="count")
    lump = naive_bayes_mi(n_full, eps_full, tt)
    claims.append(close_claim(f"N={n_full}, eps={eps_full}: I(K^0;K^t) on the full 2^N chain = on the lumped "
                              "chain (t = 10N)", float(full_k[2]), float(lump[2]), atol=1e-12, fmt=".15f",
                              why="two chains, float64 rounding", kind="identity"))
    claims.append(close_claim(f"N={n_full}, eps={eps_full}: I(X^0;X^t) - I(K^0;K^t) at t = 40N (the state's "
                              "information is carried by K once every variable was resampled)",
                              0.0, float(full[3] - full_k[3]), atol=1e-10, fmt=".2e",
                              why="the unresampled fraction (1 - 1/N)^(40N) ~ 4e-18"))
    md.append(f"Naive-Bayes model (N = {N}): Lambda ~ Bernoulli(1/2), X_i = Lambda flipped independently "
              "with probability eps; random-scan Gibbs, one step = one resampled variable (docs/problem.rst). "
              "Exact lumped chain on the count K = sum_i X_i, and I(X^0;X^t) of the state from the exact "
              f"orbit-lumped chain (H(X) = {states[strong][0]:.4f} bits at t = 0 for eps = {strong}). "
              "The majority is sign(K - N/2) with ties (K = N/2) as a third value: N = 30 is even, so "
              "H(majority) can exceed 1 bit. At eps = 0.1 a tie is rare (H = 1.000001 bit); at eps = 0.4 "
              f"it is not (P(K = N/2) is large), hence H(majority) = {h_of[weak]:.6f} > 1 bit. "
              "t_1 and t_2 are the two slowest relaxation times of the lumped chain, t_m = -1/ln lambda_m "
              "(lambda_m its m-th eigenvalue, in Gibbs steps): t_1 is the time to forget the majority. "
              "Strong redundancy keeps H(majority) for about t_1 steps, and t_1 grows as exp(Theta(N)) "
              "(second table: the slope of ln t_1 tends to the barrier rate a = ln(1/(2 sqrt(eps(1-eps)))) "
              f"= {a:.4f} at eps = {strong}); weak redundancy forgets within a few hundred steps. The full "
              f"2^N chain at N = {n_full}, eps = {eps_full} (between the strong and weak settings): "
              f"I(X^0;X^t) = {full.round(6).tolist()} vs I(K^0;K^t) = {full_k.round(6).tolist()} bits "
              f"at t = {tt} steps.")
    md.append(markdown_table(["eps (probability)", "H(K) = I(K^0;K^0) (bits)", "H(majority) (bits)",
                              "t_1 (steps)", "t_2 (steps)"], rows))
    md.append(markdown_table(["N (variables)", f"t_1 at eps = {strong} (steps)", "ln t_1 / N (1/variable)",
                              "slope of ln t_1 from the previous N (1/variable)"],
                             [[n, f"{t:.4g}", f"{math.log(t) / n:.4f}",
                               "" if i == 0 else f"{(math.log(t) - math.log(t1[i - 1])) / (n - Ns[i - 1]):.4f}"]
                              for i, (n, t) in enumerate(zip(Ns, t1))]))
    fig, ax = pyplot().subplots(figsize=(6.5, 4.2))
    x = np.maximum(ts, 0.5)
    for eps, style in ((strong, "-"), (weak, "--")):
        ax.plot(np.maximum(ts_state, 0.5), states[eps], style, lw=2.5, alpha=0.35, label=f"I(X^0;X^t), eps={eps}")
        ax.plot(x, curves[eps][0], style, label=f"I(K^0;K^t), eps={eps}")
        ax.plot(x, curves[eps][1], style, alpha=0.6, label=f"I(maj^0;maj^t), eps={eps}")
    ax.axhline(h_maj, color="k", lw=0.8, ls=":", label=f"H(majority), eps={strong}")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0, linscale=2.0)  # linear on [0, 1] bit: the 1-bit plateau shows
    ax.set_ylim(0.0, 1.3 * float(max(states[strong][0], states[weak][0])))
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1, 2, 5, 10, 20], ["0", "0.25", "0.5", "0.75", "1", "2", "5", "10", "20"])
    ax.set(xlabel="Gibbs steps t (0 drawn at 0.5)", ylabel="bits (linear below 1, log above)",
           title=f"Naive Bayes, N = {N}: strong vs weak redundancy")
    ax.legend(fontsize=7)
    return ctx.save_figure(fig, "resampling_naive_bayes.png")


def _ising(ctx, claims, md):
    from capacity.experiments.ising import T_CRITICAL, ising_magnetization
    from capacity.mi import plugin_mi

    kw = {} if ctx.device == "cpu" else {"backend": "torch", "device": ctx.device}
    L = 8 if ctx.quick else 16
    R = 200 if ctx.quick else 600
    times = [0, 1, 3, 10, 30, 100] if ctx.quick else [0, 1, 3, 10, 30, 100, 300, 1000]
    temps = (1.5, T_CRITICAL, 4.0)
    curves, signs = {}, {}
    for T in temps:
        m = np.sign(ising_magnetization(L, T, times, R, seed=ctx.seed, burn_in=100 if ctx.quick else 200, **kw))
        signs[T] = m
        curves[T] = [plugin_mi(m[:, 0], m[:, j], n_boot=100, seed=ctx.seed) for j in range(len(times))]
    # the sharper form of "the sign is conserved": no replica's sign changes at T = 1.5
    flips = int(np.count_nonzero(signs[1.5][:, -1] != signs[1.5][:, 0]))
    claims.append(Claim(f"Ising {L}x{L}, T = 1.5 < T_c: sign M^t = sign M^0 for every replica after {times[-1]} "
                        "sweeps", f"0 of {R} changed", f"{flips} of {R} changed", flips == 0,
                        f"exact count: a change of sign must pass through two interfaces spanning the torus "
                        f"({2 * L} broken bonds; free-energy barrier 2 sigma(T) L, sigma(1.5) = 1.19 J by Onsager)"))
    below0, below, above = curves[1.5][0], curves[1.5][-1], curves[4.0][-1]
    # below T_c the sign is conserved over these times (crossing needs an interface of energy ~ 2L): the
    # information at t_max equals the information at t = 0 within the sampling error of the two estimates
    se = math.hypot(below0.stderr, below.stderr)
    claims.append(Claim(f"Ising {L}x{L}, T = 1.5 < T_c: I(sign M^0; sign M^t) after {times[-1]} sweeps = its value "
                        "at t = 0 (the sign is conserved)", f"{below0.value:.4f}", f"{below.value:.4f} +- "
                        f"{below.stderr:.4f}", abs(below.value - below0.value) <= 4 * se + 1e-12,
                        "4 SE of the difference (bootstrap SEs added in quadrature)"))
    ok = abs(above.value) <= 4 * above.stderr
    claims.append(Claim(f"Ising {L}x{L}, T = 4.0 > T_c: I(sign M^0; sign M^t) after {times[-1]} sweeps",
                        "0", f"{above.value:.4f} +- {above.stderr:.4f}", ok,
                        "|I| <= 4 SE (bootstrap SE; Miller-Madow removes the first-order bias, the rest is "
                        "O(1/R^2))"))
    md.append(f"2D Ising model on a {L}x{L} torus (J = 1, no field), heat-bath checkerboard sweeps, {R} replicas "
              "started in a random pure phase and burnt in; t counts sweeps after burn-in. T_c = "
              f"2/ln(1+sqrt 2) = {T_CRITICAL:.6f}. The statistic is sign M with M the magnetisation: "
              f"L^2 = {L * L} is even, so M = 0 occurs and sign M takes three values (-1, 0, +1); near and "
              "above T_c, M = 0 is frequent and I(sign M^0; sign M^0) = H(sign M) exceeds 1 bit "
              "(the T = 4.0, t = 0 entry). Information is the Miller-Madow plug-in estimate with a "
              "bootstrap SE over replicas (+- 1 SE in the table). Miller-Madow adds its first-order bias "
              "correction and is never clipped at 0, so for independent signs (T = 4.0, large t) it "
              "scatters around 0 and small negative values occur; they are 0 within their SE.")
    rows = [[f"{T:.3f}"] + [f"{e.value:.3f} +- {e.stderr:.3f}" for e in curves[T]] for T in temps]
    md.append(markdown_table(["T (J/k_B)"] + [f"t={t} (bits)" for t in times], rows))
    fig, ax = pyplot().subplots(figsize=(6.5, 4.2))
    x = np.maximum(np.array(times, dtype=float), 0.5)
    for T in temps:
        v, se = (np.array([getattr(e, key) for e in curves[T]]) for key in ("value", "stderr"))
        label = f"T = {T:.3f}" + (" (T_c)" if T == T_CRITICAL else " < T_c" if T < T_CRITICAL else " > T_c")
        ax.errorbar(x, v, yerr=se, marker="o", ms=3, capsize=2, label=label)
    ax.set_xscale("log")
    ax.set(xlabel="sweeps t (0 drawn at 0.5)", ylabel="I(sign M^0; sign M^t) (bits)",
           title=f"2D Ising {L}x{L}: the sign survives below T_c (error bars: 1 SE)")
    ax.legend(fontsize=8)
    return ctx.save_figure(fig, "resampling_ising.png")


def _telephone(ctx, claims, md):
    from capacity.experiments.telephone import conserved_quantities, telephone_mi

    # states x = (a, b, c) as bits: a flips every step (conserved, alternating), b is flipped with
    # probability 0.1, c is redrawn uniformly; a.T, b.T are the bits of the next state
    a, b = (np.arange(8) & 1)[:, None], ((np.arange(8) >> 1) & 1)[:, None]
    M = np.where(a.T == 1 - a, np.where(b.T == b, 0.9, 0.1) * 0.5, 0.0)
    t_max = 200
    mi = telephone_mi(M, t_max)
    cq = conserved_quantities(M)
    worst = float(np.diff(mi).max())
    claims.append(Claim("Telephone chain: I(X_0; X_t) nonincreasing", "<= 1e-12", f"max increase {worst:.1e}",
                        worst <= 1e-12, "data processing"))
    claims.append(close_claim("Telephone chain: conserved quantity (alternating bit) carries H(f_0(X_0)) = 1 bit", 1.0,
                              cq.information, atol=1e-12, fmt=".12f", why="float64 rounding"))
    # b's memory decays as 0.8^t (kept minus flipped): its contribution at t is O(0.8^(2t)) bits
    claims.append(close_claim(f"Telephone chain: I(X_0; X_{t_max}) -> information of the conserved quantity",
                              cq.limit_information, float(mi[-1]), atol=1e-9, fmt=".12f",
                              why=f"b's correlation 0.8^{t_max} is far below it"))
    md.append("Telephone chain on 3 bits (a, b, c), uniform start: a flips at every step, b is kept with "
              "probability 0.9 and flipped with probability 0.1, c is redrawn uniformly."
              f" conserved_quantities finds {cq.n_blocks} blocks (f_t = a xor t mod 2, "
              f"period {cq.period}) carrying {cq.information:.6f} bit; I(X_0; X_t) = "
              f"{mi[[0, 1, 5, 20]].round(6).tolist()} at t = 0, 1, 5, 20 converges to it.")
    fig, ax = pyplot().subplots(figsize=(6.5, 4.0))
    ax.plot(np.arange(t_max + 1)[:60], mi[:60], marker=".", label="I(X_0; X_t)")
    ax.axhline(cq.limit_information, color="k", ls=":", label="information of the conserved quantity")
    ax.set(xlabel="steps t", ylabel="I(X_0; X_t) (bits)",
           title="Telephone theorem: convergence to the conserved information")
    ax.legend(fontsize=8)
    return ctx.save_figure(fig, "resampling_telephone.png")


def run(ctx) -> Section:
    claims, md = [], []
    figs = [_naive_bayes(ctx, claims, md), _ising(ctx, claims, md), _telephone(ctx, claims, md)]
    return Section(title=TITLE, claims=claims, markdown="\n\n".join(md), figures=figs)
