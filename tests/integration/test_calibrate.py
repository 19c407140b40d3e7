"""Calibration recovers known parameters from a record the model produced; forecasts are scored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis.calibrate import Calibration, calibrate
from tariffsim.analysis.observed import ObservedPath
from tariffsim.errors import ParameterError, UnknownNameError

BOUNDS = {"belief:pass_through.US.CN": (0.0, 0.6), "learning_rate.US": (0.02, 0.4)}
FAST = {"popsize": 5, "maxiter": 5, "profile_points": 11, "profile_samples": 3}

# the fits here are short (a few generations) and test other things than the search's end:
# that a short search warns is tested below
# plain pass-through paths on us-china-145 are what these tests vary (they move the
# calibration); that they replace the US's belief is said, and tested, in test_analysis_inputs
pytestmark = [
    pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::tariffsim.errors.BeliefReplacedWarning"),
]


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def test_synthetic_record_recovered_within_intervals(sc: ts.Scenario) -> None:
    # a belief high enough that the layered ladder path differs from the default 0.1
    truth = {"belief:pass_through.US.CN": 0.36, "learning_rate.US": 0.08}
    # to 30 June 2025: the first half of the year; without the Geneva talks, so that the
    # belief drives every round of the walk down (with them the deal fixes it from May on)
    game = sc.game.replace(rounds=22, negotiation=ts.bargaining.Negotiation(enabled=False))
    path = ts.simulate(parampath.apply(game, truth), seed=0)
    syn = ObservedPath.from_path(path, [("US", "CN"), ("CN", "US")], name="synthetic")
    # belief and learning rate trade off along a ridge of zero loss: the profiles need the
    # default number of sampled partner values to follow it
    kw = {**FAST, "profile_samples": 16}
    fit = calibrate(game, syn, list(truth), bounds=BOUNDS, until="2025-06-30", seed=0, **kw)
    assert isinstance(fit, Calibration)
    # the fitted path reproduces the record (the truth has loss 0, so the optimum does too)
    assert fit.loss == pytest.approx(0.0, abs=1e-12)
    for p, v in truth.items():
        lo, hi = fit.intervals[p]
        assert lo <= v <= hi, (p, v, fit.intervals[p])
        assert lo <= fit.params[p] <= hi
    # the interval is a real restriction for at least one parameter
    assert any(
        fit.intervals[p][1] - fit.intervals[p][0] < 0.6 * (BOUNDS[p][1] - BOUNDS[p][0])
        for p in truth
    )
    assert fit.loss_default > 0  # the bundled values do not reproduce this record


def test_same_seed_same_estimates_and_report(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    kw = dict(params=["learning_rate.US"], bounds={"learning_rate.US": (0.02, 0.4)},
              until="2025-06-30", popsize=4, maxiter=3, profile_points=5,
              profile_samples=2)  # fmt: skip
    a = calibrate(sc, obs, **kw)
    b = calibrate(sc, obs, **kw)
    assert a.params == b.params and a.loss == b.loss and a.intervals == b.intervals
    rep = a.report()
    assert "us-china-2025" in rep and "learning_rate.US" in rep and "US->CN" in rep
    assert a.points == 2 * int(
        sum(1 for r in range(1, sc.game.rounds + 1) if str(sc.game.date(r)) <= "2025-06-30")
    )
    assert a.loss <= a.loss_default + 1e-15


def test_forecast_scores_against_two_baselines(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    fit = calibrate(sc, obs, ["learning_rate.US"], bounds={"learning_rate.US": (0.02, 0.4)},
                    until="2025-05-31", popsize=4, maxiter=2, profile_points=5,
                    profile_samples=2)  # fmt: skip
    fc = fit.forecast()
    score = fc.score(obs)
    assert set(score.rmse) == {"fitted", "no_change", "default"}
    # check the no-change baseline by hand: the observed level on 31 May held flat
    dates = np.asarray(fc.fitted.dates, dtype="datetime64[D]")
    after = dates > np.datetime64("2025-05-31")
    errs = []
    for a, b in fit.dyads:
        o = obs.headline(a, b, dates)[after]
        errs.append(obs.level_on(a, b, "2025-05-31") - o)
    expect = 100 * np.sqrt(np.mean(np.concatenate(errs) ** 2))
    assert score.rmse["no_change"] == pytest.approx(expect)
    # by default the forecast runs on to the record's last date (past the scenario's rounds)
    assert fc.fitted.dates[-2] < obs.end <= fc.fitted.dates[-1]
    assert len(fc.fitted) - 1 > fit.rounds and len(fit.forecast(rounds=5).fitted) == 6
    # rounds past the record's last date are not scored (the record says nothing there)
    far = fit.forecast(rounds=80).score(obs)
    assert far.points == score.points and far.rmse == score.rmse and far.last <= obs.end
    assert score.points == int(after.sum()) * 2
    assert score.best in score.rmse
    assert "no_change" in score.table()
    with pytest.raises(ParameterError, match="`after` 2025-09-01 lies past the forecast's"):
        fit.forecast(after="2025-09-01", rounds=5)  # a horizon that ends before it: at once
    # a record by name is the record; anything else is refused by name
    assert fc.score("us-china-2025").rmse == score.rmse
    for bad in (5, object()):
        with pytest.raises(ParameterError, match="`obs` must be an ObservedPath"):
            fc.score(bad)
    assert repr(fc).startswith("<Forecast us-china-145") and f"after {fc.after}:" in repr(fc)
    assert len(repr(fc)) < 200 and "Path" not in repr(fc)
    # the forecast as a table: the scores follow from its scored rows
    frame = fc.to_frame(obs)
    assert len(frame) == len(fc.fitted.dates) * len(fit.dyads)
    scored = frame[frame["scored"]]
    assert len(scored) == score.points
    for k in ("fitted", "no_change", "default"):
        got = 100 * np.sqrt(np.mean((scored[k] - scored["observed"]) ** 2))
        assert got == pytest.approx(score.rmse[k], rel=1e-12)
    us_cn = frame[(frame["importer"] == "US") & (frame["exporter"] == "CN")]
    assert np.array_equal(us_cn["fitted"].to_numpy(), np.asarray(fc.fitted.series("US", "CN")))
    # the record says nothing after its last date: NaN there, never scored
    late = frame["date"] > np.datetime64(obs.end)
    assert frame.loc[late, "observed"].isna().all() and not frame.loc[late, "scored"].any()
    assert frame.loc[~late, "observed"].notna().all()
    # the no-change baseline forecasts from the fit's last date on, nothing before it
    early = frame["date"] <= np.datetime64("2025-05-31")
    assert (
        frame.loc[early, "no_change"].isna().all() and frame.loc[~early, "no_change"].notna().all()
    )
    # rounds and width are checked, not taken as the defaults
    assert len(fit.simulate(rounds=3).dates) == 4
    for bad_rounds in (0, -1, 2.5):
        with pytest.raises(ParameterError, match="rounds"):
            fit.simulate(rounds=bad_rounds)
    for bad_width in (0, "a"):
        with pytest.raises(ParameterError, match="width"):
            fit.report(width=bad_width)


def test_dyads_counted_once_and_moved_by_the_game(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    kw = {"method": "grid", "popsize": 2, "maxiter": 1, "profile_points": 3, "profile_samples": 0}
    with pytest.raises(ParameterError, match="names US-CN twice"):
        calibrate(sc, obs, ["elasticity"], dyads=["US-CN", ("US", "CN")], **kw)
    never = [
        d for d in obs.dyads if d in sc.world.ladders and d not in {("US", "CN"), ("CN", "US")}
    ]
    assert never  # the record has dyads with a ladder that us-china-145 never moves
    a, b = never[0]
    with pytest.raises(ParameterError, match=f"never moves {a}-{b}"):
        calibrate(sc, obs, ["elasticity"], dyads=[f"{a}-{b}"], **kw)


def test_plots(sc: ts.Scenario) -> None:
    import matplotlib

    matplotlib.use("Agg")
    obs = ts.observed.load("us-china-2025")
    fit = calibrate(sc, obs, ["learning_rate.US"], bounds={"learning_rate.US": (0.02, 0.4)},
                    method="grid", popsize=2, maxiter=2, profile_points=4,
                    profile_samples=1)  # fmt: skip
    ax = fit.plot()
    assert any("observed" in t.get_text() for t in ax.get_legend().get_texts())
    fit.plot_profiles()
    fc = fit.forecast()
    ax = fc.plot()
    # the unfitted path and the no-change baseline are drawn over the fitted path's lines,
    # and where they coincide with it (here: the fit kept the scenario's value, and the
    # path holds still through the window) the legend says so
    fitted_z = max(ln.get_zorder() for ln in ax.get_lines() if ln.get_linewidth() > 2)
    grey = [
        ln for ln in ax.get_lines() if ln.get_color() in ("0.45", "0.15") and len(ln.get_xdata())
    ]
    assert len(grey) == 2 * len(fc.dyads) and min(ln.get_zorder() for ln in grey) > fitted_z
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "unfitted scenario (the same as the fitted path)" in labels
    assert "no-change baseline (the same as the fitted path)" in labels
    # another unfitted path, a record that moves in the window: no such note
    other = parampath.apply(sc.game, {"belief:pass_through.US.CN": 0.6})
    moved = dataclasses.replace(fc, default=ts.simulate(other, len(fc.fitted.dates) - 1, seed=0),
                                after=dt.date(2025, 4, 1))  # fmt: skip
    labels = [t.get_text() for t in moved.plot().get_legend().get_texts()]
    assert "unfitted scenario" in labels and "no-change baseline" in labels


def test_bad_arguments_fail_before_any_run(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    with pytest.raises(UnknownNameError):
        calibrate(sc, obs, ["no_such_param.US"])
    with pytest.raises(ParameterError, match="`params` must be a non-empty list"):
        calibrate(sc, obs, [])
    with pytest.raises(ParameterError, match="`until` 2024-01-01 leaves no round"):
        calibrate(sc, obs, ["learning_rate.US"], until="2024-01-01")
    with pytest.raises(ParameterError, match="`method` must be one of"):
        calibrate(sc, obs, ["learning_rate.US"], method="bfgs")
    with pytest.raises(ParameterError, match=r"`bounds.learning_rate.US`"):
        calibrate(sc, obs, ["learning_rate.US"], bounds={"learning_rate.US": (1, 0)})
    from tariffsim.errors import LimitError

    for kw in ({"profile_samples": 10**9}, {"seeds": 10**8}, {"popsize": 10**5, "maxiter": 10**5},
               {"method": "grid", "popsize": 10**4, "maxiter": 10**3}):  # fmt: skip
        with pytest.raises(LimitError, match="calibration runs"):
            calibrate(sc, obs, ["learning_rate.US"], **kw)
    with pytest.raises(ParameterError, match="`tol` must be a finite number"):
        calibrate(sc, obs, ["learning_rate.US"], tol=10**400)
    with pytest.raises(ParameterError, match=r"range \(0.5, 3\) goes outside .* \[0, 1\]"):
        calibrate(sc, obs, ["learning_rate.US"], bounds={"learning_rate.US": (0.5, 3)})
    with pytest.raises(UnknownNameError, match="no dyad MX-US"):
        calibrate(sc, obs, ["learning_rate.US"], dyads=["MX-US"])
    with pytest.raises(ParameterError, match="`seeds` must be an int >= 1"):
        calibrate(sc, obs, ["learning_rate.US"], seeds=0)
    with pytest.raises(UnknownNameError, match="unknown scenario 'us-china-146'"):
        calibrate("us-china-146", obs, ["learning_rate.US"])
    with pytest.raises(ParameterError, match="`sc` must be a Scenario, a Game or a scenario name"):
        calibrate(None, obs, ["learning_rate.US"])


def test_estimates_do_not_depend_on_the_executor(sc: ts.Scenario) -> None:
    from concurrent.futures import ThreadPoolExecutor

    obs = ts.observed.load("us-china-2025")
    kw = dict(params={"learning_rate.US": (0.02, 0.4), "resolve_weight.US": (0.2, 1.0)},
              until="2025-05-31", popsize=3, maxiter=2, profile_points=4,
              profile_samples=1)  # fmt: skip
    a = calibrate(sc, obs, **kw)
    with ThreadPoolExecutor(2) as ex:
        b = calibrate(sc, obs, executor=ex, chunk_size=5, **kw)
    c = calibrate(sc, obs, processes=2, chunk_size=5, **kw)
    for other in (b, c):
        assert a.params == other.params and a.intervals == other.intervals
        assert a.loss == other.loss
        for p in a.params:
            np.testing.assert_array_equal(a.profiles[p][1], other.profiles[p][1])
    with pytest.raises(ParameterError, match="`processes` must be an int >= 1; got -1"):
        calibrate(sc, obs, processes=-1, **kw)


@pytest.mark.parametrize("method", ["de", "grid"])
def test_processes_are_capped_at_the_largest_batch(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """A pool larger than any batch of the fit would start idle workers: ``processes`` is
    capped at the runs of the largest batch the fit plays (the pool is replaced by the
    in-process path here, so the test records what it was asked for)."""
    import contextlib

    from tariffsim.analysis import calibrate as cal_mod
    from tariffsim.analysis import runner

    asked: list[int] = []
    batches: list[int] = []

    @contextlib.contextmanager
    def pool(n: int):  # type: ignore[no-untyped-def]
        asked.append(n)
        yield None

    real = cal_mod._run_design

    def run_design(game, ov, n, *a, **kw):  # type: ignore[no-untyped-def]
        batches.append(n * kw["replicates"])
        return real(game, ov, n, *a, **kw)

    monkeypatch.setattr(runner, "local_pool", pool)
    monkeypatch.setattr(cal_mod, "_run_design", run_design)
    obs = ts.observed.load("us-china-2025")
    calibrate(sc, obs, {"learning_rate.US": (0.02, 0.4)}, until="2025-05-31", method=method,
              popsize=2, maxiter=1, profile_points=3, profile_samples=0, seeds=2,
              processes=200)  # fmt: skip
    assert asked == [max(batches)] and max(batches) < 200


def test_a_default_outside_the_range_and_a_window_past_the_game() -> None:
    """The game's default (0) below the range starts the search inside it (scipy refused a
    start on the bound); the report says which rounds were fitted, and wraps, never cuts."""
    obs = ts.observed.load("us-china-2025")
    fit = calibrate("canada-mexico-fentanyl", obs, {"learning_rate.US": (0.02, 0.4)},
                    until="2026-06-30", popsize=2, maxiter=1, profile_points=3,
                    profile_samples=0)  # fmt: skip
    report = fit.report(width=60)
    assert "…" not in report and all(len(ln) <= 60 for ln in report.splitlines())
    text = " ".join(report.split())
    assert "round dates 2025-02-01..2025-02-28 (the game's last round; until 2026-06-30)" in text
    assert f"{fit.points} points" in text


def test_one_parameter_in_two_spellings_is_one_factor(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    two = ["pass_through.US.CN", "pass_through.US-CN"]
    with pytest.raises(ParameterError, match="names one parameter twice"):
        calibrate(sc, obs, two)
    with pytest.raises(ParameterError, match="names one parameter twice"):
        ts.sensitivity(sc, {two[0]: (0.5, 1), two[1]: (0, 0.5)}, ["peak"], n=2, method="morris")
    with pytest.raises(ParameterError, match="names one parameter twice"):
        ts.sensitivity(sc, two, ["peak"], n=2, method="morris")


def _loss_by_hand(path: ts.Path, obs: ObservedPath, until: str) -> float:
    """The fit's loss of one path, from the record itself: the mean squared error of the
    headlines on the round dates after the start up to ``until``."""
    dates = np.asarray(path.dates, dtype="datetime64[D]")
    keep = (dates <= np.datetime64(until)) & (np.arange(len(dates)) > 0)
    dyads = [("US", "CN"), ("CN", "US")]
    errs = [(path.series(a, b) - obs.headline(a, b, dates))[keep] for a, b in dyads]
    return float(np.mean(np.concatenate(errs) ** 2))


GRID = {"method": "grid", "popsize": 3, "maxiter": 2, "profile_points": 3, "profile_samples": 0}


def test_a_recalibrated_fit_is_the_what_if_of_its_estimate(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    params = {"pass_through.US.CN": (0.5, 1.0), "learning_rate.US": (0.02, 0.4)}
    fit = calibrate(sc, obs, params, until="2025-06-30", seed=1, **GRID)
    assert fit.recalibrate and fit.infeasible == 0
    # the US burden at 145% moves with the pass-through: the calibrated fields are re-solved
    assert {"recession_slope", "market_beta"} <= set(fit.resolved)
    what_if = sc.with_params(fit.params)
    a, b = ts.simulate(fit.fitted_game, seed=0), ts.simulate(what_if.game, seed=0)
    for field in ("tariff", "recession", "approval"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    # the loss reported is that of the what-if's path, by hand from the record
    assert fit.loss == pytest.approx(_loss_by_hand(b, obs, "2025-06-30"), rel=1e-12, abs=1e-15)
    assert "re-solved at the estimate" in fit.report()
    # applied as they are: another game at the same values, whose loss is its own
    raw = calibrate(sc, obs, params, until="2025-06-30", seed=1, recalibrate=False, **GRID)
    assert not raw.recalibrate and raw.resolved == {}
    plain = ts.simulate(parampath.apply(sc.game, raw.params), seed=0)
    assert np.array_equal(ts.simulate(raw.fitted_game, seed=0).tariff, plain.tariff)
    assert raw.loss == pytest.approx(_loss_by_hand(plain, obs, "2025-06-30"), rel=1e-12, abs=1e-15)
    # the two fits searched the same candidates and scored them differently
    differ = [not np.array_equal(raw.profiles[p][1], fit.profiles[p][1]) for p in params]
    assert any(differ)


def test_candidates_the_calibration_cannot_take_lose(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    # below about 0.25 on every dyad the US bears no burden at 145%: no calibration
    fit = calibrate(sc, obs, {"pass_through": (0.05, 1.0)}, until="2025-06-30", seed=0,
                    **{**GRID, "profile_points": 7})  # fmt: skip
    assert fit.infeasible > 0
    grid, prof = fit.profiles["pass_through"]
    assert np.isinf(prof[grid < 0.2]).all() and np.isfinite(prof[grid > 0.4]).all()
    assert fit.params["pass_through"] > 0.25 and np.isfinite(fit.loss)
    assert "could not be recalibrated" in fit.report()
    # the unfitted loss is the scenario's own (pass_through has no single default value)
    own = _loss_by_hand(ts.simulate(sc.game, seed=0), obs, "2025-06-30")
    assert fit.loss_default == pytest.approx(own, rel=1e-12, abs=1e-15)


def test_bounds_the_calibration_cannot_take_fail_before_any_run(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffsim.analysis import calibrate as mod

    def no_runs(*a: object, **k: object) -> None:
        raise AssertionError("a run was made")

    monkeypatch.setattr(mod, "_run_design", no_runs)
    obs = ts.observed.load("us-china-2025")
    with pytest.raises(ParameterError, match=r"pass_through in \[0.05, 0.2\].*recalibrate=False"):
        calibrate(sc, obs, {"pass_through": (0.05, 0.2)}, **GRID)
    with pytest.raises(ParameterError, match="`recalibrate` must be True or False"):
        calibrate(sc, obs, ["learning_rate.US"], recalibrate="yes", **GRID)  # type: ignore[arg-type]


@pytest.mark.parametrize("recalibrate", [True, False])
def test_an_estimate_adopted_from_a_later_profile_lies_in_every_interval(
    sc: ts.Scenario, recalibrate: bool
) -> None:
    obs = ts.observed.load("us-china-2025")
    # the market_beta profile finds a better point, whose pass_through is off the grid of
    # the pass_through profile made before it
    fit = calibrate(sc, obs, {"pass_through": (0.0, 0.6), "market_beta": (10, 100)},
                    method="grid", popsize=2, maxiter=1, profile_points=3, profile_samples=2,
                    seed=2, recalibrate=recalibrate)  # fmt: skip
    for p, v in fit.params.items():
        lo, hi = fit.intervals[p]
        assert lo <= v <= hi
        grid, prof = fit.profiles[p]
        assert prof[list(grid).index(v)] <= fit.loss  # the estimate is on its profile
        assert prof.min() >= fit.loss  # and nothing on the profile beats it


def test_the_unfitted_loss_is_the_scenarios_own(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    # truth 0.5, the US belief still 0.1: the plain path at 0.5 would set both
    what_if = sc.with_params({"truth:pass_through.US.CN": 0.5})
    fit = calibrate(what_if, obs, {"pass_through.US.CN": (0.3, 0.9)}, seed=0, **GRID)
    own = _loss_by_hand(ts.simulate(what_if.game, seed=0), obs, "2025-06-30")
    assert fit.loss_default == pytest.approx(own, rel=1e-12, abs=1e-15)


def test_the_footing_of_a_batch_is_that_of_each_run(sc: ts.Scenario) -> None:
    from tariffsim.analysis.vary import as_what_ifs, what_if_footing

    values = {
        "pass_through": np.array([0.05, 0.9, 0.2, 0.3, 0.1, 1.0, 0.26]),
        "approval_base.US": np.array([0.46, 0.46, 0.46, 0.46, 0.46, 0.40, 0.46]),
    }
    ok = what_if_footing(sc.game, values, 7)

    def alone(k: int) -> bool:
        try:
            as_what_ifs(sc.game, {p: v[k : k + 1] for p, v in values.items()}, 1)
        except ParameterError:
            return False
        return True

    assert ok.tolist() == [alone(k) for k in range(7)]
    assert ok.any() and not ok.all()


def test_runs_without_footing_are_found_when_agents_perceive_a_calibrated_field_apart(
    sc: ts.Scenario,
) -> None:
    import dataclasses

    from tariffsim.analysis.vary import what_if_footing

    g = sc.game
    us = g.agents[0]
    steeper = us.beliefs.perceived.replace(recession_slope=g.model.params.recession_slope * 1.5)
    us = dataclasses.replace(us, beliefs=dataclasses.replace(us.beliefs, perceived=steeper))
    g = g.replace(agents=(us, *g.agents[1:]))
    values = {"pass_through.US.CN": np.array([0.5, 0.0, 0.7])}
    assert what_if_footing(g, values, 3).tolist() == [True, False, True]
    with pytest.raises(ParameterError, match=r"run 1 .* leaves the calibration no footing"):
        ts.ensemble(g, 3, vary=values, rounds=2, progress=False)


def test_default_bounds_from_the_claims_per_country(sc: ts.Scenario) -> None:
    """A path without bounds takes the range its claim gives: ``approval_price.US`` the
    approval_39_45 band turned into the slope at the calibration state (the claims set the
    field for every country, so the country's entry takes the field's range)."""
    from tariffsim.analysis.calibrate import _bounds

    g = sc.game
    cal = g.model.params.calibration
    a0 = float(g.model.params.approval_base[g.world.index("US")])
    lo, hi = ts.claims["approval_39_45"].range
    got = _bounds(g, ["approval_price.US", "recession_base.US"], None)
    pain = cal["us_pain_at_145_125"]
    want = (0.5 * (a0 - hi / 100) / pain, 0.5 * (a0 - lo / 100) / pain)
    np.testing.assert_allclose(got["approval_price.US"], want, rtol=1e-9)
    assert got["recession_base.US"] == tuple(
        v / 100 for v in ts.claims["us_recession_baseline"].range
    )


def test_a_tie_goes_to_the_simpler_forecaster() -> None:
    """`best` is the smallest RMSE; a model that only ties the baseline (to rounding) is not
    called better than it."""
    import datetime as dt

    from tariffsim.analysis.calibrate import ForecastScore

    def score(fitted: float, no_change: float, default: float) -> str:
        rmse = {"fitted": fitted, "no_change": no_change, "default": default}
        day = dt.date(2025, 7, 1)
        return ForecastScore(rmse, dict(rmse), {}, 1, day, day).best

    assert score(3.0151134457776356, 3.0151134457776374, 3.0151134457776356) == "no_change"
    assert score(3.0, 4.0, 3.0) == "default"
    assert score(2.9, 3.0, 3.0) == "fitted"
    assert score(3.0, 3.0, 2.0) == "default"
    assert score(float("nan"), 2.0, 1.0) == "default"  # (a NaN is no score)
    with pytest.raises(ParameterError, match="no forecaster has a finite RMSE"):
        score(float("nan"), float("nan"), float("nan"))


def test_a_search_stopped_by_maxiter_says_so(sc: ts.Scenario) -> None:
    """The optimiser's own verdict was dropped: a search cut short by ``maxiter`` reported its
    best point as the estimate, without a word. Now ``converged`` is False, the report says
    so and a ConvergenceWarning is raised; a search that settles says nothing."""
    obs = ts.observed.load("us-china-2025")
    kw = dict(params={"learning_rate.US": (0.02, 0.4), "resolve_weight.US": (0.2, 1.0)},
              popsize=4, profile_points=3, profile_samples=0, seed=1)  # fmt: skip
    with pytest.warns(ts.ConvergenceWarning, match=r"stopped before it settled \(Maximum"):
        short = calibrate("four-country-2025", obs, maxiter=2, **kw)
    assert not short.converged and "iterations" in short.search
    assert "search NOT converged" in short.report(width=200)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ts.ConvergenceWarning)
        full = calibrate(sc, obs, maxiter=12, **kw)
    assert full.converged and "NOT converged" not in full.report(width=200)


def test_a_tie_with_the_scenario_keeps_the_scenarios_values(sc: ts.Scenario) -> None:
    """On the flat floor of the loss the best point seen ties with the scenario's values:
    those are reported, not an arbitrary point of the plateau."""
    obs = ts.observed.load("us-china-2025")
    fit = calibrate(sc, obs, {"learning_rate.US": (0.02, 0.4), "resolve_weight.US": (0.2, 1.0)},
                    popsize=4, maxiter=12, profile_points=3, profile_samples=0, seed=1)  # fmt: skip
    assert fit.loss == fit.loss_default
    assert fit.params == {p: fit.defaults[p] for p in fit.params}


def test_one_bar_counts_every_run_of_the_fit(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each generation had a bar of its own, which a generation shorter than the bar's delay
    never drew: a fit showed nothing while it searched. Now one bar covers the search, the
    profiles and the scenario's own run, moving generation by generation."""
    from tariffsim.analysis import calibrate as cal_mod

    bars: list[Any] = []
    moves: list[int] = []
    real = cal_mod.progress_bar

    def recording(total: Any, **kw: Any) -> Any:
        bar = real(total, **kw)
        bars.append((kw.get("desc"), total, bar))
        update = bar.update
        bar.update = lambda k=1: (moves.append(k), update(k))  # type: ignore[method-assign]
        return bar

    monkeypatch.setattr(cal_mod, "progress_bar", recording)
    obs = ts.observed.load("us-china-2025")
    fit = calibrate(sc, obs, {"learning_rate.US": (0.02, 0.4)}, popsize=4, maxiter=3,
                    profile_points=3, profile_samples=0, seed=1)  # fmt: skip
    assert [(d, t >= fit.runs) for d, t, _ in bars] == [("calibration", True)]
    assert bars[0][2].n == fit.runs == sum(moves)
    assert len(moves) >= 1 + 3 + 1  # the first population, each generation, the profiles


