"""The atlas database: one SQLite file, versioned schema, one row per task.

Only the client process writes, each group of results in one transaction (``INSERT ... ON
CONFLICT`` inside ``with connection``), so a row is either absent or complete. While a writer is open
the file is in WAL mode (readers never block it); on close it returns to rollback-journal
mode so that a finished atlas is a single self-contained file readable on read-only media.
"""
from __future__ import annotations

import base64
import csv
import io
import json
import os
import sqlite3
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from boolean._lib.validate import check_flag, check_path, check_real

#: Schema version written by this code; files from a newer version are refused.
SCHEMA_VERSION = 1
_APP_ID = 0x41544C53          # "ATLS": marks the file as an atlas

#: Migrations: MIGRATIONS[v] takes a file at version v to v + 1.
MIGRATIONS = {
    0: """
    CREATE TABLE results (
        key      TEXT PRIMARY KEY,
        routine  TEXT NOT NULL,
        args     TEXT NOT NULL,
        status   TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        value    REAL, lower REAL, upper REAL, gap REAL,
        law      BLOB,
        result   TEXT,
        started  REAL, finished REAL, seconds REAL,
        version  TEXT, vcs_commit TEXT, machine TEXT, worker TEXT,
        error    TEXT,
        sweep    TEXT,
        stored   REAL NOT NULL
    );
    CREATE INDEX results_routine ON results (routine, status);
    """,
}

COLUMNS = ("key", "routine", "args", "status", "value", "lower", "upper", "gap", "law", "result", "started",
           "finished", "seconds", "version", "vcs_commit", "machine", "worker", "error", "sweep", "stored")
_UPSERT = (f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
           f"ON CONFLICT(key) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS if c != 'key')}")


@dataclass(frozen=True)
class AtlasRecord:
    """One stored task.

    Attributes
    ----------
    key : str
        Canonical key: routine short name and a hash of its normalised arguments.
    routine : str
        Dotted name of the public routine.
    args : dict
        Its keyword arguments, defaults applied.
    status : str
        "done" or "failed".
    value, lower, upper, gap : float or None
        Headline value and certified bounds (bits) when the routine gives them.
    law : ndarray or None
        The input law that achieves ``lower`` (float64), for re-checking the certificate.
    result : dict
        Scalar fields of the routine's result.
    started, finished, seconds : float
        Unix times of the task on its worker and its duration.
    version, vcs_commit, machine, worker : str
        Package version, git commit of the worker's checkout, CPU/GPU, worker address.
    error : str or None
        The exception text of a failed task.
    sweep : str
        The spec that produced it.
    stored : float
        Unix time of the write.

    Examples
    --------
    >>> r = AtlasRecord("k", "capacity.atlas.probe", {"value": 1.0}, "done", value=1.0)
    >>> r.status, r.law is None
    ('done', True)
    """

    key: str
    routine: str
    args: dict
    status: str
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    gap: float | None = None
    law: np.ndarray | None = field(default=None, repr=False)
    result: dict = field(default_factory=dict, repr=False)
    started: float | None = None
    finished: float | None = None
    seconds: float | None = None
    version: str = ""
    vcs_commit: str = ""
    machine: str = ""
    worker: str = ""
    error: str | None = None
    sweep: str = ""
    stored: float = 0.0


def _law_to_blob(law):
    if law is None:
        return None
    return np.ascontiguousarray(law, dtype="<f8").tobytes()


def _row_to_record(row) -> AtlasRecord:
    d = dict(zip(COLUMNS, row))
    d["args"] = json.loads(d["args"])
    d["result"] = json.loads(d["result"]) if d["result"] else {}
    d["law"] = None if d["law"] is None else np.frombuffer(d["law"], dtype="<f8").copy()
    for k in ("version", "vcs_commit", "machine", "worker", "sweep"):
        d[k] = d[k] or ""
    return AtlasRecord(**d)


