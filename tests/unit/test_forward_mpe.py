"""Forward-looking agents valued by Markov-perfect continuation: truces as resting points."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.errors import ConvergenceWarning, ParameterError


def _peak_game(strategy, moves="jump", *, beliefs=False):
    """us-china-145 from the peak; agents know the true payoffs unless `beliefs`."""
    sc = ts.load_scenario("us-china-145")
    g = sc.game
    w = g.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    agents = tuple(
        dataclasses.replace(
            a, strategy=strategy, active_from=None, beliefs=a.beliefs if beliefs else None
        )
        for a in g.agents
    )
    return g.replace(moves=moves, initial=peak, events=(), agents=agents), peak


def _series(p, a, b):
    return [float(x) for x in p.series(a, b)]


def test_from_the_peak_both_cut_in_one_round_to_a_truce_that_rests():
    g, _ = _peak_game(ts.Forward(continuation="mpe", jumps=True, discount=0.95))
    p = ts.simulate(g, 12, seed=0)
    us, cn = _series(p, "US", "CN"), _series(p, "CN", "US")
    # both sides cut in the same (first) round, by similar large amounts
    cut_us, cut_cn = us[0] - us[1], cn[0] - cn[1]
    assert cut_us > 0.5 and cut_cn > 0.5
    assert abs(cut_us - cut_cn) <= 0.5 * max(cut_us, cut_cn)
    # to a truce strictly above zero for the US (its unmet demands), which rests
    assert us[1] > 0
    assert us[1:] == [us[1]] * 12 and cn[1:] == [cn[1]] * 12


def test_a_us_that_believes_china_pays_holds_the_peak_longer_then_reaches_the_truce():
    g, _ = _peak_game(ts.Forward(continuation="mpe", jumps=True), beliefs=True)
    # on its beliefs the US's solve cycles (status-quo selection): it plays the last policy,
    # and says so
    with pytest.warns(ConvergenceWarning, match="US's Markov-perfect continuation on CN did"):
        p = ts.simulate(g, 10, seed=0)
    us, cn = _series(p, "US", "CN"), _series(p, "CN", "US")
    assert us[1] == us[0] and cn[1] < cn[0]  # China cuts at once, the US holds
    truth, _ = _peak_game(ts.Forward(continuation="mpe", jumps=True))
    assert us[-1] == _series(ts.simulate(truth, 10, seed=0), "US", "CN")[-1]


def test_the_truce_is_an_equilibrium_resting_point_not_a_script():
    strat = ts.Forward(continuation="mpe", jumps=True)
    g, _ = _peak_game(strat)
    p = ts.simulate(g, 2, seed=0)
    w = g.world
    truce = ts.State.zeros(w.n)
    for a, b in (("US", "CN"), ("CN", "US")):
        truce = truce.with_tariff(w, a, b, float(p.series(a, b)[-1]))
    # the solver itself holds there: a fixed point of the Markov-perfect policy
    r = eq.markov_perfect(eq.with_demand_floors(g, truce), discount=0.95, moves="jump")
    s = r.lgame.index_of(truce)
    assert r.lgame.successors[s, r.profile[s]] == s
    # and agents valuing continuation by it never leave it
    rest = ts.simulate(g.replace(initial=truce), 20, seed=3)
    assert np.all(rest.tariff == rest.tariff[0])


def test_the_same_truce_does_not_rest_without_the_demands():
    strat = ts.Forward(continuation="mpe", jumps=True)
    g, _ = _peak_game(strat)
    w = g.world
    truce = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.30)
    free = g.replace(initial=truce, negotiation=ts.bargaining.Negotiation())
    p = ts.simulate(free, 4, seed=0)
    assert float(p.series("US", "CN")[-1]) < 0.30  # payoffs changed: the truce moves


def test_step_moves_walk_down_and_rest_above_zero():
    g, _ = _peak_game(ts.Forward(continuation="mpe"), moves="step")
    p = ts.simulate(g, 14, seed=0)
    us = _series(p, "US", "CN")
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(us))
    assert us[-1] > 0 and us[-1] == us[-4]


def test_mpe_continuation_is_reproducible_and_batched_runs_agree():
    g, _ = _peak_game(ts.Forward(continuation="mpe", jumps=True))
    a = ts.simulate(g, 5, seed=7)
    b = ts.simulate_batch(g, 5, seeds=[7, 8])
    np.testing.assert_array_equal(a.tariff, b[0].tariff)
    np.testing.assert_array_equal(b[0].tariff, b[1].tariff)  # no noise: same moves


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"continuation": "equilibrium"}, "continuation"), ({"selection": "best"}, "selection")],
)
def test_bad_options_are_named(kwargs, field):
    with pytest.raises(ParameterError, match=f"`{field}`"):
        ts.Forward(**kwargs)


def test_a_solve_leaves_the_warning_filters_alone(monkeypatch):
    """Foresight's solves do not silence ConvergenceWarning through ``warnings.catch_warnings``:
    that changes the process's filters, and two threads doing it at once leave them changed."""
    import warnings

    from tariffsim import foresight

    calls = []
    real = warnings.catch_warnings

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(warnings, "catch_warnings", spy)
    monkeypatch.setattr(foresight, "_MPE_CACHE", type(foresight._MPE_CACHE)())
    g = ts.load_scenario("us-china-145").game
    fw = ts.Forward(continuation="mpe")
    g = dataclasses.replace(g, agents=tuple(dataclasses.replace(a, strategy=fw) for a in g.agents))
    before = list(warnings.filters)
    ts.simulate(g, 3, seed=0)
    assert calls == [] and warnings.filters == before


def test_forward_refuses_a_discount_its_solve_cannot_take_when_made() -> None:
    """It was refused only in the middle of the first run, by the solve."""
    with pytest.raises(ParameterError, match="too close to 1 for float64"):
        ts.Forward(discount=1 - 1e-11, continuation="mpe")
    assert ts.Forward(discount=1 - 1e-11).discount == 1 - 1e-11  # the look-ahead takes it
