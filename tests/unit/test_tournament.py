"""Tournaments: fast match engine equals simulate, determinism, results, dynamics."""

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import strategies as S
from tariffsim import tournament as T

W = ts.World.default()
MODEL = ts.PayoffModel(W)
NAMES = ["tit-for-tat", "grim-trigger", "random", "pavlov", "always-escalate"]


BUILT_IN = sorted(ts.agents.STRATEGIES)
PACED = [n for n in BUILT_IN if ts.engine._paced(ts.make_strategy(n))]
TG = {"US": ["CN"], "CN": ["US"]}


def _simulate(a, b, noise, rounds, rng):
    sa, sb = ts.make_strategy(a), ts.make_strategy(b)
    game = ts.Game(W, MODEL, agents=(ts.Agent("US", sa, ("CN",)), ts.Agent("CN", sb, ("US",))),
                   noise=noise)  # fmt: skip
    return ts.simulate(game, rounds, rng=rng)


def _stats(path, threshold=0.25):
    """Per-seat statistics of a match, from its path, as a round robin reports them."""
    i, j = W.index("US"), W.index("CN")
    out = []
    for me, other in ((i, j), (j, i)):
        own, back = path.tariff[1:, me, other], path.tariff[1:, other, me]
        war = (own >= threshold - 1e-12) & (back >= threshold - 1e-12)
        out.append([path.payoff[1:, me].mean(), own.mean(), own.max(), war.sum(),
                    path.recession[1:, me].mean()])  # fmt: skip
    return np.array(out).T  # (stat, seat)


def test_the_built_in_strategies_include_a_paced_one():
    assert len(BUILT_IN) >= 18 and "myopic" in PACED
    assert ts.Game(W, MODEL).steps > 1  # a weekly round holds several decision steps


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_every_pair_of_built_in_strategies_plays_the_game_simulate_plays(noise):
    """play_match and a round robin's matches are ``simulate`` of the same game, bit for bit,
    for every ordered pair of built-in strategies: decision steps (the myopic best response
    moves at each), noise and seeds included. (The tournament's own loop took one decision
    a round: matches with ``myopic`` differed.)"""
    rounds = 5
    rr = T.round_robin(BUILT_IN, rounds=rounds, repetitions=1, noise=noise, seed=3)
    seeds = np.random.SeedSequence(3).spawn(len(BUILT_IN) ** 2)
    for m, (x, y) in enumerate(rr.lineups.tolist()):
        a, b = BUILT_IN[x], BUILT_IN[y]
        path = _simulate(a, b, noise, rounds, seeds[m])  # a SeedSequence: not consumed
        got = np.array([getattr(rr, f"match_{s}")[m] for s in T._STATS])
        np.testing.assert_array_equal(got, _stats(path), err_msg=f"round robin {a} vs {b}")
        t, pay, rec = T.play_match(W, MODEL, {"US": ts.make_strategy(a), "CN": ts.make_strategy(b)},
                                   rounds=rounds, noise=noise, rng=seeds[m],
                                   targets=TG)  # fmt: skip
        np.testing.assert_array_equal(t, path.tariff, err_msg=f"play_match {a} vs {b}")
        np.testing.assert_array_equal(pay, path.payoff[1:], err_msg=f"play_match {a} vs {b}")
        np.testing.assert_array_equal(rec, path.recession[1:], err_msg=f"play_match {a} vs {b}")


def test_the_myopic_best_response_moves_at_every_decision_step_in_a_match():
    """The defect's own case: China's myopic best response answers within the week, as in
    ``simulate``; the US transactional dealmaker, deciding once a week, answers that answer
    the week after (it never saw it when the week ended at rest: it stopped at 20%)."""
    kw = {"rounds": 8, "targets": TG}
    strat = {"US": ts.make_strategy("transactional"), "CN": ts.make_strategy("myopic")}
    t, _, _ = T.play_match(W, MODEL, strat, rng=7, **kw)
    path = _simulate("transactional", "myopic", 0.0, 8, np.random.default_rng(7))
    np.testing.assert_array_equal(t, path.tariff)
    us, cn = W.index("US"), W.index("CN")
    steps = path.step_tariff[:, :, cn, us]
    for r in range(1, 6):  # each US raise: China's answer the next day, the US's a week on
        assert path.moves[r, us, cn] == 1
        assert steps[r, 0] < steps[r, 1] == steps[r, -1]
        assert (
            path.moves[r + 1, us, cn] == 1 or t[r + 1, us, cn] == W.ladders[("US", "CN")].levels[-1]
        )
    assert t[-1, us, cn] == pytest.approx(1.45)  # both at the top of their ladders


