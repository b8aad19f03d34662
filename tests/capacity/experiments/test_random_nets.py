"""Random-network experiments: builder, inputs, per-layer information, sweep, Jenner check."""
import csv
import itertools
import math

import numpy as np
import pytest
import torch

from capacity.experiments.random_nets import (NetSpec, build_mlp, hypercube_inputs, layer_information,
                                              layer_outputs, run_sweep, write_csv)


def numpy_forward(spec, net, x):
    """Independent forward pass in numpy from the net's parameters."""
    acts = {"linear": lambda h: h, "tanh": np.tanh, "relu": lambda h: np.maximum(h, 0),
            "leaky_relu": lambda h: np.where(h > 0, h, spec.negative_slope * h),
            "gelu": lambda h: 0.5 * h * (1 + np.vectorize(math.erf)(h / math.sqrt(2)))}
    outs, h = [], x
    lins = [m for m in net if isinstance(m, torch.nn.Linear)]
    for lin in lins:
        h = acts[spec.activation](h @ lin.weight.numpy().T + lin.bias.numpy())
        outs.append(h)
    return outs


def test_hypercube_order_matches_enumeration():
    x = hypercube_inputs(4)
    ref = [[(i >> b) & 1 for b in range(4)] for i in range(16)]
    assert np.array_equal(x, np.array(ref, dtype=float))
    s = hypercube_inputs(3, signed=True)
    assert set(map(tuple, s.tolist())) == set(itertools.product([-1.0, 1.0], repeat=3))
    assert np.array_equal(s[1], [-1.0, 1.0, 1.0])  # bit 1 -> -1


@pytest.mark.parametrize("act", ["linear", "tanh", "relu", "leaky_relu", "gelu"])
def test_layer_outputs_match_numpy_forward(act, seed):
    spec = NetSpec(5, (6, 3, 4), act, bias_scale=0.5, negative_slope=0.1)
    net = build_mlp(spec, seed=seed)
    x = hypercube_inputs(5)
    ours = layer_outputs(net, x)
    ref = numpy_forward(spec, net, x)
    for a, b in zip(ours, ref):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)  # float64 rounding only


def test_init_laws(seed):
    sq = build_mlp(NetSpec(64, (64,), init="orthogonal", weight_gain=2.0), seed=seed)
    w = sq[0].weight.numpy()
    np.testing.assert_allclose(w @ w.T, 4.0 * np.eye(64), atol=1e-12)  # gain^2 I
    tall = build_mlp(NetSpec(8, (20,), init="orthogonal"), seed=seed)[0].weight.numpy()
    np.testing.assert_allclose(tall.T @ tall, np.eye(8), atol=1e-12)  # orthonormal columns
    g = build_mlp(NetSpec(400, (400,), weight_gain=1.5), seed=seed)[0].weight.numpy()
    # empirical variance of 160000 N(0, 1.5^2/400) entries: relative SE sqrt(2/160000) = 0.35%
    assert g.var() * 400 / 1.5**2 == pytest.approx(1.0, rel=0.02)
    wide = build_mlp(NetSpec(20, (8,), init="orthogonal", weight_gain=0.5), seed=seed)[0].weight.numpy()
    np.testing.assert_allclose(wide @ wide.T, 0.25 * np.eye(8), atol=1e-12)  # orthonormal rows, gain^2
    assert np.all(build_mlp(NetSpec(4, (4,)), seed=seed)[0].bias.numpy() == 0.0)
    b = np.concatenate([m.bias.numpy() for m in build_mlp(NetSpec(10, (500,) * 8, bias_scale=0.3), seed=seed)
                        if isinstance(m, torch.nn.Linear)])
    # 4000 N(0, 0.3^2) biases: the sample std has relative SE 1/sqrt(2 * 4000) = 1.1%
    assert b.std() == pytest.approx(0.3, rel=0.05) and abs(b.mean()) < 4 * 0.3 / math.sqrt(b.size)
    a = build_mlp(NetSpec(4, (4,)), seed=7)[0].weight
    b = build_mlp(NetSpec(4, (4,)), seed=7)[0].weight
    assert torch.equal(a, b)


