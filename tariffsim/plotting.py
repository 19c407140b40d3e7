"""Matplotlib figures for paths (imported lazily: ``import tariffsim`` never loads matplotlib).

Every function takes ``ax=`` and returns the ``Axes`` it drew on; only
``ax.``/``fig.`` calls are used, never ``plt.show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .path import Path

__all__ = ["PALETTE", "plot_path", "plot_summary"]

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe–Ito colour-blind-safe palette (tariff lines)."""
_GREYS = ("0.15", "0.45", "0.3", "0.6")
_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))
"""Recession odds are drawn in greys with distinct dash patterns, so they never
share a colour with a tariff line."""


def _new_axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.8), layout="constrained")
    return fig.add_subplot()


def _active_dyads(path: Path) -> list[tuple[str, str]]:
    codes = path.codes
    return [
        (a, b)
        for a in codes
        for b in codes
        if a != b and path.tariff[:, codes.index(a), codes.index(b)].max() > 0
    ]


def plot_path(
    path: Path,
    *,
    ax: Axes | None = None,
    dyads: list[tuple[str, str]] | None = None,
    events: bool = True,
    recession: bool = True,
) -> Axes:
    """Headline tariffs per dyad over time, with events and recession odds.

    Parameters
    ----------
    path : Path
    ax : matplotlib Axes, optional
    dyads : list of (str, str), optional
        Dyads to draw; default every dyad whose tariff is ever positive.
    events : bool
        Mark scheduled events with a vertical line and their label.
    recession : bool
        Draw recession odds of the dyads' countries on a secondary axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _new_axes(ax)
    dyads = _active_dyads(path) if dyads is None else list(dyads)
    dates = path.dates.astype("datetime64[D]").astype(object)
    for k, (a, b) in enumerate(dyads):
        ax.step(
            dates,
            100 * path.series(a, b),
            where="post",
            color=PALETTE[k % len(PALETTE)],
            lw=2,
            label=f"{a} tariff on {b}",
        )
    ax.set_ylabel("headline tariff (%)")
    ax.set_xlabel("date")
    title = path.meta.get("scenario") or "tariff path"
    ax.set_title(f"{title} ({path.meta.get('kind', 'simulation')})")
    ax.grid(True, alpha=0.3)
    top = max([100 * path.series(a, b).max() for a, b in dyads] or [1.0])
    ax.set_ylim(0, top * 1.25 + 1)
    if events:
        seen: dict[int, int] = {}
        for r, label in path.events:
            if r >= len(path):
                continue
            k = seen.get(r, 0)
            seen[r] = k + 1
            ax.axvline(dates[r], color="0.6", lw=0.8, ls=":")
            ax.annotate(
                label,
                (dates[r], top * 1.22),
                xytext=(-2 - 9 * k, 0),
                textcoords="offset points",
                fontsize=6.5,
                rotation=90,
                ha="right",
                va="top",
                color="0.3",
            )
    handles, labels = ax.get_legend_handles_labels()
    if recession:
        ax2 = ax.twinx()
        countries = sorted({c for d in dyads for c in d}, key=path.codes.index)
        for k, c in enumerate(countries):
            i = path.codes.index(c)
            ax2.plot(
                dates,
                100 * path.recession[:, i],
                ls=_DASHES[k % len(_DASHES)],
                lw=1.2,
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
    ax.figure.autofmt_xdate()
    return ax


def plot_summary(path: Path, *, fig: Figure | None = None) -> Figure:
    """A three-panel figure: tariffs, indicators (recession, approval, markets), payoffs.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 9), layout="constrained")
    if len(path) < 1:
        raise ParameterError("`path` is empty.")
    a1, a2, a3 = fig.subplots(3, 1, sharex=True)
    plot_path(path, ax=a1, recession=False)
    dates = path.dates.astype("datetime64[D]").astype(object)
    players = path.players()
    for k, c in enumerate(players):
        i = path.codes.index(c)
        col = PALETTE[k % len(PALETTE)]
        a2.plot(dates, 100 * path.recession[:, i], color=col, label=f"{c} recession odds (%)")
        a3.plot(dates, path.payoff[:, i], color=col, label=f"{c} payoff")
    if "US" in path.codes:
        i = path.codes.index("US")
        a2.plot(dates, 100 * path.approval[:, i], color="0.2", ls="--", label="US approval (%)")
        a2.axhspan(39, 45, color="0.85", alpha=0.5, label="approval 39–45% (reported)")
    a2.set_ylabel("%")
    a2.grid(True, alpha=0.3)
    a2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    a3.axhline(0, color="0.5", lw=0.8)
    a3.set_ylabel("payoff (% of GDP, annual rate)")
    a3.grid(True, alpha=0.3)
    a3.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def save(fig_or_ax: Any, path: str, *, dpi: int = 120) -> None:
    """Save a Figure (or the figure of an Axes) to ``path`` atomically.

    The image is written to a unique temporary file next to ``path`` and
    renamed over it: an interrupted save never leaves a truncated file.
    """
    from ._io import atomic_save_figure

    atomic_save_figure(fig_or_ax, path, dpi=dpi)
