"""Regression tests: every way a file or an argument once escaped the promises.

Bad input gives a tariffsim error naming the field (one line, exit 2 on the
command line) before any work; work is bounded by the limits; nothing is
written outside ``--out`` or half-written; text from files is escaped.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.cli import main
from tariffsim.errors import LimitError, ParameterError, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
BASE = dict(ts.load_scenario("us-china-145").data)
SMALL = dict(ts.load_scenario("canada-mexico-fentanyl").data)


def _edit(edit: Any, base: dict[str, Any] = BASE) -> dict[str, Any]:
    d = copy.deepcopy(base)
    edit(d)
    return d


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        ts.parse_scenario(data)
    return info.value.problems


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``tariffsim ARGS`` run in this process (fast): exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _cli_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``tariffsim ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "tariffsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


def _one_line_exit_2(res: subprocess.CompletedProcess[str], needle: str) -> None:
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("tariffsim: error:"), res.stderr
    assert needle in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr


# -- wrong exception type at load ----------------------------------------------------------
def test_file_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "latin1.toml"
    p.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        ts.load_scenario(p)
    _one_line_exit_2(_cli_process("run", str(p), cwd=tmp_path), "not UTF-8")


@pytest.mark.parametrize(
    "body",
    [
        "x = " + "[" * 500 + "]" * 500,
        "x = " + "{a = " * 500 + "1" + "}" * 500,
        "[" + ".".join(["a"] * 500) + "]\nx = 1",
        ".".join(["a"] * 500) + " = 1",
    ],
    ids=["arrays", "inline-tables", "header", "dotted-key"],
)
def test_deep_nesting_is_refused_by_limit(tmp_path: Path, body: str) -> None:
    p = tmp_path / "deep.toml"
    p.write_text('name = "deep"\n' + body + "\n", encoding="utf-8")
    with pytest.raises(LimitError, match="max_depth"):
        ts.load_scenario(p)
    _one_line_exit_2(_cli_process("show", str(p), cwd=tmp_path), "max_depth")


def _scripted(options: dict[str, Any]) -> dict[str, Any]:
    def edit(d: dict[str, Any]) -> None:
        d["agents"][1] = {"country": "CN", "strategy": "scripted", "targets": ["US"],
                          "options": options}  # fmt: skip

    return _edit(edit)


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"schedule": 5}, "agents[1].options"),
        ({"schedule": {"²": {"US": 1}}}, "agents[1].options"),
        ({"schedule": {"3": {"US": 2}}}, "agents[1].options"),
        ({"schedule": {"3": {"US": True}}}, "agents[1].options"),
        ({"schedule": {"3": 1}}, "agents[1].options"),
        ({"schedule": {"3": {"JP": 1}}}, "agents[1].options.schedule.3.JP"),
        ({"then": "nope"}, "agents[1].options"),
        ({"then": 3}, "agents[1].options"),
        ({"then": "scripted"}, "agents[1].options"),
        ({"name": 1}, "agents[1].options.name"),
        ({"colour": "red"}, "agents[1].options.colour"),
    ],
)
def test_scripted_options_checked_at_load(options: dict[str, Any], needle: str) -> None:
    probs = _problems(_scripted(options))
    assert any(p.startswith(needle) for p in probs), probs


def test_scripted_then_by_name_runs() -> None:
    sc = ts.parse_scenario(_scripted({"schedule": {"2": {"US": 1}}, "then": "tit-for-tat"}))
    path = sc.simulate(seed=0, rounds=6)
    assert np.isfinite(path.payoff).all()
    assert path.moves[2, sc.world.index("CN"), sc.world.index("US")] == 1


@pytest.mark.parametrize("where", ["start", "event"])
def test_date_with_time_of_day_refused(where: str) -> None:
    when = dt.datetime(2025, 1, 1, 5, 0, 0)
    if where == "start":
        data = _edit(lambda d: d["calendar"].update(start=when))
        field = "calendar.start"
    else:
        data = _edit(lambda d: d["events"][0].update(date=when))
        field = "events[0].date"
    probs = _problems(data)
    assert any(p.startswith(field) and "time of day" in p for p in probs), probs


def test_game_refuses_datetime_start() -> None:
    game = ts.load_scenario("us-china-145").game
    with pytest.raises(ParameterError, match="start"):
        game.replace(start=dt.datetime(2025, 1, 1, 5))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["calendar"].update(round_days=1_000_000_000), "calendar.round_days"),
        (lambda d: d["calendar"].update(start=dt.date(9999, 12, 31)), "calendar.start"),
        (lambda d: d["calendar"].update(rounds=10_000, round_days=366), "calendar.rounds"),
    ],
)
def test_calendar_cannot_overflow(edit: Any, field: str) -> None:
    with ts.limits.override(max_rounds=10_000):  # within the rounds limit, past the calendar
        probs = _problems(_edit(edit))
    assert any(p.startswith(field) for p in probs), probs


def test_simulate_refuses_rounds_past_the_calendar() -> None:
    game = ts.load_scenario("us-china-145").game.replace(round_days=366)
    with ts.limits.override(max_rounds=100_000), pytest.raises(ParameterError, match="9999"):
        ts.simulate(game, 90_000, seed=0)


# -- numbers the model cannot carry --------------------------------------------------------
@pytest.mark.parametrize(
    "imports", [{"US-CN": 0}, {"US-CN": 0, "CN-US": 0}, {"US-CN": 1e-9}, {"US-CN": 1e-6}]
)
def test_little_or_no_us_china_trade_runs_finite(imports: dict[str, float]) -> None:
    data = _edit(lambda d: d.setdefault("world", {}).setdefault("imports", {}).update(imports))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = ts.parse_scenario(data).simulate(seed=0)
    assert np.isfinite(path.payoff).all() and np.isfinite(path.recession).all()


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.setdefault("world", {}).update(gdp={"US": 5e-324}), "world.gdp.US"),
        (lambda d: d.setdefault("world", {}).update(gdp={"US": 1e300}), "world.gdp.US"),
        (lambda d: d.update(initial={"tariffs": {"US-CN": 1.8e308}}), "initial.tariffs.US-CN"),
        (lambda d: d["events"][0].update(level=1e9), "events[0].level"),
        (lambda d: d.setdefault("world", {}).update(imports={"US-CN": 1e300}), "world.imports"),
        (lambda d: d["params"].update(elasticity=1e300), "params.elasticity"),
        (lambda d: d.update(weights={"recession": 1e300}), "weights.recession"),
    ],
)
def test_extreme_numbers_refused_by_field(edit: Any, field: str) -> None:
    probs = _problems(_edit(edit))
    assert any(p.startswith(field) for p in probs), probs


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.setdefault("world", {}).update(gdp={"US": 0.001, "CN": 1000}),
        lambda d: d.update(initial={"tariffs": {"US-CN": 10.0, "CN-US": 10.0}}),
        lambda d: d.setdefault("world", {}).update(imports={"US-CN": 10_000}),
    ],
    ids=["gdp-edges", "tariff-1000pct", "imports-max"],
)
def test_edges_of_the_ranges_run_finite_and_write(edit: Any, tmp_path: Path) -> None:
    path = ts.parse_scenario(_edit(edit)).simulate(seed=0, rounds=10, check=False)
    for name in ("tariff", "payoff", "recession", "approval", "terms"):
        assert np.isfinite(getattr(path, name)).all(), name
    path.to_json(tmp_path / "p.json")
    path.to_csv(tmp_path / "p.csv")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["events"][0].update(date=dt.date(2026, 2, 4)), "events[0].date"),
        (
            lambda d: (d["events"][0].pop("date"), d["events"][0].update(round=31)),
            "events[0].round",
        ),
    ],
    ids=["date-a-year-late", "round"],
)
def test_an_event_after_the_calendar_is_refused_not_dropped(edit: Any, field: str) -> None:
    # an event dated after the last round never fired, and the run said nothing
    data = _edit(edit)
    probs = _problems(data)
    assert any(p.startswith(field) and "calendar" in p for p in probs), probs
    # on the last day and in the last round, it fires
    ok = _edit(lambda d: d["events"][0].update(date=dt.date(2025, 8, 25)))
    ts.parse_scenario(ok)
    ok = _edit(lambda d: (d["events"][0].pop("date"), d["events"][0].update(round=30)))
    assert any(
        ts.parse_scenario(ok).game.round_of(e.when) == 30 for e in ts.parse_scenario(ok).game.events
    )


# -- hangs and unbounded work -------------------------------------------------------------------
def test_duplicate_targets_refused() -> None:
    probs = _problems(_edit(lambda d: d["agents"][0].update(targets=["CN"] * 3)))
    assert any(p.startswith("agents[0].targets[1]") and "duplicate" in p for p in probs), probs
    probs = _problems(_edit(lambda d: d["agents"][0].update(targets=["CN"] * 12)))
    assert any(p.startswith("agents[0].targets") and "max_targets" in p for p in probs), probs


def test_too_many_targets_refused_by_limit() -> None:
    codes = ("CN", "CA", "MX", "JP", "KR", "EU", "IN", "BR")
    ladders = {f"US-{c}": [0.0, 0.1, 0.25] for c in codes}
    data = _edit(lambda d: d.update(world={"ladders": ladders}), SMALL)
    data["agents"][0]["targets"] = [k[3:] for k in ladders]
    data["agents"][0]["strategy"] = "myopic"
    ts.parse_scenario(data)  # 8 targets: at the default limit
    with ts.limits.override(max_targets=7):
        probs = _problems(data)
    assert any("max_targets" in p for p in probs), probs


def test_myopic_enumeration_bounded_at_run_time() -> None:
    obs_game = ts.load_scenario("us-china-145").game
    with ts.limits.override(max_combinations=2), pytest.raises(LimitError, match="combinations"):
        ts.simulate(obs_game, 3, seed=0)


def test_rounds_in_file_bounded() -> None:
    probs = _problems(_edit(lambda d: d["calendar"].update(rounds=1_000_000_000)))
    assert any(p.startswith("calendar.rounds") and "max_rounds = 2000" in p for p in probs), probs
    probs = _problems(_edit(lambda d: d["calendar"].update(rounds=1e9)))
    assert any(p.startswith("calendar.rounds") for p in probs), probs


def test_huge_file_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "big.toml"
    with open(p, "wb") as fh:  # a sparse 200 MB file: no disk used, refused by its size
        fh.truncate(200_000_000)
    with pytest.raises(LimitError, match="max_file_bytes"):
        ts.load_scenario(p)
    _one_line_exit_2(_cli("show", str(p), cwd=tmp_path), "max_file_bytes")
    small = tmp_path / "five-mb.toml"
    small.write_bytes(b"# " + b"x" * 5_000_000 + b'\nname = "x"\n')
    with pytest.raises(LimitError, match="max_file_bytes"):
        ts.load_scenario(small)
    with ts.limits.override(max_file_bytes=6_000_000):
        assert ts.load_scenario(small).name == "x"


def test_cli_rounds_bounded(tmp_path: Path) -> None:
    res = _cli("run", "us-china-145", "--rounds", "1000000000", "--out", "o", cwd=tmp_path)
    _one_line_exit_2(res, "max_rounds")
    assert not (tmp_path / "o").exists()


# -- writes ---------------------------------------------------------------------------------
def test_write_nfg_is_atomic(tmp_path: Path) -> None:
    g = ts.equilibrium.NormalFormGame.from_bimatrix([[1, 0]], [[0, 1]])
    p = tmp_path / "g.nfg"
    p.write_text("old")
    g.write_nfg(p)
    assert p.read_text().startswith("NFG 1 R")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["g.nfg"]


def test_run_outputs_are_whole(tmp_path: Path) -> None:
    res = _cli("run", "us-china-145", "--out", "o", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == ["us-china-145-summary.png", "us-china-145.csv", "us-china-145.json",
                     "us-china-145.png"]  # fmt: skip
    ts.Path.from_json(tmp_path / "o" / "us-china-145.json")
    for png in ("us-china-145.png", "us-china-145-summary.png"):
        assert (tmp_path / "o" / png).read_bytes().endswith(b"IEND\xaeB`\x82")


# -- security ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "command"),
    [
        *((n, "run") for n in ("../../x", "/tmp/abs-x", "..", "a/../../b", "..\\..\\x",
                               "CON")),
        ("../../x", "equilibrium"),
        ("/tmp/abs-x", "equilibrium"),
    ],
)  # fmt: skip
def test_scenario_name_cannot_write_outside_out(tmp_path: Path, name: str, command: str) -> None:
    data = _edit(lambda d: d.update(name=name), SMALL)
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.toml").write_text(ts.scenario.dump_toml(data), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    res = _cli(command, "s.toml", "--out", "out", "--no-plot", "--rounds", "3", cwd=work)
    assert res.returncode in (0, 1), res.stderr
    new = {p for p in tmp_path.rglob("*")} - before
    assert new, "nothing written"
    for p in new:
        assert p == work / "out" or p.parent == work / "out", p
    assert not Path("/tmp/abs-x.csv").exists()


@pytest.mark.parametrize("name", ["\x1b[31m", "us\x00china", "a\nb"])
def test_a_scenario_name_with_control_characters_is_refused_before_anything(
    tmp_path: Path, name: str
) -> None:
    """A name with control characters (a terminal escape, a NUL that no NetCDF string can
    hold) names files and data: refused when the scenario is read, nothing written."""
    data = _edit(lambda d: d.update(name=name), SMALL)
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.toml").write_text(ts.scenario.dump_toml(data), encoding="utf-8")
    res = _cli("run", "s.toml", "--out", "out", "--no-plot", "--rounds", "3", cwd=work)
    assert res.returncode == 2, res.stderr
    assert "name: must be a string of 1 to 200 characters" in res.stderr
    assert "without control characters" in res.stderr
    assert sorted(p.name for p in work.iterdir()) == ["s.toml"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.update(title="\x1b]0;pwned\x07"), "title"),
        (lambda d: d["events"][0].update(label="\x1b[31mRED\x1b[0m"), "events[0].label"),
        (lambda d: d.update(outcomes=["a\tb"]), "outcomes[0]"),
        (lambda d: d.update(description="ok\n\x1b[2J"), "description"),
    ],
)
def test_shown_text_with_control_characters_is_refused(
    tmp_path: Path, edit: Any, field: str
) -> None:
    """A terminal escape in a title or label was printed escaped but written raw to the
    path's CSV and JSON, where `cat` acted on it: refused when the scenario is read, naming
    the field (a description keeps its tabs and line breaks)."""
    p = tmp_path / "evil.toml"
    p.write_text(ts.scenario.dump_toml(_edit(edit)), encoding="utf-8")
    res = _cli("run", str(p), "--no-plot", "--rounds", "2", "--out", "o", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert f"{field}: must be a string of at most" in res.stderr
    assert "control characters" in res.stderr and "\x1b" not in res.stderr
    assert not (tmp_path / "o").exists()
    ok = _edit(lambda d: d.update(description="line one\n\tline two\r\n"))
    ts.parse_scenario(ok)  # tabs and line breaks: a description's own


def test_show_escapes_terminal_sequences(tmp_path: Path) -> None:
    evil = "\u202eevil\u2066"  # (bidirectional overrides: text, shown escaped)
    data = _edit(lambda d: (d.update(title=evil), d["events"][0].update(label=evil)))
    p = tmp_path / "evil.toml"
    p.write_text(ts.scenario.dump_toml(data), encoding="utf-8")
    for fmt in ("table", "csv", "json"):
        res = _cli("show", str(p), "--format", fmt, cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "\u202e" not in res.stdout and "\u2066" not in res.stdout
    res = _cli("run", str(p), "--no-plot", "--rounds", "2", "--out", "o", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "\u202e" not in res.stdout and "\u202e" not in res.stderr


def test_ensemble_escapes_terminal_sequences(tmp_path: Path) -> None:
    """The ensemble command prints the title as show and run do (it printed it raw)."""
    evil = "T\u202eRED"
    p = tmp_path / "evil.toml"
    p.write_text(ts.scenario.dump_toml(_edit(lambda d: d.update(title=evil), SMALL)), "utf-8")
    for extra in ((), ("--summary",)):
        res = _cli("ensemble", str(p), "--runs", "2", "--rounds", "2", "--no-progress",
                   "--out", "o", *extra, cwd=tmp_path)  # fmt: skip
        assert res.returncode == 0, res.stderr
        assert "T\\u202eRED" in res.stdout
        assert "\u202e" not in res.stdout + res.stderr


@pytest.mark.parametrize("command", ["run", "ensemble"])
@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_written_paths_print_in_any_stream_encoding(
    tmp_path: Path, command: str, encoding: str
) -> None:
    """An --out folder whose name is not UTF-8, printed to a strict UTF-8 or ASCII stdout: the
    files are written and listed with escapes, exit 0 (it was a UnicodeEncodeError after
    the files were written, exit 1)."""
    out = os.fsencode(tmp_path) + b"/nb\xffdir"
    res = subprocess.run(
        [sys.executable, "-m", "tariffsim", command, "us-china-145", "--rounds", "2",
         *(("--runs", "2", "--no-progress") if command == "ensemble" else ("--no-plot",)),
         "--out", os.fsdecode(out)],
        capture_output=True, cwd=tmp_path,
        env={**os.environ, "PYTHONIOENCODING": encoding, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    assert b"Traceback" not in res.stderr
    listed = res.stdout + res.stderr
    assert b"nb\\udcffdir" in listed
    assert os.listdir(out)


def test_error_messages_escape_terminal_sequences(tmp_path: Path) -> None:
    p = tmp_path / "evil.toml"
    p.write_text('name = "x"\n"\\u001b[2Jcolour" = 1\n', encoding="utf-8")
    _one_line_exit_2(_cli("show", str(p), cwd=tmp_path), "\\x1b[2Jcolour")


def test_csv_labels_cannot_be_formulas(tmp_path: Path) -> None:
    data = _edit(lambda d: d["events"][0].update(label='=HYPERLINK("http://x")'))
    path = ts.parse_scenario(data).simulate(seed=0, rounds=3)
    text = path.to_csv()
    assert "'=HYPERLINK" in text
    assert not any(cell.startswith("=") for line in text.splitlines() for cell in line.split(","))
    p = tmp_path / "s.toml"
    p.write_text(ts.scenario.dump_toml(data), encoding="utf-8")
    res = _cli("show", str(p), "--format", "csv", cwd=tmp_path)
    assert "'=HYPERLINK" in res.stdout


# -- accepted silently -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.update(format=True), "format"),
        (lambda d: d.update(format=1.0), "format"),
        (lambda d: d.update(params={"resolve_weight.": 0.5}), "params.resolve_weight."),
        (lambda d: d.update(params={"resolve_weight.US.": 0.5}), "params.resolve_weight.US."),
        (lambda d: d.update(weights={"face.": 0.5}), "weights.face."),
        (lambda d: d.update(initial={"tariffs": {"US-US": 0.1}}), "initial.tariffs.US-US"),
        (lambda d: d.update(params={"pass_through.US-US": 0.5}), "params.pass_through.US-US"),
        (lambda d: d["events"][0].update(dyad="US-US"), "events[0].dyad"),
        (lambda d: d.setdefault("world", {}).update(imports={"CN-CN": 1}), "world.imports.CN-CN"),
        (lambda d: d.setdefault("world", {}).update(ladders={"CN-CN": [0, 1]}), "world.ladders"),
        (lambda d: d["agents"].append(dict(d["agents"][0])), "agents[2].country"),
        (lambda d: d.update(claims=[*d["claims"], d["claims"][0]]), "claims["),
    ],
)
def test_silently_accepted_now_refused(edit: Any, field: str) -> None:
    probs = _problems(_edit(edit))
    assert any(p.startswith(field) for p in probs), probs


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "us-china-145", "--out", ""], "--out"),
        (["run", "us-china-145", "--seed", "-1"], "--seed"),
        (["equilibrium", "us-china-145", "--out", ""], "--out"),
        (["run", "us-china-145", "--limit", "max_rounds=0"], "--limit"),
    ],
)
def test_cli_arguments_refused(tmp_path: Path, args: list[str], needle: str) -> None:
    _one_line_exit_2(_cli(*args, cwd=tmp_path), needle)


@pytest.mark.parametrize("seed", [-1, 1.5, "x", True])
def test_python_seed_refused(seed: Any) -> None:
    game = ts.load_scenario("us-china-145").game
    with pytest.raises(ParameterError, match="seed"):
        ts.simulate(game, 2, seed=seed)


def test_cli_limit_can_be_raised(tmp_path: Path) -> None:
    args = ["run", "us-china-145", "--no-plot", "--out", "o"]
    _one_line_exit_2(_cli(*args, "--rounds", "2001", cwd=tmp_path), "max_rounds")
    p = tmp_path / "deep.toml"
    p.write_text('name = "deep"\n[' + ".".join(["a"] * 20) + "]\nx = 1\n", encoding="utf-8")
    _one_line_exit_2(_cli("show", str(p), cwd=tmp_path), "max_depth")
    res = _cli("show", str(p), "--limit", "max_depth=32", cwd=tmp_path)
    _one_line_exit_2(res, "a: unknown field")  # read and parsed: now refused by the schema


def test_warnings_never_before_the_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A command that warns and then fails prints only the error line."""
    import tariffsim.cli as cli

    def noisy(a: Any) -> int:
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero
        warnings.warn("late", UserWarning, stacklevel=1)
        raise ts.ParameterError("bad thing")

    orig = cli._cmd_list
    cli._cmd_list = noisy
    try:
        assert main(["list"]) == 2
    finally:
        cli._cmd_list = orig
    err = capsys.readouterr().err
    assert err == "tariffsim: error: bad thing\n"


