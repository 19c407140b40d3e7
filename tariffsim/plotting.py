"""Matplotlib figures for paths (imported lazily: ``import tariffsim`` never loads matplotlib).

Every function takes ``ax=`` and returns the ``Axes`` it drew on; only
``ax.``/``fig.`` calls are used, never ``plt.show()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._util import literal_text, seed_text, short_repr
from .errors import ParameterError, UnknownNameError
from .path import COUNTERFACTUAL as _CF

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .path import Path

__all__ = [
    "PALETTE",
    "country_colours",
    "has_markets",
    "plot_markets",
    "plot_path",
    "plot_paths",
    "plot_summary",
    "plot_tariff_war",
    "save",
]

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe–Ito colour-blind-safe palette (tariff lines)."""
_GREYS = ("0.15", "0.45", "0.3", "0.6")
_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))
"""Recession odds are drawn in greys with distinct dash patterns, so they never
share a colour with a tariff line."""


_NOTEBOOK_BACKENDS = ("inline", "ipympl", "widget", "nbagg")
"""Matplotlib backends of a notebook: they show pyplot's figures when a cell ends."""


def _in_notebook() -> bool:
    """Whether this process is a Jupyter kernel drawing with a notebook backend.

    Read at each chart (never importing IPython): the kernel's shell is ipykernel's (or a
    subclass: Colab's, Spyder's), and matplotlib's backend is one of
    :data:`_NOTEBOOK_BACKENDS` (inline, ipympl). As pandas' charts, which also return
    their Axes: ``path.plot().figure`` as a cell's last line shows the chart twice.
    """
    import sys

    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    # a kernel's shell is ipykernel's, or a subclass of it (Google Colab's, Spyder's)
    if shell is None or not any(c.__module__.startswith("ipykernel") for c in type(shell).__mro__):
        return False
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    return any(b in backend for b in _NOTEBOOK_BACKENDS)


def _axes_figure(size: tuple[float, float]) -> Figure:
    """A new figure of ``size`` inches for a chart that returns its Axes.

    In a notebook (:func:`_in_notebook`) a pyplot figure, which the notebook shows when
    the cell ends as it shows pyplot's own (an Axes is not shown as a picture, a figure
    without pyplot not at all); elsewhere a bare Figure, outside pyplot's state, so that
    scripts, tests and servers keep no figure open. Charts that return their Figure
    make bare ones everywhere: a notebook shows a returned figure (a pyplot one twice).
    """
    if _in_notebook():
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size, layout="constrained")
    from matplotlib.figure import Figure as _Figure

    return _Figure(figsize=size, layout="constrained")


def _new_axes(ax: Axes | None, size: tuple[float, float] = (10.0, 5.4)) -> Axes:
    """``ax``, checked; or the axes of a new figure of ``size`` inches when it is None
    (:func:`_axes_figure`: shown by a notebook).

    Raises
    ------
    ParameterError
        If ``ax`` is neither None nor a matplotlib Axes (a figure, a number, ...).
    """
    if ax is None:
        return _axes_figure(size).add_subplot()
    from matplotlib.axes import Axes as _Axes

    if not isinstance(ax, _Axes):
        raise ParameterError(f"`ax` must be a matplotlib Axes or None; got {short_repr(ax)}.")
    return ax


def _pyplot_axes(ax: Axes | None) -> Axes:
    """``ax``, checked (:func:`_new_axes`); or the axes of a new pyplot figure when it is
    None, which a notebook shows (the tournaments' charts, drawn that way from the start)."""
    if ax is not None:
        return _new_axes(ax)
    import matplotlib.pyplot as plt

    return plt.subplots(layout="constrained")[1]


def _new_figure(fig: Figure | None, size: tuple[float, float]) -> Figure:
    """``fig``, checked (a matplotlib Figure or SubFigure); or a new figure of ``size``
    inches when it is None.

    Raises
    ------
    ParameterError
        If ``fig`` is neither None nor a matplotlib Figure or SubFigure.
    """
    from matplotlib.figure import Figure as _Figure
    from matplotlib.figure import FigureBase

    if fig is None:
        return _Figure(figsize=size, layout="constrained")
    if not isinstance(fig, FigureBase):
        raise ParameterError(
            f"`fig` must be a matplotlib Figure (or SubFigure) or None; got {short_repr(fig)}."
        )
    if isinstance(fig, _Figure) and fig.get_layout_engine() is None and not fig.axes:
        # an empty figure of the user's (``plt.figure(figsize=...)``) lays the chart out as
        # ours do: the legends beside the panels and the events' list under them stay on it
        fig.set_layout_engine("constrained")
    return fig


_LINESTYLES = ("-", (0, (6, 2)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (8, 2, 2, 2)))
"""Dash patterns per dyad: with the widths below, lines on the same level stay visible."""


def _style(k: int) -> dict[str, Any]:
    """Dash pattern, width and z-order of the ``k``-th dyad: each later line is thinner and
    drawn on top, so lines that coincide (two 25% tariffs) both show."""
    return {
        "ls": _LINESTYLES[k % len(_LINESTYLES)],
        "lw": max(1.1, 3.4 - 0.7 * k),
        "zorder": 3 + k,
    }


