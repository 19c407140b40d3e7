"""The result of a run: an immutable :class:`Path` of per-round arrays.

Simulations and equilibrium paths both return a ``Path``, so everything a
user does with one (tables, CSV/JSON, the per-term breakdown, plots) works on
the other.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ._io import csv_cell
from ._util import frozen_array as _ro
from ._util import real_array, short_repr, whole_number
from .errors import ParameterError, PlausibilityWarning, TariffsimError, UnknownNameError
from .payoffs import DRAWDOWN_CAP, TERMS
from .schema import label_ok, text_ok
from .world import _SLOW_RANGES, _dyad_key, dyad_args

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ARRAY_FIELDS",
    "COUNTERFACTUAL",
    "ONE_OFF_TERMS",
    "PLOT_BACKEND",
    "STATE_FIELDS",
    "TERMS_ADDED",
    "DyadSeries",
    "Path",
    "PathBreakdown",
    "PathEvent",
]

PLOT_BACKEND = "tariffsim.plotting"
"""Module that draws :meth:`Path.plot` (it sits above this one and is imported on use)."""

INDICATORS = ("recession", "approval", "payoff", "drawdown")
"""Per-country indicators a path and every ensemble keep: recession odds and approval
(fractions), payoff (% of GDP a year) and equity drawdown (index %), each ``(T+1, n)`` in a path
(``(R, T+1, n)`` in an ensemble: :data:`tariffsim.analysis.reduce.INDICATORS` is this
tuple). :meth:`Path.series` and :meth:`Path.peak` name one as ``("recession", "US")``."""

GDP_RATE = "% of GDP a year"
"""The unit of payoffs, their terms and the economic burden: percent of the country's GDP
at an annual rate, scored for each round the state stands (docs/model.md); summing them over
weekly rounds is not a year's loss."""

TIDY_UNITS = {
    "tariff": "fraction", "control": "fraction", "move": "rungs",
    "perceived_pass_through": "fraction", "payoff": GDP_RATE, "recession": "fraction",
    "approval": "fraction", "drawdown": "index %", "burden": GDP_RATE, "term": GDP_RATE,
}  # fmt: skip
"""The unit of each variable of :meth:`Path.to_frame` ``(tidy=True)`` (its ``unit`` column)."""

COUNTERFACTUAL = "counterfactual: "
"""Label prefix of an event that is not part of the scenario's record (a what-if)."""

ARRAY_FIELDS = (
    "tariff",
    "effective",
    "control",
    "moves",
    "terms",
    "payoff",
    "recession",
    "approval",
    "drawdown",
    "burden",
    "perceived_pass_through",
)
"""The per-round array fields of a :class:`Path`, each with a leading round axis."""

TERMS_ADDED = ("reciprocity",)
"""Payoff terms added to the model since the first path files (1 December 2026:
``reciprocity``). :meth:`Path.from_json` reads a file written before one was added
with that term's payoffs zero, as they were: the model that wrote it had no such term,
so the recorded totals are the sums of the terms it had."""
ONE_OFF_TERMS = ("face", "resolve")
"""Payoff terms charged once, in the round of a move; the others are flows at an annual rate."""

STATE_FIELDS = ("layers", "adjust", "tie_loss", "grievance", "equity", "bond", "step_tariff")
"""Optional per-round state fields of a :class:`Path` (``None`` when not recorded):
``layers`` ``(R, L, n, n)``; the slow variables ``adjust``, ``tie_loss`` and
``grievance`` ``(R, n, n)`` (:class:`~tariffsim.world.State`); the market state
``equity`` and ``bond`` ``(R, n)``; ``step_tariff`` ``(R, S, n, n)``, the headline
tariffs after each decision step of the round (rounds of several steps only)."""


class DyadSeries(np.ndarray):
    """A read-only ``(R, n, n)`` array that can also be called by country codes.

    ``path.effective`` is the array of effective tariffs; ``path.effective("US",
    "CN")`` is the ``(R,)`` series of one dyad.
    """

    _codes: tuple[str, ...] = ()

    def __array_finalize__(self, obj: Any) -> None:
        self._codes = getattr(obj, "_codes", ())

    def __call__(self, importer: str, exporter: str) -> NDArray[np.float64]:
        """The series of dyad ``(importer, exporter)``, shape ``(R,)``."""
        for c in (importer, exporter):
            if c not in self._codes:
                raise UnknownNameError(f"unknown country {c!r}; known: {', '.join(self._codes)}.")
        out = np.asarray(self)[:, self._codes.index(importer), self._codes.index(exporter)]
        return out


Array = NDArray[np.float64]

RECESSION_BOUNDS = (0.02, 0.95)
"""Recession odds outside this range saturate the logistic: the model is calibrated between
the pre-escalation odds (15–30%, ``us_recession_baseline``) and 60% at 145%
(``us_recession_odds_60``), so odds below 2% or above 95% are extrapolation."""

PAYOFF_BOUND = 5.0
"""Largest plausible per-round payoff loss or gain, % of GDP at an annual rate. The worst state
of the bundled scenarios costs the US about 2.6%; a full breakdown of trade cooperation costs
2.9% of welfare on average (``ossa_welfare_loss``). Beyond 5% the inputs are suspect."""

_FIELD_RULES: dict[str, tuple[tuple[str, ...], float, float, str]] = {
    # field: (its axes, lowest and highest value allowed, what the value is). The bounds
    # are :class:`~tariffsim.world.State`'s (tariffs and layers >= 0; a path read back is
    # not capped at a state's 1000%; controls in [0, 1]; equity >= -100, bond >= 0; the slow
    # variables' ranges) and those of the stored-ensemble readers (odds and approval are
    # fractions in [0, 1]); every value is finite. A "dyad" is two country axes.
    "tariff": (("round", "dyad"), 0.0, math.inf, "a tariff, a fraction (1.45 = 145%)"),
    "effective": (("round", "dyad"), 0.0, math.inf, "an effective tariff, a fraction"),
    "control": (("round", "dyad"), 0.0, 1.0, "an export control, a share withheld"),
    "moves": (("round", "dyad"), -math.inf, math.inf, "a move, a whole number of rungs"),
    "terms": (("round", "term", "country"), -math.inf, math.inf, "a payoff term, % of GDP"),
    "payoff": (("round", "country"), -math.inf, math.inf, "a payoff, % of GDP"),
    "recession": (("round", "country"), 0.0, 1.0, "recession odds, a probability"),
    "approval": (("round", "country"), 0.0, 1.0, "approval, a share of the electorate"),
    "drawdown": (("round", "country"), -math.inf, math.inf, "an equity drawdown, index %"),
    "burden": (("round", "country"), -math.inf, math.inf, "an economic burden, % of GDP"),
    "perceived_pass_through": (("round", "dyad"), -math.inf, math.inf, "a belief"),
    "layers": (("round", "layer", "dyad"), 0.0, math.inf, "a tariff layer, a fraction"),
    "hit_share": (("layer", "dyad"), 0.0, 1.0, "a share of trade a layer hits"),
    "equity": (("round", "country"), -100.0, math.inf, "an equity index, % from its start"),
    "bond": (("round", "country"), 0.0, math.inf, "bond stress, yield points"),
    "adjust": (("round", "dyad"), *_SLOW_RANGES["adjust"], "import adjustment, a share"),
    "tie_loss": (("round", "dyad"), *_SLOW_RANGES["tie_loss"], "an eroded share of a tie"),
    "grievance": (("round", "dyad"), *_SLOW_RANGES["grievance"], "a grievance, tariff units"),
    "step_tariff": (("round", "step", "dyad"), 0.0, math.inf, "a tariff, a fraction"),
}
"""What :func:`_check_fields` checks of each array field of a :class:`Path`."""

