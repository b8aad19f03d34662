"""The classes report section runs in quick mode and every claim passes."""
from capacity.report import classes_section
from tests.report_checks import run_quick_section


def test_classes_section_quick(tmp_path):
    section = run_quick_section(classes_section, tmp_path)
    assert len(section.claims) >= 15
    assert "| 2 | 1 | 15 |" in section.markdown
