"""Safe input and output: atomic writes, output names, escaping, reading inputs.

Every file tariffsim writes goes through this module:

- :func:`atomic_write` / :func:`atomic_save_figure` write to a *unique*
  temporary file in the target folder (``.<name>.tsim<pid>-<random>.tmp``), flush it to
  disk and rename it over the target (:func:`os.replace`, atomic on POSIX and
  Windows): a reader sees the old file or the new one, never a partial one,
  and two processes writing into one folder never share a temporary file.
- :class:`OutputGroup` stages several files (a run's CSV, JSON and PNGs) and
  commits them together: nothing appears until every file is complete; the
  renames then run back to back under a folder lock with SIGINT/SIGTERM
  blocked, so one run's outputs appear together and concurrent runs into one
  folder never interleave. If the process is stopped (exception, SIGINT,
  SIGTERM) before the commit, the temporary files are removed. A temporary
  file left by a process that was killed outright (``SIGKILL``, a crash) is
  removed by the next write into that folder once its process is gone and the
  file is older than :data:`STALE_AFTER` seconds (see :func:`sweep_stale`).
- :func:`slug` turns text from a file (a scenario name) into a safe file stem
  and :func:`output_path` checks that the result stays inside the output
  folder: a scenario cannot name a path.
- :func:`term_escape` and :func:`csv_cell` make text from files safe for a
  terminal (no escape sequences) and for spreadsheets (no formulas).
- :func:`read_text_input` reads a user's file within the size limit and
  decodes it strictly, raising tariffsim errors.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path as FsPath
from types import TracebackType
from typing import IO, Any, TypeVar, cast

from . import limits
from ._util import short_repr
from .errors import (
    LimitError,
    MissingExtraError,
    OutputError,
    ParameterError,
    ScenarioError,
    TariffsimError,
)

__all__ = [
    "STALE_AFTER",
    "OutputGroup",
    "atomic_file",
    "atomic_save_figure",
    "atomic_savez",
    "atomic_write",
    "csv_cell",
    "input_boundary",
    "output_path",
    "read_text_input",
    "reading",
    "slug",
    "sweep_stale",
    "term_escape",
]


# -- atomic writes -----------------------------------------------------------------------
def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


_MODE = 0o666 & ~_umask()  # what open() would give a new file (mkstemp gives 0600)


STALE_AFTER = 3600.0
"""Seconds after which a dead process's temporary file may be removed (1 hour).

The age guard keeps a sweep from touching a file that a process on *another*
machine is still writing into a shared (network) folder, where this machine
cannot see that process.
"""

_TEMP_RE = re.compile(r"^\..+\.tsim(?P<pid>[0-9]+)-[^.]+\.tmp(?:\.[^.]*)?$")


def _temp_prefix(target: FsPath) -> str:
    return f".{target.name[:80]}.tsim{os.getpid()}-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: existence check only (POSIX)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists but belongs to someone else
        return True
    return True


def sweep_stale(folder: str | os.PathLike[str], *, older_than: float = STALE_AFTER) -> list[FsPath]:
    """Remove tariffsim temporary files in ``folder`` left by killed processes.

    A temporary file (``.<name>.tsim<pid>-<random>.tmp[.<suffix>]``) is removed
    when the process ``pid`` no longer exists on this machine *and* the file
    was last modified more than ``older_than`` seconds ago. Files of live
    processes, young files, and every other file are left alone. Called by
    every write (:func:`atomic_write`, :func:`atomic_save_figure`,
    :class:`OutputGroup`); a no-op off POSIX, where a process cannot be
    probed without side effects.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder to sweep; a missing folder is a no-op.
    older_than : float, default :data:`STALE_AFTER` (3600 s)
        Minimum age in seconds (file modification time) of a removed file.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) terminates on Windows
        return []
    removed: list[FsPath] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None or int(m["pid"]) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime <= older_than:
                continue
            if _process_alive(int(m["pid"])):
                continue
            os.unlink(entry.path)
            removed.append(FsPath(entry.path))
    return removed


def _temp_for(target: FsPath) -> tuple[int, FsPath]:
    fd, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, _MODE)
    return fd, FsPath(name)


