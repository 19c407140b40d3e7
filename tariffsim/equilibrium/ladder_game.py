r"""The dynamic escalation game: ladder states, actions, transitions and rewards.

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
  :func:`~tariffsim.world.apply_moves`: an escalation steps over a truce rung
  (``Ladder.down_only``, reached only on the way down), as the engine's does.
  With ``moves="jump"`` (a game whose
  ``moves`` is ``"jump"``) an action instead names a target rung on each of
  its dyads, any rung in one round, so a player whose dyads have ``L_1, ...,
  L_k`` rungs has ``L_1 * ... * L_k`` actions; the successor of a profile is
  then the same from every state (on a ladder with truce rungs, a jump up is
  taken rung by rung and steps over them, so it may end above a truce rung it
  targets: :meth:`LadderGame.advance`), and "hold" is the action whose targets are
  today's rungs;
* the **reward** of player ``i`` for action profile ``a`` at state ``s`` is
  the *true* payoff ``game.model.payoff(s', prev=s)`` of the successor state
  ``s'`` reached from ``s`` — face and resolve costs of the transition count.

The Markov state carries levels only: the previous round's moves are taken as
zero when the model scores a transition, so the "escalation left unanswered"
part of the resolve cost (which needs the move of the round before) is not in
the rewards, and the peak of a dyad is taken as the higher of its two levels.
Equilibrium paths (:meth:`~tariffsim.equilibrium.MPEResult.path`) are scored
with the full model. The solvers are in :mod:`tariffsim.equilibrium.markov`.
"""

from __future__ import annotations

import functools
import math
import numbers
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import limits
from .._util import one_of, real_array, short_repr
from ..agents import targets_of
from ..errors import CostWarning, ParameterError, UnknownNameError
from ..game import Game
from ..world import Ladder, Move, State, StateBatch, apply_moves
from ._validate import check_discount, check_int, check_int_vector
from .normal_form import MAX_PAYOFF, NormalFormGame

