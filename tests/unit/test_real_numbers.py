"""Numbers beyond any float and complex numbers are tariffsim errors wherever a number goes in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim import tournament as T
from tariffsim.analysis import simulate_runs
from tariffsim.analysis.distributions import Uniform
from tariffsim.analysis.reduce import Threshold
from tariffsim.errors import ParameterError

SC = ts.load_scenario("us-china-145")
GAME = SC.game
HUGE = 10**400
COMPLEX = np.array([2 + 1j, 2, 2])
KW: dict[str, Any] = {"runs": 3, "rounds": 3}

CALLS: list[tuple[str, Callable[[], Any], str]] = [
    ("vary huge", lambda: ts.ensemble("us-china-145", vary={"elasticity": [HUGE, 1, 1]}, **KW),
     "beyond any float"),
    ("overrides huge", lambda: simulate_runs("us-china-145", 3, rounds=3,
                                             overrides={"elasticity": [HUGE, 1, 1]}),
     "beyond any float"),
    ("distribution huge", lambda: Uniform(0, HUGE), "`high` must be finite"),
    ("resolution huge", lambda: ts.ensemble("us-china-145", keep="summary",
                                            resolution={"recession": HUGE}, **KW),
     "`resolution"),
    ("range huge", lambda: ts.sensitivity("us-china-145", {"elasticity": (1, HUGE)}, ["peak"],
                                          n=2, method="morris"),
     "range must be two finite numbers"),
    ("war threshold huge", lambda: T.round_robin(["hold", "tit-for-tat"], rounds=3,
                                                 war_threshold=HUGE),
     "`war_threshold` must be finite"),
    ("batch complex", lambda: ts.simulate_batch(
        GAME, 3, seeds=range(3), overrides={"pass_through.US.CN": np.array([0.5 + 7j, 0.5, 0.5])}),
     "real numbers"),
    ("runs complex", lambda: simulate_runs("us-china-145", 3, rounds=3,
                                           overrides={"elasticity": np.array([2 + 1j, 2, 2])}),
     "real numbers"),
    ("vary complex", lambda: ts.ensemble("us-china-145", vary={"elasticity": COMPLEX}, **KW),
     "real numbers"),
    ("apply complex", lambda: parampath.apply(GAME, {"elasticity": np.complex128(2 + 5j)}),
     "real numbers"),
    ("threshold complex", lambda: Threshold("US", "CN", at_least=np.complex128(1 + 2j)),
     "must be a number"),
    ("vary bools", lambda: ts.ensemble("us-china-145", vary={"noise": [True, False, True]}, **KW),
     "real numbers"),
    ("batch ragged", lambda: ts.simulate_batch(GAME, 3, seeds=[0, 1],
                                               overrides={"elasticity": [[1], [2, 3]]}),
     "must be numbers"),
    ("payoffs mixing bools", lambda: ts.equilibrium.pure_nash([[[1, True], [0, 2]],
                                                               [[1, 0], [0, 2]]]),
     "real numbers"),
    ("counts mixing bools", lambda: ts.equilibrium.fit_logit_qre(
        ts.equilibrium.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]),
        [[3, np.True_], [1, 1]]),
     "real numbers"),
    ("counts series mixing bools", lambda: ts.equilibrium.fit_logit_qre(
        ts.equilibrium.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]),
        [pd.Series([True, 3]), [2, 3]]),
     "real numbers"),
    ("payoff frame mixing bools", lambda: ts.equilibrium.NormalFormGame.from_bimatrix(
        pd.DataFrame([[True, 0], [0, 1]]), [[1, 0], [0, 1]]),
     "real numbers"),
    ("lambdas as objects", lambda: ts.equilibrium.logit_qre(
        ts.equilibrium.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]),
        lambdas=np.array([True, 2], dtype=object)),
     "real numbers"),
    ("bool beside a huge int", lambda: ts.equilibrium.pure_nash([[[1, 2**70]], [[True, 0]]]),
     "real numbers"),
    ("bool beside an array", lambda: ts.equilibrium.pure_nash([[[np.array(True), 2.0]],
                                                              [[1.0, 0.0]]]),
     "real numbers"),
    ("overrides mixing bools", lambda: ts.simulate_batch(
        GAME, 2, seeds=[0, 1], overrides={"elasticity": [True, 2.0]}),
     "must be numbers"),
    ("runs bools", lambda: simulate_runs("us-china-145", 3, rounds=3,
                                         overrides={"noise": np.array([True, False, True])}),
     "real numbers"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "call", "words"), CALLS, ids=[c[0] for c in CALLS])
def test_is_a_parameter_error(what: str, call: Callable[[], Any], words: str) -> None:
    with pytest.raises(ParameterError, match=words):
        call()


def _plot_fig_5() -> Any:
    ens = ts.ensemble("us-china-145", runs=3, rounds=3, vary="claims")
    return ens.plot(fig=5)


def _square(x: Any) -> Any:
    return x[:, 0] ** 2


TYPES: list[tuple[str, Callable[[], Any], str]] = [
    ("batch of a scenario", lambda: ts.simulate_batch(SC, 3, seeds=[0]), "pass its .game"),
    ("batch of a name", lambda: ts.simulate_batch("us-china-145", 3, seeds=[0]), "load_scenario"),
    ("simulate of a name", lambda: ts.simulate("us-china-145", 3), "load_scenario"),
    ("plot fig", _plot_fig_5, "`fig` must be a matplotlib Figure"),
    ("vary class", lambda: ts.ensemble("us-china-145", vary={"noise": Uniform}, **KW),
     "is the class Uniform"),
    ("bounds list", lambda: ts.analysis.sensitivity.analyse_function(_square, [(0, 1)], n=4),
     "`bounds` must be a mapping"),
    ("bound of 3", lambda: ts.analysis.sensitivity.analyse_function(_square, {"a": (0, 1, 2)}),
     r"`bounds\['a'\]` must be \(low, high\)"),
    ("fn none", lambda: ts.analysis.sensitivity.analyse_function(None, {"a": (0, 1)}),
     "`fn` must be a function"),
    ("output none", lambda: ts.analysis.sensitivity.analyse_function(_square, {"a": (0, 1)},
                                                                     output=None),
     "`output` must be"),
    ("calibrate dyads", lambda: ts.calibrate("us-china-145", "us-china-2025",
                                             ["learning_rate.US"], dyads=[("US",)]),
     "`dyads`: a dyad is"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "call", "words"), TYPES, ids=[c[0] for c in TYPES])
def test_a_wrong_type_is_named(what: str, call: Callable[[], Any], words: str) -> None:
    with pytest.raises(ParameterError, match=words):
        call()


# counts given as numpy integers (what a loop over np.arange or an array's shape gives) give
# the same result as the same Python ints; a float or a bool is still refused, by name
INT_CALLS: list[tuple[str, int, Callable[[Any], Any]]] = [
    ("sensitivity rounds", 3, lambda n: ts.sensitivity(
        "us-china-145", {"elasticity": (1.5, 3.0)}, ["peak"], n=2, method="morris",
        rounds=n, progress=False).Y),
    ("sensitivity replicates", 2, lambda n: ts.sensitivity(
        "us-china-145", {"elasticity": (1.5, 3.0)}, ["peak"], n=2, method="morris",
        rounds=3, replicates=n, progress=False).Y),
    ("tournament repetitions", 2, lambda n: T.round_robin(
        ["hold", "tit-for-tat"], rounds=3, repetitions=n, noise=0.1, seed=1).match_payoff),
    ("tournament seed", 5, lambda n: T.round_robin(
        ["hold", "tit-for-tat"], rounds=3, repetitions=1, noise=0.1, seed=n).match_payoff),
    ("ensemble runs", 3, lambda n: ts.ensemble("us-china-145", runs=n, rounds=3, seed=0,
                                               vary="claims", progress=False).tariff),
    ("simulate rounds", 3, lambda n: ts.simulate(GAME, n, seed=0).series("US", "CN")),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConstantOutputWarning")  # tiny designs
@pytest.mark.parametrize(("what", "v", "call"), INT_CALLS, ids=[c[0] for c in INT_CALLS])
def test_numpy_ints_count_as_ints(what: str, v: int, call: Callable[[Any], Any]) -> None:
    assert np.array_equal(np.asarray(call(np.int64(v))), np.asarray(call(v)))
    for bad in (float(v), np.True_, str(v)):
        with pytest.raises(ParameterError, match=r"must be an int >= "):
            call(bad)


def test_small_input_rules_hold_everywhere(tmp_path) -> None:
    """Seeds in run order (a set has none); dates as YYYY-MM-DD only (the message says so);
    a scenario file with a byte-order mark reads; levels written in percent are flagged."""
    import warnings

    from tariffsim.analysis.reduce import Threshold
    from tariffsim.errors import PlausibilityWarning

    with pytest.raises(ParameterError, match="in run order"):
        ts.simulate_batch(GAME, 3, seeds={1, 2})
    for text in ("20250531", "2025-W22-1", "2025-5-31"):
        with pytest.raises(ParameterError, match="YYYY-MM-DD"):
            Threshold("US", "CN", at_least=0.5, by=text)
    assert Threshold("US", "CN", at_least=0.5, by=" 2025-05-31 ").by.isoformat() == "2025-05-31"
    text = (Path(ts.scenario.__file__).parent / "scenarios" / "us-china-145.toml").read_text(
        encoding="utf-8"
    )
    (tmp_path / "bom.toml").write_text("\ufeff" + text, encoding="utf-8")
    assert ts.load_scenario(tmp_path / "bom.toml").name == "us-china-145"
    for a, level in (("US", 145), ("recession", 60), ("approval", 42)):
        with pytest.warns(PlausibilityWarning, match="levels are fractions"):
            Threshold(a, "CN" if a == "US" else "US", at_least=level)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Threshold("US", "CN", at_least=1.45)
        Threshold("payoff", "US", at_most=-3.0)  # % of GDP: no fraction
