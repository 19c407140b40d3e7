"""Arrays shared with local worker processes: an ensemble on a process pool writes its runs
into this process's arrays, with the same numbers as in-process, and leaves nothing behind."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import _shared
from tariffsim.analysis import ensemble as ensemble_mod
from tariffsim.errors import WorkerError

pytestmark = pytest.mark.skipif(
    not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"),
    reason="shared arrays need Linux's memfd_create and /proc",
)

R, T = 7, 6
FIELDS = ("tariff", "recession", "approval", "payoff", "drawdown")


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def ens(sc: ts.Scenario) -> ts.Ensemble:
    return ts.ensemble(sc, runs=R, seed=5, vary="claims", rounds=T, progress=False)


def _memfds() -> list[str]:
    from conftest import open_descriptors

    return open_descriptors("tariffsim-arrays")


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: list[Any] = []
    real = _shared.create

    def create(spec: Any) -> Any:
        got = real(spec)
        made.append(got)
        return got

    monkeypatch.setattr(_shared, "create", create)
    return made


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_pool_writes_into_shared_arrays(
    sc: ts.Scenario, ens: ts.Ensemble, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Each worker writes its chunk's runs into the arrays made here (nothing comes back but
    the labels), bit for bit the in-process ensemble, and the file is released."""
    made = _spy(monkeypatch)
    with ProcessPoolExecutor(2, mp_context=mp.get_context(method)) as ex:
        got = ts.ensemble(
            sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, chunk_size=3, progress=False
        )
    assert len(made) == 1 and made[0] is not None  # the shared path was taken
    for f in FIELDS:
        assert np.array_equal(getattr(got, f), getattr(ens, f)), f
        assert not np.asarray(getattr(got, f)).flags.writeable
    assert np.array_equal(got.dates, ens.dates) and got.codes == ens.codes
    assert got.dyads == ens.dyads
    assert _memfds() == []  # the descriptor is closed; the arrays stay valid
    made.clear()
    del got
    gc.collect()
    assert _mapped() == []  # unmapped once the ensemble is freed


def _mapped() -> list[str]:
    with open("/proc/self/maps") as f:
        return [line for line in f if "tariffsim-arrays" in line]


