"""Cases from issue reports: scale, tolerances in tariffsim's units, huge lambda, bad arguments."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim._util import short_repr
from tariffsim.equilibrium.scaling import normalize, payoff_ranges, relative_regret
from tariffsim.errors import ParameterError

A = np.array([[4.0, -6.0], [-3.0, 9.0]])
B = np.array([[-1.0, 0.0], [-4.0, -7.0]])
X = np.array([3 / 4, 1 / 4])
Y = np.array([15 / 22, 7 / 22])


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e-8])
def test_support_enumeration_is_scale_free(scale):
    g = eq.NormalFormGame.from_bimatrix(A * scale, B * scale)
    r = eq.support_enumeration(g, full_degeneracy_check=True)
    assert len(r.equilibria) == 1, r.message
    x, y = r.equilibria[0]
    np.testing.assert_allclose(x, X, atol=1e-9)
    np.testing.assert_allclose(y, Y, atol=1e-9)
    assert r.message == "found all 1 equilibria of a nondegenerate game"


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e-8])
def test_lemke_howson_is_scale_free(scale):
    g = eq.NormalFormGame.from_bimatrix(A * scale, B * scale)
    for label in range(4):
        r = eq.lemke_howson(g, init_label=label)
        assert r.converged, r.message
        np.testing.assert_allclose(r.equilibrium[0], X, atol=1e-9)
        np.testing.assert_allclose(r.equilibrium[1], Y, atol=1e-9)


def test_pure_nash_tolerance_is_relative():
    # a 1e-9 edge is a real preference in a game whose payoffs span 1e-8
    g = eq.NormalFormGame.from_bimatrix([[1e-8, 0.0], [1e-8 - 1e-9, 0.0]], [[0.0, 0.0], [0, 0]])
    assert eq.pure_nash(g) == [(0, 0), (0, 1), (1, 1)]
    big = eq.NormalFormGame(normalize(g).payoff_array * 1e12)
    assert eq.pure_nash(big) == eq.pure_nash(g)


def _peak_stage():
    game = ts.load_scenario("us-china-145").game
    w = game.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    return eq.stage_game(game, s)


def test_fictitious_play_at_the_peak_is_not_converged_at_hold_hold():
    nf = _peak_stage()
    # payoffs are % of GDP: the gains at (hold, hold) are tiny in absolute terms
    assert 0 < nf.regret((1, 1)) < 0.1  # a few hundredths of a percent of GDP
    assert relative_regret(nf, (1, 1)) > 1e-2
    with pytest.warns(ts.ConvergenceWarning, match="relative regret"):
        r = eq.fictitious_play(nf, rounds=0, start=(1, 1), rng=0)
    assert not r.converged
    assert r.regret[0] == pytest.approx(relative_regret(nf, (1, 1)))


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_fictitious_play_converged_flag_matches_relative_regret():
    nf = _peak_stage()
    for rounds in (0, 1, 5, 50, 400):
        r = eq.fictitious_play(nf, rounds=rounds, start=(1, 1), rng=0)
        final = [b[-1] for b in r.beliefs]
        assert r.converged == (relative_regret(nf, final) <= 1e-2)


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@pytest.mark.parametrize("lam_max", [1e3, 1e30, 1e300])
def test_logit_qre_never_marks_nan_converged(lam_max):
    games = [
        eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]]),
        eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]),
        eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]),
    ]
    for g in games:
        p = eq.logit_qre(g, lam_max=lam_max, n_steps=40)
        for k in range(len(p.lambdas)):
            profile = [prof[k] for prof in p.profiles]
            finite = all(np.all(np.isfinite(s)) for s in profile)
            assert finite or not p.converged[k]
            assert np.isfinite(p.residuals[k]) or not p.converged[k]
            if p.converged[k]:
                for s in profile:
                    assert s.sum() == pytest.approx(1.0)


def test_logit_qre_at_huge_lambda_reaches_the_strict_equilibrium():
    pd = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    p = eq.logit_qre(pd, lambdas=[0.0, 1.0, 1e3, 1e300])
    assert p.converged[-1]
    np.testing.assert_allclose(p.final[0], [0, 1], atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"intensity": math.inf}, "intensity"),
        ({"intensity": math.nan}, "intensity"),
        ({"intensity": -1.0}, "intensity"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"counts": [1.5, 3]}, "counts"),
        ({"counts": [2, 3, 4]}, "counts"),
        ({"counts": [True, 3]}, "counts"),
        ({"max_steps": 2.0}, "max_steps"),
        ({"population": 1}, "population"),
    ],
)
def test_moran_process_bad_arguments_raise_tariffsim_errors(kwargs, name):
    with pytest.raises(ParameterError, match=f"`{name}`"):
        ts.tournament.moran_process([[1, 0], [3, 0.5]], **kwargs)


def test_moran_process_huge_intensity_is_finite():
    res = ts.tournament.moran_process([[1, 0], [3, 0.5]], [5, 5], intensity=1e308, seed=2)
    assert np.all(np.isfinite(res.shares))
    assert res.fixated == "1"


def test_moran_process_accepts_whole_float_counts():
    a = ts.tournament.moran_process([[1, 0], [3, 0.5]], [10.0, 10.0], seed=1)
    b = ts.tournament.moran_process([[1, 0], [3, 0.5]], [10, 10], seed=1)
    np.testing.assert_array_equal(a.shares, b.shares)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda g: eq.pure_nash(g, tol=math.nan), "tol"),
        (lambda g: eq.support_enumeration(g, tol=-1.0), "tol"),
        (lambda g: eq.support_enumeration(g, full_degeneracy_check="yes"), "full_degeneracy_check"),
        (lambda g: eq.lemke_howson(g, max_iter=10.0), "max_iter"),
        (lambda g: eq.fictitious_play(g, rounds=1.5), "rounds"),
        (lambda g: eq.fictitious_play(g, rng=-3), "rng"),
        (lambda g: eq.logit_dynamics(g, beta=math.inf), "beta"),
        (lambda g: eq.logit_qre(g, lam_max=math.inf), "lam_max"),
        (lambda g: eq.logit_qre(g, lambdas=[0, math.inf]), "lambdas"),
        (lambda g: eq.best_response_dynamics(g, rng="x"), "rng"),
    ],
)
def test_solver_arguments_are_validated(call, name):
    g = eq.NormalFormGame.from_bimatrix(A, B)
    with pytest.raises(ParameterError, match=f"`{name}`"):
        call(g)


def test_correlated_equilibrium_is_scale_free():
    # a column player with tiny payoffs still constrains nothing; welfare is found
    g = eq.NormalFormGame.from_bimatrix([[1e-8], [0.0]], [[0.0], [1.0]])
    r = eq.correlated_equilibrium(g, objective=[0.0, 1.0])
    assert r.success
    np.testing.assert_allclose(r.distribution, [[1.0], [0.0]], atol=1e-9)
    big = eq.correlated_equilibrium(eq.NormalFormGame.from_bimatrix(A * 1e8, B * 1e8))
    small = eq.correlated_equilibrium(eq.NormalFormGame.from_bimatrix(A, B))
    np.testing.assert_allclose(big.distribution, small.distribution, atol=1e-7)


def test_payoff_ranges_and_normalize():
    g = eq.NormalFormGame.from_bimatrix(A * 1e8 + 5, B)
    lo, span = payoff_ranges(g)
    np.testing.assert_allclose(lo, [-6e8 + 5, -7])
    np.testing.assert_allclose(span, [15e8, 7])
    n = normalize(g)
    assert n.payoff_array.min() == 0 and n.payoff_array.max() == 1
    np.testing.assert_allclose(n.payoff_array[0], (A + 6) / 15)


def test_an_infinite_bound_is_not_offered_as_allowed():
    from tariffsim.tournament import moran_process

    with pytest.raises(ParameterError, match=r"finite number in \[0, inf\); got inf"):
        moran_process([[3, 0], [5, 1]], intensity=math.inf)


_BOS = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
_HUGE = 10**400


@pytest.fixture(scope="module")
def small_ladder() -> eq.LadderGame:
    return eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)


def _bad_calls(lg: eq.LadderGame) -> dict[str, tuple[object, str, str]]:
    g = ts.load_scenario("us-china-145").game
    nf = eq.NormalFormGame
    return {
        # an int beyond any float is a number out of range, not an OverflowError
        "discount huge": (lambda: eq.markov_perfect(lg, discount=_HUGE), "P", "`discount`"),
        "spe discount huge": (lambda: eq.backward_induction(lg, 2, _HUGE), "P", "`discount`"),
        "tol huge": (lambda: eq.support_enumeration(_BOS, tol=_HUGE), "P", "`tol`"),
        "beta huge": (lambda: eq.logit_dynamics(_BOS, _HUGE, 10), "P", "`beta`"),
        "payoff huge": (lambda: nf([[[_HUGE, 0], [0, 0]], [[0, 0], [0, 0]]]), "P", "payoffs"),
        "bimatrix huge": (lambda: nf.from_bimatrix([[_HUGE, 0], [0, 1]], [[1, 0], [0, 2]]),
                          "P", "`A`"),
        "shift huge": (lambda: _BOS.affine(0, 1.0, _HUGE), "P", "`shift`"),
        "counts huge": (lambda: eq.fit_logit_qre(_BOS, [[_HUGE, 1], [1, 1]]), "P", "counts"),
        "lambdas huge": (lambda: eq.logit_qre(_BOS, [0, _HUGE]), "P", "lambdas"),
        "T huge": (lambda: eq.critical_discount(_HUGE, 3, 1, 0), "P", "`T`"),
        "payoff text": (lambda: nf([[["1", "2"], ["3", "4"]], [[1, 2], [3, 4]]]), "P", "payoffs"),
        "payoff bools": (lambda: nf(np.eye(2, dtype=bool)[None].repeat(2, 0)), "P", "payoffs"),
        # what the solvers take, checked
        "accelerate text": (lambda: eq.markov_perfect(lg, accelerate="no"), "P", "`accelerate`"),
        "initial text": (lambda: eq.markov_perfect(lg, initial_values="abc"), "P",
                         "`initial_values`"),
        "initial huge": (lambda: eq.markov_perfect(lg, initial_values=[[_HUGE, 0]] * 49), "P",
                         "`initial_values`"),
        "values text": (lambda: eq.bellman(lg, "x", 0.9), "P", "`values`"),
        "learning game": (lambda: eq.learning_path(None, rounds=3), "P", "`game`"),
        "learning beta": (lambda: eq.learning_path(g, rounds=3, beta=True), "P", "`beta`"),
        "learning rng": (lambda: eq.learning_path(g, rounds=3, rng="a"), "P", "`rng`"),
        # sizes that would exhaust memory or never return: refused before any work
        "learning rounds": (lambda: eq.learning_path(g, rounds=_HUGE), "L", "max_rounds"),
        "qre steps": (lambda: eq.qre_select(_BOS, max_steps=10**9), "L", "max_iterations"),
        "branch steps": (lambda: eq.logit_branch(_BOS, max_steps=10**9), "L", "max_iterations"),
        "qre points": (lambda: eq.logit_qre(_BOS, np.zeros(10**7 + 1)), "L", "max_iterations"),
        "fictitious play": (lambda: eq.fictitious_play(_BOS, 10**12), "L", "max_iterations"),
        "logit dynamics": (lambda: eq.logit_dynamics(_BOS, 1.0, 10**12), "L", "max_iterations"),
        "best replies": (lambda: eq.best_response_dynamics(_BOS, max_rounds=10**12), "L",
                         "max_iterations"),
        "support 15x15": (lambda: eq.support_enumeration(nf(np.ones((2, 15, 15)))), "L",
                          "support enumeration of a 15 x 15 game"),
    }  # fmt: skip


def test_bad_solver_input_is_a_tariffsim_error_before_any_work(small_ladder) -> None:
    from tariffsim.errors import LimitError

    for what, (call, kind, words) in _bad_calls(small_ladder).items():
        err = ParameterError if kind == "P" else LimitError
        try:
            call()  # type: ignore[operator]
        except err as e:
            assert words in str(e), (what, str(e))
        else:
            raise AssertionError(f"{what}: no {err.__name__}")


def test_a_ladder_game_too_large_for_memory_is_refused() -> None:
    """The tables' bytes are checked before they are made (256-rung ladders with jumps would
    ask for ~100 GB): here under a limit the small game's tables exceed."""
    from tariffsim.errors import LimitError

    g = ts.load_scenario("us-china-145").game
    with (
        ts.limits.override(max_result_bytes=10_000),
        pytest.raises(LimitError, match=r"the ladder game \(49 states × 9 profiles × 2 players"),
    ):
        eq.markov_perfect(g, max_seconds=5)
    assert eq.LadderGame.from_game(g).n_states == 49  # within the default limit


