"""Evaluating only the involved countries gives the full evaluation.

Equal to 1e-12: where the dense path leaves rounding noise (``logistic(logit(b))``
is ``b`` only to the last bit) the restricted path has exact zeros.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import payoffs

WORLD = ts.World.default()
MODEL = ts.PayoffModel(WORLD)


def _dense(nxt: ts.StateBatch, prev: ts.StateBatch) -> ts.Breakdown:
    w = WORLD
    view = payoffs._WorldView.of(w)
    return payoffs._evaluate_block(
        view, MODEL.params, MODEL.weights, MODEL.active, nxt.layered(w), prev.tariff, prev.moved,
        prev.control,
    )  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    movers=st.lists(st.sampled_from(WORLD.codes), min_size=1, max_size=4, unique=True),
    batch=st.integers(200, 260),
)
def test_restricted_equals_dense(seed: int, movers: list[str], batch: int) -> None:
    rng = np.random.default_rng(seed)
    n = WORLD.n
    idx = [WORLD.index(c) for c in movers]
    t = np.zeros((batch, n, n))
    prev = np.zeros((batch, n, n))
    ctrl = np.zeros((batch, n, n))
    for i in idx:
        for j in rng.choice(n, size=2, replace=False):
            if i != j:
                t[:, i, j] = rng.choice([0, 0.1, 0.5, 1.45], size=batch)
                prev[:, i, j] = rng.choice([0, 0.1, 0.5, 1.45], size=batch)
                ctrl[:, i, j] = rng.choice([0, 0.25], size=batch)
    zn = np.zeros((batch, n))
    support = zn.copy()
    support[:, idx[0]] = rng.choice([0, 0.37], size=batch)
    nxt = ts.StateBatch(t, ctrl, np.maximum(t, prev), t - prev, support, zn)
    pb = ts.StateBatch(prev, ctrl * 0.5, prev, prev * 0.3, support, zn)
    fast = MODEL.breakdown(nxt, pb)
    full = _dense(nxt, pb)
    np.testing.assert_allclose(fast.total, full.total, rtol=1e-12, atol=1e-12)
    for k in payoffs.TERMS:
        np.testing.assert_allclose(fast.terms[k], full.terms[k], rtol=1e-12, atol=1e-12)
    for name in ("burden", "recession", "drawdown", "approval", "imports", "effective"):
        np.testing.assert_allclose(getattr(fast, name), getattr(full, name), rtol=1e-12, atol=1e-12)
