"""What-ifs, data out, plausibility, countries and ties: the analyst's API."""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import parampath
from tariffsim.errors import ParameterError, PlausibilityWarning, ScenarioError, UnknownNameError
from tariffsim.payoffs import CALIBRATED_FIELDS


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def base(sc: ts.Scenario) -> ts.Path:
    return sc.simulate(seed=0)


# -- what-ifs ----------------------------------------------------------------------------
def test_with_params_changes_truth_and_every_belief(sc: ts.Scenario) -> None:
    alt = sc.with_params(face_weight=0.3)
    assert np.all(alt.model.params.face_weight == 0.3)
    for a in alt.game.agents:
        assert a.beliefs is not None
        assert np.all(a.beliefs.perceived.face_weight == 0.3)
    assert alt.changes[0] == "face_weight = 0.3 (truth and beliefs)"


def test_keyword_and_mapping_forms_agree(sc: ts.Scenario) -> None:
    a = sc.with_params(face_weight=0.3).simulate(seed=0)
    b = sc.with_params({"face_weight": 0.3}).simulate(seed=0)
    np.testing.assert_array_equal(a.tariff, b.tariff)


def test_truth_only_differs_from_truth_and_beliefs(sc: ts.Scenario) -> None:
    # without the Geneva talks, where the walk down turns on the face weight agents perceive
    sc0 = sc.replace(game=sc.game.replace(negotiation=ts.bargaining.Negotiation(enabled=False)))
    both = sc0.with_params(face_weight=0.3).simulate(seed=0)
    truth = sc0.with_params({"truth:face_weight": 0.3}).simulate(seed=0)
    # agents still decide on the old face weight when only the truth changes
    for a in sc.with_params({"truth:face_weight": 0.3}).game.agents:
        assert a.beliefs is not None
        assert np.all(a.beliefs.perceived.face_weight == sc.model.params.face_weight)
    assert not np.array_equal(both.tariff, truth.tariff)


def test_calibration_resolved_when_an_input_moves(sc: ts.Scenario) -> None:
    alt = sc.with_params(elasticity=3.0)
    assert alt.changes[-1].startswith("calibration re-solved")
    # the calibration target still holds: 60% US recession odds at 145%/125%
    model = ts.PayoffModel(alt.world, alt.model.params)
    bd = model.breakdown(ts.payoffs.calibration_state(alt.world))
    assert float(bd.recession[0, alt.world.index("US")]) == pytest.approx(0.60, abs=1e-9)
    # and the agents act on the re-solved values too
    for a in alt.game.agents:
        assert a.beliefs is not None
        assert a.beliefs.perceived.recession_slope == alt.model.params.recession_slope
    assert alt.model.params.recession_slope != sc.model.params.recession_slope


def test_without_recalibration_the_target_drifts(sc: ts.Scenario) -> None:
    alt = sc.with_params(elasticity=3.0, recalibrate=False)
    bd = alt.model.breakdown(ts.payoffs.calibration_state(alt.world))
    assert abs(float(bd.recession[0, alt.world.index("US")]) - 0.60) > 1e-3


def test_calibrated_field_set_by_user_is_kept(sc: ts.Scenario) -> None:
    alt = sc.with_params({"elasticity": 3.0, "recession_slope": 1.0})
    assert alt.model.params.recession_slope == 1.0
    assert "kept as set: recession_slope" in alt.changes[-1]
    assert set(CALIBRATED_FIELDS) >= {"recession_slope"}


def test_a_calibrated_field_set_on_one_side_is_kept_on_that_side(sc: ts.Scenario) -> None:
    """A belief set by hand stays the agents', and the truth is still re-solved for the
    targets (60% US odds at 145/125); a truth: path the other way round."""
    w = sc.world
    us, state = w.index("US"), ts.payoffs.calibration_state(w)
    alt = sc.with_params({"belief:recession_slope": 2.0, "elasticity": 3.0})
    bd = alt.model.breakdown(state)
    assert float(bd.recession[0, us]) == pytest.approx(0.60, rel=1e-12)
    assert alt.model.params.recession_slope != 2.0
    believers = [a for a in alt.game.agents if a.beliefs is not None]
    assert believers and all(a.beliefs.perceived.recession_slope == 2.0 for a in believers)
    assert "kept as set in the beliefs: recession_slope" in alt.changes[-1]
    alt = sc.with_params({"truth:recession_slope": 2.0, "elasticity": 3.0})
    assert alt.model.params.recession_slope == 2.0
    every = sc.with_params(elasticity=3.0)
    for a, b in zip(alt.game.agents, every.game.agents, strict=True):
        if a.beliefs is not None:  # the agents' slope re-solved as with elasticity alone
            assert a.beliefs.perceived.recession_slope == b.beliefs.perceived.recession_slope
    assert "in the agents' beliefs recession_slope 2.243 → 2.47" in alt.changes[-1]
    assert "kept as set in the truth: recession_slope" in alt.changes[-1]