def country_colours(
    codes: Sequence[str],
    dyads: Sequence[tuple[str, str]] = (),
    countries: Sequence[str] = (),
) -> dict[Any, str]:
    """The colour of each country and each tariff line, one rule for every chart.

    A country takes the colour of its place in ``codes`` (the same in every
    chart of one scenario or ensemble, whichever countries it shows); past the
    palette's eight colours, a country takes the first colour no country placed
    before it in the chart has; a tariff line takes the
    colour of the country it hits (its exporter), or a colour no shown country
    has where an earlier line already hits that country. :meth:`Path.plot`,
    :func:`plot_summary`, :func:`plot_paths`, :func:`plot_markets` and the fan
    chart of :meth:`tariffsim.Ensemble.plot` all colour by it, so the US tariff
    on China has China's colour in each of them, and so do China's recession
    odds and equity index.

    Parameters
    ----------
    codes : sequence of str
        Every country of the world, in its order (``Path.codes``).
    dyads : sequence of (str, str)
        The tariff lines shown, ``(importer, exporter)``, in drawing order.
    countries : sequence of str
        The countries shown, first in line for their colours.

    Returns
    -------
    dict
        ``{code: colour}`` for every country named, and ``{(importer, exporter):
        colour}`` for each dyad; colours are hex strings of :data:`PALETTE`.

    Examples
    --------
    >>> from tariffsim.plotting import country_colours
    >>> c = country_colours(["US", "CN"], [("US", "CN"), ("CN", "US")])
    >>> c[("US", "CN")] == c["CN"], c[("CN", "US")] == c["US"]
    (True, True)
    """
    order = list(dict.fromkeys([*countries, *(b for _, b in dyads), *(a for a, _ in dyads)]))
    place = {c: k for k, c in enumerate(codes)}
    # by place, so that the first eight keep their own colours whatever else is shown
    order.sort(key=lambda c: place.get(c, len(codes)))
    out: dict[Any, str] = {}
    for k, c in enumerate(order):
        col = PALETTE[place.get(c, k) % len(PALETTE)]
        if col in out.values():  # taken by a country shown before it: the first one free
            col = next((x for x in PALETTE if x not in out.values()), col)
        out[c] = col
    spare = [c for c in PALETTE if c not in out.values()]
    used: set[str] = set()
    for k, (a, b) in enumerate(dyads):
        col = out[b]
        if col in used:
            col = spare.pop(0) if spare else PALETTE[k % len(PALETTE)]
        used.add(col)
        out[(a, b)] = col
    return out


def _line_colours(
    path: Path, dyads: Sequence[tuple[str, str]], colors: Mapping[Any, int | str] | None = None
) -> dict[Any, str]:
    """:func:`country_colours` of ``path``'s players and ``dyads``; a dyad's entry of
    ``colors`` overrides its colour (a matplotlib colour, or an index into :data:`PALETTE`)."""
    out = country_colours(path.codes, dyads, path.players())
    if colors is None:
        return out
    if not isinstance(colors, Mapping):
        raise ParameterError(
            f"`colors` must map dyads to colours ({{('US', 'CN'): 'red'}}); got "
            f"{type(colors).__name__}."
        )
    from matplotlib.colors import is_color_like

    from .world import _dyad_key

    for key, c in colors.items():
        d = _dyad_key(key, "colors")
        if d not in dyads:
            raise ParameterError(
                f"`colors` names {d[0]}->{d[1]}, which is not drawn; drawn: "
                f"{', '.join(f'{a}->{b}' for a, b in dyads)}."
            )
        if isinstance(c, int | np.integer) and not isinstance(c, bool | np.bool_) and c >= 0:
            out[d] = PALETTE[int(c) % len(PALETTE)]
        elif isinstance(c, str) and is_color_like(c):
            out[d] = c
        else:
            raise ParameterError(
                f"`colors[{d[0]}->{d[1]}]` must be a matplotlib colour or an index into "
                f"PALETTE (an int >= 0); got {short_repr(c)}."
            )
    return out


def _check_path(path: Any, arg: str = "path") -> None:
    """ParameterError unless ``path`` is a :class:`~tariffsim.path.Path` (an ensemble is told
    its own chart)."""
    from .path import Path as _Path

    if isinstance(path, _Path):
        return
    hint = (
        " (an ensemble draws its own fan chart: ens.plot())" if hasattr(path, "quantiles") else ""
    )
    raise ParameterError(f"`{arg}` must be a Path; got {type(path).__name__}{hint}.")


def _dyad_list(dyads: Any) -> list[tuple[str, str]]:
    """``dyads`` as a list of (importer, exporter): each one ``("US", "CN")``, ``"US-CN"`` or
    ``"US->CN"``, or one such string alone."""
    from .world import _dyad_key

    if isinstance(dyads, str) or (
        isinstance(dyads, tuple) and len(dyads) == 2 and all(isinstance(c, str) for c in dyads)
    ):
        dyads = [dyads]
    try:
        items = list(dyads)
    except TypeError:
        raise ParameterError(
            f"`dyads` must be a list of dyads (('US', 'CN'), 'US-CN' or 'US->CN'); got "
            f"{type(dyads).__name__}."
        ) from None
    return [_dyad_key(d, "dyads") for d in items]


