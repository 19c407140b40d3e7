"""The one-round normal-form game of a :class:`~tariffsim.game.Game` at any state.

:func:`stage_game` builds it from the game's true payoff model; the solvers of
:mod:`tariffsim.equilibrium` then find its equilibria. (The stage game of a
:class:`~tariffsim.equilibrium.LadderGame` state *with continuation values* is
:meth:`~tariffsim.equilibrium.LadderGame.stage_game`.)
"""

from __future__ import annotations

import itertools

import numpy as np

from ..agents import targets_of
from ..errors import ParameterError
from ..game import Game
from ..world import State, StateBatch, apply_moves
from .ladder_game import Dyad, _action_moves, _action_name
from .normal_form import NormalFormGame

__all__ = ["stage_game"]


def stage_game(game: Game, state: State | None = None) -> NormalFormGame:
    """The one-round normal-form game of ``game`` at ``state``, scored by the true model.

    Players are the game's agents; each action is a move on each of the
    agent's dyads (``3**k`` actions for ``k`` dyads); a profile's payoff is
    ``game.model.payoff(apply_moves(state, profile), prev=state)``, so the
    state's own ``moved`` field (the last round's moves) counts for resolve.
    ``ts.equilibrium.stage_game(game, state)`` is the one way to build it.

    Parameters
    ----------
    game : Game
    state : State, optional
        Default: the game's initial state (free trade if none).

    Returns
    -------
    NormalFormGame

    Raises
    ------
    ParameterError
        If the game has no agents with dyads or ``state`` has the wrong size.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = ts.load_scenario("us-china-145").game
    >>> s = ts.State.zeros(10).with_tariff(g.world, "US", "CN", 0.54)
    >>> nfg = eq.stage_game(g, s)
    >>> nfg.player_names, nfg.shape
    (('US', 'CN'), (3, 3))
    """
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
    w = game.world
    state = (game.initial or State.zeros(w.n)) if state is None else state
    if not isinstance(state, State) or state.n != w.n:
        raise ParameterError(f"`state` must be a State of {w.n} countries; got {state!r}.")
    players: list[str] = []
    dyads: list[tuple[Dyad, ...]] = []
    for agent in game.agents:
        ds = targets_of(w, agent.code, agent.targets)
        if ds:
            players.append(agent.code)
            dyads.append(ds)
    if not players:
        raise ParameterError("`game` has no agent with a tariff dyad to move.")
    per = [_action_moves(len(ds)) for ds in dyads]
    shape = tuple(len(m) for m in per)
    nexts = []
    for prof in itertools.product(*(range(a) for a in shape)):
        moves: dict[Dyad, int] = {}
        for p, act in enumerate(prof):
            for d, m in zip(dyads[p], per[p][act], strict=True):
                moves[d] = int(m)
        nexts.append(apply_moves(w, state, moves).replace(shock=state.shock))
    pay = game.model.payoff(StateBatch.stack(nexts), prev=state)
    cols = [w.index(p) for p in players]
    arr = np.moveaxis(np.asarray(pay)[:, cols].reshape((*shape, len(players))), -1, 0)
    names = [
        tuple(_action_name([d[1] for d in ds], m) for m in mv)
        for ds, mv in zip(dyads, per, strict=True)
    ]
    return NormalFormGame(arr, player_names=players, action_names=names)
