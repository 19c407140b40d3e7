"""Repeated-game facts of a dyad from the model: T, R, P, S and grim-trigger thresholds.

:func:`dyad_facts` reads the four stage payoffs of a low/high tariff dyad off a
:class:`~tariffsim.game.Game`'s true model and checks mutual grim trigger on
them with :func:`~tariffsim.equilibrium.grim_facts` (exact, every ordering of
T, R, P, S).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..game import Game
from ..schema import MAX_TARIFF
from ..world import State, StateBatch
from .repeated import DyadPayoffs, GrimFacts, grim_facts

__all__ = ["DyadFacts", "dyad_facts"]


@dataclass(frozen=True)
class DyadFacts:
    """Stage payoffs of a low/high tariff dyad and the grim-trigger thresholds.

    Attributes
    ----------
    a, b : str
        The two countries.
    low, high : float
        The two tariff levels (fractions).
    payoffs : mapping of str to DyadPayoffs
        ``T, R, P, S`` per country: ``R`` both low, ``P`` both high, ``T`` the
        country high while the other stays low, ``S`` the reverse. Each is the
        true payoff (% of GDP per round) of the state held steady (no
        transition costs).
    critical : mapping of str to float
        Per country, the smallest discount from which on mutual grim trigger
        is subgame perfect for it (its own one-shot deviation conditions,
        exact, any ordering of T, R, P, S): ``(T - R) / (T - P)`` in a
        prisoner's dilemma, 0 without temptation, ``nan`` when no such
        threshold exists (``grim.reason`` says why, e.g. the punishment is not
        a stage equilibrium when ``S > P``).
    threshold : float
        The larger of the two: low tariffs are sustained by grim trigger for
        discounts at or above it (``nan`` if either country's is ``nan``).
    grim : GrimFacts or None
        The exact Nash and subgame-perfect discount sets and the reason.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> f = eq.dyad_facts(ts.load_scenario("us-china-145").game)
    >>> sorted(f.payoffs), str(f.grim.nash)
    (['CN', 'US'], '[0, 1)')
    """

    a: str
    b: str
    low: float
    high: float
    payoffs: Mapping[str, DyadPayoffs]
    critical: Mapping[str, float]
    threshold: float
    grim: GrimFacts | None = None

    def __repr__(self) -> str:
        crit = ", ".join(f"{c} {v:.3g}" for c, v in self.critical.items())
        sets = ""
        if self.grim is not None:
            spe = (
                f"subgame perfect in {self.grim.spe}"
                if self.grim.spe.intervals
                else self.grim.reason.split(";")[0] or "never subgame perfect"
            )
            sets = f"; grim trigger is Nash for discounts in {self.grim.nash}, {spe}"
        return (
            f"<DyadFacts {self.a}-{self.b} at {100 * self.low:g}% / {100 * self.high:g}%: "
            f"critical discounts {crit}, threshold {self.threshold:.3g}{sets}>"
        )


def dyad_facts(
    game: Game, a: str = "US", b: str = "CN", low: float = 0.1, high: float = 1.45
) -> DyadFacts:
    """T, R, P, S of the dyad ``a``–``b`` from the true model, and the grim-trigger discount.

    The four states set ``tariff[a, b]`` and ``tariff[b, a]`` to ``low`` or
    ``high``; everything else is the game's initial state. Each state's payoff
    is its steady-state payoff (reached from itself, so face and resolve do
    not enter).

    Parameters
    ----------
    game : Game
    a, b : str
        Country codes.
    low, high : float
        Tariff levels (fractions), ``0 <= low < high <= 10`` (1000%,
        :data:`tariffsim.schema.MAX_TARIFF`, the highest a scenario may set).

    Returns
    -------
    DyadFacts

    Raises
    ------
    ParameterError
        If ``low``/``high`` are invalid or ``a == b``.
    UnknownNameError
        If a code is unknown.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> f = eq.dyad_facts(ts.load_scenario("us-china-145").game, "US", "CN", 0.1, 1.45)
    >>> p = f.payoffs["US"]
    >>> p.R > p.P
    True
    """
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
    w = game.world
    i, j = w.index(a), w.index(b)
    if i == j:
        raise ParameterError(f"`a` and `b` must differ; got {a!r} twice.")
    for name, v in (("low", low), ("high", high)):
        if (
            isinstance(v, bool)
            or not isinstance(v, numbers.Real)
            or not math.isfinite(v)
            or not 0 <= v <= MAX_TARIFF
        ):
            raise ParameterError(
                f"`{name}` must be a tariff from 0 to {MAX_TARIFF:g} ({MAX_TARIFF:.0%}, the "
                f"highest a scenario may set); got {v!r}."
            )
    if not low < high:
        raise ParameterError(f"`low` must be below `high`; got low={low!r}, high={high!r}.")
    base = game.initial or State.zeros(w.n)
    ts_ = []
    for x, y in ((low, low), (high, high), (high, low), (low, high)):
        t = np.array(base.tariff)
        t[i, j], t[j, i] = x, y
        ts_.append(t)
    t = np.stack(ts_)
    batch = StateBatch(
        tariff=t,
        control=np.broadcast_to(base.control, t.shape),
        peak=t,
        moved=np.zeros_like(t),
        support=np.broadcast_to(base.support, (4, w.n)),
        shock=np.zeros((4, w.n)),
    )
    pay = np.asarray(game.model.payoff(batch, prev=batch))
    ll, hh, hl, lh = pay
    out: dict[str, DyadPayoffs] = {
        a: DyadPayoffs(T=float(hl[i]), R=float(ll[i]), P=float(hh[i]), S=float(lh[i])),
        b: DyadPayoffs(T=float(lh[j]), R=float(ll[j]), P=float(hh[j]), S=float(hl[j])),
    }
    grim = grim_facts(out[a], out[b])
    crit = {a: grim.critical(0), b: grim.critical(1)}
    return DyadFacts(
        a=a,
        b=b,
        low=float(low),
        high=float(high),
        payoffs=out,
        critical=crit,
        threshold=math.nan if any(math.isnan(c) for c in crit.values()) else max(crit.values()),
        grim=grim,
    )
