"""Strategies from the articles and the classics of the iterated dilemma.

Every strategy here follows the :class:`~tariffsim.agents.Strategy` protocol: a
frozen dataclass with a ``name``, a typed :class:`~tariffsim.agents.Traits`
classifier and ``act(obs, rng) -> {(me, target): move}`` with moves ``-1``
(de-escalate one rung), ``0`` (hold) and ``+1`` (escalate one rung).
Strategies keep no state between rounds: whatever they remember they read back
from ``obs.history`` (so one object can play many matches at once).

In the tariff game "cooperate" means *not escalating*: the classics answer an
escalation with an escalation and a cut with a cut. The article strategies
encode the claims named in their docstrings and in ``traits.encodes``.

Importing this module registers every strategy in
:data:`tariffsim.agents.STRATEGIES`, so ``ts.make_strategy("pavlov")`` and a
scenario's ``strategy = "face-saving-retreat"`` work.

Examples
--------
>>> from tariffsim import strategies
>>> sorted(strategies.filter_strategies(stochastic=True))
['generous-tit-for-tat', 'random']
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ._ties import beats, best_index
from ._util import as_real, probability, whole_number
from .agents import STRATEGIES, Observation, Traits, register, sign_moves
from .errors import ParameterError
from .world import State, StateBatch

if TYPE_CHECKING:
    from .engine import BatchObservation

I8 = NDArray[np.int8]

__all__ = [
    "ARTICLE_STRATEGIES",
    "CLASSIC_STRATEGIES",
    "AlwaysDeescalate",
    "AlwaysEscalate",
    "Brinkmanship",
    "ContriteTitForTat",
    "DivideAndConquer",
    "FaceSavingRetreat",
    "FictitiousPlayer",
    "FirmButMeasured",
    "GenerousTitForTat",
    "Pavlov",
    "Random",
    "TransactionalDealmaker",
    "filter_strategies",
]

Dyad = tuple[str, str]
Moves = dict[Dyad, int]


# ---------------------------------------------------------------------------
# helpers reading the observation
# ---------------------------------------------------------------------------
def _ij(obs: Observation, a: str, b: str) -> tuple[int, int]:
    w = obs.world
    return w.index(a), w.index(b)


def _sign(x: float) -> int:
    return 1 if x > 1e-12 else (-1 if x < -1e-12 else 0)


def _states(obs: Observation, start: int = 0) -> Iterator[State]:
    """The states seen so far from ``start`` on, oldest first, the current one last."""
    return itertools.chain(itertools.islice(obs.history, start, None), (obs.state,))


def _check_count(value: Any, name: str, minimum: int = 0) -> int:
    return whole_number(value, name, minimum)


def _one_step_payoffs(obs: Observation, dyad: Dyad, moves: tuple[int, ...]) -> np.ndarray:
    """Perceived payoff to ``obs.me`` of each own move on ``dyad``, others held."""
    w = obs.world
    i, j = _ij(obs, *dyad)
    lad = w.ladders[dyad]
    t0 = obs.state.tariff
    tariffs = np.repeat(t0[None], len(moves), axis=0)
    for k, m in enumerate(moves):
        tariffs[k, i, j] = lad.step(t0[i, j], m)
    batch = StateBatch.from_tariffs(tariffs, previous=obs.state)
    return np.asarray(obs.model.payoff(batch, prev=obs.state)[:, w.index(obs.me)])


# ---------------------------------------------------------------------------
# classics
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AlwaysEscalate:
    """Escalate on every target, every round.

    The "defect always" of the iterated dilemma. Encodes no article claim.

    Examples
    --------
    >>> ts.make_strategy("always-escalate").traits.memory_depth
    0
    """

    name: ClassVar[str] = "always-escalate"
    traits: ClassVar[Traits] = Traits(memory_depth=0)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Escalate on every dyad."""
        return dict.fromkeys(obs.targets, 1)

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Escalate on every dyad, in every run."""
        return np.ones((bobs.runs, len(bobs.targets)), dtype=np.int8)


@dataclass(frozen=True)
class AlwaysDeescalate:
    """Cut one rung on every target, every round (a hold at the bottom rung).

    The "cooperate always" of the iterated dilemma. Encodes no article claim.

    Examples
    --------
    >>> ts.make_strategy("always-deescalate").traits.stochastic
    False
    """

    name: ClassVar[str] = "always-deescalate"
    traits: ClassVar[Traits] = Traits(memory_depth=0)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """De-escalate on every dyad."""
        return dict.fromkeys(obs.targets, -1)

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """De-escalate on every dyad, in every run."""
        return np.full((bobs.runs, len(bobs.targets)), -1, dtype=np.int8)


@dataclass(frozen=True)
class Random:
    """Escalate with probability ``p``, otherwise de-escalate, on each dyad.

    Parameters
    ----------
    p : float
        Probability of escalating, in [0, 1].

    Examples
    --------
    >>> ts.make_strategy("random", p=0.2).p
    0.2
    """

    p: float = 0.5
    name: ClassVar[str] = "random"
    traits: ClassVar[Traits] = Traits(memory_depth=0, stochastic=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", probability(self.p, "p"))

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """One independent draw per dyad."""
        draws = rng.random(len(obs.targets))
        return {d: 1 if u < self.p else -1 for d, u in zip(obs.targets, draws, strict=True)}

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """One draw per dyad from each run's own generator."""
        k = len(bobs.targets)
        u = np.array([rngs[r].random(k) for r in range(bobs.runs)]).reshape(bobs.runs, k)
        return np.where(u < self.p, 1, -1).astype(np.int8)


