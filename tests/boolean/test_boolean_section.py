"""The report's Boolean section runs in quick mode and every claim passes."""
from capacity.report import boolean_section
from tests.report_checks import run_quick_section


def test_boolean_section_quick(tmp_path):
    section = run_quick_section(boolean_section, tmp_path)
    assert len(section.claims) >= 20
    assert "| function |" in section.markdown
