"""Summits and expiring agreements in the batched engine: run by run, the same as ``simulate``."""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _batchrun, engine, parampath
from tariffsim._rows import take_params
from tariffsim._talks import MAX_BROKEN, _Talks
from tariffsim.deals import solve_deal

US_CHINA = ts.load_scenario("us-china-145").game
W = US_CHINA.world
SUMMIT = next(e for e in US_CHINA.events if e.kind == "summit")


def _talks(runs, overrides):
    items = engine._check_overrides(US_CHINA, overrides, runs)
    rt = _batchrun._Run(US_CHINA, 30, items, _batchrun._Streams.of_seeds(list(range(runs))))
    return rt, _Talks(rt, items, engine._play)


@st.composite
def summits(draw):
    runs = draw(st.integers(1, 4))
    us = [x for x in W.ladders[("US", "CN")].levels if x >= 0.3]  # at or above the floors
    cn = W.ladders[("CN", "US")].levels
    t_us = [draw(st.sampled_from(us)) for _ in range(runs)]
    t_cn = [draw(st.sampled_from(cn)) for _ in range(runs)]
    dis = {c: np.array([draw(st.floats(-60.0, -5.0)) for _ in range(runs)]) for c in ("US", "CN")}
    pt = np.array([draw(st.floats(0.05, 1.0)) for _ in range(runs)])
    agenda = draw(st.sampled_from([(), None, ("fentanyl_enforcement_china",)]))
    met = draw(st.sampled_from([frozenset(), frozenset({"fentanyl_enforcement_china"})]))
    return runs, t_us, t_cn, dis, {"belief:pass_through.US.CN": pt}, agenda, met


@settings(max_examples=15, deadline=None)
@given(case=summits())
def test_batched_deals_are_solve_deal_run_by_run(case):
    runs, t_us, t_cn, dis, over, agenda, met = case
    summit = dataclasses.replace(SUMMIT, agenda=agenda)
    rt, talks = _talks(runs, over)
    R, k = runs, rt.k
    us, cn = rt.pos["US"], rt.pos["CN"]
    tariff = np.zeros((R, k, k))
    tariff[:, us, cn], tariff[:, cn, us] = t_us, t_cn
    st_ = _batchrun._States(
        tariff=tariff, control=np.zeros((R, k, k)), peak=tariff.copy(),
        moved=np.zeros((R, k, k)), support=np.zeros((R, k)), shock=np.zeros((R, k)),
    )  # fmt: skip
    rows = np.arange(R)
    start = _batchrun._take(st_, rows)
    models = {p: talks._party_params(p, rows) for p in ("US", "CN")}
    now = [take_params(ag.perceived, rows) for ag in rt.agents]
    talks._deals(st_, 5, summit, rows, met, start, dis, models, now)
    neg = US_CHINA.negotiation
    for q in range(R):
        g = parampath.apply(US_CHINA, {p: float(v[q]) for p, v in over.items()})
        state = rt.full_state(start, q)
        deal = solve_deal(
            g, ("US", "CN"), state, {c: float(dis[c][q]) for c in ("US", "CN")},
            discount=neg.round_discount(US_CHINA.round_days), method=neg.method,
            demands=neg.demands,
            models=talks._models(q, ("US", "CN")), concessions=summit.agenda, met=met,
            holds=talks._holds(start, 5, q, met), max_broken=MAX_BROKEN,
        )  # fmt: skip
        got = talks.agreements[q]
        assert bool(got) == deal.agreed, q
        if deal.agreed:
            assert got[0].terms == deal.terms
            assert got[0].concessions == deal.concessions
            np.testing.assert_allclose(
                [got[0].gain[c] for c in ("US", "CN")],
                [deal.gain[c] for c in ("US", "CN")], rtol=1e-9, atol=1e-12,
            )  # fmt: skip
            assert st_.tariff[q, us, cn] == deal.terms[("US", "CN")]
        else:
            assert np.array_equal(st_.tariff[q], start.tariff[q])


