r"""Mergeable reductions of runs: exact tariff counts, fixed-grid histograms, event counts.

A summary-only ensemble (``ts.ensemble(..., keep="summary")``) reduces each
chunk of runs, on the worker that played it, to the integer counts defined
here; only those travel back, and the counts of all chunks are added. Every
count is an integer and every merge an addition of integers into a table
whose keys are sorted, so the merged result is the same, bit for bit,
whatever the chunking, the number of workers and the order in which chunks
finish.

The reductions, per chunk of runs:

- **tariffs** (:class:`TariffCounts`): for each round ``t``, dyad ``d`` and
  value ``v`` the tariff takes, the number of runs with tariff ``v`` on ``d``
  at ``t``; and for each dyad and value the number of runs whose *peak* on
  that dyad is ``v``. Tariffs sit on their ladders' rungs (plus the few values
  events set), so the table is small and keeps every value exactly: the
  quantiles computed from it are those of ``numpy.quantile`` over the runs,
  bit for bit (:func:`quantiles_from_counts`).
- **indicators** (:class:`Histogram`): recession odds, approval, payoff and
  drawdown are continuous; each value ``x`` is counted in the bin ``k =
  rint(x / w)`` of a fixed grid of width ``w`` (:data:`RESOLUTION`), which
  stands for the value ``k w``. A quantile from the histogram is the
  ``numpy.quantile`` of those grid values, so it is within ``w / 2`` of the
  exact quantile of the runs (each order statistic moves by at most ``w/2``
  and the interpolation between two of them is a convex combination). The
  mean is exact on the grid (an integer sum), so within ``w / 2`` too.
- **events** (:class:`Threshold` or a function of a
  :class:`~tariffsim.engine.PathBatch`): the number of runs where the event
  holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._util import _holds_bool, as_date, finite_number, short_repr
from .._util import frozen_array as _ro
from ..errors import LimitError, ParameterError, UnknownNameError
from ..path import GDP_RATE
from ..path import INDICATORS as _PATH_INDICATORS
from ..schema import PERCENT_SUSPECT

__all__ = [
    "CONTROL",
    "INDICATORS",
    "MAX_LEVELS",
    "MIN_WIDTH",
    "RESOLUTION",
    "Histogram",
    "TariffCounts",
    "Threshold",
    "quantiles_from_counts",
    "round_on",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

INDICATORS = _PATH_INDICATORS
"""Per-country indicators of a compact record that an ensemble keeps: recession odds and
approval (fractions), payoff (% of GDP a year) and equity drawdown (index %), each ``(R, T+1, n)``
in a full ensemble (``tariffsim.analysis.ensemble.INDICATORS`` is this tuple, a path's
:data:`tariffsim.path.INDICATORS` too)."""

SERIES_ATTRS: Mapping[str, Mapping[str, str]] = {
    "tariff": {"long_name": "headline tariff of the importer on the exporter (1.45 is 145%)",
               "units": "1"},
    "high": {"long_name": "highest headline tariff of the round, after any decision step",
             "units": "1"},
    "control": {"long_name": "export control: share of the withholder's critical exports to "
                "the target withheld", "units": "1"},
    "recession": {"long_name": "12-month recession odds", "units": "1"},
    "approval": {"long_name": "government approval", "units": "1"},
    "payoff": {"long_name": "payoff of the round, at an annual rate", "units": GDP_RATE},
    "drawdown": {"long_name": "equity drawdown", "units": "index %"},
}  # fmt: skip
"""NetCDF attributes (CF ``long_name`` and ``units``; ``"1"``: a fraction) of the tariff, the
export control and each indicator, as the exports of ensembles and their summaries label them."""

RESOLUTION: Mapping[str, float] = {
    "recession": 1e-3,
    "approval": 1e-3,
    "payoff": 1e-3,
    "drawdown": 1e-2,
}
"""Default bin width of each indicator's histogram, in the indicator's unit.

