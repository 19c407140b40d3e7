"""Payoff evaluation on the distinct rows of a batch only (an exact memo).

The engine evaluates every run's candidate states in one call of
:func:`tariffsim.payoffs._evaluate_block`, whose leading axis is the runs
(or, in a bargain, the runs of a group). Runs often share every input of
that call: a game without noise and without per-run parameters plays the
same path in every run, and an ensemble drawing few distinct values plays
few. :func:`evaluate_distinct` finds the rows whose inputs are equal bit for
bit — every state array, the previous state, the slow state, the per-run
parameters and the market's — evaluates one row of each class and copies the
results back to every row of its class.

It is a pure memo: a row's numbers do not depend on the other rows of its
batch (the engine's contract), so evaluating a representative gives the very
bits the row would have got. Rows are compared by the bytes of their inputs
(:mod:`tariffsim._rows`), so ``-0.0`` and ``0.0`` (and NaNs of different
payloads) count as different.

The rows evaluated (all of them, or one per class) are computed by the
compiled breakdown (:func:`tariffsim._decide_kernel.breakdown`: every field of
the block, each run on its own) when numba is installed and ``TARIFFSIM_JIT``
does not switch it off, and by the numpy block otherwise or for arguments
outside the kernel's scope (:func:`_evaluate`). Either way a row's numbers do
not depend on its batch, so the memo stays exact; the two routes agree to a
few units in the last place, not to the bit.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _decide_kernel as _kernels
from . import _rows
from ._rows import _classes, _hash, _per_row, distinct_rows, take_params
from .payoffs import PARAM_FIELDS, Breakdown, Params, _evaluate_block, _WorldView
from .world import StateBatch

__all__ = ["distinct_rows", "evaluate_distinct", "take_params"]

Array = NDArray[np.float64]

_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(StateBatch))
_ALL_DISTINCT: dict[int, tuple[Any, ...]] = {}
"""Per Params object (a weak reference to it, so nothing is kept alive): the ids of its
per-run field arrays and whether some field holds ``rows`` pairwise distinct rows (then
no row repeats). A stale entry can only cost speed: the memo itself is exact."""


def _param_rows(p: Params, rows: int) -> list[str] | None:
    """Names of ``p``'s per-run fields (leading axis ``rows``); None if a field is unclear."""
    out = []
    for name in PARAM_FIELDS:
        kind = _per_row(getattr(p, name), rows)
        if kind is None:
            return None
        if kind:
            out.append(name)
    return out


def _some_field_distinct(p: Params, names: list[str], rows: int) -> bool:
    """Whether a per-run field of ``p`` differs between every two rows (cached per object)."""
    key = id(p)
    arrays = tuple(getattr(p, n) for n in names)
    ids = tuple(id(a) for a in arrays)
    hit = _ALL_DISTINCT.get(key)
    if hit is not None and hit[0]() is p and hit[1] == ids:
        return bool(hit[2])
    out = False
    for a in arrays:
        flat = np.ascontiguousarray(a).reshape(rows, -1).view(np.uint64)
        if len(np.unique(_hash(flat))) == rows:
            out = True
            break
    if len(_ALL_DISTINCT) > 256:
        _ALL_DISTINCT.clear()
    _ALL_DISTINCT[key] = (weakref.ref(p), ids, out)
    return out


class _Scattered(Mapping[str, Array]):
    """``back(src[key])`` for every key of ``src``, computed on first access and kept.

    Per-class arrays read back per row (a breakdown's terms), or a sub-batch's
    rows of its batch's arrays (:meth:`tariffsim._batchrun._Run.subset`: most
    sub-batches never read them, and taking every one up front cost more
    than the rest of the sub-batch).
    """

    def __init__(self, src: Mapping[str, Array], back: Callable[[Any], Any]) -> None:
        self._src, self._back, self._done = src, back, dict[str, Array]()

    def __getitem__(self, key: str) -> Array:
        out = self._done.get(key)
        if out is None:
            out = self._done[key] = self._back(self._src[key])
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self._src)

    def __len__(self) -> int:
        return len(self._src)


def _evaluate(
    world: _WorldView,
    p: Params,
    weights: Array,
    active: Array,
    nxt: StateBatch,
    prev_tau: Array,
    prev_moved: Array,
    prev_control: Array | None = None,
    me: int | None = None,
    **kw: Any,
) -> Breakdown | Array:
    """The block on every row given: compiled when in force and in scope, else numpy.

    The compiled breakdown (:func:`tariffsim._decide_kernel.breakdown`) when
    numba is installed and ``TARIFFSIM_JIT`` does not switch it off; it returns
    None for arguments outside the engine's layout, and the numpy block
    (:func:`tariffsim.payoffs._evaluate_block`) computes those. ``me``: only
    that country's totals ``(R, P)`` (the breakdown's ``total[..., me]``).
    """
    if _kernels.ENABLED:
        bd = _kernels.breakdown(
            world, p, weights, active, nxt, prev_tau, prev_moved, prev_control, me=me, **kw
        )
        if bd is not None:
            return bd
    out = _evaluate_block(world, p, weights, active, nxt, prev_tau, prev_moved, prev_control, **kw)
    return out if me is None else np.ascontiguousarray(out.total[..., me])


