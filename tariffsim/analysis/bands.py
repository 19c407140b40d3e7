"""Quantile bands over rounds, and what every kind of ensemble shows with them.

:class:`Bands` is the result of ``quantiles``; :class:`_Summarised` holds what
a full :class:`~tariffsim.analysis.ensemble.Ensemble` and a summary-only
:class:`~tariffsim.analysis.summary.EnsembleSummary` share: names and dates,
the quantile table, the fan chart and the notebook view, all built on their
``quantiles`` and ``peak_quantiles``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._util import check_bool, literal_text, seed_text, short_repr
from .._util import frozen_array as _ro
from ..errors import MissingExtraError, ParameterError, UnknownNameError
from ..path import GDP_RATE
from .reduce import CONTROL, INDICATORS, check_levels, qlabels, round_on

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CONTROL", "DEFAULT_LEVELS", "DEFAULT_Q", "Bands"]

Array = NDArray[np.float64]
DEFAULT_Q = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Levels of a fan chart's bands (the 5-95% and 25-75% bands and the median)."""
DEFAULT_LEVELS = (0.05, 0.5, 0.95)
"""Quantile levels of ``quantiles``, ``peak_quantiles`` and ``peak_final_table`` by default."""


def control_dyad(b: Any, arg: str = "b") -> tuple[str, str]:
    """The ``(withholder, target)`` that ``b`` spells after ``"control"`` (``"CN->US"``,
    ``"CN-US"`` or ``("CN", "US")``); a ParameterError saying how to name one otherwise."""
    from ..world import _dyad_key

    if b is None:
        raise ParameterError(
            "an export control is named by its dyad after 'control': ('control', 'CN->US') "
            "for China's control on the US."
        )
    try:
        return _dyad_key(b, arg)
    except ParameterError:
        raise ParameterError(
            f"`{arg}`: an export control's dyad is ('WITHHOLDER', 'TARGET'), "
            f"'WITHHOLDER-TARGET' or 'WITHHOLDER->TARGET' (('control', 'CN->US') for China's "
            f"control on the US); got {short_repr(b)}."
        ) from None


def is_control(a: Any) -> bool:
    """Whether ``a`` names the export controls (:data:`CONTROL`; only a str does)."""
    return isinstance(a, str) and a == CONTROL


def dyad_and_levels(a: Any, b: Any, q: Any, arg: str = "a") -> tuple[Any, Any, Any]:
    """``(a, b, q)`` of a method taking a series and levels, the series as two codes, where
    the dyad may be one argument (:func:`tariffsim.world.dyad_args`) and then the levels the
    second: ``quantiles("US->CN", [0.1, 0.9])`` is ``quantiles("US", "CN", q=[0.1, 0.9])``.
    An export control's series is :data:`CONTROL` and its dyad, as two arguments or one
    (``("control", "CN->US")``), and comes back as ``("control", ("CN", "US"), q)``."""
    from ..world import dyad_args

    if b is not None and not isinstance(b, str) and q is DEFAULT_LEVELS and not is_control(a):
        b, q = None, b
    a, b = (a, b) if is_control(a) else dyad_args(a, b, arg)
    if is_control(a):
        return CONTROL, control_dyad(b), q
    return a, b, q


def series_args(a: Any, b: Any, arg: str = "a") -> tuple[Any, Any]:
    """``(a, b)`` of a method taking a series without levels (:func:`dyad_and_levels`)."""
    from ..world import dyad_args

    if is_control(a):
        return CONTROL, control_dyad(b)
    a, b = dyad_args(a, b, arg)
    return (CONTROL, control_dyad(b)) if is_control(a) else (a, b)


_PANELS = {
    "recession": ("recession odds", "12-month recession odds (%)", 100.0),
    "approval": ("approval", "approval (%)", 100.0),
    "payoff": ("payoff", f"payoff ({GDP_RATE})", 1.0),
    "drawdown": ("equity drawdown", "equity drawdown (index %)", 1.0),
}
"""Per indicator of the fan chart: the series' label, the axis label and the factor from the
stored units (fractions for recession odds and approval) to the axis's."""


_DASHES = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 3)), (0, (8, 3)), (0, (3, 1)))
"""Line styles of a panel's medians in turn: solid once, then broken ones only, so a median
drawn over an equal earlier one leaves gaps it shows through."""