def test_round_robin_matches_do_not_depend_on_how_they_are_batched():
    """Line-ups share engine batches (each seat plays each run's strategy); a match's numbers
    are the same alone, in any chunk and on any executor."""
    names = ["myopic", "random", "tit-for-tat", "generous-tit-for-tat", "brinkmanship"]
    kw = dict(rounds=8, repetitions=3, noise=0.1, seed=5)
    ref = T.round_robin(names, **kw)
    with ThreadPoolExecutor(3) as ex:
        got = T.round_robin(names, **kw, executor=ex)
    for s in T._STATS:
        np.testing.assert_array_equal(getattr(got, f"match_{s}"), getattr(ref, f"match_{s}"))
    seeds = np.random.SeedSequence(5).spawn(len(ref.lineups))
    for m in (0, 4, 17, 38, 74):  # myopic, random and the others, in both seats
        x, y = ref.lineups[m]
        path = _simulate(names[x], names[y], 0.1, 8, np.random.default_rng(seeds[m]))
        got_m = np.array([getattr(ref, f"match_{s}")[m] for s in T._STATS])
        np.testing.assert_array_equal(got_m, _stats(path), err_msg=f"{names[x]} vs {names[y]}")


def test_lineup_tournament_matches_are_simulate_of_the_scenario():
    sc = ts.load_scenario("us-china-145")
    r = T.lineup_tournament(sc, ["myopic", "random"], rounds=6, repetitions=2, seed=1)
    seeds = np.random.SeedSequence(1).spawn(len(r.lineups))
    for m, lu in enumerate(r.lineups.tolist()):
        agents = tuple(dataclasses.replace(a, strategy=ts.make_strategy(r.names[k]))
                       for a, k in zip(sc.game.agents, lu, strict=True))  # fmt: skip
        path = ts.simulate(sc.game.replace(agents=agents), 6, seed=seeds[m])
        i, j = W.index("US"), W.index("CN")
        assert r.match_payoff[m, 0] == path.payoff[1:, i].mean()
        assert r.match_payoff[m, 1] == path.payoff[1:, j].mean()
        assert r.match_peak_tariff[m, 0] == path.tariff[1:, i, j].max()


def test_play_match_all_dyads_equals_simulate():
    strat = {"US": S.DivideAndConquer(patience=2), "CA": ts.TitForTat(), "MX": S.Pavlov()}
    game = ts.Game(W, MODEL, agents=tuple(ts.Agent(c, s) for c, s in strat.items()), noise=0.1)
    path = ts.simulate(game, 12, seed=3)
    t, pay, _ = T.play_match(W, MODEL, strat, rounds=12, noise=0.1, rng=3)
    np.testing.assert_array_equal(t, path.tariff)
    np.testing.assert_array_equal(pay, path.payoff[1:])


def test_round_robin_same_seed_any_processes():
    kw = dict(rounds=15, repetitions=2, noise=0.05, seed=11)
    one = T.round_robin([*NAMES, "myopic"], **kw, processes=1)
    two = T.round_robin([*NAMES, "myopic"], **kw, processes=2)
    for f in ("lineups", "match_payoff", "match_mean_tariff", "match_peak_tariff",
              "match_war_rounds", "match_recession"):  # fmt: skip
        np.testing.assert_array_equal(getattr(one, f), getattr(two, f), err_msg=f)
    assert one.ranking == two.ranking
    other = T.round_robin([*NAMES, "myopic"], **{**kw, "seed": 12})
    assert not np.array_equal(other.match_payoff, one.match_payoff)


