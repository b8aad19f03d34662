"""The SQLite atlas: round trips, schema versions, and files that must be refused untouched."""
import json
import os
import sqlite3

import numpy as np
import pytest

from capacity.atlas import AtlasRecord, open_atlas
from capacity.atlas._store import SCHEMA_VERSION


def _rec(key="k1", **kw):
    base = dict(routine="capacity.atlas.probe", args={"value": 1.0, "seconds": 0.0}, status="done", value=1.0,
                lower=0.5, upper=0.75, gap=0.25, law=np.array([0.25, 0.75]), result={"a": 1},
                seconds=0.1, version="0.1.0", vcs_commit="abc", machine="cpu", worker="w:1", sweep="s")
    base.update(kw)
    return AtlasRecord(key, **base)


def test_round_trip_and_replace(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_atlas(path) as atlas:
        atlas.store(_rec())
        atlas.store(_rec("k2", status="failed", value=None, law=None, error="ValueError: boom"))
        atlas.store(_rec(value=2.0))           # same key: replaced, not duplicated
        assert len(atlas) == 2
    with open_atlas(path, readonly=True) as atlas:
        r = atlas.get("k1")
        assert r.value == 2.0 and r.args == {"value": 1.0, "seconds": 0.0} and r.result == {"a": 1}
        np.testing.assert_array_equal(r.law, [0.25, 0.75])      # exact: stored as raw float64 bytes
        assert atlas.get("k2").error == "ValueError: boom" and atlas.get("k2").law is None
        assert atlas.keys(status="failed") == ["k2"]
        assert [x.key for x in atlas.records(routine="probe")] == ["k1", "k2"]
        assert atlas.get("nope") is None
        with pytest.raises(ValueError, match="opened for writing"):
            atlas.store(_rec())


def test_closed_file_is_one_self_contained_file_with_the_schema_version(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_atlas(path) as atlas:
        atlas.store(_rec())
        assert atlas._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"   # WAL while writing
    assert sorted(os.listdir(tmp_path)) == ["a.sqlite"]        # no -wal / -shm left behind
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_an_empty_sqlite_file_is_migrated_to_the_current_schema(tmp_path):
    path = tmp_path / "a.sqlite"
    sqlite3.connect(path).close()
    with open_atlas(path) as atlas:
        atlas.store(_rec())
        assert len(atlas) == 1


def test_routine_filter_matches_short_and_dotted_names_literally(tmp_path):
    with open_atlas(tmp_path / "a.sqlite") as atlas:
        atlas.store_many([_rec("k1"), _rec("k2", routine="capacity.insensitive.insensitive_capacity")])
        keys = lambda routine: [r.key for r in atlas.records(routine=routine)]   # noqa: E731
        assert keys("probe") == ["k1"] and keys("capacity.atlas.probe") == ["k1"]
        assert keys("insensitive_capacity") == ["k2"]
        assert keys("%") == [] and keys("pro_e") == [] and keys("insensitive%") == []   # not wildcards
        with pytest.raises(TypeError, match="`routine` must be"):
            atlas.records(routine=3)


def test_csv_and_json_exports_round_trip(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_atlas(path) as atlas:
        atlas.store(_rec())
        atlas.store(_rec("k2", status="failed", value=None, lower=None, upper=None, gap=None, law=None,
                         error="ValueError: x, y"))
        csv_text, json_text = atlas.to_csv(), atlas.to_json()
    (tmp_path / "a.csv").write_text(csv_text)
    with open_atlas(tmp_path / "a.csv") as back:
        assert back.readonly
        a, b = back.get("k1"), back.get("k2")
        assert (a.value, a.lower, a.upper, a.args) == (1.0, 0.5, 0.75, {"value": 1.0, "seconds": 0.0})
        np.testing.assert_array_equal(a.law, [0.25, 0.75])     # repr of a float round-trips exactly
        assert b.error == "ValueError: x, y" and b.value is None
    rows = json.loads(json_text)
    assert [r["key"] for r in rows] == ["k1", "k2"] and rows[0]["law"] == [0.25, 0.75]


def test_corrupt_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "a.sqlite"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    for ro in (False, True):
        with pytest.raises(ValueError, match="not a readable SQLite file"):
            open_atlas(path, readonly=ro)
    assert path.read_bytes() == junk


def test_a_directory_or_a_missing_folder_is_refused(tmp_path):
    for ro in (False, True):
        with pytest.raises(ValueError, match="is a directory"):
            open_atlas(tmp_path, readonly=ro)
    with pytest.raises(ValueError, match="can be opened or created.*does its folder exist"):
        open_atlas(tmp_path / "no" / "a.sqlite")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("law", ["zlib64:!!!", "zlib64:AAAA", "[0.5, oops]"])
def test_a_csv_row_with_a_damaged_law_is_refused_with_its_row(tmp_path, law):
    with open_atlas(tmp_path / "a.sqlite") as atlas:
        atlas.store(_rec())
        text = atlas.to_csv()
    good = text.splitlines()[1].split(",")
    col = next(i for i, v in enumerate(good) if v.startswith("zlib64:"))
    bad = text.replace(good[col], law if "," not in law else f'"{law}"')
    (tmp_path / "a.csv").write_text(bad)
    with pytest.raises(ValueError, match="row 2 is not a valid atlas row"):
        open_atlas(tmp_path / "a.csv")


def test_a_csv_row_with_a_bad_status_is_refused_with_its_row(tmp_path):
    with open_atlas(tmp_path / "a.sqlite") as atlas:
        atlas.store_many([_rec(), _rec("k2")])
        text = atlas.to_csv()
    lines = text.splitlines()
    lines[2] = lines[2].replace(",done,", ",running,", 1)
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="row 3 is not a valid atlas row: its status must be 'done' or 'failed'"):
        open_atlas(tmp_path / "a.csv")


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="another application"):
        open_atlas(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    open_atlas(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for ro in (False, True):
        with pytest.raises(ValueError, match="newer insensitive"):
            open_atlas(path, readonly=ro)


def test_file_locked_by_another_writer_gives_a_clear_error(tmp_path):
    path = tmp_path / "a.sqlite"
    open_atlas(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")                 # another writer holds the write lock
    try:
        with open_atlas(path, timeout=0.05) as atlas:
            with pytest.raises(ValueError, match="locked by another writer"):
                atlas.store(_rec())
            assert len(atlas) == 0                   # readers still work
    except ValueError as exc:                        # or refused already at open (switching to WAL)
        assert "locked by another writer" in str(exc)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_cli_export_to_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    from capacity.atlas.cli import main

    db = str(tmp_path / "a.sqlite")
    with open_atlas(db) as atlas:
        atlas.store(_rec())
    assert main(["export", "--csv", "--db", db, "-o", str(tmp_path / "no" / "a.csv")]) == 2
    assert "`--output` must be a file this process can write" in capsys.readouterr().err


def test_read_only_file_serves_read_only_commands(tmp_path, capsys):
    from capacity.atlas.cli import main

    path = tmp_path / "a.sqlite"
    with open_atlas(path) as atlas:
        atlas.store(_rec())
    os.chmod(path, 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        with open_atlas(path, readonly=True) as atlas:
            assert atlas.get("k1").value == 1.0
        assert main(["--db", str(path), "ls"]) == 0
        assert main(["--db", str(path), "show", "k1"]) == 0
        assert main(["--db", str(path), "export", "--json"]) == 0
        out = capsys.readouterr().out
        assert "k1" in out and '"vcs_commit": "abc"' in out
    finally:
        os.chmod(tmp_path, 0o755)
        os.chmod(path, 0o644)


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="`readonly` must be a bool"):
        open_atlas(tmp_path / "a.sqlite", readonly="yes")
    with pytest.raises(ValueError, match="`timeout` must be"):
        open_atlas(tmp_path / "a.sqlite", timeout=-1)
    with pytest.raises(TypeError, match="`timeout` must be"):
        open_atlas(tmp_path / "a.sqlite", timeout="5")
    with pytest.raises(TypeError, match="`path` must be a file path"):
        open_atlas(3)
    with pytest.raises(TypeError, match="`path` must be a file path"):
        open_atlas(b"a.sqlite")
    with open_atlas(tmp_path / "a.sqlite", readonly=np.False_, timeout=np.int64(1)) as atlas:   # numpy scalars
        assert not atlas.readonly
    with pytest.raises(ValueError, match="existing atlas"):
        open_atlas(tmp_path / "missing.sqlite", readonly=True)
    (tmp_path / "bad.csv").write_text("key,status\nk,done\n")
    with pytest.raises(ValueError, match="lacks columns"):
        open_atlas(tmp_path / "bad.csv")


@pytest.mark.parametrize("distinct, size", [(1, 1), (3, 50), (300, 5000), (70000, 70000)])
def test_law_text_encoding_is_exact(distinct, size):
    from capacity.atlas._store import decode_law, encode_law

    rng = np.random.default_rng(distinct)
    law = rng.random(distinct)[rng.integers(0, distinct, size)]
    law /= law.sum()
    back = decode_law(encode_law(law))
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back.view(np.uint64), law.view(np.uint64))   # the same bits
    np.testing.assert_array_equal(decode_law(json.dumps(law[:3].tolist())), law[:3])


def test_store_many_writes_all_rows_or_none(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_atlas(path) as atlas:
        atlas.store_many([_rec("k1"), _rec("k2", value=2.0)])
        assert atlas.keys() == ["k1", "k2"] and atlas.get("k2").value == 2.0
        # the third row breaks the status constraint: the transaction is rolled back, k3 and k4 are absent,
        # and the replaced value of k1 is not written either
        with pytest.raises(ValueError, match="none was written"):
            atlas.store_many([_rec("k3"), _rec("k1", value=5.0), _rec("k4", status="running")])
        assert atlas.keys() == ["k1", "k2"] and atlas.get("k1").value == 1.0
        atlas.store_many([])
        assert len(atlas) == 2
    with open_atlas(path, readonly=True) as atlas:
        with pytest.raises(ValueError, match="must be opened for writing"):
            atlas.store_many([_rec("k5")])
