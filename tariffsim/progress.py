"""Progress bars for long work (ensembles, sweeps, tournaments, solvers).

One function, :func:`progress_bar`, used by everything in tariffsim that can
run for more than a second. It wraps ``tqdm.auto`` (a widget in Jupyter, text
on a terminal) and is decided once per call by :func:`progress_enabled`:

- ``progress=False`` (or the environment variable ``TARIFFSIM_PROGRESS=0``)
  turns it off;
- ``progress=True`` turns it on, wherever the output goes;
- ``progress=None`` (the default) shows a bar only in interactive work: when
  standard error is a terminal or the code runs in a Jupyter kernel, and never
  while pytest runs a test (``PYTEST_CURRENT_TEST`` is set).

Even when enabled, a bar appears only once the work has taken
:data:`DELAY` seconds, so short calls stay silent. tqdm is imported on first
use; if it is missing, there is simply no bar.

Examples
--------
>>> from tariffsim.progress import progress_bar
>>> with progress_bar(3, desc="demo", enabled=False) as bar:
...     for _ in range(3):
...         bar.update(1)
>>> bar.n
3
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = ["DELAY", "ENV", "counting_runs", "progress_bar", "progress_enabled", "runs_counter"]

ENV = "TARIFFSIM_PROGRESS"
"""Environment variable: ``0`` (or ``false``, ``no``, ``off``) turns every bar off."""

DELAY = 1.0
"""Seconds of work before a bar is drawn (shorter work never shows one)."""


def _in_notebook() -> bool:
    ip = sys.modules.get("IPython")
    if ip is None:
        return False
    try:
        shell = ip.get_ipython()
    except Exception:  # pragma: no cover - defensive
        return False
    # a kernel's shell, or one derived from it (Colab's)
    return shell is not None and any(
        c.__name__ == "ZMQInteractiveShell" for c in type(shell).__mro__
    )


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether a call with ``progress=`` should show a bar.

    Parameters
    ----------
    progress : bool or None
        ``True``/``False`` force it (the environment variable still turns bars
        off); ``None`` decides from the context (interactive, not under pytest).

    Returns
    -------
    bool

    Raises
    ------
    ParameterError
        If ``progress`` is not a bool or None.

    Examples
    --------
    >>> progress_enabled(False)
    False
    """
    if progress is not None and not isinstance(progress, bool | np.bool_):
        raise ParameterError(f"`progress` must be True, False or None; got {progress!r}.")
    progress = None if progress is None else bool(progress)
    if os.environ.get(ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    if progress is not None:
        return progress
    if os.environ.get("PYTEST_CURRENT_TEST"):
        return False
    try:
        tty = sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty or _in_notebook()


class _Bar:
    """A progress counter that draws through tqdm when enabled."""

    def __init__(
        self, total: int | None, desc: str, unit: str, enabled: bool, fractional: bool = False
    ) -> None:
        self.n: float = 0
        self.total = total
        self._bar: Any = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # pragma: no cover - tqdm is a dependency
                return
            fmt = None
            if fractional:  # counts in parts of a unit: two decimals, not 0.0028344671201814
                fmt = (
                    "{desc}: {n:.2f} {unit} [{elapsed}, {rate_fmt}{postfix}]"
                    if total is None
                    else "{l_bar}{bar}| {n:.2f}/{total_fmt} [{elapsed}<{remaining}, "
                    "{rate_fmt}{postfix}]"
                )
            self._bar = tqdm(
                total=total, desc=desc, unit=unit, delay=DELAY, leave=False, dynamic_ncols=True,
                bar_format=fmt,
            )  # fmt: skip

    @property
    def drawing(self) -> bool:
        """True if a tqdm bar is attached."""
        return self._bar is not None

    def update(self, k: float = 1) -> None:
        """Count ``k`` more units of work done (a fraction counts part of a unit)."""
        self.n += k
        if self._bar is not None:
            self._bar.update(k)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> _Bar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def progress_bar(
    total: int | None,
    *,
    desc: str = "",
    unit: str = "it",
    enabled: bool | None = None,
    fractional: bool = False,
) -> _Bar:
    """A progress bar over ``total`` units of work (a context manager).

    Parameters
    ----------
    total : int or None
        Units of work expected (runs, matches); None when unknown (solver
        sweeps until convergence): the bar then counts and shows the rate.
    desc : str
        Label shown before the bar.
    unit : str
        Name of one unit ("run", "match", "iteration").
    enabled : bool or None
        Passed through :func:`progress_enabled`.
    fractional : bool, default False
        The count moves in parts of a unit (a solver's sweep as its states
        finish): shown with two decimals.

    Returns
    -------
    object
        With ``update(k)``, ``close()``, ``n`` (units counted) and use as a
        context manager.
    """
    total = None if total is None else int(total)
    return _Bar(total, desc, unit, progress_enabled(enabled), fractional)


_RUNS_DONE: ContextVar[Callable[[int], None] | None] = ContextVar(
    "tariffsim_runs_done", default=None
)


@contextmanager
def counting_runs(advance: Callable[[int], None] | None) -> Iterator[None]:
    """Count the runs a batch finishes inside the block with ``advance(k)``.

    A chunk of an ensemble is one call of
    :func:`tariffsim.engine.simulate_batch`; with a counter in force, that
    call reports its runs as they progress, round by round (``advance(k)``:
    ``k`` more runs' worth done, possibly from the threads its parts are
    played on; the total over the call is its number of runs), so a bar over
    runs moves within a chunk too. ``None`` turns counting off inside the
    block (the batches a batch plays in turn, such as the talks'
    look-aheads, are not counted).

    Examples
    --------
    >>> done = []
    >>> def count(k):
    ...     done.append(k)
    >>> with counting_runs(count):
    ...     runs_counter() is count
    True
    >>> runs_counter() is None
    True
    """
    token = _RUNS_DONE.set(advance)
    try:
        yield
    finally:
        _RUNS_DONE.reset(token)


def runs_counter() -> Callable[[int], None] | None:
    """The counter set by :func:`counting_runs` in this context, or None."""
    return _RUNS_DONE.get()
