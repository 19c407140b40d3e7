"""Agents: beliefs, what an agent observes, the Strategy protocol, built-ins.

An agent is a country that moves. Each round it *observes* the world, the
current state, the history of states and its own :class:`Beliefs` — its
perceived payoff parameters — and its :class:`Strategy` returns one move per
dyad it controls: ``-1`` de-escalate, ``0`` hold, ``+1`` escalate (one ladder
step). Agents act on perceived parameters and are paid the true ones; after
each round their beliefs move toward what they saw (:meth:`Beliefs.update`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from . import limits
from ._ties import best_index
from ._util import did_you_mean, one_of, probability, short_repr
from .dynamics import REFERENCE_DAYS, per_time
from .errors import ParameterError, UnknownNameError
from .payoffs import PARAM_FIELDS, Params, PayoffModel, market_pass_through
from .world import Country, Move, State, StateBatch, World

if TYPE_CHECKING:
    from .engine import BatchObservation

__all__ = [
    "STRATEGIES",
    "Beliefs",
    "Country",
    "GrimTrigger",
    "Hold",
    "Move",
    "MyopicBestResponse",
    "Observation",
    "Scripted",
    "Strategy",
    "TitForTat",
    "Traits",
    "check_strategy",
    "make_strategy",
    "own_profiles",
    "register",
    "sign_moves",
]

Dyad = tuple[str, str]
Moves = dict[Dyad, int]


@dataclass(frozen=True, slots=True)
class Traits:
    """What a strategy is, for filtering and for property tests.

    Parameters
    ----------
    memory_depth : float
        Rounds of history the strategy looks back (``math.inf`` for all).
    stochastic : bool
        Whether it draws from its ``rng``. Runs that draw nothing are alike,
        and the engine plays one of them for all (a batch, an ensemble, a
        tournament's repetitions); it trusts ``False`` only for tariffsim's own
        strategies: a strategy of yours is played run by run whatever it says.
    uses_beliefs : bool
        Whether it consults the agent's perceived payoff model.
    reacts_to_events : bool
        Whether scheduled events change what it does beyond the state.
    encodes : tuple of str
        Ids of the claims (see :data:`tariffsim.claims`) whose behaviour the
        strategy encodes; empty for the classics.
    paced : bool
        Whether the strategy decides at the calendar pace of decisions: at
        every decision step of a round (:attr:`tariffsim.game.Game.decision_days`),
        answering the others' moves within the round. Only a deterministic
        strategy whose move depends on the current state (not on the round
        number or the history) may be paced; a stochastic one never is. Other
        strategies decide once per round, at its first step.
    """

    memory_depth: float = 1
    stochastic: bool = False
    uses_beliefs: bool = False
    reacts_to_events: bool = False
    encodes: tuple[str, ...] = ()
    paced: bool = False

    def __post_init__(self) -> None:
        for name in ("stochastic", "uses_beliefs", "reacts_to_events", "paced"):
            v = getattr(self, name)
            if not isinstance(v, bool | np.bool_):  # ("no" is truthy: read as True)
                raise ParameterError(f"Traits.{name} must be True or False; got {v!r}.")
        m = self.memory_depth
        if isinstance(m, bool) or not isinstance(m, numbers.Real) or not (m >= 0):
            raise ParameterError(
                f"Traits.memory_depth must be a number of rounds >= 0 (math.inf: all); got {m!r}."
            )
        enc = self.encodes
        if isinstance(enc, str) or not isinstance(enc, tuple | list):
            raise ParameterError(f"Traits.encodes must be a tuple of claim ids; got {enc!r}.")
        if not all(isinstance(c, str) for c in enc):
            raise ParameterError(f"Traits.encodes must hold claim ids (str); got {enc!r}.")
        object.__setattr__(self, "encodes", tuple(enc))
        if self.paced and self.stochastic:  # (it would be played once a round, silently)
            raise ParameterError(
                "Traits: a stochastic strategy cannot be paced (it decides once a round); "
                "set paced=False or stochastic=False."
            )


@dataclass(frozen=True)
class Beliefs:
    """An agent's perceived payoff parameters and how it learns.

    Parameters
    ----------
    perceived : Params
        The parameters the agent acts on.
    learning_rate : float
        In [0, 1]: the share of the gap between perceived and true pass-through
        closed per reference week (:data:`~tariffsim.dynamics.REFERENCE_DAYS`,
        7 days) at a 100% tariff. Learning is evidence-weighted: where the
        agent's tariff is in force, a dyad's belief closes
        ``x = learning_rate * min(tariff, 1)`` of the gap per week, so
        ``1 - (1 - x) ** (d / 7)`` in a round of ``d`` days
        (:func:`~tariffsim.dynamics.per_time`: daily rounds learn as fast per
        week as weekly ones; prices are observed only where a tariff bites;
        claims ``cn_actions_not_words``, ``trump_regret_145``,
        ``shein_temu_prices``).
    learn : tuple of str
        Which :class:`~tariffsim.payoffs.Params` fields are updated. Per-dyad
        fields learn where the agent's tariff is in force; others learn at
        ``learning_rate`` every round.

    Examples
    --------
    >>> w = ts.World.default(); truth = ts.Params.default(w)
    >>> b = ts.Beliefs(truth.with_dyad(w, "pass_through", "US", "CN", 0.2), learning_rate=0.5)
    >>> s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.0)
    >>> round(float(b.update(truth, s, "US", w).perceived.pass_through[0, 1]), 2)
    0.6
    """

    perceived: Params
    learning_rate: float = 0.0
    learn: tuple[str, ...] = ("pass_through",)

    def __post_init__(self) -> None:
        if not isinstance(self.perceived, Params):
            raise ParameterError(
                f"`perceived` must be a Params (the parameters the agent acts on, "
                f"e.g. Params.default(world)); got {short_repr(self.perceived)}."
            )
        object.__setattr__(self, "learning_rate", probability(self.learning_rate, "learning_rate"))
        learn = (self.learn,) if isinstance(self.learn, str) else self.learn  # (not letters)
        if not isinstance(learn, Iterable):
            raise ParameterError(f"`learn` must be a tuple of field names; got {learn!r}.")
        learn = tuple(str(f) if isinstance(f, str) else f for f in learn)
        for f in learn:
            if not isinstance(f, str) or f not in PARAM_FIELDS:
                raise UnknownNameError(
                    f"`learn` names unknown parameter {f!r}; known: {sorted(PARAM_FIELDS)}."
                )
        object.__setattr__(self, "learn", learn)

    def __repr__(self) -> str:
        return f"<Beliefs learning_rate {self.learning_rate:g}, learns {', '.join(self.learn)}>"

    @classmethod
    def from_elasticities(
        cls,
        truth: Params,
        world: World,
        supply: Mapping[tuple[str, str], float],
        *,
        learning_rate: float = 0.0,
    ) -> Beliefs:
        """Beliefs stated as export-supply elasticities (market power).

        The agent believes the exporters of each named dyad ``(importer,
        exporter)`` supply the importer's market with elasticity
        ``supply[dyad]``; its perceived pass-through there is
        ``eps* / (eps + eps*)`` (:func:`tariffsim.payoffs.market_pass_through`)
        with the import-demand elasticity ``truth.elasticity``. Believing that
        China "needs us more than we need them" is believing its supply is
        inelastic. Learning then moves the pass-through, the observable the
        elasticity implies (:meth:`implied_supply`).

        Raises
        ------
        ParameterError
            If an elasticity is not finite and > 0.
        UnknownNameError
            If a code is not a country of ``world``.

        Examples
        --------
        >>> w = ts.World.default(); truth = ts.Params.default(w)
        >>> b = ts.Beliefs.from_elasticities(truth, w, {("US", "CN"): 0.2778}, learning_rate=0.1)
        >>> round(float(b.perceived.pass_through[0, 1]), 3)
        0.1
        >>> round(float(b.implied_supply(w)[0, 1]), 4)
        0.2778
        """
        pt = np.array(truth.pass_through, dtype=float)
        for (a, b), es in supply.items():
            if isinstance(es, bool) or not (
                isinstance(es, numbers.Real) and np.isfinite(es) and es > 0
            ):
                raise ParameterError(f"supply[{a}, {b}]: must be finite and > 0; got {es!r}.")
            pt[world.index(a), world.index(b)] = float(market_pass_through(truth.elasticity, es))
        return cls(truth.replace(pass_through=pt), learning_rate=learning_rate)

    def implied_supply(self, world: World) -> NDArray[np.float64]:
        """Export-supply elasticities the perceived pass-through implies, ``(n, n)``.

        ``eps* = eps p / (1 - p)`` (inf where ``p = 1``): the market-power
        reading of the belief.
        """
        p = np.asarray(self.perceived.pass_through, dtype=float)
        e = float(np.mean(self.perceived.elasticity))
        with np.errstate(divide="ignore"):
            return np.where(p < 1.0, e * p / np.maximum(1.0 - p, 1e-300), np.inf)

    def update(
        self, truth: Params, state: State, me: str, world: World, *, days: float = REFERENCE_DAYS
    ) -> Beliefs:
        """Beliefs after observing ``state`` for one round of ``days`` days (a new object).

        ``learning_rate`` is per reference week; a round of ``days`` days closes
        ``1 - (1 - share) ** (days / 7)`` of the gap (:func:`tariffsim.dynamics.per_time`).
        """
        if self.learning_rate == 0 or not self.learn:
            return self
        i = world.index(me)
        changes: dict[str, Any] = {}
        for name in self.learn:
            cur = np.array(getattr(self.perceived, name), dtype=float)
            tru = np.asarray(getattr(truth, name), dtype=float)
            if cur.ndim == 2:
                rate = np.zeros_like(cur)
                rate[i] = per_time(self.learning_rate * np.minimum(state.tariff[i], 1.0), days)
                cur = cur + rate * (tru - cur)
            else:
                cur = cur + per_time(self.learning_rate, days) * (tru - cur)
            changes[name] = cur if cur.ndim else float(cur)
        # convex combinations of two valid parameter sets are valid: skip re-checking
        return dataclasses.replace(self, perceived=self.perceived._replace_trusted(**changes))


@dataclass(frozen=True)
class Observation:
    """What an agent sees when it moves.

    Attributes
    ----------
    me : str
        The agent's country code.
    world : World
    state : State
        The current state (after this round's scheduled events). Its ``moved``
        is what :meth:`last_change` reads.
    history : tuple of State
        Earlier states, oldest first (``history[-1]`` is the state before the
        last round's moves, if any), each as a strategy deciding once a round
        saw it: its ``moved`` the net change of the round before it.
    targets : tuple of (str, str)
        Dyads the agent controls, as ``(me, target)``.
    model : PayoffModel
        The payoff model with the agent's *perceived* parameters.
    round : int
    events : tuple of str
        Labels of the events that fired this round.
    floors : mapping of (str, str) to float
        Lowest headline level of each dyad the game lets its importer cut to
        this round (unmet non-trade demands, :class:`tariffsim.bargaining.Demand`);
        empty when none binds.
    """

    me: str
    world: World
    state: State
    history: tuple[State, ...]
    targets: tuple[Dyad, ...]
    model: PayoffModel
    round: int = 0
    events: tuple[str, ...] = ()
    floors: Mapping[Dyad, float] = dataclasses.field(default_factory=dict)

    def level(self, importer: str, exporter: str) -> float:
        """Current headline tariff of ``importer`` on ``exporter``."""
        return float(self.state.tariff[self.world.index(importer), self.world.index(exporter)])

    def last_change(self, importer: str, exporter: str) -> float:
        """Signed size of the last change on a dyad (0 if none), as ``state.moved`` holds it.

        For a strategy that decides once a round, the change since it last decided:
        the net change of the round before, over all its decision steps, or where a
        scheduled announcement or a deal set the dyad this round, that change. For a
        paced strategy (:attr:`Traits.paced`), the change of the last decision step.
        """
        return float(self.state.moved[self.world.index(importer), self.world.index(exporter)])

    def ever_escalated(self, importer: str, exporter: str) -> bool:
        """Whether ``importer`` ever raised its tariff on ``exporter`` so far."""
        i, j = self.world.index(importer), self.world.index(exporter)
        return any(s.moved[i, j] > 0 for s in (*self.history, self.state))


@runtime_checkable
class Strategy(Protocol):
    """Maps an :class:`Observation` to one move per controlled dyad.

    A strategy is any object with a ``name``, a ``traits`` attribute and an
    ``act(obs, rng)`` method returning ``{(me, target): move}`` with moves in
    ``{-1, 0, +1}``; dyads left out hold. Strategies must draw randomness only
    from ``rng``, and their moves must depend only on ``obs`` and ``rng``: a
    strategy that keeps state between calls (a counter, a memory of its own)
    makes a run depend on the other runs of its batch and on how the batch is
    cut, and a batch's runs then differ from :func:`~tariffsim.simulate` with
    their seeds. History is in ``obs.history``.

    A strategy may also define ``act_batch(bobs, rngs)``: the same decision
    for every run of a batch at once, from a
    :class:`~tariffsim.engine.BatchObservation`, returning an int8 array of
    shape ``(R, k)`` (one move per run per dyad of ``bobs.targets``);
    ``rngs[r]`` is run ``r``'s generator (the one ``act`` would get). The
    engine calls ``act`` run by run for strategies without it. Every built-in
    strategy has one, and gives exactly the moves of its ``act``.
    """

    @property
    def name(self) -> str:
        """Short name."""
        ...

    @property
    def traits(self) -> Traits:
        """What the strategy is (memory depth, stochastic, …)."""
        ...

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Moves for this round."""
        ...


def check_strategy(strategy: Any, where: str) -> None:
    """Refuse what is not a :class:`Strategy` (a ``name``, ``traits`` and ``act``).

    Raises
    ------
    ParameterError
        Naming ``where`` (e.g. ``agents.US.strategy``), what the object lacks and
        the object; for a class given instead of an instance, a ``name`` that is
        no non-empty string and ``traits`` that are no :class:`Traits`.
    """
    if isinstance(strategy, type):  # (its class attributes pass the protocol's check)
        raise ParameterError(
            f"{where}: the class {strategy.__name__} was given; give an instance, "
            f"{strategy.__name__}()."
        )
    if not isinstance(strategy, Strategy):
        lacks = [m for m in ("name", "traits", "act") if not hasattr(strategy, m)]
        raise ParameterError(
            f"{where}: not a Strategy (it needs name, traits and "
            f"act{'; this one has no ' + ', '.join(lacks) if lacks else ''}); "
            f"got {short_repr(strategy)}."
        )
    name = strategy.name
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(
            f"{where}: a strategy's `name` must be a non-empty str; got {short_repr(name)} "
            f"({type(strategy).__name__})."
        )
    if not isinstance(strategy.traits, Traits):
        raise ParameterError(
            f"{where}: strategy {name!r}: `traits` must be a tariffsim Traits "
            f"(ts.Traits(stochastic=True, ...)); got {short_repr(strategy.traits)}."
        )
    for method in ("act", "act_batch"):
        if hasattr(strategy, method) and not callable(getattr(strategy, method)):
            raise ParameterError(f"{where}: strategy {name!r}: `{method}` must be a method.")


@dataclass(frozen=True)
class Hold:
    """Never moves: keeps every tariff where it is."""

    name: ClassVar[str] = "hold"
    traits: ClassVar[Traits] = Traits(memory_depth=0)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Hold on every dyad."""
        return dict.fromkeys(obs.targets, 0)

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> NDArray[np.int8]:
        """Hold on every dyad, in every run."""
        return np.zeros((bobs.runs, len(bobs.targets)), dtype=np.int8)


@dataclass(frozen=True)
class TitForTat:
    """Mirror the partner's last move on each dyad.

    Escalates one step when the target raised its tariff on us in the last
    round, de-escalates when it cut, holds otherwise. Never escalates first.
    """

    name: ClassVar[str] = "tit-for-tat"
    traits: ClassVar[Traits] = Traits(memory_depth=1)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Mirror each target's last change on us."""
        out: Moves = {}
        for me, tgt in obs.targets:
            d = obs.last_change(tgt, me)
            out[(me, tgt)] = 1 if d > 0 else (-1 if d < 0 else 0)
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> NDArray[np.int8]:
        """Mirror each target's last change, in every run."""
        i, j = bobs.ij()
        return np.sign(bobs.moved[:, j, i]).astype(np.int8)


@dataclass(frozen=True)
class GrimTrigger:
    """Hold until the target first escalates; then escalate every round, forever."""

    name: ClassVar[str] = "grim-trigger"
    traits: ClassVar[Traits] = Traits(memory_depth=math.inf)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Escalate on every target that has ever escalated on us."""
        return {(me, t): 1 if obs.ever_escalated(t, me) else 0 for me, t in obs.targets}

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> NDArray[np.int8]:
        """Escalate where the target ever escalated on us, in every run."""
        i, j = bobs.ij()
        ever: NDArray[np.bool_] = np.any(bobs.seen_moved[:, :, j, i] > 0, axis=1)
        return ever.astype(np.int8)


@dataclass(frozen=True)
class MyopicBestResponse:
    """Best next-round perceived payoff, taking the others' levels as given.

    Evaluates every combination of its own moves on its dyads (3**k profiles
    for k targets) in one batch with the agent's perceived payoff model and
    picks the best. Ties go to the smaller change (hold before a move), then
    de-escalation before escalation. Deterministic. Paced: in a round of
    several decision steps it best-responds at each step to the state the
    previous step left (:attr:`tariffsim.game.Game.decision_days`).
    """

    name: ClassVar[str] = "myopic"
    traits: ClassVar[Traits] = Traits(memory_depth=1, uses_beliefs=True, paced=True)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """The own-move profile with the highest perceived payoff."""
        if not obs.targets:
            return {}
        k = len(obs.targets)
        limits.check("max_combinations", 3**k, f"myopic strategy of {obs.me}: 3**{k} move profiles")
        profiles = _own_profiles(k)
        w = obs.world
        lay0 = obs.state.layered(w).layers
        layers = np.repeat(lay0[None], len(profiles), axis=0)
        rows_of = w._layer_rows
        for k, (a, b) in enumerate(obs.targets):
            i, j = w.index(a), w.index(b)
            rows = rows_of[(a, b)]
            for p, prof in enumerate(profiles):
                layers[p, rows, i, j] = w.step_dyad(a, b, lay0[rows, i, j], int(prof[k]))
        batch = StateBatch.from_layers(w, layers, previous=obs.state)
        pay = obs.model.payoff(batch, prev=obs.state)[:, w.index(obs.me)]
        best = int(best_index(pay))
        return {d: int(m) for d, m in zip(obs.targets, profiles[best], strict=True)}

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> NDArray[np.int8]:
        """Every run's best own-move profile, all profiles of all runs in one evaluation."""
        k = len(bobs.targets)
        if not k:
            return np.zeros((bobs.runs, 0), dtype=np.int8)
        what = f"myopic strategy of {bobs.me}: 3**{k} move profiles"
        limits.check("max_combinations", 3**k, what)
        profiles = own_profiles(k)
        pay = bobs.payoff(bobs.candidate_tariffs(profiles))
        return profiles[best_index(pay)]


_PROFILES: dict[int, NDArray[np.int8]] = {}


def own_profiles(k: int) -> NDArray[np.int8]:
    """Move profiles over ``k`` dyads as an int8 array (3**k, k), in tie-break order.

    Fewer moves first, then cuts before the rest dyad by dyad — the order
    :class:`MyopicBestResponse` and export-control choices break ties in.

    Examples
    --------
    >>> ts.agents.own_profiles(1).ravel().tolist()
    [0, -1, 1]
    """
    out = _PROFILES.get(k)
    if out is None:
        out = np.array(_own_profiles(k), dtype=np.int8).reshape(-1, k)
        out.flags.writeable = False
        _PROFILES[k] = out
    return out


def sign_moves(x: NDArray[np.float64], tol: float = 0.0) -> NDArray[np.int8]:
    """``+1`` where ``x > tol``, ``-1`` where ``x < -tol``, else 0 (int8)."""
    return ((x > tol).astype(np.int8) - (x < -tol).astype(np.int8)).astype(np.int8)


def _own_profiles(k: int) -> list[tuple[int, ...]]:
    """Move profiles over k dyads, in tie-break order: fewer moves first, cuts first."""
    profs = list(itertools.product((0, -1, 1), repeat=k))
    return sorted(profs, key=lambda p: (sum(abs(x) for x in p), [x != -1 for x in p]))


@dataclass(frozen=True)
class Scripted:
    """Play a given schedule, then fall back to another strategy (default hold).

    Parameters
    ----------
    schedule : mapping of int to mapping of str to int
        ``{round: {target: move}}``; rounds not listed use ``then``.
    then : Strategy or str, optional
        Strategy (or the name of a built-in one, as in a scenario file:
        ``then = "myopic"``) played in rounds the schedule does not list.

    Notes
    -----
    An instance's :attr:`traits` are its fallback's (memory depth,
    whether it draws, beliefs, events; a fallback without traits counts
    as one that draws): a schedule that falls back to ``"random"`` draws.
    It is never paced (a scheduled move is made once a round). The class's
    own traits (``Scripted.traits``, what :func:`filter_strategies` reads)
    are those of the default fallback, :class:`Hold`.

    Examples
    --------
    >>> s = ts.Scripted({1: {"CN": 1}})
    >>> s.schedule[1]["CN"]
    1
    """

    schedule: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    then: Strategy | str = field(default_factory=Hold)
    name: ClassVar[str] = "scripted"
    traits: ClassVar[Traits] = Traits(memory_depth=0)

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Mapping):
            raise ParameterError(
                f"schedule: must be a table {{round: {{target: move}}}}; got {self.schedule!r}."
            )
        sched: dict[int, dict[str, int]] = {}
        for key, moves in self.schedule.items():
            # TOML table keys are strings: accept "3" for round 3 (ASCII digits only)
            r = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else key
            if not isinstance(r, int | np.integer) or isinstance(r, bool) or r < 1:
                raise ParameterError(
                    f"schedule: rounds must be ints >= 1 (round 0 is the starting state, never "
                    f"played); got {key!r}."
                )
            if not isinstance(moves, Mapping):
                raise ParameterError(
                    f"schedule[{r}]: must be a table {{target: move}}; got {moves!r}."
                )
            for tgt, m in moves.items():
                if not isinstance(tgt, str):
                    raise ParameterError(f"schedule[{r}]: targets are country codes; got {tgt!r}.")
                if isinstance(m, bool) or m not in (-1, 0, 1):
                    raise ParameterError(
                        f"schedule[{r}][{tgt}]: move must be -1, 0 or +1; got {m!r}."
                    )
            sched[int(r)] = {t: int(m) for t, m in moves.items()}
        object.__setattr__(self, "schedule", sched)
        then = self.then
        if isinstance(then, str):
            if then == "scripted":
                raise ParameterError("then: must not be 'scripted' (a schedule has no end).")
            then = make_strategy(then)
            object.__setattr__(self, "then", then)
        check_strategy(then, "then")  # (a class for an instance, traits that are no Traits)
        # this schedule's traits: what its fallback does in the rounds it does not list (a
        # fallback that draws makes the schedule draw; one without traits counts as drawing)
        inner = getattr(then, "traits", None)
        object.__setattr__(
            self,
            "traits",
            Traits(
                memory_depth=getattr(inner, "memory_depth", math.inf),
                stochastic=bool(getattr(inner, "stochastic", True)),
                uses_beliefs=bool(getattr(inner, "uses_beliefs", False)),
                reacts_to_events=bool(getattr(inner, "reacts_to_events", False)),
            ),
        )

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """The scheduled moves for this round, else the fallback's."""
        if obs.round in self.schedule:
            sched = self.schedule[obs.round]
            return {(me, t): int(sched.get(t, 0)) for me, t in obs.targets}
        then = self.then
        assert not isinstance(then, str)  # resolved in __post_init__
        return then.act(obs, rng)

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> NDArray[np.int8]:
        """The scheduled moves in every run, else the fallback's."""
        if bobs.round in self.schedule:
            sched = self.schedule[bobs.round]
            row = np.array([int(sched.get(t, 0)) for _, t in bobs.targets], dtype=np.int8)
            return np.repeat(row[None], bobs.runs, axis=0)
        then = self.then
        assert not isinstance(then, str)  # resolved in __post_init__
        return bobs.act_with(then, rngs)


STRATEGIES: dict[str, type] = {
    "hold": Hold,
    "tit-for-tat": TitForTat,
    "grim-trigger": GrimTrigger,
    "myopic": MyopicBestResponse,
    "scripted": Scripted,
}
"""Built-in strategies by name."""


def register(name: str, cls: type) -> type:
    """Add a strategy class to :data:`STRATEGIES` under ``name`` (returns ``cls``).

    Lets :func:`make_strategy` and scenario files (``strategy = "name"``) build it.

    Raises
    ------
    ParameterError
        If ``name`` is empty or already taken by a different class, or ``cls``
        lacks a ``traits`` attribute holding :class:`Traits`.

    Examples
    --------
    >>> ts.agents.register("hold", ts.Hold) is ts.Hold
    True
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"`name` must be a non-empty string; got {name!r}.")
    if not isinstance(getattr(cls, "traits", None), Traits):
        raise ParameterError(f"`cls` must have a `traits` attribute of type Traits; got {cls!r}.")
    if STRATEGIES.get(name, cls) is not cls:
        raise ParameterError(
            f"strategy name {name!r} is taken by {STRATEGIES[name].__name__}; pick another."
        )
    STRATEGIES[name] = cls
    return cls


def make_strategy(name: str, **kwargs: Any) -> Strategy:
    """Build a built-in strategy by name.

    Raises
    ------
    UnknownNameError
        If ``name`` is not in :data:`STRATEGIES`; the message lists them.

    Examples
    --------
    >>> ts.make_strategy("tit-for-tat").name
    'tit-for-tat'
    """
    if not one_of(name, STRATEGIES):
        raise UnknownNameError(
            f"unknown strategy {short_repr(name)}; {did_you_mean(name, STRATEGIES)}known: "
            f"{', '.join(STRATEGIES)}."
        )
    try:
        return STRATEGIES[name](**kwargs)
    except TypeError as e:
        raise ParameterError(f"strategy {name!r}: {e}") from None


def targets_of(world: World, me: str, targets: Sequence[str] | None = None) -> tuple[Dyad, ...]:
    """The dyads ``me`` controls: ``(me, t)`` for each target with a ladder."""
    world.index(me)
    if targets is None:
        return tuple(d for d in world.ladders if d[0] == me)
    if isinstance(targets, str):  # one code given alone: one target, not its letters
        targets = (targets,)
    out = []
    for t in targets:
        world.index(t)
        if (me, t) not in world.ladders:
            raise ParameterError(f"agents.{me}.targets: no tariff ladder for ({me}, {t}).")
        out.append((me, t))
    return tuple(out)