def test_round_robin_result_shapes_and_summaries():
    r = T.round_robin(NAMES, rounds=20, repetitions=3, seed=0)
    s = len(NAMES)
    assert r.lineups.shape == (s * s * 3, 2)
    assert r.seats == ("US", "CN") and r.kind == "bilateral"
    assert r.mean_payoff.shape == r.payoff_matrix.shape[:1] == (s,)
    assert set(r.ranking) == set(NAMES)
    assert r.ranking[-1] == "always-escalate"
    k = NAMES.index("always-escalate")
    assert r.peak_tariff[k] == pytest.approx(
        np.mean([1.45 if x[0] == k else 1.25 for x in r.lineups for _ in (0,) if k in x]),
        rel=0.3,
    )
    assert r.war_rounds[k] > r.war_rounds[NAMES.index("tit-for-tat")]
    assert np.all((r.recession > 0) & (r.recession < 1))
    with pytest.raises(ValueError):
        r.match_payoff[0, 0] = 1.0
    # deterministic pairs without noise: every repetition identical
    det = r.match_payoff.reshape(s * s, 3, 2)
    tft = NAMES.index("tit-for-tat")
    np.testing.assert_array_equal(det[tft * s + tft, 0], det[tft * s + tft, 2])
    assert "tit-for-tat" in r.table() and "TournamentResult" in repr(r)
    assert [row["strategy"] for row in r.summary()] == list(r.ranking)


def test_payoff_matrix_definition():
    r = T.round_robin(["hold", "always-escalate"], rounds=5, repetitions=1)
    m = r.payoff_matrix
    hold_vs_hawk = r.match_payoff[(r.lineups[:, 0] == 0) & (r.lineups[:, 1] == 1), 0]
    hold_vs_hawk2 = r.match_payoff[(r.lineups[:, 1] == 0) & (r.lineups[:, 0] == 1), 1]
    assert m[0, 1] == pytest.approx(np.mean([*hold_vs_hawk, *hold_vs_hawk2]))


def test_round_robin_on_other_dyad_and_scenario():
    r = T.round_robin(["tit-for-tat", "always-escalate"], "us-china-145", dyad=("US", "CA"),
                      rounds=6, repetitions=1)  # fmt: skip
    assert r.seats == ("US", "CA") and r.meta["scenario"] == "us-china-145"
    assert r.peak_tariff.max() == pytest.approx(0.25)


def test_round_robin_errors():
    with pytest.raises(ts.ParameterError, match="no tariff ladder for \\(CA, MX\\)"):
        T.round_robin(["hold"], dyad=("CA", "MX"), rounds=2)
    with pytest.raises(ts.UnknownNameError):
        T.round_robin(["nope"], rounds=2)
    with pytest.raises(ts.ParameterError, match="`repetitions`"):
        T.round_robin(["hold"], rounds=2, repetitions=0)
    with pytest.raises(ts.ParameterError, match="`noise`"):
        T.round_robin(["hold"], rounds=2, noise=2)
    with pytest.raises(ts.ParameterError, match="`strategies`"):
        T.round_robin("hold")


def test_lineup_tournament_plays_the_scenario():
    r = T.lineup_tournament("us-china-145", ["myopic", "firm-but-measured", "always-escalate"],
                            rounds=12, repetitions=1, seed=2)  # fmt: skip
    assert r.lineups.shape == (9, 2) and r.kind == "lineup"
    # the scenario's events still fire: the US tariff on China is 54% by April
    k = r.names.index("firm-but-measured")
    assert r.peak_tariff[k] > 0
    both = T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=8, repetitions=2,
                               lineups=[("myopic", "hold"), (1, 0)], processes=2)  # fmt: skip
    assert both.lineups.tolist() == [[0, 1], [0, 1], [1, 0], [1, 0]]
    with pytest.raises(ts.ParameterError, match="one per agent"):
        T.lineup_tournament("us-china-145", ["hold"], lineups=[(0,)], rounds=2)


def test_plots_return_axes():
    r = T.round_robin(["hold", "tit-for-tat", "always-escalate"], rounds=5, repetitions=1)
    assert r.ranking_plot().get_title().startswith("bilateral")
    ax = r.payoff_heatmap()
    assert len(ax.get_xticklabels()) == 3
    evo = T.replicator_dynamics(r, steps=20)
    assert evo.plot().get_ylabel() == "population share"


def test_replicator_dynamics():
    res = T.replicator_dynamics([[-1, 2], [0, 1]], [0.1, 0.9], steps=400)
    np.testing.assert_allclose(res.final, [0.5, 0.5], atol=1e-3)
    np.testing.assert_allclose(res.shares.sum(axis=1), 1.0)
    pd = T.replicator_dynamics([[3, 0], [5, 1]], steps=300, names=["C", "D"])
    assert pd.names == ("C", "D") and pd.final[1] > 0.99
    with pytest.raises(ts.ParameterError, match="square"):
        T.replicator_dynamics([[1, 2]])
    with pytest.raises(ts.ParameterError, match="`x0`"):
        T.replicator_dynamics([[1, 0], [0, 1]], [-1, 2])


