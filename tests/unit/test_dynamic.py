"""Tests of the dynamic escalation game: ladder game, MPE, backward induction, paths."""

from __future__ import annotations

import dataclasses
import itertools
import json
import warnings

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.equilibrium import NormalFormGame, pure_nash
from tariffsim.equilibrium import dynamic as dyn
from tariffsim.errors import ConvergenceWarning, ParameterError

US_CN = (0.0, 0.2, 0.5)
CN_US = (0.0, 0.25, 0.6, 1.0)


def small_world(us_cn=US_CN, cn_us=CN_US) -> ts.World:
    """Two players, two dyads: the US-China trade of 2024 on short ladders."""
    return ts.World(
        countries=(ts.Country("US", 29.2), ts.Country("CN", 18.7)),
        imports=[[0.0, 438.9], [143.5, 0.0]],
        ties=[[0.0, 0.1], [0.1, 0.0]],
        exempt=np.zeros((2, 2)),
        ladders={("US", "CN"): us_cn, ("CN", "US"): cn_us},
    )


def small_game(**params) -> ts.Game:
    w = small_world()
    p = ts.Params.default(w)
    if params:
        p = p.replace(**params)
    return ts.Game(w, ts.PayoffModel(w, p), agents=(ts.Agent("US"), ts.Agent("CN")))


def hawkish_game() -> ts.Game:
    """Tariff revenue valued fully, exporters absorb half: escalation pays one-sidedly."""
    return small_game(
        revenue_weight=np.ones(2),
        pass_through=np.full((2, 2), 0.5),
        face_weight=np.full(2, 0.5),
        resolve_weight=np.full(2, 0.5),
    )


@pytest.fixture(scope="module")
def game() -> ts.Game:
    return hawkish_game()


@pytest.fixture(scope="module")
def lgame(game) -> dyn.LadderGame:
    return dyn.LadderGame.from_game(game)


def brute_force_q(game: ts.Game, lg: dyn.LadderGame, s: int, values, discount):
    """Q (A1, A2, N) at grid state s from the model directly: apply_moves + payoff."""
    w = game.world
    state = lg.state(s)
    q = np.zeros((3, 3, 2))
    for a_us, a_cn in itertools.product(range(3), range(3)):
        moves = {("US", "CN"): a_us - 1, ("CN", "US"): a_cn - 1}
        nxt = ts.apply_moves(w, state, moves)
        pay = game.model.payoff(nxt, prev=state)[0]
        k = lg.index_of(nxt)
        q[a_us, a_cn] = pay + discount * np.asarray(values)[k]
    return q


# -- the ladder game ------------------------------------------------------------------
def test_shapes_and_grid(lgame):
    assert lgame.players == ("US", "CN")
    assert lgame.dims == (3, 4)
    assert lgame.rewards.shape == (12, 9, 2)
    assert lgame.successors.shape == (12, 9)
    assert not lgame.rewards.flags.writeable
    # all-hold profile (1, 1) -> index 4 keeps every state
    np.testing.assert_array_equal(lgame.successors[:, 4], np.arange(12))
    assert lgame.nonhold[4] == 0


def test_rewards_are_the_true_model_payoffs(game, lgame):
    for s in range(lgame.n_states):
        q = brute_force_q(game, lgame, s, np.zeros((12, 2)), 0.0)
        np.testing.assert_allclose(lgame.rewards[s].reshape(3, 3, 2), q, rtol=1e-12, atol=1e-13)


