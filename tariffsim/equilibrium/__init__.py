"""Equilibrium solvers for finite normal-form games.

Games are :class:`NormalFormGame` objects (N players, payoff arrays of shape
``(a1, ..., aN)`` per player). Solvers:

* :func:`pure_nash` - every pure equilibrium, N players;
* :func:`support_enumeration` - all equilibria of nondegenerate 2-player games;
* :func:`vertex_enumeration` - every extreme equilibrium of any 2-player game, with
  the equilibrium components (exact rational check on request);
* :func:`lemke_howson`, :func:`lemke_howson_all` - complementary pivoting, 2 players;
* :func:`logit_qre`, :func:`qre_select` - logit quantal response equilibria, N players;
* :func:`logit_branch`, :func:`fit_logit_qre` - the principal logit branch by arc length
  (through backward bends) and maximum-likelihood fits of lambda;
* :func:`logit_nash`, :func:`mixed_nash` - a mixed equilibrium of any N-player game by
  the logit homotopy; the front door choosing a method by size and players;
* :func:`correlated_equilibrium` - linear programming, N players;
* :func:`best_response_dynamics`, :func:`fictitious_play`, :func:`logit_dynamics` -
  learning dynamics, N players;
* :func:`dyad_stage_payoffs`, :func:`critical_discount`, :func:`grim_facts` - repeated 2x2
  cooperation, every ordering of T, R, P, S;
* :class:`Automaton`, :func:`automaton_nash`, :func:`automaton_spe`, :func:`discount_set` -
  finite-automaton strategies of repeated games, exact checks and discount sets;
* :class:`LadderGame`, :func:`markov_perfect`, :func:`backward_induction` - the
  dynamic escalation game over ladder states, its Markov-perfect and subgame-perfect
  equilibria, equilibrium paths, and :func:`dyad_facts` (grim-trigger thresholds).
"""

from .agreements import agreement_path, with_demand_floors
from .automata import (
    AUTOMATA,
    Automaton,
    AutomatonCheck,
    Deviation,
    DiscountSet,
    Interval,
    always_cooperate,
    always_defect,
    automaton_nash,
    automaton_spe,
    contrite_tit_for_tat,
    discount_set,
    firm_but_measured,
    generous_tit_for_tat,
    grim_trigger,
    make_automaton,
    pavlov,
    stage_bimatrix,
    tit_for_tat,
)
from .correlated import CorrelatedResult, correlated_constraints, correlated_equilibrium
from .dyad import DyadFacts, dyad_facts
from .eq_path import MPEResult, SPEResult
from .homotopy import METHODS, MixedNashResult, NashResult, logit_nash, mixed_nash
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
from .logit_branch import LogitBranch, QREFit, fit_logit_qre, logit_branch
from .markov import (
    SELECTIONS,
    CostEstimate,
    backward_induction,
    bellman,
    equilibrium_path_for,
    estimate_cost,
    markov_perfect,
)
from .normal_form import MAX_PAYOFF, NormalFormGame
from .pure import pure_nash
from .qre import QREPath, logit_qre
from .repeated import DyadPayoffs, GrimFacts, critical_discount, dyad_stage_payoffs, grim_facts
from .stage import stage_game
from .support import MixedResult, support_enumeration
from .tracing import QRESelection, qre_select
from .vertex import VertexResult, vertex_enumeration

__all__ = [
    "AUTOMATA",
    "LEARNING_RULES",
    "MAX_PAYOFF",
    "METHODS",
    "SELECTIONS",
    "Automaton",
    "AutomatonCheck",
    "CorrelatedResult",
    "CostEstimate",
    "Deviation",
    "DiscountSet",
    "DyadFacts",
    "DyadPayoffs",
    "DynamicsResult",
    "FictitiousPlayResult",
    "GrimFacts",
    "Interval",
    "LadderGame",
    "LemkeHowsonAllResult",
    "LemkeHowsonResult",
    "LogitBranch",
    "MPEResult",
    "MixedNashResult",
    "MixedResult",
    "NashResult",
    "NormalFormGame",
    "QREFit",
    "QREPath",
    "QRESelection",
    "SPEResult",
    "VertexResult",
    "agreement_path",
    "always_cooperate",
    "always_defect",
    "automaton_nash",
    "automaton_spe",
    "backward_induction",
    "bellman",
    "best_response_dynamics",
    "contrite_tit_for_tat",
    "correlated_constraints",
    "correlated_equilibrium",
    "critical_discount",
    "discount_set",
    "dyad_facts",
    "dyad_stage_payoffs",
    "equilibrium_path_for",
    "estimate_cost",
    "fictitious_play",
    "firm_but_measured",
    "fit_logit_qre",
    "generous_tit_for_tat",
    "grim_facts",
    "grim_trigger",
    "learning_path",
    "lemke_howson",
    "lemke_howson_all",
    "logit_branch",
    "logit_dynamics",
    "logit_nash",
    "logit_qre",
    "make_automaton",
    "markov_perfect",
    "mixed_nash",
    "pavlov",
    "pure_nash",
    "qre_select",
    "stage_bimatrix",
    "stage_game",
    "support_enumeration",
    "tit_for_tat",
    "vertex_enumeration",
    "with_demand_floors",
]
