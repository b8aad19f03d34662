"""InfoNCE's ceiling and the Gaussian closed form."""
import math

import numpy as np
import pytest

from capacity.mi import gaussian_channel_mi, infonce_lower_bound


@pytest.mark.parametrize("batch", [8, 32])
def test_infonce_never_exceeds_its_ceiling(batch, rng):
    # truth is about 10 nats (near-deterministic 3-d channel): far above ln(batch)
    x = rng.standard_normal((1024, 3))
    y = x + 1e-3 * rng.standard_normal((1024, 3))
    r = infonce_lower_bound(x, y, batch_size=batch, steps=60, seed=0, units="nats")
    assert r.extra["ceiling"] == pytest.approx(math.log(batch), abs=1e-15)
    assert r.value <= math.log(batch)
    assert r.extra["train_value"] <= math.log(batch)
    assert math.isnan(r.lower) and math.isnan(r.upper)


@pytest.mark.parametrize("batch", [9, 10, 26, 64])  # ln K / ln 2 rounds 1 ulp above log2 K for 9, 10, 26
def test_perfect_critic_reads_exactly_its_ceiling_in_bits(batch, monkeypatch):
    import capacity.mi.infonce as nce

    # a perfect critic: every held-out batch term is ln K exactly (log_softmax of the diagonal = 0)
    def perfect(torch, xs, ys, dev, k, *args):
        return [math.log(k)] * ((xs.shape[0] - xs.shape[0] // 2) // k), math.log(k)

    monkeypatch.setattr(nce, "_train_and_evaluate", perfect)
    x = np.random.default_rng(0).standard_normal((600, 1))
    r = infonce_lower_bound(x, x, batch_size=batch, steps=1)
    assert r.extra["ceiling"] == math.log2(batch)
    assert r.value <= r.extra["ceiling"] and r.extra["train_value"] <= r.extra["ceiling"]
    assert r.value == pytest.approx(math.log2(batch), abs=1e-15) and r.extra["at_ceiling"]


def test_infonce_is_near_zero_for_independent_and_below_truth_for_gaussian(rng):
    x = rng.standard_normal((2048, 1))
    ind = infonce_lower_bound(x, rng.standard_normal((2048, 1)), batch_size=64, steps=80, seed=0)
    assert abs(ind.value) < 5 * ind.stderr + 0.05
    y = 0.9 * x + math.sqrt(1 - 0.81) * rng.standard_normal((2048, 1))
    truth = 0.5 * math.log2(1 / (1 - 0.81))
    r = infonce_lower_bound(x, y, batch_size=64, steps=200, seed=0)
    assert r.value <= truth + 4 * r.stderr  # a lower bound in expectation
    assert r.value > 0.3 * truth  # and the critic learned something


def test_infonce_seeded(rng):
    x = rng.standard_normal((256, 2))
    a = infonce_lower_bound(x, x, batch_size=16, steps=5, seed=4)
    b = infonce_lower_bound(x, x, batch_size=16, steps=5, seed=4)
    assert a.value == b.value


@pytest.mark.parametrize("d,sigma", [(2, 1.0), (5, 1.0), (2, 0.3), (5, 0.3)])
def test_gaussian_closed_form_vs_eigenvalues(d, sigma, rng):
    W = rng.standard_normal((d + 1, d))
    A = rng.standard_normal((d, d))
    S = A @ A.T + 0.1 * np.eye(d)
    lam = np.linalg.eigvalsh(W @ S @ W.T)
    ref = 0.5 * np.sum(np.log2(1 + lam / sigma**2))
    r = gaussian_channel_mi(W, S, sigma)
    assert r.value == pytest.approx(ref, rel=1e-12)
    assert r.lower == r.upper == r.value
    assert gaussian_channel_mi(W, S, sigma, units="nats").value == pytest.approx(ref * math.log(2), rel=1e-12)


def test_gaussian_identity_and_scalar_case():
    assert gaussian_channel_mi(np.eye(3), None, 1.0).value == pytest.approx(1.5, abs=1e-15)
    # 1-D W: one output; I = 1/2 log2(1 + |w|^2 / sigma^2)
    assert gaussian_channel_mi([3.0, 4.0], None, 5.0).value == pytest.approx(0.5, abs=1e-15)
