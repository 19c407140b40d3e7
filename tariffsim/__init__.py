"""tariffsim: simulate tariff wars as games.

Countries are agents whose payoffs are built from the claims in news
articles about the 2025 tariff wars; they play repeated escalate / hold /
de-escalate rounds; tariffsim computes equilibria and plots the paths.

>>> import tariffsim as ts
>>> path = ts.load_scenario("us-china-145").simulate(seed=0)
>>> round(path.peak("US", "CN"), 2)
1.45
"""

from . import (
    analysis,
    bargaining,
    engine,
    equilibrium,
    foresight,
    limits,
    parampath,
    payoffs,
    schema,
    strategies,
    threads,
    tournament,
)
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
from .analysis import observed
from .analysis.calibrate import calibrate
from .analysis.ensemble import Ensemble, ensemble
from .analysis.sensitivity import sensitivity
from .analysis.summary import EnsembleSummary
from .claims import Claim, ClaimSet, claims
from .engine import PathBatch, simulate_batch
from .equilibrium.normal_form import NormalFormGame
from .errors import (
    ConstantOutputWarning,
    ConvergenceWarning,
    LimitError,
    MissingExtraError,
    NoWorkersWarning,
    OutputError,
    ParameterError,
    ScenarioError,
    TariffsimError,
    UnknownNameError,
)
from .foresight import Forward
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


def __getattr__(name: str) -> object:
    """``ts.plot_paths`` (and the other plotting functions) load matplotlib only when used."""
    if name in ("plot_paths", "plot_path", "plot_summary", "plot_markets"):
        import importlib

        return getattr(importlib.import_module("tariffsim.plotting"), name)
    raise AttributeError(f"module 'tariffsim' has no attribute {name!r}")


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
    "ConstantOutputWarning",
    "ContriteTitForTat",
    "ConvergenceWarning",
    "Country",
    "DivideAndConquer",
    "Ensemble",
    "EnsembleSummary",
    "Event",
    "EvolutionResult",
    "FaceSavingRetreat",
    "FictitiousPlayer",
    "FirmButMeasured",
    "Forward",
    "Game",
    "GenerousTitForTat",
    "GrimTrigger",
    "Hold",
    "Ladder",
    "Layer",
    "LimitError",
    "MissingExtraError",
    "Move",
    "MyopicBestResponse",
    "NoWorkersWarning",
    "NormalFormGame",
    "Observation",
    "OutputError",
    "ParameterError",
    "Params",
    "Path",
    "PathBatch",
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
    "analysis",
    "apply_moves",
    "bargaining",
    "calibrate",
    "claims",
    "engine",
    "ensemble",
    "equilibrium",
    "filter_strategies",
    "foresight",
    "limits",
    "lineup_tournament",
    "list_scenarios",
    "load_scenario",
    "make_strategy",
    "moran_process",
    "observed",
    "parampath",
    "parse_scenario",
    "path_from_states",
    "payoffs",
    "plot_markets",
    "plot_path",
    "plot_paths",
    "plot_summary",
    "replicator_dynamics",
    "round_robin",
    "schema",
    "sensitivity",
    "simulate",
    "simulate_batch",
    "strategies",
    "threads",
    "tournament",
]
