r"""Ensembles: many runs of a scenario, with drawn parameters, as bands and probabilities.

:func:`ensemble` runs a scenario ``R`` times through the batched engine
(:func:`tariffsim.engine.simulate_batch`, compact record), chunked on any
executor (:func:`tariffsim.analysis.runner.map_chunks`), with parameters
drawn up front from distributions or from the claims' ranges
(:mod:`tariffsim.analysis.vary`). The frozen :class:`Ensemble` it returns
holds every run's tariffs (on the dyads with a ladder) and indicators, the
draws, and answers the usual questions:

- :meth:`Ensemble.quantiles` — per-round quantile bands of a tariff or an
  indicator (recession odds, approval, payoff, drawdown), dated;
- :meth:`Ensemble.prob` — the probability of an event, from a boolean array
  over runs (fast: ``ens.peak("US", "CN") >= 1.45``) or a function of one
  run (``lambda p: p.peak("US", "CN") >= 1.45``);
- :meth:`Ensemble.peak`, :meth:`Ensemble.first_round` — vectorised per-run
  statistics, shape ``(R,)``;
- :meth:`Ensemble.plot` (fan chart), :meth:`Ensemble.to_xarray`,
  :meth:`Ensemble.to_frame`, :meth:`Ensemble.to_netcdf`, :meth:`Ensemble.to_npz`.

Seeds: run ``k`` uses ``np.random.SeedSequence(seed).spawn(R)[k]`` and the
parameters drawn for it, so it equals ``ts.simulate(game_k, rounds,
seed=np.random.SeedSequence(seed).spawn(R)[k])`` with ``game_k =
ts.parampath.apply(game, ens.run(k).draws)``, bit for bit, on any executor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _shared, limits, parampath
from .._io import atomic_netcdf, atomic_savez, read_netcdf, reading
from .._util import FrozenDict, as_date, check_bool, one_of, seed_text, short_repr
from .._util import frozen_array as _ro
from ..engine import PathBatch, _record_arrays, _record_layout, runs_alike
from ..errors import (
    IdenticalRunsWarning,
    MissingExtraError,
    ParameterError,
    SameDecisionsWarning,
    TariffsimError,
    UnknownNameError,
)
from ..progress import counting_runs
from ..schema import MAX_TARIFF, label_ok
from ..world import _dyad_key, dyad_args
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
    in_range,
    other_kind,
)
from .bands import (
    DEFAULT_LEVELS,
    Bands,
    _pandas,
    _Summarised,
    dyad_and_levels,
    is_control,
    series_args,
)
from .distributions import Distribution
from .reduce import (
    INDICATORS,
    SERIES_ATTRS,
    TariffCounts,
    Threshold,
    check_levels,
    check_threshold,
    event_text,
    warn_if_percent,
)
from .runner import (
    _BatchJob,
    _check_count,
    _root,
    _simulate_chunk,
    check_executor,
    check_overrides,
    check_processes,
    check_seed,
    default_chunk_size,
    local_pool,
    map_chunks,
    stored_seed,
)

if TYPE_CHECKING:
    from ..game import Game
    from ..scenario import Scenario
    from .summary import EnsembleSummary

__all__ = ["INDICATORS", "Bands", "Ensemble", "RunView", "ensemble"]

Array = NDArray[np.float64]


def _vary_of(params: list[str], claims: list[str]) -> str:
    """``vary`` of an older file, which did not store it: what its draws show."""
    return "claims" if claims else ("mapping" if params else "none")


def _scheduled(z: Any) -> list[list[str]]:
    """The scheduled events of an ``.npz`` (``"round<TAB>text"`` each; none in older files)."""
    if "scheduled" not in z.files:
        return []
    return [str(e).split("\t", 1) for e in z["scheduled"]]


_DIMS = {"tariff": ("run", "round", "dyad"), **{k: ("run", "round", "country") for k in INDICATORS}}
"""The dimensions of each variable of :meth:`Ensemble.to_xarray`, in the arrays' order."""


class RunView:
    """One run of an ensemble, read like a :class:`~tariffsim.path.Path` (a light view).

    Attributes
    ----------
    index : int
        The run number.
    codes, dates, dyads
        As in the ensemble.
    draws : dict of str to float
        The parameter values this run used.
    recession, approval, payoff, drawdown : ndarray, shape (T+1, n)
    """

    __slots__ = ("_ens", "index")

    def __init__(self, ens: Ensemble, index: int) -> None:
        self._ens = ens
        self.index = index

    def __len__(self) -> int:
        return int(self._ens.tariff.shape[1])

    @property
    def codes(self) -> tuple[str, ...]:
        return self._ens.codes

    @property
    def dates(self) -> NDArray[Any]:
        return self._ens.dates

    @property
    def dyads(self) -> tuple[tuple[str, str], ...]:
        return self._ens.dyads

    @property
    def draws(self) -> dict[str, float]:
        return {k: float(v[self.index]) for k, v in self._ens.draws.items()}

    def series(self, importer: str, exporter: str | None = None) -> Array:
        """Headline tariff of ``importer`` on ``exporter`` per round (fraction); the dyad may
        be one argument, ``"US->CN"``; ``series("control", "CN->US")`` an export control's
        (as :meth:`Ensemble.series`; ``peak`` and ``first_round`` take them too)."""
        return self._ens.series(importer, exporter)[self.index]

    def indicator(self, name: str, country: str) -> Array:
        """An indicator of one country per round, shape (T+1,) (as :meth:`Ensemble.indicator`)."""
        return self._ens.indicator(name, country)[self.index]

    def control_series(self, withholder: str, target: str | None = None) -> Array:
        """Export control of ``withholder`` on ``target`` per round, shape (T+1,) (a share
        withheld; as :meth:`Ensemble.control_series`)."""
        return self._ens.control_series(withholder, target)[self.index]

    def peak(self, importer: str, exporter: str | None = None) -> float:
        """Highest headline tariff reached on a dyad (``"US", "CN"`` or ``"US->CN"``), after
        any decision step (as :meth:`Ensemble.peak`), or export control (``"control",
        "CN->US"``)."""
        return float(self._ens._reached(importer, exporter)[self.index].max())

    def high_series(self, importer: str, exporter: str | None = None) -> Array:
        """Highest tariff in each round, after any decision step, shape (T+1,) (as
        :meth:`Ensemble.high_series`)."""
        return self._ens.high_series(importer, exporter)[self.index]

    def first_round(
        self,
        importer: str,
        exporter: str | None = None,
        *,
        at_least: float | None = None,
        at_most: float | None = None,
        after: int = 0,
    ) -> int | None:
        """First round ``>= after`` whose tariff meets the condition (None: never).

        As :meth:`Ensemble.first_round`, on this run's series only.
        """
        ens = self._ens  # (the dyad may be one argument)
        s = ens._against(importer, exporter, at_least)
        warn_if_percent(importer, at_least if at_least is not None else at_most, 3)
        after = _after_round(ens.dates, after)
        k = int(
            _first_round(s[self.index, None], at_least=at_least, at_most=at_most, after=after)[0]
        )
        return None if k < 0 else k

    def __getattr__(self, name: str) -> Array:
        if name in INDICATORS:
            return getattr(self._ens, name)[self.index]
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            f"a run has no {name!r}; its series are the indicators {', '.join(INDICATORS)} "
            "(arrays (T+1, n); indicator(name, country) for one country) and "
            "series(importer, exporter), control_series(withholder, target), peak(...), "
            "first_round(...)"
        )

    def __repr__(self) -> str:
        return f"<RunView {self.index} of {self._ens.name or 'ensemble'}>"


def _controls_of(
    dyads: Any, control: Any, codes: Sequence[str], shape: tuple[int, ...]
) -> tuple[tuple[tuple[str, str], ...], Array]:
    """An ensemble's ``control_dyads`` and ``control`` checked (tariffs of shape ``shape``):
    each dyad ``(withholder, target)`` (or ``"A->B"``) joins two different ``codes``, once;
    the controls are finite shares in [0, 1], one per run, round and dyad (none: no dyad)."""
    try:
        items = list(dyads)
    except TypeError:
        raise ParameterError(
            f"`control_dyads` must be a sequence of (withholder, target); got {short_repr(dyads)}."
        ) from None
    pairs = tuple(_dyad_key(d, "control_dyads") for d in items)
    odd = [f"{a}->{b}" for a, b in pairs if a not in codes or b not in codes or a == b]
    if odd or len(set(pairs)) != len(pairs):
        raise ParameterError(
            f"`control_dyads`: every dyad joins two of the countries, once; got "
            f"{short_repr(odd or [f'{a}->{b}' for a, b in pairs])}."
        )
    R, T1 = shape[:2]
    if control is None and not pairs:
        return pairs, np.zeros((R, T1, 0))
    try:
        ctl = np.asarray(control, dtype=float) if control is not None else None
    except (TypeError, ValueError):
        ctl = None
    if ctl is None or ctl.shape != (R, T1, len(pairs)):
        raise ParameterError(
            f"`control` must be numbers of shape {(R, T1, len(pairs))} (runs, rounds, control "
            f"dyads); got {short_repr(control) if ctl is None else ctl.shape}."
        )
    if not np.isfinite(ctl).all() or (ctl < 0).any() or (ctl > 1).any():
        raise ParameterError("`control` must hold shares withheld, finite and in [0, 1].")
    return pairs, ctl


def _after_round(dates: NDArray[Any], after: Any) -> Any:
    """``after`` as a round: a date (``datetime.date``, ``numpy.datetime64`` or ISO string)
    is the first round dated on or after it; an int is left to the round checks.

    Raises
    ------
    ParameterError
        For a text that is no date, a date after the last round's, or something else than
        an int or a date.
    """
    if not isinstance(after, str | dt.date | np.datetime64):
        if isinstance(after, bool | np.bool_) or not isinstance(after, int | np.integer):
            raise ParameterError(
                f"`after` must be a round (an int >= 0) or a date; got {short_repr(after)}."
            )
        return after
    day = np.datetime64(as_date(after, "after"), "D")
    k = int(np.searchsorted(np.asarray(dates, dtype="datetime64[D]"), day, side="left"))
    if k >= len(dates):
        raise ParameterError(f"`after` {day} is after the last round ({dates[-1]}).")
    return k


