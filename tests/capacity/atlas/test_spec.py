"""Sweep specs: canonical keys and malformed specs refused before anything runs."""
import pytest

from capacity.atlas import load_spec, parse_spec
from capacity.atlas._spec import make_task


def _one(routine="insensitive_capacity", **sweep):
    return {"sweep": [{"routine": routine, **sweep}]}


def test_grid_is_the_cartesian_product_in_order():
    sw = parse_spec(_one(grid={"n": [2, 3], "s": [1], "m": [1, 2]}))
    got = [(t.kwargs["n"], t.kwargs["s"], t.kwargs["m"]) for t in sw.tasks]
    assert got == [(2, 1, 1), (2, 1, 2), (3, 1, 1), (3, 1, 2)]


def test_key_is_canonical_defaults_applied_and_changes_with_any_argument():
    a = make_task("insensitive_capacity", {"n": 2, "s": 1, "m": 2})
    b = make_task("capacity.insensitive.insensitive_capacity", {"m": 2, "n": 2, "s": 1, "tol": 1e-9})
    c = make_task("insensitive_capacity", {"n": 2, "s": 1, "m": 2, "tol": 1e-10})
    assert a.key == b.key                      # a default written out is the same task
    assert a.key != c.key                      # a changed argument is a new key
    assert a.kwargs["tol"] == 1e-9 and a.routine == "capacity.insensitive.insensitive_capacity"


def test_duplicate_tasks_are_run_once():
    sw = parse_spec({"sweep": [{"routine": "probe", "grid": {"value": [1.0, 1.0]}},
                               {"routine": "probe", "options": {"value": 1.0, "seconds": 0.0}}]})
    assert len(sw) == 1


@pytest.mark.parametrize("spec, exc, match", [
    (_one("no_such_routine", grid={"n": [1]}), ValueError, "`routine` must be one of"),
    (_one("capacity.insensitive.channel._cells", grid={"n": [1]}), ValueError, "`routine` must be"),
    (_one("os.system", grid={"n": [1]}), ValueError, "`routine` must be"),
    (_one(grid={"n": [2], "s": [1], "m": [1], "colour": [1]}), ValueError, "do not fit"),
    (_one(grid={"n": 2}), TypeError, r"`sweep\[0\].grid.n` must be a list"),
    (_one(grid={"n": []}), ValueError, "must be a non-empty list"),
    (_one(grid={}), ValueError, "must not be empty"),
    (_one(grid={"n": [{"a": 1}]}), TypeError, "must be a number, string, bool"),
    (_one(grid={"n": [2]}, options={"n": 3}), ValueError, "in both grid and options"),
    (_one(grid={"n": [2]}, extra=1), ValueError, "only routine, grid, options"),
    ({"sweep": []}, ValueError, "at least one"),
    ({"task": []}, ValueError, "only"),
    ({"sweep": [{"grid": {"n": [1]}}]}, ValueError, "routine` must be given"),
    ({"sweep": [{"routine": 3, "grid": {"n": [1]}}]}, TypeError, "`routine` must be a string"),
    ([1], TypeError, "`spec` must be a table"),
])
def test_malformed_specs_are_refused(spec, exc, match):
    with pytest.raises(exc, match=match):
        parse_spec(spec)


def test_grids_above_max_tasks_are_refused_before_they_are_expanded(monkeypatch):
    import capacity.atlas._spec as spec_module

    monkeypatch.setattr(spec_module, "MAX_TASKS", 6)
    assert len(parse_spec(_one(grid={"n": [2, 3], "s": [1], "m": [1, 2, 3]}))) == 6      # at the limit
    two = {"sweep": [{"routine": "insensitive_capacity", "grid": {"n": [2, 3], "s": [1], "m": [1, 2, 3]}},
                     {"routine": "probe", "grid": {"value": [1.0]}}]}
    with pytest.raises(ValueError, match=r"at most 6 tasks; its grids give 7 \(sweep\[0\]: 6\)"):
        parse_spec(two)                       # counted over all sweeps, before duplicates are removed

    def expanded(*args):
        raise AssertionError("a task was made")

    monkeypatch.setattr(spec_module, "MAX_TASKS", 10**6)
    monkeypatch.setattr(spec_module, "make_task", expanded)
    huge = _one(grid={"n": list(range(1000)), "s": list(range(1000)), "m": list(range(1000))})
    with pytest.raises(ValueError, match="at most 1,000,000 tasks; its grids give 1,000,000,000 "):
        parse_spec(huge)


def test_numpy_scalars_are_keyed_and_stored_as_the_python_ones():
    import numpy as np

    py = make_task("insensitive_capacity", {"n": 2, "s": 1, "m": 2, "tol": 1e-9, "symmetry": True})
    npy = make_task("insensitive_capacity", {"n": np.int64(2), "s": np.uint8(1), "m": np.int32(2),
                                             "tol": np.float64(1e-9), "symmetry": np.True_})
    assert npy.key == py.key and npy.kwargs == py.kwargs
    assert [type(npy.kwargs[k]) for k in ("n", "tol", "symmetry")] == [int, float, bool]
    sw = parse_spec(_one(grid={"n": [np.int64(2)], "s": [1], "m": [np.int16(1), 2]}))
    assert [t.kwargs["m"] for t in sw.tasks] == [1, 2] and type(sw.tasks[0].kwargs["n"]) is int
    with pytest.raises(ValueError, match="must be finite"):
        make_task("insensitive_capacity", {"n": 2, "s": 1, "m": 2, "tol": np.float64("nan")})
    with pytest.raises(TypeError, match="must be a number, string, bool"):
        make_task("insensitive_capacity", {"n": np.complex128(2), "s": 1, "m": 2})


