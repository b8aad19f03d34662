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
        # the solvers round outward and bound the fold's rounding: proved as stored, not a few ulps inside
        assert v.stored_proved and v.widening == 0, v


def test_worked_values_of_the_problem_statement():
    # docs/problem.rst, "Worked values": C(2,1,2) = 1.299642, C(2,1,3) = 1.696880 (6 decimals)
    assert round(quoted_value("insensitive_capacity", n=2, s=1, m=2).value, 6) == 1.299642
    assert round(quoted_value("insensitive_capacity", n=2, s=1, m=3).value, 6) == 1.696880
    assert quoted_value("insensitive_capacity", n=2, s=1, m=1, device="cpu").value == pytest.approx(1.0, abs=1e-9)


def test_no_row_carries_a_dirty_or_unknown_commit(records):
    # each row names the commit of the code that computed it (40 hex digits, nothing appended)
    for r in records:
        assert len(r.vcs_commit) == 40 and int(r.vcs_commit, 16) >= 0, (r.key, r.vcs_commit)


def test_the_report_quotes_exactly_the_shipped_rows(records):
    from capacity.report.insensitive_section import quoted_values

    quoted = quoted_values({})
    shipped = {(r.args["n"], r.args["s"], r.args["m"]): r for r in records}
    assert set(quoted) == set(shipped)
    for key, q in quoted.items():
        assert (q.key, q.lower, q.upper, q.vcs_commit) == (shipped[key].key, shipped[key].lower,
                                                          shipped[key].upper, shipped[key].vcs_commit)


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


# ------------------------------------------------------------------ generating the shipped atlas

CLEAN = "f" * 40
SPEC = '[[sweep]]\nroutine = "insensitive_capacity"\ngrid = { n = [2], s = [1], m = [1, 2] }\n'


@pytest.fixture(scope="module")
def threads_cluster():
    distributed = pytest.importorskip("distributed")
    # in-process workers, so that the provenance patched below is what the tasks record
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as c:
        yield c


def _patch(monkeypatch, head, modified=(), worker_commit=CLEAN):
    from capacity.atlas import _worker

    monkeypatch.setattr(_worker, "checkout_state", lambda root=None: (head, list(modified)))
    monkeypatch.setattr(_worker, "provenance", lambda: {"version": "0.1.0", "vcs_commit": worker_commit})


def test_ship_refuses_a_dirty_checkout_before_running(tmp_path, monkeypatch):
    from capacity.atlas._shipped import build_shipped

    _patch(monkeypatch, CLEAN, modified=["capacity/insensitive/channel.py"])
    (tmp_path / "s.toml").write_text(SPEC)
    with pytest.raises(ValueError, match=r"clean committed checkout.*channel\.py"):
        build_shipped(spec=str(tmp_path / "s.toml"), csv_path=str(tmp_path / "a.csv"), log=lambda *_: None)
    assert not (tmp_path / "a.csv").exists()


def test_ship_adds_a_value_and_keeps_what_is_shipped(tmp_path, monkeypatch, threads_cluster):
    from capacity.atlas import open_atlas
    from capacity.atlas._shipped import build_shipped

    _patch(monkeypatch, CLEAN)
    spec, csv_path = tmp_path / "s.toml", tmp_path / "a.csv"
    spec.write_text(SPEC)
    kw = dict(spec=str(spec), csv_path=str(csv_path), scheduler=threads_cluster.scheduler_address,
              log=lambda *_: None)
    s1 = build_shipped(add=[("insensitive_capacity", {"n": 2, "s": 2, "m": 1})], **kw)
    assert (s1.total, s1.submitted, s1.done) == (3, 3, 3)
    with open_atlas(csv_path, readonly=True) as atlas:
        rows = atlas.records()
    assert len(rows) == 3 and {r.vcs_commit for r in rows} == {CLEAN}
    # C(2,2,1) = 1 bit (s = n: 2^n (1 - (1 - 2^-n)^m) at m = 1); certified gap <= 1e-9
    assert [r.lower - 1e-12 <= 1.0 <= r.upper + 1e-12 for r in rows if r.args["s"] == 2] == [True]   # float slack
    assert "options = { n = 2, s = 2, m = 1 }" in spec.read_text()
    s2 = build_shipped(**kw)                  # the added task is now part of the spec, and stored
    assert (s2.total, s2.skipped, s2.submitted) == (3, 3, 0)


def test_ship_refuses_rows_computed_by_other_code(tmp_path, monkeypatch, threads_cluster):
    from capacity.atlas._shipped import build_shipped

    _patch(monkeypatch, "e" * 40)             # HEAD is not the commit the workers report
    (tmp_path / "s.toml").write_text(SPEC)
    with pytest.raises(ValueError, match="a worker ran other code"):
        build_shipped(spec=str(tmp_path / "s.toml"), csv_path=str(tmp_path / "a.csv"),
                      scheduler=threads_cluster.scheduler_address, log=lambda *_: None)
    assert not (tmp_path / "a.csv").exists()


def test_ship_add_option_is_parsed_and_checked():
    from capacity.atlas.cli import _parse_add

    assert _parse_add("insensitive_capacity n=3 s=2 m=12") == ("insensitive_capacity", {"n": 3, "s": 2, "m": 12})
    with pytest.raises(ValueError, match="`--add` must be ARG=VALUE"):
        _parse_add("insensitive_capacity n3")
    with pytest.raises(ValueError, match="`--add` must be 'ROUTINE"):
        _parse_add("  ")
