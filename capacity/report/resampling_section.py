"""Report section: resampling and redundant information (natural abstractions), Telephone chains."""
from __future__ import annotations

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
    claims.append(Claim(f"strong redundancy (N={N}, eps={strong}): I(X^0;X^t) (exact, orbit chain) within 1e-3 "
                        "bit of H(majority) for t in [20N, 200N]", f"{h_maj:.6f}", f"max |diff| = {dev_state:.2e}",
                        dev_state <= 1e-3, "1e-3 bit"))
    claims.append(Claim(f"strong redundancy (N={N}, eps={strong}): I(K^0;K^t) within 1e-3 bit of H(majority) "
                        f"for t in [20N, 200N]", f"{h_maj:.6f}", f"max |diff| = {dev:.2e}", dev <= 1e-3, "1e-3 bit"))
    t_weak = 10 * N
    i_weak = float(naive_bayes_mi(N, weak, [t_weak])[0])
    claims.append(Claim(f"weak redundancy (N={N}, eps={weak}): I(K^0;K^t) at t = 10N", "< 0.01 bit",
                        f"{i_weak:.2e}", i_weak < 0.01, "below 0.01 bit"))
    # the count is the abstraction: full-state and lumped chains agree once every variable was resampled
    n_full = 8 if ctx.quick else 12
    tt = [0, n_full, 10 * n_full, 40 * n_full]
    full = naive_bayes_mi(n_full, 0.2, tt, state_space="full")
    full_k = naive_bayes_mi(n_full, 0.2, tt, state_space="full", observe="count")
    lump = naive_bayes_mi(n_full, 0.2, tt)
    claims.append(close_claim(f"N={n_full}: I(K^0;K^t) full 2^N chain = lumped chain (t = 10N)",
                              float(full_k[2]), float(lump[2]), atol=1e-12, fmt=".15f"))
    claims.append(close_claim(f"N={n_full}: I(X^0;X^t) - I(K^0;K^t) at t = 40N (state info reduced to K)",
                              0.0, float(full[3] - full_k[3]), atol=1e-10, fmt=".2e"))
    md.append(f"Naive-Bayes model (N = {N}, random-scan Gibbs, one step = one resampled variable), exact "
              "lumped chain on the count K, and I(X^0;X^t) of the state from the exact orbit-lumped chain "
              f"(H(X) = {states[strong][0]:.4f} bits at t = 0 for eps = {strong}). Strong redundancy keeps H(majority) for exp(Theta(N)) steps "
              "(the slowest relaxation time t_1); weak redundancy forgets quickly. The full 2^N chain at "
              f"N = {n_full}: I(X^0;X^t) = {full.round(6).tolist()} vs I(K^0;K^t) = {full_k.round(6).tolist()} "
              f"at t = {tt}.")
    md.append(markdown_table(["eps", "I(K^0;K^0) = H(K)", "H(majority)", "t_1 (steps)", "t_2 (steps)"], rows))
    fig, ax = pyplot().subplots(figsize=(6.5, 4.2))
    x = np.maximum(ts, 0.5)
    for eps, style in ((strong, "-"), (weak, "--")):
        ax.plot(np.maximum(ts_state, 0.5), states[eps], style, lw=2.5, alpha=0.35, label=f"I(X^0;X^t), eps={eps}")
        ax.plot(x, curves[eps][0], style, label=f"I(K^0;K^t), eps={eps}")
        ax.plot(x, curves[eps][1], style, alpha=0.6, label=f"I(maj^0;maj^t), eps={eps}")
    ax.axhline(h_maj, color="k", lw=0.8, ls=":", label="H(majority)")
    ax.set_xscale("log")
    ax.set_xlabel("Gibbs steps t (0 drawn at 0.5)")
    ax.set_ylabel("bits")
    ax.set_title(f"Naive Bayes, N = {N}: strong vs weak redundancy")
    ax.legend(fontsize=8)
    return ctx.save_figure(fig, "resampling_naive_bayes.png")


