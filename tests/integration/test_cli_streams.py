"""The command line's standard output failing, an interrupt after the work, odd inputs: the
files are written, the exit status and the message say what happened."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


def _cli(*args: str, cwd: Path, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tariffsim", *args],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=600,
    )


def _closed_reader(args: list[str], cwd: Path) -> tuple[int, str]:
    """``tariffsim ARGS | head -c 1``: the reader takes one byte and goes away."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tariffsim", *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=cwd, env=ENV,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()  # (what head does once it has its line)
    err = proc.stderr.read().decode()
    return proc.wait(timeout=600), err


COMMANDS = {
    "run": (["run", "us-china-145", "--no-plot"], ["us-china-145.csv", "us-china-145.json"]),
    "equilibrium": (
        ["equilibrium", "us-china-145", "--rounds", "2", "--no-plot", "--no-progress"],
        ["us-china-145-equilibrium.csv", "us-china-145-equilibrium.json"],
    ),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_reader_that_goes_away_loses_no_file(tmp_path: Path, command: str) -> None:
    """`tariffsim run ... | head -1` exited 0 with no file written: the table is printed
    before the files, and the broken pipe ended the command there (the folder it made was
    removed). The files are written whatever happens to stdout."""
    args, files = COMMANDS[command]
    status, err = _closed_reader([*args, "--out", "out"], tmp_path)
    assert status == 0, err
    assert err == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(files)
    json.loads((tmp_path / "out" / files[1]).read_text())  # whole


@pytest.mark.parametrize("command", ["run", "ensemble"])
def test_a_full_stdout_is_an_error_that_names_it_and_keeps_the_files(
    tmp_path: Path, command: str
) -> None:
    """`> /dev/full`: run removed the folder it made, ensemble kept its files; both said
    only `[Errno 28] No space left on device`."""
    extra = ["--runs", "2", "--no-progress"] if command == "ensemble" else ["--no-plot"]
    with open("/dev/full", "w") as full:
        res = _cli(command, "us-china-145", "--rounds", "3", *extra, "--out", "out",
                   cwd=tmp_path, stdout=full.fileno())  # fmt: skip
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "tariffsim: error: could not write to standard output: [Errno 28] No space left on "
        "device (the files were written)"
    ]
    assert any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("args", [["--help"], ["--version"], [], ["run", "--help"]])
def test_help_and_version_to_a_full_stdout_are_errors(tmp_path: Path, args: list[str]) -> None:
    """`tariffsim --help > /dev/full` exited 0 having written nothing."""
    with open("/dev/full", "w") as full:
        res = _cli(*args, cwd=tmp_path, stdout=full.fileno())
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "tariffsim: error: could not write to standard output: [Errno 28] No space left on device"
    ]
    assert _cli(*args, cwd=tmp_path).returncode == 0  # (and they succeed where output goes)


def test_the_command_line_ignores_an_interrupt_once_its_work_is_done() -> None:
    """Ctrl-C while the process shut down (after the files were committed) ended it with
    status 130 and no word. The entry point ignores SIGINT once the command has ended; a
    call of main with arguments (a test, a notebook) leaves the handler alone."""
    code = (
        "import signal, sys\n"
        "from tariffsim.cli import main\n"
        "before = signal.getsignal(signal.SIGINT)\n"
        "main(['list'])\n"
        "assert signal.getsignal(signal.SIGINT) is before\n"
        "sys.argv = ['tariffsim', 'list']\n"
        "status = main()\n"
        "print('IGNORED' if signal.getsignal(signal.SIGINT) is signal.SIG_IGN else 'NOT', status)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV,
                         timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "IGNORED 0"
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # (this process untouched)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_equilibrium_data_on_stdout_says_on_stderr_that_it_did_not_converge(
    tmp_path: Path, fmt: str
) -> None:
    """Exit 1 came with no reason beside the data (the table says it). A discount of
    1 - 1e-10 makes the selected policy cycle: not converged, whatever the machine's speed."""
    res = _cli("equilibrium", "us-china-145", "--rounds", "2", "--no-plot", "--no-progress",
               "--discount", "0.9999999999", "--format", fmt, "--out", "o",
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 1, res.stderr
    said = [s for s in res.stderr.splitlines() if s.startswith("tariffsim: not converged after")]
    assert len(said) == 1, res.stderr
    assert "the selected policy cycles" in said[0]


def test_equilibrium_prints_the_discount_it_solved_for(tmp_path: Path) -> None:
    """A discount was printed to 10 digits: 0.99999999987 as 0.9999999999 (and one with
    more nines as `discount 1`, a value the command refuses)."""
    res = _cli("equilibrium", "us-china-145", "--rounds", "2", "--no-plot", "--no-progress",
               "--discount", "0.99999999987", "--out", "o", cwd=tmp_path)  # fmt: skip
    assert "discount 0.99999999987," in res.stdout.splitlines()[0]
    refused = _cli("equilibrium", "us-china-145", "--rounds", "2", "--no-plot", "--discount",
                   "0.9999999999999", "--out", "o2", cwd=tmp_path)  # fmt: skip
    assert refused.returncode == 2
    assert "is too close to 1 for float64" in refused.stderr
    meta = json.loads((tmp_path / "o" / "us-china-145-equilibrium.json").read_text())["meta"]
    assert "δ = 0.99999999987," in meta["title"]


def test_a_scenario_file_that_is_a_pipe_or_device_is_named_as_such(tmp_path: Path) -> None:
    """It was reported as a file that does not exist."""
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    for name in ("fifo.toml", "zero.toml"):
        res = _cli("show", name, cwd=tmp_path)
        assert res.returncode == 2
        assert f"scenario file '{name}' is not a regular file" in res.stderr
    res = _cli("show", "none.toml", cwd=tmp_path)
    assert "scenario file 'none.toml' does not exist" in res.stderr


def test_calibrate_until_after_the_game_forecasts_after_its_last_round(
    tmp_path: Path,
) -> None:
    """With --until after the game's end, the fit uses the record up to the game's last round
    (25 August): the forecast is scored after that date, on to the record's end. It said
    nothing could be scored (the record ends before --until), though the record from
    September to November was never fitted."""
    res = _cli("calibrate", "us-china-145", "--observed", "us-china-2025", "--params",
               "elasticity=2:3", "--maxiter", "1", "--popsize", "2", "--profile-points", "3",
               "--profile-samples", "0", "--until", "2030-01-01", "--no-plot", "--no-progress",
               "--out", "c", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "round dates 2025-02-03..2025-08-25 (the game's last round" in res.stdout
    assert "forecast after 2025-08-25 to 2025-11-10" in res.stdout
    assert "nothing to score" not in res.stdout


def test_an_observed_file_s_errors_name_its_path(tmp_path: Path) -> None:
    (tmp_path / "rec.csv").write_text(
        "date,importer,exporter,layer,level,source\n2025-02-04,US,CN,fentanyl,-1,x\n"
    )
    res = _cli("calibrate", "us-china-145", "--observed", "rec.csv", "--no-plot", "--out", "c",
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2
    assert "observed record 'rec.csv' row 2, column 'level'" in res.stderr
