"""Learning dynamics on the escalation game itself, returning a :class:`~tariffsim.path.Path`.

:mod:`tariffsim.equilibrium.learning` runs learning dynamics on one fixed
normal-form game. Here the game changes every round: each round the players
face the stage game at the *current* state (:func:`~tariffsim.equilibrium.stage_game`,
true payoffs), choose by a learning rule, and the chosen moves carry the state
along the ladders. The result has the same interface as a simulation.

Rules
-----
``"best-response"``
    Each player best-responds to the others' actions of the last round
    (everyone holds before round 1). Ties go to holding, then to the lowest
    action index.
``"fictitious"``
    Each player best-responds to the empirical frequencies of the others'
    past actions (action ``k`` of a player always means the same moves on its
    dyads, so frequencies carry across states; counts start at one hold).
``"logit"``
    Each player draws its action with probability proportional to
    ``exp(beta * u)``, ``u`` its payoff against the others' last actions.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from .._ties import ties
from .._util import one_of, short_repr
from ..agents import targets_of
from ..errors import ParameterError, warn_not_converged
from ..game import Game, path_from_states
from ..path import Path
from ..world import State, apply_moves
from ._validate import check_real, check_rounds
from .ladder_game import _action_moves
from .stage import stage_game

__all__ = ["LEARNING_RULES", "learning_path"]

LearningRule = Literal["best-response", "fictitious", "logit"]
LEARNING_RULES: tuple[str, ...] = ("best-response", "fictitious", "logit")
"""Names of the learning rules of :func:`learning_path`."""


def learning_path(
    game: Game,
    rule: LearningRule = "best-response",
    rounds: int = 30,
    *,
    start: State | None = None,
    beta: float = 20.0,
    rng: int | np.random.Generator | None = None,
) -> Path:
    """Play the escalation game under a learning rule; return the path.

    Parameters
    ----------
    game : Game
        Its agents are the players; their strategies are ignored.
    rule : {"best-response", "fictitious", "logit"}
    rounds : int
        Rounds to play (>= 1).
    start : State, optional
        Default: ``game.initial`` (free trade if none). Scheduled events are
        not applied.
    beta : float
        Logit precision (> 0), per % of GDP of payoff; only for ``"logit"``.
    rng : int or numpy.random.Generator, optional
        Only ``"logit"`` draws; the same seed gives the same path.

    Returns
    -------
    Path
        ``meta["kind"]`` is ``"learning:<rule>"``; ``meta["converged"]`` is
        True when the last round's action profile repeated the one before it
        and left the tariffs where they were (a rest point of the rule: a
        repeated cut still moves the state, and is not one). For ``"logit"``,
        which draws, a repeat can be chance (at a small ``beta`` play is near
        uniform): there ``converged`` says only that the last draw repeated,
        and ``meta["seed"]`` records an int ``rng``.

    Raises
    ------
    ParameterError
        For an unknown rule, ``rounds < 1`` or ``beta <= 0``.

    Examples
    --------
    >>> from tariffsim.equilibrium import learning_path
    >>> g = ts.load_scenario("us-china-145").game
    >>> peak = ts.State.zeros(10).with_tariff(g.world, "US", "CN", 1.45).with_tariff(
    ...     g.world, "CN", "US", 1.4)
    >>> p = learning_path(g, "best-response", rounds=12, start=peak)
    >>> bool(p.series("US", "CN")[-1] < 1.45)
    True
    """
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
    if not one_of(rule, LEARNING_RULES):
        raise ParameterError(f"`rule` must be one of {LEARNING_RULES}; got {rule!r}.")
    rounds = check_rounds(rounds, game=game)
    beta = check_real(beta, "beta", minimum=0.0, open_min=True)
    try:  # what numpy.random.default_rng takes: a seed, a SeedSequence, a bit generator
        gen = np.random.default_rng(rng)
    except (TypeError, ValueError):
        raise ParameterError(
            f"`rng` must be what numpy.random.default_rng takes (None, an int >= 0, a "
            f"SeedSequence, a BitGenerator or a Generator); got {short_repr(rng)}."
        ) from None
    w = game.world
    state = (game.initial or State.zeros(w.n)) if start is None else start
    if not isinstance(state, State) or state.n != w.n:
        raise ParameterError(f"`start` must be a State of {w.n} countries; got {start!r}.")
    dyads = [targets_of(w, a.code, a.targets) for a in game.agents]
    dyads = [d for d in dyads if d]
    if not dyads:
        raise ParameterError("`game` has no agent with a tariff dyad to move.")
    moves_of = [_action_moves(len(d)) for d in dyads]
    hold = [int(np.flatnonzero((m == 0).all(axis=1))[0]) for m in moves_of]
    counts = [np.eye(len(m))[h] for m, h in zip(moves_of, hold, strict=True)]
    last = list(hold)
    prev_profile: list[int] | None = None
    states = [state]
    for _ in range(rounds):
        nfg = stage_game(game, state)
        profile: list[int] = []
        for p in range(len(dyads)):
            others: list[object] = list(last)
            if rule == "fictitious":
                others = [c / c.sum() for c in counts]
            u = nfg.action_values(others, player=p)
            if rule == "logit":
                z = beta * (u - u.max())
                prob = np.exp(z) / np.exp(z).sum()
                profile.append(int(gen.choice(len(u), p=prob)))
            else:
                best = np.flatnonzero(ties(u, u.max()))
                profile.append(hold[p] if hold[p] in best else int(best[0]))
        moves = {
            d: int(m)
            for p, act in enumerate(profile)
            for d, m in zip(dyads[p], moves_of[p][act], strict=True)
        }
        state = apply_moves(w, state, moves)
        states.append(state)
        for p, act in enumerate(profile):
            counts[p][act] += 1
        # a rest point: the profile repeats and moves nothing (a repeated cut still moves)
        converged = profile == prev_profile and np.array_equal(state.tariff, states[-2].tariff)
        prev_profile, last = profile, profile
    path = path_from_states(game, states, meta={"kind": f"learning:{rule}", "scenario": game.name})
    if not converged:
        warn_not_converged(
            "learning_path", f"{rule} play still changed in the last of {rounds} rounds"
        )
    seeded = {"seed": int(rng)} if isinstance(rng, int | np.integer) and rule == "logit" else {}
    return dataclasses.replace(
        path, meta={**path.meta, "converged": bool(converged), "rule": rule, **seeded}
    )
