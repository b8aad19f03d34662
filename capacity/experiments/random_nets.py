r"""How much information about its input does a randomly initialised MLP keep, at a stated resolution?

Setting (docs/problem.rst, section "Random networks"): X uniform on a finite input set (default {0,1}^d, d <= 26), a
deterministic float64 torch MLP f, and per layer l the information I(X; f_l(X)) measured three ways,
each with its ceiling :math:`\log_2 |X|`:

* exact injectivity: the number of distinct output rows (bit-exact float64) and H(f_l(X));
* quantised: H(Q_delta(f_l(X))) over a sweep of delta, absolute and relative to the layer RMS
  (:func:`capacity.mi.quantized_output_entropy`, counted exactly);
* noisy: I(X; f_l(X) + sigma Z) with sigma = sigma_rel x layer RMS
  (:func:`capacity.mi.noisy_channel_mi`: Monte Carlo +- SE with Kolchinsky-Tracey bounds).

All information values are reported in **bits** (columns ending in ``_bits``).
Jenner's argument: square layers (weights invertible with probability one) and a bijective
activation (tanh, leaky-ReLU) give an injective net, so every layer keeps all d bits at fine
resolution; ReLU and narrow layers are what lose information.
"""
from __future__ import annotations

import csv
import math
import numbers
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boolean._lib.array import to_numpy
from boolean._lib.backend import is_tensor, resolve_backend, resolve_device
from boolean._lib.validate import SEED_MAX, check_choice, check_flag, check_int, check_real, check_seed, shape_of
from boolean._lib.memory import check_size
from capacity.mi._common import as_samples
from capacity.mi._hashing import entropy_from_counts, row_counts_torch
from capacity.mi.exact import quantized_output_entropy
from capacity.mi.noisy import noisy_channel_mi

__all__ = ["NetSpec", "build_mlp", "hypercube_inputs", "layer_outputs",
           "layer_information", "run_sweep", "write_csv"]

ACTIVATIONS = ("linear", "tanh", "relu", "leaky_relu", "gelu")
INITS = ("gaussian", "orthogonal")
#: Default resolutions: relative to the layer RMS, absolute, and relative noise levels.
REL_DELTAS = (1e-9, 1e-6, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0)
ABS_DELTAS = (1e-6, 1e-3, 1e-2, 0.1, 1.0)
SIGMA_RELS = (1e-3, 1e-2, 0.1, 0.3, 1.0)
MAX_D = 26
#: Largest input dimension or layer width of a NetSpec (a float64 Linear layer of this width already
#: needs 16 GiB per input unit; what a net of allowed widths needs is planned by :func:`mlp_plan_bytes`).
MAX_WIDTH = 2**31 - 1
#: Largest depth of a NetSpec: each layer is two torch modules and one pass of every evaluation, so
#: a longer ``widths`` is refused from its length before its entries are read one by one.
MAX_DEPTH = 2**16
#: Planned bytes per row of the tidy table (a dict of 15 keys and their values), for :func:`run_sweep`.
ROW_BYTES = 1024.0
#: Largest number of resolutions per kind in :func:`layer_information` (each is one pass over a layer).
MAX_RESOLUTIONS = 10**6


