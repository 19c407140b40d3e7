"""Analysis on top of the engine: ensembles, sweeps and the chunked runner they share.

- :mod:`tariffsim.analysis.runner` — :func:`~tariffsim.analysis.runner.map_chunks`,
  the one chunked-execution mechanism (in-process, any
  ``concurrent.futures.Executor`` or a ``dask.distributed.Client``), and
  :func:`~tariffsim.analysis.runner.simulate_runs`, many runs of a game in run order.
"""

from .runner import chunk_ranges, map_chunks, run_seeds, simulate_runs

__all__ = ["chunk_ranges", "map_chunks", "run_seeds", "simulate_runs"]
