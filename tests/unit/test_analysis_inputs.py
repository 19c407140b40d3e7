"""Bad input to the analyses gets a tariffsim error naming what the user gave, before any
run: the cases a hostile read of the ensemble, sensitivity and calibration inputs found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis import Uniform
from tariffsim.analysis.distributions import parse_distribution
from tariffsim.errors import ConstantOutputWarning, ParameterError, UnknownNameError, WorkerError


class _ScatterFails:
    """What tariffsim takes for a Dask client, whose scheduler is gone."""

    def submit(self, *a: Any, **k: Any) -> Any:
        raise AssertionError("nothing is submitted once the scatter failed")

    def gather(self, *a: Any, **k: Any) -> Any:
        raise AssertionError("nothing is gathered")

    def scatter(self, *a: Any, **k: Any) -> Any:
        raise OSError("scheduler connection lost")

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": {"w": {"nthreads": 1}}}


def test_a_dask_scatter_that_fails_is_a_worker_error_naming_the_executor() -> None:
    with pytest.raises(WorkerError, match=r"`executor` .*shared input.*OSError: scheduler") as e:
        ts.ensemble("us-china-145", runs=4, rounds=3, vary="claims", executor=_ScatterFails())
    assert isinstance(e.value.__cause__, OSError)


@pytest.mark.parametrize("bounds", ["x", [(0.02, 0.4)], 3])
def test_calibrate_bounds_must_be_a_mapping(bounds: Any) -> None:
    with pytest.raises(ParameterError, match=r"`bounds` must be a mapping of parameter path"):
        ts.calibrate("us-china-145", "us-china-2025", ["learning_rate.US"], bounds=bounds)


@pytest.mark.parametrize("text", ["Beta(1, 1, low=0, high=0.1, low=0.05)",
                                  "Uniform(low=0, high=0.1, high=0.5)"])  # fmt: skip
def test_a_distribution_keyword_given_twice_is_refused(text: str) -> None:
    with pytest.raises(ParameterError, match=r"is given twice"):
        parse_distribution(text)


def test_sensitivity_outputs_named_twice_are_refused() -> None:
    with pytest.raises(ParameterError, match=r"`outputs` names 'peak' twice"):
        ts.sensitivity("us-china-145", outputs=["peak", "peak"], n=2, rounds=4)


def test_a_sensitivity_output_function_that_raises_is_named_as_the_output() -> None:
    """The user's output functions are reported as events and ``prob`` predicates are:
    a ParameterError naming the output, the error chained."""

    def broken(pb: Any) -> Any:
        return 1 / 0

    with pytest.raises(ParameterError, match=r"output 'mine' failed .*ZeroDivisionError") as e:
        ts.sensitivity("us-china-145", {"noise": (0.0, 0.1)}, {"mine": broken}, n=2, rounds=4)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConstantOutputWarning")  # (a tiny design)
def test_a_sensitivity_table_width_must_be_a_whole_number() -> None:
    res = ts.sensitivity("us-china-145", {"noise": (0.0, 0.1)}, ["peak"], n=2, rounds=4,
                         progress=False)  # fmt: skip
    for width in ("80", 5, 80.5):
        with pytest.raises(ParameterError, match=r"`width` must be an int >= 20"):
            res.table(width=width)
    assert res.table(width=40)


@pytest.mark.parametrize("seed", [-1, True, 1.0, "5", np.float64(3)])
def test_every_analysis_takes_the_same_seeds(seed: Any) -> None:
    """Every analysis refuses what is not an int >= 0, with one message."""
    for call in (
        lambda: ts.ensemble("us-china-145", runs=2, rounds=3, seed=seed),
        lambda: ts.sensitivity("us-china-145", {"noise": (0.0, 0.1)}, ["peak"], n=2, rounds=3,
                               seed=seed),
        lambda: ts.calibrate("us-china-145", "us-china-2025", ["learning_rate.US"], seed=seed),
    ):  # fmt: skip
        with pytest.raises(ParameterError, match=r"`seed` must be an int >= 0"):
            call()


def test_a_seed_of_any_size_runs_and_reads_back(tmp_path: Any) -> None:
    """A seed of 2**63 or more (NumPy's advice for a fresh seed is the 128-bit
    SeedSequence().entropy) ran in simulate but was refused by the ensembles, sensitivity
    and calibration. Now each takes it: run k of an ensemble is simulate with
    SeedSequence(seed).spawn(R)[k], and the exports keep the seed as its decimal text, read
    back to the same int."""
    big = np.random.SeedSequence(12345).entropy + 2**127  # a 128-bit seed
    draws = {"noise": Uniform(0.05, 0.2)}
    e = ts.ensemble("us-china-145", runs=3, rounds=6, seed=big, vary=draws, progress=False)
    assert e.seed == big
    seeds = np.random.SeedSequence(big).spawn(3)
    g = parampath.apply(ts.load_scenario("us-china-145").game, e.run(1).draws)
    one = ts.simulate(g, 6, rng=np.random.default_rng(seeds[1]))
    np.testing.assert_array_equal(e.recession[1], one.recession)
    for d, (a, b) in enumerate(e.dyads):
        np.testing.assert_array_equal(e.tariff[1][:, d], one.series(a, b))
    e.to_npz(tmp_path / "e.npz")
    e.to_netcdf(tmp_path / "e.nc")
    for back in (ts.Ensemble.from_npz(tmp_path / "e.npz"),
                 ts.Ensemble.from_netcdf(tmp_path / "e.nc")):  # fmt: skip
        assert back.seed == big
        np.testing.assert_array_equal(back.tariff, e.tariff)
    s = ts.ensemble("us-china-145", runs=3, rounds=6, seed=big, vary=draws, keep="summary",
                    progress=False)  # fmt: skip
    s.to_npz(tmp_path / "s.npz")
    s.to_netcdf(tmp_path / "s.nc")
    for back_s in (ts.EnsembleSummary.from_npz(tmp_path / "s.npz"),
                   ts.EnsembleSummary.from_netcdf(tmp_path / "s.nc")):  # fmt: skip
        assert back_s.seed == big
    with pytest.warns(ConstantOutputWarning):  # (noise moves no peak in three rounds)
        res = ts.sensitivity("us-china-145", {"noise": (0.0, 0.1)}, ["peak"], n=2, rounds=3,
                             seed=big, progress=False)  # fmt: skip
    assert res.seed == big
    # a stored seed that is no decimal integer is refused by name
    with np.load(tmp_path / "e.npz") as z:
        arrays = dict(z)
    for bad in ("12a", "-3", "", "1e5", "١٢"):
        arrays["seed"] = np.array(bad)
        np.savez(tmp_path / "bad.npz", **arrays)
        with pytest.raises(ParameterError, match="the seed must be an int >= 0"):
            ts.Ensemble.from_npz(tmp_path / "bad.npz")


def test_calibrate_tol_is_not_a_bool() -> None:
    with pytest.raises(ParameterError, match=r"`tol` must be a finite number >= 0; got True"):
        ts.calibrate("us-china-145", "us-china-2025", ["learning_rate.US"], tol=True)


@pytest.mark.parametrize("kind", ["ensemble", "summary"])
def test_to_netcdf_names_its_file_argument(kind: str, tmp_path: Path) -> None:
    pytest.importorskip("xarray")
    keep = "summary" if kind == "summary" else "runs"
    res = ts.ensemble("us-china-145", runs=2, rounds=3, vary="claims", keep=keep)
    with pytest.raises(ParameterError, match=r"^`file` .*: no folder"):
        res.to_netcdf(tmp_path / "missing" / "x.nc")
    with pytest.raises(ParameterError, match=r"^`file` .* is a folder"):
        res.to_netcdf(tmp_path)


def test_a_vary_key_near_claims_is_pointed_at_it() -> None:
    with pytest.raises(UnknownNameError, match=r"did you mean 'claims'"):
        ts.ensemble("us-china-145", runs=2, vary={"claimz": True})


def test_cli_draw_errors_name_the_draw(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tariffsim.cli import main

    base = ["ensemble", "us-china-145", "--runs", "2", "--rounds", "3", "--out", str(tmp_path)]
    cases = [
        (["--draw", "noise=Uniform(0, 2)"], "error: --draw noise: Uniform"),
        (["--draw", "claims=Uniform(0, 0.1)"], "--draw: 'claims' is not a parameter path"),
        (["--vary", "claims", "--draw", "truth:pass_through.US.CN=Uniform(0.5, 1)"],
         "error: --draw: 'truth:pass_through.US.CN' sets what the claim"),
        (["--draw", "claimz=Uniform(0, 0.1)"],
         "did you mean 'claims'? Draw the claims with --vary claims."),
    ]  # fmt: skip
    for extra, said in cases:
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert said in err and "vary[" not in err and "--vary:" not in err, err
    assert not any(tmp_path.iterdir())


def test_cli_params_named_twice(capsys: pytest.CaptureFixture[str]) -> None:
    from tariffsim.cli import main

    assert main(["sensitivity", "us-china-145", "--params", "noise=0:0.1,noise=0:0.2"]) == 2
    assert "--params names 'noise' twice" in capsys.readouterr().err


def test_seeds_past_what_prints_are_refused_before_any_run() -> None:
    """A seed of 5,000 digits was taken and played, then broke the result's repr, plot and
    exports (Python prints no int of more than 4,300 digits): every seed check refuses a
    seed of 2**4096 or more, saying its size rather than its digits."""
    sc = ts.load_scenario("us-china-145")
    huge = 10**5000
    for call in (
        lambda: ts.simulate(sc.game, 2, seed=huge),
        lambda: ts.simulate_batch(sc.game, 2, seeds=[0, huge]),
        lambda: ts.ensemble(sc, runs=2, rounds=2, seed=huge),
        lambda: ts.sensitivity(sc, {"noise": (0.0, 0.1)}, ["peak"], n=2, rounds=2, seed=huge),
    ):
        with pytest.raises(ParameterError, match=r"below 2\*\*4096\).*got an int of 16610 bits"):
            call()
    with pytest.raises(ParameterError, match=r"below 2\*\*4096"):
        ts.ensemble(sc, runs=2, rounds=2, seed=2**4096)
    edge = ts.simulate(sc.game, 2, seed=2**4096 - 1)  # the largest seed runs and exports
    assert len(edge.to_json()) > 0


def test_plots_refuse_what_is_no_axes_or_figure() -> None:
    """ax=5 or a Figure as ``ax`` gave AttributeErrors from deep in matplotlib; a record's
    name was refused by Forecast.plot though Forecast.score takes it."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    sa = ts.analysis.sensitivity.analyse_function(
        lambda x: x[:, 0] + x[:, 1], {"a": (0, 1), "b": (0, 1)}, n=64
    )
    fit = ts.calibrate("us-china-145", "us-china-2025", {"learning_rate.US": (0.02, 0.4)},
                       method="grid", popsize=2, maxiter=1, profile_points=3,
                       profile_samples=0, progress=False)  # fmt: skip
    fc = fit.forecast()
    for bad in (5, Figure(), "ax"):
        for plot in (sa.plot, fit.plot, fc.plot):
            with pytest.raises(ParameterError, match=r"`ax` must be a matplotlib Axes or None"):
                plot(ax=bad)
    no_fig = r"`fig` must be a matplotlib Figure \(or SubFigure\) or None"
    for bad_fig in ("x", 5, Figure().add_subplot()):
        with pytest.raises(ParameterError, match=no_fig):
            fit.plot_profiles(fig=bad_fig)
        e = ts.ensemble("us-china-145", runs=2, rounds=3, progress=False, vary="claims")
        with pytest.raises(ParameterError, match=no_fig):
            e.plot(fig=bad_fig)
    # a SubFigure is a figure to draw in, as it was for the path charts
    sub = Figure().subfigures(1, 3)
    fit.plot_profiles(fig=sub[0])
    ts.plotting.plot_summary(fit.simulate(rounds=4), fig=sub[1])
    e.plot(fig=sub[2], indicators=())
    assert all(len(f.axes) for f in sub)
    # the record's chart and the tournaments' charts check theirs too
    with pytest.raises(ParameterError, match=r"`ax` must be a matplotlib Axes or None"):
        ts.analysis.observed.load("us-china-2025").plot(ax=5)
    r = ts.tournament.round_robin(["hold", "always-escalate"], rounds=3, repetitions=1)
    for plot in (r.ranking_plot, r.payoff_heatmap):
        with pytest.raises(ParameterError, match=r"`ax` must be a matplotlib Axes or None"):
            plot(ax=5)
    by_name = fc.plot("us-china-2025")
    assert any("observed" in t.get_text() for t in by_name.get_legend().get_texts())


