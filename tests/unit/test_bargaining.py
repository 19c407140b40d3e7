"""Bargaining, demands, concessions, Forward and jumps: unit checks through the public API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import bargaining as bg
from tariffsim.errors import ParameterError, ScenarioError, UnknownNameError


@pytest.fixture(scope="module")
def sc():
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def peak(sc):
    w = sc.world
    return ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)


@pytest.fixture(scope="module")
def dis(sc, peak):
    return bg.carry_on_value(sc.game, peak, ["US", "CN"], horizon=6)


def test_deal_beats_carrying_on_for_everyone(sc, peak, dis):
    d = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=dis, concessions=[])
    assert d.agreed
    for p in ("US", "CN"):
        assert d.value[p] - d.disagreement[p] == pytest.approx(d.gain[p])
        assert d.gain[p] > 0
    assert sum(d.split.values()) == pytest.approx(1.0)
    # the state moves to the terms
    w = sc.world
    for (a, b), lvl in d.terms.items():
        assert d.state.tariff[w.index(a), w.index(b)] == lvl
        assert lvl in w.ladders[(a, b)].levels


def test_no_deal_when_a_party_is_better_off_carrying_on(sc, peak, dis):
    rich = {**dis, "CN": 1e6}
    d = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=rich, concessions=[])
    assert not d.agreed and not d
    assert d.state is peak
    assert "no deal" in d.describe()


def test_nash_product_is_maximal_among_agreed_terms(sc, peak, dis):
    """Any deal the solver found beats each single-rung variation of its terms."""
    d = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=dis, concessions=[])
    best = math.prod(d.gain.values())
    w = sc.world
    for dy in d.terms:
        lad = w.ladders[dy].levels
        k = lad.index(d.terms[dy])
        for k2 in (k - 1, k + 1):
            if 0 <= k2 < len(lad) and lad[k2] <= peak.tariff[w.index(dy[0]), w.index(dy[1])]:
                # value the variation with the same machinery: force it by a floor or by
                # restricting the ladder through demands
                floors = [bg.Demand(dy[0], dy[1], lad[k2], "never-given")] if k2 > k else []
                if not floors:
                    continue
                alt = bg.nash_bargain(
                    sc.game,
                    ("US", "CN"),
                    peak,
                    disagreement=dis,
                    concessions=[],
                    demands=floors,
                )
                if alt.agreed:
                    assert math.prod(alt.gain.values()) <= best + 1e-9


def test_demands_bind_unless_the_concession_is_in_the_deal(sc, peak, dis):
    floor = [bg.Demand("US", "CN", 0.2, "fentanyl_enforcement_china")]
    d = bg.nash_bargain(
        sc.game, ("US", "CN"), peak, disagreement=dis, demands=floor, concessions=[]
    )
    assert d.terms[("US", "CN")] >= 0.2
    d2 = bg.nash_bargain(
        sc.game,
        ("US", "CN"),
        peak,
        disagreement=dis,
        demands=floor,
        concessions=["fentanyl_enforcement_china"],
    )
    if d2.terms[("US", "CN")] < 0.2:
        assert "fentanyl_enforcement_china" in d2.concessions
    # a demand already met does not bind
    d3 = bg.nash_bargain(
        sc.game,
        ("US", "CN"),
        peak,
        disagreement=dis,
        demands=floor,
        concessions=[],
        met=frozenset({"fentanyl_enforcement_china"}),
    )
    assert d3.terms[("US", "CN")] <= d.terms[("US", "CN")]


def test_rubinstein_equal_patience_is_nash_and_patience_pays(sc, peak, dis):
    nash = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=dis)
    rub = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=dis, method="rubinstein")
    assert rub.terms == nash.terms and rub.concessions == nash.concessions
    patient_us = bg.nash_bargain(
        sc.game,
        ("US", "CN"),
        peak,
        disagreement=dis,
        method="rubinstein",
        patience={"US": 0.999, "CN": 0.5},
    )
    patient_cn = bg.nash_bargain(
        sc.game,
        ("US", "CN"),
        peak,
        disagreement=dis,
        method="rubinstein",
        patience={"US": 0.5, "CN": 0.999},
    )
    assert patient_us.gain["US"] >= patient_cn.gain["US"] - 1e-9
    assert patient_cn.gain["CN"] >= patient_us.gain["CN"] - 1e-9


def test_bad_input(sc, peak, dis):
    g = sc.game
    with pytest.raises(ParameterError, match="parties"):
        bg.nash_bargain(g, ("US",), peak)
    with pytest.raises(ParameterError, match="parties"):
        bg.nash_bargain(g, ("US", "US"), peak)
    with pytest.raises(UnknownNameError):
        bg.nash_bargain(g, ("US", "XX"), peak)
    with pytest.raises(ParameterError, match="discount"):
        bg.nash_bargain(g, ("US", "CN"), peak, discount=1.0)
    with pytest.raises(ParameterError, match="horizon"):
        bg.nash_bargain(g, ("US", "CN"), peak, horizon=0)
    with pytest.raises(ParameterError, match="method"):
        bg.nash_bargain(g, ("US", "CN"), peak, method="haggle", disagreement=dis)
    with pytest.raises(ParameterError, match="patience"):
        bg.nash_bargain(g, ("US", "CN"), peak, patience={"US": 0.9}, disagreement=dis)
    with pytest.raises(ParameterError, match="patience"):
        bg.nash_bargain(
            g, ("US", "CN"), peak, method="rubinstein", patience={"US": 1.0}, disagreement=dis
        )
    with pytest.raises(ParameterError, match="disagreement"):
        bg.nash_bargain(g, ("US", "CN"), peak, disagreement={"US": 0.0})
    with pytest.raises(UnknownNameError, match="border_canada"):
        bg.concession("border")
    with pytest.raises(ParameterError, match="cost"):
        bg.Concession("x", "CN", "US", cost=-1, value=0)
    with pytest.raises(ParameterError, match="level"):
        bg.Demand("US", "CN", -0.1, "x")
    with pytest.raises(ParameterError, match="horizon"):
        bg.Negotiation(horizon=0)
    with pytest.raises(ParameterError, match="members"):
        bg.coalition_bargain(g, "US", ("CN",), peak)


def test_concessions_cite_claims():
    for c in bg.CONCESSIONS.values():
        assert len(c.claims) >= 2
        for cid in c.claims:
            assert cid in ts.claims
        assert c.cost >= 0 and c.value >= 0


def test_path_json_keeps_agreements(sc):
    p = sc.simulate(seed=0)
    assert p.agreements
    q = ts.Path.from_json(p.to_json())
    assert q.agreements == p.agreements


def test_game_validates_negotiation_and_moves(sc):
    g = sc.game
    with pytest.raises(ParameterError, match="moves"):
        g.replace(moves="leap")
    with pytest.raises(ParameterError, match="ladder"):
        g.replace(negotiation=bg.Negotiation(demands=(bg.Demand("JP", "KR", 0.1, "x"),)))
    with pytest.raises(ParameterError, match="parties"):
        ts.Event(dt.date(2025, 5, 1), "set", parties=("US", "CN"))
    with pytest.raises(ParameterError, match="rung"):
        g.replace(threats=(bg.Threat("US", "CN", 0.77, 3),))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            lambda d: d.update(demands=[{"dyad": "US-CN", "level": -1, "concession": "x"}]),
            "demands[0].level",
        ),
        (
            lambda d: d.update(demands=[{"dyad": "JP-KR", "level": 0.1, "concession": "x"}]),
            "demands[0].dyad",
        ),
        (lambda d: d.update(negotiation={"horizon": 0}), "negotiation.horizon"),
        (lambda d: d.update(negotiation={"method": "haggle"}), "negotiation.method"),
        (lambda d: d.update(moves="leap"), "moves"),
        (
            lambda d: d["events"].append(
                {"date": dt.date(2025, 5, 1), "kind": "summit", "parties": ["US", "XX"]}
            ),
            "parties",
        ),
        (
            lambda d: d["events"].append(
                {
                    "date": dt.date(2025, 5, 1),
                    "kind": "summit",
                    "parties": ["US", "CN"],
                    "agenda": ["bribe"],
                }
            ),
            "agenda",
        ),
        (
            lambda d: d.update(
                threats=[{"dyad": "US-CN", "level": 0.77, "date": dt.date(2025, 6, 1)}]
            ),
            "threats[0].level",
        ),
        (
            lambda d: d.update(
                threats=[
                    {"dyad": "US-CN", "level": 1.45, "date": dt.date(2025, 6, 1), "unless": "bribe"}
                ]
            ),
            "threats[0].unless",
        ),
    ],
)
def test_scenario_file_errors_name_the_field(sc, edit, field):
    import copy

    data = copy.deepcopy(dict(sc.data))
    edit(data)
    with pytest.raises(ScenarioError, match=field.replace("[", r"\[").replace("]", r"\]")):
        ts.parse_scenario(data)


# -- Forward -----------------------------------------------------------------------------------
def test_forward_with_no_future_is_myopic(sc):
    p = sc.simulate(seed=0)
    g = sc.game
    w = sc.world
    myopic = ts.MyopicBestResponse()
    fwd = ts.Forward(horizon=1, discount=0.0)
    rng = np.random.default_rng(0)
    for r in range(0, len(p), 3):
        s = ts.State(p.tariff[r], peak=p.tariff[: r + 1].max(axis=0))
        for a in g.agents:
            obs = ts.agents.Observation(
                me=a.code,
                world=w,
                state=s,
                history=(),
                targets=ts.agents.targets_of(w, a.code, a.targets),
                model=g.model,
                round=r,
            )
            assert fwd.act(obs, rng) == myopic.act(obs, rng), r


def test_forward_values_continuation(sc):
    """Patient agents cut a costly tariff faster than myopic ones."""
    g = sc.game
    w = sc.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)

    def run(strategy):
        agents = tuple(
            dataclasses.replace(a, strategy=strategy, active_from=None, beliefs=None)
            for a in g.agents
        )
        gg = g.replace(
            initial=s,
            events=(),
            agents=agents,
            negotiation=bg.Negotiation(enabled=False),
            moves="jump",
        )
        return gg.simulate(6, seed=0)

    slow = run(ts.MyopicBestResponse())
    fast = run(ts.Forward(horizon=12, discount=0.95, jumps=True))
    assert fast.series("US", "CN")[1] < slow.series("US", "CN")[1]
    # a jump crosses several rungs in one round
    lad = w.ladders[("US", "CN")].levels
    assert lad.index(fast.series("US", "CN")[0]) - lad.index(fast.series("US", "CN")[1]) > 1


def test_jumps_need_a_jump_game(sc):
    g = sc.game
    agents = tuple(
        dataclasses.replace(a, strategy=ts.Forward(jumps=True), active_from=None) for a in g.agents
    )
    w = sc.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    with pytest.raises(ParameterError, match="jump"):
        g.replace(agents=agents, initial=s, events=()).simulate(3, seed=0)


@settings(max_examples=10, deadline=None)
@given(h=st.integers(1, 30), d=st.floats(0, 0.99))
def test_forward_weights(h, d):
    f = ts.Forward(horizon=h, discount=d)
    first, held = f.weights
    assert first == 1.0
    assert held == pytest.approx(d / (1 - d), rel=1e-9, abs=1e-12)


def test_forward_bad_input():
    for kw in (
        {"horizon": 0},
        {"horizon": 1.5},
        {"discount": 1.0},
        {"discount": -0.1},
        {"jumps": 1},
    ):
        with pytest.raises(ParameterError):
            ts.Forward(**kw)


@dataclasses.dataclass(frozen=True)
class _PerRun:
    """A strategy without act_batch: the engine calls its act run by run."""

    inner: ts.Forward
    name = "per-run"
    traits = ts.Forward.traits

    def act(self, obs, rng):
        return self.inner.act(obs, rng)


@pytest.mark.parametrize("jumps", [False, True])
def test_forward_act_batch_matches_act(sc, jumps):
    g = sc.game.replace(moves="jump" if jumps else "step")
    f = ts.Forward(horizon=6, discount=0.9, jumps=jumps)

    def with_strategy(s):
        return g.replace(agents=tuple(dataclasses.replace(a, strategy=s) for a in g.agents))

    batched = ts.simulate_batch(
        with_strategy(f), 20, seeds=[0, 1], overrides={"belief:pass_through.US.CN": [0.1, 0.9]}
    )
    per_run = ts.simulate_batch(
        with_strategy(_PerRun(f)), 20, seeds=[0, 1],
        overrides={"belief:pass_through.US.CN": [0.1, 0.9]},
    )  # fmt: skip
    np.testing.assert_array_equal(batched.tariff, per_run.tariff)
    assert not np.array_equal(batched.tariff[0], batched.tariff[1])


# -- arguments are checked, before the look-ahead -----------------------------------------------
def _bad_bargains(g, peak):
    nb = bg.nash_bargain
    pair = ("US", "CN")
    return [
        (lambda: nb(g, pair, peak, disagreement={"US": "a", "CN": 0.0}), "disagreement"),
        (lambda: nb(g, pair, peak, disagreement={"US": math.nan, "CN": 0.0}), "disagreement"),
        (lambda: nb(g, pair, peak, disagreement={"US": True, "CN": 0.0}), "disagreement"),
        (lambda: nb(g, pair, peak, round=-5), "round"),
        (lambda: nb(g, pair, peak, round=1.5), "round"),
        (lambda: nb(g, pair, peak, round=float("nan")), "round"),
        (lambda: nb(g, pair, peak, round=10**6), "round"),
        (lambda: nb(g, pair, peak, models={"US": 3}), "models"),
        (lambda: nb(g, pair, peak, models={"XX": g.model}), "models"),
        (lambda: nb(g, pair, peak, models={"CA": g.model}), "models"),
        (lambda: nb(g, pair, peak, demands=[bg.Demand("US", "XX", 0.1, "x")]), "XX"),
        (lambda: nb(g, pair, peak, demands=[bg.Demand("XX", "CN", 0.1, "x")]), "XX"),
        (lambda: nb(g, pair, peak, demands=["fentanyl"]), "demands"),
        (lambda: nb(g, pair, peak, met="fentanyl_enforcement_china"), "met"),
        (lambda: nb(g, pair, peak, met={"fentanyl_enforcement_china", 3}), "met"),
        (lambda: nb(g, pair, peak, patience={"US": 0.9}), "patience"),
        (lambda: nb(g, pair, peak, concessions=["bribe"]), "bribe"),
        (lambda: nb(g, pair, "peak"), "state"),
        (lambda: bg.carry_on_value(g, "x", ["US"]), "state"),
        (lambda: bg.carry_on_value(g, peak, ["XX"]), "XX"),
        (lambda: bg.carry_on_value(g, peak, "US"), "parties"),
        (lambda: bg.carry_on_value(g, peak, ["US"], round=-1), "round"),
        (lambda: bg.carry_on_value(g, peak, ["US"], models={"CN": g.model}), "models"),
    ]


@pytest.mark.parametrize("case", range(23))
def test_bad_arguments_are_refused_before_any_work(sc, peak, monkeypatch, case):
    """A tariffsim error naming the argument, raised before the look-ahead is played."""

    def no_play(*args, **kwargs):
        raise AssertionError("the look-ahead ran before the arguments were checked")

    monkeypatch.setattr(ts.engine, "simulate", no_play)
    cases = _bad_bargains(sc.game, peak)
    assert len(cases) == 23
    call, name = cases[case]
    with pytest.raises((ParameterError, UnknownNameError), match=name):
        call()


def test_met_names_concessions_not_letters(sc, peak, dis):
    """`met` as a set of names lifts the demand its concession meets, whatever its type."""
    floor = [bg.Demand("US", "CN", 0.2, "fentanyl_enforcement_china")]
    kw = dict(disagreement=dis, demands=floor, concessions=[])
    as_set = bg.nash_bargain(sc.game, ("US", "CN"), peak, met={"fentanyl_enforcement_china"}, **kw)
    as_list = bg.nash_bargain(sc.game, ("US", "CN"), peak, met=["fentanyl_enforcement_china"], **kw)
    assert as_set.terms == as_list.terms


def test_coalition_takes_models_for_every_member(sc, peak):
    """Models naming all members reach each bargain one by one with its own parties."""
    g = sc.game
    true = {c: g.model for c in ("US", "CA", "MX")}
    named = bg.coalition_bargain(g, "US", ("CA", "MX"), peak, horizon=2, models=true)
    default = bg.coalition_bargain(g, "US", ("CA", "MX"), peak, horizon=2)
    assert named.members_value_joint == default.members_value_joint
    assert named.members_value_sequential == default.members_value_sequential


def test_coalition_docstring_names_its_fields():
    doc = bg.Coalition.__doc__
    section = doc.split("Attributes\n    ----------\n")[1]
    names = set()
    for line in section.splitlines():
        if line.startswith("    ") and not line.startswith("        ") and " : " in line:
            names |= {n.strip() for n in line.split(" : ")[0].split(",")}
    assert names == {f.name for f in dataclasses.fields(bg.Coalition)}


def test_docs_table_lists_every_concession():
    """docs/bargaining.md's table: each concession's parties, cost, value and claims."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "bargaining.md").read_text("utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 5:
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(bg.CONCESSIONS)
    for name, c in bg.CONCESSIONS.items():
        _, parties, cost, value, claims = rows[name]
        assert parties == f"{c.giver} → {c.receiver}", name
        assert float(cost) == pytest.approx(c.cost) and float(value) == pytest.approx(c.value)
        assert [x.strip().strip("`") for x in claims.split(",")] == list(c.claims[:2]), name


