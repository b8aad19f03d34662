"""Re-checking stored certificates: float64 and ball arithmetic on exact channel entries."""
import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from capacity.atlas import AtlasRecord, verify_record
from capacity import blahut_arimoto
from capacity.atlas._verify import _arb_level_bounds, _bonus_bounds, exact_symbol_probabilities
from capacity.insensitive import channel_matrix, insensitive_capacity
from capacity.insensitive.levels import level_channel

ROUTINE = "capacity.insensitive.insensitive_capacity"


def _record(n, s, m, **kw):
    r = insensitive_capacity(n, s, m, **kw)
    return AtlasRecord(f"k{n}{s}{m}", ROUTINE, {"n": n, "s": s, "m": m, **kw}, "done", value=r.capacity,
                       lower=r.lower, upper=r.upper, gap=r.gap, law=r.class_mass)


@pytest.mark.parametrize("nsm", [(2, 1, 1), (2, 1, 2), (2, 1, 3), (3, 1, 2), (3, 2, 2)])
@pytest.mark.parametrize("rigorous", [False, True])
def test_stored_bounds_of_the_solver_verify(nsm, rigorous):
    rec = _record(*nsm)
    v = verify_record(rec, rigorous=rigorous)
    assert v.holds, v
    # the re-evaluation brackets the solver's bracket within the stated slack (1e-10 bits)
    assert v.lower >= rec.lower - 1e-10 and v.upper <= rec.upper + 1e-10
    assert v.lower <= v.upper


def test_rigorous_bracket_contains_the_worked_value_and_is_tight():
    # docs/problem.rst: C(2, 1, 2) = 1.299642 (6 decimals); tol 1e-9 makes the proven bracket narrow
    v = verify_record(_record(2, 1, 2), rigorous=True)
    assert v.method == "arb"
    assert v.lower <= 1.2996425 and v.upper >= 1.2996424      # the worked value, to its 6 decimals
    assert v.upper - v.lower <= 1e-9 + 1e-12                  # tol plus outward rounding


def test_one_sample_gives_exactly_one_bit_proved():
    # C(n, s, 1) = 1 exactly (docs/problem.rst): the proven bracket must contain 1
    v = verify_record(_record(3, 1, 1), rigorous=True)
    assert v.lower <= 1.0 <= v.upper and v.upper - v.lower <= 1e-9 + 1e-12


def test_widening_makes_the_stored_bracket_a_proof():
    # C(2, 1, 1) = 1 exactly: the proved bracket contains 1, so a stored bracket widened by
    # `widening` does too, whatever side the solver's float bounds rounded to
    rec = _record(2, 1, 1)
    v = verify_record(rec, rigorous=True)
    w = v.widening
    assert v.holds and 0.0 <= w <= 1e-10
    assert rec.lower - w <= v.lower and v.upper <= rec.upper + w
    assert w >= max(0.0, 1.0 - rec.upper, rec.lower - 1.0)
    assert v.stored_proved == (w == 0.0)
    # a bracket stored 1e-12 outside the proved one needs no widening; 1e-13 inside needs 1e-13
    wide = verify_record(dataclasses.replace(rec, lower=v.lower - 1e-12, upper=v.upper + 1e-12), rigorous=True)
    assert wide.stored_proved and wide.widening == 0.0
    for side in ({"upper": v.upper - 1e-13}, {"lower": v.lower + 1e-13}):
        tight = verify_record(dataclasses.replace(rec, **side), rigorous=True)
        assert tight.holds and not tight.stored_proved and tight.widening == pytest.approx(1e-13, rel=0.01, abs=0.0)


def test_widening_is_nan_without_a_proof():
    rec = _record(2, 1, 2)
    assert math.isnan(verify_record(rec).widening) and not verify_record(rec).stored_proved
    bad = verify_record(dataclasses.replace(rec, upper=rec.upper - 1e-6), rigorous=True)
    assert not bad.holds and math.isnan(bad.widening) and not bad.stored_proved


