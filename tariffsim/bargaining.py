r"""Agreements: Nash bargaining over tariff levels and concessions.

Two or more countries can agree on a joint change when every one of them gains
compared with *carrying on*. A deal fixes, on every dyad among the parties
that has a ladder, a rung at or below today's level (an agreement
de-escalates), and may include **concessions**: actions other than tariffs —
border or fentanyl enforcement, purchase commitments, suspending an export
control — each with a cost to the giver and a value to the receiver
(:data:`CONCESSIONS`, cited claims).

Values
------
Party *i* values a deal that moves the state from ``s`` to ``s*`` as

.. math::

    v_i = u_i(s^* \mid s) + c_i + \frac{\delta}{1-\delta}\,\bigl[u_i(s^* \mid s^*) + c_i\bigr],

the first round (with its one-off face and resolve costs, eased because both
sides cut together) then the agreed state held, plus the per-round flow
``c_i`` of the concessions (value received minus cost given). The
**disagreement point** is the discounted value of carrying on: the game is
played ``horizon`` rounds from ``s`` with the agents' own strategies and no
agreement, then the last state is held,

.. math::

    d_i = \sum_{k=1}^{H} \delta^{k-1} u_i(s_k \mid s_{k-1})
          + \frac{\delta^{H}}{1-\delta}\,u_i(s_H \mid s_H).

At a summit in a simulated run each party values both on its *perceived*
model (what it believes); :func:`nash_bargain` and :func:`carry_on_value`
use the game's true model for every party their `models` do not name.

Solutions
---------
* ``method="nash"``: the deal that maximises the Nash product
  :math:`\prod_i (v_i - d_i)` over deals with every :math:`v_i > d_i`
  (Nash, 1950).
* ``method="rubinstein"``: alternating offers (Rubinstein, 1982). As the time
  between offers shrinks, its subgame-perfect outcome is the *asymmetric*
  Nash solution with bargaining powers :math:`\alpha_i \propto 1/r_i`, where
  :math:`\delta_i = e^{-r_i}` (Binmore, Rubinstein & Wolinsky, 1986): the
  more patient side gets more. With equal patience it is the Nash solution.

**Demands** (:class:`Demand`) tie a tariff to a non-trade demand: the
demanding country keeps at least ``level`` on the other until the other gives
the named concession (the fentanyl emergency: claim ``non_economic_pretext``).
Deals that would cut below an unmet demand without its concession are not on
the table — the reason a deal can be partial.

**Coalitions**: :func:`coalition_bargain` compares a joint stand (one
bargain among all, a common disagreement point) with settling one by one
(each later partner's disagreement point is carrying on after the earlier
deals: divide and conquer).

Limits: deals are searched over every combination of rungs on the parties'
dyads (at most :data:`MAX_DEALS`); utility is not transferable (no side
payments other than concessions); continuation is a look-ahead of the
current strategies, not an equilibrium of the bargaining game.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import limits
from ._ties import beats
from ._util import one_of, whole_number
from .deals import (
    CONCESSIONS,
    MAX_AGENDA,
    MAX_DEALS,
    MAX_DISCOUNT_DAYS,
    Agreement,
    Concession,
    Credibility,
    Deal,
    Demand,
    Method,
    Negotiation,
    Threat,
    _check_demands,
    _check_disagreement,
    _check_discount,
    _check_met,
    _concession_pool,
    _models,
    _powers,
    concession,
    concession_subsets,
    credible,
    floor_world,
    ladder_dyads,
    solve_deal,
)
from .errors import ParameterError
from .world import State

if TYPE_CHECKING:
    from .game import Game
    from .payoffs import PayoffModel

__all__ = [
    "CONCESSIONS",
    "MAX_AGENDA",
    "MAX_DEALS",
    "MAX_DISCOUNT_DAYS",
    "Agreement",
    "Coalition",
    "Concession",
    "Credibility",
    "Deal",
    "Demand",
    "Negotiation",
    "Threat",
    "carry_on_value",
    "coalition_bargain",
    "concession",
    "concession_subsets",
    "credible",
    "floor_world",
    "nash_bargain",
]


def _check_horizon(horizon: Any) -> int:
    horizon = whole_number(horizon, "horizon", 1)
    limits.check("max_rounds", horizon, "horizon")
    return horizon


def _check_round(game: Game, round_: Any, horizon: int) -> int:
    """`round` as an int >= 0 whose look-ahead of `horizon` rounds the calendar can date."""
    from .engine import check_calendar

    r = whole_number(round_, "round", 0)
    check_calendar(game, horizon, r, "round")
    return r


def _check_parties(game: Game, parties: Any, *, least: int = 1) -> tuple[str, ...]:
    """`parties` as a tuple of distinct country codes of the game's world."""
    if isinstance(parties, str):
        raise ParameterError(f"`parties` must be a sequence of country codes; got {parties!r}.")
    out = tuple(parties)
    if len(out) < least or len(set(out)) != len(out):
        what = "two or more" if least == 2 else "one or more"
        raise ParameterError(f"`parties` must be {what} distinct codes; got {out!r}.")
    for p in out:
        game.world.index(p)
    return out