Recession odds and approval are fractions: a width of 0.001 is 0.1 percentage
point. Payoff is in % of GDP: 0.001 percentage point of GDP. Drawdown is in
index percent: 0.01 index point. Quantiles and means from the histograms are
within half a width of the exact ones. (A fan chart is drawn at 100 pixels
per 100 percentage points or so: 0.1 point is far below what it shows.)"""

MAX_LEVELS = 4096
"""Most distinct tariff values a summary counts exactly (ladders have a dozen rungs)."""

MIN_WIDTH = 1e-9
"""Finest bin width of an indicator's histogram, in the indicator's unit (checked before
any run). A bin's number ``rint(x / width)`` is an int64: at this width every value below
4.6e9 units in size has one (an indicator beyond that is a ``LimitError``)."""

MAX_WIDTH = 100.0
"""Coarsest bin width of an indicator's histogram, in the indicator's unit: no indicator
spans more (fractions, % of GDP, index %); a wider bin holds every run in bin 0."""

_MAX_BIN = 2.0**62
"""Bin numbers stay below this in size."""


# ---------------------------------------------------------------------------
# quantiles from counts, exactly as numpy.quantile
# ---------------------------------------------------------------------------
def check_threshold(at_least: Any, at_most: Any) -> tuple[float | None, float | None]:
    """Exactly one of ``at_least``/``at_most``, a finite number (as floats); ParameterError
    otherwise.

    >>> check_threshold(None, 0.3)
    (None, 0.3)
    """
    if (at_least is None) == (at_most is None):
        raise ParameterError("give exactly one of `at_least` and `at_most`.")
    out: list[float | None] = []
    for k, v in (("at_least", at_least), ("at_most", at_most)):
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                raise ParameterError(f"`{k}` must be a number; got {short_repr(v)}.")
            try:
                v = float(v)
            except OverflowError:  # an int beyond any float
                v = math.inf
            if not math.isfinite(v):
                raise ParameterError(f"`{k}` must be finite; got {short_repr(v)}.")
        out.append(v)
    return out[0], out[1]


_FRACTION_TOPS = {"tariff": PERCENT_SUSPECT, "recession": 1.0, "approval": 1.0, "control": 1.0}
"""Levels above which a tariff (500%) or odds, approval and export controls (fractions) were
surely written in percent."""

CONTROL = "control"
"""The series name of an export control: ``("control", "CN->US")`` is China's export control
on the US (a share of its critical exports withheld) in a :class:`Threshold` and in
``quantiles``, ``mean``, ``peak`` and ``peak_quantiles`` of an ensemble, as
``("recession", "US")`` is an indicator and ``("US", "CN")`` a tariff. (A country code
starts with a capital letter, so none is ``"control"``.)"""


def warn_if_percent(a: str, level: Any, stacklevel: int = 4) -> None:
    """A PlausibilityWarning for a tariff, recession, approval or control level that reads as
    percent (``at_least=145`` for 145%: no run ever reaches it); ``a`` names the series
    (an importer, an indicator or :data:`CONTROL`), ``stacklevel`` the caller to name."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.integer | np.floating):
        return  # (what is no number is refused by the checks of the level)
    try:
        v = float(level)
    except OverflowError:  # (an int beyond any float: refused by those checks too)
        return
    what = a if a in INDICATORS or a == CONTROL else "tariff"
    top = _FRACTION_TOPS.get(what)
    if top is not None and math.isfinite(v) and abs(v) > top:
        import warnings

        from ..errors import PlausibilityWarning

        warnings.warn(
            f"a {what} level of {v:g}: {what} levels are fractions "
            f"({v / 100:g} is {v:g}%); did you mean {v / 100:g}?",
            PlausibilityWarning,
            stacklevel=stacklevel,
        )


def check_levels(q: Any) -> Array:
    """Quantile levels (numbers) as a 1-D float array in [0, 1], each once; ParameterError
    otherwise."""
    try:
        raw = np.asarray(q)
        if raw.dtype.kind not in "iuf" or _holds_bool(q):  # not strings, booleans or objects
            raise TypeError
        qs = np.atleast_1d(raw.astype(float))
    except (TypeError, ValueError):
        raise ParameterError(f"`q` must be levels in [0, 1]; got {short_repr(q)}.") from None
    if qs.ndim != 1 or not len(qs) or np.any(~np.isfinite(qs)) or np.any((qs < 0) | (qs > 1)):
        raise ParameterError(f"`q` must be levels in [0, 1]; got {short_repr(q)}.")
    if len(np.unique(qs)) < len(qs):  # one column per level in tables and exports
        raise ParameterError(f"`q` must not hold a level twice; got {short_repr(q)}.")
    if len(set(qlabels(qs))) < len(qs):
        raise ParameterError(
            f"`q`: levels {short_repr(q)} are too close to tell apart in a column label "
            "(in percent, to 17 digits); give levels further apart."
        )
    return qs


def qlabels(qs: Any) -> list[str]:
    """Column labels of levels ``qs`` (``q5``, ``q50``…), with more digits where the short ones
    would coincide (as many as 17: :func:`check_levels` refuses levels that still coincide).

    >>> qlabels([0.05, 0.5]), qlabels([0.1234561, 0.1234562])
    (['q5', 'q50'], ['q12.34561', 'q12.34562'])
    """
    qs = [float(x) for x in np.asarray(qs, dtype=float).reshape(-1)]
    for fmt in ("g", ".15g", ".17g"):
        labels = [f"q{100 * x:{fmt}}" for x in qs]
        if len(set(labels)) == len(labels):
            break
    return labels


