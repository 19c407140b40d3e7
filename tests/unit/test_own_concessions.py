"""A scenario's own concessions: ``[[concessions]]`` in a file, ``Negotiation.concessions`` in
Python. Deals give them, demands and threats name them, and a bundled one can be replaced."""

from __future__ import annotations

import copy
import dataclasses
import re
import tomllib
import warnings

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import bargaining as bg
from tariffsim.engine import simulate_batch

BASE = """
format = 1
name = "us-japan-pledge"
[calendar]
start = 2025-04-01
rounds = 20
[world.ladders]
"US-JP" = [0.0, 0.1, 0.15, 0.24]
"JP-US" = [0.0, 0.1, 0.24]
[initial.tariffs]
"US-JP" = 0.24
[[agents]]
country = "US"
strategy = "myopic"
targets = ["JP"]
[[agents]]
country = "JP"
strategy = "myopic"
targets = ["US"]
[[demands]]
dyad = "US-JP"
level = 0.15
concession = "investment_pledge_japan"
[[events]]
date = 2025-07-22
kind = "summit"
parties = ["US", "JP"]
"""
PLEDGE = """
[[concessions]]
name = "investment_pledge_japan"
giver = "JP"
receiver = "US"
cost = {cost}
value = {value}
label = "Japan: investment pledge"
claims = ["us_universal_baseline_10"]
"""

THREAT = """
[[threats]]
dyad = "US-JP"
level = 0.24
date = {date}
unless = "{unless}"
"""


def _scenario(text: str) -> ts.Scenario:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ts.parse_scenario(tomllib.loads(text))


def _play(text: str) -> ts.Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _scenario(text).simulate(seed=0)


def _problems(text: str) -> str:
    with pytest.raises(ts.ScenarioError) as e:
        ts.parse_scenario(tomllib.loads(text))
    return str(e.value)


def test_a_file_concession_meets_the_demand_and_lifts_its_floor() -> None:
    p = _play(BASE + PLEDGE.format(cost=0.05, value=0.3))
    (deal,) = p.agreements
    assert deal.concessions == ("investment_pledge_japan",)
    us_jp = p.headline("US", "JP")
    assert us_jp[deal.round - 1] == 0.15 and us_jp[deal.round] < 0.15  # the floor is lifted


def test_off_the_agenda_the_file_concession_is_not_given_and_the_floor_holds() -> None:
    text = BASE.replace('parties = ["US", "JP"]', 'parties = ["US", "JP"]\nagenda = []')
    p = _play(text + PLEDGE.format(cost=0.05, value=0.3))
    assert all(not a.concessions for a in p.agreements)
    assert p.headline("US", "JP")[1:].min() >= 0.15


def test_the_deal_weighs_the_file_concession_s_cost_and_value() -> None:
    gains = {
        cv: _play(BASE + PLEDGE.format(cost=cv[0], value=cv[1])).agreements[0].gain
        for cv in ((0.05, 0.3), (0.05, 0.1), (0.2, 0.3))
    }
    # more value to the receiver: the US gains more; more cost to the giver: Japan less
    assert gains[(0.05, 0.3)]["US"] > gains[(0.05, 0.1)]["US"]
    assert gains[(0.05, 0.3)]["JP"] > gains[(0.2, 0.3)]["JP"]
    assert gains[(0.05, 0.3)]["JP"] == pytest.approx(gains[(0.05, 0.1)]["JP"], abs=1e-9)


