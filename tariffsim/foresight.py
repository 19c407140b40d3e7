r"""Forward-looking strategies: value continuation, not just the next round.

:class:`Forward` scores each own-move profile by a discounted look-ahead on the
agent's *perceived* payoff model, the others holding their levels:

.. math::

    V(m) = u(s_m \mid s) + \sum_{k=1}^{H-1} \delta^k\, u(s_m \mid s_m)
           + \frac{\delta^H}{1-\delta}\, u(s_m \mid s_m),

the first round (with its one-off face and resolve costs) and then the new
state held. As the state is held from the first round on, the weights of the
held payoff add up to :math:`\delta/(1-\delta)` for every horizon,

.. math::

    V(m) = u(s_m \mid s) + \frac{\delta}{1-\delta}\, u(s_m \mid s_m),

so the horizon ``H`` does not change the value or the choice:
``Forward(horizon=2)`` and ``Forward(horizon=50)`` play the same moves (and
``continuation="mpe"``, the other continuation, does not use ``H``). With
``delta = 0`` the agent maximises the next round's payoff, once a round. That
is :class:`~tariffsim.agents.MyopicBestResponse` only in a game whose round is
one decision step (``decision_days`` at least the round's days,
:attr:`~tariffsim.game.Game.steps` of 1): the myopic strategy is *paced*, it
best-responds again at every decision step of a round (7 in a weekly round of
daily decisions, the default), so it can climb several rungs in a round where
``Forward`` moves one. One-off costs weigh less against a flow that lasts, so
a forward-looking agent cuts a tariff that hurts it in fewer, larger steps;
and it holds a level whose flow it prefers even when a single round of change
would pay.

Limits: the others are assumed to hold (no model of their reaction); with
``jumps=True`` every rung of each own ladder is a candidate (``moves =
"jump"`` scenarios), else one step.

Markov-perfect continuation
---------------------------
With ``continuation="mpe"`` the agent values continuation by the
Markov-perfect value function instead: it solves the escalation game between
itself and its targets (:func:`tariffsim.equilibrium.markov_perfect`) on its
*perceived* model, with every other field of the world held at today's state
and its ladders cut at the floors the game's unmet demands impose
(:attr:`~tariffsim.agents.Observation.floors`), and plays its part of the
selected equilibrium at today's state,

.. math::

    a_i^*(s) \in \arg\max_{a_i}\; r_i\bigl(s, (a_i, a_{-i}^*(s))\bigr)
        + \delta\, V_i\bigl(s'(s, a_i, a_{-i}^*(s))\bigr),

so the others are expected to react as the equilibrium says, not to hold. A
state where the equilibrium holds is a resting point: such an agent never
leaves it unless its payoffs or beliefs change. The solve is cached per
perceived model, state and floors. With several targets the game is solved
jointly when it has at most :data:`MAX_MPE_TRANSITIONS` transitions, else one
bilateral game per target (the other targets' dyads held). Today's state must
be on the (floored) ladders; otherwise the look-ahead is used. This module
sits above the solvers: it imports :mod:`tariffsim.equilibrium` when an agent
with ``continuation="mpe"`` first moves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import numbers
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from . import limits
from ._util import one_of, whole_number
from .agents import Observation, Traits, best_index, register
from .errors import ParameterError
from .world import StateBatch

__all__ = ["CONTINUATIONS", "MAX_MPE_TRANSITIONS", "MAX_PROFILES", "Forward"]

MAX_PROFILES = 4096
"""Largest number of own-move profiles :class:`Forward` scores jointly (else dyad by dyad)."""

MAX_MPE_TRANSITIONS = 250_000
"""Largest ladder game (states x profiles) ``continuation="mpe"`` solves jointly
(else one bilateral game per target)."""

CONTINUATIONS = ("lookahead", "mpe")
"""How :class:`Forward` values continuation."""

_MPE_CACHE: OrderedDict[bytes, Any] = OrderedDict()
_MPE_CACHE_SIZE = 64
_MPE_LOCK = threading.Lock()  # runs may be played on several threads (an executor's)
_MPE_MAX_ITER = 200
"""Sweeps per solve: a policy that cycles is used as the last sweep left it."""

Moves = dict[tuple[str, str], int]


@dataclass(frozen=True)
class Forward:
    """Best discounted look-ahead on the perceived model, others holding.

    Parameters
    ----------
    horizon : int, default 8
        Rounds looked ahead (>= 1, at most the ``max_rounds`` limit of
        :mod:`tariffsim.limits`); beyond them the state is held forever. The
        state is held from the first round on, so the weights sum to
        ``discount / (1 - discount)`` whatever the horizon: it does not change
        the moves (see :attr:`weights`), and ``continuation="mpe"`` does not
        use it.
    discount : float, default 0.95
        Per-round discount factor, in [0, 1).
    jumps : bool, default False
        Consider every rung of each own ladder in one round (needs a game with
        ``moves = "jump"``); otherwise -1, 0 or +1.
    continuation : {"lookahead", "mpe"}, default "lookahead"
        ``"lookahead"``: the discounted look-ahead above, the others holding.
        ``"mpe"``: the Markov-perfect value function of the game with its
        targets, on the perceived model (see the module notes; `horizon` is
        then unused).
    selection : {"status-quo", "payoff-dominant", "qre"}, default "status-quo"
        Equilibrium-selection rule of the Markov-perfect solve.

    Raises
    ------
    ParameterError
        If `horizon`, `discount`, `continuation` or `selection` is out of range;
        with ``continuation="mpe"``, a discount too close to 1 for the solve
        (:func:`tariffsim.equilibrium.markov.check_patience`).
    LimitError
        If `horizon` exceeds the ``max_rounds`` limit.

    Warns
    -----
    ConvergenceWarning
        With ``continuation="mpe"``, when a Markov-perfect solve the agent plays
        by did not converge (the agent plays its last policy).

    Examples
    --------
    >>> ts.Forward(horizon=4, discount=0.9).horizon
    4
    >>> ts.Forward(continuation="mpe").continuation
    'mpe'
    """

    horizon: int = 8
    discount: float = 0.95
    jumps: bool = False
    continuation: str = "lookahead"
    selection: str = "status-quo"
    name: ClassVar[str] = "forward"
    traits: ClassVar[Traits] = Traits(memory_depth=1, uses_beliefs=True)

    def __post_init__(self) -> None:
        h = self.horizon
        limits.check("max_rounds", whole_number(h, "horizon", 1), "Forward.horizon")
        d = self.discount
        if isinstance(d, bool) or not isinstance(d, numbers.Real) or not 0 <= float(d) < 1:
            raise ParameterError(f"`discount` must be in [0, 1); got {d!r}.")
        if not isinstance(self.jumps, bool):
            raise ParameterError(f"`jumps` must be true or false; got {self.jumps!r}.")
        if not one_of(self.continuation, CONTINUATIONS):
            raise ParameterError(
                f"`continuation` must be one of 'lookahead', 'mpe'; got {self.continuation!r}."
            )
        if not one_of(self.selection, ("status-quo", "payoff-dominant", "qre")):
            raise ParameterError(
                "`selection` must be one of 'status-quo', 'payoff-dominant', 'qre'; "
                f"got {self.selection!r}."
            )
        if self.continuation == "mpe":  # (refused now, not in the middle of a run)
            from .equilibrium.markov import check_patience

            check_patience(float(d))
        object.__setattr__(self, "horizon", int(h))
        object.__setattr__(self, "discount", float(d))

    @property
    def weights(self) -> tuple[float, float]:
        r"""Weight of the first round's payoff and of the held state's per-round payoff.

        The second is :math:`\sum_{k=1}^{H-1} \delta^k + \delta^H/(1-\delta) =
        \delta/(1-\delta)` for every horizon ``H``.

        Examples
        --------
        >>> [round(ts.Forward(horizon=h, discount=0.9).weights[1], 9) for h in (1, 8, 100)]
        [9.0, 9.0, 9.0]
        """
        d, h = self.discount, self.horizon
        held = sum(d**k for k in range(1, h)) + (d**h) / (1 - d)
        return 1.0, held

    def act(self, obs: Observation, rng: np.random.Generator) -> Moves:
        """The own-move profile with the highest discounted perceived value."""
        if not obs.targets:
            return {}
        if self.continuation == "mpe":
            mv = self._mpe_moves(obs)
            if mv is not None:
                return mv
        w = obs.world
        options = []
        for a, b in obs.targets:
            lad = w.ladders[(a, b)]
            cur = float(obs.state.tariff[w.index(a), w.index(b)])
            options.append(_candidates(lad, cur, self.jumps))
        sizes = [len(o) for o in options]
        if int(np.prod(sizes)) <= MAX_PROFILES:
            profiles = list(itertools.product(*options))
            return self._best(obs, profiles, options)
        out: Moves = {}
        for k, d in enumerate(obs.targets):  # dyad by dyad, the others held
            profs = [tuple(m if q == k else 0 for q in range(len(options))) for m in options[k]]
            out[d] = self._best(obs, profs, options)[d]
        return out

    def _best(
        self, obs: Observation, profiles: list[tuple[int, ...]], options: list[list[int]]
    ) -> Moves:
        w = obs.world
        profiles = _order(profiles)
        t0 = obs.state.tariff
        tariffs = np.repeat(t0[None], len(profiles), axis=0)
        for k, (a, b) in enumerate(obs.targets):
            lad = w.ladders[(a, b)]
            i, j = w.index(a), w.index(b)
            for p, prof in enumerate(profiles):
                tariffs[p, i, j] = _step(lad, t0[i, j], int(prof[k]))
        first = StateBatch.from_tariffs(tariffs, previous=obs.state)
        held = StateBatch(
            tariff=first.tariff,
            control=first.control,
            peak=first.peak,
            moved=np.zeros_like(first.tariff),
            support=first.support,
            shock=np.zeros_like(first.support),
            adjust=first.adjust,
            tie_loss=first.tie_loss,
            grievance=first.grievance,
        )
        me = w.index(obs.me)
        a1, ah = self.weights
        value = (
            a1 * np.asarray(obs.model.payoff(first, prev=obs.state))[:, me]
            + ah * np.asarray(obs.model.payoff(held, prev=held))[:, me]
        )
        best = int(best_index(value))
        return {d: int(m) for d, m in zip(obs.targets, profiles[best], strict=True)}

    def act_batch(self, bobs: Any, rngs: Any) -> NDArray[np.int8]:
        """:meth:`act` in every run of a batch at once (shape (R, k))."""
        R, k = bobs.runs, len(bobs.targets)
        if k == 0:
            return np.zeros((R, 0), dtype=np.int8)
        if self.continuation == "mpe":  # one solve per perceived model: run by run, cached
            return np.asarray(bobs.act_per_run(self, rngs), dtype=np.int8)
        i, j = bobs.ij()
        cur = bobs.tariff[:, i, j]  # (R, k)
        lads = [bobs.world.ladders[d] for d in bobs.targets]
        if self.jumps:
            span = [len(lad.levels) - 1 for lad in lads]
            options = [[0, *range(-1, -s - 1, -1), *range(1, s + 1)] for s in span]
        else:
            options = [[0, -1, 1]] * k
        if int(np.prod([len(o) for o in options])) > MAX_PROFILES:
            out = np.zeros((R, k), dtype=np.int8)
            for c in range(k):
                profs = [tuple(m if q == c else 0 for q in range(k)) for m in options[c]]
                out[:, c] = self._best_batch(bobs, _order(profs), lads, cur, i, j)[:, c]
            return out
        return self._best_batch(bobs, _order(list(itertools.product(*options))), lads, cur, i, j)

    def _best_batch(
        self,
        bobs: Any,
        profiles: list[tuple[int, ...]],
        lads: list[Any],
        cur: NDArray[np.float64],
        i: NDArray[np.intp],
        j: NDArray[np.intp],
    ) -> NDArray[np.int8]:
        prof = np.array(profiles, dtype=np.int64).reshape(len(profiles), -1)
        P = len(prof)
        tariffs = np.repeat(bobs.tariff[:, None], P, axis=1)  # (R, P, k', k')
        for c, lad in enumerate(lads):
            levels = np.repeat(cur[:, c : c + 1], P, axis=1)  # (R, P)
            tariffs[:, :, i[c], j[c]] = lad.step_rungs(levels, prof[None, :, c])
        a1, ah = self.weights
        value = a1 * bobs.payoff(tariffs)  # (R, P)
        me = bobs.index(bobs.me)
        rt, ag, st = bobs._run, bobs._agent, bobs._states
        for p in range(P):
            t = tariffs[:, p]
            held = dataclasses.replace(
                st,
                tariff=t,
                peak=np.maximum(st.peak, t),
                moved=np.zeros_like(t),
                shock=np.zeros_like(st.shock),
            )
            bd = rt.evaluate(ag.perceived, held, t[:, None])
            value[:, p] += ah * bd.total[:, 0, me]
        best = best_index(value)
        return prof[best].astype(np.int8)

    # -- Markov-perfect continuation -------------------------------------------------
    def _mpe_moves(self, obs: Observation) -> Moves | None:
        """This agent's part of the selected Markov-perfect equilibrium at today's state."""
        from .deals import floor_world

        w = obs.world
        fw = floor_world(w, obs.floors) if obs.floors else w
        if fw is None:
            return None
        others = [b for _, b in obs.targets]
        groups = [others]
        if len(others) > 1 and _transitions(fw, obs.me, others, self.jumps) > MAX_MPE_TRANSITIONS:
            groups = [[t] for t in others]
        out: Moves = {}
        for grp in groups:
            res = self._solve(obs, fw, grp)
            if res is None:
                return None
            lg = res.lgame
            try:
                s = lg.index_of(obs.state)
            except ParameterError:  # today's levels are off the (floored) ladders
                return None
            mv = lg.moves_at(s, int(res.profile[s]))
            for d, m in zip(lg.dyads, mv, strict=True):
                if d[0] == obs.me and d in obs.targets:
                    out[d] = int(m)
        return out

    def _solve(self, obs: Observation, fw: Any, grp: list[str]) -> Any:
        from .game import Agent, Game

        me = obs.me
        agents = [Agent(me, targets=tuple(grp))]
        agents += [Agent(t, targets=(me,)) for t in grp if (t, me) in fw.ladders]
        key = _fingerprint(obs, grp, self)
        with _MPE_LOCK:
            hit = _MPE_CACHE.get(key)
            if hit is not None:
                _MPE_CACHE.move_to_end(key)
                return hit
        from .equilibrium.markov import _QUIET, markov_perfect

        game = Game(
            fw, obs.model, agents=tuple(agents), initial=obs.state,
            moves="jump" if self.jumps else "step",
        )  # fmt: skip
        quiet = _QUIET.set(True)  # no ConvergenceWarning: the policy is used as it is
        try:
            res = markov_perfect(
                game,
                discount=self.discount,
                selection=self.selection,  # type: ignore[arg-type]
                max_iter=_MPE_MAX_ITER,
                progress=False,
            )
        finally:
            _QUIET.reset(quiet)
        if not res.converged:  # played as it is, but said (once per solve: they are cached)
            import warnings

            from .errors import ConvergenceWarning

            warnings.warn(
                f"Forward(continuation='mpe'): {me}'s Markov-perfect continuation on "
                f"{', '.join(grp)} did not converge ({res.message}); {me} plays the last "
                "policy of the solve, which may be no equilibrium (payoff-dominant selection "
                "or a lower discount often converges)",
                ConvergenceWarning,
                stacklevel=2,
            )
        with _MPE_LOCK:
            _MPE_CACHE[key] = res
            _MPE_CACHE.move_to_end(key)
            while len(_MPE_CACHE) > _MPE_CACHE_SIZE:
                _MPE_CACHE.popitem(last=False)
        return res


def _transitions(world: Any, me: str, others: list[str], jumps: bool) -> int:
    dyads = [(me, t) for t in others] + [(t, me) for t in others if (t, me) in world.ladders]
    sizes = [len(world.ladders[d]) for d in dyads]
    states = int(np.prod(sizes))
    if jumps:
        return states * states
    return states * 3 ** len(dyads)


def _fingerprint(obs: Observation, grp: list[str], f: Forward) -> bytes:
    """Cache key of a Markov-perfect solve: perceived model, state, floors, options."""
    h = hashlib.blake2b(digest_size=20)
    m = obs.model
    for fld in dataclasses.fields(m.params):
        v = getattr(m.params, fld.name)
        h.update(fld.name.encode())
        if isinstance(v, np.ndarray | float | int):
            h.update(np.ascontiguousarray(np.asarray(v, dtype=float)).tobytes())
        else:
            h.update(repr(v).encode())
    h.update(np.ascontiguousarray(np.asarray(m.weights, dtype=float)).tobytes())
    st = obs.state
    w = obs.world
    t = np.array(st.tariff, dtype=float)
    for b in grp:  # the solved dyads' levels are the game's state, not part of its data
        i, j = w.index(obs.me), w.index(b)
        t[i, j] = t[j, i] = 0.0
    for a in (t, st.control, st.support):
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    h.update(repr((id(obs.world), obs.me, tuple(grp), sorted(obs.floors.items()))).encode())
    h.update(repr((f.jumps, f.discount, f.selection)).encode())
    return h.digest()


def _order(profiles: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Tie-break order: fewer rungs moved first, then cuts before the rest dyad by dyad."""
    return sorted(profiles, key=lambda p: (sum(abs(x) for x in p), [x >= 0 for x in p]))


def _candidates(lad: Any, cur: float, jumps: bool) -> list[int]:
    if not jumps:
        return [0, -1, 1]
    below = sum(1 for x in lad.levels if x < cur - 1e-9)
    above = sum(1 for x in lad.levels if x > cur + 1e-9)
    return [0, *range(-1, -below - 1, -1), *range(1, above + 1)]


def _step(lad: Any, level: float, m: int) -> float:
    for _ in range(abs(m)):
        level = lad.step(level, 1 if m > 0 else -1)
    return float(level)


register("forward", Forward)
