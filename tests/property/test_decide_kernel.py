"""The compiled decision totals equal the numpy payoff block's, and each run's are its own.

The block is the reference run by run: it decides whether a market mood is
carried over for the whole batch (``np.any(prev_equity)``), the kernel for
each run, so on a batch mixing runs at an equity of exactly zero with
others the two differ for the former (a state the engine does not reach:
the index moves whenever a burden is priced). On one run they agree.

``_decide_kernel.totals`` computes, for the engine's decisions, the ``total``
of :func:`tariffsim.payoffs._evaluate_block` from the arguments
``_Run.evaluate`` passes it, with the trade terms computed as the block's
compiled trade terms compute them (the two kernels are switched together);
its other ``exp`` and ``log`` are the C library's where numpy uses its own
vectorised versions, so the two agree to a few units in the last place, not
to the bit: the tests allow
``|kernel - block| <= 1e-12 * (1 + sum_k |weights[k] * terms[k]|)`` per entry
(1e-12 relative to the size of the terms that are added up, and 1e-12
absolute). Per run, the kernel's numbers are exact: a run alone, in any
batch, or with its twins computed once gives the same bits.
"""

import os
import subprocess
import sys

import kernel_cases
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_cases import GAMES, NAMES, batches, random_states

import tariffsim as ts
import tariffsim.testing as tst
from tariffsim import _batchrun, _decide_kernel, _trade_kernel, engine
from tariffsim.payoffs import TERMS, _evaluate_block
from tariffsim.world import StateBatch

SETTINGS = settings(max_examples=25, deadline=None)
TOL = 1e-12
SMALL_FLAGS = {
    "equity": st.booleans(), "burden": st.booleans(), "pending": st.booleans(),
    "control": st.just(False), "layers": st.just(False), "twins": st.booleans(),
}  # fmt: skip


def test_numba_is_installed_for_the_tests():
    assert _decide_kernel.AVAILABLE, "numba is part of the test dependencies"


def cases(max_runs=6):
    """A scenario's batch: runs, per-run overrides, random states and candidates."""
    return batches(max_runs, 9)


def build(name, runs, overrides, seed, profiles, flags):
    """The engine's batch of a scenario (or a game), random states and candidates."""
    game = GAMES[name] if isinstance(name, str) else name
    items = engine._check_overrides(game, overrides, runs)
    rt = _batchrun._Run(game, 52, items, _batchrun._Streams.of_seeds(list(range(runs))))
    rng = np.random.default_rng(seed)
    R, k, n, P = runs, rt.k, rt.n, profiles
    off = ~np.eye(k, dtype=bool)

    def sparse(shape, lo, hi, p=0.5):
        return kernel_cases.sparse(rng, shape, lo, hi, p)

    states = random_states(rng, R, k, n, flags)
    tariff, control = states.tariff, states.control
    cand = np.repeat(tariff[:, None], P, axis=1)
    cand = np.maximum(cand + sparse((R, P, k, k), -0.4, 0.4, 0.3) * off, 0.0)
    ctl = None
    if flags["control"]:
        ctl = np.clip(control[:, None] + sparse((R, P, k, k), -0.5, 0.5, 0.3) * off, 0.0, 1.0)
    layers = None
    if flags["layers"]:  # layers off their headlines' split
        layers = rt.split(cand) + sparse((R, P, len(rt.world.layer_names), k, k), 0.0, 0.2, 0.2)
    if flags["twins"] and R > 1:  # runs equal to others in every input
        src = rng.integers(0, R, R)
        for a in ("tariff", "control", "peak", "moved", "support", "shock", "adjust",
                  "tie_loss", "grievance", "equity", "bond", "market_value"):  # fmt: skip
            v = getattr(states, a)
            if v is not None:
                setattr(states, a, v[src])
        cand = cand[src]
        ctl = None if ctl is None else ctl[src]
        layers = None if layers is None else layers[src]
    return rt, states, cand, ctl, layers


def models(rt):
    """The truth and every agent's perceived parameters."""
    return [rt.truth] + [ag.perceived for ag in rt.agents]