# -- what the horizon and the decision steps do to Forward --------------------------------------
def _playing(game, strategy):
    return game.replace(
        agents=tuple(dataclasses.replace(a, strategy=strategy) for a in game.agents)
    )


def test_forward_horizon_does_not_change_the_moves(sc):
    """The state is held from the first round on: every horizon weighs it delta / (1 - delta)."""
    runs = [
        ts.simulate(_playing(sc.game, ts.Forward(horizon=h, discount=0.9)), 30, seed=0).tariff
        for h in (1, 2, 50)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


def test_credible_does_not_depend_on_the_horizon():
    re_ = ts.load_scenario("rare-earth-100")
    w = re_.world
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.3)
    t = bg.Threat("US", "CN", 1.30, dt.date(2025, 11, 1))
    gains = [bg.credible(re_.game, t, s, discount=0.9, horizon=h).gain for h in (1, 2, 100)]
    np.testing.assert_allclose(gains, gains[0], rtol=1e-9)


def test_forward_without_future_is_myopic_only_with_one_decision_step(sc):
    """Paced myopic play answers at every step of a round; Forward moves once a round."""

    def series(strategy, decision_days):
        g = _playing(sc.game.replace(decision_days=decision_days), strategy)
        return ts.simulate(g, 16, seed=0).series("US", "CN")

    one = sc.game.round_days
    assert sc.game.replace(decision_days=one).steps == 1 and sc.game.steps == 7
    fwd = ts.Forward(horizon=1, discount=0.0)
    myopic = ts.MyopicBestResponse()
    np.testing.assert_array_equal(series(fwd, one), series(myopic, one))
    assert not np.array_equal(series(fwd, 1), series(myopic, 1))


