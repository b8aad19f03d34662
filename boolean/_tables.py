"""Truth tables in and results out: the boundary that every :mod:`boolean` routine on tables
shares (:func:`load_table` validates, plans memory and puts the table on the backend;
:func:`deliver` returns a result in the caller's container; :func:`result_repr` is the short
repr of the result dataclasses)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ._lib.array import namespace, to_numpy
from ._lib.backend import Backend, is_tensor, resolve_backend, to_backend
from ._lib.docs import fill_doc
from ._lib.memory import check_size
from ._lib.validate import MAX_N, as_truth_table, check_domain, n_from_length

_MAX_LENGTH = 1 << MAX_N


def load_table(f, backend, device, max_bytes, plan_bytes, what, *, name="f", domain="01"):
    """Validate a truth table for a routine; return ``(backend, table2d, n, batched)``.

    ``table2d`` is uint8 (B, 2**n): numpy for the numpy and numba backends, a tensor on the
    backend's device for torch. ``plan_bytes(backend_name, n, rows)`` is the routine's peak
    working memory; it is checked against ``max_bytes`` from the shape alone when ``f`` already
    has one. ``domain`` ("01" or "pm1") is the declared domain of the values.
    """
    if type(f) is np.ndarray and f.dtype in _FAST_DTYPES and type(domain) is str and domain == "01" \
            and device is None and type(backend) is str and backend in _FAST_BACKENDS and f.ndim in (1, 2) \
            and f.size:
        fast = _load_fast(f, _FAST_BACKENDS[backend], max_bytes, plan_bytes, what)
        if fast is not None:
            return fast
    check_domain(domain)
    be = resolve_backend(backend, f, device=device)
    shape = tuple(f.shape) if is_tensor(f) or isinstance(f, np.ndarray) else None
    if shape is not None and len(shape) in (1, 2) and 0 not in shape:
        n = n_from_length(shape[-1], name)
        check_size(plan_bytes(be.name, n, int(np.prod(shape[:-1]))), max_bytes, what)
    table, n = as_truth_table(f, name, domain=domain)
    if shape is None:
        check_size(plan_bytes(be.name, n, int(np.prod(np.shape(table)[:-1]))), max_bytes, what)
    batched = table.ndim == 2
    table = to_backend(table, be)
    return be, be.xp.reshape(table, (-1, 1 << n)), n, batched


#: dtypes, and backend names (to the resolved backend), of :func:`load_table`'s short path.
_FAST_DTYPES = (np.dtype(np.uint8), np.dtype(np.bool_))
_FAST_BACKENDS = {"auto": "numba", "numba": "numba", "numpy": "numpy"}


def _load_fast(f, name, max_bytes, plan_bytes, what):
    """:func:`load_table` for a C-contiguous uint8/bool ndarray of 0/1 declared "01" on a CPU
    backend: the same checks and result with less per-call work (the table is used as it is, as
    the general path does for such input). None when ``f`` is not such a table (the general path
    then handles or refuses it)."""
    N = f.shape[-1]
    if N & (N - 1) or N > _MAX_LENGTH or not f.flags.c_contiguous:
        return None
    n = N.bit_length() - 1
    check_size(plan_bytes(name, n, f.size >> n), max_bytes, what)
    table = f.view(np.uint8) if f.dtype == np.bool_ else f
    if table.max() > 1:
        return None
    return Backend(name), table.reshape(-1, N), n, f.ndim == 2


def load_host_table(f, max_bytes, plan_bytes, what, *, domain="01", max_n=None):
    """:func:`load_table` for a routine that runs on the host: a tensor is read into numpy first.
    Returns the C-contiguous uint8 table (B, 2**n) (``f`` itself when it already is one: never
    write to it), n and whether ``f`` was a batch; more than ``max_n`` variables are refused
    after the memory plan."""
    _, table, n, batched = load_table(to_numpy(f) if is_tensor(f) else f, "numpy", None, max_bytes, plan_bytes,
                                      what, domain=domain)
    if max_n is not None and n > max_n:
        raise ValueError(f"`f` must have n <= {max_n} for {what}; got n = {n}")
    return np.ascontiguousarray(table), n, batched


def deliver(result, template, batched, *, scalar=False):
    """Return ``result`` (numpy or tensor, leading batch axis) in the container of ``template``:
    numpy -> numpy, tensor -> tensor on its device; an unbatched scalar result is a Python number
    either way (one host synchronisation on a GPU)."""
    if not batched:
        result = result[0]
    if scalar and not batched:
        return result.item() if is_tensor(result) else np.asarray(result).item()
    if is_tensor(template):
        if is_tensor(result):
            return result.to(template.device)
        return namespace(template).asarray(np.asarray(result), device=template.device)
    return to_numpy(result)


#: Arrays with at most this many entries are shown by value in :func:`result_repr`.
REPR_ITEMS = 8


def _short(v):
    """One field for :func:`result_repr`: small arrays by value, larger ones by kind, dtype and shape."""
    shape = getattr(v, "shape", None)
    if shape is not None and hasattr(v, "dtype") and len(shape) > 0:
        kind = "tensor" if is_tensor(v) else "array"
        dtype = str(v.dtype).removeprefix("torch.")
        if int(np.prod(tuple(shape))) <= REPR_ITEMS:
            return f"{kind}({to_numpy(v).tolist()}, dtype={dtype})"
        return f"<{kind} {dtype} shape={tuple(shape)}>"
    if shape == () and hasattr(v, "item"):
        v = v.item()
    return repr(v)


def result_repr(obj):
    """A one-line repr of a result dataclass whose length does not grow with 2**n: scalars and
    arrays of at most :data:`REPR_ITEMS` entries by value, larger arrays by dtype and shape."""
    fields = ", ".join(f"{f.name}={_short(getattr(obj, f.name))}" for f in dataclasses.fields(obj) if f.repr)
    return f"{type(obj).__name__}({fields})"


#: numpydoc entries of the parameters that the routines on tables share (descriptions indented
#: by four spaces; :func:`table_doc` indents the whole block into the docstring).
TABLE_PARAMS = {
    "f": """f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i.""",
    "f_host": """f : array_like or torch.Tensor, shape (2**n,) or (B, 2**n)
    Truth table(s) in the declared ``domain``; index x = sum_i x_i 2**i. Tensors are read on
    the host; results are numpy.""",
    "domain": """domain : {"01", "pm1"}
    "01" (default): 0/1 integers or bools. "pm1": ±1 integers or floats, g = (-1)^f.""",
    "backend": """backend : {"auto", "numpy", "numba", "torch"}
    "auto": torch for tensors, else numba.""",
    "device": """device : torch device, optional
    Only with the torch backend.""",
    "max_bytes": """max_bytes : int, optional
    Refuse (before allocating) more working memory than this; default 8 GiB.""",
}


#: The Returns entry of a routine giving one integer per table.
INT_PER_TABLE = """int or ndarray
    A Python int for one table, int64 (B,) for a batch."""


def table_raises(type_extra="", value_extra=""):
    """The Raises entries of a routine on tables, with its own cases appended to each."""
    return (f"TypeError\n    For a dtype the domain does not allow{type_extra}.\n"
            f"ValueError\n    For a length that is not 2**n, values outside the declared domain{value_extra}, "
            "or a request above ``max_bytes``.")


def fill_params(fn, **entries):
    """Write the placeholders of ``fn``'s docstring, each alone on a line at the indent of a parameter:
    ``{table}`` (the entries ``f`` and ``domain`` of :data:`TABLE_PARAMS`), ``{options}`` (``backend``,
    ``device``, ``max_bytes``) and ``{key}`` for each of ``entries`` (e.g. ``raises``)."""
    groups = {"table": ("f", "domain"), "options": ("backend", "device", "max_bytes")}
    entries.update({key: "\n".join(TABLE_PARAMS[k] for k in keys) for key, keys in groups.items()})
    return fill_doc(entries)(fn)


def table_doc(*params, returns, raises):
    """Decorator writing the Parameters, Returns and Raises sections of a routine on tables in
    place of ``{sections}`` in its docstring. ``params``: keys of :data:`TABLE_PARAMS` or whole
    numpydoc entries (descriptions indented by four spaces); ``returns``, ``raises``: entries."""
    body = "\n".join(["Parameters", "----------", *(TABLE_PARAMS.get(p, p) for p in params), "",
                      "Returns", "-------", returns, "", "Raises", "------", raises])
    return fill_doc({"sections": body})
