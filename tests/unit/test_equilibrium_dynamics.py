"""Learning dynamics, correlated equilibrium, logit QRE and repeated-game helpers."""

import numpy as np
import pytest

from tariffsim import equilibrium as eq
from tariffsim.errors import ConvergenceWarning, ParameterError

PD = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
PENNIES = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
SHAPLEY = eq.NormalFormGame.from_bimatrix(
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]], [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
)
CHICKEN = eq.NormalFormGame.from_bimatrix([[6, 2], [7, 0]], [[6, 7], [2, 0]])


# ----------------------------------------------------------------- learning
def test_brd_reaches_dominant_equilibrium():
    for seed in range(5):
        r = eq.best_response_dynamics(PD, rng=seed)
        assert r.converged
        assert r.fixed_point == (1, 1)
        assert tuple(r.profiles[-1]) == (1, 1)


def test_brd_cycles_without_pure_equilibrium():
    with pytest.warns(ConvergenceWarning, match="no pure equilibrium"):
        r = eq.best_response_dynamics(PENNIES, start=(0, 0), max_rounds=50, rng=0)
    assert not r.converged
    assert r.fixed_point is None
    assert r.profiles.shape == (51, 2)
    assert len({tuple(p) for p in r.profiles}) == 4


def test_fictitious_play_shapley_cycles():
    with pytest.warns(ConvergenceWarning, match="relative regret"):
        r = eq.fictitious_play(SHAPLEY, rounds=3000, rng=0)
    assert not r.converged
    assert r.fixed_point is None
    # Regret of the empirical profile stays away from zero ...
    assert r.regret[1000:].min() > 0.1
    # ... while play keeps switching, with ever longer runs of one profile.
    switches = np.flatnonzero(np.any(np.diff(r.actions, axis=0) != 0, axis=1))
    assert switches.size >= 8
    runs = np.diff(switches)
    assert runs[-1] > runs[len(runs) // 2] > 0
    for b in r.beliefs:
        np.testing.assert_allclose(b.sum(axis=1), 1.0)


def test_fictitious_play_converges_in_zero_sum():
    r = eq.fictitious_play(PENNIES, rounds=4000, rng=1, tol=0.05)
    assert r.converged
    np.testing.assert_allclose(r.fixed_point[0], [0.5, 0.5], atol=0.05)


def test_logit_dynamics_low_and_high_beta():
    hot = eq.logit_dynamics(PD, beta=40.0, rounds=300, rng=0)
    assert hot.converged
    assert hot.fixed_point == (1, 1)
    with pytest.warns(ConvergenceWarning, match="did not settle"):
        cold = eq.logit_dynamics(PD, beta=0.0, rounds=2000, rng=0)
    assert not cold.converged
    # Uniform play: each action of player 0 about half the time.
    assert 0.4 < cold.profiles[:, 0].mean() < 0.6


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        (eq.best_response_dynamics, {"max_rounds": 30}),
        (eq.fictitious_play, {"rounds": 30}),
        (eq.logit_dynamics, {"beta": 1.0, "rounds": 30}),
    ],
)
def test_same_seed_same_history(func, kwargs):
    a = func(SHAPLEY, rng=123, **kwargs)
    b = func(SHAPLEY, rng=np.random.default_rng(123), **kwargs)
    np.testing.assert_array_equal(
        getattr(a, "profiles", getattr(a, "actions", None)),
        getattr(b, "profiles", getattr(b, "actions", None)),
    )


@pytest.mark.parametrize("rng", [-1, 1.5, "seed", True])
def test_bad_rng(rng):
    with pytest.raises(ParameterError, match="rng"):
        eq.fictitious_play(PD, rounds=3, rng=rng)


def test_bad_dynamics_args():
    with pytest.raises(ParameterError, match="beta"):
        eq.logit_dynamics(PD, beta=-1.0)
    with pytest.raises(ParameterError, match="rounds"):
        eq.fictitious_play(PD, rounds=-1)
    with pytest.raises(ParameterError, match=r"start\[0\]"):
        eq.best_response_dynamics(PD, start=(2, 0))