@dataclass(frozen=True)
class NetSpec:
    """An MLP architecture and initialisation law (validated on construction).

    Parameters
    ----------
    d_in : int in [1, 2**31 - 1]
        Input dimension.
    widths : tuple of int in [1, 2**31 - 1]
        Output width of each layer (depth = len(widths), at most 2**16); bottlenecks allowed.
    activation : {"linear", "tanh", "relu", "leaky_relu", "gelu"}
    weight_gain : float > 0
        Gaussian init: W_ij ~ N(0, gain^2 / fan_in); orthogonal init: gain x a (semi-)orthogonal matrix.
    bias_scale : float >= 0
        Biases ~ N(0, bias_scale^2) (0: no bias).
    init : {"gaussian", "orthogonal"}
    negative_slope : float in (0, 1)
        Slope of leaky-ReLU for negative inputs (torch's default 0.01).
    name : str
        Label in result tables (default: built from the fields).

    Returns
    -------
    NetSpec
        A frozen (hashable) spec; ``depth`` and ``label`` are derived properties.

    Raises
    ------
    TypeError
        For non-integer sizes, non-real gains or a non-string name.
    ValueError
        For empty widths or more than 2**16 of them, sizes < 1, an unknown activation or init,
        gain <= 0, bias_scale < 0, or a negative slope outside (0, 1).

    References
    ----------
    docs/problem.rst, section "Random networks" (the settings supported).

    Examples
    --------
    >>> NetSpec(4, (4, 2, 4), "relu").label
    'relu 4-4-2-4 gaussian g=1'
    """

    d_in: int
    widths: tuple
    activation: str = "tanh"
    weight_gain: float = 1.0
    bias_scale: float = 0.0
    init: str = "gaussian"
    negative_slope: float = 0.01
    name: str = ""

    def __post_init__(self):
        check_int(self.d_in, "d_in", low=1, high=MAX_WIDTH)
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__len__"):
            raise ValueError(f"`widths` must be a non-empty sequence of positive integers; got {self.widths!r}")
        depth = _length(self.widths)
        if depth == 0:
            raise ValueError(f"`widths` must be a non-empty sequence of positive integers; got {self.widths!r}")
        if depth is None or depth > MAX_DEPTH:
            got = f"more than {sys.maxsize}" if depth is None else depth
            raise ValueError(f"`widths` must have at most {MAX_DEPTH} layers; got {got}")
        for w in self.widths:
            check_int(w, "widths entry", low=1, high=MAX_WIDTH)
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_choice(self.init, "init", INITS)
        check_real(self.weight_gain, "weight_gain", low=0.0, low_open=True)
        check_real(self.bias_scale, "bias_scale", low=0.0)
        check_real(self.negative_slope, "negative_slope", low=0.0, high=1.0, low_open=True, high_open=True)
        if not isinstance(self.name, str):
            raise TypeError(f"`name` must be a string; got {self.name!r}")

    @property
    def depth(self) -> int:
        return len(self.widths)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        arch = "-".join(str(w) for w in (self.d_in,) + self.widths)
        extra = f" b={self.bias_scale:g}" if self.bias_scale else ""
        return f"{self.activation} {arch} {self.init} g={self.weight_gain:g}{extra}"