def evaluate_distinct(*args: Any, **kw: Any) -> Breakdown:
    """:func:`tariffsim.payoffs._evaluate_block` evaluated once per distinct row.

    The block's arguments (``world, p, weights, active, nxt, prev_tau,
    prev_moved, prev_control=None, **kw``) and the same result as evaluating
    every row, bit for bit (see :func:`_on_distinct_rows`).
    """
    bd = _on_distinct_rows(*args, **kw)
    assert isinstance(bd, Breakdown)
    return bd


def total_distinct(*args: Any, me: int, **kw: Any) -> Array:
    """``evaluate_distinct(*args, **kw).total[..., me]``, the same bits, ``(R, P)``.

    Only country ``me``'s totals are computed where the compiled kernel
    evaluates (none of the terms and indicators a breakdown writes): what
    the talks' look-ahead values and deal searches read of each party.
    """
    out = _on_distinct_rows(*args, me=me, **kw)
    assert not isinstance(out, Breakdown)
    return out


def _on_distinct_rows(
    world: _WorldView,
    p: Params,
    weights: Array,
    active: Array,
    nxt: StateBatch,
    prev_tau: Array,
    prev_moved: Array,
    prev_control: Array | None = None,
    *,
    me: int | None = None,
    **kw: Any,
) -> Breakdown | Array:
    """:func:`_evaluate` once per distinct row (``me``: country ``me``'s totals only).

    Same arguments and the same result as evaluating every row (:func:`_evaluate`:
    compiled when in force and in scope), bit for bit; the leading axis of
    ``nxt.tariff`` is the row axis. Falls back to one plain call when the
    batch is small, when an argument's rows cannot be told apart from its
    broadcast axes, when a per-run parameter differs in every row, or when
    more than half the rows are distinct.
    """

    def plain() -> Breakdown | Array:
        return _evaluate(
            world, p, weights, active, nxt, prev_tau, prev_moved, prev_control, me=me, **kw
        )

    rows = int(np.shape(nxt.tariff)[0]) if np.ndim(nxt.tariff) >= 3 else 0
    if rows < _rows._MIN_ROWS or not _rows._ENABLED:
        return plain()
    market = kw.get("market")
    p_names = _param_rows(p, rows)
    m_names = [] if market is None or market is p else _param_rows(market, rows)
    if p_names is None or m_names is None:
        return plain()
    if (p_names and _some_field_distinct(p, p_names, rows)) or (
        m_names and market is not None and _some_field_distinct(market, m_names, rows)
    ):
        return plain()
    # every other argument: state arrays (with the runs axis first) or None
    state: dict[str, Any] = {f: getattr(nxt, f) for f in _STATE_FIELDS}
    args: dict[str, Any] = {"prev_tau": prev_tau, "prev_moved": prev_moved}
    args["prev_control"] = prev_control
    ties = kw.get("ties")
    for name, v in kw.items():
        if name not in ("market", "ties"):
            args[name] = v
    arrays = list(state.values()) + list(args.values())
    if ties is not None:
        arrays += list(ties)
    arrays += [getattr(p, n) for n in p_names]
    if market is not None and market is not p:
        arrays += [getattr(market, n) for n in m_names]
    keys = []
    for a in arrays:
        kind = _per_row(a, rows)
        if kind is None:
            return plain()
        if kind:
            keys.append(np.asarray(a))
    if not keys:
        cls: tuple[NDArray[np.intp], NDArray[np.intp]] | None = (
            np.zeros(1, dtype=np.intp),
            np.zeros(rows, dtype=np.intp),
        )
    else:
        cls = _classes(keys, rows)
    if cls is None:
        return plain()
    first, inv = cls

    def take(a: Any) -> Any:
        if a is None or np.ndim(a) < 3 or np.shape(a)[0] != rows:
            return a
        return np.asarray(a)[first]

    sub_state = StateBatch(**{f: take(v) for f, v in state.items()})
    sub_kw = {name: take(v) for name, v in args.items() if name not in ("prev_tau", "prev_moved")}
    sub_kw.pop("prev_control")
    if ties is not None:
        sub_kw["ties"] = (take(ties[0]), take(ties[1]))
    sub_p = take_params(p, first, p_names) if p_names else p
    if "market" in kw:
        if market is None:
            sub_kw["market"] = None
        elif market is p:
            sub_kw["market"] = sub_p
        else:
            sub_kw["market"] = take_params(market, first, m_names) if m_names else market
    bd = _evaluate(
        world, sub_p, weights, active, sub_state, take(prev_tau), take(prev_moved),
        take(prev_control), me=me, **sub_kw,
    )  # fmt: skip
    n_sub = len(first)

    def back(a: Any) -> Any:
        if a is None or np.ndim(a) == 0 or np.shape(a)[0] != n_sub:
            return a
        a = np.asarray(a)
        if n_sub == 1:  # one class: every row reads the same (read-only, as a broadcast)
            return np.broadcast_to(a, (rows, *a.shape[1:]))
        return a[inv]

    def lazy(fn: Callable[[], Array]) -> Callable[[], Array]:
        return lambda: back(fn())

    if not isinstance(bd, Breakdown):  # one country's totals
        return back(bd)
    return Breakdown(
        terms=_Scattered(bd.terms, back),
        weights=bd.weights,
        total=back(bd.total),
        burden=back(bd.burden),
        recession=back(bd.recession),
        drawdown=back(bd.drawdown),
        approval=back(bd.approval),
        imports_fn=lazy(bd.imports_fn),
        effective_fn=lazy(bd.effective_fn),
        equity=back(bd.equity),
        bond=back(bd.bond),
        market_burden=back(bd.market_burden),
        market_value=back(bd.market_value),
    )
