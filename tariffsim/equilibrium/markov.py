r"""Markov-perfect and subgame-perfect equilibria of the escalation game.

The solvers work on a :class:`~tariffsim.equilibrium.LadderGame` (a
:class:`~tariffsim.game.Game` is turned into one first).

Solvers
-------
:func:`markov_perfect`
    Markov-perfect equilibrium by value iteration on
    ``Q_i(s, a) = r_i(s, a) + delta V_i(s'(s, a))``: at every state the pure
    Nash equilibria of the stage game with continuation values are found for
    all states at once (best responses along each player's action axis), one
    is selected by an explicit rule, and the iteration stops when ``V`` no
    longer moves (sup-norm). By default each new policy is evaluated exactly
    before the next sweep (policy iteration: same fixed points, far fewer
    sweeps), by solving ``(I - delta P) v = r`` for its transitions ``P`` and
    payoffs ``r`` (iterated instead at moderate discounts, where a few hundred
    steps reach it), so the number of sweeps and their cost do not grow as
    ``delta`` nears 1; a policy that comes back without convergence is
    a cycle, reported, after which plain value iteration continues.
:func:`backward_induction`
    Subgame-perfect equilibrium in Markov strategies of the game played for
    ``horizon`` rounds: ``horizon`` steps of the same operator from zero.
:func:`bellman`
    One step of that operator.
:func:`equilibrium_path_for`
    A bundled scenario's Markov-perfect equilibrium and its path (what the
    ``tariffsim equilibrium`` command runs).

Selection rules (at a state with several pure equilibria):

``"status-quo"``
    fewest non-hold moves, ties broken by the larger sum of players' values;
``"payoff-dominant"``
    largest sum of players' values, ties broken by fewer non-hold moves;
``"qre"``
    the pure equilibrium most probable under the limit of the principal logit
    quantal-response branch (:func:`~tariffsim.equilibrium.qre_select`) of the
    stage game (payoffs rescaled per player to unit range); slow: one QRE per
    state with several equilibria.

Remaining ties go to the lowest profile index. A state whose stage game has
no pure equilibrium gets a mixed profile under every rule: the logit QRE of
its stage game at ``lambda = 1000`` (payoffs rescaled per player to unit
range), which stands for the limit. It is an approximate equilibrium: a
deviation there can gain up to about a thousandth of a player's payoff range
(measured: 2e-3 of a range of 5 in a rock-paper-scissors variant), and the
convergence test (the values' residual) does not see that gap. The state is
marked in :attr:`~tariffsim.equilibrium.MPEResult.mixed`, and its policy
entry is the profile the QRE plays most often. Where the branch cannot be
traced to ``lambda = 1000``, the result says so, and is not converged if such
a state has no pure equilibrium. Under ``"qre"`` and at
mixed states, probabilities within a fraction ``1e-9`` of the largest count as
tied (the lowest profile index wins): a 50:50 mix is a tie, whatever the solver's last
digits.
"""

from __future__ import annotations

import contextvars
import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import limits
from .._util import one_of
from ..engine import check_calendar
from ..errors import (
    ConvergenceWarning,
    CostWarning,
    ParameterError,
    TimeLimitError,
    warn_not_converged,
)
from ..game import Game
from ..path import Path
from ..progress import progress_bar, progress_enabled
from ..scenario import load_scenario
from ._validate import (
    check_bool,
    check_discount,
    check_pos_int,
    check_rounds,
    check_tol,
    deadline_of,
)
from .eq_path import MPEResult, SPEResult, _player_actions, _policy_moves
from .ladder_game import (
    _SWEEP_CHUNK,
    COST_WARN_SECONDS,
    FloatArray,
    IntArray,
    LadderGame,
    _on_time,
    _ro,
    _TimeUp,
)
from .normal_form import MAX_PAYOFF, NormalFormGame

__all__ = [
    "SELECTIONS",
    "CostEstimate",
    "backward_induction",
    "bellman",
    "equilibrium_path_for",
    "estimate_cost",
    "markov_perfect",
    "stall_window",
]


_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("tariffsim_mpe_quiet", default=False)
"""True where a caller uses the policy whether or not it converged (a foresight strategy's
solve): no :class:`ConvergenceWarning` then. A context variable, not a warnings filter:
``warnings.catch_warnings`` changes the whole process's filters and is not thread-safe."""

_SECONDS_PER_UNIT = 1e-7
"""Rough seconds per (state × profile × player) of a pure-selection sweep (measured on a
two-core laptop-class machine; an order of magnitude, not a promise)."""
_QRE_SECONDS = 1.1e-3
"""Rough seconds of one logit-QRE solve of a stage game, times ``(A * N) ** _QRE_POWER``
for ``A`` profiles and ``N`` players: fitted to two sweeps measured on a two-core machine
(us-china-145, A N = 18: 7.5 ms per state; four-country-2025, A N = 2,916: 211 ms)."""
_QRE_POWER = 0.66


@dataclass(frozen=True)
class CostEstimate:
    """What one Bellman sweep of :func:`markov_perfect` will cost, before it runs.

    Attributes
    ----------
    states, profiles, players : int
        Size of the ladder game: states, joint action profiles per state, players.
    qre_solves : int
        Upper bound on logit-QRE solves per sweep (``states`` for
        ``selection="qre"``; the states without a pure equilibrium otherwise,
        unknown in advance, so 0).
    seconds_per_sweep : float
        Rough estimate (order of magnitude) on a two-core machine.
    """

    states: int
    profiles: int
    players: int
    qre_solves: int
    seconds_per_sweep: float

    def describe(self, rounds: int | None = None) -> str:
        """One line: sizes and the estimate.

        ``rounds``: the estimate for that many sweeps (the rounds of
        :func:`backward_induction`, one sweep each); default the estimate per
        sweep of value iteration.
        """
        qre = f"; up to {self.qre_solves} logit-QRE solves" if self.qre_solves else ""
        sizes = f"{self.states} states × {self.profiles} profiles × {self.players} players{qre}"
        per = _duration(self.seconds_per_sweep)
        if rounds is None:
            return f"{sizes}: {per} per sweep (value iteration usually needs 5–30 sweeps)"
        whole = _duration(self.seconds_per_sweep * rounds)
        return f"{sizes}: {per} per round, {whole} for {rounds} rounds"


