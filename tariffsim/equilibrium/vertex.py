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
its feasible bases, every frontier handled in a few vectorised numpy calls:
one stacked inverse of the basis matrices, the edge directions (columns of
the inverse), and a ratio test over all constraints. Ties in the ratio test
are broken *lexicographically* (the symbolic perturbation
:math:`b + (\varepsilon, \varepsilon^2, \dots)`), which makes the perturbed
polytope nondegenerate: each basis has exactly one neighbour per leaving
constraint, the basis graph is connected, and degenerate games need no
special case. Vertices are the distinct points of the visited bases; their
labels are every constraint tight at the point (so degenerate vertices carry
more than :math:`m` labels). Completely labelled pairs are then found by
bitmask: a dictionary lookup of the complement in the nondegenerate case, an
all-pairs ``|`` of packed label sets otherwise.

Cost: proportional to the number of bases of the smaller polytope (random
``10 x 10`` games have about 900, ``15 x 15`` about 24,000), each costing
:math:`O((m + n) d)` arithmetic in batched form.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConvergenceWarning
from ._validate import check_bool, check_int
from .normal_form import FloatArray, _as_game, _check_tol, _require_players
from .scaling import _relative_regret, normalize

__all__ = ["VertexResult", "vertex_enumeration"]

#: Slack (on payoffs normalised into [1, 2]) under which a constraint is tight.
_TIGHT = 1e-9
#: Edge rates below this are treated as zero.
_RATE_EPS = 1e-12
#: Relative tie tolerance of the ratio test.
_TIE = 1e-10


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
        True when a vertex of either polytope has more labels than its
        dimension (the game is degenerate).
    n_vertices : tuple of int
        Number of vertices of ``P`` and ``Q`` (the artificial vertex 0 included).
    exact : tuple or None
        With ``exact=True``: for each equilibrium, ``(x, y)`` as tuples of
        :class:`fractions.Fraction` solving the equilibrium's label system in
        exact arithmetic on the game's payoffs (each float is converted
        exactly), checked exactly for being a Nash equilibrium; ``None`` for
        an equilibrium whose exact check failed (the message says how many).
    message : str

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

    def __repr__(self) -> str:
        n = len(self.equilibria)
        head = (
            f"<VertexResult: {n} extreme equilibri{'um' if n == 1 else 'a'} in "
            f"{len(self.components)} component(s)"
            + (", degenerate game" if self.degenerate else "")
        )
        lines = [head]
        for k, (x, y) in enumerate(self.equilibria[:10]):
            lines.append(f"  #{k}  row {_vec(x)}  column {_vec(y)}")
        if n > 10:
            lines.append(f"  … and {n - 10} more")
        return "\n".join(lines) + ">"


def _vec(p: FloatArray) -> str:
    return "(" + ", ".join(f"{round(float(v), 3) + 0.0:g}" for v in p) + ")"


# ---------------------------------------------------------------------------
# Vertices of {z : C z <= b} by breadth-first search over lexicographic bases
# ---------------------------------------------------------------------------
def _basis_keys(bases: NDArray[np.intp], M: int) -> NDArray[Any]:
    """One sortable key per basis (a row of constraint indices)."""
    if M <= 62:
        return np.bitwise_or.reduce(np.left_shift(np.int64(1), bases.astype(np.int64)), axis=1)
    mask = np.zeros((bases.shape[0], M), dtype=bool)
    np.put_along_axis(mask, bases, True, axis=1)
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def _narrow(alive: NDArray[np.bool_], value: FloatArray) -> None:
    v = np.where(alive, value, np.inf)
    best = v.min(axis=1, keepdims=True)
    alive &= v <= best + _TIE * np.maximum(1.0, np.abs(best))


def _lex_break(
    alive: NDArray[np.bool_],
    inv_rate: FloatArray,
    G: FloatArray,
    bases: NDArray[np.intp],
) -> None:
    """Break ties of the ratio test lexicographically, in place, for the rows given.

    ``alive`` (F, M, d) candidates tied at the minimum ratio; ``G`` (F, M, d)
    is ``C_j Binv``. The slack of constraint ``j`` under the perturbation
    ``b + (eps, eps^2, ...)`` has coefficient ``[j == p] - G[j, k]`` on
    ``eps^(p+1)`` when ``p`` is the ``k``-th basic constraint (``[j == p]``
    otherwise); ties are narrowed power by power.
    """
    F, M, d = alive.shape
    pos = np.full((F, M), -1)
    np.put_along_axis(pos, bases, np.arange(d)[None, :].repeat(F, 0), axis=1)
    rows = np.arange(F)
    for p in range(M):
        if not (alive.sum(axis=1) > 1).any():
            return
        coef = (np.arange(M) == p).astype(float)[None, :].repeat(F, 0)  # (F, M)
        k = pos[:, p]
        has = k >= 0
        coef[has] -= G[rows[has], :, k[has]]
        _narrow(alive, coef[:, :, None] * inv_rate)