def test_a_calibrated_field_an_earlier_what_if_set_is_kept(sc: ts.Scenario) -> None:
    """A what-if of a what-if keeps the first one's calibrated field (it used to re-solve it)."""
    alt = sc.with_params(recession_slope=1.0).with_params(elasticity=3.0)
    assert alt.model.params.recession_slope == 1.0
    assert "kept as set: recession_slope" in alt.changes[-1]
    assert alt.changes[-1].startswith("calibration re-solved")  # the others are


def test_no_calibration_input_says_so(sc: ts.Scenario) -> None:
    assert sc.with_params(face_weight=0.3).changes[-1] == (
        "calibration unchanged: no calibration input moved"
    )


def test_bad_path_and_value_errors(sc: ts.Scenario) -> None:
    with pytest.raises(UnknownNameError):
        sc.with_params(face_wieght=0.3)
    with pytest.raises(ParameterError):
        sc.with_params({"pass_through.US.CN": 2.0})
    with pytest.raises(ParameterError, match="at least one"):
        sc.with_params()


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"face_weight": "0.3"}, "'0.3'"),  # numpy reads the text as 0.3: it got through
        ({"face_weight.US": "0.3"}, "'0.3'"),
        ({"elasticity": b"2"}, "b'2'"),
        ({"face_weight": None}, "None"),  # numpy reads None as NaN: "got nan", never given
        ({"face_weight": [None]}, "[None]"),
    ],
)
def test_text_or_none_for_a_value_is_named_as_given(
    sc: ts.Scenario, params: dict[str, object], shown: str
) -> None:
    """Text failed inside the report of what was set (``Unknown format code 'g'``)."""
    (key,) = params
    with pytest.raises(
        ParameterError, match=re.escape(f"[{key!r}]: values must be numbers; got {shown}")
    ):
        sc.with_params(**params)


def test_a_fraction_or_numpy_scalar_is_a_value(sc: ts.Scenario) -> None:
    from fractions import Fraction

    assert sc.with_params(face_weight=Fraction(1, 4)).changes[0].startswith("face_weight = 0.25 (")
    assert (
        sc.with_params(face_weight=np.float32(0.25)).changes[0].startswith("face_weight = 0.25 (")
    )


def test_replace_params(sc: ts.Scenario) -> None:
    a = sc.replace(params={"face_weight": 0.3})
    assert a.changes == sc.with_params(face_weight=0.3).changes
    with pytest.raises(ParameterError, match="with_params"):
        sc.replace(params=sc.model.params)
    with pytest.raises(ParameterError, match="no field 'foo'"):
        sc.replace(foo=1)


def test_what_if_path_carries_its_changes(sc: ts.Scenario) -> None:
    p = sc.with_params(face_weight=0.3).simulate(seed=0)
    assert p.meta["changes"][0].startswith("face_weight = 0.3")
    assert p.meta["title"] == sc.title and p.meta["players"] == ["US", "CN"]


def test_with_events_marks_counterfactuals(sc: ts.Scenario) -> None:
    ev = ts.Event(dt.date(2025, 4, 20), "set", "US cuts early", importer="US", exporter="CN",
                  level=0.54)  # fmt: skip
    p = sc.with_events(ev).simulate(seed=0)
    cf = [e for e in p.events if e.counterfactual]
    assert [e.label for e in cf] == ["counterfactual: US cuts early"]
    assert p.events_frame()["counterfactual"].sum() == 1