def test_a_settled_search_a_profile_betters_says_so_and_what_helps(sc: ts.Scenario) -> None:
    """Differential evolution settled (scipy: success) on a point that a profile then
    bettered: the warning said 'did not converge' and advised maxiter, which changes nothing
    (the search stops at the same generation). It now says what happened and what helps."""
    obs = ts.observed.load("us-china-2025")
    kw = dict(until="2025-06-30", popsize=2, profile_points=29, profile_samples=0, seed=0)
    with pytest.warns(ts.ConvergenceWarning, match=r"the search settled \(Optimization "
                      r"terminated successfully\), but the profile of pass_through found a "
                      r"lower loss.*larger popsize") as got:  # fmt: skip
        fit = calibrate(sc, obs, {"pass_through": (0.3, 1.0)}, maxiter=200, **kw)
    assert "maxiter" not in str(got[0].message)
    assert not fit.converged and "search NOT converged: the search settled" in fit.report(200)


def test_a_window_where_the_record_holds_still_says_it_tells_nothing_apart() -> None:
    """After 30 June the record stands at the truce: every forecaster that holds scored 0.0,
    printed as if it were a measured tie."""
    import datetime as dt

    from tariffsim.analysis.calibrate import ForecastScore

    day = dt.date(2025, 6, 30)

    def scored(rmse: dict[str, float]) -> ForecastScore:  # (RMSE and MAE alike)
        return ForecastScore(dict(rmse), dict(rmse), {}, 16, day, day)

    still = scored({"fitted": 0.0, "no_change": 0.0, "default": 0.0})
    assert "the record holds still after 2025-06-30" in still.table()
    moving = scored({"fitted": 0.0, "no_change": 3.0, "default": 1.0})
    assert "holds still" not in moving.table()
    obs = ts.observed.load("us-china-2025")
    held = [obs.level_on(a, b, "2025-06-30") for a, b in (("US", "CN"), ("CN", "US"))]
    later = [obs.level_on(a, b, "2025-08-25") for a, b in (("US", "CN"), ("CN", "US"))]
    assert held == later  # (the record does hold still there)


