"""Cross-checks against quantecon's independent implementations."""

import numpy as np
import pytest
import quantecon.game_theory as gt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim import equilibrium as eq

CROSS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def to_quantecon(game: eq.NormalFormGame):
    """quantecon Player i has its own action first, then players i+1, i+2, ... cyclically."""
    n = game.n_players
    players = [
        gt.Player(np.transpose(game.payoff_array[i], [(i + k) % n for k in range(n)]))
        for i in range(n)
    ]
    return gt.NormalFormGame(players)


def same_set(ours, theirs, atol=1e-6):
    def inside(e, pool):
        return any(
            all(np.allclose(a, b, atol=atol) for a, b in zip(e, f, strict=True)) for f in pool
        )

    return all(inside(e, theirs) for e in ours) and all(inside(e, ours) for e in theirs)


def test_transpose_convention():
    rng = np.random.default_rng(0)
    g = eq.NormalFormGame(list(rng.normal(size=(3, 2, 3, 4))))
    q = to_quantecon(g)
    for prof in [(0, 0, 0), (1, 2, 3), (1, 0, 2)]:
        np.testing.assert_allclose(q.payoff_profile_array[prof], g.payoff(prof))


def _random_bimatrix(m, n, seed):
    rng = np.random.default_rng(seed)
    return eq.NormalFormGame.from_bimatrix(rng.normal(size=(m, n)), rng.normal(size=(m, n)))


@CROSS
@given(m=st.integers(1, 6), n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_support_enumeration_matches_quantecon(m, n, seed):
    g = _random_bimatrix(m, n, seed)
    ours = eq.support_enumeration(g, full_degeneracy_check=True)
    assert not ours.degenerate  # continuous random payoffs: nondegenerate a.s.
    q = to_quantecon(g)
    assert same_set(ours.equilibria, gt.support_enumeration(q))
    if min(m, n) >= 2:
        assert same_set(ours.equilibria, gt.vertex_enumeration(q))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_support_enumeration_8x8_matches_quantecon(seed):
    g = _random_bimatrix(8, 8, seed)
    ours = eq.support_enumeration(g)
    assert not ours.degenerate
    assert same_set(ours.equilibria, gt.support_enumeration(to_quantecon(g)))


@CROSS
@given(
    shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    integer=st.booleans(),
)
def test_pure_nash_matches_quantecon(shape, seed, integer):
    rng = np.random.default_rng(seed)
    payoffs = rng.normal(size=(len(shape), *shape))
    if integer:  # small integers: many ties
        payoffs = np.round(payoffs * 1.5)
    g = eq.NormalFormGame(list(payoffs))
    theirs = sorted(tuple(int(a) for a in p) for p in gt.pure_nash_brute(to_quantecon(g)))
    assert eq.pure_nash(g) == theirs
