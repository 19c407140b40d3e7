"""Vertex enumeration: both search paths, against support enumeration and quantecon.

The compiled search (numba) and the pure numpy search must find the same
vertices and equilibria; square and non-square games take different routes
(one stacked search with label matching, or two searches with solved
partners), and degenerate games a lexicographic search. Each route is checked
against peers and against the invariance of equilibria under positive
affine maps of each player's payoffs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import quantecon.game_theory as qe
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tariffsim import equilibrium as eq
from tariffsim.equilibrium import _polytope, _polytope_jit, vertex
from tariffsim.equilibrium.scaling import relative_regret
from tariffsim.errors import ConvergenceWarning


def _canon(eqs):
    return sorted((tuple(np.round(x, 6)), tuple(np.round(y, 6))) for x, y in eqs)


def _qe(A, B):
    return qe.vertex_enumeration(qe.NormalFormGame([qe.Player(A), qe.Player(np.transpose(B))]))


@pytest.fixture(params=[True, False], ids=["compiled", "numpy"])
def search_path(request, monkeypatch):
    if request.param and not _polytope_jit.AVAILABLE:
        pytest.fail("numba is part of the test dependencies")
    monkeypatch.setattr(_polytope, "USE_JIT", request.param)
    return request.param


def test_numba_is_installed_for_the_tests():
    # the compiled path is what users with the `fast` extra run: it must be tested
    assert _polytope_jit.AVAILABLE


@pytest.mark.parametrize(("m", "n"), [(4, 4), (7, 7), (3, 6), (6, 4), (9, 8)])
@pytest.mark.parametrize("join", [3000, 0])
def test_both_paths_match_quantecon(search_path, monkeypatch, m, n, join):
    # join=0 makes the second search start at once and the partner route run
    monkeypatch.setattr(vertex, "_JOIN", join)
    rng = np.random.default_rng(97 * m + n + join)
    for _ in range(3):
        A, B = rng.random((m, n)), rng.random((m, n))
        r = eq.vertex_enumeration(eq.NormalFormGame.from_bimatrix(A, B))
        assert not r.degenerate
        assert _canon(r.equilibria) == _canon(_qe(A, B))


def test_compiled_and_numpy_searches_visit_the_same_vertices(monkeypatch):
    rng = np.random.default_rng(5)
    for size in (5, 8, 11):
        g = eq.NormalFormGame.from_bimatrix(rng.random((size, size)), rng.random((size, size)))
        got = []
        for flag in (True, False):
            monkeypatch.setattr(_polytope, "USE_JIT", flag)
            got.append(eq.vertex_enumeration(g))
        assert got[0].n_vertices == got[1].n_vertices
        assert _canon(got[0].equilibria) == _canon(got[1].equilibria)


finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    jit=st.booleans(),
)
def test_agrees_with_support_enumeration_on_random_games(m, n, seed, jit):
    rng = np.random.default_rng(seed)
    g = eq.NormalFormGame.from_bimatrix(rng.normal(size=(m, n)), rng.normal(size=(m, n)))
    old = _polytope.USE_JIT
    _polytope.USE_JIT = jit
    try:
        r = eq.vertex_enumeration(g)
    finally:
        _polytope.USE_JIT = old
    # a game with continuous random payoffs is nondegenerate (almost surely):
    # every equilibrium is extreme and support enumeration finds them all
    assert _canon(r.equilibria) == _canon(eq.support_enumeration(g).equilibria)
    assert len(r.equilibria) % 2 == 1  # nondegenerate games have an odd number


@settings(max_examples=30, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    scale=st.tuples(st.floats(1e-6, 1e8), st.floats(1e-6, 1e8)),
    shift=st.tuples(finite, finite),
    integer=st.booleans(),
)
def test_positive_affine_maps_change_nothing(m, n, seed, scale, shift, integer):
    rng = np.random.default_rng(seed)
    if integer:  # small integer payoffs: degenerate games are common
        A, B = rng.integers(-2, 3, size=(2, m, n)).astype(float)
    else:
        A, B = rng.normal(size=(2, m, n))
    g = eq.NormalFormGame.from_bimatrix(A, B)
    h = eq.NormalFormGame.from_bimatrix(scale[0] * A + shift[0], scale[1] * B + shift[1])
    # stored payoffs resolve differences to ~eps * max|u| only; within the documented
    # limit (equilibrium.scaling: noise below the SNAP grid) the map changes nothing
    noise = np.finfo(float).eps * max(
        (abs(shift[k]) + scale[k] * np.abs(X).max()) / (scale[k] * max(np.ptp(X), 1e-300))
        for k, X in enumerate((A, B))
    )
    assume(noise < 1e-13)
    r, s = eq.vertex_enumeration(g), eq.vertex_enumeration(h)
    assert _canon(r.equilibria) == _canon(s.equilibria)
    assert r.components == s.components
    assert r.degenerate == s.degenerate


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 5), n=st.integers(2, 5), seed=st.integers(0, 2**32 - 1))
def test_degenerate_games_by_both_paths(m, n, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.integers(0, 3, size=(2, m, n)).astype(float)
    g = eq.NormalFormGame.from_bimatrix(A, B)
    results = []
    for flag in (True, False):
        old = _polytope.USE_JIT
        _polytope.USE_JIT = flag
        try:
            results.append(eq.vertex_enumeration(g, exact=True))
        finally:
            _polytope.USE_JIT = old
    r = results[0]
    assert _canon(r.equilibria) == _canon(results[1].equilibria)
    assert r.components == results[1].components
    for (x, y), ex in zip(r.equilibria, r.exact, strict=True):
        assert relative_regret(g, [x, y]) <= 1e-9
        assert ex is not None  # the exact rational check passes
    # every pure equilibrium is an extreme equilibrium
    listed = {
        (int(np.argmax(x)), int(np.argmax(y))) for x, y in r.equilibria if x.max() == 1 == y.max()
    }
    assert set(eq.pure_nash(g)) <= listed


@pytest.mark.parametrize("shape", [(6, 6), (5, 7)])
def test_vertex_limit_reports_an_incomplete_search(search_path, shape):
    rng = np.random.default_rng(3)
    g = eq.NormalFormGame.from_bimatrix(rng.random(shape), rng.random(shape))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = eq.vertex_enumeration(g, max_vertices=5)
    assert "INCOMPLETE" in r.message and not r.complete
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for x, y in r.equilibria:  # what it did find is still right
        assert relative_regret(g, [x, y]) <= 1e-8