def _active_dyads(path: Path) -> list[tuple[str, str]]:
    return path.tariff_dyads()


def _dates(path: Path) -> Any:
    return path.dates.astype("datetime64[D]").astype(object)


def _title(path: Path) -> str:
    """Scenario title (or name), kind and seed, e.g. ``US–China 2025 — simulation, seed 0``."""
    m = path.meta
    name = m.get("title") or m.get("scenario") or "tariff path"
    kind = m.get("kind", "simulation")
    seed = m.get("seed")
    return f"{name} — {kind}" + (f", seed {seed_text(seed)}" if seed is not None else "")


def _changes_note(changes: Sequence[Any], width: int = 110, most: int = 5) -> str:
    """What-ifs (a scenario's ``changes``, a path's ``meta["changes"]``), each wrapped at
    ``width``, in at most ``most`` lines (the last says how many more), or ``""``; the
    calibration's own notes left out."""
    import textwrap

    ch = [str(c) for c in changes if not str(c).startswith("calibration")]
    each = [
        textwrap.wrap(c, width, initial_indent="what-if: ", subsequent_indent="    ") for c in ch
    ]
    lines = [x for w in each for x in w]
    if len(lines) > most:  # whole what-ifs while they fit, then how many more
        lines, n = [], 0
        while len(lines) + len(each[n]) < most:
            lines += each[n]
            n += 1
        if not n:  # one what-if longer than the lines: its start
            lines, n = [*each[0][: most - 1 - (len(ch) > 1)], "    …"], 1
        if n < len(ch):
            lines.append(f"… and {len(ch) - n} more what-if{'s' * (len(ch) - n > 1)}")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@literal_text
