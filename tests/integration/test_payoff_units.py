"""Payoffs in other units: every bundled scenario plays the same path when every payoff is scaled.

A change of units (term weights all multiplied by a positive constant, the concessions'
costs and values with them) is no change of the game: every strategy's choice, every
deal and every lapse must stay the same. Powers of two keep the scaled payoffs the very
same numbers in other units, so the paths must be equal bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import deals


@pytest.fixture
def scaled_concessions(monkeypatch: pytest.MonkeyPatch):
    bundled = deals._load_concessions()

    def scale(c: float) -> None:
        scaled = {
            k: dataclasses.replace(v, cost=v.cost * c, value=v.value * c)
            for k, v in bundled.items()
        }
        monkeypatch.setattr(deals, "_load_concessions", lambda: scaled)

    return scale


@pytest.mark.parametrize("name", ts.list_scenarios())
@pytest.mark.parametrize("c", [2.0**-40, 2.0**-20, 2.0**40])
def test_a_bundled_scenario_plays_the_same_path_in_any_payoff_units(
    name: str, c: float, scaled_concessions
) -> None:
    game = ts.load_scenario(name).game
    base = ts.simulate(game, seed=0)
    scaled_concessions(c)
    model = game.model.replace(weights=game.model.weights * c)
    path = ts.simulate(dataclasses.replace(game, model=model), seed=0)
    assert np.array_equal(path.tariff, base.tariff)
    assert np.array_equal(path.control, base.control)
    assert np.array_equal(path.payoff, base.payoff * c)
