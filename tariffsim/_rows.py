"""Rows of a batch equal bit for bit (the engine's exact memos find them here).

A batched array carries the runs on its leading axis. :func:`distinct_rows`
finds the classes of runs whose arrays are equal bit for bit, so that a
computation whose rows never depend on each other (the payoff block, the
compiled decision totals, the ties in force) is done once per class and
copied back: an exact memo. Rows are compared by the bytes of their inputs,
so ``-0.0`` and ``0.0`` (and NaNs of different payloads) count as different.
:func:`take_params` restricts batched parameters to some runs (and remembers
where from, :func:`taken_from`, so that packings of the batch serve them).
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .payoffs import PARAM_FIELDS, Params

__all__ = ["distinct_rows", "take_params", "taken_from"]

Array = NDArray[np.float64]

_MIN_ROWS = 4
"""Batches with fewer rows are evaluated as they are."""
_ENABLED = True
"""False: no memo finds classes (:func:`distinct_rows` returns None, and
:func:`~tariffsim._distinct.evaluate_distinct` makes one plain evaluation: the
reference the tests compare with)."""
_MAX_SHARE = 0.5
"""Deduplicate only when the distinct rows are at most this share of the batch."""
_PROBE = 64
"""A batch whose first ``_PROBE`` rows are pairwise distinct is taken as mostly distinct
(evaluated row by row without hashing the rest; the result is the same either way)."""
_MIX = np.random.default_rng(20250409).integers(1, 2**63, size=4096, dtype=np.uint64) | np.uint64(1)
"""Odd 64-bit multipliers of the row hash (fixed: the memo never depends on them)."""


def _per_row(a: Any, rows: int) -> bool | None:
    """True if ``a`` varies along a leading axis of ``rows``; False if shared; None: unknown.

    Batched arrays carry a runs axis and at least two more (profiles and
    countries), so an array of fewer than 3 dimensions broadcasts along the
    trailing axes and is shared; so is one whose leading axis has length 1
    or stride 0.
    """
    if a is None or np.ndim(a) < 3:
        return False
    a = np.asarray(a)
    if a.shape[0] == 1 or a.strides[0] == 0 or a.size == 0:
        return False if a.shape[0] in (1, rows) else None
    return True if a.shape[0] == rows else None


def _hash(u: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A 64-bit hash of each row of ``u`` (wrapping arithmetic; equal rows, equal hashes)."""
    h = np.zeros(len(u), dtype=np.uint64)
    width = u.shape[1]
    for a in range(0, width, len(_MIX)):
        b = min(a + len(_MIX), width)
        h += (u[:, a:b] * _MIX[: b - a]).sum(axis=1, dtype=np.uint64)
    return h


def _bits(a: Any) -> NDArray[Any]:
    """``a`` as integers of the same width (bit patterns: -0.0 differs from 0.0)."""
    a = np.asarray(a)
    if a.dtype.kind == "f" and a.dtype.itemsize == 8:
        return a.view(np.uint64)
    if a.dtype.kind == "b":
        return a.view(np.uint8)
    return np.asarray(a, dtype=np.float64).view(np.uint64)


def _classes(
    keys: list[Array], rows: int, *, hashed: bool = True
) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """Representatives and each row's class, for rows equal bit for bit; None: all distinct.

    ``hashed=False``: only the one-class case is found (one pass); otherwise None.
    """
    if all(bool((b == b[:1]).all()) for b in map(_bits, keys)):  # the common case: one class
        return np.zeros(1, dtype=np.intp), np.zeros(rows, dtype=np.intp)
    if not hashed:
        return None
    u = np.concatenate([_bits(k).astype(np.uint64).reshape(rows, -1) for k in keys], axis=1)
    if rows > 2 * _PROBE and len(np.unique(_hash(u[:_PROBE]))) == _PROBE:
        return None  # the first rows all differ: the batch is most likely mostly distinct
    _, first, inv = np.unique(_hash(u), return_index=True, return_inverse=True)
    if len(first) > _MAX_SHARE * rows:
        return None
    inv = inv.reshape(-1)
    if not np.array_equal(u[first][inv], u):  # a hash collision: no memo
        return None
    return first, inv


def distinct_rows(
    arrays: list[Any], rows: int, *, hashed: bool = True
) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
    """Classes of the rows of ``arrays`` (each with the runs axis first) equal bit for bit.

    Returns the representatives (first row of each class) and each row's
    class, or None when the rows are mostly distinct, the batch is small or
    an array's runs axis cannot be told from its broadcast axes (see
    :func:`_per_row`); the caller then computes every row. ``hashed=False``
    finds only the case of one class (for work cheaper than hashing the rows).
    """
    if rows < _MIN_ROWS or not _ENABLED:
        return None
    keys = []
    for a in arrays:
        kind = _per_row(a, rows)
        if kind is None:
            return None
        if kind:
            keys.append(np.asarray(a))
    if not keys:
        return np.zeros(1, dtype=np.intp), np.zeros(rows, dtype=np.intp)
    return _classes(keys, rows, hashed=hashed)


def take_params(p: Params, rows: NDArray[np.intp], names: Sequence[str] | None = None) -> Params:
    """Batched Params ``p`` restricted to rows ``rows`` of their leading (run) axis.

    ``names``: the fields to restrict (default: every field whose leading axis
    is longer than 1); the others, shared by all runs, are kept as they are.
    """
    out = object.__new__(Params)
    for name in PARAM_FIELDS:
        v = getattr(p, name)
        take = (name in names) if names is not None else v.shape[0] > 1
        object.__setattr__(out, name, v[rows] if take else v)
    object.__setattr__(out, "calibration", p.calibration)
    if names is None:
        if len(_TAKEN) >= 256:
            _TAKEN.clear()
        # both as they are now: a learning agent's Params are given new fields later
        fields = tuple(getattr(out, name) for name in PARAM_FIELDS)
        _TAKEN[id(out)] = (weakref.ref(out), fields, copy.copy(p), rows)
    return out


_TAKEN: dict[int, tuple[Any, tuple[Any, ...], Params, NDArray[np.intp]]] = {}
"""Per Params made by :func:`take_params` (weakly, every per-run field restricted): its fields
then, the Params it was taken from as they were then, and the rows."""


def taken_from(p: Params) -> tuple[Params, NDArray[np.intp]] | None:
    """The Params and rows ``p`` was taken from by :func:`take_params` (all per-run fields), or
    None (also when ``p`` has been given new fields since). Lets a packing of the whole batch
    serve its sub-batches (rows of it)."""
    hit = _TAKEN.get(id(p))
    if hit is None or hit[0]() is not p:
        return None
    if any(getattr(p, name) is not v for name, v in zip(PARAM_FIELDS, hit[1], strict=True)):
        return None  # given new fields since
    return hit[2], hit[3]
