"""Equilibrium results of the escalation game and the paths they generate.

:class:`MPEResult` (Markov-perfect, from
:func:`~tariffsim.equilibrium.markov_perfect`) and :class:`SPEResult`
(subgame-perfect, finite horizon, from
:func:`~tariffsim.equilibrium.backward_induction`) hold a policy over the
states of a :class:`~tariffsim.equilibrium.LadderGame`; their ``path`` method
plays it from a start state and scores the states visited with the full model,
as a :class:`~tariffsim.path.Path` (``meta["kind"] == "equilibrium"``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..engine import check_calendar
from ..errors import MissingExtraError, ParameterError
from ..game import path_from_states
from ..path import Path, html_table
from ..world import State
from ._validate import check_int, check_rounds
from .ladder_game import Dyad, FloatArray, IntArray, LadderGame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MPEResult", "SPEResult"]


def _policy_moves(lg: LadderGame, policy: IntArray) -> IntArray:
    return lg.moves_at(np.arange(lg.n_states), policy)


def _player_actions(lg: LadderGame, policy: IntArray) -> IntArray:
    return np.stack(np.unravel_index(policy, lg.action_shape), axis=-1).astype(np.int64)


def _equilibrium_path(
    lg: LadderGame,
    policies: Sequence[IntArray],
    start: State | None,
    meta: Mapping[str, Any],
    start_round: int = 0,
) -> Path:
    w = lg.game.world
    s0 = lg.base if start is None else start
    idx = lg.index_of(s0)
    state = lg.state(idx)
    states = [state]
    mats = [np.zeros((w.n, w.n), dtype=np.int64)]
    for pol in policies:
        state, moves = lg.advance(state, int(pol[idx]))
        mat = np.zeros((w.n, w.n), dtype=np.int64)
        for (a, b), m in moves.items():
            mat[w.index(a), w.index(b)] = m
        states.append(state)
        mats.append(mat)
        idx = lg.index_of(state)
    return path_from_states(lg.game, states, mats, meta=meta, first_round=start_round)


@dataclass(frozen=True, eq=False)
class MPEResult:
    """A Markov-perfect equilibrium of a :class:`LadderGame`.

    Attributes
    ----------
    lgame : LadderGame
    values : ndarray, shape (S, N)
        Discounted value of each player at each state.
    policy : ndarray of int, shape (S, N)
        Each player's action index at each state (the most likely one at a
        mixed state).
    profile : ndarray of int, shape (S,)
        The selected joint profile index.
    moves : ndarray of int, shape (S, D)
        The selected move on every dyad of :attr:`LadderGame.dyads`, in rungs
        (-1, 0, +1 for steps; any signed number of rungs with jumps).
    n_pure : ndarray of int, shape (S,)
        Number of pure equilibria of each state's stage game at the solution.
    mixed : ndarray of bool, shape (S,)
        States whose stage game has no pure equilibrium (logit-QRE profile).
    converged : bool
        The Bellman residual is at most ``tol``, or, where ``tol`` is below the
        rounding of values that large (discounts near 1: values are about
        ``1 / (1 - discount)`` times the payoffs), at most ``1e-12`` of the
        values' size; :attr:`message` says which rule decided.
    iterations : int
        Sweeps of the Bellman operator.
    residual : float
        ``max |T V - V|`` (sup-norm) at the returned values.
    cycle_detected : bool
        The selected policy came back to an earlier one without convergence.
    message : str
    selection : str
    discount : float

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
    >>> r.converged, r.values.shape
    (True, (49, 2))
    """

    lgame: LadderGame
    values: FloatArray
    policy: IntArray
    profile: IntArray
    moves: IntArray
    n_pure: NDArray[Any]
    mixed: NDArray[np.bool_]
    converged: bool
    iterations: int
    residual: float
    cycle_detected: bool
    message: str
    selection: str
    discount: float
    mixed_profiles: Mapping[int, FloatArray] = dataclasses.field(default_factory=dict)

    def move_at(self, state: State | int) -> dict[Dyad, int]:
        """The equilibrium move on every active dyad at ``state``.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> sorted(r.move_at(0))
        [('CN', 'US'), ('US', 'CN')]
        """
        s = self.lgame._state_arg(state)
        return {d: int(m) for d, m in zip(self.lgame.dyads, self.moves[s], strict=True)}

    def bellman_residual(self) -> float:
        """``max |r_pi + discount V[s'] - V|`` for the stored policy and values.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> r.bellman_residual() < 1e-6
        True
        """
        lg = self.lgame
        rows = np.arange(lg.n_states)
        q = lg.rewards[rows, self.profile].astype(float)
        q += self.discount * self.values[lg.successors[rows, self.profile]]
        for s, joint in self.mixed_profiles.items():
            qs = lg.rewards[s].astype(float) + self.discount * self.values[lg.successors[s]]
            q[s] = joint @ qs
        return float(np.abs(q - self.values).max())

    def path(self, start: State | None = None, rounds: int = 30, *, start_round: int = 0) -> Path:
        """The equilibrium path from ``start``, as a :class:`~tariffsim.path.Path`.

        Parameters
        ----------
        start : State, optional
            Start state; its active dyads' levels must be on their ladders.
            Default: the game's initial state.
        rounds : int, default 30
        start_round : int, default 0
            The game round ``start`` stands at, which dates the path: from the
            peak of April 2025 in ``us-china-145``, round 11 (``tariffsim
            equilibrium`` starts at the round of the scenario's last
            announcement, :meth:`~tariffsim.scenario.Scenario.equilibrium_start`).
            The policy is stationary, so only the dates depend on it.

        Returns
        -------
        Path
            Dates from the game's calendar, from round ``start_round``;
            ``meta["kind"] == "equilibrium"``.
            Payoffs are the model's, with the full history (see the module
            notes). At a mixed state the most likely profile is played.

        Raises
        ------
        ParameterError
            If ``start`` is off the grid (the message names the dyad).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> p = r.path(rounds=5)
        >>> len(p), p.meta["kind"]
        (6, 'equilibrium')
        """
        rounds = check_rounds(rounds, game=self.lgame.game)
        start_round = check_int(start_round, "start_round", 0)
        check_calendar(self.lgame.game, rounds, start_round)
        meta = {
            "kind": "equilibrium",
            "solver": "markov_perfect",
            "scenario": self.lgame.game.name,
            "discount": self.discount,
            "selection": self.selection,
            "converged": self.converged,
        }
        return _equilibrium_path(self.lgame, [self.profile] * rounds, start, meta, start_round)

    def plot_policy(
        self, ax: Axes | None = None, dyads: Sequence[Dyad] | None = None, *, at: Any = None
    ) -> Axes:
        """Policy map over two dyads' levels, or a strip over one
        (:func:`~tariffsim.equilibrium.plots.plot_policy`); ``at`` fixes the other dyads."""
        from .plots import plot_policy

        return plot_policy(self, dyads=dyads, ax=ax, at=at)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per state: levels (%) and moves per dyad, values, mixed or pure.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> row = r.rows()[0]
        >>> {k: v for k, v in row.items() if "value" not in k}
        {'state': 0, 'US->CN %': 0.0, 'CN->US %': 0.0, 'US->CN move': 0, 'CN->US move': 0,
         'mixed': False}
        >>> abs(row["US value"]) < 1e-12, abs(row["CN value"]) < 1e-12
        (True, True)
        """
        return _state_rows(self.lgame, self.moves, self.values, self.mixed)

    def to_frame(self) -> Any:
        """:meth:`rows` as a pandas DataFrame indexed by state (needs pandas).

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'tariffsim[pandas]'``).
        """
        return _frame(self.rows(), "MPEResult.to_frame()", "state")

    to_pandas = to_frame

    def __repr__(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        return (
            f"<MPEResult {self.lgame.game.name}: {status} after {self.iterations} sweeps, "
            f"residual {self.residual:.3g}; selection {self.selection}, "
            f"discount {self.discount:.12g}; {self.lgame.n_states} states "
            f"({int(self.mixed.sum())} mixed), players {', '.join(self.lgame.players)}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: convergence, selection and the state space."""
        import html

        return (
            f"<div><b>Markov-perfect equilibrium of {html.escape(self.lgame.game.name)}</b>"
            + _kv_table(
                [
                    ("converged", self.converged),
                    ("iterations", self.iterations),
                    ("residual", f"{self.residual:.3g}"),
                    ("message", self.message),
                    ("selection", self.selection),
                    ("discount", f"{self.discount:g}"),
                    ("states", self.lgame.n_states),
                    ("mixed states", int(self.mixed.sum())),
                    ("players", ", ".join(self.lgame.players)),
                    ("dyads", ", ".join(f"{a}->{b}" for a, b in self.lgame.dyads)),
                ]
            )
            + "</div>"
        )


@dataclass(frozen=True, eq=False)
class SPEResult:
    """A subgame-perfect equilibrium in Markov strategies of the finite-horizon game.

    Attributes
    ----------
    lgame : LadderGame
    horizon : int
    values : ndarray, shape (horizon + 1, S, N)
        ``values[k]``: value at the start of round ``k`` (``horizon - k``
        rounds to go); ``values[horizon]`` is zero.
    profile : ndarray of int, shape (horizon, S)
        Selected joint profile in round ``k``.
    policy : ndarray of int, shape (horizon, S, N)
        Each player's action index in round ``k``.
    moves : ndarray of int, shape (horizon, S, D)
    mixed : ndarray of bool, shape (horizon, S)
    selection : str
    discount : float
    converged : bool
        False where some round's profile at a state without a pure
        equilibrium is the last point of a logit-QRE branch that could not be
        traced to its limit (``selection="qre"``): no equilibrium there.
    message : str
        What was solved, and where a trace stopped short.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = ts.load_scenario("us-china-145").game
    >>> r = eq.backward_induction(eq.LadderGame.from_game(g), 3, 0.9)
    >>> r.values.shape, r.converged
    ((4, 49, 2), True)
    """

    lgame: LadderGame
    horizon: int
    values: FloatArray
    profile: IntArray
    policy: IntArray
    moves: IntArray
    mixed: NDArray[np.bool_]
    selection: str
    discount: float
    converged: bool = True
    message: str = ""

    def path(self, start: State | None = None, *, start_round: int = 0) -> Path:
        """The equilibrium path over the ``horizon`` rounds from ``start``, dated from the
        game's round ``start_round`` (as :meth:`MPEResult.path`).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = ts.load_scenario("us-china-145").game
        >>> r = eq.backward_induction(eq.LadderGame.from_game(g), 3, 0.9)
        >>> len(r.path())
        4
        """
        start_round = check_int(start_round, "start_round", 0)
        check_calendar(self.lgame.game, self.horizon, start_round, name="horizon")
        meta = {
            "kind": "equilibrium",
            "solver": "backward_induction",
            "scenario": self.lgame.game.name,
            "discount": self.discount,
            "selection": self.selection,
            "horizon": self.horizon,
            "converged": self.converged,
        }
        return _equilibrium_path(self.lgame, list(self.profile), start, meta, start_round)

    def rows(self, at_round: int = 0) -> list[dict[str, Any]]:
        """One dict per state in round ``at_round`` (levels, moves, values, mixed).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = ts.load_scenario("us-china-145").game
        >>> r = eq.backward_induction(eq.LadderGame.from_game(g), 3, 0.9)
        >>> len(r.rows()), r.rows()[0]["US->CN move"]
        (49, 0)
        """
        k = int(at_round)
        if not 0 <= k < self.horizon:
            raise ParameterError(f"`at_round` must be in [0, {self.horizon}); got {at_round!r}.")
        return _state_rows(self.lgame, self.moves[k], self.values[k], self.mixed[k])

    def to_frame(self, at_round: int = 0) -> Any:
        """:meth:`rows` as a pandas DataFrame indexed by state (needs pandas).

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'tariffsim[pandas]'``).
        """
        return _frame(self.rows(at_round), "SPEResult.to_frame()", "state")

    to_pandas = to_frame

    def __repr__(self) -> str:
        return (
            f"<SPEResult {self.lgame.game.name}: "
            f"{'exact' if self.converged else 'NOT converged'} (backward induction), horizon "
            f"{self.horizon}; selection {self.selection}, discount {self.discount:.12g}; "
            f"{self.lgame.n_states} states ({int(self.mixed.sum())} mixed state-rounds), "
            f"players {', '.join(self.lgame.players)}>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: horizon, selection and the state space."""
        import html

        return (
            f"<div><b>Subgame-perfect equilibrium of {html.escape(self.lgame.game.name)}</b>"
            + _kv_table(
                [
                    ("converged", self.converged),
                    ("message", self.message or "exact (backward induction)"),
                    ("horizon", self.horizon),
                    ("selection", self.selection),
                    ("discount", f"{self.discount:g}"),
                    ("states", self.lgame.n_states),
                    ("mixed state-rounds", int(self.mixed.sum())),
                    ("players", ", ".join(self.lgame.players)),
                    ("dyads", ", ".join(f"{a}->{b}" for a, b in self.lgame.dyads)),
                ]
            )
            + "</div>"
        )


def _kv_table(items: Sequence[tuple[str, Any]]) -> str:
    return html_table(["", ""], items)


def _state_rows(
    lg: LadderGame, moves: NDArray[Any], values: NDArray[Any], mixed: NDArray[Any]
) -> list[dict[str, Any]]:
    names = [f"{a}->{b}" for a, b in lg.dyads]
    out = []
    for s in range(lg.n_states):
        row: dict[str, Any] = {"state": s}
        for name, level in zip(names, lg.levels(s), strict=True):
            row[f"{name} %"] = round(100 * float(level), 2)
        for name, m in zip(names, moves[s], strict=True):
            row[f"{name} move"] = int(m)
        for k, p in enumerate(lg.players):
            row[f"{p} value"] = float(values[s, k])
        row["mixed"] = bool(mixed[s])
        out.append(row)
    return out


def _frame(rows: list[dict[str, Any]], what: str, index: str) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise MissingExtraError(f"{what} needs pandas: pip install 'tariffsim[pandas]'") from None
    return pd.DataFrame(rows).set_index(index)
