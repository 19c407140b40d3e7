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

import copy
import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _decide_kernel, limits, parampath
from ._distinct import distinct_rows, evaluate_distinct, take_params
from ._util import frozen_array as _ro
from .agents import Beliefs, Observation, Strategy, best_index, own_profiles, targets_of
from .deals import (
    MAX_DEALS,
    Agreement,
    Negotiation,
    _concession_pool,
    _layer_floors,
    credible,
    solve_deal,
)
from .deals import _floors as _deal_floors
from .deals import _powers as _deals_powers
from .dynamics import (
    _tie_rows_held,
    _tie_rows_held_others,
    _tie_rows_in_force,
    _tie_rows_of,
    _tie_rows_step,
    _tie_rows_whole,
    adjust_step,
    grievance_step,
    per_time,
    tie_held,
    tie_step,
    ties_in_force,
)
from .errors import ParameterError, UnknownNameError
from .path import ARRAY_FIELDS, Path
from .payoffs import TERMS, Breakdown, Params, _WorldView, recession_odds
from .world import SLOW_FIELDS, Layer, State, StateBatch, World, apply_moves, step_layers_many

if TYPE_CHECKING:
    from .game import Event, Game

__all__ = [
    "COMPACT_FIELDS",
    "RECORD_MODES",
    "PathBatch",
    "check_seeds",
    "noise_moves",
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
RECORD_MODES = ("full", "compact")
"""What :func:`simulate_batch` keeps per run and round."""
COMPACT_FIELDS = ("tariff", "control", "moves", "payoff", "recession", "approval", "drawdown")
"""Fields a compact :class:`PathBatch` keeps (tariffs, controls and moves on ladder dyads only)."""

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
    if isinstance(seeds, int | np.integer | np.random.SeedSequence | str | bytes) or not hasattr(
        seeds, "__len__"
    ):
        raise ParameterError(
            f"`seeds` must be a sequence of seeds, one per run (e.g. range(100)); got {seeds!r}."
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
        if s < 0:
            raise ParameterError(f"`seeds[{k}]` must be >= 0; got {int(s)!r}.")
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
    if record not in RECORD_MODES:
        raise ParameterError(f"`record` must be one of 'full', 'compact'; got {record!r}.")
    return str(record)


def _seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """A fresh SeedSequence equal to ``seed`` (a given one is copied, not consumed)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy,
            spawn_key=seed.spawn_key,
            pool_size=seed.pool_size,
            n_children_spawned=seed.n_children_spawned,
        )
    return np.random.SeedSequence(int(seed))


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
    layers: Array | None = None
    layer_slots: tuple[tuple[str, str, str], ...] = ()
    events: tuple[tuple[int, str], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    agreements: tuple[tuple[Agreement, ...], ...] = ()
    notes: tuple[tuple[tuple[int, str], ...], ...] = ()
    world: World | None = field(default=None, repr=False, compare=False)
    """The world the runs were played in (splits each run's headline into its layers)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layer_slots", tuple(tuple(x) for x in self.layer_slots))
        for name in (*ARRAY_FIELDS, *SLOW_FIELDS, "equity", "bond", "layers", "step_tariff"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _ro(v, v.dtype))
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

    def __getitem__(self, r: int) -> Path:
        """Run ``r`` as a :class:`~tariffsim.path.Path` (full record only)."""
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
            meta={**self.meta, "seed": seed if isinstance(seed, int) else None},
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
            for k in (*ARRAY_FIELDS, *SLOW_FIELDS, "equity", "bond", "layers", "step_tariff")
            if getattr(self, k) is not None
        )


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


def _check_rounds(rounds: Any) -> int:
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ParameterError(f"`rounds` must be an int >= 1; got {rounds!r}.")
    limits.check("max_rounds", int(rounds), "`rounds`")
    return int(rounds)


def calendar_fits(start: dt.date, round_days: int, rounds: int) -> bool:
    """Whether ``rounds`` rounds of ``round_days`` days from ``start`` end by 9999-12-31."""
    return start.toordinal() + int(rounds) * int(round_days) <= dt.date.max.toordinal()


def _check_calendar(game: Game, rounds: int) -> None:
    if not calendar_fits(game.start, game.round_days, rounds):
        raise ParameterError(
            f"`rounds`: {rounds} rounds of {game.round_days} days from {game.start} run past "
            f"{dt.date.max}."
        )


# ---------------------------------------------------------------------------
# random streams
# ---------------------------------------------------------------------------
class _Streams:
    """Each run's child generators (agent ``k``: child ``k``; noise: child ``len(agents)``).

    Children are made on first use and kept, exactly as
    :meth:`numpy.random.SeedSequence.spawn` would make them.
    """

    def __init__(
        self,
        bases: Sequence[np.random.SeedSequence] | None,
        offsets: Sequence[int],
        bitgen: type[np.random.BitGenerator] = np.random.PCG64,
        *,
        seeds: Sequence[SeedLike] | None = None,
    ) -> None:
        self.seeds = list(seeds) if seeds is not None else None
        """The runs' seeds, made into SeedSequences on first use (when ``bases`` is None)."""
        self.bases = list(bases) if bases is not None else None
        self.offsets = list(offsets)
        self.bitgen = bitgen
        self._made: dict[tuple[int, int], np.random.Generator] = {}

    def __len__(self) -> int:
        return len(self.bases) if self.bases is not None else len(self.seeds or ())

    def child(self, r: int, k: int) -> np.random.Generator:
        g = self._made.get((r, k))
        if g is None:
            b = self.bases[r] if self.bases is not None else _seed_sequence((self.seeds or [])[r])
            offset = self.offsets[r]
            ss = np.random.SeedSequence(
                b.entropy, spawn_key=(*b.spawn_key, offset + k), pool_size=b.pool_size
            )
            g = self._made[(r, k)] = np.random.Generator(self.bitgen(ss))
        return g

    @classmethod
    def of_seeds(cls, seeds: Sequence[SeedLike]) -> _Streams:
        """Streams of ``seeds`` (each copied when a run first draws: most never do)."""
        offsets = [
            s.n_children_spawned if isinstance(s, np.random.SeedSequence) else 0 for s in seeds
        ]  # as the seeds stand now
        return cls(None, offsets, seeds=seeds)


class _RowStreams(_Streams):
    """Runs ``rows`` of ``streams``: run ``q`` here is run ``rows[q]`` there (same generators)."""

    def __init__(self, streams: _Streams, rows: NDArray[np.intp]) -> None:
        self.base, self.rows = streams, rows

    def __len__(self) -> int:
        return len(self.rows)

    def child(self, r: int, k: int) -> np.random.Generator:
        return self.base.child(int(self.rows[r]), k)


class _RunRngs(Sequence[np.random.Generator]):
    """The generator of one agent in every run (a lazy sequence, one per run)."""

    def __init__(self, streams: _Streams, k: int) -> None:
        self.streams, self.k = streams, k

    def __len__(self) -> int:
        return len(self.streams)

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[x] for x in range(*r.indices(len(self)))]
        return self.streams.child(int(r), self.k)


# ---------------------------------------------------------------------------
# per-run parameters
# ---------------------------------------------------------------------------
_PARAM_FIELDS = tuple(f.name for f in dataclasses.fields(Params) if f.name != "calibration")
_MARKET_FIELDS = (
    "pass_through", "elasticity", "elasticity_short", "adjust_days", "dependence",
    "revenue_weight", "export_margin", "critical_exposure", "index_beta", "support_effect",
    "market_speed", "bond_beta",
)  # fmt: skip
"""The Params fields the equity index is priced from (:func:`tariffsim.payoffs.equity_index`)."""
_SCALAR_4D = frozenset({
    "elasticity", "elasticity_short", "export_margin", "face_mutual_relief", "answer_scale",
    "reciprocity_reference",
})  # fmt: skip
"""Scalar Params used against (run, profile, n, n) arrays; the others against (run, profile, n)."""


def _override_arrays(
    base: Params,
    items: Sequence[tuple[parampath.ParamPath, Array]],
    runs: int,
    codes: Sequence[str],
    side: str,
) -> dict[str, Array]:
    """Full-world per-run arrays ``(R, *shape)`` of the fields ``items`` change on ``side``."""
    out: dict[str, Array] = {}
    for pp, vals in items:
        if pp.kind != "params" or not (pp.sets_truth if side == "truth" else pp.sets_beliefs):
            continue
        cur = out.get(pp.name)
        if cur is None:
            v = np.asarray(getattr(base, pp.name), dtype=float)
            cur = out[pp.name] = np.array(np.broadcast_to(v, (runs, *v.shape)))
        if pp.index:
            where: Any = (slice(None), *(codes.index(c) for c in pp.index))
            cur[where] = vals
        else:
            cur[...] = vals.reshape((runs,) + (1,) * (cur.ndim - 1))
    return out


def _batched_params(base: Params, over: Mapping[str, Array], idx: NDArray[np.intp]) -> Params:
    """Params on the involved countries, each field with leading (run, profile) axes.

    Per-dyad fields ``(R', 1, k, k)``, per-country ``(R', 1, k)``, scalars
    ``(R', 1, 1, 1)`` or ``(R', 1, 1)`` (as they meet dyad or country arrays),
    where ``R'`` is the number of runs for overridden fields and 1 otherwise.
    """
    out = object.__new__(Params)
    ix = np.ix_(idx, idx)
    for name in _PARAM_FIELDS:
        v = over.get(name)
        if v is None:
            v = np.asarray(getattr(base, name), dtype=float)[None]
        if v.ndim == 3:
            v = v[:, ix[0], ix[1]][:, None]
        elif v.ndim == 2:
            v = v[:, idx][:, None]
        else:
            v = v.reshape((-1, 1, 1, 1) if name in _SCALAR_4D else (-1, 1, 1))
        object.__setattr__(out, name, v)
    object.__setattr__(out, "calibration", {})
    return out


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------
@dataclass
class _States:
    """The current state of every run on the involved countries (engine-internal)."""

    tariff: Array  # (R, k, k)
    control: Array
    peak: Array
    moved: Array
    support: Array  # (R, k)
    shock: Array
    adjust: Array = None  # type: ignore[assignment]  # (R, k, k); default fully adjusted
    tie_loss: Array = None  # type: ignore[assignment]  # (R, n, n): ties reach third parties
    grievance: Array = None  # type: ignore[assignment]  # (R, k, k); default none
    equity: Array = None  # type: ignore[assignment]  # (R, k): index after the last round
    bond: Array = None  # type: ignore[assignment]  # (R, k): bond stress after the last round
    market_burden: Array | None = None  # (R, k): the burden the market priced the state by
    layers: Array = None  # type: ignore[assignment]  # (R, L, k, k): set by _Run.settle
    off: NDArray[np.bool_] = None  # type: ignore[assignment]  # (R,): layers not the split

    def __post_init__(self) -> None:
        if self.adjust is None:
            self.adjust = np.ones_like(self.tariff)
        if self.grievance is None:
            self.grievance = np.zeros_like(self.tariff)
        for name in ("equity", "bond"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros_like(self.support))
        for name in ("layers", "off"):  # left out (or copied as None): set by _Run.settle
            if getattr(self, name) is not None and np.ndim(getattr(self, name)) == 0:
                setattr(self, name, None)


def _take(st: _States, rows: NDArray[np.intp]) -> _States:
    """Runs ``rows`` of ``st`` (copies; a field left out stays out)."""
    parts: dict[str, Any] = {
        f.name: None if getattr(st, f.name) is None else np.array(getattr(st, f.name)[rows])
        for f in dataclasses.fields(_States)
    }
    return _States(**parts)


@dataclass
class _AgentRun:
    code: str
    i: int | None  # position among the involved countries
    strategy: Strategy
    dyads: tuple[Dyad, ...]
    starts: tuple[int | None, ...]  # first active round per dyad (None: always)
    agent_start: int | None
    controls: tuple[Dyad, ...]
    control_starts: tuple[int | None, ...]
    perceived: Params  # batched, involved countries
    full_base: Params  # full world, before overrides
    full_over: dict[str, Array]  # full-world per-run arrays of overridden perceived fields
    rate: Array  # (R', 1, 1, 1) learning rate
    learn: tuple[str, ...]
    learns: bool
    rngs: _RunRngs


class _Run:
    """Everything about a batch that is fixed for all rounds."""

    def __init__(
        self,
        game: Game,
        rounds: int,
        items: Sequence[tuple[parampath.ParamPath, Array]],
        streams: _Streams,
        *,
        idx: NDArray[np.intp] | None = None,
    ) -> None:
        self.game, self.rounds, self.streams = game, rounds, streams
        w = self.world = game.world
        self.n = w.n
        runs = self.runs = len(streams)
        self.round_of = {e: game.round_of(e.when) for e in game.events}
        idx = self._involved() if idx is None else idx
        self.idx = idx
        self.k = len(idx)
        self.codes = tuple(w.codes[i] for i in idx)
        self.pos = {c: k for k, c in enumerate(self.codes)}
        ix = np.ix_(idx, idx)
        self.view = _WorldView.of(w, idx, days=float(game.round_days))
        self.weights = game.model.weights[:, idx]
        self.active = game.model.active[ix]
        truth = game.model.params
        codes = w.codes
        self.truth_over = _override_arrays(truth, items, runs, codes, "truth")
        self.truth = _batched_params(truth, self.truth_over, idx)
        self.truth_full = truth
        noise = np.full(runs, float(game.noise))
        rates: dict[str, Array] = {}
        for a in game.agents:
            rates[a.code] = np.full(runs, a.beliefs.learning_rate if a.beliefs else 0.0)
        for pp, vals in items:
            if pp.kind == "noise":
                noise = np.array(vals, dtype=float)
            elif pp.kind == "learning_rate":
                for c in rates:
                    if not pp.index or pp.index[0] == c:
                        rates[c] = np.array(vals, dtype=float)
        self.noise = noise
        self._market_cache: dict[int, tuple[Params, Params | None]] = {}
        self.agents: list[_AgentRun] = []
        for k, a in enumerate(game.agents):
            base = a.beliefs.perceived if a.beliefs else truth
            over = _override_arrays(base, items, runs, codes, "belief")
            tg = targets_of(w, a.code, a.targets)
            learn = a.beliefs.learn if a.beliefs else ()
            rate = rates[a.code]
            self.agents.append(
                _AgentRun(
                    code=a.code,
                    i=self.pos.get(a.code),
                    strategy=a.strategy,
                    dyads=tg,
                    starts=tuple(self._start(a.starts(t)) for _, t in tg),
                    agent_start=self._start(a.starts("")),
                    controls=tuple((a.code, t) for t in a.controls),
                    control_starts=tuple(self._start(a.starts(t)) for t in a.controls),
                    perceived=_batched_params(base, over, idx),
                    full_base=base,
                    full_over=over,
                    rate=rate.reshape(-1, 1, 1, 1),
                    learn=tuple(learn),
                    learns=bool(learn) and bool(np.any(rate != 0)),
                    rngs=_RunRngs(streams, k),
                )
            )
        # every agent's dyads, sorted: the order noise draws follow
        self.keys = tuple(sorted(d for a in self.agents for d in a.dyads))
        self.key_ij = np.array(
            [(self.pos[a], self.pos[b]) for a, b in self.keys], dtype=np.intp
        ).reshape(-1, 2)
        self.ladders = {d: w.ladders[d] for d in self.keys}
        self.split = w.splitter(idx)
        """Headline tariffs ``(..., k, k)`` -> their canonical layers ``(..., L, k, k)``."""
        rows_of = w._layer_rows
        self.layer_plan: dict[Dyad, tuple[int, int, list[int], tuple[Layer, ...]]] = {
            d: (self.pos[d[0]], self.pos[d[1]], rows_of[d], lays)
            for d, lays in w.instruments.items()
            if len(lays) > 1 and d[0] in self.pos and d[1] in self.pos
        }
        """The involved dyads with several layers: ``(i, j, layer rows, layers)``; only
        these can hold layers other than their headline's split."""
        self.days = float(game.round_days)
        self._tie_memo: tuple[Array, Any] | None = None
        self._slow_memo: tuple[Array, Array, dict[str, Any]] | None = None
        """The last slow state computed and the arrays it came from (kept alive, so
        ``is`` identifies them): every agent's evaluation in a round reads the same."""
        self._tie_rows: tuple[Array, Array | None] | None = None
        """The last tie loss asked about and its rows of the involved countries (or None
        when they do not carry it): :meth:`ties_of`."""

    def subset(self, rows: NDArray[np.intp], st: _States) -> tuple[_Run, _States]:
        """The same batch and its states ``st`` restricted to runs ``rows``.

        A shallow copy (the game's fixed parts shared): run ``q`` of the copy is
        run ``rows[q]`` here, with the same parameters, perceived parameters and
        generators, so its evaluations are that run's to the last bit (no
        evaluation depends on the other runs). The slow state already computed
        for ``st`` is carried over, restricted to the rows.
        """
        sub_st = _take(st, rows)
        sub = copy.copy(self)
        sub.runs = len(rows)
        sub.streams = _RowStreams(self.streams, rows)
        sub.truth = take_params(self.truth, rows)
        sub.truth_over = {k: v[rows] for k, v in self.truth_over.items()}
        sub.noise = self.noise[rows]
        sub._market_cache, sub._tie_memo, sub._slow_memo = {}, None, None
        held, sub._tie_rows = self._tie_rows, None
        if held is not None and held[0] is st.tie_loss and sub_st.tie_loss is not None:
            sub._tie_rows = (sub_st.tie_loss, None if held[1] is None else held[1][rows])
        sub.agents = [
            dataclasses.replace(
                ag,
                perceived=sub.truth
                if ag.perceived is self.truth
                else take_params(ag.perceived, rows),
                full_over={k: v[rows] for k, v in ag.full_over.items()},
                rate=ag.rate[rows] if len(ag.rate) > 1 else ag.rate,
                rngs=_RunRngs(sub.streams, k),
            )
            for k, ag in enumerate(self.agents)
        ]
        memo = self._slow_memo
        if memo is not None and memo[0] is st.tie_loss and memo[1] is st.grievance:
            slow = {
                "tie_held": memo[2]["tie_held"][rows],
                "grievance": memo[2]["grievance"][rows],
                "ties": tuple(a[rows] for a in memo[2]["ties"]),
            }
            sub._slow_memo = (sub_st.tie_loss, sub_st.grievance, slow)
        return sub, sub_st

    def _slow(self, params: Params, st: _States) -> dict[str, Any]:
        """The slow state in force, as the payoff block reads it (see :func:`_evaluate_block`).

        Always the batched arrays, never a shortcut taken when every run is at
        zero: a run's numbers must not depend on the other runs. Read from the
        involved rows of the tie loss when they carry it (:meth:`ties_of`).
        """
        w, idx = self.world, self.idx
        self.ties_of(st)
        memo = self._slow_memo
        if memo is not None and memo[0] is st.tie_loss and memo[1] is st.grievance:
            return dict(memo[2])  # the same state arrays: the same slow state
        rows = self.ties_of(st, rows=True)
        if rows is not None:
            eff, two = _tie_rows_in_force(rows, idx, w.ties)
            held = _tie_rows_held(rows, idx, w.ties)[:, None]
            eff, two = eff[:, None], two[:, None]
        else:
            ix = (slice(None), idx[:, None], idx[None, :])
            loss = st.tie_loss
            cls = self.tie_classes(loss)  # runs with the same tie losses: computed once
            if cls is not None:
                loss = loss[cls[0]]
            eff, two = ties_in_force(loss, w.ties)
            held = tie_held(loss, w.ties)[:, None, idx]
            eff, two = eff[ix][:, None], two[ix][:, None]
            if cls is not None:
                held, eff, two = held[cls[1]], eff[cls[1]], two[cls[1]]
        out = {"tie_held": held, "grievance": st.grievance[:, None], "ties": (eff, two)}
        self._slow_memo = (st.tie_loss, st.grievance, out)
        return dict(out)

    def _market_for(self, params: Params) -> Params | None:
        """The market's model to price the index with, when it differs from ``params``.

        None when ``params`` prices it the same way (the truth itself, or an
        agent whose beliefs leave every field the index depends on alone):
        the payoff block then reuses the burden it has already computed.
        """
        if params is self.truth:
            return None
        key = id(params)
        hit = self._market_cache.get(key)
        if hit is not None and hit[0] is params:
            return hit[1]
        same = all(
            np.array_equal(getattr(params, f), getattr(self.truth, f)) for f in _MARKET_FIELDS
        )
        out = None if same else self.truth
        self._market_cache[key] = (params, out)
        return out

    def tie_classes(self, loss: Array) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
        """:func:`~tariffsim._distinct.distinct_rows` of tie losses ``loss`` (the last kept)."""
        memo = self._tie_memo
        if memo is not None and memo[0] is loss:
            return memo[1]
        cls = distinct_rows([loss], len(loss), hashed=False)  # cheaper to compute than hash
        self._tie_memo = (loss, cls)
        return cls

    @overload
    def ties_of(self, st: _States, *, rows: Literal[False] = ...) -> Array: ...
    @overload
    def ties_of(self, st: _States, *, rows: Literal[True]) -> Array | None: ...
    def ties_of(self, st: _States, *, rows: bool = False) -> Array | None:
        """``st.tie_loss``, set to no loss (whole world) when a caller left it out.

        ``rows=True``: its rows of the involved countries ``(R, k, n)`` when
        they carry the whole loss and the slow state can be moved and read
        from them alone to the same bits (see :mod:`tariffsim.dynamics`), else
        None. Kept for the last loss array asked about (``is``).
        """
        if st.tie_loss is None or np.ndim(st.tie_loss) != 3:  # left out (or copied as None)
            st.tie_loss = np.zeros((len(st.tariff), self.n, self.n))
        loss = st.tie_loss
        if not rows:
            return loss
        memo = self._tie_rows
        if memo is None or memo[0] is not loss:
            memo = self._tie_rows = (loss, _tie_rows_of(loss, self.idx, self.world.ties))
        return memo[1]

    def step_slow(self, st: _States, start: Array) -> None:
        """Move the slow variables of ``st`` over one round from tariffs ``start`` (in place).

        The tie loss moves on the involved rows when they carry it
        (:meth:`ties_of`), else on the whole world.
        """
        p, days, t = self.truth, self.days, st.tariff

        def runs(name: str) -> Any:
            v = getattr(p, name)
            return np.reshape(v, (-1, 1, 1)) if np.ndim(v) else v

        rise = np.maximum(t - start, 0.0)
        self.ties_of(st)
        st.adjust = adjust_step(st.adjust, start, t, days, runs("adjust_days"))
        st.grievance = grievance_step(st.grievance, start, t, days, runs("grievance_days"))
        ero, half = runs("tie_erosion"), runs("tie_rebuild_days")
        rows = self.ties_of(st, rows=True) if np.isfinite(ero).all() else None
        if rows is not None:
            if rise.any() or rows.any():  # rows.any(): the whole loss has a nonzero
                rows = _tie_rows_step(rows, rise, self.idx, self.world.ties, ero, days, half)
                st.tie_loss = _tie_rows_whole(rows, self.idx, self.n)
                self._tie_rows = (st.tie_loss, rows)
        elif rise.any() or st.tie_loss.any():
            loss = st.tie_loss
            cls = distinct_rows([loss, rise, ero, half], len(loss), hashed=False)  # equal: once
            if cls is not None:
                first = cls[0]
                loss, rise = loss[first], rise[first]
                ero = ero[first] if np.ndim(ero) and len(ero) > 1 else ero
                half = half[first] if np.ndim(half) and len(half) > 1 else half
            full = np.zeros(loss.shape)
            full[:, self.idx[:, None], self.idx[None, :]] = rise
            loss = tie_step(loss, full, self.world.ties, ero, days, half)
            st.tie_loss = loss if cls is None else loss[cls[1]]

    def _start(self, when: dt.date | int | None) -> int | None:
        return None if when is None else self.game.round_of(when)

    # -- tariff layers -------------------------------------------------------------
    def settle(self, st: _States) -> None:
        """Make ``st.layers`` and ``st.off`` agree with ``st.tariff`` (in place).

        A run whose layers are within 1e-9 of its headline's canonical split
        (:meth:`World.splitter`) gets exactly that split (so its payoffs are
        those of the headline, to the last bit); the others keep their layers.
        Without layers the split is taken.
        """
        canon = self.split(st.tariff)
        if st.layers is None or not self.layer_plan:
            st.layers, st.off = canon, np.zeros(len(st.tariff), dtype=bool)
            return
        off: NDArray[np.bool_] = np.asarray((np.abs(st.layers - canon) > 1e-9).any(axis=(1, 2, 3)))
        st.layers = np.where(off[:, None, None, None], st.layers, canon) if off.any() else canon
        st.off = off

    @staticmethod
    def headline(levels: Array) -> Array:
        """Headline of layer levels ``(..., m)`` in a dyad's order: their sum, rounded as
        the headline ladders' rungs are (:meth:`World.set_layer`)."""
        total = np.zeros(levels.shape[:-1])
        for m in range(levels.shape[-1]):
            total = total + levels[..., m]
        return np.round(total, 12)

    def resplit(self, layers: Array, old: Array, new: Array) -> Array:
        """Layers after headline changes ``old`` -> ``new`` (``(R, k, k)``): a changed
        dyad takes its new headline's canonical split, the others keep ``layers``."""
        changed = new != old
        if not changed.any():
            return layers
        return np.where(changed[:, None], self.split(new), layers)

    def step_off(
        self, st: _States, d: Dyad, levels: ArrayLike, moves: ArrayLike, out: Array
    ) -> Array:
        """``out`` (headline-ladder steps of ``levels``) with the layer steps of the runs
        whose layers are off their headline's split, where ``levels`` is their headline.

        ``levels`` and ``moves`` broadcast to ``out``'s shape, whose leading axis is the
        run. Steps follow :func:`~tariffsim.world.step_layers` from the run's layers.
        """
        plan = self.layer_plan.get(d)
        if plan is None or st.off is None or not st.off.any():
            return out
        i, j, rows, lays = plan
        lv = np.broadcast_to(np.asarray(levels, dtype=float), out.shape)
        mv = np.broadcast_to(np.asarray(moves), out.shape)
        lead = (slice(None),) + (None,) * (out.ndim - 1)
        here = st.off[lead] & (np.abs(lv - st.tariff[:, i, j][lead]) <= 1e-12)
        if not here.any():
            return out
        cur = st.layers[:, rows, i, j]  # (R, m)
        cur = np.broadcast_to(cur.reshape(cur.shape[0], *(1,) * (out.ndim - 1), -1),
                              (*out.shape, len(rows)))  # fmt: skip
        stepped = step_layers_many(lays, cur[here], mv[here])
        res = np.array(out, dtype=float)
        res[here] = self.headline(stepped)
        return res

    def step_layers_of(self, st: _States, moves: NDArray[np.int8]) -> tuple[Array, Array]:
        """Headlines and layers after ``moves`` (R, len(keys)) from ``st``.

        Runs on their canonical split step the headline ladders (as the
        layers do along the escalation chain); the others step their layers.
        When every run is on its split, the layers are the new headlines'
        split (what :meth:`settle` would make them).
        """
        t = st.tariff.copy()
        lay = st.layers
        off = st.off if st.off is not None else np.zeros(len(t), dtype=bool)
        copied = False
        for c, d in enumerate(self.keys):
            i, j = self.key_ij[c]
            t[:, i, j] = _step_rungs(self.ladders[d], t[:, i, j], moves[:, c])
            plan = self.layer_plan.get(d)
            if plan is None or not off.any():
                continue
            sel = np.flatnonzero(off & (moves[:, c] != 0))
            if not sel.size:
                continue
            _, _, rows, lays = plan
            if not copied:
                lay, copied = np.array(lay), True
            stepped = step_layers_many(lays, lay[sel][:, rows, i, j], moves[sel, c])
            for m, row in enumerate(rows):
                lay[sel, row, i, j] = stepped[:, m]
            t[sel, i, j] = self.headline(stepped)
        if not off.any():
            return t, self.split(t)
        return t, np.where(off[:, None, None, None], lay, self.split(t))

    def candidate_layers(self, st: _States, tariff: Array) -> Array | None:
        """Layers ``(R, P, L, k, k)`` of candidate headlines ``tariff`` (R, P, k, k).

        None when every run is on its canonical split (the payoff block splits
        the headlines itself). Otherwise the canonical split, except on the
        layered dyads of runs off it: there a candidate headline reachable from
        the run's layers by steps (:func:`~tariffsim.world.step_layers`) takes
        the layers those steps give (hold first), any other its split.
        """
        if st.off is None or not st.off.any():
            return None
        out = self.split(tariff)
        off = st.off
        for i, j, rows, lays in self.layer_plan.values():
            cur = st.layers[off][:, rows, i, j]  # (R', m)
            cand = tariff[off][:, :, i, j]  # (R', P)
            res = out[off][:, :, rows, i, j]  # (R', P, m)
            found = np.zeros(cand.shape, dtype=bool)
            chain = [cur]
            for direction in (1, -1):
                lv = cur
                for _ in range(sum(len(x.levels) for x in lays)):
                    lv = step_layers_many(lays, lv, np.full(len(lv), direction))
                    chain.append(lv)
            for lv in chain:
                hit = ~found & (np.abs(cand - self.headline(lv)[:, None]) <= 1e-9)
                res = np.where(hit[..., None], lv[:, None, :], res)
                found |= hit
            sub = out[off]
            for m, row in enumerate(rows):
                sub[:, :, row, i, j] = res[..., m]
            out[off] = sub
        return out

    def _involved(self) -> NDArray[np.intp]:
        """Countries an agent's move, an event or the initial state can touch (sorted).

        Every other country's tariffs and controls stay zero, so its terms are
        zero and the others' terms do not depend on it except through the
        alliance ties, which enter through ``W @ W`` over the whole world.
        """
        w, g = self.world, self.game
        inv = np.zeros(w.n, dtype=bool)
        for a in g.agents:
            dyads = (*targets_of(w, a.code, a.targets), *((a.code, t) for t in a.controls))
            for x, y in dyads:
                inv[w.index(x)] = inv[w.index(y)] = True
        for e in g.events:
            for c in (e.importer, e.exporter, e.country):
                if c:
                    inv[w.index(c)] = True
        if g.initial is not None:
            s = g.initial
            for arr in (s.tariff, s.control, s.peak, s.moved):
                nz = arr != 0
                inv |= nz.any(axis=0) | nz.any(axis=1)
            inv |= (s.support != 0) | (s.shock != 0)
        if not inv.any():
            inv[:] = True
        return np.flatnonzero(inv)

    # -- evaluation --------------------------------------------------------------
    def evaluate(
        self,
        params: Params,
        st: _States,
        tariff: Array,
        control: Array | None = None,
        *,
        prev_none: bool = False,
    ) -> Breakdown:
        """Payoffs of candidate next states ``tariff`` (R, P, k, k) reached from ``st``."""
        t0 = st.tariff[:, None]
        ctl = st.control[:, None] if control is None else control
        nxt = StateBatch(
            tariff=tariff,
            control=ctl,
            peak=np.maximum(st.peak[:, None], tariff),
            moved=tariff - t0,
            support=st.support[:, None],
            shock=st.shock[:, None],
            adjust=st.adjust[:, None],
            layers=self.candidate_layers(st, tariff),  # type: ignore[arg-type]
        )
        return evaluate_distinct(
            self.view, params, self.weights, self.active, nxt, t0, st.moved[:, None],
            st.control[:, None], **self._slow(params, st), prev_equity=st.equity[:, None],
            prev_bond=st.bond[:, None], market=self._market_for(params),
            prev_market_burden=None if st.market_burden is None else st.market_burden[:, None],
        )  # fmt: skip

    def evaluate_total(
        self,
        params: Params,
        st: _States,
        tariff: Array,
        control: Array | None = None,
        me: int | None = None,
    ) -> Array:
        """``evaluate(params, st, tariff, control).total``, shape (R, P, k); (R, P) for ``me``.

        ``me``: the position of the one country whose totals are wanted.
        Computed by the compiled kernel (:mod:`tariffsim._decide_kernel`) when
        numba is installed and ``TARIFFSIM_JIT`` does not switch it off, else
        (or for arguments outside its scope) by the numpy block.
        """
        if _decide_kernel.ENABLED:
            out = _decide_kernel.totals(
                self.view, self.world, self.idx, params, self._market_for(params),
                self.weights, self.active, st, tariff, control,
                self.candidate_layers(st, tariff), self._slow(params, st), me,
            )  # fmt: skip
            if out is not None:
                return out
        total = self.evaluate(params, st, tariff, control).total
        return total if me is None else total[..., me]

    def evaluate_state(
        self, params: Params, st: _States, prev: _States | None, *, fresh: bool = False
    ) -> Breakdown:
        """Payoffs of the states ``st`` themselves (reached from ``prev``), shape (R, 1, k).

        ``fresh``: no market mood carried over (the index prices the state afresh).
        """
        nxt = StateBatch(
            tariff=st.tariff[:, None],
            control=st.control[:, None],
            peak=st.peak[:, None],
            moved=st.moved[:, None],
            support=st.support[:, None],
            shock=st.shock[:, None],
            adjust=st.adjust[:, None],
            layers=st.layers[:, None] if st.off is not None and st.off.any() else None,  # type: ignore[arg-type]
        )
        if prev is None:
            prev_tau = nxt.tariff - nxt.moved
            prev_moved = np.zeros_like(nxt.moved)
            prev_control = nxt.control
            prev_eq: Array | None = None if fresh else st.equity[:, None]
            prev_bond = st.bond[:, None]
            priced = None  # the state is its own previous: priced afresh
        else:
            prev_tau, prev_moved = prev.tariff[:, None], prev.moved[:, None]
            prev_control = prev.control[:, None]
            prev_eq, prev_bond = prev.equity[:, None], prev.bond[:, None]
            priced = None if prev.market_burden is None else prev.market_burden[:, None]
        slow = self._slow(params, st)
        slow["grievance"] = (st if prev is None else prev).grievance[:, None]
        return evaluate_distinct(
            self.view, params, self.weights, self.active, nxt, prev_tau, prev_moved, prev_control,
            **slow, prev_equity=prev_eq, prev_bond=prev_bond, market=self._market_for(params),
            prev_market_burden=priced,
        )  # fmt: skip

    # -- per-run objects for strategies without act_batch --------------------------
    def full(self, a: Array, r: int) -> Array:
        """Run ``r`` of an involved-countries array, expanded to the whole world."""
        n, idx = self.n, self.idx
        out: Array
        if a.ndim == 3 and a.shape[-1] == n and len(idx) < n:
            out = np.array(a[r])  # already whole-world (tie losses)
        elif a.ndim == 3:
            out = np.zeros((n, n))
            out[np.ix_(idx, idx)] = a[r]
        else:
            out = np.zeros(n)
            out[idx] = a[r]
        return out

    def full_state(self, st: _States, r: int) -> State:
        """Run ``r`` of ``st`` as a whole-world State (with its layers when they are off
        the headline's split)."""
        lay: dict[str, Array] = {}
        if st.off is not None and st.off[r]:
            full = self.world.decompose(self.full(st.tariff, r))
            full[:, self.idx[:, None], self.idx[None, :]] = st.layers[r]
            lay["layers"] = full
        return State._trusted(
            **lay,
            tariff=self.full(st.tariff, r),
            control=self.full(st.control, r),
            peak=self.full(st.peak, r),
            moved=self.full(st.moved, r),
            support=self.full(st.support, r),
            shock=self.full(st.shock, r),
            equity=self.full(st.equity, r),
            bond=self.full(st.bond, r),
            adjust=self.full(st.adjust, r),
            tie_loss=np.array(self.ties_of(st)[r]),
            grievance=self.full(st.grievance, r),
        )

    def perceived_full(self, ag: _AgentRun, r: int) -> Params:
        """Agent ``ag``'s perceived Params in run ``r``, whole world."""
        changes: dict[str, Any] = {}
        for name, arr in ag.full_over.items():
            changes[name] = arr[r] if arr.ndim > 1 else float(arr[r])
        if ag.learns:
            ix = np.ix_(self.idx, self.idx)
            for name in ag.learn:
                sub = getattr(ag.perceived, name)
                sub = sub[r if sub.shape[0] > 1 else 0, 0]
                cur = changes.get(name, getattr(ag.full_base, name))
                full: Any
                if np.ndim(cur) == 2:
                    full = np.array(cur, dtype=float)
                    full[ix] = sub
                elif np.ndim(cur) == 1:
                    full = np.array(cur, dtype=float)
                    full[self.idx] = sub
                else:
                    full = float(sub.reshape(-1)[0])
                changes[name] = full
        return ag.full_base._replace_trusted(**changes) if changes else ag.full_base


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
        The current state (after this round's events).
    support, shock : ndarray, shape (R, k)
    equity, bond : ndarray, shape (R, k)
        The equity index (% from baseline) and bond stress the round starts
        from: the market state every agent watches.
    seen_moved : ndarray, shape (R, h, k, k)
        ``moved`` of every state seen so far, oldest first, the current one
        last (``h`` = the round number): the batched ``obs.history``.
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
            return np.asarray(strategy.act_batch(self, rngs), dtype=np.int8)
        return self.act_per_run(strategy, rngs)

    def act_per_run(
        self, strategy: Strategy, rngs: Sequence[np.random.Generator]
    ) -> NDArray[np.int8]:
        """Moves of a per-run ``strategy`` (its ``act``) in every run, shape (R, k)."""
        out = np.zeros((self.runs, len(self.targets)), dtype=np.int8)
        for r in range(self.runs):
            chosen = strategy.act(self._observe(r, self.targets), rngs[r])
            for c, d in enumerate(self.targets):
                m = chosen.get(d, 0)
                jump = self._run.game.moves == "jump" and isinstance(m, int | np.integer)
                if m not in (-1, 0, 1) and not (jump and abs(int(m)) < 128):
                    raise ParameterError(
                        f"strategy {strategy.name!r} of {self.me} returned move {m!r} on {d}; "
                        "moves must be -1, 0 or +1 (any number of rungs when moves = 'jump')."
                    )
                out[r, c] = int(m)
        return out


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
) -> tuple[NDArray[np.int8], list[tuple[tuple[Dyad, ...], NDArray[np.int8]]], NDArray[np.bool_]]:
    """Every agent's moves on ``st`` at decision step ``step`` of round ``r``, in every run.

    Returns the tariff moves ``(R, K)`` on :attr:`_Run.keys`, the export-control
    moves per agent and which dyads wait for their ``active_from`` round. At a
    step after the first only paced strategies (:func:`_paced`) choose.
    ``rows``: ``rt`` and ``st`` are these runs of the batch that ``per_run`` and
    ``talks`` keep (:meth:`_Run.subset`); default all.
    """
    game, w = rt.game, rt.world
    R, K = rt.runs, len(rt.keys)
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
        if step and not _paced(ag.strategy):
            continue

        def observe(
            q: int,
            targets: tuple[Dyad, ...],
            ag: _AgentRun = ag,
            r: int = r,
            labels: tuple[str, ...] = labels,
        ) -> Observation:
            q_all = q if rows is None else int(rows[q])
            seen = per_run.states(q_all, r)
            return Observation(
                me=ag.code,
                world=w,
                state=rt.full_state(st, q) if step else seen[-1],  # a later step: its state
                history=tuple(seen[:-1]),
                targets=targets,
                model=game.model._with_params(rt.perceived_full(ag, q)),
                round=r,
                events=labels,
                floors=talks.floors(q_all),
            )

        bobs = BatchObservation(
            me=ag.code, world=w, codes=rt.codes, round=r, events=labels, targets=live,
            tariff=st.tariff, control=st.control, peak=st.peak, moved=st.moved,
            support=st.support, shock=st.shock, seen_moved=seen_moved,
            _run=rt, _agent=ag, _states=st, _observe=observe, equity=st.equity, bond=st.bond,
            layers=st.layers,
        )  # fmt: skip
        if skip:
            chosen = np.zeros((R, 0), dtype=np.int8)
            live = ()
        elif hasattr(ag.strategy, "act_batch"):
            chosen = np.asarray(ag.strategy.act_batch(bobs, ag.rngs), dtype=np.int8)
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
            ctl_moves.append((cd, _control_moves_batch(rt, ag, st, chosen, live, cd)))
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
) -> dict[str, Any]:
    """Play every run; returns the record arrays and the event log.

    A bargain's look-ahead passes the involved countries ``idx``, each run's
    starting state ``start`` (instead of ``game.initial``) and each agent's
    current perceived parameters ``perceived``, and records ``"look"``
    (tariffs and controls on the involved countries only).
    """
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
            tie_loss=rt.ties_of(start).copy(),
            grievance=start.grievance.copy(),
            layers=None if start.layers is None else start.layers.copy(),
        )
    rt.settle(st)
    _fire_events(rt, st, by_round.get(0, []))
    events_log: list[tuple[int, str]] = [(0, e.label) for e in by_round.get(0, []) if e.label]
    mk0: Breakdown | None = None
    if start is None:  # the index starts by pricing the state the game starts from
        mk0 = rt.evaluate_state(rt.truth, st, None, fresh=True)
        st.equity, st.bond = mk0.equity[:, 0], mk0.bond[:, 0]
        st.market_burden = mk0.market_burden[:, 0]

    rec = _Record(rt, record)
    rec.add(0, st, None, np.zeros((R, len(rt.keys)), dtype=np.int8), mk0)
    start_tariff = st.tariff

    # noise: one uniform per round per dyad, drawn up front per noisy run
    K = len(rt.keys)
    noisy = np.flatnonzero(rt.noise > 0) if K else np.zeros(0, dtype=np.intp)
    u = np.ones((R, T, K))
    n_agents = len(game.agents)
    for q in noisy.tolist():
        u[q] = streams.child(q, n_agents).random((T, K))

    seen_moved = np.zeros((R, T, k, k))
    per_run = _PerRunStates(rt)
    # decision steps per round: several only when some agent decides at the calendar pace
    steps = game.steps if any(_paced(ag.strategy) for ag in rt.agents) else 1
    step_tariff = rec.step_tariff(steps)
    keypos = {d: c for c, d in enumerate(rt.keys)}
    talks = _Talks(rt, items)
    for r in range(1, T + 1):
        fired = by_round.get(r, [])
        t_start = st.tariff
        _fire_events(rt, st, fired)
        events_log += [(r, e.label) for e in fired if e.label]
        talks.expire(st, r)
        talks.threats(st, r)
        for e in fired:
            if e.kind == "summit" and e.parties and game.negotiation.enabled:
                talks.bargain(st, r, e)
        rt.settle(st)
        labels = tuple(e.label for e in fired)
        seen_moved[:, r - 1] = st.moved
        per_run.add(st)
        prev = st  # the round's post-event state: the round is scored from it
        total = np.zeros((R, K), dtype=np.int16)
        going = np.ones(R, dtype=bool)  # runs still moving within the round
        cur = st
        for step in range(steps):
            # the first step asks every agent; later ones the paced agents only, and
            # only in the runs still moving (a run's choices never depend on the others)
            if step and not going.all():
                live = np.flatnonzero(going)
                sub_rt, sub_cur = rt.subset(live, cur)
                moves_l, ctl_l, inactive = _decide(
                    sub_rt, sub_cur, r, step, labels, seen_moved[live, :r], per_run, talks,
                    keypos, rows=live,
                )  # fmt: skip
                moves = _scatter_rows(moves_l, live, R)
                ctl_moves = [(cd, _scatter_rows(mv, live, R)) for cd, mv in ctl_l]
            else:
                moves, ctl_moves, inactive = _decide(
                    rt, cur, r, step, labels, seen_moved[:, :r], per_run, talks, keypos
                )
            if step == 0 and len(noisy) and K:
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
                market_burden=prev.market_burden,
                layers=lay,
            )
            if split_only:  # ``lay`` is the new headlines' split: settled as it is
                cur.off = np.zeros(R, dtype=bool)
            else:
                rt.settle(cur)
            if step_tariff is not None:
                step_tariff[:, r, step] = cur.tariff
            if not going.any():
                if step_tariff is not None:
                    step_tariff[:, r, step + 1 :] = cur.tariff[:, None]
                break
        st = cur
        st.market_burden = None
        moves = np.clip(total, -127, 127).astype(np.int8)
        rt.step_slow(st, t_start)
        # the market prices the new state: the index and bond stress move (true model)
        mk = rt.evaluate_state(rt.truth, st, prev)
        st.equity, st.bond = mk.equity[:, 0], mk.bond[:, 0]
        st.market_burden = mk.market_burden[:, 0]
        _learn(rt, st)
        rec.add(r, st, prev, moves, mk)
        st.shock = np.zeros_like(st.support)
    rec.finish_steps(start_tariff)
    return {
        "arrays": _run_major(rec.arrays),
        "events": events_log,
        "agreements": tuple(tuple(a) for a in talks.agreements),
        "notes": tuple(tuple(n) for n in talks.notes),
    }


