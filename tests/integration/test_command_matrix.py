"""Every command × bundled scenario × output format: runs, exits 0, writes readable files.

Runs in-process (``tariffsim.cli.main``) with short options. Figures are caught as they are
staged for saving, so a test can check that a plot has a line for every series it shows; the
data to compare with is re-read from the JSON the same command wrote.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import tariffsim as ts
from tariffsim import _io
from tariffsim.cli import main

SCENARIOS = ts.list_scenarios()
FORMATS = ("table", "csv", "json")


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Figures staged by the command, by file name."""
    seen: dict[str, Any] = {}
    orig = _io.OutputGroup.figure

    def spy(self: Any, name: str, fig_or_ax: Any, **kw: Any) -> Any:
        seen[name] = getattr(fig_or_ax, "figure", fig_or_ax)
        return orig(self, name, fig_or_ax, **kw)

    monkeypatch.setattr(_io.OutputGroup, "figure", spy)
    return seen


def _check_stdout(fmt: str, out: str) -> None:
    assert out.strip(), "nothing printed"
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and all(rows[0][k] for k in list(rows[0])[:2])
    elif fmt == "json":
        json.loads(out)


def _check_files(folder: Path) -> list[Path]:
    files = sorted(folder.iterdir())
    assert files
    for f in files:
        assert f.stat().st_size > 0, f
        if f.suffix == ".csv":
            assert len(list(csv.reader(f.read_text(encoding="utf-8").splitlines()))) >= 2, f
        elif f.suffix == ".json":
            json.loads(f.read_text(encoding="utf-8"))
        elif f.suffix == ".png":
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f
    return files


def _labels(fig: Any) -> list[str]:
    return [ln.get_label() for ax in fig.axes for ln in ax.get_lines()]


def _positive_dyads(doc: dict[str, Any]) -> set[tuple[str, str]]:
    codes, t = doc["codes"], doc["tariff"]
    n = len(codes)
    return {
        (codes[i], codes[j])
        for i in range(n)
        for j in range(n)
        if i != j and max(row[i][j] for row in t) > 0
    }


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_run(name: str, fmt: str, tmp_path: Path, figures: dict[str, Any], capsys: Any) -> None:
    args = ["run", name, "--rounds", "8", "--format", fmt, "--out", str(tmp_path)]
    if fmt != "table":
        args.append("--no-plot")  # the plots are format-independent: drawn once per scenario
    assert main(args) == 0
    _check_stdout(fmt, capsys.readouterr().out)
    files = {f.name for f in _check_files(tmp_path)}
    assert {f"{name}.csv", f"{name}.json"} <= files
    if fmt == "table":
        doc = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        shown = _labels(figures[f"{name}.png"])
        for a, b in _positive_dyads(doc):
            assert f"{a} tariff on {b}" in shown
        players = set(doc["meta"]["players"])
        summary = _labels(figures[f"{name}-summary.png"])
        for c in players:
            assert f"{c} recession odds (%)" in summary and f"{c} payoff" in summary
        # the market state: an equity line per player in both figures when markets move
        codes = doc["codes"]
        moving = any(row[codes.index(c)] != 0 for row in doc["equity"] for c in players)
        for fig in (shown, summary):
            assert all((f"{c} equity index" in fig) == moving for c in players)
        controls = [c for ax in figures[f"{name}.png"].axes for c in ax.collections]
        n = len(doc["codes"])
        has_control = any(
            max(r[i][j] for r in doc["control"]) > 0 for i in range(n) for j in range(n)
        )
        assert bool(controls) == has_control


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_show(name: str, fmt: str, capsys: Any) -> None:
    assert main(["show", name, "--format", fmt]) == 0
    _check_stdout(fmt, capsys.readouterr().out)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_equilibrium(
    name: str, fmt: str, tmp_path: Path, figures: dict[str, Any], capsys: Any
) -> None:
    args = ["equilibrium", name, "--rounds", "6", "--format", fmt, "--out", str(tmp_path)]
    if fmt != "table":
        args.append("--no-plot")
    assert main(args) == 0
    out = capsys.readouterr()
    _check_stdout(fmt, out.out)
    _check_files(tmp_path)
    doc = json.loads((tmp_path / f"{name}-equilibrium.json").read_text(encoding="utf-8"))
    moved = any(row != doc["tariff"][0] for row in doc["tariff"])
    stream = out.out if fmt == "table" else out.err
    assert moved != ("nothing moves" in stream)
    if fmt == "table":
        assert "start: the last announcement" in out.out
        shown = _labels(figures[f"{name}-equilibrium.png"])
        for a, b in _positive_dyads(doc):
            assert f"{a} tariff on {b}" in shown
        policy = figures[f"{name}-equilibrium-policy.png"]
        assert len(policy.axes[0].patches) >= 2  # one cell per state shown


@pytest.mark.parametrize("name", SCENARIOS)
def test_ensemble(name: str, tmp_path: Path, figures: dict[str, Any], capsys: Any) -> None:
    args = ["ensemble", name, "--runs", "3", "--rounds", "4", "--no-progress",
            "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    assert capsys.readouterr().out.strip()
    _check_files(tmp_path)
    fig = next(iter(figures.values()))
    assert any(len(ax.get_lines()) + len(ax.collections) for ax in fig.axes)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", ["claims", "list"])
def test_scenario_free_commands(command: str, fmt: str, capsys: Any) -> None:
    assert main([command, "--format", fmt]) == 0
    _check_stdout(fmt, capsys.readouterr().out)


@pytest.mark.parametrize("name", SCENARIOS)
def test_sensitivity(name: str, tmp_path: Path, figures: dict[str, Any], capsys: Any) -> None:
    args = ["sensitivity", name, "--method", "morris", "--n", "2", "--params",
            "resolve_weight.US=0.2:1.0,face_weight.US=0.05:0.45", "--outputs",
            "peak,settled_us", "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    assert "peak (morris, n=2, 6 runs)" in capsys.readouterr().out
    files = {f.name for f in _check_files(tmp_path)}
    assert {f"{name}-sensitivity.csv", f"{name}-sensitivity-peak.png"} <= files
    fig = figures[f"{name}-sensitivity-peak.png"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()]


CALIBRATABLE = [
    n
    for n in SCENARIOS
    if set(ts.observed.load("us-china-2025").dyads)
    & ts.analysis.calibrate.moving_dyads(ts.load_scenario(n).game)
]


@pytest.mark.parametrize("name", CALIBRATABLE)
def test_calibrate(name: str, tmp_path: Path, figures: dict[str, Any], capsys: Any) -> None:
    game = ts.load_scenario(name).game
    args = ["calibrate", name, "--observed", "us-china-2025", "--params",
            "resolve_weight.US=0.2:1.0", "--until", str(game.date(game.rounds // 2)),
            "--maxiter", "1", "--popsize", "2",
            "--profile-points", "3", "--profile-samples", "0", "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    assert "calibration of" in capsys.readouterr().out
    files = {f.name for f in _check_files(tmp_path)}
    assert {
        f"{name}-calibration.csv",
        f"{name}-calibration.txt",
        f"{name}-calibration.png",
    } <= files
    assert any("observed" in lab for lab in _labels(figures[f"{name}-calibration.png"]))


def test_schema(capsys: Any) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "object"


def test_every_command_is_in_the_matrix() -> None:
    import argparse

    from tariffsim.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    covered = {"run", "show", "equilibrium", "ensemble", "claims", "list", "schema",
               "sensitivity", "calibrate"}  # fmt: skip
    assert set(sub.choices) == covered
