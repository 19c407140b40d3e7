r"""Deals: concessions, demands and the bargaining solution over tariff levels.

The data and the solution of :mod:`tariffsim.bargaining` that the simulation
engine uses at a summit (this module sits below the engine; the look-ahead
that gives the disagreement point lives in :mod:`tariffsim.bargaining`).
See :mod:`tariffsim.bargaining` for the model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import numbers
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._ties import beats
from ._util import as_real, finite_number, one_of, short_repr, whole_number
from .errors import ParameterError, UnknownNameError
from .world import GENERIC_LAYER, Ladder, Layer, State, StateBatch, World

if TYPE_CHECKING:
    from .game import Game
    from .payoffs import PayoffModel

__all__ = [
    "CONCESSIONS",
    "MAX_AGENDA",
    "MAX_DEALS",
    "MAX_DISCOUNT_DAYS",
    "Agreement",
    "Concession",
    "Credibility",
    "Deal",
    "Demand",
    "Negotiation",
    "Threat",
    "concession",
    "concession_subsets",
    "credible",
    "floor_world",
    "ladder_dyads",
    "solve_deal",
]

MAX_DEALS = 200_000
"""Largest number of candidate deals (rung combinations x concession sets) searched."""
MAX_AGENDA = MAX_DEALS.bit_length() - 1
"""Most concessions one summit can weigh (17): their sets alone, ``2 ** n``, stay within
:data:`MAX_DEALS`."""
MAX_CONCESSION_VALUE = 100.0
"""Largest cost or value of a concession, % of GDP a year (the bundled ones are below 1)."""
MAX_DISCOUNT_DAYS = 366
"""Longest period, in days, that a negotiation's discount may be stated per (a year)."""

Method = Literal["nash", "rubinstein"]
Dyad = tuple[str, str]


# ---------------------------------------------------------------------------
# concessions and demands
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Concession:
    """An action other than a tariff that one country can give another.

    Attributes
    ----------
    name : str
    giver, receiver : str
        Country codes.
    cost : float
        Cost to the giver, % of its GDP a year (the payoffs' unit) in every
        round the deal holds, in [0, 100]
        (:data:`MAX_CONCESSION_VALUE`).
    value : float
        Value to the receiver, % of its GDP a year in every round the deal
        holds, in [0, 100].
    label : str
    claims : tuple of str
        Claim ids behind the cost and the value.
    releases : tuple of (str, str)
        Export-control dyads ``(withholder, target)`` the concession sets to
        zero (suspending a control), if any.
    excludes : tuple of str
        Concessions no deal gives together with this one: the same act in
        another form (China's Busan pledge on fentanyl precursors and its
        enforcement of precursor controls are one fentanyl concession, whose
        values would otherwise add up). Either side's entry excludes the pair.

    Raises
    ------
    ParameterError
        A name that is empty or holds control characters, a field of the wrong
        type, a cost or value out of range, a giver that is the receiver, or a
        concession that excludes itself.

    Examples
    --------
    >>> c = ts.bargaining.concession("border_canada")
    >>> c.giver, c.receiver, c.claims[:2]
    ('CA', 'US', ('cost_border_canada', 'value_border_canada'))
    """

    name: str
    giver: str
    receiver: str
    cost: float
    value: float
    label: str = ""
    claims: tuple[str, ...] = ()
    releases: tuple[Dyad, ...] = ()
    excludes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name or name != name.strip() or not name.isprintable():
            raise ParameterError(
                "concession `name` must be a non-empty name without control characters or "
                f"surrounding spaces; got {short_repr(name)}."
            )
        for f in ("giver", "receiver"):
            if not isinstance(getattr(self, f), str) or not getattr(self, f):
                raise ParameterError(
                    f"concession {self.name!r}: `{f}` must be a country code; got "
                    f"{short_repr(getattr(self, f))}."
                )
        for f in ("claims", "excludes"):
            v = getattr(self, f)
            if isinstance(v, str) or not isinstance(v, Iterable):
                raise ParameterError(
                    f"concession {self.name!r}: `{f}` must be a sequence of names; got "
                    f"{short_repr(v)}."
                )
            v = tuple(v)
            if not all(isinstance(x, str) for x in v):
                raise ParameterError(
                    f"concession {self.name!r}: `{f}` must hold strings; got {short_repr(v)}."
                )
            object.__setattr__(self, f, v)
        rel = self.releases
        if isinstance(rel, str) or not isinstance(rel, Iterable):
            raise ParameterError(
                f"concession {self.name!r}: `releases` must be (withholder, target) pairs; got "
                f"{short_repr(rel)}."
            )
        pairs = [tuple(d) if not isinstance(d, str) else (d,) for d in rel]
        if not all(len(d) == 2 and all(isinstance(x, str) for x in d) for d in pairs):
            raise ParameterError(
                f"concession {self.name!r}: `releases` must be (withholder, target) pairs of "
                f"country codes; got {short_repr(self.releases)}."
            )
        object.__setattr__(self, "releases", tuple((d[0], d[1]) for d in pairs))
        for f in ("cost", "value"):
            v = getattr(self, f)
            x = as_real(v)
            if x is None or not 0 <= x <= MAX_CONCESSION_VALUE:
                raise ParameterError(
                    f"concession {self.name!r}: `{f}` must be a number in "
                    f"[0, {MAX_CONCESSION_VALUE:g}] (% of GDP a year); got {short_repr(v)}."
                )
            object.__setattr__(self, f, x)
        if self.giver == self.receiver:
            raise ParameterError(f"concession {self.name!r}: giver and receiver must differ.")
        if self.name in self.excludes:
            raise ParameterError(
                f"concession {self.name!r}: `excludes` names the concession itself (it lists "
                "the others no deal gives together with it)."
            )


