"""The batched engine: every run equals ``simulate`` with its seed and overrides, bit for bit."""

import dataclasses

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import parampath
from tariffsim.path import ARRAY_FIELDS

SETTINGS = settings(max_examples=12, deadline=None)
US_CHINA = ts.load_scenario("us-china-145").game
FOUR = ts.load_scenario("four-country-2025").game

# (path, low, high): ranges inside each parameter's rules
PATHS = [
    ("elasticity", 0.5, 4.0),
    ("truth:pass_through.US.CN", 0.0, 1.0),
    ("belief:pass_through.US.CN", 0.0, 1.0),
    ("pass_through.CN.US", 0.0, 1.0),
    ("recession_base.US", 0.05, 0.6),
    ("face_weight", 0.0, 2.0),
    ("resolve_weight.CN", 0.0, 2.0),
    ("noise", 0.0, 0.4),
    ("learning_rate.US", 0.0, 1.0),
    ("export_margin", 0.0, 1.0),
]


@st.composite
def batches(draw, max_runs=5):
    runs = draw(st.integers(1, max_runs))
    seeds = draw(st.lists(st.integers(0, 2**32 - 1), min_size=runs, max_size=runs))
    chosen = draw(st.lists(st.sampled_from(PATHS), max_size=4, unique_by=lambda p: p[0]))
    overrides = {}
    for path, lo, hi in chosen:
        u = draw(st.lists(st.floats(0, 1), min_size=runs, max_size=runs))
        overrides[path] = np.array([lo + x * (hi - lo) for x in u])
    split = draw(st.integers(0, runs))
    return seeds, overrides, split


def same(a, b, what=""):
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, (what, name)
        assert x.tobytes() == y.tobytes(), (what, name)


def run_of(game, overrides, r):
    return parampath.apply(game, {k: float(v[r]) for k, v in overrides.items()})


@SETTINGS
@given(batch=batches())
def test_each_run_is_simulate_with_its_seed_and_overrides(batch):
    seeds, overrides, _ = batch
    pb = ts.simulate_batch(US_CHINA, 24, seeds=seeds, overrides=overrides)
    for r, seed in enumerate(seeds):
        same(pb[r], ts.simulate(run_of(US_CHINA, overrides, r), 24, seed=seed), f"run {r}")


@SETTINGS
@given(batch=batches(max_runs=6), record=st.sampled_from(["full", "compact"]))
def test_chunking_does_not_change_any_run(batch, record):
    seeds, overrides, split = batch
    whole = ts.simulate_batch(US_CHINA, 20, seeds=seeds, overrides=overrides, record=record)
    parts = [
        ts.simulate_batch(
            US_CHINA, 20, seeds=seeds[a:b], overrides={k: v[a:b] for k, v in overrides.items()},
            record=record,
        )
        for a, b in ((0, split), (split, len(seeds)))
        if b > a
    ]  # fmt: skip
    for name in ("tariff", "control", "moves", "payoff", "recession", "approval", "drawdown"):
        joined = np.concatenate([getattr(p, name) for p in parts])
        assert joined.tobytes() == getattr(whole, name).tobytes(), name


@settings(max_examples=4, deadline=None)
@given(batch=batches(max_runs=3))
def test_four_players_with_controls_run_by_run(batch):
    seeds, overrides, _ = batch
    pb = ts.simulate_batch(FOUR, 40, seeds=seeds, overrides=overrides)
    for r, seed in enumerate(seeds):
        same(pb[r], ts.simulate(run_of(FOUR, overrides, r), 40, seed=seed), f"run {r}")


@dataclasses.dataclass(frozen=True)
class PerRunOnly:
    """A user's strategy: ``act`` only, stochastic, reads the history."""

    name = "user"
    traits = ts.Traits(memory_depth=2, stochastic=True)

    def act(self, obs, rng):
        out = {}
        for me, t in obs.targets:
            hit = obs.last_change(t, me) > 0 or len(obs.history) % 5 == 4
            out[(me, t)] = 1 if hit and rng.random() < 0.7 else -1 if rng.random() < 0.2 else 0
        return out


@dataclasses.dataclass(frozen=True)
class Hidden:
    """A built-in strategy with its ``act_batch`` hidden: the engine must loop over runs."""

    inner: object

    @property
    def name(self):
        return self.inner.name

    @property
    def traits(self):
        return self.inner.traits

    def act(self, obs, rng):
        return self.inner.act(obs, rng)


def with_strategies(game, strategies):
    return game.replace(
        agents=tuple(
            dataclasses.replace(a, strategy=s) for a, s in zip(game.agents, strategies, strict=True)
        )
    )


