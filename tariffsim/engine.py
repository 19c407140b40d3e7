"""The batched simulation engine: many runs of one game at once.

:func:`simulate_batch` plays ``R`` runs of a :class:`~tariffsim.game.Game`,
each with its own seed and its own values of any parameter paths
(:mod:`tariffsim.parampath`), and returns a :class:`PathBatch` whose arrays
carry a leading runs axis. Run ``r`` is bit-identical to
``simulate(parampath.apply(game, overrides_r), rounds, seed=seeds[r])``
whatever the other runs and however many there are.

Random streams
--------------
Each run owns a :class:`numpy.random.SeedSequence`: ``SeedSequence(seed)``
for an int seed, or the sequence given. Its children are spawned exactly as
:meth:`numpy.random.Generator.spawn` would (child ``k`` for agent ``k`` in
game order, child ``len(agents)`` for execution noise), without changing
the sequence passed in. A run's draws therefore depend only on its own seed.
Execution noise draws one uniform ``u`` per round per controlled dyad (dyads
sorted); a move is replaced when ``u < noise``, by
``min(floor(3 u / noise), 2) - 1`` (uniform on -1, 0, +1 given the flip).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import agents as agents_mod
from . import limits, parampath, progress, threads
from ._batchrun import (
    _SCALAR_4D,
    _AgentRun,
    _Run,
    _States,
    _Streams,
)
from ._talks import _Talks, look_rounds
from ._util import SEED_BITS, is_flag, is_seed, one_of, short_repr, whole_number
from ._util import frozen_array as _ro
from .agents import Beliefs, Observation, Strategy, best_index, own_profiles
from .deals import (
    Agreement,
)
from .dynamics import (
    _tie_rows_held_others,
    per_time,
    tie_held,
)
from .errors import ParameterError, UnknownNameError
from .path import ARRAY_FIELDS, Path
from .payoffs import TERMS, Breakdown, Params, recession_odds
from .world import SLOW_FIELDS, State, StateBatch, World, apply_moves

if TYPE_CHECKING:
    from .game import Event, Game

__all__ = [
    "COMPACT_FIELDS",
    "RECORD_MODES",
    "PathBatch",
    "check_seeds",
    "noise_moves",
    "record_bytes",
    "simulate_batch",
]

_STEPS = np.array([-1, 0, 1])
"""The three moves, in the order candidate arrays index them (``move + 1``)."""
_CHUNK = 8192
"""Most runs played together inside :func:`simulate_batch`; larger batches go chunk by
chunk (a run's numbers do not depend on its chunk), which bounds the engine's working
memory."""
_CHUNK_MIN = 2048
"""Fewest runs per chunk (unless :data:`_CHUNK` is smaller)."""
_CHUNK_ENTRIES = 1 << 18
"""Candidate-state entries one evaluation is sized for: a game whose agents score few,
small candidate states plays more runs at once (less Python per run), a large one fewer."""
_PART_ENTRIES = 1 << 15
"""Fewest candidate-state entries (runs times :func:`_entries_per_run`) of a part played on
a thread of its own (:func:`_part_ranges`)."""
_PART_MIN = 512
"""Fewest runs of a part played on a thread of its own."""
RECORD_MODES = ("full", "compact")
"""What :func:`simulate_batch` keeps per run and round."""
COMPACT_FIELDS = (
    "tariff", "high", "control", "moves", "payoff", "recession", "approval", "drawdown",
)  # fmt: skip
"""Fields a compact :class:`PathBatch` keeps (tariffs, their highs within rounds, controls and
moves on ladder dyads only)."""

Array = NDArray[np.float64]
SeedLike = int | np.integer | np.random.SeedSequence
Dyad = tuple[str, str]


def check_seeds(seeds: Any) -> tuple[SeedLike, ...]:
    """Validate ``seeds``: a non-empty sequence of ints >= 0 or SeedSequences.

    Raises
    ------
    ParameterError
        Naming the offending entry and its index.

    Examples
    --------
    >>> from tariffsim.engine import check_seeds
    >>> check_seeds(range(3))
    (0, 1, 2)
    """
    unordered = isinstance(seeds, set | frozenset | Mapping)  # run r takes seeds[r]
    if (
        isinstance(seeds, int | np.integer | np.random.SeedSequence | str | bytes)
        or not hasattr(seeds, "__len__")
        or unordered
    ):
        raise ParameterError(
            f"`seeds` must be a sequence of seeds, one per run (e.g. range(100)), in run "
            f"order; got {short_repr(seeds)}."
        )
    if isinstance(seeds, np.ndarray) and seeds.ndim != 1:
        raise ParameterError(f"`seeds` must be one-dimensional; got shape {seeds.shape}.")
    out: list[SeedLike] = []
    for k, s in enumerate(seeds):
        if isinstance(s, np.random.SeedSequence):
            out.append(s)
            continue
        if isinstance(s, bool | np.bool_) or not isinstance(s, int | np.integer):
            raise ParameterError(
                f"`seeds[{k}]` must be an int >= 0 or a numpy SeedSequence; got {s!r}."
            )
        if not is_seed(s):
            raise ParameterError(
                f"`seeds[{k}]` must be >= 0 (below 2**{SEED_BITS}); got {short_repr(int(s))}."
            )
        out.append(int(s))
    if not out:
        raise ParameterError("`seeds` must hold at least one seed; got none.")
    return tuple(out)


def noise_moves(u: Array, noise: float | Array) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Execution noise from uniforms: which moves flip, and to what.

    ``u`` holds one uniform in [0, 1) per (run, round, dyad); a move is
    replaced where ``u < noise``, by ``min(floor(3 u / noise), 2) - 1``, which
    given the flip is uniform on -1, 0, +1. One draw per dyad decides both.

    Parameters
    ----------
    u : ndarray
    noise : float or ndarray broadcasting against ``u``
        Probability of a replacement, in [0, 1].

    Returns
    -------
    flip : ndarray of bool
    alt : ndarray of int64
        The replacement move (meaningful where ``flip``).

    Examples
    --------
    >>> from tariffsim.engine import noise_moves
    >>> flip, alt = noise_moves(np.array([0.01, 0.05, 0.09, 0.5]), 0.1)
    >>> flip.tolist(), alt[flip].tolist()
    ([True, True, True, False], [-1, 0, 1])
    """
    noise = np.asarray(noise, dtype=float)
    flip = u < noise
    with np.errstate(all="ignore"):  # tiny noise: 3u/noise may overflow where no flip
        k = np.floor(3.0 * u / np.where(noise > 0, noise, 1.0))
    alt = np.minimum(k, 2.0).astype(np.int64) - 1
    return flip, np.where(flip, alt, 0)


def _check_record(record: Any) -> str:
    if not one_of(record, RECORD_MODES):
        raise ParameterError(f"`record` must be one of 'full', 'compact'; got {record!r}.")
    return str(record)


def _check_overrides(
    game: Game, overrides: Any, runs: int
) -> list[tuple[parampath.ParamPath, NDArray[np.float64]]]:
    items = parampath.resolve(game, overrides)
    return [(pp, parampath.validate_values(pp, v, runs=runs)) for pp, v in items]


@dataclass(frozen=True, eq=False)
class PathBatch:
    """The result of :func:`simulate_batch`: R runs, arrays with a leading runs axis.

    Attributes
    ----------
    codes : tuple of str
        Country codes (the order of every country axis).
    dates : ndarray of datetime64[D], shape (T+1,)
    seeds : tuple
        The seed of each run, as given.
    overrides : mapping of str to ndarray (R,)
        Each parameter path (canonical spelling) and its value per run.
    record : {"full", "compact"}
    dyads : tuple of (str, str)
        The dyads with a tariff ladder, in world order; the last axis of
        ``tariff``/``moves`` in a compact batch.
    control_dyads : tuple of (str, str)
        The dyads with an export-control ladder; the last axis of ``control``
        in a compact batch.
    tariff : ndarray
        ``(R, T+1, n, n)`` (full) or ``(R, T+1, len(dyads))`` (compact).
    control : ndarray
        ``(R, T+1, n, n)`` or ``(R, T+1, len(control_dyads))``.
    moves : ndarray of int
        ``(R, T+1, n, n)`` int64 or ``(R, T+1, len(dyads))`` int8.
    payoff, recession, approval, drawdown : ndarray, shape (R, T+1, n)
    effective, perceived_pass_through : ndarray (R, T+1, n, n) or None
        Full record only.
    terms : ndarray (R, T+1, len(TERMS), n) or None
    burden : ndarray (R, T+1, n) or None
    equity, bond : ndarray (R, T+1, n) or None
        Equity index and bond stress after each round (full record only).
    adjust, tie_loss, grievance : ndarray (R, T+1, n, n) or None
        The slow state variables (:data:`~tariffsim.world.SLOW_FIELDS`);
        full record only.
    step_tariff : ndarray (R, T+1, S, n, n) or None
        Headline tariffs after each of the ``S`` decision steps of each
        round (:attr:`tariffsim.game.Game.steps`); full record of a game
        with several steps per round only.
    high : ndarray (R, T+1, len(dyads)) or None
        Compact record: each ladder dyad's highest headline tariff after
        any decision step of each round (``tariff`` where a round has one
        step; a level taken and left within a round, as Canada's 10% of
        4-5 February 2025, is here and not in ``tariff``). See
        :meth:`high_series`.
    layers : ndarray (R, T+1, len(layer_slots)) or None
        Level of each tariff layer of each dyad with instruments, after each
        round (both records): the engine's layer state, not a split of the
        headline (an event or a deal can set one layer and leave another).
    layer_slots : tuple of (str, str, str)
        ``(importer, exporter, layer)`` of each column of ``layers``.
    events : tuple of (int, str)
        Scheduled events that fired (the same in every run).
    agreements : tuple of tuple of Agreement
        Per run, the agreements reached (:mod:`tariffsim.bargaining`).
    notes : tuple of tuple of (int, str)
        Per run, threats carried out or not and agreements broken.
    meta : mapping

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> pb = ts.simulate_batch(sc.game, 8, seeds=range(3), record="compact")
    >>> len(pb), pb.tariff_series("US", "CN").shape
    (3, (3, 9))
    """

    codes: tuple[str, ...]
    dates: NDArray[Any]
    seeds: tuple[Any, ...]
    overrides: Mapping[str, Array]
    record: str
    dyads: tuple[tuple[str, str], ...]
    control_dyads: tuple[tuple[str, str], ...]
    tariff: Array
    control: Array
    moves: NDArray[np.integer[Any]]
    payoff: Array
    recession: Array
    approval: Array
    drawdown: Array
    effective: Array | None = None
    terms: Array | None = None
    burden: Array | None = None
    perceived_pass_through: Array | None = None
    equity: Array | None = None
    bond: Array | None = None
    adjust: Array | None = None
    tie_loss: Array | None = None
    grievance: Array | None = None
    step_tariff: Array | None = None
    high: Array | None = None
    layers: Array | None = None
    layer_slots: tuple[tuple[str, str, str], ...] = ()
    events: tuple[tuple[int, str], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    agreements: tuple[tuple[Agreement, ...], ...] = ()
    notes: tuple[tuple[tuple[int, str], ...], ...] = ()
    world: World | None = field(default=None, repr=False, compare=False)
    """The world the runs were played in (splits each run's headline into its layers)."""
    _fresh: InitVar[bool] = False
    """Internal: the per-run arrays were made for this batch and nothing else holds them
    (the engine's record: they are frozen as they are instead of copied)."""

    def __post_init__(self, _fresh: bool) -> None:
        object.__setattr__(self, "layer_slots", tuple(tuple(x) for x in self.layer_slots))
        for name in (*ARRAY_FIELDS, *SLOW_FIELDS, *_EXTRA_FIELDS):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _ro(v, v.dtype, copy=not _fresh))
        object.__setattr__(self, "dates", _ro(self.dates, "datetime64[D]"))
        object.__setattr__(
            self, "overrides", {k: _ro(v, float) for k, v in dict(self.overrides).items()}
        )

    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    @property
    def rounds(self) -> int:
        """Rounds played ``T`` (the arrays hold ``T + 1`` rows, row 0 the start)."""
        return int(self.tariff.shape[1]) - 1

    def _i(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise UnknownNameError(
                f"unknown country {code!r}; known: {', '.join(self.codes)}."
            ) from None

    def tariff_series(self, importer: str, exporter: str) -> Array:
        """Headline tariff of ``importer`` on ``exporter``, shape ``(R, T+1)``.

        A dyad without a ladder is zero throughout in a compact batch
        unless events set it (then use ``record="full"``).
        """
        i, j = self._i(importer), self._i(exporter)
        if self.record == "full":
            return self.tariff[:, :, i, j]
        return self._compact_series(self.tariff, self.dyads, importer, exporter, "tariff")

    def high_series(self, importer: str, exporter: str) -> Array:
        """Highest headline tariff of ``importer`` on ``exporter`` in each round, ``(R, T+1)``.

        The highest level after any decision step of the round
        (:attr:`tariffsim.game.Game.steps`): a tariff taken and left within a
        round counts, where :meth:`tariff_series` holds the round's end. Equal
        to :meth:`tariff_series` in a game of one step per round. A peak, a
        first round at or above a level and a
        :class:`~tariffsim.analysis.reduce.Threshold` ``at_least`` read it.

        Examples
        --------
        Canada answers the US order of 4 February 2025 with 10% and settles
        the next day, inside the week to 10 February:

        >>> pb = ts.simulate_batch(ts.load_scenario("four-country-2025").game, 3, seeds=[0],
        ...                        record="compact")
        >>> pb.tariff_series("CA", "US")[0].tolist(), pb.high_series("CA", "US")[0].tolist()
        ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.1, 0.0])
        """
        i, j = self._i(importer), self._i(exporter)
        if self.record == "full":
            if self.step_tariff is None:
                return self.tariff[:, :, i, j]
            return np.asarray(self.step_tariff[:, :, :, i, j].max(axis=2))
        if self.high is None:  # (a batch made without it: one step per round)
            return self.tariff_series(importer, exporter)
        return self._compact_series(self.high, self.dyads, importer, exporter, "tariff")

    def layer_series(self, importer: str, exporter: str, layer: str) -> Array:
        """Level of tariff layer ``layer`` of ``importer`` on ``exporter``, shape ``(R, T+1)``.

        Read from the engine's layer state (both records).

        Raises
        ------
        UnknownNameError
            If the dyad has no layer of that name; the message lists its layers.

        Examples
        --------
        >>> pb = ts.simulate_batch(ts.load_scenario("us-china-145").game, 12, seeds=[0, 1],
        ...                        record="compact")
        >>> pb.layer_series("US", "CN", "fentanyl")[:, -1].tolist()
        [0.2, 0.2]
        """
        self._i(importer), self._i(exporter)
        key = (importer, exporter, layer)
        if self.layers is None or key not in self.layer_slots:
            have = [x[2] for x in self.layer_slots if x[:2] == (importer, exporter)]
            raise UnknownNameError(
                f"`layer` {layer!r} is not a recorded layer of ({importer}, {exporter}); "
                f"its layers: {', '.join(have) or '(none)'}."
            )
        return self.layers[:, :, self.layer_slots.index(key)]

    def control_series(self, withholder: str, target: str) -> Array:
        """Export control of ``withholder`` on ``target``, shape ``(R, T+1)``."""
        i, j = self._i(withholder), self._i(target)
        if self.record == "full":
            return self.control[:, :, i, j]
        return self._compact_series(self.control, self.control_dyads, withholder, target, "control")

    def _compact_series(
        self, arr: Array, dyads: tuple[tuple[str, str], ...], a: str, b: str, what: str
    ) -> Array:
        if (a, b) in dyads:
            return arr[:, :, dyads.index((a, b))]
        raise ParameterError(
            f"({a}, {b}) has no {what} ladder, so a compact batch does not record it; "
            f"recorded: {[f'{x}-{y}' for x, y in dyads]} (use record='full' for every dyad)."
        )

    def run_overrides(self, r: int) -> dict[str, float]:
        """The parameter values of run ``r`` (``{path: value}``)."""
        r = self._run(r)
        return {k: float(v[r]) for k, v in self.overrides.items()}

    def _run(self, r: int) -> int:
        if isinstance(r, bool) or not isinstance(r, int | np.integer):
            raise ParameterError(f"run index must be an int; got {r!r}.")
        n = len(self)
        if not -n <= r < n:
            raise ParameterError(f"run index must be in [{-n}, {n}); got {r!r}.")
        return int(r) % n

    def _run_meta(self, r: int, seed: Any) -> dict[str, Any]:
        """Run ``r``'s ``Path.meta``: the batch's, without its count of runs, with the run's
        seed (:func:`meta_seed`) and its own noise where the overrides set it, in the order
        of :func:`simulate`'s."""
        m = {k: v for k, v in self.meta.items() if k != "runs"}
        if "noise" in self.overrides and "noise" in m:
            m["noise"] = float(self.overrides["noise"][r])
        return {"scenario": m.pop("scenario", None), "seed": meta_seed(seed), **m}

    def __getitem__(self, r: int) -> Path:
        """Run ``r`` as a :class:`~tariffsim.path.Path` (full record only); its ``meta`` is
        the one :func:`simulate` gives that run (:meth:`_run_meta`)."""
        r = self._run(r)
        if self.record != "full":
            raise ParameterError(
                "a compact PathBatch keeps only ladder dyads and indicators; "
                "use record='full' to get each run as a Path."
            )
        arrays = {k: getattr(self, k)[r] for k in ARRAY_FIELDS}
        for k in ("equity", "bond", "step_tariff"):
            if getattr(self, k) is not None:
                arrays[k] = getattr(self, k)[r]
        for k in SLOW_FIELDS:
            v = getattr(self, k)
            arrays[k] = None if v is None else v[r]
        seed = self.seeds[r]
        w = self.world
        layered: dict[str, Any] = {}
        if w is not None:
            layered = dict(
                layers=_path_layers(
                    w, arrays["tariff"], None if self.layers is None else self.layers[r]
                ),
                layer_names=w.layer_names,
                hit_share=w.hit_share,
            )
        return Path(
            codes=self.codes,
            dates=self.dates,
            events=_merge_events(self.events, self.notes[r] if self.notes else ()),
            meta=self._run_meta(r, seed),
            agreements=self.agreements[r] if self.agreements else (),
            **arrays,
            **layered,
        )

    def __iter__(self) -> Any:
        return (self[r] for r in range(len(self)))

    def __repr__(self) -> str:
        name = self.meta.get("scenario", "")
        return (
            f"<PathBatch {name} {len(self)} runs x {self.rounds} rounds, record={self.record!r}, "
            f"overrides: {', '.join(self.overrides) or 'none'}>"
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return sum(
            getattr(self, k).nbytes
            for k in (*ARRAY_FIELDS, *SLOW_FIELDS, *_EXTRA_FIELDS)
            if getattr(self, k) is not None
        )


_EXTRA_FIELDS = ("equity", "bond", "layers", "step_tariff", "high")
"""Arrays of a :class:`PathBatch` beyond a path's fields, each of them None in some batches."""


def _path_layers(world: World, tariff: Array, slots: Array | None) -> Array:
    """A path's layers ``(T+1, L, n, n)``: its headlines split, then the recorded levels of
    every dyad's layers (``slots``, ``(T+1, S)`` in :class:`_Record` order) written over."""
    out = world.decompose(tariff)
    if slots is None:
        return out
    names = world.layer_names
    c = 0
    for (a, b), lays in world.instruments.items():
        i, j = world.index(a), world.index(b)
        for x in lays:
            out[:, names.index(x.name), i, j] = slots[:, c]
            c += 1
    return out


def _check_steps(game: Game, rounds: int) -> None:
    """Refuse a run of more decision steps than ``max_steps`` (before any is played)."""
    steps = game.steps if any(_paced(ag.strategy) for ag in game.agents) else 1
    if steps > 1:
        limits.check(
            "max_steps", rounds * steps,
            f"decision steps ({rounds} rounds of {steps}: rounds of {game.round_days} days, "
            f"decisions every {game.decision_days} day{'s' * (game.decision_days != 1)})",
        )  # fmt: skip


def _check_rounds(rounds: Any) -> int:
    rounds = whole_number(rounds, "rounds", 1)
    limits.check("max_rounds", rounds, "`rounds`")
    return rounds


def calendar_fits(start: dt.date, round_days: int, rounds: int) -> bool:
    """Whether ``rounds`` rounds of ``round_days`` days from ``start`` end by 9999-12-31."""
    return start.toordinal() + int(rounds) * int(round_days) <= dt.date.max.toordinal()


def _check_game(game: Any) -> None:
    """Raise unless ``game`` is a Game (a Scenario or a name: say how to get its game).

    Read from what it holds (a game has agents and a world, and is no scenario), as the
    engine sits below :mod:`tariffsim.game` and does not import it.
    """
    if hasattr(game, "agents") and hasattr(game, "world") and not hasattr(game, "game"):
        return
    hint = ""
    if hasattr(game, "game"):
        hint = " (a Scenario: pass its .game)"
    elif isinstance(game, str):
        hint = f" (a scenario name: pass ts.load_scenario({game!r}).game)"
    raise ParameterError(f"`game` must be a Game{hint}; got {short_repr(game)}.")


def check_calendar(game: Game, rounds: int, first: int = 0, name: str = "rounds") -> None:
    """Raise ParameterError unless ``rounds`` rounds of ``game`` from its round ``first`` end
    by 9999-12-31 (the last date a path can hold); ``name`` is the argument named, or
    ``start_round`` (the solvers' name for ``first``) when round ``first`` is past it."""
    if first and not calendar_fits(game.start, game.round_days, first):
        raise ParameterError(
            f"`start_round`: round {first} of {game.round_days} days from {game.start} is "
            f"past {dt.date.max}."
        )
    if not calendar_fits(game.start, game.round_days, first + rounds):
        after = f" after round {first}" if first else ""
        raise ParameterError(
            f"`{name}`: {rounds} rounds of {game.round_days} days{after} from {game.start} run "
            f"past {dt.date.max}."
        )


# ---------------------------------------------------------------------------
# what a batched strategy sees
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BatchObservation:
    """What one agent sees in one round, in every run of a batch at once.

    Arrays cover only the countries the game involves (:attr:`codes`, a
    subset of the world's, in world order); use :meth:`index` for positions.
    The leading axis is the run.

    Attributes
    ----------
    me : str
    world : World
    codes : tuple of str
        The countries the arrays cover.
    round : int
    events : tuple of str
        Labels of the events that fired this round.
    targets : tuple of (str, str)
        The agent's dyads active this round: the columns of the moves
        :meth:`Strategy.act_batch` returns.
    tariff, control, peak, moved : ndarray, shape (R, k, k)
        The current state (after this round's events). ``moved`` is the change a
        strategy answers: for one that decides once a round, the net change of
        the round before over all its decision steps (or, where an announcement
        or a deal set a dyad this round, that change); for a paced one, the last
        decision step's change (as :meth:`Observation.last_change`).
    support, shock : ndarray, shape (R, k)
    equity, bond : ndarray, shape (R, k)
        The equity index (% from baseline) and bond stress the round starts
        from: the market state every agent watches.
    seen_moved : ndarray, shape (R, h, k, k)
        ``moved`` of every round's state seen so far, oldest first, the current
        round's last (``h`` = the round number), each as a strategy deciding
        once a round sees it: the batched ``obs.history``.
    layers : ndarray, shape (R, L, k, k)
        Level of each tariff layer (:attr:`World.layer_names`) on each dyad;
        ``tariff`` is their sum. :meth:`step` and :meth:`candidate_tariffs`
        step a dyad's layers (:func:`~tariffsim.world.step_layers`) from
        these.
    """

    me: str
    world: World
    codes: tuple[str, ...]
    round: int
    events: tuple[str, ...]
    targets: tuple[Dyad, ...]
    tariff: Array
    control: Array
    peak: Array
    moved: Array
    support: Array
    shock: Array
    seen_moved: Array
    _run: _Run = field(repr=False)
    _agent: _AgentRun = field(repr=False)
    _states: _States = field(repr=False)
    _observe: Any = field(repr=False)
    equity: Array = None  # type: ignore[assignment]
    bond: Array = None  # type: ignore[assignment]
    layers: Array = None  # type: ignore[assignment]

    @property
    def runs(self) -> int:
        """Number of runs ``R``."""
        return int(self.tariff.shape[0])

    def index(self, code: str) -> int:
        """Position of ``code`` on the country axes of the arrays."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise UnknownNameError(
                f"country {code!r} is not involved in this game; involved: {', '.join(self.codes)}."
            ) from None

    def ij(self, dyads: Sequence[Dyad] | None = None) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Row and column positions of ``dyads`` (default :attr:`targets`)."""
        ds = self.targets if dyads is None else dyads
        i = np.array([self.index(a) for a, _ in ds], dtype=np.intp)
        j = np.array([self.index(b) for _, b in ds], dtype=np.intp)
        return i, j

    def step(self, dyad: Dyad, levels: ArrayLike, moves: ArrayLike) -> Array:
        """Levels after ``moves`` on ``dyad``'s ladder (:meth:`Ladder.step_many`).

        ``levels`` (leading axis the run, broadcast with ``moves``) are
        headlines. Where a run's layers are not its headline's escalation-chain
        split (an event or a deal set one layer) and ``levels`` is its current
        headline, the step is that of its layers (:func:`~tariffsim.world.step_layers`).
        """
        out = self.world.ladders[dyad].step_many(levels, moves)
        return self._run.step_off(self._states, dyad, levels, moves, out)

    def payoff(self, tariff: Array, control: Array | None = None) -> Array:
        """Perceived payoff to :attr:`me` of candidate next states, shape (R, P).

        Parameters
        ----------
        tariff : ndarray, shape (R, P, k, k)
            Candidate tariffs (P per run), reached from the current state.
        control : ndarray, shape (R, P, k, k), optional
            Candidate export controls (default: the current ones).
        """
        return self._run.evaluate_total(
            self._agent.perceived, self._states, tariff, control, self.index(self.me)
        )

    def breakdown(self) -> Breakdown:
        """The perceived breakdown of the current state (as ``obs.model.breakdown(obs.state)``).

        Arrays have shape (R, 1, k).
        """
        st = self._states
        return self._run.evaluate_state(self._agent.perceived, st, None)

    def candidate_tariffs(self, profiles: NDArray[np.int8]) -> Array:
        """Tariffs after each move profile (P, k) on :attr:`targets`, shape (R, P, k', k').

        Every other dyad holds; steps follow each dyad's ladder.
        """
        i, j = self.ij()
        cur = self.tariff[:, i, j]  # (R, k)
        out = np.repeat(self.tariff[:, None], len(profiles), axis=1)
        for c, d in enumerate(self.targets):
            moved = self.step(d, cur[:, c, None], _STEPS[None])  # (R, 3): cut, hold, raise
            out[:, :, i[c], j[c]] = moved[:, profiles[:, c].astype(np.intp) + 1]
        return out

    def act_with(self, strategy: Strategy, rngs: Sequence[np.random.Generator]) -> NDArray[np.int8]:
        """Moves of ``strategy`` in every run: its ``act_batch`` if it has one, else its ``act``."""
        if hasattr(strategy, "act_batch"):
            return _moves_of(strategy.act_batch(self, rngs), strategy, self.me)
        return self.act_per_run(strategy, rngs)

    def act_per_run(
        self, strategy: Strategy, rngs: Sequence[np.random.Generator]
    ) -> NDArray[np.int8]:
        """Moves of a per-run ``strategy`` (its ``act``) in every run, shape (R, k)."""
        out = np.zeros((self.runs, len(self.targets)), dtype=np.int8)
        jump = self._run.game.moves == "jump"
        for r in range(self.runs):
            chosen = strategy.act(self._observe(r, self.targets), rngs[r])
            out[r] = checked_moves(chosen, strategy, self.me, self.targets, jump=jump)
        return out


def checked_moves(
    chosen: Any, strategy: Any, me: str, targets: Sequence[Dyad], *, jump: bool = False
) -> list[int]:
    """What a strategy's ``act`` returned, as one move per target, by the rule every game
    applies (:func:`tariffsim.simulate`, tournaments, :mod:`tariffsim.testing`).

    Parameters
    ----------
    chosen : Any
        ``act``'s return value: a mapping of some of ``targets`` to moves (a dyad left out
        holds).
    strategy : Strategy
        Named in the message.
    me : str
        The acting country's code.
    targets : sequence of (str, str)
        The agent's dyads ``(me, partner)``, in order.
    jump : bool, default False
        The game's moves are ``"jump"``: any whole number of rungs (within ±127), not only
        -1, 0 and +1.

    Returns
    -------
    list of int
        One move per target.

    Raises
    ------
    ParameterError
        For something other than a mapping, a key that is not one of ``targets`` or a move
        that is not allowed; the message names the strategy, the country and the value.
    """
    name = getattr(strategy, "name", strategy)
    if not isinstance(chosen, Mapping) or not set(chosen) <= set(targets):
        raise ParameterError(
            f"strategy {name!r} of {me} returned "
            + (
                f"moves on {short_repr(sorted(map(str, set(chosen) - set(targets))))}"
                if isinstance(chosen, Mapping)
                else f"{short_repr(chosen)}"
            )
            + f"; act must return a mapping of its targets {list(targets)} to moves "
            "(a dyad left out holds)."
        )
    out = []
    for d in targets:
        m = chosen.get(d, 0)
        whole = jump and isinstance(m, int | np.integer)
        if is_flag(m) or (  # (True is no move: a flag, as everywhere)
            m not in (-1, 0, 1) and not (whole and abs(int(m)) < 128)
        ):
            raise ParameterError(
                f"strategy {name!r} of {me} returned move {m!r} on {d}; "
                "moves must be -1, 0 or +1 (any number of rungs when moves = 'jump')."
            )
        out.append(int(m))
    return out


def _has_flags(raw: Any) -> bool:
    """Whether a nested list or tuple of moves holds a boolean anywhere."""
    if isinstance(raw, list | tuple):
        return any(_has_flags(x) for x in raw)
    return is_flag(raw)


def _moves_of(raw: Any, strategy: Any, me: str) -> NDArray[np.int8]:
    """A strategy's batch of moves as int8: whole numbers only (a move of 0.9 is no move of
    0: it is refused, as ``act`` refuses it), never cut to fit."""
    a = np.asarray(raw)
    if a.dtype.kind == "b" or _has_flags(raw):  # flags are no moves (True would be a rise)
        raise ParameterError(
            f"strategy {getattr(strategy, 'name', strategy)!r} of {me}: act_batch returned "
            "booleans; moves are whole numbers (-1, 0, +1)."
        )
    if a.dtype.kind not in "iu":
        whole = (
            a.dtype.kind == "f" and bool(np.all(np.isfinite(a))) and bool(np.all(a == np.round(a)))
        )
        if not whole:
            bad = short_repr(a.ravel()[:6].tolist())
            raise ParameterError(
                f"strategy {getattr(strategy, 'name', strategy)!r} of {me}: act_batch returned "
                f"moves that are not whole numbers (dtype {a.dtype}; first values {bad})."
            )
    if a.size and (a.min() < -127 or a.max() > 127):
        raise ParameterError(
            f"strategy {getattr(strategy, 'name', strategy)!r} of {me}: act_batch returned a move "
            "beyond ±127 rungs."
        )
    return a.astype(np.int8)


def _control_moves_batch(
    rt: _Run,
    ag: _AgentRun,
    st: _States,
    chosen: NDArray[np.int8],
    live: tuple[Dyad, ...],
    dyads: tuple[Dyad, ...],
) -> NDArray[np.int8]:
    """Batched :func:`control_moves`: (R, len(dyads)) best control moves on the perceived model."""
    pos = rt.pos
    t = st.tariff.copy()
    for c, (a, b) in enumerate(live):
        i, j = pos[a], pos[b]
        t[:, i, j] = rt.world.ladders[(a, b)].step_many(t[:, i, j], chosen[:, c])
    what = f"export controls of {ag.code}: 3**{len(dyads)} profiles"
    limits.check("max_combinations", 3 ** len(dyads), what)
    profiles = own_profiles(len(dyads))
    P = len(profiles)
    ctl = np.repeat(st.control[:, None], P, axis=1)
    for c, (a, b) in enumerate(dyads):
        i, j = pos[a], pos[b]
        lad = rt.world.control_ladders[(a, b)]
        moved = lad.step_many(st.control[:, i, j, None], _STEPS)
        ctl[:, :, i, j] = moved[:, profiles[:, c].astype(np.intp) + 1]
    tariff = np.broadcast_to(t[:, None], ctl.shape)
    pay = rt.evaluate_total(ag.perceived, st, tariff, ctl, pos[ag.code])
    return profiles[best_index(pay)]


def _paced(strategy: Strategy) -> bool:
    """Whether ``strategy`` decides at every decision step (see :attr:`Traits.paced`)."""
    traits = getattr(strategy, "traits", None)
    return bool(getattr(traits, "paced", False)) and not bool(getattr(traits, "stochastic", False))


def _decide(
    rt: _Run,
    st: _States,
    r: int,
    step: int,
    labels: tuple[str, ...],
    seen_moved: Array,
    per_run: _PerRunStates,
    talks: _Talks,
    keypos: Mapping[Dyad, int],
    rows: NDArray[np.intp] | None = None,
    once: _States | None = None,
    shown: int | None = None,
) -> tuple[NDArray[np.int8], list[tuple[tuple[Dyad, ...], NDArray[np.int8]]], NDArray[np.bool_]]:
    """Every agent's moves on ``st`` at decision step ``step`` of round ``r``, in every run.

    Returns the tariff moves ``(R, K)`` on :attr:`_Run.keys`, the export-control
    moves per agent and which dyads wait for their ``active_from`` round. At a
    step after the first only paced strategies (:func:`_paced`) choose.
    ``rows``: ``rt`` and ``st`` are these runs of the batch that ``per_run`` and
    ``talks`` keep (:meth:`_Run.subset`); default all. ``once``: ``st`` as the
    strategies that decide once a round see it at the first step, its ``moved``
    the changes since the round before's first step (default ``st``). ``shown``: the
    round the strategies are told (default ``r``; a look-ahead's rounds continue the
    game's, :class:`_Past`).
    """
    game, w = rt.game, rt.world
    R, K = rt.runs, len(rt.keys)
    told = r if shown is None else shown
    moves = np.zeros((R, K), dtype=np.int8)
    inactive = np.zeros(K, dtype=bool)
    ctl_moves: list[tuple[tuple[Dyad, ...], NDArray[np.int8]]] = []
    for ag in rt.agents:
        waiting = [_waiting_at(s, r) for s in ag.starts]
        live = tuple(d for d, wt in zip(ag.dyads, waiting, strict=True) if not wt)
        for d, wt in zip(ag.dyads, waiting, strict=True):
            if wt:
                inactive[keypos[d]] = True
        skip = all(waiting) and (any(waiting) or _waiting_at(ag.agent_start, r))
        paced = _paced(ag.strategy)
        if step and not paced:
            continue
        seen_st = st if paced or once is None else once

        def observe(
            q: int,
            targets: tuple[Dyad, ...],
            ag: _AgentRun = ag,
            r: int = r,
            told: int = told,
            labels: tuple[str, ...] = labels,
            paced: bool = paced,
        ) -> Observation:
            q_all = q if rows is None else int(rows[q])
            seen = per_run.states(q_all, r)
            return Observation(
                me=ag.code,
                world=w,
                # a paced strategy sees the step's state; the round's (``seen``) are as
                # the strategies deciding once a round see them
                state=rt.full_state(st, q) if step or paced else seen[-1],
                history=tuple(seen[:-1]),
                targets=targets,
                model=game.model._with_params(rt.perceived_full(ag, q)),
                round=told,
                events=labels,
                floors=talks.floors(q_all),
            )

        bobs = BatchObservation(
            me=ag.code, world=w, codes=rt.codes, round=told, events=labels, targets=live,
            tariff=st.tariff, control=st.control, peak=st.peak, moved=seen_st.moved,
            support=st.support, shock=st.shock, seen_moved=seen_moved,
            _run=rt, _agent=ag, _states=seen_st, _observe=observe, equity=st.equity, bond=st.bond,
            layers=st.layers,
        )  # fmt: skip
        if skip:
            chosen = np.zeros((R, 0), dtype=np.int8)
            live = ()
        elif hasattr(ag.strategy, "act_batch"):
            chosen = _moves_of(ag.strategy.act_batch(bobs, ag.rngs), ag.strategy, ag.code)
            if chosen.shape != (R, len(live)):
                raise ParameterError(
                    f"strategy {ag.strategy.name!r} of {ag.code}: act_batch returned shape "
                    f"{chosen.shape}; expected {(R, len(live))}."
                )
            if game.moves != "jump" and chosen.size and (chosen.min() < -1 or chosen.max() > 1):
                raise ParameterError(
                    f"strategy {ag.strategy.name!r} of {ag.code} returned a move outside "
                    "-1, 0, +1 (moves of several rungs need a game with moves = 'jump')."
                )
        else:
            chosen = bobs.act_per_run(ag.strategy, ag.rngs)
        for c, d in enumerate(live):
            moves[:, keypos[d]] = chosen[:, c]
        cd = tuple(
            d for d, s in zip(ag.controls, ag.control_starts, strict=True) if not _waiting_at(s, r)
        )
        if cd:
            ctl_moves.append((cd, _control_moves_batch(rt, ag, seen_st, chosen, live, cd)))
    return moves, ctl_moves, inactive


def _scatter_rows(a: NDArray[np.int8], rows: NDArray[np.intp], runs: int) -> NDArray[np.int8]:
    """Moves ``a`` of runs ``rows`` placed into no moves ``(runs, ...)``."""
    out = np.zeros((runs, *a.shape[1:]), dtype=a.dtype)
    out[rows] = a
    return out


def _waiting_at(start: int | None, r: int) -> bool:
    return start is not None and r < start


def _play(
    game: Game,
    rounds: int,
    items: Sequence[tuple[parampath.ParamPath, Array]],
    streams: _Streams,
    record: str,
    *,
    idx: NDArray[np.intp] | None = None,
    start: _States | None = None,
    perceived: Sequence[Params] | None = None,
    on_round: Callable[[int], None] | None = None,
    on_look: Callable[[], None] | None = None,
    out: Mapping[str, Array] | None = None,
    held: Sequence[tuple[str, str]] = (),
    past: _Past | None = None,
) -> dict[str, Any]:
    """Play every run; returns the record arrays and the event log.

    A bargain's look-ahead passes the involved countries ``idx``, each run's
    starting state ``start`` (instead of ``game.initial``) and each agent's
    current perceived parameters ``perceived``, and records ``"look"``
    (tariffs and controls on the involved countries only, and their layers
    when some run starts with layers off its headline's split: what
    ``_talks._carry_on_batch`` reads). ``on_round(r)`` is
    called once round ``r`` is played, ``on_look()`` once each round of the talks'
    look-aheads is (progress). ``out``: run-major arrays
    of a compact record to write into (:class:`_Record`); they are returned
    as the record's. ``held``: dyads held from the first round as a deal struck
    then holds them (a talks' check of a deal's state, :meth:`_talks._Talks._broken`).
    ``past``: the game's rounds before a look-ahead (its strategies' history; its
    rounds are numbered after them).
    """
    threads.check_environment()  # a bad TARIFFSIM_THREADS is reported before any work
    rt = _Run(game, rounds, items, streams, idx=idx)
    R, k, n, T = rt.runs, rt.k, rt.n, rounds
    w = rt.world
    idx = rt.idx
    if perceived is not None:
        for ag, p in zip(rt.agents, perceived, strict=True):
            ag.perceived = p
    by_round: dict[int, list[Event]] = {}
    for e in game.events:
        by_round.setdefault(rt.round_of[e], []).append(e)

    init = game.initial or State.zeros(n)
    ix = np.ix_(idx, idx)

    def rep(a: Array) -> Array:
        return np.repeat(np.asarray(a, dtype=float)[None], R, axis=0)

    if start is None:
        st = _States(
            tariff=rep(init.tariff[ix]),
            control=rep(init.control[ix]),
            peak=rep(np.maximum(init.peak, init.tariff)[ix]),
            moved=rep(init.moved[ix]),
            support=rep(init.support[idx]),
            shock=rep(np.zeros(k)),
            equity=rep(init.equity[idx]),
            bond=rep(init.bond[idx]),
            adjust=rep(np.where(init.tariff > 0, init.adjust, 0.0)[ix]),
            tie_loss=rep(init.tie_loss),
            grievance=rep(init.grievance[ix]),
            layers=(
                rep(init.layers[:, ix[0], ix[1]])
                if init.layers.shape[0] == len(w.layer_names)
                else None  # type: ignore[arg-type]
            ),
        )
    else:
        st = _States(
            tariff=start.tariff.copy(),
            control=start.control.copy(),
            peak=np.maximum(start.peak, start.tariff),
            moved=start.moved.copy(),
            support=start.support.copy(),
            shock=np.zeros((R, k)),
            equity=start.equity.copy(),
            bond=start.bond.copy(),
            adjust=start.adjust.copy(),
            tie_loss=rt._tie_loss(start).copy(),  # a loss the rows carry stays as its rows
            grievance=start.grievance.copy(),
            layers=None if start.layers is None else start.layers.copy(),
            # the value the market priced the state before at: it carries its mood on
            # from there, as the game does (not from the tariffs the talks just wrote)
            market_value=None if start.market_value is None else start.market_value.copy(),
        )
    rt.settle(st)
    _fire_events(rt, st, by_round.get(0, []))
    events_log: list[tuple[int, str]] = [(0, e.label) for e in by_round.get(0, []) if e.label]
    mk0: Breakdown | None = None
    if start is None:  # the index starts by pricing the state the game starts from
        mk0 = rt.evaluate_state(rt.truth, st, None, fresh=True)
        _priced(st, mk0)

    off = start is not None and start.off is not None and bool(start.off.any())
    rec = _Record(rt, record, out, look_layers=off)
    rec.add(0, st, None, np.zeros((R, len(rt.keys)), dtype=np.int8), mk0)
    start_tariff = st.tariff

    # noise: one uniform per round per dyad, drawn up front per noisy run
    K = len(rt.keys)
    noisy = np.flatnonzero(rt.noise > 0) if K else np.zeros(0, dtype=np.intp)
    u = np.ones((R, T, K))
    n_agents = len(game.agents)
    for q in noisy.tolist():
        u[q] = streams.child(q, n_agents).random((T, K))

    H = 0 if past is None else past.rounds  # rounds played before this play (its history)
    seen_moved = np.zeros((R, H + T, k, k))
    if past is not None:
        seen_moved[:, :H] = past.seen_moved
    keep = any(_asks_states(ag.strategy) for ag in rt.agents)
    per_run = _PerRunStates(rt, keep=keep, past=past)
    # decision steps per round: several only when some agent decides at the calendar pace
    steps = game.steps if any(_paced(ag.strategy) for ag in rt.agents) else 1
    step_tariff = rec.step_tariff(steps)
    keypos = rt.key_col

    def past_of(rows: NDArray[np.intp], r: int, wrote: Array) -> _Past:
        """The rounds before round ``r`` of runs ``rows``, as a look-ahead from it sees them
        (called in round ``r``, before its decisions); ``wrote``: the dyads the talks wrote
        in those runs. (It refers to no talks: the talks keep it, and a cycle between them
        would keep a batch's arrays alive until a collection, which a batch pauses.)"""

        def states(q: int) -> list[State]:
            return per_run.states(int(rows[q]), r - 1)

        return _Past(
            H + r - 1, seen_moved[rows, : H + r - 1], t_start[rows], carried[rows], wrote,
            states=states if keep else None, net=None if net is None else net[rows],
            labels=tuple(e.label for e in fired),
        )  # fmt: skip

    talks = _Talks(rt, items, _play, on_look, past_of)
    if held:
        talks.hold_from_start(held, st)
    # a round's net change by decisions, over all its steps (with one step: ``st.moved``)
    net: Array | None = None if past is None else past.net
    fired: list[Event] = []
    t_start: Array = st.tariff
    carried: Array = st.moved
    for r in range(1, T + 1):
        threads.check_stop()  # a part of a batch no longer wanted ends here
        fired = by_round.get(r, [])
        t_start, carried = st.tariff, st.moved
        talks.wrote[:] = False
        first = past if r == 1 else None  # a look-ahead's first round: the game's, so far
        if first is not None:
            t_start, carried = first.t_start, first.carried
            talks.wrote |= first.wrote
        _fire_events(rt, st, fired)
        if first is not None and start is not None:  # the round's shock, felt in it
            st.shock = st.shock + start.shock
        events_log += [(r, e.label) for e in fired if e.label]
        talks.expire(st, r)
        talks.threats(st, r)
        for e in fired:
            if e.kind == "summit" and e.parties and game.negotiation.enabled:
                talks.bargain(st, r, e)
        rt.settle(st)
        labels = tuple(e.label for e in fired)
        if first is not None:
            labels = (*first.labels, *labels)
        # what a strategy deciding once a round sees (``once``): the changes since it
        # last decided, this round's announcements and talks over the last round's steps
        once = st
        if net is not None:
            fresh = (st.moved != carried) | (st.tariff != t_start) | talks.wrote
            once = dataclasses.replace(st, moved=np.where(fresh, st.moved, net))
        seen_moved[:, H + r - 1] = once.moved
        per_run.add(once)
        prev = st  # the round's post-event state: the round is scored from it
        total = np.zeros((R, K), dtype=np.int16)
        going = np.ones(R, dtype=bool)  # runs still moving within the round
        cur = st
        high: Array | None = None  # each tariff's highest level after a step of the round
        decides = game.decides(H + r)  # (no decision day in the round: every agent holds;
        # a look-ahead's rounds are the game's from H + 1)
        for step in range(steps):
            # the first step asks every agent; later ones the paced agents only, and
            # only in the runs still moving (a run's choices never depend on the others)
            if not decides:
                moves, ctl_moves = np.zeros((R, K), dtype=np.int8), []
                inactive = np.zeros(K, dtype=bool)
            elif step and not going.all():
                live = np.flatnonzero(going)
                sub_rt, sub_cur = rt.subset(live, cur)
                moves_l, ctl_l, inactive = _decide(
                    sub_rt, sub_cur, r, step, labels, seen_moved[live, : H + r], per_run, talks,
                    keypos, rows=live, shown=H + r,
                )  # fmt: skip
                moves = _scatter_rows(moves_l, live, R)
                ctl_moves = [(cd, _scatter_rows(mv, live, R)) for cd, mv in ctl_l]
            else:
                moves, ctl_moves, inactive = _decide(
                    rt, cur, r, step, labels, seen_moved[:, : H + r], per_run, talks, keypos,
                    once=None if step else once, shown=H + r,
                )  # fmt: skip
            if step == 0 and decides and len(noisy) and K:
                flip, alt = noise_moves(u[:, r - 1], rt.noise[:, None])
                flip &= ~inactive
                moves = np.where(flip, alt, moves).astype(np.int8)
            moves = talks.constrain(cur, moves, r)
            if step:  # a run that has come to rest stays at rest
                moves[~going] = 0
                ctl_moves = [(cd, np.where(going[:, None], mv, 0)) for cd, mv in ctl_moves]
            split_only = cur.off is None or not cur.off.any()  # every run on its split
            t, lay = rt.step_layers_of(cur, moves)
            ctl = cur.control
            if ctl_moves:
                ctl = ctl.copy()
                for cd, mv in ctl_moves:
                    for c, (a, b) in enumerate(cd):
                        i, j = rt.pos[a], rt.pos[b]
                        ctl[:, i, j] = w.control_ladders[(a, b)].step_many(ctl[:, i, j], mv[:, c])
            total += moves
            quiet = ~moves.any(axis=1)
            for _, mv in ctl_moves:
                quiet &= ~mv.any(axis=1)
            # at rest: nothing moved in this step nor in the one before, so the next
            # step would see the same state and make the same (no) moves
            going &= ~(quiet & ~cur.moved.reshape(R, -1).any(axis=1))
            cur = _States(
                tariff=t,
                control=ctl,
                peak=np.maximum(cur.peak, t),
                moved=t - cur.tariff,  # this step's change: what the next step answers
                support=prev.support,
                shock=prev.shock,  # this round's shock is felt this round
                adjust=prev.adjust,
                tie_loss=prev.tie_loss,
                grievance=prev.grievance,
                equity=prev.equity,
                bond=prev.bond,
                market_value=prev.market_value,
                layers=lay,
            )
            if split_only:  # ``lay`` is the new headlines' split: settled as it is
                cur.off = np.zeros(R, dtype=bool)
            else:
                rt.settle(cur)
            high = cur.tariff if high is None else np.maximum(high, cur.tariff)
            if step_tariff is not None:
                step_tariff[:, r, step] = cur.tariff
            if not going.any():
                if step_tariff is not None:
                    step_tariff[:, r, step + 1 :] = cur.tariff[:, None]
                break
        if steps > 1:
            net = cur.tariff - prev.tariff
        st = cur
        st.market_value = None
        moves = np.clip(total, -127, 127).astype(np.int8)
        rt.step_slow(st, t_start)
        # the market prices the new state: the index and bond stress move (true model)
        mk = rt.evaluate_state(rt.truth, st, prev)
        _priced(st, mk)
        _learn(rt, st)
        rec.add(r, st, prev, moves, mk, high)
        st.shock = np.zeros_like(st.support)
        if on_round is not None:
            on_round(r)
    rec.finish_steps(start_tariff)
    return {
        "arrays": _run_major(rec.arrays),
        "events": events_log,
        "agreements": talks.agreements.frozen(),
        "notes": talks.notes.frozen(),
    }


def meta_seed(seed: Any) -> int | str | None:
    """A run's seed as ``Path.meta`` keeps it (JSON): an int as it is, a SeedSequence as the
    text that makes it again, anything else (a Generator) None.

    >>> meta_seed(np.random.SeedSequence(7).spawn(3)[2])
    'SeedSequence(entropy=7, spawn_key=(2,))'
    """
    if isinstance(seed, bool | np.bool_):
        return None
    if isinstance(seed, int | np.integer):
        return int(seed)
    if isinstance(seed, np.random.SeedSequence):
        key = f", spawn_key={tuple(int(k) for k in seed.spawn_key)}" if seed.spawn_key else ""
        pool = f", pool_size={seed.pool_size}" if seed.pool_size != 4 else ""
        return f"SeedSequence(entropy={seed.entropy}{key}{pool})"
    return None


def _simulation_meta(game: Game, seed: Any) -> dict[str, Any]:
    """``Path.meta`` of one simulated run: the game's name, the seed (:func:`meta_seed`), the
    noise and its agents, the path's players (its tables show them, moved or not)."""
    return {
        "scenario": game.name,
        "seed": meta_seed(seed),
        "noise": game.noise,
        "kind": "simulation",
        "players": [a.code for a in game.agents],
    }


def _priced(st: _States, mk: Breakdown) -> None:
    """The index, bond stress and the value the market priced ``st`` at (``mk``, with its
    burden and support), set on ``st``.

    Copies ``(R, k)``: the breakdown's arrays hold every output of the evaluation,
    which a view would keep alive with the state (every round's, for per-run strategies).
    """
    st.equity, st.bond = np.array(mk.equity[:, 0]), np.array(mk.bond[:, 0])
    st.market_value = np.array(mk.market_value[:, 0])


@functools.cache
def _batch_only() -> frozenset[type]:
    """tariffsim's strategies whose ``act_batch`` reads the batch alone (never a run's states).

    Looked up on first use, not at import: importing :mod:`tariffsim.strategies` here
    would register its strategies before those of modules imported earlier.
    """
    from . import strategies as s

    a = agents_mod
    return frozenset(
        {
            a.Hold, a.TitForTat, a.GrimTrigger, a.MyopicBestResponse, s.AlwaysEscalate,
            s.AlwaysDeescalate, s.Random, s.GenerousTitForTat, s.Pavlov, s.ContriteTitForTat,
            s.FictitiousPlayer, s.FaceSavingRetreat, s.FirmButMeasured, s.DivideAndConquer,
            s.Brinkmanship, s.TransactionalDealmaker,
        }
    )  # fmt: skip


def _asks_states(strategy: Any) -> bool:
    """Whether ``strategy`` may ask for a run's whole-world states (:class:`_PerRunStates`).

    Any strategy may, but tariffsim's own batch strategies (exactly those classes, not
    subclasses: :func:`_batch_only`) and a :class:`~tariffsim.agents.Scripted` falling back
    to one of them.
    """
    if type(strategy) is agents_mod.Scripted:
        return _asks_states(strategy.then)
    return type(strategy) not in _batch_only()


class _PerRunStates:
    """Whole-world :class:`State` objects of single runs, built on demand.

    Only strategies without ``act_batch`` need them (:func:`_asks_states`); for
    those the engine keeps a snapshot of every round's arrays (``keep``) and
    builds a run's states when asked. Without them, every round's arrays would
    stay alive to the end of the play (about 100 MB for 5,000 runs of
    ``us-china-145``).
    """

    def __init__(self, rt: _Run, keep: bool = True, past: _Past | None = None) -> None:
        self.rt, self.keep, self.past = rt, keep, past
        self.snaps: list[_States] = []
        self.cache: dict[int, list[State]] = {}

    def add(self, st: _States) -> None:
        if self.keep:
            self.snaps.append(dataclasses.replace(st))

    def states(self, q: int, upto: int) -> list[State]:
        """Run ``q``'s states of rounds 1 to ``upto`` of this play, after those of the
        game's rounds before it (``past``: a look-ahead's)."""
        if not self.keep:
            raise RuntimeError("tariffsim: a run's states were asked for but not kept (a bug).")
        c = self.cache.setdefault(q, [])
        while len(c) < upto:
            c.append(self.rt.full_state(self.snaps[len(c)], q))
        if self.past is None or self.past.states is None:
            return c[:upto]
        return [*self.past.states(q), *c[:upto]]


@dataclasses.dataclass(frozen=True)
class _Past:
    """The rounds a game played before one of its look-aheads starts, as its strategies saw
    them: the look-ahead's strategies see them as their history, and its rounds numbered
    after them (round 1 of the look-ahead is round ``rounds + 1`` of the game).

    ``seen_moved`` ``(R, rounds, k, k)``: the look-ahead's runs' ``moved`` of each of those
    rounds (:attr:`BatchObservation.seen_moved`); ``states(q)``: run ``q``'s states of those
    rounds (``Observation.history``), None where no strategy asks for them. The round the
    look-ahead starts in, as the game has played it so far: its tariffs and moves before
    its events (``t_start``, ``carried``), the dyads the talks wrote in it (``wrote``), the
    net change of the round before over its decision steps (``net``, None with one step)
    and its events' labels (``labels``): its strategies see round 1 of the look-ahead as
    they would see the game's round (``moved``, ``events``).
    """

    rounds: int
    seen_moved: Array
    t_start: Array
    carried: Array
    wrote: Array
    states: Callable[[int], list[State]] | None = None
    net: Array | None = None
    labels: tuple[str, ...] = ()


def _learn(rt: _Run, st: _States) -> None:
    """Every agent's beliefs after seeing the new state (as :meth:`Beliefs.update`)."""
    for ag in rt.agents:
        if not ag.learns:
            continue
        changes: dict[str, Any] = {}
        for name in ag.learn:
            cur = getattr(ag.perceived, name)
            tru = getattr(rt.truth, name)
            if cur.ndim == 4 and name not in _SCALAR_4D:  # per dyad
                if ag.i is None:
                    continue
                rate = np.zeros((st.tariff.shape[0], 1, rt.k, rt.k))
                rate[:, 0, ag.i] = per_time(
                    ag.rate[:, 0, 0] * np.minimum(st.tariff[:, ag.i], 1.0), rt.days
                )
                cur = cur + rate * (tru - cur)
            else:
                lr = per_time(ag.rate.reshape((-1,) + (1,) * (cur.ndim - 1)), rt.days)
                cur = cur + lr * (tru - cur)
            changes[name] = cur
        for name, v in changes.items():
            object.__setattr__(ag.perceived, name, v)


def _round_major(shape: tuple[int, ...], dtype: Any = float) -> Any:
    """Zeros of ``shape`` (R, T, ...) stored round by round (one round's runs contiguous).

    The engine writes one round of every run at a time; :func:`_run_major`
    gives the usual layout at the end.
    """
    return np.zeros((shape[1], shape[0], *shape[2:]), dtype=dtype).swapaxes(0, 1)


def _run_major(arrays: dict[str, Any]) -> dict[str, Any]:
    """Record arrays in C order (runs first), one field at a time (``arrays`` is emptied)."""
    return {k: np.ascontiguousarray(arrays.pop(k)) for k in list(arrays)}


def record_bytes(game: Game, rounds: int, runs: int, record: str) -> int:
    """Bytes of the arrays :func:`simulate_batch` keeps for ``runs`` runs of ``rounds`` rounds.

    The sizes :class:`_Record` allocates, per run and round: every layer slot,
    and for ``"full"`` the ``n × n`` fields, the moves, the payoff terms, the
    per-country indicators and the tariffs of each decision step; for
    ``"compact"`` the ladder dyads' tariffs, controls and moves and four
    per-country indicators.

    >>> g = ts.load_scenario("us-china-145").game
    >>> record_bytes(g, 52, 10_000, "compact") < record_bytes(g, 52, 10_000, "full")
    True
    """
    w = game.world
    n = w.n
    per = 8 * sum(len(lays) for lays in w.instruments.values())  # layer slots
    if record == "full":
        per += 8 * (4 + len(SLOW_FIELDS)) * n * n + 8 * n * n + 8 * len(TERMS) * n + 8 * 7 * n
        steps = game.steps if any(_paced(a.strategy) for a in game.agents) else 1
        if steps > 1:  # the tariffs at each decision step of a round
            per += 8 * steps * n * n
    else:
        layout = _compact_layout(w).values()
        per = sum(math.prod(tail) * np.dtype(dtype).itemsize for tail, dtype in layout)
    return per * runs * (rounds + 1)


def _gather(
    dyads: Sequence[tuple[str, str]], pos: Mapping[str, int]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """The positions in ``dyads`` of those between involved countries, and their importers'
    and exporters' positions ``pos`` (what a record's round reads in one gather)."""
    got = [(c, pos[a], pos[b]) for c, (a, b) in enumerate(dyads) if a in pos and b in pos]
    cols = np.array([c for c, _, _ in got], dtype=np.intp)
    importers = np.array([i for _, i, _ in got], dtype=np.intp)
    exporters = np.array([j for _, _, j in got], dtype=np.intp)
    return cols, importers, exporters


def _compact_layout(world: World) -> dict[str, tuple[tuple[int, ...], Any]]:
    """The arrays of a compact record: name → (shape after the run and round axes, dtype).

    Layer slots (every layer of every dyad with instruments), tariffs, controls
    and moves on the ladder dyads, and the per-country payoff, recession odds,
    approval and drawdown (see :class:`PathBatch`).
    """
    n, d = world.n, len(world.ladders)
    slots = sum(len(lays) for lays in world.instruments.values())
    out: dict[str, tuple[tuple[int, ...], Any]] = {
        "layers": ((slots,), np.float64),
        "tariff": ((d,), np.float64),
        "high": ((d,), np.float64),
        "control": ((len(world.control_ladders),), np.float64),
        "moves": ((d,), np.int8),
    }
    for name in ("payoff", "recession", "approval", "drawdown"):
        out[name] = ((n,), np.float64)
    return out


class _Record:
    """Per-run, per-round record arrays: preallocated (round by round), or given.

    ``out`` (compact records only): run-major arrays ``(R, T+1, ...)`` of
    :func:`_compact_layout` to write into, in place of new ones (views of
    the whole batch's arrays: a part of a batch writes its own runs' rows, so
    nothing is concatenated afterwards). ``look_layers``: a look-ahead's
    record (mode ``"look"``) keeps the layers.
    """

    def __init__(
        self,
        rt: _Run,
        mode: str,
        out: Mapping[str, Array] | None = None,
        look_layers: bool = True,
    ) -> None:
        self.rt, self.mode = rt, mode
        R, n, T = rt.runs, rt.n, rt.rounds + 1
        w = rt.world
        self.dyads = tuple(w.ladders)
        self.cdyads = tuple(w.control_ladders)
        self.full = mode == "full"
        a: dict[str, Any] = {}
        self.look = mode == "look"
        if self.look:  # a bargain's look-ahead: tariffs, controls, layers; involved countries
            a["tariff"] = _round_major((R, T, rt.k, rt.k))
            a["control"] = _round_major((R, T, rt.k, rt.k))
            if look_layers:
                a["layers"] = _round_major((R, T, len(w.layer_names), rt.k, rt.k))
            self.arrays = a
            return
        # the levels of every layer of every dyad with instruments: (importer, exporter, layer)
        self.slots = tuple(
            (a_, b_, x.name) for (a_, b_), lays in w.instruments.items() for x in lays
        )
        if self.full:
            a["layers"] = _round_major((R, T, len(self.slots)))
            for name in ("tariff", "effective", "control", "perceived_pass_through", *SLOW_FIELDS):
                a[name] = _round_major((R, T, n, n))
            a["moves"] = _round_major((R, T, n, n), dtype=np.int64)
            a["terms"] = _round_major((R, T, len(TERMS), n))
            for name in ("payoff", "recession", "approval", "drawdown", "burden", "equity", "bond"):
                a[name] = _round_major((R, T, n))
        else:
            for name, (tail, dtype) in _compact_layout(w).items():
                given = None if out is None else out.get(name)
                a[name] = _round_major((R, T, *tail), dtype) if given is None else given
        self.arrays = a
        # indicators of countries no tariff touches: their free-trade values
        truth = rt.truth_full
        base = rt.truth_over.get("recession_base", np.asarray(truth.recession_base)[None])
        slope = rt.truth_over.get("recession_slope", np.asarray(truth.recession_slope)[None])
        fill = recession_odds(np.zeros((1, n)), base, np.reshape(slope, (-1, 1)))
        appr = rt.truth_over.get("approval_base", np.asarray(truth.approval_base)[None])
        # written once for every round: each round writes the involved countries' columns
        a["recession"][...] = np.broadcast_to(fill, (R, n))[:, None]
        a["approval"][...] = np.broadcast_to(appr, (R, n))[:, None]
        self.others = np.setdiff1d(np.arange(n), rt.idx)
        tv = rt.truth_over.get("tie_value", np.asarray(truth.tie_value)[None])
        weight = rt.game.model.weights[TERMS.index("alliance")]
        self.tie_cost = -(weight * np.broadcast_to(tv, (R, n)))[:, self.others]
        pos = rt.pos
        # the record's columns the involved countries fill, and where each is read from
        self.dyad_cols = _gather(self.dyads, pos)
        self.cdyad_cols = _gather(self.cdyads, pos)
        self.slot_cols = _gather([(a_, b_) for a_, b_, _ in self.slots], pos)
        self.slot_rows = np.array(
            [w.layer_index(nm) for a_, b_, nm in self.slots if a_ in pos and b_ in pos],
            dtype=np.intp,
        )
        kc = [(c, rt.key_col[d]) for c, d in enumerate(self.dyads) if d in rt.key_col]
        self.move_cols = (
            np.array([c for c, _ in kc], dtype=np.intp),
            np.array([x for _, x in kc], dtype=np.intp),
        )
        if self.full:
            pt = rt.truth_over.get("pass_through", np.asarray(truth.pass_through)[None])
            self.pt_base = np.array(np.broadcast_to(pt, (R, n, n)))
            for ag in rt.agents:
                row = ag.full_over.get("pass_through", np.asarray(ag.full_base.pass_through)[None])
                self.pt_base[:, w.index(ag.code)] = np.broadcast_to(row, (R, n, n))[
                    :, w.index(ag.code)
                ]

    def step_tariff(self, steps: int) -> Array | None:
        """The buffer ``(R, T+1, steps, k, k)`` of tariffs after each decision step, or None.

        Kept in a full record of a game with several decision steps per
        round; :meth:`finish_steps` turns it into the whole-world array.
        """
        if not self.full or steps < 2:
            return None
        rt = self.rt
        self._steps = np.zeros((rt.runs, rt.rounds + 1, steps, rt.k, rt.k))
        return self._steps

    def finish_steps(self, start: Array) -> None:
        """Store the step record on the whole world; row 0 holds the start ``(R, k, k)``."""
        buf = getattr(self, "_steps", None)
        if buf is None:
            return
        rt = self.rt
        buf[:, 0] = start[:, None]
        out = np.zeros((*buf.shape[:3], rt.n, rt.n))
        out[..., rt.idx[:, None], rt.idx[None, :]] = buf
        self.arrays["step_tariff"] = out

    def add(
        self,
        r: int,
        st: _States,
        prev: _States | None,
        moves: NDArray[np.int8],
        bd: Breakdown | None = None,
        high: Array | None = None,
    ) -> None:
        """Record round ``r``; ``bd`` is the true breakdown of ``st`` when already computed,
        ``high`` ``(R, k, k)`` each tariff's highest level after a decision step of the round
        (default ``st.tariff``: one step)."""
        rt, a = self.rt, self.arrays
        if self.look:
            a["tariff"][:, r] = st.tariff
            a["control"][:, r] = st.control
            if st.layers is not None and "layers" in a:
                a["layers"][:, r] = st.layers
            return
        if st.layers is not None and self.slot_rows.size:
            at, si, sj = self.slot_cols
            a["layers"][:, r, at] = st.layers[:, self.slot_rows, si, sj]
        idx: Any = rt.idx
        if len(idx) and idx[-1] - idx[0] + 1 == len(idx):  # a run of countries: a slice
            idx = slice(int(idx[0]), int(idx[-1]) + 1)
        if bd is None:
            bd = rt.evaluate_state(rt.truth, st, prev)
        if self.others.size:  # third parties pay for the ties others eroded with them
            tie_rows = rt.ties_of(st, rows=True)
            if tie_rows is not None:  # the involved rows carry the loss
                held = _tie_rows_held_others(
                    tie_rows, rt.idx, self.others, rt.world.ties, lambda: rt.ties_of(st)
                )
            elif (cls := rt.tie_classes(loss := rt.ties_of(st))) is None:
                held = tie_held(loss, rt.world.ties)[:, self.others]
            else:  # runs with the same tie losses: computed once
                held = tie_held(loss[cls[0]], rt.world.ties)[:, self.others][cls[1]]
            lost = self.tie_cost * held
            a["payoff"][:, r, self.others] = lost
            if self.full:
                a["terms"][:, r, TERMS.index("alliance"), self.others] = lost
        for name, v in (("payoff", bd.total), ("drawdown", bd.drawdown)):
            a[name][:, r, idx] = v[:, 0]
        a["recession"][:, r, idx] = bd.recession[:, 0]
        a["approval"][:, r, idx] = bd.approval[:, 0]
        if not self.full:
            hi = st.tariff if high is None else high
            at, i, j = self.dyad_cols
            if at.size:
                a["tariff"][:, r, at] = st.tariff[:, i, j]
                a["high"][:, r, at] = hi[:, i, j]
            at, i, j = self.cdyad_cols
            if at.size:
                a["control"][:, r, at] = st.control[:, i, j]
            at, kc = self.move_cols
            if at.size:
                a["moves"][:, r, at] = moves[:, kc]
            return
        if isinstance(idx, slice):
            rows, cols = idx, idx
        else:
            rows, cols = idx[:, None], idx[None, :]
        a["tariff"][:, r][:, rows, cols] = st.tariff
        a["control"][:, r][:, rows, cols] = st.control
        a["adjust"][:, r][:, rows, cols] = st.adjust
        a["grievance"][:, r][:, rows, cols] = st.grievance
        a["tie_loss"][:, r] = rt.ties_of(st)
        a["effective"][:, r][:, rows, cols] = bd.effective[:, 0]
        a["burden"][:, r, idx] = bd.burden[:, 0]
        a["equity"][:, r, idx] = st.equity
        a["bond"][:, r, idx] = st.bond
        for t, term in enumerate(TERMS):
            a["terms"][:, r, t, idx] = bd.weighted(term)[:, 0]
        w = rt.world
        for c, (x, y) in enumerate(rt.keys):
            a["moves"][:, r, w.index(x), w.index(y)] = moves[:, c]
        pt = a["perceived_pass_through"][:, r]
        pt[:] = self.pt_base
        for ag in rt.agents:
            if ag.i is None:
                continue
            p = ag.perceived.pass_through  # (R', 1, k, k)
            row = np.broadcast_to(p[:, 0, ag.i], (rt.runs, rt.k))
            pt[:, w.index(ag.code), idx] = row


def _fire_events(rt: _Run, st: _States, events: Sequence[Event]) -> None:
    """Apply the round's scheduled events to every run at once (in place)."""
    if not events:
        st.shock = np.zeros_like(st.support)
        return
    t, c = st.tariff.copy(), st.control.copy()
    support, shock = st.support.copy(), np.zeros_like(st.support)
    moved = np.zeros_like(t)
    pos = rt.pos
    w = rt.world
    lay = None if st.layers is None else np.array(st.layers)
    for e in events:
        if e.kind == "set":
            i, j = pos[e.importer], pos[e.exporter]
            if e.layer and lay is not None:  # that layer is set; the headline is the sum
                rows = w._layer_rows[(e.importer, e.exporter)]
                lay[:, w.layer_index(e.layer), i, j] = e.level
                new = rt.headline(lay[:, rows, i, j])
            elif e.layer:
                new = w.set_layer(e.importer, e.exporter, e.layer, t[:, i, j], e.level)
            else:
                new = np.full(t.shape[0], e.level)
            if lay is not None and not e.layer:  # a headline set: the dyad's canonical split
                t_new = np.array(t)
                t_new[:, i, j] = new
                lay = rt.resplit(lay, t, t_new)
            moved[:, i, j] += new - t[:, i, j]
            t[:, i, j] = new
        elif e.kind == "control":
            c[:, pos[e.importer], pos[e.exporter]] = e.level
        elif e.kind == "shock":
            shock[:, pos[e.country]] += e.value
        elif e.kind == "threat":
            shock[:, pos[e.importer or e.country]] += e.value
        elif e.kind == "support":
            support[:, pos[e.country]] += e.value
    st.peak = np.maximum(st.peak, t)
    st.moved = np.where(moved != 0, moved, st.moved)
    st.tariff, st.control, st.support, st.shock = t, c, support, shock
    st.layers = lay
    rt.settle(st)


def _streams_for(game: Game, seed: Any, rng: Any) -> _Streams:
    """The random streams of one run, from ``simulate``'s ``seed`` / ``rng``."""
    if seed is not None and rng is not None:
        raise ParameterError("give `seed` or `rng`, not both.")
    src = seed if rng is None else rng
    if isinstance(src, np.random.Generator):
        ss = src.bit_generator.seed_seq
        if not isinstance(ss, np.random.SeedSequence):
            raise ParameterError(
                "`rng` must be a Generator seeded by a SeedSequence (e.g. "
                f"numpy.random.default_rng(seed)); got {src!r}."
            )
        offset = ss.n_children_spawned
        ss.spawn(len(game.agents) + 1)  # a Generator's streams are used up, as by its spawn()
        return _Streams([ss], [offset], type(src.bit_generator))
    if src is None:
        return _Streams.of_seeds([np.random.SeedSequence()])
    if not isinstance(src, np.random.SeedSequence) and not is_seed(src):
        name = "seed" if rng is None else "rng"
        raise ParameterError(
            f"`{name}` must be an int >= 0 (below 2**{SEED_BITS}), a SeedSequence or a "
            f"Generator; got {short_repr(src)}."
        )
    return _Streams.of_seeds([src])


def simulate(
    game: Game,
    rounds: int | None = None,
    *,
    seed: int | np.random.SeedSequence | None = None,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Path:
    """Play ``rounds`` simultaneous rounds of ``game`` and record the path.

    The one-run case of :func:`simulate_batch` (the same code path).

    Parameters
    ----------
    game : Game
    rounds : int, optional
        Default ``game.rounds``.
    seed, rng : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Source of randomness (give one). The same seed gives a bit-identical
        :class:`~tariffsim.path.Path`. A Generator's streams are spawned from
        it (as :meth:`numpy.random.Generator.spawn` does); a SeedSequence is
        not consumed.

    Returns
    -------
    Path
        Row 0 is the starting state; row ``r`` the state after round ``r``.

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> p = ts.simulate(sc.game, 12, seed=0)
    >>> len(p)
    13
    """
    _check_game(game)
    rounds = _check_rounds(game.rounds if rounds is None else rounds)
    check_calendar(game, rounds)
    _check_steps(game, rounds)
    streams = _streams_for(game, seed, rng)
    out = _play(game, rounds, [], streams, "full")
    dates = np.array([game.date(k) for k in range(rounds + 1)], dtype="datetime64[D]")
    w = game.world
    fields: dict[str, Any] = {k: v[0] for k, v in out["arrays"].items()}
    fields.update(
        layers=_path_layers(w, fields["tariff"], fields["layers"]),
        layer_names=w.layer_names,
        hit_share=w.hit_share,
    )
    return Path(
        codes=w.codes,
        dates=dates,
        events=_merge_events(out["events"], out["notes"][0]),
        meta=_simulation_meta(game, seed),
        agreements=out["agreements"][0],
        **fields,
    )


def _merge_events(
    events: Sequence[tuple[int, str]], notes: Sequence[tuple[int, str]]
) -> tuple[tuple[int, str], ...]:
    """The scheduled events and one run's notes (threats, breaches), by round (stable)."""
    both = [(r, 0, k, s) for k, (r, s) in enumerate(events)]
    both += [(r, 1, k, s) for k, (r, s) in enumerate(notes)]
    return tuple((r, s) for r, _, _, s in sorted(both))


def control_moves(
    obs: Observation, tariff_moves: Mapping[tuple[str, str], int], dyads: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The agent's best export-control moves on ``dyads``, on its perceived model.

    Every combination of -1/0/+1 steps on the control ladders of ``dyads``
    (``3**k`` profiles) is scored with the agent's perceived payoff of the
    next state — its own tariff moves ``tariff_moves`` applied, everyone
    else holding — reached from ``obs.state``; the best wins. Ties go to the
    smaller change (hold first), then to easing before tightening.
    Deterministic.

    Examples
    --------
    >>> cn = next(a for a in ts.load_scenario("rare-earth-100").game.agents if a.code == "CN")
    >>> cn.controls
    ('US',)
    """
    w = obs.world
    dyads = tuple(dyads)
    if not dyads:
        return {}
    limits.check(
        "max_combinations",
        3 ** len(dyads),
        f"export controls of {obs.me}: 3**{len(dyads)} profiles",
    )
    base = apply_moves(w, obs.state, {d: int(m) for d, m in tariff_moves.items()})
    profiles = sorted(
        itertools.product((0, -1, 1), repeat=len(dyads)),
        key=lambda p: (sum(abs(x) for x in p), [x != -1 for x in p]),
    )
    nexts = []
    for prof in profiles:
        c = np.array(obs.state.control)
        for (a, b), m in zip(dyads, prof, strict=True):
            i, j = w.index(a), w.index(b)
            c[i, j] = w.control_ladders[(a, b)].step(c[i, j], int(m))
        nexts.append(base.replace(control=c, shock=obs.state.shock))
    pay = obs.model.payoff(StateBatch.stack(nexts), prev=obs.state)[:, w.index(obs.me)]
    best = int(best_index(pay))
    return {d: int(m) for d, m in zip(dyads, profiles[best], strict=True)}


class _Recorder:
    """Accumulates per-round arrays, then builds the Path."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self.rows: dict[str, list[Any]] = {k: [] for k in ARRAY_FIELDS}
        self.market: dict[str, list[Any]] = {"equity": [], "bond": []}
        self.slow: dict[str, list[Any]] = {}
        self.layers: list[Any] = []

    def add(
        self, state: State, prev: State | None, moves: np.ndarray, beliefs: Mapping[str, Beliefs]
    ) -> None:
        w = self.game.world
        bd = self.game.model.breakdown(state, prev)
        pp = np.array(self.game.model.params.pass_through)
        for code, b in beliefs.items():
            i = w.index(code)
            pp[i] = b.perceived.pass_through[i]
        r = self.rows
        r["tariff"].append(state.tariff)
        r["effective"].append(bd.effective[0])
        r["control"].append(state.control)
        r["moves"].append(moves)
        r["terms"].append(np.stack([bd.weighted(t)[0] for t in TERMS]))
        r["payoff"].append(bd.total[0])
        r["recession"].append(bd.recession[0])
        r["approval"].append(bd.approval[0])
        r["drawdown"].append(bd.drawdown[0])
        r["burden"].append(bd.burden[0])
        r["perceived_pass_through"].append(pp)
        self.market["equity"].append(state.equity)
        self.market["bond"].append(state.bond)
        for name in SLOW_FIELDS:
            self.slow.setdefault(name, []).append(getattr(state, name))
        self.layers.append(state.layered(w).layers)

    def path(self, events: list[tuple[int, str]], *, seed: int | None) -> Path:
        g = self.game
        n = len(self.rows["tariff"])
        dates = np.array([g.date(k) for k in range(n)], dtype="datetime64[D]")
        fields: dict[str, Any] = {k: np.stack(v) for k, v in self.rows.items()}
        fields.update({k: np.stack(v) for k, v in self.market.items()})
        fields.update({k: np.stack(v) for k, v in self.slow.items()})
        w = g.world
        fields.update(
            layers=np.stack(self.layers), layer_names=w.layer_names, hit_share=w.hit_share
        )
        return Path(
            codes=w.codes,
            dates=dates,
            events=tuple(events),
            meta=_simulation_meta(g, seed),
            **fields,
        )


def _entries_per_run(game: Game) -> int:
    """Candidate-state entries of a run's largest evaluation in ``game`` (at least 1).

    An entry is one (candidate, segment, importer, exporter) of the largest
    evaluation an agent makes (``3**d`` own-move profiles on ``d`` dyads, or
    ``3**c`` export-control profiles), on the countries the game involves.
    """
    rt = _Run(game, 1, [], _Streams.of_seeds([0]))
    profiles = max([3 ** max(len(a.dyads), len(a.controls)) for a in rt.agents] or [1])
    return max(1, profiles * rt.view.seg_share.shape[0] * rt.k * rt.k)


def _threadable(game: Game) -> bool:
    """Whether ``game``'s runs may be played on several threads at once.

    Only when every agent's strategy, and every strategy it plays in turn
    (:class:`~tariffsim.agents.Scripted`'s ``then``), is one of tariffsim's
    own (:mod:`tariffsim.agents`, :mod:`tariffsim.strategies`: frozen, keeping
    no state between calls): a user's strategy may keep state that two
    threads would share, so its batches are played on one thread, as before.
    """
    return all(_own_strategy(a.strategy) for a in game.agents)


def _own_strategy(strategy: Any) -> bool:
    """Whether ``strategy`` and every strategy it plays (a field holding one, as
    :class:`~tariffsim.agents.Scripted`'s ``then``) are tariffsim's own."""
    if type(strategy).__module__ not in ("tariffsim.agents", "tariffsim.strategies"):
        return False
    if not dataclasses.is_dataclass(strategy):
        return True
    for f in dataclasses.fields(strategy):
        v = getattr(strategy, f.name, None)
        inner = v if isinstance(v, tuple | list) else (v,)
        if any(isinstance(x, Strategy) and not _own_strategy(x) for x in inner):
            return False
    return True


def _record_layout(
    world: World, rounds: int, runs: int, names: Sequence[str] | None = None
) -> dict[str, tuple[tuple[int, ...], Any]]:
    """Shapes ``(runs, rounds+1, ...)`` and dtypes of a compact record's arrays (those of
    ``names``, default all): :func:`_compact_layout` with the run and round axes."""
    return {
        name: ((runs, rounds + 1, *tail), dtype)
        for name, (tail, dtype) in _compact_layout(world).items()
        if names is None or name in names
    }


def _record_arrays(
    world: World,
    rounds: int,
    runs: int,
    given: Mapping[str, Array] | None,
    names: Sequence[str] | None = None,
) -> dict[str, Array]:
    """The run-major arrays ``(runs, rounds+1, ...)`` of a compact record (those of ``names``,
    default all): those ``given`` (checked: the layout's shape and dtype), zeros for the rest."""
    out: dict[str, Array] = {}
    for name, (shape, dtype) in _record_layout(world, rounds, runs, names).items():
        a = None if given is None else given.get(name)
        if a is not None and (a.shape != shape or a.dtype != dtype or not a.flags.c_contiguous):
            raise ParameterError(
                f"record array {name!r}: shape {a.shape} and dtype {a.dtype} (C order: "
                f"{a.flags.c_contiguous}); expected {shape} and {np.dtype(dtype)}, C order."
            )
        out[name] = np.zeros(shape, dtype) if a is None else a
    return out


def _part_ranges(n: int, chunk: int, workers: int, fewest: int) -> list[tuple[int, int]]:
    """Contiguous ranges of runs covering ``range(n)``, played one :func:`_play` each.

    At most ``chunk`` runs per part (bounded working memory). With several
    ``workers``, as many parts as it takes to give each worker one (a
    multiple of ``workers``), as long as every part keeps ``fewest`` runs
    (below that a part's Python overhead, which holds the GIL, outweighs
    the work it frees). Part sizes differ by one run at most.

    Examples
    --------
    >>> _part_ranges(10, 8, 1, 2)
    [(0, 5), (5, 10)]
    >>> _part_ranges(10, 8, 2, 2), _part_ranges(10, 8, 2, 6)
    ([(0, 5), (5, 10)], [(0, 5), (5, 10)])
    >>> _part_ranges(12, 8, 3, 4)
    [(0, 4), (4, 8), (8, 12)]
    """
    if n <= 0:
        return []
    count = -(-n // chunk)
    if workers > 1:
        want = -(-count // workers) * workers
        count = max(count, min(want, n // max(fewest, 1)))
    cuts = [n * i // count for i in range(count + 1)]
    return list(itertools.pairwise(cuts))


_RUN_MEMO = True
"""False: every run of a batch is played, even runs that repeat one another (the tests'
reference for :func:`_same_runs`)."""


def _draws_nothing(game: Game, items: Sequence[tuple[parampath.ParamPath, Array]]) -> bool:
    """Whether no run of ``game`` draws a random number: no execution noise in any run and
    no strategy that may draw (:func:`may_draw`)."""
    noise = [v for pp, v in items if pp.kind == "noise"]
    if np.any(noise[-1] != 0) if noise else game.noise != 0:
        return False
    return not any(may_draw(a.strategy) for a in game.agents)


def may_draw(strategy: Any) -> bool:
    """Whether ``strategy`` may draw from its ``rng``: unless it is one of tariffsim's own
    (:func:`_own_strategy`) and its traits say ``stochastic=False``.

    A strategy of the user's is taken to draw whatever its traits say: ``Traits()``
    defaults to ``stochastic=False``, and one that draws without saying so would
    otherwise have every run of a batch, an ensemble or a tournament's repetitions
    copied from the first.
    """
    traits = getattr(strategy, "traits", None)
    if traits is None or bool(getattr(traits, "stochastic", True)):
        return True
    return not _own_strategy(strategy)


def runs_alike(game: Game, overrides: Mapping[str, Any] | None, runs: int) -> bool:
    """Whether all ``runs`` runs of a batch would play the same path.

    True when no run draws a random number (no execution noise, every
    strategy deterministic) and every run's ``overrides`` are equal bit for
    bit: then each run is :func:`simulate` of the same game with a seed it
    never reads.

    Examples
    --------
    >>> g = ts.load_scenario("us-china-145").game  # noise 0, myopic agents
    >>> runs_alike(g, None, 5), runs_alike(g, {"noise": [0.0, 0.1]}, 2)
    (True, False)
    """
    items = _check_overrides(game, overrides or {}, runs)
    if runs < 2 or not _draws_nothing(game, items):
        return False
    return all(bool((v.view(np.uint64) == v.view(np.uint64)[0]).all()) for _, v in items)


def _same_runs(
    game: Game, items: Sequence[tuple[parampath.ParamPath, Array]], runs: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """Runs of a batch that would play the same path: representatives and each run's class.

    Only when no run draws a random number (:func:`_draws_nothing`): a run is
    then fixed by its overrides alone, and runs whose override values are equal
    bit for bit play the same path (each is :func:`simulate` with its own
    seed, which it never reads). None when every run is distinct or the memo is
    off (:data:`_RUN_MEMO`).
    """
    if not _RUN_MEMO or runs < 2 or not _draws_nothing(game, items):
        return None
    if not items:
        return np.zeros(1, dtype=np.intp), np.zeros(runs, dtype=np.intp)
    cols = np.stack([np.ascontiguousarray(v, dtype=float).view(np.uint64) for _, v in items], 1)
    _, first, inv = np.unique(cols, axis=0, return_index=True, return_inverse=True)
    if len(first) == runs:
        return None
    order = np.argsort(first, kind="stable")  # representatives in run order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inv.reshape(-1)]


class _Ticks:
    """Progress of a part of ``runs`` runs, counted with ``advance(k)`` as its work is done.

    Each round weighs one, plus the rounds the talks' look-aheads are expected to play in it
    (:func:`tariffsim._talks.look_rounds`: a summit's round weighs some 25 others in
    ``us-china-145``); ``runs * done // total`` runs are counted when ``done`` of the
    ``total`` weight is. The part calls the object once each round is played (``on_round``)
    and :meth:`look` once each look-ahead round is (``on_look``), so a bar moves through
    a summit's round too; a look-ahead never counts past its round's own weight, and the
    round's end counts the whole of it (every run is counted once, at the last round).

    >>> done = []
    >>> tick = _Ticks(done.append, 10, [1, 1, 1, 1])
    >>> for r in range(1, 5):
    ...     tick(r)
    >>> done, sum(done)
    ([2, 3, 2, 3], 10)
    >>> done = []
    >>> tick = _Ticks(done.append, 8, [1, 4, 1, 1, 1])  # round 2: 3 look-ahead rounds
    >>> tick(1)
    >>> for _ in range(4):  # (a fourth is past round 2's share: not counted)
    ...     tick.look()
    >>> tick(2)
    >>> done
    [1, 1, 1, 1, 1]
    >>> for r in (3, 4, 5):
    ...     tick(r)
    >>> sum(done)
    8
    """

    def __init__(self, advance: Callable[[int], None], runs: int, weights: Sequence[int]):
        self.advance, self.runs = advance, runs
        self.cum = list(itertools.accumulate(weights, initial=0))
        """``cum[r]``: the weight of rounds 1 to ``r``."""
        self.done = 0
        self.counted = 0
        self.round = 0
        """The last round played."""

    def __call__(self, r: int) -> None:
        self.round = r
        self.done = self.cum[r]
        self._count()

    def look(self) -> None:
        cap = self.cum[min(self.round + 1, len(self.cum) - 1)] - 1  # (the round's own weight)
        if self.done < cap:
            self.done += 1
            self._count()

    def _count(self) -> None:
        now = self.runs * self.done // self.cum[-1]
        if now > self.counted:
            self.advance(now - self.counted)
            self.counted = now


def simulate_batch(
    game: Game,
    rounds: int | None = None,
    *,
    seeds: Sequence[SeedLike],
    overrides: Mapping[str, Any] | None = None,
    record: str = "full",
    _out: Mapping[str, Array] | None = None,
) -> PathBatch:
    """Play ``len(seeds)`` runs of ``game`` and record them in one :class:`PathBatch`.

    Parameters
    ----------
    game : Game
    rounds : int, optional
        Default ``game.rounds``.
    seeds : sequence of int or numpy.random.SeedSequence
        One per run (ints >= 0). Run ``r`` is bit-identical to
        ``simulate(parampath.apply(game, {p: v[r]}), rounds, seed=seeds[r])``.
    overrides : mapping of str to array_like (R,), optional
        Parameter path (:mod:`tariffsim.parampath`) → one value per run.
    record : {"full", "compact"}
        ``"full"`` keeps every :class:`~tariffsim.path.Path` field;
        ``"compact"`` keeps tariffs, controls and moves on ladder dyads and
        the per-country payoff, recession odds, approval and drawdown.

    Returns
    -------
    PathBatch

    Raises
    ------
    ParameterError, UnknownNameError
        For bad seeds, rounds, record mode, unknown parameter paths or
        override values of the wrong length, non-finite or out of range —
        before any run starts.

    Notes
    -----
    A large batch is played in parts of whole runs, several at once on
    threads (:func:`tariffsim.threads.for_parts`; their number is
    :func:`tariffsim.threads.count`) when every strategy of the game is one
    of tariffsim's own; a run's numbers are the same whatever the parts.
    A compact record is written by the parts into the batch's arrays in
    place (each part its own runs' rows), never concatenated. (``_out``,
    private: arrays of a compact record ``(R, rounds+1, ...)`` to write
    into, as an in-process ensemble passes its own arrays' rows.)

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> pb = ts.simulate_batch(sc.game, 12, seeds=[0, 1],
    ...                        overrides={"truth:pass_through.US.CN": [0.95, 0.5]})
    >>> pb.tariff.shape
    (2, 13, 10, 10)
    """
    _check_game(game)
    rounds = _check_rounds(game.rounds if rounds is None else rounds)
    check_calendar(game, rounds)
    _check_steps(game, rounds)
    mode = _check_record(record)
    n = None
    if hasattr(seeds, "__len__") and not isinstance(seeds, str | bytes):  # (before each seed
        # is checked: twenty million of them take a minute)
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            n = len(seeds)
    if n is not None:
        limits.check("max_result_bytes", record_bytes(game, rounds, n, mode),
                     f"a batch of {n} runs, record={mode!r}, bytes")  # fmt: skip
    seeds_t = check_seeds(seeds)
    limits.check("max_result_bytes", record_bytes(game, rounds, len(seeds_t), mode),
                 f"a batch of {len(seeds_t)} runs, record={mode!r}, bytes")  # fmt: skip
    items = _check_overrides(game, overrides, len(seeds_t))
    classes = _same_runs(game, items, len(seeds_t))
    play_seeds, play_items = seeds_t, items
    if classes is not None:  # runs that draw nothing and share every input: played once
        first, inv = classes
        play_seeds = tuple(seeds_t[i] for i in first)
        play_items = [(pp, v[first]) for pp, v in items]
    n_play = len(play_seeds)
    per_run = _entries_per_run(game)
    chunk = min(_CHUNK, max(_CHUNK_MIN, _CHUNK_ENTRIES // per_run))
    fewest = max(_PART_MIN, -(-_PART_ENTRIES // per_run))
    workers = threads.count() if _threadable(game) else 1

    advance = progress.runs_counter()
    weights = [1 + x for x in look_rounds(game, rounds)[1:]]  # (progress: rounds 1 .. rounds)
    ranges = _part_ranges(n_play, chunk, workers, fewest)
    # a compact record in several parts (or asked for in place): the batch's arrays, each
    # part writing its own rows; runs played once for several are spread afterwards
    into: dict[str, Array] = {}
    if mode == "compact" and (len(ranges) > 1 or _out is not None):
        into = _record_arrays(game.world, rounds, n_play, _out if classes is None else None)

    def play(a: int, b: int) -> dict[str, Any]:
        sub = [(pp, v[a:b]) for pp, v in play_items]
        n = len(seeds_t)  # runs played once for several count for all of them
        ticks = (
            None if advance is None else _Ticks(advance, n * b // n_play - n * a // n_play, weights)
        )
        rows = {k: v[a:b] for k, v in into.items()} or None
        with progress.counting_runs(None):  # the batches played inside are not counted
            return _play(
                game, rounds, sub, _Streams.of_seeds(play_seeds[a:b]), mode, on_round=ticks,
                on_look=None if ticks is None else ticks.look, out=rows,
            )  # fmt: skip

    # bounded working memory, several parts at once on threads; the same numbers
    # tariffsim's own strategies make no reference cycles: the collector, whose passes held
    # the GIL for 5% of a large batch, is paused while they play (a user's strategy may)
    with threads.gc_paused() if _threadable(game) else contextlib.nullcontext():
        parts = threads.for_parts(play, ranges, workers)
    out = parts[0]
    if len(parts) > 1:
        out = {
            "arrays": into
            or {k: np.concatenate([p["arrays"][k] for p in parts]) for k in out["arrays"]},
            "events": out["events"],
            "agreements": tuple(a for p in parts for a in p["agreements"]),
            "notes": tuple(n for p in parts for n in p["notes"]),
        }
    elif into:
        out = {**out, "arrays": into}
    if classes is not None:
        inv = classes[1]  # the runs played once, given to every run of their class
        dest = None if _out is None else _record_arrays(game.world, rounds, len(seeds_t), _out)
        out = {
            "arrays": {
                k: v[inv] if dest is None else np.take(v, inv, 0, dest[k], mode="clip")
                for k, v in out["arrays"].items()
            },
            "events": out["events"],
            "agreements": tuple(out["agreements"][i] for i in inv),
            "notes": tuple(out["notes"][i] for i in inv),
        }
    w = game.world
    dates = np.array([game.date(k) for k in range(rounds + 1)], dtype="datetime64[D]")
    return PathBatch(
        codes=w.codes,
        dates=dates,
        seeds=seeds_t,
        overrides={pp.text: v for pp, v in items},
        record=mode,
        dyads=tuple(w.ladders),
        control_dyads=tuple(w.control_ladders),
        events=tuple(out["events"]),
        meta={"scenario": game.name, "noise": game.noise, "kind": "simulation",
              "players": [a.code for a in game.agents], "runs": len(seeds_t)},
        agreements=out["agreements"],
        notes=out["notes"],
        **out["arrays"],
        layer_slots=tuple((a, b, x.name) for (a, b), lays in w.instruments.items() for x in lays),
        world=w,
        _fresh=True,  # the record's arrays, taken from it
    )  # fmt: skip
