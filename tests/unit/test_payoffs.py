"""Unit tests for tariffsim.payoffs: every term against hand-computed values.

Expected numbers are computed here from the equations in the module docstring
with plain Python (``math``) on two- and three-country toys, independently of
the vectorised code under test.
"""

import itertools
import math

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import payoffs as po
from tariffsim.errors import ParameterError, UnknownNameError

TOL = dict(rtol=1e-12, atol=1e-14)


def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def logit(p):
    return math.log(p / (1.0 - p))


# -- trade_response ---------------------------------------------------------------------
def test_trade_response():
    m0 = np.array([[0, 100.0], [40.0, 0]])
    t = np.array([[[0, 0.5], [0.25, 0]]])
    p = np.array([[1.0, 0.8], [0.5, 1.0]])
    m = po.trade_response(m0, t, p, 2.0)
    assert m.shape == (1, 2, 2)
    assert m[0, 0, 1] == pytest.approx(100 * 1.4**-2, rel=1e-12)  # 51.0204...
    assert m[0, 1, 0] == pytest.approx(40 * 1.125**-2, rel=1e-12)  # 31.6049...
    assert m[0, 0, 1] == pytest.approx(51.02040816326531, rel=1e-12)


def test_trade_response_free_trade_is_baseline():
    m0 = np.array([[0, 7.0], [3.0, 0]])
    m = po.trade_response(m0, np.zeros((2, 2, 2)), np.ones((2, 2)), 2.5)
    np.testing.assert_array_equal(m, np.stack([m0, m0]))


# -- tariff_pain ---------------------------------------------------------------------------
def test_tariff_pain():
    m0 = np.array([[0, 100.0], [50.0, 0]])
    t = np.array([[[0, 0.5], [0.2, 0]]])
    p = np.array([[0, 0.8], [0.6, 0]])
    dep = np.array([[1, 1.5], [1, 1]])
    gdp = np.array([1.0, 2.0])
    s = 2.5
    got = po.tariff_pain(m0, t, p, s, dep, gdp)
    # area = M0 / (s - 1) * (1 - (1 + p t)^(1 - s)), USD bn -> % of GDP: / (10 Y)
    area0 = 1.5 * 100 / 1.5 * (1 - 1.4 ** (-1.5))
    area1 = 1.0 * 50 / 1.5 * (1 - 1.12 ** (-1.5))
    np.testing.assert_allclose(got, [[-area0 / 10.0, -area1 / 20.0]], **TOL)
    assert got[0, 0] == pytest.approx(-3.9631, abs=1e-4)


def test_tariff_pain_unit_elasticity_branch():
    m0 = np.array([[0, 100.0], [50.0, 0]])
    t = np.array([[[0, 0.5], [0.2, 0]]])
    p = np.array([[0, 0.8], [0.6, 0]])
    dep = np.array([[1, 2.0], [1, 1]])
    gdp = np.array([1.0, 2.0])
    got = po.tariff_pain(m0, t, p, 1.0, dep, gdp)
    # s == 1: area = M0 log(1 + p t)
    np.testing.assert_allclose(
        got, [[-2.0 * 100 * math.log(1.4) / 10.0, -50 * math.log(1.12) / 20.0]], **TOL
    )


def test_tariff_pain_is_continuous_at_unit_elasticity():
    m0 = np.array([[0, 100.0], [50.0, 0]])
    t = np.array([[[0, 0.5], [0.2, 0]]])
    args = (np.ones((2, 2)), np.ones((2, 2)), np.array([1.0, 2.0]))
    at_one = po.tariff_pain(m0, t, args[0], 1.0, *args[1:])
    near = po.tariff_pain(m0, t, args[0], 1.0 + 1e-7, *args[1:])
    np.testing.assert_allclose(near, at_one, rtol=1e-6)


def test_tariff_pain_docstring_example():
    m0 = np.array([[0, 100.0], [0, 0]])
    x = po.tariff_pain(
        m0, np.array([[[0, 0.1], [0, 0]]]), np.ones((2, 2)), 2.5, np.ones((2, 2)), np.ones(2)
    )
    assert -x[0, 0] == pytest.approx(100 / 1.5 * (1 - 1.1**-1.5) / 10, rel=1e-12)


