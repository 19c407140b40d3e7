"""The calendar pace of decisions: decision steps within a round."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

import tariffsim as ts


@pytest.fixture(scope="module")
def game() -> ts.Game:
    return ts.load_scenario("us-china-145").game


def test_steps_follow_the_round_and_the_pace(game: ts.Game) -> None:
    assert game.decision_days == ts.dynamics.DECISION_DAYS == 1
    assert game.steps == 7
    assert game.replace(decision_days=2).steps == 4  # ceil(7 / 2)
    assert game.replace(decision_days=30).steps == 1
    assert game.replace(round_days=1, rounds=70).steps == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_bad_decision_days_is_refused(game: ts.Game, bad: object) -> None:
    with pytest.raises(ts.errors.ParameterError, match="decision_days"):
        game.replace(decision_days=bad)


def test_scenario_files_set_the_pace() -> None:
    sc = ts.load_scenario("us-china-145")
    data = copy.deepcopy(dict(sc.data))
    data["calendar"]["decision_days"] = 7
    assert ts.parse_scenario(data, source="weekly decisions").game.steps == 1
    data["calendar"]["decision_days"] = 0
    with pytest.raises(ts.errors.ScenarioError, match=r"calendar\.decision_days"):
        ts.parse_scenario(data, source="bad")


def test_the_step_record_ends_each_round_at_its_state(game: ts.Game) -> None:
    p = game.simulate(16, seed=0)
    assert p.step_tariff.shape == (17, 7, p.tariff.shape[1], p.tariff.shape[2])
    np.testing.assert_array_equal(p.step_tariff[:, -1], p.tariff)
    np.testing.assert_array_equal(p.steps("US", "CN")[:, -1], p.series("US", "CN"))
    # a round moves a dyad by one rung per step at most
    lad = game.world.ladders[("US", "CN")]
    flat = np.concatenate([p.steps("US", "CN")[:1, -1], p.steps("US", "CN")[1:].ravel()])
    rungs = np.array([lad.index(x) for x in flat])
    events = {game.round_of(e.when) for e in game.events}
    for k in np.flatnonzero(np.abs(np.diff(rungs)) > 1):
        assert k % 7 == 0 and k // 7 + 1 in events  # only an event jumps (first step)
    # the net rungs moved by choice are recorded per round
    assert p.moves[:, 0, 1].max() >= 2
    # and the step record survives a JSON round trip
    q = ts.Path.from_json(p.to_json())
    np.testing.assert_array_equal(q.step_tariff, p.step_tariff)


def test_one_step_rounds_keep_no_step_record(game: ts.Game) -> None:
    p = game.replace(decision_days=7).simulate(12, seed=0)
    assert p.step_tariff is None
    assert p.steps("US", "CN").shape == (13, 1)
    assert np.abs(p.moves).max() <= 1


def test_batch_runs_equal_single_runs_with_steps(game: ts.Game) -> None:
    noisy = game.replace(noise=0.2)
    pb = ts.simulate_batch(noisy, 20, seeds=[3, 4, 5])
    for r, seed in enumerate([3, 4, 5]):
        one = ts.simulate(noisy, 20, seed=seed)
        assert pb[r].tariff.tobytes() == one.tariff.tobytes()
        assert pb[r].step_tariff.tobytes() == one.step_tariff.tobytes()
        assert pb[r].payoff.tobytes() == one.payoff.tobytes()


class _PacedPerRun:
    """A paced strategy without ``act_batch`` (myopic moves) that notes what it sees."""

    name = "paced-per-run"
    traits = ts.agents.Traits(memory_depth=1, uses_beliefs=True, paced=True)

    def __init__(self, seen: list[tuple[float, int, bytes, tuple[bytes, ...]]]) -> None:
        self.seen = seen
        self.inner = ts.agents.MyopicBestResponse()

    def act(self, obs: ts.Observation, rng: np.random.Generator) -> dict:
        el = float(np.asarray(obs.model.params.elasticity).reshape(-1)[0])  # names the run
        hist = tuple(h.tariff.tobytes() for h in obs.history)
        self.seen.append((el, obs.round, obs.state.tariff.tobytes(), hist))
        return self.inner.act(obs, rng)


def test_later_steps_play_only_the_runs_still_moving(game: ts.Game, monkeypatch) -> None:
    """Runs at rest sit out a round's later steps; each run is still its own simulate."""
    from tariffsim import _batchrun, parampath

    subsets: list[int] = []
    real = _batchrun._Run.subset

    def spy(self, rows, st):  # type: ignore[no-untyped-def]
        subsets.append(len(rows))
        return real(self, rows, st)

    monkeypatch.setattr(_batchrun._Run, "subset", spy)
    runs, rounds = 6, 14
    over = {"elasticity": np.linspace(1.6, 3.4, runs), "noise": np.linspace(0.0, 0.12, runs)}
    seen_batch: list = []
    strat = _PacedPerRun(seen_batch)
    g = game.replace(agents=tuple(
        dataclasses.replace(a, strategy=strat) if a.code == "CN" else a for a in game.agents
    ))  # fmt: skip
    pb = ts.simulate_batch(g, rounds, seeds=range(runs), overrides=over, record="full")
    assert subsets and all(0 < s < runs for s in subsets)  # the sub-batch was used
    seen_single: list = []
    strat.seen = seen_single
    for r in range(runs):
        one = parampath.apply(g, {k: float(v[r]) for k, v in over.items()})
        p = ts.simulate(one, rounds, seed=r)
        np.testing.assert_array_equal(pb[r].tariff, p.tariff)
        np.testing.assert_array_equal(pb[r].step_tariff, p.step_tariff)
        np.testing.assert_array_equal(pb[r].payoff, p.payoff)
    # the per-run strategy saw each run's own state and history at every step
    assert sorted(seen_batch) == sorted(seen_single)