def test_cli_says_whether_each_stored_bracket_is_proved(tmp_path, capsys):
    from capacity.atlas import open_atlas
    from capacity.atlas.cli import main

    rec = _record(2, 1, 2)
    v = verify_record(rec, rigorous=True)
    db = str(tmp_path / "a.sqlite")
    with open_atlas(db) as atlas:
        atlas.store_many([dataclasses.replace(rec, key="wide", lower=v.lower - 1e-12, upper=v.upper + 1e-12),
                          dataclasses.replace(rec, key="tight", upper=v.upper - 1e-13)])
    assert main(["verify", "--all", "--rigorous", "--db", db]) == 0
    out, err = capsys.readouterr()
    lines = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert lines["wide"].endswith("the stored bracket is proved")
    assert "the stored bracket is proved once widened by 1.0e-13 on each side" in lines["tight"]
    assert "2 of 2 verified; 1 stored brackets proved as stored" in err
    assert main(["verify", "--all", "--db", db]) == 0          # float: no claim of proof either way
    out, err = capsys.readouterr()
    assert "proved" not in out and "proved" not in err


def test_biased_bits_use_exact_rational_entries():
    v = verify_record(_record(2, 1, 2, p_bias=0.25), rigorous=True)
    assert v.holds and "exact entries" in v.detail


def test_a_stored_bound_that_is_too_tight_fails():
    rec = _record(2, 1, 2)
    for bad in (dataclasses.replace(rec, lower=rec.lower + 1e-6), dataclasses.replace(rec, upper=rec.upper - 1e-6)):
        for rigorous in (False, True):
            assert not verify_record(bad, rigorous=rigorous).holds


def test_a_law_off_its_optimum_still_gives_valid_but_wider_bounds():
    rec = _record(2, 1, 2)
    uniform = np.full(rec.law.size, 1.0 / rec.law.size)
    v = verify_record(dataclasses.replace(rec, law=uniform), rigorous=True)
    assert not v.holds                              # the stored bracket is not that law's bracket
    assert v.lower <= rec.lower and v.upper >= rec.upper   # but it is a valid, wider one


@pytest.mark.parametrize("change, why", [
    ({"law": None}, "no law stored"),
    ({"law": np.array([0.5, 0.5])}, "law has 2 entries"),
    ({"status": "failed"}, "status is 'failed'"),
    ({"routine": "capacity.atlas.probe"}, "no channel to rebuild"),
    ({"law": np.full((1, 15), 1 / 15)}, "law must be one-dimensional; it has shape (1, 15)"),
    ({"law": ["a"] * 15}, "law is not an array of numbers"),
    ({"law": np.r_[np.nan, np.full(14, 1 / 14)]}, "negative or non-finite"),
    ({"law": np.r_[-0.5, np.full(14, 1.5 / 14)]}, "negative or non-finite"),
    ({"args": {"n": 2, "s": 1}}, "the stored arguments lack ['m']"),
    ({"args": {"m": 1}}, "the stored arguments lack ['n', 's']"),
])
@pytest.mark.parametrize("rigorous", [False, True])
def test_records_that_cannot_be_checked_say_why(change, why, rigorous):
    v = verify_record(dataclasses.replace(_record(2, 1, 1), **change), rigorous=rigorous)
    assert not v.holds and why in v.detail and math.isnan(v.lower) and math.isnan(v.upper)


def test_stored_arguments_the_routine_refuses_raise_its_message():
    rec = _record(2, 1, 1)
    with pytest.raises(ValueError, match="`m` must be an integer in"):
        verify_record(dataclasses.replace(rec, args={"n": 2, "s": 1, "m": -1}))
    with pytest.raises(ValueError, match="`visible` must be one of"):
        verify_record(dataclasses.replace(rec, args={"n": 2, "s": 1, "m": 1, "visible": "bogus"}))