def test_distinct_and_quantized_match_brute_force(seed):
    spec = NetSpec(6, (6, 2, 6), "relu")
    rows = layer_information(spec, seed=seed, rel_deltas=(0.05,), abs_deltas=(0.1,), sigma_rels=())
    outs = layer_outputs(build_mlp(spec, seed=seed), hypercube_inputs(6))
    for layer, y in enumerate(outs, start=1):
        got = {r["measure"]: r for r in rows if r["layer"] == layer}
        distinct = {tuple(r) for r in y.tolist()}
        assert got["distinct"]["n_distinct"] == len(distinct)
        for measure, delta in (("quantized_abs", 0.1), ("quantized_rel", 0.05 * np.sqrt(np.mean(y * y)))):
            codes = [tuple(int(math.floor(v / delta)) for v in r) for r in y.tolist()]
            counts = np.unique(np.array(codes), axis=0, return_counts=True)[1] / 64
            assert got[measure]["value_bits"] == pytest.approx(-(counts * np.log2(counts)).sum(), abs=1e-12)
        assert all(r["ceiling_bits"] == 6.0 for r in got.values())


def test_orthogonal_linear_net_keeps_every_bit():
    rows = layer_information(NetSpec(7, (7, 7, 7), "linear", init="orthogonal"), seed=0,
                             rel_deltas=(1e-6,), abs_deltas=(1e-6,), sigma_rels=(1e-3,), n_mc=256)
    for r in rows:
        if r["measure"] == "noisy":
            # pairwise distances >= 1 (an isometry of {0,1}^7) >> 40 sigma: exactly log2 N
            assert r["value_bits"] == pytest.approx(7.0, abs=1e-6)
            assert r["lower_bits"] == pytest.approx(7.0, abs=1e-6)
        else:
            assert r["value_bits"] == 7.0


def test_noisy_rows_are_ordered_and_below_ceiling(seed):
    rows = layer_information(NetSpec(6, (6, 3), "tanh", weight_gain=2.0), seed=seed, rel_deltas=(),
                             abs_deltas=(), sigma_rels=(0.01, 0.3, 1.0), n_mc=256)
    noisy = [r for r in rows if r["measure"] == "noisy"]
    assert len(noisy) == 6
    for r in noisy:
        assert r["lower_bits"] <= r["upper_bits"] + 1e-12 <= r["ceiling_bits"] + 2e-12
    for layer in (1, 2):
        vals = [r["upper_bits"] for r in noisy if r["layer"] == layer]
        assert vals[0] >= vals[1] >= vals[2]  # more noise, less information (KL upper bound is monotone)


def test_noisy_rows_use_sigma_relative_to_the_layer_rms():
    from capacity.mi import noisy_channel_mi

    spec = NetSpec(5, (5, 3), "tanh", weight_gain=3.0)
    rows = layer_information(spec, seed=2, rel_deltas=(), abs_deltas=(), sigma_rels=(0.05, 0.5), n_mc=128)
    outs = layer_outputs(build_mlp(spec, seed=2), hypercube_inputs(5))
    for r in (r for r in rows if r["measure"] == "noisy"):
        y = outs[r["layer"] - 1]
        rms = math.sqrt(np.mean(y * y))
        ref = noisy_channel_mi(y, r["sigma_rel"] * rms, n_mc=128, seed=2)  # sigma = sigma_rel x RMS(f_l(X))
        assert (r["value_bits"], r["stderr_bits"]) == (ref.value, ref.stderr)
        assert (r["lower_bits"], r["upper_bits"]) == (ref.lower, ref.upper)


