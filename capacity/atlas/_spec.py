"""Sweep specifications: routines, grids, canonical task keys.

A spec is a TOML file (or the same dict) with one or more ``[[sweep]]`` tables::

    [[sweep]]
    routine = "insensitive_capacity"      # a short name or capacity.<module>.<name>
    grid = { n = [2, 3], s = [1], m = [1, 2, 3] }   # cartesian product
    options = { tol = 1e-9 }              # the same for every task

Everything is checked here, before any task runs: the routine exists and is public, every
argument name is a parameter of it, values are TOML scalars or lists of them, every grid
axis is a non-empty list.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import itertools
import json
import math
from dataclasses import dataclass, field

#: Short names accepted in specs, mapped to the public routine they run.
ROUTINES = {
    "insensitive_capacity": "capacity.insensitive.insensitive_capacity",
    "channel_shape": "capacity.insensitive.channel_shape",
    "count_classes": "capacity.insensitive.count_classes",
    "function_family_information": "capacity.insensitive.function_family_information",
    "random_function_retained_information": "capacity.insensitive.random_function_retained_information",
    "ising_sign_information": "capacity.experiments.ising.ising_sign_information",
    "ising_magnetization": "capacity.experiments.ising.ising_magnetization",
    "telephone_mi": "capacity.experiments.telephone.telephone_mi",
    "naive_bayes_mi": "capacity.experiments.naive_bayes.naive_bayes_mi",
    "probe": "capacity.atlas.probe",
}

_SCALARS = (bool, int, float, str)


@dataclass(frozen=True)
class Task:
    """One unit of a sweep: a routine and its keyword arguments (defaults applied)."""

    key: str
    routine: str
    kwargs: dict = field(hash=False)

    @property
    def args_json(self) -> str:
        """The normalised arguments as canonical JSON."""
        return canonical_json(self.kwargs)


def canonical_json(obj) -> str:
    """JSON with sorted keys and no spaces: equal arguments give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def resolve_routine(name):
    """(dotted name, function) of a spec's routine; ValueError when unknown or private."""
    if not isinstance(name, str):
        raise TypeError(f"`routine` must be a string; got {name!r}")
    dotted = ROUTINES.get(name, name)
    module_name, _, attr = dotted.rpartition(".")
    parts = dotted.split(".")
    if (not module_name or parts[0] not in ("capacity", "boolean")
            or any(p.startswith("_") or not p.isidentifier() for p in parts)):
        raise ValueError(f"`routine` must be one of {sorted(ROUTINES)} or a public capacity.<module>.<name>; "
                         f"got {name!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ValueError(f"`routine` must name an importable module; got {name!r} "
                         f"(no module {module_name!r})") from None
    fn = getattr(module, attr, None)
    if fn is None or attr not in getattr(module, "__all__", ()) or not callable(fn):
        raise ValueError(f"`routine` must be a public name (in __all__) of {module_name}; got {name!r}")
    return dotted, fn


def _check_value(value, where):
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"`{where}` must be finite; got {value!r}")
        return value
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        return [_check_value(v, where) for v in value]
    raise TypeError(f"`{where}` must be a number, string, bool or a list of them; got {value!r}")


def make_task(routine, kwargs) -> Task:
    """The task running ``routine(**kwargs)``, with its canonical key.

    The key is ``<short name>-<16 hex digits>`` of the SHA-256 of the routine's dotted name
    and its arguments bound to its signature with the defaults applied: writing a default
    explicitly gives the same key, changing any argument gives a new one.
    """
    dotted, fn = resolve_routine(routine)
    if not isinstance(kwargs, dict):
        raise TypeError(f"`kwargs` must be a dict; got {type(kwargs).__name__}")
    clean = {}
    for k, v in kwargs.items():
        clean[k] = _check_value(v, f"{routine}.{k}")
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(**clean)
    except TypeError as exc:
        raise ValueError(f"arguments {sorted(clean)} do not fit {dotted}{sig}: {exc}") from None
    bound.apply_defaults()
    args = {}
    for k, v in bound.arguments.items():
        if k in clean or isinstance(v, _SCALARS) or v is None:
            args[k] = clean.get(k, v)
    digest = hashlib.sha256(canonical_json({"routine": dotted, "args": args}).encode()).hexdigest()[:16]
    short = dotted.rpartition(".")[2]
    return Task(f"{short}-{digest}", dotted, args)


@dataclass(frozen=True)
class Sweep:
    """A parsed specification: its tasks in grid order (duplicates removed)."""

    tasks: tuple
    name: str = ""

    def __len__(self) -> int:
        return len(self.tasks)


def parse_spec(spec, *, name: str = "") -> Sweep:
    """Check a spec dict (the parsed TOML) and expand its grids into tasks."""
    if not isinstance(spec, dict):
        raise TypeError(f"`spec` must be a table (dict); got {type(spec).__name__}")
    unknown = set(spec) - {"sweep", "name"}
    if unknown:
        raise ValueError(f"`spec` must have only [[sweep]] tables and `name`; got {sorted(unknown)}")
    sweeps = spec.get("sweep")
    if isinstance(sweeps, dict):
        sweeps = [sweeps]
    if not isinstance(sweeps, list) or not sweeps:
        raise ValueError(f"`spec` must have at least one [[sweep]] table; got {sweeps!r}")
    tasks, seen = [], set()
    for i, sw in enumerate(sweeps):
        where = f"sweep[{i}]"
        if not isinstance(sw, dict):
            raise TypeError(f"`{where}` must be a table; got {sw!r}")
        extra = set(sw) - {"routine", "grid", "options"}
        if extra:
            raise ValueError(f"`{where}` must have only routine, grid, options; got {sorted(extra)}")
        if "routine" not in sw:
            raise ValueError(f"`{where}.routine` must be given; got none")
        routine = sw["routine"]
        resolve_routine(routine)
        grid = sw.get("grid", {})
        options = sw.get("options", {})
        if not isinstance(grid, dict):
            raise TypeError(f"`{where}.grid` must be a table of lists; got {grid!r}")
        if not isinstance(options, dict):
            raise TypeError(f"`{where}.options` must be a table; got {options!r}")
        for axis, values in grid.items():
            if not isinstance(values, list):
                raise TypeError(f"`{where}.grid.{axis}` must be a list; got {values!r}")
            if not values:
                raise ValueError(f"`{where}.grid.{axis}` must be a non-empty list; got []")
        both = set(grid) & set(options)
        if both:
            raise ValueError(f"`{where}` must not set {sorted(both)} in both grid and options")
        if not grid and not options:
            raise ValueError(f"`{where}.grid` must not be empty; got no arguments at all")
        axes = list(grid)
        for combo in itertools.product(*(grid[a] for a in axes)):
            task = make_task(routine, {**options, **dict(zip(axes, combo))})
            if task.key not in seen:
                seen.add(task.key)
                tasks.append(task)
    return Sweep(tuple(tasks), str(spec.get("name", name)))


def load_spec(path) -> Sweep:
    """Read and check a TOML spec file."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ValueError(f"`spec` must be a readable TOML file; got {str(path)!r} ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"`spec` must be valid TOML; got {str(path)!r}: {exc}") from None
    return parse_spec(data, name=str(path))
