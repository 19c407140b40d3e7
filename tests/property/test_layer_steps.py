"""Layer steps: the vectorised rule is the scalar one; on the escalation chain it is the
headline ladder's step (so runs whose layers are their headline's split move as before)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.world import step_layers, step_layers_many

SETTINGS = settings(max_examples=40, deadline=None)
WORLD = ts.World.default()
DYADS = [d for d, lays in WORLD.instruments.items() if len(lays) > 1]


@st.composite
def layer_states(draw):
    d = draw(st.sampled_from(DYADS))
    lays = WORLD.instruments[d]
    # rungs, or levels between rungs (as an event may leave them)
    levels = [
        draw(st.one_of(st.sampled_from(x.levels.levels), st.floats(0, x.top, allow_nan=False)))
        for x in lays
    ]
    return d, lays, levels


@SETTINGS
@given(
    states=st.lists(layer_states(), min_size=1, max_size=6),
    moves=st.lists(st.integers(-3, 3), min_size=6, max_size=6),
)
def test_many_is_the_scalar_rule_step_by_step(states, moves):
    for (_, lays, levels), m in zip(states, moves, strict=False):
        want = np.array(levels, dtype=float)
        for _ in range(abs(m)):
            want = np.array(step_layers(lays, want, int(np.sign(m))))
        got = step_layers_many(lays, np.array([levels]), np.array([m]))[0]
        np.testing.assert_array_equal(got, want)


@SETTINGS
@given(d=st.sampled_from(DYADS), data=st.data())
def test_on_the_chain_layer_steps_are_headline_steps(d, data):
    lad = WORLD.ladders[d]
    rows = WORLD._layer_rows[d]
    i, j = WORLD.index(d[0]), WORLD.index(d[1])
    level = data.draw(st.sampled_from(lad.levels))
    move = data.draw(st.sampled_from([-1, 0, 1]))
    t = np.zeros((WORLD.n, WORLD.n))
    t[i, j] = level
    split = WORLD.decompose(t)[rows, i, j]
    stepped = step_layers_many(WORLD.instruments[d], split[None], np.array([move]))[0]
    t2 = np.zeros_like(t)
    t2[i, j] = lad.step(level, move)
    np.testing.assert_allclose(stepped, WORLD.decompose(t2)[rows, i, j], atol=1e-12)
    assert round(float(stepped.sum()), 12) == lad.step(level, move)


def test_bad_shapes_name_the_argument():
    lays = WORLD.instruments[("US", "CN")]
    try:
        step_layers_many(lays, np.zeros((2, 3)), np.zeros(2, dtype=int))
    except ts.errors.ParameterError as e:
        assert "`levels`" in str(e) and "(2, 3)" in str(e)
    else:  # pragma: no cover
        raise AssertionError("no error")
