"""N-player mixed equilibria (logit homotopy), the front door, the QRE branch and its fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import quantecon.game_theory as qe

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.equilibrium.homotopy import _polish, _unit_payoffs
from tariffsim.equilibrium.scaling import relative_regret
from tariffsim.errors import ConvergenceWarning, ParameterError


def _matching_pennies_3():
    """Player i is paid for matching player i+1; the last for mismatching the first."""
    u = np.zeros((3, 2, 2, 2))
    for a, b, c in np.ndindex(2, 2, 2):
        u[:, a, b, c] = [a == b, b == c, c != a]
    return eq.NormalFormGame(u)


def test_three_player_matching_pennies_unique_uniform():
    r = eq.logit_nash(_matching_pennies_3())
    assert r.converged
    for p in r.profile:
        np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-9)


def test_dominance_solvable_three_player_game():
    # action 1 strictly dominates action 0 for everyone
    u = np.zeros((3, 2, 2, 2))
    for prof in np.ndindex(2, 2, 2):
        for i in range(3):
            u[(i, *prof)] = prof[i] + 0.1 * sum(prof)
    r = eq.logit_nash(eq.NormalFormGame(u))
    assert r.converged
    assert [p.tolist() for p in r.profile] == [[0.0, 1.0]] * 3


def test_two_player_result_is_one_of_all_equilibria():
    rng = np.random.default_rng(3)
    for _ in range(5):
        g = eq.NormalFormGame.from_bimatrix(rng.normal(size=(4, 4)), rng.normal(size=(4, 4)))
        r = eq.logit_nash(g)
        assert r.converged
        allx = {
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in eq.vertex_enumeration(g).equilibria
        }
        assert (tuple(np.round(r.profile[0], 6)), tuple(np.round(r.profile[1], 6))) in allx


@pytest.mark.parametrize("shape", [(3, 3, 3), (4, 4, 4), (2, 2, 2, 2), (2, 3, 2)])
def test_random_n_player_games_by_regret(shape):
    rng = np.random.default_rng(len(shape) * 100 + sum(shape))
    for _ in range(3):
        g = eq.NormalFormGame(rng.normal(size=(len(shape), *shape)))
        r = eq.logit_nash(g)
        assert r.converged, r.message
        assert relative_regret(g, list(r.profile)) <= 1e-8
        for p in r.profile:
            assert p.min() >= 0 and p.sum() == pytest.approx(1.0)


def _qe_game(u):
    """quantecon orders a player's axes as own action, then the next players cyclically."""
    n = u.shape[0]
    order = [[(i + k) % n for k in range(n)] for i in range(n)]
    return qe.NormalFormGame([qe.Player(np.transpose(u[i], order[i])) for i in range(n)])


