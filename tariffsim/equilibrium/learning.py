"""Learning dynamics in normal-form games.

Every function takes one ``rng`` argument (an int seed, a
:class:`numpy.random.Generator` or None) and draws all randomness from it, so
the same seed always gives the same history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ..errors import warn_not_converged
from ._validate import check_real, check_rng
from .normal_form import (
    FloatArray,
    NormalFormGame,
    _action_values,
    _as_game,
    _check_int,
    _check_relative_tol,
    _equilibria_repr,
)
from .scaling import _relative_regret, payoff_ranges

__all__ = [
    "DynamicsResult",
    "FictitiousPlayResult",
    "best_response_dynamics",
    "fictitious_play",
    "logit_dynamics",
]

IntArray = NDArray[np.int64]

#: Slack, relative to the player's payoff range, under which two actions tie.
_TIE_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class DynamicsResult:
    """History of a pure-action learning dynamic.

    Attributes
    ----------
    profiles : numpy.ndarray
        Read-only int array of shape ``(T + 1, N)``: the starting profile and
        the profile after each round.
    converged : bool
        True when play settled at a pure Nash equilibrium.
    fixed_point : tuple of int or None
        That equilibrium, when `converged`.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> eq.best_response_dynamics(g, start=(0, 0), rng=0).profiles[0]
    array([0, 0])
    """

    profiles: IntArray
    converged: bool
    fixed_point: tuple[int, ...] | None
    message: str

    def __repr__(self) -> str:
        rounds = len(self.profiles) - 1
        end = (
            f"settled at pure equilibrium {tuple(int(a) for a in self.fixed_point)}"
            if self.converged and self.fixed_point is not None
            else f"NOT settled; last profile {tuple(int(a) for a in self.profiles[-1])}"
        )
        return f"<DynamicsResult: {rounds} rounds, {end}>"


@dataclass(frozen=True, slots=True)
class FictitiousPlayResult:
    """History of fictitious play.

    Attributes
    ----------
    actions : numpy.ndarray
        Read-only int array ``(rounds + 1, N)`` of the actions played, the
        first row being the opening profile.
    beliefs : tuple of numpy.ndarray
        For each player ``i`` a read-only array ``(rounds + 1, a_i)``: the
        empirical frequency of ``i``'s actions after each round (what the
        others believe ``i`` plays).
    regret : numpy.ndarray
        Relative regret (each player's deviation gain over its payoff range,
        see :mod:`~tariffsim.equilibrium.scaling`) of the empirical profile
        after each round, shape ``(rounds + 1,)``.
    converged : bool
        True when the final empirical profile has relative regret ``<= tol``.
    fixed_point : tuple of numpy.ndarray or None
        The final empirical profile, when `converged`.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> eq.fictitious_play(g, rounds=3, rng=0).beliefs[0].shape
    (4, 2)
    """

    actions: IntArray
    beliefs: tuple[FloatArray, ...]
    regret: FloatArray
    converged: bool
    fixed_point: tuple[FloatArray, ...] | None
    message: str

    def __repr__(self) -> str:
        rounds = len(self.actions) - 1
        state = "converged" if self.converged else "NOT converged"
        head = (
            f"FictitiousPlayResult: {rounds} rounds, {state}, relative regret "
            f"{float(self.regret[-1]):.2g}; the empirical profile"
        )
        return _equilibria_repr(head, [tuple(b[-1] for b in self.beliefs)])


def _as_rng(rng: Any) -> np.random.Generator:
    return check_rng(rng, "rng")


def _readonly(a: np.ndarray) -> Any:
    a.flags.writeable = False
    return a


def _pure_values(g: NormalFormGame, profile: list[int], i: int) -> FloatArray:
    """Payoffs of each action of player i when the others play `profile`."""
    index: list[Any] = list(profile)
    index[i] = slice(None)
    return np.asarray(g.payoff_array[(i, *index)])


def _start(g: NormalFormGame, start: Any, rng: np.random.Generator) -> list[int]:
    if start is None:
        return [int(rng.integers(a)) for a in g.shape]
    return list(g._pure_profile(start, "start"))


def _is_pure_nash(g: NormalFormGame, profile: list[int], tol: float) -> bool:
    _, span = payoff_ranges(g)
    for i in range(g.n_players):
        v = _pure_values(g, profile, i)
        if v.max() - v[profile[i]] > tol * span[i]:
            return False
    return True


def best_response_dynamics(
    game: Any,
    start: Any = None,
    *,
    max_rounds: int = 1000,
    rng: Any = None,
    tol: float = 1e-8,
) -> DynamicsResult:
    """Asynchronous best-response dynamics on pure profiles.

    Each round one player who can gain more than `tol` by deviating is drawn
    at random and switches to a best response (ties broken at random). Play
    stops at a pure Nash equilibrium, where nobody wants to move.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    start : sequence of int, optional
        Opening profile; drawn uniformly from `rng` when None.
    max_rounds : int, default 1000
        Most revisions made (>= 0).
    rng : int, numpy.random.Generator or None
        Source of randomness.
    tol : float, default 1e-8
        Gain, relative to the player's payoff range (see
        :mod:`~tariffsim.equilibrium.scaling`), below which a player stays put; > 0.

    Returns
    -------
    DynamicsResult
        ``converged=False`` when `max_rounds` passed without reaching a pure
        equilibrium (e.g. in games with none, where play cycles).

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> r = eq.best_response_dynamics(g, start=(0, 0), rng=1)
    >>> r.converged, r.fixed_point
    (True, (1, 1))
    """
    g = _as_game(game)
    max_rounds = _check_int(max_rounds, "max_rounds", 0)
    limits.check("max_iterations", max_rounds, "max_rounds")
    tol = _check_relative_tol(tol)
    gen = _as_rng(rng)
    _, span = payoff_ranges(g)
    profile = _start(g, start, gen)
    history = [list(profile)]
    for _ in range(max_rounds + 1):
        movers = []
        for i in range(g.n_players):
            v = _pure_values(g, profile, i)
            if v.max() - v[profile[i]] > tol * span[i]:
                movers.append(i)
        if not movers:
            return DynamicsResult(
                _readonly(np.array(history, dtype=np.int64)),
                True,
                tuple(profile),
                f"pure equilibrium reached after {len(history) - 1} rounds",
            )
        if len(history) > max_rounds:
            break
        i = movers[int(gen.integers(len(movers)))]
        v = _pure_values(g, profile, i)
        best = np.flatnonzero(v >= v.max() - _TIE_TOL * span[i])
        profile[i] = int(best[int(gen.integers(best.size))])
        history.append(list(profile))
    msg = f"no pure equilibrium reached in max_rounds={max_rounds}"
    warn_not_converged("best_response_dynamics", msg)
    return DynamicsResult(_readonly(np.array(history, dtype=np.int64)), False, None, msg)


def fictitious_play(
    game: Any,
    rounds: int = 1000,
    *,
    rng: Any = None,
    start: Any = None,
    tol: float = 1e-2,
) -> FictitiousPlayResult:
    """Simultaneous fictitious play.

    After an opening profile, in every round each player best-responds to the
    empirical frequencies of the others' past actions (treated as independent
    mixed strategies); ties are broken at random.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    rounds : int, default 1000
        Rounds after the opening (>= 0).
    rng : int, numpy.random.Generator or None
        Source of randomness (opening profile and tie-breaking).
    start : sequence of int, optional
        Opening profile; drawn from `rng` when None.
    tol : float, default 1e-2
        The run counts as converged when the final empirical profile has
        relative regret (gains over each player's payoff range) ``<= tol``;
        > 0. Frequencies move by ``O(1/t)`` per round, so very small values
        need many rounds.

    Returns
    -------
    FictitiousPlayResult

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Notes
    -----
    Empirical frequencies converge to equilibrium in two-player zero-sum games
    and in 2x2 games, but not in general: in Shapley's 3x3 game play cycles
    through six profiles with ever longer runs and the frequencies never
    settle (Shapley, "Some topics in two-person games", 1964).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> r = eq.fictitious_play(g, rounds=2000, rng=0, tol=0.05)
    >>> r.converged, np.round(r.beliefs[0][-1], 1)
    (True, array([0.5, 0.5]))
    """
    g = _as_game(game)
    rounds = _check_int(rounds, "rounds", 0)
    limits.check("max_iterations", rounds, "rounds")
    tol = _check_relative_tol(tol)
    gen = _as_rng(rng)
    n = g.n_players
    profile = _start(g, start, gen)
    counts = [np.zeros(a) for a in g.shape]
    for i, s in enumerate(profile):
        counts[i][s] += 1.0
    actions = np.empty((rounds + 1, n), dtype=np.int64)
    actions[0] = profile
    beliefs = [np.empty((rounds + 1, a)) for a in g.shape]
    regret = np.empty(rounds + 1)
    _, span = payoff_ranges(g)
    for i in range(n):
        beliefs[i][0] = counts[i]
    regret[0] = _relative_regret(g.payoff_array, [b[0] for b in beliefs])
    for t in range(1, rounds + 1):
        freqs = [c / t for c in counts]
        new = []
        for i in range(n):
            v = _action_values(g.payoff_array, freqs, i)
            best = np.flatnonzero(v >= v.max() - _TIE_TOL * span[i])
            new.append(int(best[0] if best.size == 1 else best[int(gen.integers(best.size))]))
        for i, s in enumerate(new):
            counts[i][s] += 1.0
            beliefs[i][t] = counts[i] / (t + 1)
        actions[t] = new
        regret[t] = _relative_regret(g.payoff_array, [b[t] for b in beliefs])
    converged = bool(regret[-1] <= tol)
    final = tuple(_readonly(np.array(b[-1])) for b in beliefs)
    msg = (
        f"empirical profile has relative regret {regret[-1]:.3g} after {rounds} rounds "
        f"({'<=' if converged else '>'} tol={tol:g})"
    )
    if not converged:
        warn_not_converged("fictitious_play", msg)
    return FictitiousPlayResult(
        actions=_readonly(actions),
        beliefs=tuple(_readonly(b) for b in beliefs),
        regret=_readonly(regret),
        converged=converged,
        fixed_point=final if converged else None,
        message=msg,
    )


def logit_dynamics(
    game: Any,
    beta: float,
    rounds: int = 1000,
    *,
    rng: Any = None,
    start: Any = None,
    patience: int | None = None,
) -> DynamicsResult:
    """Asynchronous logit (noisy best-response) dynamics.

    Each round one player, drawn uniformly, revises: action ``a`` is chosen
    with probability proportional to ``exp(beta * u(a, s_-i))`` against the
    others' current actions. ``beta = 0`` is uniform play; large `beta`
    approaches best-response dynamics.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    beta : float
        Rationality (inverse noise), finite and >= 0, in 1 / payoff units.
    rounds : int, default 1000
        Revisions made (>= 0).
    rng : int, numpy.random.Generator or None
        Source of randomness.
    start : sequence of int, optional
        Opening profile; drawn from `rng` when None.
    patience : int, optional
        The run counts as converged when the last `patience` + 1 profiles are
        the same pure Nash equilibrium; default ``max(1, rounds // 10)``.

    Returns
    -------
    DynamicsResult

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> r = eq.logit_dynamics(g, beta=20.0, rounds=200, rng=3)
    >>> r.converged, r.fixed_point
    (True, (1, 1))
    """
    g = _as_game(game)
    beta = check_real(beta, "beta", minimum=0.0)
    rounds = _check_int(rounds, "rounds", 0)
    limits.check("max_iterations", rounds, "rounds")
    patience = max(1, rounds // 10) if patience is None else _check_int(patience, "patience", 1)
    gen = _as_rng(rng)
    n = g.n_players
    profile = _start(g, start, gen)
    history = np.empty((rounds + 1, n), dtype=np.int64)
    history[0] = profile
    for t in range(1, rounds + 1):
        i = int(gen.integers(n))
        v = _pure_values(g, profile, i)
        w = np.exp(beta * (v - v.max()))
        cum = np.cumsum(w)
        profile[i] = int(
            min(np.searchsorted(cum, gen.random() * cum[-1], side="right"), v.size - 1)
        )
        history[t] = profile
    tail = history[-(patience + 1) :]
    settled = rounds >= patience and bool((tail == tail[-1]).all())
    converged = settled and _is_pure_nash(g, profile, 1e-8)  # relative to payoff ranges
    if not converged:
        warn_not_converged("logit_dynamics", "play did not settle at a pure equilibrium")
    return DynamicsResult(
        _readonly(history),
        converged,
        tuple(profile) if converged else None,
        (
            f"play rested at a pure equilibrium for the last {patience} rounds"
            if converged
            else "play did not settle at a pure equilibrium"
        ),
    )