def test_a_name_must_be_a_string():
    with pytest.raises(TypeError, match="`name` must be a string; got 3"):
        parse_spec(_one(grid={"n": [2], "s": [1], "m": [1]}), name=3)
    with pytest.raises(TypeError, match="`spec.name` must be a string; got"):
        parse_spec({"name": ["x"], **_one(grid={"n": [2], "s": [1], "m": [1]})})


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sweep]\nroutine = ")
    with pytest.raises(ValueError, match="must be valid TOML"):
        load_spec(bad)
    binary = tmp_path / "atlas.sqlite"
    binary.write_bytes(b"SQLite format 3\x00\xf8\xff" * 10)
    with pytest.raises(ValueError, match="`spec` must be valid TOML"):
        load_spec(binary)
    with pytest.raises(ValueError, match="readable TOML file"):
        load_spec(tmp_path)                                  # a folder
    with pytest.raises(TypeError, match="`path` must be a file path"):
        load_spec(3)
    with pytest.raises(ValueError, match="readable TOML file"):
        load_spec(tmp_path / "missing.toml")


def test_cli_refuses_a_malformed_spec_before_creating_the_atlas(tmp_path, capsys):
    from capacity.atlas.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('[[sweep]]\nroutine = "insensitive_capacity"\ngrid = { n = [], s = [1], m = [1] }\n')
    db = tmp_path / "a.sqlite"
    assert main(["run", str(spec), "--db", str(db)]) == 2
    assert "non-empty list" in capsys.readouterr().err
    assert not db.exists()


def _bound_by_hand(routine, kwargs):
    """The keyed arguments straight from the definition: bind every task's own arguments, apply the
    defaults, keep the given ones and the scalar or None defaults."""
    import inspect

    from capacity.atlas._spec import resolve_routine

    _, fn = resolve_routine(routine)
    bound = inspect.signature(fn).bind(**kwargs)
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items()
            if k in kwargs or isinstance(v, (bool, int, float, str)) or v is None}


@pytest.mark.parametrize("routine, kwargs", [
    ("insensitive_capacity", {"n": 2, "s": 1, "m": 2}),
    ("insensitive_capacity", {"n": 3, "s": 1, "m": 2, "p_bias": 0.3, "tol": 1e-9}),
    ("insensitive_capacity", {"m": 1, "s": 2, "n": 2, "max_bytes": 10**9}),
    ("probe", {"value": 2.0}),
    ("probe", {"seconds": 0.0, "value": 1.0, "compiled": False}),
    ("capacity.insensitive.family_capacity", {"family": "symmetric", "n": 6, "s": 2, "m": 2}),
    ("count_classes", {"n": 3, "s": 1}),
])
def test_keyed_arguments_equal_a_binding_of_each_task(routine, kwargs):
    # the binding is computed once per routine and set of argument names; each task must still get
    # exactly what binding its own arguments gives, whatever the values and their order
    for values in (kwargs, dict(reversed(list(kwargs.items())))):
        task = make_task(routine, values)
        assert task.kwargs == _bound_by_hand(routine, values)
        assert list(task.kwargs) == list(_bound_by_hand(routine, values))       # signature order


def test_a_binding_error_is_raised_for_every_task_not_remembered_as_a_success():
    make_task("probe", {"value": 1.0})
    for _ in range(2):
        with pytest.raises(ValueError, match="do not fit"):
            make_task("probe", {"value": 1.0, "nope": 2})


def test_every_added_keyword_is_a_parameter_with_its_registered_default():
    import inspect

    from capacity.atlas._spec import ADDED_KEYWORDS, resolve_routine

    for dotted, added in ADDED_KEYWORDS.items():
        params = inspect.signature(resolve_routine(dotted)[1]).parameters
        for name, default in added.items():
            assert name in params and params[name].default == default, (dotted, name)


def test_a_keyword_added_later_keeps_the_old_keys_at_its_default(monkeypatch):
    # as if probe had gained `value` (default 0.0) after rows were keyed: those rows were keyed by seconds
    # and compiled alone (the key's definition: SHA-256 of the routine and its arguments, make_task's
    # docstring); at the registered default a task keeps that key, any other value is a new one
    import hashlib

    from capacity.atlas import _spec

    monkeypatch.setattr(_spec, "ADDED_KEYWORDS", {"capacity.atlas.probe": {"value": 0.0}})
    old_args = {"seconds": 0.25, "compiled": False}
    text = _spec.canonical_json({"routine": "capacity.atlas.probe", "args": old_args})
    old_key = "probe-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    assert make_task("probe", {"seconds": 0.25}).key == old_key
    assert make_task("probe", {"seconds": 0.25}).kwargs == old_args
    assert make_task("probe", {"seconds": 0.25, "value": 0.0}).key == old_key
    assert make_task("probe", {"seconds": 0.25, "value": 1.0}).key != old_key
    assert make_task("probe", {"seconds": 0.25, "value": 0}).key != old_key     # an int is another value