def test_cross_check_with_mclennan_tourky():
    """quantecon's McLennan–Tourky epsilon-equilibria polish to exact equilibria, as ours do."""
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(8):
        u = rng.normal(size=(3, 2, 2, 2))
        g = eq.NormalFormGame(u)
        mt, info = qe.mclennan_tourky(_qe_game(u), epsilon=1e-6, max_iter=2000, full_output=True)
        if not info.converged:
            continue
        checked += 1
        sigma = [np.asarray(p, dtype=float) for p in mt]
        assert g.regret(sigma) <= 1e-3
        polished = next(
            (
                p
                for t in (0.3, 0.1, 1e-2, 1e-3, 1e-4)
                if (p := _polish(_unit_payoffs(g), sigma, t, 1e-8))
            ),
            None,
        )
        assert polished is not None
        exact, regret = polished
        assert regret <= 1e-8
        for a, b in zip(exact, sigma, strict=True):  # the equilibrium it approximated
            np.testing.assert_allclose(a, b, atol=1e-2)
        assert eq.logit_nash(g).converged
    assert checked >= 4
    # the unique equilibrium of three-player matching pennies: both find it
    mp = _matching_pennies_3()
    mt = qe.mclennan_tourky(_qe_game(mp.payoff_array), epsilon=1e-8, max_iter=2000)
    for a, b in zip(eq.logit_nash(mp).profile, mt, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_non_convergence_is_reported():
    u = np.zeros((3, 2, 2, 2))  # dominance solvable: no fully mixed equilibrium
    for prof in np.ndindex(2, 2, 2):
        for i in range(3):
            u[(i, *prof)] = prof[i] + 0.1 * sum(prof)
    with pytest.warns(ConvergenceWarning):
        r = eq.logit_nash(eq.NormalFormGame(u), max_steps=1)
    assert not r.converged
    assert r.regret > 1e-8
    assert "no equilibrium" in r.message


@pytest.mark.parametrize(
    ("game", "method"),
    [
        (eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]), "vertex"),
        (eq.NormalFormGame(np.random.default_rng(0).normal(size=(2, 20, 20))), "lemke-howson"),
        (_matching_pennies_3(), "logit"),
        (eq.NormalFormGame([np.array([1.0, 3.0, 3.0])]), "best-response"),
    ],
)
def test_mixed_nash_auto_says_which_method(game, method):
    r = ts.equilibrium.mixed_nash(game)
    assert r.method == method
    assert r.converged
    assert r.regret <= 1e-8
    assert r.message.startswith(method) or method == "best-response"


def test_mixed_nash_explicit_methods_and_errors():
    g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert len(eq.mixed_nash(g, "support").equilibria) == 3
    assert eq.mixed_nash(g, "support").complete
    assert len(eq.mixed_nash(g, "lemke-howson").equilibria) == 1
    assert len(eq.mixed_nash(g, "logit").equilibria) == 1
    with pytest.raises(ParameterError, match="`method`"):
        eq.mixed_nash(g, "simplicial")
    with pytest.raises(ParameterError, match="two-player"):
        eq.mixed_nash(_matching_pennies_3(), "vertex")


def test_normal_form_game_at_top_level():
    assert ts.NormalFormGame is eq.NormalFormGame
    assert "NormalFormGame" in ts.__all__


LOOPBACK = eq.NormalFormGame.from_bimatrix([[6, 6], [7.32, 1]], [[7, 7], [6, 4]])


def test_logit_branch_follows_the_loopback_bend():
    b = eq.logit_branch(LOOPBACK, lam_max=20)
    assert b.converged
    assert b.turning_points == 2
    lam = b.lambdas
    assert np.any(np.diff(lam) < 0)  # lambda falls for a while
    # every point is a QRE at its own lambda
    assert float(b.residuals.max()) <= 1e-8
    # and the branch ends at the pure equilibrium (row 2, column 1)
    np.testing.assert_allclose(b.final[0], [0, 1], atol=1e-6)
    np.testing.assert_allclose(b.final[1], [1, 0], atol=1e-6)
    # where lambda is monotone the branch agrees with the grid tracer: up to the point before
    # the highest lambda (a step may cross the fold and land on the sheet coming back, at a
    # lambda still higher than the point before)
    k = int(np.argmax(np.diff(lam) < 0))
    assert k >= 10
    grid = eq.logit_qre(LOOPBACK, lambdas=lam[:k])
    np.testing.assert_allclose(grid.profiles[0], b.profiles[0][:k], atol=1e-7)


