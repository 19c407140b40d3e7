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
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._util import probability, replaced, short_repr
from .agents import Beliefs, Hold, Strategy, check_strategy, targets_of
from .deals import Negotiation, Threat, _concession_pool, concession, ladder_dyads
from .dynamics import DECISION_DAYS
from .engine import _check_rounds, _Recorder, calendar_fits, control_moves, simulate
from .errors import ParameterError, UnknownNameError
from .path import Path
from .payoffs import PayoffModel
from .world import State, World

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
        at ``level`` (share); ``summit``: a meeting — with two or more
        ``parties`` it is a bargaining opportunity (:mod:`tariffsim.bargaining`),
        otherwise a label only.
    label : str
        Short description shown on tables and plots.
    claims : tuple of str
        Claim ids behind the event.
    parties : tuple of str
        For a ``summit``: the countries that bargain there.
    agenda : tuple of str or None
        For a ``summit`` with parties: the concessions on the table (names in
        :data:`tariffsim.bargaining.CONCESSIONS`); ``None`` puts every
        concession between the parties on it, ``()`` tariffs only.
    layer : str
        For ``set``: the tariff layer set (e.g. ``"reciprocal"``); empty for
        the headline.
    term_days : int
        For a ``summit`` with parties: how long an agreement struck there runs,
        in days (0 = open-ended). When it runs out the parties renew it if each
        prefers keeping its terms to the lapse; otherwise the agreed dyads go
        back to their levels before the deal (the Geneva truce ran 90 days:
        claim ``cal_2025_05_12``).
    layers : bool
        For a ``summit`` with parties: bargain over each tariff layer of a
        dyad with several layers (:func:`~tariffsim.deals.solve_deal` with
        ``layers=True``), so a deal can keep one layer and drop another
        (Busan, October 2025: the fentanyl layer cut from 20% to 10%, the
        10% reciprocal layer kept). Default: over headline rungs, each
        agreed headline split along the dyad's escalation order.
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
    parties: tuple[str, ...] = ()
    agenda: tuple[str, ...] | None = None
    layer: str = ""
    term_days: int = 0
    layers: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "parties", tuple(self.parties))
        if not isinstance(self.layers, bool | np.bool_):
            raise ParameterError(f"event `layers` must be True or False; got {self.layers!r}.")
        if self.layers and not (self.kind == "summit" and self.parties):
            raise ParameterError(
                f"event {self.label!r}: `layers` needs a summit with parties; got kind "
                f"{self.kind!r}, parties {self.parties!r}."
            )
        td = self.term_days
        if isinstance(td, bool) or not isinstance(td, int) or td < 0:
            raise ParameterError(f"event `term_days` must be an int >= 0; got {td!r}.")
        if td and not (self.kind == "summit" and self.parties):
            raise ParameterError(f"event {self.label!r}: `term_days` needs a summit with parties.")
        if self.agenda is not None:
            object.__setattr__(self, "agenda", tuple(self.agenda))
        if self.parties and (self.kind != "summit" or len(set(self.parties)) < 2):
            raise ParameterError(
                f"event {self.label!r}: `parties` needs kind 'summit' and two or more distinct "
                f"countries; got kind {self.kind!r}, parties {self.parties!r}."
            )
        if self.kind not in EVENT_KINDS:
            raise UnknownNameError(
                f"event kind {self.kind!r} is unknown; known: {', '.join(EVENT_KINDS)}."
            )
        if (
            isinstance(self.when, bool)
            or not isinstance(self.when, dt.date | int)
            or isinstance(self.when, dt.datetime)
        ):
            raise ParameterError(
                f"event `when` must be a date or a round index; got {self.when!r}."
            )
        if isinstance(self.when, int) and self.when < 0:
            raise ParameterError(f"event `when` must be >= 0; got {self.when!r}.")
        from .schema import MAX_TARIFF

        if not isinstance(self.label, str):
            raise ParameterError(f"event `label` must be a str; got {self.label!r}.")
        for name in ("level", "value"):
            v = getattr(self, name)
            try:  # (an int too large for a float is not finite either)
                ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(v)
            except OverflowError:
                ok = False
            if not ok:
                raise ParameterError(
                    f"event `{name}` must be a finite number; got {short_repr(v)}."
                )
        if abs(self.value) > 100:  # (an index move in %, support in % of GDP: as files)
            raise ParameterError(f"event `value` must lie in [-100, 100]; got {self.value!r}.")
        if self.level > MAX_TARIFF:
            raise ParameterError(
                f"event `level` must be at most {MAX_TARIFF:g} ({100 * MAX_TARIFF:g}%); got "
                f"{self.level!r}."
            )
        dyad = bool(self.importer) and bool(self.exporter)
        need = {
            "set": dyad, "control": dyad, "shock": bool(self.country),
            "support": bool(self.country), "threat": dyad or bool(self.country),
        }.get(self.kind, True)  # fmt: skip
        if not need:  # (what the round would read: it failed there, with a KeyError)
            what = "a country" if self.kind in ("shock", "support") else "an importer and exporter"
            if self.kind == "threat":
                what = "an importer and exporter, or a country"
            raise ParameterError(f"event {self.label!r}: a {self.kind!r} event needs {what}.")
        if dyad and self.importer == self.exporter:
            raise ParameterError(
                f"event {self.label!r}: importer and exporter must differ; got {self.importer!r}."
            )
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

    def __post_init__(self) -> None:
        for name in ("targets", "controls"):  # one code given alone is one target, not letters
            v = getattr(self, name)
            if isinstance(v, str):
                object.__setattr__(self, name, (v,))

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
    negotiation : Negotiation
        Bargaining at summits with parties, and demands (default: enabled, no
        demands).
    moves : {"step", "jump"}
        ``"step"``: a move is -1, 0 or +1 rung; ``"jump"``: any number of rungs
        in one round (a strategy may return e.g. -5).
    threats : tuple of Threat
        Conditional threats, carried out on their date only if credible.
    decision_days : int
        The calendar pace of decisions: a government can decide, and answer
        another's move, once every ``decision_days`` days (default 1, claim
        ``model_decision_days``). A round of ``round_days`` days holds
        ``ceil(round_days / decision_days)`` decision steps (:attr:`steps`);
        paced strategies (:attr:`tariffsim.agents.Traits.paced`, e.g. the
        myopic best response) move up to one rung per step, each step
        answering the state the last one left, so a weekly round can hold the
        moves a daily run makes in its week. A round ends early once nothing
        moves. Longer than a round, agents decide only in the rounds that hold a
        decision day (:meth:`decides`) and hold in the others.
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
    negotiation: Negotiation = field(default_factory=Negotiation)
    moves: str = "step"
    threats: tuple[Threat, ...] = ()
    decision_days: int = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        from .schema import check_name

        check_name(self.name, empty=True)
        if self.decision_days is None:
            object.__setattr__(self, "decision_days", DECISION_DAYS)
        if (
            isinstance(self.decision_days, bool)
            or not isinstance(self.decision_days, int | np.integer)
            or self.decision_days < 1
        ):
            raise ParameterError(
                f"`decision_days` must be an int >= 1; got {self.decision_days!r}."
            )
        object.__setattr__(self, "decision_days", int(self.decision_days))
        object.__setattr__(self, "threats", tuple(self.threats))
        for th in self.threats:
            if not isinstance(th, Threat):
                raise ParameterError(f"`threats` must hold Threat objects; got {th!r}.")
            lad = self.world.ladders.get((th.by, th.target))
            if th.layer and lad is not None:
                lays = {x.name: x for x in self.world.instruments[(th.by, th.target)]}
                if th.layer not in lays:
                    raise UnknownNameError(
                        f"threat {th.label!r}: ({th.by}, {th.target}) has no layer "
                        f"{th.layer!r}; layers: {', '.join(lays)}."
                    )
                lad = lays[th.layer].levels
            if lad is None or not lad.contains(th.level):
                raise ParameterError(
                    f"threat {th.label!r}: level {th.level!r} is not a rung of the "
                    f"({th.by}, {th.target}) {th.layer + ' layer ' if th.layer else ''}ladder."
                )
        if self.moves not in ("step", "jump"):
            raise ParameterError(f"`moves` must be one of 'step', 'jump'; got {self.moves!r}.")
        if not isinstance(self.negotiation, Negotiation):
            raise ParameterError(
                f"`negotiation` must be a Negotiation; got {type(self.negotiation).__name__}."
            )
        for dm in self.negotiation.demands:
            if (dm.by, dm.of) not in self.world.ladders:
                raise ParameterError(
                    f"negotiation.demands: no tariff ladder for ({dm.by}, {dm.of})."
                )
        object.__setattr__(self, "agents", tuple(self.agents))
        object.__setattr__(self, "events", tuple(self.events))
        if self.model.world is not self.world and self.model.world.codes != self.world.codes:
            raise ParameterError("`model` is for a different world than `world`.")
        if not isinstance(self.round_days, int) or self.round_days < 1:
            raise ParameterError(f"`round_days` must be an int >= 1; got {self.round_days!r}.")
        if self.model.round_days != self.round_days:  # the model prices rounds of this length
            object.__setattr__(self, "model", self.model.replace(round_days=self.round_days))
        _check_rounds(self.rounds)
        if not isinstance(self.start, dt.date) or isinstance(self.start, dt.datetime):
            raise ParameterError(f"`start` must be a datetime.date; got {self.start!r}.")
        if not calendar_fits(self.start, self.round_days, self.rounds):
            raise ParameterError(
                f"`rounds`: {self.rounds} rounds of {self.round_days} days from {self.start} "
                f"run past {dt.date.max}."
            )
        object.__setattr__(self, "noise", probability(self.noise, "noise"))
        seen = set()
        for a in self.agents:
            self.world.index(a.code)
            if a.code in seen:
                raise ParameterError(f"agents: {a.code!r} appears twice.")
            seen.add(a.code)
            check_strategy(a.strategy, f"agents.{a.code}.strategy")
            if a.beliefs is not None:
                if not isinstance(a.beliefs, Beliefs):
                    raise ParameterError(
                        f"agents.{a.code}.beliefs must be a Beliefs; got {short_repr(a.beliefs)}."
                    )
                if a.beliefs.perceived.n != self.world.n:
                    raise ParameterError(
                        f"agents.{a.code}.beliefs.perceived is for {a.beliefs.perceived.n} "
                        f"countries; the world has {self.world.n} ({', '.join(self.world.codes)}). "
                        "Make it from this world: Params.default(world), or the model's "
                        "params with the fields changed."
                    )
            tg = targets_of(self.world, a.code, a.targets)
            named = getattr(a.strategy, "countries_named", None)
            for opt, cs in (named() if callable(named) else {}).items():
                for c in cs:  # (a country the strategy names but never meets: it was ignored)
                    if (a.code, c) not in tg:
                        raise ParameterError(
                            f"agents.{a.code}.strategy.{opt}: {c!r} is not a target of "
                            f"{a.code}; targets: {', '.join(t for _, t in tg) or 'none'}."
                        )
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
        for k, e in enumerate(self.events):
            where = f"events[{k}] ({e.label!r})" if e.label else f"events[{k}]"
            for code in (e.importer, e.exporter, e.country):
                if code:
                    self.world.index(code)
            if e.kind == "set":
                lad = self.world.ladders.get((e.importer, e.exporter))
                if lad is None:
                    raise ParameterError(
                        f"{where}.dyad: no tariff ladder for {e.importer}-{e.exporter}: a 'set' "
                        "event moves a dyad of the world's ladders (a scenario file's "
                        "[world.ladders])."
                    )
                if e.layer:
                    lays = {x.name: x for x in self.world.instruments[(e.importer, e.exporter)]}
                    if e.layer not in lays:
                        raise UnknownNameError(
                            f"{where}: ({e.importer}, {e.exporter}) has no layer "
                            f"{e.layer!r}; layers: {', '.join(lays)}."
                        )
                    lad = lays[e.layer].levels
                if not lad.contains(e.level):
                    raise ParameterError(
                        f"{where}: level {e.level!r} is not on the ladder {lad.levels}."
                    )
            if e.kind == "control":  # (elsewhere the level is recorded and weighs nothing)
                clad = self.world.control_ladders.get((e.importer, e.exporter))
                if clad is None:
                    have = ", ".join("-".join(x) for x in self.world.control_ladders)
                    raise ParameterError(
                        f"{where}.dyad: no export-control ladder for {e.importer}-{e.exporter}: "
                        "a 'control' event moves a dyad of the world's control ladders (a "
                        f"scenario file's [world.control_ladders]; now: {have or 'none'})."
                    )
                if not clad.contains(e.level):
                    raise ParameterError(
                        f"{where}: level {e.level!r} is not on the {e.importer}-{e.exporter} "
                        f"control ladder {clad.levels}."
                    )
            for code in e.parties:
                self.world.index(code)
            if e.agenda and not e.parties:
                raise ParameterError(f"{where}: an `agenda` needs a summit with parties.")
            for name in e.agenda or ():  # concessions the parties can give each other
                try:
                    c = concession(name, self.negotiation.pool)
                except UnknownNameError as exc:
                    raise UnknownNameError(f"{where}: {exc}") from None
                if c.giver not in e.parties or c.receiver not in e.parties:
                    raise ParameterError(
                        f"{where}: the agenda's concession {name!r} is given by {c.giver} "
                        f"to {c.receiver}, not between the parties {e.parties!r}."
                    )
            if e.parties:
                try:
                    ladder_dyads(self.world, e.parties)
                except ParameterError:
                    raise ParameterError(
                        f"{where}: no tariff ladder among the parties {e.parties!r}: a summit "
                        "bargains over the tariffs its parties levy on each other."
                    ) from None
            if e.kind == "threat" and not (e.importer or e.country):
                raise ParameterError(f"{where}: a threat needs `importer` or `country`.")
        self._check_concessions()
        if self.initial is not None and self.initial.n != self.world.n:
            raise ParameterError(
                f"`initial` has {self.initial.n} countries; the world has {self.world.n}."
            )

    def _check_concessions(self) -> None:
        """The game's own concessions are between its countries and release its export
        controls; a threat's ``unless`` names a concession of the pool."""
        codes = self.world.codes
        for c in self.negotiation.concessions:
            where = f"negotiation.concessions ({c.name!r})"
            for f in ("giver", "receiver"):
                if getattr(c, f) not in codes:
                    raise UnknownNameError(
                        f"{where}: `{f}` {getattr(c, f)!r} is not a country of the world; "
                        f"known: {', '.join(codes)}."
                    )
            for d in c.releases:
                if d not in self.world.control_ladders:
                    have = ", ".join("-".join(x) for x in self.world.control_ladders)
                    raise ParameterError(
                        f"{where}: `releases` {'-'.join(d)} has no export-control ladder; "
                        f"control ladders: {have or 'none'}."
                    )
                if d[0] != c.giver:
                    raise ParameterError(
                        f"{where}: `releases` {'-'.join(d)} is {d[0]}'s control; a concession "
                        f"releases the giver's ({c.giver}) own."
                    )
        pool = self.negotiation.pool
        for k, dm in enumerate(self.negotiation.demands):
            met_by = pool.get(dm.concession)
            if met_by is not None and (met_by.giver, met_by.receiver) != (dm.of, dm.by):
                raise ParameterError(
                    f"negotiation.demands[{k}]: {dm.concession!r} is given by {met_by.giver} to "
                    f"{met_by.receiver}; a demand of {dm.by} on {dm.of} is met by a concession "
                    f"{dm.of} gives {dm.by} (no summit of theirs would carry it)."
                )
        for k, e in enumerate(self.events):
            if e.kind == "summit" and e.parties:
                try:
                    _concession_pool(e.parties, e.agenda, pool)
                except ParameterError as exc:
                    where = f"events[{k}] ({e.label!r})" if e.label else f"events[{k}]"
                    raise ParameterError(f"{where}: {exc}") from None
        for k, th in enumerate(self.threats):
            if th.unless and th.unless not in pool:
                raise UnknownNameError(
                    f"threats[{k}].unless: unknown concession {th.unless!r}; known: "
                    f"{', '.join(sorted(pool))}."
                )

    def __repr__(self) -> str:
        agents = ", ".join(a.code for a in self.agents) or "none"
        return (
            f"<Game {self.name or 'unnamed'}: {self.world.n} countries, agents {agents}; "
            f"{len(self.events)} events; {self.rounds} rounds of {self.round_days} days "
            f"from {self.start}; noise {self.noise:g}>"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """A small game in full (IPython, hypothesis' failing examples): calendar, agents
        and their strategies, events, the world and the model; the one-line :func:`repr`
        beyond six countries."""
        if self.world.n > 6:
            p.text(repr(self))
            return
        lines = [repr(self)]
        lines.append("  agents: " + "; ".join(
            f"{a.code} {a.strategy.name}" + (f" on {', '.join(a.targets)}" if a.targets else "")
            for a in self.agents) if self.agents else "  agents: none")  # fmt: skip
        lines += [f"  event: {e.when} {e.kind} {e.label}" for e in self.events]
        if self.initial is not None:
            lines.append(f"  initial: {self.initial!r}")
        lines += ["  " + x for x in self.world._pretty_lines()]
        lines += ["  " + x for x in self.model._pretty_lines()]
        p.text("\n".join(lines))

    def replace(self, **changes: Any) -> Game:
        """A copy with fields replaced (validated again; a name that is no field, such as
        ``nosie``, is a ``ParameterError``)."""
        return replaced(self, changes)

    @property
    def steps(self) -> int:
        """Decision steps per round: ``ceil(round_days / decision_days)``."""
        return -(-self.round_days // self.decision_days)

    def decides(self, round_: int) -> bool:
        """Whether the agents decide in round ``round_`` (>= 1).

        Decisions fall every ``decision_days`` days from the start (day 0); round
        ``r`` holds days ``[(r - 1) d, r d)`` for rounds of ``d = round_days``
        days. Every round holds one where decisions are at least as frequent as
        rounds; with ``decision_days`` longer than a round, only every so many
        rounds do (a month's decisions in daily or weekly rounds fall on the
        same days), and in the others every agent holds.

        Examples
        --------
        >>> g = ts.load_scenario("us-china-145").game.replace(decision_days=28)
        >>> [r for r in range(1, 14) if g.decides(r)]  # weekly rounds: days 0, 28, 56, 84
        [1, 5, 9, 13]
        """
        first = (round_ - 1) * self.round_days
        return (-first) % self.decision_days < self.round_days

    def date(self, round_: int) -> dt.date:
        """Calendar date of a round."""
        return self.start + dt.timedelta(days=self.round_days * round_)

    def played_dyads(self) -> tuple[tuple[str, str], ...]:
        """The dyads the game can move, ``(importer, exporter)``: each agent's tariff targets
        (in the agents' order), then the dyads its ``set`` events set, each once.

        Examples
        --------
        >>> ts.load_scenario("us-china-145").game.played_dyads()
        (('US', 'CN'), ('CN', 'US'))
        """
        out = [d for a in self.agents for d in targets_of(self.world, a.code, a.targets)]
        out += [(e.importer, e.exporter) for e in self.events if e.kind == "set"]
        return tuple(dict.fromkeys(out))

    def round_of(self, when: dt.date | int) -> int:
        """The round in which an event dated ``when`` fires.

        Round ``r`` covers the days after ``date(r - 1)`` up to ``date(r)``; an
        event dated on or before the start fires in the initial state (round 0).
        """
        if isinstance(when, int):
            return when
        days = (when - self.start).days
        return max(0, -(-days // self.round_days))

    def simulate(
        self,
        rounds: int | None = None,
        *,
        seed: int | np.random.SeedSequence | None = None,
        rng: Any = None,
    ) -> Path:
        """Play the game; see :func:`simulate`."""
        return simulate(self, rounds, seed=seed, rng=rng)


def path_from_states(
    game: Game,
    states: Sequence[State],
    moves: Sequence[np.ndarray] | None = None,
    *,
    events: Sequence[tuple[int, str]] = (),
    meta: Mapping[str, Any] | None = None,
    first_round: int = 0,
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
    first_round : int, default 0
        The game round ``states[0]`` stands at: the path is dated from
        ``game.date(first_round)`` (the caller checks that the calendar holds it).
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
    if first_round:
        path = dataclasses.replace(
            path, dates=path.dates + np.timedelta64(first_round * game.round_days, "D")
        )
    players = {"players": [a.code for a in game.agents]} if game.agents else {}
    if meta or players:  # (the agents are the path's players: its tables show them)
        path = dataclasses.replace(path, meta={**path.meta, **players, **(meta or {})})
    return path