@dataclass(frozen=True, eq=False)
class Bands:
    """Quantile bands of one series over rounds.

    Attributes
    ----------
    label : str
        What the values are (``"US->CN tariff"``, ``"US recession"``).
    q : ndarray, shape (k,)
        Quantile levels.
    dates : ndarray of datetime64[D], shape (T+1,)
    values : ndarray, shape (k, T+1)
        ``values[m, r]``: the ``q[m]`` quantile over runs in round ``r``.
    """

    label: str
    q: Array
    dates: NDArray[Any]
    values: Array

    def __post_init__(self) -> None:
        object.__setattr__(self, "q", _ro(self.q))
        object.__setattr__(self, "dates", _ro(self.dates, "datetime64[D]"))
        # + 0.0: a quantile of -0.0 (a drawdown of none) reads and prints as 0
        object.__setattr__(self, "values", _ro(np.asarray(self.values, dtype=float) + 0.0))

    def __getitem__(self, q: float | str) -> Array:
        """The band of quantile level ``q``, shape (T+1,).

        ``q`` is one of :attr:`q` (``0.5``) or its column name in :meth:`rows`
        and :meth:`to_frame` (``"q50"``); anything else raises
        UnknownNameError.
        """
        names = qlabels(self.q)
        if isinstance(q, str):
            if q in names:
                return self.values[names.index(q)]
        elif isinstance(q, int | float | np.number) and not isinstance(q, bool):
            hit = np.flatnonzero(self.q == float(q))  # exactly, else the nearest close one
            if not len(hit) and np.isclose(self.q, float(q)).any():
                hit = np.array([int(np.argmin(np.abs(self.q - float(q))))])
            if len(hit):
                return self.values[int(hit[0])]
        raise UnknownNameError(
            f"quantile {short_repr(q)} not computed; levels: {self.q.tolist()} "
            f"(columns {', '.join(names)})."
        )

    def rows(self) -> list[dict[str, Any]]:
        """One dict per round: ``round``, ``date`` and ``q5``, ``q50``, … (fractions)."""
        names = qlabels(self.q)
        return [
            {
                "round": r,
                "date": str(self.dates[r]),
                **{n: float(self.values[m, r]) for m, n in enumerate(names)},
            }
            for r in range(self.values.shape[1])
        ]

    def to_frame(self) -> Any:
        """The bands as a pandas DataFrame indexed by date (needs pandas)."""
        pd = _pandas("Bands.to_frame()")
        df = pd.DataFrame(self.rows()).set_index("date")
        df.index = pd.to_datetime(df.index)
        return df

    def __repr__(self) -> str:
        return (
            f"<Bands {self.label}: q={self.q.tolist()}, {self.values.shape[1]} rounds "
            f"from {self.dates[0]}>"
        )


def _pandas(what: str) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise MissingExtraError(f"{what} needs pandas: pip install 'tariffsim[pandas]'") from None
    return pd


def _indicator_names(indicators: Any) -> tuple[str, ...]:
    """``indicators`` (a name or a sequence of names of :data:`INDICATORS`) as a tuple, checked:
    a ParameterError for what is no sequence of names, an UnknownNameError for another name."""
    if isinstance(indicators, str):
        indicators = (indicators,)
    try:
        names = tuple(indicators)
    except TypeError:
        raise ParameterError(
            f"`indicators` must be a sequence of names; got {short_repr(indicators)}."
        ) from None
    for name in names:
        if not isinstance(name, str) or name not in _PANELS:
            raise UnknownNameError(
                f"`indicators`: unknown indicator {short_repr(name)}; "
                f"known: {', '.join(INDICATORS)}."
            )
    return names