@dataclass(frozen=True)
class Demand:
    """A tariff tied to a non-trade demand.

    ``by`` keeps at least ``level`` on ``of`` until ``of`` gives the
    concession ``concession``; demands on one dyad stack like tariff layers
    (the fentanyl layer on top of a baseline). A deal that includes the
    concession lifts the demand. With ``layer`` the demand binds that tariff
    layer of the dyad (the fentanyl layer until the fentanyl demand is met),
    so a deal over layers can drop another layer and keep this one.

    Attributes
    ----------
    by, of : str
    level : float
        Fraction (0.2 = 20%).
    concession : str
        Name of the concession that meets the demand.
    claims : tuple of str
    layer : str
        The tariff layer of the dyad the demand binds ("" = the headline).

    Examples
    --------
    >>> ts.bargaining.Demand("US", "CA", 0.25, "border_canada").level
    0.25
    """

    by: str
    of: str
    level: float
    concession: str
    claims: tuple[str, ...] = ()
    layer: str = ""

    def __post_init__(self) -> None:
        v = self.level
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= float(v) < math.inf:
            raise ParameterError(f"demand {self.by}-{self.of}: `level` must be >= 0; got {v!r}.")
        if not isinstance(self.concession, str) or not self.concession:
            raise ParameterError(
                f"demand {self.by}-{self.of}: `concession` must name a concession; got "
                f"{short_repr(self.concession)}."
            )


def misspelt_concession(name: Any, known: Mapping[str, Concession] | None = None) -> str | None:
    """Why a demand's ``concession`` looks like a misspelt concession of ``known`` (the
    bundled ones, or a game's :attr:`Negotiation.pool`), or None.

    A demand whose concession no summit offers is never met and holds its floor
    for good (a standing demand, such as ``us-china-145``'s 10% baseline until a
    ``trade_agreement``); a name close to a known concession's (``difflib``,
    ratio 0.8 or more, in lower case) or the same words in another case or
    order (``BORDER_CANADA``, ``canada_border``) is taken for a typo of it,
    which would do the same without a word.
    """
    import difflib

    known = CONCESSIONS if known is None else known
    if not isinstance(name, str) or name in known:
        return None

    def canon(x: str) -> str:  # case, separators and word order aside
        return "_".join(sorted(x.lower().replace("-", "_").replace(" ", "_").split("_")))

    same = [c for c in known if canon(c) == canon(name)]
    near = same or difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.8)
    if not near:
        return None
    return (
        f"unknown concession {name!r}; did you mean {near[0]!r}? (A demand whose concession "
        "no summit offers is never met and holds its floor for good: name such a standing "
        "demand so that it is not close to a concession's name, as 'trade_agreement'; known: "
        f"{', '.join(sorted(known))})"
    )


@dataclass(frozen=True)
class Negotiation:
    """How a game's parties bargain at summits and deadlines.

    Parameters
    ----------
    enabled : bool, default True
        Whether summit events that name parties are bargaining opportunities.
    discount : float, default 0.95
        Discount factor of the bargaining values per `discount_days` calendar
        days (a week by default), in [0, 1): a game of ``round_days``-day
        rounds discounts each round by :meth:`round_discount`, so that a week's
        delay costs the same whatever the rounds' length (0.95 a week is
        0.9927 a daily round). A modelling choice (the risk of a breakdown of
        talks as much as impatience), not an estimate.
    horizon : int, default 8
        Rounds of the carrying-on look-ahead (the disagreement point), after
        which its last state is held.
    method : {"nash", "rubinstein"}
    demands : tuple of Demand
        Tariffs tied to non-trade demands; they bind unilateral moves too (the
        demanding side does not cut below an unmet demand).
    concession_scale : float, default 1.0
        Factor on every concession's cost and value (% of GDP a year) when a
        deal weighs them: a change of units. Concessions are valued outside the
        payoff model's term weights, so a game whose weights are all scaled by
        ``c`` plays the same deals (and the same path) with ``concession_scale=c``.
        Finite and > 0.
    concessions : tuple of Concession
        The game's own concessions, beyond the bundled ones
        (:data:`CONCESSIONS`); one named as a bundled one replaces it (its cost
        or value recalibrated). Every concession a summit's agenda, a demand or
        a threat names is looked up in :attr:`pool`; a demand's concession
        close to a name of the pool but not in it is refused as a typo.

    Raises
    ------
    ParameterError
        A field out of range or of the wrong type; a concession given twice.
    UnknownNameError
        A demand's concession close to one of the pool's names (a typo); an
        ``excludes`` naming no concession.

    Examples
    --------
    >>> ts.bargaining.Negotiation(horizon=4).horizon
    4
    """

    enabled: bool = True
    discount: float = 0.95
    horizon: int = 8
    method: Method = "nash"
    demands: tuple[Demand, ...] = ()
    concession_scale: float = 1.0
    concessions: tuple[Concession, ...] = ()
    discount_days: int = 7

    def __post_init__(self) -> None:
        _check_discount(self.discount)
        _check_horizon(self.horizon)
        d, given = self.discount, self.discount_days
        whole = isinstance(given, numbers.Integral) and not isinstance(given, bool)
        if not whole or not 1 <= given <= MAX_DISCOUNT_DAYS:
            raise ParameterError(
                f"`discount_days` must be an int in [1, {MAX_DISCOUNT_DAYS}]; "
                f"got {short_repr(self.discount_days)}."
            )
        days = int(given)
        if not float(d) ** (1 / days) < 1:  # (a day's share must stay below 1 in float64)
            raise ParameterError(
                f"`discount` {d!r} per {days} days is 1 a day in float64 (no discounting); "
                "give a discount further from 1 or a shorter `discount_days`."
            )
        object.__setattr__(self, "discount_days", days)
        scale = finite_number(self.concession_scale, "concession_scale")
        if not scale > 0:
            raise ParameterError(f"`concession_scale` must be > 0; got {scale!r}.")
        object.__setattr__(self, "concession_scale", scale)
        if not one_of(self.method, ("nash", "rubinstein")):
            raise ParameterError(
                f"`method` must be one of 'nash', 'rubinstein'; got {self.method!r}."
            )
        object.__setattr__(self, "demands", tuple(self.demands))
        for dm in self.demands:
            if not isinstance(dm, Demand):
                raise ParameterError(f"`demands` must hold Demand objects; got {dm!r}.")
        own = self.concessions
        if isinstance(own, Concession | str) or not isinstance(own, Iterable):
            raise ParameterError(
                f"`concessions` must be a sequence of Concession; got {short_repr(own)}."
            )
        own = tuple(own)
        seen: set[str] = set()
        for c in own:
            if not isinstance(c, Concession):
                raise ParameterError(f"`concessions` must hold Concession objects; got {c!r}.")
            if c.name in seen:
                raise ParameterError(f"`concessions`: {c.name!r} is given twice.")
            seen.add(c.name)
        object.__setattr__(self, "concessions", own)
        pool = self.pool
        for c in own:
            for other in c.excludes:
                if other not in pool:
                    raise UnknownNameError(
                        f"concession {c.name!r}: `excludes` names {other!r}, no concession; "
                        f"known: {', '.join(sorted(pool))}."
                    )
        for dm in self.demands:
            typo = misspelt_concession(dm.concession, pool)
            if typo is not None:
                raise UnknownNameError(f"demand {dm.by}-{dm.of}: `concession`: {typo}.")

    def round_discount(self, round_days: int) -> float:
        """The discount factor of one round of `round_days` calendar days.

        ``discount ** (round_days / discount_days)``; exactly `discount` when a
        round lasts `discount_days`.

        Examples
        --------
        >>> neg = ts.bargaining.Negotiation()
        >>> neg.round_discount(7), round(neg.round_discount(1), 4)
        (0.95, 0.9927)
        """
        whole = isinstance(round_days, numbers.Integral) and not isinstance(round_days, bool)
        if not whole or round_days < 1:
            raise ParameterError(f"`round_days` must be an int >= 1; got {short_repr(round_days)}.")
        if round_days == self.discount_days:
            return self.discount
        try:
            share = int(round_days) / self.discount_days
        except OverflowError:  # (rounds of more days than a float holds: discounted away)
            return 0.0
        return float(self.discount**share)

    @property
    def pool(self) -> dict[str, Concession]:
        """Every concession the game's deals can give, by name: the bundled ones
        (:data:`CONCESSIONS`) and :attr:`concessions`, which replace bundled ones of the
        same name.

        Examples
        --------
        >>> c = ts.bargaining.Concession("crackdown_vietnam", "VN", "US", cost=0.05, value=0.02)
        >>> neg = ts.bargaining.Negotiation(concessions=(c,))
        >>> "crackdown_vietnam" in neg.pool, "border_canada" in neg.pool
        (True, True)
        """
        return {**CONCESSIONS, **{c.name: c for c in self.concessions}}

    def floors(self, met: frozenset[str] | set[str] = frozenset()) -> dict[Dyad, float]:
        """Lowest level each demanding side keeps per dyad, given the concessions met."""
        out: dict[Dyad, float] = {}
        for dm in self.demands:
            if dm.concession not in met:
                out[(dm.by, dm.of)] = out.get((dm.by, dm.of), 0.0) + dm.level
        return out


