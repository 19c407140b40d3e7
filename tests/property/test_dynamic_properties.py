"""Property tests of the Markov-perfect solver on random small ladder games."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.equilibrium import dynamic as dyn

SETTINGS = settings(max_examples=15, deadline=None)


@st.composite
def ladders(draw: st.DrawFn) -> tuple[float, ...]:
    k = draw(st.integers(2, 4))
    steps = draw(st.lists(st.floats(0.05, 0.6), min_size=k - 1, max_size=k - 1))
    return tuple(float(x) for x in np.round(np.concatenate([[0.0], np.cumsum(steps)]), 6))


@st.composite
def games(draw: st.DrawFn) -> ts.Game:
    w = ts.World(
        countries=(ts.Country("US", 29.2), ts.Country("CN", 18.7)),
        imports=[[0.0, 438.9], [143.5, 0.0]],
        ties=[[0.0, 0.1], [0.1, 0.0]],
        exempt=np.zeros((2, 2)),
        ladders={("US", "CN"): draw(ladders()), ("CN", "US"): draw(ladders())},
    )
    weights = draw(
        st.lists(st.floats(0.0, 2.0), min_size=len(ts.TERMS) * 2, max_size=len(ts.TERMS) * 2)
    )
    model = ts.PayoffModel(w, weights=np.reshape(weights, (len(ts.TERMS), 2)))
    return ts.Game(w, model, agents=(ts.Agent("US"), ts.Agent("CN")))


def _solve(game: ts.Game, discount: float, selection: str) -> dyn.MPEResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.ConvergenceWarning)
        return dyn.markov_perfect(game, discount=discount, selection=selection, max_iter=300)


@SETTINGS
@given(
    game=games(),
    discount=st.floats(0.0, 0.95),
    selection=st.sampled_from(["status-quo", "payoff-dominant"]),
)
def test_converged_means_small_bellman_residual(game, discount, selection):
    r = _solve(game, discount, selection)
    if r.converged:
        assert r.residual <= 1e-8
        assert r.bellman_residual() <= 1e-6
        lg = r.lgame
        for s in range(lg.n_states):
            if not r.mixed[s]:
                assert lg.stage_game(s, r.values, discount).is_nash(tuple(r.policy[s]), tol=1e-7)
    else:
        assert "not converged" in r.message


@SETTINGS
@given(game=games(), discount=st.floats(0.0, 0.95), data=st.data())
def test_equilibrium_path_stays_on_the_ladders(game, discount, data):
    r = _solve(game, discount, "status-quo")
    lg = r.lgame
    start = lg.state(data.draw(st.integers(0, lg.n_states - 1)))
    p = r.path(start=start, rounds=8)
    w = game.world
    for (a, b), lad in zip(lg.dyads, lg.ladders, strict=True):
        series = p.series(a, b)
        assert all(lad.contains(float(x)) for x in series)
        steps = [lad.index(float(x)) for x in series]
        assert all(abs(u - v) <= 1 for u, v in itertools.pairwise(steps))
    assert p.tariff.shape == (9, w.n, w.n)


@SETTINGS
@given(game=games(), discount=st.floats(0.0, 0.95))
def test_same_inputs_identical_result(game, discount):
    a = _solve(game, discount, "status-quo")
    b = _solve(game, discount, "status-quo")
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.profile, b.profile)
    assert (a.converged, a.iterations, a.message) == (b.converged, b.iterations, b.message)


@SETTINGS
@given(game=games(), discount=st.floats(0.0, 0.95), data=st.data())
def test_a_linear_solve_evaluates_a_policy_as_the_iteration_does(game, discount, data):
    """A policy's values by a linear solve (dense, and sparse as for games over
    ``_DENSE_STATES`` states) equal the fixed-point iteration's at moderate discounts, to
    the solver's tolerance, for pure policies and for ones with logit-QRE (mixed) states."""
    from tariffsim.equilibrium import markov

    lg = dyn.LadderGame.from_game(game)
    S, A = lg.n_states, lg.n_profiles
    policy = np.array(data.draw(st.lists(st.integers(0, A - 1), min_size=S, max_size=S)))
    mixed = {}
    for s in sorted(data.draw(st.sets(st.integers(0, S - 1), max_size=3))):
        w = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=A, max_size=A)))
        w[policy[s]] += 1.0
        mixed[s] = w / w.sum()
    rows = np.arange(S)
    r = lg.rewards[rows, policy].astype(float)
    for s, joint in mixed.items():
        r[s] = joint @ lg.rewards[s].astype(float)
    nxt = lg.successors[rows, policy].astype(np.int64)
    tol = 1e-8
    stop = tol * (1 - discount) * 0.01  # the solver's rule: error <= stop * discount / (1 - d)
    V0 = np.zeros((S, lg.n_players))
    it = markov._iterate_policy(r, nxt, mixed, lg.successors, discount, V0, stop)
    assert it is not None
    dense = markov._solve_policy(r, nxt, mixed, lg.successors, discount)
    was = markov._DENSE_STATES
    markov._DENSE_STATES = 0  # the sparse LU, as for large games
    try:
        sparse = markov._solve_policy(r, nxt, mixed, lg.successors, discount)
    finally:
        markov._DENSE_STATES = was
    size = 1.0 + float(np.abs(dense).max())
    np.testing.assert_allclose(dense, it, rtol=0, atol=tol)
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-12 * size)
    # the solve satisfies the policy's Bellman equation to the values' rounding
    bell = r + discount * dense[nxt]
    for s, joint in mixed.items():
        bell[s] = r[s] + discount * (joint @ dense[lg.successors[s]])
    assert float(np.abs(bell - dense).max()) <= 1e-12 * size
