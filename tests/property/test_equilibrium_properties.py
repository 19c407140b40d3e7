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


@settings(max_examples=40, deadline=None)
@given(game=n_player_games(max_players=4, max_actions=4))
def test_correlated_constraints_are_the_incentive_constraints(game):
    """Row by row against the definition: player i told to play a gains
    u_i(b, s_-i) - u_i(a, s_-i) at each profile (a, s_-i) by playing b."""
    G = eq.correlated_constraints(game).toarray()
    rows = []
    for i, a_i in enumerate(game.shape):
        for a, b in itertools.permutations(range(a_i), 2):
            row = np.zeros(game.shape)
            for prof in itertools.product(*map(range, game.shape)):
                if prof[i] == a:
                    dev = (*prof[:i], b, *prof[i + 1 :])
                    row[prof] = game.payoff_array[(i, *dev)] - game.payoff_array[(i, *prof)]
            rows.append(row.ravel())
    want = np.array(rows).reshape(len(rows), int(np.prod(game.shape)))
    np.testing.assert_array_equal(G, want)


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


def _degenerate_by_lp(A: np.ndarray, B: np.ndarray) -> bool:
    """Whether some mixed strategy of either player, of support size s, has more than s pure
    best replies: a feasibility LP (HiGHS) for every support and every s + 1 replies."""
    from scipy.optimize import linprog

    def side(P: np.ndarray) -> bool:  # P: the mover's actions x the replier's, replier's payoffs
        m, n = P.shape
        for s in range(1, m + 1):
            for rows in itertools.combinations(range(m), s):
                R = P[list(rows)]
                for J in itertools.combinations(range(n), s + 1):
                    eqs = [np.r_[np.ones(s), 0.0]] + [np.r_[R[:, j], -1.0] for j in J]
                    rest = [np.r_[R[:, j], -1.0] for j in range(n) if j not in J]
                    r = linprog(
                        np.zeros(s + 1),
                        A_ub=rest or None,
                        b_ub=[0.0] * len(rest) or None,
                        A_eq=eqs,
                        b_eq=[1.0] + [0.0] * len(J),
                        bounds=[(0, None)] * s + [(None, None)],
                        method="highs",
                    )
                    if r.status == 0:
                        return True
        return False

    return side(np.asarray(B, float)) or side(np.asarray(A, float).T)


@settings(max_examples=60, deadline=None)
@given(
    A=hnp.arrays(
        float, st.tuples(st.integers(2, 4), st.integers(2, 4)), elements=st.integers(0, 4)
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_full_degeneracy_check_says_exactly_whether_the_game_is_degenerate(A, seed):
    """With full_degeneracy_check, `degenerate` is the game's degeneracy (checked by LP): a
    support system that is singular but holds no best-responded distribution (a block of
    zeros, as in the identity game of 4 actions) no longer calls a game degenerate, and
    every degenerate game is still seen."""
    rng = np.random.default_rng(seed)
    B = rng.integers(0, 5, A.shape) * (rng.random(A.shape) < 0.6)
    r = eq.support_enumeration(eq.NormalFormGame.from_bimatrix(A, B), full_degeneracy_check=True)
    assert r.degenerate == _degenerate_by_lp(A, B)
    if not r.degenerate:
        v = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B))
        assert len(v.equilibria) == len(r.equilibria)
        assert all(contains(v.equilibria, e) for e in r.equilibria)


@pytest.mark.parametrize("n", [4, 5, 6])
def test_identity_games_are_nondegenerate_and_complete(n):
    # support systems of a zero block are singular: the list was called incomplete
    r = eq.mixed_nash(eq.NormalFormGame.from_bimatrix(np.eye(n), np.eye(n)), method="support")
    assert r.complete and len(r.equilibria) == 2**n - 1
    assert not _degenerate_by_lp(np.eye(n), np.eye(n))
