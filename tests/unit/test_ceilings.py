"""Agreed rates are ceilings, as a trade agreement's bound rates are: a party may cut below
one and raise again up to it; a raise above it breaks the agreement (held in the round the
agreement is struck). Until 2026-12 agreed rates held both ways, so a deal struck at a high
rate kept it even where the party would have cut on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import engine
from tariffsim import equilibrium as eq
from tariffsim._batchrun import _Streams
from tariffsim.agents import Traits
from tariffsim.equilibrium.agreements import _advance_under_ceilings


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def _held_play(
    sc: ts.Scenario, schedule: dict[int, dict[str, int]], start: float = 0.54, rounds: int = 4
) -> tuple[list[float], tuple[tuple[int, str], ...]]:
    """The US plays ``schedule`` on China from ``start`` with US-CN held from round 1 at
    its starting rate, as a deal struck then holds it; China holds. The path of US-CN and
    the run's notes."""
    w = sc.world
    init = ts.State.zeros(w.n).with_tariff(w, "US", "CN", start).with_tariff(w, "CN", "US", 0.1)
    agents = tuple(
        dataclasses.replace(
            a, active_from=None, beliefs=None,
            strategy=ts.Scripted(schedule) if a.code == "US" else ts.agents.Hold(),
        )
        for a in sc.game.agents
    )  # fmt: skip
    g = sc.game.replace(initial=init, events=(), threats=(), noise=0.0, agents=agents)
    out = engine._play(g, rounds, [], _Streams.of_seeds([0]), "full", held=(("US", "CN"),))
    path = out["arrays"]["tariff"][0, :, w.index("US"), w.index("CN")].tolist()
    return path, out["notes"][0]


def _breaches(notes: Any) -> list[str]:
    return [text for _, text in notes if "breaks the agreement" in text]


def test_a_party_may_cut_below_an_agreed_rate_and_come_back_up_to_it(sc: ts.Scenario) -> None:
    path, notes = _held_play(sc, {1: {"CN": -1}, 2: {"CN": 1}})
    assert path == [0.54, 0.3, 0.54, 0.54, 0.54]  # (held both ways: 0.54 throughout)
    assert _breaches(notes) == []


def test_a_raise_above_the_agreed_rate_breaks_it_after_the_round_it_was_struck(
    sc: ts.Scenario,
) -> None:
    path, notes = _held_play(sc, {1: {"CN": -1}, 2: {"CN": 1}, 3: {"CN": 1}})
    assert path == [0.54, 0.3, 0.54, 1.04, 1.04]
    assert _breaches(notes) == ["US breaks the agreement of round 1 (the deal checked)"]
    assert [r for r, text in notes if "breaks" in text] == [3]


def test_a_raise_above_the_agreed_rate_in_the_round_it_is_struck_is_held(
    sc: ts.Scenario,
) -> None:
    path, notes = _held_play(sc, {1: {"CN": 1}})
    assert path == [0.54] * 5
    assert _breaches(notes) == []


def test_a_cut_below_an_agreed_rate_stops_at_an_unmet_demand(sc: ts.Scenario) -> None:
    floor = sc.game.negotiation.floors(frozenset())[("US", "CN")]
    assert floor == pytest.approx(0.3)  # fentanyl 20% and the baseline 10%, unmet
    path, notes = _held_play(sc, {1: {"CN": -1}}, start=0.3)
    assert path == [0.3] * 5
    assert _breaches(notes) == []


def _talks_on(sc: ts.Scenario, day: dt.date) -> ts.Scenario:
    g = sc.game
    events = tuple(dataclasses.replace(e, when=day) if e.kind == "summit" else e for e in g.events)
    return dataclasses.replace(sc, game=g.replace(events=events), data={})