def _step_rungs(lad: Any, levels: Array, moves: Any) -> Array:
    """:meth:`Ladder.step_many` for moves of any number of rungs (``moves = "jump"``)."""
    moves = np.asarray(moves)
    out = lad.step_many(levels, np.sign(moves))
    extra = np.abs(moves) - 1
    while np.any(extra > 0):
        out = np.where(extra > 0, lad.step_many(out, np.sign(moves)), out)
        extra = extra - 1
    return np.asarray(out, dtype=float)


class _Talks:
    """Agreements and threats in every run: bargaining at summits, demands, agreed dyads held.

    Summits and threats fall on the same rounds in every run, so the engine
    loops over runs only in those rounds; the per-round constraint on moves
    (agreed dyads held, unmet demands kept) is a cheap per-run pass.
    """

    def __init__(self, rt: _Run, items: Sequence[tuple[parampath.ParamPath, Array]]) -> None:
        self.rt = rt
        self.items = items
        R = rt.runs
        self.agreements: list[list[Agreement]] = [[] for _ in range(R)]
        self.expiring: dict[int, list[tuple[int, int]]] = {}
        """Round → (run, agreement index) of the agreements that run out then."""
        self.notes: list[list[tuple[int, str]]] = [[] for _ in range(R)]
        self.met: list[set[str]] = [set() for _ in range(R)]
        self.locked: list[dict[Dyad, tuple[float, int]]] = [{} for _ in range(R)]
        self.lock = np.zeros((R, len(rt.keys)), dtype=bool)
        """``lock[q, c]``: run ``q`` holds dyad ``rt.keys[c]`` under an agreement."""
        self._groups: dict[frozenset[str], NDArray[np.intp]] | None = None
        g = rt.game
        self.terms = any(getattr(e, "term_days", 0) for e in g.events)
        """Whether some summit's agreements run out (:meth:`expire` has work)."""
        self.active = (
            bool(g.negotiation.demands)
            or bool(g.threats)
            or any(e.kind == "summit" and e.parties for e in g.events)
        )

    def _game(self, q: int) -> Game:
        if not self.items:
            return self.rt.game
        return parampath.apply(self.rt.game, {pp.text: float(v[q]) for pp, v in self.items})

    def _models(self, q: int, parties: Sequence[str]) -> dict[str, Any]:
        rt = self.rt
        g = self._game(q)
        out: dict[str, Any] = {}
        for p in parties:
            ag = next((a for a in rt.agents if a.code == p), None)
            out[p] = g.model._with_params(rt.perceived_full(ag, q)) if ag else g.model
        return out

    def _write(self, st: _States, q: int, state: State) -> None:
        """Run ``q`` takes ``state`` (whole world): headlines, controls and layers."""
        rt = self.rt
        ix = np.ix_(rt.idx, rt.idx)
        st.tariff[q] = state.tariff[ix]
        st.control[q] = state.control[ix]
        st.peak[q] = state.peak[ix]
        st.moved[q] = state.moved[ix]
        if st.layers is not None:  # copied by the caller
            st.layers[q] = state.layered(rt.world).layers[:, ix[0], ix[1]]

    def threats(self, st: _States, r: int) -> None:
        """Carry out the threats due this round whose condition is unmet, where credible."""
        rt = self.rt
        due = [th for th in rt.game.threats if rt.game.round_of(th.when) == r]
        if not due:
            return
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        before = st.tariff.copy()
        neg = rt.game.negotiation
        for q in range(rt.runs):
            for th in due:
                if th.unless and th.unless in self.met[q]:
                    continue
                name = th.label or f"{th.by} threat on {th.target}"
                i, j = rt.pos[th.by], rt.pos[th.target]
                row = rt.world.layer_index(th.layer) if th.layer else -1
                in_force = st.layers[q, row, i, j] if th.layer else st.tariff[q, i, j]
                if th.level <= in_force:
                    now = 100 * float(in_force)
                    moot = f"moot ({100 * th.level:g}% is not above the {now:g}% in force)"
                    self.notes[q].append((r, f"{name}: {moot}"))
                    continue
                state = rt.full_state(st, q)
                model = self._models(q, (th.by,))[th.by]
                c = credible(
                    self._game(q), th, state, discount=neg.discount, horizon=neg.horizon,
                    model=model,
                )  # fmt: skip
                if not c.credible:
                    self.notes[q].append((r, f"{name}: not carried out (not credible)"))
                    continue
                level = th.level
                if th.layer:  # that layer set; the headline is the sum of the dyad's layers
                    st.layers = np.array(st.layers)
                    st.layers[q, row, i, j] = th.level
                    rows = rt.world._layer_rows[(th.by, th.target)]
                    level = float(rt.headline(st.layers[q, rows, i, j]))
                    before[q, i, j] = level  # not re-split below
                st.moved[q, i, j] = level - st.tariff[q, i, j]
                st.tariff[q, i, j] = level
                st.peak[q, i, j] = max(st.peak[q, i, j], level)
                self.notes[q].append((r, f"{name}: carried out"))
        if st.layers is not None:  # a headline threat: the dyad's canonical split
            st.layers = rt.resplit(st.layers, before, st.tariff)
            rt.settle(st)

    def bargain(self, st: _States, r: int, event: Event) -> None:
        """Bargain at a summit in every run; agreed terms replace the state.

        Runs are grouped by the concessions they have met; each group's
        look-ahead (the disagreement point) is one batched play of
        ``neg.horizon`` rounds from each run's own state with its own current
        beliefs, and its deals are searched for all its runs at once
        (:meth:`_deals`), so a run's deal does not depend on the other runs.
        """
        rt = self.rt
        g0 = rt.game
        neg = g0.negotiation
        parties = tuple(event.parties)
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        if st.layers is not None:
            st.layers = st.layers.copy()
        groups = self._met_groups()
        for met, rows in groups.items():
            look = self._look_game(r, met)
            start = _take(st, rows)
            items = [(pp, v[rows]) for pp, v in self.items if pp.kind != "noise"]
            perceived = [take_params(ag.perceived, rows) for ag in rt.agents]
            out = _play(
                look, neg.horizon, items, _Streams.of_seeds([0] * len(rows)), "look",
                idx=rt.idx, start=start, perceived=perceived,
            )  # fmt: skip
            models = {p: self._party_params(p, rows) for p in parties}
            dis = _carry_on_batch(rt, out["arrays"], start, models, neg.discount, neg.horizon)
            self._deals(st, r, event, rows, met, start, dis, models)
        rt.settle(st)

    def _look_game(self, r: int, met: frozenset[str]) -> Game:
        """The game of a look-ahead from round ``r`` (summits and expiries alike).

        No events, no noise, no talks; demands whose concession is in ``met``
        dropped; the threats still to come (and not lifted by ``met``) dated.
        """
        g0 = self.rt.game
        neg = g0.negotiation
        return g0.replace(
            events=(),
            start=g0.date(r - 1),
            noise=0.0,
            negotiation=Negotiation(
                enabled=False,
                discount=neg.discount,
                horizon=neg.horizon,
                method=neg.method,
                demands=tuple(d for d in neg.demands if d.concession not in met),
            ),
            threats=tuple(
                dataclasses.replace(
                    th, when=g0.date(th.when) if isinstance(th.when, int) else th.when
                )
                for th in g0.threats
                if g0.round_of(th.when) > r and not (th.unless and th.unless in met)
            ),
        )

    def _party_params(self, code: str, rows: NDArray[np.intp]) -> Params:
        """A party's perceived parameters in runs ``rows`` (the truth if it is no agent)."""
        rt = self.rt
        ag = next((a for a in rt.agents if a.code == code), None)
        return take_params(ag.perceived if ag is not None else rt.truth, rows)

    def _deals(
        self,
        st: _States,
        r: int,
        event: Event,
        rows: NDArray[np.intp],
        met: frozenset[str],
        start: _States,
        dis: Mapping[str, Array],
        models: Mapping[str, Params],
    ) -> None:
        """:func:`~tariffsim.deals.solve_deal` for the runs ``rows`` at once; agreed deals applied.

        Every run searches the rungs at or below its current tariffs (the
        ladder's rungs above are masked out, which keeps the order of the
        candidates and so the tie-breaking), crossed with every subset of the
        agenda's concessions, and keeps the best Nash (or alternating-offers)
        product with every gain positive, as ``solve_deal`` does. A summit
        with ``layers`` searches each layer's rungs at or below the run's level
        of that layer on the dyads with several layers (``solve_deal(...,
        layers=True)``): the candidates are combinations of *slots* (one per
        layer of a layered dyad, one per other dyad), and a dyad's headline is
        the sum of its slots.
        """
        rt = self.rt
        g0, w, pos = rt.game, rt.world, rt.pos
        neg = g0.negotiation
        parties = tuple(event.parties)
        d = float(neg.discount)
        alpha = _deals_powers(parties, d, neg.method, None)
        pool = _concession_pool(parties, event.agenda)
        dyads = [(a, b) for (a, b) in w.ladders if a in parties and b in parties]
        if not dyads:
            raise ParameterError(f"no tariff ladder among the parties {parties!r}.")
        ij = [(pos[a], pos[b]) for a, b in dyads]
        by_layer = bool(event.layers) and any(len(w.instruments.get(dy, ())) > 1 for dy in dyads)
        slots: list[tuple[int, str, int]] = []  # (dyad position, layer name or "", layer row)
        levels: list[Array] = []
        cur_s: list[Array] = []
        for c, (dy, (i, j)) in enumerate(zip(dyads, ij, strict=True)):
            lays = w.instruments.get(dy, ()) if by_layer else ()
            if len(lays) > 1:
                for lay, row in zip(lays, w._layer_rows[dy], strict=True):
                    slots.append((c, lay.name, row))
                    levels.append(np.asarray(lay.levels.levels, dtype=float))
                    cur_s.append(start.layers[:, row, i, j])
                continue
            slots.append((c, "", -1))
            levels.append(np.asarray(w.ladders[dy].levels, dtype=float))
            cur_s.append(start.tariff[:, i, j])
        cur = np.stack(cur_s, axis=1)  # (G, S)
        valid_d = [lv[None, :] <= cur[:, c, None] + 1e-12 for c, lv in enumerate(levels)]
        subsets = [
            frozenset(c)
            for n in range(len(pool) + 1)
            for c in itertools.combinations(sorted(pool), n)
        ]
        counts = np.prod(np.stack([v.sum(axis=1) for v in valid_d], axis=1), axis=1)
        # a run with no rung at or below a current tariff (or too many deals): the per-run search
        slow = (counts == 0) | (counts * len(subsets) > MAX_DEALS)
        raw = np.array(list(itertools.product(*levels)), dtype=float).reshape(-1, len(slots))
        cidx = np.array(
            list(itertools.product(*(range(len(lv)) for lv in levels))), dtype=np.intp
        ).reshape(-1, len(slots))
        if by_layer:  # a dyad's headline: the sum of its slots
            combos = np.zeros((len(raw), len(dyads)))
            for s_, (c, _, _) in enumerate(slots):
                combos[:, c] += raw[:, s_]
            combos = np.round(combos, 12)
        else:
            combos = raw
        valid = np.ones((len(rows), len(combos)), dtype=bool)
        for c in range(len(slots)):
            valid &= valid_d[c][:, cidx[:, c]]

        def floors_ok(sub: frozenset[str], cols: Array, heads: Array) -> NDArray[np.bool_]:
            """Candidates (rows of ``cols``/``heads``) the unmet demands allow."""
            ok = np.ones(len(heads), dtype=bool)
            if by_layer:  # as solve_deal: a demand on a layer binds that layer's slot
                for (dy, lname), lvl in _layer_floors(neg.demands, set(sub) | set(met)).items():
                    if dy not in dyads:
                        continue
                    c = dyads.index(dy)
                    hit = [s_ for s_, (sc, nm, _) in enumerate(slots) if sc == c and nm == lname]
                    col = cols[:, hit[0]] if hit else heads[:, c]
                    ok &= col >= lvl - 1e-12
                return ok
            floors = _deal_floors(g0, neg.demands, set(sub), met)
            for c, dy in enumerate(dyads):
                if dy in floors:
                    ok &= heads[:, c] >= floors[dy] - 1e-12
            return ok

        # only candidates some run can reach and some subset's floors allow (order kept)
        allowed = np.zeros(len(combos), dtype=bool)
        for sub in subsets:
            allowed |= floors_ok(sub, raw, combos)
        keep = allowed & valid.any(axis=0)
        combos, valid, raw = combos[keep], valid[:, keep], raw[keep]
        C, G = len(combos), len(rows)
        t = np.repeat(start.tariff[:, None], C, axis=1)  # (G, C, k, k)
        for c, (i, j) in enumerate(ij):
            t[:, :, i, j] = combos[None, :, c]
        ctl = np.broadcast_to(start.control[:, None], t.shape)
        peak = np.maximum(start.peak[:, None], t)
        support = start.support[:, None]
        shock = np.zeros_like(support)
        zero = np.zeros_like(t)
        cand_lay = None
        if (by_layer or (start.off is not None and start.off.any())) and C:
            cand_lay = np.repeat(start.layers[:, None], C, axis=1)
            canon = rt.split(t)
            for i, j in ij:  # the dyads bargained over: the agreed headlines' split ...
                cand_lay[..., i, j] = canon[..., i, j]
            for s_, (c, _, row) in enumerate(slots):  # ... or the agreed layers
                if row >= 0:
                    i, j = ij[c]
                    cand_lay[:, :, row, i, j] = raw[None, :, s_]
        first: dict[str, Array] = {}
        hold: dict[str, Array] = {}
        for p in parties if C else ():
            kp = pos[p]
            nxt = StateBatch(
                tariff=t, control=ctl, peak=peak, moved=t - start.tariff[:, None],
                support=support, shock=shock, layers=cand_lay,  # type: ignore[arg-type]
            )  # fmt: skip
            first[p] = evaluate_distinct(
                rt.view, models[p], rt.weights, rt.active, nxt, start.tariff[:, None],
                start.moved[:, None], start.control[:, None],
            ).total[..., kp]  # fmt: skip
            steady = StateBatch(
                tariff=t, control=ctl, peak=peak, moved=zero, support=support, shock=shock,
                layers=cand_lay,  # type: ignore[arg-type]
            )  # fmt: skip
            hold[p] = evaluate_distinct(
                rt.view, models[p], rt.weights, rt.active, steady, t, zero, ctl
            ).total[..., kp]
        factor = d / (1 - d)
        best = np.full(G, -np.inf)
        found = np.zeros(G, dtype=bool)
        best_k = np.zeros(G, dtype=np.intp)
        best_sub: list[frozenset[str] | None] = [None] * G
        released = np.zeros((G, *start.control.shape[1:]), dtype=bool)  # controls a deal lifts
        for sub in subsets if C else ():
            ok = valid & floors_ok(sub, raw, combos)[None]
            flow = dict.fromkeys(parties, 0.0)
            for name in sub:
                cc = pool[name]
                flow[cc.giver] -= cc.cost
                flow[cc.receiver] += cc.value
            gains = [
                first[p] + flow[p] + factor * (hold[p] + flow[p]) - dis[p][:, None] for p in parties
            ]
            good = ok
            for gn in gains:
                good = good & (gn > 1e-12)
            score = np.zeros((G, C))
            for n, (a_p, gn) in enumerate(zip(alpha.tolist(), gains, strict=True)):
                lg = np.where(good, np.log(np.where(gn > 0, gn, 1.0)), -np.inf)
                score = 0.0 + a_p * lg if n == 0 else score + a_p * lg
            k = np.argmax(score, axis=1)
            sk = score[np.arange(G), k]
            upd = good.any(axis=1) & (~found | (sk > best + 1e-12))
            for q in np.flatnonzero(upd).tolist():
                best_sub[q] = sub
            best = np.where(upd, sk, best)
            best_k = np.where(upd, k, best_k)
            found |= upd
        done: list[int] = []  # the runs agreeing on a searched deal (positions in ``rows``)
        for g_ in range(G):
            q = int(rows[g_])
            if slow[g_]:
                self._deal_one(st, r, event, q, met, {p: float(dis[p][g_]) for p in parties})
                continue
            if not found[g_]:
                continue
            done.append(g_)
            k, chosen = int(best_k[g_]), best_sub[g_]
            assert chosen is not None
            flow = dict.fromkeys(parties, 0.0)
            for name in chosen:
                cc = pool[name]
                flow[cc.giver] -= cc.cost
                flow[cc.receiver] += cc.value
            value = {
                p: float(first[p][g_, k] + flow[p] + factor * (hold[p][g_, k] + flow[p]))
                for p in parties
            }
            gain = {p: value[p] - float(dis[p][g_]) for p in parties}
            tot = sum(gain.values())
            for name in chosen:
                for a, b in pool[name].releases:
                    if a in pos and b in pos:
                        released[g_, pos[a], pos[b]] = True
            terms = {dy: float(combos[k, c]) for c, dy in enumerate(dyads)}
            before = {
                dy: float(start.tariff[g_, i, j]) for dy, (i, j) in zip(dyads, ij, strict=True)
            }
            lay_terms: dict[Dyad, dict[str, float]] = {}
            for s_, (c, name, row) in enumerate(slots):
                if row >= 0:
                    lay_terms.setdefault(dyads[c], {})[name] = float(raw[k, s_])
            self._agree(
                q, r, event, terms, tuple(sorted(chosen)), gain,
                {p: gain[p] / tot for p in parties}, before, lay_terms,
            )  # fmt: skip
        if not done:
            return
        gs = np.array(done, dtype=np.intp)
        qs, ks = rows[gs], best_k[gs]
        st.tariff[qs] = t[gs, ks]
        st.control[qs] = np.where(released[gs], 0.0, start.control[gs])
        st.peak[qs] = peak[gs, ks]
        st.moved[qs] = t[gs, ks] - start.tariff[gs]
        if st.layers is None:
            return
        if by_layer:  # the agreed layers
            st.layers[qs] = cand_lay[gs, ks]  # type: ignore[index]
        else:  # agreed headlines: the changed dyads take their canonical split
            changed = st.tariff[qs] != start.tariff[gs]
            st.layers[qs] = np.where(changed[:, None], rt.split(st.tariff[qs]), st.layers[qs])

    def _agree(
        self,
        q: int,
        r: int,
        event: Event,
        terms: dict[Dyad, float],
        concessions: tuple[str, ...],
        gain: dict[str, float],
        split: dict[str, float],
        before: Mapping[Dyad, float] | None = None,
        layers: Mapping[Dyad, Mapping[str, float]] | None = None,
    ) -> None:
        """Record run ``q``'s agreement: concessions met, agreed dyads held."""
        k = len(self.agreements[q])
        term = getattr(event, "term_days", 0)
        expires = r + max(1, math.ceil(term / self.rt.game.round_days)) if term else None
        self._append(
            q,
            Agreement(
                round=r,
                date=self.rt.game.date(r),
                parties=tuple(event.parties),
                terms=terms,
                concessions=concessions,
                gain=gain,
                split=split,
                label=event.label,
                expires=expires,
                before=dict(before or {}),
                layers={dy: dict(v) for dy, v in (layers or {}).items()},
            ),
        )
        self.met[q] |= set(concessions)
        self._groups = None
        for dy, level in terms.items():
            self.locked[q][dy] = (level, k)
        self._lock_row(q)

    def _append(self, q: int, a: Agreement) -> None:
        """Add agreement ``a`` to run ``q``'s, indexed by the round it runs out."""
        if a.expires is not None:
            self.expiring.setdefault(a.expires, []).append((q, len(self.agreements[q])))
        self.agreements[q].append(a)

    def _deal_one(
        self, st: _States, r: int, event: Event, q: int, met: frozenset[str], dis: dict[str, float]
    ) -> None:
        """One run's deal by :func:`~tariffsim.deals.solve_deal` (runs the batch cannot search)."""
        rt = self.rt
        neg = rt.game.negotiation
        parties = tuple(event.parties)
        state = rt.full_state(st, q)
        deal = solve_deal(
            self._game(q), parties, state, dis, discount=neg.discount, method=neg.method,
            demands=neg.demands, met=met, models=self._models(q, parties),
            concessions=event.agenda, layers=event.layers,
        )  # fmt: skip
        if not deal.agreed:
            return
        w = rt.world
        before = {dy: float(state.tariff[w.index(dy[0]), w.index(dy[1])]) for dy in deal.terms}
        self._agree(
            q, r, event, dict(deal.terms), deal.concessions, dict(deal.gain), dict(deal.split),
            before, deal.layers,
        )  # fmt: skip
        self._write(st, q, deal.state._with(shock=state.shock))

    def expire(self, st: _States, r: int) -> None:
        """Agreements that run out this round: renewed if every party prefers it, else lapsed.

        Each party compares keeping the agreed state (held forever) with the
        lapse (the agreed dyads back at their levels before the deal, then the
        agents play on for the negotiation's horizon and the last state is
        held), on its perceived model. Renewal records a new agreement with the
        same terms and term; a lapse writes the old levels and frees the dyads.

        Batched like :meth:`bargain`: the runs whose agreements run out are
        grouped by the concessions they have met and the parties, and each
        group's lapses are one batched look-ahead (a run's agreements that run
        out in the same round are taken in order, one per pass).
        """
        if not self.terms:
            return
        due: dict[int, list[int]] = {}
        for q, k in sorted(self.expiring.pop(r, ())):  # runs in order, each's in order
            due.setdefault(q, []).append(k)
        if not due:
            return
        st.tariff, st.control = st.tariff.copy(), st.control.copy()
        st.peak, st.moved = st.peak.copy(), st.moved.copy()
        if st.layers is not None:
            st.layers = st.layers.copy()
        while due:
            groups: dict[tuple[frozenset[str], tuple[str, ...]], list[tuple[int, int]]] = {}
            for q, ks in due.items():
                k = ks.pop(0)
                if not any(v[1] == k for v in self.locked[q].values()):
                    continue  # broken before it ran out
                key = (frozenset(self.met[q]), tuple(self.agreements[q][k].parties))
                groups.setdefault(key, []).append((q, k))
            due = {q: ks for q, ks in due.items() if ks}
            for (met, parties), items in groups.items():
                self._expire_group(st, r, met, parties, items)
        self.rt.settle(st)

    def _expire_group(
        self,
        st: _States,
        r: int,
        met: frozenset[str],
        parties: tuple[str, ...],
        items: Sequence[tuple[int, int]],
    ) -> None:
        """Renew or lapse the agreements ``items`` ((run, agreement index)) at once."""
        rt = self.rt
        g0, pos = rt.game, rt.pos
        neg = g0.negotiation
        d, h = float(neg.discount), int(neg.horizon)
        rows = np.array([q for q, _ in items], dtype=np.intp)
        G = len(rows)
        start = _take(st, rows)
        t = start.tariff.copy()
        for g_, (q, k) in enumerate(items):
            for (x, y), lvl in self.agreements[q][k].before.items():
                t[g_, pos[x], pos[y]] = lvl
        lapse = dataclasses.replace(
            start, tariff=t, peak=np.maximum(start.peak, t), moved=t - start.tariff,
            layers=None if start.layers is None else rt.resplit(start.layers, start.tariff, t),
        )  # fmt: skip
        look = self._look_game(r, met)
        sub = [(pp, v[rows]) for pp, v in self.items if pp.kind != "noise"]
        out = _play(
            look, h, sub, _Streams.of_seeds([0] * G), "look", idx=rt.idx, start=lapse
        )  # the agents start the look-ahead with the beliefs they started the game with
        models = {p: self._party_params(p, rows) for p in parties}
        lapsed = _carry_on_batch(rt, out["arrays"], lapse, models, d, h)
        zero = np.zeros_like(start.tariff[:, None])
        held = StateBatch(
            tariff=start.tariff[:, None], control=start.control[:, None],
            peak=start.peak[:, None], moved=zero, support=start.support[:, None],
            shock=start.shock[:, None],
        )  # fmt: skip
        keep = {
            p: evaluate_distinct(
                rt.view, models[p], rt.weights, rt.active, held, held.tariff, zero,
                held.control,
            ).total[:, 0, pos[p]] / (1 - d)
            for p in parties
        }  # fmt: skip
        for g_, (q, k) in enumerate(items):
            a = self.agreements[q][k]
            gain = {p: float(keep[p][g_]) - float(lapsed[p][g_]) for p in a.parties}
            if all(v >= 0 for v in gain.values()):
                k2 = len(self.agreements[q])
                tot = sum(gain.values()) or 1.0
                self._append(
                    q,
                    dataclasses.replace(
                        a, round=r, date=g0.date(r), concessions=(), gain=gain,
                        split={p: v / tot for p, v in gain.items()},
                        label=f"{a.label} (renewed)",
                        expires=r + (a.expires - a.round if a.expires is not None else 0),
                    )
                )  # fmt: skip
                self.locked[q] = {
                    dy: (v[0], k2 if v[1] == k else v[1]) for dy, v in self.locked[q].items()
                }
                self.notes[q].append((r, f"agreement of round {a.round} ({a.label}) renewed"))
            else:
                who = ", ".join(p for p, v in gain.items() if v < 0)
                self.locked[q] = {dy: v for dy, v in self.locked[q].items() if v[1] != k}
                st.tariff[q] = t[g_]
                st.peak[q] = lapse.peak[g_]
                st.moved[q] = lapse.moved[g_]
                if st.layers is not None and lapse.layers is not None:
                    st.layers[q] = lapse.layers[g_]
                self.notes[q].append(
                    (r, f"agreement of round {a.round} ({a.label}) lapsed: {who} preferred it")
                )
            self._lock_row(q)

    def _lock_row(self, q: int) -> None:
        """Refresh run ``q``'s row of :attr:`lock` from its agreed dyads."""
        locked = self.locked[q]
        self.lock[q] = [d in locked for d in self.rt.keys]

    def _met_groups(self) -> dict[frozenset[str], NDArray[np.intp]]:
        """Runs grouped by the concessions they have met (cached until a bargain)."""
        if self._groups is None:
            by: dict[frozenset[str], list[int]] = {}
            for q, m in enumerate(self.met):
                by.setdefault(frozenset(m), []).append(q)
            self._groups = {k: np.array(v, dtype=np.intp) for k, v in by.items()}
        return self._groups

    def floors(self, q: int) -> dict[Dyad, float]:
        """Run ``q``'s floors this round: the unmet demands' levels per dyad."""
        if not self.active:
            return {}
        return self.rt.game.negotiation.floors(self.met[q])

    def constrain(self, st: _States, moves: NDArray[np.int8], r: int) -> NDArray[np.int8]:
        """Hold agreed dyads (a raise breaks the agreement) and keep unmet demands.

        An agreement binds in the round it is struck: a raise of one of its
        dyads in that round is held, so the round ends at the agreed terms; a
        raise in a later round breaks it (and is noted). Vectorised over runs:
        only runs that raise an agreed dyad are handled one by one.
        """
        if not self.active:
            return moves
        rt = self.rt
        neg = rt.game.negotiation
        lock = self.lock
        for q in np.flatnonzero(((moves > 0) & lock).any(axis=1)).tolist():
            locked = self.locked[q]
            broken: dict[int, str] = {}
            for c, d in enumerate(rt.keys):
                if moves[q, c] > 0 and d in locked:
                    if self.agreements[q][locked[d][1]].round == r:
                        moves[q, c] = 0  # signed this round: the terms stand this round
                        continue
                    broken.setdefault(locked[d][1], d[0])
            for kk, who in sorted(broken.items()):
                a = self.agreements[q][kk]
                self.notes[q].append(
                    (r, f"{who} breaks the agreement of round {a.round} ({a.label})")
                )
                self.locked[q] = locked = {dy: v for dy, v in locked.items() if v[1] != kk}
            self._lock_row(q)
        cut = moves < 0
        out = np.where(cut & lock, np.int8(0), moves).astype(np.int8)
        free = cut & ~lock
        for met, rows in self._met_groups().items():
            floors = neg.floors(met)
            for c, d in enumerate(rt.keys):
                if d not in floors:
                    continue
                sel = rows[free[rows, c]]
                if not sel.size:
                    continue
                i, j = rt.key_ij[c]
                level = _step_rungs(rt.ladders[d], st.tariff[:, i, j], moves[:, c])
                level = rt.step_off(st, d, st.tariff[:, i, j], moves[:, c], level)[sel]
                out[sel[level < floors[d] - 1e-12], c] = 0
        return out