def test_with_events_warns_of_an_event_after_the_calendar(sc: ts.Scenario) -> None:
    """An event after the last round never fires with the scenario's rounds: it is said, and
    it fires when the simulation is played past the calendar; a non-Event is refused."""
    from tariffsim.errors import EventNeverFiresWarning

    last = sc.game.date(sc.game.rounds)
    late = ts.Event(last + dt.timedelta(days=1), "set", "US cuts late", importer="US",
                    exporter="CN", level=0.1)  # fmt: skip
    with pytest.warns(EventNeverFiresWarning, match=r"US cuts late .*fires only if more rounds"):
        alt = sc.with_events(late)
    assert not [e for e in alt.simulate(seed=0).events if e.counterfactual]
    longer = alt.simulate(seed=0, rounds=sc.game.rounds + 1)
    assert [e.label for e in longer.events if e.counterfactual] == ["counterfactual: US cuts late"]
    on_time = ts.Event(last, "set", "US cuts", importer="US", exporter="CN", level=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc.with_events(on_time)
    with pytest.raises(ParameterError, match=r"events\[1\].*'US cuts'"):
        sc.with_events(on_time, "US cuts")  # type: ignore[arg-type]


# -- simulate's positional argument ---------------------------------------------------------
def test_positional_argument_is_rounds_everywhere(sc: ts.Scenario) -> None:
    with pytest.warns(FutureWarning, match="positional argument is `rounds`"):
        p = sc.simulate(5)
    assert len(p) == 6 == len(sc.game.simulate(5, seed=0)) == len(ts.simulate(sc.game, 5, seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(sc.simulate(rounds=5, seed=3)) == 6


def test_bad_seed_is_a_parameter_error(sc: ts.Scenario) -> None:
    with pytest.raises(ParameterError, match="seed"):
        sc.simulate(seed=-1)


# -- data out ----------------------------------------------------------------------------
def test_tidy_frame_full_precision_every_dyad(base: ts.Path) -> None:
    df = base.to_frame(tidy=True)
    assert isinstance(df.index, pd.DatetimeIndex)
    n, R = len(base.codes), len(base)
    tar = df[(df.variable == "tariff") & (df.layer == "headline")]
    assert len(tar) == R * n * (n - 1)
    eff = df[(df.variable == "tariff") & (df.layer == "effective")]
    i, j = base.codes.index("US"), base.codes.index("CN")
    us_cn = eff[(eff.importer == "US") & (eff.exporter == "CN")]["value"].to_numpy()
    np.testing.assert_array_equal(us_cn, base.effective[:, i, j])
    rec = df[(df.variable == "recession") & (df.country == "CN")]["value"].to_numpy()
    np.testing.assert_array_equal(rec, base.recession[:, j])
    terms = df[df.variable == "term"]
    assert set(terms.term) == set(ts.TERMS)
    # every row says its unit: the drawdown is index %, the burden % of GDP, odds fractions
    units = df.groupby("variable")["unit"].unique().map(list).to_dict()
    assert units["drawdown"] == ["index %"] and units["burden"] == ["% of GDP a year"]
    assert units["recession"] == ["fraction"] and units["tariff"] == ["fraction"]
    assert not (df["unit"] == "").any()
    # resample works on the DatetimeIndex
    monthly = tar[(tar.importer == "US") & (tar.exporter == "CN")]["value"].resample("MS").max()
    assert monthly.max() == 1.45


def test_wide_frame_is_not_rounded(base: ts.Path) -> None:
    df = base.to_frame()
    assert isinstance(df.index, pd.DatetimeIndex)
    i = base.codes.index("CN")
    np.testing.assert_array_equal(df["CN recession %"].to_numpy(), 100 * base.recession[:, i])


def test_csv_full_precision_round_trip(base: ts.Path) -> None:
    df = pd.read_csv(io.StringIO(base.to_csv()))
    i = base.codes.index("US")
    np.testing.assert_array_equal(df["US payoff"].to_numpy(), base.payoff[:, i])


def test_breakdown_frame_sums_to_payoff(base: ts.Path) -> None:
    f = base.breakdown("US").to_frame()
    assert isinstance(f.index, pd.DatetimeIndex)
    np.testing.assert_allclose(f["total"].to_numpy(), base.payoff[:, 0], rtol=1e-12, atol=1e-12)
    wide = base.breakdown().to_frame()
    assert wide.shape == (len(base), len(ts.TERMS) * len(base.codes))


def test_events_are_structured(base: ts.Path) -> None:
    e = base.events[0]
    r, label = e
    assert (e.round, e.label) == (r, label) and isinstance(r, int)
    ef = base.events_frame()
    assert isinstance(ef.index, pd.DatetimeIndex) and len(ef) == len(base.events)


def test_export_controls_and_subject_countries_in_tables() -> None:
    re100 = ts.load_scenario("rare-earth-100").simulate(seed=0)
    assert "CN control US %" in re100.rows()[0]
    assert max(r["CN control US %"] for r in re100.rows()) == 50.0
    oil = ts.load_scenario("secondary-oil-tariffs").simulate(seed=0)
    assert "IN" in oil.players() and "IN recession %" in oil.rows()[0]


# -- plausibility -------------------------------------------------------------------------
VN = """
format = 1
name = "us-vietnam"
[calendar]
start = 2025-04-02
rounds = 4
[world.countries.VN]
name = "Vietnam"
gdp = 0.48
[world.imports]
"US-VN" = 137.0
"VN-US" = 13.0
[world.ties]
"US-VN" = 0.5
[world.ladders]
"US-VN" = [0.0, 0.1, 0.2, 0.46]
"VN-US" = [0.0, 0.1, 0.2]
[initial.tariffs]
"US-VN" = 0.46
[[agents]]
country = "US"
strategy = "myopic"
targets = ["VN"]
[[agents]]
country = "VN"
strategy = "tit-for-tat"
targets = ["US"]
"""


def test_scenario_file_adds_a_country_and_ties() -> None:
    import tomllib

    sc = ts.parse_scenario(tomllib.loads(VN))
    w = sc.world
    assert w.codes[-1] == "VN" and w.n == 11
    assert w.ties[w.index("US"), w.index("VN")] == w.ties[w.index("VN"), w.index("US")] == 0.5
    assert w.imports[w.index("US"), w.index("VN")] == 137.0


def test_saturated_indicators_warn() -> None:
    import tomllib

    sc = ts.parse_scenario(tomllib.loads(VN))
    with pytest.warns(PlausibilityWarning, match="VN: recession odds"):
        p = sc.simulate(seed=0)
    assert any("payoff" in m for m in p.plausibility())


def test_approval_and_drawdown_are_held_within_their_bounds_and_warn() -> None:
    """A steep approval response (100x the calibrated price sensitivity) would take US
    approval below 0, a steep market beta the drawdown past the whole index: each is held
    at its bound (approval a share, the drawdown at the index's floor), in the path and in
    the batched engine alike, and the path says so, naming the country and the round."""
    from tariffsim.payoffs import DRAWDOWN_CAP

    sc = ts.load_scenario("us-china-145")
    k = sc.world.index("US")
    steep = sc.with_params({"approval_price.US": 100 * float(sc.model.params.approval_price[k]),
                            "market_beta": 1000.0}, recalibrate=False)  # fmt: skip
    with pytest.warns(PlausibilityWarning, match="US: approval 0% in round"):
        p = steep.simulate(seed=0)
    us = p.codes.index("US")
    assert float(p.approval[:, us].min()) == 0.0 and float(p.approval.max()) <= 1.0
    assert float(p.drawdown.max()) == DRAWDOWN_CAP
    assert any(m.startswith("US: equity drawdown at its 99% cap") for m in p.plausibility())
    # an unbounded response would have gone further: the bounds bind here
    raw = steep.game.model.params.market_beta[us] * p.burden[:, us]  # (no support, no shock)
    assert float(raw.max()) > DRAWDOWN_CAP
    with pytest.warns(ts.errors.IdenticalRunsWarning):  # (nothing drawn: one path, twice)
        e = ts.ensemble(steep, runs=2, seed=0, progress=False)
    np.testing.assert_array_equal(e.approval[0], p.approval)
    np.testing.assert_array_equal(e.drawdown[0], p.drawdown)


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_bundled_scenarios_are_plausible(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlausibilityWarning)
        assert ts.load_scenario(name).simulate(seed=0).plausibility() == []


def test_bad_ties_rejected() -> None:
    import tomllib

    bad = VN.replace('"US-VN" = 0.5', '"US-VN" = 1.5')
    with pytest.raises(ts.ScenarioError, match=r"world\.ties\.US-VN"):
        ts.parse_scenario(tomllib.loads(bad))


@settings(max_examples=25, deadline=None)
@given(imp=st.floats(0, 500), exp=st.floats(0, 500), tie=st.floats(0, 1), gdp=st.floats(0.01, 30))
def test_add_country_keeps_the_old_world(imp: float, exp: float, tie: float, gdp: float) -> None:
    w = ts.World.default()
    w2 = w.add_country(
        ts.Country("ZZ", gdp), imports={"US": imp}, exports={"CN": exp}, ties={"JP": tie}
    )
    n = w.n
    np.testing.assert_array_equal(w2.imports[:n, :n], w.imports)
    np.testing.assert_array_equal(w2.ties[:n, :n], w.ties)
    assert w2.imports[n, w.index("US")] == imp and w2.imports[w.index("CN"), n] == exp
    assert w2.ties[n, w.index("JP")] == w2.ties[w.index("JP"), n] == tie
    assert w2.imports[n].sum() == imp and w2.ties[n].sum() == tie


def test_add_country_errors() -> None:
    w = ts.World.default()
    with pytest.raises(ParameterError, match="already"):
        w.add_country(ts.Country("US", 1.0))
    with pytest.raises(UnknownNameError):
        w.add_country(ts.Country("ZZ", 1.0), imports={"XX": 1.0})
    with pytest.raises(ParameterError):
        w.add_country(ts.Country("ZZ", 1.0), ties={"US": 2.0})


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"imports": [("US", 13.0)]}, "`imports` must be a mapping of partner code to a number"),
        ({"imports": {"US": None}}, "`imports['US']` must be a number; got None"),
        ({"exports": {"US": "13"}}, "`exports['US']` must be a number; got '13'"),
        ({"ties": {"US": True}}, "`ties['US']` must be a number; got True"),
        ({"ladders": {"US": (0.0, 0.1)}}, "a dyad is ('IMPORTER', 'EXPORTER'), 'IMPORTER-"),
        ({"ladders": {("US", "ZZ"): 3}}, "`ladders[('US', 'ZZ')]` must be a sequence of levels"),
        ({"ladders": [("US", "ZZ")]}, "`ladders` must be a mapping of dyad to levels"),
    ],
)
def test_add_country_names_the_argument_and_partner_of_a_bad_value(kw, words) -> None:
    # (bare ValueError, AttributeError, or "must be finite; got nan" for None; text was read)
    with pytest.raises(ParameterError) as info:
        ts.World.default().add_country(ts.Country("ZZ", 1.0), **kw)
    assert words in str(info.value)