def test_a_disagreement_value_beyond_any_float_is_named(sc, peak):
    # (float() of it raised a bare OverflowError)
    with pytest.raises(ParameterError, match="`disagreement` needs a finite value for 'US'"):
        bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement={"US": 10**400, "CN": 0.0})


def test_one_fentanyl_concession_per_deal(sc, peak, dis):
    """China's Busan pledge and its enforcement of precursor controls are one act: a deal
    gave both and counted both values (0.71 + 0.355 to the US); now it gives one, in the
    single-state search and in the engine's batched talks alike."""
    both = ["fentanyl_enforcement_china", "fentanyl_pledge_china", "purchases_china"]
    pool = {n: bg.concession(n) for n in both}
    subsets = bg.concession_subsets(pool)
    assert len(subsets) == 6 and frozenset(both[:2]) not in subsets
    assert frozenset() in subsets and frozenset(both[::2]) in subsets
    d = bg.nash_bargain(sc.game, ("US", "CN"), peak, disagreement=dis, concessions=both)
    assert d.agreed and not {"fentanyl_enforcement_china", "fentanyl_pledge_china"} <= set(
        d.concessions
    )
    import datetime as dt

    summit = ts.Event(dt.date(2025, 5, 12), "summit", "Geneva with fentanyl on the table",
                      parties=("US", "CN"), agenda=tuple(both))  # fmt: skip
    game = sc.game.replace(events=(*[e for e in sc.game.events if e.kind != "summit"], summit))
    for a in ts.simulate(game, 20, seed=0).agreements:
        assert not {"fentanyl_enforcement_china", "fentanyl_pledge_china"} <= set(a.concessions)


