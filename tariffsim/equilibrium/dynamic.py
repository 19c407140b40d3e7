r"""The dynamic escalation game: ladder states, Markov-perfect and subgame-perfect play.

A :class:`LadderGame` is the discounted Markov game behind a
:class:`~tariffsim.game.Game`:

* **players** are the game's agents; each controls the dyads of its targets
  (:func:`tariffsim.agents.targets_of`);
* a **state** is the ladder index of every active dyad (the product grid of
  the ladders); every other field of the world's state (other tariffs, export
  controls, policy support) is held at the game's initial state;
* an **action** of a player is one move (-1 de-escalate, 0 hold, +1 escalate)
  on each of its dyads, so a player with ``k`` dyads has ``3**k`` actions;
  moves step along the ladders and stop at the ends, as in
  :func:`~tariffsim.world.apply_moves`;
* the **reward** of player ``i`` for action profile ``a`` at state ``s`` is
  the *true* payoff ``game.model.payoff(s', prev=s)`` of the successor state
  ``s'`` reached from ``s`` — face and resolve costs of the transition count.

The Markov state carries levels only: the previous round's moves are taken as
zero when the model scores a transition, so the "escalation left unanswered"
part of the resolve cost (which needs the move of the round before) is not in
the rewards, and the peak of a dyad is taken as the higher of its two levels.
Equilibrium paths (:meth:`MPEResult.path`) are scored with the full model.

Solvers
-------
:func:`markov_perfect`
    Markov-perfect equilibrium by value iteration on
    ``Q_i(s, a) = r_i(s, a) + delta V_i(s'(s, a))``: at every state the pure
    Nash equilibria of the stage game with continuation values are found for
    all states at once (best responses along each player's action axis), one
    is selected by an explicit rule, and the iteration stops when ``V`` no
    longer moves (sup-norm). By default each new policy is evaluated exactly
    before the next sweep (modified policy iteration: same fixed points, far
    fewer sweeps); a policy that comes back without convergence is a cycle,
    reported, after which plain value iteration continues.
:func:`backward_induction`
    Subgame-perfect equilibrium in Markov strategies of the game played for
    ``horizon`` rounds: ``horizon`` steps of the same operator from zero.
:func:`bellman`
    One step of that operator.

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
no pure equilibrium gets the logit-QRE limit (a mixed profile) under every
rule; it is marked in :attr:`MPEResult.mixed`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..agents import targets_of
from ..errors import ConvergenceWarning, ParameterError, UnknownNameError
from ..game import Game, path_from_states
from ..path import Path, html_table
from ..world import Ladder, Move, State, StateBatch, apply_moves
from .normal_form import NormalFormGame
from .repeated import DyadPayoffs, critical_discount

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "SELECTIONS",
    "DyadFacts",
    "LadderGame",
    "MPEResult",
    "SPEResult",
    "backward_induction",
    "bellman",
    "dyad_facts",
    "equilibrium_path_for",
    "markov_perfect",
    "stage_game",
]

Selection = Literal["status-quo", "payoff-dominant", "qre"]
SELECTIONS: tuple[str, ...] = ("status-quo", "payoff-dominant", "qre")
"""Equilibrium-selection rules understood by the solvers."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Dyad = tuple[str, str]

#: Transitions per block when the model is evaluated (bounds memory).
_EVAL_CHUNK = 8192
#: Transitions per block in a value-iteration sweep.
_SWEEP_CHUNK = 1 << 19
_SYM = {-1: "-", 0: "0", 1: "+"}


def _ro(a: Any) -> Any:
    a = np.asarray(a)
    a.flags.writeable = False
    return a


def _check_discount(discount: Any) -> float:
    if (
        isinstance(discount, bool)
        or not isinstance(discount, numbers.Real)
        or not math.isfinite(float(discount))
        or not 0 <= float(discount) < 1
    ):
        raise ParameterError(f"`discount` must be in [0, 1); got {discount!r}.")
    return float(discount)


def _check_selection(selection: Any) -> str:
    if selection not in SELECTIONS:
        raise ParameterError(
            f"`selection` must be one of {', '.join(repr(s) for s in SELECTIONS)}; "
            f"got {selection!r}."
        )
    return str(selection)


def _check_pos_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(f"`{name}` must be an int >= 1; got {value!r}.")
    return int(value)


def _check_tol(tol: Any) -> float:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not float(tol) > 0:
        raise ParameterError(f"`tol` must be a number > 0; got {tol!r}.")
    if not math.isfinite(float(tol)):
        raise ParameterError(f"`tol` must be finite; got {tol!r}.")
    return float(tol)


def _action_moves(k: int) -> IntArray:
    """Moves ``(3**k, k)`` of a player with ``k`` dyads, C order, digit 0 = -1."""
    if k == 0:
        return np.zeros((1, 0), dtype=np.int64)
    return np.indices((3,) * k).reshape(k, -1).T.astype(np.int64) - 1


def _action_name(targets: Sequence[str], moves: Sequence[int]) -> str:
    if len(moves) == 1:
        return Move.NAMES[int(moves[0])]
    return " ".join(f"{t}{_SYM[int(m)]}" for t, m in zip(targets, moves, strict=True))


