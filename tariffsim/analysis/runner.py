"""Chunked execution: split indexed work into chunks, run them anywhere, gather in order.

Everything in tariffsim that repeats independent work — ensembles,
parameter sweeps, sensitivity designs, calibration, tournaments — runs it
through :func:`map_chunks`:

1. the ``n`` work items (runs, matches, design points) are cut into
   contiguous index ranges ``[start, stop)`` of ``chunk_size`` items
   (:func:`chunk_ranges`);
2. each chunk calls ``fn(job, start, stop, payload[start:stop])``: ``job`` is
   the shared, read-only description of the work (a game, a scenario), sent
   once per worker where the executor allows it, and ``payload`` holds the
   per-item inputs (override arrays, match specifications) that travel with
   their chunk;
3. chunks run in this process (``executor=None``), on any
   :class:`concurrent.futures.Executor`, or on a ``dask.distributed.Client``
   (recognised by its ``submit``/``gather``/``scatter`` methods; dask is never
   imported by tariffsim itself);
4. results come back as a list in chunk order, whatever order they finished in
   (:func:`map_chunks`), or are merged into one in chunk order as they arrive,
   with a bounded number of chunks in flight (:func:`fold_chunks`: the
   summary-only ensembles of :mod:`tariffsim.analysis.summary`).

Reproducibility: work item ``k`` never depends on the chunking. Random
streams are per item, not per chunk: :func:`run_seeds` gives item ``k`` the
``k``-th child of ``numpy.random.SeedSequence(seed)`` — exactly
``np.random.SeedSequence(seed).spawn(n)[k]`` — computed inside the chunk
from ``(seed, k)`` so no list of ``n`` seeds is ever built or shipped. Any
executor, any number of workers and any ``chunk_size`` therefore give
bit-identical results.

:func:`simulate_runs` is the ensemble case: ``R`` runs of one game through
:func:`tariffsim.engine.simulate_batch`, per-run parameter overrides sliced
with their chunk, the chunks' :class:`~tariffsim.engine.PathBatch` parts
concatenated in run order.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import numpy as np
from numpy.typing import NDArray

from .. import limits, threads
from .._util import SEED_BITS, is_seed, one_of, real_array, short_repr
from ..errors import NoWorkersWarning, ParameterError, TariffsimError, WorkerError
from ..progress import counting_runs, progress_bar

if TYPE_CHECKING:
    from ..engine import PathBatch
    from ..game import Game
    from ..scenario import Scenario

__all__ = [
    "DEFAULT_CHUNK",
    "LIVE_CHUNK",
    "MIN_CHUNK",
    "check_executor",
    "check_processes",
    "chunk_ranges",
    "default_chunk_size",
    "executor_workers",
    "fold_chunks",
    "local_pool",
    "map_chunks",
    "run_seeds",
    "simulate_runs",
    "tune_malloc",
]

T = TypeVar("T")

MIN_CHUNK = 2048
"""Smallest chunk :func:`default_chunk_size` makes for an executor when the items allow."""
DEFAULT_CHUNK = 8192
"""Largest default chunk (items): big enough to amortise the per-chunk cost of the
batched engine (which plays up to 8,192 runs at once), small enough to keep a chunk's
compact record near 160 MB for a 10-country, 52-round game."""
LIVE_CHUNK = 2 * DEFAULT_CHUNK
"""Largest default chunk in this process of work that plays its items as the runs of one
batch (``live``): the engine splits it into parts of at most ``DEFAULT_CHUNK`` runs."""


# ---------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------
def _is_dask_client(obj: Any) -> bool:
    return all(callable(getattr(obj, m, None)) for m in ("submit", "gather", "scatter"))


def check_executor(executor: Any) -> None:
    """Raise unless ``executor`` is None, a ``concurrent.futures.Executor`` or a Dask client.

    Raises
    ------
    ParameterError
        Naming the type received.

    Examples
    --------
    >>> check_executor(None)
    >>> check_executor(4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: `executor` must be None, ... got 4 (int).
    """
    if executor is None or isinstance(executor, Executor) or _is_dask_client(executor):
        return
    raise ParameterError(
        "`executor` must be None, a concurrent.futures.Executor or a dask.distributed.Client; "
        f"got {executor!r} ({type(executor).__name__})."
    )


def _check_open(executor: Any) -> None:
    """Raise before any work if ``executor`` will take none: a pool shut down (or broken) or a
    Dask client closed (read from their state; best effort for other executors)."""
    if _is_dask_client(executor):
        shut = getattr(executor, "status", "running") in ("closing", "closed")
    else:  # concurrent.futures: ThreadPoolExecutor._shutdown, ProcessPoolExecutor's two
        shut = any(
            getattr(executor, name, False) is True for name in ("_shutdown", "_shutdown_thread")
        )
        if getattr(executor, "_broken", False):
            raise ParameterError(
                f"`executor` {short_repr(executor)} is broken (a worker died): start a new one."
            )
    if shut:
        raise ParameterError(
            f"`executor` {short_repr(executor)} is shut down (or closed): it takes no work."
        )


def check_processes(processes: Any, executor: Any = None, name: str = "processes") -> int:
    """``processes`` as an int >= 1 (None: 1), checked against ``max_workers``
    (:mod:`tariffsim.limits`) and against ``executor``: the two are alternatives.

    Raises
    ------
    ParameterError
        For a value that is not a whole number >= 1, more than ``max_workers``,
        or more than one process with an ``executor`` as well.

    Examples
    --------
    >>> check_processes(None), check_processes(2)
    (1, 2)
    >>> check_processes(0)
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: `processes` must be an int >= 1; got 0.
    """
    n = 1 if processes is None else _check_count(name, processes)
    limits.check("max_workers", n, name)
    if n > 1 and executor is not None:
        raise ParameterError(
            f"`{name}` ({n}) and `executor` ({short_repr(executor)}) are alternatives: "
            f"`{name}` starts a process pool of its own; give one or the other."
        )
    return n


@contextlib.contextmanager
def local_pool(processes: int) -> Iterator[Any]:
    """A :class:`concurrent.futures.ProcessPoolExecutor` of ``processes`` workers for the
    block, shut down after it (``processes <= 1``: None, the work stays in this process).

    What ``processes=`` of :func:`tariffsim.ensemble`, :func:`tariffsim.sensitivity`,
    :func:`tariffsim.calibrate` and the tournaments, and ``--workers`` on the command
    line, play on. The pool uses the platform's start method (fork on Linux up to
    Python 3.13). Its workers ignore Ctrl-C (SIGINT goes to the whole process group;
    this process handles it) and end at once on SIGTERM; interrupted or failed, the
    block ends the workers at once instead of waiting for the chunks they are playing.
    Making the pool costs its workers' start (about 0.1 s forked, a second or two
    spawned, which imports tariffsim anew): for many calls in a row, make one pool and
    pass it as ``executor=``. On Linux the workers also end when this process does,
    however it ends (``PR_SET_PDEATHSIG``): a script killed by its PID leaves no worker
    playing on.

    Raises
    ------
    WorkerError
        When the pool cannot be made (no descriptors or processes left), or its workers
        die or cannot start (a script without the ``if __name__ == "__main__":``
        guard under the spawn or forkserver start method, a daemonic process), naming
        ``processes`` and the cause (chained), the pool ended.
    """
    if processes <= 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(processes, initializer=_quiet_worker, initargs=(os.getpid(),))
    except OSError as exc:
        raise WorkerError(
            f"`processes` ({processes}): the process pool could not be made "
            f"({_one_line(exc)}); fewer processes, or processes=None to play in this one."
        ) from exc
    try:
        yield pool
    except TariffsimError as exc:
        broken = bool(getattr(pool, "_broken", False))
        _end_now(pool)
        if not broken:
            raise
        raise WorkerError(
            f"`processes` ({processes}): a worker of the call's process pool died or could "
            "not start, and the work stopped; nothing is kept. Under the spawn or forkserver "
            'start method a script needs the `if __name__ == "__main__":` guard; a worker '
            "of another pool (a daemonic process) cannot start one; out of memory, smaller "
            f"chunks (`chunk_size=`) need less. ({_one_line(exc)})"
        ) from exc
    except BaseException:
        _end_now(pool)
        raise
    pool.shutdown()


def _end_now(pool: Any) -> None:
    """End ``pool`` at once: its queued chunks cancelled, its workers terminated (a chunk they
    are playing is not waited for), its threads and pipes closed.

    The order matters. The pool's manager thread sets an error on every chunk still in its
    books when a worker dies; before Python 3.12 it raised ``InvalidStateError`` (a
    traceback from a thread) on a chunk already cancelled, and then left the pool's pipes
    open: a notebook interrupted ten times kept 12 descriptors more. So the manager drops
    the cancelled chunks first (``shutdown(cancel_futures=True)``, which it has done once it
    resets ``_cancel_pending_futures``), and only then are the workers ended and the pool
    joined. A worker that SIGTERM has not ended within ``_END_SECONDS`` is killed.
    """
    from multiprocessing.connection import wait as mp_wait

    # (taken first: shutdown() lets go of them all)
    procs = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pipes = [getattr(pool, name, None) for name in _POOL_PIPES]
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None and manager.is_alive():
        until = time.monotonic() + _END_SECONDS
        while getattr(pool, "_cancel_pending_futures", False) and time.monotonic() < until:
            time.sleep(0.005)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:  # (a large worker can take seconds to end on a loaded machine)
        with contextlib.suppress(Exception):
            proc.join(_END_SECONDS)
            # still running: its sentinel is not readable (is_alive() alone can be True for
            # a worker the manager thread has just reaped, whose PID may be reused)
            if not mp_wait([proc.sentinel], 0):
                proc.kill()
                proc.join(_END_SECONDS)
    if manager is not None:  # it reaps the workers and closes the pool's pipes
        manager.join(_END_SECONDS)
    if manager is None or not manager.is_alive():
        # what the manager leaves for the pool's collection, closed now: the pool is often
        # kept by the interrupt's traceback (a cycle of frames), and its pipes with it, until
        # the garbage collector next runs
        for pipe in pipes:
            if pipe is None:
                continue
            with contextlib.suppress(Exception):
                pipe.close()
            # a multiprocessing queue's close() only asks its feeder thread to close the
            # pipe's ends, later: wait for it, then close them here (closing twice is safe)
            feeder = getattr(pipe, "_thread", None)
            if feeder is not None:
                feeder.join(_END_SECONDS)
            if feeder is None or not feeder.is_alive():
                for end in ("_reader", "_writer"):
                    with contextlib.suppress(Exception):
                        getattr(pipe, end).close()
        for proc in procs:  # (each worker's sentinel, a pipe, is its until it is closed)
            with contextlib.suppress(Exception):
                proc.close()


_POOL_PIPES = ("_result_queue", "_call_queue", "_executor_manager_thread_wakeup")
"""What a ProcessPoolExecutor holds its pipes in (queues and the manager's wake-up)."""

_END_SECONDS = 2.0
"""Longest wait, when a pool is ended at once, for each step: its manager dropping the
cancelled chunks, a worker ending on SIGTERM (then on SIGKILL), the manager ending."""


def _quiet_worker(parent: int | None = None) -> None:
    """Start of a :func:`local_pool` worker: Ctrl-C (sent to the whole process group) is the
    main process's to handle, and it ends the workers; a worker ignores it, and ends at
    once on SIGTERM, instead of each printing a traceback (a forked worker inherits the
    main process's handler, which turns SIGTERM into an interrupt). ``parent``: the PID
    of the process that made the pool; on Linux, the worker is sent SIGTERM when its
    parent ends (``prctl(PR_SET_PDEATHSIG)``), and ends now if the parent has already
    gone — also when it went while this worker was starting (importing tariffsim can
    take seconds on a loaded machine), before this function ran."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None and sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent ended before the request was made
            os._exit(1)


_PR_SET_PDEATHSIG = 1
"""``prctl`` option (linux/prctl.h): the signal a process gets when its parent ends."""


def executor_workers(executor: Any) -> int:
    """Number of workers of an executor (1 in-process; best effort for others).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(3) as ex:
    ...     executor_workers(ex)
    3
    """
    if executor is None:
        return 1
    if _is_dask_client(executor):
        try:
            info = executor.scheduler_info()
            return max(1, sum(int(w.get("nthreads", 1)) for w in info["workers"].values()))
        except Exception:
            return 1
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


def default_chunk_size(n: int, executor: Any = None, *, live: bool = False) -> int:
    """Chunk size used when none is given.

    In-process: as few chunks as keep each at ``DEFAULT_CHUNK`` items or
    fewer, of equal sizes (within one), so that each chunk's batch is large
    enough to be split across threads (:func:`tariffsim.threads.for_parts`);
    ``live`` (the chunk's items are the runs of one batch, which reports its
    progress as it plays): at most twice that, :data:`LIVE_CHUNK`, since the
    batched engine plays a chunk in parts of at most ``DEFAULT_CHUNK`` runs,
    several at once on threads, and each part has a cost of its own (about
    0.1 s for ``us-china-145``). An ensemble of 10,000 runs of
    ``us-china-145`` on two threads played about 12% faster in one chunk (two
    parts of 5,000 at once) than in two (each two parts of 2,500), for about
    150 MB more memory at its peak (``benchmarks/bench_ensemble.py``, 2026-12).
    On an executor with ``w`` workers:
    four chunks per worker (so a slow chunk does not leave others idle, and
    the progress bar, which moves as chunks end, moves), or two, or one,
    whichever first keeps chunks at :data:`MIN_CHUNK` items or more (the
    batched engine's cost per run grows as chunks shrink); at most
    ``DEFAULT_CHUNK``. ``live``: the chunks report their progress as they play
    (``progress_of`` of :func:`map_chunks`), so the bar needs no more chunks
    than workers: one per worker, at most ``DEFAULT_CHUNK`` (an ensemble of
    10,000 runs on a pool of two played about 5% faster in two chunks than in
    four).

    Examples
    --------
    >>> default_chunk_size(10_000), default_chunk_size(8_000), default_chunk_size(20_000)
    (5000, 8000, 6667)
    >>> default_chunk_size(10_000, live=True), default_chunk_size(20_000, live=True)
    (10000, 10000)
    >>> default_chunk_size(10)
    10
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as ex:
    ...     default_chunk_size(4_000, ex), default_chunk_size(10_000, ex)
    (2000, 2500)
    >>> with ThreadPoolExecutor(2) as ex:
    ...     default_chunk_size(10_000, ex, live=True), default_chunk_size(30_000, ex, live=True)
    (5000, 8192)
    """
    if n <= 0:
        return 1
    if executor is None:
        cap = LIVE_CHUNK if live else DEFAULT_CHUNK
        return math.ceil(n / math.ceil(n / cap))
    w = executor_workers(executor)
    for per_worker in (1,) if live else (4, 2, 1):
        size = math.ceil(n / (per_worker * w))
        if size >= MIN_CHUNK:
            break
    return max(1, min(DEFAULT_CHUNK, size))


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, stop)`` index ranges covering items ``0`` to ``n - 1``.

    Examples
    --------
    >>> chunk_ranges(7, 3)
    [(0, 3), (3, 6), (6, 7)]
    """
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def _check_count(name: str, v: Any, lo: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
        raise ParameterError(f"`{name}` must be an int >= {lo}; got {v!r}.")
    return int(v)


def _slice(payload: Any, a: int, b: int) -> Any:
    if payload is None:
        return None
    if isinstance(payload, Mapping):
        return {k: v[a:b] for k, v in payload.items()}
    return payload[a:b]


def map_chunks(
    fn: Callable[[Any, int, int, Any], T],
    job: Any,
    n: int,
    *,
    payload: Any = None,
    chunk_size: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
    desc: str = "",
    unit: str = "run",
    live: bool = False,
    size_of: Callable[[Any], int | None] | None = None,
    progress_of: Callable[[int, int], int] | None = None,
) -> list[T]:
    """Run ``fn(job, start, stop, payload[start:stop])`` over chunks of ``n`` items.

    Parameters
    ----------
    fn : callable
        A module-level function (worker processes import it by name) taking
        ``(job, start, stop, chunk_payload)`` and returning the chunk's result.
        It must not depend on ``start``/``stop`` other than to pick items, so
        that the chunking never changes an item's result.
    job : object
        Shared input of every chunk (picklable). On a Dask client it is
        scattered to the workers once.
    n : int
        Number of items, >= 1.
    payload : mapping of str to array, sequence, or None
        Per-item inputs with a leading item axis of length ``n``; chunk
        ``[a, b)`` receives ``payload[a:b]`` (each array sliced for a mapping).
    chunk_size : int, optional
        Items per chunk (default :func:`default_chunk_size`).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where chunks run (None: in this process, one after the other).
    progress : bool or None
        Progress bar over items (see :mod:`tariffsim.progress`).
    desc, unit : str
        Label and unit of the progress bar.
    live : bool
        ``fn`` plays its chunk's items as the runs of one
        :func:`tariffsim.engine.simulate_batch` call: in this process, the
        bar then moves round by round within a chunk
        (:func:`tariffsim.progress.counting_runs`), not only as chunks end.
    size_of : callable, optional
        The number of items a chunk's result covers (None: it is no result
        ``fn`` makes); a result from the executor that does not cover its
        chunk's ``stop - start`` items (a misbehaving executor) raises
        ParameterError instead of being kept.
    progress_of : callable, optional
        ``progress_of(start, stop)``: how many items of that chunk its worker
        has done so far, read in this process while the chunk plays (an
        ensemble's workers count them in memory shared with this process). On a
        ``concurrent.futures`` executor, a drawn bar then moves about four
        times a second, not only as chunks end.

    Returns
    -------
    list
        One result per chunk, in chunk (hence item) order.

    Raises
    ------
    ParameterError
        For a bad ``n``, ``chunk_size``, ``executor`` or a payload whose
        length is not ``n`` — before any chunk runs. An exception raised by
        ``fn`` propagates as it is, on an executor too (from another process,
        with the worker's traceback chained); chunks not yet started are
        cancelled.
    WorkerError
        For the executor's own failures: a worker that died, a chunk that could
        not be submitted or sent back, a worker computing with other arithmetic.
        Also for an exception of ``fn`` that cannot pass between processes (a
        class whose ``__init__`` takes other arguments than its args, an
        attribute that does not pickle): its class, message and the worker's
        traceback are in the message.

    Examples
    --------
    >>> from tariffsim.analysis.runner import map_chunks
    >>> map_chunks(lambda job, a, b, p: [job * x for x in p], 10, 5,
    ...            payload=list(range(5)), chunk_size=2)
    [[0, 10], [20, 30], [40]]
    """
    n, chunk_size = _prepare(n, executor, chunk_size, payload, live)
    check_sendable(executor, job=job, fn=fn)
    chunks = _in_order(fn, job, n, payload, chunk_size, executor, progress, desc, unit,
                       window=None, live=live, size_of=size_of,
                       progress_of=progress_of)  # fmt: skip
    return list(chunks)


def fold_chunks(
    fn: Callable[[Any, int, int, Any], T],
    merge: Callable[[T, T], T],
    job: Any,
    n: int,
    *,
    payload: Any = None,
    chunk_size: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
    desc: str = "",
    unit: str = "run",
    window: int | None = None,
    live: bool = False,
    size_of: Callable[[Any], int | None] | None = None,
) -> T:
    """Like :func:`map_chunks`, but each chunk's result is merged into one as it arrives.

    The results are merged in chunk order, ``merge(merge(r0, r1), r2)`` …,
    and each is dropped once merged, so at most ``window`` chunk results are
    held at any time: the memory does not grow with ``n``. With an
    associative and commutative ``merge`` of integer counts (what
    :mod:`tariffsim.analysis.reduce` does), the result is also independent of
    ``chunk_size`` and of the executor.

    Parameters
    ----------
    fn, job, n, payload, chunk_size, executor, progress, desc, unit, live, size_of
        As for :func:`map_chunks`.
    merge : callable
        ``(accumulated, chunk result) -> accumulated``.
    window : int, optional
        On an executor, the most chunks submitted and not yet merged (default
        four per worker, at least 2): chunks are submitted as earlier ones
        are merged.

    Returns
    -------
    The merged result.

    Examples
    --------
    >>> from operator import add
    >>> fold_chunks(lambda job, a, b, p: sum(p), add, None, 10,
    ...             payload=list(range(10)), chunk_size=3)
    45
    """
    n, chunk_size = _prepare(n, executor, chunk_size, payload)
    check_sendable(executor, job=job, fn=fn)
    if window is None:
        window = max(2, 4 * executor_workers(executor))
    window = _check_count("window", window)
    acc: Any = _NOTHING
    chunks = _in_order(fn, job, n, payload, chunk_size, executor, progress, desc, unit,
                       window=window, live=live, size_of=size_of)  # fmt: skip
    for part in chunks:
        acc = part if acc is _NOTHING else merge(acc, part)
    return acc


_NOTHING = object()


def _prepare(
    n: Any, executor: Any, chunk_size: Any, payload: Any, live: bool = False
) -> tuple[int, int]:
    """``n`` and the chunk size checked (the default chosen), before any chunk runs;
    ``live`` as :func:`map_chunks` takes it (it sizes the default chunks in this process)."""
    n = _check_count("n", n)
    check_executor(executor)
    if chunk_size is None:
        chunk_size = default_chunk_size(n, executor, live=live and executor is None)
    chunk_size = _check_count("chunk_size", chunk_size)
    _check_payload(payload, n)
    return n, chunk_size


def check_sendable(executor: Any, *, processes: int = 1, **work: Any) -> None:
    """On a process pool (``executor``, or ``processes`` > 1 for one still to be made), every
    piece of ``work`` (name: object) must pickle; ParameterError naming the piece otherwise,
    before any chunk is sent (Dask pickles with cloudpickle, which takes lambdas and local
    classes; threads take anything)."""
    from concurrent.futures import ProcessPoolExecutor

    if processes <= 1 and not isinstance(executor, ProcessPoolExecutor):
        return
    import pickle

    for name, obj in work.items():
        try:
            pickle.dumps(obj)
        except Exception as exc:
            what = "the work" if name == "job" else f"`{name}`"
            raise ParameterError(
                f"{what} cannot be sent to a process pool ({_one_line(exc)}): a lambda, or "
                "a class or function defined inside a function (a strategy, an output, an "
                "event), does not pickle; define it at module level (a functools.partial of "
                "such a function pickles), or use a ThreadPoolExecutor or a Dask client."
            ) from None


def _one_line(exc: BaseException) -> str:
    """``Type: message``, the message's first line that says something (multiprocessing's
    own messages start with an empty one)."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _arithmetic() -> tuple[bool, bool]:
    """The arithmetic this process computes with: whether the compiled trade terms and
    decision payoffs are on (they agree with the numpy paths to ~1e-12, not to the bit)."""
    from .. import _decide_kernel, _trade_kernel

    return bool(_trade_kernel.ENABLED), bool(_decide_kernel.ENABLED)


def _is_arithmetic(x: Any) -> bool:
    return isinstance(x, tuple) and len(x) == 2 and all(isinstance(v, bool) for v in x)


NO_WORKERS_SECONDS = 10.0
"""Seconds a chunk waits on a Dask scheduler without workers, or on a
``concurrent.futures`` executor that has started none of the chunks sent to it, before
:class:`~tariffsim.errors.NoWorkersWarning` says so."""


def _no_workers(executor: Any, told: list[bool]) -> None:
    """Warn (once per call: ``told``) if the Dask scheduler of ``executor`` has no workers:
    the work waits for some to join (an adaptive cluster, a batch queue may start them
    later), which it did in silence."""
    try:
        workers = len(executor.scheduler_info().get("workers", {}))
    except Exception:  # the scheduler gone: the work's own error says so
        return
    if workers == 0 and not told[0]:
        told[0] = True
        warnings.warn(
            f"the Dask scheduler at {getattr(executor.scheduler, 'address', '?')} has had "
            f"no workers for {NO_WORKERS_SECONDS:g} s: the work waits for some to join "
            "(start workers, or interrupt with Ctrl-C)",
            NoWorkersWarning,
            stacklevel=_callers_level(),
        )


def _callers_level() -> int:
    """The ``stacklevel`` of a warning that names the first frame outside tariffsim: the
    user's call, however deep in tariffsim the warning is raised (an ensemble, a
    calibration's batch, a tournament)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)  # the function that warns
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _workers_joined(executor: Any, told: list[bool]) -> None:
    """Before anything is sent to a Dask scheduler: wait up to :data:`NO_WORKERS_SECONDS`
    for a worker (sending the work's shared input waits for one, without a word), then
    say so if there is none."""
    try:
        if executor.scheduler_info().get("workers"):
            return
        executor.wait_for_workers(1, timeout=NO_WORKERS_SECONDS)
    except Exception:
        _no_workers(executor, told)


def _wait_for_dask(f: Any, executor: Any, told: list[bool]) -> None:
    """Wait for the Dask future ``f``; each :data:`NO_WORKERS_SECONDS` it is not done, see
    whether the scheduler still has workers (:func:`_no_workers`); once that is said, the
    rest of the wait is the caller's. The future's own error is left to the caller."""
    while not told[0]:
        try:
            f.result(timeout=NO_WORKERS_SECONDS)
            return
        except Exception:
            if f.done():  # (the work's own error, a TimeoutError included: reported later)
                return
        _no_workers(executor, told)


def _result(f: Any, a: int, b: int) -> Any:
    """The result of the future of chunk ``a``..``b - 1``, computed with this process's
    arithmetic; WorkerError when the worker died or computes otherwise."""
    from concurrent.futures import BrokenExecutor

    raised = None
    try:
        got = f.result()
    except _RaisedInWork as w:  # the work's own error: as in one process, raised below
        raised = w  # (outside this block, which would chain the wrapper to it)
    except BrokenExecutor as exc:
        raise WorkerError(
            f"a worker died while playing items {a} to {b - 1} ({_one_line(exc)}); nothing "
            "is kept. (Out of memory? Smaller chunks, `chunk_size=`, need less.)"
        ) from None
    except TariffsimError:  # raised on purpose while playing the chunk: as in one process
        raise
    except Exception as exc:
        if type(exc).__name__ == "KilledWorker":  # dask.distributed's, not imported here
            raise WorkerError(
                f"the Dask cluster lost the workers playing items {a} to {b - 1} "
                f"({_one_line(exc)}); nothing is kept."
            ) from None
        raise WorkerError(  # the executor's own failure
            f"playing items {a} to {b - 1} on the executor raised {_one_line(exc)} (the "
            "executor's own error, or the work's that could not be sent back: the cause is "
            "chained); nothing is kept."
        ) from exc
    if raised is not None:
        _raise_as_in_one_process(raised)
    if not (isinstance(got, tuple) and len(got) == 3 and _is_arithmetic(got[0])):
        return got  # not what _on_worker sends back: _check_size judges it
    arith, span, out = got
    if span != (a, b):  # another chunk's result (a caching or confused executor)
        raise ParameterError(
            f"`executor` returned the result of items {_span_text(span)} for items {a} to "
            f"{b - 1}: a chunk must come back as it was computed."
        )
    here = _arithmetic()
    if arith != here:

        def say(x: tuple[bool, bool]) -> str:
            return "compiled (numba)" if x[0] else "numpy"

        raise WorkerError(
            f"a worker computes with the {say(arith)} paths and this process with the "
            f"{say(here)} ones: the results would depend, in the last bits, on which worker "
            "played a chunk. Install numba on every worker and here, or none; or set "
            "TARIFFSIM_JIT the same everywhere."
        )
    return out


def _span_text(span: Any) -> str:
    """``a to b - 1`` of a chunk's span ``(a, b)`` as a worker sent it back."""
    try:
        a, b = span
        return f"{int(a)} to {int(b) - 1}"
    except (TypeError, ValueError):
        return short_repr(span)


def _counter(bar: Any, size: int) -> Callable[[int], None]:
    """``advance(k)`` for a chunk of ``size`` runs: counts at most ``size`` on ``bar`` in all
    (from any thread)."""
    lock = threading.Lock()
    counted = [0]

    def advance(k: int) -> None:
        with lock:
            k = min(k, size - counted[0])
            if k > 0:
                counted[0] += k
                bar.update(k)

    return advance


def _in_order(
    fn: Callable[[Any, int, int, Any], T],
    job: Any,
    n: int,
    payload: Any,
    chunk_size: int,
    executor: Any,
    progress: bool | None,
    desc: str,
    unit: str,
    *,
    window: int | None,
    live: bool = False,
    size_of: Callable[[Any], int | None] | None = None,
    progress_of: Callable[[int, int], int] | None = None,
) -> Iterator[T]:
    """Chunk results in chunk order; on an executor at most ``window`` in flight (None: all)."""
    ranges = chunk_ranges(n, chunk_size)
    with progress_bar(n, desc=desc, unit=unit, enabled=progress) as bar:
        if executor is None:
            for a, b in ranges:
                advance = _counter(bar, b - a)
                with counting_runs(advance if live else None):  # live: round by round
                    out = fn(job, a, b, _slice(payload, a, b))
                advance(b - a)  # the rest of the chunk (all of it unless live)
                yield out
            return
        lim = limits.current()  # the workers play under the limits in force here
        _check_open(executor)
        told = [False]  # (a Dask scheduler without workers: said once per call)
        if _is_dask_client(executor):
            _workers_joined(executor, told)
            # a key of its own per call (hash=False): a key from the job's contents would be
            # shared with an earlier call whose release can drop the data from the workers
            try:
                shared = executor.scatter(job, broadcast=True, hash=False)
            except TariffsimError:
                raise
            except Exception as exc:
                raise WorkerError(
                    f"`executor` ({short_repr(executor)}): sending the work's shared input to "
                    f"the workers raised {_one_line(exc)} (the cause is chained); nothing ran."
                ) from exc

            def submit(a: int, b: int) -> Any:
                return executor.submit(
                    _on_worker, fn, shared, a, b, _slice(payload, a, b), lim, "dask", pure=False
                )
        else:
            # (a process pool pickles a chunk's error to send it back; threads need not)
            back = ("pickle",) if isinstance(executor, ProcessPoolExecutor) else ()

            def submit(a: int, b: int) -> Any:
                return executor.submit(_on_worker, fn, job, a, b, _slice(payload, a, b), lim, *back)

        def sent(a: int, b: int) -> Any:
            raised = None
            try:
                f = submit(a, b)
            except TariffsimError:
                raise
            except _RaisedInWork as w:  # an executor that plays at submit: the work's error
                raised = w  # (raised below, not chained to the wrapper)
            except Exception as exc:
                raise WorkerError(
                    f"`executor`: submitting items {a} to {b - 1} raised {_one_line(exc)} (the "
                    "executor's own error: the cause is chained); nothing is kept."
                ) from exc
            if raised is not None:
                _raise_as_in_one_process(raised)
            if not all(callable(getattr(f, m, None)) for m in ("result", "cancel")):
                raise ParameterError(
                    f"`executor`: submit() returned {short_repr(f)}, not a future."
                )
            return f

        limit = len(ranges) if window is None else window
        pending: deque[tuple[int, int, Any]] = deque()
        todo = iter(ranges)
        counted: dict[int, int] = {}  # items of a chunk in flight already on the bar
        try:
            for a, b in todo:
                pending.append((a, b, sent(a, b)))
                if len(pending) >= limit:
                    break
            while pending:
                a, b, f = pending.popleft()
                if _is_dask_client(executor):
                    _wait_for_dask(f, executor, told)
                else:
                    _watch(f, [(a, b, f), *pending], executor, told,
                           progress_of if bar.drawing else None, bar, counted)  # fmt: skip
                out = _result(f, a, b)
                del f
                _check_size(out, a, b, size_of)
                bar.update(b - a - counted.pop(a, 0))
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append((*nxt, sent(*nxt)))
                yield out
        except BaseException:
            for *_, f in pending:
                with contextlib.suppress(Exception):  # the error raised is the one that matters
                    f.cancel()
            raise


WATCH_SECONDS = 0.25
"""How often a bar fed by ``progress_of`` (:func:`map_chunks`) is moved while chunks play."""


def _watch(
    f: Any,
    flying: Sequence[tuple[int, int, Any]],
    executor: Any,
    told: list[bool],
    progress_of: Callable[[int, int], int] | None,
    bar: Any,
    counted: dict[int, int],
) -> None:
    """Wait for the ``concurrent.futures`` future ``f`` (others are left to the caller).

    With ``progress_of``, move ``bar`` every :data:`WATCH_SECONDS` by the items the chunks
    ``flying`` (``(start, stop, future)`` of those in flight, ``f``'s first) report done;
    ``counted``: what each has on the bar so far. Until one of them has started (``told``,
    settled once per call), see each :data:`NO_WORKERS_SECONDS` whether the executor
    started any: if none, say so once (:class:`~tariffsim.errors.NoWorkersWarning`: its
    workers are busy with other work, or it has none), and wait on.
    """
    from concurrent.futures import Future, wait

    if not isinstance(f, Future) or (progress_of is None and told[0]):
        return
    tick = WATCH_SECONDS if progress_of is not None else NO_WORKERS_SECONDS
    since = time.monotonic()
    while not wait([f], timeout=tick).done:
        if progress_of is not None:
            for a, b, _ in flying:
                try:
                    now = min(max(int(progress_of(a, b)), 0), b - a)
                except Exception:  # a count that cannot be read: the bar waits for the chunk
                    continue
                k = now - counted.get(a, 0)
                if k > 0:
                    counted[a] = now
                    bar.update(k)
        if not told[0] and time.monotonic() - since >= NO_WORKERS_SECONDS:
            told[0] = True
            # only the standard library's pools mark a chunk running once a worker has it
            # (Dask's get_executor(), for one, never does: its chunks would look unstarted)
            known = isinstance(executor, ThreadPoolExecutor | ProcessPoolExecutor)
            if known and not any(g.running() or g.done() for *_, g in flying):
                warnings.warn(
                    f"`executor` ({short_repr(executor)}) has started none of the "
                    f"{len(flying)} chunks sent to it for {NO_WORKERS_SECONDS:g} s: its "
                    "workers are busy with other work, or it has none; the work waits "
                    "(interrupt with Ctrl-C)",
                    NoWorkersWarning,
                    stacklevel=_callers_level(),
                )
            if progress_of is None:
                return


def _check_size(out: Any, a: int, b: int, size_of: Callable[[Any], int | None] | None) -> None:
    """Raise unless the chunk result ``out`` covers items ``a`` to ``b - 1`` (per ``size_of``)."""
    if size_of is None:
        return
    try:
        n: Any = size_of(out)
    except Exception:
        n = None
    if n != b - a:
        got = "an unreadable result" if n is None else f"a result for {n} items"
        raise ParameterError(
            f"`executor` returned {got} ({type(out).__name__}) for items {a} to {b - 1} "
            f"({b - a} expected): a chunk must come back as it was computed."
        )


_TRIM_BYTES = 256 * 1024 * 1024
"""Free memory glibc keeps at the top of a tuned worker's heap before returning it."""
_MMAP_BYTES = 32 * 1024 * 1024
"""Blocks from this size up get their own mapping in a tuned worker (glibc's largest)."""


def tune_malloc(environ: Mapping[str, str] | None = None) -> bool:
    """Undo a ``MALLOC_TRIM_THRESHOLD_`` setting in this process (glibc only); True if done.

    Dask's nannies start every worker with ``MALLOC_TRIM_THRESHOLD_=65536``.
    Setting that threshold also turns off glibc's adaptive mmap threshold, so
    every temporary array above 128 kB is mapped and unmapped from the kernel
    and every round of the batched engine pays page faults for its
    temporaries: the engine runs about half as fast. When the variable is
    set, this sets the trim threshold to 256 MB and the mmap threshold to
    32 MB with ``mallopt`` (what glibc's adaptive rule converges to for the
    engine's arrays). Elsewhere — the variable unset, or no glibc — it does
    nothing. Chunks sent to a Dask client call it first on their worker.

    Parameters
    ----------
    environ : mapping, optional
        The environment to look in (default ``os.environ``).

    Examples
    --------
    >>> tune_malloc({})
    False
    """
    import os

    env = os.environ if environ is None else environ
    if "MALLOC_TRIM_THRESHOLD_" not in env:
        return False
    global _TUNED
    if _TUNED:
        return True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    _TUNED = bool(mallopt(m_trim_threshold, _TRIM_BYTES)) and bool(
        mallopt(m_mmap_threshold, _MMAP_BYTES)
    )
    return _TUNED


_TUNED = False


def _on_worker(
    fn: Callable[[Any, int, int, Any], T],
    job: Any,
    a: int,
    b: int,
    part: Any,
    lim: limits.Limits | None = None,
    back: str | None = None,
) -> tuple[tuple[bool, bool], tuple[int, int], T]:
    """A chunk on an executor's worker: the allocator tuned (:func:`tune_malloc`), then ``fn``
    with the payoff kernel on one thread (:func:`tariffsim.threads.limit`: the executor's
    workers are the parallelism) and under the limits ``lim`` in force where the chunk was
    sent (:func:`tariffsim.limits.override` does not reach another thread or process); the
    worker's arithmetic (:func:`_arithmetic`) and the chunk's items ``(a, b)`` are sent back
    with the result (a result that comes back for another chunk is refused).

    ``back`` says how an error of ``fn`` travels back: ``"pickle"`` (a process pool),
    ``"dask"`` (a Dask client) or None (not pickled: threads). An error that would not
    arrive as itself is replaced by a :class:`~tariffsim.errors.WorkerError` that carries
    its class, message and traceback as text (:func:`_unsendable`)."""
    tune_malloc()
    unsent = None
    with threads.limit(1), limits.override(lim):
        try:
            out = fn(job, a, b, part)
        except Exception as exc:
            why = _unsendable(exc, back)
            if why is None and isinstance(exc, TariffsimError):
                raise
            if why is None:  # the work's own error: marked, to be raised as it is
                raise _RaisedInWork(exc) from exc
            unsent = _unsent_error(exc, why, a, b)
    if unsent is not None:  # (raised here: not chained to the error it replaces)
        raise unsent
    return _arithmetic(), (a, b), out


def _unsendable(exc: Exception, back: str | None) -> str | None:
    """Why the work's error ``exc`` would not arrive in the caller's process as itself when
    sent back as ``back`` says (see :func:`_on_worker`), or None if it would.

    A process pool pickles the error (with multiprocessing's pickler) and the caller
    rebuilds it by calling its class with its ``args``: an ``__init__`` that takes other
    arguments than the ``args`` it leaves, or an attribute that does not pickle (a lambda,
    a lock), breaks the way back, and the caller would see a broken pool or a pickling
    error instead of the user's message. So the error makes the round trip here first.
    Dask rebuilds such classes itself, but sends an error it cannot pickle as a bare
    ``Exception`` holding its repr: its own sending (``distributed.core.error_message``)
    is tried instead. Called for an error only; a check that fails itself leaves the
    error to be sent as it is.
    """
    if back is None:
        return None
    import pickle

    try:
        if back == "dask":
            if _dask_sends(exc):
                return None
            pickle.loads(pickle.dumps(exc))
            return "Dask could not pickle it with the errors it was raised from"
        from multiprocessing.reduction import ForkingPickler

        pickle.loads(ForkingPickler.dumps(exc))
    except Exception as err:
        return _one_line(err)
    return None


def _dask_sends(exc: Exception) -> bool:
    """Whether a Dask worker sends the work's error ``exc`` back as itself (as
    :func:`_on_worker` raises it), not as the bare ``Exception`` it falls back to for an
    error it cannot pickle and unpickle; True when that cannot be told."""
    try:
        from distributed.core import error_message
        from distributed.protocol import pickle as dask_pickle

        sent: Exception = exc
        if not isinstance(exc, TariffsimError):  # what ``raise _RaisedInWork(exc) from exc`` sends
            sent = _RaisedInWork(exc)
            sent.__cause__ = sent.__context__ = exc
        got = error_message(sent)["exception"]
        back = dask_pickle.loads(getattr(got, "data", got))
    except Exception:
        return True
    kind = type(sent)
    return (type(back).__module__, type(back).__qualname__) == (kind.__module__, kind.__qualname__)


def _unsent_error(exc: Exception, why: str, a: int, b: int) -> WorkerError:
    """What is sent back in place of the work's error ``exc``, which cannot be (``why``): a
    WorkerError naming its class (module and qualified name), its message and the worker's
    traceback, as text."""
    import traceback

    cls = type(exc)
    try:
        text = str(exc)
    except Exception:
        text = ""
    name = f"{cls.__module__}.{cls.__qualname__}" + (f": {text}" if text else "")
    where = "".join(traceback.format_exception(exc)).rstrip()
    return WorkerError(
        f"playing items {a} to {b - 1}, the work raised {name}; that exception cannot be "
        f"sent back from the worker's process ({why}): an exception class whose __init__ "
        "takes other arguments than its args, or an exception holding something that does "
        "not pickle (a lambda, a lock), cannot pass between processes. Its traceback in "
        f"the worker:\n{where}"
    )


class _RaisedInWork(Exception):
    """An error the work itself raised on an executor's worker (``args[0]``), sent back
    to be raised in this process as it is, as in one process; told apart from the
    executor's own failures (those are a WorkerError)."""


def _raise_as_in_one_process(w: _RaisedInWork) -> NoReturn:
    """Raise the work's own error that ``w`` carries: with the worker's traceback (as
    text) as its cause when it comes from another process, else as it was raised."""
    exc = w.args[0]
    remote = w.__cause__
    if remote is not None and remote is not exc:  # another process's traceback, as text
        raise exc from remote
    raise exc


def _check_payload(payload: Any, n: int) -> None:
    if payload is None:
        return
    items = payload.items() if isinstance(payload, Mapping) else [("payload", payload)]
    for k, v in items:
        if not hasattr(v, "__getitem__") or not hasattr(v, "__len__"):
            raise ParameterError(f"`{k}` must be a sequence or array of length {n}; got {v!r}.")
        if len(v) != n:
            raise ParameterError(f"`{k}` must have length {n} (one per item); got {len(v)}.")


# ---------------------------------------------------------------------------
# seeds
# ---------------------------------------------------------------------------
def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, 2**4096)`` (:data:`tariffsim._util.SEED_BITS`), as
    ``numpy.random.SeedSequence`` takes it: what the ensembles, sensitivity analyses and
    calibrations take (``simulate`` too), a 128-bit ``SeedSequence().entropy`` included.
    Exports keep a seed of ``2**63`` or more as its decimal text (:func:`stored_seed`).

    Raises
    ------
    ParameterError
        For a bool, a value that is not an integer, or one outside the range.
    """
    if not is_seed(seed):
        raise ParameterError(
            f"`{name}` must be an int >= 0 (below 2**{SEED_BITS}); got {short_repr(seed)}."
        )
    return int(seed)


_SEED_DIGITS = len(str(2**SEED_BITS))
"""Digits of the largest seed's text and more (a longer text is no seed: not parsed)."""


def stored_seed(seed: int) -> int | str:
    """``seed`` as an export keeps it: an int below ``2**63`` as it is (a 64-bit integer in
    NetCDF and ``.npz``), a larger one as its decimal text (no 64-bit type holds it); the
    readers take either back (:func:`read_seed`)."""
    return seed if seed < 2**63 else str(seed)


def read_seed(value: Any) -> int:
    """The seed an export kept (:func:`stored_seed`): an integer, or a 0-d array of one, or
    the decimal text of one.

    Raises
    ------
    ParameterError
        For anything else, or a negative seed.
    """
    v = np.asarray(value)
    if v.ndim == 0 and v.dtype.kind in "US":
        text = str(v[()])
        if not (text.isascii() and text.isdigit() and len(text) <= _SEED_DIGITS):
            raise ParameterError(f"`seed` must be an int >= 0; got {short_repr(text)}.")
        return check_seed(int(text))
    return check_seed(v[()] if v.ndim == 0 and v.dtype.kind in "iu" else value)


def _root(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"`seed` must be an int >= 0 or a SeedSequence; got {seed!r}.")
    return np.random.SeedSequence(int(seed))


def run_seeds(
    seed: int | np.random.SeedSequence, start: int, stop: int
) -> list[np.random.SeedSequence]:
    """Seeds of items ``start`` to ``stop - 1``: item ``k`` gets ``SeedSequence(seed).spawn(n)[k]``.

    Built from ``(seed, k)`` directly (``spawn_key`` ends in ``k``), so any
    slice can be made without spawning the ones before it.

    Parameters
    ----------
    seed : int >= 0 or numpy.random.SeedSequence
        Root seed (a SeedSequence is used as the root as given: its children
        ``start .. stop-1``, whatever it has spawned before).
    start, stop : int

    Returns
    -------
    list of numpy.random.SeedSequence

    Examples
    --------
    >>> a = run_seeds(7, 2, 4)
    >>> b = np.random.SeedSequence(7).spawn(4)[2:]
    >>> [s.generate_state(2).tolist() == t.generate_state(2).tolist() for s, t in zip(a, b)]
    [True, True]
    """
    root = _root(seed)
    return [
        np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, k), pool_size=root.pool_size
        )
        for k in range(start, stop)
    ]


