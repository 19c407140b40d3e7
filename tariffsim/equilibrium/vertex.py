r"""All extreme Nash equilibria of two-player games by vertex enumeration.

With each player's payoffs normalised (:mod:`~tariffsim.equilibrium.scaling`)
and shifted into :math:`[1, 2]`, the best-response polytopes are

.. math::

    P = \{x \in \mathbb R^m : x \ge 0,\ B^\top x \le 1\}, \qquad
    Q = \{y \in \mathbb R^n : A y \le 1,\ y \ge 0\}.

A point of :math:`P` has *label* :math:`i < m` when :math:`x_i = 0` and label
:math:`m + j` when :math:`(B^\top x)_j = 1` (column :math:`j` is a best reply
to :math:`x`); in :math:`Q`, label :math:`i` when :math:`(Ay)_i = 1` and
:math:`m + j` when :math:`y_j = 0`. A pair of vertices
:math:`(x, y) \ne (0, 0)` whose labels cover :math:`\{0, \dots, m + n - 1\}`
is, normalised to sum to one, an *extreme* Nash equilibrium, and every
extreme equilibrium is such a pair (von Stengel, "Computing equilibria for
two-person games", Handbook of Game Theory 3, 2002, §3–4). The equilibrium set
of a degenerate game is a finite union of convex sets (maximal Nash subsets)
spanned by extreme equilibria; two extreme equilibria lie in the same
*connected component* exactly when they are linked through the bipartite graph
whose edges are the extreme equilibria (Avis, Rosenberg, Savani and von
Stengel, "Enumeration of Nash equilibria for two-player games", Economic
Theory 42, 2010).

Algorithm
---------
The vertices of each polytope are enumerated by a breadth-first search over
its feasible bases (:mod:`~tariffsim.equilibrium._polytope`): each basis
carries its simplex tableau, a pivot is a rank-one update (no inverse), a
level of the search is a few vectorised numpy calls, or one call of a
compiled kernel when numba is installed (the ``fast`` extra). A fast search
assumes a nondegenerate polytope and gives up at the first tight nonbasic
constraint; the polytope is then searched again with ties in the ratio test
broken *lexicographically* (the symbolic perturbation
:math:`b + (\varepsilon, \varepsilon^2, \dots)`), which makes the perturbed
polytope simple and its basis graph connected, so degenerate games need no
special case. A vertex's labels are every constraint tight at it (so
degenerate vertices carry more than :math:`m` labels). Rates and slacks are
read to within tolerances (see :mod:`~tariffsim.equilibrium._polytope`);
when payoffs degenerate only to within them (differences of about
:math:`10^{-9}` of the range) defeat the floating-point search of a
polytope, it is searched again in rational arithmetic, slower but exact.

Pairs: when both polytopes are nondegenerate a vertex's labels are its
basis, a bitmask, and completely labelled pairs are found by a sorted
lookup of complements. Square games search both polytopes in the same
calls; otherwise the smaller is searched first and, when it is
nondegenerate, each of its vertices fixes the labels its partner must have:
the partners come from stacked ``k x k`` solves (``k`` the support size) and
the other polytope is never enumerated. Degenerate vertices are matched by
an all-pairs ``|`` of label bitmasks.

Cost: proportional to the number of bases (random ``10 x 10`` games have
about 1,000 per polytope, ``15 x 15`` 30,000 to 80,000), each costing
:math:`O(mn)` arithmetic; see ``benchmarks/bench_equilibrium.py`` for times
against quantecon.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ..errors import ConvergenceWarning, NumericalError
from . import _polytope, _polytope_exact
from ._validate import check_bool, check_int
from .normal_form import (
    FloatArray,
    _as_game,
    _check_relative_tol,
    _equilibria_repr,
    _require_players,
)
from .scaling import _tied_pure_replies, normalize

__all__ = ["VertexResult", "vertex_enumeration"]

#: Slack (on payoffs normalised into [1, 2]) under which a constraint is tight.
_TIGHT = _polytope.TIGHT
#: Bases one polytope's search visits before the other search starts.
_JOIN = 3000
#: A partner system counts as singular when ``log(|det| / prod of its rows' lengths)`` is
#: at most this (Hadamard's ratio 1e-10; rounding leaves an exactly singular system near
#: 1e-16, and a nonsingular one of a game's small integer or decimal payoffs far above).
_MIN_LOG_VOLUME = float(np.log(1e-10))


@dataclass(frozen=True, slots=True)
class VertexResult:
    """Every extreme equilibrium of a two-player game and the components they span.

    Attributes
    ----------
    equilibria : tuple of (numpy.ndarray, numpy.ndarray)
        The extreme equilibria ``(sigma1, sigma2)``, read-only probability
        vectors, sorted by supports then lexicographically.
    components : tuple of tuple of int
        Connected components of the equilibrium set: each entry lists the
        indices (into ``equilibria``) of the extreme equilibria of one
        component. A component with one member is an isolated equilibrium;
        a larger one is a continuum (the convex hulls of its maximal Nash
        subsets).
    degenerate : bool
        True when a vertex found has more labels than its polytope's
        dimension (the game is degenerate).
    n_vertices : tuple of int
        Number of vertices found of ``P`` and ``Q`` (the artificial vertex 0
        included). When one polytope was enumerated and the partners solved,
        the other entry counts only the partners.
    exact : tuple or None
        With ``exact=True``: for each equilibrium, ``(x, y)`` as tuples of
        :class:`fractions.Fraction` solving the equilibrium's label system in
        exact arithmetic on the game's payoffs (each float is converted
        exactly), checked exactly for being a Nash equilibrium; ``None`` for
        an equilibrium whose exact check failed (the message says how many).
    message : str
    complete : bool
        Whether both polytopes' searches finished: False when one stopped at
        ``max_vertices`` bases (or the most the memory limit holds), so that
        equilibria may be missing (a :class:`ConvergenceWarning` says so too).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> bos = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> r = eq.vertex_enumeration(bos)
    >>> len(r.equilibria), r.components, r.degenerate
    (3, ((0,), (1,), (2,)), False)
    """

    equilibria: tuple[tuple[FloatArray, FloatArray], ...]
    components: tuple[tuple[int, ...], ...]
    degenerate: bool
    n_vertices: tuple[int, int]
    exact: tuple[tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None, ...] | None
    message: str
    complete: bool = True

    def __repr__(self) -> str:
        n = len(self.equilibria)
        head = (
            f"VertexResult: {n} extreme equilibri{'um' if n == 1 else 'a'} in "
            f"{len(self.components)} component(s)"
            + (", degenerate game" if self.degenerate else "")
            + ("" if self.complete else ", INCOMPLETE")
        )
        return _equilibria_repr(head, self.equilibria)


# ---------------------------------------------------------------------------
# The solver
# ---------------------------------------------------------------------------
_BASIS_BYTES = 4
"""Bytes a visited basis keeps per polytope, over the square of the game's actions
``(m + n) ** 2`` (measured at 100,000 bases: 3.1 for a 20 x 20 game, 3.2 for 30 x 30)."""


def vertex_enumeration(
    game: Any,
    *,
    tol: float = 1e-8,
    exact: bool = False,
    max_vertices: int = 2_000_000,
) -> VertexResult:
    """Every extreme Nash equilibrium of a two-player game, degenerate games included.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        A two-player game with ``m x n`` actions.
    tol : float, default 1e-8
        Each equilibrium is checked to have relative regret (gains over each
        player's payoff range, see :mod:`~tariffsim.equilibrium.scaling`)
        ``<= tol``; > 0.
    exact : bool, default False
        Also solve each equilibrium's label system in rational arithmetic and
        check it exactly (see :attr:`VertexResult.exact`); slower.
    max_vertices : int, default 2000000
        Most bases visited per polytope (at most 2**62); beyond it the search stops and the
        result says it is incomplete (with a
        :class:`~tariffsim.errors.ConvergenceWarning`). The search keeps every basis
        it visits, about ``4 * (m + n) ** 2`` bytes each per polytope (measured: 1 GB
        for 100,000 of a 20 x 20 game), so it also stops at the most bases
        ``limits.max_result_bytes`` holds (312,500 of a 20 x 20 game at the
        default 4 GB; a 30 x 30 game with two million filled 23 GB and was killed).

    Returns
    -------
    VertexResult

    Raises
    ------
    ParameterError
        If `game` is not a valid two-player game or an argument is invalid.

    Notes
    -----
    Complete for every game: the lexicographic ratio test visits every vertex
    of both polytopes (see the module notes); a polytope whose floating-point
    search rounding defeats is searched again in rational arithmetic. The work grows with the number
    of vertices, which is exponential in the worst case (up to
    :math:`\\binom{m+n}{n}`-ish); random games stay far below it.

    Examples
    --------
    A degenerate game with a continuum of equilibria: the column player is
    indifferent, so the row player's best reply ``0`` is met by any ``y``
    with ``y_0 >= 1/2``:

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[1, 0], [0, 1]], [[1, 1], [1, 1]])
    >>> r = eq.vertex_enumeration(g, exact=True)
    >>> [(x.round(12).tolist(), y.round(12).tolist()) for x, y in r.equilibria]
    [([1.0, 0.0], [1.0, 0.0]), ([0.0, 1.0], [0.0, 1.0]), ([1.0, 0.0], [0.5, 0.5]),
     ([0.0, 1.0], [0.5, 0.5])]
    >>> r.components, r.degenerate
    (((0, 1, 2, 3),), True)
    >>> [str(p) for p in r.exact[2][1]]
    ['1/2', '1/2']
    """
    g = _as_game(game)
    _require_players(g, 2, "vertex_enumeration")
    tol = _check_relative_tol(tol)
    exact = check_bool(exact, "exact")
    max_vertices = check_int(max_vertices, "max_vertices", 1, 2**62)
    m, n = g.shape
    room = limits.current().max_result_bytes
    held = max(room // (2 * _BASIS_BYTES * (m + n) ** 2), 1)
    cap = min(max_vertices, held)  # (the most bases the memory limit holds)
    unit = normalize(g).payoff_array  # each player's payoffs on [0, 1]
    A, B = unit + 1.0  # entries in [1, 2]
    # P: rows 0..m-1 are -x_i <= 0 (label i); rows m.. are (B^T x)_j <= 1 (label m + j)
    CP = np.vstack([-np.eye(m), B.T])
    bP = np.concatenate([np.zeros(m), np.ones(n)])
    # Q: rows 0..m-1 are (A y)_i <= 1 (label i); rows m.. are -y_j <= 0 (label m + j)
    CQ = np.vstack([A, -np.eye(n)])
    bQ = np.concatenate([np.ones(m), np.zeros(n)])
    found = _search(CP, bP, CQ, bQ, m, n, cap)
    xs, bx, ys, by, pairs, complete, degenerate, counts = found
    # a pure strategy with tied pure best replies is a degenerate vertex that a search of
    # only one polytope (its partners solved) does not meet
    degenerate = degenerate or _tied_pure_replies(unit[0], unit[1], _TIGHT)
    pi = np.array([p[0] for p in pairs], dtype=np.intp)
    pj = np.array([p[1] for p in pairs], dtype=np.intp)
    X = np.where(xs[pi] > _TIGHT, xs[pi], 0.0)  # tight x_i >= 0 constraints are zeros
    Y = np.where(ys[pj] > _TIGHT, ys[pj], 0.0)
    X /= X.sum(axis=1, keepdims=True)
    Y /= Y.sum(axis=1, keepdims=True)
    # regrets on the normalised game: on the given payoffs, a constant added to all of them
    # (3e8) cancels the digits of a small gain and drops exact equilibria
    good = np.flatnonzero(_regrets(unit, X, Y) <= tol)
    raw = [(int(pi[e]), int(pj[e]), X[e], Y[e]) for e in good]
    raw.sort(key=lambda t: (tuple(t[2] <= 0), tuple(t[3] <= 0), tuple(-t[2]), tuple(-t[3])))
    raw.sort(key=lambda t: (int((t[2] > 0).sum()), int((t[3] > 0).sum())))
    eqs = tuple((_freeze(x), _freeze(y)) for _, _, x, y in raw)
    components = _components([(vi, vj) for vi, vj, _, _ in raw])
    exact_out = None
    n_bad = 0
    if exact:
        sols = []
        for vi, vj, _, _ in raw:
            sol = _exact(g, bx[vi], by[vj], m, n)
            n_bad += sol is None
            sols.append(sol)
        exact_out = tuple(sols)
    msg = (
        f"{len(eqs)} extreme equilibria in {len(components)} component(s); "
        f"{counts[0]} + {counts[1]} vertices"
        + ("; degenerate game" if degenerate else "")
        + ("" if complete else f"; INCOMPLETE: stopped after {cap} bases")
        + (
            ""
            if complete or cap == max_vertices
            else f" (the most the limit max_result_bytes = {room} "
            "holds of this game's; raise it with tariffsim.limits.override(max_result_bytes=...))"
        )
        + (f"; {n_bad} failed the exact check" if n_bad else "")
    )
    if not complete:
        warnings.warn(f"vertex_enumeration: {msg}.", ConvergenceWarning, stacklevel=2)
    return VertexResult(eqs, components, degenerate, counts, exact_out, msg, bool(complete))


def _search(
    CP: FloatArray,
    bP: FloatArray,
    CQ: FloatArray,
    bQ: FloatArray,
    m: int,
    n: int,
    max_vertices: int,
) -> tuple[Any, ...]:
    """Vertices and completely labelled pairs.

    Both polytopes are searched level by level (in the same numpy calls when
    they have the same shape, ``m == n``; otherwise in turn, the one with
    fewer bases so far first, the second joining once the first has more
    than :data:`_JOIN` bases). When both finish, label sets are matched. When
    one finishes nondegenerate while the other is still large, each of its
    vertices fixes the labels its partner must have, the partners come from
    stacked linear solves (complete: a nonsingular system has one solution)
    and the other search is abandoned. A search that meets a degenerate
    vertex is redone with the lexicographic ratio test.
    """
    M = m + n
    polys = ((CP, bP, np.arange(m), slice(0, m)), (CQ, bQ, np.arange(m, M), slice(m, M)))
    found: list[_polytope.Vertices | None] = [None, None]
    if m == n and M + 1 <= 62:
        gen = _polytope.enumerate_vertices(
            np.stack([CP, CQ]),
            np.stack([bP, bQ]),
            np.stack([polys[0][2], polys[1][2]]),
            max_vertices,
        )
        tried: set[int] = set()
        while True:
            try:
                done, totals = next(gen)
            except StopIteration as stop:
                if not isinstance(stop.value, str):
                    found = list(stop.value)
                break
            for i in (0, 1):
                res = done[i]
                if res is None or i in tried or done[1 - i] is not None:
                    continue
                tried.add(i)
                if res.complete and not res.degenerate and totals[1 - i] > _JOIN:
                    out = _with_partners(i, res, polys, m, n)
                    if out is not None:
                        return out
    if found[0] is None:
        found = _separately(polys, m, n, max_vertices)
    fx, fy = found
    if isinstance(fx, tuple):  # _separately solved it with partners
        return fx
    assert fx is not None and fy is not None
    degenerate = fx.degenerate or fy.degenerate
    counts = (len(fx), len(fy))
    if not degenerate and M <= 62:  # label sets are bases: match bitmasks
        ii, jj = _complements(fx.labels, fy.labels, m, M)
        ui, pi = np.unique(ii, return_inverse=True)
        uj, pj = np.unique(jj, return_inverse=True)
        xs, ys = fx.slack_of(ui)[:, :m], fy.slack_of(uj)[:, m:]
        pairs = list(zip(np.ravel(pi).tolist(), np.ravel(pj).tolist(), strict=True))
        bx, by = fx.bases_of(ui), fy.bases_of(uj)
        return xs, bx, ys, by, pairs, fx.complete and fy.complete, False, counts
    xs, tx, bx = _distinct(fx, polys[0][3])
    ys, ty, by = _distinct(fy, polys[1][3])
    nzx = np.flatnonzero(xs.sum(axis=1) > _TIGHT)
    nzy = np.flatnonzero(ys.sum(axis=1) > _TIGHT)
    pairs = [(int(nzx[i]), int(nzy[j])) for i, j in _complementary(tx[nzx], ty[nzy], m)]
    complete = fx.complete and fy.complete
    return xs, bx, ys, by, pairs, complete, degenerate, (len(xs), len(ys))


def _complements(
    kx: NDArray[np.int64], ky: NDArray[np.int64], m: int, M: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Index pairs of nondegenerate vertices whose label bitmasks are complements.

    The artificial pair (both zero vectors) is left out.
    """
    full = np.int64((1 << M) - 1)
    zero_x = np.int64((1 << m) - 1)  # x = 0: every x_i >= 0 tight
    order = np.argsort(ky)
    sy = ky[order]
    want = full ^ kx
    pos = np.minimum(np.searchsorted(sy, want), max(sy.size - 1, 0))
    hit = (sy[pos] == want) & (kx != zero_x) if sy.size else np.zeros(kx.size, dtype=bool)
    return np.flatnonzero(hit), order[pos[hit]]


