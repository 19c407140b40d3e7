"""Lemke–Howson complementary pivoting for two-player games.

Payoffs are shifted to be positive, giving the best-response polytopes
``P = {x >= 0 : B'x <= 1}`` and ``Q = {y >= 0 : Ay <= 1}``. Labels
``0 .. m-1`` are the row player's actions and ``m .. m+n-1`` the column
player's. Starting from the artificial equilibrium ``(0, 0)``, label `k` is
dropped and the path of "almost completely labelled" vertex pairs is followed
by alternating pivots in the two tableaux until label `k` is picked up again;
the normalised endpoint is a Nash equilibrium. The ratio test breaks ties
lexicographically, which keeps the path well defined in degenerate games.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConvergenceWarning, ParameterError, warn_not_converged
from ._validate import deadline_of
from .normal_form import (
    FloatArray,
    _as_game,
    _check_int,
    _check_relative_tol,
    _equilibria_repr,
    _require_players,
)
from .scaling import _relative_regret, normalize
from .support import _DEDUP_TOL, _freeze

__all__ = ["LemkeHowsonAllResult", "LemkeHowsonResult", "lemke_howson", "lemke_howson_all"]

#: Relative tolerance of the ratio test.
_RATIO_TOL = 1e-10
#: Ratios within this of the smallest tie with it too: rounding around a ratio of 0
#: (a degenerate vertex), where the relative tolerance is none.
_ZERO_RATIO = 1e-14
#: Pivot elements below this are treated as zero.
_PIVOT_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class LemkeHowsonResult:
    """Outcome of one Lemke–Howson path.

    Attributes
    ----------
    equilibrium : tuple of (numpy.ndarray, numpy.ndarray) or None
        Read-only mixed strategies ``(sigma1, sigma2)``, or None when the run
        did not converge.
    converged : bool
        True when the path ended and its endpoint has regret ``<= tol``.
    iterations : int
        Number of pivots made.
    init_label : int
        Label dropped at the start.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.lemke_howson(eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]]))
    >>> r.converged, r.equilibrium[0]
    (True, array([0., 1.]))
    """

    equilibrium: tuple[FloatArray, FloatArray] | None
    converged: bool
    iterations: int
    init_label: int
    message: str


@dataclass(frozen=True, slots=True)
class LemkeHowsonAllResult:
    """Distinct equilibria reached from every starting label.

    Attributes
    ----------
    equilibria : tuple of (numpy.ndarray, numpy.ndarray)
        Distinct equilibria, in order of first discovery.
    runs : tuple of LemkeHowsonResult
        One run per starting label ``0 .. m+n-1`` (those run before `max_seconds`).
    converged : bool
        True when a run from every label converged.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.lemke_howson_all(eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]))
    >>> len(r.runs), r.converged
    (4, True)
    """

    equilibria: tuple[tuple[FloatArray, FloatArray], ...]
    runs: tuple[LemkeHowsonResult, ...]
    converged: bool

    def __repr__(self) -> str:
        n = len(self.equilibria)
        head = (
            f"LemkeHowsonAllResult: {n} distinct equilibri{'um' if n == 1 else 'a'} from "
            f"{len(self.runs)} starting labels"
            + ("" if self.converged else f", {sum(not r.converged for r in self.runs)} "
               "runs NOT converged")
        )  # fmt: skip
        return _equilibria_repr(head, self.equilibria)


class _Unbounded(Exception):
    """No row limits the entering column (rounding: an exact tableau always has one)."""


def _pivot(tableau: FloatArray, basis: list[int], entering: int, slack: slice) -> int:
    """Pivot `entering` in by a lexicographic min-ratio test; return the leaving label."""
    col = tableau[:, entering]
    rows = np.flatnonzero(col > _PIVOT_TOL)
    if rows.size == 0:  # (not in exact arithmetic with positive payoffs: rounding)
        raise _Unbounded
    # Lexicographic minimum of (rhs, slack columns...) / col over candidate rows.
    for column in [tableau[:, -1], *tableau[:, slack].T]:
        ratios = column[rows] / col[rows]
        best = ratios.min()
        # a tie within a relative tolerance (an absolute one took ratios of 2e-6 that
        # differ by 1e-6 of their size for a tie, and the path left the polytope)
        rows = rows[ratios <= best + _RATIO_TOL * abs(best) + _ZERO_RATIO]
        if rows.size == 1:
            break
    r = int(rows[0])
    tableau[r] /= tableau[r, entering]
    factors = tableau[:, entering].copy()
    factors[r] = 0.0
    tableau -= np.outer(factors, tableau[r])
    leaving = basis[r]
    basis[r] = entering
    return leaving


def _lh_path(
    A: FloatArray, B: FloatArray, init_label: int, max_iter: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """Run one path on positive A, B; return (x, y, iterations, finished)."""
    m, n = A.shape
    # Tableau P: n rows, columns = x (labels 0..m-1), s (labels m..m+n-1), rhs.
    tab_p = np.hstack([B.T, np.eye(n), np.ones((n, 1))])
    basis_p = list(range(m, m + n))
    # Tableau Q: m rows, columns = r (labels 0..m-1), y (labels m..m+n-1), rhs.
    tab_q = np.hstack([np.eye(m), A, np.ones((m, 1))])
    basis_q = list(range(m))
    slack_p = slice(m, m + n)
    slack_q = slice(0, m)
    entering = init_label
    in_p = init_label < m  # x_k lives in P, y_j in Q
    finished = False
    iterations = 0
    while iterations < max_iter:
        if in_p:
            leaving = _pivot(tab_p, basis_p, entering, slack_p)
        else:
            leaving = _pivot(tab_q, basis_q, entering, slack_q)
        iterations += 1
        if leaving == init_label:
            finished = True
            break
        entering = leaving
        in_p = not in_p
    x = np.zeros(m)
    y = np.zeros(n)
    for row, label in enumerate(basis_p):
        if label < m:
            x[label] = tab_p[row, -1]
    for row, label in enumerate(basis_q):
        if label >= m:
            y[label - m] = tab_q[row, -1]
    return x, y, iterations, finished


def _positive(M: FloatArray) -> FloatArray:
    """Shift `M` so that its smallest entry is 1."""
    return M - M.min() + 1.0


def lemke_howson(
    game: Any, *, init_label: int = 0, max_iter: int = 10_000, tol: float = 1e-8
) -> LemkeHowsonResult:
    """One Nash equilibrium of a two-player game by the Lemke–Howson algorithm.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        A two-player game with ``m x n`` actions.
    init_label : int, default 0
        Label dropped first, in ``[0, m + n)``: ``k < m`` is row action ``k``,
        ``k >= m`` is column action ``k - m``. Different labels may reach
        different equilibria.
    max_iter : int, default 10000
        Pivot budget (>= 1).
    tol : float, default 1e-8
        The endpoint is returned as an equilibrium only if its relative regret
        (gains over each player's payoff range, see
        :mod:`~tariffsim.equilibrium.scaling`) is ``<= tol``; > 0. The path is
        followed on the normalised game, so the answer does not depend on the
        payoffs' units.

    Returns
    -------
    LemkeHowsonResult
        With ``converged=False``, ``equilibrium=None`` and a
        :class:`~tariffsim.errors.ConvergenceWarning` when the budget runs out
        or the endpoint fails the regret check.

    Raises
    ------
    ParameterError
        If `game` is invalid or not two-player, or an argument is out of range.

    Examples
    --------
    Matching pennies has one equilibrium, both sides mixing 50:50:

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> r = eq.lemke_howson(g, init_label=1)
    >>> r.converged, r.equilibrium[0], r.equilibrium[1]
    (True, array([0.5, 0.5]), array([0.5, 0.5]))
    """
    g = _as_game(game)
    _require_players(g, 2, "lemke_howson")
    m, n = g.shape
    init_label = _check_int(init_label, "init_label", 0)
    if init_label >= m + n:
        raise ParameterError(f"`init_label` must be in [0, {m + n}); got {init_label!r}.")
    max_iter = _check_int(max_iter, "max_iter", 1)
    tol = _check_relative_tol(tol)
    return _run(g, init_label, max_iter, tol, stacklevel=3)


def _run(g: Any, init_label: int, max_iter: int, tol: float, stacklevel: int) -> LemkeHowsonResult:
    A, B = normalize(g).payoff_array
    try:
        x, y, iterations, finished = _lh_path(_positive(A), _positive(B), init_label, max_iter)
    except _Unbounded:
        msg = "the path met an unbounded ray (rounding in the tableau): no equilibrium from it"
        warnings.warn(f"lemke_howson: {msg}", ConvergenceWarning, stacklevel=stacklevel)
        return LemkeHowsonResult(None, False, 0, init_label, msg)
    if not finished:
        msg = f"no equilibrium within max_iter={max_iter} pivots"
        warnings.warn(f"lemke_howson: {msg}", ConvergenceWarning, stacklevel=stacklevel)
        return LemkeHowsonResult(None, False, iterations, init_label, msg)
    sx, sy = x.sum(), y.sum()
    if sx <= 0 or sy <= 0:
        msg = "path ended at a degenerate point that is not an equilibrium"
        warnings.warn(f"lemke_howson: {msg}", ConvergenceWarning, stacklevel=stacklevel)
        return LemkeHowsonResult(None, False, iterations, init_label, msg)
    x = np.clip(x, 0.0, None) / sx
    y = np.clip(y, 0.0, None) / sy
    x /= x.sum()
    y /= y.sum()
    regret = _relative_regret(g.payoff_array, [x, y])
    if regret > tol:
        msg = f"endpoint has relative regret {regret:.3g} > tol={tol:g} (numerical trouble)"
        warnings.warn(f"lemke_howson: {msg}", ConvergenceWarning, stacklevel=stacklevel)
        return LemkeHowsonResult(None, False, iterations, init_label, msg)
    return LemkeHowsonResult(
        (_freeze(x), _freeze(y)),
        True,
        iterations,
        init_label,
        f"equilibrium after {iterations} pivots",
    )


def lemke_howson_all(
    game: Any, *, max_iter: int = 10_000, tol: float = 1e-8, max_seconds: float | None = None
) -> LemkeHowsonAllResult:
    """Run :func:`lemke_howson` from every starting label and collect distinct equilibria.

    This need not find every equilibrium (some are unreachable from the
    artificial equilibrium), but each one returned is checked. It follows a path from
    each of the ``m + n`` labels, each of up to `max_iter` pivots on tableaux of about
    ``(m + n) ** 2`` entries: on one core a random 30 x 30 game takes 0.1 s, a 2 x 1000
    game some 10 s, a random 200 x 200 game nearly 3 minutes (a third of its paths use
    all 10,000 pivots). For a large game, `max_seconds`, a smaller `max_iter`, or
    :func:`lemke_howson` from one label.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        A two-player game.
    max_iter : int, default 10000
        Pivot budget per run.
    tol : float, default 1e-8
        Regret accepted, as in :func:`lemke_howson`.
    max_seconds : float, optional
        Time limit in seconds (finite, > 0), checked between paths: past it no further
        path starts, and the result holds the paths run so far, with
        ``converged=False`` (and a :class:`~tariffsim.errors.ConvergenceWarning`).
        Default: none.

    Returns
    -------
    LemkeHowsonAllResult

    Raises
    ------
    ParameterError
        If `game` is invalid or not two-player, or an argument is out of range.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> sorted(x.round(3).tolist() for x, _ in eq.lemke_howson_all(g).equilibria)
    [[0.0, 1.0], [1.0, 0.0]]
    """
    g = _as_game(game)
    _require_players(g, 2, "lemke_howson_all")
    max_iter = _check_int(max_iter, "max_iter", 1)
    tol = _check_relative_tol(tol)
    deadline = deadline_of(max_seconds)
    labels = sum(g.shape)
    done: list[LemkeHowsonResult] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one warning for the whole set
        for k in range(labels):
            if deadline is not None and time.monotonic() > deadline:
                break
            done.append(_run(g, k, max_iter, tol, stacklevel=3))
    runs = tuple(done)
    failed = [r for r in runs if not r.converged]
    if len(runs) < labels:
        warn_not_converged(
            "lemke_howson_all",
            f"stopped at the time limit (`max_seconds` = {max_seconds!r}) after {len(runs)} "
            f"of {labels} paths",
        )
    elif failed:
        warn_not_converged(
            "lemke_howson_all",
            f"{len(failed)} of {len(runs)} runs did not converge ({failed[0].message})",
        )
    eqs: list[tuple[FloatArray, FloatArray]] = []
    for run in runs:
        if run.equilibrium is None:
            continue
        x, y = run.equilibrium
        if not any(
            np.abs(x - x2).max() <= _DEDUP_TOL and np.abs(y - y2).max() <= _DEDUP_TOL
            for x2, y2 in eqs
        ):
            eqs.append((x, y))
    return LemkeHowsonAllResult(
        tuple(eqs), runs, len(runs) == labels and all(r.converged for r in runs)
    )