class Atlas:
    """An open atlas database (see :func:`open_atlas`).

    Attributes
    ----------
    path : str
        The file (":memory:"-backed for a CSV).
    readonly : bool
        Whether writes are refused.

    Examples
    --------
    >>> import tempfile, os
    >>> with open_atlas(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as atlas:
    ...     atlas.store(AtlasRecord("k", "capacity.atlas.probe", {"value": 1.0}, "done", value=1.0))
    ...     atlas.keys(), atlas.get("k").value
    (['k'], 1.0)
    """

    def __init__(self, conn, path, readonly):
        self._conn = conn
        self.path = path
        self.readonly = readonly

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the file (a writer first returns it to rollback-journal mode)."""
        if self._conn is None:
            return
        if not self.readonly and self.path != ":memory:":
            try:
                self._conn.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError:
                pass            # another connection still reads it: it stays in WAL mode
        self._conn.close()
        self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ reading
    def _query(self, sql, params=()):
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"atlas {self.path!r} could not be read: {exc}") from None

    def keys(self, status=None) -> list:
        """Stored keys (optionally only those with ``status``), sorted."""
        if status is None:
            return [r[0] for r in self._query("SELECT key FROM results ORDER BY key")]
        return [r[0] for r in self._query("SELECT key FROM results WHERE status = ? ORDER BY key", (status,))]

    def get(self, key) -> AtlasRecord | None:
        """The record stored under ``key``, or None."""
        rows = self._query(f"SELECT {', '.join(COLUMNS)} FROM results WHERE key = ?", (key,))
        return _row_to_record(rows[0]) if rows else None

    def records(self, *, routine=None, status=None, where=None) -> list:
        """Records, filtered by routine (short or dotted name), status and argument values."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM results"
        cond, params = [], []
        if routine is not None:
            if not isinstance(routine, str):
                raise TypeError(f"`routine` must be a routine's short or dotted name; got {routine!r}")
            # a short name matches the dotted names ending in ".<name>"; the name's own % and _ are literal
            literal = routine.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond.append("(routine = ? OR routine LIKE ? ESCAPE '\\')")
            params += [routine, f"%.{literal}"]
        if status is not None:
            cond.append("status = ?")
            params.append(status)
        if cond:
            sql += " WHERE " + " AND ".join(cond)
        out = [_row_to_record(r) for r in self._query(sql + " ORDER BY routine, args", params)]
        if where:
            out = [r for r in out if all(r.args.get(k) == v for k, v in where.items())]
        return out

    def __len__(self) -> int:
        return self._query("SELECT COUNT(*) FROM results")[0][0]

    # ------------------------------------------------------------------ writing
    def store(self, record: AtlasRecord) -> None:
        """Write one record in one transaction (replacing a row with the same key)."""
        self.store_many([record])

    def store_many(self, records) -> None:
        """Write records in one transaction: all of them or none (rows with the same key are replaced)."""
        if self.readonly:
            raise ValueError(f"atlas {self.path!r} must be opened for writing to store results; "
                             "got a read-only atlas")
        records = list(records)
        if not records:
            return
        now = time.time()
        rows = []
        for record in records:
            values = dict(record.__dict__)
            values["args"] = json.dumps(record.args, sort_keys=True, separators=(",", ":"))
            values["result"] = json.dumps(record.result, sort_keys=True, default=_jsonable)
            values["law"] = _law_to_blob(record.law)
            values["stored"] = now
            rows.append([values[c] for c in COLUMNS])
        try:
            with self._conn:
                self._conn.executemany(_UPSERT, rows)
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"`records` must be valid atlas rows (status 'done' or 'failed'); none was "
                             f"written: {exc}") from None
        except sqlite3.OperationalError as exc:
            raise ValueError(_locked_message(self.path, exc)) from None

    # ------------------------------------------------------------------ export
    def to_csv(self) -> str:
        """All records as CSV text (the law compressed: see :func:`encode_law`)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS[:-1])
        for r in self.records():
            row = []
            for c in COLUMNS[:-1]:
                v = getattr(r, c)
                if c in ("args", "result"):
                    v = json.dumps(v, sort_keys=True, separators=(",", ":"), default=_jsonable)
                elif c == "law":
                    v = "" if v is None else encode_law(v)
                elif v is None:
                    v = ""
                elif isinstance(v, float):
                    v = repr(v)
                row.append(v)
            w.writerow(row)
        return buf.getvalue()

    def to_json(self) -> str:
        """All records as a JSON list."""
        out = []
        for r in self.records():
            d = dict(r.__dict__)
            d["law"] = None if r.law is None else [float(x) for x in r.law]
            out.append(d)
        return json.dumps(out, indent=1, sort_keys=True, default=_jsonable)


def encode_law(law) -> str:
    """The law as exact ASCII text: ``"zlib64:"`` + base64 of zlib-compressed bytes.

    Optimal laws are uniform on symmetry orbits, so they repeat a few values: the bytes are the
    distinct values (float64, little-endian) and the index of each entry among them (uint8 or
    uint16), preceded by the count of distinct values (uint32); with more than 65 535 distinct
    values, the float64 entries themselves (count 0). Decoding gives back the same float64 bits.
    """
    law = np.ascontiguousarray(law, dtype="<f8")
    values, index = np.unique(law.view("<u8"), return_inverse=True)
    if values.size <= 65535:
        itype = "<u1" if values.size <= 255 else "<u2"
        raw = (np.array([values.size], dtype="<u4").tobytes() + values.astype("<u8").tobytes()
               + index.astype(itype).tobytes())
    else:
        raw = np.array([0], dtype="<u4").tobytes() + law.tobytes()
    return "zlib64:" + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_law(text) -> np.ndarray:
    """Inverse of :func:`encode_law`; a JSON list of floats is accepted too."""
    if not text.startswith("zlib64:"):
        return np.array(json.loads(text), dtype=np.float64)
    raw = zlib.decompress(base64.b64decode(text[7:]))
    k = int(np.frombuffer(raw[:4], dtype="<u4")[0])
    if k == 0:
        return np.frombuffer(raw[4:], dtype="<f8").copy()
    values = np.frombuffer(raw[4:4 + 8 * k], dtype="<f8")
    index = np.frombuffer(raw[4 + 8 * k:], dtype="<u1" if k <= 255 else "<u2")
    return values[index].astype(np.float64)


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return repr(obj)


def _locked_message(path, exc):
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"atlas {path!r} is locked by another writer ({text}); wait for it to finish or use "
                "another file")
    return f"atlas {path!r} could not be written: {text}"


def _check_schema(conn, path, readonly):
    """Create or migrate the schema; refuse a foreign, corrupt or newer file."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        n_tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"`path` must be an atlas database; {path!r} is not a readable SQLite file "
                         f"({exc})") from None
    if n_tables and app_id != _APP_ID:
        raise ValueError(f"`path` must be an atlas database; {path!r} is an SQLite file of another "
                         f"application (application_id {app_id}); it was left untouched")
    if version > SCHEMA_VERSION:
        raise ValueError(f"`path` must have schema version <= {SCHEMA_VERSION}; {path!r} has version "
                         f"{version}, written by a newer insensitive: upgrade the package")
    if version == SCHEMA_VERSION:
        return
    if readonly:
        raise ValueError(f"`path` must be an atlas database at schema version {SCHEMA_VERSION} to be read "
                         f"read-only; {path!r} has version {version} (open it for writing to migrate)")
    try:
        with conn:
            for v in range(version, SCHEMA_VERSION):
                conn.executescript("BEGIN;" + MIGRATIONS[v] + f"PRAGMA user_version = {v + 1};"
                                   + f"PRAGMA application_id = {_APP_ID};" + "COMMIT;")
    except sqlite3.OperationalError as exc:
        raise ValueError(_locked_message(path, exc)) from None


