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
* :func:`dyad_stage_payoffs`, :func:`critical_discount` - repeated 2x2 cooperation.
"""

from .correlated import CorrelatedResult, correlated_constraints, correlated_equilibrium
from .learning import (
    DynamicsResult,
    FictitiousPlayResult,
    best_response_dynamics,
    fictitious_play,
    logit_dynamics,
)
from .lemke_howson import LemkeHowsonAllResult, LemkeHowsonResult, lemke_howson, lemke_howson_all
from .normal_form import NormalFormGame
from .pure import pure_nash
from .qre import QREPath, QRESelection, logit_qre, qre_select
from .repeated import DyadPayoffs, critical_discount, dyad_stage_payoffs
from .support import MixedResult, support_enumeration

__all__ = [
    "CorrelatedResult",
    "DyadPayoffs",
    "DynamicsResult",
    "FictitiousPlayResult",
    "LemkeHowsonAllResult",
    "LemkeHowsonResult",
    "MixedResult",
    "NormalFormGame",
    "QREPath",
    "QRESelection",
    "best_response_dynamics",
    "correlated_constraints",
    "correlated_equilibrium",
    "critical_discount",
    "dyad_stage_payoffs",
    "fictitious_play",
    "lemke_howson",
    "lemke_howson_all",
    "logit_dynamics",
    "logit_qre",
    "pure_nash",
    "qre_select",
    "support_enumeration",
]