def test_exact_and_decomposed_rewards_agree(game):
    a = dyn.LadderGame.from_game(game, method="exact")
    b = dyn.LadderGame.from_game(game, method="decomposed")
    assert a.method == "exact" and b.method == "decomposed"
    np.testing.assert_allclose(a.rewards, b.rewards, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(a.successors, b.successors)


def test_four_country_structure_and_decomposition():
    lad = (0.0, 0.25)
    dyads = [("US", "CN"), ("US", "CA"), ("US", "MX"), ("CN", "US"), ("CA", "US"), ("MX", "US")]
    w = ts.World.default(ladders={d: lad for d in dyads}, control_ladders={})
    agents = (
        ts.Agent("US", targets=("CN", "CA", "MX")),
        ts.Agent("CN"),
        ts.Agent("CA"),
        ts.Agent("MX"),
    )
    g = ts.Game(w, ts.PayoffModel(w), agents=agents)
    dec = dyn.LadderGame.from_game(g, method="decomposed")
    assert dec.action_shape == (27, 3, 3, 3)
    assert dec.rewards.shape == (64, 729, 4)
    exact = dyn.LadderGame.from_game(g, method="exact")
    np.testing.assert_allclose(dec.rewards, exact.rewards, rtol=1e-10, atol=1e-12)
    r = dyn.markov_perfect(dec, discount=0.9)
    assert r.converged
    for s in (0, 21, 63):  # selected profile is a Nash equilibrium of the stage game
        nfg = dec.stage_game(s, r.values, 0.9)
        assert nfg.is_nash(tuple(int(x) for x in r.policy[s]), tol=1e-9)


def test_restricted_dyads(game):
    lg = dyn.LadderGame.from_game(game, dyads=[("CN", "US")])
    assert lg.players == ("CN",) and lg.dims == (4,)
    with pytest.raises(ParameterError, match="not controlled"):
        dyn.LadderGame.from_game(game, dyads=[("US", "JP")])


def test_state_round_trip_and_off_grid(lgame):
    for s in range(lgame.n_states):
        assert lgame.index_of(lgame.state(s)) == s
    bad = ts.State.zeros(2).with_tariff(lgame.game.world, "US", "CN", 0.3)
    with pytest.raises(ParameterError, match=r"tariff\[US, CN\].*0\.3"):
        lgame.index_of(bad)
    with pytest.raises(ParameterError, match=r"tariff\[US, CN\]"):
        lgame.stage_game(bad)


def test_stage_game_matches_standalone(game, lgame):
    st = lgame.state(7)
    a = lgame.stage_game(st)
    b = dyn.stage_game(game, st)
    assert isinstance(b, NormalFormGame)
    np.testing.assert_allclose(a.payoff_array, b.payoff_array, rtol=1e-12, atol=1e-13)
    assert a.player_names == b.player_names == ("US", "CN")


# -- Markov-perfect equilibrium -----------------------------------------------------------
@pytest.mark.parametrize("selection", ["status-quo", "payoff-dominant"])
@pytest.mark.parametrize("discount", [0.5, 0.9, 0.97])
def test_mpe_satisfies_bellman_and_nash(game, lgame, selection, discount):
    r = dyn.markov_perfect(lgame, discount=discount, selection=selection)
    assert r.converged, r.message
    assert r.residual <= 1e-6 and r.bellman_residual() <= 1e-6
    assert not r.mixed.any()
    for s in range(lgame.n_states):
        q = brute_force_q(game, lgame, s, r.values, discount)
        a_us, a_cn = (int(x) for x in r.policy[s])
        np.testing.assert_allclose(r.values[s], q[a_us, a_cn], rtol=0, atol=1e-6)
        gain_us = q[:, a_cn, 0].max() - q[a_us, a_cn, 0]
        gain_cn = q[a_us, :, 1].max() - q[a_us, a_cn, 1]
        assert gain_us <= 1e-9 and gain_cn <= 1e-9, (s, gain_us, gain_cn)


def test_plain_and_accelerated_value_iteration_agree(lgame):
    a = dyn.markov_perfect(lgame, discount=0.9, accelerate=True)
    b = dyn.markov_perfect(lgame, discount=0.9, accelerate=False, tol=1e-10)
    assert a.converged and b.converged
    assert a.iterations <= b.iterations
    np.testing.assert_array_equal(a.profile, b.profile)
    np.testing.assert_allclose(a.values, b.values, atol=1e-8)


def test_selection_rules(lgame):
    sq = dyn.markov_perfect(lgame, discount=0.0, selection="status-quo")
    pd = dyn.markov_perfect(lgame, discount=0.0, selection="payoff-dominant")
    for s in range(lgame.n_states):
        nfg = lgame.stage_game(s)
        eqs = pure_nash(nfg)
        nh = [sum(a != 1 for a in e) for e in eqs]
        tot = [float(nfg.payoff(e).sum()) for e in eqs]
        assert min(nh) == sum(int(a) != 1 for a in sq.policy[s])
        assert max(tot) == pytest.approx(float(nfg.payoff(tuple(pd.policy[s])).sum()))


def test_discount_zero_is_the_myopic_stage_equilibrium(lgame):
    r = dyn.markov_perfect(lgame, discount=0.0)
    assert r.converged
    one = dyn.backward_induction(lgame, horizon=1, discount=0.0)
    np.testing.assert_array_equal(r.profile, one.profile[0])
    for s in range(lgame.n_states):
        nfg = lgame.stage_game(s)
        assert tuple(int(x) for x in r.policy[s]) in pure_nash(nfg)
        np.testing.assert_allclose(r.values[s], nfg.payoff(tuple(r.policy[s])))


def test_qre_selection_picks_a_pure_equilibrium(lgame):
    r = dyn.markov_perfect(lgame, discount=0.5, selection="qre")
    assert r.converged
    for s in range(lgame.n_states):
        assert lgame.stage_game(s, r.values, 0.5).is_nash(tuple(r.policy[s]), tol=1e-9)


def test_no_pure_equilibrium_falls_back_to_mixed(lgame):
    # rock-paper-scissors at every state: no pure equilibrium anywhere
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
    rew = np.stack([rps, -rps], axis=-1).reshape(9, 2)
    lg = dataclasses.replace(lgame, rewards=np.broadcast_to(rew, (lgame.n_states, 9, 2)).copy())
    r = dyn.markov_perfect(lg, discount=0.0)
    assert r.mixed.all()
    assert "logit-QRE" in r.message
    np.testing.assert_allclose(r.values, 0.0, atol=1e-3)
    joint = r.mixed_profiles[0].reshape(3, 3)
    np.testing.assert_allclose(joint, np.full((3, 3), 1 / 9), atol=1e-3)


def test_the_modes_tie_is_relative() -> None:
    """Among tiny probabilities (pure equilibria off the support of a mixed limit), a profile
    2.5 times as probable as another is no tie."""
    from tariffsim.equilibrium.markov import _mode

    assert _mode(np.array([4e-10, 1e-9, -1.0])) == 1
    assert _mode(np.array([1e-300, 1e-12, -1.0])) == 1
    assert _mode(np.array([0.5, 0.5 + 1e-11, 0.0])) == 0


def test_a_mixed_states_policy_does_not_hang_on_the_solvers_last_digits(lgame):
    """Rock-paper-scissors moved by 1e-12: the limit is 1/9 each to about 1e-12, a tie; the
    policy entry is the lowest profile (not whichever the last digits favour)."""
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
    for k, nudge in enumerate((1e-12, -1e-12, 3e-12)):
        a = rps.copy()
        a[(k + 1) % 3, k] += nudge
        rew = np.stack([a, -rps], axis=-1).reshape(9, 2)
        lg = dataclasses.replace(lgame, rewards=np.broadcast_to(rew, (lgame.n_states, 9, 2)).copy())
        r = dyn.markov_perfect(lg, discount=0.0)
        assert r.mixed.all()
        assert (r.policy == 0).all(), nudge


def test_non_convergence_warns_and_says_so(lgame):
    with pytest.warns(ConvergenceWarning, match="not converged"):
        r = dyn.markov_perfect(lgame, discount=0.95, max_iter=1, accelerate=False)
    assert not r.converged and r.residual > 1e-8 and "not converged" in r.message


def test_no_warning_when_converged(lgame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dyn.markov_perfect(lgame, discount=0.9)


def test_same_inputs_same_result(game):
    a = dyn.markov_perfect(game, discount=0.9)
    b = dyn.markov_perfect(game, discount=0.9)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.profile, b.profile)
    assert a.iterations == b.iterations


# -- backward induction -----------------------------------------------------------------
@pytest.mark.parametrize("horizon", [1, 3, 7])
def test_backward_induction_equals_value_iteration_from_zero(lgame, horizon):
    r = dyn.backward_induction(lgame, horizon, discount=0.9)
    v = np.zeros((lgame.n_states, 2))
    for k in range(horizon):
        pol, v = dyn.bellman(lgame, v, 0.9)
        np.testing.assert_array_equal(r.profile[horizon - 1 - k], pol)
    np.testing.assert_allclose(r.values[0], v, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(r.values[horizon], 0.0)
    with pytest.warns(ConvergenceWarning):
        plain = dyn.markov_perfect(lgame, 0.9, tol=1e-300, max_iter=horizon + 1, accelerate=False)
    np.testing.assert_allclose(plain.values, v, atol=1e-12)


def test_backward_induction_converges_to_the_mpe(lgame):
    r = dyn.backward_induction(lgame, 400, discount=0.9)
    m = dyn.markov_perfect(lgame, discount=0.9)
    np.testing.assert_allclose(r.values[0], m.values, atol=1e-6)
    p = r.path()
    assert len(p) == 401 and p.meta["solver"] == "backward_induction"


# -- equilibrium paths ----------------------------------------------------------------------
def test_path_has_the_simulation_interface(game, lgame, tmp_path):
    r = dyn.markov_perfect(lgame, discount=0.9)
    start = ts.State.zeros(2).with_tariff(game.world, "US", "CN", 0.5)
    start = start.with_tariff(game.world, "CN", "US", 0.6)
    p = r.path(start=start, rounds=6)
    assert isinstance(p, ts.Path) and len(p) == 7
    assert p.meta["kind"] == "equilibrium"
    assert p.dates[1] - p.dates[0] == np.timedelta64(game.round_days, "D")
    assert p.tariff[0, 0, 1] == 0.5
    for k in range(len(p)):
        assert any(abs(p.tariff[k, 0, 1] - x) < 1e-12 for x in US_CN)
        assert any(abs(p.tariff[k, 1, 0] - x) < 1e-12 for x in CN_US)
    # each step follows the policy
    for k in range(6):
        s = lgame.index_of(ts.State(p.tariff[k]))
        np.testing.assert_array_equal([p.moves[k + 1, 0, 1], p.moves[k + 1, 1, 0]], r.moves[s])
    assert set(p.breakdown("US")) == set(ts.TERMS)
    assert p.to_csv().startswith("round,date")
    p.to_json(tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["meta"]["kind"] == "equilibrium"


def test_path_start_off_grid_is_an_error(game, lgame):
    r = dyn.markov_perfect(lgame, discount=0.9)
    bad = ts.State.zeros(2).with_tariff(game.world, "CN", "US", 0.3)
    with pytest.raises(ParameterError, match=r"tariff\[CN, US\]"):
        r.path(start=bad)


def test_scenario_path_and_cli_helper():
    r, p = dyn.equilibrium_path_for("us-china-145", discount=0.9, rounds=8)
    assert r.converged and len(p) == 9
    assert p.meta["scenario"] == "us-china-145" and p.meta["kind"] == "equilibrium"
    assert str(p.dates[0]) == "2025-01-27"


# -- repeated-game facts -----------------------------------------------------------------------
def test_dyad_facts_prisoners_dilemma_by_hand():
    w = small_world(us_cn=(0.0, 0.5), cn_us=(0.0, 0.5))
    p = ts.Params.default(w).replace(revenue_weight=np.ones(2), pass_through=np.full((2, 2), 0.6))
    g = ts.Game(w, ts.PayoffModel(w, p), agents=(ts.Agent("US"), ts.Agent("CN")))
    f = dyn.dyad_facts(g, "US", "CN", low=0.0, high=0.5)

    def pay(t_us, t_cn):
        s = ts.State.zeros(2).with_tariff(w, "US", "CN", t_us).with_tariff(w, "CN", "US", t_cn)
        return g.model.payoff(s, prev=s)[0]

    ll, hh, hl, lh = pay(0, 0), pay(0.5, 0.5), pay(0.5, 0), pay(0, 0.5)
    T, R, P, S = hl[0], ll[0], hh[0], lh[0]
    us = f.payoffs["US"]
    assert pytest.approx((T, R, P, S), rel=1e-12) == (us.T, us.R, us.P, us.S)
    assert us.is_prisoners_dilemma
    assert f.critical["US"] == pytest.approx((T - R) / (T - P), rel=1e-12)
    cn = f.payoffs["CN"]
    assert pytest.approx((lh[1], ll[1], hh[1], hl[1]), rel=1e-12) == (cn.T, cn.R, cn.P, cn.S)
    assert f.threshold == max(f.critical.values())
    assert 0 < f.critical["CN"] < f.critical["US"] < 1
    # the one-shot game is a prisoner's dilemma: myopic play escalates from free trade
    r = dyn.markov_perfect(g, discount=0.0)
    assert r.move_at(ts.State.zeros(2)) == {("US", "CN"): 1, ("CN", "US"): 1}


def test_dyad_facts_bad_input(game):
    with pytest.raises(ParameterError, match="low"):
        dyn.dyad_facts(game, low=1.0, high=0.5)
    with pytest.raises(ParameterError, match="differ"):
        dyn.dyad_facts(game, "US", "US")
    with pytest.raises(ts.UnknownNameError):
        dyn.dyad_facts(game, "US", "XX")


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5, float("nan"), "0.9", True])
def test_bad_discount_is_named(lgame, bad):
    with pytest.raises(ParameterError, match=r"`discount`.*" + repr(bad)[:3].replace("(", "")):
        dyn.markov_perfect(lgame, discount=bad)
    with pytest.raises(ParameterError, match="discount"):
        dyn.backward_induction(lgame, 3, discount=bad)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"selection": "lowest"}, "selection"),
        ({"tol": 0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"initial_values": np.zeros((3, 2))}, "values"),
    ],
)
def test_bad_solver_arguments(lgame, kwargs, field):
    with pytest.raises(ParameterError, match=field):
        dyn.markov_perfect(lgame, **kwargs)


