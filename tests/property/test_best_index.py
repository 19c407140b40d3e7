"""``best_index``: the first profile that ties the best (relative 1e-12), as the reduction finds it;
scaling a row never changes its choice."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tariffsim._ties import beats, best_index

PAYOFF = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-13, 1.0 - 1e-13, 1.0 - 2e-12]),
)


def reduction(pay):
    """The first entry within 1e-12 of the row's best's own size (0 for an infinite best)."""
    top = pay.max(axis=-1, keepdims=True)
    size = np.where(np.isfinite(top), np.abs(top), 0.0)
    return np.argmax(pay >= top - 1e-12 * size, axis=-1)


@settings(max_examples=300, deadline=None)
@given(
    pay=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 12)).map(
            lambda s: s[1:] if s[0] == 1 else s
        ),
        elements=PAYOFF,
    )
)
def test_best_index_is_the_reductions_choice(pay):
    got = best_index(pay)
    want = reduction(pay)
    assert got.shape == want.shape
    assert np.array_equal(got, want)


def test_ties_go_to_the_first_profile_and_nan_rows_to_zero():
    pay = np.array([[1.0, 1.0 + 5e-13, 0.5], [0.0, 2.0, 2.0], [np.nan, 3.0, 1.0]])
    assert best_index(pay).tolist() == [0, 1, 0]


@settings(max_examples=300, deadline=None)
@given(
    pay=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 12)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    ),
    power=st.integers(-60, 60),
)
def test_scaling_a_row_by_a_positive_constant_never_changes_its_choice(pay, power):
    c = 2.0**power  # exact: the scaled payoffs are the same numbers in other units
    assert np.array_equal(best_index(pay * c), best_index(pay))
    assert np.array_equal(beats(pay * c, pay[:, :1] * c), beats(pay, pay[:, :1]))


def test_a_small_payoff_gap_is_a_choice_not_a_tie():
    # payoffs in units 1e-12 of the usual: an absolute tolerance of 1e-12 tied them all
    pay = np.array([[1.0, 1.5, 0.5]]) * 1e-12
    assert best_index(pay).tolist() == [1]
    assert beats(1.5e-12, 1.0e-12) and not beats(1.0e-12, 1.5e-12)
    # a gap in the last bits is still a tie, at any scale
    for c in (1e-12, 1.0, 1e12):
        assert best_index(np.array([[1.0, 1.0 + 4e-16, 0.0]]) * c).tolist() == [0]
        assert not beats((1.0 + 4e-16) * c, 1.0 * c)


def test_an_infinite_best_is_tied_by_infinity_alone_and_minus_infinity_widens_nothing():
    assert best_index(np.array([[1.0, np.inf, np.inf]])).tolist() == [1]
    assert best_index(np.array([[-np.inf, 1.0, 2.0]])).tolist() == [2]
    assert best_index(np.array([[-np.inf, -np.inf]])).tolist() == [0]


def test_a_far_worse_option_never_widens_a_tie() -> None:
    # the tolerance is the pair's own: a catastrophe elsewhere in the row changes nothing
    assert best_index(np.array([[1e-3, 2e-3]])).tolist() == [1]
    assert best_index(np.array([[1e-3, 2e-3, -1e10]])).tolist() == [1]
    assert best_index(np.array([[1e-3, 2e-3, -1e10, -np.inf]])).tolist() == [1]
    assert not beats(1e-3, 2e-3) and beats(2e-3, 1e-3)
