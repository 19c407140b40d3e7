"""The world: countries, trade and alliance networks, ladders and the state.

A :class:`World` is the static structure of the game: who the countries are,
their GDP, the 2024 bilateral goods trade between them, the share of each
dyad's trade exempt from tariffs, the alliance ties among them, and the
*ladders* — the ordered levels each instrument may take on each active dyad.

A :class:`State` holds what changes from round to round: the headline
tariff and export-control matrices, the peak tariff reached on each dyad (for
face costs), the last move on each dyad (for resolve), and the slow variables
(policy support, market shocks). States are immutable; :func:`apply_moves`
returns a new one.

Conventions: ``imports[i, j]`` is what country ``i`` imports from country
``j`` (USD bn, 2024); ``tariff[i, j]`` is the tariff ``i`` levies on goods
from ``j`` as a fraction (1.45 = 145%); ``control[i, j]`` is the share of
critical exports ``i`` withholds from ``j``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _ladder_kernel, limits
from ._util import (
    as_real,
    finite_number,
    is_flag,
    real_array,
    replaced,
    short_repr,
    whole_number,
)
from .claims import load_claims
from .errors import ParameterError, UnknownNameError
from .schema import MAX_TARIFF

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "GENERIC_LAYER",
    "PLAYERS",
    "THIRD_PARTIES",
    "Country",
    "Ladder",
    "Layer",
    "Move",
    "State",
    "StateBatch",
    "World",
    "apply_moves",
    "step_layers",
    "step_layers_many",
]

PLAYERS = ("US", "CN", "CA", "MX")
THIRD_PARTIES = ("JP", "KR", "EU", "IN", "BR", "AU")

_NAMES = {
    "US": "United States",
    "CN": "China",
    "CA": "Canada",
    "MX": "Mexico",
    "JP": "Japan",
    "KR": "South Korea",
    "EU": "European Union",
    "IN": "India",
    "BR": "Brazil",
    "AU": "Australia",
}


class Move:
    """Integer codes of the three actions on a dyad."""

    DEESCALATE = -1
    HOLD = 0
    ESCALATE = 1
    NAMES: ClassVar[dict[int, str]] = {-1: "de-escalate", 0: "hold", 1: "escalate"}


def _readonly(a: ArrayLike, name: str, *, shape: tuple[int, ...] | None = None) -> NDArray[Any]:
    try:
        arr = np.array(a, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"`{name}` must be numeric; got {short_repr(a)}.") from None
    if shape is not None and arr.shape != shape:
        raise ParameterError(f"`{name}` must have shape {shape}; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise ParameterError(f"`{name}` must be finite; got {bad!r}.")
    arr.flags.writeable = False
    return arr


_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
"""A country code: what :class:`Country` takes (and a scenario file's keys, dyads and
parameter paths can spell unambiguously: no ``-``, ``.``, space or lower case)."""


def _by_partner(arg: str, table: Any, world: World) -> dict[str, float]:
    """``table`` (partner code -> a number) of :meth:`World.add_country`'s argument ``arg``,
    each value a finite real number (not text, not None), else a ParameterError naming it."""
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise ParameterError(
            f"`{arg}` must be a mapping of partner code to a number; got {short_repr(table)}."
        )
    out = {}
    for partner, value in table.items():
        world.index(partner)  # (an unknown code: UnknownNameError naming the known ones)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(f"`{arg}[{partner!r}]` must be a number; got {value!r}.")
        out[partner] = finite_number(value, f"{arg}[{partner!r}]")
    return out


def _dyad_key(key: Any, arg: str) -> tuple[str, str]:
    """A dyad given as ``("US", "VN")``, as a scenario file spells it, ``"US-VN"``, or as the
    labels of paths and ensembles do, ``"US->VN"`` (the codes are not checked here).

    >>> _dyad_key("US->VN", "dyads"), _dyad_key(["US", "VN"], "dyads")
    (('US', 'VN'), ('US', 'VN'))
    """
    if isinstance(key, str):
        a, sep, b = key.partition("->") if "->" in key else key.partition("-")
        if a and b and sep not in b:
            return a, b
    elif isinstance(key, tuple | list) and len(key) == 2 and all(isinstance(c, str) for c in key):
        return key[0], key[1]
    raise ParameterError(
        f"`{arg}`: a dyad is ('IMPORTER', 'EXPORTER'), 'IMPORTER-EXPORTER' or "
        f"'IMPORTER->EXPORTER'; got {short_repr(key)}."
    )


def _dyad_map(value: Any, name: str, codes: Sequence[str]) -> dict[tuple[str, str], Any]:
    """``value``, a mapping of dyad to anything, keyed by ``(importer, exporter)``: each key
    spelt as :func:`_dyad_key` reads it, of two known countries."""
    if not isinstance(value, Mapping):
        try:  # (pairs of dyad and levels, as dict() takes them)
            value = dict(value)
        except (TypeError, ValueError):
            raise ParameterError(
                f"`{name}` must be a mapping of dyad to its levels; got {short_repr(value)}."
            ) from None
    out: dict[tuple[str, str], Any] = {}
    for key, v in value.items():
        a, b = _dyad_key(key, name)
        for code in (a, b):
            if code not in codes:
                raise UnknownNameError(
                    f"{name}[{a}, {b}]: unknown country {code!r}; known: {', '.join(codes)}."
                )
        if a == b:
            raise ParameterError(f"{name}[{a}, {b}]: a dyad needs two countries.")
        if (a, b) in out:
            raise ParameterError(f"{name}: the dyad ({a}, {b}) is given twice.")
        out[(a, b)] = v
    return out


def _as_ladder(v: Any, where: str) -> Ladder:
    """``v`` (a Ladder or a sequence of levels) as a Ladder; errors name ``where``."""
    if isinstance(v, Ladder):
        return v
    if isinstance(v, str | bytes) or not isinstance(v, Iterable):
        raise ParameterError(
            f"{where}: must be a Ladder or a sequence of levels; got {short_repr(v)}."
        )
    try:
        return Ladder(tuple(v))
    except ParameterError as e:
        raise ParameterError(f"{where}: {e}") from None


def _as_layers(v: Any, where: str) -> tuple[Any, ...]:
    """``v`` (a Layer, or a sequence of them) as a tuple (its items checked by the caller)."""
    if isinstance(v, Layer):  # one layer given alone
        return (v,)
    if isinstance(v, str | bytes) or not isinstance(v, Iterable):
        raise ParameterError(
            f"{where}: must be a non-empty sequence of Layer; got {short_repr(v)}."
        )
    return tuple(v)


def _same_size(world: World, state: Any, name: str) -> None:
    """A ParameterError unless ``state`` is a State of ``world``'s number of countries."""
    if not isinstance(state, State):
        raise ParameterError(f"`{name}` must be a State; got {short_repr(state)}.")
    if state.n != world.n:
        raise ParameterError(
            f"`{name}` has {state.n} countries; the world has {world.n} "
            f"({', '.join(world.codes)}). Make it with State.zeros(world.n)."
        )


def rows_text(codes: Sequence[str], m: Any) -> str:
    """``A: [0, 3]; B: [2, 0]``: a per-dyad array by importer, for the small worlds'
    displays (:meth:`World._repr_pretty_`, the parameters' and the models')."""
    return "; ".join(
        f"{c}: [{', '.join(f'{float(x):g}' for x in m[i])}]" for i, c in enumerate(codes)
    )


def _ladders_text(ladders: Mapping[tuple[str, str], Ladder]) -> str:
    """``A->B 0, 0.1; B->A 0, 0.5``: every ladder's rungs."""
    return "; ".join(
        f"{a}->{b} " + ", ".join(f"{x:g}" for x in lad.levels) for (a, b), lad in ladders.items()
    )


def dyad_args(a: Any, b: Any, arg: str = "dyad") -> tuple[Any, Any]:
    """``(a, b)`` as given, or, with ``b`` None, the dyad ``a`` spells (:func:`_dyad_key`:
    ``"US->CN"``, ``"US-CN"`` or ``("US", "CN")``), for the methods that take a dyad as two
    codes (``ens.quantiles("US->CN")``, as the labels print it, is ``quantiles("US", "CN")``).

    >>> dyad_args("US->CN", None), dyad_args("recession", "US")
    (('US', 'CN'), ('recession', 'US'))
    """
    return _dyad_key(a, arg) if b is None else (a, b)


@dataclass(frozen=True, slots=True)
class Country:
    """A country in the world.

    Parameters
    ----------
    code : str
        Short code, e.g. ``"US"``: a capital letter, then up to 15 capital
        letters, digits or underscores.
    gdp : float
        GDP, USD tn (2024), > 0 (any real number type: a numpy integer or
        ``float32`` from a table is read as a float).
    name : str, optional
        Full name.
    player : bool
        True for a country that moves (sets tariffs); False for a third party
        that carries trade and alliance ties but does not move.

    Examples
    --------
    >>> ts.Country("US", 29.2).gdp
    29.2
    """

    code: str
    gdp: float
    name: str = ""
    player: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise ParameterError(
                f"`code` must be a country code: a capital letter, then up to 15 capital "
                f"letters, digits or underscores (e.g. 'VN', 'EU27'); got {self.code!r}."
            )
        g = self.gdp
        if isinstance(g, bool) or not isinstance(g, numbers.Real):
            raise ParameterError(
                f"countries.{self.code}.gdp: must be a number (USD tn); got {g!r}."
            )
        try:
            gdp = finite_number(g, "gdp")
        except ParameterError:  # (NaN, an infinity, an int beyond any float)
            raise ParameterError(
                f"countries.{self.code}.gdp: must be a finite number > 0, got {short_repr(g)}."
            ) from None
        if gdp <= 0:
            raise ParameterError(f"countries.{self.code}.gdp: must be > 0, got {g!r}.")
        object.__setattr__(self, "gdp", gdp)
        if not self.name:
            object.__setattr__(self, "name", _NAMES.get(self.code, self.code))