def test_bad_game_arguments(game, lgame):
    with pytest.raises(ParameterError, match="horizon"):
        dyn.backward_induction(lgame, 0)
    with pytest.raises(ParameterError, match="Game"):
        dyn.markov_perfect("us-china-145")
    with pytest.raises(ParameterError, match="no agent"):
        dyn.LadderGame.from_game(game.replace(agents=()))
    with pytest.raises(ParameterError, match="method"):
        dyn.LadderGame.from_game(game, method="fast")
    with pytest.raises(ParameterError, match="rounds"):
        dyn.markov_perfect(lgame, 0.5).path(rounds=0)


# -- plots --------------------------------------------------------------------------------------
def test_plots_return_axes(lgame):
    from tariffsim.equilibrium import plots

    r = dyn.markov_perfect(lgame, discount=0.9)
    ax = r.plot_policy()
    assert ax.get_xlabel() == "US→CN tariff (%)" and ax.get_ylabel() == "CN→US tariff (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "20", "50"]
    ax2 = plots.plot_stage_game(lgame.stage_game(0, r.values, 0.9))
    assert len(ax2.patches) == len(pure_nash(lgame.stage_game(0, r.values, 0.9)))
    with pytest.raises(ParameterError, match="two-player"):
        plots.plot_stage_game(NormalFormGame([np.zeros((2, 2, 2))] * 3))
    with pytest.raises(ParameterError, match="not an active dyad"):
        plots.plot_policy(r, dyads=[("US", "CN"), ("US", "JP")])


