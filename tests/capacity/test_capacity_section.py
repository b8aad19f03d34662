"""The channel-capacity report section runs in quick mode and every claim passes."""
from capacity.report import capacity_section
from capacity.report._framework import Context


def test_capacity_section_quick(tmp_path):
    section = capacity_section.run(Context(outdir=tmp_path, quick=True))
    failed = [(c.claim, c.expected, c.measured) for c in section.claims if not c.passed]
    assert failed == []
    assert len(section.claims) == 15  # 7 closed forms + p* + 2 cvxpy + 2 cost + 3 R(D)
    assert section.figures == ["capacity_cost_curve.png", "rate_distortion.png"]
    for fig in section.figures:
        assert (tmp_path / fig).stat().st_size > 10_000
    assert "| noisy typewriter(26) | 26x26 | 3.700439718141 |" in section.markdown
