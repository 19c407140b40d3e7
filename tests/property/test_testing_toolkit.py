"""tariffsim.testing: generators give valid objects; every check can fail."""

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tariffsim as ts
import tariffsim.testing as tst
from tariffsim import equilibrium as eq

OK = settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
HUNT = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
W = ts.World.default()
MODEL = ts.PayoffModel(W)


def test_import_tariffsim_does_not_import_hypothesis():
    code = "import sys, tariffsim; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_profiles_registered():
    from hypothesis import settings as s

    assert s.get_profile("tariffsim-ci").max_examples == 50
    assert s.get_profile("tariffsim-deep").max_examples == 2000


# -- every generated object is valid -----------------------------------------------------------
@OK
@given(c=tst.countries(min_gdp=1, max_gdp=3))
def test_countries(c):
    assert 1 <= c.gdp <= 3 and c.code in tst.CODES


@settings(max_examples=5, deadline=None, database=None, derandomize=True)
@given(m=tst.trade_matrices(n=100))
def test_the_largest_trade_matrices_pass_the_health_checks(m):
    """A list of every flow failed hypothesis's large-base-example check from 50 countries."""
    assert m.shape == (100, 100) and (np.diag(m) == 0).all() and (m >= 0).all()


@OK
@given(m=tst.trade_matrices(min_n=2, max_n=5, max_value=50))
def test_trade_matrices(m):
    n = m.shape[0]
    assert 2 <= n <= 5 and m.shape == (n, n)
    assert (m >= 0).all() and (m <= 50).all() and (np.diag(m) == 0).all()


@OK
@given(lad=tst.ladders(min_rungs=2, max_rungs=4, max_level=1.5))
def test_ladders(lad):
    assert 2 <= len(lad) <= 4 and lad.levels[0] == 0 and lad.levels[-1] <= 1.5
    assert ts.Ladder(lad.levels) == lad


@OK
@given(w=tst.worlds(max_countries=4, all_dyads=False))
def test_worlds_valid(w):
    assert 2 <= w.n <= 4 and w.ladders
    assert dataclasses.replace(w).codes == w.codes  # passes validation again


@OK
@given(data=st.data())
def test_states_on_ladder_and_consistent(data):
    w = data.draw(tst.worlds())
    s = data.draw(tst.states(w))
    tst.assert_on_ladder(w, s)
    tst.assert_on_ladder(w, s.tariff - s.moved)  # the previous state too
    assert (s.peak >= s.tariff).all()


@OK
@given(data=st.data())
def test_payoff_models_finite(data):
    m = data.draw(tst.payoff_models(vary_weights=True))
    s = data.draw(tst.states(m.world))
    tst.assert_payoffs_finite(m, s)


@OK
@given(g=tst.stage_games(max_players=3, max_actions=3))
def test_stage_games_and_pure_nash_is_nash(g):
    assert 2 <= g.n_players <= 3
    for profile in eq.pure_nash(g):
        tst.assert_nash(g, profile)


@settings(max_examples=15, deadline=None, database=None)
@given(g=tst.games(max_rounds=5), seed=st.integers(0, 2**32 - 1))
def test_games_simulate_on_ladder_and_finite(g, seed):
    p = ts.simulate(g, seed=seed)
    tst.assert_on_ladder(g.world, p)
    tst.assert_payoffs_finite(p)
    q = ts.simulate(g, seed=seed)
    np.testing.assert_array_equal(p.tariff, q.tariff)


@OK
@given(h=tst.histories(max_rounds=4))
def test_histories_consistent(h):
    o = h.observation
    assert o.round == len(h.moves) + 1 == len(o.history) + 1
    assert all(d[0] == h.me for d in o.targets)
    tst.assert_on_ladder(h.world, o.state)
    assert repr(h).startswith("History(me=")


@OK
@given(s=tst.builtin_strategies(), h=tst.histories(W, model=MODEL, max_rounds=3))
def test_builtin_strategies_give_valid_moves(s, h):
    moves = s.act(h.observation, np.random.default_rng(0))
    assert set(moves) <= set(h.observation.targets)
    assert set(moves.values()) <= {-1, 0, 1}


def test_generator_arguments_validated():
    with pytest.raises(ts.ParameterError, match="min_gdp"):
        tst.countries(min_gdp=0)
    with pytest.raises(ts.ParameterError, match="min_rungs"):
        tst.ladders(min_rungs=3, max_rungs=2)
    with pytest.raises(ts.ParameterError, match="no registered strategy"):
        tst.builtin_strategies(memory_depth=99)


# -- every check catches a deliberately broken strategy ----------------------------------------
@dataclasses.dataclass(frozen=True)
class SneakyTitForTat:
    """Tit-for-tat, except that it escalates unprovoked in round 3."""

    name = "sneaky"
    traits = ts.Traits()

    def act(self, obs, rng):
        out = ts.TitForTat().act(obs, rng)
        return {d: 1 if obs.round == 3 else m for d, m in out.items()}


@dataclasses.dataclass(frozen=True)
class SoftFirm:
    """Firm-but-measured that cuts unilaterally once its tariff passes 20%."""

    name = "soft-firm"
    traits = ts.Traits()

    def act(self, obs, rng):
        out = ts.make_strategy("firm-but-measured").act(obs, rng)
        return {(a, b): -1 if obs.level(a, b) > 0.2 and m == 0 else m for (a, b), m in out.items()}