@dataclass(frozen=True)
class Threat:
    """A conditional threat: unless ``target`` has given ``unless`` by ``when``,
    ``by`` sets its tariff on ``target`` to ``level``.

    On the date the threat is carried out only if it is *credible*: if doing so
    is a best response for ``by`` then (:func:`credible`); otherwise the
    path records that it was not carried out. Before the date a credible
    threat enters the look-ahead that gives every bargain's disagreement
    point, so it changes the terms the target accepts.

    Attributes
    ----------
    by, target : str
    level : float
        Tariff threatened (a rung of the ``by``-``target`` ladder).
    when : datetime.date or int
        Deadline (date, or round index).
    unless : str
        Name of the concession that lifts the threat ("" = none can).
    label : str
    claims : tuple of str
    layer : str
        The tariff layer threatened ("" = the headline): ``level`` is then
        that layer's level (a rung of its ladder), set on top of the other
        layers as they stand (a further 100% is added to what a deal left).

    Examples
    --------
    >>> import datetime as dt
    >>> ts.bargaining.Threat("US", "CN", 1.30, dt.date(2025, 11, 1)).level
    1.3
    """

    by: str
    target: str
    level: float
    when: dt.date | int
    unless: str = ""
    label: str = ""
    claims: tuple[str, ...] = ()
    layer: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.layer, str):
            raise ParameterError(f"threat `layer` must be a layer name; got {self.layer!r}.")
        v = self.level
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= float(v) < math.inf:
            raise ParameterError(f"threat `level` must be a tariff >= 0; got {v!r}.")
        if isinstance(self.when, bool) or not isinstance(self.when, dt.date | int):
            raise ParameterError(f"threat `when` must be a date or a round; got {self.when!r}.")
        if self.by == self.target:
            raise ParameterError(f"threat: `by` and `target` must differ; got {self.by!r}.")


@dataclass(frozen=True)
class Credibility:
    """Whether carrying out a threat is a best response on its date.

    Attributes
    ----------
    credible : bool
    carry_out, refrain : float
        The threatener's discounted value (perceived model, the others
        holding) of carrying it out and of not doing so.
    gain : float
        ``carry_out - refrain``.
    message : str
    """

    credible: bool
    carry_out: float
    refrain: float
    gain: float
    message: str

    def __bool__(self) -> bool:
        return self.credible


def credible(
    game: Game,
    threat: Threat,
    state: State,
    *,
    discount: float = 0.95,
    horizon: int = 8,
    model: PayoffModel | None = None,
) -> Credibility:
    """Is carrying out `threat` at `state` a best response for the threatener?

    Compares the threatener's discounted value of setting the threatened level
    (the first round, with its costs, then the level held) with holding
    today's level, on `model` (its perceived model; default the true one),
    the others holding. A threat is credible when carrying it out is worth at
    least as much. Each value is the first round's payoff plus
    ``discount / (1 - discount)`` times the payoff of the state then held.

    Parameters
    ----------
    game : Game
    threat : Threat
    state : State
        The state on the deadline.
    discount : float
        In [0, 1).
    horizon : int
        Rounds valued before the state is held forever. Both alternatives hold
        their state from the first round on, so the weights of the held
        payoff sum to ``discount / (1 - discount)`` whatever the horizon: it
        does not change the result.
    model : PayoffModel, optional

    Returns
    -------
    Credibility

    Raises
    ------
    ParameterError
        Bad discount or horizon, or no ladder for the threat's dyad.

    Examples
    --------
    >>> import datetime as dt
    >>> sc = ts.load_scenario("rare-earth-100")
    >>> w = sc.world
    >>> s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.3).with_tariff(w, "CN", "US", 0.1)
    >>> t = ts.bargaining.Threat("US", "CN", 1.30, dt.date(2025, 11, 1))
    >>> ts.bargaining.credible(sc.game, t, s).credible
    False
    """
    d = _check_discount(discount)
    h = _check_horizon(horizon)
    w = game.world
    if (threat.by, threat.target) not in w.ladders:
        raise ParameterError(f"threat: no tariff ladder for ({threat.by}, {threat.target}).")
    m = model if model is not None else game.model
    i, j = w.index(threat.by), w.index(threat.target)
    if threat.layer:  # that layer set, the others as they stand
        lay = np.array(state.layered(w).layers)
        lay[w.layer_index(threat.layer), i, j] = threat.level
        t = np.array(state.tariff)
        t[i, j] = round(
            float(sum(lay[r_, i, j] for r_ in w._layer_rows[(threat.by, threat.target)])), 12
        )
        nxt = state._with(
            tariff=t, layers=lay, peak=np.maximum(state.peak, t), moved=t - state.tariff
        )
    else:
        t = np.array(state.tariff)
        t[i, j] = threat.level
        nxt = _relayer(
            w, state._with(tariff=t, peak=np.maximum(state.peak, t), moved=t - state.tariff)
        )
    held_now = state._with(moved=np.zeros_like(state.moved))
    held_next = nxt._with(moved=np.zeros_like(t))
    a_h = sum(d**k for k in range(1, h)) + d**h / (1 - d)
    # the first rounds (from today's state) and the states held, each pair in one evaluation
    first = _payoff_pair(m, (nxt, state), (held_now, state), i)
    kept = _payoff_pair(m, (held_next, held_next), (held_now, held_now), i)
    carry = first[0] + a_h * kept[0]
    refrain = first[1] + a_h * kept[1]
    gain = carry - refrain
    ok = gain >= 0
    verdict = "credible" if ok else "not credible"
    msg = (
        f"{threat.by}'s threat of {100 * threat.level:g}% on {threat.target} is {verdict}: "
        f"carrying it out is worth {carry:.4g}, refraining {refrain:.4g} (% of GDP, discounted)"
    )
    return Credibility(ok, carry, refrain, gain, msg)


