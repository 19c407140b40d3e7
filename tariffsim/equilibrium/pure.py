"""Pure-strategy Nash equilibria of N-player normal-form games."""

from __future__ import annotations

from typing import Any

import numpy as np

from .normal_form import _as_game, _check_relative_tol
from .scaling import payoff_ranges

__all__ = ["pure_nash"]


def pure_nash(game: Any, *, tol: float = 1e-8) -> list[tuple[int, ...]]:
    """Every pure-strategy Nash equilibrium.

    For each player the best payoff along its own action axis is computed for
    all opponent profiles at once, so the cost is a few array passes over the
    ``a1 * ... * aN`` profiles whatever the number of players.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    tol : float, default 1e-8
        A profile is an equilibrium when no player gains more than `tol` times
        its payoff range by a unilateral deviation (see
        :mod:`~tariffsim.equilibrium.scaling`); must be > 0.

    Returns
    -------
    list of tuple of int
        Equilibrium action profiles, sorted lexicographically.

    Raises
    ------
    ParameterError
        If `game` is not a valid game or `tol` is not > 0.

    Examples
    --------
    Chicken has two pure equilibria, each side swerving once (0 = swerve):

    >>> from tariffsim import equilibrium as eq
    >>> A = [[0, -1], [1, -10]]
    >>> eq.pure_nash(eq.NormalFormGame.from_bimatrix(A, np.transpose(A)))
    [(0, 1), (1, 0)]
    """
    g = _as_game(game)
    tol = _check_relative_tol(tol)
    arr = g.payoff_array
    _, span = payoff_ranges(g)
    ok = np.ones(g.shape, dtype=bool)
    for i in range(g.n_players):
        best = arr[i].max(axis=i, keepdims=True)
        ok &= arr[i] >= best - tol * span[i]
    return [tuple(int(k) for k in row) for row in np.argwhere(ok)]
