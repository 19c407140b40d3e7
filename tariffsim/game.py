"""The repeated game: simultaneous rounds, scheduled events, noise, a Path.

Each round of :func:`simulate`:

1. the events scheduled for the round fire (a tariff set by announcement,
   a threat, a market shock, a policy-support package, an export control);
2. every agent observes the state and its beliefs and its strategy chooses a
   move per dyad it controls — simultaneously;
3. with probability ``noise`` each move is replaced by a uniformly random one
   (execution error);
4. the moves are applied along the ladders (:func:`~tariffsim.world.apply_moves`);
5. every country is paid the *true* payoff of the new state, with the per-term
   breakdown kept;
6. every agent updates its beliefs from what it observed.

All randomness comes from one ``numpy.random.Generator`` built from ``rng``;
each agent gets its own child generator (``Generator.spawn``), so the same seed
gives a bit-identical path in any process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .agents import Beliefs, Hold, Observation, Strategy, targets_of
from .errors import ParameterError, UnknownNameError
from .path import ARRAY_FIELDS, STATE_FIELDS, Path
from .payoffs import TERMS, PayoffModel
from .world import State, StateBatch, World, apply_moves

if TYPE_CHECKING:
    from .equilibrium.normal_form import NormalFormGame

if TYPE_CHECKING:
    pass

__all__ = [
    "EVENT_KINDS",
    "Agent",
    "Event",
    "Game",
    "control_moves",
    "path_from_states",
    "simulate",
]

EventKind = Literal["set", "threat", "shock", "support", "control", "summit"]
EVENT_KINDS: tuple[str, ...] = ("set", "threat", "shock", "support", "control", "summit")
"""Kinds of scheduled event."""


@dataclass(frozen=True)
class Event:
    """A scheduled exogenous change.

    Parameters
    ----------
    when : datetime.date or int
        Calendar date (fires in the round whose week contains it) or round index.
    kind : {"set", "threat", "shock", "support", "control", "summit"}
        ``set``: a tariff set by announcement (``importer``, ``exporter``,
        ``level``; with ``layer`` the level of that tariff layer, else the
        headline, split along the dyad's layers); ``threat``: an announced tariff
        not (yet) in force, which
        moves markets by ``value`` index % for ``exporter``'s partner
        ``importer`` (the threatener's own market reacts: claims
        ``us_idx_20250328``, ``selloff_oct_threat``); ``shock``: a one-round
        market move of ``value`` index % for ``country``; ``support``: policy
        support worth ``value`` % of GDP to ``country`` (persistent);
        ``control``: export controls ``importer`` withholds from ``exporter``
        at ``level`` (share); ``summit``: a label only.
    label : str
        Short description shown on tables and plots.
    claims : tuple of str
        Claim ids behind the event.
    layer : str
        For ``set``: the tariff layer set (e.g. ``"reciprocal"``); empty for
        the headline.
    """

    when: dt.date | int
    kind: EventKind
    label: str = ""
    importer: str = ""
    exporter: str = ""
    country: str = ""
    level: float = 0.0
    value: float = 0.0
    claims: tuple[str, ...] = ()
    layer: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise UnknownNameError(
                f"event kind {self.kind!r} is unknown; known: {', '.join(EVENT_KINDS)}."
            )
        if isinstance(self.when, bool) or not isinstance(self.when, dt.date | int):
            raise ParameterError(
                f"event `when` must be a date or a round index; got {self.when!r}."
            )
        if isinstance(self.when, int) and self.when < 0:
            raise ParameterError(f"event `when` must be >= 0; got {self.when!r}.")
        for name in ("level", "value"):
            v = getattr(self, name)
            if not math.isfinite(v):
                raise ParameterError(f"event `{name}` must be finite; got {v!r}.")
        if self.kind in ("set", "control", "threat") and self.level < 0:
            raise ParameterError(f"event `level` must be >= 0; got {self.level!r}.")
        if self.kind == "control" and self.level > 1:
            raise ParameterError(
                f"event `level` of an export control must be <= 1; got {self.level!r}."
            )


@dataclass(frozen=True)
class Agent:
    """A moving country: its strategy, beliefs and the dyads it controls.

    Parameters
    ----------
    code : str
    strategy : Strategy
    targets : tuple of str, optional
        Countries it sets tariffs on (default: every dyad with a ladder).
    beliefs : Beliefs, optional
        Default: the truth, no learning.
    active_from : datetime.date or int, or mapping of str to either, optional
        Date (or round) from which the strategy chooses; before it the agent
        holds and its dyads move only by scheduled announcements (the
        calendar's inputs). Beliefs still learn throughout. A mapping
        ``{target: date}`` sets it per target (tariff and control dyads on
        that target); targets it does not name are active from round 1, and
        the strategy sees only the dyads active in the round.
    controls : tuple of str, optional
        Countries on which the agent sets export controls (each needs a
        control ladder). Whatever the strategy, control moves are the
        agent's myopic best response on its *perceived* payoff model, given
        the tariff moves its strategy chose this round and everyone else
        holding (:func:`control_moves`); execution noise does not touch
        them. Default: none — controls move only by ``control`` events.
    """

    code: str
    strategy: Strategy = field(default_factory=Hold)
    targets: tuple[str, ...] | None = None
    beliefs: Beliefs | None = None
    active_from: dt.date | int | Mapping[str, dt.date | int] | None = None
    controls: tuple[str, ...] = ()

    def starts(self, target: str) -> dt.date | int | None:
        """When the agent starts choosing its moves on ``target`` (None: round 1)."""
        if isinstance(self.active_from, Mapping):
            return self.active_from.get(target)
        return self.active_from


@dataclass(frozen=True)
class Game:
    """A repeated tariff game: world, true payoffs, agents, events, calendar.

    Parameters
    ----------
    world : World
    model : PayoffModel
        The *true* payoff model.
    agents : sequence of Agent
    events : sequence of Event
    start : datetime.date
        Date of round 0.
    round_days : int
        Calendar length of a round.
    rounds : int
        Default number of rounds to play.
    noise : float
        Probability that each move is replaced by a random one.
    initial : State, optional
        Starting state (default: free trade).
    name : str
    """

    world: World
    model: PayoffModel
    agents: tuple[Agent, ...] = ()
    events: tuple[Event, ...] = ()
    start: dt.date = dt.date(2025, 1, 1)
    round_days: int = 7
    rounds: int = 30
    noise: float = 0.0
    initial: State | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "agents", tuple(self.agents))
        object.__setattr__(self, "events", tuple(self.events))
        if self.model.world is not self.world and self.model.world.codes != self.world.codes:
            raise ParameterError("`model` is for a different world than `world`.")
        if not isinstance(self.round_days, int) or self.round_days < 1:
            raise ParameterError(f"`round_days` must be an int >= 1; got {self.round_days!r}.")
        _check_rounds(self.rounds)
        if not (isinstance(self.noise, int | float) and 0 <= self.noise <= 1):
            raise ParameterError(f"`noise` must be in [0, 1]; got {self.noise!r}.")
        seen = set()
        for a in self.agents:
            self.world.index(a.code)
            if a.code in seen:
                raise ParameterError(f"agents: {a.code!r} appears twice.")
            seen.add(a.code)
            if not isinstance(a.strategy, Strategy):
                raise ParameterError(
                    f"agents.{a.code}.strategy: not a Strategy; got {a.strategy!r}."
                )
            tg = targets_of(self.world, a.code, a.targets)
            if isinstance(a.active_from, Mapping):
                known = {t for _, t in tg} | set(a.controls)
                for t, when in a.active_from.items():
                    if t not in known:
                        raise ParameterError(
                            f"agents.{a.code}.active_from: {t!r} is not a target; "
                            f"targets: {sorted(known)}."
                        )
                    if (
                        isinstance(when, bool)
                        or not isinstance(when, dt.date | int)
                        or (isinstance(when, int) and when < 0)
                    ):
                        raise ParameterError(
                            f"agents.{a.code}.active_from.{t}: must be a date or a round "
                            f">= 0; got {when!r}."
                        )
            for t in a.controls:
                self.world.index(t)
                if (a.code, t) not in self.world.control_ladders:
                    raise ParameterError(
                        f"agents.{a.code}.controls: no export-control ladder for "
                        f"({a.code}, {t}); control ladders: {list(self.world.control_ladders)}."
                    )
        for e in self.events:
            for code in (e.importer, e.exporter, e.country):
                if code:
                    self.world.index(code)
            if e.kind == "set":
                lad = self.world.ladders.get((e.importer, e.exporter))
                if lad is None:
                    raise ParameterError(
                        f"event {e.label!r}: no tariff ladder for ({e.importer}, {e.exporter})."
                    )
                if e.layer:
                    lays = {x.name: x for x in self.world.instruments[(e.importer, e.exporter)]}
                    if e.layer not in lays:
                        raise UnknownNameError(
                            f"event {e.label!r}: ({e.importer}, {e.exporter}) has no layer "
                            f"{e.layer!r}; layers: {', '.join(lays)}."
                        )
                    lad = lays[e.layer].levels
                if not lad.contains(e.level):
                    raise ParameterError(
                        f"event {e.label!r}: level {e.level!r} is not on the ladder {lad.levels}."
                    )
            if e.kind == "threat" and not (e.importer or e.country):
                raise ParameterError(f"event {e.label!r}: a threat needs `importer` or `country`.")
        if self.initial is not None and self.initial.n != self.world.n:
            raise ParameterError(
                f"`initial` has {self.initial.n} countries; the world has {self.world.n}."
            )

    def replace(self, **changes: Any) -> Game:
        """A copy with fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def date(self, round_: int) -> dt.date:
        """Calendar date of a round."""
        return self.start + dt.timedelta(days=self.round_days * round_)

    def round_of(self, when: dt.date | int) -> int:
        """The round in which an event dated ``when`` fires.

        Round ``r`` covers the days after ``date(r - 1)`` up to ``date(r)``; an
        event dated on or before the start fires in the initial state (round 0).
        """
        if isinstance(when, int):
            return when
        days = (when - self.start).days
        return max(0, -(-days // self.round_days))

    def stage_game(self, state: State | None = None) -> NormalFormGame:
        """The one-round normal-form game at ``state`` (default: the initial state).

        See :func:`tariffsim.equilibrium.stage_game`.
        """
        from .equilibrium.dynamic import stage_game

        return stage_game(self, state)

    def simulate(
        self, rounds: int | None = None, *, seed: int | None = None, rng: Any = None
    ) -> Path:
        """Play the game; see :func:`simulate`."""
        return simulate(self, rounds, seed=seed, rng=rng)


def _check_rounds(rounds: Any) -> int:
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ParameterError(f"`rounds` must be an int >= 1; got {rounds!r}.")
    return int(rounds)


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
    rng: int | np.random.Generator | None = None,
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
    if seed is not None and rng is not None:
        raise ParameterError("give `seed` or `rng`, not both.")
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
            flip = noise_rng.random(len(keys)) < game.noise
            alt = noise_rng.integers(-1, 2, size=len(keys))
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


def path_from_states(
    game: Game,
    states: Sequence[State],
    moves: Sequence[np.ndarray] | None = None,
    *,
    events: Sequence[tuple[int, str]] = (),
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Build a :class:`~tariffsim.path.Path` from a sequence of states.

    Used by solvers for equilibrium paths, so that they share the simulation's
    ``Path`` interface. Payoffs are the true ones of ``game.model``; state
    ``k`` is scored as reached from state ``k - 1``.

    Parameters
    ----------
    game : Game
    states : sequence of State
        ``states[0]`` is the start.
    moves : sequence of ndarray (n, n) of int, optional
        Moves that led to each state (row 0 ignored); default: the sign of the
        tariff change.
    events : sequence of (int, str)
    meta : mapping, optional
    """
    if not states:
        raise ParameterError("`states` must hold at least one State.")
    rec = _Recorder(game)
    n = game.world.n
    for k, s in enumerate(states):
        if moves is not None and k > 0:
            mv = np.asarray(moves[k], dtype=np.int64)
        elif k > 0:
            mv = np.sign(s.tariff - states[k - 1].tariff).astype(np.int64)
        else:
            mv = np.zeros((n, n), dtype=np.int64)
        rec.add(s, states[k - 1] if k > 0 else None, mv, {})
    path = rec.path(list(events), seed=None)
    if meta:
        path = dataclasses.replace(path, meta={**path.meta, **meta})
    return path