def _first_round(
    s: Array, *, at_least: float | None, at_most: float | None, after: int
) -> NDArray[np.int64]:
    """First round ``>= after`` of each row of ``s`` ``(R, T+1)`` meeting the condition (-1:
    never), the arguments checked (see :meth:`Ensemble.first_round`)."""
    at_least, at_most = check_threshold(at_least, at_most)
    after = _check_count("after", after, 0)
    if after > s.shape[1] - 1:  # no round looked at: no answer, as a Threshold says
        last = s.shape[1] - 1
        raise ParameterError(f"`after` ({short_repr(after)}) is beyond the last round ({last}).")
    hit = s >= at_least if at_least is not None else s <= cast(float, at_most)
    hit[:, :after] = False
    out = np.argmax(hit, axis=1).astype(np.int64)
    out[~hit.any(axis=1)] = -1
    return out


def _high_of(
    high: Any, tariff: Array, label: str = "`high`", fail: Callable[[str], Exception] | None = None
) -> Array:
    """An ensemble's ``high`` checked against its tariffs: numbers of their shape, finite, and
    at least the round's end in every run, round and dyad. The error says ``label`` and is
    made by ``fail`` (a file's reader names the file; default a ParameterError)."""

    def bad(what: str) -> Exception:
        return fail(what) if fail is not None else ParameterError(f"{what}.")

    try:
        h = np.asarray(high, dtype=float)
    except (TypeError, ValueError):
        h = None
    if h is None or h.shape != tariff.shape:
        got = short_repr(high) if h is None else h.shape
        raise bad(
            f"{label} must be numbers of the tariffs' shape {tariff.shape} (runs, rounds, "
            f"dyads); got {got}"
        )
    if not np.isfinite(h).all() or (h < tariff).any():
        raise bad(
            f"{label} must be finite and at least the tariff in every run, round and dyad (the "
            "highest level of a round includes its end)"
        )
    return h


def _checked_runs(
    bad: Callable[[str], ParameterError], arrays: Mapping[str, Any], n: int, T1: int, D: int
) -> dict[str, Array]:
    """An ensemble's per-run arrays checked: ``tariff`` real numbers of shape (runs, ``T1``
    rounds, ``D`` dyads), at least one run and one round, finite and >= 0; each of
    :data:`INDICATORS` of shape (runs, ``T1``, ``n`` countries) and finite, the recession
    odds and approval in [0, 1]. Returned as float arrays (the very arrays where they are);
    anything else raises ``bad(what)``."""
    out: dict[str, Array] = {}
    for k in ("tariff", *INDICATORS):
        a = np.asarray(arrays[k])
        if a.dtype.kind not in "fiu" or a.ndim != 3:
            raise bad(f"{k} must be a float array (run, round, ...); got {a.dtype} {a.shape}")
        out[k] = a if a.dtype == np.float64 else a.astype(float)
    tariff = out["tariff"]
    R, T1_, D_ = tariff.shape
    if R < 1 or T1_ < 1:  # an ensemble has a run and a round (ts.ensemble makes no other)
        raise bad(f"it holds {R} runs of {T1_} rounds; an ensemble has at least one of each")
    if T1 != T1_ or D != D_:
        raise bad(f"{T1} dates and {D} dyads do not match the tariffs' {T1_} rounds and {D_} dyads")
    for k in INDICATORS:
        if out[k].shape != (R, T1, n):
            raise bad(f"{k} must be a float array of shape {(R, T1, n)}; got {out[k].shape}")
    for k, a in out.items():
        if not np.isfinite(a).all():
            raise bad(f"{k} must be finite; it holds a NaN or an infinity")
    if (tariff < 0).any():
        raise bad("tariffs must be >= 0")
    if (tariff > MAX_TARIFF).any():  # fractions (1.45 is 145%), as every tariff
        raise bad(
            f"tariffs must be fractions of at most {MAX_TARIFF:g} (1.45 is 145%); they reach "
            f"{float(tariff.max()):g}: in percent? (divide them by 100)"
        )
    for k in ("recession", "approval"):  # (fractions)
        in_range(bad, k, out[k], 0.0, 1.0)
    return out


def _checked_table(
    bad: Callable[[str], ParameterError], table: Any, R: int, what: str
) -> dict[str, Array]:
    """An ensemble's ``draws`` or ``claim_draws`` checked: a mapping of distinct labels to
    finite real numbers, one per run (``R``); else ``bad(what)``."""
    if not isinstance(table, Mapping):
        raise bad(f"`{what}` must be a mapping of names to one value per run")
    out: dict[str, Array] = {}
    for k, v in table.items():
        if not isinstance(k, str) or not label_ok(k):
            raise bad(f"the names of the {what} must be labels; got {short_repr(k)}")
        a = np.asarray(v)
        if a.shape != (R,) or a.dtype.kind not in "fiu":
            raise bad(f"{what}[{k!r}] must be {R} numbers, one per run; got {a.dtype} {a.shape}")
        if not np.isfinite(a).all():
            raise bad(f"{what} must be finite; {what}[{k!r}] holds a NaN or an infinity")
        out[k] = a if a.dtype == np.float64 else a.astype(float)
    return out


