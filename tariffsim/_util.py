"""Small internal helpers shared by several modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_date", "frozen_array", "short_repr"]


def frozen_array(a: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    """A read-only copy of ``a`` as an array of ``dtype`` (for immutable results)."""
    arr = np.array(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


def short_repr(v: Any, width: int = 80) -> str:
    """``repr(v)``, cut to ``width`` characters (ending ``...``) for error messages.

    >>> short_repr("a" * 100)
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
    """
    r = repr(v)
    return r if len(r) <= width else r[: width - 3] + "..."


def as_date(v: Any, name: str) -> dt.date:
    """``v`` as a date: a ``datetime.date`` (or datetime), a ``numpy.datetime64`` or an ISO
    string ``YYYY-MM-DD``; else a ParameterError naming argument ``name`` and the value.

    >>> as_date("2025-05-31", "date")
    datetime.date(2025, 5, 31)
    """
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64):
        d: dt.date = v.astype("datetime64[D]").astype(dt.date)
        return d
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    from .errors import ParameterError

    raise ParameterError(
        f"`{name}` must be a date or an ISO date string (YYYY-MM-DD); got {short_repr(v)}."
    )
