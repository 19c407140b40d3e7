"""Tie losses moved and read on the involved countries' rows: the whole world's bits."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _batchrun
from tariffsim import dynamics as dy
from tariffsim.path import ARRAY_FIELDS

SETTINGS = settings(max_examples=60, deadline=None)
ENGINE_SETTINGS = settings(max_examples=8, deadline=None)
# entries of a loss: exact zeros of both signs, the cap, above it, and anything between
LOSS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 1.25]), st.floats(0.0, 1.0, allow_subnormal=False)
)


def bits(a):
    return np.ascontiguousarray(a, dtype=float).view(np.uint64)


def same(a, b):
    return a.shape == b.shape and np.array_equal(bits(a), bits(b))


@st.composite
def cases(draw, min_others=0):
    """A world of ``n`` with ``k`` involved countries, ``R`` runs of a loss carried by its
    rows and this round's rises: runs without a loss, without a rise, with both."""
    n = draw(st.integers(2 + min_others, 11))
    k = draw(st.integers(1, n - min_others))
    idx = np.array(sorted(draw(st.sets(st.integers(0, n - 1), min_size=k, max_size=k))))
    upper = np.array(draw(st.lists(LOSS, min_size=n * n, max_size=n * n))).reshape(n, n)
    ties = np.abs(np.triu(upper, 1)) * draw(st.sampled_from([0.0, 1.0, 0.7]))  # none at all too
    ties = ties + ties.T
    runs = draw(st.integers(1, 5))
    rows = np.zeros((runs, k, n))
    rise = np.zeros((runs, k, k))
    for r in range(runs):
        if draw(st.booleans()):  # a held loss
            rows[r] = np.array(draw(st.lists(LOSS, min_size=k * n, max_size=k * n))).reshape(k, n)
        if draw(st.booleans()):  # a rise this round
            rise[r] = np.array(draw(st.lists(LOSS, min_size=k * k, max_size=k * k))).reshape(k, k)
    block = rows[..., idx]
    upper = np.triu(np.ones((k, k), dtype=bool))
    rows[..., idx] = np.where(upper, block, np.swapaxes(block, -1, -2))  # symmetric
    if draw(st.booleans()):
        ero = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=runs, max_size=runs)))
        ero = ero.reshape(-1, 1, 1)
    else:
        ero = draw(st.floats(0.0, 1.0))
    if draw(st.booleans()):
        spans = st.one_of(st.just(0.0), st.floats(0.5, 400.0))
        half = np.array(draw(st.lists(spans, min_size=runs, max_size=runs)))
        half = half.reshape(-1, 1, 1)
    else:
        half = draw(st.sampled_from([0.0, 91.0, 182.0]))
    days = draw(st.sampled_from([0.0, 1.0, 7.0, 30.5]))
    return idx, ties, rows, rise, ero, half, days


def whole_rise(rise, idx, n):
    full = np.zeros((len(rise), n, n))
    full[:, idx[:, None], idx[None, :]] = rise
    return full


@SETTINGS
@given(case=cases())
def test_the_whole_loss_is_a_function_of_its_rows(case):
    idx, ties, rows, *_ = case
    n = ties.shape[0]
    loss = dy._tie_rows_whole(rows, idx, n)
    assert same(loss, np.swapaxes(loss, -1, -2))
    assert same(loss[:, idx], rows)
    off = np.setdiff1d(np.arange(n), idx)
    assert not np.signbit(loss[:, off[:, None], off[None, :]]).any()
    assert not np.any(loss[:, off[:, None], off[None, :]])
    assert same(dy._tie_rows_of(loss, idx, ties), rows)


@SETTINGS
@given(case=cases())
def test_a_round_on_the_rows_is_a_round_on_the_whole_world(case):
    idx, ties, rows, rise, ero, half, days = case
    n = ties.shape[0]
    loss = dy._tie_rows_whole(rows, idx, n)
    assert dy._rows_exact(n, tuple(idx.tolist()))
    plain = dy.tie_step(loss, whole_rise(rise, idx, n), ties, ero, days, half)
    fast = dy._tie_rows_step(rows, rise, idx, ties, ero, days, half)
    assert same(dy._tie_rows_whole(fast, idx, n), plain)
    assert same(dy._tie_rows_of(plain, idx, ties), fast)  # and the next round reads its rows