_JSON_KEYS = {"terms": "term_payoffs"}
"""Fields :meth:`Path.to_dict` stores under another key (the rest keep their name)."""


class PathEvent(NamedTuple):
    """An event that fired during a run: the round it fired in and its label.

    Unpacks as ``(round, label)``; :meth:`Path.events_frame` adds dates.
    """

    round: int
    label: str

    @property
    def counterfactual(self) -> bool:
        """True for an event added as a what-if, not part of the scenario's record."""
        return self.label.startswith(COUNTERFACTUAL)


class PathBreakdown(dict[str, Array]):
    """Weighted payoff terms by name (a dict), with the dates to make a frame of them."""

    def __init__(self, terms: Mapping[str, Array], dates: NDArray[Any], codes: Sequence[str]):
        super().__init__(terms)
        self.dates = dates
        self.codes = tuple(codes)

    def _rows(self) -> list[list[Any]]:
        """Per term: its mean over the rounds after the start and its last value, per country
        (the same rounds for every term; a path of one row: that row)."""
        out = []
        for t, v in self.items():
            a = np.asarray(v, dtype=float).reshape(len(self.dates), -1)
            body = a[1:] if len(a) > 1 else a
            out.append([t, *body.mean(axis=0).tolist(), *a[-1].tolist()])
        return out

    def __repr__(self) -> str:
        rows = self._rows()
        n = len(self.codes)
        width = max(len(r[0]) for r in rows)
        head = (
            f"<PathBreakdown {', '.join(self.codes)}: {len(self)} terms x {len(self.dates)} "
            "rounds, % of GDP; mean over the rounds | last round>"
        )
        lines = [head]
        for r in rows:
            # (a term of -1e-6 read "-0.000": rounded first, then signed zeros dropped)
            mean = " ".join(f"{round(x, 3) + 0.0:>8.3f}" for x in r[1 : 1 + n])
            last = " ".join(f"{round(x, 3) + 0.0:>8.3f}" for x in r[1 + n :])
            lines.append(f"  {r[0]:<{width}} {mean} | {last}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        n = len(self.codes)
        header = ["term", *(f"{c} mean" for c in self.codes), *(f"{c} last" for c in self.codes)]
        cap = (
            f"payoff terms, % of GDP: mean over {max(len(self.dates) - 1, 1)} rounds and the "
            "last round"
        )
        return html_table(header, [[r[0], *r[1 : 1 + n], *r[1 + n :]] for r in self._rows()],
                          caption=cap)  # fmt: skip

    def to_frame(self) -> Any:
        """The terms as a pandas DataFrame, full precision, indexed by date.

        For one country: one column per term plus ``total``. For every country
        (``Path.breakdown()``): columns ``(term, country)`` as a MultiIndex.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        pd = _pandas("PathBreakdown.to_frame()")
        idx = pd.DatetimeIndex(self.dates.astype("datetime64[ns]"), name="date")
        first = next(iter(self.values()))
        if first.ndim == 1:
            df = pd.DataFrame({t: np.asarray(v) for t, v in self.items()}, index=idx)
            df["total"] = df.sum(axis=1)
            return df
        cols = pd.MultiIndex.from_tuples(
            [(t, c) for t in self for c in self.codes], names=["term", "country"]
        )
        data = np.concatenate([np.asarray(v) for v in self.values()], axis=1)
        return pd.DataFrame(data, index=idx, columns=cols)


@dataclass(frozen=True, eq=False)
class Path:
    """Per-round record of a run (row 0 is the starting state).

    Attributes
    ----------
    codes : tuple of str
        Country codes, the order of every country axis.
    dates : ndarray of datetime64[D], shape (R,)
    tariff, effective, control : ndarray, shape (R, n, n)
        Headline and effective tariffs, export controls, after each round.
    moves : ndarray of int, shape (R, n, n)
        The move each agent made on each dyad that round (0 in row 0).
    terms : ndarray, shape (R, len(TERMS), n)
        Weighted payoff of each term (% of GDP), true parameters.
    payoff : ndarray, shape (R, n)
        Total payoff per country per round.
    recession, approval, drawdown, burden : ndarray, shape (R, n)
        Indicators: recession odds, approval (fraction), equity drawdown
        (index %), economic burden (% of GDP).
    perceived_pass_through : ndarray, shape (R, n, n)
        Each row ``i`` is agent ``i``'s belief about its own dyads.
    events : tuple of PathEvent
        ``(round, label)`` of every event that fired (named tuples; see
        :meth:`events_frame` for dates).
    agreements : tuple of Agreement
        Agreements reached (:mod:`tariffsim.bargaining`): round, date, parties,
        terms, concessions and the surplus split.
    meta : mapping
        Scenario name, seed, solver, …
    layers : ndarray, shape (R, L, n, n), optional
        Level of each tariff layer (``layer_names``) on each dyad.
    equity, bond : ndarray, shape (R, n), optional
        Equity index (% from its level before the first round) and bond
        stress (yield points) per country after each round: the market state.
    layer_names : tuple of str
        Names of the rows of ``layers``.
    adjust, tie_loss, grievance : ndarray, shape (R, n, n), optional
        The slow state variables after each round (:class:`~tariffsim.world.State`):
        progress of the import response toward its long-run elasticity,
        eroded share of each alliance tie, remembered grievances.
    hit_share : ndarray, shape (L, n, n), optional
        Share of each dyad's trade each layer hits (coverage net of
        exemptions; :attr:`~tariffsim.world.World.hit_share`).
    step_tariff : ndarray, shape (R, S, n, n), optional
        Headline tariffs after each of the ``S`` decision steps of each round
        (:attr:`tariffsim.game.Game.steps`; row 0 repeats the start), in a
        game whose rounds hold several steps: what happened within a round.
        See :meth:`steps`.

    Raises
    ------
    ParameterError
        If a field is not an array of numbers, its shape disagrees with the dates,
        country codes, payoff terms or layer names, or a value breaks its field's rule
        (not finite; a tariff below 0; odds, approval or a control outside [0, 1]; the
        dates not increasing; the layers not summing to the headline; see
        :meth:`from_json`). The message names the field, the round, the countries and
        the value. The checks are whole-array numpy work, cheap beside a run.
    """

    codes: tuple[str, ...]
    dates: NDArray[Any]
    tariff: Array
    effective: Array
    control: Array
    moves: NDArray[np.int64]
    terms: Array
    payoff: Array
    recession: Array
    approval: Array
    drawdown: Array
    burden: Array
    perceived_pass_through: Array
    events: tuple[PathEvent, ...] | tuple[tuple[int, str], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    agreements: tuple[Any, ...] = ()
    layers: Array | None = None
    layer_names: tuple[str, ...] = ()
    hit_share: Array | None = None
    equity: Array | None = None
    bond: Array | None = None
    adjust: Array | None = None
    tie_loss: Array | None = None
    grievance: Array | None = None
    step_tariff: Array | None = None

    def __post_init__(self) -> None:
        f: dict[str, Any] = {
            "codes": tuple(self.codes),
            "layer_names": tuple(self.layer_names),
            "dates": _frozen(self.dates, "datetime64[D]", "dates", _path_error),
        }
        for name in (*ARRAY_FIELDS, *STATE_FIELDS, "hit_share"):
            v = getattr(self, name)
            if v is None and name not in ARRAY_FIELDS:
                f[name] = None
            elif name == "moves":  # whole numbers: ints as they are, floats checked first
                m = np.asarray(v)
                whole = m.dtype.kind in "iu"
                f[name] = _frozen(v, np.int64 if whole else float, name, _path_error)
            else:
                f[name] = _frozen(v, float, name, _path_error)
        _check_fields(f, _path_error)
        if f["moves"].dtype != np.int64:
            f["moves"] = _ro(f["moves"], np.int64)
        eff = f["effective"].view(DyadSeries)
        eff._codes = f["codes"]
        f["effective"] = eff
        for name, v in f.items():
            object.__setattr__(self, name, v)
        object.__setattr__(
            self, "events", tuple(PathEvent(int(r), str(lab)) for r, lab in self.events)
        )

    # -- basics -----------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    @property
    def rounds(self) -> NDArray[np.int64]:
        """Round numbers ``0 .. R-1``."""
        return np.arange(len(self))

    def _i(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise UnknownNameError(
                f"unknown country {short_repr(code)}; known: {', '.join(self.codes)}."
            ) from None

    def _dyad(self, importer: Any, exporter: Any) -> tuple[str, str]:
        """The dyad of a method's arguments (:func:`~tariffsim.world.dyad_args`), two
        different countries (a country's tariff on itself is no series: it read 0)."""
        importer, exporter = dyad_args(importer, exporter, "importer")
        if isinstance(importer, str) and importer == exporter:
            raise ParameterError(
                f"a dyad needs two different countries (importer, exporter); got {importer!r} "
                "twice."
            )
        return importer, exporter

    def series(
        self, importer: str, exporter: str | None = None, *, effective: bool = False
    ) -> Array:
        """Tariff of ``importer`` on ``exporter`` per round (fraction); the dyad may be one
        argument, ``"US->CN"``; ``series("recession", "US")`` an indicator of a country
        (:data:`INDICATORS`), as an ensemble's.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> float(p.series("US", "CN").max())
        1.45
        """
        if importer in INDICATORS and exporter is not None and not effective:
            return np.asarray(getattr(self, importer))[:, self._i(exporter)]
        importer, exporter = self._dyad(importer, exporter)
        src = self.effective if effective else self.tariff
        return src[:, self._i(importer), self._i(exporter)]

    def headline(self, importer: str, exporter: str | None = None) -> Array:
        """Headline tariff of ``importer`` on ``exporter`` per round: the sum of its
        layers, the rate a good hit by every layer pays (fraction)."""
        return self.series(importer, exporter)

    def _layer_row(self, layer: str) -> int:
        if self.layers is None or layer not in self.layer_names:
            raise UnknownNameError(
                f"unknown tariff layer {layer!r}; "
                f"layers: {', '.join(self.layer_names) or '(none recorded)'}."
            )
        return self.layer_names.index(layer)

    def tariffs(
        self, importer: str, exporter: str | None = None, *, layer: str | None = None
    ) -> Array:
        """One layer's rate on a dyad per round (the headline without ``layer``).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> float(p.tariffs("US", "CN", layer="fentanyl").max())
        0.2
        """
        importer, exporter = self._dyad(importer, exporter)
        if layer is None:
            return self.headline(importer, exporter)
        k = self._layer_row(layer)
        assert self.layers is not None
        return self.layers[:, k, self._i(importer), self._i(exporter)]

    def coverage(self, importer: str, exporter: str | None = None) -> Array:
        """Share of ``exporter``'s exports to ``importer`` hit by a tariff, per round.

        The widest hit share among the layers in force (layers are nested:
        :attr:`~tariffsim.world.World.segments`), net of exemptions.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> round(float(p.coverage("CN", "US")[3]), 2)  # February: the targeted list only
        0.29
        """
        importer, exporter = self._dyad(importer, exporter)
        i, j = self._i(importer), self._i(exporter)
        if self.layers is None or self.hit_share is None:
            return (self.tariff[:, i, j] > 0).astype(float)
        on = self.layers[:, :, i, j] > 0
        return np.where(on, self.hit_share[None, :, i, j], 0.0).max(axis=1)

    def steps(self, importer: str, exporter: str | None = None) -> Array:
        """Headline tariff after each decision step of each round, shape ``(R, S)``.

        Row ``r`` holds the levels within round ``r`` (row 0 the start); the
        last column is :meth:`series`. A path of one step per round gives
        ``S = 1``.

        Examples
        --------
        >>> g = ts.load_scenario("us-china-145").game
        >>> p = g.simulate(16, seed=0)
        >>> p.steps("CN", "US")[10:12] * 100  # the weeks to 7 and 14 April, day by day
        array([[ 49.,  49.,  49.,  49.,  49.,  49.,  49.],
               [ 49.,  99., 140., 140., 140., 140., 140.]])
        """
        importer, exporter = self._dyad(importer, exporter)
        i, j = self._i(importer), self._i(exporter)
        if self.step_tariff is None:
            return np.asarray(self.tariff[:, i, j, None])
        return np.asarray(self.step_tariff[:, :, i, j])

    def peak(self, importer: str, exporter: str | None = None) -> float:
        """Highest headline tariff reached on a dyad (``"US", "CN"`` or ``"US->CN"``).

        After any decision step (:meth:`steps`), so a level taken and left
        within a round counts: Canada's 10% on the US of 4 February 2025,
        gone the next day, is the peak of a path of ``four-country-2025``
        whose weekly rows (:meth:`series`) never show it.

        >>> p = ts.load_scenario("four-country-2025").simulate(seed=0)
        >>> p.peak("CA", "US"), float(p.series("CA", "US").max())
        (0.1, 0.0)

        ``peak("recession", "US")``: the highest of an indicator (:data:`INDICATORS`), as an
        ensemble's.
        """
        if importer in INDICATORS and exporter is not None:
            return float(self.series(importer, exporter).max())
        return float(self.steps(importer, exporter).max())

    def realised(self) -> Array:
        r"""Each round's payoff as a level, % of GDP, shape ``(R, n)``.

        :attr:`payoff` states a round's flows at an annual rate and its
        one-off costs (``face``, ``resolve``) on the scale of a reference
        week (:data:`~tariffsim.dynamics.REFERENCE_DAYS`). What a round
        actually costs scales its flows with its length :math:`d` days:

        .. math:: \text{realised}_r = \text{flows}_r\,\frac{d}{365}
            + \text{one-off}_r\,\frac{7}{365}

        for the rounds played, ``r >= 1`` (round ``r`` runs from the date of row
        ``r - 1`` to its own); row 0, the state the game starts from, covers no
        days and costs nothing. So the cumulative sum is the same per calendar
        week whether the scenario plays daily or weekly rounds.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> round(float(p.realised()[:, 0].sum()), 3)   # the US, the whole run
        -0.498
        """
        from .dynamics import REFERENCE_DAYS

        days = float((self.dates[1] - self.dates[0]).astype(int)) if len(self) > 1 else 7.0
        once = sum(self.terms[:, TERMS.index(t)] for t in ONE_OFF_TERMS)
        out: Array = (self.payoff - once) * days / 365.0 + once * REFERENCE_DAYS / 365.0
        out[:1] = 0.0  # (the start: no round has been played)
        return out

    def breakdown(self, country: str | None = None) -> PathBreakdown:
        """Weighted payoff terms, % of GDP.

        Parameters
        ----------
        country : str, optional
            A country code: return ``{term: (R,) array}``. Without it, return
            ``{term: (R, n) array}`` for every country.

        Returns
        -------
        PathBreakdown
            A dict of term → array, with ``.to_frame()`` (pandas, indexed by date).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> bd = p.breakdown("US")
        >>> sorted(bd)[:3]
        ['alliance', 'approval', 'coalition']
        """
        if country is None:
            return PathBreakdown(
                {t: self.terms[:, k, :] for k, t in enumerate(TERMS)}, self.dates, self.codes
            )
        i = self._i(country)
        return PathBreakdown(
            {t: self.terms[:, k, i] for k, t in enumerate(TERMS)}, self.dates, (country,)
        )

    # -- plausibility -----------------------------------------------------------
    def plausibility(self) -> list[str]:
        """Indicators outside the range the model is calibrated for (empty if none).

        Checks recession odds against :data:`RECESSION_BOUNDS`, payoffs
        against :data:`PAYOFF_BOUND`, approval at 0 or 1 (the linear approval
        response of the model, ``docs/model.md``, is held within a share of the
        electorate: extreme parameters carry it to a bound) and the equity
        drawdown at :data:`~tariffsim.payoffs.DRAWDOWN_CAP` (the index's
        floor: beyond it the linear response in the burden no longer holds),
        per country; each message names the country, the first round and the
        value.

        Examples
        --------
        >>> ts.load_scenario("us-china-145").simulate(seed=0).plausibility()
        []
        """
        out = []
        lo, hi = RECESSION_BOUNDS
        for k, c in enumerate(self.codes):
            rec, pay = self.recession[:, k], self.payoff[:, k]
            bad = np.flatnonzero((rec < lo) | (rec > hi))
            if bad.size:
                r = int(bad[0])
                out.append(
                    f"{c}: recession odds {100 * rec[r]:.1f}% in round {r} ({self.dates[r]}) "
                    f"are outside the calibrated {100 * lo:g}–{100 * hi:g}%"
                )
            appr = self.approval[:, k]
            bad = np.flatnonzero((appr <= 0) | (appr >= 1))
            if bad.size:
                r = int(bad[0])
                out.append(
                    f"{c}: approval {100 * appr[r]:g}% in round {r} ({self.dates[r]}) is at a "
                    "bound: the linear approval response is held within 0–100%"
                )
            bad = np.flatnonzero(self.drawdown[:, k] >= DRAWDOWN_CAP)
            if bad.size:
                r = int(bad[0])
                out.append(
                    f"{c}: equity drawdown at its {DRAWDOWN_CAP:g}% cap in round {r} "
                    f"({self.dates[r]}): the response to the burden is held there"
                )
            bad = np.flatnonzero(np.abs(pay) > PAYOFF_BOUND)
            if bad.size:
                r = int(bad[0])
                out.append(
                    f"{c}: payoff {pay[r]:+.2f}% of GDP in round {r} ({self.dates[r]}) is beyond "
                    f"the plausible ±{PAYOFF_BOUND:g}%"
                )
        return out

    def warn_if_implausible(self, *, stacklevel: int = 2) -> Path:
        """Issue one :class:`~tariffsim.errors.PlausibilityWarning` listing :meth:`plausibility`.

        Returns the path itself, so it can be chained.
        """
        issues = self.plausibility()
        if issues:
            import warnings

            warnings.warn(
                "implausible indicators (check trade flows, GDP and ladders): " + "; ".join(issues),
                PlausibilityWarning,
                stacklevel=stacklevel + 1,
            )
        return self

    # -- tables -----------------------------------------------------------------
    def players(self) -> tuple[str, ...]:
        """Codes of the countries the path is about.

        The scenario's agents (``meta["players"]``, set by
        :meth:`~tariffsim.scenario.Scenario.simulate`) and every country that
        levied a tariff or an export control or moved, in world order.
        """
        moved = (
            (np.abs(self.tariff).sum(axis=(0, 2)) > 0)
            | (np.abs(self.moves).sum(axis=(0, 2)) > 0)
            | (np.abs(self.control).sum(axis=(0, 2)) > 0)
        )
        named = set(self.meta.get("players", ()))
        out = tuple(c for c, m in zip(self.codes, moved, strict=True) if m or c in named)
        return out or self.codes

    def control_dyads(self) -> list[tuple[str, str]]:
        """Dyads ``(withholder, target)`` whose export control is ever above zero."""
        i, j = np.nonzero(self.control.max(axis=0) > 0)
        return [(self.codes[a], self.codes[b]) for a, b in zip(i, j, strict=True)]

    def tariff_dyads(self) -> list[tuple[str, str]]:
        """Dyads ``(importer, exporter)`` whose headline tariff is ever above zero."""
        return [
            (a, b)
            for a in self.codes
            for b in self.codes
            if a != b and self.tariff[:, self._i(a), self._i(b)].max() > 0
        ]

    def rows(
        self, dyads: list[tuple[str, str]] | None = None, *, full: bool = False
    ) -> list[dict[str, Any]]:
        """One dict per round: date, tariffs and export controls (%), indicators and payoffs.

        Columns: ``round``, ``date``, ``{A}->{B} %`` for each dyad (default:
        every dyad whose tariff is ever positive), ``{A} control {B} %`` for
        every export control ever in force, ``{C} recession %`` and
        ``{C} payoff`` for each player (see :meth:`players`), ``{C} approval %``
        for the US when present.

        Parameters
        ----------
        dyads : list of (str, str), optional
            Each ``("US", "CN")``, ``"US-CN"`` or ``"US->CN"``; one dyad may be given alone.
        full : bool
            Full float precision (as in the CSV). Default: rounded for display
            (2 decimals for tariffs, 1 for odds, 4 for payoffs).
        """
        if dyads is None:
            dyads = self.tariff_dyads()
        else:  # ("US-CN" or ("US", "CN") alone: one dyad; each spelt as anywhere else)
            one = isinstance(dyads, str) or (
                isinstance(dyads, tuple)
                and len(dyads) == 2
                and all(isinstance(c, str) for c in dyads)
            )
            items = [dyads] if one else dyads
            if not isinstance(items, list | tuple):
                raise ParameterError(f"`dyads` must be a list of dyads; got {short_repr(dyads)}.")
            dyads = [_dyad_key(d, "dyads") for d in items]
            for a, b in dyads:
                self._i(a), self._i(b)

        def rnd(x: float, d: int) -> float:
            return float(x) if full else round(float(x), d)

        players = self.players()
        controls = self.control_dyads()
        out = []
        for r in range(len(self)):
            row: dict[str, Any] = {"round": r, "date": str(self.dates[r])}
            for a, b in dyads:
                row[f"{a}->{b} %"] = rnd(100 * self.tariff[r, self._i(a), self._i(b)], 2)
            for a, b in controls:
                row[f"{a} control {b} %"] = rnd(100 * self.control[r, self._i(a), self._i(b)], 2)
            for c in players:
                row[f"{c} recession %"] = rnd(100 * self.recession[r, self._i(c)], 1)
            if "US" in self.codes:
                row["US approval %"] = rnd(100 * self.approval[r, self._i("US")], 1)
            for c in players:
                row[f"{c} payoff"] = rnd(self.payoff[r, self._i(c)], 4)
            out.append(row)
        return out

    def table(self, dyads: list[tuple[str, str]] | None = None, *, width: int = 100) -> str:
        """The per-round table as text, fitted to ``width`` characters.

        Parameters
        ----------
        dyads : list of (str, str), optional
            Tariff dyads ``(importer, exporter)`` to show (default: every dyad
            whose tariff is ever above zero).
        width : int, default 100
            Widest line allowed. Payoff columns are dropped first, then
            recession columns, until the table fits (tariffs, controls and
            approval stay).

        Returns
        -------
        str
            A header and one line per round: tariffs and export controls in %
            (``US->CN``, ``CN ctl US``), recession odds (``rec%``), US
            approval (``appr%``) and payoffs (``pay``, % of GDP at an annual
            rate), rounded for display (:meth:`to_frame` and :meth:`to_csv`
            keep full precision). Empty for an empty path.

        Raises
        ------
        UnknownNameError
            If a dyad names an unknown country.

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=3)
        >>> print(p.table().splitlines()[0])
        round        date  US->CN %  CN->US %  US rec%  CN rec%  US appr%  US pay  CN pay
        """
        width = whole_number(width, "width", 20)
        rows = self.rows(dyads)
        if not rows:
            return ""
        cols = list(rows[0])
        short = {
            c: c.replace(" recession %", " rec%")
            .replace(" control ", " ctl ")
            .replace(" approval %", " appr%")
            .replace(" payoff", " pay")
            for c in cols
        }
        widths = {c: max(len(short[c]), *(len(_fmt(r[c])) for r in rows)) for c in cols}
        lines = ["  ".join(short[c].rjust(widths[c]) for c in cols)]
        for r in rows:
            lines.append("  ".join(_fmt(r[c]).rjust(widths[c]) for c in cols))
        if max(len(x) for x in lines) > width:
            # drop the payoff columns first, then the recession ones, to fit
            for suffix in (" payoff", " recession %"):
                keep = [c for c in cols if not c.endswith(suffix)]
                if keep != cols:
                    cols = keep
                    lines = ["  ".join(short[c].rjust(widths[c]) for c in cols)]
                    lines += ["  ".join(_fmt(r[c]).rjust(widths[c]) for c in cols) for r in rows]
                    if max(len(x) for x in lines) <= width:
                        break
        return "\n".join(lines)

    def __repr__(self) -> str:
        name = self.meta.get("scenario", "")
        return (
            f"<Path {name} {len(self)} rounds {self.dates[0]}..{self.dates[-1]}, "
            f"countries {', '.join(self.players())}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: key rounds of the table and a small inline plot."""
        import html

        rows = self.rows()
        keep = sorted({0, len(rows) - 1, *_turning_points(self)})
        cols = list(rows[0])
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(rows[r][c]))}</td>" for c in cols) + "</tr>"
            for r in keep
        )
        img = ""
        try:
            import base64
            import io as _io

            from matplotlib.figure import Figure

            fig = Figure(figsize=(6.5, 3), layout="constrained")
            _plotting().plot_path(self, ax=fig.add_subplot(), recession=False)
            buf = _io.BytesIO()
            fig.savefig(buf, format="png", dpi=80)
            img = (
                '<img src="data:image/png;base64,'
                + base64.b64encode(buf.getvalue()).decode()
                + '"/>'
            )
        except Exception:  # a plot must never break the table view
            img = ""
        return (
            f"<div><b>{html.escape(repr(self))}</b><br/>"
            f"<small>first, last and turning-point rounds</small>"
            f"<table><tr>{head}</tr>{body}</table>{img}</div>"
        )

    def to_frame(self, *, tidy: bool = False) -> Any:
        """The path as a pandas DataFrame at full precision, indexed by a ``DatetimeIndex``.

        Parameters
        ----------
        tidy : bool
            ``False`` (default): one row per round, the columns of :meth:`rows`
            (tariffs and controls in %, odds in %, payoffs in % of GDP), not
            rounded. ``True``: one row per round × variable × dyad or country,
            columns ``round``, ``variable``, ``importer``, ``exporter``,
            ``country``, ``layer``, ``term``, ``value`` and ``unit``, each
            variable's (:data:`TIDY_UNITS`: tariffs, controls, odds, approval
            and pass-through as fractions, payoffs, terms and the burden in %
            of GDP, the equity drawdown in index %, moves in rungs). Tidy
            variables: ``tariff`` (layers ``headline`` and
            ``effective``, and each named tariff layer when the path records
            them), ``control``, ``move``, ``perceived_pass_through``
            on every dyad; ``payoff``, ``recession``, ``approval``,
            ``drawdown``, ``burden`` and ``term`` (one per payoff term) for
            every country. Events are in :meth:`events_frame`.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install tariffsim[pandas]``).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> df = p.to_frame(tidy=True)
        >>> sel = df[(df.variable == "tariff") & (df.layer == "headline") & (df.importer == "US")
        ...          & (df.exporter == "CN")]
        >>> float(sel["value"].max()), str(sel["value"].idxmax().date())
        (1.45, '2025-04-14')
        """
        pd = _pandas("Path.to_frame()")
        if not tidy:
            df = pd.DataFrame(self.rows(full=True))
            df["date"] = pd.to_datetime(df["date"])
            return df.set_index("date")
        n, R = len(self.codes), len(self)
        codes = np.array(self.codes, dtype=object)
        dates = self.dates.astype("datetime64[ns]")
        off = ~np.eye(n, dtype=bool)
        imp = np.broadcast_to(codes[:, None], (n, n))[off]
        exp = np.broadcast_to(codes[None, :], (n, n))[off]
        parts = []

        def block(var: str, values: NDArray[Any], **cols: Any) -> None:
            k = values.shape[1]
            d: dict[str, Any] = {
                "date": np.repeat(dates, k),
                "round": np.repeat(np.arange(R), k),
                "variable": var,
                "importer": "",
                "exporter": "",
                "country": "",
                "layer": "",
                "term": "",
            }
            for key, v in cols.items():
                d[key] = np.tile(v, R) if isinstance(v, np.ndarray) else v
            d["value"] = values.astype(float).ravel()
            d["unit"] = TIDY_UNITS[var]
            parts.append(pd.DataFrame(d))

        for var, arr, layer in (
            ("tariff", self.tariff, "headline"),
            ("tariff", self.effective, "effective"),
            ("control", self.control, ""),
            ("move", self.moves, ""),
            ("perceived_pass_through", self.perceived_pass_through, ""),
        ):
            block(var, arr[:, off], importer=imp, exporter=exp, layer=layer)
        layers = getattr(self, "layers", None)
        for k, name in enumerate(getattr(self, "layer_names", ()) or ()):
            if layers is not None:
                block("tariff", np.asarray(layers)[:, k][:, off], importer=imp, exporter=exp,
                      layer=str(name))  # fmt: skip
        for var in ("payoff", "recession", "approval", "drawdown", "burden"):
            block(var, getattr(self, var), country=codes)
        for k, t in enumerate(TERMS):
            block("term", self.terms[:, k, :], country=codes, term=t)
        df = pd.concat(parts, ignore_index=True)
        return df.set_index(pd.DatetimeIndex(df.pop("date"), name="date"))

    @property
    def event_records(self) -> tuple[PathEvent, ...]:
        """:attr:`events` as :class:`PathEvent` named tuples (they always are)."""
        return tuple(PathEvent(*e) for e in self.events)

    def events_frame(self) -> Any:
        """The events that fired as a DataFrame: ``round``, ``label``, ``counterfactual``.

        Indexed by the date of the round the event fired in (``DatetimeIndex``).
        """
        pd = _pandas("Path.events_frame()")
        evs = self.event_records
        rounds = [min(e.round, len(self) - 1) for e in evs]
        idx = pd.DatetimeIndex(self.dates[rounds].astype("datetime64[ns]"), name="date")
        return pd.DataFrame(
            {
                "round": [e.round for e in evs],
                "label": [e.label for e in evs],
                "counterfactual": [e.counterfactual for e in evs],
            },
            index=idx,
        )

    to_pandas = to_frame

    # -- export -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dict of every array (JSON-ready)."""
        return {
            "meta": dict(self.meta),
            "codes": list(self.codes),
            "terms": list(TERMS),
            "dates": [str(d) for d in self.dates],
            "tariff": self.tariff.tolist(),
            "effective": self.effective.tolist(),
            "control": self.control.tolist(),
            "moves": self.moves.tolist(),
            "term_payoffs": self.terms.tolist(),
            "payoff": self.payoff.tolist(),
            "recession": self.recession.tolist(),
            "approval": self.approval.tolist(),
            "drawdown": self.drawdown.tolist(),
            "burden": self.burden.tolist(),
            "perceived_pass_through": self.perceived_pass_through.tolist(),
            "events": [list(e) for e in self.events],
            "agreements": [a.to_dict() for a in self.agreements],
            "layer_names": list(self.layer_names),
            **{
                k: getattr(self, k).tolist()
                for k in (*STATE_FIELDS, "hit_share")
                if getattr(self, k) is not None
            },
        }

    def to_json(self, path: str | FsPath | None = None) -> str:
        """The path as JSON; written to ``path`` when given. Returns the text."""
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        if path is not None:
            _atomic_write(path, text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | FsPath) -> Path:
        """Read a path written by :meth:`to_json` (round trip is exact).

        Everything is checked before the path is built, so a damaged or edited file
        is refused whole rather than read into a path that prints ``nan`` or fails to
        plot: every array has the shape the dates, country codes, payoff terms and
        layer names give it; every value is finite; tariffs, layers and step tariffs
        are >= 0 (fractions; not capped at the 1000% a
        :class:`~tariffsim.world.State` takes) and the headline tariff is the
        sum of its recorded layers; recession odds, approval, export controls and hit
        shares lie in [0, 1]; equity >= -100, bond stress and the slow variables
        within a :class:`~tariffsim.world.State`'s ranges; moves are whole numbers;
        the dates increase round by round and lie in the years 1 to 9999; the codes
        and layer names are distinct, the codes without control characters;
        ``meta["players"]`` is a list of codes; each event is a ``[round, label]``
        pair with a round >= 0 and a label without control characters. Files of earlier
        versions, without the fields added since (``agreements``, ``layer_names``,
        the layers and state fields, ``step_tariff``), read as before; without a
        payoff term added since (:data:`TERMS_ADDED`), with that term's payoffs zero,
        as they were in the model that wrote them.

        Parameters
        ----------
        text_or_path : str or os.PathLike
            The JSON text (starting with ``{``) or a file holding it.

        Returns
        -------
        Path

        Raises
        ------
        ParameterError
            If the text is not JSON, lacks a field of a path, or a field breaks a rule
            above: the message names the file, the field (as the file spells it:
            ``term_payoffs`` for :attr:`terms`), the round and countries and the value,
            or the field's shape and the shape expected.
        LimitError
            If the file is larger than ``max_record_bytes`` (:mod:`tariffsim.limits`: a
            record of ``max_rounds`` rounds fits).
        ScenarioError
            If the file cannot be read or is not UTF-8 text.

        Examples
        --------
        >>> import json
        >>> d = json.loads(ts.load_scenario("us-china-145").simulate(rounds=3, seed=0).to_json())
        >>> d["recession"][2][0] = 2.0
        >>> ts.Path.from_json(json.dumps(d))
        Traceback (most recent call last):
        ...
        tariffsim.errors.ParameterError: path JSON: `recession` is 2.0 at round 2 (2025-02-10),
        US: recession odds, a probability, must lie in [0, 1].
        """
        src = str(text_or_path)
        if src.lstrip().startswith("{"):
            text, where = src, "path JSON"
        else:
            from ._io import read_text_input

            text = read_text_input(src, kind="path file", limit="max_record_bytes")
            where = f"path file {short_repr(src)}"

        def bad(what: str) -> ParameterError:
            return ParameterError(f"{where}: {what}.")

        try:
            d = json.loads(text)
        except RecursionError:
            raise bad("it is nested too deeply") from None
        except ValueError as e:  # (json.JSONDecodeError, and a number too long to read)
            raise bad(f"it is not JSON: {e}") from None
        try:
            fields = _json_fields(d, bad)
            _check_fields(fields, bad, _JSON_KEYS)
            return cls(**fields)
        except TariffsimError as e:
            if str(e).startswith(where):
                raise
            raise bad(_sentence(e)) from None
        except RecursionError:
            raise bad("it is nested too deeply") from None
        except (TypeError, ValueError, OverflowError) as e:
            raise bad(f"it is not a tariffsim path: {e}") from None

    def to_csv(
        self, path: str | FsPath | None = None, dyads: list[tuple[str, str]] | None = None
    ) -> str:
        """The per-round table (:meth:`rows`) plus event labels as CSV, at full precision.

        Parameters
        ----------
        path : str or os.PathLike, optional
            File to write (atomically: never half-written).
        dyads : list of (str, str), optional
            Tariff dyads to include (default: every dyad ever above zero).

        Returns
        -------
        str
            The CSV text: one row per round; columns as in :meth:`rows` plus
            ``events`` (labels joined by "; "). Numbers are written at full
            float precision (``repr``), so reading the file back gives the
            recorded values.
        """
        rows = self.rows(dyads, full=True)
        ev: dict[int, list[str]] = {}
        for r, label in self.events:
            ev.setdefault(r, []).append(label)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[*rows[0], "events"], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            cells = {**row, "events": "; ".join(ev.get(row["round"], []))}
            writer.writerow({k: csv_cell(v) for k, v in cells.items()})
        text = buf.getvalue()
        if path is not None:
            _atomic_write(path, text)
        return text

    def plot(
        self, *, ax: Axes | None = None, dyads: list[tuple[str, str]] | None = None, **kw: Any
    ) -> Axes:
        """Plot tariffs per dyad over time, with events and recession odds.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure, 10 × 5.4 in, or 10 × 7.8 in with
            the markets panel; in a Jupyter notebook a pyplot figure, shown when the
            cell ends).
        dyads : list of (str, str), optional
            Tariff dyads ``(importer, exporter)`` to draw (default: every dyad
            whose tariff is ever above zero).
        **kw
            Passed to :func:`tariffsim.plotting.plot_path` (``events``,
            ``recession``, ``controls``, ``moves``, ``title``, ``markets``): when
            the path's markets move, a markets panel is drawn under the tariffs.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Raises
        ------
        UnknownNameError
            If a dyad names an unknown country.
        """
        return _plotting().plot_path(self, ax=ax, dyads=dyads, **kw)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> str:
    """An escaped HTML ``<table>`` (used by every notebook view in tariffsim).

    Examples
    --------
    >>> ts.path.html_table(["a", "b"], [[1, "<x>"]])
    '<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>&lt;x&gt;</td></tr></table>'
    """
    import html

    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    return f"<table>{cap}<tr>{head}</tr>{body}</table>"


