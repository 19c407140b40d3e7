"""All Nash equilibria of two-player games by support enumeration.

For each support size ``k`` every pair of supports ``(I, J)`` with
``|I| = |J| = k`` is a candidate. A pair is dropped before any linear algebra
when an action in ``I`` is strictly dominated given that the opponent plays
only ``J`` (or vice versa). For the survivors, the indifference systems of all
pairs of one size are solved at once with a single stacked
:func:`numpy.linalg.solve` call, and feasibility (non-negative weights, no
better action outside the support) is checked on whole arrays. A candidate
becomes an equilibrium only if its regret in the original game is ``<= tol``.

In a *nondegenerate* game every equilibrium has supports of equal size, so the
method finds all of them. The same stacked systems also reveal degeneracy: a
strategy of support size ``k`` with more than ``k`` pure best responses, or a
singular indifference system. The result then has ``degenerate=True``: the
list holds the equilibria found at equal-size support pairs, each one checked,
but it may miss some (a degenerate game can have a continuum of them).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ._validate import check_bool
from .normal_form import (
    FloatArray,
    _as_game,
    _check_relative_tol,
    _equilibria_repr,
    _require_players,
    _vec,
)
from .scaling import _relative_regret, _tied_pure_replies, normalize

__all__ = ["MixedResult", "support_enumeration"]

#: Internal feasibility slack, on payoffs normalised to [0, 1] (:func:`.scaling.normalize`).
_FEAS_TOL = 1e-9
#: Solutions larger than this (on normalised payoffs) mark a numerically singular system.
_HUGE = 1e8
#: Two equilibria closer than this (max abs difference) are the same.
_DEDUP_TOL = 1e-7


@dataclass(frozen=True, slots=True)
class MixedResult:
    """Mixed-strategy equilibria of a two-player game.

    Attributes
    ----------
    equilibria : tuple of (numpy.ndarray, numpy.ndarray)
        Each entry is ``(sigma1, sigma2)``: read-only probability vectors of
        the row and column player. Every one has regret ``<= tol``.
    degenerate : bool
        True when the game was found to be degenerate (or a singular support
        system holds a best-responded distribution, where it may be):
        `equilibria` then lists those found at equal-size support pairs and may
        be incomplete. False means no degeneracy was detected;
        the list is complete whenever the game is nondegenerate (proved so by
        ``support_enumeration(..., full_degeneracy_check=True)``).
    message : str
        Human-readable summary.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.support_enumeration(eq.NormalFormGame.from_bimatrix([[1, 0]], [[1, 0]]))
    >>> r.degenerate, len(r.equilibria)
    (False, 1)
    """

    equilibria: tuple[tuple[FloatArray, FloatArray], ...]
    degenerate: bool
    message: str

    def __repr__(self) -> str:
        """The equilibria as rounded probability vectors, one per line (at most ten).

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> bos = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
        >>> eq.support_enumeration(bos)
        <MixedResult: 3 equilibria, no degeneracy detected
          #1  row (1, 0)  column (1, 0)
          #2  row (0, 1)  column (0, 1)
          #3  row (0.667, 0.333)  column (0.333, 0.667)>
        """
        deg = (
            "degenerate game (list may be incomplete)"
            if self.degenerate
            else ("no degeneracy detected")
        )
        n = len(self.equilibria)
        head = f"MixedResult: {n} equilibri{'um' if n == 1 else 'a'}, {deg}"
        return _equilibria_repr(head, self.equilibria)

    def _repr_html_(self) -> str:
        """Notebook view: one row per equilibrium with both players' probabilities."""
        import html

        from ..path import html_table

        rows = [(k, _vec(s1), _vec(s2)) for k, (s1, s2) in enumerate(self.equilibria, 1)]
        return (
            f"<div><b>{html.escape(self.message)}</b>"
            + html_table(["#", "row player", "column player"], rows)
            + "</div>"
        )


@functools.lru_cache(maxsize=256)
def _combos(n: int, k: int) -> NDArray[np.intp]:
    """All k-subsets of range(n) as a read-only (C(n, k), k) array, lexicographic."""
    out = np.array(list(itertools.combinations(range(n), k)), dtype=np.intp).reshape(-1, k)
    out.flags.writeable = False
    return out


