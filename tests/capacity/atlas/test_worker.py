"""What runs on a worker: thread limits that survive numba's pool, provenance of the checkout."""
import os
import subprocess
import sys
import textwrap

import pytest

from capacity.atlas import _worker

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# numba imported (and its pool perhaps started) with 2 threads before the environment asked for 1 (what a
# Dask worker sees when it imports the client's `python -m` main module before the Nanny sets `env`);
# numba re-reads the variable before each compilation and raises when it differs from the running pool
SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ["NUMBA_NUM_THREADS"] = "2"
    import numba, numpy as np

    @numba.njit(parallel=True)
    def f(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s

    if sys.argv[2] == "pool-before":
        f(np.ones(10))
    os.environ["NUMBA_NUM_THREADS"] = "1"
    if sys.argv[1] == "task":
        from capacity.atlas._worker import execute
        assert execute("capacity.atlas.probe", {"value": 1.0})["status"] == "done"
    f(np.ones(10))

    @numba.njit
    def g(x):
        return x + 1

    print(g(1), numba.get_num_threads())
""")


@pytest.mark.parametrize("before, pool, ok", [("task", "pool-before", True), ("task", "pool-after", True),
                                              ("nothing", "pool-before", False)])
def test_a_task_keeps_numba_compiling_after_the_pool_started(before, pool, ok):
    env = {**os.environ, "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", SCRIPT, before, pool], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    if ok:
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split() == ["2", "1"]       # compiled; the task limited the threads it uses to 1
    else:                                              # the failure the worker's thread limit prevents
        assert "Cannot set NUMBA_NUM_THREADS" in out.stderr


def test_checkout_state_names_head_and_modified_files(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    (tmp_path / "a.txt").write_text("1")
    subprocess.run(git + ["add", "a.txt"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "a"], check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert _worker.checkout_state(str(tmp_path)) == (head, [])
    (tmp_path / "b.txt").write_text("untracked files do not count")
    assert _worker.checkout_state(str(tmp_path)) == (head, [])
    (tmp_path / "a.txt").write_text("2")
    assert _worker.checkout_state(str(tmp_path)) == (head, ["a.txt"])


def test_flatten_stores_the_level_routes_law_from_its_solver():
    """The weight-level route has no class law: its solver's law over the level rows is stored
    (verify re-checks it on the rebuilt level channel); another nested result is not read."""
    from types import SimpleNamespace

    import numpy as np

    from capacity.atlas._worker import flatten

    p = np.array([0.25, 0.75])
    levels = SimpleNamespace(class_mass=None, lower=1.0, upper=1.0,
                             result=SimpleNamespace(p=p, extra={"route": "levels"}))
    assert np.array_equal(flatten(levels)["law"], p)
    other = SimpleNamespace(class_mass=None, lower=1.0, upper=1.0, result=SimpleNamespace(p=p, extra={}))
    assert flatten(other)["law"] is None
    classes = SimpleNamespace(class_mass=np.array([1.0]), lower=1.0, upper=1.0,
                              result=SimpleNamespace(p=p, extra={"route": "levels"}))
    assert np.array_equal(flatten(classes)["law"], [1.0])


def test_a_packed_batch_gives_execute_batchs_results():
    # the batch travels as one opaque object (Dask does not walk it) and returns as one pickle
    import pickle

    batch = _worker.TaskBatch([("capacity.atlas.probe", {"value": 1.5}), ("capacity.atlas.probe", {"value": -2.0}),
                               ("capacity.atlas.probe", {"value": "bad"})])
    assert len(batch) == 3 and pickle.loads(pickle.dumps(batch)).tasks == batch.tasks
    got = pickle.loads(_worker.execute_packed(batch))
    want = _worker.execute_batch(list(batch))
    assert [r["value"] for r in got] == [r["value"] for r in want] == [1.5, -2.0, None]
    assert [r["status"] for r in got] == ["done", "done", "failed"]
