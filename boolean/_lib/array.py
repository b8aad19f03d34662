"""The array layer: every algorithm that runs on numpy and torch is written once against ``xp``.

``xp = namespace(*arrays)`` is the array-API namespace of the inputs (``array_api_compat``:
numpy arrays give its numpy wrapper, whose results are plain ``ndarray``; torch tensors give its
torch wrapper, whose results stay on the tensors' device). This module adds the few operations
the array API standard lacks (``xlogy``, ``logsumexp``, row neg-entropies, ``put_along_axis``) and the conversions at
the edges (``to_numpy``, ``asarray_like``). numba kernels are the one specialised CPU path; they
sit behind the same public functions and are chosen by :mod:`boolean._lib.backend`.

Conventions fixed here, once: ``0 log 0 = 0`` (``xlogy(0, y) = 0`` for every ``y >= 0``), natural
logarithms, reductions along the last axis unless an ``axis`` is given.
"""
from __future__ import annotations

import array_api_compat
import numpy as np

from .backend import is_tensor, to_numpy  # to_numpy re-exported: the one conversion at the edges

__all__ = ["namespace", "is_torch", "device_of", "to_numpy", "asarray_like", "like_input", "xlogy", "logsumexp",
           "neg_entropy_rows", "put_along_axis"]


def namespace(*arrays):
    """The array namespace of ``arrays`` (numpy when none is a tensor; mixed inputs are refused
    by ``array_api_compat`` with a TypeError). Python scalars and None are ignored."""
    arrays = [a for a in arrays if a is not None and not isinstance(a, (int, float, bool))]
    if not arrays:
        return array_api_compat.numpy
    return array_api_compat.array_namespace(*arrays)


#: True when a namespace is the torch namespace.
is_torch = array_api_compat.is_torch_namespace
#: The device of an array (``"cpu"`` for numpy).
device_of = array_api_compat.device


def asarray_like(xp, a, like, dtype=None):
    """``a`` as an array of namespace ``xp`` on the device of ``like`` (dtype of ``like`` unless
    ``dtype`` is given)."""
    return xp.asarray(a, dtype=like.dtype if dtype is None else dtype, device=device_of(like))


def like_input(a, like, *, keep_dtype=False):
    """``a`` (numpy or tensor) in the kind of the caller's input ``like``: output follows input.

    numpy when ``like`` is not a tensor; otherwise a tensor on ``like``'s device, a floating ``a``
    in ``like``'s floating dtype (kept as it is with ``keep_dtype``, e.g. for certified bounds,
    which rounding to float32 could break, or when ``like`` is not floating), other dtypes kept.
    """
    if not is_tensor(like):
        return to_numpy(a)
    import torch

    t = a if is_tensor(a) else torch.as_tensor(np.ascontiguousarray(a))
    if t.is_floating_point() and like.is_floating_point() and not keep_dtype:
        return t.to(device=like.device, dtype=like.dtype)
    return t.to(device=like.device)


def xlogy(xp, x, y):
    r""":math:`x \ln y` elementwise, with :math:`0 \ln y = 0` for every :math:`y \ge 0` (so
    :math:`0 \ln 0 = 0`); ``x > 0, y = 0`` gives :math:`-\infty`."""
    if is_torch(xp):
        import torch

        return torch.xlogy(x, y)
    from scipy.special import xlogy as _xlogy

    return _xlogy(x, y)


def logsumexp(xp, a, axis=-1, keepdims=False):
    r""":math:`\ln \sum_i e^{a_i}` along ``axis``, stable (the maximum is taken out first);
    a slice of all :math:`-\infty` gives :math:`-\infty`."""
    m = xp.max(a, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    out = xp.log(xp.sum(xp.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def neg_entropy_rows(xp, W):
    r"""Row neg-entropies :math:`\sum_y W_{xy} \ln W_{xy}` (nats, :math:`0 \ln 0 = 0`), along the
    last axis."""
    return xp.sum(xlogy(xp, W, W), axis=-1)


def put_along_axis(xp, out, idx, values, axis=-1):
    """``out`` with ``values`` written at the positions ``idx`` along ``axis`` (the inverse of
    ``xp.take_along_axis``; ``idx`` and ``values`` have the same shape). Returns the result,
    which may be ``out`` itself, updated in place."""
    if is_torch(xp):
        return out.scatter(axis, idx, values)
    np.put_along_axis(out, idx, values, axis=axis)
    return out