@pytest.mark.parametrize("discount", [0.9, 0.999999])  # iterated; a linear solve
def test_the_time_limit_covers_policy_evaluation(small_ladder, monkeypatch, discount) -> None:
    """The budget runs out during the first exact policy evaluation (an iteration at a
    moderate discount, a linear solve near 1): it stops there, and the solve returns
    unconverged after that sweep, saying so."""
    from tariffsim.equilibrium import markov

    calls = {"n": 0}
    clock = {"t": 0.0}
    real = markov._evaluate_policy

    def spy(*a, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        calls["deadline"] = kw.get("deadline")
        clock["t"] = 1e9  # the clock passes the budget once the evaluation has started
        return real(*a, **kw)

    monkeypatch.setattr(markov, "_evaluate_policy", spy)
    monkeypatch.setattr(markov.time, "monotonic", lambda: clock["t"])
    with pytest.warns(ts.ConvergenceWarning, match="time limit"):
        r = eq.markov_perfect(small_ladder, discount, max_seconds=30.0)
    assert calls["deadline"] is not None and calls["n"] == 1
    assert not r.converged and r.iterations == 1 and np.all(np.isfinite(r.values))


def test_building_the_ladder_game_counts_against_the_budget(monkeypatch) -> None:
    from tariffsim.equilibrium import markov
    from tariffsim.errors import TimeLimitError

    real = markov.LadderGame._payoff
    real_cost = markov.estimate_cost
    clock = {"t": 0.0}
    monkeypatch.setattr(markov.time, "monotonic", lambda: clock["t"])

    def slow(*a, **kw):  # type: ignore[no-untyped-def]
        clock["t"] += 10.0  # each block of model evaluations takes 10 s
        return real(*a, **kw)

    monkeypatch.setattr(markov.LadderGame, "_payoff", slow)
    # one block (49 x 9 transitions): the build ends past the budget, and no sweep starts
    with pytest.raises(
        TimeLimitError,
        match=r"^markov_perfect: building the ladder game \(49 states\) took 10\.0 s, beyond "
        r"`max_seconds` = 5; no sweep started\.$",
    ):
        eq.markov_perfect(ts.load_scenario("us-china-145").game, max_seconds=5)
    assert clock["t"] == 10.0
    # a ladder game built already: nothing was built, the budget ran out before the sweeps
    lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)

    def slow_checks(*a):  # type: ignore[no-untyped-def]
        clock["t"] += 10.0
        return real_cost(*a)

    monkeypatch.setattr(markov, "estimate_cost", slow_checks)
    with pytest.raises(TimeLimitError, match=r"^markov_perfect: the checks took 10\.0 s, beyond"):
        eq.markov_perfect(lg, max_seconds=5)


