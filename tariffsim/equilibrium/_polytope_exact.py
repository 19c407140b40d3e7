"""The careful search of :mod:`~tariffsim.equilibrium._polytope` in rational arithmetic.

Used for a polytope whose floating-point careful search rounding defeated
(:class:`~tariffsim.errors.NumericalError`): payoffs degenerate only to within
the tolerances, where some basis the search must pass is singular to within
rounding. The same breadth-first search over the feasible bases, with the
same lexicographic ratio test (the symbolic perturbation
:math:`b + (\\varepsilon, \\varepsilon^2, \\dots)`), on the exact values of the
floats of ``C`` and ``b``: no pivot is ever on a zero, no tie is ever missed,
and every basis reached is feasible. Each tableau is a list of rows of
:class:`fractions.Fraction` (the rates of each edge, then the slacks), updated
by the pivot of :func:`~tariffsim.equilibrium._polytope._pivot`. Pure Python:
10 to 30 times slower than the float search on games of 6 to 8 actions, more
on larger ones, so it is only a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

__all__ = ["search", "solve"]

Rows = list[list[Fraction]]


@dataclass(frozen=True, slots=True)
class _Basis:
    """A feasible basis: its constraints, the nonbasic ones, and its tableau.

    ``rows[k][j]`` (``k < d``) is the rate ``T[k, j]`` of nonbasic constraint
    ``nb[j]`` along edge ``k`` (relaxing ``basic[k]``); ``rows[d][j]`` its slack.
    """

    basic: tuple[int, ...]
    nb: tuple[int, ...]
    rows: Rows


def solve(A: Rows, B: Rows) -> Rows | None:
    """``X`` with ``A X = B`` in rationals (Gauss-Jordan elimination); None if ``A`` is singular.

    ``A`` is ``k`` rows of ``k`` fractions, ``B`` ``k`` rows of any width (the
    identity for the inverse). Also the exact check of
    :func:`tariffsim.equilibrium.vertex_enumeration` (``exact=True``).
    """
    k = len(A)
    if any(len(row) != k for row in A):
        return None
    aug = [[*a, *b] for a, b in zip(A, B, strict=True)]
    for c in range(k):
        piv = next((r for r in range(c, k) if aug[r][c] != 0), None)
        if piv is None:
            return None
        aug[c], aug[piv] = aug[piv], aug[c]
        pv = aug[c][c]
        aug[c] = [v / pv for v in aug[c]]
        for r in range(k):
            if r != c and aug[r][c] != 0:
                f = aug[r][c]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[c], strict=True)]
    return [row[k:] for row in aug]


def _inverse(A: Rows) -> Rows:
    """Inverse of a nonsingular square matrix (the search reaches nonsingular bases only)."""
    k = len(A)
    inv = solve(A, [[Fraction(int(i == j)) for j in range(k)] for i in range(k)])
    if inv is None:  # exact pivots reach nonsingular bases only: a bug if it happens
        raise RuntimeError("the exact vertex search reached a singular basis")
    return inv


def _first(C: Rows, b: list[Fraction], basic: tuple[int, ...]) -> _Basis:
    """The tableau of a basis, from the inverse of its rows."""
    M, d = len(C), len(C[0])
    nb = tuple(a for a in range(M) if a not in basic)
    inv = _inverse([C[i] for i in basic])
    z = [sum((inv[r][c] * b[basic[c]] for c in range(d)), Fraction(0)) for r in range(d)]
    rows = [
        [sum((C[a][r] * inv[r][k] for r in range(d)), Fraction(0)) for a in nb] for k in range(d)
    ]
    rows.append([b[a] - sum((C[a][r] * z[r] for r in range(d)), Fraction(0)) for a in nb])
    return _Basis(basic, nb, rows)


def _enter(t: _Basis, k: int, M: int) -> int | None:
    """Entering position (into ``t.nb``) along edge `k` by the lexicographic ratio test.

    None if the edge is unbounded. The perturbed slack of ``nb[j]`` has
    coefficient ``[nb[j] == p] - T[pos(p), j]`` on ``eps^(p+1)``; ties are
    narrowed power by power (as in ``_polytope._enter_lex``).
    """
    d = len(t.basic)
    rate = t.rows[k]
    cand = [j for j in range(len(t.nb)) if rate[j] < 0]
    if not cand:
        return None
    key = {j: t.rows[d][j] / -rate[j] for j in cand}
    low = min(key.values())
    cand = [j for j in cand if key[j] == low]
    pos = {c: i for i, c in enumerate(t.basic)}
    for p in range(M):
        if len(cand) == 1:
            break
        for j in cand:
            coef = Fraction(int(t.nb[j] == p))
            if p in pos:
                coef -= t.rows[pos[p]][j]
            key[j] = coef / -rate[j]
        low = min(key[j] for j in cand)
        cand = [j for j in cand if key[j] == low]
    return cand[0]


def _pivot(t: _Basis, k: int, a: int) -> _Basis:
    """The basis with ``nb[a]`` in place of ``basic[k]``, and its tableau."""
    d = len(t.basic)
    g = [row[a] for row in t.rows]
    gk = g[k]
    h = [v / gk for v in g]
    h[k] -= 1 / gk
    col = t.rows[k]
    rows = [
        [v - hr * c for v, c in zip(row, col, strict=True)]
        for row, hr in zip(t.rows, h, strict=True)
    ]
    for r in range(d + 1):
        rows[r][a] = -h[r]
    rows[k][a] += 1
    basic = (*t.basic[:k], t.nb[a], *t.basic[k + 1 :])
    nb = (*t.nb[:a], t.basic[k], *t.nb[a + 1 :])
    return _Basis(basic, nb, rows)


def search(
    C: NDArray[np.float64], b: NDArray[np.float64], start: NDArray[np.intp], max_bases: int
) -> tuple[NDArray[np.intp], NDArray[np.float64], bool]:
    """Every basis of the lexicographic search of ``{z : C z <= b}``, in rationals.

    Parameters
    ----------
    C, b : numpy.ndarray
        ``(M, d)`` and ``(M,)``, a bounded polytope; their floats are taken exactly.
    start : numpy.ndarray
        ``(d,)`` a feasible basis whose point no other constraint is tight at.
    max_bases : int
        The search stops (incomplete) once it found this many bases.

    Returns
    -------
    perm : numpy.ndarray
        ``(V, M)``: each basis' constraints, then its nonbasic ones.
    nb_slack : numpy.ndarray
        ``(V, M - d)``: the slacks of the nonbasic constraints, rounded to floats.
    complete : bool
    """
    M, d = C.shape
    Cf = [[Fraction(float(v)) for v in row] for row in C]
    bf = [Fraction(float(v)) for v in b]
    first = _first(Cf, bf, tuple(sorted(int(i) for i in start)))
    seen = {frozenset(first.basic)}
    found, frontier, complete = [first], [first], True
    while frontier:
        level = []
        for t in frontier:
            for k in range(d):
                a = _enter(t, k, M)
                if a is None:
                    continue
                key = frozenset((*t.basic[:k], t.nb[a], *t.basic[k + 1 :]))
                if key in seen:
                    continue
                if len(seen) >= max_bases:
                    complete = False
                    continue
                seen.add(key)
                level.append(_pivot(t, k, a))
        found += level
        frontier = level
    perm = np.array([(*t.basic, *t.nb) for t in found], dtype=np.intp)
    slack = np.array([[float(v) for v in t.rows[d]] for t in found])
    return perm, slack, complete