def test_replicator_on_a_tournament():
    r = T.round_robin(["tit-for-tat", "always-escalate", "always-deescalate"], rounds=30,
                      repetitions=1)  # fmt: skip
    res = T.replicator_dynamics(r, steps=200)
    assert res.names == r.names
    assert res.final[r.names.index("always-escalate")] < 1 / 3


def test_moran_process_seeded():
    a = T.moran_process([[1, 0], [3, 0.5]], [10, 10], seed=5)
    b = T.moran_process([[1, 0], [3, 0.5]], [10, 10], seed=5)
    np.testing.assert_array_equal(a.shares, b.shares)
    assert a.fixated in ("0", "1") and a.final.max() == 1.0
    neutral = T.moran_process(np.zeros((3, 3)), population=9, intensity=0, max_steps=5, seed=1)
    assert len(neutral.shares) == 6 and neutral.fixated is None
    with pytest.raises(ts.ParameterError, match="`counts`"):
        T.moran_process([[1, 0], [0, 1]], [1, 0])


def test_round_robin_refuses_bad_shapes_and_sizes() -> None:
    from tariffsim.errors import LimitError

    for dyad in ("USCN", ("US",), 5):  # (None: the default pair)
        with pytest.raises(ts.ParameterError, match="`dyad` must be a pair"):
            ts.tournament.round_robin(["hold", "tit-for-tat"], dyad=dyad, rounds=2)
    with pytest.raises(ts.ParameterError, match="`world` must be a World"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], world="x", rounds=2)
    with pytest.raises(ts.ParameterError, match="`model` must be a PayoffModel"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], model="x", rounds=2)
    with pytest.raises(LimitError, match="max_runs"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, repetitions=10**9)
    with pytest.raises(LimitError, match="max_workers"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, processes=10**6)
    with ThreadPoolExecutor(1) as ex, pytest.raises(ts.ParameterError, match="alternatives"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, processes=2, executor=ex)
    with pytest.raises(ts.ParameterError, match="`processes` must be an int >= 1; got 0"):
        ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, processes=0)
    none = ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, processes=None)
    one = ts.tournament.round_robin(["hold", "tit-for-tat"], rounds=2, processes=1)
    np.testing.assert_array_equal(none.match_payoff, one.match_payoff)


def test_repeated_strategies_get_distinct_labels() -> None:
    r = ts.tournament.round_robin(["tit-for-tat"] * 3 + ["hold"], rounds=2, repetitions=1)
    assert r.names == ("tit-for-tat#1", "tit-for-tat#2", "tit-for-tat#3", "hold")


def test_labels_never_collide_with_a_given_name() -> None:
    class Named(ts.agents.Hold):
        name = "myopic#1"

    r = ts.tournament.round_robin(["myopic", "myopic", Named()], rounds=2, repetitions=1)
    assert len(set(r.names)) == 3 and "myopic#1" in r.names


def test_lineups_are_counted_before_they_are_made() -> None:
    from tariffsim.errors import LimitError

    names = ["hold", "tit-for-tat", "always-escalate"] * 20  # 60 strategies, 4 seats: 13M
    with pytest.raises(LimitError, match="line-ups times repetitions"):
        ts.tournament.lineup_tournament("four-country-2025", names, rounds=2)


# -- evolutionary dynamics: bounded work, finite results, the package's type rules ----------
GAME = [[1, 0], [3, 0.5]]


def _replicator_reference(a, x, steps, dt):
    """The step of the docstring, x_i <- x_i exp(dt (f_i - x.f)) renormalised, in log space
    over the strategies present (an absent one stays at 0)."""
    a, x = np.asarray(a, dtype=float), np.asarray(x, dtype=float) / np.sum(x)
    rows = [x]
    for _ in range(steps):
        f = a @ x
        on = x > 0
        logw = np.log(x[on]) + dt * (f[on] - x @ f)
        x = np.zeros_like(x)
        x[on] = np.exp(logw - np.logaddexp.reduce(logw))
        rows.append(x)
    return np.array(rows)