def _duration(sec: float) -> str:
    if sec < 1:
        return "< 1 s"
    if sec < 120:
        return f"~{sec:.0f} s"
    if sec < 7200:
        return f"~{sec / 60:.0f} min"
    return f"~{sec / 3600:.1f} h"


def estimate_cost(game: Game | LadderGame, selection: str = "status-quo") -> CostEstimate:
    """Estimate the cost of one sweep of :func:`markov_perfect` from the game's size.

    Parameters
    ----------
    game : Game or LadderGame
    selection : {"status-quo", "payoff-dominant", "qre"}

    Returns
    -------
    CostEstimate

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> c = eq.estimate_cost(ts.load_scenario("four-country-2025").game, "qre")
    >>> c.states, c.profiles, c.qre_solves
    (1764, 729, 1764)
    >>> c.seconds_per_sweep > 60
    True
    """
    selection = _check_selection(selection)
    lg = _as_lgame(game)
    S, A, N = lg.n_states, lg.n_profiles, lg.n_players
    sec = S * A * N * _SECONDS_PER_UNIT
    qre = S if selection == "qre" else 0
    sec += qre * _QRE_SECONDS * (A * N) ** _QRE_POWER
    return CostEstimate(S, A, N, qre, sec)


Selection = Literal["status-quo", "payoff-dominant", "qre"]
SELECTIONS: tuple[str, ...] = ("status-quo", "payoff-dominant", "qre")
"""Equilibrium-selection rules understood by the solvers."""


def _check_selection(selection: Any) -> str:
    if not one_of(selection, SELECTIONS):
        raise ParameterError(
            f"`selection` must be one of {', '.join(repr(s) for s in SELECTIONS)}; "
            f"got {selection!r}."
        )
    return str(selection)


@dataclass
class _Step:
    policy: IntArray  # (S,) joint profile index (the mode where mixed)
    values: FloatArray  # (S, N)
    n_pure: NDArray[np.int32]  # (S,)
    mixed: dict[int, FloatArray]  # state -> joint distribution (A,)
    unfinished: list[int] = field(default_factory=list)  # states whose QRE trace stopped early


def _select(
    ok: NDArray[np.bool_],
    total: FloatArray,
    nonhold: NDArray[Any],
    selection: str,
    tie_tol: float = 0.0,
) -> IntArray:
    """Index of the selected profile per row of ``ok`` (rows without one: -1).

    ``nonhold`` is ``(A,)`` or, where it depends on the state (jumps), ``(C, A)``.
    ``tie_tol``: totals this close to the best tie (payoff-dominant); the
    rounding of the players' values, not of their sum, which can cancel.
    """
    big = np.iinfo(np.int64).max
    nonhold = np.broadcast_to(np.asarray(nonhold, dtype=np.int64), ok.shape)
    if selection == "payoff-dominant":
        t = np.where(ok, total, -np.inf)
        best = t.max(axis=1, keepdims=True)
        cand = ok & (t >= best - tie_tol)
        nh = np.where(cand, nonhold, big)
        cand &= nh == nh.min(axis=1, keepdims=True)
    else:  # status-quo (and the pure part of qre)
        nh = np.where(ok, nonhold, big)
        cand = ok & (nh == nh.min(axis=1, keepdims=True))
        t = np.where(cand, total, -np.inf)
        cand &= t == t.max(axis=1, keepdims=True)
    pick = np.argmax(cand, axis=1).astype(np.int64)
    pick[~ok.any(axis=1)] = -1
    return pick


_ROUNDING_FLOOR = 1e-12
"""The stop rule of :func:`markov_perfect` is never below this fraction of the largest value
(in absolute value) that the residual compares: ``tol`` below it is under the values'
rounding, out of reach in float64 (it raises ``tol`` only for discounts near 1)."""

_ILL_CONDITIONED = 1e-6
"""The result's message calls the solve ill-conditioned when the equilibrium check's rounding
tolerance (:func:`_ne_tol`, 1e-12 of the values' size) passes this fraction of the largest
payoff: discounts above 1 - 1e-6, where the values are over a million times the payoffs."""

_MODE_TIE = 1e-9
"""Probabilities of a QRE limit within this fraction of the largest tie for its mode (the
lowest profile index wins): the solver's last digits (about 1e-11) must not pick between
the actions of a 50:50 mix."""


def _mode(joint: FloatArray) -> int:
    """The lowest profile index whose probability is within :data:`_MODE_TIE` of the largest,
    relatively (``-1`` marks profiles out of the running)."""
    m = joint.max()
    return int(np.argmax(joint >= m - _MODE_TIE * abs(m)))


_QRE_LAMBDA = 1000.0
"""Precision of the logit QRE that stands for its limit at a state the selection traces
(payoffs rescaled per player to unit range)."""


def _qre_joint(q: FloatArray, shape: tuple[int, ...]) -> tuple[FloatArray, bool]:
    """Joint distribution (A,) of the logit-QRE limit of the stage game ``q`` (A, N), and
    whether the branch was traced to ``lam_max`` (else the joint is its last point: the
    solver says so in its own result, not by the tracer's warning)."""
    from .tracing import _qre_select

    arr = np.moveaxis(q.reshape((*shape, q.shape[-1])), -1, 0).astype(float)
    flat = arr.reshape(arr.shape[0], -1)
    lo = flat.min(axis=1)
    span = flat.max(axis=1) - lo
    span[span <= 0] = 1.0
    arr = (arr - lo.reshape((-1,) + (1,) * len(shape))) / span.reshape((-1,) + (1,) * len(shape))
    sel, _ = _qre_select(NormalFormGame(arr), _QRE_LAMBDA, 1e-10, 100_000, False)
    joint = np.ones(())
    for sigma in sel.profile:
        joint = np.multiply.outer(joint, np.asarray(sigma, dtype=float))
    return np.asarray(joint, dtype=float).reshape(-1), sel.converged


