"""The bundled conditional-threat scenario: a deadline, credibility from the payoffs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import bargaining as bg

SC = ts.load_scenario("threat-100-nov1")
DEADLINE = dt.date(2025, 11, 1)


@pytest.fixture(scope="module")
def path():
    return SC.simulate(seed=0)


def test_the_threat_is_data_not_a_scheduled_tariff():
    (th,) = SC.game.threats
    assert (th.by, th.target, th.level, th.when) == ("US", "CN", 1.30, DEADLINE)
    assert th.unless == "suspend_rare_earth_controls"
    assert not any(e.kind == "set" and e.level == 1.30 for e in SC.game.events)


def test_on_the_deadline_the_threat_is_reported_not_credible(path):
    r = SC.game.round_of(DEADLINE)
    labels = [e.label for e in path.events if e.round == r]
    assert labels == [f"{SC.game.threats[0].label}: not carried out (not credible)"]
    assert float(path.series("US", "CN").max()) <= 0.30 + 1e-12


def test_credibility_comes_from_the_threateners_believed_payoffs(path):
    g, w = SC.game, SC.world
    r = g.round_of(DEADLINE)
    s = ts.State(path.tariff[r - 1], control=path.control[r - 1])
    believed = g.agents[0].beliefs.perceived
    verdicts = {}
    for b in (0.0, 0.1, 0.68, 1.0):
        pt = np.array(believed.pass_through)
        pt[w.index("US"), w.index("CN")] = b
        m = g.model._with_params(believed.replace(pass_through=pt))
        c = bg.credible(g, g.threats[0], s, model=m)
        assert c.gain == pytest.approx(c.carry_out - c.refrain)
        verdicts[b] = c.credible
    # the more of the tariff the US believes its own buyers pay, the less credible the threat
    assert verdicts == {0.0: True, 0.1: True, 0.68: False, 1.0: False}


def test_a_credible_threat_is_carried_out_when_unmet():
    # the same threat, due the day the file's US would check it, with a US that believes China
    # pays the whole tariff and does not move on its own (it holds until the deadline)
    g = SC.game
    us = g.agents[0]
    believed = us.beliefs.perceived
    pt = np.array(believed.pass_through)
    pt[SC.world.index("US"), SC.world.index("CN")] = 0.0
    hawk = ts.Agent(
        "US", ts.Hold(), targets=("CN",),
        beliefs=type(us.beliefs)(believed.replace(pass_through=pt), 0.0),
    )  # fmt: skip
    g2 = g.replace(agents=(hawk, *g.agents[1:]), events=(), negotiation=bg.Negotiation())
    p = ts.simulate(g2, g2.rounds, seed=0)
    r = g.round_of(DEADLINE)
    assert float(p.series("US", "CN")[r - 1]) == pytest.approx(0.30)
    assert float(p.series("US", "CN")[r]) == pytest.approx(1.30)
    assert (r, f"{g.threats[0].label}: carried out") in [(e.round, e.label) for e in p.events]


def test_the_busan_deal_comes_before_the_deadline(path):
    (a,) = path.agreements
    assert a.date == dt.date(2025, 10, 30) and a.date < DEADLINE
    assert a.terms[("US", "CN")] < 0.30 and all(v > 0 for v in a.gain.values())


@pytest.mark.parametrize("layered", [False, True])
def test_credibility_of_a_layer_threat_is_its_four_payoffs(layered):
    """carry = u(threat | today) + a_h u(threat held), refrain likewise, each payoff on its
    own: also for a state without explicit layers and a threat on one layer that covers
    half the trade (the layer's own setting must not be split again)."""
    import tomllib
    from importlib import resources

    text = (resources.files("tariffsim") / "scenarios" / "threat-100-nov1.toml").read_text()
    old = 'pretext = "announced 10 Oct: a further 100% from 1 Nov",'
    assert old in text
    game = ts.parse_scenario(tomllib.loads(text.replace(old, old + " coverage = 0.5,"))).game
    w, m = game.world, game.model
    th = bg.Threat("US", "CN", 1.0, DEADLINE, layer="threatened")
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.1).with_tariff(w, "CN", "US", 0.1)
    s = s.layered(w) if layered else s
    c = bg.credible(game, th, s, discount=0.9, horizon=4)
    i = w.index("US")
    lay = np.array(s.layered(w).layers)
    lay[w.layer_index("threatened"), i, w.index("CN")] = 1.0
    t = np.array(s.tariff)
    t[i, w.index("CN")] = 1.1
    nxt = s._with(tariff=t, layers=lay, peak=np.maximum(s.peak, t), moved=t - s.tariff)
    still, held = s._with(moved=np.zeros_like(t)), nxt._with(moved=np.zeros_like(t))
    a_h = 0.9 + 0.9**2 + 0.9**3 + 0.9**4 / 0.1

    def u(x, prev):
        return float(m.payoff(x, prev=prev)[0, i])

    assert c.carry_out == pytest.approx(u(nxt, s) + a_h * u(held, held), rel=1e-12)
    assert c.refrain == pytest.approx(u(still, s) + a_h * u(still, still), rel=1e-12)
