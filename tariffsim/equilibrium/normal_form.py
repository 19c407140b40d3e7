"""Finite normal-form games with N players.

A :class:`NormalFormGame` stores every player's payoff at every pure action
profile in one read-only float array of shape ``(N, a1, ..., aN)``: entry
``[i, s1, ..., sN]`` is player ``i``'s payoff when player ``j`` plays action
``sj``. All solvers in :mod:`tariffsim.equilibrium` take such a game.

Mixed profiles are sequences with one entry per player: either a pure action
index or a probability vector over that player's actions. The quantity every
equilibrium check uses is the *deviation gain* of player ``i``: the most ``i``
can gain by switching to a pure action while the others keep their strategies.
A profile is an ``tol``-Nash equilibrium when its largest deviation gain (its
*regret*) is at most ``tol``.
"""

from __future__ import annotations

import itertools
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._util import finite_number, real_array, short_repr
from ..errors import MissingExtraError, ParameterError
from ._validate import check_int, check_tol

__all__ = ["MAX_PAYOFF", "NormalFormGame"]


def _name(value: Any, where: str) -> str:
    """A player's or an action's name: a non-empty string without control characters (a
    table row, a profile's key, a string of a Gambit .nfg file). A number or None is
    refused, not made text: ``1`` and ``1.0`` would be two names of the same thing."""
    if not isinstance(value, str) or not value or not value.isprintable():
        raise ParameterError(
            f"`{where}` must be a non-empty name without control characters; got "
            f"{short_repr(value)}."
        )
    return value


MAX_PAYOFF = 2.0**1014
"""Largest payoff magnitude a game may hold (about 1.76e305): a player's range (twice it)
and a sum over up to 63 players (64 times it) are then finite floats."""

FloatArray = NDArray[np.float64]

#: Slack allowed when checking that a mixed strategy sums to one.
_SUM_TOL = 1e-6


def _check_tol(tol: Any, name: str = "tol") -> float:
    """Return `tol` as a float after checking it is finite and > 0."""
    return check_tol(tol, name)


def _check_relative_tol(tol: Any, name: str = "tol") -> float:
    """Return `tol`, a share of each player's payoff range (or a probability), as a float
    after checking it is in (0, 1): at 1 every profile passes (a player gains at most its
    whole range), and solvers that agree below it disagreed there."""
    tol = check_tol(tol, name)
    if tol >= 1:
        raise ParameterError(
            f"`{name}` is a share of each player's payoff range and must be below 1 (at 1 "
            f"every profile is an equilibrium); got {tol!r}."
        )
    return tol


def _check_int(value: Any, name: str, minimum: int = 0) -> int:
    """Return `value` as an int after checking it is an integer >= `minimum`."""
    return check_int(value, name, minimum)


def _vec(p: FloatArray) -> str:
    """``(0.667, 0.333)``: probabilities rounded to 3 digits, exact zeros and ones as integers
    (how the solvers' results show a strategy)."""
    return "(" + ", ".join(f"{round(float(x), 3) + 0.0:g}" for x in p) + ")"


def _equilibria_repr(head: str, equilibria: Any, limit: int = 10) -> str:
    """``<head`` then one line per equilibrium (at most ``limit``) ``>``: ``#1  row (1, 0)
    column (0, 1)`` for two players, ``player 1 (..)  player 2 (..) ...`` for more."""
    lines = [f"<{head}"]
    for k, eq in enumerate(tuple(equilibria)[:limit], 1):
        if len(eq) == 2:
            lines.append(f"  #{k}  row {_vec(eq[0])}  column {_vec(eq[1])}")
        else:
            lines.append(f"  #{k}  " + "  ".join(
                f"player {i + 1} {_vec(p)}" for i, p in enumerate(eq)))  # fmt: skip
    n = len(tuple(equilibria))
    if n > limit:
        lines.append(f"  … and {n - limit} more")
    return "\n".join(lines) + ">"


def _as_game(game: Any, name: str = "game") -> NormalFormGame:
    """Return `game` if it is a :class:`NormalFormGame`, else build one from payoffs."""
    if isinstance(game, NormalFormGame):
        return game
    try:
        return NormalFormGame(game)
    except ParameterError as exc:
        raise ParameterError(
            f"`{name}` must be a NormalFormGame or a sequence of payoff arrays; {exc}"
        ) from None


