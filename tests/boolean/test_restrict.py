"""restrict against brute force, on every backend; restriction commutes with evaluation."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from boolean import majority, random_function, restrict

from . import reference as ref


@pytest.mark.parametrize("n,fixed", [(1, {0: 1}), (3, {}), (4, {1: 0, 3: 1}), (6, {0: 1, 5: 0, 2: 1}),
                                     (10, {9: 1, 0: 0, 4: 1, 7: 0}), (5, {0: 1, 1: 1, 2: 0, 3: 1, 4: 0})])
def test_restrict_vs_reference(backend, seed, n, fixed):
    name, device = backend
    f = random_function(n, seed=seed)
    got = restrict(f, fixed, backend=name, device=device)
    assert got.dtype == np.uint8 and got.shape == (2 ** (n - len(fixed)),)
    np.testing.assert_array_equal(got, ref.restrict(f, fixed))


def test_restrict_batch_tensor_and_no_aliasing(backend, rng):
    name, device = backend
    f = rng.integers(0, 2, (3, 32)).astype(np.uint8)
    fixed = {2: 1, 4: 0}
    want = np.stack([ref.restrict(r, fixed) for r in f])
    np.testing.assert_array_equal(restrict(f, fixed, backend=name, device=device), want)
    t = torch.as_tensor(f, device=device or "cpu")
    out = restrict(t, fixed, backend=name, device=device)
    assert isinstance(out, torch.Tensor) and out.device == t.device
    np.testing.assert_array_equal(out.cpu().numpy(), want)
    same = restrict(f, {}, backend=name, device=device)
    same[0, 0] ^= 1  # an empty restriction is a copy, never the caller's array
    assert f[0, 0] != same[0, 0]


def test_restrict_majority_is_threshold():
    # Maj_5 with x0 = 1, x1 = 1 fixed: at least one more 1 among 3 bits = OR_3
    np.testing.assert_array_equal(restrict(majority(5), {0: 1, 1: 1}), [0, 1, 1, 1, 1, 1, 1, 1])


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(arrays(np.uint8, 2**n, elements=st.integers(0, 1)),
                                                      st.integers(0, 2**n - 1), st.integers(0, 2**n - 1))))
def test_restriction_commutes_with_evaluation(case):
    f, x, fixmask = case
    n = len(f).bit_length() - 1
    fixed = {i: (x >> i) & 1 for i in range(n) if (fixmask >> i) & 1}
    free = [i for i in range(n) if i not in fixed]
    y = sum(((x >> i) & 1) << k for k, i in enumerate(free))
    for name in ("numpy", "numba", "torch"):
        assert restrict(f, fixed, backend=name)[y] == f[x]  # f|_{J<-x_J}(x_free) = f(x)