def quantiles_from_counts(
    qs: Array, n: int, value_at_rank: Callable[[NDArray[np.intp]], Array]
) -> Array:
    """``numpy.quantile`` (linear method) of ``n`` values known through their order statistics.

    Parameters
    ----------
    qs : ndarray, shape (k,)
        Levels in [0, 1].
    n : int
        Number of values, >= 1.
    value_at_rank : callable
        ``ranks (k,) -> values (k, ...)``: the ``ranks[m]``-th smallest value
        (0-based) of each series.

    Returns
    -------
    ndarray, shape (k, ...)
        The same floating-point operations as ``numpy.quantile`` on the
        values themselves (virtual index ``(n - 1) q``, the two order
        statistics around it, numpy's two-sided linear interpolation), so the
        result is bit-identical.

    Examples
    --------
    >>> x = np.array([0.3, 0.1, 0.1, 0.2])
    >>> s = np.sort(x)
    >>> qs = np.array([0.1, 0.5, 0.95])
    >>> bool((quantiles_from_counts(qs, 4, lambda r: s[r]) == np.quantile(x, qs)).all())
    True
    """
    v = (n - 1) * qs
    prev = np.floor(v)
    above = v >= n - 1
    prev_i = prev.astype(np.intp)
    next_i = prev_i + 1
    prev_i[above] = -1
    next_i[above] = -1
    gamma = np.asarray(v - prev_i, dtype=v.dtype)
    a = value_at_rank(np.where(prev_i < 0, n - 1, prev_i))
    b = value_at_rank(np.where(next_i < 0, n - 1, next_i))
    t = gamma.reshape((-1,) + (1,) * (a.ndim - 1))
    diff = b - a
    out = np.add(a, diff * t)
    np.subtract(b, diff * (1 - t), out=out, where=np.broadcast_to(t >= 0.5, out.shape))
    return out


# ---------------------------------------------------------------------------
# tariffs: exact value counts
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TariffCounts:
    """Exact counts of tariff values per round and dyad, and of each run's peak per dyad.

    (The export controls are counted by the same class, per control dyad: they too
    sit on their ladders' rungs.)

    Attributes
    ----------
    levels : ndarray, shape (L,)
        Every value some dyad's tariff took in some run and round, sorted
        (fractions; -0.0 counted as 0.0).
    counts : ndarray of int64, shape (T+1, D, L)
        ``counts[t, d, l]``: runs whose tariff on dyad ``d`` in round ``t`` is
        ``levels[l]``. Sums to the number of runs over ``l``.
    peak : ndarray of int64, shape (D, L)
        ``peak[d, l]``: runs whose highest tariff on dyad ``d`` is ``levels[l]``
        (after any decision step of a round: of ``high``, when counted).
    n : int
        Number of runs counted (also when the game has no tariff ladder).
    """

    levels: Array
    counts: IntArray
    peak: IntArray
    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", _ro(self.levels))
        object.__setattr__(self, "counts", _ro(self.counts, np.int64))
        object.__setattr__(self, "peak", _ro(self.peak, np.int64))

    @classmethod
    def of(cls, tariff: Array, high: Array | None = None) -> TariffCounts:
        """Count a chunk's tariffs, shape ``(R, T+1, D)``; the peaks of ``high`` (the same
        shape: each round's highest level after any decision step) when given."""
        tariff = np.asarray(tariff, dtype=float)
        _, t1, d = tariff.shape
        both = tariff if high is None else np.stack([tariff, np.asarray(high, dtype=float)])
        if not np.all(np.isfinite(both)):
            raise ParameterError("tariffs must be finite to be counted; got a NaN or inf.")
        levels, inv = np.unique(both + 0.0, return_inverse=True)
        _check_levels(len(levels))
        inv = inv.reshape(both.shape)
        nl = len(levels)
        slot = (np.arange(t1)[:, None] * d + np.arange(d)[None, :]) * nl  # (T+1, D)
        counted = inv if high is None else inv[0]
        counts = np.bincount((slot[None] + counted).ravel(), minlength=t1 * d * nl)
        # the peak's level index per (run, dyad): levels are sorted
        pk = (inv if high is None else inv[1]).max(axis=1)
        peak = np.bincount((np.arange(d)[None, :] * nl + pk).ravel(), minlength=d * nl)
        return cls(levels, counts.reshape(t1, d, nl), peak.reshape(d, nl), len(tariff))

    def merge(self, other: TariffCounts) -> TariffCounts:
        """The counts of both sets of runs (an exact, order-independent sum)."""
        if self.counts.shape[:2] != other.counts.shape[:2]:
            raise ParameterError(
                f"cannot merge tariff counts of shapes {self.counts.shape[:2]} and "
                f"{other.counts.shape[:2]} (rounds, dyads)."
            )
        levels = np.union1d(self.levels, other.levels)
        _check_levels(len(levels))
        out_c = np.zeros((*self.counts.shape[:2], len(levels)), dtype=np.int64)
        out_p = np.zeros((self.peak.shape[0], len(levels)), dtype=np.int64)
        for part in (self, other):
            ix = np.searchsorted(levels, part.levels)
            out_c[:, :, ix] += part.counts
            out_p[:, ix] += part.peak
        return TariffCounts(levels, out_c, out_p, self.n + other.n)

    @property
    def runs(self) -> int:
        """Number of runs counted."""
        return self.n

    def quantiles(self, d: int, qs: Array) -> Array:
        """Per-round quantiles of dyad ``d``, shape ``(len(qs), T+1)`` (= ``numpy.quantile``)."""
        cum = np.cumsum(self.counts[:, d, :], axis=1)  # (T+1, L)

        def at(ranks: NDArray[np.intp]) -> Array:
            ix = (cum[None, :, :] <= ranks[:, None, None]).sum(axis=2)
            return self.levels[ix]

        return quantiles_from_counts(qs, self.runs, at)

    def peak_quantiles(self, d: int, qs: Array) -> Array:
        """Quantiles of the runs' peaks on dyad ``d``, shape (len(qs),) (= ``numpy.quantile``)."""
        cum = np.cumsum(self.peak[d])

        def at(ranks: NDArray[np.intp]) -> Array:
            return self.levels[(cum[None, :] <= ranks[:, None]).sum(axis=1)]

        return quantiles_from_counts(qs, self.runs, at)

    def mean(self, d: int) -> Array:
        """Per-round mean of dyad ``d`` over runs, shape (T+1,) (summed level by level)."""
        return np.asarray(self.counts[:, d, :] @ self.levels) / self.runs