def _fill(fd: int, tmp: FsPath, write: Callable[[IO[bytes]], Any]) -> None:
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _staged(target: FsPath, write: Callable[[IO[bytes]], Any]) -> FsPath:
    try:
        fd, tmp = _temp_for(target)
        _fill(fd, tmp, write)
    except OSError as e:  # (a full disk: the temporary file is removed)
        raise _not_written(target, e) from None
    return tmp


def _staged_by_path(target: FsPath, write: Callable[[str], Any]) -> FsPath:
    """A complete temporary file next to ``target``, written by ``write(temp_path)``.

    The temporary path ends with the target's suffix (``.nc``, ``.npz``), so
    writers that pick a format or add a suffix from the name behave.
    """
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=_temp_prefix(target), suffix=f".tmp{target.suffix}", dir=target.parent
        )
    except OSError as e:
        raise _not_written(target, e) from None
    os.close(fd)
    tmp = FsPath(tmp_name)
    try:
        write(str(tmp))
        if hasattr(os, "chmod"):
            os.chmod(tmp, _MODE)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError) and not isinstance(e, TariffsimError):
            raise _not_written(target, e) from None
        raise
    return tmp


def atomic_file(path: str | os.PathLike[str], write: Callable[[str], Any]) -> FsPath:
    """Write ``path`` atomically with ``write(temp_path)`` (for writers that need a path).

    As :func:`atomic_write`: ``path`` is never seen half-written and an
    existing file is replaced only by a complete one; an error or Ctrl-C in
    ``write`` leaves ``path`` as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = atomic_file(pathlib.Path(d, "a.txt"), lambda t: pathlib.Path(t).write_text("hi"))
    ...     p.read_text(), sorted(x.name for x in pathlib.Path(d).iterdir())
    ('hi', ['a.txt'])
    """
    target = _target(path)
    sweep_stale(target.parent)
    return _into_place(_staged_by_path(target, write), target)


def is_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an existing regular file; False, never an error, for a path the
    system cannot look at (a NUL byte, a name too long, no permission on the way).

    >>> is_file("x" * 5000), is_file("a" + chr(0) + "b")
    (False, False)
    """
    try:
        return FsPath(path).is_file()
    except (OSError, ValueError):
        return False


def exists(path: str | os.PathLike[str]) -> bool:
    """Whether anything is at ``path`` (following links); False, never an error, as
    :func:`is_file`."""
    try:
        return FsPath(path).exists()
    except (OSError, ValueError):
        return False


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an existing folder; False, never an error, as :func:`is_file`."""
    try:
        return FsPath(path).is_dir()
    except (OSError, ValueError):
        return False


def _target(path: Any, arg: str = "file") -> FsPath:
    """``path`` as the file an atomic write replaces, checked before anything is written.

    Raises
    ------
    ParameterError
        For something else than a path, a path whose folder does not exist,
        or a folder; the message names the caller's argument ``arg``.
    """
    if not isinstance(path, str | os.PathLike) or str(path) in ("", ".") or "\x00" in str(path):
        raise ParameterError(f"`{arg}` must be a file path; got {short_repr(path)}.")
    target = FsPath(path)
    shown = short_repr(str(path))
    if len(os.fsencode(target.name)) > 255:
        raise ParameterError(f"`{arg}` {shown}: the file name is too long (255 bytes at most).")
    try:
        folder = target.parent.is_dir()
        kind = target.stat().st_mode if target.exists() else None
    except OSError as e:  # a path the system cannot look at (too long, no permission, ...)
        raise ParameterError(f"`{arg}` {shown}: {e.strerror or e}.") from None
    if not folder:
        raise ParameterError(
            f"`{arg}` {shown}: no folder {short_repr(str(target.parent))} to write in."
        )
    if kind is not None and stat.S_ISDIR(kind):
        raise ParameterError(f"`{arg}` {shown} is a folder; give a file path in it.")
    if kind is not None and not stat.S_ISREG(kind):  # a device, a pipe, a socket
        raise ParameterError(f"`{arg}` {shown} exists and is not a regular file; it is left alone.")
    try:  # the folder takes a file: the same temporary file the write will make, removed
        fd, probe = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise ParameterError(f"`{arg}` {shown}: cannot write there ({e.strerror or e}).") from None
    os.close(fd)
    os.unlink(probe)
    return target


