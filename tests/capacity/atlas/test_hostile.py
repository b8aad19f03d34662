"""Hostile inputs for the public functions of :mod:`capacity.atlas`, with the menus of
tests/test_hostile_suite.py.

That suite covers boolean, capacity, capacity.insensitive and the experiments from one small
valid call per function. The atlas's functions take paths, specs, records and a scheduler
address, so they get their valid calls here (``BASE``, built per test: a temporary folder, a
stored record, the address of one shared cluster) and the kind of each parameter (``KINDS``).
A path is a string that may name a new file, so an unknown or upper-case string is an answer
there, not a refusal. ``local_cluster`` starts processes for every valid value: its refusals are
tested in test_sweep.py (``EXCLUDED``).

Each call must return, or raise ValueError/TypeError whose message names a parameter; refuse
what the menu marks as bad; accept what it marks as valid (numpy scalars); refuse a huge view
before allocating; and finish within ``HANG_GUARD_S`` (a guard against hangs, not a timing).
"""
from __future__ import annotations

import inspect
import os

import pytest

from tests.capacity.mi.test_hostile import quiet_hostile_call
from tests.refusal import judge_hostile
from tests.test_hostile_suite import MENUS

distributed = pytest.importorskip("distributed")

HANG_GUARD_S = 30.0

#: Parameters and their kinds: a menu of tests/test_hostile_suite.py, or "path" (the "choice"
#: menu, where an unknown or upper-case string is a file name like any other).
KINDS = {
    "parse_spec": {"spec": "other", "name": "path"},
    "load_spec": {"path": "path"},
    "open_atlas": {"path": "path", "readonly": "flag", "timeout": "real"},
    "verify_record": {"record": "other", "rigorous": "flag"},
    "quoted_value": {"routine": "choice", "n": "int", "s": "int", "m": "int"},
    "probe": {"seconds": "real", "value": "real", "compiled": "flag"},
    "run_sweep": {"spec": "other", "atlas": "path", "scheduler": "choice", "workers": "int", "force": "flag",
                  "retries": "int", "batch": "int", "progress": "flag", "callback": "other"},
    "shipped_atlas": {},
}
#: Public functions not run here, and why.
EXCLUDED = {"local_cluster": "starts worker processes for every valid value; its refusals are in test_sweep.py"}

SPEC = {"sweep": [{"routine": "probe", "grid": {"value": [1.0, 2.0]}}]}


def _base(name, tmp_path, address):
    from capacity.atlas import AtlasRecord
    from capacity.insensitive import insensitive_capacity

    toml = tmp_path / "s.toml"
    toml.write_text('[[sweep]]\nroutine = "probe"\ngrid = { value = [1.0] }\n')
    if name == "verify_record":
        r = insensitive_capacity(2, 1, 2)
        rec = AtlasRecord("k", "capacity.insensitive.insensitive_capacity", {"n": 2, "s": 1, "m": 2}, "done",
                          lower=r.lower, upper=r.upper, law=r.class_mass)
        return {"record": rec, "rigorous": False}
    return {
        "parse_spec": {"spec": SPEC, "name": "x"},
        "load_spec": {"path": str(toml)},
        "open_atlas": {"path": str(tmp_path / "a.sqlite"), "readonly": False, "timeout": 5.0},
        "quoted_value": {"routine": "insensitive_capacity", "n": 2, "s": 1, "m": 2},
        "probe": {"seconds": 0.0, "value": 0.0, "compiled": False},
        "run_sweep": {"spec": SPEC, "atlas": str(tmp_path / "r.sqlite"), "scheduler": address, "workers": 1,
                      "force": False, "retries": 1, "batch": 2, "progress": False, "callback": None},
        "shipped_atlas": {},
    }[name]


def _menu(kind):
    if kind != "path":
        return MENUS[kind]
    relaxed = {"unknown", "upper-case"}
    return [(label, make, "either" if label in relaxed else expect) for label, make, expect in MENUS["choice"]]


def cases():
    for name, params in KINDS.items():
        for param, kind in params.items():
            for label, _, expect in _menu(kind):
                yield pytest.param(name, param, kind, label, expect, id=f"{name}-{param}-{label}")


@pytest.fixture(scope="module")
def address():
    from capacity.atlas import local_cluster

    with local_cluster(1) as cluster:
        yield cluster.scheduler_address


def _close(result):
    close = getattr(result, "close", None)
    if callable(close):
        close()                                   # an opened atlas


@pytest.mark.parametrize("name,param,kind,label,expect", list(cases()))
def test_hostile_input(name, param, kind, label, expect, tmp_path, monkeypatch, address):
    import capacity.atlas as atlas_module

    monkeypatch.chdir(tmp_path)                   # a string taken as a path names a file here
    fn = getattr(atlas_module, name)
    kwargs = _base(name, tmp_path, address)
    make = dict((lab, mk) for lab, mk, _ in _menu(kind))[label]
    kwargs[param] = make(kwargs[param] if kwargs[param] is not None else "x")
    result, error, peak = quiet_hostile_call(lambda: fn(**kwargs), expect, HANG_GUARD_S, f"{name}({param}={label})")
    try:
        names = [f"`{q}" for q in inspect.signature(fn).parameters] + ["`spec", "`path", "max_bytes", param]
        judge_hostile(result, error, peak, expect, f"`{param}` ({label})", lambda r: None, names)
    finally:
        _close(result)


def test_every_public_function_has_its_kinds_and_a_valid_call(tmp_path, monkeypatch, address):
    # the meta-test: a new public function or parameter fails here until KINDS (or EXCLUDED) has it
    import capacity.atlas as atlas_module

    monkeypatch.chdir(tmp_path)
    for name in atlas_module.__all__:
        fn = getattr(atlas_module, name)
        if not callable(fn) or inspect.isclass(fn) or name in EXCLUDED:
            continue
        assert name in KINDS, f"{name}: add its parameters to KINDS and a valid call to _base"
        params = [p.name for p in inspect.signature(fn).parameters.values() if p.kind != p.VAR_KEYWORD]
        assert set(params) <= set(KINDS[name]), f"{name}: parameters {set(params) - set(KINDS[name])} lack a kind"
        _close(fn(**_base(name, tmp_path, address)))
    assert os.listdir(tmp_path)                   # the valid calls wrote their files here
