"""Segment rates straight from headline tariffs equal the route through the layers, bit for bit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.payoffs import _WorldView, segment_rates

WORLDS = {
    "default": ts.World.default(),
    "us-china-145": ts.load_scenario("us-china-145").world,
    "four-country-2025": ts.load_scenario("four-country-2025").world,
}


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(sorted(WORLDS)),
    subset=st.integers(0, 2**10 - 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_rates_from_headlines_equal_the_layer_route(name, subset, seed):
    w = WORLDS[name]
    idx = np.flatnonzero([(subset >> k) & 1 for k in range(w.n)]) if subset else np.arange(w.n)
    view = _WorldView.of(w, idx)
    rng = np.random.default_rng(seed)
    k = len(idx)
    rungs = sorted({x for lad in w.ladders.values() for x in lad.levels} | {0.07, 2.5})
    t = rng.choice(np.array(rungs), size=(7, 3, k, k)) * rng.choice([1.0, 1.0, 0.37], (7, 3, k, k))
    assert view.rates is not None
    got = view.rates(t)
    want = segment_rates(view.split(t), view.seg_mask)
    assert got.shape == want.shape
    assert got.tobytes() == want.tobytes()
