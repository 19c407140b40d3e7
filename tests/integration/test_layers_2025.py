"""The 2025 layer structure: what the model shows when it runs (nothing scripted)."""

from __future__ import annotations

import numpy as np
import pytest

import tariffsim as ts


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def path(sc: ts.Scenario) -> ts.Path:
    return sc.simulate(seed=0)


def _layer_by_step(path: ts.Path, world: ts.World, a: str, b: str, layer: str) -> np.ndarray:
    """A layer after every decision step, in calendar order (index 0: the start)."""
    lay = world.decompose(path.step_tariff)[..., world.layer_index(layer), :, :]
    x = lay[..., world.index(a), world.index(b)]
    return np.concatenate([x[:1, -1], x[1:].reshape(-1)])


def test_april_every_reciprocal_raise_is_matched_within_a_round(
    path: ts.Path, sc: ts.Scenario
) -> None:
    # China's across-the-board layer answers each rise of the US reciprocal layer by the
    # same number of points, at the same decision step or the next, so within the round or
    # the next (the mirror-image April answers); decision steps are days in weekly rounds
    recip = _layer_by_step(path, sc.world, "US", "CN", "reciprocal")
    counter = _layer_by_step(path, sc.world, "CN", "US", "counter")
    k = sc.game.steps
    ups = np.flatnonzero(np.diff(recip) > 0) + 1
    answers = np.flatnonzero(np.diff(counter) > 0) + 1
    assert len(ups) >= 3  # 34 (announced), 84 and 125 (chosen)
    assert len(answers) == len(ups)  # one answer per raise, in order
    for r, q in zip(ups, answers, strict=True):
        assert r <= q <= r + 1, f"US raise at step {r} answered at step {q}"
        assert (q - 1) // k <= (r - 1) // k + 1  # within the round or the next
        assert counter[q] - counter[q - 1] == pytest.approx(recip[r] - recip[r - 1])


def test_february_answers_are_targeted(path: ts.Path, sc: ts.Scenario) -> None:
    recip = path.tariffs("US", "CN", layer="reciprocal")
    fent = path.tariffs("US", "CN", layer="fentanyl")
    targeted = path.tariffs("CN", "US", layer="targeted")
    counter = path.tariffs("CN", "US", layer="counter")
    first_recip = int(np.flatnonzero(recip > 0)[0])
    # each 10-point fentanyl step is answered by a step of the targeted list
    for r in np.flatnonzero(np.diff(fent[:first_recip]) > 0) + 1:
        assert targeted[r] > targeted[r - 1] or targeted[r + 1] > targeted[r]
    # the across-the-board rate stays 0 until the reciprocal step
    assert np.all(counter[:first_recip] == 0)
    assert counter[first_recip] > 0
    # the targeted answer is worth far less than an across-the-board match
    w = sc.world
    share, mask = w.segments
    cn, us = w.index("CN"), w.index("US")
    at = first_recip - 1
    lay = path.layers[at]
    targeted_eff = ts.payoffs.effective_rate(lay[None], share, mask)[0, cn, us]
    match = np.zeros((len(w.layer_names), w.n, w.n))
    match[w.layer_index("counter"), cn, us] = fent[at]  # the same rate on all US goods
    match_eff = ts.payoffs.effective_rate(match[None], share, mask)[0, cn, us]
    assert targeted_eff < 0.5 * match_eff
    assert path.coverage("CN", "US")[at] == pytest.approx(0.29)


def test_headline_is_the_sum_of_layers_and_effective_is_trade_weighted(path: ts.Path) -> None:
    np.testing.assert_allclose(path.layers.sum(axis=1), path.tariff, atol=1e-12)
    i, j = path.codes.index("CN"), path.codes.index("US")
    assert np.all(path.effective("CN", "US") <= path.headline("CN", "US") + 1e-12)
    hit = path.hit_share[:, i, j]
    np.testing.assert_allclose(
        path.effective("CN", "US")[1:], (path.layers[1:, :, i, j] * hit).sum(axis=1), atol=1e-12
    )


def test_usmca_exemption_shields_most_north_american_trade() -> None:
    w = ts.World.default()
    s = ts.State.zeros(w.n).with_layer(w, "US", "CA", "fentanyl", 0.25)
    bd = ts.PayoffModel(w).breakdown(s)
    us, ca = w.index("US"), w.index("CA")
    assert bd.effective[0, us, ca] == pytest.approx(0.25 * (1 - w.exempt[us, ca]))
    # exempt goods keep flowing; only the non-exempt share shrinks
    assert bd.imports[0, us, ca] >= w.imports[us, ca] * w.exempt[us, ca]