def _bfs(C: FloatArray, b: FloatArray, start: NDArray[np.intp], max_bases: int) -> Any:
    """Breadth-first search over the lexicographically feasible bases of ``{z : C z <= b}``.

    A generator: yields after each level (so two searches can be interleaved)
    and returns ``(points, tight, bases, complete)`` with one row per distinct
    vertex: its coordinates ``(V, d)``, its tight constraints ``(V, M)`` and one
    basis defining it ``(V, d)``.
    """
    M, d = C.shape
    frontier = np.sort(start)[None, :]
    seen = _basis_keys(frontier, M)
    got_b, got_z = [], []
    complete = True
    total = 1
    cols = np.arange(d)
    while frontier.shape[0]:
        F = frontier.shape[0]
        inv = np.linalg.inv(C[frontier])  # (F, d, d)
        z = np.matmul(inv, b[frontier][:, :, None])[:, :, 0]
        got_b.append(frontier)
        got_z.append(z)
        slack = b[None, :] - z @ C.T  # (F, M)
        G = np.matmul(C, inv)  # (F, M, d): C_j Binv; the rate along edge r is -G[:, j, r]
        basic = np.zeros((F, M), dtype=bool)
        np.put_along_axis(basic, frontier, True, axis=1)
        cand = (G < -_RATE_EPS) & ~basic[:, :, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_rate = np.where(cand, -1.0 / np.where(cand, G, -1.0), 0.0)
        alive = cand.copy()
        _narrow(alive, slack[:, :, None] * inv_rate)
        tied = alive.sum(axis=1) > 1  # (F, d)
        if tied.any():
            rows = np.flatnonzero(tied.any(axis=1))
            sub = alive[rows]
            _lex_break(sub, inv_rate[rows], G[rows], frontier[rows])
            alive[rows] = sub
        enter = np.argmax(alive, axis=1)  # (F, d)
        ok = alive.any(axis=1)
        new = np.repeat(frontier[:, None, :], d, axis=1)
        new[:, cols, cols] = enter
        new = np.sort(new[ok], axis=1)
        keys = _basis_keys(new, M)
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, seen)
        frontier = new[first[fresh]]
        seen = np.concatenate([seen, keys[fresh]])
        total += frontier.shape[0]
        if total > max_bases:
            complete = False
            break
        yield
    bases = np.concatenate(got_b)
    pts = np.concatenate(got_z)
    tight = (b[None, :] - pts @ C.T) <= _TIGHT
    keyed = np.round(pts * 1e9).astype(np.int64)
    _, idx = np.unique(keyed, axis=0, return_index=True)
    idx = np.sort(idx)
    return pts[idx], tight[idx], bases[idx], complete


def _hull_vertices(C: FloatArray, b: FloatArray, interior: FloatArray) -> Any:
    """Vertices of ``{z : C z <= b}`` by facet enumeration of the polar (Qhull).

    Returns ``(points, tight, bases, True)`` like :func:`_bfs`, or None if
    Qhull fails (flat or precision trouble); ``bases`` holds, per vertex, the
    constraints of one simplicial facet (``d`` tight constraints).
    """
    from scipy.spatial import ConvexHull, QhullError

    bp = b - C @ interior
    try:
        hull = ConvexHull(C / bp[:, None])
    except (QhullError, ValueError):
        return None
    eqs = hull.equations
    with np.errstate(all="ignore"):
        pts = -eqs[:, :-1] / eqs[:, -1:] + interior[None, :]
    if not np.all(np.isfinite(pts)):
        return None
    bases = np.sort(hull.simplices, axis=1).astype(np.intp)
    keyed = np.round(pts * 1e9).astype(np.int64)
    _, idx = np.unique(keyed, axis=0, return_index=True)
    idx = np.sort(idx)
    pts, bases = pts[idx], bases[idx]
    tight = (b[None, :] - pts @ C.T) <= _TIGHT
    # the origin of x >= 0 (or y >= 0) is a vertex the polar sees as well
    return pts, tight, bases, True


def _run_bfs(gen: Any) -> Any:
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


