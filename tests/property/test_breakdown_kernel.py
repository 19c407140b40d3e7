"""The compiled breakdown equals the numpy block's, field by field; each run's is its own.

``_decide_kernel.breakdown`` computes, for the arguments the engine passes
``evaluate_distinct`` (the market pricing each round's new state, the
look-aheads and deal searches of the talks), the whole
:class:`~tariffsim.payoffs.Breakdown` of :func:`tariffsim.payoffs._evaluate_block`:
every term, the total, burden, recession odds, drawdown, approval, the
equity index, bond stress, the burden the market priced, and the block's own
lazy imports and effective rates. The trade terms are computed as the
block's compiled trade terms compute them (one switch for both kernels); the
rest of the ``exp``/``log`` and long sums differ in the last bits, so the
tests allow, per entry, ``|kernel - block| <= 1e-12 * (1 + |block| + S)``
with ``S = sum_t |terms[t]|`` (1e-12 relative to the size of the terms the
entry is made of). The block decides some branches for its whole batch (a
mood carried when any run has an equity index, a crash priced when any run
weighs one), the kernel per run, so each run is compared with the block on
that run alone; per run, the kernel's numbers are exact (a run alone or in
any batch gives the same bits).
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
from tariffsim import _batchrun, _decide_kernel, _distinct, _trade_kernel, engine
from tariffsim._distinct import take_params
from tariffsim.payoffs import TERMS, Breakdown, Params, _evaluate_block, _slice_params
from tariffsim.world import StateBatch

SETTINGS = settings(max_examples=25, deadline=None)
TOL = 1e-12
FIELDS = (
    "total", "burden", "recession", "drawdown", "approval", "equity", "bond", "market_burden",
    "market_value",
)  # fmt: skip
LAYOUTS = ("decide", "state", "fresh", "talks")


def test_numba_is_installed_for_the_tests():
    assert _decide_kernel.AVAILABLE, "numba is part of the test dependencies"


# ---------------------------------------------------------------------------
# Comparing breakdowns
# ---------------------------------------------------------------------------
def mismatches(got: Breakdown, want: Breakdown) -> dict[str, float]:
    """Fields of ``got`` off ``want`` by more than the tolerance, with the worst ratio."""
    shape = np.shape(got.total)
    size = 1.0 + sum(np.abs(np.broadcast_to(want.terms[t], shape)) for t in TERMS)
    bad = {}
    pairs = [(f, getattr(got, f), getattr(want, f)) for f in FIELDS]
    pairs += [(t, got.terms[t], want.terms[t]) for t in TERMS]
    for name, a, b in pairs:
        a, b = np.asarray(a), np.broadcast_to(b, shape)
        assert a.shape == shape, name
        ratio = np.abs(a - b) / (TOL * (size + np.abs(b)))
        if not np.all(ratio <= 1.0):  # NaN fails too
            bad[name] = float(np.nanmax(ratio))
    return bad


def bitwise_equal(a: Breakdown, b: Breakdown) -> bool:
    same = all(np.asarray(getattr(a, f)).tobytes() == np.asarray(getattr(b, f)).tobytes()
               for f in FIELDS)  # fmt: skip
    return same and all(
        np.asarray(a.terms[t]).tobytes() == np.asarray(b.terms[t]).tobytes() for t in TERMS
    )


def row(args: tuple, kw: dict, r: int) -> tuple[tuple, dict]:
    """The arguments of one run ``r`` (every array and parameter with the runs axis cut)."""
    rows = np.array([r])
    R = args[4].tariff.shape[0]

    def cut(a):
        if isinstance(a, Params):
            return take_params(a, rows) if R > 1 else a
        if isinstance(a, StateBatch):
            return StateBatch(**{
                f: cut(getattr(a, f)) for f in a.__dataclass_fields__
            })  # fmt: skip
        if isinstance(a, tuple):
            return tuple(cut(x) for x in a)
        if isinstance(a, np.ndarray) and a.ndim >= 3 and a.shape[0] == R:
            return a[r : r + 1]
        return a

    return tuple(cut(a) for a in args), {n: cut(v) for n, v in kw.items()}


def compare_by_run(args: tuple, kw: dict) -> None:
    """The kernel on the whole batch against the block on each run alone."""
    got = _decide_kernel.breakdown(*args, **kw)
    assert got is not None, "the engine's arguments are in the kernel's scope"
    R = args[4].tariff.shape[0]
    for r in range(R):
        a1, k1 = row(args, kw, r)
        want = _evaluate_block(*a1, **k1)
        one = Breakdown(
            terms={t: got.terms[t][r : r + 1] for t in TERMS}, weights=got.weights,
            total=got.total[r : r + 1], burden=got.burden[r : r + 1],
            recession=got.recession[r : r + 1], drawdown=got.drawdown[r : r + 1],
            approval=got.approval[r : r + 1], imports_fn=lambda: None,
            effective_fn=lambda: None, equity=got.equity[r : r + 1], bond=got.bond[r : r + 1],
            market_burden=got.market_burden[r : r + 1],
            market_value=got.market_value[r : r + 1],
        )  # fmt: skip
        assert not mismatches(one, want), (r, mismatches(one, want))
    whole = _evaluate_block(*args, **kw)  # the block's own lazy fields, to the bit
    assert got.imports.tobytes() == np.broadcast_to(whole.imports, got.imports.shape).tobytes()
    assert got.effective.tobytes() == whole.effective.tobytes()


# ---------------------------------------------------------------------------
# Drawn batches in the engine's layouts
# ---------------------------------------------------------------------------
@st.composite
def cases(draw, max_runs=5):
    """A drawn batch (``kernel_cases.batches``) and one of the engine's layouts."""
    return (*draw(batches(max_runs, 6)), draw(st.sampled_from(LAYOUTS)))


