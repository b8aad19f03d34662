"""The check every report-section test makes: run the section in quick mode, every claim passes."""
from capacity.report._framework import Context

#: A drawn PNG figure (axes, curves, legend) is tens of kB; a blank or failed one is far smaller.
MIN_FIGURE_BYTES = 10_000


def run_quick_section(module, tmp_path, *, seed=0):
    """Run ``module.run`` with ``quick=True`` into ``tmp_path``; assert its title, that every claim
    passes and that every figure it lists was written; return the Section."""
    section = module.run(Context(outdir=tmp_path, quick=True, seed=seed))
    assert section.title == module.TITLE
    failed = [(c.claim, c.expected, c.measured) for c in section.claims if not c.passed]
    assert failed == []
    assert section.figures
    for fig in section.figures:
        assert (tmp_path / fig).stat().st_size > MIN_FIGURE_BYTES
    return section