def _into_place(tmp: FsPath, target: FsPath) -> FsPath:
    """Rename the complete temporary file ``tmp`` over ``target`` (removing it if that fails:
    an :class:`~tariffsim.errors.OutputError` naming ``target``)."""
    try:
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise _not_written(target, e) from None
        raise
    return target


def _not_written(target: FsPath, e: OSError, more: str = "") -> OutputError:
    """The error of a file ``target`` the system would not write or put in place (``more``:
    what else the reader must be told)."""
    err = OutputError(f"could not write {str(target)!r}: {e.strerror or e}{more}")
    err.errno, err.strerror, err.filename = e.errno, e.strerror, str(target)
    return err


def _kept_copy(target: FsPath) -> FsPath | None:
    """A hidden copy of ``target`` in its folder (a hard link where the file system has them,
    else a copy), for putting it back; None where there is no file ``target`` or it can be
    neither linked nor read (it is then replaced without one, as before there were copies).
    Named as the temporary files are, so that :func:`sweep_stale` removes one a killed
    process left."""
    if not target.is_file():
        return None
    try:
        fd, name = tempfile.mkstemp(
            prefix=_temp_prefix(target), suffix=".tmp.old", dir=target.parent
        )
    except OSError:
        return None
    os.close(fd)
    copy = FsPath(name)
    try:
        os.unlink(copy)
        try:
            os.link(target, copy)
        except OSError:  # (no hard links here, or the file may not be linked)
            shutil.copy2(target, copy)
    except BaseException as e:
        with contextlib.suppress(OSError):
            copy.unlink()
        if isinstance(e, OSError):
            return None
        raise
    return copy


