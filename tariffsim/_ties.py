"""Ties between payoffs: one relative tolerance for every choice a strategy or a deal makes.

Two payoffs are compared to a tolerance relative to their own size (:data:`TIE_RTOL`),
never an absolute one, so that multiplying every payoff by a positive constant (a change
of units: % of GDP to dollars, or term weights all scaled) never changes a choice: which
profile a best response takes, whether a move pays, whether a deal gains each party. With
a power of two the comparisons are the very same bits. The tolerance is the better
payoff's own: an option far worse than the two compared (a catastrophe) never widens it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["TIE_RTOL", "beats", "best_index", "ties"]

TIE_RTOL = 1e-12
"""Relative tolerance of a tie: ``x`` ties the better payoff ``top`` when
``top - x <= TIE_RTOL * |top|`` (an infinite ``top`` is tied by an equal infinity alone).
Relative, so that scaling every payoff by a positive constant never changes a choice: an
absolute tolerance made every profile a tie once payoffs were small (scaled by 1e-12, the
myopic best response held whatever it faced). The better payoff's own size, so that no
third option (a catastrophe far below) widens the tie between two."""


def _tol(top: Any) -> Any:
    """``TIE_RTOL * |top|``, elementwise; 0 for an infinite ``top``."""
    m = np.abs(top)
    return TIE_RTOL * np.where(m < np.inf, m, 0.0)


def ties(x: Any, top: Any) -> Any:
    """Whether ``x`` ties or beats ``top`` (elementwise): ``x >= top - TIE_RTOL * |top|``.

    NaN ties nothing and nothing ties NaN.
    """
    return x >= top - _tol(top)


def beats(x: Any, y: Any) -> Any:
    """Whether ``x`` exceeds ``y`` by more than a tie (elementwise): ``y < x - TIE_RTOL * |x|``.

    A gain ``x - y`` counts only beyond ``TIE_RTOL`` of the better payoff's size, so that
    noise in the last bits never makes a deal or a move; NaN beats nothing.
    """
    return y < x - _tol(x)


def best_index(pay: NDArray[np.float64]) -> NDArray[np.intp]:
    """Per row of ``pay`` (..., P), the first entry that ties the row's best (:func:`ties`).

    A row with a NaN (whose best is NaN) gives 0, as ``np.argmax`` of no match does. For a
    few profiles (``P <= 9``, the common case: 3 a target) the columns are compared one by
    one, which gives the same indices as the reduction over the short last axis, faster.
    A 1-d ``pay`` is one row (a 0-d index).
    """
    pay = np.asarray(pay, dtype=np.float64)
    P = pay.shape[-1] if np.ndim(pay) >= 1 else 0
    if not 0 < P <= 9:
        return np.argmax(ties(pay, pay.max(axis=-1, keepdims=True)), axis=-1)
    cols = [pay[..., q] for q in range(P)]
    top = cols[0]
    for c in cols[1:]:
        top = np.maximum(top, c)
    bar = top - _tol(top)  # (what ties the best, once a row)
    out = np.zeros(top.shape, dtype=np.intp)
    for q in range(P - 1, 0, -1):  # the first match wins: written last
        out[cols[q] >= bar] = q
    out[cols[0] >= bar] = 0
    return out