@SETTINGS
@given(case=cases(min_others=1))
def test_ties_in_force_and_held_read_from_the_rows(case):
    idx, ties, rows, *_ = case
    n = ties.shape[0]
    loss = dy._tie_rows_whole(rows, idx, n)
    others = np.setdiff1d(np.arange(n), idx)
    eff, two = dy.ties_in_force(loss, ties)
    r_eff, r_two = dy._tie_rows_in_force(rows, idx, ties)
    assert same(r_eff, eff[:, idx[:, None], idx[None, :]])
    assert same(r_two, two[:, idx[:, None], idx[None, :]])
    held = dy.tie_held(loss, ties)
    assert same(dy._tie_rows_held(rows, idx, ties), held[:, idx])
    assert same(dy._tie_rows_held_others(rows, idx, others, ties, lambda: loss), held[:, others])


@SETTINGS
@given(case=cases(min_others=1), data=st.data())
def test_a_loss_the_rows_do_not_carry_is_refused(case, data):
    idx, ties, rows, *_ = case
    n = ties.shape[0]
    loss = dy._tie_rows_whole(rows, idx, n)
    others = np.setdiff1d(np.arange(n), idx)
    r = data.draw(st.integers(0, len(loss) - 1))
    a, b = data.draw(st.sampled_from(others)), data.draw(st.integers(0, n - 1))
    value = data.draw(st.sampled_from([0.3, -0.0]))
    bad = loss.copy()
    bad[r, a, b] = value  # off the cross, or one side of a tie only
    if not same(bad, loss):
        assert dy._tie_rows_of(bad, idx, ties) is None
    lop = ties.copy()
    lop[a, b] = 0.25 if a != b else 0.0
    if not same(lop, lop.T):
        assert dy._tie_rows_of(loss, idx, lop) is None


def test_ties_with_a_negative_zero_are_refused():
    ties = np.array([[0.0, 0.5, -0.0], [0.5, 0.0, 0.2], [-0.0, 0.2, 0.0]])
    idx = np.array([0, 1])
    assert dy._tie_rows_of(np.zeros((1, 3, 3)), idx, ties) is None
    assert dy._tie_rows_of(np.zeros((1, 3, 3)), idx, np.abs(ties)) is not None


