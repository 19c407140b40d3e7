"""A batch's runs split across threads (the payoff kernel's blocks, the engine's parts): the same
bits, every block done, clear errors."""

import dataclasses
import gc
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NoReturn

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import _decide_kernel, engine, threads
from tariffsim.agents import Traits
from tariffsim.analysis import runner
from tariffsim.errors import ParameterError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------
# for_rows: blocks that cover the rows once, on several threads
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("rows", [2, 3, 7, 2048, 5001])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_blocks_cover_every_row_once(rows, n, monkeypatch):
    monkeypatch.setattr(threads, "MIN_STATES", 1)
    seen = np.zeros(rows, dtype=int)
    names = set()
    lock = threading.Lock()

    def work(a, b):
        with lock:
            seen[a:b] += 1
            names.add(threading.current_thread().name)

    with threads.limit(n):
        threads.for_rows(work, rows)
    assert (seen == 1).all()
    # the caller takes the first block, the pool's threads the others
    assert threading.current_thread().name in names
    assert (len(names) > 1) == (min(n, rows) > 1)


def test_little_work_is_not_split():
    blocks = []
    rows = threads.MIN_STATES // 3 + 1  # with 3 profiles a row: just enough to split
    with threads.limit(4):
        threads.for_rows(lambda a, b: blocks.append((a, b)), rows - 1, per_row=3)
        threads.for_rows(lambda a, b: blocks.append((a, b)), rows, per_row=3)
    assert blocks[0] == (0, rows - 1)  # below MIN_STATES
    assert sorted(blocks[1:]) == [(rows * i // 4, rows * (i + 1) // 4) for i in range(4)]


def test_an_error_in_a_block_is_raised_after_every_block_ended(monkeypatch):
    monkeypatch.setattr(threads, "MIN_STATES", 1)
    done = []

    def work(a, b):
        if a > 0:
            raise RuntimeError(f"block {a}")
        done.append((a, b))

    with threads.limit(3), pytest.raises(RuntimeError, match="block"):
        threads.for_rows(work, 9)
    assert done == [(0, 3)]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_a_bad_thread_count_is_refused(bad):
    want = r"`n` \(threads\) must be a positive integer"
    with pytest.raises(ParameterError, match=want), threads.limit(bad):
        pass


def test_limit_is_per_thread_and_restored():
    default = threads.count()
    with threads.limit(1):
        assert threads.count() == 1
        with ThreadPoolExecutor(1) as ex:  # another thread keeps its own count
            assert ex.submit(threads.count).result() == default
        with threads.limit(3):
            assert threads.count() == 3
        assert threads.count() == 1
    assert threads.count() == default


def test_calls_with_different_counts_at_once_share_the_pool(monkeypatch):
    """Threads asking for 2, 3, 5 and 7 blocks at the same time: every call completes."""
    monkeypatch.setattr(threads, "MIN_STATES", 1)
    errors, bad = [], []

    def work(n):
        try:
            with threads.limit(n):
                for _ in range(300):
                    seen = np.zeros(23, dtype=int)
                    threads.for_rows(lambda a, b, s=seen: s.__setitem__(slice(a, b), 1), 23)
                    if not seen.all():
                        bad.append(n)
        except Exception as e:
            errors.append(repr(e))

    ths = [threading.Thread(target=work, args=(n,)) for n in (2, 3, 5, 7)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert errors == [] and bad == []


def test_a_huge_count_uses_at_most_max_blocks(monkeypatch):
    monkeypatch.setattr(threads, "MIN_STATES", 1)
    blocks = []
    with threads.limit(10**30):
        threads.for_rows(lambda a, b: blocks.append((a, b)), 1000)
    assert len(blocks) == threads.MAX_BLOCKS
    assert sorted(blocks)[0][0] == 0 and max(b for _, b in blocks) == 1000


def test_a_numpy_integer_count_is_taken():
    with threads.limit(np.int64(3)):
        assert threads.count() == 3 and type(threads.count()) is int


@pytest.mark.parametrize(("value", "want"), [("3", "3"), ("1", "1"), (" 4 ", "4")])
def test_the_environment_variable_sets_the_count(value, want):
    code = "import tariffsim as ts; print(ts.threads.count())"
    env = {**os.environ, threads.ENV: value, "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == want, out.stderr


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", "+2", "1_000", "\u0663", "2.0"])
def test_a_bad_environment_variable_is_named_with_its_value(value):
    """At the first simulation, before a round is played (the package still imports)."""
    code = (
        "import tariffsim as ts, tariffsim.engine as e\n"
        "e._Run = None  # a round played would fail with a TypeError, not the error\n"
        "ts.load_scenario('us-china-145').simulate(seed=0)"
    )
    env = {**os.environ, threads.ENV: value, "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "ParameterError" in out.stderr and threads.ENV in out.stderr
    assert repr(value) in out.stderr


@pytest.mark.parametrize("where", ["limit", "executor"])
def test_a_bad_environment_variable_is_reported_under_a_limit_too(where):
    """A chunk on an executor runs under ``limit(1)``: the variable is still checked."""
    run = "ts.simulate_batch(ts.load_scenario('us-china-145').game, 3, seeds=range(2))"
    if where == "limit":
        code = f"import tariffsim as ts\nwith ts.threads.limit(2):\n    {run}"
    else:
        code = (
            "import tariffsim as ts\nfrom concurrent.futures import ThreadPoolExecutor\n"
            "with ThreadPoolExecutor(2) as ex:\n"
            "    ts.ensemble('us-china-145', runs=4, seed=0, vary='claims', rounds=3,"
            " progress=False, executor=ex)"
        )
    env = {**os.environ, threads.ENV: "abc", "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "ParameterError" in out.stderr and threads.ENV in out.stderr and "'abc'" in out.stderr


# ---------------------------------------------------------------------------
# The engine: the same bits on any number of threads
# ---------------------------------------------------------------------------
def _batch(name, runs, seed, record="full"):
    rng = np.random.default_rng(seed)
    over = {
        "truth:pass_through.US.CN": rng.uniform(0.6, 1.0, runs),
        "elasticity": rng.uniform(1.5, 3.5, runs),
        "noise": rng.uniform(0.0, 0.1, runs),
    }
    g = ts.load_scenario(name).game
    return ts.simulate_batch(g, 16, seeds=range(runs), overrides=over, record=record)


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_a_batch_is_the_same_on_one_two_or_three_threads(name, monkeypatch):
    """Every kernel call split (MIN_STATES 1), into 2 and 3 uneven blocks, against one thread."""
    assert _decide_kernel.AVAILABLE, "numba is part of the test dependencies"
    calls = []
    real = threads.for_rows

    def spy(fn, rows, per_row=1):
        calls.append((rows, threads.count()))
        real(fn, rows, per_row)

    monkeypatch.setattr(threads, "MIN_STATES", 1)
    monkeypatch.setattr(threads, "for_rows", spy)
    with threads.limit(1):
        one = _batch(name, 13, 0)
    got = {}
    for n in (2, 3):
        with threads.limit(n):
            got[n] = _batch(name, 13, 0)
    assert any(rows > 2 and n == 3 for rows, n in calls), "calls were split into blocks"
    for n, pb in got.items():
        for f in ("tariff", "payoff", "recession", "equity"):
            a, b = getattr(one, f), getattr(pb, f)
            assert a.tobytes() == b.tobytes(), (n, f)


def test_executor_chunks_run_on_one_thread():
    """Chunks on an executor's workers use one thread; in-process chunks the default."""

    def fn(job, a, b, part):
        return [threads.count()]

    with ThreadPoolExecutor(2) as ex:
        on_ex = runner.map_chunks(fn, None, 4, chunk_size=1, executor=ex, progress=False)
    in_proc = runner.map_chunks(fn, None, 4, chunk_size=1, progress=False)
    assert [c[0] for c in on_ex] == [1] * 4
    assert [c[0] for c in in_proc] == [threads.count()] * 4


# ---------------------------------------------------------------------------
# for_parts and simulate_batch's parts: several at once, the same bits
# ---------------------------------------------------------------------------
def test_for_parts_returns_results_in_order_with_at_most_workers_at_once():
    lock, live, most, counts = threading.Lock(), [0], [0], []
    gate = threading.Barrier(3, timeout=10)  # three parts must be running together once

    def fn(a, b):
        with lock:
            live[0] += 1
            most[0] = max(most[0], live[0])
            counts.append(threads.count())
        if a < 3:
            gate.wait()
        with lock:
            live[0] -= 1
        return (a, b, threading.get_ident())

    parts = [(i, i + 1) for i in range(8)]
    out = threads.for_parts(fn, parts, workers=3)
    assert [o[:2] for o in out] == parts
    assert most[0] == 3
    assert counts == [1] * 8  # a part's kernel calls are not split again
    assert threading.get_ident() not in {o[2] for o in out}


def test_for_parts_on_one_worker_runs_on_the_calling_thread():
    out = threads.for_parts(lambda a, b: threading.get_ident(), [(0, 1), (1, 2)], workers=1)
    assert out == [threading.get_ident()] * 2


def test_for_parts_raises_the_first_error_once_started_parts_have_ended():
    lock, running, ended = threading.Lock(), set(), []

    def fn(a, b):
        with lock:
            running.add(a)
        if a == 1:
            raise ValueError("part 1")
        threading.Event().wait(0.05)
        with lock:
            running.discard(a)
            ended.append(a)
        return a

    with pytest.raises(ValueError, match="part 1"):
        threads.for_parts(fn, [(i, i + 1) for i in range(40)], workers=2)
    assert running == {1}  # nothing else is still running
    assert len(ended) < 39  # parts not started were not started


@given(
    n=st.integers(0, 5000),
    chunk=st.integers(1, 3000),
    workers=st.integers(1, 9),
    fewest=st.integers(1, 3000),
)
@settings(max_examples=300, deadline=None)
def test_part_ranges_cover_the_runs_in_even_parts(n, chunk, workers, fewest):
    parts = engine._part_ranges(n, chunk, workers, fewest)
    starts, stops = [a for a, _ in parts], [b for _, b in parts]
    assert starts == [0, *stops[:-1]][: len(parts)] and stops[-1:] == ([n] if n else [])
    sizes = [b - a for a, b in parts]
    assert all(0 < s <= chunk for s in sizes)
    assert not sizes or max(sizes) - min(sizes) <= 1
    by_chunk = -(-n // chunk)
    if len(parts) > by_chunk:  # split further for the workers: every part keeps `fewest`
        assert min(sizes) >= fewest
        assert len(parts) % workers == 0 or len(parts) == n // fewest
    if workers > 1 and n >= workers * fewest:
        assert len(parts) >= workers
    if workers == 1:
        assert len(parts) == by_chunk


def _small_parts(monkeypatch, runs_per_part):
    monkeypatch.setattr(engine, "_PART_MIN", 1)
    monkeypatch.setattr(engine, "_PART_ENTRIES", 1)
    monkeypatch.setattr(engine, "_CHUNK_MIN", runs_per_part)
    monkeypatch.setattr(engine, "_CHUNK", runs_per_part)


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_a_batch_in_parts_on_threads_is_the_batch_on_one_thread(name, monkeypatch):
    """Runs split into parts of 4 (and 3 and 2 at once), against the whole batch on one thread."""
    with threads.limit(1):
        one = _batch(name, 13, 1)
    seen = []
    real = threads.for_parts

    def spy(fn, parts, workers=None):
        seen.append((len(parts), workers))
        return real(fn, parts, workers)

    monkeypatch.setattr(threads, "for_parts", spy)
    _small_parts(monkeypatch, 4)
    for n in (2, 3):
        with threads.limit(n):
            pb = _batch(name, 13, 1)
        assert seen[-1] == (6 if n == 3 else 4, n)  # 13 runs: 4 parts (2 workers), 6 (3)
        for f in ("tariff", "payoff", "recession", "equity", "control", "approval"):
            a, b = getattr(one, f), getattr(pb, f)
            assert a.tobytes() == b.tobytes(), (n, f)
        assert one.agreements == pb.agreements and one.notes == pb.notes


@pytest.mark.parametrize("name", ["us-china-145", "four-country-2025"])
def test_a_compact_batch_written_in_place_by_its_parts_is_the_batch_in_one_part(name, monkeypatch):
    """A compact record's parts write their rows of the batch's arrays (nothing concatenated):
    every array, its dtype and layout as one part on one thread makes them."""
    with threads.limit(1):
        one = _batch(name, 13, 2, "compact")
    _small_parts(monkeypatch, 4)
    with threads.limit(2):
        pb = _batch(name, 13, 2, "compact")
    for f in ("tariff", "control", "moves", "layers", "payoff", "recession", "approval",
              "drawdown"):  # fmt: skip
        a, b = getattr(one, f), getattr(pb, f)
        assert a.dtype == b.dtype and a.shape == b.shape and b.flags.c_contiguous, f
        assert a.tobytes() == b.tobytes(), f
    assert one.agreements == pb.agreements and one.notes == pb.notes
    assert pb.nbytes == ts.engine.record_bytes(ts.load_scenario(name).game, 16, 13, "compact")


@dataclass(frozen=True)
class _Counting:
    """A user's strategy (not tariffsim's own): holds, and notes the thread of each call."""

    seen: list = field(default_factory=list, compare=False)
    name: str = "counting"
    traits: Traits = field(default_factory=Traits)

    def act(self, obs, rng):
        return {}

    def act_batch(self, bobs, rngs):
        self.seen.append(threading.get_ident())
        return np.zeros((bobs.runs, len(bobs.targets)), dtype=np.int8)


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_users_strategy_is_played_on_the_calling_thread(wrapped, monkeypatch):
    """Placed on an agent, or played by one of tariffsim's own (Scripted's ``then``)."""
    g = ts.load_scenario("us-china-145").game
    mine = _Counting()
    strategy = ts.Scripted({}, then=mine) if wrapped else mine
    agents = tuple(
        dataclasses.replace(a, strategy=strategy) if a.code == "CN" else a for a in g.agents
    )
    g = dataclasses.replace(g, agents=agents)
    _small_parts(monkeypatch, 2)
    with threads.limit(2):
        ts.simulate_batch(g, 6, seeds=range(8), record="compact")
        assert not engine._threadable(g)
        assert engine._threadable(ts.load_scenario("us-china-145").game)
    assert mine.seen and set(mine.seen) == {threading.get_ident()}


def test_tariffsims_own_strategies_nested_in_its_own_are_played_on_threads():
    g = ts.load_scenario("us-china-145").game
    strategy = ts.Scripted({2: {"US": 1}}, then="myopic")
    g = dataclasses.replace(
        g, agents=tuple(dataclasses.replace(a, strategy=strategy) for a in g.agents)
    )
    assert engine._threadable(g)
    fw = ts.Scripted({}, then=ts.Forward())
    g = dataclasses.replace(g, agents=tuple(dataclasses.replace(a, strategy=fw) for a in g.agents))
    assert not engine._threadable(g)  # foresight's strategies are not among them


def test_for_parts_starts_no_part_after_one_has_raised():
    """Part 0 is slow, part 1 fails at once: the parts after it never start."""
    started = []

    def fn(a, b):
        started.append(a)
        if a == 0:
            threading.Event().wait(0.3)
        if a == 1:
            raise ValueError("part 1")
        return a

    with pytest.raises(ValueError, match="part 1"):
        threads.for_parts(fn, [(i, i + 1) for i in range(40)], workers=2)
    assert len(started) <= 4  # 0 and 1, and at most what had been picked up meanwhile


def test_for_parts_raises_a_parts_base_exception_once_the_others_have_ended():
    lock, running = threading.Lock(), set()

    class Stop(BaseException):
        pass

    def fn(a, b):
        with lock:
            running.add(a)
        if a == 0:
            raise Stop
        threading.Event().wait(0.1)
        with lock:
            running.discard(a)
        return a

    with pytest.raises(Stop):
        threads.for_parts(fn, [(i, i + 1) for i in range(3)], workers=3)
    assert running == {0}


@pytest.mark.parametrize("bad", [0, -3, 2.9, "2", True])
def test_for_parts_refuses_a_bad_worker_count(bad):
    with pytest.raises(ParameterError, match="workers"):
        threads.for_parts(lambda a, b: a, [(0, 1)], workers=bad)


def test_for_parts_uses_at_most_max_blocks_threads():
    lock, live, most = threading.Lock(), [0], [0]

    def fn(a, b):
        with lock:
            live[0] += 1
            most[0] = max(most[0], live[0])
        threading.Event().wait(0.02)
        with lock:
            live[0] -= 1

    threads.for_parts(fn, [(i, i + 1) for i in range(200)], workers=500)
    assert 1 < most[0] <= threads.MAX_BLOCKS


def test_parts_run_under_the_callers_limits_and_numpy_error_state():
    def fn(a, b):
        return ts.limits.current().max_targets, np.geterr()["divide"]

    with ts.limits.override(max_targets=3), np.errstate(divide="raise"):
        out = threads.for_parts(fn, [(0, 1), (1, 2), (2, 3)], workers=2)
    assert out == [(3, "raise")] * 3


def test_running_parts_stop_at_their_next_check_when_one_fails():
    """Part 0 loops with check_stop; part 1 fails: part 0 stops early and part 1's error wins."""
    steps = []

    def fn(a, b):
        if a == 1:
            threading.Event().wait(0.05)
            raise ValueError("part 1")
        for k in range(400):  # 400 * 5 ms = 2 s unless stopped
            threads.check_stop()
            steps.append(k)
            threading.Event().wait(0.005)
        return a

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="part 1"):  # not PartStopped, though part 0 raised it
        threads.for_parts(fn, [(0, 1), (1, 2)], workers=2)
    assert time.perf_counter() - t0 < 1.5 and len(steps) < 300


def test_check_stop_does_nothing_outside_a_part_and_in_a_part_in_good_standing():
    threads.check_stop()
    assert threads.for_parts(lambda a, b: (threads.check_stop(), a)[1], [(0, 1), (1, 2)], 2) == [
        0,
        1,
    ]


def test_an_interrupt_stops_the_running_parts():
    """Ctrl-C while for_parts waits: it raises at once and the parts end at their next check."""
    import signal

    steps = []

    def fn(a, b):
        for k in range(2000):  # 10 s unless stopped
            threads.check_stop()
            steps.append(k)
            threading.Event().wait(0.005)
        return a

    main = threading.main_thread().ident
    # Python's own Ctrl-C handler and SIGINT unblocked here, whatever ran before in the process
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    timer = threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            threads.for_parts(fn, [(0, 1), (1, 2)], workers=2)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, before)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    while any(t.name.startswith("tariffsim-runs") for t in threading.enumerate()):
        time.sleep(0.01)
    assert time.perf_counter() - t0 < 3 and len(steps) < 1000


def test_a_failing_part_of_a_batch_stops_the_others_within_a_round(monkeypatch):
    """One part of simulate_batch fails at its third round: the others do not play on."""
    g = ts.load_scenario("us-china-145").game
    monkeypatch.setattr(engine, "_PART_MIN", 2)
    monkeypatch.setattr(engine, "_PART_ENTRIES", 1)
    lock, order, played = threading.Lock(), [], {}
    real = engine._play

    def play(*a, **kw):
        if a[4] == "look":  # the talks' look-aheads
            return real(*a, **kw)
        with lock:
            me = len(order)
            order.append(me)
        played[me] = 0

        def on_round(r):
            played[me] = r
            if me == 1 and r == 3:
                raise ValueError("part 1 fails")

        kw["on_round"] = on_round
        return real(*a, **kw)

    monkeypatch.setattr(engine, "_play", play)
    with threads.limit(2), pytest.raises(ValueError, match="part 1 fails"):
        engine.simulate_batch(g, 30, seeds=range(8), record="compact",
                              overrides={"elasticity": np.linspace(1.5, 3.5, 8)})  # fmt: skip
    assert played[1] == 3 and len(order) <= 3  # no part started after the failure
    assert played[0] < 30  # the part beside it stopped too


@pytest.mark.parametrize("bad", [None, [(0,)], [(0, 1, 2)], 5, ["ab", "c"]])
def test_for_parts_refuses_what_is_not_pairs(bad):
    with pytest.raises(ParameterError, match="`parts` must be a sequence of"):
        threads.for_parts(lambda a, b: a, bad, workers=2)


def test_gc_paused_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with threads.gc_paused():
        assert not gc.isenabled()
        with threads.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()
    with pytest.raises(RuntimeError), threads.gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()  # back on after an error too


def test_gc_paused_keeps_a_collector_turned_off_by_the_caller_off() -> None:
    gc.disable()
    try:
        with threads.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_paused_on_several_threads_turns_it_back_on_with_the_last() -> None:
    inside, release = threading.Barrier(3), threading.Event()
    seen: list[bool] = []

    def hold() -> None:
        with threads.gc_paused():
            inside.wait()
            release.wait()
        seen.append(gc.isenabled())

    workers = [threading.Thread(target=hold) for _ in range(2)]
    for t in workers:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for t in workers:
        t.join()
    assert gc.isenabled()
    assert len(seen) == 2


def test_a_batch_leaves_the_collector_as_it_found_it() -> None:
    import tariffsim as ts

    sc = ts.load_scenario("us-china-145")
    ts.simulate_batch(sc.game, 3, seeds=[0, 1])
    assert gc.isenabled()
    gc.disable()
    try:
        ts.simulate_batch(sc.game, 3, seeds=[0, 1])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_child_forked_inside_a_block_starts_with_the_collector_on() -> None:
    read, write = os.pipe()
    with threads.gc_paused():
        pid = os.fork()
        if pid == 0:  # the child: no block of its own is open
            first = gc.isenabled()
            with threads.gc_paused():
                inside = gc.isenabled()
            _child_says(write, first, inside, gc.isenabled())
    assert _parent_hears(pid, read, write) == "101"
    assert gc.isenabled()


def _child_says(write: int, *flags: bool) -> NoReturn:
    """A forked child writes ``flags`` (as 0s and 1s) to the pipe and ends."""
    try:
        os.write(write, "".join(str(int(f)) for f in flags).encode())
    finally:
        os._exit(0)


def _parent_hears(pid: int, read: int, write: int) -> str:
    """What the child ``pid`` wrote to the pipe, once it has ended; the pipe closed."""
    os.waitpid(pid, 0)
    os.close(write)
    with os.fdopen(read) as got:
        return got.read()


@dataclass(frozen=True)
class _SeesTheCollector:
    """A strategy of a user's (no ``act_batch``): holds, noting whether the collector runs."""

    seen: list[bool] = field(default_factory=list)
    name = "sees-the-collector"
    traits = Traits(memory_depth=0)

    def act(self, obs: object, rng: object) -> dict[tuple[str, str], int]:
        self.seen.append(gc.isenabled())
        return {}


def test_a_batch_with_a_users_strategy_keeps_the_collector_on() -> None:
    """A user's strategy may make reference cycles, which the collector must free as the
    batch plays: the collector is paused only for tariffsim's own strategies."""
    sc = ts.load_scenario("us-china-145")
    mine = _SeesTheCollector()
    g = sc.game.replace(
        agents=tuple(
            dataclasses.replace(a, strategy=mine, active_from=None) if a.code == "US" else a
            for a in sc.game.agents
        )
    )
    ts.simulate_batch(g, 3, seeds=[0, 1])
    assert mine.seen and all(mine.seen)


def test_a_child_forked_inside_a_block_that_closes_it_changes_nothing() -> None:
    """A raw fork's child carries on in its parent's block and closes it: that block was
    its parent's, so the child's count stays right for its own blocks."""
    read, write = os.pipe()
    pid = -1
    with threads.gc_paused():
        pid = os.fork()
    if pid == 0:  # the child, after closing the parent's block
        with threads.gc_paused():
            inside = gc.isenabled()
        _child_says(write, inside, gc.isenabled())
    assert _parent_hears(pid, read, write) == "01"