def _support_bytes(m: int, n: int, k: int) -> int:
    """Bytes the tables of supports of size ``k`` take at most: a ``(k+1)``-square system
    per pair of supports, and each side's dominance table."""
    cm, cn = math.comb(m, k), math.comb(n, k)
    return cm * cn * ((k + 1) ** 2 * 8 + k) + cm * n * n * k + cn * m * m * k


def _dominated(own: FloatArray, S: NDArray[np.intp]) -> NDArray[np.bool_]:
    """``out[s, r]``: own action r is strictly dominated when the opponent plays within S[s].

    `own` is the owner's payoff matrix (own actions x opponent actions).
    """
    sub = own[:, S].transpose(1, 0, 2)  # (cS, own, k)
    better = sub[:, :, None, :] > sub[:, None, :, :] + _FEAS_TOL  # [s, r', r, c]
    return np.asarray(np.any(np.all(better, axis=3), axis=1))


def _solve_side(
    opp: FloatArray,
    S: NDArray[np.intp],
    T: NDArray[np.intp],
    ps: NDArray[np.intp],
    pt: NDArray[np.intp],
) -> tuple[NDArray[np.bool_], FloatArray, bool, bool]:
    """Mixed strategies on supports S[ps] making the opponent indifferent over T[pt].

    `opp` is the *opponent's* payoff matrix with the owner's actions on axis 0.
    Returns (ok, weights, singular_seen, degenerate_seen): ``ok[p]`` says the
    weights are a distribution under which every action of T[pt[p]] is a best
    response of the opponent.
    """
    k = S.shape[1]
    n_pairs = ps.size
    rows = S[ps]
    cols = T[pt]
    M = np.zeros((n_pairs, k + 1, k + 1))
    M[:, :k, :k] = opp[rows[:, None, :], cols[:, :, None]]
    M[:, :k, k] = -1.0
    M[:, k, :k] = 1.0
    rhs = np.zeros((n_pairs, k + 1, 1))
    rhs[:, k, 0] = 1.0
    singular = np.zeros(n_pairs, dtype=bool)
    systems = M
    with np.errstate(all="ignore"):
        try:
            sol = np.linalg.solve(M, rhs)[..., 0]
        except np.linalg.LinAlgError:
            singular = np.abs(np.linalg.det(M)) < 1e-12
            systems = M.copy()
            M[singular] = np.eye(k + 1)
            sol = np.linalg.solve(M, rhs)[..., 0]
        singular |= ~np.isfinite(sol).all(axis=1) | (np.abs(sol).max(axis=1) > _HUGE)
        x = sol[:, :k]
        v = sol[:, k]
        ok = ~singular & (x >= -_FEAS_TOL).all(axis=1)
        possible = _singular_could_hold(systems[singular], rhs[singular], opp[rows[singular]])
        idx = np.flatnonzero(ok)
        degenerate = False
        if idx.size:
            vals = np.einsum("pk,pkn->pn", x[idx], opp[rows[idx]])
            vmax = vals.max(axis=1)
            br = vmax <= v[idx] + _FEAS_TOL
            ok[idx] = br
            n_br = (vals >= v[idx, None] - _FEAS_TOL).sum(axis=1)
            n_supp = (x[idx] > _FEAS_TOL).sum(axis=1)
            degenerate = bool(np.any(br & ((n_br > k) | (n_supp < k))))
    return ok, x, possible, degenerate


