"""The ``insensitive-atlas`` command: run sweeps, list, show, verify and export results."""
from __future__ import annotations

import argparse
import json
import os
import sys

__all__ = ["main"]

#: The atlas file used when neither --db nor $INSENSITIVE_ATLAS is given.
DEFAULT_DB = "atlas.sqlite"


def _parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=f"atlas file (default: $INSENSITIVE_ATLAS or ./{DEFAULT_DB}; a .csv opens read-only)")
    p = argparse.ArgumentParser(prog="insensitive-atlas", parents=[common],
                                description="Sweeps on Dask, results in an SQLite atlas, re-checkable certificates.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", parents=[common], help="run a sweep spec (TOML)")
    r.add_argument("spec")
    r.add_argument("--scheduler", default=None, help="address of a running Dask scheduler (tcp://host:8786)")
    r.add_argument("--workers", type=int, default=None,
                   help="processes of the local cluster, at most one per usable core (default: one per core)")
    r.add_argument("--force", action="store_true", help="recompute tasks already stored as done")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp = sub.add_parser("ship", parents=[common],
                        help="regenerate the shipped atlas (capacity/atlas/data) from a clean checkout")
    sp.add_argument("--add", action="append", default=[], metavar="'ROUTINE ARG=VALUE ...'",
                    help="a task to add to the spec and the atlas, e.g. --add 'insensitive_capacity n=3 s=2 m=12'")
    sp.add_argument("--spec", default=None, help="spec file (default: the shipped report.toml)")
    sp.add_argument("--csv", default=None, help="CSV file (default: the shipped atlas.csv)")
    sp.add_argument("--workers", type=int, default=None,
                    help="processes of the local cluster, at most one per usable core (default: one per core)")
    sp.add_argument("--force", action="store_true", help="recompute every task of the spec")
    sp.add_argument("--no-verify", action="store_true", help="skip re-checking new rows (run `verify --all` later)")
    ls = sub.add_parser("ls", parents=[common], help="list stored tasks")
    ls.add_argument("--routine", default=None)
    ls.add_argument("--status", choices=("done", "failed"), default=None)
    ls.add_argument("--where", action="append", default=[], metavar="ARG=VALUE",
                    help="keep rows whose argument equals VALUE (JSON), e.g. --where n=4")
    sh = sub.add_parser("show", parents=[common], help="show one stored task")
    sh.add_argument("key")
    v = sub.add_parser("verify", parents=[common], help="re-check stored bounds from their laws")
    v.add_argument("keys", nargs="*")
    v.add_argument("--all", action="store_true", help="every done row with a law")
    v.add_argument("--rigorous", action="store_true", help="ball arithmetic on exact entries (python-flint)")
    e = sub.add_parser("export", parents=[common], help="write the atlas as CSV or JSON")
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--csv", action="store_true")
    g.add_argument("--json", action="store_true")
    e.add_argument("-o", "--output", default=None, help="file (default: stdout)")
    return p


def _fmt(x, digits=10):
    return "-" if x is None else f"{x:.{digits}f}"


def _where(items, option="--where"):
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"`{option}` must be ARG=VALUE; got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def _run(args, db):
    from ._sweep import run_sweep
    from ._spec import load_spec

    from ._worker import ROOT, checkout_state

    sweep = load_spec(args.spec)                   # malformed specs fail here, before any work
    commit, modified = checkout_state()
    if modified:
        print(f"insensitive-atlas: warning: {ROOT} has uncommitted changes ({', '.join(modified[:3])}"
              f"{', ...' if len(modified) > 3 else ''}); rows will carry commit {commit}+dirty, which names no "
              "code: commit first for results you will share", file=sys.stderr)
    n_stored = [0]

    def count(rec):
        n_stored[0] += 1

    try:
        s = run_sweep(sweep, db, scheduler=args.scheduler, workers=args.workers, force=args.force,
                      progress=not args.no_progress and sys.stderr.isatty(), callback=count)
    except KeyboardInterrupt:
        print(f"interrupted: {n_stored[0]} results stored in {db}; run the same command again to resume",
              file=sys.stderr)
        return 130
    print(f"{s.total} tasks: {s.skipped} already done, {s.submitted} run ({s.done} done, {s.failed} failed) "
          f"in {s.seconds:.1f} s -> {db}")
    return 0


def _parse_add(item):
    """``'ROUTINE ARG=VALUE ...'`` -> (routine, kwargs), values read as JSON (else strings)."""
    words = item.split()
    if not words:
        raise ValueError(f"`--add` must be 'ROUTINE ARG=VALUE ...'; got {item!r}")
    return words[0], _where(words[1:], "--add")


def _ship(args):
    from ._shipped import SHIPPED_CSV, SHIPPED_SPEC, build_shipped

    add = [_parse_add(item) for item in args.add]
    db = getattr(args, "db", None)
    try:
        build_shipped(spec=args.spec or SHIPPED_SPEC, csv_path=args.csv or SHIPPED_CSV, add=add, db=db,
                      workers=args.workers, force=args.force, verify=not args.no_verify, progress=sys.stderr.isatty())
    except KeyboardInterrupt:
        print(f"interrupted: {args.csv or SHIPPED_CSV} unchanged; "
              + (f"finished tasks are kept in {db}: run the same command again to resume" if db else
                 "finished tasks were in a temporary database (pass --db FILE to keep them)"), file=sys.stderr)
        return 130
    return 0


