"""Logit quantal response equilibria (QRE) traced by continuation in lambda.

A logit QRE at precision ``lam >= 0`` is a mixed profile with
``sigma_i = softmax(lam * v_i(sigma_-i))`` for every player ``i``, where
``v_i`` are the expected payoffs of ``i``'s actions. At ``lam = 0`` the unique
QRE is uniform play; following the branch that starts there as ``lam`` grows
(the *principal branch*) leads, as ``lam -> inf``, to a Nash equilibrium —
the logit tracing selection (McKelvey and Palfrey, "Quantal response
equilibria for normal form games", GEB 10, 1995).

The branch is followed on a grid of ``lam`` values. At each grid point the
previous solution is the starting guess of a Newton corrector working on log
probabilities; if the corrector fails, the step is halved (up to a depth
limit). A point is *converged* when the fixed-point residual
``max |sigma - softmax(lam * v(sigma))|`` is ``<= tol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import limits
from .._util import real_array, short_repr
from ..errors import ParameterError, warn_not_converged
from .normal_form import (
    FloatArray,
    NormalFormGame,
    _as_game,
    _check_int,
    _check_relative_tol,
    _check_tol,
    _equilibria_repr,
)
from .scaling import from_lowest, payoff_ranges

__all__ = ["QREPath", "logit_qre"]

_MAX_NEWTON = 30
_MAX_HALVINGS = 12
#: Log-probabilities are kept above this to avoid underflow trouble.
_LOG_FLOOR = -700.0


@dataclass(frozen=True, slots=True)
class QREPath:
    """Principal branch of logit QRE.

    Attributes
    ----------
    lambdas : numpy.ndarray
        The requested precisions, shape ``(K,)``, non-decreasing.
    profiles : tuple of numpy.ndarray
        For each player, read-only ``(K, a_i)`` array of QRE mixed strategies.
    final : tuple of numpy.ndarray
        The profile at ``lambdas[-1]``.
    converged : numpy.ndarray
        Bool ``(K,)``: residual ``<= tol`` at each point.
    residuals : numpy.ndarray
        Fixed-point residual at each point.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> p = eq.logit_qre(g, lambdas=[0.0, 1.0])
    >>> p.profiles[0][0]
    array([0.5, 0.5])
    """

    lambdas: FloatArray
    profiles: tuple[FloatArray, ...]
    final: tuple[FloatArray, ...]
    converged: Any
    residuals: FloatArray

    def __repr__(self) -> str:
        k = len(self.lambdas)
        ok = int(np.count_nonzero(self.converged))
        head = (
            f"QREPath: {k} precision{'' if k == 1 else 's'} from {float(self.lambdas[0]):.3g} "
            f"to {float(self.lambdas[-1]):.3g}, {ok} of {k} converged; the profile at the last"
        )
        return _equilibria_repr(head, [self.final])

    def _repr_html_(self) -> str:
        """Notebook view: the traced range of λ and the final profile per player."""
        from ..path import html_table

        rows = [(k, np.round(np.asarray(p), 4).tolist()) for k, p in enumerate(self.final)]
        lam = np.asarray(self.lambdas)
        head = f"<b>logit QRE path</b>: λ from {lam[0]:g} to {lam[-1]:g}, {len(lam)} points"
        return f"<div>{head}" + html_table(["player", "final profile"], rows) + "</div>"


def _pair_matrix(arr_i: FloatArray, sig: list[FloatArray], i: int, j: int) -> FloatArray:
    """Expected payoff to i over (own action, j's action), others mixing per `sig`."""
    m = arr_i
    for k in range(len(sig) - 1, -1, -1):
        if k not in (i, j):
            m = np.tensordot(m, sig[k], axes=([k], [0]))
    return m if i < j else m.T


def _values(arr: FloatArray, sig: list[FloatArray], i: int) -> FloatArray:
    m = arr[i]
    for k in range(len(sig) - 1, -1, -1):
        if k != i:
            m = np.tensordot(m, sig[k], axes=([k], [0]))
    return np.asarray(m)


def _log_softmax(z: FloatArray) -> FloatArray:
    z = z - z.max()
    return np.asarray(z - np.log(np.exp(z).sum()))


def _logit_target(v: FloatArray, lam: float) -> FloatArray:
    """``log softmax(lam * v)`` without overflow for any finite ``lam >= 0``.

    ``lam * (v - max v)`` is <= 0, so huge precisions give ``-inf`` (probability
    0), never ``inf - inf``; log-probabilities are floored at ``_LOG_FLOOR``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        z = lam * (v - v.max())
    z = np.where(np.isnan(z), 0.0, z)  # lam == 0 times a -inf gap cannot occur; be safe
    out = z - np.log(np.exp(z).sum())
    return np.asarray(np.maximum(out, _LOG_FLOOR))


def _split(z: FloatArray, sizes: tuple[int, ...]) -> list[FloatArray]:
    return np.split(z, np.cumsum(sizes)[:-1])


def _residual(arr: FloatArray, logs: list[FloatArray], lam: float) -> tuple[FloatArray, float]:
    """F(z) in log space and the residual in probability space."""
    sig = [np.exp(z) for z in logs]
    parts = []
    prob_res = 0.0
    for i in range(len(sig)):
        target = _logit_target(_values(arr, sig, i), lam)
        parts.append(logs[i] - target)
        gap = float(np.abs(sig[i] - np.exp(target)).max())
        # a NaN must never read as a small residual (max(0, nan) is 0)
        prob_res = max(prob_res, gap if np.isfinite(gap) else np.inf)
    return np.concatenate(parts), prob_res


def _jacobian(arr: FloatArray, logs: list[FloatArray], lam: float) -> FloatArray:
    sig = [np.exp(z) for z in logs]
    sizes = [s.size for s in sig]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offs[-1])
    jac = np.eye(total)
    n = len(sig)
    for i in range(n):
        p_i = np.exp(_logit_target(_values(arr, sig, i), lam))
        proj = np.eye(sizes[i]) - p_i[None, :]  # d logsoftmax / d v = I - 1 p'
        for j in range(n):
            if j == i:
                continue
            M = _pair_matrix(arr[i], sig, i, j)  # (a_i, a_j)
            block = -lam * proj @ M * sig[j][None, :]
            jac[offs[i] : offs[i + 1], offs[j] : offs[j + 1]] = block
    return jac


def _correct(
    arr: FloatArray, z0: FloatArray, sizes: tuple[int, ...], lam: float, tol: float
) -> tuple[FloatArray, float, bool]:
    """Newton on F(z) = z - logsoftmax(lam v(exp z)) from z0."""
    z = z0.copy()
    f, res = _residual(arr, _split(z, sizes), lam)
    for _ in range(_MAX_NEWTON):
        if res <= tol:
            return z, res, True
        with np.errstate(all="ignore"):
            jac = _jacobian(arr, _split(z, sizes), lam)
            if not np.all(np.isfinite(jac)):
                return z, res, False
            try:
                step = np.linalg.solve(jac, -f)
            except np.linalg.LinAlgError:
                return z, res, False
        if not np.all(np.isfinite(step)):
            return z, res, False
        # Damped step: halve until the residual norm decreases.
        norm0 = float(np.abs(f).max())
        t = 1.0
        while t > 1e-4:
            z_new = np.maximum(z + t * step, _LOG_FLOOR)
            logs = [_log_softmax(part) for part in _split(z_new, sizes)]
            z_try = np.concatenate(logs)
            f_new, res_new = _residual(arr, logs, lam)
            if np.abs(f_new).max() < norm0 or res_new <= tol:
                break
            t /= 2
        else:
            return z, res, False
        z, f, res = z_try, f_new, res_new
    return z, res, res <= tol


def _validate_lambdas(lambdas: Any) -> FloatArray:
    lam = np.array(real_array(lambdas, "lambdas"))  # no strings, bools, complex, huge ints
    if lam.ndim != 1 or lam.size == 0:
        raise ParameterError(
            f"`lambdas` must be a non-empty 1-D array; got {short_repr(lambdas)} (shape "
            f"{lam.shape})."
        )
    limits.check("max_iterations", lam.size, "lambdas (points)")
    if not np.all(np.isfinite(lam)) or lam.min() < 0 or np.any(np.diff(lam) < 0):
        raise ParameterError(
            f"`lambdas` must be finite, >= 0 and non-decreasing; got {short_repr(lam.tolist())}."
        )
    return lam


def logit_qre(
    game: Any,
    lambdas: Any = None,
    *,
    lam_max: float = 100.0,
    n_steps: int = 200,
    tol: float = 1e-10,
) -> QREPath:
    """Trace the principal branch of logit QRE from ``lambda = 0`` upward.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    lambdas : array_like, optional
        Non-decreasing precisions ``>= 0`` at which to report the branch, in
        1 / payoff units. Default: 0 followed by `n_steps` - 1 values
        geometrically spaced from ``lam_max / 1e4`` to `lam_max` (from
        ``10 / r`` where that is smaller, ``r`` the largest payoff range: the
        first step keeps ``lambda * r <= 10``, so that the trace starts from
        noisy play at any payoff unit).
    lam_max : float, default 100.0
        Largest precision of the default grid.
    n_steps : int, default 200
        Size of the default grid (>= 2).
    tol : float, default 1e-10
        A point is converged when ``max |sigma - softmax(lam * v(sigma))|``
        over all players and actions is ``<= tol``; > 0.

    Returns
    -------
    QREPath

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Notes
    -----
    The branch is parametrised by ``lambda``; where it folds back (a turning
    point, which some games with several equilibria have) the corrector may
    jump to another branch. Steps that fail are halved up to 12 times; points
    still failing are reported with ``converged=False``. After 3 points missed
    in a row, each later point gets one correction (no halving) until one
    converges again: beyond what double precision resolves (``lambda`` times
    the payoffs near ``1e13`` at a mixed equilibrium) every point misses, and
    halving each would only take time.

    Examples
    --------
    In matching pennies the QRE is uniform at every precision:

    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> p = eq.logit_qre(g, lambdas=[0, 1, 10])
    >>> np.round(p.final[0], 6), bool(p.converged.all())
    (array([0.5, 0.5]), True)
    """
    g = _as_game(game)
    tol = _check_relative_tol(tol)
    if lambdas is None:
        lam_max = _check_tol(lam_max, "lam_max")
        n_steps = _check_int(n_steps, "n_steps", 2)
        limits.check("max_iterations", n_steps, "n_steps")
        lam = np.concatenate([[0.0], _default_grid(g, lam_max, n_steps)])
    else:
        lam = _validate_lambdas(lambdas)
    path = _trace(g, lam, tol)
    if not bool(np.all(path.converged)):
        bad = int(np.size(path.converged) - np.count_nonzero(path.converged))
        warn_not_converged("logit_qre", f"{bad} point(s) of the path missed tol={tol:g}")
    return path


_GIVE_UP = 3
"""Points missed in a row after which the tracer stops halving its steps."""

_FIRST_STEP = 10.0
"""Most ``lambda`` times the largest payoff range at the default grid's first point."""


def _default_grid(g: NormalFormGame, lam_max: float, n_steps: int) -> FloatArray:
    """``n_steps - 1`` precisions geometrically spaced from ``min(lam_max / 1e4, 10 / r)`` to
    ``lam_max``, ``r`` the largest payoff range: the first step from uniform play stays where
    play is still noisy (``lambda * r <= 10``), whatever the payoffs' unit."""
    first = min(lam_max / 1e4, _FIRST_STEP / float(payoff_ranges(g)[1].max()))
    return np.asarray(np.geomspace(first, lam_max, n_steps - 1))


def _trace(g: NormalFormGame, lam: FloatArray, tol: float) -> QREPath:
    arr = from_lowest(g.payoff_array)  # the same responses, without a constant's cancellation
    sizes = g.shape
    z = np.concatenate([np.full(a, -np.log(a)) for a in sizes])
    prev_lam = 0.0
    out = np.empty((lam.size, int(sum(sizes))))
    ok = np.zeros(lam.size, dtype=bool)
    res = np.zeros(lam.size)
    failed = 0  # points missed in a row
    for k, target in enumerate(lam):
        if failed < _GIVE_UP:
            z, res[k], ok[k] = _advance(arr, z, sizes, prev_lam, float(target), tol)
        else:  # beyond what the corrector resolves (lambda times the payoffs near 1 / eps):
            # one correction a point, no halving, until a point converges again
            z, res[k], ok[k] = _correct(arr, z, sizes, float(target), tol)
        failed = 0 if ok[k] else failed + 1
        prev_lam = float(target)
        out[k] = np.exp(z)
    profiles = []
    for part in np.split(out, np.cumsum(sizes)[:-1], axis=1):
        part = np.array(part)
        part.flags.writeable = False
        profiles.append(part)
    final = tuple(p[-1] for p in profiles)
    for a in (lam, ok, res):
        a.flags.writeable = False
    return QREPath(lam, tuple(profiles), final, ok, res)


def _advance(
    arr: FloatArray, z: FloatArray, sizes: tuple[int, ...], lam0: float, lam1: float, tol: float
) -> tuple[FloatArray, float, bool]:
    """Move the solution from lam0 to lam1, halving the step on failure."""
    z_new, res, ok = _correct(arr, z, sizes, lam1, tol)
    if ok:
        return z_new, res, True
    stack = [(lam0, lam1, 0)]
    cur = z
    cur_lam = lam0
    while stack:
        a, b, depth = stack.pop()
        z_try, res, ok = _correct(arr, cur, sizes, b, tol)
        if ok:
            cur, cur_lam = z_try, b
            continue
        if depth >= _MAX_HALVINGS:
            return z_try, res, False
        mid = 0.5 * (a + b)
        stack.append((mid, b, depth + 1))
        stack.append((a, mid, depth + 1))
    return cur, res, cur_lam == lam1