def plot_path(
    path: Path,
    *,
    ax: Axes | None = None,
    dyads: list[tuple[str, str]] | None = None,
    events: bool = True,
    recession: bool = True,
    controls: bool = True,
    moves: bool = True,
    title: str | None = None,
    colors: Mapping[tuple[str, str], int | str] | None = None,
    event_list: bool = True,
    layers: bool = False,
    markets: bool | None = None,
) -> Axes:
    """Headline tariffs per dyad over time, with export controls, moves, events and recession odds.

    When the path's markets move (:func:`has_markets`) and no ``ax`` is
    given, a second panel below shares the date axis and draws them
    (:func:`plot_markets`: each player's equity index, bond stress where
    there is any); the tariff axes are returned, the panel is in
    ``ax.figure.axes``.

    Parameters
    ----------
    path : Path
    ax : matplotlib Axes, optional
        Default: a new 10 × 5.4 in figure.
    dyads : list of (str, str), optional
        Tariff dyads to draw; default every dyad whose tariff is ever positive.
        A tariff line has the colour of the country it hits
        (:func:`country_colours`, the rule of every tariffsim chart), and each
        dyad its own dash pattern and width by its place in ``dyads`` (later
        lines thinner, on top), so equal tariffs stay distinguishable.
    events : bool
        Mark events with numbered markers (staggered when close) and list
        them under the axes; what-if (counterfactual) events are red and
        marked "CF".
    recession : bool
        Draw recession odds of every player (:meth:`Path.players`) on a
        secondary axis (greys, dashed).
    controls : bool
        Draw every export control ever in force (% of critical exports
        withheld) as a hatched band on the tariff axis.
    moves : bool
        Mark the agents' own moves: ▲ escalation, ▼ de-escalation, on the
        dyad's line (scheduled announcements are events, not moves).
    title : str, optional
        Default: the scenario's title, the kind of path and the seed, plus
        the what-if changes when there are any.
    colors : dict of (str, str) to int or str, optional
        A colour per dyad, overriding :func:`country_colours`: a matplotlib
        colour, or an index into :data:`PALETTE` (:func:`plot_paths` passes
        one mapping to every panel, so colours match).
    event_list : bool
        Write the numbered list of events (and agreements) under the axes.
    layers : bool
        Also draw each tariff layer of each dyad (thin lines, when the path
        records layers: fentanyl, reciprocal, Section 232 …).
    markets : bool, optional
        Add the markets panel. Default (None): when the path's markets move
        and ``ax`` is not given. True with a given ``ax`` is an error (the
        panel needs a figure of its own; draw it with :func:`plot_markets`).

    Returns
    -------
    matplotlib.axes.Axes
        The tariff axes.

    Raises
    ------
    UnknownNameError
        If a dyad names an unknown country.
    ParameterError
        If ``markets`` is True and ``ax`` is given.

    Examples
    --------
    >>> p = ts.load_scenario("reciprocal-pause").simulate(seed=0)
    >>> ax = p.plot()
    >>> [a.get_ylabel() for a in ax.figure.axes][:3]
    ['headline tariff (%)', 'equity index (% from baseline)', 'bond stress (yield points)']
    >>> ts.load_scenario("rare-earth-100").simulate(seed=0).plot().get_ylabel()
    'tariff / share withheld (%)'
    """
    _check_path(path)
    mk_ax: Axes | None = None
    if markets and ax is not None:
        raise ParameterError(
            "`markets`: the markets panel needs a figure of its own; with `ax` given, draw it "
            "on another axes with tariffsim.plotting.plot_markets(path, ax=...)."
        )
    if ax is None and (markets or (markets is None and has_markets(path))):
        fig = _axes_figure((10, 7.8))
        ax, mk_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    ax = _new_axes(ax)
    dyads = _active_dyads(path) if dyads is None else _dyad_list(dyads)
    colour = _line_colours(path, dyads, colors)
    dates = _dates(path)
    top = 1.0
    for k, (a, b) in enumerate(dyads):
        y = 100 * path.series(a, b)
        top = max(top, float(y.max()))
        style = {**_style(k), "color": colour[(a, b)]}
        ax.step(dates, y, where="post", label=f"{a} tariff on {b}", **style)
        if moves:
            i, j = path.codes.index(a), path.codes.index(b)
            mv = path.moves[:, i, j]
            for sign, marker in ((1, "^"), (-1, "v")):
                r = np.flatnonzero(np.sign(mv) == sign)  # (a jump of several rungs too)
                if r.size:
                    ax.plot(
                        dates[r] if hasattr(dates, "__getitem__") else dates,
                        y[r],
                        ls="none",
                        marker=marker,
                        ms=6,
                        mec="white",
                        mew=0.6,
                        color=colour[(a, b)],
                        zorder=10,
                    )
    drawn_controls = path.control_dyads() if controls else []
    for m, (a, b) in enumerate(drawn_controls):
        i, j = path.codes.index(a), path.codes.index(b)
        y = 100 * path.control[:, i, j]
        top = max(top, float(y.max()))
        ax.fill_between(
            dates,
            0,
            y,
            step="post",
            facecolor="none",
            edgecolor=("0.35", "#8B0000", "0.55")[m % 3],
            hatch=("///", "\\\\\\", "xxx")[m % 3],
            lw=0.8,
            label=f"{a} export control on {b} (% withheld)",
            zorder=2,
        )
    if moves:
        idx = [(path.codes.index(a), path.codes.index(b)) for a, b in dyads]
        shown = {int(np.sign(path.moves[r, i, j])) for i, j in idx for r in range(len(path))}
        for sign, marker, word in ((1, "^", "escalates"), (-1, "v", "de-escalates")):
            if sign in shown:
                ax.plot([], [], ls="none", marker=marker, color="0.3", label=f"agent {word}")
    # (a share withheld is on the axis only where a control is drawn)
    ax.set_ylabel("tariff / share withheld (%)" if drawn_controls else "headline tariff (%)")
    ax.grid(True, alpha=0.3)
    ax.set_ylim(0, top * 1.22 + 1)
    if title is not None and not isinstance(title, str):
        raise ParameterError(f"`title` must be a str or None; got {short_repr(title)}.")
    head = title if title is not None else _title(path)
    note = _changes_note(path.meta.get("changes", ())) if title is None else ""
    ax.set_title(head + ("\n" + note if note else ""), fontsize=10)
    if layers:
        _draw_layers(ax, path, dyads, colour, dates)
    if events:
        _draw_events(ax, path, dates)
        _draw_agreements(ax, path, dates)
        if event_list:
            _event_list(ax, path, below=mk_ax)
    if mk_ax is not None:
        plot_markets(path, ax=mk_ax)
        if events:  # the event dates, faint, on the markets panel too
            for rnd, _ in _event_groups(path):
                mk_ax.axvline(dates[rnd], color="0.35", lw=0.8, ls=(0, (2, 2)), zorder=1)
    handles, labels = ax.get_legend_handles_labels()
    if recession:
        ax2 = ax.twinx()
        for k, c in enumerate(path.players()):
            i = path.codes.index(c)
            ax2.plot(
                dates,
                100 * path.recession[:, i],
                drawstyle="steps-post",  # the odds of the round's state, held as its tariffs are
                ls=_DASHES[k % len(_DASHES)],
                lw=1.1,
                color=_GREYS[k % len(_GREYS)],
                label=f"{c} recession odds",
            )
        ax2.set_ylabel("12-month recession odds (%)")
        ax2.set_ylim(0, 100)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False
    )
    _date_axis(ax if mk_ax is None else mk_ax)
    return ax


def has_markets(path: Path) -> bool:
    """Whether ``path`` records market movement: a player's equity index or bond stress off zero.

    Examples
    --------
    >>> from tariffsim.plotting import has_markets
    >>> has_markets(ts.load_scenario("reciprocal-pause").simulate(seed=0))
    True
    """
    eq, bond = getattr(path, "equity", None), getattr(path, "bond", None)
    if eq is None:
        return False
    cols = [path.codes.index(c) for c in path.players()]
    out = np.asarray(eq)[:, cols]
    if bond is not None:
        out = np.concatenate([out, np.asarray(bond)[:, cols]], axis=1)
    return bool(np.any(np.isfinite(out) & (out != 0)))