def test_law_not_summing_to_one_is_not_verified():
    rec = _record(2, 1, 1)
    v = verify_record(dataclasses.replace(rec, law=rec.law * 1.001))
    assert not v.holds and "law sums to 1.001" in v.detail          # the plain float, not its numpy repr


def test_bad_input():
    with pytest.raises(TypeError, match="`record` must be an AtlasRecord"):
        verify_record({"key": 1})
    with pytest.raises(TypeError, match="`rigorous` must be a bool"):
        verify_record(_record(2, 1, 1), rigorous=1)
    assert verify_record(_record(2, 1, 1), rigorous=np.True_).method == "arb"      # a numpy bool is a bool


# ----------------------------------------------------------------------------- exact entries vs brute force

def _brute_force_channel(n, s, m, tables):
    """W[f, sequence] from the definition: each sample draws S (uniform s-subset), x uniform, shows
    (S, x_S, f(x)); the m-sample law is the product. Exact Fractions; columns = raw sequences."""
    symbols = {}
    subsets = list(itertools.combinations(range(n), s))
    rows = []
    for f in tables:
        law = {}
        for S in subsets:
            for x in range(2 ** n):
                a = sum(((x >> i) & 1) << j for j, i in enumerate(S))
                sym = (S, a, int(f[x]))
                law[sym] = law.get(sym, Fraction(0)) + Fraction(1, len(subsets) * 2 ** n)
        rows.append(law)
        symbols.update(dict.fromkeys(law))
    symbols = sorted(symbols)
    out = []
    for law in rows:
        out.append({seq: math.prod(law.get(y, Fraction(0)) for y in seq)
                    for seq in itertools.product(symbols, repeat=m)})
    return out


def _mi_bits(p, rows):
    cols = rows[0].keys()
    q = {c: sum(pf * r[c] for pf, r in zip(p, rows)) for c in cols}
    return sum(float(pf) * sum(float(r[c]) * math.log2(float(r[c] / q[c])) for c in cols if r[c] > 0)
               for pf, r in zip(p, rows) if pf > 0)


def test_exact_symbol_probabilities_match_the_definition():
    n, s = 2, 1
    ch = channel_matrix(n, s, 1)
    rows, why = exact_symbol_probabilities(ch)
    assert why == ""
    for f, r in zip(ch.representatives, rows):
        for c, (S, a) in enumerate(ch.cells):
            xs = [x for x in range(2 ** n) if all(((x >> i) & 1) == ((a >> j) & 1) for j, i in enumerate(S))]
            q = Fraction(sum(int(f[x]) for x in xs), len(xs))
            pi = Fraction(1, math.comb(n, s) * 2 ** s)
            assert (r[2 * c], r[2 * c + 1]) == (pi * (1 - q), pi * q)       # exact equality of rationals


def test_verified_lower_bound_equals_mutual_information_over_raw_sequences():
    # the type is a sufficient statistic: I(p; W) on types = I(p; raw sequences of m samples)
    n, s, m = 2, 1, 2
    rec = _record(n, s, m)
    ch = channel_matrix(n, s, m)
    brute = _brute_force_channel(n, s, m, ch.representatives)
    p = [Fraction(float(x)) for x in rec.law]
    p = [x / sum(p) for x in p]
    v = verify_record(rec, rigorous=True)
    # float evaluation of a sum of 64 terms of size <= 2 bits: rounding well below 1e-12
    assert abs(_mi_bits(p, brute) - v.lower) <= 1e-12


# ----------------------------------------------------------------------------- the weight-level route

def _level_law(lc):
    keep = lc.V.max(axis=0) > 0
    return blahut_arimoto(np.ascontiguousarray(lc.V[:, keep]), bonus=lc.bonus / math.log(2), tol=1e-10).p


