"""``Ladder.step_many`` follows ``Ladder.step`` element by element, for any ladder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _ladder_kernel, _trade_kernel


@st.composite
def ladders(draw: st.DrawFn) -> ts.Ladder:
    # gaps from 1e-10 (closer than the 1e-9 rung tolerance) to whole rungs
    gaps = draw(
        st.lists(
            st.one_of(st.sampled_from([1e-10, 1e-9, 2e-9, 4e-9, 5e-9]), st.floats(1e-3, 0.6)),
            min_size=0, max_size=24,
        )
    )  # fmt: skip
    levels = tuple(np.cumsum([draw(st.floats(0.0, 0.2)), *gaps]).tolist())
    levels = tuple(sorted(set(levels)))
    inner = levels[1:-1]
    down = draw(st.lists(st.sampled_from(inner), max_size=2, unique=True)) if inner else []
    return ts.Ladder(levels, down_only=tuple(down))


@settings(max_examples=300, deadline=None)
@given(ladders(), st.data())
def test_many_is_the_scalar_rule(lad: ts.Ladder, data: st.DataObject) -> None:
    lv = np.asarray(lad.levels)
    near = st.sampled_from(lv.tolist()).flatmap(
        lambda v: st.sampled_from([v, v + 5e-10, v - 5e-10, v + 1e-9, v - 1e-9, v + 3e-9])
    )
    anywhere = st.floats(-0.5, float(lv[-1]) + 0.5, allow_nan=False)
    levels = data.draw(st.lists(st.one_of(near, anywhere), min_size=1, max_size=40))
    moves = data.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=len(levels),
                               max_size=len(levels)))  # fmt: skip
    got = lad.step_many(np.array(levels), np.array(moves))
    want = [lad.step(x, m) for x, m in zip(levels, moves, strict=True)]
    np.testing.assert_array_equal(got, np.array(want, dtype=float))


@settings(max_examples=100, deadline=None)
@given(ladders(), st.data())
def test_many_broadcasts_levels_over_moves(lad: ts.Ladder, data: st.DataObject) -> None:
    """Levels (R, 1) against moves (1, 3), as the engine steps candidates: each entry as step."""
    lv = np.asarray(lad.levels)
    levels = data.draw(st.lists(st.sampled_from(lv.tolist()) | st.floats(-0.5, 3.0), min_size=1,
                                max_size=12))  # fmt: skip
    got = lad.step_many(np.array(levels)[:, None], np.array([[-1, 0, 1]]))
    assert got.shape == (len(levels), 3) and got.flags.writeable
    for r, x in enumerate(levels):
        assert got[r].tolist() == [lad.step(x, m) for m in (-1, 0, 1)]
    assert lad.step_many(np.array(levels), 0).tolist() == levels


@settings(max_examples=150, deadline=None)
@given(ladders(), st.data())
def test_compiled_steps_are_the_numpy_rule(lad: ts.Ladder, data: st.DataObject) -> None:
    """Batches large enough for the compiled steps give the numpy rule's bits: levels near,
    between, below and above the rungs, NaN, and moves of any size and sign, broadcast."""
    assert _ladder_kernel.step_many(np.zeros(1), lad._next_up, np.zeros(80), 1) is not None
    lv = np.asarray(lad.levels)
    near = st.sampled_from(lv.tolist()).flatmap(
        lambda v: st.sampled_from([v, v + 5e-10, v - 5e-10, v + 1e-9, v - 1e-9, v + 3e-9])
    )
    anywhere = st.floats(-0.5, float(lv[-1]) + 0.5, allow_nan=False)
    odd = st.sampled_from([float("nan"), float("inf"), -float("inf"), -0.0])
    levels = np.array(data.draw(st.lists(st.one_of(near, anywhere, odd), min_size=32,
                                         max_size=96)))  # fmt: skip
    moves = np.array(data.draw(st.lists(st.sampled_from([-3, -1, 0, 1, 2, -0.5, float("nan")]),
                                        min_size=2, max_size=4)))  # fmt: skip
    got = lad.step_many(levels[:, None], moves[None, :])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_trade_kernel, "ENABLED", False)
        want = lad.step_many(levels[:, None], moves[None, :])
    assert got.shape == want.shape == (len(levels), len(moves))
    assert got.tobytes() == want.tobytes()
