"""Analysis on top of the engine: observed records, sensitivity and calibration.

- :mod:`tariffsim.analysis.observed` — the public record of tariff measures
  (:func:`~tariffsim.analysis.observed.load`, :class:`~tariffsim.analysis.observed.ObservedPath`).
- :mod:`tariffsim.analysis.sensitivity` — global sensitivity (Sobol, Morris) with SALib.
- :mod:`tariffsim.analysis.calibrate` — fitting parameters to an observed path, and
  forecast checks against baselines.
"""

from . import observed

__all__ = ["observed"]
