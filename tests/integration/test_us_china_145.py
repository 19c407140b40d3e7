"""The bundled us-china-145 scenario shows the outcomes its TOML lists."""

import copy

import numpy as np
import pytest

import tariffsim as ts

NAME = "us-china-145"
PEAK = 1.45
BELIEF_MARGIN = 0.25
"""De-escalation starts only once the US's perceived pass-through on China has
risen by at least this much (a quarter of full pass-through) above its start."""


@pytest.fixture(scope="module")
def scenario():
    return ts.load_scenario(NAME)


@pytest.fixture(scope="module")
def path(scenario):
    return scenario.simulate(seed=0)


@pytest.fixture(scope="module")
def idx(scenario):
    w = scenario.world
    return w.index("US"), w.index("CN")


def first_cut(series):
    cuts = np.flatnonzero(np.diff(series) < 0) + 1
    return int(cuts[0]) if cuts.size else None


def peak_rounds(path):
    s = path.series("US", "CN")
    return np.flatnonzero(s == s.max())


# -- the outcomes, one check each ---------------------------------------------------------------
def check_peak(scenario, path, idx):
    assert path.peak("US", "CN") == PEAK
    assert scenario.world.ladders[("US", "CN")].levels[-1] == PEAK


def check_china_never_concedes(scenario, path, idx):
    us, cn = idx
    us_cut = np.diff(path.tariff[:, us, cn]) < 0  # us_cut[r - 1]: the US cut in round r
    cn_cut = np.diff(path.tariff[:, cn, us]) < 0
    for r in range(1, len(path)):
        if cn_cut[r - 1]:
            us_cut_now = us_cut[r - 1]
            us_cut_before = r >= 2 and us_cut[r - 2]
            assert us_cut_now or us_cut_before, f"China cut alone in round {r}"


def check_deescalation_after_learning(scenario, path, idx):
    us, cn = idx
    c = first_cut(path.series("US", "CN"))
    assert c is not None, "the US never de-escalates"
    assert c > int(peak_rounds(path)[0])
    belief = path.perceived_pass_through[:, us, cn]
    # the cut in round c is chosen on the beliefs held after round c - 1
    assert belief[c - 1] - belief[0] >= BELIEF_MARGIN, (belief[0], belief[c - 1])


def check_settles_below_peak_above_zero(scenario, path, idx):
    final = path.series("US", "CN")[-1]
    assert 0 < final <= path.peak("US", "CN") / 2


def check_true_beliefs_lower_peak(scenario, path, idx):
    data = copy.deepcopy(dict(scenario.data))
    assert "beliefs" in data["agents"][0] and data["agents"][0]["country"] == "US"
    del data["agents"][0]["beliefs"]
    truthful = ts.parse_scenario(data, source="counterfactual")
    us = truthful.game.agents[0]
    np.testing.assert_array_equal(
        us.beliefs.perceived.pass_through, truthful.model.params.pass_through
    )
    assert truthful.simulate(seed=0).peak("US", "CN") < path.peak("US", "CN")


OUTCOMES = {
    "US tariff on China peaks at 145%": check_peak,
    "China never concedes unilaterally": check_china_never_concedes,
    "de-escalation begins after the US belief about pass-through has moved toward the truth": (
        check_deescalation_after_learning
    ),
    "the path settles well below the peak but above zero": check_settles_below_peak_above_zero,
    "with true beliefs from the start the US peak is lower": check_true_beliefs_lower_peak,
}


def test_every_listed_outcome_is_checked(scenario):
    assert set(scenario.outcomes) == set(OUTCOMES)


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_outcome(scenario, path, idx, outcome):
    OUTCOMES[outcome](scenario, path, idx)


# -- the calibrated indicators along the path ------------------------------------------------------
def test_us_recession_odds_at_the_peak(path, idx):
    us, _ = idx
    for r in peak_rounds(path):
        assert abs(path.recession[r, us] - 0.60) <= 0.01, r
    assert path.recession[:, us].max() == pytest.approx(0.60, abs=0.01)


def test_us_approval_band(path, idx):
    us, _ = idx
    appr = path.approval[:, us]
    assert np.all((appr >= 0.39) & (appr <= 0.47)), appr
    for r in peak_rounds(path):
        assert 0.39 <= appr[r] <= 0.45, r


def test_true_beliefs_counterfactual_via_replace(scenario, path):
    truth = scenario.model.params
    us = scenario.game.agents[0]
    agents = (
        ts.Agent(us.code, us.strategy, us.targets, ts.Beliefs(truth), us.active_from),
        *scenario.game.agents[1:],
    )
    variant = scenario.replace(game=scenario.game.replace(agents=agents))
    assert variant.simulate(seed=0).peak("US", "CN") < path.peak("US", "CN")


def test_noise_free_scenario_does_not_depend_on_the_seed(scenario, path):
    assert scenario.game.noise == 0
    np.testing.assert_array_equal(scenario.simulate(seed=1).tariff, path.tariff)


def test_announcements_fire_in_their_weeks(scenario, path):
    # start 2025-01-27, 7-day rounds: 4 Feb is day 8 -> round 2; 4 Mar day 36 -> round 6;
    # 2 Apr day 65 -> round 10
    # each event sets one layer: fentanyl 10 then 20, reciprocal 34 (54 in all)
    want = {("fentanyl", 0.10): 2, ("fentanyl", 0.20): 6, ("reciprocal", 0.34): 10}
    sets = {(e.layer, e.level): e for e in scenario.game.events if e.kind == "set"}
    assert set(sets) == set(want)
    for (layer, level), r in want.items():
        s = path.tariffs("US", "CN", layer=layer)
        assert scenario.game.round_of(sets[(layer, level)].when) == r
        assert (r, sets[(layer, level)].label) in path.events
        assert s[r - 1] < level <= s[r]  # in force from that round (the US may add to it)
    s = path.series("US", "CN")
    np.testing.assert_allclose(s[:11], [0, 0, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.54])


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_every_bundled_scenario_runs(name):
    sc = ts.load_scenario(name)
    p = sc.simulate(seed=0)
    assert len(p) == sc.game.rounds + 1
    assert sc.outcomes, f"{name} lists no outcomes"
    assert np.all(np.isfinite(p.payoff))