def _check_levels(n: int) -> None:
    if n > MAX_LEVELS:
        raise LimitError(
            f"tariffs took {n} distinct values, more than MAX_LEVELS = {MAX_LEVELS} a summary "
            "counts exactly; keep every run (keep='runs') for such a scenario."
        )


# ---------------------------------------------------------------------------
# indicators: fixed-grid histograms
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of a per-country indicator on a fixed grid, per round and country (sparse).

    A value ``x`` falls in bin ``k = rint(x / width)`` (half to even), which
    stands for ``k * width``; only bins holding a run are stored.

    Attributes
    ----------
    width : float
        Bin width, in the indicator's unit (:data:`RESOLUTION`).
    slots : int
        Number of series: ``(T+1) * n``; series ``s`` is round ``s // n``,
        country ``s % n``.
    slot, bin, count : ndarray of int64, shape (E,)
        The occupied bins, sorted by ``(slot, bin)``, and how many runs each holds.
    """

    width: float
    slots: int
    slot: IntArray
    bin: IntArray
    count: IntArray

    def __post_init__(self) -> None:
        for name in ("slot", "bin", "count"):
            object.__setattr__(self, name, _ro(getattr(self, name), np.int64))

    @classmethod
    def of(cls, values: Array, width: float, name: str = "values") -> Histogram:
        """Count a chunk's values, shape ``(R, T+1, n)``, on the grid of ``width``.

        Only the occupied bins are stored, however far apart they lie: the
        number of bins between the lowest value and the highest is not limited.
        """
        values = np.asarray(values, dtype=float)
        _, t1, n = values.shape
        if not np.all(np.isfinite(values)):
            raise ParameterError(f"`{name}` must be finite to be counted; got a NaN or inf.")
        with np.errstate(over="ignore"):
            bins = np.rint(values / width)
        top = max(-float(bins.min()), float(bins.max()))
        if not top < _MAX_BIN:
            raise LimitError(
                f"the {name} values reach {top * width:.4g}: bins of width {width:g} would be "
                f"numbered beyond 2**62; give a coarser `resolution` for it."
            )
        slots = t1 * n
        b = bins.astype(np.int64)
        lo = int(b.min())
        span = int(b.max()) - lo + 1
        if slots * span >= 2**62:  # no one int64 key per (slot, bin): sort the pairs
            slot = np.broadcast_to(np.arange(slots, dtype=np.int64).reshape(1, t1, n), b.shape)
            return _counted(width, slots, slot.ravel(), b.ravel(), np.ones(b.size, np.int64))
        key = np.arange(slots, dtype=np.int64).reshape(1, t1, n) * span + (b - lo)
        if slots * span <= 1 << 24:
            c = np.bincount(key.ravel(), minlength=slots * span)
            occ = np.flatnonzero(c)
            cnt = c[occ]
        else:
            occ, cnt = np.unique(key.ravel(), return_counts=True)
        return cls(width, slots, occ // span, occ % span + lo, cnt.astype(np.int64))

    def merge(self, other: Histogram) -> Histogram:
        """The counts of both sets of runs (an exact, order-independent sum)."""
        if self.width != other.width or self.slots != other.slots:
            raise ParameterError(
                f"cannot merge histograms of width {self.width} and {other.width}, "
                f"{self.slots} and {other.slots} series."
            )
        return _counted(
            self.width,
            self.slots,
            np.concatenate([self.slot, other.slot]),
            np.concatenate([self.bin, other.bin]),
            np.concatenate([self.count, other.count]),
        )

    @property
    def runs(self) -> int:
        """Number of runs counted (the count of any one series)."""
        return int(self.count[self.slot == 0].sum())

    def values(self, b: IntArray) -> Array:
        """Grid value of bins ``b``: ``b * width``, or ``b / (1 / width)`` when that is whole."""
        inv = 1.0 / self.width
        if inv == round(inv):
            return np.asarray(b / round(inv), dtype=float)
        return np.asarray(b * self.width, dtype=float)

    def quantiles(self, series: NDArray[np.intp], qs: Array) -> Array:
        """Quantiles of the given series (slot numbers, shape (S,)), shape ``(len(qs), S)``.

        ``numpy.quantile`` of the grid values, within ``width / 2`` of the
        runs' exact quantiles.
        """
        cum = np.cumsum(self.count)
        n = self.runs
        base = np.asarray(series, dtype=np.int64) * n

        def at(ranks: NDArray[np.intp]) -> Array:
            ix = np.searchsorted(cum, base[None, :] + ranks[:, None], side="right")
            return self.values(self.bin[ix])

        return quantiles_from_counts(qs, n, at)

    def mean(self, series: NDArray[np.intp]) -> Array:
        """Mean of the given series on the grid (an exact integer sum), shape (S,)."""
        # in int64 while the sum cannot overflow, else in Python ints
        big = len(self.bin) > 0 and float(np.abs(self.bin).max()) * self.runs >= 2.0**63
        kind: Any = object if big else np.int64
        tot = np.zeros(self.slots, dtype=kind)
        np.add.at(tot, self.slot, self.bin.astype(kind) * self.count.astype(kind))
        return self.values(tot[np.asarray(series)]) / self.runs

    def dense(self) -> tuple[IntArray, IntArray]:
        """``(bins, counts)``: the bins some slot holds (increasing; the empty bins between
        them are left out, so a fine width costs no more than the runs' distinct values),
        and ``counts`` of shape ``(slots, len(bins))``."""
        bins, col = np.unique(self.bin, return_inverse=True)
        out = np.zeros((self.slots, len(bins)), dtype=np.int64)
        out[self.slot, col.reshape(-1)] = self.count
        return bins.astype(np.int64), out


def _counted(width: float, slots: int, slot: IntArray, b: IntArray, c: IntArray) -> Histogram:
    """The histogram of entries ``(slot, bin, count)``, sorted by ``(slot, bin)``, the counts
    of equal pairs added (exactly, in any order)."""
    order = np.lexsort((b, slot))
    slot, b, c = slot[order], b[order], c[order]
    new = np.ones(len(slot), dtype=bool)
    new[1:] = (slot[1:] != slot[:-1]) | (b[1:] != b[:-1])
    starts = np.flatnonzero(new)
    return Histogram(width, slots, slot[starts], b[starts], np.add.reduceat(c, starts))


def check_resolution(resolution: Mapping[str, float] | None) -> dict[str, float]:
    """Bin widths per indicator: :data:`RESOLUTION` updated with ``resolution``.

    Raises
    ------
    UnknownNameError
        For a name that is not an indicator.
    ParameterError
        For a width that is not a number in [:data:`MIN_WIDTH`, :data:`MAX_WIDTH`].
    """
    out = dict(RESOLUTION)
    if resolution is None:
        return out
    if not isinstance(resolution, Mapping):
        raise ParameterError(
            f"`resolution` must be a mapping of indicator to bin width; got {resolution!r}."
        )
    for k, w in resolution.items():
        if k not in INDICATORS:
            raise UnknownNameError(
                f"`resolution`: unknown indicator {k!r}; known: {', '.join(INDICATORS)}."
            )
        x = finite_number(w, f"resolution[{k!r}]")
        if not MIN_WIDTH <= x <= MAX_WIDTH:
            raise ParameterError(
                f"`resolution[{k!r}]` must be a number in [MIN_WIDTH, MAX_WIDTH] = "
                f"[{MIN_WIDTH:g}, {MAX_WIDTH:g}] (a bin width in the indicator's unit); got "
                f"{short_repr(w)}."
            )
        out[k] = x
    return out


# ---------------------------------------------------------------------------
# events
def round_on(dates: NDArray[Any], date: Any, name: str = "date") -> int:
    """The last round done by ``date``: the last one dated on or before it.

    Round ``r`` covers the days after the previous round's date up to its
    own (an event dated in them fires in round ``r``,
    :meth:`tariffsim.game.Game.round_of`), and its moves are not dated within
    them: they may fall on any of those days. So a round dated after
    ``date`` is not surely done by ``date``, and "by ``date``" looks up to
    the round before it.

    Parameters
    ----------
    dates : ndarray (T+1,) of datetime64[D]
        The rounds' dates, increasing.
    date : str, datetime.date or numpy.datetime64
    name : str
        The argument's name, for errors.

    Raises
    ------
    ParameterError
        ``date`` is not a date, or is before the first round's date or after
        the last round's (a year's typo would otherwise read as round 0 or
        the last round).

    Examples
    --------
    >>> dates = np.array(["2025-04-28", "2025-05-05", "2025-05-12"], dtype="datetime64[D]")
    >>> round_on(dates, "2025-05-05"), round_on(dates, "2025-05-11")
    (1, 1)
    """
    d = np.datetime64(as_date(date, name), "D")
    if d < dates[0]:
        raise ParameterError(f"`{name}` {date!s} is before the first round ({dates[0]}).")
    if d > dates[-1]:
        raise ParameterError(f"`{name}` {date!s} is after the last round ({dates[-1]}).")
    return int(np.searchsorted(dates, d, side="right")) - 1


# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Threshold:
    """The event "series ``(a, b)`` reaches a level at some round in ``[after, by]``".

    Evaluated per run, vectorised over runs, on a
    :class:`~tariffsim.engine.PathBatch` (compact or full) or an
    :class:`~tariffsim.analysis.ensemble.Ensemble`: calling it returns one
    bool per run. Pass it to ``Ensemble.prob`` or, declared up front, to
    ``ts.ensemble(..., keep="summary", events=[...])``.

    Parameters
    ----------
    a, b : str
        ``(importer, exporter)`` for a tariff with a ladder,
        ``(indicator, country)`` for one of :data:`INDICATORS`, or
        ``("control", "CN->US")`` for an export control with a ladder
        (the dyad ``"CN-US"`` or ``"CN->US"``, held as ``"CN->US"``).
    at_least, at_most : float
        Exactly one: the event holds in a round where the series is
        ``>= at_least`` (or ``<= at_most``), in the series' unit (tariffs,
        odds and controls as fractions). A tariff reaches ``at_least`` in a
        round where it does after any decision step (``high_series``: a level
        taken and left within the round counts, as for a peak); it is
        ``<= at_most`` where the round ends.
    after : int, str, datetime.date or numpy.datetime64
        First round considered: a round number >= 0 (default 0, the
        starting state), or a date (then the first round dated on or after
        it, as ``Ensemble.first_round`` takes it; a date after the last
        round's is a ParameterError when the event is evaluated).
    by : int, str, datetime.date, numpy.datetime64 or None
        Last round considered: a round number, or a date (then the last
        round dated on or before it, :func:`round_on`: the last round surely
        done by that date, so with rounds on Mondays "by 11 May" looks up to
        the round dated 5 May; a move of the round dated 12 May, which may
        fall on any day from 6 to 12 May, does not count). Default: the
        last round. A round after the last, or a date before the first
        round's or after the last round's, is a ParameterError when the
        event is evaluated.

    Examples
    --------
    Peak of the US tariff on China at 145% or more; the US tariff on China
    back at or below 30% from round 12 on, by the end of May 2025:

    >>> from tariffsim.analysis.reduce import Threshold
    >>> peak = Threshold("US", "CN", at_least=1.45)
    >>> truce = Threshold("US", "CN", at_most=0.3, after=12, by="2025-05-31")
    >>> pb = ts.simulate_batch(ts.load_scenario("us-china-145").game, 20, seeds=range(3),
    ...                        record="compact")
    >>> peak(pb).shape, truce(pb).dtype
    ((3,), dtype('bool'))
    """

    a: str
    b: str
    at_least: float | None = None
    at_most: float | None = None
    after: int | str | dt.date = 0
    by: int | str | dt.date | None = None

    def __post_init__(self) -> None:
        for k in ("a", "b"):
            if not isinstance(getattr(self, k), str):
                raise ParameterError(f"`{k}` must be a str; got {getattr(self, k)!r}.")
        if self.a == CONTROL:  # one spelling of the dyad: one event, one text
            from ..world import _dyad_key

            object.__setattr__(self, "b", "->".join(_dyad_key(self.b, "b")))
        lo, hi = check_threshold(self.at_least, self.at_most)
        object.__setattr__(self, "at_least", lo)
        object.__setattr__(self, "at_most", hi)
        warn_if_percent(self.a, lo if lo is not None else hi)
        after = self.after
        if isinstance(after, str | dt.date | np.datetime64):  # (one spelling, as ``by``)
            object.__setattr__(self, "after", as_date(after, "after"))
        elif isinstance(after, bool) or not isinstance(after, int | np.integer) or after < 0:
            raise ParameterError(f"`after` must be an int >= 0 or a date; got {self.after!r}.")
        else:
            object.__setattr__(self, "after", int(after))  # a numpy int too, held as an int
        by = self.by
        if by is None:
            return
        if isinstance(by, int | np.integer) and not isinstance(by, bool):
            object.__setattr__(self, "by", int(by))
            by = int(by)
            if isinstance(self.after, int) and by < self.after:
                raise ParameterError(f"`by` must be a round >= `after` ({self.after}); got {by}.")
            return
        if isinstance(by, str | dt.date | np.datetime64):
            # one spelling of a date: "2025-05-31" and date(2025, 5, 31) give one event; a
            # whole date only (not "2025-02", not "today": a window fixed by the text alone)
            object.__setattr__(self, "by", as_date(by, "by"))
            return
        raise ParameterError(f"`by` must be a round, a date or None; got {by!r}.")

    def __str__(self) -> str:
        lo, hi = self.at_least, self.at_most
        what = f">= {_num(lo)}" if lo is not None else f"<= {_num(hi)}"
        series = (
            f"{self.b} {self.a}"
            if self.a in INDICATORS or self.a == CONTROL
            else f"{self.a}->{self.b}"
        )
        when = (
            f" from {self.after}"
            if isinstance(self.after, dt.date)
            else (f" from round {self.after}" if self.after else "")
        )
        when += f" by {self.by}" if self.by is not None else ""
        return f"{series} {what}{when}"

    def last_round(self, dates: NDArray[Any]) -> int:
        """The last round considered, given the rounds' dates (T+1,)."""
        t = len(dates) - 1
        if self.by is None:
            return t
        if isinstance(self.by, int):
            if self.by > t:  # as a date after the last round is
                raise ParameterError(f"`by` ({self.by}) is beyond the last round ({t}).")
            return self.by
        return round_on(dates, self.by, "by")

    def window(self, dates: NDArray[Any]) -> tuple[int, int]:
        """The first and last rounds considered, given the rounds' dates (T+1,).

        Raises
        ------
        ParameterError
            For a window with no round: ``after`` beyond the last round, or
            ``by`` a date that falls in a round before ``after``.
        """
        last = self.last_round(dates)
        t = len(dates) - 1
        if isinstance(self.after, dt.date):  # the first round dated on or after it
            days = np.asarray(dates, dtype="datetime64[D]")
            first = int(np.searchsorted(days, np.datetime64(self.after, "D"), side="left"))
            if first > t:
                raise ParameterError(
                    f"event {self}: `after` {self.after} is after the last round ({days[-1]})."
                )
        else:
            first = int(self.after)
        if first > t:
            raise ParameterError(
                f"event {self}: `after` ({self.after}) is beyond the last round ({t})."
            )
        if last < first:
            at = f"{self.after}: round {first}" if first != self.after else str(first)
            raise ParameterError(
                f"event {self}: `by` {self.by!s} is round {last}, before `after` ({at})."
            )
        return first, last

    def check(
        self,
        codes: Sequence[str],
        dyads: Sequence[tuple[str, str]],
        dates: Any,
        control_dyads: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Raise unless the series exists and its window holds a round (before any run)."""
        if self.a == CONTROL:
            if self.control_dyad not in tuple(control_dyads):
                known = ", ".join(f"{x}->{y}" for x, y in control_dyads) or "none"
                raise UnknownNameError(
                    f"event {short_repr(str(self))}: no export control ladder "
                    f"{short_repr(self.b)}; export controls: {known}."
                )
        elif self.a in INDICATORS:
            if self.b not in codes:
                raise UnknownNameError(
                    f"event {self}: unknown country {self.b!r}; known: {', '.join(codes)}."
                )
        elif (self.a, self.b) not in dyads:
            known = ", ".join(f"{x}->{y}" for x, y in dyads)
            if self.a not in codes:  # neither an indicator nor an importer
                raise UnknownNameError(
                    f"event {short_repr(str(self))}: unknown series {short_repr(self.a)}: give "
                    f"an indicator ({', '.join(INDICATORS)}) and a country, a tariff ladder's "
                    f"importer and exporter ({known}), or 'control' and an export control's "
                    "dyad."
                )
            raise UnknownNameError(
                f"event {self}: no tariff ladder {self.a}->{self.b}; dyads: {known}."
            )
        self.window(np.asarray(dates, dtype="datetime64[D]"))

    @property
    def control_dyad(self) -> tuple[str, str]:
        """``(withholder, target)`` of an export control's event (``a == "control"``)."""
        w, _, t = self.b.partition("->")
        return w, t

    def series(self, runs: Any) -> Array:
        """The series the event looks at, shape ``(R, T+1)``, from a PathBatch or an Ensemble:
        a tariff's highest level in each round (``high_series``, after any decision step)
        with ``at_least``, its level at the round's end with ``at_most``."""
        if self.a == CONTROL:
            return np.asarray(runs.control_series(*self.control_dyad))
        if self.a in INDICATORS:
            return np.asarray(getattr(runs, self.a))[:, :, list(runs.codes).index(self.b)]
        if self.at_least is not None:
            return np.asarray(runs.high_series(self.a, self.b))
        if hasattr(runs, "tariff_series"):
            return np.asarray(runs.tariff_series(self.a, self.b))
        return np.asarray(runs.series(self.a, self.b))

    def __call__(self, runs: Any) -> NDArray[np.bool_]:
        """One bool per run of a PathBatch or an Ensemble, shape (R,)."""
        s = self.series(runs)
        first, last = self.window(np.asarray(runs.dates, dtype="datetime64[D]"))
        win = s[:, first : last + 1]
        return np.asarray(self.meets(win).any(axis=1), dtype=bool)

    def meets(self, x: ArrayLike) -> NDArray[np.bool_]:
        """Where values ``x`` meet the level: ``x >= at_least`` (or ``x <= at_most``)."""
        arr = np.asarray(x, dtype=float)
        if self.at_least is not None:
            return np.asarray(arr >= self.at_least)
        return np.asarray(arr <= cast(float, self.at_most))


EventFn = Callable[[Any], Any]


@dataclass(frozen=True)
class Reducer:
    """What a chunk is reduced to on its worker: widths, events (name → Threshold or function)."""

    widths: Mapping[str, float]
    events: Mapping[str, Threshold | EventFn] = field(default_factory=dict)

    def __call__(self, pb: Any) -> Counts:
        """Reduce a compact :class:`~tariffsim.engine.PathBatch` to its counts."""
        ev = np.zeros(len(self.events), dtype=np.int64)
        for m, (name, fn) in enumerate(self.events.items()):
            ev[m] = _count_event(name, fn, pb)
        return Counts(
            tariff=TariffCounts.of(pb.tariff, pb.high),
            hist={k: Histogram.of(getattr(pb, k), self.widths[k], k) for k in INDICATORS},
            events=ev,
            fired=tuple(pb.events),
            control=TariffCounts.of(pb.control),
        )


def _count_event(name: str, fn: Threshold | EventFn, pb: Any) -> int:
    try:
        hits = np.asarray(fn(pb))
    except Exception as exc:
        raise ParameterError(f"event {name!r} failed on a chunk of runs: {exc!r}") from exc
    if hits.dtype != bool or hits.shape != (len(pb),):
        raise ParameterError(
            f"event {name!r} must return {len(pb)} booleans (one per run of the chunk); "
            f"got an array of {hits.dtype} with shape {hits.shape}."
        )
    return int(np.count_nonzero(hits))


@dataclass(frozen=True, eq=False)
class Counts:
    """Everything a summary keeps of some runs: mergeable integer counts.

    Attributes
    ----------
    tariff : TariffCounts
    hist : mapping of str to Histogram
        One per indicator.
    events : ndarray of int64, shape (E,)
        Runs where each declared event holds.
    fired : tuple of (int, str)
        The scheduled events that fired (the same in every run).
    control : TariffCounts or None
        The export controls' counts, as the tariffs' (per round, control dyad
        and share withheld; exact: controls sit on their ladders' rungs).
        None for counts read from a file written before they were kept.
    """

    tariff: TariffCounts
    hist: Mapping[str, Histogram]
    events: IntArray
    fired: tuple[tuple[int, str], ...] = ()
    control: TariffCounts | None = None

    def merge(self, other: Counts) -> Counts:
        """The counts of both sets of runs (of the same events and indicators)."""
        if np.shape(self.events) != np.shape(other.events) or set(self.hist) != set(other.hist):
            raise ParameterError(
                f"cannot merge counts of {np.size(self.events)} and {np.size(other.events)} "
                f"events, or of indicators {sorted(self.hist)} and {sorted(other.hist)}."
            )
        return Counts(
            tariff=self.tariff.merge(other.tariff),
            hist={k: h.merge(other.hist[k]) for k, h in self.hist.items()},
            events=np.asarray(self.events + other.events, dtype=np.int64),
            fired=self.fired,
            control=(
                None
                if self.control is None or other.control is None
                else self.control.merge(other.control)
            ),
        )


def _num(x: float | None) -> str:
    """``x`` short (``%g``) when that is exact, else in full (the shortest exact text)."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))  # type: ignore[arg-type]


def event_text(event: Any) -> str:
    """What an event is, as text: a Threshold's own text, a function's qualified name, a
    ``functools.partial`` as its function with its arguments (no memory address).

    >>> import functools
    >>> def above(pb, level): ...
    >>> event_text(functools.partial(above, level=0.3))
    'above(level=0.3)'
    >>> event_text(Threshold("US", "CN", at_least=1.45, by="2025-05-31"))
    'US->CN >= 1.45 by 2025-05-31'
    """
    if isinstance(event, Threshold):
        return str(event)
    if isinstance(event, functools.partial):
        args = [repr(a) for a in event.args] + [f"{k}={v!r}" for k, v in event.keywords.items()]
        text = f"{event_text(event.func)}({', '.join(args)})"
    else:
        name = getattr(event, "__qualname__", None) or getattr(event, "__name__", None)
        text = str(name) if name else repr(event)  # a callable object: its own text,
        if not name and " at 0x" in text:  # unless that is only its address
            text = type(event).__qualname__
    return " ".join(text.split())  # one line (an array's repr spans several)
