"""Sensitivity of a scenario's outputs: runs through the engine, reproducible, executor-free."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis.sensitivity import OUTPUTS, sensitivity
from tariffsim.errors import ParameterError, UnknownNameError

RANGES = {"belief:pass_through.US.CN": (0.0, 0.6), "learning_rate.US": (0.02, 0.4)}

# the designs here are tiny (two Morris trajectories): an output they leave constant is
# warned about (tests/unit/test_sensitivity_function.py), which is not what these test
# plain pass-through paths on us-china-145 are what these tests vary (they move the
# calibration); that they replace the US's belief is said, and tested, in test_analysis_inputs
pytestmark = [
    pytest.mark.filterwarnings("ignore::tariffsim.errors.ConstantOutputWarning"),
    pytest.mark.filterwarnings("ignore::tariffsim.errors.BeliefReplacedWarning"),
]


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def res(sc: ts.Scenario) -> ts.analysis.sensitivity.SensitivityResult:
    return sensitivity(sc, RANGES, method="morris", n=3, seed=0)


def test_outputs_are_those_of_single_runs(sc: ts.Scenario, res) -> None:
    """Each design row's outputs equal the same quantities read off ts.simulate."""
    assert res.outputs == tuple(OUTPUTS)
    assert res.runs == 3 * 3
    for r in (0, 4, 8):
        vals = dict(zip(res.params, res.X[r].tolist(), strict=True))
        p = ts.simulate(parampath.apply(sc.game, vals), seed=0)
        us = p.series("US", "CN")
        cuts = np.flatnonzero(np.diff(us) < 0)
        expect = {
            "peak": p.peak("US", "CN"),
            "first_cut_week": float(cuts[0] + 1) if len(cuts) else float(len(us)),
            "settled_us": float(us[-1]),
            "cumulative_gdp_loss": float(-p.payoff[1:, 0].sum() * 7 / 365),
        }
        got = dict(zip(res.outputs, res.Y[r].tolist(), strict=True))
        assert got == pytest.approx(expect)


@pytest.mark.parametrize("focus", [None, "US-MX", ("CA", "US")])
def test_the_outputs_read_the_dyad_the_scenario_plays(focus) -> None:
    """By default the built-in outputs read the first dyad the game plays (the US tariff on
    Canada in canada-mexico-fentanyl, whose world also has a US-China ladder that its events
    hold at 10-20%); ``focus`` names another. Each row equals the dyad read off ts.simulate."""
    cmf = ts.load_scenario("canada-mexico-fentanyl")
    ranges = {"resolve_weight.CA": (0.2, 2.0), "face_weight.US": (0.05, 0.6)}
    r = sensitivity(cmf, ranges, ["peak", "settled_us"], method="morris", n=2, seed=0,
                    focus=focus)  # fmt: skip
    dyad = ("US", "CA") if focus is None else parampath_dyad(focus)
    assert r.meta["focus"] == f"{dyad[0]}->{dyad[1]}"
    for k in range(r.runs):
        vals = dict(zip(r.params, r.X[k].tolist(), strict=True))
        p = ts.simulate(cmf.with_params(vals).game, seed=0)
        assert r.Y[k].tolist() == [p.peak(*dyad), float(p.series(*dyad)[-1])], k
    if focus is None:  # the US tariff on China would have been another number
        p = cmf.simulate(seed=0)
        assert p.peak("US", "CN") != p.peak("US", "CA")
    with pytest.raises(UnknownNameError, match="`focus`: the game has no tariff ladder"):
        sensitivity(cmf, ranges, ["peak"], method="morris", n=2, focus="CA-MX")


def test_the_focus_is_recorded_only_for_the_outputs_that_read_it() -> None:
    """A callable reads the batch itself: its rows carry no focus, and a focus given with
    callables only is refused (it was recorded though no output read it)."""
    cmf = ts.load_scenario("canada-mexico-fentanyl")
    ranges = {"resolve_weight.CA": (0.2, 2.0), "face_weight.US": (0.05, 0.6)}

    def mx(batch):
        return batch.tariff_series("US", "MX").max(axis=1)

    r = sensitivity(cmf, ranges, {"peak": "peak", "mx": mx}, method="morris", n=2)
    assert {(row["output"], row["focus"]) for row in r.rows()} == {("peak", "US->CA"), ("mx", "")}
    # Morris has no check of its estimates: reliable unless undefined (a constant output)
    assert all(row["reliable"] is (row["output"] not in r.constant) for row in r.rows())
    with pytest.raises(ParameterError, match=r"`focus`.*callables"):
        sensitivity(cmf, ranges, {"mx": mx}, method="morris", n=2, focus="US-MX")
    alone = sensitivity(cmf, ranges, {"mx": mx}, method="morris", n=2)
    assert alone.meta["focus"] == "" and alone.rows()[0]["focus"] == ""