def test_replicator_steps_are_bounded_by_the_limits_before_any_work() -> None:
    from tariffsim.errors import LimitError

    with ts.limits.override(max_iterations=5):
        assert len(T.replicator_dynamics(GAME, steps=5).shares) == 6
        with pytest.raises(LimitError, match=r"steps: 6 exceeds the limit max_iterations = 5"):
            T.replicator_dynamics(GAME, steps=6)
    # 8 bytes * 101 rows * 2 strategies = 1616 bytes
    with ts.limits.override(max_result_bytes=1000), pytest.raises(LimitError, match="max_result"):
        T.replicator_dynamics(GAME, steps=100)
    with pytest.raises(LimitError, match=r"steps: 1000000000000 exceeds .* max_iterations"):
        T.replicator_dynamics(GAME, steps=10**12)
    with pytest.raises(LimitError, match=r"steps: 1\.00e\+400 exceeds .* max_iterations"):
        T.replicator_dynamics(GAME, steps=10**400)


def test_moran_steps_are_bounded_by_the_limits_before_any_work() -> None:
    from tariffsim.errors import LimitError

    too_many = pytest.raises(LimitError, match=r"max_steps: 51 exceeds the limit max_iterations")
    with ts.limits.override(max_iterations=50), too_many:
        T.moran_process(GAME, max_steps=51)
    with ts.limits.override(max_result_bytes=1000), pytest.raises(LimitError, match="max_result"):
        T.moran_process(GAME, max_steps=100)
    cap = ts.limits.current().max_iterations
    with pytest.raises(LimitError, match=r"max_steps: \d+ exceeds the limit max_iterations"):
        T.moran_process([[1, 1], [1, 1]], [5000, 5000], intensity=0, max_steps=cap + 1)


def test_moran_memory_grows_with_the_steps_taken_only() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        r = T.moran_process([[1, 1], [1, 1]], [200, 200], intensity=0, max_steps=5000, seed=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.shares.shape == (5001, 2) and r.fixated is None
    # the shares themselves and a copy; not one Python object per step (about 9 times)
    assert peak < 4 * r.shares.nbytes


def test_replicator_payoffs_whose_arithmetic_overflows_give_the_unscaled_path() -> None:
    # the tester's game: shares of [nan, nan]; x.f and f - x.f overflow at +-1e308
    res = T.replicator_dynamics([[-1e308, 1e308], [0, 1]], steps=50)
    assert np.all(np.isfinite(res.shares))
    np.testing.assert_allclose(res.shares.sum(axis=1), 1.0)
    ref = _replicator_reference(np.ldexp([[-1e308, 1e308], [0, 1]], -10), [1, 1], 50, 0.1 * 2**10)
    np.testing.assert_allclose(res.shares, ref, rtol=1e-9, atol=1e-300)
    # anti-coordination at 1.5 * 2**1023: f_0 - x.f reaches 2.9 * 2**1023 (inf)
    u = np.array([[-1.5, 1.5], [1.5, -1.5]])
    big = T.replicator_dynamics(u * 2.0**1023, [0.01, 0.99], steps=40, dt=2.0**-1025)
    assert np.all(np.isfinite(big.shares))
    ref = _replicator_reference(u, [0.01, 0.99], 40, 0.25)  # the same dynamics, in range
    np.testing.assert_allclose(big.shares, ref, rtol=1e-9)
    # dividing payoffs by a power of two and multiplying the step by it is exact
    same = T.replicator_dynamics(u, [0.01, 0.99], steps=40, dt=0.25)
    np.testing.assert_array_equal(big.shares, same.shares)


def test_replicator_an_absent_far_fitter_strategy_changes_nothing() -> None:
    # strategy 2 is absent and 1e4 fitter: its factor exp(-1000) made every share 0 / 0
    a = [[0, 0, 0], [0, 1, 0], [1e4, 1e4, 1e4]]
    res = T.replicator_dynamics(a, [0.5, 0.5, 0], steps=40)
    assert np.all(np.isfinite(res.shares)) and np.all(res.shares[:, 2] == 0)
    ref = _replicator_reference([[0, 0], [0, 1]], [0.5, 0.5], 40, 0.1)
    np.testing.assert_allclose(res.shares[:, :2], ref, rtol=1e-12)
    # and when it went extinct along the way (rock-paper-scissors, large payoffs)
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]]) * 1e6
    res = T.replicator_dynamics(rps, steps=100, dt=2.0)
    assert np.all(np.isfinite(res.shares))
    np.testing.assert_allclose(res.shares.sum(axis=1), 1.0)


