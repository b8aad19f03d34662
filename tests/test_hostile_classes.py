"""Hostile inputs for the public classes of boolean, capacity, capacity.insensitive and
capacity.experiments: the constructors users call and every public method that takes arguments.

tests/test_hostile_suite.py covers the public *functions*; this file applies the same menus
(:data:`tests.test_hostile_suite.MENUS`, by the kind of a valid value) to :func:`targets`: one
small valid call per constructor or method, each parameter replaced in turn by every menu entry. Each
call must return, or raise ValueError/TypeError naming one of the call's parameters (or
``max_bytes``); refuse what the menu marks bad; accept numpy scalars, lists and read-only arrays;
leave its arrays unchanged; refuse huge views before allocating; and answer within the hang guard.

``test_every_public_class_is_listed`` is the meta-test: a new public class fails there until it is
in ``CONSTRUCTED`` (users build it: its constructor gets targets) or ``RETURNED`` (a routine
builds it), and a new public method that takes arguments fails until it has a target. The
``test_*`` functions after the generated cases pin the faults this pass found and fixed.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from tests.capacity.mi.test_hostile import _snapshot, _unchanged, quiet_hostile_call
from tests.refusal import judge_hostile, refused_before_allocating
from tests.test_hostile_suite import MENUS, PACKAGES, check_result, experiment_modules, kind

HANG_GUARD_S = 30.0

#: Classes users construct: their constructors have targets below.
CONSTRUCTED = {
    "capacity.insensitive.FunctionFamily",
    "capacity.experiments.abstractions.Computation",
    "capacity.experiments.random_nets.NetSpec",
}
#: Classes a routine builds (frozen results), with one such routine: their constructors are not
#: targets, their public methods that take arguments are.
RETURNED = {
    "boolean.SpectralSummary": "boolean.spectral_summary",
    "boolean.RetainedInformationProfile": "boolean.retained_information_profile",
    "boolean.NearestJunta": "boolean.nearest_junta",
    "capacity.CapacityResult": "capacity.blahut_arimoto",
    "capacity.MIEstimate": "capacity.insensitive.function_family_information",
    "capacity.RateDistortionResult": "capacity.rate_distortion",
    "capacity.insensitive.EquivalenceClasses": "capacity.insensitive.equivalence_classes",
    "capacity.insensitive.MergedChannel": "capacity.insensitive.merge_duplicate_inputs",
    "capacity.insensitive.ChannelShape": "capacity.insensitive.channel_shape",
    "capacity.insensitive.InsensitiveChannel": "capacity.insensitive.channel_matrix",
    "capacity.insensitive.InsensitiveCapacity": "capacity.insensitive.insensitive_capacity",
    "capacity.insensitive.SolveEstimate": "capacity.insensitive.insensitive_estimate",
    "capacity.insensitive.FoldedChannel": "capacity.insensitive.folded_channel",
    "capacity.insensitive.ClassOrbits": "capacity.insensitive.class_orbit_representatives",
    "capacity.insensitive.FamilyCapacity": "capacity.insensitive.family_capacity",
    "capacity.insensitive.CapacityUpperBound": "capacity.insensitive.capacity_upper_bound",
    "capacity.insensitive.LawSensitivity": "capacity.insensitive.law_sensitivity",
    "capacity.insensitive.FamilyBracket": "capacity.insensitive.family_bracket",
    "capacity.experiments.abstractions.MinimalAbstraction":
        "capacity.experiments.abstractions.minimal_complete_abstraction",
    "capacity.experiments.abstractions.TradeoffCurve": "capacity.experiments.abstractions.abstraction_tradeoff",
    "capacity.experiments.telephone.ConservedQuantities": "capacity.experiments.telephone.conserved_quantities",
}


def public_classes():
    for mod_name in PACKAGES + experiment_modules():
        mod = importlib.import_module(mod_name)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                yield f"{mod_name}.{name}", obj


def methods_with_arguments(cls):
    """Names of the public methods of ``cls`` (and of its bases in our packages) that take an
    argument besides ``self``."""
    out = set()
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] not in ("boolean", "capacity"):
            continue
        for name, v in vars(klass).items():
            if name.startswith("_") or not inspect.isfunction(v):
                continue
            if len(inspect.signature(v).parameters) > 1:
                out.add(name)
    return out


# ------------------------------------------------------------------ one small valid call per target

def _targets():
    """``{(class qual, member, variant): (call(**kwargs), kwargs)}``; member "__init__" is the
    constructor."""
    from boolean import majority, spectral_summary
    from capacity.experiments.abstractions import Computation, abstraction_tradeoff, counter_computation
    from capacity.experiments.random_nets import NetSpec
    from capacity.insensitive import (FunctionFamily, equivalence_classes, junta_family, merge_duplicate_inputs,
                                      symmetric_family, table_family, threshold_family)

    FF = "capacity.insensitive.FunctionFamily"
    t = {}
    summary = spectral_summary(majority(3))
    t["boolean.SpectralSummary", "noise_stability", ""] = (summary.noise_stability, dict(rho=0.5))
    t["boolean.SpectralSummary", "noise_sensitivity", ""] = (summary.noise_sensitivity, dict(delta=0.1))
    classes = equivalence_classes(2, 1)
    t["capacity.insensitive.EquivalenceClasses", "members", ""] = (classes.members, dict(k=1))
    merged = merge_duplicate_inputs([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    t["capacity.insensitive.MergedChannel", "expand", ""] = (merged.expand, dict(p_merged=np.array([0.5, 0.5])))
    curve = abstraction_tradeoff(counter_computation(2), [0, 0, 0, 1])
    t["capacity.experiments.abstractions.TradeoffCurve", "labels_at", ""] = (curve.labels_at, dict(n_blocks=3))
    families = {"symmetric": symmetric_family(3), "interval": threshold_family(3), "junta": junta_family(3, 1),
                "tables": table_family({"0": [0] * 8, "x0": [0, 1] * 4})}
    for variant, fam in families.items():
        q = fam.reduced_cells(1)[0]
        t[FF, "noise_stability", variant] = (fam.noise_stability, dict(rho=0.5))
        t[FF, "reduced_cells", variant] = (fam.reduced_cells, dict(s=1))
        t[FF, "cell_symmetries", variant] = (fam.cell_symmetries, dict(s=1))
        t[FF, "cell_rounding", variant] = (fam.cell_rounding, dict(s=1))
        t[FF, "cell_masses", variant] = (fam.cell_masses, dict(s=1))
        t[FF, "reduced_zeros", variant] = (fam.reduced_zeros, dict(s=1, q=q))
        t[FF, "binned_cells", variant] = (fam.binned_cells, dict(s=1, labels=np.arange(q.shape[1]) % 2))
        data = {"symmetric": "g", "interval": "bounds"}.get(variant, "tables")
        kwargs = dict(n=3, kind=fam.kind, names=fam.names, **{data: getattr(fam, data)})
        if variant == "junta":
            kwargs["coords"] = fam.coords
        t[FF, "__init__", variant] = (FunctionFamily, kwargs)
    t["capacity.experiments.abstractions.Computation", "__init__", "map"] = (
        Computation, dict(transition=np.array([1, 2, 3, 3]), halted=np.array([False, False, False, True]),
                          inputs=np.array([0]), outputs=np.array([0, 0, 0, 1])))
    t["capacity.experiments.abstractions.Computation", "__init__", "chain"] = (
        Computation, dict(transition=np.array([[0.5, 0.5], [0.2, 0.8]])))
    t["capacity.experiments.random_nets.NetSpec", "__init__", ""] = (
        NetSpec, dict(d_in=2, widths=(3,), activation="tanh", weight_gain=1.0, bias_scale=0.1, init="gaussian",
                      negative_slope=0.01, name="net"))
    return t


@functools.lru_cache(maxsize=1)
def targets():
    """The targets, built once per session (a dict: do not modify)."""
    return _targets()


def target_id(key):
    qual, member, variant = key
    return f"{qual.rsplit('.', 1)[1]}.{member}" + (f"[{variant}]" if variant else "")


def kind_of(v):
    """The suite's kind, with a tuple of integers (widths, coords) taken as an array."""
    if isinstance(v, tuple) and v and all(isinstance(e, (int, np.integer)) for e in v):
        return "array"
    return kind(v)


