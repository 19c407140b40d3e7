r"""Calibration: fit parameters so a scenario reproduces an observed path, then test its forecast.

:func:`calibrate` chooses values of a few parameter paths
(:mod:`tariffsim.parampath`) that make the simulated headline tariffs match
an :class:`~tariffsim.analysis.observed.ObservedPath` up to a date; the
returned :class:`Calibration` holds the estimates, profile-likelihood
intervals, a report of the parameters the record cannot identify, and
:meth:`Calibration.forecast` to test the fitted model on the rest of the
record against two baselines.

The loss
--------
For parameters :math:`\theta`, seeds :math:`s = 1..S`, the observed dyads
:math:`d` (those in the record with a ladder in the game) and the round dates
:math:`t` from the game's start up to ``until``,

.. math::

   L(\theta) = \frac{1}{S\,D\,T} \sum_{s} \sum_{d} \sum_{t}
               \bigl(\tau_{d,t}(\theta, s) - o_{d,t}\bigr)^2,

the mean squared error between the simulated headline tariff
:math:`\tau` (a fraction) and the observed headline :math:`o` resampled on
the round dates (:meth:`ObservedPath.headline`). The seeds are fixed
(children of ``SeedSequence(seed)``, the same for every :math:`\theta`:
common random numbers), so :math:`L` is a deterministic function and two
calls with the same arguments give the same estimates. Read as a Gaussian
quasi-likelihood with unknown variance, :math:`-2\log\Lambda(\theta) =
m \log(L(\theta)/\hat L)` with :math:`m = DT` points.

The optimiser
-------------
Tariffs move on ladders, so :math:`L` is piecewise constant in
:math:`\theta`: it has plateaus and jumps and no useful gradient, and with
noise it is also rough. tariffsim uses SciPy's differential evolution
(Storn & Price 1997; ``scipy.optimize.differential_evolution``), a
derivative-free, population-based global search that copes with plateaus
and is bounded by construction, with a fixed seed, ``polish=False`` (the
gradient polish is meaningless on a step function) and
``vectorized=True, updating="deferred"``: each generation's whole population
is evaluated as **one batch** of the engine (population × seeds runs through
:func:`tariffsim.analysis.runner.map_chunks`), which is what the batched
engine is fast at. ``method="grid"`` evaluates a Latin-hypercube sample of
``maxiter * popsize * k`` points instead (one batch; for smoke tests and
for one or two parameters).

Uncertainty and identification
------------------------------
For each parameter a **profile** of the loss is computed on a grid over its
range: at each grid value the other parameters are re-optimised over a
candidate set (the estimate, the final population and ``profile_samples``
uniform draws; one batch per parameter) — an approximation from above of
the exact profile. The 95% interval is the hull of the grid values whose
profile is within the likelihood-ratio threshold, widened to the neighbouring
grid points (the boundary lies somewhere between them)

.. math::

   L \le \hat L + \max(\hat L, L_{\min})\,\chi^2_{1,0.95} / m,

(:math:`L_{\min}` = :data:`LOSS_FLOOR`, one percentage point squared, keeps
the threshold positive when the fit is exact). A parameter whose interval
covers more than :data:`FLAT_SHARE` of its range has a flat profile: the
record does not identify it, and :attr:`Calibration.identified` says so.

Bounds
------
By default each parameter varies over the range its claims give (the ranges
``ts.ensemble(vary="claims")`` draws from) and otherwise over
``value * (1 ± 0.5)`` around the scenario's value, clipped to its domain
(:data:`tariffsim.analysis.sensitivity.DEFAULT_FACTOR`).

Forecast checks
---------------
:meth:`Calibration.forecast` simulates the fitted game over the whole
horizon; :meth:`Forecast.score` compares it with the record after the fit
date, next to two baselines: **no change** (every dyad stays at its
observed level on the fit date) and **default** (the scenario as bundled,
not fitted). Errors are root-mean-square and mean absolute errors in
percentage points over the round dates after ``after``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import numbers
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import limits
from .._util import (
    as_date,
    check_bool,
    frozen_array,
    literal_text,
    one_of,
    short_repr,
    whole_number,
)
from ..errors import (
    ConvergenceWarning,
    MissingExtraError,
    ParameterError,
    TariffsimError,
    UnknownNameError,
)
from ..progress import progress_bar, progress_enabled
from ..world import _dyad_key
from .observed import ObservedPath, round_dates
from .sensitivity import (
    _check_range,
    _run_design,
    check_path_range,
    default_range,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..game import Game

__all__ = [
    "DEFAULT_UNTIL",
    "FLAT_SHARE",
    "LOSS_FLOOR",
    "Calibration",
    "Forecast",
    "ForecastScore",
    "calibrate",
]

Array = NDArray[np.float64]
CHI2_1_95 = 3.841458820694124
"""95% quantile of the chi-square distribution with one degree of freedom."""
LOSS_FLOOR = 1e-4
"""Smallest loss used in the interval threshold: (1 percentage point)^2."""
FLAT_SHARE = 0.5
"""A parameter whose interval covers more than this share of its range is not identified."""
DEFAULT_UNTIL = "2025-06-30"
"""The last date of a fit by default: the record's first half-year, up to the Geneva truce and
its hold (the fit of the analysis guide)."""
METHODS = ("de", "grid")


# ---------------------------------------------------------------------------
# the loss, as a per-run output of the design runner
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _SquaredError:
    """Per-run mean squared error of the simulated headline tariffs against targets."""

    dyads: tuple[tuple[str, str], ...]
    target: Array  # (D, T+1)
    mask: NDArray[np.bool_]  # (T+1,): round dates in the fit window

    def __call__(self, batch: Any) -> Array:
        sims = np.stack([np.asarray(batch.tariff_series(a, b), float) for a, b in self.dyads], 1)
        err = (sims[:, :, self.mask] - self.target[None, :, self.mask]) ** 2
        # one contiguous row per run: the sum's order never depends on the batch size
        out: Array = np.ascontiguousarray(err.reshape(len(err), -1)).mean(axis=1)
        return out


def _target(
    game: Game, obs: ObservedPath, dyads: Sequence[tuple[str, str]], rounds: int
) -> tuple[Array, NDArray[Any]]:
    dates = np.array([game.date(r) for r in range(rounds + 1)], dtype="datetime64[D]")
    return np.stack([obs.headline(a, b, dates) for a, b in dyads]), dates


def _outside(
    defaults: Mapping[str, float], bounds: Mapping[str, tuple[float, float]]
) -> list[tuple[str, float, float, float]]:
    """``(path, value, low, high)`` of each parameter whose scenario value lies outside its
    search range."""
    return [
        (p, v, *bounds[p])
        for p, v in defaults.items()
        if p in bounds and not bounds[p][0] <= v <= bounds[p][1]
    ]


_METHOD_WORDS = {"de": "differential evolution", "grid": "Latin-hypercube grid"}
"""How the report names each search ``method``."""


def moving_dyads(game: Game) -> set[tuple[str, str]]:
    """Dyads the game can move: an agent's tariff targets and dyads set by events
    (:meth:`~tariffsim.game.Game.played_dyads`)."""
    return set(game.played_dyads())


def _dyads(game: Game, obs: ObservedPath, dyads: Any) -> tuple[tuple[str, str], ...]:
    ladders = set(game.world.ladders)
    if dyads is None:
        moving = moving_dyads(game)
        out = tuple(d for d in obs.dyads if d in ladders and d in moving)
        if not out:
            raise ParameterError(
                f"the record {obs.name!r} has no dyad the game moves (an agent's target or "
                f"an event's); record dyads: {list(obs.dyads)}, game: {sorted(moving)}."
            )
        return out
    chosen: list[tuple[str, str]] = []
    if isinstance(dyads, str) or not isinstance(dyads, Sequence):
        raise ParameterError(
            "`dyads` must be a list of dyads ('US-CN', 'US->CN' or ('US', 'CN')); got "
            f"{short_repr(dyads)}."
        )
    for item in dyads:
        d = _dyad_key(item, "dyads")
        if d not in obs.dyads:
            raise UnknownNameError(f"`dyads`: the record has no dyad {d[0]}-{d[1]}.")
        if d not in ladders:
            raise ParameterError(f"`dyads`: the game has no tariff ladder for {d[0]}-{d[1]}.")
        if d in chosen:  # (it would count twice in the loss and the intervals)
            raise ParameterError(f"`dyads` names {d[0]}-{d[1]} twice.")
        if d not in moving_dyads(game):
            raise ParameterError(
                f"`dyads`: the game never moves {d[0]}-{d[1]} (no agent targets it and no "
                "event sets it), so no parameter could fit it; dyads it moves: "
                f"{', '.join(f'{a}-{b}' for a, b in sorted(moving_dyads(game)))}."
            )
        chosen.append(d)
    if not chosen:
        raise ParameterError("`dyads` is empty.")
    return tuple(chosen)


def _bounds(game: Game, params: Any, bounds: Any) -> dict[str, tuple[float, float]]:
    from .. import parampath

    arg = "bounds"  # where the ranges were given, for the messages
    if isinstance(params, Mapping):
        if bounds is not None:
            raise ParameterError("give ranges in `params` or in `bounds`, not both.")
        if not params:
            raise ParameterError(
                "`params` is empty: name a parameter path, with its range "
                "({'learning_rate.US': (0.02, 0.4)}) or without (['learning_rate.US'])."
            )
        bounds, params, arg = dict(params), list(params), "params"
    if isinstance(params, str) or not isinstance(params, Sequence) or not params:
        raise ParameterError(
            f"`params` must be a non-empty list of parameter paths; got {short_repr(params)}."
        )
    parampath.check_disjoint(params, "params")
    if bounds is not None and not isinstance(bounds, Mapping):
        raise ParameterError(
            f"`bounds` must be a mapping of parameter path to (low, high); got "
            f"{short_repr(bounds)}."
        )
    given = dict(bounds or {})
    for p in given:
        if p not in params:
            raise ParameterError(f"`bounds` names {p!r}, which is not in `params`.")
    claims = _claims_ranges(game)
    out: dict[str, tuple[float, float]] = {}
    for p in params:
        parampath.describe(p)  # unknown path -> UnknownNameError with near matches
        if p in given:
            rng = given[p]
            if not isinstance(rng, Sequence) or isinstance(rng, str) or len(rng) != 2:
                raise ParameterError(f"`{arg}.{p}` must be (low, high); got {rng!r}.")
            out[p] = check_path_range(p, rng[0], rng[1], arg=arg)
        elif (key := _claimed(p, claims)) is not None:
            out[p] = _check_range(p, *claims[key])
        else:
            out[p] = default_range(game, p)
    return out


def _claimed(path: str, claims: Mapping[str, Any]) -> str | None:
    """The key of :func:`_claims_ranges` whose range ``path`` takes: the path itself, or the
    field it is a country's entry of where the claims set the field for every country
    (``approval_price.US`` under ``approval_price``); None if neither."""
    for key in (path, path.split(".")[0]):
        if key in claims:
            return key
    return None


def _claims_ranges(game: Game) -> dict[str, tuple[float, float]]:
    """``{parameter path: range}`` implied by the claims with a range (each alone)."""
    try:
        from .vary import claim_distributions, claim_overrides
    except ImportError:  # pragma: no cover - ensembles not available
        return {}
    from ..claims import load_claims

    cl = load_claims()
    out: dict[str, tuple[float, float]] = {}
    for cd in claim_distributions(game):
        lo, hi = getattr(cl[cd.claim], "range")  # noqa: B009
        for p, v in claim_overrides(game, cd.claim, np.array([lo, hi])).items():
            out.setdefault(p, (float(np.min(v)), float(np.max(v))))
    return out


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Calibration:
    """Fitted parameter values, their uncertainty, and what the fit rests on.

    Attributes
    ----------
    params : mapping of str to float
        The estimate of every fitted parameter path.
    intervals : mapping of str to (float, float)
        95% profile-likelihood interval of each (see the module docs).
    identified : mapping of str to bool
        False where the profile is flat (interval > :data:`FLAT_SHARE` of the range).
    bounds : mapping of str to (float, float)
        The search range of each parameter.
    loss : float
        Loss at the estimate (mean squared error, fraction²).
    loss_default : float
        Loss of the scenario as bundled (the unfitted values).
    defaults : mapping of str to float
        The scenario's value of each parameter.
    profiles : mapping of str to (ndarray, ndarray)
        Grid and profile loss of each parameter.
    threshold : float
        Loss under which a profile point is inside the interval.
    observed : ObservedPath
    dyads : tuple of (str, str)
        The dyads fitted.
    until : datetime.date
        Last date of the fit window.
    points : int
        Number of (dyad, round) points in the fit.
    seeds : int
        Number of common seeds the loss averages over; ``seed`` roots them.
    seed : int
    method : str
    runs : int
        Model runs spent (the search, the profiles and the scenario's own).
    game : Game
        The scenario's game, unfitted.
    rounds : int
        Rounds the fitted and unfitted games are simulated over (the game's).
    name : str
        The scenario's name.
    meta : mapping
        Free-form extras.
    recalibrate : bool
        Whether each candidate was the what-if of its values (``calibrate(recalibrate=True)``).
    resolved : mapping of str to float
        The calibrated fields re-solved at the estimate (parameter path -> value), which
        :attr:`fitted_game` applies with :attr:`params`; empty when the estimate moves no
        input of the calibration or without ``recalibrate``.
    infeasible : int
        Candidates (runs' worth of parameter values) the calibration could not take: the
        US bears no burden at the calibration state, or a re-solved field leaves its range.
        Their loss is taken as infinite.
    converged : bool
        Whether the search met its stopping rule (differential evolution: the population's
        loss spread fell below ``tol`` within ``maxiter`` generations) and no profile then
        found a lower loss. False: the estimate is the best point seen, not an optimum
        (the report says so and :func:`calibrate` warns). The ``"grid"`` method has no
        stopping rule: always True.
    search : str
        How the search ended, in words (the optimiser's message).
    """

    params: Mapping[str, float]
    intervals: Mapping[str, tuple[float, float]]
    identified: Mapping[str, bool]
    bounds: Mapping[str, tuple[float, float]]
    loss: float
    loss_default: float
    defaults: Mapping[str, float]
    profiles: Mapping[str, tuple[Array, Array]]
    threshold: float
    observed: ObservedPath
    dyads: tuple[tuple[str, str], ...]
    until: dt.date
    points: int
    seeds: int
    seed: int
    method: str
    runs: int
    game: Any
    rounds: int
    name: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    recalibrate: bool = False
    resolved: Mapping[str, float] = field(default_factory=dict)
    infeasible: int = 0
    converged: bool = True
    search: str = ""

    @property
    def fitted_game(self) -> Game:
        """The game with the estimates applied (and the calibrated fields they re-solve).

        With ``recalibrate`` this is the game of ``sc.with_params(**params)``, the
        game the fit simulated at the estimate.
        """
        from .. import parampath

        g: Game = parampath.apply(self.game, {**self.params, **self.resolved})
        return g

    @property
    def rmse_pp(self) -> float:
        """Root-mean-square error of the fit, in percentage points."""
        return 100 * math.sqrt(self.loss)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per parameter: estimate, interval (``interval_low``, ``interval_high``:
        the 95% interval), range searched (``range_low``, ``range_high``), default,
        identified. (Until 2026-12 the interval's keys were ``low`` and ``high``, which a
        sensitivity analysis's CSV gives the range.)"""
        return [
            {
                "param": p,
                "estimate": self.params[p],
                "interval_low": self.intervals[p][0],
                "interval_high": self.intervals[p][1],
                "range_low": self.bounds[p][0],
                "range_high": self.bounds[p][1],
                "default": self.defaults[p],
                "identified": self.identified[p],
            }
            for p in self.params
        ]

    def to_frame(self) -> Any:
        """:meth:`rows` as a pandas DataFrame indexed by parameter."""
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "Calibration.to_frame() needs pandas: pip install 'tariffsim[pandas]'"
            ) from None
        return pd.DataFrame(self.rows()).set_index("param")

    def report(self, width: int = 100) -> str:
        """The estimates, their intervals and the data behind them, as text.

        Lines longer than ``width`` characters (an integer, at least 20) are wrapped
        (indented), never cut.
        """
        width = whole_number(width, "width", 20)
        dates = round_dates(self.game)
        last = np.datetime64(self.last_fitted, "D")
        span = f"{dates[1] if len(dates) > 1 else dates[0]}..{last}"
        if last < np.datetime64(self.until, "D") and last == dates[-1]:
            span += f" (the game's last round; until {self.until})"
        lines = [
            f"calibration of {self.name or 'the scenario'} to {self.observed.name!r}",
            f"data: dyads {', '.join(f'{a}->{b}' for a, b in self.dyads)}, round dates "
            f"{span}, {self.points} points, {self.seeds} seed(s)",
            f"loss (MSE): {self.loss:.5g} fitted (RMSE {self.rmse_pp:.1f} pp), "
            f"{self.loss_default:.5g} unfitted (RMSE {100 * math.sqrt(self.loss_default):.1f} pp); "
            f"{_METHOD_WORDS.get(self.method, self.method)}, {self.runs} runs",
        ]
        pw = max(len(p) for p in self.params)
        lines.append(
            f"  {'parameter':<{pw}}  {'estimate':>9}  {'95% interval':>19}  "
            f"{'range':>17}  {'default':>8}  identified"
        )
        for r in self.rows():
            ok = "yes" if r["identified"] else "NO (flat)"
            lines.append(
                f"  {r['param']:<{pw}}  {r['estimate']:>9.4g}  "
                f"[{r['interval_low']:>8.4g}, {r['interval_high']:>8.4g}]  "
                f"[{r['range_low']:>6.3g}, {r['range_high']:>6.3g}]  {r['default']:>8.4g}  {ok}"
            )
        if not self.converged:
            lines.append(f"search NOT converged: {_unsettled(self.search)}")
        if self.resolved:
            lines.append(
                "re-solved at the estimate (calibration targets held): "
                + ", ".join(f"{p} = {v:.6g}" for p, v in self.resolved.items())
            )
        if self.infeasible:
            lines.append(
                f"{self.infeasible} candidate(s) could not be recalibrated (no US burden at the "
                "calibration state, or a re-solved field out of its range): their loss is "
                "taken as infinite"
            )
        bad = [p for p, ok in self.identified.items() if not ok]
        if bad:
            lines.append("not identified by this record (flat profile over most of the range):")
            lines += [f"  {p}" for p in bad]
        outside = _outside(self.defaults, self.bounds)
        if self.loss > self.loss_default and not outside:
            lines.append(
                "the fit is worse than the scenario as written, whose values lie in the range "
                "searched: setting the parameters to those values does not give the scenario "
                "back. A bare path also sets the agents' beliefs (a BeliefReplacedWarning said "
                "so): fit 'truth:<path>' to leave them; or widen the search (popsize, maxiter)."
            )
        if outside:
            lines.append(
                "the scenario's own value lies outside the range searched (the fit cannot "
                "return it; widen the range to compare):"
            )
            lines += [f"  {p} = {v:g}, range [{lo:g}, {hi:g}]" for p, v, lo, hi in outside]
        return "\n".join(
            textwrap.fill(ln, width, subsequent_indent="    ", break_on_hyphens=False)
            if len(ln) > width
            else ln
            for ln in lines
        )

    table = report

    def __repr__(self) -> str:
        est = ", ".join(f"{p}={v:.3g}" for p, v in self.params.items())
        return f"<Calibration {self.name} to {self.observed.name}: {est}; loss {self.loss:.3g}>"

    def simulate(self, seed: int = 0, rounds: int | None = None) -> Any:
        """One run of the fitted game (a full :class:`~tariffsim.Path`), of ``rounds`` rounds
        (default: the fit's)."""
        from ..game import simulate

        r = self.rounds if rounds is None else whole_number(rounds, "rounds", 1)
        return simulate(self.fitted_game, r, seed=seed)

    @literal_text
    def plot(self, *, ax: Axes | None = None, seed: int = 0) -> Axes:
        """Fitted (solid) and unfitted (thin grey) paths against the record (dashed).

        The fit window is shaded.
        """
        from ..game import simulate
        from ..plotting import _new_axes, plot_path

        ax = _new_axes(ax)
        path = simulate(self.fitted_game, self.rounds, seed=seed)
        plot_path(path, ax=ax, dyads=list(self.dyads), events=False, recession=False)
        base = simulate(self.game, self.rounds, seed=seed)
        dates = base.dates.astype(object)
        _draw_unfitted(ax, path, base, self.dyads)
        self.observed.plot(ax=ax, dyads=list(self.dyads), until=str(path.dates[-1]),
                           codes=path.codes)  # fmt: skip
        # the window the fit used (to `until`, or to the game's last round when it ends first)
        ax.axvspan(dates[0], self.last_fitted, color="0.92", zorder=0, label="fit window")  # type: ignore[arg-type]
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.set_title(f"{self.name}: fitted to {self.observed.name} up to {self.until}")
        return ax

    @literal_text
    def plot_profiles(self, *, fig: Any = None) -> Any:
        """One panel per parameter: its profile loss, the threshold, the interval.

        Raises
        ------
        ParameterError
            If ``fig`` is neither None nor a matplotlib Figure (or SubFigure).
        """
        from ..plotting import _new_figure

        fig = _new_figure(fig, (3.2 * len(self.params), 3))
        axes = np.atleast_1d(fig.subplots(1, len(self.params)))
        for ax, p in zip(axes, self.params, strict=True):
            g, v = self.profiles[p]
            ax.plot(g, v, "-o", ms=2.5)
            ax.axhline(self.threshold, color="0.4", ls=":", lw=1)
            ax.axvspan(*self.intervals[p], color="0.9")
            ax.axvline(self.params[p], color="k", lw=1)
            ax.set_title(p + ("" if self.identified[p] else " (flat)"), fontsize=9)
            ax.set_xlabel("value")
        axes[0].set_ylabel("profile loss (MSE)")
        return fig

    @property
    def last_fitted(self) -> dt.date:
        """The date of the last round the fit used: the last round dated on or before
        ``until`` (earlier than ``until`` when the game ends before it)."""
        dates = round_dates(self.game)
        fitted = dates[(dates <= np.datetime64(self.until, "D"))]
        return fitted[-1].astype(dt.date)

    def forecast(
        self, after: dt.date | str | None = None, *, rounds: int | None = None, seed: int = 0
    ) -> Forecast:
        """Simulate the fitted and the unfitted game past ``after`` (default: the last date
        fitted, :attr:`last_fitted`).

        Parameters
        ----------
        after : date or ISO string, optional
            The forecast is scored after it, and the no-change baseline holds the record's
            levels on it. Not before :attr:`last_fitted`: the rounds up to it were fitted,
            and the record up to it was seen (default: that date; when the game ends before
            ``until``, the baseline would otherwise hold levels the fit never saw).
        rounds : int, optional
            Horizon. Default: the fit's rounds (the scenario's), or as many more as
            reach the record's last date (:attr:`ObservedPath.end`), so that the
            forecast is scored on the whole record after ``after``.
        seed : int
            Seed of the simulated runs.

        Raises
        ------
        ParameterError
            If ``after`` is not a date, or lies before :attr:`last_fitted`; for a bad
            ``rounds``.
        """
        from ..game import simulate

        last = self.last_fitted
        after_d = last if after is None else as_date(after, "after")
        if after_d < last:
            raise ParameterError(
                f"`after` {after_d} lies inside the fit window (rounds up to {last} were "
                f"fitted): a forecast is scored after the last date fitted; pass a date "
                f"from {last} on, or leave `after` out."
            )
        r = self.rounds if rounds is None else rounds
        if rounds is None:  # on to the round in which the record's last date falls
            r = max(r, self.game.round_of(self.observed.end))
            limits.check(
                "max_rounds", r,
                f"forecast rounds to the record's last date ({self.observed.end}; pass fewer "
                "as `rounds`, on the command line --forecast-rounds)",
            )  # fmt: skip
        r = whole_number(r, "rounds", 1)
        end = self.game.date(r)
        if after is not None and after_d >= end:  # (the default: the score says so)
            raise ParameterError(
                f"`after` {after_d} lies past the forecast's last round ({r} rounds, to "
                f"{end}): nothing would be scored; pass an earlier `after`, or more `rounds`."
            )
        fitted = simulate(self.fitted_game, r, seed=seed)
        default = simulate(self.game, r, seed=seed)
        return Forecast(
            after=after_d, fitted=fitted, default=default, dyads=self.dyads,
            fit_observed=self.observed, name=self.name,
        )  # fmt: skip


@dataclass(frozen=True, eq=False)
class ForecastScore:
    """Forecast errors after a date, of the fitted model and two baselines.

    Attributes
    ----------
    rmse, mae : mapping of str to float
        Per forecaster (``fitted``, ``no_change``, ``default``), in percentage points.
    per_dyad : mapping of (str, str) to mapping of str to float
        RMSE per dyad and forecaster (pp).
    points : int
        (dyad, round) points scored.
    after, last : datetime.date
        The scored window (dates after ``after`` up to ``last``).
    """

    rmse: Mapping[str, float]
    mae: Mapping[str, float]
    per_dyad: Mapping[tuple[str, str], Mapping[str, float]]
    points: int
    after: dt.date
    last: dt.date

    @property
    def best(self) -> str:
        """The forecaster with the smallest RMSE; of those within 1e-9 pp of it (a tie up to
        rounding), the simplest: ``no_change``, then ``default``, then ``fitted`` (a model
        must beat the baseline to be called better)."""
        finite = {k: v for k, v in self.rmse.items() if math.isfinite(v)}
        if not finite:
            raise ParameterError(f"no forecaster has a finite RMSE: {dict(self.rmse)!r}.")
        low = min(finite.values())
        tied = [k for k, v in finite.items() if v <= low + 1e-9]
        simple = ("no_change", "default", "fitted")
        return min(tied, key=lambda k: simple.index(k) if k in simple else len(simple))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per forecaster: rmse and mae in pp, and per-dyad RMSE."""
        out = []
        for k in self.rmse:
            row: dict[str, Any] = {"forecaster": k, "rmse_pp": self.rmse[k], "mae_pp": self.mae[k]}
            for (a, b), v in self.per_dyad.items():
                row[f"{a}->{b} rmse_pp"] = v[k]
            out.append(row)
        return out

    def table(self) -> str:
        """The scores as text."""
        lines = [
            f"forecast after {self.after} to {self.last}: {self.points} points "
            "(errors in percentage points)",
            f"  {'forecaster':<10}  {'RMSE':>6}  {'MAE':>6}  "
            + "  ".join(f"{a}->{b:<3}" for a, b in self.per_dyad),
        ]
        for k in self.rmse:
            per = "  ".join(f"{self.per_dyad[d][k]:>6.1f}" for d in self.per_dyad)
            lines.append(f"  {k:<10}  {self.rmse[k]:>6.1f}  {self.mae[k]:>6.1f}  {per}")
        if self.rmse.get("no_change") == 0.0:
            lines.append(
                f"  the record holds still after {self.after}: the no-change baseline is exact, "
                "so this window tells no forecaster apart (forecast from an earlier date, "
                "`until`, for a window in which the record moves)"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        s = ", ".join(f"{k} {v:.1f}" for k, v in self.rmse.items())
        return f"<ForecastScore RMSE pp after {self.after}: {s}>"


_SAME = 1e-9
"""Two series are the same on a chart when equal up to rounding (a sum of layers against a
record's level)."""
_SAME_SAID = " (the same as the fitted path)"


def _draw_unfitted(ax: Axes, fitted: Any, default: Any, dyads: Sequence[tuple[str, str]]) -> int:
    """The unfitted scenario's tariffs as thin grey lines over the fitted path's (where they
    coincide, as they often do, they still show), labelled once; the label says when every
    one coincides with the fitted path. Returns their z-order."""
    over = 4 + len(dyads)  # over the fitted path's lines (plotting._style: 3 + k for dyad k)
    dates = default.dates.astype(object)
    same = True
    for a, b in dyads:
        line = np.asarray(default.series(a, b))
        same &= bool(np.allclose(line, fitted.series(a, b), rtol=0.0, atol=_SAME))
        ax.step(dates, 100 * line, where="post", lw=0.9, color="0.45", zorder=over)
    ax.plot([], [], lw=0.9, color="0.45", label="unfitted scenario" + (_SAME_SAID if same else ""))
    return over


@dataclass(frozen=True, eq=False)
class Forecast:
    """The fitted model's path past the fit date, with the unfitted one for comparison."""

    after: dt.date
    fitted: Any
    default: Any
    dyads: tuple[tuple[str, str], ...]
    fit_observed: ObservedPath
    name: str = ""

    def __repr__(self) -> str:
        rounds = len(self.fitted.dates) - 1
        dyads = ", ".join(f"{a}->{b}" for a, b in self.dyads)
        return (
            f"<Forecast {self.name or 'of the fit'} after {self.after}: {rounds} rounds to "
            f"{self.fitted.dates[-1]}, dyads {dyads}>"
        )

    def _record(self, obs: ObservedPath | str | None) -> ObservedPath:
        """``obs`` as a record: the fit's by default, a bundled record's name loaded."""
        obs = self.fit_observed if obs is None else obs
        if isinstance(obs, str):
            from .observed import load

            obs = load(obs)
        if not isinstance(obs, ObservedPath):
            raise ParameterError(
                f"`obs` must be an ObservedPath or a record name; got {short_repr(obs)}."
            )
        return obs

    def score(self, obs: ObservedPath | str | None = None) -> ForecastScore:
        """Errors on the round dates after :attr:`after` against ``obs``.

        ``obs`` (an :class:`~tariffsim.analysis.observed.ObservedPath` or a bundled
        record's name) defaults to the record the model was fitted to.

        Raises
        ------
        ParameterError
            If the record ends on or before ``after``, no round date of the forecast lies
            after ``after``, or ``obs`` is no record.
        """
        obs = self._record(obs)
        dates = np.asarray(self.fitted.dates, dtype="datetime64[D]")
        after = np.datetime64(self.after, "D")
        if after >= np.datetime64(obs.end, "D"):
            raise ParameterError(
                f"the record {obs.name!r} ends {obs.end}: nothing after {self.after} to score "
                "(fit with an earlier `until`, or score against a record that runs past it)."
            )
        if not (dates > after).any():
            raise ParameterError(
                f"no round of the forecast lies after {self.after}; the horizon ends "
                f"{dates[-1]} (pass a larger `rounds` to forecast())."
            )
        window = self._window(obs)
        if not window.any():
            raise ParameterError(
                f"the record {obs.name!r} ends {obs.end}, before the first round of the "
                f"forecast after {self.after} ({dates[dates > after][0]}): nothing to score."
            )
        err: dict[str, list[Array]] = {"fitted": [], "no_change": [], "default": []}
        per: dict[tuple[str, str], dict[str, float]] = {}
        for (a, b), series in self._series(obs).items():
            o = series["observed"][window]
            e = {k: series[k][window] - o for k in err}
            per[(a, b)] = {k: 100 * float(np.sqrt(np.mean(v**2))) for k, v in e.items()}
            for k, v in e.items():
                err[k].append(v)
        rmse = {k: 100 * float(np.sqrt(np.mean(np.concatenate(v) ** 2))) for k, v in err.items()}
        mae = {k: 100 * float(np.mean(np.abs(np.concatenate(v)))) for k, v in err.items()}
        return ForecastScore(
            rmse=rmse, mae=mae, per_dyad=per, points=int(window.sum()) * len(self.dyads),
            after=self.after, last=dates[window][-1].astype(dt.date),
        )  # fmt: skip

    def _window(self, obs: ObservedPath) -> NDArray[np.bool_]:
        """The round dates scored: after :attr:`after`, up to the record's end (the record
        says nothing after its last date)."""
        dates = np.asarray(self.fitted.dates, dtype="datetime64[D]")
        return (dates > np.datetime64(self.after, "D")) & (dates <= np.datetime64(obs.end, "D"))

    def _series(self, obs: ObservedPath) -> dict[tuple[str, str], dict[str, Array]]:
        """Per dyad, on every round date: the fitted and unfitted headlines, the no-change
        baseline (the record's level on :attr:`after`) and the record."""
        dates = np.asarray(self.fitted.dates, dtype="datetime64[D]")
        out = {}
        for a, b in self.dyads:
            out[(a, b)] = {
                "fitted": np.asarray(self.fitted.series(a, b), dtype=float),
                "default": np.asarray(self.default.series(a, b), dtype=float),
                "no_change": np.full(len(dates), float(obs.level_on(a, b, self.after))),
                "observed": np.asarray(obs.headline(a, b, dates), dtype=float),
            }
        return out

    def to_frame(self, obs: ObservedPath | str | None = None) -> pd.DataFrame:
        """The forecast as a table: one row per round date and dyad (pandas).

        Columns: ``date``, ``importer``, ``exporter``; the headline tariffs (fractions:
        1.45 = 145%) of the ``fitted`` model, the unfitted scenario (``default``), the
        ``no_change`` baseline (the record's level on :attr:`after`, held from then on;
        NaN up to it, where it forecasts nothing) and the record
        (``observed``, ``obs`` as :meth:`score` takes it; NaN after the record's last
        date, of which it says nothing); ``scored``: whether :meth:`score` scores the
        row (after :attr:`after`, up to the record's end). The ``-forecast-paths.csv``
        of ``tariffsim calibrate``.
        """
        import pandas as pd

        obs = self._record(obs)
        dates = np.asarray(self.fitted.dates, dtype="datetime64[D]")
        window = self._window(obs)
        past = dates > np.datetime64(obs.end, "D")
        before = dates <= np.datetime64(self.after, "D")
        frames = []
        for (a, b), series in self._series(obs).items():
            frames.append(pd.DataFrame({
                "date": dates, "importer": a, "exporter": b, "fitted": series["fitted"],
                "default": series["default"],
                "no_change": np.where(before, np.nan, series["no_change"]),
                "observed": np.where(past, np.nan, series["observed"]), "scored": window,
            }))  # fmt: skip
        return pd.concat(frames, ignore_index=True)

    @literal_text
    def plot(self, obs: ObservedPath | str | None = None, *, ax: Axes | None = None) -> Axes:
        """Fitted and unfitted paths, the no-change baseline and the record (``obs``, as
        :meth:`score` takes it: default the record fitted).

        The forecast window is shaded. The fitted path is drawn in the colours
        of :func:`~tariffsim.plotting.plot_path`; the unfitted scenario (a thin
        grey line) and the no-change baseline (dark dots, from the forecast's
        start) are drawn over it, so that where they coincide with it (once
        the record holds still they often do) they still show, and the legend
        says which of them coincide with the fitted path.
        """
        from ..plotting import _new_axes, plot_path

        obs = self._record(obs)
        ax = _new_axes(ax)
        plot_path(self.fitted, ax=ax, dyads=list(self.dyads), events=False, recession=False)
        dates = self.fitted.dates.astype(object)
        window = np.asarray(self.fitted.dates, dtype="datetime64[D]") > np.datetime64(
            self.after, "D"
        )
        over = _draw_unfitted(ax, self.fitted, self.default, self.dyads)
        if window.any():  # (a forecast from its last round on or later has no window to draw)
            same_held = True
            for a, b in self.dyads:
                held = obs.level_on(a, b, self.after)
                fitted = np.asarray(self.fitted.series(a, b))[window]
                same_held &= bool(np.allclose(fitted, held, rtol=0.0, atol=_SAME))
                ax.plot([self.after, dates[-1]], [100 * held] * 2, ls=":", lw=1.6,
                        color="0.15", zorder=over + 1)  # fmt: skip
            ax.plot([], [], ls=":", lw=1.6, color="0.15",
                    label="no-change baseline" + (_SAME_SAID if same_held else ""))  # fmt: skip
        obs.plot(ax=ax, dyads=list(self.dyads), until=str(self.fitted.dates[-1]),
                 codes=self.fitted.codes)  # fmt: skip
        if window.any():
            ax.axvspan(self.after, dates[-1], color="0.92", zorder=0, label="forecast window")  # type: ignore[arg-type]
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.set_title(f"{self.name}: forecast after {self.after}")
        return ax


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------
def _check_int(name: str, v: Any, lo: int) -> int:
    return whole_number(v, name, lo)


def _de_seed_kwargs(seed: int) -> dict[str, Any]:
    from scipy.optimize import differential_evolution

    if "rng" in inspect.signature(differential_evolution).parameters:
        return {"rng": np.random.default_rng(seed)}
    return {"seed": seed}  # pragma: no cover - SciPy < 1.15


def calibrate(
    sc: Any,
    obs: ObservedPath | str,
    params: Sequence[str] | Mapping[str, tuple[float, float]],
    *,
    until: dt.date | str | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    dyads: Sequence[tuple[str, str] | str] | None = None,
    seeds: int = 1,
    seed: int = 0,
    method: Literal["de", "grid"] = "de",
    popsize: int = 8,
    maxiter: int = 12,
    tol: float = 1e-8,
    profile_points: int = 15,
    profile_samples: int = 16,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    recalibrate: bool = True,
) -> Calibration:
    """Fit parameter paths so the scenario's headline tariffs match a record up to ``until``.

    Parameters
    ----------
    sc : Scenario, Game or str
        The scenario (a bundled name or a file's path is loaded with
        :func:`tariffsim.load_scenario`) or game.
    obs : ObservedPath or str
        The record (a name or path is loaded with :func:`tariffsim.observed.load`).
    params : list of parameter paths, or mapping path -> (low, high)
        What to fit (:mod:`tariffsim.parampath`), e.g.
        ``["belief:pass_through.US.CN", "learning_rate.US"]``.
    until : date or ISO string, optional
        Last date of the fit window (round dates after it are left out); default
        :data:`DEFAULT_UNTIL`.
    bounds : mapping path -> (low, high), optional
        Search ranges (default: the claims' ranges, else ± 50% of the value;
        see the module docs).
    dyads : list of (importer, exporter) or "US-CN" strings, optional
        Dyads to fit (default: every record dyad the game moves — an agent's
        tariff target or a dyad its events set).
    seeds : int
        Number of common seeds the loss averages over (1 for a noise-free game).
    seed : int
        Roots the seeds, the optimiser and the profile draws.
    method : {"de", "grid"}
        Differential evolution (default) or one Latin-hypercube batch.
    popsize, maxiter, tol
        Differential-evolution settings: population ``popsize * k``, at most
        ``maxiter`` generations, stop when the population's loss spread is
        below ``tol`` (relative).
    profile_points, profile_samples : int
        Grid size of each profile and uniform draws of the other parameters
        per grid point.
    executor, chunk_size, progress
        Where the runs execute (:func:`tariffsim.analysis.runner.map_chunks`);
        results do not depend on them.
    processes : int, optional
        Play the runs on a process pool of this many workers, started for this call
        and shut down after it (:func:`tariffsim.analysis.runner.local_pool`); an
        alternative to ``executor``. Default None: in this process.
    recalibrate : bool, default True
        Each candidate is the what-if ``sc.with_params(candidate)``: its calibrated
        fields are re-solved where it moves an input of the calibration
        (:func:`tariffsim.analysis.vary.as_what_ifs`, as in :func:`tariffsim.ensemble`
        and :func:`tariffsim.analysis.sensitivity.sensitivity`), so the fit keeps the
        calibration targets and :attr:`Calibration.fitted_game` is the what-if of the
        estimate. A candidate the calibration cannot take (see
        :attr:`Calibration.infeasible`) has an infinite loss. False: the values are
        applied as they are. ``belief:`` paths move no calibration either way.

    Returns
    -------
    Calibration

    Raises
    ------
    ParameterError, UnknownNameError
        Bad arguments (before any run), e.g. a fit window without any round, or
        bounds where no corner nor the scenario's values can be recalibrated.
    """
    from .. import parampath
    from ..scenario import resolve
    from .observed import load
    from .runner import _check_count, check_executor, check_processes, check_seed, local_pool

    sc, game = resolve(sc)
    name = getattr(sc, "name", "") or getattr(game, "name", "")
    if isinstance(obs, str):
        obs = load(obs)
    if not isinstance(obs, ObservedPath):
        raise ParameterError(f"`obs` must be an ObservedPath or a record name; got {obs!r}.")
    until_d = as_date(DEFAULT_UNTIL if until is None else until, "until")
    seeds = _check_int("seeds", seeds, 1)
    seed = check_seed(seed)
    check_bool(recalibrate, "recalibrate")
    progress_enabled(progress)  # (a bad value refused before any run)
    popsize = _check_int("popsize", popsize, 2)
    maxiter = _check_int("maxiter", maxiter, 1)
    profile_points = _check_int("profile_points", profile_points, 3)
    profile_samples = _check_int("profile_samples", profile_samples, 0)
    if not one_of(method, METHODS):
        raise ParameterError(
            f"`method` must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    try:
        tol_ok = (
            isinstance(tol, numbers.Real)
            and not isinstance(tol, bool)
            and math.isfinite(tol)
            and tol >= 0
        )
    except OverflowError:  # an int beyond any float
        tol_ok = False
    if not tol_ok:
        raise ParameterError(f"`tol` must be a finite number >= 0; got {short_repr(tol)}.")
    check_executor(executor)
    if chunk_size is not None:  # (checked here: inside the search scipy would wrap its error)
        _check_count("chunk_size", chunk_size)
    n_proc = check_processes(processes, executor)
    fit_dyads = _dyads(game, obs, dyads)
    b = _bounds(game, params, bounds)
    paths = list(b)
    parampath.warn_replaced_beliefs(game, paths, "params")
    # every run the fit may play, counted before any: the search (scipy's population has
    # popsize * k members, at least 5, per generation; the grid one batch), the start and the
    # scenario's own, and each profile's grid x candidates
    k = len(paths)
    pop_rows = max(popsize * k, 5) if method == "de" else max(popsize * k * maxiter, 2) + 1
    search = pop_rows * (maxiter + 1) if method == "de" else pop_rows
    largest = seeds * (profile_points + 1) * (1 + pop_rows + profile_samples)  # one profile
    most = seeds * (search + 2) + k * largest
    limits.check(
        "max_runs", most, "calibration runs (seeds x (popsize x params x generations + profiles))"
    )
    rounds = int(game.rounds)
    target, dates = _target(game, obs, fit_dyads, rounds)
    mask = (dates <= np.datetime64(until_d, "D")) & (dates >= dates[0])
    mask[0] = False  # round 0 is the scenario's starting state, not a choice
    if not mask.any():
        raise ParameterError(
            f"`until` {until_d}{' (the default)' if until is None else ''} leaves no round in "
            f"the fit window; the game's rounds start "
            f"{dates[0]} (first round {dates[1] if len(dates) > 1 else dates[0]}): give a "
            "later `until`."
        )
    # rounds after the window cannot change the loss: simulate only up to its last round
    fit_rounds = int(np.flatnonzero(mask)[-1])
    loss_fn = _SquaredError(
        fit_dyads, frozen_array(target[:, : fit_rounds + 1]), mask[: fit_rounds + 1]
    )
    lo = np.array([b[p][0] for p in paths])
    hi = np.array([b[p][1] for p in paths])
    defaults = {p: parampath.mean_default(game, p) for p in paths}
    # the defaults, inside the ranges: a default at or beyond an end starts a hair inside it
    # (scipy's scaling can put a point exactly on a bound outside, and refuse it)
    inner = 1e-9 * (hi - lo)
    x_def = np.clip([defaults[p] for p in paths], lo + inner, hi - inner)
    what_ifs = _WhatIfs(game, tuple(paths), tuple(getattr(sc, "what_if", ())), recalibrate)
    # the start, both corners of the box, and each path at either end with the rest at the start
    ends = np.repeat(x_def[None, :], 2 * k, axis=0)
    ends[np.arange(k), np.arange(k)], ends[k + np.arange(k), np.arange(k)] = lo, hi
    if recalibrate and not what_ifs.feasible(np.vstack([x_def, lo, hi, ends])).any():
        raise ParameterError(
            "`params`: neither the scenario's values nor the ends of the bounds "
            f"({', '.join(f'{p} in [{b[p][0]:g}, {b[p][1]:g}]' for p in paths)}) can be "
            "recalibrated: the US bears no burden at the calibration state, or a re-solved "
            "field leaves its range. Narrow the bounds, or pass recalibrate=False "
            "(on the command line, --no-recalibrate) to apply the values as they are."
        )
    # no more workers than the largest batch has runs (a profile's grid x candidates); one
    # bar over every run the fit may play (a search that settles early ends it short)
    with (
        local_pool(min(n_proc, largest)) as own,
        progress_bar(most, desc="calibration", unit="run", enabled=progress) as bar,
    ):
        executor = own or executor
        runs = 0
        infeasible = 0

        def evaluate(X: Array) -> Array:
            nonlocal runs, infeasible
            X = np.atleast_2d(np.asarray(X, dtype=float))
            ov, bad = what_ifs(X)
            y = np.full(X.shape[0], np.inf)
            infeasible += int(bad.sum())
            if ov is None:  # no candidate the calibration can take
                return y
            runs += X.shape[0] * seeds
            y = _run_design(game, ov, X.shape[0], {"loss": loss_fn}, seed=seed, rounds=fit_rounds,
                            replicates=seeds, executor=executor, chunk_size=chunk_size,
                            progress=False)[:, 0]  # fmt: skip
            bar.update(X.shape[0] * seeds)
            y[bad] = np.inf
            return y

        pop: Array
        if method == "de":
            from scipy.optimize import differential_evolution

            try:
                res = differential_evolution(
                    lambda x: evaluate(x.T), list(zip(lo, hi, strict=True)), popsize=popsize,
                    maxiter=maxiter, tol=tol, polish=False, vectorized=True, updating="deferred",
                    init="latinhypercube", x0=x_def, **_de_seed_kwargs(seed),
                )  # fmt: skip
            except RuntimeError as exc:  # scipy wraps what the runs raised (an executor
                # that failed, say): the error is tariffsim's own, not scipy's
                if isinstance(exc.__cause__, TariffsimError):
                    raise exc.__cause__ from None
                raise
            x_best, pop = np.asarray(res.x, float), np.asarray(res.population, float)
            best = float(res.fun)
            converged, how = bool(res.success), str(res.message).rstrip(".")
        else:
            from scipy.stats import qmc

            m = max(popsize * len(paths) * maxiter, 2)
            pop = qmc.scale(qmc.LatinHypercube(d=len(paths), seed=seed).random(m), lo, hi)
            pop = np.vstack([x_def, pop])
            y = evaluate(pop)
            k = int(np.argmin(y))
            x_best, best = pop[k], float(y[k])
            converged, how = True, f"one Latin-hypercube batch of {m} points"
        loss_start = float(evaluate(x_def[None, :])[0])
        if loss_start <= best:  # the scenario's values can win, or tie, on a plateau: keep them
            x_best, best = x_def.copy(), loss_start
        if not math.isfinite(best):
            raise ParameterError(
                f"`params`: no candidate the fit tried ({runs} runs) could be recalibrated. "
                "Narrow the bounds, or pass recalibrate=False (on the command line, "
                "--no-recalibrate) to apply the values as they are."
            )
        # the unfitted loss is the scenario's own, which the start need not be: a path's default
        # may be no single value (a mean over countries or dyads), lie outside its range, or
        # differ between the truth and the beliefs a plain path sets alike
        runs += seeds
        own = _run_design(game, {}, 1, {"loss": loss_fn}, seed=seed, rounds=fit_rounds,
                          replicates=seeds, executor=executor, chunk_size=chunk_size,
                          progress=False)  # fmt: skip
        bar.update(seeds)
        loss_default = float(own[0, 0])
        points = int(mask.sum()) * len(fit_dyads)
        threshold = best + max(best, LOSS_FLOOR) * CHI2_1_95 / points
        # -- profiles: one batch per parameter --------------------------------------
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
        profiles: dict[str, tuple[Array, Array]] = {}
        intervals: dict[str, tuple[float, float]] = {}
        identified: dict[str, bool] = {}
        for i, p in enumerate(paths):
            grid = np.unique(
                np.concatenate([np.linspace(lo[i], hi[i], profile_points), [x_best[i]]])
            )
            others = np.vstack(
                [x_best[None, :], pop, lo + (hi - lo) * rng.random((profile_samples, len(paths)))]
            )
            cand = np.repeat(others[None, :, :], len(grid), axis=0)  # (G, C, k)
            cand[:, :, i] = grid[:, None]
            y = evaluate(cand.reshape(-1, len(paths))).reshape(len(grid), -1)
            prof = y.min(axis=1)
            j = int(np.argmin(prof))
            if prof[j] < best - 1e-15:  # the profile found a better point: adopt it
                x_best = cand[j, int(np.argmin(y[j])), :].copy()
                best = float(prof[j])
                if method == "de" and converged:
                    converged = False
                    how = f"the search settled ({how}), but the profile of {p} found a lower loss"
                threshold = best + max(best, LOSS_FLOOR) * CHI2_1_95 / points
            profiles[p] = (grid, prof)
        for i, p in enumerate(paths):
            grid, prof = profiles[p]
            # the estimate is a candidate of every profile: at its own value the profile is at
            # most its loss (it may have been adopted from a later profile, off this grid)
            at = int(np.searchsorted(grid, x_best[i]))
            if at == len(grid) or grid[at] != x_best[i]:
                grid, prof = np.insert(grid, at, x_best[i]), np.insert(prof, at, best)
            prof[at] = min(prof[at], best)
            profiles[p] = (frozen_array(grid), frozen_array(prof))
            ok = np.flatnonzero(prof <= threshold)
            # the boundary lies between grid points: report the first points outside (conservative)
            low = float(min(grid[max(ok.min() - 1, 0)], x_best[i]))
            high = float(max(grid[min(ok.max() + 1, len(grid) - 1)], x_best[i]))
            intervals[p] = (low, high)
            identified[p] = bool((high - low) <= FLAT_SHARE * (hi[i] - lo[i]))
        ov, _ = what_ifs(x_best[None, :])
        assert ov is not None  # the estimate was simulated
        resolved = {p: float(v[0]) for p, v in ov.items() if p not in paths}
        if not converged:
            warnings.warn(
                f"calibration of {name or 'the scenario'}: {_unsettled(how)}",
                ConvergenceWarning,
                stacklevel=2,
            )
        return Calibration(
            params={p: float(x_best[i]) for i, p in enumerate(paths)},
            intervals=intervals, identified=identified, bounds=b, loss=best,
            loss_default=loss_default, defaults=defaults, profiles=profiles, threshold=threshold,
            observed=obs, dyads=fit_dyads, until=until_d, points=points, seeds=seeds, seed=seed,
            method=method, runs=runs, game=game, rounds=rounds, name=name,
            recalibrate=bool(recalibrate), resolved=resolved, infeasible=infeasible,
            converged=converged, search=how,
        )  # fmt: skip


def _unsettled(search: str) -> str:
    """What a search that did not converge means, and what to change, from how it ended."""
    if "found a lower loss" in search:  # it settled, on a point a profile then bettered
        return (
            f"{search}: the estimate is that point, which the search missed; a larger "
            "popsize (--popsize) searches more widely, and method='grid' covers the range "
            "evenly"
        )
    return (
        f"the search stopped before it settled ({search}): the estimate is the best point "
        "seen, not an optimum; raise maxiter or popsize (--maxiter, --popsize)"
    )


@dataclass(frozen=True)
class _WhatIfs:
    """Per-run overrides of candidate rows ``X`` (columns ``paths``): each the what-if of its
    values (:func:`tariffsim.analysis.vary.as_what_ifs`) with ``recalibrate``, else the values."""

    game: Any
    paths: tuple[str, ...]
    held: tuple[str, ...]
    recalibrate: bool

    def _cols(self, X: Array) -> dict[str, Array]:
        return {p: np.ascontiguousarray(X[:, k]) for k, p in enumerate(self.paths)}

    def _of(self, X: Array) -> dict[str, Array]:
        cols = self._cols(X)
        if not self.recalibrate:
            return cols
        from .vary import as_what_ifs

        return as_what_ifs(
            self.game, cols, X.shape[0], held=self.held, arg="params", row="candidate"
        )

    def feasible(self, X: Array) -> NDArray[np.bool_]:
        """Which rows of ``X`` the calibration can take (one batched evaluation)."""
        if not self.recalibrate:
            return np.ones(X.shape[0], dtype=bool)
        from .vary import what_if_footing

        return what_if_footing(self.game, self._cols(X), X.shape[0], held=self.held)

    def __call__(self, X: Array) -> tuple[dict[str, Array] | None, NDArray[np.bool_]]:
        """The overrides of every row and which rows the calibration cannot take.

        A row it cannot take is run with the values of the first row it can (its loss
        is then discarded); None when there is no such row.
        """
        ok = self.feasible(X)
        if not ok.any():
            return None, ~ok
        filled = np.where(ok[:, None], X, X[int(np.flatnonzero(ok)[0])])
        return self._of(filled), ~ok
