"""The bargaining discount is per unit of calendar time (``Negotiation.discount_days``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import bargaining as bg
from tariffsim.errors import ParameterError, ScenarioError


def test_a_round_discounts_the_weeks_factor_to_the_power_of_its_share_of_a_week() -> None:
    neg = bg.Negotiation(discount=0.9)
    assert neg.round_discount(7) == 0.9  # exactly, a weekly round
    assert neg.round_discount(1) ** 7 == pytest.approx(0.9, rel=1e-14)
    assert neg.round_discount(14) == pytest.approx(0.81, rel=1e-14)
    daily = bg.Negotiation(discount=0.9, discount_days=1)
    assert daily.round_discount(1) == 0.9 and daily.round_discount(7) == pytest.approx(0.9**7)
    assert bg.Negotiation(discount=0.0).round_discount(3) == 0.0


@pytest.mark.parametrize("bad", [0, -7, 367, 1.5, True, "7", None])
def test_a_bad_discount_period_is_named(bad: object) -> None:
    with pytest.raises(ParameterError, match="`discount_days`"):
        bg.Negotiation(discount_days=bad)  # type: ignore[arg-type]


def _path(game: ts.Game) -> tuple[np.ndarray, list]:
    p = ts.simulate(game, seed=0)
    return p.tariff, [(a.round, a.parties, a.terms, a.concessions, a.gain) for a in p.agreements]


def _stated(game: ts.Game, discount: float, days: int) -> ts.Game:
    neg = dataclasses.replace(game.negotiation, discount=discount, discount_days=days)
    return game.replace(negotiation=neg)


@pytest.mark.parametrize(
    "name", ["canada-mexico-fentanyl", "threat-100-nov1", "us-china-145", "four-country-2025"]
)
@pytest.mark.parametrize("per_run", [False, True], ids=["batched", "per-run"])
def test_one_discount_stated_per_other_days_or_per_round_plays_the_same_game(
    name: str, per_run: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every use of the game's discount (summits batched and run by run, renewals and
    lapses) takes the round's: a discount stated per week in a game of daily rounds, or per
    day in one of weekly rounds, is the same game as its per-round factor stated per round;
    and 0.9 a day is another game than 0.9 a week (the same deals, other gains)."""
    from tariffsim import _talks

    if per_run:  # every summit searched run by run (solve_deal)
        monkeypatch.setattr(_talks, "MAX_DEALS", 0)
    g = ts.load_scenario(name).game
    r = g.round_days
    other = 7 if r == 1 else 1
    per_round = bg.Negotiation(discount=0.9, discount_days=other).round_discount(r)
    assert per_round != 0.9
    stated = _path(_stated(g, 0.9, other))
    tau, deals = _path(_stated(g, per_round, r))
    np.testing.assert_array_equal(stated[0], tau)
    assert stated[1] == deals
    if deals:
        wrong = _path(_stated(g, 0.9, r))[1]  # 0.9 a round
        assert [d[4] for d in wrong] != [d[4] for d in deals]


def test_a_threats_credibility_takes_the_rounds_discount(monkeypatch: pytest.MonkeyPatch) -> None:
    """The threat of ``threat-100-nov1`` (daily rounds) is judged at 0.95 a week, a day's
    share of it."""
    from tariffsim import _talks

    seen: list[float] = []
    real = _talks.credible

    def spy(*a, discount, **kw):  # type: ignore[no-untyped-def]
        seen.append(discount)
        return real(*a, discount=discount, **kw)

    monkeypatch.setattr(_talks, "credible", spy)
    g = ts.load_scenario("threat-100-nov1").game
    ts.simulate(g, seed=0)
    assert seen and set(seen) == {0.95 ** (1 / 7)}


def test_a_scenario_file_states_the_discount_period() -> None:
    sc = ts.load_scenario("canada-mexico-fentanyl")
    data = {**sc.data, "negotiation": {**sc.data.get("negotiation", {}), "discount_days": 1}}
    assert ts.parse_scenario(data).game.negotiation.discount_days == 1
    assert sc.game.negotiation.discount_days == 7
    for bad in (0, 400, 2.5, "week"):
        data = {**sc.data, "negotiation": {"discount_days": bad}}
        with pytest.raises(ScenarioError, match=r"negotiation\.discount_days"):
            ts.parse_scenario(data)


def test_a_discount_that_is_1_a_day_is_refused_by_name() -> None:
    """0.9999999999999999 a week is 1.0 a day in float64: a daily game divided by zero
    (ZeroDivisionError in the deal's values) or named a discount of 1.0 nobody gave."""
    with pytest.raises(ParameterError, match=r"`discount` 0\.9999999999999999 per 7 days"):
        bg.Negotiation(discount=0.9999999999999999)
    assert bg.Negotiation(discount=0.9999999999999999, discount_days=1).round_discount(1) < 1


@pytest.mark.parametrize("bad", [0, -1, float("nan"), True, "7", None, 1.5])
def test_a_bad_round_length_is_named(bad: object) -> None:
    with pytest.raises(ParameterError, match="`round_days` must be an int >= 1"):
        bg.Negotiation().round_discount(bad)  # type: ignore[arg-type]
    assert bg.Negotiation().round_discount(np.int64(7)) == 0.95
    assert bg.Negotiation().round_discount(10**400) == 0.0  # (an OverflowError before)