@dataclass(frozen=True, slots=True)
class Ladder:
    """The ordered levels an instrument may take on a dyad.

    Parameters
    ----------
    levels : sequence of float
        Strictly increasing, finite, non-negative fractions (1.45 = 145%).

    Examples
    --------
    >>> lad = ts.Ladder((0, 0.1, 0.2, 0.34))
    >>> lad.step(0.1, +1)
    0.2
    >>> lad.step(0.34, +1)  # the top rung holds
    0.34
    """

    levels: tuple[float, ...]
    down_only: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        down = _floats(self.down_only, "`down_only` must be a sequence of rungs")
        object.__setattr__(self, "down_only", down)
        lv = _floats(self.levels, "`levels` must be numbers")
        if not lv:
            raise ParameterError("`levels` must hold at least one level; got ().")
        for x in lv:
            if not math.isfinite(x) or x < 0:
                raise ParameterError(f"`levels` must be finite and >= 0; got {x!r} in {lv}.")
            if x > MAX_TARIFF:  # (as a scenario file's: every tariff is at most 1000%)
                raise ParameterError(
                    f"`levels` must be at most {MAX_TARIFF:g} ({100 * MAX_TARIFF:g}%), as any "
                    f"tariff; got {x!r}."
                )
        if any(b <= a for a, b in itertools.pairwise(lv)):
            raise ParameterError(f"`levels` must be strictly increasing; got {lv}.")
        close = next(((a, b) for a, b in itertools.pairwise(lv) if b - a <= _RUNG_GAP), None)
        if close is not None:  # (rungs are summed and rounded to 12 decimals: they would merge)
            a, b = close
            raise ParameterError(
                f"`levels` must rise by more than {_RUNG_GAP:g} from rung to rung; got {b!r} "
                f"after {a!r}."
            )
        object.__setattr__(self, "levels", lv)
        for x in down:
            if not any(abs(x - y) <= 1e-9 for y in lv[1:-1]):
                raise ParameterError(
                    f"`down_only` rung {x!r} must be an inner rung of the ladder {lv}."
                )

    def __len__(self) -> int:
        return len(self.levels)

    @property
    def _next_up(self) -> NDArray[np.intp]:
        """Index of the rung an escalation from rung ``k`` reaches (over truce rungs)."""
        return _next_up_of(self.levels, self.down_only)

    @property
    def array(self) -> NDArray[np.float64]:
        """The levels as a float array."""
        return np.asarray(self.levels)

    def index(self, level: float, *, field: str = "level") -> int:
        """Index of ``level`` on the ladder (within 1e-9).

        Raises
        ------
        ParameterError
            If ``level`` is not a rung of the ladder.
        """
        for k, x in enumerate(self.levels):
            if abs(x - level) <= 1e-9:
                return k
        raise ParameterError(f"`{field}` {level!r} is not on the ladder {self.levels}.")

    def contains(self, level: float) -> bool:
        """True if ``level`` is a rung (within 1e-9)."""
        return any(abs(x - level) <= 1e-9 for x in self.levels)

    def floor_index(self, level: float) -> int:
        """Index of the highest rung at or below ``level`` (0 if below all)."""
        k = int(np.searchsorted(self.array, level + 1e-9, side="right")) - 1
        return max(k, 0)

    def step(self, level: float, move: int) -> float:
        """The level after ``move`` (-1, 0, +1) steps along the ladder.

        A hold keeps the level. A cut never raises and an escalation never
        lowers it: from a level between rungs (set by an event) a cut snaps
        to the rung below and an escalation to the rung above; below the
        bottom rung a cut holds; at or above the top rung an escalation holds.
        """
        x = as_real(level)
        if x is None or not math.isfinite(x):
            raise ParameterError(f"`level` must be a finite number; got {short_repr(level)}.")
        m = None if is_flag(move) else as_real(move)
        if m not in (-1.0, 0.0, 1.0):  # (1.0 and a 0-d array of 1 are a move of 1)
            raise ParameterError(f"`move` must be -1, 0 or +1; got {short_repr(move)}.")
        move = int(m)
        level = x
        if move == 0:
            return level
        lv = self.levels
        if move < 0:
            if level < lv[0] - 1e-9:
                return level
            k = self.floor_index(level)
            return lv[max(k - 1, 0)] if self.contains(level) else lv[k]
        if level >= lv[-1] - 1e-9:
            return level if level > lv[-1] else lv[-1]
        if level < lv[0] - 1e-9:
            return lv[0]
        k = min(self.floor_index(level) + 1, len(lv) - 1)  # (a level 1e-9 under the top)
        while k < len(lv) - 1 and any(abs(lv[k] - d) <= 1e-9 for d in self.down_only):
            k += 1  # a truce rung is reached only on the way down
        return lv[k]

    def step_many(self, levels: ArrayLike, moves: ArrayLike) -> NDArray[np.float64]:
        """:meth:`step` for arrays of levels and moves (broadcast together).

        Every element follows exactly the rule of :meth:`step`, so the engine
        can move many runs at once.

        Examples
        --------
        >>> ts.Ladder((0, 0.1, 0.2)).step_many([0.0, 0.1, 0.15, 0.2], [1, -1, 1, 1]).tolist()
        [0.1, 0.0, 0.2, 0.2]
        """
        level = np.asarray(levels, dtype=float)
        move = np.asarray(moves)
        lv = _ladder_array(self.levels)
        fast = _ladder_kernel.step_many(lv, self._next_up, level, move)
        if fast is not None:  # the same rule, compiled (same bits)
            return fast
        shape = np.broadcast_shapes(level.shape, move.shape)
        # the targets depend on the level only: found on the levels as given (a run's
        # level is often spread over its candidate moves), then picked per move
        k = np.maximum(np.searchsorted(lv, level + 1e-9, side="right") - 1, 0)
        on = np.zeros(level.shape, dtype=bool)
        if len(lv) > 3 and _min_gap(self.levels) > 4e-9:
            # rungs more than 4e-9 apart: only rungs k - 1, k and k + 1 can lie within
            # 1e-9 of the level (the same test as over every rung, three passes)
            for kk in (np.maximum(k - 1, 0), k, np.minimum(k + 1, len(lv) - 1)):
                on |= np.abs(lv[kk] - level) <= 1e-9
        else:
            for v in lv:  # on a rung (one pass per rung: a reduction over short rows is slow)
                on |= np.abs(v - level) <= 1e-9
        below = level < lv[0] - 1e-9
        down = np.where(below, level, np.where(on, lv[np.maximum(k - 1, 0)], lv[k]))
        top = level >= lv[-1] - 1e-9
        up = np.where(
            top,
            np.where(level > lv[-1], level, lv[-1]),
            np.where(below, lv[0], lv[self._next_up[k]]),
        )
        out = np.where(move < 0, down, np.where(move > 0, up, level))
        return out if out.shape == shape else np.broadcast_to(out, shape).copy()

    def step_rungs(self, levels: ArrayLike, moves: ArrayLike) -> NDArray[np.float64]:
        """:meth:`step_many` for moves of any number of rungs (a move ``m`` is ``|m|`` steps).

        Each element takes ``|m|`` steps of :meth:`step` in the direction of
        ``m`` (a move past the ladder's end stops there), as the ``"jump"``
        move sets of the engine and of foresight strategies need.

        Moves are whole numbers of any integer or boolean dtype, or floats
        with whole values; more steps than the ladder has rungs end where
        that many end (each step moves to another rung or stays for good).

        Raises
        ------
        ParameterError
            If a move is not a finite whole number (naming the first such value).

        Examples
        --------
        >>> ts.Ladder((0, 0.1, 0.2, 0.3)).step_rungs([0.0, 0.3, 0.1], [2, -3, 5]).tolist()
        [0.2, 0.0, 0.3]
        """
        move = np.asarray(moves)
        most = len(self.levels)
        if move.dtype.kind == "u":  # (a cast to signed would wrap the largest)
            move = np.minimum(move, most).astype(np.int64)
        elif move.dtype.kind == "f":
            bad = ~np.isfinite(move) | (move != np.round(move))
            if np.any(bad):
                raise ParameterError(
                    f"`moves` must be whole numbers of rungs; got {move[bad].flat[0]!r}."
                )
            move = np.clip(move, -most, most).astype(np.int64)
        elif move.dtype.kind in "ib":
            move = np.clip(move.astype(np.int64), -most, most)
        else:
            raise ParameterError(f"`moves` must be whole numbers of rungs; got dtype {move.dtype}.")
        step = np.sign(move)
        out = self.step_many(levels, step)
        extra = np.minimum(np.abs(move), most) - 1
        while np.any(extra > 0):
            out = np.where(extra > 0, self.step_many(out, step), out)
            extra = extra - 1
        return np.asarray(out, dtype=float)


@dataclass(frozen=True, slots=True)
class Layer:
    """One named tariff instrument on a dyad: its ladder, legal pretext and coverage.

    A dyad's tariff is a stack of layers (the 10% universal baseline, the
    fentanyl/IEEPA layer, the "reciprocal" layer, Section 232 duties, a
    targeted retaliation list, ...). Each layer has its own ladder of rates;
    it hits the share ``coverage`` of the target's exports to the importer,
    and where ``exempt`` is true the dyad's exemption (the USMCA preference,
    :attr:`World.exempt`) shields part of that trade.

    Parameters
    ----------
    name : str
        Layer name, e.g. ``"reciprocal"``; the same name on different dyads
        is the same instrument (one row of :attr:`State.layers`).
    levels : Ladder or sequence of float
        The rates this layer may take (fractions, strictly increasing).
    pretext : str
        The legal basis, e.g. ``"IEEPA (fentanyl emergency)"``.
    coverage : float
        Share of the target's exports to the importer the layer hits, in
        (0, 1]: 1 for an across-the-board layer, about 0.14 for China's
        February 2025 list on US energy and machinery (claim
        ``cn_targeted_feb_2025``).
    exempt : bool
        Whether the dyad's exemption (USMCA-compliant goods) applies.
    claims : tuple of str
        Claim ids behind the levels.
    down_only : tuple of float
        Rungs reached only on the way down (a negotiated truce level, such as
        the 10% both sides kept after Geneva, ``cal_2025_05_12``): an
        escalation steps over them.

    Examples
    --------
    >>> lay = ts.Layer("fentanyl", Ladder((0.0, 0.10, 0.20)), pretext="IEEPA")
    >>> lay.top
    0.2
    """

    name: str
    levels: Ladder
    pretext: str = ""
    coverage: float = 1.0
    exempt: bool = True
    claims: tuple[str, ...] = ()
    down_only: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"layer `name` must be a non-empty string; got {self.name!r}.")
        if not isinstance(self.levels, Ladder):
            object.__setattr__(self, "levels", _as_ladder(self.levels, f"layer {self.name!r}"))
        c = as_real(self.coverage)
        if c is None or not 0 < c <= 1:
            raise ParameterError(
                f"layer {self.name!r}: `coverage` must be in (0, 1]; got {self.coverage!r}."
            )
        object.__setattr__(self, "coverage", c)
        object.__setattr__(self, "exempt", bool(self.exempt))
        if isinstance(self.claims, str):  # one claim given alone is one claim, not letters
            object.__setattr__(self, "claims", (self.claims,))
        if not isinstance(self.claims, Iterable) or not all(
            isinstance(c, str) for c in self.claims
        ):
            raise ParameterError(
                f"layer {self.name!r}: `claims` must be claim ids (text); "
                f"got {short_repr(self.claims)}."
            )
        object.__setattr__(self, "claims", tuple(self.claims))
        down = (
            _floats(self.down_only, f"layer {self.name!r}: `down_only` must be a sequence of rungs")
            or self.levels.down_only
        )
        try:
            lad = Ladder(self.levels.levels, down_only=down)
        except ParameterError as e:
            raise ParameterError(f"layer {self.name!r}: {e}") from None
        object.__setattr__(self, "levels", lad)
        object.__setattr__(self, "down_only", down)

    @property
    def top(self) -> float:
        """The highest rung."""
        return self.levels.levels[-1]

    @property
    def bottom(self) -> float:
        """The lowest rung."""
        return self.levels.levels[0]


GENERIC_LAYER = "tariff"
"""Name of the single layer of a dyad given only a headline ladder (and of the
layer that holds a headline tariff on a dyad without instruments)."""


_CAP_SNAP = 1e-6
"""A cap this close to a rung is that rung (:meth:`World.with_cap`): a rung a hair above
another would be an escalation that changes no tariff."""

_RUNG_GAP = 1e-12
"""Least rise from one rung of a ladder to the next: headline rungs are sums of layers'
rungs rounded to 12 decimals, where closer rungs would merge into one."""