def _separately(polys: Any, m: int, n: int, max_vertices: int) -> list[Any]:
    """The two searches run in turn; see :func:`_search`."""

    def start(i: int, careful: bool) -> Any:
        C, b, st, _ = polys[i]
        return _polytope.enumerate_vertices(
            C[None], b[None], st[None], max_vertices, careful=careful
        )

    gens = [start(0, False), start(1, False)]
    work = [0, 0]
    found: list[Any] = [None, None]
    active = [0 if m <= n else 1]
    while True:
        live = [i for i in active if found[i] is None]
        if not live:
            if len(active) == 2:
                return found
            active.append(1 - active[0])
            continue
        i = min(live, key=lambda k: work[k])
        try:
            _, totals = next(gens[i])
            work[i] = int(totals[0])
            if len(active) == 1 and work[i] > _JOIN:
                active.append(1 - i)
            continue
        except StopIteration as stop:
            if isinstance(stop.value, str):  # a degenerate vertex: search again, carefully
                gens[i] = start(i, True)
                work[i] = 0
                continue
            res = found[i] = stop.value[0]
        except NumericalError:  # rounding defeated the careful search: search in rationals
            C, b, st, _ = polys[i]
            res = found[i] = _polytope.exact_vertices(C, b, st, max_vertices)
        if res.complete and not res.degenerate:
            out = _with_partners(i, res, polys, m, n)
            if out is not None:
                other = found[1 - i]  # searched already, and degenerate: the game is
                if other is not None and other.degenerate:
                    out = (*out[:6], True, out[7])
                return [out, None]