def test_the_report_says_when_the_scenarios_value_lies_outside_the_range() -> None:
    sc = ts.load_scenario("us-china-145")
    obs = ts.observed.load("us-china-2025")
    kw = dict(until="2025-05-31", popsize=2, maxiter=1, profile_points=3, profile_samples=0)
    fit = calibrate(sc, obs, {"learning_rate.US": (0.2, 0.4)}, **kw)  # the scenario's: 0.1
    assert fit.defaults["learning_rate.US"] == 0.1
    assert "learning_rate.US = 0.1, range [0.2, 0.4]" in fit.report()
    inside = calibrate(sc, obs, {"learning_rate.US": (0.02, 0.4)}, **kw)
    assert "outside the range searched" not in inside.report()


def test_the_forecast_starts_at_the_last_date_fitted() -> None:
    """A game that ends before `until` is fitted up to its last round: the forecast starts
    there, and the no-change baseline holds the record's levels of that date (it held those
    of `until`, which the fit never saw, and beat the model with them). A forecast from a
    date inside the fit window is refused (it scored fitted rounds as a forecast), one from
    the forecast's last round or later too (it was made, and said so only when scored),
    and one scored past the record's end says the record ends there."""
    obs = ts.observed.load("us-china-2025")
    fit = calibrate("canada-mexico-fentanyl", obs, {"learning_rate.US": (0.02, 0.4)},
                    until="2025-06-30", popsize=2, maxiter=1, profile_points=3,
                    profile_samples=0)  # fmt: skip
    assert fit.last_fitted == dt.date(2025, 2, 28) < fit.until
    fc = fit.forecast()
    assert fc.after == fit.last_fitted
    score = fc.score()
    assert score.after == dt.date(2025, 2, 28)
    dates = np.asarray(fc.fitted.dates, dtype="datetime64[D]")
    window = (dates > np.datetime64("2025-02-28")) & (dates <= np.datetime64(obs.end))
    for a, b in fc.dyads:  # the baseline's error is the record's change since 28 February
        o = obs.headline(a, b, dates)[window]
        held = obs.level_on(a, b, dt.date(2025, 2, 28))
        want = 100 * float(np.sqrt(np.mean((held - o) ** 2)))
        assert score.per_dyad[(a, b)]["no_change"] == pytest.approx(want, rel=1e-12)
    assert fit.forecast(after="2025-03-10").after == dt.date(2025, 3, 10)  # later: as asked
    with pytest.raises(ParameterError, match="`after` 2025-02-01 lies inside the fit window"):
        fit.forecast(after="2025-02-01")
    for late in ("2025-11-10", "2026-01-01"):  # past the forecast itself: refused at once
        with pytest.raises(ParameterError, match=f"`after` {late} lies past the forecast's"):
            fit.forecast(after=late)
    with pytest.raises(ParameterError, match="the record 'us-china-2025' ends 2025-11-10"):
        fit.forecast(after="2026-01-01", rounds=400).score()  # a forecast past the record


