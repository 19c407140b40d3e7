"""Tariff layers as engine state: moves, events and deals on layers, read back from paths."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from importlib import resources

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import engine, parampath
from tariffsim.errors import ParameterError, TariffsimError, UnknownNameError

pytestmark = pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")


@pytest.fixture(scope="module")
def busan() -> ts.Scenario:
    return ts.load_scenario("threat-100-nov1")


@pytest.fixture(scope="module")
def busan_path(busan: ts.Scenario) -> ts.Path:
    return busan.simulate(seed=0)


def _observed(importer: str, exporter: str, layer: str, date: str) -> float:
    text = (resources.files("tariffsim") / "data" / "observed" / "us-china-2025.csv").read_text(
        encoding="utf-8"
    )
    rows = [
        r
        for r in csv.DictReader(text.splitlines())
        if (r["importer"], r["exporter"], r["layer"]) == (importer, exporter, layer)
        and r["date"] <= date
    ]
    return float(max(rows, key=lambda r: r["date"])["level"])


def test_busan_deal_keeps_the_reciprocal_layer_and_halves_fentanyl(busan, busan_path):
    p = busan_path
    fent = p.tariffs("US", "CN", layer="fentanyl")
    recip = p.tariffs("US", "CN", layer="reciprocal")
    head = p.tariffs("US", "CN")
    # before the meeting: the Geneva layers, fentanyl 20 + reciprocal 10
    assert fent[0] == pytest.approx(0.20) and recip[0] == pytest.approx(0.10)
    # the deal is struck at Busan, layer by layer
    (a,) = p.agreements
    assert a.date == dt.date(2025, 10, 30)
    assert a.layers[("US", "CN")]["fentanyl"] == pytest.approx(0.10)
    assert a.layers[("US", "CN")]["reciprocal"] == pytest.approx(0.10)
    after = np.asarray(p.dates) >= np.datetime64("2025-10-30")
    # November 2025 as recorded: fentanyl 10% (EO 14357), reciprocal 10% kept (EO 14358)
    assert np.all(fent[after] == pytest.approx(_observed("US", "CN", "fentanyl", "2025-11-10")))
    assert np.all(recip[after] == pytest.approx(_observed("US", "CN", "reciprocal", "2025-11-10")))
    assert np.all(head[after] == pytest.approx(0.20))
    # the canonical split of a 20% headline would be fentanyl 20 + reciprocal 0: not this
    canon = busan.world.decompose(p.tariff[after])[:, busan.world.layer_index("fentanyl"), 0, 1]
    assert np.all(canon == pytest.approx(0.20))
    # the headline is the sum of the layers
    np.testing.assert_allclose(head, p.layers[:, :, 0, 1].sum(axis=1), atol=1e-12)


def test_every_level_of_the_busan_layers_cites_its_source(busan):
    from tariffsim.claims import load_claims

    CLAIMS = load_claims()
    lays = {x.name: x for x in busan.world.instruments[("US", "CN")]}
    assert "us_fentanyl_cn_10_nov" in lays["fentanyl"].claims
    assert "us_reciprocal_cn_10_kept" in lays["reciprocal"].claims
    assert "14357" in CLAIMS["us_fentanyl_cn_10_nov"].source
    assert "14358" in CLAIMS["us_reciprocal_cn_10_kept"].source
    assert "1 Nov 2025" in CLAIMS["us_reciprocal_cn_10_kept"].source


def test_without_layer_bargaining_the_deal_moves_the_headline_only(busan):
    g = busan.game
    events = tuple(
        dataclasses.replace(e, layers=False) if e.kind == "summit" else e for e in g.events
    )
    p = ts.simulate(g.replace(events=events), seed=0)
    (a,) = p.agreements
    assert a.layers == {}
    # the agreed headline is split along the escalation chain: no layer held apart
    np.testing.assert_array_equal(p.layers, g.world.decompose(p.tariff))


def test_batch_with_layers_apart_equals_single_runs_and_chunks(busan, monkeypatch):
    g = busan.game
    # with inelastic imports (0.5) there is no deal at Busan, so no layers held apart;
    # noise moves other runs off their paths
    e0 = parampath.default(g, "elasticity")
    over = {
        "elasticity": np.array([e0, 0.5, e0, e0, 0.5]),
        "noise": np.array([0.0, 0.0, 0.3, 0.1, 0.2]),
    }
    seeds = [0, 1, 2, 3, 4]
    whole = ts.simulate_batch(g, seeds=seeds, overrides=over)
    off = [
        not np.array_equal(whole[r].layers, g.world.decompose(whole[r].tariff)) for r in range(5)
    ]
    assert any(off) and not all(off)  # the batch mixes runs with layers apart and without
    for r in range(5):
        one = ts.simulate(parampath.apply(g, {k: float(v[r]) for k, v in over.items()}), seed=r)
        for name in ("tariff", "payoff", "equity", "terms", "layers", "effective"):
            assert getattr(whole[r], name).tobytes() == getattr(one, name).tobytes(), (r, name)
    compact = ts.simulate_batch(g, seeds=seeds, overrides=over, record="compact")
    np.testing.assert_array_equal(
        compact.layer_series("US", "CN", "fentanyl"), whole.layer_series("US", "CN", "fentanyl")
    )
    monkeypatch.setattr(engine, "_CHUNK", 2)
    monkeypatch.setattr(engine, "_CHUNK_MIN", 2)
    chunked = ts.simulate_batch(g, seeds=seeds, overrides=over)
    assert chunked.layers.tobytes() == whole.layers.tobytes()
    assert chunked.payoff.tobytes() == whole.payoff.tobytes()


def _game_with(events, *, strategies=("hold", "hold")) -> ts.Game:
    g = ts.load_scenario("us-china-145").game
    agents = tuple(
        ts.Agent(c, ts.make_strategy(s), targets=(o,))
        for c, o, s in (("US", "CN", strategies[0]), ("CN", "US", strategies[1]))
    )
    neg = dataclasses.replace(g.negotiation, enabled=False, demands=())
    return g.replace(events=tuple(events), agents=agents, negotiation=neg, rounds=4)


def _set(layer: str, level: float, dyad=("CN", "US"), when: int = 0) -> ts.Event:
    return ts.Event(when, "set", importer=dyad[0], exporter=dyad[1], layer=layer, level=level)


def test_an_event_sets_that_layer_and_its_coverage_prices_it():
    # 10% on all US goods (the counter layer) against 10% on the targeted lists (29%)
    across = ts.simulate(_game_with([_set("counter", 0.10)]), seed=0)
    targeted = ts.simulate(_game_with([_set("targeted", 0.10)]), seed=0)
    w = across.codes
    cn, us = w.index("CN"), w.index("US")
    assert across.tariffs("CN", "US", layer="counter")[-1] == pytest.approx(0.10)
    assert across.tariffs("CN", "US", layer="targeted")[-1] == 0.0
    # same headline, different layers: different trade hit, different costs
    assert across.tariff[-1, cn, us] == targeted.tariff[-1, cn, us] == pytest.approx(0.10)
    assert across.effective[-1, cn, us] == pytest.approx(0.10)
    assert targeted.effective[-1, cn, us] == pytest.approx(0.029)
    assert across.payoff[-1, us] < targeted.payoff[-1, us]  # US exporters lose more
    assert not np.allclose(across.payoff[-1], targeted.payoff[-1])


def test_moves_step_the_layers_from_where_an_event_left_them():
    # fentanyl 10 with reciprocal 34 (the escalation chain would read 44 as 20 + 24)
    events = [_set("fentanyl", 0.10, ("US", "CN")), _set("reciprocal", 0.34, ("US", "CN"))]
    up = ts.simulate(_game_with(events, strategies=("always-escalate", "hold")), 2, seed=0)
    assert up.tariffs("US", "CN", layer="reciprocal")[0] == pytest.approx(0.34)
    assert up.tariffs("US", "CN")[0] == pytest.approx(0.44)
    # a raise steps the first layer below its top: fentanyl 10 -> 20 (headline 54), then
    # the reciprocal layer 34 -> 84 (headline 104)
    assert up.tariffs("US", "CN", layer="fentanyl")[1] == pytest.approx(0.20)
    np.testing.assert_allclose(up.tariffs("US", "CN"), [0.44, 0.54, 1.04])
    down = ts.simulate(_game_with(events, strategies=("always-deescalate", "hold")), 2, seed=0)
    # a cut steps the last layer above its bottom: reciprocal 34 -> 10 (its truce rung) -> 0
    np.testing.assert_allclose(down.tariffs("US", "CN", layer="reciprocal"), [0.34, 0.10, 0.0])
    np.testing.assert_allclose(down.tariffs("US", "CN", layer="fentanyl"), [0.10, 0.10, 0.10])
    np.testing.assert_allclose(down.tariffs("US", "CN"), [0.44, 0.20, 0.10])


def test_a_strategy_scores_the_layer_steps_it_can_take():
    # a myopic US in a state with layers apart: the candidate it scores for a raise is the
    # one the engine then plays (fentanyl up), so its payoff matches the recorded one
    events = [_set("fentanyl", 0.10, ("US", "CN")), _set("reciprocal", 0.34, ("US", "CN"))]
    g = _game_with(events, strategies=("myopic", "myopic"))
    p = ts.simulate(g, 3, seed=0)
    fent, recip = (p.tariffs("US", "CN", layer=x) for x in ("fentanyl", "reciprocal"))
    steps = np.round(np.diff(p.tariffs("US", "CN")), 12)
    for r in range(1, 3):  # each change is one layer step
        changed = (fent[r + 1] != fent[r]) + (recip[r + 1] != recip[r])
        assert changed <= 1, (r, fent, recip)
        assert steps[r] == pytest.approx(fent[r + 1] - fent[r] + recip[r + 1] - recip[r])


APART = """
format = 1
name = "layers-apart"
[calendar]
start = 2025-04-02
rounds = 3
[world.imports]
"US-JP" = 137.0
"JP-US" = 13.0
[world.ladders]
"JP-US" = [0.0, 0.1, 0.2]
[world.instruments]
"US-JP" = [
    { name = "baseline", levels = [0.0, 0.10] },
    { name = "reciprocal", levels = [0.0, 0.36] },
]
[[events]]
round = 1
kind = "set"
dyad = "US-JP"
layer = "reciprocal"
level = 0.36
"""


def test_a_plain_dyad_moves_while_a_layered_one_is_off_its_split():
    # the event leaves US-JP's layers off the escalation chain (reciprocal 36, baseline 0);
    # JP answers on its plain ladder: its one layer is its headline, and its buyers pay it
    # (the layers kept JP-US at zero: simulate refused its own path, an ensemble priced
    # JP's tariff at nothing)
    import tomllib

    answer = '[[agents]]\ncountry = "JP"\nstrategy = "tit-for-tat"\ntargets = ["US"]\n'
    fixed = (
        '[[events]]\nround = 1\nkind = "set"\ndyad = "JP-US"\nlevel = 0.1\n'
        '[[agents]]\ncountry = "JP"\nstrategy = "hold"\ntargets = ["US"]\n'
    )
    moved = ts.parse_scenario(tomllib.loads(APART + answer)).simulate(seed=0)
    set_ = ts.parse_scenario(tomllib.loads(APART + fixed)).simulate(seed=0)
    jp, us = moved.codes.index("JP"), moved.codes.index("US")
    np.testing.assert_array_equal(moved.tariffs("JP", "US"), [0.0, 0.1, 0.1, 0.1])
    np.testing.assert_array_equal(moved.layers[:, 0, jp, us], moved.tariffs("JP", "US"))
    np.testing.assert_allclose(moved.layers.sum(axis=1), moved.tariff, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(moved.tariffs("US", "JP", layer="reciprocal")[1:], 0.36)
    pain = ts.payoffs.TERMS.index("tariff_pain")
    assert (moved.terms[1:, pain, jp] < 0).all()
    np.testing.assert_array_equal(moved.terms[:, pain, jp], set_.terms[:, pain, jp])
    with pytest.warns(ts.errors.IdenticalRunsWarning):  # (batched, each run is simulate's)
        ens = ts.ensemble(ts.parse_scenario(tomllib.loads(APART + answer)), runs=2, seed=0)
    np.testing.assert_array_equal(ens.payoff[1], moved.payoff)


def test_path_layers_are_the_state_not_a_split():
    events = [_set("counter", 0.10)]
    p = ts.simulate(_game_with(events), seed=0)
    w = ts.World.default()
    assert not np.array_equal(p.layers, w.decompose(p.tariff))
    pb = ts.simulate_batch(_game_with(events), seeds=[0], record="compact")
    assert pb.layer_series("CN", "US", "counter")[0, -1] == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: _game_with([_set("reciprocal", 0.10)]), TariffsimError, ["reciprocal"]),
        (lambda: _game_with([_set("counter", 0.2)]), TariffsimError, ["0.2"]),
        (
            lambda: ts.Event(1, "set", importer="US", exporter="CN", level=0.1, layers=True),
            ParameterError,
            ["layers", "summit"],
        ),
        (
            lambda: ts.Event(1, "summit", parties=("US", "CN"), layers="yes"),
            ParameterError,
            ["yes"],
        ),
    ],
)
def test_bad_layer_input_names_field_and_value(make, error, words):
    with pytest.raises(error) as e:
        make()
    for w in words:
        assert w in str(e.value)


def test_unknown_layer_on_a_path_or_batch_names_it(busan_path, busan):
    with pytest.raises(UnknownNameError, match="'tariff2'"):
        busan_path.tariffs("US", "CN", layer="tariff2")
    pb = ts.simulate_batch(busan.game, 3, seeds=[0], record="compact")
    with pytest.raises(UnknownNameError, match=r"'counter'.*fentanyl, reciprocal, threatened"):
        pb.layer_series("US", "CN", "counter")


def test_scenario_file_rejects_a_non_boolean_layers_flag():
    text = resources.files("tariffsim").joinpath("scenarios/threat-100-nov1.toml").read_text()
    bad = text.replace("layers = true", "layers = 1")
    with pytest.raises(TariffsimError, match=r"events\[\d+\]\.layers.*1"):
        ts.scenario.parse_scenario(ts.scenario.loads_toml(bad))


def _threat_game(layer: str):
    g = ts.load_scenario("threat-100-nov1").game
    th = g.threats[0]
    th = dataclasses.replace(th, layer=layer, level=1.0 if layer else 1.30, when=3, unless="")
    hold = tuple(dataclasses.replace(a, strategy=ts.make_strategy("hold")) for a in g.agents)
    cut = _set("fentanyl", 0.10, ("US", "CN"))  # the Busan fentanyl layer, from the start
    neg = dataclasses.replace(g.negotiation, enabled=False, demands=())
    g = g.replace(agents=hold, events=(cut,), threats=(th,), negotiation=neg, rounds=4)
    # a US that believes China pays the tariff finds the threat worth carrying out
    return parampath.apply(g, {"belief:pass_through.US.CN": 0.0})


def test_a_threat_on_a_layer_adds_to_the_layers_in_force():
    on_layer = ts.simulate(_threat_game("threatened"), seed=0)
    assert any("carried out" in e.label and "not" not in e.label for e in on_layer.events)
    # fentanyl 10 + reciprocal 10 + the threatened 100: 120, the fentanyl cut kept
    np.testing.assert_allclose(on_layer.tariffs("US", "CN")[-1], 1.20)
    assert on_layer.tariffs("US", "CN", layer="fentanyl")[-1] == pytest.approx(0.10)
    assert on_layer.tariffs("US", "CN", layer="threatened")[-1] == pytest.approx(1.0)
    # a headline threat sets 130, split along the chain: fentanyl back at 20
    headline = ts.simulate(_threat_game(""), seed=0)
    np.testing.assert_allclose(headline.tariffs("US", "CN")[-1], 1.30)
    assert headline.tariffs("US", "CN", layer="fentanyl")[-1] == pytest.approx(0.20)


def test_a_threat_names_a_layer_of_its_dyad_and_a_rung_of_it():
    g = _threat_game("threatened")
    th = g.threats[0]
    with pytest.raises(UnknownNameError, match=r"'tariff9'.*fentanyl, reciprocal, threatened"):
        g.replace(threats=(dataclasses.replace(th, layer="tariff9"),))
    with pytest.raises(ParameterError, match=r"0\.5 .*threatened layer"):
        g.replace(threats=(dataclasses.replace(th, level=0.5),))
    text = resources.files("tariffsim").joinpath("scenarios/threat-100-nov1.toml").read_text()
    bad = text.replace("level = 1.30\ndate", 'layer = "threatened"\nlevel = 1.30\ndate')
    with pytest.raises(TariffsimError, match=r"threats\[0\]\.level.*threatened layer.*1\.3"):
        ts.scenario.parse_scenario(ts.scenario.loads_toml(bad))