def _wide_scenario(folder) -> str:  # type: ignore[no-untyped-def]
    """A scenario file of US and China on two 100-rung ladders (0 to 1000%)."""
    rungs = ", ".join(repr(round(10 * k / 99, 6)) for k in range(100))
    (folder / "wide.toml").write_text(
        'format = 1\nname = "wide"\n[calendar]\nstart = 2025-01-27\nround_days = 7\n'
        'rounds = 30\n[[agents]]\ncountry = "US"\nstrategy = "myopic"\ntargets = ["CN"]\n'
        '[[agents]]\ncountry = "CN"\nstrategy = "myopic"\ntargets = ["US"]\n'
        f'[world.ladders]\n"US-CN" = [{rungs}]\n"CN-US" = [{rungs}]\n'
    )
    return str(folder / "wide.toml")


def test_an_expensive_ladder_game_build_warns_before_it_starts(tmp_path) -> None:
    """Two 100-rung ladders with jumps: 10,000 states × 10,000 profiles, some minutes of
    model evaluations before the first sweep, which the sweep's own estimate came too late
    to say. The warning comes first (as an error here: no evaluation is made); with
    ``max_seconds`` it does not (the budget bounds the build)."""
    from tariffsim.equilibrium import ladder_game
    from tariffsim.errors import CostWarning

    game = ts.load_scenario(_wide_scenario(tmp_path)).game
    evaluated = []

    def never(*a, **kw):  # type: ignore[no-untyped-def]
        evaluated.append(1)
        raise AssertionError("a model evaluation before the warning")

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(ladder_game.LadderGame, "_payoff", never)
        warnings.simplefilter("error", CostWarning)
        with pytest.raises(CostWarning, match=r"100,000,000 model evaluations \(10000 states"):
            eq.markov_perfect(game, 0.9, moves="jump")
        with pytest.raises(CostWarning, match="max_seconds= bounds it"):
            eq.LadderGame.from_game(game, moves="jump")
    assert evaluated == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", CostWarning)  # steps: 10,000 states × 9 profiles
        assert eq.LadderGame.from_game(game).n_profiles == 9