def test_an_equilibrium_path_shows_every_agent_even_one_that_never_moves():
    # Vietnam answers nothing on this path; its recession odds and payoff are what the path
    # is about all the same (the table left them out: only countries that moved were shown)
    w = ts.World.default().add_country(
        ts.Country("VN", 0.48), imports={"US": 13.0}, exports={"US": 137.0},
        ladders={("US", "VN"): (0.0, 0.1, 0.2, 0.46), ("VN", "US"): (0.0, 0.1, 0.2)},
    )  # fmt: skip
    game = ts.Game(
        world=w, model=ts.PayoffModel(w, ts.Params.default(w)), rounds=3,
        agents=(ts.Agent("US", ts.MyopicBestResponse(), ("VN",)),
                ts.Agent("VN", ts.TitForTat(), ("US",))),
    )  # fmt: skip
    start = ts.State.zeros(w.n).with_tariff(w, "US", "VN", 0.46)
    p = ts.equilibrium.markov_perfect(game, discount=0.95).path(start=start, rounds=3)
    assert not p.tariffs("VN", "US").any()  # (it never moves)
    assert p.players() == ("US", "VN")
    header = p.table().splitlines()[0]
    assert "VN rec%" in header and "VN pay" in header, header
    assert ts.simulate(game, seed=0).meta["players"] == ["US", "VN"]