def kernel(rt, params, states, cand, ctl, layers, me=None):
    out = _decide_kernel.totals(
        rt.view, rt.world, rt.idx, params, rt._market_for(params), rt.weights, rt.active,
        states, cand, ctl, layers, rt._slow(params, states), me,
    )  # fmt: skip
    assert out is not None, "the engine's arguments are in the kernel's scope"
    return out


def block(rt, params, states, cand, ctl, layers):
    """``_evaluate_block`` on the arguments ``_Run.evaluate`` passes (no memo)."""
    t0 = states.tariff[:, None]
    nxt = StateBatch(
        tariff=cand,
        control=states.control[:, None] if ctl is None else ctl,
        peak=np.maximum(states.peak[:, None], cand),
        moved=cand - t0,
        support=states.support[:, None],
        shock=states.shock[:, None],
        adjust=states.adjust[:, None],
        layers=layers,
    )
    mb = states.market_value
    return _evaluate_block(
        rt.view, params, rt.weights, rt.active, nxt, t0, states.moved[:, None],
        states.control[:, None], **rt._slow(params, states),
        prev_equity=states.equity[:, None], prev_bond=states.bond[:, None],
        market=rt._market_for(params), prev_market_value=None if mb is None else mb[:, None],
    )  # fmt: skip


@SETTINGS
@given(case=cases())
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_kernel_totals_equal_the_numpy_block(case):
    """Every run of a batch against the block on that run (a run's numbers are its own)."""
    rt, states, cand, ctl, layers = build(*case)
    with pytest.MonkeyPatch.context() as m:  # the block as the engine runs it beside the kernel
        m.setattr(_trade_kernel, "ENABLED", True)
        each_run_against_the_block(rt, states, cand, ctl, layers)


def each_run_against_the_block(rt, states, cand, ctl, layers):
    for a, params in enumerate(models(rt)):
        got = kernel(rt, params, states, cand, ctl, layers)
        assert got.shape == cand.shape[:-1]
        for r in range(rt.runs):
            rows = np.array([r])
            sub, sub_st = rt.subset(rows, states)
            p = sub.truth if a == 0 else sub.agents[a - 1].perceived
            bd = block(
                sub, p, sub_st, cand[rows], None if ctl is None else ctl[rows],
                None if layers is None else layers[rows],
            )  # fmt: skip
            size = sum(np.abs(bd.weighted(t)) for t in TERMS)
            err = np.abs(got[rows] - bd.total)
            assert np.all(err <= TOL * (1.0 + size)), (a, r, float(np.max(err / (1.0 + size))))


@SETTINGS
@given(
    game=tst.games(max_countries=4, strategies=st.just(ts.MyopicBestResponse())),
    runs=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    profiles=st.integers(1, 5),
    flags=st.fixed_dictionaries(SMALL_FLAGS),
)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_kernel_totals_equal_the_block_on_drawn_games(game, runs, seed, profiles, flags):
    """Small worlds of one product segment and drawn payoff models (weights, parameters)."""
    rt, states, cand, ctl, layers = build(game, runs, {}, seed, profiles, flags)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_trade_kernel, "ENABLED", True)
        each_run_against_the_block(rt, states, cand, ctl, layers)


@SETTINGS
@given(case=cases())
def test_a_runs_totals_do_not_depend_on_its_batch(case):
    rt, states, cand, ctl, layers = build(*case)
    for a, params in enumerate(models(rt)):
        whole = kernel(rt, params, states, cand, ctl, layers)
        for r in range(rt.runs):
            rows = np.array([r])
            sub, sub_st = rt.subset(rows, states)
            p = sub.truth if a == 0 else sub.agents[a - 1].perceived
            alone = kernel(
                sub, p, sub_st, cand[rows], None if ctl is None else ctl[rows],
                None if layers is None else layers[rows],
            )  # fmt: skip
            assert alone.tobytes() == whole[rows].tobytes(), (a, r)


@SETTINGS
@given(case=cases(max_runs=4))
def test_one_countrys_totals_are_its_column_of_all(case):
    rt, states, cand, ctl, layers = build(*case)
    for params in models(rt):
        every = kernel(rt, params, states, cand, ctl, layers)
        for me in range(rt.k):
            one = kernel(rt, params, states, cand, ctl, layers, me)
            assert one.tobytes() == np.ascontiguousarray(every[..., me]).tobytes(), me