def _ls(args, atlas):
    recs = atlas.records(routine=args.routine, status=args.status, where=_where(args.where))
    for r in recs:
        short = r.routine.rpartition(".")[2]
        argtext = ",".join(f"{k}={v}" for k, v in r.args.items() if v is not None and k not in ("backend",))
        gap = "-" if r.gap is None else f"{r.gap:.1e}"
        tail = r.error if r.status == "failed" else f"value={_fmt(r.value)} gap={gap}"
        print(f"{r.key}  {r.status:6s}  {short}({argtext})  {tail}")
    print(f"{len(recs)} rows", file=sys.stderr)
    return 0


def _show(args, atlas):
    r = atlas.get(args.key)
    if r is None:
        raise ValueError(f"`key` must be a stored key; got {args.key!r} (see `insensitive-atlas ls`)")
    d = dict(r.__dict__)
    d["law"] = None if r.law is None else f"{r.law.size} entries, sum {float(r.law.sum())!r}"
    print(json.dumps(d, indent=1, sort_keys=True, default=str))
    return 0


def _verify(args, atlas):
    from ._verify import verify_record

    if args.all == bool(args.keys):
        raise ValueError("`verify` must be given KEYS or --all (not both); got "
                         + ("both" if args.all else "neither"))
    if args.all:
        recs = [r for r in atlas.records(status="done") if r.law is not None]
    else:
        recs = []
        for k in args.keys:
            r = atlas.get(k)
            if r is None:
                raise ValueError(f"`key` must be a stored key; got {k!r}")
            recs.append(r)
    bad = proved = 0
    for r in recs:
        try:
            v = verify_record(r, rigorous=args.rigorous)
        except (TypeError, ValueError) as exc:    # its channel cannot be rebuilt: the other rows still are
            bad += 1
            print(f"{r.key}  FAIL  channel not rebuilt: {exc}")
            continue
        bad += not v.holds
        proved += v.stored_proved
        note = ""
        if args.rigorous and v.holds:
            note = ("; the stored bracket is proved" if v.stored_proved else
                    f"; the stored bracket is proved once widened by {v.widening:.1e} on each side")
        print(f"{r.key}  {'OK  ' if v.holds else 'FAIL'}  [{v.lower!r}, {v.upper!r}] vs stored "
              f"[{v.stored_lower!r}, {v.stored_upper!r}]  {v.method}  {v.seconds:.2f} s  {v.detail}{note}")
    summary = f"{len(recs) - bad} of {len(recs)} verified"
    if args.rigorous:
        summary += f"; {proved} stored brackets proved as stored"
    print(summary, file=sys.stderr)
    return 1 if bad else 0


def _export(args, atlas):
    text = atlas.to_csv() if args.csv else atlas.to_json() + "\n"
    if args.output:
        try:
            with open(args.output, "w", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise ValueError(f"`--output` must be a file this process can write; got {args.output!r} "
                             f"({exc.strerror})") from None
    else:
        sys.stdout.write(text)
    return 0


def main(argv=None) -> int:
    r"""Entry point of ``insensitive-atlas``.

    Subcommands: ``run SPEC.toml [--scheduler ADDR] [--workers N] [--force]``,
    ``ship [--add 'ROUTINE ARG=VALUE ...'] [--workers N]`` (regenerate the shipped atlas from a
    clean checkout),
    ``ls [--routine R] [--status S] [--where ARG=VALUE]``, ``show KEY``,
    ``verify [KEYS | --all] [--rigorous]`` (each stored bracket
    :math:`I(p; W) \le C \le \max_x D(W_x \| pW)` re-evaluated from its law) and
    ``export --csv | --json [-o FILE]``; ``--db FILE`` chooses the atlas.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 a bound that does not verify, 2 bad input (a message on
        stderr), 130 interrupted (the atlas is consistent; run again to resume).

    Raises
    ------
    SystemExit
        From argparse on unknown options (status 2).

    References
    ----------
    docs/atlas.rst.

    Examples
    --------
    >>> main(["--db", "missing-atlas.sqlite", "ls"])   # doctest: +SKIP
    2
    """
    args = _parser().parse_args(argv)
    db = getattr(args, "db", None) or os.environ.get("INSENSITIVE_ATLAS") or DEFAULT_DB
    try:
        if args.command == "run":
            return _run(args, db)
        if args.command == "ship":
            return _ship(args)
        from ._store import open_atlas

        if args.command == "export" and args.output and os.path.abspath(args.output) == os.path.abspath(db):
            raise ValueError(f"`--output` must not be the atlas itself; got {args.output!r}")
        with open_atlas(db, readonly=True) as atlas:
            return {"ls": _ls, "show": _show, "verify": _verify, "export": _export}[args.command](args, atlas)
    except (ValueError, TypeError) as exc:
        print(f"insensitive-atlas: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
