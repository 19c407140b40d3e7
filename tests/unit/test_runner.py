"""The chunked runner: any chunking, any executor, the same results in item order."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import limits
from tariffsim import tournament as T
from tariffsim.analysis.runner import (
    check_executor,
    chunk_ranges,
    default_chunk_size,
    map_chunks,
    run_seeds,
)
from tariffsim.errors import ParameterError, WorkerError


def _draws(job: int, start: int, stop: int, payload: dict) -> np.ndarray:
    """Per item: a draw from its own seed, shifted by its payload (module level: picklable)."""
    out = [
        np.random.default_rng(s).normal() + x
        for s, x in zip(run_seeds(job, start, stop), payload["shift"], strict=True)
    ]
    return np.array(out)


def _boom(job: int, start: int, stop: int, payload: object) -> None:
    if start > 0:
        raise RuntimeError("chunk failed")


def _limit_seen(job: int, start: int, stop: int, payload: object) -> list[int]:
    return [limits.current().max_rounds] * (stop - start)


def _direct(seed: int, shift: np.ndarray) -> np.ndarray:
    kids = np.random.SeedSequence(seed).spawn(len(shift))
    gens = [np.random.default_rng(k) for k in kids]
    return np.array([g.normal() + x for g, x in zip(gens, shift, strict=True)])


@given(
    n=st.integers(1, 40),
    chunk=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_any_chunk_size_same_items_in_order(n: int, chunk: int, seed: int) -> None:
    shift = np.arange(n) * 10.0
    parts = map_chunks(_draws, seed, n, payload={"shift": shift}, chunk_size=chunk)
    assert [len(p) for p in parts] == [b - a for a, b in chunk_ranges(n, chunk)]
    np.testing.assert_array_equal(np.concatenate(parts), _direct(seed, shift))


@given(n=st.integers(0, 30), chunk=st.integers(1, 31))
def test_chunk_ranges_tile_the_items(n: int, chunk: int) -> None:
    r = chunk_ranges(n, chunk)
    covered = [k for a, b in r for k in range(a, b)]
    assert covered == list(range(n))
    assert all(0 < b - a <= chunk for a, b in r)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_executors_equal_in_process(kind: str) -> None:
    shift = np.linspace(0, 1, 23)
    ref = np.concatenate(map_chunks(_draws, 5, 23, payload={"shift": shift}))
    pool = ThreadPoolExecutor(3) if kind == "thread" else ProcessPoolExecutor(2)
    with pool as ex:
        got = np.concatenate(map_chunks(_draws, 5, 23, payload={"shift": shift}, executor=ex))
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_chunks_on_an_executor_run_under_the_callers_limits(kind: str) -> None:
    """``limits.override`` holds on the workers as in-process (it does not reach them alone)."""
    pool = ThreadPoolExecutor(2) if kind == "thread" else ProcessPoolExecutor(2)
    with pool as ex, limits.override(max_rounds=2_345):
        got = map_chunks(_limit_seen, None, 6, chunk_size=2, executor=ex, progress=False)
        here = map_chunks(_limit_seen, None, 6, chunk_size=2, progress=False)
    assert got == here == [[2_345] * 2] * 3


def test_run_seeds_are_spawned_children() -> None:
    kids = np.random.SeedSequence(123).spawn(9)
    mine = run_seeds(123, 0, 9)
    assert [k.spawn_key for k in mine] == [k.spawn_key for k in kids]
    for a, b in zip(mine, kids, strict=True):
        np.testing.assert_array_equal(a.generate_state(4), b.generate_state(4))


def test_chunk_error_propagates() -> None:
    with ThreadPoolExecutor(2) as ex, pytest.raises(RuntimeError, match="chunk failed"):
        map_chunks(_boom, 0, 10, chunk_size=3, executor=ex)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n": 0}, "`n` must be an int >= 1"),
        ({"n": 3, "chunk_size": 0}, "`chunk_size` must be an int >= 1"),
        ({"n": 3, "executor": "dask"}, "`executor` must be None"),
        ({"n": 3, "payload": {"shift": [1.0, 2.0]}}, r"`shift` must have length 3"),
        ({"n": 3, "progress": "yes"}, "`progress` must be True, False or None"),
    ],
)
def test_bad_inputs_fail_before_work(kw: dict, match: str) -> None:
    calls: list[int] = []

    def fn(job: object, a: int, b: int, p: object) -> None:
        calls.append(a)

    with pytest.raises(ParameterError, match=match):
        map_chunks(fn, None, **kw)
    assert calls == []


def test_check_executor_accepts_duck_typed_client() -> None:
    class FakeClient:
        def submit(self, *a: object, **k: object) -> None: ...
        def gather(self, *a: object) -> None: ...
        def scatter(self, *a: object, **k: object) -> None: ...

    check_executor(FakeClient())
    with pytest.raises(ParameterError, match="got <object"):
        check_executor(object())


def test_default_chunk_size_spreads_over_workers() -> None:
    with ThreadPoolExecutor(2) as ex:
        assert default_chunk_size(800, ex) == 400  # too few runs for more: one per worker
        assert default_chunk_size(40_000, ex) == 5_000  # four chunks per worker
        assert default_chunk_size(8_000, ex) == 4_000  # 2,000 would be under the minimum
        assert default_chunk_size(10_000, ex) == 2_500  # two per worker
        assert default_chunk_size(10**6, ex) == 8192  # capped
    assert default_chunk_size(800) == 800
    # in-process: as few chunks as keep each within the cap, of equal sizes
    assert default_chunk_size(8192) == 8192
    assert default_chunk_size(8193) == 4097
    assert default_chunk_size(10_000) == 5_000
    # in-process work played as one batch's runs: up to two of the engine's parts a chunk
    assert default_chunk_size(10_000, live=True) == 10_000
    assert default_chunk_size(2 * 8192 + 1, live=True) == 8193
    with ThreadPoolExecutor(2) as ex:  # an executor's chunks are not made larger by it
        assert default_chunk_size(10_000, ex, live=False) == 2_500


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_tournament_on_an_executor_equals_in_process(kind: str) -> None:
    kw = {"rounds": 15, "repetitions": 2, "seed": 4, "noise": 0.1}
    names = ["tit-for-tat", "random", "pavlov"]
    ref = T.round_robin(names, **kw)
    pool = ThreadPoolExecutor(2) if kind == "thread" else ProcessPoolExecutor(2)
    with pool as ex:
        got = T.round_robin(names, **kw, executor=ex)
        lu = T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=6, repetitions=2,
                                 executor=ex)  # fmt: skip
    for s in ("payoff", "mean_tariff", "peak_tariff", "war_rounds", "recession"):
        np.testing.assert_array_equal(getattr(got, f"match_{s}"), getattr(ref, f"match_{s}"))
    lu_ref = T.lineup_tournament("us-china-145", ["myopic", "hold"], rounds=6, repetitions=2)
    np.testing.assert_array_equal(lu.match_payoff, lu_ref.match_payoff)


def test_tournament_rejects_bad_executor() -> None:
    with pytest.raises(ParameterError, match="`executor`"):
        T.round_robin(["hold", "tit-for-tat"], rounds=3, executor=2)


def test_tune_malloc_acts_only_where_the_trim_threshold_is_set():
    import ctypes.util

    from tariffsim.analysis.runner import tune_malloc

    assert tune_malloc({}) is False
    if ctypes.util.find_library("c") and "glibc" in " ".join(__import__("platform").libc_ver()):
        assert tune_malloc({"MALLOC_TRIM_THRESHOLD_": "65536"}) is True


@pytest.mark.parametrize("window", [1, 2, 5])
def test_fold_chunks_merges_in_order_within_its_window(window: int) -> None:
    from tariffsim.analysis.runner import fold_chunks

    def chunk(job: int, a: int, b: int, part: list[int]) -> list[int]:
        return [job * x for x in part]

    def merge(acc: list[int], part: list[int]) -> list[int]:
        return acc + part  # order-sensitive: chunks must arrive in order

    want = [3 * x for x in range(23)]
    assert fold_chunks(chunk, merge, 3, 23, payload=list(range(23)), chunk_size=4) == want
    with ThreadPoolExecutor(3) as ex:
        got = fold_chunks(
            chunk, merge, 3, 23, payload=list(range(23)), chunk_size=4, executor=ex, window=window
        )
    assert got == want
    with pytest.raises(ParameterError, match="`window`"):
        fold_chunks(chunk, merge, 3, 23, payload=list(range(23)), window=0)


class _Done:
    """A future that is already done, holding ``value``."""

    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        return self.value

    def cancel(self) -> bool:
        return False


class _Shorting(ThreadPoolExecutor):
    """Returns every chunk cut to its first ``keep`` items (or ``None``)."""

    def __init__(self, keep: int | None) -> None:
        super().__init__(1)
        self.keep = keep

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        if self.keep is None:
            return _Done(None)
        chunk_fn, job, a, _, payload, lim = args  # runner._on_worker's arguments
        short = None if payload is None else {k: v[: self.keep] for k, v in payload.items()}
        return _Done(fn(chunk_fn, job, a, a + self.keep, short, lim))


@pytest.mark.parametrize("keep", ["runs", "summary"])
@pytest.mark.parametrize("cut", [2, None])
def test_an_executor_that_returns_short_chunks_is_refused(keep: str, cut: int | None) -> None:
    import tariffsim as ts

    with _Shorting(cut) as ex, pytest.raises(ParameterError, match="`executor` returned"):
        ts.ensemble("us-china-145", runs=10, seed=0, vary="claims", rounds=3, keep=keep,
                    executor=ex, chunk_size=5)  # fmt: skip


class _Replaying(ThreadPoolExecutor):
    """Returns the first chunk's result for every chunk (a confused caching wrapper): each
    result covers as many items as its chunk."""

    def __init__(self) -> None:
        super().__init__(1)
        self.first: Any = None

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        got = fn(*args, **kwargs)
        if self.first is None:
            self.first = got
        return _Done(self.first)


@pytest.mark.parametrize("keep", ["runs", "summary"])
def test_an_executor_that_returns_another_chunks_result_is_refused(keep: str) -> None:
    import tariffsim as ts

    with _Replaying() as ex, pytest.raises(ParameterError) as err:
        ts.ensemble("us-china-145", runs=10, seed=0, vary="claims", rounds=3, keep=keep,
                    executor=ex, chunk_size=5)  # fmt: skip
    assert "returned the result of items 0 to 4 for items 5 to 9" in str(err.value)


def test_an_executor_whose_submit_gives_no_future_is_refused() -> None:
    class NoFuture(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            return None

    with NoFuture(1) as ex, pytest.raises(ParameterError, match="submit\\(\\) returned None"):
        map_chunks(lambda job, a, b, p: b - a, None, 4, chunk_size=2, executor=ex, size_of=int)


@pytest.mark.parametrize("kind", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_a_shut_down_executor_is_named(kind: type) -> None:
    import tariffsim as ts

    ex = kind(1)
    ex.shutdown()
    with pytest.raises(ParameterError, match=r"`executor` .* is shut down"):
        ts.ensemble("us-china-145", runs=4, rounds=3, vary="claims", executor=ex)


def test_a_runtime_error_of_the_work_itself_comes_through_an_executor() -> None:
    """An error the work raises while an executor runs it (here at submit, inline) comes
    through as it is, as in one process; only the executor's own failures are WorkerErrors."""
    from concurrent.futures import Executor, Future

    class Inline(Executor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            f: Future = Future()
            f.set_result(fn(*args, **kwargs))
            return f

    def boom(job: object, a: int, b: int, payload: object) -> list[int]:
        raise RuntimeError("the work's own bug")

    with pytest.raises(RuntimeError, match=r"^the work's own bug$") as info:
        map_chunks(boom, None, 4, executor=Inline(), chunk_size=2)
    assert not isinstance(info.value, WorkerError)


class _UsersOwnError(Exception):
    """An error class of a user's (a module-level class: it pickles)."""


@dataclasses.dataclass(frozen=True)
class _RaisesLate:
    """A user's per-run strategy that raises its own error in round 2."""

    name = "raises-late"
    traits = ts.Traits()

    def act(self, obs, rng):  # type: ignore[no-untyped-def]
        if obs.round == 2:
            raise _UsersOwnError(f"no move in round {obs.round}")
        return dict.fromkeys(obs.targets, 0)


@pytest.mark.parametrize("where", ["in-process", "threads", "processes"])
def test_a_users_own_error_comes_through_as_it_is_wherever_the_runs_play(where: str) -> None:
    """A user's strategy that raises gives the user's own exception (class and message)
    however the ensemble is played: code that catches it works the same with
    ``processes=`` or an executor (before, those gave a WorkerError)."""
    g = ts.load_scenario("us-china-145").game
    g = g.replace(agents=tuple(dataclasses.replace(a, strategy=_RaisesLate()) for a in g.agents))
    kw: dict[str, Any] = dict(runs=6, rounds=4, seed=0, chunk_size=2)
    with contextlib.ExitStack() as stack:
        if where == "threads":
            kw["executor"] = stack.enter_context(ThreadPoolExecutor(2))
        elif where == "processes":
            kw["processes"] = 2
        info = stack.enter_context(pytest.raises(_UsersOwnError, match=r"^no move in round 2$"))
        ts.ensemble(g, **kw)
    assert type(info.value) is _UsersOwnError
    # no wrapper of tariffsim's in its chain ("During handling of the above exception ...")
    from tariffsim.analysis.runner import _RaisedInWork

    assert not isinstance(info.value.__context__, _RaisedInWork)
    assert not isinstance(info.value.__cause__, _RaisedInWork)


class _TwoArgsError(Exception):
    """A user's error whose ``__init__`` takes two arguments and keeps one message as its
    args: it pickles, but pickle cannot rebuild it (it calls the class with the one)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what}/{where}")


class _HoldsError(Exception):
    """A user's error holding an attribute that does not pickle (a lock or a lambda)."""

    def __init__(self, message: str, held: Any) -> None:
        super().__init__(message)
        self.held = held

    def __reduce__(self) -> Any:  # its __init__'s arguments: only ``held`` stops it
        return (type(self), (self.args[0], self.held))


_USERS_ERRORS: dict[str, Any] = {
    "two-args": lambda r: _TwoArgsError("no move", f"round {r}"),
    "lock": lambda r: _HoldsError(f"no move in round {r}", threading.Lock()),
    "lambda": lambda r: _HoldsError(f"no move in round {r}", lambda: r),
    "pickles": lambda r: _UsersOwnError(f"no move in round {r}"),
}
"""A user's error raised in round ``r``, by kind: three that cannot pass between processes,
one that can."""


@dataclasses.dataclass(frozen=True)
class _RaisesItsError:
    """A user's per-run strategy that raises the error of kind ``error`` in round 2."""

    error: str
    name = "raises-its-error"
    traits = ts.Traits()

    def act(self, obs, rng):  # type: ignore[no-untyped-def]
        if obs.round == 2:
            raise _USERS_ERRORS[self.error](obs.round)
        return dict.fromkeys(obs.targets, 0)


def _event_that_raises(pb: Any) -> np.ndarray:
    """A user's event function (of a chunk's runs) raising an error pickle cannot rebuild."""
    raise _TwoArgsError("no event", f"{len(pb)} runs")


def _raising_game(error: str) -> Any:
    g = ts.load_scenario("us-china-145").game
    strategy = _RaisesItsError(error)
    return g.replace(agents=tuple(dataclasses.replace(a, strategy=strategy) for a in g.agents))


def _on_a_process_pool(stack: contextlib.ExitStack, where: str) -> dict[str, Any]:
    """The arguments that play an ensemble on a process pool: ``processes=2`` or a pool
    of the caller's (closed with ``stack``)."""
    if where == "processes":
        return {"processes": 2}
    return {"executor": stack.enter_context(ProcessPoolExecutor(2))}


@pytest.mark.parametrize("where", ["processes", "executor"])
@pytest.mark.parametrize(
    ("error", "cls", "text"),
    [
        ("two-args", _TwoArgsError, "no move/round 2"),
        ("lock", _HoldsError, "no move in round 2"),
        ("lambda", _HoldsError, "no move in round 2"),
    ],
)
def test_a_users_error_that_cannot_pass_between_processes_comes_with_its_message(
    where: str, error: str, cls: type, text: str
) -> None:
    """A user's exception that pickle cannot send back (a class whose __init__ takes other
    arguments than its args, an attribute that does not pickle): a WorkerError naming its
    class, with its message and where it was raised in the worker (it was a pool "broken"
    by a worker said to have died, or a pickling error without the user's message)."""
    if _rebuilds(_USERS_ERRORS[error](2)):  # dask.distributed, once imported, rebuilds it
        with contextlib.ExitStack() as stack:
            kw = _on_a_process_pool(stack, where)
            with pytest.raises(cls, match=rf"^{text}$") as own:
                ts.ensemble(_raising_game(error), runs=4, rounds=3, seed=0, chunk_size=2, **kw)
        assert type(own.value) is cls
        return
    with contextlib.ExitStack() as stack:
        kw = _on_a_process_pool(stack, where)
        with pytest.raises(WorkerError) as info:
            ts.ensemble(_raising_game(error), runs=4, rounds=3, seed=0, chunk_size=2, **kw)
    _check_named(str(info.value), error, cls, text)


def _rebuilds(exc: Exception) -> bool:
    """Whether pickle rebuilds ``exc`` in this process (and so in a worker forked from it):
    importing dask.distributed makes it rebuild a class whose ``__init__`` takes other
    arguments than its args (it installs tblib's pickling of exceptions)."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


def test_a_users_error_pickle_cannot_rebuild_in_a_fresh_process() -> None:
    """The case above where nothing has installed another pickling of exceptions (as in a
    user's script without Dask): the WorkerError, whatever this process imported before."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        "import sys, contextlib; sys.path.insert(0, sys.argv[1]); import test_runner as t\n"
        "assert 'distributed' not in sys.modules\n"
        "assert not t._rebuilds(t._USERS_ERRORS['two-args'](2))\n"
        "try:\n"
        "    t.ts.ensemble(t._raising_game('two-args'), runs=4, rounds=3, seed=0, chunk_size=2,"
        " processes=2)\n"
        "except t.WorkerError as e:\n"
        "    t._check_named(str(e), 'two-args', t._TwoArgsError, 'no move/round 2')\n"
        "    print('checked')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run(
        [sys.executable, "-c", code, here], capture_output=True, text=True, env=env, timeout=300
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["checked"]


def _check_named(msg: str, error: str, cls: type, text: str) -> None:
    """``msg`` is the WorkerError for the user's error ``error`` that could not be sent."""
    assert f"the work raised {cls.__module__}.{cls.__qualname__}: {text};" in msg
    assert "cannot be sent back from the worker's process" in msg
    assert "__init__ takes other arguments than its args" in msg
    # where it was raised: the user's line, in the worker's traceback
    assert f'{os.path.basename(__file__)}", line' in msg
    assert "raise _USERS_ERRORS[self.error](obs.round)" in msg
    assert msg.rstrip().endswith(f"{cls.__qualname__}: {text}")
    assert "died" not in msg
    assert "__main__" not in msg
    if error == "two-args":  # pickle's own complaint, as the reason
        assert "missing 1 required positional argument: 'where'" in msg


@pytest.mark.parametrize("where", ["processes", "executor"])
def test_an_event_functions_error_comes_from_a_process_pool_named_as_the_event(
    where: str,
) -> None:
    """A user's event function of a summary ensemble that raises such an error in its worker:
    the ParameterError naming the event and the user's error, as in one process (it holds
    the error as text, so it passes between processes)."""
    with contextlib.ExitStack() as stack:
        kw = _on_a_process_pool(stack, where)
        with pytest.raises(ParameterError) as info:
            ts.ensemble("us-china-145", runs=4, rounds=3, seed=0, chunk_size=2, vary="claims",
                        keep="summary", events={"raises": _event_that_raises}, **kw)  # fmt: skip
    assert type(info.value) is ParameterError
    assert str(info.value) == (
        "event 'raises' failed on a chunk of runs: _TwoArgsError('no event/2 runs')"
    )


@pytest.mark.parametrize("where", ["processes", "executor"])
def test_a_users_error_that_pickles_still_comes_back_as_itself_from_a_process_pool(
    where: str,
) -> None:
    with contextlib.ExitStack() as stack:
        kw = _on_a_process_pool(stack, where)
        with pytest.raises(_UsersOwnError, match=r"^no move in round 2$") as info:
            ts.ensemble(_raising_game("pickles"), runs=4, rounds=3, seed=0, chunk_size=2, **kw)
    assert type(info.value) is _UsersOwnError


@pytest.mark.parametrize("error", ["two-args", "lock"])
def test_a_users_error_that_cannot_pass_between_processes_is_itself_on_threads(
    error: str,
) -> None:
    """Threads share the caller's process: nothing is pickled, the error comes as it is."""
    with ThreadPoolExecutor(2) as ex, pytest.raises(Exception) as info:
        ts.ensemble(_raising_game(error), runs=4, rounds=3, seed=0, chunk_size=2, executor=ex)
    assert type(info.value) is {"two-args": _TwoArgsError, "lock": _HoldsError}[error]


class _Failing(ThreadPoolExecutor):
    """An executor that fails in its own way: at submit, or in every future's result."""

    def __init__(self, where: str) -> None:
        super().__init__(1)
        self.where = where

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        if self.where == "submit":
            raise RuntimeError("queue full")
        f: Any = super().submit(fn, *args, **kwargs)
        f.result = lambda *a, **k: (_ for _ in ()).throw(KeyError("lost"))
        return f


@pytest.mark.parametrize(("where", "cause"), [("submit", RuntimeError), ("result", KeyError)])
def test_an_executor_that_fails_gives_a_worker_error_naming_the_items(where, cause) -> None:
    import tariffsim as ts

    with _Failing(where) as ex, pytest.raises(WorkerError, match="items 0 to 4") as info:
        ts.ensemble("us-china-145", runs=10, seed=0, vary="claims", rounds=3, executor=ex,
                    chunk_size=5)  # fmt: skip
    assert isinstance(info.value.__cause__, cause)


def test_an_error_raised_on_purpose_in_a_chunk_comes_through_as_it_is() -> None:
    def bad(job: object, a: int, b: int, payload: object) -> list[int]:
        raise ParameterError("a tariffsim error of the chunk")

    with (
        ThreadPoolExecutor(1) as ex,
        pytest.raises(ParameterError, match="a tariffsim error of the chunk"),
    ):
        map_chunks(bad, None, 4, executor=ex, chunk_size=2)


def test_tournament_arguments_are_named() -> None:
    import tariffsim as ts

    bad = [
        (lambda: T.round_robin([ts.TitForTat]), "is the class TitForTat"),
        (lambda: T.round_robin(["hold", "tit-for-tat"], scenario=5), "`scenario` must be"),
        (lambda: T.lineup_tournament("us-china-145", ["hold"], lineups=5), "`lineups` must be"),
        (lambda: T.lineup_tournament("us-china-145", ["hold"], lineups=[]), "`lineups` must be"),
        (lambda: T.lineup_tournament("us-china-145", ["hold"], lineups=[5]), r"`lineups\[0\]`"),
    ]
    for call, words in bad:
        with pytest.raises(ParameterError, match=words):
            call()


def test_repeated_strategies_are_numbered_quickly_and_in_order() -> None:
    _objs, names = T._strategies(["hold"] * 2000 + ["tit-for-tat", "hold"])
    assert names[:2] == ("hold#1", "hold#2") and names[-2:] == ("tit-for-tat", "hold#2001")
    assert len(set(names)) == len(names)


def test_simulate_runs_keeps_every_chunks_agreements_and_notes() -> None:
    """A batch joined from chunks holds each run's agreements and notes, as one chunk does."""
    from tariffsim.analysis import simulate_runs

    kw = {"rounds": 20, "record": "full", "progress": False}
    one = simulate_runs("us-china-145", 6, **kw)
    parts = simulate_runs("us-china-145", 6, chunk_size=4, **kw)
    assert len(parts.agreements) == len(parts.notes) == 6
    assert parts.agreements == one.agreements and parts.notes == one.notes
    assert parts[5].agreements == one[5].agreements and one[5].agreements  # the Geneva deal


def _die(job: int, start: int, stop: int, payload: object) -> list[int]:
    if start > 0:
        import os

        os._exit(3)  # the worker process dies, as the out-of-memory killer would end it
    return list(range(start, stop))


def test_a_worker_that_dies_is_a_worker_error() -> None:
    """A process pool broken by a worker's death: a tariffsim error naming the chunk (it was
    concurrent.futures' BrokenProcessPool, a traceback on the command line)."""
    with (
        ProcessPoolExecutor(2) as ex,
        pytest.raises(WorkerError, match=r"a worker died while playing items \d+ to \d+"),
    ):
        map_chunks(_die, 0, 10, chunk_size=3, executor=ex)


def _numpy_arithmetic() -> None:
    from tariffsim import _decide_kernel, _trade_kernel

    _trade_kernel.ENABLED = _decide_kernel.ENABLED = not _trade_kernel.ENABLED


def _items(job: int, start: int, stop: int, payload: object) -> list[int]:
    return list(range(start, stop))


def test_workers_with_other_arithmetic_are_refused() -> None:
    """A worker computing with the compiled paths off while this process has them on (or the
    reverse) would give other last bits than this process: refused, not mixed in."""
    with (
        ProcessPoolExecutor(1, initializer=_numpy_arithmetic) as ex,
        pytest.raises(WorkerError, match="TARIFFSIM_JIT the same everywhere"),
    ):
        map_chunks(_items, 0, 4, chunk_size=2, executor=ex)
    with ProcessPoolExecutor(1) as ex:  # the same arithmetic: accepted
        assert list(map_chunks(_items, 0, 4, chunk_size=2, executor=ex)) == [[0, 1], [2, 3]]


def test_work_that_does_not_pickle_is_refused_before_any_chunk() -> None:
    """A lambda or a local class cannot reach a process pool's workers: a ParameterError
    naming the piece, before any chunk is sent (it was pickle's AttributeError from a
    chunk's result, for ensembles with a local strategy, sensitivity outputs and tournaments)."""
    local = lambda job, a, b, payload: list(range(a, b))  # noqa: E731
    with ProcessPoolExecutor(1) as ex:
        with pytest.raises(ParameterError, match="`fn` cannot be sent to a process pool"):
            map_chunks(local, 0, 4, chunk_size=2, executor=ex)
        with pytest.raises(ParameterError, match="the work cannot be sent to a process pool"):
            map_chunks(_items, lambda: 0, 4, chunk_size=2, executor=ex)
    with ThreadPoolExecutor(1) as ex:  # threads take anything
        assert len(list(map_chunks(local, 0, 4, chunk_size=2, executor=ex))) == 2


def test_an_ensemble_with_a_local_strategy_on_a_process_pool_is_refused() -> None:
    import dataclasses

    import tariffsim as ts

    @dataclasses.dataclass(frozen=True)
    class Local:
        name = "local"
        traits = ts.Traits()

        def act(self, obs, rng):  # type: ignore[no-untyped-def]
            return dict.fromkeys(obs.targets, 0)

    g = ts.load_scenario("us-china-145").game
    g = g.replace(agents=tuple(dataclasses.replace(a, strategy=Local()) for a in g.agents))
    with (
        ProcessPoolExecutor(1) as ex,
        pytest.raises(ParameterError, match=r"the work cannot be sent.*Local"),
    ):
        ts.ensemble(g, runs=4, rounds=3, executor=ex)


class _Tampering(ThreadPoolExecutor):
    """Runs each chunk, then hands back its result changed by ``edit`` (a broken executor)."""

    def __init__(self, edit: Any) -> None:
        super().__init__(1)
        self.edit = edit

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        arith, span, out = fn(*args, **kwargs)  # (what the worker sends back)
        out = dict(out)
        self.edit(out)
        return _Done((arith, span, out))


def _nan_recession(part: dict[str, Any]) -> None:
    part["recession"] = part["recession"] * np.nan


def _two_countries(part: dict[str, Any]) -> None:
    part["recession"] = part["recession"][:, :, :2]


def _no_labels(part: dict[str, Any]) -> None:
    part.pop("meta", None)


def _fewer_rounds(part: dict[str, Any]) -> None:
    if "meta" not in part:  # a later chunk, self-consistent but shorter than the first
        for k in ("tariff", "high", "control", "recession", "approval", "payoff", "drawdown"):
            part[k] = part[k][:, :-1]


def _negative_tariffs(part: dict[str, Any]) -> None:
    part["tariff"] = -part["tariff"] - 1.0


def _odds_above_one(part: dict[str, Any]) -> None:
    part["recession"] = part["recession"] + 2.0


def _junk_codes(part: dict[str, Any]) -> None:
    if "meta" in part:
        codes, dates, dyads, events = part["meta"]
        part["meta"] = ((1,) * len(codes), dates, dyads, events)


def _bad_dates(part: dict[str, Any]) -> None:
    if "meta" in part:
        codes, dates, dyads, events = part["meta"]
        part["meta"] = (codes, np.array(["x"] * len(dates)), dyads, events)


def _other_dyads(part: dict[str, Any]) -> None:
    if "meta" in part:
        codes, dates, dyads, events = part["meta"]
        part["meta"] = (codes, dates, tuple((b, a) for a, b in dyads), events)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_nan_recession, "an unreadable result"),
        (_two_countries, "an unreadable result"),
        (_negative_tariffs, "an unreadable result"),
        (_odds_above_one, "an unreadable result"),
        (_no_labels, "do not fit together"),
        (_fewer_rounds, "do not fit together"),
        (_junk_codes, "labelled otherwise than the game"),
        (_bad_dates, "labelled otherwise than the game"),
        (_other_dyads, "labelled otherwise than the game"),
    ],
)
def test_an_executors_malformed_chunks_are_refused(edit: Any, words: str) -> None:
    """Chunk results with NaN, arrays of another shape, values out of their range, no
    labels, labels not the game's, or that do not fit the first chunk's: a ParameterError
    naming the executor, never a KeyError, NaN bands or an ensemble its own files refuse."""
    import tariffsim as ts

    with _Tampering(edit) as ex, pytest.raises(ParameterError, match="`executor` returned") as e:
        ts.ensemble("us-china-145", runs=6, seed=0, vary="claims", rounds=3, executor=ex,
                    chunk_size=3)  # fmt: skip
    assert words in str(e.value)


