"""The compiled trade terms (numba) against the numpy path, and run by run against themselves.

The two paths agree to 1e-12 relative, entry by entry, on inputs in the
model's range: rates 0 or at least 5%, pass-through 0 or at least 0.2,
elasticities exactly 1 or at least 0.1 away from it. (Closer to 1, or at
tiny rates, both paths compute ``1 - (1 + p t) ** (1 - s)`` with
cancellation, and their last-place differences grow by ``1 / ((s - 1) log(1 + p t))``.)
Within the kernel, a run's numbers never depend on the other runs of its
batch, nor on whether a parameter is a scalar or an array: bit for bit.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _trade_kernel, parampath, payoffs
from tariffsim.path import ARRAY_FIELDS

RTOL = 1e-12
US_CHINA = ts.load_scenario("us-china-145").game
FOUR = ts.load_scenario("four-country-2025").game


def terms(enabled, p, r, m0_seg, gdp, pt, el):
    old = _trade_kernel.ENABLED
    _trade_kernel.ENABLED = enabled
    try:
        return (
            *payoffs._trade_terms(p, r, m0_seg, gdp, pt, el),
            payoffs._segment_flows(m0_seg, r, pt, el),
        )
    finally:
        _trade_kernel.ENABLED = old


def _values(rng, shape, lo, hi, zero=0.0):
    """Uniform on ``[lo, hi]``, a share ``zero`` of the entries exactly 0."""
    x = rng.uniform(lo, hi, shape)
    return np.where(rng.uniform(size=shape) < zero, 0.0, x)


def _elasticities(rng, shape):
    """Exactly 1 for about a third of the entries, else in [0.3, 0.9] or [1.1, 4]."""
    x = np.where(
        rng.uniform(size=shape) < 0.5, rng.uniform(0.3, 0.9, shape), rng.uniform(1.1, 4.0, shape)
    )
    return np.where(rng.uniform(size=shape) < 0.35, 1.0, x)


@st.composite
def inputs(draw):
    """Trade-term arguments in every shape the payoff block passes (after ``payoffs._seg``)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, K = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    lead = draw(
        st.sampled_from([(), (3,), (1,), (2, 3), (4, 1), (1, 1), (3, 2, 2)])
    )  # runs, profiles; three leading axes too
    m0_seg = _values(rng, (K, n, n), 0.5, 100.0, zero=0.3)
    if K > 1:  # further segments hold the trade of a few rows only
        m0_seg[1:, rng.uniform(size=n) < 0.5] = 0.0
    run = lead[:1] + (1,) * (len(lead) - 1)  # per-run arrays: a run axis, others broadcast

    def dyad(values, k_axis=True, forms=("scalar", "grid", "per-run", "per-run scalar", "full")):
        """A per-dyad parameter; ``k_axis``: with the segment axis, as ``payoffs._seg`` gives it."""
        form = draw(st.sampled_from(forms))
        if form == "scalar" or (not lead and form != "grid"):
            return float(values(()))
        k = (1,) if k_axis else ()
        shape = {
            "grid": (n, n),
            "per-run": (*run, *k, n, n),
            "per-run scalar": (*run, *k, 1, 1),
            "full": (*lead, *k, n, n),
        }[form]
        return values(shape)

    pt = dyad(lambda s: _values(rng, s, 0.2, 1.0, zero=0.2))
    el = dyad(lambda s: _elasticities(rng, s))
    dep = dyad(lambda s: _values(rng, s, 0.5, 3.0), k_axis=False)  # Params fields: no segment axis
    # the export margin is one number (per run)
    margin = dyad(
        lambda s: _values(rng, s, 0.0, 1.0), k_axis=False, forms=("scalar", "per-run scalar")
    )
    wform = draw(st.sampled_from(["scalar", "country", "per-run"]))
    if wform == "scalar" or (wform == "per-run" and not lead):
        weight = float(rng.uniform(0, 1))
    elif wform == "country":
        weight = rng.uniform(0, 1, n)
    else:
        weight = rng.uniform(0, 1, (*run, n))
    r = _values(rng, (*lead, K, n, n), 0.05, 2.5, zero=0.3)
    gdp = rng.uniform(0.1, 30.0, n)
    p = SimpleNamespace(dependence=dep, export_margin=margin, revenue_weight=weight)
    return p, r, m0_seg, gdp, pt, el


@settings(max_examples=200, deadline=None)
@given(args=inputs())
def test_kernel_agrees_with_the_numpy_path(args):
    want = terms(False, *args)
    got = terms(True, *args)
    for name, g, w in zip(
        ("pain", "revenue", "retaliation", "flows", "flows alone"), got, want, strict=True
    ):
        assert g.shape == w.shape, name
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=0, err_msg=name)