def _distinct(v: _polytope.Vertices, coords: slice) -> tuple[Any, Any, Any]:
    """Points, tight sets and one basis per distinct vertex (bases of one point merged)."""
    pts = v.slack[:, coords]
    tight = v.tight
    if not v.degenerate:
        return pts, tight, v.bases_of()
    keyed = np.round(pts * 1e9).astype(np.int64)
    _, idx = np.unique(keyed, axis=0, return_index=True)
    idx = np.sort(idx)
    return pts[idx], tight[idx], v.bases_of(idx)


def _with_partners(
    first: int, res: _polytope.Vertices, polys: Any, m: int, n: int
) -> tuple[Any, ...] | None:
    """Pairs from the vertices of one nondegenerate polytope and their solved partners."""
    M = m + n
    coords = polys[first][3]
    tight = res.tight
    C_o, b_o = polys[1 - first][:2]
    if first == 0:  # own = row player (P), payoffs A; partner in Q
        U, own_lab, opp_lab = polys[1][0][:m], np.arange(m), np.arange(m, M)
    else:  # own = column player (Q), payoffs B^T; partner in P
        U, own_lab, opp_lab = polys[0][0][m:], np.arange(m, M), np.arange(m)
    skip = _dominated_support(tight, own_lab, opp_lab, U)
    nonzero = ~tight[:, coords].all(axis=1)
    part = _partners(nonzero & ~skip, tight, C_o, b_o, m if first == 0 else 0)
    if part is None:
        return None
    own_idx, opts, otight, obases = part
    pts, bases = res.slack_of(own_idx)[:, coords], res.bases_of(own_idx)
    keyed = np.round(opts * 1e9).astype(np.int64)
    _, uniq, inv_id = np.unique(keyed, axis=0, return_index=True, return_inverse=True)
    opts, otight, obases = opts[uniq], otight[uniq], obases[uniq]
    pairs = list(enumerate(np.ravel(inv_id).tolist()))
    degenerate = bool((otight.sum(axis=1) > M - (m, n)[first]).any())
    if first == 0:
        return pts, bases, opts, obases, pairs, True, degenerate, (len(res), len(opts))
    flipped = [(j, i) for i, j in pairs]
    return opts, obases, pts, bases, flipped, True, degenerate, (len(opts), len(res))


