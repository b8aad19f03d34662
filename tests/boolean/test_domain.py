"""The declared domain of a truth table: 0/1 (default) or ±1, never guessed from the values."""
import numpy as np
import pytest
import torch

import boolean as B
from tests.boolean.routines import ROUTINES



@pytest.mark.parametrize("name", sorted(ROUTINES))
def test_pm1_declared_equals_01(name, rng):
    f = rng.integers(0, 2, (3, 16)).astype(np.uint8)
    want = ROUTINES[name](f)
    g = 1 - 2 * f.astype(np.int64)
    for table in (g, g.astype(np.float64), g.astype(np.float32), torch.as_tensor(g.astype(np.float64))):
        got = ROUTINES[name](table, domain="pm1")
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))  # same integers, same arithmetic


def test_constant_plus_one_reads_as_f_zero():
    # the example: g = +1 everywhere is f = 0, so ĝ(∅) = +1 (no -1 present to "detect" ±1)
    c = B.fourier_coefficients(1 - 2 * np.zeros(8, int), domain="pm1")
    assert c[0] == 1.0 and not c[1:].any()
    # and a row reads the same whatever the rest of its batch holds
    batch = np.array([[1] * 4, [1, -1, 1, -1]])
    np.testing.assert_array_equal(B.fourier_coefficients(batch, domain="pm1")[0], [1, 0, 0, 0])


@pytest.mark.parametrize("name", sorted(ROUTINES))
@pytest.mark.parametrize("f, kw, exc, match", [
    (np.array([1, -1, 1, 1]), {}, ValueError, r'must hold values in \{0, 1\} \(domain="01"\) \(for a ±1'),
    (np.array([0, 1, 1, 0]), {"domain": "pm1"}, ValueError, r"must hold values in \{-1, \+1\}"),
    (np.array([1.0, -1.0, 0.5, 1.0]), {"domain": "pm1"}, ValueError, r"must hold values in \{-1, \+1\}"),
    (np.array([1.0, -1.0, np.nan, 1.0]), {"domain": "pm1"}, ValueError, "must be finite"),
    (np.array([True, False]), {"domain": "pm1"}, TypeError, r"must hold integers or floats \(±1\)"),
    (torch.tensor([1.0, -1.0, 0.0, 1.0]), {"domain": "pm1"}, ValueError, r"must hold values in \{-1, \+1\}"),
    (torch.tensor([1, -1]), {}, ValueError, r"must hold values in \{0, 1\}"),
    # tensors name the first NaN/inf as arrays do, before their dtype is refused
    (torch.tensor([1.0, -1.0, float("nan"), 1.0]), {"domain": "pm1"}, ValueError, r"must be finite; got NaN at \(2,\)"),
    (torch.tensor([0.0, float("inf")]), {}, ValueError, r"must be finite; got inf at \(1,\)"),
    (np.array([0, 1]), {"domain": "+-1"}, ValueError, "`domain` must be one of"),
    (np.array([0, 1]), {"domain": 1}, TypeError, "`domain` must be a string"),
])
def test_domain_mismatch_is_refused(name, f, kw, exc, match):
    with pytest.raises(exc, match=match):
        ROUTINES[name](f, **kw)