# ---------------------------------------------------------------------------
# The ladder game
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LadderGame:
    """The discounted Markov game over ladder states of a :class:`~tariffsim.game.Game`.

    Build it with :meth:`from_game`; the fields are read-only arrays.

    Attributes
    ----------
    game : Game
        The game whose true model scores every transition.
    dyads : tuple of (str, str)
        Active dyads ``(importer, exporter)``: the state is their ladder indices.
    ladders : tuple of Ladder
        Ladder of each dyad.
    players : tuple of str
        Moving countries, in the order of the game's agents.
    player_dyads : tuple of tuple of int
        For each player, the positions in :attr:`dyads` of the dyads it controls.
    base : State
        The state every grid state is built on (the game's initial state with
        moves and shocks cleared): it supplies all fields other than the
        active dyads' tariffs.
    rewards : ndarray, shape (S, A, N)
        ``rewards[s, a, i]``: player ``i``'s true payoff of the transition
        from state ``s`` under joint profile ``a`` (C-order index over
        :attr:`action_shape`), % of GDP.
    successors : ndarray of int, shape (S, A)
        Index of the state each transition leads to.
    method : str
        How the rewards were computed: ``"exact"`` (one model call per block
        of transitions) or ``"decomposed"`` (state payoffs once per state plus
        the transition terms per pair of dyads, checked against exact calls
        on a sample of transitions; see :meth:`from_game`).

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic
    >>> lg = dynamic.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    >>> lg.players, lg.dims, lg.action_shape
    (('US', 'CN'), (7, 7), (3, 3))
    >>> lg.rewards.shape
    (49, 9, 2)
    """

    game: Game
    dyads: tuple[Dyad, ...]
    ladders: tuple[Ladder, ...]
    players: tuple[str, ...]
    player_dyads: tuple[tuple[int, ...], ...]
    base: State
    rewards: NDArray[Any]
    successors: NDArray[Any]
    method: str = "exact"

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_game(
        cls,
        game: Game,
        dyads: Sequence[Dyad] | None = None,
        *,
        method: Literal["auto", "exact", "decomposed"] = "auto",
        dtype: Any = np.float64,
    ) -> LadderGame:
        """Build the ladder game of ``game`` and precompute every transition.

        Parameters
        ----------
        game : Game
            Its agents are the players; its ``model`` scores transitions; its
            ``initial`` state (default free trade) supplies every field that is
            not an active dyad's tariff.
        dyads : sequence of (str, str), optional
            Restrict the state to these dyads (each must be controlled by an
            agent); other dyads stay at their initial level. Default: every
            dyad of every agent.
        method : {"auto", "exact", "decomposed"}
            ``"exact"``: every transition is scored by
            ``game.model.payoff(next, prev=current)``, in blocks. ``"decomposed"``:
            the model is called once per state (``prev`` = the state itself,
            so no transition terms) and once per configuration of each pair of
            opposite dyads (levels and moves, the rest holding) to get the
            transition terms (face, resolve), which are summed per transition;
            the sum is checked against exact calls on up to 256 sampled
            transitions and the exact method is used if they differ by more
            than 1e-9 (relative). ``"auto"``: decomposed when it needs fewer
            model evaluations.
        dtype : numpy float dtype, default float64
            Storage type of :attr:`rewards` (float32 halves the memory of large
            games).

        Returns
        -------
        LadderGame

        Raises
        ------
        ParameterError
            If the game has no agents with dyads, a dyad is not controlled by an
            agent, or an argument is invalid.

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> g = ts.load_scenario("us-china-145").game
        >>> lg = dynamic.LadderGame.from_game(g, dyads=[("US", "CN")])
        >>> lg.players, lg.n_states
        (('US',), 7)
        """
        if not isinstance(game, Game):
            raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
        if method not in ("auto", "exact", "decomposed"):
            raise ParameterError(
                f"`method` must be one of 'auto', 'exact', 'decomposed'; got {method!r}."
            )
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise ParameterError(f"`dtype` must be a float dtype; got {dtype!r}.")
        w = game.world
        owned: dict[Dyad, str] = {}
        for agent in game.agents:
            for d in targets_of(w, agent.code, agent.targets):
                owned[d] = agent.code
        if dyads is None:
            chosen = list(owned)
        else:
            chosen = []
            for d in dyads:
                try:
                    a, b = d
                except (TypeError, ValueError):
                    raise ParameterError(
                        f"`dyads` must hold (importer, exporter) pairs; got {d!r}."
                    ) from None
                if (a, b) not in owned:
                    raise ParameterError(
                        f"dyads[{a}, {b}]: not controlled by any agent; "
                        f"agents' dyads: {list(owned)}."
                    )
                if (a, b) in chosen:
                    raise ParameterError(f"dyads[{a}, {b}]: listed twice.")
                chosen.append((a, b))
        if not chosen:
            raise ParameterError("`game` has no agent with a tariff dyad to move.")
        players = tuple(
            dict.fromkeys(a.code for a in game.agents if any(owned[d] == a.code for d in chosen))
        )
        chosen.sort(key=lambda d: (players.index(owned[d]), list(owned).index(d)))
        pd = tuple(tuple(k for k, d in enumerate(chosen) if owned[d] == p) for p in players)
        init = game.initial or State.zeros(w.n)
        base = init.replace(moved=np.zeros((w.n, w.n)), shock=np.zeros(w.n))
        lg = cls(
            game=game,
            dyads=tuple(chosen),
            ladders=tuple(w.ladders[d] for d in chosen),
            players=players,
            player_dyads=pd,
            base=base,
            rewards=np.zeros((0, 0, 0)),
            successors=np.zeros((0, 0), dtype=np.int64),
        )
        succ = lg._successor_table()
        S, A = succ.shape
        n_dec = S + 2 * lg._pair_configs() + 256  # model evaluations, decomposed
        use_dec = method == "decomposed" or (method == "auto" and n_dec < S * A)
        rewards: NDArray[Any] | None = None
        used = "exact"
        if use_dec:
            rewards = lg._rewards_decomposed(succ, dt)
            used = "decomposed"
            if not lg._check_sample(rewards, succ):
                rewards = None
                used = "exact (decomposition check failed)"
        if rewards is None:
            rewards = lg._rewards_exact(succ, dt)
        object.__setattr__(lg, "rewards", _ro(rewards))
        object.__setattr__(lg, "successors", _ro(succ))
        object.__setattr__(lg, "method", used)
        return lg

    # -- shape --------------------------------------------------------------------
    @property
    def dims(self) -> tuple[int, ...]:
        """Number of rungs of each dyad's ladder (the grid shape)."""
        return tuple(len(lad) for lad in self.ladders)

    @property
    def n_states(self) -> int:
        """Number of grid states ``S``."""
        return math.prod(self.dims)

    @property
    def n_players(self) -> int:
        """Number of players ``N``."""
        return len(self.players)

    @property
    def action_shape(self) -> tuple[int, ...]:
        """Number of actions of each player (``3**k`` for ``k`` dyads)."""
        return tuple(3 ** len(d) for d in self.player_dyads)

    @property
    def n_profiles(self) -> int:
        """Number of joint action profiles ``A``."""
        return math.prod(self.action_shape)

    @property
    def grid(self) -> IntArray:
        """Ladder index of every dyad at every state, shape ``(S, D)``."""
        return np.indices(self.dims).reshape(len(self.dims), -1).T.astype(np.int64)

    @property
    def profile_moves(self) -> IntArray:
        """Move on every dyad under every joint profile, shape ``(A, D)``."""
        joint = np.indices(self.action_shape).reshape(self.n_players, -1).T
        out = np.zeros((self.n_profiles, len(self.dyads)), dtype=np.int64)
        for p, ds in enumerate(self.player_dyads):
            out[:, list(ds)] = _action_moves(len(ds))[joint[:, p]]
        return out

    @property
    def nonhold(self) -> IntArray:
        """Number of non-hold moves in each joint profile, shape ``(A,)``."""
        return np.count_nonzero(self.profile_moves, axis=1).astype(np.int64)

    def player_index(self, code: str) -> int:
        """Position of player ``code`` in :attr:`players`."""
        if code not in self.players:
            raise UnknownNameError(f"unknown player {code!r}; players: {', '.join(self.players)}.")
        return self.players.index(code)

    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Readable name of every action of every player."""
        out = []
        for ds in self.player_dyads:
            targets = [self.dyads[k][1] for k in ds]
            out.append(tuple(_action_name(targets, m) for m in _action_moves(len(ds))))
        return tuple(out)

    # -- states ---------------------------------------------------------------------
    def levels(self, index: int) -> tuple[float, ...]:
        """Tariff level of every active dyad at state ``index``."""
        idx = np.unravel_index(int(index), self.dims)
        return tuple(lad.levels[int(k)] for lad, k in zip(self.ladders, idx, strict=True))

    def state(self, index: int) -> State:
        """The :class:`~tariffsim.world.State` of grid state ``index``.

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> lg = dynamic.LadderGame.from_game(ts.load_scenario("us-china-145").game)
        >>> float(lg.state(lg.n_states - 1).tariff[0, 1])
        1.45
        """
        if not 0 <= int(index) < self.n_states:
            raise ParameterError(f"`index` must be in [0, {self.n_states}); got {index!r}.")
        t = np.array(self.base.tariff)
        w = self.game.world
        for (a, b), lvl in zip(self.dyads, self.levels(index), strict=True):
            t[w.index(a), w.index(b)] = lvl
        return self.base.replace(tariff=t, peak=t)

    def index_of(self, state: State) -> int:
        """Grid index of ``state`` (its active dyads' levels must be rungs).

        Raises
        ------
        ParameterError
            If a level of an active dyad is not on its ladder (the message names
            the dyad), or a tariff outside the active dyads differs from
            :attr:`base` (the equilibrium was computed with it fixed).
        """
        if not isinstance(state, State):
            raise ParameterError(f"`state` must be a State; got {type(state).__name__}.")
        w = self.game.world
        if state.n != w.n:
            raise ParameterError(f"`state` has {state.n} countries; the world has {w.n}.")
        idx = []
        mask = np.ones((w.n, w.n), dtype=bool)
        for (a, b), lad in zip(self.dyads, self.ladders, strict=True):
            i, j = w.index(a), w.index(b)
            mask[i, j] = False
            idx.append(lad.index(float(state.tariff[i, j]), field=f"state.tariff[{a}, {b}]"))
        diff = mask & ~np.isclose(state.tariff, self.base.tariff, atol=1e-9)
        if diff.any():
            i, j = np.argwhere(diff)[0]
            raise ParameterError(
                f"state.tariff[{w.codes[i]}, {w.codes[j]}]: the ladder game holds this "
                f"dyad at {float(self.base.tariff[i, j])!r}; got {float(state.tariff[i, j])!r}."
            )
        return int(np.ravel_multi_index(tuple(idx), self.dims))

    # -- the precomputation -----------------------------------------------------------
    def _successor_table(self) -> NDArray[Any]:
        dims = self.dims
        S, A = self.n_states, self.n_profiles
        itype: type[np.signedinteger[Any]] = np.int32 if S < 2**31 else np.int64
        grid: NDArray[Any] = self.grid.astype(itype)
        moves: NDArray[Any] = self.profile_moves.astype(itype)
        strides = np.ones(len(dims), dtype=np.int64)
        for k in range(len(dims) - 2, -1, -1):
            strides[k] = strides[k + 1] * dims[k + 1]
        succ = np.zeros((S, A), dtype=itype)
        for d, L in enumerate(dims):
            nl: NDArray[Any] = grid[:, d, None] + moves[None, :, d]
            np.clip(nl, 0, L - 1, out=nl)
            nl *= int(strides[d])
            succ += nl
        return succ

    def _tariffs(self, level_idx: IntArray) -> FloatArray:
        """Tariff matrices ``(B, n, n)`` for ladder indices ``(B, D)``."""
        w = self.game.world
        t = np.repeat(self.base.tariff[None], level_idx.shape[0], axis=0)
        for d, ((a, b), lad) in enumerate(zip(self.dyads, self.ladders, strict=True)):
            t[:, w.index(a), w.index(b)] = lad.array[level_idx[:, d]]
        return t

    def _payoff(self, prev_t: FloatArray, next_t: FloatArray) -> FloatArray:
        """True payoffs ``(B, n)`` of moving from tariffs ``prev_t`` to ``next_t``."""
        b, n = next_t.shape[0], next_t.shape[1]
        base = self.base
        zeros = np.zeros((b, n, n))
        nxt = StateBatch(
            tariff=next_t,
            control=np.broadcast_to(base.control, (b, n, n)),
            peak=np.maximum(prev_t, next_t),
            moved=next_t - prev_t,
            support=np.broadcast_to(base.support, (b, n)),
            shock=np.zeros((b, n)),
        )
        prev = StateBatch(
            tariff=prev_t,
            control=nxt.control,
            peak=prev_t,
            moved=zeros,
            support=nxt.support,
            shock=nxt.shock,
        )
        return np.asarray(self.game.model.payoff(nxt, prev=prev), dtype=float)

    def _player_cols(self) -> list[int]:
        w = self.game.world
        return [w.index(p) for p in self.players]

    def _rewards_exact(self, succ: NDArray[Any], dt: np.dtype[Any]) -> NDArray[Any]:
        S, A = succ.shape
        N = self.n_players
        cols = self._player_cols()
        grid = self.grid
        out = np.empty((S * A, N), dtype=dt)
        flat_succ = succ.reshape(-1)
        for lo in range(0, S * A, _EVAL_CHUNK):
            hi = min(lo + _EVAL_CHUNK, S * A)
            k = np.arange(lo, hi)
            prev_t = self._tariffs(grid[k // A])
            next_t = self._tariffs(grid[flat_succ[lo:hi]])
            out[lo:hi] = self._payoff(prev_t, next_t)[:, cols]
        return out.reshape(S, A, N)

    def _pairs(self) -> list[tuple[int, ...]]:
        """Groups of dyad positions sharing an unordered country pair."""
        groups: dict[frozenset[str], list[int]] = {}
        for k, (a, b) in enumerate(self.dyads):
            groups.setdefault(frozenset((a, b)), []).append(k)
        return [tuple(v) for v in groups.values()]

    def _pair_configs(self) -> int:
        dims = self.dims
        return sum(math.prod(dims[k] for k in ds) * 3 ** len(ds) for ds in self._pairs())

    def _rewards_decomposed(self, succ: NDArray[Any], dt: np.dtype[Any]) -> NDArray[Any]:
        S, A = succ.shape
        N = self.n_players
        cols = self._player_cols()
        grid = self.grid
        D = len(self.dims)
        # state payoffs: each grid state reached from itself (no transition terms)
        F = np.empty((S, N))
        for lo in range(0, S, _EVAL_CHUNK):
            hi = min(lo + _EVAL_CHUNK, S)
            t = self._tariffs(grid[lo:hi])
            F[lo:hi] = self._payoff(t, t)[:, cols]
        # transition terms per pair of opposite dyads, the rest holding at rung 0
        moves = self.profile_moves
        tables = []
        for ds in self._pairs():
            sub_dims = tuple(self.dims[k] for k in ds)
            lv = np.indices(sub_dims).reshape(len(ds), -1).T
            mv = _action_moves(len(ds))
            n_l, n_m = lv.shape[0], mv.shape[0]
            prev_idx = np.zeros((n_l * n_m, D), dtype=np.int64)
            next_idx = np.zeros_like(prev_idx)
            for c, k in enumerate(ds):
                p = np.repeat(lv[:, c], n_m)
                m = np.tile(mv[:, c], n_l)
                prev_idx[:, k] = p
                next_idx[:, k] = np.clip(p + m, 0, self.dims[k] - 1)
            prev_t = self._tariffs(prev_idx)
            next_t = self._tariffs(next_idx)
            h = self._payoff(prev_t, next_t) - self._payoff(next_t, next_t)
            table = h[:, cols].reshape(n_l, n_m, N)
            # local indices of every state and every profile
            s_loc = np.ravel_multi_index(tuple(grid[:, k] for k in ds), sub_dims)
            a_loc = np.ravel_multi_index(tuple(moves[:, k] + 1 for k in ds), (3,) * len(ds))
            tables.append((table, s_loc, a_loc))
        out = np.empty((S, A, N), dtype=dt)
        block = max(1, _SWEEP_CHUNK // max(A, 1))
        for lo in range(0, S, block):
            hi = min(lo + block, S)
            r = F[succ[lo:hi]]
            for table, s_loc, a_loc in tables:
                r += table[s_loc[lo:hi, None], a_loc[None, :]]
            out[lo:hi] = r
        return out

    def _check_sample(self, rewards: NDArray[Any], succ: NDArray[Any]) -> bool:
        S, A = succ.shape
        rng = np.random.default_rng(0)
        k = min(256, S * A)
        flat = np.unique(rng.choice(S * A, size=k, replace=False))
        s, a = flat // A, flat % A
        grid = self.grid
        exact = self._payoff(self._tariffs(grid[s]), self._tariffs(grid[succ[s, a]]))
        exact = exact[:, self._player_cols()]
        got = rewards[s, a].astype(float)
        eps = 1e-9 if rewards.dtype == np.float64 else 1e-5
        return bool(np.all(np.abs(got - exact) <= eps * (1.0 + np.abs(exact))))

    # -- stage games ------------------------------------------------------------------
    def q_values(self, values: Any = None, discount: float = 0.0) -> FloatArray:
        """``Q[s, a, i] = rewards[s, a, i] + discount * values[successors[s, a], i]``.

        Parameters
        ----------
        values : array_like, shape (S, N), optional
            Continuation values; default zero.
        discount : float, default 0.0
            In [0, 1).

        Returns
        -------
        ndarray, shape (S, A, N)
        """
        discount = _check_discount(discount)
        q = np.array(self.rewards, dtype=float)
        if values is not None and discount > 0:
            v = self._check_values(values)
            q += discount * v[self.successors]
        return q

    def _check_values(self, values: Any) -> FloatArray:
        v = np.asarray(values, dtype=float)
        shape = (self.n_states, self.n_players)
        if v.shape != shape:
            raise ParameterError(f"`values` must have shape {shape}; got shape {v.shape}.")
        if not np.all(np.isfinite(v)):
            raise ParameterError("`values` must be finite.")
        return v

    def stage_game(
        self, state: State | int, values: Any = None, discount: float = 0.0
    ) -> NormalFormGame:
        """The one-round game at ``state``, optionally with continuation values.

        Parameters
        ----------
        state : State or int
            A state on the grid, or its index.
        values : array_like, shape (S, N), optional
            Continuation values (e.g. :attr:`MPEResult.values`): player ``i``
            gets ``rewards + discount * values[successor, i]``.
        discount : float, default 0.0
            In [0, 1).

        Returns
        -------
        NormalFormGame
            Players are :attr:`players`; actions are named by their moves.

        Raises
        ------
        ParameterError
            If ``state`` is off the grid, or ``discount`` is not in [0, 1).

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic, pure_nash
        >>> lg = dynamic.LadderGame.from_game(ts.load_scenario("us-china-145").game)
        >>> g = lg.stage_game(ts.State.zeros(10))
        >>> g.shape, g.action_names[0]
        ((3, 3), ('de-escalate', 'hold', 'escalate'))
        """
        discount = _check_discount(discount)
        s = self._state_arg(state)
        q = np.array(self.rewards[s], dtype=float)
        if values is not None and discount > 0:
            q += discount * self._check_values(values)[self.successors[s]]
        arr = np.moveaxis(q.reshape((*self.action_shape, self.n_players)), -1, 0)
        return NormalFormGame(arr, player_names=self.players, action_names=self.action_names())

    def _state_arg(self, state: State | int) -> int:
        if isinstance(state, State):
            return self.index_of(state)
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            if not 0 <= int(state) < self.n_states:
                raise ParameterError(
                    f"`state` index must be in [0, {self.n_states}); got {state!r}."
                )
            return int(state)
        raise ParameterError(f"`state` must be a State or a grid index; got {state!r}.")


# ---------------------------------------------------------------------------
# The operator: pure equilibria of every state's stage game, then selection
# ---------------------------------------------------------------------------
@dataclass
class _Step:
    policy: IntArray  # (S,) joint profile index (the mode where mixed)
    values: FloatArray  # (S, N)
    n_pure: NDArray[np.int32]  # (S,)
    mixed: dict[int, FloatArray]  # state -> joint distribution (A,)


def _select(
    ok: NDArray[np.bool_], total: FloatArray, nonhold: IntArray, selection: str
) -> IntArray:
    """Index of the selected profile per row of ``ok`` (rows without one: -1)."""
    big = np.iinfo(np.int64).max
    if selection == "payoff-dominant":
        t = np.where(ok, total, -np.inf)
        best = t.max(axis=1, keepdims=True)
        scale = 1e-12 * (1.0 + np.abs(best))
        cand = ok & (t >= best - scale)
        nh = np.where(cand, nonhold[None, :], big)
        cand &= nh == nh.min(axis=1, keepdims=True)
    else:  # status-quo (and the pure part of qre)
        nh = np.where(ok, nonhold[None, :], big)
        cand = ok & (nh == nh.min(axis=1, keepdims=True))
        t = np.where(cand, total, -np.inf)
        cand &= t == t.max(axis=1, keepdims=True)
    pick = np.argmax(cand, axis=1).astype(np.int64)
    pick[~ok.any(axis=1)] = -1
    return pick


def _qre_joint(q: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Joint distribution (A,) of the logit-QRE limit of the stage game ``q`` (A, N)."""
    from .qre import qre_select

    arr = np.moveaxis(q.reshape((*shape, q.shape[-1])), -1, 0).astype(float)
    flat = arr.reshape(arr.shape[0], -1)
    lo = flat.min(axis=1)
    span = flat.max(axis=1) - lo
    span[span <= 0] = 1.0
    arr = (arr - lo.reshape((-1,) + (1,) * len(shape))) / span.reshape((-1,) + (1,) * len(shape))
    sel = qre_select(NormalFormGame(arr), lam_max=1000.0, n_steps=120)
    joint = np.ones(())
    for sigma in sel.profile:
        joint = np.multiply.outer(joint, np.asarray(sigma, dtype=float))
    return np.asarray(joint, dtype=float).reshape(-1)


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


def _ne_tol(lg: LadderGame, discount: float) -> float:
    """Absolute tolerance of the equilibrium check: rounding of Q, not economics."""
    r = lg.rewards
    scale = max(float(r.max()), -float(r.min())) if r.size else 0.0
    return 1e-12 * (1.0 + scale / (1.0 - discount))


def _sweep(lg: LadderGame, V: FloatArray, discount: float, selection: str, ne_tol: float) -> _Step:
    """One application of the Bellman operator with equilibrium selection."""
    S, A, N = lg.n_states, lg.n_profiles, lg.n_players
    shape = lg.action_shape
    nonhold = lg.nonhold
    rewards, succ = lg.rewards, lg.successors
    policy = np.empty(S, dtype=np.int64)
    out = np.empty((S, N))
    n_pure = np.empty(S, dtype=np.int32)
    mixed: dict[int, FloatArray] = {}
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
        pick = _select(ok2, total, nonhold, selection)
        n_pure[lo:hi] = ok2.sum(axis=1)
        special = np.flatnonzero(pick < 0)
        if selection == "qre":
            special = np.flatnonzero((pick < 0) | (n_pure[lo:hi] > 1))
        for c in special:
            joint = _qre_joint(q[c], shape)
            if ok2[c].any():  # several pure equilibria: the one the QRE limit favours
                pick[c] = int(np.argmax(np.where(ok2[c], joint, -1.0)))
            else:
                pick[c] = int(np.argmax(joint))
                mixed[lo + int(c)] = joint
        policy[lo:hi] = pick
        out[lo:hi] = q[np.arange(C), pick]
        for s, joint in mixed.items():
            if lo <= s < hi:
                out[s] = joint @ q[s - lo]
    return _Step(policy, out, n_pure, mixed)


def _evaluate_policy(
    lg: LadderGame,
    step: _Step,
    discount: float,
    tol: float,
    V0: FloatArray,
    max_inner: int = 100_000,
) -> FloatArray:
    """Value of following ``step``'s policy forever (to ``tol``), by iteration."""
    if discount == 0:
        return step.values
    S = lg.n_states
    rows = np.arange(S)
    r = lg.rewards[rows, step.policy].astype(float)
    nxt = np.asarray(lg.successors[rows, step.policy], dtype=np.int64)
    mixed = [(s, j, lg.rewards[s].astype(float), lg.successors[s]) for s, j in step.mixed.items()]
    for s, j, rs, _ in mixed:
        r[s] = j @ rs
    V = np.array(V0, dtype=float)
    stop = tol * (1.0 - discount) * 0.01
    for _ in range(max_inner):
        new = r + discount * V[nxt]
        for s, j, _, ss in mixed:
            new[s] = r[s] + discount * (j @ V[ss])
        delta = float(np.abs(new - V).max())
        V = new
        if delta <= stop:
            break
    return V


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
    >>> from tariffsim.equilibrium import dynamic
    >>> lg = dynamic.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    >>> pol, v = dynamic.bellman(lg, np.zeros((lg.n_states, 2)), 0.9)
    >>> pol.shape, v.shape
    ((49,), (49, 2))
    """
    if not isinstance(lgame, LadderGame):
        raise ParameterError(f"`lgame` must be a LadderGame; got {type(lgame).__name__}.")
    discount = _check_discount(discount)
    selection = _check_selection(selection)  # type: ignore[assignment]
    step = _sweep(lgame, lgame._check_values(values), discount, selection, _ne_tol(lgame, discount))
    return step.policy, step.values


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
def _policy_moves(lg: LadderGame, policy: IntArray) -> IntArray:
    return np.asarray(lg.profile_moves[policy], dtype=np.int64)


def _player_actions(lg: LadderGame, policy: IntArray) -> IntArray:
    return np.stack(np.unravel_index(policy, lg.action_shape), axis=-1).astype(np.int64)


def _equilibrium_path(
    lg: LadderGame,
    policies: Sequence[IntArray],
    start: State | None,
    meta: Mapping[str, Any],
) -> Path:
    w = lg.game.world
    s0 = lg.base if start is None else start
    idx = lg.index_of(s0)
    state = lg.state(idx)
    states = [state]
    mats = [np.zeros((w.n, w.n), dtype=np.int64)]
    moves_table = lg.profile_moves
    for pol in policies:
        mv = moves_table[pol[idx]]
        moves = {d: int(m) for d, m in zip(lg.dyads, mv, strict=True)}
        state = apply_moves(w, state, moves)
        mat = np.zeros((w.n, w.n), dtype=np.int64)
        for (a, b), m in moves.items():
            mat[w.index(a), w.index(b)] = m
        states.append(state)
        mats.append(mat)
        idx = lg.index_of(state)
    return path_from_states(lg.game, states, mats, meta=meta)


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
        The selected move (-1, 0, +1) on every dyad of :attr:`LadderGame.dyads`.
    n_pure : ndarray of int, shape (S,)
        Number of pure equilibria of each state's stage game at the solution.
    mixed : ndarray of bool, shape (S,)
        States whose stage game has no pure equilibrium (logit-QRE profile).
    converged : bool
        The Bellman residual is at most ``tol``.
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
    >>> from tariffsim.equilibrium import dynamic
    >>> r = dynamic.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
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
        >>> from tariffsim.equilibrium import dynamic
        >>> r = dynamic.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> sorted(r.move_at(0))
        [('CN', 'US'), ('US', 'CN')]
        """
        s = self.lgame._state_arg(state)
        return {d: int(m) for d, m in zip(self.lgame.dyads, self.moves[s], strict=True)}

    def bellman_residual(self) -> float:
        """``max |r_pi + discount V[s'] - V|`` for the stored policy and values.

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> r = dynamic.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
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

    def path(self, start: State | None = None, rounds: int = 30) -> Path:
        """The equilibrium path from ``start``, as a :class:`~tariffsim.path.Path`.

        Parameters
        ----------
        start : State, optional
            Start state; its active dyads' levels must be on their ladders.
            Default: the game's initial state.
        rounds : int, default 30

        Returns
        -------
        Path
            Dates from the game's calendar; ``meta["kind"] == "equilibrium"``.
            Payoffs are the model's, with the full history (see the module
            notes). At a mixed state the most likely profile is played.

        Raises
        ------
        ParameterError
            If ``start`` is off the grid (the message names the dyad).

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> r = dynamic.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> p = r.path(rounds=5)
        >>> len(p), p.meta["kind"]
        (6, 'equilibrium')
        """
        rounds = _check_pos_int(rounds, "rounds")
        meta = {
            "kind": "equilibrium",
            "solver": "markov_perfect",
            "scenario": self.lgame.game.name,
            "discount": self.discount,
            "selection": self.selection,
            "converged": self.converged,
        }
        return _equilibrium_path(self.lgame, [self.profile] * rounds, start, meta)

    def plot_policy(self, ax: Axes | None = None, dyads: Sequence[Dyad] | None = None) -> Axes:
        """Policy map over two dyads' levels (:func:`~tariffsim.equilibrium.plots.plot_policy`)."""
        from .plots import plot_policy

        return plot_policy(self, dyads=dyads, ax=ax)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per state: levels (%) and moves per dyad, values, mixed or pure.

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> r = dynamic.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9)
        >>> r.rows()[0]
        {'state': 0, 'US->CN %': 0.0, 'CN->US %': 0.0, 'US->CN move': 0, 'CN->US move': 0,
         'US value': 0.0, 'CN value': 0.0, 'mixed': False}
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
            f"discount {self.discount:g}; {self.lgame.n_states} states "
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

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic
    >>> g = ts.load_scenario("us-china-145").game
    >>> r = dynamic.backward_induction(dynamic.LadderGame.from_game(g), 3, 0.9)
    >>> r.values.shape
    (4, 49, 2)
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

    def path(self, start: State | None = None) -> Path:
        """The equilibrium path over the ``horizon`` rounds from ``start``.

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> g = ts.load_scenario("us-china-145").game
        >>> r = dynamic.backward_induction(dynamic.LadderGame.from_game(g), 3, 0.9)
        >>> len(r.path())
        4
        """
        meta = {
            "kind": "equilibrium",
            "solver": "backward_induction",
            "scenario": self.lgame.game.name,
            "discount": self.discount,
            "selection": self.selection,
            "horizon": self.horizon,
        }
        return _equilibrium_path(self.lgame, list(self.profile), start, meta)

    def rows(self, at_round: int = 0) -> list[dict[str, Any]]:
        """One dict per state in round ``at_round`` (levels, moves, values, mixed).

        Examples
        --------
        >>> from tariffsim.equilibrium import dynamic
        >>> g = ts.load_scenario("us-china-145").game
        >>> r = dynamic.backward_induction(dynamic.LadderGame.from_game(g), 3, 0.9)
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
            f"<SPEResult {self.lgame.game.name}: exact (backward induction), horizon "
            f"{self.horizon}; selection {self.selection}, discount {self.discount:g}; "
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
                    ("converged", "exact (backward induction)"),
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
        raise ImportError(f"{what} needs pandas: pip install 'tariffsim[pandas]'") from None
    return pd.DataFrame(rows).set_index(index)


# ---------------------------------------------------------------------------
# Solvers
# ---------------------------------------------------------------------------
def _as_lgame(game_or_lgame: Any) -> LadderGame:
    if isinstance(game_or_lgame, LadderGame):
        return game_or_lgame
    if isinstance(game_or_lgame, Game):
        return LadderGame.from_game(game_or_lgame)
    raise ParameterError(
        f"`game` must be a Game or a LadderGame; got {type(game_or_lgame).__name__}."
    )


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
    tol: float = 1e-8,
    max_iter: int = 1000,
    accelerate: bool = True,
    initial_values: Any = None,
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
    tol : float, default 1e-8
        Stop when ``max |T V - V| <= tol`` (payoff units, % of GDP).
    max_iter : int, default 1000
        Most sweeps of the operator.
    accelerate : bool, default True
        Evaluate each new policy exactly before the next sweep (modified
        policy iteration). False: plain value iteration ``V <- T V``.
    initial_values : array_like, shape (S, N), optional
        Starting values; default zero.

    Returns
    -------
    MPEResult
        With ``converged``, ``iterations``, ``residual`` and ``message``.

    Raises
    ------
    ParameterError
        If an argument is invalid (the message names it).

    Warns
    -----
    ConvergenceWarning
        If the residual is above ``tol`` after ``max_iter`` sweeps (the result
        says ``converged=False``).

    Notes
    -----
    A cycle (a selected policy that comes back, with different policies in
    between, before convergence) is flagged in ``cycle_detected``; in the
    accelerated mode the solver then continues with plain value iteration.

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic
    >>> g = ts.load_scenario("us-china-145").game
    >>> r = dynamic.markov_perfect(g, discount=0.9)
    >>> r.converged, r.residual <= 1e-8
    (True, True)
    >>> r.move_at(ts.State.zeros(10))
    {('US', 'CN'): 0, ('CN', 'US'): 0}
    """
    discount = _check_discount(discount)
    selection = _check_selection(selection)  # type: ignore[assignment]
    tol = _check_tol(tol)
    max_iter = _check_pos_int(max_iter, "max_iter")
    lg = _as_lgame(game)
    S, N = lg.n_states, lg.n_players
    V = np.zeros((S, N)) if initial_values is None else lg._check_values(initial_values).copy()
    seen: dict[bytes, int] = {}
    history: list[bytes] = []
    cycle = False
    fast = accelerate
    converged = False
    residual = math.inf
    it = 0
    ne_tol = _ne_tol(lg, discount)
    step = _sweep(lg, V, discount, selection, ne_tol)
    for it in range(1, max_iter + 1):
        if it > 1:
            step = _sweep(lg, V, discount, selection, ne_tol)
        residual = float(np.abs(step.values - V).max())
        if residual <= tol:
            converged = True
            break
        if it == max_iter:
            break
        key = _policy_key(step)
        if fast and key in seen and seen[key] != it - 1:
            cycle = True
            fast = False
        seen[key] = it
        history.append(key)
        V = _evaluate_policy(lg, step, discount, tol, V) if fast else step.values
    if not converged and not cycle and len(history) >= 3:
        last = history[-1]
        earlier = [k for k, h in enumerate(history[:-1]) if h == last]
        if earlier and any(h != last for h in history[earlier[-1] :]):
            cycle = True
    if converged:
        message = f"converged in {it} sweeps (residual {residual:.3g} <= tol {tol:g})"
        if cycle:
            message += "; a policy cycle was met and left by plain value iteration"
    else:
        message = f"not converged after {it} sweeps: residual {residual:.3g} > tol {tol:g}"
        if cycle:
            message += "; the selected policy cycles"
    n_mixed = len(step.mixed)
    if n_mixed:
        message += f"; {n_mixed} state(s) without a pure equilibrium use a logit-QRE profile"
    if not converged:
        warnings.warn(f"markov_perfect: {message}.", ConvergenceWarning, stacklevel=2)
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

    Returns
    -------
    SPEResult

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic
    >>> lg = dynamic.LadderGame.from_game(ts.load_scenario("us-china-145").game)
    >>> r = dynamic.backward_induction(lg, horizon=4, discount=0.9)
    >>> r.profile.shape, bool(np.all(r.values[-1] == 0))
    ((4, 49), True)
    """
    horizon = _check_pos_int(horizon, "horizon")
    discount = _check_discount(discount)
    selection = _check_selection(selection)  # type: ignore[assignment]
    lg = _as_lgame(lgame)
    S, N = lg.n_states, lg.n_players
    values = np.zeros((horizon + 1, S, N))
    profile = np.zeros((horizon, S), dtype=np.int64)
    mixed = np.zeros((horizon, S), dtype=bool)
    ne_tol = _ne_tol(lg, discount)
    for k in range(horizon - 1, -1, -1):
        step = _sweep(lg, values[k + 1], discount, selection, ne_tol)
        values[k] = step.values
        profile[k] = step.policy
        mixed[k, list(step.mixed)] = True
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
    )


# ---------------------------------------------------------------------------
# The one-round game of a Game at any state
# ---------------------------------------------------------------------------
def stage_game(game: Game, state: State | None = None) -> NormalFormGame:
    """The one-round normal-form game of ``game`` at ``state``, scored by the true model.

    Players are the game's agents; each action is a move on each of the
    agent's dyads (``3**k`` actions for ``k`` dyads); a profile's payoff is
    ``game.model.payoff(apply_moves(state, profile), prev=state)``, so the
    state's own ``moved`` field (the last round's moves) counts for resolve.
    ``Game.stage_game(state)`` calls this.

    Parameters
    ----------
    game : Game
    state : State, optional
        Default: the game's initial state (free trade if none).

    Returns
    -------
    NormalFormGame

    Raises
    ------
    ParameterError
        If the game has no agents with dyads or ``state`` has the wrong size.

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic, pure_nash
    >>> g = ts.load_scenario("us-china-145").game
    >>> s = ts.State.zeros(10).with_tariff(g.world, "US", "CN", 0.54)
    >>> nfg = dynamic.stage_game(g, s)
    >>> nfg.player_names, nfg.shape
    (('US', 'CN'), (3, 3))
    """
    if not isinstance(game, Game):
        raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
    w = game.world
    state = (game.initial or State.zeros(w.n)) if state is None else state
    if not isinstance(state, State) or state.n != w.n:
        raise ParameterError(f"`state` must be a State of {w.n} countries; got {state!r}.")
    players: list[str] = []
    dyads: list[tuple[Dyad, ...]] = []
    for agent in game.agents:
        ds = targets_of(w, agent.code, agent.targets)
        if ds:
            players.append(agent.code)
            dyads.append(ds)
    if not players:
        raise ParameterError("`game` has no agent with a tariff dyad to move.")
    per = [_action_moves(len(ds)) for ds in dyads]
    shape = tuple(len(m) for m in per)
    nexts = []
    for prof in itertools.product(*(range(a) for a in shape)):
        moves: dict[Dyad, int] = {}
        for p, act in enumerate(prof):
            for d, m in zip(dyads[p], per[p][act], strict=True):
                moves[d] = int(m)
        nexts.append(apply_moves(w, state, moves).replace(shock=state.shock))
    pay = game.model.payoff(StateBatch.stack(nexts), prev=state)
    cols = [w.index(p) for p in players]
    arr = np.moveaxis(np.asarray(pay)[:, cols].reshape((*shape, len(players))), -1, 0)
    names = [
        tuple(_action_name([d[1] for d in ds], m) for m in mv)
        for ds, mv in zip(dyads, per, strict=True)
    ]
    return NormalFormGame(arr, player_names=players, action_names=names)


# ---------------------------------------------------------------------------
# Repeated-game facts of a dyad
# ---------------------------------------------------------------------------
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
        Per country, the smallest discount at which grim trigger keeps it
        low: ``(T - R) / (T - P)`` (0 without temptation; ``nan`` when
        ``R <= P``: the threat does not bind).
    threshold : float
        The larger of the two: low tariffs are sustained by grim trigger for
        discounts at or above it (``nan`` if either country's is ``nan``).

    Examples
    --------
    >>> from tariffsim.equilibrium import dynamic
    >>> f = dynamic.dyad_facts(ts.load_scenario("us-china-145").game)
    >>> sorted(f.payoffs), 0 <= f.threshold < 1
    (['CN', 'US'], True)
    """

    a: str
    b: str
    low: float
    high: float
    payoffs: Mapping[str, DyadPayoffs]
    critical: Mapping[str, float]
    threshold: float


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
        Tariff levels, ``0 <= low < high``.

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
    >>> from tariffsim.equilibrium import dynamic
    >>> f = dynamic.dyad_facts(ts.load_scenario("us-china-145").game, "US", "CN", 0.1, 1.45)
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
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
            raise ParameterError(f"`{name}` must be a finite tariff >= 0; got {v!r}.")
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
    crit: dict[str, float] = {}
    for code, p in out.items():
        try:
            crit[code] = critical_discount(p.T, p.R, p.P)
        except ParameterError:
            crit[code] = math.nan
    return DyadFacts(
        a=a,
        b=b,
        low=float(low),
        high=float(high),
        payoffs=out,
        critical=crit,
        threshold=math.nan if any(math.isnan(c) for c in crit.values()) else max(crit.values()),
    )


# ---------------------------------------------------------------------------
# CLI support
# ---------------------------------------------------------------------------
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
    >>> from tariffsim.equilibrium import dynamic
    >>> r, p = dynamic.equilibrium_path_for("us-china-145", discount=0.9, rounds=4)
    >>> r.converged, len(p)
    (True, 5)
    """
    from ..scenario import load_scenario

    discount = _check_discount(discount)
    rounds = _check_pos_int(rounds, "rounds")
    selection = _check_selection(selection)  # type: ignore[assignment]
    game = load_scenario(name).game
    result = markov_perfect(game, discount=discount, selection=selection)
    path = result.path(rounds=rounds)
    return result, dataclasses.replace(path, meta={**path.meta, "scenario": name})
