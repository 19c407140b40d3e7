"""Atomic, isolated writes; safe output names; terminal and CSV escaping; limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim._io import (
    OutputGroup,
    atomic_save_figure,
    atomic_write,
    csv_cell,
    output_path,
    slug,
    sweep_stale,
    term_escape,
)


def _visible(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_atomic_write_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("old")
    atomic_write(p, "new")
    assert p.read_text() == "new"
    assert _visible(tmp_path) == ["a.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path: Path) -> None:
    p = tmp_path / "a.png"
    p.write_bytes(b"good old image")

    class Boom:
        def savefig(self, *a: object, **k: object) -> None:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_save_figure(Boom(), p)
    assert p.read_bytes() == b"good old image"
    assert _visible(tmp_path) == ["a.png"]


def test_atomic_writers_refuse_a_folder_or_a_missing_folder_before_writing(
    tmp_path: Path,
) -> None:
    """A folder or a path into a missing folder is a ParameterError naming it, and nothing is
    written (no temporary file left next to it)."""
    import matplotlib.figure

    from tariffsim._io import atomic_file, atomic_savez

    fig = matplotlib.figure.Figure()
    writers = {
        "atomic_write": lambda p: atomic_write(p, "x"),
        "atomic_file": lambda p: atomic_file(p, lambda t: Path(t).write_text("x")),
        "atomic_savez": lambda p: atomic_savez(p, {"a": [1]}),
        "atomic_save_figure": lambda p: atomic_save_figure(fig, p),
    }
    (tmp_path / "dir").mkdir()
    for name, write in writers.items():
        with pytest.raises(ts.errors.ParameterError, match="is a folder"):
            write(tmp_path / "dir")
        with pytest.raises(ts.errors.ParameterError, match="no folder"):
            write(tmp_path / "missing" / "f.txt")
        assert _visible(tmp_path) == ["dir"] and not list((tmp_path / "dir").iterdir()), name
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    bad = {
        fifo: "not a regular file",
        tmp_path / ("x" * 300 + ".npz"): "too long",
        "a\x00b.npz": "must be a file path",
        "/proc/x.npz": "cannot write there",
    }
    for target, words in bad.items():
        for name, write in writers.items():
            with pytest.raises(ts.errors.ParameterError, match=words):
                write(target)
            assert fifo.is_fifo(), name  # left alone
    path = ts.simulate(ts.load_scenario("us-china-145").game, 3, seed=0)
    with pytest.raises(ts.errors.ParameterError, match=r"`path` .* is a folder"):
        path.to_csv(tmp_path / "dir")
    with pytest.raises(ts.errors.ParameterError, match=r"`path` .* is a folder"):
        ts.load_scenario("us-china-145").write(tmp_path / "dir")


def test_png_is_complete(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    p = atomic_save_figure(ax, tmp_path / "f.png")
    plt.close(fig)
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert p.read_bytes()[-8:] == b"IEND\xaeB`\x82"


def test_group_appears_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), OutputGroup(out) as g:
        g.text("run.csv", "a")
        raise KeyboardInterrupt
    assert _visible(out) == []
    with OutputGroup(out) as g:
        g.text("run.csv", "a")
        g.text("run.json", "{}")
        assert _visible(out) != ["run.csv", "run.json"]  # staged, not yet visible
    assert _visible(out) == ["run.csv", "run.json"]


def test_concurrent_groups_never_mix(tmp_path: Path) -> None:
    """Eight writers into one folder: every final set comes from one writer."""

    def work(k: int) -> None:
        for _ in range(20):
            with OutputGroup(tmp_path) as g:
                g.text("x.csv", str(k))
                g.text("x.json", str(k))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (tmp_path / "x.csv").read_text() == (tmp_path / "x.json").read_text()
    assert _visible(tmp_path) == ["x.csv", "x.json"]


def test_empty_output_folder_refused() -> None:
    with pytest.raises(ts.ParameterError, match="must not be empty"):
        OutputGroup("")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "..", ".", "", "a/b", "a\\b", "a\0b"])
def test_output_path_refuses_paths(tmp_path: Path, name: str) -> None:
    with pytest.raises(ts.ParameterError):
        output_path(tmp_path, name)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_slug_is_a_plain_file_name(text: str) -> None:
    s = slug(text)
    assert s and len(s) <= 64
    assert "/" not in s and "\\" not in s and ".." not in s and not s.startswith(".")
    assert s.isascii() and s.isprintable()
    assert output_path(Path("out"), s + ".csv").parent == Path("out")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_term_escape_leaves_no_control_character(text: str) -> None:
    out = term_escape(text, keep_newlines=False)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out if c != "\t")
    assert "\x1b" not in out and "\u202e" not in out


def test_term_escape_shows_the_bytes_of_a_name_that_is_not_utf8() -> None:
    name = os.fsdecode(b"out/nb\xffdir")  # a lone surrogate, which no stream encodes
    out = term_escape(name)
    assert out == "out/nb\\udcffdir"
    out.encode("ascii")


@pytest.mark.parametrize("cell", ["=1+1", "+A1", "-cmd", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cell_defuses_formulas(cell: str) -> None:
    assert csv_cell(cell).startswith("'")


@pytest.mark.parametrize("cell", ["-0.5", "+3", "1e-3", "US 10%", "", "text"])
def test_csv_cell_keeps_plain_values(cell: str) -> None:
    assert csv_cell(cell) == cell


def test_limits_override_is_scoped() -> None:
    base = ts.limits.current()
    with ts.limits.override(max_rounds=base.max_rounds + 1) as lim:
        assert ts.limits.current() is lim
    assert ts.limits.current() == base


@pytest.mark.parametrize(("name", "value"), [("max_round", 3), ("max_rounds", 0)])
def test_limits_refuse_bad_overrides(name: str, value: int) -> None:
    with pytest.raises(ts.ParameterError, match=name), ts.limits.override(**{name: value}):
        pass


def test_limit_error_names_the_limit() -> None:
    game = ts.load_scenario("us-china-145").game
    with pytest.raises(ts.LimitError, match="max_rounds"):
        ts.simulate(game, ts.limits.current().max_rounds + 1, seed=0)


def test_scenario_write_is_atomic(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    ts.load_scenario("us-china-145").write(p)
    assert _visible(tmp_path) == ["s.toml"]
    assert ts.load_scenario(p).name == "us-china-145"


_STAGE_AND_HANG = textwrap.dedent(
    """
    import sys, time
    from tariffsim._io import OutputGroup
    with OutputGroup(sys.argv[1]) as out:
        out.text("run.csv", "a,b\\n1,2\\n")
        print("staged", flush=True)
        time.sleep(60)
    """
)


def _killed_writer(folder: Path) -> list[Path]:
    """Stage a file in a child process, SIGKILL it, return the temporaries it left."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", _STAGE_AND_HANG, str(folder)], stdout=subprocess.PIPE, env=env
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"staged"
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    return sorted(folder.glob(".*.tmp*"))