def test_an_interrupted_local_pool_ends_at_once_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, descriptors: Any
) -> None:
    """Ctrl-C while ``processes=`` waits for a chunk (a notebook's "interrupt kernel"): the
    workers end at once, and the pool's threads and processes are gone when the call returns,
    its pipes then or within moments (a queue's feeder thread closes its own), with no
    traceback from its manager thread (before Python 3.12 it raised
    InvalidStateError on chunks already cancelled, and its pipes stayed open)."""
    import multiprocessing
    import threading
    import time

    import tariffsim as ts
    from tariffsim.analysis import runner

    kinds = ("pipe:", "/dev/shm", "/memfd:", "tariffsim")  # what a process pool opens
    held: list[str] = []

    def interrupted(*a: Any) -> Any:  # (the first chunk is back: the pool holds all it opens)
        held.extend(descriptors(*kinds))
        raise KeyboardInterrupt

    ts.ensemble("us-china-145", runs=2, rounds=2, vary="claims", progress=False)  # (imports)
    fds, live = descriptors(*kinds), threading.active_count()
    errors: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    monkeypatch.setattr(runner, "_result", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ts.ensemble("us-china-145", runs=400, rounds=20, vary="claims", processes=2, chunk_size=25)
    assert multiprocessing.active_children() == []
    assert threading.active_count() == live and errors == []
    # what the pool held (its pipes, each worker's sentinel, the shared arrays) is closed;
    # compared by what the descriptors point at (a pipe's inode), so that what other tests'
    # clusters and threads open and close meanwhile does not count
    pool = sorted(set(held) - set(fds))
    assert len([d for d in pool if d.startswith("pipe:")]) >= 5  # (3 queues, a sentinel each)
    left = sorted(set(descriptors(*kinds)) & set(pool))
    until = time.monotonic() + 5  # (what a thread of the pool closes as it ends, on a busy
    while left and time.monotonic() < until:  # machine, may close just after the call)
        time.sleep(0.05)
        left = sorted(set(descriptors(*kinds)) & set(pool))
    assert left == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_workers_of_processes_end_with_a_killed_script(tmp_path: Any) -> None:
    """A script killed by its PID (SIGKILL: no handler runs) while ``processes=2`` plays:
    its workers end too, instead of playing on for minutes with its output pipes open."""
    import contextlib
    import signal
    import subprocess
    import time

    script = tmp_path / "long.py"
    script.write_text(
        "import tariffsim as ts\n"
        "if __name__ == '__main__':\n"
        "    ts.ensemble('us-china-145', runs=200_000, rounds=52, vary='claims', processes=2,"
        " keep='summary', progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        until = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < until and proc.poll() is None:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert len(workers) >= 2, "the workers did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        until = time.monotonic() + 60  # (a worker still importing ends once its start-up runs)
        while any(_alive(p) for p in workers) and time.monotonic() < until:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        for p in workers if proc.poll() is not None else [*workers, proc.pid]:
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        proc.wait(10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_whose_parent_went_while_it_started_ends() -> None:
    """A worker started by a script that was killed while the worker imported tariffsim (seconds
    on a loaded machine) has the reaper as its parent when its start-up runs: it ends at once,
    instead of taking the reaper for the parent it should outlive no longer."""
    import subprocess

    code = (
        "import os, sys\n"
        "from tariffsim.analysis.runner import _quiet_worker\n"
        "_quiet_worker(int(sys.argv[1]))\n"
        "print('played on')\n"
    )
    here = str(os.getpid())  # (this process is the child's parent: it plays on)
    gone = str(os.getpid() + 1_000_000)  # (a PID no process has: the parent has gone)
    ran = [
        subprocess.run([sys.executable, "-c", code, pid], capture_output=True, text=True)
        for pid in (here, gone)
    ]
    assert (ran[0].returncode, ran[0].stdout) == (0, "played on\n"), ran[0].stderr
    assert (ran[1].returncode, ran[1].stdout) == (1, ""), ran[1].stderr


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _dies_at_start(*a: Any) -> None:
    os._exit(3)


@pytest.mark.parametrize("keep", ["runs", "summary"])
def test_workers_that_cannot_start_are_named_as_processes(
    monkeypatch: pytest.MonkeyPatch, keep: str
) -> None:
    """Workers of ``processes=`` that die as they start (a script without the main guard
    under spawn, a daemonic process): a WorkerError that names ``processes`` and the likely
    causes, not the pool the user never passed; nothing is left behind."""
    import multiprocessing

    import tariffsim as ts
    from tariffsim.analysis import runner

    monkeypatch.setattr(runner, "_quiet_worker", _dies_at_start)  # (forked workers run it)
    with pytest.raises(WorkerError, match=r"`processes` \(2\): a worker .* `if __name__"):
        ts.ensemble("us-china-145", runs=50, rounds=4, vary="claims", processes=2, keep=keep)
    assert multiprocessing.active_children() == []


def test_a_numpy_chunk_size_on_a_process_pool() -> None:
    """An unsigned numpy chunk size is a chunk size (it overflowed in the count of chunks)."""
    import tariffsim as ts

    kw: dict[str, Any] = {"runs": 30, "rounds": 3, "vary": "claims", "progress": False}
    got = ts.ensemble("us-china-145", processes=2, chunk_size=np.uint32(7), **kw)
    want = ts.ensemble("us-china-145", **kw)
    np.testing.assert_array_equal(got.tariff, want.tariff)
    np.testing.assert_array_equal(got.payoff, want.payoff)


def test_a_pool_that_cannot_be_made_is_a_worker_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """No descriptors or processes left for the pool: a WorkerError naming ``processes``, not
    the bare OSError of concurrent.futures."""
    import concurrent.futures

    import tariffsim as ts

    def no_pool(*a: Any, **k: Any) -> Any:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    with pytest.raises(WorkerError, match=r"`processes` \(2\): the process pool could not be made"):
        ts.ensemble("us-china-145", runs=4, rounds=2, vary="claims", processes=2)


def test_an_executor_that_starts_no_chunk_says_so_and_the_work_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread pool whose one worker is busy with other work: the ensemble waited without a
    word. Now a NoWorkersWarning names the executor once, and the work goes on once the
    worker is free, with the in-process numbers."""
    import threading
    import warnings

    from tariffsim.analysis import runner

    monkeypatch.setattr(runner, "NO_WORKERS_SECONDS", 0.3)
    kw: dict[str, Any] = dict(runs=4, seed=5, vary="claims", rounds=5, progress=False)
    ref = ts.ensemble("us-china-145", **kw)
    free = threading.Event()
    with ThreadPoolExecutor(1) as ex:
        ex.submit(free.wait)  # other work holds the only worker
        later = threading.Timer(1.2, free.set)
        later.start()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            got = ts.ensemble("us-china-145", **kw, executor=ex, chunk_size=2)
        later.join()
    said = [w for w in seen if w.category is ts.NoWorkersWarning]
    assert len(said) == 1, [str(w.message) for w in seen]
    assert "has started none of the 2 chunks" in str(said[0].message)
    assert "ThreadPoolExecutor" in str(said[0].message)
    assert said[0].filename == __file__  # the user's call, not a line of tariffsim's
    np.testing.assert_array_equal(got.tariff, ref.tariff)


@pytest.mark.parametrize("where", ["threads", "processes"])
def test_an_executor_that_plays_slowly_is_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Chunks that have started and take longer than the wait are no cause for a warning,
    on a thread pool and on a process pool whose workers feed the bar their counts."""
    import warnings

    from tariffsim import progress
    from tariffsim.analysis import runner

    monkeypatch.setattr(runner, "NO_WORKERS_SECONDS", 0.01)
    monkeypatch.setattr(progress._Bar, "drawing", property(lambda self: True))
    kw: dict[str, Any] = dict(runs=40, seed=5, vary="claims", rounds=20, chunk_size=20)
    with contextlib.ExitStack() as stack:
        seen = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        if where == "threads":
            kw["executor"] = stack.enter_context(ThreadPoolExecutor(1))
        else:
            kw["processes"] = 2
        ts.ensemble("us-china-145", progress=False, **kw)
    assert not [w for w in seen if w.category is ts.NoWorkersWarning]


def test_an_executor_whose_futures_never_say_running_is_not_warned_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An executor whose futures are never marked running (Dask's get_executor(), say) while
    its workers play: its chunks cannot be seen to start, so it is not warned about."""
    import warnings
    from concurrent.futures import Executor, Future

    from tariffsim.analysis import runner

    class Quiet(Executor):  # runs each chunk on a thread; its futures never say running
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            import threading

            f: Future = Future()
            threading.Thread(target=lambda: f.set_result(fn(*args, **kwargs))).start()
            return f

    monkeypatch.setattr(runner, "NO_WORKERS_SECONDS", 0.01)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ts.ensemble("us-china-145", runs=20, seed=5, vary="claims", rounds=20, executor=Quiet(),
                    chunk_size=10, progress=False)  # fmt: skip
    assert not [w for w in seen if w.category is ts.NoWorkersWarning]


def _deaf_to_sigterm() -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def test_a_worker_that_sigterm_does_not_end_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ending a pool at once: a worker still running after the wait for SIGTERM (here one
    that ignores it) is killed, and its pool is closed, instead of being left playing."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    from tariffsim.analysis import runner

    monkeypatch.setattr(runner, "_END_SECONDS", 0.5)
    pool = ProcessPoolExecutor(1, initializer=_deaf_to_sigterm)
    f = pool.submit(time.sleep, 60)
    procs = list(pool._processes.values())  # type: ignore[attr-defined]
    until = time.monotonic() + 30
    while not f.running() and time.monotonic() < until:
        time.sleep(0.01)
    began = time.monotonic()
    runner._end_now(pool)
    assert time.monotonic() - began < 10
    assert [p.exitcode for p in procs if p._closed is False] in ([], [-9])  # type: ignore[attr-defined]
    assert multiprocessing.active_children() == []