def _require_players(game: NormalFormGame, n: int, func: str) -> None:
    """Raise unless `game` has exactly `n` players."""
    if game.n_players != n:
        raise ParameterError(
            f"`game` passed to {func} must have {n} players; got {game.n_players} "
            f"(shape {game.shape})."
        )


def _format_number(x: float) -> str:
    """Shortest text for `x` that Gambit reads back exactly."""
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _quote(text: str) -> str:
    """Gambit string literal: double quotes, embedded quotes backslash-escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class NormalFormGame:
    """A finite game in normal (strategic) form.

    Instances are immutable: the payoff array is copied at construction and
    made read-only.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``N >= 1`` arrays, one per player, each of shape ``(a1, ..., aN)`` with
        ``ai >= 1``: ``payoffs[i][s1, ..., sN]`` is player ``i``'s payoff at
        the profile ``(s1, ..., sN)``. An array of shape ``(N, a1, ..., aN)``
        is accepted too. Every value must be finite and at most
        :data:`MAX_PAYOFF` in absolute value.
    player_names : sequence of str, optional
        One distinct name per player; default ``"Player 1"``, ``"Player 2"``, ...
    action_names : sequence of sequence of str, optional
        For each player, one distinct name per action; default ``"0"``, ``"1"``, ...

    Attributes
    ----------
    payoff_array : numpy.ndarray
        Read-only float array of shape ``(N, a1, ..., aN)``.
    player_names : tuple of str
    action_names : tuple of tuple of str

    Raises
    ------
    ParameterError
        If the arrays differ in shape, do not have one axis per player, have an
        empty axis, or hold a non-finite value; or if the names do not match
        the players and actions or repeat one.

    Examples
    --------
    Prisoner's dilemma (action 0 = cooperate, 1 = defect):

    >>> from tariffsim import equilibrium as eq
    >>> A = [[3, 0], [5, 1]]
    >>> g = eq.NormalFormGame.from_bimatrix(A, np.transpose(A))
    >>> g
    NormalFormGame(n_players=2, shape=(2, 2))
    >>> g.payoff((1, 1))
    array([1., 1.])
    >>> g.regret([[0.5, 0.5], [0.5, 0.5]])
    0.75
    """

    __slots__ = ("action_names", "payoff_array", "player_names")

    payoff_array: FloatArray
    player_names: tuple[str, ...]
    action_names: tuple[tuple[str, ...], ...]

    def __init__(
        self,
        payoffs: Sequence[ArrayLike] | ArrayLike,
        *,
        player_names: Sequence[str] | None = None,
        action_names: Sequence[Sequence[str]] | None = None,
    ) -> None:
        if isinstance(payoffs, np.ndarray):
            if payoffs.ndim < 2:
                raise ParameterError(
                    "`payoffs` as one array must have shape (N, a1, ..., aN); "
                    f"got shape {payoffs.shape}."
                )
            items: list[Any] = list(payoffs)
        elif isinstance(payoffs, Sequence) and not isinstance(payoffs, str | bytes):
            items = list(payoffs)
        else:
            raise ParameterError(
                f"`payoffs` must be a sequence of arrays, one per player; got {payoffs!r}."
            )
        n = len(items)
        if n < 1:
            raise ParameterError("`payoffs` must hold at least 1 player's array; got 0.")
        if n > 63:  # the stacked array has a players axis too; numpy allows 64 axes
            raise ParameterError(f"`payoffs` may hold at most 63 players' arrays; got {n}.")
        arrays: list[FloatArray] = []
        for i, item in enumerate(items):
            arr = _payoff_array(item, f"payoffs[{i}]")
            if arr.ndim != n:
                raise ParameterError(
                    f"`payoffs[{i}]` must have one axis per player ({n}); got shape {arr.shape}."
                )
            if i > 0 and arr.shape != arrays[0].shape:
                raise ParameterError(
                    f"`payoffs[{i}]` must have the same shape as `payoffs[0]` "
                    f"{arrays[0].shape}; got shape {arr.shape}."
                )
            if 0 in arr.shape:
                raise ParameterError(
                    f"`payoffs[{i}]` must have at least one action per player; "
                    f"got shape {arr.shape}."
                )
            bad = ~np.isfinite(arr)
            if bad.any():
                where = tuple(int(k) for k in np.argwhere(bad)[0])
                raise ParameterError(
                    f"`payoffs[{i}]` must be finite; got {arr[where]!r} at index {where}."
                )
            big = np.abs(arr) > MAX_PAYOFF
            if big.any():
                where = tuple(int(k) for k in np.argwhere(big)[0])
                raise ParameterError(
                    f"`payoffs[{i}]` must be at most {MAX_PAYOFF:.4g} in absolute value (so "
                    f"that payoff ranges and sums over players are finite); got "
                    f"{arr[where]!r} at index {where}."
                )
            arrays.append(arr)
        stacked = np.stack(arrays)
        stacked.flags.writeable = False
        shape = stacked.shape[1:]

        if player_names is None:
            pnames = tuple(f"Player {i + 1}" for i in range(n))
        else:
            if not _sized(player_names) or len(player_names) != n:
                raise ParameterError(
                    f"`player_names` must hold {n} names; got {short_repr(player_names)}."
                )
            pnames = tuple(_name(p, f"player_names[{k}]") for k, p in enumerate(player_names))
            if len(set(pnames)) != n:
                raise ParameterError(f"`player_names` must be distinct; got {player_names!r}.")
        if action_names is None:
            anames = tuple(tuple(str(k) for k in range(a)) for a in shape)
        else:
            if not _sized(action_names) or len(action_names) != n:
                raise ParameterError(
                    f"`action_names` must hold one list per player ({n}); got "
                    f"{short_repr(action_names)}."
                )
            anames_list = []
            for i, names in enumerate(action_names):
                if not _sized(names) or len(names) != shape[i]:
                    raise ParameterError(
                        f"`action_names[{i}]` must hold {shape[i]} names; got {short_repr(names)}."
                    )
                named = tuple(_name(a, f"action_names[{i}][{k}]") for k, a in enumerate(names))
                if len(set(named)) != len(named):  # (a profile, a table, a .nfg file by name)
                    raise ParameterError(
                        f"`action_names[{i}]` must be distinct; got {short_repr(names)}."
                    )
                anames_list.append(named)
            anames = tuple(anames_list)

        object.__setattr__(self, "payoff_array", stacked)
        object.__setattr__(self, "player_names", pnames)
        object.__setattr__(self, "action_names", anames)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"NormalFormGame is immutable; cannot set {name!r}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"NormalFormGame is immutable; cannot delete {name!r}.")

    # ------------------------------------------------------------------ basics
    @property
    def n_players(self) -> int:
        """Number of players ``N``."""
        return int(self.payoff_array.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of actions of each player, ``(a1, ..., aN)``."""
        return tuple(int(a) for a in self.payoff_array.shape[1:])

    @property
    def payoffs(self) -> tuple[FloatArray, ...]:
        """Per-player read-only payoff arrays, each of shape :attr:`shape`."""
        return tuple(self.payoff_array)

    def __repr__(self) -> str:
        return f"NormalFormGame(n_players={self.n_players}, shape={self.shape})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """The payoffs of a small game, a line per profile (IPython, hypothesis' failing
        examples); the one-line :func:`repr` beyond 64 profiles."""
        profiles = int(np.prod(self.shape))
        if profiles > 64:
            p.text(repr(self))
            return
        lines = [f"{self!r}, payoffs ({', '.join(self.player_names)}) by profile:"]
        for prof in itertools.product(*(range(a) for a in self.shape)):
            names = ", ".join(self.action_names[i][k] for i, k in enumerate(prof))
            at = self.payoff_array.reshape(self.n_players, -1)[
                :, np.ravel_multi_index(prof, self.shape)
            ]
            pay = ", ".join(f"{float(x):.6g}" for x in at)
            lines.append(f"  ({names}): ({pay})")
        p.text("\n".join(lines))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalFormGame):
            return NotImplemented
        return (
            self.payoff_array.shape == other.payoff_array.shape
            and bool(np.array_equal(self.payoff_array, other.payoff_array))
            and self.player_names == other.player_names
            and self.action_names == other.action_names
        )

    def __hash__(self) -> int:
        return hash((self.payoff_array.shape, self.payoff_array.tobytes(), self.player_names))

    @classmethod
    def from_bimatrix(
        cls,
        A: ArrayLike,
        B: ArrayLike,
        *,
        player_names: Sequence[str] | None = None,
        action_names: Sequence[Sequence[str]] | None = None,
    ) -> NormalFormGame:
        """Two-player game from the row player's matrix `A` and the column player's `B`.

        Parameters
        ----------
        A, B : array_like
            Matrices of the same shape ``(m, n)``: ``A[r, c]`` and ``B[r, c]`` are
            the row and column player's payoffs when row ``r`` meets column ``c``.
        player_names, action_names : optional
            As for :class:`NormalFormGame`.

        Returns
        -------
        NormalFormGame

        Raises
        ------
        ParameterError
            If `A` or `B` is not a finite 2-D array, or their shapes differ.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]).shape
        (2, 2)
        """
        mats = []
        for name, m in (("A", A), ("B", B)):
            arr = _payoff_array(m, name)
            if arr.ndim != 2:
                raise ParameterError(f"`{name}` must be a 2-D matrix; got shape {arr.shape}.")
            mats.append(arr)
        if mats[0].shape != mats[1].shape:
            raise ParameterError(
                f"`B` must have the same shape as `A` {mats[0].shape}; got {mats[1].shape}."
            )
        return cls(mats, player_names=player_names, action_names=action_names)

    # ---------------------------------------------------------------- profiles
    def _pure_profile(self, profile: Any, name: str = "profile") -> tuple[int, ...]:
        n = self.n_players
        try:
            items = list(profile)
        except TypeError:
            raise ParameterError(
                f"`{name}` must hold one action index per player ({n}); got {profile!r}."
            ) from None
        if len(items) != n:
            raise ParameterError(
                f"`{name}` must hold one action index per player ({n}); got {profile!r}."
            )
        out = []
        for i, (s, a) in enumerate(zip(items, self.shape, strict=True)):
            if isinstance(s, bool) or not isinstance(s, numbers.Integral) or not 0 <= int(s) < a:
                raise ParameterError(
                    f"`{name}[{i}]` must be an action index in [0, {a}); got {s!r}."
                )
            out.append(int(s))
        return tuple(out)

    def _mixed_profile(self, profile: Any, name: str = "profile") -> list[FloatArray]:
        """Validate a profile of pure indices and/or probability vectors."""
        n = self.n_players
        if isinstance(profile, np.ndarray) and profile.ndim == 1 and profile.dtype.kind in "iu":
            profile = list(profile)
        try:
            items = list(profile)
        except TypeError:
            raise ParameterError(
                f"`{name}` must hold one strategy per player ({n}); got {profile!r}."
            ) from None
        if len(items) != n:
            raise ParameterError(
                f"`{name}` must hold one strategy per player ({n}); got {len(items)} entries."
            )
        out = []
        for i, (s, a) in enumerate(zip(items, self.shape, strict=True)):
            if isinstance(s, numbers.Integral) and not isinstance(s, bool):
                if not 0 <= int(s) < a:
                    raise ParameterError(
                        f"`{name}[{i}]` must be an action index in [0, {a}); got {s!r}."
                    )
                vec = np.zeros(a)
                vec[int(s)] = 1.0
                out.append(vec)
                continue
            try:
                vec = np.array(s, dtype=float)
            except (TypeError, ValueError):
                raise ParameterError(
                    f"`{name}[{i}]` must be an action index or a probability vector; got {s!r}."
                ) from None
            if vec.shape != (a,):
                raise ParameterError(
                    f"`{name}[{i}]` must be a probability vector of length {a}; "
                    f"got shape {vec.shape}."
                )
            if not np.all(np.isfinite(vec)) or vec.min() < -_SUM_TOL:
                raise ParameterError(
                    f"`{name}[{i}]` must be finite and >= 0; got {vec.tolist()!r}."
                )
            total = vec.sum()
            if abs(total - 1.0) > _SUM_TOL:
                raise ParameterError(f"`{name}[{i}]` must sum to 1; got sum {total!r}.")
            out.append(vec)
        return out

    def payoff(self, profile: Sequence[int]) -> FloatArray:
        """Every player's payoff at a pure action profile.

        Parameters
        ----------
        profile : sequence of int
            One action index per player.

        Returns
        -------
        numpy.ndarray
            Shape ``(N,)``.

        Raises
        ------
        ParameterError
            If `profile` has the wrong length or an index out of range.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]]).payoff((0, 1))
        array([0., 5.])
        """
        index: tuple[Any, ...] = (slice(None), *self._pure_profile(profile))
        return np.array(self.payoff_array[index], dtype=np.float64)

    def action_values(self, profile: Any, player: int) -> FloatArray:
        """Expected payoff of each pure action of `player` against the others' strategies.

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.
            The entry of `player` itself is validated but not used.
        player : int
            Index of the player, in ``[0, N)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(a_player,)``.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.action_values([0, [0.5, 0.5]], player=0)
        array([1.5, 3. ])
        """
        player = self._player_index(player)
        sig = self._mixed_profile(profile)
        return _action_values(self.payoff_array, sig, player)

    def _player_index(self, player: Any) -> int:
        if isinstance(player, bool) or not isinstance(player, numbers.Integral):
            raise ParameterError(
                f"`player` must be an index in [0, {self.n_players}); got {player!r}."
            )
        if not 0 <= int(player) < self.n_players:
            raise ParameterError(
                f"`player` must be an index in [0, {self.n_players}); got {player!r}."
            )
        return int(player)

    def expected_payoffs(self, profile: Any) -> FloatArray:
        """Every player's expected payoff at a (mixed) profile.

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.

        Returns
        -------
        numpy.ndarray
            Shape ``(N,)``.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
        >>> g.expected_payoffs([[0.5, 0.5], 0])
        array([0., 0.])
        """
        sig = self._mixed_profile(profile)
        return np.array(
            [
                float(_action_values(self.payoff_array, sig, i) @ sig[i])
                for i in range(self.n_players)
            ]
        )

    def deviation_gains(self, profile: Any) -> FloatArray:
        """Largest gain each player can get by a unilateral switch to a pure action.

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.

        Returns
        -------
        numpy.ndarray
            Shape ``(N,)``; entry ``i`` is ``max_a v_i(a) - v_i(sigma_i)``, which
            is ``>= 0`` up to rounding. Computed on each player's payoffs measured
            from their lowest (the same gains), as :meth:`is_nash` and every
            solver measure them: a constant added to every payoff (1e9 times
            their range, say) does not cancel the digits a small gain is made of.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.deviation_gains((0, 0))
        array([2., 2.])
        """
        sig = self._mixed_profile(profile)
        return _deviation_gains(_from_lowest(self.payoff_array), sig)

    def regret(self, profile: Any) -> float:
        """Largest deviation gain over all players (0 at an exact Nash equilibrium).

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.

        Returns
        -------
        float
            ``max(0, max_i deviation_gains(profile)[i])``.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.regret((1, 1))
        0.0
        """
        return max(0.0, float(self.deviation_gains(profile).max()))

    def is_nash(self, profile: Any, *, tol: float = 1e-8) -> bool:
        """Whether `profile` is a `tol`-Nash equilibrium (relative regret ``<= tol``).

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.
        tol : float, default 1e-8
            Largest deviation gain allowed, as a share of the deviating player's
            payoff range (:func:`~tariffsim.equilibrium.scaling.relative_regret`,
            as every solver and ``tariffsim.testing.assert_nash`` read their
            ``tol``), so the verdict does not depend on the payoffs' units; in
            (0, 1). :meth:`regret` gives the gain in payoff units.

        Returns
        -------
        bool

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.is_nash((1, 1)), g.is_nash((0, 0))
        (True, False)
        """
        tol = _check_relative_tol(tol)
        return _relative_regret(self.payoff_array, self._mixed_profile(profile)) <= tol

    def best_responses(self, profile: Any, player: int | None = None, *, tol: float = 1e-8) -> Any:
        """Pure best responses to the other players' strategies.

        Parameters
        ----------
        profile : sequence
            One entry per player: an action index or a probability vector.
        player : int, optional
            Player to answer for. Default: every player.
        tol : float, default 1e-8
            Actions within `tol` of the best value count as best responses.

        Returns
        -------
        numpy.ndarray or list of numpy.ndarray
            Sorted action indices of `player`, or a list with one such array
            per player when `player` is None.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
        >>> g.best_responses([0, [1/3, 2/3]], player=0)
        array([0, 1])
        """
        tol = _check_tol(tol)
        sig = self._mixed_profile(profile)
        players = range(self.n_players) if player is None else [self._player_index(player)]
        out = []
        for i in players:
            v = _action_values(self.payoff_array, sig, i)
            out.append(np.flatnonzero(v >= v.max() - tol))
        return out if player is None else out[0]

    # ------------------------------------------------------------ transforms
    def affine(self, player: int, scale: float, shift: float = 0.0) -> NormalFormGame:
        """Game with `player`'s payoffs replaced by ``scale * u + shift``.

        A positive `scale` leaves every equilibrium unchanged.

        Parameters
        ----------
        player : int
        scale : float
            Must be finite and > 0.
        shift : float, default 0.0

        Returns
        -------
        NormalFormGame

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.affine(0, 2.0, 1.0).payoff((0, 0))
        array([7., 3.])
        """
        player = self._player_index(player)
        scale = _check_tol(scale, "scale")
        shift = finite_number(shift, "shift")
        arr = np.array(self.payoff_array)
        arr[player] = scale * arr[player] + shift
        return NormalFormGame(arr, player_names=self.player_names, action_names=self.action_names)

    def permute_actions(self, player: int, order: Sequence[int]) -> NormalFormGame:
        """Game with `player`'s actions relabelled: new action ``k`` is old ``order[k]``.

        Parameters
        ----------
        player : int
        order : sequence of int
            A permutation of ``range(a_player)``.

        Returns
        -------
        NormalFormGame

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.permute_actions(0, [1, 0]).payoff((0, 0))
        array([5., 0.])
        """
        player = self._player_index(player)
        a = self.shape[player]
        try:
            perm = np.asarray(order)
        except ValueError:  # ragged
            perm = np.zeros(0)
        if (
            perm.shape != (a,)
            or perm.dtype.kind not in "iu"
            or not np.array_equal(np.sort(perm), np.arange(a))
        ):
            raise ParameterError(f"`order` must be a permutation of range({a}); got {order!r}.")
        arr = np.take(self.payoff_array, perm, axis=player + 1)
        names = list(self.action_names)
        names[player] = tuple(self.action_names[player][k] for k in perm)
        return NormalFormGame(arr, player_names=self.player_names, action_names=names)

    # ---------------------------------------------------------------- export
    def to_nfg(self, title: str = "tariffsim game") -> str:
        """Text of the game in Gambit's ``.nfg`` format (payoff version).

        Players and their actions keep their names (the header lists each
        player's strategy names, which Gambit shows as labels); profiles are
        listed with the first player's action changing fastest; each profile
        contributes one payoff per player.

        Parameters
        ----------
        title : str, default "tariffsim game"

        Returns
        -------
        str

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> print(g.to_nfg("PD"))
        NFG 1 R "PD" { "Player 1" "Player 2" } { { "0" "1" } { "0" "1" } }
        <BLANKLINE>
        3 3 5 0 0 5 1 1
        <BLANKLINE>
        """
        if not isinstance(title, str):
            raise ParameterError(f"`title` must be a str; got {short_repr(title)}.")
        players = " ".join(_quote(p) for p in self.player_names)
        counts = " ".join(
            "{ " + " ".join(_quote(str(a)) for a in names) + " }" for names in self.action_names
        )
        columns = [p.ravel(order="F") for p in self.payoff_array]
        values = np.stack(columns, axis=1).ravel()
        body = " ".join(_format_number(float(v)) for v in values)
        return f"NFG 1 R {_quote(title)} {{ {players} }} {{ {counts} }}\n\n{body}\n"

    def write_nfg(self, path: str | os.PathLike[str], title: str = "tariffsim game") -> None:
        """Write :meth:`to_nfg` text to `path`.

        Parameters
        ----------
        path : str or os.PathLike
        title : str, default "tariffsim game"

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[1, 0]], [[0, 1]])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = pathlib.Path(d, "g.nfg")
        ...     g.write_nfg(p)
        ...     p.read_text().splitlines()[0]
        'NFG 1 R "tariffsim game" { "Player 1" "Player 2" } { { "0" } { "0" "1" } }'
        """
        from .._io import atomic_write

        atomic_write(path, self.to_nfg(title))

    def to_nashpy(self) -> Any:
        """The same two-player game as a ``nashpy.Game``.

        Returns
        -------
        nashpy.Game

        Raises
        ------
        ParameterError
            If the game does not have exactly 2 players.
        ImportError
            If nashpy is not installed (``pip install nashpy``).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
        >>> g.to_nashpy()  # doctest: +SKIP
        Bi matrix game with payoff matrices: ...
        """
        _require_players(self, 2, "to_nashpy")
        try:
            import nashpy
        except ImportError as exc:
            raise MissingExtraError(
                "NormalFormGame.to_nashpy needs the optional package nashpy; "
                "install it with `pip install nashpy`."
            ) from exc
        return nashpy.Game(np.array(self.payoff_array[0]), np.array(self.payoff_array[1]))


# ---------------------------------------------------------------- internals
def _payoff_array(values: Any, name: str) -> FloatArray:
    """``values`` as a float array (:func:`~tariffsim._util.real_array`: no strings, bools,
    complex values), refusing an integer its float does not equal: beyond 2**53 in absolute
    value a float skips integers, and ``10**17 + 1`` read as ``1e17`` makes another game."""
    arr = np.array(real_array(values, name))
    raw = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if raw.dtype.kind not in "iuO" or raw.shape != arr.shape:
        return arr
    for where in map(tuple, np.argwhere(np.abs(arr) >= 2.0**53)):
        x = raw[where]
        integral = isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)
        if integral and int(x) != int(arr[where]):
            raise ParameterError(
                f"`{name}` holds the int {short_repr(int(x))} at index "
                f"{tuple(int(k) for k in where)}, which a float rounds to "
                f"{float(arr[where])!r}: the game would be another. Give ints a float "
                "holds exactly (up to 2**53 in absolute value), or rescale."
            )
    return arr


def _sized(x: Any) -> bool:
    """A sequence of names (a list, tuple or array), not a str and not a number."""
    return hasattr(x, "__len__") and not isinstance(x, str | bytes)


def _action_values(payoff_array: FloatArray, sig: Sequence[FloatArray], player: int) -> FloatArray:
    """Expected payoff of each action of `player` against the others in `sig`."""
    m: FloatArray = payoff_array[player]
    for j in range(len(sig) - 1, -1, -1):
        if j != player:
            m = np.tensordot(m, sig[j], axes=([j], [0]))
    return np.asarray(m, dtype=float)


def _ranges(payoff_array: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each player's lowest payoff and payoff range (1 where constant):
    :func:`~tariffsim.equilibrium.scaling.payoff_ranges` of an array."""
    flat = payoff_array.reshape(payoff_array.shape[0], -1)
    lo = flat.min(axis=1)
    span = flat.max(axis=1) - lo
    return lo, np.where(span > 0, span, 1.0)


def _from_lowest(payoff_array: FloatArray) -> FloatArray:
    """:func:`~tariffsim.equilibrium.scaling.from_lowest`."""
    lo, _ = _ranges(payoff_array)
    return np.asarray(payoff_array - lo.reshape(-1, *(1,) * (payoff_array.ndim - 1)))


def _relative_regret(payoff_array: FloatArray, sig: Sequence[FloatArray]) -> float:
    """:func:`~tariffsim.equilibrium.scaling.relative_regret` of the mixed profile ``sig``.
    Each player's payoffs are measured from their lowest first: the gains are the same, but
    a constant added to every payoff (3e8, say) no longer cancels away the digits a small
    gain is made of."""
    gains = _deviation_gains(_from_lowest(payoff_array), sig) / _ranges(payoff_array)[1]
    if not np.all(np.isfinite(gains)):
        return float("inf")
    return max(0.0, float(gains.max()))


def _deviation_gains(payoff_array: FloatArray, sig: Sequence[FloatArray]) -> FloatArray:
    gains = np.empty(len(sig))
    for i in range(len(sig)):
        v = _action_values(payoff_array, sig, i)
        gains[i] = v.max() - v @ sig[i]
    return gains