def _carry_on(
    path: Path,
    start: State,
    parties: Sequence[str],
    models: Mapping[str, Any],
    w: World,
    discount: float,
    horizon: int,
) -> dict[str, float]:
    """Discounted value of a look-ahead path, then its last state held forever."""
    h = horizon
    states = [start]
    for k in range(1, h + 1):
        states.append(
            State._trusted(
                tariff=path.tariff[k],
                control=path.control[k],
                peak=np.maximum(start.peak, path.tariff[: k + 1].max(axis=0)),
                moved=path.tariff[k] - path.tariff[k - 1],
                support=start.support,
                shock=np.zeros(start.n),
            )
        )
    nxt = StateBatch.stack(states[1:])
    prv = StateBatch.stack(states[:-1])
    last = StateBatch.stack([states[-1]])
    disc = discount ** np.arange(h)
    out = {}
    for p in parties:
        k = w.index(p)
        flows = np.asarray(models[p].payoff(nxt, prev=prv))[:, k]
        tail = float(np.asarray(models[p].payoff(last, prev=last))[0, k])
        out[p] = float(disc @ flows) + discount**h * tail / (1 - discount)
    return out


def _carry_on_batch(
    rt: _Run,
    look: Mapping[str, Array],
    start: _States,
    models: Mapping[str, Params],
    discount: float,
    horizon: int,
) -> dict[str, Array]:
    """Each party's discounted value of each run's look-ahead, then its last state held.

    ``look`` holds the look-ahead's tariffs and controls ``(G, h+1, k, k)``
    (row 0 the start); ``models`` each party's perceived parameters in those
    runs. The batched :func:`_carry_on`: ``sum_t d**t flow_t + d**h tail / (1 - d)``.
    """
    h = horizon
    tau, ctl = look["tariff"], look["control"]
    lay = look.get("layers") if start.off is not None and start.off.any() else None
    peak = np.maximum(start.peak[:, None], np.maximum.accumulate(tau, axis=1))[:, 1 : h + 1]
    moved = tau[:, 1:] - tau[:, :-1]
    support = start.support[:, None]
    shock = np.zeros_like(support)
    nxt = StateBatch(
        tariff=tau[:, 1:], control=ctl[:, 1:], peak=peak, moved=moved, support=support,
        shock=shock, layers=None if lay is None else lay[:, 1:],  # type: ignore[arg-type]
    )  # fmt: skip
    prev_tau = np.concatenate([start.tariff[:, None], tau[:, 1:h]], axis=1)
    prev_moved = np.concatenate([start.moved[:, None], moved[:, :-1]], axis=1)
    prev_ctl = np.concatenate([start.control[:, None], ctl[:, 1:h]], axis=1)
    last = StateBatch(
        tariff=tau[:, h:], control=ctl[:, h:], peak=peak[:, -1:], moved=moved[:, -1:],
        support=support, shock=shock, layers=None if lay is None else lay[:, h:],  # type: ignore[arg-type]
    )  # fmt: skip
    disc = discount ** np.arange(h)
    out: dict[str, Array] = {}
    for p, params in models.items():
        k = rt.pos[p]
        flows = evaluate_distinct(
            rt.view, params, rt.weights, rt.active, nxt, prev_tau, prev_moved, prev_ctl
        ).total[..., k]
        tail = evaluate_distinct(
            rt.view, params, rt.weights, rt.active, last, last.tariff, last.moved, last.control
        ).total[:, 0, k]
        acc = np.zeros(len(tau))
        for t in range(h):  # left to right: a run's value does not depend on the batch
            acc = acc + disc[t] * flows[:, t]
        out[p] = acc + discount**h * tail / (1 - discount)
    return out


