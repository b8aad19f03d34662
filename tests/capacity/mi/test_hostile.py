"""Hostile inputs for every public function of :mod:`capacity.mi`, generated, not hand-listed.

Each public callable (``__all__``) is read with :func:`inspect.signature`; each parameter gets a
*role* from its name (``ROLES``), and each role a *menu* of hostile values (``MENUS``): NaN/inf,
negative, zero, empty, wrong dtypes and shapes, non-contiguous and big-endian views, lists,
torch tensors (with ``requires_grad``), read-only arrays, huge broadcast views, absurd sizes and
odd seeds. Every menu entry is tried on every parameter of that role, the other arguments being
a small valid call (``VALID`` by parameter name, ``FAST`` for the options that set the work).

Each call must

* return a valid result (an :class:`~capacity.MIEstimate` with a finite value, finite or NaN
  bounds in order and the value inside them up to its Monte Carlo error) or raise ValueError or
  TypeError whose message names the parameter (a size refusal names ``max_bytes``);
* refuse what the menu marks as bad and answer what it marks as valid (lists, tensors, views);
* leave its array arguments unchanged;
* refuse huge broadcast views before allocating (tracemalloc peak under 1 MiB);
* finish within ``HANG_GUARD_S`` (a guard against hangs, not a performance check).

To cover another package, add its module to ``MODULES`` and any new parameter names to ``ROLES``
and ``VALID``; ``test_every_parameter_has_a_role`` fails until then, so a new public function or
parameter is never skipped silently.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import signal
import tracemalloc
import warnings

import numpy as np
import pytest
import torch

from capacity import MIEstimate
from tests.refusal import judge_hostile

MODULES = ["capacity.mi"]
#: Seconds a single call may take before it counts as a hang (typical calls here take < 0.1 s;
#: the guard is two orders of magnitude above, so a loaded machine does not trip it).
HANG_GUARD_S = 20.0

_RNG = np.random.default_rng(0)
X = _RNG.standard_normal((64, 2))
Y = X[:, :1] + 0.5 * _RNG.standard_normal((64, 1))
CODES = np.arange(64) % 5
SIGMA_COV = np.array([[1.0, 0.3], [0.3, 2.0]])

#: Role of each parameter, by name (shared across functions and packages).
ROLES = {
    "x": "samples", "y": "samples", "points": "samples", "outputs": "samples", "W": "samples",
    "codes": "codes", "x_codes": "codes", "y_codes": "codes",
    "Sigma": "covariance",
    "sigma": "positive", "delta": "positive", "lr": "positive", "jitter": "nonnegative",
    "k": "count", "n_mc": "count", "n_offsets": "count", "steps": "count", "hidden": "count", "batch_size": "count",
    "seed": "seed", "units": "units", "max_bytes": "max_bytes", "max_work": "positive",
    "bounds": "flag", "relative": "flag",
    "inputs": "choice", "backend": "choice", "device": "choice", "correction": "choice", "n_boot": "count",
}

#: Functions whose parameters play another role than their name says: plugin_mi's x and y are
#: discrete labels (1-D, any finite real value is a symbol), not points, and its n_boot = 0 means
#: "no bootstrap".
ROLE_OVERRIDES = {"plugin_mi": {"x": "labels", "y": "labels", "n_boot": "count0"}}


def role(fn, name):
    return ROLE_OVERRIDES.get(fn.__name__, {}).get(name, ROLES[name])


#: A valid value for each required parameter, by name.
VALID = {"x": X, "y": Y, "points": X, "outputs": X, "W": X[:5], "codes": CODES, "x_codes": CODES,
         "y_codes": CODES[::-1].copy(), "sigma": 0.7, "delta": 0.5}
VALID_OVERRIDES = {"plugin_mi": {"x": CODES, "y": CODES[::-1].copy()}}
#: Small settings of the options that set the amount of work (applied when a function has them),
#: and a fixed seed: a Monte Carlo call of 4 draws (the count menu) misses its own 4-sigma band now
#: and then, so an unseeded baseline made the suite fail by chance.
FAST = {"steps": 2, "batch_size": 8, "hidden": 8, "n_mc": 64, "n_boot": 20, "n_offsets": 8, "seed": 0}


def _with(a, pos, v):
    b = np.array(a, dtype=np.float64)
    b[(0,) * b.ndim if pos is None else pos] = v
    return b


def _read_only(a):
    b = np.array(a)
    b.flags.writeable = False
    return b


def _strided(a):
    """The same values as a non-contiguous view (every other row of a doubled array)."""
    return np.repeat(np.asarray(a), 2, axis=0)[::2]


# Each menu entry: (label, factory(valid value) -> hostile value, expectation), expectation one of
# "valid" (must answer), "refuse" (must raise, naming the parameter) or "either".
ARRAY_COMMON = [
    ("list", lambda v: np.asarray(v).tolist(), "valid"),
    ("tensor", lambda v: torch.as_tensor(np.asarray(v)), "valid"),
    ("tensor-requires-grad", lambda v: torch.as_tensor(np.asarray(v), dtype=torch.float64).requires_grad_()
     if np.asarray(v).dtype.kind == "f" else torch.as_tensor(np.asarray(v)), "valid"),
    ("read-only", _read_only, "valid"),
    ("non-contiguous", _strided, "valid"),
    ("fortran-order", lambda v: np.asfortranarray(v), "valid"),
    ("empty", lambda v: np.asarray(v)[:0], "refuse"),
    ("3-D", lambda v: np.asarray(v)[None, ...] if np.ndim(v) == 2 else np.asarray(v)[None, None], "refuse"),
    ("0-D", lambda v: np.asarray(v).ravel()[0], "refuse"),
    ("strings", lambda v: np.full(np.shape(v), "a"), "refuse"),
    ("complex", lambda v: np.asarray(v) + 0j, "refuse"),
    ("object", lambda v: np.asarray(v).astype(object), "refuse"),
    ("ragged", lambda v: [[1, 2], [3]], "refuse"),
    ("None", lambda v: None, "refuse"),
    ("dict", lambda v: {"a": 1}, "refuse"),
]
MENUS = {
    "samples": ARRAY_COMMON + [
        ("float32", lambda v: np.asarray(v, np.float32), "valid"),
        ("big-endian", lambda v: np.asarray(v).astype(">f8"), "valid"),
        ("integer", lambda v: np.round(np.asarray(v) * 3).astype(np.int64), "either"),  # ties: KSG refuses
        ("NaN", lambda v: _with(v, None, np.nan), "refuse"),
        ("inf", lambda v: _with(v, None, np.inf), "refuse"),
        ("-inf-last", lambda v: _with(v, -1 if np.ndim(v) == 1 else (-1, -1), -np.inf), "refuse"),
        ("huge-values", lambda v: np.asarray(v) * 1e300, "either"),
        ("tiny-values", lambda v: np.asarray(v) * 1e-300, "either"),
        ("max-float", lambda v: np.sign(np.asarray(v)) * np.finfo(np.float64).max, "either"),
        ("constant", lambda v: np.ones_like(np.asarray(v, dtype=float)), "either"),
        ("huge-view", lambda v: np.broadcast_to(np.float32(1.0), (10**9, 2)), "huge"),
        ("huge-view-1d", lambda v: np.broadcast_to(1.0, (10**9,)), "huge"),
    ],
    "codes": ARRAY_COMMON + [
        ("bool", lambda v: np.asarray(v) % 2 == 0, "valid"),
        ("big-endian", lambda v: np.asarray(v).astype(">i8"), "valid"),
        ("uint8", lambda v: np.asarray(v).astype(np.uint8), "valid"),
        ("negative", lambda v: -np.asarray(v), "valid"),
        ("uint64-above-int64", lambda v: np.asarray(v).astype(np.uint64) + np.uint64(2**63), "refuse"),
        ("float", lambda v: np.asarray(v) + 0.5, "refuse"),
        ("huge-view", lambda v: np.broadcast_to(np.int8(1), (10**9, 2)), "huge"),
    ],
    "covariance": [
        ("list", lambda v: SIGMA_COV.tolist(), "valid"),
        ("tensor", lambda v: torch.as_tensor(SIGMA_COV), "valid"),
        ("read-only", lambda v: _read_only(SIGMA_COV), "valid"),
        ("big-endian", lambda v: SIGMA_COV.astype(">f8"), "valid"),
        ("zeros", lambda v: np.zeros((2, 2)), "valid"),
        ("singular", lambda v: np.ones((2, 2)), "valid"),
        ("huge", lambda v: SIGMA_COV * 1e300, "valid"),
        ("tiny", lambda v: SIGMA_COV * 1e-300, "valid"),
        ("NaN", lambda v: _with(SIGMA_COV, (1, 1), np.nan), "refuse"),
        ("inf", lambda v: _with(SIGMA_COV, (0, 0), np.inf), "refuse"),
        ("asymmetric", lambda v: _with(SIGMA_COV, (0, 1), 0.9), "refuse"),
        ("negative-definite", lambda v: -SIGMA_COV, "refuse"),
        ("wrong-shape", lambda v: np.eye(3), "refuse"),
        ("1-D", lambda v: np.ones(2), "refuse"),
        ("strings", lambda v: np.full((2, 2), "a"), "refuse"),
        ("complex", lambda v: SIGMA_COV + 0j, "refuse"),
        ("ragged", lambda v: [[1.0, 0.0], [0.0]], "refuse"),
        ("huge-view", lambda v: np.broadcast_to(1.0, (10**5, 10**5)), "refuse"),
    ],
    "positive": [
        ("zero", lambda v: 0.0, "refuse"), ("negative", lambda v: -1.0, "refuse"),
        ("NaN", lambda v: math.nan, "refuse"), ("inf", lambda v: math.inf, "refuse"),
        ("-inf", lambda v: -math.inf, "refuse"),
        ("smallest-subnormal", lambda v: 5e-324, "either"), ("tiny", lambda v: 1e-300, "either"),
        ("huge", lambda v: 1e300, "either"), ("max-float", lambda v: np.finfo(np.float64).max, "either"),
        ("numpy-float32", lambda v: np.float32(0.5), "either"),
        ("string", lambda v: "0.5", "refuse"), ("bool", lambda v: True, "refuse"),
        ("complex", lambda v: 0.5 + 0j, "refuse"), ("array", lambda v: np.array([0.5, 0.5]), "refuse"),
    ],
    "nonnegative": [
        ("zero", lambda v: 0.0, "valid"), ("negative", lambda v: -1e-12, "refuse"),
        ("NaN", lambda v: math.nan, "refuse"), ("inf", lambda v: math.inf, "refuse"),
        ("huge", lambda v: 1e300, "either"), ("tiny", lambda v: 5e-324, "either"),
        ("string", lambda v: "0", "refuse"), ("None", lambda v: None, "refuse"),
    ],
    "count": [
        ("zero", lambda v: 0, "refuse"), ("negative", lambda v: -3, "refuse"),
        ("huge", lambda v: 2**70, "refuse"), ("float", lambda v: 3.0, "refuse"),
        ("fraction", lambda v: 2.5, "refuse"), ("bool", lambda v: True, "refuse"),
        ("string", lambda v: "3", "refuse"), ("numpy-int", lambda v: np.int64(4), "valid"),
        ("numpy-uint", lambda v: np.uint8(4), "valid"),
    ],
    "seed": [
        ("negative", lambda v: -1, "refuse"), ("2**63", lambda v: 2**63, "refuse"),
        ("2**64", lambda v: 2**64, "refuse"), ("largest", lambda v: 2**63 - 1, "valid"),
        ("numpy-uint64", lambda v: np.uint64(7), "valid"), ("float", lambda v: 1.0, "refuse"),
        ("bool", lambda v: True, "refuse"), ("string", lambda v: "0", "refuse"),
        ("generator", lambda v: np.random.default_rng(0), "refuse"),
    ],
    "units": [
        ("unknown", lambda v: "dits", "refuse"), ("upper-case", lambda v: "BITS", "refuse"),
        ("None", lambda v: None, "refuse"), ("number", lambda v: 2, "refuse"), ("nats", lambda v: "nats", "valid"),
    ],
    "max_bytes": [
        ("tiny", lambda v: 10, "refuse"), ("zero", lambda v: 0, "refuse"), ("negative", lambda v: -1, "refuse"),
        ("NaN", lambda v: math.nan, "refuse"), ("string", lambda v: "1e9", "refuse"),
        ("bool", lambda v: True, "refuse"), ("inf", lambda v: math.inf, "valid"), ("large", lambda v: 2**40, "valid"),
    ],
    "flag": [
        ("string", lambda v: "yes", "refuse"), ("int", lambda v: 1, "refuse"), ("None", lambda v: None, "refuse"),
        ("numpy-bool", lambda v: np.bool_(not v), "valid"),
    ],
    "choice": [
        ("unknown", lambda v: "nonsense", "refuse"), ("number", lambda v: 3, "refuse"),
        ("list", lambda v: ["cpu"], "refuse"),
    ],
}
#: A count for which 0 is meaningful (plugin_mi's n_boot = 0: no bootstrap).
MENUS["count0"] = [("zero", lambda v: 0, "valid")] + [e for e in MENUS["count"] if e[0] != "zero"]
#: Discrete labels: codes, except that float labels are symbols too.
MENUS["labels"] = [(lab, make, "valid" if lab == "float" else exp) for lab, make, exp in MENUS["codes"]]


class Hang(Exception):
    """Raised by :func:`hang_guard` in a call that ran past its guard."""


@contextlib.contextmanager
def hang_guard(seconds):
    """Interrupt the block after ``seconds`` (SIGALRM; the call must return to Python to see it,
    which loops over steps or blocks do). Without SIGALRM the block runs unguarded."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def public_functions():
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        for name in mod.__all__:
            fn = getattr(mod, name)
            if callable(fn) and not inspect.isclass(fn):
                yield f"{mod_name}.{name}", fn