@pytest.mark.filterwarnings("ignore::tariffsim.errors.BeliefReplacedWarning")
def test_the_report_says_why_a_fit_is_worse_than_the_scenario() -> None:
    """A bare path that also replaces the US belief: the fit at the scenario's own value is
    not the scenario, and its loss is far above the unfitted one; the report says why (it
    said nothing, with the estimate equal to the default)."""
    sc = ts.load_scenario("us-china-145")
    obs = ts.observed.load("us-china-2025")
    kw = dict(until="2025-06-30", popsize=3, maxiter=2, profile_points=3, profile_samples=0)
    fit = calibrate(sc, obs, {"pass_through": (0.1, 1.0)}, seed=0, **kw)
    assert fit.loss > fit.loss_default
    assert "the fit is worse than the scenario as written" in fit.report(width=10_000)
    fine = calibrate(sc, obs, {"learning_rate.US": (0.02, 0.4)}, seed=0, **kw)
    assert fine.loss <= fine.loss_default and "worse than" not in fine.report()


def test_ranges_given_in_params_are_named_as_params(sc: ts.Scenario) -> None:
    obs = ts.observed.load("us-china-2025")
    with pytest.raises(ParameterError, match=r"`params\.learning_rate\.US`: range must be"):
        calibrate(sc, obs, {"learning_rate.US": (np.nan, 1.0)})
    with pytest.raises(ParameterError, match=r"`params` is empty"):
        calibrate(sc, obs, {})
    with pytest.raises(ParameterError, match=r"`bounds\.learning_rate\.US`: range must be"):
        calibrate(sc, obs, ["learning_rate.US"], bounds={"learning_rate.US": (np.nan, 1.0)})
