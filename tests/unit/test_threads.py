"""The payoff kernel's runs split across threads: the same bits, every block done, clear errors."""

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import _decide_kernel, threads
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
def _batch(name, runs, seed):
    rng = np.random.default_rng(seed)
    over = {
        "truth:pass_through.US.CN": rng.uniform(0.6, 1.0, runs),
        "elasticity": rng.uniform(1.5, 3.5, runs),
        "noise": rng.uniform(0.0, 0.1, runs),
    }
    g = ts.load_scenario(name).game
    return ts.simulate_batch(g, 16, seeds=range(runs), overrides=over, record="full")


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