# -- tariff_revenue ----------------------------------------------------------------------
def test_tariff_revenue():
    m = np.array([[[0, 60.0, 10.0], [20.0, 0, 0], [0, 0, 0]]])
    t = np.array([[[0, 0.5, 0.1], [0.25, 0, 0], [0, 0, 0]]])
    w = np.array([0.5, 1.0, 0.3])
    gdp = np.array([2.0, 1.0, 4.0])
    got = po.tariff_revenue(m, t, w, gdp)
    np.testing.assert_allclose(
        got, [[0.5 * (0.5 * 60 + 0.1 * 10) / 20.0, 1.0 * 0.25 * 20 / 10.0, 0.0]], **TOL
    )


# -- retaliation_loss ------------------------------------------------------------------------
def test_retaliation_loss():
    m0 = np.array([[0, 100.0], [50.0, 0]])
    t = np.array([[[0, 0.4], [0.2, 0]]])
    p = np.array([[0, 0.8], [0.6, 0]])
    s, margin = 2.5, 0.25
    m = po.trade_response(m0, t, p, s)
    gdp = np.array([1.0, 2.0])
    got = po.retaliation_loss(m0, m, t, p, margin, gdp)
    m01 = 100 * 1.32**-2.5  # what 0 imports from 1
    m10 = 50 * 1.12**-2.5  # what 1 imports from 0: 0's exports
    loss0 = (1 - 0.6) * 0.2 * m10 + margin * (50 - m10)  # 0 exports to 1
    loss1 = (1 - 0.8) * 0.4 * m01 + margin * (100 - m01)  # 1 exports to 0
    np.testing.assert_allclose(got, [[-loss0 / 10.0, -loss1 / 20.0]], **TOL)


def test_retaliation_loss_full_pass_through_is_margin_on_lost_volume():
    m0 = np.array([[0, 100.0], [0, 0]])
    t = np.array([[[0, 1.45], [0, 0]]])
    p = np.ones((2, 2))
    m = po.trade_response(m0, t, p, 2.5)
    got = po.retaliation_loss(m0, m, t, p, 0.25, np.array([1.0, 1.0]))
    assert got[0, 0] == 0.0
    assert got[0, 1] == pytest.approx(-0.25 * (100 - 100 * 2.45**-2.5) / 10.0, rel=1e-12)


# -- dependence_loss -----------------------------------------------------------------------
def test_dependence_loss_uses_withholder_to_target_orientation():
    # control[j, i]: the share j withholds from i; exposure[i, j]: i's loss if j withheld all
    control = np.array([[[0, 0], [0.5, 0]]])  # 1 withholds half from 0
    exposure = np.array([[0, 0.3], [0.7, 0]])
    got = po.dependence_loss(control, exposure)
    np.testing.assert_allclose(got, [[-0.5 * 0.3, 0.0]], **TOL)


# -- recession_odds ------------------------------------------------------------------------
def test_recession_odds():
    base = np.array([0.2, 0.15])
    burden = np.array([[0.5, -1.0], [0.0, 2.0]])
    got = po.recession_odds(burden, base, 2.0)
    want = [
        [logistic(logit(0.2) + 1.0), logistic(logit(0.15) - 2.0)],
        [0.2, logistic(logit(0.15) + 4.0)],
    ]
    np.testing.assert_allclose(got, want, **TOL)


def test_logistic_is_overflow_safe():
    with np.errstate(over="raise", invalid="raise"):
        got = po.logistic(np.array([-800.0, 0.0, 800.0]))
    np.testing.assert_allclose(got, [0.0, 0.5, 1.0], atol=1e-300)


# -- market_drawdown -------------------------------------------------------------------------
def test_market_drawdown():
    burden = np.array([[0.5, 0.1, 1.0]])
    beta = np.array([20.0, 20.0, 10.0])
    support = np.array([[0.0, 1.0, 0.0]])
    shock = np.array([[-2.0, 0.0, 1.5]])
    got = po.market_drawdown(burden, beta, support, 5.0, shock)
    # max(beta B - kappa S, 0) - shock
    want = [[max(10.0 - 0.0, 0) + 2.0, max(2.0 - 5.0, 0) - 0.0, max(10.0, 0) - 1.5]]
    np.testing.assert_allclose(got, want, **TOL)
    assert got[0, 1] == 0.0  # support more than cushions the fall