# ---------------------------------------------------------------------------
# ensembles of runs through the batched engine
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _BatchJob:
    game: Game
    rounds: int | None
    root: np.random.SeedSequence
    record: str


def _simulate_chunk(
    job: _BatchJob,
    start: int,
    stop: int,
    overrides: Mapping[str, NDArray[Any]] | None,
    into: Mapping[str, NDArray[Any]] | None = None,
) -> PathBatch:
    """The chunk's runs ``[start, stop)`` as one batch; ``into``: arrays of a compact record
    for every run of the job (in this process), whose rows ``[start, stop)`` it writes."""
    from ..engine import simulate_batch

    return simulate_batch(
        job.game,
        job.rounds,
        seeds=run_seeds(job.root, start, stop),
        overrides=overrides or None,
        record=job.record,
        _out=None if into is None else {k: v[start:stop] for k, v in into.items()},
    )


_PER_RUN_TUPLES = ("seeds", "agreements", "notes")
"""Fields of a PathBatch that are tuples with one entry per run."""


def concat_batches(parts: Sequence[PathBatch]) -> PathBatch:
    """Concatenate :class:`~tariffsim.engine.PathBatch` parts along the runs axis.

    Arrays with a leading runs axis and the per-run tuples (seeds,
    agreements, notes) are joined; everything else (dates, codes, dyads)
    is taken from the first part. Overrides are joined per path.
    """
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    concat = getattr(type(first), "concat", None)
    if callable(concat):
        return concat(parts)
    r = [len(p) for p in parts]
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        vals = [getattr(p, f.name) for p in parts]
        v0 = vals[0]
        if f.name in _PER_RUN_TUPLES:
            if all(len(v) == k for v, k in zip(vals, r, strict=True)):
                changes[f.name] = tuple(s for v in vals for s in v)
        elif f.name == "overrides":
            changes[f.name] = (
                {k: np.concatenate([np.asarray(v[k]) for v in vals]) for k in v0} if v0 else v0
            )
        elif (
            isinstance(v0, np.ndarray)
            and v0.ndim >= 1
            and all(np.shape(v)[:1] == (k,) for v, k in zip(vals, r, strict=True))
        ):
            changes[f.name] = np.concatenate(vals)
    return dataclasses.replace(first, **changes)


