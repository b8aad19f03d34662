"""One check shared by the hostile-input tests: a call refused before it allocates."""
import tracemalloc

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