@SETTINGS
@given(batch=batches(max_runs=4))
def test_user_strategy_mixed_with_batched_ones(batch):
    seeds, overrides, _ = batch
    game = with_strategies(US_CHINA, [PerRunOnly(), ts.MyopicBestResponse()])
    pb = ts.simulate_batch(game, 20, seeds=seeds, overrides=overrides)
    for r, seed in enumerate(seeds):
        same(pb[r], ts.simulate(run_of(game, overrides, r), 20, seed=seed), f"run {r}")
    # the user strategy really acts: some run moves off the scripted events
    assert pb.moves[:, :, 0, 1].any() or pb.moves[:, :, 1, 0].any()


@pytest.mark.parametrize("name", sorted(ts.STRATEGIES))
def test_act_batch_gives_the_moves_of_act(name):
    strat = (
        ts.Scripted({3: {"CN": 1, "US": -1}}, then=ts.make_strategy("random"))
        if name == "scripted"
        else ts.make_strategy(name)
    )
    assert hasattr(strat, "act_batch")
    game = with_strategies(FOUR, [strat] * len(FOUR.agents)).replace(noise=0.1)
    hidden = with_strategies(FOUR, [Hidden(strat)] * len(FOUR.agents)).replace(noise=0.1)
    a = ts.simulate_batch(game, 30, seeds=range(3))
    b = ts.simulate_batch(hidden, 30, seeds=range(3))
    for r in range(3):
        same(a[r], b[r], name)


def test_overridden_elasticity_of_one_takes_the_log_branch():
    pb = ts.simulate_batch(US_CHINA, 10, seeds=[0, 0], overrides={"elasticity": [1.0, 2.0]})
    for r, s in enumerate([1.0, 2.0]):
        same(pb[r], ts.simulate(parampath.apply(US_CHINA, {"elasticity": s}), 10, seed=0))


def test_seed_sequences_are_not_consumed():
    ss = np.random.SeedSequence(7)
    noisy = US_CHINA.replace(noise=0.3)
    a = ts.simulate_batch(noisy, 15, seeds=[ss, ss])
    assert ss.n_children_spawned == 0
    same(a[0], a[1])
    same(a[0], ts.simulate(noisy, 15, seed=7))
    same(a[0], ts.simulate(noisy, 15, rng=ss))


def test_internal_chunks_give_the_same_batch(monkeypatch):
    from tariffsim import engine

    over = {"elasticity": np.linspace(1.5, 3.0, 7), "noise": np.linspace(0.0, 0.3, 7)}
    whole = ts.simulate_batch(US_CHINA, 15, seeds=range(7), overrides=over)
    monkeypatch.setattr(engine, "_CHUNK", 3)
    chunked = ts.simulate_batch(US_CHINA, 15, seeds=range(7), overrides=over)
    for r in range(7):
        same(whole[r], chunked[r], f"run {r}")


@settings(max_examples=8, deadline=None)
@given(
    values=st.lists(st.sampled_from([0.3, 0.8, 1.0]), min_size=2, max_size=9),
    seeds=st.lists(st.integers(0, 2**32 - 1), min_size=9, max_size=9),
)
@example(values=[1.0, 0.3, 1.0, 0.8, 0.3], seeds=list(range(9)))  # classes out of value order
def test_runs_that_repeat_one_another_are_played_once(values, seeds):
    """A batch that draws nothing plays each distinct set of overrides once: same numbers."""
    from tariffsim import engine

    runs = len(values)
    over = {"truth:pass_through.US.CN": np.array(values)}
    played: list[int] = []
    real = engine._play

    def spy(game, rounds, items, streams, record, **kw):
        if record != "look":
            played.append(len(streams))
        return real(game, rounds, items, streams, record, **kw)

    engine._play = spy
    try:
        memo = ts.simulate_batch(US_CHINA, 16, seeds=seeds[:runs], overrides=over)
        engine._RUN_MEMO = False
        plain = ts.simulate_batch(US_CHINA, 16, seeds=seeds[:runs], overrides=over)
    finally:
        engine._play, engine._RUN_MEMO = real, True
    assert played == [len(set(values)), runs]  # distinct override values, then every run
    for r in range(runs):
        same(memo[r], plain[r], f"run {r}")
        assert memo[r].meta == plain[r].meta  # each run keeps its own seed
    assert memo.agreements == plain.agreements and memo.notes == plain.notes