def test_a_deal_struck_high_does_not_keep_a_party_from_cutting(sc: ts.Scenario) -> None:
    """Talks on 16 April strike 54%/10% (30% would be broken); the US still comes down to
    30% on its own, as it does without talks (a few weeks later: from 54%, not 145%), and
    the deal stands and is renewed with its terms."""
    p = _talks_on(sc, dt.date(2025, 4, 16)).simulate(seed=0)
    none = sc.game.replace(events=tuple(e for e in sc.game.events if e.kind != "summit"))
    alone = none.simulate(seed=0)
    terms = [(a.round, a.terms[("US", "CN")], a.terms[("CN", "US")]) for a in p.agreements]
    assert terms == [(12, 0.54, 0.1), (25, 0.54, 0.1)]
    us = p.series("US", "CN")
    assert us[12] == pytest.approx(0.54)
    cut = 12 + int(np.argmax(us[12:] < 0.54 - 1e-9))
    assert cut > 12 and np.all(us[cut:] == pytest.approx(0.3))  # within the 54% ceiling
    assert float(alone.series("US", "CN")[-1]) == pytest.approx(0.3)
    assert float(p.series("CN", "US")[-1]) == pytest.approx(0.1)
    assert not [x for _, x in p.events if "breaks the agreement" in x]


def test_equilibrium_paths_hold_agreed_rates_as_ceilings(sc: ts.Scenario) -> None:
    lg = eq.LadderGame.from_game(sc.game)
    w = sc.world
    s0 = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.54).with_tariff(w, "CN", "US", 0.1)
    s0 = lg.state(lg.index_of(s0))
    i, j = w.index("US"), w.index("CN")
    us = list(lg.dyads).index(("US", "CN"))
    moves = lg.moves_at(lg.index_of(s0), np.arange(lg.n_profiles))
    down = int(np.flatnonzero(moves[:, us] < 0)[0])
    up = int(np.flatnonzero(moves[:, us] > 0)[0])
    ceiling = {("US", "CN"): 0.54}
    cut = _advance_under_ceilings(lg, s0, down, ceiling)
    assert cut.tariff[i, j] == pytest.approx(0.3)  # a cut stands
    over = _advance_under_ceilings(lg, s0, up, ceiling)
    free, _ = lg.advance(s0, up)
    assert free.tariff[i, j] > 0.54 and over.tariff[i, j] == pytest.approx(0.54)
    rest = np.ones_like(free.tariff, dtype=bool)
    rest[i, j] = False
    np.testing.assert_array_equal(over.tariff[rest], free.tariff[rest])  # the rest moves
    back = _advance_under_ceilings(lg, lg.state(lg.index_of(cut)), up, ceiling)
    assert back.tariff[i, j] == pytest.approx(0.54)  # back up to the ceiling


def test_the_check_plays_the_horizon_so_a_cut_and_a_later_climb_are_seen(
    sc: ts.Scenario,
) -> None:
    """A `tit-for-tat` US and a `firm-but-measured` China both cut below 54%/15% and echo
    each other back over it in the deal's fifth round: a check of four rounds struck the
    deal and the run broke it; over the horizon (12 rounds) it is set aside."""
    g = sc.with_strategy("US", "tit-for-tat").with_strategy("CN", "firm-but-measured").game
    p = g.replace(noise=0.0).simulate(seed=0, rounds=30)
    assert not [x for _, x in p.events if "breaks the agreement" in x]
    said = [x for _, x in p.events if "set aside" in x]
    assert said and all("within 12 rounds" in x for x in said)


def test_a_threat_carried_out_above_an_agreed_rate_breaks_the_agreement() -> None:
    """A deal caps US-CN at 20% without China's controls; the US then carries out its
    threat of 100% on 1 November (130% in force): that breaks the deal, which is not
    renewed at its 20% while 130% is in force."""
    sc = ts.load_scenario("threat-100-nov1")
    g = sc.game
    agenda = ("fentanyl_pledge_china", "purchases_china")
    events = tuple(
        dataclasses.replace(e, when=dt.date(2025, 10, 20), agenda=agenda, term_days=20)
        if e.kind == "summit"
        else e
        for e in g.events
    )
    agents = tuple(
        dataclasses.replace(a, strategy=ts.agents.Hold()) if a.code == "US" else a for a in g.agents
    )
    what = dataclasses.replace(sc, game=g.replace(events=events, agents=agents), data={})
    p = what.with_params(**{"belief:pass_through.US.CN": 0.0}).simulate(seed=0, rounds=40)
    (deal,) = p.agreements
    assert deal.terms[("US", "CN")] == pytest.approx(0.2)
    r = g.round_of(g.threats[0].when)
    assert float(p.series("US", "CN")[r]) > 0.2
    assert [(k, x) for k, x in p.events if "breaks" in x] == [
        (r, f"US breaks, carrying out its threat, the agreement of round {deal.round} "
            f"({deal.label})")
    ]  # fmt: skip


