r"""Plots that every user of the package draws: influence and retained-information profiles of Boolean
functions, a capacity against the number of samples with its limit, and information per layer of a
random network.

Each function draws on a given matplotlib ``Axes`` (or a new one) and returns it; matplotlib is imported
only when a function is called. Error bars are 1 standard error unless ``n_se`` says otherwise, and
every axis is labelled with its unit.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["plot_influence_profile", "plot_retained_information", "plot_capacity_vs_m",
           "plot_layer_information"]

_MARKERS = "osd^v<>PXh*"
_STYLES = ("-", "--", ":", "-.")


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        return plt.subplots()[1]
    if not hasattr(ax, "plot"):
        raise TypeError(f"`ax` must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax


def _named(items, name):
    if not isinstance(items, dict) or not items:
        raise TypeError(f"`{name}` must be a non-empty dict of label -> value; got {type(items).__name__}.")
    return items


def _n_se(n_se):
    if isinstance(n_se, bool) or not isinstance(n_se, numbers.Real) or not n_se > 0:
        raise ValueError(f"`n_se` must be a positive number; got {n_se!r}.")
    return float(n_se)


def plot_influence_profile(functions, *, ax=None):
    r"""Plot the influence of each variable, one line per function.

    .. math:: \mathrm{Inf}_i[f] = \Pr_x[f(x) \ne f(x^{\oplus i})] = \sum_{S \ni i} \hat f(S)^2

    Parameters
    ----------
    functions : dict
        Label -> a :class:`boolean.SpectralSummary` (its ``influences``) or a 1-D array of influences.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        With the y axis fixed to [0, 1] (influences are probabilities) and a legend.

    Raises
    ------
    TypeError
        If ``functions`` is not a non-empty dict or ``ax`` is not an Axes.
    ValueError
        If an influence profile is not a 1-D array of values in [0, 1].

    References
    ----------
    R. O'Donnell, *Analysis of Boolean Functions*, Cambridge University Press, 2014, Definition 2.13.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import boolean
    >>> ax = plot_influence_profile({"majority(5)": boolean.spectral_summary(boolean.majority(5)),
    ...                              "dictator(5)": boolean.influences(boolean.dictator(5, 0))})
    >>> [line.get_label() for line in ax.get_lines()], [float(y) for y in ax.get_ylim()]
    (['majority(5)', 'dictator(5)'], [-0.03, 1.05])
    """
    ax = _axes(ax)
    for (label, f), mk in zip(_named(functions, "functions").items(), _MARKERS * 10):
        inf = np.asarray(getattr(f, "influences", f), dtype=float)
        if inf.ndim != 1 or not np.all((inf >= -1e-12) & (inf <= 1 + 1e-12)):
            raise ValueError(f"`functions[{label!r}]` must be a 1-D array of influences in [0, 1]; got shape "
                             f"{inf.shape}.")
        ax.plot(np.arange(inf.size), inf, marker=mk, ms=4, lw=1, label=str(label))
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("variable i")
    ax.set_ylabel(r"$\mathrm{Inf}_i[f]$ (probability)")
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_retained_information(profiles, *, ax=None, n_se=1.0):
    r"""Plot the retained information with k unknown inputs against k, one curve per function.

    .. math:: R_f(k) = \mathop{\mathbb{E}}_{|K| = k}\, I\big(f(X);\, X_{[n] \setminus K}\big)

    Parameters
    ----------
    profiles : dict
        Label -> a :class:`boolean.RetainedInformationProfile` (``mean``, ``stderr`` in bits).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default a new figure).
    n_se : float > 0
        Half-width of the error bars in standard errors (0 width for an exact profile).

    Returns
    -------
    matplotlib.axes.Axes
        With the y axis from 0 to the largest entropy, in bits.

    Raises
    ------
    TypeError
        If ``profiles`` is not a non-empty dict or ``ax`` is not an Axes.
    ValueError
        If ``n_se`` is not positive.

    References
    ----------
    docs/problem.rst (retained information); T. M. Cover and J. A. Thomas, *Elements of Information
    Theory*, 2nd ed., Wiley, 2006, Section 2.4.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import boolean
    >>> prof = boolean.retained_information_profile(boolean.majority(5))
    >>> ax = plot_retained_information({"majority(5)": prof})
    >>> ax.get_ylabel()
    'retained information (bits)'
    """
    ax = _axes(ax)
    n_se = _n_se(n_se)
    top = 0.0
    for (label, prof), mk in zip(_named(profiles, "profiles").items(), _MARKERS * 10):
        mean = np.asarray(prof.mean, dtype=float)
        se = np.asarray(getattr(prof, "stderr", np.zeros_like(mean)), dtype=float)
        ax.errorbar(np.arange(mean.size), mean, yerr=n_se * se, marker=mk, ms=4, lw=1, capsize=2,
                    label=str(label))
        top = max(top, float(np.max(mean + n_se * se)))
    ax.set_ylim(-0.03 * max(top, 1.0), 1.05 * max(top, 1e-12))
    ax.set_xlabel("number of unknown inputs k")
    ax.set_ylabel("retained information (bits)")
    ax.set_title(f"error bars: {n_se:g} SE" if n_se != 1 else "error bars: 1 SE", fontsize=9)
    ax.legend(fontsize=8)
    return ax


def plot_capacity_vs_m(m, capacity, *, lower=None, upper=None, limit=None, label="C(m)", ax=None):
    r"""Plot a capacity against the number of samples m, its certified band, and its limit as m grows.

    .. math:: C(m) \le C(m + 1) \le \lim_{m \to \infty} C(m)

    Parameters
    ----------
    m : sequence of int >= 1
        Numbers of samples (the x axis gets integer ticks).
    capacity : sequence of float
        Capacities in bits, one per ``m``.
    lower, upper : sequence of float, optional
        Certified bounds in bits (drawn as a band).
    limit : float, optional
        The limit as m grows, in bits, drawn as a dotted line inside the axes.
    label : str
        Legend label of the curve.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        With y from 0 to just above the largest of the curve, the band and the limit.

    Raises
    ------
    TypeError
        If ``ax`` is not an Axes.
    ValueError
        If the lengths differ, an ``m`` is not a positive integer, or a value is not finite.

    References
    ----------
    docs/problem.rst (the insensitive-function channel); T. M. Cover and J. A. Thomas, *Elements of
    Information Theory*, 2nd ed., Wiley, 2006, Section 7.1.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_capacity_vs_m([1, 2, 3], [0.5, 0.8, 0.9], limit=1.0)
    >>> bool(ax.get_ylim()[1] > 1.0), [int(t) for t in ax.get_xticks()]
    (True, [1, 2, 3])
    """
    ax = _axes(ax)
    ms = np.asarray(m)
    if ms.ndim != 1 or ms.size == 0 or not np.issubdtype(ms.dtype, np.integer) or np.any(ms < 1):
        raise ValueError(f"`m` must be a non-empty sequence of positive integers; got {m!r}.")
    cols = {"capacity": capacity, "lower": lower, "upper": upper}
    vals = {}
    for name, v in cols.items():
        if v is None:
            continue
        a = np.asarray(v, dtype=float)
        if a.shape != ms.shape or not np.all(np.isfinite(a)):
            raise ValueError(f"`{name}` must hold {ms.size} finite values; got {v!r}.")
        vals[name] = a
    if limit is not None and not math.isfinite(float(limit)):
        raise ValueError(f"`limit` must be a finite number; got {limit!r}.")
    if "lower" in vals and "upper" in vals:
        ax.fill_between(ms, vals["lower"], vals["upper"], alpha=0.3, label=f"{label}: certified band")
    ax.plot(ms, vals["capacity"], "o-", ms=4, label=str(label))
    top = max(float(np.max(a)) for a in vals.values())
    if limit is not None:
        ax.axhline(float(limit), color="k", ls=":", lw=1, label=f"limit m -> inf = {float(limit):.4g} bits")
        top = max(top, float(limit))
    ax.set_ylim(0.0, 1.08 * top if top > 0 else 1.0)
    ax.set_xticks([int(x) for x in ms] if ms.size <= 12 else np.unique(np.linspace(ms.min(), ms.max(), 8).round()))
    ax.set_xlabel("samples m")
    ax.set_ylabel("capacity (bits)")
    ax.legend(fontsize=8)
    return ax


def plot_layer_information(rows, *, measure="quantized_rel", ax=None, n_se=1.0):
    r"""Plot information per layer from :func:`capacity.experiments.random_nets.layer_information` rows:
    the mean over seeds with error bars, one line per (activation, resolution): colour per activation,
    line style and marker per resolution, activations offset sideways so that none hides another.

    .. math:: \bar I_l = \frac{1}{S} \sum_{s=1}^{S} I_s(X; f_l(X)), \qquad
              \mathrm{SE}_l = \frac{\mathrm{sd}_s\, I_s}{\sqrt S}

    Parameters
    ----------
    rows : list of dict
        Tidy rows (keys ``activation, seed, layer, measure, delta_rel, delta_abs, sigma_rel, value_bits,
        ceiling_bits``).
    measure : {"quantized_rel", "quantized_abs", "noisy", "distinct"}
        Which measure to plot; its resolution column names the lines.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default a new figure).
    n_se : float > 0
        Half-width of the error bars in standard errors over seeds.

    Returns
    -------
    matplotlib.axes.Axes
        y from 0 to above the ceiling log2 N (dotted), integer layer ticks, distinct styles per line.

    Raises
    ------
    TypeError
        If ``rows`` is not a list of dicts or ``ax`` is not an Axes.
    ValueError
        If no row has the measure, or ``n_se`` is not positive.

    References
    ----------
    docs/problem.rst, section "Random networks".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from capacity.experiments.random_nets import NetSpec, layer_information
    >>> rows = [r for s in range(3) for r in layer_information(NetSpec(4, (4, 2, 4), "relu"), seed=s,
    ...         rel_deltas=(0.1,), abs_deltas=(), sigma_rels=())]
    >>> ax = plot_layer_information(rows)
    >>> ax.get_legend_handles_labels()[1]
    ['ceiling log2 N = 4 bits', 'relu, delta_rel = 0.1']
    """
    ax = _axes(ax)
    n_se = _n_se(n_se)
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise TypeError("`rows` must be a list of dicts (layer_information rows); got "
                        f"{type(rows).__name__}.")
    column = {"quantized_rel": "delta_rel", "quantized_abs": "delta_abs", "noisy": "sigma_rel",
              "distinct": None}
    if measure not in column:
        raise ValueError(f"`measure` must be one of {sorted(column)}; got {measure!r}.")
    sel = [r for r in rows if r.get("measure") == measure]
    if not sel:
        raise ValueError(f"`rows` must hold rows with measure={measure!r}; got none.")
    col = column[measure]
    keys = sorted({(r["activation"], r[col] if col else 0.0) for r in sel}, key=lambda k: (k[0], k[1]))
    acts = sorted({k[0] for k in keys})
    resolutions = sorted({k[1] for k in keys})
    ceiling = max(float(r["ceiling_bits"]) for r in sel)
    top_layer = max(int(r["layer"]) for r in sel)
    for act, res in keys:
        layers = sorted({int(r["layer"]) for r in sel if r["activation"] == act})
        mean, se = [], []
        for layer in layers:
            v = np.array([r["value_bits"] for r in sel if r["activation"] == act and int(r["layer"]) == layer
                          and (col is None or r[col] == res)], dtype=float)
            mean.append(v.mean())
            se.append(v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else 0.0)
        j, k = acts.index(act), resolutions.index(res)  # colour per activation, style and marker per resolution
        label = act if col is None else f"{act}, {col} = {res:g}"
        ax.errorbar(np.asarray(layers) + 0.04 * (j - (len(acts) - 1) / 2), mean, yerr=n_se * np.asarray(se),
                    color=f"C{j % 10}", ls=_STYLES[k % len(_STYLES)], marker=_MARKERS[k % len(_MARKERS)], ms=4,
                    capsize=2, label=label)
    ax.axhline(ceiling, color="k", ls=":", lw=1, label=f"ceiling log2 N = {ceiling:g} bits")
    ax.set_ylim(-0.03 * ceiling, 1.08 * ceiling)
    ax.set_xlim(0.7, top_layer + 0.3)
    ax.set_xticks(range(1, top_layer + 1))
    ax.set_xlabel("layer")
    ax.set_ylabel("information (bits)")
    ax.set_title(f"mean over seeds; error bars: {n_se:g} SE", fontsize=9)
    ax.legend(fontsize=7)
    return ax