def test_temporaries_of_a_killed_process_are_swept_once_old(tmp_path: Path) -> None:
    left = _killed_writer(tmp_path)
    assert len(left) == 1 and "run.csv" in left[0].name  # SIGKILL cannot clean up
    ours = tmp_path / f".mine.csv.tsim{os.getpid()}-abc.tmp"  # a live process's (ours)
    ours.write_text("x")
    other = tmp_path / ".notes.tmp"  # not a tariffsim temporary
    other.write_text("x")
    old = time.time() - 2 * 3600
    for f in (*left, ours, other):
        os.utime(f, (old, old))
    # young files are kept even if their process is gone
    assert sweep_stale(tmp_path, older_than=3 * 3600) == []
    with OutputGroup(tmp_path) as out:  # every write sweeps
        out.text("next.csv", "c\n")
    assert not left[0].exists()
    assert ours.exists() and other.exists()
    assert (tmp_path / "next.csv").read_text() == "c\n"


def test_netcdf_is_built_in_memory_and_a_full_disk_leaves_nothing(tmp_path, monkeypatch):
    """HDF5 never writes to the disk itself (on a full disk its clean-up could crash the
    interpreter): the file is built in memory, then written as bytes; a full disk is an
    OSError and leaves neither the file nor a temporary one."""
    import errno

    import xarray as xr

    from tariffsim import _io

    ds = xr.Dataset({"a": ("x", np.arange(5.0))})

    def by_path(*a, **k):
        raise AssertionError("HDF5 was given a path on the disk")

    monkeypatch.setattr(_io, "atomic_file", by_path)
    _io.atomic_netcdf(tmp_path / "a.nc", ds)
    with xr.open_dataset(tmp_path / "a.nc", engine="h5netcdf") as back:
        assert back["a"].values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_io.os, "fsync", full)  # where a full disk shows at the latest
    with pytest.raises(OSError, match="No space left"):
        _io.atomic_netcdf(tmp_path / "b.nc", ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nc"]


class _Held:
    """An object whose finalizer raises SIGTERM: Python drops what a finalizer raises."""


def _lost_sigterm() -> None:
    """Send SIGTERM from inside a finalizer, where the KeyboardInterrupt it becomes is
    printed and ignored (as when the signal lands in a weak reference's callback)."""
    import gc
    import signal
    import weakref

    h = _Held()
    weakref.finalize(h, signal.raise_signal, signal.SIGTERM)
    del h
    gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_whose_exception_was_lost_still_writes_nothing(tmp_path) -> None:
    """SIGTERM whose KeyboardInterrupt Python dropped (raised in a finalizer): the group
    is not committed, its staged files are removed, and the interrupt is raised on leaving."""
    from tariffsim._io import OutputGroup, interrupt_count

    before = interrupt_count()
    with pytest.raises(KeyboardInterrupt), OutputGroup(tmp_path) as out:
        out.text("run.csv", "a,b\n")
        _lost_sigterm()
        assert interrupt_count() == before + 1  # counted, though nothing was raised here
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    with OutputGroup(tmp_path) as out:  # the next group is not held up by the old request
        out.text("run.csv", "a,b\n")
    assert (tmp_path / "run.csv").read_text() == "a,b\n"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_cli_reports_an_interrupt_a_library_turned_into_its_own_error(
    monkeypatch, capsys
) -> None:
    """An interrupt that surfaced as another error (an import it broke) or not at all ends
    the command as an interrupt: exit 143 (128 + SIGTERM), 'tariffsim: interrupted', no
    traceback."""
    from tariffsim import cli

    def broken_import(a) -> int:
        _lost_sigterm()
        raise ImportError("initialization failed")

    def lost(a) -> int:
        _lost_sigterm()
        return 0

    for cmd in (broken_import, lost):
        monkeypatch.setattr(cli, "_cmd_list", cmd)
        assert cli.main(["list"]) == 143
        err = capsys.readouterr().err
        assert "tariffsim: interrupted" in err and "Traceback" not in err
    monkeypatch.setattr(cli, "_cmd_list", lambda a: (_ for _ in ()).throw(ImportError("x")))
    with pytest.raises(ImportError):  # without an interrupt, a bug still shows itself
        cli.main(["list"])


def test_a_bundled_name_means_the_bundled_scenario_whatever_the_folder_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file named like a bundled scenario in the current folder was read instead of it,
    silently: `tariffsim run us-china-145` ran whatever that file held."""
    from tariffsim.cli import main

    monkeypatch.chdir(tmp_path)
    mine = ts.load_scenario("four-country-2025").to_toml()
    Path("us-china-145").write_text(mine, encoding="utf-8")
    assert ts.load_scenario("us-china-145").players == ("US", "CN")
    assert ts.load_scenario("./us-china-145").players == ("US", "CN", "CA", "MX")
    assert ts.load_scenario(Path("us-china-145")).players == ("US", "CN", "CA", "MX")
    assert main(["run", "us-china-145", "--rounds", "2", "--no-plot", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert "US->CN" in printed and "CA" not in printed


@pytest.mark.parametrize("fails", ["b.txt", "c.txt", "z.txt"])
def test_a_group_whose_commit_fails_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    """The system refuses one step of the commit (a file that may not be replaced, here
    ``fails``: a replaced file, a new one, a superseded one to remove): the files done are put
    back, nothing hidden stays, and the error names the file. Before, the files renamed
    before the failure stayed new, and the staged temporary files stayed behind."""
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    (tmp_path / "z.txt").write_text("old z")
    real_replace, real_unlink = os.replace, Path.unlink

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == fails and Path(src).name != fails:
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self.name == fails:
            raise PermissionError(1, "Operation not permitted")
        real_unlink(self, missing_ok)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", unlink)
    says = rf"could not write .*{fails}'?: Operation not"
    with pytest.raises(ts.OutputError, match=says), OutputGroup(tmp_path) as g:
        g.text("a.txt", "new a")
        g.text("b.txt", "new b")
        g.text("c.txt", "new c")
        g.supersede("z.txt")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "z.txt"]
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt", "z.txt")] == [
        "old a", "old b", "old z",
    ]  # fmt: skip


def test_the_copy_a_commit_keeps_is_swept_if_its_process_dies(tmp_path: Path) -> None:
    """A process killed during a commit leaves its hidden copies: they are named as its
    temporary files, which a later write removes once the process is gone."""
    from tariffsim._io import _TEMP_RE, _kept_copy

    f = tmp_path / "run.csv"
    f.write_text("old")
    copy = _kept_copy(f)
    assert copy is not None and copy.read_text() == "old" and _TEMP_RE.match(copy.name)
    assert _kept_copy(tmp_path / "none.csv") is None


@pytest.mark.filterwarnings("ignore::tariffsim.errors.IdenticalRunsWarning")
def test_a_file_the_system_refuses_is_an_output_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ensemble's file that may not be replaced: a tariffsim error (an OSError too)
    naming the file, the old file and no temporary one left; before, a bare PermissionError."""
    ens = ts.ensemble("us-china-145", runs=2, rounds=2, progress=False)
    target = tmp_path / "e.npz"
    target.write_bytes(b"old")
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == target:
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ts.OutputError, match=r"could not write .*e\.npz'?: Operation not") as e:
        ens.to_npz(target)
    assert isinstance(e.value, OSError) and e.value.errno == 1
    assert [p.name for p in tmp_path.iterdir()] == ["e.npz"] and target.read_bytes() == b"old"


