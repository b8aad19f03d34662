"""Tests of capacity.experiments.abstractions: the lattice of abstractions, minimal complete
abstractions (deterministic and lumpable), the approximate trade-off curve and the examples.

References are independent: all set partitions of small state spaces (restricted growth strings),
relations as boolean n x n matrices, trajectories simulated step by step, GF(2) ranks and
closed forms.
"""
import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from capacity.experiments import _abstractions_numba as kernels
from capacity.experiments.abstractions import (
    Computation, abstraction_tradeoff, canonical, cellular_automaton_computation, circuit_computation,
    counter_computation, is_complete, join, meet, minimal_complete_abstraction, naive_bayes_gibbs_computation,
    output_abstraction, pullback, refines, ripple_adder_gates)


# ----------------------------------------------------------------------------- references
def all_partitions(n):
    """Every set partition of range(n) as a restricted growth string (Bell(n) rows)."""
    rows = [[0]]
    for _ in range(n - 1):
        rows = [r + [b] for r in rows for b in range(max(r) + 2)]
    return np.array(rows, dtype=np.int64)


def relation(labels):
    labels = np.asarray(labels)
    return labels[:, None] == labels[None, :]


def complete_mask(parts, tau):
    """Which partitions (rows) are complete for the function tau, from the definition."""
    same = parts[:, :, None] == parts[:, None, :]
    same_next = parts[:, tau][:, :, None] == parts[:, tau][:, None, :]
    return ~np.any(same & ~same_next, axis=(1, 2))


def refines_mask(parts, r0):
    """Which partitions refine r0: related states share r0's label."""
    same = parts[:, :, None] == parts[:, None, :]
    return ~np.any(same & ~relation(r0)[None], axis=(1, 2))


def lumpable(P, labels):
    """Strong lumpability from the definition (exact: the test matrices hold dyadic rationals)."""
    labels = np.asarray(labels)
    Q = P @ (labels[:, None] == np.arange(labels.max() + 1)[None, :])
    return all(np.array_equal(Q[a], Q[b]) for a in range(len(labels)) for b in range(len(labels))
               if labels[a] == labels[b])


def brute_least_complete(parts, ok):
    """The unique coarsest partition among ``parts[ok]``, checked to be refined by all the others."""
    cands = parts[ok]
    sizes = cands.max(axis=1) + 1
    coarsest = cands[sizes == sizes.min()]
    assert len(coarsest) == 1  # a least element exists: unique
    least = coarsest[0]
    rel = relation(least)
    for c in cands:  # every complete refinement of R0 refines it
        assert not np.any(relation(c) & ~rel)
    return least


def iterate_until_stable(tau, r0):
    """Plain refinement R <- R meet tau*R with numpy until the number of blocks stops changing."""
    lab = np.unique(r0, return_inverse=True)[1].reshape(-1)
    while True:
        new = np.unique(lab * (lab.max() + 1) + lab[tau], return_inverse=True)[1].reshape(-1)
        if new.max() == lab.max():
            return canonical(new)
        lab = new


def dyadic_lumpable_matrix(rng, n, k):
    """A random n x n stochastic matrix with entries in (1/8)Z, lumpable for a random k-block
    partition (each block's rows share the block sums) plus random non-lumpable noise rows."""
    part = rng.integers(0, k, n)
    part[:k] = np.arange(k)
    P = np.zeros((n, n))
    for b in range(k):
        sums = rng.multinomial(8, np.ones(k) / k)  # P(x, block c) * 8, shared by the rows of block b
        for x in np.flatnonzero(part == b):
            for c in range(k):
                members = np.flatnonzero(part == c)
                P[x, members] += rng.multinomial(sums[c], np.ones(len(members)) / len(members)) / 8
    return P, part


def random_function(rng, n):
    return rng.integers(0, n, n)


