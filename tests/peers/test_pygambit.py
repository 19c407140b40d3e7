"""Cross-checks against pygambit (optional; run with ``TARIFFSIM_PEERS=1``).

pygambit has no wheel on every platform and may build from source for many
minutes, so it is not a test dependency: the default test run does not collect
this directory (see ``conftest.py``). With ``TARIFFSIM_PEERS=1`` and pygambit
installed, every test here runs; a missing pygambit is an error, not a skip.
"""

from __future__ import annotations

import numpy as np
import pygambit as gbt
import pytest

from tariffsim import equilibrium as eq
from tariffsim.equilibrium.scaling import normalize


def _to_gambit(g: eq.NormalFormGame) -> gbt.Game:
    return gbt.Game.from_arrays(*[np.asarray(p) for p in g.payoff_array])


def _profiles(result: object, g: eq.NormalFormGame) -> list[list[np.ndarray]]:
    out = []
    for prof in result.equilibria:  # type: ignore[attr-defined]
        sig = []
        for player in prof.game.players:
            sig.append(np.array([float(prof[s]) for s in player.strategies]))
        out.append(sig)
    return out


def test_vertex_enumeration_matches_enummixed():
    rng = np.random.default_rng(0)
    for _ in range(10):
        g = eq.NormalFormGame.from_bimatrix(rng.normal(size=(5, 5)), rng.normal(size=(5, 5)))
        ours = sorted(
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in eq.vertex_enumeration(g).equilibria
        )
        theirs = sorted(
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in _profiles(gbt.nash.enummixed_solve(_to_gambit(g), rational=False), g)
        )
        assert ours == theirs


@pytest.mark.parametrize(
    ("seed", "shape"), [(1, (3, 3, 3, 3)), (7, (3, 4, 4, 4)), (12, (3, 2, 3, 4))]
)
def test_logit_nash_on_random_three_player_games(seed, shape):
    rng = np.random.default_rng(seed)
    for _ in range(15):
        g = eq.NormalFormGame(rng.normal(size=shape))
        ours = eq.logit_nash(g)
        assert ours.converged
        # gnm_solve may return nothing (it fails on one of the 3 x 2 x 3 x 4 games)
        theirs = _profiles(gbt.nash.gnm_solve(_to_gambit(g)), g)
        for sig in theirs:  # every gambit equilibrium is an equilibrium for us too
            assert g.regret(sig) <= 1e-6
        # logit_nash follows the principal branch of the *normalised* game (each
        # player's payoffs on [0, 1], so its selection does not depend on units);
        # gambit's logit_solve follows the branch of the game it is given
        gambit_logit = _profiles(gbt.nash.logit_solve(_to_gambit(normalize(g))), g)[0]
        for a, b in zip(ours.profile, gambit_logit, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-4)


def test_vertex_enumeration_matches_enummixed_on_larger_and_degenerate_games():
    rng = np.random.default_rng(3)
    for m, n in [(7, 7), (6, 9), (9, 5)]:
        g = eq.NormalFormGame.from_bimatrix(rng.random((m, n)), rng.random((m, n)))
        ours = sorted(
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in eq.vertex_enumeration(g).equilibria
        )
        theirs = sorted(
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in _profiles(gbt.nash.enummixed_solve(_to_gambit(g), rational=False), g)
        )
        assert ours == theirs
    for _ in range(10):  # degenerate: gambit lists extreme equilibria too
        A, B = rng.integers(0, 3, size=(2, 4, 4)).astype(float)
        g = eq.NormalFormGame.from_bimatrix(A, B)
        ours = {
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in eq.vertex_enumeration(g).equilibria
        }
        theirs = {
            (tuple(np.round(x, 6)), tuple(np.round(y, 6)))
            for x, y in _profiles(gbt.nash.enummixed_solve(_to_gambit(g), rational=False), g)
        }
        assert theirs <= ours