def _payoff_pair(
    m: PayoffModel, a: tuple[State, State], b: tuple[State, State], i: int
) -> tuple[float, float]:
    """Country ``i``'s payoffs of two (state, previous state) pairs, in one evaluation where
    their layers agree (a batch holds layers for all its states or for none: stacking a
    state whose layers are set with one whose are not would split the first's again)."""
    states = (*a, *b)
    if len({np.shape(s.layers) for s in states}) == 1:
        out = m.payoff(StateBatch.stack([a[0], b[0]]), prev=StateBatch.stack([a[1], b[1]]))
        return float(out[0, i]), float(out[1, i])
    return float(m.payoff(a[0], prev=a[1])[0, i]), float(m.payoff(b[0], prev=b[1])[0, i])


def floor_world(world: World, floors: Mapping[Dyad, float]) -> World | None:
    """`world` with each dyad's ladder cut at its floor (no rung below it).

    A dyad with one layer keeps its rungs at or above the floor. A layered
    dyad is cut layer by layer along its escalation chain (layers climb in
    order, :func:`~tariffsim.world.step_layers`): the layers the floor covers
    keep only their top rung, the layer it falls in keeps its rungs at or
    above the rest of the floor, later layers are untouched; the dyad keeps its
    layers (names, pretexts, coverage). Rungs marked ``down_only`` that become
    a ladder's end are no longer marked.

    Parameters
    ----------
    world : World
    floors : mapping of (str, str) to float
        Lowest headline level per dyad (e.g. :meth:`Negotiation.floors`).

    Returns
    -------
    World or None
        None if some floor lies above every rung of its dyad.

    Examples
    --------
    >>> w = ts.load_scenario("us-china-145").world
    >>> fw = ts.bargaining.floor_world(w, {("US", "CN"): 0.30})
    >>> fw.ladders[("US", "CN")].levels
    (0.3, 0.54, 1.04, 1.45)
    >>> [lay.levels.levels for lay in fw.instruments[("US", "CN")]]
    [(0.2,), (0.1, 0.34, 0.84, 1.25)]
    """
    inst: dict[Dyad, tuple[Layer, ...]] = {}
    for d, f in floors.items():
        if d not in world.ladders or f <= 1e-12:
            continue
        lays = world.instruments.get(d) or (Layer(GENERIC_LAYER, world.ladders[d]),)
        out: list[Layer] = []
        rest = float(f)
        for m, lay in enumerate(lays):
            if rest <= lay.bottom + 1e-12:
                out.append(lay)
                continue
            last = m == len(lays) - 1
            if rest >= lay.top - 1e-12 and not last:
                kept: tuple[float, ...] = (lay.top,)
            else:
                kept = tuple(x for x in lay.levels.levels if x >= rest - 1e-12)
                if not kept:
                    return None
            rest = max(0.0, rest - kept[0])
            down = tuple(x for x in lay.down_only if kept[0] + 1e-9 < x < kept[-1] - 1e-9)
            out.append(
                dataclasses.replace(lay, levels=Ladder(kept, down_only=down), down_only=down)
            )
        inst[d] = tuple(out)
    if not inst:
        return world
    return world.replace(instruments={**world.instruments, **inst})


def _relayer(world: Any, state: State) -> State:
    """`state` with its tariff layers split again from its headline rates.

    Deals and threats set headline rates; the layers follow the world's
    canonical split (:meth:`~tariffsim.world.World.splitter`).
    """
    layers = getattr(state, "layers", None)
    if layers is None or np.shape(layers)[0] == 0:
        return state
    return state._with(layers=world.splitter()(state.tariff))


@cache
def _load_concessions() -> dict[str, Concession]:
    text = (resources.files("tariffsim") / "data" / "concessions.toml").read_text(encoding="utf-8")
    out: dict[str, Concession] = {}
    from .claims import load_claims

    CLAIMS = load_claims()
    for k, e in enumerate(tomllib.loads(text).get("concession", [])):
        where = f"concessions.toml:concession[{k}]"
        try:
            cost = CLAIMS[e["cost_claim"]].values
            value = CLAIMS[e["value_claim"]].values
        except KeyError as exc:
            raise ParameterError(f"{where}: unknown claim {exc}") from None
        out[e["name"]] = Concession(
            name=e["name"],
            giver=e["giver"],
            receiver=e["receiver"],
            cost=float(cost[0]),
            value=float(value[0]),
            label=e.get("label", ""),
            claims=(e["cost_claim"], e["value_claim"], *e.get("claims", ())),
            releases=tuple(tuple(d.split("-")) for d in e.get("releases", ())),
            excludes=tuple(e.get("excludes", ())),
        )
    return out