@dataclasses.dataclass(frozen=True)
class Dove:
    """Never answers an escalation (it holds)."""

    name = "dove"
    traits = ts.Traits()

    def act(self, obs, rng):
        return dict.fromkeys(obs.targets, 0)


@dataclasses.dataclass(frozen=True)
class SecretlyRandom:
    """Claims to be deterministic but draws from its rng."""

    name = "secretly-random"
    traits = ts.Traits(stochastic=False)

    def act(self, obs, rng):
        return {d: int(rng.integers(-1, 2)) for d in obs.targets}


@dataclasses.dataclass(frozen=True)
class Stateful:
    """Keeps a mutable counter between calls."""

    name = "stateful"
    traits = ts.Traits()
    calls: list = dataclasses.field(default_factory=list)

    def act(self, obs, rng):
        self.calls.append(1)
        return dict.fromkeys(obs.targets, 1 if len(self.calls) % 2 else 0)


HISTORIES = tst.histories(W, me="CN", model=MODEL, max_rounds=5)


def _hunt(check, strategy, **kw):
    @HUNT
    @given(h=HISTORIES)
    def prop(h):
        check(strategy, h, **kw)

    with pytest.raises(AssertionError) as info:
        prop()
    return str(info.value)


def test_escalates_first_is_caught():
    msg = _hunt(tst.assert_never_escalates_first, SneakyTitForTat())
    assert "sneaky escalated first on CN->US" in msg and "counterexample: round 3" in msg


def test_unilateral_concession_is_caught():
    msg = _hunt(tst.assert_never_concedes_unilaterally, SoftFirm())
    assert "soft-firm conceded unilaterally on CN->US" in msg


def test_no_retaliation_is_caught():
    assert "dove did not retaliate on CN->US" in _hunt(tst.assert_retaliates, Dove())


def test_grudge_is_caught():
    msg = _hunt(tst.assert_forgives_within, ts.GrimTrigger(), k=2)
    assert "grim-trigger did not forgive within 2 rounds" in msg


def test_hidden_randomness_is_caught():
    assert "says it is not stochastic" in _hunt(tst.assert_deterministic, SecretlyRandom())


def test_mutable_state_is_caught():
    assert "chose different moves for the same" in _hunt(tst.assert_deterministic, Stateful())


def test_off_ladder_is_caught():
    s = ts.State.zeros(W.n).with_tariff(W, "CN", "US", 0.2)
    with pytest.raises(AssertionError, match=r"CN->US = 0.2 is not on its ladder"):
        tst.assert_on_ladder(W, s)
    with pytest.raises(AssertionError, match="row 1"):
        tst.assert_on_ladder(W, np.stack([np.zeros((W.n, W.n)), s.tariff]))


def test_non_equilibrium_is_caught():
    pd = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    with pytest.raises(AssertionError, match="Player 1 gains 2 by playing action '1'"):
        tst.assert_nash(pd, (0, 0))
    with pytest.raises(AssertionError, match=r"\(\[0.5, 0.5\], 1\)"):
        tst.assert_nash(pd, ([0.5, 0.5], 1))


def test_non_finite_payoff_is_caught():
    bd = MODEL.breakdown(ts.State.zeros(W.n))
    terms = dict(bd.terms)
    terms["face"] = np.where(np.arange(W.n) == 2, np.nan, terms["face"])
    broken = dataclasses.replace(bd, terms=terms)
    with pytest.raises(AssertionError, match=r"term 'face' is not finite: nan at index \(0, 2\)"):
        tst.assert_payoffs_finite(broken)


def test_invalid_move_is_caught():
    @dataclasses.dataclass(frozen=True)
    class Jumper:
        name = "jumper"
        traits = ts.Traits()

        def act(self, obs, rng):
            return dict.fromkeys(obs.targets, 2)

    with pytest.raises(
        AssertionError,
        match=r"jumper failed assert_retaliates: strategy 'jumper' of CN returned move 2",
    ):
        tst.assert_retaliates(Jumper(), tst.observation(W, "CN", []))


# -- the checks apply simulate's contract for what act returns ----------------------------------
@dataclasses.dataclass(frozen=True)
class OtherDyad:
    """Moves on the partner's tariff on it, not on its own (simulate refuses it)."""

    name = "otherdyad"
    traits = ts.Traits(memory_depth=1)

    def act(self, obs, rng):
        return {(t, me): 1 for me, t in obs.targets}


@dataclasses.dataclass(frozen=True)
class ReturnsNone:
    """Forgets to return its moves."""

    name = "returns-none"
    traits = ts.Traits(memory_depth=1)

    def act(self, obs, rng):
        return None


CHECKS = {
    "assert_never_escalates_first": tst.assert_never_escalates_first,
    "assert_never_concedes_unilaterally": tst.assert_never_concedes_unilaterally,
    "assert_retaliates": tst.assert_retaliates,
    "assert_forgives_within": tst.assert_forgives_within,
    "assert_deterministic": tst.assert_deterministic,
}
REFUSED = {
    OtherDyad(): r"returned moves on \[\"\('US', 'CN'\)\"\]",
    ReturnsNone(): "returned None",
}


def _simulate_error(strategy):
    """simulate's own refusal of ``strategy`` playing China in the US-China game."""
    game = ts.load_scenario("us-china-145").game
    agents = tuple(
        dataclasses.replace(a, strategy=strategy) if a.code == "CN" else a for a in game.agents
    )
    with pytest.raises(ts.ParameterError) as info:
        ts.simulate(game.replace(agents=agents), 3, seed=0)
    return str(info.value)