@dataclass(frozen=True, eq=False)
class Ensemble(_Summarised):
    """``R`` runs of one game: compact per-run paths, the draws behind them, and summaries.

    Attributes
    ----------
    name : str
        Scenario (game) name.
    codes : tuple of str
        Country codes (the ``country`` axis).
    dates : ndarray of datetime64[D], shape (T+1,)
    dyads : tuple of (str, str)
        The dyads with a tariff ladder (the ``dyad`` axis).
    tariff : ndarray, shape (R, T+1, D)
        Headline tariff per run, round and dyad (fraction), at each round's end.
    high : ndarray, shape (R, T+1, D)
        Each run's highest headline tariff in each round, after any of its
        decision steps (:meth:`high_series`); a level taken and left within a
        round is here and not in ``tariff``. Default (None given, as in a
        file written before it was kept): ``tariff``.
    recession, approval, payoff, drawdown : ndarray, shape (R, T+1, n)
        Indicators per run, round and country (see :data:`INDICATORS`).
    control_dyads : tuple of (str, str)
        The dyads ``(withholder, target)`` with an export-control ladder (the
        ``control_dyad`` axis; empty in a game without one).
    control : ndarray, shape (R, T+1, C)
        Export control per run, round and control dyad: the share of the
        withholder's critical exports to the target withheld, in [0, 1]
        (default: none, ``C = 0``).
    draws : mapping of str to ndarray (R,)
        Parameter path → value used by each run (empty without ``vary``).
    claim_draws : mapping of str to ndarray (R,)
        With ``vary="claims"``: claim id → drawn value, in the claim's unit.
    distributions : mapping of str to Distribution
        What each drawn path (or claim) was drawn from.
    seed : int
    vary : str
        ``"none"``, ``"claims"``, ``"mapping"`` or ``"claims+mapping"``.
    events : tuple of (int, str)
        Scheduled events (the same in every run).
    changes : tuple of str
        The what-ifs of the scenario played (:attr:`~tariffsim.scenario.Scenario.changes`,
        e.g. a cap); empty for a scenario as written, a game, or a file written before they
        were kept. Listed on the fan chart and kept by every export.
    """

    name: str
    codes: tuple[str, ...]
    dates: NDArray[Any]
    dyads: tuple[tuple[str, str], ...]
    tariff: Array
    recession: Array
    approval: Array
    payoff: Array
    drawdown: Array
    draws: Mapping[str, Array] = field(default_factory=dict)
    claim_draws: Mapping[str, Array] = field(default_factory=dict)
    distributions: Mapping[str, Distribution] = field(default_factory=dict)
    seed: int = 0
    vary: str = "none"
    events: tuple[tuple[int, str], ...] = ()
    control_dyads: tuple[tuple[str, str], ...] = ()
    control: Array | None = None
    high: Array | None = None
    changes: tuple[str, ...] = ()
    _fresh: InitVar[bool] = False
    """Internal: the per-run arrays were made for this ensemble and nothing else holds them
    (they are frozen as they are instead of copied)."""

    def __post_init__(self, _fresh: bool) -> None:
        bad = bad_at("Ensemble")  # (its constructor's arguments)
        _, codes, dyads, days, seed, changes = checked_fields(
            bad, name=self.name, codes=self.codes, dyads=self.dyads, dates=self.dates,
            seed=self.seed, vary=self.vary, changes=self.changes,
            distributions=self.distributions,
        )  # fmt: skip
        runs = _checked_runs(
            bad, {k: getattr(self, k) for k in ("tariff", *INDICATORS)}, len(codes), len(days),
            len(dyads),
        )  # fmt: skip
        R = runs["tariff"].shape[0]
        draws = _checked_table(bad, self.draws, R, "draws")
        claim_draws = _checked_table(bad, self.claim_draws, R, "claim_draws")
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "dates", _ro(days, "datetime64[D]"))
        for name in ("tariff", *INDICATORS):
            a = runs[name]
            object.__setattr__(self, name, _ro(a, copy=not _fresh))
        pairs, ctl = _controls_of(self.control_dyads, self.control, self.codes, self.tariff.shape)
        object.__setattr__(self, "control", _ro(ctl, copy=not _fresh))
        high = self.tariff if self.high is None else _high_of(self.high, self.tariff)
        object.__setattr__(self, "high", _ro(high, copy=not _fresh and high is not self.tariff))
        object.__setattr__(self, "control_dyads", pairs)
        object.__setattr__(self, "events", checked_events(self.events, self.tariff.shape[1] - 1))
        object.__setattr__(self, "draws", FrozenDict({k: _ro(v) for k, v in draws.items()}))
        claims = FrozenDict({k: _ro(v) for k, v in claim_draws.items()})
        object.__setattr__(self, "claim_draws", claims)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "dyads", tuple(dyads))

    @classmethod
    def from_batch(cls, batch: PathBatch, **kw: Any) -> Ensemble:
        """An ensemble from a compact :class:`~tariffsim.engine.PathBatch` (same runs).

        ``kw`` sets the other fields (``draws``, ``seed``, ``vary`` …); ``name``
        defaults to the batch's scenario name (``batch.meta["scenario"]``).

        Raises
        ------
        ParameterError
            If ``batch`` is not a compact ``PathBatch``.
        """
        if not isinstance(batch, PathBatch):
            raise ParameterError(f"`batch` must be a PathBatch; got {short_repr(batch)}.")
        if batch.record != "compact":
            raise ParameterError(f"`batch` must be a compact record; got {batch.record!r}.")
        kw.setdefault("name", str(batch.meta.get("scenario", "")))
        return cls(
            codes=batch.codes,
            dates=batch.dates,
            dyads=batch.dyads,
            tariff=batch.tariff,
            recession=batch.recession,
            approval=batch.approval,
            payoff=batch.payoff,
            drawdown=batch.drawdown,
            events=tuple(batch.events),
            control_dyads=batch.control_dyads,
            control=batch.control,
            high=batch.high,
            **kw,
        )

    # -- basics -------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    @property
    def runs(self) -> int:
        """Number of runs R."""
        return len(self)

    @property
    def rounds(self) -> int:
        """Rounds played T (arrays hold T + 1 rows; row 0 is the start)."""
        return int(self.tariff.shape[1]) - 1

    def run(self, k: int) -> RunView:
        """Run ``k`` as a Path-like view (``series``, ``peak``, indicators, ``draws``)."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < len(self):
            raise ParameterError(f"`k` must be a run index in [0, {len(self)}); got {k!r}.")
        return RunView(self, int(k))

    def series(self, importer: str, exporter: str | None = None) -> Array:
        """Tariff of ``importer`` on ``exporter``, every run and round: shape (R, T+1); the
        dyad may be one argument, ``"US->CN"``. ``series("control", "CN->US")``: the export
        control of China on the US (:meth:`control_series`), ``series("recession", "US")``
        an indicator of a country (:meth:`indicator`); :meth:`peak` and :meth:`first_round`
        therefore take both too."""
        a, b = series_args(importer, exporter, "importer")
        if is_control(a):
            return self.control_series(*b)
        if a in INDICATORS:
            return self.indicator(a, b)
        return self.tariff[:, :, self._tariff_dyad(a, b)]

    def high_series(self, importer: str, exporter: str | None = None) -> Array:
        """Highest tariff of ``importer`` on ``exporter`` in each round, every run: (R, T+1).

        The highest level after any decision step of the round, where
        :meth:`series` holds the round's end: a tariff taken and left within a
        round counts here (as :meth:`tariffsim.engine.PathBatch.high_series`).
        :meth:`peak`, :meth:`first_round` with ``at_least`` and a
        :class:`~tariffsim.analysis.reduce.Threshold` with ``at_least`` read
        it. The dyad may be one argument, ``"US->CN"``.

        Examples
        --------
        Canada answers the US order of 4 February 2025 with 10% and settles
        the next day, inside the week to 10 February:

        >>> ens = ts.ensemble("four-country-2025", runs=4, seed=0, rounds=3, progress=False)
        >>> ens.series("CA", "US")[0].tolist(), ens.high_series("CA", "US")[0].tolist()
        ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.1, 0.0])
        """
        a, b = dyad_args(importer, exporter, "importer")
        return cast(Array, self.high)[:, :, self._tariff_dyad(a, b)]

    def _reached(self, importer: str, exporter: str | None) -> Array:
        """What reaching a level reads: a tariff's :meth:`high_series`, a control's or an
        indicator's series (each round's end: they have no level within a round)."""
        a, b = series_args(importer, exporter, "importer")
        if is_control(a) or a in INDICATORS:
            return self.series(a, b)
        return self.high_series(a, b)

    def _against(self, importer: str, exporter: str | None, at_least: Any) -> Array:
        """The series :meth:`first_round` compares: what reaching ``at_least`` reads
        (:meth:`_reached`), else the rounds' ends (``at_most``)."""
        return (self._reached if at_least is not None else self.series)(importer, exporter)

    def _tariff_dyad(self, importer: str, exporter: str) -> int:
        """:meth:`_dyad` for ``series``, which takes tariffs only."""
        if importer in INDICATORS:
            raise UnknownNameError(
                f"a tariff's series takes (importer, exporter); for the indicator {importer!r} "
                f"use indicator({importer!r}, {short_repr(exporter)})."
            )
        return self._dyad(importer, exporter)

    def control_series(self, withholder: str, target: str | None = None) -> Array:
        """Export control of ``withholder`` on ``target``, every run and round: shape (R, T+1).

        The share of the withholder's critical exports to the target withheld
        (a fraction); the dyad may be one argument, ``"CN->US"``.

        Raises
        ------
        UnknownNameError
            For a dyad without an export-control ladder (the message lists those there are).
        """
        withholder, target = dyad_args(withholder, target, "withholder")
        return self.control[:, :, self._control_dyad(withholder, target)]  # type: ignore[index]

    def indicator(self, name: str, country: str) -> Array:
        """An indicator of one country, every run and round: shape (R, T+1)."""
        if name not in INDICATORS:
            raise UnknownNameError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}.")
        arr: Array = getattr(self, name)
        return arr[:, :, self._country(country)]

    def _values(self, a: str, b: Any) -> tuple[Array, str]:
        if is_control(a):
            return self.control_series(*b), f"{b[0]}->{b[1]} control"
        if a in INDICATORS:
            return self.indicator(a, b), f"{b} {a}"
        return self.series(a, b), f"{a}->{b} tariff"

    # -- summaries ----------------------------------------------------------------
    def quantiles(self, a: str, b: str | None = None, q: ArrayLike = DEFAULT_LEVELS) -> Bands:
        """Per-round quantiles over runs of a tariff or an indicator.

        Parameters
        ----------
        a, b : str
            ``(importer, exporter)`` for a tariff (``"US", "CN"``, or the dyad as
            one argument, ``"US->CN"``), or ``(indicator, country)`` for an
            indicator (``"recession", "US"``; see :data:`INDICATORS`).
        q : array_like of float
            Quantile levels in [0, 1] (``numpy.quantile``, linear interpolation).

        Returns
        -------
        Bands
            ``values`` of shape ``(len(q), T+1)``, dated.

        Raises
        ------
        ParameterError
            For a level outside [0, 1].
        UnknownNameError
            For an unknown dyad, country or indicator.
        """
        a, b, q = dyad_and_levels(a, b, q)
        qs = check_levels(q)
        vals, label = self._values(a, b)
        return Bands(label, qs, self.dates, np.quantile(vals, qs, axis=0))

    def mean(self, a: str, b: str | None = None) -> Array:
        """Per-round mean over runs (arguments as for :meth:`quantiles`), shape (T+1,)."""
        a, who = series_args(a, b)
        vals, _ = self._values(a, who)
        return np.asarray(vals.mean(axis=0))

    def peak(self, importer: str, exporter: str | None = None) -> Array:
        """Highest tariff of each run on a dyad (``"US", "CN"`` or ``"US->CN"``): shape (R,).

        After any decision step (:meth:`high_series`): a level taken and left
        within a round counts, as in :meth:`tariffsim.path.Path.peak`.
        ``peak("control", "CN->US")``: the highest export control of each run on that dyad;
        ``peak("recession", "US")``: the highest US recession odds of each run.
        """
        return np.asarray(self._reached(importer, exporter).max(axis=1))

    def peak_quantiles(
        self, importer: str, exporter: str | None = None, q: ArrayLike = DEFAULT_LEVELS
    ) -> Array:
        """Quantiles ``q`` of the runs' peaks on a dyad (``numpy.quantile``), shape (len(q),);
        of an export control's with ``("control", "CN->US")``."""
        importer, exporter, q = dyad_and_levels(importer, exporter, q, "importer")
        return np.asarray(np.quantile(self.peak(importer, exporter), check_levels(q)))

    def _live_dyads(self) -> NDArray[np.bool_]:
        return np.asarray(cast(Array, self.high).max(axis=(0, 1)) > 0)

    def _value_counts(self, a: str, b: Any, r: int) -> tuple[Array, NDArray[np.int64]]:
        v, c = np.unique(self.series(a, b)[:, r] + 0.0, return_counts=True)  # (-0.0 is 0)
        return np.asarray(v, dtype=float), np.asarray(c, dtype=np.int64)

    def _live_controls(self) -> NDArray[np.bool_]:
        ctl = cast(Array, self.control)
        return np.asarray(ctl.max(axis=(0, 1)) > 0) if ctl.size else np.zeros(ctl.shape[2], bool)

    def first_round(
        self,
        importer: str,
        exporter: str | None = None,
        *,
        at_least: float | None = None,
        at_most: float | None = None,
        after: int = 0,
    ) -> NDArray[np.int64]:
        """First round ``>= after`` at which a run's tariff is ``>= at_least`` (or ``<= at_most``).

        ``at_least`` is met in the round the level is reached after any of its
        decision steps (:meth:`high_series`, as :meth:`peak` reads it);
        ``at_most`` at a round's end (:meth:`series`): a truce is where a
        round ends. ``first_round("control", "CN->US", at_most=0, after=4)``: the same of an export
        control (the first round from round 4 in which China's control on the US is lifted);
        ``first_round("recession", "US", at_least=0.5)`` of an indicator. Give exactly one
        of ``at_least``/``at_most``. ``after`` is a round, or a date (a
        ``datetime.date``, ``numpy.datetime64`` or ISO string): the first round dated on or
        after it.

        Returns
        -------
        ndarray of int, shape (R,)
            The round, or -1 for a run where it never happens.

        Raises
        ------
        ParameterError
            For both or neither of ``at_least``/``at_most``, or an ``after``
            beyond the last round (no round would be looked at, and "never"
            would be no answer: a :class:`~tariffsim.analysis.reduce.Threshold`
            refuses it too).

        Examples
        --------
        A truce by a date: the US tariff on China back at or below 30% after
        its peak, by round 30 —
        ``ens.prob((ens.first_round("US", "CN", at_most=0.3, after=12) >= 0) &
        (ens.first_round("US", "CN", at_most=0.3, after=12) <= 30))``.
        """
        s = self._against(importer, exporter, at_least)
        warn_if_percent(importer, at_least if at_least is not None else at_most, 3)
        return _first_round(
            s,
            at_least=at_least, at_most=at_most, after=_after_round(self.dates, after),
        )  # fmt: skip

    def prob(self, event: Callable[[RunView], Any] | Threshold | ArrayLike) -> float:
        """Probability of an event: the share of runs where it happens.

        Parameters
        ----------
        event : Threshold, callable or array_like of bool, shape (R,)
            A boolean per run (vectorised and fast, e.g.
            ``ens.peak("US", "CN") >= 1.45``), a
            :class:`~tariffsim.analysis.reduce.Threshold` (vectorised; the same
            object a summary-only ensemble counts), or a function called with
            each run's :class:`RunView` and returning a bool (e.g.
            ``lambda p: p.peak("US", "CN") >= 1.45``).

        Returns
        -------
        float

        Raises
        ------
        ParameterError
            If the array is not ``(R,)`` booleans, or the function fails on a
            run (its error chained) or does not return a bool.
        """
        if isinstance(event, Threshold):
            event.check(self.codes, self.dyads, self.dates, self.control_dyads)
            return float(event(self).mean())
        if callable(event):
            hits = np.empty(len(self), dtype=bool)
            for k in range(len(self)):
                try:
                    v = event(RunView(self, k))
                except TariffsimError:
                    raise
                except Exception as e:  # the user's function: its error, named as the event's
                    raise ParameterError(
                        f"`event` failed on run {k}: {type(e).__name__}: {short_repr(str(e))}"
                    ) from e
                if not isinstance(v, bool | np.bool_):
                    raise ParameterError(
                        f"`event` must return a bool for each run; got {short_repr(v)} for run {k}."
                    )
                hits[k] = bool(v)
            return float(hits.mean())
        try:
            arr = np.asarray(event)
        except (TypeError, ValueError):
            raise ParameterError(
                f"`event` must be a function of one run or {len(self)} booleans (one per run); "
                f"got {short_repr(event)}, nested sequences of uneven lengths."
            ) from None
        if arr.dtype != bool or arr.shape != (len(self),):
            raise ParameterError(
                f"`event` must be a function of one run or {len(self)} booleans (one per run); "
                f"got an array of {arr.dtype} with shape {arr.shape}."
            )
        return float(arr.mean())

    # -- output -------------------------------------------------------------------
    def to_xarray(self, *, copy: bool = True) -> Any:
        """Every run as an ``xarray.Dataset`` (needs the ``xarray`` extra).

        Dimensions ``run``, ``round``, ``dyad``, ``country`` (and
        ``control_dyad`` in a game with export-control ladders, ``param``,
        ``claim`` when parameters were drawn). Variables: ``tariff`` (run,
        round, dyad), ``high`` (run, round, dyad: :meth:`high_series`),
        ``control`` (run, round, control_dyad), the
        :data:`INDICATORS` (run, round, country),
        ``draws`` (run, param) and ``claim_draws`` (run, claim), each with
        CF ``long_name`` and ``units`` attributes
        (:data:`~tariffsim.analysis.reduce.SERIES_ATTRS`). Coordinates:
        ``date`` along ``round``, ``importer``/``exporter`` along ``dyad``
        (named ``"US->CN"``), ``withholder``/``target`` along
        ``control_dyad`` (``"CN->US"``), country codes, parameter paths with
        ``param_doc`` (what each is, its unit included) and claim ids with
        ``claim_unit`` (each claim's own unit: the forecasters' odds in %,
        the pass-through a share). :meth:`from_xarray` reads it back.

        Parameters
        ----------
        copy : bool, default True
            The Dataset's arrays are its own, to change as any Dataset's
            (``ds["tariff"] *= 100``). With False they are the ensemble's
            arrays themselves, read-only (no memory is added; an edit
            raises ``ValueError: ... read-only``).

        Raises
        ------
        ImportError
            If xarray is not installed (``pip install 'tariffsim[xarray]'``).
        """
        try:
            import xarray as xr
        except ImportError:
            raise MissingExtraError(
                "Ensemble.to_xarray() needs xarray: pip install 'tariffsim[xarray]'"
            ) from None
        check_bool(copy, "copy")
        own = np.array if copy else np.asarray
        dims3 = ("run", "round", "country")
        data: dict[str, Any] = {"tariff": (("run", "round", "dyad"), own(self.tariff))}
        data["high"] = (("run", "round", "dyad"), own(self.high))
        data |= {k: (dims3, own(getattr(self, k))) for k in INDICATORS}
        coords: dict[str, Any] = {
            "run": np.arange(len(self)),
            "round": np.arange(self.rounds + 1),
            "date": ("round", np.asarray(self.dates)),
            "dyad": [f"{a}->{b}" for a, b in self.dyads],
            "importer": ("dyad", [a for a, _ in self.dyads]),
            "exporter": ("dyad", [b for _, b in self.dyads]),
            "country": list(self.codes),
        }
        if self.control_dyads:  # (a game without export controls has no such axis)
            data["control"] = (("run", "round", "control_dyad"), own(self.control))
            coords["control_dyad"] = [f"{a}->{b}" for a, b in self.control_dyads]
            coords["withholder"] = ("control_dyad", [a for a, _ in self.control_dyads])
            coords["target"] = ("control_dyad", [b for _, b in self.control_dyads])
        if self.draws:
            from ..parampath import describe

            coords["param"] = list(self.draws)

            def doc(p: str) -> str:  # (a path of another version of tariffsim: no doc)
                try:
                    return describe(p).doc
                except TariffsimError:
                    return ""

            coords["param_doc"] = ("param", [doc(p) for p in self.draws])
            data["draws"] = (("run", "param"), np.stack(list(self.draws.values()), axis=1))
        if self.claim_draws:
            coords["claim"] = list(self.claim_draws)
            coords["claim_unit"] = ("claim", list(self._claim_units().values()))
            data["claim_draws"] = (
                ("run", "claim"),
                np.stack(list(self.claim_draws.values()), axis=1),
            )
        attrs = {
            "scenario": self.name,
            "kind": "ensemble",
            "seed": stored_seed(self.seed),
            "vary": self.vary,
            "scheduled": json.dumps([[r, text] for r, text in self.events]),
            "changes": json.dumps(list(self.changes)),
            "seeds": f"run k uses numpy.random.SeedSequence({self.seed}).spawn(runs)[k]",
            "units": "tariff, recession, approval: fractions; payoff: % of GDP a year; "
            "drawdown: index %",
        }
        ds = xr.Dataset(data, coords=coords, attrs=attrs)
        for name in ("tariff", "high", *INDICATORS):
            ds[name].attrs = dict(SERIES_ATTRS[name])
        if self.control_dyads:
            ds["control"].attrs = dict(SERIES_ATTRS["control"])
        if self.draws:
            ds["draws"].attrs = {"long_name": "parameter value drawn (see param_doc)"}
        if self.claim_draws:
            ds["claim_draws"].attrs = {"long_name": "claim value drawn (see claim_unit)"}
        return ds

    @classmethod
    def from_xarray(cls, ds: Any) -> Ensemble:
        """The ensemble :meth:`to_xarray` wrote (or a NetCDF file of it, opened by xarray).

        The distributions the parameters were drawn from are not stored:
        ``distributions`` is empty.

        Raises
        ------
        ParameterError
            If ``ds`` is not an ensemble's dataset (a variable, coordinate or
            attribute missing, or shapes that do not match; a summary's dataset is
            named as one).
        """
        return cls._from_dataset(ds, "`ds`", "to_xarray")

    @classmethod
    def _from_dataset(cls, ds: Any, where: str, writer: str) -> Ensemble:
        """:meth:`from_xarray` of ``ds``, whose errors name ``where`` (the dataset, or the file
        it was read from, which ``writer`` wrote)."""
        with reading(f"{where} is not an ensemble's dataset (from {writer})"):
            if ds.attrs.get("kind") == "ensemble summary":
                raise other_kind(where, "summary", writer)
            vars_ = {"tariff", *INDICATORS}
            missing = sorted(vars_ - set(ds.data_vars))
            missing += [k for k in ("seed",) if k not in ds.attrs]  # run k's seed depends on it
            if missing:
                raise ParameterError(
                    f"{where} is not an ensemble's dataset (from {writer}): no "
                    f"{', '.join(missing)}."
                )
            if "date" in ds.coords and np.asarray(ds["date"].values).dtype.kind != "M":
                raise ParameterError(
                    f"{where}: its dates are not dates (a file opened with decode_times=False?)."
                )
            check_positions(ds, ("run", "round"), where)
            arrays = {k: np.asarray(ds[k].transpose(*_DIMS[k]).values) for k in vars_}
            params = [str(p) for p in ds["param"].values] if "draws" in ds else []
            claims = [str(c) for c in ds["claim"].values] if "claim_draws" in ds else []
            # (no controls in a game without export-control ladders, or in files written
            # before they were kept; half of them is a damaged file)
            have = ["control" in ds.data_vars, "control_dyad" in ds.coords]
            if any(have) and not all(have):
                lack = "the variable control" if have[1] else "the coordinate control_dyad"
                raise ParameterError(f"{where}: its export controls lack {lack}.")
            if all(have):
                arrays["control"] = np.asarray(
                    ds["control"].transpose("run", "round", "control_dyad").values
                )
            if "high" in ds.data_vars:  # (not in files written before it was kept)
                arrays["high"] = np.asarray(ds["high"].transpose(*_DIMS["tariff"]).values)
            return cls._checked(
                name=str(ds.attrs.get("scenario", "")),
                codes=[str(c) for c in ds["country"].values],
                dates=np.asarray(ds["date"].values),
                dyads=[str(d) for d in ds["dyad"].values],
                control_dyads=(
                    ds["control_dyad"].values.astype(str).tolist() if "control" in arrays else []
                ),
                arrays=arrays,
                params=params,
                draws=np.asarray(ds["draws"].transpose("run", "param").values) if params else None,
                claims=claims,
                claim_draws=(
                    np.asarray(ds["claim_draws"].transpose("run", "claim").values)
                    if claims
                    else None
                ),
                seed=ds.attrs["seed"],
                vary=str(ds.attrs.get("vary", "none")),
                scheduled=json.loads(str(ds.attrs.get("scheduled", "[]"))),
                where=where,
                changes=changes_from_json(bad_at(where), ds.attrs.get("changes", "[]")),
            )

    @classmethod
    def from_netcdf(cls, file: str | FsPath) -> Ensemble:
        """Read a file written by :meth:`to_netcdf` (needs the ``xarray`` extra).

        Raises
        ------
        ParameterError
            If the file is not an ensemble written by :meth:`to_netcdf`.
        ImportError
            If xarray is not installed.
        """
        what = f"`file` {short_repr(str(file))} is not an ensemble written by to_netcdf"
        ds = read_netcdf(file, what, "Ensemble.from_netcdf()", weigh=_KEEP)
        return cls._from_dataset(ds, f"`file` {short_repr(str(file))}", "to_netcdf")

    @classmethod
    def from_npz(cls, file: str | FsPath) -> Ensemble:
        """Read a file written by :meth:`to_npz` (numpy only).

        The distributions the parameters were drawn from are not stored:
        ``distributions`` is empty. Files written before the scenario name,
        ``vary``, the scheduled events and the export controls were stored
        read back with ``""``, the ``vary`` their draws show (``"claims"``,
        ``"mapping"`` or ``"none"``), no events and no export controls.

        Raises
        ------
        ParameterError
            If the file is not an ensemble written by :meth:`to_npz`.
        """
        with (
            reading(f"`file` {short_repr(str(file))} is not an ensemble written by to_npz", file),
            np.load(file, allow_pickle=False) as z,
        ):
            if "tariff_count" in z.files and "tariff" not in z.files:
                raise other_kind(f"`file` {short_repr(str(file))}", "summary", "to_npz")
            check_npz_size(z, f"`file` {short_repr(str(file))}", _KEEP)
            need = ("tariff", *INDICATORS, "dates", "dyads", "codes", "params", "draws",
                    "claims", "claim_draws", "seed")  # fmt: skip
            missing = [k for k in need if k not in z.files]
            if missing:
                raise ParameterError(
                    f"`file` {short_repr(str(file))} is not an ensemble (.npz from to_npz): "
                    f"no {', '.join(missing)}."
                )
            params = [str(p) for p in z["params"]]
            claims = [str(c) for c in z["claims"]]
            have = ["control" in z.files, "control_dyads" in z.files]
            if any(have) and not all(have):  # (none in files written before they were kept)
                lack = "control_dyads" if have[0] else "control"
                raise ParameterError(
                    f"`file` {short_repr(str(file))}: its export controls lack {lack}."
                )
            ctl = all(have)
            return cls._checked(
                name=str(z["name"]) if "name" in z.files else "",
                codes=[str(c) for c in z["codes"]],
                dates=np.asarray(z["dates"]),
                dyads=[str(d) for d in z["dyads"]],
                control_dyads=[str(d) for d in z["control_dyads"]] if ctl else [],
                arrays={
                    k: np.asarray(z[k])
                    for k in _KEEP
                    if (ctl or k != "control") and (k != "high" or k in z.files)
                },
                params=params,
                draws=np.asarray(z["draws"]),
                claims=claims,
                claim_draws=np.asarray(z["claim_draws"]),
                seed=z["seed"],
                vary=str(z["vary"]) if "vary" in z.files else _vary_of(params, claims),
                scheduled=_scheduled(z),
                where=f"`file` {short_repr(str(file))}",
                changes=z["changes"].tolist() if "changes" in z.files else (),
            )

    @classmethod
    def _checked(
        cls,
        *,
        name: str,
        codes: list[str],
        dates: Any,
        dyads: list[str],
        control_dyads: list[str],
        arrays: dict[str, Any],
        params: list[str],
        draws: Any,
        claims: list[str],
        claim_draws: Any,
        seed: Any,
        vary: str,
        scheduled: Any,
        where: str,
        changes: Any = (),
    ) -> Ensemble:
        """An ensemble from what an export holds, every shape and kind checked first."""

        def bad(what: str) -> ParameterError:
            return ParameterError(f"{where}: {what}.")

        changes = checked_changes(bad, changes)

        tariff = _checked_runs(bad, arrays, len(codes), len(dates), len(dyads))["tariff"]
        if len(set(codes)) != len(codes):
            raise bad(f"the country codes repeat: {short_repr(list(codes))}")
        R, T1, _ = tariff.shape
        ctl = arrays.get("control")
        if ctl is None:
            ctl = np.zeros((R, T1, 0))
        C = len(control_dyads)
        if ctl.shape != (R, T1, C) or ctl.dtype.kind != "f":
            raise bad(
                f"control must be a float array of shape {(R, T1, C)}; got {ctl.dtype} of shape "
                f"{ctl.shape}"
            )
        if not np.isfinite(ctl).all():
            raise bad("control must be finite; it holds a NaN or an infinity")
        in_range(bad, "control", ctl, 0.0, 1.0)  # (a share withheld)
        high = arrays.get("high")  # (None in files written before it was kept: the tariffs)
        if high is not None:
            if high.dtype.kind != "f":
                raise bad(f"high must be a float array; got {high.dtype}")
            high = _high_of(high, tariff, "high", bad)
        name, codes_t, pairs, days, seed_i, events = checked_labels(
            bad, name=name, codes=codes, dyads=dyads, dates=dates, seed=seed,
            scheduled=scheduled,
        )  # fmt: skip
        ctl_pairs = checked_dyads(bad, control_dyads, codes_t, "export-control dyad")

        def table(names: list[str], values: Any, what: str) -> dict[str, Any]:
            if not names:
                return {}
            odd = [p for p in names if not label_ok(p)]
            if odd or len(set(names)) != len(names):
                raise bad(
                    f"the names of the {what} must be distinct labels; got "
                    f"{short_repr(odd or names)}"
                )
            v = np.asarray(values)
            if v.shape != (R, len(names)) or v.dtype.kind != "f":
                raise bad(f"{what} must be a float array of shape {(R, len(names))}")
            return _checked_table(bad, {p: v[:, i] for i, p in enumerate(names)}, R, what)

        try:
            return cls(
                name=name,
                codes=codes_t,
                dates=days,
                dyads=pairs,
                tariff=tariff,
                draws=table(params, draws, "draws"),
                claim_draws=table(claims, claim_draws, "claim_draws"),
                seed=seed_i,
                vary=vary,
                events=events,
                control_dyads=ctl_pairs,
                control=ctl,
                high=high,
                **{k: arrays[k] for k in INDICATORS},
                changes=changes,
            )
        except ParameterError as e:  # (what only the constructor checks: the file named)
            raise bad(str(e).removeprefix("Ensemble: ").rstrip(".")) from None

    def to_netcdf(self, file: str | FsPath) -> None:
        """Write :meth:`to_xarray` as NetCDF-4 (needs the ``xarray`` extra, with h5netcdf).

        The per-run arrays are compressed (zlib, lossless: about 8 times smaller for a
        claims ensemble, at the speed of writing them plain).
        """
        ds = self.to_xarray(copy=False)
        atomic_netcdf(file, ds, encoding={k: {"zlib": True} for k in ds.data_vars if ds[k].ndim})

    def to_npz(self, file: str | FsPath) -> None:
        """Write every array and its labels to a compressed ``.npz`` (numpy only), at exactly
        ``file``: unlike :func:`numpy.savez`, no ``.npz`` is added to a name without it, so
        the file is where it was asked for (and replaced only by a complete one).

        Keys: ``tariff``, the indicators, ``control`` (run, round, control
        dyad), ``dates`` (ISO strings), ``dyads`` (``"US->CN"``),
        ``control_dyads`` (``"CN->US"``), ``codes``, ``params`` + ``draws`` (run, param),
        ``claims`` + ``claim_draws`` (run, claim), ``seed``, ``name``,
        ``vary``, ``scheduled`` (``"round<TAB>text"`` per event) and ``high``
        (run, round, dyad: :meth:`high_series`). :meth:`from_npz` reads it back.
        """
        arrays: dict[str, Any] = {
            "tariff": self.tariff,
            "high": self.high,
            **{k: getattr(self, k) for k in INDICATORS},
            "dates": np.array([str(d) for d in self.dates]),
            "dyads": np.array([f"{a}->{b}" for a, b in self.dyads]),
            "control": self.control,
            "control_dyads": np.array([f"{a}->{b}" for a, b in self.control_dyads], dtype=str),
            "codes": np.array(self.codes),
            "params": np.array(list(self.draws), dtype=str),
            "draws": (
                np.stack(list(self.draws.values()), axis=1)
                if self.draws
                else np.zeros((len(self), 0))
            ),
            "claims": np.array(list(self.claim_draws), dtype=str),
            "claim_draws": (
                np.stack(list(self.claim_draws.values()), axis=1)
                if self.claim_draws
                else np.zeros((len(self), 0))
            ),
            "seed": np.array(stored_seed(self.seed)),
            "name": np.array(self.name),
            "vary": np.array(self.vary),
            "scheduled": np.array([f"{r}\t{text}" for r, text in self.events], dtype=str),
            "changes": np.array(self.changes, dtype=str),
        }
        atomic_savez(file, arrays)  # an existing file is replaced only by a complete one

    def _claim_units(self) -> dict[str, str]:
        """The unit of each drawn claim (:attr:`claim_draws`; "" for one not in the
        bundled checklist)."""
        from ..claims import load_claims

        claims = load_claims() if self.claim_draws else {}
        return {c: claims[c].unit if c in claims else "" for c in self.claim_draws}

    def to_frame(self) -> Any:
        """Every run and round as a pandas DataFrame (needs pandas).

        One row per ``(run, round)`` (a MultiIndex), columns ``date``,
        ``{A}->{B}`` (tariff per dyad, at the round's end), ``{A}->{B} high`` (its
        highest level in the round, :meth:`high_series`), ``{A}->{B} control`` (export control
        per control dyad, the share withheld), ``{C} {indicator}`` per country and
        indicator, one column per drawn parameter path and, with
        ``vary="claims"``, ``claim:{id}`` per drawn claim (in the claim's
        unit, :func:`tariffsim.claims.load_claims`).

        Units: tariffs, highs, export controls, recession odds and approval
        are fractions (1.45 is 145%), payoffs % of GDP and drawdowns index
        percent (3.1 is a 3.1% fall), as in :meth:`to_xarray`. The frame's
        ``attrs["units"]`` maps each such column to its unit (``"1"``: a
        fraction), and each ``claim:{id}`` column to its claim's unit.
        """
        pd = _pandas("Ensemble.to_frame()")
        r, t1 = len(self), self.rounds + 1
        cols: dict[str, Any] = {"date": np.tile(self.dates, r)}
        units: dict[str, str] = {}
        for k, (a, b) in enumerate(self.dyads):
            cols[f"{a}->{b}"] = self.tariff[:, :, k].ravel()
        for k, (a, b) in enumerate(self.dyads):
            cols[f"{a}->{b} high"] = cast(Array, self.high)[:, :, k].ravel()
        for k, (a, b) in enumerate(self.control_dyads):
            cols[f"{a}->{b} control"] = cast(Array, self.control)[:, :, k].ravel()
        units.update({c: SERIES_ATTRS["tariff"]["units"] for c in cols if c != "date"})
        for name in INDICATORS:
            arr = getattr(self, name)
            for i, c in enumerate(self.codes):
                cols[f"{c} {name}"] = arr[:, :, i].ravel()
                units[f"{c} {name}"] = SERIES_ATTRS[name]["units"]
        for path, v in self.draws.items():
            cols[path] = np.repeat(v, t1)
        claim_units = self._claim_units()
        for claim, v in self.claim_draws.items():
            cols[f"claim:{claim}"] = np.repeat(v, t1)
            units[f"claim:{claim}"] = claim_units[claim]
        index = pd.MultiIndex.from_product([range(r), range(t1)], names=["run", "round"])
        frame = pd.DataFrame(cols, index=index)
        frame.attrs["units"] = units
        return frame

    def __repr__(self) -> str:
        # what a file keeps too (the claims' draws and the values set; not the distributions),
        # so that an ensemble reads the same written and read back
        c, k = len(self.claim_draws), len(self.draws)  # (set: drawn, and recalibrated ones)
        drawn = f", {c} claim{'s' * (c != 1)} drawn" if c else ""
        drawn += f", {k} parameter{'s' * (k != 1)} set per run" if k else ""
        return (
            f"<Ensemble {self.name or 'game'}: {len(self)} runs × {self.rounds} rounds "
            f"from {self.dates[0]}, seed {seed_text(self.seed)}{drawn}>"
        )


