r"""Summary-only ensembles: runs reduced to mergeable counts on the workers that play them.

``ts.ensemble(sc, runs=1_000_000, keep="summary")`` plays the runs exactly
as a full ensemble does (same seeds, same draws, same chunks) but keeps no
run: each chunk is reduced where it ran (:mod:`tariffsim.analysis.reduce`)
and only integer counts travel back and are added. Memory and traffic do
not grow with the number of runs; the :class:`EnsembleSummary` answers:

- :meth:`EnsembleSummary.quantiles` — tariff bands **exactly** equal to a
  full ensemble's (``numpy.quantile``, bit for bit); indicator bands
  (recession odds, approval, payoff, drawdown) within half a bin width
  (:data:`~tariffsim.analysis.reduce.RESOLUTION`) of them;
- :meth:`EnsembleSummary.prob` — the share of runs where a declared event
  holds (``events=`` when running: a
  :class:`~tariffsim.analysis.reduce.Threshold`, or a function of a chunk's
  :class:`~tariffsim.engine.PathBatch`), exact; and, undeclared, any
  "peak at least x" or "at round r" event on a tariff, from the exact peak
  and round counts;
- :meth:`EnsembleSummary.peak_quantiles`, :meth:`EnsembleSummary.peak_counts`
  — the runs' peaks per dyad, exactly;
- :meth:`EnsembleSummary.plot` (the same fan chart as a full ensemble),
  :meth:`EnsembleSummary.to_xarray`, :meth:`EnsembleSummary.to_netcdf`,
  :meth:`EnsembleSummary.to_npz`, :meth:`EnsembleSummary.to_frame`.

What needs the runs themselves (``run(k)``, ``series``, per-run ``peak``,
``first_round``, the draws) raises :class:`~tariffsim.errors.RunsNotKeptError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, NoReturn, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._io import atomic_netcdf, atomic_savez, read_netcdf, reading
from .._util import frozen_array as _ro
from .._util import seed_text, short_repr
from ..errors import MissingExtraError, ParameterError, RunsNotKeptError, UnknownNameError
from ..schema import storable
from ._stored import (
    bad_at,
    changes_from_json,
    check_npz_size,
    check_positions,
    checked_changes,
    checked_dyads,
    checked_events,
    checked_fields,
    checked_labels,
    other_kind,
)
from .bands import (
    DEFAULT_LEVELS,
    DEFAULT_Q,
    Bands,
    _pandas,
    _Summarised,
    dyad_and_levels,
    is_control,
    series_args,
)
from .reduce import (
    INDICATORS,
    MIN_WIDTH,
    SERIES_ATTRS,
    Counts,
    EventFn,
    Histogram,
    Reducer,
    TariffCounts,
    Threshold,
    check_levels,
    check_resolution,
    event_text,
)
from .runner import (
    _BatchJob,
    _simulate_chunk,
    check_sendable,
    default_chunk_size,
    fold_chunks,
    stored_seed,
)

if TYPE_CHECKING:
    from ..game import Game
    from .distributions import Distribution

__all__ = ["SUMMARY_CHUNK", "EnsembleSummary", "check_events", "summarise"]

Array = NDArray[np.float64]

SUMMARY_CHUNK = 2048
"""Largest default chunk of a summary ensemble (runs). A chunk's runs are reduced as
soon as they are played, so the chunk is the working memory: the batched engine needs
about 90 kB per run of ``us-china-145`` over 52 rounds while it plays (some 190 MB
for 2,048 runs, 700 MB for 8,192) at about the same speed per run."""


_READ_MAX_WIDTH = 1e12
"""Coarsest bin width a stored summary may have: files written before widths were capped
at :data:`~tariffsim.analysis.reduce.MAX_WIDTH` read back, and every bin's value stays
finite (bins number below 2**62)."""


def _live(t: TariffCounts) -> NDArray[np.bool_]:
    """Per dyad of ``t``: whether some run's value is above zero in some round."""
    return np.asarray(((t.peak > 0) & (t.levels > 0)[None, :]).any(axis=1))


