"""capacity.plotting: what is drawn equals what is given, limits stay inside the axes, bad input is refused."""
import math

import numpy as np
import pytest

from capacity.plotting import (plot_capacity_vs_m, plot_influence_profile, plot_layer_information,
                               plot_retained_information)
from capacity.report._framework import figure_problems, pyplot


@pytest.fixture
def ax():
    plt = pyplot()
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_influence_profile_draws_the_given_influences(ax):
    import boolean

    plot_influence_profile({"maj": boolean.spectral_summary(boolean.majority(5)), "dict": [1.0, 0, 0]}, ax=ax)
    lines = ax.get_lines()
    # Inf_i[Maj_5] = C(4, 2) / 2^4 = 3/8 for every i (exact count)
    assert lines[0].get_ydata().tolist() == [0.375] * 5
    assert lines[1].get_ydata().tolist() == [1.0, 0.0, 0.0]
    assert figure_problems(ax.figure) == []


def test_retained_information_error_bars_are_n_se_wide(ax):
    class Profile:
        mean = np.array([1.0, 0.6, 0.0])
        stderr = np.array([0.0, 0.05, 0.0])

    plot_retained_information({"f": Profile()}, ax=ax, n_se=2)
    segs = ax.collections[0].get_segments()
    assert [float(s[1, 1] - s[0, 1]) for s in segs] == pytest.approx([0.0, 0.2, 0.0], abs=1e-15)  # 2 x 2 SE
    assert "2 SE" in ax.get_title()
    assert figure_problems(ax.figure) == []


def test_capacity_vs_m_keeps_the_limit_inside_the_axes(ax):
    plot_capacity_vs_m([1, 2, 3, 4], [1.0, 1.5, 1.8, 1.9], lower=[0.99, 1.49, 1.79, 1.89],
                       upper=[1.0, 1.5, 1.8, 1.9], limit=16.0, ax=ax)
    assert ax.get_ylim()[1] > 16.0
    assert [int(t) for t in ax.get_xticks()] == [1, 2, 3, 4]  # no ticks between samples
    assert figure_problems(ax.figure) == []


def test_layer_information_is_the_mean_over_seeds_with_1_se(ax):
    rows = [dict(activation="relu", seed=s, layer=layer, measure="quantized_rel", delta_rel=0.1,
                 delta_abs=math.nan, sigma_rel=math.nan, value_bits=v, ceiling_bits=4.0)
            for s, vals in enumerate([(4.0, 3.0), (4.0, 1.0), (4.0, 2.0)]) for layer, v in enumerate(vals, 1)]
    plot_layer_information(rows, ax=ax)
    container = ax.containers[0]
    assert container.get_label() == "relu, delta_rel = 0.1"
    assert container.lines[0].get_ydata().tolist() == [4.0, 2.0]
    seg = ax.collections[0].get_segments()[1]
    # layer 2: values 3, 1, 2: sd 1, SE 1/sqrt(3)
    assert float(seg[1, 1] - seg[0, 1]) == pytest.approx(2 / math.sqrt(3), rel=1e-12)
    assert figure_problems(ax.figure) == []


@pytest.mark.parametrize("call, err, match", [
    (lambda ax: plot_influence_profile([0.5], ax=ax), TypeError, "`functions` must be a non-empty dict"),
    (lambda ax: plot_influence_profile({"f": [1.5]}, ax=ax), ValueError, "influences in \\[0, 1\\]"),
    (lambda ax: plot_retained_information({"f": None}, ax=ax, n_se=0), ValueError, "`n_se` must be a positive"),
    (lambda ax: plot_capacity_vs_m([0, 1], [0.1, 0.2], ax=ax), ValueError, "`m` must be a non-empty sequence"),
    (lambda ax: plot_capacity_vs_m([1, 2], [0.1], ax=ax), ValueError, "`capacity` must hold 2 finite"),
    (lambda ax: plot_capacity_vs_m([1], [0.1], limit=math.inf, ax=ax), ValueError, "`limit` must be a finite"),
    (lambda ax: plot_layer_information([{"measure": "noisy"}], measure="x", ax=ax), ValueError, "`measure` must"),
    (lambda ax: plot_layer_information([{"measure": "noisy"}], ax=ax), ValueError, "must hold rows with"),
    (lambda ax: plot_layer_information("rows", ax=ax), TypeError, "`rows` must be a list of dicts"),
    (lambda ax: plot_capacity_vs_m([1], [0.1], ax="axes"), TypeError, "`ax` must be a matplotlib Axes"),
])
def test_bad_input_is_refused(ax, call, err, match):
    with pytest.raises(err, match=match):
        call(ax)