# -- alliance_strain ------------------------------------------------------------------------
W3 = np.array([[0, 0.2, 0.9], [0.2, 0, 0.6], [0.9, 0.6, 0]])


def test_alliance_strain():
    tau = np.array([[[0, 0.5, 0], [0.2, 0, 0.1], [0, 0.3, 0]]])
    got = po.alliance_strain(tau, W3)
    # sum_j tau[i, j] sum_{k != i, j} W[i, k] W[k, j]
    s0 = 0.5 * (0.9 * 0.6)  # 0 on 1 strains 0's tie with 2, who is tied to 1
    s1 = 0.2 * (0.6 * 0.9) + 0.1 * (0.2 * 0.9)
    s2 = 0.3 * (0.9 * 0.2)
    np.testing.assert_allclose(got, [[s0, s1, s2]], **TOL)


def test_alliance_strain_two_countries_is_zero():
    tau = np.array([[[0, 1.0], [1.0, 0]]])
    got = po.alliance_strain(tau, np.array([[0, 0.8], [0.8, 0]]))
    np.testing.assert_array_equal(got, [[0.0, 0.0]])


# -- coalition_gain ------------------------------------------------------------------------
def test_coalition_gain_common_aggressor():
    # 1 levies on 0 and on 2; 0 and 2 both answer 1
    tau = np.array([[[0, 0.5, 0], [0.2, 0, 0.1], [0, 0.3, 0]]])
    got = po.coalition_gain(tau, W3)
    # r[i, h] = min(tau[i, h], tau[h, i]): i's answer to h, up to h's tariff on i
    # gain_i = sum_h sum_k W[i, k] min(r[i, h], r[k, h])
    # r[0, 1] = min(0.5, 0.2) = 0.2, r[2, 1] = min(0.3, 0.1) = 0.1
    g0 = 0.9 * min(0.2, 0.1)  # with 2 against 1
    g2 = 0.9 * min(0.1, 0.2)  # with 0 against 1
    # 1 answers 0 (r[1, 0] = 0.2) and 2 (r[1, 2] = 0.1), but nobody joins it
    np.testing.assert_allclose(got, [[g0, 0.0, g2]], **TOL)


def test_an_attack_on_me_never_raises_my_payoff_through_the_coalition_term():
    """The US, Canada and Mexico each levy 25% on China, China 25% on the US and Mexico: a
    Chinese tariff of 1% on Canada made Canada's 25% count whole as resistance (a coalition
    gain of 0.11% of GDP, 20 times the economic loss of the 1%), so the attack raised Canada's
    payoff. Resistance now counts up to the attack's size: the attack costs Canada."""
    w = ts.World.default()
    m = ts.PayoffModel(w)
    ca, cn = w.index("CA"), w.index("CN")

    def total(r: float) -> float:
        t = np.zeros((w.n, w.n))
        t[ca, cn] = 0.25
        for c in ("US", "MX"):
            t[w.index(c), cn] = t[cn, w.index(c)] = 0.25
        t[cn, ca] = r
        return float(m.breakdown(ts.State(t)).total[0, ca])

    levels = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5]
    totals = [total(r) for r in levels]
    assert all(b < a for a, b in itertools.pairwise(totals)), totals


def test_coalition_gain_vanishes_when_partner_settles():
    tau = np.array([[[0, 0.5, 0], [0.2, 0, 0.1], [0, 0.0, 0]]])  # 2 drops its tariff on 1
    got = po.coalition_gain(tau, W3)
    np.testing.assert_array_equal(got, [[0.0, 0.0, 0.0]])


def test_coalition_gain_needs_the_aggressor_to_hit_the_partner():
    # 2 levies on 1 but 1 does not levy on 2: 2 is not resisting 1, so 0 stands alone
    tau = np.array([[[0, 0.5, 0], [0.2, 0, 0.0], [0, 0.3, 0]]])
    got = po.coalition_gain(tau, W3)
    np.testing.assert_array_equal(got, [[0.0, 0.0, 0.0]])


# -- face_cost -------------------------------------------------------------------------------
FACE = dict(weight=np.array([0.15, 0.2]), mutual_relief=0.5, zero_cost=np.array([0.3, 0.4]))