def test_the_equilibrium_command_says_an_expensive_build_before_it(tmp_path, capsys) -> None:
    """``tariffsim equilibrium wide.toml --moves jump``: the warning, in the command's words,
    is on stderr before the build starts (here the build fails at once), not after it."""
    from tariffsim.cli import main
    from tariffsim.equilibrium import ladder_game
    from tariffsim.errors import LimitError

    def refused(self):  # type: ignore[no-untyped-def]
        raise LimitError("the successor table (stopped here by the test)")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ladder_game.LadderGame, "_successor_table", refused)
        code = main(["equilibrium", _wide_scenario(tmp_path), "--moves", "jump", "--no-plot",
                     "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0] == (
        "tariffsim: warning: LadderGame: an expensive build: 100,000,000 model evaluations "
        "(10000 states × 10000 profiles), some 3e+02 s; bound it with --max-seconds"
    )
    assert "stopped here by the test" in err[1]


def test_ladder_game_arguments_are_checked(small_ladder) -> None:
    g = ts.load_scenario("us-china-145").game
    lg = small_ladder
    cases = {
        "dtype": (lambda: eq.LadderGame.from_game(g, dtype="foo"), "`dtype` must be a float"),
        "dyads int": (lambda: eq.LadderGame.from_game(g, 5), "`dyads` must be"),
        "dyads lists": (lambda: eq.LadderGame.from_game(g, [(["US"], ["CN"])]), "pairs of codes"),
        "state float": (lambda: lg.state(1.5), "`index` must be an integer in \\[0, 48\\]"),
        "state text": (lambda: lg.state("a"), "`index`"),
        "levels big": (lambda: lg.levels(10**6), "`index`"),
        "levels negative": (lambda: lg.levels(-1), "`index`"),
        "advance": (lambda: lg.advance(lg.state(0), 99), "`profile` must be an integer"),
        "moves_at": (lambda: lg.moves_at(0, 10**6), "`profiles` must be in \\[0, 9\\)"),
        "spe of none": (lambda: eq.backward_induction(None, 3), "`lgame` must be a Game"),
    }  # fmt: skip
    for what, (call, words) in cases.items():
        with pytest.raises(ParameterError, match=words):
            call()
        assert what
    np.testing.assert_array_equal(lg.moves_at([0, 1], 4), lg.moves_at(np.array([0, 1]), 4))


def test_progress_takes_numpy_bools_and_agreement_paths_check_theirs(small_ladder) -> None:
    r = eq.markov_perfect(small_ladder, 0.9, progress=np.False_)
    assert r.converged
    with pytest.raises(ParameterError, match="`progress`"):
        eq.agreement_path(r, None, 4, progress="yes")


def test_an_agreement_path_on_another_game_is_refused() -> None:
    """The US-China equilibrium played on the four-country game would mix two models; the
    game it was solved on, or the same with its demands' floors, is taken."""
    g = ts.load_scenario("us-china-145").game
    r = eq.markov_perfect(g, 0.9)
    with pytest.raises(ParameterError, match="`game` is not a game `result` was solved for"):
        eq.agreement_path(r, None, 4, game=ts.load_scenario("four-country-2025").game)
    assert len(eq.agreement_path(r, None, 4, game=g)) == 5


def test_normal_form_labels_and_sizes_are_checked() -> None:
    nf = eq.NormalFormGame
    cases = {
        "player names": (lambda: nf(_BOS.payoff_array, player_names=5), "`player_names`"),
        "action names": (lambda: nf(_BOS.payoff_array, action_names=5), "`action_names`"),
        "one player's names": (lambda: nf(_BOS.payoff_array, action_names=[5, 5]),
                               "`action_names\\[0\\]`"),
        "repeated action name": (
            lambda: nf(_BOS.payoff_array, action_names=[("a", "b"), ("tax", "tax")]),
            "`action_names\\[1\\]` must be distinct; got \\('tax', 'tax'\\)"),
        "ragged order": (lambda: _BOS.permute_actions(0, [[1], [0, 1]]), "`order`"),
        "nfg title": (lambda: _BOS.to_nfg(None), "`title` must be a str"),
        "64 players": (lambda: nf([np.zeros((1,) * 64)] * 64), "at most 63 players"),
    }  # fmt: skip
    for what, (call, words) in cases.items():
        with pytest.raises(ParameterError, match=words):
            call()
        assert what
    assert nf([np.zeros((1,) * 63)] * 63).n_players == 63


def test_grim_trigger_threshold_near_the_largest_floats() -> None:
    """A prisoner's dilemma with payoffs near 1e308: the exact threshold (as discount_set
    gives it), not an OverflowError from squaring them."""
    assert eq.critical_discount(1e308, 1e307, -1e308, -1.5e308) == pytest.approx(0.45)
    assert eq.critical_discount(1e308 / 1e300, 1e307 / 1e300, -1e308 / 1e300,
                                -1.5e308 / 1e300) == pytest.approx(0.45)  # fmt: skip


def test_what_used_to_work_still_does(small_ladder) -> None:
    """Wider inputs the checks must not refuse: pairs as an array or dict keys, numpy bit
    generators, Fractions, and small rectangular games for support enumeration."""
    from fractions import Fraction

    g = ts.load_scenario("us-china-145").game
    as_list = eq.LadderGame.from_game(g, [("US", "CN"), ("CN", "US")])
    for dyads in (
        np.array([["US", "CN"], ["CN", "US"]]),
        {("US", "CN"): 0, ("CN", "US"): 0}.keys(),
    ):
        assert eq.LadderGame.from_game(g, dyads).dyads == as_list.dyads
    a = eq.learning_path(g, rounds=3, rng=np.random.PCG64(1))
    b = eq.learning_path(g, rounds=3, rng=np.random.default_rng(np.random.PCG64(1)))
    np.testing.assert_array_equal(a.series("US", "CN"), b.series("US", "CN"))
    assert eq.critical_discount(Fraction(5), 3, 1, 0) == 0.5
    assert _BOS.affine(0, 1.0, Fraction(1, 2)).payoff((0, 0))[0] == 2.5
    wide = eq.NormalFormGame(np.random.default_rng(0).random((2, 2, 300)))
    assert eq.support_enumeration(wide).equilibria  # small: not refused as too large


def test_payoff_dominance_ties_are_not_decided_by_rounding(small_ladder) -> None:
    """Players' values that cancel (0.3 and -0.3) leave totals of ~0: a profile equal up to
    rounding (0.1 + 0.2) still ties, and the fewest-moves rule picks the hold."""
    import dataclasses

    r = np.empty(small_ladder.rewards.shape)
    r[..., 0], r[..., 1] = 0.3, -0.3
    r[:, 0, 0] = 0.1 + 0.2  # profile 0: two escalations, the same payoff up to rounding
    lg = dataclasses.replace(small_ladder, rewards=r)
    hold = int(np.flatnonzero(lg.nonhold == 0)[0])
    assert eq.backward_induction(lg, 1, 0.0, "payoff-dominant").profile[0, 0] == hold


def test_backward_induction_memory_is_a_limit(small_ladder) -> None:
    from tariffsim.errors import LimitError

    with pytest.raises(LimitError, match="backward induction over 100000000 rounds"):
        eq.backward_induction(small_ladder, 10**8)  # 78 GB of values
    huge = r"over 1\.00e\+400 rounds .*: 1\.\d\de\+40\d exceeds"
    with pytest.raises(LimitError, match=huge) as e:
        eq.backward_induction(small_ladder, 10**400)
    assert len(str(e.value)) < 300  # not the 400 digits in full
    with ts.limits.override(max_result_bytes=10_000), pytest.raises(LimitError):
        eq.backward_induction(small_ladder, 200)


def test_a_ladder_game_given_its_own_rewards_checks_and_keeps_a_copy() -> None:
    """``dataclasses.replace(lg, rewards=R)`` kept the caller's writable array (R changed the
    game after it was made; the docs say the fields are read-only) and checked nothing."""
    import dataclasses

    import numpy as np

    import tariffsim as ts
    from tariffsim import equilibrium as eq

    lg0 = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    R = np.random.default_rng(0).normal(size=lg0.rewards.shape)
    lg = dataclasses.replace(lg0, rewards=R)
    assert not lg.rewards.flags.writeable and lg.rewards is not R
    assert np.array_equal(lg.rewards, R)
    R[0, 0, 0] = 1e9
    assert lg.rewards[0, 0, 0] != 1e9
    for bad, words in ((R[:3], "of shape"), (np.full(R.shape, np.nan), "must be finite"),
                       (R.astype(int), "must be floats")):  # fmt: skip
        with pytest.raises(ts.ParameterError, match=words):
            dataclasses.replace(lg0, rewards=bad)
    with pytest.raises(ts.ParameterError, match=r"`successors` must be states in \[0, 49\)"):
        dataclasses.replace(lg0, successors=lg0.successors + 100)


def _choice_calls() -> list[tuple[str, object]]:
    """Public arguments that name one of a few choices, each with a call that passes it."""
    from tariffsim import bargaining, limits
    from tariffsim.foresight import Forward

    game = ts.load_scenario("us-china-145").game
    nf = eq.NormalFormGame.from_bimatrix(A, B)
    s0 = ts.State.zeros(game.world.n)
    return [
        ("method", lambda v: eq.mixed_nash(nf, method=v)),
        ("selection", lambda v: eq.markov_perfect(game, 0.9, selection=v)),
        ("moves", lambda v: eq.markov_perfect(game, 0.9, moves=v)),
        ("method", lambda v: eq.LadderGame.from_game(game, method=v)),
        ("moves", lambda v: eq.LadderGame.from_game(game, moves=v)),
        ("rule", lambda v: eq.learning_path(game, rule=v)),
        ("method", lambda v: bargaining.nash_bargain(game, ("US", "CN"), s0, method=v)),
        ("record", lambda v: ts.simulate_batch(game, 2, seeds=[0], record=v)),
        ("keep", lambda v: ts.ensemble(game, runs=2, rounds=2, keep=v, progress=False)),
        ("strategy", lambda v: ts.make_strategy(v)),
        ("concession", lambda v: bargaining.concession(v)),
        ("limit", lambda v: limits.check(v, 1, "x")),
        ("continuation", lambda v: Forward(continuation=v)),
        ("selection", lambda v: Forward(selection=v)),
        ("selection", lambda v: ts.make_strategy("forward", selection=v)),
        ("method", lambda v: bargaining.Negotiation(method=v)),
        ("kind", lambda v: ts.claims.filter(kind=v)),
        ("term", lambda v: ts.claims.filter(term=v)),
    ]


@pytest.mark.parametrize("value", [np.array(["step", "jump"]), ["qre"], {"a": 1}])
def test_a_choice_given_as_an_array_or_a_list_is_named(value: object) -> None:
    """A choice among names given as an array, a list or a dict: a tariffsim error that
    shows it, never numpy's "truth value of an array is ambiguous" or an unhashable key."""
    for what, call in _choice_calls():
        with pytest.raises(ts.errors.TariffsimError) as info:
            call(value)  # type: ignore[operator]
        assert short_repr(value)[:12] in str(info.value), (what, str(info.value))


# Lemke-Howson on games whose payoffs sit near 1e6 (their ratios near-tie to 1e-6 of their
# size): an absolute tie tolerance of 1e-10 took such ratios for ties, and the path left the
# polytope (regret 1e-6, "no equilibrium within max_iter" after cycling, or a bare
# ArithmeticError). nashpy and Gambit solve them; the equilibria are checked here.
_LH_HARD = [
    ([[999995, 0, 1000001], [999995, 0, 999998], [999999, 1000004, 0], [1000000, 1000003, 0],
      [0, 1000000, 0]],
     [[1000004, 999998, 999996], [0, 1000003, 1000004], [0, 999995, 0],
      [999997, 1000000, 1000002], [999999, 999997, 1000004]]),
    ([[0, 1000002, 0, 999996], [1000004, 0, 1000004, 0]],
     [[999998, 0, 1000004, 0], [1000000, 999998, 999997, 0]]),
    ([[999997, 999999, 999999, 999997, 999999], [1000001, 999996, 0, 1000000, 0],
      [0, 0, 0, 999995, 0]],
     [[0, 1000004, 999996, 0, 1000001], [999997, 999998, 999999, 999995, 0],
      [1000001, 0, 1000004, 0, 0]]),
    ([[-3e-6, 3e-6], [2.000003, -2e-6], [2, 2e-6]],
     [[0.999998, 2.000003], [1, 1.999999], [0.999997, 1.000001]]),
]  # fmt: skip


@pytest.mark.parametrize("k", range(len(_LH_HARD)))
def test_lemke_howson_reaches_an_equilibrium_from_every_label_of_near_tied_games(k) -> None:
    A, B = _LH_HARD[k]
    g = eq.NormalFormGame.from_bimatrix(A, B)
    m, n = g.shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no ConvergenceWarning either)
        for label in range(m + n):
            r = eq.lemke_howson(g, init_label=label)
            assert r.converged, (label, r.message)
            assert g.regret(list(r.equilibrium)) <= 1e-8 * np.ptp(np.asarray(A, float))
        assert eq.lemke_howson_all(g).converged
    found = eq.lemke_howson_all(g).equilibria
    every = eq.vertex_enumeration(g).equilibria
    assert all(any(np.allclose(x, x2, atol=1e-7) and np.allclose(y, y2, atol=1e-7)
                   for x2, y2 in every) for x, y in found)  # fmt: skip