#: Cases whose menu expectation does not fit the parameter: a net's name is free text.
EXPECT_OVERRIDES = {"NetSpec.__init__-name-unknown": "valid", "NetSpec.__init__-name-upper-case": "valid"}


def cases():
    for key, (_, kwargs) in targets().items():
        for name, valid in kwargs.items():
            for label, _, expect in MENUS[kind_of(valid)]:
                case_id = f"{target_id(key)}-{name}-{label}"
                yield pytest.param(key, name, label, EXPECT_OVERRIDES.get(case_id, expect), id=case_id)


@pytest.mark.parametrize("key,name,label,expect", list(cases()))
def test_hostile_input(key, name, label, expect):
    call, kwargs = targets()[key]
    kwargs = dict(kwargs)
    make = {lab: mk for lab, mk, _ in MENUS[kind_of(kwargs[name])]}[label]
    kwargs[name] = make(kwargs[name])
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    result, error, peak = quiet_hostile_call(lambda: call(**kwargs), expect, HANG_GUARD_S,
                                             f"{target_id(key)}({name}={label})")
    assert all(_unchanged(before[k], kwargs[k]) for k in kwargs), "an input was mutated"
    names = [f"`{q}" for q in kwargs] + ["max_bytes"]
    judge_hostile(result, error, peak, expect, f"`{name}` ({label})", check_result, names)


