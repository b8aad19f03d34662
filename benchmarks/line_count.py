"""Line count of the library at two git refs, in all and for the same features.

``python -m benchmarks.line_count [--old REF] [--new REF] [--print] [--by-commit]``

Counts the ``.py`` files under ``boolean/`` and ``capacity/`` as committed at each ref
(``git show REF:path``, so uncommitted changes do not count). Two numbers per file:

* **physical**: every line of the file;
* **logical**: the lines that hold code: no blank line, no comment, no docstring (the first
  string statement of a module, class or function, found with ``ast``); a line holding any other
  token counts once (found with ``tokenize``), so a statement wrapped over three lines is three.

The same-feature comparison maps, group by group, the files that held a feature at the old ref
to the files that hold it at the new one (:data:`SAME_FEATURES`, commented file by file); files
that hold only features added since are listed in :data:`NEW_FEATURE_FILES` and left out.
Features added inside mapped files are named in :data:`NEW_INSIDE_MAPPED` and counted (their
lines cannot be split off by file), so the same-feature count at the new ref is an upper bound.
The table goes to ``benchmarks/results/line_count.md`` (assembled into BENCHMARKS.md by
``python -m benchmarks.run --assemble``).

``--by-commit`` attributes that growth to commits: it follows the measured set (every library file
that is not a new-feature file) through each commit since :data:`BASELINE`, from the files the
commit changed (:func:`commit_deltas`), and sums the deltas by the category each commit is given,
by judgment, in ``benchmarks/line_commits.csv`` (:data:`CATEGORIES`). The same table is appended to
the results file by the default run.
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import subprocess
import time
import tokenize
from pathlib import Path

from ._harness import RESULTS, table

ROOT = Path(__file__).resolve().parents[1]
#: The code before the "one house" refactoring.
BASELINE = "bf23c97"
PACKAGES = ("boolean", "capacity")

# ------------------------------------------------------------------------------------ the mapping
#: group -> (files at both refs, files only at the old ref, files only at the new ref) holding
#: the same features. A file may be split (one old file, several new) or merged (several old,
#: one new); every old file appears once, and no new file appears in two groups.
GROUPS = {
    # Boolean Fourier analysis: the transform, measures, restrictions, families, information.
    "boolean": (
        ["boolean/__init__.py", "boolean/_fwht_numba.py", "boolean/_fwht_torch.py", "boolean/_fwht_triton.py",
         "boolean/_numba.py", "boolean/families.py", "boolean/fourier.py", "boolean/information.py",
         "boolean/measures.py", "boolean/restrict.py"],
        [],
        ["boolean/_transform.py",  # fourier.py's transform dispatch and its memory plan, split off
         "boolean/_tables.py"],    # fourier.py's "private" section (load_table / deliver), split off
    ),
    # The shared core: backend resolution, the torch shim and validation of both packages,
    # now one array layer, one validation module and one memory planner in boolean/_lib.
    "shared core": (
        [],
        ["boolean/_backend.py", "boolean/_torch.py", "boolean/_validate.py", "capacity/_validate.py"],
        ["boolean/_lib/__init__.py", "boolean/_lib/array.py", "boolean/_lib/backend.py",
         "boolean/_lib/docs.py",  # docstring sections shared by several routines
         "boolean/_lib/butterfly.py",  # the radix-2 row kernel of _fwht_numba.py, shared with capacity
         "boolean/_lib/memory.py", "boolean/_lib/validate.py"],
    ),
    # Channel capacity, capacity-cost, rate-distortion, exact programs, closed forms.
    "capacity solvers": (
        ["capacity/__init__.py", "capacity/_ba_numba.py", "capacity/_cost_polish.py", "capacity/_lagrange.py",
         "capacity/_result.py", "capacity/blahut_arimoto.py", "capacity/channels.py",
         "capacity/cost_constrained.py", "capacity/distortion.py", "capacity/exact.py",
         "capacity/information.py"],
        ["capacity/_ba_torch.py"],  # the torch BA driver ...
        ["capacity/_solver.py",     # ... now the one solver core (with blahut_arimoto.py's former _md_chunk)
         "capacity/_rounding.py"],  # its final certificate, rounded outward (a fix of the certified bounds)
    ),
    # The insensitive-function channel and its exact capacity.
    "insensitive": (
        ["capacity/insensitive/__init__.py", "capacity/insensitive/channel.py", "capacity/insensitive/classes.py",
         "capacity/insensitive/family.py", "capacity/insensitive/merge.py", "capacity/insensitive/sensitivity.py",
         "capacity/insensitive/solve.py", "capacity/insensitive/symmetry.py"],
        [],
        ["capacity/insensitive/model.py"],  # the model shared by channel, symmetry and solve, split off
    ),
    # Mutual-information estimators.
    "mi": (
        ["capacity/mi/__init__.py", "capacity/mi/_common.py", "capacity/mi/_hashing.py", "capacity/mi/_kdtree.py",
         "capacity/mi/_kernels.py", "capacity/mi/exact.py", "capacity/mi/gaussian.py", "capacity/mi/infonce.py",
         "capacity/mi/ksg.py", "capacity/mi/noisy.py"],
        [],
        [],
    ),
    # Random nets, resampling models, Telephone chains.
    "experiments": (
        ["capacity/experiments/__init__.py", "capacity/experiments/random_nets.py",
         "capacity/experiments/telephone.py"],
        ["capacity/experiments/resampling.py",  # naive Bayes, Markov chains, plugin_mi, Ising
         "capacity/experiments/_markov.py", "capacity/experiments/_resampling_numba.py",
         "capacity/experiments/_ising_torch.py"],
        ["capacity/experiments/naive_bayes.py", "capacity/experiments/markov.py",  # resampling.py, by concern
         "capacity/experiments/ising.py", "capacity/mi/plugin.py",
         "capacity/experiments/_numba.py",      # _resampling_numba.py
         "capacity/experiments/_ising_xp.py"],  # _ising_torch.py, written against the array layer
    ),
    # The reproduction report.
    "report": (
        ["capacity/report/__init__.py", "capacity/report/__main__.py", "capacity/report/_framework.py",
         "capacity/report/_sections.py", "capacity/report/boolean_section.py", "capacity/report/capacity_section.py",
         "capacity/report/classes_section.py", "capacity/report/insensitive_section.py",
         "capacity/report/mi_section.py", "capacity/report/resampling_section.py"],
        [],
        [],
    ),
}
#: group -> (files at the old ref, files at the new ref) holding the same features.
SAME_FEATURES = {group: (both + old, both + new) for group, (both, old, new) in GROUPS.items()}

#: Files at the new ref that hold only features added since the old ref (left out of the
#: same-feature count), with the feature.
NEW_FEATURE_FILES = {
    "boolean/complexity.py": "complexity measures (sensitivity, certificates, decision trees)",
    "boolean/_complexity_numba.py": "complexity measures' kernels",
    "boolean/anf.py": "algebraic normal form, F2 degree",
    "boolean/juntas.py": "juntas",
    "boolean/pbiased.py": "p-biased Fourier analysis",
    "boolean/_pbiased.py": "p-biased kernels",
    "boolean/spectral.py": "spectral measures",
    "capacity/_ba_triton.py": "Triton Blahut-Arimoto kernels",
    "capacity/plotting.py": "plots",
    "capacity/atlas/": "the atlas (all files)",
    "capacity/insensitive/levels.py": "level (symmetric-function) channels",
    "capacity/insensitive/_levels_numba.py": "level channels' kernels",
    "capacity/insensitive/npn.py": "NPN classes",
    "capacity/insensitive/_npn_numba.py": "NPN classes' kernel",
    "capacity/insensitive/orbits.py": "orbits",
    "capacity/insensitive/_orbits_numba.py": "orbits' kernels",
    "capacity/insensitive/families.py": "function families",
    "capacity/insensitive/family_bracket.py": "family Monte Carlo bracket",
    "capacity/insensitive/family_capacity.py": "family capacity",
    "capacity/insensitive/_family_kernels.py": "family capacity's kernel",
    "capacity/insensitive/family_rounding.py": "family capacity's outward rounding",
    "capacity/insensitive/bounds.py": "bounds for every n",
    "capacity/insensitive/bounty.py": "sensitivity of optimal laws",
    "capacity/insensitive/readings.py": "other readings of the problem",
    "capacity/mi/_quantize_triton.py": "Triton quantisation kernel",
    "capacity/experiments/abstractions.py": "abstractions",
    "capacity/experiments/_abstractions_numba.py": "abstractions' kernels",
    "capacity/report/abstractions_section.py": "report section: abstractions",
    "capacity/report/realistic_n_section.py": "report section: realistic n",
    "capacity/report/theorems_section.py": "report section: theorems",
}

#: Features added since the old ref inside files that are mapped (counted as same-feature lines).
NEW_INSIDE_MAPPED = [
    "boolean: `fourier_coefficients(p=)` and `influences(p=)` (p-biased), `fwht(out=)` with its aliasing "
    "checks, big-endian input, the overflow refusal for float input, the `domain=` of truth tables, "
    "the depth-first radix-8 FWHT kernel, short result reprs, re-exports of the new modules",
    "shared core: the hostile-input guards (huge broadcast views refused from the shape, int64 counter "
    "bounds for max_iter, `check_flag`, `check_seed` with one seed range, `check_domain`)",
    "capacity solvers: the Triton dispatch and the sparse-Gram polish of the solver core, "
    "max_iter bounded by the counters, curves refused before any copy",
    "insensitive: exact routes for larger n (vector and level routes of the model), "
    "`classes.label_by_first`, the fold plan, the fold over NPN class-orbit representatives "
    "(`folded_channel(method=\"representatives\")`)",
    "mi: memory plans from the shapes for every estimator, the Triton quantise-and-hash dispatch, "
    "hostile-input refusals (tied KSG marginals, diverging InfoNCE lr, read-only samples)",
    "experiments: `naive_bayes_mi(state_space=...)` with an orbit state space, the experiments' "
    "hostile-input guards and memory plans",
    "report: new claims, figures and time budgets inside the existing sections",
]


# ------------------------------------------------------------------------------------ counting
def count(source: str) -> tuple[int, int, dict]:
    """(physical, logical, parts) of Python source: logical lines hold a token other than a
    comment, a docstring, or the tokens of layout (newlines, indents); ``parts`` maps each
    top-level function or class name to its own (physical, logical) lines."""
    physical = len(source.splitlines())
    tree = ast.parse(source)
    doc_rows = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                doc_rows.update(range(first.lineno, first.end_lineno + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    code_rows = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in skip or tok.start[0] in doc_rows:
            continue
        code_rows.update(range(tok.start[0], tok.end[0] + 1))
    parts = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            rows = range(start, node.end_lineno + 1)
            parts[node.name] = (len(rows), len(code_rows.intersection(rows)))
    return physical, len(code_rows), parts


def _git(*args) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


def library_files(ref: str) -> list[str]:
    """The .py files under boolean/ and capacity/ committed at ``ref``."""
    return sorted(f for f in _git("ls-tree", "-r", "--name-only", ref, *PACKAGES).splitlines() if f.endswith(".py"))


def counts(ref: str) -> dict[str, tuple[int, int]]:
    """path -> (physical, logical) for every library file at ``ref``."""
    return {f: count(_git("show", f"{ref}:{f}")) for f in library_files(ref)}


def _is_new_feature(path: str) -> bool:
    return any(path == k or (k.endswith("/") and path.startswith(k)) for k in NEW_FEATURE_FILES)


def check_mapping(old: dict, new: dict) -> None:
    """Every file at either ref is accounted for exactly once (mapped, or a new feature)."""
    old_mapped = [f for o, _ in SAME_FEATURES.values() for f in o]
    new_mapped = [f for _, n in SAME_FEATURES.values() for f in n]
    for name, mapped, files in (("old", old_mapped, old), ("new", new_mapped, new)):
        dup = sorted({f for f in mapped if mapped.count(f) > 1})
        missing = sorted(set(mapped) - set(files))
        if dup or missing:
            raise ValueError(f"mapping at the {name} ref: listed twice {dup}, not in the tree {missing}")
    unmapped_old = sorted(set(old) - set(old_mapped))
    unmapped_new = sorted(f for f in set(new) - set(new_mapped) if not _is_new_feature(f))
    if unmapped_old or unmapped_new:
        raise ValueError(f"files in no group: old {unmapped_old}, new {unmapped_new}")


def _delta(a: int, b: int) -> str:
    return f"{b - a:+d} ({(b - a) / a:+.1%})" if a else "-"


def public_names(ref: str, files) -> set[str]:
    """The public API at ``ref``: the names in the ``__all__`` lists of the packages' ``__init__.py``
    (private packages, such as ``boolean/_lib``, left out) and of the public modules of
    ``capacity/experiments`` (a package without an ``__all__`` of its own: users import its modules)."""
    names = set()
    for f in files:
        *dirs, name = f.split("/")
        if any(d.startswith("_") for d in dirs) or not (
                name == "__init__.py" or (dirs == ["capacity", "experiments"] and not name.startswith("_"))):
            continue
        for node in ast.parse(_git("show", f"{ref}:{f}")).body:
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
                    and isinstance(node.value, (ast.List, ast.Tuple))):
                names.update(e.value for e in node.value.elts if isinstance(e, ast.Constant))
    return names


def new_functions(new: dict, n_files, added_api) -> dict[str, tuple[int, int]]:
    """``"file:name" -> (physical, logical)`` for the top-level functions and classes of the new
    files that are public API added since the old ref (``added_api``): features added inside
    mapped files. Helpers, public-named or not, stay counted."""
    return {f"{f}:{name}": lines for f in n_files for name, lines in new[f][2].items() if name in added_api}


def report(old_ref: str = BASELINE, new_ref: str = "HEAD") -> str:
    """The markdown section: per group and in total, physical and logical lines at both refs."""
    old, new = counts(old_ref), counts(new_ref)
    check_mapping(old, new)
    rows = []
    tot = [0, 0, 0, 0]
    added = {}
    added_api = public_names(new_ref, new) - public_names(old_ref, old)
    for group, (o_files, n_files) in SAME_FEATURES.items():
        extra = new_functions(new, n_files, added_api)
        added.update(extra)
        op, ol = (sum(old[f][i] for f in o_files) for i in (0, 1))
        np_, nl = (sum(new[f][i] for f in n_files) - sum(v[i] for v in extra.values()) for i in (0, 1))
        tot = [tot[0] + op, tot[1] + ol, tot[2] + np_, tot[3] + nl]
        rows.append([group, op, np_, _delta(op, np_), ol, nl, _delta(ol, nl)])
    rows.append(["**same features, total**", tot[0], tot[2], _delta(tot[0], tot[2]), tot[1], tot[3],
                 _delta(tot[1], tot[3])])
    ap_, al_ = (sum(v[i] for v in added.values()) for i in (0, 1))
    rows.append(["new public functions inside mapped files (left out above)", 0, ap_, "", 0, al_, ""])
    new_files = sorted(f for f in new if _is_new_feature(f))
    fp, fl = (sum(new[f][i] for f in new_files) for i in (0, 1))
    rows.append(["new-feature files (left out above)", 0, fp, "", 0, fl, ""])
    ap, al = (sum(v[i] for v in old.values()) for i in (0, 1))
    bp, bl = (sum(v[i] for v in new.values()) for i in (0, 1))
    rows.append(["whole library", ap, bp, _delta(ap, bp), al, bl, _delta(al, bl)])
    desc = {r: _git("rev-parse", "--short", r).strip() for r in (old_ref, new_ref)}
    excluded = "; ".join(f"`{k}` ({v})" for k, v in NEW_FEATURE_FILES.items() if not k.endswith("/"))
    functions = ", ".join(f"`{k.split(':')[1]}` ({k.split(':')[0]}, {v[1]})" for k, v in sorted(added.items()))
    return "\n".join([
        f"## Line count: {old_ref} = {desc[old_ref]} -> {new_ref} = {desc[new_ref]}",
        "",
        "`python -m benchmarks.line_count` (from the committed trees; no timing, so no machine line). "
        "Physical: every line of the `.py` files under `boolean/` and `capacity/`. Logical: lines that "
        "hold code (no blank, comment or docstring line; `ast` finds the docstrings, `tokenize` the "
        "tokens). The same-feature rows compare, group by group, the files that held a feature at "
        f"{old_ref} with the files that hold it now (the mapping, file by file, is "
        "`SAME_FEATURES` in `benchmarks/line_count.py`), less the functions and classes of those "
        "files that joined the public API (a package's `__all__`) since.",
        "",
        table(["group", "physical old", "physical new", "change", "logical old", "logical new", "change"], rows),
        "",
        f"Left out as new-feature files ({len(new_files)} files): {excluded}; `capacity/atlas/*` (the atlas).",
        "",
        f"Left out as new public functions inside mapped files (file, logical lines): {functions or 'none'}.",
        "",
        "New features inside mapped files that no new public name marks, counted above as "
        "same-feature lines (so the same-feature count of the new tree is an upper bound):",
        "",
        *[f"- {item}" for item in NEW_INSIDE_MAPPED],
        "",
    ])


# ------------------------------------------------------------------------------------ by commit
#: The data file: one row per commit of ``BASELINE..HEAD`` whose delta is not zero, with the
#: category it is charged to (a judgment, read from the subject and the diff) and a note.
COMMITS_CSV = Path(__file__).resolve().parent / "line_commits.csv"
#: The last commit judged in :data:`COMMITS_CSV`: its rows cover ``BASELINE..JUDGED`` exactly.
JUDGED = "e5d4a6e"
CSV_FIELDS = ("commit", "date", "delta", "category", "subject", "note")
#: The categories, in the order of the summary table.
CATEGORIES = {
    "refactor": "the one-house work: array layer, solver core, memory planner and plans, shared core, "
                "layering, splitting modules, removing duplicates and dead code, docstring template, renames",
    "guards": "hostile-input refusals and validation (issue 17), memory refusals of bad sizes",
    "feature": "a new capability inside the measured files (route, parameter, method, kernel, dispatch)",
    "report": "new report claims, figures, section content, time budgets",
    "fix": "a bug fix of an existing feature",
    "perf": "a speed-up of an existing feature",
    "merge": "what a merge's conflict resolution changed (computed, not judged)",
}


def is_measured(path: str) -> bool:
    """A library ``.py`` file that is not a new-feature file: the set ``--by-commit`` follows."""
    return path.endswith(".py") and path.split("/", 1)[0] in PACKAGES and not _is_new_feature(path)


class _Blobs:
    """Logical lines of a blob, by hash, read through one ``git cat-file --batch`` process."""

    def __init__(self):
        self.cache = {}
        self.proc = subprocess.Popen(["git", "-C", str(ROOT), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __call__(self, sha: str) -> int:
        if sha not in self.cache:
            self.proc.stdin.write(sha.encode() + b"\n")
            self.proc.stdin.flush()
            size = int(self.proc.stdout.readline().split()[2])
            data = self.proc.stdout.read(size + 1)[:size]
            self.cache[sha] = count(data.decode())[1]
        return self.cache[sha]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
        self.proc.stdout.close()


def measured(ref: str, blobs=None) -> int:
    """Logical lines of the measured set (:func:`is_measured`) at ``ref``, from ``git ls-tree``."""
    own = blobs is None
    blobs = blobs or _Blobs()
    try:
        total = 0
        for line in _git("ls-tree", "-r", ref, "--", *PACKAGES).splitlines():
            meta, path = line.split("\t", 1)
            if meta.split()[1] == "blob" and is_measured(path):
                total += blobs(meta.split()[2])
        return total
    finally:
        if own:
            blobs.close()


def _step(parent: str, commit: str, blobs) -> int:
    """measured(commit) - measured(parent), from the files that changed between them only
    (``git diff-tree --raw``, renames as a deletion and an addition, each side judged by its path)."""
    total = 0
    raw = _git("diff-tree", "-r", "--raw", "--no-renames", "--no-abbrev", parent, commit, "--", *PACKAGES)
    for line in raw.splitlines():
        meta, path = line.split("\t", 1)
        _, _, old_sha, new_sha, status = meta.split()
        if not is_measured(path):
            continue
        if not set(new_sha) <= {"0"}:
            total += blobs(new_sha)
        if not set(old_sha) <= {"0"}:
            total -= blobs(old_sha)
    return total


def commit_deltas(old_ref: str = BASELINE, new_ref: str = "HEAD", blobs=None) -> list[dict]:
    """One dict per commit of ``old_ref..new_ref`` (oldest first): ``commit`` (short hash), ``date``,
    ``subject``, ``merge`` and ``delta``, its share of measured(new_ref) - measured(old_ref).

    A commit with one parent: measured(C) - measured(C^1). A merge M: measured(M) - measured(M^1)
    less the deltas of the commits it brings in (``git rev-list M^1..M``; a merge among them counts
    with its own such remainder, and a commit outside the range that a nested merge brings in, such
    as main's commits merged into a branch, is computed the same way), which leaves what the
    conflict resolution changed. ``old_ref`` must lie on the first-parent chain of ``new_ref``: then
    the commits that the merges of that chain bring in are disjoint, and the deltas sum to
    measured(new_ref) - measured(old_ref) exactly, which is asserted against :func:`measured`.
    ``blobs`` (a :class:`_Blobs`) lets a caller share the counts already read; default: one of its own.
    """
    log = _git("log", "--topo-order", "--reverse", "--format=%H %P%x09%ad%x09%s", "--date=format:%Y-%m-%d %H:%M",
               f"{old_ref}..{new_ref}")
    rows, delta = [], {}
    own = blobs is None
    blobs = blobs or _Blobs()

    def delta_of(commit: str, parents: list[str]) -> int:
        inside = [c for c in _git("rev-list", f"{parents[0]}..{commit}").split() if c != commit] \
            if len(parents) > 1 else []
        for c in inside:
            if c not in delta:  # outside the range, brought in by a nested merge: the same rule
                delta[c] = delta_of(c, _git("rev-list", "--parents", "-n", "1", c).split()[1:])
        return _step(parents[0], commit, blobs) - sum(delta[c] for c in inside)

    try:
        for line in log.splitlines():
            shas, date, subject = line.split("\t", 2)
            commit, *parents = shas.split()
            delta[commit] = delta_of(commit, parents)
            rows.append({"commit": commit[:7], "date": date, "subject": subject, "merge": len(parents) > 1,
                         "delta": delta[commit]})
        total = measured(new_ref, blobs) - measured(old_ref, blobs)
    finally:
        if own:
            blobs.close()
    if sum(r["delta"] for r in rows) != total:
        raise AssertionError(f"deltas sum to {sum(r['delta'] for r in rows)}, measured changed by {total}")
    return rows


def read_commits(path=COMMITS_CSV) -> list[dict]:
    """The rows of :data:`COMMITS_CSV` (``delta`` as int)."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["delta"] = int(row["delta"])
    return rows


def check_commits(computed: list[dict], judged: list[dict]) -> None:
    """The judged rows are exactly the computed commits with a non-zero delta, with the same delta,
    a category from :data:`CATEGORIES`, and ``merge`` for merges only."""
    want = {r["commit"]: r for r in computed if r["delta"]}
    have = {r["commit"]: r for r in judged}
    missing, stale = sorted(set(want) - set(have)), sorted(set(have) - set(want))
    wrong = sorted(c for c in set(want) & set(have) if want[c]["delta"] != have[c]["delta"]
                   or (have[c]["category"] == "merge") != want[c]["merge"])
    unknown = sorted(c for c, r in have.items() if r["category"] not in CATEGORIES)
    if missing or stale or wrong or unknown or len(have) != len(judged):
        raise ValueError(f"{COMMITS_CSV.name} does not match the history: not listed {missing}, listed but "
                         f"zero or outside the range {stale}, other delta or merge flag {wrong}, unknown "
                         f"category {unknown}, {len(judged) - len(have)} listed twice")


def by_commit(new_ref: str = "HEAD") -> tuple[str, list[dict]]:
    """The markdown section (net logical lines of the measured set from :data:`BASELINE` to
    ``new_ref``, per category of :data:`COMMITS_CSV`) and the rows of the commits after
    :data:`JUDGED` that the file does not judge yet. The judged rows are checked against the
    history first (:func:`check_commits`); ``new_ref`` must contain :data:`JUDGED`."""
    old_ref = BASELINE
    if subprocess.run(["git", "-C", str(ROOT), "merge-base", "--is-ancestor", JUDGED, new_ref]).returncode:
        raise ValueError(f"`new` must contain {JUDGED}, the last commit judged in {COMMITS_CSV.name}; got {new_ref}")
    blobs = _Blobs()                      # one cache: the two totals below are read by commit_deltas too
    try:
        rows = commit_deltas(old_ref, new_ref, blobs)
        start, end = measured(old_ref, blobs), measured(new_ref, blobs)
    finally:
        blobs.close()
    judged_range = {c[:7] for c in _git("rev-list", f"{old_ref}..{JUDGED}").split()}
    judged = read_commits()
    check_commits([r for r in rows if r["commit"] in judged_range], judged)
    pending = [r for r in rows if r["commit"] not in judged_range and r["delta"]]
    table_rows = []
    for cat in CATEGORIES:
        mine = [r["delta"] for r in judged if r["category"] == cat]
        unsure = sum(r["note"].startswith("?") for r in judged if r["category"] == cat)
        table_rows.append([cat, len(mine), unsure, sum(d for d in mine if d > 0), sum(d for d in mine if d < 0),
                           f"{sum(mine):+d}"])
    if pending:
        d = [r["delta"] for r in pending]
        table_rows.append([f"not judged yet (after {JUDGED})", len(d), "", sum(x for x in d if x > 0),
                           sum(x for x in d if x < 0), f"{sum(d):+d}"])
    net = sum(r["delta"] for r in rows)
    table_rows.append(["**total**", sum(r[1] for r in table_rows), sum(r[2] or 0 for r in table_rows),
                       sum(r[3] for r in table_rows), sum(r[4] for r in table_rows), f"{net:+d}"])
    short = _git("rev-parse", "--short", new_ref).strip()
    net_of = {cat: sum(r["delta"] for r in judged if r["category"] == cat) for cat in CATEGORIES}

    def same(cats):
        total = start + sum(net_of[c] for c in cats)
        return f"{total} ({_delta(start, total)})"
    md = "\n".join([
        f"## Same-feature line growth by commit: {old_ref} -> {new_ref} = {short}",
        "",
        "`python -m benchmarks.line_count --by-commit` (also appended by `python -m benchmarks.line_count`). "
        "The measured set, at every commit, is each `.py` file under `boolean/` and `capacity/` that is not "
        "a new-feature file, in logical lines as above; at the new ref it is the same-feature files plus the "
        f"new public functions inside them (the first table's two rows): {start} -> {end} ({end - start:+d}). "
        "A commit's delta is measured(C) - measured(C^1), from the files it changed; a merge's is what its "
        "conflict resolution changed: measured(M) - measured(M^1) less the deltas of the commits it brings "
        f"in. The deltas sum to the change exactly (asserted). {len([r for r in rows if r['delta']])} of the "
        f"{len(rows)} commits change the measured set.",
        "",
        table(["category", "commits", "unsure (`?`)", "sum over growing commits", "sum over shrinking commits",
               "net"], table_rows),
        "",
        f"The code of {old_ref}'s features, changed by the refactoring, the speed-ups and the fixes "
        f"(refactor + perf + fix + merge): {start} -> {same(('refactor', 'perf', 'fix', 'merge'))}; the "
        f"refactoring's commits alone: {same(('refactor',))}; with the hostile-input refusals (guards) "
        f"counted as the same features too: {same(('refactor', 'perf', 'fix', 'merge', 'guards'))}.",
        "",
        "Categories: " + "; ".join(f"`{k}`: {v}" for k, v in CATEGORIES.items()) + ". "
        "The split is a judgment, made commit by commit from the subject, the message and the files "
        "changed (the diff where those left it unclear), recorded with its reason in "
        "`benchmarks/line_commits.csv`: a commit that mixes concerns is charged to the one with most lines "
        "(its note says so), and a doubtful one to `refactor`, noted `?` (so are the speed-ups and repairs "
        "that won back what the refactoring had cost), so that the refactoring's share is not understated. "
        "A category's net counts its own commits only: lines one category adds and a later commit of "
        "another removes stay in the first. Docstrings are not logical lines, so the "
        "shared docstring template shows only its cost here.",
        "",
    ])
    return md, pending


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default=BASELINE, help=f"old ref (default {BASELINE})")
    parser.add_argument("--new", default="HEAD", help="new ref (default HEAD)")
    parser.add_argument("--print", action="store_true", help="print only, store nothing")
    parser.add_argument("--by-commit", action="store_true",
                        help=f"print only the growth since {BASELINE} by commit and category, and the rows "
                             f"{COMMITS_CSV.name} lacks (--old does not apply)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    growth, pending = by_commit(args.new)
    seconds = time.perf_counter() - t0
    if args.by_commit:
        print(growth)
        print(f"(by-commit pass: {seconds:.1f} s)")
        if pending:
            print(f"Rows {COMMITS_CSV.name} lacks (after {JUDGED}; fill in the category and note, then move JUDGED):")
            for r in pending:
                print(",".join([r["commit"], r["date"], str(r["delta"]), "merge" if r["merge"] else "",
                                '"' + r["subject"].replace('"', '""') + '"', ""]))
        return growth
    md = report(args.old, args.new) + "\n" + growth
    print(md)
    if not args.print:
        (RESULTS / "line_count.md").write_text(md)
    return md


if __name__ == "__main__":
    main()