def test_two_countries_equal_ones_own_sum_order_free():
    """With two involved countries an uninvolved row sums two terms, in any order."""
    ties = np.array([[0, 0.3, 0.7], [0.3, 0, 0.9], [0.7, 0.9, 0]])
    rows = np.array([[[0.0, 0.1, 0.2], [0.1, 0.0, 0.4]]])
    loss = dy._tie_rows_whole(rows, np.array([0, 1]), 3)
    got = dy._tie_rows_held_others(rows, np.array([0, 1]), np.array([2]), ties, lambda: loss)
    np.testing.assert_allclose(got, [[0.7 * 0.2 + 0.9 * 0.4]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_sum_of_negative_zeros_is_the_whole_rows_positive_zero(k):
    n = 5
    ties = np.triu(np.full((n, n), 0.5), 1)
    ties = ties + ties.T
    idx, others = np.arange(k), np.arange(k, n)
    rows = np.zeros((1, k, n))
    rows[..., k:] = -0.0
    loss = dy._tie_rows_whole(rows, idx, n)
    held = dy.tie_held(loss, ties)[:, others]
    assert not np.signbit(held).any()
    assert same(dy._tie_rows_held_others(rows, idx, others, ties, lambda: loss), held)


# -- the engine -------------------------------------------------------------------------------
GAMES = {
    name: ts.load_scenario(name).game
    for name in ("us-china-145", "four-country-2025", "secondary-oil-tariffs")
}


def both_ways(game, rounds, seeds, overrides, record):
    """The batch with the tie losses on the involved rows and on the whole world."""
    seen = []
    real = dy._tie_rows_step

    def counting(*args, **kw):
        seen.append(1)
        return real(*args, **kw)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(_batchrun, "_tie_rows_step", counting)
        rows = ts.simulate_batch(game, rounds, seeds=seeds, overrides=overrides, record=record)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(dy, "_ROWS_ENABLED", False)
        whole = ts.simulate_batch(game, rounds, seeds=seeds, overrides=overrides, record=record)
    for name in ARRAY_FIELDS:
        x, y = getattr(rows, name), getattr(whole, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert same(np.asarray(x), np.asarray(y)), name
    return rows, len(seen)


@ENGINE_SETTINGS
@given(
    name=st.sampled_from(sorted(GAMES)),
    runs=st.integers(1, 6),
    erosion=st.lists(st.floats(0.0, 0.4), min_size=6, max_size=6),
    rebuild=st.lists(st.sampled_from([0.0, 30.0, 182.0, 400.0]), min_size=6, max_size=6),
    noise=st.lists(st.sampled_from([0.0, 0.0, 0.2]), min_size=6, max_size=6),
    record=st.sampled_from(["full", "compact"]),
    seed=st.integers(0, 2**32 - 1),
)
@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
def test_the_engine_on_the_rows_gives_the_whole_worlds_bits(
    name, runs, erosion, rebuild, noise, record, seed
):
    overrides = {
        "truth:tie_erosion": np.array(erosion[:runs]),
        "truth:tie_rebuild_days": np.array(rebuild[:runs]),
        "noise": np.array(noise[:runs]),  # runs with and without rises in one round
    }
    seeds = [seed + r for r in range(runs)]
    out, steps = both_ways(GAMES[name], 14, seeds, overrides, record)
    assert steps > 0  # the rows were used
    if record == "full":
        assert np.all(out.tie_loss >= 0) and np.all(out.tie_loss <= 1)


def test_an_initial_loss_on_the_cross_is_moved_on_the_rows():
    game = GAMES["us-china-145"]
    w = game.world
    loss = np.zeros((w.n, w.n))
    us, cn, jp = w.index("US"), w.index("CN"), w.index("JP")
    loss[us, jp] = loss[jp, us] = 0.4
    loss[us, cn] = loss[cn, us] = 0.1
    start = (game.initial or ts.State.zeros(w.n)).replace(tie_loss=loss)
    _, steps = both_ways(game.replace(initial=start), 10, [1, 2, 3], None, "full")
    assert steps > 0


def test_an_initial_loss_among_third_parties_stays_on_the_whole_world():
    game = GAMES["us-china-145"]
    w = game.world
    loss = np.zeros((w.n, w.n))
    jp, kr = w.index("JP"), w.index("KR")
    loss[jp, kr] = loss[kr, jp] = 0.3
    start = (game.initial or ts.State.zeros(w.n)).replace(tie_loss=loss)
    out, steps = both_ways(game.replace(initial=start), 10, [1, 2, 3], None, "full")
    assert steps == 0
    assert np.all(out.tie_loss[:, 1:, jp, kr] < 0.3)  # and it rebuilds


@pytest.mark.parametrize("name", ts.list_scenarios())
def test_the_bundled_scenarios_use_the_rows(name, monkeypatch):
    """The products the rows rest on agree here for every bundled scenario's players."""
    seen = []
    real = dy._tie_rows_in_force

    def counting(*args, **kw):
        seen.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(_batchrun, "_tie_rows_in_force", counting)
    ts.simulate_batch(ts.load_scenario(name).game, 2, seeds=range(2))
    assert seen


class _Watcher:
    """A per-run strategy (no ``act_batch``) that keeps the tie losses it is shown."""

    name = "watcher"
    traits = ts.agents.Traits(memory_depth=float("inf"))

    def __init__(self):
        self.seen = []

    def act(self, obs, rng):
        self.seen.append([s.tie_loss.copy() for s in (*obs.history, obs.state)])
        return {d: 1 for d in obs.targets}  # raises: the ties erode


@pytest.mark.parametrize("record", ["compact", "full"])
def test_a_per_run_strategy_is_shown_the_whole_worlds_losses(record):
    """The engine keeps a loss the rows carry as its rows (the whole array made only when
    asked for: a full record makes it every round); a per-run strategy's states still hold
    the whole world's loss, as the engine on the whole world shows them."""
    game = GAMES["us-china-145"]
    seen = {}
    for label, enabled in (("rows", True), ("whole", False)):
        watcher = _Watcher()
        agents = tuple(
            dataclasses.replace(a, strategy=watcher) if a.code == "CN" else a for a in game.agents
        )
        with pytest.MonkeyPatch.context() as m:
            m.setattr(dy, "_ROWS_ENABLED", enabled)
            ts.simulate_batch(
                game.replace(agents=agents), 12, seeds=[1, 2],
                overrides={"truth:tie_erosion": np.array([0.1, 0.3])}, record=record,
            )  # fmt: skip
        seen[label] = watcher.seen
    assert len(seen["rows"]) == len(seen["whole"]) > 0
    assert any(np.any(s[-1] > 0) for s in seen["rows"])  # a loss was shown
    for a, b in zip(seen["rows"], seen["whole"], strict=True):
        assert len(a) == len(b)
        assert all(same(x, y) for x, y in zip(a, b, strict=True))