def parampath_dyad(focus) -> tuple[str, str]:
    return tuple(focus.split("-")) if isinstance(focus, str) else focus


@pytest.mark.parametrize("recalibrate", [True, False])
def test_a_design_point_is_the_what_if_of_its_values(sc: ts.Scenario, recalibrate) -> None:
    """With recalibrate (the default) a point's outputs are those of sc.with_params(point): the
    calibrated fields re-solved, as in an ensemble; without, of the values applied as they are."""
    ranges = {"elasticity": (1.5, 3.5), "face_weight.US": (0.5, 1.5)}
    outs = ["peak", "cumulative_gdp_loss"]
    r = sensitivity(sc, ranges, outs, method="morris", n=2, seed=1, recalibrate=recalibrate)
    for k in range(r.runs):
        vals = dict(zip(r.params, r.X[k].tolist(), strict=True))
        g = sc.with_params(vals).game if recalibrate else parampath.apply(sc.game, vals)
        p = ts.simulate(g, seed=1)
        want = [p.peak("US", "CN"), float(-p.payoff[1:, 0].sum() * 7 / 365)]
        assert r.Y[k].tolist() == pytest.approx(want, rel=1e-12), k
    other = sensitivity(sc, ranges, outs, method="morris", n=2, seed=1, recalibrate=not recalibrate)
    assert not np.array_equal(other.Y, r.Y)  # the calibration matters to these outputs


def test_a_design_point_the_calibration_cannot_take_is_named(sc: ts.Scenario) -> None:
    with pytest.raises(ParameterError, match=r"`params`: design point \d+ \(pass_through = .*"
                       r"--no-recalibrate"):  # fmt: skip
        sensitivity(sc, {"pass_through": (0.0, 0.2)}, ["peak"], method="morris", n=2)


@pytest.mark.parametrize("where", ["threads", "processes"])
def test_same_seed_same_result_whatever_the_executor(sc: ts.Scenario, res, where: str) -> None:
    kw = dict(method="morris", n=3, seed=0, chunk_size=2)
    if where == "processes":
        again = sensitivity(sc, RANGES, processes=2, **kw)
    else:
        with ThreadPoolExecutor(2) as ex:
            again = sensitivity(sc, RANGES, executor=ex, **kw)
    np.testing.assert_array_equal(again.X, res.X)
    np.testing.assert_array_equal(again.Y, res.Y)
    for o in res.outputs:
        for k, v in res.indices[o].items():
            np.testing.assert_array_equal(again.indices[o][k], v)


def test_the_us_belief_drives_the_peak(sc: ts.Scenario) -> None:
    """A mistaken US belief (perceived pass-through near 0) is what makes 145% (scenario docs)."""
    from tariffsim.errors import SampleSizeWarning

    with pytest.warns(SampleSizeWarning, match="'peak'"):  # 24 runs: a screening, and it says so
        small = sensitivity(sc, {**RANGES, "face_weight.CN": (0.1, 0.2)}, ["peak"],
                            method="sobol", n=4, seed=1)  # fmt: skip
    assert small.ranking("peak")[0] == "belief:pass_through.US.CN"
    assert small.meta["scenario"] == "us-china-145"


def test_user_output_callable(sc: ts.Scenario) -> None:
    def cn_peak(batch):
        return batch.tariff_series("CN", "US").max(axis=1)

    r = sensitivity(sc, RANGES, {"cn_peak": cn_peak}, method="morris", n=2, seed=0)
    assert r.outputs == ("cn_peak",) and r.Y.shape == (6, 1)
    assert np.all((r.Y >= 0) & (r.Y <= 1.40))  # 125% on all US goods + 15% on the targeted lists
    # a bare path varies over its value +- 50% (face_weight.US is 0.15 by default)
    r = sensitivity(sc, ["face_weight.US"], ["peak"], method="morris", n=2, seed=0)
    assert r.bounds == {"face_weight.US": pytest.approx((0.075, 0.225))}


@pytest.mark.parametrize(
    ("args", "kwargs", "err", "match"),
    [
        ((RANGES, ["peak", "height"]), {}, UnknownNameError, "unknown built-in output 'height'"),
        (({"nope.US": (0, 1)},), {}, UnknownNameError, "nope"),
        (({"learning_rate.US": (0.5, 0.1)},), {}, ParameterError, "low < high"),
        ((RANGES,), {"n": 100}, ParameterError, "power of 2"),
        ((RANGES,), {"replicates": 0}, ParameterError, "`replicates`"),
        ((RANGES,), {"executor": 3}, ParameterError, "`executor`"),
        ((RANGES,), {"processes": 0}, ParameterError, "`processes` must be an int >= 1"),
        (
            (RANGES,),
            {"processes": 2, "executor": ThreadPoolExecutor(1)},
            ParameterError,
            "alternatives",
        ),
        (("everything",), {}, ParameterError, "`params` must be 'claims'"),
    ],
)
def test_bad_input_fails_before_any_run(sc, args, kwargs, err, match) -> None:
    with pytest.raises(err, match=match):
        sensitivity(sc, *args, **kwargs)