def test_add_country_takes_a_dyad_as_a_scenario_file_spells_it() -> None:
    w = ts.World.default()
    by_text = w.add_country(ts.Country("VN", 0.48), ladders={"US-VN": (0.0, 0.1, 0.46)})
    by_pair = w.add_country(ts.Country("VN", 0.48), ladders={("US", "VN"): (0.0, 0.1, 0.46)})
    assert by_text.ladders[("US", "VN")] == by_pair.ladders[("US", "VN")]
    assert by_text.ladders[("US", "VN")].levels == (0.0, 0.1, 0.46)


@pytest.mark.parametrize("gdp", [np.float32(0.5), np.int64(2), np.float64(0.48), 3])
def test_a_country_takes_any_real_gdp(gdp) -> None:
    # a GDP column of a table is int64 or float32: refused as "must be > 0, got np.int64(2)"
    c = ts.Country("VN", gdp)
    assert type(c.gdp) is float and c.gdp == float(gdp)


@pytest.mark.parametrize("code", ["us", "US ", "V\nN", "", "U-S", "1A", 7])
def test_a_country_code_is_capitals_digits_and_underscores(code) -> None:
    # a lower-case typo, [world.countries.us], made an 11th country "us" beside "US"
    with pytest.raises(ParameterError, match="`code` must be a country code"):
        ts.Country(code, 1.0)


