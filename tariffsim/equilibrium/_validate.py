"""Shared argument checks of the equilibrium solvers.

Every solver validates its arguments here, before any work, so that bad input
always raises a :class:`~tariffsim.errors.ParameterError` naming the argument,
the rule and the value.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..errors import ParameterError

__all__ = ["check_discount", "check_pos_int", "check_tol"]


def check_discount(discount: Any, name: str = "discount") -> float:
    """Return ``discount`` as a float in [0, 1)."""
    if (
        isinstance(discount, bool)
        or not isinstance(discount, numbers.Real)
        or not math.isfinite(float(discount))
        or not 0 <= float(discount) < 1
    ):
        raise ParameterError(f"`{name}` must be in [0, 1); got {discount!r}.")
    return float(discount)


def check_pos_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(f"`{name}` must be an int >= 1; got {value!r}.")
    return int(value)


def check_tol(tol: Any, name: str = "tol") -> float:
    """Return ``tol`` as a finite float > 0."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not float(tol) > 0:
        raise ParameterError(f"`{name}` must be a number > 0; got {tol!r}.")
    if not math.isfinite(float(tol)):
        raise ParameterError(f"`{name}` must be finite; got {tol!r}.")
    return float(tol)
