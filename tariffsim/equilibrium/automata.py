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
  are the only places where a condition can switch; they are isolated exactly
  (Descartes' rule of signs on halved intervals, bisection in rational
  arithmetic), and the set is assembled from exact sign tests between and at
  roots. For Nash, the best reply is traced over all discounts by exact
  parametric policy iteration. End points that are rational with a denominator
  up to 10**9 are returned exactly (:class:`fractions.Fraction`); others
  (irrational roots) as the float on the inside of the exact root, and
  membership is decided against the exact root.

All arithmetic is rational (:class:`fractions.Fraction`): a float payoff or
discount is taken at its exact binary value, so boundary cases (``delta = 2/3``
for tit-for-tat) are decided exactly, not within a tolerance. A float
*probability* in an automaton's output is read as the fraction it stands for
(0.1 is 1/10; see :class:`Automaton`).

Limits: two players, finite action sets; at most :data:`MAX_PAIRS` reachable
state pairs; the Nash discount set traces at most :data:`MAX_POLICIES`
distinct best replies per player.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from .._util import short_repr
from ..errors import NumericalError, ParameterError, UnknownNameError
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
"""Largest number of distinct best replies :func:`discount_set` traces per player (Nash)."""

Kind = Literal["nash", "spe"]
Endpoint = Fraction | float


# ---------------------------------------------------------------------------
# automata
# ---------------------------------------------------------------------------
def _frac(x: Any, name: str) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        raise ParameterError(f"`{name}` must be a real number; got {short_repr(x)}.")
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    v = float(x)
    if not math.isfinite(v):
        raise ParameterError(f"`{name}` must be finite; got {short_repr(x)}.")
    return Fraction(v)


_PROBABILITY_DENOMINATOR = 10**9


def _probability(x: Any, name: str) -> Fraction:
    """`x` as an exact probability in [0, 1].

    Ints and Fractions are taken as they are. A float is read as the fraction
    it stands for: the simplest fraction with denominator at most 10**9 that
    rounds to that very float (0.1 -> 1/10, 1/3 -> 1/3), otherwise its exact
    binary value.

    >>> _probability(0.1, "p"), _probability(1 / 3, "p"), _probability(0.5, "p")
    (Fraction(1, 10), Fraction(1, 3), Fraction(1, 2))
    """
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        raise ParameterError(
            f"`{name}` must be a probability (a real number in [0, 1]); got {short_repr(x)}."
        )
    if isinstance(x, numbers.Rational):  # int, numpy int, Fraction
        f = Fraction(int(x.numerator), int(x.denominator))
    else:
        v = float(x)
        if not math.isfinite(v):
            raise ParameterError(f"`{name}` must be a probability in [0, 1]; got {short_repr(x)}.")
        f = Fraction(v).limit_denominator(_PROBABILITY_DENOMINATOR)
        if float(f) != v:
            f = Fraction(v)
    if not 0 <= f <= 1:
        raise ParameterError(f"`{name}` must be a probability in [0, 1]; got {short_repr(x)}.")
    return f


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence | np.ndarray) and not isinstance(x, str | bytes)


def _output_row(
    row: Any,
    name: str,
    actions: Sequence[str],
    *,
    shown: Any = None,
    where: str = "",
    keyed: bool = False,
) -> tuple[Fraction, ...]:
    """One state's output: exact probabilities (see :func:`_probability`) summing to 1."""
    shown = row if shown is None else shown
    if not _is_sequence(row) or len(row) != len(actions):
        raise ParameterError(
            f"`{name}`{where} must hold {len(actions)} probabilities, one per action "
            f"{tuple(actions)}; got {short_repr(shown)}."
        )
    probs = tuple(
        _probability(p, f"{name}[{actions[i]!r}]" if keyed else f"{name}[{i}]")
        for i, p in enumerate(row)
    )
    total = sum(probs, Fraction(0))
    if total != 1:
        raise ParameterError(
            f"`{name}`{where} must be probabilities summing to 1; got {short_repr(shown)} (read as "
            f"{', '.join(str(p) for p in probs)}, summing to {total})."
        )
    return probs


def _names(x: Any, name: str) -> tuple[str, ...]:
    if not _is_sequence(x) or not all(isinstance(s, str) for s in x):
        raise ParameterError(f"`{name}` must be a sequence of str; got {short_repr(x)}.")
    out = tuple(str(s) for s in x)  # (numpy's str too)
    if not out or len(set(out)) != len(out):
        raise ParameterError(f"`{name}` must be distinct and non-empty; got {short_repr(x)}.")
    return out


def _index(v: Any, name: str, size: int) -> int:
    if (
        isinstance(v, bool | np.bool_)
        or not isinstance(v, numbers.Integral)
        or not 0 <= int(v) < size
    ):
        raise ParameterError(
            f"`{name}` must be a state index (an int from 0 to {size - 1}); got {short_repr(v)}."
        )
    return int(v)


