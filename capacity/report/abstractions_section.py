"""Report section: abstractions of computations (minimal complete abstractions, exact and approximate).

Checks the lattice theorem against all set partitions of small state spaces, the "finish the
computation" abstraction, the sizes of minimal abstractions of the examples against closed forms
(counter periods, GF(2) ranks of linear automata, conserved counts), and draws one approximate
trade-off curve (the naive-Bayes Gibbs chain, from the count down to the majority). The model is
stated in :mod:`capacity.experiments.abstractions`.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._framework import Claim, Section, markdown_table, pyplot

TITLE = "Abstractions of computations: minimal complete abstractions, exact and approximate"


def _partitions(n):
    """All set partitions of range(n) as restricted growth strings (canonical labels)."""
    rows = [[0]]
    for _ in range(n - 1):
        rows = [r + [b] for r in rows for b in range(max(r) + 2)]
    return np.array(rows, dtype=np.int64)


def _least_complete(parts, tau, r0):
    """The least complete refinement of r0 in the lattice of all partitions, or None when the
    complete refinements of r0 have no least element (never, by the theorem)."""
    same = parts[:, :, None] == parts[:, None, :]
    nxt = parts[:, tau]
    complete = ~np.any(same & ~(nxt[:, :, None] == nxt[:, None, :]), axis=(1, 2))
    refine = ~np.any(same & ~(r0[:, None] == r0[None, :])[None], axis=(1, 2))
    cands = parts[complete & refine]
    sizes = cands.max(axis=1) + 1
    least = cands[sizes == sizes.min()]
    if len(least) != 1:
        return None
    rel = least[0][:, None] == least[0][None, :]
    for c in cands:
        if np.any((c[:, None] == c[None, :]) & ~rel):
            return None
    return least[0]


def _agreement(cases):
    """``(agreeing, checked)`` over ``cases`` of (all partitions of range(n), tau, R0): a case agrees
    when the least complete refinement of R0 exists and is the result of minimal_complete_abstraction."""
    from capacity.experiments.abstractions import Computation, minimal_complete_abstraction

    ok = []
    for parts, tau, r0 in cases:
        least = _least_complete(parts, tau, r0)
        got = minimal_complete_abstraction(Computation(tau), r0).labels
        ok.append(least is not None and np.array_equal(got, least))
    return sum(ok), len(ok)


def _theorem(ctx, claims, md):
    from capacity.experiments.abstractions import Computation, canonical, minimal_complete_abstraction

    rng = np.random.default_rng(ctx.seed)
    n_exhaustive = 3 if ctx.quick else 4
    parts = {n: _partitions(n) for n in range(1, 9 if ctx.quick else 11)}  # every size checked below
    every = ((n, np.array(tau)) for n in range(1, n_exhaustive + 1) for tau in itertools.product(range(n), repeat=n))
    agree, checked = _agreement((parts[n], tau, r0) for n, tau in every for r0 in parts[n])  # every R0 too
    claims.append(Claim(f"every computation with |M| <= {n_exhaustive} (all functions, all R0): the lattice "
                        "of complete refinements of R0 has a least element, and it is the refinement's result",
                        f"{checked} of {checked}", f"{agree} of {checked}", agree == checked, "exact"))
    per_n = 4 if ctx.quick else 12
    sizes = range(n_exhaustive + 1, 9 if ctx.quick else 11)
    agree, checked = _agreement((parts[n], rng.integers(0, n, n), rng.integers(0, 2 + (n > 6), n))  # tau, then R0
                                for n in sizes for _ in range(per_n if n < 10 else 3))
    claims.append(Claim(f"random computations, |M| = {sizes.start}..{sizes.stop - 1} (all Bell(|M|) partitions "
                        "searched): least complete refinement of R0 = refinement's result", f"{checked} of {checked}",
                        f"{agree} of {checked}", agree == checked, "exact"))
    # the "finish the computation" abstraction
    from capacity.experiments.abstractions import meet, output_abstraction

    checked, agree_out, agree_time = 0, 0, 0
    for n in range(2, 11):
        parts = _partitions(n) if n <= (8 if ctx.quick else 10) else None
        for _ in range(3):
            tau = rng.integers(0, n, n)
            halted = rng.random(n) < 0.3
            halted[rng.integers(n)] = True
            c = Computation(tau, halted=halted, outputs=rng.integers(0, 2, n))
            finish = output_abstraction(c)
            ok = np.array_equal(minimal_complete_abstraction(c, finish).labels, finish)
            if parts is not None:
                least = _least_complete(parts, c.transition, finish)
                ok &= least is not None and np.array_equal(least, finish)
            agree_out += ok
            # observing "halted with output o" only: the minimal abstraction also knows the steps left
            steps = np.zeros(n, np.int64)
            for a in range(n):
                b, t = a, 0
                while not halted[b] and t <= n:
                    b, t = c.transition[b], t + 1
                steps[a] = t if halted[b] else -1
            r0 = np.where(halted, c.outputs, -1)
            agree_time += np.array_equal(minimal_complete_abstraction(c, r0).labels, canonical(meet(finish, steps)))
            checked += 1
    claims.append(Claim(f"R0 = the output after finishing (|M| = 2..10, {checked} random halting computations): the "
                        "finish abstraction is the least complete one (brute force where |M| allows)",
                        f"{checked} of {checked}", f"{agree_out} of {checked}", agree_out == checked, "exact"))
    claims.append(Claim("R0 = (halted, output) observed now: minimal complete abstraction = finish abstraction "
                        "meet steps-to-halt", f"{checked} of {checked}", f"{agree_time} of {checked}",
                        agree_time == checked, "exact"))
    md.append("The theorem (the complete abstractions refining R0 form a complete lattice with a least "
              "element, computed here by partition refinement) is checked against every set partition of "
              f"the state space: exhaustively over all functions and all R0 for |M| <= {n_exhaustive}, on random "
              f"computations up to |M| = {sizes.stop - 1} ({len(_partitions(sizes.stop - 1))} partitions). "
              "When R0 is the output of the "
              "finished computation, the finish abstraction is already complete and is the minimal one; "
              "when only the output of a halted state is observed, the minimal abstraction must also know how "
              "many steps remain.")


def _gf2_rank(rows):
    """Rank over GF(2) of 0/1 vectors, by elimination on their integer encodings."""
    rows = [int("".join(str(int(v)) for v in r[::-1]), 2) for r in rows]
    rank = 0
    while True:
        rows = [r for r in rows if r]
        if not rows:
            return rank
        pivot = max(rows)
        top = pivot.bit_length() - 1
        rank += 1
        rows = [r ^ pivot if r >> top & 1 else r for r in rows]


def _examples(ctx, claims, md):
    from capacity.experiments.abstractions import (
        canonical, cellular_automaton_computation, circuit_computation, counter_computation, is_complete,
        minimal_complete_abstraction, naive_bayes_gibbs_computation, output_abstraction, ripple_adder_gates)

    rows = []
    nb = 8 if ctx.quick else 12
    c = counter_computation(nb)
    x = np.arange(2**nb)
    for bit in (0, nb // 2, nb - 1):
        k = minimal_complete_abstraction(c, (x >> bit) & 1).n_blocks
        rows.append([f"{nb}-bit counter x -> x+1", f"bit {bit}", 2**nb, k, f"2^(bit+1) = {2 ** (bit + 1)}"])
        claims.append(Claim(f"{nb}-bit counter, R0 = bit {bit}: minimal complete abstraction = x mod 2^(bit+1)",
                            str(2 ** (bit + 1)), str(k), k == 2 ** (bit + 1), "exact"))
    width = 10 if ctx.quick else 14
    for rule in (90, 150):
        ca = cellular_automaton_computation(rule, width)
        A = np.zeros((width, width), dtype=np.int64)
        for i in range(width):
            A[i, (i - 1) % width] ^= 1
            A[i, (i + 1) % width] ^= 1
            A[i, i] ^= rule == 150
        v, span = np.eye(width, dtype=np.int64)[0], []
        for _ in range(width):
            span.append(v)
            v = v @ A % 2
        expected = 2 ** _gf2_rank(span)
        k = minimal_complete_abstraction(ca, np.arange(2**width) & 1).n_blocks
        rows.append([f"rule {rule}, ring of {width}", "cell 0", 2**width, k, f"2^rank(e_0 A^t) = {expected}"])
        claims.append(Claim(f"rule {rule} ring of {width}, R0 = cell 0: 2^(GF(2) rank of the pulled-back "
                            "functionals)", str(expected), str(k), k == expected, "exact"))
    ca = cellular_automaton_computation(184, width)
    k = minimal_complete_abstraction(ca, ca.outputs).n_blocks
    rows.append([f"rule 184, ring of {width}", "number of ones", 2**width, k, f"conserved: {width + 1}"])
    claims.append(Claim(f"rule 184 ring of {width}: the number of ones is conserved, hence complete",
                        f"complete, {width + 1} blocks", f"complete={is_complete(ca, ca.outputs)}, {k} blocks",
                        is_complete(ca, ca.outputs) and k == width + 1, "exact"))
    k_cell = minimal_complete_abstraction(ca, np.arange(2**width) & 1).n_blocks
    rows.append([f"rule 184, ring of {width}", "cell 0", 2**width, k_cell, "-"])
    for n_bits in (1, 2):
        gates, outs = ripple_adder_gates(n_bits)
        cc = circuit_computation(2 * n_bits, gates, outs)
        r0 = np.where(cc.halted, cc.outputs, -1)
        k = minimal_complete_abstraction(cc, r0).n_blocks
        k_fin = int(output_abstraction(cc).max()) + 1
        rows.append([f"{n_bits}-bit ripple adder, {len(gates)} gates", "output once halted", cc.n_states, k,
                     f"finish abstraction: {k_fin} blocks"])
        carry = circuit_computation(2 * n_bits, gates, outs[-1:])  # one output bit: the carry out
        k_carry = minimal_complete_abstraction(carry, np.where(carry.halted, carry.outputs, -1)).n_blocks
        rows.append([f"{n_bits}-bit ripple adder, {len(gates)} gates", "carry-out bit once halted",
                     carry.n_states, k_carry, f"(bit, steps left): 2 (gates + 1) = {2 * (len(gates) + 1)}"])
        claims.append(Claim(f"{n_bits}-bit ripple adder, R0 = carry-out bit once halted: minimal complete "
                            "abstraction = (final bit, steps left)", str(2 * (len(gates) + 1)), str(k_carry),
                            k_carry == 2 * (len(gates) + 1), "exact"))
    N = 9 if ctx.quick else 12
    g = naive_bayes_gibbs_computation(N, 0.2)
    majority = (2 * g.outputs > N).astype(np.int64)
    res = minimal_complete_abstraction(g, majority)
    same = np.array_equal(res.labels, canonical(g.outputs))
    rows.append([f"naive-Bayes Gibbs, N = {N}, eps = 0.2", "majority", 2**N, res.n_blocks, "the count K: N + 1"])
    claims.append(Claim(f"naive-Bayes Gibbs chain N = {N}: the majority is not lumpable; its minimal lumpable "
                        "refinement is the count K", f"not complete; K ({N + 1} blocks)",
                        f"complete={is_complete(g, majority)}; {res.n_blocks} blocks, = K: {same}; "
                        f"defect {res.defect:.1e}", (not is_complete(g, majority)) and same and res.defect <= 1e-12,
                        "exact partition; defect <= 1e-12"))
    md.append("Sizes of minimal complete abstractions (number of abstract states) for the examples, with the "
              "closed form where one exists. A circuit's memory is every (step, wire values) pair, reachable "
              "or not, so its minimal abstraction for the output also separates the steps left and stored "
              "wires that no input produces:")
    md.append(markdown_table(["computation", "R0", "|M| (states)", "minimal complete (abstract states)",
                              "closed form / note"], rows))


def _tradeoff(ctx, claims, md):
    from capacity.experiments.abstractions import abstraction_tradeoff, naive_bayes_gibbs_computation

    N = 9 if ctx.quick else 13
    fig, (ax, ax2) = pyplot().subplots(1, 2, figsize=(10, 4.2))
    rows = []
    for eps, style in ((0.1, "o-"), (0.3, "s--")):
        g = naive_bayes_gibbs_computation(N, eps)
        k = g.outputs
        log_a = k * np.log(eps) + (N - k) * np.log1p(-eps)
        log_b = (N - k) * np.log(eps) + k * np.log1p(-eps)
        pi = np.exp(np.logaddexp(log_a, log_b) - np.log(2))
        pi /= pi.sum()
        majority = (2 * k > N).astype(np.int64)
        curve = abstraction_tradeoff(g, majority, p=pi)
        claims.append(Claim(f"trade-off curve (naive Bayes N = {N}, eps = {eps}, X_t ~ stationary): error 0 at the "
                            "minimal complete abstraction (the count)", "0", f"{curve.error_bits[0]:.1e}",
                            abs(curve.error_bits[0]) <= 1e-12, "|error| <= 1e-12 (float sums)"))
        claims.append(Claim(f"trade-off curve (eps = {eps}): ends at R0 = majority with 2 blocks, error > 0",
                            "2 blocks, > 0", f"{curve.n_blocks[-1]} blocks, {curve.error_bits[-1]:.4f} bit",
                            curve.n_blocks[-1] == 2 and curve.error_bits[-1] > 0, "exact / > 0"))
        ax.plot(curve.n_blocks, curve.error_bits, style, label=f"eps = {eps}")
        ax2.plot(curve.entropy_bits, curve.error_bits, style, label=f"eps = {eps}")
        rows.append([eps] + [f"{e:.4f}" for e in curve.error_bits])
        header = ["eps (flip probability)"] + [f"{b} blocks (bits)" for b in curve.n_blocks]
    ax.set_xlabel("abstract states (count -> greedy merges -> majority)")
    ax.set_ylabel(r"completeness error $I(X_t; R_{t+1} \mid R_t)$ (bits)")
    ax.set_title(f"Naive-Bayes Gibbs, N = {N}: size vs error")
    ax.invert_xaxis()
    ax.legend(fontsize=8)
    ax2.set(xlabel=r"$H(R(X_t))$ (bits)", ylabel="completeness error (bits)", title="information kept vs error")
    ax2.invert_xaxis()
    ax2.legend(fontsize=8)
    md.append(f"Approximate abstractions of the naive-Bayes Gibbs chain (N = {N}, X_t stationary): starting from "
              "the count (complete), the greedy curve merges the pair of blocks inside one majority class that "
              "loses the least information I(X_t; R(X_{t+1}) | R(X_t)) about the next abstract state, down to "
              "the majority itself. The greedy curve need not be monotone: with strong redundancy "
              "(eps = 0.1) the majority itself is nearly complete while some intermediate groupings are "
              "not. Completeness error in bits:")
    md.append(markdown_table(header, rows))
    return ctx.save_figure(fig, "abstractions_tradeoff.png")


def run(ctx) -> Section:
    claims, md = [], []
    _theorem(ctx, claims, md)
    _examples(ctx, claims, md)
    figs = [_tradeoff(ctx, claims, md)]
    return Section(title=TITLE, claims=claims, markdown="\n\n".join(md), figures=figs)
