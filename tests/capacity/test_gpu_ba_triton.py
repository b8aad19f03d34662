"""The fused Triton Blahut–Arimoto kernels (capacity._ba_triton), run in CI through Triton's
interpreter on CPU tensors (``triton_interpreted`` fixture), against the lock-step
:func:`capacity._solver.md_steps` (the same iteration, written against the array namespace) and the
closed forms of the BSC and BEC. On a CUDA machine the compiled kernels run the same checks
(marked gpu) and ``blahut_arimoto`` on CUDA tensors goes through them.
"""
import math

import numpy as np
import pytest

from boolean._lib.array import namespace, neg_entropy_rows
from capacity import blahut_arimoto
from capacity import channels as ch
from capacity._solver import certificate, md_steps, solve
from tests.conftest import cuda_only

torch = pytest.importorskip("torch")
pytest.importorskip("triton")


def dirichlet(rng, B, nx, ny, zeros=0.0):
    W = rng.exponential(size=(B, nx, ny))
    if zeros:
        W[rng.random(W.shape) < zeros] = 0.0
        W[..., 0] += (W.sum(-1) == 0)  # every row a distribution
    return W / W.sum(-1, keepdims=True)


def state(W, rng, mu0=2.0):
    Wt = torch.from_numpy(W)
    xp = namespace(Wt)
    B, nx, _ = W.shape
    p = torch.from_numpy(rng.dirichlet(np.ones(nx), size=B))
    mu = torch.full((B,), mu0, dtype=torch.float64)
    return xp, Wt, neg_entropy_rows(xp, Wt), p, mu


@pytest.fixture
def kernels(triton_interpreted):
    return triton_interpreted("capacity._ba_triton")


# shapes: square, padded (not powers of two), one input, one output, wide and tall
SHAPES = [(3, 8, 8), (2, 5, 7), (2, 1, 4), (2, 6, 1), (1, 3, 17), (2, 33, 5)]


@pytest.mark.parametrize("B, nx, ny", SHAPES)
@pytest.mark.parametrize("mu0, grow", [(2.0, 1.25), (1.0, 1.0)])
def test_md_batched_equals_md_steps(kernels, rng, B, nx, ny, mu0, grow):
    W = dirichlet(rng, B, nx, ny, zeros=0.3)
    xp, Wt, base, p, mu = state(W, rng, mu0)
    budget = torch.tensor([7.0, 12.0, 3.0][:B], dtype=torch.float64)
    want = md_steps(xp, Wt, base, p, mu, 12, 1e-13, grow, budget)
    got = kernels.md_batched(xp, Wt, base, p, mu, 12, 1e-13, grow, budget)
    # same steps, same acceptance decisions; only the order of the float64 sums differs
    # (64 terms of size <= 1: a few ulps), which the 12 steps do not amplify beyond 1e-12
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-13)
    assert torch.equal(got[4], want[4])  # iterations used: budget and certified channels stop


def test_md_batched_stops_certified_channels(kernels, rng):
    # a channel already certified (p optimal for the BSC, gap 0) uses no step; the others run
    W = np.stack([ch.bsc(0.11), ch.bsc(0.3)])
    xp, Wt, base, _, mu = state(W, rng)
    p = torch.tensor([[0.5, 0.5], [0.9, 0.1]], dtype=torch.float64)
    budget = torch.full((2,), 50.0, dtype=torch.float64)
    _, lo, up, _, used = kernels.md_batched(xp, Wt, base, p, mu, 50, 1e-12, 1.25, budget)
    assert used[0] == 0 and 0 < used[1] <= 50
    assert float(up[1] - lo[1]) <= 1e-12 or used[1] == 50


