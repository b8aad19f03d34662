"""The MI report section runs in quick mode and every claim passes."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")


def test_mi_section_quick(tmp_path):
    from capacity.report import mi_section
    from capacity.report._framework import Context
    from capacity.report._sections import SECTIONS

    assert "capacity.report.mi_section" in SECTIONS
    sec = mi_section.run(Context(outdir=tmp_path, quick=True, seed=0))
    failed = [(c.claim, c.expected, c.measured) for c in sec.claims if not c.passed]
    assert failed == []
    assert len(sec.claims) >= 10
    for fig in sec.figures:
        assert (tmp_path / fig).stat().st_size > 1000
    assert "bits" in sec.markdown