@pytest.mark.parametrize("nsm", [(3, 1, 2), (3, 2, 3), (4, 2, 3), (4, 3, 2)])
def test_level_bounds_bracket_the_class_route(nsm):
    """The level channel's bracket at its solved law, in float64 and in ball arithmetic on exact
    entries, overlaps the class route's certified bracket (an independent channel); the proven one
    contains the float one up to float rounding (1e-12 bits on sums of <= 145 x 65 terms)."""
    lc = level_channel(*nsm)
    law = _level_law(lc)
    ref = insensitive_capacity(*nsm)
    lo, up = _bonus_bounds(law, lc.V, lc.bonus)
    alo, aup, detail = _arb_level_bounds(law, *nsm, lc)
    assert "exact entries and bonus" in detail
    for a, b in ((lo, up), (alo, aup)):
        assert a <= ref.upper + 1e-12 and ref.lower <= b + 1e-12 and a <= b
    assert abs(alo - lo) <= 1e-12 and abs(aup - up) <= 1e-12


def test_level_bounds_refuse_a_row_whose_function_has_other_levels():
    lc = level_channel(3, 2, 2)
    functions = np.array(lc.functions)
    functions[0], functions[-1] = functions[-1], functions[0]
    bad = dataclasses.replace(lc, functions=functions)
    lo, up, detail = _arb_level_bounds(_level_law(lc), 3, 2, 2, bad)
    assert lo is None and "not verified" in detail


def test_level_route_record_without_law_says_why():
    rec = AtlasRecord("k", ROUTINE, {"n": 5, "s": 2, "m": 2}, "done", value=1.2, lower=1.2, upper=1.2, gap=0.0)
    v = verify_record(rec)
    assert not v.holds and "weight-level route" in v.detail


@pytest.mark.slow   # the n = 5 covering-set scan (222 * 65 536 functions), twice: about 1-3 minutes
@pytest.mark.parametrize("rigorous", [False, True])
def test_level_route_record_verifies(rigorous):
    r = insensitive_capacity(5, 2, 2)
    rec = AtlasRecord("k", ROUTINE, {"n": 5, "s": 2, "m": 2}, "done", value=r.capacity, lower=r.lower, upper=r.upper,
                      gap=r.gap, law=np.asarray(r.result.p))
    v = verify_record(rec, rigorous=rigorous)
    assert v.holds, v
    assert v.method == ("arb" if rigorous else "float") and "weight-level channel" in v.detail


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 22])
def test_float_bounds_match_the_dense_formula_rounded_outward(block, monkeypatch):
    # D(V_r || pV) + b_r, whatever the block of the outward evaluation: zeros in V, an output no row
    # of positive mass reaches (q = 0) and a zero-mass row that reaches it (its D is +inf, which makes
    # the upper bound +inf and leaves the lower one finite); the bounds lie outside the dense float
    # values by at most their rounding bound
    import capacity._rounding as rounding
    import capacity.atlas._verify as verify_module
    from capacity.insensitive import channel_matrix

    monkeypatch.setattr(rounding, "BLOCK", block)
    monkeypatch.setattr(rounding.outward_certificate, "__kwdefaults__",
                        {**rounding.outward_certificate.__kwdefaults__, "block": block})
    rng = np.random.default_rng(3)
    V = rng.random((9, 13)) * (rng.random((9, 13)) > 0.3)
    V[:, 5] = 0.0
    V[4, 5] = 1.0
    V /= V.sum(axis=1, keepdims=True)
    bonus = rng.random(9)
    p = rng.random(9)
    p[4] = 0.0
    p /= p.sum()
    q = p @ V
    with np.errstate(divide="ignore", invalid="ignore"):
        dense = np.where(V > 0, V * np.log(V / q), 0.0).sum(axis=1) + bonus
    dense[4] = np.inf
    lo, up = verify_module._bonus_bounds(p, V, bonus)
    ref = p @ np.where(np.isinf(dense), 0.0, dense) / math.log(2)
    assert up == np.inf and lo <= ref + 1e-15 and ref - lo <= 1e-13
    ch = channel_matrix(2, 1, 2)
    p2 = rng.dirichlet(np.ones(ch.W.shape[0]))
    lo2, up2 = verify_module._float_bounds(p2, ch)
    q2 = p2 @ ch.W
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.where(ch.W > 0, ch.W * np.log2(ch.W / q2), 0.0).sum(axis=1)
    assert lo2 <= p2 @ d2 + 1e-15 and p2 @ d2 - lo2 <= 1e-13
    assert up2 >= d2.max() - 1e-15 and up2 - d2.max() <= 1e-13


