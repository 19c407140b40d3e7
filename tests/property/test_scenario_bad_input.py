"""Broken scenario mappings give tariffsim errors with field paths, never a crash.

Valid bundled scenarios are mutated — a value replaced by one of the wrong
type, a NaN, a negative number, an unknown name; a key added or removed — and
fed to ``parse_scenario``. Only :class:`tariffsim.errors.TariffsimError`
subclasses may come out, and every problem a ``ScenarioError`` lists starts
with the path of the field at fault.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim._fuzz import _get, _paths
from tariffsim.errors import ScenarioError, TariffsimError

BASES = {name: dict(ts.load_scenario(name).data) for name in ts.list_scenarios()}
TOP = {"format", "name", "title", "description", "claims", "outcomes", "calendar", "world",
       "params", "weights", "initial", "agents", "events", "noise", "<scenario>"}  # fmt: skip
PATH = re.compile(r"^(?P<head>[^.\[:\s]+)[^:]*: ")

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(math.nan),
    st.just(-3.0),
    st.text(max_size=8),
    st.sampled_from(["XX", "US-XX", "US", "US-CN", "tit-for-tatt", "bogus", "nan", "CN-US"]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3), st.floats()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
)


@st.composite
def broken(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
        if op == "replace":
            parent[key] = draw(junk)
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "XX", "gdp", "levels", "kind"]))] = draw(junk)
        else:
            parent.append(draw(junk))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=broken())
def test_only_tariffsim_errors_with_paths(data):
    try:
        ts.parse_scenario(data, source="fuzz")
    except ScenarioError as e:
        assert e.problems
        for msg in e.problems:
            m = PATH.match(msg)
            assert m, f"problem without a field path: {msg!r}"
            head = m.group("head")
            assert head in TOP or head in data or head.startswith("countries"), msg
    except TariffsimError:
        pass


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["world"].setdefault("gdp", {}).update(US=-3), "world.gdp.US"),
        (lambda d: d.update(noise=math.nan), "noise"),
        (lambda d: d["agents"][0].update(strategy="nope"), "agents[0].strategy"),
        (lambda d: d["agents"][0].update(country="XX"), "agents[0].country"),
        (lambda d: d["events"][0].update(kind="bogus"), "events[0].kind"),
        (lambda d: d.update(agents="US"), "agents"),
        (lambda d: d["events"].append(3), "events["),
        (lambda d: d.update(claims=[1]), "claims[0]"),
        (lambda d: d["params"].update({"elasticity": "high"}), "params.elasticity"),
        (lambda d: d.update(world=[]), "world"),
    ],
)
def test_named_problems(edit, path):
    data = copy.deepcopy(BASES["canada-mexico-fentanyl"])
    edit(data)
    with pytest.raises(ScenarioError) as info:
        ts.parse_scenario(data)
    assert any(p.startswith(path) for p in info.value.problems), info.value.problems


def test_unknown_names_list_the_allowed_ones():
    data = copy.deepcopy(BASES["rare-earth-100"])
    data["agents"][0]["strategy"] = "nope"
    data["events"][0]["kind"] = "bogus"
    with pytest.raises(ScenarioError) as info:
        ts.parse_scenario(data)
    text = str(info.value)
    assert "myopic" in text and "control" in text


def test_an_event_on_a_dyad_without_a_ladder_names_its_field():
    """A scenario whose world and agents are gone keeps an event on (US, IN): the problem names
    the event's field path (found by the property test above)."""
    data = copy.deepcopy(BASES["secondary-oil-tariffs"])
    del data["world"], data["agents"]
    with pytest.raises(ScenarioError) as err:
        ts.parse_scenario(data, source="fuzz")
    (msg,) = err.value.problems
    assert msg.startswith("events[0] ('US 25% secondary tariff on India"), msg
    assert PATH.match(msg).group("head") == "events"