def open_atlas(path, *, readonly=False, timeout=5.0) -> Atlas:
    r"""Open (or create) an atlas database file.

    The file holds one row per task: a canonical key :math:`k = (\text{routine},
    \text{normalised arguments})`, its status, the certified bracket
    :math:`\text{lower} \le C \le \text{upper}`, the law that achieves ``lower``, timings
    and provenance (package version, commit, machine).

    Parameters
    ----------
    path : str or os.PathLike
        The SQLite file; created when missing and ``readonly`` is False. A ``.csv`` file
        exported by :meth:`Atlas.to_csv` (such as the shipped atlas) opens read-only.
    readonly : bool, default False
        Open without the right to write (works on read-only files and media).
    timeout : float, default 5.0
        Seconds to wait for another writer's lock before failing.

    Returns
    -------
    Atlas
        An open atlas; use it as a context manager or call ``close()``.

    Raises
    ------
    TypeError
        For a ``path`` that is not a path, a non-bool ``readonly`` or a non-real ``timeout``.
    ValueError
        For a negative or non-finite ``timeout``; a file that is not an atlas (corrupt, foreign
        SQLite file, a directory, a CSV row that does not decode), one from a newer schema
        version, a missing file opened read-only, a file that cannot be created, or a file
        locked by another writer.

    References
    ----------
    SQLite documentation, "Write-Ahead Logging" and "PRAGMA user_version".

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with open_atlas(os.path.join(d, "a.sqlite")) as atlas:
    ...     len(atlas)
    0
    """
    readonly = check_flag(readonly, "readonly")
    timeout = check_real(timeout, "timeout", low=0.0)
    check_path(path, "path")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"`path` must be a text file path; got {path!r}")
    if path.endswith(".csv"):
        return _open_csv(path)
    if os.path.isdir(path):
        raise ValueError(f"`path` must be an atlas file; {path!r} is a directory")
    if readonly:
        if not os.path.exists(path):
            raise ValueError(f"`path` must be an existing atlas to open read-only; got {path!r}")
        uri = "file:" + os.path.abspath(path) + "?mode=ro"
        try:
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=timeout)
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                # a WAL file without its -shm on read-only media: read the main file as it is
                conn = sqlite3.connect("file:" + os.path.abspath(path) + "?immutable=1", uri=True)
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"`path` must be an atlas database; {path!r} is not a readable SQLite file "
                             f"({exc})") from None
    else:
        try:
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise ValueError(f"`path` must be an atlas file that can be opened or created; got {path!r} "
                             f"({exc}: does its folder exist, and may this process write there?)") from None
        conn.isolation_level = ""          # implicit BEGIN before writes; `with conn` commits
    try:
        _check_schema(conn, path, readonly)
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal" and path != ":memory:":
                raise ValueError(f"atlas {path!r} could not switch to WAL mode (got {mode!r})")
            conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.OperationalError as exc:
        conn.close()
        raise ValueError(_locked_message(path, exc)) from None
    except BaseException:
        conn.close()
        raise
    return Atlas(conn, path, readonly)