def test_runs_that_draw_are_all_played():
    """Noise or a stochastic strategy: every run is played, even with equal overrides."""
    from tariffsim import engine

    over = {"elasticity": np.full(4, 2.0)}
    assert engine._same_runs(US_CHINA, engine._check_overrides(US_CHINA, over, 4), 4) is not None
    noisy = {**over, "noise": np.full(4, 0.1)}
    assert engine._same_runs(US_CHINA, engine._check_overrides(US_CHINA, noisy, 4), 4) is None
    rand = US_CHINA.replace(agents=tuple(
        dataclasses.replace(a, strategy=ts.make_strategy("random")) if a.code == "CN" else a
        for a in US_CHINA.agents
    ))  # fmt: skip
    assert engine._same_runs(rand, engine._check_overrides(rand, over, 4), 4) is None
    pb = ts.simulate_batch(rand, 10, seeds=range(4), overrides=over)
    assert len({pb[r].tariff.tobytes() for r in range(4)}) > 1  # the seeds tell the runs apart


def test_the_comparisons_run_the_compiled_decisions(monkeypatch):
    """Batch and ``simulate`` both decide with the compiled totals (numba is a test dependency)."""
    from tariffsim import _decide_kernel

    assert _decide_kernel.AVAILABLE
    monkeypatch.setattr(_decide_kernel, "ENABLED", True)  # whatever TARIFFSIM_JIT says
    calls = []
    real = _decide_kernel._run

    def counting(*args, **kw):
        calls.append(args[5]["tariff"].shape[0])
        return real(*args, **kw)

    monkeypatch.setattr(_decide_kernel, "_run", counting)
    seeds, over = [3, 4], {"elasticity": np.array([1.7, 2.9])}
    pb = ts.simulate_batch(US_CHINA, 12, seeds=seeds, overrides=over)
    in_batch = len(calls)
    for r, seed in enumerate(seeds):
        same(pb[r], ts.simulate(run_of(US_CHINA, over, r), 12, seed=seed), f"run {r}")
    assert in_batch and len(calls) > in_batch


@pytest.mark.parametrize("then", ["random", "generous-tit-for-tat"])
def test_a_schedule_that_falls_back_on_a_draw_is_played_run_by_run(then):
    """Without noise, runs whose strategies never draw are played once and copied; a schedule
    whose fallback draws draws too, so its runs differ as ``simulate`` with their seeds."""
    strat = ts.Scripted({}, then=then)
    assert strat.traits.stochastic and not ts.Scripted({}).traits.stochastic
    game = with_strategies(US_CHINA, [strat] * len(US_CHINA.agents)).replace(noise=0.0)
    pb = ts.simulate_batch(game, 12, seeds=range(4))
    for r in range(4):
        same(pb[r], ts.simulate(game, 12, seed=r))
    assert len({pb.tariff[r].tobytes() for r in range(4)}) > 1
    assert not ts.engine.runs_alike(game, None, 4)


def test_round_robin_plays_every_repetition_of_a_schedule_that_draws():
    from tariffsim import tournament as T

    res = T.round_robin([ts.Scripted({}, then="random"), "tit-for-tat"], rounds=12,
                        repetitions=3, seed=0)  # fmt: skip
    m = res.match_mean_tariff  # (matches, k), each pair's repetitions in a row
    reps = m.reshape(-1, 3, m.shape[-1])
    assert any(len({rep.tobytes() for rep in pair}) > 1 for pair in reps)


@dataclasses.dataclass(frozen=True)
class _Coin:
    """A user's strategy that draws from ``rng`` but keeps the default traits (which say
    ``stochastic=False``)."""

    name = "coin"
    traits = ts.Traits(memory_depth=1)

    def act(self, obs, rng):
        return {d: int(rng.integers(-1, 2)) for d in obs.targets}


def test_a_users_strategy_is_played_run_by_run_whatever_its_traits_say():
    """Every run of a batch, an ensemble and a tournament's repetitions is played, as
    ``simulate`` plays it with its seed. (A user's strategy whose traits kept the default
    ``stochastic=False`` while it drew from ``rng`` had every run copied from the first: one
    distinct path in 50.)"""
    from tariffsim import tournament as T

    game = with_strategies(US_CHINA, [_Coin()] * len(US_CHINA.agents)).replace(noise=0.0)
    assert not ts.engine.runs_alike(game, None, 4)
    pb = ts.simulate_batch(game, 12, seeds=range(6))
    for r in range(6):
        same(pb[r], ts.simulate(game, 12, seed=r), f"run {r}")
    assert len({pb.tariff[r].tobytes() for r in range(6)}) > 1
    ens = ts.ensemble(game, runs=6, seed=0, rounds=12)
    seeds = np.random.SeedSequence(0).spawn(6)
    for r in (0, 3, 5):
        path = ts.simulate(game, 12, seed=seeds[r])
        for a, b in ens.dyads:
            assert ens.series(a, b)[r].tobytes() == path.series(a, b).tobytes()
    res = T.round_robin([_Coin(), "tit-for-tat"], rounds=12, repetitions=3, seed=0)
    reps = res.match_mean_tariff.reshape(-1, 3, res.match_mean_tariff.shape[-1])
    assert any(len({rep.tobytes() for rep in pair}) > 1 for pair in reps)


