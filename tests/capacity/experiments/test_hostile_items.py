"""Regression tests of the experiments' answers to hostile input (issue 17, "Experiments").

Each test states the input that went wrong and checks the answer against an independent
computation (closed forms, a brute-force union-find) or checks the refusal: a ValueError or
TypeError naming the parameter, and for sizes over ``max_bytes`` a refusal before allocating
(tracemalloc peak under :data:`REFUSAL_PEAK_BYTES`).
"""
import itertools
import math

import numpy as np
import pytest
import torch

from capacity.experiments.ising import ising_magnetization, ising_sign_information
from capacity.experiments.markov import mi_over_time
from capacity.experiments.naive_bayes import (naive_bayes_chain, naive_bayes_distribution, naive_bayes_mc,
                                              naive_bayes_mi)
from capacity.experiments.random_nets import (NetSpec, build_mlp, hypercube_inputs, layer_information, layer_outputs,
                                              mlp_plan_bytes, run_sweep, write_csv)
from capacity.experiments.telephone import conserved_quantities, telephone_mi
from capacity.mi import plugin_mi
from tests.refusal import refused_before_allocating as _refused

#: Peak traced bytes while refusing a huge broadcast view: the views are free, the checks must not
#: expand them (1 MiB is far below the GiBs an expanded view needs, and above numpy's small temporaries).
REFUSAL_PEAK_BYTES = 2**20


def refused_before_allocating(call, match="max_bytes"):
    """Run ``call``, which must raise ValueError matching ``match`` with a small traced peak."""
    _refused(call, match, exc=ValueError, peak=REFUSAL_PEAK_BYTES)


def permutation_matrix(cycles):
    perm, off = [], 0
    for c in cycles:
        perm += [off + (i + 1) % c for i in range(c)]
        off += c
    return np.eye(off)[perm]


# ------------------------------------------------------------------ conserved_quantities: default horizon

def test_conserved_quantities_answers_a_permutation_chain_with_a_huge_period():
    # cycles 2, 3, ..., 13: period lcm = 30030, which the old default horizon multiplied by 2n
    M = permutation_matrix((2, 3, 5, 7, 11, 13))
    cq = conserved_quantities(M)
    # a permutation conserves the state itself: every state its own block, H = log2 41 (closed form)
    assert cq.n_blocks == 41 and cq.period == 30030
    assert cq.information == pytest.approx(math.log2(41), abs=1e-12)  # one entropy of 41 equal masses
    assert cq.limit_information == pytest.approx(math.log2(41), abs=1e-12)
    np.testing.assert_allclose(telephone_mi(M, 3), math.log2(41), atol=1e-12)  # nothing is ever lost


def test_conserved_quantities_answers_a_large_random_permutation():
    rng = np.random.default_rng(0)
    M = np.eye(500)[rng.permutation(500)]
    cq = conserved_quantities(M)
    assert cq.n_blocks == 500
    assert cq.information == pytest.approx(math.log2(500), abs=1e-12)


def brute_force_first_layer(M, p, horizon):
    """Blocks of layer 0 in the layered support graph over ``horizon`` steps, by union-find loops."""
    n = M.shape[0]
    parent = {}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    alive = {x for x in range(n) if p[x] > 0}
    for x in alive:
        parent[(0, x)] = (0, x)
    for t in range(horizon):
        nxt = set()
        for x in alive:
            for y in range(n):
                if M[x, y] > 0:
                    parent.setdefault((t + 1, y), (t + 1, y))
                    parent[find((t, x))] = find((t + 1, y))
                    nxt.add(y)
        alive = nxt
    return {frozenset(x for x in range(n) if (0, x) in parent and find((0, x)) == find((0, y)))
            for y in range(n) if (0, y) in parent}


def random_sparse_chain(rng, n):
    M = rng.random((n, n)) * (rng.random((n, n)) < 0.35)
    M[np.arange(n), rng.integers(0, n, n)] += 0.1  # every row keeps a successor
    return M / M.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(40))
