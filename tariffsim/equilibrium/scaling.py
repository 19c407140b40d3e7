r"""One payoff normalisation and one tolerance rule for every solver.

Nash equilibria (and correlated equilibria, best responses, fictitious play's
choices) do not change when a player's payoffs go through a positive affine
map :math:`u_i \mapsto a_i u_i + b_i` (:math:`a_i > 0`). So every solver of
:mod:`tariffsim.equilibrium`:

* works on the **normalised** game, each player's payoffs mapped onto
  :math:`[0, 1]`:

  .. math:: \hat u_i = (u_i - \min u_i) / r_i, \qquad r_i = \max u_i - \min u_i

  (a player whose payoffs are all equal gets :math:`r_i = 1` and
  :math:`\hat u_i = 0`), then rounded to a grid of :data:`SNAP`
  (:math:`10^{-12}` of the range), so that ties a map blurs by rounding (a
  few units in the last place: ``1e-8 * (u - 1000)`` is not exact) are ties
  again and degenerate games stay degenerate;
  The grid restores ties only when the stored payoffs resolve them: a
  payoff :math:`u` in floating point is known to about :math:`\varepsilon|u|`,
  so a player whose payoffs sit far from zero compared with their range
  (``17 + 1e-6 * u``: known to ~``1e-9`` of the range) can lose the
  degeneracy of ``u`` beyond any grid; subtract the common baseline before
  building the game;
* reads its ``tol`` **relative to the payoff range**: a profile is accepted
  as an equilibrium when every player's largest deviation gain is at most
  ``tol * r_i`` — equivalently, when the *relative regret*
  :math:`\max_i \text{gain}_i / r_i` is at most ``tol``.

So scaling a game by :math:`10^8`, or expressing payoffs in % of GDP (where a
whole stage game may span 0.15), changes no solver's answer. Logit precisions
(:math:`\lambda`) stay in 1 / payoff units, as in the literature: a QRE of the
game scaled by ``c`` at ``lam / c`` is the QRE of the original at ``lam``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .normal_form import (
    NormalFormGame,
    _from_lowest,
    _ranges,
    _relative_regret,
)

__all__ = ["SNAP", "normalize", "payoff_ranges", "relative_regret"]

SNAP = 1e-12
"""Grid of the normalised payoffs (a share of each player's payoff range)."""

FloatArray = NDArray[np.float64]


def payoff_ranges(game: NormalFormGame) -> tuple[FloatArray, FloatArray]:
    """Each player's lowest payoff and payoff range ``r_i`` (1 where constant).

    Parameters
    ----------
    game : NormalFormGame

    Returns
    -------
    lo, span : numpy.ndarray
        Shape ``(N,)`` each.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> from tariffsim.equilibrium.scaling import payoff_ranges
    >>> payoff_ranges(eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[2, 2], [2, 2]]))
    (array([0., 2.]), array([5., 1.]))
    """
    return _ranges(game.payoff_array)


def from_lowest(payoff_array: FloatArray) -> FloatArray:
    """Each player's payoffs measured from their lowest, shape as given ``(N, a1, ..., aN)``.

    The same game for every solver (equilibria, quantal responses and regrets ignore a
    constant added to a player's payoffs), without the constant: added to every payoff
    (3e8, say) it cancels away the digits that payoff differences are made of.
    """
    return _from_lowest(payoff_array)


def normalize(game: NormalFormGame) -> NormalFormGame:
    """The game with each player's payoffs mapped onto [0, 1] (see the module notes).

    Parameters
    ----------
    game : NormalFormGame

    Returns
    -------
    NormalFormGame
        Same players and action names.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> from tariffsim.equilibrium.scaling import normalize
    >>> g = eq.NormalFormGame.from_bimatrix([[4e8, -6e8]], [[-1, 0]])
    >>> normalize(g).payoff_array.tolist()
    [[[1.0, 0.0]], [[0.0, 1.0]]]
    """
    lo, span = payoff_ranges(game)
    shape = (-1,) + (1,) * len(game.shape)
    arr = (game.payoff_array - lo.reshape(shape)) / span.reshape(shape)
    arr = np.round(arr / SNAP) * SNAP  # ties blurred by rounding are ties again
    return NormalFormGame(arr, player_names=game.player_names, action_names=game.action_names)


def relative_regret(game: NormalFormGame, profile: Sequence[Any]) -> float:
    """Largest deviation gain over players, each divided by that player's payoff range.

    The quantity every solver compares with its ``tol``.

    Parameters
    ----------
    game : NormalFormGame
    profile : sequence
        One entry per player: an action index or a probability vector.

    Returns
    -------
    float
        >= 0; 0 at an exact Nash equilibrium. ``inf`` if the profile is not finite.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> from tariffsim.equilibrium.scaling import relative_regret
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> relative_regret(g, (0, 0))
    0.4
    """
    sig = game._mixed_profile(profile)
    return _relative_regret(game.payoff_array, sig)


def _tied_pure_replies(A: FloatArray, B: FloatArray, tol: float) -> bool:
    """Whether some pure strategy of a two-player game has tied pure best replies (within
    ``tol``; payoffs normalised, :func:`normalize`): a degenerate game."""
    return bool(
        ((A.max(axis=0) - tol <= A).sum(axis=0) > 1).any()
        or ((B.max(axis=1, keepdims=True) - tol <= B).sum(axis=1) > 1).any()
    )
