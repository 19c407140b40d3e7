"""Ties between payoffs: one relative tolerance for every choice a strategy or a deal makes.

Payoffs are compared to a tolerance relative to their own size (:data:`TIE_RTOL`), never
an absolute one, so that multiplying every payoff by a positive constant (a change of
units: % of GDP to dollars, or term weights all scaled) never changes a choice: which
profile a best response takes, whether a move pays, whether a deal gains each party.
With a power of two the comparisons are the very same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["TIE_RTOL", "beats", "best_index", "tie_bar"]

TIE_RTOL = 1e-12
"""Relative tolerance of a tie between payoffs: ``x`` ties the best ``top`` of its row when
``x >= top - TIE_RTOL * m``, ``m`` the largest magnitude in the row (``max |x|``).

Relative, so that scaling every payoff by a positive constant (a change of units) never
changes a choice; an absolute tolerance made every profile a tie once payoffs were small
(scaled by 1e-12, the myopic best response held whatever it faced)."""


def tie_bar(top: Any, low: Any) -> Any:
    """The least payoff that ties ``top``, the best of a row whose least is ``low``.

    ``top - TIE_RTOL * max(|top|, |low|)``, elementwise (arrays or floats), an infinite
    ``top`` or ``low`` left out of the magnitude: a best of ``inf`` is tied by ``inf`` alone,
    and a least of ``-inf`` does not widen the tie of a finite best. A row whose best is NaN
    gives NaN (nothing ties it).
    """
    a, b = np.abs(top), np.abs(low)
    return top - TIE_RTOL * np.maximum(np.where(a < np.inf, a, 0.0), np.where(b < np.inf, b, 0.0))


def best_index(pay: NDArray[np.float64]) -> NDArray[np.intp]:
    """Per row of ``pay`` (..., P), the first entry that ties the row's best (:func:`tie_bar`).

    A row with a NaN (whose best is NaN) gives 0, as ``np.argmax`` of no match does. For a
    few profiles (``P <= 9``, the common case: 3 a target) the columns are compared one by
    one, which gives the same indices as the reduction over the short last axis, faster.
    A 1-d ``pay`` is one row (a 0-d index).
    """
    pay = np.asarray(pay, dtype=np.float64)
    P = pay.shape[-1] if np.ndim(pay) >= 1 else 0
    if not 0 < P <= 9:
        bar = tie_bar(pay.max(axis=-1, keepdims=True), pay.min(axis=-1, keepdims=True))
        return np.argmax(pay >= bar, axis=-1)
    cols = [pay[..., q] for q in range(P)]
    top = cols[0]
    low = cols[0]
    for c in cols[1:]:
        top = np.maximum(top, c)
        low = np.minimum(low, c)
    bar = tie_bar(top, low)
    out = np.zeros(top.shape, dtype=np.intp)
    for q in range(P - 1, 0, -1):  # the first match wins: written last
        out[cols[q] >= bar] = q
    out[cols[0] >= bar] = 0
    return out


def beats(x: Any, y: Any) -> Any:
    """Whether ``x`` exceeds ``y`` by more than a tie (elementwise): ``y < tie_bar(x, y)``.

    A gain ``x - y`` counts only beyond ``TIE_RTOL`` of the larger magnitude of the two,
    so that noise in the last bits never makes a deal or a move; NaN beats nothing.
    """
    return y < tie_bar(x, y)
