"""Vertex enumeration: every extreme equilibrium, components, exact check; cross-checked."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
import quantecon.game_theory as qe
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim import equilibrium as eq
from tariffsim.equilibrium import _polytope
from tariffsim.equilibrium.scaling import normalize, relative_regret
from tariffsim.errors import NumericalError, ParameterError


def _canon(eqs):
    return sorted((tuple(np.round(x, 6)), tuple(np.round(y, 6))) for x, y in eqs)


def _qe(A, B):
    return qe.vertex_enumeration(qe.NormalFormGame([qe.Player(A), qe.Player(np.transpose(B))]))


@pytest.mark.parametrize(("m", "n"), [(2, 2), (3, 3), (2, 5), (5, 3), (6, 6), (8, 8)])
@pytest.mark.parametrize("seed", range(4))
def test_matches_quantecon_on_random_games(m, n, seed):
    rng = np.random.default_rng(1000 * m + 10 * n + seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B))
    assert not r.degenerate
    assert _canon(r.equilibria) == _canon(_qe(A, B))
    assert r.components == tuple((k,) for k in range(len(r.equilibria)))  # isolated


def test_battle_of_the_sexes_and_exact_values():
    g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    r = eq.vertex_enumeration(g, exact=True)
    assert _canon(r.equilibria) == _canon(
        [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([2 / 3, 1 / 3], [1 / 3, 2 / 3])]
    )
    mixed = [e for e in r.exact if e is not None and e[0][0] not in (0, 1)]
    assert mixed == [((Fraction(2, 3), Fraction(1, 3)), (Fraction(1, 3), Fraction(2, 3)))]


def test_von_stengel_degenerate_example():
    # von Stengel (2002), Handbook of Game Theory 3, Fig. 3 (degenerate 3x2 game):
    # a continuum {x = (1,0,0), y = (a, 1-a), a in [2/3, 1]} and one isolated equilibrium.
    A = [[3, 3], [2, 5], [0, 6]]
    B = [[3, 3], [2, 6], [3, 1]]
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B), exact=True)
    assert r.degenerate
    got = {tuple(map(str, x + y)) for x, y in r.exact}
    assert got == {
        ("1", "0", "0", "1", "0"),
        ("1", "0", "0", "2/3", "1/3"),
        ("0", "1/3", "2/3", "1/3", "2/3"),
    }
    sizes = sorted(len(c) for c in r.components)
    assert sizes == [1, 2]


def test_zero_game_is_one_component():
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(np.zeros((3, 3)), np.zeros((3, 3))))
    assert r.degenerate
    assert len(r.equilibria) == 9  # every pure profile is an extreme equilibrium
    assert len(r.components) == 1


def test_degenerate_games_match_quantecon_where_it_is_complete():
    # quantecon handles degenerate games only partly; every equilibrium it finds
    # must be in our equilibrium set (in a component), and ours must all be equilibria
    rng = np.random.default_rng(7)
    for _ in range(20):
        A = rng.integers(0, 3, size=(4, 4)).astype(float)
        B = rng.integers(0, 3, size=(4, 4)).astype(float)
        g = eq.NormalFormGame.from_bimatrix(A, B)
        r = eq.vertex_enumeration(g)
        ours = _canon(r.equilibria)
        for x, y in r.equilibria:
            assert relative_regret(g, [x, y]) <= 1e-8
        for x, y in _qe(A, B):
            if relative_regret(g, [x, y]) <= 1e-8 and _is_vertex_pair(g, x, y):
                assert (tuple(np.round(x, 6)), tuple(np.round(y, 6))) in ours


def _is_vertex_pair(g, x, y):
    """An equilibrium found by quantecon that is an extreme equilibrium (pure supports)."""
    return np.isin(np.round(x, 9), [0, 1]).all() and np.isin(np.round(y, 9), [0, 1]).all()


def _solve(rows, rhs):
    """Gauss-Jordan elimination in rationals; None if singular."""
    k = len(rows)
    aug = [[*r, v] for r, v in zip(rows, rhs, strict=True)]
    for c in range(k):
        piv = next((r for r in range(c, k) if aug[r][c] != 0), None)
        if piv is None:
            return None
        aug[c], aug[piv] = aug[piv], aug[c]
        aug[c] = [v / aug[c][c] for v in aug[c]]
        for r in range(k):
            if r != c and aug[r][c] != 0:
                f = aug[r][c]
                aug[r] = [a - f * b for a, b in zip(aug[r], aug[c], strict=True)]
    return [aug[r][k] for r in range(k)]


def _vertices(C, b):
    """Every vertex of ``{z : C z <= b}`` (bounded) and its tight constraints, exactly."""
    M, d = len(C), len(C[0])
    out = {}
    for K in combinations(range(M), d):
        z = _solve([C[i] for i in K], [b[i] for i in K])
        if z is None:
            continue
        slack = [b[i] - sum(C[i][j] * z[j] for j in range(d)) for i in range(M)]
        if min(slack) >= 0:
            out[tuple(z)] = {i for i in range(M) if slack[i] == 0}
    return out


def _exact_extreme_equilibria(A, B):
    """Every extreme equilibrium of the bimatrix game ``(A, B)``, exactly, by brute force.

    With payoffs shifted to be positive (which changes no equilibrium), the
    best-response polytopes ``P = {x >= 0, B^T x <= 1}`` and ``Q = {A y <= 1,
    y >= 0}`` have as vertices the feasible solutions of every nonsingular
    system of ``m`` (``n``) of their constraints as equalities, all of them
    tried; the extreme equilibria are the completely labelled pairs other than
    ``(0, 0)``, normalised (von Stengel 2002). All in rationals.
    """
    m, n = len(A), len(A[0])
    lo_a, lo_b = min(map(min, A)), min(map(min, B))
    Ap = [[Fraction(v) - Fraction(lo_a) + 1 for v in row] for row in A]
    Bp = [[Fraction(v) - Fraction(lo_b) + 1 for v in row] for row in B]
    neg_eye = [[Fraction(-(i == j)) for j in range(max(m, n))] for i in range(max(m, n))]
    CP = [row[:m] for row in neg_eye[:m]] + [[Bp[i][j] for i in range(m)] for j in range(n)]
    CQ = Ap + [row[:n] for row in neg_eye[:n]]
    VP = _vertices(CP, [Fraction(0)] * m + [Fraction(1)] * n)
    VQ = _vertices(CQ, [Fraction(1)] * m + [Fraction(0)] * n)
    every = set(range(m + n))
    return {
        (tuple(v / sum(x) for v in x), tuple(v / sum(y) for v in y))
        for x, lx in VP.items()
        for y, ly in VQ.items()
        if any(x) and any(y) and lx | ly == every
    }


#: Degenerate games on which the search pivoted on a rate that is zero in the game but
#: rounds to about -3e-12 (the normalised payoffs lie on a 1e-12 grid), reaching a basis
#: singular in the game: the first raised numpy's LinAlgError at a refresh of the
#: tableaux, the others ran to the basis limit and listed equilibria that failed the exact
#: check.
ZERO_RATE_GAMES = [
    (
        [[-3, 0, -2, 2], [2, -1, 1, -1], [-3, 3, -2, 1], [-2, 1, -1, 2]],
        [[-3, -1, 1, 3], [-1, 1, 1, 2], [1, 3, 2, 1], [2, 1, 2, 2]],
    ),
    (
        [[-2, 2, -1, 2], [3, -2, 0, -2], [1, 1, 2, 2], [3, 3, 3, -2], [-3, 0, -1, 3]],
        [[2, -1, 1, 1], [3, -3, 0, 1], [0, 3, 3, 2], [0, 3, -3, 1], [-2, -2, 1, 2]],
    ),
    (
        [[-1, 3, -3, 1, 0], [0, 2, -1, -1, 0], [0, -1, 2, -2, 3], [0, 1, 1, 0, 1]],
        [[-1, 2, 0, -1, -3], [-3, 0, -2, 0, -1], [-3, 0, 2, -1, -3], [1, 0, -2, 0, 0]],
    ),
]


@pytest.mark.parametrize("jit", [True, False], ids=["compiled", "numpy"])
@pytest.mark.parametrize(("A", "B"), ZERO_RATE_GAMES)
def test_zero_rates_are_not_pivots(A, B, jit, monkeypatch):
    monkeypatch.setattr(_polytope, "USE_JIT", jit)
    truth = _exact_extreme_equilibria(A, B)
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B), exact=True)
    assert r.degenerate
    assert "INCOMPLETE" not in r.message
    assert len(r.exact) == len(truth)
    assert set(r.exact) == truth
    for (x, y), (ex, ey) in zip(r.equilibria, r.exact, strict=True):
        np.testing.assert_allclose(x, [float(v) for v in ex], atol=1e-12)
        np.testing.assert_allclose(y, [float(v) for v in ey], atol=1e-12)


def test_the_brute_force_knows_von_stengels_example():
    # the reference of the tests above, on the game of test_von_stengel_degenerate_example
    got = _exact_extreme_equilibria([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]])
    assert {tuple(map(str, x + y)) for x, y in got} == {
        ("1", "0", "0", "1", "0"),
        ("1", "0", "0", "2/3", "1/3"),
        ("0", "1/3", "2/3", "1/3", "2/3"),
    }


#: Games degenerate to within 1e-10 (X + 1e-10 Y) on which the search picked infeasible
#: bases (a tie of tiny ratios at an ill-conditioned basis, a pivot to a basis singular to
#: within the rounding) from which edges led one way: it ran to its basis limit, listing
#: up to hundreds of points that are not extreme equilibria.
NEAR_DEGENERATE_GAMES = [
    (
        [[[0, 2, -1], [1, 2, 3], [-1, -3, 2]], [[0, 3, 0], [-1, -3, 0], [1, 2, 2]]],
        [[[-5, 2, 6], [-5, -3, 6], [2, 0, 3]], [[0, 9, 5], [-8, -7, 1], [6, -8, 3]]],
    ),
    (
        [
            [[0, 3, 3, -2], [-2, -2, -3, -1], [-2, -3, 0, 1], [2, -1, -2, 0]],
            [[0, 3, 0, 3], [-3, 3, -1, 3], [-3, 1, 0, 0], [-2, -3, -3, -3]],
        ],
        [
            [[2, 0, -2, 7], [-2, -1, -8, -9], [9, -5, -6, 5], [6, -6, 1, -6]],
            [[2, -4, -3, 2], [8, 6, -9, -5], [7, 2, -4, 1], [9, -1, -9, 2]],
        ],
    ),
    (
        [
            [[3, -1, 3, 0], [2, 1, 0, 1], [-2, -2, -3, 1], [2, 0, 0, 1]],
            [[3, -3, 1, -3], [1, 3, 3, 2], [3, 2, 2, 3], [-2, 3, 2, -1]],
        ],
        [
            [[8, 5, 9, 3], [9, 1, 9, 3], [6, -3, 6, 7], [-2, -2, 3, -7]],
            [[9, -9, -6, 3], [6, -5, 3, 9], [-6, -6, -5, -3], [2, 9, 6, 0]],
        ],
    ),
]


@pytest.mark.parametrize("jit", [True, False], ids=["compiled", "numpy"])
@pytest.mark.parametrize(("X", "Y"), NEAR_DEGENERATE_GAMES)
def test_games_degenerate_to_within_rounding_are_searched_to_the_end(X, Y, jit, monkeypatch):
    monkeypatch.setattr(_polytope, "USE_JIT", jit)
    A, B = np.array(X) + 1e-10 * np.array(Y)
    g = eq.NormalFormGame.from_bimatrix(A, B)
    r = eq.vertex_enumeration(g, max_vertices=20_000)  # a ConvergenceWarning fails the test
    assert r.degenerate  # to within the tolerances
    assert all(relative_regret(g, e) <= 1e-8 for e in r.equilibria)
    # the extreme equilibria of the game as stored are listed (points within 1e-6 of each
    # other are one to vertex_enumeration); the others listed are those of the nearby
    # degenerate game
    for x, y in _exact_extreme_equilibria(A.tolist(), B.tolist()):
        x, y = np.array(x, dtype=float), np.array(y, dtype=float)
        assert any(max(abs(x - a).max(), abs(y - b).max()) < 1e-6 for a, b in r.equilibria)


@pytest.mark.parametrize(("A", "B"), ZERO_RATE_GAMES)
def test_a_search_defeated_by_rounding_gives_way_to_the_exact_search(A, B, monkeypatch):
    # with no floor of zero rates the float search pivots on a zero rate and reaches a
    # basis singular or off the polytope: it raises NumericalError, and the polytope is
    # searched again in rationals, so the answer is still exact
    monkeypatch.setattr(_polytope, "_RATE_EPS", 0.0)
    errors, exact = [], []
    search, exact_vertices = _polytope.enumerate_vertices, _polytope.exact_vertices

    def spy_search(*args, **kwargs):
        try:
            return (yield from search(*args, **kwargs))
        except NumericalError as e:
            errors.append(str(e))
            raise

    def spy_exact(*args):
        exact.append(args)
        return exact_vertices(*args)

    monkeypatch.setattr(_polytope, "enumerate_vertices", spy_search)
    monkeypatch.setattr(_polytope, "exact_vertices", spy_exact)
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B), exact=True)
    assert errors and all("rounding errors defeated the search" in e for e in errors)
    assert len(exact) == len(errors)
    assert set(r.exact) == _exact_extreme_equilibria(A, B)
    assert len(r.exact) == len(set(r.exact))


def test_the_exact_search_finds_every_vertex():
    # of the best-response polytope P of the first game above, in rationals: every
    # basis it visits is feasible and its points are all the vertices
    A, B = ZERO_RATE_GAMES[0]
    g = eq.NormalFormGame.from_bimatrix(A, B)
    Bn = normalize(g).payoff_array[1] + 1.0
    C = np.vstack([-np.eye(4), Bn.T])
    b = np.concatenate([np.zeros(4), np.ones(4)])
    v = _polytope.exact_vertices(C, b, np.arange(4), 10_000)
    assert v.complete and v.degenerate
    Cf = [[Fraction(float(c)) for c in row] for row in C]
    bf = [Fraction(float(c)) for c in b]
    points = {tuple(_solve([Cf[i] for i in K], [bf[i] for i in K])) for K in v.bases_of()}
    assert points == set(_vertices(Cf, bf))


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    data=st.data(),
)
def test_every_extreme_equilibrium_is_exact(m, n, data):
    """The listed equilibria are exactly the extreme equilibria, each exact; pure ones included."""
    ints = st.integers(-3, 3)
    A = np.array(
        data.draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    )
    B = np.array(
        data.draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    )
    g = eq.NormalFormGame.from_bimatrix(A, B)
    r = eq.vertex_enumeration(g, exact=True)
    assert r.equilibria  # every finite game has one
    for (x, y), ex in zip(r.equilibria, r.exact, strict=True):
        assert ex is not None
        np.testing.assert_allclose(x, [float(v) for v in ex[0]], atol=1e-9)
        np.testing.assert_allclose(y, [float(v) for v in ex[1]], atol=1e-9)
    truth = _exact_extreme_equilibria(A.tolist(), B.tolist())
    assert len(r.exact) == len(truth)
    assert set(r.exact) == truth
    # every pure equilibrium is extreme, so it must be listed
    pure = eq.pure_nash(g)
    listed = {
        (int(np.argmax(x)), int(np.argmax(y))) for x, y in r.equilibria if x.max() == 1 == y.max()
    }
    assert set(pure) <= listed
    flat = sorted(k for c in r.components for k in c)
    assert flat == list(range(len(r.equilibria)))


def test_bad_arguments():
    g = eq.NormalFormGame.from_bimatrix([[1, 0]], [[0, 1]])
    with pytest.raises(ParameterError, match="`exact`"):
        eq.vertex_enumeration(g, exact=1)
    with pytest.raises(ParameterError, match="`max_vertices`"):
        eq.vertex_enumeration(g, max_vertices=0)
    with pytest.raises(ParameterError, match="2 players"):
        eq.vertex_enumeration(eq.NormalFormGame([np.zeros((2, 2, 2))] * 3))


_COUNT_COMPILED = """
import numpy as np
from tariffsim import equilibrium as eq
from tariffsim.equilibrium import _polytope_jit
calls = []
search = _polytope_jit.search
_polytope_jit.search = lambda *a, **k: calls.append(1) or search(*a, **k)
rng = np.random.default_rng(3)
r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(rng.normal(size=(6, 6)),
                                                          rng.normal(size=(6, 6))))