@dataclass(frozen=True, eq=False)
class EnsembleSummary(_Summarised):
    """``R`` runs of one game, kept only as mergeable counts (no run is stored).

    Made by ``ts.ensemble(..., keep="summary")``; see :mod:`tariffsim.analysis.summary`.

    Attributes
    ----------
    name : str
    codes : tuple of str
    dates : ndarray of datetime64[D], shape (T+1,)
    dyads : tuple of (str, str)
    counts : Counts
        Tariff value counts per round and dyad, peak counts per dyad,
        indicator histograms, event counts (:mod:`tariffsim.analysis.reduce`).
    event_names : tuple of str
        Names of the declared events, in the order of ``counts.events``.
    event_specs : tuple of str
        What each event is (a Threshold's text, or a function's qualified name).
    resolution : mapping of str to float
        Bin width of each indicator's histogram.
    seed : int
    vary : str
    distributions : mapping of str to Distribution
        What each varied parameter (or claim) was drawn from; the draws
        themselves are not kept (they are reproducible from ``seed``:
        :mod:`tariffsim.analysis.vary`).
    drawn : mapping of str to str
        The same as text (each distribution's ``repr``), which files keep: a summary
        read from a file says what was varied and how (empty for files written
        before it was kept).
    events : tuple of (int, str)
        Scheduled events (the same in every run).
    specs_exact : bool
        Whether ``event_specs`` give each Threshold's levels exactly (so a
        declared Threshold is found again by its text in a summary read from
        a file); False for files written before the texts were exact, whose
        levels were rounded to six digits.
    control_dyads : tuple of (str, str)
        The dyads ``(withholder, target)`` with an export-control ladder,
        whose controls ``counts.control`` counts (empty in a game without
        one, and for a file written before the controls were kept).
    changes : tuple of str
        The what-ifs of the scenario played, as :attr:`Ensemble.changes`.
    """

    name: str
    codes: tuple[str, ...]
    dates: NDArray[Any]
    dyads: tuple[tuple[str, str], ...]
    counts: Counts
    event_names: tuple[str, ...] = ()
    event_specs: tuple[str, ...] = ()
    resolution: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    vary: str = "none"
    distributions: Mapping[str, Distribution] = field(default_factory=dict)
    events: tuple[tuple[int, str], ...] = ()
    drawn: Mapping[str, str] = field(default_factory=dict)
    _declared: tuple[Threshold | EventFn, ...] = field(default=(), repr=False)
    specs_exact: bool = field(default=True, repr=False)
    control_dyads: tuple[tuple[str, str], ...] = ()
    changes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = bad_at("EnsembleSummary")  # (its constructor's arguments)
        _, codes, dyads, days, seed, changes = checked_fields(
            bad, name=self.name, codes=self.codes, dyads=self.dyads, dates=self.dates,
            seed=self.seed, vary=self.vary, changes=self.changes,
            distributions=self.distributions,
        )  # fmt: skip
        if not isinstance(self.counts, Counts):
            raise bad(f"`counts` must be a Counts; got {short_repr(self.counts)}")
        shape = self.counts.tariff.counts.shape
        if shape[:2] != (len(days), len(dyads)):
            raise bad(
                f"the tariff counts {shape} do not match {len(days)} dates and {len(dyads)} dyads"
            )
        if any(h.slots != len(days) * len(codes) for h in self.counts.hist.values()):
            raise bad(f"the histograms do not match {len(days)} rounds and {len(codes)} countries")
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "dates", _ro(days, "datetime64[D]"))
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "dyads", dyads)
        object.__setattr__(self, "control_dyads", tuple(tuple(d) for d in self.control_dyads))
        object.__setattr__(self, "events", checked_events(self.events, self.rounds))
        object.__setattr__(self, "resolution", dict(self.resolution))
        c = self.counts.control
        have = 0 if c is None else c.counts.shape[1]
        if have != len(self.control_dyads):
            raise ParameterError(
                f"`counts` holds {have} export controls and `control_dyads` names "
                f"{len(self.control_dyads)}: {short_repr(self.control_dyads)}."
            )

    # -- basics -------------------------------------------------------------------
    def __len__(self) -> int:
        return self.counts.tariff.runs

    @property
    def runs(self) -> int:
        """Number of runs R."""
        return len(self)

    @property
    def rounds(self) -> int:
        """Rounds played T."""
        return int(self.counts.tariff.counts.shape[0]) - 1

    def _live_dyads(self) -> NDArray[np.bool_]:
        return _live(self.counts.tariff)

    def _live_controls(self) -> NDArray[np.bool_]:
        c = self.counts.control
        return np.zeros(0, dtype=bool) if c is None else _live(c)

    def _value_counts(self, a: str, b: Any, r: int) -> tuple[Array, NDArray[np.int64]]:
        t, d = self._exact(a, b)
        return np.asarray(t.levels), np.asarray(t.counts[r, d], dtype=np.int64)

    def _exact(self, a: str, b: Any) -> tuple[TariffCounts, int]:
        """The exact counts of a tariff ``(importer, exporter)`` or of an export control
        (``a`` :data:`CONTROL`, ``b`` its dyad), and the series' place among them."""
        if is_control(a):
            return cast(TariffCounts, self.counts.control), self._control_dyad(*b)
        return self.counts.tariff, self._dyad(a, b)

    # -- bands --------------------------------------------------------------------
    def quantiles(self, a: str, b: str | None = None, q: ArrayLike = DEFAULT_LEVELS) -> Bands:
        """Per-round quantiles over runs of a tariff or an indicator.

        Tariffs: exactly ``numpy.quantile`` over the runs (linear
        interpolation), the same numbers as a full ensemble's
        :meth:`~tariffsim.analysis.ensemble.Ensemble.quantiles`, bit for bit.
        Indicators: ``numpy.quantile`` of the runs' values rounded to their
        histogram's grid, within ``resolution[a] / 2`` of the exact quantile.

        Export controls, ``("control", "CN->US")``: exactly, as tariffs.

        Parameters
        ----------
        a, b : str
            ``(importer, exporter)`` for a tariff (or the dyad as one argument,
            ``"US->CN"``), ``(indicator, country)``, or ``("control",
            "CN->US")`` for an export control.
        q : array_like of float
            Levels in [0, 1].

        Returns
        -------
        Bands
            ``values`` of shape ``(len(q), T+1)``.

        Raises
        ------
        ParameterError
            For a level outside [0, 1].
        UnknownNameError
            For an unknown dyad, country or indicator.
        """
        a, b, q = dyad_and_levels(a, b, q)
        qs = check_levels(q)
        if a in INDICATORS:
            i = self._country(b)
            series = np.arange(self.rounds + 1) * len(self.codes) + i
            vals = self.counts.hist[a].quantiles(series, qs)
            return Bands(f"{b} {a}", qs, self.dates, vals)
        t, d = self._exact(a, b)
        label = f"{b[0]}->{b[1]} control" if is_control(a) else f"{a}->{b} tariff"
        return Bands(label, qs, self.dates, t.quantiles(d, qs))

    def mean(self, a: str, b: str | None = None) -> Array:
        """Per-round mean over runs, shape (T+1,) (arguments as for :meth:`quantiles`).

        Tariffs: the exact values' mean (summed value by value, so it may
        differ from a full ensemble's in the last bits); indicators: the
        mean on the histogram's grid, within ``resolution[a] / 2``.
        """
        a, b = series_args(a, b)
        if a in INDICATORS:
            series = np.arange(self.rounds + 1) * len(self.codes) + self._country(b)
            return self.counts.hist[a].mean(series)
        t, d = self._exact(a, b)
        return t.mean(d)

    def peak_quantiles(
        self, importer: str, exporter: str | None = None, q: ArrayLike = DEFAULT_LEVELS
    ) -> Array:
        """Quantiles of the runs' peak tariff on a dyad (exact: ``numpy.quantile``), (len(q),);
        of an export control's with ``("control", "CN->US")``."""
        importer, exporter, q = dyad_and_levels(importer, exporter, q, "importer")
        t, d = self._exact(importer, exporter)
        return t.peak_quantiles(d, check_levels(q))

    def peak_counts(
        self, importer: str, exporter: str | None = None
    ) -> tuple[Array, NDArray[np.int64]]:
        """``(levels, counts)``: how many runs peak at each tariff level on a dyad (exact);
        at each level of an export control with ``("control", "CN->US")``."""
        t, d = self._exact(*series_args(importer, exporter, "importer"))
        keep = t.peak[d] > 0
        return t.levels[keep], np.asarray(t.peak[d][keep])

    # -- events -------------------------------------------------------------------
    def prob(self, event: str | Threshold | Callable[..., Any]) -> float:
        """Probability of an event: the share of runs where it holds (exact).

        Parameters
        ----------
        event : str, Threshold or callable
            The name of an event declared with ``events=`` when the ensemble
            ran, or that event itself (the same Threshold, or the same
            function object). An undeclared
            :class:`~tariffsim.analysis.reduce.Threshold` on a tariff or an
            export control is answered from the exact counts when it
            concerns the whole run's peak (``at_least`` with ``after=0`` and
            no ``by``) or one round's end (``after == by``, ``at_most``, or
            ``at_least`` on an export control: a tariff reaches a level at
            any decision step of a round, which the counts of its ends do not
            show).

        Returns
        -------
        float
            ``count / R``, the same number as a full ensemble's ``prob``.

        Raises
        ------
        UnknownNameError
            For a name that was not declared.
        RunsNotKeptError
            For an event that needs the runs (an array over runs, an
            undeclared function, another undeclared Threshold).
        ParameterError
            For what is no event (not a name, Threshold, callable or array).
        """
        n = len(self)
        if not isinstance(event, str | Threshold | np.ndarray | list | tuple) and not callable(
            event
        ):  # (an array over runs needs the runs: RunsNotKeptError below)
            raise ParameterError(
                f"`event` must be the name of a declared event, a Threshold or a function; "
                f"got {short_repr(event)}."
            )
        if isinstance(event, str):
            if event not in self.event_names:
                known = ", ".join(repr(k) for k in self.event_names) or "none"
                raise UnknownNameError(f"no event named {event!r} was counted; declared: {known}.")
            return int(self.counts.events[self.event_names.index(event)]) / n
        for k, declared in enumerate(self._declared):
            if declared is event or (isinstance(event, Threshold) and declared == event):
                return int(self.counts.events[k]) / n
        if isinstance(event, Threshold) and self.specs_exact and str(event) in self.event_specs:
            return int(self.counts.events[self.event_specs.index(str(event))]) / n  # from a file
        if isinstance(event, Threshold) and event.a not in INDICATORS:
            return self._threshold_from_counts(event) / n
        self._needs_runs(
            "prob() of an undeclared event",
            "or declare it up front: ts.ensemble(..., keep='summary', events={name: event})",
        )

    def _threshold_from_counts(self, ev: Threshold) -> int:
        ev.check(self.codes, self.dyads, self.dates, self.control_dyads)
        t, d = self._exact(ev.a, ev.control_dyad if is_control(ev.a) else ev.b)
        first, last = ev.window(self.dates)
        hit = ev.meets(t.levels)
        if first == 0 and last == self.rounds and ev.at_least is not None:
            return int(t.peak[d][hit].sum())
        if first == last and (ev.at_most is not None or is_control(ev.a)):
            return int(t.counts[last, d][hit].sum())
        self._needs_runs(
            f"prob({ev}), which spans rounds {first}..{last},",
            "or declare it up front: ts.ensemble(..., keep='summary', events=[...])",
        )

    def _needs_runs(self, what: str, alt: str = "") -> NoReturn:
        raise RunsNotKeptError(
            f"{what} needs every run, and this summary-only ensemble keeps none; run "
            f"ts.ensemble(..., keep='runs') (the default){' ' + alt if alt else ''}."
        )

    # -- what needs the runs --------------------------------------------------------
    def run(self, k: int) -> NoReturn:
        """Not available: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("run(k)")

    def series(self, importer: str, exporter: str | None = None) -> NoReturn:
        """Not available: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("series()", "or use quantiles()")

    def indicator(self, name: str, country: str) -> NoReturn:
        """Not available: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("indicator()", "or use quantiles()")

    def peak(self, importer: str, exporter: str | None = None) -> NoReturn:
        """Not available per run: use :meth:`peak_quantiles` or :meth:`peak_counts`."""
        self._needs_runs("per-run peak()", "or use peak_quantiles() / peak_counts()")

    def first_round(self, importer: str, exporter: str | None = None, **kw: Any) -> NoReturn:
        """Not available per run: declare a :class:`~tariffsim.analysis.reduce.Threshold` event."""
        self._needs_runs("first_round()", "or declare a Threshold event with events=")

    @property
    def draws(self) -> NoReturn:
        """Not kept (reproducible from ``seed``): raises RunsNotKeptError."""
        self._needs_runs("the per-run draws")

    @property
    def tariff(self) -> NoReturn:
        """Not kept: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("the per-run tariff array", "or use quantiles()")

    @property
    def control(self) -> NoReturn:
        """Not kept: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("the per-run export-control array", "or use quantiles('control', ...)")

    def control_series(self, withholder: str, target: str | None = None) -> NoReturn:
        """Not available: raises :class:`~tariffsim.errors.RunsNotKeptError`."""
        self._needs_runs("control_series()", "or use quantiles('control', ...)")

    # -- output -------------------------------------------------------------------
    def _bands(self, q: Array) -> dict[str, tuple[tuple[str, ...], Array]]:
        out: dict[str, tuple[tuple[str, ...], Array]] = {
            "tariff_quantile": (
                ("quantile", "round", "dyad"),
                np.stack([self.counts.tariff.quantiles(d, q) for d in range(len(self.dyads))], -1),
            )
        }
        if self.control_dyads:
            c = cast(TariffCounts, self.counts.control)
            out["control_quantile"] = (
                ("quantile", "round", "control_dyad"),
                np.stack([c.quantiles(d, q) for d in range(len(self.control_dyads))], -1),
            )
        n = len(self.codes)
        for k in INDICATORS:
            series = np.arange((self.rounds + 1) * n)
            vals = self.counts.hist[k].quantiles(series, q).reshape(len(q), self.rounds + 1, n)
            out[f"{k}_quantile"] = (("quantile", "round", "country"), vals)
        return out

    def _attrs(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "kind": "ensemble summary",
            "runs": len(self),
            "seed": stored_seed(self.seed),
            "vary": self.vary,
            "drawn": json.dumps(dict(self.drawn)),
            "changes": json.dumps(list(self.changes)),
            "seeds": f"run k uses numpy.random.SeedSequence({self.seed}).spawn(runs)[k]",
            "resolution": json.dumps(self.resolution),
            "scheduled": json.dumps([[r, text] for r, text in self.events]),
            "event_specs_exact": int(self.specs_exact),
            "units": "tariff, recession, approval: fractions; payoff: % of GDP a year; "
            "drawdown: index %",
            "note": "tariff and export-control counts are exact; indicator counts are per bin "
            "of width `resolution` (bin k stands for k * width)",
        }

    def to_xarray(self, q: ArrayLike = DEFAULT_Q) -> Any:
        """The counts, and bands at levels ``q``, as an ``xarray.Dataset`` (the ``xarray`` extra).

        Dimensions ``round``, ``dyad``, ``level`` (tariff values), ``country``,
        ``event``, ``quantile`` and one ``{indicator}_bin`` per indicator.
        Variables: ``tariff_count`` (round, dyad, level) and ``peak_count``
        (dyad, level), exact; in a game with export-control ladders,
        ``control_count`` (round, control_dyad, control_level) and
        ``control_peak_count`` (control_dyad, control_level), exact, and
        ``control_quantile`` (quantile, round, control_dyad);
        ``{indicator}_count`` (round, country,
        {indicator}_bin) with the bins' values as coordinate
        ``{indicator}_value`` (the bins some round and country holds: the empty
        ones between them are left out); ``event_count`` (event); ``tariff_quantile``
        (quantile, round, dyad) and ``{indicator}_quantile`` (quantile,
        round, country). Attributes: runs, seed, vary, drawn and resolution (JSON).

        Raises
        ------
        ImportError
            If xarray is not installed (``pip install 'tariffsim[xarray]'``).
        """
        try:
            import xarray as xr
        except ImportError:
            raise MissingExtraError(
                "EnsembleSummary.to_xarray() needs xarray: pip install 'tariffsim[xarray]'"
            ) from None
        qs = check_levels(q)
        t = self.counts.tariff
        data: dict[str, Any] = {
            "tariff_count": (("round", "dyad", "level"), np.array(t.counts)),
            "peak_count": (("dyad", "level"), np.array(t.peak)),
            "event_count": (("event",), np.array(self.counts.events)),
        }
        coords: dict[str, Any] = {
            "round": np.arange(self.rounds + 1),
            "date": ("round", np.asarray(self.dates)),
            "dyad": [f"{a}->{b}" for a, b in self.dyads],
            "importer": ("dyad", [a for a, _ in self.dyads]),
            "exporter": ("dyad", [b for _, b in self.dyads]),
            "country": list(self.codes),
            "level": np.asarray(t.levels),
            "event": list(self.event_names),
            "event_spec": ("event", list(self.event_specs)),
            "quantile": qs,
        }
        if self.control_dyads:
            c = cast(TariffCounts, self.counts.control)
            data["control_count"] = (("round", "control_dyad", "control_level"), np.array(c.counts))
            data["control_peak_count"] = (("control_dyad", "control_level"), c.peak)
            coords["control_dyad"] = [f"{a}->{b}" for a, b in self.control_dyads]
            coords["withholder"] = ("control_dyad", [a for a, _ in self.control_dyads])
            coords["target"] = ("control_dyad", [b for _, b in self.control_dyads])
            coords["control_level"] = np.asarray(c.levels)
        n = len(self.codes)
        for k in INDICATORS:
            h = self.counts.hist[k]
            bins, dense = h.dense()
            dim = f"{k}_bin"
            data[f"{k}_count"] = (("round", "country", dim), dense.reshape(-1, n, len(bins)))
            coords[dim] = bins
            coords[f"{k}_value"] = (dim, h.values(bins))
        for name, (dims, vals) in self._bands(qs).items():
            data[name] = (dims, vals)
        ds = xr.Dataset(data, coords=coords, attrs=self._attrs())
        for var in ds.data_vars:
            name = str(var)
            what = name.rsplit("_", 1)[0]  # tariff_count, recession_quantile, ...
            if name == "event_count":
                ds[name].attrs = {"long_name": "runs where the event holds", "units": "1"}
            elif name.endswith("_count"):
                ds[name].attrs = {"long_name": f"runs holding the value ({what})", "units": "1"}
            elif what in SERIES_ATTRS:
                ds[name].attrs = dict(SERIES_ATTRS[what])
        return ds

    def to_netcdf(self, file: str | FsPath) -> None:
        """Write :meth:`to_xarray` as NetCDF-4 (h5netcdf), counts compressed."""
        ds = self.to_xarray()
        enc = {k: {"zlib": True} for k in ds.data_vars if k.endswith("_count")}
        atomic_netcdf(file, ds, encoding=enc)

    def to_npz(self, file: str | FsPath) -> None:
        """Write the counts, bands and labels to a compressed ``.npz`` (numpy only), at exactly
        ``file`` (unlike :func:`numpy.savez`, no ``.npz`` is added to a name without it).

        Keys: ``tariff_count`` (round, dyad, level), ``peak_count``,
        ``levels``; ``control_count`` (round, control dyad, control level),
        ``control_peak_count``, ``control_levels``, ``control_dyads``
        (``"CN->US"``); per indicator ``{k}_count`` (round, country, bin),
        ``{k}_bins`` (the bins some round and country holds, increasing; bin
        ``b`` stands for ``b * width``) and
        ``{k}_width``; ``event_count``, ``events``, ``event_specs``,
        ``event_specs_exact``;
        ``quantile`` and the ``*_quantile`` bands; ``dates``, ``dyads``,
        ``codes``, ``runs``, ``seed``, ``name``, ``vary``, ``drawn`` (JSON), ``scheduled``.
        :meth:`from_npz` reads it back.
        """
        t = self.counts.tariff
        qs = check_levels(DEFAULT_Q)
        arrays: dict[str, Any] = {
            "tariff_count": t.counts,
            "peak_count": t.peak,
            "levels": t.levels,
            "event_count": self.counts.events,
            "events": np.array(self.event_names, dtype=str),
            "event_specs": np.array(self.event_specs, dtype=str),
            "event_specs_exact": np.array(self.specs_exact),
            "quantile": qs,
            "dates": np.array([str(d) for d in self.dates]),
            "dyads": np.array([f"{a}->{b}" for a, b in self.dyads]),
            "codes": np.array(self.codes),
            "runs": np.array(len(self)),
            "seed": np.array(stored_seed(self.seed)),
            "name": np.array(self.name),
            "vary": np.array(self.vary),
            "drawn": np.array(json.dumps(dict(self.drawn))),
            "scheduled": np.array([f"{r}\t{text}" for r, text in self.events], dtype=str),
            "changes": np.array(self.changes, dtype=str),
        }
        if self.counts.control is not None:
            c = self.counts.control
            arrays |= {
                "control_count": c.counts,
                "control_peak_count": c.peak,
                "control_levels": c.levels,
                "control_dyads": np.array([f"{a}->{b}" for a, b in self.control_dyads], dtype=str),
            }
        n = len(self.codes)
        for k in INDICATORS:
            bins, dense = self.counts.hist[k].dense()
            arrays[f"{k}_count"] = dense.reshape(-1, n, len(bins))
            arrays[f"{k}_bins"] = bins
            arrays[f"{k}_width"] = np.array(self.counts.hist[k].width)
        arrays |= {name: vals for name, (_, vals) in self._bands(qs).items()}
        atomic_savez(file, arrays)  # an existing file is replaced only by a complete one

    @classmethod
    def from_npz(cls, file: str | FsPath) -> EnsembleSummary:
        """Read a summary written by :meth:`to_npz` (the counts, hence every band and event).

        The distributions the parameters were drawn from are not stored:
        ``distributions`` is empty; declared events are known by name.

        Raises
        ------
        ParameterError
            If the file is not a summary written by :meth:`to_npz`.
        """
        with (
            reading(
                f"`file` {short_repr(str(file))} is not an ensemble summary written by to_npz",
                file,
            ),
            np.load(file, allow_pickle=False) as z,
        ):
            if "tariff" in z.files and "tariff_count" not in z.files:
                raise other_kind(f"`file` {short_repr(str(file))}", "ensemble", "to_npz")
            check_npz_size(z, f"`file` {short_repr(str(file))}")
            return cls._from_arrays(z, f"`file` {short_repr(str(file))}")

    @classmethod
    def from_xarray(cls, ds: Any) -> EnsembleSummary:
        """The summary :meth:`to_xarray` wrote (or a NetCDF file of it, opened by xarray).

        The counts come back exactly, hence every band and event; the
        distributions the parameters were drawn from are not stored.

        Raises
        ------
        ParameterError
            If ``ds`` is not a summary's dataset (a variable, coordinate or
            attribute missing, or counts that do not add up).
        """
        return cls._from_dataset(ds, "`ds`", "to_xarray")

    @classmethod
    def _from_dataset(cls, ds: Any, where: str, writer: str) -> EnsembleSummary:
        """:meth:`from_xarray` of ``ds``, whose errors name ``where`` (the dataset, or the file
        it was read from, which ``writer`` wrote)."""
        what = f"{where} is not an ensemble summary's dataset (from {writer})"
        with reading(what):
            if ds.attrs.get("kind") == "ensemble":
                raise other_kind(where, "ensemble", writer)
            need = ("tariff_count", "peak_count", "event_count",
                    *(f"{k}_count" for k in INDICATORS))  # fmt: skip
            missing = [k for k in need if k not in ds.data_vars]
            missing += [k for k in ("runs", "seed", "resolution") if k not in ds.attrs]
            if missing:
                raise ParameterError(f"{what}: no {', '.join(missing)}.")
            if np.asarray(ds["date"].values).dtype.kind != "M":
                raise ParameterError(
                    f"{what}: its dates are not dates (a file opened with decode_times=False?)."
                )
            check_positions(ds, ("round",), where)
            widths = json.loads(str(ds.attrs["resolution"]))
            scheduled = json.loads(str(ds.attrs.get("scheduled", "[]")))
            z: dict[str, Any] = {
                "tariff_count": ds["tariff_count"].transpose("round", "dyad", "level").values,
                "peak_count": ds["peak_count"].transpose("dyad", "level").values,
                "levels": ds["level"].values,
                "event_count": ds["event_count"].values,
                "events": ds["event"].values.astype(str),
                "event_specs": ds["event_spec"].values.astype(str),
                "event_specs_exact": np.array(bool(ds.attrs.get("event_specs_exact", 0))),
                "dates": np.asarray(ds["date"].values, dtype="datetime64[D]").astype(str),
                "dyads": ds["dyad"].values.astype(str),
                "codes": ds["country"].values.astype(str),
                "runs": np.array(ds.attrs["runs"]),
                "seed": np.array(ds.attrs["seed"]),
                "name": np.array(str(ds.attrs.get("scenario", ""))),
                "vary": np.array(str(ds.attrs.get("vary", ""))),
                "drawn": np.array(str(ds.attrs.get("drawn", "{}"))),
                "scheduled": np.array([f"{r}\t{text}" for r, text in scheduled], dtype=str),
                "changes": np.array(
                    changes_from_json(bad_at(where), ds.attrs.get("changes", "[]")), dtype=str
                ),
            }
            # (no controls without export-control ladders, or in files written before they
            # were kept; a part of them is a damaged file, which _stored_controls names)
            dims = ("round", "control_dyad", "control_level")
            if "control_count" in ds.data_vars:
                z["control_count"] = ds["control_count"].transpose(*dims).values
            if "control_peak_count" in ds.data_vars:
                z["control_peak_count"] = ds["control_peak_count"].transpose(*dims[1:]).values
            if "control_level" in ds.coords:
                z["control_levels"] = ds["control_level"].values
            if "control_dyad" in ds.coords:
                z["control_dyads"] = ds["control_dyad"].values.astype(str)
            for k in INDICATORS:
                dim = f"{k}_bin"
                z[f"{k}_count"] = ds[f"{k}_count"].transpose("round", "country", dim).values
                z[f"{k}_bins"] = ds[dim].values
                z[f"{k}_width"] = np.array(widths[k])
            return cls._from_arrays(_Files(z), where)

    @classmethod
    def from_netcdf(cls, file: str | FsPath) -> EnsembleSummary:
        """Read a summary written by :meth:`to_netcdf` (needs the ``xarray`` extra), as
        ``tariffsim ensemble --summary`` writes it.

        Raises
        ------
        ParameterError
            If the file is not a summary written by :meth:`to_netcdf`.
        ImportError
            If xarray is not installed.
        """
        what = f"`file` {short_repr(str(file))} is not an ensemble summary written by to_netcdf"
        ds = read_netcdf(file, what, "EnsembleSummary.from_netcdf()", weigh=())
        return cls._from_dataset(ds, f"`file` {short_repr(str(file))}", "to_netcdf")

    @classmethod
    def _from_arrays(cls, z: Any, where: str) -> EnsembleSummary:
        """The summary the arrays ``z`` hold (an open ``.npz`` or a dataset's arrays), every
        part checked; errors name ``where`` (```file` 'x.npz'``)."""
        per = (f"{k}_{part}" for k in INDICATORS for part in ("count", "bins", "width"))
        need = ("tariff_count", "peak_count", "levels", "event_count", "events", "event_specs",
                "dates", "dyads", "codes", "runs", "seed", "name", "vary", "scheduled",
                *per)  # fmt: skip
        missing = [k for k in need if k not in z.files]
        if missing:
            raise ParameterError(
                f"{where} is not an ensemble summary (.npz from to_npz): no {', '.join(missing)}."
            )

        def bad(what: str) -> ParameterError:
            return ParameterError(f"{where}: {what}.")

        if z["runs"].dtype.kind not in "iu":
            raise bad("the run count must be an integer")
        runs = int(z["runs"])
        levels = np.asarray(z["levels"], dtype=float)
        if runs < 1 or levels.ndim != 1 or not np.isfinite(levels).all():
            raise bad("the run count or the tariff levels are not valid")
        if np.any(np.diff(levels) <= 0):
            raise bad("the tariff levels must increase")
        T1, D, E = len(z["dates"]), len(z["dyads"]), len(z["events"])
        if z["tariff_count"].shape != (T1, D, len(levels)) or z["peak_count"].shape != (
            D,
            len(levels),
        ):
            raise bad(
                f"the tariff counts {z['tariff_count'].shape} and peak counts "
                f"{z['peak_count'].shape} do not match {T1} dates, {D} dyads and "
                f"{len(levels)} levels"
            )
        if z["event_count"].shape != (E,) or len(z["event_specs"]) != E:
            raise bad(f"the event counts and texts do not match the {E} events")
        event_names = tuple(str(e) for e in z["events"])
        if len(set(event_names)) != E:
            raise bad(f"the events must have distinct names; got {short_repr(event_names)}")
        if not all(e.strip() and storable(e) for e in event_names):
            raise bad(f"an event's name is blank or holds a NUL; got {short_repr(event_names)}")
        name, codes, dyads, dates, seed, fired = checked_labels(
            bad, name=z["name"], codes=z["codes"].tolist(), dyads=z["dyads"].tolist(),
            dates=z["dates"], seed=z["seed"],
            scheduled=(
                (int(r), text) for r, _, text in (str(e).partition("\t") for e in z["scheduled"])
            ),
        )  # fmt: skip
        if (levels < 0).any():
            raise bad("the tariff levels must be >= 0")
        for k in ("tariff_count", "peak_count", "event_count", *(f"{i}_count" for i in INDICATORS)):
            c = z[k]
            if c.dtype.kind not in "iu" or (c < 0).any():
                raise bad(f"{k} must hold counts (integers >= 0)")
        if not (z["tariff_count"].sum(axis=-1) == runs).all():
            raise bad("the tariff counts do not add up to the runs in every round and dyad")
        if not (z["peak_count"].sum(axis=-1) == runs).all():
            raise bad("the peak counts do not add up to the runs for every dyad")
        if (z["event_count"] > runs).any():
            raise bad("an event count is above the runs")
        n = len(z["codes"])
        hist = {}
        for k in INDICATORS:
            width = float(z[f"{k}_width"])
            if not (math.isfinite(width) and MIN_WIDTH <= width <= _READ_MAX_WIDTH):
                raise bad(
                    f"{k}_width must be a number in [{MIN_WIDTH:g}, {_READ_MAX_WIDTH:g}]; got "
                    f"{width!r}"
                )
            bins = z[f"{k}_bins"]
            if bins.dtype.kind not in "iu" or np.any(np.diff(bins) <= 0):
                raise bad(f"{k}_bins must be increasing integers")
            if z[f"{k}_count"].shape != (T1, len(z["codes"]), len(bins)):
                raise bad(f"the {k} counts do not match the dates, countries and bins")
            dense = z[f"{k}_count"].reshape(-1, len(bins))
            if not (dense.sum(axis=1) == runs).all():
                raise bad(f"the {k} counts do not add up to the runs in every round and country")
            slot, col = np.nonzero(dense)
            hist[k] = Histogram(width, dense.shape[0], slot, z[f"{k}_bins"][col], dense[slot, col])
        counts = Counts(
            tariff=TariffCounts(levels, z["tariff_count"], z["peak_count"], runs),
            hist=hist,
            events=z["event_count"],
            fired=fired,
        )
        if any(h.slots != counts.tariff.counts.shape[0] * n for h in hist.values()):
            raise bad("the histograms do not match the rounds and countries")
        control_dyads: tuple[tuple[str, str], ...] = ()
        if any(k in z.files for k in _CONTROL_KEYS):  # (none in files from before they were kept)
            control_dyads, ctl = _stored_controls(z, bad, codes, T1, runs)
            counts = dataclasses.replace(counts, control=ctl)
        return cls(
            name=name,
            codes=codes,
            dates=dates,
            dyads=dyads,
            control_dyads=control_dyads,
            counts=counts,
            event_names=event_names,
            event_specs=tuple(str(e) for e in z["event_specs"]),
            specs_exact=bool(z["event_specs_exact"]) if "event_specs_exact" in z.files else False,
            resolution={k: h.width for k, h in hist.items()},
            seed=seed,
            vary=str(z["vary"]),
            events=counts.fired,
            drawn=_drawn_of(z, bad),
            changes=checked_changes(bad, z["changes"].tolist()) if "changes" in z.files else (),
        )

    def to_frame(self) -> Any:
        """The counts as a long pandas DataFrame (needs pandas).

        One row per series, round and value held by at least one run:
        columns ``series`` (``"US->CN"``, ``"CN->US control"`` or ``"US
        recession"``), ``round``, ``date``, ``value`` (the tariff or the
        control exactly, or the bin's grid value) and ``count`` (runs).
        """
        pd = _pandas("EnsembleSummary.to_frame()")
        frames = []
        exact = [(self.counts.tariff, self.dyads, "")]
        if self.counts.control is not None:
            exact.append((self.counts.control, self.control_dyads, " control"))
        for t, pairs, suffix in exact:
            r_, d_, l_ = np.nonzero(t.counts)
            names = np.array([f"{a}->{b}{suffix}" for a, b in pairs], dtype=object)
            frames.append(
                pd.DataFrame(
                    {
                        "series": names[d_],
                        "round": r_,
                        "value": t.levels[l_],
                        "count": t.counts[r_, d_, l_],
                    }
                )
            )
        n = len(self.codes)
        for k in INDICATORS:
            h = self.counts.hist[k]
            labels = np.array([f"{c} {k}" for c in self.codes], dtype=object)
            frames.append(
                pd.DataFrame(
                    {
                        "series": labels[h.slot % n],
                        "round": h.slot // n,
                        "value": h.values(h.bin),
                        "count": h.count,
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        df.insert(2, "date", pd.to_datetime(np.asarray(self.dates)[df["round"].to_numpy()]))
        return df

    def __repr__(self) -> str:
        k = len(self.event_names)
        ev = f", {k} event{'s' * (k != 1)}" if k else ""
        return (
            f"<EnsembleSummary {self.name or 'game'}: {len(self)} runs × {self.rounds} rounds "
            f"from {self.dates[0]}, seed {seed_text(self.seed)}{ev}>"
        )


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------
_CONTROL_KEYS = ("control_count", "control_peak_count", "control_levels", "control_dyads")
"""The arrays of a summary file that hold its export controls (all or none)."""


def _stored_controls(
    z: Any, bad: Any, codes: tuple[str, ...], T1: int, runs: int
) -> tuple[tuple[tuple[str, str], ...], TariffCounts]:
    """The export controls' labels and counts a file's arrays hold, checked as the tariffs'."""
    missing = [k for k in _CONTROL_KEYS if k not in z.files]
    if missing:
        raise bad(f"its export-control counts lack {', '.join(missing)}")
    pairs = checked_dyads(bad, z["control_dyads"].tolist(), codes, "export-control dyad")
    levels = np.asarray(z["control_levels"])
    if levels.ndim != 1 or levels.dtype.kind != "f" or not np.isfinite(levels).all():
        raise bad("the export-control levels must be finite numbers")
    if np.any(np.diff(levels) <= 0) or (levels < 0).any() or (levels > 1).any():
        raise bad("the export-control levels must increase, within [0, 1]")
    C, L = len(pairs), len(levels)
    c, p = z["control_count"], z["control_peak_count"]
    if c.shape != (T1, C, L) or p.shape != (C, L):
        raise bad(
            f"the export-control counts {c.shape} and peak counts {p.shape} do not match "
            f"{T1} dates, {C} control dyads and {L} levels"
        )
    for k, a in (("control_count", c), ("control_peak_count", p)):
        if a.dtype.kind not in "iu" or (a < 0).any():
            raise bad(f"{k} must hold counts (integers >= 0)")
    if not (c.sum(axis=-1) == runs).all():
        raise bad("the export-control counts do not add up to the runs in every round and dyad")
    if not (p.sum(axis=-1) == runs).all():
        raise bad("the export-control peak counts do not add up to the runs for every dyad")
    return pairs, TariffCounts(levels, c, p, runs)


def _drawn_of(z: Any, bad: Any) -> dict[str, str]:
    """The ``drawn`` texts of a file's arrays (none in files written before they were kept)."""
    if "drawn" not in z.files:
        return {}
    try:
        drawn = json.loads(str(z["drawn"]))
    except ValueError:
        drawn = None
    if not isinstance(drawn, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in drawn.items()
    ):
        raise bad("its `drawn` is not a JSON mapping of parameter path to text")
    return drawn


class _Files(dict[str, Any]):
    """A mapping read as a loaded ``.npz`` is (its keys as ``files``)."""

    @property
    def files(self) -> list[str]:
        return list(self)


def check_events(
    game: Game, events: Mapping[str, Any] | Sequence[Any] | None, rounds: int | None
) -> dict[str, Threshold | EventFn]:
    """Events to count, by name, checked against the game before any run.

    A mapping ``{name: event}``, or a sequence of events named by their
    ``__name__`` (a function) or their text (a Threshold, a
    ``functools.partial``: :func:`~tariffsim.analysis.reduce.event_text`). An event is a
    :class:`~tariffsim.analysis.reduce.Threshold` or a callable taking a
    chunk's compact :class:`~tariffsim.engine.PathBatch` and returning one
    bool per run.

    Raises
    ------
    ParameterError
        For an event that is neither, or two events with one name.
    UnknownNameError
        For a Threshold on a series the game does not record.
    """
    if events is None:
        return {}
    if isinstance(events, Mapping):
        items = list(events.items())
    elif isinstance(events, Sequence) and not isinstance(events, str):
        items = [(getattr(e, "__name__", None) or event_text(e), e) for e in events]
    else:
        raise ParameterError(
            f"`events` must be a mapping of name to event or a sequence of events; got {events!r}."
        )
    out: dict[str, Threshold | EventFn] = {}
    w = game.world
    t = game.rounds if rounds is None else rounds
    dates = np.array([game.date(k) for k in range(t + 1)], dtype="datetime64[D]")
    for name, ev in items:
        if not isinstance(name, str) or not name.strip() or not storable(name):
            raise ParameterError(
                f"`events`: names must be strings, not all blank, without a NUL or a lone "
                f"surrogate (they are stored in the summary's files); got {short_repr(name)}."
            )
        if name in out:
            raise ParameterError(
                f"`events`: two events are named {name!r}; give them names with a mapping."
            )
        if isinstance(ev, Threshold):
            ev.check(w.codes, tuple(w.ladders), dates, tuple(w.control_ladders))
        elif not callable(ev):
            raise ParameterError(
                f"`events[{name!r}]` must be a Threshold or a function of a PathBatch; got {ev!r}."
            )
        out[name] = ev
    return out


def check_picklable(events: Mapping[str, Any], executor: Any, processes: int = 1) -> None:
    """On a process pool (``executor``, or ``processes`` > 1 for one still to be made), every
    event function must pickle (Dask uses cloudpickle)."""
    named = {f"events[{name!r}]": ev for name, ev in events.items()}
    check_sendable(executor, processes=processes, **named)


@dataclass(frozen=True)
class _SummaryJob:
    batch: _BatchJob
    reducer: Reducer


def _summary_chunk(
    job: _SummaryJob, start: int, stop: int, overrides: Mapping[str, Array] | None
) -> Counts:
    """One chunk of a summary ensemble, played and reduced where it runs."""
    return job.reducer(_simulate_chunk(job.batch, start, stop, overrides))


def _merge(a: Counts, b: Counts) -> Counts:
    return a.merge(b)


def summarise(
    game: Game,
    runs: int,
    root: np.random.SeedSequence,
    overrides: Mapping[str, Array],
    *,
    events: Mapping[str, Threshold | EventFn],
    resolution: Mapping[str, float] | None,
    rounds: int | None,
    executor: Any,
    chunk_size: int | None,
    progress: bool | None,
) -> tuple[Counts, dict[str, Any]]:
    """Play ``runs`` runs in chunks and reduce them (the work behind ``keep="summary"``).

    Chunks default to :func:`~tariffsim.analysis.runner.default_chunk_size`,
    at most :data:`SUMMARY_CHUNK` runs.

    Returns the merged :class:`~tariffsim.analysis.reduce.Counts` and the
    metadata (codes, dates, dyads, scheduled events).
    """
    widths = check_resolution(resolution)
    if chunk_size is None:
        chunk_size = min(default_chunk_size(runs, executor), SUMMARY_CHUNK)
    job = _SummaryJob(_BatchJob(game, rounds, root, "compact"), Reducer(widths, dict(events)))
    counts = fold_chunks(
        _summary_chunk,
        _merge,
        job,
        runs,
        payload=dict(overrides) or None,
        chunk_size=chunk_size,
        executor=executor,
        progress=progress,
        desc=f"ensemble {game.name} (summary)".strip(),
        unit="run",
        live=True,
        size_of=lambda counts: counts.tariff.n,
    )
    w = game.world
    t = game.rounds if rounds is None else rounds
    meta = {
        "codes": w.codes,
        "dates": np.array([game.date(k) for k in range(t + 1)], dtype="datetime64[D]"),
        "dyads": tuple(w.ladders),
        "resolution": widths,
    }
    return counts, meta
