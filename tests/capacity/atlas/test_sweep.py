"""Sweeps on Dask: failures stored, resumption, worker loss. One 2-process cluster per module."""
import os
import time

import pytest

from capacity.atlas import open_atlas, run_sweep
from capacity.atlas._sweep import _usable_cores as _cores
from capacity.atlas.cli import main

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    # the embedded cluster's settings (batches sent to their worker when submitted, no work stealing),
    # with Dask's default allowed-failures so that a test's worker kill is not a task's last chance
    from capacity.atlas import local_cluster

    if _cores() < 2:
        pytest.skip("needs 2 usable cores: a local cluster runs at most one worker per core")
    with local_cluster(2, retries=3) as c:
        yield c


def _probes(k, seconds=0.0):
    return {"sweep": [{"routine": "probe", "grid": {"value": [float(v) for v in range(k)]},
                       "options": {"seconds": seconds}}]}


def test_failures_are_stored_with_their_message_and_the_rest_completes(cluster, tmp_path):
    spec = {"sweep": [{"routine": "insensitive_capacity", "grid": {"n": [2], "s": [1], "m": [1, 2]}},
                      {"routine": "insensitive_capacity", "grid": {"n": [9], "s": [1], "m": [2]}},
                      {"routine": "insensitive_capacity", "grid": {"n": [3], "s": [1], "m": [4]},
                       "options": {"max_bytes": 1000}}]}
    db = tmp_path / "a.sqlite"
    s = run_sweep(spec, db, scheduler=cluster.scheduler_address)
    assert (s.total, s.submitted, s.done, s.failed) == (4, 4, 2, 2)
    with open_atlas(db, readonly=True) as atlas:
        failed = {r.args["n"]: r.error for r in atlas.records(status="failed")}
        assert "no exact route covers `n` = 9" in failed[9] and "max_bytes" in failed[3]
        done = atlas.records(status="done")
        assert sorted(r.args["m"] for r in done) == [1, 2]
        r = [r for r in done if r.args["m"] == 2][0]
        # C(2, 1, 2) = 1.299642 (docs/problem.rst); tol 1e-9 certified
        assert r.lower <= 1.2996425 and r.upper >= 1.2996424 and r.gap <= 1e-9
        assert r.law.shape == (15,) and r.vcs_commit and r.machine and r.version and r.seconds > 0
    # again: the two done tasks are skipped, the failed ones are retried (and fail again)
    s2 = run_sweep(spec, db, scheduler=cluster.scheduler_address)
    assert (s2.skipped, s2.submitted, s2.failed) == (2, 2, 2)
    s3 = run_sweep(spec, db, scheduler=cluster.scheduler_address, force=True)
    assert (s3.skipped, s3.submitted) == (0, 4)
    with open_atlas(db, readonly=True) as atlas:
        assert len(atlas) == 4


def test_interrupted_client_resumes_with_only_the_unfinished_tasks(cluster, tmp_path):
    db = tmp_path / "a.sqlite"
    stored = []

    def stop_after_three(rec):
        stored.append(rec.key)
        if len(stored) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(_probes(10, 0.05), db, scheduler=cluster.scheduler_address, callback=stop_after_three)
    with open_atlas(db, readonly=True) as atlas:
        # a batch's rows are committed in one transaction before their callbacks run: the three the
        # callback saw are stored, with at most the rest of their batch, each row complete
        rows = atlas.records()
        assert set(stored) <= {r.key for r in rows} and 3 <= len(rows) < 10
        assert all(r.status == "done" and r.value == float(r.args["value"]) for r in rows)
    s = run_sweep(_probes(10, 0.05), db, scheduler=cluster.scheduler_address)
    assert (s.skipped, s.submitted, s.done) == (len(rows), 10 - len(rows), 10 - len(rows))
    with open_atlas(db, readonly=True) as atlas:
        assert len(atlas) == 10 and len(atlas.keys(status="done")) == 10


@pytest.mark.parametrize("batch", [None, 3])
def test_killed_worker_loses_and_duplicates_nothing(cluster, tmp_path, batch):
    # batch=None: tasks of 0.2 s travel two per batch (0.5 s of work); batch=3: the killed worker's batch of
    # three runs again
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        pids = sorted(client.run(os.getpid).values())
    db = tmp_path / "a.sqlite"
    seen = []

    def kill_one(rec):
        seen.append(rec.key)
        if len(seen) == 1:
            os.kill(pids[0], 9)

    s = run_sweep(_probes(12, 0.2), db, scheduler=cluster.scheduler_address, callback=kill_one, retries=2,
                  batch=batch)
    assert (s.submitted, s.done, s.failed) == (12, 12, 0)
    assert len(seen) == 12 and len(set(seen)) == 12            # each result delivered and stored once
    with open_atlas(db, readonly=True) as atlas:
        assert len(atlas) == 12
        assert sorted(r.value for r in atlas.records()) == [float(v) for v in range(12)]