@literal_text
def plot_markets(
    path: Path,
    *,
    ax: Axes | None = None,
    countries: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """The market state of a path: equity index per country and bond stress where there is any.

    Each country's equity index (``Path.equity``, % from its level before
    the first round; the model's :func:`tariffsim.payoffs.equity_index`) is a
    solid line in the country's colour; its bond stress (``Path.bond``, yield
    points) a dashed line of the same colour on a secondary axis, drawn only
    for countries whose bond stress is ever above zero.

    Parameters
    ----------
    path : Path
    ax : matplotlib Axes, optional
        Default: a new 10 × 5.4 in figure.
    countries : sequence of str, optional
        Default: the path's players (:meth:`Path.players`).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        The equity axes (the bond axes, when drawn, is its twin).

    Raises
    ------
    ParameterError
        If the path records no equity index.
    UnknownNameError
        If a country is unknown.

    Examples
    --------
    >>> from tariffsim.plotting import plot_markets
    >>> ax = plot_markets(ts.load_scenario("reciprocal-pause").simulate(seed=0))
    >>> [ln.get_label() for ln in ax.get_lines()][1:]   # after the baseline's zero line
    ['US equity index', 'CN equity index']
    """
    from .errors import UnknownNameError

    _check_path(path)
    eq, bond = getattr(path, "equity", None), getattr(path, "bond", None)
    if eq is None:
        raise ParameterError("`path` records no equity index (Path.equity is None).")
    who = list(path.players() if countries is None else countries)
    for c in who:
        if c not in path.codes:
            raise UnknownNameError(f"unknown country {c!r}; known: {', '.join(path.codes)}.")
    ax = _new_axes(ax)
    dates = _dates(path)
    ax.axhline(0.0, color="0.6", lw=0.8)
    colour = country_colours(path.codes, countries=who)
    for c in who:
        ax.plot(dates, np.asarray(eq)[:, path.codes.index(c)], color=colour[c],
                lw=1.8, label=f"{c} equity index")  # fmt: skip
    ax.set_ylabel("equity index (% from baseline)")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    stressed = [] if bond is None else [
        c for c in who if np.any(np.asarray(bond)[:, path.codes.index(c)] > 0)
    ]  # fmt: skip
    if stressed:
        ax2 = ax.twinx()
        for c in stressed:
            ax2.plot(dates, np.asarray(bond)[:, path.codes.index(c)],
                     color=colour[c], lw=1.2, ls="--",
                     label=f"{c} bond stress")  # fmt: skip
        ax2.set_ylabel("bond stress (yield points)")
        ax2.set_ylim(bottom=0.0)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if title is not None:
        ax.set_title(title, fontsize=10)
    right = 1.13 if stressed else 1.01  # clear of the bond axis's labels
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(right, 1.0), fontsize=8, frameon=False
    )
    _date_axis(ax)
    return ax


def _date_axis(ax: Axes) -> None:
    """Concise dates on ``ax``'s x axis (called once its data are drawn)."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    # the offset below the axis says the year only: with daily ticks matplotlib's default
    # gives the last tick's month ("2025-Mar" under a chart of February), which the tick
    # labels name anyway where they cross a month's start; a chart within one month
    # crosses none, and its offset names the month ("Apr 2025" under days 3 to 15)
    _within_calendar(ax)  # (first: the limits read below are then calendar dates)
    lo, hi = (mdates.num2date(x) for x in ax.get_xlim())
    day = "%b %Y" if (lo.year, lo.month) == (hi.year, hi.month) else "%Y"
    offsets = ["", "%Y", day, "%Y", "%Y-%b-%d", "%Y-%b-%d %H:%M"]
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, offset_formats=offsets))


def _within_calendar(*axes: Axes) -> None:
    """Date axes kept inside matplotlib's calendar, 1 January of year 1 to 31 December 9999.

    Autoscaling adds a margin on each side of the data; for a path that starts
    in the first days of year 1 or ends in the last of year 9999 (a calendar
    a game accepts) the margin fell outside the calendar and matplotlib's tick
    locator failed when the chart was drawn. The view is cut at the calendar's
    ends; anywhere else it is left as autoscaling made it.
    """
    import matplotlib.dates as mdates

    first = float(mdates.date2num(dt.date.min))
    last = float(mdates.date2num(dt.date.max))
    for ax in axes:
        lo, hi = ax.get_xlim()
        if lo < first or hi > last:
            ax.set_xlim(max(lo, first), min(hi, last))


class _Eventful(Protocol):
    """What the event markers and list read: a path, or an ensemble's scheduled events (the
    same in every run) with its dates (:class:`tariffsim.analysis.bands._Scheduled`)."""

    @property
    def dates(self) -> Any: ...

    @property
    def event_records(self) -> Any: ...

    def __len__(self) -> int: ...


def _draw_events(ax: Axes, path: _Eventful, dates: Any) -> None:
    """Numbered event markers along the top, staggered in lanes, listed under the axes."""
    import matplotlib.dates as mdates
    from matplotlib.transforms import blended_transform_factory

    groups = _event_groups(path)
    if not groups:
        return
    xs = mdates.date2num(list(dates))
    span = float(xs[-1] - xs[0]) or 1.0
    tr = blended_transform_factory(ax.transData, ax.transAxes)
    lanes: list[float] = []  # last x (axes fraction) used in each lane
    for n, (r, labels) in enumerate(groups, start=1):
        cf = all(lab.startswith(_CF) for lab in labels)
        frac = (xs[r] - xs[0]) / span
        lane = next((k for k, last in enumerate(lanes) if frac - last > 0.035), len(lanes))
        if lane == len(lanes):
            lanes.append(frac)
        else:
            lanes[lane] = frac
        lane = lane % 3
        color = "#C00000" if cf else "0.35"
        ax.axvline(dates[r], color=color, lw=0.8, ls=(0, (2, 2)), zorder=1)
        ax.text(
            dates[r],
            0.975 - 0.065 * lane,
            f"CF{n}" if cf else str(n),
            transform=tr,
            ha="center",
            va="top",
            fontsize=7,
            color=color,
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": color, "lw": 0.7},
            zorder=20,
        )


def _agreements(path: _Eventful) -> list[Any]:
    """Agreements the path records (:mod:`tariffsim.bargaining`), if any."""
    return list(getattr(path, "agreements", ()) or ())


def _agreement_text(a: Any) -> str:
    terms = getattr(a, "terms", {}) or {}
    what = ", ".join(f"{i}->{j} {100 * float(v):g}%" for (i, j), v in terms.items())
    parties = "–".join(getattr(a, "parties", ()))
    label = getattr(a, "label", "")
    return f"agreement {parties}: {what}" + (f" ({label})" if label else "")


def _draw_agreements(ax: Axes, path: Path, dates: Any) -> None:
    """A green diamond "A1", "A2" … on the top edge at each agreement's round."""
    from matplotlib.transforms import blended_transform_factory

    tr = blended_transform_factory(ax.transData, ax.transAxes)
    in_round: dict[int, int] = {}  # labels already drawn in a round: stagger the next one down
    for n, a in enumerate(_agreements(path), start=1):
        r = min(int(getattr(a, "round", 0)), len(path) - 1)
        k = in_round.get(r, 0)
        in_round[r] = k + 1
        if k == 0:
            ax.axvline(dates[r], color="#009E73", lw=1.0, ls=(0, (4, 2)), zorder=1)
        box = {"boxstyle": "round4,pad=0.2", "fc": "white", "ec": "#009E73", "lw": 0.7}
        ax.text(dates[r], 0.80 - 0.06 * k, f"A{n}", transform=tr, ha="center", va="top",
                fontsize=7, color="#006B4F", zorder=20, bbox=box)  # fmt: skip


