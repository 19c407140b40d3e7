"""Property tests for the normal-form equilibrium solvers."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tariffsim import equilibrium as eq

TOL = 1e-8
payoff_values = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def bimatrix_games(draw, max_actions=5, integer=False):
    m = draw(st.integers(1, max_actions))
    n = draw(st.integers(1, max_actions))
    elements = st.integers(-3, 3) if integer else payoff_values
    A = draw(hnp.arrays(float, (m, n), elements=elements))
    B = draw(hnp.arrays(float, (m, n), elements=elements))
    return eq.NormalFormGame.from_bimatrix(A, B)


@st.composite
def n_player_games(draw, max_players=3, max_actions=3):
    shape = tuple(draw(st.lists(st.integers(1, max_actions), min_size=1, max_size=max_players)))
    arr = draw(hnp.arrays(float, (len(shape), *shape), elements=payoff_values))
    return eq.NormalFormGame(list(arr))


def random_game(m, n, seed):
    rng = np.random.default_rng(seed)
    return eq.NormalFormGame.from_bimatrix(rng.normal(size=(m, n)), rng.normal(size=(m, n)))


def contains(pool, e, atol=1e-6):
    return any(all(np.allclose(a, b, atol=atol) for a, b in zip(e, f, strict=True)) for f in pool)


@settings(max_examples=60, deadline=None)
@given(game=st.one_of(bimatrix_games(), bimatrix_games(integer=True)))
def test_support_equilibria_are_distributions_with_low_regret(game):
    r = eq.support_enumeration(game, tol=TOL)
    assert len(r.equilibria) >= 1 or r.degenerate
    for x, y in r.equilibria:
        for s in (x, y):
            assert (s >= 0).all()
            np.testing.assert_allclose(s.sum(), 1.0)
            assert not s.flags.writeable
        assert game.regret([x, y]) <= TOL


@settings(max_examples=60, deadline=None)
@given(game=st.one_of(bimatrix_games(), bimatrix_games(integer=True)))
def test_lemke_howson_returns_only_equilibria(game):
    r = eq.lemke_howson_all(game)
    for run in r.runs:
        assert run.converged == (run.equilibrium is not None)
    for x, y in r.equilibria:
        assert game.regret([x, y]) <= TOL


@settings(max_examples=60, deadline=None)
@given(game=n_player_games())
def test_pure_nash_matches_brute_force(game):
    found = eq.pure_nash(game, tol=TOL)
    span = np.ptp(game.payoff_array.reshape(game.n_players, -1), axis=1)
    span = np.where(span > 0, span, 1.0)  # tolerances are relative to each payoff range
    brute = [
        p
        for p in itertools.product(*(range(a) for a in game.shape))
        if max(game.deviation_gains(p) / span) <= TOL
    ]
    assert found == brute


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    player=st.integers(0, 1),
    scale=st.floats(0.01, 100),
    shift=st.floats(-100, 100),
)
def test_affine_invariance(m, n, seed, player, scale, shift):
    g = random_game(m, n, seed)
    h = g.affine(player, scale, shift)
    a = eq.support_enumeration(g).equilibria
    b = eq.support_enumeration(h).equilibria
    assert len(a) == len(b)
    assert all(contains(b, e) for e in a)
    assert eq.pure_nash(g) == eq.pure_nash(h)


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    player=st.integers(0, 1),
    data=st.data(),
)
def test_relabelling_permutes_equilibria(m, n, seed, player, data):
    g = random_game(m, n, seed)
    perm = np.array(data.draw(st.permutations(range(g.shape[player]))))
    h = g.permute_actions(player, perm)
    a = eq.support_enumeration(g).equilibria
    b = eq.support_enumeration(h).equilibria
    assert len(a) == len(b)
    for e in a:
        moved = list(e)
        moved[player] = e[player][perm]
        assert contains(b, moved)
    pure_g = {tuple(p) for p in eq.pure_nash(g)}
    pure_h = set()
    for p in eq.pure_nash(h):
        q = list(p)
        q[player] = int(perm[p[player]])
        pure_h.add(tuple(q))
    assert pure_g == pure_h


@settings(max_examples=30, deadline=None)
@given(game=n_player_games())
def test_qre_at_zero_is_uniform(game):
    p = eq.logit_qre(game, lambdas=[0.0, 0.1])
    for prof, a in zip(p.profiles, game.shape, strict=True):
        np.testing.assert_allclose(prof[0], np.full(a, 1 / a))
        np.testing.assert_allclose(prof.sum(axis=1), 1.0)


@settings(max_examples=30, deadline=None)
@given(game=n_player_games())
def test_correlated_constraints_and_pure_nash_feasible(game):
    r = eq.correlated_equilibrium(game)
    assert r.success
    G = eq.correlated_constraints(game)
    p = r.distribution
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(), 1.0)
    assert (G @ p.ravel()).max(initial=0.0) <= 1e-7
    # exact pure equilibria (an epsilon-equilibrium need not be LP-feasible)
    for prof in eq.pure_nash(game, tol=1e-14):
        point = np.zeros(game.shape)
        point[prof] = 1.0
        assert (G @ point.ravel()).max(initial=0.0) <= 1e-7
        # The LP optimum is at least as good as any feasible point.
        assert r.welfare >= game.payoff_array[(slice(None), *prof)].sum() - 1e-6


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@settings(max_examples=25, deadline=None)
@given(game=n_player_games(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_learning_history(game, seed):
    for run in (
        lambda: eq.best_response_dynamics(game, max_rounds=20, rng=seed).profiles,
        lambda: eq.fictitious_play(game, rounds=20, rng=seed).actions,
        lambda: eq.logit_dynamics(game, beta=2.0, rounds=20, rng=seed).profiles,
    ):
        np.testing.assert_array_equal(run(), run())
