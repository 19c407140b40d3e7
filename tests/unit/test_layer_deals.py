"""Deals over individual tariff layers: a truce can keep one layer and drop another."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import bargaining as bg
from tariffsim.deals import solve_deal
from tariffsim.errors import ScenarioError, TariffsimError

SC = ts.load_scenario("us-china-145")
W = SC.world
PEAK = ts.State.zeros(W.n).with_tariff(W, "US", "CN", 1.45).with_tariff(W, "CN", "US", 1.4)
DIS = {"US": -43.5, "CN": -46.6}


def _deal(**kw):
    kw.setdefault("demands", SC.game.negotiation.demands)
    return solve_deal(SC.game, ("US", "CN"), PEAK, DIS, layers=True, **kw)


def test_scenario_demands_bind_layers():
    assert {(d.layer, d.level) for d in SC.game.negotiation.demands} == {
        ("fentanyl", 0.2),
        ("reciprocal", 0.1),
    }


def test_precursor_controls_buy_the_fentanyl_layer_and_the_baseline_stays():
    d = _deal(concessions=["fentanyl_enforcement_china"])
    assert d.agreed and d.concessions == ("fentanyl_enforcement_china",)
    assert d.layers[("US", "CN")] == {"fentanyl": 0.0, "reciprocal": 0.1}
    # the headline is the sum of the layers, and the state carries the layers as agreed
    assert d.terms[("US", "CN")] == pytest.approx(0.1)
    i, j = W.index("US"), W.index("CN")
    row = {n: W.layer_index(n) for n in ("fentanyl", "reciprocal")}
    assert d.state.layers[row["fentanyl"], i, j] == 0.0
    assert d.state.layers[row["reciprocal"], i, j] == pytest.approx(0.1)
    assert d.state.tariff[i, j] == pytest.approx(0.1)


def test_without_the_concession_both_demanded_layers_are_kept():
    d = _deal(concessions=[])
    assert d.layers[("US", "CN")] == {"fentanyl": 0.2, "reciprocal": pytest.approx(0.1)}


def test_every_layer_at_or_below_today_and_every_gain_positive():
    d = _deal(concessions=None)
    for dy, levels in d.layers.items():
        rows = W._layer_rows[dy]
        i, j = W.index(dy[0]), W.index(dy[1])
        today = PEAK.layered(W).layers
        for (_name, lvl), row in zip(levels.items(), rows, strict=True):
            assert lvl <= today[row, i, j] + 1e-12
        assert d.terms[dy] == pytest.approx(sum(levels.values()))
    assert all(g > 0 for g in d.gain.values())


def test_layer_deals_search_a_superset_of_the_headline_deals():
    head = solve_deal(SC.game, ("US", "CN"), PEAK, DIS, demands=SC.game.negotiation.demands)
    lay = _deal()
    assert lay.candidates > head.candidates
    # the Nash product of the layer deal is at least the headline deal's
    prod = lambda d: float(np.prod([d.gain[p] for p in d.parties]))  # noqa: E731
    assert prod(lay) >= prod(head) * (1 - 1e-9)


def test_single_layer_worlds_are_unchanged_by_the_option():
    g = ts.load_scenario("canada-mexico-fentanyl").game
    w = g.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "MX", 0.25)
    dis = {"US": -9.0, "MX": -19.0}
    a = solve_deal(g, ("US", "MX"), s, dis, demands=g.negotiation.demands)
    b = solve_deal(g, ("US", "MX"), s, dis, demands=g.negotiation.demands, layers=True)
    assert a.terms == b.terms and a.concessions == b.concessions and not b.layers


def test_agreement_layers_round_trip_through_json():
    a = bg.Agreement(
        round=3, date=SC.game.date(3), parties=("US", "CN"), terms={("US", "CN"): 0.1},
        concessions=(), gain={"US": 1.0, "CN": 1.0}, split={"US": 0.5, "CN": 0.5},
        layers={("US", "CN"): {"fentanyl": 0.0, "reciprocal": 0.1}},
    )  # fmt: skip
    d = a.to_dict()
    assert d["layers"] == {"US-CN": {"fentanyl": 0.0, "reciprocal": 0.1}}
    from tariffsim.path import _agreement

    assert _agreement(json.loads(json.dumps(d))) == a


def test_bad_demand_layer_is_named(tmp_path):
    src = (resources.files("tariffsim") / "scenarios" / "us-china-145.toml").read_text("utf-8")
    bad = src.replace('layer = "fentanyl"\nconcession', 'layer = "tarif"\nconcession', 1)
    assert bad != src
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises((ScenarioError, TariffsimError), match=r"demands\[0\]\.layer.*tarif"):
        ts.load_scenario(p)


def test_a_misspelt_demand_concession_is_refused(tmp_path):
    """A demand whose concession no summit can offer is never met: its tariff would never
    come off, without a word (canada-mexico-fentanyl kept the US at 25% on Canada)."""
    src = (resources.files("tariffsim") / "scenarios" / "canada-mexico-fentanyl.toml").read_text(
        "utf-8"
    )
    bad = src.replace('concession = "border_canada"', 'concession = "border_canadaa"', 1)
    assert bad != src
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"demands\[\d+\]\.concession: unknown concession "
                       r"'border_canadaa'; did you mean 'border_canada'\?"):  # fmt: skip
        ts.load_scenario(p)
    # a standing demand, which no concession meets, is a name far from every concession's
    ok = src.replace('concession = "border_canada"', 'concession = "new_trade_deal"', 1)
    p.write_text(ok, encoding="utf-8")
    path = ts.load_scenario(p).simulate(seed=0)
    assert path.series("US", "CA")[-1] == 0.25  # never met: the floor holds


def test_a_misspelt_concession_is_refused_from_python_too():
    """Where the game's concessions are known: in a Negotiation and in nash_bargain's
    demands (a Demand alone cannot tell a typo from a concession a game defines)."""
    from tariffsim import bargaining as bg

    sc = ts.load_scenario("canada-mexico-fentanyl")
    w = sc.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "MX", 0.25)
    for typo in ("border_mexic", "BORDER_MEXICO", "mexico_border", "Border-Mexico"):
        with pytest.raises(ts.UnknownNameError, match="did you mean 'border_mexico'"):
            bg.Negotiation(demands=(bg.Demand("US", "MX", 0.25, typo),))
        with pytest.raises(ts.UnknownNameError, match=r"demands\[0\].*'border_mexico'"):
            bg.nash_bargain(sc.game, ("US", "MX"), s, horizon=2,
                            demands=[bg.Demand("US", "MX", 0.25, typo)])  # fmt: skip
    standing = bg.Negotiation(demands=(bg.Demand("US", "MX", 0.25, "never-given"),))
    assert standing.demands[0].concession == "never-given"
    own = bg.Concession("border_mexico_2026", "MX", "US", 0.01, 0.2)  # close to a bundled name
    neg = bg.Negotiation(concessions=(own,), demands=(bg.Demand("US", "MX", 0.25, own.name),))
    assert neg.pool[own.name] is own
    with pytest.raises(ts.UnknownNameError, match="did you mean 'border_mexico_2026'"):
        bg.Negotiation(
            concessions=(own,), demands=(bg.Demand("US", "MX", 0.2, "border_mexico_206"),)
        )


def test_a_demand_names_its_concession_and_a_long_code_is_shortened():
    from tariffsim import bargaining as bg

    for bad in (5, None, ""):
        with pytest.raises(ts.errors.ParameterError, match="`concession` must name a concession"):
            bg.Demand("US", "MX", 0.25, bad)
    p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=2)
    ens = ts.ensemble("us-china-145", runs=2, seed=0, rounds=2, vary="claims")
    for call in (
        lambda: p.series("US->" + "C" * 100_000),
        lambda: ens.quantiles("US", "C" * 100_000),
    ):
        with pytest.raises(ts.UnknownNameError) as e:
            call()
        assert len(str(e.value)) < 1_000