def face(prev, now, peak=None, prev_moved=None):
    prev, now = np.array([prev], float), np.array([now], float)
    peak = np.maximum(prev, now) if peak is None else np.array([peak], float)
    pm = None if prev_moved is None else np.array([prev_moved], float)
    return po.face_cost(prev, now, peak, prev_moved=pm, **FACE)[0]


def test_face_cost_unilateral_cut():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.2], [0.2, 0]])
    np.testing.assert_allclose(got, [0.15 * 0.3, 0.0], **TOL)


def test_face_cost_mutual_relief():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.2], [0.1, 0]])
    np.testing.assert_allclose(got, [0.15 * 0.3 * (1 - 0.5), 0.2 * 0.1 * (1 - 0.5)], **TOL)


def test_face_cost_relief_when_partner_cut_the_round_before():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.2], [0.2, 0]], prev_moved=[[0, 0], [-0.1, 0]])
    np.testing.assert_allclose(got, [0.15 * 0.3 * 0.5, 0.0], **TOL)


def test_face_cost_elimination():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.0], [0.2, 0]], peak=[[0, 1.45], [0.2, 0]])
    np.testing.assert_allclose(got, [0.15 * 0.5 + 0.3, 0.0], **TOL)


def test_face_cost_mutual_elimination():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.0], [0.0, 0]])
    np.testing.assert_allclose(got, [0.15 * 0.5 * 0.5 + 0.3, 0.2 * 0.2 * 0.5 + 0.4], **TOL)


def test_face_cost_escalation_and_hold_are_free():
    got = face([[0, 0.5], [0.2, 0]], [[0, 0.84], [0.2, 0]])
    np.testing.assert_array_equal(got, [0.0, 0.0])


# -- resolve_cost ----------------------------------------------------------------------------
def resolve(prev, now, prev_moved=None):
    prev, now = np.array([prev], float), np.array([now], float)
    pm = np.zeros_like(prev) if prev_moved is None else np.array([prev_moved], float)
    return po.resolve_cost(prev, now, pm)[0]


def test_resolve_unilateral_cut():
    got = resolve([[0, 0.5], [0.2, 0]], [[0, 0.2], [0.2, 0]])
    np.testing.assert_allclose(got, [0.3, 0.0], **TOL)


def test_resolve_reciprocal_cut_is_free():
    got = resolve([[0, 0.5], [0.2, 0]], [[0, 0.2], [0.1, 0]])
    np.testing.assert_array_equal(got, [0.0, 0.0])


def test_resolve_cut_answering_last_rounds_cut_is_free():
    got = resolve([[0, 0.5], [0.1, 0]], [[0, 0.2], [0.1, 0]], prev_moved=[[0, 0], [-0.1, 0]])
    np.testing.assert_array_equal(got, [0.0, 0.0])


# -- unanswered_harm: what an answer is worth --------------------------------------------------
def unanswered(now_minus_prev, bite, prev_moved, active=None, at_stake=1.0, scale=30.0):
    act = np.ones((2, 2)) if active is None else np.array(active, float)
    return po.unanswered_harm(
        np.array([now_minus_prev], float), np.array([bite], float),
        np.array([prev_moved], float), act, at_stake, scale,
    )[0]  # fmt: skip


def test_unanswered_escalation_costs_its_size_while_much_is_at_stake():
    # 1 escalated on 0 by 0.3 last round; 0 holds; an answer would bite 20% of 1's exports
    got = unanswered([[0, 0], [0, 0]], [[0, 0.2], [0, 0]], [[0, 0], [0.3, 0]])
    np.testing.assert_allclose(got, [0.3, 0.0], **TOL)


def test_answered_escalation_is_free():
    got = unanswered([[0, 0.34], [0, 0]], [[0, 0.2], [0, 0]], [[0, 0], [0.3, 0]])
    np.testing.assert_array_equal(got, [0.0, 0.0])


def test_unanswered_only_where_one_can_answer():
    got = unanswered(
        [[0, 0], [0, 0]], [[0, 0.2], [0, 0]], [[0, 0], [0.3, 0]], active=[[0, 0], [1, 0]]
    )
    np.testing.assert_array_equal(got, [0.0, 0.0])


