"""Checks shared by the hostile-input tests: a call refused before it allocates, and the verdict on
one hostile call."""
import tracemalloc
import warnings

import pytest

#: Traced peak allowed for a refusal: far below any expanded huge view (2**40 entries and more).
REFUSAL_PEAK_BYTES = 2**20


def refused_before_allocating(call, match="max_bytes", exc=(ValueError, TypeError), peak=REFUSAL_PEAK_BYTES):
    """``call()`` must raise ``exc`` matching ``match`` with a traced peak below ``peak`` bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(exc, match=match):
            call()
        used = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert used < peak, used


def bad_input_test(cases):
    """A test over the rows ``(fn, args, kwargs, exception, match)`` of ``cases``: each call
    ``fn(*args, **kwargs)`` must raise ``exception`` matching ``match``, and warn nothing first."""
    @pytest.mark.parametrize("fn, args, kwargs, exc, match", cases,
                             ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(cases)])
    def test_bad_input(fn, args, kwargs, exc, match):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(exc, match=match):
                fn(*args, **kwargs)
    return test_bad_input


def judge_hostile(result, error, peak, expect, what, check, names):
    """The verdict on one hostile call that gave ``result`` or raised ``error`` at a traced ``peak``.

    ``expect``: "valid" (must be accepted), "either", "huge" (must be refused before allocating) or
    any other kind of bad value (must be refused). An accepted call's result must pass ``check``; a
    refusal's message must contain one of ``names`` (the parameters it may name). ``what`` names
    the value in the failure messages."""
    if error is None:
        assert expect in ("valid", "either"), f"accepted a bad {what} -> {result!r:.200}"
        check(result)
        return
    msg = str(error)
    assert expect != "valid", f"refused a valid {what}: {msg}"
    assert any(q in msg for q in names), f"the message does not name a parameter: {msg}"
    if expect == "huge":
        assert peak < REFUSAL_PEAK_BYTES, f"refused after allocating {peak} bytes: {msg}"
