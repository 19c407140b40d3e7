"""The logit tracing selection: the Nash equilibrium the principal logit QRE branch leads to.

At precision ``lam = 0`` the unique logit QRE is uniform play; the branch of
QRE that starts there (the *principal branch*) leads, as ``lam`` grows, to a
Nash equilibrium for generic games (McKelvey and Palfrey, "Quantal response
equilibria for normal form games", GEB 10, 1995). :func:`qre_select`
follows that branch by arc length (:func:`~tariffsim.equilibrium.logit_branch`),
through the points where it bends back in ``lam`` (turning points), and
returns its profile at ``lam_max``. A grid in ``lam``
(:func:`~tariffsim.equilibrium.logit_qre`) cannot pass a turning point: its
corrector lands on another branch there, and the equilibrium it ends at is
not the selection (in 14 of 300 random games of 2 and 3 players with 2 to 4
actions each, measured when this module replaced the grid).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from .._util import check_bool
from ..errors import ConvergenceWarning, warn_not_converged
from .logit_branch import logit_branch
from .normal_form import FloatArray, _as_game
from .scaling import _relative_regret
from .scaling import normalize as _normalize

__all__ = ["QRESelection", "qre_select"]


@dataclass(frozen=True, slots=True)
class QRESelection:
    """Limit of the principal QRE branch, used as an equilibrium selection.

    Attributes
    ----------
    profile : tuple of numpy.ndarray
        QRE profile at ``lam``, one ``(a_i,)`` array of probabilities per player.
    lam : float
        Precision reached (1 / payoff units): ``lam_max``, or less where play
        became pure to machine precision first.
    regret : float
        Regret of `profile` as a Nash equilibrium of the game, each player's
        deviation gain relative to its payoff range (as every solver's
        ``tol``; :func:`~tariffsim.equilibrium.scaling.relative_regret`): the
        same at any payoff unit.
    converged : bool
        True when the branch was followed to ``lam_max`` with every point
        within the corrector's tolerance.
    turning_points : int
        How many times the branch bent back in ``lam`` on the way (a grid in
        ``lam`` would have left the branch at the first).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> g = eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> eq.qre_select(g, lam_max=50).converged
    True
    """

    profile: tuple[FloatArray, ...]
    lam: float
    regret: float
    converged: bool
    turning_points: int = 0


def qre_select(
    game: Any,
    *,
    lam_max: float = 1000.0,
    tol: float = 1e-10,
    max_steps: int = 100_000,
    normalize: bool = False,
) -> QRESelection:
    """Nash equilibrium selected by following the principal logit QRE branch.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    lam_max : float, default 1000.0
        Precision at which to stop (1 / payoff units; finite, > 0); the
        returned profile approaches the selected equilibrium as `lam_max`
        grows, its regret shrinking roughly like ``1 / lam_max``.
    tol : float, default 1e-10
        Corrector tolerance, as in :func:`~tariffsim.equilibrium.logit_branch`.
    max_steps : int, default 100000
        Most continuation steps, as in :func:`~tariffsim.equilibrium.logit_branch`.
    normalize : bool, default False
        False: the branch of the game's own payoffs, one ``lam`` for every
        player (McKelvey and Palfrey's). True: the branch of the game
        normalised per player (each player's payoffs on [0, 1],
        :func:`~tariffsim.equilibrium.scaling.normalize`), the one
        :func:`~tariffsim.equilibrium.logit_nash` follows, so the two select
        alike; ``lam_max`` is then in units of each player's payoff range, and
        the selection does not change when one player's payoffs are rescaled
        or shifted.

    Returns
    -------
    QRESelection

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Warns
    -----
    ConvergenceWarning
        Once, under this function's name, when the branch could not be
        followed to ``lam_max`` (the result says ``converged=False``).

    Examples
    --------
    In the stag hunt, the limit of the logit path is the risk-dominant
    equilibrium (both hunt hare, action 1):

    >>> from tariffsim import equilibrium as eq
    >>> A = [[4, 0], [3, 3]]
    >>> s = eq.qre_select(eq.NormalFormGame.from_bimatrix(A, np.transpose(A)))
    >>> np.round(s.profile[0], 3), s.regret < 1e-3
    (array([0., 1.]), True)

    Where the branch bends back, the selection is where it leads, not where a
    grid in ``lam`` would jump to:

    >>> loop = eq.NormalFormGame.from_bimatrix([[6, 6], [7.32, 1]], [[7, 7], [6, 4]])
    >>> s = eq.qre_select(loop, lam_max=200)
    >>> s.turning_points, np.round(s.profile[0], 3).tolist()
    (2, [0.0, 1.0])
    """
    sel, message = _qre_select(game, lam_max, tol, max_steps, normalize)
    if not sel.converged:
        warn_not_converged("qre_select", message)
    return sel


def _qre_select(
    game: Any, lam_max: float, tol: float, max_steps: int, normalize: bool
) -> tuple[QRESelection, str]:
    """:func:`qre_select` without its warning, and the branch's message: for a caller that
    reports an unfinished trace in its own words (:func:`markov_perfect`'s selection)."""
    g = _as_game(game)
    traced = _normalize(g) if check_bool(normalize, "normalize") else g
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one warning, under this name
        branch = logit_branch(traced, lam_max=lam_max, tol=tol, max_steps=max_steps)
    profile = branch.final
    regret = _relative_regret(g.payoff_array, list(profile))
    sel = QRESelection(
        profile,
        float(branch.lambdas[-1]),
        regret,
        bool(branch.converged),
        int(branch.turning_points),
    )
    return sel, branch.message