def test_cli_verify_all_reports_a_row_whose_channel_cannot_be_rebuilt_and_goes_on(tmp_path, capsys):
    from capacity.atlas import open_atlas
    from capacity.atlas.cli import main

    good = _record(2, 1, 2)
    refused = dataclasses.replace(_record(2, 1, 1), key="a-refused", args={"n": 2, "s": 1, "m": -1})
    db = str(tmp_path / "a.sqlite")
    with open_atlas(db) as atlas:
        atlas.store_many([refused, good])
    assert main(["verify", "--all", "--db", db]) == 1        # 1: a row does not verify (not 2: bad input)
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[0].startswith("a-refused  FAIL  channel not rebuilt: `m` must be an integer in")
    assert lines[1].startswith(f"{good.key}  OK")
    assert "1 of 2 verified" in out.err


FAMILY = "capacity.insensitive.family_capacity"


def _family_record(name, n, s, m, **kw):
    from capacity.insensitive import family_capacity

    r = family_capacity(name, n, s, m, **kw)
    return AtlasRecord(f"f{name}{n}{s}{m}", FAMILY, {"family": name, "n": n, "s": s, "m": m, **kw}, "done",
                       value=r.capacity, lower=r.lower, upper=r.upper, gap=r.gap, law=r.member_mass)


@pytest.mark.parametrize("case", [("thresholds", 3, 1, 2), ("all", 2, 1, 3), ("symmetric", 4, 2, 3),
                                  ("intervals", 6, 2, 4)])
@pytest.mark.parametrize("rigorous", [False, True])
def test_stored_family_capacities_verify(case, rigorous):
    rec = _family_record(*case)
    v = verify_record(rec, rigorous=rigorous)
    assert v.holds, v
    assert v.lower <= v.upper
    if rigorous:       # proved on exact rationals; the stored (outward) bracket contains it
        assert v.stored_proved and v.lower >= rec.lower and v.upper <= rec.upper


@pytest.mark.parametrize("rigorous", [False, True])
def test_a_family_bound_not_of_its_law_fails(rigorous):
    rec = _family_record("thresholds", 3, 1, 3)
    too_high = dataclasses.replace(rec, lower=rec.lower + 1e-9)
    too_low = dataclasses.replace(rec, upper=rec.upper - 1e-9)
    assert not verify_record(too_high, rigorous=rigorous).holds
    assert not verify_record(too_low, rigorous=rigorous).holds
    other = dataclasses.replace(rec, law=np.roll(rec.law, 1))     # another law: its own certificate
    assert not verify_record(other, rigorous=rigorous).holds


def test_family_records_say_why_they_cannot_be_verified():
    rec = _family_record("thresholds", 3, 1, 2)
    v = verify_record(dataclasses.replace(rec, law=rec.law[:-1]))
    assert not v.holds and "over the family's members" in v.detail
    v = verify_record(dataclasses.replace(rec, args={"family": "thresholds", "n": 3, "m": 2}))
    assert not v.holds and "lack ['s']" in v.detail
    # intervals with n - s > 53: q is correctly rounded, so no exact channel, but the float check
    # still bounds the exact one (the family's rounding enters the bound)
    big = _family_record("thresholds", 60, 1, 2)
    assert verify_record(big).holds
    v = verify_record(big, rigorous=True)
    assert not v.holds and "no exact channel" in v.detail


def test_a_sweep_stores_the_family_law():
    from capacity.atlas._worker import flatten
    from capacity.insensitive import family_capacity

    r = family_capacity("symmetric", 3, 1, 2)
    np.testing.assert_array_equal(flatten(r)["law"], r.member_mass)