def baseline(fn):
    """A small valid call of ``fn``: (args, kwargs) from VALID (required) and FAST (options)."""
    args, kwargs = [], {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is inspect.Parameter.empty:
            args.append(VALID_OVERRIDES.get(fn.__name__, {}).get(p.name, VALID[p.name]))
        elif p.name in FAST:
            kwargs[p.name] = FAST[p.name]
    return args, kwargs


def cases():
    for qual, fn in public_functions():
        params = list(inspect.signature(fn).parameters.values())
        for i, p in enumerate(params):
            for label, make, expect in MENUS[role(fn, p.name)]:
                yield pytest.param(fn, i, p.name, make, expect, id=f"{qual}-{p.name}-{label}")


def hostile_call(call, expect, guard_s):
    """``(result, error, peak)`` of ``call()`` run under :func:`hang_guard`: the ValueError or
    TypeError it raised (``error``, None when it returned) and, when ``expect`` is "huge", the
    traced peak of the call in bytes (else 0). A :class:`Hang` propagates."""
    if expect == "huge":
        tracemalloc.start()
    try:
        with hang_guard(guard_s):
            result, error = call(), None
    except (ValueError, TypeError) as exc:
        result, error = None, exc
    finally:
        peak = tracemalloc.get_traced_memory()[1] if expect == "huge" else 0
        if expect == "huge":
            tracemalloc.stop()
    return result, error, peak


def quiet_hostile_call(call, expect, guard_s, what):
    """:func:`hostile_call` with warnings ignored (a warning is an answer, not a fault); a
    :class:`Hang` fails the test, naming ``what`` (the call and the entry it got)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return hostile_call(call, expect, guard_s)
    except Hang:
        pytest.fail(f"{what} gave no answer within {guard_s} s")

def _snapshot(v):
    if isinstance(v, torch.Tensor):
        return v.detach().clone()
    if isinstance(v, np.ndarray) and v.size < 10**6:
        return v.copy()
    return None


def _unchanged(before, after):
    if before is None:
        return True
    if isinstance(before, torch.Tensor):
        return torch.equal(before, after.detach())
    return before.dtype == after.dtype and before.shape == after.shape and (
        before.dtype.kind not in "fc" and np.array_equal(before, after) or np.array_equal(before, after, equal_nan=True))


def check_valid(result):
    assert isinstance(result, MIEstimate)
    assert math.isfinite(result.value), result
    assert math.isnan(result.stderr) or result.stderr >= 0, result
    lo, hi = result.lower, result.upper
    if not (math.isnan(lo) or math.isnan(hi)):
        assert lo <= hi, result
        # exact methods have value = lower = upper; Monte Carlo ones are within their error;
        # 1e-12 covers the rounding of ln N - mean(...) (a few ulps, e.g. 6e-16 at sigma = 1e160)
        slack = 4 * (0.0 if math.isnan(result.stderr) else result.stderr) + 1e-12
        assert lo - slack <= result.value <= hi + slack, result


def call_with(fn, i, name, value):
    args, kwargs = baseline(fn)
    p = list(inspect.signature(fn).parameters.values())[i]
    if p.default is inspect.Parameter.empty:
        args[i] = value
    else:
        kwargs[name] = value
    return args, kwargs


@pytest.mark.parametrize("fn,i,name,make,expect", list(cases()))
def test_hostile_input(fn, i, name, make, expect):
    args, kwargs = baseline(fn)
    p = list(inspect.signature(fn).parameters.values())[i]
    valid = args[i] if p.default is inspect.Parameter.empty else kwargs.get(name, p.default)
    if valid is None and role(fn, name) == "covariance":
        valid = SIGMA_COV
    value = make(valid)
    args, kwargs = call_with(fn, i, name, value)
    before = [_snapshot(a) for a in args] + [_snapshot(v) for v in kwargs.values()]
    result, error, peak = hostile_call(lambda: fn(*args, **kwargs), expect, HANG_GUARD_S)
    after = list(args) + list(kwargs.values())
    assert all(_unchanged(b, a) for b, a in zip(before, after)), "an input was mutated"
    # a huge request must name max_bytes; any other refusal the parameter given, or the one it
    # conflicts with (huge outputs vs `delta`)
    names = ["max_bytes"] if expect == "huge" else [f"`{q}`" for q in inspect.signature(fn).parameters] + ["max_bytes"]
    judge_hostile(result, error, peak, expect, f"`{name}` ({value!r:.80})", check_valid, names)


def test_every_parameter_has_a_role_and_every_function_a_valid_call():
    # the meta-test: a new public function or parameter fails here until ROLES / VALID know it
    seen = 0
    for qual, fn in public_functions():
        for p in inspect.signature(fn).parameters.values():
            assert p.name in ROLES, f"{qual}: add parameter `{p.name}` to ROLES (and VALID if required)"
            assert p.name in VALID or p.default is not inspect.Parameter.empty, f"{qual}: add `{p.name}` to VALID"
        args, kwargs = baseline(fn)
        check_valid(fn(*args, **kwargs))
        seen += 1
    import capacity.mi

    assert seen == len(capacity.mi.__all__) > 0