# ---------------------------------------------------------------------------
# The solver
# ---------------------------------------------------------------------------
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
        Most bases visited per polytope; beyond it the search stops and the
        result says it is incomplete (with a
        :class:`~tariffsim.errors.ConvergenceWarning`).

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
    of both polytopes (see the module notes). The work grows with the number
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
    >>> [(x.tolist(), y.tolist()) for x, y in r.equilibria]
    [([1.0, 0.0], [1.0, 0.0]), ([0.0, 1.0], [0.0, 1.0]), ([1.0, 0.0], [0.5, 0.5]),
     ([0.0, 1.0], [0.5, 0.5])]
    >>> r.components, r.degenerate
    (((0, 1, 2, 3),), True)
    >>> [str(p) for p in r.exact[2][1]]
    ['1/2', '1/2']
    """
    g = _as_game(game)
    _require_players(g, 2, "vertex_enumeration")
    tol = _check_tol(tol)
    exact = check_bool(exact, "exact")
    max_vertices = check_int(max_vertices, "max_vertices", 1)
    m, n = g.shape
    A, B = normalize(g).payoff_array + 1.0  # entries in [1, 2]
    # P: rows 0..m-1 are -x_i <= 0 (label i); rows m.. are (B^T x)_j <= 1 (label m + j)
    CP = np.vstack([-np.eye(m), B.T])
    bP = np.concatenate([np.zeros(m), np.ones(n)])
    # Q: rows 0..m-1 are (A y)_i <= 1 (label i); rows m.. are -y_j <= 0 (label m + j)
    CQ = np.vstack([A, -np.eye(n)])
    bQ = np.concatenate([np.ones(m), np.zeros(n)])
    found = _search(CP, bP, CQ, bQ, m, n, max_vertices)
    xs, _, bx, ys, _, by, pairs, complete, degenerate = found
    raw: list[tuple[int, int, FloatArray, FloatArray]] = []
    for vi, vj in pairs:
        x = np.where(xs[vi] > _TIGHT, xs[vi], 0.0)  # tight x_i >= 0 constraints are zeros
        y = np.where(ys[vj] > _TIGHT, ys[vj], 0.0)
        x, y = x / x.sum(), y / y.sum()
        if _relative_regret(g.payoff_array, [x, y]) <= tol:
            raw.append((vi, vj, x, y))
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
        f"{len(xs)} + {len(ys)} vertices"
        + ("; degenerate game" if degenerate else "")
        + ("" if complete else f"; INCOMPLETE: stopped after {max_vertices} bases")
        + (f"; {n_bad} failed the exact check" if n_bad else "")
    )
    if not complete:
        warnings.warn(f"vertex_enumeration: {msg}.", ConvergenceWarning, stacklevel=2)
    return VertexResult(eqs, components, degenerate, (len(xs), len(ys)), exact_out, msg)


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

    Fast path: the vertices of the lower-dimensional polytope by Qhull; when
    all are nondegenerate, each fixes the labels its partner must have and the
    partners come from one stacked linear solve (complete: a nonsingular
    system has one solution). Otherwise (a degenerate vertex, a singular
    partner system, or Qhull trouble) both polytopes are enumerated by the
    lexicographic basis search and label sets are matched pairwise.
    """
    M = m + n
    first = 0 if m <= n else 1
    C_f, b_f, C_o, b_o = (CP, bP, CQ, bQ) if first == 0 else (CQ, bQ, CP, bP)
    dim_f = (m, n)[first]
    hull = _hull_vertices(C_f, b_f, _interior(C_f, b_f, first == 0, m))
    if hull is not None:
        pts, tight, bases, _ = hull
        if not (tight.sum(axis=1) > dim_f).any():
            if first == 0:  # own = row player (P), payoffs A; partner in Q
                U, own_lab, opp_lab = CQ[:m], np.arange(m), np.arange(m, M)
            else:  # own = column player (Q), payoffs B^T; partner in P
                U, own_lab, opp_lab = CP[m:], np.arange(m, M), np.arange(m)
            skip = _dominated_support(tight, own_lab, opp_lab, U)
            part = _partners(pts, tight, C_o, b_o, skip)
            if part is not None:
                own_idx, opts, otight, obases = part
                keyed = np.round(opts * 1e9).astype(np.int64)
                _, uniq, inv_id = np.unique(keyed, axis=0, return_index=True, return_inverse=True)
                opts, otight, obases = opts[uniq], otight[uniq], obases[uniq]
                pairs = list(zip(own_idx.tolist(), np.ravel(inv_id).tolist(), strict=True))
                degenerate = bool((otight.sum(axis=1) > M - dim_f).any())
                if first == 0:
                    return pts, tight, bases, opts, otight, obases, pairs, True, degenerate
                flipped = [(j, i) for i, j in pairs]
                return opts, otight, obases, pts, tight, bases, flipped, True, degenerate
    xs, tx, bx, okx = _run_bfs(_bfs(CP, bP, np.arange(m), max_vertices))
    ys, ty, by, oky = _run_bfs(_bfs(CQ, bQ, np.arange(m, M), max_vertices))
    degenerate = bool((tx.sum(axis=1) > m).any() or (ty.sum(axis=1) > n).any())
    nzx = np.flatnonzero(xs.sum(axis=1) > _TIGHT)
    nzy = np.flatnonzero(ys.sum(axis=1) > _TIGHT)
    pairs = [(int(nzx[i]), int(nzy[j])) for i, j in _complementary(tx[nzx], ty[nzy], m)]
    return xs, tx, bx, ys, ty, by, pairs, okx and oky, degenerate