@overload
def ensemble(
    scenario_or_game: Scenario | Game | str,
    runs: int,
    seed: int = 0,
    vary: str | Mapping[str, Distribution | ArrayLike] | None = None,
    *,
    keep: Literal["runs"] = "runs",
    events: None = None,
    resolution: None = None,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    rounds: int | None = None,
    recalibrate: bool = True,
) -> Ensemble: ...


@overload
def ensemble(
    scenario_or_game: Scenario | Game | str,
    runs: int,
    seed: int = 0,
    vary: str | Mapping[str, Distribution | ArrayLike] | None = None,
    *,
    keep: Literal["summary"],
    events: Mapping[str, Any] | Sequence[Any] | None = None,
    resolution: Mapping[str, float] | None = None,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    rounds: int | None = None,
    recalibrate: bool = True,
) -> EnsembleSummary: ...


@overload
def ensemble(
    scenario_or_game: Scenario | Game | str,
    runs: int,
    seed: int = 0,
    vary: str | Mapping[str, Distribution | ArrayLike] | None = None,
    *,
    keep: str,
    events: Mapping[str, Any] | Sequence[Any] | None = None,
    resolution: Mapping[str, float] | None = None,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    rounds: int | None = None,
    recalibrate: bool = True,
) -> Ensemble | EnsembleSummary: ...