def _open_csv(path) -> Atlas:
    """A read-only in-memory atlas holding the rows of an exported CSV file."""
    return memory_atlas(read_csv_records(path), path)


def read_csv_records(path) -> list:
    """The records of an exported CSV file, in file order; ValueError for a file that is not one."""
    csv.field_size_limit(2**31 - 1)          # compressed laws of 10**6 classes exceed the 128 KiB default
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ValueError(f"`path` must be a readable CSV file; got {path!r} ({exc.strerror})") from None
    records = []
    for i, row in enumerate(rows):
        missing = set(COLUMNS[:-1]) - set(row)
        if missing:
            raise ValueError(f"`path` must be a CSV exported by an atlas; {path!r} lacks columns "
                             f"{sorted(missing)}")
        try:
            d = {}
            for c in COLUMNS[:-1]:
                v = row[c]
                if c in ("args", "result"):
                    v = json.loads(v) if v else {}
                elif c == "law":
                    v = decode_law(v) if v else None
                elif c in ("value", "lower", "upper", "gap", "started", "finished", "seconds"):
                    v = float(v) if v != "" else None
                elif c == "error":
                    v = v or None
                d[c] = v
            record = AtlasRecord(**d)
            if record.status not in ("done", "failed"):      # what the table's CHECK refuses on storing
                raise ValueError(f"its status must be 'done' or 'failed'; got {record.status!r}")
        except (ValueError, TypeError, zlib.error) as exc:      # zlib: a damaged law
            raise ValueError(f"`path` row {i + 2} is not a valid atlas row: {exc}") from None
        records.append(record)
    return records


def memory_atlas(records, path) -> Atlas:
    """A read-only in-memory atlas holding ``records`` (``path`` names it in messages); a later
    record with the key of an earlier one replaces it, as when stored one by one."""
    conn = sqlite3.connect(":memory:")
    _check_schema(conn, path, False)
    atlas = Atlas(conn, path, False)
    atlas.store_many(records)
    atlas.readonly = True
    return atlas