def build(name, runs, overrides, seed, profiles, flags, layout):
    """The engine's batch of a scenario and the arguments of one evaluation, per parameters."""
    game = GAMES[name]
    items = engine._check_overrides(game, overrides, runs)
    rt = _batchrun._Run(game, 52, items, _batchrun._Streams.of_seeds(list(range(runs))))
    rng = np.random.default_rng(seed)
    R, k, n = runs, rt.k, rt.n
    P = 1 if layout in ("state", "fresh") else profiles
    off = ~np.eye(k, dtype=bool)

    def sparse(shape, lo, hi, p=0.5):
        return kernel_cases.sparse(rng, shape, lo, hi, p)

    s0, s1 = (random_states(rng, R, k, n, flags) for _ in range(2))
    if flags["twins"] and R > 1:  # runs equal to others in every input
        src = rng.integers(0, R, R)
        for s in (s0, s1):
            for f in s.__dataclass_fields__:
                v = getattr(s, f)
                if isinstance(v, np.ndarray):
                    setattr(s, f, v[src])
    cand = np.maximum(s0.tariff[:, None] + sparse((R, P, k, k), -0.4, 0.4, 0.3) * off, 0.0)
    ctl = s0.control[:, None]
    if flags["control"]:
        ctl = np.clip(ctl + sparse((R, P, k, k), -0.5, 0.5, 0.3) * off, 0.0, 1.0)
    layers = None
    if flags["layers"]:  # layers off their headlines' split
        layers = rt.split(cand) + sparse((R, P, len(rt.world.layer_names), k, k), 0.0, 0.2, 0.2)
    out = []
    for params in [rt.truth] + [ag.perceived for ag in rt.agents]:
        slow = rt._slow(params, s0)
        market = rt._market_for(params)
        if layout == "decide":  # _Run.evaluate: candidates reached from s0
            t0 = s0.tariff[:, None]
            nxt = StateBatch(
                tariff=cand, control=ctl, peak=np.maximum(s0.peak[:, None], cand),
                moved=cand - t0, support=s0.support[:, None], shock=s0.shock[:, None],
                adjust=s0.adjust[:, None], layers=layers,
            )  # fmt: skip
            mb = s0.market_value
            args = (t0, s0.moved[:, None], s0.control[:, None])
            kw = dict(
                **slow, prev_equity=s0.equity[:, None], prev_bond=s0.bond[:, None],
                market=market, prev_market_value=None if mb is None else mb[:, None],
            )  # fmt: skip
        elif layout in ("state", "fresh"):  # _Run.evaluate_state: s1 reached from s0 (or not)
            nxt = StateBatch(
                tariff=cand, control=ctl, peak=np.maximum(s1.peak[:, None], cand),
                moved=s1.moved[:, None], support=s1.support[:, None], shock=s1.shock[:, None],
                adjust=s1.adjust[:, None], layers=layers,
            )  # fmt: skip
            if layout == "fresh":
                args = (nxt.tariff - nxt.moved, np.zeros_like(nxt.moved), nxt.control)
                pe, pb, mb = None, s1.bond[:, None], None
            else:
                args = (s0.tariff[:, None], s0.moved[:, None], s0.control[:, None])
                pe, pb = s0.equity[:, None], s0.bond[:, None]
                mb = None if s0.market_value is None else s0.market_value[:, None]
            slow["grievance"] = (s1 if layout == "fresh" else s0).grievance[:, None]
            kw = dict(
                **slow, prev_equity=pe, prev_bond=pb, market=market, prev_market_value=mb
            )  # fmt: skip
        else:  # the talks: a path of P states, each reached from the one before, no slow state
            moved = cand - np.concatenate([s0.tariff[:, None], cand[:, :-1]], axis=1)
            nxt = StateBatch(
                tariff=cand, control=np.broadcast_to(ctl, cand.shape),
                peak=np.maximum(s0.peak[:, None], np.maximum.accumulate(cand, axis=1)),
                moved=moved, support=s0.support[:, None],
                shock=np.zeros_like(s0.support[:, None]), layers=layers,
            )  # fmt: skip
            args = (
                np.concatenate([s0.tariff[:, None], cand[:, :-1]], axis=1),
                np.concatenate([s0.moved[:, None], moved[:, :-1]], axis=1),
                np.concatenate([s0.control[:, None], nxt.control[:, :-1]], axis=1),
            )
            kw = {}
        out.append(((rt.view, params, rt.weights, rt.active, nxt, *args), kw))
    return out, (rt, s0, None if not flags["control"] else ctl, layers)