def _plotting() -> Any:
    """The plotting module (:data:`PLOT_BACKEND`), imported on first use.

    Plotting sits above ``path`` in the import order, so ``path`` never
    imports it statically (and ``import tariffsim`` never loads matplotlib).
    """
    import importlib

    return importlib.import_module(PLOT_BACKEND)


def _pandas(what: str) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"{what} needs pandas: pip install 'tariffsim[pandas]'") from None
    return pd


def _turning_points(path: Path) -> list[int]:
    """Rounds where some tariff changes direction or an event fires."""
    d = np.diff(path.tariff, axis=0)
    moved = np.flatnonzero(np.abs(d).sum(axis=(1, 2)) > 0) + 1
    return sorted({*moved.tolist(), *(r for r, _ in path.events if r < len(path))})


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        x += 0.0  # (a zero without a sign: -0.0 reads as a loss of nothing)
        return (
            f"{x:.4g}" if abs(x) < 1e-3 and x != 0 else (f"{x:.2f}" if abs(x) < 100 else f"{x:.1f}")
        )
    return str(x)


def _atomic_write(path: str | FsPath, text: str) -> None:
    """Write ``text`` to ``path`` via a unique temporary file: never half-written."""
    from ._io import atomic_write

    atomic_write(path, text)


def _agreement(d: Mapping[str, Any]) -> Any:
    """An :class:`~tariffsim.deals.Agreement` from its :meth:`to_dict` form."""
    import datetime as dt

    from .deals import Agreement

    return Agreement(
        round=int(d["round"]),
        date=dt.date.fromisoformat(d["date"]),
        parties=tuple(d["parties"]),
        terms={tuple(k.split("-")): float(v) for k, v in d["terms"].items()},
        concessions=tuple(d["concessions"]),
        gain={str(k): float(v) for k, v in d["gain"].items()},
        split={str(k): float(v) for k, v in d["split"].items()},
        label=str(d.get("label", "")),
        layers={
            tuple(k.split("-")): {str(n): float(x) for n, x in v.items()}
            for k, v in (d.get("layers") or {}).items()
        },
        expires=None if d.get("expires") is None else int(d["expires"]),
        before={tuple(k.split("-")): float(v) for k, v in (d.get("before") or {}).items()},
    )