def _ising(ctx, claims, md):
    from capacity.experiments.ising import T_CRITICAL, ising_magnetization
    from capacity.mi import plugin_mi

    kw = {} if ctx.device == "cpu" else {"backend": "torch", "device": ctx.device}
    L = 8 if ctx.quick else 16
    R = 200 if ctx.quick else 600
    times = [0, 1, 3, 10, 30, 100] if ctx.quick else [0, 1, 3, 10, 30, 100, 300, 1000]
    temps = (1.5, T_CRITICAL, 4.0)
    curves = {}
    for T in temps:
        m = np.sign(ising_magnetization(L, T, times, R, seed=ctx.seed, burn_in=100 if ctx.quick else 200, **kw))
        curves[T] = [plugin_mi(m[:, 0], m[:, j], n_boot=100, seed=ctx.seed) for j in range(len(times))]
    below, above = curves[1.5][-1], curves[4.0][-1]
    claims.append(Claim(f"Ising {L}x{L}, T = 1.5 < T_c: I(sign M^0; sign M^t) after {times[-1]} sweeps",
                        "> 0.9 bit", f"{below.value:.4f} +- {below.stderr:.4f}", below.value > 0.9, "> 0.9 bit"))
    ok = abs(above.value) <= 4 * above.stderr + 0.01
    claims.append(Claim(f"Ising {L}x{L}, T = 4.0 > T_c: I(sign M^0; sign M^t) after {times[-1]} sweeps",
                        "0", f"{above.value:.4f} +- {above.stderr:.4f}", ok, "|I| <= 4 SE + 0.01"))
    md.append(f"2D Ising model on a {L}x{L} torus, heat-bath checkerboard sweeps, {R} replicas started in a "
              "random pure phase and burnt in; Miller-Madow plug-in MI with bootstrap SE over replicas. "
              f"T_c = 2/ln(1+sqrt 2) = {T_CRITICAL:.6f}.")
    rows = [[f"{T:.3f}"] + [f"{e.value:.3f} +- {e.stderr:.3f}" for e in curves[T]] for T in temps]
    md.append(markdown_table(["T"] + [f"t={t}" for t in times], rows))
    fig, ax = pyplot().subplots(figsize=(6.5, 4.2))
    x = np.maximum(np.array(times, dtype=float), 0.5)
    for T in temps:
        v = np.array([e.value for e in curves[T]])
        se = np.array([e.stderr for e in curves[T]])
        label = f"T = {T:.3f}" + (" (T_c)" if T == T_CRITICAL else " < T_c" if T < T_CRITICAL else " > T_c")
        ax.errorbar(x, v, yerr=2 * se, marker="o", ms=3, capsize=2, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("sweeps t (0 drawn at 0.5)")
    ax.set_ylabel("I(sign M^0; sign M^t) (bits)")
    ax.set_title(f"2D Ising {L}x{L}: the sign survives below T_c")
    ax.legend(fontsize=8)
    return ctx.save_figure(fig, "resampling_ising.png")


def _telephone_chain():
    """States (a, b, c): a flips every step (conserved, alternating), b is a noisy copy, c is refreshed."""
    M = np.zeros((8, 8))
    for x in range(8):
        a, b = x & 1, (x >> 1) & 1
        for y in range(8):
            a2, b2 = y & 1, (y >> 1) & 1
            if a2 != 1 - a:
                continue
            M[x, y] = (0.9 if b2 == b else 0.1) * 0.5
    return M


def _telephone(ctx, claims, md):
    from capacity.experiments.telephone import conserved_quantities, telephone_mi

    M = _telephone_chain()
    t_max = 200
    mi = telephone_mi(M, t_max)
    cq = conserved_quantities(M)
    worst = float(np.diff(mi).max())
    claims.append(Claim("Telephone chain: I(X_0; X_t) nonincreasing", "<= 1e-12", f"max increase {worst:.1e}",
                        worst <= 1e-12, "data processing"))
    claims.append(close_claim("Telephone chain: conserved quantity (alternating bit) carries H(f_0(X_0))", 1.0,
                              cq.information, atol=1e-12, fmt=".12f"))
    claims.append(close_claim(f"Telephone chain: I(X_0; X_{t_max}) -> information of the conserved quantity",
                              cq.limit_information, float(mi[-1]), atol=1e-9, fmt=".12f"))
    md.append("Telephone chain on 3 bits (a, b, c): a flips at every step, b is copied with probability 0.9, "
              f"c is refreshed. conserved_quantities finds {cq.n_blocks} blocks (f_t = a xor t mod 2, "
              f"period {cq.period}) carrying {cq.information:.6f} bit; I(X_0; X_t) = "
              f"{mi[[0, 1, 5, 20]].round(6).tolist()} at t = 0, 1, 5, 20 converges to it.")
    fig, ax = pyplot().subplots(figsize=(6.5, 4.0))
    ax.plot(np.arange(t_max + 1)[:60], mi[:60], marker=".", label="I(X_0; X_t)")
    ax.axhline(cq.limit_information, color="k", ls=":", label="information of the conserved quantity")
    ax.set_xlabel("t")
    ax.set_ylabel("bits")
    ax.set_title("Telephone theorem: convergence to the conserved information")
    ax.legend(fontsize=8)
    return ctx.save_figure(fig, "resampling_telephone.png")


def run(ctx) -> Section:
    claims, md = [], []
    figs = [_naive_bayes(ctx, claims, md), _ising(ctx, claims, md), _telephone(ctx, claims, md)]
    return Section(title=TITLE, claims=claims, markdown="\n\n".join(md), figures=figs)