def _composite(layers: Sequence[Layer]) -> Ladder:
    """The headline ladder of a stack of layers stepped in order.

    Starting with every layer at its bottom rung, an escalation steps the first
    layer (in order) that is below its top; the headline rungs are the sums
    along that chain, strictly increasing because every step raises one layer.
    """
    lv = [lay.bottom for lay in layers]
    out = [round(sum(lv), 12)]
    down = []
    for k, lay in enumerate(layers):
        for x in lay.levels.levels[1:]:
            lv[k] = x
            out.append(round(sum(lv), 12))
            if any(abs(x - d) <= 1e-9 for d in lay.down_only):
                down.append(out[-1])
    return Ladder(tuple(out), down_only=tuple(down))


def step_layers(layers: Sequence[Layer], levels: ArrayLike, move: int) -> tuple[float, ...]:
    """Levels of a dyad's layers after one move.

    An escalation (+1) steps up the first layer, in the dyad's order, that is
    below its top rung; a de-escalation (-1) steps down the last layer that is
    above its bottom rung (the latest instrument goes first: in May 2025 the
    reciprocal layer came down while the fentanyl layer stayed). A hold keeps
    every level. Levels off a layer's ladder (set by an event) snap as in
    :meth:`Ladder.step`.

    Examples
    --------
    >>> w = ts.World.default()
    >>> lay = w.instruments[("US", "CN")]
    >>> ts.world.step_layers(lay, (0.20, 0.34), +1)  # the reciprocal layer rises
    (0.2, 0.84)
    >>> ts.world.step_layers(lay, (0.20, 0.34), -1)  # ... and comes down first
    (0.2, 0.1)
    """
    out = [float(x) for x in np.asarray(levels, dtype=float).ravel()]
    if move == 0:
        return tuple(out)
    order = range(len(layers)) if move > 0 else range(len(layers) - 1, -1, -1)
    for k in order:
        lay = layers[k]
        if move > 0 and out[k] < lay.top - 1e-9:
            out[k] = lay.levels.step(out[k], +1)
            break
        if move < 0 and out[k] > lay.bottom + 1e-9:
            out[k] = lay.levels.step(out[k], -1)
            break
    return tuple(out)


def step_layers_many(
    layers: Sequence[Layer], levels: ArrayLike, moves: ArrayLike
) -> NDArray[np.float64]:
    """:func:`step_layers` for many states of one dyad at once.

    Parameters
    ----------
    layers : sequence of Layer
        The dyad's layers, in escalation order.
    levels : array_like, shape (..., m)
        Levels of the ``m`` layers (in the dyad's order) in each state.
    moves : array_like of int, shape (...)
        Signed number of steps per state (``+2``: two escalations in a row,
        as a jump of two rungs).

    Returns
    -------
    ndarray, shape (..., m)
        Every state follows exactly the rule of :func:`step_layers`, one
        step at a time.

    Examples
    --------
    >>> w = ts.World.default()
    >>> lay = w.instruments[("US", "CN")]
    >>> ts.world.step_layers_many(lay, [[0.10, 0.10], [0.20, 0.34]], [1, -1]).tolist()
    [[0.2, 0.1], [0.2, 0.1]]
    """
    out = np.array(levels, dtype=float)
    mv = np.asarray(moves)
    if out.shape[-1] != len(layers) or out.shape[:-1] != mv.shape:
        raise ParameterError(
            f"`levels` must have shape {(*mv.shape, len(layers))}; got {out.shape}."
        )
    sign, left = np.sign(mv), np.abs(mv)
    while np.any(left > 0):
        act = left > 0
        for direction, order in ((1, range(len(layers))), (-1, range(len(layers) - 1, -1, -1))):
            todo = act & (sign == direction)
            if not todo.any():
                continue
            for k in order:
                lay = layers[k]
                lv = out[..., k]
                can = lv < lay.top - 1e-9 if direction > 0 else lv > lay.bottom + 1e-9
                hit = todo & can
                if hit.any():
                    out[..., k] = np.where(hit, lay.levels.step_many(lv, direction), lv)
                todo = todo & ~hit
        left = np.where(act, left - 1, left)
    return out


def _floats(values: Any, says: str) -> tuple[float, ...]:
    """``values`` (a sequence of numbers, not a text) as floats; else a ParameterError
    ``says`` (numbers too large for a float included)."""
    try:
        if isinstance(values, str | bytes):
            raise TypeError
        return tuple(float(x) for x in values)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{says}; got {short_repr(values)}.") from None


@functools.lru_cache(maxsize=256)
def _next_up_of(levels: tuple[float, ...], down_only: tuple[float, ...]) -> NDArray[np.intp]:
    """:attr:`Ladder._next_up`, made once per ladder (read-only)."""
    out = []
    for k in range(len(levels)):
        m = min(k + 1, len(levels) - 1)
        while m < len(levels) - 1 and any(abs(levels[m] - d) <= 1e-9 for d in down_only):
            m += 1
        out.append(m)
    arr = np.array(out, dtype=np.intp)
    arr.flags.writeable = False
    return arr


@functools.lru_cache(maxsize=256)
def _min_gap(levels: tuple[float, ...]) -> float:
    """The smallest distance between two neighbouring rungs (inf for one rung)."""
    return min((b - a for a, b in itertools.pairwise(levels)), default=math.inf)