@dataclass(frozen=True)
class GenerousTitForTat:
    """Tit-for-tat that lets an escalation pass with probability ``generosity``.

    Answers a partner's cut with a cut; answers an escalation with an
    escalation except, with probability ``generosity``, it holds instead
    (Nowak & Sigmund, 1992: forgiveness restores cooperation after noise).
    Never escalates first. Encodes no article claim.

    Parameters
    ----------
    generosity : float
        Probability of holding instead of retaliating, in [0, 1].

    Examples
    --------
    >>> ts.make_strategy("generous-tit-for-tat").generosity
    0.1
    """

    generosity: float = 0.1
    name: ClassVar[str] = "generous-tit-for-tat"
    traits: ClassVar[Traits] = Traits(memory_depth=1, stochastic=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "generosity", probability(self.generosity, "generosity"))

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Mirror the partner's last change, forgiving some escalations."""
        out: Moves = {}
        draws = rng.random(len(obs.targets))
        for (me, tgt), u in zip(obs.targets, draws, strict=True):
            d = _sign(obs.last_change(tgt, me))
            out[(me, tgt)] = 0 if d > 0 and u < self.generosity else d
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Mirror, forgiving some escalations; draws from each run's generator."""
        k = len(bobs.targets)
        u = np.array([rngs[r].random(k) for r in range(bobs.runs)]).reshape(bobs.runs, k)
        i, j = bobs.ij()
        d = sign_moves(bobs.moved[:, j, i], 1e-12)
        return np.where((d > 0) & (u < self.generosity), 0, d).astype(np.int8)