def test_every_public_class_is_listed():
    # the meta-test: a new public class, or a new public method taking arguments, fails here
    seen = 0
    for qual, cls in public_classes():
        assert (qual in CONSTRUCTED) != (qual in RETURNED), f"{qual}: list it in CONSTRUCTED or RETURNED"
        members = methods_with_arguments(cls) | ({"__init__"} if qual in CONSTRUCTED else set())
        for member in members:
            assert any(k[:2] == (qual, member) for k in targets()), f"{qual}.{member}: add a valid call to TARGETS"
        seen += 1
    assert seen == len(CONSTRUCTED) + len(RETURNED)
    for routine in RETURNED.values():
        mod, name = routine.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(mod), name)), routine
    for key, (call, kwargs) in targets().items():  # every valid call answers
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            call(**kwargs)


# ------------------------------------------------------------------ the faults this pass fixed

def _family_kwargs(**change):
    kwargs = dict(n=2, kind="tables", names=("a", "b"), tables=np.array([[0, 1, 0, 1], [0, 0, 0, 0]]))
    return {**kwargs, **change}


@pytest.mark.parametrize("change, exc, match", [
    (dict(kind="symmetric", g=np.array([[0.5, 1.0, 0.0], [0.0, 0.0, 0.0]]), tables=None), TypeError, "`g`"),
    (dict(tables=np.array([[0, 2, 0, 2], [0, 0, 0, 0]])), ValueError, r"`tables` must hold values in \{0, 1\}"),
    (dict(kind="threshold"), ValueError, "`kind` must be one of"),
    (dict(n=3), ValueError, r"`tables` must have shape \(M, 8\)"),
    (dict(names=("a",)), ValueError, "`names` must be a sequence of one name per member"),
    (dict(names=("a", 1)), TypeError, "`names` must hold strings"),
    (dict(n="2"), TypeError, "`n` must be an integer"),
    (dict(kind="interval", bounds=np.array([[5, 7], [0, 1]]), tables=None), ValueError, r"`bounds` .* \[0, 2\]"),
    (dict(kind="junta", tables=np.array([[0, 1], [1, 0]])), TypeError, "`coords`"),
    (dict(kind="junta", tables=np.array([[0, 1], [1, 0]]), coords=(2,)), ValueError, "`coords element`"),
    (dict(kind="junta", tables=np.array([[0, 1], [1, 0]]), coords=(0, 0)), ValueError, "`coords` must hold distinct"),
    (dict(kind="junta", tables=np.array([[0, 1], [1, 0]]), coords=(0, 1, 1)), ValueError, "`coords` must hold 1 to 2"),
    (dict(tables=None), ValueError, "`tables` must be given"),
])
def test_function_family_refuses_a_bad_hand_built_family(change, exc, match):
    from capacity.insensitive import FunctionFamily

    with pytest.raises(exc, match=match):
        FunctionFamily(**_family_kwargs(**change))