def test_logit_branch_points_solve_the_qre_equations():
    rng = np.random.default_rng(5)
    g = eq.NormalFormGame(rng.normal(size=(3, 3, 2, 2)))
    b = eq.logit_branch(g, lam_max=10)
    for k in range(0, len(b), max(1, len(b) // 7)):
        lam = b.lambdas[k]
        sig = [p[k] for p in b.profiles]
        for i in range(3):
            v = g.action_values(sig, i)
            target = np.exp(lam * (v - v.max()))
            np.testing.assert_allclose(sig[i], target / target.sum(), atol=1e-8)


def test_fit_recovers_lambda_from_qre_play():
    g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    # PD: defect gains 1 + sigma_C, so sigma_C = 0.2 means lambda = ln 4 / 1.2
    f = eq.fit_logit_qre(g, [[20, 80], [20, 80]])
    assert f.converged and not f.at_bound
    assert f.lam == pytest.approx(np.log(4) / 1.2, rel=1e-6)
    # play drawn from the QRE at lambda = 0.7 of a 3-player game
    rng = np.random.default_rng(2)
    h = eq.NormalFormGame(rng.normal(size=(3, 2, 3, 2)))
    p = eq.logit_qre(h, lambdas=np.linspace(0, 0.7, 30)).final
    f = eq.fit_logit_qre(h, [1e7 * q for q in p])
    assert f.lam == pytest.approx(0.7, rel=1e-4)
    # sampled play: the estimate is near, and the likelihood is highest there
    counts = [rng.multinomial(5000, q) for q in p]
    f = eq.fit_logit_qre(h, counts)
    assert abs(f.lam - 0.7) < 0.15


def test_fit_is_scale_aware_and_validates():
    g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    big = eq.NormalFormGame(g.payoff_array * 100.0)
    a = eq.fit_logit_qre(g, [[20, 80], [30, 70]])
    b = eq.fit_logit_qre(big, [[20, 80], [30, 70]])
    assert b.lam == pytest.approx(a.lam / 100.0, rel=1e-5)
    with pytest.raises(ParameterError, match="counts"):
        eq.fit_logit_qre(g, [[1, 2]])
    with pytest.raises(ParameterError, match=r"counts\[1\]"):
        eq.fit_logit_qre(g, [[1, 2], [0, 0]])
    with pytest.raises(ParameterError, match=r"counts\[0\]"):
        eq.fit_logit_qre(g, [[1, -2], [1, 1]])
    with pytest.raises(ParameterError, match="`lam_max`"):
        eq.logit_branch(g, lam_max=np.inf)
    # lambda times the range beyond any float: the bound is never reached, play is pure
    for game, lam_max in ((eq.NormalFormGame(g.payoff_array * 1e300), 1e300), (g, 1e308)):
        b = eq.logit_branch(game, lam_max=lam_max)
        assert b.converged and b.lambdas[-1] == lam_max and f"{lam_max:.6g}" in b.message
    assert eq.fit_logit_qre(g, [[20, 80], [30, 70]], lam_max=1e308).lam == pytest.approx(a.lam)
    # payoffs so small that 1e4 over their range is beyond any float: a default bound all the
    # same, and the fit of the game in ordinary units
    tiny = eq.fit_logit_qre(eq.NormalFormGame(g.payoff_array * 1e-305), [[20, 80], [30, 70]])
    assert tiny.converged and tiny.lam * 1e-305 == pytest.approx(a.lam, rel=1e-6)
    # the widest range a game may hold
    wide = eq.NormalFormGame.from_bimatrix([[1.7e305, -1.7e305], [0, 1]], [[1, 0], [0, 1]])
    assert eq.logit_branch(wide, lam_max=1e-303).converged
    ce = eq.correlated_equilibrium(wide)
    assert ce.success and np.isfinite(ce.welfare) and np.all(np.isfinite(ce.payoffs))
    with pytest.raises(ParameterError, match=r"`payoffs\[0\]` must be at most 1\.756e\+305"):
        eq.NormalFormGame.from_bimatrix([[1.7e308, -1.7e308], [0, 1]], [[1, 0], [0, 1]])


def test_a_flat_likelihood_identifies_no_lambda():
    """Where every action is worth the same, lambda moves nothing: not converged, no advice
    to raise lam_max, lambda 0."""
    const = eq.NormalFormGame.from_bimatrix([[1, 1], [1, 1]], [[1, 1], [1, 1]])
    with pytest.warns(ts.ConvergenceWarning, match="lambda is not identified"):
        f = eq.fit_logit_qre(const, [[3, 7], [5, 5]])
    assert not f.converged and not f.at_bound and f.lam == 0.0
    assert "raise it" not in f.message


def test_fit_at_bound_when_play_is_nash():
    g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = eq.fit_logit_qre(g, [[0, 10], [0, 10]], lam_max=50)
    assert f.at_bound
    assert f.lam == pytest.approx(50)


def _nth_game(seed, shape, k):
    rng = np.random.default_rng(seed)
    for _ in range(k):
        g = eq.NormalFormGame(rng.normal(size=shape))
    return g


# Limits of the principal logit branch of the normalised games, by pygambit 16.7.0
# (``gbt.nash.logit_solve``; tests/peers/test_pygambit.py checks many more games).
GAMBIT_LOGIT = [
    ((1, (3, 3, 3, 3), 2), [[0.39585919, 0.60414081, 0], [0.62601802, 0.37398198, 0], [1, 0, 0]]),
    ((1, (3, 3, 3, 3), 10), [[0, 1, 0], [0, 0, 1], [1, 0, 0]]),
    (
        (7, (3, 4, 4, 4), 12),  # the branch folds back twice (an S) between lambda 65 and 155
        [
            [0, 0, 0.85994014, 0.14005986],
            [0, 0.19166974, 0.80833026, 0],
            [0, 0.56274374, 0.43725626, 0],
        ],
    ),
    ((12, (3, 2, 3, 4), 3), [[0.95568599, 0.04431401], [0.32222341, 0.67777659, 0], [0, 1, 0, 0]]),
]


@pytest.mark.parametrize(("game", "expected"), GAMBIT_LOGIT)
def test_logit_nash_is_the_limit_of_the_branch(game, expected):
    # an equilibrium polished far from the branch point (another equilibrium of the game)
    # must not be taken for the branch's limit, and the branch must not jump sheets
    # where it folds back close to itself
    r = eq.logit_nash(_nth_game(*game))
    assert r.converged
    for p, q in zip(r.profile, expected, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-4)


def test_branch_follows_an_s_shaped_fold():
    from tariffsim.equilibrium.scaling import normalize

    g = normalize(_nth_game(7, (3, 4, 4, 4), 12))
    b = eq.logit_branch(g, lam_max=400)
    assert b.converged and b.turning_points == 2
    assert b.lambdas.max() >= 400 - 1e-6
    assert b.lambdas[np.argmax(b.lambdas > 154) :].min() > 65  # it never falls back to 0
    expected = GAMBIT_LOGIT[2][1]
    for p, q in zip(b.final, expected, strict=True):
        np.testing.assert_allclose(p, q, atol=2e-2)


@pytest.mark.parametrize("shape", [(2, 3, 3), (2, 4, 4), (3, 3, 2, 2)])
def test_logit_branch_passes_where_unplayed_actions_reach_the_log_floor(shape):
    """Random games: on the way to lam_max the unplayed actions' log-probabilities fall to
    the floor (-700). Every branch reaches lam_max exactly, each point a QRE, and ends near
    a Nash equilibrium, mixed ones included. (The floor's kink in the tangent used to stop
    the trace with "step size underflow" at lambda * range of about 700 unless play was
    pure: in 82 of 200 random games.)"""
    rng = np.random.default_rng(sum(shape))
    mixed = 0
    for _ in range(12):
        g = eq.NormalFormGame(rng.normal(size=shape))
        b = eq.logit_branch(g, lam_max=2000.0)
        assert b.converged, b.message
        assert b.lambdas[-1] == 2000.0
        assert float(b.residuals.max()) <= 1e-8
        assert relative_regret(g, list(b.final)) <= 5e-3
        floored = min(float(p[-1].min()) for p in b.profiles) < np.exp(-650)
        mixed += floored and min(float(p.max()) for p in b.final) < 0.99
    assert mixed >= 2  # the case that failed: a mixed limit, unplayed actions at the floor


def test_logit_branch_ends_on_lam_max():
    """The last step's corrector may move lambda past lam_max; the point is put back on it."""
    rng = np.random.default_rng(11)
    for _ in range(30):
        g = eq.NormalFormGame(rng.normal(size=(3, 3, 2, 2)))
        for lam_max in (100.0, 1000.0):
            b = eq.logit_branch(g, lam_max=lam_max)
            assert b.converged and b.lambdas[-1] == lam_max and b.lambdas.max() <= lam_max
            assert float(b.residuals[-1]) <= 1e-8


@pytest.mark.parametrize("lam_max", [1e-300, 1e-60, 1e-30, 3e-17, 1e-10, 1e-7])
def test_logit_branch_to_a_tiny_lam_max(lam_max):
    """A last step shorter than the renormalisation's rounding is taken at fixed lambda.
    (From lam_max of about 1e-60 to 3e-17 every step failed the tests against jumping to
    another branch: "step size underflow at lambda = 0".)"""
    g = eq.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    b = eq.logit_branch(g, lam_max=lam_max)
    assert b.converged and b.lambdas[-1] == lam_max
    assert float(b.residuals.max()) <= 1e-10
    for p in b.final:
        np.testing.assert_allclose(p, [0.5, 0.5], atol=max(lam_max, 1e-15))


def _orientations(g: eq.NormalFormGame, b: eq.LogitBranch) -> list[float]:
    """The sign of ``det([J; t])`` at each point of a traced branch (``t`` its tangent,
    oriented along the trace), in the tracer's units."""
    import sys

    lb = sys.modules["tariffsim.equilibrium.logit_branch"]
    unit = lb._unit(g)
    arr = g.payoff_array / unit
    t = np.zeros(sum(g.shape) + 1)
    t[-1] = 1.0
    out = []
    for k, lam in enumerate(b.lambdas):
        w = np.log(np.concatenate([p[k] for p in b.profiles]))
        _, jac = lb._h_and_jac(arr, w, float(lam) * unit, g.shape)
        t = lb._tangent(jac, t)
        out.append(float(np.sign(np.linalg.det(np.vstack([jac, t[None, :]])))))
    return out


def _drawn_game(seed: int) -> eq.NormalFormGame:
    from tariffsim.equilibrium.scaling import normalize

    rng = np.random.default_rng(seed)
    if seed == 308:  # (as the scale-invariance property test draws it)
        return normalize(eq.NormalFormGame(rng.normal(size=(3, 3, 3, 3))))
    acts = tuple(int(x) for x in rng.integers(2, 4, size=2))
    return normalize(eq.NormalFormGame(rng.normal(size=(2, *acts))))


@pytest.mark.parametrize("seed", [308, 748])
def test_a_branch_never_walks_back_or_jumps_to_another(seed):
    """Near a bend two sheets of the QRE set run close and nearly parallel, and a corrector
    could land on the other one, its tangent passing the tests of direction. Game 308's trace
    landed on its own earlier sheet and walked it back to lambda = 0 ("step size underflow at
    lambda = 0": found by the scale-invariance property test); game 748's jumped onto
    another component at lambda of about 7 and ended, converged, at a mixed equilibrium
    where the branch leads, through two bends, to a pure one. The orientation of the
    followed branch (the sign of det([J; t])) is the same at every point."""
    g = _drawn_game(seed)
    b = eq.logit_branch(g, lam_max=1e4)
    assert b.converged, b.message
    assert b.turning_points == 2
    assert len(set(_orientations(g, b))) == 1
    assert float(b.lambdas[np.argmax(b.lambdas > 20) :].min()) > 5  # never back near 0
    assert relative_regret(g, list(b.final)) <= 1e-3  # (a QRE at lambda = 1e4)
    if seed == 748:
        assert all(float(p.max()) > 1 - 1e-9 for p in b.final)  # the pure equilibrium
