"""``Ladder.step_rungs``: moves of several rungs, as repeated single steps; bad moves refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.errors import ParameterError

LADDERS = [
    ts.Ladder((0, 0.1, 0.2, 0.34, 0.5, 1.45), down_only=(0.2,)),
    ts.Ladder((0, 0.1, 0.2, 0.3)),
    ts.Ladder((0.0, 1e-9 * 5, 0.25)),
]


def repeated(lad, level, move):
    """``|move|`` single steps of :meth:`Ladder.step` in the direction of ``move``."""
    for _ in range(abs(int(move))):
        level = lad.step(level, int(np.sign(move)))
    return level


@settings(max_examples=200, deadline=None)
@given(
    which=st.integers(0, len(LADDERS) - 1),
    levels=st.lists(st.floats(-0.5, 2.0, allow_nan=False), min_size=1, max_size=6),
    moves=st.lists(st.integers(-9, 9), min_size=1, max_size=6),
)
def test_several_rungs_are_repeated_steps(which, levels, moves):
    lad = LADDERS[which]
    m = min(len(levels), len(moves))
    lv, mv = np.array(levels[:m]), np.array(moves[:m])
    got = lad.step_rungs(lv, mv)
    want = [repeated(lad, x, y) for x, y in zip(lv, mv, strict=True)]
    assert got.tolist() == want


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.uint64, np.float64])
def test_every_integer_dtype_gives_the_same_levels(dtype):
    lad = LADDERS[0]
    levels = np.array([0.1, 0.1, 0.5, 0.0])
    moves = np.array([0, 2, 1, 3])
    assert lad.step_rungs(levels, moves.astype(dtype)).tolist() == [0.1, 0.5, 1.45, 0.5]


def test_more_steps_than_rungs_end_at_the_end():
    lad = LADDERS[1]
    big = np.array([10**18, -(10**18)], dtype=np.int64)
    assert lad.step_rungs([0.1, 0.2], big).tolist() == [0.3, 0.0]
    assert lad.step_rungs([0.1], np.array([2**64 - 1], dtype=np.uint64)).tolist() == [0.3]
    assert lad.step_rungs([0.1, 0.1], np.array([True, False])).tolist() == [0.2, 0.1]


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, 1.5])
def test_a_move_that_is_not_a_whole_number_is_refused(bad):
    with pytest.raises(ParameterError, match=r"`moves` must be whole numbers of rungs; got"):
        LADDERS[0].step_rungs([0.1, 0.2], [1.0, bad])


def test_a_move_of_another_kind_is_refused():
    with pytest.raises(ParameterError, match="dtype"):
        LADDERS[0].step_rungs([0.1], np.array(["1"]))