@dataclass(frozen=True)
class Automaton:
    """A finite-automaton strategy of a repeated two-player game.

    Build one with :func:`make_automaton` (readable rules) or take a built-in
    (:data:`AUTOMATA`). Every field is checked when the automaton is made.

    Attributes
    ----------
    name : str
    states : tuple of str
        State names, distinct.
    actions : tuple of str
        The automaton's own action labels, distinct (``("C", "D")`` for the
        built-ins: C = keep the low tariff, D = raise it).
    opponent_actions : tuple of str
        The other player's action labels, distinct.
    output : tuple of tuple of Fraction
        ``output[q][x]``: probability of own action ``x`` in state ``q``. Each
        row must sum to exactly 1. Given as ints, Fractions or floats; a float
        is read as the fraction it stands for (the simplest fraction with
        denominator at most 10**9 that rounds to that very float: 0.1 is 1/10,
        ``1 / 3`` is 1/3; otherwise its exact binary value), and stored as a
        :class:`~fractions.Fraction`, so every later computation is exact.
    transition : tuple of tuple of tuple of int
        ``transition[q][x][y]``: index of the next state after own action ``x``
        and the opponent's ``y`` (an int, numpy's too; not a bool or a float).
    initial : int
        Index of the initial state.

    Raises
    ------
    ParameterError
        A field of the wrong type or shape, a probability outside [0, 1], an
        output row that does not sum to 1, or a state index out of range; the
        message names the field (``transition[0][1][0]``) and the value.

    Examples
    --------
    >>> from tariffsim import equilibrium as eq
    >>> a = eq.Automaton("coin", ("s",), ("C", "D"), ("C", "D"), ((0.1, 0.9),), (((0, 0), (0, 0)),))
    >>> a.output
    ((Fraction(1, 10), Fraction(9, 10)),)
    """

    name: str
    states: tuple[str, ...]
    actions: tuple[str, ...]
    opponent_actions: tuple[str, ...]
    output: tuple[tuple[Fraction, ...], ...]
    transition: tuple[tuple[tuple[int, ...], ...], ...]
    initial: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ParameterError(f"`name` must be a str; got {short_repr(self.name)}.")
        states = _names(self.states, "states")
        actions = _names(self.actions, "actions")
        opp = _names(self.opponent_actions, "opponent_actions")
        q, m, n = len(states), len(actions), len(opp)
        initial = _index(self.initial, "initial", q)
        if not _is_sequence(self.output) or len(self.output) != q:
            raise ParameterError(
                f"`output` must hold {q} row(s), one per state, of {m} probabilities; "
                f"got {short_repr(self.output)}."
            )
        output = tuple(
            _output_row(row, f"output[{k}]", actions, where=f" (state {s!r})")
            for k, (s, row) in enumerate(zip(states, self.output, strict=True))
        )
        shape = f"({q}, {m}, {n}) (state, own action, opponent action)"
        if not _is_sequence(self.transition) or len(self.transition) != q:
            raise ParameterError(
                f"`transition` must have shape {shape}; got {short_repr(self.transition)}."
            )
        trans = []
        for k, t in enumerate(self.transition):
            if not _is_sequence(t) or len(t) != m:
                raise ParameterError(
                    f"`transition[{k}]` must hold {m} rows (one per own action) of {n} state "
                    f"indices; got {short_repr(t)}."
                )
            rows = []
            for i, u in enumerate(t):
                if not _is_sequence(u) or len(u) != n:
                    raise ParameterError(
                        f"`transition[{k}][{i}]` must hold {n} state indices (one per opponent "
                        f"action); got {short_repr(u)}."
                    )
                rows.append(
                    tuple(_index(v, f"transition[{k}][{i}][{j}]", q) for j, v in enumerate(u))
                )
            trans.append(tuple(rows))
        for f, v in (
            ("states", states),
            ("actions", actions),
            ("opponent_actions", opp),
            ("output", output),
            ("transition", tuple(trans)),
            ("initial", initial),
        ):
            object.__setattr__(self, f, v)

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
        Per state, the action played, or a distribution ``{action: prob}``
        (actions left out have probability 0). Probabilities are ints,
        Fractions or floats, read exactly as :class:`Automaton` reads them (a
        float as the fraction it stands for: 0.1 is 1/10, ``1 / 3`` is 1/3), and
        must sum to exactly 1.
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
        If `states` or the action labels are not distinct names, a state has no
        output, a probability is invalid or a distribution does not sum to 1,
        `rule` is not callable or returns an unknown state, or `initial` is not
        a state.

    Examples
    --------
    Tit-for-tat: the state is the opponent's last action, played back.

    >>> from tariffsim import equilibrium as eq
    >>> tft = eq.make_automaton("tft", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: you)
    >>> tft.transition[0][0][1]
    1

    A generous tit-for-tat that forgives one D in ten:

    >>> g = eq.make_automaton(
    ...     "g", ["C", "D"], {"C": "C", "D": {"C": 0.1, "D": 0.9}}, lambda s, me, you: you
    ... )
    >>> g.output[1]
    (Fraction(1, 10), Fraction(9, 10))
    """
    named = (("states", states), ("actions", actions), ("opponent_actions", opponent_actions))
    for what, v in named:
        if what == "opponent_actions" and v is None:
            continue
        if isinstance(v, str | bytes) or not isinstance(v, Iterable):
            raise ParameterError(f"`{what}` must be a sequence of names; got {short_repr(v)}.")
    if not isinstance(output, Mapping):
        raise ParameterError(
            f"`output` must map each state to an action; got {short_repr(output)}."
        )
    if not callable(rule):
        raise ParameterError(
            f"`rule` must be a callable (state, own, opp) -> next state; got {short_repr(rule)}."
        )
    states = tuple(str(s) for s in states)
    acts = tuple(str(a) for a in actions)
    opp = tuple(str(a) for a in (opponent_actions if opponent_actions is not None else acts))
    for what, labels in (("states", states), ("actions", acts), ("opponent_actions", opp)):
        if not labels or len(set(labels)) != len(labels):
            raise ParameterError(f"`{what}` must be distinct and non-empty; got {labels!r}.")
    init = 0 if initial is None else (states.index(initial) if initial in states else -1)
    if init < 0:
        raise ParameterError(f"`initial` must be one of {states}; got {short_repr(initial)}.")
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
            row = [o.get(a, 0) for a in acts]
            rows.append(_output_row(row, f"output[{s!r}]", acts, shown=dict(o), keyed=True))
        else:
            raise ParameterError(
                f"`output[{s!r}]` must be an action or a distribution; got {short_repr(o)}."
            )
    trans = []
    for s in states:
        t = []
        for x in acts:
            u = []
            for y in opp:
                nxt = rule(s, x, y)
                if nxt not in states:
                    raise ParameterError(
                        f"`rule` sent state {s!r} on ({x}, {y}) to unknown state {short_repr(nxt)}."
                    )
                u.append(states.index(nxt))
            t.append(tuple(u))
        trans.append(tuple(t))
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
        A probability in [0, 1], read as :class:`Automaton` reads output
        probabilities (0.1 is 1/10).

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
    g = _probability(generosity, "generosity")
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
            return f"holds: the pair is {name} at discount {self.discount:.12g}."
        return f"fails: not {name} at discount {self.discount:.12g}; {self.breaks[0]}."


@dataclass(frozen=True)
class Interval:
    """An interval of discount factors with exact (Fraction) or float endpoints.

    A rational end point with a denominator up to 10**9 is a Fraction. Any other
    end point (an irrational root, or a rational one with a larger
    denominator) is a float on the inside of the exact value at a closed end
    (the largest float <= an upper end, the smallest float >= a lower end), so
    that a float end point is itself in the interval; membership (``d in iv``)
    is decided against the exact end point.

    Attributes
    ----------
    lo, hi : Fraction or float
    lo_closed, hi_closed : bool
    """

    lo: Endpoint
    hi: Endpoint
    lo_closed: bool = True
    hi_closed: bool = False
    _cuts: tuple[Any, Any] = field(default=(None, None), repr=False, compare=False)

    def __contains__(self, d: object) -> bool:
        if isinstance(d, bool | np.bool_) or not isinstance(d, numbers.Real):
            return False
        if isinstance(d, numbers.Rational):  # int, numpy int, Fraction
            v = Fraction(int(d.numerator), int(d.denominator))
        else:
            x = float(d)
            if not math.isfinite(x):
                return False  # (NaN and the infinities are no discounts)
            v = Fraction(x)
        lo_cut, hi_cut = self._cuts
        above = lo_cut.cmp(v) if lo_cut is not None else _sign(v - Fraction(self.lo))
        below = hi_cut.cmp(v) if hi_cut is not None else _sign(v - Fraction(self.hi))
        return (above > 0 or (self.lo_closed and above == 0)) and (
            below < 0 or (self.hi_closed and below == 0)
        )

    def __str__(self) -> str:
        return (
            f"{'[' if self.lo_closed else '('}{_fmt(self.lo)}, {_fmt(self.hi)}"
            f"{']' if self.hi_closed else ')'}"
        )


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def _fmt(x: Endpoint) -> str:
    """An end point as text: a Fraction as ``p/q``; a float in full (the shortest text that
    reads back as that very float, so the text claims no value outside the set)."""
    if isinstance(x, Fraction):
        return str(x)
    return repr(float(x))


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
        raise ParameterError(f"`discount` must be in [0, 1); got {short_repr(discount)}.")
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
    NumericalError
        A value or gain to report is beyond the largest float (payoffs near
        1e308); whether the pair is subgame perfect does not depend on the
        payoffs' scale, so rescale them.

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
    found, V = _spe_breaks(pair, d)
    breaks = []
    for g, p, j, act in found:
        labels = _labels(pair, p)
        breaks.append(
            Deviation(
                p,
                pair.label(j),
                labels[act],
                _dist_label(pair.dist(p, j), labels),
                _as_float(g, "the gain of a deviation", "automaton_spe", pair, d),
            )
        )
    return AutomatonCheck(
        "spe",
        not breaks,
        float(d),
        _start_values(V, "automaton_spe", pair, d),
        tuple(pair.label(j) for j in range(len(pair.pairs))),
        tuple(breaks),
    )


def _spe_breaks(
    pair: _Pair, d: Fraction
) -> tuple[list[tuple[Fraction, int, int, int]], tuple[list[Fraction], list[Fraction]]]:
    """Every profitable one-shot deviation ``(gain, player, pair, action)``, exactly, largest
    gain first; and both players' values at every pair."""
    (Va, Vb), _ = _values(pair, d)
    V = (Va, Vb)
    found = []
    for j in range(len(pair.pairs)):
        for p in (0, 1):
            for act in range(len(_labels(pair, p))):
                g = _q(pair, V[p], p, j, act, d) - V[p][j]
                if g > 0:
                    found.append((g, p, j, act))
    found.sort(key=lambda x: -x[0])
    return found, V