def test_rows_have_one_column_per_meaning_and_the_same_keys():
    rows = layer_information(NetSpec(4, (4, 3), "relu"), seed=1, rel_deltas=(0.05,), abs_deltas=(0.2,),
                             sigma_rels=(0.3,), n_mc=64)
    assert len({tuple(r) for r in rows}) == 1  # one key order for every row: a DataFrame loads them as is
    assert "resolution" not in rows[0]
    applies = {"distinct": set(), "quantized_rel": {"delta_rel"}, "quantized_abs": {"delta_abs"},
               "noisy": {"sigma_rel"}}
    seen = {r["measure"]: r for r in rows if r["layer"] == 2}
    assert set(seen) == set(applies)
    for measure, r in seen.items():
        for col in ("delta_rel", "delta_abs", "sigma_rel"):
            assert math.isnan(r[col]) is (col not in applies[measure]), (measure, col)
    assert (seen["quantized_rel"]["delta_rel"], seen["quantized_abs"]["delta_abs"],
            seen["noisy"]["sigma_rel"]) == (0.05, 0.2, 0.3)


def test_rows_load_into_a_dataframe():
    pd = pytest.importorskip("pandas")
    rows = layer_information(NetSpec(3, (3,), "tanh"), seed=0, rel_deltas=(0.1,), abs_deltas=(0.5,),
                             sigma_rels=())
    df = pd.DataFrame(rows)
    assert list(df.columns) == list(rows[0]) and len(df) == 3
    assert df.loc[df.measure == "quantized_abs", "delta_abs"].tolist() == [0.5]
    assert df.loc[df.measure == "quantized_abs", "delta_rel"].isna().all()


def test_noisy_skipped_above_max_points():
    rows = layer_information(NetSpec(5, (5,)), seed=0, rel_deltas=(), abs_deltas=(), sigma_rels=(0.1,),
                             max_noisy_points=16)
    assert {r["measure"] for r in rows} == {"distinct"}


def test_torch_inputs_stay_on_device_and_agree():
    spec = NetSpec(6, (6, 4), "gelu", bias_scale=0.1)
    a = layer_information(spec, seed=1, rel_deltas=(1e-3,), abs_deltas=(), sigma_rels=())
    b = layer_information(spec, seed=1, rel_deltas=(1e-3,), abs_deltas=(), sigma_rels=(), device="cpu")
    assert [r["value_bits"] for r in a] == [r["value_bits"] for r in b]


def test_jenner_check_small():
    # square tanh / leaky-ReLU nets keep all d bits on every seed at fine resolution
    d = 8
    for act in ("tanh", "leaky_relu"):
        for seed in range(4):
            rows = layer_information(NetSpec(d, (d, d, d), act), seed=seed, rel_deltas=(1e-9,),
                                     abs_deltas=(), sigma_rels=())
            assert all(r["value_bits"] == d for r in rows)
            assert all(r["n_distinct"] == 2**d for r in rows)
    # ReLU with a narrow layer (width 2) loses more than 1 bit on average (10 seeds)
    spec = NetSpec(d, (d, d, 2, d), "relu")
    lost = [d - layer_information(spec, seed=s, rel_deltas=(1e-9,), abs_deltas=(), sigma_rels=())[-1]["value_bits"]
            for s in range(10)]
    assert np.mean(lost) > 1.0


def test_run_sweep_writes_tidy_csv(tmp_path):
    specs = [NetSpec(4, (4, 4), "tanh"), NetSpec(4, (2,), "relu")]
    path = tmp_path / "sweep.csv"
    rows = run_sweep(specs, [0, 3], csv_path=path, progress=False, rel_deltas=(0.1, 1.0), abs_deltas=(),
                     sigma_rels=(0.5,), n_mc=64)
    # per (spec, seed): layers x (distinct + 2 quantised + 1 noisy)
    assert len(rows) == 2 * (2 * 4) + 2 * (1 * 4)
    with path.open() as fh:
        back = list(csv.DictReader(fh))
    assert len(back) == len(rows)
    assert float(back[0]["value_bits"]) == pytest.approx(rows[0]["value_bits"], rel=1e-15, abs=0.0)
    assert {r["seed"] for r in back} == {"0", "3"}
    assert "ceiling_bits" in back[0]