def _check_state(state: Any) -> State:
    if not isinstance(state, State):
        raise ParameterError(f"`state` must be a State; got {type(state).__name__}.")
    return state


@dataclass(frozen=True)
class Coalition:
    """A joint stand against settling one by one (:func:`coalition_bargain`).

    Attributes
    ----------
    joint : Deal
        One bargain among the opponent and every member.
    sequential : tuple of Deal
        The opponent settling with each member in turn.
    members_value_joint, members_value_sequential : mapping of str to float
        Each member's value (not gain: the disagreement points differ) of the
        two routes. One by one, a member's value is its own deal's, with the
        state every later deal leaves held from the round after its deal (the
        bargains are struck in one round, each from the state the earlier ones
        left): ``value + delta / (1 - delta) * (u(final | final) - u(own | own))``.
    """

    joint: Deal
    sequential: tuple[Deal, ...]
    members_value_joint: Mapping[str, float]
    members_value_sequential: Mapping[str, float]

    @property
    def joint_at_least_as_good(self) -> bool:
        """Whether every member does at least as well standing together."""
        return all(
            not beats(self.members_value_sequential[m], self.members_value_joint[m])
            for m in self.members_value_joint
        )


def carry_on_value(
    game: Game,
    state: State,
    parties: Sequence[str],
    *,
    discount: float = 0.95,
    horizon: int = 8,
    round: int = 0,
    models: Mapping[str, PayoffModel] | None = None,
    agents: Sequence[Any] | None = None,
) -> dict[str, float]:
    """Each party's discounted value of carrying on from `state` without an agreement.

    The game is played `horizon` rounds from `state` with the agents'
    strategies (no scheduled events, no bargaining), then the last state is
    held forever.

    Parameters
    ----------
    game : Game
    state : State
    parties : sequence of str
    discount : float
        In [0, 1).
    horizon : int
        Rounds simulated, >= 1.
    round : int
        The game round `state` belongs to (sets the calendar of the look-ahead).
    models : mapping of str to PayoffModel, optional
        The model each party values the path with (default: the true model).
    agents : sequence of Agent, optional
        The agents playing on (default ``game.agents``).

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> v = ts.bargaining.carry_on_value(sc.game, sc.game.initial or ts.State.zeros(10), ["US"])
    >>> v["US"] <= 0
    True
    """
    from ._talks import _carry_on
    from .engine import simulate

    parties = _check_parties(game, parties)
    state = _check_state(state)
    d = _check_discount(discount)
    h = _check_horizon(horizon)
    r = _check_round(game, round, h)
    ms = _models(game, parties, models)
    g = game.replace(
        initial=state,
        events=(),
        start=game.date(r),
        agents=tuple(agents if agents is not None else game.agents),
        noise=0.0,
        negotiation=dataclasses.replace(game.negotiation, enabled=False),
    )
    path = simulate(g, h, seed=0)
    return _carry_on(path, state, parties, ms, game.world, d, h)


