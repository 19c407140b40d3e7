"""Positive affine maps of each player's payoffs never change any solver's answer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim import equilibrium as eq
from tariffsim.equilibrium.scaling import normalize
from tariffsim.errors import ConvergenceWarning

SCALES = st.sampled_from([1e-8, 1e-3, 0.37, 1.0, 7.0, 1e4, 1e8])
#: Shifts in units of the scale (a shift of 1e6 on payoffs of size 1e-8 would round
#: the game itself away, whatever the solver).
SHIFTS = st.sampled_from([-1e3, -3.0, 0.0, 2.5, 1e3])


@st.composite
def bimatrix(draw, max_actions=4):
    m = draw(st.integers(1, max_actions))
    n = draw(st.integers(1, max_actions))
    ints = st.integers(-4, 4)
    A = draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    B = draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    return eq.NormalFormGame.from_bimatrix(A, B)


def _transform(g, scales, shifts):
    arr = np.array(g.payoff_array)
    for i, (c, d) in enumerate(zip(scales, shifts, strict=True)):
        arr[i] = c * (arr[i] + d)
    return eq.NormalFormGame(arr)


def _canon(eqs):
    return sorted(tuple(tuple(np.round(p, 6)) for p in e) for e in eqs)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(g=bimatrix(), c=st.tuples(SCALES, SCALES), d=st.tuples(SHIFTS, SHIFTS))
def test_two_player_solvers_are_invariant(g, c, d):
    h = _transform(g, c, d)
    assert eq.pure_nash(h) == eq.pure_nash(g)
    assert _canon(eq.vertex_enumeration(h).equilibria) == _canon(
        eq.vertex_enumeration(g).equilibria
    )
    assert _canon(eq.support_enumeration(h).equilibria) == _canon(
        eq.support_enumeration(g).equilibria
    )
    for label in range(sum(g.shape)):
        a, b = eq.lemke_howson(g, init_label=label), eq.lemke_howson(h, init_label=label)
        assert a.converged == b.converged
        if a.converged:
            assert _canon([a.equilibrium]) == _canon([b.equilibrium])
    ma, mb = eq.mixed_nash(g), eq.mixed_nash(h)
    assert ma.method == mb.method
    assert _canon(ma.equilibria) == _canon(mb.equilibria)


@SETTINGS
@given(g=bimatrix(max_actions=3), c=st.tuples(SCALES, SCALES), d=st.tuples(SHIFTS, SHIFTS))
def test_correlated_equilibrium_value_is_invariant(g, c, d):
    h = _transform(g, c, d)
    a = eq.correlated_equilibrium(g)
    # the utilitarian objective of g, written in h's payoffs
    b = eq.correlated_equilibrium(h, objective=[1 / c[0], 1 / c[1]])
    assert a.success and b.success
    welfare_b = float((b.distribution * g.payoff_array.sum(axis=0)).sum())
    assert abs(welfare_b - a.welfare) <= 1e-6 * max(1.0, abs(a.welfare))


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@SETTINGS
@given(
    g=bimatrix(max_actions=3),
    c=SCALES,
    d=st.tuples(SHIFTS, SHIFTS),
    seed=st.integers(0, 2**32 - 1),
)
def test_learning_and_qre_are_invariant(g, c, d, seed):
    h = _transform(g, (c, c), d)
    fa = eq.fictitious_play(g, rounds=30, rng=seed)
    fb = eq.fictitious_play(h, rounds=30, rng=seed)
    np.testing.assert_array_equal(fa.actions, fb.actions)
    assert fa.converged == fb.converged
    ba = eq.best_response_dynamics(g, max_rounds=30, rng=seed)
    bb = eq.best_response_dynamics(h, max_rounds=30, rng=seed)
    np.testing.assert_array_equal(ba.profiles, bb.profiles)
    # QRE at the equivalent precision lambda / c
    lams = np.array([0.0, 0.5, 2.0])
    qa = eq.logit_qre(g, lambdas=lams)
    qb = eq.logit_qre(h, lambdas=lams / c)
    for pa, pb in zip(qa.profiles, qb.profiles, strict=True):
        np.testing.assert_allclose(pa, pb, atol=1e-8)


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")  # compared below
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    u=st.lists(st.integers(-3, 3), min_size=24, max_size=24),
    c=st.tuples(SCALES, SCALES, SCALES),
    d=st.tuples(SHIFTS, SHIFTS, SHIFTS),
)
def test_n_player_solvers_are_invariant(u, c, d):
    g = eq.NormalFormGame(np.array(u, dtype=float).reshape(3, 2, 2, 2))
    h = _transform(g, c, d)
    assert eq.pure_nash(h) == eq.pure_nash(g)
    a, b = eq.logit_nash(g, max_steps=3000), eq.logit_nash(h, max_steps=3000)
    assert a.converged == b.converged
    if a.converged:
        for pa, pb in zip(a.profile, b.profile, strict=True):
            np.testing.assert_allclose(pa, pb, atol=1e-6)


@pytest.mark.parametrize(
    ("A", "B"),
    [
        ([[2, -3, -3, 1], [2, 4, -2, 1]], [[-1, 0, -2, -2], [1, -2, -2, 2]]),
        (
            [[1, 1, -3, 4], [4, 4, -2, 2], [0, -3, 1, -2]],
            [[-3, 2, 0, 2], [1, -4, -3, -4], [4, 2, 0, -2]],
        ),
    ],
)
@pytest.mark.parametrize("c", [(1e-8, 1e-8), (1e-8, 1e-3)])
def test_degenerate_games_keep_their_extreme_equilibria_when_rounding_blurs_ties(A, B, c):
    # 1e-8 * (u - 1000) is not exact: ties between payoffs differ by a few ulps
    g = eq.NormalFormGame.from_bimatrix(A, B)
    h = _transform(g, c, (-1e3, -1e3))
    assert _canon(eq.vertex_enumeration(h).equilibria) == _canon(
        eq.vertex_enumeration(g).equilibria
    )
    assert len(eq.vertex_enumeration(g).equilibria) >= 3


@pytest.mark.parametrize(
    ("A", "B"),
    [
        ([[1, 2, 1], [1, 2, 1], [1, 4, 2]], [[-3, 4, -3], [4, -3, 4], [-4, 3, 0]]),
        ([[-2, -1, 4], [-3, -1, 4], [2, -3, -4]], [[1, 3, 0], [0, -1, 1], [-3, 2, 1]]),
    ],
)
def test_support_systems_singular_in_a_degenerate_game_stay_singular(A, B):
    # rounding in 1e-8 * (u - 1000) made them nonsingular: an extra equilibrium appeared
    g = eq.NormalFormGame.from_bimatrix(A, B)
    h = _transform(g, (1e-8, 1e-8), (-1e3, -1e3))
    assert _canon(eq.support_enumeration(h).equilibria) == _canon(
        eq.support_enumeration(g).equilibria
    )


@SETTINGS
@given(
    v=st.lists(st.integers(-4, 4), min_size=1, max_size=5),
    c=st.sampled_from([1e-13, 1e-9, 1e-3, 1.0, 1e4, 1e12]),
    d=SHIFTS,
)
def test_one_player_best_replies_are_invariant(v, c, d):
    """A one-player game's equilibria are its best actions at any payoff unit (a near-best
    action 1e-9 below the best is not one)."""
    base = np.array(v, dtype=float)
    base[0] += 1 - 5e-9  # a near tie, far above the solver's tolerance relative to the spread
    g = eq.NormalFormGame(base[None, :])
    h = _transform(g, (c,), (d,))
    assert _canon(eq.mixed_nash(h).equilibria) == _canon(eq.mixed_nash(g).equilibria)


@pytest.fixture(scope="module")
def ladder():
    import tariffsim as ts

    return eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)


@pytest.mark.parametrize("selection", ["status-quo", "payoff-dominant"])
@pytest.mark.parametrize("c", [1e-13, 1e-11, 1e-6, 1e3, 1e9])
def test_markov_perfect_and_backward_induction_are_invariant(ladder, selection, c):
    """Scaling every reward by c > 0 (and the tolerance with it) changes no policy."""
    import dataclasses

    scaled = dataclasses.replace(ladder, rewards=ladder.rewards * c)
    a = eq.markov_perfect(ladder, 0.9, selection, tol=1e-8)
    b = eq.markov_perfect(scaled, 0.9, selection, tol=1e-8 * c)
    assert a.converged and b.converged
    np.testing.assert_array_equal(a.profile, b.profile)
    np.testing.assert_allclose(b.values, c * a.values, rtol=1e-9, atol=0)
    sa = eq.backward_induction(ladder, 6, 0.9, selection)
    sb = eq.backward_induction(scaled, 6, 0.9, selection)
    np.testing.assert_array_equal(sa.profile, sb.profile)


_BOS = np.array([[[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]]])


@pytest.mark.parametrize("c", [1e-13, 1e-8, 1e-4, 1.0, 1e3, 1e10, 1e20])
def test_the_fitted_logit_precision_scales_with_the_payoffs(c):
    """lambda is in 1 / payoff units: lambda * c is the same fit at every unit, converged."""
    counts = [[60, 40], [40, 60]]
    ref = eq.fit_logit_qre(eq.NormalFormGame(_BOS), counts)
    fit = eq.fit_logit_qre(eq.NormalFormGame(_BOS * c), counts)
    assert ref.converged and fit.converged
    assert fit.lam * c == pytest.approx(ref.lam, rel=1e-6)
    for p, q in zip(fit.profile, ref.profile, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-8)


_LOOPBACK = np.array([[[6.0, 6.0], [7.32, 1.0]], [[7.0, 7.0], [6.0, 4.0]]])


@pytest.mark.parametrize("c", [1e-12, 1e-6, 0.3, 1e5, 1e14])
def test_the_logit_branch_is_the_same_curve_at_any_unit(c):
    """The branch of payoffs times c is the branch at lambda / c, point for point: the same
    turning points (Gambit's loopback game bends back twice), the same profiles."""
    ref = eq.logit_branch(eq.NormalFormGame(_LOOPBACK), lam_max=20.0)
    got = eq.logit_branch(eq.NormalFormGame(_LOOPBACK * c), lam_max=20.0 / c)
    assert ref.converged and got.converged
    assert (got.turning_points, len(got)) == (ref.turning_points, len(ref)) == (2, len(ref))
    np.testing.assert_allclose(got.lambdas * c, ref.lambdas, rtol=1e-9)
    for p, q in zip(got.profiles, ref.profiles, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-9)


@pytest.mark.parametrize("c", [1e3, 1e10, 1e20, 1e100])
def test_qre_selection_finds_the_same_equilibrium_in_large_units(c):
    """The default grid starts where lambda times the payoff range is at most 10: in large
    units the trace selects what it selects at scale 1. (Its first step used to jump far
    into precise play: from payoffs x 1e4 up the stag hunt's selection became the mixed
    equilibrium, and at x 1e10 a profile with a relative regret of 0.01.)"""
    A = [[4, 0], [3, 3]]
    for arr in (_BOS, eq.NormalFormGame.from_bimatrix(A, np.transpose(A)).payoff_array):
        ref = eq.qre_select(eq.NormalFormGame(arr))
        with warnings.catch_warnings():  # lambda * range up to 1e103: beyond tol, flagged
            warnings.simplefilter("ignore", ConvergenceWarning)
            got = eq.qre_select(eq.NormalFormGame(arr * c))
        assert got.regret < 1e-3
        for p, q in zip(got.profile, ref.profile, strict=True):
            np.testing.assert_allclose(p, q, atol=1e-3)


@pytest.mark.parametrize("c", [1e-6, 1e6])
def test_qre_selection_reports_a_regret_of_any_unit(c):
    """The same path in other units (lam_max scaled with them) reports the same regret."""
    a = eq.qre_select(eq.NormalFormGame(_BOS), lam_max=50.0)
    b = eq.qre_select(eq.NormalFormGame(_BOS * c), lam_max=50.0 / c)
    assert b.regret == pytest.approx(a.regret, rel=1e-6)
    loose = eq.qre_select(eq.NormalFormGame(_BOS * 1e-6), lam_max=50.0)  # far from the limit
    assert loose.regret > 0.1  # not a tiny absolute number that looks like an equilibrium


def _three_player_pennies():
    u = np.zeros((3, 2, 2, 2))
    for a, b, k in np.ndindex(2, 2, 2):
        u[:, a, b, k] = [a == b, b == k, k != a]
    return u + 0.25 * np.arange(8).reshape(1, 2, 2, 2) / 8  # no ties


@pytest.mark.parametrize("c", [1e-300, 1e-100, 1e-20, 1e20, 1e300])
def test_logit_nash_finds_the_same_equilibrium_at_any_unit(c):
    """The support equations are polished in units of each player's payoff range. (They
    were polished in the game's units, to an absolute tolerance of 1e-13: from payoffs
    x 1e-20 down, Battle of the Sexes met it before a step and had no equilibrium.)"""
    for u in (_BOS, _three_player_pennies()):
        ref = eq.logit_nash(eq.NormalFormGame(u))
        got = eq.logit_nash(eq.NormalFormGame(u * c))
        mixed = eq.mixed_nash(eq.NormalFormGame(u * c), method="logit")
        assert ref.converged and got.converged and mixed.converged
        assert got.regret <= 1e-8
        for p, q, m in zip(got.profile, ref.profile, mixed.equilibria[0], strict=True):
            np.testing.assert_allclose(p, q, atol=1e-9)
            np.testing.assert_allclose(m, q, atol=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_logit_nash_near_the_largest_payoff_does_not_overflow():
    """Four players with payoffs of +-MAX_PAYOFF: the Newton steps of the polish stay
    finite (they overflowed, with numpy's warnings, in the game's units)."""
    u = np.random.default_rng(4).choice([-1.0, 1.0], size=(4, 2, 2, 2, 2))
    ref = eq.logit_nash(eq.NormalFormGame(u))
    got = eq.logit_nash(eq.NormalFormGame(u * eq.MAX_PAYOFF))
    assert ref.converged and got.converged
    for p, q in zip(got.profile, ref.profile, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-9)


@st.composite
def small_game(draw):
    """2 or 3 players, 2 or 3 actions each, continuous payoffs (no ties)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = draw(st.integers(2, 3))
    acts = tuple(draw(st.integers(2, 3)) for _ in range(k))
    return eq.NormalFormGame(rng.normal(size=(k, *acts)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=small_game(), c=st.lists(SCALES, min_size=3, max_size=3),
       d=st.lists(SHIFTS, min_size=3, max_size=3))  # fmt: skip
def test_normalised_qre_selection_is_invariant(g, c, d):
    """qre_select(normalize=True) selects the same, whatever each player's unit: the game's own
    branch (normalize=False) can select another equilibrium once one player's payoffs are
    rescaled (it did in 23 of 120 random games with one player's scaled by 100)."""
    k = g.payoff_array.shape[0]
    h = _transform(g, c[:k], d[:k])
    a = eq.qre_select(g, normalize=True, lam_max=1e4)
    b = eq.qre_select(h, normalize=True, lam_max=1e4)
    assert a.converged and b.converged  # (ties have probability 0 here)
    for p, q in zip(a.profile, b.profile, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-7)


@pytest.mark.parametrize("seed", range(8))
def test_normalised_qre_selection_is_logit_nashs(seed):
    """With one player's payoffs 100 times the others', qre_select(normalize=True) ends where
    logit_nash does (both follow the branch of the game normalised per player)."""
    rng = np.random.default_rng(seed)
    k = 2 + seed % 2
    u = rng.normal(size=(k, *rng.integers(2, 4, size=k)))
    u[0] *= 100.0
    g = eq.NormalFormGame(u)
    q, ln = eq.qre_select(g, normalize=True, lam_max=1e5), eq.logit_nash(g)
    assert q.converged and ln.converged
    for p, r in zip(q.profile, ln.profile, strict=True):
        np.testing.assert_allclose(p, r, atol=1e-3)


def test_the_games_own_branch_can_select_otherwise_once_a_player_is_rescaled():
    """The reason for normalize=True: a game found in a search over random games."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        k = int(rng.integers(2, 4))
        u = rng.normal(size=(k, *rng.integers(2, 4, size=k)))
        u[0] *= 100.0
        g = eq.NormalFormGame(u)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            raw, norm = eq.qre_select(g, lam_max=100.0), eq.qre_select(g, normalize=True)
        gap = max(
            float(np.abs(p - q).max()) for p, q in zip(raw.profile, norm.profile, strict=True)
        )
        if raw.converged and norm.converged and gap > 0.5:
            return
    pytest.fail("no game where the two branches select differently")


def test_logit_nash_follows_the_branch_qre_select_and_a_fine_grid_follow():
    """A 3-player game where the branch turns fast between lambda 7.5 and 11: traced in the
    normalised payoffs themselves, logit_nash's steps jumped to another branch and it returned
    another equilibrium (player 1 mixing 27:73). It now traces as logit_branch does."""
    rng = np.random.default_rng(230)
    g = eq.NormalFormGame(rng.normal(size=(3, 2, 3, 3)))
    fine = eq.logit_qre(normalize(g), np.linspace(0.0, 15.0, 6001))  # small steps, no jump
    ln, q = eq.logit_nash(g), eq.qre_select(g, normalize=True, lam_max=1e5)
    assert ln.converged and q.converged
    assert fine.profiles[0][-1][0] > 0.7  # on its way to player 1's first action
    for p, r in zip(ln.profile, q.profile, strict=True):
        np.testing.assert_allclose(p, r, atol=1e-3)
    np.testing.assert_allclose(ln.profile[0], [1.0, 0.0], atol=1e-9)


#: Constants far larger than the payoffs' range, each added exactly to integer payoffs: the
#: same game (equilibria, quantal responses and regrets ignore them), in the digits a float
#: has left once the constant is added.
LARGE_SHIFTS = st.sampled_from([1e6, 3e8, 1e12, -5e11])


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")  # compared below
@SETTINGS
@given(g=bimatrix(max_actions=3), d=st.tuples(LARGE_SHIFTS, LARGE_SHIFTS))
def test_a_large_constant_added_to_the_payoffs_changes_no_answer(g, d):
    """At +3e8, vertex enumeration dropped the mixed equilibrium of the battle of the sexes
    and mixed_nash called its two 'complete'; the correlated equilibrium of chicken at +1e8
    was not optimal; qre_select at +1e6 selected otherwise, unconverged. Each judged regrets
    or differences on the given payoffs, where the constant cancelled their digits."""
    h = _transform(g, (1.0, 1.0), d)
    assert np.array_equal(h.payoff_array - np.reshape(d, (2, 1, 1)), g.payoff_array)  # exact
    for solve in (eq.vertex_enumeration, eq.support_enumeration):
        assert _canon(solve(h).equilibria) == _canon(solve(g).equilibria), solve.__name__
    a, b = eq.mixed_nash(g), eq.mixed_nash(h)
    assert (_canon(a.equilibria), a.complete) == (_canon(b.equilibria), b.complete)
    for e in a.equilibria:
        assert eq.scaling.relative_regret(h, e) <= 1e-12
    ca, cb = eq.correlated_equilibrium(g), eq.correlated_equilibrium(h)
    assert ca.success and cb.success
    assert cb.welfare - sum(d) == pytest.approx(ca.welfare, abs=1e-6 * (1 + abs(ca.welfare)))
    qa, qb = eq.qre_select(g, lam_max=20), eq.qre_select(h, lam_max=20)
    assert qa.converged == qb.converged
    for x, y in zip(qa.profile, qb.profile, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)


def test_the_battle_of_the_sexes_at_3e8_keeps_its_mixed_equilibrium():
    A, B = np.array([[2.0, 0], [0, 1]]), np.array([[1.0, 0], [0, 2]])
    g = eq.NormalFormGame.from_bimatrix(A + 3e8, B + 3e8)
    mixed = ((2 / 3, 1 / 3), (1 / 3, 2 / 3))
    assert eq.scaling.relative_regret(g, mixed) <= 1e-15  # it was 2.98e-08
    for r in (eq.vertex_enumeration(g), eq.support_enumeration(g), eq.mixed_nash(g)):
        assert len(r.equilibria) == 3
        assert any(np.allclose(x, mixed[0]) and np.allclose(y, mixed[1]) for x, y in r.equilibria)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=bimatrix(), scale=st.sampled_from([1e-9, 1e-3, 7.0, 1e12]), data=st.data())
def test_is_nash_does_not_depend_on_the_payoffs_units(g, scale, data) -> None:
    """is_nash read an absolute tol: scaled by 1e12 it refused an equilibrium a solver had
    returned, scaled by 1e-9 it took a profile with a gain of 1.6 of the range's units."""
    h = _transform(g, (scale, scale), (0.0, 0.0))
    m, n = g.shape
    pure = (data.draw(st.integers(0, m - 1)), data.draw(st.integers(0, n - 1)))
    assert g.is_nash(pure) == h.is_nash(pure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        found = eq.vertex_enumeration(g).equilibria
    for x, y in found:
        assert g.is_nash((x, y), tol=1e-7) and h.is_nash((x, y), tol=1e-7)
