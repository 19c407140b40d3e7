r"""The principal logit QRE branch by arc-length continuation, and fitting lambda to play.

The logit QRE correspondence is the solution set of

.. math::

    H_i(w, \lambda) = w_i - \log \operatorname{softmax}\bigl(\lambda\, v_i(\sigma)\bigr) = 0,
    \qquad \sigma_i = e^{w_i},

over log-probabilities :math:`w` and precision :math:`\lambda \ge 0`. Its
*principal branch* starts at uniform play at :math:`\lambda = 0`. Where the
branch bends backward (:math:`\lambda` falls for a while before rising again,
as in Gambit's "loopback" game), a grid in :math:`\lambda` jumps to another
branch or fails; :func:`logit_branch` instead follows the curve by its arc
length :math:`s` (pseudo-arclength continuation, as Gambit's ``gambit-logit``
does; Turocy, "A dynamic homotopy interpretation of the logistic quantal
response equilibrium correspondence", GEB 51, 2005):

1. **tangent** :math:`t`: the unit null vector of the Jacobian
   :math:`[\partial_w H \mid \partial_\lambda H]`, oriented to agree with the
   previous tangent (so the direction of travel along the curve is kept
   through a turning point, where :math:`d\lambda/ds` changes sign);
2. **predictor** :math:`u + h t`, **corrector** Newton's method on
   :math:`H(u) = 0` constrained to the hyperplane through the prediction
   orthogonal to :math:`t`;
3. a corrected point is accepted only if the tangent there agrees with the
   previous one and the chord to it runs along both tangents (cosine
   :math:`> 0.98`): where the branch folds back close to itself a long step
   can land on the other sheet and retrace the branch backwards to
   :math:`\lambda = 0`, which the chord test rejects;
4. the step :math:`h` grows by 1.5 after an easy correction and halves after a
   failed or rejected one.

:func:`fit_logit_qre` estimates :math:`\lambda` by maximum likelihood from
observed action counts or frequencies :math:`n_{ia}`: the log likelihood
:math:`\ell = \sum_{i,a} n_{ia} \log \sigma_{ia}` is evaluated along the
branch, and the best point is refined at fixed :math:`\lambda` between its
neighbours (McKelvey and Palfrey, GEB 10, 1995, §5).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import limits
from .._util import real_array, short_repr
from ..errors import ConvergenceWarning, ParameterError
from ._validate import check_int, check_real, check_tol
from .normal_form import FloatArray, NormalFormGame, _as_game, _vec
from .qre import _LOG_FLOOR, _correct, _jacobian, _logit_target, _split, _values
from .scaling import from_lowest

__all__ = ["LogitBranch", "QREFit", "fit_logit_qre", "logit_branch"]

_MAX_CORRECT = 12


@dataclass(frozen=True, slots=True)
class LogitBranch:
    """Points of the principal logit QRE branch, in arc-length order.

    Attributes
    ----------
    lambdas : numpy.ndarray
        Precision at each point, shape ``(K,)``; not monotone where the
        branch bends backward.
    profiles : tuple of numpy.ndarray
        For each player a read-only ``(K, a_i)`` array of QRE strategies.
    residuals : numpy.ndarray
        ``max |sigma - softmax(lam v(sigma))|`` at each point.
    turning_points : int
        How many times ``lambda`` changed direction along the branch.
    converged : bool
        True when the branch reached ``lam_max``.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> loop = eq.NormalFormGame.from_bimatrix([[6, 6], [7.32, 1]], [[7, 7], [6, 4]])
    >>> b = eq.logit_branch(loop, lam_max=20)
    >>> b.converged, b.turning_points
    (True, 2)
    """

    lambdas: FloatArray
    profiles: tuple[FloatArray, ...]
    residuals: FloatArray
    turning_points: int
    converged: bool
    message: str

    @property
    def final(self) -> tuple[FloatArray, ...]:
        """The profile at the last point."""
        return tuple(p[-1] for p in self.profiles)

    def __len__(self) -> int:
        return int(self.lambdas.shape[0])

    def __repr__(self) -> str:
        return (
            f"<LogitBranch: {len(self)} points, lambda up to {float(self.lambdas.max()):.6g}, "
            f"{self.turning_points} turning point(s), {_done(self.converged)}; at the end "
            f"{_players(self.final)}>"
        )


def _players(profile: tuple[FloatArray, ...]) -> str:
    """``player 1 (0, 1), player 2 (0.5, 0.5)``: a profile in the results' reprs."""
    return ", ".join(f"player {i + 1} {_vec(p)}" for i, p in enumerate(profile))


