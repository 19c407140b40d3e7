"""Correlated equilibria of N-player games by linear programming."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

from .. import limits
from .._util import short_repr
from ..errors import ParameterError
from ._validate import deadline_of
from .normal_form import FloatArray, NormalFormGame, _as_game
from .scaling import from_lowest, normalize

__all__ = ["CorrelatedResult", "correlated_constraints", "correlated_equilibrium"]


@dataclass(frozen=True, slots=True)
class CorrelatedResult:
    """A correlated equilibrium chosen by a linear objective.

    Attributes
    ----------
    distribution : numpy.ndarray or None
        Read-only probabilities over action profiles, shape ``game.shape``;
        None when `success` is False.
    welfare : float
        Objective value ``sum(distribution * coefficients)`` (nan on failure).
    payoffs : numpy.ndarray or None
        Expected payoff of each player under `distribution`.
    success : bool
    status : int
        :func:`scipy.optimize.linprog` status code (0 = optimal).
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> eq.correlated_equilibrium(g).success
    True
    """

    distribution: FloatArray | None
    welfare: float
    payoffs: FloatArray | None
    success: bool
    status: int
    message: str

    def __repr__(self) -> str:
        if not self.success or self.distribution is None or self.payoffs is None:
            return f"<CorrelatedResult: failed (status {self.status}): {self.message}>"
        support = int(np.count_nonzero(self.distribution > 1e-12))
        pay = ", ".join(f"{float(x):.4g}" for x in self.payoffs)
        return (
            f"<CorrelatedResult: welfare {self.welfare:.4g}, payoffs ({pay}), "
            f"{support} profile{'' if support == 1 else 's'} played>"
        )

    def _repr_html_(self) -> str:
        """Notebook view: status, welfare and the profiles played with positive probability."""
        from ..path import html_table

        head = f"<b>correlated equilibrium: {'found' if self.success else 'not found'}</b>"
        if self.distribution is None:
            return f"<div>{head}<br/>{self.message}</div>"
        dist = np.asarray(self.distribution)
        rows = [
            (str(tuple(int(x) for x in prof)), round(float(dist[prof]), 4))
            for prof in zip(*np.nonzero(dist > 1e-9), strict=True)
        ]
        return (
            f"<div>{head}, welfare {self.welfare:.4g}"
            + html_table(["profile", "probability"], rows)
            + "</div>"
        )


_SETUP_SECONDS = 2.5e-7
"""Seconds per constraint entry to build an LP and hand it to HiGHS through scipy's
``linprog`` (stacking, conversion to columns, copies), an estimate: measured 0.3 s to
build and 2.5 s to hand over the 16 million entries of a 200 x 200 game on a 2-core
machine. A limit it would use up returns at once."""

_HANDOVER_SECONDS = 1.5e-7
"""Seconds per constraint entry to hand a built LP to HiGHS and read its result back
(measured 2.5 s for the 16 million entries of a 200 x 200 game, 6.9 s for the 54 million
of 300 x 300, idle): taken from what is left of ``max_seconds`` before HiGHS is given
the rest as its limit. On a busy machine it takes longer, and the call ends later."""

_MATRIX_BYTES = 32
"""Bytes per entry of :func:`correlated_constraints` at its peak (the build's temporaries
and the CSR matrix)."""

_LP_BYTES = 48
"""Bytes per constraint entry of the LP at its peak (its build's temporaries, the CSR
matrix, scipy's stacked copy and HiGHS's columns), checked against ``max_result_bytes``."""


def _n_entries(shape: tuple[int, ...]) -> int:
    """Nonzero-pattern entries of :func:`correlated_constraints` (and the sum-to-one row)."""
    n_prof = int(np.prod(shape))
    return sum(a * (a - 1) * (n_prof // a) for a in shape) + n_prof


def correlated_constraints(game: Any) -> sparse.csr_matrix:  # scipy loads lazily
    """Incentive constraints ``G @ p.ravel() <= 0`` of a correlated equilibrium.

    One row per player ``i`` and ordered pair of actions ``(a, b)``, ``a != b``:
    the expected gain, under distribution ``p``, of playing ``b`` whenever
    told to play ``a``.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(sum_i a_i (a_i - 1), prod(game.shape))``; columns follow
        ``numpy.ravel`` (C) order of profiles.

    Raises
    ------
    LimitError
        If the matrix would take more memory than ``max_result_bytes`` (some 32
        bytes per entry).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> eq.correlated_constraints(g).shape
    (4, 4)
    """
    from scipy import sparse

    g = _as_game(game)
    shape = g.shape
    entries = _n_entries(shape)
    limits.check(
        "max_result_bytes",
        _MATRIX_BYTES * entries,
        f"the constraint matrix of {entries} entries (bytes)",
    )
    n_prof = int(np.prod(shape))
    flat_index = np.arange(n_prof).reshape(shape)
    # each row holds one entry per profile of the others, in increasing column order: the
    # CSR arrays are written directly (a COO build sorts some 16 million entries of a
    # 200 x 200 game for seconds)
    data, indices, lengths = [], [], []
    for i, a_i in enumerate(shape):
        if a_i < 2:
            continue
        u = np.moveaxis(g.payoff_array[i], i, 0).reshape(a_i, -1)  # (a_i, rest)
        idx = np.moveaxis(flat_index, i, 0).reshape(a_i, -1)
        off = ~np.eye(a_i, dtype=bool)  # ordered pairs (a, b), a != b, row-major
        data.append((u[None, :, :] - u[:, None, :])[off].ravel())  # u[b] - u[a]
        indices.append(np.broadcast_to(idx[:, None, :], (a_i, a_i, idx.shape[1]))[off].ravel())
        lengths.append(np.full(a_i * (a_i - 1), idx.shape[1]))
    if not data:
        return sparse.csr_matrix((0, n_prof))
    row_len = np.concatenate(lengths)
    indptr = np.concatenate([[0], np.cumsum(row_len)])
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), indptr),
        shape=(row_len.size, n_prof),
    )


def _coefficients(g: NormalFormGame, objective: Any) -> FloatArray:
    if isinstance(objective, str):
        if objective != "utilitarian":
            raise ParameterError(
                "`objective` must be 'utilitarian', an array of player weights or a "
                f"callable; got {objective!r}."
            )
        return _finite_objective(_weighted(g.payoff_array, None), objective)
    if callable(objective):
        func: Callable[[NormalFormGame], Any] = objective
        try:
            coef = np.array(func(g), dtype=float)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ParameterError(
                f"`objective` callable must return a numeric array of shape {g.shape}; {exc}"
            ) from None
        if coef.shape != g.shape or not np.all(np.isfinite(coef)):
            raise ParameterError(
                f"`objective` callable must return a finite array of shape {g.shape}; "
                f"got {short_repr(coef)} (shape {coef.shape})."
            )
        return coef
    try:
        w = np.array(objective, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            "`objective` must be 'utilitarian', an array of player weights or a "
            f"callable; got {short_repr(objective)}."
        ) from None
    if w.shape != (g.n_players,) or not np.all(np.isfinite(w)):
        raise ParameterError(
            f"`objective` weights must be a finite array of shape ({g.n_players},); "
            f"got {short_repr(objective)}."
        )
    return _finite_objective(_weighted(g.payoff_array, w), objective)


def _finite_objective(coef: FloatArray, objective: Any) -> FloatArray:
    """``coef``, if every profile's value is a finite float; else a ParameterError: the
    weights times the payoffs exceed the largest float (only the weights' ratios matter)."""
    if not np.all(np.isfinite(coef)):
        raise ParameterError(
            f"`objective` {short_repr(objective)}: the weighted payoffs exceed the largest "
            "float; scale the weights down (only their ratios matter)."
        )
    return coef


def _weighted(payoff_array: FloatArray, w: FloatArray | None) -> FloatArray:
    """``sum_i w_i u_i`` over the players' payoffs (the plain sum when ``w`` is None)."""
    with np.errstate(over="ignore", invalid="ignore"):  # (beyond the largest float: refused)
        if w is None:
            return np.asarray(payoff_array.sum(axis=0))
        return np.asarray(np.tensordot(w, payoff_array, axes=1))


def correlated_equilibrium(
    game: Any, objective: Any = "utilitarian", *, max_seconds: float | None = None
) -> CorrelatedResult:
    """Correlated equilibrium maximising a linear objective, by HiGHS.

    Solves ``max sum_s p(s) c(s)`` over distributions ``p`` on action profiles
    subject to every incentive constraint (see :func:`correlated_constraints`). The LP
    has one variable per action profile and ``sum_i a_i (a_i - 1)`` constraints: a random
    100 x 100 game takes some 0.5-1 s on one core, 200 x 200 some 4.5 s, 300 x 300 some 21
    s (`max_seconds` bounds it).

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    objective : {"utilitarian"} or array_like or callable, default "utilitarian"
        ``"utilitarian"``: ``c(s) = sum_i u_i(s)``. An array of ``N`` weights
        ``w``: ``c(s) = sum_i w_i u_i(s)``. A callable ``f(game)`` returning an
        array of shape ``game.shape``: ``c = f(game)``.
    max_seconds : float, optional
        Time limit in seconds (finite, > 0) for building and solving the LP; past it
        the result has ``success=False`` and HiGHS's "time limit reached". A limit
        that the LP's setup alone would use (some 0.25 us per constraint entry, an
        estimate: 4 s for a 200 x 200 game) returns so at once. HiGHS checks its
        limit between iterations, and the time to hand it the LP is an estimate
        for an idle machine: a large game can end seconds late (4.4-5.1 s for 4 s
        at 200 x 200, 23 s for 20 s at 300 x 300), more on a busy machine.
        Default: none.

    Returns
    -------
    CorrelatedResult
        ``success=False`` with the solver's message when the LP fails.

    Raises
    ------
    ParameterError
        If `game` or `objective` is invalid, or the weighted payoffs exceed the largest
        float.
    LimitError
        If the LP would take more memory than ``max_result_bytes`` (some 48 bytes per
        constraint entry: 0.8 GB for a 200 x 200 game, 33 GB for 700 x 700).

    Examples
    --------
    In chicken, a fair coin between the two pure equilibria and mutual
    swerving does better in total than any Nash equilibrium:

    >>> from tariffsim import equilibrium as eq
    >>> A = [[6, 2], [7, 0]]
    >>> r = eq.correlated_equilibrium(eq.NormalFormGame.from_bimatrix(A, np.transpose(A)))
    >>> np.round(r.distribution, 3), round(r.welfare, 3)
    (array([[0.5 , 0.25],
           [0.25, 0.  ]]), 10.5)
    """
    deadline = deadline_of(max_seconds)
    g = _as_game(game)
    coef = _coefficients(g, objective)
    entries = _n_entries(g.shape)
    limits.check(
        "max_result_bytes", _LP_BYTES * entries, f"the LP of {entries} constraint entries (bytes)"
    )
    setup = _SETUP_SECONDS * entries
    if deadline is not None and deadline - time.monotonic() <= setup:
        return CorrelatedResult(
            None,
            float("nan"),
            None,
            False,
            1,
            f"Time limit reached before the solver started: max_seconds={max_seconds!r} "
            f"leaves no time to solve once the LP of {entries} entries is built "
            f"and handed to HiGHS (some {setup:.2g} s).",
        )
    # The constraints of the normalised game (each player's payoffs mapped onto
    # [0, 1]) define the same set; the objective is scaled to unit size. So the
    # LP's absolute tolerances mean the same thing whatever the payoff units.
    G = correlated_constraints(normalize(g))
    n_prof = coef.size
    # the objective measured from its lowest value (a constant over distributions), then
    # scaled to unit range: a constant added to every payoff (1e8) no longer leaves the
    # differences between profiles below the solver's tolerance
    lp_coef = coef
    if not callable(objective):  # a combination of the payoffs: of those from their lowest
        w = None if isinstance(objective, str) else np.array(objective, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            shifted = _weighted(from_lowest(g.payoff_array), w)
        if np.all(np.isfinite(shifted)):  # (payoffs near the largest float: as given)
            lp_coef = shifted
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = lp_coef - lp_coef.min()
    if not np.all(np.isfinite(shifted)):  # a range beyond the largest float: scaled first
        lp_coef = lp_coef / float(np.max(np.abs(lp_coef)))
        shifted = lp_coef - lp_coef.min()
    lp_coef = shifted
    c_scale = float(lp_coef.max()) or 1.0
    from scipy import optimize

    # HiGHS's presolve finds nothing to remove from these LPs (every profile's
    # probability is free, every constraint dense in the others' profiles): without it a
    # random 100 x 100 game solves in 0.45 s against 1.1 s, 200 x 200 in 6.4 s against 15
    # s, to the same optimum, and the time limit is checked throughout
    options: dict[str, Any] = {"presolve": False}
    if deadline is not None:  # what is left once the LP is handed to HiGHS
        handover = _HANDOVER_SECONDS * entries
        options["time_limit"] = max(deadline - time.monotonic() - handover, 1e-3)

    res = optimize.linprog(
        -lp_coef.ravel() / c_scale,
        A_ub=G if G.shape[0] else None,
        b_ub=np.zeros(G.shape[0]) if G.shape[0] else None,
        A_eq=np.ones((1, n_prof)),
        b_eq=[1.0],
        bounds=(0, None),
        method="highs",
        options=options,
    )
    if res.status != 0 or res.x is None:
        return CorrelatedResult(None, float("nan"), None, False, int(res.status), str(res.message))
    p = np.clip(res.x, 0.0, None)
    p /= p.sum()
    dist = p.reshape(g.shape)
    dist.flags.writeable = False
    payoffs = np.array([float((dist * g.payoff_array[i]).sum()) for i in range(g.n_players)])
    payoffs.flags.writeable = False
    return CorrelatedResult(
        dist, float((dist * coef).sum()), payoffs, True, int(res.status), str(res.message)
    )