class _PerRunStates:
    """Whole-world :class:`State` objects of single runs, built on demand.

    Only strategies without ``act_batch`` need them; the engine keeps a
    snapshot of every round's arrays and builds a run's states when asked.
    """

    def __init__(self, rt: _Run) -> None:
        self.rt = rt
        self.snaps: list[_States] = []
        self.cache: dict[int, list[State]] = {}

    def add(self, st: _States) -> None:
        self.snaps.append(dataclasses.replace(st))

    def states(self, q: int, upto: int) -> list[State]:
        c = self.cache.setdefault(q, [])
        while len(c) < upto:
            c.append(self.rt.full_state(self.snaps[len(c)], q))
        return c[:upto]


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


class _Record:
    """Preallocated per-run, per-round record arrays."""

    def __init__(self, rt: _Run, mode: str) -> None:
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
            a["layers"] = _round_major((R, T, len(w.layer_names), rt.k, rt.k))
            self.arrays = a
            return
        # the levels of every layer of every dyad with instruments: (importer, exporter, layer)
        self.slots = tuple(
            (a_, b_, x.name) for (a_, b_), lays in w.instruments.items() for x in lays
        )
        pos0 = rt.pos
        self.slot_ij = [
            (pos0.get(a_), pos0.get(b_), w.layer_index(nm)) for a_, b_, nm in self.slots
        ]
        a["layers"] = _round_major((R, T, len(self.slots)))
        if self.full:
            for name in ("tariff", "effective", "control", "perceived_pass_through", *SLOW_FIELDS):
                a[name] = _round_major((R, T, n, n))
            a["moves"] = _round_major((R, T, n, n), dtype=np.int64)
            a["terms"] = _round_major((R, T, len(TERMS), n))
            for name in ("payoff", "recession", "approval", "drawdown", "burden", "equity", "bond"):
                a[name] = _round_major((R, T, n))
        else:
            a["tariff"] = _round_major((R, T, len(self.dyads)))
            a["control"] = _round_major((R, T, len(self.cdyads)))
            a["moves"] = _round_major((R, T, len(self.dyads)), dtype=np.int8)
            for name in ("payoff", "recession", "approval", "drawdown"):
                a[name] = _round_major((R, T, n))
        self.arrays = a
        # indicators of countries no tariff touches: their free-trade values
        truth = rt.truth_full
        base = rt.truth_over.get("recession_base", np.asarray(truth.recession_base)[None])
        slope = rt.truth_over.get("recession_slope", np.asarray(truth.recession_slope)[None])
        fill = recession_odds(np.zeros((1, n)), base, np.reshape(slope, (-1, 1)))
        self.rec_fill = np.broadcast_to(fill, (R, n))
        self.appr_fill = np.broadcast_to(
            rt.truth_over.get("approval_base", np.asarray(truth.approval_base)[None]), (R, n)
        )
        self.others = np.setdiff1d(np.arange(n), rt.idx)
        tv = rt.truth_over.get("tie_value", np.asarray(truth.tie_value)[None])
        weight = rt.game.model.weights[TERMS.index("alliance")]
        self.tie_cost = -(weight * np.broadcast_to(tv, (R, n)))[:, self.others]
        pos = rt.pos
        self.dyad_ij = [(pos.get(a), pos.get(b)) for a, b in self.dyads]
        self.cdyad_ij = [(pos.get(a), pos.get(b)) for a, b in self.cdyads]
        self.key_cols = {d: c for c, d in enumerate(rt.keys)}
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
    ) -> None:
        """Record round ``r``; ``bd`` is the true breakdown of ``st`` when already computed."""
        rt, a = self.rt, self.arrays
        if self.look:
            a["tariff"][:, r] = st.tariff
            a["control"][:, r] = st.control
            if st.layers is not None:
                a["layers"][:, r] = st.layers
            return
        if st.layers is not None:
            for c, (si, sj, lrow) in enumerate(self.slot_ij):
                if si is not None and sj is not None:
                    a["layers"][:, r, c] = st.layers[:, lrow, si, sj]
        idx: Any = rt.idx
        if len(idx) and idx[-1] - idx[0] + 1 == len(idx):  # a run of countries: a slice
            idx = slice(int(idx[0]), int(idx[-1]) + 1)
        if bd is None:
            bd = rt.evaluate_state(rt.truth, st, prev)
        if self.others.size:  # third parties pay for the ties others eroded with them
            tie_rows = rt.ties_of(st, rows=True)
            if tie_rows is not None:  # the involved rows carry the loss
                held = _tie_rows_held_others(
                    tie_rows, rt.idx, self.others, rt.world.ties, st.tie_loss
                )
            elif (cls := rt.tie_classes(st.tie_loss)) is None:
                held = tie_held(st.tie_loss, rt.world.ties)[:, self.others]
            else:  # runs with the same tie losses: computed once
                held = tie_held(st.tie_loss[cls[0]], rt.world.ties)[:, self.others][cls[1]]
            lost = self.tie_cost * held
            a["payoff"][:, r, self.others] = lost
            if self.full:
                a["terms"][:, r, TERMS.index("alliance"), self.others] = lost
        for name, v in (("payoff", bd.total), ("drawdown", bd.drawdown)):
            a[name][:, r, idx] = v[:, 0]
        a["recession"][:, r] = self.rec_fill
        a["recession"][:, r, idx] = bd.recession[:, 0]
        a["approval"][:, r] = self.appr_fill
        a["approval"][:, r, idx] = bd.approval[:, 0]
        if not self.full:
            for c, (i, j) in enumerate(self.dyad_ij):
                if i is not None and j is not None:
                    a["tariff"][:, r, c] = st.tariff[:, i, j]
            for c, (i, j) in enumerate(self.cdyad_ij):
                if i is not None and j is not None:
                    a["control"][:, r, c] = st.control[:, i, j]
            for c, d in enumerate(self.dyads):
                kc = self.key_cols.get(d)
                if kc is not None:
                    a["moves"][:, r, c] = moves[:, kc]
            return
        if isinstance(idx, slice):
            rows, cols = idx, idx
        else:
            rows, cols = idx[:, None], idx[None, :]
        a["tariff"][:, r][:, rows, cols] = st.tariff
        a["control"][:, r][:, rows, cols] = st.control
        a["adjust"][:, r][:, rows, cols] = st.adjust
        a["grievance"][:, r][:, rows, cols] = st.grievance
        a["tie_loss"][:, r] = st.tie_loss
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
    if not isinstance(src, np.random.SeedSequence) and (
        isinstance(src, bool | np.bool_) or not isinstance(src, int | np.integer) or src < 0
    ):
        name = "seed" if rng is None else "rng"
        raise ParameterError(
            f"`{name}` must be an int >= 0, a SeedSequence or a Generator; got {src!r}."
        )
    return _Streams.of_seeds([src])