def ensemble(
    scenario_or_game: Scenario | Game | str,
    runs: int,
    seed: int = 0,
    vary: str | Mapping[str, Distribution | ArrayLike] | None = None,
    *,
    keep: str = "runs",
    events: Mapping[str, Any] | Sequence[Any] | None = None,
    resolution: Mapping[str, float] | None = None,
    executor: Any = None,
    processes: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    rounds: int | None = None,
    recalibrate: bool = True,
) -> Ensemble | EnsembleSummary:
    """Run a scenario ``runs`` times, with drawn parameters, and collect the runs or their summary.

    Parameters
    ----------
    scenario_or_game : Scenario, Game or str
        A scenario, a game, or a bundled scenario's name.
    runs : int
        Number of runs R, >= 1.
    seed : int
        >= 0. Run ``k`` uses ``np.random.SeedSequence(seed).spawn(R)[k]``;
        parameter draws come from their own streams of the same seed
        (:mod:`tariffsim.analysis.vary`), made before any run.
    vary : None, "claims" or mapping
        None: only the runs' noise differs. ``"claims"``: every claim with a
        range that maps to a parameter (:data:`tariffsim.analysis.vary.CLAIM_PARAMETERS`),
        except, for a scenario made with
        :meth:`~tariffsim.scenario.Scenario.with_params`, a claim that would
        set a parameter the what-if set (:attr:`~tariffsim.scenario.Scenario.what_if`):
        the what-if's value is kept and a
        :class:`~tariffsim.errors.WhatIfHeldWarning` names the claim (a
        :class:`~tariffsim.game.Game` carries no such record: every claim is
        drawn). A mapping ``{parameter path: Distribution or R values}``
        (:mod:`tariffsim.parampath`, :mod:`tariffsim.analysis.distributions`);
        with the key ``"claims": True`` as well, the claims are drawn beside
        its paths (the claims' ranges and, say, an agent's belief or the
        noise), each run the what-if of both, re-solved at once (``vary`` is
        then ``"claims+mapping"``); a path that sets what a claim draws is
        refused.
    keep : {"runs", "summary"}
        ``"runs"`` (default): keep every run's compact path (an
        :class:`Ensemble`, about ``8 (T+1)(2D + K + 4n)`` bytes per run for ``D`` dyads,
        ``K`` export-control dyads and ``n`` countries).
        ``"summary"``: keep no run; each chunk is reduced on the worker that
        played it to mergeable integer counts
        (:mod:`tariffsim.analysis.reduce`), so memory and traffic do not grow
        with ``runs`` (an :class:`~tariffsim.analysis.summary.EnsembleSummary`:
        tariff quantiles exactly equal to the full mode's, indicator
        quantiles within half a bin width, declared events counted exactly).
    events : mapping or sequence, optional
        With ``keep="summary"``: the events to count, ``{name: event}`` or a
        list. An event is a :class:`~tariffsim.analysis.reduce.Threshold` or a
        function of a chunk's compact :class:`~tariffsim.engine.PathBatch`
        returning one bool per run of the chunk (shape ``(len(pb),)``); it
        must not depend on which runs share its chunk, and it must pickle
        where the chunks run (a module-level function for a process pool;
        Dask also takes lambdas, by cloudpickle).
    resolution : mapping of str to float, optional
        With ``keep="summary"``: bin width per indicator, in its unit
        (default :data:`tariffsim.analysis.reduce.RESOLUTION`: 0.001 for
        recession odds, approval and payoff, 0.01 for drawdown).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where to run the chunks; the result does not depend on it.
    processes : int, optional
        Play the chunks on a process pool of this many workers (at most ``runs``),
        started for this call and shut down after it
        (:func:`tariffsim.analysis.runner.local_pool`); an alternative to
        ``executor``. The fastest way to use more than one core of one machine: the
        workers write their runs straight into this process's arrays
        (:mod:`tariffsim._shared`). Default None: in this process. The result does
        not depend on it.
    chunk_size : int, optional
        Runs per chunk (default :func:`tariffsim.analysis.runner.default_chunk_size`);
        the result does not depend on it.
    progress : bool or None
        Progress bar (:mod:`tariffsim.progress`; default: only in interactive work).
    rounds : int, optional
        Default the game's.
    recalibrate : bool, default True
        With a mapping: each run is the what-if ``sc.with_params(run's values)``
        (whose ``recalibrate`` defaults to True too). Where a run's values move
        the calibration (the US burden at 145%/125%: pass-through, elasticity,
        dependence …) its calibrated fields
        (:data:`~tariffsim.payoffs.CALIBRATED_FIELDS`) are re-solved so the
        calibration targets hold (60% US recession odds there …), run by run
        (:func:`tariffsim.analysis.vary.recalibrated_overrides`), and added to
        the ensemble's ``draws``; a calibrated field named in ``vary`` or set by
        the scenario's what-if is kept. False: the values are applied as
        drawn, the other parameters as they are. ``vary="claims"`` recalibrates
        by its own rules (:mod:`tariffsim.analysis.vary`), and refuses False (it
        would have no effect).

    Returns
    -------
    Ensemble or EnsembleSummary
        As ``keep`` asks.

    Raises
    ------
    ParameterError
        For a bad ``runs``, ``seed``, ``rounds``, ``chunk_size``, ``executor``,
        ``processes`` (or both of these), ``progress``, ``keep``, ``events``,
        ``resolution`` or ``vary`` (a value that is not a distribution, a
        distribution that can draw outside a parameter's allowed range, refused
        whatever ``runs`` and ``seed``, or given values outside it) — before any
        run.
    UnknownNameError
        For an unknown parameter path in ``vary`` (with near matches), or an
        event on a series the game does not record.

    Warns
    -----
    IdenticalRunsWarning
        When every run would play the same path (the game draws nothing at
        random and ``vary`` changes nothing, as with ``vary=None`` on every
        bundled scenario: their ``noise`` is 0); the runs are still made.

    Examples
    --------
    >>> ens = ts.ensemble("us-china-145", runs=20, seed=0, vary="claims", rounds=16)
    >>> len(ens), ens.tariff.shape
    (20, (20, 17, 6))
    >>> 0.0 <= ens.prob(ens.peak("US", "CN") >= 1.45) <= 1.0
    True
    >>> ens.quantiles("US", "CN", q=[0.5]).values.shape
    (1, 17)

    The same runs, kept only as counts; the tariff bands are the same numbers:

    >>> from tariffsim.analysis.reduce import Threshold
    >>> s = ts.ensemble("us-china-145", runs=20, seed=0, vary="claims", rounds=16,
    ...                 keep="summary", events={"145": Threshold("US", "CN", at_least=1.45)})
    >>> bool((s.quantiles("US", "CN").values == ens.quantiles("US", "CN").values).all())
    True
    >>> s.prob("145") == ens.prob(ens.peak("US", "CN") >= 1.45)
    True
    """
    from ..game import _check_rounds
    from ..progress import progress_enabled
    from ..scenario import resolve

    what, game = resolve(scenario_or_game, "scenario_or_game")
    runs = _check_count("runs", runs)
    limits.check("max_runs", runs, "runs")
    seed = check_seed(seed)
    if rounds is not None:
        rounds = _check_rounds(rounds)
    if not one_of(keep, ("runs", "summary")):
        raise ParameterError(f"`keep` must be one of 'runs', 'summary'; got {keep!r}.")
    if keep == "runs":  # the arrays kept: tariffs and their highs per dyad, controls, four
        w = game.world  # indicators per country
        cells = runs * ((game.rounds if rounds is None else rounds) + 1)
        limits.check(
            "max_result_bytes",
            8 * cells * (2 * len(w.ladders) + len(w.control_ladders) + 4 * w.n),
            "an ensemble keeping every run (keep='summary', or --summary, keeps counts only), "
            "bytes",
        )
    check_executor(executor)
    n_proc = min(check_processes(processes, executor), runs)  # no process without a run
    if chunk_size is not None:
        chunk_size = _check_count("chunk_size", chunk_size)  # (a numpy int: a Python one)
    progress_enabled(progress)
    check_bool(recalibrate, "recalibrate")
    if keep == "runs" and (events is not None or resolution is not None):
        raise ParameterError(
            "`events` and `resolution` are for keep='summary'; with every run kept, "
            "use ens.prob(...) and ens.quantiles(...) afterwards."
        )
    from .summary import EnsembleSummary, check_events, check_picklable, summarise

    declared = check_events(game, events, rounds)
    check_picklable(declared, executor, n_proc)
    from .reduce import check_resolution

    check_resolution(resolution)
    from .vary import (
        as_what_ifs,
        check_claims_recalibrate,
        draw,
        draws_from_claims,
        warn_claims_held,
    )

    claim_x: dict[str, Array] = {}
    if vary is None:
        ov: dict[str, Array] = {}
        dists: dict[str, Distribution] = {}
        kind = "none"
    elif isinstance(vary, str):
        if vary != "claims":
            raise ParameterError(
                f"`vary` must be None, 'claims' or a mapping of parameter path to "
                f"distribution; got {vary!r}."
            )
        check_claims_recalibrate(recalibrate, "vary")
        what_if = getattr(what, "what_if", ())
        ov, claim_x, dists = draws_from_claims(game, runs, seed, held=what_if)
        warn_claims_held(game, what_if, "vary")
        kind = "claims"
    elif isinstance(vary, Mapping) and "claims" in vary:  # the claims and paths beside them
        flag = vary["claims"]
        if flag is not True:
            raise ParameterError(
                f"`vary['claims']` must be True (draw the claims beside the paths); got "
                f"{short_repr(flag)}."
            )
        check_claims_recalibrate(recalibrate, "vary")
        paths = {p: d for p, d in vary.items() if p != "claims"}
        drawn, dists = draw(paths, runs, seed) if paths else ({}, {})
        what_if = getattr(what, "what_if", ())
        ov, claim_x, claim_dists = draws_from_claims(game, runs, seed, held=what_if, drawn=drawn)
        parampath.warn_replaced_beliefs(game, paths, "vary")  # (once the paths are taken)
        warn_claims_held(game, what_if, "vary")
        dists = {**claim_dists, **dists}
        kind = "claims+mapping" if paths else "claims"
    elif isinstance(vary, Mapping):
        ov, dists = draw(vary, runs, seed)
        parampath.warn_replaced_beliefs(game, vary, "vary")
        if recalibrate:
            ov = as_what_ifs(game, ov, runs, held=getattr(what, "what_if", ()))
        kind = "mapping"
    else:
        raise ParameterError(
            f"`vary` must be None, 'claims' or a mapping of parameter path to distribution; "
            f"got {vary!r}."
        )
    ov = check_overrides(game, ov, runs)
    alike = runs_alike(game, ov, runs)
    if alike:
        warnings.warn(
            f"all {runs} runs of {game.name or 'this game'} play the same path: the game draws "
            f"nothing at random (noise {game.noise}) and every run has the same parameters; "
            "pass vary='claims' (on the command line, --vary claims) or a mapping of "
            "distributions for bands with a width",
            IdenticalRunsWarning,
            stacklevel=2,
        )
    with local_pool(n_proc) as own:
        executor = own or executor
        if keep == "summary":
            counts, meta = summarise(
                game,
                runs,
                _root(seed),
                ov,
                events=declared,
                resolution=resolution,
                rounds=rounds,
                executor=executor,
                chunk_size=chunk_size,
                progress=progress,
            )
            if own is None and executor is not None:  # a user's executor: as computed?
                _check_sent_controls(game, counts.control, runs)
        else:
            (codes, dates, dyads, fired), arrays = _play_runs(
                game, rounds, runs, seed, ov, executor, chunk_size, progress
            )
            if own is None and executor is not None:  # a user's executor: as computed?
                _check_sent_labels(game, game.rounds if rounds is None else rounds,
                                   codes, dates, dyads, arrays["control"].shape[2])  # fmt: skip
    if not alike and runs > 1:  # drawn, yet every run took the same decisions?
        kept = (
            (counts.tariff, counts.control) if keep == "summary" else ("tariff", "high", "control")
        )
        rest = tuple(counts.hist.values()) if keep == "summary" else INDICATORS
        if all(_one_value(x, arrays if keep == "runs" else None, runs) for x in kept):
            _warn_same_decisions(
                game, runs, kind,
                indicators=not all(_one_value(x, arrays if keep == "runs" else None, runs)
                                   for x in rest),
                binned=keep == "summary",
            )  # fmt: skip
    if keep == "summary":
        return EnsembleSummary(
            name=game.name,
            codes=meta["codes"],
            dates=meta["dates"],
            dyads=meta["dyads"],
            control_dyads=tuple(game.world.control_ladders),
            counts=counts,
            event_names=tuple(declared),
            event_specs=tuple(event_text(e) for e in declared.values()),
            resolution=meta["resolution"],
            seed=seed,
            vary=kind,
            distributions=dists,
            drawn={p: repr(d) for p, d in dists.items()},
            events=counts.fired,
            _declared=tuple(declared.values()),
            changes=tuple(getattr(what, "changes", ())),
        )
    return Ensemble(
        name=game.name,
        changes=tuple(getattr(what, "changes", ())),
        codes=codes,
        dates=dates,
        dyads=dyads,
        events=fired,
        draws=ov,
        claim_draws=claim_x,
        distributions=dists,
        seed=seed,
        vary=kind,
        control_dyads=tuple(game.world.control_ladders),
        **arrays,
        _fresh=True,  # a part's arrays (views of its batch's), or their concatenation
    )