def _length(seq) -> int | None:
    """``len(seq)``, also where it exceeds ``sys.maxsize`` and ``len()`` raises OverflowError: then
    the exact length of a range, None for any other sequence."""
    try:
        return len(seq)
    except OverflowError:
        if isinstance(seq, range):
            return max(0, -(-(seq.stop - seq.start) // seq.step))
        return None


def _weights(rng, fan_out, fan_in, spec):
    a = rng.standard_normal((fan_out, fan_in))
    if spec.init == "gaussian":
        return spec.weight_gain / math.sqrt(fan_in) * a
    tall = fan_out >= fan_in
    q, r = np.linalg.qr(a if tall else a.T)
    q = q * np.sign(np.diag(r))  # Haar-distributed (Mezzadri 2007)
    return spec.weight_gain * (q if tall else q.T)


def mlp_plan_bytes(spec):
    """Peak bytes of :func:`build_mlp`: every float64 parameter, and four copies of the largest
    layer's weights while it is drawn (the Gaussian draw, its scaled or QR-factored copies)."""
    fans = (spec.d_in,) + spec.widths
    params = sum((f + 1) * w for f, w in zip(fans, spec.widths))
    return 8.0 * params + 32.0 * max(f * w for f, w in zip(fans, spec.widths))


def build_mlp(spec, *, seed=0, device=None, max_bytes=None):
    r"""Build the float64 torch MLP of ``spec`` with weights drawn from ``seed``.

    Layer l computes :math:`h_l = \phi(W_l h_{l-1} + b_l)`; weights and biases are drawn with
    numpy's ``default_rng(seed)`` (identical on every device), then copied to ``device``.

    Parameters
    ----------
    spec : NetSpec
    seed : int in [0, 2**63 - 1]
    device : str or torch.device, optional (default CPU)
    max_bytes : int, optional
        Refuse (before drawing any weight) a net whose parameters and drawing copies
        (:func:`mlp_plan_bytes`) exceed this (default 8 GiB).

    Returns
    -------
    torch.nn.Sequential
        Alternating ``Linear`` and activation modules (``Identity`` for "linear"), float64.

    Raises
    ------
    TypeError
        If ``spec`` is not a NetSpec or ``seed`` not an integer.
    ValueError
        For a seed outside [0, 2**63 - 1], a net over ``max_bytes`` or CUDA without a GPU.

    References
    ----------
    F. Mezzadri, "How to generate random matrices from the classical compact groups",
    Notices AMS 54 (2007) (orthogonal init).

    Examples
    --------
    >>> net = build_mlp(NetSpec(3, (3, 3), "tanh"), seed=1)
    >>> len(net), str(next(net.parameters()).dtype)
    (4, 'torch.float64')
    """
    if not isinstance(spec, NetSpec):
        raise TypeError(f"`spec` must be a NetSpec; got {type(spec).__name__}")
    seed = check_seed(seed, optional=False, generator=False)
    dev = resolve_device(device)
    check_size(mlp_plan_bytes(spec), max_bytes, f"the net {spec.label}")
    import torch

    act = {"linear": torch.nn.Identity, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "gelu": torch.nn.GELU,
           "leaky_relu": lambda: torch.nn.LeakyReLU(spec.negative_slope)}[spec.activation]
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, width in zip((spec.d_in,) + spec.widths, spec.widths):
        lin = torch.nn.Linear(fan_in, width, bias=True, dtype=torch.float64)
        with torch.no_grad():  # the weights, then the biases, from one generator
            lin.weight.copy_(torch.as_tensor(_weights(rng, width, fan_in, spec)))
            lin.bias.copy_(torch.as_tensor(spec.bias_scale * rng.standard_normal(width)))
        layers += [lin, act()]
    net = torch.nn.Sequential(*layers).to(dev)
    net.requires_grad_(False)
    return net


def hypercube_inputs(d, *, signed=False, max_bytes=None):
    r"""All :math:`2^d` points of {0,1}^d (or {-1,1}^d), float64, row index :math:`\sum_i x_i 2^i`.

    Parameters
    ----------
    d : int, 1 <= d <= 26
    signed : bool
        Return {-1, 1}^d (bit 0 -> +1, bit 1 -> -1) instead of {0, 1}^d.
    max_bytes : int, optional

    Returns
    -------
    ndarray, shape (2**d, d)

    Raises
    ------
    TypeError
        For a non-integer ``d``.
    ValueError
        For d out of range or a size over ``max_bytes``.

    References
    ----------
    docs/problem.rst, section "Conventions" (bit i is variable i, least significant first).

    Examples
    --------
    >>> hypercube_inputs(2)
    array([[0., 0.],
           [1., 0.],
           [0., 1.],
           [1., 1.]])
    """
    d = check_int(d, "d", low=1, high=MAX_D)
    signed = check_flag(signed, "signed")
    check_size(2.0**d * (d + 2) * 8, max_bytes, f"hypercube_inputs(d={d})")  # the result, the indices, one column
    idx = np.arange(2**d, dtype=np.int64)
    out = np.empty((2**d, d))
    for i in range(d):  # column by column: no (2**d, d) int64 temporary
        bit = (idx >> i) & 1
        out[:, i] = 1 - 2 * bit if signed else bit
    return out


def layer_outputs(net, inputs, *, max_bytes=None):
    r"""Post-activation outputs of every layer of ``net`` on ``inputs`` (a list, one array per layer).

    With h_0 = x, layer l computes :math:`h_l = \phi(W_l h_{l-1} + b_l)` (the same float64
    module calls as ``net(x)``), and the list is :math:`[h_1, \dots, h_L]`.

    Parameters
    ----------
    net : torch.nn.Sequential from :func:`build_mlp`
    inputs : array_like (N, d_in) or torch.Tensor (kept on its device)
    max_bytes : int, optional
        Refuse (before the forward pass) when the float64 outputs of all layers, plus their host
        copies for numpy input, would exceed this (default 8 GiB).

    Returns
    -------
    list of ndarray (numpy input) or torch.Tensor (tensor input), shapes (N, width_l)

    Raises
    ------
    TypeError
        If ``net`` is not a Sequential of Linear and activation modules with float64 parameters.
    ValueError
        For inputs of the wrong shape or non-finite inputs, or outputs over ``max_bytes``.

    References
    ----------
    docs/problem.rst, section "Random networks".

    Examples
    --------
    >>> net = build_mlp(NetSpec(2, (3, 1), "relu"), seed=0)
    >>> [y.shape for y in layer_outputs(net, hypercube_inputs(2))]
    [(4, 3), (4, 1)]
    """
    import torch

    mods = list(net) if isinstance(net, torch.nn.Sequential) else []
    linear = mods[::2]
    if not mods or len(mods) % 2 or not all(isinstance(m, torch.nn.Linear) for m in linear):
        raise TypeError(f"`net` must be a torch.nn.Sequential of Linear and activation modules from build_mlp; "
                        f"got {net!r:.80}")
    dtypes = {p.dtype for p in net.parameters()}
    if dtypes != {torch.float64}:
        raise TypeError(f"`net` must hold float64 parameters, as build_mlp makes them (outputs are compared "
                        f"bit for bit); got {sorted(map(str, dtypes))}")
    first = linear[0].weight
    h = _as_net_input(inputs, first.shape[1], first.device, max_bytes)
    keep = is_tensor(inputs)  # output follows input: tensors stay on their device, the rest comes back as numpy
    width_sum = sum(m.out_features for m in linear)
    check_size(8.0 * (1 if keep else 2) * h.shape[0] * width_sum, max_bytes, "layer_outputs (all layers)")
    return [y if keep else to_numpy(y) for y in _iter_layers(net, h)]


def _as_net_input(inputs, d_in, device, max_bytes=None):
    """The input set as a validated float64 tensor (N >= 1, d_in) on ``device`` (the one place that tells
    tensors from array-likes: a tensor must already be on ``device``, array-likes are checked and copied)."""
    import torch

    if is_tensor(inputs):
        h = inputs.to(dtype=torch.float64)
        if h.device != device:
            raise ValueError(f"`inputs` must be on the net's device {device}; got {h.device}.")
    else:
        h = torch.as_tensor(as_samples(inputs, "inputs", max_bytes=max_bytes), device=device)
    if h.ndim != 2 or h.shape[1] != d_in:
        raise ValueError(f"`inputs` must have shape (N, {d_in}); got {tuple(h.shape)}.")
    if h.shape[0] == 0:
        raise ValueError(f"`inputs` must have at least 1 row; got shape {tuple(h.shape)}.")
    return h


def _iter_layers(net, h):
    """Yield each layer's output on a validated input tensor ``h``."""
    import torch

    mods = list(net)
    with torch.no_grad():
        for i in range(0, len(mods), 2):
            h = mods[i + 1](mods[i](h))
            yield h


def _distinct(y):
    """Multiplicities of the bit-distinct float64 rows of a layer's output tensor, counted on its device;
    -0.0 == 0.0."""
    import torch

    return to_numpy(row_counts_torch((y + 0.0).contiguous().view(torch.int64)))


def _check_resolutions(values, name):
    """A number or a (possibly empty) sequence of positive numbers, as a tuple of floats."""
    if isinstance(values, numbers.Real):
        values = (values,)
    if isinstance(values, np.ndarray) and values.size > MAX_RESOLUTIONS:
        raise ValueError(f"`{name}` must hold at most {MAX_RESOLUTIONS} values; got {values.size}")
    try:
        vals = tuple(values)
    except TypeError as exc:
        raise TypeError(f"`{name}` must be a sequence of positive numbers; got {values!r}") from exc
    return tuple(check_real(v, f"{name} entry", low=0.0, low_open=True) for v in vals)


def layer_information(spec, *, seed=0, inputs=None, rel_deltas=REL_DELTAS, abs_deltas=ABS_DELTAS,
                      sigma_rels=SIGMA_RELS, n_mc=1024, max_noisy_points=4096, device=None, max_bytes=None):
    r"""Per-layer information I(X; f_l(X)) of one random net on a finite uniform input set, in bits.

    For each layer l (1..depth), with :math:`N = |X|` and ceiling :math:`\log_2 N`:

    * ``measure="distinct"``: :math:`H(f_l(X))` of the exact float64 outputs (= log2 N iff the
      layer is injective on X); ``n_distinct`` counts distinct rows;
    * ``measure="quantized_rel"`` / ``"quantized_abs"``: :math:`H(\lfloor f_l(X)/\delta \rfloor)` with
      :math:`\delta = \delta_{rel}\cdot\mathrm{RMS}(f_l(X))` or an absolute :math:`\delta` (exact counts);
    * ``measure="noisy"``: :math:`I(X; f_l(X) + \sigma Z)`, :math:`\sigma = \sigma_{rel}\cdot\mathrm{RMS}`,
      Monte Carlo value +- SE and Kolchinsky-Tracey ``lower``/``upper``; only when N <= ``max_noisy_points``
      (the bounds cost O(N^2 width)).

    Parameters
    ----------
    spec : NetSpec
    seed : int in [0, 2**63 - 1]
        Seeds the weights (and the Monte Carlo noise).
    inputs : array_like (N, d_in) or torch.Tensor, optional
        The finite input set, all points equally likely (default {0,1}^d_in, needs d_in <= 26).
    rel_deltas, abs_deltas, sigma_rels : sequences of float > 0 (may be empty)
    n_mc : int in [2, 2**31 - 1]
        Monte Carlo draws per noisy estimate.
    max_noisy_points : int >= 0
        Skip the noisy measure when N exceeds this.
    device : str or torch.device, optional
        Where the net runs; default the device of tensor ``inputs``, else the CPU.
    max_bytes : int, optional
        Refuse (before building the inputs or running the net) when the inputs and the working arrays of
        one layer, about N x (d_in + 4 max(widths) + 3) float64, would exceed this (default 8 GiB).

    Returns
    -------
    list of dict
        Tidy rows, every row with the same keys in the same order (``pandas.DataFrame(rows)`` loads
        them as they are): ``spec, activation, seed, layer, width, measure, delta_rel, delta_abs,
        sigma_rel, value_bits, stderr_bits, lower_bits, upper_bits, ceiling_bits, n_distinct``. One
        column per meaning: ``delta_rel`` (bin width relative to the layer RMS, ``quantized_rel`` rows),
        ``delta_abs`` (absolute bin width, ``quantized_abs`` rows), ``sigma_rel`` (noise level relative
        to the layer RMS, ``noisy`` rows); NaN where a column does not apply, ``n_distinct`` -1 where it
        does not apply.

    Raises
    ------
    TypeError
        For a spec that is not a NetSpec or options of the wrong type.
    ValueError
        For out-of-range options, bad inputs, a size over ``max_bytes``, or CUDA without a GPU.

    References
    ----------
    docs/problem.rst, section "Random networks"; E. Jenner (invertibility); J. Wentworth, "Scarce Channels".

    Examples
    --------
    >>> rows = layer_information(NetSpec(4, (4, 4), "tanh"), seed=0, rel_deltas=(1e-9,),
    ...                          abs_deltas=(), sigma_rels=())
    >>> [(r["layer"], r["measure"], r["delta_rel"], r["value_bits"]) for r in rows]
    [(1, 'distinct', nan, 4.0), (1, 'quantized_rel', 1e-09, 4.0), (2, 'distinct', nan, 4.0), (2, 'quantized_rel', 1e-09, 4.0)]
    """
    if not isinstance(spec, NetSpec):
        raise TypeError(f"`spec` must be a NetSpec; got {type(spec).__name__}")
    seed = check_seed(seed, optional=False, generator=False)
    rel_deltas = _check_resolutions(rel_deltas, "rel_deltas")
    abs_deltas = _check_resolutions(abs_deltas, "abs_deltas")
    sigma_rels = _check_resolutions(sigma_rels, "sigma_rels")
    n_mc = check_int(n_mc, "n_mc", low=2, high=2**31 - 1)
    max_noisy_points = check_int(max_noisy_points, "max_noisy_points", low=0)
    dev = resolve_backend("auto", inputs, device=device, supported=("torch",)).device  # tensors: their device
    if inputs is None and spec.d_in > MAX_D:
        raise ValueError(f"`spec.d_in` must be <= {MAX_D} for the default hypercube inputs; got {spec.d_in}")
    shape = (2**spec.d_in,) if inputs is None else shape_of(inputs)  # from the shape, before any copy
    check_size(8.0 * (shape[0] if shape else 0) * (spec.d_in + 4 * max(spec.widths) + 3), max_bytes,
               "layer_information")
    x = hypercube_inputs(spec.d_in, max_bytes=max_bytes) if inputs is None else inputs
    inputs = _as_net_input(x, spec.d_in, dev, max_bytes)
    n_points = int(inputs.shape[0])
    net = build_mlp(spec, seed=seed, device=dev, max_bytes=max_bytes)
    rows = []
    ceiling = math.log2(n_points)
    base = {"spec": spec.label, "activation": spec.activation, "seed": seed}
    for layer, y in enumerate(_iter_layers(net, inputs), start=1):
        common = dict(base, layer=layer, width=int(y.shape[1]))
        counts = _distinct(y)
        h = entropy_from_counts(counts, "bits")
        rows.append(_row(common, "distinct", h, 0.0, h, h, ceiling, int(counts.size)))
        for kind, deltas in (("quantized_rel", rel_deltas), ("quantized_abs", abs_deltas)):
            for delta in deltas:
                r = quantized_output_entropy(y, delta, relative=kind == "quantized_rel", max_bytes=max_bytes)
                key = "delta_rel" if kind == "quantized_rel" else "delta_abs"
                rows.append(_row(common, kind, r.value, 0.0, r.lower, r.upper, ceiling, r.extra["n_distinct"],
                                 **{key: delta}))
        if sigma_rels and n_points <= max_noisy_points:
            yn = to_numpy(y)
            rms = float(np.sqrt(np.mean(yn * yn)))
            for s_rel in sigma_rels:
                if rms == 0.0:  # a dead layer carries nothing
                    r_val = r_se = r_lo = r_up = 0.0
                else:
                    r = noisy_channel_mi(yn, s_rel * rms, n_mc=n_mc, seed=seed, max_bytes=max_bytes)
                    r_val, r_se, r_lo, r_up = r.value, r.stderr, r.lower, r.upper
                rows.append(_row(common, "noisy", r_val, r_se, r_lo, r_up, ceiling, -1, sigma_rel=s_rel))
    return rows


def _row(common, measure, value, stderr, lower, upper, ceiling, n_distinct, *, delta_rel=math.nan,
         delta_abs=math.nan, sigma_rel=math.nan):
    """One tidy row of :func:`layer_information`: the same keys, in the same order, for every measure."""
    return dict(common, measure=measure, delta_rel=float(delta_rel), delta_abs=float(delta_abs),
                sigma_rel=float(sigma_rel), value_bits=float(value), stderr_bits=float(stderr),
                lower_bits=float(lower), upper_bits=float(upper), ceiling_bits=float(ceiling),
                n_distinct=int(n_distinct))


def run_sweep(specs, seeds, *, csv_path=None, progress=True, **kwargs):
    r"""Run :func:`layer_information` over every (spec, seed) pair with a tqdm progress bar.

    The rows are :math:`\{\text{layer\_information}(\text{spec}, \text{seed})\}` over the product
    ``specs x seeds`` (spec-major order), each row's information in bits.

    Parameters
    ----------
    specs : sequence of NetSpec
    seeds : sequence of int in [0, 2**63 - 1] (or an int n, meaning range(n))
    csv_path : str or Path, optional
        Also write the tidy table there as CSV (see :func:`write_csv`).
    progress : bool
        Show the progress bar.
    **kwargs
        Passed to :func:`layer_information` (resolutions, n_mc, device, ...); its ``max_bytes``
        also bounds the tidy table (about 1 KiB per row), refused before the first net.

    Returns
    -------
    list of dict
        The concatenated tidy rows (information in bits).

    Raises
    ------
    TypeError
        For specs that are not NetSpec or non-integer seeds.
    ValueError
        For empty specs/seeds, seeds out of range, a table over ``max_bytes``, or errors from
        :func:`layer_information`.

    References
    ----------
    docs/problem.rst, section "Random networks".

    Examples
    --------
    >>> rows = run_sweep([NetSpec(3, (3,), "relu")], 2, progress=False, rel_deltas=(0.1,), abs_deltas=(),
    ...                  sigma_rels=())
    >>> sorted({r["seed"] for r in rows}), len(rows)
    ([0, 1], 4)
    """
    if isinstance(specs, NetSpec):
        specs = [specs]
    if isinstance(specs, (str, bytes, np.ndarray)) or not hasattr(specs, "__iter__"):
        raise TypeError(f"`specs` must be a NetSpec or a sequence of NetSpec; got {type(specs).__name__}")
    if csv_path is not None and not isinstance(csv_path, (str, os.PathLike)):
        raise TypeError(f"`csv_path` must be a str, an os.PathLike or None; got {type(csv_path).__name__}")
    specs = list(specs)
    if not specs:
        raise ValueError("`specs` must be a non-empty sequence of NetSpec")
    for s in specs:
        if not isinstance(s, NetSpec):
            raise TypeError(f"`specs` must hold NetSpec objects; got {type(s).__name__}")
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        seeds = range(check_int(seeds, "seeds", low=1, high=SEED_MAX + 1))
    if isinstance(seeds, (bool, str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"`seeds` must be an int or a sequence of ints; got {seeds!r}")
    if isinstance(seeds, range):  # checked at its ends, never listed (len() overflows past 2**63 - 1)
        n_seeds = max(0, (seeds.stop - seeds.start + seeds.step - (1 if seeds.step > 0 else -1)) // seeds.step)
        for s in {seeds.start, seeds.start + (n_seeds - 1) * seeds.step} if n_seeds else ():
            check_seed(s, "seeds entry", optional=False, generator=False)
    else:
        seeds = [check_seed(s, "seeds entry", optional=False, generator=False) for s in seeds]
        n_seeds = len(seeds)
    if not n_seeds:
        raise ValueError("`seeds` must be non-empty")
    progress = check_flag(progress, "progress")
    per_net = sum(spec.depth for spec in specs) * (1 + sum(
        len(_check_resolutions(kwargs.get(key, default), key))
        for key, default in (("rel_deltas", REL_DELTAS), ("abs_deltas", ABS_DELTAS), ("sigma_rels", SIGMA_RELS))))
    check_size(ROW_BYTES * per_net * n_seeds, kwargs.get("max_bytes"), "the tidy rows of run_sweep")
    from tqdm.auto import tqdm

    rows = []
    with tqdm(total=len(specs) * n_seeds, desc="random nets", unit="net", disable=not progress) as bar:
        for spec in specs:
            for seed in seeds:
                rows.extend(layer_information(spec, seed=seed, **kwargs))
                bar.update()
    if csv_path is not None:
        write_csv(rows, csv_path)
    return rows


def write_csv(rows, path):
    """Write tidy rows (list of dicts) to ``path`` as CSV (header = union of keys, first-seen order).

    Parameters
    ----------
    rows : list of dict
    path : str or os.PathLike
        A file (created or overwritten; missing parent folders are created).

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        If ``rows`` is not a list of dicts or ``path`` not a path.
    ValueError
        If ``rows`` is empty or ``path`` is an existing directory.

    References
    ----------
    RFC 4180 (CSV).

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_csv([{"a": 1, "b": 2.5}], os.path.join(tempfile.mkdtemp(), "t.csv"))
    >>> p.read_text().splitlines()
    ['a,b', '1,2.5']
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise TypeError("`rows` must be a list of dicts")
    if not rows:
        raise ValueError("`rows` must be non-empty")
    keys = list(dict.fromkeys(k for r in rows for k in r))
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a str or os.PathLike; got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"`path` must name a file; got the directory {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path

