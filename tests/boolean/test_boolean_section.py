"""The report's Boolean section runs in quick mode and every claim passes."""
from capacity.report import boolean_section
from capacity.report._framework import Context


def test_boolean_section_quick(tmp_path):
    section = boolean_section.run(Context(outdir=tmp_path, quick=True, seed=0))
    assert section.title == boolean_section.TITLE
    assert len(section.claims) >= 20
    failed = [(c.claim, c.expected, c.measured) for c in section.claims if not c.passed]
    assert failed == []
    for fig in section.figures:
        assert (tmp_path / fig).stat().st_size > 10_000
    assert "| function |" in section.markdown