def concession_subsets(pool: Mapping[str, Concession]) -> list[frozenset[str]]:
    """Every set of concessions from ``pool`` a deal can give, smallest first (in the order of
    ``itertools.combinations`` over the sorted names, which fixes the tie-breaking): each
    subset, except those holding a pair that one of them :attr:`~Concession.excludes`."""
    banned = [
        frozenset((a, b)) for a, c in pool.items() for b in c.excludes if b in pool and b != a
    ]
    return [
        s
        for n in range(len(pool) + 1)
        for s in map(frozenset, itertools.combinations(sorted(pool), n))
        if not any(pair <= s for pair in banned)
    ]


class _Concessions(Mapping[str, Concession]):
    def __getitem__(self, k: str) -> Concession:
        return _load_concessions()[k]

    def __iter__(self) -> Any:
        return iter(_load_concessions())

    def __len__(self) -> int:
        return len(_load_concessions())

    def __repr__(self) -> str:
        return f"<{len(self)} concessions: {', '.join(self)}>"


CONCESSIONS: Mapping[str, Concession] = _Concessions()
"""The bundled concessions by name (``data/concessions.toml``), costs and values from claims."""


def concession(name: str, known: Mapping[str, Concession] = CONCESSIONS) -> Concession:
    """A concession by name: a bundled one, or one of ``known`` (a game's
    :attr:`Negotiation.pool`).

    Raises
    ------
    UnknownNameError
        If `name` is not known; the message lists the names.

    Examples
    --------
    >>> ts.bargaining.concession("fentanyl_enforcement_china").giver
    'CN'
    """
    if not one_of(name, known):
        raise UnknownNameError(
            f"concession {name!r} is unknown; known: {', '.join(sorted(known))}."
        )
    return known[name]


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Deal:
    """The outcome of a bargain.

    Attributes
    ----------
    parties : tuple of str
    agreed : bool
        Whether some deal makes every party better off than carrying on.
    terms : mapping of (str, str) to float
        Agreed tariff level per dyad (every ladder dyad among the parties).
    concessions : tuple of str
        Names of the concessions given in the deal.
    disagreement : mapping of str to float
        Each party's value of carrying on (% of GDP, discounted sum).
    value : mapping of str to float
        Each party's value of the deal.
    gain : mapping of str to float
        ``value - disagreement``.
    split : mapping of str to float
        Each party's share of the total gain (sums to 1 when agreed).
    method : {"nash", "rubinstein"}
    state : State
        The state the deal moves to (``state`` unchanged if not agreed).
    candidates : int
        Number of deals compared.
    layers : mapping of (str, str) to mapping of str to float
        Agreed level of each tariff layer, for dyads bargained layer by layer
        (``solve_deal(..., layers=True)`` on a dyad with several layers).
    broken : int
        Better deals set aside as not self-enforcing (``solve_deal(..., holds=...)``).
    """

    parties: tuple[str, ...]
    agreed: bool
    terms: Mapping[Dyad, float]
    concessions: tuple[str, ...]
    disagreement: Mapping[str, float]
    value: Mapping[str, float]
    gain: Mapping[str, float]
    split: Mapping[str, float]
    method: Method
    state: State
    candidates: int = 0
    layers: Mapping[Dyad, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    broken: int = 0

    def __bool__(self) -> bool:
        return self.agreed

    def describe(self) -> str:
        """One line: the terms (layer by layer where bargained so), the concessions and
        the split."""
        if not self.agreed:
            return f"no deal among {', '.join(self.parties)}: nobody-loses set is empty"
        t = ", ".join(
            f"{a}->{b} {100 * v:g}%" + _layer_text(self.layers.get((a, b)))
            for (a, b), v in sorted(self.terms.items())
        )
        c = f"; concessions: {', '.join(self.concessions)}" if self.concessions else ""
        s = ", ".join(f"{p} {100 * self.split[p]:.0f}%" for p in self.parties)
        return f"deal {t}{c}; surplus split {s}"


@dataclass(frozen=True)
class Agreement:
    """An agreement reached in a game, as recorded on a :class:`~tariffsim.path.Path`.

    Attributes
    ----------
    round : int
    date : datetime.date
    parties : tuple of str
    terms : mapping of (str, str) to float
        The agreed rates (fractions), ceilings: a party may cut below them, and a raise
        above one breaks the agreement.
    concessions : tuple of str
    gain : mapping of str to float
    split : mapping of str to float
    label : str
        The summit or deadline event that offered the chance.
    layers : mapping of (str, str) to mapping of str to float
        Agreed level of each tariff layer where the deal was struck layer by
        layer (see :attr:`Deal.layers`).
    expires : int or None
        Round in which the agreement runs out (``None``: open-ended); then it
        is renewed (a new agreement, labelled so) or lapses (see
        :class:`~tariffsim.game.Event`, ``term_days``).
    before : mapping of (str, str) to float
        Levels of the agreed dyads before the deal: where a lapse returns them.
    """

    round: int
    date: dt.date
    parties: tuple[str, ...]
    terms: Mapping[Dyad, float]
    concessions: tuple[str, ...]
    gain: Mapping[str, float]
    split: Mapping[str, float]
    label: str = ""
    layers: Mapping[Dyad, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    expires: int | None = None
    before: Mapping[Dyad, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-ready)."""
        return {
            "round": self.round,
            "date": self.date.isoformat(),
            "parties": list(self.parties),
            "terms": {f"{a}-{b}": v for (a, b), v in self.terms.items()},
            "concessions": list(self.concessions),
            "gain": dict(self.gain),
            "split": dict(self.split),
            "label": self.label,
            **(
                {"layers": {f"{a}-{b}": dict(v) for (a, b), v in self.layers.items()}}
                if self.layers
                else {}
            ),
            **({"expires": self.expires} if self.expires is not None else {}),
            **(
                {"before": {f"{a}-{b}": v for (a, b), v in self.before.items()}}
                if self.before
                else {}
            ),
        }


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------
def _check_discount(discount: Any) -> float:
    if (
        isinstance(discount, bool)
        or not isinstance(discount, numbers.Real)
        or not 0 <= float(discount) < 1
    ):
        raise ParameterError(f"`discount` must be in [0, 1); got {discount!r}.")
    return float(discount)


def _check_horizon(horizon: Any) -> int:
    return whole_number(horizon, "horizon", 1)


def _models(
    game: Game, parties: Sequence[str], models: Mapping[str, PayoffModel] | None
) -> dict[str, PayoffModel]:
    """Each party's model: ``models[p]`` where given, else the game's (true) model."""
    from .payoffs import PayoffModel

    out = {p: game.model for p in parties}
    if models is None:
        return out
    if not isinstance(models, Mapping):
        raise ParameterError(
            f"`models` must be a mapping of party codes to PayoffModel; got {short_repr(models)}."
        )
    for p, m in models.items():
        if p not in out:
            raise ParameterError(f"`models` names {p!r}, not a party {tuple(parties)!r}.")
        if not isinstance(m, PayoffModel):
            raise ParameterError(f"`models[{p!r}]` must be a PayoffModel; got {short_repr(m)}.")
        if m.world.n != game.world.n:
            raise ParameterError(
                f"`models[{p!r}]` is for {m.world.n} countries; the game has {game.world.n}."
            )
        out[p] = m
    return out


def ladder_dyads(world: World, parties: Sequence[str]) -> list[tuple[str, str]]:
    """The dyads among ``parties`` that have a tariff ladder, in the world's order.

    Raises
    ------
    ParameterError
        If there is none: there is no tariff for the parties to bargain over.
    """
    dyads = [(a, b) for (a, b) in world.ladders if a in parties and b in parties]
    if not dyads:
        raise ParameterError(f"no tariff ladder among the parties {tuple(parties)!r}.")
    return dyads


def _check_disagreement(parties: Sequence[str], disagreement: Any) -> dict[str, float]:
    """A finite real value per party, as floats."""
    if not isinstance(disagreement, Mapping):
        raise ParameterError(
            "`disagreement` must be a mapping of party codes to values; "
            f"got {short_repr(disagreement)}."
        )
    dis = dict(disagreement)
    for p in parties:
        v = dis.get(p)
        try:
            dis[p] = finite_number(v, f"disagreement[{p!r}]")
        except ParameterError:  # (not a number, NaN, infinite, an int beyond any float)
            raise ParameterError(
                f"`disagreement` needs a finite value for {p!r}; got {short_repr(v)}."
            ) from None
    return dis


def _check_demands(
    world: World, demands: Sequence[Demand] | None, known: Mapping[str, Concession] = CONCESSIONS
) -> tuple[Demand, ...]:
    """`demands` as a tuple of Demand objects whose countries are the world's and whose
    concessions are no typo of one in ``known`` (a game's :attr:`Negotiation.pool`)."""
    if demands is None:
        return ()
    if isinstance(demands, Demand | str) or not isinstance(demands, Iterable):
        raise ParameterError(
            f"`demands` must be a sequence of Demand objects; got {short_repr(demands)}."
        )
    out = tuple(demands)
    for k, dm in enumerate(out):
        if not isinstance(dm, Demand):
            raise ParameterError(f"`demands[{k}]` must be a Demand; got {short_repr(dm)}.")
        for code in (dm.by, dm.of):
            if code not in world.codes:
                raise UnknownNameError(
                    f"`demands[{k}]` names unknown country {code!r}; "
                    f"known: {', '.join(world.codes)}."
                )
        typo = misspelt_concession(dm.concession, known)
        if typo is not None:
            raise UnknownNameError(f"`demands[{k}]`: `concession`: {typo}.")
    return out


def _check_met(met: Any) -> frozenset[str]:
    """`met` as a frozenset of concession names (a str is refused: it is not a set of names)."""
    if isinstance(met, str) or not isinstance(met, Iterable):
        raise ParameterError(
            f"`met` must be a set of concession names (e.g. frozenset({{'border_canada'}})); "
            f"got {short_repr(met)}."
        )
    out = frozenset(met)
    for name in out:
        if not isinstance(name, str):
            raise ParameterError(f"`met` must hold concession names; got {short_repr(name)}.")
    return out


def _floors(
    game: Game, demands: Sequence[Demand], given: set[str], met: frozenset[str] = frozenset()
) -> dict[Dyad, float]:
    out: dict[Dyad, float] = {}
    for dm in demands:
        if dm.concession in given or dm.concession in met:
            continue
        out[(dm.by, dm.of)] = out.get((dm.by, dm.of), 0.0) + dm.level
    return out


def solve_deal(
    game: Game,
    parties: tuple[str, ...],
    state: State,
    disagreement: Mapping[str, float],
    *,
    discount: float = 0.95,
    method: Method = "nash",
    patience: Mapping[str, float] | None = None,
    concessions: Sequence[Concession | str] | None = None,
    demands: Sequence[Demand] | None = None,
    met: frozenset[str] = frozenset(),
    models: Mapping[str, PayoffModel] | None = None,
    layers: bool = False,
    holds: Callable[[Deal], bool] | None = None,
    max_broken: int = 8,
) -> Deal:
    """The bargaining solution given each party's disagreement value.

    The core of :func:`tariffsim.bargaining.nash_bargain` (which computes the
    disagreement point by a look-ahead); see the module docstring for the
    values and solutions.

    Parameters
    ----------
    game : Game
    parties : tuple of str
    state : State
    disagreement : mapping of str to float
    discount, method, patience, concessions, demands, met, models
        As for :func:`tariffsim.bargaining.nash_bargain`.
    layers : bool, default False
        Bargain over each tariff layer of a dyad with several layers (every
        combination of the layers' rungs at or below their levels today), so a
        deal can keep one layer and drop another; a demand tied to a layer
        (:attr:`Demand.layer`) then binds that layer. Default: over the
        headline rungs, the layers split as the world's escalation chain says.
    holds : callable, optional
        ``holds(deal) -> bool``: whether a deal is self-enforcing. The best deal
        that does not hold is set aside for the next best, up to ``max_broken``
        deals, and then none is struck (:attr:`Deal.broken` counts them). The
        engine's talks pass a check by the parties' own strategies; default:
        every deal holds.
    max_broken : int, default 8
        The most deals set aside before none is struck.

    Returns
    -------
    Deal

    Raises
    ------
    ParameterError
        Bad arguments (see :func:`tariffsim.bargaining.nash_bargain`).
    """
    w = game.world
    parties = tuple(parties)
    if len(parties) < 2 or len(set(parties)) != len(parties):
        raise ParameterError(f"`parties` must be two or more distinct codes; got {parties!r}.")
    for p in parties:
        w.index(p)
    d = _check_discount(discount)
    if not one_of(method, ("nash", "rubinstein")):
        raise ParameterError(f"`method` must be one of 'nash', 'rubinstein'; got {method!r}.")
    if not isinstance(state, State):
        raise ParameterError(f"`state` must be a State; got {type(state).__name__}.")
    dis = _check_disagreement(parties, disagreement)
    if holds is not None and not callable(holds):
        raise ParameterError(f"`holds` must be a callable (deal -> bool); got {short_repr(holds)}.")
    max_broken = whole_number(max_broken, "max_broken", 1)
    ms = _models(game, parties, models)
    alpha = _powers(parties, d, method, patience)
    pool = _concession_pool(parties, concessions, game.negotiation.pool)
    demands = _check_demands(w, demands, game.negotiation.pool)
    met = _check_met(met)
    dyads = ladder_dyads(w, parties)
    idx = [(w.index(a), w.index(b)) for a, b in dyads]
    by_layer = bool(layers) and any(len(w.instruments.get(dy, ())) > 1 for dy in dyads)
    lay_state = state.layered(w) if by_layer else state
    rows_of = w._layer_rows if by_layer else {}
    rungs = []
    slots: list[tuple[int, str, int]] = []  # (dyad position, layer name or "", layer row)
    for pos_d, ((a, b), (i, j)) in enumerate(zip(dyads, idx, strict=True)):
        lays = w.instruments.get((a, b), ()) if by_layer else ()
        if len(lays) > 1:
            for lay, row in zip(lays, rows_of[(a, b)], strict=True):
                cur_l = float(lay_state.layers[row, i, j])
                levels = [x for x in lay.levels.levels if x <= cur_l + 1e-12]
                rungs.append(levels or [cur_l])
                slots.append((pos_d, lay.name, row))
            continue
        cur = float(state.tariff[i, j])
        levels = [x for x in w.ladders[(a, b)].levels if x <= cur + 1e-12]
        rungs.append(levels or [cur])
        slots.append((pos_d, "", -1))
    subsets = concession_subsets(pool)
    total = math.prod(len(r) for r in rungs) * len(subsets)
    if total > MAX_DEALS:
        raise ParameterError(
            f"{total} candidate deals among {parties!r}; at most {MAX_DEALS} are searched."
        )
    raw = np.array(list(itertools.product(*rungs)), dtype=float).reshape(-1, len(slots))
    combos = np.zeros((len(raw), len(dyads)))  # headline per dyad: the sum of its slots
    for s_, (sc, _, _) in enumerate(slots):
        combos[:, sc] += raw[:, s_]
    combos = np.round(combos, 12)
    t = np.repeat(state.tariff[None], len(combos), axis=0)
    for k, (i, j) in enumerate(idx):
        t[:, i, j] = combos[:, k]
    lay_arr = None
    if by_layer or np.shape(getattr(state, "layers", ()))[:1] not in ((), (0,)):
        lay_arr = w.splitter()(t)
        if by_layer:
            base = np.asarray(lay_state.layers)
            lay_arr[:] = base[None]
            chain = w.splitter()(t)
            for pos_d, (i, j) in enumerate(idx):
                if not any(sc == pos_d and row >= 0 for sc, _, row in slots):
                    lay_arr[:, :, i, j] = chain[:, :, i, j]
            for s_, (sc, _, row) in enumerate(slots):
                if row >= 0:
                    i, j = idx[sc]
                    lay_arr[:, row, i, j] = raw[:, s_]
    nxt = StateBatch(
        tariff=t,
        control=np.broadcast_to(state.control, t.shape),
        peak=np.maximum(state.peak, t),
        moved=t - state.tariff,
        support=np.broadcast_to(state.support, (len(t), w.n)),
        shock=np.zeros((len(t), w.n)),
        layers=lay_arr,  # type: ignore[arg-type]
    )
    steady = dataclasses.replace(nxt, moved=np.zeros_like(t))
    first: dict[str, np.ndarray] = {}
    hold: dict[str, np.ndarray] = {}
    for p in parties:
        k = w.index(p)
        first[p] = np.asarray(ms[p].payoff(nxt, prev=state))[:, k]
        hold[p] = np.asarray(ms[p].payoff(steady, prev=steady))[:, k]
    factor = d / (1 - d)
    broken: set[tuple[int, int]] = set()  # (subset, candidate): deals that would not hold
    scored = []  # per subset of concessions: its deals with every gain positive, and scores
    for sub in subsets:
        ok = _floors_allow(game, demands, sub, met, dyads, slots, by_layer, raw, combos)
        flow = _flows(pool, parties, sub, game.negotiation.concession_scale)
        worth = np.stack([first[p] + flow[p] + factor * (hold[p] + flow[p]) for p in parties])
        walk = np.array([dis[p] for p in parties])[:, None]  # the disagreement values
        gains = worth - walk
        pos = np.all(beats(worth, walk), axis=0) & ok
        logs = np.where(pos[None], np.log(np.where(gains > 0, gains, 1.0)), -np.inf)
        scored.append((pos, (alpha[:, None] * logs).sum(axis=0)))

    def pick() -> tuple[int, frozenset[str], int] | None:
        """The best deal not ``broken``: (candidate, concessions, subset position)."""
        best: tuple[float, int, frozenset[str], int] | None = None
        for n, (sub, (pos, score)) in enumerate(zip(subsets, scored, strict=True)):
            out = [kk for m, kk in broken if m == n]
            if out:
                pos = pos.copy()
                pos[out] = False
                score = np.where(pos, score, -np.inf)
            if not pos.any():
                continue
            k = int(np.argmax(score))
            if best is None or score[k] > best[0] + 1e-12:
                best = (float(score[k]), k, sub, n)
        return None if best is None else best[1:]

    def none() -> Deal:
        return Deal(
            parties,
            False,
            {dy: float(state.tariff[i, j]) for dy, (i, j) in zip(dyads, idx, strict=True)},
            (),
            dis,
            dict(dis),
            {p: 0.0 for p in parties},
            {p: 0.0 for p in parties},
            method,
            state,
            total,
            broken=len(broken),
        )

    def build(k: int, sub: frozenset[str]) -> Deal:
        """Deal ``k`` with the concessions ``sub``."""
        flow = _flows(pool, parties, sub, game.negotiation.concession_scale)
        value = {p: float(first[p][k] + flow[p] + factor * (hold[p][k] + flow[p])) for p in parties}
        gain = {p: value[p] - dis[p] for p in parties}
        tot = sum(gain.values())
        new = nxt[k]
        ctrl = np.array(new.control)
        for name in sub:
            for a, b in pool[name].releases:
                ctrl[w.index(a), w.index(b)] = 0.0
        if by_layer:  # the layers are the deal's, not the escalation chain's split
            new = new._with(control=ctrl, shock=state.shock)
        else:
            new = _relayer(w, new._with(control=ctrl, shock=state.shock))
        lay_terms: dict[Dyad, dict[str, float]] = {}
        for s_, (sc, name, row) in enumerate(slots):
            if row >= 0:
                lay_terms.setdefault(dyads[sc], {})[name] = float(raw[k, s_])
        return Deal(
            parties=parties,
            agreed=True,
            terms={dy: float(combos[k, n]) for n, dy in enumerate(dyads)},
            concessions=tuple(sorted(sub)),
            disagreement=dis,
            value=value,
            gain=gain,
            split={p: gain[p] / tot for p in parties},
            method=method,
            state=new,
            candidates=total,
            layers=lay_terms,
            broken=len(broken),
        )

    while True:
        chosen = pick()
        if chosen is None:
            return none()
        k, sub, n = chosen
        deal = build(k, sub)
        if holds is None:
            return deal
        said = holds(deal)
        if not isinstance(said, bool | np.bool_):
            raise ParameterError(f"`holds` must return True or False; got {short_repr(said)}.")
        if said:
            return deal
        broken.add((n, k))
        if len(broken) >= max_broken:
            return none()


def _flows(
    pool: Mapping[str, Concession], parties: Sequence[str], given: Iterable[str], scale: float
) -> dict[str, float]:
    """Each party's per-round value of the concessions ``given``: a giver loses its
    cost, a receiver gains its value (% of GDP), times ``scale``
    (:attr:`Negotiation.concession_scale`; 1.0 leaves them as they are, to the bit)."""
    out = dict.fromkeys(parties, 0.0)
    for name in given:
        c = pool[name]
        out[c.giver] -= c.cost * scale
        out[c.receiver] += c.value * scale
    return out


def _floors_allow(
    game: Game,
    demands: Sequence[Demand],
    given: Iterable[str],
    met: frozenset[str],
    dyads: Sequence[Dyad],
    slots: Sequence[tuple[int, str, int]],
    by_layer: bool,
    cols: np.ndarray,
    heads: np.ndarray,
) -> np.ndarray:
    """Which candidate deals the demands left unmet by concessions ``given`` (and ``met``) allow.

    ``heads`` ``(C, len(dyads))``: each candidate's headline per dyad;
    ``cols`` ``(C, len(slots))``: its level per slot ((dyad position, layer
    name or "", layer row), as :func:`solve_deal` lays them out). With
    ``by_layer`` a demand on a layer binds that layer's slot (its headline
    when the dyad has no such slot); otherwise every floor binds the
    headline. Returns a bool array ``(C,)``.
    """
    ok = np.ones(len(heads), dtype=bool)
    if by_layer:
        for (dy, lname), lvl in _layer_floors(demands, set(given) | set(met)).items():
            if dy not in dyads:
                continue
            c = dyads.index(dy)
            hit = [s_ for s_, (sc, nm, _) in enumerate(slots) if sc == c and nm == lname]
            col = cols[:, hit[0]] if hit else heads[:, c]
            ok &= col >= lvl - 1e-12
        return ok
    floors = _floors(game, demands, set(given), met)
    for c, dy in enumerate(dyads):
        if dy in floors:
            ok &= heads[:, c] >= floors[dy] - 1e-12
    return ok


def _layer_floors(demands: Sequence[Demand], given: set[str]) -> dict[tuple[Dyad, str], float]:
    """Unmet demands' floors per (dyad, layer) ("" = the headline), given concessions."""
    out: dict[tuple[Dyad, str], float] = {}
    for dm in demands:
        if dm.concession in given:
            continue
        key = ((dm.by, dm.of), dm.layer)
        out[key] = out.get(key, 0.0) + dm.level
    return out


def _layer_text(levels: Mapping[str, float] | None) -> str:
    if not levels:
        return ""
    return " (" + ", ".join(f"{n} {100 * v:g}%" for n, v in levels.items()) + ")"


def _powers(
    parties: Sequence[str], d: float, method: str, patience: Mapping[str, float] | None
) -> np.ndarray:
    if method == "nash":
        if patience:
            raise ParameterError("`patience` is used only with method='rubinstein'.")
        return np.ones(len(parties))
    pat = {p: d for p in parties}
    for p, v in (patience or {}).items():
        if p not in pat:
            raise ParameterError(f"`patience` names {p!r}, not a party {tuple(parties)!r}.")
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 < v < 1:
            raise ParameterError(f"`patience[{p!r}]` must be in (0, 1); got {v!r}.")
        pat[p] = float(v)
    if any(pat[p] <= 0 for p in parties):
        raise ParameterError("alternating offers need every party's patience in (0, 1).")
    r = np.array([-math.log(pat[p]) for p in parties])
    inv = 1 / r
    return inv / inv.sum() * len(parties)


def _concession_pool(
    parties: Sequence[str],
    concessions: Sequence[Concession | str] | None,
    known: Mapping[str, Concession] = CONCESSIONS,
) -> dict[str, Concession]:
    """The concessions a deal among ``parties`` can give: ``concessions`` (names looked up in
    ``known``, the game's :attr:`Negotiation.pool`), or with None every one of ``known``
    between the parties."""
    if concessions is None:
        items: list[Concession] = [
            c for c in known.values() if c.giver in parties and c.receiver in parties
        ]
    else:
        items = [concession(c, known) if isinstance(c, str) else c for c in concessions]
        for c in items:
            if not isinstance(c, Concession):
                raise ParameterError(f"`concessions` must hold Concession or names; got {c!r}.")
            if c.giver not in parties or c.receiver not in parties:
                raise ParameterError(
                    f"concession {c.name!r} is given by {c.giver} to {c.receiver}, not between "
                    f"the parties {tuple(parties)!r}."
                )
    pool = {c.name: c for c in items if c.giver in parties and c.receiver in parties}
    if len(pool) > MAX_AGENDA:
        raise ParameterError(
            f"{len(pool)} concessions between {tuple(parties)!r}: a deal weighs every set of "
            f"them, 2 ** {len(pool)}, beyond the {MAX_DEALS} deals searched; put at most "
            f"{MAX_AGENDA} on the summit's agenda."
        )
    return pool