def atomic_netcdf(
    path: str | os.PathLike[str], ds: Any, arg: str = "file", **kwargs: Any
) -> FsPath:
    """``ds.to_netcdf`` (an ``xarray.Dataset``, engine h5netcdf) to exactly ``path``,
    atomically (as :func:`atomic_write`); a bad ``path`` is a ParameterError naming the
    caller's argument ``arg``, before the file is built.

    The file is built in memory and written as bytes: a full disk is then a plain
    ``OSError`` from the write (HDF5 writing to a full disk failed inside its own
    file handling, and its clean-up could crash the interpreter). A Ctrl-C while it
    is built raises KeyboardInterrupt before anything is written, even one that
    landed in a callback of h5py's, which ignores it.
    """
    import io

    _target(path, arg)
    buf = io.BytesIO()
    seen = interrupt_count()
    try:
        with term_as_interrupt():  # (counted: h5py may swallow the KeyboardInterrupt itself)
            ds.to_netcdf(buf, engine="h5netcdf", **kwargs)
    except (TypeError, ValueError, NotImplementedError):  # an xarray that writes no buffer
        return atomic_file(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", **kwargs))
    if interrupt_count() > seen:  # a Ctrl-C that landed in one of h5py's callbacks, lost
        raise KeyboardInterrupt
    return atomic_write(path, buf.getvalue(), arg)


def atomic_savez(path: str | os.PathLike[str], arrays: Mapping[str, Any]) -> FsPath:
    """``numpy.savez_compressed`` of ``arrays`` to exactly ``path``, atomically (as
    :func:`atomic_file`)."""

    import numpy as np

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:  # a file object: numpy adds no ".npz" to the name
            np.savez_compressed(fh, **arrays)

    return atomic_file(path, write)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, arg: str = "path") -> FsPath:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; return the path.

    The data goes to a unique temporary file next to ``path`` which is then
    renamed over it, so ``path`` is never seen half-written, an existing file
    is replaced only by a complete one, and concurrent writers never collide.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tariffsim._io import atomic_write
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = atomic_write(pathlib.Path(d, "a.txt"), "hello")
    ...     p.read_text(), sorted(x.name for x in pathlib.Path(d).iterdir())
    ('hello', ['a.txt'])

    A bad ``path`` is a ParameterError naming the caller's argument ``arg``.
    """
    target = _target(path, arg)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    sweep_stale(target.parent)
    return _into_place(_staged(target, lambda fh: fh.write(raw)), target)


def _figure_writer(fig_or_ax: Any, fmt: str, dpi: int) -> Callable[[IO[bytes]], Any]:
    fig = getattr(fig_or_ax, "figure", fig_or_ax)

    def write(fh: IO[bytes]) -> None:
        fig.savefig(fh, format=fmt, dpi=dpi, bbox_inches="tight")

    return write


def atomic_save_figure(fig_or_ax: Any, path: str | os.PathLike[str], *, dpi: int = 120) -> FsPath:
    """Save a matplotlib Figure (or an Axes' figure) to ``path`` atomically.

    The format follows the suffix (``.png`` by default); see :func:`atomic_write`.
    """
    target = _target(path, "path")
    fmt = target.suffix.lstrip(".").lower() or "png"
    sweep_stale(target.parent)
    return _into_place(_staged(target, _figure_writer(fig_or_ax, fmt, dpi)), target)


_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s
)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Block SIGINT/SIGTERM in this thread (POSIX); a no-op elsewhere."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or not _SIGNALS:
        yield
        return
    old = mask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _folder_lock(folder: FsPath) -> Iterator[None]:
    """An exclusive lock on ``folder`` shared by tariffsim processes (POSIX ``flock``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: renames are still atomic one by one
        yield
        return
    fd = os.open(folder, os.O_RDONLY)  # lock the folder itself: no lock file left behind
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _put_back(done: Sequence[tuple[FsPath, FsPath | None, bool]]) -> str:
    """Undo a group's commit whose last step (of ``done``'s last file) failed: each file
    of ``done`` (file, its kept copy, whether it existed) back as it was, last first.
    Returns what the error must add: the old files that could not be put back (a copy that
    cannot be renamed stays, and is named)."""
    lost: list[str] = []
    for k, (path, copy, existed) in enumerate(reversed(done)):
        if k == 0:  # the step that failed changed nothing: its copy goes
            if copy is not None:
                with contextlib.suppress(OSError):
                    copy.unlink()
        elif copy is not None:
            try:
                os.replace(copy, path)
            except OSError:
                lost.append(f"the old {str(path)!r} is kept as {str(copy)!r}")
        elif not existed:
            with contextlib.suppress(OSError):
                path.unlink()
        else:  # (it could be neither linked nor read: replaced without a copy)
            lost.append(f"the old {str(path)!r} could not be kept")
    return "; " + "; ".join(lost) if lost else ""


class OutputGroup:
    """Files that appear together or not at all (a run's outputs).

    Use as a context manager: :meth:`text` and :meth:`figure` stage complete
    files as unique temporary files in ``folder``; leaving the block without
    an error renames them all into place (under a lock on the folder, with
    SIGINT/SIGTERM blocked, so concurrent runs never interleave and an
    interrupt cannot split the group); leaving it by an exception, Ctrl-C or
    SIGTERM removes them. Only ``SIGKILL`` or a power cut during the few
    renames can split a group.

    Parameters
    ----------
    folder : str or os.PathLike
        Output folder; created if missing. Must not be empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tariffsim._io import OutputGroup
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with OutputGroup(d) as out:
    ...         _ = out.text("run.csv", "a,b\\n")
    ...         _ = out.text("run.json", "{}")
    ...     sorted(p.name for p in pathlib.Path(d).iterdir() if not p.name.startswith("."))
    ['run.csv', 'run.json']
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        if str(folder) == "":
            raise ParameterError("output folder must not be empty; got ''.")
        self.folder = FsPath(folder)
        self._staged: list[tuple[FsPath, FsPath]] = []
        self._superseded: list[FsPath] = []
        self.written: list[FsPath] = []
        self.removed: list[FsPath] = []
        self._term = contextlib.ExitStack()
        self._interrupts = 0

    def __enter__(self) -> OutputGroup:
        if self.folder.exists() and not self.folder.is_dir():
            raise ParameterError(f"output folder {str(self.folder)!r} exists and is not a folder.")
        self.folder.mkdir(parents=True, exist_ok=True)
        sweep_stale(self.folder)
        # SIGTERM unwinds like Ctrl-C, so the staged files are removed
        self._term.enter_context(term_as_interrupt())
        self._interrupts = interrupt_count()
        return self

    def _target(self, name: str) -> FsPath:
        (target,) = check_outputs(self.folder, name)
        if any(t == target for t, _ in self._staged):
            raise ParameterError(f"output {name!r} is staged twice.")
        return target

    def text(self, name: str, data: str | bytes) -> FsPath:
        """Stage a text (UTF-8) or bytes file ``name`` in the folder; return its final path."""
        target = self._target(name)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._staged.append((target, _staged(target, lambda fh: fh.write(raw))))
        return target

    def figure(self, name: str, fig_or_ax: Any, *, dpi: int = 120) -> FsPath:
        """Stage a matplotlib figure as file ``name`` (format from its suffix)."""
        target = self._target(name)
        fmt = target.suffix.lstrip(".").lower() or "png"
        self._staged.append((target, _staged(target, _figure_writer(fig_or_ax, fmt, dpi))))
        return target

    def file(self, name: str, write: Callable[[str], Any]) -> FsPath:
        """Stage file ``name`` written by ``write(temp_path)`` (for writers that need a path).

        The temporary path ends with the target's suffix (``.nc``, ``.npz``), so
        writers that pick a format or add a suffix from the name behave.
        """
        target = self._target(name)
        tmp = _staged_by_path(target, write)
        self._staged.append((target, tmp))
        return target

    def supersede(self, *names: str) -> None:
        """Files ``names`` of another set of this group's kind (another mode's data file):
        removed when the group is committed, in the same step, unless staged, so that the
        folder holds one set and never a mix of two."""
        self._superseded += [output_path(self.folder, n) for n in names]

    def commit(self) -> list[FsPath]:
        """Rename every staged file into place and remove the superseded ones (called on
        leaving the block), all or none.

        Each file replaced or removed is first kept as a hidden copy (where it can be linked
        or read); if the system refuses one step (a file that may not be replaced, a full
        disk), the files done are put back as they were, the staged files removed, and an
        :class:`~tariffsim.errors.OutputError` names the file (and any old file that could
        not be put back, and where its copy is).
        """
        staged = {t for t, _ in self._staged}
        done: list[tuple[FsPath, FsPath | None, bool]] = []  # (file, its copy, it existed)
        at = self.folder
        with _signals_blocked(), _folder_lock(self.folder):
            try:
                for target, tmp in self._staged:
                    at = target
                    done.append((target, _kept_copy(target), target.is_file()))
                    os.replace(tmp, target)
                for old in self._superseded:
                    if old not in staged and old.is_file():
                        at = old
                        done.append((old, _kept_copy(old), True))
                        old.unlink()
            except OSError as e:
                more = _put_back(done)
                self.discard()
                raise _not_written(at, e, more) from None
            for _, copy, _ in done:  # (before the signals are let through: none is left)
                if copy is not None:
                    with contextlib.suppress(OSError):
                        copy.unlink()
            self.written += [t for t, _ in self._staged]
            self.removed += [p for p, _, _ in done if p not in staged]
            self._staged = []
        return self.written

    def discard(self) -> None:
        """Remove every staged temporary file."""
        for _, tmp in self._staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._staged = []

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None and interrupt_count() > self._interrupts:
                self.discard()  # an interrupt whose exception was lost on the way
                raise KeyboardInterrupt("interrupted before the files were written")
            if exc_type is None:
                self.commit()
            else:
                self.discard()
        finally:
            self._term.close()


_INTERRUPTS: list[int] = []
"""Every SIGINT/SIGTERM :func:`term_as_interrupt` turned into a KeyboardInterrupt. The
exception can be lost — raised where Python ignores exceptions (a weak reference's or a
finalizer's callback), or turned into another error by a library importing at that moment —
the request is not: :func:`interrupt_count` tells whether one came."""


def _raise_interrupt(signum: int, frame: Any) -> None:
    _INTERRUPTS.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_signal(since: int) -> int | None:
    """The signal of the last interrupt :func:`term_as_interrupt` turned into a
    KeyboardInterrupt after ``since`` of them (an :func:`interrupt_count` reading), or None
    (none came since: a Ctrl-C Python itself raised)."""
    return _INTERRUPTS[-1] if len(_INTERRUPTS) > since else None


def interrupt_count() -> int:
    """How many interrupts :func:`term_as_interrupt` has turned into KeyboardInterrupt so far
    (compare two readings: one came between them, whether or not its exception was lost)."""
    return len(_INTERRUPTS)


@contextlib.contextmanager
def term_as_interrupt() -> Iterator[None]:
    """Inside, ``SIGTERM`` raises KeyboardInterrupt, so the work unwinds as on Ctrl-C.

    Only in the main thread. ``SIGTERM`` only where it has its default action,
    ``SIGINT`` only where it has Python's (an outer handler, such as the
    command's own, is left in place); each such interrupt is also counted
    (:func:`interrupt_count`).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken: list[tuple[int, Any]] = []
    for name, default in (("SIGTERM", signal.SIG_DFL), ("SIGINT", signal.default_int_handler)):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) in (default, None):
            taken.append((sig, signal.signal(sig, _raise_interrupt)))
    try:
        yield
    finally:
        for sig, old in reversed(taken):
            signal.signal(sig, old)


# -- names and paths -----------------------------------------------------------------------
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip


def slug(text: Any, *, default: str = "scenario", max_len: int = 64) -> str:
    """A safe file stem from any text: ASCII letters, digits, ``.``, ``_``, ``-``.

    Separators (``/``, ``\\``), ``..``, leading dots, control characters and
    Windows device names cannot survive, so the stem never names another
    folder or a hidden file. Empty results become ``default``.

    Examples
    --------
    >>> from tariffsim._io import slug
    >>> slug("us-china-145"), slug("../../etc/passwd"), slug("/abs/x"), slug("É t\\x1b[31m")
    ('us-china-145', 'etc-passwd', 'abs-x', 'E-t-31m')
    >>> slug(""), slug(".."), slug("CON")
    ('scenario', 'scenario', 'CON_')
    """
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    s = _UNSAFE.sub("-", s)
    s = re.sub(r"\.{2,}", ".", s)
    s = s.strip(".-_ ")[:max_len].strip(".-_ ")
    if not s:
        return default
    if s.split(".")[0].lower() in _RESERVED:
        s += "_"
    return s


def check_outputs(folder: str | os.PathLike[str], *names: str) -> list[FsPath]:
    """The paths of files ``names`` in ``folder``, refusing one that exists and is not a
    regular file (a folder, a device): what :class:`OutputGroup` would refuse when staging
    it, asked before the work that makes the files.

    Raises
    ------
    ParameterError
        For a name :func:`output_path` refuses, or a path in the way.
    """
    out = []
    for name in names:
        target = output_path(folder, name)
        if target.exists() and not target.is_file():
            raise ParameterError(
                f"output {str(target)!r} exists and is not a regular file; it is left alone."
            )
        out.append(target)
    return out


def output_path(folder: str | os.PathLike[str], name: str) -> FsPath:
    """``folder / name``, refusing any ``name`` that is not a plain file name in ``folder``.

    Raises
    ------
    ParameterError
        If ``name`` contains a separator, is ``.``/``..``/empty, or resolves
        outside ``folder``.
    """
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or os.sep in name
        or (os.altsep is not None and os.altsep in name)
    ):
        raise ParameterError(f"output name must be a plain file name; got {name!r}.")
    base = FsPath(folder)
    target = base / name
    if target.resolve().parent != base.resolve():
        raise ParameterError(f"output {name!r} would be written outside {str(base)!r}.")
    return target


