"""Normal-form solvers on hostile inputs: integers a float cannot hold, objectives and counts
near the largest float, payoff scales that lambda must travel far for, and sizes whose work
is refused before it starts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.errors import ConvergenceWarning, LimitError, ParameterError

PD = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
PENNIES = ([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])


@pytest.mark.parametrize("as_array", [False, True])
def test_an_integer_payoff_a_float_would_round_is_refused(as_array: bool) -> None:
    """10**17 + 1 read as the float 1e17 makes a game of ties (its equilibria are another
    game's): refused, naming the matrix, the index and both numbers."""
    b = 10**17
    a = [[b + 1, b], [b, b + 1]]
    with pytest.raises(ParameterError) as info:
        eq.NormalFormGame.from_bimatrix(np.array(a) if as_array else a, [[1, 0], [0, 1]])
    assert "`A` holds the int 100000000000000001 at index (0, 0)" in str(info.value)
    assert "rounds to 1e+17" in str(info.value)
    with pytest.raises(ParameterError, match=r"`payoffs\[1\]` holds the int"):
        eq.NormalFormGame([np.zeros((2, 2)), np.array([[0, 2**63 - 1], [0, 0]])])
    # the first int a float skips, 2**53 + 1, is read as 2**53 itself
    for big in (2**53 + 1, -(2**53 + 1)):
        with pytest.raises(ParameterError, match=f"holds the int {big} at index"):
            eq.NormalFormGame.from_bimatrix([[big, 2**53], [0, 1]], [[0, 0], [0, 0]])


def test_large_integers_a_float_holds_exactly_are_taken() -> None:
    b = 10**17  # 2**17 * 5**17: exact
    g = eq.NormalFormGame.from_bimatrix([[b, 0], [0, b]], [[1, 0], [0, 1]])
    assert g.payoff_array[0, 0, 0] == b and len(eq.vertex_enumeration(g).equilibria) == 3


@pytest.mark.parametrize(
    "objective",
    [[10**400, 1], lambda g: [[10**400, 0], [0, 0]], [1e308, 1e308], [-1e308, 1e308]],
    ids=["int-weight", "int-callable", "sum-overflows", "range-overflows"],
)
def test_an_objective_beyond_any_float_is_a_parameter_error(objective: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning either
        with pytest.raises(ParameterError, match="`objective`"):
            eq.correlated_equilibrium(PD, objective)


def test_an_objective_whose_range_exceeds_any_float_is_solved_as_its_scaled_copy() -> None:
    """Values of +-1e308 (finite, their difference is not): the LP of the objective scaled
    by a positive constant, which has the same solutions. Chicken's best correlated
    equilibrium for the row player's preferred pure outcome."""
    chicken = eq.NormalFormGame.from_bimatrix([[6, 2], [7, 0]], [[6, 7], [2, 0]])
    big = np.array([[0.0, -1e308], [1e308, -1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = eq.correlated_equilibrium(chicken, lambda g: big)
    ref = eq.correlated_equilibrium(chicken, lambda g: big / 1e308)
    assert got.success and ref.success
    np.testing.assert_allclose(got.distribution, ref.distribution, atol=1e-9)
    np.testing.assert_allclose(got.distribution, [[0, 0], [1, 0]], atol=1e-9)


def test_support_enumeration_refuses_more_pairs_than_the_limit_before_any_work() -> None:
    g = eq.NormalFormGame.from_bimatrix(np.eye(13), np.eye(13))
    with pytest.raises(LimitError) as info:
        eq.support_enumeration(g)
    assert "13 x 13" in str(info.value) and "10400599" in str(info.value)
    assert "max_iterations" in str(info.value)
    with ts.limits.override(max_iterations=10**5):  # the same count, below: 7 x 7 has 3431
        assert len(eq.support_enumeration(np.stack([np.eye(7), np.eye(7)])).equilibria) == 127
        with pytest.raises(LimitError):
            eq.support_enumeration(np.stack([np.eye(10), np.eye(10)]))  # 184755 pairs


def test_counts_given_as_a_mapping_are_refused_not_read_as_its_keys() -> None:
    with pytest.raises(ParameterError) as info:
        eq.fit_logit_qre(PD, {0: [1, 2], 1: [1, 2]})
    assert "one array of action counts per player" in str(info.value)
    assert "{0: [1, 2], 1: [1, 2]}" in str(info.value)
    with pytest.raises(ParameterError, match="one array of action counts per player"):
        eq.fit_logit_qre(PD, {(20, 80), (30, 70)})  # (in the set's order, not the players')


def test_counts_whose_total_exceeds_any_float_are_refused_and_large_ones_fit_as_small() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=r"`counts\[0\]` sums to more than 1e\+300"):
            eq.fit_logit_qre(PD, [[4e307, 1.6e308], [4e307, 1.6e308]])
        big = eq.fit_logit_qre(PD, [[1e299, 4e299], [1e299, 4e299]])
    small = eq.fit_logit_qre(PD, [[20, 80], [20, 80]])
    assert big.converged and small.converged
    assert big.lam == pytest.approx(small.lam, rel=1e-6)  # (the optimiser's own tolerance)


@pytest.mark.parametrize("scale", [1.0, 1e9])
def test_the_branch_reaches_a_far_lambda_in_few_steps(scale: float) -> None:
    """Matching pennies: uniform play at every lambda, never pure. lambda times the payoff
    range of 1e12 took the 100,000-step budget (a minute) and ended not converged."""
    g = eq.NormalFormGame.from_bimatrix(np.array(PENNIES[0]) * scale, np.array(PENNIES[1]) * scale)
    b = eq.logit_branch(g, lam_max=1e12 / scale)
    assert b.converged and b.lambdas[-1] == 1e12 / scale and len(b) < 1_000
    np.testing.assert_allclose(b.profiles[0][-1], [0.5, 0.5], atol=1e-12)
    r = eq.qre_select(g, lam_max=1e3 * 1e9 / scale)
    assert r.converged


@pytest.mark.parametrize(("lambdas", "shown"), [(np.nan, "nan"), ([[1, 2]], "[[1, 2]]")])
def test_lambdas_of_another_shape_are_shown(lambdas: object, shown: str) -> None:
    with pytest.raises(ParameterError) as info:
        eq.logit_qre(PD, lambdas=lambdas)
    assert f"got {shown} (shape" in str(info.value)


def test_no_convergence_warning_escapes_the_far_branch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        eq.logit_branch(eq.NormalFormGame.from_bimatrix(*PENNIES), lam_max=1e11)


def _random_game(n: int) -> eq.NormalFormGame:
    rng = np.random.default_rng(0)
    return eq.NormalFormGame.from_bimatrix(rng.standard_normal((n, n)), rng.standard_normal((n, n)))


def test_lemke_howson_all_stops_at_its_time_limit_between_paths() -> None:
    """A random 200 x 200 game took nearly 3 minutes (400 paths, a third of them using all
    10,000 pivots): with ``max_seconds`` no path starts past it, and the result says so."""
    g = _random_game(200)
    with pytest.warns(ConvergenceWarning, match=r"time limit \(`max_seconds` = 0.2\) after"):
        r = eq.lemke_howson_all(g, max_seconds=0.2)
    assert 1 <= len(r.runs) < 400 and not r.converged
    for x, y in r.equilibria:  # what it found is checked as before
        assert g.is_nash((x, y), tol=1e-6)
    small = eq.NormalFormGame.from_bimatrix(*PENNIES)
    assert eq.lemke_howson_all(small, max_seconds=60).converged  # (far from the limit)


def test_correlated_equilibrium_stops_at_its_time_limit() -> None:
    r = eq.correlated_equilibrium(_random_game(120), max_seconds=0.01)
    assert not r.success and r.distribution is None and "time limit" in r.message.lower()
    chicken = eq.NormalFormGame.from_bimatrix([[6, 2], [7, 0]], [[6, 7], [2, 0]])
    timed = eq.correlated_equilibrium(chicken, max_seconds=60)
    assert timed.success and timed.welfare == pytest.approx(10.5)


def test_an_lp_beyond_the_memory_limit_is_refused_before_building(monkeypatch) -> None:
    """A 700 x 700 game's LP (685 million entries, some 33 GB) ended in numpy's
    MemoryError or the machine's out-of-memory kill."""
    from tariffsim.equilibrium import correlated
    from tariffsim.errors import LimitError

    def build(*_: object) -> None:
        raise AssertionError("the LP was built")

    monkeypatch.setattr(correlated, "correlated_constraints", build)
    with pytest.raises(LimitError, match=r"the LP of 685510000 constraint entries"):
        eq.correlated_equilibrium(_random_game(700))
    monkeypatch.undo()
    with pytest.raises(LimitError, match=r"the constraint matrix of 685510000 entries"):
        eq.correlated_constraints(_random_game(700))


def test_a_time_limit_the_setup_cannot_meet_returns_before_building(monkeypatch) -> None:
    """A 200 x 200 game's LP holds 16 million entries: building it and handing it to HiGHS
    took seconds past a 2 s limit (3.8 s in all). A limit the setup alone would use
    returns at once, without building the LP."""
    from tariffsim.equilibrium import correlated

    def build(*_: object) -> None:
        raise AssertionError("the LP was built")

    monkeypatch.setattr(correlated, "correlated_constraints", build)
    r = eq.correlated_equilibrium(_random_game(200), max_seconds=2)
    assert not r.success and r.distribution is None
    assert "before the solver started" in r.message and "15960000" in r.message


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1", True])
def test_a_bad_time_limit_is_named(bad: object) -> None:
    for call in (eq.lemke_howson_all, eq.correlated_equilibrium):
        with pytest.raises(ParameterError, match="`max_seconds`"):
            call(PD, max_seconds=bad)  # type: ignore[operator]
