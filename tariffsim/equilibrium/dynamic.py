"""The dynamic escalation game in one namespace (compatibility module).

The parts live in their own modules: :mod:`~tariffsim.equilibrium.ladder_game`
(state space, transitions, rewards), :mod:`~tariffsim.equilibrium.stage` (the
one-round game of a :class:`~tariffsim.game.Game`),
:mod:`~tariffsim.equilibrium.markov` (value iteration, Markov-perfect and
subgame-perfect equilibria), :mod:`~tariffsim.equilibrium.eq_path` (results and
equilibrium paths) and :mod:`~tariffsim.equilibrium.dyad` (grim-trigger facts of
a dyad). Every name here is also in :mod:`tariffsim.equilibrium`; new code
should import from there.
"""

from __future__ import annotations

from .dyad import DyadFacts, dyad_facts
from .eq_path import MPEResult, SPEResult
from .ladder_game import LadderGame
from .markov import SELECTIONS, backward_induction, bellman, equilibrium_path_for, markov_perfect
from .stage import stage_game

__all__ = [
    "SELECTIONS",
    "DyadFacts",
    "LadderGame",
    "MPEResult",
    "SPEResult",
    "backward_induction",
    "bellman",
    "dyad_facts",
    "equilibrium_path_for",
    "markov_perfect",
    "stage_game",
]