@pytest.mark.parametrize(
    ("name", "moves", "sample"),
    [("us-china-145", "step", None), ("us-china-145", "jump", None),
     ("canada-mexico-fentanyl", "step", 400), ("reciprocal-pause", "step", 400),
     ("reciprocal-pause", "jump", 400)],
)  # fmt: skip
def test_the_ladder_games_successors_are_the_moves_the_engine_makes(
    name: str, moves: str, sample: int | None
) -> None:
    """Every transition of the solvers' table is the state :meth:`LadderGame.advance` (the
    engine's rule) reaches: an escalation steps over a truce rung reached only on the way
    down (the US 30% on China after Geneva). Before, the table moved to the next rung, so
    ``markov_perfect`` scored escalations the engine never makes and its paths left its own
    equilibrium (41 of 441 transitions of us-china-145)."""
    g = ts.load_scenario(name).game
    lg = eq.LadderGame.from_game(g, moves=moves)
    S, A = lg.successors.shape
    flat = np.arange(S * A) if sample is None else np.random.default_rng(0).choice(S * A, sample)
    pos = [(g.world.index(a), g.world.index(b)) for a, b in lg.dyads]
    for f in flat:
        s, a = divmod(int(f), A)
        nxt, _ = lg.advance(lg.state(s), a)
        got = tuple(float(nxt.tariff[i, j]) for i, j in pos)
        assert np.allclose(lg.levels(int(lg.successors[s, a])), got), (s, a)


