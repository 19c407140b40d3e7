r"""Equilibrium paths with agreements: the Markov-perfect path, bargained at summits.

:func:`agreement_path` follows a Markov-perfect equilibrium's policy from a
start state, as :meth:`MPEResult.path` does, and at every summit of the game
that names two or more parties it offers them a deal
(:func:`tariffsim.deals.solve_deal`, layer by layer on dyads with several
tariff layers, so a truce can keep one layer and drop another). The disagreement point is the
equilibrium itself: each party's Markov-perfect value :math:`V_i(s)` of
carrying on from the state. When some deal gives every party more, the state
jumps to its terms, the agreement is recorded on the path
(``path.agreements``), and the agreed rates hold from then on as ceilings (the policy
may cut an agreed dyad, and raise it again up to its agreed rate) while the other dyads
keep following the policy.

:func:`with_demand_floors` cuts the demanding sides' ladders at their
unmet demands, so that the equilibrium and the deals respect the same
floors. Limits: values are the true model's (the ladder game's); parties that are not
players of the ladder game cannot bargain; after an agreement the other dyads
follow the policy at the state reached, which was solved without the
agreement.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from .._util import finite_number
from ..deals import Agreement, floor_world, solve_deal
from ..engine import check_calendar
from ..errors import ParameterError
from ..game import Game, path_from_states
from ..path import Path
from ..progress import progress_enabled
from ..world import State
from ._validate import check_int, check_rounds
from .eq_path import MPEResult

__all__ = ["agreement_path", "with_demand_floors"]


def _advance_under_ceilings(
    lg: Any, state: State, profile: int, ceilings: dict[tuple[str, str], float]
) -> State:
    """The state after ``profile`` at ``state``, agreed rates held as ceilings: an agreed
    dyad the policy would raise above its agreed rate holds; a cut, or a raise up to it,
    stands. (No break: the equilibrium's agreements are kept.)"""
    nxt, _ = lg.advance(state, profile)
    w = lg.game.world
    over = {
        d
        for d, level in ceilings.items()
        if nxt.tariff[w.index(d[0]), w.index(d[1])] > level + 1e-12
    }
    return lg.advance(state, profile, hold=over)[0] if over else nxt


def with_demand_floors(
    game: Game, start: State | None = None, *, met: frozenset[str] | set[str] = frozenset()
) -> Game:
    """`game` with each demanding side's ladder cut at its unmet demands.

    The demanding side does not cut below an unmet demand
    (:class:`~tariffsim.deals.Demand`), so for the Markov-perfect solver the
    rungs below the floor are off limits (:func:`~tariffsim.deals.floor_world`:
    a layered dyad is cut layer by layer and keeps its layers); scheduled
    ``set`` events off the cut ladders are dropped (the solver starts from a
    state, not the calendar).

    Parameters
    ----------
    game : Game
    start : State, optional
        If given and below a floor on some dyad, `game` is returned unchanged.
    met : set of str
        Concessions already given: their demands no longer bind.

    Returns
    -------
    Game

    Raises
    ------
    ParameterError
        If `game` is not a Game, `start` not a State, or `met` not a set of names.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = ts.load_scenario("us-china-145").game
    >>> eq.with_demand_floors(g).world.ladders[("US", "CN")].levels  # fentanyl 20 + baseline 10
    (0.3, 0.54, 1.04, 1.45)
    """
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a Game; got {type(game).__name__}.")
    if start is not None and not isinstance(start, State):
        raise ParameterError(f"`start` must be a State or None; got {type(start).__name__}.")
    if not isinstance(met, (set, frozenset, list, tuple)) or not all(
        isinstance(m, str) for m in met
    ):
        raise ParameterError(f"`met` must be a set of concession names; got {met!r}.")
    floors = game.negotiation.floors(frozenset(met))
    if not floors:
        return game
    w = game.world
    for d, f in floors.items():
        if start is not None and start.tariff[w.index(d[0]), w.index(d[1])] < f - 1e-12:
            return game
    fw = floor_world(w, floors)
    if fw is None:
        return game

    def on_ladder(e: Any) -> bool:
        d = (e.importer, e.exporter)
        if e.kind != "set":
            return True
        if e.layer:
            lay = next((x for x in fw.instruments.get(d, ()) if x.name == e.layer), None)
            return lay is not None and lay.levels.contains(e.level)
        return fw.ladders[d].contains(e.level)

    events = tuple(e for e in game.events if on_ladder(e))
    initial = game.initial
    if initial is not None:
        for d, f in floors.items():
            if initial.tariff[w.index(d[0]), w.index(d[1])] < f - 1e-12:
                initial = None
                break
    return game.replace(world=fw, events=events, initial=initial)


def _resolve(
    result: MPEResult,
    game: Game,
    met: set[str],
    deadline: float | None = None,
    progress: bool | None = None,
) -> MPEResult:
    """`result`'s equilibrium solved again on `game` with only the floors still unmet, within
    what is left of the caller's time (``deadline``, a ``time.monotonic()`` instant)."""
    from ..errors import TimeLimitError
    from .markov import markov_perfect

    lg = result.lgame
    floored = with_demand_floors(game.replace(initial=lg.base), met=met)
    left = None if deadline is None else deadline - time.monotonic()
    if left is not None and left <= 0:
        raise TimeLimitError(
            "max_seconds ran out before the equilibrium was solved again after a deal."
        )
    return markov_perfect(
        floored,
        discount=result.discount,
        selection=result.selection,  # type: ignore[arg-type]
        moves=lg.moves,  # type: ignore[arg-type]
        max_seconds=left,
        progress=progress,
    )


def _within(game: Game, dyad: tuple[str, str], ladder: Any) -> bool:
    """Whether every rung of ``ladder`` is a rung of ``game``'s ladder on ``dyad``."""
    own = game.world.ladders.get(dyad)
    return own is not None and set(ladder.levels) <= set(own.levels)


def agreement_path(
    result: MPEResult,
    start: State | None = None,
    rounds: int = 30,
    *,
    start_round: int = 0,
    game: Game | None = None,
    max_seconds: float | None = None,
    progress: bool | None = None,
) -> Path:
    """The equilibrium path from `start` with deals struck at the game's summits.

    Parameters
    ----------
    result : MPEResult
        A solved Markov-perfect equilibrium (:func:`markov_perfect`).
    start : State, optional
        Default: the game's initial state.
    rounds : int, default 30
    start_round : int, default 0
        The game round `start` corresponds to: a summit scheduled for game
        round ``r`` is offered in path round ``r - start_round``, and the path
        is dated from that round (as :meth:`MPEResult.path`).
    game : Game, optional
        The game deals are struck in, when `result` was solved on
        :func:`with_demand_floors` of it: deals choose from its full ladders (a
        concession lifts a floor), and after a deal that meets a demand the
        equilibrium is solved again with the floors still unmet. Default: the
        result's own game.
    max_seconds : float, optional
        Wall-clock seconds the solves after deals may take together
        (:func:`markov_perfect`'s limit; pass what is left of your own).
    progress : bool, optional
        Progress bars for those solves, as :func:`markov_perfect`'s.

    Returns
    -------
    Path
        As :meth:`MPEResult.path`, with ``agreements`` and the summits in
        ``events``. A summit with a party that is not a player of the solved
        game (an agent without targets) is not bargained, and a conditional
        threat is not modelled on equilibrium paths: both are said in
        ``events`` on their round, never dropped silently.

    Raises
    ------
    ParameterError
        If `result` is not an MPEResult, or `start` is off the grid.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = ts.load_scenario("us-china-145").game
    >>> w = g.world
    >>> peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    >>> r = eq.markov_perfect(eq.with_demand_floors(g, peak), discount=0.95)
    >>> p = eq.agreement_path(r, peak, rounds=8, start_round=12, game=g)
    >>> [(a.round, a.label) for a in p.agreements]
    [(4, 'Geneva talks')]
    >>> [round(100 * x) for x in p.series("US", "CN")]  # the US keeps fentanyl 20 + baseline 10
    [145, 104, 54, 30, 30, 30, 30, 30, 30]
    """
    if not isinstance(result, MPEResult):
        raise ParameterError(f"`result` must be an MPEResult; got {type(result).__name__}.")
    rounds = check_rounds(rounds)
    start_round = check_int(start_round, "start_round", 0)
    deadline = None
    if max_seconds is not None:
        if finite_number(max_seconds, "max_seconds") < 0:
            raise ParameterError(f"`max_seconds` must be >= 0; got {max_seconds!r}.")
        deadline = time.monotonic() + float(max_seconds)
    progress_enabled(progress)
    lg = result.lgame
    if game is None:
        game = lg.game
    elif not isinstance(game, Game):
        raise ParameterError(f"`game` must be a Game; got {type(game).__name__}.")
    elif (
        game.world.codes != lg.game.world.codes
        or [a.code for a in game.agents] != [a.code for a in lg.game.agents]
        or not all(_within(game, d, x) for d, x in zip(lg.dyads, lg.ladders, strict=True))
    ):
        raise ParameterError(
            "`game` is not a game `result` was solved for: its countries or agents differ, or "
            f"the rungs of {', '.join(f'{a}->{b}' for a, b in lg.dyads)} are not its ladders' "
            "(give the game the equilibrium was solved on, or one with the same world and "
            "agents and other events; with_demand_floors' cut ladders are its own rungs)."
        )
    check_calendar(game, rounds, start_round)
    w = game.world
    neg = game.negotiation
    players = tuple(lg.players)
    summits: dict[int, list[Any]] = {}
    log: list[tuple[int, str]] = []
    for e in game.events:
        if e.kind == "summit" and e.parties and neg.enabled:
            k = game.round_of(e.when) - start_round
            if not 1 <= k <= rounds:
                continue
            outside = [p for p in e.parties if p not in players]
            if outside:  # said on the path, never dropped silently
                who = ", ".join(outside)
                log.append((k, f"{e.label}: not bargained ({who} not a player)"))
            else:
                summits.setdefault(k, []).append(e)
    for th in game.threats:
        k = game.round_of(th.when) - start_round
        if 1 <= k <= rounds:
            name = th.label or f"{th.by} threat on {th.target}"
            log.append((k, f"{name}: not on equilibrium paths"))
    s0 = lg.base if start is None else start
    idx = lg.index_of(s0)
    state = lg.state(idx)
    states = [state]
    mats = [np.zeros((w.n, w.n), dtype=np.int64)]
    held: dict[tuple[str, str], float] = {}
    met: set[str] = set()
    agreements: list[Agreement] = []
    for k in range(1, rounds + 1):
        for e in summits.get(k, []):
            values = result.values[lg.index_of(state)]
            dis = {p: float(values[players.index(p)]) for p in e.parties}
            deal = solve_deal(
                game,
                tuple(e.parties),
                state,
                dis,
                discount=result.discount,
                method=neg.method,
                demands=neg.demands,
                met=frozenset(met),
                concessions=e.agenda,
                layers=True,
            )
            log.append((k, e.label))
            if deal.agreed:
                agreements.append(
                    Agreement(
                        round=k,
                        date=game.date(k + start_round),
                        parties=tuple(e.parties),
                        terms=dict(deal.terms),
                        concessions=deal.concessions,
                        gain=dict(deal.gain),
                        split=dict(deal.split),
                        label=e.label,
                        layers=dict(deal.layers),
                    )
                )
                lifted = set(deal.concessions) - met
                met |= set(deal.concessions)
                held.update(deal.terms)
                state = deal.state._with(shock=np.zeros(w.n))
                if lifted and game is not lg.game:  # a demand met: its floor goes
                    result = _resolve(result, game, met, deadline, progress)
                    lg = result.lgame
        prof = result.profile[lg.index_of(state)]
        prev = states[-1]
        state = _advance_under_ceilings(lg, state, int(prof), held)
        mat = np.sign(state.tariff - prev.tariff).astype(np.int64)
        states.append(state)
        mats.append(mat)
    meta = {
        "kind": "equilibrium",
        "solver": "markov_perfect",
        "scenario": game.name,
        "discount": result.discount,
        "selection": result.selection,
        "converged": result.converged,
        "agreements": len(agreements),
    }
    path = path_from_states(game, states, mats, events=log, meta=meta, first_round=start_round)
    return dataclasses.replace(path, agreements=tuple(agreements))
