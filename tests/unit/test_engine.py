"""simulate_batch and PathBatch: per-run equality with simulate, records, bad input."""

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.path import ARRAY_FIELDS

SC = ts.load_scenario("us-china-145")
GAME = SC.game


def assert_same_path(a, b):
    for name in ARRAY_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        assert x.tobytes() == y.tobytes(), name
    assert a.events == b.events


def test_each_run_equals_simulate_with_its_seed_and_overrides():
    over = {"truth:pass_through.US.CN": [1.0, 0.5, 0.8], "noise": [0.0, 0.2, 0.1]}
    pb = ts.simulate_batch(GAME, 20, seeds=[3, 4, 5], overrides=over)
    assert len(pb) == 3
    for r, seed in enumerate([3, 4, 5]):
        g = parampath.apply(GAME, {k: v[r] for k, v in over.items()})
        assert_same_path(pb[r], ts.simulate(g, 20, seed=seed))


def test_compact_record_matches_full():
    full = ts.simulate_batch(GAME, 15, seeds=range(4))
    comp = ts.simulate_batch(GAME, 15, seeds=range(4), record="compact")
    assert comp.effective is None and comp.terms is None
    np.testing.assert_array_equal(comp.tariff_series("US", "CN"), full.tariff_series("US", "CN"))
    for k in ("payoff", "recession", "approval", "drawdown"):
        np.testing.assert_array_equal(getattr(comp, k), getattr(full, k))
    assert comp.nbytes < full.nbytes / 5
    with pytest.raises(ts.ParameterError, match="compact"):
        comp[0]
    with pytest.raises(ts.ParameterError, match="ladder"):
        comp.tariff_series("JP", "KR")


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"seeds": 3}, ts.ParameterError, ["seeds", "sequence"]),
        ({"seeds": []}, ts.ParameterError, ["seeds", "at least one"]),
        ({"seeds": [1, -2]}, ts.ParameterError, ["seeds[1]", "-2"]),
        ({"seeds": [1, 2.5]}, ts.ParameterError, ["seeds[1]", "2.5"]),
        ({"seeds": [True]}, ts.ParameterError, ["seeds[0]"]),
        ({"seeds": [1], "record": "some"}, ts.ParameterError, ["record", "'some'"]),
        ({"seeds": [1, 2], "overrides": {"elasticity": [2.0]}}, ts.ParameterError,
         ["elasticity", "(2,)"]),
        ({"seeds": [1], "overrides": {"elastcity": [2.0]}}, ts.UnknownNameError,
         ["elastcity", "elasticity"]),
        ({"seeds": [1, 2], "overrides": {"elasticity": [2.0, np.nan]}}, ts.ParameterError,
         ["elasticity", "run 1", "finite"]),
        ({"seeds": [1], "overrides": {"pass_through.US.CN": [1.2]}}, ts.ParameterError,
         ["pass_through.US.CN", "[0, 1]"]),
        ({"seeds": [1], "overrides": [("noise", [0.1])]}, ts.ParameterError, ["mapping"]),
    ],
)  # fmt: skip
def test_bad_input_raises_a_tariffsim_error(kwargs, error, words):
    with pytest.raises(error) as e:
        ts.simulate_batch(GAME, 5, **kwargs)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_a_run_of_a_batch_is_the_single_run_to_the_byte(name) -> None:
    """The arrays were equal, but a batch's run kept the batch's meta (its count of runs, no
    players, the base game's noise where an override set the run's): its JSON differed from
    simulate's for the same run."""
    import json

    g = ts.load_scenario(name).game
    over = {"noise": np.array([0.0, 0.05]), "elasticity": np.array([2.0, 3.0])}
    seeds = [3, np.random.SeedSequence(1)]
    pb = ts.simulate_batch(g, 4, seeds=seeds, overrides=over)
    assert pb.meta["runs"] == 2 and pb.meta["players"] == [a.code for a in g.agents]
    for r, seed in enumerate(seeds):
        one = ts.simulate(parampath.apply(g, {k: v[r] for k, v in over.items()}), 4, seed=seed)
        assert pb[r].to_json() == one.to_json()
        assert json.loads(pb[r].to_json())["meta"]["noise"] == [0.0, 0.05][r]


@pytest.mark.parametrize("rounds", [1, 7, 19])
def test_a_compact_record_written_in_place_is_the_record_made(rounds) -> None:
    """A compact record given arrays to write into (as an ensemble's parts write theirs):
    the same bytes as the record it makes itself, every cell written over what the arrays
    held."""
    from tariffsim import engine

    g = ts.load_scenario("four-country-2025").game
    seeds = range(5)
    made = ts.simulate_batch(g, rounds, seeds=seeds, record="compact")
    given = engine._record_arrays(g.world, rounds, len(seeds), None)
    for a in given.values():
        a[...] = 7
    into = ts.simulate_batch(g, rounds, seeds=seeds, record="compact", _out=given)
    for name, a in given.items():
        assert getattr(into, name) is a, name
        assert a.tobytes() == getattr(made, name).tobytes(), name
