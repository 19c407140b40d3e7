"""Analysis on top of the engine: ensembles, sweeps, observed records, sensitivity, calibration.

- :mod:`tariffsim.analysis.runner` — :func:`~tariffsim.analysis.runner.map_chunks`,
  the one chunked-execution mechanism (in-process, any
  ``concurrent.futures.Executor`` or a ``dask.distributed.Client``), and
  :func:`~tariffsim.analysis.runner.simulate_runs`, many runs of a game in run order.
- :mod:`tariffsim.analysis.observed` — the public record of tariff measures
  (:func:`~tariffsim.analysis.observed.load`, :class:`~tariffsim.analysis.observed.ObservedPath`).
"""

from . import observed
from .runner import chunk_ranges, map_chunks, run_seeds, simulate_runs

__all__ = ["chunk_ranges", "map_chunks", "observed", "run_seeds", "simulate_runs"]
