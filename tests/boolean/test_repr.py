"""Result reprs stay one short line whatever n is (issue 16): arrays above a few entries are
shown by dtype and shape, small ones and scalars by value."""
import dataclasses

import numpy as np
import pytest

import boolean as B
from boolean._tables import REPR_ITEMS, result_repr

RESULTS = {
    "SpectralSummary": lambda f: B.spectral_summary(f),
    "NearestJunta": lambda f: B.nearest_junta(f, 2),
    "RetainedInformationProfile": lambda f: B.retained_information_profile(f),
}


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_repr_is_short_and_names_every_field(name, rng):
    small = RESULTS[name](rng.integers(0, 2, 1 << 3))
    big = RESULTS[name](rng.integers(0, 2, 1 << 14))
    for r in (small, big):
        text = repr(r)
        assert "\n" not in text and text.startswith(name + "(")
        assert all(f"{f.name}=" in text for f in dataclasses.fields(r))
    # bounded: the n = 14 result's repr is no longer than the n = 3 one's by more than the digits of
    # its scalars (the dataclass repr printed all 2**14 coefficients or junta entries)
    assert len(repr(big)) < 400


def test_small_arrays_by_value_large_by_shape():
    s = B.spectral_summary(B.majority(3))
    text = repr(s)
    assert "weights=array([0.0, 0.75, 0.0, 0.25], dtype=float64)" in text  # 4 <= REPR_ITEMS entries
    assert "coefficients=array([0.0, 0.5, 0.5, 0.0, 0.5, 0.0, 0.0, -0.5], dtype=float64)" in text  # 8 entries
    big = repr(B.spectral_summary(B.majority(5)))
    assert "coefficients=<array float64 shape=(32,)>" in big and "degree=5" in big
    assert REPR_ITEMS == 8


def test_tensor_fields_are_named_tensors():
    torch = pytest.importorskip("torch")
    text = repr(B.spectral_summary(torch.from_numpy(B.majority(5))))
    assert "coefficients=<tensor float64 shape=(32,)>" in text and "total_influence=1.875" in text


def test_result_repr_on_any_dataclass():
    @dataclasses.dataclass
    class R:
        a: object
        b: object = dataclasses.field(repr=False, default=0)

    assert result_repr(R(np.float64(0.5))) == "R(a=0.5)"  # 0-d arrays and numpy scalars by value
    assert result_repr(R(np.zeros((3, 3)))) == "R(a=<array float64 shape=(3, 3)>)"