def _done(converged: bool) -> str:
    return "converged" if converged else "NOT converged"


#: Cosine the chord of an accepted step must make with the tangents at both ends.
_ALIGN = 0.98


def _h_and_jac(
    arr: FloatArray, w: FloatArray, lam: float, sizes: tuple[int, ...]
) -> tuple[FloatArray, FloatArray]:
    """H (K,) and the Jacobian (K, K + 1) with respect to (w, lam)."""
    logs = _split(w, sizes)
    sig = [np.exp(z) for z in logs]
    h_parts, dlam, floored = [], [], []
    for i in range(len(sizes)):
        v = _values(arr, sig, i)
        target = _logit_target(v, lam)
        h_parts.append(logs[i] - target)
        p = np.exp(target)
        dlam.append(-(v - p @ v))
        floored.append(target <= _LOG_FLOOR)
    jw = _jacobian(arr, logs, lam)
    jac = np.hstack([jw, np.concatenate(dlam)[:, None]])
    dead = np.concatenate(floored)
    if dead.any():  # clamped log-probabilities: H = w - floor, derivative the identity
        jac[dead] = 0.0
        jac[dead, np.flatnonzero(dead)] = 1.0
    return np.concatenate(h_parts), jac


def _tangent(jac: FloatArray, prev: FloatArray) -> FloatArray | None:
    aug = np.vstack([jac, prev[None, :]])
    rhs = np.zeros(aug.shape[0])
    rhs[-1] = 1.0
    try:
        t = np.linalg.solve(aug, rhs)
    except np.linalg.LinAlgError:
        return None
    norm = _norm(t)
    if not math.isfinite(norm) or norm == 0:
        return None
    return np.asarray(t / norm)


_CROSS = 1e-7
"""Arc length at or below which a step may change the branch's orientation: it then crosses
a bifurcation (in a game with symmetries, as the battle of the sexes), where the sign of
``det([J; t])`` changes however short the step; a jump to another sheet does not survive
the halving (see :func:`_orientation`)."""


def _orientation(jac: FloatArray, t: FloatArray) -> float:
    """The sign of ``det([jac; t])``: constant along a branch followed one way, through its
    turning points (Allgower and Georg's orientation of a solution curve). It changes where
    a step lands on another sheet of the QRE set walked the other way: near a bend two
    sheets run close and nearly parallel, and a corrector could land on the other one with
    a tangent that passes the tests of direction (a 3x3x3 game's trace walked its own
    branch back to lambda = 0; a 3x3 game's jumped to another component and ended at a
    mixed equilibrium the branch does not lead to). Such a step is refused and the step
    halved; only a step of :data:`_CROSS` or less may change the orientation."""
    with np.errstate(all="ignore"):
        d = float(np.linalg.det(np.vstack([jac, t[None, :]])))
    return math.copysign(1.0, d) if math.isfinite(d) and d != 0 else 0.0


def _max_residual(arr: FloatArray, w: FloatArray, sizes: tuple[int, ...], lam: float) -> float:
    """Largest ``|sigma - softmax(lam v(sigma))|`` at the point ``w`` (log-probabilities)."""
    sig = [np.exp(z) for z in _split(w, sizes)]
    return max(
        float(np.abs(s - np.exp(_logit_target(_values(arr, sig, i), lam))).max())
        for i, s in enumerate(sig)
    )


_SHORT = 1e-6
"""Arc length below which the last step to lam_max is taken at fixed lambda."""

