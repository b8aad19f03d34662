"""benchmarks/line_count.py: the counting rule, and the mapping accounts for every library file."""
import subprocess

import pytest

from benchmarks import line_count

SOURCE = '''"""Module docstring,
over two lines."""
import math  # a comment


def f(x):
    """Docstring."""
    # a comment line
    s = """not a docstring:
    a string value"""
    return (x +
            1)


class C:
    r"""Docstring."""

    y = 1
'''


def test_count_skips_blank_comment_and_docstring_lines():
    physical, logical, parts = line_count.count(SOURCE)
    lines = SOURCE.splitlines()
    # by hand, from the definition: the lines holding code are "import math", "def f",
    # the two lines of the assigned string, "return (x +", "1)", "class C:" and "y = 1"
    code = [i for i, line in enumerate(lines, 1)
            if line.strip().startswith(("import", "def", "s =", "a string", "return", "1)", "class", "y ="))]
    assert physical == len(lines) and logical == len(code) == 8
    assert parts == {"f": (7, 5), "C": (4, 2)}  # lines 6-12 and 15-18; code lines within each


def test_mapping_accounts_for_every_file_at_both_refs(monkeypatch):
    try:
        subprocess.run(["git", "-C", str(line_count.ROOT), "cat-file", "-e", line_count.BASELINE + "^{commit}"],
                       check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("the baseline commit is not in this checkout")
    old, new = line_count.counts(line_count.BASELINE), line_count.counts("HEAD")
    line_count.check_mapping(old, new)  # raises on a file in no group, listed twice, or missing
    monkeypatch.setitem(line_count.SAME_FEATURES, "extra", ([], ["boolean/fourier.py"]))
    with pytest.raises(ValueError, match="listed twice"):
        line_count.check_mapping(old, new)


# ------------------------------------------------------------------------------------ by commit
def _require(*refs):
    for ref in refs:
        try:
            subprocess.run(["git", "-C", str(line_count.ROOT), "cat-file", "-e", ref + "^{commit}"],
                           check=True, capture_output=True)
        except (subprocess.CalledProcessError, FileNotFoundError):
            pytest.skip(f"{ref} is not in this checkout")


def _parent(commit):
    return line_count._git("rev-parse", commit + "^1").strip()


@pytest.fixture(scope="module")
def measured():
    """line_count.measured from full trees (``git ls-tree``), with one blob cache for the module."""
    blobs = line_count._Blobs()
    yield lambda ref: line_count.measured(ref, blobs)
    blobs.close()


#: A short stretch of the first-parent history before JUDGED (about 90 commits, merges included).
RECENT = (line_count.JUDGED + "~30", line_count.JUDGED)


def test_by_commit_deltas_sum_to_the_change_on_recent_history(measured):
    _require(*RECENT)
    rows = line_count.commit_deltas(*RECENT)
    # the identity, against measured() from two full trees (ls-tree), not from the diffs
    assert sum(r["delta"] for r in rows) == measured(RECENT[1]) - measured(RECENT[0])
    # each commit's delta, from its changed files only, equals the difference of full counts
    for r in rows:
        if not r["merge"]:
            assert r["delta"] == measured(r["commit"]) - measured(_parent(r["commit"])), r
    # a merge's delta is its step less what the commits it brings in (all listed) contributed
    deltas = {r["commit"]: r["delta"] for r in rows}
    for r in rows:
        if r["merge"]:
            inside = [c[:7] for c in line_count._git("rev-list", f"{r['commit']}^1..{r['commit']}").split()]
            step = measured(r["commit"]) - measured(_parent(r["commit"]))
            assert r["delta"] == step - sum(deltas[c] for c in inside if c != r["commit"]), r


def test_by_commit_handles_a_nested_merge_of_older_commits(measured):
    # b1abb06 merges the experiments branch, which had merged main (a2b7467): main's commits that
    # a2b7467 brings in lie before the range, so their deltas are computed outside it
    _require("0349512", "b1abb06")
    rows = line_count.commit_deltas("0349512", "b1abb06")
    assert any(r["commit"] == "a2b7467" and r["merge"] for r in rows)
    assert sum(r["delta"] for r in rows) == measured("b1abb06") - measured("0349512")


def test_measured_set_is_the_same_feature_files_plus_their_new_functions(measured):
    # at HEAD, where the mapping must hold (a file the mapping lists may not exist at an older commit)
    _require(line_count.BASELINE)
    for ref in (line_count.BASELINE, "HEAD"):
        files = line_count.counts(ref)  # read with `git show`, not through the blob cache
        mapped = {f for o, n in line_count.SAME_FEATURES.values() for f in (o if ref == line_count.BASELINE else n)}
        assert measured(ref) == sum(files[f][1] for f in mapped)


def _csv_rows():
    rows = line_count.read_commits()
    assert rows and all(r["category"] in line_count.CATEGORIES for r in rows)
    assert len({r["commit"] for r in rows}) == len(rows)
    return rows


def test_commits_csv_lists_real_commits_with_known_categories():
    _require(line_count.BASELINE, line_count.JUDGED)
    in_range = {c[:7] for c in line_count._git("rev-list", f"{line_count.BASELINE}..{line_count.JUDGED}").split()}
    rows = _csv_rows()
    assert {r["commit"] for r in rows} <= in_range
    assert all(r["note"].startswith("?") <= (r["category"] == "refactor") for r in rows)  # doubt counts against


def test_commits_csv_covers_recent_history():
    _require(*RECENT)
    computed = line_count.commit_deltas(*RECENT)
    listed = {r["commit"]: r for r in _csv_rows()}
    for r in computed:
        if r["delta"]:
            assert r["commit"] in listed and listed[r["commit"]]["delta"] == r["delta"], r
            assert (listed[r["commit"]]["category"] == "merge") == r["merge"], r
        else:
            assert r["commit"] not in listed, r


@pytest.mark.slow
def test_commits_csv_covers_the_whole_judged_range():
    _require(line_count.BASELINE, line_count.JUDGED)
    computed, judged = line_count.commit_deltas(line_count.BASELINE, line_count.JUDGED), _csv_rows()
    line_count.check_commits(computed, judged)  # raises on any row missing, extra, or with another delta
    for broken in (judged[1:], judged + judged[:1],
                   [dict(judged[0], category="style")] + judged[1:],
                   [dict(judged[0], delta=judged[0]["delta"] + 1)] + judged[1:]):
        with pytest.raises(ValueError, match="does not match the history"):
            line_count.check_commits(computed, broken)
