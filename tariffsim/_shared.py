"""Arrays in memory shared with this process's worker processes (Linux).

An ensemble played on a :class:`concurrent.futures.ProcessPoolExecutor`
used to send every chunk's arrays back through a pipe: the worker pickled
them, this process unpickled them into fresh memory and then concatenated
the chunks into the ensemble's arrays (for 10,000 runs of ``us-china-145``
about 225 MB, written three times over). With :func:`create`, this process
makes the ensemble's arrays once, in an anonymous shared-memory file
(``memfd_create``), and each worker writes its chunk's rows straight into
them (:meth:`SharedArrays.attach`), as a chunk does in this process: only
the labels travel back.

The file has no name: a worker opens it through this process's descriptor
(``/proc/PID/fd/FD``), so nothing is left behind, whatever ends the
process. Its pages are reserved when it is made (``posix_fallocate``), so
a machine without the memory says so before any work, not by a worker
killed halfway; a file larger than the memory available is not made at all
(reserving it would end in the out-of-memory killer, not an error). Where any
of this is missing (not Linux, no ``/proc``, not enough memory, a process
that is not dumpable or whose ``/proc`` is another PID namespace's, so that
no worker could open the file),
:func:`create` returns None and the caller sends the arrays back as before;
a worker that still may not open it (:meth:`SharedArrays.attach` raises
PermissionError) sends its own back. The numbers are the same either way.
A child forked while the file is open closes its copy of the descriptor
(a pool's workers are best started before the file is made: they would
otherwise keep its mapping, and the memory, as long as they live).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import mmap
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SharedArrays", "create"]

_ALIGN = 4096
"""Each array starts on a page of its own."""


@dataclass(frozen=True)
class SharedArrays:
    """How a worker process finds arrays made by :func:`create` (picklable, a few bytes).

    Attributes
    ----------
    pid, fd : int
        The process that made the file and its descriptor of it.
    inode : tuple of int
        The file's device and inode numbers: a descriptor closed (the work
        abandoned) and its number taken by another file is not mistaken
        for it.
    size : int
        Bytes of the file.
    layout : tuple of (str, tuple of int, str, int)
        Per array: its name, shape, dtype (``numpy.dtype.str``) and offset in the file.
    """

    pid: int
    fd: int
    inode: tuple[int, int]
    size: int
    layout: tuple[tuple[str, tuple[int, ...], str, int], ...]

    def attach(self) -> dict[str, NDArray[Any]]:
        """The arrays, writable, in a worker process (unmapped once no view of them is left).

        Raises
        ------
        PermissionError
            When this process may not open the file (the one that made it is
            not dumpable, or is in another PID namespace): the caller sends its
            results back instead.
        OSError
            When the file is gone (the process that made it has ended, or
            released it: the work was abandoned).
        """
        fd = os.open(f"/proc/{self.pid}/fd/{self.fd}", os.O_RDWR)
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != self.inode or st.st_size != self.size:
                raise FileNotFoundError(
                    f"the shared arrays of process {self.pid} are gone (released)"
                )
            return _views(_map(fd, self.size), self.layout)
        finally:
            os.close(fd)


def _views(
    mm: Any, layout: tuple[tuple[str, tuple[int, ...], str, int], ...]
) -> dict[str, NDArray[Any]]:
    out: dict[str, NDArray[Any]] = {}
    for name, shape, dtype, offset in layout:
        count = int(np.prod(shape, dtype=np.int64))
        out[name] = np.frombuffer(mm, dtype=dtype, count=count, offset=offset).reshape(shape)
    return out


def create(
    spec: Mapping[str, tuple[tuple[int, ...], Any]],
) -> tuple[SharedArrays, dict[str, NDArray[Any]], int] | None:
    """Zeroed arrays ``spec`` (name → (shape, dtype)) that worker processes can write.

    Returns
    -------
    (SharedArrays, dict of str to numpy.ndarray, int) or None
        The handle to send to the workers, this process's views of the
        arrays (C order, writable; they keep the memory alive) and the
        descriptor, which the caller closes with :func:`release` once the
        workers are done. None where shared arrays cannot be made here (see
        the module notes): the caller then has the workers send their arrays
        back.
    """
    if not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"):
        return None
    layout: list[tuple[str, tuple[int, ...], str, int]] = []
    size = 0
    for name, (shape, dtype) in spec.items():
        dt = np.dtype(dtype)
        layout.append((name, tuple(int(x) for x in shape), dt.str, size))
        nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        size += -(-max(nbytes, 1) // _ALIGN) * _ALIGN
    if size > _available():  # reserving more than there is: the OOM killer, not an error
        return None
    try:
        fd = os.memfd_create("tariffsim-arrays", os.MFD_CLOEXEC)
    except OSError:
        return None
    try:  # (an interrupt too: the descriptor and its memory are not left behind)
        os.ftruncate(fd, size)
        os.posix_fallocate(fd, 0, size)  # the memory reserved now (there is enough: above)
        st = os.fstat(fd)
        if not _reachable(fd, st) or not _dumpable():
            os.close(fd)
            return None
        mm = _map(fd, size)
    except OSError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    _OPEN.add(fd)
    handle = SharedArrays(os.getpid(), fd, (st.st_dev, st.st_ino), size, tuple(layout))
    return handle, _views(mm, handle.layout), fd


def _available() -> int:
    """Bytes of memory this process may still take: the system's available memory
    (``MemAvailable``), and its control group's headroom where one is set (0 when unknown).

    Reserving the pages of a shared-memory file (``posix_fallocate``) beyond that does not
    fail with an error: the kernel's out-of-memory killer ends a process (seen here: a
    request for 80 TB on a 24 GB machine killed the process that asked).
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            free = next(
                int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:")
            )
    except (OSError, ValueError, StopIteration, IndexError):
        return 0
    try:  # cgroup v2: its limit, less what it holds
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            cap = f.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as f:
            held = int(f.read().strip())
        if cap != "max":
            free = min(free, int(cap) - held)
    except (OSError, ValueError):
        pass
    return max(free, 0)