_LIVE = _LOG_FLOOR + 1.0
"""Log-probabilities above this take part in the tracer's tests of a step (see _trace_branch)."""


def _pure(w: FloatArray) -> bool:
    """Whether the log-probabilities ``w`` are pure play to machine precision (every
    probability below 1e-100 or above 1 - 1e-12)."""
    sig = np.exp(w)
    return bool(np.all((sig < 1e-100) | (sig > 1 - 1e-12)))


def _norm(x: FloatArray) -> float:
    """The Euclidean norm of ``x`` without overflow: scaled by its largest entry first
    (``np.linalg.norm`` squares the entries, so a step of lambda past about 1e154 had an
    infinite length and was halved until it had not: the trace crawled)."""
    big = float(np.abs(x).max()) if x.size else 0.0
    if big == 0.0 or not math.isfinite(big):
        return big
    return big * float(np.linalg.norm(x / big))


def _unit_vector(x: FloatArray) -> FloatArray:
    n = _norm(x)
    return x / n if n > 0 else x


def _renorm(w: FloatArray, sizes: tuple[int, ...]) -> FloatArray:
    parts = []
    for z in _split(w, sizes):
        z = np.maximum(z, _LOG_FLOOR)
        parts.append(z - (z.max() + np.log(np.exp(z - z.max()).sum())))
    return np.concatenate(parts)


