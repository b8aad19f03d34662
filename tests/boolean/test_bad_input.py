"""Bad-input table: every public function of boolean refuses bad input with a clear message."""
import numpy as np
import pytest
import torch

import boolean as B
from tests.boolean.routines import DEVICE_ROUTINES
from tests.conftest import HAS_CUDA

GOOD = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=np.uint8)


TABLE_CASES = [
    # (id, f, kwargs, exception, match)
    ("wrong-length", np.zeros(6, np.uint8), {}, ValueError, r"`f` must have length 2\*\*n"),
    ("empty", np.zeros(0, np.uint8), {}, ValueError, "`f` must be non-empty"),
    ("3-d", np.zeros((2, 2, 4), np.uint8), {}, ValueError, r"`f` must have shape"),
    ("value-2", np.array([0, 1, 2, 0]), {}, ValueError, r"`f` must hold values in \{0, 1\}"),
    ("value-minus-2", np.array([0, -2, 1, 0]), {}, ValueError, r"`f` must hold values in \{0, 1\}"),
    ("mixed-pm1-0", np.array([1, -1, 0, 1]), {}, ValueError, r"`f` must hold values in \{0, 1\}"),
    ("float", np.array([0.0, 1.0]), {}, TypeError, "`f` must hold integers or bools"),
    ("nan", np.array([0.0, np.nan]), {}, ValueError, "`f` must be finite; got NaN"),
    ("string", np.array(["a", "b"]), {}, TypeError, "`f` must hold integers or bools"),
    ("float-tensor", torch.zeros(4), {}, TypeError, "`f` must hold integers or bools"),
    ("tensor-value-3", torch.tensor([0, 3]), {}, ValueError, r"`f` must hold values in \{0, 1\}"),
    ("too-large-for-memory", GOOD, {"max_bytes": 4}, ValueError, "max_bytes"),
    ("unknown-backend", GOOD, {"backend": "jax"}, ValueError, "`backend` must be one of"),
    ("backend-not-str", GOOD, {"backend": 3}, TypeError, "`backend` must be a string"),
    ("device-with-numpy", GOOD, {"backend": "numpy", "device": "cpu"}, ValueError, "`device` is only accepted"),
    ("bad-device", GOOD, {"backend": "torch", "device": "tpu9"}, ValueError, "`device` must be"),
]