def test_replicator_shares_near_the_largest_float_are_normalised() -> None:
    big = T.replicator_dynamics(GAME, [1e308, 1e308], steps=20)
    np.testing.assert_array_equal(big.shares, T.replicator_dynamics(GAME, steps=20).shares)


def test_moran_weights_are_finite_for_any_finite_payoffs_and_intensity() -> None:
    res = T.moran_process([[1e308, 0], [3, 0.5]], intensity=1e10, seed=0)
    assert np.all(np.isfinite(res.shares))
    # strategy 0 is infinitely fitter: only it reproduces, so its share never falls
    assert res.fixated == "0" and np.all(np.diff(res.shares[:, 0]) >= 0)
    # an absent strategy far fitter than the others has weight 0, not 0 * inf
    res = T.moran_process([[0, 0, 0], [0, 0, 0], [1, 1, 1]], [5, 5, 0], intensity=1000, seed=1)
    assert np.all(np.isfinite(res.shares)) and np.all(res.shares[:, 2] == 0)
    assert res.fixated in ("0", "1")


def test_moran_population_too_large_is_named_as_such() -> None:
    for counts in ([10**400, 1], [2**63, 1], [2**53 + 1, 1], [1e300, 1]):
        with pytest.raises(ts.ParameterError, match=r"`counts\[0\]` = .* larger than a population"):
            T.moran_process(GAME, counts)
    with pytest.raises(ts.ParameterError, match=r"`counts` sum to 9007199254740993, more than"):
        T.moran_process(GAME, [2**52 + 1, 2**52])
    with pytest.raises(ts.ParameterError, match=r"`population` = 1\.00e\+400 is larger"):
        T.moran_process(GAME, population=10**400)
    with pytest.raises(ts.ParameterError, match=r"`counts` must hold integers >= 0"):
        T.moran_process(GAME, [-(10**400), 3])
    at_most = T.moran_process(GAME, [2**53 - 2, 2], max_steps=3, seed=0)
    assert len(at_most.shares) == 4 and np.all(np.isfinite(at_most.shares))


def test_round_robin_self_play_must_be_a_bool() -> None:
    for bad in ("yes", 1, None):
        with pytest.raises(ts.ParameterError, match="`self_play` must be True or False"):
            T.round_robin(["hold", "tit-for-tat"], rounds=2, repetitions=1, self_play=bad)
    r = T.round_robin(["hold", "tit-for-tat"], rounds=2, repetitions=1, self_play=np.bool_(False))
    assert r.lineups.tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize("bad", [-1, 0, -0.0, -1e-9])
def test_war_threshold_must_be_a_positive_tariff(bad) -> None:
    with pytest.raises(ts.ParameterError, match="`war_threshold` must be a tariff level > 0"):
        T.round_robin(["hold", "tit-for-tat"], rounds=2, repetitions=1, war_threshold=bad)
    with pytest.raises(ts.ParameterError, match="`war_threshold` must be a tariff level > 0"):
        T.lineup_tournament("us-china-145", ["hold"], rounds=2, repetitions=1, war_threshold=bad)


def test_war_threshold_above_every_tariff_counts_no_round() -> None:
    r = T.round_robin(["always-escalate"], rounds=6, repetitions=1, war_threshold=100)
    assert r.war_rounds.tolist() == [0.0]
    low = T.round_robin(["always-escalate"], rounds=6, repetitions=1, war_threshold=0.01)
    assert low.war_rounds[0] > 0


@pytest.mark.parametrize("bad", [[[True, False], [False, True]], np.eye(2, dtype=bool),
                                 [["1", "0"], ["0", "1"]], [[1, 0], [True, 1]]])  # fmt: skip
def test_evolution_payoffs_must_be_real_numbers(bad) -> None:
    with pytest.raises(ts.ParameterError, match="`payoff_matrix` must be real numbers"):
        T.moran_process(bad)
    with pytest.raises(ts.ParameterError, match="`payoff_matrix` must be real numbers"):
        T.replicator_dynamics(bad)