def _spe_first_break(
    a: Any, b: Any, stage: Any, discount: Any
) -> tuple[int, tuple[str, str], str, str] | None:
    """The largest one-shot deviation at `discount` as (player, state pair, action,
    prescribed), or None: exact, with no value turned into a float (none can overflow)."""
    d = _check_discount(discount)
    pair = _build(a, b, stage)
    found, _ = _spe_breaks(pair, d)
    if not found:
        return None
    _, p, j, act = found[0]
    labels = _labels(pair, p)
    return p, pair.label(j), labels[act], _dist_label(pair.dist(p, j), labels)


def _as_float(x: Fraction, what: str, solver: str, pair: _Pair, d: Fraction) -> float:
    """`x` as a float, or a NumericalError when it is beyond the largest float."""
    try:
        return float(x)
    except OverflowError:
        big = max(abs(v) for M in (pair.A, pair.B) for row in M for v in row)
        raise NumericalError(
            f"{solver}: {what} at discount {float(d)!r} is beyond the largest float (about "
            f"1.8e308), so it cannot be reported: the `stage` payoffs (up to {float(big):.3g} "
            "in size) are too large. Rescale them (whether the pair is an equilibrium does "
            "not depend on their scale), or use discount_set."
        ) from None


def _start_values(
    V: Sequence[Sequence[Fraction]], solver: str, pair: _Pair, d: Fraction
) -> tuple[float, float]:
    return (
        _as_float(V[0][0], "player a's value", solver, pair, d),
        _as_float(V[1][0], "player b's value", solver, pair, d),
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
    NumericalError
        A value or gain to report is beyond the largest float (payoffs near
        1e308); rescale the payoffs.

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
                    _as_float(gain, "the gain of the best reply", "automaton_nash", pair, d),
                    plan,
                )
            )
    breaks.sort(key=lambda x: -x.gain)
    return AutomatonCheck(
        "nash",
        not breaks,
        float(d),
        _start_values(V, "automaton_nash", pair, d),
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


IPoly = tuple[int, ...]  # integer coefficients, lowest degree first
_SHOWN_DENOMINATOR = 10**9  # rational end points up to this denominator are shown exactly
_PRIME = (1 << 61) - 1


def _int_poly(poly: Sequence[Fraction]) -> IPoly:
    """A positive multiple of the nonzero `poly` with coprime integer coefficients."""
    den = math.lcm(*(c.denominator for c in poly))
    ints = [c.numerator * (den // c.denominator) for c in poly]
    while len(ints) > 1 and ints[-1] == 0:
        ints.pop()
    g = math.gcd(*ints)
    return tuple(c // g for c in ints) if g > 1 else tuple(ints)


def _sign_at(p: IPoly, x: Fraction) -> int:
    """Sign of ``p(x)``, exactly (homogeneous Horner in integers)."""
    u, v = x.numerator, x.denominator
    acc, w = p[-1], 1
    for c in reversed(p[:-1]):
        w *= v
        acc = acc * u + c * w
    return (acc > 0) - (acc < 0)


def _deflated(p: IPoly) -> IPoly:
    """``p`` without its factors ``x`` and ``(x - 1)``, divided out exactly.

    The conditions carry powers of ``1 - d`` (from the determinants of the
    value equations); neither factor changes the sign inside (0, 1), and
    without them the polynomial is nonzero at both ends.
    """
    q = list(p)
    while len(q) > 1 and q[0] == 0:  # a factor x
        q.pop(0)
    while len(q) > 1 and sum(q) == 0:  # q(1) = 0: a factor (x - 1), by synthetic division
        out = [0] * (len(q) - 1)
        acc = 0
        for i in range(len(q) - 1, 0, -1):  # from the leading coefficient down
            acc += q[i]
            out[i - 1] = acc
        q = out
    return tuple(q)


def _trim(a: list[Any]) -> list[Any]:
    while a and a[-1] == 0:
        a.pop()
    return a


def _gcd_degree_mod(a: Sequence[int], b: Sequence[int], prime: int) -> int:
    """Degree of the gcd of `a` and `b` modulo `prime` (Euclid over the prime field)."""
    x, y = _trim([c % prime for c in a]), _trim([c % prime for c in b])
    while y:
        inv = pow(y[-1], prime - 2, prime)
        while len(x) >= len(y):
            f = x[-1] * inv % prime
            s = len(x) - len(y)
            for i, c in enumerate(y):
                x[s + i] = (x[s + i] - f * c) % prime
            _trim(x)
        x, y = y, x
    return len(x) - 1


def _rem_q(a: Sequence[Fraction], b: Sequence[Fraction]) -> list[Fraction]:
    r = list(a)
    while len(r) >= len(b):
        f = r[-1] / b[-1]
        s = len(r) - len(b)
        for i, c in enumerate(b):
            r[s + i] -= f * c
        r.pop()
        _trim(r)
    return r


def _gcd_int(a: IPoly, b: IPoly) -> IPoly:
    """Greatest common divisor of two integer polynomials (primitive, up to sign)."""
    x: list[Fraction] = [Fraction(c) for c in a]
    y: list[Fraction] = [Fraction(c) for c in b]
    while y:
        r = _rem_q(x, y)
        x, y = y, ([Fraction(c) for c in _int_poly(r)] if r else [])
    return _int_poly(x)


def _divide_int(a: IPoly, b: IPoly) -> IPoly:
    """``a / b`` for an exact divisor `b`, made primitive."""
    r = [Fraction(c) for c in a]
    q = [Fraction(0)] * (len(a) - len(b) + 1)
    for k in range(len(q) - 1, -1, -1):
        f = r[k + len(b) - 1] / b[-1]
        q[k] = f
        for i, c in enumerate(b):
            r[k + i] -= f * c
    return _int_poly(q)


def _squarefree(p: IPoly) -> IPoly:
    """``p`` without repeated factors (the same distinct roots, each simple)."""
    if len(p) <= 2:
        return p
    dp = [i * c for i, c in enumerate(p)][1:]
    # square-free modulo a prime that keeps both degrees => square-free over the rationals
    if p[-1] % _PRIME and dp[-1] % _PRIME and _gcd_degree_mod(p, dp, _PRIME) == 0:
        return p
    g = _gcd_int(p, tuple(dp))
    return p if len(g) == 1 else _divide_int(p, g)


def _shift1(c: Sequence[int]) -> list[int]:
    """Coefficients of ``c(t + 1)`` (Taylor shift)."""
    out = list(c)
    n = len(out)
    for i in range(n - 1):
        for j in range(n - 2, i - 1, -1):
            out[j] += out[j + 1]
    return out


def _variations(c: Sequence[int]) -> int:
    """Sign changes in `c`, zeros skipped, counted up to 2."""
    n, last = 0, 0
    for x in c:
        if x:
            if last and (x > 0) != (last > 0):
                n += 1
                if n == 2:
                    return n
            last = x
    return n


class _Cut:
    """A real number in (0, 1), known exactly: a Fraction (`exact`), or the only root of the
    square-free integer polynomial `poly` in the open interval (`lo`, `hi`), whose sign at
    `lo` is `slo` (and ``-slo`` at `hi`). Comparisons with rationals are exact; refining
    halves the interval (and finds the root exactly if a midpoint is one)."""

    __slots__ = ("exact", "hi", "lo", "poly", "slo")

    def __init__(
        self, poly: IPoly, lo: Fraction, hi: Fraction, exact: Fraction | None = None
    ) -> None:
        self.poly, self.lo, self.hi, self.exact = poly, lo, hi, exact
        self.slo = _sign_at(poly, lo) if exact is None else 0

    @classmethod
    def at(cls, x: Fraction) -> _Cut:
        return cls((0, 1), x, x, exact=x)

    def refine(self) -> None:
        if self.exact is not None:
            return
        mid = (self.lo + self.hi) / 2
        s = _sign_at(self.poly, mid)
        if s == 0:
            self.exact = mid
        elif s == self.slo:
            self.lo = mid
        else:
            self.hi = mid

    def cmp(self, x: Fraction) -> int:
        """Sign of ``x - self``."""
        if self.exact is not None:
            return (x > self.exact) - (x < self.exact)
        if x <= self.lo:
            return -1
        if x >= self.hi:
            return 1
        s = _sign_at(self.poly, x)
        if s == 0:  # a rational root after all
            self.exact = x
            return 0
        return -1 if s == self.slo else 1

    def upper(self) -> Fraction:
        """A rational >= self (> self unless exact)."""
        return self.exact if self.exact is not None else self.hi

    def lower(self) -> Fraction:
        return self.exact if self.exact is not None else self.lo

    def float_down(self) -> float:
        """The largest float <= self."""
        while self.exact is None:
            a, b = _float_down(self.lo), _float_down(self.hi)
            if a == b:  # no float in (lo, hi]
                return a
            self.refine()
        return _float_down(self.exact)

    def float_up(self) -> float:
        """The smallest float >= self."""
        while self.exact is None:
            a, b = _float_up(self.lo), _float_up(self.hi)
            if a == b:  # no float in [lo, hi)
                return a
            self.refine()
        return _float_up(self.exact)

    def shown(self) -> Fraction | None:
        """The exact value when it is rational with a small denominator, else None."""
        if self.exact is not None and self.exact.denominator <= _SHOWN_DENOMINATOR:
            return self.exact
        return None


def _float_down(x: Fraction) -> float:
    f = float(x)
    return math.nextafter(f, -math.inf) if Fraction(f) > x else f


def _float_up(x: Fraction) -> float:
    f = float(x)
    return math.nextafter(f, math.inf) if Fraction(f) < x else f


def _bracket(p: IPoly, q: list[int], k: int, c: int) -> _Cut:
    """The root of `p` in ((c + 0) / 2**k, (c + 1) / 2**k), where `q` (nonzero at both ends of
    (0, 1), one simple root inside) is `p` in the local coordinate: shrunk until `p` is
    nonzero at both ends (an end may be a root of `p` found earlier), then made exact if
    the root is a simple rational."""
    lo_t, hi_t = Fraction(0), Fraction(1)
    s_lo = 1 if q[0] > 0 else -1
    scale = 1 << k
    while lo_t == 0 or hi_t == 1:
        m = (lo_t + hi_t) / 2
        s = _sign_at(tuple(q), m)
        if s == 0:
            return _Cut.at((c + m) / scale)
        if s == s_lo:
            lo_t = m
        else:
            hi_t = m
    cut = _Cut(p, (c + lo_t) / scale, (c + hi_t) / scale)
    _make_exact(cut)
    return cut


def _make_exact(cut: _Cut) -> None:
    """Find the root exactly when it is rational: always for degree 1 and 2, and for higher
    degrees when its denominator is at most 10**9."""
    p = cut.poly
    if len(p) == 2:
        cut.exact = Fraction(-p[0], p[1])
        return
    if len(p) == 3:
        disc = p[1] * p[1] - 4 * p[2] * p[0]
        r = math.isqrt(disc) if disc >= 0 else -1
        if r * r == disc:
            for z in (Fraction(-p[1] + r, 2 * p[2]), Fraction(-p[1] - r, 2 * p[2])):
                if cut.lo < z < cut.hi:
                    cut.exact = z
        return
    width = Fraction(1, 1 << 64)  # < 1 / (2 * 10**18): one fraction of denominator <= 10**9
    while cut.exact is None and cut.hi - cut.lo >= width:
        cut.refine()
    if cut.exact is None:
        z = ((cut.lo + cut.hi) / 2).limit_denominator(_SHOWN_DENOMINATOR)
        if cut.lo < z < cut.hi and _sign_at(p, z) == 0:
            cut.exact = z


def _isolate(p: IPoly) -> list[_Cut]:
    """The distinct real roots in (0, 1) of the square-free `p` (nonzero at 0 and 1), exactly:
    Descartes' rule of signs on halved intervals (Vincent-Collins-Akritas)."""
    out: list[_Cut] = []
    stack: list[tuple[list[int], int, int]] = [(list(p), 0, 0)]
    while stack:
        q, k, c = stack.pop()  # q(t) is p((c + t) / 2**k) up to a factor, t in (0, 1)
        if len(q) < 2:
            continue
        v = _variations(_shift1(q[::-1]))
        if v == 0:
            continue
        if v == 1:
            out.append(_bracket(p, q, k, c))
            continue
        d = len(q) - 1
        left = [x << (d - i) for i, x in enumerate(q)]  # 2**d q(t / 2)
        right = _shift1(left)  # 2**d q((t + 1) / 2)
        if right[0] == 0:  # the midpoint is a root
            out.append(_Cut.at(Fraction(2 * c + 1, 1 << (k + 1))))
            right = right[1:]  # / t
            acc, div = 0, [0] * (len(left) - 1)  # / (t - 1)
            for i in range(len(left) - 1, 0, -1):
                acc += left[i]
                div[i - 1] = acc
            left = div
        stack.append((left, k + 1, 2 * c))
        stack.append((right, k + 1, 2 * c + 1))
    return out


def _roots(p: IPoly, cache: dict[Any, Any]) -> list[_Cut]:
    """The distinct real roots of `p` in (0, 1) (cached per polynomial)."""
    key = ("roots", p)
    if key not in cache:
        q = _deflated(p)
        cache[key] = _isolate(_squarefree(q)) if len(q) > 1 else []
    roots: list[_Cut] = cache[key]
    return roots


def _compare(a: _Cut, b: _Cut, cache: dict[Any, Any]) -> int:
    """Sign of ``a - b``, exactly."""
    if a is b:
        return 0
    if a.exact is not None:
        return b.cmp(a.exact)  # sign of a - b
    if b.exact is not None:
        return -a.cmp(b.exact)
    tiny = Fraction(1, 1 << 200)
    while True:
        if a.exact is not None or b.exact is not None:
            return _compare(a, b, cache)
        if a.hi <= b.lo:
            return -1
        if b.hi <= a.lo:
            return 1
        if a.poly == b.poly:  # distinct roots of one polynomial have disjoint intervals
            return 0
        if a.hi - a.lo < tiny and b.hi - b.lo < tiny:
            key = ("gcd", a.poly, b.poly)
            if key not in cache:
                cache[key] = _gcd_int(a.poly, b.poly)
            g = cache[key]
            lo, hi = max(a.lo, b.lo), min(a.hi, b.hi)
            # g divides both: at most one (simple) root in the overlap, where neither vanishes
            if len(g) > 1 and _sign_at(g, lo) * _sign_at(g, hi) < 0:
                return 0
        (a if a.hi - a.lo >= b.hi - b.lo else b).refine()


def _between(a: _Cut, b: _Cut) -> Fraction:
    """A rational strictly between ``a < b``."""
    while True:
        x, y = a.upper(), b.lower()
        if x < y:
            return (x + y) / 2
        (
            a if a.exact is None and (b.exact is not None or a.hi - a.lo >= b.hi - b.lo) else b
        ).refine()


@dataclass
class _Piece:
    """An interval of the exact set: end points, whether closed, conditions vanishing there."""

    lo: _Cut
    hi: _Cut
    lo_closed: bool
    hi_closed: bool
    lo_at: tuple[int, ...]
    hi_at: tuple[int, ...]


def _exact_set(polys: Sequence[IPoly], cache: dict[Any, Any]) -> list[_Piece]:
    """The set of d in [0, 1) where every polynomial is >= 0, as disjoint increasing pieces.

    Every real root in (0, 1) is isolated exactly; the truth between two roots is an exact
    sign test at a rational point between them, and at a root it is decided exactly too
    (a condition that vanishes there holds; any other keeps its sign from nearby).
    """
    zero, one = _Cut.at(Fraction(0)), _Cut.at(Fraction(1))
    found: list[tuple[_Cut, int]] = []
    for k, p in enumerate(polys):
        found.extend((c, k) for c in _roots(p, cache))

    def order(x: tuple[_Cut, int], y: tuple[_Cut, int]) -> int:
        return _compare(x[0], y[0], cache)

    found.sort(key=functools.cmp_to_key(order))
    cuts: list[tuple[_Cut, set[int]]] = []
    for c, k in found:
        if cuts and _compare(cuts[-1][0], c, cache) == 0:
            cuts[-1][1].add(k)
            if cuts[-1][0].exact is None and c.exact is not None:
                cuts[-1] = (c, cuts[-1][1])
        else:
            cuts.append((c, {k}))
    for c, at in cuts:  # a rational root: every condition checked there exactly
        if c.exact is not None:
            at.update(k for k, p in enumerate(polys) if _sign_at(p, c.exact) == 0)
    bounds = [zero] + [c for c, _ in cuts] + [one]
    samples = [_between(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]

    def ok_at(x: Fraction, skip: set[int] | None = None) -> bool:
        return all(_sign_at(p, x) >= 0 for k, p in enumerate(polys) if not skip or k not in skip)

    # atoms: the point 0, (0, c1), c1, (c1, c2), ..., ck, (ck, 1)
    atoms: list[tuple[_Cut, bool, tuple[int, ...]]] = [(zero, ok_at(Fraction(0)), ())]
    for i, s in enumerate(samples):
        atoms.append((bounds[i], ok_at(s), ()))  # the open interval right of bounds[i]
        if i < len(cuts):
            c, at = cuts[i]
            if c.exact is not None:
                truth = ok_at(c.exact)
            else:  # the other conditions do not vanish between the sample and the root
                truth = ok_at(s, at)
            atoms.append((c, truth, tuple(sorted(at))))
    pieces: list[_Piece] = []
    cur: _Piece | None = None
    for i, (point, truth, here) in enumerate(atoms):
        is_point = i % 2 == 0
        if truth:
            if cur is None:
                cur = _Piece(point, point, is_point, True, here if is_point else (), here)
            if is_point:
                cur.hi, cur.hi_closed, cur.hi_at = point, True, here
            else:
                cur.hi, cur.hi_closed, cur.hi_at = (bounds[i // 2 + 1], False, ())
        elif cur is not None:
            pieces.append(cur)
            cur = None
    if cur is not None:
        pieces.append(cur)
    if pieces:
        last = pieces[-1]
        if last.hi is one:
            last.hi_closed = False
    for pc in pieces:  # an open end at a root: the root's conditions do not bind there
        if not pc.lo_closed:
            pc.lo_at = next((tuple(sorted(at)) for c, at in cuts if c is pc.lo), ())
        if not pc.hi_closed and pc.hi is not one:
            pc.hi_at = next((tuple(sorted(at)) for c, at in cuts if c is pc.hi), ())
    # an isolated irrational point holds no rational number: no discount one can give
    return [pc for pc in pieces if not (pc.lo is pc.hi and pc.lo.exact is None)]


def _interval(pc: _Piece) -> Interval:
    """A piece as an :class:`Interval`: exact ends as Fractions, others as the float just
    inside a closed end (outside an open one), with the exact end kept for membership."""

    def end(c: _Cut, closed: bool, lower: bool) -> tuple[Endpoint, _Cut | None]:
        shown = c.shown()
        if shown is not None:
            return shown, None
        inside_up = lower == closed  # a closed lower end, or an open upper one: round up
        return (c.float_up() if inside_up else c.float_down()), c

    lo, lo_cut = end(pc.lo, pc.lo_closed, True)
    hi, hi_cut = end(pc.hi, pc.hi_closed, False)
    return Interval(lo, hi, pc.lo_closed, pc.hi_closed, _cuts=(lo_cut, hi_cut))


def _assemble(
    conds: Sequence[tuple[Poly, str]], cache: dict[Any, Any]
) -> tuple[tuple[Interval, ...], tuple[str, ...]]:
    """The set of d in [0, 1) where every condition is >= 0, and the binding conditions."""
    live = [(_int_poly(p), why) for p, why in conds if any(c != 0 for c in p)]
    pieces = _exact_set([p for p, _ in live], cache)
    intervals = tuple(_interval(pc) for pc in pieces)
    binding: list[str] = []
    for pc, iv in zip(pieces, intervals, strict=True):
        for at, e in ((pc.lo_at, iv.lo), (pc.hi_at, iv.hi)):
            if at:
                binding.append(f"{_fmt(e)}: " + "; ".join(live[k][1] for k in at))
    return intervals, tuple(binding)


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


def _optimality_conditions(
    pair: _Pair, player: int, policy: Mapping[int, int]
) -> list[tuple[Poly, str]]:
    """Where stationary `policy` is a best reply: ``det * (V(q) - Q(q, x)) >= 0`` for every
    state ``q`` of the other automaton and every other action ``x`` (no one-step
    improvement, which in a discounted decision problem means optimal)."""
    other, qs = _other_states(pair, player)
    m = len(_labels(pair, player))
    deg = len(qs)  # det has degree <= |qs|, det * V(q) <= |qs| - 1
    xs = [Fraction(k, deg + 1) for k in range(deg + 1)]
    keys = [(q, x) for q in qs for x in range(m) if x != policy[q]]
    ys: dict[tuple[int, int], list[Fraction]] = {key: [] for key in keys}
    for t in xs:
        v, det = _reply_values(pair, player, policy, t)
        for q, x in keys:
            val = Fraction(0)
            for o, po in enumerate(other.output[q]):
                if po:
                    u = pair.A[x][o] if player == 0 else pair.B[o][x]
                    val += po * (u + t * v[other.transition[q][o][x]])
            ys[(q, x)].append(det * (v[q] - val))
    return [(_interpolate(xs, ys[key]), "") for key in keys]


def _best_replies(pair: _Pair, player: int, cache: dict[Any, Any]) -> list[dict[int, int]]:
    """Stationary best replies to the other automaton that together cover [0, 1): at every
    discount one of them is optimal (parametric policy iteration).

    Exact policy iteration at a probe discount gives a policy optimal there; the exact set
    where it stays optimal is a union of closed intervals; the next probe is a rational
    discount right of the covered part, until all of [0, 1) is covered. Each probe finds a
    policy no earlier one covers, and the optimal policy changes finitely often.
    """
    found: list[dict[int, int]] = []
    pieces: list[_Piece] = []
    probe = Fraction(0)
    while True:
        if len(found) >= MAX_POLICIES:
            other, _ = _other_states(pair, player)
            raise ParameterError(
                f"the Nash discount set traces more than {MAX_POLICIES} distinct best replies "
                f"to {other.name!r}; at most {MAX_POLICIES} are allowed (point checks have no "
                "such limit)."
            )
        policy, _ = _best_reply(pair, player, probe)
        found.append(policy)
        conds = _optimality_conditions(pair, player, policy)
        pieces += _exact_set([_int_poly(p) for p, _ in conds if any(p)], cache)
        frontier = _Cut.at(Fraction(0))  # [0, frontier] is covered
        while True:
            ext = frontier
            for pc in pieces:
                if _compare(pc.lo, frontier, cache) <= 0 and _compare(pc.hi, ext, cache) > 0:
                    ext = pc.hi  # (every piece is closed but at 1: optimal sets are closed)
            if ext is frontier:
                break
            frontier = ext
        if frontier.exact == 1:
            return found
        right = [pc.lo for pc in pieces if _compare(pc.lo, frontier, cache) > 0]
        nxt = right[0] if right else _Cut.at(Fraction(1))
        for c in right[1:]:
            if _compare(c, nxt, cache) < 0:
                nxt = c
        probe = _between(frontier, nxt)


def _nash_conditions(pair: _Pair, cache: dict[Any, Any]) -> list[list[tuple[Poly, str]]]:
    """Per player: following the automaton earns at least what each of its best replies
    (over every discount) earns from the start."""
    n = len(pair.pairs)
    conds: list[list[tuple[Poly, str]]] = [[], []]
    for p in (0, 1):
        other, qs = _other_states(pair, p)
        labels = _labels(pair, p)
        deg = n + len(qs)
        xs = [Fraction(k, deg + 1) for k in range(deg + 1)]
        follow = [_values(pair, x) for x in xs]
        seen: set[Poly] = set()
        for policy in _best_replies(pair, p, cache):
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
    :func:`automaton_nash` (``kind="nash"``: following earns at least what
    the best reply to the other automaton earns) is a polynomial inequality
    in the discount, whose real roots are isolated exactly and bound the set.
    For ``kind="nash"`` the best replies are traced over all discounts by
    exact parametric policy iteration (the replies that are optimal
    somewhere, not every stationary reply).

    End points that are rational with a denominator up to 10**9 are
    Fractions; others (irrational roots) are floats on the inside of the exact
    root, so that a float end point is in the set, and ``d in set`` agrees
    with the point checks for every float and Fraction ``d``. An isolated
    irrational point holds no rational number and is left out.

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
        Bad arguments, or more than :data:`MAX_POLICIES` best replies to trace
        (``kind="nash"``).

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
    cache: dict[Any, Any] = {}  # roots and gcds of the polynomials, shared by the three sets
    conds = _spe_conditions(pair) if kind == "spe" else _nash_conditions(pair, cache)
    both, binding = _assemble(conds[0] + conds[1], cache)
    per = (_assemble(conds[0], cache)[0], _assemble(conds[1], cache)[0])
    return DiscountSet(kind, both, per, binding)