# -- checks of a path's fields (Path.__init__ and Path.from_json) ----------------------------
Bad = Callable[[str], ParameterError]

_AXIS_NAMES = {
    "round": ("rounds", "one per date (`dates`)"),
    "country": ("countries", "one per country code (`codes`)"),
    "importer": ("importers", "one per country code (`codes`)"),
    "exporter": ("exporters", "one per country code (`codes`)"),
    "term": ("payoff terms", "one per payoff term (`terms`)"),
    "layer": ("layers", "one per name in `layer_names`"),
    "step": ("steps", "at least one"),
}
"""Each axis kind of :data:`_FIELD_RULES`: its name in the plural and what sets its length."""


def _path_error(what: str) -> ParameterError:
    """The error of a :class:`Path` built with a field that breaks its rules."""
    return ParameterError(f"Path: {what}.")


def _frozen(value: Any, dtype: Any, name: str, bad: Bad) -> NDArray[Any]:
    """``value`` as a read-only array of ``dtype``, or ``bad`` naming field ``name`` if it is
    not one (ragged rows, strings, None)."""
    try:
        return _ro(value, dtype)
    except (TypeError, ValueError, OverflowError):
        pass
    raise bad(
        f"`{name}` must be an array of numbers, every row of the same length; got "
        f"{short_repr(value)}"
    )