def test_a_file_concession_replaces_the_bundled_one_of_its_name() -> None:
    sc = ts.load_scenario("canada-mexico-fentanyl")
    data = copy.deepcopy(dict(sc.data))
    data["concessions"] = [
        {"name": "border_mexico", "giver": "MX", "receiver": "US", "cost": 2.0, "value": 0.71}
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        costly = ts.parse_scenario(data)
        before, after = sc.simulate(seed=0), costly.simulate(seed=0)
    assert costly.game.negotiation.pool["border_mexico"].cost == 2.0
    assert any("border_mexico" in a.concessions for a in before.agreements)
    assert not any("border_mexico" in a.concessions for a in after.agreements)
    assert after.headline("US", "MX")[3:].min() == 0.25  # too costly: the 25% stays
    assert "replaces the bundled one" in costly.describe()


def test_the_file_concession_survives_a_round_trip_through_toml() -> None:
    sc = _scenario(BASE + PLEDGE.format(cost=0.05, value=0.3))
    again = _scenario(sc.to_toml())
    assert again.game.negotiation.concessions == sc.game.negotiation.concessions
    assert np.array_equal(again.simulate(seed=0).tariff, sc.simulate(seed=0).tariff)


def test_batched_runs_with_a_file_concession_equal_single_runs() -> None:
    sc = _scenario(BASE + PLEDGE.format(cost=0.05, value=0.3))
    weights = np.array([0.0, 0.5, 3.0])
    pb = simulate_batch(sc.game, seeds=[0, 1, 2], overrides={"resolve_weight.US": weights})
    for k, w in enumerate(weights):
        one = sc.with_params(**{"resolve_weight.US": float(w)}).simulate(seed=k)
        assert np.array_equal(pb[k].tariff, one.tariff)


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        ('name = "pledge x"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1',
         "concessions[0].name", "must be an identifier"),
        ('name = ""\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1',
         "concessions[0].name", "must be an identifier"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1\n'
         'excludes = ["pledge"]', "concessions[0].excludes", "names the concession itself"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1',
         "concessions[0]", "missing `value`"),
        ('name = "pledge"\ngiver = "XX"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1',
         "concessions[0].giver", "unknown country 'XX'"),
        ('name = "pledge"\ngiver = "US"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1',
         "concessions[0].receiver", "must differ from the giver"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = -1\nvalue = 0.1',
         "concessions[0].cost", "-1"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1\n'
         'releases = ["JP-US"]', "concessions[0].releases", "no export-control ladder"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1\n'
         'releases = ["CN-US"]', "concessions[0].releases", "CN's control"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1\n'
         'excludes = ["border_mexic"]', "concessions[0].excludes", "did you mean 'border_mexico'"),
        ('name = "pledge"\ngiver = "JP"\nreceiver = "US"\ncost = 0.1\nvalue = 0.1\n'
         'claims = ["no_such_claim"]', "concessions[0].claims", "'no_such_claim'"),
    ],
)  # fmt: skip
def test_a_bad_concession_is_named_with_its_field(extra: str, path: str, words: str) -> None:
    msg = _problems(BASE.replace("investment_pledge_japan", "trade_agreement")
                    + "\n[[concessions]]\n" + extra)  # fmt: skip
    assert path in msg and words in msg


def test_a_concession_defined_twice_is_refused() -> None:
    twice = PLEDGE.format(cost=0.1, value=0.1) * 2
    msg = _problems(BASE + twice)
    assert "concessions[1].name" in msg and "defined twice" in msg


def test_demands_agendas_and_threats_may_name_only_concessions_of_the_pool() -> None:
    text = BASE.replace('parties = ["US", "JP"]', 'parties = ["US", "JP"]\nagenda = ["pledge_x"]')
    text += THREAT.format(date="2025-08-01", unless="pledge_y")
    msg = _problems(text)
    assert "events[0].agenda" in msg and "'pledge_x'" in msg
    assert "threats[0].unless" in msg and "'pledge_y'" in msg
    ok = text.replace("pledge_x", "investment_pledge_japan").replace(
        "pledge_y", "investment_pledge_japan"
    )
    sc = _scenario(ok + PLEDGE.format(cost=0.05, value=0.3))
    assert sc.game.threats[0].unless == "investment_pledge_japan"