# ----------------------------------------------------------------------------- the lattice
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_meet_join_refines_against_relations(rng, n):
    for _ in range(20):
        a, b = rng.integers(0, 3, n), rng.integers(0, 4, n) * 7 - 2
        ra, rb = relation(a), relation(b)
        assert np.array_equal(relation(meet(a, b)), ra & rb)
        # join: the transitive closure of ra | rb
        closure = ra | rb
        for _ in range(n):
            closure = (closure.astype(int) @ closure.astype(int)) > 0
        assert np.array_equal(relation(join(a, b)), closure)
        assert refines(a, b) == (not np.any(ra & ~rb))
        assert refines(meet(a, b), a) and refines(a, join(a, b))


def test_canonical_and_meet_of_three():
    assert canonical([5, -1, 5, 2]).tolist() == [0, 1, 0, 2]
    assert meet([0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1]).tolist() == [0, 1, 2, 3]
    assert meet([3, 3, 4]).tolist() == [0, 0, 1]


def test_pullback_definition(rng):
    tau = random_function(rng, 12)
    r = rng.integers(0, 3, 12)
    c = Computation(tau)
    assert np.array_equal(relation(pullback(c, r)), relation(r[tau]))
    assert is_complete(c, r) == refines(r, pullback(c, r))


# ----------------------------------------------------------------------------- minimal complete
@pytest.mark.parametrize("n", range(1, 9))
def test_minimal_equals_brute_force_lattice(rng, n):
    parts = all_partitions(n)
    for _ in range(6):
        tau = random_function(rng, n)
        r0 = rng.integers(0, 2, n)
        ok = complete_mask(parts, tau) & refines_mask(parts, r0)
        least = brute_least_complete(parts, ok)
        got = minimal_complete_abstraction(Computation(tau), r0)
        assert np.array_equal(got.labels, least)  # both canonical (restricted growth strings)
        assert got.n_blocks == least.max() + 1 and got.defect == 0.0


def test_minimal_equals_brute_force_lattice_n10(rng):
    parts = all_partitions(10)  # Bell(10) = 115975
    assert len(parts) == 115975
    for _ in range(2):
        tau = random_function(rng, 10)
        r0 = rng.integers(0, 3, 10)
        ok = complete_mask(parts, tau) & refines_mask(parts, r0)
        assert np.array_equal(minimal_complete_abstraction(Computation(tau), r0).labels,
                              brute_least_complete(parts, ok))


