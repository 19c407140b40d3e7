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
