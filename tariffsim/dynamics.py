r"""Slow state variables and how they move with elapsed time.

A round lasts ``round_days`` calendar days (:attr:`tariffsim.game.Game.round_days`).
Everything that moves between rounds does so **per elapsed time**, so a
scenario played in daily rounds and in weekly rounds tells the same story per
calendar week:

- **learning**: a belief closes a share of its gap per reference week
  (:data:`REFERENCE_DAYS`, claim ``model_time_reference_week``);
  :func:`per_time` turns it into the share closed in one round;
- **import adjustment** (:func:`adjust_step`): the import response starts at
  the short-run elasticity and moves toward the long-run one with a half-life
  (``Params.adjust_days``);
- **alliance ties** (:func:`tie_step`): escalating against a partner or its
  partners erodes the ties, which rebuild with a half-life
  (``Params.tie_rebuild_days``);
- **grievance** (:func:`grievance_step`): a country remembers who retaliated
  against it, with a half-life (``Params.grievance_days``).

Every function is pure and vectorised over leading batch axes (runs, candidate
profiles). ``docs/model.md`` (section *Time, ties and memory*) gives the
equations and their limits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _matmul_kernel
from .claims import load_claims

__all__ = [
    "DECISION_DAYS",
    "REFERENCE_DAYS",
    "adjust_along",
    "adjust_step",
    "decay",
    "grievance_step",
    "per_time",
    "tie_held",
    "tie_step",
    "ties_in_force",
]

Array = NDArray[np.float64]

REFERENCE_DAYS: float = float(np.mean(load_claims()["model_time_reference_week"].values))
"""Days of the reference round (a week) for which per-round rates are stated."""

DECISION_DAYS: int = int(np.mean(load_claims()["model_decision_days"].values))
"""Default calendar pace of decisions, days (:attr:`tariffsim.game.Game.decision_days`)."""


def decay(days: float, halflife: ArrayLike) -> Any:
    """Share of a gap left after ``days`` with half-life ``halflife`` days (0: nothing left).

    Examples
    --------
    >>> float(ts.dynamics.decay(91.0, 91.0)), float(ts.dynamics.decay(7.0, 0.0))
    (0.5, 0.0)
    >>> float(ts.dynamics.decay(7.0, 1e-310))  # a half-life too short to resolve: none left
    0.0
    """
    h = np.asarray(halflife, dtype=float)
    safe = np.where(h > 0, h, 1.0)
    with np.errstate(over="ignore"):  # days / a subnormal half-life: inf, and 0.5 ** inf = 0
        return np.where(h > 0, 0.5 ** (days / safe), 0.0)


def per_time(share: ArrayLike, days: float) -> Any:
    """Share of a gap closed in ``days`` when ``share`` of it closes per reference week.

    ``1 - (1 - share) ** (days / REFERENCE_DAYS)``; exactly ``share`` for a
    round of one reference week, so weekly scenarios keep their numbers.

    Examples
    --------
    >>> round(float(ts.dynamics.per_time(0.1, 1.0)), 5)  # a day of a 10%-a-week rate
    0.01494
    >>> round(float(1 - (1 - ts.dynamics.per_time(0.1, 1.0)) ** 7), 12)  # seven days: a week
    0.1
    """
    if days == REFERENCE_DAYS:
        return share
    return 1.0 - (1.0 - np.asarray(share, dtype=float)) ** (days / REFERENCE_DAYS)


def adjust_step(
    adjust: Array, prev_tau: Array, tau: Array, days: float, halflife: ArrayLike
) -> Array:
    r"""Progress of the import response toward its long-run elasticity after a round.

    ``adjust[i, j]`` in [0, 1] sets the elasticity in force on the dyad,
    :math:`s_{ij} = s^{SR} + (s^{LR} - s^{SR})\,a_{ij}`. When the tariff rises
    from :math:`\tau` to :math:`\tau'` the new part of it starts at the
    short-run response, so progress is diluted in proportion to the log
    tariff factor, :math:`a \leftarrow a \log(1+\tau) / \log(1+\tau')`; a cut
    keeps it. Then the gap to 1 closes with half-life ``halflife`` days over
    the round's ``days``: :math:`a \leftarrow 1 - (1 - a)\,2^{-d/h}`. Where no
    tariff stands there is nothing to adjust to (``a = 0``).

    Parameters
    ----------
    adjust, prev_tau, tau : ndarray, shape (..., n, n)
        Progress before the round; headline tariffs before and after it.
    days : float
        Length of the round.
    halflife : float or ndarray
        ``Params.adjust_days`` (0: the response adjusts at once).

    Returns
    -------
    ndarray, shape (..., n, n)

    Examples
    --------
    >>> a = ts.dynamics.adjust_step(np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), 91.0, 91.0)
    >>> float(a[0, 0])   # a quarter after a new tariff: half-way to the long run
    0.5
    """
    lo, hi = np.log1p(prev_tau), np.log1p(tau)
    rise = hi > lo
    ratio = np.divide(lo, hi, out=np.zeros_like(hi), where=rise)
    a = np.where(rise, adjust * ratio, adjust)
    a = 1.0 - (1.0 - a) * decay(days, halflife)
    return np.where(tau > 0, a, 0.0)


def tie_step(
    loss: Array, rise: Array, ties: Array, erosion: ArrayLike, days: float, halflife: ArrayLike
) -> Array:
    r"""Eroded share of every alliance tie after a round (full world, symmetric).

    An escalation :math:`\Delta^+_{ij}` by ``i`` on ``j`` erodes ``i``'s tie
    with ``j`` and with every partner ``k`` of ``j`` in proportion to
    :math:`W_{kj}`; the tie is mutual, so ``k``'s side loses the same:

    .. math:: L_{ik} \leftarrow \min\Big(1,\ L_{ik}\,2^{-d/h} + \epsilon \sum_j \big(
        \Delta^+_{ij}(W_{kj} + [k=j]) + \Delta^+_{kj}(W_{ij} + [i=j])\big)\Big)

    The tie in force is :math:`W_{ik}(1 - L_{ik})` (:func:`ties_in_force`).

    Parameters
    ----------
    loss : ndarray, shape (..., n, n)
        Eroded shares before the round.
    rise : ndarray, shape (..., n, n)
        Tariff rises this round (>= 0).
    ties : ndarray, shape (n, n)
        :attr:`World.ties` (symmetric, zero diagonal).
    erosion : float or ndarray
        ``Params.tie_erosion`` (an array broadcasts against ``loss``, e.g.
        ``(R, 1, 1)`` per run).
    days : float
    halflife : float or ndarray
        ``Params.tie_rebuild_days`` (0: ties rebuild at once), broadcasting
        like ``erosion``.

    Examples
    --------
    >>> w = np.array([[0, 0, 1.0], [0, 0, 1.0], [1.0, 1.0, 0]])  # 0 and 1 both tied to 2
    >>> up = np.zeros((3, 3)); up[0, 1] = 1.0                     # 0 escalates 100 points on 1
    >>> ts.dynamics.tie_step(np.zeros((3, 3)), up, w, 0.2, 7.0, 0.0)[0]
    array([0. , 0.2, 0.2])
    """
    e = ties + np.eye(ties.shape[-1])
    one = _matmul_in_order(rise, e)  # one[i, k] = sum_j rise[i, j] E[j, k]
    inc = np.asarray(erosion) * (one + np.swapaxes(one, -1, -2))
    out = np.minimum(loss * decay(days, halflife) + inc, 1.0)
    diag = np.eye(ties.shape[-1], dtype=bool)
    return np.where(diag, 0.0, out)


def tie_held(loss: Array, ties: Array) -> Array:
    r"""Tie lost per country, :math:`\sum_k W_{ik} L_{ik}` (shape ``(..., n)``), >= 0."""
    return (ties * loss).sum(axis=-1)


def ties_in_force(loss: Array, ties: Array) -> tuple[Array, Array]:
    r"""The ties in force :math:`W(1 - L)` and their two-step sums :math:`(W(1-L))^2`.

    Both ``(..., n, n)``: what the ``alliance`` strain and the ``coalition``
    gain read instead of the fixed table once ties have eroded.
    """
    w = ties * (1.0 - loss)
    return w, _matmul_in_order(w, w)


def _matmul_in_order(a: Array, b: Array) -> Array:
    """``a @ b`` (broadcast over leading axes), each entry summed over ``j`` in increasing order.

    ``sum_j a[..., i, j] * b[..., j, k]`` as ``((p_0 + p_1) + p_2) + ...``: the
    bits depend on the numbers alone, not on the linear algebra library (whose
    kernels group the terms by the matrices' shapes and the machine's vector
    width, so two shapes of one product, or two machines, could round
    differently). The tie losses on the involved rows rely on it: their products
    are blocks of these, with the same nonzero terms in the same order. The
    engine's layouts (``(R, m, n) @ (n, p)`` and ``(R, m, n) @ (R, n, p)``) are
    computed by a compiled kernel when numba is installed, by the same
    arithmetic (:mod:`tariffsim._matmul_kernel`).
    """
    done = _matmul_kernel.matmul_in_order(a, b)
    if done is not None:
        return done
    out = a[..., :, 0, None] * b[..., 0, None, :]
    for j in range(1, a.shape[-1]):
        out = out + a[..., :, j, None] * b[..., j, None, :]
    return out


# ---------------------------------------------------------------------------
# tie losses on the involved rows (internal, for the engine)
#
# Only the involved countries (those that set tariffs, positions ``idx``) raise
# tariffs, so a tie loss that starts at zero is only ever nonzero on a *cross*:
# a row or a column of an involved country. Such a loss, symmetric bit for bit,
# is a function of its involved rows ``loss[..., idx, :]`` (shape (..., k, n)).
# The ``_tie_rows_*`` functions move and read the slow state from those rows
# alone, at a cost in k*n instead of n*n per run, and give the very bits the
# public functions give on the whole array: by construction, the two matrix
# products included (both sides sum them in one order, ``_matmul_in_order``, not
# by the linear algebra library, whose kernels group terms by shape: numpy
# 2.4's OpenBLAS rounded the blocks differently from the whole, and the engine
# fell back to the whole array). ``_rows_exact`` still checks it, once per shape.
# ---------------------------------------------------------------------------
Index = NDArray[np.intp]

_ROWS_ENABLED = True
"""False: the engine moves and reads tie losses on the whole world (the reference the
tests compare the rows with)."""


def _span(idx: Index) -> Index | slice:
    """Increasing positions ``idx`` as a slice when they are consecutive (same elements, faster)."""
    if len(idx) and int(idx[-1]) - int(idx[0]) + 1 == len(idx):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _tie_rows_of(loss: Array, idx: Index, ties: Array) -> Array | None:
    """``loss[..., idx, :]`` when the ``_tie_rows_*`` functions give ``loss``'s bits, else None.

    That needs ``ties`` finite, without negative entries (``-0.0`` included)
    and symmetric bit for bit, the products of :func:`_rows_exact` to agree,
    and ``loss`` to be a function of its involved rows: symmetric and
    ``+0.0`` wherever neither country is involved, bit for bit (one pass over
    ``loss``).

    Parameters
    ----------
    loss : ndarray, shape (..., n, n)
    idx : ndarray of int, shape (k,)
        Positions of the involved countries, increasing.
    ties : ndarray, shape (n, n)

    Returns
    -------
    ndarray, shape (..., k, n), or None
    """
    t = np.asarray(ties, dtype=float)
    fit = (
        _ROWS_ENABLED
        and bool(np.isfinite(t).all())
        and not np.signbit(t).any()
        and np.array_equal(t.view(np.uint64), t.T.view(np.uint64))
    )
    if not fit or not _rows_exact(t.shape[-1], tuple(int(i) for i in idx)):
        return None
    loss = np.asarray(loss, dtype=float)
    rows = np.ascontiguousarray(loss[..., _span(idx), :])
    whole = _tie_rows_whole(rows, idx, loss.shape[-1])
    return rows if np.array_equal(whole.view(np.uint64), loss.view(np.uint64)) else None


def _tie_rows_whole(rows: Array, idx: Index, n: int) -> Array:
    """The whole symmetric loss ``(..., n, n)`` whose involved rows are ``rows`` ``(..., k, n)``.

    ``+0.0`` off the cross; row and column ``idx[a]`` both read ``rows[..., a, :]``.
    """
    at = _span(idx)
    out = np.zeros((*rows.shape[:-2], n, n))
    out[..., :, at] = np.swapaxes(rows, -1, -2)
    out[..., at, :] = rows
    return out


def _tie_rows_step(
    rows: Array,
    rise: Array,
    idx: Index,
    ties: Array,
    erosion: ArrayLike,
    days: float,
    halflife: ArrayLike,
) -> Array:
    """:func:`tie_step` on the involved rows: ``tie_step(loss, full_rise, ...)[..., idx, :]``.

    Parameters
    ----------
    rows : ndarray, shape (..., k, n)
        ``loss[..., idx, :]`` of a loss that is a function of them (:func:`_tie_rows_of`).
    rise : ndarray, shape (..., k, k)
        Tariff rises among the involved countries (``full_rise`` is zero elsewhere).
    idx : ndarray of int, shape (k,)
        Positions of the involved countries among the ``n``, increasing.
    ties, erosion, days, halflife
        As for :func:`tie_step`; ``erosion`` finite.

    Returns
    -------
    ndarray, shape (..., k, n)
        The involved rows after the round. Row ``m`` of ``rise @ E`` is zero
        for an uninvolved ``m``, so the whole loss after the round is a
        function of these rows again (:func:`_tie_rows_whole`), equal to
        :func:`tie_step`'s bit for bit.
    """
    at = _span(idx)
    e = np.ascontiguousarray((ties + np.eye(ties.shape[-1]))[at])
    one = _matmul_in_order(rise, e)  # one[a, m] = sum_j rise[a, j] E[idx_j, m]
    inc = one + 0.0  # one[a, m] + one[m, a], where one[m, a] is +0.0 unless m is involved
    block = one[..., at]
    inc[..., at] = block + np.swapaxes(block, -1, -2)
    out = rows * decay(days, halflife) + np.asarray(erosion) * inc
    np.minimum(out, 1.0, out=out)
    out[..., np.arange(len(idx)), idx] = 0.0
    return out


def _tie_rows_held(rows: Array, idx: Index, ties: Array) -> Array:
    """``tie_held(loss, ties)[..., idx]`` from the involved rows ``(..., k, n)``: ``(..., k)``."""
    return (ties[_span(idx)] * rows).sum(axis=-1)


def _tie_rows_held_others(
    rows: Array, idx: Index, others: Index, ties: Array, loss: Callable[[], Array]
) -> Array:
    """``tie_held(loss, ties)[..., others]`` for uninvolved countries ``others``: ``(..., m)``.

    The loss ``(..., n, n)`` (``loss()``, asked for only when needed) is
    carried by its involved rows ``rows`` ``(..., k, n)``. An uninvolved
    country's row of it is ``+0.0`` but in its involved columns, so its sum
    has at most ``k`` terms that are not ``+0.0``. With ``k <= 2`` every
    order of summing them rounds once, so they are read from ``rows`` and
    added directly (``+ 0.0`` as the row's ``+0.0`` terms do: a ``-0.0`` sum
    becomes ``0.0``; ``ties`` without negative entries, ``-0.0`` included).
    Otherwise the rows ``others`` of the loss are summed as :func:`tie_held`
    sums them.
    """
    if len(idx) > 2:
        at = _span(others)
        return tie_held(loss()[..., at, :], ties[at])
    cols = np.swapaxes(rows[..., :, others], -1, -2)  # (..., m, k): loss[..., others, idx]
    terms = ties[np.ix_(others, idx)] * cols
    out = terms[..., 0] if len(idx) else np.zeros(terms.shape[:-1])
    return (out + terms[..., 1] if len(idx) == 2 else out) + 0.0


def _tie_rows_in_force(rows: Array, idx: Index, ties: Array) -> tuple[Array, Array]:
    """:func:`ties_in_force` of the whole loss on the involved block: two ``(..., k, k)``.

    ``ties`` symmetric bit for bit: then so is ``W(1 - L)``, whose columns
    ``idx`` are its rows ``idx`` transposed.
    """
    at = _span(idx)
    w = ties[at] * (1.0 - rows)  # (W(1 - L))[idx, :]
    wt = np.swapaxes(w, -1, -2)
    return np.ascontiguousarray(w[..., at]), _matmul_in_order(w, wt)


@lru_cache(maxsize=64)
def _rows_exact(n: int, idx: tuple[int, ...]) -> bool:
    """Whether the ``_tie_rows_*`` products give the whole products' bits here.

    :func:`tie_step` and :func:`ties_in_force` multiply ``(n, n)`` matrices;
    the row functions multiply ``(k, k) @ (k, n)`` and ``(k, n) @ (n, k)``
    blocks of them. The whole products' extra terms are exact zeros or the
    same products, summed in the same order (:func:`_matmul_in_order`), so
    the two agree by construction; this probe checks it on random inputs of
    the very shapes (per matrix: the runs axis does not matter) and layouts
    the engine uses, and the engine takes the rows only if they agree.
    """
    rng = np.random.default_rng(20250409)
    at = np.array(idx, dtype=np.intp)
    k, probes = len(at), 4
    ties = np.triu(rng.uniform(0.05, 1.0, (n, n)), 1)
    ties = ties + ties.T
    rows = rng.uniform(0.0, 0.9, (probes, k, n))
    rows[..., at] = (rows[..., at] + np.swapaxes(rows[..., at], -1, -2)) / 2
    rows[:, np.arange(k), at] = 0.0
    loss = _tie_rows_whole(rows, at, n)
    rise = rng.uniform(0.0, 1.0, (probes, k, k))
    full = np.zeros((probes, n, n))
    full[:, at[:, None], at[None, :]] = rise
    ero, half = rng.uniform(0.05, 0.5, (probes, 1, 1)), 91.0

    def same(a: Array, b: Array) -> bool:
        return bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))

    whole = tie_step(loss, full, ties, ero, 7.0, half)
    eff, two = ties_in_force(loss, ties)
    block = (slice(None), at[:, None], at[None, :])
    r_eff, r_two = _tie_rows_in_force(rows, at, ties)
    return (
        same(_tie_rows_whole(_tie_rows_step(rows, rise, at, ties, ero, 7.0, half), at, n), whole)
        and same(eff[block], r_eff)
        and same(two[block], r_two)
    )


def grievance_step(
    grievance: Array, prev_tau: Array, tau: Array, days: float, halflife: ArrayLike
) -> Array:
    r"""Remembered grievances after a round.

    ``j`` *retaliates* against ``i`` when it raises its tariff on ``i`` while
    ``i``'s tariff on ``j`` stands (at the start of the round). ``i``
    remembers it:

    .. math:: G_{ij} \leftarrow G_{ij}\,2^{-d/h} + \Delta^+_{ji}\,[\tau_{ij} > 0]

    With ``halflife`` 0 nothing is remembered (``G = 0``).

    Examples
    --------
    >>> t0 = np.array([[0, 0.2], [0, 0]]); t1 = np.array([[0, 0.2], [0.1, 0]])  # 1 answers 0
    >>> ts.dynamics.grievance_step(np.zeros((2, 2)), t0, t1, 7.0, 182.0)
    array([[0. , 0.1],
           [0. , 0. ]])
    """
    h = np.asarray(halflife, dtype=float)
    rise = np.maximum(tau - prev_tau, 0.0)
    new = np.swapaxes(rise, -1, -2) * (prev_tau > 0)
    return np.where(h > 0, grievance * decay(days, h) + new, 0.0)


def adjust_along(steps: list[tuple[float, float]], at: float, halflife: float) -> float:
    """Import adjustment of one dyad at day ``at`` after a calendar of tariff steps.

    ``steps`` lists ``(day, headline)`` in time order, from free trade;
    :func:`adjust_step` is applied at each step and over the days between.

    Examples
    --------
    >>> round(ts.dynamics.adjust_along([(0, 0.1)], 91.0, 91.0), 3)
    0.5
    """
    a, tau, day = 0.0, 0.0, 0.0
    one = np.ones(1)
    for d, level in [*steps, (at, None)]:
        a = float(adjust_step(a * one, tau * one, tau * one, d - day, halflife)[0]) if tau else a
        day = d
        if level is not None:
            a = float(adjust_step(a * one, tau * one, level * one, 0.0, halflife)[0])
            tau = level
    return a