def test_a_truce_keeps_one_layer_and_drops_another() -> None:
    w = ts.World.default()
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45)
    s = peak
    for _ in range(3):  # three cuts: 125 -> 84 -> 34 -> 10 (the truce rung)
        s = ts.apply_moves(w, s, {("US", "CN"): -1})
    lay = s.layers
    us, cn = w.index("US"), w.index("CN")
    assert lay[w.layer_index("reciprocal"), us, cn] == pytest.approx(0.10)
    assert lay[w.layer_index("fentanyl"), us, cn] == pytest.approx(0.20)
    assert s.tariff[us, cn] == pytest.approx(0.30)
    # escalating again steps over the truce rung
    up = ts.apply_moves(w, ts.apply_moves(w, s, {("US", "CN"): -1}), {("US", "CN"): 1})
    assert up.tariff[us, cn] == pytest.approx(0.54)


def test_layer_events_and_instruments_from_a_scenario_file() -> None:
    sc = ts.load_scenario("us-china-145")
    data = dict(sc.data)
    world = dict(data.get("world", {}))
    world["instruments"] = {
        "CA-US": [
            {"name": "counter", "levels": [0.0, 0.25], "coverage": 0.06, "exempt": False,
             "pretext": "Canada's C$30 bn list", "claims": ["canada_cautious"]},
        ]
    }  # fmt: skip
    data["world"] = world
    alt = ts.parse_scenario(data)
    lay = alt.world.instruments[("CA", "US")]
    assert lay[0].coverage == 0.06 and not lay[0].exempt
    assert alt.world.ladders[("CA", "US")].levels == (0.0, 0.25)
    bad = dict(data)
    bad["world"] = {"instruments": {"CA-US": [{"name": "x", "levels": [0.0, 0.1], "coverage": 2}]}}
    with pytest.raises(ts.ScenarioError, match="coverage"):
        ts.parse_scenario(bad)


def _beyond_145(sc: ts.Scenario, **params: float) -> ts.Scenario:
    """A counterfactual where both sides may go past the April rates and the US goes to 245%."""
    import copy
    import datetime as dt

    data = copy.deepcopy(dict(sc.data))
    data.setdefault("negotiation", {})["enabled"] = False  # no Geneva deal in the way
    data.pop("demands", None)
    data.setdefault("params", {}).update(params)
    data["world"] = {
        "instruments": {
            "US-CN": [
                {"name": "fentanyl", "levels": [0.0, 0.10, 0.20]},
                {"name": "reciprocal", "levels": [0.0, 0.10, 0.34, 0.84, 1.25, 2.25],
                 "down_only": [0.10]},
            ],
            "CN-US": [
                {"name": "targeted", "levels": [0.0, 0.10, 0.15], "coverage": 0.29},
                {"name": "counter", "levels": [0.0, 0.10, 0.34, 0.84, 1.25, 2.25],
                 "down_only": [0.10]},
            ],
        }
    }  # fmt: skip
    data["events"] = [
        *data["events"],
        {"date": dt.date(2025, 5, 13), "kind": "set", "dyad": "US-CN", "layer": "reciprocal",
         "level": 2.25, "label": "counterfactual: US reciprocal 225% (245% in all)"},
    ]  # fmt: skip
    return ts.parse_scenario(data, source="beyond-145")


def test_saturation_china_stays_at_125_when_the_us_goes_to_245(sc: ts.Scenario) -> None:
    alt = _beyond_145(sc)
    assert alt.world.ladders[("CN", "US")].levels[-1] == pytest.approx(2.40)  # it could follow
    p = alt.simulate(seed=0)
    # day by day (decision steps): China matches the US up to 125% and no further
    us = _layer_by_step(p, alt.world, "US", "CN", "reciprocal")
    counter = _layer_by_step(p, alt.world, "CN", "US", "counter")
    when = int(np.flatnonzero(us >= 2.25 - 1e-9)[0])
    assert counter[when] == pytest.approx(1.25)  # China has matched the US up to 125%
    assert np.all(counter[when:] == pytest.approx(1.25))  # and ignores the raise to 245%
    assert np.all(us[when:] >= 2.25 - 1e-9)
    assert p.headline("US", "CN").max() == pytest.approx(2.45)


def test_without_saturation_china_would_follow_to_225(sc: ts.Scenario) -> None:
    # the same counterfactual when answering is worth its size in points whatever trade is
    # left (the old per-point charge): China follows the US past 125%
    p = _beyond_145(sc, answer_scale=1e6).simulate(seed=0)
    us = p.headline("US", "CN")
    when = int(np.flatnonzero(us >= 2.45 - 1e-9)[0])
    counter = p.tariffs("CN", "US", layer="counter")
    assert counter[when:].max() == pytest.approx(2.25)