@settings(max_examples=6, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
    pt=st.floats(0.05, 1.0),
    step=st.floats(0.0, 0.2),
)
def test_agreements_and_notes_of_each_run_are_those_of_simulate(seeds, pt, step):
    runs = len(seeds)
    over = {
        "belief:pass_through.US.CN": np.clip(pt + step * np.arange(runs), 0.0, 1.0),
        "noise": np.full(runs, 0.05),
    }
    pb = ts.simulate_batch(US_CHINA, 32, seeds=seeds, overrides=over)  # summit, then expiry
    for r, seed in enumerate(seeds):
        g = parampath.apply(US_CHINA, {p: float(v[r]) for p, v in over.items()})
        one = ts.simulate(g, 32, seed=seed)
        assert pb[r].agreements == one.agreements
        assert pb[r].events == one.events
        assert pb[r].tariff.tobytes() == one.tariff.tobytes()


@settings(max_examples=15, deadline=None)
@given(case=summits(), fent=st.data())
def test_batched_layer_deals_are_solve_deal_with_layers_run_by_run(case, fent):
    # a summit bargaining layer by layer, from states whose layers may be off the chain
    runs, t_us, t_cn, dis, over, agenda, met = case
    summit = dataclasses.replace(SUMMIT, agenda=agenda, layers=True)
    rt, talks = _talks(runs, over)
    R, k = runs, rt.k
    us, cn = rt.pos["US"], rt.pos["CN"]
    tariff = np.zeros((R, k, k))
    tariff[:, us, cn], tariff[:, cn, us] = t_us, t_cn
    st_ = _batchrun._States(
        tariff=tariff, control=np.zeros((R, k, k)), peak=tariff.copy(),
        moved=np.zeros((R, k, k)), support=np.zeros((R, k)), shock=np.zeros((R, k)),
    )  # fmt: skip
    rt.settle(st_)
    f_row = W.layer_index("fentanyl")
    r_row = W.layer_index("reciprocal")
    for q in range(R):  # fentanyl 10 instead of 20 in some runs: layers apart
        if fent.draw(st.booleans()) and st_.layers[q, f_row, us, cn] == 0.2:
            st_.layers[q, f_row, us, cn] = 0.1
            st_.tariff[q, us, cn] = round(0.1 + st_.layers[q, r_row, us, cn], 12)
    rt.settle(st_)
    rows = np.arange(R)
    start = _batchrun._take(st_, rows)
    models = {p: talks._party_params(p, rows) for p in ("US", "CN")}
    now = [take_params(ag.perceived, rows) for ag in rt.agents]
    talks._deals(st_, 5, summit, rows, met, start, dis, models, now)
    neg = US_CHINA.negotiation
    for q in range(R):
        g = parampath.apply(US_CHINA, {p: float(v[q]) for p, v in over.items()})
        state = rt.full_state(start, q)
        deal = solve_deal(
            g, ("US", "CN"), state, {c: float(dis[c][q]) for c in ("US", "CN")},
            discount=neg.round_discount(US_CHINA.round_days), method=neg.method,
            demands=neg.demands,
            models=talks._models(q, ("US", "CN")), concessions=summit.agenda, met=met,
            layers=True, holds=talks._holds(start, 5, q, met), max_broken=MAX_BROKEN,
        )  # fmt: skip
        got = talks.agreements[q]
        assert bool(got) == deal.agreed, q
        if deal.agreed:
            assert got[0].terms == deal.terms
            assert got[0].layers == {dy: dict(v) for dy, v in deal.layers.items()}
            assert got[0].concessions == deal.concessions
            np.testing.assert_allclose(
                [got[0].gain[c] for c in ("US", "CN")],
                [deal.gain[c] for c in ("US", "CN")], rtol=1e-9, atol=1e-12,
            )  # fmt: skip
            want = deal.state.layered(W).layers[:, rt.idx[:, None], rt.idx[None, :]]
            np.testing.assert_allclose(st_.layers[q], want, atol=1e-12)
        else:
            assert np.array_equal(st_.layers[q], start.layers[q])
