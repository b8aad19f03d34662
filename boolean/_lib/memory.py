"""Memory plans: every routine states its peak bytes once and refuses, before allocating,
a request above ``max_bytes`` (default :data:`DEFAULT_MAX_BYTES`)."""
from __future__ import annotations

import numbers

#: Default memory cap for any single request a routine plans (bytes).
DEFAULT_MAX_BYTES = 8 * 2**30


def format_bytes(nbytes: float) -> str:
    """Human-readable size, e.g. ``16.0 GiB``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{int(nbytes)} B"


def check_size(nbytes: float, max_bytes, what: str = "this request") -> None:
    """Refuse (before allocating) a request of ``nbytes`` above ``max_bytes`` (None: 8 GiB).

    ``max_bytes`` itself must be a number > 0 (a NaN would let every request through).
    """
    if max_bytes is None:
        max_bytes = DEFAULT_MAX_BYTES
    elif isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Real):
        raise TypeError(f"`max_bytes` must be a number of bytes or None; got {max_bytes!r}")
    elif not max_bytes > 0:
        raise ValueError(f"`max_bytes` must be > 0; got {max_bytes!r}")
    if nbytes > max_bytes:
        raise ValueError(f"{what} needs {format_bytes(nbytes)} > max_bytes={format_bytes(max_bytes)}; "
                         "raise max_bytes or reduce the size")
