"""Market power: pass-through from elasticities, the optimal tariff, and country size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import payoffs as po

ECONOMIC = ("tariff_pain", "revenue", "retaliation")


@pytest.fixture(scope="module")
def war():
    """The default world without the USMCA exemption, pass-through from market power,
    revenue valued at par (national welfare)."""
    w = ts.World.default()
    w = w.replace(exempt=np.zeros((w.n, w.n)))
    p = ts.Params.default(w).with_market_power(w).replace(revenue_weight=np.ones(w.n))
    return w, ts.PayoffModel(w, p)


def welfare(w, model, a, b, t):
    """Economic payoff (% of GDP) of a and b when each levies t on the other."""
    tt = np.zeros((w.n, w.n))
    tt[w.index(a), w.index(b)] = tt[w.index(b), w.index(a)] = t
    bd = model.breakdown(ts.State(tt))
    econ = sum(bd.terms[k][0] for k in ECONOMIC)
    return float(econ[w.index(a)]), float(econ[w.index(b)])


@settings(max_examples=40, deadline=None)
@given(e=st.floats(0.1, 20), es=st.floats(0.01, 1e4))
def test_pass_through_is_a_share_falling_with_demand_elasticity(e, es):
    p = float(po.market_pass_through(e, es))
    assert 0 < p < 1
    assert float(po.market_pass_through(e * 2, es)) < p


def test_dependent_exporters_supply_less_elastically():
    w = ts.World.default()
    d = po.export_dependence(w)
    es = po.supply_elasticity(w)
    us = w.index("US")
    pairs = [(us, w.index(c)) for c in ("CN", "CA", "MX")]
    order = sorted(pairs, key=lambda ij: d[ij])
    # the more of its exports go to the US, the less elastic the supply
    assert [es[ij] for ij in order] == sorted((es[ij] for ij in order), reverse=True)
    # calibrated on the border pass-through of US tariffs on China
    p = po.market_pass_through(2.5, es[us, w.index("CN")])
    assert p == pytest.approx(ts.claims["pass_through_border_cgnt"].value)


def test_optimal_tariff_is_the_inverse_supply_elasticity():
    w = ts.World.default()
    es = po.supply_elasticity(w)
    for a, b in (("US", "MX"), ("US", "CN"), ("CN", "US")):
        assert po.optimal_tariff(w, a, b) == pytest.approx(1 / es[w.index(a), w.index(b)])
    assert po.optimal_tariff(w, "US", "MX") > 10 * po.optimal_tariff(w, "US", "CN")


def test_optimal_tariff_maximises_welfare_without_retaliation(war):
    # Johnson: against a partner that does not answer, welfare peaks near t* = 1/eps*
    w, model = war
    tstar = po.optimal_tariff(w, "US", "MX")
    grid = np.linspace(0.0, 2.0, 201)
    gains = []
    for t in grid:
        tt = np.zeros((w.n, w.n))
        tt[w.index("US"), w.index("MX")] = t
        bd = model.breakdown(ts.State(tt))
        gains.append(float(sum(bd.terms[k][0] for k in ECONOMIC)[w.index("US")]))
    best = float(grid[int(np.argmax(gains))])
    assert gains[int(np.argmax(gains))] > 0
    # the constant-elasticity optimum is t* for small tariffs; within a band here
    assert 0.3 * tstar <= best <= 1.5 * tstar


def _importer_gain(w, params, a, b, rates):
    """``a``'s trade terms (% of GDP) at each tariff of ``rates`` on ``b``, nothing else levied."""
    tt = np.zeros((len(rates), w.n, w.n))
    tt[:, w.index(a), w.index(b)] = rates
    bd = ts.PayoffModel(w, params).breakdown(ts.StateBatch.from_tariffs(tt))
    return sum(bd.terms[k][:, w.index(a)] for k in ECONOMIC)