def _axis_max(x: FloatArray, axis: int) -> FloatArray:
    """Max over a short ``axis`` (kept, length 1) by elementwise maxima of slices.

    Much faster than ``x.max(axis)`` when the axis is short and not the first.
    """
    sl: list[Any] = [slice(None)] * x.ndim
    sl[axis] = slice(0, 1)
    m = x[tuple(sl)].copy()
    for k in range(1, x.shape[axis]):
        sl[axis] = slice(k, k + 1)
        np.maximum(m, x[tuple(sl)], out=m)
    return m


def _payoff_scale(lg: LadderGame) -> float:
    """The largest payoff in absolute value."""
    r = lg.rewards
    return max(float(r.max()), -float(r.min())) if r.size else 0.0


def _check_value_range(lg: LadderGame, discount: float, horizon: int | None = None) -> None:
    """Refuse rewards whose discounted sums may pass :data:`MAX_PAYOFF` (the values would
    overflow to infinities, and a residual of inf "converge"): the largest reward times
    ``1 / (1 - discount)``, or times ``horizon`` rounds when fewer."""
    rounds = 1.0 / (1.0 - discount) if discount < 1 else math.inf
    if horizon is not None and horizon < rounds:  # (an int beyond any float: the discount's)
        rounds = float(horizon)
    scale = _payoff_scale(lg)
    if scale * rounds > MAX_PAYOFF:
        raise ParameterError(
            f"`rewards` up to {scale:.4g} in absolute value, summed over "
            f"{rounds:.4g} discounted rounds, "
            f"pass {MAX_PAYOFF:.4g}: the values would overflow. Scale the payoffs down (an "
            "equilibrium does not change with their units)."
        )


_TIES_REFUSED = 1e-2
"""Largest share of the largest payoff the equilibrium check may count as rounding
(:func:`_ne_tol`: ``1e-12 / (1 - discount)`` of it): a discount closer to 1 than
``1 - 1e-10`` would call actions ties that differ by a hundredth of the largest payoff or
more, and every sweep "converges" to whatever the selection picks (:func:`check_patience`)."""


def check_patience(discount: float) -> float:
    """``discount`` (checked) if float64 can still tell its equilibria apart.

    Raises
    ------
    ParameterError
        For a discount above ``1 - 1e-10``: its values are over ``1e10`` times the payoffs,
        and payoff gaps below :data:`_TIES_REFUSED` of the largest payoff would be rounding.
    """
    share = 1e-12 / (1.0 - discount)
    if share >= _TIES_REFUSED:
        raise ParameterError(
            f"`discount` {discount!r} is too close to 1 for float64: the values are "
            f"~{1 / (1 - discount):.2g} times the payoffs, so payoff gaps below {share:.2g} of "
            "the largest payoff would be rounding, counted as ties, and any policy would pass "
            "as an equilibrium; give a discount of at most 0.9999999999 (1 - 1e-10)."
        )
    return discount


def _ne_tol(lg: LadderGame, discount: float) -> float:
    """Absolute tolerance of the equilibrium check: rounding of Q, not economics."""
    return 1e-12 * _payoff_scale(lg) / (1.0 - discount)  # of the values' size: any unit


