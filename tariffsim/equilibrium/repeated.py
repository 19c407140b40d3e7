"""Repeated 2x2 cooperation games: stage payoffs and grim-trigger discount thresholds.

In a tariff dyad each country either keeps a *low* tariff (cooperates) or
raises a *high* one (defects). For one country the four stage payoffs are

* ``R`` (reward): both low;
* ``P`` (punishment): both high;
* ``T`` (temptation): high against a partner who stays low;
* ``S`` (sucker): low against a partner who goes high.

Grim trigger (low until anyone goes high, then high forever) is checked with
the automaton machinery of :mod:`tariffsim.equilibrium.automata`, for every
ordering of ``T, R, P, S``: in the prisoner's dilemma (``T > R > P > S``)
mutual grim trigger is subgame perfect exactly when
``delta >= (T - R) / (T - P)``; when ``S > P`` (chicken) its punishment is not
a stage equilibrium, so it is subgame perfect for no discount, and as a Nash
equilibrium it needs ``delta >= (T - R) / (T - S)`` (the punished side's best
reply is to stay low).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._util import finite_number, short_repr
from ..errors import ParameterError
from .automata import DiscountSet, _spe_first_break, discount_set, grim_trigger
from .normal_form import _check_int

__all__ = ["DyadPayoffs", "GrimFacts", "critical_discount", "dyad_stage_payoffs", "grim_facts"]


@dataclass(frozen=True, slots=True)
class DyadPayoffs:
    """One country's stage payoffs in a low/high tariff dyad.

    Attributes
    ----------
    T, R, P, S : float
        Temptation, reward, punishment and sucker payoffs.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.DyadPayoffs(T=5, R=3, P=1, S=0).critical_discount()
    0.5
    """

    T: float
    R: float
    P: float
    S: float

    def __post_init__(self) -> None:
        """Each payoff a finite real number (a ParameterError naming it otherwise), kept as
        given (a Fraction stays exact)."""
        for name in ("T", "R", "P", "S"):
            finite_number(getattr(self, name), name)

    def critical_discount(self, kind: str = "spe") -> float:
        """:func:`critical_discount` of these payoffs (both sides alike).

        Parameters
        ----------
        kind : {"spe", "nash"}

        Returns
        -------
        float

        Raises
        ------
        ParameterError
            If no threshold exists (see :func:`critical_discount`).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.DyadPayoffs(T=4, R=3, P=0, S=-1).critical_discount()
        0.25
        """
        return critical_discount(self.T, self.R, self.P, self.S, kind=kind)

    def grim(self, other: DyadPayoffs | None = None) -> GrimFacts:
        """:func:`grim_facts` with this country as the row player.

        Parameters
        ----------
        other : DyadPayoffs, optional
            The partner's payoffs; default: the same as this country's.

        Returns
        -------
        GrimFacts

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> str(eq.DyadPayoffs(T=4, R=3, P=0, S=1).grim().nash)
        '[1/3, 1)'
        """
        return grim_facts(self, self if other is None else other)

    @property
    def is_prisoners_dilemma(self) -> bool:
        """True when ``T > R > P > S`` (defecting is dominant, cooperating is better).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.DyadPayoffs(T=5, R=3, P=1, S=0).is_prisoners_dilemma
        True
        """
        return self.T > self.R > self.P > self.S


def _matrix(M: Any, name: str) -> Any:
    try:
        arr = np.array(M, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be a numeric matrix; got {M!r}.") from None
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise ParameterError(f"`{name}` must be a 2-D matrix, at least 2x2; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"`{name}` must be finite; got {arr.tolist()!r}.")
    return arr


def dyad_stage_payoffs(
    A: Any, B: Any, *, low: Any = 0, high: Any = 1
) -> tuple[DyadPayoffs, DyadPayoffs]:
    """Each country's T, R, P, S from the bimatrix of a tariff dyad.

    Parameters
    ----------
    A, B : array_like
        Row and column country's payoff matrices, same shape ``(m, n)``.
    low, high : int or pair of int, default 0 and 1
        Index of the low-tariff (cooperate) and high-tariff (defect) action; a
        pair gives separate indices for the row and the column country.

    Returns
    -------
    (DyadPayoffs, DyadPayoffs)
        Row country's, then column country's.

    Raises
    ------
    ParameterError
        If the matrices are invalid, or `low`/`high` are out of range or equal.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> A = [[3, 0], [5, 1]]
    >>> row, col = eq.dyad_stage_payoffs(A, np.transpose(A))
    >>> row
    DyadPayoffs(T=5.0, R=3.0, P=1.0, S=0.0)
    >>> row == col
    True
    """
    Am = _matrix(A, "A")
    Bm = _matrix(B, "B")
    if Am.shape != Bm.shape:
        raise ParameterError(f"`B` must have the shape of `A` {Am.shape}; got {Bm.shape}.")

    def pair(value: Any, name: str) -> tuple[int, int]:
        items = (
            [value, value]
            if isinstance(value, numbers.Integral) and not isinstance(value, bool)
            else list(value)
            if isinstance(value, tuple | list)
            else None
        )
        if items is None or len(items) != 2:
            raise ParameterError(f"`{name}` must be an int or a pair of ints; got {value!r}.")
        out = tuple(_check_int(v, name, 0) for v in items)
        for k, (v, size) in enumerate(zip(out, Am.shape, strict=True)):
            if v >= size:
                raise ParameterError(
                    f"`{name}` index for player {k} must be < {size}; got {value!r}."
                )
        return out[0], out[1]

    l1, l2 = pair(low, "low")
    h1, h2 = pair(high, "high")
    if l1 == h1 or l2 == h2:
        raise ParameterError(f"`low` and `high` must differ; got low={low!r}, high={high!r}.")
    row = DyadPayoffs(
        T=float(Am[h1, l2]), R=float(Am[l1, l2]), P=float(Am[h1, h2]), S=float(Am[l1, h2])
    )
    col = DyadPayoffs(
        T=float(Bm[l1, h2]), R=float(Bm[l1, l2]), P=float(Bm[h1, h2]), S=float(Bm[h1, l2])
    )
    return row, col


@dataclass(frozen=True)
class GrimFacts:
    """Where mutual grim trigger sustains low tariffs, and why not elsewhere.

    Attributes
    ----------
    nash, spe : DiscountSet
        Discount factors in [0, 1) at which the pair is a Nash / subgame-perfect
        equilibrium; ``per_player`` gives each country's own conditions.
    reason : str
        Why the subgame-perfect set is what it is (the state and deviation
        that break it above its threshold, or that it holds).
    punishment_is_stage_equilibrium : bool
        Whether (high, high) is a Nash equilibrium of the stage game for both
        (``P >= S`` for each): without it grim trigger is never subgame perfect.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.grim_facts(eq.DyadPayoffs(T=4, R=3, P=0, S=1))
    >>> g.spe.empty, g.punishment_is_stage_equilibrium
    (True, False)
    """

    nash: DiscountSet
    spe: DiscountSet
    reason: str
    punishment_is_stage_equilibrium: bool

    def critical(self, player: int | None = None, kind: str = "spe") -> float:
        """Smallest discount from which on grim trigger works, or ``nan``.

        Parameters
        ----------
        player : {0, 1}, optional
            One country's own conditions only (0 row, 1 column); default both.
        kind : {"spe", "nash"}

        Returns
        -------
        float
            ``c`` when the set is ``[c, 1)``; ``nan`` when it is empty or not of
            that form (read `nash`/`spe` for the full set).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.grim_facts(eq.DyadPayoffs(T=5, R=3, P=1, S=0)).critical()
        0.5
        """
        if kind not in ("spe", "nash"):
            raise ParameterError(f"`kind` must be one of 'spe', 'nash'; got {kind!r}.")
        s = self.spe if kind == "spe" else self.nash
        ivs = s.intervals if player is None else s.per_player[_check_player(player)]
        if len(ivs) == 1 and ivs[0].lo_closed and float(ivs[0].hi) == 1.0:
            return float(ivs[0].lo)
        return math.nan


def _check_player(player: Any) -> int:
    if player not in (0, 1) or isinstance(player, bool):
        raise ParameterError(f"`player` must be 0 or 1; got {player!r}.")
    return int(player)


def grim_facts(row: DyadPayoffs, col: DyadPayoffs | None = None) -> GrimFacts:
    """Mutual grim trigger in a low/high dyad: exact Nash and subgame-perfect discount sets.

    Parameters
    ----------
    row : DyadPayoffs
        The row country's T, R, P, S.
    col : DyadPayoffs, optional
        The column country's; default the same (symmetric dyad).

    Returns
    -------
    GrimFacts

    Raises
    ------
    ParameterError
        If a payoff is not finite.

    Examples
    --------
    Chicken (T = 4, R = 3, P = 0, S = 1): the punished side would rather stay
    low, so the punishment is not a stage equilibrium.

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.grim_facts(eq.DyadPayoffs(T=4, R=3, P=0, S=1))
    >>> str(g.spe), str(g.nash)
    ('empty', '[1/3, 1)')
    >>> print(g.reason)  # doctest: +NORMALIZE_WHITESPACE
    never subgame perfect: the punishment (both high) is not a stage
    equilibrium (S = 1 > P = 0 for a); a at (D, D) plays C instead of D
    """
    col = row if col is None else col
    for name, p in (("row", row), ("col", col)):
        if not isinstance(p, DyadPayoffs):
            raise ParameterError(f"`{name}` must be DyadPayoffs; got {p!r}.")
        for f in ("T", "R", "P", "S"):
            v = getattr(p, f)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ParameterError(f"`{name}.{f}` must be a finite number; got {v!r}.")
    stage = (row, col)
    g = grim_trigger()
    nash = discount_set(g, g, stage, kind="nash")
    spe = discount_set(g, g, stage, kind="spe")
    stage_eq = row.P >= row.S and col.P >= col.S
    if spe.upward_closed:
        reason = f"subgame perfect for discounts in {spe}"
        if spe.binding:
            reason += f" (binding: {spe.binding[0]})"
    else:
        probe = 1 - 1e-9 if spe.empty else None
        if probe is None:  # bounded set: probe just above it
            probe = (float(spe.intervals[-1].hi) + 1) / 2
        # exact, and no value turned into a float: payoffs near 1e308 do not overflow
        brk = _spe_first_break(g, g, stage, probe)
        if not stage_eq:
            who = "a" if row.S > row.P else "b"
            p = row if who == "a" else col
            head = (
                "never subgame perfect: the punishment (both high) is not a stage "
                f"equilibrium (S = {p.S:g} > P = {p.P:g} for {who})"
            )
        elif spe.empty:
            head = "never subgame perfect"
        else:
            head = f"subgame perfect only for discounts in {spe}"
        if not stage_eq:  # the deviation of the side just named (both may have one)
            head += f"; {who} at (D, D) plays C instead of D"
        elif brk is not None:
            player, state, action, prescribed = brk
            who = "a" if player == 0 else "b"
            head += f"; {who} at ({state[0]}, {state[1]}) plays {action} instead of {prescribed}"
        reason = head
    return GrimFacts(nash, spe, reason, stage_eq)


def critical_discount(T: float, R: float, P: float, S: float, *, kind: str = "spe") -> float:
    """Smallest discount factor at which grim trigger sustains mutual cooperation.

    Both countries have the payoffs ``T, R, P, S``. For ``kind="spe"``:
    cooperation forever is worth ``R / (1 - delta)``; deviating gives ``T`` once
    and ``P`` forever after; and the punishment must itself be an equilibrium
    (``P >= S``). In the prisoner's dilemma this is ``(T - R) / (T - P)``.
    For ``kind="nash"`` only the deviation from cooperation counts, and the
    deviator replies to the punishment as best it can: ``(T - R) / (T - max(P, S))``.
    Computed by :func:`grim_facts` (exact, every ordering of the payoffs).

    Parameters
    ----------
    T, R, P, S : float
        Temptation, reward, punishment and sucker payoffs (finite).
    kind : {"spe", "nash"}

    Returns
    -------
    float
        ``c`` such that grim trigger works exactly for discounts in ``[c, 1)``
        (``0.0``: any discount).

    Raises
    ------
    ParameterError
        If a value is not finite, or no such ``c`` exists; the message says
        why: for ``kind="spe"`` with ``S > P`` the punishment is not a stage
        equilibrium, so grim trigger is never subgame perfect; when ``R`` does
        not beat the punishment no discount makes the threat work.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.critical_discount(5, 3, 1, 0)
    0.5
    >>> eq.critical_discount(2, 3, 1, 0)
    0.0
    >>> eq.critical_discount(4, 3, 0, 1, kind="nash")
    0.3333333333333333
    >>> eq.critical_discount(4, 3, 0, 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: grim trigger has no discount threshold ... not a stage
    equilibrium ...
    """
    vals: dict[str, float] = {}
    for name, v in (("T", T), ("R", R), ("P", P), ("S", S)):
        try:
            vals[name] = finite_number(v, name)
        except ParameterError:
            raise ParameterError(
                f"`{name}` must be a finite number; got {short_repr(v)}."
            ) from None
    if kind not in ("spe", "nash"):
        raise ParameterError(f"`kind` must be one of 'spe', 'nash'; got {kind!r}.")
    facts = grim_facts(DyadPayoffs(**vals))
    c = facts.critical(kind=kind)
    if math.isnan(c):
        sset = facts.spe if kind == "spe" else facts.nash
        why = facts.reason if kind == "spe" else f"Nash for discounts in {sset}"
        other = f"; as a Nash equilibrium: {facts.nash}" if kind == "spe" else ""
        raise ParameterError(
            f"grim trigger has no discount threshold (kind={kind!r}) for "
            f"T={T!r}, R={R!r}, P={P!r}, S={S!r}: {why}{other}."
        )
    return c
