"""Learning dynamics on the escalation game (tariffsim.equilibrium.learning_path)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.equilibrium import LEARNING_RULES, learning_path, pure_nash, stage_game


@pytest.fixture(scope="module")
def game() -> ts.Game:
    return ts.load_scenario("us-china-145").game


@pytest.fixture(scope="module")
def peak(game: ts.Game) -> ts.State:
    w = game.world
    return ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)


@pytest.mark.parametrize("rule", LEARNING_RULES)
def test_levels_stay_on_ladders_and_move_one_rung(game, peak, rule):
    p = learning_path(game, rule, rounds=15, start=peak, rng=3)
    assert p.meta["kind"] == f"learning:{rule}"
    for (a, b), lad in game.world.ladders.items():
        s = p.series(a, b)
        idx = [lad.index(float(x)) for x in s]  # raises if off the ladder
        assert all(abs(i - j) <= 1 for i, j in itertools.pairwise(idx))


def test_best_response_rest_point_is_a_stage_nash_equilibrium(game, peak):
    p = learning_path(game, "best-response", rounds=25, start=peak)
    assert p.meta["converged"]
    w = game.world
    last = ts.State(p.tariff[-1], peak=np.maximum.accumulate(p.tariff, axis=0)[-1])
    nfg = stage_game(game, last)
    hold = (1, 1)  # one dyad each: actions (-1, 0, +1), hold is index 1
    assert hold in pure_nash(nfg)
    assert p.series("US", "CN")[-1] < 1.45
    assert w.index("US") == 0


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_logit_same_seed_same_path_and_seed_matters(game, peak):
    a = learning_path(game, "logit", rounds=20, start=peak, beta=5.0, rng=7)
    b = learning_path(game, "logit", rounds=20, start=peak, beta=5.0, rng=7)
    np.testing.assert_array_equal(a.tariff, b.tariff)
    assert a.meta["seed"] == 7  # the path records what seeded it
    again = learning_path(game, "logit", rounds=20, start=peak, beta=5.0, rng=a.meta["seed"])
    np.testing.assert_array_equal(again.tariff, a.tariff)
    assert learning_path(game, "best-response", rounds=3, start=peak).meta["seed"] is None
    paths = {learning_path(game, "logit", rounds=20, start=peak, beta=0.5, rng=s).tariff.tobytes()
             for s in range(6)}  # fmt: skip
    assert len(paths) > 1


@pytest.mark.parametrize(
    ("kw", "needle"),
    [({"rule": "greedy"}, "`rule`"), ({"rounds": 0}, "`rounds`"), ({"beta": -1.0}, "`beta`")],
)
def test_bad_input(game, kw, needle):
    with pytest.raises(ts.ParameterError, match=needle):
        learning_path(game, **kw)


def test_a_repeated_cut_is_no_rest_point():
    # best responses from the peak cut on both sides round after round: the profile (cut,
    # cut) repeats while the tariffs still fall, and the path said it had converged at 30/49
    game = ts.load_scenario("us-china-145").game
    w = game.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    with pytest.warns(ts.errors.ConvergenceWarning, match="still changed"):
        short = ts.equilibrium.learning_path(game, "best-response", rounds=3, start=peak)
    assert not short.meta["converged"]
    assert short.series("US", "CN")[-1] < short.series("US", "CN")[-2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ts.errors.ConvergenceWarning)
        long = ts.equilibrium.learning_path(game, "best-response", rounds=10, start=peak)
    assert long.meta["converged"]
    assert long.series("US", "CN")[-1] == long.series("US", "CN")[-2]
