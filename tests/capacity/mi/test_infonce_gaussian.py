"""InfoNCE's ceiling and the Gaussian closed form."""
import math

import numpy as np
import pytest

from capacity.mi import gaussian_channel_mi, infonce_lower_bound
from tests.refusal import refused_before_allocating


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
    assert r.value == pytest.approx(ref, rel=1e-12, abs=0)
    assert r.lower == r.upper == r.value
    assert gaussian_channel_mi(W, S, sigma, units="nats").value == pytest.approx(ref * math.log(2), rel=1e-12, abs=0)


def test_gaussian_identity_and_scalar_case():
    assert gaussian_channel_mi(np.eye(3), None, 1.0).value == pytest.approx(1.5, abs=1e-15)
    # 1-D W: one output; I = 1/2 log2(1 + |w|^2 / sigma^2)
    assert gaussian_channel_mi([3.0, 4.0], None, 5.0).value == pytest.approx(0.5, abs=1e-15)


# --- gaussian_channel_mi on hostile scales (the hostile-input issue) ---------------------------

W2 = np.array([[1.0, 0.5], [0.0, 1.0]])  # det W = 1


@pytest.mark.parametrize("m,d,rank", [(3, 3, 3), (2, 5, 5), (5, 2, 2), (4, 4, 2)])
@pytest.mark.parametrize("sigma", [0.3, 1.0, 3.0])
def test_gaussian_against_slogdet(m, d, rank, sigma, rng):
    # the definition 1/2 log det(I + W Sigma W^T / sigma^2), Sigma of the given rank (PSD)
    W = rng.standard_normal((m, d))
    A = rng.standard_normal((d, rank))
    S = A @ A.T
    ref = 0.5 * np.linalg.slogdet(np.eye(m) + W @ S @ W.T / sigma**2)[1] / math.log(2)
    # both sides are O(10) bits computed from O(1) matrices: 1e-12 relative covers the rounding
    assert gaussian_channel_mi(W, S, sigma).value == pytest.approx(ref, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("c", [1e-300, 1e-200, 1e200, 1e300])
def test_gaussian_scale_invariance(c, rng):
    # I(X; cW X + c sigma Z) = I(X; W X + sigma Z), and likewise Sigma -> c Sigma, W -> W / sqrt(c);
    # c is not a power of two, so the scaled inputs carry one rounding each: 1e-13 relative
    W = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 4))
    S = A @ A.T
    ref = gaussian_channel_mi(W, S, 0.7).value
    assert gaussian_channel_mi(W * c, S, 0.7 * c).value == pytest.approx(ref, rel=1e-13, abs=0.0)
    assert gaussian_channel_mi(W / math.sqrt(c), S * c, 0.7).value == pytest.approx(ref, rel=1e-13, abs=0.0)


def test_gaussian_issue_reproducers():
    # sigma = 1e200 raised OverflowError: I ~ |W|_F^2 / (2 sigma^2 ln 2) ~ 1e-400 bits, which is 0.0
    assert gaussian_channel_mi(W2, None, 1e200).value == 0.0
    # sigma = 1e-200 (or W entries 1e200) gave inf: for invertible W and tiny sigma,
    # I = log2 |det W| - m log2 sigma + O(sigma^2) = 0 + 2 x 200 log2(10)
    truth = 400 * math.log2(10)
    assert gaussian_channel_mi(W2, None, 1e-200).value == pytest.approx(truth, rel=1e-14)
    assert gaussian_channel_mi(W2 * 1e200, None, 1.0).value == pytest.approx(truth, rel=1e-14)
    assert gaussian_channel_mi(W2, np.eye(2) * 1e300, 1e-150).value == pytest.approx(
        0.5 * 2 * math.log2(1e300) + 2 * 150 * math.log2(10), rel=1e-14)
    # a zero map or a zero covariance carries nothing
    assert gaussian_channel_mi(np.zeros((2, 3)), None, 1e-300).value == 0.0
    assert gaussian_channel_mi(W2, np.zeros((2, 2)), 1e-300).value == 0.0


