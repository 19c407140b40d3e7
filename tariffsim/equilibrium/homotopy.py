r"""Mixed Nash equilibria of N-player games by the logit homotopy, and one front door.

:func:`logit_nash` follows the principal logit QRE branch
(:func:`~tariffsim.equilibrium.logit_branch`) of the *normalised* game
(payoffs on [0, 1] per player, so ``lambda`` means the same in every game)
towards :math:`\lambda \to \infty`. For generic games the branch is a smooth
curve that converges to a Nash equilibrium (McKelvey and Palfrey, GEB 10,
1995; Turocy, GEB 51, 2005): the logit homotopy is *globally convergent in
practice*, for any number of players. Along the way, from points of growing
:math:`\lambda`, the supports :math:`S_i = \{a : \sigma_{ia} \ge \theta \max_b
\sigma_{ib}\}` are guessed and the equilibrium on them is solved by Newton's
method on the indifference equations

.. math::

    v_{ia}(\sigma) = v_{i a_0}(\sigma)\ \ (a \in S_i), \qquad
    \textstyle\sum_{a \in S_i} \sigma_{ia} = 1, \qquad \sigma_{ia} = 0\ \ (a \notin S_i),

(*polishing*); a candidate is accepted only if it is a distribution with
relative regret ``<= tol`` lying within 0.02 (largest probability difference)
of the branch point it was polished from: an equilibrium farther away may be
another equilibrium of the game than the branch's limit, so the branch is
followed further. If the branch ends first, the equilibrium polished from its
last point is taken. When the branch cannot be followed or no support
polishes, the result says ``converged=False`` (with a
:class:`~tariffsim.errors.ConvergenceWarning`) and holds the best profile seen.

:func:`mixed_nash` picks a method by the game's size and players:
``"vertex"`` (every extreme equilibrium) for two-player games up to
``m + n <= 32``, ``"lemke-howson"`` (one equilibrium; the logit homotopy if it
fails) for larger two-player games, ``"logit"`` for three or more players,
and best replies for one player; the result names the method used.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._util import one_of
from ..errors import ConvergenceWarning, ParameterError
from ._validate import check_int, check_real
from .normal_form import FloatArray, NormalFormGame, _as_game, _check_relative_tol, _equilibria_repr
from .qre import _pair_matrix, _split, _values
from .scaling import _relative_regret, normalize, payoff_ranges

__all__ = ["METHODS", "MixedNashResult", "NashResult", "logit_nash", "mixed_nash"]

METHODS: tuple[str, ...] = ("auto", "vertex", "support", "lemke-howson", "logit")
"""Methods understood by :func:`mixed_nash`."""

_THRESHOLDS = (0.3, 0.1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-6, 1e-9)
#: Largest distance (max abs difference of probabilities) between a branch
#: point and the equilibrium polished from it for the latter to count as the
#: branch's limit.
_NEAR = 0.02


@dataclass(frozen=True, slots=True)
class NashResult:
    """One mixed Nash equilibrium of an N-player game.

    Attributes
    ----------
    profile : tuple of numpy.ndarray
        One read-only probability vector per player (the best profile seen
        when not converged).
    regret : float
        Relative regret of ``profile`` (deviation gains over each player's
        payoff range).
    converged : bool
        ``regret <= tol``.
    lam : float
        Precision (on the normalised game) of the branch point the
        equilibrium was polished from.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.logit_nash(eq.NormalFormGame.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]]))
    >>> r.converged, [p.tolist() for p in r.profile]
    (True, [[0.0, 1.0], [0.0, 1.0]])
    """

    profile: tuple[FloatArray, ...]
    regret: float
    converged: bool
    lam: float
    message: str


def _polish(
    arr: FloatArray, sigma: list[FloatArray], threshold: float, tol: float
) -> tuple[list[FloatArray], float] | None:
    """Newton on the indifference equations of the supports guessed from ``sigma``.

    ``arr`` is the payoff array in units of each player's payoff range
    (:func:`_unit_payoffs`): the equations, their tolerance and the regret
    are then the same at any payoff unit.
    """
    n = arr.shape[0]
    supports = [np.flatnonzero(s >= threshold * s.max()) for s in sigma]
    sig = []
    for s, sup in zip(sigma, supports, strict=True):
        x = np.zeros_like(s)
        x[sup] = s[sup] / s[sup].sum()
        sig.append(x)
    sizes = [len(sup) for sup in supports]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    for _ in range(30):
        F = np.empty(int(offs[-1]))
        for i in range(n):
            v = _values(arr, sig, i)[supports[i]]
            F[offs[i] : offs[i + 1] - 1] = v[1:] - v[0]
            F[offs[i + 1] - 1] = sig[i][supports[i]].sum() - 1.0
        if not np.all(np.isfinite(F)):
            return None
        if float(np.abs(F).max()) <= 1e-13:
            break
        J = np.zeros((F.size, F.size))
        for i in range(n):
            rows = slice(offs[i], offs[i + 1] - 1)
            for j in range(n):
                if j == i:
                    continue
                M = _pair_matrix(arr[i], sig, i, j)[np.ix_(supports[i], supports[j])]
                J[rows, offs[j] : offs[j + 1]] = M[1:] - M[0]
            J[offs[i + 1] - 1, offs[i] : offs[i + 1]] = 1.0
        try:
            step = np.linalg.solve(J, -F)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        for i in range(n):
            sig[i][supports[i]] += step[offs[i] : offs[i + 1]]
    if any(float(s.min()) < -1e-12 for s in sig):
        return None
    out = []
    for s in sig:
        s = np.clip(s, 0.0, None)
        out.append(s / s.sum())
    regret = _relative_regret(arr, out)
    return (out, regret) if regret <= tol else None


def logit_nash(
    game: Any,
    *,
    tol: float = 1e-8,
    lam_max: float = 1e7,
    max_steps: int = 20_000,
) -> NashResult:
    """A Nash equilibrium of any N-player game by following the logit homotopy.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    tol : float, default 1e-8
        Relative regret accepted (see :mod:`~tariffsim.equilibrium.scaling`); > 0.
    lam_max : float, default 1e7
        Largest precision followed, on the normalised game (payoff range 1).
    max_steps : int, default 20000
        Most continuation steps.

    Returns
    -------
    NashResult

    Raises
    ------
    ParameterError
        If an argument is invalid.

    Warns
    -----
    ConvergenceWarning
        When no equilibrium with regret ``<= tol`` was found.

    Notes
    -----
    The equilibrium found is the limit of the principal branch: the *logit
    tracing* selection of the game normalised per player (each player's
    payoffs on [0, 1]; :func:`qre_select` traces the game's own payoffs, with
    one ``lambda`` for all players, and can select another equilibrium where
    the players' payoff ranges differ, unless given ``normalize=True``). Its
    guarantees are those of the homotopy: convergence for generic games
    (the branch is then a smooth curve reaching an equilibrium); a
    non-generic game (ties, bifurcations) may stop the branch, which is
    reported.

    Examples
    --------
    Three-player matching pennies (each player wants to match the next one's
    coin, the last the first) has one equilibrium, everyone mixing 50:50:

    >>> from tariffsim import equilibrium as eq
    >>> u = np.zeros((3, 2, 2, 2))
    >>> for a, b, c in np.ndindex(2, 2, 2):
    ...     u[:, a, b, c] = [a == b, b == c, c != a]
    >>> r = eq.logit_nash(eq.NormalFormGame(u))
    >>> r.converged, [np.round(p, 6).tolist() for p in r.profile]
    (True, [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    """
    g = _as_game(game)
    tol = _check_relative_tol(tol)
    lam_max = check_real(lam_max, "lam_max", minimum=0.0, open_min=True)
    max_steps = check_int(max_steps, "max_steps", 1)
    return _logit_nash(g, tol, lam_max, max_steps, stacklevel=3)


def _logit_nash(
    g: NormalFormGame, tol: float, lam_max: float, max_steps: int, stacklevel: int
) -> NashResult:
    from .logit_branch import _trace_branch, _unit, _unit_lam_max

    gn = normalize(g)
    unit = _unit_payoffs(g)
    sizes = g.shape
    found: list[tuple[list[FloatArray], float, float]] = []
    best: list[tuple[list[FloatArray], float, float]] = []
    next_try = [1.0]

    def attempt(w: FloatArray, lam: float, near: float = _NEAR) -> bool:
        sigma = [np.exp(z) for z in _split(w, sizes)]
        for theta in _THRESHOLDS:
            got = _polish(unit, sigma, theta, tol)
            # an equilibrium far from the branch point may be another one than
            # the branch's limit: go on along the branch until it is close
            if got is not None and _distance(got[0], sigma) <= near:
                found.append((got[0], got[1], lam))
                return True
        regret = _relative_regret(unit, sigma)
        if not best or regret < best[0][1]:
            best[:] = [(sigma, regret, lam)]
        return False

    # traced as logit_branch traces it (payoffs of unit spread): the same curve with the same
    # steps, so that qre_select(normalize=True) ends where this starts polishing (traced in
    # the normalised payoffs themselves, the steps jumped to another branch in some games)
    unit_ = _unit(gn)

    def stop(w: FloatArray, lam_u: float) -> bool:
        # polish whenever lambda has grown by half since the last attempt
        lam = lam_u / unit_
        if lam < next_try[0]:
            return False
        next_try[0] = 1.5 * lam
        return attempt(w, lam)

    ws, lams, _, _, _, msg = _trace_branch(
        gn.payoff_array / unit_, sizes, _unit_lam_max(lam_max, unit_), 1e-10, max_steps,
        stop=stop, unit=unit_, shown_max=lam_max,
    )  # fmt: skip
    if not found:  # the branch ended: the equilibrium nearest its last point
        attempt(ws[-1], lams[-1] / unit_, near=np.inf)
    if found:
        profile, regret, lam = found[0]
        return _result(profile, regret, True, lam, f"polished at lambda = {lam:.4g}")
    if not best:
        sigma = [np.full(a, 1.0 / a) for a in sizes]
        best = [(sigma, _relative_regret(unit, sigma), 0.0)]
    sigma, regret, lam = best[0]
    message = f"no equilibrium within tol={tol:g}: branch {msg}; best relative regret {regret:.3g}"
    warnings.warn(f"logit_nash: {message}.", ConvergenceWarning, stacklevel=stacklevel)
    return _result(sigma, regret, False, lam, message)


def _unit_payoffs(g: NormalFormGame) -> FloatArray:
    """Each player's payoffs less their lowest, over their range (:func:`payoff_ranges`).

    An affine map per player, so the game's equilibria and relative regrets
    are the same; unlike :func:`normalize`, no payoff is moved to a grid. In
    these units the Newton steps of :func:`_polish` and the expected payoffs
    it forms are of order 1 whatever the game's unit: payoffs of 1e-20
    would otherwise meet its absolute tolerance before a step, and payoffs
    near :data:`~tariffsim.equilibrium.MAX_PAYOFF` overflow in a step.
    """
    lo, span = payoff_ranges(g)
    shape = (-1,) + (1,) * len(g.shape)
    return (g.payoff_array - lo.reshape(shape)) / span.reshape(shape)


def _distance(a: list[FloatArray], b: list[FloatArray]) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True))


def _result(
    profile: list[FloatArray], regret: float, converged: bool, lam: float, message: str
) -> NashResult:
    frozen = []
    for p in profile:
        p = np.array(p, dtype=float)
        p.flags.writeable = False
        frozen.append(p)
    return NashResult(tuple(frozen), float(regret), converged, float(lam), message)


# ---------------------------------------------------------------------------
# The front door
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MixedNashResult:
    """Mixed equilibria from :func:`mixed_nash`, with the method that found them.

    Attributes
    ----------
    equilibria : tuple of tuple of numpy.ndarray
        Each equilibrium is one probability vector per player.
    method : str
        The method used: ``"vertex"``, ``"support"``, ``"lemke-howson"``,
        ``"logit"`` or ``"best-response"`` (one player).
    complete : bool
        True when ``equilibria`` lists every extreme equilibrium (vertex
        enumeration; support enumeration of a game proved nondegenerate).
    converged : bool
        At least one equilibrium was found, each with relative regret ``<= tol``.
    regret : float
        Largest relative regret over ``equilibria``.
    message : str

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> r = eq.mixed_nash(eq.NormalFormGame.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]]))
    >>> r.method, len(r.equilibria), r.complete
    ('vertex', 3, True)
    """

    equilibria: tuple[tuple[FloatArray, ...], ...]
    method: str
    complete: bool
    converged: bool
    regret: float
    message: str

    def __repr__(self) -> str:
        n = len(self.equilibria)
        head = (
            f"MixedNashResult by {self.method}: {n} equilibri{'um' if n == 1 else 'a'}"
            + (", every extreme one" if self.complete else "")
            + ("" if self.converged else ", NOT converged")
            + f", relative regret {self.regret:.2g}"
        )
        return _equilibria_repr(head, self.equilibria)


def mixed_nash(game: Any, method: str = "auto", *, tol: float = 1e-8) -> MixedNashResult:
    """Mixed Nash equilibria by the best method for the game's size and players.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        Any number of players.
    method : {"auto", "vertex", "support", "lemke-howson", "logit"}
        ``"auto"`` picks (see the module notes): ``"vertex"`` for two players
        with ``m + n <= 32`` (all extreme equilibria, degenerate games
        included), ``"lemke-howson"`` for larger two-player games (one
        equilibrium, the logit homotopy if it fails), ``"logit"`` for three or
        more players (one equilibrium, :func:`logit_nash`). ``"vertex"``,
        ``"support"`` and ``"lemke-howson"`` need two players.
    tol : float, default 1e-8
        Relative regret accepted; > 0.

    Returns
    -------
    MixedNashResult
        ``method`` names the method that produced ``equilibria``.

    Raises
    ------
    ParameterError
        If `method` is unknown or needs two players and the game has more.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> u = np.random.default_rng(0).random((3, 2, 2, 2))
    >>> r = eq.mixed_nash(eq.NormalFormGame(u))
    >>> r.method, r.converged
    ('logit', True)
    """
    g = _as_game(game)
    tol = _check_relative_tol(tol)
    if not one_of(method, METHODS):
        raise ParameterError(
            f"`method` must be one of {', '.join(repr(m) for m in METHODS)}; got {method!r}."
        )
    n = g.n_players
    if method in ("vertex", "support", "lemke-howson") and n != 2:
        raise ParameterError(
            f"`method` {method!r} needs a two-player game; got {n} players (use 'logit' or 'auto')."
        )
    if n == 1:
        v = g.payoff_array[0]
        best = np.flatnonzero(v >= v.max() - tol * float(np.ptp(v)))  # relative: any scale
        eqs = tuple((_unit(len(v), int(a)),) for a in best)
        return MixedNashResult(eqs, "best-response", True, True, 0.0, "one player: best replies")
    if method == "auto":
        if n == 2:
            method = "vertex" if sum(g.shape) <= 32 else "lemke-howson"
        else:
            method = "logit"
    if method == "vertex":
        from .vertex import vertex_enumeration

        vr = vertex_enumeration(g, tol=tol)
        eqs2 = tuple((x, y) for x, y in vr.equilibria)
        return _front(g, eqs2, "vertex", vr.complete, vr.message)
    if method == "support":
        from .support import support_enumeration

        sr = support_enumeration(g, tol=tol, full_degeneracy_check=True)
        return _front(g, sr.equilibria, "support", not sr.degenerate, sr.message)
    if method == "lemke-howson":
        from .lemke_howson import lemke_howson

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr = lemke_howson(g, tol=tol)
        if lr.equilibrium is not None:
            return _front(g, (lr.equilibrium,), "lemke-howson", False, lr.message)
        method = "logit"
    nr = _logit_nash(g, tol, 1e7, 20_000, stacklevel=3)
    if not nr.converged:
        return MixedNashResult((nr.profile,), "logit", False, False, nr.regret, nr.message)
    return _front(g, (nr.profile,), "logit", False, nr.message)


def _unit(size: int, k: int) -> FloatArray:
    v = np.zeros(size)
    v[k] = 1.0
    v.flags.writeable = False
    return v


def _front(
    g: NormalFormGame, eqs: Any, method: str, complete: bool, message: str
) -> MixedNashResult:
    profiles = tuple(tuple(np.asarray(p) for p in e) for e in eqs)
    regrets = [_relative_regret(g.payoff_array, list(e)) for e in profiles]
    regret = max(regrets) if regrets else math.inf
    converged = bool(profiles)
    if not converged:
        warnings.warn(f"mixed_nash ({method}): {message}.", ConvergenceWarning, stacklevel=3)
    return MixedNashResult(profiles, method, complete, converged, regret, f"{method}: {message}")