@functools.lru_cache(maxsize=256)
def _ladder_array(levels: tuple[float, ...]) -> NDArray[np.float64]:
    """The levels as a read-only array, made once per ladder."""
    out = np.asarray(levels, dtype=float)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class World:
    """The static structure of the game.

    Parameters
    ----------
    countries : sequence of Country
        Players first is conventional but not required.
    imports : array_like, shape (n, n)
        ``imports[i, j]``: goods ``i`` imports from ``j``, USD bn; >= 0, zero
        diagonal.
    ties : array_like, shape (n, n)
        Alliance ties in [0, 1], symmetric, zero diagonal.
    exempt : array_like, shape (n, n)
        Share of ``imports[i, j]`` exempt from ``i``'s tariff on ``j`` (the
        USMCA preference), in [0, 1].
    ladders : mapping of (str, str) to Ladder
        Tariff ladder of each active dyad ``(importer, exporter)``.
    control_ladders : mapping of (str, str) to Ladder
        Export-control ladder of each dyad ``(withholder, target)``.
    sources : mapping of str to tuple of str
        Claim ids behind each field.
    instruments : mapping of (str, str) to tuple of Layer, optional
        The tariff layers of each active dyad, in escalation order (see
        :class:`Layer` and :func:`step_layers`). A dyad with instruments gets
        its headline ladder from them (the sums along the escalation chain);
        a dyad with only a ladder gets one layer named ``"tariff"``.

    Examples
    --------
    >>> w = ts.World.default()
    >>> w.codes[:4]
    ('US', 'CN', 'CA', 'MX')
    >>> round(float(w.imports[w.index("US"), w.index("CN")]), 1)
    438.9
    """

    countries: tuple[Country, ...]
    imports: NDArray[np.float64]
    ties: NDArray[np.float64]
    exempt: NDArray[np.float64]
    ladders: Mapping[tuple[str, str], Ladder] = field(default_factory=dict)
    control_ladders: Mapping[tuple[str, str], Ladder] = field(default_factory=dict)
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    instruments: Mapping[tuple[str, str], tuple[Layer, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cs = tuple(self.countries)
        if not cs:
            raise ParameterError("`countries` must not be empty.")
        limits.check("max_countries", len(cs), "`countries`")
        for c in cs:
            if not isinstance(c, Country):
                raise ParameterError(f"`countries` must hold Country objects; got {c!r}.")
        codes = [c.code for c in cs]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ParameterError(f"`countries` codes must be unique; duplicated {sorted(dup)}.")
        n = len(cs)
        object.__setattr__(self, "countries", cs)
        imports = _readonly(self.imports, "imports", shape=(n, n))
        if np.any(imports < 0):
            i, j = np.argwhere(imports < 0)[0]
            raise ParameterError(
                f"imports[{codes[i]}, {codes[j]}]: trade must be >= 0, got {imports[i, j]!r}."
            )
        if np.any(np.diag(imports) != 0):
            raise ParameterError("`imports` must have a zero diagonal (no trade with oneself).")
        ties = _readonly(self.ties, "ties", shape=(n, n))
        if np.any((ties < 0) | (ties > 1)):
            i, j = np.argwhere((ties < 0) | (ties > 1))[0]
            raise ParameterError(
                f"ties[{codes[i]}, {codes[j]}]: must be in [0, 1], got {ties[i, j]!r}."
            )
        if not np.allclose(ties, ties.T):
            raise ParameterError("`ties` must be symmetric.")
        if np.any(np.diag(ties) != 0):
            k = int(np.flatnonzero(np.diag(ties))[0])
            raise ParameterError(
                f"ties[{codes[k]}, {codes[k]}]: a country is not its own ally; "
                f"the diagonal must be 0, got {ties[k, k]!r}."
            )
        exempt = _readonly(self.exempt, "exempt", shape=(n, n))
        if np.any((exempt < 0) | (exempt > 1)):
            i, j = np.argwhere((exempt < 0) | (exempt > 1))[0]
            raise ParameterError(
                f"exempt[{codes[i]}, {codes[j]}]: must be in [0, 1], got {exempt[i, j]!r}."
            )
        object.__setattr__(self, "imports", imports)
        object.__setattr__(self, "ties", ties)
        object.__setattr__(self, "exempt", exempt)
        for name in ("ladders", "control_ladders"):
            lads = _dyad_map(getattr(self, name), name, codes)
            for (a, b), lad in lads.items():
                lads[(a, b)] = _as_ladder(lad, f"{name}[{a}, {b}]")
                if name == "control_ladders" and lads[(a, b)].levels[-1] > 1:
                    raise ParameterError(
                        f"control_ladders[{a}, {b}]: export-control levels are shares in "
                        f"[0, 1]; got {lads[(a, b)].levels[-1]!r}."
                    )
            object.__setattr__(self, name, lads)
        self._set_instruments(codes)

    def _set_instruments(self, codes: Sequence[str]) -> None:
        """Validate ``instruments``; derive the headline ladders and single layers."""
        inst: dict[tuple[str, str], tuple[Layer, ...]] = {}
        for (a, b), layers in _dyad_map(self.instruments, "instruments", codes).items():
            lays = _as_layers(layers, f"instruments[{a}, {b}]")
            if not lays or not all(isinstance(x, Layer) for x in lays):
                raise ParameterError(
                    f"instruments[{a}, {b}]: must be a non-empty sequence of Layer; got {lays!r}."
                )
            names = [x.name for x in lays]
            if len(set(names)) != len(names):
                raise ParameterError(
                    f"instruments[{a}, {b}]: layer names must be unique; got {names}."
                )
            inst[(a, b)] = lays
        lads = dict(self.ladders)
        for d, lad in lads.items():
            if d not in inst:
                inst[d] = (Layer(GENERIC_LAYER, lad),)
        for d, lays in inst.items():
            lads[d] = _composite(lays)
        object.__setattr__(self, "instruments", inst)
        object.__setattr__(self, "ladders", lads)

    # -- lookup -----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.countries)

    @property
    def codes(self) -> tuple[str, ...]:
        """Country codes, in order."""
        return tuple(c.code for c in self.countries)

    @property
    def gdp(self) -> NDArray[np.float64]:
        """GDP vector, USD tn."""
        g = np.array([c.gdp for c in self.countries])
        g.flags.writeable = False
        return g

    @property
    def players(self) -> tuple[str, ...]:
        """Codes of the countries that move."""
        return tuple(c.code for c in self.countries if c.player)

    def index(self, code: str) -> int:
        """Position of country ``code``.

        Raises
        ------
        UnknownNameError
            If ``code`` is not a country of this world; the message lists them.
        """
        for k, c in enumerate(self.countries):
            if c.code == code:
                return k
        raise UnknownNameError(f"unknown country {code!r}; known: {', '.join(self.codes)}.")

    def country(self, code: str) -> Country:
        """The :class:`Country` with this code."""
        return self.countries[self.index(code)]

    @property
    def dyads(self) -> tuple[tuple[str, str], ...]:
        """Active tariff dyads ``(importer, exporter)``, in ladder order."""
        return tuple(self.ladders)

    def __repr__(self) -> str:
        return (
            f"<World {self.n} countries ({', '.join(self.codes)}); "
            f"{len(self.ladders)} tariff ladders, {len(self.control_ladders)} control ladders>"
        )

    def _pretty_lines(self) -> list[str]:
        """The world in full, a line per field, for a small one (a failing example of
        :mod:`tariffsim.testing`): GDP, imports, ties, exemptions and ladders."""
        lines = [
            repr(self),
            "  gdp (USD tn): " + ", ".join(f"{c.code} {c.gdp:g}" for c in self.countries),
            "  imports (USD bn; row imports from column): " + rows_text(self.codes, self.imports),
            "  ties: " + rows_text(self.codes, self.ties),
            "  exempt: " + rows_text(self.codes, self.exempt),
            "  ladders: " + _ladders_text(self.ladders),
        ]
        if self.control_ladders:
            lines.append("  control ladders: " + _ladders_text(self.control_ladders))
        return lines

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Every field of a small world (IPython, hypothesis' failing examples); the
        one-line :func:`repr` for a large one."""
        p.text("\n".join(self._pretty_lines()) if self.n <= 6 else repr(self))

    def replace(self, **changes: Any) -> World:
        """A copy with fields replaced (validated again).

        Replacing ``ladders`` re-layers the dyads whose headline ladder
        changed: a one-layer dyad keeps its layer (name, pretext, coverage)
        with the new ladder, a many-layer dyad becomes one ``"tariff"``
        layer. Replacing ``instruments`` re-derives those dyads' ladders.
        """
        if "ladders" in changes and "instruments" not in changes:
            new = {k: v if isinstance(v, Ladder) else Ladder(tuple(v))
                   for k, v in dict(changes["ladders"]).items()}  # fmt: skip
            inst = {}
            for d, lad in new.items():
                old = self.instruments.get(d)
                if old is not None and self.ladders.get(d) == lad:
                    inst[d] = old
                elif old is not None and len(old) == 1:
                    inst[d] = (dataclasses.replace(old[0], levels=lad),)
            changes["ladders"] = new
            changes["instruments"] = inst
        elif "instruments" in changes and "ladders" not in changes:
            changes["ladders"] = {
                d: lad for d, lad in self.ladders.items() if d not in changes["instruments"]
            }
            changes["instruments"] = {
                **{d: v for d, v in self.instruments.items() if d in changes["ladders"]},
                **dict(changes["instruments"]),
            }
            for d in list(changes["ladders"]):
                if d in changes["instruments"]:
                    del changes["ladders"][d]
        return replaced(self, changes)

    def with_cap(self, importer: str, exporter: str, level: float) -> World:
        """A world where ``importer``'s tariff on ``exporter`` cannot rise above ``level``.

        The dyad's layers are cut so that their headline ladder (the layers
        stepped in escalation order, :func:`step_layers`) ends at ``level``:
        each layer keeps its rungs that fit under the cap with the layers
        before it at their tops; the layer the cap falls in gets ``level``
        as its top rung where it lies between two of its rungs, and the
        layers after it keep only their bottom rung. Truce rungs
        (``down_only``) that are no longer inner rungs become ordinary ones.
        Every other dyad is unchanged.

        Parameters
        ----------
        importer, exporter : str
            Country codes of a dyad with a tariff ladder.
        level : float
            The ceiling, a fraction (0.54 = 54%), from the dyad's bottom rung
            to :data:`~tariffsim.schema.MAX_TARIFF` (10, 1000%); within 1e-6 of
            a rung, that rung.

        Returns
        -------
        World

        Raises
        ------
        UnknownNameError
            If a code is not a country of the world.
        ParameterError
            If the dyad has no tariff ladder, or ``level`` is no number from
            its bottom rung to 10.

        Examples
        --------
        >>> w = ts.World.default().with_cap("US", "CN", 0.54)
        >>> w.ladders[("US", "CN")].levels
        (0.0, 0.1, 0.2, 0.3, 0.54)
        >>> [lay.levels.levels for lay in w.instruments[("US", "CN")]]
        [(0.0, 0.1, 0.2), (0.0, 0.1, 0.34)]
        """
        for code in (importer, exporter):
            self.index(code)  # (an unknown code is named with the known ones)
        d = (importer, exporter)
        if d not in self.ladders:
            raise ParameterError(
                f"no tariff ladder for {importer}-{exporter} to cap; ladders: "
                f"{', '.join(f'{a}-{b}' for a, b in self.ladders)}."
            )
        cap = finite_number(level, "level")
        lays = self.instruments[d]
        rungs_now = self.ladders[d].levels
        bottom = rungs_now[0]
        near = min(rungs_now, key=lambda x: abs(x - cap))
        if abs(near - cap) <= _CAP_SNAP:  # (a float32 0.54 is 0.54, not a sliver above it)
            cap = near
        if cap < bottom - 1e-12:
            raise ParameterError(
                f"`level` must be at least the bottom rung of the {importer}-{exporter} ladder "
                f"({bottom:g}); got {level!r}."
            )
        if cap > MAX_TARIFF:
            raise ParameterError(
                f"`level` must be at most {MAX_TARIFF:g} ({100 * MAX_TARIFF:g}%), as any tariff "
                f"level; got {level!r} (levels are fractions: 0.54 is 54%)."
            )
        cut: list[Layer] = []
        for k, lay in enumerate(lays):  # the layers before at their (cut) tops, after at bottom
            base = sum(x.top for x in cut) + sum(x.bottom for x in lays[k + 1 :])
            room = round(cap - base, 12)
            rungs = [x for x in lay.levels.levels if x <= room + 1e-12] or [lay.bottom]
            if room - rungs[-1] > _RUNG_GAP and rungs[-1] < lay.top:
                rungs.append(room)
            down = tuple(x for x in lay.down_only if any(abs(x - y) <= 1e-9 for y in rungs[1:-1]))
            lad = Ladder(tuple(rungs), down_only=down)
            cut.append(dataclasses.replace(lay, levels=lad, down_only=down))
        # the dyads and layers in their order (the rows of State.layers keep their meaning)
        inst = {k: tuple(cut) if k == d else v for k, v in self.instruments.items()}
        return self.replace(ladders=dict(self.ladders), instruments=inst)

    # -- layers -------------------------------------------------------------------
    @cached_property
    def layer_names(self) -> tuple[str, ...]:
        """Names of every tariff layer in the world: ``"tariff"`` first, then in
        order of first appearance over the dyads. Row ``k`` of
        :attr:`State.layers` is layer ``layer_names[k]``."""
        names = [GENERIC_LAYER]
        for lays in self.instruments.values():
            for lay in lays:
                if lay.name not in names:
                    names.append(lay.name)
        return tuple(names)

    def layer_index(self, name: str) -> int:
        """Row of layer ``name`` in :attr:`State.layers`.

        Raises
        ------
        UnknownNameError
            If no dyad has a layer of that name; the message lists them.
        """
        try:
            return self.layer_names.index(name)
        except ValueError:
            raise UnknownNameError(
                f"unknown tariff layer {name!r}; layers: {', '.join(self.layer_names)}."
            ) from None

    @cached_property
    def hit_share(self) -> NDArray[np.float64]:
        """``hit_share[l, i, j]``: share of ``imports[i, j]`` layer ``l`` hits.

        Coverage times the non-exempt share (where the layer's exemption
        applies); 0 where dyad ``(i, j)`` has no such layer. The generic
        layer covers every dyad without instruments (its non-exempt share).
        Shape ``(L, n, n)``, read-only.
        """
        n, names = self.n, self.layer_names
        h = np.zeros((len(names), n, n))
        h[0] = 1.0 - self.exempt
        for (a, b), lays in self.instruments.items():
            i, j = self.index(a), self.index(b)
            h[:, i, j] = 0.0
            for lay in lays:
                ex = self.exempt[i, j] if lay.exempt else 0.0
                h[names.index(lay.name), i, j] = lay.coverage * (1.0 - ex)
        h.flags.writeable = False
        return h

    @cached_property
    def segments(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Product segments of each dyad's trade: ``(share (K, n, n), mask (K, L, n, n))``.

        Layers are taken as *nested*: a layer hitting a smaller share of a
        dyad's trade hits a subset of the goods a wider one hits (a targeted
        list lies inside an across-the-board layer). The distinct hit shares
        ``v_1 > v_2 > ...`` of a dyad cut its trade into segments of share
        ``v_k - v_{k+1}``; on segment ``k`` the rate is the sum of the layers
        with hit share ``>= v_k`` (``mask``). Trade outside every layer is
        untaxed. Two targeted lists on different goods are treated as
        nested too: their trade-weighted (effective) rate is exact, the
        curvature of the import response on their overlap is approximate.
        """
        h = self.hit_share
        lsz, n = h.shape[0], self.n
        vals = -np.sort(-h, axis=0)  # descending per dyad
        k_max = 1
        distinct = []
        for i in range(n):
            for j in range(n):
                v = [x for x in dict.fromkeys(np.round(vals[:, i, j], 12)) if x > 0]
                distinct.append(v)
                k_max = max(k_max, len(v))
        share = np.zeros((k_max, n, n))
        mask = np.zeros((k_max, lsz, n, n))
        for idx, v in enumerate(distinct):
            i, j = divmod(idx, n)
            for k, x in enumerate(v):
                nxt = v[k + 1] if k + 1 < len(v) else 0.0
                share[k, i, j] = x - nxt
                mask[k, :, i, j] = h[:, i, j] >= x - 1e-12
        share.flags.writeable = False
        mask.flags.writeable = False
        return share, mask

    def decompose(self, tariff: ArrayLike) -> NDArray[np.float64]:
        """Layers ``(..., L, n, n)`` that add up to headline tariffs ``(..., n, n)``.

        On a dyad with instruments the headline fills the layers in
        escalation order (each up to its top rung, the last takes the rest),
        which is exactly the layer profile of every rung of the dyad's
        headline ladder; elsewhere it goes to the generic ``"tariff"`` layer.

        Examples
        --------
        >>> w = ts.World.default()
        >>> t = np.zeros((w.n, w.n)); t[0, 1] = 1.45
        >>> lay = w.decompose(t)
        >>> [round(float(lay[w.layer_index(k), 0, 1]), 2) for k in ("fentanyl", "reciprocal")]
        [0.2, 1.25]
        """
        t = self._tariffs(tariff)
        names = self.layer_names
        out = np.zeros((*t.shape[:-2], len(names), self.n, self.n))
        out[..., 0, :, :] = t
        for (a, b), lays in self.instruments.items():
            i, j = self.index(a), self.index(b)
            rest = t[..., i, j].copy()
            out[..., 0, i, j] = 0.0
            for k, lay in enumerate(lays):
                take = rest if k == len(lays) - 1 else np.minimum(rest, lay.top)
                out[..., names.index(lay.name), i, j] = take
                rest = rest - take
        return out

    @cached_property
    def _layer_rows(self) -> dict[tuple[str, str], list[int]]:
        """Rows of :attr:`layer_names` of each dyad's layers, in its order."""
        names = self.layer_names
        return {d: [names.index(x.name) for x in lays] for d, lays in self.instruments.items()}

    def splitter(self, idx: ArrayLike | None = None) -> Callable[[ArrayLike], NDArray[np.float64]]:
        """:meth:`decompose` for matrices over the countries ``idx`` only.

        Returns a function mapping headline tariffs ``(..., k, k)`` (rows and
        columns the countries ``idx``, in that order) to layers
        ``(..., L, k, k)``; the engine evaluates payoffs on such sub-matrices.
        """
        chosen = np.arange(self.n) if idx is None else np.asarray(idx, dtype=np.intp).ravel()
        pos = {int(c): k for k, c in enumerate(chosen.tolist())}
        names = self.layer_names
        plan = []
        for (a, b), lays in self.instruments.items():
            i, j = pos.get(self.index(a)), pos.get(self.index(b))
            if i is not None and j is not None:
                plan.append((i, j, [(names.index(x.name), x.top) for x in lays]))
        n_layers = len(names)

        def split(tariff: ArrayLike) -> NDArray[np.float64]:
            t = np.asarray(tariff, dtype=float)
            k = t.shape[-1]
            out = np.zeros((*t.shape[:-2], n_layers, k, k))
            out[..., 0, :, :] = t
            for i, j, rows in plan:
                rest = t[..., i, j]
                out[..., 0, i, j] = 0.0
                for m, (row, top) in enumerate(rows):
                    take = rest if m == len(rows) - 1 else np.minimum(rest, top)
                    out[..., row, i, j] = take
                    rest = rest - take
            return out

        return split

    def set_layer(
        self, importer: str, exporter: str, layer: str, headline: ArrayLike, level: float
    ) -> NDArray[np.float64]:
        """Headline tariffs after setting one layer of a dyad whose headline is ``headline``.

        The dyad's layers are the canonical split of ``headline`` (see
        :meth:`decompose`); ``layer`` is set to ``level`` and the new headline
        returned (same shape as ``headline``).
        """
        lays = self.instruments.get((importer, exporter))
        if lays is None:
            for code in (importer, exporter):
                self.index(code)
            raise ParameterError(
                f"({importer}, {exporter}) has no tariff ladder; dyads: "
                f"{', '.join(f'{a}-{b}' for a, b in self.instruments)}."
            )
        if layer not in [x.name for x in lays]:
            raise UnknownNameError(
                f"({importer}, {exporter}) has no layer {layer!r}; layers: "
                f"{', '.join(x.name for x in lays)}."
            )
        level = finite_number(level, "level")
        h = real_array(headline, "headline")
        rest, total = h.copy(), np.zeros_like(h)
        for m, lay in enumerate(lays):
            take = rest if m == len(lays) - 1 else np.minimum(rest, lay.top)
            rest = rest - take
            total = total + (level if lay.name == layer else take)
        return np.round(total, 12)

    def step_dyad(
        self, importer: str, exporter: str, levels: ArrayLike, move: int
    ) -> tuple[float, ...]:
        """Levels of the dyad's layers (in its order) after ``move``; see :func:`step_layers`."""
        return step_layers(self.instruments[(importer, exporter)], levels, move)

    def add_country(
        self,
        country: Country,
        *,
        imports: Mapping[str, float] | None = None,
        exports: Mapping[str, float] | None = None,
        ties: Mapping[str, float] | None = None,
        ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
    ) -> World:
        """A world with one more country, every per-country array grown for it.

        Every ``(n, n)`` array field (imports, ties, exemptions, …) gets a new
        row and column of zeros and every ``(n,)`` field a zero, then the
        given trade, ties and ladders are filled in. The result is validated
        like any world.

        Parameters
        ----------
        country : Country
            The new country (its code must be new).
        imports : mapping of str to float, optional
            What the new country imports from each partner, USD bn.
        exports : mapping of str to float, optional
            What each partner imports from the new country, USD bn.
        ties : mapping of str to float, optional
            Alliance tie with each partner, in [0, 1] (set both ways).
        ladders : mapping of (str, str) to levels, optional
            Tariff ladders of new dyads, e.g. ``{("US", "VN"): (0, 0.1, 0.46)}``; a dyad
            may also be spelled as in a scenario file, ``"US-VN"``.

        Returns
        -------
        World

        Raises
        ------
        ParameterError
            If the code exists already, or a value is invalid (not a number,
            negative trade, a tie outside [0, 1], a bad ladder or dyad), naming
            the argument and the partner.
        UnknownNameError
            If a partner is not a country of this world.

        Examples
        --------
        >>> w = ts.World.default().add_country(
        ...     ts.Country("VN", 0.48, "Vietnam"), imports={"CN": 160.0},
        ...     exports={"US": 137.0}, ties={"US": 0.5},
        ...     ladders={("US", "VN"): (0.0, 0.1, 0.46)})
        >>> w.n, float(w.imports[w.index("US"), w.index("VN")]), float(w.ties[-1, 0])
        (11, 137.0, 0.5)
        """
        if not isinstance(country, Country):
            raise ParameterError(f"`country` must be a Country; got {country!r}.")
        if country.code in self.codes:
            raise ParameterError(f"`country`: {country.code!r} is already in the world.")
        n = self.n
        grown: dict[str, Any] = {"countries": (*self.countries, country)}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray) and v.shape == (n, n):
                out = np.zeros((n + 1, n + 1), dtype=v.dtype)
                out[:n, :n] = v
                grown[f.name] = out
            elif isinstance(v, np.ndarray) and v.shape == (n,):
                grown[f.name] = np.append(v, np.zeros(1, dtype=v.dtype))
        for arg, table, row in (("imports", imports, True), ("exports", exports, False)):
            for partner, value in _by_partner(arg, table, self).items():
                j = self.index(partner)
                if row:
                    grown["imports"][n, j] = value
                else:
                    grown["imports"][j, n] = value
        for partner, value in _by_partner("ties", ties, self).items():
            j = self.index(partner)
            grown["ties"][n, j] = grown["ties"][j, n] = value
        lads = dict(self.ladders)
        if ladders is not None and not isinstance(ladders, Mapping):
            raise ParameterError(
                f"`ladders` must be a mapping of dyad to levels; got {short_repr(ladders)}."
            )
        for key, levels in (ladders or {}).items():
            d = _dyad_key(key, "ladders")
            try:
                lads[d] = levels if isinstance(levels, Ladder) else Ladder(tuple(levels))
            except TypeError:
                raise ParameterError(
                    f"`ladders[{key!r}]` must be a sequence of levels or a Ladder; got "
                    f"{short_repr(levels)}."
                ) from None
        grown["ladders"] = lads
        return self.replace(**grown)

    # -- effective rates ----------------------------------------------------------
    def effective(self, tariff: ArrayLike) -> NDArray[np.float64]:
        """Effective (trade-weighted) tariff of headline tariffs: ``sum_l h^l tau^l``.

        Each headline is split into its dyad's layers as :meth:`decompose` splits
        it, and each layer's rate weighted by the share of the dyad's trade it
        hits (:attr:`hit_share`: coverage net of exemptions). A dyad with one
        layer pays its headline on its non-exempt share. Works on a single
        ``(n, n)`` matrix or a batch ``(..., n, n)``. For a state whose layers
        stand apart from that split (an event or a deal set one), read
        ``Breakdown.effective`` or :meth:`tariffsim.path.Path.effective`.

        Examples
        --------
        >>> w = ts.World.default()
        >>> t = np.zeros((w.n, w.n)); t[w.index("US"), w.index("CA")] = 0.25
        >>> round(float(w.effective(t)[0, w.index("CA")]), 4)  # 87.5% exempt (USMCA)
        0.0312
        >>> t[w.index("CN"), w.index("US")] = 0.15  # China's targeted lists: 29% of its imports
        >>> round(float(w.effective(t)[w.index("CN"), 0]), 4)
        0.0435
        """
        t = self._tariffs(tariff)
        return np.asarray((self.hit_share * self.splitter()(t)).sum(axis=-3))

    def _tariffs(self, tariff: ArrayLike) -> NDArray[np.float64]:
        """``tariff`` as float headlines ``(..., n, n)`` of this world: finite, >= 0."""
        t = tariff if isinstance(tariff, np.ndarray) and tariff.dtype == float else None
        if t is None:
            t = real_array(tariff, "tariff")
        if t.ndim < 2 or t.shape[-2:] != (self.n, self.n):
            raise ParameterError(
                f"`tariff` must have shape (..., {self.n}, {self.n}) (importer × exporter of "
                f"this world's {self.n} countries); got shape {t.shape}."
            )
        if not np.all(t >= 0) or not np.all(t < np.inf):  # (NaN fails both)
            bad = t[~((t >= 0) & (t < np.inf))].flat[0]
            raise ParameterError(f"`tariff` must be finite and >= 0; got {bad!r}.")
        return t

    # -- graphs -------------------------------------------------------------------
    def trade_graph(self) -> nx.DiGraph:
        """Directed trade graph: an edge ``j -> i`` weighted by ``imports[i, j]``.

        Each node carries ``gdp`` and ``player``; each edge ``weight`` (USD bn)
        and ``exempt`` (share).
        """
        import networkx as nx

        g = nx.DiGraph()
        for c in self.countries:
            g.add_node(c.code, gdp=c.gdp, player=c.player, name=c.name)
        codes = self.codes
        for i, j in zip(*np.nonzero(self.imports), strict=True):
            g.add_edge(
                codes[j],
                codes[i],
                weight=float(self.imports[i, j]),
                exempt=float(self.exempt[i, j]),
            )
        return g

    def tie_graph(self) -> nx.Graph:
        """Undirected alliance-tie graph, edges weighted by tie strength."""
        import networkx as nx

        g = nx.Graph()
        for c in self.countries:
            g.add_node(c.code, gdp=c.gdp, player=c.player, name=c.name)
        codes = self.codes
        for i, j in zip(*np.nonzero(np.triu(self.ties)), strict=True):
            g.add_edge(codes[i], codes[j], weight=float(self.ties[i, j]))
        return g

    # -- defaults -----------------------------------------------------------------
    @classmethod
    def default(
        cls,
        *,
        ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
        control_ladders: Mapping[tuple[str, str], Sequence[float] | Ladder] | None = None,
        instruments: Mapping[tuple[str, str], Sequence[Layer]] | None = None,
    ) -> World:
        """The four players and six third parties, calibrated from the claims.

        GDP from ``gdp_2024``; trade from ``trade_us_*_2024``, ``trade_mx_cn_2024``,
        ``trade_ca_cn_2024``, ``trade_ca_mx_2024``, ``trade_third_parties_2024``
        (flows among third parties, and between Canada/Mexico and third
        parties, are not modelled and are zero); the USMCA exemption from
        ``usmca_exempt_share``; ties from ``alliance_ties_default``.

        Parameters
        ----------
        ladders, control_ladders : mapping, optional
            Active dyads and their ladders. Default: the layered instruments
            of :func:`default_instruments` (the 2025 layer structure, each
            level with its source); a dyad given a ladder here gets that
            headline ladder (keeping its layer when it has one).
        instruments : mapping, optional
            Layers per dyad; default :func:`default_instruments`.
        """
        cl = load_claims()
        order = ("US", "CN", "JP", "IN", "BR", "CA", "MX", "AU", "KR", "EU")
        gdp = dict(zip(order, cl["gdp_2024"].values, strict=True))
        codes = PLAYERS + THIRD_PARTIES
        countries = tuple(Country(c, gdp[c], player=c in PLAYERS) for c in codes)
        idx = {c: k for k, c in enumerate(codes)}
        n = len(codes)
        imp = np.zeros((n, n))

        def put(i: str, j: str, v: float) -> None:
            imp[idx[i], idx[j]] = v

        for partner, cid in (
            ("CN", "trade_us_cn_2024"),
            ("CA", "trade_us_ca_2024"),
            ("MX", "trade_us_mx_2024"),
        ):
            exp_to, imp_from = cl[cid].values
            put("US", partner, imp_from)
            put(partner, "US", exp_to)
        for c, cid in (("MX", "trade_mx_cn_2024"), ("CA", "trade_ca_cn_2024")):
            m_from, x_to = cl[cid].values
            put(c, "CN", m_from)
            put("CN", c, x_to)
        ca_from_mx, ca_to_mx = cl["trade_ca_mx_2024"].values
        put("CA", "MX", ca_from_mx)
        put("MX", "CA", ca_to_mx)
        tp = cl["trade_third_parties_2024"].values
        for k, x in enumerate(THIRD_PARTIES):
            us_imp, us_exp, cn_exp, cn_imp = tp[4 * k : 4 * k + 4]
            put("US", x, us_imp)
            put(x, "US", us_exp)
            put(x, "CN", cn_exp)
            put("CN", x, cn_imp)
        exempt = np.zeros((n, n))
        usmca = float(np.mean(cl["usmca_exempt_share"].values)) / 100.0
        for a in ("US", "CA", "MX"):
            for b in ("US", "CA", "MX"):
                if a != b:
                    exempt[idx[a], idx[b]] = usmca
        ties = _default_ties(codes)
        given = default_instruments() if instruments is None else instruments
        inst: dict[tuple[str, str], tuple[Layer, ...]] = {
            d: _as_layers(v, f"instruments[{d[0]}, {d[1]}]")
            for d, v in _dyad_map(given, "instruments", codes).items()
        }
        lads: dict[tuple[str, str], Ladder] = {}
        if ladders is not None:
            ladders = _dyad_map(ladders, "ladders", codes)
            for d, lv in ladders.items():
                lad = _as_ladder(lv, f"ladders[{d[0]}, {d[1]}]")
                old = inst.get(d)
                if old is not None and _composite(old) != lad:
                    if len(old) == 1:
                        inst[d] = (dataclasses.replace(old[0], levels=lad),)
                    else:
                        del inst[d]
                if d not in inst:
                    lads[d] = lad
            inst = {d: v for d, v in inst.items() if d in ladders}
        world = cls(
            countries=countries,
            imports=imp,
            ties=ties,
            exempt=exempt,
            ladders=lads,
            instruments=inst,
            control_ladders=dict(
                DEFAULT_CONTROL_LADDERS if control_ladders is None else control_ladders  # type: ignore[arg-type]
            ),
            sources={
                "gdp": ("gdp_2024",),
                "imports": (
                    "trade_us_cn_2024",
                    "trade_us_ca_2024",
                    "trade_us_mx_2024",
                    "trade_mx_cn_2024",
                    "trade_ca_cn_2024",
                    "trade_ca_mx_2024",
                    "trade_third_parties_2024",
                ),
                "exempt": ("usmca_exempt_share",),
                "ties": ("alliance_ties_default", "allies_resist", "anti_china_coalition_failed"),
                "ladders": (
                    "us_tariff_cn_145",
                    "cal_2025_04_02",
                    "cal_2025_02_01",
                    "cal_2025_03_03",
                    "cal_2025_04_09",
                    "cn_tariff_us_125",
                    "cn_targeted_2025",
                ),
            },
        )
        return world


# Tie strengths (0..1) among the ten countries: treaty alliance and trade
# intensity, rounded. A modelling assumption (claim ``alliance_ties_default``),
# shaped by the articles' account of who resisted an anti-China front
# (``allies_resist``): Japan, Korea, Brazil, India and Australia hold real ties
# to China as well as to the US.
_TIES = {
    ("US", "CA"): 0.9, ("US", "MX"): 0.7, ("US", "JP"): 0.85, ("US", "KR"): 0.8,
    ("US", "EU"): 0.8, ("US", "AU"): 0.8, ("US", "IN"): 0.5, ("US", "BR"): 0.4,
    ("US", "CN"): 0.1, ("CN", "JP"): 0.4, ("CN", "KR"): 0.45, ("CN", "EU"): 0.4,
    ("CN", "IN"): 0.25, ("CN", "BR"): 0.6, ("CN", "AU"): 0.45, ("CN", "CA"): 0.2,
    ("CN", "MX"): 0.35, ("CA", "MX"): 0.6, ("CA", "EU"): 0.6, ("CA", "JP"): 0.4,
    ("MX", "EU"): 0.4, ("JP", "KR"): 0.5, ("JP", "AU"): 0.6, ("JP", "EU"): 0.6,
    ("KR", "EU"): 0.5, ("EU", "IN"): 0.4, ("EU", "BR"): 0.4, ("IN", "BR"): 0.4,
    ("AU", "EU"): 0.5, ("AU", "IN"): 0.4, ("KR", "AU"): 0.5,
}  # fmt: skip


def _default_ties(codes: Sequence[str]) -> NDArray[np.float64]:
    n = len(codes)
    idx = {c: k for k, c in enumerate(codes)}
    w = np.zeros((n, n))
    for (a, b), v in _TIES.items():
        if a in idx and b in idx:
            w[idx[a], idx[b]] = w[idx[b], idx[a]] = v
    return w


US_CN_LADDER = (0.0, 0.10, 0.20, 0.34, 0.54, 0.84, 1.25, 1.45)
"""US tariff rungs on China in 2025 (claims ``us_tariff_cn_10_feb``,
``cal_2025_03_03``, ``cal_2025_04_02`` (34% reciprocal, 54% in all), the 84%
reciprocal step of ``cal_2025_04_09``, 125% and ``us_tariff_cn_145``)."""
CN_US_LADDER = (0.0, 0.10, 0.15, 0.34, 0.84, 1.25)
"""China's answering rungs: 10–15% in February–March, 34% and 84% (matching the
US reciprocal steps), 125% (``cn_tariff_us_125``)."""
NA_LADDER = (0.0, 0.10, 0.25)
"""North-American rungs: the 10% energy rate and the 25% headline
(``us_tariff_ca_mx_25_suspended``, ``cal_2025_02_01``)."""


def default_instruments() -> dict[tuple[str, str], tuple[Layer, ...]]:
    """The 2025 tariff layers of the four players' dyads, in escalation order.

    ==========  ===============  ======================  ========  ==========================
    dyad        layer            levels                  coverage  source
    ==========  ===============  ======================  ========  ==========================
    US on CN    ``fentanyl``     0, 10, 20               all       EO 14195 (4 Feb), EO 14228
                                                                   (4 Mar): ``cal_2025_02_01``,
                                                                   ``cal_2025_03_03``
    US on CN    ``reciprocal``   0, (10), 34, 84, 125    all       EO 14257/14259/14266 (2, 9,
                                                                   10 Apr), 10 after Geneva:
                                                                   ``cal_2025_04_02``,
                                                                   ``cal_2025_04_09``,
                                                                   ``cal_2025_05_12``
    CN on US    ``targeted``     0, 10, 15               0.29      Tariff Commission lists of
                                                                   4 Feb and 4 Mar (about
                                                                   US$42 bn): ``cn_targeted_2025``
    CN on US    ``counter``      0, (10), 34, 84, 125    all       4, 9, 11 Apr; 10 after
                                                                   Geneva: ``cn_tariff_us_125``
    US on CA    ``fentanyl``     0, 10, 25               all*      EO 14193 (1 Feb):
                                                                   ``cal_2025_02_01``
    US on MX    ``fentanyl``     0, 10, 25               all*      EO 14194 (1 Feb)
    CA, MX      ``counter``      0, 10, 25               all*      Canada's 25% answer
    on US                                                          (``canada_cautious``)
    ==========  ===============  ======================  ========  ==========================

    ``*`` USMCA-compliant goods exempt (``usmca_exempt_share``). ``(10)``:
    the Geneva truce rung, reached only on the way down (``down_only``). An
    escalation steps the first layer below its top, a de-escalation the last
    above its bottom (:func:`step_layers`): the US on China climbs 10, 20
    (fentanyl), 54, 104, 145 (reciprocal) and comes down through the
    reciprocal layer first; China answers with its targeted lists before any
    across-the-board rate.
    """
    fent_cn = Layer(
        "fentanyl", Ladder((0.0, 0.10, 0.20)),
        pretext="IEEPA: fentanyl emergency (EO 14195, 14228)",
        claims=("cal_2025_02_01", "cal_2025_03_03", "us_tariff_cn_10_feb"),
    )  # fmt: skip
    recip = Layer(
        "reciprocal", Ladder((0.0, 0.10, 0.34, 0.84, 1.25)),
        pretext="IEEPA: 'reciprocal' tariffs (EO 14257, 14259, 14266)",
        claims=("cal_2025_04_02", "cal_2025_04_09", "us_tariff_cn_145", "cal_2025_05_12"),
        down_only=(0.10,),
    )  # fmt: skip
    targeted = Layer(
        "targeted", Ladder((0.0, 0.10, 0.15)),
        pretext="Tariff Commission lists (energy, farm goods)",
        coverage=0.29, claims=("cn_targeted_2025",),
    )  # fmt: skip
    counter = Layer(
        "counter", Ladder((0.0, 0.10, 0.34, 0.84, 1.25)),
        pretext="Tariff Commission: all US goods (4, 9, 11 April)",
        claims=("cn_tariff_us_125", "cal_2025_05_12"),
        down_only=(0.10,),
    )  # fmt: skip
    fent_na = Layer(
        "fentanyl", Ladder(NA_LADDER), pretext="IEEPA: fentanyl/border emergency (EO 14193, 14194)",
        claims=("cal_2025_02_01", "us_tariff_ca_mx_25_suspended"),
    )  # fmt: skip
    counter_na = Layer(
        "counter", Ladder(NA_LADDER), pretext="counter-tariffs on US goods",
        claims=("canada_cautious", "us_tariff_ca_mx_25_suspended"),
    )  # fmt: skip
    return {
        ("US", "CN"): (fent_cn, recip),
        ("CN", "US"): (targeted, counter),
        ("US", "CA"): (fent_na,),
        ("CA", "US"): (counter_na,),
        ("US", "MX"): (fent_na,),
        ("MX", "US"): (counter_na,),
    }


DEFAULT_LADDERS: dict[tuple[str, str], tuple[float, ...]] = {
    ("US", "CN"): US_CN_LADDER,
    ("CN", "US"): CN_US_LADDER,
    ("US", "CA"): NA_LADDER,
    ("CA", "US"): NA_LADDER,
    ("US", "MX"): NA_LADDER,
    ("MX", "US"): NA_LADDER,
}
DEFAULT_CONTROL_LADDERS: dict[tuple[str, str], tuple[float, ...]] = {
    ("CN", "US"): (0.0, 0.25, 0.5),
}
"""Rare-earth controls are 'not bans' (``controls_not_bans``): at most half of
critical exports withheld by default."""


STATE_VECTOR_FIELDS = ("support", "shock", "equity", "bond")
"""State fields of shape ``(n,)``; ``layers`` is ``(L, n, n)``; the rest ``(n, n)``."""

SLOW_FIELDS = ("adjust", "tie_loss", "grievance")
"""Slow ``(n, n)`` state variables moved by :mod:`tariffsim.dynamics` as time passes:
the import adjustment, the erosion of alliance ties and remembered grievances."""

_SLOW_RANGES = {"adjust": (0.0, 1.0), "tie_loss": (0.0, 1.0), "grievance": (0.0, math.inf)}


def _default_field(name: str, n: int) -> NDArray[np.float64]:
    if name == "layers":
        return np.zeros((0, n, n))
    if name in STATE_VECTOR_FIELDS:
        return np.zeros(n)
    if name == "adjust":
        return np.ones((n, n))
    return np.zeros((n, n))


@dataclass(frozen=True, eq=False)
class State:
    """The levels of every instrument on every dyad, plus slow variables.

    Parameters
    ----------
    tariff : array_like, shape (n, n)
        Headline tariffs, fractions >= 0 (1.45 = 145%).
    control : array_like, shape (n, n), optional
        Share of critical exports withheld, in [0, 1]. Default zeros.
    peak : array_like, shape (n, n), optional
        Highest tariff reached on each dyad so far (>= ``tariff``). Default:
        ``tariff``.
    moved : array_like, shape (n, n), optional
        Signed size of the last change on each dyad (``tariff`` minus the
        previous round's). Default zeros.
    support : array_like, shape (n,), optional
        Policy support cushioning each country's market, % of GDP. Default 0.
    shock : array_like, shape (n,), optional
        Exogenous market shock this round, % index move (negative = fall).
    layers : array_like, shape (L, n, n), optional
        Level of each tariff layer (:attr:`World.layer_names`) on each dyad;
        ``tariff`` is their sum (the headline). Default: none given (shape
        ``(0, n, n)``): the headline is split along each dyad's escalation
        order when needed (:meth:`World.decompose`).
    equity : array_like, shape (n,), optional
        Equity index after the round, % from its pre-escalation level
        (negative = below; >= -100). Default 0. It prices the tariffs in
        force and carries market moves over from round to round (see
        ``docs/model.md``, *Markets that bite*).
    bond : array_like, shape (n,), optional
        Bond-market stress, percentage points of yield above normal (>= 0).
        Default 0.
    adjust : array_like, shape (n, n), optional
        How far the import response on each dyad has adjusted from its
        short-run toward its long-run elasticity, in [0, 1]
        (:func:`tariffsim.dynamics.adjust_step`). Default 1: fully adjusted,
        the static model.
    tie_loss : array_like, shape (n, n), optional
        Share of each alliance tie eroded by escalations, symmetric, in [0, 1]
        (:func:`tariffsim.dynamics.tie_step`). Default 0.
    grievance : array_like, shape (n, n), optional
        ``grievance[i, j]``: what ``i`` remembers of ``j``'s retaliation
        against it, tariff units (1.0 = 100 points), >= 0, decaying
        (:func:`tariffsim.dynamics.grievance_step`). Default 0.

    Examples
    --------
    >>> s = ts.State.zeros(4)
    >>> s.tariff.shape
    (4, 4)
    """

    tariff: NDArray[np.float64]
    control: NDArray[np.float64] = None  # type: ignore[assignment]
    peak: NDArray[np.float64] = None  # type: ignore[assignment]
    moved: NDArray[np.float64] = None  # type: ignore[assignment]
    support: NDArray[np.float64] = None  # type: ignore[assignment]
    shock: NDArray[np.float64] = None  # type: ignore[assignment]
    layers: NDArray[np.float64] = None  # type: ignore[assignment]
    equity: NDArray[np.float64] = None  # type: ignore[assignment]
    bond: NDArray[np.float64] = None  # type: ignore[assignment]
    adjust: NDArray[np.float64] = None  # type: ignore[assignment]
    tie_loss: NDArray[np.float64] = None  # type: ignore[assignment]
    grievance: NDArray[np.float64] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        t = _readonly(self.tariff, "tariff")
        if t.ndim != 2 or t.shape[0] != t.shape[1]:
            raise ParameterError(f"`tariff` must be a square matrix; got shape {t.shape}.")
        n = t.shape[0]
        if np.any(t < 0):
            raise ParameterError(f"`tariff` must be >= 0; got {t[t < 0].flat[0]!r}.")
        if np.any(t > MAX_TARIFF):  # (as a scenario file's and a ladder's)
            raise ParameterError(
                f"`tariff` must be at most {MAX_TARIFF:g} ({100 * MAX_TARIFF:g}%); got "
                f"{t[t > MAX_TARIFF].flat[0]!r}."
            )
        object.__setattr__(self, "tariff", t)
        z = np.zeros((n, n))
        c = _readonly(z if self.control is None else self.control, "control", shape=(n, n))
        if np.any((c < 0) | (c > 1)):
            raise ParameterError(
                f"`control` must be in [0, 1]; got {c[(c < 0) | (c > 1)].flat[0]!r}."
            )
        object.__setattr__(self, "control", c)
        p = t if self.peak is None else np.maximum(_readonly(self.peak, "peak", shape=(n, n)), t)
        p = _readonly(p, "peak")
        object.__setattr__(self, "peak", p)
        object.__setattr__(
            self, "moved", _readonly(z if self.moved is None else self.moved, "moved", shape=(n, n))
        )
        zn = np.zeros(n)
        object.__setattr__(
            self,
            "support",
            _readonly(zn if self.support is None else self.support, "support", shape=(n,)),
        )
        object.__setattr__(
            self, "shock", _readonly(zn if self.shock is None else self.shock, "shock", shape=(n,))
        )
        if self.layers is None:
            lay = _readonly(np.zeros((0, n, n)), "layers")
        else:
            lay = real_array(self.layers, "layers").copy()
            if lay.ndim != 3 or lay.shape[1:] != (n, n):
                raise ParameterError(f"`layers` must have shape (L, {n}, {n}); got {lay.shape}.")
            lay = _readonly(lay, "layers")
            if np.any(lay < 0):
                raise ParameterError(f"`layers` must be >= 0; got {lay[lay < 0].flat[0]!r}.")
            if lay.shape[0] and not np.allclose(lay.sum(axis=0), t, atol=1e-9):
                raise ParameterError("`tariff` must be the sum of `layers` (the headline).")
        object.__setattr__(self, "layers", lay)
        for name, lo in (("equity", -100.0), ("bond", 0.0)):
            v = getattr(self, name)
            arr = _readonly(zn if v is None else v, name, shape=(n,))
            if np.any(arr < lo):
                raise ParameterError(f"`{name}` must be >= {lo}; got {arr[arr < lo].flat[0]!r}.")
            object.__setattr__(self, name, arr)
        for name in SLOW_FIELDS:
            v = getattr(self, name)
            arr = _readonly(_default_field(name, n) if v is None else v, name, shape=(n, n))
            lo, hi = _SLOW_RANGES[name]
            out = ~((arr >= lo) & (arr <= hi))
            if np.any(out):
                bad = float(arr[out].flat[0])
                raise ParameterError(f"`{name}` must be in [{lo}, {hi}]; got {bad!r}.")
            if name == "tie_loss" and not np.array_equal(arr, arr.T):
                i, j = (int(x) for x in np.argwhere(arr != arr.T)[0])
                raise ParameterError(
                    f"`tie_loss` must be symmetric (a tie erodes for both its sides); got "
                    f"{float(arr[i, j])!r} at [{i}, {j}] and {float(arr[j, i])!r} at [{j}, {i}]."
                )
            object.__setattr__(self, name, arr)

    @classmethod
    def zeros(cls, n: int) -> State:
        """Free trade among ``n`` countries (an int >= 1, at most the ``max_countries``
        limit: :mod:`tariffsim.limits`)."""
        n = whole_number(n, "n", 1)
        limits.check("max_countries", n, "State.zeros")
        return cls(np.zeros((n, n)))

    @classmethod
    def _trusted(cls, **fields: NDArray[np.float64]) -> State:
        """Build a State from arrays derived from validated states, skipping the checks.

        Internal: the engine's transitions produce valid levels by construction
        (ladder rungs, running maxima), so re-validating them every round would
        only cost time. Arrays are made read-only here.
        """
        out = object.__new__(cls)
        n = np.shape(fields["tariff"])[-1]
        for f in dataclasses.fields(cls):
            if f.name not in fields:
                fields[f.name] = _default_field(f.name, n)
            arr = np.asarray(fields[f.name], dtype=float)
            if arr.flags.writeable:
                arr = arr.copy() if arr.base is not None else arr
                arr.flags.writeable = False
            object.__setattr__(out, f.name, arr)
        return out

    def _with(self, **changes: NDArray[np.float64]) -> State:
        """Internal, unchecked :meth:`replace` for engine-derived arrays."""
        return State._trusted(
            **{f.name: changes.get(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)}
        )

    @property
    def n(self) -> int:
        """Number of countries."""
        return int(self.tariff.shape[0])

    def __repr__(self) -> str:
        """One line: the tariffs and export controls in force, by ``[importer, exporter]``
        index (a State holds no country codes; ``Path.table`` and ``World`` name them).

        Examples
        --------
        >>> w = World.default()
        >>> State.zeros(w.n).with_tariff(w, "US", "CN", 1.45)
        State(10 countries; tariffs [0, 1]=1.45; no export controls)
        """

        def entries(a: NDArray[np.float64], most: int = 6) -> str:
            ij = np.argwhere(a != 0)
            shown = [f"[{i}, {j}]={float(a[i, j]):.4g}" for i, j in ij[:most]]
            return ", ".join(shown) + (f" and {len(ij) - most} more" if len(ij) > most else "")

        tariffs = f"tariffs {entries(self.tariff)}" if self.tariff.any() else "free trade"
        controls = (
            f"controls {entries(self.control)}" if self.control.any() else "no export controls"
        )
        return f"State({self.n} countries; {tariffs}; {controls})"

    def replace(self, **changes: Any) -> State:
        """A copy with fields replaced (validated again).

        A new ``tariff`` without new ``layers`` drops the layers (they are
        re-derived from the headline when needed).
        """
        if "tariff" in changes and "layers" not in changes and self.layers.shape[0]:
            changes["layers"] = None
        return replaced(self, changes)

    def layered(self, world: World) -> State:
        """This state with explicit layers (split from the headline if absent)."""
        if self.layers.shape[0] == len(world.layer_names):
            return self
        return self._with(layers=world.decompose(self.tariff))

    def with_layer(
        self, world: World, importer: str, exporter: str, layer: str, level: float
    ) -> State:
        """A copy with one layer of one dyad set (headline and peak updated).

        Raises
        ------
        ParameterError
            If ``level`` is negative or not finite.
        UnknownNameError
            If ``layer`` is not a layer of the world.

        Examples
        --------
        >>> w = ts.World.default()
        >>> s = ts.State.zeros(w.n).with_layer(w, "US", "CN", "reciprocal", 0.34)
        >>> round(float(s.tariff[0, 1]), 2)
        0.34
        """
        if not math.isfinite(level) or level < 0:
            raise ParameterError(
                f"layers[{layer}][{importer}, {exporter}]: must be finite and >= 0; got {level!r}."
            )
        k = world.layer_index(layer)
        lay = np.array(self.layered(world).layers)
        i, j = world.index(importer), world.index(exporter)
        lay[k, i, j] = level
        t = lay.sum(axis=0)
        return self.replace(tariff=t, layers=lay, peak=np.maximum(self.peak, t))

    def with_tariff(self, world: World, importer: str, exporter: str, level: float) -> State:
        """A copy with one headline tariff set (its peak updated).

        Parameters
        ----------
        world : World
            The world whose country order the state's ``(n, n)`` arrays follow.
        importer, exporter : str
            Country codes: ``importer`` levies the tariff on goods from ``exporter``.
        level : float
            Ad valorem tariff as a fraction (1.45 = 145%), >= 0. It need not be
            on a ladder (ladders bind moves and scenario events, not states).

        Returns
        -------
        State
            A new state; ``tariff[i, j] == level`` and ``peak[i, j] >=
            level``; every other field is unchanged.

        Raises
        ------
        ParameterError
            If ``level`` is negative or not finite.
        UnknownNameError
            If a code is not a country of ``world``.

        Examples
        --------
        >>> w = ts.World.default()
        >>> s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45)
        >>> float(s.tariff[w.index("US"), w.index("CN")]), float(s.peak.max())
        (1.45, 1.45)
        """
        x = as_real(level)
        if x is None or not math.isfinite(x) or x < 0:
            raise ParameterError(
                f"tariff[{importer}, {exporter}]: must be finite and >= 0; got {short_repr(level)}."
            )
        _same_size(world, self, "state")
        t = self.tariff.copy()
        i, j = world.index(importer), world.index(exporter)
        level = x
        t[i, j] = level
        if self.layers.shape[0] == len(world.layer_names):
            lay = np.array(self.layers)
            lay[:, i, j] = world.decompose(t)[:, i, j]
            return self.replace(tariff=t, layers=lay, peak=np.maximum(self.peak, t))
        return self.replace(tariff=t, peak=np.maximum(self.peak, t))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f.name).tobytes() for f in dataclasses.fields(self)))