# plain BA converges linearly: a looser tol keeps its interpreted run short
@pytest.mark.parametrize("accelerated, tol", [(True, 1e-10), (False, 1e-5)])
def test_solver_with_fused_kernel_is_certified(kernels, rng, accelerated, tol):
    # the whole driver with the kernel as its mirror-descent phase, on channels with zeros
    W = np.concatenate([dirichlet(rng, 2, 9, 6, zeros=0.4), np.stack([ch.bsc(0.2)[[0, 1, 0, 1, 0, 1, 0, 1, 0]]
                                                                         .repeat(3, axis=1)[:, :6] / 3])])
    xp, Wt, base, _, _ = state(W, rng)
    B, nx, _ = W.shape
    p0 = torch.full((B, nx), 1.0 / nx, dtype=torch.float64)
    p, iters = solve(xp, Wt, base, p0, tol, 20_000, accelerated, chunk=kernels.CHUNK, md=kernels.md_batched)
    lo, up = certificate(xp, Wt, base, p)
    ref_p, _ = solve(xp, Wt, base, p0, tol, 20_000, accelerated, chunk=16)
    ref_lo, ref_up = certificate(xp, Wt, base, ref_p)
    assert (up - lo <= tol).all()
    # both certified intervals hold the capacity, so they overlap
    assert (lo <= ref_up + 1e-15).all() and (ref_lo <= up + 1e-15).all()


@pytest.mark.parametrize("eps", [0.0, 0.11, 0.5])
def test_fused_kernel_bsc_closed_form(kernels, rng, eps):
    W = ch.bsc(eps)[None]
    xp, Wt, base, _, _ = state(W, rng)
    p0 = torch.tensor([[0.8, 0.2]], dtype=torch.float64)
    p, _ = solve(xp, Wt, base, p0, 1e-12, 10_000, True, chunk=kernels.CHUNK, md=kernels.md_batched)
    lo, up = (float(a[0]) for a in certificate(xp, Wt, base, p))
    h = 0.0 if eps in (0.0, 1.0) else -eps * math.log(eps) - (1 - eps) * math.log(1 - eps)
    C = math.log(2) - h  # nats
    assert lo - 1e-15 <= C <= up + 1e-15 and up - lo <= 1e-12


# (B, nx, ny), (rows, cols, programs), (mu0, grow): a row in one tile or in several, one or
# several programs per channel, plain BA (no rejection pass) and an overshooting mu (rejections);
# the interpreter runs the programs' loops in Python, so the cases are few and small
STREAM_CASES = [((2, 9, 7), (2, 32, 3), (2.0, 1.25)), ((1, 5, 12), (4, 4, 2), (1.0, 1.0)),
                ((3, 4, 1), (8, 8, 1), (256.0, 1.25)), ((1, 4, 5), (1, 2, 4), (2.0, 1.25)),
                ((2, 7, 9), (4, 4, 3), (256.0, 1.25))]


@pytest.mark.parametrize("shape, tiles, mu_grow", STREAM_CASES)
def test_md_streamed_equals_md_steps(kernels, rng, shape, tiles, mu_grow):
    (B, nx, ny), (mu0, grow) = shape, mu_grow
    W = dirichlet(rng, B, nx, ny, zeros=0.3)
    xp, Wt, base, p, mu = state(W, rng, mu0)
    budget = torch.tensor([9.0, 12.0, 4.0][:B], dtype=torch.float64)
    want = md_steps(xp, Wt, base, p, mu, 12, 1e-13, grow, budget)
    rows, cols, programs = tiles
    got = kernels.md_streamed(xp, Wt, base, p, mu, 12, 1e-13, grow, budget, rows=rows, cols=cols,
                              programs=programs)
    # the same steps and decisions (mu0 = 256 makes steps rejected and retried); the shifts of
    # the exponents differ, which moves nothing here (no exponent reaches E_MAX, no mass TINY),
    # and the sums run in another order: agreement to rounding, 1e-12
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-13)
    assert torch.equal(got[4], want[4])


def test_md_streamed_rejects_and_retries(kernels, rng):
    # mu = 256 from the start overshoots: md_steps halves it; the streamed pass must take the
    # rejected branch's output law that it accumulated alongside
    W = dirichlet(rng, 1, 12, 10)
    xp, Wt, base, p, mu = state(W, rng, 256.0)
    budget = torch.full((1,), 6.0, dtype=torch.float64)
    want = md_steps(xp, Wt, base, p, mu, 6, 1e-13, 1.25, budget)
    assert float(want[3][0]) < 256.0  # the reference did reject at least once
    got = kernels.md_streamed(xp, Wt, base, p, mu, 6, 1e-13, 1.25, budget, rows=4, cols=4, programs=2)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-13)