def _trace_branch(
    arr: FloatArray,
    sizes: tuple[int, ...],
    lam_max: float,
    tol: float,
    max_steps: int,
    step0: float = 0.03,
    stop: Any = None,
    unit: float = 1.0,
    shown_max: float | None = None,
) -> tuple[list[FloatArray], list[float], list[float], int, bool, str]:
    """Follow the branch; ``stop(w, lam)`` (optional) may end the trace early by returning True.

    ``unit``: the payoffs ``arr`` are the game's divided by ``unit`` (messages give
    ``lambda`` in the game's units, ``lam / unit``; ``lam_max`` as ``shown_max`` when
    given, the bound asked for before it was clamped).
    """
    K = int(sum(sizes))
    w = np.concatenate([np.full(a, -math.log(a)) for a in sizes])
    lam = 0.0
    t = np.zeros(K + 1)
    t[-1] = 1.0
    ws, lams, res = [w.copy()], [0.0], [0.0]

    def pure_end() -> tuple[list[FloatArray], list[float], list[float], int, bool, str]:
        # play pure to machine precision: the branch stays here for every larger lambda
        wf = _renorm(w, sizes)
        ws.append(wf)
        lams.append(lam_max)
        res.append(_max_residual(arr, wf, sizes, lam_max))
        msg = (
            f"reached lambda = {lam_max / unit if shown_max is None else shown_max:.6g} "
            f"(play pure to machine precision from {lam / unit:.6g})"
        )
        return ws, lams, res, turns, True, msg

    h = step0
    turns = 0
    last_dir = 1.0
    orient = 0.0
    for _ in range(max_steps):
        if lam >= lam_max:
            if lam > lam_max:  # the corrector moved past lam_max: back onto it, at fixed lambda
                z, _, ok = _correct(arr, w, sizes, lam_max, tol)
                if ok and float(np.abs(np.exp(z) - np.exp(w)).max()) <= 0.05:
                    ws[-1], lams[-1], res[-1] = z, lam_max, _max_residual(arr, z, sizes, lam_max)
                    lam = lam_max
            return ws, lams, res, turns, True, f"reached lambda = {lam / unit:.6g}"
        _, jac = _h_and_jac(arr, w, lam, sizes)
        tan = _tangent(jac, t)
        if tan is None:
            return ws, lams, res, turns, False, f"singular Jacobian at lambda = {lam / unit:.6g}"
        t = tan
        if not orient:  # the branch's orientation, kept all along it (see _orientation)
            orient = _orientation(jac, t)
        if 0 < lam_max - lam < _SHORT * t[-1]:
            # a landing step shorter than the tests below resolve (the renormalisation's
            # rounding alone is larger): the point at lam_max by Newton at fixed lambda
            z, _, ok = _correct(arr, w, sizes, lam_max, tol)
            if ok and float(np.abs(np.exp(z) - np.exp(w)).max()) <= 1e-3:
                w, lam = z, lam_max
                ws.append(w.copy())
                lams.append(lam)
                res.append(_max_residual(arr, w, sizes, lam))
                continue
        accepted = False
        while h > 1e-10:
            base = np.concatenate([w, [lam]])
            step = h
            if base[-1] + h * t[-1] > lam_max and t[-1] > 0:  # land on lam_max exactly
                step = (lam_max - lam) / t[-1]
            pred = base + step * t
            u = pred.copy()
            ok = False
            iters = 0
            for iters in range(_MAX_CORRECT):  # noqa: B007 (read after the loop)
                u = np.concatenate([_renorm(u[:-1], sizes), [max(u[-1], 0.0)]])
                with np.errstate(all="ignore"):
                    hval, jac2 = _h_and_jac(arr, u[:-1], float(u[-1]), sizes)
                if not np.all(np.isfinite(hval)) or not np.all(np.isfinite(jac2)):
                    break
                if float(np.abs(hval).max()) <= tol:
                    ok = True
                    break
                aug = np.vstack([jac2, t[None, :]])
                rhs = -np.concatenate([hval, [t @ (u - pred)]])
                try:
                    du = np.linalg.solve(aug, rhs)
                except np.linalg.LinAlgError:
                    break
                if not np.all(np.isfinite(du)):
                    break
                u = u + du
            if ok:
                # guard against jumping to another branch: the tangent at the new
                # point must point the same way, and the correction stay small
                _, jac3 = _h_and_jac(arr, u[:-1], float(u[-1]), sizes)
                t_new = _tangent(jac3, t)
                # ... judged on the coordinates alive at both points: a log-probability
                # that reaches the floor stops there, and its part of the tangent drops
                # to 0 (a kink no step, however short, would pass)
                live = np.append((base[:-1] > _LIVE) & (u[:-1] > _LIVE), True)
                dist = _norm((u - pred)[live])
                chord = (u - base)[live]
                # the chord to the new point must run along both tangents: a corrector
                # that lands on a nearby sheet of the QRE set (where the branch folds
                # back close to itself) gives a chord across the sheets
                if t_new is not None:
                    ta, tb = _unit_vector(t[live]), _unit_vector(t_new[live])
                    cl = _norm(chord)
                    o_new = _orientation(jac3, t_new)
                if (
                    t_new is not None
                    and float(tb @ ta) > 0.9
                    and dist <= 0.5 * step
                    and float(chord @ ta) > _ALIGN * cl
                    and float(chord @ tb) > _ALIGN * cl
                    and (o_new == orient or step <= _CROSS)
                ):
                    orient = o_new  # (changed only crossing a bifurcation)
                    accepted = True
                    easy = iters <= 3 and dist <= 0.05 * step and float(t_new @ t) > 0.995
                    break
            h /= 2
        if not accepted:
            if _pure(w):
                return pure_end()
            return ws, lams, res, turns, False, f"step size underflow at lambda = {lam / unit:.6g}"
        direction = math.copysign(1.0, float(u[-1]) - lam) if u[-1] != lam else last_dir
        if direction != last_dir:
            turns += 1
            last_dir = direction
        w, lam = u[:-1], float(u[-1])
        ws.append(w.copy())
        lams.append(lam)
        res.append(_max_residual(arr, w, sizes, lam))
        h = min(h * (1.5 if easy else 1.0), max(1e6, lam))  # (far out: lambda doubles at most)
        if stop is not None and stop(w, lam):
            return ws, lams, res, turns, True, f"stopped at lambda = {lam / unit:.6g}"
        if lam < lam_max and _pure(w):
            return pure_end()
    return ws, lams, res, turns, lam >= lam_max, f"stopped after max_steps={max_steps}"