def test_json_schema_accepts_bundled_and_rejects_bad() -> None:
    import jsonschema

    schema = ts.schema.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def jsonable(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: jsonable(y) for k, y in x.items()}
        if isinstance(x, list):
            return [jsonable(y) for y in x]
        return x.isoformat() if isinstance(x, dt.date) else x

    for name in ts.list_scenarios():
        errors = list(v.iter_errors(jsonable(dict(ts.load_scenario(name).data))))
        assert not errors, (name, errors[0].message)
    bad = jsonable(_edit(lambda d: d["calendar"].update(round_days=0)))
    assert list(v.iter_errors(bad))
    blank = jsonable(_edit(lambda d: d.update(name="   ")))
    assert list(v.iter_errors(blank))


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_blank_scenario_name_is_refused(name: str) -> None:
    """Output files are named after it (a blank one gave 'scenario-ensemble.png' and the like)."""
    with pytest.raises(ts.ScenarioError, match="name: must be a string of 1 to 200 characters, "
                       "not all blank") as e:  # fmt: skip
        ts.parse_scenario(_edit(lambda d: d.update(name=name)))
    assert len(e.value.problems) == 1


# -- found by a hostile review of the command line, 2026-12 ----------------------------------
def test_a_raised_file_limit_still_reads_a_small_file(tmp_path: Path) -> None:
    """``fh.read(limit + 1)`` reserved the whole limit: a MemoryError at a terabyte, an
    OverflowError past ``sys.maxsize``, for a file of a few kB."""
    p = tmp_path / "s.toml"
    p.write_text((ROOT / "tariffsim" / "scenarios" / "us-china-145.toml").read_text())
    for cap in (10**12, 10**20):
        with ts.limits.override(max_file_bytes=cap):
            assert ts.load_scenario(p).name == "us-china-145"
    res = _cli_process("show", str(p), "--limit", f"max_file_bytes={10**20}", cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr


def test_closed_standard_output_is_an_error_and_the_files_are_written(tmp_path: Path) -> None:
    """Python's ``sys.stdout`` is None when descriptor 1 is closed: an AttributeError
    traceback, and ``run`` wrote nothing."""
    env = {"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tariffsim"]

    def closed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*argv, *args], stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              env=env, timeout=300, preexec_fn=lambda: os.close(1))  # fmt: skip

    res = closed("list")
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert "standard output is closed" in res.stderr and "files were written" not in res.stderr
    res = closed("run", "us-china-145", "--rounds", "2", "--no-plot", "--out", "o")
    assert res.returncode == 2 and "(the files were written)" in res.stderr, res.stderr
    assert sorted(f.name for f in (tmp_path / "o").iterdir()) == [
        "us-china-145.csv",
        "us-china-145.json",
    ]


