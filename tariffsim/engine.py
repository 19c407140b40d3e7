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

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import limits, parampath
from ._util import frozen_array as _ro
from .agents import Beliefs, Observation, targets_of
from .errors import ParameterError, UnknownNameError
from .path import ARRAY_FIELDS, STATE_FIELDS, Path
from .payoffs import TERMS
from .world import State, StateBatch, apply_moves

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

RECORD_MODES = ("full", "compact")
"""What :func:`simulate_batch` keeps per run and round."""
COMPACT_FIELDS = ("tariff", "control", "moves", "payoff", "recession", "approval", "drawdown")
"""Fields a compact :class:`PathBatch` keeps (tariffs, controls and moves on ladder dyads only)."""

Array = NDArray[np.float64]
SeedLike = int | np.integer | np.random.SeedSequence


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
    events : tuple of (int, str)
        Scheduled events that fired (the same in every run).
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
    events: tuple[tuple[int, str], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ARRAY_FIELDS:
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
        seed = self.seeds[r]
        return Path(
            codes=self.codes,
            dates=self.dates,
            events=self.events,
            meta={**self.meta, "seed": seed if isinstance(seed, int) else None},
            **arrays,
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
        return sum(getattr(self, k).nbytes for k in ARRAY_FIELDS if getattr(self, k) is not None)


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


def _check_seed(seed: Any) -> None:
    """A seed numpy accepts without a traceback: None, an int >= 0 or a SeedSequence."""
    if seed is None or isinstance(seed, np.random.SeedSequence | np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"`seed` must be an int >= 0 or None; got {seed!r}.")


def _fire(game: Game, state: State, events: Sequence[Event]) -> State:
    w = game.world
    lay = np.array(state.layered(w).layers)
    t, c = state.tariff.copy(), state.control.copy()
    support, shock = state.support.copy(), np.zeros(w.n)
    moved = np.zeros_like(t)
    for e in events:
        if e.kind == "set":
            i, j = w.index(e.importer), w.index(e.exporter)
            if e.layer:
                lay[w.layer_index(e.layer), i, j] = e.level
            else:
                one = np.zeros_like(t)
                one[i, j] = e.level
                lay[:, i, j] = w.decompose(one)[:, i, j]
            new = round(float(lay[:, i, j].sum()), 12)
            moved[i, j] += new - t[i, j]
            t[i, j] = new
        elif e.kind == "control":
            c[w.index(e.importer), w.index(e.exporter)] = e.level
        elif e.kind == "shock":
            shock[w.index(e.country)] += e.value
        elif e.kind == "threat":
            shock[w.index(e.importer or e.country)] += e.value
        elif e.kind == "support":
            support[w.index(e.country)] += e.value
    return state._with(
        tariff=t,
        layers=lay,
        control=c,
        peak=np.maximum(state.peak, t),
        moved=np.where(moved != 0, moved, state.moved),
        support=support,
        shock=shock,
    )


def simulate(
    game: Game,
    rounds: int | None = None,
    *,
    seed: int | None = None,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Path:
    """Play ``rounds`` simultaneous rounds of ``game`` and record the path.

    Parameters
    ----------
    game : Game
    rounds : int, optional
        Default ``game.rounds``.
    seed, rng : int or numpy.random.Generator, optional
        Source of randomness (give one). The same seed gives a bit-identical
        :class:`~tariffsim.path.Path`.

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
    if seed is not None and rng is not None:
        raise ParameterError("give `seed` or `rng`, not both.")
    _check_seed(seed if rng is None else rng)
    gen = np.random.default_rng(seed if rng is None else rng)
    w = game.world
    truth = game.model.params
    agent_rngs = gen.spawn(len(game.agents))
    noise_rng = gen.spawn(1)[0]
    beliefs = {a.code: a.beliefs or Beliefs(truth) for a in game.agents}
    targets = {a.code: targets_of(w, a.code, a.targets) for a in game.agents}
    by_round: dict[int, list[Event]] = {}
    for e in game.events:
        by_round.setdefault(game.round_of(e.when), []).append(e)

    state = game.initial or State.zeros(w.n)
    state = _fire(game, state, by_round.get(0, []))
    history: list[State] = []
    rec = _Recorder(game)
    events_log: list[tuple[int, str]] = [(0, e.label) for e in by_round.get(0, []) if e.label]
    rec.add(state, None, np.zeros((w.n, w.n), dtype=np.int64), beliefs)
    for r in range(1, rounds + 1):
        fired = by_round.get(r, [])
        state = _fire(game, state, fired)
        events_log += [(r, e.label) for e in fired if e.label]
        moves: dict[tuple[str, str], int] = {}
        control_mv: dict[tuple[str, str], int] = {}
        inactive: set[tuple[str, str]] = set()  # dyads of agents not yet active: no noise
        for a, arng in zip(game.agents, agent_rngs, strict=True):
            obs = Observation(
                me=a.code,
                world=w,
                state=state,
                history=tuple(history),
                targets=targets[a.code],
                model=game.model._with_params(beliefs[a.code].perceived),
                round=r,
                events=tuple(e.label for e in fired),
            )
            waiting = {d for d in targets[a.code] if _waiting(game, a.starts(d[1]), r)}
            if waiting == set(targets[a.code]) and (
                bool(waiting) or _waiting(game, a.starts(""), r)
            ):
                chosen = {}
            elif waiting:
                live = tuple(d for d in targets[a.code] if d not in waiting)
                chosen = a.strategy.act(dataclasses.replace(obs, targets=live), arng)
            else:
                chosen = a.strategy.act(obs, arng)
            inactive.update(waiting)
            for d in targets[a.code]:
                m = 0 if d in waiting else int(chosen.get(d, 0))
                if m not in (-1, 0, 1):
                    raise ParameterError(
                        f"strategy {a.strategy.name!r} of {a.code} returned move {m!r} on {d}; "
                        "moves must be -1, 0 or +1."
                    )
                moves[d] = m
            cdyads = tuple((a.code, t) for t in a.controls if not _waiting(game, a.starts(t), r))
            if cdyads:
                control_mv.update(control_moves(obs, chosen, cdyads))
        if game.noise > 0 and moves:
            keys = sorted(moves)
            flip, alt = noise_moves(noise_rng.random(len(keys)), game.noise)
            for k, d in enumerate(keys):
                if flip[k] and d not in inactive:
                    moves[d] = int(alt[k])
        prev = state
        state = apply_moves(w, prev, moves, controls=control_mv)
        state = state._with(shock=prev.shock)  # this round's shock is felt this round
        history.append(prev)
        beliefs = {c: b.update(truth, state, c, w) for c, b in beliefs.items()}
        mv = np.zeros((w.n, w.n), dtype=np.int64)
        for (a_, b_), m in moves.items():
            mv[w.index(a_), w.index(b_)] = m
        rec.add(state, prev, mv, beliefs)
        state = state._with(shock=np.zeros(w.n))
    return rec.path(events_log, seed=seed)


def _waiting(game: Game, start: dt.date | int | None, r: int) -> bool:
    """True if an agent that starts choosing at ``start`` still holds in round ``r``."""
    return start is not None and r < game.round_of(start)


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
        self.state_rows: dict[str, list[Any]] = {k: [] for k in STATE_FIELDS}

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
        ls = state.layered(w)
        for k in STATE_FIELDS:
            self.state_rows[k].append(getattr(ls, k))

    def path(self, events: list[tuple[int, str]], *, seed: int | None) -> Path:
        g = self.game
        n = len(self.rows["tariff"])
        dates = np.array([g.date(k) for k in range(n)], dtype="datetime64[D]")
        return Path(
            codes=g.world.codes,
            dates=dates,
            events=tuple(events),
            meta={"scenario": g.name, "seed": seed, "noise": g.noise, "kind": "simulation"},
            **{k: np.stack(v) for k, v in self.rows.items()},
            **{k: np.stack(v) for k, v in self.state_rows.items()},
            layer_names=g.world.layer_names,
            hit_share=g.world.hit_share,
        )


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
    runs = len(seeds_t)
    items = _check_overrides(game, overrides, runs)
    w = game.world
    dyads = tuple(w.ladders)
    cdyads = tuple(w.control_ladders)
    ij = np.array([(w.index(a), w.index(b)) for a, b in dyads], dtype=np.intp).reshape(-1, 2)
    cij = np.array([(w.index(a), w.index(b)) for a, b in cdyads], dtype=np.intp).reshape(-1, 2)
    keep = ARRAY_FIELDS if mode == "full" else COMPACT_FIELDS
    rows: dict[str, list[Any]] = {k: [] for k in keep}
    first: Path | None = None
    for r, seed in enumerate(seeds_t):
        game_r = parampath.apply(game, {pp.text: float(v[r]) for pp, v in items})
        p = simulate(game_r, rounds, rng=_seed_sequence(seed))
        first = first or p
        for k in keep:
            arr = getattr(p, k)
            if mode == "compact" and k in ("tariff", "moves"):
                arr = arr[:, ij[:, 0], ij[:, 1]]
                arr = arr.astype(np.int8) if k == "moves" else arr
            elif mode == "compact" and k == "control":
                arr = arr[:, cij[:, 0], cij[:, 1]]
            rows[k].append(arr)
    assert first is not None
    return PathBatch(
        codes=w.codes,
        dates=first.dates,
        seeds=seeds_t,
        overrides={pp.text: v for pp, v in items},
        record=mode,
        dyads=dyads,
        control_dyads=cdyads,
        events=first.events,
        meta={**{k: v for k, v in first.meta.items() if k != "seed"}, "runs": runs},
        **{k: np.stack(v) for k, v in rows.items()},
    )