@pytest.mark.parametrize("strategy", list(REFUSED), ids=lambda s: s.name)
@pytest.mark.parametrize("check", list(CHECKS))
def test_what_simulate_refuses_fails_every_check(check, strategy):
    """Moves on a dyad the agent does not control passed every check; None raised a bare
    AttributeError from testing.py. Now: an AssertionError naming the strategy and the
    check, with the message simulate gives."""
    engine = _simulate_error(strategy)
    assert "act must return a mapping of its targets" in engine
    with pytest.raises(AssertionError) as info:
        CHECKS[check](strategy, tst.observation(W, "CN", [{("US", "CN"): 1}]))
    msg = str(info.value)
    assert msg.startswith(f"{strategy.name} failed {check}: strategy '{strategy.name}' of CN ")
    assert re.search(REFUSED[strategy], msg), msg
    assert engine.split("; ")[-1] in msg  # the engine's rule, word for word
    assert "counterexample: round 2" in msg


@pytest.mark.parametrize("strategy", list(REFUSED), ids=lambda s: s.name)
def test_what_simulate_refuses_fails_on_every_history(strategy):
    @OK
    @given(h=HISTORIES)
    def prop(h):
        for name, check in CHECKS.items():
            with pytest.raises(AssertionError, match=f"{strategy.name} failed {name}"):
                check(strategy, h)

    prop()


def test_moves_simulate_accepts_pass():
    """Numpy integers and dyads left out (they hold) are what simulate accepts too."""

    @dataclasses.dataclass(frozen=True)
    class Terse:
        name = "terse"
        traits = ts.Traits()

        def act(self, obs, rng):
            return {d: np.int64(1) for d in obs.targets[:0]}

    obs = tst.observation(W, "CN", [{("US", "CN"): 1}])
    for name, check in CHECKS.items():
        if name != "assert_retaliates":
            check(Terse(), obs)
    with pytest.raises(AssertionError, match="terse did not retaliate on CN->US"):
        tst.assert_retaliates(Terse(), obs)


# -- assert_deterministic tells kept state from hidden randomness -------------------------------
@dataclasses.dataclass(frozen=True)
class EveryNthCall:
    """Escalates on every ``period``-th call, whatever it sees: a call counter, no rng."""

    period: int = 3
    name = "every-nth"
    traits = ts.Traits(stochastic=False)
    calls: list = dataclasses.field(default_factory=list)

    def act(self, obs, rng):
        self.calls.append(1)
        return dict.fromkeys(obs.targets, 1 if len(self.calls) % self.period == 0 else 0)


def test_a_call_counter_is_blamed_on_kept_state_not_the_rng():
    """It was reported as 'says it is not stochastic ... but its moves depend on the rng'."""
    with pytest.raises(AssertionError) as info:
        tst.assert_deterministic(EveryNthCall(), tst.observation(W, "CN", []))
    msg = str(info.value)
    assert "depend on the rng" not in msg and "not stochastic" not in msg
    assert "every-nth chose different moves for the same observation and seed 0" in msg
    assert "{CN->US: +0} on call 1, {CN->US: +1} on call 3 with that seed" in msg
    assert "it keeps state between calls, or reads something other than its arguments" in msg


@pytest.mark.parametrize("period", [2, 3, 4, 5, 9, 10])
def test_a_call_counter_of_any_period_is_blamed_on_kept_state(period):
    """A longer period slips past the first same-seed calls; the seed that then seems to
    change the moves is retried before the rng is blamed."""
    with pytest.raises(AssertionError, match="keeps state between calls") as info:
        tst.assert_deterministic(EveryNthCall(period), tst.observation(W, "CN", []))
    assert "depend on the rng" not in str(info.value)


def test_hidden_randomness_still_blamed_on_the_rng():
    with pytest.raises(AssertionError, match="says it is not stochastic") as info:
        tst.assert_deterministic(SecretlyRandom(), tst.observation(W, "CN", []))
    assert "keeps state" not in str(info.value)


# -- assert_nash reads tol relative to each player's payoff range, as the solvers do -----------
PD = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])


def _verdict(game, profile, tol=1e-8):
    try:
        tst.assert_nash(game, profile, tol=tol)
    except AssertionError:
        return False
    return True


def _affine(game, scale, shift):
    return eq.NormalFormGame(game.payoff_array * scale + shift)


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1.0, 1e6, 1e9])
def test_scaled_prisoners_dilemma(scale):
    """Scaled by 1e-9, the absolute tol passed (0, 0): a gain of 2e-9 < 1e-8."""
    g = _affine(PD, scale, 0.0)
    tst.assert_nash(g, (1, 1))
    with pytest.raises(AssertionError) as info:
        tst.assert_nash(g, (0, 0))
    msg = str(info.value)
    assert f"Player 1 gains {2 * scale:g} by playing action '1'" in msg  # payoff units
    assert f"0.4 of its payoff range {5 * scale:g}" in msg  # relative
    assert "relative regret 0.4 > tol 1e-08" in msg


@pytest.mark.parametrize("seed", range(40))
def test_support_enumeration_equilibria_of_scaled_games_pass(seed):
    """On random 3x3 games x 1e9 a third of support_enumeration's equilibria failed."""
    rng = np.random.default_rng(seed)
    base = eq.NormalFormGame(rng.uniform(-1, 1, size=(2, 3, 3)))
    for scale in (1e-9, 1.0, 1e9):
        g = _affine(base, scale, 0.0)
        found = eq.support_enumeration(g).equilibria
        assert found
        for profile in found:
            tst.assert_nash(g, profile)


