"""Demand floors on layered worlds: ladders cut layer by layer; the CLI marks the deals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.cli import main


def test_floor_world_cuts_a_layered_dyad_along_its_chain() -> None:
    w = ts.load_scenario("us-china-145").world
    fw = ts.bargaining.floor_world(w, {("US", "CN"): 0.30})
    assert fw is not None
    lays = fw.instruments[("US", "CN")]
    # the layers keep their names, pretexts and coverage
    assert [x.name for x in lays] == ["fentanyl", "reciprocal"]
    assert [x.pretext for x in lays] == [x.pretext for x in w.instruments[("US", "CN")]]
    assert lays[0].levels.levels == (0.2,)
    assert lays[1].levels.levels[0] == pytest.approx(0.1)
    # every headline rung kept is a rung of the old ladder at or above the floor
    old = w.ladders[("US", "CN")].levels
    assert set(fw.ladders[("US", "CN")].levels) == {x for x in old if x >= 0.3 - 1e-12}
    # other dyads are untouched
    assert fw.instruments[("CN", "US")] == w.instruments[("CN", "US")]


def test_floor_world_inside_the_first_layer_and_above_the_top() -> None:
    w = ts.load_scenario("us-china-145").world
    fw = ts.bargaining.floor_world(w, {("US", "CN"): 0.10})
    assert fw is not None
    assert fw.ladders[("US", "CN")].levels[0] == pytest.approx(0.1)
    assert fw.instruments[("US", "CN")][1] == w.instruments[("US", "CN")][1]
    assert ts.bargaining.floor_world(w, {("US", "CN"): 2.0}) is None
    assert ts.bargaining.floor_world(w, {}) is w


def test_single_layer_floor_leaves_one_rung() -> None:
    g = ts.load_scenario("canada-mexico-fentanyl").game
    fg = eq.with_demand_floors(g)
    assert fg.world.ladders[("US", "CA")].levels == (0.25,)
    assert fg.world.instruments[("US", "CA")][0].name == "fentanyl"


def test_floors_lifted_by_met_concessions() -> None:
    g = ts.load_scenario("us-china-145").game
    fg = eq.with_demand_floors(g, met={"fentanyl_enforcement_china"})
    assert fg.world.ladders[("US", "CN")].levels[0] == pytest.approx(0.1)
    both = {"fentanyl_enforcement_china", "trade_agreement"}
    assert eq.with_demand_floors(g, met=both) is g


def test_layered_equilibrium_keeps_the_demanded_layers() -> None:
    g = ts.load_scenario("us-china-145").game
    w = g.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    r = eq.markov_perfect(eq.with_demand_floors(g, peak), discount=0.95, moves="jump")
    p = r.path(peak, rounds=4)
    us = [float(x) for x in p.series("US", "CN")]
    cn = [float(x) for x in p.series("CN", "US")]
    # both cut in the same round, the US to its demanded layers, and rest there
    assert us[1] == pytest.approx(0.30) and cn[1] < cn[0]
    assert us[1:] == [us[1]] * 4 and cn[1:] == [cn[1]] * 4


def test_equilibrium_command_marks_deals_on_a_layered_scenario(tmp_path: Path, capsys: Any) -> None:
    sc = ts.load_scenario("canada-mexico-fentanyl")
    assert sc.world.instruments[("US", "CN")][0].name == "fentanyl"  # a layered world
    code = main(["equilibrium", "canada-mexico-fentanyl", "--rounds", "6", "--no-plot",
                 "--format", "json", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    ags = data["agreements"]
    assert {tuple(sorted(a["parties"])) for a in ags} == {("CA", "US"), ("MX", "US")}
    assert {c for a in ags for c in a["concessions"]} == {"border_canada", "border_mexico"}
    # the floors hold the US tariffs at 25% until the deals; then the US pauses both
    p = ts.Path.from_json(json.dumps(data))
    for partner in ("CA", "MX"):
        series = [float(x) for x in p.series("US", partner)]
        assert series[:2] == [0.25, 0.25]
        assert series[2:] == [0.0] * (len(series) - 2)
    assert all(a["round"] == 2 for a in ags)


def test_equilibrium_command_with_jumps_cuts_both_in_one_round(tmp_path: Path, capsys: Any) -> None:
    code = main(["equilibrium", "us-china-145", "--moves", "jump", "--start",
                 "US-CN=1.45,CN-US=1.4", "--rounds", "4", "--no-plot", "--format", "json",
                 "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    p = ts.Path.from_json(capsys.readouterr().out)
    us, cn = [float(x) for x in p.series("US", "CN")], [float(x) for x in p.series("CN", "US")]
    assert us[0] == 1.45 and cn[0] == 1.4
    assert us[1] == pytest.approx(0.30) and cn[1] < 0.5  # both in round 1, the US to its floors
    assert us[1:] == [us[1]] * 4 and cn[1:] == [cn[1]] * 4