# -- escaping -------------------------------------------------------------------------------
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def term_escape(text: Any, *, keep_newlines: bool = True) -> str:
    """Text safe to print on a terminal: control and bidi characters made visible.

    ESC (so every ANSI/OSC escape sequence), other C0/C1 controls, DEL, the
    bidirectional-override characters and lone surrogates (a file name's bytes that
    are not UTF-8) are shown as ``\\x1b``, ``\\u202e``, ``\\udcff``…;
    newlines (if ``keep_newlines``) and tabs stay.

    Examples
    --------
    >>> from tariffsim._io import term_escape
    >>> term_escape("red \\x1b[31mX\\x1b[0m")
    'red \\\\x1b[31mX\\\\x1b[0m'
    """
    out = []
    for ch in str(text):
        o = ord(ch)
        if (ch == "\n" and keep_newlines) or ch == "\t":
            out.append(ch)
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append(f"\\x{o:02x}")
        elif ch in _BIDI or 0xD800 <= o < 0xE000:  # (lone surrogates: bytes of a file
            out.append(f"\\u{o:04x}")  # name that are not UTF-8, which no stream encodes)
        else:
            out.append(ch)
    return "".join(out)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs as a formula.

    Strings starting with ``=``, ``+``, ``-``, ``@``, ``|``, ``%``, a tab or a
    carriage return get a leading ``'`` (the OWASP rule), unless they are a
    plain number such as ``-0.5``. Other values pass through.

    Examples
    --------
    >>> from tariffsim._io import csv_cell
    >>> csv_cell("=HYPERLINK(1)"), csv_cell("-0.5"), csv_cell("US 10%"), csv_cell(3.0)
    ("'=HYPERLINK(1)", '-0.5', 'US 10%', 3.0)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