def logit_branch(
    game: Any,
    *,
    lam_max: float = 100.0,
    tol: float = 1e-10,
    max_steps: int = 100_000,
) -> LogitBranch:
    """Follow the principal logit QRE branch by arc length, through backward bends.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    lam_max : float, default 100.0
        Stop when the branch reaches this precision (1 / payoff units); finite, > 0.
    tol : float, default 1e-10
        Corrector tolerance on ``max |w - log softmax(lam v)|``; > 0.
    max_steps : int, default 100000
        Most continuation steps.

    Returns
    -------
    LogitBranch
        ``converged=False`` (with a :class:`~tariffsim.errors.ConvergenceWarning`)
        when the branch could not be followed to ``lam_max``.

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Notes
    -----
    Unlike :func:`logit_qre`, which reports the branch on a grid of ``lambda``
    values and may jump where the branch folds back, the points here follow
    the curve itself; several points may share a ``lambda``.

    Examples
    --------
    Gambit's "loopback" game: ``lambda`` rises, falls back, then rises again
    along the principal branch:

    >>> from tariffsim import equilibrium as eq
    >>> loop = eq.NormalFormGame.from_bimatrix([[6, 6], [7.32, 1]], [[7, 7], [6, 4]])
    >>> b = eq.logit_branch(loop, lam_max=20)
    >>> bool(np.any(np.diff(b.lambdas) < 0)), np.round(b.final[0], 3).tolist()
    (True, [0.0, 1.0])
    """
    g = _as_game(game)
    lam_max = check_real(lam_max, "lam_max", minimum=0.0, open_min=True)
    tol = check_tol(tol)
    max_steps = check_int(max_steps, "max_steps", 1)
    limits.check("max_iterations", max_steps, "max_steps")  # every point is kept
    return _branch(g, lam_max, tol, max_steps, stacklevel=3)


def _unit(g: NormalFormGame) -> float:
    """Half the largest of the players' payoff ranges (1/2 for a game of constant payoffs).

    Halved so that it is finite for any finite payoffs (a range from -1.7e308 to
    1.7e308 is not); payoffs divided by it span at most 2.
    """
    flat = g.payoff_array.reshape(g.n_players, -1)
    half = float((flat.max(axis=1) / 2 - flat.min(axis=1) / 2).max())
    return half if half > 0 else 0.5


_FLOAT_MAX = float(np.finfo(float).max)


def _unit_lam_max(lam_max: float, unit: float) -> float:
    """``lam_max`` in payoffs divided by ``unit``, at most the largest float (a bound beyond
    it is never reached: play is pure to machine precision long before)."""
    return min(lam_max * unit, _FLOAT_MAX)


def _branch(
    g: NormalFormGame, lam_max: float, tol: float, max_steps: int, stacklevel: int
) -> LogitBranch:
    sizes = g.shape
    # traced in payoffs of unit spread (lambda times the spread): the same curve, and the
    # same steps, whatever the payoffs' unit
    unit = _unit(g)
    lam_max_u = _unit_lam_max(lam_max, unit)
    ws, lams, res, turns, ok, msg = _trace_branch(
        from_lowest(g.payoff_array) / unit,
        sizes,
        lam_max_u,
        tol,
        max_steps,
        unit=unit,
        shown_max=lam_max,
    )
    probs = np.exp(np.array(ws))
    profiles = []
    for part in np.split(probs, np.cumsum(sizes)[:-1], axis=1):
        part = np.array(part)
        part.flags.writeable = False
        profiles.append(part)
    lam_arr = np.where(np.array(lams) == lam_max_u, lam_max, np.array(lams) / unit)
    res_arr = np.array(res)
    lam_arr.flags.writeable = False
    res_arr.flags.writeable = False
    message = f"{msg}; {len(lams)} points, {turns} turning point(s)"
    if not ok:
        warnings.warn(f"logit_branch: {message}.", ConvergenceWarning, stacklevel=stacklevel)
    return LogitBranch(lam_arr, tuple(profiles), res_arr, turns, ok, message)


