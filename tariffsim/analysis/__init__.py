"""Analysis on top of the engine: ensembles, sweeps and the chunked runner they share.

- :mod:`tariffsim.analysis.runner` — :func:`~tariffsim.analysis.runner.map_chunks`,
  the one chunked-execution mechanism (in-process, any
  ``concurrent.futures.Executor`` or a ``dask.distributed.Client``), and
  :func:`~tariffsim.analysis.runner.simulate_runs`, many runs of a game in run order.
- :mod:`tariffsim.analysis.ensemble` — :func:`tariffsim.ensemble` and the
  :class:`~tariffsim.analysis.ensemble.Ensemble` it returns (bands,
  probabilities, fan chart, xarray/pandas export).
- :mod:`tariffsim.analysis.distributions` — distributions of uncertain parameters.
- :mod:`tariffsim.analysis.vary` — parameter draws, from distributions or the claims' ranges.

``ts.ensemble`` is the function; ``tariffsim.analysis.ensemble`` the module.
"""

from .distributions import Beta, Distribution, LogNormal, Normal, Triangular, Uniform
from .ensemble import Bands, Ensemble, RunView
from .runner import chunk_ranges, map_chunks, run_seeds, simulate_runs

__all__ = [
    "Bands",
    "Beta",
    "Distribution",
    "Ensemble",
    "LogNormal",
    "Normal",
    "RunView",
    "Triangular",
    "Uniform",
    "chunk_ranges",
    "map_chunks",
    "run_seeds",
    "simulate_runs",
]
