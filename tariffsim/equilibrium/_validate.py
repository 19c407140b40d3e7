"""Shared argument checks of the solvers (equilibrium, learning and evolutionary).

Every solver validates its arguments here, before any work, so that bad input
always raises a :class:`~tariffsim.errors.ParameterError` naming the argument,
the rule and the value; no foreign exception (numpy's, scipy's) escapes.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from .._util import check_bool, finite_number, short_repr
from ..errors import ParameterError

__all__ = [
    "check_bool",
    "check_discount",
    "check_int",
    "check_int_vector",
    "check_lambda",
    "check_pos_int",
    "check_real",
    "check_rng",
    "check_tol",
    "deadline_of",
]


def check_real(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_min: bool = False,
    open_max: bool = False,
    finite: bool = True,
) -> float:
    """Return ``value`` as a float after checking type, finiteness and bounds.

    Raises
    ------
    ParameterError
        Naming ``name``, the rule and the value.
    """
    lo = "(" if open_min or minimum is None else "["
    hi = ")" if open_max or maximum is None else "]"  # an infinite end is never included
    rule = ""
    if minimum is not None or maximum is not None:
        a = "-inf" if minimum is None else f"{minimum:g}"
        b = "inf" if maximum is None else f"{maximum:g}"
        rule = f" in {lo}{a}, {b}{hi}"
    what = f"a {'finite ' if finite else ''}number{rule}"
    got = short_repr(value)
    try:  # a real number, an int beyond any float as an infinity; not NaN, not a bool
        x = finite_number(value, name, finite=False)
    except ParameterError:
        raise ParameterError(f"`{name}` must be {what}; got {got}.") from None
    if finite and not math.isfinite(x):
        raise ParameterError(f"`{name}` must be {what}; got {got}.")
    if minimum is not None and (x < minimum or (open_min and x == minimum)):
        raise ParameterError(f"`{name}` must be {what}; got {got}.")
    if maximum is not None and (x > maximum or (open_max and x == maximum)):
        raise ParameterError(f"`{name}` must be {what}; got {got}.")
    return x


def check_int(value: Any, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` as an int in ``[minimum, maximum]`` (bools and floats refused)."""
    rule = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"`{name}` must be an integer {rule}; got {value!r}.")
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        raise ParameterError(f"`{name}` must be an integer {rule}; got {value!r}.")
    return v


def check_pos_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1."""
    return check_int(value, name, 1)


def check_rounds(value: Any, name: str = "rounds", game: Any = None, first: int = 0) -> int:
    """Return ``value`` as an int >= 1 within the ``max_rounds`` limit (:mod:`tariffsim.limits`)
    and, given the ``game`` it is played in, within the calendar: ``value`` rounds from round
    ``first`` end by 9999-12-31 (:func:`tariffsim.engine.check_calendar`)."""
    v = check_pos_int(value, name)
    limits.check("max_rounds", v, name)
    if game is not None:
        from ..engine import check_calendar

        check_calendar(game, v, first, name)
    return v


def check_tol(tol: Any, name: str = "tol") -> float:
    """Return ``tol`` as a finite float > 0."""
    return check_real(tol, name, minimum=0.0, open_min=True)


def check_discount(discount: Any, name: str = "discount") -> float:
    """Return ``discount`` as a float in [0, 1)."""
    return check_real(discount, name, minimum=0.0, maximum=1.0, open_max=True)


def check_lambda(value: Any, name: str = "lam") -> float:
    """Return a logit precision as a finite float >= 0."""
    return check_real(value, name, minimum=0.0)


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """A :class:`numpy.random.Generator` from a seed, a SeedSequence, a Generator or None.

    A seed must be an int >= 0 (numpy refuses negative seeds with its own error).
    """
    if rng is None or isinstance(rng, np.random.Generator | np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise ParameterError(
        f"`{name}` must be None, an int >= 0, a numpy SeedSequence or Generator; got {rng!r}."
    )


def check_int_vector(
    values: Any, name: str, *, length: int | None = None, minimum: int = 0
) -> NDArray[np.int64]:
    """Return ``values`` as a 1-D int64 array; non-integral entries (1.5) are refused."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be a sequence of integers; got {values!r}.") from None
    size = f" of length {length}" if length is not None else ""
    if raw.ndim != 1 or (length is not None and raw.shape[0] != length):
        raise ParameterError(f"`{name}` must be a 1-D sequence{size}; got {values!r}.")
    if (
        raw.dtype.kind not in "iuf"
        or raw.dtype == object
        or (
            not isinstance(values, np.ndarray)
            and any(isinstance(v, bool | np.bool_) for v in list(values))
        )
    ):
        raise ParameterError(f"`{name}` must hold integers; got {values!r}.")
    if raw.dtype.kind == "f" and (not np.all(np.isfinite(raw)) or not np.all(raw == np.round(raw))):
        raise ParameterError(f"`{name}` must hold whole numbers; got {values!r}.")
    out = raw.astype(np.int64)
    if out.size and int(out.min()) < minimum:
        raise ParameterError(f"`{name}` must hold integers >= {minimum}; got {values!r}.")
    return out


def deadline_of(max_seconds: Any) -> float | None:
    """The ``time.monotonic()`` deadline ``max_seconds`` from now (None: no limit).

    Raises :class:`ParameterError` unless ``max_seconds`` is None or a finite
    number > 0.
    """
    if max_seconds is None:
        return None
    try:
        sec = finite_number(max_seconds, "max_seconds")
    except ParameterError:
        sec = math.nan
    if not sec > 0:
        raise ParameterError(
            f"`max_seconds` must be a finite number > 0; got {short_repr(max_seconds)}."
        )
    return time.monotonic() + sec