def apply_moves(
    world: World,
    state: State,
    moves: Mapping[tuple[str, str], int] | Iterable[tuple[tuple[str, str], int]],
    *,
    controls: Mapping[tuple[str, str], int] | None = None,
) -> State:
    """Apply one simultaneous action profile: each dyad steps along its ladder.

    Parameters
    ----------
    world : World
    state : State
    moves : mapping of (importer, exporter) to int
        -1 de-escalate, 0 hold, +1 escalate, per active tariff dyad. Dyads not
        named hold.
    controls : mapping of (withholder, target) to int, optional
        Moves on export-control ladders.

    Returns
    -------
    State
        New levels; ``peak`` is the running maximum; ``moved`` the signed size
        of each change; ``shock`` is reset to zero (shocks last one round).

    Raises
    ------
    ParameterError
        If a move is not -1, 0 or +1, or a dyad has no ladder.

    Examples
    --------
    >>> w = ts.World.default()
    >>> s = ts.apply_moves(w, ts.State.zeros(w.n), {("US", "CN"): +1})
    >>> float(s.tariff[0, 1])
    0.1
    """
    try:
        items = [(k, m) for k, m in (moves.items() if isinstance(moves, Mapping) else moves)]
    except (TypeError, ValueError):  # (not pairs: say what is wanted, not "cannot unpack")
        raise ParameterError(
            f"`moves` must be a mapping (importer, exporter) -> move; got {short_repr(moves)}."
        ) from None
    _same_size(world, state, "state")
    lay = np.array(state.layered(world).layers)
    rows_of = world._layer_rows
    for key, m in items:
        a, b = _dyad_key(key, "moves")  # (("US", "CN"), "US-CN" or "US->CN")
        if is_flag(m) or m not in (-1, 0, 1):
            raise ParameterError(f"moves[{a}, {b}]: must be -1, 0 or +1; got {m!r}.")
        if (a, b) not in world.ladders:
            raise ParameterError(
                f"moves[{a}, {b}]: no tariff ladder for this dyad; "
                f"active dyads: {list(world.ladders)}."
            )
        if m:
            i, j = world.index(a), world.index(b)
            rows = rows_of[(a, b)]
            lay[rows, i, j] = step_layers(world.instruments[(a, b)], lay[rows, i, j], m)
    t = np.round(lay.sum(axis=0), 12)  # the headline ladders' rungs are rounded alike
    c = state.control.copy()
    for key, m in (controls or {}).items():
        a, b = _dyad_key(key, "controls")
        if is_flag(m) or m not in (-1, 0, 1):
            raise ParameterError(f"controls[{a}, {b}]: must be -1, 0 or +1; got {m!r}.")
        if (a, b) not in world.control_ladders:
            raise ParameterError(f"controls[{a}, {b}]: no export-control ladder for this dyad.")
        i, j = world.index(a), world.index(b)
        c[i, j] = world.control_ladders[(a, b)].step(c[i, j], m)
    return state._with(
        tariff=t,
        layers=lay,
        control=c,
        peak=np.maximum(state.peak, t),
        moved=t - state.tariff,
        shock=np.zeros(state.n),
    )