def test_unanswered_escalation_saturates_with_the_trade_left():
    # the same 100-point escalation is worth less to answer as the answer bites less and less
    # of the partner's trade is at stake, down to nothing when trade is gone
    big = [[0, 0], [1.0, 0]]
    vals = [
        unanswered([[0, 0], [0, 0]], [[0, b], [0, 0]], big, at_stake=s)[0]
        for b, s in ((0.3, 0.6), (0.08, 0.1), (0.08, 0.045), (0.0, 0.0))
    ]
    assert vals[0] == pytest.approx(1.0)  # bounded by the escalation's size
    assert vals[1] > vals[2] > vals[3] == 0.0
    np.testing.assert_allclose(vals[1:3], [30 * 0.08 * 0.1, 30 * 0.08 * 0.045], **TOL)


def test_trade_bite_saturates():
    m0 = np.array([[0, 100.0], [0, 0]])
    bites = []
    for t in (0.0, 0.34, 1.25, 2.25, 10.0):
        m = po.trade_response(m0, np.array([[[0, t], [0, 0]]]), np.ones((2, 2)), 2.5)
        bites.append(float(po.trade_bite(m, m0)[0, 0, 1]))
    assert bites[0] == 0.0 and all(0 < b < 1 for b in bites[1:])
    steps = np.diff(bites)
    assert steps[2] < steps[1] / 3  # +100 points at 125% bites far less than the first 34


def test_resolve_cut_after_partner_escalation_is_a_unilateral_concession():
    # the unanswered escalation itself is charged by unanswered_harm (see the model test)
    got = resolve([[0, 0.5], [0.5, 0]], [[0, 0.2], [0.5, 0]], prev_moved=[[0, 0], [0.3, 0]])
    np.testing.assert_allclose(got, [0.3, 0.0], **TOL)


# -- PayoffModel on a hand-built three-country world ------------------------------------------
CODES = ("AA", "BB", "CC")
GDP = (1.0, 2.0, 0.5)
M0 = ((0, 100.0, 20.0), (50.0, 0, 0), (10.0, 0, 0))
TIES = ((0, 0.2, 0.9), (0.2, 0, 0.6), (0.9, 0.6, 0))
EXEMPT = ((0, 0.2, 0), (0, 0, 0), (0, 0, 0))
PT = ((1.0, 0.8, 0.9), (0.6, 1.0, 1.0), (0.7, 1.0, 1.0))
DEP = ((1.0, 1.5, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0))
CRIT = ((0, 0.3, 0), (0.7, 0, 0), (0, 0, 0))
P = dict(
    elasticity=2.5,
    pass_through=PT,
    dependence=DEP,
    export_margin=0.25,
    revenue_weight=(0.5, 0.4, 0.3),
    critical_exposure=CRIT,
    recession_base=(0.2, 0.15, 0.1),
    recession_slope=2.0,
    recession_cost=(2.0, 3.0, 1.0),
    market_beta=(20.0, 15.0, 10.0),
    market_weight=(0.03, 0.02, 0.01),
    support_effect=5.0,
    approval_base=(0.46, 0.5, 0.5),
    approval_price=(0.02, 0.01, 0.0),
    approval_market=(0.002, 0.001, 0.0),
    political_weight=(0.02, 0.03, 0.0),
    alliance_weight=(0.01, 0.02, 0.03),
    coalition_weight=(0.3, 0.2, 0.1),
    face_weight=(0.15, 0.1, 0.2),
    face_mutual_relief=0.5,
    face_zero_cost=(0.3, 0.2, 0.1),
    resolve_weight=(0.2, 1.5, 0.2),
    answer_scale=30.0,
    reciprocity_weight=(0.0, 0.25, 0.4),
    reciprocity_reference=0.15,
)


@pytest.fixture(scope="module")
def toy():
    world = ts.World(
        countries=tuple(ts.Country(c, g) for c, g in zip(CODES, GDP, strict=True)),
        imports=M0,
        ties=TIES,
        exempt=EXEMPT,
        ladders={("AA", "BB"): (0, 0.5, 1.0), ("BB", "AA"): (0, 0.2, 0.4), ("BB", "CC"): (0, 0.1)},
    )
    return world, ts.PayoffModel(world, ts.Params(**P))


