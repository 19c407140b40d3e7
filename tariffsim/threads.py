"""Threads: a batch's runs split across cores.

The compiled payoff kernel (:mod:`tariffsim._decide_kernel`) computes each
run of a batch on its own, by the same scalar code, and releases the GIL.
A large call is therefore split into contiguous blocks of runs, one per
thread, and every run's numbers are the same bits whatever the number of
threads or where the blocks fall (each block's scratch is its own; what a
block reuses from one run for the next is keyed by the exact inputs).

- The number of threads is :func:`count`: the environment variable
  ``TARIFFSIM_THREADS`` (read at import; ``1`` turns threading off), else
  the CPUs this process may run on, at most :data:`MAX_DEFAULT`.
- :func:`limit` sets it for the calling thread within a ``with`` block.
  The chunks an ensemble, sweep or tournament sends to an executor run
  with one thread: the executor's workers are the parallelism there.
- :func:`for_parts` plays the parts of a large batch on threads at once
  (:func:`tariffsim.engine.simulate_batch` splits its runs into parts
  when every strategy of the game is one of tariffsim's own): each part
  is whole runs, played by the same code as alone, so the numbers are the
  same bits as on one thread; a part's own kernel calls stay on its thread.
- A call is split only when it has at least :data:`MIN_STATES` candidate
  states (runs times profiles), so that each thread has about ten
  milliseconds of work or more (about 1 µs per state against tens of µs to
  start a block): on the shared two-core machine the benchmarks ran on,
  splitting the engine's calls of a few milliseconds cost more CPU time than
  it saved.

Examples
--------
>>> from tariffsim import threads
>>> with threads.limit(1):
...     threads.count()
1
>>> seen = []
>>> threads.for_rows(lambda a, b: seen.append((a, b)), 10)
>>> seen  # too little work to split
[(0, 10)]
"""

from __future__ import annotations

import contextvars
import gc
import numbers
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from ._util import short_repr
from .errors import ParameterError

__all__ = [
    "ENV",
    "MAX_BLOCKS",
    "MAX_DEFAULT",
    "MIN_STATES",
    "PartStopped",
    "check_environment",
    "check_stop",
    "count",
    "for_parts",
    "for_rows",
    "gc_paused",
    "limit",
]

T = TypeVar("T")

ENV = "TARIFFSIM_THREADS"
"""Environment variable: the number of threads (a positive integer; ``1``: none)."""

MAX_DEFAULT = 8
"""Most threads used by default (more rarely pays for batches of this size)."""

MIN_STATES = 32768
"""Fewest candidate states (runs times profiles) of a call that is split across threads."""

MAX_BLOCKS = 64
"""Most blocks (threads) one call is split into, whatever the count asked for."""

_POOL = MAX_BLOCKS - 1


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _parse(value: str | None) -> int | None:
    """The thread count ``value`` names (None: not set); ParameterError for a bad one.

    ASCII digits only (surrounding blanks allowed), at least 1: ``" 3 "`` is
    3; ``"+2"``, ``"1_000"`` and ``"2.0"`` are refused (``int()`` would take
    the first two).
    """
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ParameterError(
            f"the environment variable {ENV} must be a positive integer; got {value!r}."
        )
    return int(text)


_ENV_VALUE = os.environ.get(ENV)
_local = threading.local()
_gc_lock = threading.Lock()
_gc_holds: list[int] = [0, 0]  # blocks open in this process, and whether they turned gc off
_pool: list[tuple[int, ThreadPoolExecutor]] = []  # (pid, pool): one pool per process
_pool_lock = threading.Lock()


def check_environment() -> None:
    """Raise if ``TARIFFSIM_THREADS`` is set to anything but a positive integer.

    Called when a simulation starts, whatever :func:`limit` says, so that a
    bad value is reported before any work, in this process and on an
    executor's workers alike.

    Raises
    ------
    ParameterError
        Naming the variable and the value.
    """
    _parse(_ENV_VALUE)


def count() -> int:
    """Threads a kernel call or a batch (:func:`for_parts`) of the calling thread may use.

    Returns
    -------
    int
        What :func:`limit` set for this thread, else ``TARIFFSIM_THREADS``,
        else the CPUs this process may run on (at most :data:`MAX_DEFAULT`).
        A call uses at most :data:`MAX_BLOCKS` of them.

    Raises
    ------
    ParameterError
        If ``TARIFFSIM_THREADS`` is set to anything but a positive integer.
    """
    env = _parse(_ENV_VALUE)
    n = getattr(_local, "n", None)
    if n is not None:
        return int(n)
    return env if env is not None else max(1, min(_cpus(), MAX_DEFAULT))