def _game_with(*concessions: bg.Concession, **kw) -> ts.Game:
    sc = ts.load_scenario("us-china-145")
    return sc.game.replace(negotiation=bg.Negotiation(concessions=concessions), **kw)


def test_python_games_take_their_own_concessions_and_check_them() -> None:
    c = bg.Concession("rare_earth_licences_china", "CN", "US", cost=0.01, value=0.2)
    g = _game_with(c)
    assert g.negotiation.pool["rare_earth_licences_china"] is c
    assert set(bg.CONCESSIONS) < set(g.negotiation.pool)
    with pytest.raises(ts.UnknownNameError, match="'VN' is not a country of the world"):
        _game_with(bg.Concession("pledge", "VN", "US", cost=0.01, value=0.2))
    with pytest.raises(ts.ParameterError, match="is CN's control"):
        _game_with(bg.Concession("pledge", "US", "CN", 0.0, 0.1, releases=(("CN", "US"),)))
    with pytest.raises(ts.ParameterError, match="US-CN has no export-control ladder"):
        _game_with(bg.Concession("pledge", "US", "CN", 0.0, 0.1, releases=(("US", "CN"),)))
    with pytest.raises(ts.ParameterError, match="given twice"):
        bg.Negotiation(concessions=(c, c))
    near = bg.Concession("purchases_vietnam", "CA", "US", 0.0, 0.1)  # near purchases_china
    assert bg.Negotiation(concessions=(near,)).pool["purchases_vietnam"] is near
    with pytest.raises(ts.UnknownNameError, match="`excludes` names 'nothing'"):
        odd = bg.Concession("x_y_z", "CA", "US", 0, 0, excludes=["nothing"])
        bg.Negotiation(concessions=(odd,))
    with pytest.raises(ts.ParameterError, match="`concessions` must be a sequence"):
        bg.Negotiation(concessions=c)  # type: ignore[arg-type]
    with pytest.raises(ts.ParameterError, match="`releases` must be"):
        bg.Concession("x_y_z", "CA", "US", 0, 0, releases=("CA-US",))
    with pytest.raises(ts.UnknownNameError, match=r"threats\[0\].unless: unknown concession"):
        _game_with(c, threats=(bg.Threat("US", "CN", 1.45, 5, unless="rare_earth_licence"),))


def test_nash_bargain_offers_the_game_s_own_concessions_by_default() -> None:
    c = bg.Concession("rare_earth_licences_china", "CN", "US", cost=0.0, value=5.0)
    g = _game_with(c)
    w = g.world
    state = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    deal = bg.nash_bargain(g, ("US", "CN"), state, horizon=4)
    plain = bg.nash_bargain(g.replace(negotiation=bg.Negotiation()), ("US", "CN"), state, horizon=4)
    assert "rare_earth_licences_china" in deal.concessions
    assert "rare_earth_licences_china" not in plain.concessions
    named = bg.nash_bargain(g, ("US", "CN"), state, horizon=4,
                            concessions=["rare_earth_licences_china"])  # fmt: skip
    assert named.concessions == ("rare_earth_licences_china",)