def _run(x, a, tail):
    """Run ``a`` of an argument with ``tail`` axes after its leading (run, ...) ones."""
    has_runs = isinstance(x, np.ndarray) and x.ndim > tail and x.shape[0] > 1
    return x[a : a + 1] if has_runs else x


@settings(max_examples=100, deadline=None)
@given(args=inputs())
def test_a_run_does_not_depend_on_the_others_nor_on_broadcasting(args):
    p, r, m0_seg, gdp, pt, el = args
    assume(r.ndim >= 4)  # a run axis
    whole = terms(True, *args)
    for a in range(r.shape[0]):
        q = SimpleNamespace(
            dependence=_run(p.dependence, a, 2),
            export_margin=_run(p.export_margin, a, 2),
            revenue_weight=_run(p.revenue_weight, a, 1),
        )
        alone = terms(True, q, _run(r, a, 3), m0_seg, gdp, _run(pt, a, 3), _run(el, a, 3))
        for w, x in zip(whole, alone, strict=True):
            assert w[a : a + 1].tobytes() == x.tobytes()
    # parameters spread to the full shape give the same bits as scalars and broadcast axes
    lead, n = r.shape[:-3], r.shape[-1]
    spread = SimpleNamespace(  # Params fields: no segment axis
        dependence=np.broadcast_to(p.dependence, (*lead, n, n)).copy(),
        export_margin=np.broadcast_to(p.export_margin, (*lead, 1, 1)).copy(),
        revenue_weight=np.broadcast_to(p.revenue_weight, (*lead, n)).copy(),
    )
    full = (*lead, 1, n, n)
    pt_full, el_full = np.broadcast_to(pt, full).copy(), np.broadcast_to(el, full).copy()
    for w, x in zip(whole, terms(True, spread, r, m0_seg, gdp, pt_full, el_full), strict=True):
        assert w.shape == x.shape
        assert w.tobytes() == x.tobytes()


def test_shapes_that_do_not_broadcast_are_refused():
    m0 = np.ones((1, 2, 2))
    r = np.zeros((2, 3, 1, 2, 2))
    pt = np.ones((3, 1, 1, 2, 2))  # three runs against two
    p = SimpleNamespace(dependence=1.0, export_margin=0.25, revenue_weight=0.5)
    for enabled in (False, True):
        with pytest.raises(ValueError):
            terms(enabled, p, r, m0, np.ones(2), pt, 2.5)


def test_threads_asking_first_share_one_compilation(monkeypatch):
    rng = np.random.default_rng(5)
    r = rng.uniform(0, 1.5, (3, 2, 2, 3, 3))
    m0 = rng.uniform(1, 50, (2, 3, 3))
    p = SimpleNamespace(dependence=1.0, export_margin=0.25, revenue_weight=0.5)
    monkeypatch.setattr(_trade_kernel, "ENABLED", True)
    want = payoffs._trade_terms(p, r, m0, np.ones(3), 0.8, 2.5)
    monkeypatch.setattr(_trade_kernel._KERNEL, "_compiled", None)  # as in a fresh process
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda _: payoffs._trade_terms(p, r, m0, np.ones(3), 0.8, 2.5), range(8)))
    for g in got:
        for x, y in zip(g, want, strict=True):
            assert x.tobytes() == y.tobytes()


def test_the_kernel_is_in_force_in_the_test_environment():
    # numba is in the `test` extra: the suite runs the compiled kernel unless it is switched off
    assert _trade_kernel.AVAILABLE
    off = os.environ.get(_trade_kernel.ENV, "").strip().lower() in ("0", "false", "no", "off")
    assert _trade_kernel.ENABLED is (not off)


def _same(a, b, what):
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, (what, name)
        assert x.tobytes() == y.tobytes(), (what, name)


@pytest.mark.parametrize("enabled", [True, False], ids=["kernel", "numpy"])
@pytest.mark.parametrize("game", [US_CHINA, FOUR], ids=["us-china-145", "four-country-2025"])
def test_batched_runs_equal_simulate_with_either_path(monkeypatch, enabled, game):
    monkeypatch.setattr(_trade_kernel, "ENABLED", enabled)
    over = {
        "elasticity": np.array([1.0, 2.5, 1.7, 3.2]),  # 1: the log branch, mixed with the others
        "truth:pass_through.US.CN": np.array([0.9, 0.6, 1.0, 0.75]),
        "noise": np.array([0.0, 0.05, 0.1, 0.02]),
    }
    rounds = 20 if game is US_CHINA else 12
    pb = ts.simulate_batch(game, rounds, seeds=range(4), overrides=over)
    for a in range(4):
        one = parampath.apply(game, {k: float(v[a]) for k, v in over.items()})
        _same(pb[a], ts.simulate(one, rounds, seed=a), f"run {a}")
