"""Before/after: the headline rows timed at two git refs, in fresh interleaved processes.

``python -m benchmarks.compare_refs [--old REF] [--new REF] [--repeat K] [--rows A,B] [--threads T]
[--quick] [--write]``

Each ref is checked out with ``git worktree add --detach`` under a temporary folder (removed
afterwards); ``--new WORKTREE`` (the default) is this checkout as it is on disk, uncommitted
changes included. Every row runs in fresh processes (``python <this file> --worker ROW`` with
``PYTHONPATH`` and the working directory set to the ref's tree, checked from the imported
modules' files): one untimed warm-up call (numba JIT, caches, lazy imports), then the best of
``inner`` timed calls. The ``K`` processes per ref alternate old/new in ABBA order, so a load
drift during the run hits both sides alike. The table gives, per ref, the median of the K
per-process times and the spread (max - min) / median of those K, our noise estimate; the
ratio is new / old of the medians. Only public functions are called, with arguments that
exist at both refs. On a shared or busy machine pass ``--threads 1``: BLAS and numba threads that
wait for busy cores make multi-threaded timings swing by far more than any change being measured.
``--write`` stores the table under ``benchmarks/results/compare/``
(not assembled into BENCHMARKS.md: a before/after table belongs to its two refs).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Default baseline: the commit before the "one house" refactoring (shared core in boolean/_lib).
BASELINE = "94d6b91"
WORKTREE = "WORKTREE"

# ------------------------------------------------------------------------------------ the rows
# Each row: setup(quick) -> a zero-argument callable; called once untimed, then `inner` times.
# Setups import only public names, and only inside the worker process.


def _fwht(dtype, quick):
    import numpy as np

    from boolean import fwht

    x = np.zeros(1 << (14 if quick else 24), dtype=dtype)  # the same in-place work as any values
    return lambda: fwht(x, out=x)


def _ba(n, quick):
    import numpy as np

    from capacity import blahut_arimoto

    n = 64 if quick else n
    W = np.random.default_rng(0).dirichlet(np.ones(n), n)
    return lambda: blahut_arimoto(W, tol=1e-9)


def _ba_batch(quick):
    import numpy as np

    from capacity import blahut_arimoto

    B, n = (20, 16) if quick else (1000, 64)
    W = np.random.default_rng(0).dirichlet(np.ones(n), (B, n))
    return lambda: blahut_arimoto(W, tol=1e-9)


def _insensitive(quick):
    from capacity import insensitive_capacity

    args = (3, 1, 3) if quick else (4, 2, 4)
    return lambda: insensitive_capacity(*args, tol=1e-9)


def _ksg(quick):
    import math

    import numpy as np

    from capacity.mi import ksg_mutual_information

    n, d, rho = (500 if quick else 5000), 5, 0.6
    rng = np.random.default_rng(d)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho ** 2) * rng.standard_normal((n, d))
    return lambda: ksg_mutual_information(x, y)


def _ising(quick):
    try:
        from capacity.experiments.ising import ising_magnetization
    except ImportError:  # refs before resampling.py was split by concern
        from capacity.experiments.resampling import ising_magnetization

    L, R, sweeps = (16, 4, 2) if quick else (64, 64, 20)
    return lambda: ising_magnetization(L, 2.0, [sweeps], R, seed=0, burn_in=0, backend="numba")


def _rd(quick):
    import numpy as np

    from capacity import rate_distortion

    rng = np.random.default_rng(1)
    problems = []
    for k in range(5 if quick else 40):  # uniform, integer and Hamming distortions, D in [D_min, D_max]
        nx, nz = rng.integers(2, 25, size=2)
        p = rng.dirichlet(np.full(nx, 0.5))
        d = [rng.random((nx, nz)), rng.integers(0, 4, size=(nx, nz)).astype(float), 1 - np.eye(nx, nz)][k % 3]
        d_min, d_max = float(p @ d.min(axis=1)), float((p @ d).min())
        problems.append((p, d, d_min + rng.random() * (d_max - d_min)))
    return lambda: [rate_distortion(p, d, D, tol=1e-9) for p, d, D in problems]


#: name -> (label, setup(quick), timed calls per process)
ROWS = {
    "fwht64": ("FWHT n=24 float64, fwht(x, out=x)", lambda q: _fwht("float64", q), 5),
    "fwht32": ("FWHT n=24 float32, fwht(x, out=x)", lambda q: _fwht("float32", q), 5),
    "ba512": ("Blahut-Arimoto 512x512 Dirichlet(1), tol 1e-9", lambda q: _ba(512, q), 3),
    "ba2048": ("Blahut-Arimoto 2048x2048 Dirichlet(1), tol 1e-9", lambda q: _ba(2048, q), 1),
    "ba_batch": ("Blahut-Arimoto batch 1000 x 64x64, tol 1e-9", _ba_batch, 2),
    "insensitive": ("insensitive_capacity(4, 2, 4), tol 1e-9", _insensitive, 2),
    "ksg5": ("KSG d=5 per side, n=5000, k=3", _ksg, 3),
    "ising": ("Ising 64x64 numba, 64 replicas x 20 sweeps", _ising, 2),
    "rd": ("rate_distortion, 40 random sources of 2-24 letters, tol 1e-9", _rd, 2),
}
QUICK_LABELS = {"fwht64": "n=14", "fwht32": "n=14", "ba512": "64x64", "ba2048": "64x64", "ba_batch": "20 x 16x16",
                "insensitive": "(3, 1, 3)", "ksg5": "n=500", "ising": "16x16, 4 x 2", "rd": "5 sources"}


def worker(name: str, quick: bool) -> None:
    """Time one row in this process and print JSON: the best of ``inner`` calls and the modules' files."""
    _, setup, inner = ROWS[name]
    fn = setup(quick)
    fn()  # warm-up: JIT compilation, caches, lazy imports
    best = float("inf")
    for _ in range(1 if quick else inner):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    import boolean
    import capacity

    print(json.dumps({"seconds": best, "files": [boolean.__file__, capacity.__file__]}))