def simulate(
    game: Game,
    rounds: int | None = None,
    *,
    seed: int | None = None,
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
    rounds = _check_rounds(game.rounds if rounds is None else rounds)
    _check_calendar(game, rounds)
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
        meta={"scenario": game.name, "seed": seed, "noise": game.noise, "kind": "simulation"},
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
    best = int(np.flatnonzero(pay >= pay.max() - 1e-12)[0])
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
            meta={"scenario": g.name, "seed": seed, "noise": g.noise, "kind": "simulation"},
            **fields,
        )


def _chunk_runs(game: Game) -> int:
    """Runs per chunk for ``game``: about :data:`_CHUNK_ENTRIES` candidate-state entries.

    An entry is one (run, candidate, segment, importer, exporter) of the
    largest evaluation an agent makes (``3**d`` own-move profiles on ``d``
    dyads, or ``3**c`` export-control profiles), on the countries the game
    involves. Clamped to [:data:`_CHUNK_MIN`, :data:`_CHUNK`].
    """
    rt = _Run(game, 1, [], _Streams.of_seeds([0]))
    profiles = max([3 ** max(len(a.dyads), len(a.controls)) for a in rt.agents] or [1])
    per_run = profiles * rt.view.seg_share.shape[0] * rt.k * rt.k
    return min(_CHUNK, max(_CHUNK_MIN, _CHUNK_ENTRIES // max(per_run, 1)))


_RUN_MEMO = True
"""False: every run of a batch is played, even runs that repeat one another (the tests'
reference for :func:`_same_runs`)."""


def _draws_nothing(game: Game, items: Sequence[tuple[parampath.ParamPath, Array]]) -> bool:
    """Whether no run of ``game`` draws a random number: no execution noise in any run and
    every strategy declares itself deterministic (``traits.stochastic`` false; a strategy
    without traits counts as one that draws)."""
    noise = [v for pp, v in items if pp.kind == "noise"]
    if np.any(noise[-1] != 0) if noise else game.noise != 0:
        return False
    for a in game.agents:
        traits = getattr(a.strategy, "traits", None)
        if traits is None or bool(getattr(traits, "stochastic", True)):
            return False
    return True


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


def simulate_batch(
    game: Game,
    rounds: int | None = None,
    *,
    seeds: Sequence[SeedLike],
    overrides: Mapping[str, Any] | None = None,
    record: str = "full",
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

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> pb = ts.simulate_batch(sc.game, 12, seeds=[0, 1],
    ...                        overrides={"truth:pass_through.US.CN": [0.95, 0.5]})
    >>> pb.tariff.shape
    (2, 13, 10, 10)
    """
    rounds = _check_rounds(game.rounds if rounds is None else rounds)
    _check_calendar(game, rounds)
    seeds_t = check_seeds(seeds)
    mode = _check_record(record)
    items = _check_overrides(game, overrides, len(seeds_t))
    classes = _same_runs(game, items, len(seeds_t))
    play_seeds, play_items = seeds_t, items
    if classes is not None:  # runs that draw nothing and share every input: played once
        first, inv = classes
        play_seeds = tuple(seeds_t[i] for i in first)
        play_items = [(pp, v[first]) for pp, v in items]
    parts = []
    n_play = len(play_seeds)
    chunk = _chunk_runs(game) if n_play > min(_CHUNK, _CHUNK_MIN) else n_play
    for a in range(0, n_play, chunk):  # bounded working memory; same numbers
        b = min(a + chunk, n_play)
        sub = [(pp, v[a:b]) for pp, v in play_items]
        parts.append(_play(game, rounds, sub, _Streams.of_seeds(play_seeds[a:b]), mode))
    out = parts[0]
    if len(parts) > 1:
        out = {
            "arrays": {k: np.concatenate([p["arrays"][k] for p in parts]) for k in out["arrays"]},
            "events": out["events"],
            "agreements": tuple(a for p in parts for a in p["agreements"]),
            "notes": tuple(n for p in parts for n in p["notes"]),
        }
    if classes is not None:
        inv = classes[1]
        out = {
            "arrays": {k: v[inv] for k, v in out["arrays"].items()},
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
              "runs": len(seeds_t)},
        agreements=out["agreements"],
        notes=out["notes"],
        **out["arrays"],
        layer_slots=tuple((a, b, x.name) for (a, b), lays in w.instruments.items() for x in lays),
        world=w,
    )  # fmt: skip