@SETTINGS
@given(
    name=st.sampled_from(NAMES),
    seed=st.integers(0, 2**32 - 1),
    profiles=st.integers(1, 6),
    pending=st.booleans(),
    equity=st.booleans(),
    varied=st.sets(st.sampled_from(["pass_through", "elasticity", "market"]), min_size=1),
)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_powers_are_taken_again_only_for_the_same_inputs(
    name, seed, profiles, pending, equity, varied
):
    """Neighbouring runs with the same states and candidates but their own pass-through,
    elasticities and market model: each run's totals are its own (the kernel keeps the
    powers ``(1 + p t) ** -s`` it computed and takes them again for equal inputs only)."""
    runs = 4
    rng = np.random.default_rng(seed)
    over = {}
    if "pass_through" in varied:
        over["truth:pass_through.US.CN"] = rng.uniform(0.2, 1.0, runs)
        over["belief:pass_through.US.CN"] = rng.uniform(0.2, 1.0, runs)
    if "elasticity" in varied:
        over["elasticity"] = rng.uniform(0.8, 3.5, runs)
    if "market" in varied:  # the market's model differs from the truth: a third set of powers
        over["truth:crash_weight.US"] = rng.uniform(0.001, 0.05, runs)
    flags = {"equity": equity, "burden": False, "pending": pending, "control": False,
             "layers": False, "twins": False}  # fmt: skip
    rt, states, cand, ctl, layers = build(name, runs, over, seed, profiles, flags)
    same = np.zeros(runs, dtype=int)  # every run in the states of run 0
    for a in ("tariff", "control", "peak", "moved", "support", "shock", "adjust",
              "tie_loss", "grievance", "equity", "bond"):  # fmt: skip
        setattr(states, a, getattr(states, a)[same])
    cand = cand[same]
    for a, params in enumerate(models(rt)):
        whole = kernel(rt, params, states, cand, ctl, layers)
        for r in range(runs):
            rows = np.array([r])
            sub, sub_st = rt.subset(rows, states)
            p = sub.truth if a == 0 else sub.agents[a - 1].perceived
            alone = kernel(sub, p, sub_st, cand[rows], None, None)
            assert alone.tobytes() == whole[rows].tobytes(), (a, r)
            bd = block(sub, p, sub_st, cand[rows], None, None)
            size = sum(np.abs(bd.weighted(t)) for t in TERMS)
            assert np.all(np.abs(whole[rows] - bd.total) <= TOL * (1.0 + size)), (a, r)


def test_engine_decisions_use_the_kernel(monkeypatch):
    calls = []
    real = _decide_kernel._run

    def spy(*args, **kw):
        out = real(*args, **kw)
        calls.append(out.shape)
        return out

    monkeypatch.setattr(_decide_kernel, "ENABLED", True)  # whatever TARIFFSIM_JIT says
    monkeypatch.setattr(_decide_kernel, "_run", spy)
    ts.simulate_batch(GAMES["four-country-2025"], 6, seeds=range(3))
    assert calls


def test_switched_off_the_numpy_block_decides(monkeypatch):
    game = GAMES["us-china-145"]
    monkeypatch.setattr(_decide_kernel, "ENABLED", True)
    on = ts.simulate_batch(game, 12, seeds=range(2))

    def boom(*args, **kw):
        raise AssertionError("the kernel ran while switched off")

    monkeypatch.setattr(_decide_kernel, "ENABLED", False)
    monkeypatch.setattr(_decide_kernel, "_run", boom)
    off = ts.simulate_batch(game, 12, seeds=range(2))
    np.testing.assert_array_equal(on.tariff, off.tariff)


def test_parameters_outside_the_engines_layout_fall_back():
    rt, states, cand, ctl, layers = build("us-china-145", 2, {}, 0, 3, dict.fromkeys(
        ("equity", "burden", "pending", "control", "layers", "twins"), False))  # fmt: skip
    plain = ts.Params.default(rt.world)  # (n, n) fields, no run axes
    out = _decide_kernel.totals(
        rt.view, rt.world, rt.idx, plain, None, rt.weights, rt.active, states, cand, ctl,
        layers, rt._slow(rt.truth, states),
    )  # fmt: skip
    assert out is None