def test_a_refused_country_of_a_scenario_file_is_reported_once() -> None:
    data = dict(ts.load_scenario("us-china-145").data)
    world = dict(data.get("world", {}))
    world["countries"] = {"vn": {"gdp": 0.48}, "VX": {"gdp": 0}}
    world["imports"] = {"US-vn": 137.0, "US-VX": 1.0}
    data["world"] = world
    with pytest.raises(ScenarioError) as info:
        ts.parse_scenario(data)
    msg = str(info.value)
    assert msg.count("VX") == 1 and "world.countries.VX.gdp" in msg, msg
    assert "unknown country 'vn'" not in msg and "got 'vn'" in msg, msg


def test_a_market_beta_set_by_hand_keeps_the_approval_target(sc: ts.Scenario) -> None:
    """Approval's market share of the fall is solved against the drawdown of the market
    beta in force: set by hand (what-if, a mapping's draws, the claims beside one), US
    approval at 145/125 still meets its target (it drifted to 40.8% with a beta of 40)."""
    from tariffsim.analysis import Uniform

    w = sc.world
    us, state = w.index("US"), ts.payoffs.calibration_state(w)
    alt = sc.with_params({"market_beta": 40.0})
    bd = alt.model.breakdown(state)
    assert float(bd.approval[0, us]) == pytest.approx(0.42, rel=1e-12)
    assert float(bd.drawdown[0, us]) > 25 and "US market beta, kept as set" in alt.changes[-1]
    for vary in ({"market_beta.US": Uniform(10.0, 30.0)},
                 {"claims": True, "market_beta.US": Uniform(10.0, 30.0)}):  # fmt: skip
        e = ts.ensemble(sc, runs=3, seed=2, vary=vary, rounds=2)
        for k in range(3):
            g = parampath.apply(sc.game, e.run(k).draws)
            bd = g.model.breakdown(state)
            want = e.claim_draws["approval_39_45"][k] / 100 if "claims" in vary else 0.42
            assert float(bd.approval[0, us]) == pytest.approx(want, rel=1e-12)
            assert float(bd.drawdown[0, us]) != pytest.approx(19.0)  # the beta drawn holds


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
@pytest.mark.parametrize(
    "what",
    [
        {"truth:market_beta": 5.0, "elasticity": 3.0},
        {"belief:market_beta": 40.0, "elasticity": 3.0},
        {"market_beta": 40.0, "elasticity": 3.0},
        {"truth:market_beta": 40.0},
        {"belief:recession_slope": 2.0, "elasticity": 3.0},
        {"truth:recession_slope": 2.0, "truth:elasticity": 3.0},
        {"market_beta.US": 30.0, "recession_base.US": 0.3},
        {"belief:approval_price": 0.05, "approval_base.US": 0.47},
    ],
)
def test_a_mapping_run_is_the_what_if_on_either_side(name: str, what: dict) -> None:
    """Run k of a mapping ensemble has the calibrated fields of sc.with_params(values_k) bit
    for bit, in the truth and in every agent's model, for calibrated fields set on one side
    or both beside the calibration's inputs (a truth: market beta gave the agents an
    approval share solved against the truth's beta in the ensemble, and not in with_params)."""
    sc = ts.load_scenario(name)
    e = ts.ensemble(sc, runs=1, seed=5, vary={k: [v] for k, v in what.items()}, rounds=3)
    got = parampath.apply(sc.game, e.run(0).draws)
    alt = sc.with_params(what)
    for f in CALIBRATED_FIELDS:
        a, b = np.asarray(getattr(got.model.params, f)), np.asarray(getattr(alt.model.params, f))
        assert a.tobytes() == b.tobytes(), ("truth", f)
        for x, y in zip(got.agents, alt.game.agents, strict=True):
            if x.beliefs is not None:
                a = np.asarray(getattr(x.beliefs.perceived, f))
                b = np.asarray(getattr(y.beliefs.perceived, f))
                assert a.tobytes() == b.tobytes(), (x.code, f)


