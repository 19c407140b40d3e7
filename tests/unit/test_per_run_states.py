"""Runs' whole-world states are kept for the strategies that may ask for them, and only those."""

import dataclasses

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import engine

GAME = ts.load_scenario("us-china-145").game


def _with(game, strategy):
    return game.replace(
        agents=tuple(dataclasses.replace(a, strategy=strategy) for a in game.agents)
    )


def _same(a, b):
    return all(
        np.array_equal(np.asarray(getattr(a, f)), np.asarray(getattr(b, f)))
        for f in ("tariff", "payoff", "recession", "approval")
    )


@pytest.mark.parametrize("cls", sorted(engine._batch_only(), key=lambda c: c.__name__))
def test_tariffsims_batch_strategies_play_without_the_states(cls, monkeypatch):
    """Each of them plays with no states kept (asking for one would raise) and gives the
    numbers it gives with every round's states kept."""
    assert cls in ts.STRATEGIES.values()
    game = _with(GAME, cls())
    lean = ts.simulate_batch(game, 30, seeds=[0, 1, 2], record="compact")
    monkeypatch.setattr(engine, "_asks_states", lambda strategy: True)
    kept = ts.simulate_batch(game, 30, seeds=[0, 1, 2], record="compact")
    assert _same(lean, kept)


class _Memory:
    """A per-run strategy that answers the other side's last move it saw in its history."""

    name = "memory"
    traits = ts.agents.Traits(memory_depth=float("inf"))

    def act(self, obs, rng):
        w = obs.world
        out = {}
        for me, them in obs.targets:
            i, j = w.index(me), w.index(them)
            seen = [s.moved[j, i] for s in (*obs.history, obs.state)]
            out[(me, them)] = 1 if len(seen) > 2 and seen[-3] > 0 else 0
        return out


class _Delegating:
    """A batch strategy of a user's that hands its decision to a per-run one."""

    name = "delegating"
    traits = ts.agents.Traits(memory_depth=float("inf"))

    def act(self, obs, rng):
        return _Memory().act(obs, rng)

    def act_batch(self, bobs, rngs):
        return bobs.act_per_run(_Memory(), rngs)


@pytest.mark.parametrize(
    "strategy",
    [_Delegating(), ts.agents.Scripted(schedule={12: {"CN": 1}, 13: {"US": 1}}, then=_Memory())],
    ids=["act_per_run", "scripted"],
)
def test_strategies_that_ask_for_states_get_them(strategy):
    """A user's batch strategy that plays a per-run one, and a schedule that falls back to
    one, see the history a per-run strategy sees: the batch equals the runs one by one."""
    assert engine._asks_states(strategy)
    game = _with(GAME, strategy)
    batch = ts.simulate_batch(game, 20, seeds=[4, 5])
    plain = ts.simulate_batch(_with(GAME, _Memory()), 20, seeds=[4, 5])
    assert not _same(batch, plain) or isinstance(strategy, _Delegating)
    for k, seed in enumerate([4, 5]):
        one = ts.simulate(game, 20, rng=np.random.default_rng(seed))
        assert np.array_equal(batch[k].tariff, one.tariff)