# -- reading inputs --------------------------------------------------------------------------
def read_text_input(
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    kind: str = "scenario",
    limit: str = "max_file_bytes",
) -> str:
    """Read a user's text file: within ``limits.max_file_bytes`` (or the limit named by
    ``limit``, ``"max_record_bytes"`` for a path record), strict UTF-8.

    ``kind`` names what the file holds in the error (``"scenario"``,
    ``"observed record"``, ``"path file"``).

    Raises
    ------
    LimitError
        If the file is larger than the limit (checked before reading it).
    ScenarioError
        If it is not UTF-8 or cannot be read.
    """
    p = FsPath(path)
    src = source or str(p)
    cap = int(getattr(limits.current(), limit))
    try:
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > cap:
                raise LimitError(limits.message(limit, size, f"file {src!r}"))
            raw = _read_at_most(fh, cap + 1)
    except OSError as e:
        problem = f"cannot read the file: {e.strerror or e}"
        raise ScenarioError([problem], source=src, kind=kind) from None
    if len(raw) > cap:  # grew while reading, or a pipe/device
        raise LimitError(limits.message(limit, len(raw), f"file {src!r}"))
    try:
        return raw.decode("utf-8-sig")  # (a byte-order mark, as some editors write, is dropped)
    except UnicodeDecodeError as e:
        raise ScenarioError(
            [f"not UTF-8 text: byte {raw[e.start]:#04x} at offset {e.start}"],
            source=src,
            kind=kind,
        ) from None