@SETTINGS
@given(case=cases())
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_the_compiled_breakdown_equals_the_numpy_block(case):
    with pytest.MonkeyPatch.context() as m:  # the block as the engine runs it beside the kernel
        m.setattr(_trade_kernel, "ENABLED", True)
        for args, kw in build(*case)[0]:
            compare_by_run(args, kw)


@SETTINGS
@given(case=cases())
def test_a_runs_breakdown_does_not_depend_on_its_batch(case):
    for args, kw in build(*case)[0]:
        whole = _decide_kernel.breakdown(*args, **kw)
        R = args[4].tariff.shape[0]
        for r in range(R):
            a1, k1 = row(args, kw, r)
            alone = _decide_kernel.breakdown(*a1, **k1)
            assert alone is not None and whole is not None
            for f in FIELDS:
                assert getattr(alone, f).tobytes() == getattr(whole, f)[r : r + 1].tobytes(), f
            for t in TERMS:
                assert alone.terms[t].tobytes() == whole.terms[t][r : r + 1].tobytes(), t


@settings(max_examples=10, deadline=None)
@given(case=cases(max_runs=3))
def test_the_totals_are_the_decision_kernels(case):
    """One kernel: the decisions' totals and the breakdown's total are the same bits."""
    name, runs, overrides, seed, profiles, flags, _ = case
    calls, (rt, s0, ctl, layers) = build(name, runs, overrides, seed, profiles, flags, "decide")
    for args, kw in calls:
        params, nxt = args[1], args[4]
        got = _decide_kernel.totals(
            rt.view, rt.world, rt.idx, params, kw["market"], rt.weights, rt.active, s0,
            nxt.tariff, ctl, layers, rt._slow(params, s0), memo=False,
        )  # fmt: skip
        full = _decide_kernel.breakdown(*args, **kw)
        assert got is not None and full is not None
        assert got.tobytes() == full.total.tobytes()