def test_decisions_rarer_than_rounds_fall_on_the_same_days_whatever_the_round(game: ts.Game):
    # decision_days = 28 was ignored beyond a round: agents decided every round, daily in
    # daily rounds and weekly in weekly ones (China's tariff in the third month was 140%, 99%
    # or 49% by the round's length alone)
    days = 28 * 6
    paths = {
        rd: game.replace(round_days=rd, rounds=days // rd, decision_days=28).simulate(seed=0)
        for rd in (1, 7)
    }
    for rd, p in paths.items():
        decided = [r for r in range(1, days // rd + 1) if (r - 1) * rd % 28 == 0]
        held = np.setdiff1d(np.arange(1, days // rd + 1), decided)
        assert not p.moves[held].any(), rd  # (no agent moves between decision days)
        assert p.moves[decided].any(), rd
    daily, weekly = paths[1], paths[7]
    np.testing.assert_array_equal(daily.tariff[::28], weekly.tariff[::4])
    np.testing.assert_array_equal(daily.tariff[::7], weekly.tariff)


def _with(game: ts.Game, code: str, strategy: object) -> ts.Game:
    return game.replace(agents=tuple(
        dataclasses.replace(a, strategy=strategy) if a.code == code else a for a in game.agents
    ))  # fmt: skip


@pytest.mark.parametrize("name", ["tit-for-tat", "firm-but-measured"])
def test_a_once_a_round_strategy_answers_a_move_made_at_any_step(game: ts.Game, name: str):
    # China deciding once a round never saw the US raise of round 11 (made at a later
    # step of the round): the state it saw held that step's change only, and a round
    # ends at rest, after a step that moved nothing
    p = _with(game, "CN", ts.make_strategy(name)).simulate(seed=0)
    us, cn = p.moves[:, 0, 1], p.moves[:, 1, 0]
    events = {game.round_of(e.when) for e in game.events}
    answered = [r for r in range(2, len(us)) if us[r - 1] and r not in events]
    assert answered  # the US moved by choice before a round without events
    for r in answered:
        assert cn[r] == np.sign(us[r - 1]), r


class _OncePerRun:
    """A strategy deciding once a round, without ``act_batch``, that notes what it sees."""

    name = "once-per-run"
    traits = ts.agents.Traits(memory_depth=1, uses_beliefs=True)

    def __init__(self, inner: object, seen: list) -> None:
        self.inner, self.seen = inner, seen

    def act(self, obs: ts.Observation, rng: np.random.Generator) -> dict:
        el = float(np.asarray(obs.model.params.elasticity).reshape(-1)[0])  # names the run
        hist = tuple(h.moved.tobytes() for h in obs.history)
        self.seen.append((el, obs.round, obs.state.moved.tobytes(), hist))
        return self.inner.act(obs, rng)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["tit-for-tat", "face-saving-retreat", "grim-trigger"])
def test_once_a_round_strategies_see_the_same_in_batches_and_per_run(game, name) -> None:
    """act_batch and act agree, in a batch and in single runs, where a round has steps."""
    from tariffsim import parampath

    runs, rounds = 4, 15  # (before Geneva: a summit's look-ahead plays rounds of its own)
    over = {"elasticity": np.linspace(1.6, 3.4, runs), "noise": np.linspace(0.0, 0.15, runs)}
    builtin = ts.make_strategy(name)
    seen_batch: list = []
    per_run = _OncePerRun(builtin, seen_batch)
    pb = ts.simulate_batch(_with(game, "CN", builtin), rounds, seeds=range(runs), overrides=over)
    pr = ts.simulate_batch(_with(game, "CN", per_run), rounds, seeds=range(runs), overrides=over)
    seen_single: list = []
    per_run.seen = seen_single
    for r in range(runs):
        assert pb[r].tariff.tobytes() == pr[r].tariff.tobytes()
        assert pb[r].payoff.tobytes() == pr[r].payoff.tobytes()
        one = parampath.apply(_with(game, "CN", per_run), {k: float(v[r]) for k, v in over.items()})
        assert ts.simulate(one, rounds, seed=r).tariff.tobytes() == pr[r].tariff.tobytes()
    assert sorted(seen_batch) == sorted(seen_single)
    # what it saw: the net change of the round before by choice, unless an event set it
    moved = {(el, rd): np.frombuffer(m).reshape(10, 10)[0, 1] for el, rd, m, _ in seen_single}
    events = {game.round_of(e.when) for e in game.events}
    for r in range(runs):
        el, p = float(over["elasticity"][r]), pr[r]
        for rd in range(2, rounds + 1):
            if rd not in events and (el, rd) in moved:
                assert np.sign(moved[(el, rd)]) == np.sign(p.moves[rd - 1, 0, 1]), (r, rd)


@pytest.mark.parametrize("decision_days", [1, 7])
def test_a_deal_sets_only_its_own_dyads_change(decision_days: int) -> None:
    """A US-China deal wrote a change of 0 on every dyad of the run: Canada, deciding once a
    round, never answered a US announcement on it made the same round."""
    g = ts.load_scenario("four-country-2025").game.replace(decision_days=decision_days)
    w = g.world
    init = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.25)
    plays = {"US": ts.agents.Hold(), "CA": ts.agents.TitForTat(), "CN": ts.agents.Hold(),
             "MX": ts.agents.Hold()}  # fmt: skip
    agents = tuple(
        dataclasses.replace(
            a,
            strategy=plays[a.code],
            active_from=None,
            targets=("US",) if a.code == "CA" else a.targets,
        )
        for a in g.agents
    )
    on_ca = ts.Event(6, "set", "US 25% on Canada", importer="US", exporter="CA", level=0.25)
    talks = ts.Event(6, "summit", "talks", parties=("US", "CN"), agenda=())
    paths = {
        with_talks: ts.simulate(
            g.replace(
                agents=agents,
                initial=init,
                rounds=8,
                events=(on_ca, talks) if with_talks else (on_ca,),
            ),
            seed=0,
        )
        for with_talks in (False, True)
    }
    assert paths[True].agreements and paths[True].agreements[0].round == 6
    answer = [p.series("CA", "US")[6] for p in paths.values()]
    assert answer[0] == answer[1] > 0