def test_a_calibration_far_past_the_record_still_plots_and_its_search_keeps_our_errors(
    tmp_path: Path,
) -> None:
    """`until` 9999-12-31 was taken, the fit run, and its chart then failed to save (the fit
    window was shaded to year 9999); a bad chunk_size or a shut-down executor came out of the
    differential evolution as scipy's RuntimeError, after the search had started."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib

    matplotlib.use("Agg")
    fit = ts.calibrate("us-china-145", "us-china-2025", {"learning_rate.US": (0.02, 0.4)},
                       until="9999-12-31", method="grid", popsize=2, maxiter=1, profile_points=3,
                       profile_samples=0, progress=False)  # fmt: skip
    for ax in (fit.plot(), fit.forecast().plot()):
        ax.figure.savefig(io.BytesIO(), format="png")
    with pytest.raises(ParameterError, match="`after` 9999-12-31 lies past the forecast's"):
        fit.forecast(after="9999-12-31")  # (nothing to score: refused before it is played)
    span = [p for p in fit.plot().patches if p.get_label() == "fit window"]
    assert span and matplotlib.dates.num2date(span[0].get_x() + span[0].get_width()).date() == (
        fit.last_fitted
    )
    kw = {"popsize": 3, "maxiter": 2, "profile_points": 3, "profile_samples": 0}  # "de"
    for chunk in (0, -1, 1.5, "3", True):
        with pytest.raises(ParameterError, match=r"`chunk_size` must be an int >= 1"):
            ts.calibrate("us-china-145", "us-china-2025", ["learning_rate.US"], chunk_size=chunk,
                         progress=False, **kw)  # fmt: skip
    pool = ThreadPoolExecutor(2)
    pool.shutdown()
    with pytest.raises(ParameterError, match=r"`executor` .* is shut down"):
        ts.calibrate("us-china-145", "us-china-2025", ["learning_rate.US"], executor=pool,
                     progress=False, **kw)  # fmt: skip


@pytest.mark.parametrize("first", ["10000-01-01", "-0005-01-01"])
def test_stored_dates_outside_the_calendar_are_refused(tmp_path: Path, first: str) -> None:
    """Dates past year 9999 (or before year 1) in a tampered file were read, then broke its
    plot and its NetCDF export."""
    e = ts.ensemble("us-china-145", runs=2, rounds=4, progress=False, vary="claims")
    e.to_npz(tmp_path / "e.npz")
    with np.load(tmp_path / "e.npz") as z:
        arrays = dict(z)
    start = np.datetime64(first, "D")
    arrays["dates"] = (start + 7 * np.arange(len(arrays["dates"]))).astype(str)
    np.savez(tmp_path / "far.npz", **arrays)
    with pytest.raises(ParameterError, match="the dates must lie in the years 1 to 9999"):
        ts.Ensemble.from_npz(tmp_path / "far.npz")


def test_a_plain_path_that_replaces_a_mistaken_belief_says_so() -> None:
    """vary={"pass_through.US.CN": ...} set the truth and the US's belief alike: its belief
    that China pays (0.1) was gone from every run, and the climb to 145% with it, without a
    word. Ensembles, sensitivity and calibration now warn, naming the truth: and belief:
    paths; those, and a plain path no agent believes otherwise about, do not warn."""
    import warnings

    from tariffsim.errors import BeliefReplacedWarning

    sc = ts.load_scenario("us-china-145")
    plain = {"pass_through.US.CN": Uniform(0.9, 1.0)}
    with pytest.warns(BeliefReplacedWarning, match=r"US believes 0\.1 where the truth is 1"):
        replaced = ts.ensemble(sc, runs=3, rounds=12, vary=plain, progress=False)
    assert (replaced.peak("US", "CN") < 1.45).all()  # the belief gone, the climb with it
    with warnings.catch_warnings():
        warnings.simplefilter("error", BeliefReplacedWarning)
        kept = ts.ensemble(sc, runs=3, rounds=12, progress=False,
                           vary={"truth:pass_through.US.CN": Uniform(0.9, 1.0),
                                 "belief:pass_through.US.CN": Uniform(0.05, 0.15),
                                 "elasticity": Uniform(2.0, 3.0)})  # fmt: skip
        ts.ensemble(sc, runs=3, rounds=2, vary="claims", progress=False)
    assert (kept.peak("US", "CN") == 1.45).all()
    with pytest.warns(BeliefReplacedWarning, match=r"`params`: 'pass_through\.US\.CN'.*"
                      r"'truth:pass_through\.US\.CN' to keep the belief"):  # fmt: skip
        ts.sensitivity(sc, {"pass_through.US.CN": (0.9, 1.0)}, ["cumulative_gdp_loss"],
                       method="morris", n=2, rounds=12, progress=False)  # fmt: skip
    with pytest.warns(BeliefReplacedWarning, match=r"`params`"):
        ts.calibrate(sc, "us-china-2025", {"pass_through.US.CN": (0.9, 1.0)}, method="grid",
                     popsize=2, maxiter=1, profile_points=3, profile_samples=0,
                     progress=False)  # fmt: skip


@pytest.mark.parametrize("runs", [2, 5])
def test_a_range_given_to_an_ensemble_is_refused_with_the_distribution_to_use(runs: int) -> None:
    """ts.sensitivity takes (low, high) ranges; the same tuple in an ensemble's `vary` was
    taken as per-run values (two runs at 2 and 3) when runs was 2, and refused for its shape,
    with no word of a distribution, otherwise."""
    with pytest.raises(ParameterError, match=r"is a pair \(2\.0, 3\.0\).*Uniform\(2\.0, 3\.0\)"):
        ts.ensemble("us-china-145", runs=runs, rounds=2, vary={"elasticity": (2.0, 3.0)})
    values = [2.0 + k / runs for k in range(runs)]  # per-run values: a list (or an array)
    e = ts.ensemble("us-china-145", runs=runs, rounds=2, vary={"elasticity": values},
                    progress=False)  # fmt: skip
    assert e.draws["elasticity"].tolist() == values
    if runs != 2:  # a tuple of one value per run, which no range can be, still is one
        t = ts.ensemble("us-china-145", runs=runs, rounds=2, vary={"elasticity": tuple(values)},
                        progress=False)  # fmt: skip
        assert t.draws["elasticity"].tolist() == values


def test_the_ranges_a_sensitivity_drew_over_are_reported() -> None:
    """A bare path of value 0 (noise, a learning rate) ranges over [0, 1], not its value
    ±50% as the CLI's docs said; no table, text or CSV told which ranges were used."""
    res = ts.sensitivity("us-china-145", ["noise", "elasticity", "resolve_weight.US"],
                         ["cumulative_gdp_loss"], method="morris", n=2, rounds=4,
                         progress=False)  # fmt: skip
    assert dict(res.bounds) == {"noise": (0.0, 1.0), "elasticity": (1.25, 3.75),
                                "resolve_weight.US": (0.25, 0.75)}  # fmt: skip
    assert res.ranges() == (
        "ranges: noise [0, 1], elasticity [1.25, 3.75], resolve_weight.US [0.25, 0.75]"
    )
    rows = {r["param"]: (r["low"], r["high"]) for r in res.rows()}
    assert rows == dict(res.bounds)