def test_evolution_names_must_be_distinct_and_are_checked_first() -> None:
    with pytest.raises(ts.ParameterError, match=r"`names` must be distinct.*'a' is given 2"):
        T.moran_process(GAME, names=["a", "a"])
    with pytest.raises(ts.ParameterError, match="`names` must be distinct"):
        T.replicator_dynamics(GAME, names=["1", 1])
    with pytest.raises(ts.ParameterError, match="`names` must be a sequence of 2 names"):
        T.moran_process(GAME, names=5)
    gen = np.random.default_rng(4)
    before = gen.bit_generator.state
    with pytest.raises(ts.ParameterError, match="`names` must hold 2 names"):
        T.moran_process(GAME, seed=gen, names=["a"])
    assert gen.bit_generator.state == before  # refused before any step drew


def test_replicator_dt_must_be_a_finite_positive_number() -> None:
    for bad in (10**400, math.inf, 0, -1.0, True):
        with pytest.raises(ts.ParameterError, match="`dt` must be a finite number in"):
            T.replicator_dynamics(GAME, dt=bad)


def test_a_game_is_played_as_its_scenario_is():
    # a game built in Python (a country added, say) has no scenario of its own
    sc = ts.load_scenario("us-china-145")
    kw = {"rounds": 6, "repetitions": 1, "seed": 3}
    by_game = ts.tournament.lineup_tournament(sc.game, ["myopic", "tit-for-tat"], **kw)
    by_scenario = ts.tournament.lineup_tournament(sc, ["myopic", "tit-for-tat"], **kw)
    np.testing.assert_array_equal(by_game.match_payoff, by_scenario.match_payoff)
    rr = ts.tournament.round_robin(["myopic", "hold"], scenario=sc.game, rounds=4, repetitions=1)
    assert rr.names == ("myopic", "hold")
    with pytest.raises(ts.errors.ParameterError, match="a Scenario, a Game, a scenario name"):
        ts.tournament.lineup_tournament(3, ["myopic"])


def test_a_round_robin_with_no_match_is_refused() -> None:
    """One strategy without self-play plays nothing: an error, not a ranking of NaN."""
    with pytest.raises(ts.ParameterError, match="no match to play"):
        ts.tournament.round_robin(["hold"], rounds=3, repetitions=1, self_play=False)


def test_a_round_robin_on_a_scenario_seats_its_own_players() -> None:
    """Given a scenario, the seats are its first two agents (before, US and China whatever
    the scenario: the Canada-Mexico scenario's tournament was played on US-CN)."""
    sc = ts.load_scenario("canada-mexico-fentanyl")
    assert sc.players[:2] != ("US", "CN")
    r = ts.tournament.round_robin(["hold", "tit-for-tat"], sc, rounds=3, repetitions=1)
    assert tuple(r.seats) == sc.players[:2]


def test_line_ups_and_names_in_numpy_arrays_are_read() -> None:
    r = T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=3, repetitions=1)
    again = T.lineup_tournament(
        "us-china-145", ["myopic", "hold"], rounds=3, repetitions=1, lineups=r.lineups
    )  # a result's own line-ups (an array) are line-ups
    assert np.array_equal(again.lineups, r.lineups)
    one = [[np.int64(0), np.int64(1)]]
    got = T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=3, repetitions=1,
                              lineups=one)  # fmt: skip
    assert got.lineups.tolist() == [[0, 1]]
    with pytest.raises(ts.errors.ParameterError, match=r"index in \[0, 2\) or its name"):
        T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=3, repetitions=1,
                            lineups=[[0, 5]])  # fmt: skip
    named = T.round_robin(np.array(["hold", "tit-for-tat"]), rounds=3, repetitions=1)
    assert named.names == ("hold", "tit-for-tat")


def test_evolution_without_self_play_says_so() -> None:
    rr = T.round_robin(["hold", "tit-for-tat"], rounds=3, repetitions=1, self_play=False)
    with pytest.raises(ts.errors.ParameterError, match=r"self_play=True"):
        T.replicator_dynamics(rr)


def test_every_strategy_of_a_replicator_chart_has_its_own_colour() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = 18
    payoff = np.eye(k) + 0.1  # every strategy survives a while
    res = T.replicator_dynamics(payoff, names=[f"s{i}" for i in range(k)], steps=5)
    ax = res.plot()
    try:
        colours = {tuple(np.round(c.get_facecolor()[0], 6)) for c in ax.collections}
        assert len(ax.collections) == k and len(colours) == k
        shown = [t.get_text() for t in ax.get_legend().get_texts()]
        assert shown == [f"s{i}" for i in reversed(range(k))]  # top of the stack first
    finally:
        plt.close(ax.figure)