def _dominated_support(
    tight: NDArray[np.bool_], own_lab: NDArray[np.intp], opp_lab: NDArray[np.intp], U: FloatArray
) -> NDArray[np.bool_]:
    """Vertices whose partner cannot exist: a played strategy is strictly dominated.

    At a vertex, the owner plays the strategies whose own label is missing and
    the partner may only play the opponent strategies whose label is present
    (the owner's best replies). A played strategy strictly dominated by another
    on those opponent strategies can never be a best reply, so the partner
    system has no feasible solution and need not be solved. ``U`` holds the
    owner's payoffs (own strategies x opponent strategies).
    """
    k, k_opp = U.shape
    if k_opp > 62:
        return np.zeros(tight.shape[0], dtype=bool)
    played = ~tight[:, own_lab]
    bits = np.left_shift(np.int64(1), np.arange(k_opp, dtype=np.int64))
    allowed = tight[:, opp_lab].astype(np.int64) @ bits  # (V,) bitmask of opponent strategies
    # not_better[i, i2]: bitmask of opponent strategies j with U[i2, j] <= U[i, j]
    not_better = (~(U[None, :, :] > U[:, None, :])).astype(np.int64) @ bits
    not_better[np.arange(k), np.arange(k)] = -1  # a strategy does not dominate itself
    dominated = (allowed[:, None, None] & not_better[None, :, :]) == 0  # (V, k, k)
    return np.asarray((dominated.any(axis=2) & played).any(axis=1) & (allowed != 0))