@dataclass(frozen=True)
class Pavlov:
    """Win-stay, lose-shift (Nowak & Sigmund, 1993).

    On each dyad, "cooperate" is a cut (a hold at the bottom rung) and "defect"
    an escalation. Pavlov cooperates when both sides did the same thing in the
    last round (both escalated, or neither did) and defects otherwise: it stays
    after a win and shifts after a loss. It may escalate first: after its own
    unanswered escalation (a noise slip) the sides did different things, so it
    shifts to escalating again, and against a side that never answers it climbs
    its ladder. Encodes no article claim.

    Examples
    --------
    >>> ts.make_strategy("pavlov").traits.memory_depth
    1
    """

    name: ClassVar[str] = "pavlov"
    traits: ClassVar[Traits] = Traits(memory_depth=1)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Cut when last round's moves matched, escalate when they differed."""
        out: Moves = {}
        for me, tgt in obs.targets:
            mine = obs.last_change(me, tgt) > 1e-12
            theirs = obs.last_change(tgt, me) > 1e-12
            out[(me, tgt)] = -1 if mine == theirs else 1
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Win-stay, lose-shift in every run."""
        i, j = bobs.ij()
        mine = bobs.moved[:, i, j] > 1e-12
        theirs = bobs.moved[:, j, i] > 1e-12
        return np.where(mine == theirs, -1, 1).astype(np.int8)


@dataclass(frozen=True)
class ContriteTitForTat:
    """Tit-for-tat that owns up to its own mistakes (Boyd, 1989).

    It works out what tit-for-tat *meant* to play last round from the round
    before. If its own last move was an escalation it did not intend (an
    execution error, ``Game.noise``), it cuts to undo it and does not answer
    the partner's retaliation for it in the round after; otherwise it mirrors
    the partner's last change. Never escalates first. Encodes no article claim.

    Examples
    --------
    >>> ts.make_strategy("contrite-tit-for-tat").traits.memory_depth
    2
    """

    name: ClassVar[str] = "contrite-tit-for-tat"
    traits: ClassVar[Traits] = Traits(memory_depth=2)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Mirror the partner, except after an unintended escalation of its own."""
        out: Moves = {}
        states = (*obs.history[-2:], obs.state)
        for me, tgt in obs.targets:
            i, j = _ij(obs, me, tgt)
            theirs = _sign(float(states[-1].moved[j, i]))
            # was my last move (states[-1]) an unintended escalation?
            if _mistake(states, -1, i, j):
                out[(me, tgt)] = -1
            elif theirs > 0 and _mistake(states, -2, i, j):
                out[(me, tgt)] = 0  # their escalation answered my error: take it
            else:
                out[(me, tgt)] = theirs
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Contrite tit-for-tat in every run (the last three states seen)."""
        i, j = bobs.ij()
        sm = bobs.seen_moved  # (R, h, k, k); the current state last
        h = sm.shape[1]
        theirs = sign_moves(sm[:, -1, j, i], 1e-12)

        def mistake(q: int) -> NDArray[np.bool_]:
            if h < -q + 1:
                return np.zeros(theirs.shape, dtype=bool)
            actual = sign_moves(sm[:, q, i, j], 1e-12)
            intended = sign_moves(sm[:, q - 1, j, i], 1e-12)
            return (actual > 0) & (intended <= 0)

        last, before = mistake(-1), mistake(-2)
        out = np.where(last, -1, np.where((theirs > 0) & before, 0, theirs))
        return out.astype(np.int8)


def _mistake(states: tuple[State, ...], k: int, i: int, j: int) -> bool:
    """Whether ``i``'s change on ``j`` in ``states[k]`` was an escalation TFT did not intend."""
    if len(states) < -k + 1:
        return False
    actual = _sign(float(states[k].moved[i, j]))
    intended = _sign(float(states[k - 1].moved[j, i]))
    return actual > 0 and intended <= 0


