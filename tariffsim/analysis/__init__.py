"""Analysis on top of the engine: ensembles, sweeps, observed records, sensitivity, calibration.

- :mod:`tariffsim.analysis.runner` — :func:`~tariffsim.analysis.runner.map_chunks`,
  the one chunked-execution mechanism (in-process, any
  ``concurrent.futures.Executor`` or a ``dask.distributed.Client``), and
  :func:`~tariffsim.analysis.runner.simulate_runs`, many runs of a game in run order.
- :mod:`tariffsim.analysis.ensemble` — :func:`tariffsim.ensemble` and the
  :class:`~tariffsim.analysis.ensemble.Ensemble` it returns (bands,
  probabilities, fan chart, xarray/pandas export); with ``keep="summary"`` the
  :class:`~tariffsim.analysis.summary.EnsembleSummary` of counts reduced on the workers.
- :mod:`tariffsim.analysis.reduce` — the mergeable reductions behind it (exact
  tariff counts, fixed-grid histograms, :class:`~tariffsim.analysis.reduce.Threshold` events).
- :mod:`tariffsim.analysis.distributions` — distributions of uncertain parameters.
- :mod:`tariffsim.analysis.vary` — parameter draws, from distributions or the claims' ranges.
- :mod:`tariffsim.analysis.observed` — the public record of tariff measures
  (:func:`~tariffsim.analysis.observed.load`, :class:`~tariffsim.analysis.observed.ObservedPath`).
- :mod:`tariffsim.analysis.sensitivity` — global sensitivity (Sobol, Morris) with SALib.
- :mod:`tariffsim.analysis.calibrate` — fitting parameters to an observed path, forecast checks.

``ts.ensemble``, ``ts.sensitivity`` and ``ts.calibrate`` are the functions;
``tariffsim.analysis.ensemble`` etc. the modules.
"""

from . import observed
from .distributions import Beta, Distribution, LogNormal, Normal, Triangular, Uniform
from .ensemble import Bands, Ensemble, RunView
from .reduce import Threshold
from .runner import chunk_ranges, fold_chunks, map_chunks, run_seeds, simulate_runs
from .summary import EnsembleSummary

__all__ = [
    "Bands",
    "Beta",
    "Distribution",
    "Ensemble",
    "EnsembleSummary",
    "LogNormal",
    "Normal",
    "RunView",
    "Threshold",
    "Triangular",
    "Uniform",
    "chunk_ranges",
    "fold_chunks",
    "map_chunks",
    "observed",
    "run_seeds",
    "simulate_runs",
]