# ------------------------------------------------------------------------------------ the driver


def _git(*args) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def _describe(ref: str) -> str:
    if ref == WORKTREE:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return f"working tree at {_git('rev-parse', '--short', 'HEAD')}" + (" + uncommitted changes" if dirty else "")
    return f"{ref} = {_git('rev-parse', '--short', ref + '^{commit}')}"


@contextlib.contextmanager
def checkout(ref: str, tmp: Path):
    """The folder holding ``ref``'s tree: this checkout for WORKTREE, else a temporary git worktree."""
    if ref == WORKTREE:
        yield ROOT
        return
    path = tmp / f"ref-{len(list(tmp.iterdir()))}"
    _git("worktree", "add", "--detach", "--quiet", str(path), ref)
    try:
        yield path
    finally:
        _git("worktree", "remove", "--force", str(path))


THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def run_once(tree: Path, name: str, quick: bool, timeout: float, threads=None) -> float:
    """One fresh process at ``tree`` timing row ``name``; returns seconds (raises on failure)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if threads:
        env.update({var: str(threads) for var in THREAD_VARS})
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name] + (["--quick"] if quick else [])
    out = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError((out.stderr.strip().splitlines() or ["(no output)"])[-1])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for f in result["files"]:  # the ref's own packages, not an installed copy
        if not Path(f).resolve().is_relative_to(tree.resolve()):
            raise RuntimeError(f"imported {f}, not from {tree}")
    return result["seconds"]


def compare(old: str, new: str, *, repeat: int = 5, quick: bool = False, rows=None, timeout: float = 600.0,
            threads=None, log=print) -> str:
    """Run the rows at both refs (ABBA-interleaved fresh processes) and return a markdown section."""
    sys.path.insert(0, str(ROOT))  # benchmarks._harness of this checkout
    from benchmarks._harness import machine_line, table

    names = list(rows or ROWS)
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        raise ValueError(f"`rows` must be among {sorted(ROWS)}; got {unknown}")
    if repeat < 1:
        raise ValueError(f"`repeat` must be >= 1; got {repeat}")
    if threads is not None and threads < 1:
        raise ValueError(f"`threads` must be >= 1 or None; got {threads}")
    desc = {"old": _describe(old), "new": _describe(new)}
    lines = []
    with tempfile.TemporaryDirectory(prefix="compare_refs_") as tmp, \
            checkout(old, Path(tmp)) as old_tree, checkout(new, Path(tmp)) as new_tree:
        trees = {"old": old_tree, "new": new_tree}
        for name in names:
            times = {"old": [], "new": []}
            errors = {}
            for rep in range(repeat):
                order = ("old", "new") if rep % 2 == 0 else ("new", "old")  # ABBA
                for side in order:
                    if side in errors:
                        continue
                    try:
                        times[side].append(run_once(trees[side], name, quick, timeout, threads))
                    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                        errors[side] = str(exc)
            cells = []
            for side in ("old", "new"):
                ts = times[side]
                if side in errors:
                    cells += [f"failed: {errors[side][:80]}", ""]
                else:
                    med = statistics.median(ts)
                    cells += [f"{med * 1e3:.3g}", f"{(max(ts) - min(ts)) / med:.0%}" if len(ts) > 1 else "-"]
            ratio = (f"{statistics.median(times['new']) / statistics.median(times['old']):.2f}"
                     if not errors else "")
            label = ROWS[name][0] + (f" (quick: {QUICK_LABELS[name]})" if quick else "")
            lines.append([label, cells[0], cells[1], cells[2], cells[3], ratio])
            log(" | ".join(str(c) for c in lines[-1]))
    return "\n".join([
        f"## Before / after: {desc['old']} -> {desc['new']}",
        "",
        machine_line("scipy") + (f" Threads: {threads} ({', '.join(THREAD_VARS)})." if threads else
                                  " Threads: the libraries' defaults."),
        "",
        f"Median over {repeat} fresh processes per ref (ABBA order) of each process's best timed call, "
        "warm-up excluded; spread = (max - min) / median of those processes (the noise floor: a ratio "
        "within it is no change)." + (" Quick sizes: checks the script, not a measurement." if quick else ""),
        "",
        table(["row", "old ms", "old spread", "new ms", "new spread", "new / old"], lines),
    ])


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default=BASELINE, help=f"baseline ref (default {BASELINE})")
    parser.add_argument("--new", default=WORKTREE, help="ref to compare, or WORKTREE: this checkout as on disk "
                                                        "(default)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per ref and row (default 5)")
    parser.add_argument("--threads", type=int, default=None,
                        help="set the numba/OpenMP/BLAS thread counts of every process (default: unset)")
    parser.add_argument("--rows", default=None, help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the script, stores nothing")
    parser.add_argument("--write", action="store_true", help="store under benchmarks/results/compare/")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.quick)
        return ""
    md = compare(args.old, args.new, repeat=args.repeat, quick=args.quick,
                 rows=args.rows.split(",") if args.rows else None, threads=args.threads)
    print(md)
    if args.write and not args.quick:
        out = ROOT / "benchmarks" / "results" / "compare"
        out.mkdir(parents=True, exist_ok=True)
        slug = "_".join(_git("rev-parse", "--short", r) if r != WORKTREE else "worktree" for r in (args.old, args.new))
        (out / f"{slug}.md").write_text(md + "\n")
        print(f"wrote {out / (slug + '.md')}")
    return md


if __name__ == "__main__":
    if "--worker" in sys.argv:
        # Run as a script inside a ref's tree: this file's folder must not shadow the ref's packages.
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    main()
