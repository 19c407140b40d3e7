"""`tariffsim sensitivity` and `tariffsim calibrate`: outputs written, one-line errors, exit 2."""

from __future__ import annotations

import csv
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import tariffsim as ts
from tariffsim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tariffsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=600,
    )


def test_sensitivity_writes_table_csv_and_charts(tmp_path: Path) -> None:
    res = _cli("sensitivity", "us-china-145", "--method", "morris", "--n", "2",
               "--params", "belief:pass_through.US.CN=0:0.6,learning_rate.US=0.02:0.4",
               "--outputs", "peak,settled_us", "--out", "sa", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "peak (morris, n=2, 6 runs)" in res.stdout
    folder = tmp_path / "sa"
    rows = list(csv.DictReader((folder / "us-china-145-sensitivity.csv").read_text().splitlines()))
    assert {r["output"] for r in rows} == {"peak", "settled_us"}
    assert {r["param"] for r in rows} == {"belief:pass_through.US.CN", "learning_rate.US"}
    assert {r["focus"] for r in rows} == {"US->CN"}  # the files say which dyad was read
    assert "outputs of US->CN" in (folder / "us-china-145-sensitivity.txt").read_text()
    for o in ("peak", "settled_us"):
        png = folder / f"us-china-145-sensitivity-{o}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(folder.glob("*.tmp*"))


def test_calibrate_writes_report_forecast_and_plots(tmp_path: Path) -> None:
    res = _cli("calibrate", "us-china-145", "--observed", "us-china-2025",
               "--params", "learning_rate.US=0.02:0.4", "--until", "2025-05-31",
               "--maxiter", "1", "--popsize", "2", "--profile-points", "3",
               "--profile-samples", "0", "--out", "fit", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "calibration of us-china-145 to 'us-china-2025'" in res.stdout
    assert "no_change" in res.stdout
    folder = tmp_path / "fit"
    rows = list(csv.DictReader((folder / "us-china-145-calibration.csv").read_text().splitlines()))
    assert [r["param"] for r in rows] == ["learning_rate.US"]
    assert 0.02 <= float(rows[0]["estimate"]) <= 0.4
    fc = list(
        csv.DictReader((folder / "us-china-145-calibration-forecast.csv").read_text().splitlines())
    )
    assert [r["forecaster"] for r in fc] == ["fitted", "no_change", "default"]
    paths = list(csv.DictReader(
        (folder / "us-china-145-calibration-forecast-paths.csv").read_text().splitlines()
    ))  # fmt: skip
    assert list(paths[0]) == [
        "date", "importer", "exporter", "fitted", "default", "no_change", "observed", "scored"
    ]  # fmt: skip
    assert {(r["importer"], r["exporter"]) for r in paths} == {("US", "CN"), ("CN", "US")}
    assert any(r["scored"] == "True" for r in paths) and paths[0]["date"].startswith("2025-")
    for suffix in ("", "-profiles", "-forecast"):
        assert (folder / f"us-china-145-calibration{suffix}.png").stat().st_size > 0


def test_calibrate_recalibrates_unless_told_not_to(tmp_path: Path) -> None:
    args = ("calibrate", "us-china-145", "--observed", "us-china-2025",
            "--params", "pass_through.US.CN=0.5:1", "--maxiter", "1", "--popsize", "2",
            "--profile-points", "3", "--profile-samples", "0", "--no-plot")  # fmt: skip
    res = _cli(*args, "--out", "a", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "re-solved at the estimate (calibration targets held): recession_slope" in res.stdout
    res = _cli(*args, "--no-recalibrate", "--out", "b", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "re-solved" not in res.stdout
    assert "calibration of us-china-145" in res.stdout


def test_calibrate_says_when_nothing_is_left_to_score(tmp_path: Path) -> None:
    rounds = str(ts.load_scenario("canada-mexico-fentanyl").game.rounds)
    res = _cli("calibrate", "canada-mexico-fentanyl", "--observed", "us-china-2025",
               "--params", "learning_rate.US=0.02:0.4", "--maxiter", "1", "--popsize", "2",
               "--profile-points", "3", "--profile-samples", "0", "--out", "fit",
               "--forecast-rounds", rounds, cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "forecast: nothing to score: the forecast's last round (2025-02-28)" in res.stdout
    written = sorted(f.name for f in (tmp_path / "fit").iterdir())
    assert "canada-mexico-fentanyl-calibration.png" in written  # the fit's charts, and no
    assert not any(f.endswith("-forecast.png") for f in written)  # empty forecast window
    assert "--forecast-rounds" in res.stdout and "forecast()" not in res.stdout  # CLI advice
    report = (tmp_path / "fit" / "canada-mexico-fentanyl-calibration.txt").read_text()
    assert "…" not in report


def test_calibrate_by_default_fits_ranges_the_record_can_tell_apart(tmp_path: Path) -> None:
    """Without --params: the analysis guide's three paths and ranges (over +-50% of the
    values the record told none apart), and the forecast scored to the record's end."""
    res = _cli("calibrate", "us-china-145", "--observed", "us-china-2025", "--maxiter", "2",
               "--popsize", "3", "--profile-points", "5", "--profile-samples", "0",
               "--no-plot", "--out", "fit", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((tmp_path / "fit" / "us-china-145-calibration.csv").read_text()
                               .splitlines()))  # fmt: skip
    ranges = {r["param"]: (float(r["range_low"]), float(r["range_high"])) for r in rows}
    assert ranges == {
        "belief:pass_through.US.CN": (0.0, 0.6),
        "learning_rate.US": (0.02, 0.4),
        "resolve_weight.US": (0.2, 1.0),
    }
    assert any(r["identified"] == "True" for r in rows), rows
    # the interval is named so: "low" and "high" are a sensitivity CSV's range
    assert "low" not in rows[0] and "high" not in rows[0]
    for r in rows:
        assert float(r["interval_low"]) <= float(r["estimate"]) <= float(r["interval_high"])
    assert "to 2025-11-10" in res.stdout


def test_calibrate_asks_for_params_where_the_defaults_do_not_apply(tmp_path: Path) -> None:
    res = _cli("calibrate", "secondary-oil-tariffs", "--observed", "us-china-2025",
               "--out", "fit", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2 and "name the parameters to fit with --params" in res.stderr
    assert not (tmp_path / "fit").exists()


def test_calibrate_forecasts_as_far_as_asked(tmp_path: Path) -> None:
    """--forecast-rounds N scores N rounds, as fit.forecast(rounds=N) does in the API."""
    args = ("calibrate", "us-china-145", "--observed", "us-china-2025",
            "--params", "learning_rate.US=0.02:0.4", "--maxiter", "1", "--popsize", "2",
            "--profile-points", "3", "--profile-samples", "0", "--no-plot")  # fmt: skip
    res = _cli(*args, "--forecast-rounds", "44", "--out", "fit", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    # scored up to the record's last date (10 November), the rounds past it forecast only
    assert "forecast after 2025-06-30 to 2025-11-10: 38 points" in res.stdout
    # by default as far as the record goes (10 November 2025, the US cut after Busan), so
    # the window holds a move; the scenario's own 30 rounds ended in a still August
    res = _cli(*args, "--out", "default", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "forecast after 2025-06-30 to 2025-11-10: 38 points" in res.stdout
    assert "holds still" not in res.stdout
    bad = _cli(*args, "--forecast-rounds", "0", "--out", "bad", cwd=tmp_path)
    assert bad.returncode == 2 and "--forecast-rounds must be an int >= 1; got 0" in bad.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sensitivity", "us-china-145", "--params", "learning_rate.US=1"], "--params: range of"),
        (["sensitivity", "us-china-145", "--outputs", "height"], "unknown built-in output"),
        (["sensitivity", "us-china-145", "--n", "100"], "power of 2"),
        (["sensitivity", "us-china-145", "--workers", "0"], "--workers must be >= 1"),
        (["calibrate", "us-china-145", "--observed", "none.csv"], "neither a bundled record"),
        (["calibrate", "us-china-145", "--observed", "us-china-2025", "--until", "June"],
         "--until must be a date"),
        (["calibrate", "us-china-145", "--observed", "us-china-2025", "--params", "zzz.US"],
         "zzz"),
        (["calibrate", "us-china-145"], "--observed"),
        (["calibrate", "us-china-145", "--observed", "us-china-2025", "--params",
          "learning_rate.US=0.5:3"],
         "--params learning_rate.US=0.5:3: range (0.5, 3) goes outside what the parameter "
         "takes: value of 'learning_rate.US' must be in [0, 1]"),
        (["sensitivity", "us-china-145", "--params", "face_weight.US=0:1e7"],
         "must be within ±1e+06"),
        (["sensitivity", "us-china-145", "--params", "elasticity=-1:2"],
         "--params elasticity=-1:2: range (-1, 2) goes outside"),
    ],
)  # fmt: skip
def test_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    res = _cli(*args, cwd=tmp_path)
    assert res.returncode == 2
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("tariffsim: error:")
    assert message in err
    assert not (tmp_path / "tariffsim-out").exists()


def _refuse_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the long work of the analysis commands with a record that it was asked for."""
    called: list[str] = []

    def fake(name: str):  # type: ignore[no-untyped-def]
        def f(*a, **k):  # type: ignore[no-untyped-def]
            called.append(name)
            raise AssertionError(f"{name} ran")

        return f

    monkeypatch.setattr("tariffsim.analysis.sensitivity.sensitivity", fake("sensitivity"))
    monkeypatch.setattr("tariffsim.analysis.calibrate.calibrate", fake("calibrate"))
    monkeypatch.setattr("tariffsim.equilibrium.markov_perfect", fake("markov_perfect"))
    monkeypatch.setattr("tariffsim.scenario.Scenario.simulate", fake("simulate"))
    return called


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["sensitivity", "us-china-145", "--outputs", "peak"], "us-china-145-sensitivity-peak.png"),
        (["sensitivity", "us-china-145"], "us-china-145-sensitivity.csv"),
        (["calibrate", "us-china-145", "--observed", "us-china-2025"],
         "us-china-145-calibration-profiles.png"),
        (["calibrate", "us-china-145", "--observed", "us-china-2025"],
         "us-china-145-calibration.txt"),
        (["equilibrium", "us-china-145"], "us-china-145-equilibrium.json"),
        (["run", "us-china-145"], "us-china-145-summary.png"),
    ],
)  # fmt: skip
def test_an_output_in_the_way_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], name: str,
) -> None:  # fmt: skip
    """An output name taken by a folder: the analysis played every run, printed its table,
    then failed; now it fails first, and leaves the folder alone."""
    from tariffsim.cli import main

    called = _refuse_work(monkeypatch)
    (tmp_path / name).mkdir()
    assert main([*args, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"{name}' exists and is not a regular file" in captured.err
    assert called == [] and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_forecast_beyond_the_rounds_limit_fails_before_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffsim.cli import main

    called = _refuse_work(monkeypatch)
    args = ["calibrate", "us-china-145", "--observed", "us-china-2025", "--forecast-rounds",
            "5000", "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--forecast-rounds: 5000 exceeds the limit max_rounds" in err
    assert called == []


def test_sensitivity_without_salib_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the `sensitivity` extra: a traceback and exit 1 before; one line and 2 now."""
    from tariffsim.cli import main

    monkeypatch.setitem(sys.modules, "SALib", None)  # `import SALib` now raises ImportError
    args = ["sensitivity", "us-china-145", "--method", "morris", "--n", "2", "--params",
            "elasticity=2:3", "--no-plot", "--out", str(tmp_path / "s")]  # fmt: skip
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "tariffsim: error: sensitivity analysis needs SALib: pip install 'tariffsim[sensitivity]'"
    ]
    assert captured.out == "" and not (tmp_path / "s").exists()


def test_a_missing_extra_is_an_import_error_and_a_tariffsim_error() -> None:
    import tariffsim as ts

    assert issubclass(ts.MissingExtraError, ImportError)
    assert issubclass(ts.MissingExtraError, ts.TariffsimError)


def test_calibrate_says_when_its_default_until_leaves_no_round(tmp_path: Path) -> None:
    """A scenario that starts after 2025-06-30 (rare-earth-100, October) was refused for an
    --until the user never gave: the error now says it was the default, and what to do."""
    res = _cli("calibrate", "rare-earth-100", "--observed", "us-china-2025", "--out", "c",
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2
    assert "--until 2025-06-30 (the default) leaves no round" in res.stderr
    assert "give a later --until" in res.stderr
    res = _cli("calibrate", "rare-earth-100", "--observed", "us-china-2025", "--until",
               "2025-06-30", "--out", "c", cwd=tmp_path)  # fmt: skip
    assert "--until 2025-06-30 leaves no round" in res.stderr and "(the default)" not in (
        res.stderr
    )


def test_the_sensitivity_tables_advice_names_the_commands_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table printed and written says --n and --method, as the warnings do (it said the
    API's `n` and `method`)."""
    argv = ["sensitivity", "us-china-145", "--n", "8", "--out", str(tmp_path), "--no-plot"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert "raise --n" in out and "`n`" not in out and "`method`" not in out
    (txt,) = tmp_path.glob("*.txt")
    assert "raise --n" in txt.read_text() and "`n`" not in txt.read_text()
