"""Agreements, foresight and threats: what the model must show, each by running it."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import bargaining as bg


@pytest.fixture(scope="module")
def uc():
    sc = ts.load_scenario("us-china-145")
    return sc, sc.simulate(seed=0)


# -- us-china-145: one negotiated round down to a truce that rests -----------------------------
def test_after_the_peak_both_cut_in_one_round_by_similar_amounts(uc):
    _sc, p = uc
    us, cn = p.series("US", "CN"), p.series("CN", "US")
    peak = int(np.flatnonzero(us == us.max())[-1])
    cuts_us = np.flatnonzero(np.diff(us) < 0) + 1
    cuts_cn = np.flatnonzero(np.diff(cn) < 0) + 1
    assert cuts_us.size and cuts_cn.size
    first = int(cuts_us[0])
    assert first > peak and int(cuts_cn[0]) == first  # the same round, after the peak
    d_us, d_cn = us[first - 1] - us[first], cn[first - 1] - cn[first]
    assert min(d_us, d_cn) >= 0.8 * max(d_us, d_cn)  # similar amounts
    assert d_us >= 0.5 * us.max()  # a large cut, not one rung
    assert us[first] > 0  # a truce above zero for the US
    # an agreement, not a coincidence: the path records it with both sides gaining
    a = next(a for a in p.agreements if set(a.parties) == {"US", "CN"})
    assert a.round == first and a.terms[("US", "CN")] == us[first]
    assert a.gain["US"] > 0 and a.gain["CN"] > 0
    assert sum(a.split.values()) == pytest.approx(1.0)


def test_the_truce_is_a_resting_point(uc):
    _, p = uc
    a = p.agreements[0]
    after = p.tariff[a.round :]
    assert np.all(after == after[0]), "tariffs move after the truce"


def _agents_at(sc, p, r, strategy=None):
    """The scenario's agents with the beliefs they held after round ``r``, active at once."""
    w = sc.world
    out = []
    for a in sc.game.agents:
        b = a.beliefs or ts.Beliefs(sc.model.params)
        pt = np.array(b.perceived.pass_through)
        i = w.index(a.code)
        pt[i] = p.perceived_pass_through[r][i]
        b = dataclasses.replace(b, perceived=b.perceived.replace(pass_through=pt))
        out.append(
            dataclasses.replace(a, beliefs=b, active_from=None, strategy=strategy or a.strategy)
        )
    return tuple(out)


def _from_truce(sc, p, a, agents, rounds=20):
    w = sc.world
    state = ts.State(
        p.tariff[a.round], control=p.control[a.round], peak=p.tariff[: a.round + 1].max(axis=0)
    )
    g = sc.game.replace(
        initial=state, events=(), agents=agents, start=sc.game.date(a.round), threats=()
    )
    met = {c for b in p.agreements if b.round <= a.round for c in b.concessions}
    g = g.replace(
        negotiation=dataclasses.replace(
            g.negotiation,
            demands=tuple(d for d in g.negotiation.demands if d.concession not in met),
        )
    )
    assert w is g.world
    return g.simulate(rounds, seed=0)


TRUCES = [
    (name, k)
    for name in ts.list_scenarios()
    for k, _ in enumerate(ts.load_scenario(name).simulate(seed=0).agreements)
]


def test_some_bundled_scenarios_reach_truces():
    assert {n for n, _ in TRUCES} >= {"us-china-145", "canada-mexico-fentanyl"}


@pytest.mark.parametrize(("name", "k"), TRUCES)
@pytest.mark.parametrize("who", ["scenario", "forward"])
def test_started_at_a_truce_nothing_moves(name, k, who):
    sc = ts.load_scenario(name)
    p = sc.simulate(seed=0)
    a = p.agreements[k]
    strat = ts.Forward(horizon=8, discount=0.95) if who == "forward" else None
    path = _from_truce(sc, p, a, _agents_at(sc, p, a.round, strat))
    if who == "scenario":  # with the scenario's own strategies nothing moves at all
        np.testing.assert_array_equal(
            path.tariff, np.broadcast_to(path.tariff[0], path.tariff.shape)
        )
    for x, y in a.terms:  # forward-looking agents keep the truce's terms too
        s = path.series(x, y)
        assert np.all(s == s[0]), (x, y, s)


def test_a_truce_moves_when_beliefs_change(uc):
    """The resting point is the payoffs' and beliefs', not a lock: back to the spring belief
    that China absorbs the tariff, the US escalates from the truce."""
    sc, p = uc
    a = p.agreements[0]
    agents = _agents_at(sc, p, 0)  # the beliefs of round 0
    path = _from_truce(sc, p, a, agents)
    assert path.series("US", "CN").max() > p.series("US", "CN")[a.round]


def test_nash_bargain_at_the_peak_matches_the_path(uc):
    sc, _p = uc
    w = sc.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    deal = bg.nash_bargain(
        sc.game, ("US", "CN"), peak, demands=sc.game.negotiation.demands, concessions=[]
    )
    assert deal.agreed
    assert deal.terms[("US", "CN")] >= 0.30 - 1e-12  # the fentanyl layer and the baseline kept
    assert all(deal.gain[c] > 0 for c in ("US", "CN"))
    # with China's precursor controls on the table the fentanyl layer can go
    deal2 = bg.nash_bargain(
        sc.game,
        ("US", "CN"),
        peak,
        demands=sc.game.negotiation.demands,
        concessions=["fentanyl_enforcement_china"],
    )
    if "fentanyl_enforcement_china" in deal2.concessions:
        assert deal2.terms[("US", "CN")] < deal.terms[("US", "CN")]


