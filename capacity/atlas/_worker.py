"""What runs on a worker: one task, its result flattened to storable fields, provenance."""
from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import os
import pickle
import platform
import socket
import subprocess
import sys
import time
import traceback

import numba
import numpy as np

#: Environment that keeps every task single-threaded: the cluster's processes are the
#: parallelism, so numba, OpenMP and BLAS threads inside a task would oversubscribe the cores.
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1"}

#: Law arrays longer than this are not stored (the bounds still are).
MAX_LAW = 5_000_000


#: The checkout this package runs from (the folder holding ``capacity/``).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def checkout_state(root=ROOT) -> tuple:
    """``(commit, modified)`` of the git checkout at ``root``: HEAD's hash (or "unknown" outside
    git) and the tracked files with uncommitted changes (``git status --porcelain``)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            return "unknown", []
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown", []
    modified = [line[3:] for line in status.stdout.splitlines() if line.strip()] if status.returncode == 0 else []
    return out.stdout.strip(), modified


@functools.lru_cache(maxsize=1)
def provenance() -> dict:
    """Package version and git commit of this checkout (``+dirty`` when tracked files are modified)."""
    try:
        from importlib.metadata import version

        ver = version("insensitive")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        ver = "unknown"
    commit, modified = checkout_state()
    return {"version": ver, "vcs_commit": commit + ("+dirty" if modified else "")}


@functools.lru_cache(maxsize=1)
def _cpu() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{socket.gethostname()}: {cpu} x{os.cpu_count()}"


def machine() -> str:
    """Host, CPU model and core count, plus the GPU name when torch is loaded and sees one."""
    return _machine("torch" in sys.modules)


@functools.lru_cache(maxsize=2)
def _machine(torch_loaded) -> str:
    text = _cpu()
    torch = sys.modules.get("torch")
    if torch_loaded and torch is not None and torch.cuda.is_available():
        text += f"; GPU {torch.cuda.get_device_name()}"
    return text


@functools.lru_cache(maxsize=4)
def _worker_name(pid) -> str:
    return f"{socket.gethostname()}:{pid}"


def _limit_threads():
    for k, v in THREAD_ENV.items():
        os.environ.setdefault(k, v)
    numba = sys.modules.get("numba")
    if numba is not None:
        # numba read NUMBA_NUM_THREADS when it was imported, re-reads it before each compilation and
        # refuses a change once its pool runs; it may have been imported before the Nanny set the
        # environment (a worker imports the client's ``python -m`` main module first): keep the
        # variable at numba's value and limit the threads a kernel uses with set_num_threads instead
        os.environ["NUMBA_NUM_THREADS"] = str(numba.config.NUMBA_NUM_THREADS)
    if numba is not None:
        try:
            numba.set_num_threads(1)
        except ValueError:
            pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


@numba.njit(cache=True)
def _spin(iterations):
    # xorshift64: each step depends on the last, so the compiler cannot shorten the loop; no nogil,
    # so the calling thread keeps the GIL (and sees no signal) until the loop ends
    x = np.uint64(88172645463325252)
    for _ in range(iterations):
        x ^= x << np.uint64(13)
        x ^= x >> np.uint64(7)
        x ^= x << np.uint64(17)
    return x


def spin_compiled(seconds) -> None:
    """Spend about ``seconds`` in one compiled loop that holds the GIL and returns to Python
    only at its end, as a long numba kernel does (the rate is measured on a 10 ms call first)."""
    _spin(1)                    # compiled (or loaded from the cache) outside the measurement
    n = 1 << 20
    while True:
        t0 = time.perf_counter()
        _spin(n)
        dt = time.perf_counter() - t0
        if dt >= 0.01 or n >= 1 << 40:
            break
        n <<= 1
    rest = seconds - dt
    if rest > 0:
        _spin(int(n * rest / dt))


def _scalar(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, str):
        return v
    return None


def flatten(result) -> dict:
    """value / lower / upper / gap / law / scalar fields of a routine's return value."""
    out = {"value": None, "lower": None, "upper": None, "gap": None, "law": None, "result": {}}
    if _scalar(result) is not None:
        out["value"] = float(result) if not isinstance(result, str) else None
        out["result"] = {"value": _scalar(result)}
        return out
    fields = {}
    if dataclasses.is_dataclass(result):
        for f in dataclasses.fields(result):
            fields[f.name] = getattr(result, f.name)
    elif isinstance(result, dict):
        fields = dict(result)
    else:
        fields = {k: v for k, v in vars(result).items() if not k.startswith("_")} if hasattr(result, "__dict__") \
            else {}
    scalars = {}
    for k, v in fields.items():
        s = _scalar(v)
        if s is not None:
            if isinstance(s, float) and not math.isfinite(s):
                s = repr(s)
            scalars[k] = s
        elif isinstance(v, tuple) and len(v) <= 64 and all(_scalar(x) is not None for x in v):
            scalars[k] = [_scalar(x) for x in v]
    out["result"] = scalars
    for name in ("lower", "upper"):
        v = getattr(result, name, None)
        if _scalar(v) is not None:
            out[name] = float(v)
    if out["lower"] is not None and out["upper"] is not None:
        out["gap"] = out["upper"] - out["lower"]
    for name in ("capacity", "value", "lower"):
        v = getattr(result, name, None) if not isinstance(result, dict) else result.get(name)
        if _scalar(v) is not None and not isinstance(v, str):
            out["value"] = float(v)
            break
    # the law: over classes (or a family's members), else over the channel's inputs;
    # insensitive_capacity's weight-level route has no class law, and its solver's law (over the
    # level rows) is what verify re-checks
    inner = getattr(result, "result", None)
    inner_p = getattr(inner, "p", None) if getattr(inner, "extra", {}).get("route") == "levels" else None
    for law in (getattr(result, "class_mass", None), getattr(result, "member_mass", None), getattr(result, "p", None),
                inner_p):
        if isinstance(law, np.ndarray) and law.ndim == 1 and law.size <= MAX_LAW:
            out["law"] = np.asarray(law, dtype=np.float64)
            break
    return out


