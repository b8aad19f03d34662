"""The wall-time budget ``max_seconds`` holds while a solve runs (blahut_arimoto, insensitive_capacity).

Behaviour tests, not performance tests: a budget of BUDGET seconds must stop a solve that would
otherwise run far longer, and the call must return within BUDGET + SLACK. SLACK = 4.5 s is
generous on purpose: the solver overruns by at most one mirror-descent slice (0.2 s) or one polish
step plus the final certificate (milliseconds at these sizes), and the rest absorbs a loaded
machine and first-call costs (torch's import counts against the budget).
"""
import dataclasses
import time
import warnings

import numpy as np
import pytest

import capacity.insensitive.solve as solve_mod
from capacity import ConvergenceWarning, blahut_arimoto
from capacity.insensitive import insensitive_capacity

BUDGET, SLACK = 0.5, 4.5


def slow_channel():
    """A random 200 x 200 channel on which plain Blahut–Arimoto needs far more than 20 000
    iterations to certify a 1e-13 bit gap (its gap falls sublinearly; accelerated needs ~100)."""
    rng = np.random.default_rng(0)
    W = rng.random((200, 200)) ** 8
    return W / W.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("backend", ["numba", "numpy", "torch"])
def test_budget_stops_a_running_solve_with_a_valid_bracket(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    W = slow_channel()
    ref = blahut_arimoto(W, tol=1e-9)  # accelerated, converged: C within [ref.lower, ref.upper]
    assert ref.converged
    t = time.perf_counter()
    with pytest.warns(ConvergenceWarning, match=r"blahut_arimoto reached max_seconds=0.5 with certified gap"):
        res = blahut_arimoto(W, method="plain", tol=1e-13, max_iter=10**9, max_seconds=BUDGET, backend=backend)
    wall = time.perf_counter() - t
    assert wall < BUDGET + SLACK
    # stopped by the budget, not by the iteration cap, short of tol
    assert not res.converged and res.iterations < 10**9 and res.gap > 1e-13
    assert res.extra == {"stopped_by": "max_seconds"}
    # the returned certificate is still valid: both brackets contain C, so they overlap (exact
    # inequalities: each bound is a certified bound on the same C, computed in float64; 1e-12
    # bits covers the rounding of the two certificates)
    assert res.lower <= ref.upper + 1e-12 and ref.lower <= res.upper + 1e-12
    assert res.lower <= res.upper


def test_no_budget_message_without_a_deadline():
    """max_iter, not the budget, is named when the cap stops the solve under a generous budget."""
    with pytest.warns(ConvergenceWarning, match=r"reached max_iter=3 "):
        res = blahut_arimoto(slow_channel(), method="plain", max_iter=3, max_seconds=600.0)
    assert res.extra == {"stopped_by": "max_iter"} and res.iterations == 3


def test_insensitive_budget_reaches_the_solver_and_keeps_the_bracket(monkeypatch):
    """A budget spent inside the solver returns its bounds (converged=False) and warns naming
    (n, s, m) and max_seconds; the bounds bracket the converged value."""
    ref = insensitive_capacity(3, 1, 4)
    seen = []
    real = solve_mod._solve_inplace  # the CPU route solves the folded V in place

    def starved(*args):  # the real solver, left with almost no time: it stops after one slice
        budget = args[5]
        seen.append(budget.left())
        return real(*args[:5], dataclasses.replace(budget, t0=time.perf_counter() - budget.max_seconds), *args[6:])

    monkeypatch.setattr(solve_mod, "_solve_inplace", starved)
    with pytest.warns(ConvergenceWarning, match=r"insensitive_capacity\(n=3, s=1, m=4\) reached max_seconds=60 "):
        r = insensitive_capacity(3, 1, 4, max_seconds=60)
    assert 0 < seen[0] <= 60  # what is left of the call's budget goes to the solver
    assert not r.result.converged and r.result.extra["stopped_by"] == "max_seconds"
    assert r.gap > 1e-9
    # both brackets hold C(3, 1, 4); 1e-12 bits covers the rounding of the two certificates
    assert r.lower <= ref.upper + 1e-12 and ref.lower <= r.upper + 1e-12


def test_insensitive_budget_spent_before_the_solver_refuses(monkeypatch):
    """A fold that eats the budget leaves no certificate: a ValueError names the budget and stage."""
    real = solve_mod.folded_channel

    def slow_fold(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_mod, "folded_channel", slow_fold)
    with pytest.raises(ValueError, match=r"`max_seconds` must cover the stages that ran: insensitive_capacity"
                                         r"\(n=2, s=1, m=2\) spent .* > max_seconds=0.2 before the solve stage"):
        insensitive_capacity(2, 1, 2, max_seconds=0.2)


def test_a_tol_below_rounding_is_named_as_such():
    """tol = 1e-300 cannot be certified in float64: the warning says so instead of blaming max_iter."""
    with pytest.warns(ConvergenceWarning, match=r"stopped at the float64 rounding floor"):
        r = insensitive_capacity(3, 1, 4, tol=1e-300)
    assert r.result.extra["stopped_by"] == "rounding" and r.result.iterations < 200_000
    ref = insensitive_capacity(3, 1, 4)  # the bounds are still valid: both brackets hold C
    assert r.lower <= ref.upper + 1e-12 and ref.lower <= r.upper + 1e-12


def test_insensitive_generous_budget_changes_nothing():
    """Under a budget it never reaches, the result is certified like the unbudgeted one: the budget runs
    mirror descent in timed slices, each restarting the fused numba sweep, so the laws may differ in
    their last bits (they do at (3,2,4) with either route), and the brackets overlap, each within tol."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        a = insensitive_capacity(3, 1, 3, max_seconds=600)
    b = insensitive_capacity(3, 1, 3)
    assert a.lower <= b.upper and b.lower <= a.upper and max(a.gap, b.gap) <= 1e-9
    assert a.result.converged and a.result.extra.get("stopped_by") is None


@pytest.mark.parametrize("max_seconds, exc, match", [
    (0, ValueError, r"`max_seconds` must be"),
    (-1.0, ValueError, r"`max_seconds` must be"),
    (float("nan"), ValueError, r"`max_seconds` must be"),
    ("1", TypeError, r"`max_seconds`"),
])
def test_blahut_arimoto_bad_budget(max_seconds, exc, match):
    with pytest.raises(exc, match=match):
        blahut_arimoto(np.eye(2), max_seconds=max_seconds)