def _check_fields(f: Mapping[str, Any], bad: Bad, keys: Mapping[str, str] | None = None) -> None:
    """Check that the fields ``f`` of a path agree, before it is built.

    Parameters
    ----------
    f : mapping
        ``codes`` and ``layer_names`` (tuples), ``dates`` (``datetime64[D]`` array) and
        each field of :data:`_FIELD_RULES` (a numpy array, or None for an optional one
        not recorded), by attribute name.
    bad : callable
        Makes the error from what is wrong (a phrase naming the field, the round, the
        countries and the value, or the shape found and the shape expected).
    keys : mapping, optional
        The name to give a field in messages where it is not its attribute's (the key
        :meth:`Path.to_dict` stores it under: ``term_payoffs`` for ``terms``).

    Raises
    ------
    ParameterError
        ``bad(what)``: if the codes are not distinct non-blank strings; the dates are
        not one per round (at least one) and increasing; the layer names repeat; a
        field's shape does not follow from its axes (:data:`_FIELD_RULES`); a value is
        not finite, outside its field's bounds or (a move) not a whole number; or the
        recorded layers do not sum to the headline tariff (within a
        :class:`~tariffsim.world.State`'s tolerance).

    Notes
    -----
    Whole-array numpy work only (a minimum and a maximum per field, more only for the
    message of a field at fault): it runs for every path the engine builds.
    """

    def key(name: str) -> str:
        return f"`{(keys or {}).get(name, name)}`"

    codes, names, dates = f["codes"], f["layer_names"], f["dates"]
    if (
        not codes
        or any(not isinstance(c, str) or not label_ok(c) for c in codes)
        or len(set(codes)) != len(codes)
    ):
        raise bad(
            f"{key('codes')} must be distinct, non-blank country codes without control "
            f"characters (at least one); got {short_repr(list(codes))}"
        )
    if dates.ndim != 1 or len(dates) < 1:
        raise bad(
            f"{key('dates')} must hold one date per round (at least the start); "
            f"got shape {dates.shape}"
        )
    if np.isnat(dates).any():
        raise bad(f"{key('dates')} has no date for round {int(np.flatnonzero(np.isnat(dates))[0])}")
    if dates.min() < np.datetime64("0001-01-01") or dates.max() > np.datetime64("9999-12-31"):
        raise bad(  # (no calendar of a scenario reaches them: they could not be shown)
            f"{key('dates')} must lie in the years 1 to 9999; got {dates.min()} to {dates.max()}"
        )
    back = np.flatnonzero(np.diff(dates) <= np.timedelta64(0, "D"))
    if back.size:
        r = int(back[0]) + 1
        raise bad(
            f"{key('dates')} must increase round by round; round {r} is {dates[r]}, "
            f"not after round {r - 1}'s {dates[r - 1]}"
        )
    if any(not isinstance(x, str) for x in names) or len(set(names)) != len(names):
        raise bad(f"{key('layer_names')} must be distinct names; got {short_repr(list(names))}")
    n = len(codes)
    size = {"round": len(dates), "country": n, "importer": n, "exporter": n,
            "term": len(TERMS), "layer": len(names), "step": None}  # fmt: skip
    present = [(name, a) for name in _FIELD_RULES if (a := f.get(name)) is not None]
    for name, a in present:  # every shape first: an index into a wrong shape names nothing
        axes = _AXES[name]
        want = tuple(size[ax] for ax in axes)
        if a.shape == want:
            continue
        shown = "(" + ", ".join("S" if w is None else str(w) for w in want) + ")"
        if a.ndim != len(axes):
            raise bad(
                f"{key(name)} has shape {a.shape}; expected {len(axes)} axes "
                f"({', '.join(axes)}), shape {shown}"
            )
        for k, (ax, w, got) in enumerate(zip(axes, want, a.shape, strict=True)):
            if got != w and not (w is None and got >= 1):
                plural, why = _AXIS_NAMES[ax]
                raise bad(
                    f"{key(name)} holds {got} {plural} (axis {k}); expected "
                    f"{'at least 1' if w is None else w}, {why}: shape {a.shape}, "
                    f"expected {shown}"
                )
    for name, a in present:
        _, lo, hi, what = _FIELD_RULES[name]
        at = _first_bad(a, lo, hi, whole=name == "moves")
        if at is None:
            continue
        axes = _AXES[name]
        v = a[at].item()
        if not math.isfinite(v):
            rule = "must be finite (a number, not NaN or an infinity)"
        elif lo <= v <= hi:
            rule = "must be a whole number"
        elif math.isfinite(hi):
            rule = f"must lie in [{lo:g}, {hi:g}]"
        else:
            rule = f"must be >= {lo:g}"
        raise bad(f"{key(name)} is {v!r} at {_where(at, axes, f)}: {what}, {rule}")
    layers, tariff = f.get("layers"), f["tariff"]
    if layers is not None and layers.shape[1]:
        total = layers.sum(axis=1)
        same = np.array_equal(total, tariff)  # (the engine's are; else State's tolerance)
        off = None if same else ~np.isclose(total, tariff, atol=1e-9)
        if off is not None and off.any():
            at = tuple(int(i) for i in np.argwhere(off)[0])
            raise bad(
                f"{key('tariff')} is {tariff[at].item()!r} at "
                f"{_where(at, ('round', 'importer', 'exporter'), f)}, but its layers "
                f"({key('layers')}) sum to {total[at].item()!r}: a headline tariff is the "
                "sum of its layers"
            )


