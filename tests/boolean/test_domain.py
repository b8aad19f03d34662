"""The declared domain of a truth table: 0/1 (default) or ±1, never guessed from the values."""
import numpy as np
import pytest
import torch

import boolean as B

#: every public boolean routine on truth tables, called with only the table and its domain
ROUTINES = {
    "fourier_coefficients": lambda f, **kw: B.fourier_coefficients(f, **kw),
    "influences": lambda f, **kw: B.influences(f, **kw),
    "total_influence": lambda f, **kw: B.total_influence(f, **kw),
    "spectral_weights": lambda f, **kw: B.spectral_weights(f, **kw),
    "degree": lambda f, **kw: B.degree(f, **kw),
    "noise_stability": lambda f, **kw: B.noise_stability(f, 0.3, **kw),
    "noise_sensitivity": lambda f, **kw: B.noise_sensitivity(f, 0.1, **kw),
    "noise_operator": lambda f, **kw: B.noise_operator(f, 0.5, **kw),
    "spectral_summary": lambda f, **kw: B.spectral_summary(f, **kw).weights,
    "restrict": lambda f, **kw: B.restrict(f, {0: 1}, **kw),
    "retained_information": lambda f, **kw: B.retained_information(f, [0], **kw),
    "retained_information_profile": lambda f, **kw: B.retained_information_profile(f, **kw).exact,
    "sensitivity": lambda f, **kw: B.sensitivity(f, per_input=True, **kw),
    "block_sensitivity": lambda f, **kw: B.block_sensitivity(f, per_input=True, **kw),
    "certificate_complexity": lambda f, **kw: B.certificate_complexity(f, per_input=True, **kw),
    "decision_tree_depth": lambda f, **kw: B.decision_tree_depth(f, **kw),
    "anf": lambda f, **kw: B.anf(f, **kw),
    "f2_degree": lambda f, **kw: B.f2_degree(f, **kw),
    "fourier_sparsity": lambda f, **kw: B.fourier_sparsity(f, **kw),
    "nonlinearity": lambda f, **kw: B.nonlinearity(f, **kw),
    "is_bent": lambda f, **kw: B.is_bent(f, **kw),
    "pbiased_fourier_coefficients": lambda f, **kw: B.pbiased_fourier_coefficients(f, 0.3, **kw),
    "pbiased_influences": lambda f, **kw: B.pbiased_influences(f, 0.3, **kw),
    "influences_p": lambda f, **kw: B.influences(f, p=0.3, **kw),
    "nearest_junta": lambda f, **kw: B.nearest_junta(f, 2, **kw).junta,
}


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
    (np.array([0, 1]), {"domain": "+-1"}, ValueError, "`domain` must be one of"),
    (np.array([0, 1]), {"domain": 1}, TypeError, "`domain` must be a string"),
])
def test_domain_mismatch_is_refused(name, f, kw, exc, match):
    with pytest.raises(exc, match=match):
        ROUTINES[name](f, **kw)
