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


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(sorted(WORLDS)),
    subset=st.integers(0, 2**10 - 1),
    seed=st.integers(0, 2**32 - 1),
    per_run=st.booleans(),
    per_dyad_elasticity=st.booleans(),
)
def test_trade_terms_on_segment_rows_equal_the_full_grid(
    name, subset, seed, per_run, per_dyad_elasticity
):
    from tariffsim import _batchrun, _trade_kernel
    from tariffsim.payoffs import (
        _seg,
        _sum_rows,
        _trade_terms,
        retaliation_loss,
        tariff_pain,
        tariff_revenue,
        trade_response,
    )

    w = WORLDS[name]
    idx = np.flatnonzero([(subset >> k) & 1 for k in range(w.n)]) if subset else np.arange(w.n)
    view = _WorldView.of(w, idx)
    rng = np.random.default_rng(seed)
    k, runs = len(idx), 5
    rungs = sorted({x for lad in w.ladders.values() for x in lad.levels})
    r = view.rates(rng.choice(np.array(rungs), size=(runs, 3, k, k)))
    base = ts.PayoffModel(w).params
    over = {}
    if per_run:
        over = {
            "elasticity": rng.uniform(0.5, 4.0, (runs,)),
            "pass_through": rng.uniform(0.0, 1.0, (runs, w.n, w.n)),
            "revenue_weight": rng.uniform(0.0, 1.0, (runs, w.n)),
        }
    p = _batchrun._batched_params(base, over, idx)
    m0_seg = view.seg_share * view.imports
    pt, el = _seg(p.pass_through), _seg(p.elasticity)
    if per_dyad_elasticity:  # partial adjustment: an elasticity per run, profile and dyad
        el = _seg(rng.uniform(0.5, 3.0, (runs, 3, k, k)))
    m = trade_response(m0_seg, r, pt, el)
    want = (
        _sum_rows(tariff_pain(m0_seg, r, pt, el, _seg(p.dependence), view.gdp)),
        _sum_rows(tariff_revenue(m, r, _seg(p.revenue_weight, dyad=False), view.gdp)),
        _sum_rows(retaliation_loss(m0_seg, m, r, pt, _seg(p.export_margin), view.gdp)),
    )
    # the numpy path (the compiled kernel agrees to 1e-12: tests/property/test_trade_kernel.py)
    old, _trade_kernel.ENABLED = _trade_kernel.ENABLED, False
    try:
        *got, flows = _trade_terms(p, r, m0_seg, view.gdp, pt, el)
    finally:
        _trade_kernel.ENABLED = old
    assert np.array_equal(flows, m.sum(axis=-3))
    for g, x in zip(got, want, strict=True):
        assert g.shape == x.shape
        assert np.array_equal(g, x)  # to the last bit (a zero's sign aside)