def _raise_then_hold(sc):
    """From 20% / 15% in round 9 the look-ahead of ``us-china-145`` raises to 145% / 140% in
    its second round and holds from then on."""
    w = sc.world
    return ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.2).with_tariff(w, "CN", "US", 0.15)


def test_the_carrying_on_tail_holds_without_moves(sc):
    """The disagreement point holds its look-ahead's last state forever with nothing
    moving, as a deal's steady state is valued. The tail kept the look-ahead's last move,
    so a raise in its last round was charged as unanswered in every round of the tail:
    a horizon of 2 valued China's carrying on at -52.5 against -45.6 for 3 and 4."""
    s0 = _raise_then_hold(sc)
    v = {h: bg.carry_on_value(sc.game, s0, ["US", "CN"], horizon=h, round=9) for h in (2, 3, 4)}
    for p in ("US", "CN"):
        assert v[3][p] == pytest.approx(v[4][p], rel=1e-12)  # held from round 3: no change
        # one round's charge of the unanswered raise (in the horizon-3 value only) apart
        assert abs(v[2][p] - v[3][p]) < 0.5


def test_the_batched_carrying_on_tail_holds_without_moves(sc):
    """The engine's batched disagreement point (summits and lapses) alike: its look-ahead
    cut after the raise (2 rounds) and after the first round held (3) agree to one round's
    charge of the unanswered raise."""
    from tariffsim import _talks

    summit = next(e for e in sc.game.events if e.kind == "summit")
    g = sc.game.replace(
        initial=_raise_then_hold(sc),
        start=sc.game.date(9),
        events=(dataclasses.replace(summit, when=sc.game.date(10)),),  # (its round 1)
        negotiation=dataclasses.replace(sc.game.negotiation, horizon=4),
    )
    real = _talks._carry_on_batch
    seen: list[dict] = []

    def spy(rt, look, start, models, d, h):  # type: ignore[no-untyped-def]
        if not seen:
            tau = np.asarray(look["tariff"])
            assert (tau[:, 2] == tau[:, 3]).all() and (tau[:, 2] != tau[:, 1]).any()
            cut = {h2: {k: np.asarray(v)[:, : h2 + 1] for k, v in look.items()} for h2 in (2, 3)}
            seen.append({h2: real(rt, cut[h2], start, models, d, h2) for h2 in (2, 3)})
        return real(rt, look, start, models, d, h)

    mp = pytest.MonkeyPatch()
    mp.setattr(_talks, "_carry_on_batch", spy)
    try:
        ts.simulate(g, 2, seed=0)
    finally:
        mp.undo()
    assert seen
    for p in ("US", "CN"):
        np.testing.assert_allclose(seen[0][2][p], seen[0][3][p], atol=0.5)