def test_a_hand_built_family_gives_the_routines_answer():
    from capacity.insensitive import FunctionFamily, family_capacity, table_family

    tables = np.array([[0, 1, 0, 1], [0, 0, 0, 0]])
    fam = FunctionFamily(**_family_kwargs(tables=tables.tolist()))  # a list: stored as uint8 numpy
    assert fam.tables.dtype == np.uint8 and fam.tables.flags.c_contiguous and isinstance(fam.names, tuple)
    ours = family_capacity(fam, 2, 1, 1)
    ref = family_capacity(table_family(tables), 2, 1, 1)
    assert ours.lower == ref.lower and ours.upper == ref.upper  # the same channel, bit for bit


@pytest.mark.parametrize("method, args, kwargs, exc, match", [
    ("reduced_cells", ("1",), {}, TypeError, "`s` must be an integer"),
    ("reduced_cells", (2**70,), {}, ValueError, r"`s` must be an integer in \[0, 3\]"),
    ("reduced_cells", (1,), {"max_bytes": 10}, ValueError, "max_bytes=10 B"),
    ("reduced_cells", (1,), {"max_bytes": "junk"}, TypeError, "`max_bytes` must be a number"),
    ("cell_symmetries", (math.nan,), {}, TypeError, "`s` must be an integer"),
    ("cell_rounding", (4,), {}, ValueError, "`s` must be"),
    ("cell_masses", ("1",), {}, TypeError, "`s` must be an integer"),
    ("noise_stability", (math.nan,), {}, ValueError, "`rho` must be a finite number"),
    ("noise_stability", ("0.5",), {}, TypeError, "`rho` must be a real number"),
    ("reduced_zeros", (1, np.array([[0.5]])), {}, ValueError, r"`q` must have shape \(8, 2\)"),
    ("reduced_zeros", (1, np.full((8, 2), 1.5)), {}, ValueError, r"`q` must hold probabilities in \[0, 1\]"),
    ("reduced_zeros", (1, np.full((8, 2), 0.5) + 0j), {}, TypeError, "`q` must be a real"),
    ("reduced_zeros", (1, np.full((8, 2), math.nan)), {}, ValueError, "`q` must be finite; got NaN"),
    ("binned_cells", (1, [0, 2]), {}, ValueError, "`labels` must use every bin 0..2; bin 1 is empty"),
    ("binned_cells", (1, [0, -1]), {}, ValueError, "`labels` must be bins"),
    ("binned_cells", (1, [0.0, math.nan]), {}, TypeError, "`labels` must be an integer array"),
    ("binned_cells", (1, [0, 1, 2]), {}, ValueError, r"`labels` must have shape \(2,\)"),
])
def test_function_family_methods_check_their_arguments(method, args, kwargs, exc, match):
    # each used to fail with a foreign error (TypeError on `str + int`, OverflowError,
    # ZeroDivisionError, IndexError) or to answer silently (NaN, a q of any shape)
    from capacity.insensitive import threshold_family

    fam = threshold_family(3)  # 8 members; 2 reduced cells at s = 1
    with pytest.raises(exc, match=match):
        getattr(fam, method)(*args, **kwargs)