def _read_at_most(fh: Any, n: int) -> bytes:
    """Up to ``n`` bytes of ``fh``, read in blocks: ``fh.read(n)`` reserves ``n`` bytes at
    once, so a limit raised to a terabyte made a 300-byte file a MemoryError (and past
    ``sys.maxsize`` an OverflowError)."""
    parts: list[bytes] = []
    left = n
    while left > 0:
        block = fh.read(min(left, 1 << 20))
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


# -- public entry points -------------------------------------------------------------------------
_F = TypeVar("_F", bound=Callable[..., Any])

_FOREIGN_INPUT_ERRORS: tuple[type[BaseException], ...] = (
    UnicodeError,
    RecursionError,
    OverflowError,
)


@contextlib.contextmanager
def reading(what: str, file: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Read a file tariffsim wrote: any foreign error inside (missing, a folder, not the
    format, truncated, values of the wrong kind) becomes a
    :class:`~tariffsim.errors.ParameterError` saying ``what`` and the error; tariffsim's own
    errors pass through. With ``file`` (the path read), a file that is not there, a folder
    or one that may not be read is said to be so instead.

    >>> with reading("`file` 'x.npz' is not a summary"):  # doctest: +ELLIPSIS
    ...     open("/nonexistent/x.npz")
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: `file` 'x.npz' is not a summary (FileNotFoundError: ...).
    >>> with reading("`file` 'x.npz' is not a summary", "x.npz"):
    ...     open("/nonexistent/x.npz")
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: `file` 'x.npz' does not exist.
    """
    try:
        yield
    except TariffsimError:
        raise
    except Exception as e:
        why = _NOT_READABLE.get(type(e)) if file is not None else None
        if why is not None:
            raise ParameterError(f"`file` {short_repr(str(file))} {why}.") from None
        raise ParameterError(f"{what} ({type(e).__name__}: {short_repr(str(e))}).") from None


_NOT_READABLE: dict[type[BaseException], str] = {
    FileNotFoundError: "does not exist",
    IsADirectoryError: "is a folder, not a file",
    PermissionError: "may not be read (permission denied)",
}


def read_netcdf(
    file: str | os.PathLike[str], what: str, needs: str, weigh: Sequence[str] = ()
) -> Any:
    """The ``xarray.Dataset`` of a NetCDF file tariffsim wrote, loaded into memory (the file
    closed); a ParameterError saying ``what`` for a file that cannot be read as one, an
    ImportError naming ``needs`` (the method) without xarray. The variables ``weigh`` (those
    present) are weighed against ``max_result_bytes`` before anything is read (a LimitError)."""
    try:
        import xarray as xr
    except ImportError:
        raise MissingExtraError(f"{needs} needs xarray: pip install 'tariffsim[xarray]'") from None
    try:
        with reading(what, file), xr.open_dataset(file, engine="h5netcdf") as ds:
            size = sum(int(ds[v].nbytes) for v in weigh if v in ds.data_vars)
            limits.check("max_result_bytes", size, f"`file` {short_repr(str(file))}: its arrays")
            return ds.load()
    except ParameterError as failure:
        _finalise_quietly(failure)
        raise


def _finalise_quietly(failure: BaseException) -> None:
    """Finalise, now and without a word, what a failed read left half-made.

    A file that is not valid HDF5 throughout (corrupt past its header) fails inside
    h5netcdf's ``File.__init__``; the half-made object's finaliser then raises on
    attributes it never set, and Python prints that as *Exception ignored in File.close*
    whenever it is collected. Its only references are the frames of the original
    error's traceback (the ``__context__`` of ``failure``): those are cleared and
    collected here, with Python's hook for such errors passing over h5netcdf's and
    h5py's own for the moment (any other goes to the hook as before).
    """
    import gc
    import traceback

    with _UNRAISABLE_LOCK:  # (one swap at a time: the hook found is always put back)
        hook = sys.unraisablehook

        def quiet(unraisable: Any) -> None:  # the half-made file's, only; others as before
            if not getattr(unraisable.object, "__module__", "").startswith(("h5netcdf", "h5py")):
                hook(unraisable)

        sys.unraisablehook = quiet
        try:
            context = failure.__context__
            failure.__context__ = None  # (suppressed already: the tariffsim error says it all)
            while context is not None:
                traceback.clear_frames(context.__traceback__)
                context = context.__context__
            gc.collect()
        finally:
            sys.unraisablehook = hook


_UNRAISABLE_LOCK = threading.Lock()
"""Held while :func:`_finalise_quietly` has ``sys.unraisablehook`` swapped."""


def input_boundary(what: str) -> Callable[[_F], _F]:
    """Decorate a public function that reads user input (files, mappings, text).

    Exceptions that only malformed *input* can raise while it is decoded and
    parsed — :class:`UnicodeError`, :class:`RecursionError` (nesting),
    :class:`OverflowError` (numbers too large for a float or a date) — become
    tariffsim errors naming ``what``: a ``RecursionError`` a
    :class:`~tariffsim.errors.LimitError` on ``max_depth``, the others a
    :class:`~tariffsim.errors.ParameterError`. Everything else passes through
    unchanged, so genuine bugs still show their traceback.

    Examples
    --------
    >>> from tariffsim._io import input_boundary
    >>> @input_boundary("the answer")
    ... def parse(x):
    ...     return int(float(x))
    >>> parse("1e999")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffsim.errors.ParameterError: the answer: value out of range (cannot convert ...).
    """

    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except RecursionError:
                raise LimitError(
                    f"{what}: nested deeper than Python can follow; the limit max_depth = "
                    f"{limits.current().max_depth}"
                ) from None
            except _FOREIGN_INPUT_ERRORS as e:
                kind = "not valid text" if isinstance(e, UnicodeError) else "value out of range"
                raise ParameterError(f"{what}: {kind} ({e}).") from None

        return cast(_F, inner)

    return wrap