def _interior(C: FloatArray, b: FloatArray, is_p: bool, m: int) -> FloatArray:
    """A point strictly inside the polytope: a small positive multiple of the ones vector."""
    d = C.shape[1]
    payoff_rows = C[m:] if is_p else C[:m]  # entries in [1, 2]
    return np.full(d, 0.5 / max(1.0, float(payoff_rows.sum(axis=1).max())))


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
    pts: FloatArray,
    tight: NDArray[np.bool_],
    C: FloatArray,
    b: FloatArray,
    skip: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.intp], FloatArray, NDArray[np.bool_], NDArray[np.intp]] | None:
    """The partner of every nonzero vertex (one stacked solve), or None if a system is singular.

    Returns the indices of the vertices that have a feasible partner, the
    partners' points, tight sets and bases.
    """
    M, d = C.shape
    keep = pts.sum(axis=1) > _TIGHT
    if skip is not None:
        keep &= ~skip
    nz = np.flatnonzero(keep)
    if not nz.size:
        return np.zeros(0, dtype=np.intp), np.zeros((0, d)), np.zeros((0, M), bool), nz[:, None]
    need = ~tight[nz]  # (V, M): the labels the partner must supply, exactly d of them
    K = np.nonzero(need)[1].reshape(nz.size, d)
    try:
        with np.errstate(all="ignore"):
            sol = np.linalg.solve(C[K], b[K][:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return None
    # a near-singular system shows as a huge or non-finite solution (feasible
    # points lie in the box [0, 1]^d): the partner face may be more than a point
    if not np.all(np.isfinite(sol)) or np.abs(sol).max() > 1e6:
        return None
    slack = b[None, :] - sol @ C.T
    feas = (slack >= -_TIGHT).all(axis=1) & (sol.sum(axis=1) > _TIGHT)
    return nz[feas], sol[feas], slack[feas] <= _TIGHT, K[feas]


def _complementary(tx: NDArray[np.bool_], ty: NDArray[np.bool_], m: int) -> list[tuple[int, int]]:
    """Pairs (i, j) whose label sets cover every label.

    Nondegenerate vertices (exactly ``m`` labels in ``P``, ``n`` in ``Q``) need
    the exact complement: a dictionary lookup. Pairs involving a degenerate
    vertex are checked by an all-pairs ``|`` of packed label sets.
    """
    if not tx.shape[0] or not ty.shape[0]:
        return []
    n = tx.shape[1] - m
    dx = tx.sum(axis=1) > m
    dy = ty.sum(axis=1) > n
    out: list[tuple[int, int]] = []
    kx = np.packbits(~tx, axis=1)
    ky = np.packbits(ty, axis=1)
    lookup = {ky[j].tobytes(): int(j) for j in np.flatnonzero(~dy)}
    for i in np.flatnonzero(~dx):
        j = lookup.get(kx[i].tobytes())
        if j is not None:
            out.append((int(i), j))
    px = np.packbits(tx, axis=1)
    full = np.packbits(np.ones(tx.shape[1], dtype=bool))
    for rows, cols in (
        (np.flatnonzero(dx), np.arange(ty.shape[0])),
        (np.flatnonzero(~dx), np.flatnonzero(dy)),
    ):
        if not rows.size or not cols.size:
            continue
        py = ky[cols]
        chunk = max(1, 4_000_000 // max(1, py.size))
        for lo in range(0, rows.size, chunk):
            r = rows[lo : lo + chunk]
            cov = ((px[r, None, :] | py[None, :, :]) == full[None, None, :]).all(axis=2)
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
    """Gauss–Jordan elimination in rationals; None if singular."""
    k = len(rows)
    aug = [[*r, v] for r, v in zip(rows, rhs, strict=True)]
    width = len(aug[0]) - 1
    if width != k:
        return None
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
                aug[r] = [a - f * b for a, b in zip(aug[r], aug[c], strict=True)]
    return [aug[r][k] for r in range(k)]


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