PREV_TAU = ((0, 0.8, 0), (0.2, 0, 0.1), (0, 0.3, 0))
PREV_MOVED = ((0, 0, 0), (0.2, 0, 0), (0, 0, 0))  # BB escalated on AA last round
TAU = ((0, 0.5, 0), (0.2, 0, 0.1), (0, 0.3, 0))  # AA cuts 0.8 -> 0.5 on BB
CONTROL = ((0, 0, 0), (0.5, 0, 0), (0, 0, 0))  # BB withholds half its critical exports from AA
SUPPORT = (0.0, 0.4, 0.0)
SHOCK = (-1.0, 0.0, 0.0)


def reference_terms():
    """Every term from the module docstring, with plain Python loops."""
    n = 3
    s, m = P["elasticity"], P["export_margin"]
    # exempt goods (USMCA-style) pay nothing; the rest pays the full rate
    h = [[1 - EXEMPT[i][j] for j in range(n)] for i in range(n)]
    t = TAU
    cov = [[h[i][j] * M0[i][j] for j in range(n)] for i in range(n)]  # trade the tariff hits
    hit = [[cov[i][j] * (1 + PT[i][j] * t[i][j]) ** -s for j in range(n)] for i in range(n)]
    imp = [[M0[i][j] - cov[i][j] + hit[i][j] for j in range(n)] for i in range(n)]
    out = {k: [0.0] * n for k in ts.TERMS}
    ind = {k: [0.0] * n for k in ("burden", "recession", "drawdown", "approval")}
    for i in range(n):
        pct = 1 / (10 * GDP[i])
        pain = -sum(
            DEP[i][j] * cov[i][j] / (s - 1) * (1 - (1 + PT[i][j] * t[i][j]) ** (1 - s))
            for j in range(n)
        )
        rev = P["revenue_weight"][i] * sum(t[i][j] * hit[i][j] for j in range(n))
        ret = -sum(
            (1 - PT[j][i]) * t[j][i] * hit[j][i] + m * (M0[j][i] - imp[j][i]) for j in range(n)
        )
        dep = -sum(CONTROL[j][i] * CRIT[i][j] for j in range(n))
        pain, rev, ret = pain * pct, rev * pct, ret * pct
        burden = -(pain + rev + ret + dep)
        b0 = P["recession_base"][i]
        prec = logistic(logit(b0) + P["recession_slope"] * burden)
        dd = max(P["market_beta"][i] * burden - P["support_effect"] * SUPPORT[i], 0) - SHOCK[i]
        appr = P["approval_base"][i] - P["approval_price"][i] * -pain - P["approval_market"][i] * dd
        strain = sum(
            TAU[i][j] * sum(TIES[i][k] * TIES[k][j] for k in range(n) if k not in (i, j))
            for j in range(n)
        )

        def r(a, h):  # a's answer to h, up to h's tariff on a
            return min(TAU[a][h], TAU[h][a])

        coal = sum(TIES[i][k] * min(r(i, h), r(k, h)) for h in range(n) for k in range(n))
        face = 0.0
        res = 0.0
        for j in range(n):
            cut = max(PREV_TAU[i][j] - TAU[i][j], 0)
            partner_cut = PREV_TAU[j][i] - TAU[j][i] > 0 or PREV_MOVED[j][i] < 0
            face += (
                P["face_weight"][i] * cut * ((1 - P["face_mutual_relief"]) if partner_cut else 1)
            )
            if cut > 0 and TAU[i][j] == 0:
                face += P["face_zero_cost"][i]
            d_ij = TAU[i][j] - PREV_TAU[i][j]
            d_ji = TAU[j][i] - PREV_TAU[j][i]
            if d_ji >= 0 and PREV_MOVED[j][i] >= 0:
                res += cut
            active = (CODES[i], CODES[j]) in {("AA", "BB"), ("BB", "AA"), ("BB", "CC")}
            if d_ij <= 0 and active and PREV_MOVED[j][i] > 0:
                # what an equal answer would have bitten of j's exports, and i's exports at stake
                c = h[i][j] * M0[i][j]
                before = (1 + PT[i][j] * PREV_TAU[i][j]) ** -s
                after = (1 + PT[i][j] * (PREV_TAU[i][j] + PREV_MOVED[j][i])) ** -s
                bite = c * (before - after) / M0[i][j]
                at_stake = imp[j][i] / M0[j][i]
                res += min(PREV_MOVED[j][i], P["answer_scale"] * bite * at_stake)
        g = P["reciprocity_reference"]
        short = 0.0
        for j in range(n):
            active = (CODES[i], CODES[j]) in {("AA", "BB"), ("BB", "AA"), ("BB", "CC")}
            theirs, mine = min(TAU[j][i], g), min(TAU[i][j], g)
            if active and theirs > mine:
                short += (theirs - mine) / g
        vals = {
            "tariff_pain": pain,
            "revenue": rev,
            "retaliation": ret,
            "dependence": dep,
            "recession": -(prec - b0) * P["recession_cost"][i],
            "markets": -P["market_weight"][i] * dd,
            "approval": P["political_weight"][i] * (appr - P["approval_base"][i]) * 100,
            "alliance": -P["alliance_weight"][i] * strain,
            "coalition": P["coalition_weight"][i] * coal,
            "face": -face,
            "resolve": -P["resolve_weight"][i] * res,
            "reciprocity": -P["reciprocity_weight"][i] * short,
        }
        for k, v in vals.items():
            out[k][i] = v
        ind["burden"][i], ind["recession"][i] = burden, prec
        ind["drawdown"][i], ind["approval"][i] = dd, appr
    return out, ind