_KEEP = ("tariff", "high", "control", *INDICATORS)


def _play_runs(
    game: Game,
    rounds: int | None,
    runs: int,
    seed: int,
    ov: Mapping[str, Array],
    executor: Any,
    chunk_size: int | None,
    progress: bool | None,
) -> tuple[tuple[Any, ...], dict[str, Array]]:
    """Play an ensemble's runs, keeping each (``keep="runs"``): the labels (codes, dates,
    dyads, scheduled events) and the kept arrays (:data:`_KEEP`), ``(runs, T+1, ...)``
    (the export controls' axis is the world's ``control_ladders``)."""
    # in this process (or on the threads of a thread pool), every chunk writes its runs' rows
    # of the ensemble's arrays: nothing to concatenate; so do the chunks on the worker
    # processes of a process pool, into arrays shared with them (tariffsim._shared). Other
    # executors' chunks come back as arrays of their own, checked: a subclass of the pools
    # may change what submit() does
    into: dict[str, Array] | None = None  # the arrays chunks write in place, if any
    target: Any = None  # what the chunks are given: those arrays, or their shared handle
    fd = None  # the shared file's descriptor, closed once the chunks are done
    pool = type(executor) is ProcessPoolExecutor
    played = game.rounds if rounds is None else rounds
    if executor is None or type(executor) is ThreadPoolExecutor:
        into = target = _record_arrays(game.world, played, runs, None, _KEEP)
    elif pool:
        _started(executor)
    try:
        done: Any = None  # the workers' counts of runs played, per chunk, when shared
        if pool:  # they count as they play: the bar moves with one chunk per worker
            size = chunk_size or default_chunk_size(runs, executor, live=True)
            layout = _record_layout(game.world, played, runs, _KEEP)
            layout[_DONE] = ((-(-runs // size),), np.int64)
            if made := _shared.create(layout):
                target, into, fd = made
                done, chunk_size = into.pop(_DONE), size
        parts = map_chunks(
            _ensemble_chunk
            if target is None
            else functools.partial(_ensemble_chunk, into=target, chunk=chunk_size),
            _BatchJob(game, rounds, _root(seed), "compact"),
            runs,
            payload=ov or None,
            chunk_size=chunk_size,
            executor=executor,
            progress=progress,
            desc=f"ensemble {game.name}".strip(),
            unit="run",
            live=True,
            size_of=_chunk_runs if fd is None else _chunk_written,
            progress_of=None if done is None else lambda a, b: int(done[a // size]),
        )
    finally:
        if fd is not None:
            _shared.release(fd)
    if fd is not None and into is not None:  # a worker that could not open the file sent
        for p in parts:  # its runs back
            if "written" not in p:
                a, b = p["rows"]
                for k in _KEEP:
                    into[k][a:b] = p[k]
    # an executor's chunks must fit together (those written in place fit by construction)
    shape = None if into is not None else [parts[0][k].shape[1:] for k in _KEEP]
    if "meta" not in parts[0] or (
        shape is not None and any([p[k].shape[1:] for k in _KEEP] != shape for p in parts)
    ):
        raise ParameterError(
            "`executor` returned chunks that do not fit together (rounds, dyads or "
            "countries differ, or the first chunk lacks its labels): a chunk must come "
            "back as it was computed."
        )
    arrays = into or {
        k: parts[0][k] if len(parts) == 1 else np.concatenate([p[k] for p in parts]) for k in _KEEP
    }
    return parts[0]["meta"], arrays


def _one_value(what: Any, arrays: Mapping[str, Array] | None, runs: int) -> bool:
    """Whether every run holds one value per round (and dyad or country): of the kept array
    named ``what`` of ``arrays``, or of the counts ``what`` (a TariffCounts, exact; a
    Histogram, within its bin width) when ``arrays`` is None."""
    if arrays is not None:
        a = arrays[what]
        return bool((a == a[:1]).all())
    if what is None:  # (no control counts: an executor's, refused before)
        return False
    if isinstance(what, TariffCounts):  # (the peaks too: they count levels within rounds)
        return what.counts.shape[1] == 0 or bool(
            (what.counts.max(axis=-1) == runs).all() and (what.peak.max(axis=-1) == runs).all()
        )
    return len(what.count) == what.slots and bool((what.count == runs).all())


def _warn_same_decisions(
    game: Game, runs: int, kind: str, *, indicators: bool, binned: bool
) -> None:
    """A SameDecisionsWarning: drawn, yet every run took the same tariffs and controls
    (``indicators``: the indicators differ between runs; else every run is one path, to
    within the bins of a summary's histograms when ``binned``)."""
    drawn = "the execution noise" if kind == "none" else "what was drawn"
    said = (
        f"{drawn} moves the indicators but no player's decision, so the bands of the tariffs "
        "and controls have no width"
        if indicators
        else (
            f"{drawn} moves the indicators by less than their bins' width (the summary's "
            "resolution) and no player's decision"
            if binned
            else f"every run played the same path: {drawn} moved nothing in this game"
        )
    )
    warnings.warn(
        f"all {runs} runs of {game.name or 'this game'} took the same tariffs and export "
        f"controls: {said}. Draw a parameter that moves a decision (a sensitivity analysis "
        "ranks them)" + ("" if kind == "none" else ", or execution noise"),
        SameDecisionsWarning,
        stacklevel=3,
    )


def _check_sent_labels(
    game: Game, rounds: int, codes: Any, dates: Any, dyads: Any, controls: int
) -> None:
    """Refuse labels an executor sent back that are not the game's (countries, dyads, round
    dates, the number of export controls): a chunk comes back as it was computed, or not at
    all."""
    w = game.world
    try:
        ok = (
            controls == len(w.control_ladders)
            and tuple(codes) == tuple(w.codes)
            and tuple(tuple(d) for d in dyads) == tuple(w.ladders)
            and np.array_equal(
                np.asarray(dates, dtype="datetime64[D]"),
                np.array([game.date(r) for r in range(rounds + 1)], dtype="datetime64[D]"),
            )
        )
    except Exception:  # (labels of the wrong kind)
        ok = False
    if not ok:
        raise ParameterError(
            "`executor` returned chunks labelled otherwise than the game (its countries, dyads, "
            "export controls or round dates): a chunk must come back as it was computed."
        )


def _check_sent_controls(game: Game, counts: Any, runs: int) -> None:
    """Refuse export-control counts an executor sent back that are not the game's: one set
    per control ladder, of every run, of shares in [0, 1] (the tariffs' counts are checked
    by the runs they add up to)."""
    n = len(game.world.control_ladders)
    ok = (
        counts is not None
        and counts.counts.shape[1] == n
        and counts.n == runs
        and bool(((counts.levels >= 0) & (counts.levels <= 1)).all())
    )
    if not ok:
        raise ParameterError(
            "`executor` returned counts whose export controls are not the game's (a control "
            "ladder missing, runs left out, or a share withheld outside [0, 1]): a chunk must "
            "come back as it was computed."
        )


def _chunk_runs(part: Any) -> int | None:
    """The runs an executor's chunk result covers, or None unless it is what
    :func:`_ensemble_chunk` returns: the kept arrays, float and finite, one shape per
    run, tariffs >= 0 and their highs at least them, export controls, recession odds and
    approval in [0, 1], and the
    labels (first chunk) that fit them."""
    try:
        got = {k: part[k] for k in _KEEP}
        meta = part.get("meta")
    except Exception:
        return None
    arrays = list(got.values())
    if not all(isinstance(a, np.ndarray) and a.ndim == 3 and a.dtype.kind == "f" for a in arrays):
        return None
    R, T1, D = got["tariff"].shape
    n = got["recession"].shape[2]
    if got["control"].shape[:2] != (R, T1) or any(got[k].shape != (R, T1, n) for k in INDICATORS):
        return None
    if got["high"].shape != (R, T1, D):
        return None
    if meta is not None:
        try:
            codes, dates, dyads, _ = meta
            if (len(codes), len(dates), len(dyads)) != (n, T1, D):
                return None
        except Exception:
            return None
    if not all(np.isfinite(a).all() for a in arrays):
        return None
    fractions = [got[k] for k in ("control", "recession", "approval")]
    if (got["tariff"] < 0).any() or any(((f < 0) | (f > 1)).any() for f in fractions):
        return None  # (tariffs >= 0; controls, recession odds and approval are fractions)
    if (got["high"] < got["tariff"]).any():
        return None  # (a round's highest level includes its end)
    return R


_DONE = "done"
"""The shared array of runs played per chunk (int64), which the workers count up as they play."""


def _ensemble_chunk(
    job: _BatchJob,
    start: int,
    stop: int,
    overrides: Mapping[str, Array] | None,
    into: Mapping[str, Array] | _shared.SharedArrays | None = None,
    chunk: int | None = None,
) -> dict[str, Any]:
    """One chunk of an ensemble: only the arrays the ensemble keeps travel back (``into``:
    the ensemble's own arrays, in this process, whose rows the chunk writes; or the handle
    of those arrays shared with a local worker process, when only the labels travel back,
    and the worker counts the runs it has played, round by round, in the shared slot
    ``start // chunk`` of :data:`_DONE`)."""
    rows = None
    count: Callable[[int], None] | None = None
    if isinstance(into, _shared.SharedArrays):  # on a local worker process
        rows = (start, stop)
        try:
            into = into.attach()
        except PermissionError:  # this process may not open the file: the runs travel back
            into = None
        else:
            done = into.pop(_DONE, None)
            if done is not None and chunk:
                slot = start // chunk

                def played(k: int) -> None:
                    done[slot] += k

                count = played

    # (elsewhere the counter in force stays: in this process, the bar's own)
    with counting_runs(count) if count is not None else contextlib.nullcontext():
        pb = _simulate_chunk(job, start, stop, overrides, into)
    out: dict[str, Any] = (
        {} if start else {"meta": (pb.codes, pb.dates, pb.dyads, tuple(pb.events))}
    )
    if rows is not None:
        out["rows"] = rows
    if rows is not None and into is not None:
        out["written"] = stop - start  # (into the shared arrays, unmapped once pb is freed)
    else:
        out.update({k: np.asarray(getattr(pb, k)) for k in _KEEP})
    return out


def _chunk_written(part: Any) -> int | None:
    """The runs a chunk wrote into the shared arrays, or sent back (None: not what
    :func:`_ensemble_chunk` returns there)."""
    try:
        n = part["written"] if "written" in part else _chunk_runs(part)
        a, b = part["rows"]
    except Exception:
        return None
    return n if type(n) is int and b - a == n else None


def _started(pool: ProcessPoolExecutor) -> None:
    """Start ``pool``'s workers, if not yet started, before arrays are shared: a pool that
    forks them would otherwise fork them with the shared file open and mapped, and its
    workers would keep the first ensemble's memory as long as they live. (A pool that
    cannot start them fails here quietly, and the work reports it.)"""
    with contextlib.suppress(Exception):
        pool.submit(os.getpid).result()