def test_tables_print_no_negative_zero() -> None:
    """A payoff of zero prints as 0.00, not -0.00 (round 0 of us-china-145: the countries no
    tariff touches have a payoff of -0.0, a loss of nothing)."""
    from tariffsim.path import _fmt

    p = ts.load_scenario("us-china-145").simulate(seed=0)
    assert (p.payoff[0] == 0).all() and np.signbit(p.payoff[0]).any()  # (the values behind it)
    for text in (p.table(), p._repr_html_()):
        assert not re.search(r"-0\.0+(?![0-9])", text)
    assert _fmt(-0.0) == "0.00" and _fmt(-0.25) == "-0.25"


def test_with_strategy_swaps_how_one_agent_chooses_and_nothing_else(sc: ts.Scenario) -> None:
    import dataclasses

    base = sc.simulate(seed=0)
    assert base.peak("CN", "US") > 0  # China answers in the scenario as written
    calm = sc.with_strategy("CN", "hold")
    assert calm.simulate(seed=0).peak("CN", "US") == 0.0
    assert calm.changes[-1] == "CN strategy: myopic -> hold"
    assert calm.simulate(seed=0).meta["changes"][-1] == "CN strategy: myopic -> hold"
    for old, new in zip(sc.game.agents, calm.game.agents, strict=True):  # only CN's strategy
        assert dataclasses.replace(new, strategy=old.strategy) == old
    # by name or as an object, and as a hand-built game: the same path, bit for bit
    by_obj = sc.with_strategy("CN", ts.TitForTat()).simulate(seed=3)
    by_name = sc.with_strategy("CN", "tit-for-tat").simulate(seed=3)
    agents = tuple(
        dataclasses.replace(a, strategy=ts.TitForTat()) if a.code == "CN" else a
        for a in sc.game.agents
    )
    by_hand = sc.game.replace(agents=agents).simulate(seed=3)
    np.testing.assert_array_equal(by_obj.tariff, by_name.tariff)
    np.testing.assert_array_equal(by_obj.tariff, by_hand.tariff)
    assert not np.array_equal(by_obj.tariff, sc.simulate(seed=3).tariff)
    # batched: an ensemble of the what-if runs each run as simulate does
    ens = ts.ensemble(calm, runs=3, seed=0, vary="claims", progress=False, rounds=20)
    assert float(ens.high_series("CN", "US").max()) == 0.0
    with pytest.raises(ParameterError, match="no file data"):
        calm.to_toml()