# --------------------------------------------------------------- correlated
def test_correlated_chicken_aumann():
    r = eq.correlated_equilibrium(CHICKEN)
    assert r.success
    np.testing.assert_allclose(r.distribution, [[0.5, 0.25], [0.25, 0.0]], atol=1e-7)
    assert r.welfare == pytest.approx(10.5)
    np.testing.assert_allclose(r.payoffs, [5.25, 5.25])


def test_correlated_objectives():
    w = eq.correlated_equilibrium(CHICKEN, objective=[1.0, 0.0])
    # Best CE for the row player alone is its preferred pure equilibrium (D, C).
    assert w.payoffs[0] == pytest.approx(7.0)
    neg = eq.correlated_equilibrium(CHICKEN, objective=lambda g: -g.payoff_array.sum(axis=0))
    assert neg.success
    # Lowest welfare by hand: the incentive constraints force p(DD) <= p(CD) / 2 and
    # p(DD) <= p(DC) / 2; with p(CC) = 0, p(CD) = p(DC) = 0.4, p(DD) = 0.2 the welfare
    # is 9 * 0.8 = 7.2, below every Nash equilibrium (9 and 28/3).
    assert neg.welfare == pytest.approx(-7.2)
    np.testing.assert_allclose(neg.distribution, [[0, 0.4], [0.4, 0.2]], atol=1e-7)
    with pytest.raises(ParameterError, match="objective"):
        eq.correlated_equilibrium(CHICKEN, objective="egalitarian")
    with pytest.raises(ParameterError, match="objective"):
        eq.correlated_equilibrium(CHICKEN, objective=[1.0])


def test_correlated_three_players():
    rng = np.random.default_rng(2)
    g = eq.NormalFormGame(list(rng.normal(size=(3, 2, 3, 2))))
    r = eq.correlated_equilibrium(g)
    assert r.success
    assert r.distribution.shape == (2, 3, 2)
    assert (eq.correlated_constraints(g) @ r.distribution.ravel()).max() <= 1e-7


def test_correlated_single_profile():
    g = eq.NormalFormGame([np.array([[1.0]]), np.array([[2.0]])])
    r = eq.correlated_equilibrium(g)
    assert r.success
    assert r.distribution.tolist() == [[1.0]]


# ---------------------------------------------------------------------- QRE
def test_qre_starts_uniform_and_is_fixed_point():
    p = eq.logit_qre(CHICKEN, lambdas=[0.0, 0.5, 2.0])
    np.testing.assert_allclose(p.profiles[0][0], [0.5, 0.5])
    assert p.converged.all()
    for k, lam in enumerate(p.lambdas):
        sig = [prof[k] for prof in p.profiles]
        for i in range(2):
            v = CHICKEN.action_values(sig, i)
            target = np.exp(lam * (v - v.max()))
            np.testing.assert_allclose(sig[i], target / target.sum(), atol=1e-9)


def test_qre_select_pd_and_stag_hunt():
    s = eq.qre_select(PD, lam_max=200)
    assert s.converged
    np.testing.assert_allclose(s.profile[0], [0, 1], atol=1e-6)
    hunt = eq.NormalFormGame.from_bimatrix([[4, 0], [3, 3]], [[4, 3], [0, 3]])
    s = eq.qre_select(hunt, lam_max=500)
    np.testing.assert_allclose(s.profile[1], [0, 1], atol=1e-3)


def _logit_residual(g: eq.NormalFormGame, profile, lam: float) -> float:
    """``max |sigma - softmax(lam v(sigma))|``: how far a profile is from a logit QRE at lam."""
    worst = 0.0
    for i, s in enumerate(profile):
        v = g.action_values(list(profile), i)
        t = np.exp(lam * (v - v.max()))
        worst = max(worst, float(np.abs(s - t / t.sum()).max()))
    return worst