@pytest.mark.parametrize(
    ("a", "b", "weight", "multiplier"),
    [
        ("US", "MX", 1.0, 1.0), ("US", "CA", 1.0, 1.0), ("US", "CN", 1.0, 1.0),
        ("CN", "US", 1.0, 1.0), ("US", "MX", 1.0, 1.4), ("US", "CA", 0.8, 1.2),
        ("MX", "US", 1.0, 1.0),
    ],
)  # fmt: skip
def test_the_models_optimal_tariff_is_where_its_own_payoff_peaks(war, a, b, weight, multiplier):
    # the simulator holds pass-through fixed, so its trade terms peak at t-dagger, not 1/eps*
    w = war[0]
    p = war[1].params.replace(
        revenue_weight=np.full(w.n, weight), dependence=np.full((w.n, w.n), multiplier)
    )
    t = po.model_optimal_tariff(p, w, a, b)
    assert 0 < t < np.inf
    step = t * 1e-3
    grid = t + step * np.arange(-50, 51)
    gain = _importer_gain(w, p, a, b, grid)
    assert abs(float(grid[int(np.argmax(gain))]) - t) <= step
    assert gain[50] > _importer_gain(w, p, a, b, np.array([0.5 * t, 2 * t])).max()
    if (a, b) == ("US", "MX") and weight == multiplier == 1.0:  # not Johnson's t* = 1/eps*
        assert t > 1.3 * po.optimal_tariff(w, a, b)


def test_the_models_optimal_tariff_is_zero_where_a_tariff_only_costs(war):
    # defaults: revenue at half its value and a sector multiplier of 1.4 on Mexico's goods:
    # w <= d p, so every tariff costs the US's buyers more than its revenue is worth
    w = war[0]
    p = ts.Params.default(w).with_market_power(w)
    assert po.model_optimal_tariff(p, w, "US", "MX") == 0.0
    gain = _importer_gain(w, p, "US", "MX", np.array([1e-4, 0.01, 0.1, 0.5]))
    assert (gain < 0).all() and (np.diff(gain) < 0).all()
    zero_pt = p.replace(pass_through=np.zeros((w.n, w.n)))  # the exporter pays it all
    assert po.model_optimal_tariff(zero_pt, w, "US", "MX") == np.inf


def test_the_models_optimal_tariff_refuses_what_it_cannot_read(war):
    w, model = war
    with pytest.raises(ts.UnknownNameError):
        po.model_optimal_tariff(model.params, w, "US", "XX")
    with pytest.raises(ts.ParameterError, match="must differ"):
        po.model_optimal_tariff(model.params, w, "US", "US")


def test_size_small_partners_pay_far_more_of_their_gdp(war):
    w, model = war
    for partner in ("CA", "MX"):
        for t in (0.10, 0.25):
            us, them = welfare(w, model, "US", partner, t)
            assert them < 0
            assert abs(them) >= 5 * abs(us), (partner, t, us, them)


def test_size_the_us_can_gain_from_a_war_with_a_small_partner_but_not_with_china(war):
    w, model = war
    grid = (0.05, 0.10, 0.15, 0.20, 0.25, 0.40, 0.60, 1.00, 1.45)
    small = [welfare(w, model, "US", "MX", t)[0] for t in grid]
    china = [welfare(w, model, "US", "CN", t)[0] for t in grid]
    assert max(small) > 0  # some common tariff leaves the US better off than free trade
    assert max(china) < 0  # against a near-equal, diversified partner never
    # and the small partner always loses
    assert all(welfare(w, model, "US", "MX", t)[1] < 0 for t in grid)


def test_size_figure_draws_the_war_payoffs(war):
    # the docs figure (plot_tariff_war) draws tariff_war's numbers, which carry the size result
    w, model = war
    rates = np.linspace(0.0, 1.0, 21)
    from tariffsim.plotting import plot_tariff_war

    ax = plot_tariff_war(model, "US", ["MX", "CA", "CN"], rates)
    lines = [ln for ln in ax.lines if len(ln.get_xdata()) == len(rates)]
    assert len(lines) == 6
    for k, partner in enumerate(("MX", "CA", "CN")):
        pay = po.tariff_war(model, "US", partner, rates)
        np.testing.assert_allclose(lines[2 * k].get_ydata(), pay[:, 0])
        np.testing.assert_allclose(lines[2 * k + 1].get_ydata(), pay[:, 1])
        assert pay[0].tolist() == [0.0, 0.0]  # free trade is the zero line
        us, them = welfare(w, model, "US", partner, 0.25)
        assert pay[5].tolist() == pytest.approx([us, them])
    assert po.tariff_war(model, "US", "MX", rates)[:, 0].max() > 0
    assert po.tariff_war(model, "US", "CN", rates)[1:, 0].max() < 0


