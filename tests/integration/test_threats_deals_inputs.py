"""Threats, agreements and their inputs: checked before any work, said on every path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import equilibrium as eq
from tariffsim.cli import main
from tariffsim.errors import LimitError, ParameterError, ScenarioError

THREAT = ts.load_scenario("threat-100-nov1")
SRC = (Path(ts.__file__).parent / "scenarios" / "threat-100-nov1.toml").read_text()


def _load(tmp_path: Path, text: str) -> ts.Scenario:
    f = tmp_path / "s.toml"
    f.write_text(text)
    return ts.load_scenario(f)


# -- bad input: a tariffsim error naming the field, before any work ------------------------
def test_forward_horizon_is_bounded_by_the_rounds_limit(tmp_path: Path) -> None:
    with pytest.raises(LimitError, match=r"Forward\.horizon: 1000000000 exceeds .*max_rounds"):
        ts.Forward(horizon=10**9)
    src = ts.load_scenario("us-china-145")
    text = (Path(ts.__file__).parent / "scenarios" / "us-china-145.toml").read_text()
    assert src.game.agents  # the file has agents to change
    bad = text.replace(
        'strategy = "myopic"', 'strategy = "forward"\noptions = {horizon = 1000000000}', 1
    )
    with pytest.raises(ScenarioError, match=r"agents\[0\]\.options: Forward\.horizon"):
        _load(tmp_path, bad)


def test_equilibrium_paths_refuse_rounds_past_the_limit_and_bad_start_rounds() -> None:
    r = eq.markov_perfect(ts.load_scenario("us-china-145").game, discount=0.9, moves="jump")
    with pytest.raises(LimitError, match="rounds: 1000000000000 exceeds the limit max_rounds"):
        r.path(rounds=10**12)
    with pytest.raises(LimitError, match="max_rounds"):
        eq.agreement_path(r, None, 10**12)
    for bad in (float("nan"), -5, 1.5, True):
        with pytest.raises(ParameterError, match=r"`start_round` must be an integer >= 0"):
            eq.agreement_path(r, None, 5, start_round=bad)


def test_with_demand_floors_names_a_wrong_argument() -> None:
    g = THREAT.game
    with pytest.raises(ParameterError, match="`game` must be a Game; got str"):
        eq.with_demand_floors("x")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="`start` must be a State"):
        eq.with_demand_floors(g, "peak")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="`met` must be a set of concession names"):
        eq.with_demand_floors(g, met="trade_agreement")  # type: ignore[arg-type]


def test_vertex_enumeration_names_an_oversized_budget() -> None:
    a = np.array([[3.0, 0.0], [5.0, 1.0]])
    with pytest.raises(ParameterError, match=r"`max_vertices` must be an integer in \[1, "):
        eq.vertex_enumeration((a, a.T), max_vertices=10**30)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("date = 2025-11-01", "date = 2020-11-01", r"threats\[0\]\.date: must fall inside"),
        ("date = 2025-11-01", "date = 2099-11-01", r"threats\[0\]\.date: must fall inside"),
        ("level = 1.30", "level = 0.0", r"threats\[0\]\.level: must be above the lowest rung"),
    ],
)
def test_a_threat_that_could_never_bite_is_refused(tmp_path, old, new, field) -> None:
    assert old in SRC
    with pytest.raises(ScenarioError, match=field):
        _load(tmp_path, SRC.replace(old, new, 1))


def _with(name: str, key: str, item: dict) -> ts.Scenario:
    data = dict(ts.load_scenario(name).data)
    data[key] = [*data.get(key, []), item]
    return ts.parse_scenario(data)


def test_a_summit_with_no_tariff_between_its_parties_is_refused_on_load(tmp_path, capsys) -> None:
    summit = {"date": dt.date(2025, 5, 14), "kind": "summit", "parties": ["CA", "MX"], "label": "x"}
    with pytest.raises(ScenarioError, match=r"events\[7\] \('x'\): no tariff ladder among the "
                       r"parties \('CA', 'MX'\)"):  # fmt: skip
        _with("us-china-145", "events", summit)
    f = tmp_path / "s.toml"
    f.write_text(
        SRC.replace("[[agents]]", '[[events]]\ndate = 2025-10-01\nkind = "summit"\n'
                    'parties = ["JP", "IN"]\nlabel = "x"\n\n[[agents]]', 1)
    )  # fmt: skip
    assert main(["run", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no tariff ladder among the parties ('JP', 'IN')" in err


@pytest.mark.parametrize(
    ("agenda", "error", "words"),
    [
        (["border_canada"], ParameterError, "'border_canada' is given by CA to US, not between"),
        (["no_such_thing"], ts.errors.UnknownNameError, "concession 'no_such_thing' is unknown"),
    ],
)
def test_a_summit_agenda_holds_concessions_between_its_parties(agenda, error, words) -> None:
    # Canada's border pledge on a US-China agenda was accepted, and a game built in Python
    # with an unknown name failed only once the summit came
    e = ts.Event(dt.date(2025, 5, 14), "summit", parties=("US", "CN"), agenda=tuple(agenda))
    with pytest.raises(error, match=words):
        THREAT.game.replace(events=(*THREAT.game.events, e))
    with pytest.raises(ParameterError, match="an `agenda` needs a summit with parties"):
        THREAT.game.replace(events=(ts.Event(dt.date(2025, 5, 14), "summit", agenda=("x",)),))


@pytest.mark.parametrize(
    ("key", "item"),
    [
        ("threats", {"dyad": "US-CA", "level": 0.25, "date": dt.date(2025, 3, 3), "label": "x"}),
        ("events", {"date": dt.date(2025, 5, 14), "kind": "summit", "parties": ["US", "CA"]}),
    ],
    ids=["threat-on-a-non-agent", "summit-with-a-non-agent"],
)
def test_threats_and_summits_may_involve_a_country_that_is_no_agent(key, item) -> None:
    # Canada has no agent in us-china-145: the engine played only the agents' countries and
    # failed with a bare KeyError on the threat's target or the summit's party
    sc = _with("us-china-145", key, item)
    p = sc.simulate(seed=0)
    if key == "threats":  # weighed, and found too costly to carry out
        assert [e.label for e in p.events if e.label.startswith("x:")] == [
            "x: not carried out (not credible)"
        ]
    with pytest.warns(ts.errors.IdenticalRunsWarning):  # (the batched engine, run by run)
        ens = ts.ensemble(sc, runs=2, seed=0, progress=False)
    np.testing.assert_array_equal(ens.payoff[1], p.payoff)


def test_an_empty_moves_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="moves: must be one of 'step', 'jump'; got ''"):
        _load(tmp_path, 'moves = ""\n' + SRC)


# -- threats that are moot, deals that hold in their round -----------------------------------
def test_a_threat_not_above_the_tariff_in_force_is_moot(tmp_path: Path) -> None:
    sc = _load(tmp_path, SRC.replace("level = 1.30", "level = 0.1", 1))  # the Busan deal's 10%
    p = sc.simulate(seed=0)
    r = sc.game.round_of(sc.game.threats[0].when)
    in_force = float(p.series("US", "CN")[r - 1])
    assert in_force >= 0.1  # the deal (or the 30% before it) is in force on the deadline
    (label,) = [e.label for e in p.events if e.round == r]
    assert label.endswith(f"moot (10% is not above the {100 * in_force:g}% in force)")
    assert p.series("US", "CN")[r] <= in_force


@pytest.mark.parametrize("belief", [0.0, 0.3, 0.68])
def test_the_path_stands_at_an_agreements_terms_in_its_round(belief: float) -> None:
    p = THREAT.with_params(**{"belief:pass_through.US.CN": belief}).simulate(seed=0)
    assert not [e for e in p.events if "breaks the agreement" in e.label]
    if belief < 0.5:  # a US that believes China pays would raise again at once: no deal holds
        assert not p.agreements
        assert [e.label for e in p.events if "set aside" in e.label] == [
            "Trump-Xi meeting (Busan): 8 better deals set aside, each of which a party's own "
            "strategy would break within 12 rounds, so no deal"
        ]
        return
    assert p.agreements  # the Busan summit strikes a deal
    for a in p.agreements:
        for (i, j), level in a.terms.items():
            assert p.series(i, j)[a.round] == pytest.approx(level)
            assert p.series(i, j)[a.round :].max() == pytest.approx(level)  # and it holds


# -- what the equilibrium path cannot model is said, not dropped -------------------------
def test_equilibrium_path_says_which_summits_and_threats_it_leaves_out(tmp_path, capsys) -> None:
    out = tmp_path / "eq"
    code = main(
        ["equilibrium", "threat-100-nov1", "--rounds", "30", "--no-plot", "--out", str(out)]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "Trump-Xi meeting (Busan): not bargained (CN not a player)" in text
    assert "100% from 1 November" in text  # the threat's line (cut to the terminal)
    doc = json.loads((out / "threat-100-nov1-equilibrium.json").read_text())
    events = json.dumps(doc["events"])
    assert "not bargained (CN not a player)" in events
    assert "unless China suspends its controls: not on equilibrium paths" in events


def test_show_lists_demands_and_threats_in_every_format(capsys) -> None:
    assert main(["show", "threat-100-nov1"]) == 0
    text = capsys.readouterr().out
    assert "threat  US-CN  130%" in text and "unless suspend_rare_earth_controls" in text
    assert "demand  US-CN  10% (fentanyl layer)" in text
    assert main(["show", "threat-100-nov1", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kinds = [b["kind"] for b in doc["bargaining"]]
    assert kinds.count("threat") == len(THREAT.game.threats) == 1
    assert kinds.count("demand") == len(THREAT.game.negotiation.demands)
    assert doc["negotiation"]["horizon"] == THREAT.game.negotiation.horizon
    assert main(["show", "threat-100-nov1", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert any(r.startswith("threat,US-CN,130%") for r in rows)


def test_a_solve_after_a_deal_keeps_the_callers_time_limit_and_progress(monkeypatch) -> None:
    """After a deal meets a demand the game is solved again: within what is left of the
    caller's max_seconds (none left: TimeLimitError before any sweep), with its progress."""
    import time

    from tariffsim.equilibrium import agreements, markov
    from tariffsim.errors import TimeLimitError

    g = ts.load_scenario("us-china-145").game
    r = eq.markov_perfect(g, discount=0.9, moves="jump")
    with pytest.raises(TimeLimitError, match="max_seconds ran out"):
        agreements._resolve(r, g, set(), deadline=time.monotonic() - 1, progress=False)
    seen: list[dict] = []
    real = markov.markov_perfect

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(markov, "markov_perfect", spy)
    agreements._resolve(r, g, set(), deadline=time.monotonic() + 60, progress=False)
    assert seen[0]["progress"] is False and 0 < seen[0]["max_seconds"] <= 60
    with pytest.raises(ParameterError, match="`max_seconds` must be"):
        eq.agreement_path(r, None, 5, max_seconds=-1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        # a layer's floor above the layer's top rung (the fentanyl layer tops at 25%)
        ("level = 0.25\nlayer", "level = 0.5\nlayer", r"demands\[0\]\.level: must be at most the "
         r"top rung of the US-CA fentanyl layer \(0\.25\); got 0\.5"),
        # a headline floor above the ladder's top rung
        ("level = 0.25\nlayer = \"fentanyl\"", "level = 0.3", r"demands\[0\]\.level: must be at "
         r"most the top rung of the US-CA ladder \(0\.25\); got 0\.3"),
    ],
)  # fmt: skip
def test_a_demand_no_rung_reaches_is_refused(tmp_path: Path, old: str, new: str, says: str) -> None:
    """A demand keeps its tariff at least at its level: a level above every rung could never
    bind, and before it was accepted and ignored (the path the same as at the top rung)."""
    text = (Path(ts.__file__).parent / "scenarios" / "canada-mexico-fentanyl.toml").read_text()
    assert old in text
    with pytest.raises(ScenarioError, match=says):
        _load(tmp_path, text.replace(old, new, 1))
    assert _load(tmp_path, text).game.negotiation.demands[0].level == 0.25  # (at the top: fine)