@settings(max_examples=60)  # on the project's derandomized profile (conftest.py)
@given(
    g=tst.stage_games(max_players=3, max_actions=3),
    data=st.data(),
    scale=st.sampled_from([1e-9, 1e-3, 0.37, 1.0, 1e4, 1e9]),
    shift=st.sampled_from([-1e3, -1.0, 0.0, 2.5, 1e3]),
)
def test_assert_nash_verdict_is_scale_and_shift_invariant(g, data, scale, shift):
    """Multiplying every payoff by a positive constant, or adding one, changes no verdict."""
    profile = tuple(
        data.draw(
            st.one_of(
                st.integers(0, a - 1),
                st.lists(st.integers(0, 4), min_size=a, max_size=a)
                .filter(any)
                .map(lambda w: [x / sum(w) for x in w]),
            )
        )
        for a in g.shape
    )
    for tol in (1e-8, 0.0537, 0.3141):  # (no whole-payoff regret lands on a tol exactly)
        expected = _verdict(g, profile, tol)
        assert _verdict(_affine(g, scale, 0.0), profile, tol) == expected
        assert _verdict(_affine(g, 1.0, shift), profile, tol) == expected
        # both at once; the shift in the scaled units (1e3 + 1e-9 * u would not keep u's digits)
        assert _verdict(_affine(g, scale, shift * scale), profile, tol) == expected


def test_assert_nash_tol_validated():
    for bad in (-1e-3, float("nan"), float("inf"), "1e-8"):
        with pytest.raises(ts.ParameterError, match="tol"):
            tst.assert_nash(PD, (1, 1), tol=bad)
    tst.assert_nash(PD, (1, 1), tol=0)


# -- what is not a Strategy at all is refused by every check, as simulate refuses it -------------
class _NoName:
    traits = ts.Traits()

    def act(self, obs, rng):
        return {}


class _NoTraits:
    name = "no-traits"

    def act(self, obs, rng):
        return {}


@pytest.mark.parametrize("strategy", [_NoName(), _NoTraits()], ids=["no name", "no traits"])
@pytest.mark.parametrize("check", list(CHECKS))
def test_what_is_no_strategy_is_refused_by_every_check_with_the_engine_message(check, strategy):
    """Before: an object without a name passed four checks silently and made
    assert_retaliates raise a bare AttributeError; one without traits made
    assert_deterministic raise one. It is no failed property either (no counterexample
    could show what is wrong): a ParameterError, as simulate's."""
    engine = _simulate_error(strategy)
    lacks = "name" if isinstance(strategy, _NoName) else "traits"
    assert f"this one has no {lacks}" in engine
    with pytest.raises(ts.errors.ParameterError, match="strategy: not a Strategy") as e:
        CHECKS[check](strategy, tst.observation(W, "CN", [{("US", "CN"): 1}]))
    assert f"this one has no {lacks}" in str(e.value)


def _two_country_world():
    from hypothesis import find

    return find(tst.worlds(max_countries=2), lambda x: True)


_BAD_ARGUMENTS = {
    "trade_matrices max_value inf": (
        lambda: tst.trade_matrices(max_value=float("inf")),
        "max_value",
    ),
    "trade_matrices max_value nan": (
        lambda: tst.trade_matrices(max_value=float("nan")),
        "max_value",
    ),
    "trade_matrices max_value text": (lambda: tst.trade_matrices(max_value="5"), "max_value"),
    "trade_matrices max_value 10**400": (
        lambda: tst.trade_matrices(max_value=10**400),
        "`max_value` must be at most 2\\*\\*53",
    ),
    "worlds max_trade 10**400": (lambda: tst.worlds(max_trade=10**400), "`max_trade` must be"),
    "stage_games max_payoff 10**400": (
        lambda: tst.stage_games(max_payoff=10**400),
        "`max_payoff` must be within",
    ),
    "histories max_rounds 10**12": (
        lambda: tst.histories(W, max_rounds=10**12),
        r"`max_rounds` \+ 1 \(the round observed\): 1000000000001 exceeds the limit max_rounds",
    ),
    "games max_rounds 10**12": (lambda: tst.games(max_rounds=10**12), "exceeds the limit"),
    "trade_matrices n 2.5": (lambda: tst.trade_matrices(n=2.5), "`n`"),
    "ladders max_level nan": (lambda: tst.ladders(max_level=float("nan")), "max_level"),
    "ladders max_level inf": (lambda: tst.ladders(max_level=float("inf")), "max_level"),
    "ladders max_level text": (lambda: tst.ladders(max_level="2"), "max_level"),
    "games max_noise -1": (lambda: tst.games(max_noise=-1), "max_noise"),
    "games max_noise nan": (lambda: tst.games(max_noise=float("nan")), "max_noise"),
    "games max_noise 2": (lambda: tst.games(max_noise=2), "max_noise"),
    "games strategies": (lambda: tst.games(strategies=ts.TitForTat()), "strategies"),
    "countries no codes": (lambda: tst.countries(codes=()), "codes"),
    "countries bad code": (lambda: tst.countries(codes=("a",)), "codes"),
    "states world 3": (lambda: tst.states(3), "world"),
    "payoff_models world text": (lambda: tst.payoff_models("x"), "world"),
    "observation moves 3": (lambda: tst.observation(W, "US", 3), "moves"),
    "observation round 3": (lambda: tst.observation(W, "US", [{}, 3]), r"moves\[1\]"),
    "worlds max_rungs 1": (lambda: tst.worlds(max_rungs=1), "max_rungs"),
    "worlds max_trade -1": (lambda: tst.worlds(max_trade=-1), "max_trade"),
    "stage_games min_actions 0": (lambda: tst.stage_games(min_actions=0), "min_actions"),
    "stage_games players 2.5": (lambda: tst.stage_games(max_players=2.5), "max_players"),
    "histories max_rounds -1": (lambda: tst.histories(max_rounds=-1), "max_rounds"),
    "histories me": (lambda: tst.histories(W, me="JP"), "`me`"),
    "histories model of another world": (
        lambda: tst.histories(W, model=ts.PayoffModel(_two_country_world())),
        "`model` is a model of countries A, B",
    ),
    "assert_deterministic seed -1": (
        lambda: tst.assert_deterministic(ts.TitForTat(), tst.observation(W, "US", []), seed=-1),
        "seed",
    ),
    "assert_retaliates rng -1": (
        lambda: tst.assert_retaliates(ts.TitForTat(), tst.observation(W, "CN", []), rng=-1),
        "rng",
    ),
    # a tariff's bound: refused at random while drawing, naming `levels`
    "ladders max_level 12": (lambda: tst.ladders(max_level=12), "`max_level`"),
    "ladders max_level 0.004": (lambda: tst.ladders(max_level=0.004, max_rungs=1), "`max_level`"),
    "countries max_gdp 1e308": (lambda: tst.countries(max_gdp=1e308), "`max_gdp`"),  # Overflow
    "trade_matrices n 2000": (lambda: tst.trade_matrices(n=2000), "`n` must be at most 100"),
    "trade_matrices max_n 101": (lambda: tst.trade_matrices(max_n=101), "`max_n`"),
    "observation initial of 2": (  # an IndexError once a check read it
        lambda: tst.observation(W, "US", [], initial=ts.State.zeros(2)),
        "`initial` is a state of 2 countries",
    ),
    "observation me XX": (lambda: tst.observation(W, "XX", []), "`me`"),
    # a history of max_rounds rounds is observed in round max_rounds + 1: refused mid-draw
    "histories max_rounds 2000": (
        lambda: tst.histories(W, me="CN", max_rounds=2000),
        r"`max_rounds` \+ 1 \(the round observed\): 2001 exceeds",
    ),
}