__all__ = ["LadderGame"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Dyad = tuple[str, str]

COST_WARN_SECONDS = 60.0
"""Estimated seconds above which building a ladder game, a sweep of
:func:`~tariffsim.equilibrium.markov_perfect` or all rounds of
:func:`~tariffsim.equilibrium.backward_induction` warn before they start."""

_SECONDS_PER_EVAL = 3e-6
"""Rough seconds per model evaluation of a ladder game's build (one state and profile:
3,600 states × 3,600 jump profiles took 47 s on one core; an order of magnitude)."""

#: Transitions per block when the model is evaluated (bounds memory).
_EVAL_CHUNK = 8192
#: Transitions per block in a value-iteration sweep.
_SWEEP_CHUNK = 1 << 19
_SYM = {-1: "-", 0: "0", 1: "+"}


class _TimeUp(Exception):
    """A solver's deadline (``time.monotonic()``) passed; its caller says which limit."""


def _on_time(deadline: float | None) -> None:
    """Raise :class:`_TimeUp` if ``deadline`` has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise _TimeUp


def _ro(a: Any) -> Any:
    a = np.asarray(a)
    a.flags.writeable = False
    return a


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
    moves : {"step", "jump"}
        ``"step"``: an action moves each own dyad one rung (-1, 0, +1);
        ``"jump"``: an action sets each own dyad to any rung of its ladder.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
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
    moves: str = "step"

    def __post_init__(self) -> None:
        """``rewards`` and ``successors`` given to the constructor (as by
        ``dataclasses.replace``): checked against the game's shape, and kept as read-only
        copies, so that the caller's array cannot change the game after it is made.
        (:meth:`from_game` builds them itself.)"""
        try:  # (a list, say: made an array here, checked below)
            rewards = np.array(self.rewards, copy=True)
            succ = np.array(self.successors, copy=True)
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(
                "`rewards` and `successors` must be numeric arrays; got "
                f"{short_repr(self.rewards)} and {short_repr(self.successors)}."
            ) from None
        if rewards.size == 0 and succ.size == 0:
            return  # (from_game's placeholders, replaced once the tables are built)
        S, A, N = self.n_states, self.n_profiles, self.n_players
        if rewards.dtype.kind != "f" or rewards.shape != (S, A, N):
            raise ParameterError(
                f"`rewards` must be floats of shape (states, profiles, players) = "
                f"{(S, A, N)}; got {rewards.dtype} of shape {rewards.shape}."
            )
        bad = ~(np.abs(rewards) <= MAX_PAYOFF)  # (NaN too)
        if bad.any():
            far = rewards[bad].flat[0]
            raise ParameterError(
                f"`rewards` must be finite and at most {MAX_PAYOFF:.4g} in absolute value (as "
                f"payoffs are); got {float(far)!r}."
            )
        if succ.dtype.kind not in "iu" or succ.shape != (S, A):
            raise ParameterError(
                f"`successors` must be integers of shape (states, profiles) = {(S, A)}; got "
                f"{succ.dtype} of shape {succ.shape}."
            )
        if succ.size and (succ.min() < 0 or succ.max() >= S):
            raise ParameterError(f"`successors` must be states in [0, {S}).")
        object.__setattr__(self, "rewards", _ro(rewards))
        object.__setattr__(self, "successors", _ro(succ))

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_game(
        cls,
        game: Game,
        dyads: Sequence[Dyad] | None = None,
        *,
        method: Literal["auto", "exact", "decomposed"] = "auto",
        dtype: Any = np.float64,
        moves: Literal["step", "jump"] | None = None,
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
        moves : {"step", "jump"}, optional
            Action sets: one rung per round, or any rung in one round. Default:
            the game's own ``moves``. Jump games are always scored exactly
            (every transition is a model call).

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
        >>> from tariffsim import equilibrium as eq
        >>> g = ts.load_scenario("us-china-145").game
        >>> lg = eq.LadderGame.from_game(g, dyads=[("US", "CN")])
        >>> lg.players, lg.n_states
        (('US',), 7)
        """
        return cls._build(game, dyads, method=method, dtype=dtype, moves=moves, deadline=None)

    @classmethod
    def _build(
        cls,
        game: Game,
        dyads: Sequence[Dyad] | None,
        *,
        method: Literal["auto", "exact", "decomposed"],
        dtype: Any,
        moves: Literal["step", "jump"] | None,
        deadline: float | None,
    ) -> LadderGame:
        """:meth:`from_game`, stopped by :class:`_TimeUp` once ``deadline`` (monotonic) passes
        (checked between blocks of model evaluations)."""
        if not isinstance(game, Game):
            raise ParameterError(f"`game` must be a tariffsim Game; got {type(game).__name__}.")
        if not one_of(method, ("auto", "exact", "decomposed")):
            raise ParameterError(
                f"`method` must be one of 'auto', 'exact', 'decomposed'; got {method!r}."
            )
        if moves is None:
            moves = game.moves  # type: ignore[assignment]
        if not one_of(moves, ("step", "jump")):
            raise ParameterError(f"`moves` must be one of 'step', 'jump'; got {moves!r}.")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            dt = np.dtype(object)  # not a dtype: refused below
        if dt.kind != "f":
            raise ParameterError(f"`dtype` must be a float dtype; got {short_repr(dtype)}.")
        w = game.world
        owned: dict[Dyad, str] = {}
        for agent in game.agents:
            for d in targets_of(w, agent.code, agent.targets):
                owned[d] = agent.code
        if dyads is None:
            chosen = list(owned)
        else:
            chosen = []
            try:  # any iterable of pairs: a list, an array of pairs, dict keys, a generator
                items = [] if isinstance(dyads, str | bytes) else list(dyads)
            except TypeError:
                items = []
            if not items:
                raise ParameterError(
                    f"`dyads` must be (importer, exporter) pairs; got {short_repr(dyads)}."
                )
            for d in items:
                try:
                    a, b = d
                except (TypeError, ValueError):
                    a = b = None  # type: ignore[assignment]
                if not (isinstance(a, str) and isinstance(b, str)):
                    raise ParameterError(
                        f"`dyads` must hold (importer, exporter) pairs of codes; got "
                        f"{short_repr(d)}."
                    )
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
            moves=str(moves),
        )
        S, A, N = lg.n_states, lg.n_profiles, lg.n_players
        # the successor table and the rewards, checked before they are made (a 256-rung
        # ladder pair with jumps asks for 16 GB of successors alone)
        size = f"the ladder game ({S} states × {A} profiles × {N} players), bytes"
        limits.check("max_result_bytes", S * A * (8 + N * dt.itemsize), size)
        n_dec = S + 2 * lg._pair_configs() + 256  # model evaluations, decomposed
        use_dec = lg.moves == "step" and (
            method == "decomposed" or (method == "auto" and n_dec < S * A)
        )
        evals = n_dec if use_dec else S * A
        if deadline is None and evals * _SECONDS_PER_EVAL > COST_WARN_SECONDS:
            warnings.warn(
                f"LadderGame: an expensive build: {evals:,} model evaluations ({S} states × "
                f"{A} profiles), some {evals * _SECONDS_PER_EVAL:.2g} s; the solvers' "
                "max_seconds= bounds it",
                CostWarning,
                stacklevel=3,
            )
        succ = lg._successor_table()
        rewards: NDArray[Any] | None = None
        used = "exact"
        if use_dec:
            rewards = lg._rewards_decomposed(succ, dt, deadline)
            used = "decomposed"
            if not lg._check_sample(rewards, succ):
                rewards = None
                used = "exact (decomposition check failed)"
        if rewards is None:
            rewards = lg._rewards_exact(succ, dt, deadline)
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
        """Number of actions of each player (``3**k`` for ``k`` dyads; with jumps the
        product of its dyads' numbers of rungs)."""
        if self.moves == "jump":
            dims = self.dims
            return tuple(math.prod(dims[k] for k in ds) for ds in self.player_dyads)
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
        """Move on every dyad under every joint profile, shape ``(A, D)``.

        With jumps an action is a target rung, not a move: this is then
        :attr:`profile_targets` (use :meth:`moves_at` for the rungs moved).
        """
        if self.moves == "jump":
            return self.profile_targets
        joint = np.indices(self.action_shape).reshape(self.n_players, -1).T
        out = np.zeros((self.n_profiles, len(self.dyads)), dtype=np.int64)
        for p, ds in enumerate(self.player_dyads):
            out[:, list(ds)] = _action_moves(len(ds))[joint[:, p]]
        return out

    @property
    def profile_targets(self) -> IntArray:
        """Target rung on every dyad under every joint profile, shape ``(A, D)`` (jumps).

        Raises
        ------
        ParameterError
            For a step game (its actions are moves, not targets).
        """
        if self.moves != "jump":
            raise ParameterError("`profile_targets` exists only for moves='jump' ladder games.")
        joint = np.indices(self.action_shape).reshape(self.n_players, -1).T
        out = np.zeros((self.n_profiles, len(self.dyads)), dtype=np.int64)
        dims = self.dims
        for p, ds in enumerate(self.player_dyads):
            sub = np.indices(tuple(dims[k] for k in ds)).reshape(len(ds), -1).T
            out[:, list(ds)] = sub[joint[:, p]]
        return out

    def moves_at(self, states: Any, profiles: Any) -> IntArray:
        """Rungs moved on every dyad (signed) by ``profiles`` at ``states``.

        Parameters
        ----------
        states, profiles : array_like of int
            Grid state and joint profile indices (broadcast together).

        Returns
        -------
        ndarray of int, shape ``broadcast(states, profiles).shape + (D,)``
            For step games the nominal move (-1, 0, +1, even at a ladder's end);
            with jumps the target rung minus today's rung.
        """
        s = check_int_vector(np.ravel(states), "states").reshape(np.shape(states))
        a = check_int_vector(np.ravel(profiles), "profiles").reshape(np.shape(profiles))
        if s.size and int(s.max()) >= self.n_states:
            raise ParameterError(f"`states` must be in [0, {self.n_states}); got {int(s.max())}.")
        if a.size and int(a.max()) >= self.n_profiles:
            raise ParameterError(
                f"`profiles` must be in [0, {self.n_profiles}); got {int(a.max())}."
            )
        if self.moves != "jump":
            return np.asarray(self.profile_moves[a], dtype=np.int64) + 0 * s[..., None]
        grid = self.grid
        return np.asarray(self.profile_targets[a] - grid[s], dtype=np.int64)

    @property
    def nonhold(self) -> IntArray:
        """Number of non-hold moves in each joint profile, shape ``(A,)``.

        With jumps whether a profile holds depends on the state: this is then
        the number of dyads whose target is not the bottom rung (see
        :meth:`nonhold_at`).
        """
        return np.count_nonzero(self.profile_moves, axis=1).astype(np.int64)

    def advance(self, state: State, profile: int, hold: Any = ()) -> tuple[State, dict[Dyad, int]]:
        """The state after joint profile ``profile`` at ``state`` (the full model's state).

        Steps move one rung (:func:`~tariffsim.world.apply_moves`); jumps move
        as many rungs as it takes to reach each target, layer by layer as the
        engine does, with ``moved`` the whole change. Dyads in ``hold`` hold.

        Returns
        -------
        (State, dict of (str, str) to int)
            The next state and the rungs moved on every dyad.
        """
        s = self.index_of(state)
        mv = self.moves_at(s, check_int(profile, "profile", 0, self.n_profiles - 1))
        moves = {d: (0 if d in hold else int(m)) for d, m in zip(self.dyads, mv, strict=True)}
        w = self.game.world
        if self.moves != "jump":
            return apply_moves(w, state, moves), moves
        nxt = state
        for k in range(max((abs(m) for m in moves.values()), default=0)):
            nxt = apply_moves(w, nxt, {d: int(np.sign(m)) for d, m in moves.items() if abs(m) > k})
        return nxt._with(moved=nxt.tariff - state.tariff), moves

    def nonhold_at(self, lo: int, hi: int) -> NDArray[np.integer[Any]]:
        """Number of dyads each profile moves at states ``lo:hi``, shape ``(hi - lo, A)``
        (for step games the same row for every state)."""
        if self.moves != "jump":
            return np.broadcast_to(self.nonhold, (hi - lo, self.n_profiles))
        return self._jump_nonhold[lo:hi]

    @functools.cached_property
    def _jump_nonhold(self) -> NDArray[np.int16]:
        grid = self.grid
        tgt = self.profile_targets
        out = np.zeros((self.n_states, self.n_profiles), dtype=np.int16)
        for d in range(len(self.dyads)):
            out += tgt[None, :, d] != grid[:, None, d]
        return out

    def player_index(self, code: str) -> int:
        """Position of player ``code`` in :attr:`players`."""
        if code not in self.players:
            raise UnknownNameError(f"unknown player {code!r}; players: {', '.join(self.players)}.")
        return self.players.index(code)

    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Readable name of every action of every player (with jumps: the target
        rates, e.g. ``"CN 30%"``)."""
        out = []
        if self.moves == "jump":
            dims = self.dims
            for ds in self.player_dyads:
                sub = np.indices(tuple(dims[k] for k in ds)).reshape(len(ds), -1).T
                names = []
                for row in sub:
                    names.append(
                        " ".join(
                            f"{self.dyads[k][1]} {100 * self.ladders[k].levels[int(r)]:g}%"
                            for k, r in zip(ds, row, strict=True)
                        )
                    )
                out.append(tuple(names))
            return tuple(out)
        for ds in self.player_dyads:
            targets = [self.dyads[k][1] for k in ds]
            out.append(tuple(_action_name(targets, m) for m in _action_moves(len(ds))))
        return tuple(out)

    # -- states ---------------------------------------------------------------------
    def levels(self, index: int) -> tuple[float, ...]:
        """Tariff level of every active dyad at state ``index`` (an int in ``[0, S)``)."""
        index = check_int(index, "index", 0, self.n_states - 1)
        idx = np.unravel_index(index, self.dims)
        return tuple(lad.levels[int(k)] for lad, k in zip(self.ladders, idx, strict=True))

    def state(self, index: int) -> State:
        """The :class:`~tariffsim.world.State` of grid state ``index``.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
        >>> float(lg.state(lg.n_states - 1).tariff[0, 1])
        1.45
        """
        index = check_int(index, "index", 0, self.n_states - 1)  # not 1.5, not "a"
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
            the dyad), or a tariff outside the active dyads or an export control
            differs from :attr:`base` (the equilibrium was computed with it fixed).
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
        ctl = ~np.isclose(state.control, self.base.control, atol=1e-9)
        if ctl.any():  # (held at the game's initial controls: a path would drop the state's)
            i, j = np.argwhere(ctl)[0]
            raise ParameterError(
                f"state.control[{w.codes[i]}, {w.codes[j]}]: the ladder game holds export "
                f"controls at its game's initial ones ({float(self.base.control[i, j])!r} "
                f"here); got {float(state.control[i, j])!r}. Solve the game from this state: "
                "game.replace(initial=state)."
            )
        return int(np.ravel_multi_index(tuple(idx), self.dims))

    # -- the precomputation -----------------------------------------------------------
    def _successor_table(self) -> NDArray[Any]:
        """Every state's successor under every joint profile, shape ``(S, A)``: each dyad
        moves as :meth:`advance` moves it, rung by rung along its ladder, an escalation over
        the truce rungs reached only on the way down (``Ladder.down_only``), as the engine
        steps (:meth:`~tariffsim.world.Ladder.step`)."""
        dims = self.dims
        S, A = self.n_states, self.n_profiles
        itype: type[np.signedinteger[Any]] = np.int32 if S < 2**31 else np.int64
        jump = self.moves == "jump"
        grid: NDArray[Any] = self.grid.astype(itype)
        moves: NDArray[Any] = (self.profile_targets if jump else self.profile_moves).astype(itype)
        strides = np.ones(len(dims), dtype=np.int64)
        for k in range(len(dims) - 2, -1, -1):
            strides[k] = strides[k + 1] * dims[k + 1]
        succ = np.zeros((S, A), dtype=itype)
        for d in range(len(dims)):
            at, m = grid[:, d, None], moves[None, :, d]
            if jump and not self.ladders[d].down_only:  # the target, whatever the state today
                nl = np.broadcast_to(m, (S, A)).copy()
            else:
                nl = self._moved(d, at, m - at if jump else m)
            nl *= itype(strides[d])
            succ += nl
        return succ

    def _moved(self, d: int, at: NDArray[Any], rungs: NDArray[Any]) -> NDArray[Any]:
        """Dyad ``d``'s ladder indices after moving ``rungs`` (signed) from ``at`` (broadcast
        together), rung by rung: down to the bottom at most, up over the truce rungs reached
        only on the way down (:func:`_walk`); the one rule of the successors and rewards."""
        lad = self.ladders[d]
        if not lad.down_only:
            return np.clip(at + rungs, 0, len(lad) - 1)
        return _walk(np.asarray(lad._next_up, dtype=np.asarray(at).dtype), at, rungs)

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

    def _rewards_exact(
        self, succ: NDArray[Any], dt: np.dtype[Any], deadline: float | None = None
    ) -> NDArray[Any]:
        S, A = succ.shape
        N = self.n_players
        cols = self._player_cols()
        grid = self.grid
        out = np.empty((S * A, N), dtype=dt)
        flat_succ = succ.reshape(-1)
        for lo in range(0, S * A, _EVAL_CHUNK):
            _on_time(deadline)
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

    def _rewards_decomposed(
        self, succ: NDArray[Any], dt: np.dtype[Any], deadline: float | None = None
    ) -> NDArray[Any]:
        S, A = succ.shape
        N = self.n_players
        cols = self._player_cols()
        grid = self.grid
        D = len(self.dims)
        # state payoffs: each grid state reached from itself (no transition terms)
        F = np.empty((S, N))
        for lo in range(0, S, _EVAL_CHUNK):
            _on_time(deadline)
            hi = min(lo + _EVAL_CHUNK, S)
            t = self._tariffs(grid[lo:hi])
            F[lo:hi] = self._payoff(t, t)[:, cols]
        # transition terms per pair of opposite dyads, the rest holding at rung 0
        moves = self.profile_moves
        tables = []
        for ds in self._pairs():
            _on_time(deadline)
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
                next_idx[:, k] = self._moved(k, p, m)
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
            _on_time(deadline)
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
        discount = check_discount(discount)
        q = np.array(self.rewards, dtype=float)
        if values is not None and discount > 0:
            v = self._check_values(values)
            q += discount * v[self.successors]
        return q

    def _check_values(self, values: Any, name: str = "values") -> FloatArray:
        shape = (self.n_states, self.n_players)
        v = real_array(values, name)  # numbers only: no strings, booleans or complex values
        if v.shape != shape:
            raise ParameterError(f"`{name}` must have shape {shape}; got shape {v.shape}.")
        bad = ~(np.abs(v) <= MAX_PAYOFF)  # (NaN too)
        if bad.any():
            s, i = (int(k) for k in np.argwhere(bad)[0])
            raise ParameterError(
                f"`{name}` must be finite and at most {MAX_PAYOFF:.4g} in absolute value (as "
                f"payoffs are); got {float(v[s, i])!r} at state {s}, player {i} "
                f"({self.players[i]})."
            )
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
        >>> from tariffsim import equilibrium as eq
        >>> lg = eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)
        >>> g = lg.stage_game(ts.State.zeros(10))
        >>> g.shape, g.action_names[0]
        ((3, 3), ('de-escalate', 'hold', 'escalate'))
        """
        discount = check_discount(discount)
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


def _walk(up: NDArray[Any], at: NDArray[Any], rungs: NDArray[Any]) -> NDArray[Any]:
    """Ladder indices after moving ``rungs`` (signed) rung by rung from ``at`` (broadcast
    together): down one rung at a time (stopping at the bottom), up to ``up[k]``, the next
    rung an escalation reaches from rung ``k`` (over truce rungs; the top holds)."""
    idx = np.broadcast_to(at, np.broadcast_shapes(at.shape, rungs.shape)).copy()
    left = np.broadcast_to(rungs, idx.shape).copy()
    while (left != 0).any():
        idx = np.where(left > 0, up[idx], np.where(left < 0, np.maximum(idx - 1, 0), idx))
        left -= np.sign(left)
    return idx
