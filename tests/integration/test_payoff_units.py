"""Payoffs in other units: every bundled scenario plays the same path when every payoff is scaled.

A change of units (term weights all multiplied by a positive constant, and the concessions
scaled with them through ``Negotiation.concession_scale``) is no change of the game: every
strategy's choice, every deal and every lapse must stay the same. Powers of two keep the
scaled payoffs the very same numbers in other units, so the paths must be equal bit for bit.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

import tariffsim as ts


def _in_units(game: ts.Game, c: float) -> ts.Game:
    return game.replace(
        model=game.model.replace(weights=game.model.weights * c),
        negotiation=dataclasses.replace(game.negotiation, concession_scale=c),
    )


@pytest.mark.parametrize("name", ts.list_scenarios())
@pytest.mark.parametrize("c", [2.0**-40, 2.0**-20, 2.0**40])
def test_a_bundled_scenario_plays_the_same_path_in_any_payoff_units(name: str, c: float) -> None:
    game = ts.load_scenario(name).game
    base = ts.simulate(game, seed=0)
    path = ts.simulate(_in_units(game, c), seed=0)
    assert np.array_equal(path.tariff, base.tariff)
    assert np.array_equal(path.control, base.control)
    assert np.array_equal(path.payoff, base.payoff * c)
    assert len(path.agreements) == len(base.agreements)


def test_deals_need_their_concessions_scaled_with_the_weights() -> None:
    # the concessions are valued outside the weights: scaled weights alone weigh them more
    game = ts.load_scenario("canada-mexico-fentanyl").game
    base = ts.simulate(game, seed=0)
    assert base.agreements
    weights_only = game.replace(model=game.model.replace(weights=game.model.weights * 2.0**-20))
    assert not np.array_equal(ts.simulate(weights_only, seed=0).tariff, base.tariff)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "2", True])
def test_a_concession_scale_is_a_positive_number(bad) -> None:
    with pytest.raises(ts.errors.ParameterError, match="concession_scale"):
        ts.bargaining.Negotiation(concession_scale=bad)


def test_a_scenario_file_sets_the_concession_scale() -> None:
    data = copy.deepcopy(dict(ts.load_scenario("canada-mexico-fentanyl").data))
    data.setdefault("negotiation", {})["concession_scale"] = 0.5
    assert ts.parse_scenario(data).game.negotiation.concession_scale == 0.5
    data["negotiation"]["concession_scale"] = 0
    with pytest.raises(ts.errors.TariffsimError, match=r"negotiation\.concession_scale"):
        ts.parse_scenario(data)