def test_a_second_look_at_the_analysis_inputs(tmp_path: Path) -> None:
    """What a read of the changes above found: a long seed filled a chart's title; the
    belief warning fired before a call that then failed on the very path; a repeated
    indicator was refused only after every run (and not at all with --no-plot); `after`'s
    error named ints only; a forecast past the record advised an earlier `after`, which the
    fit refuses; an ensemble of claims and paths read back said fewer draws."""
    import warnings

    from tariffsim._util import seed_text
    from tariffsim.cli import main
    from tariffsim.errors import BeliefReplacedWarning

    assert seed_text(2**127 + 5) == "1701411834…(39 digits)" and seed_text(12) == "12"
    e = ts.ensemble("us-china-145", runs=2, rounds=2, seed=2**127 + 5, vary="claims",
                    progress=False)  # fmt: skip
    assert "seed 1701411834…(39 digits)" in e.plot(indicators=()).axes[0].get_title()
    assert "seed 1701411834…(39 digits)" in repr(e)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BeliefReplacedWarning)
        with pytest.raises(ParameterError, match="sets what the claim"):
            ts.ensemble("us-china-145", runs=3, rounds=3,
                        vary={"claims": True, "pass_through.US.CN": Uniform(0.6, 1.0)})  # fmt: skip
    args = ["ensemble", "us-china-145", "--runs", "2", "--indicators", "recession,recession",
            "--no-plot", "--out", str(tmp_path / "x")]  # fmt: skip
    assert main(args) == 2
    assert not (tmp_path / "x").exists()
    for bad in (None, 2.0, True):
        with pytest.raises(ParameterError, match=r"`after` must be a round \(an int >= 0\) or"):
            e.first_round("US", "CN", at_most=0.3, after=bad)
    long = ts.load_scenario("us-china-145").game.replace(rounds=52)  # on past the record
    fit = ts.calibrate(long, "us-china-2025", {"learning_rate.US": (0.02, 0.4)},
                       until="2025-11-10", method="grid", popsize=2, maxiter=1,
                       profile_points=3, profile_samples=0, progress=False)  # fmt: skip
    with pytest.raises(ParameterError, match="fit with an earlier `until`"):
        fit.forecast().score()
    both = ts.ensemble("us-china-145", runs=3, rounds=3, progress=False,
                       vary={"claims": True, "noise": Uniform(0.0, 0.1)})  # fmt: skip
    both.to_npz(tmp_path / "b.npz")
    assert repr(ts.Ensemble.from_npz(tmp_path / "b.npz")) == repr(both)
