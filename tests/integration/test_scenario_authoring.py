"""Mistakes an analyst makes writing a scenario file: each is read as meant or named with
what to write instead; a tariff written in percent warns."""

from __future__ import annotations

import copy
import datetime as dt
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.errors import PlausibilityWarning, ScenarioError

BASE = dict(ts.load_scenario("us-china-145").data)
SMALL = dict(ts.load_scenario("canada-mexico-fentanyl").data)


def _edit(edit: Callable[[dict[str, Any]], Any], base: dict[str, Any] = BASE) -> dict[str, Any]:
    d = copy.deepcopy(base)
    edit(d)
    return d


def _ladder(d: dict[str, Any], levels: list[float]) -> None:
    d.setdefault("world", {}).setdefault("ladders", {})["US-CA"] = levels


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        ts.parse_scenario(data)
    return info.value.problems


def test_unquoted_dotted_keys_are_the_quoted_ones() -> None:
    # TOML reads `resolve_weight.US = 0.7` (unquoted) as a nested table
    quoted = ts.parse_scenario(_edit(lambda d: d.update(params={"resolve_weight.US": 0.7})))
    nested = ts.parse_scenario(_edit(lambda d: d.update(params={"resolve_weight": {"US": 0.7}})))
    a, b = quoted.game.model.params, nested.game.model.params
    assert np.array_equal(a.resolve_weight, b.resolve_weight) and a.resolve_weight[0] == 0.7
    w1 = ts.parse_scenario(_edit(lambda d: d.update(weights={"recession.US": 2.0})))
    w2 = ts.parse_scenario(_edit(lambda d: d.update(weights={"recession": {"US": 2.0}})))
    assert np.array_equal(w1.game.model.weights, w2.game.model.weights)
    assert not np.array_equal(
        w1.game.model.weights, ts.load_scenario("us-china-145").game.model.weights
    )


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["events"][0].update(date="2025-04-02"), "written without quotes"),
        (lambda d: d["events"][0].update(dyad="US->CN"), "files write 'US->CN' as 'US-CN'"),
        (lambda d: d["events"][0].update(dyad="us-CN"), "codes are upper case: 'US'"),
        (lambda d: d["events"][0].pop("kind"), "events[0].kind: missing"),
        (lambda d: d["agents"][0].pop("country"), "agents[0].country: missing"),
        (lambda d: _ladder(d, [0, 10, 25]), "0.46 is 46%"),
        (lambda d: d["agents"][0].update(targets=["US-CN"]),
         "a target is a country: 'CN', not a dyad 'US-CN'"),
        (lambda d: d["events"].append(
            {"date": d["events"][0]["date"], "kind": "set", "dyad": "JP-KR", "level": 0.1}),
         ".dyad: no tariff ladder for JP-KR"),
    ],
)  # fmt: skip
def test_a_mistake_is_named_with_what_to_write(edit: Any, words: str) -> None:
    probs = _problems(_edit(edit))
    assert any(words in p for p in probs), probs


def test_an_empty_file_is_called_empty(tmp_path) -> None:
    for text in ("", "# only a comment\n"):
        f = tmp_path / "x.toml"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError, match="the scenario is empty"):
            ts.load_scenario(f)


def test_a_demand_met_by_a_concession_between_other_countries_is_refused() -> None:
    probs = _problems(_edit(lambda d: d["demands"][0].update(concession="border_mexico"), SMALL))
    assert any("'border_mexico' is given by MX to US" in p for p in probs), probs
    with pytest.raises(ScenarioError, match=r"demands.*missing"):
        ts.parse_scenario(_edit(lambda d: d["demands"][0].pop("concession"), SMALL))


def test_tariffs_written_in_percent_warn_and_fractions_do_not() -> None:
    pct = _edit(lambda d: _ladder(d, [0, 5, 10]))
    with pytest.warns(PlausibilityWarning, match=r"world\.ladders\.US-CA = 10"):
        ts.parse_scenario(pct)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ts.list_scenarios():
            ts.parse_scenario(copy.deepcopy(dict(ts.load_scenario(name).data)))


def test_a_threat_on_a_dyad_without_a_ladder_names_the_dyad() -> None:
    threat = dict(ts.load_scenario("threat-100-nov1").data)["threats"][0]
    data = _edit(lambda d: d.setdefault("threats", []).append({**threat, "dyad": "JP-KR"}))
    probs = _problems(data)
    assert any(p.startswith("threats[0].dyad: no tariff ladder for JP-KR") for p in probs), probs


def test_a_gdp_in_billions_warns_as_other_units() -> None:
    big = _edit(lambda d: d.setdefault("world", {}).setdefault("countries", {}).update(
        {"VN": {"gdp": 480.0}}))  # fmt: skip
    with pytest.warns(PlausibilityWarning, match=r"VN's GDP is 480 tn"):
        ts.parse_scenario(big)
    small = _edit(lambda d: d.setdefault("world", {}).setdefault("countries", {}).update(
        {"VN": {"gdp": 0.48}}))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts.parse_scenario(small)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["agents"][0].update(active_from=dt.date(2027, 1, 1)), "would never move"),
        (lambda d: d["agents"][0].update(active_from=500), "would never move"),
        (lambda d: d["agents"].append({"country": "JP", "strategy": "hold"}),
         "JP has no tariff or export-control ladder to move on"),
        (lambda d: d.update(calender={"rounds": 3}), "did you mean 'calendar'?"),
        (lambda d: d["agents"][0].update(beliefs={"targets": ["CN"]}),
         "'targets' is an agent's field, not a parameter"),
    ],
)  # fmt: skip
def test_an_agent_that_could_never_move_is_refused(edit: Any, words: str) -> None:
    probs = _problems(_edit(edit))
    assert any(words in p for p in probs), probs


def test_a_parameter_given_twice_or_an_empty_nested_table_is_said() -> None:
    twice = _edit(lambda d: d["params"].update({"resolve_weight.US": 0.5,
                                                "resolve_weight": {"US": 0.7}}))  # fmt: skip
    assert any("given twice" in p for p in _problems(twice))
    empty = _edit(lambda d: d["params"].update({"resolve_weight": {}}))
    assert any("params.resolve_weight: an empty table" in p for p in _problems(empty))


def test_a_control_event_needs_a_control_ladder_and_one_of_its_rungs() -> None:
    """A control event on a dyad without a control ladder was recorded in the path and weighed
    nothing in any payoff; one off the ladder's rungs made a state no agent could move."""
    sc = ts.load_scenario("us-china-145")

    def control(importer: str, exporter: str, level: float) -> ts.Event:
        return ts.Event(dt.date(2025, 5, 1), "control", "chips", importer=importer,
                        exporter=exporter, level=level)  # fmt: skip

    with pytest.raises(ts.ParameterError, match=r"no export-control ladder for US-CN.*now: CN-US"):
        sc.with_events(control("US", "CN", 0.5))
    with pytest.raises(ts.ParameterError, match=r"level 0\.3 is not on the CN-US control ladder"):
        sc.with_events(control("CN", "US", 0.3))
    assert sc.with_events(control("CN", "US", 0.25)).simulate(seed=0, rounds=20).control.any()
    bad = _edit(lambda d: d["events"].append(
        {"date": dt.date(2025, 5, 1), "kind": "control", "dyad": "US-CN", "level": 0.5}
    ))  # fmt: skip
    with pytest.raises(ScenarioError, match=r"events\[\d+\].*no export-control ladder for US-CN"):
        ts.parse_scenario(bad)
