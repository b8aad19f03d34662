"""The channel-capacity report section runs in quick mode and every claim passes."""
from capacity.report import capacity_section
from tests.report_checks import run_quick_section


def test_capacity_section_quick(tmp_path):
    section = run_quick_section(capacity_section, tmp_path)
    assert len(section.claims) == 16  # 7 closed forms + p* + 2 cvxpy + 3 cost + 3 R(D)
    assert section.figures == ["capacity_cost_curve.png", "rate_distortion.png"]
    assert "| noisy typewriter(26) | 26x26 | 3.700439718141 |" in section.markdown