def test_function_family_binned_cells_still_exact():
    # the checks leave the answer alone: bins of single cells reproduce the cells themselves
    from capacity.insensitive import symmetric_family

    fam = symmetric_family(4)
    q, pi = fam.reduced_cells(2)
    qb, q0b, pib = fam.binned_cells(np.int64(2), np.arange(3, dtype=np.uint8))
    np.testing.assert_array_equal(qb, q)
    np.testing.assert_array_equal(q0b, fam.reduced_zeros(2, q.tolist()))
    np.testing.assert_array_equal(pib, pi)


@pytest.mark.parametrize("p, exc, match", [
    (np.array([0.5 + 1j, 0.5]), TypeError, "`p_merged` must be a real"),
    (["a", "b"], TypeError, "`p_merged` must be a real"),
    ([[0.5], [0.5, 0.0]], ValueError, r"`p_merged` must have shape \(2,\)"),
    (np.array([math.nan, 0.5]), ValueError, "`p_merged` must be finite; got NaN at"),
    (torch.tensor([0.5, 0.5], dtype=torch.float64, requires_grad=True), None, None),
])
def test_merged_channel_expand_checks_the_law(p, exc, match):
    from capacity.insensitive import merge_duplicate_inputs

    merged = merge_duplicate_inputs([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    if exc is None:
        np.testing.assert_array_equal(merged.expand(p), [0.5, 0.5, 0.0])
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning is not a refusal
        with pytest.raises(exc, match=match):
            merged.expand(p)


def test_netspec_refuses_a_huge_depth_at_once():
    from capacity.experiments.random_nets import MAX_DEPTH, NetSpec

    refused_before_allocating(lambda: NetSpec(2, np.broadcast_to(np.int64(3), (2**40,))), match="`widths` must have")
    refused_before_allocating(lambda: NetSpec(2, range(1, 2**40)), match="`widths` must have at most")
    assert NetSpec(2, (3,) * MAX_DEPTH).depth == MAX_DEPTH


def test_netspec_refuses_widths_longer_than_len_can_count():
    # len() of these raises OverflowError (beyond sys.maxsize); the depth check must still answer
    import sys

    from capacity.experiments.random_nets import MAX_DEPTH, NetSpec

    class Endless:
        def __len__(self):
            return 2**70

        def __iter__(self):
            raise AssertionError("iterated before the depth check")

    want = f"`widths` must have at most {MAX_DEPTH} layers; got"
    refused_before_allocating(lambda: NetSpec(2, range(1, 2**70)), match=f"{want} {2**70 - 1}$")
    refused_before_allocating(lambda: NetSpec(2, range(2**70, 0, -3)), match=f"{want} {(2**70 + 2) // 3}$")
    refused_before_allocating(lambda: NetSpec(2, Endless()), match=f"{want} more than {sys.maxsize}$")
    with pytest.raises(ValueError, match="`widths` must be a non-empty sequence"):
        NetSpec(2, range(2**70, 0))                                  # empty: len() is 0, no overflow


def test_computation_refuses_a_complex_sparse_transition():
    from capacity.experiments.abstractions import Computation

    P = sp.csr_array(np.array([[0.5 + 0.5j, 0.5], [0.0, 1.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it used to drop the imaginary part with a ComplexWarning
        with pytest.raises(TypeError, match="`transition` must be a real sparse matrix"):
            Computation(P)


def test_computation_refuses_a_huge_sparse_shape_before_converting():
    # one nonzero in a (2**33, 2**33) COO matrix: its CSR row pointer alone needs 64 GiB
    from capacity.experiments.abstractions import Computation
    from capacity.experiments.markov import mi_over_time

    P = sp.coo_array((np.ones(1), (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))), shape=(2**33, 2**33))
    refused_before_allocating(lambda: Computation(P), match="`transition` of shape .* max_bytes")
    refused_before_allocating(lambda: mi_over_time([1.0], P, [0]), match="`T` of shape .* max_bytes")
