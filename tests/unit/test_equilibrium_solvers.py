"""Known textbook games, parametrised over every applicable solver."""

import warnings

import numpy as np
import pytest

from tariffsim import equilibrium as eq
from tariffsim.errors import ConvergenceWarning, ParameterError


def _sym(A):
    A = np.asarray(A, dtype=float)
    return eq.NormalFormGame.from_bimatrix(A, A.T)


# (game, every Nash equilibrium) — payoffs from standard textbook statements.
RPS = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
U2, U3 = np.full(2, 1 / 2), np.full(3, 1 / 3)
KNOWN = {
    "prisoners_dilemma": (_sym([[3, 0], [5, 1]]), [([0, 1], [0, 1])]),
    "chicken": (
        _sym([[0, -1], [1, -10]]),
        [([1, 0], [0, 1]), ([0, 1], [1, 0]), ([0.9, 0.1], [0.9, 0.1])],
    ),
    "battle_of_sexes": (
        eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]),
        [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([2 / 3, 1 / 3], [1 / 3, 2 / 3])],
    ),
    "matching_pennies": (
        eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]),
        [(U2, U2)],
    ),
    "rock_paper_scissors": (eq.NormalFormGame.from_bimatrix(RPS, -RPS), [(U3, U3)]),
    "shapley": (
        eq.NormalFormGame.from_bimatrix(
            [[0, 1, 0], [0, 0, 1], [1, 0, 0]], [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
        ),
        [(U3, U3)],
    ),
}


def _same(e1, e2, atol=1e-6):
    return all(np.allclose(a, b, atol=atol) for a, b in zip(e1, e2, strict=True))


def _is_pure(e):
    return all(np.isclose(np.max(s), 1.0) for s in e)


def _as_mixed(game, profile):
    return tuple(np.eye(a)[s] for a, s in zip(game.shape, profile, strict=True))


# solver name -> (function returning list of profiles, finds all?, finds only pure?)
SOLVERS = {
    "support": (lambda g: list(eq.support_enumeration(g).equilibria), "all"),
    "support_full": (
        lambda g: list(eq.support_enumeration(g, full_degeneracy_check=True).equilibria),
        "all",
    ),
    "pure": (lambda g: [_as_mixed(g, p) for p in eq.pure_nash(g)], "pure"),
    "lemke_howson_all": (lambda g: list(eq.lemke_howson_all(g).equilibria), "subset"),
    "lemke_howson_0": (
        lambda g: [eq.lemke_howson(g, init_label=0).equilibrium],
        "subset",
    ),
    "qre_select": (lambda g: [eq.qre_select(g, lam_max=2000).profile], "approx"),
}


@pytest.mark.parametrize("name", list(KNOWN))
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_known_games(name, solver):
    game, expected = KNOWN[name]
    func, kind = SOLVERS[solver]
    found = func(game)
    if kind == "approx":
        assert len(found) == 1
        assert any(_same(found[0], e, atol=5e-3) for e in expected)
        return
    for e in found:
        assert game.regret(list(e)) <= 1e-8
        assert any(_same(e, x) for x in expected), (name, e)
    if kind == "all":
        assert len(found) == len(expected)
        assert all(any(_same(x, e) for e in found) for x in expected)
    elif kind == "pure":
        assert len(found) == sum(_is_pure(x) for x in expected)
    else:
        assert len(found) >= 1


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_games_nondegenerate(name):
    game, _ = KNOWN[name]
    assert not eq.support_enumeration(game, full_degeneracy_check=True).degenerate


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_nash_are_correlated_equilibria(name):
    game, expected = KNOWN[name]
    G = eq.correlated_constraints(game)
    for x, y in expected:
        p = np.outer(x, y).ravel()
        assert (G @ p).max() <= 1e-9
    r = eq.correlated_equilibrium(game)
    assert r.success
    assert (G @ r.distribution.ravel()).max() <= 1e-7
    best_nash = max(sum(game.expected_payoffs([x, y])) for x, y in expected)
    assert r.welfare >= best_nash - 1e-7