def _draw_layers(
    ax: Axes, path: Path, dyads: Sequence[tuple[str, str]], colour: dict[Any, str], dates: Any
) -> None:
    """Each recorded tariff layer of each dyad as a thin step line in the dyad's colour."""
    layers = getattr(path, "layers", None)
    names = tuple(getattr(path, "layer_names", ()) or ())
    if layers is None or not names:
        return
    for a, b in dyads:
        i, j = path.codes.index(a), path.codes.index(b)
        col = colour[(a, b)]
        for k, name in enumerate(names):
            y = 100 * np.asarray(layers)[:, k, i, j]
            if y.max() > 0:
                ax.step(dates, y, where="post", color=col, lw=0.9, alpha=0.8,
                        ls=(0, (1, 1.5)), label=f"{a} on {b}: {name} layer")  # fmt: skip


def _event_groups(path: _Eventful) -> list[tuple[int, list[str]]]:
    by_round: dict[int, list[str]] = {}
    for e in path.event_records:
        by_round.setdefault(min(e.round, len(path) - 1), []).append(e.label)
    return sorted(by_round.items())


EVENT_LIST_MAX = 30
"""Most lines of the event list under a chart; the rest are counted in its last line (a long
path's renewals, ~150 over 2,000 rounds, made a figure five thousand pixels tall)."""


def _event_list(
    ax: Axes, path: _Eventful, y: float | None = None, *, below: Axes | None = None
) -> None:
    """The numbered events (as on the markers) as a monospace list under ``ax``, at most
    :data:`EVENT_LIST_MAX` lines.

    ``below``: place it under that axes instead (a panel under ``ax``). ``y``: its top in
    axes fractions; by default a fixed distance under the axes, clear of its date labels
    whatever the panel's height (a fraction of a short markets panel ran into them).
    """
    lines = _event_lines(path)
    if lines:
        host = ax if below is None else below
        where: dict[str, Any] = (
            {"xytext": (0, -_EVENT_LIST_DROP), "textcoords": "offset points"}
            if y is None
            else {"xytext": (0.0, y), "textcoords": "axes fraction"}
        )
        host.annotate(
            _EVENTS_HEAD + "\n" + "\n".join(lines),
            xy=(0.0, 0.0),
            xycoords="axes fraction",
            va="top",
            ha="left",
            fontsize=7,
            family="monospace",
            color="0.2",
            annotation_clip=False,
            **where,
        )


_EVENT_LIST_DROP = 26.0
"""Points from the bottom of a chart's last panel to the top of its event list: below two
lines of date labels (the months, and the year where it changes)."""


_EVENTS_HEAD = "events: dated by the round each falls in (the round's last day)"
"""The event list's head: a list dates each event by its round, which ends up to a round
after the event's own day (Geneva, 12 May 2025, in the week to 19 May)."""