def _axes(name: str) -> tuple[str, ...]:
    """The axes of field ``name`` (:data:`_FIELD_RULES`), a dyad as importer and exporter."""
    out: list[str] = []
    for ax in _FIELD_RULES[name][0]:
        out += ["importer", "exporter"] if ax == "dyad" else [ax]
    return tuple(out)


_AXES = {name: _axes(name) for name in _FIELD_RULES}
"""Each field's axes, a dyad as importer and exporter."""


def _first_bad(a: NDArray[Any], lo: float, hi: float, *, whole: bool) -> tuple[int, ...] | None:
    """Index of the first value of ``a`` that is not finite, outside ``[lo, hi]`` or (with
    ``whole``) not a whole number of an ``int64``; None if every value is fine."""
    if not a.size:
        return None
    ints = a.dtype.kind in "iu"
    lo_a, hi_a = a.min(), a.max()  # (a NaN makes both NaN)
    fine = bool(lo <= lo_a and hi_a <= hi)
    if not ints:
        fine = fine and math.isfinite(lo_a) and math.isfinite(hi_a)
        if whole:  # (moves read as floats: whole numbers an int64 holds)
            fine = fine and lo_a >= -(2.0**63) and hi_a < 2.0**63
            fine = fine and bool((a == np.floor(a)).all())
    if fine:
        return None
    ok = (a >= lo) & (a <= hi)
    if not ints:
        ok &= np.isfinite(a)
        if whole:
            ok &= (a == np.floor(a)) & (np.abs(a) < 2.0**63)
    return tuple(int(i) for i in np.argwhere(~ok)[0])