@pytest.mark.parametrize("case", list(_BAD_ARGUMENTS))
def test_bad_generator_and_check_arguments_are_named_when_given(case):
    """Before: bare OverflowError, ValueError, TypeError, AttributeError or hypothesis'
    InvalidArgument, some only when a value was drawn, some naming an argument the caller
    never passed (min_rungs for max_rungs, max_value for max_trade, noise for max_noise)."""
    make, name = _BAD_ARGUMENTS[case]
    with pytest.raises(ts.ParameterError, match=name):
        make()  # at construction: nothing drawn


def test_histories_of_a_model_alone_take_its_world():
    model = ts.PayoffModel(_two_country_world())

    @OK
    @given(h=tst.histories(model=model, max_rounds=2))
    def prop(h):
        assert h.world is model.world and h.model is model

    prop()


def test_assert_on_ladder_refuses_what_is_not_of_its_world():
    """Before: a 10-country state passed against a 2-country world, a US-CN tariff was
    reported as A->B, and a 3x3 array raised a bare ValueError."""
    w2 = _two_country_world()
    p = ts.simulate(ts.load_scenario("us-china-145").game, 2, seed=0)
    for x in (ts.State.zeros(10), np.zeros((3, 3))):
        with pytest.raises(ts.ParameterError, match="the world has 2 countries"):
            tst.assert_on_ladder(w2, x)
    with pytest.raises(ts.ParameterError, match="a path of countries US, CN"):
        tst.assert_on_ladder(w2, p)
    tst.assert_on_ladder(p_world := ts.load_scenario("us-china-145").game.world, p)
    with pytest.raises(AssertionError, match=r"US->CN = 0\.5"):
        tst.assert_on_ladder(p_world, ts.State.zeros(10).with_tariff(p_world, "US", "CN", 0.5))


def _every_builtin() -> list[ts.Strategy]:
    return [ts.make_strategy(n) for n in sorted(ts.agents.STRATEGIES) if n != "scripted"]


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_every_builtin_strategy_plays_its_act_through_act_batch(name: str) -> None:
    """The engine plays act_batch; the strategy checks read act: the two must agree in play,
    for every built-in, seated as one country or as all of them, noise included."""
    g = ts.load_scenario(name).game.replace(noise=0.05)
    for s in _every_builtin():
        tst.assert_batch_matches_act(s, g, country="CN", rounds=20, seeds=(0, 7, 11))
        tst.assert_batch_matches_act(s, g, rounds=12, seeds=(3, 5))