@pytest.mark.parametrize("d", [0.5, 0.95])
def test_a_member_settled_first_feels_the_later_deals_from_the_next_round(d, monkeypatch):
    """One by one, the member settled first is valued at its own deal, with the state the
    later deals leave held from the round after it (the bargains struck in one round). The
    later deals were counted from a round later still (a factor delta too many). The
    bargains are given (Canada's deal leaves 10% each way, Mexico's frees Mexico: Canada
    loses a partner in retaliation); the values are the payoff model's."""
    sc = ts.load_scenario("four-country-2025")
    g, w = sc.game, sc.world
    s = ts.State.zeros(w.n)
    for a, b, t in [("US", "CA", 0.35), ("US", "MX", 0.25), ("CA", "US", 0.25), ("MX", "US", 0.1)]:
        s = s.with_tariff(w, a, b, t)
    own = s.with_tariff(w, "US", "CA", 0.1).with_tariff(w, "CA", "US", 0.1)
    final = own.with_tariff(w, "US", "MX", 0.0).with_tariff(w, "MX", "US", 0.0)
    after = {("US", "CA"): own, ("US", "MX"): final}

    def bargain(game, parties, state, **kw):  # type: ignore[no-untyped-def]
        value = {p: 10.0 + i for i, p in enumerate(parties)}
        return bg.Deal(
            parties=tuple(parties), agreed=True, terms={}, concessions=(),
            disagreement=dict.fromkeys(parties, 0.0), value=value, gain=value,
            split=dict.fromkeys(parties, 1 / len(parties)), method="nash",
            state=after.get(tuple(parties), s), candidates=1,
        )  # fmt: skip

    monkeypatch.setattr(bg, "nash_bargain", bargain)
    c = bg.coalition_bargain(g, "US", ("CA", "MX"), s, discount=d)
    k = w.index("CA")

    def held(state):
        return float(np.asarray(g.model.payoff(state, prev=state))[0, k])

    assert held(final) != held(own)
    want = 11.0 + d / (1 - d) * (held(final) - held(own))
    assert c.members_value_sequential["CA"] == pytest.approx(want, rel=1e-12)
    assert c.members_value_sequential["MX"] == 11.0  # settled last
