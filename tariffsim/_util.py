"""Small internal helpers shared by several modules."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import numbers
import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FrozenDict", "as_date", "finite_number", "frozen_array", "real_array", "short_repr",
    "whole_number",
]  # fmt: skip


_T = TypeVar("_T")
F = TypeVar("F", bound=Callable[..., Any])


def frozen_array(a: ArrayLike, dtype: Any = float, *, copy: bool = True) -> NDArray[Any]:
    """A read-only copy of ``a`` as an array of ``dtype`` (for immutable results).

    ``copy=False``: ``a`` itself (made read-only) when it is an array of
    ``dtype`` already, for an array made for the result that nothing else
    holds (a copy would only cost time: a large ensemble's arrays take a
    good part of a second to copy).

    >>> a = np.zeros(3)
    >>> frozen_array(a) is a, frozen_array(a, copy=False) is a, a.flags.writeable
    (False, True, False)
    """
    arr = np.array(a, dtype=dtype, copy=True if copy else None)
    arr.flags.writeable = False
    return arr


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes (for the mappings of immutable results; it pickles,
    unlike ``types.MappingProxyType``).

    >>> d = FrozenDict(a=1)
    >>> d["b"] = 2
    Traceback (most recent call last):
    TypeError: this mapping is read-only (part of an immutable result)
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is read-only (part of an immutable result)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


def short_repr(v: Any, width: int = 80) -> str:
    """``repr(v)``, cut to ``width`` characters (ending ``...``) for error messages.

    >>> short_repr("a" * 100)
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
    """
    try:
        r = repr(v)
    except ValueError:  # an int of more digits than Python prints (4,300)
        if not isinstance(v, int | np.integer):
            raise
        return f"an int of {int(v).bit_length()} bits"
    return r if len(r) <= width else r[: width - 3] + "..."


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_date(v: Any, name: str) -> dt.date:
    """``v`` as a date: a ``datetime.date`` (or datetime), a ``numpy.datetime64`` or an ISO
    string ``YYYY-MM-DD``; else a ParameterError naming argument ``name`` and the value.

    >>> as_date("2025-05-31", "date")
    datetime.date(2025, 5, 31)
    """
    if isinstance(v, dt.datetime) and v == v:  # (pandas' NaT is a datetime, unequal to itself)
        return v.date()
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, np.datetime64) and not np.isnat(v):
        d = v.astype("datetime64[D]").astype(dt.date)
        if isinstance(d, dt.date):  # (beyond year 9999 numpy gives the days as an int)
            return d
    if isinstance(v, str) and _ISO_DATE.fullmatch(v.strip()):  # not "20250531", "2025-W22-1"
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    from .errors import ParameterError

    raise ParameterError(
        f"`{name}` must be a date or an ISO date string (YYYY-MM-DD); got {short_repr(v)}."
    )


def as_real(v: Any) -> float | None:
    """``v`` as a float when it is a real number (an int, a float, numpy's, a Fraction, a
    Decimal, a 0-d array of numbers such as an xarray scalar; not a bool, not complex, not
    text), an int beyond any float as an infinity; else None.

    >>> as_real(np.int64(7)), as_real(10**400), as_real(np.array(0.5)), as_real(True)
    (7.0, inf, 0.5, None)
    >>> as_real("1"), as_real(2 + 0j)
    (None, None)
    """
    if isinstance(v, bool | np.bool_ | str | bytes):
        return None
    if isinstance(v, decimal.Decimal):
        return float(v)
    if not isinstance(v, numbers.Real) and getattr(v, "shape", None) == ():
        try:  # a 0-d array, or what holds one (an xarray scalar): its one number
            a = np.asarray(v)
        except Exception:  # (its own conversion failing, however: it is no number)
            return None
        return as_real(a.item()) if a.shape == () and a.dtype.kind in "iuf" else None
    if not isinstance(v, numbers.Real):
        return None
    try:
        return float(v)
    except OverflowError:  # an int beyond any float
        return math.inf if v > 0 else -math.inf  # type: ignore[operator]


def probability(v: Any, name: str) -> float:
    """``v`` as a float in [0, 1] (a real number, as :func:`as_real` reads it); else a
    ParameterError naming argument ``name``.

    >>> probability(np.float32(0.5), "noise")
    0.5
    """
    x = as_real(v)
    if x is None or not 0 <= x <= 1:
        from .errors import ParameterError

        raise ParameterError(f"`{name}` must be in [0, 1]; got {short_repr(v)}.")
    return x


def finite_number(v: Any, name: str, *, finite: bool = True) -> float:
    """``v`` as a float: an int or a real float (numpy's too), not a bool, not complex, not
    NaN, finite unless ``finite=False``; else a ParameterError naming argument ``name``.

    >>> finite_number(2, "x"), finite_number(np.float32(0.5), "x")
    (2.0, 0.5)
    """
    from .errors import ParameterError

    x = as_real(v)
    if x is None:  # (a Fraction is a real number)
        raise ParameterError(f"`{name}` must be a real number; got {short_repr(v)}.")
    if math.isnan(x) or (finite and not math.isfinite(x)):
        raise ParameterError(f"`{name}` must be finite; got {short_repr(v)}.")
    return x


def replaced(obj: _T, changes: dict[str, Any], *, hint: str = "") -> _T:
    """``dataclasses.replace(obj, **changes)`` with a field ``obj`` lacks named first.

    Raises
    ------
    ParameterError
        For a name that is not a field of ``obj``'s class (a typo such as ``nosie``), with
        the closest field names, or all of them; ``hint`` is added to the message.
    """
    import dataclasses
    import difflib

    from .errors import ParameterError

    names = [f.name for f in dataclasses.fields(obj) if f.init]  # type: ignore[arg-type]
    bad = [k for k in changes if k not in names]
    if bad:
        near = difflib.get_close_matches(str(bad[0]), names, n=3, cutoff=0.6)
        known = f"did you mean {', '.join(near)}?" if near else f"fields: {', '.join(names)}"
        raise ParameterError(
            f"{type(obj).__name__} has no field {short_repr(bad[0])}; {known}{hint}"
        )
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


def did_you_mean(value: Any, names: Any, n: int = 3, cutoff: float = 0.6) -> str:
    """``"did you mean 'tit-for-tat'? "``: the names closest to a misspelt ``value``
    (:func:`difflib.get_close_matches`), quoted, or "" when none is close.

    >>> did_you_mean("titfortat", ["hold", "tit-for-tat", "pavlov"])
    "did you mean 'tit-for-tat'? "
    """
    import difflib

    near = difflib.get_close_matches(str(value), [str(x) for x in names], n=n, cutoff=cutoff)
    return f"did you mean {' or '.join(repr(x) for x in near)}? " if near else ""


def one_of(value: Any, choices: Any) -> bool:
    """Whether ``value`` is a string among ``choices`` (names: a tuple, a dict's keys, ...).

    ``value in choices`` alone raises numpy's "truth value of an array is ambiguous" for
    an array and ``TypeError`` for a list among a dict's keys; a check that refuses such a
    value names it instead.

    >>> one_of("jump", ("step", "jump")), one_of(np.array(["step", "jump"]), ("step",))
    (True, False)
    """
    return isinstance(value, str) and value in choices


def whole_number(v: Any, name: str, minimum: int = 0) -> int:
    """``v`` as an int >= ``minimum``: a Python or numpy integer, not a bool, not a float
    (``2.0`` is refused: a count is never a measurement); else a ParameterError naming
    argument ``name``.

    >>> whole_number(np.int64(3), "runs", 1)
    3
    """
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral) or v < minimum:
        from .errors import ParameterError

        raise ParameterError(f"`{name}` must be an int >= {minimum}; got {short_repr(v)}.")
    return int(v)


def check_bool(value: Any, name: str) -> bool:
    """``value`` if it is a bool (numpy's too); else a ParameterError naming argument ``name``.

    >>> check_bool(np.True_, "flag")
    True
    """
    if not isinstance(value, bool | np.bool_):
        from .errors import ParameterError

        raise ParameterError(f"`{name}` must be True or False; got {short_repr(value)}.")
    return bool(value)


def real_array(values: Any, name: str) -> NDArray[np.float64]:
    """``values`` as a float array: real numbers only (booleans, complex values, strings,
    objects and ints beyond any float are a ParameterError naming argument ``name``;
    finiteness and shape are the caller's to check).

    >>> real_array([1, 2.5], "x")
    array([1. , 2.5])
    """
    from .errors import ParameterError

    if isinstance(values, np.ma.MaskedArray) and np.ma.is_masked(values):
        raise ParameterError(
            f"`{name}` is a masked array with masked entries; give every value (a masked "
            f"entry has no value to use); got {short_repr(values)}."
        )
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError, OverflowError):
        raw = None
    if raw is None or raw.dtype.kind not in "iuf":  # no bools: True is not a value
        real = raw is not None and raw.dtype.kind == "O" and all(x is not None for x in raw.flat)
        if real and not _holds_bool(raw):  # big ints, mixed lists: try each
            try:
                return np.array(values, dtype=float)
            except OverflowError:
                raise ParameterError(
                    f"`{name}` holds a number beyond any float; got {short_repr(values)}."
                ) from None
            except (TypeError, ValueError):
                pass
        raise ParameterError(f"`{name}` must be real numbers; got {short_repr(values)}.")
    if not isinstance(values, np.ndarray) and raw.size and _holds_bool(values):
        # numpy reads True as 1 in a list of numbers
        raise ParameterError(f"`{name}` must be real numbers; got {short_repr(values)}.")
    return np.array(raw, dtype=float)


def labels_of(values: Any) -> str | None:
    """The labels of a pandas Series or DataFrame or an xarray DataArray whose axes carry
    labels other than positions 0, 1, ... (numpy reads it by position, dropping them), or
    None.

    >>> import pandas as pd
    >>> labels_of(pd.Series([0.1, 0.2], index=["US", "CN"])), labels_of(pd.Series([0.1]))
    ("Series with labels ['US', 'CN']", None)
    """
    mod = type(values).__module__.split(".")[0]
    if mod == "pandas":
        axes = [getattr(values, a) for a in ("index", "columns") if hasattr(values, a)]
    elif mod == "xarray":
        coords = getattr(values, "coords", {})
        axes = [coords[d].to_index() for d in getattr(values, "dims", ()) if d in coords]
    else:
        return None
    for ax in axes:
        try:
            positions = list(ax) == list(range(len(ax)))
        except TypeError:
            positions = False
        if not positions:
            return f"{type(values).__name__} with labels {short_repr(list(ax))}"
    return None


_BOOL_TYPES = frozenset({bool, np.bool_})
_SCALAR_TYPES = frozenset({int, float, np.float64, np.float32, np.int64, np.int32})


def holds_no_number(values: Any) -> bool:
    """Whether ``values`` holds text or None where numbers belong: itself, or anywhere in it
    (numpy reads ``"0.3"`` as 0.3 and None as NaN, so a float conversion alone lets both
    through). Values numpy cannot make an array of are left to the conversion to refuse."""
    if values is None or isinstance(values, str | bytes):
        return True
    if isinstance(values, int | float | np.number):
        return False
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return False
    if arr.dtype.kind in "USV":
        return True
    return arr.dtype.kind == "O" and any(
        x is None or isinstance(x, str | bytes) for x in arr.reshape(-1).tolist()
    )


def _holds_bool(values: Any) -> bool:
    """Whether ``values`` holds a boolean: itself, or anywhere in its nested lists, tuples
    and arrays (a bool array, or one of objects holding one); a frame or series is read
    through ``numpy.asarray``. Plain numbers are not looked at one by one."""
    if type(values) in _BOOL_TYPES:
        return True
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "b":
            return True
        return values.dtype.kind == "O" and _holds_bool(values.ravel().tolist())
    if isinstance(values, list | tuple):
        kinds = set(map(type, values))
        if kinds & _BOOL_TYPES:
            return True
        if kinds <= _SCALAR_TYPES:
            return False
        return any(_holds_bool(x) for x in values if type(x) not in _SCALAR_TYPES)
    if hasattr(values, "__array__"):  # a pandas frame or series, an array-like
        try:
            return _holds_bool(np.asarray(values))
        except (TypeError, ValueError):
            return False
    return False


def is_flag(m: Any) -> bool:
    """Whether ``m`` is a boolean (``True``, ``np.True_``, a boolean array of any shape),
    which tariffsim refuses where a number is asked for (a move, a count, a seed)."""
    return isinstance(m, bool | np.bool_) or (isinstance(m, np.ndarray) and m.dtype.kind == "b")


SEED_BITS = 4096
"""Seeds are ints in ``[0, 2**SEED_BITS)``: NumPy's ``SeedSequence`` takes any size (its
advice for a fresh seed is the 128-bit ``SeedSequence().entropy``), and below this bound a
seed still prints and is stored as text (Python prints no int of more than 4,300 digits)."""


def seed_text(seed: Any) -> str:
    """A seed as titles and summaries print it: whole up to 20 digits, else its first digits
    and its length (``1234567890…(39 digits)``), so that a 128-bit seed does not push a
    chart's title off the figure. Anything else as ``str``."""
    text = str(seed)
    if isinstance(seed, int | np.integer) and len(text) > 20:
        return f"{text[:10]}…({len(text)} digits)"
    return text


def is_seed(s: Any) -> bool:
    """Whether ``s`` is an integer seed (not a bool) in ``[0, 2**SEED_BITS)``."""
    return (
        not isinstance(s, bool | np.bool_)
        and isinstance(s, int | np.integer)
        and 0 <= s < 2**SEED_BITS
    )


def literal_text(fn: F) -> F:
    """A chart function whose text is drawn as written: a "$" in a scenario's name, title or
    event label is a dollar sign, not matplotlib's math markup (which failed to parse
    ``"$x^$"`` when the figure was drawn). Text objects read ``text.parse_math`` when made,
    so the setting holds for the figure after the call."""

    @functools.wraps(fn)
    def drawn(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return fn(*args, **kwargs)

    return cast(F, drawn)