def toy_states():
    prev = ts.State(np.array(PREV_TAU), moved=np.array(PREV_MOVED))
    now = ts.State(
        np.array(TAU),
        control=np.array(CONTROL),
        peak=np.maximum(PREV_TAU, TAU),
        moved=np.subtract(TAU, PREV_TAU),
        support=np.array(SUPPORT),
        shock=np.array(SHOCK),
    )
    return prev, now


def test_model_terms_match_hand_computation(toy):
    _, model = toy
    prev, now = toy_states()
    bd = model.breakdown(now, prev)
    want, ind = reference_terms()
    for term in ts.TERMS:
        np.testing.assert_allclose(bd.terms[term][0], want[term], **TOL, err_msg=term)
    for name, vals in ind.items():
        np.testing.assert_allclose(getattr(bd, name)[0], vals, **TOL, err_msg=name)


def test_model_terms_are_not_all_trivial():
    # the toy exercises every term: each is non-zero for some country
    want, _ = reference_terms()
    for term, vals in want.items():
        assert any(abs(v) > 1e-6 for v in vals), term


def test_model_effective_tariff_and_imports(toy):
    _, model = toy
    _, now = toy_states()
    bd = model.breakdown(now)
    assert bd.effective[0, 0, 1] == pytest.approx(0.5 * 0.8)
    # the exempt 20% is untaxed; the other 80% pays the full 50%
    assert bd.imports[0, 0, 1] == pytest.approx(
        100 * (0.2 + 0.8 * (1 + 0.8 * 0.5) ** -2.5), rel=1e-12
    )


def test_total_is_weighted_sum_of_terms(toy):
    world, model = toy
    rng = np.random.default_rng(7)
    weights = rng.uniform(-1, 2, size=(len(ts.TERMS), world.n))
    m = model.replace(weights=weights)
    prev, now = toy_states()
    bd = m.breakdown(now, prev)
    want, _ = reference_terms()
    total = [sum(weights[k, i] * want[t][i] for k, t in enumerate(ts.TERMS)) for i in range(3)]
    np.testing.assert_allclose(bd.total[0], total, **TOL)
    np.testing.assert_allclose(m.payoff(now, prev)[0], total, **TOL)
    for k, t in enumerate(ts.TERMS):
        np.testing.assert_allclose(bd.weighted(t)[0], weights[k] * np.array(want[t]), **TOL)


def test_default_weights_are_ones(toy):
    world, model = toy
    np.testing.assert_array_equal(model.weights, np.ones((len(ts.TERMS), world.n)))
    assert not model.weights.flags.writeable


def test_with_weight(toy):
    _, model = toy
    prev, now = toy_states()
    m2 = model.with_weight("face", "AA", 0.0)
    k = ts.TERMS.index("face")
    assert m2.weights[k, 0] == 0.0
    assert model.weights[k, 0] == 1.0  # the original is unchanged
    changed = np.zeros_like(m2.weights, dtype=bool)
    changed[k, 0] = True
    np.testing.assert_array_equal(m2.weights[~changed], model.weights[~changed])
    want, _ = reference_terms()
    diff = model.payoff(now, prev)[0] - m2.payoff(now, prev)[0]
    np.testing.assert_allclose(diff, [want["face"][0], 0.0, 0.0], **TOL)