def execute(routine: str, kwargs: dict) -> dict:
    """Run ``routine(**kwargs)`` on this worker; return a dict of storable fields.

    An exception raised by the routine (bad arguments, a refusal over ``max_bytes``) is
    caught and returned as a failed result with its message: it is a result of the sweep,
    not a fault of the cluster.
    """
    _limit_threads()
    prov = provenance()
    started = time.time()
    t0 = time.perf_counter()
    try:
        module_name, _, attr = routine.rpartition(".")
        fn = getattr(importlib.import_module(module_name), attr)
        value = fn(**kwargs)
        fields = flatten(value)
        status, error = "done", None
    except Exception as exc:  # noqa: BLE001 - stored as the task's failure
        fields = flatten(None)
        status = "failed"
        error = f"{type(exc).__name__}: {exc}"
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            error += f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})"
    seconds = time.perf_counter() - t0
    return {**fields, "status": status, "error": error, "started": started, "finished": time.time(),
            "seconds": seconds, "worker": _worker_name(os.getpid()), "machine": machine(), **prov}


class TaskBatch:
    """The ``(routine, kwargs)`` pairs of one Dask task, in order.

    An argument of a Dask task that is a list, tuple, dict or set is walked element by element
    on the client, looking for futures to depend on; a batch holds none, and this opaque
    holder spares the client that walk over every keyword of every task it sends.
    """

    __slots__ = ("tasks",)

    def __init__(self, tasks):
        self.tasks = tuple(tasks)

    def __iter__(self):
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)


def execute_batch(batch) -> list:
    """:func:`execute` on each ``(routine, kwargs)`` of ``batch`` (a :class:`TaskBatch` or any
    iterable of pairs), in order."""
    return [execute(routine, kwargs) for routine, kwargs in batch]


def execute_packed(batch) -> bytes:
    """:func:`execute_batch`'s results as one pickle: one frame on the wire for the whole batch,
    where Dask would send each result's law array as a frame of its own."""
    return pickle.dumps(execute_batch(batch), protocol=pickle.HIGHEST_PROTOCOL)