@pytest.mark.parametrize("routine", sorted(DEVICE_ROUTINES))
@pytest.mark.parametrize("case", TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_table_routines_refuse_bad_input(routine, case):
    _, f, kw, exc, match = case
    with pytest.raises(exc, match=match):
        DEVICE_ROUTINES[routine](f, **kw)


@pytest.mark.skipif(HAS_CUDA, reason="checks the refusal of CUDA on a machine without it")
@pytest.mark.parametrize("routine", sorted(DEVICE_ROUTINES))
def test_cuda_refused_without_gpu(routine):
    with pytest.raises(ValueError, match="torch sees no CUDA device"):
        DEVICE_ROUTINES[routine](GOOD, backend="torch", device="cuda")
    with pytest.raises(ValueError, match="torch sees no CUDA device"):
        B.fwht(GOOD, backend="torch", device="cuda")


@pytest.mark.parametrize("routine,rho_name,bad", [
    ("noise_stability", "rho", 1.5), ("noise_stability", "rho", -1.01), ("noise_stability", "rho", float("nan")),
    ("noise_stability", "rho", [0.5, 2.0]), ("noise_sensitivity", "delta", -0.1),
    ("noise_sensitivity", "delta", 1.5), ("noise_operator", "rho", float("inf")), ("noise_operator", "rho", 2),
])
def test_rho_and_delta_out_of_range(routine, rho_name, bad):
    fn = getattr(B, routine)
    with pytest.raises(ValueError, match=f"`{rho_name}` must be a finite number in"):
        fn(GOOD, bad)


def _with(shape, entries):
    """float64 zeros of ``shape`` with ``entries`` {index: value} set."""
    a = np.zeros(shape)
    for pos, v in entries.items():
        a[pos] = v
    return a


@pytest.mark.parametrize("call,exc,match", [
    (lambda: B.noise_stability(GOOD, "0.5"), TypeError, "`rho` must be a real number"),
    (lambda: B.noise_stability(GOOD, True), TypeError, "`rho` must be a real number"),
    (lambda: B.noise_operator(GOOD, [0.1, 0.2]), TypeError, "`rho` must be a real number"),
    (lambda: B.spectral_summary(GOOD).noise_stability(3.0), ValueError, "`rho` must be a finite number"),
    (lambda: B.fourier_coefficients(GOOD, exact="yes"), TypeError, "`exact` must be a bool"),
    (lambda: B.spectral_summary(GOOD, coefficients=1), TypeError, "`coefficients` must be a bool"),
    (lambda: B.restrict(GOOD, [0]), TypeError, "`fixed` must be a dict"),
    (lambda: B.restrict(GOOD, {3: 1}), ValueError, r"`fixed` must have integer keys in \[0, 3\)"),
    (lambda: B.restrict(GOOD, {0: 2}), ValueError, "`fixed` must map each index to a bit"),
    (lambda: B.restrict(GOOD, {0.5: 1}), ValueError, "`fixed` must have integer keys"),
    (lambda: B.retained_information(GOOD, [3]), ValueError, r"`unknown` must hold indices in \[0, 3\)"),
    (lambda: B.retained_information(GOOD, [1, 1]), ValueError, "`unknown` must not repeat"),
    (lambda: B.retained_information(GOOD, "01"), TypeError, "`unknown` must be an iterable"),
    (lambda: B.retained_information(GOOD, 3), TypeError, "`unknown` must be an iterable"),
    (lambda: B.retained_information(GOOD, [0.5]), TypeError, "`unknown` must hold integer"),
    (lambda: B.retained_information_profile(GOOD, samples=1), ValueError, r"`samples` must be an integer in \[2"),
    (lambda: B.retained_information_profile(GOOD, samples=2.5), TypeError, "`samples` must be an integer"),
    (lambda: B.retained_information_profile(GOOD, seed="x"), TypeError, "`seed` must be an int"),
    # fwht: numeric input with its own rules
    (lambda: B.fwht(np.zeros(6)), ValueError, r"`a` must have length 2\*\*n"),
    (lambda: B.fwht(np.array([1.0, np.nan])), ValueError, "`a` must be finite; got NaN at"),
    (lambda: B.fwht(np.array([1.0, np.inf])), ValueError, "`a` must be finite; got inf at"),
    (lambda: B.fwht(torch.tensor([1.0, float("nan")])), ValueError, "`a` must be finite; got NaN"),
    # large float inputs take the copy-and-check kernel; the message still names the first bad entry
    (lambda: B.fwht(_with((2, 2**20), {(1, 2**19 + 3): np.nan, (1, 2**20 - 1): np.inf})), ValueError,
     r"`a` must be finite; got NaN at \(1, 524291\)"),
    (lambda: B.fwht(np.pad(np.array([np.inf], np.float32), (2**19 + 7, 2**19 - 8))), ValueError,
     r"`a` must be finite; got inf at \(524295,\)"),
    (lambda: B.fwht(np.zeros(4, np.complex128)), TypeError, "`a` must hold integers, bools, float32"),
    (lambda: B.fwht(np.zeros(4, np.float16)), TypeError, "`a` must hold integers, bools, float32"),
    (lambda: B.fwht(torch.zeros(4, dtype=torch.float16)), TypeError, "`a` must hold integers, bools, float32"),
    (lambda: B.fwht(np.array(["a", "b"])), TypeError, "`a` must hold integers"),
    (lambda: B.fwht(np.float64(3.0)), ValueError, "`a` must have at least one axis"),
    (lambda: B.fwht(np.zeros((2, 0))), ValueError, "`a` must be non-empty"),
    (lambda: B.fwht(np.array([2**62, 1])), ValueError, r"max\|a\| \* 2\*\*n <= 2\*\*63 - 1"),
    (lambda: B.fwht(np.zeros(1024), max_bytes=1024), ValueError, "fwht needs 8.0 KiB > max_bytes"),
    # the working memory, not only the output, counts: numpy 2.5 copies, torch 3 (8 KiB of output fits 16 KiB)
    (lambda: B.fwht(np.zeros(1024), backend="numpy", max_bytes=16384), ValueError, "fwht needs 32.0 KiB"),
    (lambda: B.fwht(np.zeros(1024), backend="torch", max_bytes=16384), ValueError, "fwht needs 32.0 KiB"),
    (lambda: B.fwht(np.zeros(4), max_bytes=float("nan")), ValueError, "`max_bytes` must be > 0"),  # NaN let all through
    (lambda: B.fwht(np.zeros(4), max_bytes=0), ValueError, "`max_bytes` must be > 0"),
    (lambda: B.fwht(np.zeros(4), out=np.zeros(8)), ValueError, r"`out` must be a writeable C-contiguous float64"),
    (lambda: B.fwht(np.zeros(4), out=np.zeros(4, np.float32)), ValueError, "`out` must be a writeable C-contiguous"),
    (lambda: B.fwht(np.zeros(4), out=np.zeros(8)[::2]), ValueError, "`out` must be a writeable C-contiguous"),
    (lambda: B.fwht(np.zeros(4), out=[0.0] * 4), ValueError, "`out` must be a writeable C-contiguous"),
    (lambda: B.fwht(torch.zeros(4), out=np.zeros(4, np.float32)), ValueError, "`out` must be a torch.float32 tensor"),
    (lambda: (lambda z: B.fwht(z[:4], out=z[2:]))(np.zeros(6)), ValueError, "`out` must be `a` itself or not overlap"),
    (lambda: B.fwht(np.zeros(4), max_bytes="1 GiB"), TypeError, "`max_bytes` must be a number of bytes or None"),
    (lambda: B.fwht(np.zeros(4), max_bytes=True), TypeError, "`max_bytes` must be a number of bytes or None"),
    (lambda: B.fwht(np.zeros(4), backend="cuda"), ValueError, "`backend` must be one of"),
    # families
    (lambda: B.parity(-1), ValueError, r"`n` must be an integer in \[0, 30\]"),
    (lambda: B.parity(31), ValueError, r"`n` must be an integer in \[0, 30\]"),
    (lambda: B.parity(3.0), TypeError, "`n` must be an integer"),
    (lambda: B.parity(30, max_bytes=2**20), ValueError, "needs 1.0 GiB > max_bytes"),
    (lambda: B.dictator(3, 3), ValueError, r"`i` must be an integer in \[0, 2\]"),
    (lambda: B.dictator(0), ValueError, r"`n` must be an integer in \[1, 30\]"),
    (lambda: B.and_(True), TypeError, "`n` must be an integer"),
    (lambda: B.or_(40), ValueError, r"`n` must be an integer in \[0, 30\]"),
    (lambda: B.majority(4), ValueError, "`n` must be odd"),
    (lambda: B.majority(0), ValueError, r"`n` must be an integer in \[1, 30\]"),
    (lambda: B.threshold([], 1), ValueError, "`weights` must be a non-empty 1-D array"),
    (lambda: B.threshold([[1, 2]], 1), ValueError, "`weights` must be a non-empty 1-D array"),
    (lambda: B.threshold([1, np.nan], 1), ValueError, "`weights` must be finite"),
    (lambda: B.threshold(["a"], 1), TypeError, "`weights` must be a 1-D array of reals"),
    (lambda: B.threshold([1] * 31, 1), ValueError, "`weights` must have length n <= 30"),
    (lambda: B.threshold([1, 1], float("nan")), ValueError, "`theta` must be a finite number"),
    (lambda: B.threshold([1, 1], "1"), TypeError, "`theta` must be a real number"),
    (lambda: B.threshold([1, 1], 10**400), ValueError, "`theta` must be a finite number"),  # beyond float
    (lambda: B.tribes(0, 2), ValueError, r"`w` must be an integer in \[1, 30\]"),
    (lambda: B.tribes(2, 0), ValueError, r"`s` must be an integer in \[1, 30\]"),
    (lambda: B.tribes(4, 8), ValueError, r"`w \* s` must be <= 30"),
    (lambda: B.random_function(3, seed="a"), TypeError, "`seed` must be an int"),
    (lambda: B.random_function(3, seed=True), TypeError, "`seed` must be an int"),
    (lambda: B.retained_information_profile(GOOD, seed=np.bool_(False)), TypeError, "`seed` must be an int"),
    (lambda: B.threshold([[1], [1, 2]], 1), TypeError, "`weights` must be array-like; got list"),
    # finite input whose transform could overflow (max|a| 2**n > finfo.max) is refused, not
    # answered with inf/nan where the exact transform has zeros; every path, in place included
    (lambda: B.fwht(np.full(8, 1e308)), ValueError,
     r"`a` must have max\|a\| \* 2\*\*n <= 1.79769e\+308 .* float64 .*; got max\|a\| = 1e\+308 with n = 3"),
    (lambda: (lambda x: B.fwht(x, out=x))(np.full(8, -1e308)), ValueError, r"got max\|a\| = 1e\+308 with n = 3"),
    (lambda: B.fwht(np.full((2, 8), 1e38, np.float32)), ValueError, r"<= 3.40282e\+38 .* float32 .* = 1e\+38"),
    (lambda: B.fwht(np.full(8, 1e308), backend="numpy"), ValueError, r"float64 transform cannot overflow"),
    (lambda: B.fwht(np.full(8, 1e308)[::-1]), ValueError, r"float64 transform cannot overflow"),
    (lambda: B.fwht(torch.full((8,), 1e38)), ValueError, r"float32 transform cannot overflow; got max"),
    (lambda: B.fwht(torch.full((2**20,), 2.0**1005, dtype=torch.float64)), ValueError, r"with n = 20"),
    (lambda: (lambda x: B.fwht(x, out=x))(np.array([1.0, np.nan])), ValueError,
     "`a` must be finite; got NaN or inf .*in place"),
    (lambda: B.threshold([1, 1, np.inf], 1), ValueError, r"`weights` must be finite; got inf at \(2,\)"),
    (lambda: B.fwht([[1], [1, 2]]), TypeError, "`a` must be array-like; got list"),
    (lambda: B.influences([[0], [0, 1]]), TypeError, "`f` must be array-like; got list"),
    (lambda: B.random_function(3, seed=1, batch=0), ValueError, r"`batch` must be an integer in \[1"),
    (lambda: B.random_function(20, seed=1, batch=8, max_bytes=2**20), ValueError, "max_bytes"),
])
def test_other_parameters(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_size_refused_before_allocating(monkeypatch):
    # n = 30 would need 9 GiB of working memory (numba: the table and its float64 transform); it must
    # be refused from the shape alone
    import boolean._tables as fourier

    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(2**30,), strides=(0,))
    monkeypatch.setattr(fourier, "as_truth_table", lambda *a, **k: pytest.fail("validated before the size check"))
    with pytest.raises(ValueError, match="fourier_coefficients needs 9.0 GiB > max_bytes=8.0 GiB"):
        B.fourier_coefficients(big)


@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i4", ">i8", "<f8"])
def test_fwht_reads_either_byte_order(dtype):
    x = np.arange(16).astype(dtype)
    native = np.arange(16).astype(np.dtype(dtype).newbyteorder("="))
    y = B.fwht(x)
    assert y.dtype.isnative and np.array_equal(y, B.fwht(native))
    assert np.array_equal(x, np.arange(16))             # the input is not touched


def test_check_choice_names_the_parameter_and_the_choices():
    from boolean._lib.validate import check_choice

    assert check_choice("b", "opt", ("a", "b")) == "b"
    for bad in ("c", None, 1, ["a"], b"a"):  # unknown string, not a string at all
        with pytest.raises(ValueError, match=r"`opt` must be one of \('a', 'b'\); got "):
            check_choice(bad, "opt", ("a", "b"))
