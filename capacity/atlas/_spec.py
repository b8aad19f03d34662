"""Sweep specifications: routines, grids, canonical task keys.

A spec is a TOML file (or the same dict) with one or more ``[[sweep]]`` tables::

    [[sweep]]
    routine = "insensitive_capacity"      # a short name or capacity.<module>.<name>
    grid = { n = [2, 3], s = [1], m = [1, 2, 3] }   # cartesian product
    options = { tol = 1e-9 }              # the same for every task

Everything is checked here, before any task runs: the routine exists and is public, every
argument name is a parameter of it, values are TOML scalars or lists of them, every grid
axis is a non-empty list, and the grids give at most :data:`MAX_TASKS` tasks.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import itertools
import json
import math
from dataclasses import dataclass, field

import numpy as np

from boolean._lib.validate import check_path

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

#: Most tasks a spec may expand to. A task takes about 0.7 kB and 11 us to expand on the client,
#: and its stored row about 3 kB: a million tasks is about 0.7 GB and 11 s before anything runs,
#: and a few GB of atlas. Larger grids are refused before they are expanded.
MAX_TASKS = 1_000_000

#: Keywords a routine gained after atlas rows were keyed, with the default they were added with:
#: dotted name -> {keyword: default}. A task whose value of such a keyword is that default leaves
#: it out of its arguments and key, so the rows computed before it existed keep their keys (and a
#: shipped atlas stays valid); any other value is a new key. Every other argument is keyed with its
#: default applied, so changing a default re-keys the tasks that relied on it. Add an entry in the
#: same commit as the keyword (tests/capacity/atlas/test_spec.py checks each against the signature).
ADDED_KEYWORDS: dict = {}


@dataclass(frozen=True)
class Task:
    """One unit of a sweep: a routine and its keyword arguments (defaults applied).

    Attributes
    ----------
    key : str
        ``<short name>-<16 hex digits>``: SHA-256 of the routine and its normalised arguments.
    routine : str
        Dotted name of the public routine.
    kwargs : dict
        Keyword arguments, bound to the routine's signature with the defaults applied.

    Examples
    --------
    >>> t = parse_spec({"sweep": [{"routine": "probe", "options": {"value": 1.0}}]}).tasks[0]
    >>> t.routine, t.kwargs
    ('capacity.atlas.probe', {'seconds': 0.0, 'value': 1.0, 'compiled': False})
    """

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
    dotted, fn, _ = _resolved(name)
    return dotted, fn


@functools.lru_cache(maxsize=256)
def _resolved(name):
    """(dotted name, function, signature): looked up once per routine, not once per task of a grid."""
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
    return dotted, fn, inspect.signature(fn)


def _check_value(value, where):
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()              # a numpy scalar keys, and is stored, as the Python one
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"`{where}` must be finite; got {value!r}")
        return value
    if isinstance(value, list) and all(isinstance(v, (*_SCALARS, np.generic)) for v in value):
        return [_check_value(v, where) for v in value]
    raise TypeError(f"`{where}` must be a number, string, bool or a list of them; got {value!r}")


@functools.lru_cache(maxsize=1024)
def _binding(dotted, names):
    """``(name, given, default)`` in signature order: the arguments a task of ``dotted`` with the
    keyword arguments ``names`` is keyed by, each ``given`` or its default (kept when it is a
    scalar or None). Binding depends on the names only, so a grid binds once, not once per task."""
    _, _, sig = _resolved(dotted)
    try:
        bound = sig.bind(**dict.fromkeys(names))
    except TypeError as exc:
        raise ValueError(f"arguments {sorted(names)} do not fit {dotted}{sig}: {exc}") from None
    bound.apply_defaults()
    return tuple((k, k in names, None if k in names else v) for k, v in bound.arguments.items()
                 if k in names or isinstance(v, _SCALARS) or v is None)


def make_task(routine, kwargs) -> Task:
    """The task running ``routine(**kwargs)``, with its canonical key.

    The key is ``<short name>-<16 hex digits>`` of the SHA-256 of the routine's dotted name
    and its arguments bound to its signature with the defaults applied: writing a default
    explicitly gives the same key, changing any argument gives a new one. A keyword listed in
    :data:`ADDED_KEYWORDS` is left out while it has the default it was added with.
    """
    if not isinstance(routine, str):
        raise TypeError(f"`routine` must be a string; got {routine!r}")
    dotted = _resolved(routine)[0]
    if not isinstance(kwargs, dict):
        raise TypeError(f"`kwargs` must be a dict; got {type(kwargs).__name__}")
    clean = {}
    for k, v in kwargs.items():
        clean[k] = _check_value(v, f"{routine}.{k}")
    args = {k: clean[k] if given else default for k, given, default in _binding(dotted, frozenset(clean))}
    for k, default in ADDED_KEYWORDS.get(dotted, {}).items():
        if k in args and type(args[k]) is type(default) and args[k] == default:
            del args[k]
    digest = hashlib.sha256(canonical_json({"routine": dotted, "args": args}).encode()).hexdigest()[:16]
    short = dotted.rpartition(".")[2]
    return Task(f"{short}-{digest}", dotted, args)


@dataclass(frozen=True)
class Sweep:
    """A parsed specification: its tasks in grid order (duplicates removed).

    Attributes
    ----------
    tasks : tuple of Task
        One per point of each grid.
    name : str
        The spec's ``name`` (or its file), stored with each result.

    Examples
    --------
    >>> len(parse_spec({"sweep": [{"routine": "probe", "grid": {"value": [1.0, 2.0]}}]}))
    2
    """

    tasks: tuple
    name: str = ""

    def __len__(self) -> int:
        return len(self.tasks)


def parse_spec(spec, *, name: str = "") -> Sweep:
    r"""Check a spec (the parsed TOML) and expand its grids into tasks.

    Each ``[[sweep]]`` table contributes the cartesian product of its grid axes, each task
    merged with the fixed ``options``:

    .. math::

        \text{tasks} = \bigcup_{\text{sweeps}} \{\, \text{options} \cup \{a_i = v_i\}_i :
            (v_1, \dots, v_k) \in G_1 \times \dots \times G_k \,\}.

    Everything is checked before any task runs (docs/atlas.rst describes the format).

    Parameters
    ----------
    spec : dict
        ``{"name": str (optional), "sweep": [{"routine": str, "grid": {arg: [values]},
        "options": {arg: value}}, ...]}``.
    name : str, optional
        Name used when the spec has none.

    Returns
    -------
    Sweep
        The tasks, duplicates removed, in grid order.

    Raises
    ------
    TypeError
        For a spec, sweep, grid or options of the wrong type, a ``name`` that is not a string,
        or a value that is not a number, string, bool (Python or numpy) or list of them.
    ValueError
        For an unknown or private routine, an argument the routine does not take, an empty
        grid axis or an empty sweep, unknown keys, an argument in both grid and options, grids
        of more than :data:`MAX_TASKS` tasks in all (refused before they are expanded).

    References
    ----------
    TOML v1.0.0 specification (tables, arrays of tables).

    Examples
    --------
    >>> sw = parse_spec({"sweep": [{"routine": "insensitive_capacity",
    ...                             "grid": {"n": [2], "s": [1], "m": [1, 2]}}]})
    >>> [t.kwargs["m"] for t in sw.tasks], sw.tasks[0].key.startswith("insensitive_capacity-")
    ([1, 2], True)
    """
    if not isinstance(spec, dict):
        raise TypeError(f"`spec` must be a table (dict); got {type(spec).__name__}")
    for where, text in (("name", name), ("spec.name", spec.get("name", ""))):
        if not isinstance(text, str):
            raise TypeError(f"`{where}` must be a string; got {text!r}")
    unknown = set(spec) - {"sweep", "name"}
    if unknown:
        raise ValueError(f"`spec` must have only [[sweep]] tables and `name`; got {sorted(unknown)}")
    sweeps = spec.get("sweep")
    if isinstance(sweeps, dict):
        sweeps = [sweeps]
    if not isinstance(sweeps, list) or not sweeps:
        raise ValueError(f"`spec` must have at least one [[sweep]] table; got {sweeps!r}")
    _check_size(sweeps)
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
    return Sweep(tuple(tasks), spec.get("name", name))


def _check_size(sweeps):
    """Refuse a spec whose grids give more than :data:`MAX_TASKS` tasks, before expanding any.

    The count is that of the grids, before duplicates are removed (sizes of axes that are not
    lists are left for the per-sweep checks to report)."""
    sizes = []
    for sw in sweeps:
        grid = sw.get("grid", {}) if isinstance(sw, dict) else {}
        axes = [len(v) for v in grid.values() if isinstance(v, list)] if isinstance(grid, dict) else []
        sizes.append(math.prod(axes))
    total = sum(sizes)
    if total > MAX_TASKS:
        parts = ", ".join(f"sweep[{i}]: {k:,}" for i, k in enumerate(sizes) if k > 1)
        raise ValueError(f"`spec` must expand to at most {MAX_TASKS:,} tasks; its grids give {total:,} ({parts}): "
                         "split it into several specs, each run in turn into the same atlas")


def load_spec(path) -> Sweep:
    r"""Read and check a TOML spec file (see :func:`parse_spec`).

    A grid with axes :math:`G_1, \dots, G_k` gives :math:`\prod_i |G_i|` tasks.

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file.

    Returns
    -------
    Sweep
        Its tasks.

    Raises
    ------
    TypeError, ValueError
        As :func:`parse_spec`; TypeError also for a ``path`` that is not a path, ValueError
        for a missing file or invalid TOML.

    References
    ----------
    TOML v1.0.0 specification.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = path.write_text('[[sweep]]\nroutine = "probe"\ngrid = { value = [1.0, 2.0] }\n')
    >>> len(load_spec(path))
    2
    """
    import tomllib

    check_path(path, "path")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ValueError(f"`spec` must be a readable TOML file; got {str(path)!r} ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:     # UnicodeDecodeError: not UTF-8 text
        raise ValueError(f"`spec` must be valid TOML; got {str(path)!r}: {exc}") from None
    return parse_spec(data, name=str(path))
