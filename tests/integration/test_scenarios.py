"""Bundled scenarios show the outcomes their files list; every scenario runs and round-trips.

Each outcome is checked by running the model (a simulation, a counterfactual
variant of the file, or the stage game at a state): no path is hard-coded.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.equilibrium import pure_nash, stage_game


def _variant(sc: ts.Scenario, edit) -> ts.Scenario:
    data = copy.deepcopy(dict(sc.data))
    edit(data)
    return ts.parse_scenario(data, source=f"{sc.name} variant")


def _first(mask) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


# =============================================================================================
# canada-mexico-fentanyl
# =============================================================================================
@pytest.fixture(scope="module")
def na():
    sc = ts.load_scenario("canada-mexico-fentanyl")
    return sc, sc.simulate(seed=0)


def _no_talks(sc):
    """The scenario without talks or demands: the myopic divide-and-conquer story."""

    def edit(d):
        d.setdefault("negotiation", {})["enabled"] = False
        d.pop("demands", None)

    return _variant(sc, edit)


def _na_first_cuts(path):
    ca = _first(np.diff(path.series("CA", "US")) < 0)
    mx = _first(np.diff(path.series("MX", "US")) < 0)
    return (None if ca is None else ca + 1), (None if mx is None else mx + 1)


def na_both_answer_then_canada_first(sc, path):
    order = sc.game.round_of(sc.game.events[0].when)
    assert path.series("CA", "US")[order] > 0 and path.series("MX", "US")[order] > 0
    sc = _no_talks(sc)
    path = sc.simulate(seed=0)
    assert path.series("CA", "US")[order] > 0 and path.series("MX", "US")[order] > 0
    ca, mx = _na_first_cuts(path)
    assert ca is not None and mx is not None
    assert ca < mx
    assert path.series("CA", "US")[-1] == 0


def na_mexico_after_canada(sc, path):
    path = _no_talks(sc).simulate(seed=0)
    ca, mx = _na_first_cuts(path)
    assert mx > ca
    # Mexico still resists in the round Canada settles, and settles once Canada has settled
    assert np.all(path.series("MX", "US")[ca:mx] > 0)
    assert path.series("CA", "US")[mx - 1] == 0
    assert path.series("MX", "US")[mx - 1] > 0 and path.series("MX", "US")[-1] == 0


def _na_stage_state(world):
    """Both small partners answered the 25% order with 10% in the round before."""
    s = ts.State.zeros(world.n)
    for a, b, lvl in (
        ("US", "CA", 0.25),
        ("US", "MX", 0.25),
        ("US", "CN", 0.10),
        ("CN", "US", 0.10),
        ("CA", "US", 0.10),
        ("MX", "US", 0.10),
    ):
        s = s.with_tariff(world, a, b, lvl)
    moved = np.zeros((world.n, world.n))
    for a in ("CA", "MX", "CN"):
        moved[world.index(a), world.index("US")] = 0.10
    return s.replace(moved=moved)


def na_stage_game_best_response(sc, path):
    nf = stage_game(sc.game, _na_stage_state(sc.world))
    players = nf.player_names
    ca, mx = players.index("CA"), players.index("MX")
    hold = [names.index(n) for names, n in zip(nf.action_names, _holds(nf), strict=True)]
    cut = nf.action_names[ca].index("de-escalate")
    mx_cut = nf.action_names[mx].index("de-escalate")
    mx_hold = hold[mx]
    resisting = list(hold)
    settled = list(hold)
    settled[ca] = cut
    assert nf.best_responses(resisting, mx) == [mx_hold]
    assert nf.best_responses(settled, mx) == [mx_cut]
    # joint resistance is worth something only together: with Canada resisting,
    # Mexico's gain from holding rather than settling is larger than with Canada settled
    pay = nf.payoff_array[mx]

    def value(profile, a):
        prof = list(profile)
        prof[mx] = a
        return float(pay[tuple(prof)])

    gap_resisting = value(resisting, mx_hold) - value(resisting, mx_cut)
    gap_settled = value(settled, mx_hold) - value(settled, mx_cut)
    assert gap_resisting > 0 > gap_settled
    # and every pure equilibrium of that stage game has Canada settling
    eqs = pure_nash(nf)
    assert eqs and all(e[ca] == cut for e in eqs)


def _holds(nf):
    out = []
    for names in nf.action_names:
        out.append("hold" if "hold" in names else next(n for n in names if "-" not in n))
    return out


def na_border_deals_within_a_week(sc, path):
    order = sc.game.round_of(sc.game.events[0].when)
    week = order + 7 // sc.game.round_days
    deals = {a.parties[1]: a for a in path.agreements if a.parties[0] == "US"}
    assert set(deals) == {"CA", "MX"}
    for x, concession in (("CA", "border_canada"), ("MX", "border_mexico")):
        a = deals[x]
        assert order < a.round <= week
        assert concession in a.concessions
        assert a.terms[("US", x)] == 0.0  # the 25% order is paused
        assert path.series("US", x)[a.round] == 0 and path.series("US", x)[-1] == 0
        assert path.series("US", x)[a.round - 1] == 0.25  # in force until the deal
        assert all(g > 0 for g in a.gain.values())


def na_joint_stand(sc, path):
    order = sc.game.round_of(sc.game.events[0].when)
    state = _na_stage_state(sc.world)
    c = ts.bargaining.coalition_bargain(
        sc.game,
        "US",
        ("CA", "MX"),
        state,
        demands=sc.game.negotiation.demands,
        horizon=6,
        round=order,
    )
    assert c.joint.agreed
    assert c.joint_at_least_as_good, (c.members_value_joint, c.members_value_sequential)


def na_us_pauses_after_partner(sc, path):
    path = _no_talks(sc).simulate(seed=0)
    for x in ("CA", "MX"):
        us = path.series("US", x)
        pause = _first(np.diff(us) < 0)
        assert pause is not None, f"the US never pauses on {x}"
        pause += 1
        settle = _first(np.diff(path.series(x, "US")) < 0)
        assert settle is not None and settle + 1 < pause, x
        assert us[-1] == 0


def na_china_untouched(sc, path):
    order = sc.game.round_of(sc.game.events[0].when)
    us_cn = path.series("US", "CN")
    assert np.all(us_cn[order:] == 0.10)
    assert np.all(path.moves[:, 0, 1] == 0)


def na_costly_concession_counterfactual(sc, path):
    def edit(d):
        d["params"]["face_zero_cost.CA"] = 0.3  # Canada's concession as costly as anyone's
        d.setdefault("negotiation", {})["enabled"] = False
        d.pop("demands", None)

    alt = _variant(sc, edit).simulate(seed=0)
    assert alt.series("CA", "US")[-1] > 0
    assert alt.series("MX", "US")[-1] > 0
    assert alt.series("US", "MX")[-1] == 0.25


NA_OUTCOMES = {
    "Canada and Mexico both answer the US order; without talks Canada settles first": (
        na_both_answer_then_canada_first
    ),
    "without talks Mexico settles only after Canada has settled": na_mexico_after_canada,
    "both reach a border deal within a week of the order and the US pauses their tariffs": (
        na_border_deals_within_a_week
    ),
    "a joint stand gets terms at least as good as settling one by one": na_joint_stand,
    "with Canada resisting Mexico's best response is to hold; "
    "with Canada settled it is to settle": na_stage_game_best_response,
    "without talks the US pauses each 25% tariff only after that partner has settled": (
        na_us_pauses_after_partner
    ),
    "the US tariff on China stays at 10% throughout": na_china_untouched,
    "without talks, if Canada's concession were not cheap, neither would settle": (
        na_costly_concession_counterfactual
    ),
}


def test_na_every_outcome_is_checked(na):
    assert set(na[0].outcomes) == set(NA_OUTCOMES)


@pytest.mark.parametrize("outcome", list(NA_OUTCOMES))
def test_na_outcome(na, outcome):
    NA_OUTCOMES[outcome](*na)


# =============================================================================================
# rare-earth-100
# =============================================================================================
@pytest.fixture(scope="module")
def re100():
    sc = ts.load_scenario("rare-earth-100")
    return sc, sc.simulate(seed=0)


def _control(sc, path):
    w = sc.world
    return path.control[:, w.index("CN"), w.index("US")]


def _threat_round(sc):
    return next(sc.game.round_of(e.when) for e in sc.game.events if e.kind == "set")


def re_threat_walked_back(sc, path):
    threat = next(e for e in sc.game.events if e.kind == "set")
    assert threat.level == pytest.approx(1.30)
    assert path.series("US", "CN").max() <= 0.30 + 1e-12
    # the US chose the walk-back: it moved down in the threat's round
    r = _threat_round(sc)
    assert path.moves[r, 0, 1] == -1


def re_china_eases_after_us(sc, path):
    x = _control(sc, path)
    ease = _first(np.diff(x) < 0)
    assert ease is not None, "China never eases"
    ease += 1
    us_cuts = np.flatnonzero(path.moves[:, 0, 1] < 0)
    assert us_cuts.size and us_cuts[0] < ease


def re_eased_not_rescinded(sc, path):
    x = _control(sc, path)
    assert x.max() == 0.5
    assert 0 < x[-1] < x.max()


def re_markets(sc, path):
    us = sc.world.index("US")
    r = _threat_round(sc)
    assert int(np.argmax(path.drawdown[:, us])) == r


def re_belief_counterfactual(sc, path):
    def edit(d):
        d["agents"][0]["beliefs"]["pass_through.US-CN"] = 0.1  # "China needs us more"
        d["agents"][0]["learning_rate"] = 0.0

    alt = _variant(sc, edit).simulate(seed=0)
    r = _threat_round(sc)
    assert np.all(alt.series("US", "CN")[r:] == pytest.approx(1.30))
    assert np.all(np.diff(_control(sc, alt)) >= 0)  # and China never eases


RE_OUTCOMES = {
    "the 100% threat is walked back: the US tariff on China never stands above 30% after a "
    "round's moves": re_threat_walked_back,
    "China eases its export controls only after the US has stepped back": re_china_eases_after_us,
    "the controls are eased but not rescinded": re_eased_not_rescinded,
    "the announcement moves markets: the US drawdown is largest in the round of the threat": (
        re_markets
    ),
    "if the US still believed China paid most of the tariff, it would keep the 130%": (
        re_belief_counterfactual
    ),
}


def test_re_every_outcome_is_checked(re100):
    assert set(re100[0].outcomes) == set(RE_OUTCOMES)


@pytest.mark.parametrize("outcome", list(RE_OUTCOMES))
def test_re_outcome(re100, outcome):
    RE_OUTCOMES[outcome](*re100)


def test_control_moves_need_a_control_ladder():
    w = ts.World.default()
    with pytest.raises(ts.TariffsimError, match="control"):
        ts.Game(w, ts.PayoffModel(w), agents=(ts.Agent("US", controls=("CN",)),))


# =============================================================================================
# secondary-oil-tariffs
# =============================================================================================
@pytest.fixture(scope="module")
def oil():
    sc = ts.load_scenario("secondary-oil-tariffs")
    return sc, sc.simulate(seed=0)


def _with_tie(game: ts.Game, a: str, b: str, value: float) -> ts.Game:
    """The same game with one alliance tie changed (both directions)."""
    w = game.world
    ties = w.ties.copy()
    ties[w.index(a), w.index(b)] = ties[w.index(b), w.index(a)] = value
    w2 = w.replace(ties=ties)
    return game.replace(world=w2, model=game.model.replace(world=w2))


def _oil_round(sc):
    return next(sc.game.round_of(e.when) for e in sc.game.events if e.kind == "set")


def oil_secondary_tariff_stands(sc, path):
    r = _oil_round(sc)
    threat = next(e for e in sc.game.events if e.kind == "set")
    assert (threat.importer, threat.exporter, threat.level) == ("US", "IN", 0.25)
    us_in = path.series("US", "IN")
    assert np.all(us_in[:r] == 0)
    assert np.all(us_in[r:] == 0.25)  # the US neither pauses nor climbs to 50%
    assert path.tariff[:, 0, sc.world.index("IN")].max() < sc.world.ladders[("US", "IN")].levels[-1]


def oil_india_absorbs(sc, path):
    assert np.all(path.series("IN", "US") == 0)
    # and it is India's choice, not a missing ladder: it could answer
    assert ("IN", "US") in sc.world.ladders
    assert any(
        a.code == "IN" and ("IN", "US") in ts.agents.targets_of(sc.world, "IN", a.targets)
        for a in sc.game.agents
    )


def oil_stronger_china_tie_resists(sc, path):
    w = sc.world
    brazil_tie = float(w.ties[w.index("BR"), w.index("CN")])
    assert brazil_tie > float(w.ties[w.index("IN"), w.index("CN")])
    alt = _with_tie(sc.game, "IN", "CN", brazil_tie).simulate(seed=0)
    r = _oil_round(sc)
    answer = alt.series("IN", "US")
    assert answer[r] > 0, "India with Brazil's tie to China does not answer"
    assert np.all(answer[r:] == answer[r])  # and holds out to the end of the run


def _oil_stage_state(sc):
    """The state right after the announcement: the US has just put 25% on India."""
    w = sc.world
    s = ts.State.zeros(w.n)
    for a, b, lvl in (("US", "CN", 0.20), ("CN", "US", 0.15), ("US", "IN", 0.25)):
        s = s.with_tariff(w, a, b, lvl)
    moved = np.zeros((w.n, w.n))
    moved[w.index("US"), w.index("IN")] = 0.25
    return s.replace(moved=moved)


def oil_best_response_turns_with_tie(sc, path):
    def india_best(game):
        nf = stage_game(game, _oil_stage_state(sc))
        players = nf.player_names
        hold = [names.index("hold") for names in nf.action_names]
        k = players.index("IN")
        return [nf.action_names[k][a] for a in nf.best_responses(hold, k)]

    assert "escalate" not in india_best(sc.game)
    grid = (0.25, 0.3, 0.4, 0.5, 0.6, 0.7)
    answers = ["escalate" in india_best(_with_tie(sc.game, "IN", "CN", t)) for t in grid]
    # no answer at India's own tie, an answer at Brazil's, and once it answers it keeps answering
    assert not answers[0] and answers[grid.index(0.6)]
    assert answers == sorted(answers)


def oil_china_untouched(sc, path):
    def edit(d):
        d["events"] = [e for e in d["events"] if e.get("dyad") != "US-IN"]

    base = _variant(sc, edit).simulate(seed=0)
    for a, b in (("US", "CN"), ("CN", "US")):
        np.testing.assert_array_equal(path.series(a, b), base.series(a, b))
    assert np.all(path.series("US", "CN") == 0.20) and np.all(path.series("CN", "US") == 0.15)


OIL_OUTCOMES = {
    "the US secondary tariff on India stands at the threatened 25% from the announcement on": (
        oil_secondary_tariff_stands
    ),
    "India absorbs the secondary tariff: it never retaliates": oil_india_absorbs,
    "with Brazil's tie to China, India would answer the tariff and hold out": (
        oil_stronger_china_tie_resists
    ),
    "India's best response to the announcement turns from holding to answering as its tie to "
    "China rises": oil_best_response_turns_with_tie,
    "the US tariff on China and China's answer are the same as without the oil threat": (
        oil_china_untouched
    ),
}


def test_oil_every_outcome_is_checked(oil):
    assert set(oil[0].outcomes) == set(OIL_OUTCOMES)


@pytest.mark.parametrize("outcome", list(OIL_OUTCOMES))
def test_oil_outcome(oil, outcome):
    OIL_OUTCOMES[outcome](*oil)


# =============================================================================================
# four-country-2025
# =============================================================================================
@pytest.fixture(scope="module")
def year():
    sc = ts.load_scenario("four-country-2025")
    return sc, sc.simulate(seed=0)


def _event_round(sc, kind, dyad=None):
    return next(
        sc.game.round_of(e.when)
        for e in sc.game.events
        if e.kind == kind and (dyad is None or (e.importer, e.exporter) == dyad)
    )


def year_peak_april(sc, path):
    us = path.series("US", "CN")
    assert path.peak("US", "CN") == 1.45
    peak_rounds = np.flatnonzero(us == us.max())
    assert all(path.dates[r].astype(object).month == 4 for r in peak_rounds[:1])
    # the US chose the climb: the calendar's last announcement on China before the peak is 54%
    sets = [e for e in sc.game.events if e.kind == "set" and e.exporter == "CN"]
    announced = path.series("US", "CN")[[sc.game.round_of(e.when) for e in sets]]
    assert announced.max() == pytest.approx(0.54)
    assert path.moves[: peak_rounds[0] + 1, 0, 1].max() >= 1  # rungs moved by choice


def _by_step(path, importer, exporter):
    """The tariff after every decision step, in calendar order (index 0: the start)."""
    x = path.steps(importer, exporter)
    return np.concatenate([x[:1, -1], x[1:].reshape(-1)])


def year_north_america_settles(sc, path):
    order = _event_round(sc, "set", ("US", "CA"))
    # day by day within the weekly rounds (each round holds sc.game.steps decision steps)
    ca, mx = _by_step(path, "CA", "US"), _by_step(path, "MX", "US")
    k = sc.game.steps
    in_order = slice((order - 1) * k + 1, order * k + 1)  # the steps of the order's round
    assert ca[in_order].max() > 0 and mx[in_order].max() > 0
    ca_cut = _first(np.diff(ca) < 0)
    mx_cut = _first(np.diff(mx) < 0)
    assert ca_cut is not None and mx_cut is not None
    assert ca_cut < mx_cut
    assert ca[-1] == 0 and mx[-1] == 0
    # Mexico settles once Canada has settled: the round before, Canada is at zero
    assert ca[mx_cut] == 0 and mx[mx_cut] > 0


def year_china_never_concedes(sc, path):
    us_cut = np.diff(path.series("US", "CN")) < 0
    cn_cut = np.diff(path.series("CN", "US")) < 0
    for k in np.flatnonzero(cn_cut):
        assert us_cut[k] or (k >= 1 and us_cut[k - 1]), f"China cut alone in round {k + 1}"
    x = path.control[:, sc.world.index("CN"), sc.world.index("US")]
    for k in np.flatnonzero(np.diff(x) < 0):
        assert us_cut[k] or (k >= 1 and us_cut[k - 1]), f"China eased alone in round {k + 1}"
    assert cn_cut.any()


def year_truce_below_peak(sc, path):
    us, cn = path.series("US", "CN"), path.series("CN", "US")
    peak = int(np.argmax(us))
    truce = peak + _first(np.diff(us[peak:]) < 0) + 1
    assert path.dates[truce].astype(object).month == 5
    flare = _event_round(sc, "control")
    after = slice(truce + 8, flare)
    assert np.all(us[after] > 0) and np.all(cn[after] > 0)
    assert np.all(us[after] <= us.max() / 4)
    assert np.all(cn[after] <= cn.max() / 4)


def year_october_no_new_peak(sc, path):
    us = path.series("US", "CN")
    flare = _event_round(sc, "control")
    before = us[flare - 1]
    assert np.all(us[flare:] <= before)
    assert us[flare:].max() < path.peak("US", "CN")
    # the flare-up is felt: the US drawdown jumps in the round of the threat
    i = sc.world.index("US")
    threat = _event_round(sc, "threat")
    assert path.drawdown[threat, i] > path.drawdown[flare - 1, i]
    # and the year ends where the truce left it
    assert us[-1] == before


YEAR_OUTCOMES = {
    "the US tariff on China peaks at 145% in April": year_peak_april,
    "Canada and Mexico both answer the February order and settle, Canada first": (
        year_north_america_settles
    ),
    "China never concedes unilaterally": year_china_never_concedes,
    "after the truce the US-China tariffs are well below the peak but above zero": (
        year_truce_below_peak
    ),
    "the October threat does not produce a lasting new peak": year_october_no_new_peak,
}


def test_year_every_outcome_is_checked(year):
    assert set(year[0].outcomes) == set(YEAR_OUTCOMES)


@pytest.mark.parametrize("outcome", list(YEAR_OUTCOMES))
def test_year_outcome(year, outcome):
    YEAR_OUTCOMES[outcome](*year)


def test_per_target_active_from():
    """``active_from`` as a table: the US holds on China until 2 April, moves on Canada before."""
    sc = ts.load_scenario("four-country-2025")
    us = next(a for a in sc.game.agents if a.code == "US")
    assert us.starts("CN") is not None and us.starts("CA") is None
    path = sc.simulate(seed=0)
    start = sc.game.round_of(us.starts("CN"))
    assert np.all(path.moves[:start, 0, 1] == 0)
    data = copy.deepcopy(dict(sc.data))
    data["agents"][0]["active_from"] = {"JP": 3}
    with pytest.raises(ts.ScenarioError, match=r"active_from\.JP"):
        ts.parse_scenario(data)


# =============================================================================================
# every bundled scenario: runs, stays on its ladders, round-trips through TOML, runs from the CLI
# =============================================================================================
@pytest.mark.parametrize("name", ts.list_scenarios())
def test_scenario_runs_finite_and_on_ladder(name):
    sc = ts.load_scenario(name)
    p = sc.simulate(seed=0)
    assert len(p) == sc.game.rounds + 1
    assert sc.outcomes, f"{name} lists no outcomes"
    for arr in (p.tariff, p.control, p.payoff, p.recession, p.approval, p.drawdown, p.terms):
        assert np.all(np.isfinite(arr))
    w = sc.world
    event_levels = {(e.importer, e.exporter, e.level) for e in sc.game.events}
    init = sc.game.initial.tariff
    for (a, b), lad in w.ladders.items():
        i, j = w.index(a), w.index(b)
        for r, v in enumerate(p.tariff[:, i, j]):
            on = lad.contains(v) or v == init[i, j] or (a, b, v) in event_levels
            assert on, f"{name}: {a}->{b} = {v} in round {r} is off the ladder {lad.levels}"
    for (a, b), lad in w.control_ladders.items():
        i, j = w.index(a), w.index(b)
        assert all(lad.contains(v) or v == 0 for v in p.control[:, i, j])


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_scenario_round_trip(name, tmp_path):
    sc = ts.load_scenario(name)
    text = sc.to_toml()
    assert tomllib.loads(text) == dict(sc.data)
    again = ts.parse_scenario(tomllib.loads(text), source="round trip")
    f = sc.write(tmp_path / f"{name}.toml")
    from_file = ts.load_scenario(f)
    a = sc.simulate(seed=0)
    for other in (again, from_file):
        b = other.simulate(seed=0)
        for field in ("tariff", "control", "payoff", "recession", "perceived_pass_through"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
        assert other.outcomes == sc.outcomes and other.claims == sc.claims
        assert other.game.start == sc.game.start and other.game.rounds == sc.game.rounds


def test_replaced_game_refuses_to_write():
    sc = ts.load_scenario("us-china-145")
    variant = sc.replace(game=sc.game.replace(noise=0.05))
    with pytest.raises(ts.TariffsimError, match="no file data"):
        variant.to_toml()


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_cli_runs_scenario_file(name, tmp_path):
    f = ts.load_scenario(name).write(tmp_path / f"{name}.toml")
    out = subprocess.run(
        [sys.executable, "-m", "tariffsim", "run", str(f), "--seed", "0", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    sc = ts.load_scenario(name)
    assert out.stdout.startswith(sc.title)
    assert f"{sc.game.rounds} rounds" in out.stdout.splitlines()[0]


def test_a_key_given_twice_shows_the_line(tmp_path: Path) -> None:
    """tomllib says only 'Cannot overwrite a value (at line 2, column 11)'."""
    f = tmp_path / "dup.toml"
    f.write_text('name = "x"\nname = "y"\n')
    with pytest.raises(
        ts.ScenarioError, match=r"at line 2, column 11\); line 2 reads: 'name = \"y\"'"
    ):
        ts.load_scenario(f)


def test_a_folder_given_as_the_scenario_file_is_said_to_be_one(tmp_path: Path) -> None:
    """It was said not to exist."""
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(ts.ParameterError, match=r"'.*dir\.toml' is a folder, not a file"):
        ts.load_scenario(tmp_path / "dir.toml")