@pytest.mark.parametrize(
    "game",
    [
        ([[0, 1], [0, 2]], [[0, 1], [0, 2]]),  # column 0: the row player's two best replies
        (np.eye(3), -np.eye(3)),  # row 0: the column player's two (columns 1 and 2)
        (np.eye(5), -np.eye(5)),
    ],
)
def test_vertex_enumeration_calls_a_game_with_tied_pure_replies_degenerate(game) -> None:
    # the search of one polytope with its partners solved met no degenerate vertex, and
    # said the game was not degenerate
    g = eq.NormalFormGame.from_bimatrix(*game)
    assert eq.vertex_enumeration(g).degenerate
    assert eq.support_enumeration(g, full_degeneracy_check=True).degenerate
    assert not eq.vertex_enumeration(
        eq.NormalFormGame.from_bimatrix(np.eye(4), np.eye(4))
    ).degenerate


# -- found by a hostile review of the solvers, 2026-12 ----------------------------------------
_BOS2 = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])


@pytest.mark.parametrize(
    "solve",
    [
        lambda t: eq.pure_nash(_BOS2, tol=t),
        lambda t: eq.vertex_enumeration(_BOS2, tol=t),
        lambda t: eq.support_enumeration(_BOS2, tol=t),
        lambda t: eq.lemke_howson(_BOS2, tol=t),
        lambda t: eq.logit_nash(_BOS2, tol=t),
    ],
)
def test_a_relative_tol_of_one_or_more_is_refused(solve: Any) -> None:
    """At tol=2 pure_nash called all four profiles of battle of the sexes equilibria (and the
    solvers disagreed: vertex enumeration found three)."""
    for t in (1, 2.0):
        with pytest.raises(ParameterError, match="must be below 1"):
            solve(t)
    solve(0.5)  # (below it: a share of the range, accepted)


