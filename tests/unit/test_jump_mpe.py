"""Markov-perfect equilibrium with jumps: any rung of a ladder in one round."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.errors import ParameterError, TariffsimError


def small_game(us_cn=(0.0, 0.2, 0.5), cn_us=(0.0, 0.25, 0.6, 1.0), **params) -> ts.Game:
    """Two players on short ladders: US-China trade of 2024, escalation paying one-sidedly."""
    w = ts.World(
        countries=(ts.Country("US", 29.2), ts.Country("CN", 18.7)),
        imports=[[0.0, 438.9], [143.5, 0.0]],
        ties=[[0.0, 0.1], [0.1, 0.0]],
        exempt=np.zeros((2, 2)),
        ladders={("US", "CN"): us_cn, ("CN", "US"): cn_us},
    )
    p = ts.Params.default(w).replace(
        revenue_weight=np.ones(2),
        pass_through=np.full((2, 2), 0.5),
        face_weight=np.full(2, 0.5),
        resolve_weight=np.full(2, 0.5),
    )
    if params:
        p = p.replace(**params)
    return ts.Game(w, ts.PayoffModel(w, p), agents=(ts.Agent("US"), ts.Agent("CN")))


def jump_to(game: ts.Game, state: ts.State, us: float, cn: float) -> ts.State:
    """The state reached from `state` by setting both tariffs in one round (built by hand)."""
    w = game.world
    t = np.array(state.tariff)
    t[w.index("US"), w.index("CN")] = us
    t[w.index("CN"), w.index("US")] = cn
    return state.replace(tariff=t, peak=np.maximum(state.peak, t), moved=t - state.tariff)


def one_shot_deviations(game: ts.Game, result, discount: float) -> float:
    """Largest gain any player gets from any one-round deviation to any rung, at any state.

    Payoffs come from the model directly (not from the ladder game's tables).
    """
    lg = result.lgame
    w = game.world
    lad_us, lad_cn = w.ladders[("US", "CN")].levels, w.ladders[("CN", "US")].levels
    worst = -np.inf
    for s in range(lg.n_states):
        state = lg.state(s)
        tgt = result.lgame.profile_targets[result.profile[s]]
        eq_levels = (lad_us[tgt[0]], lad_cn[tgt[1]])
        q = {}
        for us, cn in itertools.product(lad_us, lad_cn):
            nxt = jump_to(game, state, us, cn)
            pay = np.asarray(game.model.payoff(nxt, prev=state))[0]
            q[(us, cn)] = pay + discount * result.values[lg.index_of(nxt)]
        v_us, v_cn = q[eq_levels]
        np.testing.assert_allclose(result.values[s], [v_us, v_cn], rtol=1e-9, atol=1e-9)
        for us in lad_us:  # the US deviates to any rung, China keeps its equilibrium target
            worst = max(worst, q[(us, eq_levels[1])][0] - v_us)
        for cn in lad_cn:
            worst = max(worst, q[(eq_levels[0], cn)][1] - v_cn)
    return float(worst)


@pytest.mark.parametrize("selection", ["status-quo", "payoff-dominant"])
@pytest.mark.parametrize("discount", [0.0, 0.6, 0.95])
def test_jump_mpe_passes_a_one_shot_deviation_check_over_all_rungs(selection, discount):
    g = small_game()
    r = eq.markov_perfect(g, discount=discount, selection=selection, moves="jump")
    assert r.converged
    assert r.lgame.moves == "jump" and r.lgame.action_shape == (3, 4)
    assert not r.mixed.any()
    assert one_shot_deviations(g, r, discount) <= 1e-9


@settings(max_examples=8, deadline=None)
@given(
    face=st.floats(0.0, 2.0),
    resolve=st.floats(0.0, 2.0),
    pass_through=st.floats(0.2, 1.0),
    discount=st.floats(0.0, 0.95),
)
def test_jump_mpe_is_an_equilibrium_for_any_weights(face, resolve, pass_through, discount):
    g = small_game(
        face_weight=np.full(2, face),
        resolve_weight=np.full(2, resolve),
        pass_through=np.full((2, 2), pass_through),
    )
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eq.markov_perfect(g, discount=discount, moves="jump")
    if r.converged and not r.mixed.any():
        assert one_shot_deviations(g, r, discount) <= 1e-8


def test_jump_reaches_any_rung_in_one_round():
    g = small_game()
    lg = eq.LadderGame.from_game(g, moves="jump")
    top = lg.n_states - 1
    # from the top, the profile whose targets are the bottom rungs leads to the bottom state
    down = int(np.flatnonzero((lg.profile_targets == 0).all(axis=1))[0])
    assert lg.successors[top, down] == 0
    assert lg.moves_at(top, down).tolist() == [-2, -3]
    nxt, moves = lg.advance(lg.state(top), down)
    assert moves == {("US", "CN"): -2, ("CN", "US"): -3}
    assert float(nxt.tariff.sum()) == 0.0
    np.testing.assert_allclose(nxt.moved, -lg.state(top).tariff)


@pytest.mark.parametrize("discount", [0.0, 0.7, 0.95])
@pytest.mark.parametrize("selection", ["status-quo", "payoff-dominant"])
def test_two_rung_ladders_jump_equals_step(discount, selection):
    g = small_game(us_cn=(0.0, 0.5), cn_us=(0.0, 0.6))
    step = eq.markov_perfect(g, discount=discount, selection=selection, moves="step")
    jump = eq.markov_perfect(g, discount=discount, selection=selection, moves="jump")
    assert step.converged and jump.converged
    np.testing.assert_allclose(jump.values, step.values, rtol=1e-12, atol=1e-12)
    s = np.arange(step.lgame.n_states)
    np.testing.assert_array_equal(
        jump.lgame.successors[s, jump.profile], step.lgame.successors[s, step.profile]
    )
    # the paths from every state visit the same tariffs
    for k in s:
        a = step.path(step.lgame.state(int(k)), rounds=3)
        b = jump.path(jump.lgame.state(int(k)), rounds=3)
        np.testing.assert_array_equal(a.tariff, b.tariff)


def test_jump_game_follows_the_scenario_moves():
    g = small_game().replace(moves="jump")
    assert eq.LadderGame.from_game(g).moves == "jump"
    assert eq.markov_perfect(g, discount=0.5).lgame.moves == "jump"
    assert eq.markov_perfect(g, discount=0.5, moves="step").lgame.moves == "step"


@pytest.mark.parametrize("bad", ["leap", "", 1, None.__class__])
def test_bad_moves_is_a_tariffsim_error_naming_the_field(bad):
    g = small_game()
    with pytest.raises(TariffsimError, match="`moves`"):
        eq.markov_perfect(g, discount=0.9, moves=bad)
    with pytest.raises(ParameterError, match="`moves`"):
        eq.LadderGame.from_game(g, moves=bad)


def test_moves_must_match_a_prebuilt_ladder_game():
    lg = eq.LadderGame.from_game(small_game())
    with pytest.raises(ParameterError, match="moves='step'"):
        eq.markov_perfect(lg, discount=0.9, moves="jump")


def test_jump_action_names_are_targets():
    lg = eq.LadderGame.from_game(small_game(), moves="jump")
    assert lg.action_names()[0] == ("CN 0%", "CN 20%", "CN 50%")
    with pytest.raises(ParameterError, match="profile_targets"):
        _ = eq.LadderGame.from_game(small_game()).profile_targets


@pytest.mark.parametrize("accelerate", [True, False])
def test_a_cycling_selection_stops_once_the_residual_stalls(monkeypatch, accelerate):
    """Value iteration whose selected policy keeps switching (no pure stationary equilibrium
    is reached) stops once the residual has found no new low for ``stall_window`` sweeps,
    not after ``max_iter``; with the rule off, 3000 sweeps settle nothing either."""
    from tariffsim.equilibrium import markov

    g = small_game(
        face_weight=np.full(2, 1.014031658553716),
        resolve_weight=np.full(2, 0.20884241145694804),
        pass_through=np.full((2, 2), 0.8078416765245688),
    )
    discount = 0.7817970329537536
    window = markov.stall_window(discount)
    assert window == 92
    with pytest.warns(ts.ConvergenceWarning, match="selected policy cycles"):
        r = eq.markov_perfect(g, discount=discount, moves="jump", accelerate=accelerate)
    assert not r.converged and r.cycle_detected and r.residual > 0.1
    assert window < r.iterations < 2 * window < 1000
    assert f"(stopped: no lower residual in the last {window} sweeps)" in r.message
    monkeypatch.setattr(markov, "stall_window", lambda discount: 10**9)
    with pytest.warns(ts.ConvergenceWarning):
        long = eq.markov_perfect(
            g, discount=discount, moves="jump", accelerate=accelerate, max_iter=3000
        )
    assert not long.converged and long.iterations == 3000 and long.residual > 0.1
