"""family_bracket: the Monte Carlo ends against the exact family capacity."""
import numpy as np
import pytest

from capacity.insensitive import family_bracket, family_capacity


@pytest.mark.parametrize("fam,n,s,m", [("thresholds", 6, 2, 3), ("symmetric", 5, 2, 3), ("intervals", 4, 1, 2)])
def test_bracket_contains_the_exact_family_capacity(fam, n, s, m, seed=0):
    exact = family_capacity(fam, n, s, m)
    b = family_bracket(fam, n, s, m, samples=2000, seed=seed)
    assert b.law_m == m
    # the law is the exact optimum, so I(P) = C_F: the unbiased estimate is within 4 stderr of it
    assert abs(b.estimate - exact.lower) <= 4 * b.stderr + 1e-9
    # the bracket holds at 95% (seeded, so this is deterministic)
    assert b.lower <= exact.upper and exact.lower <= b.upper


def test_given_law_and_constants_only():
    # the two constants with mass 1/2 each: one sample reveals which, I(P) = 1 bit exactly (no noise)
    from capacity.insensitive import threshold_family
    fam = threshold_family(8, complements=False)
    law = np.zeros(fam.size)
    law[0] = law[-1] = 0.5
    b = family_bracket(fam, 8, 3, 2, law=law, samples=200, seed=0)
    assert b.law_m is None
    assert abs(b.estimate - 1.0) <= 1e-12 and b.stderr <= 1e-12   # every draw gives log2(1 / (1/2)) = 1
    # x -> |x| >= 1 reaches outputs the constants never give: its divergence, hence the upper end, is inf
    assert b.upper == np.inf


def test_bad_input():
    with pytest.raises(ValueError, match="`samples` must be >= 100"):
        family_bracket("thresholds", 6, 2, 3, samples=50)
    with pytest.raises(ValueError, match="`confidence` must be"):
        family_bracket("thresholds", 6, 2, 3, confidence=1.0)
    with pytest.raises(ValueError, match="`law` must have shape"):
        family_bracket("thresholds", 6, 2, 3, law=[0.5, 0.5])
    with pytest.raises(ValueError, match="max_bytes"):
        family_bracket("thresholds", 1000, 500, 16, max_bytes=2**20)