def test_a_replaced_bundled_concession_keeps_what_the_file_does_not_change() -> None:
    """A file's concession of a bundled name takes every field it does not give from the
    bundled one: recalibrating China's suspension of its controls kept releasing them only
    when the file wrote `releases` again (a deal gave it and the control stayed at 25%)."""
    sc = ts.load_scenario("threat-100-nov1")
    data = copy.deepcopy(dict(sc.data))
    data["concessions"] = [{"name": "suspend_rare_earth_controls", "value": 2.0}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dear = ts.parse_scenario(data)
    c, base = dear.game.negotiation.pool["suspend_rare_earth_controls"], bg.CONCESSIONS[
        "suspend_rare_earth_controls"]  # fmt: skip
    assert c.value == 2.0 and base.value != 2.0
    assert (c.giver, c.receiver, c.cost, c.releases, c.claims, c.label) == (
        base.giver, base.receiver, base.cost, base.releases, base.claims, base.label)  # fmt: skip
    assert "replaces the bundled one: value 0.0 -> 2.0)" in dear.describe(width=200)


def test_a_threat_lifted_by_a_file_concession_plays_after_a_summit() -> None:
    """The look-ahead of a summit rebuilt the game's negotiation without its own concessions,
    so a later threat whose `unless` named one failed every run."""
    text = (
        BASE
        + PLEDGE.format(cost=0.05, value=0.3)
        + THREAT.format(date="2025-08-05", unless="investment_pledge_japan")
    )
    p = _play(text)
    assert p.agreements and p.agreements[0].concessions == ("investment_pledge_japan",)
    assert p.headline("US", "JP")[-1] < 0.24  # the pledge given: the threat lifted


def test_a_demand_misspelling_a_file_concession_is_refused() -> None:
    text = BASE.replace(
        'concession = "investment_pledge_japan"', 'concession = "investment_pledge_japn"'
    )
    msg = _problems(text + PLEDGE.format(cost=0.05, value=0.3))
    assert "demands[0].concession" in msg and "did you mean 'investment_pledge_japan'" in msg


def test_a_summit_with_more_concessions_than_a_deal_can_weigh_is_refused_at_once() -> None:
    """24 concessions on the table: the summit enumerated 2 ** 24 sets of them before it
    said the deals were too many (minutes, then an error mid-run)."""
    import time

    many = "".join(
        f'\n[[concessions]]\nname = "pledge_{k}"\ngiver = "JP"\nreceiver = "US"\n'
        f"cost = 0.01\nvalue = 0.02\n"
        for k in range(24)
    )
    t0 = time.perf_counter()
    msg = _problems(BASE.replace("investment_pledge_japan", "trade_agreement") + many)
    assert time.perf_counter() - t0 < 10
    assert "events[0]: 24 concessions" in msg and "at most 17" in msg  # (no empty label)


def test_concessions_from_python_are_checked_as_files_check_them() -> None:
    from decimal import Decimal

    assert bg.Concession("x_y", "CA", "US", Decimal("0.1"), np.array(0.2)).value == 0.2
    for bad, words in (
        ({"cost": 1e308}, "`cost` must be a number in [0, 100]"),
        ({"value": "0.1"}, "`value` must be a number"),
        ({"name": "tab\there"}, "without control characters"),
        ({"excludes": ("x_y",)}, "names the concession itself"),
    ):
        kw = {"name": "x_y", "giver": "CA", "receiver": "US", "cost": 0.0, "value": 0.1, **bad}
        with pytest.raises(ts.ParameterError, match=re.escape(words)):
            bg.Concession(**kw)
    sc = ts.load_scenario("canada-mexico-fentanyl")
    swapped = bg.Concession("border_canada", "MX", "US", 0.0, 0.1)  # given by another
    neg = dataclasses.replace(sc.game.negotiation, concessions=(swapped,))
    with pytest.raises(ts.ParameterError, match=r"'border_canada' is given by MX to US"):
        sc.game.replace(negotiation=neg)
    w = sc.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CA", 0.25)
    stranger = bg.Concession("pledge", "JP", "US", 0.0, 0.1)
    with pytest.raises(ts.ParameterError, match="not between the parties"):
        bg.nash_bargain(sc.game, ("US", "CA"), s, horizon=2, concessions=[stranger])


def test_run_prints_each_agreement_with_the_labels_of_its_concessions(tmp_path, capsys) -> None:
    from tariffsim.cli import main

    f = tmp_path / "pledge.toml"
    f.write_text(BASE + PLEDGE.format(cost=0.05, value=0.3), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["run", str(f), "--out", str(tmp_path), "--no-plot"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "agreement in round 16 (2025-07-22): US->JP 0%" in out
    assert "concessions investment_pledge_japan (Japan: investment pledge)" in out