def test_a_batch_gathered_before_its_worker_dies_is_stored_as_done(cluster, tmp_path):
    # one task per batch, two batches in flight per worker: while the first result's callback waits,
    # the same worker finishes its next batch and the client gathers it; the worker is then killed and
    # the scheduler marks that batch's data lost (the future reads "lost" and runs again) before the
    # client stores it. Its results are already here: stored as done, once. Decided by the future's
    # status, it was stored as failed with the results' bytes as its error.
    seen = []

    def kill_after_next(rec):
        seen.append(rec)
        if len(seen) == 1:
            time.sleep(0.9)                       # the worker's next task (0.6 s) finishes and is gathered
            os.kill(int(rec.worker.rpartition(":")[2]), 9)
            time.sleep(0.3)                       # the loss is reported; its rerun (0.6 s) is not done

    s = run_sweep(_probes(6, 0.6), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address,
                  callback=kill_after_next, retries=2, batch=1)
    assert (s.submitted, s.done, s.failed) == (6, 6, 0), [r.error for r in seen if r.status != "done"]
    assert len({r.key for r in seen}) == len(seen) == 6
    with open_atlas(tmp_path / "a.sqlite", readonly=True) as atlas:
        assert sorted(r.value for r in atlas.records()) == [float(v) for v in range(6)]