print(len(calls), len(r.equilibria))
"""


@pytest.mark.parametrize(("env", "compiled"), [("0", False), ("off", False), ("", True)])
def test_tariffsim_jit_switches_the_compiled_search(env, compiled):
    """``TARIFFSIM_JIT=0`` turns off numba for the vertex search too (the one switch)."""
    out = subprocess.run(
        [sys.executable, "-c", _COUNT_COMPILED],
        env={**os.environ, "TARIFFSIM_JIT": env},
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout.split()  # fmt: skip
    calls, found = int(out[0]), int(out[1])
    assert (calls > 0) == compiled
    assert found >= 1


@pytest.mark.parametrize(
    "B",
    [
        [[0, 0, 0, 0], [0, 0, 2, 1], [0, 1, 3, 2], [0, 0, 0, 0]],
        [[0, 0, 0, 0], [0, 0, 2, 1], [0, 1, 3, 2], [0, 2, -2, 0]],
    ],
)
def test_a_partner_face_more_than_a_point_is_not_solved_for_one(B):
    """Found by the test above: a column vertex whose partner system is singular in exact
    arithmetic, which rounding made solvable. The solve gave an arbitrary point of the
    partner face (an equilibrium that is not extreme, or none), so extreme ones were missed;
    such systems now send the search to both polytopes' vertices."""
    A = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 1, 0]]
    r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B), exact=True)
    assert all(ex is not None for ex in r.exact)
    assert set(r.exact) == _exact_extreme_equilibria(A, B)
    assert len(r.exact) == len(r.equilibria)


def test_the_search_stops_at_the_bases_the_memory_limit_holds() -> None:
    """It keeps every basis it visits: a 30 x 30 game at the default max_vertices filled
    23 GB and was killed; now it stops, incomplete and said so, within max_result_bytes."""
    import tariffsim as ts
    from tariffsim.errors import ConvergenceWarning

    rng = np.random.default_rng(0)
    g = eq.NormalFormGame.from_bimatrix(rng.normal(size=(10, 10)), rng.normal(size=(10, 10)))
    whole = eq.vertex_enumeration(g)
    assert "INCOMPLETE" not in whole.message and whole.complete
    with (
        ts.limits.override(max_result_bytes=4 * 20**2 * 2 * 50),
        pytest.warns(
            ConvergenceWarning,
            match=r"stopped after 50 bases \(the most the limit max_result_bytes",
        ),
    ):
        part = eq.vertex_enumeration(g)
    assert "INCOMPLETE" in part.message and len(part.equilibria) <= len(whole.equilibria)
    assert not part.complete and "INCOMPLETE" in repr(part)