def test_without_shared_memory_the_arrays_come_back(
    sc: ts.Scenario, ens: ts.Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where shared arrays cannot be made, the chunks send their arrays back: the same
    ensemble."""
    monkeypatch.setattr(_shared, "create", lambda spec: None)
    with ProcessPoolExecutor(2) as ex:
        got = ts.ensemble(
            sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, chunk_size=4, progress=False
        )
    for f in FIELDS:
        assert np.array_equal(getattr(got, f), getattr(ens, f)), f


def _write_pattern(handle: _shared.SharedArrays) -> None:
    arrays = handle.attach()
    arrays["a"][1:] = np.arange(12.0).reshape(3, 4) + 0.5
    arrays["b"][:] = -7


def test_a_child_process_writes_what_this_one_reads() -> None:
    made = _shared.create({"a": ((4, 4), np.float64), "b": ((3, 5, 2), np.int8)})
    assert made is not None
    handle, arrays, fd = made
    try:
        assert arrays["a"].shape == (4, 4) and arrays["b"].dtype == np.int8
        assert not arrays["a"].any() and not arrays["b"].any()  # zeroed
        assert all(offset % 4096 == 0 for *_, offset in handle.layout)
        child = mp.get_context("fork").Process(target=_write_pattern, args=(handle,))
        child.start()
        child.join(60)
        assert child.exitcode == 0
        np.testing.assert_array_equal(arrays["a"][0], 0.0)
        np.testing.assert_array_equal(arrays["a"][1:], np.arange(12.0).reshape(3, 4) + 0.5)
        assert (arrays["b"] == -7).all()
    finally:
        _shared.release(fd)
    assert arrays["a"][3, 3] == 11.5  # still mapped after the descriptor is closed


def test_a_released_handle_never_opens_another_file(tmp_path: Any) -> None:
    """Work abandoned: a late chunk's attach fails, even when the descriptor's number has
    been taken by another file (it would otherwise map that file and write into it)."""
    made = _shared.create({"a": ((2, 2), np.float64)})
    assert made is not None
    handle, _, fd = made
    _shared.release(fd)
    other = tmp_path / "other.bin"
    other.write_bytes(b"x" * 4096)
    taken = os.open(other, os.O_RDWR)
    try:
        with pytest.raises(OSError):
            handle.attach()
    finally:
        os.close(taken)
    assert other.read_bytes() == b"x" * 4096


def _dies(*args: Any, **kwargs: Any) -> Any:
    os._exit(3)  # the worker process dies, as the out-of-memory killer would end it


def test_a_dead_worker_leaves_no_shared_memory(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _spy(monkeypatch)
    monkeypatch.setattr(ensemble_mod, "_simulate_chunk", _dies)  # (forked workers inherit it)
    with (
        ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex,
        pytest.raises(WorkerError, match="a worker died"),
    ):
        ts.ensemble(sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, progress=False)
    assert len(made) == 1 and made[0] is not None
    assert _memfds() == []


def _no_permission(self: Any) -> Any:
    raise PermissionError(13, "Permission denied")


def test_a_worker_that_may_not_open_the_file_sends_its_runs_back(
    sc: ts.Scenario, ens: ts.Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(A worker of a process that is not dumpable, or in another PID namespace.)"""
    made = _spy(monkeypatch)
    monkeypatch.setattr(_shared.SharedArrays, "attach", _no_permission)  # (forked: inherited)
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        got = ts.ensemble(
            sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, chunk_size=3, progress=False
        )
    assert len(made) == 1 and made[0] is not None
    for f in FIELDS:
        assert np.array_equal(getattr(got, f), getattr(ens, f)), f


def test_fork_workers_never_hold_the_shared_file(sc: ts.Scenario) -> None:
    """A pool that forks its workers at the first submit: they are started before the file
    is made, so they hold neither its descriptor nor its mapping (which would keep the
    first ensemble's memory as long as they live)."""
    gc.collect()  # (a child forked now inherits every mapping this process has: none first;
    assert _mapped() == []  # an earlier test's failed ensemble lives until a collection)
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        ts.ensemble(sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, progress=False)
        pids = list(ex._processes)  # type: ignore[attr-defined]
        assert pids
        for pid in pids:
            fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            assert not [t for t in fds if "tariffsim-arrays" in t]
            with open(f"/proc/{pid}/maps") as f:
                assert "tariffsim-arrays" not in f.read()


def test_a_child_forked_meanwhile_closes_the_descriptor() -> None:
    made = _shared.create({"a": ((3,), np.float64)})
    assert made is not None
    try:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: is the descriptor still open here?
            try:
                os.fstat(made[2])
                os.write(w, b"open")
            except OSError:
                os.write(w, b"closed")
            os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(r, 16) == b"closed"
        os.close(r)
        os.close(w)
    finally:
        _shared.release(made[2])


def _create_when_not_dumpable(q: Any) -> None:
    import ctypes

    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: others may not open our fds
    q.put(_shared.create({"a": ((3,), np.float64)}) is None)


def test_no_shared_arrays_where_workers_could_not_open_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    child = ctx.Process(target=_create_when_not_dumpable, args=(q,))
    child.start()
    assert q.get(timeout=60) is True
    child.join(60)
    # a PID namespace whose /proc is another's: /proc/<our pid> is another process
    monkeypatch.setattr(_shared.os, "getpid", lambda: 1)
    assert _shared.create({"a": ((3,), np.float64)}) is None
    assert _memfds() == []


def test_an_interrupt_while_reserving_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int, offset: int, length: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_shared.os, "posix_fallocate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _shared.create({"a": ((1000,), np.float64)})
    assert _memfds() == []


def test_more_than_the_memory_available_is_not_reserved() -> None:
    """Reserving a shared file's pages beyond the memory there is does not fail with an
    error: the out-of-memory killer ended the process (80 TB asked on a 24 GB machine)."""
    assert _shared.create({"a": ((10**13,), np.float64)}) is None
    assert _memfds() == []
    assert 0 < _shared._available() < 8 * 10**13


def test_without_the_memory_an_ensemble_sends_its_runs_back(
    sc: ts.Scenario, ens: ts.Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _spy(monkeypatch)
    monkeypatch.setattr(_shared, "_available", lambda: 0)
    with ProcessPoolExecutor(2) as ex:
        got = ts.ensemble(
            sc, runs=R, seed=5, vary="claims", rounds=T, executor=ex, chunk_size=3, progress=False
        )
    assert made == [None]
    for f in FIELDS:
        assert np.array_equal(getattr(got, f), getattr(ens, f)), f


def test_the_bar_moves_while_the_workers_play(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers count the runs they play, round by round, in the shared memory: a drawn
    bar moves while the chunks play, not only as they end, and counts every run once; the
    default chunks are then one per worker. The same ensemble as in-process."""
    from tariffsim import progress
    from tariffsim.analysis import runner

    monkeypatch.delenv(progress.ENV, raising=False)
    monkeypatch.setattr(runner, "WATCH_SECONDS", 0.005)
    made = _spy(monkeypatch)
    moves: list[float] = []
    update = progress._Bar.update

    def counted(self: Any, k: float = 1) -> None:
        moves.append(k)
        update(self, k)

    monkeypatch.setattr(progress._Bar, "update", counted)
    runs, rounds = 600, 20
    want = ts.ensemble(sc, runs=runs, seed=5, vary="claims", rounds=rounds, progress=False)
    moves.clear()
    got = ts.ensemble(sc, runs=runs, seed=5, vary="claims", rounds=rounds, progress=True,
                      processes=2)  # fmt: skip
    for f in FIELDS:
        assert np.array_equal(getattr(got, f), getattr(want, f)), f
    assert made[0] is not None and made[0][0].layout[-1][:2] == ("done", (2,))  # two chunks
    assert sum(moves) == runs
    assert sum(k > 0 for k in moves) > 2  # more moves than chunks: within them