def test_a_run_of_too_many_decision_steps_is_refused_before_it_plays() -> None:
    """2,000 rounds of 366 daily steps were inside the rounds limit: 4 minutes, 11 GB."""
    game = ts.load_scenario("us-china-145").game.replace(round_days=366, rounds=20)
    assert game.steps == 366
    with pytest.raises(LimitError, match=r"decision steps \(40 rounds of 366.*max_steps"):
        ts.simulate(game, 40, seed=0)
    with pytest.raises(LimitError, match="max_steps"):
        ts.simulate_batch(game, 40, seeds=[0], record="compact")
    with ts.limits.override(max_steps=40 * 366):
        assert len(ts.simulate(game, 2, seed=0)) == 3  # (within it: plays)


def test_a_world_of_too_many_countries_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """Loading grows faster than the square of the countries: 2,000 did not load in ten
    minutes."""
    many = {f"X{k:04d}": {"gdp": 1.0, "name": f"C{k}"} for k in range(191)}
    data = _edit(lambda d: d.setdefault("world", {}).setdefault("countries", {}).update(many))
    with pytest.raises(LimitError, match=r"world\.countries: 201 exceeds the limit max_countries"):
        ts.parse_scenario(data)
    w = ts.World.default()
    extra = [ts.Country(f"X{k:04d}", 1.0, f"C{k}") for k in range(191)]
    with pytest.raises(LimitError, match="`countries`: 201 exceeds"):
        ts.World(countries=(*w.countries, *extra), imports=np.zeros((201, 201)),
                 ties=np.zeros((201, 201)), exempt=np.zeros((201, 201)))  # fmt: skip