def _where(at: Sequence[int], axes: Sequence[str], f: Mapping[str, Any]) -> str:
    """Where index ``at`` of an array with ``axes`` is: round (and date), countries, …"""
    codes, parts = f["codes"], []
    for ax, i in zip(axes, at, strict=True):
        if ax == "round":
            parts.append(f"round {i} ({f['dates'][i]})")
        elif ax == "country":
            parts.append(codes[i])
        elif ax == "importer":
            parts.append(f"dyad {codes[i]}")
        elif ax == "exporter":
            parts[-1] += f"->{codes[i]}"
        elif ax == "term":
            parts.append(f"term {TERMS[i]}")
        elif ax == "layer":
            parts.append(f"layer {f['layer_names'][i]}")
        else:
            parts.append(f"step {i}")
    return ", ".join(parts)


def _json_fields(d: Any, bad: Bad) -> dict[str, Any]:
    """The keyword arguments of :class:`Path` from what :meth:`Path.to_dict` wrote, each
    field read as what it must be (arrays of real numbers, ISO dates, strings, an object),
    else ``bad`` naming the field; their agreement is :func:`_check_fields`' to check."""
    if not isinstance(d, dict):
        raise bad(f"a path is a JSON object; got {type(d).__name__}")
    added = _terms_added(d.get("terms"), bad)
    required = ("meta", "codes", "dates", "events", *ARRAY_FIELDS)
    for name in required:
        if _JSON_KEYS.get(name, name) not in d:
            raise bad(f"it lacks the field {_JSON_KEYS.get(name, name)!r}")
    out: dict[str, Any] = {}
    for name in ("codes", "layer_names"):
        v = d.get(name, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad(f"`{name}` must be a list of strings; got {short_repr(v)}")
        out[name] = tuple(v)
    raw = d["dates"]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise bad(f"`dates` must be a list of ISO dates (YYYY-MM-DD); got {short_repr(raw)}")
    try:
        out["dates"] = np.array(raw, dtype="datetime64[D]")
    except (TypeError, ValueError, OverflowError):
        raise bad(f"`dates` must be ISO dates (YYYY-MM-DD); got {short_repr(raw)}") from None
    for name in (*ARRAY_FIELDS, *STATE_FIELDS, "hit_share"):
        k = _JSON_KEYS.get(name, name)
        if k in d:
            out[name] = _json_array(d[k], k, bad)
    if added:
        out["terms"] = _with_terms_added(out["terms"], added, bad)
    if not isinstance(d["meta"], dict):
        raise bad(f"`meta` must be a JSON object; got {short_repr(d['meta'])}")
    players = d["meta"].get("players", [])
    if not isinstance(players, list) or not all(isinstance(c, str) for c in players):
        raise bad(f"`meta.players` must be a list of country codes; got {short_repr(players)}")
    out["meta"] = d["meta"]
    events = d["events"]
    if not isinstance(events, list):
        raise bad(f"`events` must be a list of [round, label] pairs; got {short_repr(events)}")
    for i, e in enumerate(events):
        if not (
            isinstance(e, list)
            and len(e) == 2
            and isinstance(e[0], int)
            and not isinstance(e[0], bool)
            and e[0] >= 0
            and isinstance(e[1], str)
            and text_ok(e[1])
        ):
            raise bad(
                f"`events` item {i} must be a [round, label] pair, the round an int >= 0 and "
                f"the label text without control characters; got {short_repr(e)}"
            )
    out["events"] = tuple((r, s) for r, s in events)
    agreements = d.get("agreements", [])
    if not isinstance(agreements, list):
        raise bad(f"`agreements` must be a list; got {short_repr(agreements)}")
    parsed = []
    for i, a in enumerate(agreements):
        try:
            parsed.append(_agreement(a))
        except KeyError as e:
            raise bad(f"`agreements` item {i} lacks the field {e.args[0]!r}") from None
        except (TariffsimError, TypeError, ValueError, AttributeError, OverflowError) as e:
            raise bad(f"`agreements` item {i} is not an agreement: {e}") from None
    out["agreements"] = tuple(parsed)
    return out


def _terms_added(terms: Any, bad: Bad) -> tuple[str, ...]:
    """The payoff terms added to the model since a file with ``terms`` was written.

    A file of an earlier version lacks only terms of :data:`TERMS_ADDED`, the
    others in :data:`TERMS` order; anything else is refused with ``bad``.
    """
    if terms == list(TERMS):
        return ()
    kept = [t for t in TERMS if isinstance(terms, list) and t in terms]
    added = tuple(t for t in TERMS if t not in kept)
    if terms != kept or not set(added) <= set(TERMS_ADDED):
        raise bad(f"it has terms {short_repr(terms)}; expected {list(TERMS)}")
    return added


def _with_terms_added(
    values: NDArray[np.float64], added: tuple[str, ...], bad: Bad
) -> NDArray[np.float64]:
    """``term_payoffs`` of a file without the terms ``added``: those rows zero, as those
    terms were (the model that wrote the file had no such term)."""
    kept = [t for t in TERMS if t not in added]
    if values.ndim != 3 or values.shape[1] != len(kept):
        raise bad(
            f"`term_payoffs` has shape {values.shape}; its file names {len(kept)} terms, "
            f"so expected (rounds + 1, {len(kept)}, countries)"
        )
    out = np.zeros((values.shape[0], len(TERMS), values.shape[2]))
    out[:, [TERMS.index(t) for t in kept]] = values
    return out


def _json_array(value: Any, key: str, bad: Bad) -> NDArray[np.float64]:
    """Field ``key`` of a path file as a float array: real numbers in rows of equal length
    (a JSON ``NaN`` or ``Infinity`` reads, for :func:`_check_fields` to refuse by index)."""
    try:
        np.asarray(value)
    except ValueError:  # (numpy refuses ragged nesting)
        raise bad(
            f"`{key}` must be an array of numbers, every row of the same length; its rows "
            "differ in length"
        ) from None
    try:
        return real_array(value, key)
    except ParameterError as e:
        raise bad(_sentence(e)) from None


def _sentence(e: BaseException) -> str:
    """The message of ``e`` without its closing full stop (to go after a file's name)."""
    msg = str(e)
    return msg[:-1] if msg.endswith(".") else msg
