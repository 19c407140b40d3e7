"""The Markov-perfect solver at discounts near 1: bounded, converged where it can be, and
honest where float64 runs out.

Each policy is evaluated exactly (a linear solve once iterating would take more than
``_ITERATION_CAP`` steps), so the number of sweeps does not grow as the discount nears 1;
the stop rule is never below the values' rounding; and the message says when the values
are ill-conditioned. The sweep counts asserted here are far below what the iteration alone
needed (tens of seconds per sweep); the tests bound the old behaviour with ``max_iter``.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.cli import main
from tariffsim.equilibrium import markov

NEAR_ONE = 0.9999999


def _cli_ladder(name: str = "us-china-145") -> eq.LadderGame:
    """The ladder game ``tariffsim equilibrium NAME`` solves first (from the scheduled
    events, with the demanding sides' floors where summits have parties)."""
    sc = ts.load_scenario(name)
    start = sc.equilibrium_start()
    game = eq.with_demand_floors(sc.game, start)
    return eq.LadderGame.from_game(game.replace(initial=start))


@pytest.fixture(scope="module")
def plain() -> eq.LadderGame:
    return eq.LadderGame.from_game(ts.load_scenario("us-china-145").game)


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the solver's sweeps and policy evaluations."""
    counts = {"sweeps": 0, "evaluations": 0}
    sweep, evaluate = markov._sweep, markov._evaluate_policy

    def counting_sweep(*a: Any, **kw: Any) -> Any:
        counts["sweeps"] += 1
        return sweep(*a, **kw)

    def counting_evaluation(*a: Any, **kw: Any) -> Any:
        counts["evaluations"] += 1
        return evaluate(*a, **kw)

    monkeypatch.setattr(markov, "_sweep", counting_sweep)
    monkeypatch.setattr(markov, "_evaluate_policy", counting_evaluation)
    return counts


@pytest.mark.parametrize("which", ["cli", "plain"])
def test_a_discount_near_one_converges_in_a_few_sweeps(monkeypatch, plain, which) -> None:
    lg = _cli_ladder() if which == "cli" else plain
    counts = _counting(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ts.ConvergenceWarning)
        r = eq.markov_perfect(lg, discount=NEAR_ONE, max_iter=20)
    assert r.converged, r.message
    assert np.all(np.isfinite(r.values)) and r.residual <= 1e-8
    assert r.iterations <= 10 and counts["sweeps"] == r.iterations
    assert counts["evaluations"] == r.iterations - 1
    # the values are those of the selected policy: Bellman's equation to the values' rounding
    assert r.bellman_residual() <= 1e-12 * float(np.abs(r.values).max())
    assert "ill-conditioned at discount 0.9999999" in r.message
    assert "times the payoffs" in r.message


@pytest.mark.parametrize("discount", [0.9, 0.95, 0.999, 0.99999, NEAR_ONE])
def test_the_policy_does_not_depend_on_how_close_to_one(discount) -> None:
    """From the scheduled events the CLI's game settles at the same rungs at every discount
    from 0.999 up, and at 0.9 and 0.95 as before the linear solve existed."""
    r = eq.markov_perfect(_cli_ladder(), discount=discount, max_iter=40)
    assert r.converged and r.iterations <= 10, r.message
    ill = "ill-conditioned" in r.message
    assert ill == (discount > 1 - 1e-6)


def test_an_out_of_reach_tol_is_raised_to_the_rounding_floor() -> None:
    """tol = 1e-12 is below the rounding of values ~7.5e4 (discount 0.99999: their last
    place is ~1.5e-11): the solver stops at 1e-12 of the values' size, and says which rule
    decided, instead of sweeping on after a residual float64 cannot reach."""
    r = eq.markov_perfect(_cli_ladder(), discount=0.99999, tol=1e-12, max_iter=10)
    size = float(np.abs(r.values).max())
    assert r.converged and r.iterations <= 8, r.message
    assert r.residual <= 1e-12 * size
    if r.residual > 1e-12:  # (a few units in the last place of the values: 1.5e-11 here)
        assert "tol 1e-12 is below their rounding" in r.message
        assert "1e-12 of the values' size" in r.message


@pytest.mark.parametrize("discount", [1 - 1e-12, 1 - 1e-11, 1 - 5e-11])
def test_a_discount_whose_ties_would_swallow_the_payoffs_is_refused(discount: float) -> None:
    """At 1 - 1e-12 the equilibrium check's rounding tolerance was a whole payoff (ten
    times the largest at 1 - 1e-13, where `tariffsim equilibrium` said "converged", exit 0,
    with every action a tie): refused, naming the discount, before any sweep."""
    with pytest.raises(ts.ParameterError, match=r"`discount` .* is too close to 1 for float64"):
        eq.markov_perfect(_cli_ladder(), discount=discount, max_iter=50)
    with pytest.raises(ts.ParameterError, match=r"at most 0\.9999999999"):
        eq.backward_induction(_cli_ladder(), 3, discount=discount)


def test_a_cycle_near_one_stops_at_once_and_says_why() -> None:
    """At 1 - 1e-10 the equilibrium check's rounding tolerance is a hundredth of the largest
    payoff: profiles tie, the selection cycles, and plain value iteration (a factor
    1 - 1e-10 a sweep) cannot work it off: the solver stops at the cycle, not after
    max_iter sweeps."""
    discount = 1 - 1e-10
    with pytest.warns(ts.ConvergenceWarning, match="would need ~"):
        r = eq.markov_perfect(_cli_ladder(), discount=discount, max_iter=50)
    assert not r.converged and r.cycle_detected and r.iterations < 10
    assert "the selected policy cycles (stopped: plain value iteration" in r.message
    assert "ill-conditioned" in r.message
    assert np.all(np.isfinite(r.values))


def test_plain_value_iteration_near_one_says_what_it_would_take(plain) -> None:
    """accelerate=False is plain value iteration: near 1 it cannot converge within max_iter,
    and the message says how many sweeps it would need (bounded by max_iter all the same)."""
    with pytest.warns(ts.ConvergenceWarning):
        r = eq.markov_perfect(_cli_ladder(), discount=NEAR_ONE, accelerate=False, max_iter=30)
    assert not r.converged and r.iterations == 30
    assert "shrinks the residual by only a factor 0.9999999 per sweep" in r.message


@pytest.mark.parametrize("c", [1e290, 1e300, 1e305])
def test_nothing_converged_holds_a_non_finite_value(plain, c) -> None:
    """Payoffs near float64's limit, at a discount near 1, put the values past it: they are
    refused by name before any sweep (beyond MAX_PAYOFF, or summed over the discounted
    rounds); those that fit give, whatever the solver reports, a converged result with
    finite values and a finite residual."""
    fits = float(np.abs(plain.rewards).max()) * c / (1 - NEAR_ONE) <= eq.MAX_PAYOFF
    if not fits:
        with pytest.raises(ts.ParameterError, match="`rewards`"):
            eq.markov_perfect(
                dataclasses.replace(plain, rewards=plain.rewards * c), discount=NEAR_ONE
            )
        return
    huge = dataclasses.replace(plain, rewards=plain.rewards * c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.ConvergenceWarning)
        r = eq.markov_perfect(huge, discount=NEAR_ONE, max_iter=30)
    if r.converged:
        assert np.all(np.isfinite(r.values)) and np.isfinite(r.residual)
    else:
        assert "not converged" in r.message


@pytest.mark.parametrize("discount", [0.9, 0.95])
def test_moderate_discounts_iterate_as_before(monkeypatch, plain, discount) -> None:
    """At moderate discounts policies are evaluated by the iteration (no linear solve): the
    results are those the solver gave before the solve existed."""

    def no_solve(*a: Any, **kw: Any) -> Any:
        raise AssertionError("linear solve at a moderate discount")

    monkeypatch.setattr(markov, "_solve_policy", no_solve)
    assert eq.markov_perfect(plain, discount=discount).converged
    assert eq.markov_perfect(_cli_ladder("four-country-2025"), discount=discount).converged


def test_the_cli_solves_a_discount_near_one(tmp_path: Path, capsys: Any) -> None:
    """``tariffsim equilibrium us-china-145 --discount 0.9999999`` converges (exit status 0)
    in a few sweeps, and says the values are ill-conditioned. (``--max-seconds`` only bounds
    a regression; the old solver ran for many minutes.)"""
    code = main(["equilibrium", "us-china-145", "--discount", "0.9999999", "--no-plot",
                 "--max-seconds", "120", "--out", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "converged in" in out and "ill-conditioned at discount 0.9999999" in out
    assert "Markov-perfect equilibrium, discount 0.9999999," in out  # it said "discount 1"


def _rps_everywhere(lg: eq.LadderGame) -> eq.LadderGame:
    """``lg`` with the same 3 x 3 stage game at every state and no pure equilibrium in it
    (a rock-paper-scissors variant): every state's policy is a logit-QRE profile."""
    a = np.array([[0.0, -1.0, 3.0], [1.0, 0.0, -1.0], [-2.0, 1.0, 0.0]])
    stage = np.stack([a, -0.7 * a + 0.1], axis=-1).reshape(9, 2)
    assert lg.action_shape == (3, 3) and lg.n_players == 2
    rewards = np.broadcast_to(stage, lg.rewards.shape).copy()
    return dataclasses.replace(lg, rewards=rewards)


def test_a_converged_qre_selection_near_one_warns_nothing(plain) -> None:
    """A converged result never warns: the tracer's own "step size underflow" warning
    escaped from a converged solve (a state of an earlier sweep, or one whose selection
    among pure equilibria does not need the limit, traced short)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = eq.markov_perfect(plain, discount=0.9999999999, selection="qre")
    assert r.converged, r.message


def test_a_qre_branch_traced_short_is_said_and_leaves_mixed_states_unconverged(
    plain, monkeypatch
) -> None:
    """Where the branch cannot be traced to lambda = 1000, the selection is its last point:
    at a state without a pure equilibrium that point is no equilibrium, so the result is not
    converged, says why, and warns once under markov_perfect's name (never the tracer's)."""
    from tariffsim.equilibrium import tracing

    real = tracing._qre_select

    def short(*args: Any) -> Any:
        sel, _ = real(*args)
        return dataclasses.replace(sel, converged=False), "step size underflow at lambda = 8"

    lg = _rps_everywhere(plain)
    done = eq.markov_perfect(lg, discount=0.5, selection="qre")
    assert done.converged and done.mixed.all(), done.message
    monkeypatch.setattr(tracing, "_qre_select", short)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        r = eq.markov_perfect(lg, discount=0.5, selection="qre")
    assert not r.converged
    assert r.message.startswith("not converged: residual")
    assert f"at {lg.n_states} state(s) without a pure equilibrium" in r.message
    assert [str(w.message).split(":")[0] for w in seen] == ["markov_perfect"]
    # states with several pure equilibria pick one whatever the trace: converged, and said
    r2 = eq.markov_perfect(plain, discount=0.9, selection="qre")
    assert r2.converged and not r2.mixed.any()
    assert "with several pure equilibria the logit-QRE branch could not be" in r2.message
    with warnings.catch_warnings(record=True) as seen2:
        warnings.simplefilter("always")
        bi = eq.backward_induction(lg, 2, 0.5, selection="qre")
    assert bi.mixed.all()
    assert [str(w.message).split(":")[0] for w in seen2] == ["backward_induction"]


def test_backward_induction_says_in_its_result_where_a_qre_trace_stopped_short(
    plain, monkeypatch
) -> None:
    """An SPEResult had no converged or message: a trace stopped short was a warning only,
    and the result looked like any other."""
    from tariffsim.equilibrium import tracing

    real = tracing._qre_select

    def short(*args: Any) -> Any:
        sel, _ = real(*args)
        return dataclasses.replace(sel, converged=False), "step size underflow at lambda = 8"

    lg = _rps_everywhere(plain)
    ok = eq.backward_induction(lg, 2, 0.5, selection="qre")
    assert ok.converged and "2 rounds by backward induction" in ok.message
    assert f"{2 * lg.n_states} state-round(s) without a pure equilibrium" in ok.message
    monkeypatch.setattr(tracing, "_qre_select", short)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = eq.backward_induction(lg, 2, 0.5, selection="qre")
        several = eq.backward_induction(plain, 2, 0.9, selection="qre")
    assert not bad.converged and bad.message.startswith("not converged: ")
    assert "its last point is no equilibrium" in bad.message
    # where pure equilibria were only chosen among, it stays converged, and says so
    assert several.converged and "with several pure equilibria" in several.message