@pytest.mark.parametrize("value", [0.9, np.nan, 200])
def test_a_batch_move_that_is_not_a_whole_rung_is_refused(value):
    """act_batch's moves are whole numbers, as act's are: 0.9 is not cut to 0, 200 not wrapped."""

    class Fractional:
        name = "fractional"
        traits = ts.agents.Traits(memory_depth=0)

        def act(self, obs, rng):
            return {(me, t): 0 for me, t in obs.targets}

        def act_batch(self, bobs, rngs):
            return np.full((bobs.runs, len(bobs.targets)), value)

    game = with_strategies(US_CHINA, [Fractional()] * len(US_CHINA.agents))
    with pytest.raises(ts.errors.ParameterError, match="act_batch returned"):
        ts.simulate_batch(game, 5, seeds=range(2))


def test_a_batch_of_whole_float_moves_is_taken():
    class WholeFloats:
        name = "whole-floats"
        traits = ts.agents.Traits(memory_depth=0)

        def act(self, obs, rng):
            return {(me, t): 1 for me, t in obs.targets}

        def act_batch(self, bobs, rngs):
            return np.ones((bobs.runs, len(bobs.targets)))

    game = with_strategies(US_CHINA, [WholeFloats()] * len(US_CHINA.agents))
    pb = ts.simulate_batch(game, 5, seeds=range(2))
    same(pb[1], ts.simulate(game, 5, seed=1))


def test_a_strategy_without_traits_is_named():
    class NoTraits:
        name = "no-traits"

        def act(self, obs, rng):
            return {}

    with pytest.raises(ts.errors.ParameterError, match="this one has no traits"):
        with_strategies(US_CHINA, [NoTraits()] * len(US_CHINA.agents))


@dataclasses.dataclass(frozen=True)
class _Overreach:
    """A user's strategy that moves on a dyad it does not control."""

    key: object
    name = "overreach"
    traits = ts.Traits(memory_depth=0)

    def act(self, obs, rng):
        return {self.key: 1}


@pytest.mark.parametrize("key", [("CN", "US"), ("CN", "JP"), ("XX", "YY"), "garbage"])
def test_a_move_on_a_dyad_the_agent_does_not_control_is_refused(key):
    """Keys of act's mapping that are not the agent's targets were ignored (the agent held)."""
    agents = [
        dataclasses.replace(a, strategy=_Overreach(key)) if a.code == "US" else a
        for a in US_CHINA.agents
    ]
    game = US_CHINA.replace(agents=tuple(agents))
    with pytest.raises(ts.errors.ParameterError, match=r"overreach.*of US returned moves on"):
        ts.simulate(game, 12, seed=0)
    with pytest.raises(ts.errors.ParameterError, match=r"act must return a mapping of its targets"):
        ts.simulate_batch(game, 12, seeds=range(3))


@dataclasses.dataclass(frozen=True)
class _Flagger:
    """A user's strategy that answers with flags (True for a rise)."""

    batch: bool = False
    name = "flagger"
    traits = ts.Traits(memory_depth=0)

    def act(self, obs, rng):
        return {("US", "CN"): True}


class _BatchFlagger(_Flagger):
    def act_batch(self, bobs, rngs):
        return np.ones((bobs.runs, len(bobs.targets)), dtype=bool)


@pytest.mark.parametrize("strategy", [_Flagger(), _BatchFlagger()])
def test_a_flag_is_no_move(strategy):
    """True was taken for +1 (moves refuse floats that are not whole, and bools elsewhere)."""
    agents = [
        dataclasses.replace(a, strategy=strategy) if a.code == "US" else a for a in US_CHINA.agents
    ]
    game = US_CHINA.replace(agents=tuple(agents))
    with pytest.raises(ts.errors.ParameterError, match=r"flagger.*of US.*(True|booleans)"):
        ts.simulate(game, 12, seed=0)
    w = ts.World.default()
    for flag in (True, np.True_, np.array(True)):
        with pytest.raises(ts.errors.ParameterError, match=r"moves\[US, CN\]: must be -1, 0"):
            ts.apply_moves(w, ts.State.zeros(w.n), {("US", "CN"): flag})
    from tariffsim.engine import _moves_of, checked_moves

    with pytest.raises(ts.errors.ParameterError, match="booleans"):
        _moves_of([[True, -1]], strategy, "US")
    with pytest.raises(ts.errors.ParameterError, match="returned move"):
        checked_moves({("US", "CN"): np.array(True)}, strategy, "US", [("US", "CN")])
