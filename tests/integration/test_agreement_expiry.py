"""Agreements with a term: renewed at the deadline if every party prefers it, else lapsed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import _batchrun, _talks, engine
from tariffsim.deals import Agreement
from tariffsim.errors import ParameterError, TariffsimError
from tariffsim.path import _agreement

SC = ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def path():
    return SC.simulate(seed=0)


def test_the_geneva_truce_runs_ninety_days_and_is_renewed(path):
    geneva, renewal = path.agreements
    # in force from 14 May 2025, as in the record: in the round dated 19 May
    assert geneva.date == dt.date(2025, 5, 19)
    assert path.series("US", "CN")[geneva.round - 1] == 1.45
    # 90 days of weekly rounds, rounded up: the truce runs out on 12 August 2025, in the
    # round dated 18 August
    assert geneva.expires == geneva.round + 13
    assert SC.game.date(geneva.expires) == dt.date(2025, 8, 18)
    assert renewal.round == geneva.expires and renewal.label == "Geneva talks (renewed)"
    assert renewal.terms == geneva.terms and renewal.expires == renewal.round + 13
    assert all(v >= 0 for v in renewal.gain.values())
    assert (geneva.expires, "agreement of round 16 (Geneva talks) renewed") in [
        (e.round, e.label) for e in path.events
    ]
    # the terms hold through the renewal
    us = [float(x) for x in path.series("US", "CN")[geneva.round :]]
    assert us == [geneva.terms[("US", "CN")]] * len(us)
    # before the deal both were at the peak: where a lapse would return them
    assert geneva.before == {("US", "CN"): 1.45, ("CN", "US"): 1.4}


def test_a_renewal_renewed_again_keeps_its_label():
    """Over 52 rounds the truce is renewed twice; the second renewal is labelled as the
    first, not "(renewed) (renewed)"."""
    p = SC.simulate(rounds=52, seed=0)
    labels = [a.label for a in p.agreements]
    assert labels == ["Geneva talks", "Geneva talks (renewed)", "Geneva talks (renewed)"]
    third = p.agreements[2]
    assert third.round == p.agreements[1].expires
    assert (third.round, "agreement of round 29 (Geneva talks (renewed)) renewed") in [
        (e.round, e.label) for e in p.events
    ]


def test_without_a_term_nothing_runs_out():
    events = tuple(dataclasses.replace(e, term_days=0) for e in SC.game.events)
    p = ts.simulate(SC.game.replace(events=events), SC.game.rounds, seed=0)
    assert len(p.agreements) == 1 and p.agreements[0].expires is None


def _talks_with(agreement, tariffs):
    g = SC.game
    rt = _batchrun._Run(g, 30, [], _batchrun._Streams.of_seeds([0]))
    talks = _talks._Talks(rt, [], engine._play)
    talks.terms = True
    k = rt.k
    t = np.zeros((1, k, k))
    for (a, b), v in tariffs.items():
        t[0, rt.pos[a], rt.pos[b]] = v
    st = _batchrun._States(
        tariff=t, control=np.zeros((1, k, k)), peak=t.copy(), moved=np.zeros((1, k, k)),
        support=np.zeros((1, k)), shock=np.zeros((1, k)),
    )  # fmt: skip
    talks._append(0, agreement)  # indexed by the round it runs out
    for dy, lvl in agreement.terms.items():
        talks.locked[0][dy] = (lvl, 0)
    talks._lock_row(0)
    return rt, talks, st


def test_a_truce_worse_than_its_lapse_lapses():
    # agreed at 30%/0 from free trade: going back to free trade is better for both
    a = Agreement(
        round=20, date=SC.game.date(20), parties=("US", "CN"),
        terms={("US", "CN"): 0.3, ("CN", "US"): 0.0}, concessions=(),
        gain={"US": 1.0, "CN": 1.0}, split={"US": 0.5, "CN": 0.5}, label="a bad truce",
        expires=24, before={("US", "CN"): 0.0, ("CN", "US"): 0.0},
    )  # fmt: skip
    rt, talks, st = _talks_with(a, {("US", "CN"): 0.3})
    talks.expire(st, 23)  # not due yet
    assert not talks.notes[0] and st.tariff[0, rt.pos["US"], rt.pos["CN"]] == 0.3
    talks.expire(st, 24)
    assert st.tariff[0, rt.pos["US"], rt.pos["CN"]] == 0.0
    assert not talks.locked[0] and not talks.lock[0].any()
    (note,) = talks.notes[0]
    assert note[0] == 24 and "(a bad truce) lapsed: " in note[1]
    assert len(talks.agreements[0]) == 1


def test_a_broken_agreement_does_not_run_out():
    a = Agreement(
        round=20, date=SC.game.date(20), parties=("US", "CN"),
        terms={("US", "CN"): 0.3}, concessions=(), gain={"US": 1.0, "CN": 1.0},
        split={"US": 0.5, "CN": 0.5}, label="broken", expires=24,
        before={("US", "CN"): 0.0},
    )  # fmt: skip
    rt, talks, st = _talks_with(a, {("US", "CN"): 0.3})
    talks.locked[0] = {}
    talks.expire(st, 24)
    assert not talks.notes[0] and st.tariff[0, rt.pos["US"], rt.pos["CN"]] == 0.3


def test_expiry_round_trips_through_json(path):
    for a in path.agreements:
        assert _agreement(json.loads(json.dumps(a.to_dict()))) == a


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"kind": "summit", "parties": ("US", "CN"), "term_days": -1}, "term_days"),
        ({"kind": "summit", "parties": ("US", "CN"), "term_days": 1.5}, "term_days"),
        ({"kind": "shock", "country": "US", "term_days": 90}, "term_days"),
    ],
)
def test_bad_term_is_named(kw, match):
    with pytest.raises(ParameterError, match=match):
        ts.Event(dt.date(2025, 5, 12), **kw)


def test_bad_term_in_a_scenario_file_is_named(tmp_path):
    from importlib import resources

    src = (resources.files("tariffsim") / "scenarios" / "us-china-145.toml").read_text("utf-8")
    bad = src.replace("term_days = 90", "term_days = -3", 1)
    assert bad != src
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(TariffsimError, match="term_days"):
        ts.load_scenario(p)
