"""The command line: the README's main command, every subcommand, errors."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tariffsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


def _readme_main_command() -> list[str]:
    """The `tariffsim ...` part of the README's first shell command."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first_block, "README has no bash block"
    cmd = first_block.group(1).strip().splitlines()[0]
    part = next(p for p in cmd.split("&&") if "tariffsim run" in p)
    argv = shlex.split(part)
    assert argv[0].endswith("tariffsim")
    return argv[1:]


def test_readme_main_command_prints_path_and_writes_outputs(tmp_path: Path) -> None:
    args = _readme_main_command()
    out_dir = args[args.index("--out") + 1]
    res = _cli(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    header = res.stdout.splitlines()[1]
    for col in ("round", "date", "US->CN %", "CN->US %", "US rec%", "CN rec%", "US appr%"):
        assert col in header
    assert max(len(line) for line in res.stdout.splitlines()) <= 100
    folder = tmp_path / out_dir
    for suffix in (".png", ".csv", ".json"):
        f = folder / f"us-china-145{suffix}"
        assert f.is_file() and f.stat().st_size > 0, f
    assert (folder / "us-china-145.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = (folder / "us-china-145.csv").read_text().splitlines()
    data = json.loads((folder / "us-china-145.json").read_text())
    assert len(rows) - 1 == len(data["dates"]) == 31
    assert max(max(r[0][1] for r in data["tariff"]), 0) == pytest.approx(1.45)


def test_run_formats_agree(tmp_path: Path) -> None:
    csv_out = _cli("run", "us-china-145", "--format", "csv", "--no-plot", "--out", str(tmp_path))
    js_out = _cli("run", "us-china-145", "--format", "json", "--no-plot", "--out", str(tmp_path))
    assert csv_out.returncode == js_out.returncode == 0
    n_csv = len(csv_out.stdout.strip().splitlines()) - 1
    assert n_csv == len(json.loads(js_out.stdout)["dates"])


def test_claims_list_show_version() -> None:
    res = _cli("claims")
    assert res.returncode == 0
    assert "us_recession_odds_60" in res.stdout
    n = int(re.search(r"(\d+) claims", res.stdout).group(1))  # type: ignore[union-attr]
    assert n >= 40
    only = _cli("claims", "--kind", "assumption", "--format", "json")
    kinds = {c["kind"] for c in json.loads(only.stdout)}
    assert kinds == {"assumption"}
    assert "us-china-145" in _cli("list").stdout
    show = _cli("show", "us-china-145")
    assert show.returncode == 0 and "recession_slope" in show.stdout
    assert _cli("--version").stdout.startswith("tariffsim ")


@pytest.mark.parametrize("cmd", [[], ["run"], ["claims"], ["show"], ["list"], ["equilibrium"]])
def test_help_has_an_example(cmd: list[str]) -> None:
    res = _cli(*cmd, "--help")
    assert res.returncode == 0
    assert "example" in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
        (["run", "us-china-145", "--rounds", "0"], "--rounds: must be an int >= 1"),
        (["run", "missing.toml"], "does not exist"),
        (["run", "a-folder.toml"], "scenario file 'a-folder.toml' is a folder, not a file"),
        (["show", "nope"], "unknown scenario 'nope'"),
        (
            ["equilibrium", "us-china-145", "--start", "US-CN=1.45,US-CN=0", "--no-plot"],
            "--start: US-CN is given twice",
        ),
        # the library's argument names are spelled as the options the user typed
        (
            ["sensitivity", "us-china-145", "--n", "1", "--no-plot"],
            "error: --n must be an int >= 2",
        ),
        (
            ["sensitivity", "us-china-145", "--outputs", "bogus", "--no-plot"],
            "error: --outputs: unknown built-in output 'bogus'",
        ),
    ],
)
def test_errors_are_one_line_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    there = [a for a in args if a.startswith("a-folder")]  # a folder given as the file
    for name in there:
        (tmp_path / name).mkdir()
    res = _cli(*args, cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("tariffsim: error:")
    assert needle in lines[0]
    assert [p.name for p in tmp_path.iterdir()] == there, "nothing may be written on error"


def test_invalid_scenario_file_lists_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(
        'format = 1\nname = "bad"\n[world.gdp]\nUS = -3\n'
        '[[agents]]\ncountry = "XX"\n[[events]]\ndate = 2025-02-04\nkind = "boom"\n'
    )
    res = _cli("run", str(f), cwd=tmp_path)
    assert res.returncode == 2
    msg = res.stderr.strip()
    assert "world.gdp.US: must be a finite number in [0.001, 1000]; got -3" in msg
    assert "agents[0].country" in msg and "events[0].kind" in msg
    assert "3 problems" in msg


def test_equilibrium_command_from_the_peak(tmp_path: Path) -> None:
    res = _cli(
        "equilibrium", "us-china-145", "--start", "US-CN=1.45,CN-US=1.4", "--rounds", "8",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "converged" in res.stdout
    lines = res.stdout.splitlines()
    # the table fits 100 columns; the list of written files carries the caller's paths
    table = lines[: lines.index("wrote:")] if "wrote:" in lines else lines
    assert max(len(line) for line in table) <= 100
    first = next(line.split() for line in lines if line.strip().startswith("0 "))
    assert first[2:4] == ["145.0", "140.0"]
    for name in ("us-china-145-equilibrium.png", "us-china-145-equilibrium-policy.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--start", "US-CN=0.5"], "not on the ladder"),
        (["--start", "US-JP=0.1"], "no tariff ladder for US-JP"),
        (["--start", "nonsense"], "expected DYAD=LEVEL"),
        (["--discount", "1.0"], "--discount: must be in [0, 1); got 1.0 ("),
        (["--discount", "nan"], "--discount: must be in [0, 1); got nan ("),
        (["--discount", "half"], "--discount: must be a number in [0, 1); got 'half'"),
        # typed below 1, read as the float 1.0: both are said, not "got 1.0" alone
        (["--discount", "0.999999999999999999"], "got 0.999999999999999999, which is 1.0 as a"),
    ],
)
def test_equilibrium_command_errors(args: list[str], needle: str, tmp_path: Path) -> None:
    res = _cli("equilibrium", "us-china-145", *args, "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert needle in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_list_formats(fmt: str) -> None:
    res = _cli("list", "--format", fmt)
    assert res.returncode == 0, res.stderr
    if fmt == "json":
        rows = json.loads(res.stdout)
        names = [r["name"] for r in rows]
        assert "us-china-145" in names
        assert next(r for r in rows if r["name"] == "us-china-145")["players"] == "US CN"
    elif fmt == "csv":
        import csv
        import io

        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        assert rows[0].keys() >= {"name", "title", "players", "start", "rounds"}
        assert "canada-mexico-fentanyl" in {r["name"] for r in rows}
    else:
        assert max(len(line) for line in res.stdout.splitlines()) <= 100
        assert any(line.startswith("us-china-145 ") for line in res.stdout.splitlines())


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_show_formats(fmt: str) -> None:
    res = _cli("show", "four-country-2025", "--format", fmt)
    assert res.returncode == 0, res.stderr
    if fmt == "json":
        doc = json.loads(res.stdout)
        assert [a["country"] for a in doc["agents"]] == ["US", "CN", "CA", "MX"]
        assert doc["beliefs"][0]["parameter"] == "pass_through.US-CN"
        slope = next(p for p in doc["parameters"] if p["parameter"] == "recession_slope")
        assert "us_recession_odds_60" in slope["claims"]
        assert any(e["kind"] == "control" for e in doc["events"])
    elif fmt == "csv":
        import csv
        import io

        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        sections = {r["section"] for r in rows}
        assert {"agent", "belief", "parameter", "event", "country"} <= sections
        slope = next(r for r in rows if r["key"] == "recession_slope")
        assert "us_recession_odds_60" in slope["claims"].split()
    else:
        lines = res.stdout.splitlines()
        assert max(len(line) for line in lines) <= 100
        assert "beliefs that differ from the truth:" in lines


def test_claims_formats_fit_and_agree() -> None:
    table = _cli("claims", "--term", "recession")
    csv_ = _cli("claims", "--term", "recession", "--format", "csv")
    js = _cli("claims", "--term", "recession", "--format", "json")
    assert table.returncode == csv_.returncode == js.returncode == 0
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    n = int(re.search(r"(\d+) claims", table.stdout).group(1))  # type: ignore[union-attr]
    assert n == len(csv_.stdout.strip().splitlines()) - 1 == len(json.loads(js.stdout))


@pytest.mark.parametrize("cmd", [[], ["run"], ["claims"], ["show"], ["list"], ["equilibrium"]])
def test_help_fits_100_columns(cmd: list[str]) -> None:
    res = _cli(*cmd, "--help")
    assert max(len(line) for line in res.stdout.splitlines()) <= 100


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["list", "--format", "xml"], "invalid choice: 'xml'"),
        (["claims", "--kind", "rumour"], "invalid choice: 'rumour'"),
        (["run", "us-china-145", "--bogus"], "unrecognized arguments: --bogus (see `tariffsim "
         "run --help`)"),
        (["ensemble", "us-china-145", "--bogus"], "(see `tariffsim ensemble --help`)"),
        (["--bogus"], "unrecognized arguments: --bogus (see `tariffsim --help`)"),
        (["--bogus", "list"], "unrecognized arguments: --bogus (see `tariffsim --help`)"),
        (["show"], "the following arguments are required: scenario"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_exit_2(args: list[str], needle: str) -> None:
    res = _cli(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("tariffsim: error:") and needle in lines[0]
    assert "--help" in lines[0]


def test_show_lists_events_in_the_order_they_fire() -> None:
    """us-china-145 lists the Geneva talks (14 May) before the 2 April tariff in its file;
    `show` printed them so, out of date order."""
    res = _cli("show", "us-china-145", "--format", "json")
    assert res.returncode == 0, res.stderr
    dates = [e["when"] for e in json.loads(res.stdout)["events"]]
    assert "2025-05-14" in dates and "2025-04-02" in dates
    assert dates == sorted(dates)
    text = _cli("show", "us-china-145").stdout
    assert text.index("2025-04-02") < text.index("2025-05-14")