def _event_lines(path: _Eventful) -> list[str]:
    """The lines of the event list (:func:`_event_list`), at most :data:`EVENT_LIST_MAX`."""
    lines = []
    for n, (r, labels) in enumerate(_event_groups(path), start=1):
        cf = all(lab.startswith(_CF) for lab in labels)
        mark = f"CF{n}" if cf else f"{n}"
        for k, lab in enumerate(labels):
            head = f"{mark:>4}  {path.dates[r]}" if k == 0 else " " * (6 + len(str(path.dates[r])))
            what = ("(counterfactual) " if lab.startswith(_CF) else "") + lab.removeprefix(_CF)
            lines.append(_clip(f"{head}  {what}", 120))
    for n, a in enumerate(_agreements(path), start=1):
        r = min(int(getattr(a, "round", 0)), len(path) - 1)
        lines.append(_clip(f"{'A' + str(n):>4}  {path.dates[r]}  {_agreement_text(a)}", 120))
    if len(lines) > EVENT_LIST_MAX:
        more = len(lines) - EVENT_LIST_MAX + 1
        kept = getattr(path, "records_name", "path.event_records")  # (an ensemble's: ens.events)
        lines = [*lines[: EVENT_LIST_MAX - 1], f"   … and {more} more lines ({kept})"]
    return lines


