"""The MI report section runs in quick mode and every claim passes."""
from capacity.report import mi_section
from capacity.report._sections import SECTIONS
from tests.report_checks import run_quick_section


def test_mi_section_quick(tmp_path):
    assert "capacity.report.mi_section" in SECTIONS
    section = run_quick_section(mi_section, tmp_path)
    assert len(section.claims) >= 10
    assert "bits" in section.markdown
