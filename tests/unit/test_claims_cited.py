"""Every default number cites claims, and every cited claim id exists."""

import dataclasses

import pytest

import tariffsim as ts
from tariffsim.payoffs import PARAM_SOURCES, Params

PARAM_FIELDS = [f.name for f in dataclasses.fields(Params) if f.name != "calibration"]


@pytest.mark.parametrize("name", PARAM_FIELDS)
def test_every_param_has_sources(name):
    assert name in PARAM_SOURCES
    assert len(PARAM_SOURCES[name]) >= 1


def test_param_sources_name_only_params():
    assert set(PARAM_SOURCES) <= set(PARAM_FIELDS)


@pytest.mark.parametrize(("name", "cid"), [(k, c) for k, ids in PARAM_SOURCES.items() for c in ids])
def test_param_source_ids_exist(name, cid):
    assert cid in ts.claims, f"PARAM_SOURCES[{name!r}] cites unknown claim {cid!r}"


@pytest.mark.parametrize("scenario", ts.list_scenarios())
def test_scenario_claims_exist(scenario):
    sc = ts.load_scenario(scenario)
    assert sc.claims, f"{scenario} cites no claims"
    missing = [c for c in sc.claims if c not in ts.claims]
    assert not missing, f"{scenario}: unknown claim ids {missing}"


@pytest.mark.parametrize("scenario", ts.list_scenarios())
def test_scenario_event_claims_exist(scenario):
    sc = ts.load_scenario(scenario)
    missing = [(e.label, c) for e in sc.game.events for c in e.claims if c not in ts.claims]
    assert not missing, f"{scenario}: events cite unknown claim ids {missing}"


@pytest.mark.parametrize("scenario", ts.list_scenarios())
def test_scenario_events_cite_claims(scenario):
    sc = ts.load_scenario(scenario)
    for e in sc.game.events:
        assert e.claims, f"{scenario}: event {e.label!r} cites no claim"


def test_world_default_sources_exist():
    w = ts.World.default()
    assert set(w.sources) >= {"gdp", "imports", "exempt", "ties", "ladders"}
    missing = [(k, c) for k, ids in w.sources.items() for c in ids if c not in ts.claims]
    assert not missing, f"World.default().sources cites unknown claim ids {missing}"


def test_unknown_claim_id_is_an_error():
    with pytest.raises(ts.UnknownNameError, match="'no_such_claim'"):
        ts.claims["no_such_claim"]