def nash_bargain(
    game: Game,
    parties: Sequence[str],
    state: State,
    *,
    discount: float = 0.95,
    horizon: int = 8,
    method: Method = "nash",
    patience: Mapping[str, float] | None = None,
    concessions: Sequence[Concession | str] | None = None,
    demands: Sequence[Demand] | None = None,
    met: frozenset[str] = frozenset(),
    models: Mapping[str, PayoffModel] | None = None,
    disagreement: Mapping[str, float] | None = None,
    round: int = 0,
    agents: Sequence[Any] | None = None,
    layers: bool = False,
) -> Deal:
    """Bargain among `parties` at `state`: the deal every party prefers to carrying on.

    Parameters
    ----------
    game : Game
    parties : sequence of str
        Two or more country codes.
    state : State
        Where the bargain starts.
    discount : float, default 0.95
        Per-round discount factor of every party (in [0, 1)).
    horizon : int, default 8
        Rounds of the carrying-on look-ahead.
    method : {"nash", "rubinstein"}
        Nash product, or alternating offers (asymmetric Nash solution with
        powers from `patience`).
    patience : mapping of str to float, optional
        Per-party discount factor between offers for ``method="rubinstein"``
        (default: `discount` for all, which gives the Nash solution).
    concessions : sequence of Concession or str, optional
        Concessions that may enter the deal, names looked up in the game's
        :attr:`~tariffsim.deals.Negotiation.pool` (default: every concession of
        the pool between two parties: the bundled ones and the game's own).
    demands : sequence of Demand, optional
        Tariffs tied to non-trade demands (default: none).
    met : set of str
        Names of the concessions already given earlier (their demands are
        lifted); any collection of names, not a single str.
    models : mapping of str to PayoffModel, optional
        The model each party values the deal and the look-ahead with, keyed
        by party. A party it does not name uses the game's *true* model
        (``game.model``), so by default every party knows the true payoffs;
        a summit in :func:`~tariffsim.engine.simulate` uses each party's
        *perceived* model instead (see the example below).
    disagreement : mapping of str to float, optional
        Disagreement point to use instead of :func:`carry_on_value`.
    round : int
        Round of the game `state` belongs to (>= 0; dates the look-ahead).
    agents : sequence of Agent, optional
        Agents for the carrying-on look-ahead (default ``game.agents``).
    layers : bool, default False
        Bargain over each tariff layer of a dyad with several layers, so a deal
        can keep one layer and drop another (:attr:`Deal.layers`); demands tied
        to a layer bind that layer. Default: over headline rungs.

    Returns
    -------
    Deal

    Raises
    ------
    ParameterError
        Bad parties, state, discount, horizon, round, method, patience,
        models, demands, met or disagreement; no ladder among the parties;
        too many deals. Every argument is checked before the look-ahead.
    UnknownNameError
        An unknown country (of a party or a demand) or concession.

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> w = sc.world
    >>> s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    >>> deal = ts.bargaining.nash_bargain(sc.game, ("US", "CN"), s, horizon=4)
    >>> deal.agreed, deal.gain["US"] > 0, deal.gain["CN"] > 0
    (True, True, True)

    Layer by layer, China's precursor controls buy the fentanyl layer while the
    US keeps its 10% baseline:

    >>> d = ts.bargaining.nash_bargain(sc.game, ("US", "CN"), s, horizon=4, layers=True,
    ...                                demands=sc.game.negotiation.demands,
    ...                                concessions=["fentanyl_enforcement_china"])
    >>> d.concessions, d.layers[("US", "CN")]
    (('fentanyl_enforcement_china',), {'fentanyl': 0.0, 'reciprocal': 0.1})

    By default both sides deal on the true model. A summit in a simulated run
    uses each party's *perceived* model instead: pass those to get the
    summit's numbers. An agent's perceived model at the start of a run is the
    game's model with its beliefs' parameters (``a.beliefs.perceived``; an
    agent that learns believes otherwise by a later round). In us-china-145
    the US believes its buyers pay only 10% of its tariff on China, and keeps
    its 145%:

    >>> perceived = {a.code: sc.game.model.replace(params=a.beliefs.perceived)
    ...              for a in sc.game.agents if a.beliefs is not None and a.code in ("US", "CN")}
    >>> d = ts.bargaining.nash_bargain(sc.game, ("US", "CN"), s, horizon=4, concessions=[],
    ...                                demands=sc.game.negotiation.demands, models=perceived)
    >>> d.terms[("US", "CN")], d.terms[("CN", "US")]
    (1.45, 0.1)
    """
    # every argument is checked before the look-ahead is played
    parties = _check_parties(game, parties, least=2)
    d = _check_discount(discount)
    h = _check_horizon(horizon)
    if not one_of(method, ("nash", "rubinstein")):
        raise ParameterError(f"`method` must be one of 'nash', 'rubinstein'; got {method!r}.")
    state = _check_state(state)
    r = _check_round(game, round, h)
    ms = _models(game, parties, models)
    _powers(parties, d, method, patience)
    _concession_pool(parties, concessions, game.negotiation.pool)
    demands = _check_demands(game.world, demands, game.negotiation.pool)
    met = _check_met(met)
    ladder_dyads(game.world, parties)
    dis = (
        _check_disagreement(parties, disagreement)
        if disagreement is not None
        else carry_on_value(
            game, state, parties, discount=d, horizon=h, round=r, models=ms, agents=agents
        )
    )
    return solve_deal(
        game,
        parties,
        state,
        dis,
        discount=d,
        method=method,
        patience=patience,
        concessions=concessions,
        demands=demands,
        met=met,
        models=ms,
        layers=layers,
    )