def simulate_runs(
    game: Game | Scenario,
    runs: int,
    *,
    seed: int | np.random.SeedSequence = 0,
    rounds: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    record: str = "compact",
    executor: Any = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    desc: str = "runs",
) -> PathBatch:
    """``runs`` simulations of one game, chunked, on any executor, in run order.

    Run ``k`` is bit-identical to ``ts.simulate(game_k, rounds,
    seed=np.random.SeedSequence(seed).spawn(runs)[k])``, where ``game_k`` is
    ``game`` with ``{path: overrides[path][k]}`` applied
    (:func:`tariffsim.parampath.apply`) — whatever the executor, the number
    of workers and ``chunk_size``.

    Parameters
    ----------
    game : Game, Scenario or str
        A scenario's name or file path is loaded (:func:`tariffsim.load_scenario`).
    runs : int
        Number of runs R, >= 1.
    seed : int >= 0 or numpy.random.SeedSequence
        Root of the runs' seeds (:func:`run_seeds`).
    rounds : int, optional
        Default the game's.
    overrides : mapping of str to array_like (R,), optional
        Parameter path → one value per run (:mod:`tariffsim.parampath`).
    record : {"compact", "full"}
        What each run keeps (see :func:`tariffsim.engine.simulate_batch`).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
    chunk_size : int, optional
        Runs per chunk (default :func:`default_chunk_size`).
    progress : bool or None
        Progress bar (see :mod:`tariffsim.progress`).
    desc : str
        Label of the progress bar.

    Returns
    -------
    PathBatch
        ``R`` runs, in run order.

    Raises
    ------
    ParameterError
        Bad ``runs``, ``seed``, ``record``, ``chunk_size``, ``executor`` or an
        override array that is not finite, not of length R, or holds a value
        the parameter does not allow.
    UnknownNameError
        An override path that does not exist.
    """
    from ..engine import record_bytes
    from ..game import _check_rounds
    from ..scenario import resolve

    g = resolve(game, "game")[1]
    runs = _check_count("runs", runs)
    limits.check("max_runs", runs, "runs")
    if rounds is not None:
        rounds = _check_rounds(rounds)
    if not one_of(record, ("compact", "full")):
        raise ParameterError(f"`record` must be 'compact' or 'full'; got {record!r}.")
    limits.check("max_result_bytes", record_bytes(g, rounds or g.rounds, runs, record),
                 f"{runs} runs kept, record={record!r}, bytes")  # fmt: skip
    root = _root(seed)
    ov = check_overrides(g, overrides, runs)
    parts = map_chunks(
        _simulate_chunk,
        _BatchJob(g, rounds, root, record),
        runs,
        payload=ov or None,
        chunk_size=chunk_size,
        executor=executor,
        progress=progress,
        desc=desc,
        unit="run",
        live=True,
        size_of=len,
    )
    return concat_batches(parts)


