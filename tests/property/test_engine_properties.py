"""Property tests for the engine: determinism, ladders, strategy invariants, I/O."""

import csv
import dataclasses
import hashlib
import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts

seeds = st.integers(0, 2**32 - 1)
noises = st.floats(0, 1, allow_nan=False)
SETTINGS = settings(max_examples=15, deadline=None)

ARRAY_FIELDS = [
    f.name
    for f in dataclasses.fields(ts.Path)
    if f.name not in ("codes", "events", "meta", "layer_names")
]


SCENARIO = ts.load_scenario("us-china-145")
WORLD = ts.World.default()
MODEL = ts.PayoffModel(WORLD)


def assert_paths_identical(a, b):
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is None:
            continue
        assert x.dtype == y.dtype, name
        assert x.shape == y.shape, name
        assert x.tobytes() == y.tobytes(), name  # bit for bit
    assert a.codes == b.codes
    assert a.layer_names == b.layer_names
    assert a.events == b.events
    assert dict(a.meta) == dict(b.meta)


def noisy(noise):
    return SCENARIO.game.replace(noise=noise)


# -- determinism ----------------------------------------------------------------------------
@SETTINGS
@given(seed=seeds, noise=noises)
def test_same_seed_same_path(seed, noise):
    game = noisy(noise)
    assert_paths_identical(ts.simulate(game, seed=seed), ts.simulate(game, seed=seed))


def test_same_seed_same_path_from_generator():
    game = noisy(0.2)
    a = ts.simulate(game, rng=np.random.default_rng(11))
    b = ts.simulate(game, rng=np.random.default_rng(11))
    assert_paths_identical(a, b)


def test_noise_changes_the_path():
    game = noisy(0.3)
    tariffs = {ts.simulate(game, seed=s).tariff.tobytes() for s in range(6)}
    assert len(tariffs) > 1


_HASH_CODE = """
import hashlib, tariffsim as ts
sc = ts.load_scenario("us-china-145")
p = ts.simulate(sc.game.replace(noise={noise}), seed={seed})
print(hashlib.sha256(p.tariff.tobytes() + p.payoff.tobytes()).hexdigest())
"""