# ---------------------------------------------------------------------------
# The engine's own calls
# ---------------------------------------------------------------------------
def captured(name, runs=3, rounds=16):
    """Every evaluation the engine makes in a short batch of scenario ``name``."""
    calls = []
    real = _distinct._evaluate

    def spy(*args, **kw):  # a call for one country's totals (me=) is compared whole
        calls.append((args, {k: v for k, v in kw.items() if k != "me"}))
        return real(*args, **kw)

    game = GAMES[name]
    over = {"elasticity": np.linspace(1.5, 3.5, runs), "noise": np.linspace(0.0, 0.1, runs)}
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_distinct, "_evaluate", spy)
        ts.simulate_batch(game, rounds, seeds=range(runs), overrides=over, record="compact")
    return calls


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_the_engines_calls_agree_with_the_block(name, monkeypatch):
    monkeypatch.setattr(_trade_kernel, "ENABLED", True)
    calls = captured(name)
    assert calls
    for args, kw in calls:
        compare_by_run(args, kw)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_every_engine_call_is_in_the_kernels_scope(name, monkeypatch):
    monkeypatch.setattr(_decide_kernel, "ENABLED", True)
    results = []
    real = _decide_kernel.breakdown

    def spy(*args, **kw):
        out = real(*args, **kw)
        results.append(out is not None)
        return out

    monkeypatch.setattr(_decide_kernel, "breakdown", spy)
    over = {"elasticity": np.linspace(1.5, 3.5, 5), "noise": np.linspace(0.0, 0.1, 5)}
    ts.simulate_batch(GAMES[name], 20, seeds=range(5), overrides=over, record="compact")
    # runs that repeat others: the memo evaluates copies of their rows (broadcasts copied)
    twins = {"belief:pass_through.US.CN": np.full(4, 0.9), "noise": np.full(4, 0.05)}
    ts.simulate_batch(GAMES[name], 20, seeds=[0, 0, 0, 1], overrides=twins, record="compact")
    ts.simulate(GAMES[name], 20, seed=0)
    assert results and all(results)


# ---------------------------------------------------------------------------
# The tests can fail: a broken term is caught
# ---------------------------------------------------------------------------
ROWS = {**{t: n for n, t in enumerate(TERMS)}, "burden": 12, "recession": 13, "drawdown": 14,
        "approval": 15, "equity": 16, "bond": 17, "market_burden": 18,
        "market_value": 19}  # fmt: skip


@pytest.mark.parametrize("field", ["total", *ROWS])
@pytest.mark.parametrize("rel", [1e-9, -1.0])
def test_a_broken_field_is_caught(field, rel, monkeypatch):
    """A kernel with one entry of one field off by 1e-9 of its size (or dropped) fails."""
    every = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), True)
    args, kw = build("four-country-2025", 2, {}, 7, 3, every, "decide")[0][0]
    want = _evaluate_block(*row(args, kw, 1)[0], **row(args, kw, 1)[1])
    real = _decide_kernel._KERNEL.get()

    def broken(*a):
        real(*a)
        out, outs, r0, r1 = a[-4:]
        if not r0 <= 1 < r1:  # a block of runs without run 1
            return
        x = out if field == "total" else outs[ROWS[field]]
        v = x[1, 2, 1]
        x[1, 2, 1] = v + rel * (1.0 + abs(v)) if rel > 0 else 0.0 if v else 1.0

    monkeypatch.setattr(_decide_kernel._KERNEL, "_compiled", broken)
    got = _decide_kernel.breakdown(*args, **kw)
    one = Breakdown(
        terms={t: got.terms[t][1:2] for t in TERMS}, weights=got.weights, total=got.total[1:2],
        burden=got.burden[1:2], recession=got.recession[1:2], drawdown=got.drawdown[1:2],
        approval=got.approval[1:2], imports_fn=lambda: None, effective_fn=lambda: None,
        equity=got.equity[1:2], bond=got.bond[1:2], market_burden=got.market_burden[1:2],
        market_value=got.market_value[1:2],
    )  # fmt: skip
    assert set(mismatches(one, want)) == {field}