def test_assert_nash_refuses_a_tol_of_one_and_what_is_no_game() -> None:
    from tariffsim import testing as tst

    with pytest.raises(ParameterError, match="must be below 1"):
        tst.assert_nash(_BOS2, (0, 1), tol=2)
    for bad in ([np.eye(2), np.eye(2)], None, "game", np.eye(2)):
        with pytest.raises(ParameterError, match="`game` must be a NormalFormGame"):
            tst.assert_nash(bad, (0, 0))  # type: ignore[arg-type]


def test_a_markov_perfect_tol_as_large_as_the_payoffs_is_refused() -> None:
    """tol=1e300 reported converged after one sweep a policy that failed the equilibrium
    check at 48 of 49 states."""
    g = ts.load_scenario("us-china-145").game
    with pytest.raises(ParameterError, match=r"`tol` \(1e\+300\) must be below the size"):
        eq.markov_perfect(g, 0.95, tol=1e300)


def test_a_discount_near_one_is_shown_as_it_is_and_bad_values_are_placed() -> None:
    """0.9999999 was shown as 'discount 1', which reads as the refused value; a NaN among
    ``initial_values`` was said without where it was."""
    g = ts.load_scenario("us-china-145").game
    lg = eq.LadderGame.from_game(g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = eq.markov_perfect(lg, 0.9999999, max_iter=2)
    assert "discount 0.9999999;" in repr(r)
    bad = np.zeros((lg.n_states, lg.n_players))
    bad[3, 1] = np.nan
    with pytest.raises(ParameterError, match=r"got nan at state 3, player 1 \(CN\)"):
        eq.markov_perfect(lg, 0.9, initial_values=bad)
    bad[3, 1] = 0.0
    bad[5, 0] = -1e308  # finite, but a discounted sum with it overflowed (a numpy warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=r"at most 1.756e\+305.*got -1e\+308 at state 5"):
            eq.markov_perfect(lg, 0.9, initial_values=bad)
        with pytest.raises(ParameterError, match=r"`high` must be a tariff from 0 to 10.*1e\+308"):
            eq.dyad_facts(g, high=1e308)  # the payoffs of a 1e310% tariff overflowed


@pytest.mark.parametrize("solve", [eq.logit_branch, eq.qre_select])
def test_the_logit_branch_crosses_players_payoffs_far_apart_in_scale(solve: Any) -> None:
    """A prisoner's dilemma whose row player's payoffs are 1e200 times the column player's:
    the trace runs lambda over 200 decades. Its steps' lengths overflowed past lambda 1e154
    and every step was halved until short: 100,000 points, 75 s, tens of thousands of numpy
    overflow warnings, and no end."""
    a = np.array([[3.0, 0.0], [5.0, 1.0]])
    game = eq.NormalFormGame([a * 1e200, a.T.copy()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither a numpy warning nor a ConvergenceWarning
        out = solve(game)
    if isinstance(out, eq.LogitBranch):
        assert out.converged and len(out) < 5_000
        final = out.final
    else:
        assert out.converged
        final = out.profile
    for sigma in final:  # both defect: the dominant action of each
        assert sigma[1] == pytest.approx(1.0, abs=1e-9)


def test_a_games_gains_regret_and_verdict_measure_alike() -> None:
    """Shifted by 1e9 times its range, a game's deviation_gains and regret read 0 where
    is_nash (measuring from each player's lowest payoff) said no, and assert_nash printed a
    gain of 0 beside a relative regret of 3.7e-8."""
    import tariffsim.testing as tst

    g = eq.NormalFormGame(np.array([[[1, 0], [0, 2]], [[0, 1], [0, 0]]], float))
    x = eq.support_enumeration(g).equilibria[1]
    g2 = g.affine(0, 1e-9, 1).affine(1, 1e-9, -1)
    _, span = payoff_ranges(g2)
    gains = g2.deviation_gains(x)
    assert float((gains / span).max()) == pytest.approx(relative_regret(g2, x), rel=1e-12)
    assert g2.regret(x) == float(gains.max())
    assert g.is_nash(x) and not g2.is_nash(x)  # (rounding at 1e9 times the range)
    with pytest.raises(AssertionError, match=rf"gains {gains[0]:g} by playing action '0'"):
        tst.assert_nash(g2, x)  # the gain it names is the one its verdict reads


def test_rewards_whose_values_overflow_are_refused_not_converged() -> None:
    """Rewards of 1e308 were taken: markov_perfect said converged with a residual of inf,
    backward induction returned infinite values; a list of rewards raised AttributeError."""
    import dataclasses

    lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    with pytest.raises(ts.ParameterError, match=r"`rewards` must be finite and at most"):
        dataclasses.replace(lg, rewards=np.full(lg.rewards.shape, 1e308))
    big = dataclasses.replace(lg, rewards=np.full(lg.rewards.shape, 1e305))
    with pytest.raises(ts.ParameterError, match=r"summed over 10 discounted rounds"):
        eq.markov_perfect(big, discount=0.9)
    with pytest.raises(ts.ParameterError, match=r"summed over 3 discounted rounds"):
        eq.backward_induction(big, 3, discount=0.9)
    one = eq.backward_induction(big, 1, discount=0.9)  # one round: the rewards themselves
    assert np.isfinite(one.values).all()
    listed = dataclasses.replace(lg, rewards=lg.rewards.tolist())
    assert np.array_equal(listed.rewards, lg.rewards)


def test_names_of_players_and_actions_are_names_not_anything_made_text() -> None:
    """None, numbers, bytes and empty names were made text (``1`` and ``1.0`` two names of
    one action, ``'None'`` an action), control characters reached a Gambit file raw."""
    a = np.zeros((2, 2))
    for names, where in (
        ({"action_names": [[None, "b"], ["x", "y"]]}, r"action_names\[0\]\[0\]"),
        ({"action_names": [["a", "b"], [1, 1.0]]}, r"action_names\[1\]\[0\]"),
        ({"action_names": [["a", "b\n"], ["x", "y"]]}, r"action_names\[0\]\[1\]"),
        ({"player_names": ["", "B"]}, r"player_names\[0\]"),
        ({"player_names": ["A", b"B"]}, r"player_names\[1\]"),
    ):
        with pytest.raises(ParameterError, match=where + "` must be a non-empty name"):
            eq.NormalFormGame([a, a], **names)
    ok = eq.NormalFormGame([a, a], player_names=["US", "CN"], action_names=[["h", "e"]] * 2)
    assert ok.action_names == (("h", "e"), ("h", "e"))