def test_with_weight_rejects_unknown_names(toy):
    _, model = toy
    with pytest.raises(UnknownNameError, match="'fame'"):
        model.with_weight("fame", "AA", 1.0)
    with pytest.raises(UnknownNameError, match="'ZZ'"):
        model.with_weight("face", "ZZ", 1.0)


def test_wrong_shape_weights(toy):
    world, _ = toy
    with pytest.raises(ParameterError) as exc:
        ts.PayoffModel(world, ts.Params(**P), weights=np.ones((3, len(ts.TERMS))))
    msg = str(exc.value)
    assert "`weights`" in msg
    assert f"({len(ts.TERMS)}, 3)" in msg and f"(3, {len(ts.TERMS)})" in msg


def test_batch_matches_single_states(toy):
    _, model = toy
    prev, now = toy_states()
    other = ts.State(np.zeros((3, 3)))
    batch = ts.StateBatch.stack([now, other, now])
    single = model.payoff(now, prev)[0]
    got = model.payoff(batch, ts.StateBatch.stack([prev, prev, prev]))
    np.testing.assert_allclose(got[0], single, **TOL)
    np.testing.assert_allclose(got[2], single, **TOL)


def test_free_trade_economics_are_zero(toy):
    _, model = toy
    bd = model.breakdown(ts.State.zeros(3))
    for t in ("tariff_pain", "revenue", "retaliation", "dependence", "recession", "markets"):
        np.testing.assert_allclose(bd.terms[t], 0.0, rtol=0, atol=1e-15, err_msg=t)
    np.testing.assert_allclose(bd.recession[0], P["recession_base"], **TOL)


# -- calibration ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def default_model():
    return ts.PayoffModel(ts.World.default())


def test_calibration_state(default_model):
    w = default_model.world
    s = po.calibration_state(w)
    want = np.zeros((w.n, w.n))
    want[w.index("US"), w.index("CN")] = 1.45
    want[w.index("CN"), w.index("US")] = 1.40  # 125 on all US goods + 15 on the targeted lists
    np.testing.assert_allclose(s.tariff, want, rtol=0, atol=1e-12)
    lay = s.layered(w).layers
    us, cn = w.index("US"), w.index("CN")
    assert lay[w.layer_index("reciprocal"), us, cn] == pytest.approx(1.25)
    assert lay[w.layer_index("counter"), cn, us] == pytest.approx(1.25)


def test_us_recession_odds_at_calibration_state(default_model):
    w = default_model.world
    bd = default_model.breakdown(po.calibration_state(w))
    assert ts.claims["us_recession_odds_60"].value == 60.0
    assert abs(bd.recession[0, w.index("US")] - 0.60) <= 0.01


def test_us_recession_odds_at_free_trade_is_baseline(default_model):
    w = default_model.world
    bd = default_model.breakdown(ts.State.zeros(w.n))
    lo, hi = ts.claims["us_recession_baseline"].values
    assert bd.recession[0, w.index("US")] == pytest.approx((lo + hi) / 2 / 100, abs=1e-12)
    assert bd.recession[0, w.index("US")] == pytest.approx(0.225, abs=1e-12)


def test_us_approval_at_calibration_state_in_band(default_model):
    w = default_model.world
    bd = default_model.breakdown(po.calibration_state(w))
    lo, hi = ts.claims["approval_39_45"].values
    assert lo / 100 <= bd.approval[0, w.index("US")] <= hi / 100


def test_us_drawdown_at_calibration_state(default_model):
    w = default_model.world
    bd = default_model.breakdown(po.calibration_state(w))
    target = ts.claims["model_market_drawdown_145"].value
    assert bd.drawdown[0, w.index("US")] == pytest.approx(target, rel=1e-9)


def test_calibration_recession_slope_is_two_point_fit(default_model):
    # logit(0.60) = logit(0.225) + b * burden_US(145/125)
    p = default_model.params
    w = default_model.world
    bd = default_model.breakdown(po.calibration_state(w))
    burden = float(bd.burden[0, w.index("US")])
    assert burden > 0
    assert p.recession_slope == pytest.approx((logit(0.6) - logit(0.225)) / burden, rel=1e-12)