# ---------------------------------------------------------------------------
# Scope and switch
# ---------------------------------------------------------------------------
def test_parameters_outside_the_engines_layout_fall_back():
    none = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), False)
    calls, (rt, *_) = build("us-china-145", 2, {}, 0, 3, none, "decide")
    args, kw = calls[0]
    plain = _slice_params(ts.Params.default(rt.world), rt.idx)  # (k, k) fields, no run axes
    assert _decide_kernel.breakdown(args[0], plain, *args[2:], **kw) is None
    bd = _distinct.evaluate_distinct(args[0], plain, *args[2:], **kw)  # the block answers
    assert bd.total.shape[:2] == args[4].tariff.shape[:2]


def test_switched_off_the_numpy_block_prices(monkeypatch):
    game = GAMES["four-country-2025"]
    over = {"elasticity": np.array([1.7, 2.9, 2.2])}
    on = ts.simulate_batch(game, 20, seeds=range(3), overrides=over)

    def boom(*args, **kw):
        raise AssertionError("the kernel ran while switched off")

    monkeypatch.setattr(_decide_kernel, "ENABLED", False)
    monkeypatch.setattr(_decide_kernel, "breakdown", boom)
    monkeypatch.setattr(_decide_kernel, "_run", boom)
    off = ts.simulate_batch(game, 20, seeds=range(3), overrides=over)
    np.testing.assert_array_equal(on.tariff, off.tariff)
    np.testing.assert_allclose(on.payoff, off.payoff, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(on.equity, off.equity, rtol=1e-12, atol=1e-12)


def test_without_the_environment_switch_the_engine_runs_on_numpy():
    code = (
        "import numpy as np, tariffsim as ts\n"
        "from tariffsim import _decide_kernel as d\n"
        "pb = ts.simulate_batch(ts.load_scenario('us-china-145').game, 12, seeds=range(4))\n"
        "print(d.ENABLED, pb.tariff.shape)"
    )
    env = {**os.environ, _decide_kernel.ENV: "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[0] == "False"


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_candidates_equal_but_for_their_peaks_are_their_own(name):
    """The kernel computes a candidate equal to an earlier one of its run once; a candidate
    with the same tariffs and controls but another peak (here none: cutting a tariff to zero
    is then no elimination of a tariff ever raised) is not such a twin."""
    flags = dict.fromkeys(("equity", "burden", "pending", "control", "layers", "twins"), False)
    (args, kw), *_ = build(name, 3, {}, 7, 2, flags, "decide")[0]
    nxt, t0 = args[4], args[5]
    cand = np.array(nxt.tariff)
    cand[:, 0, 0, 1] = 0.0  # the first's tariff on the second cut to zero ...
    cand[:, 1] = cand[:, 0]  # ... in both candidates
    t0 = np.array(t0)
    t0[:, 0, 0, 1] = 0.5
    peak = np.maximum(np.maximum(nxt.peak, t0), cand)
    peak[:, 1] = 0.0  # ... from a tariff the second candidate's history never raised
    nxt = StateBatch(
        tariff=cand, control=nxt.control, peak=peak, moved=cand - t0, support=nxt.support,
        shock=nxt.shock, adjust=nxt.adjust, layers=nxt.layers,
    )  # fmt: skip
    args = (*args[:4], nxt, t0, *args[6:])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_trade_kernel, "ENABLED", True)
        block = _evaluate_block(*args, **kw)
        assert np.any(block.terms["face"][:, 0] != block.terms["face"][:, 1])
        compare_by_run(args, kw)


@settings(max_examples=15, deadline=None)
@given(case=cases(max_runs=4), jit=st.booleans())
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_one_countrys_totals_are_the_breakdowns_column(case, jit):
    """``total_distinct`` (what the talks read of each party: the kernel computes that
    country's totals only) gives the bits of ``evaluate_distinct(...).total[..., me]``,
    compiled or on the numpy block, rows alike or not."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_decide_kernel, "ENABLED", jit)
        for args, kw in build(*case)[0]:
            whole = _distinct.evaluate_distinct(*args, **kw).total
            for me in range(whole.shape[-1]):
                one = _distinct.total_distinct(*args, me=me, **kw)
                want = np.ascontiguousarray(whole[..., me])
                assert one.shape == want.shape
                assert one.tobytes() == want.tobytes(), me
