"""Time in units, import adjustment, eroding ties, grievance: what the model shows when it runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tariffsim as ts

US, CN = 0, 1


@pytest.fixture(scope="module")
def game() -> ts.Game:
    return ts.load_scenario("us-china-145").game


@pytest.fixture(scope="module")
def weekly(game: ts.Game) -> ts.Path:
    return game.simulate(seed=0)


@pytest.fixture(scope="module")
def daily(game: ts.Game) -> ts.Path:
    return game.replace(round_days=1, rounds=game.rounds * 7).simulate(seed=0)


def test_daily_and_weekly_rounds_agree_per_calendar_week(weekly: ts.Path, daily: ts.Path) -> None:
    wk = np.arange(len(weekly))
    assert np.array_equal(daily.dates[wk * 7], weekly.dates)  # the same calendar weeks
    for i, j in ((US, CN), (CN, US)):
        w, d = weekly.tariff[:, i, j], daily.tariff[wk * 7, i, j]
        # one rung per round: the daily run may climb faster within a week, never otherwise
        differ = np.flatnonzero(~np.isclose(w, d))
        assert len(differ) <= 3, differ
        for r in differ:  # ... and the weekly run reaches the same rung within three weeks
            assert d[r] > w[r] and np.any(np.isclose(w[r : r + 4], d[r]))
        assert w.max() == d.max()  # the same peak ...
        first_cut = (int(np.flatnonzero(np.diff(w) < 0)[0]), int(np.flatnonzero(np.diff(d) < 0)[0]))
        assert first_cut[0] == first_cut[1]  # ... the climb-down in the same week ...
        assert w[-1] == d[-1]  # ... and the same settled level
    # learning, trade adjustment, ties and grievance move per elapsed time
    calm = [r for r in wk if r < 10 or r > 15]  # away from the climb of April
    for name, atol, rtol in (
        ("perceived_pass_through", 0.05, 0),
        ("adjust", 0.05, 0),
        ("tie_loss", 0.005, 0.1),  # the faster daily climb erodes a little more
        ("grievance", 0.005, 0.1),
    ):
        w, d = getattr(weekly, name), getattr(daily, name)[wk * 7]
        np.testing.assert_allclose(w[calm], d[calm], atol=atol, rtol=rtol, err_msg=name)


def test_learning_per_round_would_not_agree(game: ts.Game) -> None:
    # the check above can fail: learning a weekly rate every day runs seven times faster
    fast = game.replace(
        round_days=1,
        rounds=game.rounds * 7,
        agents=tuple(
            a
            if a.beliefs is None
            else dataclasses.replace(
                a,
                beliefs=dataclasses.replace(
                    a.beliefs, learning_rate=1 - (1 - a.beliefs.learning_rate) ** 7
                ),
            )
            for a in game.agents
        ),
    ).simulate(seed=0)
    slow = game.replace(round_days=1, rounds=game.rounds * 7).simulate(seed=0)
    assert fast.perceived_pass_through[70, US, CN] > slow.perceived_pass_through[70, US, CN] + 0.1


def test_realised_payoffs_scale_with_the_round(weekly: ts.Path, daily: ts.Path) -> None:
    wk = np.arange(len(weekly))
    cw = np.cumsum(weekly.realised()[:, US])
    cd = np.cumsum(daily.realised()[:, US])[wk * 7]
    np.testing.assert_allclose(cd[:10], cw[:10], atol=0.002)  # February and March
    assert cd[-1] == pytest.approx(cw[-1], rel=0.15)  # the whole run
    # the per-round payoff of a daily run is a seventh of its annual rate
    assert abs(daily.realised()[60, US]) == pytest.approx(abs(daily.payoff[60, US]) / 365, rel=1e-9)