def test_the_ladder_games_rewards_are_its_stage_games_payoffs() -> None:
    """A profile's reward in the solvers' table is the stage game's payoff of that profile
    (before, at 20%/15% a US escalation was scored at 30%, a rung it cannot reach from below:
    -0.616 against the stage game's -1.0015)."""
    g = ts.load_scenario("us-china-145").game
    lg = eq.LadderGame.from_game(g)
    for s in range(lg.n_states):
        us, cn = (np.asarray(p) for p in eq.stage_game(g, lg.state(s)).payoffs)
        for a in range(lg.n_profiles):
            r, c = divmod(a, 3)
            assert np.allclose(lg.rewards[s, a], [us[r, c], cn[r, c]], atol=1e-9), (s, a)


def test_an_equilibrium_path_refuses_a_start_whose_export_controls_it_does_not_hold() -> None:
    """The ladder game holds export controls at its game's initial ones: a path from a
    state with others (rare-earth-100's 50% control of China on the US) is refused by name,
    as a tariff it does not move is (before, the path dropped the control to the game's 0
    and disagreed with the command, which solves from the start); solved from that state,
    the path keeps it."""
    sc = ts.load_scenario("rare-earth-100")
    st = sc.equilibrium_start()
    cn, us = sc.world.index("CN"), sc.world.index("US")
    assert st.control[cn, us] == 0.5
    r = eq.markov_perfect(sc.game, discount=0.9)
    with pytest.raises(ParameterError, match=r"state\.control\[CN, US\]: .*got 0\.5"):
        r.path(start=st, rounds=2)
    p = eq.markov_perfect(sc.game.replace(initial=st), discount=0.9).path(start=st, rounds=2)
    assert (p.control[:, cn, us] == 0.5).all()


def test_grim_facts_names_one_side_in_its_reason() -> None:
    """The side whose punishment is no stage equilibrium is the side that deviates at (D, D)
    (the reason named a's payoffs and then b's deviation where both sides had one)."""
    both = eq.grim_facts(eq.DyadPayoffs(T=4, R=3, P=0, S=1), eq.DyadPayoffs(T=4, R=3, P=0, S=2))
    assert both.reason.endswith("(S = 1 > P = 0 for a); a at (D, D) plays C instead of D")
    b_only = eq.grim_facts(eq.DyadPayoffs(T=4, R=3, P=1, S=0), eq.DyadPayoffs(T=4, R=3, P=0, S=2))
    assert b_only.reason.endswith("(S = 2 > P = 0 for b); b at (D, D) plays C instead of D")