# ---------------------------------------------------------------------------
# Maximum-likelihood fit of lambda
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QREFit:
    """Maximum-likelihood estimate of the logit precision from observed play.

    Attributes
    ----------
    lam : float
        The estimate (1 / payoff units).
    log_likelihood : float
        ``sum n_ia log sigma_ia`` at the estimate.
    profile : tuple of numpy.ndarray
        The QRE on the principal branch at the estimate.
    branch : LogitBranch
        The branch searched.
    converged : bool
        The branch was followed to ``lam_max``, the refinement converged and
        the likelihood depends on ``lambda`` (False where it is the same at
        every point searched, as in a game whose actions are all worth the
        same: ``lambda`` is then not identified, and ``lam`` is 0).
    at_bound : bool
        The likelihood is highest at ``lam_max`` (the data are closer to Nash
        play than the branch reaches; raise ``lam_max``).
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> pd = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> f = eq.fit_logit_qre(pd, [[20, 80], [20, 80]])
    >>> round(f.lam, 3)
    1.155
    """

    lam: float
    log_likelihood: float
    profile: tuple[FloatArray, ...]
    branch: LogitBranch
    converged: bool
    at_bound: bool
    message: str

    def __repr__(self) -> str:
        return (
            f"<QREFit: lambda {self.lam:.6g}, log-likelihood {self.log_likelihood:.6g}, "
            f"{_done(self.converged)}{' at the bound' if self.at_bound else ''}; "
            f"{_players(self.profile)} (on a branch of {len(self.branch)} points)>"
        )


def _check_counts(g: NormalFormGame, counts: Any) -> list[FloatArray]:
    try:
        if isinstance(counts, Mapping | Set | str | bytes):  # (a dict's keys; a set's order)
            raise TypeError
        items = list(counts)
    except TypeError:
        raise ParameterError(
            "`counts` must be a sequence of one array of action counts per player; got "
            f"{short_repr(counts)}."
        ) from None
    if len(items) != g.n_players:
        raise ParameterError(
            f"`counts` must hold one array per player ({g.n_players}); got {len(items)}."
        )
    out = []
    for i, (c, a) in enumerate(zip(items, g.shape, strict=True)):
        arr = np.array(real_array(c, f"counts[{i}]"))  # no strings, bools, complex, huge ints
        if arr.shape != (a,) or not np.all(np.isfinite(arr)) or (arr < 0).any():
            raise ParameterError(
                f"`counts[{i}]` must hold {a} finite numbers >= 0; got {short_repr(c)}."
            )
        with np.errstate(over="ignore"):
            total = arr.sum()
        if total <= 0:
            raise ParameterError(f"`counts[{i}]` must not be all zero; got {arr.tolist()!r}.")
        if not total <= _MAX_COUNT:  # (the likelihood would overflow)
            raise ParameterError(
                f"`counts[{i}]` sums to more than {_MAX_COUNT:g}; got {short_repr(c)}. Only "
                "the proportions inform lambda: scale the counts down."
            )
        out.append(arr)
    return out


_MAX_COUNT = 1e300
"""Largest total of a player's counts :func:`fit_logit_qre` takes: a log likelihood of
counts beyond it (each times a log probability down to -690) could exceed any float."""


def _loglik(counts: list[FloatArray], sig: list[FloatArray]) -> float:
    total = 0.0
    for c, s in zip(counts, sig, strict=True):
        with np.errstate(divide="ignore"):
            total += float(np.sum(np.where(c > 0, c * np.log(np.maximum(s, 1e-300)), 0.0)))
    return total