def test_a_scenario_name_is_loaded(sc: ts.Scenario, res) -> None:
    by_name = sensitivity("us-china-145", RANGES, method="morris", n=3, seed=0)
    np.testing.assert_array_equal(by_name.Y, res.Y)
    with pytest.raises(UnknownNameError, match="unknown scenario 'us-china-146'"):
        sensitivity("us-china-146", RANGES, method="morris", n=3)
    with pytest.raises(ParameterError, match="`sc` must be a Scenario, a Game or a scenario name"):
        sensitivity(5, RANGES, method="morris", n=3)


def test_claims_as_factors(sc: ts.Scenario) -> None:
    """params="claims": the factors are the claims with a range, over their ranges."""
    from tariffsim.analysis.vary import claim_distributions, overrides_from_claims

    r = sensitivity(sc, "claims", ["settled_us", "cumulative_gdp_loss"], method="morris",
                    n=2, seed=0)  # fmt: skip
    ids = tuple(cd.claim for cd in claim_distributions(sc.game))
    assert r.params == ids and r.meta["factors"] == "claims"
    for c in ids:
        lo, hi = ts.claims[c].range
        assert r.bounds[c] == (lo, hi)
        assert np.all((r.X[:, r.params.index(c)] >= lo) & (r.X[:, r.params.index(c)] <= hi))
    # row 0 of the design, run by hand through the claims' rules
    ov = overrides_from_claims(sc.game, {c: r.X[:1, k] for k, c in enumerate(r.params)})
    p = ts.simulate(parampath.apply(sc.game, {k: float(v[0]) for k, v in ov.items()}), seed=0)
    assert r.Y[0, 0] == pytest.approx(float(p.series("US", "CN")[-1]))


@pytest.mark.parametrize(
    ("what_if", "held_claim", "field"),
    [
        ({"pass_through": 0.5}, "pass_through_border_2018", "pass_through"),
        ({"recession_slope": 2.0}, "us_recession_odds_forecasters", "recession_slope"),
    ],
)
def test_claims_as_factors_hold_a_what_if(sc: ts.Scenario, what_if, held_claim, field) -> None:
    """params="claims" on a what-if keeps the what-if's values, as ensemble(vary="claims")
    does: the claim it holds is no factor (with a warning naming it), and no design point
    sets the field the what-if set."""
    from tariffsim.analysis.sensitivity import design_overrides
    from tariffsim.errors import WhatIfHeldWarning

    alt = sc.with_params(what_if)
    with pytest.warns(WhatIfHeldWarning, match=rf"params='claims' .*{held_claim}"):
        r = sensitivity(alt, "claims", ["settled_us"], method="morris", n=2, seed=0, rounds=6)
    assert held_claim not in r.params and len(r.params) == 4
    ov = design_overrides(alt.game, list(r.bounds), np.asarray(r.X), claims=True,
                          held=alt.what_if)  # fmt: skip
    assert not any(p.split(":")[-1].split(".")[0] == field for p in ov)
    one = parampath.apply(alt.game, {p: float(v[0]) for p, v in ov.items()})
    np.testing.assert_array_equal(
        np.asarray(getattr(one.model.params, field)), np.asarray(getattr(alt.model.params, field))
    )


def test_the_chart_and_ranking_default_to_an_output_with_indices() -> None:
    import matplotlib

    matplotlib.use("Agg")
    with pytest.warns(UserWarning):  # (the constant outputs are said to be constant)
        res = sensitivity("us-china-145", ["face_weight.US"],
                          ["settled_us", "peak", "cumulative_gdp_loss"], n=4, method="morris",
                          progress=False)  # fmt: skip
    assert np.isnan(res.indices["settled_us"]["mu_star"]).all()  # no parameter moves it
    assert not np.isnan(res.indices["cumulative_gdp_loss"]["mu_star"]).any()
    assert res.plot().get_title().startswith("cumulative_gdp_loss:")
    assert res.ranking() == res.ranking("cumulative_gdp_loss")
    assert res.plot("settled_us").get_title().startswith("settled_us:")  # still when asked


def test_replicates_count_in_the_runs_reported(sc: ts.Scenario) -> None:
    """Each design row averaged over 3 seeds is 3 runs: the repr, the table and ``runs``
    said 12 where 36 were played (as the limit check counts them)."""
    res = sensitivity(sc, RANGES, ["peak"], method="morris", n=4, replicates=3, rounds=4)
    rows = res.X.shape[0]
    assert res.runs == 3 * rows
    text = f"{3 * rows} runs ({rows} design rows x 3 replicates)"
    assert text in repr(res) and text in res.table()
    one = sensitivity(sc, RANGES, ["peak"], method="morris", n=4, rounds=4)
    assert one.runs == rows and f", {rows} runs>" in repr(one)