def check_overrides(
    game: Game, overrides: Mapping[str, Any] | None, runs: int
) -> dict[str, NDArray[np.float64]]:
    """Validate per-run overrides before any work: known paths, (R,) finite values in range.

    Each path is checked with :func:`tariffsim.parampath.apply` at its
    smallest and largest value (every parameter's allowed set is an interval,
    so the values in between are allowed too).

    Returns
    -------
    dict of str to ndarray (R,)
        Read-only float copies.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ParameterError(
            f"`overrides` must be a mapping of parameter path to values; got {overrides!r}."
        )
    from ..parampath import apply

    out: dict[str, NDArray[np.float64]] = {}
    for path, vals in overrides.items():
        if not isinstance(path, str):
            raise ParameterError(f"`overrides`: keys must be parameter paths; got {path!r}.")
        arr = real_array(vals, f"overrides[{path!r}]")
        if arr.ndim == 0:
            arr = np.full(runs, float(arr))
        if arr.shape != (runs,):
            raise ParameterError(
                f"`overrides[{path!r}]` must have shape ({runs},) (one value per run); "
                f"got {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"`overrides[{path!r}]` must be finite; got a NaN or inf.")
        for v in {float(arr.min()), float(arr.max())}:
            apply(game, {path: v})
        arr.flags.writeable = False
        out[path] = arr
    return out