def test_a_scheduled_move_that_can_never_be_played_is_refused(tmp_path: Path) -> None:
    """A scripted move before the agent plays its dyad (``active_from``) or in round 0 (the
    starting state) was accepted and never played; it is refused by name, in a file and in
    ``with_strategy``."""
    text = (Path(ts.__file__).parent / "scenarios" / "us-china-145.toml").read_text()
    old = 'country = "US"\nstrategy = "myopic"'
    assert old in text
    dead = text.replace(old, 'country = "US"\nstrategy = "scripted"\noptions = {schedule = '
                        '{"3" = {CN = 1}}}', 1)  # fmt: skip
    with pytest.raises(ScenarioError, match=r"agents\[0\]\.options\.schedule\.3\.CN: US plays "
                       r"US-CN from round 11 \(active_from\)"):  # fmt: skip
        _load(tmp_path, dead)
    with pytest.raises(ScenarioError, match=r"rounds must be ints >= 1 \(round 0 is the"):
        _load(tmp_path, dead.replace('"3" = {CN', '"0" = {CN'))
    assert _load(tmp_path, dead.replace('"3" = {CN', '"12" = {CN')).game.agents[0].strategy
    sc = ts.load_scenario("us-china-145")
    with pytest.raises(ParameterError, match=r"schedule\[3\] moves on 'CN', which US plays"):
        sc.with_strategy("US", "scripted", schedule={3: {"CN": 1}})
