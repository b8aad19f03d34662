"""The atlas: sweeps on Dask, results in one SQLite file, re-checkable certificates.

A sweep (a TOML spec: a routine and a grid of its keyword arguments) runs on a Dask
cluster (a local one by default); the client stores one row per task in an SQLite file
(:func:`open_atlas`), keyed by the routine and its normalised arguments, so a sweep that is
run again only computes what is missing. :func:`verify_record` re-checks a stored capacity
bracket from its stored law, in float64 or in ball arithmetic. The package ships an atlas of
the certified values the report quotes (:func:`shipped_atlas`). The command line is
``insensitive-atlas`` (:mod:`capacity.atlas.cli`); docs/atlas.rst is the user guide.
"""
from ._spec import Sweep, Task, load_spec, parse_spec
from ._store import Atlas, AtlasRecord, open_atlas
from ._sweep import SweepSummary, local_cluster, probe, run_sweep
from ._verify import Verification, verify_record
from ._shipped import quoted_value, shipped_atlas

__all__ = ["Atlas", "AtlasRecord", "open_atlas", "Sweep", "Task", "load_spec", "parse_spec",
           "run_sweep", "SweepSummary", "probe", "local_cluster", "verify_record", "Verification", "shipped_atlas", "quoted_value"]