def test_with_strategy_refuses_what_it_cannot_use(sc: ts.Scenario) -> None:
    cases = [
        (("JP", "hold"), {}, UnknownNameError, r"`country` must be one of the scenario's agents "
         r"\(US, CN\); got 'JP'"),
        (("CN", "tit-for-tatt"), {}, UnknownNameError, "unknown strategy 'tit-for-tatt'"),
        (("CN", 5), {}, ParameterError, "with_strategy: strategy for CN: not a Strategy"),
        (("CN", ts.TitForTat()), {"x": 1}, ParameterError, r"arguments \(x\) go with a strategy"),
        (("CN", "tit-for-tat"), {"bogus": 1}, ParameterError, "strategy 'tit-for-tat'"),
        ((["CN"], "hold"), {}, UnknownNameError, r"got \['CN'\]"),
    ]  # fmt: skip
    for args, kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            sc.with_strategy(*args, **kwargs)


def test_a_what_if_the_calibration_cannot_follow_says_what_to_do(sc: ts.Scenario) -> None:
    """ "Had China really paid" (truth pass-through 0.1) failed with 17-digit numbers and no
    way on; a revenue weight of 2 (documented as at most 1) was taken, and the re-solved market
    beta (1218) sent China to 49% in round 1."""
    with pytest.raises(ParameterError, match=r"burden -0.4852% of GDP.*recalibrate=False"):
        sc.with_params(**{"truth:pass_through.US-CN": 0.1})
    kept = sc.with_params(**{"truth:pass_through.US-CN": 0.1}, recalibrate=False)
    assert kept.simulate(seed=0).peak("US", "CN") == pytest.approx(1.45)
    with pytest.raises(ParameterError, match=r"'revenue_weight' must be in \[0, 1\]; got 2.0"):
        sc.with_params(revenue_weight=2.0)
    with pytest.raises(ParameterError, match="revenue_weight"):
        ts.Params.default(sc.world).replace(revenue_weight=np.full(sc.world.n, 1.5))
    assert sc.with_params(revenue_weight=1.0).changes[0] == "revenue_weight = 1 (truth and beliefs)"


def test_a_countrys_tariff_on_itself_is_refused_not_zero(base: ts.Path) -> None:
    for method in (base.peak, base.series, base.steps, base.coverage, base.tariffs):
        with pytest.raises(ParameterError, match="got 'US' twice"):
            method("US", "US")
    with pytest.raises(ParameterError, match="got 'CN' twice"):
        base.peak("CN->CN")
    assert base.peak("US", "JP") == 0.0  # a dyad without a ladder is a real one: never taxed
