"""Equilibrium solvers for finite normal-form games.

Games are :class:`NormalFormGame` objects (N players, payoff arrays of shape
``(a1, ..., aN)`` per player). Solvers:

* :func:`pure_nash` - every pure equilibrium, N players;
* :func:`support_enumeration` - all equilibria of nondegenerate 2-player games;
* :func:`lemke_howson`, :func:`lemke_howson_all` - complementary pivoting, 2 players;
* :func:`logit_qre`, :func:`qre_select` - logit quantal response equilibria, N players;
* :func:`correlated_equilibrium` - linear programming, N players;
* :func:`best_response_dynamics`, :func:`fictitious_play`, :func:`logit_dynamics` -
  learning dynamics, N players;
* :func:`dyad_stage_payoffs`, :func:`critical_discount` - repeated 2x2 cooperation;
* :class:`LadderGame`, :func:`markov_perfect`, :func:`backward_induction` - the
  dynamic escalation game over ladder states, its Markov-perfect and subgame-perfect
  equilibria, equilibrium paths, and :func:`dyad_facts` (grim-trigger thresholds).
"""

from .correlated import CorrelatedResult, correlated_constraints, correlated_equilibrium
from .dyad import DyadFacts, dyad_facts
from .eq_path import MPEResult, SPEResult
from .ladder_game import LadderGame
from .learning import (
    DynamicsResult,
    FictitiousPlayResult,
    best_response_dynamics,
    fictitious_play,
    logit_dynamics,
)
from .learning_path import LEARNING_RULES, learning_path
from .lemke_howson import LemkeHowsonAllResult, LemkeHowsonResult, lemke_howson, lemke_howson_all
from .markov import SELECTIONS, backward_induction, bellman, equilibrium_path_for, markov_perfect
from .normal_form import NormalFormGame
from .pure import pure_nash
from .qre import QREPath, QRESelection, logit_qre, qre_select
from .repeated import DyadPayoffs, critical_discount, dyad_stage_payoffs
from .stage import stage_game
from .support import MixedResult, support_enumeration

__all__ = [
    "LEARNING_RULES",
    "SELECTIONS",
    "CorrelatedResult",
    "DyadFacts",
    "DyadPayoffs",
    "DynamicsResult",
    "FictitiousPlayResult",
    "LadderGame",
    "LemkeHowsonAllResult",
    "LemkeHowsonResult",
    "MPEResult",
    "MixedResult",
    "NormalFormGame",
    "QREPath",
    "QRESelection",
    "SPEResult",
    "backward_induction",
    "bellman",
    "best_response_dynamics",
    "correlated_constraints",
    "correlated_equilibrium",
    "critical_discount",
    "dyad_facts",
    "dyad_stage_payoffs",
    "equilibrium_path_for",
    "fictitious_play",
    "learning_path",
    "lemke_howson",
    "lemke_howson_all",
    "logit_dynamics",
    "logit_qre",
    "markov_perfect",
    "pure_nash",
    "qre_select",
    "stage_game",
    "support_enumeration",
]