@settings(max_examples=15, deadline=None, database=None)
@given(g=tst.games(max_rounds=5), s=tst.builtin_strategies(), seed=st.integers(0, 2**32 - 1))
def test_act_batch_matches_act_on_drawn_games(g: ts.Game, s: ts.Strategy, seed: int) -> None:
    tst.assert_batch_matches_act(s, g, seeds=(seed, seed // 2 + 1))


def test_a_strategy_whose_act_batch_is_not_its_act_is_caught() -> None:
    """A strategy whose act holds and whose act_batch escalates passed every check and
    escalated in play."""

    class Sneaky:
        name = "sneaky"
        traits = ts.Traits()

        def act(self, obs, rng):
            return {d: 0 for d in obs.targets}

        def act_batch(self, bobs, rngs):
            return np.ones((bobs.runs, len(bobs.targets)), np.int8)

    class Boom:
        name = "boom"
        traits = ts.Traits()

        def act(self, obs, rng):
            raise KeyError("oops")

    g = ts.load_scenario("us-china-145").game
    tst.assert_never_escalates_first(Sneaky(), tst.observation(ts.World.default(), "CN", []))
    with pytest.raises(
        AssertionError,
        match=r"sneaky: act_batch and act disagree in play: run 0 "
        r"\(seed 0\), round 1: tariff CN->US 0.1 through act_batch, 0 through act",
    ):
        tst.assert_batch_matches_act(Sneaky(), g, country="CN", rounds=3)
    tst.assert_batch_matches_act(Boom(), g)  # no act_batch: the engine plays its act
    # the strategy's own exception comes through as it is (code that catches it works)
    with pytest.raises(KeyError, match=r"^'oops'$") as err:
        tst.assert_retaliates(Boom(), tst.observation(ts.World.default(), "CN", []))
    assert type(err.value) is KeyError and not getattr(err.value, "__notes__", None)
    for bad, words in [(ts.TitForTat, "the class TitForTat was given"), ("x", "not a Strategy")]:
        with pytest.raises(ts.errors.ParameterError, match=words):
            tst.assert_batch_matches_act(bad, g)  # type: ignore[arg-type]
    with pytest.raises(ts.errors.ParameterError, match=r"`country` must be one of the game's"):
        tst.assert_batch_matches_act(ts.TitForTat(), g, country="JP")


def test_a_strategy_is_checked_before_play() -> None:
    """A class given for an instance failed inside act with a bare TypeError; traits as a
    dict and a name of None were taken."""

    class Plain:
        name = "plain"
        traits = ts.Traits()

        def act(self, obs, rng):
            return {}

    class DictTraits(Plain):
        traits = {"stochastic": False}  # type: ignore[assignment]  # noqa: RUF012

    class NoName(Plain):
        name = None  # type: ignore[assignment]

    g = ts.load_scenario("us-china-145").game
    for s, words in [
        (Plain, r"the class Plain was given; give an instance, Plain\(\)"),
        (DictTraits(), r"`traits` must be a tariffsim Traits"),
        (NoName(), r"a strategy's `name` must be a non-empty str; got None"),
    ]:
        agents = tuple(dataclasses.replace(a, strategy=s) if a.code == "CN" else a
                       for a in g.agents)  # fmt: skip
        with pytest.raises(ts.errors.ParameterError, match=words):
            g.replace(agents=agents)
        with pytest.raises(ts.errors.ParameterError, match=words):
            tst.assert_deterministic(s, tst.observation(ts.World.default(), "CN", []))


def test_generators_refuse_what_they_would_ignore_or_fail_on_later() -> None:
    """Arguments of a drawn world were ignored beside a `world` (and an unknown one was a bare
    TypeError); `me` of a country the drawn worlds may lack failed only while drawing; a
    six-player stage game failed inside hypothesis after 15 s."""
    w = ts.World.default()
    cases = [
        (lambda: tst.states(w, max_countries=2), "max_countries: these shape a drawn world"),
        (lambda: tst.histories(w, max_countries=2), "and `world` is given"),
        (lambda: tst.payoff_models(w, bogus=1), "unknown argument 'bogus'; a drawn world takes"),
        (lambda: tst.states(bogus=1), "unknown argument 'bogus'"),
        (lambda: tst.histories(me="C"), r"`me` 'C' is not a country of every drawn world"),
        (lambda: tst.histories(me="US"), r"`me` 'US' is not a country of every drawn world"),
        (lambda: tst.stage_games(max_players=10, max_actions=5), "97,656,250 payoffs; at most"),
    ]
    for call, words in cases:
        with pytest.raises(ts.errors.ParameterError, match=words):
            call()


@settings(max_examples=25, deadline=None, database=None)
@given(h=tst.histories(me="C", min_countries=3, all_dyads=False, max_rounds=2))
def test_an_observer_of_drawn_worlds_always_has_a_ladder(h: tst.History) -> None:
    assert h.me == "C" and h.observation.targets


@settings(max_examples=20, deadline=None, database=None, derandomize=True)
@given(g=tst.stage_games(min_players=2, max_players=2, min_actions=40, max_actions=40))
def test_large_stage_games_pass_the_health_checks(g: eq.NormalFormGame) -> None:
    """A list of 3,200 payoffs failed hypothesis's health check (its smallest input too large)."""
    assert g.shape == (40, 40)


def test_a_failing_example_prints_what_it_is_made_of() -> None:
    """A failing stage game printed as `NormalFormGame(n_players=2, shape=(3, 3))`, no payoffs;
    a drawn game as some 200 lines of dataclass fields."""
    from hypothesis.vendor.pretty import pretty

    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(g=tst.stage_games(min_players=2, max_players=2, min_actions=2, max_actions=2))
    def some_game_has_a_big_payoff(g: eq.NormalFormGame) -> None:
        assert g.payoff_array.max() < 3

    with pytest.raises(AssertionError) as err:
        some_game_has_a_big_payoff()
    report = "\n".join(getattr(err.value, "__notes__", []))
    assert "payoffs (Player 1, Player 2) by profile:" in report and "(1, 1): (" in report

    from hypothesis import find

    g = find(tst.games(max_countries=2, max_rounds=2), lambda x: True)
    text = pretty(g)
    assert len(text.splitlines()) < 60
    for words in ("agents:", "ladders: A->B 0", "imports (USD bn", "elasticity ", "pass_through "):
        assert words in text, words
    assert pretty(ts.load_scenario("us-china-145").game) == repr(
        ts.load_scenario("us-china-145").game)  # (ten countries: the one line)  # fmt: skip


EVERYTHING = {"events": True, "controls": True, "jumps": True, "beliefs": True, "initial": True}


@settings(max_examples=40, deadline=None, database=None)
@given(g=tst.games(max_rounds=5, **EVERYTHING), seed=st.integers(0, 2**32 - 1))
def test_games_with_every_feature_play_batched_as_one_by_one(g: ts.Game, seed: int) -> None:
    """Events, export controls, jumps, beliefs that learn and a start away from free trade:
    a batch of runs is each run as `simulate` plays it, on the ladders, with finite payoffs."""
    seeds = [seed, seed // 3 + 1]
    batch = ts.simulate_batch(g, seeds=seeds)
    for k, s in enumerate(seeds):
        p = ts.simulate(g, seed=s)
        tst.assert_on_ladder(g.world, p)
        tst.assert_payoffs_finite(p)
        np.testing.assert_array_equal(batch.tariff[k], p.tariff)
        np.testing.assert_array_equal(batch.control[k], p.control)
        np.testing.assert_array_equal(batch.payoff[k], p.payoff)
    for a in g.agents:
        tst.assert_batch_matches_act(a.strategy, g, country=a.code, seeds=seeds)


def test_every_feature_is_drawn() -> None:
    """The generators drew none of these before: each is reachable now (and off by default)."""
    from hypothesis import Phase, find

    quick = settings(phases=[Phase.generate], database=None, max_examples=500)  # (no shrinking)
    drawn = tst.games(**EVERYTHING)
    checks = {
        "events": lambda g: bool(g.events),
        "controls": lambda g: bool(g.world.control_ladders) and any(a.controls for a in g.agents),
        "jumps": lambda g: g.moves == "jump",
        "beliefs": lambda g: any(
            a.beliefs is not None and a.beliefs.learning_rate > 0 for a in g.agents
        ),
        "initial": lambda g: g.initial is not None and bool(g.initial.tariff.any()),
    }
    for what, seen in checks.items():
        assert seen(find(drawn, seen, settings=quick)), what
    plain = find(tst.games(), lambda g: True)
    assert not plain.events and not plain.world.control_ladders and plain.moves == "step"
    with pytest.raises(ts.errors.ParameterError, match="`events` must be"):
        tst.games(events="yes")  # type: ignore[arg-type]


def test_what_a_strategy_or_check_is_given_is_refused_by_name() -> None:
    """From a hostile review of the checks and the what-if of a strategy."""
    from collections.abc import Mapping

    sc = ts.load_scenario("us-china-145")
    g = sc.game
    obs = tst.observation(ts.World.default(), "CN", [{("US", "CN"): 1}])
    refused = [
        # a schedule's move on a country the agent does not target was dropped silently
        (lambda: sc.with_strategy("CN", "scripted", schedule={3: {"MX": 1}}),
         r"with_strategy: schedule\[3\] moves on 'MX', not a target of CN; targets: US"),
        # a strategy within a strategy (a class) failed mid-run, blaming another
        (lambda: ts.make_strategy("scripted", schedule={3: {"US": 1}}, then=ts.TitForTat),
         r"then: the class TitForTat was given; give an instance"),
        # no strategy at all was a failed property with a counterexample
        (lambda: tst.assert_retaliates(ts.TitForTat, obs), "the class TitForTat was given"),
        (lambda: tst.stage_games(min_players=65, max_players=70, max_actions=1),
         "`max_players` must be at most 63"),
        (lambda: tst.stage_games(max_players=62, max_actions=10**6), r"draws games of up to 1e"),
        (lambda: tst.histories(model=ts.PayoffModel(ts.World.default()), max_countries=3),
         "and `model` gives the world"),
        (lambda: eq.markov_perfect(g, discount=0.9, progress=False).path(start_round=10**9),
         r"`start_round`: round 1000000000 of 7 days"),
        (lambda: tst.assert_batch_matches_act(ts.Hold(), g, rounds="5"), "`rounds`"),
    ]  # fmt: skip
    for call, words in refused:
        with pytest.raises(ts.errors.ParameterError, match=words):
            call()
    tst.assert_batch_matches_act(ts.TitForTat(), g, seeds=np.arange(3), rounds=4)  # an array

    class OnceEscalate:  # act and act_batch the same, but it keeps state between calls
        name = "once"
        traits = ts.Traits()

        def __init__(self) -> None:
            self.calls = 0

        def act(self, obs, rng):
            self.calls += 1
            return {d: int(self.calls == 1) for d in obs.targets}

        def act_batch(self, bobs, rngs):
            self.calls += 1
            return np.full((bobs.runs, len(bobs.targets)), int(self.calls == 1), np.int8)

    # one run: each play has its own copy, so the state one play left is not the other's
    tst.assert_batch_matches_act(OnceEscalate(), g, country="CN", rounds=3, seeds=(0,))
    with pytest.raises(AssertionError, match="keeps state between calls"):  # act: once a run
        tst.assert_batch_matches_act(OnceEscalate(), g, country="CN", rounds=3, seeds=(0, 1))

    class Unsaid(Exception):
        def __str__(self) -> str:
            raise RuntimeError("str broke")

    class Mute:
        name = "mute"
        traits = ts.Traits()

        def act(self, obs, rng):
            raise Unsaid

    class BadMapping(Mapping):
        def __getitem__(self, k):
            raise ValueError("no")

        def __iter__(self):
            raise ValueError("no iteration")

        def __len__(self):
            return 1

    class Odd(Mute):
        name = "odd"

        def act(self, obs, rng):
            return BadMapping()

    for s, error in [(Mute(), Unsaid), (Odd(), ValueError)]:  # the strategy's own, as it is
        agents = tuple(dataclasses.replace(a, strategy=s) if a.code == "CN" else a
                       for a in g.agents)  # fmt: skip
        with pytest.raises(error):  # (its message, or reading what it returned, failed)
            ts.simulate(g.replace(agents=agents), 4, seed=0)


def test_a_paths_breakdown_is_checked_for_finite_terms() -> None:
    p = ts.load_scenario("us-china-145").simulate(rounds=4, seed=0)
    tst.assert_payoffs_finite(p.breakdown("US"))
    tst.assert_payoffs_finite(p.breakdown())
    bad = p.breakdown("US")
    bad["face"] = np.array([0.0, np.nan, 0.0, 0.0, 0.0])
    with pytest.raises(AssertionError):
        tst.assert_payoffs_finite(bad)


class _Recorder:
    """Plays ``inner`` and keeps every observation it is given (the engine's)."""

    name = "recorder"

    def __init__(self, inner: ts.Strategy) -> None:
        self.inner, self.seen = inner, {}
        self.traits = inner.traits

    def act(self, obs, rng):  # type: ignore[no-untyped-def]
        self.seen.setdefault(obs.round, obs)
        return self.inner.act(obs, rng)


def _fields_equal(a: ts.State, b: ts.State) -> None:
    for f in dataclasses.fields(ts.State):
        x, y = getattr(a, f.name), getattr(b, f.name)
        np.testing.assert_array_equal(x, y, err_msg=f.name)


@settings(max_examples=30, deadline=None, database=None)
@given(
    w=tst.worlds(max_countries=3),
    names=st.lists(st.sampled_from(["always-escalate", "tit-for-tat", "myopic", "hold"]),
                   min_size=3, max_size=3),
    rounds=st.integers(0, 5),
)  # fmt: skip
def test_an_observation_is_the_one_the_engine_gives(w, names, rounds) -> None:
    """After the moves a game played, ``observation`` gives the observing agent what the
    engine gave it: the slow state too (imports' adjustment, tie losses, grievances, the
    equity index). It applied the moves alone, so imports were fully adjusted and no tie
    was lost: a strategy scoring its options on ``obs.model`` was judged on situations it
    never meets in play."""
    movers = sorted({a for a, _ in w.ladders})
    me = movers[0]
    rec = _Recorder(ts.make_strategy(names[0]))
    agents = [ts.Agent(me, rec)] + [
        ts.Agent(c, ts.make_strategy(n)) for c, n in zip(movers[1:], names[1:], strict=False)
    ]
    model = ts.PayoffModel(w)
    game = ts.Game(world=w, model=model, agents=tuple(agents), rounds=rounds + 1)
    path = ts.simulate(game, rounds + 1, seed=0)
    moves = [
        {(a, b): int(path.moves[r, w.index(a), w.index(b)]) for a, b in w.ladders}
        for r in range(1, rounds + 1)
    ]
    built = tst.observation(w, me, moves, model=model)
    real = rec.seen[rounds + 1]
    assert built.round == real.round and built.targets == real.targets
    _fields_equal(built.state, real.state)
    assert len(built.history) == len(real.history)
    for x, y in zip(built.history, real.history, strict=True):
        _fields_equal(x, y)


def test_an_observation_plays_on_the_models_clock() -> None:
    """A model of daily rounds is the observation's (and its slow state moves a day a
    round): the game it was played in had weekly rounds and a weekly copy of the model."""
    daily = ts.PayoffModel(W).replace(round_days=1)
    obs = tst.observation(W, "CN", [{("US", "CN"): 1}], model=daily)
    assert obs.model is daily
    agents = (
        ts.Agent("US", ts.Scripted({1: {"CN": 1}})),
        ts.Agent("CN", rec := _Recorder(ts.make_strategy("hold"))),
    )
    ts.simulate(ts.Game(world=W, model=daily, agents=agents, rounds=2, round_days=1), seed=0)
    _fields_equal(obs.state, rec.seen[2].state)


def test_generators_take_numpy_ints() -> None:
    """Sizes as numpy ints reached hypothesis, which refused them mid-draw."""
    from hypothesis import find

    i = np.int64
    assert 2 <= len(find(tst.ladders(min_rungs=i(2), max_rungs=i(3)), lambda x: True)) <= 3
    assert find(tst.worlds(max_rungs=i(3), max_countries=i(3)), lambda x: True).n >= 2
    assert find(tst.histories(W, me="CN", max_rounds=i(2)), lambda x: True) is not None


def test_an_observation_carries_the_slow_state() -> None:
    """Three rounds of US escalation on China: imports still adjusting, ties eroded."""
    obs = tst.observation(W, "CN", [{("US", "CN"): 1}] * 3)
    us, cn = W.index("US"), W.index("CN")
    assert 0 < obs.state.adjust[us, cn] < 1
    assert obs.state.tie_loss[us, cn] > 0
