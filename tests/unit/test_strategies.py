"""The strategies module: registry, traits, claims, and each strategy's rules."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings

import tariffsim as ts
import tariffsim.testing as tst
from tariffsim import strategies as S

W = ts.World.default()
MODEL = ts.PayoffModel(W)
ALL = (*S.ARTICLE_STRATEGIES, *S.CLASSIC_STRATEGIES)
FAST = settings(max_examples=40, deadline=None, database=None)
US_CN = tst.histories(W, me="CN", model=MODEL, max_rounds=5)


def obs(me, moves, **kw):
    return tst.observation(W, me, moves, model=MODEL, **kw)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_registered_frozen_and_traits(cls):
    assert ts.STRATEGIES[cls.name] is cls
    s = ts.make_strategy(cls.name)
    assert isinstance(s, ts.Strategy)
    assert isinstance(s.traits, ts.Traits)
    assert dataclasses.is_dataclass(s) and type(s).__dataclass_params__.frozen
    assert cls.__doc__ and "Examples" in cls.__doc__


@pytest.mark.parametrize("cls", S.ARTICLE_STRATEGIES, ids=lambda c: c.name)
def test_article_strategies_encode_existing_claims_named_in_docstring(cls):
    assert cls.traits.encodes, cls.name
    for cid in cls.traits.encodes:
        assert cid in ts.claims, cid
        assert f"``{cid}``" in " ".join(cls.__doc__.split()), cid


def test_filter_strategies():
    assert set(S.filter_strategies(stochastic=True)) == {"random", "generous-tit-for-tat"}
    assert "fictitious-play" in S.filter_strategies(uses_beliefs=True)
    low = S.filter_strategies(memory_depth=lambda d: d <= 1, stochastic=False)
    assert {"tit-for-tat", "pavlov", "always-escalate"} <= set(low)
    assert "grim-trigger" not in low
    with pytest.raises(ts.ParameterError, match="unknown trait 'colour'"):
        S.filter_strategies(colour="red")


def test_register_rejects_clash_and_non_strategy():
    with pytest.raises(ts.ParameterError, match="taken by"):
        ts.agents.register("tit-for-tat", S.Pavlov)
    with pytest.raises(ts.ParameterError, match="traits"):
        ts.agents.register("x", int)


@pytest.mark.parametrize(
    ("name", "kw", "msg"),
    [
        ("random", {"p": 1.5}, "`p` must be in"),
        ("generous-tit-for-tat", {"generosity": -0.1}, "`generosity`"),
        ("face-saving-retreat", {"recession": 2}, "`recession`"),
        ("face-saving-retreat", {"drawdown": math.nan}, "`drawdown`"),
        ("divide-and-conquer", {"patience": 0}, "`patience`"),
        ("brinkmanship", {"deadline": -1}, "`deadline`"),
        ("transactional", {"leverage": 1.5}, "`leverage`"),
    ],
)
def test_options_validated(name, kw, msg):
    with pytest.raises(ts.ParameterError, match=msg):
        ts.make_strategy(name, **kw)


# -- invariants claimed by classifiers and docstrings, checked with the toolkit ------------
NEVER_FIRST = ["tit-for-tat", "firm-but-measured", "generous-tit-for-tat",
               "contrite-tit-for-tat", "grim-trigger", "hold", "always-deescalate"]  # fmt: skip


def test_pavlov_exploits_after_its_own_unanswered_escalation():
    o = obs("CN", [{("CN", "US"): 1}])  # its own (accidental) escalation, unanswered
    with pytest.raises(AssertionError, match="pavlov escalated first on CN->US"):
        tst.assert_never_escalates_first(S.Pavlov(), o)
    tst.assert_never_escalates_first(S.Pavlov(), obs("CN", []))


@pytest.mark.parametrize("name", NEVER_FIRST)
@FAST
@given(h=US_CN)
def test_never_escalates_first(name, h):
    tst.assert_never_escalates_first(ts.make_strategy(name), h)


@pytest.mark.parametrize("name", ["firm-but-measured", "hold", "grim-trigger"])
@FAST
@given(h=US_CN)
def test_never_concedes_unilaterally(name, h):
    tst.assert_never_concedes_unilaterally(ts.make_strategy(name), h)


@pytest.mark.parametrize("name", ["tit-for-tat", "firm-but-measured", "grim-trigger"])
@FAST
@given(h=US_CN)
def test_retaliates(name, h):
    tst.assert_retaliates(ts.make_strategy(name), h)


@FAST
@given(h=US_CN)
def test_tit_for_tat_forgives_within_one_round(h):
    tst.assert_forgives_within(ts.TitForTat(), h, 1)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_grim_trigger_never_forgives(k):
    o = obs("CN", [{("US", "CN"): 1}, *([{("US", "CN"): -1}] * k)])
    with pytest.raises(AssertionError, match=f"did not forgive within {k} rounds"):
        tst.assert_forgives_within(ts.GrimTrigger(), o, k)


@pytest.mark.parametrize("name", sorted(S.filter_strategies(stochastic=False)))
@settings(max_examples=15, deadline=None, database=None)
@given(h=tst.histories(W, model=MODEL, max_rounds=4))
def test_deterministic_builtins(name, h):
    tst.assert_deterministic(ts.make_strategy(name), h)


@settings(max_examples=60, deadline=None, database=None)
@given(h=tst.histories(W, me="US", model=MODEL, max_rounds=6))
def test_face_saving_retreat_never_returns_to_zero_after_a_peak(h):
    s = S.FaceSavingRetreat(recession=0.0)  # always under pressure: always wants to cut
    o = h.observation
    moves = s.act(o, np.random.default_rng(0))
    for (me, t), m in moves.items():
        i, j = W.index(me), W.index(t)
        after = W.ladders[(me, t)].step(o.state.tariff[i, j], m)
        if o.state.tariff[i, j] > 0:
            assert after > 0, (me, t, o.state.tariff[i, j])


def test_face_saving_retreat_cuts_under_pressure_only_when_not_under_fire():
    s = S.FaceSavingRetreat(recession=0.0)
    up = [{("US", "CN"): 1}] * 3
    assert s.act(obs("US", up, targets=["CN"]), None)[("US", "CN")] == -1
    fire = [*up, {("CN", "US"): 1}]
    assert s.act(obs("US", fire, targets=["CN"]), None)[("US", "CN")] == 0
    low = [{("US", "CN"): 1}]  # at 10%, the lowest positive rung: never to zero
    assert s.act(obs("US", low, targets=["CN"]), None)[("US", "CN")] == 0


def test_face_saving_retreat_escalates_only_while_it_pays():
    calm = S.FaceSavingRetreat(recession=1.0, drawdown=1e9, approval=0.0)
    o = obs("US", [], targets=["CN"])
    hold, up = S._one_step_payoffs(o, ("US", "CN"), (0, 1))
    assert calm.act(o, None)[("US", "CN")] == (1 if up > hold else 0)
    believer = MODEL.replace(params=MODEL.params.with_dyad(W, "pass_through", "US", "CN", 0.0))
    o2 = tst.observation(W, "US", [], model=believer, targets=["CN"])
    hold2, up2 = S._one_step_payoffs(o2, ("US", "CN"), (0, 1))
    assert up2 - hold2 > up - hold  # believing China pays makes escalation look better


def test_firm_but_measured_matches_and_answers_in_kind():
    s = S.FirmButMeasured()
    assert s.act(obs("CN", [{("US", "CN"): 1}], targets=["US"]), None)[("CN", "US")] == 1
    cut = [{("US", "CN"): 1, ("CN", "US"): 1}, {("US", "CN"): -1}]
    assert s.act(obs("CN", cut, targets=["US"]), None)[("CN", "US")] == -1
    behind = [{("US", "CN"): 1}, {("US", "CN"): 1}, {("CN", "US"): 1}, {}]
    assert s.act(obs("CN", behind, targets=["US"]), None)[("CN", "US")] == 1
    level = [{("US", "CN"): 1, ("CN", "US"): 1}, {}]
    assert s.act(obs("CN", level, targets=["US"]), None)[("CN", "US")] == 0


def test_pavlov_win_stay_lose_shift():
    p = S.Pavlov()
    d = ("CN", "US")
    assert p.act(obs("CN", [], targets=["US"]), None)[d] == -1
    assert p.act(obs("CN", [{("US", "CN"): 1}], targets=["US"]), None)[d] == 1
    both = [{("US", "CN"): 1, ("CN", "US"): 1}]
    assert p.act(obs("CN", both, targets=["US"]), None)[d] == -1
    mine = [{("CN", "US"): 1}]
    assert p.act(obs("CN", mine, targets=["US"]), None)[d] == 1


def test_contrite_tit_for_tat_undoes_its_own_error():
    s = S.ContriteTitForTat()
    d = ("CN", "US")
    err = [{}, {("CN", "US"): 1}]  # CN escalated with no provocation: an execution error
    assert s.act(obs("CN", err, targets=["US"]), None)[d] == -1
    answered = [{}, {("CN", "US"): 1}, {("US", "CN"): 1, ("CN", "US"): -1}]
    assert s.act(obs("CN", answered, targets=["US"]), None)[d] == 0
    assert ts.TitForTat().act(obs("CN", answered, targets=["US"]), None)[d] == 1


def test_generous_tit_for_tat_sometimes_forgives():
    s = S.GenerousTitForTat(generosity=0.5)
    o = obs("CN", [{("US", "CN"): 1}], targets=["US"])
    moves = {s.act(o, np.random.default_rng(k))[("CN", "US")] for k in range(40)}
    assert moves == {0, 1}
    assert S.GenerousTitForTat(0.0).act(o, np.random.default_rng(0))[("CN", "US")] == 1


def test_random_respects_p():
    o = obs("US", [])
    esc = [S.Random(0.8).act(o, np.random.default_rng(k))[("US", "CN")] for k in range(400)]
    assert 0.7 < np.mean(np.array(esc) == 1) < 0.9
    assert set(S.Random(0.0).act(o, np.random.default_rng(1)).values()) == {-1}


def test_fictitious_player_best_responds_to_beliefs():
    s = S.FictitiousPlayer()
    o = obs("CN", [{("US", "CN"): 1}] * 3, targets=["US"])
    m = s.act(o, None)[("CN", "US")]
    assert m in (-1, 0, 1)
    # against the truth, tariffs hurt the importer: from free trade, with no reason to
    # mirror a partner (reciprocity weight 0), it never escalates
    econ = ts.PayoffModel(W, MODEL.params.replace(reciprocity_weight=np.zeros(W.n)))
    free = tst.observation(W, "CN", [], model=econ, targets=["US"])
    assert s.act(free, None)[("CN", "US")] <= 0
    # China's reciprocity makes it hedge against a partner it expects to escalate
    # (one pseudo-count in three), but not against one that has kept holding
    assert s.act(obs("CN", [], targets=["US"]), None)[("CN", "US")] == 1
    assert s.act(obs("CN", [{}] * 6, targets=["US"]), None)[("CN", "US")] <= 0


def test_divide_and_conquer_settles_canada_first_then_turns_on_china():
    s = S.DivideAndConquer(patience=2)
    game = ts.Game(W, MODEL, agents=(ts.Agent("US", s, ("CN", "CA", "MX")),), rounds=8)
    p = ts.simulate(game, seed=0)
    ca, mx, cn = p.series("US", "CA"), p.series("US", "MX"), p.series("US", "CN")
    assert ca[2] > 0 and mx[2] > 0 and cn[2] == 0  # phase 0: press both neighbours
    assert ca[4] < ca[2] and mx[4] >= mx[2]  # phase 1: Canada settled, Mexico left alone
    assert cn[4] == 0 and cn[-1] > 0  # the real target last
    assert cn.argmax() > 4


def test_divide_and_conquer_settles_with_a_partner_that_concedes():
    s = S.DivideAndConquer(patience=100)
    moves = [{("US", "MX"): 1, ("MX", "US"): 1}, {("MX", "US"): -1}]
    o = obs("US", moves, targets=["CN", "CA", "MX"])
    out = s.act(o, None)
    assert out[("US", "MX")] == -1 and out[("US", "CA")] == 1 and out[("US", "CN")] == 0


def test_brinkmanship_deadline_and_buy_off():
    s = S.Brinkmanship(deadline=2, announce=1)
    d = ("US", "CN")
    assert s.act(obs("US", [], targets=["CN"]), None)[d] == 0  # round 1: announced
    assert s.act(obs("US", [{}], targets=["CN"]), None)[d] == 0  # round 2
    assert s.act(obs("US", [{}, {}], targets=["CN"]), None)[d] == 1  # round 3: deadline
    paid = [{("CN", "US"): 1}, {("CN", "US"): -1}]
    assert s.act(obs("US", paid, targets=["CN"]), None)[d] == -1  # bought off: answers a cut


def test_transactional_builds_leverage_then_pressures_holdouts():
    s = S.TransactionalDealmaker(leverage=1)
    o = obs("US", [], targets=["CN", "CA"])
    assert s.act(o, None) == {("US", "CN"): 1, ("US", "CA"): 1}
    deal = [{("US", "CN"): 1, ("US", "CA"): 1}, {("CA", "US"): 1}, {("CA", "US"): -1}]
    out = s.act(obs("US", deal, targets=["CN", "CA"]), None)
    assert out[("US", "CA")] == -1  # trades a cut for a cut
    assert out[("US", "CN")] == 1  # and leans on the holdout


def test_article_strategies_play_the_scenario():
    sc = ts.load_scenario("us-china-145")
    agents = (
        dataclasses.replace(sc.game.agents[0], strategy=S.FaceSavingRetreat()),
        dataclasses.replace(sc.game.agents[1], strategy=S.FirmButMeasured()),
    )
    p = ts.simulate(sc.game.replace(agents=agents), seed=0)
    tst.assert_on_ladder(sc.world, p)
    tst.assert_payoffs_finite(p)
    us = p.series("US", "CN")
    assert us.max() > 0 and us[-1] > 0  # never eliminated after the peak


def test_a_misspelt_strategy_name_is_answered_with_the_near_ones(tmp_path) -> None:
    """'titfortat' listed eighteen names; the scenario loader's several problems ran their
    sentences together ('got (0.24, 0.1, 0.0).; agents[0]...')."""
    from tariffsim.cli import _one_line
    from tariffsim.errors import ScenarioError, UnknownNameError

    with pytest.raises(UnknownNameError, match="did you mean 'tit-for-tat' or "):
        ts.make_strategy("titfortat")
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\nname = "x"\n[[agents]]\ncountry = "US"\nstrategy = "titfortat"\n'
                   '[world.ladders]\n"US-JP" = [0.24, 0.1, 0.0]\n')  # fmt: skip
    with pytest.raises(ScenarioError) as err:
        ts.load_scenario(bad)
    line = _one_line(str(err.value))
    assert "got (0.24, 0.1, 0.0); agents[0].strategy: unknown strategy 'titfortat'; did you " \
           "mean 'tit-for-tat'" in line  # fmt: skip
    assert ".;" not in line
    with pytest.raises(ts.errors.ParameterError, match="did you mean 'pavlov'"):
        ts.tournament.lineup_tournament(
            "us-china-145", ["pavlov", "hold"], lineups=[("pavlovv", "hold")], rounds=2
        )


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"stochastic": "no"}, "Traits.stochastic must be True or False; got 'no'"),
        ({"memory_depth": -1}, "Traits.memory_depth must be a number of rounds >= 0"),
        ({"encodes": "abc"}, "Traits.encodes must be a tuple of claim ids; got 'abc'"),
        ({"paced": True, "stochastic": True}, "a stochastic strategy cannot be paced"),
    ],
)
def test_traits_are_checked(kw: dict[str, object], says: str) -> None:
    """The engine reads them: "no" was taken as stochastic (a truthy text), and a paced
    stochastic strategy was played once a round without a word."""
    with pytest.raises(ts.ParameterError, match=says):
        ts.Traits(**kw)  # type: ignore[arg-type]


def test_a_dyad_is_spelt_as_everywhere_and_one_target_is_one() -> None:
    """``apply_moves`` takes "US-CN" and "US->CN" as the rest of tariffsim does (it raised
    "too many values to unpack"); one target given as a text is one target, not its letters."""
    w = ts.World.default()
    s = ts.State.zeros(w.n)
    want = ts.apply_moves(w, s, {("US", "CN"): 1}).tariff
    for key in ("US-CN", "US->CN"):
        assert np.array_equal(ts.apply_moves(w, s, {key: 1}).tariff, want)
    for bad in ({("US",): 1}, {None: 1}, [1, 2]):
        with pytest.raises(ts.ParameterError, match="`moves`"):
            ts.apply_moves(w, s, bad)  # type: ignore[arg-type]
    assert ts.Agent("CN", ts.make_strategy("hold"), "US").targets == ("US",)  # type: ignore[arg-type]
    obs = tst.observation(w, "CN", [{"US-CN": 1}], targets="US")  # type: ignore[arg-type]
    assert obs.targets == (("CN", "US"),) and obs.last_change("US", "CN") > 0


def test_a_strategy_naming_a_country_its_agent_does_not_target_is_refused(tmp_path) -> None:
    """divide-and-conquer's real target and settlement order name the agent's targets: an
    unknown or foreign code was accepted and ignored (the strategy played its default)."""
    sc = ts.load_scenario("four-country-2025")
    cases = [({"target": "XX"}, r"strategy\.target: 'XX' is not a target of US"),
             ({"target": "JP"}, r"strategy\.target: 'JP' is not a target of US"),
             ({"order": ("XX", "CA")}, r"strategy\.order: 'XX' is not a target")]  # fmt: skip
    for kw, says in cases:
        with pytest.raises(ts.ParameterError, match=says):
            sc.with_strategy("US", "divide-and-conquer", **kw)
    ok = sc.with_strategy("US", "divide-and-conquer", target="CN", order=("CA", "MX"))
    assert ok.game.agents[0].strategy.target == "CN"