def test_solver_with_streamed_kernel_is_certified(kernels, rng):
    W = dirichlet(rng, 1, 10, 8, zeros=0.5)
    xp, Wt, base, _, _ = state(W, rng)
    p0 = torch.full((1, 10), 1.0 / 10, dtype=torch.float64)
    tol = 1e-10

    def md(*args):
        return kernels.md_streamed(*args, rows=8, cols=8, programs=2)
    p, _ = solve(xp, Wt, base, p0, tol, 20_000, True, chunk=kernels.STREAM_CHUNK, md=md)
    lo, up = certificate(xp, Wt, base, p)
    ref_p, _ = solve(xp, Wt, base, p0, tol, 20_000, True, chunk=16)
    ref_lo, ref_up = certificate(xp, Wt, base, ref_p)
    assert float(up[0] - lo[0]) <= tol
    assert float(lo[0]) <= float(ref_up[0]) + 1e-15 and float(ref_lo[0]) <= float(up[0]) + 1e-15


def test_select_keeps_cpu_tensors_on_md_steps(kernels):
    W = torch.zeros((2, 4, 4), dtype=torch.float64)
    assert kernels.select(W) == (md_steps, kernels.TORCH_CHUNK)
    assert kernels.fits(64, 64) and kernels.fits(64, 128) and not kernels.fits(128, 128)
    assert kernels.tile_shape(5, 1) == (8, 2)
    assert kernels.available() == torch.cuda.is_available()


@pytest.mark.gpu
@cuda_only
def test_blahut_arimoto_cuda_goes_through_fused_kernel(rng, monkeypatch):
    from capacity import _ba_triton

    if not _ba_triton.available():
        pytest.skip("Triton is not installed")
    calls = []
    real = _ba_triton.md_batched
    monkeypatch.setattr(_ba_triton, "md_batched", lambda *a: calls.append(1) or real(*a))
    W = dirichlet(rng, 50, 16, 16)
    got = blahut_arimoto(torch.from_numpy(W).cuda(), tol=1e-9)
    want = blahut_arimoto(W, tol=1e-9, backend="numpy")
    assert calls
    assert got.p.device.type == "cuda" and bool(got.converged.all())
    assert (got.lower.cpu().numpy() <= want.upper + 1e-12).all()
    assert (want.lower <= got.upper.cpu().numpy() + 1e-12).all()


@pytest.mark.gpu
@cuda_only
@pytest.mark.parametrize("nx, ny", [(300, 200), (1000, 3000), (2048, 2048)])
def test_md_streamed_cuda_equals_md_steps(rng, nx, ny):
    from capacity import _ba_triton

    if not _ba_triton.available():
        pytest.skip("Triton is not installed")
    W = dirichlet(rng, 1, nx, ny, zeros=0.2)
    xp, Wt, base, p, mu = state(W, rng)
    budget = torch.full((1,), 10.0, dtype=torch.float64)
    want = md_steps(xp, Wt, base, p, mu, 10, 1e-13, 1.25, budget)
    got = _ba_triton.md_streamed(xp, *(a.cuda() for a in (Wt, base, p, mu)), 10, 1e-13, 1.25, budget.cuda())
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-10, atol=1e-12)
    big = blahut_arimoto(torch.from_numpy(W[0]).cuda(), tol=1e-9)
    ref = blahut_arimoto(W[0], tol=1e-9)
    assert big.converged and big.lower <= ref.upper + 1e-12 and ref.lower <= big.upper + 1e-12




@pytest.mark.gpu
@cuda_only
@pytest.mark.parametrize("B, nx, ny", SHAPES + [(64, 64, 64), (8, 64, 128)])
def test_md_batched_cuda_equals_md_steps(rng, B, nx, ny):
    from capacity import _ba_triton

    if not _ba_triton.available():
        pytest.skip("Triton is not installed")
    W = dirichlet(rng, B, nx, ny, zeros=0.3)
    xp, Wt, base, p, mu = state(W, rng)
    budget = torch.full((B,), 12.0, dtype=torch.float64)
    want = md_steps(xp, Wt, base, p, mu, 12, 1e-13, 1.25, budget)
    got = _ba_triton.md_batched(xp, *(a.cuda() for a in (Wt, base, p, mu)), 12, 1e-13, 1.25, budget.cuda())
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-11, atol=1e-12)
