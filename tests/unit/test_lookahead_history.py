"""The talks' look-aheads continue the game: their strategies see the rounds played before as
their history, and their rounds are numbered after them. Until 2026-12 every look-ahead started
with no history and counted its rounds from 1, so a strategy that reads the history or the
round (``grim-trigger``, a schedule, a deadline) played the disagreement point, the check of a
deal and a renewal's lapse as if the game had just begun."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.agents import Traits


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def _geneva(sc: ts.Scenario) -> int:
    return sc.game.round_of(next(e for e in sc.game.events if e.kind == "summit").when)


class _Recorder:
    """A batch strategy that records ``what(bobs)`` in each call, with the round it is told,
    and holds (``answer=True``: answers the target's last change, as tit-for-tat)."""

    name = "recorder"
    traits = Traits(memory_depth=float("inf"), stochastic=False, reacts_to_events=True)

    def __init__(self, what: Any, *, answer: bool = False) -> None:
        self.what, self.answer = what, answer
        self.log: list[tuple[int, Any]] = []

    def act(self, obs: Any, rng: Any) -> dict[Any, int]:  # (the batch is played)
        raise AssertionError("played per run")

    def act_batch(self, bobs: Any, rngs: Any) -> Any:
        self.log.append((bobs.round, self.what(bobs)))
        if self.answer:
            i, j = bobs.ij()
            return np.sign(bobs.moved[:, j, i]).astype(np.int8)
        return np.zeros((bobs.runs, len(bobs.targets)), dtype=np.int8)


def _cn_moved(bobs: Any) -> float:
    """China's last change on the US, as the US sees it (the first run's)."""
    i, j = bobs.ij()
    return float(bobs.moved[0, j, i][0])


class _RunSpy:
    """Holds; a per-run strategy recording the round and the history's states it is told."""

    name = "run-spy"
    traits = Traits(memory_depth=float("inf"), stochastic=False)
    seen: ClassVar[list[tuple[int, tuple[Any, ...]]]] = []

    def act(self, obs: Any, rng: Any) -> dict[Any, int]:
        self.seen.append((obs.round, (*obs.history, obs.state)))
        return {t: 0 for t in obs.targets}


def _with_us(sc: ts.Scenario, strategy: Any) -> ts.Game:
    agents = tuple(
        dataclasses.replace(a, strategy=strategy) if a.code == "US" else a for a in sc.game.agents
    )
    return sc.game.replace(agents=agents)


def test_a_look_ahead_continues_the_rounds_and_the_history_batch(sc: ts.Scenario) -> None:
    spy = _Recorder(lambda bobs: np.array(bobs.seen_moved))
    g = _with_us(sc, spy)
    geneva = _geneva(sc)
    ts.simulate(g, geneva + 2, seed=0)
    rounds = [r for r, _ in spy.log]
    assert max(rounds) == geneva + sc.game.negotiation.horizon - 1  # the look-aheads' last
    # the game's rounds up to Geneva - 1 (the US decides from April), then the look-aheads
    # from Geneva, then the game's
    first_look = next(k for k, r in enumerate(rounds) if r == geneva)
    assert rounds[:first_look] == list(range(rounds[0], geneva))
    assert min(rounds[first_look:]) == geneva  # (counted from 1, a look-ahead told 1 to 12)
    main = dict(spy.log[:first_look])
    for r, moved in spy.log:
        assert moved.shape[1] == r  # a state per round, the current one last
        if r >= geneva:  # the rounds before the talks, as the game played them
            np.testing.assert_array_equal(moved[:, : geneva - 1], main[geneva - 1][:, :])
    assert np.abs(main[geneva - 1]).sum() > 0  # (a history with moves in it)


def test_a_look_ahead_continues_the_rounds_and_the_history_per_run(sc: ts.Scenario) -> None:
    _RunSpy.seen.clear()
    g = _with_us(sc, _RunSpy())
    geneva = _geneva(sc)
    ts.simulate(g, geneva + 1, seed=0)
    rounds = [r for r, _ in _RunSpy.seen]
    first_look = next(k for k, r in enumerate(rounds) if r == geneva)
    assert rounds[:first_look] == list(range(rounds[0], geneva))
    assert min(rounds[first_look:]) == geneva
    before = _RunSpy.seen[first_look - 1][1]  # the game's states of rounds 1 .. Geneva - 1
    for r, states in _RunSpy.seen[first_look:]:
        assert len(states) == r
        for a, b in zip(states[: geneva - 1], before, strict=True):
            np.testing.assert_array_equal(a.tariff, b.tariff)
            np.testing.assert_array_equal(a.moved, b.moved)


def test_a_grim_trigger_strikes_no_deal_it_breaks(sc: ts.Scenario) -> None:
    """A grim-trigger US, set off by China's answers in February and April, never comes
    down: the check of each Geneva deal now sees that history and sets the deals aside.
    Before, the check's US had forgotten it, and the US broke the deal struck at 30% in
    the next round (54%, then 104% and 145%)."""
    g = sc.with_strategy("US", "grim-trigger").game
    p = ts.simulate(g, _geneva(sc) + 12, seed=0)
    labels = [e.label for e in p.events]
    assert not any("breaks the agreement" in x for x in labels)
    assert not p.agreements
    assert any("so no deal" in x for x in labels)


def test_a_batch_equals_its_runs_one_by_one_with_history_strategies(sc: ts.Scenario) -> None:
    """The history a look-ahead continues is each run's own: a batch of runs with drawn
    parameters and history-reading strategies is the runs one by one."""
    g = sc.with_strategy("US", "grim-trigger").with_strategy("CN", "brinkmanship").game
    over = {"truth:pass_through.US.CN": [1.0, 0.4, 0.7], "noise": [0.0, 0.1, 0.05]}
    pb = ts.simulate_batch(g, 30, seeds=[1, 2, 3], overrides=over)
    for q, seed in enumerate([1, 2, 3]):
        one = ts.simulate(ts.parampath.apply(g, {k: v[q] for k, v in over.items()}), 30, seed=seed)
        assert pb[q].tariff.tobytes() == one.tariff.tobytes()
        assert pb[q].payoff.tobytes() == one.payoff.tobytes()


def test_a_look_ahead_sees_its_first_round_as_the_game_does(sc: ts.Scenario) -> None:
    """In a game of several decision steps a round (China's myopic steps are daily), a
    strategy deciding once a round answers the net change of the round before. A look-ahead
    from a summit shows its first round so: China's 50% raise of the round before, which a
    US tit-for-tat answers. Before, the look-ahead showed only the last daily step's change
    (none), and the disagreement point had the US leave the raise unanswered."""
    g0 = sc.game
    assert g0.steps > 1
    summit = next(e for e in g0.events if e.kind == "summit")
    at = 12  # the round after China's answer to the 'reciprocal' tariffs

    def us(g: ts.Game, s: Any) -> ts.Game:
        agents = tuple(
            dataclasses.replace(a, strategy=s) if a.code == "US" else a for a in g.agents
        )
        return g.replace(agents=agents)

    moved = g0.replace(
        events=tuple(
            dataclasses.replace(e, when=g0.date(at)) if e is summit else e for e in g0.events
        )
    )
    without = g0.replace(events=tuple(e for e in g0.events if e is not summit))
    plain, talks = _Recorder(_cn_moved, answer=True), _Recorder(_cn_moved, answer=True)
    ts.simulate(us(without, plain), at, seed=0)
    ts.simulate(us(moved, talks), at, seed=0)
    game_round = [x for x in plain.log if x[0] == at]
    assert game_round and game_round[0][1] > 0.3  # China's raise, as the game shows it
    look = [x for x in talks.log if x[0] == at]
    assert len(look) >= 2  # the look-aheads' first rounds, then the game's round
    assert look[0] == game_round[0]  # the disagreement point's (the talks start with it)


def test_a_look_ahead_is_told_its_first_rounds_events(sc: ts.Scenario) -> None:
    """The round a look-ahead starts in is the game's: its strategies are told the events
    that fired in it (the summit's label among them), as in the game's round."""
    spy = _Recorder(lambda bobs: tuple(bobs.events))
    ts.simulate(_with_us(sc, spy), _geneva(sc), seed=0)
    at = [labels for r, labels in spy.log if r == _geneva(sc)]
    assert len(at) >= 2 and all("Geneva talks" in labels for labels in at)
    assert not any(labels for r, labels in spy.log if r > _geneva(sc))  # (none after it)


def test_a_lapse_look_ahead_steps_the_slow_state_from_the_rounds_start() -> None:
    """A lapse written in round 29 of ``four-country-2025`` moves the tariffs within that
    round, as the game would: the look-ahead's first slow-state step (import adjustment)
    reads the round's starting tariffs (the truce's 30%), not the lapse's 145%, as if it had
    stood all along."""
    from tariffsim import _batchrun, _talks

    seen: list[tuple[float, float]] = []
    inside = [False]
    real_step, real_expire = _batchrun._Run.step_slow, _talks._Talks._expire_group

    def step_slow(self, st, t_start):  # type: ignore[no-untyped-def]
        if inside[0] and not seen:
            i, j = self.pos["US"], self.pos["CN"]
            seen.append((float(st.tariff[0, i, j]), float(t_start[0, i, j])))
        return real_step(self, st, t_start)

    def expire_group(self, *a, **kw):  # type: ignore[no-untyped-def]
        inside[0] = True
        try:
            return real_expire(self, *a, **kw)
        finally:
            inside[0] = False

    mp = pytest.MonkeyPatch()
    mp.setattr(_batchrun._Run, "step_slow", step_slow)
    mp.setattr(_talks._Talks, "_expire_group", expire_group)
    try:
        ts.simulate(ts.load_scenario("four-country-2025").game, 30, seed=0)
    finally:
        mp.undo()
    assert seen == [(1.45, 0.3)]


def _no_summit(g: ts.Game) -> ts.Game:
    """``g`` with its summit replaced by an event of no effect on the same day."""
    summit = next(e for e in g.events if e.kind == "summit")
    fake = dataclasses.replace(
        summit, kind="support", parties=(), value=0.0, country="US", term_days=0, agenda=(),
        layers=False,
    )  # fmt: skip
    return g.replace(events=tuple(fake if e is summit else e for e in g.events))


def _variants() -> dict[str, ts.Game]:
    g0 = ts.load_scenario("us-china-145").game
    summit = next(e for e in g0.events if e.kind == "summit")
    shock = next(e for e in g0.events if e.kind == "shock")
    crash = ts.parampath.apply(g0, {"crash_threshold": 4.0, "crash_weight": 0.02})
    return {
        "as written": g0,
        # a market shock at the summit: felt in the look-ahead's first round, as in the game
        "shock at the summit": crash.replace(
            events=(*crash.events, dataclasses.replace(shock, when=summit.when, value=-3.0))
        ),
        # monthly decisions: the look-ahead's rounds decide on the game's days
        "monthly decisions": g0.replace(decision_days=28),
        # an agent from round 20 (a round number): active from the game's round 20
        "US from round 20": g0.replace(
            agents=tuple(
                dataclasses.replace(a, active_from=20) if a.code == "US" else a for a in g0.agents
            )
        ),
    }


@pytest.mark.parametrize("name", list(_variants()))
def test_the_disagreement_point_is_the_game_without_the_summit(name: str) -> None:
    """The disagreement point's look-ahead plays, round for round, the tariffs the game
    plays when the summit strikes nothing (the summit replaced by an event of no effect).
    Before, the look-ahead dropped the round's market shock, counted decision days and
    round-numbered first rounds from its own start."""
    from tariffsim import _talks

    g = _variants()[name]
    h = g.negotiation.horizon
    at = g.round_of(next(e for e in g.events if e.kind == "summit").when)
    looks: list[Any] = []
    real = _talks._carry_on_batch

    def spy(rt, look, *a, **kw):  # type: ignore[no-untyped-def]
        looks.append(np.array(look["tariff"]))
        return real(rt, look, *a, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(_talks, "_carry_on_batch", spy)
    try:
        ts.simulate(g, at, seed=0)  # (the summit's round: its disagreement point only)
    finally:
        mp.undo()
    game = ts.simulate(_no_summit(g), at + h, seed=0)
    w = g.world
    i, j = w.index("US"), w.index("CN")
    look = looks[0][0]  # the first look-ahead, its one run: rows are its rounds, row 0 its start
    np.testing.assert_array_equal(look[1:, 0, 1], game.tariff[at : at + h, i, j])
    np.testing.assert_array_equal(look[1:, 1, 0], game.tariff[at : at + h, j, i])


def test_the_check_of_a_deal_prices_the_market_as_the_game_does(sc: ts.Scenario) -> None:
    """The check of the Geneva deal starts from the state the deal leaves, and the market
    carries its mood on from the burden it priced before, as the game does once it strikes
    the deal: the equity index the check's strategies see after its first round is the
    game's. Before, the check priced the state before again, from the deal's tariffs
    (China's index -12.9 against the game's -5.9)."""
    spy = _Recorder(lambda bobs: np.array(bobs.equity[0]))
    geneva = _geneva(sc)
    p = ts.simulate(_with_us(sc, spy), geneva + 1, seed=0)
    assert p.agreements and p.agreements[0].round == geneva
    seen = [e for r, e in spy.log if r == geneva + 1]
    assert len(seen) == 3  # the disagreement point's, the check's, the game's
    np.testing.assert_array_equal(seen[1], seen[2])


def test_a_lapse_leaves_the_other_dyads_moves_as_they_were() -> None:
    """A lapse writes the agreement's dyads only: a move the round before on another dyad
    is still the news a once-a-round strategy answers. In ``four-country-2025`` the US cuts
    its tariff on Canada in round 28 and the US-China truce lapses in round 29 (forced):
    Canada, playing tit-for-tat, answers the cut in round 29. Before, the lapse wrote every
    dyad's change as none, and Canada did not answer."""
    from tariffsim import _talks

    g = ts.load_scenario("four-country-2025").game
    at = 29
    us = next(a for a in g.agents if a.code == "US")
    agents = tuple(
        dataclasses.replace(a, strategy=ts.agents.Scripted({at - 1: {"CA": -1}}, then=us.strategy))
        if a.code == "US"
        else dataclasses.replace(a, strategy=ts.make_strategy("tit-for-tat"))
        if a.code == "CA"
        else a
        for a in g.agents
    )  # fmt: skip
    g = g.replace(agents=agents)
    real_group, real_carry = _talks._Talks._expire_group, _talks._carry_on_batch

    def lapse_preferred(rt, look, start, models, *a, **kw):  # type: ignore[no-untyped-def]
        out = real_carry(rt, look, start, models, *a, **kw)
        return {p: v + 1e6 for p, v in out.items()}

    def expire_group(self, *a, **kw):  # type: ignore[no-untyped-def]
        mp2 = pytest.MonkeyPatch()
        mp2.setattr(_talks, "_carry_on_batch", lapse_preferred)
        try:
            return real_group(self, *a, **kw)
        finally:
            mp2.undo()

    mp = pytest.MonkeyPatch()
    mp.setattr(_talks._Talks, "_expire_group", expire_group)
    try:
        p = ts.simulate(g, at + 1, seed=0)
    finally:
        mp.undo()
    assert any(e.round == at and "lapsed" in e.label for e in p.events)
    w = g.world
    us_ca, ca_us = (w.index("US"), w.index("CA")), (w.index("CA"), w.index("US"))
    assert p.tariff[at - 1][us_ca] < p.tariff[at - 2][us_ca]  # the US cut in round 28
    assert p.tariff[at][ca_us] < p.tariff[at - 1][ca_us]  # Canada answers it in round 29


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_a_batch_with_talks_makes_no_reference_cycles(name: str) -> None:
    """A batch of tariffsim's own strategies pauses the garbage collector, so a reference
    cycle made while it plays lives until the batch ends, with whatever it holds (a pool
    worker's shared arrays among them). The talks' look-aheads make none: a closure between
    the talks and the engine, and a recursive helper, did (578 objects for 20 runs of
    ``us-china-145``), and a forked worker kept the shared file mapped."""
    import gc

    g = ts.load_scenario(name).game
    ts.simulate_batch(g, 45, seeds=range(4), record="compact")  # (first use: caches)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        pb = ts.simulate_batch(g, 45, seeds=range(20), record="compact")
        assert pb.agreements and any(pb.agreements)  # (talks and renewals played)
        del pb
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()