@literal_text
def plot_summary(path: Path, *, fig: Figure | None = None) -> Figure:
    """Tariffs and controls, indicators (recession, approval), markets and payoffs, one panel each.

    Every player (:meth:`Path.players`, which includes every scenario agent)
    appears in the indicator, markets and payoff panels. The markets panel
    (:func:`plot_markets`: equity index, bond stress where there is any) is
    drawn when the path's markets move (:func:`has_markets`), third from the
    top; the payoff panel is always the last row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_path(path)
    if len(path) < 1:
        raise ParameterError("`path` is empty.")
    players = path.players()
    nev = len(_event_lines(path))  # the list's lines, which the figure's height makes room for
    show_mk = has_markets(path)
    fig = _new_figure(fig, (10, 10 + 0.12 * nev + (2.6 if show_mk else 0)))
    heights = [1.25 + 0.04 * nev, 1, 1] + ([1] if show_mk else [])
    panels = fig.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
    a1, a2, a3 = panels[0], panels[1], panels[-1]
    if show_mk:
        plot_markets(path, ax=panels[2])
    plot_path(path, ax=a1, recession=False, events=True, event_list=False)
    dates = _dates(path)
    colour = _line_colours(path, _active_dyads(path))  # as the tariff panel's
    for c in players:
        i = path.codes.index(c)
        col = colour[c]
        a2.plot(dates, 100 * path.recession[:, i], color=col, drawstyle="steps-post",
                label=f"{c} recession odds (%)")  # fmt: skip
        a3.plot(dates, path.payoff[:, i], color=col, label=f"{c} payoff")
    if "US" in path.codes:
        i = path.codes.index("US")
        a2.plot(dates, 100 * path.approval[:, i], color="0.2", ls="--", label="US approval (%)")
        a2.axhspan(39, 45, color="0.85", alpha=0.5, label="approval 39–45% (reported)")
    a2.set_ylabel("%")
    a2.set_ylim(0, 100)
    a2.grid(True, alpha=0.3)
    a2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    a3.axhline(0, color="0.5", lw=0.8)
    a3.set_ylabel("payoff (% of GDP, annual rate)")
    a3.grid(True, alpha=0.3)
    a3.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    _event_list(a3, path, y=-0.16)
    _date_axis(a3)
    return fig


@literal_text
def plot_paths(
    paths: Mapping[str, Path],
    dyads: Sequence[tuple[str, str]] | None = None,
    *,
    fig: Figure | None = None,
    recession: bool = True,
    markets: bool | None = None,
) -> Figure:
    """Compare paths (a baseline and what-ifs): one panel per path, same scales, same colours.

    Parameters
    ----------
    paths : mapping of str to Path
        Label → path, e.g. ``{"baseline": p0, "face 0.3": p1}``; at least one.
    dyads : sequence of (str, str), optional
        Tariff dyads to draw; default every dyad positive in any path. A
        dyad has the same colour and dash pattern in every panel.
    fig : matplotlib Figure, optional
    recession : bool
        Add a last panel with every path's recession odds for the dyads'
        countries (colour per country, dash pattern per path).
    markets : bool, optional
        Add a last panel with every path's equity index for the dyads'
        countries (colour per country, dash pattern per path). Default
        (None): when some path's markets move (:func:`has_markets`).

    Returns
    -------
    matplotlib.figure.Figure
        Panels share both axes, so no path rescales another.

    Raises
    ------
    ParameterError
        If ``paths`` is empty or holds something other than paths.
    UnknownNameError
        If a dyad names a country one of the paths does not have (the message
        names the path).

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> fig = ts.plot_paths({"baseline": sc.simulate(seed=0),
    ...                      "face 0.3": sc.with_params(face_weight=0.3).simulate(seed=0)},
    ...                     dyads=[("US", "CN"), ("CN", "US")])
    >>> [ax.get_ylabel() for ax in fig.axes[2:]]
    ['recession odds (%)', 'equity index (% from baseline)']
    """
    if not isinstance(paths, Mapping):
        raise ParameterError(
            "`paths` must be a mapping of label to Path ({'baseline': p0, 'what-if': p1}); got "
            f"{type(paths).__name__}."
        )
    items = list(paths.items())
    if not items:
        raise ParameterError("`paths` must hold at least one labelled Path.")
    for label, p in items:
        _check_path(p, f"paths[{label!r}]")
    if dyads is None:
        seen: list[tuple[str, str]] = []
        for _, p in items:
            seen += [d for d in p.tariff_dyads() if d not in seen]
        dyads = seen
    dyads = _dyad_list(dyads)
    for label, p in items:  # (a path of another world has other countries)
        for c in dict.fromkeys(c for d in dyads for c in d):
            if c not in p.codes:
                raise UnknownNameError(
                    f"`dyads`: country {c!r} is not in the path paths[{label!r}] (its "
                    f"countries: {', '.join(p.codes)})."
                )
    countries = sorted({c for d in dyads for c in d}, key=items[0][1].codes.index)
    colour = country_colours(items[0][1].codes, dyads, countries)
    colors: dict[tuple[str, str], int | str] = {d: colour[d] for d in dyads}
    if markets is None:
        markets = any(has_markets(p) for _, p in items)
    if markets and any(getattr(p, "equity", None) is None for _, p in items):
        raise ParameterError("`markets`: every path must record its equity index.")
    n = len(items) + (1 if recession else 0) + (1 if markets else 0)
    fig = _new_figure(fig, (10, 2.9 * n + 0.6))
    axes = fig.subplots(n, 1, sharex=True, sharey=False, squeeze=False)[:, 0]
    top = 1.0
    for _, p in items:
        for a, b in dyads:
            top = max(top, 100 * p.peak(a, b))
    for ax, (label, p) in zip(axes, items, strict=False):
        plot_path(
            p,
            ax=ax,
            dyads=list(dyads),
            recession=False,
            events=False,
            colors=colors,
            title=f"{label}: {_title(p)}",
        )
        ax.set_ylim(0, top * 1.15 + 1)
        note = _changes_note(p.meta.get("changes", ()), width=100)
        if note:
            ax.text(0.01, 0.96, note, transform=ax.transAxes, fontsize=7,
                    va="top", color="0.25")  # fmt: skip
    extra = [("recession", 100.0, "recession odds", "recession odds (%)")] if recession else []
    if markets:
        extra.append(("equity", 1.0, "equity index", "equity index (% from baseline)"))
    for ax, (field_, scale, what, ylabel) in zip(axes[len(items) :], extra, strict=True):
        for m, (label, p) in enumerate(items):
            for c in countries:
                ax.plot(
                    _dates(p),
                    scale * np.asarray(getattr(p, field_))[:, p.codes.index(c)],
                    color=colour[c],
                    ls=_LINESTYLES[m % len(_LINESTYLES)],
                    lw=1.6,
                    label=f"{c} {what} — {label}",
                    # odds are the round's state's, held as its tariffs are; markets move on
                    drawstyle="steps-post" if field_ == "recession" else "default",
                )
        if field_ == "recession":
            ax.set_ylim(0, 100)
        else:
            ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if countries:  # (no dyad to draw: no line, and matplotlib warns of an empty legend)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        _date_axis(ax)
    return fig


@literal_text
def plot_tariff_war(
    model: Any,
    country: str,
    partners: Sequence[str],
    rates: Any = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Who gains from a tariff war: economic payoffs against each partner's common tariff.

    For each partner, the payoff of ``country`` (solid) and of the partner
    (dashed), % of each one's own GDP, when both levy the same tariff on each
    other (:func:`tariffsim.payoffs.tariff_war`); zero is free trade.

    Parameters
    ----------
    model : PayoffModel
    country : str
    partners : sequence of str
    rates : array_like, optional
        Common tariffs (fractions). Default 0 to 100% in 1-point steps.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> w = ts.World.default(); w = w.replace(exempt=np.zeros((w.n, w.n)))
    >>> m = ts.PayoffModel(w, ts.Params.default(w).with_market_power(w))
    >>> from tariffsim.plotting import plot_tariff_war
    >>> ax = plot_tariff_war(m, "US", ["MX", "CN"])
    >>> len(ax.lines)
    5
    """
    from .payoffs import tariff_war

    if not partners:
        raise ParameterError("`partners` must name at least one country.")
    t = np.linspace(0.0, 1.0, 101) if rates is None else np.asarray(rates, dtype=float)
    ax = _new_axes(ax)
    ax.axhline(0.0, color="0.6", lw=0.8)
    colour = country_colours(model.world.codes, countries=partners)
    for b in partners:
        pay = tariff_war(model, country, b, t)
        c = colour[b]
        ax.plot(100 * t, pay[:, 0], color=c, lw=2, label=f"{country} in a war with {b}")
        ax.plot(100 * t, pay[:, 1], color=c, lw=1.2, ls="--", label=f"{b}")
    ax.set_xlabel("common tariff, %")
    ax.set_ylabel("economic payoff, % of own GDP a year")
    ax.legend(fontsize="small")
    return ax


def save(fig_or_ax: Any, path: str, *, dpi: int = 120) -> None:
    """Save a Figure (or the figure of an Axes) to ``path`` atomically.

    The image is written to a unique temporary file next to ``path`` and
    renamed over it: an interrupted save never leaves a truncated file.
    """
    from ._io import atomic_save_figure

    atomic_save_figure(fig_or_ax, path, dpi=dpi)