def test_gaussian_sigma_checks_are_relative():
    # symmetry and PSD are judged relative to max |Sigma| (1e-10), at any scale
    S = np.array([[1.0, 0.5], [0.5 + 1e-8, 1.0]])
    for c in (1e-200, 1.0, 1e200):
        with pytest.raises(ValueError, match="`Sigma` must be symmetric"):
            gaussian_channel_mi(W2, S * c, 1.0)
        with pytest.raises(ValueError, match="`Sigma` must be positive semi-definite"):
            gaussian_channel_mi(W2, np.diag([1.0, -1e-6]) * c, 1.0)


def test_gaussian_refused_from_the_shape():
    view = np.broadcast_to(1.0, (10**5, 10**5))  # 80 GB as float64
    refused_before_allocating(lambda: gaussian_channel_mi(view, None, 1.0), exc=ValueError)


# --- infonce_lower_bound on hostile options (the hostile-input issue) --------------------------

XS = np.random.default_rng(0).standard_normal((64, 1))


def test_infonce_diverging_lr_is_refused():
    # lr = 1e300 returned value = stderr = nan; the loss turns non-finite at step 2
    with pytest.raises(ValueError, match=r"`lr` must be small enough .*got 1e\+300: the training loss became nan"):
        infonce_lower_bound(XS, XS, batch_size=8, steps=5, lr=1e300, seed=0)
    # a large but finite training is still a valid (poor) lower bound and is returned
    r = infonce_lower_bound(XS, XS, batch_size=8, steps=5, lr=10.0, seed=0)
    assert math.isfinite(r.value) and r.value <= r.extra["ceiling"]


@pytest.mark.parametrize("seed", [2**63, 2**64, -1])
def test_infonce_seed_outside_the_range_is_named(seed):
    # torch folds seeds modulo 2**63 (2**63 gave seed 0's estimate) and overflows at 2**64
    with pytest.raises(ValueError, match=r"`seed` must be an integer in \[0, 9223372036854775807\]"):
        infonce_lower_bound(XS, XS, batch_size=8, steps=2, seed=seed)


def test_infonce_largest_seed_is_its_own_stream():
    a = infonce_lower_bound(XS, XS, batch_size=8, steps=3, seed=2**63 - 1)
    b = infonce_lower_bound(XS, XS, batch_size=8, steps=3, seed=0)
    assert a.value != b.value


def test_infonce_plan_counts_the_critic():
    # the dominant term: parameters, gradients, two Adam moments and the update temporary of the
    # two critics, counted here from torch's own modules of the same architecture
    import torch

    from capacity.mi.infonce import EMBED, infonce_plan

    def n_params(d_in, h):
        net = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(), torch.nn.Linear(h, h),
                                  torch.nn.ReLU(), torch.nn.Linear(h, EMBED))
        return sum(p.numel() for p in net.parameters())

    for dx, dy, h in [(1, 1, 64), (3, 5, 200)]:
        critic = 5 * 8 * (n_params(dx, h) + n_params(dy, h))
        assert critic <= infonce_plan(100, dx, dy, 16, h) <= critic + 8 * (4 * 100 * (dx + dy) + 16 * (16 * h + 128)
                                                                         + 4 * 16**2 + 100)


def test_infonce_huge_critic_refused_before_allocating():
    # hidden = 10**7: 2 x 10^14 parameters; torch asked for 400 TB because max_bytes ignored the critic
    refused_before_allocating(lambda: infonce_lower_bound(XS, XS, batch_size=8, hidden=10**7),
                              match="infonce_lower_bound needs .* > max_bytes", exc=ValueError)
    view = np.broadcast_to(1.0, (10**9,))
    refused_before_allocating(lambda: infonce_lower_bound(view, view), exc=ValueError)