def _partners(
    keep: NDArray[np.bool_],
    tight: NDArray[np.bool_],
    C: FloatArray,
    b: FloatArray,
    ident: int,
) -> tuple[NDArray[np.intp], FloatArray, NDArray[np.bool_], NDArray[np.intp]] | None:
    """The partner of every vertex in `keep`, or None if a partner system is singular.

    The partner polytope is ``{z : C z <= b}`` whose rows ``ident + c`` are
    ``-z_c <= 0``. A vertex with labels ``L`` needs a partner with the other
    labels: ``z_c = 0`` where ``ident + c`` is needed, and equality on the
    needed payoff rows, as many as the free coordinates (``k``, the support
    size). The ``k x k`` systems are solved stacked, one stack per ``k``.

    Returns the indices of the vertices that have a feasible partner, the
    partners' points, tight sets and bases (the labels they were asked for).
    """
    d = C.shape[1]
    nz = np.flatnonzero(keep)
    need = ~tight[nz]  # (V, M): the labels the partner must supply, exactly d of them
    K = np.nonzero(need)[1].reshape(nz.size, d)
    free = ~need[:, ident : ident + d]  # (V, d) coordinates not fixed at zero
    pay = need.copy()
    pay[:, ident : ident + d] = False  # (V, M) payoff rows that must hold with equality
    size = free.sum(axis=1)
    sol = np.zeros((nz.size, d))
    for k in np.unique(size):
        rows = np.flatnonzero(size == k)
        if k == 0:
            continue
        F = np.nonzero(free[rows])[1].reshape(rows.size, k)
        R = np.nonzero(pay[rows])[1].reshape(rows.size, k)
        systems = C[R[:, :, None], F[:, None, :]]
        try:
            with np.errstate(all="ignore"):
                part = np.linalg.solve(systems, b[R][:, :, None])
                _, logdet = np.linalg.slogdet(systems)
                # |det| against Hadamard's bound, the product of the rows' lengths
                scale = np.log(np.linalg.norm(systems, axis=2)).sum(axis=1)
        except np.linalg.LinAlgError:
            return None
        # a system singular in exact arithmetic that rounding made solvable: its partner
        # face is more than a point, and the solution an arbitrary point of it
        if not np.all(logdet - scale > _MIN_LOG_VOLUME):
            return None
        sol[rows[:, None], F] = part[:, :, 0]
    # a near-singular system shows as a huge or non-finite solution (feasible
    # points lie in the box [0, 1]^d): the partner face may be more than a point
    if not np.all(np.isfinite(sol)) or (sol.size and np.abs(sol).max() > 1e6):
        return None
    slack = b[None, :] - sol @ C.T
    feas = (slack >= -_TIGHT).all(axis=1) & (sol.sum(axis=1) > _TIGHT)
    return nz[feas], sol[feas], slack[feas] <= _TIGHT, K[feas]


