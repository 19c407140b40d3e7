"""Cases from issue reports: scale, tolerances in tariffsim's units, huge lambda, bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
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
