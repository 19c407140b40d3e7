"""The Geneva truce keeps a layer for a reason the payoffs give: reciprocity.

In the record (``cal_2025_05_12``) the US kept 30% on China (the 10% baseline and
the 20% fentanyl layer) and China kept 10% on the US. Every number here comes
from simulating the bundled scenario; nothing is scripted.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.engine import simulate_batch

SC = ts.load_scenario("us-china-145")
W = SC.world
US, CN = W.index("US"), W.index("CN")
GENEVA = 16  # the round dated 19 May 2025 (the cuts of 14 May), weekly from 27 January


@pytest.fixture(scope="module")
def path():
    return SC.simulate(seed=0)


def test_geneva_keeps_china_at_10_while_the_us_keeps_30(path):
    geneva = path.agreements[0]
    assert geneva.round == GENEVA and geneva.label == "Geneva talks"
    assert geneva.terms[("US", "CN")] == pytest.approx(0.30)
    assert geneva.terms[("CN", "US")] == pytest.approx(0.10)
    # the truce is a resting point: both rates stay where the deal put them
    np.testing.assert_allclose(path.series("US", "CN")[GENEVA:], 0.30)
    np.testing.assert_allclose(path.series("CN", "US")[GENEVA:], 0.10)
    # China gains from the deal over carrying on at the peak
    assert geneva.gain["CN"] > 0 and geneva.gain["US"] > 0


def test_the_reason_is_visible_in_the_breakdown(path):
    kept = ts.State(path.tariff[GENEVA])
    cut = kept.with_tariff(W, "CN", "US", 0.0)
    at_kept = SC.game.model.breakdown(kept)
    at_cut = SC.game.model.breakdown(cut)
    w_rec = float(SC.game.model.params.reciprocity_weight[CN])
    # at 0% China bears the standing reciprocity cost; keeping 10% removes it
    assert at_cut.terms["reciprocity"][0, CN] == pytest.approx(-w_rec)
    assert at_kept.terms["reciprocity"][0, CN] == 0.0
    # every other term favours cutting to zero: reciprocity alone keeps the layer
    others = [t for t in ts.TERMS if t not in ("reciprocity", "face", "resolve")]
    econ_kept = sum(at_kept.weighted(t)[0, CN] for t in others)
    econ_cut = sum(at_cut.weighted(t)[0, CN] for t in others)
    assert econ_cut > econ_kept
    assert w_rec > econ_cut - econ_kept
    # and the US pays nothing of it: it levies more than it is levied on
    assert at_kept.terms["reciprocity"][0, US] == 0.0


def test_without_the_term_the_deal_takes_china_to_zero():
    off = SC.with_params(**{"reciprocity_weight.CN": 0.0}).simulate(seed=0)
    geneva = off.agreements[0]
    assert geneva.round == GENEVA
    assert geneva.terms[("US", "CN")] == pytest.approx(0.30)
    assert geneva.terms[("CN", "US")] == 0.0
    np.testing.assert_allclose(off.series("CN", "US")[GENEVA:], 0.0)


def test_the_path_before_geneva_does_not_depend_on_the_weight(path):
    off = SC.with_params(**{"reciprocity_weight.CN": 0.0}).simulate(seed=0)
    np.testing.assert_array_equal(off.tariff[:GENEVA], path.tariff[:GENEVA])


def test_batched_runs_with_per_run_weights_match_single_runs():
    weights = np.array([0.0, 0.15, 0.6])
    pb = simulate_batch(SC.game, seeds=[0, 0, 0], overrides={"reciprocity_weight.CN": weights})
    kept = pb.tariff_series("CN", "US")[:, GENEVA]
    np.testing.assert_allclose(kept, [0.0, 0.10, 0.10])
    one = SC.with_params(**{"reciprocity_weight.CN": 0.6}).simulate(seed=0)
    np.testing.assert_array_equal(pb[2].tariff, one.tariff)


@settings(max_examples=6, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=3))
def test_the_kept_rate_never_falls_as_the_weight_rises(weights):
    ws = np.sort(np.array(weights))
    pb = simulate_batch(
        SC.game,
        GENEVA + 2,
        seeds=[0] * len(ws),
        overrides={"reciprocity_weight.CN": ws},
        record="compact",
    )
    kept = pb.tariff_series("CN", "US")[:, GENEVA + 1]
    assert np.all(np.diff(kept) >= 0)
    assert set(np.round(kept, 6)) <= {0.0, 0.1}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 2.0), min_size=4, max_size=4),
    st.floats(0.01, 1.0),
    st.floats(0.1, 10.0),
)
def test_shortfall_is_bounded_saturating_and_scale_free(vals, ref, k):
    t = np.array([[[0.0, vals[0]], [vals[1], 0.0]]])
    s = ts.payoffs.reciprocity_shortfall(t, ref)
    assert np.all((s >= 0) & (s <= 1 + 1e-12))
    # only the first `ref` of the partner's tariff counts: above it, more asks no more
    at_ref = t.copy()
    at_ref[0, 0, 1] = ref
    above = t.copy()
    above[0, 0, 1] = ref + vals[2]
    assert ts.payoffs.reciprocity_shortfall(above, ref)[0, 1] == pytest.approx(
        ts.payoffs.reciprocity_shortfall(at_ref, ref)[0, 1]
    )
    # raising one's own tariff never raises one's own shortfall
    own = t.copy()
    own[0, 1, 0] += vals[3]
    assert ts.payoffs.reciprocity_shortfall(own, ref)[0, 1] <= s[0, 1] + 1e-12
    # units do not matter: scaling every rate and the reference together changes nothing
    np.testing.assert_allclose(ts.payoffs.reciprocity_shortfall(k * t, k * ref), s, atol=1e-12)


def test_bad_reference_is_refused_naming_the_field():
    with pytest.raises(ts.errors.ParameterError, match="reciprocity_reference"):
        SC.game.model.params.replace(reciprocity_reference=0.0)
    with pytest.raises(ts.errors.ParameterError, match="reciprocity_weight"):
        SC.game.model.params.replace(reciprocity_weight=-np.ones(W.n))
