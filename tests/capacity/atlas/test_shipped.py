"""The shipped atlas: provenance present, cheap rows re-verified, agreement with the quoted values."""
import pytest

from capacity.atlas import quoted_value, shipped_atlas, verify_record

ROUTINE = "capacity.insensitive.insensitive_capacity"


@pytest.fixture(scope="module")
def records():
    with shipped_atlas() as atlas:
        return atlas.records()


def test_every_row_is_certified_with_law_and_provenance(records):
    assert records
    for r in records:
        assert r.status == "done" and r.routine == ROUTINE
        assert r.law is not None and abs(r.law.sum() - 1.0) <= 1e-9      # the solver's simplex tolerance
        assert r.lower <= r.value <= r.upper and r.gap <= 1e-9             # tol = 1e-9 by default
        assert r.version and r.vcs_commit and r.machine and r.sweep == "report"


def test_cheap_rows_verify_rigorously(records):
    cheap = [r for r in records if r.args["n"] <= 2]
    assert len(cheap) >= 3
    for r in cheap:
        v = verify_record(r, rigorous=True)
        assert v.holds, v


def test_worked_values_of_the_problem_statement():
    # docs/problem.rst, "Worked values": C(2,1,2) = 1.299642, C(2,1,3) = 1.696880 (6 decimals)
    assert round(quoted_value("insensitive_capacity", n=2, s=1, m=2).value, 6) == 1.299642
    assert round(quoted_value("insensitive_capacity", n=2, s=1, m=3).value, 6) == 1.696880
    assert quoted_value("insensitive_capacity", n=2, s=1, m=1, device="cpu").value == pytest.approx(1.0, abs=1e-9)


def test_agrees_with_the_values_the_report_quotes(records):
    from capacity.report.insensitive_section import QUOTED

    both = [(r, QUOTED[(r.args["n"], r.args["s"], r.args["m"])]) for r in records
            if (r.args["n"], r.args["s"], r.args["m"]) in QUOTED]
    assert both
    for r, quoted in both:
        # quoted to 9 decimals (half a unit: 5e-10), certified gaps <= 1e-9 on both sides
        assert r.lower - 1.5e-9 <= quoted <= r.upper + 1.5e-9, (r.args, quoted)


def test_missing_value_says_how_to_compute_it():
    with pytest.raises(ValueError, match="insensitive-atlas run"):
        quoted_value("insensitive_capacity", n=3, s=3, m=7)
    with pytest.raises(ValueError, match="do not fit"):
        quoted_value("insensitive_capacity", n=2, s=1, m=2, colour=3)


@pytest.mark.slow
def test_every_shipped_row_verifies(records):
    for r in records:
        v = verify_record(r)
        assert v.holds, v