BAD = [
    (lambda: NetSpec(0, (2,)), ValueError, "`d_in` must be an integer in \\[1"),
    (lambda: NetSpec(2.0, (2,)), TypeError, "`d_in` must be an integer"),
    (lambda: NetSpec(2, ()), ValueError, "`widths` must be a non-empty sequence"),
    (lambda: NetSpec(2, "22"), ValueError, "`widths` must be a non-empty sequence"),
    (lambda: NetSpec(2, (2, 0)), ValueError, "`widths entry` must be an integer in \\[1"),
    (lambda: NetSpec(2, (2,), "sigmoid"), ValueError, "`activation` must be one of"),
    (lambda: NetSpec(2, (2,), init="xavier"), ValueError, "`init` must be one of"),
    (lambda: NetSpec(2, (2,), weight_gain=0.0), ValueError, "`weight_gain` must be"),
    (lambda: NetSpec(2, (2,), bias_scale=-1.0), ValueError, "`bias_scale` must be"),
    (lambda: NetSpec(2, (2,), negative_slope=1.0), ValueError, "`negative_slope` must be"),
    (lambda: NetSpec(2, (2,), name=3), TypeError, "`name` must be a string"),
    (lambda: build_mlp("spec"), TypeError, "`spec` must be a NetSpec"),
    (lambda: build_mlp(NetSpec(2, (2,)), seed=-1), ValueError, "`seed` must be an integer"),
    (lambda: build_mlp(NetSpec(2, (2,)), device="gpu0"), ValueError, "`device` must be"),
    (lambda: hypercube_inputs(0), ValueError, "`d` must be an integer in \\[1, 26\\]"),
    (lambda: hypercube_inputs(27), ValueError, "`d` must be an integer in \\[1, 26\\]"),
    (lambda: hypercube_inputs(3, signed="y"), TypeError, "`signed` must be a bool"),
    (lambda: hypercube_inputs(20, max_bytes=1000), ValueError, "max_bytes"),
    (lambda: hypercube_inputs(3.0), TypeError, "`d` must be an integer"),
    (lambda: layer_outputs("net", np.zeros((2, 2))), TypeError, "`net` must be a torch.nn.Sequential"),
    # 2 rows x (3 + 5) outputs x 8 bytes x 2 copies = 256 bytes > 255
    (lambda: layer_outputs(build_mlp(NetSpec(2, (3, 5))), np.zeros((2, 2)), max_bytes=255), ValueError, "max_bytes"),
    (lambda: layer_outputs(build_mlp(NetSpec(2, (2,))), np.zeros((2, 3))), ValueError, "`inputs` must have shape"),
    (lambda: layer_outputs(build_mlp(NetSpec(2, (2,))), np.full((2, 2), np.nan)), ValueError,
     "`inputs` must be finite"),
    (lambda: layer_information(NetSpec(2, (2,)), rel_deltas=(0.0,)), ValueError, "`rel_deltas entry` must be"),
    (lambda: layer_information(NetSpec(2, (2,)), abs_deltas=None), TypeError, "`abs_deltas` must be a sequence"),
    (lambda: layer_information(NetSpec(2, (2,)), sigma_rels=(-1,)), ValueError, "`sigma_rels entry` must be"),
    (lambda: layer_information(NetSpec(2, (2,)), n_mc=1), ValueError, "`n_mc` must be an integer"),
    (lambda: layer_information(NetSpec(2, (2,)), max_noisy_points=-1), ValueError, "`max_noisy_points`"),
    (lambda: layer_information(None), TypeError, "`spec` must be a NetSpec"),
    (lambda: layer_information(NetSpec(30, (2,))), ValueError, "`spec.d_in` must be <= 26"),
    (lambda: layer_information(NetSpec(2, (2,)), seed=-1), ValueError, "`seed` must be an integer in \\[0"),
    (lambda: layer_information(NetSpec(2, (2,)), device="gpu0"), ValueError, "`device` must be"),
    (lambda: layer_information(NetSpec(12, (50,)), max_bytes=10_000), ValueError, "layer_information needs"),
    (lambda: layer_information(NetSpec(2, (2,)), inputs=np.zeros((0, 2))), ValueError, "`inputs` must have at least"),
    (lambda: layer_information(NetSpec(2, (2,)), inputs="ab"), TypeError, "`inputs` must be a real numeric"),
    (lambda: layer_information(NetSpec(2, (2,)), inputs=[[0.0, 1.0, 2.0]]), ValueError, "`inputs` must have shape"),
    (lambda: layer_information(NetSpec(2, (2,)), inputs=torch.zeros((0, 2))), ValueError,
     "`inputs` must have at least 1 row"),
    (lambda: run_sweep([], [0]), ValueError, "`specs` must be a non-empty"),
    (lambda: run_sweep(["x"], [0]), TypeError, "`specs` must hold NetSpec"),
    (lambda: run_sweep([NetSpec(2, (2,))], []), ValueError, "`seeds` must be non-empty"),
    (lambda: run_sweep([NetSpec(2, (2,))], [0.5]), TypeError, "`seeds entry` must be an integer"),
    (lambda: run_sweep([NetSpec(2, (2,))], True), TypeError, "`seeds` must be an int or a sequence"),
    (lambda: run_sweep([NetSpec(2, (2,))], 0), ValueError, "`seeds` must be an integer in \\[1"),
    (lambda: run_sweep([NetSpec(2, (2,))], [0], rel_deltas=(-1.0,)), ValueError, "`rel_deltas entry` must be"),
    (lambda: write_csv([], "x.csv"), ValueError, "`rows` must be non-empty"),
    (lambda: write_csv("rows", "x.csv"), TypeError, "`rows` must be a list of dicts"),
]