def test_default_horizon_gives_the_partition_of_a_long_horizon(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    M = random_sparse_chain(rng, n)
    p = rng.random(n) * (rng.random(n) < 0.8)
    p = np.full(n, 1.0 / n) if p.sum() == 0 else p / p.sum()
    cq = conserved_quantities(M, p0=p)
    # the partition only coarsens with the horizon; 4 n^2 (L + 1) steps are far past where it settles
    # for chains of at most 6 states (periods <= 6)
    blocks = brute_force_first_layer(M, p, 4 * n * n * (cq.period + 1))
    got = {frozenset(np.flatnonzero(cq.labels[0] == b).tolist()) for b in range(cq.n_blocks)}
    assert got == blocks


def test_explicit_horizon_over_the_bound_names_horizon():
    with pytest.raises(ValueError, match="`horizon` must be an integer in"):
        conserved_quantities(np.eye(2), horizon=10**7)


# ------------------------------------------------------------------ sizes refused before allocating

BIG = 10**6
E0 = np.eye(1, BIG)  # made once, outside the traced calls (8 MB)


def big_transition():
    """A valid-looking broadcast 10^6 x 10^6 matrix (every row = e_0): 8 TB if expanded."""
    return np.broadcast_to(E0, (BIG, BIG))


@pytest.mark.parametrize("call", [
    lambda: mi_over_time(E0[0], big_transition(), [1], max_bytes=2**30),
    lambda: telephone_mi(big_transition(), 1, max_bytes=2**30),
    lambda: telephone_mi([big_transition()], 1, max_bytes=2**30),
    lambda: conserved_quantities(big_transition(), max_bytes=2**30),
    lambda: conserved_quantities(big_transition()),  # the default cap (8 GiB) applies too
], ids=["mi_over_time", "telephone_mi", "telephone_mi-list", "conserved_quantities", "conserved-default"])
def test_broadcast_matrices_are_refused_before_allocating(call):
    refused_before_allocating(call)


@pytest.mark.parametrize("call", [
    lambda: naive_bayes_mi(10**9, 0.1, [0, 5, 10], max_bytes=2**30),
    lambda: naive_bayes_mi(20, 0.1, np.broadcast_to(np.int64(3), (10**9,)), max_bytes=2**30),
    lambda: mi_over_time([0.5, 0.5], np.eye(2), np.broadcast_to(np.int64(3), (10**9,)), max_bytes=2**30),
    lambda: naive_bayes_mc(5, 0.1, np.broadcast_to(np.int64(3), (10**9,)), 10, seed=0, max_bytes=2**30),
    lambda: ising_magnetization(4, 1.0, np.broadcast_to(np.int64(3), (10**9,)), 2, seed=0, max_bytes=2**30),
    lambda: plugin_mi(np.broadcast_to(np.int64(1), (10**9,)), np.broadcast_to(np.int64(2), (10**9,)),
                      max_bytes=2**30),
    lambda: run_sweep([NetSpec(3, (3,))], 2**63, progress=False),
    lambda: build_mlp(NetSpec(10**5, (10**5,))),
], ids=["nb-huge-N", "nb-ts-view", "mi_over_time-ts-view", "nb_mc-ts-view", "ising-times-view", "plugin_mi-views",
        "run_sweep-2**63", "build_mlp-80GB"])
def test_huge_requests_are_refused_before_allocating(call):
    refused_before_allocating(call)


def test_max_bytes_inf_means_no_cap():
    ref = naive_bayes_mi(5, 0.1, [0, 5, 40])
    np.testing.assert_array_equal(naive_bayes_mi(5, 0.1, [0, 5, 40], max_bytes=float("inf")), ref)
    T = [[0.9, 0.1], [0.1, 0.9]]
    np.testing.assert_array_equal(mi_over_time([0.5, 0.5], T, [0, 7], max_bytes=math.inf),
                                  mi_over_time([0.5, 0.5], T, [0, 7]))


# ------------------------------------------------------------------ counts, seeds, sizes with their names

def test_absurd_sweep_counts_and_seeds_name_their_parameter():
    with pytest.raises(ValueError, match="`burn_in` must be an integer in"):
        ising_magnetization(8, 2.5, [0, 5], 4, seed=0, burn_in=10**30)
    with pytest.raises(ValueError, match="`seed` must be an integer in"):
        ising_magnetization(4, 2.5, [0], 2, seed=2**64)
    with pytest.raises(ValueError, match="`sweeps` must be an integer in"):
        ising_sign_information(4, 2.5, 10**30, 2, 0)
    with pytest.raises(ValueError, match="`seed` must be an integer in"):
        naive_bayes_mc(5, 0.1, [0], 10, seed=2**63)
    with pytest.raises(ValueError, match="`seed` must be an integer in"):
        build_mlp(NetSpec(2, (2,)), seed=-1)
    with pytest.raises(ValueError, match="`seeds entry` must be an integer in"):
        run_sweep([NetSpec(2, (2,))], [0, 2**63], progress=False)
    with pytest.raises(ValueError, match="`seeds` must be an integer in"):
        run_sweep([NetSpec(2, (2,))], 2**63 + 1, progress=False)


def test_net_sizes_are_planned():
    with pytest.raises(ValueError, match="`widths entry` must be an integer in"):
        NetSpec(3, (10**12,))
    with pytest.raises(ValueError, match="`d_in` must be an integer in"):
        NetSpec(10**12, (3,))
    # the plan bounds what the net holds: parameters are float64 (8 bytes each)
    for spec in (NetSpec(3, (5, 2)), NetSpec(7, (7,), init="orthogonal"), NetSpec(1, (40, 40, 1))):
        held = sum(8 * p.numel() for p in build_mlp(spec).parameters())
        assert held <= mlp_plan_bytes(spec)
    spec = NetSpec(300, (300,))
    with pytest.raises(ValueError, match="max_bytes"):
        build_mlp(spec, max_bytes=mlp_plan_bytes(spec) - 1)
    with pytest.raises(ValueError, match="max_bytes"):
        layer_information(spec, inputs=np.zeros((2, 300)), max_bytes=mlp_plan_bytes(spec) - 1)


def test_run_sweep_plans_its_rows_before_the_first_net():
    spec = NetSpec(2, (2, 2))
    kw = dict(progress=False, rel_deltas=(0.1,), abs_deltas=(), sigma_rels=())
    rows = run_sweep([spec], 2, **kw)
    assert len(rows) == 2 * 2 * 2  # 2 seeds x 2 layers x (distinct + one delta)
    with pytest.raises(ValueError, match="the tidy rows of run_sweep needs"):
        run_sweep([spec], 10**9, max_bytes=2**30, **kw)


# ------------------------------------------------------------------ foreign exceptions

def test_plugin_mi_takes_a_tensor_that_requires_grad():
    x = torch.arange(12.0, dtype=torch.float64).remainder(3).requires_grad_()
    y = torch.arange(12.0, dtype=torch.float64).remainder(2)
    got = plugin_mi(x, y, n_boot=10)
    ref = plugin_mi(x.detach().numpy(), y.numpy(), n_boot=10)
    assert got == ref  # the same labels, the same seed: the same estimate, bit for bit
    assert x.requires_grad and x.grad is None


def test_layer_outputs_refuses_a_net_that_is_not_float64():
    net = build_mlp(NetSpec(2, (3,)))
    with pytest.raises(TypeError, match="`net` must hold float64 parameters"):
        layer_outputs(net.float(), hypercube_inputs(2))
    with pytest.raises(TypeError, match="`net` must be a torch.nn.Sequential"):
        layer_outputs(torch.nn.Sequential(torch.nn.Tanh()), hypercube_inputs(2))
    with pytest.raises(TypeError, match="`net` must be a torch.nn.Sequential"):
        layer_outputs(net[0], hypercube_inputs(2))


def test_write_csv_refuses_a_directory(tmp_path):
    with pytest.raises(ValueError, match="`path` must name a file"):
        write_csv([{"a": 1}], tmp_path)
    with pytest.raises(TypeError, match="`path` must be a str or os.PathLike"):
        write_csv([{"a": 1}], 3)
    assert write_csv([{"a": 1}], tmp_path / "sub" / "t.csv").read_text() == "a\n1\n"


def test_huge_relative_noise_reads_no_information_within_its_bounds():
    rows = layer_information(NetSpec(3, (3,)), rel_deltas=(), abs_deltas=(), sigma_rels=(1e300,))
    noisy = [r for r in rows if r["measure"] == "noisy"]
    assert noisy
    for r in noisy:
        # noise 1e300 x RMS: I <= upper bound = 0 (Kolchinsky-Tracey); the Monte Carlo value is a few ulps
        assert r["lower_bits"] <= r["upper_bits"] == pytest.approx(0.0, abs=1e-12)
        assert r["lower_bits"] - 1e-12 <= r["value_bits"] <= r["upper_bits"] + 1e-12


# ------------------------------------------------------------------ flags

@pytest.mark.parametrize("call,name", [
    (lambda v: naive_bayes_chain(5, 0.1, lumped=v), "lumped"),
    (lambda v: naive_bayes_distribution(3, 0.1, latent=v), "latent"),
    (lambda v: hypercube_inputs(2, signed=v), "signed"),
    (lambda v: run_sweep([NetSpec(2, (2,))], 1, progress=v, rel_deltas=(), abs_deltas=(), sigma_rels=()),
     "progress"),
])
def test_flags_take_only_bools(call, name):
    for bad in ("yes", 1, None, 0.0):
        with pytest.raises(TypeError, match=f"`{name}` must be a bool"):
            call(bad)
    for good in (False, np.bool_(False)):
        call(good)


def test_flag_values_are_used_as_given():
    T, pi = naive_bayes_chain(4, 0.2, lumped=np.bool_(True))
    assert T.shape == (5, 5)  # the lumped chain on K = 0..4
    T, pi = naive_bayes_chain(4, 0.2, lumped=False)
    assert T.shape == (16, 16)
    np.testing.assert_array_equal(hypercube_inputs(2, signed=np.bool_(True)), [[1, 1], [-1, 1], [1, -1], [-1, -1]])
    assert list(itertools.chain(naive_bayes_distribution(2, 0.25, latent=True).shape)) == [2, 2, 2]


# ------------------------------------------------------------------ row sums: one dtype-scaled tolerance

def float32_rows(shape, seed):
    """Rows normalised in float32 whose float64 sums are off 1 by more than 1e-9 (so the old fixed
    tolerance refused them) and within 4 float32 ulps (the shared tolerance)."""
    rng = np.random.default_rng(seed)
    while True:
        a = rng.random(shape).astype(np.float32) + np.float32(0.1)
        a /= a.sum(axis=-1, keepdims=True, dtype=np.float32)
        err = np.abs(a.astype(np.float64).sum(axis=-1) - 1.0).max()
        if 1e-9 < err <= 4 * np.finfo(np.float32).eps:
            return a


def test_experiments_scale_the_row_sum_tolerance_with_the_dtype():
    import scipy.sparse as sp

    from boolean._lib.validate import row_sum_atol
    from capacity.experiments.abstractions import Computation, is_complete
    from capacity.experiments.markov import gibbs_transition_matrix

    T32 = float32_rows((6, 6), seed=1)
    # the sparse paths of markov and abstractions read the dtype given, as the dense paths do
    sparse = sp.csr_array(T32)
    p0 = np.full(6, 1 / 6)
    dense_mi, sparse_mi = mi_over_time(p0, T32, [0, 3]), mi_over_time(p0, sparse, [0, 3])
    np.testing.assert_allclose(sparse_mi, dense_mi, atol=1e-12)  # the same float64 matrix: rounding only
    c = Computation(sparse, inputs=np.arange(6))
    # one block is always complete (closed form); its rows' masses are their sums, which differ by
    # the float32 rounding of the input (under 4 ulps32 = 4.8e-7), so atol must cover that
    assert is_complete(c, np.zeros(6, dtype=np.int64), atol=1e-6)
    joint = float32_rows((1, 4), seed=2).reshape(2, 2)
    T = gibbs_transition_matrix(joint)
    np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-6)  # float32 input: rows within 4 ulps32
    # float64 input keeps the 1e-9 tolerance: 2e-9 off is refused, for dense and sparse alike
    T64 = np.full((2, 2), 0.5)
    T64[1, 1] += 2e-9
    atol = f"atol={row_sum_atol(np.float64):g}"
    for bad in (T64, sp.csr_array(T64)):
        with pytest.raises(ValueError, match=rf"`T` must have rows summing to 1 \({atol}\); row 1 sums to"):
            mi_over_time(np.array([0.5, 0.5]), bad, [1])
    with pytest.raises(ValueError, match=rf"`transition` must have rows summing to 1 \({atol}\); row 1"):
        Computation(sp.csr_array(T64), inputs=np.arange(2))
    J64 = np.full((2, 2), 0.25)
    J64[1, 1] += 4e-9
    with pytest.raises(ValueError, match=rf"`joint` must sum to 1 \({atol}\); the table sums to 1\.00000000(4|39)"):
        gibbs_transition_matrix(J64)
    # float32 input over its 4 ulps is still refused, with float32's tolerance named
    bad32 = T32.copy()
    bad32[2, 0] += np.float32(1e-5)
    with pytest.raises(ValueError, match=r"\(atol=4\.76837e-07\); row 2 sums to"):
        mi_over_time(p0, sp.csr_array(bad32), [1])
