"""Figures of equilibria: policy maps of the ladder game and stage-game heatmaps.

Matplotlib is imported inside the functions only (``import tariffsim`` never
loads it). Every function takes ``ax=`` and returns the ``Axes`` it drew on,
using only ``ax.``/``fig.`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util import literal_text
from ..errors import ParameterError
from ..plotting import _new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..world import State
    from .eq_path import MPEResult
    from .normal_form import NormalFormGame

__all__ = ["plot_policy", "plot_stage_game"]

#: Colour of each joint move ``(mx, my)`` on the two plotted dyads.
_ACTION_COLOURS = {
    (-1, -1): "#009E73",
    (-1, 0): "#56B4E9",
    (-1, 1): "#CC79A7",
    (0, -1): "#8FD3B6",
    (0, 0): "#EEEEEE",
    (0, 1): "#F0E442",
    (1, -1): "#0072B2",
    (1, 0): "#E69F00",
    (1, 1): "#D55E00",
}
_WORD = {-1: "cut", 0: "hold", 1: "raise"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}" if abs(100 * x - round(100 * x)) < 1e-9 else f"{100 * x:.1f}"


@literal_text
def plot_policy(
    result: MPEResult,
    dyads: Sequence[tuple[str, str]] | None = (("US", "CN"), ("CN", "US")),
    ax: Axes | None = None,
    *,
    at: State | None = None,
) -> Axes:
    """Policy map of a Markov-perfect equilibrium over two dyads' tariff levels.

    Each cell is a state (x: the first dyad's level, y: the second's, in %);
    its colour is the joint move the equilibrium plays there on the two
    dyads, and an arrow points to the state it leads to. Cells whose stage
    game has no pure equilibrium are hatched. A game with a single active
    dyad gets a one-row strip over that dyad's ladder instead. The subtitle
    names the levels at which the other active dyads are held.

    Parameters
    ----------
    result : MPEResult
    dyads : pair of (str, str), optional
        The two dyads on the axes; default ``US->CN`` and ``CN->US``, or the
        ladder game's first two dyads when those are not both active.
    ax : matplotlib Axes, optional
    at : State, optional
        Levels of the other active dyads (default: the game's initial state);
        named in the subtitle.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If a dyad is not active in the game.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> from tariffsim.equilibrium import plots
    >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
    >>> ax = plots.plot_policy(r)
    >>> ax.get_xlabel()
    'US→CN tariff (%)'
    """
    from matplotlib.patches import Patch

    lg = result.lgame
    if len(lg.dyads) < 2:
        return _policy_strip(result, ax, at)
    if dyads is None or (
        tuple(dyads) == (("US", "CN"), ("CN", "US"))
        and not all(tuple(d) in lg.dyads for d in dyads)
    ):
        # the first two dyads that can move (a demand floor may leave a dyad one rung)
        movable = [d for d, lad in zip(lg.dyads, lg.ladders, strict=True) if len(lad) > 1]
        dyads = (movable + [d for d in lg.dyads if d not in movable])[:2]
    if len(dyads) != 2:
        raise ParameterError(f"`dyads` must name two dyads; got {dyads!r}.")
    pos = []
    for d in dyads:
        d = (str(d[0]), str(d[1]))
        if d not in lg.dyads:
            raise ParameterError(
                f"dyads[{d[0]}, {d[1]}]: not an active dyad of the game; active: {list(lg.dyads)}."
            )
        pos.append(lg.dyads.index(d))
    kx, ky = pos
    if kx == ky:
        raise ParameterError(f"`dyads` must be two different dyads; got {dyads!r}.")
    base_idx = np.array(np.unravel_index(lg.index_of(at if at is not None else lg.base), lg.dims))
    nx_, ny_ = lg.dims[kx], lg.dims[ky]
    ax = _new_axes(ax, (8.4, 5.2))  # (room for the legend beside the square grid)
    moves = result.moves
    for ix in range(nx_):
        for iy in range(ny_):
            idx = base_idx.copy()
            idx[kx], idx[ky] = ix, iy
            s = int(np.ravel_multi_index(tuple(idx), lg.dims))
            mx, my = int(moves[s, kx]), int(moves[s, ky])
            ax.add_patch(
                _rect(ix, iy, _ACTION_COLOURS[(mx, my)], hatch="//" if result.mixed[s] else None)
            )
            tx = min(max(ix + mx, 0), nx_ - 1)
            ty = min(max(iy + my, 0), ny_ - 1)
            if (tx, ty) != (ix, iy):
                ax.annotate(
                    "",
                    xy=(tx, ty),
                    xytext=(ix, iy),
                    arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 1.0},
                )
            else:
                ax.plot(ix, iy, "o", color="#333333", markersize=3)
    ax.set_xlim(-0.5, nx_ - 0.5)
    ax.set_ylim(-0.5, ny_ - 0.5)
    ax.set_xticks(range(nx_), [_pct(x) for x in lg.ladders[kx].levels])
    ax.set_yticks(range(ny_), [_pct(y) for y in lg.ladders[ky].levels])
    (ax_, bx_), (ay_, by_) = lg.dyads[kx], lg.dyads[ky]
    ax.set_xlabel(f"{ax_}→{bx_} tariff (%)")
    ax.set_ylabel(f"{ay_}→{by_} tariff (%)")
    ax.set_aspect("equal")
    title = f"Markov-perfect policy (δ = {result.discount:g}, {result.selection})"
    if not result.converged:
        title += " — NOT converged"
    others = _fixed_levels(lg, base_idx, (kx, ky))
    ax.set_title(title + (f"\n{others}" if others else ""), fontsize=10)
    used = sorted({(int(a), int(b)) for a, b in moves[:, [kx, ky]]})
    handles = [
        Patch(
            facecolor=_ACTION_COLOURS[u],
            edgecolor="#666666",
            label=f"{ax_}→{bx_} {_WORD[u[0]]}, {ay_}→{by_} {_WORD[u[1]]}",
        )
        for u in used
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def _fixed_levels(lg: Any, idx: Any, shown: Sequence[int]) -> str:
    """'other dyads held at: US→CA 25%, …' for the active dyads not on the axes."""
    parts = [
        f"{a}→{b} {_pct(lg.ladders[k].levels[int(idx[k])])}%"
        for k, (a, b) in enumerate(lg.dyads)
        if k not in shown
    ]
    if not parts:
        return ""
    text = "other dyads held at: " + ", ".join(parts)
    return text if len(text) <= 90 else text[:89] + "…"


def _policy_strip(result: MPEResult, ax: Axes | None, at: State | None) -> Axes:
    """The policy of a one-dyad game: a strip of cells over the ladder, arrows to the next."""
    from matplotlib.patches import Patch

    lg = result.lgame
    (a, b), lad = lg.dyads[0], lg.ladders[0]
    n = lg.dims[0]
    ax = _new_axes(ax, (max(6.4, 0.9 * n + 2), 2.6))
    used = set()
    for i in range(n):
        m = int(result.moves[i, 0])
        used.add(m)
        ax.add_patch(_rect(i, 0, _STRIP_COLOURS[m], hatch="//" if result.mixed[i] else None))
        t = min(max(i + m, 0), n - 1)
        if t != i:
            ax.annotate(
                "",
                xy=(t, 0.25),
                xytext=(i, 0.25),
                arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 1.2},
            )
        else:
            ax.plot(i, 0.25, "o", color="#333333", markersize=4)
        ax.text(i, -0.2, _WORD[m], ha="center", va="center", fontsize=8, color="#222222")
    if at is not None:
        k = lg.index_of(at)
        ax.plot(k, 0.42, marker="v", color="#C00000", markersize=8, label="start")
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_xticks(range(n), [_pct(x) for x in lad.levels])
    ax.set_xlabel(f"{a}→{b} tariff (%)")
    title = f"Markov-perfect policy of {a} on {b} (δ = {result.discount:g}, {result.selection})"
    if not result.converged:
        title += " — NOT converged"
    ax.set_title(title + "\nthe only active dyad; arrows: where each level goes next", fontsize=10)
    handles = [
        Patch(facecolor=_STRIP_COLOURS[m], edgecolor="#666666", label=f"{a}→{b} {_WORD[m]}")
        for m in sorted(used)
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


_STRIP_COLOURS = {-1: "#56B4E9", 0: "#DDDDDD", 1: "#D55E00"}


def _rect(ix: int, iy: int, colour: str, hatch: str | None) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (ix - 0.5, iy - 0.5), 1.0, 1.0, facecolor=colour, edgecolor="white", hatch=hatch
    )


@literal_text
def plot_stage_game(
    nfg: NormalFormGame,
    equilibria: Sequence[Sequence[int]] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a two-player stage game with its pure equilibria marked.

    Cell colour is the sum of the two players' payoffs; each cell is labelled
    ``row payoff, column payoff``; equilibria are outlined in black.

    Parameters
    ----------
    nfg : NormalFormGame
        A two-player game.
    equilibria : sequence of (int, int), optional
        Profiles to mark; default every pure Nash equilibrium
        (:func:`~tariffsim.equilibrium.pure_nash`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If the game does not have two players.

    Examples
    --------
    >>> from tariffsim.equilibrium import NormalFormGame, plots
    >>> A = [[3, 0], [5, 1]]
    >>> ax = plots.plot_stage_game(NormalFormGame.from_bimatrix(A, np.transpose(A)))
    >>> len(ax.patches)  # one outline: the (defect, defect) equilibrium
    1
    """
    from matplotlib.patches import Rectangle

    from .pure import pure_nash

    if nfg.n_players != 2:
        raise ParameterError(f"plot_stage_game needs a two-player game; got {nfg.n_players}.")
    eqs = pure_nash(nfg) if equilibria is None else [tuple(e) for e in equilibria]
    A, B = nfg.payoff_array
    m, n = A.shape
    ax = _new_axes(ax, (1.6 + 1.3 * n, 1.2 + 0.9 * m))
    total = A + B
    im = ax.imshow(total, cmap="RdYlGn", origin="upper", aspect="auto")
    span = float(np.abs(np.concatenate([A.ravel(), B.ravel()])).max()) or 1.0
    digits = max(0, 3 - int(np.floor(np.log10(span))))
    for r in range(m):
        for c in range(n):
            ax.text(
                c,
                r,
                f"{A[r, c]:.{digits}f}, {B[r, c]:.{digits}f}",
                ha="center",
                va="center",
                fontsize="small",
            )
    for r, c in eqs:
        ax.add_patch(
            Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2.5)
        )
    p1, p2 = nfg.player_names
    ax.set_xticks(range(n), nfg.action_names[1], rotation=30, ha="right")
    ax.set_yticks(range(m), nfg.action_names[0])
    ax.set_xlabel(f"{p2} (column)")
    ax.set_ylabel(f"{p1} (row)")
    ax.set_title("Stage game: payoffs (row, column); equilibria outlined")
    ax.figure.colorbar(im, ax=ax, label="sum of payoffs")
    return ax