@pytest.mark.parametrize("call,exc,match", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_layer_information_matches_cpu():
    spec = NetSpec(8, (8, 3, 8), "leaky_relu", bias_scale=0.2)
    kw = dict(rel_deltas=(1e-9, 1e-2, 0.3), abs_deltas=(0.1,), sigma_rels=(0.3,), n_mc=128)
    a = layer_information(spec, seed=2, **kw)
    b = layer_information(spec, seed=2, device="cuda", **kw)
    for ra, rb in zip(a, b):
        if ra["measure"] == "noisy":  # same weights; cuBLAS rounding may move outputs by ~1e-16
            assert rb["value_bits"] == pytest.approx(ra["value_bits"], abs=1e-9)
        elif ra["measure"] == "distinct":
            assert rb["n_distinct"] == ra["n_distinct"]  # injectivity is robust to 1-ulp differences
        else:
            # a 1-ulp difference can move a point across a bin edge: one move among 256 points
            # changes H by < 0.07 bits
            assert rb["value_bits"] == pytest.approx(ra["value_bits"], abs=0.07)


def test_tensor_inputs_choose_the_device_and_match_numpy_inputs():
    # output follows input: without `device`, tensor inputs run the net where they live (CPU here);
    # the same points as numpy or as a tensor give identical rows (same weights, same float64 ops)
    spec = NetSpec(3, (3, 2), "tanh")
    x = hypercube_inputs(3)
    kw = dict(rel_deltas=(1e-3,), abs_deltas=(), sigma_rels=())
    assert layer_information(spec, seed=1, inputs=torch.as_tensor(x), **kw) == layer_information(
        spec, seed=1, inputs=x, **kw)
