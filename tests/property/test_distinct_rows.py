"""Evaluating the distinct rows of a batch only is a pure memo: the same bits as every row."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _distinct, _rows, parampath
from tariffsim.path import ARRAY_FIELDS

SETTINGS = settings(max_examples=6, deadline=None)
GAMES = {
    name: ts.load_scenario(name).game
    for name in ("us-china-145", "four-country-2025", "rare-earth-100")
}
# (path, values): few values per path, so that runs repeat one another
PATHS = [
    ("elasticity", (1.5, 2.5, 3.5)),
    ("truth:pass_through.US.CN", (0.6, 1.0)),
    ("belief:pass_through.US.CN", (0.5, 0.9)),
    ("face_weight", (0.0, 1.5)),
    ("noise", (0.0, 0.0, 0.2)),
    ("learning_rate.US", (0.0, 0.5)),
]


@st.composite
def repeating_batches(draw, min_runs=4, max_runs=10):
    """Seeds and overrides drawn from small pools: many runs repeat others, some none."""
    runs = draw(st.integers(min_runs, max_runs))
    pool = draw(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3))
    seeds = draw(st.lists(st.sampled_from(pool), min_size=runs, max_size=runs))
    chosen = draw(st.lists(st.sampled_from(PATHS), max_size=3, unique_by=lambda p: p[0]))
    overrides = {
        path: np.array(draw(st.lists(st.sampled_from(vals), min_size=runs, max_size=runs)))
        for path, vals in chosen
    }
    return seeds, overrides


def same(a, b, what=""):
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, (what, name)
        assert x.tobytes() == y.tobytes(), (what, name)


def batch_both_ways(game, rounds, seeds, overrides, record="full"):
    """The batch with the memo on and off, and the row counts the memo evaluated."""
    seen = []
    real = _distinct._evaluate  # the compiled breakdown or the numpy block, on the rows given

    def counting(world, p, weights, active, nxt, *args, **kw):
        seen.append(nxt.tariff.shape[0])
        return real(world, p, weights, active, nxt, *args, **kw)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(_distinct, "_evaluate", counting)
        on = ts.simulate_batch(game, rounds, seeds=seeds, overrides=overrides, record=record)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_rows, "_ENABLED", False)
        off = ts.simulate_batch(game, rounds, seeds=seeds, overrides=overrides, record=record)
    return on, off, seen


@SETTINGS
@given(batch=repeating_batches(), name=st.sampled_from(sorted(GAMES)))
@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_memo_on_and_off_give_the_same_bits(batch, name):
    seeds, overrides = batch
    game = GAMES[name]
    on, off, _ = batch_both_ways(game, 16, seeds, overrides)
    for r in range(len(seeds)):
        same(on[r], off[r], f"run {r}")


@settings(max_examples=4, deadline=None)
@given(batch=repeating_batches(max_runs=6))
def test_each_run_is_still_simulate_with_its_seed(batch):
    seeds, overrides = batch
    game = GAMES["us-china-145"]
    pb = ts.simulate_batch(game, 16, seeds=seeds, overrides=overrides)
    for r, seed in enumerate(seeds):
        one = parampath.apply(game, {k: float(v[r]) for k, v in overrides.items()})
        same(pb[r], ts.simulate(one, 16, seed=seed), f"run {r}")


def test_identical_runs_are_evaluated_once():
    game = GAMES["four-country-2025"]
    on, off, seen = batch_both_ways(game, 12, [3] * 8, {}, record="compact")
    for name in ("tariff", "control", "moves", "payoff", "recession", "approval", "drawdown"):
        assert getattr(on, name).tobytes() == getattr(off, name).tobytes(), name
    assert seen and max(seen) == 1  # every evaluation of the eight runs took one row


def test_distinct_runs_are_evaluated_whole():
    game = GAMES["us-china-145"]
    over = {"elasticity": np.linspace(1.5, 3.5, 8)}
    on, off, seen = batch_both_ways(game, 12, range(8), over)
    for r in range(8):
        same(on[r], off[r], f"run {r}")
    assert 8 in seen  # a per-run parameter differing in every row: nothing to share


def test_two_classes_of_runs():
    game = GAMES["us-china-145"]
    over = {"truth:pass_through.US.CN": np.array([0.6, 1.0] * 4)}
    on, off, seen = batch_both_ways(game, 12, range(8), over)
    for r in range(8):
        same(on[r], off[r], f"run {r}")
    assert 2 in seen and 8 not in seen


def test_rows_differing_only_in_the_sign_of_a_zero_are_kept_apart():
    a = np.zeros((6, 1, 2, 2))
    a[3, 0, 0, 1] = -0.0
    first, inv = _rows._classes([a], 6)
    assert len(first) == 2 and inv.tolist() == [0, 0, 0, 1, 0, 0]
