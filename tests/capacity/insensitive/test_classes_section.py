"""The classes report section runs in quick mode and every claim passes."""
from capacity.report import classes_section
from capacity.report._framework import Context


def test_classes_section_quick(tmp_path):
    section = classes_section.run(Context(outdir=tmp_path, quick=True))
    failed = [(c.claim, c.expected, c.measured) for c in section.claims if not c.passed]
    assert failed == []
    assert len(section.claims) >= 15
    for fig in section.figures:
        assert (tmp_path / fig).stat().st_size > 0
    assert "| 2 | 1 | 15 |" in section.markdown