def _us_raises_in(g: ts.Game, r: int) -> ts.Game:
    """``g`` with the US raising on China in round ``r`` and best-responding otherwise."""
    agents = tuple(
        dataclasses.replace(a, strategy=ts.Scripted({r: {"CN": 1}}, then="myopic"))
        if a.code == "US"
        else a
        for a in g.agents
    )
    return g.replace(agents=agents)


def test_a_raise_above_the_rates_in_a_renewals_round_breaks_it(sc: ts.Scenario) -> None:
    """Only a newly struck agreement holds a raise in its own round; a renewal keeps the
    state in force, so a raise then breaks it."""
    r = 29  # the Geneva truce is renewed in round 29
    p = _us_raises_in(sc.game, r).simulate(seed=0, rounds=34)
    assert [a.round for a in p.agreements] == [16, r]
    assert [(k, x) for k, x in p.events if "breaks" in x] == [
        (r, f"US breaks the agreement of round {r} (Geneva talks (renewed))")
    ]
    assert float(p.series("US", "CN")[r]) > 0.3


def test_a_new_agreement_holds_a_raise_in_its_round_whatever_its_label(sc: ts.Scenario) -> None:
    """Renewals are known as such, not by their label: a summit named "... (renewed)" still
    strikes a new agreement, which holds a raise in its own round."""
    r = 16  # the Geneva truce is struck in round 16
    for label in ("Geneva talks", "Geneva talks (renewed)"):
        events = tuple(
            dataclasses.replace(e, label=label) if e.kind == "summit" else e for e in sc.game.events
        )
        p = _us_raises_in(sc.game.replace(events=events), r).simulate(seed=0, rounds=20)
        assert [a.round for a in p.agreements] == [r]
        assert not [x for _, x in p.events if "breaks" in x]
        assert float(p.series("US", "CN")[r]) == pytest.approx(0.3)


@dataclasses.dataclass(frozen=True)
class _Jumps:
    """The US moves ``moves[round]`` rungs on China at once (a ``moves = "jump"`` game)."""

    moves: dict[int, int]
    name: ClassVar[str] = "jumps"
    traits: ClassVar[Traits] = Traits(memory_depth=0)

    def act(self, obs: Any, rng: Any) -> dict[tuple[str, str], int]:
        return {(me, t): self.moves.get(obs.round, 0) if t == "CN" else 0 for me, t in obs.targets}


def test_a_cut_of_several_rungs_stops_at_an_unmet_demand(sc: ts.Scenario) -> None:
    """From 54%, three rungs down is 10%, below the unmet demands' 30%: the cut takes the
    rungs that stay at or above it (one, to 30%), on an agreed dyad as on a free one."""
    w = sc.world
    init = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.54).with_tariff(w, "CN", "US", 0.1)
    agents = tuple(
        dataclasses.replace(
            a, active_from=None, beliefs=None,
            strategy=_Jumps({1: -3}) if a.code == "US" else ts.agents.Hold(),
        )
        for a in sc.game.agents
    )  # fmt: skip
    g = sc.game.replace(initial=init, events=(), threats=(), noise=0.0, agents=agents, moves="jump")
    for held in ((("US", "CN"),), ()):
        out = engine._play(g, 3, [], _Streams.of_seeds([0]), "full", held=held)
        path = out["arrays"]["tariff"][0, :, w.index("US"), w.index("CN")].tolist()
        assert path == [0.54, 0.3, 0.3, 0.3]
    free = g.replace(negotiation=dataclasses.replace(g.negotiation, demands=()))
    out = engine._play(free, 3, [], _Streams.of_seeds([0]), "full", held=(("US", "CN"),))
    assert out["arrays"]["tariff"][0, 1, w.index("US"), w.index("CN")] == pytest.approx(0.1)