@pytest.mark.parametrize(("seed", "noise"), [(0, 0.0), (12345, 0.15)])
def test_same_seed_same_path_in_another_process(seed, noise):
    p = ts.simulate(noisy(noise), seed=seed)
    here = hashlib.sha256(p.tariff.tobytes() + p.payoff.tobytes()).hexdigest()
    out = subprocess.run(
        [sys.executable, "-c", _HASH_CODE.format(seed=seed, noise=noise)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == here


# -- ladders --------------------------------------------------------------------------------
def assert_on_ladders(world, path):
    for (a, b), lad in world.ladders.items():
        series = path.series(a, b)
        for r, x in enumerate(series):
            assert lad.contains(x), f"{a}->{b} round {r}: {x} not on {lad.levels}"


@SETTINGS
@given(seed=seeds, noise=noises)
def test_levels_stay_on_ladder_us_china(seed, noise):
    game = noisy(noise)
    assert_on_ladders(game.world, ts.simulate(game, seed=seed))


@SETTINGS
@given(seed=seeds, noise=noises)
def test_levels_stay_on_ladder_four_players(seed, noise):
    agents = (
        ts.Agent("US", ts.GrimTrigger()),
        ts.Agent("CN", ts.TitForTat()),
        ts.Agent("CA", ts.Scripted({1: {"US": 1}, 3: {"US": -1}})),
        ts.Agent("MX", ts.Hold()),
    )
    events = (ts.Event(2, "set", importer="US", exporter="MX", level=0.25),)
    game = ts.Game(WORLD, MODEL, agents=agents, events=events, rounds=20, noise=noise)
    assert_on_ladders(WORLD, ts.simulate(game, seed=seed))


def test_bundled_event_levels_are_on_the_ladder():
    w = SCENARIO.world
    for e in SCENARIO.game.events:
        if e.kind == "set" and e.layer:
            lays = {x.name: x for x in w.instruments[(e.importer, e.exporter)]}
            assert lays[e.layer].levels.contains(e.level), e.label
        elif e.kind == "set":
            assert w.ladders[(e.importer, e.exporter)].contains(e.level), e.label


@pytest.mark.parametrize(("seed", "noise"), [(0, 1.0), (1, 0.5), (7, 0.2), (42, 0.05)])
def test_inactive_agent_holds_under_noise(seed, noise):
    # Agent.active_from: before it the agent holds and its dyads move only by
    # scheduled announcements -- execution noise has no move to perturb.
    game = noisy(noise)
    us = game.agents[0]
    assert us.code == "US"
    first_active = game.round_of(us.active_from)
    noisy_path = ts.simulate(game, seed=seed)
    quiet_path = SCENARIO.simulate(seed=0)
    np.testing.assert_array_equal(
        noisy_path.series("US", "CN")[:first_active], quiet_path.series("US", "CN")[:first_active]
    )
    assert np.all(noisy_path.moves[:first_active, 0, 1] == 0)


# -- strategies -----------------------------------------------------------------------------
@SETTINGS
@given(seed=seeds, rounds=st.integers(1, 40))
def test_two_tit_for_tat_never_move(seed, rounds):
    agents = (
        ts.Agent("US", ts.TitForTat()),
        ts.Agent("CN", ts.TitForTat()),
        ts.Agent("CA", ts.TitForTat()),
        ts.Agent("MX", ts.TitForTat()),
    )
    path = ts.Game(WORLD, MODEL, agents=agents, rounds=rounds).simulate(seed=seed)
    assert np.all(path.tariff == 0)
    assert np.all(path.moves == 0)


@SETTINGS
@given(seed=seeds, first=st.integers(1, 15), later=st.lists(st.sampled_from([-1, 0, 1])))
def test_tit_for_tat_escalates_only_after_the_opponent(seed, first, later):
    schedule = {first: {"US": 1}}
    for k, m in enumerate(later[:10]):
        schedule[first + 1 + k] = {"US": m}
    agents = (ts.Agent("US", ts.TitForTat(), ("CN",)), ts.Agent("CN", ts.Scripted(schedule)))
    path = ts.Game(WORLD, MODEL, agents=agents, rounds=30).simulate(seed=seed)
    us, cn = WORLD.index("US"), WORLD.index("CN")
    cn_up = np.flatnonzero(np.diff(path.tariff[:, cn, us]) > 0) + 1
    us_up = np.flatnonzero(path.moves[:, us, cn] == 1)
    assert cn_up[0] == first
    assert us_up.size > 0
    assert us_up[0] > cn_up[0]
    assert us_up[0] == first + 1  # it answers in the next round


@SETTINGS
@given(
    seed=seeds,
    first=st.integers(1, 10),
    script=st.lists(st.sampled_from([-1, 0, 1]), min_size=0, max_size=15),
)
def test_grim_trigger_never_deescalates_once_triggered(seed, first, script):
    schedule = {first: {"US": 1}}
    for k, m in enumerate(script):
        schedule[first + 1 + k] = {"US": m}
    agents = (ts.Agent("US", ts.GrimTrigger(), ("CN",)), ts.Agent("CN", ts.Scripted(schedule)))
    path = ts.Game(WORLD, MODEL, agents=agents, rounds=30).simulate(seed=seed)
    us, cn = WORLD.index("US"), WORLD.index("CN")
    moves = path.moves[:, us, cn]
    assert np.all(moves[: first + 1] == 0)  # holds until CN escalates
    assert np.all(moves[first + 1 :] == 1)  # then escalates every round
    assert np.all(np.diff(path.tariff[first:, us, cn]) >= 0)
    assert path.tariff[-1, us, cn] == WORLD.ladders[("US", "CN")].levels[-1]


def test_grim_trigger_is_not_triggered_by_a_cut():
    init = ts.State.zeros(WORLD.n).with_tariff(WORLD, "CN", "US", 0.34)
    agents = (
        ts.Agent("US", ts.GrimTrigger(), ("CN",)),
        ts.Agent("CN", ts.Scripted({2: {"US": -1}})),
    )
    path = ts.Game(WORLD, MODEL, agents=agents, initial=init, rounds=6).simulate(seed=0)
    assert np.all(path.moves[:, WORLD.index("US"), WORLD.index("CN")] == 0)


# -- I/O ----------------------------------------------------------------------------------
@settings(max_examples=5, deadline=None)
@given(seed=seeds, noise=noises)
def test_json_round_trip_is_exact(seed, noise):
    p = ts.simulate(noisy(noise), seed=seed)
    q = ts.Path.from_json(p.to_json())
    assert_paths_identical(p, q)


def test_json_round_trip_via_file(tmp_path):
    p = ts.simulate(noisy(0.1), seed=3)
    f = tmp_path / "path.json"
    text = p.to_json(f)
    assert f.read_text(encoding="utf-8") == text
    assert_paths_identical(p, ts.Path.from_json(f))


@pytest.mark.parametrize("rounds", [1, 7, 30])
def test_csv_has_one_row_per_round(rounds):
    p = SCENARIO.simulate(seed=0, rounds=rounds)
    rows = list(csv.reader(io.StringIO(p.to_csv())))
    header, body = rows[0], rows[1:]
    assert len(body) == len(p) == rounds + 1
    assert header[0] == "round" and header[-1] == "events"
    assert [int(r[0]) for r in body] == list(range(rounds + 1))
    assert all(len(r) == len(header) for r in body)