@dataclass(frozen=True, eq=False)
class StateBatch:
    """Many states at once: every field gains a leading batch axis.

    Payoff terms and solvers work on batches so that a whole set of states (or
    of action profiles' successor states) is evaluated in one vectorised call.

    Parameters
    ----------
    tariff, control, peak, moved : ndarray, shape (B, n, n)
    support, shock : ndarray, shape (B, n)
    layers : ndarray, shape (B, L, n, n), optional
        Default ``(B, 0, n, n)``: no layers given (split from the headline).
        Two states with the same headline and different layers are priced
        differently (the layers' coverage), so anything that caches or
        de-duplicates evaluations must key on ``layers`` as well. The engine
        passes them only when some run's layers are off its headline's
        split (:meth:`World.decompose`), then for every run.
    equity, bond : ndarray, shape (B, n), optional
        Default zeros (see :class:`State`).
    adjust, tie_loss, grievance : ndarray, shape (B, n, n), optional
        Slow variables (see :class:`State`); default 1, 0 and 0.

    Examples
    --------
    >>> b = ts.StateBatch.stack([ts.State.zeros(3), ts.State.zeros(3)])
    >>> b.tariff.shape
    (2, 3, 3)
    """

    tariff: NDArray[np.float64]
    control: NDArray[np.float64]
    peak: NDArray[np.float64]
    moved: NDArray[np.float64]
    support: NDArray[np.float64]
    shock: NDArray[np.float64]
    layers: NDArray[np.float64] = None  # type: ignore[assignment]
    equity: NDArray[np.float64] = None  # type: ignore[assignment]
    bond: NDArray[np.float64] = None  # type: ignore[assignment]
    adjust: NDArray[np.float64] = None  # type: ignore[assignment]
    tie_loss: NDArray[np.float64] = None  # type: ignore[assignment]
    grievance: NDArray[np.float64] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        bshape, n = self.tariff.shape[:-2], self.tariff.shape[-1]
        for f in dataclasses.fields(self):
            if getattr(self, f.name) is None:
                z = _default_field(f.name, n)
                object.__setattr__(self, f.name, np.broadcast_to(z, (*bshape, *z.shape)))

    def __len__(self) -> int:
        return int(self.tariff.shape[0])

    def layered(self, world: World) -> StateBatch:
        """This batch with explicit layers ``(B, L, n, n)`` (split from the headline if absent)."""
        if self.layers.shape[1] == len(world.layer_names):
            return self
        return dataclasses.replace(self, layers=world.decompose(self.tariff))

    @property
    def n(self) -> int:
        """Number of countries."""
        return int(self.tariff.shape[-1])

    @classmethod
    def stack(cls, states: Sequence[State]) -> StateBatch:
        """Stack states into a batch."""
        if not states:
            raise ParameterError("`states` must hold at least one State.")
        fields = {}
        for f in dataclasses.fields(State):
            arrs = [getattr(s, f.name) for s in states]
            if f.name == "layers" and len({a.shape for a in arrs}) > 1:
                continue  # mixed: re-derived from the headlines
            fields[f.name] = np.stack(arrs)
        return cls(**fields)

    @classmethod
    def of(cls, state: State | StateBatch) -> StateBatch:
        """A batch from a single state (batch of one) or a batch (unchanged)."""
        if isinstance(state, StateBatch):
            return state
        if isinstance(state, State):
            return cls.stack([state])
        raise ParameterError(f"expected a State or StateBatch; got {type(state).__name__}.")

    @classmethod
    def from_tariffs(cls, tariff: ArrayLike, *, previous: State | None = None) -> StateBatch:
        """A batch of states differing only in their tariff matrices.

        Parameters
        ----------
        tariff : array_like, shape (B, n, n)
        previous : State, optional
            The state these follow from: supplies controls, support, shock
            and the slow variables, and ``moved``/``peak`` are computed against it. Without it the
            states are taken as reached from themselves (``moved`` zero).

        Raises
        ------
        ParameterError
            If ``tariff`` is not ``(B, n, n)``, or an entry is negative or not finite
            (the message names it).
        """
        t: NDArray[np.float64] = (
            tariff
            if isinstance(tariff, np.ndarray) and tariff.dtype == np.float64
            else real_array(tariff, "tariff")
        )  # (the engine's float arrays as they are; anything else read as real numbers)
        if t.ndim != 3 or t.shape[1] != t.shape[2]:
            raise ParameterError(f"`tariff` must have shape (B, n, n); got {t.shape}.")
        ok = np.isfinite(t) & (t >= 0)
        if not ok.all():
            b_, i, j = (int(x) for x in np.argwhere(~ok)[0])
            raise ParameterError(
                f"`tariff[{b_}, {i}, {j}]` must be a finite fraction >= 0 (as a State's); "
                f"got {t[b_, i, j]!r}."
            )
        b, n = t.shape[0], t.shape[1]
        if previous is None:
            z = np.zeros((b, n, n))
            zn = np.zeros((b, n))
            return cls(tariff=t, control=z, peak=t, moved=z, support=zn, shock=zn.copy())
        slow = {
            name: np.broadcast_to(getattr(previous, name), (b, *getattr(previous, name).shape))
            for name in ("support", "shock", "equity", "bond", *SLOW_FIELDS)
        }
        return cls(
            tariff=t,
            control=np.broadcast_to(previous.control, t.shape),
            peak=np.maximum(previous.peak, t),
            moved=t - previous.tariff,
            **slow,
        )

    @classmethod
    def from_layers(cls, world: World, layers: ArrayLike, *, previous: State) -> StateBatch:
        """A batch of successor states of ``previous`` given their layers ``(B, L, n, n)``."""
        lay = np.asarray(layers, dtype=float)
        out = cls.from_tariffs(lay.sum(axis=1), previous=previous)
        return dataclasses.replace(out, layers=lay)

    def __getitem__(self, k: int) -> State:
        return State(**{f.name: getattr(self, f.name)[k] for f in dataclasses.fields(State)})
