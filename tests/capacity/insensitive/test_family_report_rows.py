"""The realistic-n report table: Monte Carlo rows exactly where the thresholds' types do not fit."""
import pytest

from capacity.insensitive import family_channel_plan
from capacity.report import realistic_n_section as sec


def test_families_split_at_the_type_budget():
    # thresholds at (64, 62, 8): 2 (s + 1) + 1 = 127 symbols, C(134, 126) types >> 25 000
    keep, over = sec._families(64, 62, 8, quick=False)
    assert [nm for nm, _ in over] == ["thresholds"] and [nm for nm, _ in keep] == ["dictators+constants"]
    keep, over = sec._families(8, 2, 4, quick=False)
    assert over == [] and {nm for nm, _ in keep} == {"thresholds", "dictators+constants", "symmetric"}


@pytest.mark.slow
def test_monte_carlo_rows_are_labelled_and_below_the_upper_bound():
    rows, results, pairs, mc = sec._bracket_rows(quick=False)
    label = f"(Monte Carlo, {sec.MC_CONFIDENCE:.0%})"
    for row in rows:
        n, s, m = (int(v) for v in row[0].strip("()").split(","))
        over = family_channel_plan(1, 2 * (s + 1) + 1, m)["types"] > sec.MAX_TYPES
        # a Monte Carlo entry exactly where the thresholds' exact solve does not fit
        assert (label in row[1]) == over == ((n, s, m) in mc), row
        if over:
            b, _, ub = mc[(n, s, m)]
            assert b.confidence == sec.MC_CONFIDENCE and b.samples == sec.MC_SAMPLES
            assert b.lower <= b.upper
            assert b.lower <= ub          # a 95% lower end on C below a certified upper bound on C
            assert float(row[3]) == pytest.approx(ub, abs=5e-5)   # the table's 4 decimals
            # the best-family column takes the Monte Carlo thresholds when their lower end is highest
            certified = [r.lower for (nm, n2, s2, m2), r in results.items() if (n2, s2, m2) == (n, s, m)]
            assert (label in row[2]) == (not certified or b.lower > max(certified)), row
    assert len(mc) == 25      # n = 8..64, s in {2, n/2, n - 2}, m in {1, 2, 4, 8, 16}: 25 rows beyond
