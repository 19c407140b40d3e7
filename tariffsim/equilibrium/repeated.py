"""Repeated 2x2 cooperation games: stage payoffs and the grim-trigger discount threshold.

In a tariff dyad each country either keeps a *low* tariff (cooperates) or
raises a *high* one (defects). For one country the four stage payoffs are

* ``R`` (reward): both low;
* ``P`` (punishment): both high;
* ``T`` (temptation): high against a partner who stays low;
* ``S`` (sucker): low against a partner who goes high.

With ``T > R > P``, mutual low tariffs are sustained by grim-trigger
strategies (revert to high tariffs forever after a defection) exactly when
the discount factor satisfies ``delta >= (T - R) / (T - P)``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError
from .normal_form import _check_int

__all__ = ["DyadPayoffs", "critical_discount", "dyad_stage_payoffs"]


@dataclass(frozen=True, slots=True)
class DyadPayoffs:
    """One country's stage payoffs in a low/high tariff dyad.

    Attributes
    ----------
    T, R, P, S : float
        Temptation, reward, punishment and sucker payoffs.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.DyadPayoffs(T=5, R=3, P=1, S=0).critical_discount()
    0.5
    """

    T: float
    R: float
    P: float
    S: float

    def critical_discount(self) -> float:
        """:func:`critical_discount` of these payoffs.

        Returns
        -------
        float

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.DyadPayoffs(T=4, R=3, P=0, S=-1).critical_discount()
        0.25
        """
        return critical_discount(self.T, self.R, self.P)

    @property
    def is_prisoners_dilemma(self) -> bool:
        """True when ``T > R > P > S`` (defecting is dominant, cooperating is better).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.DyadPayoffs(T=5, R=3, P=1, S=0).is_prisoners_dilemma
        True
        """
        return self.T > self.R > self.P > self.S


def _matrix(M: Any, name: str) -> Any:
    try:
        arr = np.array(M, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be a numeric matrix; got {M!r}.") from None
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise ParameterError(f"`{name}` must be a 2-D matrix, at least 2x2; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"`{name}` must be finite; got {arr.tolist()!r}.")
    return arr


def dyad_stage_payoffs(
    A: Any, B: Any, *, low: Any = 0, high: Any = 1
) -> tuple[DyadPayoffs, DyadPayoffs]:
    """Each country's T, R, P, S from the bimatrix of a tariff dyad.

    Parameters
    ----------
    A, B : array_like
        Row and column country's payoff matrices, same shape ``(m, n)``.
    low, high : int or pair of int, default 0 and 1
        Index of the low-tariff (cooperate) and high-tariff (defect) action; a
        pair gives separate indices for the row and the column country.

    Returns
    -------
    (DyadPayoffs, DyadPayoffs)
        Row country's, then column country's.

    Raises
    ------
    ParameterError
        If the matrices are invalid, or `low`/`high` are out of range or equal.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> A = [[3, 0], [5, 1]]
    >>> row, col = eq.dyad_stage_payoffs(A, np.transpose(A))
    >>> row
    DyadPayoffs(T=5.0, R=3.0, P=1.0, S=0.0)
    >>> row == col
    True
    """
    Am = _matrix(A, "A")
    Bm = _matrix(B, "B")
    if Am.shape != Bm.shape:
        raise ParameterError(f"`B` must have the shape of `A` {Am.shape}; got {Bm.shape}.")

    def pair(value: Any, name: str) -> tuple[int, int]:
        items = (
            [value, value]
            if isinstance(value, numbers.Integral) and not isinstance(value, bool)
            else list(value)
            if isinstance(value, tuple | list)
            else None
        )
        if items is None or len(items) != 2:
            raise ParameterError(f"`{name}` must be an int or a pair of ints; got {value!r}.")
        out = tuple(_check_int(v, name, 0) for v in items)
        for k, (v, size) in enumerate(zip(out, Am.shape, strict=True)):
            if v >= size:
                raise ParameterError(
                    f"`{name}` index for player {k} must be < {size}; got {value!r}."
                )
        return out[0], out[1]

    l1, l2 = pair(low, "low")
    h1, h2 = pair(high, "high")
    if l1 == h1 or l2 == h2:
        raise ParameterError(f"`low` and `high` must differ; got low={low!r}, high={high!r}.")
    row = DyadPayoffs(
        T=float(Am[h1, l2]), R=float(Am[l1, l2]), P=float(Am[h1, h2]), S=float(Am[l1, h2])
    )
    col = DyadPayoffs(
        T=float(Bm[l1, h2]), R=float(Bm[l1, l2]), P=float(Bm[h1, h2]), S=float(Bm[h1, l2])
    )
    return row, col


def critical_discount(T: float, R: float, P: float) -> float:
    """Smallest discount factor at which grim trigger sustains mutual cooperation.

    Cooperation forever is worth ``R / (1 - delta)``; the best deviation gives
    ``T`` once and ``P`` thereafter, worth ``T + delta P / (1 - delta)``. The
    first is at least the second exactly when ``delta >= (T - R) / (T - P)``.

    Parameters
    ----------
    T, R, P : float
        Temptation, reward and punishment payoffs (finite).

    Returns
    -------
    float
        ``(T - R) / (T - P)``, in ``(0, 1)``, when ``T > R > P``. When
        ``T <= R`` (no temptation: cooperating is already a best reply to
        cooperation) and ``R > P``, returns ``0.0``: any discount works.

    Raises
    ------
    ParameterError
        If a value is not finite, or ``R <= P``: then mutual cooperation is no
        better than the punishment and no discount factor makes the threat work.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.critical_discount(5, 3, 1)
    0.5
    >>> eq.critical_discount(2, 3, 1)
    0.0
    """
    vals: dict[str, float] = {}
    for name, v in (("T", T), ("R", R), ("P", P)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ParameterError(f"`{name}` must be a finite number; got {v!r}.")
        vals[name] = float(v)
    t, r, p = vals["T"], vals["R"], vals["P"]
    if r <= p:
        raise ParameterError(
            f"grim trigger needs R > P (cooperation better than punishment); got R={r!r}, P={p!r}."
        )
    if t <= r:
        return 0.0
    return (t - r) / (t - p)