def _regrets(payoffs: FloatArray, X: FloatArray, Y: FloatArray) -> FloatArray:
    """Relative regret of each profile ``(X[e], Y[e])`` (see :mod:`.scaling`), shape ``(E,)``."""
    A, B = payoffs
    span = np.ptp(payoffs.reshape(2, -1), axis=1)
    span = np.where(span > 0, span, 1.0)
    AY = Y @ A.T  # (E, m) row player's action values
    XB = X @ B  # (E, n) column player's
    with np.errstate(invalid="ignore"):
        g1 = (AY.max(axis=1) - (X * AY).sum(axis=1)) / span[0]
        g2 = (XB.max(axis=1) - (Y * XB).sum(axis=1)) / span[1]
    out = np.maximum(np.maximum(g1, g2), 0.0)
    return np.where(np.isfinite(out), out, np.inf)


def _complementary(tx: NDArray[np.bool_], ty: NDArray[np.bool_], m: int) -> list[tuple[int, int]]:
    """Pairs (i, j) whose label sets cover every label.

    Nondegenerate vertices (exactly ``m`` labels in ``P``, ``n`` in ``Q``) need
    the exact complement: a sorted lookup of label bitmasks. Pairs involving
    a degenerate vertex are checked by an all-pairs ``|`` of the bitmasks.
    """
    if not tx.shape[0] or not ty.shape[0]:
        return []
    M = tx.shape[1]
    n = M - m
    dx = tx.sum(axis=1) > m
    dy = ty.sum(axis=1) > n
    kx: Any
    ky: Any
    if M <= 62:
        bits = np.left_shift(np.int64(1), np.arange(M, dtype=np.int64))
        kx, ky = tx.astype(np.int64) @ bits, ty.astype(np.int64) @ bits
        full: Any = np.int64((1 << M) - 1)
    else:
        kx = np.packbits(tx, axis=1).view(np.dtype((np.void, -(-M // 8)))).ravel()
        ky = np.packbits(ty, axis=1).view(np.dtype((np.void, -(-M // 8)))).ravel()
        full = None
    out: list[tuple[int, int]] = []
    ix, iy = np.flatnonzero(~dx), np.flatnonzero(~dy)
    if full is not None and ix.size and iy.size:
        order = np.argsort(ky[iy])
        sy = ky[iy][order]
        want = full ^ kx[ix]
        pos = np.minimum(np.searchsorted(sy, want), sy.size - 1)
        hit = sy[pos] == want
        out.extend(zip(ix[hit].tolist(), iy[order[pos[hit]]].tolist(), strict=True))
    elif ix.size and iy.size:
        px = np.packbits(~tx, axis=1)
        lookup = {np.packbits(ty[j]).tobytes(): int(j) for j in iy}
        for i in ix:
            j = lookup.get(px[i].tobytes())
            if j is not None:
                out.append((int(i), j))
    for rows, cols in ((np.flatnonzero(dx), np.arange(ty.shape[0])), (ix, np.flatnonzero(dy))):
        if not rows.size or not cols.size:
            continue
        chunk = max(1, 4_000_000 // cols.size)
        for lo in range(0, rows.size, chunk):
            r = rows[lo : lo + chunk]
            if full is not None:
                cov = (kx[r, None] | ky[None, cols]) == full
            else:
                cov = (tx[r, None, :] | ty[None, cols, :]).all(axis=2)
            ii, jj = np.nonzero(cov)
            out.extend(zip(r[ii].tolist(), cols[jj].tolist(), strict=True))
    return out


def _components(edges: list[tuple[int, int]]) -> tuple[tuple[int, ...], ...]:
    """Connected components of the bipartite vertex graph, as lists of edge indices."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(a: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for vi, vj in edges:
        ra, rb = find(("x", vi)), find(("y", vj))
        if ra != rb:
            parent[ra] = rb
    groups: dict[tuple[str, int], list[int]] = {}
    for k, (vi, _) in enumerate(edges):
        groups.setdefault(find(("x", vi)), []).append(k)
    return tuple(sorted((tuple(v) for v in groups.values()), key=lambda t: t[0]))


def _freeze(v: FloatArray) -> FloatArray:
    v = np.array(v, dtype=float)
    v.flags.writeable = False
    return v


# ---------------------------------------------------------------------------
# Exact rational verification
# ---------------------------------------------------------------------------
def _solve_exact(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss–Jordan elimination in rationals; None if singular (or not square)."""
    sol = _polytope_exact.solve(rows, [[v] for v in rhs])
    return None if sol is None else [r[0] for r in sol]


def _exact_side(
    own_rows: int,
    opp: list[list[Fraction]],
    zero: list[int],
    best: list[int],
) -> tuple[list[Fraction], Fraction] | None:
    """Mixed strategy s (length own_rows) with s_i = 0 on `zero`, opp-payoff equal on `best`.

    ``opp[i][j]`` is the opponent's payoff when this player plays ``i`` and the
    opponent ``j``. Unknowns: s and the value u; equations: zeros, indifference
    ``sum_i s_i opp[i][j] = u`` for j in `best`, and ``sum s = 1``.
    """
    size = own_rows + 1
    rows: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for i in zero:
        r = [Fraction(0)] * size
        r[i] = Fraction(1)
        rows.append(r)
        rhs.append(Fraction(0))
    for j in best:
        r = [opp[i][j] for i in range(own_rows)] + [Fraction(-1)]
        rows.append(r)
        rhs.append(Fraction(0))
    rows.append([Fraction(1)] * own_rows + [Fraction(0)])
    rhs.append(Fraction(1))
    if len(rows) != size:
        return None
    sol = _solve_exact(rows, rhs)
    if sol is None:
        return None
    return sol[:own_rows], sol[own_rows]


def _exact(
    g: Any, basis_x: NDArray[np.intp], basis_y: NDArray[np.intp], m: int, n: int
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None:
    A = [[Fraction(float(v)) for v in row] for row in g.payoff_array[0]]
    B = [[Fraction(float(v)) for v in row] for row in g.payoff_array[1]]
    bx = [int(k) for k in basis_x]
    by = [int(k) for k in basis_y]
    sx = _exact_side(m, B, [k for k in bx if k < m], [k - m for k in bx if k >= m])
    At = [[A[i][j] for i in range(m)] for j in range(n)]  # At[j][i]
    sy = _exact_side(n, At, [k - m for k in by if k >= m], [k for k in by if k < m])
    if sx is None or sy is None:
        return None
    x, _ = sx
    y, _ = sy
    if any(v < 0 for v in x) or any(v < 0 for v in y):
        return None
    # exact Nash check: every action played is a best reply
    row_vals = [sum((A[i][j] * y[j] for j in range(n)), Fraction(0)) for i in range(m)]
    col_vals = [sum((B[i][j] * x[i] for i in range(m)), Fraction(0)) for j in range(n)]
    rmax, cmax = max(row_vals), max(col_vals)
    if any(x[i] > 0 and row_vals[i] != rmax for i in range(m)):
        return None
    if any(y[j] > 0 and col_vals[j] != cmax for j in range(n)):
        return None
    return tuple(x), tuple(y)
