"""Every scalar parameter drawn per run plays on the NumPy path as on the compiled one.

The batched parameters give each scalar a run axis shaped for the arrays it
meets in the payoff block: ``(R, 1, 1, 1)`` against the candidates'
``(R, P, k, k)`` tariffs, ``(R, 1, 1)`` against per-country ``(R, P, k)``
arrays. A scalar shaped for the wrong one fails to broadcast on the NumPy
path only (the compiled kernel reads one number per run), so each is played
here with the compiled paths off, two runs with different values, and each
run compared with ``simulate`` of its own game.
"""

import dataclasses

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import _decide_kernel, _trade_kernel, parampath
from tariffsim.path import ARRAY_FIELDS

GAME = ts.load_scenario("us-china-145").game
SCALARS = [f.name for f in dataclasses.fields(ts.Params) if f.type == "float"]


def values(name):
    base = float(getattr(GAME.model.params, name))
    return np.array([base, base * 0.9]) if base else np.array([0.0, 0.05])


@pytest.mark.parametrize("name", SCALARS)
def test_a_scalar_per_run_plays_on_the_numpy_path(name, monkeypatch):
    monkeypatch.setattr(_trade_kernel, "ENABLED", False)
    monkeypatch.setattr(_decide_kernel, "ENABLED", False)
    over = {name: values(name)}
    pb = ts.simulate_batch(GAME, 16, seeds=[0, 1], overrides=over)
    for r in range(2):
        one = ts.simulate(parampath.apply(GAME, {name: float(over[name][r])}), 16, seed=r)
        for f in ARRAY_FIELDS:
            assert getattr(pb[r], f).tobytes() == getattr(one, f).tobytes(), (name, r, f)
