"""Property-testing tools for tariffsim users: hypothesis strategies and invariant checks.

Needs hypothesis (``pip install tariffsim[testing]``); ``import tariffsim`` alone
never imports it.

*Generators* (hypothesis strategies) produce only valid objects and shrink to
small, readable ones — two or three countries with one-letter codes (``A``,
``B`` …), whole-number trade, tariffs on 1% rungs, few rounds:
:func:`countries`, :func:`trade_matrices`, :func:`ladders`, :func:`worlds`,
:func:`states`, :func:`payoff_models`, :func:`stage_games`, :func:`games`,
:func:`histories` (an agent's view of a short random past, as a
:class:`History`) and :func:`builtin_strategies`.

*Checks* raise an ``AssertionError`` that names the strategy, the dyad, the rule
and the counterexample: :func:`assert_never_escalates_first`,
:func:`assert_never_concedes_unilaterally`, :func:`assert_retaliates`,
:func:`assert_forgives_within`, :func:`assert_deterministic`,
:func:`assert_batch_matches_act`, :func:`assert_on_ladder`, :func:`assert_nash`,
:func:`assert_payoffs_finite`.
The strategy checks read what ``act`` returns by :func:`~tariffsim.simulate`'s own rule
(a mapping of the agent's targets to moves -1, 0, +1; a dyad left out holds): a
return ``simulate`` refuses fails every check, with the engine's message. What is no
strategy at all (a class for an instance, no ``name`` or ``traits``) is a
:class:`~tariffsim.errors.ParameterError` before any check, as ``simulate`` says it. The
engine plays a strategy's ``act_batch`` where it has one:
:func:`assert_batch_matches_act` checks that it chooses what ``act`` does.
:func:`assert_nash` reads its ``tol`` relative to each player's payoff range, as every
solver does.

Two hypothesis profiles are registered on import: ``tariffsim-ci`` (50
examples, derandomized, no deadline) and ``tariffsim-deep`` (2000 examples).
Load one with ``hypothesis.settings.load_profile("tariffsim-ci")``.

Examples
--------
>>> from hypothesis import HealthCheck, given, settings
>>> import tariffsim as ts
>>> import tariffsim.testing as tst
>>> @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
... @given(h=tst.histories())
... def test_tit_for_tat_never_escalates_first(h):
...     tst.assert_never_escalates_first(ts.TitForTat(), h)
>>> test_tit_for_tat_never_escalates_first()
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from . import limits
from . import strategies as _registered  # noqa: F401  (registers the strategies by name)
from ._util import check_bool, finite_number, real_array, short_repr, whole_number
from .agents import (
    STRATEGIES,
    Beliefs,
    Hold,
    Observation,
    Scripted,
    Strategy,
    Traits,
    check_strategy,
    targets_of,
)
from .engine import checked_moves, simulate, simulate_batch
from .equilibrium._validate import check_real, check_rounds
from .equilibrium.normal_form import NormalFormGame
from .equilibrium.scaling import payoff_ranges, relative_regret
from .errors import ParameterError
from .game import Agent, Event, EventKind, Game
from .path import Path, PathBreakdown
from .payoffs import TERMS, Breakdown, Params, PayoffModel
from .schema import MAX_TARIFF
from .strategies import filter_strategies
from .world import Country, Ladder, State, World, _dyad_key, apply_moves

__all__ = [
    "CODES",
    "SAME_SEED_CALLS",
    "History",
    "assert_batch_matches_act",
    "assert_deterministic",
    "assert_forgives_within",
    "assert_nash",
    "assert_never_concedes_unilaterally",
    "assert_never_escalates_first",
    "assert_on_ladder",
    "assert_payoffs_finite",
    "assert_retaliates",
    "builtin_strategies",
    "countries",
    "games",
    "histories",
    "ladders",
    "observation",
    "payoff_models",
    "register_profiles",
    "stage_games",
    "states",
    "trade_matrices",
    "worlds",
]

CODES = ("A", "B", "C", "D", "E", "F", "G", "H")
"""Country codes of generated worlds (short, and free of the calibrated US/CN defaults)."""

Dyad = tuple[str, str]

SAME_SEED_CALLS = 3
"""Calls with one seed :func:`assert_deterministic` compares before trying other seeds."""


def register_profiles() -> None:
    """Register the hypothesis profiles ``tariffsim-ci`` and ``tariffsim-deep``.

    Called on import of :mod:`tariffsim.testing`; calling it again is harmless.

    Examples
    --------
    >>> from hypothesis import settings
    >>> import tariffsim.testing as tst
    >>> tst.register_profiles()
    >>> settings.get_profile("tariffsim-ci").max_examples
    50
    """
    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile(
        "tariffsim-ci",
        max_examples=50,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=quiet,
    )
    settings.register_profile(
        "tariffsim-deep", max_examples=2000, deadline=None, suppress_health_check=quiet
    )


register_profiles()


def _check_range(
    lo: Any, hi: Any, name: str, minimum: float = 0, *, whole: bool = False
) -> tuple[Any, Any]:
    """``min_{name}`` and ``max_{name}``: finite numbers (ints when ``whole``) with
    ``minimum <= lo <= hi``; else a ParameterError naming them. Returns them, as Python
    ints when ``whole`` (hypothesis takes no numpy int for a size)."""
    for v, nm in ((lo, f"min_{name}"), (hi, f"max_{name}")):
        if whole:
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral):
                raise ParameterError(f"`{nm}` must be an int; got {short_repr(v)}.")
        else:
            finite_number(v, nm)
    if lo < minimum or hi < lo:
        raise ParameterError(
            f"need {minimum} <= `min_{name}` <= `max_{name}`; got {lo!r} and {hi!r}."
        )
    return (int(lo), int(hi)) if whole else (lo, hi)


_EXACT = 2**53
"""Largest whole number the generators draw as a float (every whole number up to it is one)."""


def _whole_bound(v: Any, name: str, minimum: int = 0) -> int:
    """An int bound in ``[minimum, 2**53]``: the whole numbers drawn under it become floats."""
    v = whole_number(v, name, minimum)
    if v > _EXACT:
        raise ParameterError(f"`{name}` must be at most 2**53 (drawn as floats); got {v}.")
    return v


def _world_or_none(world: Any) -> None:
    """``world``: a World or None (then drawn); else a ParameterError."""
    if world is not None and not isinstance(world, World):
        raise ParameterError(f"`world` must be a World or None; got {short_repr(world)}.")


_WORLD_ARGS = ("min_countries", "max_countries", "max_trade", "max_rungs", "all_dyads")
"""The arguments of :func:`worlds`, which the generators that draw a world pass on."""


def _world_source(
    world: Any, world_kwargs: Mapping[str, Any], me: Any = None
) -> World | st.SearchStrategy[World]:
    """``world``, or the strategy of the worlds ``world_kwargs`` describe (checked: names of
    :func:`worlds`' arguments, and only without a world). ``me``, an observer, must be a
    country of every world drawn, with a ladder."""
    _world_or_none(world)
    unknown = [k for k in world_kwargs if k not in _WORLD_ARGS]
    if unknown:
        raise ParameterError(
            f"unknown argument {unknown[0]!r}; a drawn world takes {', '.join(_WORLD_ARGS)}."
        )
    if world is not None:
        if world_kwargs:
            raise ParameterError(
                f"{', '.join(world_kwargs)}: these shape a drawn world, and `world` is given "
                "(nothing is drawn); pass one or the other."
            )
        if me is not None:
            _mover(world, me)
        return world
    worlds(**world_kwargs)  # (its arguments' checks)
    defaults = {k: p.default for k, p in inspect.signature(worlds).parameters.items()}
    args = {**defaults, **world_kwargs}
    if me is not None:
        every = CODES[: args["min_countries"]]
        if me not in every:
            raise ParameterError(
                f"`me` {short_repr(me)} is not a country of every drawn world (each has "
                f"{', '.join(every)}, then up to {args['max_countries']} in all); pass one of "
                "those, a larger min_countries, or a `world`."
            )
    return _worlds(**args, mover=me)


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------
def countries(
    codes: Sequence[str] = CODES, *, min_gdp: float = 0.5, max_gdp: float = 30.0
) -> st.SearchStrategy[Country]:
    """Countries with a code from ``codes`` and a whole-ish GDP (USD tn, 0.1 steps).

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> c = find(tst.countries(min_gdp=1, max_gdp=2), lambda x: True)
    >>> 1 <= c.gdp <= 2
    True
    """
    _check_range(min_gdp, max_gdp, "gdp")
    if isinstance(codes, str) or not isinstance(codes, Sequence) or not codes:
        raise ParameterError(f"`codes` must be a non-empty sequence of codes; got {codes!r}.")
    for c in codes:
        try:
            Country(c, 1.0)  # a code a Country takes
        except ParameterError as e:
            raise ParameterError(f"`codes`: {e}") from None
    if min_gdp <= 0:
        raise ParameterError(f"`min_gdp` must be > 0; got {min_gdp!r}.")
    if max_gdp > _EXACT / 10:  # (drawn as whole tenths)
        raise ParameterError(f"`max_gdp` must be at most 2**53 / 10 (USD tn); got {max_gdp!r}.")
    lo, hi = math.ceil(min_gdp * 10), math.floor(max_gdp * 10)
    if hi < lo:
        raise ParameterError(f"no 0.1 step between `min_gdp` {min_gdp} and `max_gdp` {max_gdp}.")
    return st.builds(
        Country,
        code=st.sampled_from(tuple(codes)),
        gdp=st.integers(lo, hi).map(lambda k: k / 10),
    )


def _square(n: int, values: Sequence[float]) -> NDArray[np.float64]:
    m = np.zeros((n, n))
    off = ~np.eye(n, dtype=bool)
    m[off] = values
    return m


_MAX_TRADE_N = 100
"""Largest side of a drawn trade matrix (10,000 flows), as the largest generated worlds
are far smaller."""


def trade_matrices(
    n: int | None = None, *, min_n: int = 2, max_n: int = 4, max_value: int = 500
) -> st.SearchStrategy[NDArray[np.float64]]:
    """Bilateral goods-trade matrices (USD bn): whole numbers >= 0, zero diagonal.

    Parameters
    ----------
    n : int, optional
        Fixed size; otherwise drawn from ``[min_n, max_n]``; at most 100.
    max_value : int
        Largest flow. Shrinks toward all-zero trade.

    Raises
    ------
    ParameterError
        A bound out of range, named.

    Examples
    --------
    >>> from hypothesis import find
    >>> import numpy as np
    >>> import tariffsim.testing as tst
    >>> m = find(tst.trade_matrices(n=3), lambda x: True)
    >>> m.shape, bool((np.diag(m) == 0).all())
    ((3, 3), True)
    """
    if n is not None:
        min_n = max_n = whole_number(n, "n", 1)
    min_n, max_n = _check_range(min_n, max_n, "n", 1, whole=True)
    if max_n > _MAX_TRADE_N:
        name = "n" if n is not None else "max_n"
        raise ParameterError(f"`{name}` must be at most {_MAX_TRADE_N}; got {max_n}.")
    return _trade_matrices(int(min_n), int(max_n), _whole_bound(max_value, "max_value"))


@st.composite
def _trade_matrices(draw: st.DrawFn, min_n: int, max_n: int, max_value: int) -> NDArray[np.float64]:
    """:func:`trade_matrices`, its arguments checked: one array drawn (a few entries, the
    rest one value), where a list of every flow failed hypothesis's health checks from
    about 50 countries."""
    from hypothesis.extra.numpy import arrays

    k = draw(st.integers(min_n, max_n))
    m = draw(arrays(np.int64, (k, k), elements=st.integers(0, max_value))).astype(float)
    np.fill_diagonal(m, 0.0)
    return m


def ladders(
    *, min_rungs: int = 1, max_rungs: int = 5, max_level: float = 2.0, start_at_zero: bool = True
) -> st.SearchStrategy[Ladder]:
    """Tariff ladders on 1% rungs, starting at 0 (free trade) unless told otherwise.

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> lad = find(tst.ladders(min_rungs=3, max_rungs=3), lambda x: True)
    >>> len(lad), lad.levels[0]
    (3, 0.0)
    """
    min_rungs, max_rungs = _check_range(min_rungs, max_rungs, "rungs", 1, whole=True)
    if not 0.01 <= finite_number(max_level, "max_level") <= MAX_TARIFF:
        raise ParameterError(
            f"`max_level` must be in [0.01, {MAX_TARIFF:g}] (one 1% rung, and a tariff's "
            f"{100 * MAX_TARIFF:g}% at most); got {max_level!r}."
        )
    check_bool(start_at_zero, "start_at_zero")
    top = round(max_level * 100)
    extra = 1 if start_at_zero else 0
    if max_rungs - extra > top:
        raise ParameterError(f"`max_level` {max_level} has too few 1% rungs for {max_rungs}.")
    rungs = st.lists(
        st.integers(1, top), min_size=min_rungs - extra, max_size=max_rungs - extra, unique=True
    )
    zero = (0.0,) if start_at_zero else ()
    return st.builds(Ladder, rungs.map(lambda xs: zero + tuple(x / 100 for x in sorted(xs))))


def worlds(
    *,
    min_countries: int = 2,
    max_countries: int = 3,
    max_trade: int = 500,
    max_rungs: int = 4,
    all_dyads: bool = True,
) -> st.SearchStrategy[World]:
    """Small valid worlds: countries ``A``, ``B`` …, trade, ties, exemptions, ladders.

    Every ordered pair of countries gets a tariff ladder when ``all_dyads``;
    otherwise a random non-empty subset does.

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> w = find(tst.worlds(max_countries=2), lambda x: True)
    >>> w.codes
    ('A', 'B')
    """
    min_countries, max_countries = _check_range(
        min_countries, max_countries, "countries", 2, whole=True
    )
    if max_countries > len(CODES):
        raise ParameterError(f"`max_countries` must be <= {len(CODES)}; got {max_countries}.")
    _whole_bound(max_trade, "max_trade")
    max_rungs = whole_number(
        max_rungs, "max_rungs", 2
    )  # a ladder of the world has two rungs or more
    check_bool(all_dyads, "all_dyads")
    return _worlds(min_countries, max_countries, max_trade, max_rungs, all_dyads)


@st.composite
def _worlds(
    draw: st.DrawFn,
    min_countries: int,
    max_countries: int,
    max_trade: int,
    max_rungs: int,
    all_dyads: bool,
    mover: str | None = None,
) -> World:
    """:func:`worlds`, its arguments checked; ``mover`` (when given) has a ladder."""
    n = draw(st.integers(min_countries, max_countries))
    codes = CODES[:n]
    gdps = draw(st.lists(st.integers(5, 300), min_size=n, max_size=n))
    cs = tuple(Country(c, g / 10) for c, g in zip(codes, gdps, strict=True))
    imports = draw(trade_matrices(n=n, max_value=max_trade))
    k = n * (n - 1) // 2
    tie_vals = draw(st.lists(st.integers(0, 10), min_size=k, max_size=k))
    ties = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    ties[iu] = np.array(tie_vals, dtype=float) / 10
    ties = ties + ties.T
    ex_vals = draw(st.lists(st.integers(0, 10), min_size=n * (n - 1), max_size=n * (n - 1)))
    exempt = _square(n, [v / 10 for v in ex_vals])
    pairs = [(a, b) for a in codes for b in codes if a != b]
    if all_dyads:
        chosen = pairs
    else:
        chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
        if mover is not None and not any(a == mover for a, _ in chosen):
            chosen.append(draw(st.sampled_from([p for p in pairs if p[0] == mover])))
    lads = {d: draw(ladders(min_rungs=2, max_rungs=max_rungs)) for d in chosen}
    return World(countries=cs, imports=imports, ties=ties, exempt=exempt, ladders=lads)


def states(world: World | None = None, **world_kwargs: Any) -> st.SearchStrategy[State]:
    """States on a world's ladders, reached by one round of moves from a ladder state.

    Every active tariff sits on a rung; ``moved`` is the last round's change,
    ``peak`` at least both the current and the previous level.

    Parameters
    ----------
    world : World, optional
        Default: drawn from :func:`worlds` (with ``world_kwargs``).

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> s = find(tst.states(ts.World.default()), lambda x: True)
    >>> bool((s.peak >= s.tariff).all())
    True
    """
    return _states(_world_source(world, world_kwargs))


@st.composite
def _states(draw: st.DrawFn, world: World | st.SearchStrategy[World]) -> State:
    """:func:`states` of ``world`` (or of a world drawn from it)."""
    w = world if isinstance(world, World) else draw(world)
    n = w.n
    prev = np.zeros((n, n))
    cur = np.zeros((n, n))
    peak = np.zeros((n, n))
    for (a, b), lad in w.ladders.items():
        i, j = w.index(a), w.index(b)
        p = draw(st.sampled_from(lad.levels))
        m = draw(st.sampled_from((0, 1, -1)))
        prev[i, j] = p
        cur[i, j] = lad.step(p, m)
        peak[i, j] = max(draw(st.sampled_from(lad.levels)), p, cur[i, j])
    control = np.zeros((n, n))
    for (a, b), lad in w.control_ladders.items():
        control[w.index(a), w.index(b)] = draw(st.sampled_from(lad.levels))
    return State(tariff=cur, control=control, peak=peak, moved=cur - prev)


def payoff_models(
    world: World | None = None, *, vary_weights: bool = False, **world_kwargs: Any
) -> st.SearchStrategy[PayoffModel]:
    """Payoff models with varied elasticity, pass-through, face and resolve weights.

    Parameters
    ----------
    world : World, optional
        Default: drawn from :func:`worlds`.
    vary_weights : bool
        Also draw term weights in [0, 2] (default all ones).

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> m = find(tst.payoff_models(), lambda x: True)
    >>> m.params.elasticity > 0
    True
    """
    check_bool(vary_weights, "vary_weights")
    return _payoff_models(_world_source(world, world_kwargs), vary_weights)


@st.composite
def _payoff_models(
    draw: st.DrawFn, world: World | st.SearchStrategy[World], vary_weights: bool
) -> PayoffModel:
    """:func:`payoff_models` of ``world`` (or of a world drawn from it)."""
    w = world if isinstance(world, World) else draw(world)
    n = w.n
    base = Params.default(w)
    tenth = st.integers(0, 10).map(lambda k: k / 10)
    pt = draw(st.lists(tenth, min_size=n * n, max_size=n * n))
    params = base.replace(
        elasticity=draw(st.integers(5, 40)) / 10,
        pass_through=np.array(pt).reshape(n, n),
        face_weight=np.array(draw(st.lists(tenth, min_size=n, max_size=n))),
        resolve_weight=np.array(draw(st.lists(tenth, min_size=n, max_size=n))),
    )
    if not vary_weights:
        return PayoffModel(w, params)
    k = len(TERMS) * n
    vals = draw(st.lists(st.integers(0, 20), min_size=k, max_size=k))
    return PayoffModel(w, params, np.array(vals, dtype=float).reshape(len(TERMS), n) / 10)


_MAX_STAGE_PAYOFFS = 1_000_000
"""Most payoffs (players times profiles) a drawn stage game may have: 8 MB of floats."""


def stage_games(
    *,
    min_players: int = 2,
    max_players: int = 3,
    min_actions: int = 1,
    max_actions: int = 3,
    min_payoff: int = -10,
    max_payoff: int = 10,
) -> st.SearchStrategy[NormalFormGame]:
    """Normal-form games with small whole-number payoffs.

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> g = find(tst.stage_games(max_players=2, min_actions=2, max_actions=2), lambda x: True)
    >>> g.shape
    (2, 2)
    """
    min_players, max_players = _check_range(min_players, max_players, "players", 1, whole=True)
    min_actions, max_actions = _check_range(min_actions, max_actions, "actions", 1, whole=True)
    min_payoff, max_payoff = _check_range(min_payoff, max_payoff, "payoff", -math.inf, whole=True)
    for v, name in ((min_payoff, "min_payoff"), (max_payoff, "max_payoff")):
        if abs(v) > _EXACT:
            raise ParameterError(f"`{name}` must be within ±2**53 (drawn as floats); got {v}.")
    if max_players > 63:  # (a game's payoff array has an axis per player, and one more)
        raise ParameterError(f"`max_players` must be at most 63; got {max_players}.")
    digits = math.log10(max_players) + max_players * math.log10(max_actions)
    if digits > math.log10(_MAX_STAGE_PAYOFFS) + 1e-12:
        size = f"{max_players * max_actions**max_players:,}" if digits < 30 else f"1e{digits:.0f}"
        raise ParameterError(
            f"`max_players` {max_players} with `max_actions` {max_actions} draws games of up to "
            f"{size} payoffs; at most {_MAX_STAGE_PAYOFFS:,} (fewer players or actions)."
        )
    return _stage_games(min_players, max_players, min_actions, max_actions, min_payoff, max_payoff)


@st.composite
def _stage_games(
    draw: st.DrawFn,
    min_players: int,
    max_players: int,
    min_actions: int,
    max_actions: int,
    min_payoff: int,
    max_payoff: int,
) -> NormalFormGame:
    """:func:`stage_games`, its arguments checked."""
    from hypothesis.extra.numpy import arrays

    n = draw(st.integers(min_players, max_players))
    shape = tuple(draw(st.integers(min_actions, max_actions)) for _ in range(n))
    # drawn as one array: hypothesis draws a few entries and fills the rest with one value
    # (a list of a game's every payoff failed its health checks from about 3,000 entries)
    vals = draw(
        arrays(np.int64, (n, *shape), elements=st.integers(int(min_payoff), int(max_payoff)))
    )
    return NormalFormGame(vals.astype(float))


def builtin_strategies(**traits: Any) -> st.SearchStrategy[Strategy]:
    """Instances (default options) of the registered strategies, filtered by traits.

    Parameters
    ----------
    **traits
        As for :func:`tariffsim.strategies.filter_strategies`, e.g.
        ``stochastic=False``.

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim.testing as tst
    >>> find(tst.builtin_strategies(stochastic=True), lambda x: True).traits.stochastic
    True
    """
    found = filter_strategies(**traits)
    if not found:
        raise ParameterError(f"no registered strategy has traits {traits!r}.")
    return st.sampled_from(sorted(found)).map(lambda name: STRATEGIES[name]())


def games(
    *,
    min_countries: int = 2,
    max_countries: int = 3,
    min_rounds: int = 1,
    max_rounds: int = 8,
    max_noise: float = 0.2,
    strategies: st.SearchStrategy[Strategy] | None = None,
    events: bool = False,
    controls: bool = False,
    jumps: bool = False,
    beliefs: bool = False,
    initial: bool = False,
) -> st.SearchStrategy[Game]:
    """Repeated games on small worlds: every country an agent with a drawn strategy.

    By default the plainest games: tariff ladders only, one-rung moves, the
    truth believed, free trade at the start. Each flag adds a feature the engine
    models, drawn or not in each game (so a failing case shrinks to the games
    without it when it is not the cause):

    Parameters
    ----------
    min_countries, max_countries, min_rounds, max_rounds : int
    max_noise : float
        Execution noise is drawn from 0 to it, in steps of 0.01.
    strategies : hypothesis strategy of Strategy, optional
        Default :func:`builtin_strategies`.
    events : bool
        Up to three scheduled events: a tariff ``set`` on a ladder rung, a
        market ``shock``, policy ``support``, a ``threat``.
    controls : bool
        Export-control ladders on some dyads (shares 0, 0.5, 1), agents that
        set them, and a critical exposure behind them.
    jumps : bool
        Games where a move may cross several rungs (``moves="jump"``).
    beliefs : bool
        Agents that misperceive pass-through and learn at a drawn rate.
    initial : bool
        A start away from free trade (a state of :func:`states`).

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> g = find(tst.games(max_countries=2, max_rounds=3), lambda x: True)
    >>> len(ts.simulate(g, seed=0)) <= 4
    True
    >>> both = tst.games(events=True, controls=True)
    >>> g = find(both, lambda x: x.events and x.world.control_ladders)
    >>> bool(g.events), bool(g.world.control_ladders)
    (True, True)
    """
    min_rounds, max_rounds = _check_range(min_rounds, max_rounds, "rounds", 1, whole=True)
    limits.check("max_rounds", max_rounds, "`max_rounds`")
    if not 0 <= finite_number(max_noise, "max_noise") <= 1:
        raise ParameterError(f"`max_noise` must be in [0, 1]; got {max_noise!r}.")
    if strategies is not None and not isinstance(strategies, st.SearchStrategy):
        raise ParameterError(
            "`strategies` must be a hypothesis strategy of Strategy objects (e.g. "
            f"st.just(ts.TitForTat()) or builtin_strategies()); got {short_repr(strategies)}."
        )
    flags = {"events": events, "controls": controls, "jumps": jumps, "beliefs": beliefs,
             "initial": initial}  # fmt: skip
    for name, v in flags.items():
        check_bool(v, name)
    world = worlds(min_countries=min_countries, max_countries=max_countries)
    strat = strategies if strategies is not None else builtin_strategies()
    return _games(world, min_rounds, max_rounds, max_noise, strat, _Features(**flags))


@dataclass(frozen=True)
class _Features:
    """What :func:`games` may add to a game (each drawn or not per game)."""

    events: bool = False
    controls: bool = False
    jumps: bool = False
    beliefs: bool = False
    initial: bool = False


@st.composite
def _games(
    draw: st.DrawFn,
    world: st.SearchStrategy[World],
    min_rounds: int,
    max_rounds: int,
    max_noise: float,
    strat: st.SearchStrategy[Strategy],
    features: _Features = _Features(),
) -> Game:
    """:func:`games`, its arguments checked."""
    w = draw(world)
    pairs = list(w.ladders)
    held: list[Dyad] = []
    if features.controls and draw(st.booleans()):
        held = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
        w = w.replace(control_ladders={d: Ladder((0.0, 0.5, 1.0)) for d in held})
    model = draw(payoff_models(w))
    if held:
        exposure = np.array(model.params.critical_exposure, dtype=float)
        for a, b in held:
            exposure[w.index(a), w.index(b)] = draw(st.integers(1, 5)) / 10
        model = PayoffModel(w, model.params.replace(critical_exposure=exposure), model.weights)
    rounds = draw(st.integers(min_rounds, max_rounds))
    agents = []
    for c in w.codes:
        if not any(d[0] == c for d in w.ladders):
            continue
        belief = None
        if features.beliefs and draw(st.booleans()):
            n = w.n
            seen = draw(st.lists(st.integers(0, 10), min_size=n * n, max_size=n * n))
            perceived = model.params.replace(pass_through=np.array(seen, float).reshape(n, n) / 10)
            belief = Beliefs(perceived, learning_rate=draw(st.integers(0, 10)) / 10)
        sets = tuple(t for a, t in held if a == c)
        agents.append(Agent(c, draw(strat), beliefs=belief, controls=sets))
    noise = draw(st.integers(0, round(max_noise * 100))) / 100
    evs: list[Event] = []
    if features.events:
        for _ in range(draw(st.integers(0, 3))):
            when = draw(st.integers(1, rounds))
            kind: EventKind = draw(st.sampled_from(("set", "shock", "support", "threat")))
            if kind == "set":
                a, b = draw(st.sampled_from(pairs))
                level = draw(st.sampled_from(w.ladders[(a, b)].levels))
                evs.append(Event(when, "set", f"set {a}->{b}", importer=a, exporter=b, level=level))
            elif kind == "threat":
                a, b = draw(st.sampled_from(pairs))
                value = -draw(st.integers(0, 30)) / 10
                evs.append(Event(when, "threat", f"threat {a}->{b}", importer=a, exporter=b,
                                 value=value))  # fmt: skip
            else:  # a market fall of up to 3% of the index; support up to 1% of GDP
                c = draw(st.sampled_from(w.codes))
                lo, hi = (-30, 0) if kind == "shock" else (0, 10)
                value = draw(st.integers(lo, hi)) / 10
                evs.append(Event(when, kind, f"{kind} {c}", country=c, value=value))
    moves = draw(st.sampled_from(("step", "jump"))) if features.jumps else "step"
    start = draw(_states(w)) if features.initial and draw(st.booleans()) else None
    return Game(world=w, model=model, agents=tuple(agents), rounds=rounds, noise=noise,
                events=tuple(evs), moves=moves, initial=start)  # fmt: skip


# ---------------------------------------------------------------------------
# histories: an agent's view of a short past
# ---------------------------------------------------------------------------
def observation(
    world: World,
    me: str,
    moves: Sequence[Mapping[Dyad, int]],
    *,
    model: PayoffModel | None = None,
    targets: Sequence[str] | None = None,
    initial: State | None = None,
) -> Observation:
    """What ``me`` observes after the rounds of ``moves`` were played from ``initial``.

    The rounds are played by :func:`tariffsim.simulate` itself (every
    country with a ladder scripted to make round ``r``'s moves of ``moves``,
    0-based, in round ``r + 1``; no noise, no events), and the observation is
    the one ``me`` gets at the start of the next round: its state carries the
    slow variables as in play (how far imports have adjusted, tie losses,
    grievances, the equity index and bond stress), which the terms of a
    strategy that scores its options with ``obs.model`` read.

    Parameters
    ----------
    world : World
    me : str
        The observing country.
    moves : sequence of mapping of (str, str) to int
        Each round's moves ``{(importer, exporter): -1, 0 or +1}``; a dyad not
        named holds. A move past a ladder's end stays at the end.
    model : PayoffModel, optional
        The true model (and every agent's perceived one). Default
        ``PayoffModel(world)``.
    targets : sequence of str, optional
        ``me``'s targets in the observation. Default every partner it has a
        ladder to.
    initial : State, optional
        The starting state (round 0). Default free trade.

    Raises
    ------
    ParameterError
        A bad argument, named, before anything is played
        (:class:`~tariffsim.errors.UnknownNameError` for a target that is no
        country).
    LimitError
        More rounds than ``tariffsim.limits`` allows.

    Notes
    -----
    Playing the rounds costs some 15 ms for 6 rounds and 2 s for the 1,999
    the limits allow: a ``histories()`` test of 50 examples takes a second or
    two more than applying the moves did.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> w = ts.World.default()
    >>> obs = tst.observation(w, "CN", [{("US", "CN"): 1}, {}])
    >>> obs.round, len(obs.history), obs.level("US", "CN")
    (3, 2, 0.1)
    >>> float(obs.state.adjust[w.index("US"), w.index("CN")]) < 1  # imports still adjusting
    True
    """
    if not isinstance(world, World):
        raise ParameterError(f"`world` must be a World; got {short_repr(world)}.")
    if not isinstance(me, str) or me not in world.codes:
        raise ParameterError(
            f"`me` must be one of the world's countries {', '.join(world.codes)}; got "
            f"{short_repr(me)}."
        )
    if isinstance(moves, str | Mapping) or not isinstance(moves, Sequence):
        raise ParameterError(
            "`moves` must be a sequence of rounds, each a mapping (importer, exporter) -> move; "
            f"got {short_repr(moves)}."
        )
    for r, m in enumerate(moves):
        if not isinstance(m, Mapping):
            raise ParameterError(
                f"`moves[{r}]` must be a mapping (importer, exporter) -> move; got {short_repr(m)}."
            )
    limits.check("max_rounds", len(moves) + 1, "`moves` + 1 (the round observed)")
    if model is not None and not isinstance(model, PayoffModel):
        raise ParameterError(f"`model` must be a PayoffModel; got {short_repr(model)}.")
    if model is not None and model.world.codes != world.codes:
        raise ParameterError(
            f"`model` is a model of countries {', '.join(model.world.codes)}; `world` has "
            f"{', '.join(world.codes)}."
        )
    if model is not None and not float(model.round_days).is_integer():
        raise ParameterError(
            f"`model` prices rounds of {model.round_days:g} days; a game's rounds are whole "
            "days (give the model round_days in whole days)."
        )
    if initial is not None and not isinstance(initial, State):
        raise ParameterError(f"`initial` must be a State; got {short_repr(initial)}.")
    if initial is not None and initial.n != world.n:
        raise ParameterError(
            f"`initial` is a state of {initial.n} countries; `world` has {world.n}."
        )
    mine = targets_of(world, me, targets)
    s = initial if initial is not None else State.zeros(world.n)
    for m in moves:  # (checks every move, by name, before anything is played)
        s = apply_moves(world, s, m)
    rounds = [{_dyad_key(k, "moves"): int(v) for k, v in m.items()} for m in moves]
    return _played(world, me, rounds, model, initial, mine)


class _Observe:
    """Holds, and keeps the observation of the round it waits for (the engine's own)."""

    name = "observe"
    traits = Traits(memory_depth=math.inf, stochastic=False)

    def __init__(self, at: int) -> None:
        self.at = at
        self.seen: Observation | None = None

    def act(self, obs: Observation, rng: np.random.Generator) -> dict[Dyad, int]:
        if obs.round == self.at and self.seen is None:
            self.seen = obs
        return {}


def _played(
    world: World,
    me: str,
    moves: list[dict[Dyad, int]],
    model: PayoffModel | None,
    initial: State | None,
    targets: tuple[Dyad, ...],
) -> Observation:
    """``me``'s observation in round ``len(moves) + 1`` of the game that plays ``moves``."""
    k = len(moves)
    movers = sorted({a for a, _ in world.ladders} | {me})
    spy = _Observe(k + 1)
    agents = []
    for c in movers:
        schedule = {
            r + 1: {b: int(v) for (a, b), v in m.items() if a == c}
            for r, m in enumerate(moves)
            if any(a == c for a, _ in m)
        }
        then = spy if c == me else Hold()
        has_ladder = any(a == c for a, _ in world.ladders)
        agents.append(Agent(c, Scripted(schedule, then=then) if has_ladder else then))
    true = model if model is not None else PayoffModel(world)
    game = Game(
        world=world,
        model=true,
        agents=tuple(agents),
        rounds=k + 1,
        initial=initial,
        round_days=int(true.round_days),  # (the model's rounds: the slow state's clock)
    )
    simulate(game, k + 1, seed=0)
    assert spy.seen is not None  # (the engine asks every agent every round)
    return dataclasses.replace(spy.seen, targets=targets, model=true)


@dataclass(frozen=True)
class History:
    """A short past of a game, as one agent sees it; prints compactly.

    Attributes
    ----------
    world : World
    model : PayoffModel
    me : str
        The agent whose view this is.
    moves : tuple of tuple of ((str, str), int)
        The moves of every round, on every dyad.

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> w = find(tst.worlds(max_countries=2), lambda x: True)
    >>> h = tst.History(w, ts.PayoffModel(w), "A", ((( ("B", "A"), 1),),))
    >>> h.observation.last_change("B", "A") > 0
    True
    """

    world: World = field(repr=False)
    model: PayoffModel = field(repr=False)
    me: str
    moves: tuple[tuple[tuple[Dyad, int], ...], ...]
    _obs: list[Observation] = field(default_factory=list, repr=False, compare=False)

    @property
    def observation(self) -> Observation:
        """The :class:`~tariffsim.agents.Observation` at the start of the next round."""
        if not self._obs:
            self._obs.append(
                observation(self.world, self.me, [dict(r) for r in self.moves], model=self.model)
            )
        return self._obs[0]

    def __repr__(self) -> str:
        return f"History(me={self.me!r}, {_describe(self.observation)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Compact form in hypothesis' falsifying-example reports."""
        p.text(repr(self))


def histories(
    world: World | None = None,
    *,
    me: str | None = None,
    model: PayoffModel | None = None,
    min_rounds: int = 0,
    max_rounds: int = 6,
    **world_kwargs: Any,
) -> st.SearchStrategy[History]:
    """Random pasts: every dyad moves -1/0/+1 each round from free trade.

    Each dyad holds, climbs or cuts every round, or moves at random round by
    round (a quarter of the dyads each): one side climbing while the other
    holds is drawn often. Shrinks toward fewer rounds and holds, so a failing
    case prints as a few tariff paths.

    Parameters
    ----------
    world : World, optional
        Default: drawn from :func:`worlds` (with ``world_kwargs``).
    me : str, optional
        The observing agent; default drawn among countries with a ladder.
    model : PayoffModel, optional
        Default ``PayoffModel(world)``; without ``world``, the world is the model's.
    min_rounds, max_rounds : int

    Examples
    --------
    >>> from hypothesis import find
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> h = find(tst.histories(ts.World.default(), me="CN", max_rounds=2), lambda x: True)
    >>> h.observation.targets
    (('CN', 'US'),)
    """
    min_rounds, max_rounds = _check_range(min_rounds, max_rounds, "rounds", 0, whole=True)
    limits.check("max_rounds", max_rounds + 1, "`max_rounds` + 1 (the round observed)")
    _world_or_none(world)
    if model is not None:
        if not isinstance(model, PayoffModel):
            raise ParameterError(f"`model` must be a PayoffModel; got {short_repr(model)}.")
        if world is None:
            world = model.world
        elif model.world.codes != world.codes:
            raise ParameterError(
                f"`model` is a model of countries {', '.join(model.world.codes)}; `world` has "
                f"{', '.join(world.codes)}."
            )
    if model is not None and world_kwargs:
        raise ParameterError(
            f"{', '.join(world_kwargs)}: these shape a drawn world, and `model` gives the world "
            "(nothing is drawn); pass one or the other."
        )
    source = _world_source(world, world_kwargs, me)
    return _histories(source, me, model, min_rounds, max_rounds)


def _mover(w: World, me: Any) -> None:
    """Refuse an observer ``me`` without a tariff ladder in ``w``."""
    movers = sorted({a for a, _ in w.ladders})
    if me not in movers:
        raise ParameterError(f"`me` {me!r} has no tariff ladder; movers: {movers}.")


@st.composite
def _histories(
    draw: st.DrawFn,
    world: World | st.SearchStrategy[World],
    me: str | None,
    model: PayoffModel | None,
    min_rounds: int,
    max_rounds: int,
) -> History:
    """:func:`histories`, its arguments checked."""
    w = world if isinstance(world, World) else draw(world)
    movers = sorted({a for a, _ in w.ladders})
    if me is None:
        me = draw(st.sampled_from(movers))
    else:
        _mover(w, me)
    k = draw(st.integers(min_rounds, max_rounds))
    step = st.sampled_from((0, 1, -1))
    columns = []
    for _ in w.ladders:  # a dyad holds, climbs or cuts every round, or moves at random
        pattern = draw(st.sampled_from(_PATTERNS))
        columns.append([pattern] * k if pattern is not None else [draw(step) for _ in range(k)])
    rounds = tuple(
        tuple((d, col[r]) for d, col in zip(w.ladders, columns, strict=True)) for r in range(k)
    )
    return History(w, model if model is not None else PayoffModel(w), me, rounds)


_PATTERNS = (0, 1, -1, None)
"""A drawn history's dyad: holds, climbs or cuts every round, or (None) moves at random: runs
of moves on one side (one partner climbing three rungs while the other holds) are drawn
often, where rounds drawn one by one meet them rarely."""


def _describe(obs: Observation) -> str:
    """Tariff paths on the observer's dyads, both ways, for error messages."""
    parts = []
    seen = (*obs.history, obs.state)
    for me, t in obs.targets:
        for a, b in ((me, t), (t, me)):
            i, j = obs.world.index(a), obs.world.index(b)
            path = " -> ".join(f"{s.tariff[i, j]:g}" for s in seen)
            parts.append(f"{a}->{b}: {path}")
    return f"round {obs.round}; " + "; ".join(parts)


# ---------------------------------------------------------------------------
# invariant checks
# ---------------------------------------------------------------------------
def _as_obs(h: History | Observation) -> Observation:
    if isinstance(h, History):
        return h.observation
    if isinstance(h, Observation):
        return h
    raise ParameterError(f"expected a History or an Observation; got {type(h).__name__}.")


def _act(strategy: Strategy, obs: Observation, rng: Any, check: str) -> dict[Dyad, int]:
    """The strategy's moves on ``obs.targets`` (a dyad left out holds), read by the rule every
    game applies (:func:`~tariffsim.engine.checked_moves`, in a game of one-rung steps, the
    moves these checks reason about): what :func:`~tariffsim.simulate` refuses, ``check``
    fails, with the engine's message."""
    try:
        gen = np.random.default_rng(rng)
    except (TypeError, ValueError) as e:
        raise ParameterError(
            f"`rng` must be a seed (an int >= 0), a SeedSequence or a Generator; got "
            f"{short_repr(rng)} ({e})."
        ) from None
    check_strategy(strategy, "strategy")  # (no strategy at all: no property judged)
    try:
        chosen = strategy.act(obs, gen)
        moves = checked_moves(chosen, strategy, obs.me, tuple(obs.targets))
    except ParameterError as e:
        raise AssertionError(
            f"{getattr(strategy, 'name', strategy)} failed {check}: {e}\n"
            f"  counterexample: {_describe(obs)}"
        ) from None
    return dict(zip(obs.targets, moves, strict=True))


def _fail(strategy: Strategy, dyad: Dyad, rule: str, obs: Observation, moves: Any) -> None:
    verb, _, why = rule.partition(" (")
    raise AssertionError(
        f"{strategy.name} {verb} on {dyad[0]}->{dyad[1]}: {why.rstrip(')')}.\n"
        f"  counterexample: {_describe(obs)}\n  moves chosen: "
        + ", ".join(f"{a}->{b}: {m:+d}" for (a, b), m in moves.items())
    )


def _effective(obs: Observation, dyad: Dyad, move: int) -> bool:
    """Whether ``move`` actually changes the tariff on ``dyad``."""
    i, j = obs.world.index(dyad[0]), obs.world.index(dyad[1])
    level = float(obs.state.tariff[i, j])
    return obs.world.ladders[dyad].step(level, move) != level


def assert_never_escalates_first(
    strategy: Strategy, history: History | Observation, *, rng: Any = 0
) -> None:
    """The strategy does not raise a tariff on a partner that never raised one on it.

    Applies where the partner's tariff on the agent is zero and was never
    raised; an escalation at the top rung (no change) is not counted.

    Raises
    ------
    AssertionError
        Naming the dyad, with the tariff paths and the moves chosen.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> obs = tst.observation(ts.World.default(), "US", [])
    >>> tst.assert_never_escalates_first(ts.TitForTat(), obs)
    >>> hawk = ts.make_strategy("always-escalate")
    >>> tst.assert_never_escalates_first(hawk, obs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: always-escalate escalated first on US->CN: partner CN never raised a tariff...
    """
    obs = _as_obs(history)
    moves = _act(strategy, obs, rng, "assert_never_escalates_first")
    for (me, t), m in moves.items():
        provoked = obs.ever_escalated(t, me) or obs.level(t, me) > 0
        if m > 0 and not provoked and _effective(obs, (me, t), m):
            _fail(strategy, (me, t), f"escalated first (partner {t} never raised a tariff)",
                  obs, moves)  # fmt: skip


def assert_never_concedes_unilaterally(
    strategy: Strategy, history: History | Observation, *, rng: Any = 0
) -> None:
    """The strategy cuts a tariff only right after the partner cut on it.

    A cut that leaves the tariff unchanged (at the bottom rung) is not counted.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> obs = tst.observation(ts.World.default(), "CN", [{("CN", "US"): 1}])
    >>> tst.assert_never_concedes_unilaterally(ts.make_strategy("firm-but-measured"), obs)
    >>> dove = ts.make_strategy("always-deescalate")
    >>> tst.assert_never_concedes_unilaterally(dove, obs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: always-deescalate conceded unilaterally on CN->US: partner US did not cut...
    """
    obs = _as_obs(history)
    moves = _act(strategy, obs, rng, "assert_never_concedes_unilaterally")
    for (me, t), m in moves.items():
        if m < 0 and obs.last_change(t, me) >= 0 and _effective(obs, (me, t), m):
            _fail(strategy, (me, t), f"conceded unilaterally (partner {t} did not cut)", obs,
                  moves)  # fmt: skip


def assert_retaliates(strategy: Strategy, history: History | Observation, *, rng: Any = 0) -> None:
    """The strategy answers an escalation in the last round with an escalation.

    Applies where the partner raised its tariff on the agent in the last round
    and the agent is not at its top rung.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> obs = tst.observation(ts.World.default(), "CN", [{("US", "CN"): 1}])
    >>> tst.assert_retaliates(ts.TitForTat(), obs)
    >>> tst.assert_retaliates(ts.Hold(), obs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: hold did not retaliate ...
    """
    obs = _as_obs(history)
    moves = _act(strategy, obs, rng, "assert_retaliates")
    for (me, t), m in moves.items():
        if obs.last_change(t, me) > 0 and m <= 0 and _effective(obs, (me, t), 1):
            _fail(strategy, (me, t), f"did not retaliate ({t} escalated last round)", obs, moves)


def assert_forgives_within(
    strategy: Strategy, history: History | Observation, k: int = 1, *, rng: Any = 0
) -> None:
    """The strategy stops escalating ``k`` rounds after the partner's last escalation.

    Applies to dyads where the partner did escalate on the agent, last more than
    ``k`` rounds ago (the last round counts as 1 round ago); there the strategy
    must not escalate.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> w = ts.World.default()
    >>> obs = tst.observation(w, "CN", [{("US", "CN"): 1}, {}, {}])
    >>> tst.assert_forgives_within(ts.TitForTat(), obs, 1)
    >>> tst.assert_forgives_within(ts.GrimTrigger(), obs, 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: grim-trigger did not forgive within 2 rounds ...
    """
    k = whole_number(k, "k", 0)
    obs = _as_obs(history)
    moves = _act(strategy, obs, rng, "assert_forgives_within")
    seen = (*obs.history, obs.state)
    for (me, t), m in moves.items():
        i, j = obs.world.index(t), obs.world.index(me)
        ago = next((q for q, s in enumerate(reversed(seen), 1) if s.moved[i, j] > 0), None)
        if ago is not None and ago > k and m > 0 and _effective(obs, (me, t), m):
            _fail(strategy, (me, t),
                  f"did not forgive within {k} rounds ({t} last escalated {ago} rounds ago)",
                  obs, moves)  # fmt: skip


def assert_deterministic(
    strategy: Strategy, history: History | Observation, *, seed: int = 0
) -> None:
    """Same observation and seed, same moves; and, unless ``traits.stochastic``, any seed.

    The strategy is called :data:`SAME_SEED_CALLS` times with ``seed`` first: moves that
    change between those calls come from state kept between calls (a counter, a cache)
    or from something other than ``obs`` and ``rng`` (global random state, the clock).
    Then, unless the strategy says it is stochastic, eight other seeds are tried: moves
    that change with the seed (and not between calls with one seed) mean the strategy
    draws from its rng without saying so.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> obs = tst.observation(ts.World.default(), "US", [])
    >>> tst.assert_deterministic(ts.make_strategy("random"), obs)  # stochastic, but seeded
    """
    seed = whole_number(seed, "seed", 0)
    obs = _as_obs(history)
    calls: dict[int, list[dict[Dyad, int]]] = {}

    def call(s: int) -> dict[Dyad, int]:
        moves = _act(strategy, obs, s, "assert_deterministic")
        seen = calls.setdefault(s, [])
        seen.append(moves)
        if moves != seen[0]:
            raise AssertionError(
                f"{strategy.name} chose different moves for the same observation and seed {s}: "
                f"{_fmt_moves(seen[0])} on call 1, {_fmt_moves(moves)} on call {len(seen)} with "
                "that seed. Its moves change between calls with the same observation and seed: "
                "it keeps state between calls, or reads something other than its arguments "
                "(global random state, the clock); moves must depend only on `obs` and `rng`."
                f"\n  counterexample: {_describe(obs)}"
            )
        return moves

    a = call(seed)
    for _ in range(SAME_SEED_CALLS - 1):
        call(seed)
    if not strategy.traits.stochastic:
        for other in (int(x) for x in np.random.SeedSequence(seed).generate_state(8)):
            c = call(other)
            if c != a:
                call(seed)  # before blaming the rng: does either seed repeat its moves?
                call(other)
                raise AssertionError(
                    f"{strategy.name} says it is not stochastic (traits.stochastic=False) but "
                    f"its moves depend on the rng: {_fmt_moves(a)} with seed {seed}, "
                    f"{_fmt_moves(c)} with seed {other}.\n  counterexample: {_describe(obs)}"
                )


class _ActOnly:
    """A strategy seen through its ``act`` alone: the engine asks it run by run."""

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy

    @property
    def name(self) -> str:
        return self._strategy.name

    @property
    def traits(self) -> Any:
        return self._strategy.traits

    def act(self, obs: Observation, rng: np.random.Generator) -> Any:
        return self._strategy.act(obs, rng)


def assert_batch_matches_act(
    strategy: Strategy,
    game: Game,
    *,
    country: str | None = None,
    seeds: Sequence[int] = (0, 1, 2, 3),
    rounds: int | None = None,
) -> None:
    """In play, the strategy's ``act_batch`` chooses exactly what its ``act`` does.

    The engine plays ``act_batch`` where a strategy has one, and the strategy
    checks above read ``act``: a strategy whose two disagree passes them and
    plays otherwise. This check seats ``strategy`` in ``game`` (for
    ``country``'s agent, or every agent) and plays the runs of ``seeds`` as one
    batch twice, once through ``act_batch`` and once through ``act`` alone (run
    by run, each with its own generator, as the engine calls it); tariffs and
    export controls must agree bit for bit, with the game's noise included. A
    strategy without ``act_batch`` passes (the engine plays its ``act``).

    Parameters
    ----------
    strategy : Strategy
    game : Game
        Where to play it: a bundled scenario's game, or one of :func:`games`.
    country : str, optional
        The agent to seat it as; default every agent.
    seeds : sequence of int
        The runs' seeds (at least one).
    rounds : int, optional
        Default: the game's.

    Raises
    ------
    AssertionError
        Naming the run, its seed, the round and the dyad where the two differ.
    ParameterError
        For a bad argument, before any play; in play, for moves that ``act`` or
        ``act_batch`` returns and the engine refuses (not -1, 0 or +1, NaN,
        the wrong shape), with the engine's message naming the strategy: what
        :func:`tariffsim.simulate` raises for them.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> g = ts.load_scenario("us-china-145").game
    >>> tst.assert_batch_matches_act(ts.TitForTat(), g, country="CN", rounds=12)
    """
    check_strategy(strategy, "strategy")
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a tariffsim Game; got {short_repr(game)}.")
    codes = [a.code for a in game.agents]
    if country is not None and (not isinstance(country, str) or country not in codes):
        raise ParameterError(
            f"`country` must be one of the game's agents ({', '.join(codes) or 'none'}); got "
            f"{short_repr(country)}."
        )
    if isinstance(seeds, str | bytes | Mapping) or not hasattr(seeds, "__iter__"):
        raise ParameterError(f"`seeds` must be a non-empty sequence of ints; got {seeds!r}.")
    seeds = [whole_number(x, f"seeds[{k}]", 0) for k, x in enumerate(seeds)]
    if not seeds:
        raise ParameterError("`seeds` must hold at least one seed.")
    if rounds is not None:
        check_rounds(rounds, game=game)
    if not hasattr(strategy, "act_batch"):
        return

    def seated(s: Any) -> Game:
        return game.replace(
            agents=tuple(
                dataclasses.replace(a, strategy=s) if country in (None, a.code) else a
                for a in game.agents
            )
        )

    # each play with its own copy: state one keeps between calls is not the other's
    batched = simulate_batch(seated(copy.deepcopy(strategy)), rounds, seeds=seeds)
    one_by_one = simulate_batch(seated(_ActOnly(copy.deepcopy(strategy))), rounds, seeds=seeds)
    for what, x, y in (
        ("tariff", batched.tariff, one_by_one.tariff),
        ("export control", batched.control, one_by_one.control),
    ):
        differ = np.argwhere(x != y)
        if differ.size:
            run, r, i, j = (int(k) for k in differ[0])
            a, b = game.world.codes[i], game.world.codes[j]
            raise AssertionError(
                f"{strategy.name}: act_batch and act disagree in play: run {run} (seed "
                f"{seeds[run]}), round {r}: {what} {a}->{b} {float(x[run, r, i, j]):g} through "
                f"act_batch, {float(y[run, r, i, j]):g} through act. The engine plays act_batch "
                "where a strategy has one: it must choose exactly what act chooses, from the "
                "same generator (each play had its own copy of the strategy; a strategy that "
                "keeps state between calls, or reads global state, differs this way too)."
            )


def _fmt_moves(moves: Mapping[Dyad, int]) -> str:
    return "{" + ", ".join(f"{a}->{b}: {m:+d}" for (a, b), m in moves.items()) + "}"


def assert_on_ladder(world: World, x: State | Path | NDArray[Any]) -> None:
    """Every tariff on an active dyad is a rung of that dyad's ladder.

    Parameters
    ----------
    world : World
    x : State, Path or array (..., n, n) of tariffs

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> w = ts.World.default()
    >>> tst.assert_on_ladder(w, ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.54))
    >>> off = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.5)
    >>> tst.assert_on_ladder(w, off)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: tariff US->CN = 0.5 is not on its ladder ...
    """
    if not isinstance(world, World):
        raise ParameterError(f"`world` must be a World; got {type(world).__name__}.")
    if isinstance(x, State):
        t = x.tariff[None]
    elif isinstance(x, Path):
        if tuple(x.codes) != tuple(world.codes):
            raise ParameterError(
                f"`x`: a path of countries {', '.join(x.codes)}; the world's are "
                f"{', '.join(world.codes)}."
            )
        t = x.tariff
    else:
        t = real_array(x, "x")
    if t.ndim < 2 or t.shape[-2:] != (world.n, world.n):
        raise ParameterError(
            f"`x`: tariffs of shape {t.shape}; the world has {world.n} countries, so "
            f"(..., {world.n}, {world.n})."
        )
    t = t.reshape(-1, world.n, world.n)
    for (a, b), lad in world.ladders.items():
        i, j = world.index(a), world.index(b)
        rungs = np.asarray(lad.levels)
        for r, v in enumerate(t[:, i, j]):
            if not np.any(np.abs(rungs - v) <= 1e-9):
                where = f" (row {r})" if len(t) > 1 else ""
                raise AssertionError(
                    f"tariff {a}->{b} = {v:g}{where} is not on its ladder {lad.levels}."
                )


def assert_nash(game: NormalFormGame, profile: Any, *, tol: float = 1e-8) -> None:
    """The profile is a ``tol``-Nash equilibrium of ``game``, ``tol`` relative to payoff ranges.

    As every solver of :mod:`tariffsim.equilibrium` reads its ``tol`` (see
    :mod:`~tariffsim.equilibrium.scaling`): the profile passes when no player gains more
    than ``tol`` times its payoff range (its largest payoff minus its smallest) by a
    unilateral deviation, i.e. when its
    :func:`~tariffsim.equilibrium.scaling.relative_regret` is ``<= tol``. So the verdict
    does not change when a player's payoffs are scaled by a positive number or shifted by a
    constant, and an equilibrium a solver returns with its ``tol`` passes with the same
    ``tol`` -- up to rounding: a shift of some ``10**k`` times a player's payoff range
    leaves its payoffs about ``16 - k`` digits, and a gain of ``1e-16 * 10**k`` of the range
    from rounding alone (above ``tol=1e-8`` from ``k = 8``).

    Parameters
    ----------
    game : NormalFormGame
    profile : sequence
        Per player a pure action index or a probability vector.
    tol : float, default 1e-8
        Largest deviation gain accepted, as a share of each player's payoff range
        (a unitless number, not payoff units); ``>= 0``.

    Raises
    ------
    AssertionError
        Naming the player with the largest gain relative to its payoff range, its best
        action, the gain in payoff units and as a share of the range.

    Examples
    --------
    >>> import tariffsim.testing as tst
    >>> from tariffsim import equilibrium as eq
    >>> pd = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> tst.assert_nash(pd, (1, 1))
    >>> tst.assert_nash(pd, (0, 0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: profile (0, 0) is not a Nash equilibrium: Player 1 gains 2 ...
    >>> tiny = eq.NormalFormGame(pd.payoff_array * 1e-9)  # same game, same verdicts
    >>> tst.assert_nash(tiny, (0, 0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: ... Player 1 gains 2e-09 by playing action '1', 0.4 of its payoff range ...
    """
    if not isinstance(game, NormalFormGame):  # (a list of arrays ran into an AttributeError)
        raise ParameterError(
            f"`game` must be a NormalFormGame (eq.NormalFormGame.from_bimatrix(A, B) for two "
            f"payoff matrices); got {short_repr(game)}."
        )
    tol = check_real(tol, "tol", minimum=0.0)
    if tol >= 1:
        raise ParameterError(
            f"`tol` is a share of each player's payoff range and must be below 1 (at 1 every "
            f"profile passes); got {tol!r}."
        )
    regret = relative_regret(game, profile)
    if regret <= tol:
        return
    _, span = payoff_ranges(game)
    gains = game.deviation_gains(profile)
    p = int(np.argmax(np.where(np.isfinite(gains), gains / span, np.inf)))
    values = game.action_values(profile, p)
    best = int(np.argmax(values))
    raise AssertionError(
        f"profile {_fmt_profile(profile)} is not a Nash equilibrium: "
        f"{game.player_names[p]} gains {gains[p]:g} by playing action "
        f"{game.action_names[p][best]!r}, {gains[p] / span[p]:g} of its payoff range "
        f"{span[p]:g} (relative regret {regret:g} > tol {tol:g}, a share of each player's "
        f"payoff range); payoff array shape {game.shape}."
    )


def _fmt_profile(profile: Any) -> str:
    items = []
    for s in profile:
        if isinstance(s, int | np.integer):
            items.append(str(int(s)))
        else:
            items.append("[" + ", ".join(f"{float(x):g}" for x in np.ravel(s)) + "]")
    return "(" + ", ".join(items) + ")"


def assert_payoffs_finite(
    x: Path | Breakdown | PathBreakdown | PayoffModel,
    state: State | None = None,
    prev: State | None = None,
) -> None:
    """Every payoff term, total and indicator is finite.

    Parameters
    ----------
    x : Path, Breakdown, PathBreakdown or PayoffModel
        A model is evaluated at ``state`` (from ``prev``); a path's breakdown
        (``path.breakdown()`` or ``path.breakdown("US")``) has its terms checked.

    Examples
    --------
    >>> import tariffsim as ts
    >>> import tariffsim.testing as tst
    >>> w = ts.World.default()
    >>> tst.assert_payoffs_finite(ts.PayoffModel(w), ts.State.zeros(w.n))
    """
    if isinstance(x, PayoffModel):
        if state is None:
            raise ParameterError("give the `state` to evaluate the model at.")
        x = x.breakdown(state, prev)
    if isinstance(x, Breakdown):
        arrays: dict[str, Any] = {f"term {k!r}": v for k, v in x.terms.items()}
        arrays.update(total=x.total, recession=x.recession, drawdown=x.drawdown,
                      approval=x.approval)  # fmt: skip
    elif isinstance(x, PathBreakdown):
        arrays = {f"term {k!r}": v for k, v in x.items()}
    elif isinstance(x, Path):
        arrays = {
            "terms": x.terms,
            "payoff": x.payoff,
            "recession": x.recession,
            "approval": x.approval,
            "drawdown": x.drawdown,
        }
    else:
        raise ParameterError(
            f"expected a Path, Breakdown, PathBreakdown or PayoffModel; got {type(x).__name__}."
        )
    for name, arr in arrays.items():
        a = np.asarray(arr, dtype=float)
        bad = ~np.isfinite(a)
        if bad.any():
            where = tuple(int(v) for v in np.argwhere(bad)[0])
            raise AssertionError(f"{name} is not finite: {float(a[where]):g} at index {where}.")
