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

Each party values both on its *perceived* model (what it believes).

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
from ._util import whole_number
from .deals import (
    CONCESSIONS,
    MAX_DEALS,
    Agreement,
    Concession,
    Credibility,
    Deal,
    Demand,
    Method,
    Negotiation,
    Threat,
    _check_discount,
    _models,
    concession,
    credible,
    floor_world,
    solve_deal,
)
from .errors import ParameterError
from .world import State

if TYPE_CHECKING:
    from .game import Game
    from .payoffs import PayoffModel

__all__ = [
    "CONCESSIONS",
    "MAX_DEALS",
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
    "credible",
    "floor_world",
    "nash_bargain",
]


def _check_horizon(horizon: Any) -> int:
    horizon = whole_number(horizon, "horizon", 1)
    limits.check("max_rounds", horizon, "horizon")
    return horizon


@dataclass(frozen=True)
class Coalition:
    """A joint stand against settling one by one (:func:`coalition_bargain`).

    Attributes
    ----------
    joint : Deal
        One bargain among the opponent and every member.
    sequential : tuple of Deal
        The opponent settling with each member in turn.
    members_gain_joint, members_gain_sequential : mapping of str to float
        Each member's value (not gain: the disagreement points differ) of the
        two routes.
    """

    joint: Deal
    sequential: tuple[Deal, ...]
    members_value_joint: Mapping[str, float]
    members_value_sequential: Mapping[str, float]

    @property
    def joint_at_least_as_good(self) -> bool:
        """Whether every member does at least as well standing together."""
        return all(
            self.members_value_joint[m] >= self.members_value_sequential[m] - 1e-12
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

    d = _check_discount(discount)
    h = _check_horizon(horizon)
    ms = _models(game, parties, models)
    g = game.replace(
        initial=state,
        events=(),
        start=game.date(round),
        agents=tuple(agents if agents is not None else game.agents),
        noise=0.0,
        negotiation=dataclasses.replace(game.negotiation, enabled=False),
    )
    path = simulate(g, h, seed=0)
    return _carry_on(path, state, tuple(parties), ms, game.world, d, h)


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
        Concessions that may enter the deal (default: every bundled concession
        between two parties).
    demands : sequence of Demand, optional
        Tariffs tied to non-trade demands (default: none).
    met : frozenset of str
        Concessions already given earlier (their demands are lifted).
    models : mapping of str to PayoffModel, optional
        Each party's perceived model (default: the true model).
    disagreement : mapping of str to float, optional
        Disagreement point to use instead of :func:`carry_on_value`.
    round : int
        Round of the game `state` belongs to.
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
        Bad parties, discount, horizon, method or patience; too many deals.
    UnknownNameError
        An unknown country or concession.

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
    """
    w = game.world
    parties = tuple(parties)
    if len(parties) < 2 or len(set(parties)) != len(parties):
        raise ParameterError(f"`parties` must be two or more distinct codes; got {parties!r}.")
    for p in parties:
        w.index(p)
    d = _check_discount(discount)
    h = _check_horizon(horizon)
    if method not in ("nash", "rubinstein"):
        raise ParameterError(f"`method` must be one of 'nash', 'rubinstein'; got {method!r}.")
    if not isinstance(state, State):
        raise ParameterError(f"`state` must be a State; got {type(state).__name__}.")
    ms = _models(game, parties, models)
    dis = (
        dict(disagreement)
        if disagreement is not None
        else carry_on_value(
            game, state, parties, discount=d, horizon=h, round=round, models=ms, agents=agents
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
        Passed to :func:`nash_bargain` (discount, horizon, demands, ...).

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
        deal = nash_bargain(game, (opponent, m), s, met=frozenset(met), **kwargs)
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
            value_seq[m] += disc / (1 - disc) * (after - before) * disc
    return Coalition(
        joint=joint,
        sequential=tuple(seq),
        members_value_joint={m: joint.value[m] for m in members},
        members_value_sequential=value_seq,
    )