def _sweep(
    lg: LadderGame,
    V: FloatArray,
    discount: float,
    selection: str,
    ne_tol: float,
    tick: Callable[[float], None] | None = None,
    deadline: float | None = None,
) -> _Step:
    """One application of the Bellman operator with equilibrium selection.

    ``tick(fraction)`` is called as blocks of states finish; past ``deadline``
    (``time.monotonic()``) the sweep stops with :class:`_TimeUp`.
    """
    S, A, N = lg.n_states, lg.n_profiles, lg.n_players
    shape = lg.action_shape
    nonhold = lg.nonhold if lg.moves != "jump" else None  # jumps: depends on the state
    rewards, succ = lg.rewards, lg.successors
    policy = np.empty(S, dtype=np.int64)
    out = np.empty((S, N))
    n_pure = np.empty(S, dtype=np.int32)
    mixed: dict[int, FloatArray] = {}
    unfinished: list[int] = []
    block = max(1, _SWEEP_CHUNK // max(A, 1))
    for lo in range(0, S, block):
        hi = min(lo + block, S)
        C = hi - lo
        q = np.take(V, succ[lo:hi], axis=0)  # (C, A, N)
        q *= discount
        q += rewards[lo:hi]
        qt = np.ascontiguousarray(np.moveaxis(q, -1, 0))  # (N, C, A)
        ok = np.ones((C, *shape), dtype=bool)
        for p in range(N):
            qp = qt[p].reshape((C, *shape))
            m = _axis_max(qp, 1 + p)
            m -= ne_tol
            ok &= qp >= m
        ok2 = ok.reshape(C, A)
        total = qt.sum(axis=0)
        pick = _select(ok2, total, nonhold if nonhold is not None else lg.nonhold_at(lo, hi),
                       selection, N * ne_tol)  # fmt: skip
        n_pure[lo:hi] = ok2.sum(axis=1)
        special = np.flatnonzero(pick < 0)
        if selection == "qre":
            special = np.flatnonzero((pick < 0) | (n_pure[lo:hi] > 1))
        for c in special:
            _on_time(deadline)
            joint, finished = _qre_joint(q[c], shape)
            if not finished:
                unfinished.append(lo + int(c))
            if ok2[c].any():  # several pure equilibria: the one the QRE limit favours
                pick[c] = _mode(np.where(ok2[c], joint, -1.0))
            else:
                pick[c] = _mode(joint)
                mixed[lo + int(c)] = joint
            if tick is not None:  # a logit-QRE solve can take seconds: the bar moves per state
                tick(1 / S)
        policy[lo:hi] = pick
        out[lo:hi] = q[np.arange(C), pick]
        for s, joint in mixed.items():
            if lo <= s < hi:
                out[s] = joint @ q[s - lo]
        if tick is not None:
            tick((C - len(special)) / S)  # the states solved without a QRE
        if deadline is not None and time.monotonic() > deadline and hi < S:
            raise _TimeUp
    return _Step(policy, out, n_pure, mixed, unfinished)


_ITERATION_CAP = 1000
"""A policy is evaluated by iteration when about this many steps reach the stop rule
(moderate discounts: ~300 at 0.9, ~600 at 0.95; the results are those of the iteration
used before the linear solve existed), by a linear solve otherwise: iteration costs
``log(stop) / log(discount)`` steps, unbounded as the discount nears 1, the solve does not."""
_DENSE_STATES = 256
"""The linear solve is dense (numpy) up to this many states (a millisecond or less; larger
dense solves are slower and erratic with the BLAS's threads), a sparse LU above (scipy,
loaded on first use)."""
_EVAL_FLOOR = 1e-14
"""The evaluation's stop rule is never below this fraction of the values' scale (largest
payoff / (1 - discount)): some 45 units in the last place, which float64 can reach."""


def _evaluate_policy(
    lg: LadderGame,
    step: _Step,
    discount: float,
    tol: float,
    V0: FloatArray,
    deadline: float | None = None,
    payoff_scale: float | None = None,
) -> FloatArray:
    """Value of following ``step``'s policy forever: the solution of ``(I - delta P) v = r``
    (``P`` the policy's transitions, mixed rows the logit-QRE joint, ``r`` its payoffs; one
    system, a right-hand side per player).

    By the iteration ``v <- r + delta P v`` from ``V0`` where it reaches its stop rule
    within about :data:`_ITERATION_CAP` steps (:func:`_iterate_policy`), else (discounts
    near 1, or an iteration that did not get there) by a linear solve
    (:func:`_solve_policy`). Past ``deadline`` (``time.monotonic()``): the values reached
    so far (``step.values`` if the solve has not started). ``payoff_scale``:
    :func:`_payoff_scale` of ``lg``, if known (it reads every reward)."""
    if discount == 0:
        return step.values
    S = lg.n_states
    rows = np.arange(S)
    r = lg.rewards[rows, step.policy].astype(float)
    nxt = np.asarray(lg.successors[rows, step.policy], dtype=np.int64)
    for s, j in step.mixed.items():
        r[s] = j @ lg.rewards[s].astype(float)
    if payoff_scale is None:
        payoff_scale = _payoff_scale(lg)
    scale = payoff_scale / (1.0 - discount)  # the values' size
    stop = max(tol * (1.0 - discount) * 0.01, _EVAL_FLOOR * scale)
    if not 0 < stop < scale or math.log(stop / scale) / math.log(discount) <= _ITERATION_CAP:
        V = _iterate_policy(r, nxt, step.mixed, lg.successors, discount, V0, stop, deadline)
        if V is not None:
            return V
    if deadline is not None and time.monotonic() > deadline:
        return step.values
    v = _solve_policy(r, nxt, step.mixed, lg.successors, discount)
    return v if np.all(np.isfinite(v)) else step.values


def _iterate_policy(
    r: FloatArray,
    nxt: IntArray,
    mixed: dict[int, FloatArray],
    successors: NDArray[Any],
    discount: float,
    V0: FloatArray,
    stop: float,
    deadline: float | None = None,
) -> FloatArray | None:
    """``v <- r + discount P v`` from ``V0`` until a step changes ``v`` by at most ``stop``
    (sup-norm; the error is then at most ``stop * discount / (1 - discount)``); None if
    ``4 * _ITERATION_CAP`` steps do not get there. Past ``deadline``: the values so far."""
    V = np.array(V0, dtype=float)
    new, diff = np.empty_like(V), np.empty_like(V)  # no allocation per step
    rows = [(s, j, successors[s]) for s, j in mixed.items()]
    for k in range(4 * _ITERATION_CAP):
        if deadline is not None and k % 64 == 63 and time.monotonic() > deadline:
            return V
        np.take(V, nxt, axis=0, out=new)
        new *= discount
        new += r  # r + discount V[nxt]
        for s, j, ss in rows:
            new[s] = r[s] + discount * (j @ V[ss])
        np.subtract(new, V, out=diff)
        delta = float(np.abs(diff, out=diff).max())
        V, new = new, V
        if delta <= stop:
            return V
    return None


def _solve_policy(
    r: FloatArray,
    nxt: IntArray,
    mixed: dict[int, FloatArray],
    successors: NDArray[Any],
    discount: float,
) -> FloatArray:
    """Solve ``(I - discount P) v = r`` for ``v`` (S, N): ``P[s, nxt[s]] = 1`` at pure states,
    the joint distribution over ``successors[s]`` at mixed ones (as the sweep applies it).
    Strictly diagonally dominant for ``discount < 1``: never singular, and the residual of
    LU is a few units in the last place of ``v``, at any discount."""
    S = len(r)
    rows = np.arange(S)
    pure = np.ones(S, dtype=bool)
    pure[list(mixed)] = False
    i = [rows, rows[pure]]
    j = [rows, nxt[pure]]
    a = [np.ones(S), np.full(int(pure.sum()), -discount)]
    for s, joint in mixed.items():
        p = np.asarray(joint, dtype=float)
        keep = p > 0
        i.append(np.full(int(keep.sum()), s))
        j.append(np.asarray(successors[s], dtype=np.int64)[keep])
        a.append(-discount * p[keep])
    ii, jj, aa = np.concatenate(i), np.concatenate(j), np.concatenate(a)
    if S <= _DENSE_STATES:
        m = np.zeros((S, S))
        np.add.at(m, (ii, jj), aa)  # duplicates (self-loops) add up
        return np.asarray(np.linalg.solve(m, r), dtype=float)
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import splu

    lu = splu(csc_matrix((aa, (ii, jj)), shape=(S, S)))  # duplicates add up here too
    return np.asarray(lu.solve(np.ascontiguousarray(r)), dtype=float).reshape(r.shape)


def bellman(
    lgame: LadderGame, values: Any, discount: float, selection: Selection = "status-quo"
) -> tuple[IntArray, FloatArray]:
    """One step of the equilibrium Bellman operator at every state.

    At each state ``s`` the stage game ``Q_i(s, a) = r_i(s, a) + discount *
    values[s'(s, a), i]`` is solved for its pure Nash equilibria (all states at
    once), one is selected by ``selection``, and its payoff is the new value.

    Parameters
    ----------
    lgame : LadderGame
    values : array_like, shape (S, N)
    discount : float
        In [0, 1).
    selection : {"status-quo", "payoff-dominant", "qre"}

    Returns
    -------
    policy : ndarray of int, shape (S,)
        Selected joint profile index per state (the most likely profile where
        a state has no pure equilibrium).
    new_values : ndarray, shape (S, N)

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    >>> pol, v = eq.bellman(lg, np.zeros((lg.n_states, 2)), 0.9)
    >>> pol.shape, v.shape
    ((49,), (49, 2))
    """
    if not isinstance(lgame, LadderGame):
        raise ParameterError(f"`lgame` must be a LadderGame; got {type(lgame).__name__}.")
    discount = check_patience(check_discount(discount))
    selection = _check_selection(selection)  # type: ignore[assignment]
    step = _sweep(lgame, lgame._check_values(values), discount, selection, _ne_tol(lgame, discount))
    return step.policy, step.values


def _as_lgame(game_or_lgame: Any, name: str = "game") -> LadderGame:
    if isinstance(game_or_lgame, LadderGame):
        return game_or_lgame
    if isinstance(game_or_lgame, Game):
        return LadderGame.from_game(game_or_lgame)
    raise ParameterError(
        f"`{name}` must be a Game or a LadderGame; got {type(game_or_lgame).__name__}."
    )


def _ladder_within(
    game: Any,
    name: str,
    moves: Literal["step", "jump"] | None,
    deadline: float | None,
    max_seconds: float | None,
    who: str,
) -> LadderGame:
    """``game`` as a LadderGame: built from a Game with ``moves``, a TimeLimitError (naming
    solver ``who``) if the build runs past ``deadline``; a LadderGame as it is."""
    if not isinstance(game, Game):
        return _as_lgame(game, name)
    began = time.monotonic()
    try:
        return LadderGame._build(
            game, None, method="auto", dtype=np.float64, moves=moves, deadline=deadline
        )
    except _TimeUp:
        raise TimeLimitError(
            f"{who}: building the ladder game took longer than `max_seconds` = "
            f"{max_seconds:g} (stopped after {time.monotonic() - began:.1f} s)."
        ) from None


def _policy_key(step: _Step) -> bytes:
    key = step.policy.tobytes()
    for s in sorted(step.mixed):
        key += s.to_bytes(8, "little") + np.round(step.mixed[s], 9).tobytes()
    return key


def markov_perfect(
    game: Game | LadderGame,
    discount: float = 0.95,
    selection: Selection = "status-quo",
    *,
    moves: Literal["step", "jump"] | None = None,
    tol: float = 1e-8,
    max_iter: int = 1000,
    accelerate: bool = True,
    initial_values: Any = None,
    max_seconds: float | None = None,
    progress: bool | None = None,
) -> MPEResult:
    """Markov-perfect equilibrium of the escalation game by value iteration.

    Parameters
    ----------
    game : Game or LadderGame
        A :class:`~tariffsim.game.Game` is turned into its
        :class:`LadderGame` first.
    discount : float, default 0.95
        Per-round discount factor, in [0, 1).
    selection : {"status-quo", "payoff-dominant", "qre"}
        Rule picking one pure equilibrium per state (see the module notes).
    moves : {"step", "jump"}, optional
        ``"step"``: each player moves each of its dyads one rung per round;
        ``"jump"``: any rung in one round (a cut of 115 points, a threat set
        and withdrawn). Default: the game's own ``moves`` (for a
        :class:`LadderGame`, the one it was built with; naming another is an
        error).
    tol : float, default 1e-8
        Stop when ``max |T V - V| <= tol`` (payoff units, % of GDP), or, where
        that is below the values' rounding, ``<= 1e-12`` times the largest
        value compared (values are up to ``max |r| / (1 - discount)``: the floor
        passes ``tol`` only for discounts near 1; the message names it then).
    max_iter : int, default 1000
        Most sweeps of the operator.
    accelerate : bool, default True
        Evaluate each new policy exactly before the next sweep (policy
        iteration; a linear solve, whatever the discount). False: plain value
        iteration ``V <- T V``, whose residual shrinks by only a factor
        ``discount`` a sweep: near 1 it does not converge within ``max_iter``.
    initial_values : array_like, shape (S, N), optional
        Starting values; default zero. Finite and at most
        :data:`~tariffsim.equilibrium.MAX_PAYOFF` in absolute value, as payoffs are.
    max_seconds : float, optional
        Wall-clock budget. When it runs out the solver stops after the last
        complete sweep and returns ``converged=False`` with a message saying
        so; if not even one sweep completed it raises :class:`TimeLimitError`.
        Building the ladder game from a Game counts against it (the build
        stops between blocks of model evaluations once it runs out).
    progress : bool, optional
        Progress bar counting sweeps, advancing within a sweep
        (:mod:`tariffsim.progress`; by default only in interactive sessions,
        and drawn only after a second of work).

    Returns
    -------
    MPEResult
        With ``converged``, ``iterations``, ``residual`` and ``message``.

    Raises
    ------
    ParameterError
        If an argument is invalid (the message names it), and for a discount above
        ``1 - 1e-10``, whose equilibria float64 cannot tell apart (:func:`check_patience`).

    Warns
    -----
    ConvergenceWarning
        If the residual is above ``tol`` after ``max_iter`` sweeps (the result
        says ``converged=False``).
    CostWarning
        Before any work, when :func:`estimate_cost` puts one sweep above
        :data:`COST_WARN_SECONDS` (the message gives the sizes and estimate).

    Notes
    -----
    A cycle (a selected policy that comes back, with different policies in
    between, before convergence) is flagged in ``cycle_detected``; in the
    accelerated mode the solver then continues with plain value iteration.
    Once a cycle is met, the solver stops early, not converged, when the
    residual has found no new low for ``max(50, 20 / (1 - discount))`` sweeps
    (:func:`stall_window`): for a fixed policy, plain value iteration lowers
    it by a factor ``discount`` every sweep, so a residual that stalls that
    long belongs to a selection that keeps switching, which more sweeps do not
    settle. Where plain value iteration would need more than a hundred times
    the sweeps left (discounts near 1), a cycle stops the solve at once.

    Discounts near 1 cost no more than 0.95: each policy's values are solved
    for, not iterated. They are ill-conditioned all the same: the values are
    ``1 / (1 - discount)`` times the payoffs, and the equilibrium check counts
    payoff gaps below ``1e-12`` of the values' size as ties (rounding); above
    ``1 - 1e-6`` (gaps up to a millionth of the largest payoff) the message
    says so.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = ts.load_scenario("us-china-145").game
    >>> r = eq.markov_perfect(g, discount=0.9)
    >>> r.converged, r.residual <= 1e-8
    (True, True)
    >>> r.move_at(ts.State.zeros(10))
    {('US', 'CN'): 0, ('CN', 'US'): 0}

    With jumps, any rung in one round:

    >>> j = eq.markov_perfect(g, discount=0.9, moves="jump")
    >>> j.lgame.action_shape, j.converged
    ((7, 7), True)
    """
    discount = check_patience(check_discount(discount))
    selection = _check_selection(selection)  # type: ignore[assignment]
    tol = check_tol(tol)
    max_iter = check_pos_int(max_iter, "max_iter")
    deadline_of(max_seconds)  # checked before any work
    progress_enabled(progress)
    if moves is not None and not one_of(moves, ("step", "jump")):
        raise ParameterError(f"`moves` must be one of 'step', 'jump'; got {moves!r}.")
    if isinstance(game, LadderGame) and moves is not None and moves != game.moves:
        raise ParameterError(
            f"`moves`={moves!r} but the LadderGame was built with moves={game.moves!r}; "
            "build it with LadderGame.from_game(game, moves=...)."
        )
    accelerate = check_bool(accelerate, "accelerate")
    began = time.monotonic()  # the budget counts building the ladder game too
    deadline = None if max_seconds is None else began + float(max_seconds)
    lg = _ladder_within(game, "game", moves, deadline, max_seconds, "markov_perfect")
    S, N = lg.n_states, lg.n_players
    _check_value_range(lg, discount)
    scale = _payoff_scale(lg)
    if tol >= scale > 0:  # (a residual as large as a round's payoffs: every policy passed)
        raise ParameterError(
            f"`tol` ({tol:g}) must be below the size of the stage payoffs ({scale:g}, % of "
            "GDP): a residual that large says nothing of the values, and a policy that is "
            "no equilibrium was reported converged."
        )
    if initial_values is None:
        V = np.zeros((S, N))
    else:
        V = lg._check_values(initial_values, "initial_values").copy()
    cost = estimate_cost(lg, selection)
    if cost.seconds_per_sweep > COST_WARN_SECONDS:
        warnings.warn(
            f"markov_perfect: an expensive solve ({selection} selection): {cost.describe()}"
            + ("" if max_seconds else "; set max_seconds= to bound it"),
            CostWarning,
            stacklevel=2,
        )
    if deadline is not None and time.monotonic() > deadline:
        what = f"building the ladder game ({S} states)" if isinstance(game, Game) else "the checks"
        raise TimeLimitError(
            f"markov_perfect: {what} took {time.monotonic() - began:.1f} s, beyond "
            f"`max_seconds` = {max_seconds:g}; no sweep started."
        )
    bar_ = progress_bar(
        None, desc="Markov-perfect sweeps", unit="sweep", enabled=progress, fractional=True
    )
    with bar_ as bar:
        try:
            return _value_iteration(lg, V, discount, selection, tol, max_iter, accelerate,
                                    bar.update, deadline, max_seconds)  # fmt: skip
        except _TimeUp:
            raise TimeLimitError(
                f"markov_perfect: no sweep finished within `max_seconds` = {max_seconds:g} "
                f"({cost.describe()})."
            ) from None


def stall_window(discount: float) -> int:
    """Sweeps without a new low of the residual after which a cycling solve stops.

    ``max(50, ceil(20 / (1 - discount)))``: a residual that a policy change
    raised by a factor ``e**20`` (about 5e8) is back below its low within that
    many sweeps of plain value iteration.

    Parameters
    ----------
    discount : float
        In [0, 1).

    Returns
    -------
    int

    Examples
    --------
    >>> from tariffsim.equilibrium.markov import stall_window
    >>> stall_window(0.5), stall_window(0.95)
    (50, 400)
    """
    return max(50, math.ceil(20.0 / (1.0 - discount)))


_FUTILE = 100
"""A policy cycle in the accelerated mode ends the solve at once (not converged) when plain
value iteration, lowering the residual by a factor ``discount`` a sweep, would need more than
this many times the sweeps left (discounts near 1: a cycle there is not worked off)."""


def _sweeps_to(stop: float, residual: float, discount: float) -> float:
    """Sweeps of plain value iteration (a factor ``discount`` each) from ``residual`` down to
    ``stop``; 0 if it is there already, or for NaN, an infinite residual or no discount."""
    if not (discount > 0 and 0 < stop < residual < math.inf):
        return 0.0
    return math.log(stop / residual) / math.log(discount)


def _value_iteration(
    lg: LadderGame,
    V: FloatArray,
    discount: float,
    selection: str,
    tol: float,
    max_iter: int,
    accelerate: bool,
    tick: Callable[[float], None],
    deadline: float | None,
    max_seconds: float | None,
) -> MPEResult:
    S = lg.n_states
    seen: dict[bytes, int] = {}
    history: list[bytes] = []
    cycle = False
    fast = accelerate
    converged = False
    residual = math.inf
    it = 0
    payoff_scale = _payoff_scale(lg)
    ne_tol = 1e-12 * payoff_scale / (1.0 - discount)  # _ne_tol
    stop, size = tol, 0.0
    step = _sweep(lg, V, discount, selection, ne_tol, tick, deadline)
    timed_out = False
    stalled = cycling = futile = False
    best, since_best = math.inf, 0
    window = stall_window(discount)
    for it in range(1, max_iter + 1):
        if it > 1:
            try:
                _on_time(deadline)
                step = _sweep(lg, V, discount, selection, ne_tol, tick, deadline)
            except _TimeUp:
                timed_out = True
                it -= 1
                break
        residual = float(np.abs(step.values - V).max())
        # a residual is found to within the rounding of the values it compares: below
        # _ROUNDING_FLOOR of their size, tol is out of float64's reach (discounts near 1)
        size = max(float(np.abs(V).max(initial=0.0)), float(np.abs(step.values).max(initial=0.0)))
        stop = max(tol, _ROUNDING_FLOOR * size)
        if residual <= stop:  # False for NaN: nothing converged holds one
            converged = True
            break
        if it == max_iter:
            break
        key = _policy_key(step)
        if key in seen and seen[key] != it - 1:  # a policy come back: the selection cycles
            cycling = True
            if fast:
                cycle = True
                fast = False
                if _sweeps_to(stop, residual, discount) > _FUTILE * (max_iter - it):
                    futile = True  # plain value iteration cannot finish: say so now
                    break
        best, since_best = (residual, 0) if residual < best else (best, since_best + 1)
        if cycling and since_best >= window:
            stalled = cycle = True
            break
        seen[key] = it
        history.append(key)
        if fast:
            V = _evaluate_policy(
                lg, step, discount, tol, V, deadline=deadline, payoff_scale=payoff_scale
            )
        else:
            V = step.values
    if not converged and not cycle and len(history) >= 3:
        last = history[-1]
        earlier = [k for k, h in enumerate(history[:-1]) if h == last]
        if earlier and any(h != last for h in history[earlier[-1] :]):
            cycle = True
    # a mixed profile where the QRE branch stopped short of its limit: no equilibrium there
    stuck = sum(s in step.mixed for s in step.unfinished)
    settled, converged = converged, converged and not stuck
    bound = f"tol {tol:g}"
    if stop > tol and not residual <= tol:  # the rounding floor was the rule that decided
        bound = (
            f"{stop:.3g}, {_ROUNDING_FLOOR:g} of the values' size {size:.3g}: "
            f"tol {tol:g} is below their rounding"
        )
    if converged:
        message = f"converged in {it} sweeps (residual {residual:.3g} <= {bound})"
        if cycle:
            message += "; a policy cycle was met and left by plain value iteration"
    elif settled:
        message = (
            f"not converged: residual {residual:.3g} <= {bound} after {it} sweeps, but at "
            f"{stuck} state(s) without a pure equilibrium the logit-QRE branch could not be "
            f"traced to lambda = {_QRE_LAMBDA:g}, and its last point is no equilibrium"
        )
    else:
        message = f"not converged after {it} sweeps: residual {residual:.3g} > {bound}"
        more = _sweeps_to(stop, residual, discount)
        if not (fast or timed_out or stalled or futile) and more > 10:
            message += (
                f"; plain value iteration shrinks the residual by only a factor "
                f"{discount!r} per sweep (~{more:.2g} more sweeps at that rate)"
            )
        if timed_out:
            message += f"; stopped at the time limit (`max_seconds` = {max_seconds:g})"
        if cycle:
            message += "; the selected policy cycles"
        if futile:
            message += (
                f" (stopped: plain value iteration, which shrinks the residual by a factor "
                f"{discount!r} per sweep, would need ~{more:.2g} sweeps)"
            )
        if stalled:
            message += f" (stopped: no lower residual in the last {window} sweeps)"
    n_mixed = len(step.mixed)
    if n_mixed:
        message += f"; {n_mixed} state(s) without a pure equilibrium use a logit-QRE profile"
    if len(step.unfinished) > stuck:
        message += (
            f"; at {len(step.unfinished) - stuck} state(s) with several pure equilibria the "
            f"logit-QRE branch could not be traced to lambda = {_QRE_LAMBDA:g}: the one "
            "selected is where its last point leads"
        )
    if stuck and not settled:
        message += (
            f"; at {stuck} state(s) without a pure equilibrium the logit-QRE branch could "
            f"not be traced to lambda = {_QRE_LAMBDA:g}"
        )
    if ne_tol > _ILL_CONDITIONED * payoff_scale:
        message += (
            f"; ill-conditioned at discount {discount!r}: the values are ~{1 / (1 - discount):.2g}"
            f" times the payoffs, so payoff gaps below {ne_tol:.2g} ({ne_tol / payoff_scale:.1g}"
            " of the largest payoff) are rounding and count as ties"
        )
    if not converged and not _QUIET.get():
        warnings.warn(f"markov_perfect: {message}.", ConvergenceWarning, stacklevel=3)
    mixed = np.zeros(S, dtype=bool)
    mixed[list(step.mixed)] = True
    return MPEResult(
        lgame=lg,
        values=_ro(V),
        policy=_ro(_player_actions(lg, step.policy)),
        profile=_ro(step.policy),
        moves=_ro(_policy_moves(lg, step.policy)),
        n_pure=_ro(step.n_pure),
        mixed=_ro(mixed),
        converged=converged,
        iterations=it,
        residual=residual,
        cycle_detected=cycle,
        message=message,
        selection=selection,
        discount=discount,
        mixed_profiles={s: _ro(j) for s, j in step.mixed.items()},
    )


def backward_induction(
    lgame: Game | LadderGame,
    horizon: int,
    discount: float = 0.95,
    selection: Selection = "status-quo",
    *,
    max_seconds: float | None = None,
    progress: bool | None = None,
) -> SPEResult:
    """Subgame-perfect equilibrium (Markov strategies) of the game played ``horizon`` rounds.

    With ``k`` rounds to go the players play the selected equilibrium of the
    stage game whose continuation values are the equilibrium values with
    ``k - 1`` rounds to go; with none to go the values are zero. The values
    with ``horizon`` rounds to go equal ``horizon`` steps of :func:`bellman`
    from zero.

    Parameters
    ----------
    lgame : LadderGame or Game
    horizon : int
        Number of rounds, >= 1.
    discount : float, default 0.95
        In [0, 1).
    selection : {"status-quo", "payoff-dominant", "qre"}
    max_seconds : float, optional
        Wall-clock budget. The values with ``horizon`` rounds to go need every
        round, so there is no partial result: when the budget runs out the
        solver raises :class:`TimeLimitError` saying how many rounds were done.
        Building the ladder game from a Game counts against it, as in
        :func:`markov_perfect`.
    progress : bool, optional
        Progress bar counting rounds, advancing within a round as its states
        (and logit-QRE solves) finish (:mod:`tariffsim.progress`; by default
        only in interactive sessions, and drawn only after a second of work).

    Returns
    -------
    SPEResult

    Raises
    ------
    ParameterError
        If an argument is invalid (the message names it).
    TimeLimitError
        If ``max_seconds`` ran out before the last round was solved.

    Warns
    -----
    CostWarning
        Before any work, when :func:`estimate_cost` puts the ``horizon``
        sweeps above :data:`COST_WARN_SECONDS` (the message gives the sizes and
        the estimate).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    >>> r = eq.backward_induction(lg, horizon=4, discount=0.9)
    >>> r.profile.shape, bool(np.all(r.values[-1] == 0))
    ((4, 49), True)
    """
    horizon = check_pos_int(horizon, "horizon")
    discount = check_patience(check_discount(discount))
    selection = _check_selection(selection)  # type: ignore[assignment]
    deadline = deadline_of(max_seconds)  # the budget counts building the ladder game too
    progress_enabled(progress)
    lg = _ladder_within(lgame, "lgame", None, deadline, max_seconds, "backward_induction")
    S, N = lg.n_states, lg.n_players
    size = (
        f"backward induction over {limits.shown(horizon)} rounds ({S} states × {N} players), bytes"
    )
    limits.check("max_result_bytes", (horizon + 1) * S * N * 8 + horizon * S * 9, size)
    _check_value_range(lg, discount, horizon)
    cost = estimate_cost(lg, selection)
    if cost.seconds_per_sweep * horizon > COST_WARN_SECONDS:
        warnings.warn(
            f"backward_induction: an expensive solve ({selection} selection): "
            + cost.describe(horizon)
            + ("" if max_seconds else "; set max_seconds= to bound it"),
            CostWarning,
            stacklevel=2,
        )
    values = np.zeros((horizon + 1, S, N))
    profile = np.zeros((horizon, S), dtype=np.int64)
    mixed = np.zeros((horizon, S), dtype=bool)
    unfinished = stuck = 0
    ne_tol = _ne_tol(lg, discount)
    bar_ = progress_bar(
        horizon, desc="Backward induction", unit="round", enabled=progress, fractional=True
    )
    with bar_ as bar:
        for k in range(horizon - 1, -1, -1):
            try:
                _on_time(deadline)
                step = _sweep(lg, values[k + 1], discount, selection, ne_tol, bar.update,
                              deadline)  # fmt: skip
            except _TimeUp:
                raise TimeLimitError(
                    f"backward_induction: {horizon - 1 - k} of {horizon} rounds solved "
                    f"within `max_seconds` = {max_seconds:g} ({cost.describe(horizon)})."
                ) from None
            values[k] = step.values
            profile[k] = step.policy
            mixed[k, list(step.mixed)] = True
            unfinished += len(step.unfinished)
            stuck += sum(s in step.mixed for s in step.unfinished)
    message = f"solved {horizon} rounds by backward induction ({selection} selection)"
    if mixed.any():
        message += (
            f"; {int(mixed.sum())} state-round(s) without a pure equilibrium use a logit-QRE "
            "profile"
        )
    if unfinished > stuck:
        message += (
            f"; at {unfinished - stuck} state-round(s) with several pure equilibria the "
            f"logit-QRE branch could not be traced to lambda = {_QRE_LAMBDA:g}: the one "
            "selected is where its last point leads"
        )
    if stuck:
        message = (
            "not converged: "
            + message
            + (
                f"; at {stuck} state-round(s) without a pure equilibrium the logit-QRE branch "
                f"could not be traced to lambda = {_QRE_LAMBDA:g}, and its last point is no "
                "equilibrium"
            )
        )
    if unfinished:
        warn_not_converged(
            "backward_induction",
            f"at {unfinished} state-round(s) the logit-QRE branch could not be traced to "
            f"lambda = {_QRE_LAMBDA:g} and the selection is its last point",
        )
    return SPEResult(
        lgame=lg,
        horizon=horizon,
        values=_ro(values),
        profile=_ro(profile),
        policy=_ro(_player_actions(lg, profile)),
        moves=_ro(_policy_moves(lg, profile)),
        mixed=_ro(mixed),
        selection=selection,
        discount=discount,
        converged=not stuck,
        message=message,
    )


def equilibrium_path_for(
    name: str,
    discount: float = 0.95,
    rounds: int = 30,
    selection: Selection = "status-quo",
) -> tuple[MPEResult, Path]:
    """Solve a bundled scenario's Markov-perfect equilibrium and its path.

    What ``tariffsim equilibrium NAME`` runs: the scenario's game, its ladder
    game, :func:`markov_perfect`, then the path from the game's initial state.

    Parameters
    ----------
    name : str
        Scenario name or path (as for :func:`tariffsim.load_scenario`).
    discount : float, default 0.95
    rounds : int, default 30
    selection : {"status-quo", "payoff-dominant", "qre"}

    Returns
    -------
    (MPEResult, Path)

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r, p = eq.equilibrium_path_for("us-china-145", discount=0.9, rounds=4)
    >>> r.converged, len(p)
    (True, 5)
    """
    discount = check_patience(check_discount(discount))
    rounds = check_rounds(rounds)
    selection = _check_selection(selection)  # type: ignore[assignment]
    game = load_scenario(name).game
    check_calendar(game, rounds)
    result = markov_perfect(game, discount=discount, selection=selection)
    path = result.path(rounds=rounds)
    return result, dataclasses.replace(path, meta={**path.meta, "scenario": name})