def test_nesting_no_parser_can_follow_is_said_as_such(tmp_path: Path) -> None:
    """Past Python's recursion limit, the error said the file was one level deeper than the
    limit raised for it, whatever that limit was, and advised raising it again."""
    p = tmp_path / "deep.toml"
    p.write_text('name = "deep"\nx = ' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with (
        ts.limits.override(max_depth=100_000),
        pytest.raises(
            ScenarioError, match="5000 levels deep, more than the TOML parser can follow"
        ),
    ):
        ts.load_scenario(p)


@pytest.mark.parametrize("levels", [[0, 5e-324, 0.1], [0, 0.1, 0.10000000000000002]])
def test_rungs_too_close_are_refused_by_the_ladders_name(levels: list[float]) -> None:
    """They were refused as 'not strictly increasing', rounded to look equal, under `world`."""
    data = _edit(lambda d: d.setdefault("world", {}).setdefault("ladders", {}).update(
        {"US-CA": levels}))  # fmt: skip
    probs = _problems(data)
    assert any(p.startswith("world.ladders.US-CA: `levels` must rise by more than 1e-12")
               and repr(levels[2] if levels[1] == 0.1 else levels[1]) in p
               for p in probs), probs  # fmt: skip


def test_the_forecasts_rounds_limit_says_how_to_ask_for_fewer(tmp_path: Path) -> None:
    from tariffsim.analysis.observed import load

    csv = tmp_path / "far.csv"
    csv.write_text("date,importer,exporter,layer,level,coverage,source,note\n"
                   "2025-02-04,US,CN,fentanyl,0.10,all,x,\n"
                   "2099-12-31,US,CN,fentanyl,0.10,all,x,\n")  # fmt: skip
    far = load(csv)
    with warnings.catch_warnings():  # (a search of one iteration does not settle: said)
        warnings.simplefilter("ignore")
        fit = ts.analysis.calibrate.calibrate(
            ts.load_scenario("us-china-145"),
            far,
            ["learning_rate.US"],
            maxiter=1,
            popsize=2,
            profile_points=3,
            profile_samples=0,
            progress=False,
        )
    with pytest.raises(LimitError, match=r"2099-12-31; pass fewer as `rounds`, on the command "
                       r"line --forecast-rounds"):  # fmt: skip
        fit.forecast()
    assert len(fit.forecast(rounds=10).fitted) == 11


def test_the_c_locale_prints_escapes_not_a_traceback(tmp_path: Path) -> None:
    """Under LC_ALL=C the streams are ASCII with ``surrogateescape`` errors, which fail on
    text as ``strict`` does: `list` died on its first en dash with a UnicodeEncodeError."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    res = subprocess.run(
        [sys.executable, "-m", "tariffsim", "list"], capture_output=True, cwd=tmp_path,
        env={**env, "LC_ALL": "C", "PYTHONUTF8": "0"},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    assert b"US\\u2013China 2025" in res.stdout and b"Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("command", "extra"),
    [("run", ("--rounds", "3")), ("ensemble", ("--rounds", "3", "--runs", "2", "--no-progress"))],
)
def test_no_plot_removes_an_earlier_run_s_charts(tmp_path: Path, command: str, extra) -> None:
    """A run with --no-plot left the charts of the run before beside its new data: a folder
    holding a mixed set."""
    from tariffsim.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([command, "us-china-145", *extra, "--out", str(tmp_path)]) == 0
        assert any(p.suffix == ".png" for p in tmp_path.iterdir())
        assert main([command, "us-china-145", *extra, "--no-plot", "--out", str(tmp_path)]) == 0
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left and not [n for n in left if n.endswith(".png")], left


def test_an_error_comes_before_any_what_if_warning(tmp_path: Path) -> None:
    """A --cap that changes nothing warned before a bad --set was refused: the docs say
    nothing precedes the error line."""
    res = subprocess.run(
        [sys.executable, "-m", "tariffsim", "run", "us-china-145", "--cap", "US-CN=5",
         "--set", "face_weight.US=-1", "--out", str(tmp_path / "o")],
        capture_output=True, cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    lines = res.stderr.decode().splitlines()
    assert res.returncode == 2 and lines[0].startswith("tariffsim: error: --set"), lines
    assert not any("warning" in x for x in lines)


def test_small_cli_mistakes_are_named(tmp_path: Path, capsys) -> None:
    """--no-recalibrate with nothing to recalibrate did nothing without a word; a scheduler
    port out of range waited ten seconds for "Timed out"; a newline in --out split the
    list of files written."""
    from tariffsim.cli import main

    for cmd in (["run", "us-china-145"], ["ensemble", "us-china-145", "--runs", "2"]):
        assert main([*cmd, "--no-recalibrate", "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert "--no-recalibrate keeps the calibrated fields" in err and "does nothing" in err
    assert main(["ensemble", "us-china-145", "--runs", "2", "--scheduler",
                 "tcp://127.0.0.1:99999", "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert "the port must be a number in [1, 65535]" in capsys.readouterr().err
    odd = tmp_path / "a\nb"
    assert main(["run", "us-china-145", "--rounds", "2", "--no-plot", "--out", str(odd)]) == 0
    out = capsys.readouterr().out
    assert "a\\x0ab" in out and "a\nb" not in out