def test_tariff_war_refuses_bad_rates(war):
    _, model = war
    with pytest.raises(ts.errors.ParameterError, match="rates"):
        po.tariff_war(model, "US", "MX", [0.1, -0.2])
    with pytest.raises(ts.errors.ParameterError, match="`b`"):
        po.tariff_war(model, "US", "US", [0.1])


def test_beliefs_about_elasticities_are_beliefs_about_who_pays():
    w = ts.World.default()
    truth = ts.Params.default(w)
    # "China needs us more than we need them": an inelastic Chinese supply to the US
    b = ts.Beliefs.from_elasticities(truth, w, {("US", "CN"): 0.25}, learning_rate=0.1)
    us, cn = w.index("US"), w.index("CN")
    p = float(b.perceived.pass_through[us, cn])
    assert p == pytest.approx(0.25 / (truth.elasticity + 0.25))
    assert b.implied_supply(w)[us, cn] == pytest.approx(0.25)
    # a more elastic believed supply is a belief that buyers pay more
    more = ts.Beliefs.from_elasticities(truth, w, {("US", "CN"): 2.5})
    assert more.perceived.pass_through[us, cn] > p
    # what is learned moves the implied elasticity toward the truth's (inf at p = 1)
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.0)
    after = b.update(truth, s, "US", w)
    assert after.implied_supply(w)[us, cn] > b.implied_supply(w)[us, cn]
    with pytest.raises(ts.errors.ParameterError, match="supply"):
        ts.Beliefs.from_elasticities(truth, w, {("US", "CN"): 0.0})


def test_belief_updates_are_per_elapsed_time():
    w = ts.World.default()
    truth = ts.Params.default(w)
    b = ts.Beliefs.from_elasticities(truth, w, {("US", "CN"): 0.25}, learning_rate=0.1)
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.0)
    week = b.update(truth, s, "US", w)
    daily = b
    for _ in range(7):
        daily = daily.update(truth, s, "US", w, days=1.0)
    np.testing.assert_allclose(daily.perceived.pass_through, week.perceived.pass_through)
    assert b.update(truth, s, "US", w, days=1.0).perceived.pass_through[0, 1] < float(
        week.perceived.pass_through[0, 1]
    )


def test_market_power_in_a_world_where_exporters_have_one_market():
    # two countries trading only with each other: each exporter's supply to its one market is
    # perfectly inelastic; the scale kappa had no reference (ZeroDivisionError), and the
    # optimal tariff on an exporter with one market was 1/0 with a numpy warning
    import warnings

    w = ts.World(
        countries=(ts.Country("A", 2.0), ts.Country("B", 1.0)),
        imports=np.array([[0, 300.0], [200.0, 0]]), ties=np.zeros((2, 2)),
        exempt=np.zeros((2, 2)), ladders={("A", "B"): (0, 0.1), ("B", "A"): (0, 0.1)},
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        es = po.supply_elasticity(w)
        assert es[0, 1] == es[1, 0] == 0.0
        assert po.optimal_tariff(w, "A", "B") == np.inf
        p = ts.Params.default(w).with_market_power(w).pass_through
    assert p[0, 1] == p[1, 0] == 0.0  # the exporters bear the tariffs
    # the default world's scale is still set on US tariffs on China (claim: 0.95)
    d = ts.World.default()
    us, cn = d.index("US"), d.index("CN")
    assert float(po.market_pass_through(2.5, po.supply_elasticity(d)[us, cn])) == pytest.approx(
        0.95
    )


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("approval_base.US", 0.40, "`approval_base.US` must be above the US approval"),
        ("recession_base.US", 0.60, "`recession_base.US` must be below the US recession odds"),
        ("recession_base.US", 0.70, "claim us_recession_odds_60"),
    ],
)
def test_a_us_baseline_the_calibration_cannot_start_from_is_named(path, value, words):
    # approval_base.US = 0.40 (below the 42% target) was refused as "`approval_price` must be
    # >= 0; got -0.0079", a field the user never set
    with pytest.raises(ts.ParameterError) as info:
        ts.load_scenario("us-china-145").with_params({path: value})
    assert words in str(info.value) and f"got {value:.4g}" in str(info.value)