@contextmanager
def limit(n: int) -> Iterator[None]:
    """Use at most ``n`` threads for kernel calls and batches made by this thread in the block.

    Parameters
    ----------
    n : int
        A positive number of threads (``1``: every call on the calling thread).

    Raises
    ------
    ParameterError
        If ``n`` is not a positive integer (before the block runs).
    """
    if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral) or n < 1:
        raise ParameterError(f"`n` (threads) must be a positive integer; got {n!r}.")
    before = getattr(_local, "n", None)
    _local.n = int(n)
    try:
        yield
    finally:
        _local.n = before


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off within the block (as it was after the last one).

    A batch of tariffsim's own strategies makes many small objects that live
    as long as it plays (each run's agreements and notes), so the
    collector's full passes, which look at every object alive and hold the
    GIL while they do, ran several times a batch: about 0.2 s of an
    ensemble of 10,000 runs of ``us-china-145`` (3 s), during which the
    other threads' parts waited. Such a batch makes no reference cycles; the
    engine pauses the collector only for it (a strategy of yours may make
    cycles, which the collector must free as the batch plays). What other
    code makes in the meantime is collected once the collector is back on.

    Blocks may nest and be open on several threads at once: the collector is
    turned off by the first to open (if it was on) and back on by the last to
    close, so code that turned it off itself keeps it off; a
    ``gc.disable()`` made while a block is open is undone when the last one
    closes. A process forked while a block is open starts with the
    collector as it was before the block.

    Examples
    --------
    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    entered = 0  # the process that opened the block (a forked child closing it did not)
    try:
        with _gc_lock:
            if _gc_holds[0] == 0:
                _gc_holds[1] = int(gc.isenabled())
                gc.disable()
            _gc_holds[0] += 1
            entered = os.getpid()
        yield
    finally:
        if entered == os.getpid():
            with _gc_lock:
                _gc_holds[0] -= 1
                if _gc_holds[0] == 0 and _gc_holds[1]:
                    gc.enable()


def _gc_after_fork() -> None:
    """In a forked child: no block is open there (the blocks its parent's threads opened
    are theirs: closing one in the child changes nothing), so the collector is as it was
    before the first, and a new lock (the parent's may have been held)."""
    global _gc_lock
    _gc_lock = threading.Lock()
    if _gc_holds[0] and _gc_holds[1]:
        gc.enable()
    _gc_holds[:] = [0, 0]


if hasattr(os, "register_at_fork"):  # (not on Windows)
    os.register_at_fork(after_in_child=_gc_after_fork)


def _executor() -> ThreadPoolExecutor:
    """The process's pool (a new one in a forked child).

    One pool for every call, never resized or shut down while the process
    lives, so calls from several threads with different counts share it
    safely; its threads are started only as blocks wait for one (at most
    :data:`MAX_BLOCKS` - 1 blocks of a call are handed to it).
    """
    pid = os.getpid()
    with _pool_lock:
        if not _pool or _pool[0][0] != pid:
            _pool[:] = [(pid, ThreadPoolExecutor(_POOL, thread_name_prefix="tariffsim-kernel"))]
        return _pool[0][1]


def for_rows(fn: Callable[[int, int], object], rows: int, per_row: int = 1) -> None:
    """Call ``fn(a, b)`` on contiguous blocks ``[a, b)`` covering ``range(rows)``.

    The calling thread takes the first block and waits for the others, so
    every block is done on return. One block (``fn(0, rows)``) when
    :func:`count` is 1 or ``rows * per_row`` is below :data:`MIN_STATES`.

    Parameters
    ----------
    fn : callable
        Does the work of rows ``a`` to ``b - 1``; blocks must not depend on
        one another (they may run at the same time).
    rows : int
        Number of rows (runs).
    per_row : int, optional
        Candidate states per row (profiles), for the threshold.

    Raises
    ------
    Exception
        The first exception a block raised (after every block has ended).
    """
    n = min(count(), rows, MAX_BLOCKS)
    if n <= 1 or rows * per_row < MIN_STATES:
        fn(0, rows)
        return
    cuts = [rows * i // n for i in range(n + 1)]
    pool = _executor()
    futures = []
    try:
        for i in range(1, n):
            futures.append(pool.submit(fn, cuts[i], cuts[i + 1]))
        fn(cuts[0], cuts[1])
    finally:  # every block handed out has ended before this returns or raises
        errors = [f.exception() for f in futures]
    for e in errors:
        if e is not None:
            raise e


class PartStopped(Exception):
    """Raised by :func:`check_stop` in a part of :func:`for_parts` that is no longer wanted."""


_STOP: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "tariffsim_stop", default=None
)


def check_stop() -> None:
    """Give up the part of :func:`for_parts` this runs in if the others are being abandoned.

    Long work in a part calls this between steps (the engine, once a round):
    once another part has raised, or the caller of :func:`for_parts` was
    interrupted, it raises :class:`PartStopped` so the part's thread ends
    soon instead of finishing work nobody will read. Outside a part it does
    nothing.

    Raises
    ------
    PartStopped
        The part is no longer wanted.
    """
    stop = _STOP.get()
    if stop is not None and stop.is_set():
        raise PartStopped


def for_parts(
    fn: Callable[[int, int], T], parts: Sequence[tuple[int, int]], workers: int | None = None
) -> list[T]:
    """``[fn(a, b) for a, b in parts]``, computed on up to ``workers`` threads at once.

    Each call runs on a thread of its own under ``limit(1)`` (its kernel
    calls are not split again: the parts are the parallelism), in a copy of
    the caller's context (:func:`tariffsim.limits.override` and
    ``numpy.errstate`` in force there hold in every part), at most
    ``workers`` at a time (and :data:`MAX_BLOCKS`), started in the order
    given; the results come back in that order. With one worker or one
    part, the calls are made in turn on the calling thread.

    Parameters
    ----------
    fn : callable
        Does one part; parts must not depend on one another (they may run at
        the same time).
    parts : sequence of (int, int)
        The ``(a, b)`` arguments of each call.
    workers : int, optional
        Most calls at once, a positive integer (default :func:`count`).

    Returns
    -------
    list
        ``fn(a, b)`` per part, in the order of ``parts``.

    Raises
    ------
    ParameterError
        If ``workers`` is not a positive integer or ``parts`` not a sequence
        of pairs (before any part runs).
    BaseException
        What the first part (in order) that raised raised, once every part
        that had started has ended; once a part has raised, no other starts,
        and those running stop at their next :func:`check_stop`.
        An interrupt of the calling thread (``KeyboardInterrupt``) while it
        waits is raised at once: no part starts after it, and the parts
        running end at their next :func:`check_stop`.

    Examples
    --------
    >>> for_parts(lambda a, b: sum(range(a, b)), [(0, 3), (3, 6)], workers=2)
    [3, 12]
    """
    if workers is None:
        workers = count()
    elif (
        isinstance(workers, bool | np.bool_)
        or not isinstance(workers, numbers.Integral)
        or workers < 1
    ):
        raise ParameterError(f"`workers` must be a positive integer; got {workers!r}.")
    try:
        parts = [(a, b) for a, b in parts]
    except (TypeError, ValueError):
        raise ParameterError(
            f"`parts` must be a sequence of (a, b) pairs; got {short_repr(parts)}."
        ) from None
    n = min(int(workers), len(parts), MAX_BLOCKS)
    if n <= 1:
        return [fn(a, b) for a, b in parts]
    stop = threading.Event()  # set when a part has raised or the caller was interrupted

    def one(a: int, b: int) -> tuple[bool, Any]:
        if stop.is_set():
            return False, None  # not started
        try:
            with limit(1):
                return True, fn(a, b)
        except BaseException:
            stop.set()
            raise

    def context() -> contextvars.Context:
        """A copy of the caller's context (its limits, NumPy's error state) for one part."""
        ctx = contextvars.copy_context()
        ctx.run(_STOP.set, stop)  # the part's check_stop reads this batch's flag
        return ctx

    pool = ThreadPoolExecutor(n, thread_name_prefix="tariffsim-runs")
    try:
        futures = [pool.submit(context().run, one, a, b) for a, b in parts]
        wait(futures)
    except BaseException:  # the caller interrupted: return at once; running parts stop soon
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    errors = [f.exception() for f in futures]  # every part has ended or was never started
    for e in errors:  # the first part that failed, not one that stopped because of it
        if e is not None and not isinstance(e, PartStopped):
            raise e
    return [f.result()[1] for f in futures]