@pytest.mark.parametrize("value", ["0", "off"])
def test_the_environment_switch_keeps_the_numpy_path(value):
    code = "from tariffsim import _decide_kernel as d; print(d.ENABLED)"
    env = {**os.environ, _decide_kernel.ENV: value}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_a_sub_batch_is_packed_from_its_own_fields():
    """A sub-batch's parameters are packed as rows of its batch's packing only while both
    still have the fields of the moment it was taken (learning gives agents new fields)."""
    from tariffsim._distinct import take_params

    over = {"truth:pass_through.US.CN": np.array([0.2, 0.4, 0.6, 0.8]),
            "elasticity": np.array([1.0, 1.5, 2.0, 2.5])}  # fmt: skip
    flags = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), False)
    rt, *_ = build("us-china-145", 4, over, 0, 1, flags)
    days = rt.view.days

    def fresh(p):  # the packing of the same fields in a Params never taken from another
        q = object.__new__(type(p))
        q.__dict__.update(p.__dict__)
        return _decide_kernel._pack(q, days)

    def same(a, b):
        return all(x.tobytes() == y.tobytes() for x, y in zip(a[:3], b[:3], strict=True))

    parent = rt.truth
    assert _decide_kernel._pack(parent, days) is not None
    rows = np.array([3, 1])
    child = take_params(parent, rows)
    assert same(_decide_kernel._pack(child, days), fresh(child))
    assert _decide_kernel._pack(child, days)[0][0, 0, 0, 1] == 0.8
    # the batch given new fields: the sub-batch keeps its own
    object.__setattr__(parent, "pass_through", parent.pass_through * 0.5)
    other = take_params(parent, rows)
    assert same(_decide_kernel._pack(child, days), fresh(child))
    assert same(_decide_kernel._pack(other, days), fresh(other))
    # the sub-batch given new fields: packed from them
    object.__setattr__(child, "pass_through", child.pass_through + 0.05)
    got = _decide_kernel._pack(child, days)
    assert same(got, fresh(child)) and got[0][0, 0, 0, 1] == 0.8 + 0.05


def test_new_beliefs_repack_their_group_only():
    """Fields are packed per group (per dyad, per country, scalars): a group every run shares
    stays one row, and new fields in one group (an agent's beliefs move) leave the other
    groups' packings as they were, the very arrays."""
    over = {"truth:pass_through.US.CN": np.array([0.2, 0.4, 0.6, 0.8])}
    flags = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), False)
    rt, *_ = build("us-china-145", 4, over, 0, 1, flags)
    days = rt.view.days
    p = rt.truth
    pk = _decide_kernel._pack(p, days)
    assert pk is not None
    assert [a.shape[0] for a in pk[:3]] == [4, 1, 1]
    q = object.__new__(type(p))
    q.__dict__.update(p.__dict__)
    object.__setattr__(q, "pass_through", p.pass_through * 0.5)
    pq = _decide_kernel._pack(q, days)
    assert pq is not None and pq[1] is pk[1] and pq[2] is pk[2] and pq[0] is not pk[0]
    want = np.broadcast_to(q.pass_through, (4, 1, *q.pass_through.shape[-2:]))[:, 0]
    np.testing.assert_array_equal(pq[0][:, _decide_kernel.D_PT], want)
    np.testing.assert_array_equal(pq[0][:, _decide_kernel.D_DEP], pk[0][:, _decide_kernel.D_DEP])


def test_a_group_of_per_run_fields_packs_for_any_number_of_countries():
    """Fields all drawn per run are packed under no field's identity; a packing made for one
    game's countries must not serve another's (the kernel would fall back to numpy)."""
    flags = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), False)
    for name, dy in (("us-china-145", "US.CN"), ("four-country-2025", "US.CA"),
                     ("us-china-145", "CN.US")):  # fmt: skip
        over = {f"truth:{f}.{dy}": np.array([0.1, 0.2, 0.3, 0.4]) for f in _decide_kernel._DYAD}
        rt, *_ = build(name, 4, over, 0, 1, flags)
        pk = _decide_kernel._pack(rt.truth, rt.view.days)
        assert pk is not None and pk[0].shape[0] == 4
        assert pk[0].shape[-1] == rt.k