def test_an_old_file_that_cannot_be_put_back_is_named_with_its_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit fails at c.txt and then a.txt cannot be put back: the error says where its
    old content is kept, and that copy is left (before, it was removed with the rest)."""
    (tmp_path / "a.txt").write_text("old a")
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "c.txt" or Path(src).name.endswith(".tmp.old"):
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with (
        pytest.raises(ts.OutputError, match=r"the old .*a\.txt' is kept as") as e,
        OutputGroup(tmp_path) as g,
    ):
        g.text("a.txt", "new a")
        g.text("c.txt", "new c")
    monkeypatch.undo()
    assert e.value.filename == str(tmp_path / "c.txt")
    kept = str(e.value).rsplit("is kept as ", 1)[1].strip("'")
    assert Path(kept).read_text() == "old a" and (tmp_path / "a.txt").read_text() == "new a"


def test_an_old_file_that_can_be_neither_linked_nor_read_is_still_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no copy of the old file can be made (another user's file, mode 0600, in one's
    own folder), the commit replaces it as a plain rename does (before copies, it did)."""
    import shutil

    (tmp_path / "a.txt").write_text("old a")

    def refuse(*a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(shutil, "copy2", refuse)
    with OutputGroup(tmp_path) as g:
        g.text("a.txt", "new a")
    monkeypatch.undo()
    assert (tmp_path / "a.txt").read_text() == "new a" and _visible(tmp_path) == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_ctrl_c_that_h5py_swallows_still_stops_a_netcdf_write(tmp_path) -> None:
    """h5py ignores a KeyboardInterrupt raised in one of its callbacks ("Exception ignored
    in: ... WeakValueDictionary"): the write went on and replaced the file the Ctrl-C
    meant to keep."""
    from tariffsim._io import atomic_netcdf

    class Swallows:  # a Dataset whose writer loses the interrupt, as h5py's callbacks do
        def to_netcdf(self, buf, **kw):  # type: ignore[no-untyped-def]
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
            except KeyboardInterrupt:
                pass
            buf.write(b"new")

    target = tmp_path / "keep.nc"
    target.write_bytes(b"old")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            atomic_netcdf(target, Swallows())
    finally:
        signal.signal(signal.SIGINT, old)
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