def _reachable(fd: int, st: os.stat_result) -> bool:
    """Whether ``/proc/PID/fd/FD``, with this process's PID, is this file (not, in a PID
    namespace whose ``/proc`` is another's, some other process's descriptor)."""
    try:
        there = os.stat(f"/proc/{os.getpid()}/fd/{fd}")
    except OSError:
        return False
    return (there.st_dev, there.st_ino) == (st.st_dev, st.st_ino)


def _dumpable() -> bool:
    """Whether other processes of this user may open this one's descriptors (``prctl``'s
    dumpable flag: cleared by a process that changed its user, or asked for it)."""
    try:
        return int(_libc().prctl(3, 0, 0, 0, 0)) == 1  # PR_GET_DUMPABLE
    except (OSError, AttributeError):
        return False


_OPEN: set[int] = set()
"""Descriptors made by :func:`create` and not yet released."""


def _close_inherited() -> None:
    """In a child forked while arrays were being shared: close the inherited descriptors
    (the worker opens the file through the parent's, never its own)."""
    for fd in list(_OPEN):
        with contextlib.suppress(OSError):
            os.close(fd)
    _OPEN.clear()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_close_inherited)


@functools.cache
def _libc() -> Any:
    """The C library, with ``mmap`` and ``munmap`` typed."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long,
    ]  # fmt: skip
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return libc


def _map(fd: int, size: int) -> Any:
    """The file ``fd`` mapped shared and writable, as a ctypes array (unmapped when freed).

    Not :class:`mmap.mmap`: before Python 3.13 it keeps a duplicate of the
    descriptor as long as it lives, so every ensemble's arrays would hold a
    descriptor open (a thousand ensembles, the process's limit).
    """
    libc = _libc()
    addr = libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    buf = (ctypes.c_char * size).from_address(addr)
    weakref.finalize(buf, libc.munmap, addr, size)
    return buf


def release(fd: int) -> None:
    """Close the descriptor :func:`create` returned (the arrays made stay valid)."""
    _OPEN.discard(fd)
    with contextlib.suppress(OSError):
        os.close(fd)