@pytest.mark.parametrize("n", range(1, 7))
def test_lumpable_minimal_equals_brute_force(rng, n):
    parts = all_partitions(n)
    for _ in range(4):
        P, _ = dyadic_lumpable_matrix(rng, n, max(1, n // 2))
        r0 = rng.integers(0, 2, n)
        ok = np.array([lumpable(P, p) for p in parts]) & refines_mask(parts, r0)
        least = brute_least_complete(parts, ok)
        got = minimal_complete_abstraction(Computation(P), r0)
        assert np.array_equal(got.labels, least)
        assert got.defect == 0.0  # dyadic entries: block sums are exact


@pytest.mark.parametrize("kind", ["random", "permutation", "many_labels", "chain"])
def test_forest_hopcroft_and_numpy_iteration_agree(rng, kind):
    n = 3000
    tau = {"random": random_function(rng, n), "permutation": rng.permutation(n),
           "many_labels": random_function(rng, n), "chain": np.minimum(np.arange(n) + 1, n - 1)}[kind]
    n_labels = 40 if kind == "many_labels" else 2  # > 8 labels takes the hash-table path
    r0 = rng.integers(0, n_labels, n)
    if kind == "chain":
        r0 = (np.arange(n) == n - 1).astype(int)  # only the end is marked: n blocks
    ref = iterate_until_stable(tau, r0)
    dense = canonical(r0)
    k0 = int(dense.max()) + 1
    forest = kernels.refine_function_forest(tau.astype(np.int32), dense.astype(np.int32), k0)
    hop = kernels.refine_function(tau.astype(np.int32), dense.astype(np.int32), k0)
    assert np.array_equal(forest[0], ref) and np.array_equal(hop[0], ref)
    assert forest[1] == hop[1] == ref.max() + 1
    if kind == "chain":
        assert ref.max() + 1 == n


def test_result_is_complete_refines_r0_and_is_minimal(rng):
    n = 60
    tau = random_function(rng, n)
    r0 = rng.integers(0, 2, n)
    c = Computation(tau)
    res = minimal_complete_abstraction(c, r0)
    lab = res.labels
    assert is_complete(c, lab) and refines(lab, r0)
    for i, j in itertools.combinations(range(res.n_blocks), 2):  # merging any two blocks breaks it
        merged = np.where(lab == j, i, lab)
        assert not (is_complete(c, merged) and refines(merged, r0))


def test_invariant_under_relabelling_states_and_labels(rng):
    n = 400
    tau = random_function(rng, n)
    r0 = rng.integers(0, 3, n)
    base = minimal_complete_abstraction(Computation(tau), r0).labels
    sigma = rng.permutation(n)  # new name of state a is sigma[a]
    inv = np.argsort(sigma)
    tau2 = sigma[tau[inv]]
    r02 = (r0 * 11 - 5)[inv]
    moved = minimal_complete_abstraction(Computation(tau2), r02).labels
    assert np.array_equal(canonical(moved[sigma]), base)


def test_lumpable_invariant_under_relabelling(rng):
    P, _ = dyadic_lumpable_matrix(rng, 40, 5)
    r0 = rng.integers(0, 2, 40)
    base = minimal_complete_abstraction(Computation(P), r0).labels
    sigma = rng.permutation(40)
    inv = np.argsort(sigma)
    P2 = P[np.ix_(inv, inv)]
    moved = minimal_complete_abstraction(Computation(sp.csr_array(P2)), r0[inv]).labels
    assert np.array_equal(canonical(moved[sigma]), base)


def test_lumpable_tolerance_on_float_rows():
    # P(0, A) = 0.1 + 0.2 = 0.30000000000000004 and P(1, A) = 0.3: equal in exact arithmetic
    P = np.array([[0.1, 0.2, 0.7, 0.0, 0.0],
                  [0.3, 0.0, 0.0, 0.7, 0.0],
                  [0.0, 0.0, 0.5, 0.5, 0.0],
                  [0.0, 0.0, 0.0, 0.5, 0.5],
                  [0.0, 0.0, 0.5, 0.0, 0.5]])
    r0 = [0, 0, 1, 1, 1]
    res = minimal_complete_abstraction(Computation(P), r0)
    assert res.labels.tolist() == [0, 0, 1, 1, 1] and lumpable(np.round(P * 10), res.labels)
    assert 0 < res.defect <= 1e-16  # the certificate shows the merged rounding difference, 5.6e-17
    assert is_complete(Computation(P), r0) and not is_complete(Computation(P), r0, atol=0.0)
    strict = minimal_complete_abstraction(Computation(P), r0, atol=0.0)
    assert strict.labels[0] != strict.labels[1]  # with atol = 0 the rounding difference separates them


def test_lumpable_checks_every_block_not_the_row_sums():
    # row 1 sums to 1 - 5e-10 (accepted: within the 1e-9 row-sum tolerance); its mass into the
    # largest block B differs from row 0's, which an implied "1 - the rest" would miss
    d = 5e-10
    P = np.array([[0.5, 0.0, 0.5, 0.0, 0.0],
                  [0.0, 0.5, 0.0, 0.5 - d, 0.0],
                  [0.0, 0.0, 1.0, 0.0, 0.0],
                  [0.0, 0.0, 0.0, 1.0, 0.0],
                  [0.0, 0.0, 0.0, 0.0, 1.0]])
    res = minimal_complete_abstraction(Computation(P), [0, 0, 1, 1, 1])
    assert res.labels[0] != res.labels[1]
    assert res.defect <= 1e-12  # nothing merged beyond atol
    loose = minimal_complete_abstraction(Computation(P), [0, 0, 1, 1, 1], atol=1e-9)
    assert loose.labels.tolist() == [0, 0, 1, 1, 1] and loose.defect == pytest.approx(d, rel=1e-6, abs=0)


def test_naive_bayes_majority_is_not_complete_and_the_count_is_minimal():
    N = 7
    c = naive_bayes_gibbs_computation(N, 0.2)
    count = c.outputs
    majority = (2 * count > N).astype(int)
    assert is_complete(c, count) and not is_complete(c, majority)
    res = minimal_complete_abstraction(c, majority)
    assert np.array_equal(res.labels, canonical(count))  # the count, no coarser
    assert res.defect <= 1e-15  # sums of N + 1 terms of size <= 1, relative rounding 1e-16
    # and the row sums of the built chain are 1 (it is a valid stochastic matrix)
    assert np.max(np.abs(c.transition.sum(axis=1) - 1)) <= 1e-15


def test_telephone_conserved_quantity_is_a_complete_abstraction(rng):
    # two closed classes, one of period 2: the Telephone module's conserved quantity f_0 is
    # lumpable, its lumped chain is deterministic, and it is its own minimal complete abstraction
    from capacity.experiments.telephone import conserved_quantities

    P = np.zeros((7, 7))
    P[np.ix_([0, 1, 2], [0, 1, 2])] = rng.dirichlet(np.ones(3), size=3)
    P[np.ix_([3, 4], [5, 6])] = rng.dirichlet(np.ones(2), size=2)  # period 2: {3, 4} <-> {5, 6}
    P[np.ix_([5, 6], [3, 4])] = rng.dirichlet(np.ones(2), size=2)
    f0 = conserved_quantities(P).labels[0]
    assert (f0 >= 0).all() and f0.max() + 1 == 3
    c = Computation(P)
    assert is_complete(c, f0)
    res = minimal_complete_abstraction(c, f0)
    assert np.array_equal(res.labels, canonical(f0)) and res.defect <= 1e-15  # sums of <= 3 terms
    Q = P @ (f0[:, None] == np.arange(3)[None, :])
    assert np.array_equal(np.sort(Q, axis=1)[:, -1] > 1 - 1e-15, np.ones(7, bool))  # moves to one block


# ----------------------------------------------------------------------------- halting
def simulate(tau, halted, outputs, a):
    """Run from a until halted (at most n steps): (final output or None, steps)."""
    for t in range(len(tau) + 1):
        if halted[a]:
            return outputs[a], t
        a = tau[a]
    return None, -1


def test_output_abstraction_and_the_finish_theorem(rng):
    n = 300
    tau = random_function(rng, n)
    halted = rng.random(n) < 0.1
    outputs = rng.integers(0, 3, n)
    c = Computation(tau, halted=halted, outputs=outputs)
    sims = [simulate(c.transition, halted, outputs, a) for a in range(n)]
    finish = output_abstraction(c)
    key = [s[0] if s[0] is not None else -1 for s in sims]
    assert np.array_equal(relation(finish), relation(key))
    # R0 depends only on the output: the finish abstraction is its own minimal complete abstraction
    assert np.array_equal(minimal_complete_abstraction(c, finish).labels, finish)
    # observing "halted with output o": the minimal complete abstraction also knows the time left
    r0 = np.where(halted, outputs, -1)
    steps = [s[1] for s in sims]
    never = [s[0] is None for s in sims]
    got = minimal_complete_abstraction(c, r0).labels
    halting = ~np.array(never)
    sub = meet(key, steps)[halting]
    assert np.array_equal(relation(got[halting]), relation(sub))


def test_halted_states_are_fixed_points():
    c = Computation([1, 2, 0], halted=[False, True, False])
    assert c.transition.tolist() == [1, 1, 0]


# ----------------------------------------------------------------------------- examples
@pytest.mark.parametrize("n_bits", [1, 3, 6])
def test_counter_closed_form(n_bits):
    c = counter_computation(n_bits)
    x = np.arange(2**n_bits)
    for i in range(n_bits):  # bit i has period 2^(i+1): x mod 2^(i+1) is the minimal abstraction
        res = minimal_complete_abstraction(c, (x >> i) & 1)
        assert np.array_equal(res.labels, canonical(x % 2 ** (i + 1)))


def gf2_rank(rows):
    rows = [int("".join(map(str, r[::-1])), 2) for r in rows]
    rank = 0
    for bit in reversed(range(64)):
        pivot = next((r for r in rows if r >> bit & 1), None)
        if pivot is None:
            continue
        rank += 1
        rows = [r ^ pivot if r >> bit & 1 else r for r in rows if r != pivot]
    return rank


@pytest.mark.parametrize("rule, width", [(90, 6), (90, 8), (150, 7), (150, 9), (90, 5)])
def test_linear_automata_rank_closed_form(rule, width):
    # x' = A x over GF(2); R0 = cell 0 = e_0 . x; its pull-backs are e_0 A^t: 2^rank blocks
    c = cellular_automaton_computation(rule, width)
    A = np.zeros((width, width), dtype=int)
    for i in range(width):
        A[i, (i - 1) % width] ^= 1
        A[i, (i + 1) % width] ^= 1
        if rule == 150:
            A[i, i] ^= 1
    rows, v = [], np.eye(width, dtype=int)[0]
    for _ in range(width):
        rows.append(v.copy())
        v = v @ A % 2
    x = np.arange(2**width)
    res = minimal_complete_abstraction(c, x & 1)
    assert res.n_blocks == 2 ** gf2_rank(rows)


def test_rule_184_conserves_the_count():
    c = cellular_automaton_computation(184, 8)
    assert is_complete(c, c.outputs)
    assert minimal_complete_abstraction(c, c.outputs).n_blocks == 9
    # rule 184 from its table: a particle at i moves right iff cell i+1 is empty
    x = np.arange(256)
    bits = (x[:, None] >> np.arange(8)) & 1
    left, right = np.roll(bits, 1, axis=1), np.roll(bits, -1, axis=1)
    new = np.where(bits == 1, right, left)
    assert np.array_equal(c.transition, (new << np.arange(8)).sum(axis=1))


@pytest.mark.parametrize("n_bits", [1, 2])
def test_ripple_adder_circuit_adds(n_bits):
    gates, outputs = ripple_adder_gates(n_bits)
    c = circuit_computation(2 * n_bits, gates, outputs)
    for x in range(2 ** (2 * n_bits)):
        out, steps = simulate(c.transition, c.halted, c.outputs, c.inputs[x])
        a, b = x % 2**n_bits, x >> n_bits
        assert out == a + b and steps == len(gates)
    finish = output_abstraction(c)
    reached = c.inputs
    assert len(np.unique(finish[reached])) == 2 ** (n_bits + 1) - 1  # a + b takes values 0..2^(n+1)-2


# ----------------------------------------------------------------------------- approximate curve
def completeness_error_full(P, p, labels):
    """I(X; R(X') | R(X)) in bits from the full joint p(x) P(x, y), by the definition."""
    labels = np.asarray(labels)
    k = labels.max() + 1
    Q = P @ (labels[:, None] == np.arange(k)[None, :])  # P(x, next block)
    J = np.zeros((k, k))
    for x in range(len(p)):
        J[labels[x]] += p[x] * Q[x]

    def h_rows(M, w):
        tot = 0.0
        for row, weight in zip(M, w):
            row = row[row > 0] / row.sum() if row.sum() > 0 else row[:0]
            tot += weight * -np.sum(row * np.log2(row))
        return tot
    return h_rows(J, J.sum(axis=1)) - h_rows(Q, p)


def test_tradeoff_end_points_and_errors_against_definition(rng):
    c = naive_bayes_gibbs_computation(5, 0.2)
    P = c.transition.toarray()
    majority = (2 * c.outputs > 5).astype(int)
    p = rng.dirichlet(np.ones(32))
    curve = abstraction_tradeoff(c, majority, p=p)
    assert curve.n_blocks.tolist() == [6, 5, 4, 3, 2]
    assert abs(curve.error_bits[0]) <= 1e-12  # the exact minimal abstraction; float sums of 6 x 6 terms
    assert np.array_equal(curve.labels_at(6), curve.start)
    assert np.array_equal(curve.labels_at(2), canonical(majority))  # ends at R0
    for k, err, ent in zip(curve.n_blocks, curve.error_bits, curve.entropy_bits):
        lab = curve.labels_at(int(k))
        assert refines(lab, majority) and lab.max() + 1 == k
        assert err == pytest.approx(completeness_error_full(P, p, lab), abs=1e-12)  # sums of <= 36 terms
        mass = np.bincount(lab, weights=p)
        assert ent == pytest.approx(-np.sum(mass * np.log2(mass)), abs=1e-12)
    assert curve.error_bits[-1] > 0.01  # the majority is far from complete


@pytest.mark.parametrize("case", ["counter", "random_chain"])
def test_tradeoff_greedy_choice_is_optimal_at_each_step(rng, case):
    # each step merges the admissible pair with the smallest error (brute force over all pairs)
    if case == "counter":  # counter mod 8, R0 = top bit
        c = counter_computation(3)
        P = np.eye(8)[c.transition]
        r0, p = np.arange(8) >> 2, np.full(8, 1 / 8)
    else:  # a generic chain: the start is all 12 states, merged down to R0's 3 blocks
        P = rng.dirichlet(np.ones(12) * 0.5, size=12)
        c = Computation(P)
        r0, p = rng.integers(0, 3, 12), rng.dirichlet(np.ones(12))
    curve = abstraction_tradeoff(c, r0, p=p)
    assert curve.n_blocks[0] == len(p) and curve.n_blocks[-1] == r0.max() + 1
    for step in range(len(curve.merges)):
        here = curve.labels_at(int(curve.n_blocks[step]))
        best = min(completeness_error_full(P, p, np.where(here == j, i, here))
                   for i, j in itertools.combinations(range(here.max() + 1), 2)
                   if refines(np.where(here == j, i, here), r0))
        assert curve.error_bits[step + 1] == pytest.approx(best, abs=1e-12)  # sums of <= 144 terms


def test_tradeoff_deterministic_error_is_conditional_entropy(rng):
    # deterministic: H(R' | X) = 0, so the error is H(R(tau X) | R(X))
    tau = random_function(rng, 50)
    r0 = rng.integers(0, 2, 50)
    c = Computation(tau)
    curve = abstraction_tradeoff(c, r0)
    lab = curve.labels_at(int(curve.n_blocks[-1]))
    J = np.zeros((lab.max() + 1,) * 2)
    np.add.at(J, (lab, lab[tau]), 1 / 50)
    rows = J.sum(axis=1)
    expected = sum(-J[a, b] * math.log2(J[a, b] / rows[a]) for a in range(len(J)) for b in range(len(J))
                   if J[a, b] > 0)
    assert curve.error_bits[-1] == pytest.approx(expected, abs=1e-12)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("transition, exc, match", [
    ([1, 2, 3], ValueError, r"`transition` must map into range\(0, 3\); got tau\[2\] = 3"),
    ([0, -1], ValueError, r"got tau\[1\] = -1"),
    ([0.0, 1.0], TypeError, "must be an integer array"),
    ([[0.5, 0.4], [0.0, 1.0]], ValueError, "rows summing to 1"),
    ([[1.5, -0.5], [0.0, 1.0]], ValueError, "non-negative"),
    ([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], ValueError, "square"),
    (np.zeros((2, 2, 2)), ValueError, "1-D .* or 2-D"),
    ([], ValueError, "non-empty"),
    ("abc", TypeError, "`transition`"),
    (sp.csr_array(np.array([[0.5, 0.4], [0.0, 1.0]])), ValueError, "row 0 sums to 0.9"),
    (sp.csr_array(np.array([[np.nan, 1.0], [0.0, 1.0]])), ValueError, "finite"),
    (sp.csr_array(np.array([[1.5, -0.5], [0.0, 1.0]])), ValueError, r"`transition` must be non-negative; got -0\.5"),
    (sp.csr_array(np.ones((2, 3)) / 3), ValueError, "`transition` must be a non-empty square matrix"),
])
def test_bad_transitions(transition, exc, match):
    with pytest.raises(exc, match=match):
        Computation(transition)


def test_bad_maps_and_labels():
    with pytest.raises(ValueError, match=r"`halted` must have one entry per state \(3\)"):
        Computation([0, 1, 2], halted=[True])
    with pytest.raises(ValueError, match="`halted` must be None for a stochastic"):
        Computation(np.eye(2), halted=[True, False])
    with pytest.raises(ValueError, match=r"`inputs` must hold states in range\(0, 2\)"):
        Computation([0, 1], inputs=[2])
    with pytest.raises(ValueError, match=r"`outputs` must have one label per state \(2\); got length 3"):
        Computation([0, 1], outputs=[0, 1, 2])
    c = Computation([1, 0, 2])
    with pytest.raises(ValueError, match=r"`labels` must have one label per state \(3\); got length 2"):
        minimal_complete_abstraction(c, [0, 1])
    with pytest.raises(TypeError, match="`labels` must be an integer array"):
        minimal_complete_abstraction(c, [0.5, 1.0, 0.0])
    with pytest.raises(TypeError, match="`computation` must be a Computation"):
        minimal_complete_abstraction([1, 0, 2], [0, 0, 0])
    with pytest.raises(ValueError, match=r"`b` must have one label per state \(3\)"):
        refines([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="`labels` must hold at least one abstraction"):
        meet()
    with pytest.raises(TypeError, match="must be deterministic"):
        pullback(Computation(np.eye(2)), [0, 1])
    with pytest.raises(ValueError, match="`computation` must have `halted` and `outputs`"):
        output_abstraction(c)
    with pytest.raises(ValueError, match="`atol` must be a finite number"):
        is_complete(c, [0, 0, 1], atol=-1.0)
    with pytest.raises(ValueError, match=r"`p` must have one probability per state \(3\)"):
        abstraction_tradeoff(c, [0, 0, 1], p=[0.5, 0.5])
    with pytest.raises(ValueError, match="`max_blocks` must be >= the 3 blocks"):
        abstraction_tradeoff(c, [0, 1, 2], max_blocks=2)


def test_bad_example_parameters():
    with pytest.raises(ValueError, match="`n_bits` must be an integer in"):
        counter_computation(0)
    with pytest.raises(ValueError, match="`rule` must be an integer in"):
        cellular_automaton_computation(256, 4)
    with pytest.raises(ValueError, match="`width` must be an integer in"):
        cellular_automaton_computation(90, 25)
    with pytest.raises(ValueError, match=r"`gates\[0\]` must be \(op, i, j\)"):
        circuit_computation(2, [("nope", 0, 1)], [2])
    with pytest.raises(ValueError, match=r"`gates\[0\] wire` must be an integer in \[0, 1\]"):
        circuit_computation(2, [("and", 0, 2)], [2])
    with pytest.raises(ValueError, match="`eps` must be a finite number in"):
        naive_bayes_gibbs_computation(3, 1.0)


def test_sizes_over_max_bytes_are_refused_before_work():
    c = counter_computation(10)
    with pytest.raises(ValueError, match="minimal_complete_abstraction needs .* > max_bytes"):
        minimal_complete_abstraction(c, np.zeros(1024, int), max_bytes=1000)
    with pytest.raises(ValueError, match="abstraction_tradeoff needs .* > max_bytes"):
        abstraction_tradeoff(c, np.zeros(1024, int), max_bytes=1000)
    with pytest.raises(TypeError, match="`max_bytes` must be a number of bytes"):
        minimal_complete_abstraction(c, np.zeros(1024, int), max_bytes="1 GB")


def test_inputs_are_not_mutated(rng):
    tau = random_function(rng, 30)
    r0 = rng.integers(0, 2, 30)
    tau0, r00 = tau.copy(), r0.copy()
    minimal_complete_abstraction(Computation(tau), r0)
    abstraction_tradeoff(Computation(tau), r0)
    assert np.array_equal(tau, tau0) and np.array_equal(r0, r00)


# ----------------------------------------------------------------------------- report section
def test_report_section_quick(tmp_path):
    from capacity.report import abstractions_section
    from tests.report_checks import run_quick_section

    section = run_quick_section(abstractions_section, tmp_path)
    assert len(section.claims) >= 10