def test_qre_select_follows_the_branch_through_its_turning_points():
    """McKelvey's loopback game (a sample game of Gambit's): the principal branch bends back
    twice. A grid in lambda jumps at the first bend and ended, unconverged, near the other pure
    equilibrium (row 1, column 1 mixing); the selection goes where the branch goes."""
    loop = eq.NormalFormGame.from_bimatrix([[6, 6], [7.32, 1]], [[7, 7], [6, 4]])
    s = eq.qre_select(loop, lam_max=200)
    assert s.converged and s.lam == 200 and s.turning_points == 2
    assert _logit_residual(loop, s.profile, 200) <= 1e-9
    assert s.regret <= 1e-9
    np.testing.assert_allclose(s.profile[0], [0, 1], atol=1e-9)
    np.testing.assert_allclose(s.profile[1], [1, 0], atol=1e-9)
    with pytest.warns(ConvergenceWarning):
        grid = eq.logit_qre(loop, lam_max=200, n_steps=400)
    assert abs(float(grid.final[0][0]) - float(s.profile[0][0])) > 0.5  # what the grid gave


def test_qre_select_is_a_qre_and_agrees_with_the_grid_where_the_branch_does_not_bend():
    """On random games: the selection is a logit QRE at its lambda (checked here, not by the
    tracer); where the branch never bends back, a grid in lambda (an independent tracer) ends
    at the same profile."""
    rng = np.random.default_rng(21)
    compared = 0
    for _ in range(40):
        n = int(rng.integers(2, 4))
        g = eq.NormalFormGame(rng.random((n,) + (int(rng.integers(2, 4)),) * n))
        s = eq.qre_select(g, lam_max=50.0)
        assert s.converged and s.lam == 50.0
        assert _logit_residual(g, s.profile, 50.0) <= 1e-8
        if s.turning_points:
            continue
        grid = eq.logit_qre(g, lam_max=50.0, n_steps=200)
        if grid.converged.all():
            compared += 1
            for a, b in zip(grid.final, s.profile, strict=True):
                np.testing.assert_allclose(a, b, atol=1e-8)
    assert compared >= 30


def test_qre_three_player_uniform_start():
    rng = np.random.default_rng(9)
    g = eq.NormalFormGame(list(rng.normal(size=(3, 2, 2, 3))))
    p = eq.logit_qre(g, lam_max=5, n_steps=20)
    assert p.converged.all()
    np.testing.assert_allclose(p.profiles[2][0], np.full(3, 1 / 3))


def test_qre_bad_lambdas():
    with pytest.raises(ParameterError, match="lambdas"):
        eq.logit_qre(PD, lambdas=[1.0, 0.5])
    with pytest.raises(ParameterError, match="lambdas"):
        eq.logit_qre(PD, lambdas=[-1.0])
    with pytest.raises(ParameterError, match="lam_max"):
        eq.qre_select(PD, lam_max=0)


# ----------------------------------------------------------------- repeated
def test_dyad_payoffs_and_discount():
    A = np.array([[3, 0], [5, 1]])
    B = np.array([[4, 6], [-1, 2]])
    row, col = eq.dyad_stage_payoffs(A, B)
    assert (row.T, row.R, row.P, row.S) == (5, 3, 1, 0)
    assert (col.T, col.R, col.P, col.S) == (6, 4, 2, -1)
    assert row.is_prisoners_dilemma
    assert row.critical_discount() == pytest.approx(0.5)
    assert col.critical_discount() == pytest.approx(0.5)


def test_dyad_custom_indices():
    A = np.array([[1, 1, 1], [5, 3, 0], [9, 9, 1]])  # low = action 1, high = action 2
    row, _ = eq.dyad_stage_payoffs(A, A.T, low=1, high=2)
    assert (row.T, row.R, row.P, row.S) == (9, 3, 1, 0)
    with pytest.raises(ParameterError, match="low"):
        eq.dyad_stage_payoffs(A, A.T, low=1, high=1)
    with pytest.raises(ParameterError, match="high"):
        eq.dyad_stage_payoffs(A, A.T, high=3)


def test_correlated_failure_reported(monkeypatch):
    from types import SimpleNamespace

    from scipy import optimize

    def failing(*args, **kwargs):
        return SimpleNamespace(status=2, x=None, message="The problem is infeasible.")

    monkeypatch.setattr(optimize, "linprog", failing)
    r = eq.correlated_equilibrium(CHICKEN)
    assert not r.success
    assert r.distribution is None
    assert r.status == 2
    assert "infeasible" in r.message