def fit_logit_qre(
    game: Any,
    counts: Any,
    *,
    lam_max: float | None = None,
    tol: float = 1e-10,
) -> QREFit:
    """Maximum-likelihood precision of the logit QRE from observed action counts.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    counts : sequence of array_like
        For each player, how often each action was observed (counts or
        frequencies: finite, >= 0, not all zero).
    lam_max : float, optional
        Largest precision searched; default ``1e4`` divided by the largest
        payoff range (about ``1e4`` in units of the payoff range).
    tol : float, default 1e-10
        Corrector tolerance, as in :func:`logit_branch`.

    Returns
    -------
    QREFit

    Raises
    ------
    ParameterError
        If ``counts`` or another argument is invalid.

    Notes
    -----
    The likelihood is maximised over the *principal branch* (as traced by
    :func:`logit_branch`), the selection analysts fit; where the branch bends
    backward, each point of the branch is a candidate, whatever its
    ``lambda``. The estimate is then refined at fixed ``lambda`` between the
    neighbours of the best branch point (bounded scalar search).

    Examples
    --------
    Play generated by the QRE at ``lambda = 2`` gives back ``lambda = 2``:

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> p = eq.logit_qre(g, lambdas=np.linspace(0, 2, 41)).final
    >>> round(eq.fit_logit_qre(g, [1e6 * p[0], 1e6 * p[1]]).lam, 4)
    2.0
    """
    g = _as_game(game)
    obs = _check_counts(g, counts)
    tol = check_tol(tol)
    if lam_max is None:  # 1e4 over the largest payoff range (at most the largest float)
        lam_max = min(5e3 / _unit(g), _FLOAT_MAX)
    lam_max = check_real(lam_max, "lam_max", minimum=0.0, open_min=True)
    branch = _branch(g, lam_max, tol, 100_000, stacklevel=3)
    sizes = g.shape
    K = len(branch)
    lls = np.array([_loglik(obs, [p[k] for p in branch.profiles]) for k in range(K)])
    flat = bool(np.all(lls == lls[0]))  # lambda does not move the likelihood at all
    k = int(np.argmax(lls))
    if not flat and lls[-1] == lls[k]:  # play pure to machine precision: the same
        k = K - 1  # likelihood at every larger lambda, so the bound stands
    best_lam, best_ll = float(branch.lambdas[k]), float(lls[k])
    best_prof = [np.array(p[k]) for p in branch.profiles]
    refined = True
    lo_k, hi_k = max(k - 1, 0), min(k + 1, K - 1)
    lam_lo, lam_hi = float(branch.lambdas[lo_k]), float(branch.lambdas[hi_k])
    if hi_k > lo_k and lam_hi > lam_lo and not flat:
        from scipy.optimize import minimize_scalar

        z0 = np.log(np.maximum(np.concatenate(best_prof), 1e-300))
        # refined in payoffs of unit spread, as the branch is traced
        unit = _unit(g)
        arr = from_lowest(g.payoff_array) / unit

        def neg(lam_u: float) -> float:
            z, _, ok = _correct(arr, z0, sizes, float(lam_u), tol)
            if not ok:
                return math.inf
            return -_loglik(obs, [np.exp(part) for part in _split(z, sizes)])

        opt = minimize_scalar(
            neg, bounds=(lam_lo * unit, lam_hi * unit), method="bounded",
            options={"xatol": 1e-10},
        )  # fmt: skip
        refined = False  # the grid's best point is not the fit unless the refinement says so
        if np.isfinite(opt.fun) and -float(opt.fun) >= best_ll:
            z, _, ok = _correct(arr, z0, sizes, float(opt.x), tol)
            refined = ok
            if ok:
                best_lam, best_ll = float(opt.x) / unit, -float(opt.fun)
                best_prof = [np.exp(part) for part in _split(z, sizes)]
        elif np.isfinite(opt.fun):  # the grid's point is at least as likely: it stands
            refined = True
    for p in best_prof:
        p.flags.writeable = False
    at_bound = k == K - 1 and branch.converged and not flat
    converged = branch.converged and refined and not flat
    msg = f"lambda = {best_lam:.6g}, log likelihood {best_ll:.6g}" + (
        "; highest at lam_max (raise it)" if at_bound else ""
    )
    if flat:  # (every action of the game worth the same, or lam_max too small to tell)
        msg += "; the likelihood is the same at every lambda searched: lambda is not identified"
    if not converged:
        warnings.warn(f"fit_logit_qre: {msg}; not converged.", ConvergenceWarning, stacklevel=2)
    return QREFit(best_lam, best_ll, tuple(best_prof), branch, converged, at_bound, msg)
