"""``best_index``: the first profile within 1e-12 of the best, as the reduction finds it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tariffsim.agents import best_index

PAYOFF = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-13, 1.0 - 1e-13, 1.0 - 2e-12]),
)


def reduction(pay):
    return np.argmax(pay >= pay.max(axis=-1, keepdims=True) - 1e-12, axis=-1)


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
