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

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    """
    h = np.asarray(halflife, dtype=float)
    safe = np.where(h > 0, h, 1.0)
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
    one = rise @ e  # one[i, k] = sum_j rise[i, j] E[j, k]
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
    return w, w @ w


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
