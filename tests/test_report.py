"""The report framework: claim verdicts, markdown, figures, and the insensitive-report command."""
import math

import pytest

from capacity.report import capacity_section, main, run_report
from capacity.report._framework import Claim, Context, bound_claim, close_claim, markdown_table, pyplot
from capacity.report._sections import SECTIONS


@pytest.mark.parametrize("measured, passed", [(1.0, True), (1.0 + 1e-9, True), (1.0 - 1e-9, True),
                                              (1.0 + 3e-9, False), (math.nan, False)])
def test_close_claim_verdict(measured, passed):
    claim = close_claim("x", 1.0, measured, atol=2e-9)
    assert claim.passed is passed
    assert claim.verdict == ("PASS" if passed else "FAIL")
    assert claim.tolerance == "|diff| <= 2e-09"


@pytest.mark.parametrize("value, passed", [(0.5, True), (0.4, True), (0.6, True), (0.4 - 1e-13, True),
                                           (0.4 - 1e-11, False), (0.6 + 1e-11, False)])
def test_bound_claim_verdict(value, passed):
    # [lower, upper] = [0.4, 0.6], widened by the 1e-12 float slack only
    assert bound_claim("x", value, 0.4, 0.6).passed is passed


def test_markdown_table():
    assert markdown_table(["a", "b"], [[1, "x"], [2.5, ""]]) == "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 |  |"
    # a literal | (conditional entropy, absolute value) is escaped, not a column break
    assert markdown_table(["H(f | X)"], [["|d|"]]) == "| H(f \\| X) |\n|---|\n| \\|d\\| |"


def test_save_figure_writes_and_closes(tmp_path):
    plt = pyplot()
    ctx = Context(outdir=tmp_path / "new")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    assert ctx.save_figure(fig, "f.png", dpi=50) == "f.png"
    assert (tmp_path / "new" / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)


def test_sections_order():
    assert [s.rsplit(".", 1)[-1] for s in SECTIONS] == [
        "boolean_section", "theorems_section", "capacity_section", "classes_section", "insensitive_section",
        "realistic_n_section", "mi_section", "resampling_section", "abstractions_section"]


def test_run_report_only_one_section(tmp_path):
    sections = run_report(tmp_path, quick=True, only="capacity", progress=False)
    assert [s.title for s in sections] == [capacity_section.TITLE]
    assert sections[0].seconds > 0
    text = (tmp_path / "report.md").read_text()
    n = len(sections[0].claims)
    assert f"**{n} of {n} claims pass.**" in text
    for fig in sections[0].figures:
        assert f"![{fig}]({fig})" in text and (tmp_path / fig).exists()
    assert "Figure checks failed" not in text
    assert "Kinds of claim:" in text and "Quoted numbers (shown, not recomputed by this run): none recorded." in text


def test_run_report_rejects_unknown_section(tmp_path):
    with pytest.raises(ValueError, match="`only` must name a section"):
        run_report(tmp_path, only="nonesuch", progress=False)


def test_main_exit_code_and_table(tmp_path, capsys):
    assert main(["--quick", "--out", str(tmp_path), "--only", "capacity"]) == 0
    out = capsys.readouterr().out
    assert "claim" in out.splitlines()[0] and "verdict" in out.splitlines()[0]
    assert "claims pass; report written to" in out
    assert (tmp_path / "report.md").exists()


@pytest.mark.parametrize("argv, message", [
    (["--only", "nonesuch"], "`only` must name a section"),
    (["--device", "gpu"], "`device` must be a torch device"),
    (["--seed", "-1"], "`seed` must be an integer in [0, "),
    (["--out", "{file}/sub"], "`outdir` must be a folder this process can create"),
])
def test_main_refuses_bad_arguments_in_one_line_before_any_section(argv, message, tmp_path, capsys, monkeypatch):
    import capacity.report as report

    monkeypatch.setattr(report, "timed", lambda *a: pytest.fail("a section ran"))
    (tmp_path / "file").write_text("")                     # a file where a folder is asked for
    argv = [a.format(file=tmp_path / "file") for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(["--quick", "--out", str(tmp_path / "out"), *argv] if "--out" not in argv else ["--quick", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"insensitive-report: error: {message}" in err and "Traceback" not in err


def test_run_report_checks_its_arguments_before_any_section(tmp_path, monkeypatch):
    import capacity.report as report

    monkeypatch.setattr(report, "timed", lambda *a: pytest.fail("a section ran"))
    for kwargs, exc, match in [({"seed": 2**63}, ValueError, "`seed` must be an integer in"),
                               ({"seed": 1.5}, TypeError, "`seed` must be an integer"),
                               ({"quick": "yes"}, TypeError, "`quick` must be a bool"),
                               ({"only": 3}, TypeError, "`only` must be a section name"),
                               ({"outdir": 3}, TypeError, "`outdir` must be a folder path")]:
        with pytest.raises(exc, match=match):
            run_report(**{"outdir": tmp_path / "never", "progress": False, **kwargs})
    assert not (tmp_path / "never").exists()


def test_run_report_rejects_bad_device_before_any_work(tmp_path):
    out = tmp_path / "never"
    with pytest.raises(ValueError, match="`device` must be a torch device"):
        run_report(out, device="nonsense", progress=False)
    assert not out.exists()


def test_quoted_numbers_are_listed_in_the_header(tmp_path):
    from capacity.report import _quoted_paragraph

    ctx = Context(outdir=tmp_path)
    assert ctx.quote("#classes(n=5, s=2)", 2245133083, "a slow test") == "2245133083 (quoted)"
    regression = [Claim("C(4,1,8) = BENCHMARKS.md", "2.416849181", "2.416849181", True, "2e-9", "regression")]
    text = _quoted_paragraph(regression, ctx.quoted, ["Classes"])
    assert "#classes(n=5, s=2) = 2245133083 (a slow test)" in text
    assert "C(4,1,8) = BENCHMARKS.md (expected 2.416849181, a regression claim)" in text
    assert 'Sections whose text or tables mark values as quoted: "Classes".' in text
    assert _quoted_paragraph([], [], []).startswith("Quoted numbers (shown, not recomputed by this run): none recorded.")
