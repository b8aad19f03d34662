"""InfoNCE variational lower bound on I(X; Y) with a trained critic (torch), and its ln(batch) ceiling."""
from __future__ import annotations

import math
import numbers

import numpy as np

from boolean._lib.backend import resolve_device
from boolean._lib.validate import check_int, check_real, check_seed
from boolean._lib.memory import check_size
from capacity._result import MIEstimate

from ._common import as_paired_samples, planned_rows, units_scale

__all__ = ["infonce_lower_bound"]

#: Embedding dimension of the separable critic g(x)^T h(y).
EMBED = 32
#: Most Adam steps accepted (a hostile ``steps = 2**70`` would otherwise never return).
MAX_STEPS = 10**6


def infonce_lower_bound(x, y, *, batch_size=128, steps=300, hidden=64, lr=1e-3, seed=0,
                        device=None, units="bits", max_bytes=None) -> MIEstimate:
    r"""InfoNCE lower bound on I(X; Y), with a separable MLP critic trained by Adam.

    For a critic :math:`f(x, y) = g(x)^\top h(y)` and a batch of K pairs,

    .. math:: \hat I_{NCE} = \frac1K \sum_{i=1}^K \log \frac{e^{f(x_i, y_i)}}{\frac1K \sum_{j=1}^K e^{f(x_i, y_j)}}
              \;\le\; \ln K,

    a lower bound on I(X; Y) in expectation for any critic (van den Oord et al. 2018; Poole et
    al. 2019). Each summand is ``log_softmax <= 0`` plus ln K, so the estimate can *never exceed
    ln K*, whatever the true MI: this ceiling is reported in ``extra["ceiling"]`` and
    ``extra["at_ceiling"]`` flags estimates within 10 % of it (then the truth may be far higher).
    The critic is trained on the first half of the samples and the bound evaluated on the
    second half (held out), in full batches of K = ``batch_size``; ``stderr`` is the standard error
    over those evaluation batches.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, dx)
    y : array_like, shape (n,) or (n, dy)
    batch_size : int, 2 <= K <= n // 2
    steps : int in [1, 10**6]
        Adam steps (one random batch of the training half each).
    hidden : int >= 1
        Width of the two hidden layers of g and h (embedding dimension 32).
    lr : float > 0
        Adam's step size; a training that becomes non-finite (too large an lr) is refused.
    seed : int in [0, 2**63 - 1]
        Seeds the critic's initialisation and the batches (torch's global RNG is left untouched).
        torch folds larger seeds modulo 2**63, so they are refused rather than aliased.
    device : str or torch.device, optional
        Default CPU; "cuda" when available.
    units : {"bits", "nats"}
    max_bytes : int, optional
        Refuse, from the shapes and before any copy, when the samples, the critic (parameters,
        gradients, Adam moments) and a batch's activations (:func:`infonce_plan`) would exceed this
        (default 8 GiB).

    Returns
    -------
    MIEstimate
        ``value`` (held-out InfoNCE), ``stderr``, ``lower = upper = NaN``, ``method="infonce"``,
        ``n_samples`` = evaluation pairs; ``extra``: ``ceiling`` (ln K in ``units``),
        ``at_ceiling``, ``batch_size``, ``train_value`` (last training-batch estimate).

    Raises
    ------
    TypeError
        For non-numeric inputs or options of the wrong type.
    ValueError
        For ill-shaped, empty, non-finite or mismatched inputs, out-of-range options (a seed
        outside [0, 2**63 - 1]), CUDA without a GPU, an unknown ``units``, a size over
        ``max_bytes``, or an ``lr`` whose training diverges (non-finite loss or estimate).

    References
    ----------
    A. van den Oord, Y. Li and O. Vinyals, "Representation learning with contrastive
    predictive coding", arXiv:1807.03748 (2018). B. Poole et al., "On variational bounds of
    mutual information", ICML 2019.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((512, 1))
    >>> r = infonce_lower_bound(x, x, batch_size=16, steps=20, seed=0)
    >>> r.value <= r.extra["ceiling"] == 4.0
    True
    """
    scale = units_scale(units)
    (n, dx), (ny_rows, dy) = planned_rows(x), planned_rows(y)
    steps = check_int(steps, "steps", low=1, high=MAX_STEPS)
    hidden = check_int(hidden, "hidden", low=1)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    seed = check_seed(seed, optional=False, generator=False)
    # from the shapes, before any copy or allocation; batch_size is checked after the samples
    # (its range depends on n), so its plan term uses the largest batch the samples allow
    b_plan = batch_size if isinstance(batch_size, numbers.Integral) and 2 <= batch_size <= n // 2 else max(n // 2, 2)
    check_size(infonce_plan(max(n, ny_rows), dx, dy, int(b_plan), hidden), max_bytes, "infonce_lower_bound")
    xs, ys = as_paired_samples(x, y, max_bytes=max_bytes, min_rows=4)
    n = xs.shape[0]
    batch_size = check_int(batch_size, "batch_size", low=2, high=n // 2)
    dev = resolve_device(device)
    import torch

    threads = torch.get_num_threads()
    if dev.type == "cpu":
        torch.set_num_threads(1)  # tiny matmuls: extra OpenMP threads only add overhead (restored below)
    try:
        vals, train_value = _train_and_evaluate(torch, xs, ys, dev, batch_size, steps, hidden, lr, seed)
    finally:
        torch.set_num_threads(threads)
    log_k = math.log(batch_size)
    vals = np.array(vals)
    ceiling = math.log2(batch_size) if units == "bits" else log_k
    # every term is ln K + (log_softmax <= 0) <= ln K exactly; min() only undoes the rounding of the
    # mean and of the conversion to bits (a perfect critic would otherwise read 1 ulp above log2 K)
    value = min(float(vals.mean()) * scale, ceiling)
    train_value = min(train_value * scale, ceiling)
    stderr = float(vals.std(ddof=1)) / math.sqrt(vals.size) * scale if vals.size > 1 else math.nan
    return MIEstimate(value, stderr, math.nan, math.nan, "infonce", int(vals.size * batch_size), units,
                      {"ceiling": ceiling, "at_ceiling": bool(value >= 0.9 * ceiling),
                       "batch_size": batch_size, "train_value": train_value})


def _train_and_evaluate(torch, xs, ys, dev, batch_size, steps, hidden, lr, seed):
    n = xs.shape[0]
    log_k = math.log(batch_size)
    half = n // 2
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        # copies: the samples may be the caller's (read-only) arrays, which torch must not share
        X = torch.tensor(xs, device=dev)
        Y = torch.tensor(ys, device=dev)
        # standardise with training-half statistics
        mx, sx = X[:half].mean(0), X[:half].std(0).clamp_min(1e-12)
        my, sy = Y[:half].mean(0), Y[:half].std(0).clamp_min(1e-12)
        X, Y = (X - mx) / sx, (Y - my) / sy

        def mlp(d_in):
            return torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, EMBED)).to(device=dev, dtype=torch.float64)

        g, h = mlp(xs.shape[1]), mlp(ys.shape[1])
        params = list(g.parameters()) + list(h.parameters())
        adam = [(torch.zeros_like(q), torch.zeros_like(q)) for q in params]  # (m, v) moments
        gen = torch.Generator(device="cpu").manual_seed(seed)

        def nce(xb, yb):
            scores = g(xb) @ h(yb).T
            return log_k + torch.diagonal(torch.log_softmax(scores, dim=1)).mean()

        train_value = math.nan
        for step in range(1, steps + 1):
            idx = torch.randint(0, half, (batch_size,), generator=gen).to(dev)
            loss = -nce(X[idx], Y[idx])
            grads = torch.autograd.grad(loss, params)
            train_value = -float(loss.detach())
            if not math.isfinite(train_value):
                _diverged(lr, f"the training loss became {train_value} at step {step}")
            _adam_step(params, grads, adam, lr, step)
        vals = []
        with torch.no_grad():
            perm = (torch.randperm(n - half, generator=gen) + half).to(dev)
            for b in range((n - half) // batch_size):
                idx = perm[b * batch_size:(b + 1) * batch_size]
                vals.append(float(nce(X[idx], Y[idx])))
        if not all(math.isfinite(v) for v in vals):
            _diverged(lr, "the held-out estimate is not finite after the last step")
    return vals, train_value


def _diverged(lr, what):
    raise ValueError(f"`lr` must be small enough for the critic's training to stay finite; got {lr!r}: "
                     f"{what}. Lower lr (the default is 1e-3)")


def infonce_plan(n: int, dx: int, dy: int, batch_size: int, hidden: int) -> float:
    """Peak bytes of :func:`infonce_lower_bound`: the samples (float64 copies, standardised and
    their temporaries: 4 copies), the two critics' parameters with their gradients, Adam moments
    and update temporary (5 copies), one batch's activations forward and backward, the K x K
    scores and the evaluation permutation."""
    params = sum(d_in * hidden + hidden + hidden * hidden + hidden + hidden * EMBED + EMBED for d_in in (dx, dy))
    return 8.0 * (4 * n * (dx + dy) + 5 * params + batch_size * (16 * hidden + 4 * EMBED)
                  + 4 * batch_size * batch_size + n)


def _adam_step(params, grads, moments, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update (Kingma & Ba 2015), written out: torch.optim would import torch._dynamo (seconds)."""
    import torch

    with torch.no_grad():
        for p, g, (m, v) in zip(params, grads, moments):
            m.mul_(beta1).add_(g, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v / (1 - beta2**t)).sqrt_().add_(eps)
            p.addcdiv_(m, denom, value=-lr / (1 - beta1**t))