def coalition_bargain(
    game: Game,
    opponent: str,
    members: Sequence[str],
    state: State,
    **kwargs: Any,
) -> Coalition:
    """A joint stand against settling one by one, from the same bargaining machinery.

    *Joint*: one bargain among `opponent` and every member, with a common
    disagreement point (carrying on, all together). *One by one*: the
    opponent bargains with each member in the given order; each later bargain
    starts from the state the earlier deals left, and its disagreement point is
    carrying on from there (divide and conquer: a settled partner no longer
    stands with the rest).

    Parameters
    ----------
    game : Game
    opponent : str
    members : sequence of str
        Two or more partners.
    state : State
    **kwargs
        Passed to :func:`nash_bargain` (discount, horizon, demands, ...);
        `models` and `patience` may name every member, each bargain one by one
        taking its two parties' entries.

    Returns
    -------
    Coalition

    Raises
    ------
    ParameterError
        Fewer than two members, or the opponent among them.
    """
    members = tuple(members)
    if len(members) < 2 or opponent in members:
        raise ParameterError(
            f"`members` must be two or more partners other than {opponent!r}; got {members!r}."
        )
    joint = nash_bargain(game, (opponent, *members), state, **kwargs)
    seq: list[Deal] = []
    s = state
    met: set[str] = set(kwargs.pop("met", frozenset()))
    value_seq: dict[str, float] = {}
    for m in members:
        # per-party options name the joint bargain's parties: each bargain takes its own
        pair = dict(kwargs)
        for key in ("models", "patience"):
            if pair.get(key):
                pair[key] = {p: v for p, v in pair[key].items() if p in (opponent, m)}
        deal = nash_bargain(game, (opponent, m), s, met=frozenset(met), **pair)
        seq.append(deal)
        if deal.agreed:
            s = deal.state
            met |= set(deal.concessions)
        value_seq[m] = deal.value[m]
    # a member settled early is also affected by later deals: value its settled state again
    final = s
    disc = _check_discount(kwargs.get("discount", 0.95))
    w = game.world
    for m, deal in zip(members, seq, strict=True):
        if deal.agreed and final is not deal.state:
            k = w.index(m)
            model = (kwargs.get("models") or {}).get(m, game.model)
            before = float(np.asarray(model.payoff(deal.state, prev=deal.state))[0, k])
            after = float(np.asarray(model.payoff(final, prev=final))[0, k])
            value_seq[m] += disc / (1 - disc) * (after - before)
    return Coalition(
        joint=joint,
        sequential=tuple(seq),
        members_value_joint={m: joint.value[m] for m in members},
        members_value_sequential=value_seq,
    )
