"""Compiled ladder steps (numba): :meth:`tariffsim.world.Ladder.step_many`, entry by entry.

The engine moves every run's tariffs and export controls along their
ladders several times a decision step; the numpy rule takes about fifteen
passes over the batch. :func:`step_many` applies the same rule to each
entry in one compiled pass. Its results are selections — the level itself
or one of the rungs — never new arithmetic, and every comparison is the
numpy rule's (``level + 1e-9``, ``|rung - level| <= 1e-9``,
``level < rungs[0] - 1e-9``, ``level >= rungs[-1] - 1e-9``, the rung found
as ``searchsorted(rungs, level + 1e-9, side="right") - 1`` with NaN above
every rung), so both paths give the same bits.

Used when numba is installed (the ``fast`` extra) and the one switch of
the compiled kernels, ``TARIFFSIM_JIT`` (:data:`tariffsim._trade_kernel.ENV`),
does not turn them off; :meth:`~tariffsim.world.Ladder.step_many` takes the
numpy rule otherwise, and for batches too small to be worth a call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _trade_kernel
from ._trade_kernel import OneSignature

__all__ = ["MIN_SIZE", "step_many"]

MIN_SIZE = 64
"""Entries below which the numpy rule is taken (a compiled call costs a few microseconds)."""

Array = NDArray[np.float64]


def _kernel(lv: Any, next_up: Any, level: Any, move: Any, out: Any) -> None:
    """``out[e]``: ``level[e]`` after ``move[e]`` steps of sign only, on rungs ``lv``."""
    n = lv.shape[0]
    lo, hi = lv[0], lv[n - 1]
    for e in range(level.shape[0]):
        x = level[e]
        m = move[e]
        if not (m < 0 or m > 0):  # a hold (or NaN: neither up nor down)
            out[e] = x
            continue
        # searchsorted(lv, x + 1e-9, side="right"): the first rung above x + 1e-9
        y = x + 1e-9
        a, b = 0, n
        while a < b:
            mid = (a + b) // 2
            if y < lv[mid]:
                b = mid
            else:
                a = mid + 1
        k = max(a - 1, 0)
        if m < 0:
            if x < lo - 1e-9:
                out[e] = x
                continue
            on = False
            for v in range(n):  # on a rung (every rung, as the numpy rule's widest test)
                if abs(lv[v] - x) <= 1e-9:
                    on = True
                    break
            out[e] = lv[max(k - 1, 0)] if on else lv[k]
        elif x >= hi - 1e-9:
            out[e] = x if x > hi else hi
        elif x < lo - 1e-9:
            out[e] = lo
        else:
            out[e] = lv[next_up[k]]


def _signature() -> tuple[Any, ...]:
    from numba import types

    ro = types.Array(types.float64, 1, "C", readonly=True)
    return (
        ro, types.Array(types.intp, 1, "C", readonly=True), ro, ro,
        types.Array(types.float64, 1, "C"),
    )  # fmt: skip


_KERNEL = OneSignature(_kernel, _signature)  # the vectoriser: the same speed (1.01x)


def step_many(lv: Array, next_up: NDArray[np.intp], level: Array, move: Any) -> Array | None:
    """Levels after moves along rungs ``lv`` (the rule of ``Ladder.step_many``), or None.

    Parameters
    ----------
    lv : ndarray, shape (m,)
        The rungs, increasing.
    next_up : ndarray of intp, shape (m,)
        The rung an escalation from each rung reaches (``Ladder._next_up``).
    level : ndarray
        Levels (float).
    move : array_like
        Moves; only their signs count. Broadcast against ``level``.

    Returns
    -------
    ndarray or None
        The levels after the moves, shape of ``level`` and ``move`` broadcast
        together; None when the compiled kernels are off or unavailable, or
        the batch is smaller than :data:`MIN_SIZE` (the caller then takes the
        numpy rule).
    """
    if not _trade_kernel.ENABLED:
        return None
    mv = np.asarray(move, dtype=np.float64)
    shape = level.shape if mv.shape == level.shape else np.broadcast_shapes(level.shape, mv.shape)
    size = math.prod(shape)
    if size < MIN_SIZE:
        return None
    x, m = level, mv
    if x.shape != shape:
        x = np.broadcast_to(x, shape)
    if m.shape != shape:
        m = np.broadcast_to(m, shape)
    out = np.empty(shape)
    _KERNEL.get()(lv, next_up, _flat(x), _flat(m), out.reshape(-1))
    return out


def _flat(a: Array) -> Array:
    """``a`` as a C-contiguous 1-d array (a view when it already is contiguous)."""
    return (a if a.flags.c_contiguous else np.ascontiguousarray(a)).reshape(-1)
