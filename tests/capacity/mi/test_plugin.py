"""Tests of capacity.mi.plugin: plug-in MI of paired labels (Miller-Madow, bootstrap SE) and its memory plan.

Its bad-input rows are in test_bad_input.py with the other estimators'."""
import math

import numpy as np
import pytest

from capacity.mi import plugin_mi
from capacity.mi.plugin import plugin_mi_plan_bytes
from tests.capacity.experiments.reference import peak_bytes


def test_plugin_mi_vs_sklearn(rng):
    from sklearn.metrics import mutual_info_score

    x = rng.integers(0, 4, 500)
    y = (x + (rng.random(500) < 0.3) * rng.integers(0, 4, 500)) % 4
    est = plugin_mi(x, y, correction="none", n_boot=0)
    assert abs(est.value - mutual_info_score(x, y) / math.log(2)) <= 1e-12  # same plug-in formula


def test_plugin_mi_miller_madow_by_hand():
    x = np.array([0, 0, 1, 1, 1, 2])
    y = np.array([0, 1, 1, 1, 0, 2])
    est = plugin_mi(x, y, n_boot=0)
    plug = plugin_mi(x, y, correction="none", n_boot=0).value
    # m_x = 3, m_y = 3, m_xy = 5 occupied bins, n = 6
    assert abs(est.value - (plug + (2 + 2 - 4) / (2 * 6 * math.log(2)))) <= 1e-15
    assert math.isnan(est.stderr)


def test_plugin_mi_independent_is_near_zero_with_se(rng):
    x = rng.integers(0, 3, 4000)
    y = rng.integers(0, 3, 4000)
    est = plugin_mi(x, y, n_boot=200, seed=1)
    assert est.stderr > 0
    assert abs(est.value) <= 4 * est.stderr + 1e-3
    assert est.n_samples == 4000


def test_plugin_mi_many_labels_stays_linear_in_memory(rng):
    # 3000 samples with ~3000 distinct labels each: a dense m_x x m_y table per bootstrap resample would be
    # 20 x 9e6 x 8 B = 1.4 GB; only occupied pairs are counted (plan 8 n_boot (4 n + 4 (m_x + m_y + m_xy)) + 96 n)
    n, n_boot = 3000, 20
    x = rng.integers(0, 10 ** 6, n)
    y = rng.integers(0, 10 ** 6, n)
    m = [np.unique(v).size for v in (x, y, x * 10 ** 6 + y)]
    plan = 8 * n_boot * (4 * n + 4 * sum(m)) + 96 * n
    assert peak_bytes(lambda: plugin_mi(x, y, n_boot=n_boot, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        plugin_mi(x, y, n_boot=n_boot, max_bytes=plan - 1)
    # all labels distinct: plug-in I = H(X) = log2 n; Miller-Madow adds (n + n - n - 1) / (2 n ln 2)
    est = plugin_mi(np.arange(n), np.arange(n)[::-1], n_boot=0)
    assert abs(est.extra["plugin"] - math.log2(n)) <= 1e-12
    assert abs(est.value - est.extra["plugin"] - (n - 1) / (2 * n * math.log(2))) <= 1e-12


def test_plan_is_the_formula_and_bounds_m_xy_by_n():
    # 8 n_boot (4 n + 4 (m_x + m_y + m_xy)) + 96 n, with m_xy = min(n, m_x m_y) by default
    assert plugin_mi_plan_bytes(10, 3, 4, 5, 7) == 8 * 3 * (40 + 4 * 16) + 960
    assert plugin_mi_plan_bytes(10, 3, 4, 5) == plugin_mi_plan_bytes(10, 3, 4, 5, 10)
    assert plugin_mi_plan_bytes(100, 3, 2, 3) == plugin_mi_plan_bytes(100, 3, 2, 3, 6)
