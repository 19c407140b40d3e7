"""Property tests for the payoff terms and the PayoffModel."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tariffsim as ts
from tariffsim import payoffs as po

N = 3
CODES = ("AA", "BB", "CC")  # no US/CN: Params.default skips the US calibration

tariff_values = st.floats(0, 10, allow_nan=False, allow_infinity=False)
share_values = st.floats(0, 1, allow_nan=False, allow_infinity=False)
trade_values = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
SETTINGS = settings(max_examples=60, deadline=None)


def square(elements, n=N):
    return hnp.arrays(float, (n, n), elements=elements)


def off_diag(a):
    a = np.array(a, dtype=float)
    np.fill_diagonal(a, 0.0)
    return a


@st.composite
def worlds(draw):
    imports = off_diag(draw(square(trade_values)))
    ties = draw(square(share_values))
    ties = off_diag(np.triu(ties, 1) + np.triu(ties, 1).T)
    exempt = draw(square(share_values))
    gdp = draw(st.lists(st.floats(0.01, 30), min_size=N, max_size=N))
    countries = tuple(ts.Country(c, g) for c, g in zip(CODES, gdp, strict=True))
    ladders = {(a, b): (0.0, 1.0) for a in CODES for b in CODES if a != b}
    return ts.World(countries, imports, ties, exempt, ladders=ladders)


def model_for(world, pass_through):
    p = ts.Params.default(world).replace(
        pass_through=pass_through,
        recession_slope=2.25,
        market_beta=np.full(N, 26.0),
        approval_price=np.full(N, 0.03),
        approval_market=np.full(N, 0.001),
    )
    return ts.PayoffModel(world, p)


@st.composite
def states(draw):
    tau = off_diag(draw(square(tariff_values)))
    prev = off_diag(draw(square(tariff_values)))
    control = off_diag(draw(square(share_values)))
    shock = draw(hnp.arrays(float, N, elements=st.floats(-20, 20)))
    support = draw(hnp.arrays(float, N, elements=st.floats(0, 5)))
    now = ts.State(tau, control=control, moved=tau - prev, support=support, shock=shock)
    return ts.State(prev, moved=off_diag(draw(square(st.floats(-1, 1))))), now


@SETTINGS
@given(world=worlds(), pair=states(), pt=square(share_values))
def test_payoffs_finite_for_any_tariffs_and_trade(world, pair, pt):
    prev, now = pair
    bd = model_for(world, pt).breakdown(now, prev)
    for name, arr in [*bd.terms.items(), ("total", bd.total), ("burden", bd.burden)]:
        assert np.all(np.isfinite(arr)), name
    for name in ("recession", "drawdown", "approval", "imports", "effective"):
        assert np.all(np.isfinite(getattr(bd, name))), name
    assert np.all((bd.recession >= 0) & (bd.recession <= 1))
    assert np.all(bd.imports >= 0)


@st.composite
def raised(draw, tau):
    """A copy of ``tau`` with one off-diagonal entry raised."""
    i, j = draw(st.sampled_from([(a, b) for a in range(N) for b in range(N) if a != b]))
    hi = tau.copy()
    hi[i, j] = draw(st.floats(tau[i, j], 10))
    return i, j, hi


@SETTINGS
@given(
    m0=square(trade_values),
    tau=square(tariff_values),
    pt=square(share_values),
    s=st.one_of(st.just(1.0), st.floats(0.1, 6)),
    dep=square(st.floats(1, 3)),
    gdp=hnp.arrays(float, N, elements=st.floats(0.01, 30)),
    data=st.data(),
)
def test_pain_non_decreasing_in_own_tariff(m0, tau, pt, s, dep, gdp, data):
    m0, tau = off_diag(m0), off_diag(tau)
    i, _, hi = data.draw(raised(tau))
    lo_pain = -po.tariff_pain(m0, tau[None], pt, s, dep, gdp)[0]
    hi_pain = -po.tariff_pain(m0, hi[None], pt, s, dep, gdp)[0]
    assert lo_pain[i] >= 0
    assert hi_pain[i] >= lo_pain[i] * (1 - 1e-12) - 1e-12


@SETTINGS
@given(
    m0=square(trade_values),
    tau=square(tariff_values),
    pt=square(share_values),
    gdp=hnp.arrays(float, N, elements=st.floats(0.01, 30)),
    data=st.data(),
)
def test_retaliation_loss_non_decreasing_in_partner_tariff(m0, tau, pt, gdp, data):
    # default elasticity and export margin; any pass-through
    s, margin = 2.5, 0.25
    m0, tau = off_diag(m0), off_diag(tau)
    _, j, hi = data.draw(raised(tau))  # the partner i raises its tariff on exporter j

    def loss(t):
        m = po.trade_response(m0, t[None], pt, s)
        return -po.retaliation_loss(m0, m, t[None], pt, margin, gdp)[0]

    lo_loss, hi_loss = loss(tau), loss(hi)
    assert lo_loss[j] >= 0
    assert hi_loss[j] >= lo_loss[j] * (1 - 1e-9) - 1e-12


@SETTINGS
@given(
    base=st.floats(0.01, 0.99),
    slope=st.floats(0.1, 10),
    b1=st.floats(-1e3, 1e3),
    b2=st.floats(-1e3, 1e3),
)
def test_recession_odds_monotone_and_in_unit_interval(base, slope, b1, b2):
    lo, hi = sorted((b1, b2))
    p = po.recession_odds(np.array([lo, hi]), np.array([base, base]), slope)
    assert p[1] >= p[0]
    assert np.all((p >= 0) & (p <= 1))


@SETTINGS
@given(
    base=st.floats(0.01, 0.99),
    slope=st.floats(0.1, 10),
    burden=st.floats(-1e3, 1e3),
)
def test_recession_odds_strictly_inside_unit_interval(base, slope, burden):
    # documented: "In (0, 1) for any finite burden"
    p = po.recession_odds(np.array([burden]), np.array([base]), slope)[0]
    assert 0 < p < 1


@SETTINGS
@given(
    prev=square(tariff_values),
    tau=square(tariff_values),
    extra_peak=square(tariff_values),
    prev_moved=square(st.floats(-2, 2)),
    weight=hnp.arrays(float, N, elements=st.floats(0, 5)),
    zero_cost=hnp.arrays(float, N, elements=st.floats(0, 5)),
    mu=share_values,
)
def test_face_and_resolve_costs_non_negative(
    prev, tau, extra_peak, prev_moved, weight, zero_cost, mu
):
    prev, tau = off_diag(prev)[None], off_diag(tau)[None]
    peak = np.maximum(prev, tau) + off_diag(extra_peak)[None]
    pm = off_diag(prev_moved)[None]
    face = po.face_cost(prev, tau, peak, weight, mu, zero_cost, pm)
    res = po.resolve_cost(prev, tau, pm)
    assert np.all(face >= 0)
    assert np.all(res >= 0)


@SETTINGS
@given(tau=square(tariff_values), ties=square(share_values), i=st.integers(0, N - 1))
def test_coalition_gain_vanishes_without_partner_resistance(tau, ties, i):
    ties = off_diag(np.triu(ties, 1) + np.triu(ties, 1).T)
    tau = off_diag(tau)
    alone = tau.copy()
    for k in range(N):
        if k != i:
            alone[k, :] = 0.0  # nobody else answers anyone
    assert po.coalition_gain(alone[None], ties)[0, i] == 0.0
    assert np.all(po.coalition_gain(tau[None], ties) >= 0)


@SETTINGS
@given(tau=square(tariff_values), ties=square(share_values), data=st.data())
def test_coalition_gain_falls_when_a_partner_settles(tau, ties, data):
    ties = off_diag(np.triu(ties, 1) + np.triu(ties, 1).T)
    tau = off_diag(tau)
    k, h = data.draw(st.sampled_from([(a, b) for a in range(N) for b in range(N) if a != b]))
    settled = tau.copy()
    settled[k, h] = 0.0
    before = po.coalition_gain(tau[None], ties)[0]
    after = po.coalition_gain(settled[None], ties)[0]
    assert np.all(after <= before + 1e-12)


@SETTINGS
@given(tau=square(tariff_values), ties=square(share_values), data=st.data())
def test_coalition_gain_is_continuous_in_every_tariff(tau, ties, data):
    """Raising one tariff by eps moves each country's coalition gain by at most eps times
    its ties (resistance counts up to the attack's size): no jump where an attack starts."""
    ties = off_diag(np.triu(ties, 1) + np.triu(ties, 1).T)
    tau = off_diag(tau)
    a, b = data.draw(st.sampled_from([(x, y) for x in range(N) for y in range(N) if x != y]))
    eps = data.draw(st.floats(1e-6, 0.5))
    if data.draw(st.booleans()):  # an attack that starts here
        tau[a, b] = 0.0
    up = tau.copy()
    up[a, b] += eps
    before = po.coalition_gain(tau[None], ties)[0]
    after = po.coalition_gain(up[None], ties)[0]
    assert np.all(np.abs(after - before) <= eps * ties.sum(axis=1) * (1 + 1e-9) + 1e-12)


@settings(max_examples=25, deadline=None)
@given(world=worlds(), pair=states(), perm=st.permutations(range(N)))
def test_relabelling_countries_permutes_payoffs(world, pair, perm):
    prev, now = pair
    pt = np.full((N, N), 0.9)
    perm = list(perm)
    pw = ts.World(
        tuple(world.countries[k] for k in perm),
        world.imports[np.ix_(perm, perm)],
        world.ties[np.ix_(perm, perm)],
        world.exempt[np.ix_(perm, perm)],
        ladders=world.ladders,
    )

    def permute(s):
        return ts.State(
            s.tariff[np.ix_(perm, perm)],
            control=s.control[np.ix_(perm, perm)],
            peak=s.peak[np.ix_(perm, perm)],
            moved=s.moved[np.ix_(perm, perm)],
            support=s.support[perm],
            shock=s.shock[perm],
        )

    a = model_for(world, pt).payoff(now, prev)[0]
    b = model_for(pw, pt).payoff(permute(now), permute(prev))[0]
    np.testing.assert_allclose(b, a[perm], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(
    base=st.floats(1e-9, 1 - 1e-9, allow_nan=False),
    slope=st.floats(-50, 50, allow_nan=False),
)
def test_recession_odds_are_the_base_at_zero_burden_exactly(base: float, slope: float) -> None:
    got = po.recession_odds(np.zeros(2), np.full(2, base), slope)
    assert got.tolist() == [max(base, 1e-12)] * 2  # not the logistic of the logit's rounding


def test_a_round_without_any_burden_pays_exactly_nothing() -> None:
    """Round 0 of us-china-145 (no tariff on any dyad that trades) has no term to pay: every
    payoff is exactly 0, in the engine's decisions (compiled) and its record alike (it was
    -1.1e-16 for the US: the recession odds came back from the logit one unit off)."""
    sc = ts.load_scenario("us-china-145")
    assert not sc.game.initial.tariff.any()
    path = sc.simulate(seed=0, rounds=1)
    assert (path.payoff[0] == 0.0).all()
    assert (path.recession[0] == sc.game.model.params.recession_base).all()