@dataclass(frozen=True)
class FictitiousPlayer:
    """Best-respond to the partner's empirical mix of moves (Brown, 1951).

    On each dyad it counts the partner's past moves on it (escalate / hold /
    cut, one pseudo-count each to start), and picks its own move with the
    highest expected *perceived* payoff for the next round against that mix,
    every other dyad held. Ties go to hold, then to a cut. Encodes no article
    claim; it acts on the agent's beliefs.

    Examples
    --------
    >>> ts.make_strategy("fictitious-play").traits.uses_beliefs
    True
    """

    name: ClassVar[str] = "fictitious-play"
    traits: ClassVar[Traits] = Traits(memory_depth=math.inf, uses_beliefs=True)

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """The own move with the best expected perceived payoff per dyad."""
        out: Moves = {}
        w = obs.world
        me_k = w.index(obs.me)
        order = (0, -1, 1)
        for me, tgt in obs.targets:
            i, j = _ij(obs, me, tgt)
            counts = np.ones(3)
            for s in _states(obs):
                counts[order.index(_sign(float(s.moved[j, i])))] += 1
            belief = counts / counts.sum()
            back = (tgt, me) in w.ladders
            t0 = obs.state.tariff
            tariffs = np.repeat(t0[None], 9, axis=0)
            for a, mine in enumerate(order):
                for b, theirs in enumerate(order):
                    k = 3 * a + b
                    tariffs[k, i, j] = w.ladders[(me, tgt)].step(t0[i, j], mine)
                    if back:
                        tariffs[k, j, i] = w.ladders[(tgt, me)].step(t0[j, i], theirs)
            batch = StateBatch.from_tariffs(tariffs, previous=obs.state)
            pay = np.asarray(obs.model.payoff(batch, prev=obs.state))[:, me_k].reshape(3, 3)
            value = pay @ belief
            best = int(best_index(value))
            out[(me, tgt)] = order[best]
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Per dyad, every run's best reply to the partner's empirical mix."""
        R = bobs.runs
        out = np.zeros((R, len(bobs.targets)), dtype=np.int8)
        order = np.array((0, -1, 1), dtype=np.int8)
        w = bobs.world
        for c, (me, tgt) in enumerate(bobs.targets):
            i, j = bobs.index(me), bobs.index(tgt)
            s = sign_moves(bobs.seen_moved[:, :, j, i], 1e-12)  # (R, h)
            counts = np.stack([(s == m).sum(axis=1) + 1.0 for m in order], axis=1)
            belief = counts / counts.sum(axis=1, keepdims=True)
            back = (tgt, me) in w.ladders
            t0 = bobs.tariff
            tariffs = np.repeat(t0[:, None], 9, axis=1)
            mine = np.stack([bobs.step((me, tgt), t0[:, i, j], m) for m in order], axis=1)
            theirs = (
                np.stack([bobs.step((tgt, me), t0[:, j, i], m) for m in order], axis=1)
                if back
                else None
            )
            for a in range(3):
                for b in range(3):
                    tariffs[:, 3 * a + b, i, j] = mine[:, a]
                    if theirs is not None:
                        tariffs[:, 3 * a + b, j, i] = theirs[:, b]
            pay = bobs.payoff(tariffs).reshape(R, 3, 3)
            value = pay[:, :, 0] * belief[:, None, 0]
            for b in (1, 2):
                value = value + pay[:, :, b] * belief[:, None, b]
            out[:, c] = order[best_index(value)]
        return out


# ---------------------------------------------------------------------------
# strategies from the articles
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FaceSavingRetreat:
    """Escalate while it pays; under pressure, step down part of the way.

    While no pressure threshold is crossed it escalates on a dyad when one more
    rung raises its *perceived* payoff for the round (and holds otherwise).
    Once its own recession odds reach ``recession``, its market drawdown
    reaches ``drawdown`` or its approval falls to ``approval`` (perceived
    model, current state), it de-escalates one rung per round — but only in a
    round after which the partner did not escalate, so that the cut can be
    framed as the other side's request — and never takes a tariff that had a
    positive peak back to zero: "substantially lowered, not eliminated".

    Encodes claims ``face_saving_retreat``, ``lowered_not_eliminated``,
    ``claim_china_initiated``, ``friendly_manner``, ``trump_regret_145``,
    ``five_pressures``, ``us_recession_odds_60``, ``wall_street_turned``,
    ``approval_39_45`` and ``priority_stabilize_markets``.

    Parameters
    ----------
    recession : float
        Recession odds (in (0, 1]) at which pressure bites.
    drawdown : float
        Equity drawdown, index %, at which pressure bites.
    approval : float
        Approval (fraction) at or below which pressure bites.

    Examples
    --------
    >>> s = ts.make_strategy("face-saving-retreat")
    >>> "lowered_not_eliminated" in s.traits.encodes
    True
    """

    recession: float = 0.5
    drawdown: float = 15.0
    approval: float = 0.43
    name: ClassVar[str] = "face-saving-retreat"
    traits: ClassVar[Traits] = Traits(
        memory_depth=1,
        uses_beliefs=True,
        encodes=(
            "face_saving_retreat",
            "lowered_not_eliminated",
            "claim_china_initiated",
            "friendly_manner",
            "trump_regret_145",
            "five_pressures",
            "us_recession_odds_60",
            "wall_street_turned",
            "approval_39_45",
            "priority_stabilize_markets",
        ),
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "recession", probability(self.recession, "recession"))
        object.__setattr__(self, "approval", probability(self.approval, "approval"))
        d = as_real(self.drawdown)
        if d is None or not math.isfinite(d):
            raise ParameterError(f"`drawdown` must be a finite number; got {self.drawdown!r}.")
        object.__setattr__(self, "drawdown", d)

    def under_pressure(self, obs: Observation) -> bool:
        """Whether any pressure threshold is crossed at the current state.

        Examples
        --------
        >>> from tariffsim.testing import observation
        >>> obs = observation(ts.World.default(), "US", [{("US", "CN"): 1}])
        >>> ts.make_strategy("face-saving-retreat").under_pressure(obs)
        False
        """
        bd = obs.model.breakdown(obs.state)
        k = obs.world.index(obs.me)
        return bool(
            bd.recession[0, k] >= self.recession
            or bd.drawdown[0, k] >= self.drawdown
            or bd.approval[0, k] <= self.approval
        )

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Escalate while it pays; under pressure cut, never to zero after a peak."""
        out: Moves = {}
        pressed = self.under_pressure(obs)
        for me, tgt in obs.targets:
            i, j = _ij(obs, me, tgt)
            level = float(obs.state.tariff[i, j])
            if pressed:
                lower = obs.world.ladders[(me, tgt)].step(level, -1)
                keeps_face = not (lower <= 1e-12 and obs.state.peak[i, j] > 0)
                asked = obs.last_change(tgt, me) <= 0
                out[(me, tgt)] = -1 if (lower < level and keeps_face and asked) else 0
            else:
                hold, up = _one_step_payoffs(obs, (me, tgt), (0, 1))
                out[(me, tgt)] = 1 if beats(up, hold) else 0
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Every run at once: one breakdown for the pressure test, one payoff call."""
        R, k = bobs.runs, len(bobs.targets)
        if not k:
            return np.zeros((R, 0), dtype=np.int8)
        me = bobs.index(bobs.me)
        bd = bobs.breakdown()
        pressed = (
            (bd.recession[:, 0, me] >= self.recession)
            | (bd.drawdown[:, 0, me] >= self.drawdown)
            | (bd.approval[:, 0, me] <= self.approval)
        )
        i, j = bobs.ij()
        level = bobs.tariff[:, i, j]  # (R, k)
        # candidates: hold, then one rung up on each dyad alone
        tariffs = np.repeat(bobs.tariff[:, None], 1 + k, axis=1)
        for c, d in enumerate(bobs.targets):
            tariffs[:, 1 + c, i[c], j[c]] = bobs.step(d, level[:, c], 1)
        pay = bobs.payoff(tariffs)
        climb = np.where(beats(pay[:, 1:], pay[:, :1]), 1, 0)
        lower = np.stack(
            [bobs.step(d, level[:, c], -1) for c, d in enumerate(bobs.targets)], axis=1
        )
        keeps_face = ~((lower <= 1e-12) & (bobs.peak[:, i, j] > 0))
        asked = bobs.moved[:, j, i] <= 0
        retreat = np.where((lower < level) & keeps_face & asked, -1, 0)
        return np.where(pressed[:, None], retreat, climb).astype(np.int8)


@dataclass(frozen=True)
class FirmButMeasured:
    """Match escalation step for step; cut only in answer to a cut.

    On each dyad: escalate when the partner escalated in the last round, or
    when its tariff on us stands above ours (catching up after a missed
    answer); cut when the partner cut in the last round ("answers every
    de-escalation in kind"); hold otherwise. It never escalates first and
    never concedes unilaterally: "the door is open, but we are prepared to
    fight".

    Encodes claims ``cn_door_open_fight``, ``cn_no_unilateral_concessions``,
    ``china_held_firm``, ``cn_actions_not_words`` and
    ``cn_retaliation_if_us_persists``.

    Examples
    --------
    >>> ts.make_strategy("firm-but-measured").traits.encodes[0]
    'cn_door_open_fight'
    """

    name: ClassVar[str] = "firm-but-measured"
    traits: ClassVar[Traits] = Traits(
        memory_depth=1,
        encodes=(
            "cn_door_open_fight",
            "cn_no_unilateral_concessions",
            "china_held_firm",
            "cn_actions_not_words",
            "cn_retaliation_if_us_persists",
        ),
    )

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Answer escalations and cuts in kind; catch up to the partner's level."""
        out: Moves = {}
        for me, tgt in obs.targets:
            i, j = _ij(obs, me, tgt)
            theirs = _sign(obs.last_change(tgt, me))
            behind = obs.state.tariff[j, i] > obs.state.tariff[i, j] + 1e-9
            out[(me, tgt)] = 1 if (theirs > 0 or (theirs == 0 and behind)) else theirs
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Answer in kind and catch up, in every run."""
        i, j = bobs.ij()
        theirs = sign_moves(bobs.moved[:, j, i], 1e-12)
        behind = bobs.tariff[:, j, i] > bobs.tariff[:, i, j] + 1e-9
        return np.where((theirs > 0) | ((theirs == 0) & behind), 1, theirs).astype(np.int8)


@dataclass(frozen=True)
class DivideAndConquer:
    """Settle with weaker partners one at a time, then turn on the real target.

    The real target is ``target`` (default: the largest economy among the
    agent's targets); the others are the weaker partners, settled in the
    given ``order`` or else closest ally first (strongest alliance tie with
    the agent: Canada, tie 0.9 with the US, before Mexico, 0.7). Rounds are grouped in phases
    of ``patience`` rounds. In phase 0 it presses every weaker partner
    (escalates); from phase ``q`` on, the ``q`` smallest are settled (it cuts
    on them, unless they escalated in the last round, which it answers) and a
    weaker partner that cuts on us is settled at once; the partners not yet
    settled stay under pressure — the one left alone feels it all. Only once
    every weaker partner is settled does it escalate on the real target; before
    that it answers the real target's escalations and otherwise holds.

    Encodes claims ``target_weaker_first``, ``canada_concession_isolates_mexico``,
    ``china_real_target``, ``size_asymmetry_canada``, ``cheap_compliance_canada``
    and ``win_at_alliance_cost``.

    Parameters
    ----------
    target : str, optional
        Code of the real target.
    patience : int
        Rounds per phase, >= 1.
    order : tuple of str, optional
        Settlement order of the weaker partners (others follow by tie strength).

    Examples
    --------
    >>> ts.make_strategy("divide-and-conquer", patience=2).patience
    2
    """

    target: str = ""
    patience: int = 4
    order: tuple[str, ...] = ()
    name: ClassVar[str] = "divide-and-conquer"
    traits: ClassVar[Traits] = Traits(
        memory_depth=math.inf,
        encodes=(
            "target_weaker_first",
            "canada_concession_isolates_mexico",
            "china_real_target",
            "size_asymmetry_canada",
            "cheap_compliance_canada",
            "win_at_alliance_cost",
        ),
    )

    def __post_init__(self) -> None:
        _check_count(self.patience, "patience", 1)
        if not isinstance(self.target, str):
            raise ParameterError(f"`target` must be a country code; got {self.target!r}.")
        if isinstance(self.order, str) or not all(isinstance(c, str) for c in self.order):
            raise ParameterError(f"`order` must be a tuple of country codes; got {self.order!r}.")
        object.__setattr__(self, "order", tuple(self.order))

    def countries_named(self) -> dict[str, tuple[str, ...]]:
        """The options that name countries (each must be a target of the agent that plays
        the strategy: :class:`~tariffsim.game.Game` checks them)."""
        return {"target": (self.target,) if self.target else (), "order": self.order}

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Press, settle one partner per phase, then press the real target."""
        if not obs.targets:
            return {}
        w = obs.world
        tgts = [t for _, t in obs.targets]
        real = self.target if self.target in tgts else max(tgts, key=lambda c: w.country(c).gdp)
        k = w.index(obs.me)

        def rank(c: str) -> tuple[int, float, str]:
            listed = self.order.index(c) if c in self.order else len(self.order)
            return (listed, -float(w.ties[k, w.index(c)]), c)

        weaker = sorted((t for t in tgts if t != real), key=rank)
        phase = max(obs.round - 1, 0) // self.patience
        settled = set(weaker[:phase])
        for t in weaker:
            i, j = _ij(obs, obs.me, t)
            if any(s.moved[j, i] < 0 for s in _states(obs)):
                settled.add(t)
        out: Moves = {}
        for me, t in obs.targets:
            theirs = _sign(obs.last_change(t, me))
            if t == real:
                out[(me, t)] = 1 if (settled >= set(weaker) and phase >= 1) or theirs > 0 else 0
            elif t in settled:
                out[(me, t)] = 1 if theirs > 0 else -1
            else:
                out[(me, t)] = 1
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Press, settle, then press the real target — in every run."""
        R, k = bobs.runs, len(bobs.targets)
        if not k:
            return np.zeros((R, 0), dtype=np.int8)
        w = bobs.world
        tgts = [t for _, t in bobs.targets]
        real = self.target if self.target in tgts else max(tgts, key=lambda c: w.country(c).gdp)
        kme = w.index(bobs.me)

        def rank(c: str) -> tuple[int, float, str]:
            listed = self.order.index(c) if c in self.order else len(self.order)
            return (listed, -float(w.ties[kme, w.index(c)]), c)

        weaker = sorted((t for t in tgts if t != real), key=rank)
        phase = max(bobs.round - 1, 0) // self.patience
        me = bobs.index(bobs.me)
        settled = {
            t: (np.full(R, q < phase)) | (bobs.seen_moved[:, :, bobs.index(t), me] < 0).any(axis=1)
            for q, t in enumerate(weaker)
        }
        all_settled = np.ones(R, dtype=bool)
        for v in settled.values():
            all_settled &= v
        out = np.zeros((R, k), dtype=np.int8)
        for c, (_, t) in enumerate(bobs.targets):
            theirs = sign_moves(bobs.moved[:, bobs.index(t), me], 1e-12)
            if t == real:
                out[:, c] = np.where((all_settled & (phase >= 1)) | (theirs > 0), 1, 0)
            else:
                out[:, c] = np.where(settled[t], np.where(theirs > 0, 1, -1), 1)
        return out


@dataclass(frozen=True)
class Brinkmanship:
    """Threaten with a deadline; escalate at the deadline unless bought off.

    The threat is announced in round ``announce`` and falls due ``deadline``
    rounds later. Until then it holds (answering escalations in kind). From
    the deadline on it escalates one rung per round on every target that has
    not *moved* — cut its tariff on us — since the announcement. A target that
    moved has bought it off: from then on it answers that target in kind (a
    cut for a cut, an escalation for an escalation) and otherwise holds.

    Encodes claims ``april2_deadline``, ``us_threat_100_nov1``,
    ``summit_cancel_threat``, ``bessent_open_with_countermeasures``,
    ``public_soft_private_pressure`` and ``flareup_cycle``.

    Parameters
    ----------
    deadline : int
        Rounds from the announcement to the deadline, >= 0.
    announce : int
        Round of the announcement, >= 0.

    Examples
    --------
    >>> ts.make_strategy("brinkmanship", deadline=2).deadline
    2
    """

    deadline: int = 3
    announce: int = 1
    name: ClassVar[str] = "brinkmanship"
    traits: ClassVar[Traits] = Traits(
        memory_depth=math.inf,
        encodes=(
            "april2_deadline",
            "us_threat_100_nov1",
            "summit_cancel_threat",
            "bessent_open_with_countermeasures",
            "public_soft_private_pressure",
            "flareup_cycle",
        ),
    )

    def __post_init__(self) -> None:
        _check_count(self.deadline, "deadline")
        _check_count(self.announce, "announce")

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Hold before the deadline, escalate after it until the target moves."""
        out: Moves = {}
        due = obs.round >= self.announce + self.deadline
        # history[k] is the state after round (obs.round - len(history) - 1 + k)
        first = obs.round - len(obs.history) - 1
        start = max(self.announce - first, 0)
        for me, t in obs.targets:
            i, j = _ij(obs, me, t)
            theirs = _sign(obs.last_change(t, me))
            bought = obs.round >= self.announce and any(
                s.moved[j, i] < 0 for s in _states(obs, start)
            )
            if due and not bought:
                out[(me, t)] = 1
            else:
                out[(me, t)] = theirs
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Hold before the deadline, escalate after it until bought off — in every run."""
        due = bobs.round >= self.announce + self.deadline
        h = bobs.seen_moved.shape[1]  # states seen: history and the current one
        start = max(self.announce - (bobs.round - h), 0)
        since = bobs.seen_moved[:, min(start, h - 1) :]
        i, j = bobs.ij()
        theirs = sign_moves(bobs.moved[:, j, i], 1e-12)
        bought = (since[:, :, j, i] < 0).any(axis=1) & (bobs.round >= self.announce)
        return np.where(due & ~bought, 1, theirs).astype(np.int8)


@dataclass(frozen=True)
class TransactionalDealmaker:
    """Build leverage, trade cuts for cuts, and use one deal against the others.

    It opens by escalating on every target until its tariff there is
    ``leverage`` rungs up (a bargaining chip); afterwards it answers a cut with
    a cut and an escalation with an escalation. Once any partner has made a
    deal — cut its tariff on us at some point — it raises the pressure on
    every partner that has not, one rung per round, to push them into
    concessions too.

    Encodes claims ``deal_hint_pressure_others``, ``show_toughness_works``,
    ``win_at_alliance_cost``, ``us_outreach_tactical`` and ``outcomes_menu``.

    Parameters
    ----------
    leverage : int
        Rungs to climb before trading, >= 0.

    Examples
    --------
    >>> ts.make_strategy("transactional", leverage=1).leverage
    1
    """

    leverage: int = 2
    name: ClassVar[str] = "transactional"
    traits: ClassVar[Traits] = Traits(
        memory_depth=math.inf,
        encodes=(
            "deal_hint_pressure_others",
            "show_toughness_works",
            "win_at_alliance_cost",
            "us_outreach_tactical",
            "outcomes_menu",
        ),
    )

    def __post_init__(self) -> None:
        _check_count(self.leverage, "leverage")

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """Climb to the chip, then trade; pressure the holdouts once a deal exists."""
        dealt = {
            t
            for me, t in obs.targets
            if any(s.moved[obs.world.index(t), obs.world.index(me)] < 0 for s in _states(obs))
        }
        out: Moves = {}
        for me, t in obs.targets:
            i, j = _ij(obs, me, t)
            theirs = _sign(obs.last_change(t, me))
            rung = obs.world.ladders[(me, t)].floor_index(float(obs.state.tariff[i, j]))
            traded = any(s.moved[i, j] < 0 for s in _states(obs))
            if theirs != 0:
                out[(me, t)] = theirs
            elif (dealt and t not in dealt) or (rung < self.leverage and not traded):
                out[(me, t)] = 1
            else:
                out[(me, t)] = 0
        return out

    def act_batch(self, bobs: BatchObservation, rngs: Any) -> I8:
        """Climb, trade, pressure holdouts — in every run."""
        R, k = bobs.runs, len(bobs.targets)
        if not k:
            return np.zeros((R, 0), dtype=np.int8)
        i, j = bobs.ij()
        sm = bobs.seen_moved
        dealt: NDArray[np.bool_] = np.any(sm[:, :, j, i] < 0, axis=1)  # (R, k)
        any_dealt = np.any(dealt, axis=1, keepdims=True)
        traded = np.any(sm[:, :, i, j] < 0, axis=1)
        theirs = sign_moves(bobs.moved[:, j, i], 1e-12)
        rung = np.stack(
            [
                np.maximum(
                    np.searchsorted(
                        bobs.world.ladders[d].array, bobs.tariff[:, i[c], j[c]] + 1e-9, "right"
                    )
                    - 1,
                    0,
                )
                for c, d in enumerate(bobs.targets)
            ],
            axis=1,
        )
        press = (any_dealt & ~dealt) | ((rung < self.leverage) & ~traded)
        return np.where(theirs != 0, theirs, np.where(press, 1, 0)).astype(np.int8)


ARTICLE_STRATEGIES: tuple[type, ...] = (
    FaceSavingRetreat,
    FirmButMeasured,
    DivideAndConquer,
    Brinkmanship,
    TransactionalDealmaker,
)
"""The strategies the articles describe."""
CLASSIC_STRATEGIES: tuple[type, ...] = (
    GenerousTitForTat,
    Pavlov,
    ContriteTitForTat,
    FictitiousPlayer,
    Random,
    AlwaysEscalate,
    AlwaysDeescalate,
)
"""Classic strategies of the iterated prisoner's dilemma, in tariff form."""

for _cls in (*ARTICLE_STRATEGIES, *CLASSIC_STRATEGIES):
    register(str(getattr(_cls, "name")), _cls)  # noqa: B009


def filter_strategies(registry: Mapping[str, type] | None = None, **traits: Any) -> dict[str, type]:
    """Registered strategies whose :class:`~tariffsim.agents.Traits` match.

    Parameters
    ----------
    registry : mapping of str to type, optional
        Default :data:`tariffsim.agents.STRATEGIES`.
    **traits
        ``field=value`` for any field of ``Traits``; a value may also be a
        callable taking the field's value and returning a bool (e.g.
        ``memory_depth=lambda d: d <= 1``). ``encodes="claim_id"`` keeps the
        strategies that encode that claim.

    Returns
    -------
    dict of str to type

    Raises
    ------
    ParameterError
        If a keyword is not a field of ``Traits`` (the message lists them).

    Examples
    --------
    >>> from tariffsim.strategies import filter_strategies
    >>> sorted(filter_strategies(encodes="cn_no_unilateral_concessions"))
    ['firm-but-measured']
    >>> "tit-for-tat" in filter_strategies(memory_depth=1, stochastic=False)
    True
    """
    fields = [f.name for f in dataclasses.fields(Traits)]
    for k in traits:
        if k not in fields:
            raise ParameterError(f"unknown trait {k!r}; traits: {', '.join(fields)}.")
    reg = STRATEGIES if registry is None else registry
    out = {}
    for name, cls in reg.items():
        tr: Traits = getattr(cls, "traits")  # noqa: B009
        ok = True
        for k, want in traits.items():
            have = getattr(tr, k)
            if callable(want):
                ok = bool(want(have))
            elif k == "encodes" and isinstance(want, str):
                ok = want in have
            else:
                ok = have == want
            if not ok:
                break
        if ok:
            out[name] = cls
    return out
