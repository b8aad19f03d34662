"""The realistic-n report section: its figure and its m* conjecture claims."""
import pytest

from capacity.report import realistic_n_section as sec
from capacity.report._framework import Context


def test_influence_figure_checks_pass_and_catch_a_repeated_label(tmp_path):
    curves = {"exact n=3, s=1": [(1, 0.0), (2, 0.5), (4, 1.2)], "symmetric n=16, s=2": [(1, 0.0), (8, 2.5)],
              "thresholds n=32, s=2": [(1, 0.0), (8, 3.0)]}
    ctx = Context(outdir=tmp_path, quick=True, seed=0)
    sec.influence_figure(ctx, curves)
    assert ctx.figure_problems == {}
    # the same check fails on a figure whose legend repeats a label (two curves named alike)
    ctx2 = Context(outdir=tmp_path, quick=True, seed=0)
    sec.influence_figure(ctx2, {"a dictator (I = 1)": [(1, 0.0), (2, 1.0)]}, name="bad.png")
    assert any("repeated" in p for p in ctx2.figure_problems["bad.png"])


@pytest.mark.slow
def test_influence_figure_has_every_curve_distinct_and_inside_the_axes(tmp_path):
    from capacity.insensitive import insensitive_capacity, law_sensitivity

    exact = {(3, 1): [(m, law_sensitivity(insensitive_capacity(3, 1, m))) for m in (1, 2, 3)]}
    curves = sec.figure_curves(exact, quick=True)
    # the exact curve and the three family curves: n = 8, 16 (symmetric) and 32 (thresholds)
    assert set(curves) == {"exact n=3, s=1", "thresholds n=8, s=2", "symmetric n=16, s=2", "thresholds n=32, s=2"}
    assert all(len(pts) >= 3 for pts in curves.values())
    ctx = Context(outdir=tmp_path, quick=True, seed=0)
    name = sec.influence_figure(ctx, curves)
    assert (tmp_path / name).exists()
    # figure_problems: every point inside the axes, legend labels distinct, axes labelled
    assert ctx.figure_problems == {}


@pytest.mark.slow
def test_figure_curves_match_the_family_laws():
    # each family point is the mean total influence of that certified law, recomputed from the members
    import numpy as np

    from capacity.insensitive import family_capacity

    curves = sec.figure_curves({}, quick=True)
    r = family_capacity("symmetric", 16, 2, 4)
    direct = float(r.member_mass @ r.family.total_influence())
    # 1e-9: the law's masses are certified to a 1e-9 bit gap, influences are exact ratios
    assert dict(curves["symmetric n=16, s=2"])[4] == pytest.approx(direct, abs=1e-9)
    assert np.isfinite([p[1] for pts in curves.values() for p in pts]).all()


def test_mstar_claims_can_fail():
    ok = sec.mstar_claims({(3, 1): 6, (3, 2): 4, (2, 1): 4}, {(8, 2): (8, 8, [4]), (16, 2): (8, 8, [7]),
                                                            (8, 6): (4, 4, [5])})
    assert all(c.passed for c in ok)
    bad = sec.mstar_claims({(3, 1): 4, (3, 2): 6, (2, 1): 5}, {(8, 2): (8, 8, [1]), (16, 2): (9, 9, [7]),
                                                             (8, 6): (9, 9, [4])})
    assert not any(c.passed for c in bad)


@pytest.mark.slow
def test_family_mstar_is_certified():
    # at m*_F the thresholds' certified lower end exceeds the constants+dictators' upper end, and
    # at every smaller m tried it does not
    from capacity.insensitive import family_capacity, junta_family

    out = sec.family_mstar(quick=True)
    n, s = 8, 6
    m_star, last, names = out[(n, s)]
    assert m_star is not None and names
    for m in sec.PHASE_MS:
        if m > m_star:
            break
        beats = family_capacity("thresholds", n, s, m).lower > family_capacity(junta_family(n, 1), n, s, m).upper
        assert beats == (m == m_star)
