"""What a notebook user builds by hand — Params, PayoffModel, Beliefs, World — is checked
when it is made: a tariffsim error naming the field and the value, never numpy's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.errors import ParameterError, TariffsimError, UnknownNameError
from tariffsim.payoffs import Params, PayoffModel

W = ts.World.default()
N = W.n
P = Params.default(W)
W11 = W.add_country(ts.Country("VN", 0.4), imports={"CN": 1.0}, exports={"US": 137.0})
HUGE = 10**400

BAD: list[tuple[str, Callable[[], Any], str]] = [
    # Params fields
    ("a mapping for an array", lambda: P.replace(face_weight={"US": 0.1}), "with_country"),
    ("text for an array", lambda: P.replace(face_weight="abc"), "`face_weight`"),
    ("ragged array", lambda: P.replace(face_weight=[0.1] * N + [[0.2]]), "`face_weight`"),
    ("complex array", lambda: P.replace(face_weight=[1 + 2j] * N), "`face_weight`"),
    ("complex numpy array", lambda: P.replace(face_weight=np.full(N, 0.5 + 2j)), "`face_weight`"),
    ("dates", lambda: P.replace(face_weight=np.datetime64("2020-01-01")), "`face_weight`"),
    ("bools", lambda: P.replace(face_weight=np.ones(N, bool)), "`face_weight`"),
    ("None for an array", lambda: P.replace(face_weight=None), "`face_weight`"),
    ("huge scalar", lambda: P.replace(elasticity=HUGE), "`elasticity`"),
    ("huge in an array", lambda: P.replace(face_weight=[HUGE] * N), "`face_weight`"),
    ("bool scalar", lambda: P.replace(elasticity=True), "`elasticity`"),
    ("text scalar", lambda: P.replace(elasticity="3"), "`elasticity`"),
    ("complex scalar", lambda: P.replace(elasticity=np.complex128(2 + 3j)), "`elasticity`"),
    ("beyond 1e50", lambda: P.replace(bond_beta=1e300), "±1e+50"),
    ("beyond 1e50 in an array", lambda: P.replace(dependence=np.full((N, N), 1e200)), "±1e+50"),
    ("calibration no mapping", lambda: P.replace(calibration=5), "`calibration`"),
    ("pass_through of another size", lambda: P.replace(pass_through=np.zeros((3, 3))),
     "as `pass_through` has"),
    ("with_country text", lambda: P.with_country(W, "face_weight", "US", "0.x"),
     "face_weight[US]"),
    ("with_country list", lambda: P.with_country(W, "face_weight", "US", [1, 2]),
     "face_weight[US]"),
    ("with_country other world", lambda: P.with_country(W11, "face_weight", "VN", 0.1),
     "`world`"),
    ("recalibrated keeping a typo", lambda: P.recalibrated(W, keep=["face_wieght"]),
     "did you mean 'face_weight'"),
    ("recalibrated in another world", lambda: P.recalibrated(W11), "`world`"),
    ("with_dyad huge", lambda: P.with_dyad(W, "pass_through", "US", "CN", HUGE),
     "`pass_through`"),
    # PayoffModel
    ("weights text", lambda: PayoffModel(W, weights="abc"), "`weights`"),
    ("weights huge", lambda: PayoffModel(W, weights=np.full((12, N), 1e308)), "`weights`"),
    ("params a dict", lambda: PayoffModel(W, params={"elasticity": 2.5}), "`params`"),
    ("world text", lambda: PayoffModel("x"), "`world`"),
    ("market of another size", lambda: PayoffModel(W, market=Params.default(W11)), "`market`"),
    ("market text", lambda: PayoffModel(W, market="x"), "`market`"),
    ("prev of another size",
     lambda: PayoffModel(W).payoff(ts.State.zeros(N), prev=ts.State.zeros(3)), "`prev`"),
    ("with_weight text", lambda: PayoffModel(W).with_weight("face", "US", "abc"), "face"),
    # Beliefs
    ("beliefs of None", lambda: ts.Beliefs(None), "`perceived`"),
    ("beliefs of a dict", lambda: ts.Beliefs({"a": 1}), "`perceived`"),
    ("learn not names", lambda: ts.Beliefs(P, 0.1, learn=[["x"]]), "`learn`"),
    # World
    ("ladder None", lambda: ts.World.default(ladders={("US", "CN"): None}), "ladders[US, CN]"),
    ("ladders not a mapping", lambda: ts.World.default(ladders=5), "`ladders`"),
    ("one code", lambda: ts.World.default(ladders={("AA",): (0, 0.1)}), "`ladders`"),
    ("ladder not increasing", lambda: ts.World.default(ladders={"US-CN": (0, 0.1, 0.1)}),
     "ladders[US, CN]"),
    ("a dyad twice", lambda: ts.World.default(ladders={"US-CN": (0, 0.1), ("US", "CN"): (0, 0.2)}),
     "twice"),
    ("control above 1", lambda: ts.World.default(control_ladders={("CN", "US"): (0, 0.5, 2.0)}),
     "control_ladders[CN, US]"),
    ("instruments text", lambda: ts.World.default(instruments={("US", "CN"): "x"}),
     "instruments[US, CN]"),
    ("layer levels None", lambda: ts.Layer("x", None), "layer 'x'"),
    ("layer down_only a float", lambda: ts.Layer("x", (0, 0.1, 0.2), down_only=0.1),
     "`down_only`"),
    ("layer claims an int", lambda: ts.Layer("x", (0, 0.1), claims=5), "`claims`"),
    # State, ladders and the world's helpers
    ("zeros of -1", lambda: ts.State.zeros(-1), "`n`"),
    ("zeros of text", lambda: ts.State.zeros("3"), "`n`"),
    ("zeros of a billion", lambda: ts.State.zeros(10**9), "max_countries"),
    ("layers text", lambda: ts.State(np.zeros((2, 2)), layers="x"), "`layers`"),
    ("with_tariff text", lambda: ts.State.zeros(N).with_tariff(W, "US", "CN", "x"),
     "tariff[US, CN]"),
    ("with_tariff of another size", lambda: ts.State.zeros(3).with_tariff(W, "US", "CN", 0.1),
     "`state` has 3 countries"),
    ("apply_moves of another size", lambda: ts.apply_moves(W, ts.State.zeros(3), {}),
     "`state` has 3 countries"),
    ("step from NaN", lambda: ts.Ladder((0, 0.1, 0.2)).step(float("nan"), 1), "`level`"),
    ("step of 2", lambda: ts.Ladder((0, 0.1, 0.2)).step(0.0, 2), "`move`"),
    ("step up", lambda: ts.Ladder((0, 0.1, 0.2)).step(0.1, "up"), "`move`"),
    ("effective of NaN", lambda: W.effective(np.full((N, N), np.nan)), "`tariff`"),
    ("effective of another size", lambda: W.effective(np.zeros((3, 3))), "`tariff`"),
    ("decompose of another size", lambda: W.decompose(np.zeros((3, 3))), "`tariff`"),
    ("set_layer no ladder", lambda: W.set_layer("US", "JP", "x", 0.1, 0.2), "(US, JP)"),
    ("set_layer no layer", lambda: W.set_layer("US", "CN", "zzz", 0.1, 0.2), "'zzz'"),
    # payoff helpers
    ("optimal tariff supply of another size",
     lambda: ts.payoffs.optimal_tariff(W, "US", "CN", supply=np.ones((3, 3))), "`supply`"),
    ("optimal tariff NaN supply",
     lambda: ts.payoffs.optimal_tariff(W, "US", "CN", supply=np.full((N, N), np.nan)),
     "supply[US, CN]"),
    ("supply elasticity 0", lambda: ts.payoffs.supply_elasticity(W, 0.0), "`elasticity`"),
    ("supply elasticity text", lambda: ts.payoffs.supply_elasticity(W, "x"), "`elasticity`"),
    ("pass-through of zeros", lambda: ts.payoffs.market_pass_through(0, 0), "both 0"),
    ("pass-through negative", lambda: ts.payoffs.market_pass_through(-1, 1), "`elasticity`"),
    ("tariff war no rates", lambda: ts.payoffs.tariff_war(PayoffModel(W), "US", "CN", []),
     "`rates`"),
    ("tariff war 1100%", lambda: ts.payoffs.tariff_war(PayoffModel(W), "US", "CN", [11]),
     "`rates`"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "call", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_named_tariffsim_error(what: str, call: Callable[[], Any], words: str):
    with pytest.raises(TariffsimError) as err:
        call()
    assert isinstance(err.value, ParameterError | UnknownNameError)
    assert words in str(err.value)


def _game(beliefs: ts.Beliefs) -> ts.Game:
    return ts.Game(
        W, PayoffModel(W), rounds=4,
        agents=(ts.Agent("US", ts.make_strategy("myopic"), beliefs=beliefs),
                ts.Agent("CN", ts.make_strategy("always-escalate"))),
    )  # fmt: skip


def test_beliefs_for_a_world_of_another_size_are_refused_before_any_run() -> None:
    # before: simulate failed in numpy's broadcasting and ensemble ran on sliced beliefs
    with pytest.raises(ParameterError, match=r"beliefs\.perceived is for 11 countries"):
        _game(ts.Beliefs(Params.default(W11)))


def test_numpy_scalars_are_numbers_everywhere() -> None:
    # values read from a DataFrame are numpy scalars; they were refused as not numbers
    assert PayoffModel(W, round_days=np.int64(7)).round_days == 7.0
    assert ts.Layer("x", (0, 0.1), coverage=np.float32(0.5)).coverage == 0.5
    b = ts.Beliefs(P, np.float32(0.5))
    assert b.learning_rate == 0.5 and type(b.learning_rate) is float
    g = _game(b).replace(noise=np.float32(0.25))
    assert g.noise == 0.25 and type(g.noise) is float
    assert ts.Beliefs(P, 0.1, learn="pass_through").learn == ("pass_through",)


def test_a_ladder_keyed_as_files_spell_dyads_is_the_same_world() -> None:
    a = ts.World.default(ladders={"US-CN": (0, 0.1, 0.2)})
    b = ts.World.default(ladders={("US", "CN"): (0, 0.1, 0.2)})
    c = ts.World.default(ladders={"US->CN": (0, 0.1, 0.2)})
    assert a.ladders == b.ladders == c.ladders
    assert a.instruments == b.instruments == c.instruments
    one = ts.Layer("x", (0, 0.1))
    assert ts.World.default(instruments={("US", "CN"): one}).instruments[("US", "CN")] == (one,)


def test_a_0d_array_is_a_number_and_params_copy_what_they_are_given() -> None:
    fw = np.full(N, 0.3)
    p = P.replace(elasticity=np.array(2.5), face_weight=fw)
    assert p.elasticity == 2.5
    fw[0] = 9.0  # the caller's array stays the caller's
    assert p.face_weight[0] == 0.3 and fw.flags.writeable


def test_numbers_held_in_other_types_are_numbers() -> None:
    # 0-d arrays (what a reduction or an xarray selection gives) and Decimals worked before
    import decimal

    import xarray

    assert P.with_country(W, "resolve_weight", "US", np.array(0.3)).resolve_weight[0] == 0.3
    assert P.with_dyad(W, "pass_through", "US", "CN", np.array(0.3)).pass_through[0, 1] == 0.3
    assert PayoffModel(W, P).with_weight("resolve", "US", np.array(7.0)).weights[10, 0] == 7.0
    assert ts.State.zeros(N).with_tariff(W, "US", "CN", np.array(0.5)).tariff[0, 1] == 0.5
    assert P.replace(answer_scale=xarray.DataArray(0.3)).answer_scale == 0.3
    assert P.replace(answer_scale=decimal.Decimal("0.3")).answer_scale == 0.3
    lad = ts.Ladder((0, 0.1, 0.2))
    assert lad.step(np.array(0.1), 1) == lad.step(0.1, 1.0) == lad.step(0.1, np.array(1)) == 0.2
    assert ts.Beliefs(P, 0.1, learn={"pass_through"}).learn == ("pass_through",)
    assert type(ts.Beliefs(P, 0.1, learn=np.array(["pass_through"])).learn[0]) is str
    pairs = dataclasses.replace(W, ladders=list(W.ladders.items()))
    assert pairs.ladders == W.ladders
    assert P.replace(calibration=None).calibration == {}
    for bad in (lambda: lad.step(0.1, 1.5), lambda: P.replace(answer_scale=np.array([0.3]))):
        with pytest.raises(ParameterError):
            bad()


def test_an_object_whose_conversion_fails_is_no_number() -> None:
    class Broken:  # a 0-d array-like whose own conversion raises
        shape = ()

        def __array__(self, *args: object, **kw: object) -> None:
            raise RuntimeError("boom")

    with pytest.raises(ParameterError, match="`answer_scale` must be a number"):
        P.replace(answer_scale=Broken())


def test_labelled_values_are_refused_and_unlabelled_ones_taken_by_position() -> None:
    """A pandas Series indexed by country codes was read by position, its labels dropped: in
    any order but the world's, every country got another's value without a word."""
    import pandas as pd
    import xarray as xr

    base = P.recession_base
    shuffled = pd.Series(base, index=W.codes).iloc[::-1]  # labels right, order reversed
    with pytest.raises(ParameterError, match=r"`recession_base` is labelled \(Series with "
                       r"labels \['AU'.*with_country\(world, 'recession_base'"):  # fmt: skip
        P.replace(recession_base=shuffled)
    frame = pd.DataFrame(P.pass_through, index=W.codes, columns=W.codes)
    with pytest.raises(ParameterError, match=r"`pass_through` is labelled.*with_dyad"):
        P.replace(pass_through=frame)
    coded = xr.DataArray(base, dims="country", coords={"country": list(W.codes)})
    with pytest.raises(ParameterError, match=r"`recession_base` is labelled \(DataArray"):
        P.replace(recession_base=coded)
    by_position = P.replace(recession_base=pd.Series(base[::-1]))  # a RangeIndex: positions
    np.testing.assert_array_equal(by_position.recession_base, base[::-1])
    np.testing.assert_array_equal(
        P.replace(recession_base=shuffled.reindex(W.codes).to_numpy()).recession_base, base
    )