def _constrained(fig: Any) -> bool:
    """Whether ``fig`` (a figure or a SubFigure, by its root) is laid out by constrained
    layout, which keeps room for a legend placed "outside"."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return isinstance(fig.figure.get_layout_engine(), ConstrainedLayoutEngine)


@dataclass(frozen=True)
class _Event:
    """A scheduled event as the charts of a path read one (``round``, ``label``)."""

    round: int
    label: str


class _Scheduled:
    """An ensemble's scheduled events, read as the event markers and list of a path's chart
    read a path (:func:`tariffsim.plotting._draw_events`): its dates, rounds and events."""

    records_name = "ens.events"
    """Where the events are kept (the list's last line points there when it is cut)."""

    def __init__(self, dates: NDArray[Any], events: Sequence[tuple[int, str]]) -> None:
        self.dates = dates
        self.event_records = [_Event(int(r), str(t)) for r, t in events]

    def __len__(self) -> int:
        return len(self.dates)


class _Summarised:
    """What an ensemble and a summary share: names, dates, bands, the fan chart, the table.

    Subclasses give ``codes``, ``dates``, ``dyads``, ``control_dyads``, ``events``, ``name``,
    ``seed``, ``vary``, ``__len__``, ``rounds``, ``quantiles``, ``peak_quantiles``,
    ``_live_dyads`` and ``_live_controls``.
    """

    name: str
    seed: int
    vary: str
    codes: tuple[str, ...]
    dates: NDArray[Any]
    dyads: tuple[tuple[str, str], ...]
    control_dyads: tuple[tuple[str, str], ...]
    events: tuple[tuple[int, str], ...]

    def __len__(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def rounds(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def quantiles(
        self, a: str, b: str, q: ArrayLike = DEFAULT_LEVELS
    ) -> Bands:  # pragma: no cover - overridden
        raise NotImplementedError

    def peak_quantiles(
        self, importer: str, exporter: str, q: ArrayLike = DEFAULT_LEVELS
    ) -> Array:  # pragma: no cover - overridden
        raise NotImplementedError

    def _live_dyads(self) -> NDArray[np.bool_]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _live_controls(self) -> NDArray[np.bool_]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _control_dyad(self, withholder: str, target: str) -> int:
        """The place of the export control ``(withholder, target)`` on the control axis."""
        try:
            return self.control_dyads.index((withholder, target))
        except ValueError:
            known = ", ".join(f"{a}->{b}" for a, b in self.control_dyads) or (
                "none (a game without export-control ladders, or an ensemble read from a "
                "file written before they were kept)"
            )
            label = short_repr(f"{withholder}->{target}")
            raise UnknownNameError(
                f"no export control ladder {label} in this ensemble; its export controls: {known}."
            ) from None

    def _chosen_controls(self, controls: Any) -> list[tuple[str, str]]:
        """The controls ``plot(controls=...)`` draws: every one in force (True), none
        (False), or those named (checked: each a control dyad of the ensemble)."""
        if isinstance(controls, bool | np.bool_):
            return self._shown_controls() if controls else []
        items = [controls] if isinstance(controls, str) else controls
        try:
            items = list(items)
        except TypeError:
            raise ParameterError(
                "`controls` must be True, False or a sequence of control dyads "
                f"([('CN', 'US')] or ['CN->US']); got {short_repr(controls)}."
            ) from None
        if not items:
            raise ParameterError("`controls` is empty: name a control, or pass False.")
        out = []
        for d in items:
            pair = control_dyad(tuple(d) if isinstance(d, list | np.ndarray) else d, "controls")
            self._control_dyad(*pair)
            out.append(pair)
        return list(dict.fromkeys(out))

    def _shown_controls(self) -> list[tuple[str, str]]:
        """The export controls in force in some run and round (the others stay at zero)."""
        live = self._live_controls()
        return [d for d, on in zip(self.control_dyads, live, strict=True) if on]

    def _dyad(self, importer: str, exporter: str) -> int:
        try:
            return self.dyads.index((importer, exporter))
        except ValueError:
            known = ", ".join(f"{a}->{b}" for a, b in self.dyads)
            if importer not in self.codes:  # neither an indicator nor an importer
                ctl = ", ".join(f"{a}->{b}" for a, b in self.control_dyads)
                raise UnknownNameError(
                    f"unknown series {short_repr(importer)}: give an indicator "
                    f"({', '.join(INDICATORS)}) and a country, a tariff ladder's importer "
                    f"and exporter ({known})"
                    + (f", or 'control' and an export control's dyad ({ctl})." if ctl else ".")
                ) from None
            label = f"{importer}->{exporter}"
            label = label if len(label) <= 40 else short_repr(label)  # (a code of any length)
            raise UnknownNameError(
                f"no tariff ladder {label} in this ensemble; dyads: {known}."
            ) from None

    def _country(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise UnknownNameError(
                f"unknown country {code!r}; known: {', '.join(self.codes)}."
            ) from None

    def round_of(self, date: dt.date | str) -> int:
        """The last round done by ``date``: the last one dated on or before it.

        ``date`` is a ``datetime.date``, a ``numpy.datetime64`` or an ISO string
        (:func:`tariffsim.analysis.reduce.round_on`; ``Threshold(by=date)``
        looks up to the same round).

        Raises
        ------
        ParameterError
            ``date`` is not a date, or is before the first round or after the
            last (a year's typo would otherwise read as round 0).
        """
        return round_on(self.dates, date, "date")

    def quantile_rows(
        self, q: ArrayLike = DEFAULT_Q, indicators: Sequence[str] = ("recession",)
    ) -> list[dict[str, Any]]:
        """One dict per round: date, then each dyad's and each country's indicator quantiles.

        Columns ``{A}->{B} q5`` … (tariff, fraction) for every dyad whose
        tariff is ever positive, ``{A}->{B} control q5`` … (export control of
        ``A`` on ``B``, the share withheld) for every control ever in force,
        then ``{C} {indicator} q5`` … for each of ``indicators`` (names of
        :data:`INDICATORS`, in their units) and the countries of those dyads,
        and ``US approval q5`` … when the US plays and ``approval`` is not
        among them.
        """
        labels = qlabels(check_levels(q))
        names = list(dict.fromkeys(_indicator_names(indicators)))
        cols: list[tuple[str, Bands]] = []
        for a, b in self._shown_dyads(None):
            cols.append((f"{a}->{b}", self.quantiles(a, b, q)))
        for a, b in self._shown_controls():
            cols.append((f"{a}->{b} control", self.quantiles(CONTROL, f"{a}->{b}", q)))
        for name in names:
            for c in self._shown_countries(self._shown_dyads(None)):
                cols.append((f"{c} {name}", self.quantiles(name, c, q)))
        if "US" in self.codes and "approval" not in names:
            cols.append(("US approval", self.quantiles("approval", "US", q)))
        rows = []
        for r in range(self.rounds + 1):
            row: dict[str, Any] = {"round": r, "date": str(self.dates[r])}
            for name, bands in cols:
                for m, label in enumerate(labels):
                    row[f"{name} {label}"] = float(bands.values[m, r])
            rows.append(row)
        return rows

    def _shown_dyads(self, dyads: Sequence[tuple[str, str] | str] | None) -> list[tuple[str, str]]:
        if dyads is not None:
            items = [dyads] if isinstance(dyads, str) else dyads
            try:
                items = list(items)
            except TypeError:
                items = [None]  # type: ignore[list-item]
            if not items:
                raise ParameterError("`dyads` is empty: name a dyad, or leave it out.")
            out = []
            for d in items:
                pair: Any = d.split("->") if isinstance(d, str) else d
                if isinstance(pair, list | np.ndarray):  # a row of a table of names
                    pair = tuple(pair.tolist() if isinstance(pair, np.ndarray) else pair)
                if not (
                    isinstance(pair, tuple)
                    and len(pair) == 2
                    and all(isinstance(c, str) for c in pair)
                ):
                    raise ParameterError(
                        f"`dyads`: each dyad is (importer, exporter) or 'A->B'; got "
                        f"{short_repr(d)} (one dyad: [('US', 'CN')] or ['US->CN'])."
                    )
                self._dyad(pair[0], pair[1])
                out.append((pair[0], pair[1]))
            return out
        live = self._live_dyads()
        return [d for d, on in zip(self.dyads, live, strict=True) if on] or list(self.dyads[:1])

    def _shown_countries(self, dyads: Sequence[tuple[str, str]]) -> list[str]:
        return sorted({c for d in dyads for c in d}, key=self.codes.index)

    @literal_text
    def plot(
        self,
        *,
        fig: Figure | None = None,
        dyads: Sequence[tuple[str, str] | str] | None = None,
        countries: str | Sequence[str] | None = None,
        q: tuple[float, float, float, float, float] = DEFAULT_Q,
        indicators: Sequence[str] = ("recession",),
        controls: bool | Sequence[tuple[str, str] | str] = True,
        events: bool = True,
    ) -> Figure:
        """Fan chart: tariff bands per dyad (top), export controls, one panel per indicator.

        Each series is drawn as its median line (the middle level of ``q``, and
        labelled with it when it is not 0.5) with a light band between the
        outer quantiles (default 5–95%, dotted edges) and a darker one between
        the inner ones (25–75%, solid edges), in the Okabe–Ito colours of :mod:`tariffsim.plotting`:
        one colour per country in every panel (and in every chart of the
        ensemble, whichever countries it shows: the colour of its place among
        the ensemble's countries, unless one shown before it has that colour),
        a tariff in the colour of the country it hits (its exporter; another
        colour where two shown tariffs hit one country). A band's edges are
        drawn in its colour wherever it has width, so that overlapping bands,
        whose tints mix, can be told apart; the first panel's legend shows
        how to read the two bands. Steps hold each round's value until the
        next round's date; the last round is drawn as long as the one before.

        Parameters
        ----------
        fig : matplotlib Figure, optional
        dyads : sequence of (str, str) or of str, optional
            ``[("US", "CN")]`` or ``["US->CN"]`` (the exports' names). Default
            every dyad whose tariff is positive in some run.
        countries : str or sequence of str, optional
            Default the countries of those dyads.
        q : five floats
            Outer low, inner low, centre line (the median at the default 0.5),
            inner high, outer high.
        indicators : sequence of str, default ("recession",)
            A panel each, below the tariffs, in this order: any of
            :data:`~tariffsim.analysis.reduce.INDICATORS` — ``"recession"``
            (12-month recession odds, %), ``"approval"`` (%), ``"payoff"``
            (% of GDP), ``"drawdown"`` (equity drawdown, index %). Empty: the
            tariffs alone.
        controls : bool or sequence of (str, str) or of str, default True
            A panel of the export controls' bands (% of critical exports
            withheld, each in the colour of the country it targets; a second
            control on one country in a colour of its own) below the tariffs:
            True, every control in force in some run and round (a game
            without one draws none); False, none; or the controls to draw,
            ``[("CN", "US")]`` or ``["CN->US"]``.
        events : bool, default True
            Mark the scheduled events (the same in every run: the
            announcements, the threats, the sell-offs that open a round)
            with numbered markers on the tariffs' panel and faint lines on
            the others, and list them under the chart, as a path's chart
            does (:func:`tariffsim.plotting.plot_path`).

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ParameterError
            If ``q`` does not hold five increasing levels in [0, 1],
            ``indicators`` is not a sequence or repeats a name, ``dyads``
            or ``countries`` is empty or holds something else than names, or
            ``controls`` is neither a bool nor a sequence of control dyads.
        UnknownNameError
            For an unknown dyad, country or indicator (before anything is drawn).
        """
        from ..plotting import country_colours

        levels = check_levels(q)
        if len(levels) != 5 or np.any(np.diff(levels) <= 0):
            raise ParameterError(f"`q` must hold five increasing levels; got {short_repr(q)}.")
        q = tuple(levels.tolist())
        centre = "median" if q[2] == 0.5 else f"{100 * q[2]:g}% quantile"  # the line drawn
        indicators = _indicator_names(indicators)
        if len(set(indicators)) != len(indicators):
            raise ParameterError(f"`indicators` repeats a name: {short_repr(indicators)}.")
        shown = self._shown_dyads(dyads)
        if countries is None:
            who = self._shown_countries(shown)
        else:
            try:
                who = [countries] if isinstance(countries, str) else list(countries)
            except TypeError:
                who = [countries]  # type: ignore[list-item]
            if not who and indicators:
                raise ParameterError("`countries` is empty: name a country, or leave it out.")
        for c in who:
            if not isinstance(c, str):
                raise ParameterError(f"`countries`: codes are strings; got {short_repr(c)}.")
            self._country(c)
        ctl = self._chosen_controls(controls)
        events = check_bool(events, "events")
        from matplotlib.colors import to_rgba
        from matplotlib.patches import Patch

        from ..plotting import (
            _EVENTS_HEAD,
            _changes_note,
            _draw_events,
            _event_groups,
            _event_lines,
            _new_figure,
            _within_calendar,
        )

        n_ax = 1 + bool(ctl) + len(indicators)
        sched = _Scheduled(self.dates, self.events) if events and self.events else None
        listed = _event_lines(sched) if sched is not None else []
        list_h = 0.3 + 0.12 * len(listed) if listed else 0.0  # inches, as plot_summary's
        fig = _new_figure(fig, (10, 3.5 * n_ax + list_h))
        axes = fig.subplots(n_ax, 1, sharex=True, squeeze=False)[:, 0]
        x = self.dates.astype(object)
        if len(x) > 1:  # the last round held as long as the one before, not a bare tick
            try:
                end = x[-1] + (x[-1] - x[-2])
            except OverflowError:  # (past 31 December 9999: held to the calendar's end)
                end = dt.date.max
            x = np.append(x, end)
        colour = country_colours(self.codes, shown, who)
        # a control in the colour of the country it targets, a second one on a country in one
        # of its own (as the tariffs')
        ctl_colour = country_colours(self.codes, ctl, [*who, *self._shown_countries(shown)])
        rule = "in the colour of the\ncountry each one hits"
        second = "\n(a second one on a country:\na colour of its own)"
        if any(colour[(a, b)] != colour[b] for a, b in shown):  # a second tariff on one country
            rule += second
        ctl_rule = None  # (said where a second control on a country has a colour of its own)
        if any(ctl_colour[(a, b)] != ctl_colour[b] for a, b in ctl):
            ctl_rule = "in the colour of the\ncountry each one targets" + second
        panels: list[tuple[Any, list[tuple[tuple[str, Any], str, str]], float, str]] = [
            (
                axes[0],
                [((a, b), f"{a} tariff on {b}", colour[(a, b)]) for a, b in shown],
                100.0,
                "headline tariff (%)",
            )
        ]
        if ctl:
            panels.append(
                (
                    axes[1],
                    [
                        ((CONTROL, d), f"{d[0]} export control on {d[1]}", ctl_colour[d])
                        for d in ctl
                    ],
                    100.0,
                    "export control\n(% of critical exports withheld)",
                )
            )
        panels += [
            (
                ax,
                [((name, c), f"{c} {_PANELS[name][0]}", colour[c]) for c in who],
                _PANELS[name][2],
                _PANELS[name][1],
            )
            for ax, name in zip(axes[1 + bool(ctl) :], indicators, strict=True)
        ]
        dash_of: dict[str, int] = {}  # a colour keeps its line style in every panel
        wide = False  # whether any band drawn has width (the runs differ)
        for ax, series, scale, ylabel in panels:
            cols = [col for _, _, col in series]
            for col in cols:
                dash_of.setdefault(col, len(dash_of))
            # two equal medians stay visible: a broken line over a wider one (the solid
            # first, each later style narrower); the legend keeps the panel's order
            order = sorted(range(len(series)), key=lambda m: dash_of[cols[m]])
            lines = {}
            for rank, m in enumerate(order):
                (a, b), label, _ = series[m]
                col, j = cols[m], dash_of[cols[m]]
                v = scale * self.quantiles(a, b, q).values
                wide = wide or bool((v[4] > v[0]).any())
                if len(x) > v.shape[1]:
                    v = np.concatenate([v, v[:, -1:]], axis=1)
                # each round's step from its date to the next, as two points: a band closes
                # where its last round ends
                xs, vs = np.repeat(x, 2)[1:-1], np.repeat(v[:, :-1], 2, axis=1)
                # each band edged in its colour where it has width: where two bands overlap
                # their tints mix (orange over blue is grey), and the edges tell whose band
                # is whose (none where a band has no width: it would run through a broken
                # median line)
                for a0, a1, tint, style, width in ((0, 4, 0.15, ":", 1.0), (1, 3, 0.3, "-", 0.7)):
                    ax.fill_between(xs, vs[a0], vs[a1], where=vs[a1] > vs[a0],
                                    facecolor=to_rgba(col, tint), edgecolor=to_rgba(col, 0.9),
                                    ls=style, lw=width)  # fmt: skip
                dash = _DASHES[j if j < len(_DASHES) else 1 + (j - 1) % (len(_DASHES) - 1)]
                lw = 1.8 + 1.2 * (len(series) - 1 - rank) / max(len(series) - 1, 1)
                lines[m] = ax.step(x, v[2], where="post", color=col, ls=dash, lw=lw,
                                   label=f"{label} ({centre})")[0]  # fmt: skip
            ax.grid(True, alpha=0.3)
            ax.set_ylabel(ylabel)
            handles: list[Any] = [lines[m] for m in range(len(series))]
            if ax is axes[0]:  # how to read a band (every band in its series' colour)
                handles += [
                    Patch(
                        facecolor="0.5",
                        alpha=a,
                        edgecolor="0.2",
                        ls=style,
                        lw=1.0,
                        label=f"{100 * q[a0]:g}–{100 * q[a1]:g}% of runs",
                    )
                    for a, style, a0, a1 in ((0.15, ":", 0, 4), (0.3, "-", 1, 3))
                ]
            ax.legend(
                handles=handles,
                loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                # the colour rule, where it is read: a tariff is the colour of the country it
                # hits (a reader takes "US tariff on CN" for the US's otherwise)
                title=rule if ax is axes[0] else (ctl_rule if ctl and ax is axes[1] else None),
                title_fontsize=8, alignment="left",
            )  # fmt: skip
        if ctl:
            axes[1].set_ylim(bottom=0)  # (a control is a share withheld, >= 0)
        for ax, name in zip(axes[1 + bool(ctl) :], indicators, strict=True):
            if name == "recession":  # odds on their whole scale; approval moves a few points
                ax.set_ylim(0, 100)
        axes[-1].set_xlabel("date")
        lo, hi = 100 * q[0], 100 * q[4]
        drawn = f"vary={self.vary}"
        if self.vary == "none":  # nothing drawn: runs differ only by chance (execution noise
            # or a strategy that randomises), or not at all
            drawn = "nothing drawn; runs differ by chance" if wide else "nothing varied"
        note = _changes_note(getattr(self, "changes", ()), width=85)  # (a centred title)
        axes[0].set_title(  # what a saved chart needs to be told apart: seed, what was drawn,
            # and the scenario's what-ifs
            f"{self.name or 'ensemble'}: {len(self)} runs (seed {seed_text(self.seed)}, {drawn})\n"
            f"{centre} with {lo:g}–{hi:g}% and {100 * q[1]:g}–{100 * q[3]:g}% bands"
            + (f"\n{note}" if note else "")
        )  # (two lines: one overran a figure of 10 inches, and a saved chart lost its ends)
        _within_calendar(*axes)
        fig.autofmt_xdate()
        if sched is not None:  # the scheduled events, as on a path's chart
            days = self.dates.astype(object)
            lo, hi = axes[0].get_ylim()  # headroom: the markers sit above the tariffs
            axes[0].set_ylim(lo, hi + 0.22 * (hi - lo))
            _draw_events(axes[0], sched, days)
            for ax in axes[1:]:
                for r, _ in _event_groups(sched):
                    ax.axvline(days[r], color="0.35", lw=0.8, ls=(0, (2, 2)), zorder=1)
        if listed and _constrained(fig):  # under the panels, in room the layout keeps for it
            from matplotlib.lines import Line2D

            blank = Line2D([], [], lw=0)
            fig.legend([blank] * len(listed), listed, loc="outside lower left", title=_EVENTS_HEAD,
                       alignment="left", prop={"family": "monospace", "size": 7},
                       title_fontsize=7, frameon=False, handlelength=0, handletextpad=0,
                       labelcolor="0.2")  # fmt: skip
        elif (
            listed and sched is not None
        ):  # (a user's figure without that layout: under the last panel's dates,
            # where it covers nothing, as a path's chart puts it; a small figure may cut it)
            from ..plotting import _event_list

            root = fig.figure  # (a SubFigure's root figure; a figure's own self)
            tall = axes[-1].get_position().height * root.get_figheight()  # inches
            _event_list(axes[-1], sched, y=-1.25 / tall)
        return fig

    def _repr_html_(self) -> str:
        """Notebook view: median and 5–95% band of each live tariff's peak and final value."""
        import html

        from ..path import html_table

        rows = [
            (f"{a}->{b}{suffix}", *(f"{100 * v:.1f}" for v in row))
            for kind, suffix in (("tariff", ""), (CONTROL, " control"))
            for (a, b), row in self.peak_final_table(series=kind)
        ]
        head = ["dyad", "peak q5 %", "peak median %", "peak q95 %", "final q5 %",
                "final median %", "final q95 %"]  # fmt: skip
        return f"<div><b>{html.escape(repr(self))}</b>{html_table(head, rows)}</div>"

    def _value_counts(
        self, a: str, b: Any, r: int
    ) -> tuple[Array, NDArray[np.int64]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def shares(
        self, a: str, b: Any = None, *, at: int | dt.date | str | None = None
    ) -> list[tuple[float, float]]:
        """The share of runs at each value of a tariff or an export control in one round.

        A fan chart's bands are pointwise: where runs end at a few distinct levels
        (a tariff walked back, kept, or cut further) the bands span them all and the
        median may be a level few runs hold. This is the distribution itself.

        Parameters
        ----------
        a, b : str
            ``(importer, exporter)`` for a tariff (or ``"US->CN"``), or ``("control",
            "CN->US")`` for an export control.
        at : int, date or str, optional
            The round (a number, negative from the end; or a date: the last round
            dated on or before it, :meth:`round_of`). Default: the last round.

        Returns
        -------
        list of (value, share)
            Each value some run holds (a fraction; increasing) and the share of
            runs holding it; exact in a summary too (tariffs and controls are
            counted value by value).

        Raises
        ------
        ParameterError
            For a round outside the rounds, or an indicator (whose values are many).
        UnknownNameError
            For an unknown dyad or control.

        Examples
        --------
        ``ens.shares("US", "CN")`` → ``[(0.1, 0.44), (0.3, 0.24), (1.3, 0.26), ...]``.
        """
        a, b = series_args(a, b)
        if a in INDICATORS:
            raise ParameterError(
                f"`shares` counts the values of a tariff or an export control; an indicator "
                f"({a!r}) takes too many: use quantiles({a!r}, {short_repr(b)})."
            )
        if at is None:
            r = self.rounds
        elif isinstance(at, str | dt.date | np.datetime64):
            r = round_on(self.dates, at, "at")
        elif isinstance(at, bool | np.bool_) or not isinstance(at, int | np.integer):
            raise ParameterError(f"`at` must be a round or a date; got {short_repr(at)}.")
        else:
            r = int(at) + (self.rounds + 1 if at < 0 else 0)
            if not 0 <= r <= self.rounds:
                raise ParameterError(
                    f"`at` ({short_repr(at)}) is outside the rounds 0..{self.rounds}."
                )
        values, counts = self._value_counts(a, b, r)
        n = len(self)
        return [(float(v), int(c) / n) for v, c in zip(values, counts, strict=True) if c]

    def peak_final_table(
        self, q: Sequence[float] = DEFAULT_LEVELS, *, series: str = "tariff"
    ) -> list[tuple[tuple[str, str], list[float]]]:
        """Per live dyad: quantiles ``q`` of the runs' peaks, then of the final round's value.

        Parameters
        ----------
        q : sequence of float
            Levels in [0, 1].
        series : {"tariff", "control"}
            The headline tariffs (every dyad whose tariff is positive in some
            run), or the export controls (every control in force in some run
            and round; none when no control ever is).

        Returns
        -------
        list of ((importer, exporter), [peak quantiles…, final quantiles…])
            Fractions (for a control, ``(withholder, target)`` and the share
            withheld); ``numpy.quantile`` over the runs.

        Raises
        ------
        ParameterError
            For levels that are not numbers in [0, 1], or another ``series``.
        """
        qs = check_levels(q)
        if not (isinstance(series, str) and series in ("tariff", CONTROL)):
            raise ParameterError(
                f"`series` must be 'tariff' or 'control'; got {short_repr(series)}."
            )
        out = []
        if series == CONTROL:
            for d in self._shown_controls():
                pk = self.peak_quantiles(CONTROL, "->".join(d), qs)
                fin = self.quantiles(CONTROL, "->".join(d), qs).values[:, -1]
                out.append((d, [float(v) for v in (*pk, *fin)]))
            return out
        for a, b in self._shown_dyads(None):
            pk = self.peak_quantiles(a, b, qs)
            fin = self.quantiles(a, b, qs).values[:, -1]
            out.append(((a, b), [float(v) for v in (*pk, *fin)]))
        return out
