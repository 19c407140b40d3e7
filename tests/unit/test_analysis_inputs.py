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
