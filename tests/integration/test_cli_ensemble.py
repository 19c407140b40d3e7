"""`tariffsim ensemble`: end to end into a folder, the same numbers as the API, errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.analysis import Uniform
from tariffsim.cli import main

# plain pass-through paths on us-china-145 are what these tests vary (they move the
# calibration); that they replace the US's belief is said, and tested, in test_analysis_inputs
pytestmark = pytest.mark.filterwarnings("ignore::tariffsim.errors.BeliefReplacedWarning")

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["ensemble", "us-china-145", "--runs", "6", "--rounds", "8", "--seed", "3",
        "--vary", "claims", "--no-progress"]  # fmt: skip


def test_writes_chart_quantiles_and_runs_like_the_api(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main([*ARGS, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "US->CN" in printed and "wrote:" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "us-china-145-ensemble-quantiles.csv",
        "us-china-145-ensemble.nc",
        "us-china-145-ensemble.png",
    ]  # no temporary file left behind
    assert (out / "us-china-145-ensemble.png").read_bytes()[:4] == b"\x89PNG"
    ens = ts.ensemble("us-china-145", runs=6, seed=3, vary="claims", rounds=8)
    with open(out / "us-china-145-ensemble-quantiles.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 9 and rows[4]["date"] == str(ens.dates[4])
    med = ens.quantiles("US", "CN", q=[0.5]).values[0]
    np.testing.assert_allclose([float(r["US->CN q50"]) for r in rows], med)
    import xarray as xr

    with xr.open_dataset(out / "us-china-145-ensemble.nc", engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["tariff"].values, ens.tariff)
        np.testing.assert_array_equal(ds["draws"].values[:, 0], next(iter(ens.draws.values())))


def test_indicators_choose_the_fan_charts_panels(tmp_path: Path, monkeypatch) -> None:
    seen = []
    real = ts.Ensemble.plot

    def spy(self, **kw):
        fig = real(self, **kw)
        seen.append([ax.get_ylabel() for ax in fig.axes])
        return fig

    monkeypatch.setattr(ts.Ensemble, "plot", spy)
    assert main([*ARGS, "--out", str(tmp_path), "--indicators", "approval, drawdown"]) == 0
    assert seen == [["headline tariff (%)", "approval (%)", "equity drawdown (index %)"]]
    assert (tmp_path / "us-china-145-ensemble.png").read_bytes()[:4] == b"\x89PNG"
    # the quantiles file holds what the chart shows (and the recession odds, always)
    with open(tmp_path / "us-china-145-ensemble-quantiles.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ens = ts.Ensemble.from_netcdf(tmp_path / "us-china-145-ensemble.nc")
    for name in ("recession", "approval", "drawdown"):
        for c in ("US", "CN"):
            col = [float(r[f"{c} {name} q50"]) for r in rows]
            np.testing.assert_array_equal(col, ens.quantiles(name, c, [0.5]).values[0])


def test_workers_give_the_same_runs(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main([*ARGS, "--out", str(a)]) == 0
    assert main([*ARGS, "--out", str(b), "--workers", "2", "--chunk-size", "2"]) == 0
    import xarray as xr

    with (
        xr.open_dataset(a / "us-china-145-ensemble.nc", engine="h5netcdf") as x,
        xr.open_dataset(b / "us-china-145-ensemble.nc", engine="h5netcdf") as y,
    ):
        assert x.identical(y)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--runs", "0"], "--runs must be >= 1"),
        (["--runs", "2", "--workers", "0"], "--workers must be >= 1"),
        (["--runs", "2", "--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with"),
        (["--runs", "2", "--vary", "everything"], "invalid choice"),
        (["--runs", "2", "--indicators", "recession,equity"], "unknown indicator 'equity'"),
        (["--runs", "2", "--indicators", "recession,"], "an empty name in 'recession,'"),
        (["--runs", "2", "--indicators", ","], "an empty name in ','"),
        (["--runs", "2", "--scheduler", "notanaddress"], "--scheduler 'notanaddress'"),
        (["--runs", "2", "--rounds", "3000"], "--rounds: 3000 exceeds the limit max_rounds"),
    ],
)
def test_errors_are_one_line_exit_2(tmp_path: Path, extra: list[str], match: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tariffsim", "ensemble", "us-china-145", *extra,
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
             "TARIFFSIM_PROGRESS": "0"},
    )  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("tariffsim: error:")
    assert match in r.stderr
    assert not (tmp_path / "o").exists()


def test_out_must_be_a_folder(tmp_path: Path, capsys) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main([*ARGS, "--out", str(f)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_summary_writes_chart_bands_and_counts(tmp_path: Path, capsys) -> None:
    full, summ = tmp_path / "full", tmp_path / "summ"
    assert main([*ARGS, "--out", str(full)]) == 0
    full_out = capsys.readouterr().out
    assert (
        main([*ARGS, "--out", str(summ), "--summary", "--workers", "2", "--chunk-size", "2"]) == 0
    )
    printed = capsys.readouterr().out
    assert "summary" in printed and "wrote:" in printed
    # the peak/final table is computed from exact counts: the same lines as the full mode
    table = [ln for ln in printed.splitlines() if ln.startswith(("US->", "CN->"))]
    assert table and table == [
        ln for ln in full_out.splitlines() if ln.startswith(("US->", "CN->"))
    ]
    assert sorted(p.name for p in summ.iterdir()) == [
        "us-china-145-ensemble-quantiles.csv",
        "us-china-145-ensemble-summary.nc",
        "us-china-145-ensemble.png",
    ]  # no temporary file left behind
    assert (summ / "us-china-145-ensemble.png").read_bytes()[:4] == b"\x89PNG"
    with (
        open(full / "us-china-145-ensemble-quantiles.csv", encoding="utf-8") as f1,
        open(summ / "us-china-145-ensemble-quantiles.csv", encoding="utf-8") as f2,
    ):
        a, b = list(csv.DictReader(f1)), list(csv.DictReader(f2))
    assert len(a) == len(b) == 9 and a[0].keys() == b[0].keys()
    for ra, rb in zip(a, b, strict=True):
        for k in ra:
            if "->" in k or k in ("round", "date"):
                assert ra[k] == rb[k], k  # tariff bands: exact
            else:
                assert abs(float(ra[k]) - float(rb[k])) <= 0.0005 + 1e-12, k  # half a bin
    import xarray as xr

    with xr.open_dataset(summ / "us-china-145-ensemble-summary.nc", engine="h5netcdf") as ds:
        assert int(ds.attrs["runs"]) == 6
        assert (ds["tariff_count"].sum("level") == 6).all()


def test_a_folder_holds_one_modes_set(tmp_path: Path, capsys) -> None:
    """A summary run into a folder that holds a full run's files replaces that run's data
    file too (and says so), and back: never a mix of two runs' files."""
    out = tmp_path / "out"
    assert main([*ARGS, "--out", str(out)]) == 0
    assert main([*ARGS, "--out", str(out), "--summary"]) == 0
    assert "removed" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "us-china-145-ensemble-quantiles.csv",
        "us-china-145-ensemble-summary.nc",
        "us-china-145-ensemble.png",
    ]
    (out / "keep.txt").write_text("mine")  # the user's own files stay
    assert main([*ARGS, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "keep.txt",
        "us-china-145-ensemble-quantiles.csv",
        "us-china-145-ensemble.nc",
        "us-china-145-ensemble.png",
    ]


def test_a_huge_indicators_value_is_cut_in_the_error(capsys) -> None:
    assert main([*ARGS, "--indicators", "x" * 100_000]) == 2
    err = capsys.readouterr().err
    assert "unknown indicator 'xxx" in err and len(err) < 400


def _no_ensemble(monkeypatch: pytest.MonkeyPatch, exc: BaseException | None = None) -> list[int]:
    """Replace the ensemble the CLI runs: record calls, or raise ``exc``."""
    calls: list[int] = []

    def fake(*a, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        if exc is not None:
            raise exc
        raise AssertionError("no run expected")

    monkeypatch.setattr("tariffsim.analysis.ensemble.ensemble", fake)
    return calls


def test_an_out_that_cannot_be_written_fails_before_any_run(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _no_ensemble(monkeypatch)
    f = tmp_path / "file"
    f.write_text("x")
    assert main([*ARGS, "--out", str(f / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tariffsim: error: --out") and "cannot be written" in err
    assert calls == [] and f.read_text() == "x"


@pytest.mark.parametrize("name", ["us-china-145-ensemble.png", "us-china-145-ensemble.nc"])
def test_an_output_in_the_way_fails_before_any_run(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    calls = _no_ensemble(monkeypatch)
    (tmp_path / name).mkdir()
    assert main([*ARGS, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{name}' exists and is not a regular file" in err
    assert calls == [] and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_draw_that_moves_the_calibration_off_its_footing_is_named_and_can_be_applied_as_is(
    tmp_path: Path, capsys
) -> None:
    """The error names --draw (what was typed) and its advice is an option the command has."""
    draw = ["--draw", "pass_through=Uniform(0, 0.2)", "--rounds", "4"]
    base = [a for a in ARGS if a not in ("--vary", "claims")]
    assert main([*base, *draw, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tariffsim: error: --draw: run 0") and "--no-recalibrate" in err
    assert main([*base, *draw, "--no-recalibrate", "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    import xarray as xr

    want = ts.ensemble("us-china-145", runs=6, seed=3, rounds=4, recalibrate=False,
                       vary={"pass_through": Uniform(0, 0.2)})  # fmt: skip
    with xr.open_dataset(tmp_path / "o" / "us-china-145-ensemble.nc", engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["recession"].values, want.recession)


def test_a_path_drawn_twice_is_named(tmp_path: Path, capsys) -> None:
    draw = ["--draw", "noise=Uniform(0, 0.1)", "--draw", "noise=Uniform(0, 0.2)"]
    assert main([*ARGS, *draw, "--out", str(tmp_path / "o")]) == 2
    assert "--draw names the path 'noise' twice" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("exc", "status", "said"),
    [
        (ts.errors.ParameterError("bad draw"), 2, "bad draw"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_a_failed_command_leaves_no_folder_it_made(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, exc: BaseException, status: int,
    said: str,
) -> None:  # fmt: skip
    calls = _no_ensemble(monkeypatch, exc)
    assert main([*ARGS, "--out", str(tmp_path / "new" / "deeper")]) == status
    assert said in capsys.readouterr().err and calls == [1]
    assert not (tmp_path / "new").exists()
    assert main([*ARGS, "--out", str(tmp_path)]) == status
    assert tmp_path.is_dir()  # a folder that was there stays


def test_a_failed_command_removes_the_folders_it_made_through_dotdot(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "no-such-scenario", "--out", "made/../b/c"]) == 2
    assert "unknown scenario" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_sensitivity_and_calibrate_take_limit(capsys) -> None:
    for cmd in (
        ["sensitivity", "us-china-145"],
        ["calibrate", "us-china-145", "--observed", "us-china-2025"],
    ):
        assert main([*cmd, "--workers", "300"]) == 2
        assert "--limit max_workers" in capsys.readouterr().err
        assert main([cmd[0], "--help"]) == 0  # the option the message names exists
        assert "--limit NAME=INT" in capsys.readouterr().out


def test_a_server_that_is_not_a_scheduler_is_one_line(tmp_path: Path) -> None:
    """A server that greets with bytes the Dask client misreads (an SSH banner): a one-line
    error, exit 2 (it was a traceback of numpy failing to allocate 2.82 EiB)."""
    import contextlib
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def greet() -> None:
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c:
                c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" + b"\xff" * 64)

    greeter = threading.Thread(target=greet, daemon=True)
    greeter.start()
    try:
        res = subprocess.run(
            [sys.executable, "-m", "tariffsim", "ensemble", "us-china-145", "--runs", "2",
             "--rounds", "2", "--no-progress", "--out", str(tmp_path / "o"),
             "--scheduler", f"tcp://127.0.0.1:{srv.getsockname()[1]}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:  # (close() alone leaves accept() waiting, the port open, for the session)
        with contextlib.suppress(OSError):
            srv.shutdown(socket.SHUT_RDWR)
        srv.close()
        greeter.join(10)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("tariffsim: error: --scheduler") and "Traceback" not in res.stderr
    assert "does not speak Dask's protocol" in res.stderr and "EiB" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_scheduler_that_never_answers_is_given_up(monkeypatch) -> None:
    """A server that never completes the handshake (a web server; the client's own timeout
    does not cover it): given up after the connection's time, with a usage error."""
    import threading

    from tariffsim import cli

    hold = threading.Event()

    class Silent:
        def __init__(self, address: str, timeout: str) -> None:
            hold.wait()

    monkeypatch.setattr(cli, "_CONNECT_SECONDS", 0.5)
    try:
        with pytest.raises(cli._UsageError, match=r"no Dask scheduler answered within 0\.5 s"):
            cli._connect(Silent, "tcp://127.0.0.1:9")
    finally:
        hold.set()


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _playing_on_workers(out: Path, **popen: Any) -> tuple[subprocess.Popen[str], list[int]]:
    """A long ``ensemble --workers 2`` into ``out``, once its two workers play chunks."""
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "tariffsim", "ensemble", "us-china-145", "--runs", "200000",
         "--vary", "claims", "--workers", "2", "--no-progress", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )  # fmt: skip
    kids: list[int] = []
    deadline = time.monotonic() + 60
    while len(kids) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        kids = _children(proc.pid)
    time.sleep(3)  # the workers are playing chunks
    return proc, kids


def _interrupted(proc: subprocess.Popen[str], kids: list[int], out: Path, status: int = 130) -> str:
    """The stderr of ``proc``, checked to have exited ``status`` (128 + the signal, as a
    shell's) with its workers ended and no folder ``out`` left."""
    import os
    import time

    _, err = proc.communicate(timeout=120)
    assert len(kids) >= 2
    assert proc.returncode == status, err
    time.sleep(1)
    for k in kids:
        with pytest.raises(ProcessLookupError):
            os.kill(k, 0)
    assert not out.exists()
    return err


def test_sigterm_ends_the_workers_and_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM during the runs of --workers 2 unwinds as Ctrl-C: exit 143 (128 + SIGTERM, as
    a shell's; it was 130, SIGINT's), the worker processes ended, no folder left (they were
    left running, idle, and the folder stayed)."""
    import signal

    out = tmp_path / "o"
    proc, kids = _playing_on_workers(out)
    proc.send_signal(signal.SIGTERM)
    assert "tariffsim: interrupted" in _interrupted(proc, kids, out, 128 + signal.SIGTERM)


def test_ctrl_c_to_the_process_group_is_quiet(tmp_path: Path) -> None:
    """Ctrl-C in a terminal reaches every process of the group: the workers of --workers 2
    leave the interrupt to the main process (which ends them) instead of printing a
    traceback each (they printed five); exit 130, nothing left."""
    import os
    import signal

    out = tmp_path / "o"
    proc, kids = _playing_on_workers(out, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)
    err = _interrupted(proc, kids, out)
    assert err.strip() == "tariffsim: interrupted", err


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("unknown address scheme 'http'"), "ValueError: unknown address scheme 'http'"),
        (OSError("Timed out trying to connect"), "OSError: Timed out trying to connect"),
        (MemoryError("Unable to allocate 3.07 EiB"), "does not speak Dask's protocol"),
    ],
)
def test_a_failed_connection_says_why(error: BaseException, message: str) -> None:
    """The client's own words for an address it cannot read or reach; a reply it misread
    (a length taken from another protocol's bytes) named as no Dask scheduler."""
    from tariffsim import cli

    class Failing:
        def __init__(self, address: str, timeout: str) -> None:
            raise error

    with pytest.raises(cli._UsageError) as got:
        cli._connect(Failing, "tcp://127.0.0.1:9")
    assert message in str(got.value) and "EiB" not in str(got.value)


def test_draw_gives_the_apis_mapping_beside_the_claims(tmp_path: Path) -> None:
    """--draw PATH=DIST (repeatable) is the API's vary mapping; with --vary claims, both
    (vary={"claims": True, ...}); the runs are the API's bit for bit."""
    from tariffsim.analysis import Uniform

    base = ["ensemble", "us-china-145", "--runs", "12", "--rounds", "16", "--seed", "2",
            "--no-progress"]  # fmt: skip
    draws = [
        "--draw",
        "belief:pass_through.US.CN=Uniform(0, 0.5)",
        "--draw",
        "noise=uniform(0,0.1)",
    ]
    assert main([*base, "--vary", "claims", *draws, "--out", str(tmp_path / "a")]) == 0
    assert main([*base, *draws, "--out", str(tmp_path / "b")]) == 0
    paths = {"belief:pass_through.US.CN": Uniform(0.0, 0.5), "noise": Uniform(0.0, 0.1)}
    for sub, vary in (("a", {"claims": True, **paths}), ("b", paths)):
        got = ts.Ensemble.from_netcdf(tmp_path / sub / "us-china-145-ensemble.nc")
        want = ts.ensemble("us-china-145", runs=12, seed=2, vary=vary, rounds=16)
        assert got.vary == want.vary
        np.testing.assert_array_equal(got.tariff, want.tariff)
        np.testing.assert_array_equal(got.recession, want.recession)


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        ("noise", "give PATH=DIST"),
        ("noise=Unif(0, 1)", "unknown distribution 'Unif'"),
        ("noise=Uniform(0)", "Uniform needs high"),
        ("noise=Uniform(1, 0)", "`low` must be < `high`"),
        ("nosie=Uniform(0, 0.1)", "Did you mean 'noise'"),
    ],
)
def test_a_bad_draw_is_one_line_before_any_work(tmp_path: Path, draw: str, message: str) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "tariffsim", "ensemble", "us-china-145", "--runs", "4",
         "--draw", draw, "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_no_plot_writes_the_data_without_the_chart(tmp_path: Path, monkeypatch) -> None:
    """--no-plot, as run, sensitivity and calibrate take it: the quantiles and the runs, no
    fan chart drawn (it was an unrecognised argument)."""
    drawn = []
    monkeypatch.setattr(ts.Ensemble, "plot", lambda self, **kw: drawn.append(kw))
    assert main([*ARGS, "--no-plot", "--out", str(tmp_path)]) == 0
    assert drawn == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "us-china-145-ensemble-quantiles.csv",
        "us-china-145-ensemble.nc",
    ]


def test_warnings_name_what_the_command_was_given(tmp_path: Path, capsys) -> None:
    """A warning about the draws names ``--draw`` (the API's ``vary``), as its errors do; a
    sensitivity's names ``--params``."""
    args = ["ensemble", "us-china-145", "--runs", "4", "--rounds", "2", "--no-progress",
            "--no-plot", "--draw", "pass_through.US.CN=Uniform(0.9, 1)"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "e")]) == 0
    err = capsys.readouterr().err
    assert "BeliefReplacedWarning: --draw: 'pass_through.US.CN'" in err, err
    assert "`vary`" not in err
    sens = ["sensitivity", "us-china-145", "--params", "pass_through.US.CN=0.8:1", "--n", "8",
            "--outputs", "peak", "--no-plot", "--out", str(tmp_path / "s")]  # fmt: skip
    main(sens)
    err = capsys.readouterr().err
    assert "BeliefReplacedWarning: --params: 'pass_through.US.CN'" in err, err


@pytest.mark.parametrize("below", ["", "sub"])
def test_an_out_through_a_dangling_link_names_the_link(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, below: str
) -> None:
    """A symbolic link to nothing, as --out or one of its folders, said only "File exists"."""
    calls = _no_ensemble(monkeypatch)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    assert main([*ARGS, "--out", str(link / below if below else link)]) == 2
    err = capsys.readouterr().err
    assert f"{str(link)!r} is a symbolic link to {str(tmp_path / 'gone')!r}" in err
    assert "which leads nowhere" in err and "File exists" not in err
    assert calls == [] and sorted(tmp_path.iterdir()) == [link]