def _singular_could_hold(M: FloatArray, rhs: FloatArray, opp_rows: FloatArray) -> bool:
    """Whether a singular support system could hold an equilibrium strategy: its least-squares
    solution solves it, is a distribution and makes the support's columns best responses.

    In a nondegenerate game no equilibrium has supports whose system is singular; a
    system with no solution, or whose solution is no best-responded distribution (such as
    a block of zeros against columns the rows do not reach), says nothing of the game, and
    is not reported (``eye(4)`` was called degenerate for it). A singular system that does
    hold such a point is reported: the game may be degenerate there. (A degenerate game is
    also seen at a smaller support whose system is regular: the full check's proof.)
    """
    if not M.shape[0]:
        return False
    k = M.shape[1] - 1
    sol = (np.linalg.pinv(M) @ rhs)[..., 0]
    solves = np.abs((M @ sol[..., None])[..., 0] - rhs[..., 0]).max(axis=1) <= _FEAS_TOL
    x, v = sol[:, :k], sol[:, k]
    dist = (x >= -_FEAS_TOL).all(axis=1)
    vals = np.einsum("pk,pkn->pn", x, opp_rows)
    return bool(np.any(solves & dist & (vals.max(axis=1) <= v + _FEAS_TOL)))


def _dedupe(
    eqs: list[tuple[FloatArray, FloatArray]],
) -> list[tuple[FloatArray, FloatArray]]:
    out: list[tuple[FloatArray, FloatArray]] = []
    for x, y in eqs:
        if not any(
            np.abs(x - x2).max() <= _DEDUP_TOL and np.abs(y - y2).max() <= _DEDUP_TOL
            for x2, y2 in out
        ):
            out.append((x, y))
    return out


def _freeze(v: FloatArray) -> FloatArray:
    v = np.array(v, dtype=float)
    v.flags.writeable = False
    return v


