r"""Finite-automaton strategies of a repeated two-player game, checked exactly.

A strategy of the infinitely repeated game that remembers only finitely much is
a *finite automaton* (Rubinstein, 1986; Mailath & Samuelson, 2006, ch. 2): a set
of states ``Q``, an initial state ``q0``, an output ``f(q)`` (an action, or a
probability distribution over actions) and a transition ``tau(q, own, opp)``
to the state of the next round given both actions just played.

Two automata ``a`` (row player) and ``b`` (column player) playing a stage game
with payoffs ``A`` and ``B`` induce a Markov chain on *pairs* of states. With
discount factor ``delta`` the normalised-free (sum of discounted payoffs) value
of each pair solves the linear equations

.. math::

    V_i(q) = \sum_{x, y} f_a(q_a)(x)\, f_b(q_b)(y)\,
             \bigl[u_i(x, y) + \delta\, V_i(\tau(q, x, y))\bigr],

and a *one-shot deviation* of player ``i`` to action ``x`` at pair ``q`` is
worth :math:`Q_i(q, x) = \sum_y f_{-i}(y)\,[u_i(x, y) + \delta V_i(\tau(q, x, y))]`.

* **Subgame perfection** (:func:`automaton_spe`): by the one-shot deviation
  principle the pair is subgame perfect iff :math:`Q_i(q, x) \le V_i(q)` for
  both players, every action ``x`` and every pair ``q`` that some history
  leads to (every pair reachable from ``(q0_a, q0_b)`` under *any* actions:
  each is a subgame; pairs no history reaches are not subgames and are not
  checked).
* **Nash** (:func:`automaton_nash`): player ``i``'s best reply to the other
  automaton is a Markov decision problem whose state is the other automaton's
  state; the pair is a Nash equilibrium iff following the own automaton earns
  the optimal value of that problem from the start. The optimum is found by
  exact policy iteration, so a deviation of several rounds (not just one) is
  caught; the report names the first on-path pair where the best reply departs.
* **Sets of discount factors** (:func:`discount_set`): every condition above,
  multiplied by the positive determinant(s) of the linear systems, is a
  polynomial inequality in ``delta``. The polynomials are built exactly (rational
  arithmetic, interpolation at rational points), their real roots in ``(0, 1)``
  are the only places where a condition can switch, and the set is assembled
  from exact sign tests between roots. Rational roots are returned exactly
  (:class:`fractions.Fraction`), irrational ones as floats.

All arithmetic is rational (:class:`fractions.Fraction`): a float payoff or
discount is taken at its exact binary value, so boundary cases (``delta = 2/3``
for tit-for-tat) are decided exactly, not within a tolerance.

Limits: two players, finite action sets; at most :data:`MAX_PAIRS` reachable
state pairs; the Nash discount set enumerates the opponent's deterministic
stationary replies, at most :data:`MAX_POLICIES` of them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from ..errors import ParameterError, UnknownNameError
from .normal_form import NormalFormGame

__all__ = [
    "AUTOMATA",
    "MAX_PAIRS",
    "MAX_POLICIES",
    "Automaton",
    "AutomatonCheck",
    "Deviation",
    "DiscountSet",
    "Interval",
    "always_cooperate",
    "always_defect",
    "automaton_nash",
    "automaton_spe",
    "contrite_tit_for_tat",
    "discount_set",
    "firm_but_measured",
    "generous_tit_for_tat",
    "grim_trigger",
    "make_automaton",
    "pavlov",
    "stage_bimatrix",
    "tit_for_tat",
]

MAX_PAIRS = 64
"""Largest number of reachable state pairs the exact checks accept."""
MAX_POLICIES = 4096
"""Largest number of deterministic stationary replies :func:`discount_set` enumerates (Nash)."""

Kind = Literal["nash", "spe"]
Endpoint = Fraction | float


# ---------------------------------------------------------------------------
# automata
# ---------------------------------------------------------------------------
def _frac(x: Any, name: str) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ParameterError(f"`{name}` must be a real number; got {x!r}.")
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    v = float(x)
    if not math.isfinite(v):
        raise ParameterError(f"`{name}` must be finite; got {x!r}.")
    return Fraction(v)


@dataclass(frozen=True)
class Automaton:
    """A finite-automaton strategy of a repeated two-player game.

    Build one with :func:`make_automaton` (readable rules) or take a built-in
    (:data:`AUTOMATA`).

    Attributes
    ----------
    name : str
    states : tuple of str
        State names, distinct.
    actions : tuple of str
        The automaton's own action labels (``("C", "D")`` for the built-ins:
        C = keep the low tariff, D = raise it).
    opponent_actions : tuple of str
        The other player's action labels.
    output : tuple of tuple of Fraction
        ``output[q][x]``: probability of own action ``x`` in state ``q`` (rows
        sum to 1).
    transition : tuple of tuple of tuple of int
        ``transition[q][x][y]``: next state after own action ``x`` and the
        opponent's ``y``.
    initial : int
        Index of the initial state.
    """

    name: str
    states: tuple[str, ...]
    actions: tuple[str, ...]
    opponent_actions: tuple[str, ...]
    output: tuple[tuple[Fraction, ...], ...]
    transition: tuple[tuple[tuple[int, ...], ...], ...]
    initial: int = 0

    def __post_init__(self) -> None:
        q, m, n = len(self.states), len(self.actions), len(self.opponent_actions)
        if q < 1 or len(set(self.states)) != q:
            raise ParameterError(f"`states` must be distinct and non-empty; got {self.states!r}.")
        if m < 1 or n < 1:
            raise ParameterError("`actions` and `opponent_actions` must be non-empty.")
        if not isinstance(self.initial, int) or not 0 <= self.initial < q:
            raise ParameterError(f"`initial` must be a state index < {q}; got {self.initial!r}.")
        if len(self.output) != q or any(len(row) != m for row in self.output):
            raise ParameterError(f"`output` must have shape ({q}, {m}); got {self.output!r}.")
        for s, row in zip(self.states, self.output, strict=True):
            if any(p < 0 for p in row) or sum(row) != 1:
                raise ParameterError(
                    f"`output` of state {s!r} must be probabilities summing to 1; "
                    f"got {[str(p) for p in row]}."
                )
        ok = len(self.transition) == q and all(
            len(t) == m and all(len(u) == n and all(0 <= v < q for v in u) for u in t)
            for t in self.transition
        )
        if not ok:
            raise ParameterError(
                f"`transition` must have shape ({q}, {m}, {n}) with state indices < {q}."
            )

    @property
    def deterministic(self) -> bool:
        """True when every state plays one action for sure.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> eq.tit_for_tat().deterministic, eq.generous_tit_for_tat(0.1).deterministic
        (True, False)
        """
        return all(max(row) == 1 for row in self.output)

    def describe(self) -> str:
        """One line per state: its output and where each action pair leads.

        Examples
        --------
        >>> from tariffsim import equilibrium as eq
        >>> print(eq.grim_trigger().describe())
        grim-trigger (start C)
          C: play C; CC->C CD->D DC->D DD->D
          D: play D; CC->D CD->D DC->D DD->D
        """
        lines = [f"{self.name} (start {self.states[self.initial]})"]
        for k, s in enumerate(self.states):
            lines.append(
                f"  {s}: play {_dist_label(self.output[k], self.actions)}; "
                + " ".join(
                    f"{x}{y}->{self.states[self.transition[k][i][j]]}"
                    for i, x in enumerate(self.actions)
                    for j, y in enumerate(self.opponent_actions)
                )
            )
        return "\n".join(lines)


def _dist_label(row: Sequence[Fraction], actions: Sequence[str]) -> str:
    nz = [(a, p) for a, p in zip(actions, row, strict=True) if p]
    if len(nz) == 1:
        return nz[0][0]
    return "{" + ", ".join(f"{a}: {float(p):.6g}" for a, p in nz) + "}"


def make_automaton(
    name: str,
    states: Sequence[str],
    output: Mapping[str, str | Mapping[str, Any]],
    rule: Callable[[str, str, str], str],
    *,
    actions: Sequence[str] = ("C", "D"),
    opponent_actions: Sequence[str] | None = None,
    initial: str | None = None,
) -> Automaton:
    """Build an :class:`Automaton` from an output table and a transition rule.

    Parameters
    ----------
    name : str
    states : sequence of str
        State names; the first is the initial state unless `initial` is given.
    output : mapping of str to str or mapping of str to float
        Per state, the action played, or a distribution ``{action: prob}``.
    rule : callable ``(state, own, opp) -> state``
        Next state from the current state and both actions (labels).
    actions, opponent_actions : sequence of str, default ``("C", "D")``
        Own and the opponent's action labels (the opponent's default to own).
    initial : str, optional

    Returns
    -------
    Automaton

    Raises
    ------
    ParameterError
        If a state has no output, a probability is invalid, or the rule
        returns an unknown state.

    Examples
    --------
    Tit-for-tat: the state is the opponent's last action, played back.

    >>> from tariffsim import equilibrium as eq
    >>> tft = eq.make_automaton("tft", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: you)
    >>> tft.transition[0][0][1]
    1
    """
    states = tuple(str(s) for s in states)
    acts = tuple(str(a) for a in actions)
    opp = tuple(str(a) for a in (opponent_actions if opponent_actions is not None else acts))
    if not isinstance(output, Mapping):
        raise ParameterError(f"`output` must map each state to an action; got {output!r}.")
    rows = []
    for s in states:
        if s not in output:
            raise ParameterError(f"`output` has no entry for state {s!r}.")
        o = output[s]
        if isinstance(o, str):
            if o not in acts:
                raise ParameterError(f"`output[{s!r}]` must be one of {acts}; got {o!r}.")
            rows.append(tuple(Fraction(int(a == o)) for a in acts))
        elif isinstance(o, Mapping):
            bad = [a for a in o if a not in acts]
            if bad:
                raise ParameterError(f"`output[{s!r}]` names unknown actions {bad}; use {acts}.")
            rows.append(tuple(_frac(o.get(a, 0), f"output[{s!r}][{a!r}]") for a in acts))
        else:
            raise ParameterError(f"`output[{s!r}]` must be an action or a distribution; got {o!r}.")
    trans = []
    for s in states:
        t = []
        for x in acts:
            u = []
            for y in opp:
                nxt = rule(s, x, y)
                if nxt not in states:
                    raise ParameterError(
                        f"`rule` sent state {s!r} on ({x}, {y}) to unknown state {nxt!r}."
                    )
                u.append(states.index(nxt))
            t.append(tuple(u))
        trans.append(tuple(t))
    init = 0 if initial is None else (states.index(initial) if initial in states else -1)
    if init < 0:
        raise ParameterError(f"`initial` must be one of {states}; got {initial!r}.")
    return Automaton(str(name), states, acts, opp, tuple(rows), tuple(trans), init)


def grim_trigger() -> Automaton:
    """Grim trigger: C until anyone has played D, then D forever.

    The transition reads *both* actions (a deviator punishes itself too), the
    version that is subgame perfect in the prisoner's dilemma (Fudenberg &
    Tirole, 1991, §5.1).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.grim_trigger().states
    ('C', 'D')
    """
    return make_automaton(
        "grim-trigger",
        ["C", "D"],
        {"C": "C", "D": "D"},
        lambda s, me, you: "C" if s == "C" and me == you == "C" else "D",
    )


def tit_for_tat() -> Automaton:
    """Tit-for-tat: C first, then the opponent's last action (Axelrod, 1984).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.tit_for_tat().initial
    0
    """
    return make_automaton("tit-for-tat", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: you)


def firm_but_measured() -> Automaton:
    """The article strategy ``firm-but-measured`` on a two-level dyad.

    Answer escalations and cuts in kind, never escalate first: on a low/high
    dyad this is tit-for-tat (it matches the partner's level). Encodes
    ``cn_door_open_fight`` and ``cn_no_unilateral_concessions``.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.firm_but_measured().transition == eq.tit_for_tat().transition
    True
    """
    return make_automaton(
        "firm-but-measured", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: you
    )


def pavlov() -> Automaton:
    """Win-stay, lose-shift: C when both played the same last round, else D.

    (Nowak & Sigmund, 1993; "perfect tit-for-tat" in Fudenberg & Maskin.)

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.pavlov().transition[0]
    ((0, 1), (1, 0))
    """
    return make_automaton(
        "pavlov", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: "C" if me == you else "D"
    )


def generous_tit_for_tat(generosity: float = 0.1) -> Automaton:
    """Tit-for-tat that forgives a D with probability `generosity`.

    A *stochastic* automaton: in state D it plays C with probability
    `generosity` (Nowak & Sigmund, 1992). The checks treat it as a behaviour
    strategy: in a state where it mixes, every action it may play must be a
    best reply.

    Parameters
    ----------
    generosity : float
        In [0, 1].

    Raises
    ------
    ParameterError
        If `generosity` is outside [0, 1].

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.generous_tit_for_tat(0.25).output[1]
    (Fraction(1, 4), Fraction(3, 4))
    """
    g = _frac(generosity, "generosity")
    if not 0 <= g <= 1:
        raise ParameterError(f"`generosity` must be in [0, 1]; got {generosity!r}.")
    return make_automaton(
        "generous-tit-for-tat",
        ["C", "D"],
        {"C": "C", "D": {"C": g, "D": 1 - g}},
        lambda s, me, you: you,
    )


def contrite_tit_for_tat() -> Automaton:
    """Contrite tit-for-tat: after its own unprovoked D it accepts one punishment.

    States: ``C`` (in good standing, cooperate), ``D`` (punish the partner's
    unprovoked D), ``K`` (contrite: own D was unprovoked; cooperate and do not
    answer the partner's D). Boyd (1989); Sugden (1986).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.contrite_tit_for_tat().states
    ('C', 'D', 'K')
    """

    def rule(s: str, me: str, you: str) -> str:
        if s == "K":  # contrite: take the punishment, back to cooperation once it is over
            return "K" if me == "D" else "C"
        if s == "D":  # punishing: the partner's C clears it
            return "C" if you == "C" else "D"
        # good standing
        if me == "D" and you == "C":
            return "K"
        if me == "C" and you == "D":
            return "D"
        return "C"

    return make_automaton(
        "contrite-tit-for-tat", ["C", "D", "K"], {"C": "C", "D": "D", "K": "C"}, rule
    )


def always_defect() -> Automaton:
    """D in every round.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.always_defect().states
    ('D',)
    """
    return make_automaton("always-defect", ["D"], {"D": "D"}, lambda s, me, you: "D")


def always_cooperate() -> Automaton:
    """C in every round.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> eq.always_cooperate().states
    ('C',)
    """
    return make_automaton("always-cooperate", ["C"], {"C": "C"}, lambda s, me, you: "C")


AUTOMATA: Mapping[str, Callable[..., Automaton]] = {
    "grim-trigger": grim_trigger,
    "tit-for-tat": tit_for_tat,
    "firm-but-measured": firm_but_measured,
    "pavlov": pavlov,
    "generous-tit-for-tat": generous_tit_for_tat,
    "contrite-tit-for-tat": contrite_tit_for_tat,
    "always-defect": always_defect,
    "always-cooperate": always_cooperate,
}
"""Built-in automata by name (factories). The other article strategies are not
automata over low/high actions: ``face-saving-retreat`` reads recession odds,
markets and approval, ``divide-and-conquer`` needs several partners, and
``brinkmanship``/``transactional`` count calendar rounds or rungs of a ladder."""


# ---------------------------------------------------------------------------
# stage games
# ---------------------------------------------------------------------------
def _is_dyad(x: Any) -> bool:
    """Whether `x` carries T, R, P, S payoffs (a DyadPayoffs, read by its fields)."""
    return all(isinstance(getattr(x, f, None), numbers.Real) for f in ("T", "R", "P", "S"))


def stage_bimatrix(stage: Any) -> tuple[np.ndarray, np.ndarray]:
    """Row and column payoff matrices of a two-player stage game.

    Parameters
    ----------
    stage : NormalFormGame, (A, B), DyadPayoffs or (DyadPayoffs, DyadPayoffs)
        A two-player :class:`~tariffsim.equilibrium.NormalFormGame`; a pair of
        matrices; one country's :class:`~tariffsim.equilibrium.DyadPayoffs`
        (the symmetric game); or the row and column country's. For the
        ``DyadPayoffs`` forms, action 0 is C (low tariff) and 1 is D (high):
        ``A = [[R, S], [T, P]]``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A`` and ``B``, each of shape ``(m, n)``, float.

    Raises
    ------
    ParameterError
        If the stage is not one of these forms or is not finite.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> A, B = eq.stage_bimatrix(eq.DyadPayoffs(T=5, R=3, P=1, S=0))
    >>> A.tolist(), B.tolist()
    ([[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]])
    """
    if _is_dyad(stage):
        stage = (stage, stage)
    if isinstance(stage, NormalFormGame):
        if stage.payoff_array.shape[0] != 2:
            raise ParameterError(
                f"`stage` must be a two-player game; got {stage.payoff_array.shape[0]} players."
            )
        return np.array(stage.payoff_array[0]), np.array(stage.payoff_array[1])
    if isinstance(stage, tuple | list) and len(stage) == 2:
        r, c = stage
        if _is_dyad(r) and _is_dyad(c):
            A = np.array([[r.R, r.S], [r.T, r.P]], dtype=float)
            B = np.array([[c.R, c.T], [c.S, c.P]], dtype=float)
        else:
            try:
                A, B = np.array(r, dtype=float), np.array(c, dtype=float)
            except (TypeError, ValueError):
                raise ParameterError(
                    f"`stage` must hold two numeric matrices; got {stage!r}."
                ) from None
        if A.ndim != 2 or A.shape != B.shape or 0 in A.shape:
            raise ParameterError(
                f"`stage` matrices must be 2-D of one shape; got {A.shape} and {B.shape}."
            )
        for who, M in (("row", A), ("column", B)):
            if not np.all(np.isfinite(M)):
                i, j = (int(x) for x in np.argwhere(~np.isfinite(M))[0])
                raise ParameterError(
                    f"`stage` payoffs must be finite; the {who} player's payoff at ({i}, {j}) "
                    f"is {float(M[i, j])!r}."
                )
        return A, B
    raise ParameterError(
        "`stage` must be a NormalFormGame, a pair of matrices, DyadPayoffs or a pair of "
        f"DyadPayoffs; got {type(stage).__name__}."
    )


# ---------------------------------------------------------------------------
# the pair chain
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Pair:
    a: Automaton
    b: Automaton
    A: tuple[tuple[Fraction, ...], ...]
    B: tuple[tuple[Fraction, ...], ...]
    pairs: tuple[tuple[int, int], ...]  # reachable under any actions; index 0 = start
    nxt: tuple[tuple[tuple[int, ...], ...], ...]  # [j][x][y] -> j'
    on_path: tuple[int, ...]  # pairs reached with positive probability, BFS order

    def label(self, j: int) -> tuple[str, str]:
        qa, qb = self.pairs[j]
        return self.a.states[qa], self.b.states[qb]

    def dist(self, player: int, j: int) -> tuple[Fraction, ...]:
        qa, qb = self.pairs[j]
        return self.a.output[qa] if player == 0 else self.b.output[qb]


def _check_automaton(x: Any, name: str) -> Automaton:
    if isinstance(x, str):
        if x not in AUTOMATA:
            raise UnknownNameError(
                f"`{name}` {x!r} is not a built-in automaton; known: {', '.join(AUTOMATA)}."
            )
        return AUTOMATA[x]()
    if not isinstance(x, Automaton):
        raise ParameterError(f"`{name}` must be an Automaton or a built-in name; got {x!r}.")
    return x


def _build(a: Any, b: Any, stage: Any) -> _Pair:
    a = _check_automaton(a, "a")
    b = _check_automaton(b, "b")
    A, B = stage_bimatrix(stage)
    m, n = A.shape
    if len(a.actions) != m or len(a.opponent_actions) != n:
        raise ParameterError(
            f"automaton `a` ({a.name}) has {len(a.actions)} own and {len(a.opponent_actions)} "
            f"opponent actions; the stage game is {m}x{n}."
        )
    if len(b.actions) != n or len(b.opponent_actions) != m:
        raise ParameterError(
            f"automaton `b` ({b.name}) has {len(b.actions)} own and {len(b.opponent_actions)} "
            f"opponent actions; the stage game is {m}x{n}."
        )
    start = (a.initial, b.initial)
    index = {start: 0}
    pairs = [start]
    k = 0
    while k < len(pairs):
        qa, qb = pairs[k]
        for x in range(m):
            for y in range(n):
                p = (a.transition[qa][x][y], b.transition[qb][y][x])
                if p not in index:
                    if len(pairs) >= MAX_PAIRS:
                        raise ParameterError(
                            f"automata {a.name!r} x {b.name!r} reach more than {MAX_PAIRS} "
                            "state pairs; the exact checks accept at most that many."
                        )
                    index[p] = len(pairs)
                    pairs.append(p)
        k += 1
    nxt = tuple(
        tuple(
            tuple(index[(a.transition[qa][x][y], b.transition[qb][y][x])] for y in range(n))
            for x in range(m)
        )
        for qa, qb in pairs
    )
    seen = {0}
    order = [0]
    k = 0
    while k < len(order):
        j = order[k]
        qa, qb = pairs[j]
        for x in range(m):
            for y in range(n):
                if a.output[qa][x] and b.output[qb][y] and nxt[j][x][y] not in seen:
                    seen.add(nxt[j][x][y])
                    order.append(nxt[j][x][y])
        k += 1
    fa = tuple(tuple(Fraction(float(v)) for v in row) for row in A)
    fb = tuple(tuple(Fraction(float(v)) for v in row) for row in B)
    return _Pair(a, b, fa, fb, tuple(pairs), nxt, tuple(order))


def _solve(M: list[list[Fraction]], r: list[Fraction]) -> tuple[list[Fraction], Fraction]:
    """Solve ``M x = r`` exactly (Gaussian elimination); also return ``det M``."""
    n = len(r)
    aug = [[*row, r[i]] for i, row in enumerate(M)]
    det = Fraction(1)
    for c in range(n):
        piv = next((i for i in range(c, n) if aug[i][c] != 0), None)
        if piv is None:
            raise ParameterError("singular value equations (discount must be < 1).")
        if piv != c:
            aug[c], aug[piv] = aug[piv], aug[c]
            det = -det
        pv = aug[c][c]
        det *= pv
        for i in range(c + 1, n):
            f = aug[i][c]
            if f:
                f /= pv
                row_i, row_c = aug[i], aug[c]
                for k in range(c, n + 1):
                    row_i[k] -= f * row_c[k]
    x = [Fraction(0)] * n
    for i in range(n - 1, -1, -1):
        s = aug[i][n] - sum((aug[i][k] * x[k] for k in range(i + 1, n)), Fraction(0))
        x[i] = s / aug[i][i]
    return x, det


def _stage_u(pair: _Pair, player: int, x: int, y: int) -> Fraction:
    return pair.A[x][y] if player == 0 else pair.B[x][y]


def _values(pair: _Pair, d: Fraction) -> tuple[list[list[Fraction]], Fraction]:
    """Both players' values at every pair under the automata, and ``det(I - d P)``."""
    n = len(pair.pairs)
    M = [[Fraction(int(i == k)) for k in range(n)] for i in range(n)]
    rs: list[list[Fraction]] = [[Fraction(0)] * n, [Fraction(0)] * n]
    for j, (qa, qb) in enumerate(pair.pairs):
        for x, px in enumerate(pair.a.output[qa]):
            if not px:
                continue
            for y, py in enumerate(pair.b.output[qb]):
                if not py:
                    continue
                w = px * py
                M[j][pair.nxt[j][x][y]] -= d * w
                rs[0][j] += w * pair.A[x][y]
                rs[1][j] += w * pair.B[x][y]
    out = []
    det = Fraction(1)
    for p in (0, 1):
        v, det = _solve([row[:] for row in M], rs[p])
        out.append(v)
    return out, det


def _q(pair: _Pair, V: list[Fraction], player: int, j: int, act: int, d: Fraction) -> Fraction:
    """Value to `player` of playing `act` once at pair `j`, then following its automaton."""
    other = pair.dist(1 - player, j)
    total = Fraction(0)
    for o, po in enumerate(other):
        if not po:
            continue
        x, y = (act, o) if player == 0 else (o, act)
        total += po * (_stage_u(pair, player, x, y) + d * V[pair.nxt[j][x][y]])
    return total


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Deviation:
    """A profitable deviation that breaks an equilibrium.

    Attributes
    ----------
    player : int
        0 for the row automaton ``a``, 1 for the column automaton ``b``.
    state : (str, str)
        The pair of automaton states (``a``'s, ``b``'s) where it starts.
    action : str
        The action the player deviates to there.
    prescribed : str
        What its automaton plays there (an action or a distribution).
    gain : float
        Value gained (sum of discounted stage payoffs) by the deviation.
    plan : mapping of str to str or None
        For a Nash check, the whole best reply: the action per state of the
        *other* automaton. ``None`` for a one-shot deviation.
    """

    player: int
    state: tuple[str, str]
    action: str
    prescribed: str
    gain: float
    plan: Mapping[str, str] | None = None

    def __str__(self) -> str:
        who = "a" if self.player == 0 else "b"
        kind = "best reply" if self.plan is not None else "one-shot deviation"
        return (
            f"player {who} at ({self.state[0]}, {self.state[1]}) plays {self.action} instead of "
            f"{self.prescribed} ({kind}, gain {self.gain:.6g})"
        )


@dataclass(frozen=True)
class AutomatonCheck:
    """Result of :func:`automaton_nash` or :func:`automaton_spe` at one discount.

    Attributes
    ----------
    kind : {"nash", "spe"}
    holds : bool
        Whether the pair is an equilibrium of that kind. ``bool(check)`` is
        this.
    discount : float
    values : (float, float)
        Each player's discounted sum of stage payoffs from the start.
    checked : tuple of (str, str)
        The state pairs examined (on-path pairs for Nash, every pair a history
        reaches for SPE).
    breaks : tuple of Deviation
        Every profitable deviation found, largest gain first (empty if it holds).
    """

    kind: Kind
    holds: bool
    discount: float
    values: tuple[float, float]
    checked: tuple[tuple[str, str], ...]
    breaks: tuple[Deviation, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.holds

    @property
    def message(self) -> str:
        """A sentence saying whether it holds and, if not, what breaks it."""
        name = "a Nash equilibrium" if self.kind == "nash" else "subgame perfect"
        if self.holds:
            return f"holds: the pair is {name} at discount {self.discount:g}."
        return f"fails: not {name} at discount {self.discount:g}; {self.breaks[0]}."


@dataclass(frozen=True)
class Interval:
    """An interval of discount factors with exact (Fraction) or float endpoints.

    Attributes
    ----------
    lo, hi : Fraction or float
    lo_closed, hi_closed : bool
    """

    lo: Endpoint
    hi: Endpoint
    lo_closed: bool = True
    hi_closed: bool = False

    def __contains__(self, d: object) -> bool:
        if isinstance(d, bool) or not isinstance(d, numbers.Real):
            return False
        if not isinstance(d, Fraction) and not math.isfinite(float(d)):
            return False  # (NaN and the infinities are no discounts)
        v = d if isinstance(d, Fraction) else Fraction(float(d))
        if isinstance(d, numbers.Integral):
            v = Fraction(int(d))
        lo, hi = Fraction(self.lo), Fraction(self.hi)
        return (lo < v or (self.lo_closed and v == lo)) and (v < hi or (self.hi_closed and v == hi))

    def __str__(self) -> str:
        return (
            f"{'[' if self.lo_closed else '('}{_fmt(self.lo)}, {_fmt(self.hi)}"
            f"{']' if self.hi_closed else ')'}"
        )


def _fmt(x: Endpoint) -> str:
    if isinstance(x, Fraction):
        return str(x)
    short = f"{x:.12g}"
    return short if float(short) == x or short not in ("0", "1") else repr(float(x))


@dataclass(frozen=True)
class DiscountSet:
    """The discount factors in [0, 1) at which an automaton pair is an equilibrium.

    Attributes
    ----------
    kind : {"nash", "spe"}
    intervals : tuple of Interval
        Disjoint, increasing; empty when no discount works.
    per_player : (tuple of Interval, tuple of Interval)
        Where each player's own conditions hold (the set is their intersection).
    binding : tuple of str
        For each finite endpoint in `intervals`, the condition that switches
        there (e.g. ``"b at (C, D): D -> C"``).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> s = eq.discount_set("grim-trigger", "grim-trigger", eq.DyadPayoffs(5, 3, 1, 0), kind="spe")
    >>> str(s), s.lower, 0.7 in s
    ('[1/2, 1)', Fraction(1, 2), True)
    """

    kind: Kind
    intervals: tuple[Interval, ...]
    per_player: tuple[tuple[Interval, ...], tuple[Interval, ...]]
    binding: tuple[str, ...] = ()

    def __contains__(self, d: object) -> bool:
        return any(d in iv for iv in self.intervals)

    @property
    def empty(self) -> bool:
        """True when no discount in [0, 1) works."""
        return not self.intervals

    @property
    def lower(self) -> Endpoint | None:
        """The smallest discount in the set (its infimum), or ``None`` if empty."""
        return self.intervals[0].lo if self.intervals else None

    @property
    def upward_closed(self) -> bool:
        """True when the set is one interval ``[c, 1)`` (every larger discount works too)."""
        return (
            len(self.intervals) == 1
            and self.intervals[0].lo_closed
            and Fraction(self.intervals[0].hi) == 1
        )

    def __str__(self) -> str:
        return " u ".join(str(iv) for iv in self.intervals) if self.intervals else "empty"


# ---------------------------------------------------------------------------
# point checks
# ---------------------------------------------------------------------------
def _check_discount(discount: Any) -> Fraction:
    d = _frac(discount, "discount")
    if not 0 <= d < 1:
        raise ParameterError(f"`discount` must be in [0, 1); got {discount!r}.")
    return d


def _labels(pair: _Pair, player: int) -> tuple[str, ...]:
    return pair.a.actions if player == 0 else pair.b.actions


def automaton_spe(a: Any, b: Any, stage: Any, discount: float) -> AutomatonCheck:
    """Is the automaton pair a subgame-perfect equilibrium at `discount`?

    One-shot deviation check (exact) for both players at every pair of
    automaton states some history leads to.

    Parameters
    ----------
    a, b : Automaton or str
        Row and column player's automaton (or a name in :data:`AUTOMATA`).
    stage : NormalFormGame, (A, B), DyadPayoffs or (DyadPayoffs, DyadPayoffs)
        The stage game (see :func:`stage_bimatrix`).
    discount : float
        In [0, 1).

    Returns
    -------
    AutomatonCheck
        ``breaks`` names each pair of states and deviation that pays.

    Raises
    ------
    ParameterError
        Bad automata, stage game or discount.
    UnknownNameError
        An unknown built-in name.

    Examples
    --------
    Mutual tit-for-tat with (R, S, T, P) = (3, 0, 5, 1) is never subgame perfect:
    carrying out its punishment does not pay.

    >>> from tariffsim import equilibrium as eq
    >>> pd = eq.DyadPayoffs(T=5, R=3, P=1, S=0)
    >>> r = eq.automaton_spe("tit-for-tat", "tit-for-tat", pd, discount=0.7)
    >>> r.holds, r.breaks[0].state
    (False, ('D', 'D'))
    """
    d = _check_discount(discount)
    pair = _build(a, b, stage)
    (Va, Vb), _ = _values(pair, d)
    V = (Va, Vb)
    breaks = []
    for j in range(len(pair.pairs)):
        for p in (0, 1):
            labels = _labels(pair, p)
            for act in range(len(labels)):
                g = _q(pair, V[p], p, j, act, d) - V[p][j]
                if g > 0:
                    breaks.append(
                        Deviation(
                            p,
                            pair.label(j),
                            labels[act],
                            _dist_label(pair.dist(p, j), labels),
                            float(g),
                        )
                    )
    breaks.sort(key=lambda x: -x.gain)
    return AutomatonCheck(
        "spe",
        not breaks,
        float(d),
        (float(Va[0]), float(Vb[0])),
        tuple(pair.label(j) for j in range(len(pair.pairs))),
        tuple(breaks),
    )


def _other_states(pair: _Pair, player: int) -> tuple[Automaton, list[int]]:
    """The opponent automaton of `player` and its states reachable under any actions."""
    other = pair.b if player == 0 else pair.a
    return other, sorted({(qb if player == 0 else qa) for qa, qb in pair.pairs})


def _reply_values(
    pair: _Pair, player: int, policy: Mapping[int, int], d: Fraction
) -> tuple[dict[int, Fraction], Fraction]:
    """Values over the opponent's states of replying with a stationary `policy`; and det."""
    other, qs = _other_states(pair, player)
    pos = {q: k for k, q in enumerate(qs)}
    n = len(qs)
    M = [[Fraction(int(i == k)) for k in range(n)] for i in range(n)]
    r = [Fraction(0)] * n
    for k, q in enumerate(qs):
        x = policy[q]
        for o, po in enumerate(other.output[q]):
            if not po:
                continue
            u = pair.A[x][o] if player == 0 else pair.B[o][x]
            r[k] += po * u
            M[k][pos[other.transition[q][o][x]]] -= d * po
    v, det = _solve(M, r)
    return {q: v[pos[q]] for q in qs}, det


def _best_reply(
    pair: _Pair, player: int, d: Fraction
) -> tuple[dict[int, int], dict[int, Fraction]]:
    """Exact policy iteration for `player`'s best reply to the other automaton."""
    other, qs = _other_states(pair, player)
    m = len(_labels(pair, player))
    policy = {q: 0 for q in qs}
    for _ in range(10_000):
        v, _ = _reply_values(pair, player, policy, d)
        changed = False
        for q in qs:
            best, best_x = None, policy[q]
            for x in range(m):
                val = Fraction(0)
                for o, po in enumerate(other.output[q]):
                    if po:
                        u = pair.A[x][o] if player == 0 else pair.B[o][x]
                        val += po * (u + d * v[other.transition[q][o][x]])
                if best is None or val > best or (val == best and x == policy[q]):
                    best, best_x = val, x
            if best_x != policy[q]:
                policy[q] = best_x
                changed = True
        if not changed:
            return policy, v
    raise ParameterError("policy iteration did not terminate")  # pragma: no cover


def automaton_nash(a: Any, b: Any, stage: Any, discount: float) -> AutomatonCheck:
    """Is the automaton pair a Nash equilibrium of the repeated game at `discount`?

    Each player's best reply to the other automaton is computed exactly (a
    Markov decision problem over the other automaton's states, solved by
    policy iteration in rational arithmetic); the pair is Nash iff following
    the own automaton earns that optimum from the start. A failing check
    names the best reply (``plan``) and the first on-path state pair where it
    departs from the automaton.

    Parameters
    ----------
    a, b : Automaton or str
    stage : NormalFormGame, (A, B), DyadPayoffs or (DyadPayoffs, DyadPayoffs)
    discount : float
        In [0, 1).

    Returns
    -------
    AutomatonCheck

    Raises
    ------
    ParameterError
        Bad automata, stage game or discount.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> pd = eq.DyadPayoffs(T=5, R=3, P=1, S=0)
    >>> eq.automaton_nash("tit-for-tat", "tit-for-tat", pd, discount=0.7).holds
    True
    >>> r = eq.automaton_nash("tit-for-tat", "tit-for-tat", pd, discount=0.6)
    >>> r.breaks[0].plan
    {'C': 'D', 'D': 'C'}
    """
    d = _check_discount(discount)
    pair = _build(a, b, stage)
    (Va, Vb), _ = _values(pair, d)
    V = (Va, Vb)
    breaks = []
    for p in (0, 1):
        policy, v = _best_reply(pair, p, d)
        other, _ = _other_states(pair, p)
        q0 = other.initial
        gain = v[q0] - V[p][0]
        if gain > 0:
            labels = _labels(pair, p)
            where = 0
            for j in pair.on_path:
                qa, qb = pair.pairs[j]
                if pair.dist(p, j)[policy[qb if p == 0 else qa]] != 1:
                    where = j
                    break
            qa, qb = pair.pairs[where]
            act = policy[qb if p == 0 else qa]
            plan = {other.states[q]: labels[x] for q, x in sorted(policy.items())}
            breaks.append(
                Deviation(
                    p,
                    pair.label(where),
                    labels[act],
                    _dist_label(pair.dist(p, where), labels),
                    float(gain),
                    plan,
                )
            )
    breaks.sort(key=lambda x: -x.gain)
    return AutomatonCheck(
        "nash",
        not breaks,
        float(d),
        (float(Va[0]), float(Vb[0])),
        tuple(pair.label(j) for j in pair.on_path),
        tuple(breaks),
    )


# ---------------------------------------------------------------------------
# exact sets of discount factors
# ---------------------------------------------------------------------------
Poly = tuple[Fraction, ...]  # coefficients, lowest degree first


def _interpolate(xs: Sequence[Fraction], ys: Sequence[Fraction]) -> Poly:
    """Exact coefficients (lowest first) of the polynomial through the points."""
    n = len(xs)
    coef = list(ys)
    for k in range(1, n):  # Newton divided differences
        for i in range(n - 1, k - 1, -1):
            coef[i] = (coef[i] - coef[i - 1]) / (xs[i] - xs[i - k])
    poly = [Fraction(0)] * n
    for k in range(n - 1, -1, -1):  # Horner in Newton form -> monomials
        # poly = poly * (x - xs[k]) + coef[k]
        new = [Fraction(0)] * n
        for i in range(n - 1):
            new[i + 1] += poly[i]
            new[i] -= poly[i] * xs[k]
        new[0] += coef[k]
        poly = new
    while len(poly) > 1 and poly[-1] == 0:
        poly.pop()
    return tuple(poly)


def _peval(poly: Poly, x: Fraction) -> Fraction:
    acc = Fraction(0)
    for c in reversed(poly):
        acc = acc * x + c
    return acc


def _deflated(poly: Poly) -> Poly:
    """``poly`` without its factors ``x`` and ``(x - 1)``, divided out exactly.

    The conditions carry powers of ``1 - d`` (from the determinants of the
    value equations): a multiple root at 1 leaves floating-point roots near it
    wrong by far more than a threshold near 1 is from 1 (a prisoner's dilemma
    whose grim-trigger threshold is 1999/2000 lost it). Neither factor changes
    the polynomial's sign inside (0, 1).
    """
    p = list(poly)
    while len(p) > 1 and p[0] == 0:  # a factor x
        p.pop(0)
    while len(p) > 1 and sum(p) == 0:  # p(1) = 0: a factor (x - 1), by synthetic division
        q = [Fraction(0)] * (len(p) - 1)
        acc = Fraction(0)
        for i in range(len(p) - 1, 0, -1):  # from the leading coefficient down
            acc = acc + p[i]
            q[i - 1] = acc
        p = q
    return tuple(p)


def _roots01(poly: Poly) -> list[Endpoint]:
    """Real roots in (0, 1): exact Fractions when rational, else floats."""
    if all(c == 0 for c in poly) or len(poly) < 2:
        return []
    poly = _deflated(poly)
    if len(poly) < 2:
        return []
    scale = max(abs(c) for c in poly)
    coeffs = [float(c / scale) for c in reversed(poly)]
    while coeffs and coeffs[0] == 0.0:
        coeffs.pop(0)
    if len(coeffs) < 2:
        return []
    out: list[Endpoint] = []
    for z in np.roots(coeffs):
        if abs(z.imag) > 1e-7 * (1 + abs(z.real)):
            continue
        r = float(z.real)
        if not -1e-9 < r < 1 + 1e-9:
            continue
        exact = None
        for den in (10**3, 10**6, 10**9):
            q = Fraction(r).limit_denominator(den)
            if _peval(poly, q) == 0:
                exact = q
                break
        if exact is not None:
            if 0 < exact < 1:
                out.append(exact)
        elif 0 < r < 1:
            out.append(r)
    return out


def _assemble(conds: list[tuple[Poly, str]]) -> tuple[tuple[Interval, ...], tuple[str, ...]]:
    """The set of d in [0, 1) where every polynomial is >= 0, and the binding conditions."""
    live = [(p, why) for p, why in conds if any(c != 0 for c in p)]
    cuts: list[tuple[Endpoint, list[int]]] = []
    for k, (p, _) in enumerate(live):
        for r in _roots01(p):
            for cut in cuts:
                if abs(float(cut[0]) - float(r)) < 1e-12:
                    if isinstance(r, Fraction) and not isinstance(cut[0], Fraction):
                        cuts[cuts.index(cut)] = (r, cut[1])
                    cut[1].append(k)
                    break
            else:
                cuts.append((r, [k]))
    cuts.sort(key=lambda c: float(c[0]))

    def ok_at(x: Fraction, tol: bool) -> bool:
        for p, _ in live:
            v = _peval(p, x)
            # exact: Fractions of payoffs near 1e308 square beyond any float
            if v < 0 and not (tol and abs(v) * 10**9 <= max(abs(c) for c in p)):
                return False
        return True

    pts = [Fraction(0)] + [Fraction(c[0]) for c in cuts] + [Fraction(1)]
    # atoms: point 0, (0, c1), c1, ..., ck, (ck, 1)
    atoms: list[tuple[Fraction, Fraction, bool, bool]] = []  # lo, hi, is_point, truth
    for k in range(len(pts) - 1):
        lo, hi = pts[k], pts[k + 1]
        if k == 0:
            atoms.append((lo, lo, True, ok_at(lo, False)))
        atoms.append((lo, hi, False, ok_at((lo + hi) / 2, False)))
        if k + 1 < len(pts) - 1:
            exact = isinstance(cuts[k][0], Fraction)
            atoms.append((hi, hi, True, None))  # type: ignore[arg-type]
            if exact:
                atoms[-1] = (hi, hi, True, ok_at(hi, False))
    # float cut points: closed sets, so true if a neighbour is true, else test with tolerance
    for i, (lo, hi, is_pt, truth) in enumerate(atoms):
        if truth is None:
            t = atoms[i - 1][3] or atoms[i + 1][3] or ok_at(lo, True)
            atoms[i] = (lo, hi, is_pt, bool(t))
    endpoint = {Fraction(c[0]): c for c in cuts}
    intervals: list[Interval] = []
    binding: list[str] = []
    cur: list[Any] | None = None
    for lo, hi, is_pt, truth in atoms:
        if truth:
            if cur is None:
                cur = [lo, hi, is_pt, True]
            else:
                cur[1] = hi
                cur[3] = is_pt
        elif cur is not None:
            intervals.append(_mk_interval(cur, endpoint))
            cur = None
    if cur is not None:
        cur[1] = Fraction(1)
        cur[3] = False
        intervals.append(_mk_interval(cur, endpoint))
    for iv in intervals:
        for e in (iv.lo, iv.hi):
            c = endpoint.get(Fraction(e))
            if c is not None:
                binding.append(f"{_fmt(c[0])}: " + "; ".join(live[k][1] for k in c[1]))
    return tuple(intervals), tuple(binding)


def _mk_interval(
    cur: list[Any], endpoint: Mapping[Fraction, tuple[Endpoint, list[int]]]
) -> Interval:
    lo, hi, lo_closed, hi_closed = cur

    def val(x: Fraction) -> Endpoint:
        c = endpoint.get(x)
        return c[0] if c is not None else x

    return Interval(val(lo), val(hi), bool(lo_closed), bool(hi_closed))


def _spe_conditions(pair: _Pair) -> list[list[tuple[Poly, str]]]:
    n = len(pair.pairs)
    xs = [Fraction(k, n + 1) for k in range(n + 1)]
    per_point = [(_values(pair, x), x) for x in xs]
    conds: list[list[tuple[Poly, str]]] = [[], []]
    for p in (0, 1):
        labels = _labels(pair, p)
        for j in range(n):
            for act in range(len(labels)):
                ys = []
                for (V, det), x in per_point:
                    ys.append(det * (V[p][j] - _q(pair, V[p], p, j, act, x)))
                qa, sb = pair.label(j)
                who = "a" if p == 0 else "b"
                presc = _dist_label(pair.dist(p, j), labels)
                conds[p].append(
                    (_interpolate(xs, ys), f"{who} at ({qa}, {sb}): {presc} vs {labels[act]}")
                )
    return conds


def _nash_conditions(pair: _Pair) -> list[list[tuple[Poly, str]]]:
    import itertools

    n = len(pair.pairs)
    conds: list[list[tuple[Poly, str]]] = [[], []]
    for p in (0, 1):
        other, qs = _other_states(pair, p)
        labels = _labels(pair, p)
        count = len(labels) ** len(qs)
        if count > MAX_POLICIES:
            raise ParameterError(
                f"the Nash discount set enumerates {count} replies to {other.name!r}; "
                f"at most {MAX_POLICIES} are allowed (point checks have no such limit)."
            )
        deg = n + len(qs)
        xs = [Fraction(k, deg + 1) for k in range(deg + 1)]
        follow = [_values(pair, x) for x in xs]
        seen: set[Poly] = set()
        for choice in itertools.product(range(len(labels)), repeat=len(qs)):
            policy = dict(zip(qs, choice, strict=True))
            ys = []
            for (V, det_f), x in zip(follow, xs, strict=True):
                v, det_r = _reply_values(pair, p, policy, x)
                ys.append(det_f * det_r * (V[p][0] - v[other.initial]))
            poly = _interpolate(xs, ys)
            if poly in seen:
                continue
            seen.add(poly)
            plan = ", ".join(f"{other.states[q]}->{labels[x]}" for q, x in policy.items())
            who = "a" if p == 0 else "b"
            conds[p].append((poly, f"{who} vs reply {{{plan}}}"))
    return conds


def discount_set(a: Any, b: Any, stage: Any, *, kind: Kind = "spe") -> DiscountSet:
    """Every discount factor in [0, 1) at which the automaton pair is an equilibrium.

    Exact: each condition of :func:`automaton_spe` (``kind="spe"``) or
    :func:`automaton_nash` (``kind="nash"``: following beats every stationary
    reply to the other automaton) is a polynomial inequality in the discount,
    whose roots bound the set.

    Parameters
    ----------
    a, b : Automaton or str
    stage : NormalFormGame, (A, B), DyadPayoffs or (DyadPayoffs, DyadPayoffs)
    kind : {"spe", "nash"}

    Returns
    -------
    DiscountSet

    Raises
    ------
    ParameterError
        Bad arguments, or too many replies to enumerate (``kind="nash"``).

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> pd = eq.DyadPayoffs(T=5, R=3, P=1, S=0)
    >>> str(eq.discount_set("tit-for-tat", "tit-for-tat", pd, kind="nash"))
    '[2/3, 1)'
    >>> eq.discount_set("tit-for-tat", "tit-for-tat", pd, kind="spe").empty
    True
    """
    if kind not in ("spe", "nash"):
        raise ParameterError(f"`kind` must be one of 'spe', 'nash'; got {kind!r}.")
    pair = _build(a, b, stage)
    conds = _spe_conditions(pair) if kind == "spe" else _nash_conditions(pair)
    both, binding = _assemble(conds[0] + conds[1])
    per = (_assemble(conds[0])[0], _assemble(conds[1])[0])
    return DiscountSet(kind, both, per, binding)