def test_cli_run_ls_verify_export(cluster, tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('[[sweep]]\nroutine = "insensitive_capacity"\ngrid = { n = [2], s = [1], m = [2, 3] }\n')
    db = str(tmp_path / "a.sqlite")
    assert main(["run", str(spec), "--db", db, "--scheduler", cluster.scheduler_address]) == 0
    assert "2 tasks: 0 already done, 2 run (2 done, 0 failed)" in capsys.readouterr().out
    assert main(["run", str(spec), "--db", db, "--scheduler", cluster.scheduler_address]) == 0
    assert "2 already done, 0 run" in capsys.readouterr().out
    assert main(["ls", "--db", db, "--where", "m=3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "m=3" in lines[0]
    key = lines[0].split()[0]
    assert main(["show", key, "--db", db]) == 0
    assert '"status": "done"' in capsys.readouterr().out
    assert main(["verify", "--all", "--rigorous", "--db", db]) == 0
    assert capsys.readouterr().out.count(" OK ") == 2
    assert main(["export", "--csv", "--db", db, "-o", str(tmp_path / "a.csv")]) == 0
    assert main(["verify", key, "--db", str(tmp_path / "a.csv")]) == 0
    assert main(["show", "nokey", "--db", db]) == 2
    assert main(["verify", "--db", db]) == 2


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="`spec` must be"):
        run_sweep(3, tmp_path / "a.sqlite")
    with pytest.raises(ValueError, match="`workers` must be"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", workers=0)
    with pytest.raises(TypeError, match="`force` must be a bool"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", force=1)
    with pytest.raises(ValueError, match="`retries` must be"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", retries=-1)
    with pytest.raises(TypeError, match="`callback` must be callable; got 3"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", callback=3)
    for address in ("", "nonsense", "tcp://host", "TCP://host:8786", "udp://host:8786"):
        with pytest.raises(ValueError, match="`scheduler` must be a Dask scheduler address such as"):
            run_sweep(_probes(1), tmp_path / "a.sqlite", scheduler=address)
    with pytest.raises(TypeError, match="`scheduler` must be an address string"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", scheduler=8786)
    assert not (tmp_path / "a.sqlite").exists()             # each refused before the atlas is created
    with open_atlas(tmp_path / "b.sqlite") as a:
        pass
    with open_atlas(tmp_path / "b.sqlite", readonly=True) as a:
        with pytest.raises(ValueError, match="must be open for writing"):
            run_sweep(_probes(1), a)


def test_an_address_where_no_scheduler_listens_is_refused_promptly(tmp_path, monkeypatch, capsys):
    import re
    import socket
    import time

    import capacity.atlas._sweep as sweep_module

    with socket.socket() as sock:                              # a local port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", 1.0)  # the mechanism, not the constant's value
    want = f"`scheduler` must be the address of a running Dask scheduler; got '{address}' ("
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=re.escape(want)):
        run_sweep(_probes(1), tmp_path / "a.sqlite", scheduler=address)
    # not a timing test: Dask's own connect timeout is 30 s, so a call that ignores CONNECT_TIMEOUT
    # takes at least that long, and 25 s leaves a loaded machine ample room over the 1 s asked for
    assert time.perf_counter() - t0 < 25
    spec = tmp_path / "s.toml"
    spec.write_text('[[sweep]]\nroutine = "probe"\ngrid = { value = [1.0] }\n')
    assert main(["run", str(spec), "--db", str(tmp_path / "b.sqlite"), "--scheduler", address]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"insensitive-atlas: error: {want}") and "Traceback" not in "\n".join(err)


def test_embedded_local_cluster(tmp_path, monkeypatch):
    # the default path: a LocalCluster started and closed by run_sweep (about 1-2 s on an idle machine);
    # its worker processes run with the sweep's settings: no statistical profiler, periodic callbacks at 1 s,
    # one thread; this process's environment, where Dask's nanny sets the workers' variables before it
    # spawns them, is left as it was, during the sweep and after it
    import capacity.atlas._sweep as sweep_module

    for name in ("OMP_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    seen = {}
    submit_and_store = sweep_module._submit_and_store

    def settings(dask_worker):
        return {name: pc.callback_time for name, pc in dask_worker.periodic_callbacks.items()}

    def spy(client, *args, **kwargs):
        seen["environ"] = dict(os.environ)
        seen["threads"] = set(client.run(lambda: os.environ.get("OMP_NUM_THREADS")).values())
        seen.update(client.run(settings))
        seen["stealing"] = client.run_on_scheduler(lambda dask_scheduler: "stealing" in dask_scheduler.extensions)
        seen["saturation"] = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.WORKER_SATURATION)
        return submit_and_store(client, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "_submit_and_store", spy)
    workers = min(2, _cores())                  # at most one per usable core
    s = run_sweep(_probes(4), tmp_path / "a.sqlite", workers=workers)
    assert (s.submitted, s.done) == (4, 4)
    assert seen.pop("stealing") is False
    assert seen.pop("saturation") == float("inf")         # a batch goes to its worker when submitted
    assert seen.pop("threads") == {"1"}
    assert _environ(seen.pop("environ")) == _environ(before) and _environ(os.environ) == _environ(before)
    assert len(seen) == workers
    for callbacks in seen.values():           # milliseconds between calls, as each worker runs them
        assert "profile" not in callbacks and "profile-cycle" not in callbacks
        assert callbacks["tick"] == callbacks["monitor"] == callbacks["memory_monitor"] == 1000


def test_results_are_tracked_on_the_sweeps_own_client_with_another_client_open(cluster, tmp_path, monkeypatch):
    # a notebook's client is open in the process (the default client, on its own loop); the sweep's results
    # must be tracked on the sweep's client's loop, or each batch waits about a second to be noticed
    import distributed
    from distributed import Client

    import capacity.atlas._sweep as sweep_module

    loops = {"sweep": [], "tracked": []}
    submit_and_store, as_completed = sweep_module._submit_and_store, distributed.as_completed

    def spy_submit(client, *args, **kwargs):
        loops["sweep"].append(client.loop)
        return submit_and_store(client, *args, **kwargs)

    def spy_as_completed(*args, **kwargs):
        ac = as_completed(*args, **kwargs)
        loops["tracked"].append(ac.loop)
        return ac

    monkeypatch.setattr(sweep_module, "_submit_and_store", spy_submit)
    monkeypatch.setattr(distributed, "as_completed", spy_as_completed)
    with Client(cluster.scheduler_address, set_as_default=True):
        s = run_sweep(_probes(6), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address)
    assert (s.submitted, s.done) == (6, 6)
    assert len(loops["sweep"]) == 1 and loops["tracked"] == loops["sweep"]


def _environ(env):
    # all but Dask's process-title marker, which its nanny leaves behind and only its own children read
    return {k: v for k, v in env.items() if k != "__DASK_PARENT_PID"}


def _faults_of_a_reused_array():
    import resource

    import numpy as np

    np.ones(1 << 17).sum()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(100):
        np.ones(1 << 17).sum()                        # 1 MiB of float64, freed at once
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_local_cluster_leaves_the_environment_as_it_was(monkeypatch):
    from capacity.atlas import local_cluster

    # Dask's default trim threshold in this process (a cluster of its own left it): the workers still get 32 MiB
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    before = _environ(os.environ)
    with local_cluster(1) as c, distributed.Client(c) as client:
        assert _environ(os.environ) == before
        assert list(client.run(lambda: os.environ.get("OMP_NUM_THREADS")).values()) == ["1"]
        # glibc's thresholds, set before the worker started: arrays under 32 MiB come from the heap
        malloc = client.run(lambda: [os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")])
        assert list(malloc.values()) == [[str(32 << 20)] * 2]
        # what they are for: a 1 MiB array built and freed 100 times is mapped and page-faulted in once, not
        # 100 times (Dask's default of MALLOC_TRIM_THRESHOLD_ = 64 KiB maps each afresh: about 25 600 faults)
        assert list(client.run(_faults_of_a_reused_array).values())[0] < 2560
    assert _environ(os.environ) == before


def test_spread_order_follows_its_definition():
    # the indices sorted by their b-bit reversal, b = max(1, ceil(log2 n)), by strings; a permutation
    from capacity.atlas._sweep import spread_order

    for n in list(range(70)) + [127, 128, 129, 1000]:
        b = max(1, (n - 1).bit_length())
        want = sorted(range(n), key=lambda i: format(i, f"0{b}b")[::-1])
        got = spread_order(n)
        assert got.tolist() == want and sorted(got.tolist()) == list(range(n))
    with pytest.raises(ValueError):
        spread_order(-1)
    with pytest.raises(TypeError):
        spread_order(2.0)


def test_spread_order_batches_sample_the_whole_grid():
    # n = 2^b: every aligned run of 2^k positions is a residue class mod 2^(b-k), an evenly spaced sample
    from capacity.atlas._sweep import spread_order

    b = 10
    order = spread_order(1 << b)
    for k in range(b + 1):
        for m in range(1 << (b - k)):
            run = sorted(order[m << k:(m + 1) << k].tolist())
            stride = 1 << (b - k)
            assert run == list(range(run[0], 1 << b, stride)) and run[0] < stride


def test_a_sweep_sends_its_tasks_in_spread_order(cluster, tmp_path, monkeypatch):
    import capacity.atlas._sweep as sweep_module
    from capacity.atlas._sweep import spread_order

    sent, batch = [], sweep_module.TaskBatch

    def recording(pairs):
        pairs = list(pairs)
        sent.extend(kwargs["value"] for _, kwargs in pairs)
        return batch(pairs)

    monkeypatch.setattr(sweep_module, "TaskBatch", recording)
    s = run_sweep(_probes(37), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address)
    assert s.done == 37 and sent == [float(i) for i in spread_order(37)]


def test_sweep_seconds_count_the_whole_call(tmp_path, monkeypatch):
    # SweepSummary.seconds is the call's wall time, reading the spec included (here all tasks are stored)
    import time

    import capacity.atlas._sweep as sweep_module

    db = tmp_path / "a.sqlite"
    run_sweep(_probes(2), db, workers=1)
    parse = sweep_module.parse_spec

    def slow(spec):
        time.sleep(0.2)
        return parse(spec)

    monkeypatch.setattr(sweep_module, "parse_spec", slow)
    s = run_sweep(_probes(2), db, workers=1)
    assert s.skipped == 2 and s.seconds >= 0.2
    # closing the atlas it opened (a checkpoint of its write-ahead log) included
    close = sweep_module.Atlas.close

    def slow_close(self):
        time.sleep(0.2)
        close(self)

    monkeypatch.setattr(sweep_module, "parse_spec", parse)
    monkeypatch.setattr(sweep_module.Atlas, "close", slow_close)
    s = run_sweep(_probes(2), db, workers=1)
    assert s.skipped == 2 and s.seconds >= 0.2


def test_a_sweep_leaves_no_result_on_the_cluster(cluster, tmp_path):
    # the last results, kept until the sweep's client closes, are released by that close
    import time

    s = run_sweep(_probes(40), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address)
    assert s.done == 40
    with distributed.Client(cluster.scheduler_address) as client:
        for _ in range(50):
            left = client.run_on_scheduler(lambda dask_scheduler: [k for k in dask_scheduler.tasks
                                                                    if str(k).startswith("atlas-")])
            if not left:
                break
            time.sleep(0.1)
    assert left == []


def test_plan_batch_follows_its_definition():
    from capacity.atlas._sweep import MAX_BATCH, MAX_BATCH_SECONDS, MIN_BATCH_SECONDS, SHARE, plan_batch

    # one task per batch until a task time is known
    assert [plan_batch(r, 2) for r in (1, 1000, 10**6)] == [1, 1, 1]
    for remaining in (1, 2, 3, 7, 64, 65, 999, 10**6):
        for slots in (1, 2, 3, 16):
            for t in (1e-6, 1e-4, 0.004, 0.05, 0.1, 0.2, 0.21, 3.0, 0.0):
                b = plan_batch(remaining, slots, t)
                # the definition, term by term: a share 1 / (2 S) of what is left, at most 2 s of work (and
                # MAX_BATCH tasks); a floor of 0.1 s of work, at most 1 / S of what is left, never in the last 2 S
                low = MAX_BATCH if t == 0 else max(1, min(MAX_BATCH, int(MIN_BATCH_SECONDS / t)))
                high = MAX_BATCH if t == 0 else max(1, min(MAX_BATCH, int(MAX_BATCH_SECONDS / t)))
                share = -(-remaining // (SHARE * slots))
                floor = min(low, -(-remaining // slots), remaining - SHARE * slots)
                assert b == max(1, min(share, high), floor)
                # the invariants the definition is for
                assert 1 <= b <= min(remaining, MAX_BATCH)
                assert b == 1 or b * t <= MAX_BATCH_SECONDS                    # bounded loss on a dead worker
                assert b <= -(-remaining // slots)                             # every slot can still get work
                assert remaining > SHARE * slots or b == 1                     # the last 2 S tasks one by one
                # at least 0.1 s of work (less one task's time, the floor) while neither bound above binds
                if remaining >= SHARE * slots + low and -(-remaining // slots) >= low:
                    assert b * t > MIN_BATCH_SECONDS - t or b == MAX_BATCH


def test_plan_batch_splits_uniform_tasks_into_a_few_batches_per_worker():
    # a simulation of the client's loop for uniform tasks: the batches in submission order, as a sweep
    # plans them once the task time is known (the first ones are 1 task while it is not)
    from capacity.atlas._sweep import plan_batch

    for tasks, t, slots in ((1000, 0.004, 2), (1000, 0.004, 8), (300, 0.005, 2), (5000, 0.001, 4)):
        sizes, left = [], tasks
        while left:
            sizes.append(plan_batch(left, slots, t))
            left -= sizes[-1]
        assert sum(sizes) == tasks
        assert sizes == sorted(sizes, reverse=True)[:len(sizes) - 1] + sizes[-1:]   # shrinking, then the rest
        assert len(sizes) <= 10 * slots                                               # not hundreds of batches
        assert sum(b == 1 for b in sizes) <= 2 * slots                                # only the last 2 S alone
    assert plan_batch(1000, 2, 0.004) == 250 and plan_batch(100, 2, 0.004) == 25       # the docstring's cases


def test_plan_batch_leaves_the_end_of_a_grid_to_every_worker():
    # cheap tasks seen so far (mean 1 ms, or 0 s) say nothing of the grid's last points: the floor of 0.1 s of
    # work must not put the last tasks into one batch, i.e. on one worker
    from capacity.atlas._sweep import plan_batch

    for t in (0.0, 0.001):
        assert [plan_batch(r, 2, t) for r in (4, 3, 2, 1)] == [1, 1, 1, 1]
        assert plan_batch(10, 2, t) <= 5 and plan_batch(100, 4, t) <= 25


def test_plan_batch_refuses_bad_input():
    from capacity.atlas._sweep import plan_batch

    with pytest.raises(ValueError, match="`remaining` must be"):
        plan_batch(0, 2)
    with pytest.raises(ValueError, match="`slots` must be"):
        plan_batch(10, 0, 0.1)
    with pytest.raises(TypeError, match="`slots` must be"):
        plan_batch(10, 1.5, 0.1)
    with pytest.raises(ValueError, match="`task_seconds` must be"):
        plan_batch(10, 2, -1.0)
    with pytest.raises(ValueError, match="`task_seconds` must be"):
        plan_batch(10, 2, float("nan"))


def test_local_cluster_refuses_bad_input():
    from capacity.atlas import local_cluster

    with pytest.raises(ValueError, match="`workers` must be"):
        local_cluster(0)
    with pytest.raises(TypeError, match="`workers` must be"):
        local_cluster(1.5)
    with pytest.raises(ValueError, match="`retries` must be"):
        local_cluster(1, retries=-1)


def test_local_workers_are_at_most_the_usable_cores(cluster, tmp_path):
    # more processes than cores is refused before any is started (each takes about 0.2 GB at rest);
    # with a scheduler of one's own, `workers` is not the local cluster's and is only type-checked
    from capacity.atlas import local_cluster

    more = _cores() + 1
    with pytest.raises(ValueError, match=f"`workers` must be at most the {more - 1} usable cores.*got {more}"):
        local_cluster(more)
    with pytest.raises(ValueError, match="`workers` must be at most"):
        run_sweep(_probes(1), tmp_path / "a.sqlite", workers=10**6)
    assert not (tmp_path / "a.sqlite").exists()
    s = run_sweep(_probes(1), tmp_path / "b.sqlite", scheduler=cluster.scheduler_address, workers=more)
    assert s.done == 1
    with pytest.raises(ValueError, match="`workers` must be"):
        run_sweep(_probes(1), tmp_path / "b.sqlite", scheduler=cluster.scheduler_address, workers=0)


def test_batches_store_every_result_once(cluster, tmp_path):
    from distributed import Client, get_task_stream

    db = tmp_path / "a.sqlite"
    seen = []
    s = run_sweep(_probes(40), db, scheduler=cluster.scheduler_address, batch=7, callback=lambda r: seen.append(r.key))
    assert (s.submitted, s.done) == (40, 40) and len(set(seen)) == 40 == len(seen)
    with open_atlas(db, readonly=True) as atlas:
        assert sorted(r.value for r in atlas.records()) == [float(v) for v in range(40)]
    # adaptive batches: tasks of ~5 ms go in batches of a quarter of what is left, at least 0.1 s / 5 ms = 20
    # tasks, so the 300 tasks take far fewer Dask tasks than 300, and each is stored once
    seen.clear()
    with Client(cluster.scheduler_address) as client, get_task_stream(client) as ts:
        s = run_sweep(_probes(300, 0.005), tmp_path / "b.sqlite", scheduler=cluster.scheduler_address,
                      callback=lambda r: seen.append(r.key))
    n_dask = len([t for t in ts.data if str(t["key"]).startswith("atlas-")])
    assert (s.submitted, s.done) == (300, 300) and len(set(seen)) == 300 == len(seen)
    assert 4 <= n_dask <= 150
    with pytest.raises(ValueError, match="`batch` must be"):
        run_sweep(_probes(1), db, batch=0)


def test_a_failed_task_inside_a_batch_leaves_the_others_stored(cluster, tmp_path):
    spec = {"sweep": [{"routine": "probe", "grid": {"value": [1.0, 2.0, 3.0]}},
                      {"routine": "probe", "options": {"value": 4.0, "seconds": 5000.0}},     # refused on the worker
                      {"routine": "probe", "grid": {"value": [5.0, 6.0]}}]}
    db = tmp_path / "a.sqlite"
    s = run_sweep(spec, db, scheduler=cluster.scheduler_address, batch=6)          # all six in one batch
    assert (s.submitted, s.done, s.failed) == (6, 5, 1)
    with open_atlas(db, readonly=True) as atlas:
        (bad,) = atlas.records(status="failed")
        assert bad.args["value"] == 4.0 and "`seconds` must be" in bad.error and bad.value is None
        assert sorted(r.value for r in atlas.records(status="done")) == [1.0, 2.0, 3.0, 5.0, 6.0]


def test_probe_refuses_bad_input():
    from capacity.atlas import probe

    with pytest.raises(ValueError, match="`seconds` must be"):
        probe(-1.0)
    with pytest.raises(TypeError, match="`value` must be"):
        probe(0.0, value="x")
    with pytest.raises(TypeError, match="`compiled` must be a bool"):
        probe(0.0, compiled=1)
    assert probe(0.01, value=3.0, compiled=True) == 3.0


@pytest.mark.slow
@pytest.mark.skipif(_cores() < 2, reason="needs 2 usable cores: a local cluster runs at most one worker per core")
def test_ctrl_c_inside_a_long_compiled_task_stops_promptly_and_resumes(tmp_path):
    # A terminal's Ctrl-C: SIGINT to the whole process group of `run`, while both workers are inside a
    # compiled loop that holds the GIL for 25 s. The run must not wait for the loops: it ends the workers,
    # exits with 130 well within 15 s, leaves a sound database, and a second run computes only the two
    # unfinished tasks. (About 60 s: two cluster starts and the two 25 s tasks of the second run.)
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    spec = tmp_path / "s.toml"
    # the long tasks at positions 3 and 7 of the grid, the last two that a sweep sends (spread_order(8) is
    # 0 4 2 6 1 5 3 7): every worker runs its quick tasks first, in the order they were sent
    quick = '[[sweep]]\nroutine = "probe"\ngrid = {{ value = [{}] }}\n'
    slow = '[[sweep]]\nroutine = "probe"\ngrid = {{ value = [{}] }}\noptions = {{ seconds = 25.0, compiled = true }}\n'
    spec.write_text(quick.format("0.0, 1.0, 2.0") + slow.format("10.0") + quick.format("3.0, 4.0, 5.0")
                    + slow.format("11.0"))
    db = tmp_path / "a.sqlite"
    cmd = [sys.executable, "-m", "capacity.atlas.cli", "--db", str(db), "run", str(spec), "--workers", "2"]
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        n = 0
        while n < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    n = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.Error:
                pass
        assert n == 6, "the six quick tasks were not stored"
        time.sleep(2.0)                                   # both workers are now inside the compiled loops
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err[-3000:]
    assert elapsed < 15, f"took {elapsed:.1f} s to stop"
    assert "Traceback" not in err, err[-3000:]            # a clean stop, not Dask's lost-worker errors
    assert "interrupted: 6 results stored" in err and "run the same command again" in err
    for _ in range(50):                                   # no worker process outlives the command
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("processes of the interrupted run are still alive")
    with sqlite3.connect(str(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with open_atlas(db, readonly=True) as atlas:
        assert sorted(r.value for r in atlas.records(status="done")) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        assert len(atlas) == 6
    again = subprocess.run(cmd + ["--no-progress"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "8 tasks: 6 already done, 2 run (2 done, 0 failed)" in again.stdout
    with open_atlas(db, readonly=True) as atlas:
        assert sorted(r.value for r in atlas.records(status="done")) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 11.0]


def test_interrupted_ship_exits_130_and_says_what_was_kept(monkeypatch, tmp_path, capsys):
    from capacity.atlas import _shipped

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_shipped, "build_shipped", interrupted)
    csv_path = str(tmp_path / "atlas.csv")
    assert main(["ship", "--csv", csv_path]) == 130
    assert f"interrupted: {csv_path} unchanged" in capsys.readouterr().err
    assert main(["ship", "--csv", csv_path, "--db", str(tmp_path / "w.sqlite")]) == 130
    assert "run the same command again to resume" in capsys.readouterr().err


def test_pick_worker_follows_its_definition():
    # the least tasks in flight per thread among the workers holding fewer than IN_FLIGHT + 1 batches per
    # thread, by brute force over random states; None when there is no such worker
    import random

    from capacity.atlas._sweep import IN_FLIGHT, pick_worker

    rng = random.Random(5)
    for _ in range(500):
        threads = {f"w{i}": rng.randint(1, 3) for i in range(rng.randint(0, 4))}
        batches = {w: rng.randint(0, (IN_FLIGHT + 1) * k) for w, k in threads.items()}
        backlog = {w: rng.randint(b, 50 * b) for w, b in batches.items()}
        got = pick_worker(threads, batches, backlog)
        eligible = [w for w, k in threads.items() if batches[w] < (IN_FLIGHT + 1) * k]
        if not eligible:
            assert got is None
            continue
        best = min(backlog[w] / threads[w] for w in eligible)
        assert got in eligible and backlog[got] / threads[got] == best


def _simulated_ends(n_tasks, n_workers, seconds, latency=0.01):
    """End time of each worker in a simulated sweep: the client's loop (plan_batch, pick_worker, at most
    IN_FLIGHT batches per worker thread in flight) with workers that run their batches in order, every
    task taking ``seconds``, and ``latency`` from submission to a worker."""
    import heapq

    from capacity.atlas._sweep import IN_FLIGHT, pick_worker, plan_batch

    threads = {f"w{i}": 1 for i in range(n_workers)}
    free_at = dict.fromkeys(threads, 0.0)
    batches, backlog, ends, events = {}, {}, {}, []
    pending, done = n_tasks, 0

    def submit(now):
        nonlocal pending
        while pending and sum(batches.values()) < IN_FLIGHT * n_workers:
            w = pick_worker(threads, batches, backlog)
            size = min(plan_batch(pending, n_workers, seconds if done else None), pending)
            pending -= size
            free_at[w] = max(free_at[w], now + latency) + size * seconds
            heapq.heappush(events, (free_at[w], w, size))
            batches[w] = batches.get(w, 0) + 1
            backlog[w] = backlog.get(w, 0) + size

    submit(0.0)
    while events:
        now, w, size = heapq.heappop(events)
        batches[w] -= 1
        backlog[w] -= size
        done += size
        ends[w] = now
        submit(now)
    return ends


@pytest.mark.parametrize("n_tasks, n_workers, seconds", [(1000, 2, 0.0035), (1000, 3, 0.0035), (5000, 2, 0.001),
                                                         (300, 4, 0.02)])
def test_workers_end_together_in_a_simulated_sweep(n_tasks, n_workers, seconds):
    # every task is run once, and the workers end within one smallest automatic batch (MIN_BATCH_SECONDS)
    # of each other: no worker is left with the sweep's last batches while another idles
    from capacity.atlas._sweep import MIN_BATCH_SECONDS

    ends = _simulated_ends(n_tasks, n_workers, seconds)
    assert len(ends) == n_workers
    assert max(ends.values()) - min(ends.values()) <= MIN_BATCH_SECONDS


def test_a_sweep_starts_before_any_worker_joins(tmp_path):
    # with no worker known the client leaves a batch's placement to Dask (a restriction needs a worker); the
    # batches wait for the workers that join later, and every task is stored once
    import threading

    from distributed import LocalCluster

    with LocalCluster(n_workers=0, threads_per_worker=2, processes=False, dashboard_address=":0") as c:
        timer = threading.Timer(0.5, c.scale, args=(1,))
        timer.start()
        try:
            s = run_sweep(_probes(40), tmp_path / "late.sqlite", scheduler=c.scheduler_address)
        finally:
            timer.cancel()
    assert (s.submitted, s.done, s.failed) == (40, 40, 0)
    with open_atlas(tmp_path / "late.sqlite", readonly=True) as a:
        assert sorted(r.result["value"] for r in a.records()) == [float(v) for v in range(40)]


def test_the_only_worker_killed_mid_sweep_loses_nothing(tmp_path, monkeypatch):
    # the batches placed on a lone worker that dies wait, in Dask, for a worker at that address for
    # ever (its loose placement is forgotten while no worker runs); the sweep submits them again
    import _thread
    import threading

    import capacity.atlas._sweep as sweep_module
    from distributed import Client

    from capacity.atlas import local_cluster

    monkeypatch.setattr(sweep_module, "QUIET", 1.0)
    with local_cluster(1, retries=3) as cluster:
        with Client(cluster.scheduler_address) as client:
            pid = next(iter(client.run(os.getpid).values()))
        seen = []

        def kill_it(rec):
            seen.append(rec.key)
            if len(seen) == 1:
                os.kill(pid, 9)

        hung = threading.Timer(60.0, _thread.interrupt_main)     # a hang becomes a failure, not a stuck suite
        hung.start()
        try:
            s = run_sweep(_probes(8, 0.2), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address,
                          callback=kill_it, batch=2)
        except KeyboardInterrupt:
            pytest.fail(f"the sweep hung after its worker was killed ({len(seen)} of 8 tasks stored)")
        finally:
            hung.cancel()
    assert (s.submitted, s.done, s.failed) == (8, 8, 0)
    assert len(seen) == 8 and len(set(seen)) == 8
    with open_atlas(tmp_path / "a.sqlite", readonly=True) as atlas:
        assert sorted(r.value for r in atlas.records()) == [float(v) for v in range(8)]


def test_a_cluster_without_workers_is_reported(tmp_path, monkeypatch):
    # a cluster of the caller's that loses every worker: a RuntimeWarning, and the sweep goes on when
    # a worker joins again; the sweep's own cluster (whose nannies stopped restarting): a RuntimeError,
    # the rows stored so far kept and the rest run by the next sweep
    import _thread
    import threading

    import capacity.atlas._sweep as sweep_module
    from capacity.atlas import local_cluster

    monkeypatch.setattr(sweep_module, "QUIET", 0.5)
    monkeypatch.setattr(sweep_module, "NO_WORKERS", 1.0)
    with local_cluster(1) as cluster:
        def empty_then_refill(rec):
            if rec.value == 0.0:
                cluster.scale(0)
                threading.Timer(4.0, cluster.scale, (1,)).start()

        with pytest.warns(RuntimeWarning, match=r"no worker for \d+ s; \d+ tasks are not done.*waiting"):
            s = run_sweep(_probes(6, 0.1), tmp_path / "a.sqlite", scheduler=cluster.scheduler_address,
                          callback=empty_then_refill, batch=1)
        assert (s.submitted, s.done, s.failed) == (6, 6, 0)

    made = []

    def own_cluster(*args, **kwargs):
        made.append(local_cluster(*args, **kwargs))
        return made[-1]

    def empty(rec):
        if len(made[0].workers):
            made[0].scale(0)

    monkeypatch.setattr(sweep_module, "local_cluster", own_cluster)
    db = tmp_path / "b.sqlite"
    hung = threading.Timer(60.0, _thread.interrupt_main)     # a hang becomes a failure, not a stuck suite
    hung.start()
    try:
        with pytest.raises(RuntimeError, match=r"no worker \(they died and were not restarted\).*run the sweep again"):
            run_sweep(_probes(6, 0.1), db, workers=1, callback=empty, batch=1)
    except KeyboardInterrupt:
        pytest.fail("the sweep waited for ever on its own cluster without workers")
    finally:
        hung.cancel()
    with open_atlas(db, readonly=True) as atlas:
        stored = len(atlas)
    assert 1 <= stored < 6
    monkeypatch.setattr(sweep_module, "local_cluster", local_cluster)
    s = run_sweep(_probes(6, 0.1), db, workers=1)
    assert (s.skipped, s.done) == (stored, 6 - stored)