# -- threats -----------------------------------------------------------------------------------
def _rare_earth_with_threat(belief=None):
    sc = ts.load_scenario("rare-earth-100")
    data = copy.deepcopy(dict(sc.data))
    data["events"] = [e for e in data["events"] if e.get("level") != 1.30]
    data["threats"] = [
        {
            "dyad": "US-CN",
            "level": 1.30,
            "date": dt.date(2025, 11, 1),
            "unless": "suspend_rare_earth_controls",
            "label": "100% from 1 November unless China suspends its controls",
            "claims": ["us_threat_100_nov1"],
        }
    ]
    if belief is not None:
        data["agents"][0]["beliefs"] = {"pass_through.US-CN": belief}
        data["agents"][0]["learning_rate"] = 0.0
    return ts.parse_scenario(data, source="threat variant")


def test_a_threat_that_is_not_a_best_response_is_reported_not_credible():
    sc = _rare_earth_with_threat()
    p = sc.simulate(seed=0)
    r = sc.game.round_of(dt.date(2025, 11, 1))
    assert (
        r,
        "100% from 1 November unless China suspends its controls: not carried out (not credible)",
    ) in p.events
    assert p.series("US", "CN").max() < 1.30
    # the check itself, at the state on the date
    th = sc.game.threats[0]
    state = ts.State(p.tariff[r - 1], control=p.control[r - 1])
    c = bg.credible(sc.game, th, state)
    assert not c.credible and c.gain < 0 and "not credible" in c.message


def test_a_credible_threat_is_carried_out():
    # believing China absorbs the whole tariff, the US finds 130% worth imposing; a US that
    # otherwise holds shows it is the threat, not its own escalation, that sets 130%
    sc = _rare_earth_with_threat(belief=0.0)
    g = sc.game
    held = g.replace(agents=(dataclasses.replace(g.agents[0], strategy=ts.Hold()), *g.agents[1:]))
    p = held.simulate(seed=0)
    r = g.round_of(dt.date(2025, 11, 1))
    assert p.series("US", "CN")[r - 1] < 1.30
    assert p.series("US", "CN")[r] == pytest.approx(1.30)
    assert any(e.round == r and e.label.endswith(": carried out") for e in p.events)


def test_a_threat_the_threatener_has_already_reached_is_moot():
    # the myopic US believing China pays climbs to 130% on its own before the date
    sc = _rare_earth_with_threat(belief=0.0)
    p = sc.simulate(seed=0)
    r = sc.game.round_of(dt.date(2025, 11, 1))
    assert p.series("US", "CN")[r - 1] == pytest.approx(1.30)
    assert any(e.round == r and "moot (130% is not above the 130% in force)" in e.label
               for e in p.events)  # fmt: skip


def test_a_credible_threat_worsens_the_targets_disagreement_point():
    sc = _rare_earth_with_threat(belief=0.0)
    g = sc.game
    w = sc.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.3).with_tariff(w, "CN", "US", 0.1)
    r = g.round_of(dt.date(2025, 10, 28))
    # the US otherwise holds, so only the threat differs between the two look-aheads
    agents = (dataclasses.replace(g.agents[0], strategy=ts.Hold()), *g.agents[1:])
    with_threat = bg.carry_on_value(g, s, ["CN"], round=r, agents=agents)
    without = bg.carry_on_value(g.replace(threats=()), s, ["CN"], round=r, agents=agents)
    assert with_threat["CN"] < without["CN"]
    # and so the terms China accepts in talks before the date: the US keeps more
    deal_t = bg.nash_bargain(g, ("US", "CN"), s, round=r, agents=agents, concessions=[])
    deal_n = bg.nash_bargain(
        g.replace(threats=()), ("US", "CN"), s, round=r, agents=agents, concessions=[]
    )
    assert deal_t.disagreement["CN"] < deal_n.disagreement["CN"]


def test_equilibrium_paths_are_dated_from_the_round_they_start_at() -> None:
    """From the April peak, `mpe.path(peak, ...)` was dated from the calendar's first week
    (145% on 27 January), and an agreement path's deal (dated 19 May) sat on a February row;
    `start_round` now dates both, as the command line does."""
    from tariffsim import equilibrium as eq

    g = ts.load_scenario("us-china-145").game
    w = g.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    mpe = eq.markov_perfect(g, discount=0.95, progress=False)
    dated, plain = mpe.path(peak, 6, start_round=11), mpe.path(peak, 6)
    assert dated.dates[0] == np.datetime64(g.date(11)) and plain.dates[0] == np.datetime64(g.start)
    np.testing.assert_array_equal(dated.tariff, plain.tariff)  # a stationary policy: same moves
    spe = eq.backward_induction(eq.LadderGame.from_game(g), 3, 0.9)
    assert spe.path(peak, start_round=11).dates[-1] == np.datetime64(g.date(14))
    floored = eq.markov_perfect(eq.with_demand_floors(g, peak), discount=0.95, progress=False)
    p = eq.agreement_path(floored, peak, rounds=8, start_round=12, game=g)
    (deal,) = p.agreements
    assert p.dates[deal.round] == np.datetime64(deal.date) == np.datetime64(g.date(16))
    with pytest.raises(ts.errors.ParameterError, match="`start_round` must be an integer"):
        mpe.path(peak, 6, start_round=-1)
