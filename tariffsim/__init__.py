"""tariffsim: simulate tariff wars as games.

Countries are agents whose payoffs are built from the claims in news
articles about the 2025 tariff wars; they play repeated escalate / hold /
de-escalate rounds; tariffsim computes equilibria and plots the paths.

>>> import tariffsim as ts
>>> path = ts.load_scenario("us-china-145").simulate(seed=0)
>>> round(path.peak("US", "CN"), 2)
1.45
"""

from . import equilibrium, payoffs, strategies, tournament
from .agents import (
    STRATEGIES,
    Beliefs,
    GrimTrigger,
    Hold,
    MyopicBestResponse,
    Observation,
    Scripted,
    Strategy,
    TitForTat,
    Traits,
    make_strategy,
)
from .claims import Claim, ClaimSet, claims
from .errors import (
    ConvergenceWarning,
    ParameterError,
    ScenarioError,
    TariffsimError,
    UnknownNameError,
)
from .game import Agent, Event, Game, path_from_states, simulate
from .path import Path
from .payoffs import TERMS, Breakdown, Params, PayoffModel
from .scenario import Scenario, list_scenarios, load_scenario, parse_scenario
from .strategies import (
    AlwaysDeescalate,
    AlwaysEscalate,
    Brinkmanship,
    ContriteTitForTat,
    DivideAndConquer,
    FaceSavingRetreat,
    FictitiousPlayer,
    FirmButMeasured,
    GenerousTitForTat,
    Pavlov,
    Random,
    TransactionalDealmaker,
    filter_strategies,
)
from .tournament import (
    EvolutionResult,
    TournamentResult,
    lineup_tournament,
    moran_process,
    replicator_dynamics,
    round_robin,
)
from .world import Country, Ladder, Layer, Move, State, StateBatch, World, apply_moves

__version__ = "0.1.0"

__all__ = [
    "STRATEGIES",
    "TERMS",
    "Agent",
    "AlwaysDeescalate",
    "AlwaysEscalate",
    "Beliefs",
    "Breakdown",
    "Brinkmanship",
    "Claim",
    "ClaimSet",
    "ContriteTitForTat",
    "ConvergenceWarning",
    "Country",
    "DivideAndConquer",
    "Event",
    "EvolutionResult",
    "FaceSavingRetreat",
    "FictitiousPlayer",
    "FirmButMeasured",
    "Game",
    "GenerousTitForTat",
    "GrimTrigger",
    "Hold",
    "Ladder",
    "Layer",
    "Move",
    "MyopicBestResponse",
    "Observation",
    "ParameterError",
    "Params",
    "Path",
    "Pavlov",
    "PayoffModel",
    "Random",
    "Scenario",
    "ScenarioError",
    "Scripted",
    "State",
    "StateBatch",
    "Strategy",
    "TariffsimError",
    "TitForTat",
    "TournamentResult",
    "Traits",
    "TransactionalDealmaker",
    "UnknownNameError",
    "World",
    "__version__",
    "apply_moves",
    "claims",
    "equilibrium",
    "filter_strategies",
    "lineup_tournament",
    "list_scenarios",
    "load_scenario",
    "make_strategy",
    "moran_process",
    "parse_scenario",
    "path_from_states",
    "payoffs",
    "replicator_dynamics",
    "round_robin",
    "simulate",
    "strategies",
    "tournament",
]