# von Stengel (2002), Handbook of Game Theory vol. 3, degenerate example:
# the column player's best response to row 0 is tied, giving a continuum.
DEGEN = eq.NormalFormGame.from_bimatrix([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]])


@pytest.mark.parametrize("full", [False, True])
def test_degenerate_game_flagged(full):
    r = eq.support_enumeration(DEGEN, full_degeneracy_check=full)
    assert r.degenerate
    assert "degenerate" in r.message
    assert len(r.equilibria) >= 1
    for x, y in r.equilibria:
        assert DEGEN.regret([x, y]) <= 1e-8


def test_degenerate_continuum_members_found():
    r = eq.support_enumeration(DEGEN)
    # Row 0 against any y with y0 >= 2/3 is an equilibrium; the pure one is found.
    assert any(_same(e, ([1, 0, 0], [1, 0])) for e in r.equilibria)
    lh = eq.lemke_howson_all(DEGEN)
    assert lh.converged
    for x, y in lh.equilibria:
        assert DEGEN.regret([x, y]) <= 1e-8


def test_tied_payoffs_degenerate():
    g = eq.NormalFormGame.from_bimatrix(np.zeros((2, 3)), np.zeros((2, 3)))
    r = eq.support_enumeration(g)
    assert r.degenerate
    assert all(g.regret([x, y]) == 0 for x, y in r.equilibria)


@pytest.mark.parametrize(
    "func",
    [
        eq.support_enumeration,
        eq.lemke_howson,
        eq.lemke_howson_all,
    ],
)
def test_two_player_solvers_reject_three_players(func):
    g = eq.NormalFormGame(list(np.zeros((3, 2, 2, 2))))
    with pytest.raises(ParameterError, match="2 players; got 3"):
        func(g)


@pytest.mark.parametrize("tol", [0, -1e-3, float("nan"), "x"])
@pytest.mark.parametrize(
    "func", [eq.support_enumeration, eq.pure_nash, eq.lemke_howson, eq.logit_qre]
)
def test_bad_tol(func, tol):
    with pytest.raises(ParameterError, match="tol"):
        func(KNOWN["chicken"][0], tol=tol)


def test_bad_game_argument():
    with pytest.raises(ParameterError, match="game"):
        eq.pure_nash("not a game")


def test_lemke_howson_labels_and_budget():
    game = KNOWN["battle_of_sexes"][0]
    with pytest.raises(ParameterError, match="init_label"):
        eq.lemke_howson(game, init_label=4)
    with pytest.warns(ConvergenceWarning):
        r = eq.lemke_howson(eq.NormalFormGame.from_bimatrix(RPS, -RPS), max_iter=1)
    assert not r.converged
    assert r.equilibrium is None
    assert r.iterations == 1


def test_lemke_howson_random_games_are_equilibria():
    rng = np.random.default_rng(7)
    for _ in range(20):
        m, n = rng.integers(2, 7, size=2)
        g = eq.NormalFormGame.from_bimatrix(rng.normal(size=(m, n)), rng.normal(size=(m, n)))
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            r = eq.lemke_howson_all(g)
        assert r.converged
        truth = eq.support_enumeration(g).equilibria
        for e in r.equilibria:
            assert any(_same(e, t) for t in truth)


def test_pure_nash_large_game_fast():
    rng = np.random.default_rng(3)
    g = eq.NormalFormGame(list(rng.integers(0, 5, size=(4, 11, 11, 11, 11)).astype(float)))
    found = eq.pure_nash(g)
    assert found == sorted(found)
    for p in found:
        assert g.regret(p) == 0.0


def test_pure_nash_three_players():
    # Coordination: everyone gets 1 when all choose the same action.
    A = np.zeros((2, 2, 2))
    A[0, 0, 0] = A[1, 1, 1] = 1.0
    g = eq.NormalFormGame([A, A, A])
    assert eq.pure_nash(g) == [(0, 0, 0), (1, 1, 1)]
