r"""Vertices of a polytope :math:`\{z : C z \le b\}` by a batched simplex-tableau search.

Internal to :mod:`~tariffsim.equilibrium.vertex`. A *basis* is a set of
:math:`d` constraints whose rows of :math:`C` are linearly independent; it
defines the point :math:`z = C_K^{-1} b_K`, a vertex when every other
constraint holds. Each basis carries its *tableau* over the :math:`N = M - d`
nonbasic constraints,

.. math::

    T_{k a} = C_{a} \, C_K^{-1} e_k, \qquad s_a = b_a - C_a z,

so moving along edge :math:`k` (relaxing the :math:`k`-th basic constraint,
direction :math:`-C_K^{-1} e_k`) lowers slack :math:`s_a` at rate
:math:`-T_{k a}`. The ratio test picks the entering constraint
:math:`\arg\min_{a : T_{ka} < 0} s_a / (-T_{ka})`, i.e. the largest
:math:`T_{ka} / (-s_a)`, and a pivot updates the tableau by a rank-one
correction in :math:`O(dN)` (no inverse; the slacks ride along as row
:math:`d` of the tableau, updated by the same correction). The search is
breadth-first, one level at a time, each level in a few numpy calls over
blocks of bases small enough to stay in cache; bases are identified by the
bitmask of their constraints and de-duplicated by sorting. Several polytopes
of one shape are searched in the same calls (their bases tagged), so the
per-call overhead of small problems is paid once. Tableaux are recomputed
from inverses every few levels so rounding errors do not build up.

Two modes:

* **fast** (default): plain ratio test. Valid while no vertex is degenerate
  (no nonbasic constraint tight); the first tight nonbasic slack met aborts
  the search (:data:`DEGENERATE`) — a tie in any ratio test shows up as one —
  and the caller restarts in careful mode.
* **careful**: ties in the ratio test are broken *lexicographically* (the
  symbolic perturbation :math:`b + (\varepsilon, \varepsilon^2, \dots)`), which
  makes the perturbed polytope simple, its basis graph connected, and the
  search complete for degenerate polytopes; a degenerate vertex is then
  reached through several bases, merged by the caller.

Rounding. The normalised payoffs lie on a grid of :math:`10^{-12}`
(:data:`~tariffsim.equilibrium.scaling.SNAP`), so a rate :math:`T_{ka}` that
is zero in the game comes out as a few :math:`10^{-12}`, of either sign. A
pivot on such an element reaches a basis that is singular in the game (in a
degenerate game a tie of the ratio test can select it: the lexicographic
tie-break divides by the rate), whose updated tableau is noise. So a rate
counts as zero unless it exceeds :data:`_RATE_EPS` times the largest entries
of its row and of its column (:func:`_rate_floor`; a smaller pivot would
make the child's tableau, and the inverse of its basis, larger than the
reciprocal of :data:`_RATE_EPS`: singular to within the rounding), in both
modes and in the compiled search (where a pivot on a smaller one sends the
polytope to the careful search). Candidates of the careful ratio test tie
when the choice of either leaves no candidate more than :data:`_TIE` below
zero, a test in the units of the slacks (a relative test of the ratios
picked an infeasible basis at the tiny ratios of an ill-conditioned basis).

Payoffs degenerate only to within these tolerances (differences of
:math:`10^{-10}` of the range, say) still put bases singular to within the
rounding in the search's way, and can make an edge one-way. The careful
search therefore remembers every basis it found (the fast one only the
last two levels), so it ends; a fast search that finds more bases than the
polytope has (``M`` choose ``d``) gives way to the careful one, as does one
whose recomputed tableau is singular or off the polytope by more than
:data:`_OFF` (a careful one raises, as below). At its end a
careful search solves each basis afresh: one singular, or off the polytope
by more than :data:`_OFF`, raises :class:`~tariffsim.errors.NumericalError`,
and the caller searches that polytope again in rational arithmetic
(:func:`exact_vertices`); bases off by less (but more than :data:`TIGHT`)
are dropped, their points being no vertices.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import cached_property
from math import comb
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from .. import _trade_kernel
from ..errors import NumericalError
from . import _polytope_exact, _polytope_jit

__all__ = ["DEGENERATE", "USE_JIT", "Vertices", "enumerate_vertices", "exact_vertices", "run"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Slack under which a constraint counts as tight (payoffs normalised into [1, 2]).
TIGHT: Final = 1e-9
#: A basis whose solved slack is below minus this is off its polytope: rounding defeated
#: the search that reached it (module notes).
_OFF: Final = 1e-6
#: A rate counts as zero up to this times the largest entries (or 1) of its row and its
#: column (the rounding of the normalised payoffs makes zero rates a few 1e-12).
_RATE_EPS: Final = 1e-9
#: Candidates of the careful ratio test tie when moving to where either ends the edge
#: leaves no candidate's slack below minus this.
_TIE: Final = 1e-9
#: Relative tolerance under which coefficients of the lexicographic perturbation are equal.
_LEX_TIE: Final = 1e-10
#: Bases per block of vectorised work (a block's tableaux fit in cache).
_BLOCK: Final = 512
#: Levels between recomputations of the tableaux from inverses (the rank-one
#: updates lose about 1e-13 over 30 levels on random 15 x 15 games).
_REFRESH: Final = 24
#: Levels per call of the compiled search (tableaux are recomputed between calls).
_JIT_LEVELS: Final = 48
#: Returned by a fast search that met a degenerate vertex.
DEGENERATE: Final = "degenerate"
#: Run the fast search's levels compiled when numba is installed: off with the one switch
#: of every compiled kernel, ``TARIFFSIM_JIT=0`` (:data:`tariffsim._trade_kernel.ENV`, read at
#: import); tests also switch it off to check the pure numpy path.
USE_JIT: bool = _trade_kernel.ENABLED


@dataclass(frozen=True)
class Vertices:
    """Bases visited by the search of one polytope ``{z : C z <= b}``, one row each.

    Either ``perm`` and ``nb_slack`` are stored (every search in careful
    mode), or, for a nondegenerate polytope, only the label bitmasks (the
    compiled search); points are then solved from the bases on request.

    Attributes
    ----------
    C, b : numpy.ndarray
        The polytope.
    perm : numpy.ndarray or None
        ``(V, M)`` the basic constraints (first ``d``), then the nonbasic ones.
    nb_slack : numpy.ndarray or None
        ``(V, N)`` slacks of the nonbasic constraints, in ``perm[:, d:]`` order.
    keys : numpy.ndarray or None
        ``(V,)`` bitmasks of the basic constraints.
    complete : bool
        False when the search stopped at its basis limit.
    degenerate : bool
        True when some visited vertex has a tight nonbasic constraint.
    """

    C: FloatArray
    b: FloatArray
    perm: IntArray | None
    nb_slack: FloatArray | None
    keys: NDArray[np.int64] | None
    complete: bool
    degenerate: bool

    def __len__(self) -> int:
        return int(self.perm.shape[0] if self.perm is not None else len(self.keys))  # type: ignore[arg-type]

    def bases_of(self, rows: Any = slice(None)) -> IntArray:
        """``(len(rows), d)`` basic constraints, ascending when decoded from keys."""
        M, d = self.C.shape
        if self.perm is not None:
            return self.perm[rows, :d]
        assert self.keys is not None
        bits = (self.keys[rows][:, None] >> np.arange(M, dtype=np.int64)) & 1
        return np.nonzero(bits)[1].reshape(-1, d)

    def slack_of(self, rows: Any = slice(None)) -> FloatArray:
        """``(len(rows), M)`` slack of every constraint (0 on basic ones)."""
        M, d = self.C.shape
        if self.perm is not None and self.nb_slack is not None:
            perm, sl = self.perm[rows], self.nb_slack[rows]
            out = np.zeros(perm.shape)
            np.put_along_axis(out, perm[:, d:], np.maximum(sl, 0.0), axis=1)
            return out
        basis = self.bases_of(rows)
        if not basis.shape[0]:
            return np.zeros((0, M))
        z = np.linalg.solve(self.C[basis], self.b[basis][:, :, None])[:, :, 0]
        out = np.maximum(self.b[None, :] - z @ self.C.T, 0.0)
        np.put_along_axis(out, basis, 0.0, axis=1)
        return out

    @cached_property
    def slack(self) -> FloatArray:
        """``(V, M)`` slack of every constraint."""
        return self.slack_of()

    @cached_property
    def tight(self) -> NDArray[np.bool_]:
        """``(V, M)`` which constraints are tight (the labels)."""
        if not self.degenerate and self.keys is not None:
            M = self.C.shape[0]
            return ((self.keys[:, None] >> np.arange(M, dtype=np.int64)) & 1).astype(bool)
        return self.slack <= TIGHT

    @cached_property
    def labels(self) -> NDArray[np.int64]:
        """``(V,)`` bitmask of the tight constraints (needs ``M <= 62``)."""
        M = self.C.shape[0]
        bit = np.left_shift(np.int64(1), np.arange(M, dtype=np.int64))
        if not self.degenerate:  # the tight constraints are the basic ones
            if self.keys is not None:
                return self.keys
            return np.asarray(bit[self.bases_of()].sum(axis=1))
        return np.asarray(self.tight.astype(np.int64) @ bit)


def _tableaux(C: FloatArray, b: FloatArray, basis: IntArray) -> tuple[FloatArray, IntArray]:
    """Augmented tableaux ``(F, d + 1, N)`` and constraint orders ``(F, M)`` from inverses.

    ``perm[:, :d]`` is the basis (in tableau column order), ``perm[:, d:]``
    the nonbasic constraints; row ``d`` of the tableau holds their slacks.

    Raises
    ------
    NumericalError
        If a basis is singular in floating point.
    """
    F, d = basis.shape
    M = C.shape[0]
    mask = np.ones((F, M), dtype=bool)
    np.put_along_axis(mask, basis, False, axis=1)
    nb = np.nonzero(mask)[1].reshape(F, M - d)
    try:
        inv = np.linalg.inv(C[basis])  # (F, d, d)
    except np.linalg.LinAlgError:
        raise NumericalError(_lost("a basis the search reached is singular")) from None
    Cn = C[nb]  # (F, N, d)
    aug = np.empty((F, d + 1, M - d))
    aug[:, :d, :] = np.matmul(Cn, inv).transpose(0, 2, 1)
    z = np.matmul(inv, b[basis][:, :, None])
    aug[:, d, :] = b[nb] - np.matmul(Cn, z)[:, :, 0]
    return aug, np.concatenate([basis, nb], axis=1)


def _refresh(C: FloatArray, b: FloatArray, basis: IntArray) -> tuple[FloatArray, IntArray]:
    """:func:`_tableaux` of bases the search reached, checked to be on the polytope.

    Raises
    ------
    NumericalError
        If a basis is singular, or its point violates a constraint by more
        than :data:`_OFF` (rounding took the search off the polytope).
    """
    aug, perm = _tableaux(C, b, basis)
    if not (aug[:, basis.shape[1], :] >= -_OFF).all():
        raise NumericalError(_lost("a basis the search reached is off the polytope"))
    return aug, perm


def _refresh_groups(
    C: FloatArray, b: FloatArray, gid: IntArray, aug: FloatArray, perm: IntArray
) -> None:
    """:func:`_refresh` in place the tableaux ``aug`` and orders ``perm`` of each polytope's bases.

    ``gid`` tags each basis with its polytope (``C[g]``, ``b[g]``).
    """
    d = C.shape[-1]
    for g in range(C.shape[0]):
        rows = np.flatnonzero(gid == g)
        if rows.size:
            aug[rows], perm[rows] = _refresh(C[g], b[g], perm[rows, :d])


def _lost(what: str) -> str:
    """Message of the :class:`NumericalError` of a search that rounding defeated."""
    return (
        f"vertex enumeration: {what}: rounding errors defeated the search of a "
        "best-response polytope (the game's payoffs are too ill-conditioned for its "
        "floating-point arithmetic)"
    )


def _rate_floor(row_max: FloatArray, col_max: FloatArray) -> FloatArray:
    """Magnitude up to which a rate ``T[k, a]`` counts as zero (see the module notes).

    :data:`_RATE_EPS` times the largest magnitude in its row (the rates of
    edge ``k``) and times the largest in its column (constraint ``a`` in the
    basis' coordinates): `row_max` and `col_max`, each at least 1 (a ``max``
    with ``initial=1.0``), broadcast together.
    """
    return _RATE_EPS * row_max * col_max


def _enter_fast(aug: FloatArray, d: int) -> IntArray:
    """Entering position (into the nonbasic list) for every edge of a block, ``(F, d)``.

    Valid when every nonbasic slack is positive (a nondegenerate vertex).
    """
    neg_inv = -1.0 / aug[:, d, :]
    return np.asarray(np.argmax(aug[:, :d, :] * neg_inv[:, None, :], axis=2))


def _enter_lex(aug: FloatArray, perm: IntArray, M: int) -> tuple[IntArray, NDArray[np.bool_]]:
    """Entering positions with lexicographic tie-breaking, and which edges are bounded.

    The slack of nonbasic constraint ``a`` under the perturbation
    ``b + (eps, eps^2, ...)`` has coefficient ``[nb_a == p] - T[pos(p), a]`` on
    ``eps^(p+1)`` (the second term only when ``p`` is basic at position
    ``pos(p)``); ties of the ratio test are narrowed power by power. Only
    rates beyond :func:`_rate_floor` are candidates.
    """
    d = aug.shape[1] - 1
    T, s = aug[:, :d, :], aug[:, d, :]
    basis, nb = perm[:, :d], perm[:, d:]
    fall = -T  # how fast each nonbasic slack falls along each edge
    mag = np.abs(T)
    row, col = mag.max(axis=2, initial=1.0), mag.max(axis=1, initial=1.0)
    cand = fall > _rate_floor(row[:, :, None], col[:, None, :])
    rate = np.where(cand, fall, 1.0)
    ratio = np.where(cand, np.maximum(s, 0.0)[:, None, :] / rate, np.inf)
    best = ratio.min(axis=2, keepdims=True)
    ok = np.isfinite(best[:, :, 0])
    # tied: the candidates whose choice leaves no candidate more than _TIE below zero
    # (moving past the first one to end the edge by dt costs a candidate rate * dt)
    best_f = np.where(ok[:, :, None], best, 0.0)
    top = np.where(cand, fall, 0.0).max(axis=2, keepdims=True)
    alive = cand & ((np.where(cand, ratio, best_f) - best_f) * top <= _TIE)
    tied = alive.sum(axis=2) > 1
    if tied.any():
        pp, kk = np.nonzero(tied)
        sub = alive[pp, kk]  # (Q, N)
        inv_rate = np.where(sub, 1.0 / rate[pp, kk], 0.0)
        Q = pp.size
        pos = np.full((Q, M), -1)
        np.put_along_axis(pos, basis[pp], np.arange(d)[None, :].repeat(Q, 0), axis=1)
        rows = np.arange(Q)
        nbq, Tq = nb[pp], T[pp]
        for p in range(M):
            if not (sub.sum(axis=1) > 1).any():
                break
            coef = (nbq == p).astype(float)
            k = pos[:, p]
            has = k >= 0
            coef[has] -= Tq[rows[has], k[has], :]
            v = np.where(sub, coef * inv_rate, np.inf)
            low = v.min(axis=1, keepdims=True)
            sub &= v <= low + _LEX_TIE * np.maximum(1.0, np.abs(low))
        alive[pp, kk] = sub
    return np.asarray(np.argmax(alive, axis=2)), ok


def _pivot(
    aug: FloatArray, perm: IntArray, ff: IntArray, kk: IntArray, aa: IntArray, d: int
) -> tuple[FloatArray, IntArray, FloatArray]:
    """Children of parents ``ff`` along edges ``kk`` (entering nonbasic position ``aa``).

    Returns their augmented tableaux, constraint orders and smallest slacks
    (``-inf`` for a child whose pivot element is not negative beyond
    :func:`_rate_floor`: a zero rate, the child's basis singular).
    """
    r = np.arange(ff.size)
    A = aug[ff]
    g = A[r, :, aa]  # the entering constraint's row in the old basis' coordinates (+ slack)
    gk = g[r, kk]
    col = A[r, kk, :]  # rates along the edge, (P, N)
    sound = gk < -_rate_floor(
        np.abs(col).max(axis=1, initial=1.0), np.abs(g[:, :d]).max(axis=1, initial=1.0)
    )
    h = g / gk[:, None]
    h[r, kk] -= 1.0 / gk
    A -= h[:, :, None] * col[:, None, :]
    A[r, :, aa] = -h  # the leaving constraint takes the entering one's place
    A[r, kk, aa] += 1.0
    P = perm[ff]
    aa_d = aa + d
    leave = P[r, kk]
    P[r, kk] = P[r, aa_d]
    P[r, aa_d] = leave
    smin = A[:, d, :].min(axis=1)
    return A, P, np.where(sound, smin, -np.inf)


def _first_unique(keys: NDArray[Any], bits: int) -> tuple[NDArray[Any], IntArray]:
    """Distinct keys (sorted) and the index of one occurrence of each."""
    n = keys.shape[0]
    shift = int(n).bit_length()
    if keys.dtype == np.int64 and n and bits + shift <= 62:
        packed = np.sort((keys << shift) | np.arange(n, dtype=np.int64))
        k = packed >> shift
        first = np.empty(n, dtype=bool)
        first[0] = True
        np.not_equal(k[1:], k[:-1], out=first[1:])
        return k[first], (packed[first] & ((1 << shift) - 1)).astype(np.intp)
    uk, idx = np.unique(keys, return_index=True)
    return uk, idx


def _member(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.bool_]:
    """``a[i] in b`` for sorted `b`."""
    if not b.shape[0]:
        return np.zeros(a.shape[0], dtype=bool)
    if a.dtype != np.int64:
        return np.isin(a, b)
    idx = np.searchsorted(b, a)
    idx[idx == b.shape[0]] = 0
    return np.asarray(b[idx] == a)


def _void_keys(perm: IntArray, d: int, M: int) -> NDArray[Any]:
    mask = np.zeros((perm.shape[0], M), dtype=bool)
    np.put_along_axis(mask, perm[:, :d], True, axis=1)
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def enumerate_vertices(
    C: FloatArray,
    b: FloatArray,
    start: IntArray,
    max_bases: int,
    *,
    careful: bool = False,
) -> Generator[tuple[list[Vertices | None], NDArray[np.int64]], None, list[Vertices] | str]:
    """Breadth-first search over the feasible bases of ``G`` polytopes ``{z : C_g z <= b_g}``.

    A generator: after each level it yields one entry per polytope, its
    :class:`Vertices` once its search has ended (``None`` before), and the
    bases found so far per polytope, so a caller may stop as soon as one is
    done or interleave searches. It returns the list of all of them, or
    :data:`DEGENERATE` when a fast search met a degenerate vertex.

    Parameters
    ----------
    C, b : numpy.ndarray
        ``(G, M, d)`` and ``(G, M)``; every polytope must be bounded.
    start : numpy.ndarray
        ``(G, d)`` a feasible basis of each (nondegenerate in fast mode).
    max_bases : int
        A polytope's search stops (``complete=False``) once it found more bases.
    careful : bool
        Lexicographic ratio test (see the module notes).

    Raises
    ------
    NumericalError
        If rounding defeats the search (see the module notes).
    """
    G, M, d = C.shape
    parts = [_tableaux(C[g], b[g], np.sort(start[g])[None, :]) for g in range(G)]
    aug = np.concatenate([a for a, _ in parts])
    perm = np.concatenate([p for _, p in parts])
    gid = np.arange(G, dtype=np.int64)
    key_bits = M + (G - 1).bit_length()
    use_int = key_bits <= 62
    if not use_int and G != 1:
        raise ValueError("several polytopes need M + log2(G) <= 62")
    bit = np.left_shift(np.int64(1), np.arange(M, dtype=np.int64))
    keys = bit[perm[:, :d]].sum(axis=1) | (gid << M) if use_int else _void_keys(perm, d, M)
    if use_int and not careful and _polytope_jit.AVAILABLE and USE_JIT:
        if (aug[:, d, :] <= TIGHT).any():
            return DEGENERATE
        return (yield from _jit_search(C, b, aug, perm, keys, max_bases))
    recent = np.sort(keys)
    hist_perm: list[IntArray] = []
    hist_slack: list[FloatArray] = []
    hist_gid: list[NDArray[np.int64]] = []
    totals = np.ones(G, dtype=np.int64)
    complete = np.ones(G, dtype=bool)
    degenerate = np.zeros(G, dtype=bool)
    done: list[Vertices | None] = [None] * G
    level = 0
    start_min = aug[:, d, :].min(axis=1)
    if (start_min <= TIGHT).any():
        if not careful:
            return DEGENERATE
        degenerate |= start_min <= TIGHT
    while True:
        hist_perm.append(perm.copy())
        hist_slack.append(aug[:, d, :].copy())
        hist_gid.append(gid.copy())
        ff, kk, aa, new_keys = _children(aug, perm, keys, bit, recent, careful, M, key_bits)
        new_gid = gid[ff]
        aug_n, perm_n, smin = _pivot_blocks(aug, perm, ff, kk, aa, d)
        counts = np.bincount(new_gid, minlength=G)
        over = (totals + counts > max_bases) & (counts > 0)
        if over.any():  # stop those polytopes here
            complete &= ~over
            keep = ~over[new_gid]
            aug_n, perm_n = aug_n[keep], perm_n[keep]
            new_keys, new_gid = new_keys[keep], new_gid[keep]
            smin = smin[keep]
            counts = np.bincount(new_gid, minlength=G)
        totals += counts
        if new_keys.shape[0]:
            level += 1
            bad = smin <= TIGHT
            if bad.any() and not careful:
                return DEGENERATE
            if level % _REFRESH == 0:
                if not careful and _revisited(totals, M, d):
                    return DEGENERATE
                try:
                    _refresh_groups(C, b, new_gid, aug_n, perm_n)
                except NumericalError:
                    if careful:
                        raise
                    return DEGENERATE  # a fast search in trouble: search carefully
                bad |= aug_n[:, d, :].min(axis=1) <= TIGHT
            if bad.any():
                if not careful:
                    return DEGENERATE
                degenerate |= np.bincount(new_gid[bad], minlength=G) > 0
        for g in range(G):
            if done[g] is None and not counts[g]:
                done[g] = _collect(
                    C, b, hist_perm, hist_slack, hist_gid, g, G, careful, complete, degenerate
                )
        if not new_keys.shape[0]:
            break
        # careful: every basis found so far (rounding can make an edge one-way there)
        both = np.concatenate([recent if careful else keys, new_keys])
        recent = np.sort(both, kind="stable") if use_int else both
        aug, perm, keys, gid = aug_n, perm_n, new_keys, new_gid
        yield list(done), totals.copy()
    return [v for v in done if v is not None]


def _jit_search(
    C: FloatArray,
    b: FloatArray,
    aug: FloatArray,
    perm: IntArray,
    keys: NDArray[np.int64],
    max_bases: int,
) -> Generator[tuple[list[Vertices | None], NDArray[np.int64]], None, list[Vertices] | str]:
    """The fast search by the compiled kernel, :data:`_JIT_LEVELS` levels per call.

    Between calls the frontier's tableaux are recomputed from inverses.
    Only the bases' keys are kept (the polytopes are nondegenerate).
    """
    G, M, d = C.shape
    gid = np.arange(G, dtype=np.int64)
    bit = np.left_shift(np.int64(1), np.arange(M, dtype=np.int64))
    prev = keys[:0]
    totals = np.ones(G, dtype=np.int64)
    complete = np.ones(G, dtype=bool)
    hist_keys: list[NDArray[np.int64]] = []
    hist_gid: list[NDArray[np.int64]] = []
    done: list[Vertices | None] = [None] * G
    fixed = (bit, TIGHT, _RATE_EPS, max_bases, totals, complete, _JIT_LEVELS)  # in every call
    while True:
        h_keys, h_gid, aug, perm, keys, gid, prev, status = _polytope_jit.search(
            aug, perm, keys, gid, prev, *fixed
        )
        if status or _revisited(totals, M, d):
            return DEGENERATE
        hist_keys.append(h_keys)
        hist_gid.append(h_gid)
        live = np.bincount(gid, minlength=G)
        for g in range(G):
            if done[g] is None and not live[g]:
                for hist in (hist_keys, hist_gid):
                    if len(hist) > 1:
                        hist[:] = [np.concatenate(hist)]
                mine = hist_keys[0][hist_gid[0] == g] & ((np.int64(1) << M) - 1)
                done[g] = Vertices(C[g], b[g], None, None, mine, bool(complete[g]), False)
        if not perm.shape[0]:
            return [v for v in done if v is not None]
        try:
            _refresh_groups(C, b, gid, aug, perm)
        except NumericalError:
            return DEGENERATE
        if (aug[:, d, :] <= TIGHT).any():
            return DEGENERATE
        yield list(done), totals.copy()


def _revisited(totals: NDArray[np.int64], M: int, d: int) -> bool:
    """Whether a fast search counted more bases than a polytope has (``M`` choose ``d``).

    Breadth-first, a basis is never found twice, unless rounding broke the
    symmetry of the edges (a pivot and its reverse lead to different bases).
    """
    return int(totals.max()) > comb(M, d)


def _children(
    aug: FloatArray,
    perm: IntArray,
    keys: NDArray[Any],
    bit: NDArray[np.int64],
    recent: NDArray[Any],
    careful: bool,
    M: int,
    key_bits: int,
) -> tuple[IntArray, IntArray, IntArray, NDArray[Any]]:
    """Parents, edges and entering positions of a level's new bases, and their keys.

    A basis reached from the level is new unless it lies in the previous
    level or this one (`recent`, sorted): breadth-first, a neighbour of
    level ``L`` lies in level ``L - 1``, ``L`` or ``L + 1``.
    """
    F = perm.shape[0]
    d = aug.shape[1] - 1
    ent = np.empty((F, d), dtype=np.intp)
    ok = np.ones((F, d), dtype=bool)  # fast mode: bounded polytopes, every edge ends
    for lo in range(0, F, _BLOCK):
        blk = slice(lo, lo + _BLOCK)
        if careful:
            ent[blk], ok[blk] = _enter_lex(aug[blk], perm[blk], M)
        else:
            ent[blk] = _enter_fast(aug[blk], d)
    flat = np.flatnonzero(ok)
    if keys.dtype == np.int64:
        bp = bit[perm]
        child = (keys[:, None] ^ bp[:, :d]) | np.take_along_axis(bp[:, d:], ent, axis=1)
        ck = child.ravel()[flat]
    else:
        kids = perm[flat // d].copy()
        kids[np.arange(flat.size), flat % d] = perm[flat // d, d + ent.ravel()[flat]]
        ck = _void_keys(kids, d, M)
    ck, first = _first_unique(ck, key_bits)
    fresh = ~_member(ck, recent)
    pick = flat[first[fresh]]
    ff, kk = pick // d, pick % d
    return ff, kk, ent[ff, kk], ck[fresh]


def _pivot_blocks(
    aug: FloatArray, perm: IntArray, ff: IntArray, kk: IntArray, aa: IntArray, d: int
) -> tuple[FloatArray, IntArray, FloatArray]:
    """:func:`_pivot` over blocks of :data:`_BLOCK` children."""
    if ff.size <= _BLOCK:
        return _pivot(aug, perm, ff, kk, aa, d)
    pieces = [
        _pivot(aug, perm, ff[lo : lo + _BLOCK], kk[lo : lo + _BLOCK], aa[lo : lo + _BLOCK], d)
        for lo in range(0, ff.size, _BLOCK)
    ]
    return (
        np.concatenate([x[0] for x in pieces]),
        np.concatenate([x[1] for x in pieces]),
        np.concatenate([x[2] for x in pieces]),
    )


def _collect(
    C: FloatArray,
    b: FloatArray,
    hist_perm: list[IntArray],
    hist_slack: list[FloatArray],
    hist_gid: list[NDArray[np.int64]],
    g: int,
    G: int,
    careful: bool,
    complete: NDArray[np.bool_],
    degenerate: NDArray[np.bool_],
) -> Vertices:
    """The bases polytope `g`'s search visited; a careful search's slacks solved afresh."""
    for hist in (hist_perm, hist_slack, hist_gid):  # merged in place, once
        if len(hist) > 1:
            hist[:] = [np.concatenate(hist)]
    perm, sl = hist_perm[0], hist_slack[0]
    if G > 1:
        rows = hist_gid[0] == g
        perm, sl = perm[rows], sl[rows]
    if careful:
        sl = _solved_slacks(C[g], b[g], perm)
        on = sl.min(axis=1) >= -TIGHT  # a point a little off the polytope is no vertex
        perm, sl = perm[on], sl[on]
    return Vertices(C[g], b[g], perm, sl, None, bool(complete[g]), bool(degenerate[g]))


def _solved_slacks(C: FloatArray, b: FloatArray, perm: IntArray) -> FloatArray:
    """Slacks of the nonbasic constraints ``perm[:, d:]`` at each basis ``perm[:, :d]``, solved.

    Checks a careful search, whose pivots met degenerate vertices: every
    basis it visited must be nonsingular and feasible.

    Raises
    ------
    NumericalError
        If a basis is singular, or its point is off the polytope by more than
        :data:`_OFF`.
    """
    d = C.shape[1]
    out = np.empty((perm.shape[0], perm.shape[1] - d))
    for lo in range(0, perm.shape[0], 8 * _BLOCK):
        basis, nb = perm[lo : lo + 8 * _BLOCK, :d], perm[lo : lo + 8 * _BLOCK, d:]
        try:
            z = np.linalg.solve(C[basis], b[basis][:, :, None])
        except np.linalg.LinAlgError:
            raise NumericalError(_lost("a basis the search reached is singular")) from None
        out[lo : lo + 8 * _BLOCK] = b[nb] - np.matmul(C[nb], z)[:, :, 0]
    if not (out >= -_OFF).all():
        raise NumericalError(_lost("a basis the search reached is off the polytope"))
    return out


def exact_vertices(C: FloatArray, b: FloatArray, start: IntArray, max_bases: int) -> Vertices:
    """The careful search of one polytope in rational arithmetic (see :mod:`._polytope_exact`).

    For a polytope whose careful search raised :class:`NumericalError`; the
    arguments are those of :func:`enumerate_vertices` for one polytope
    (``C`` of shape ``(M, d)``). A vertex is degenerate when a nonbasic
    slack, rounded to a float, is at most :data:`TIGHT`.
    """
    perm, slack, complete = _polytope_exact.search(C, b, start, max_bases)
    degenerate = bool((slack <= TIGHT).any())
    return Vertices(C, b, perm, slack, None, complete, degenerate)


def run(gen: Generator[Any, None, Any]) -> Any:
    """Run a search to its end and return its value."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
