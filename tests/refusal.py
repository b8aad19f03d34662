"""One check shared by the hostile-input tests: a call refused before it allocates."""
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