def support_enumeration(
    game: Any, *, tol: float = 1e-8, full_degeneracy_check: bool = False
) -> MixedResult:
    """Nash equilibria of a two-player game by enumerating equal-size supports.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        A two-player game.
    tol : float, default 1e-8
        A candidate is accepted when its relative regret (each player's largest
        gain from a unilateral deviation over its payoff range, see
        :mod:`~tariffsim.equilibrium.scaling`) is ``<= tol``; must be > 0.
    full_degeneracy_check : bool, default False
        By default only support pairs that survive dominance pruning on both
        sides are solved, and ``degenerate`` reports degeneracy *seen* on the
        way: tied pure best replies, a singular system, or a solved strategy
        with more best responses than its support size (this catches every
        degenerate equilibrium found). With True, every pair on which a
        degenerate strategy could appear is solved (several times the work),
        so ``degenerate=False`` proves the game nondegenerate and the list
        complete.

    Returns
    -------
    MixedResult
        ``equilibria`` ordered by support size, then by supports
        (lexicographic); ``degenerate`` says whether degeneracy was detected.

    Raises
    ------
    ParameterError
        If `game` is invalid or does not have 2 players, or `tol` is not > 0.
    LimitError
        If the tables need more than ``max_result_bytes``, or the pairs of supports
        number more than ``max_iterations`` (13 x 13 and larger, by default).

    Notes
    -----
    All equilibria of a nondegenerate game have equal-size supports, one per
    pair ``(I, J)`` at most, so enumerating those pairs is complete
    (see e.g. von Stengel, "Computing equilibria for two-person games",
    Handbook of Game Theory 3, 2002). Work grows like ``C(m + n, m)`` in the
    worst case; dominance pruning removes most pairs in practice.

    Examples
    --------
    Battle of the sexes has two pure equilibria and one mixed:

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> r = eq.support_enumeration(g)
    >>> for x, y in r.equilibria:
    ...     print(np.round(x, 4), np.round(y, 4))
    [1. 0.] [1. 0.]
    [0. 1.] [0. 1.]
    [0.6667 0.3333] [0.3333 0.6667]
    >>> r.degenerate
    False
    """
    g = _as_game(game)
    _require_players(g, 2, "support_enumeration")
    tol = _check_relative_tol(tol)
    full_degeneracy_check = check_bool(full_degeneracy_check, "full_degeneracy_check")
    m, n = g.shape
    # the largest support size's tables: the pairs' linear systems and dominance tables
    # (a 14 x 14 game needs some 6 GB at supports of 7; a 2 x 1000 game some 40 MB)
    need = max(_support_bytes(m, n, k) for k in range(1, min(m, n) + 1))
    what = f"support enumeration of a {m} x {n} game (use vertex_enumeration), bytes"
    limits.check("max_result_bytes", need, what)
    # the work: every pair of equal-size supports is tried (12 x 12: 2.7 million pairs,
    # some 30 s; 13 x 13: 10.4 million)
    pairs = sum(math.comb(m, k) * math.comb(n, k) for k in range(1, min(m, n) + 1))
    limits.check(
        "max_iterations",
        pairs,
        f"support enumeration of a {m} x {n} game (use vertex_enumeration), pairs of supports",
    )
    A, B = normalize(g).payoff_array  # snapped: a positive affine map changes nothing
    At = np.ascontiguousarray(A.T)
    Bt = np.ascontiguousarray(B.T)
    # Pure strategies with tied best replies are degenerate; cheap to check in full.
    degenerate_seen = _tied_pure_replies(A, B, _FEAS_TOL)
    found: list[tuple[FloatArray, FloatArray]] = []
    singular_seen = False
    for k in range(1, min(m, n) + 1):
        S1 = _combos(m, k)
        S2 = _combos(n, k)
        # bad_rows[i, j]: some row of S1[i] is strictly dominated against columns S2[j].
        bad_rows = _dominated(A, S2)[:, S1].any(axis=2).T
        bad_cols = _dominated(Bt, S1)[:, S2].any(axis=2)
        if full_degeneracy_check:
            # Every pair on which a degenerate strategy could show up: the x-side
            # needs only the columns undominated given S1, the y-side only the
            # rows undominated given S2.
            xi, xj = np.nonzero(~bad_cols)
            yi, yj = np.nonzero(~bad_rows)
            x_ok, xs, sing_x, deg_x = _solve_side(B, S1, S2, xi, xj)
            y_ok, ys, sing_y, deg_y = _solve_side(At, S2, S1, yj, yi)
        else:
            xi, xj = np.nonzero(~bad_cols & ~bad_rows)
            x_ok, xs, sing_x, deg_x = _solve_side(B, S1, S2, xi, xj)
            yi, yj = xi[x_ok], xj[x_ok]
            y_ok, ys, sing_y, deg_y = _solve_side(At, S2, S1, yj, yi)
        singular_seen |= sing_x or sing_y
        degenerate_seen |= deg_x or deg_y
        if not x_ok.any() or not y_ok.any():
            continue
        cJ = S2.shape[0]
        x_keys = xi[x_ok] * cJ + xj[x_ok]
        y_keys = yi[y_ok] * cJ + yj[y_ok]
        common, ix, iy = np.intersect1d(x_keys, y_keys, assume_unique=True, return_indices=True)
        x_sel = xs[np.flatnonzero(x_ok)[ix]]
        y_sel = ys[np.flatnonzero(y_ok)[iy]]
        for key, xw, yw in zip(common, x_sel, y_sel, strict=True):
            i, j = divmod(int(key), cJ)
            x = np.zeros(m)
            y = np.zeros(n)
            x[S1[i]] = np.clip(xw, 0.0, None)
            y[S2[j]] = np.clip(yw, 0.0, None)
            x /= x.sum()
            y /= y.sum()
            if _relative_regret(g.payoff_array, [x, y]) <= tol:
                found.append((x, y))
    eqs = tuple((_freeze(x), _freeze(y)) for x, y in _dedupe(found))
    degenerate = singular_seen or degenerate_seen
    if degenerate_seen:
        msg = (
            f"found {len(eqs)} equilibria; the game is degenerate, so equilibria with "
            "unequal supports or a continuum may be missing"
        )
    elif singular_seen:
        msg = (
            f"found {len(eqs)} equilibria; some support systems were singular, so "
            "equilibria may be missing"
        )
    elif not eqs:  # every finite game has an equilibrium: this is numerical trouble
        msg = "found no equilibrium, which cannot be (numerical trouble); use vertex_enumeration"
        degenerate = True
    else:
        msg = f"found {len(eqs)} equilibria; no degeneracy detected"
        if full_degeneracy_check:
            msg = f"found all {len(eqs)} equilibria of a nondegenerate game"
    return MixedResult(equilibria=eqs, degenerate=degenerate, message=msg)
