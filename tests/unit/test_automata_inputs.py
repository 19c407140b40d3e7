"""Automata: float probabilities read exactly, end points rounded inward, inputs checked,
huge payoffs, and Nash sets of many-state automata (traced, not enumerated).

Every expected value comes from exact arithmetic (Fractions) or from an independent brute
force (all stationary replies, enumerated), never from the code under test.
"""

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest

from tariffsim import equilibrium as eq
from tariffsim.errors import NumericalError, ParameterError

PD = eq.DyadPayoffs(T=5, R=3, P=1, S=0)


def _mk(**kw):
    base = {
        "name": "x",
        "states": ("s", "t"),
        "actions": ("C", "D"),
        "opponent_actions": ("C", "D"),
        "output": ((1, 0), (0, 1)),
        "transition": (((0, 1), (0, 1)), ((0, 1), (0, 1))),
    }
    return eq.Automaton(**{**base, **kw})


def _punish(k):
    """C until anyone plays D, then D for k rounds, then C again (k + 1 states)."""

    def rule(s, me, you):
        i = int(s)
        if i == 0:
            return "0" if me == you == "C" else "1"
        return str(i + 1) if i < k else "0"

    out = {str(i): "C" if i == 0 else "D" for i in range(k + 1)}
    return eq.make_automaton(f"punish-{k}", [str(i) for i in range(k + 1)], out, rule)


def _three_state():
    """The column automaton of the review: against always-C its Nash set ends at an
    irrational discount."""
    nxt = {
        "s0": {"CC": "s0", "CD": "s1", "DC": "s0", "DD": "s2"},
        "s1": {"CC": "s2", "CD": "s2", "DC": "s2", "DD": "s2"},
        "s2": {"CC": "s1", "CD": "s2", "DC": "s1", "DD": "s2"},
    }
    return eq.make_automaton(
        "b", list(nxt), {"s0": "C", "s1": "C", "s2": "D"}, lambda s, me, you: nxt[s][me + you]
    )


# ---------------------------------------------------------------------------
# an independent brute force: exact values, every stationary reply enumerated
# ---------------------------------------------------------------------------
def _solve(M, r):
    n = len(r)
    a = [[F(x) for x in row] + [F(r[i])] for i, row in enumerate(M)]
    for c in range(n):
        piv = next(i for i in range(c, n) if a[i][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        for i in range(n):
            if i != c and a[i][c] != 0:
                f = a[i][c] / a[c][c]
                a[i] = [x - f * y for x, y in zip(a[i], a[c], strict=True)]
    return [a[i][n] / a[i][i] for i in range(n)]


def _chain_value(states, start, step, d):
    """Value at `start` of a Markov reward chain: step(s) -> [(prob, reward, next)]."""
    index = {s: k for k, s in enumerate(states)}
    n = len(states)
    M = [[F(int(i == j)) for j in range(n)] for i in range(n)]
    r = [F(0)] * n
    for s in states:
        for p, u, nxt in step(s):
            r[index[s]] += p * u
            M[index[s]][index[nxt]] -= d * p
    return _solve(M, r)[index[start]]


def _matrices(stage):
    A, B = eq.stage_bimatrix(stage)
    return [[F(float(v)) for v in row] for row in A], [[F(float(v)) for v in row] for row in B]


def _brute_nash(a, b, stage, d):
    """Following both automata earns each player the most any stationary reply earns."""
    A, B = _matrices(stage)
    d = F(d)
    pairs = [(qa, qb) for qa in range(len(a.states)) for qb in range(len(b.states))]

    def joint(s, p):
        qa, qb = s
        return [
            (px * py, (A if p == 0 else B)[x][y], (a.transition[qa][x][y], b.transition[qb][y][x]))
            for x, px in enumerate(a.output[qa])
            for y, py in enumerate(b.output[qb])
            if px and py
        ]

    for p, me, other in ((0, a, b), (1, b, a)):
        follow = _chain_value(pairs, (a.initial, b.initial), lambda s, p=p: joint(s, p), d)
        qs = range(len(other.states))
        for plan in itertools.product(range(len(me.actions)), repeat=len(other.states)):

            def step(q, plan=plan, p=p, other=other):
                x = plan[q]
                return [
                    (po, A[x][o] if p == 0 else B[o][x], other.transition[q][o][x])
                    for o, po in enumerate(other.output[q])
                    if po
                ]

            if _chain_value(list(qs), other.initial, step, d) > follow:
                return False
    return True


# ---------------------------------------------------------------------------
# 1. float probabilities are read as the fractions they stand for
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "want"),
    [
        ((0.1, 0.9), (F(1, 10), F(9, 10))),
        ((0.3, 0.7), (F(3, 10), F(7, 10))),
        ((1 / 3, 2 / 3), (F(1, 3), F(2, 3))),
        ((0.5, 0.5), (F(1, 2), F(1, 2))),
        ((np.float64(0.25), 0.75), (F(1, 4), F(3, 4))),
    ],
)
def test_float_probabilities_are_read_as_the_fractions_they_stand_for(given, want) -> None:
    """0.1 and 0.9 were refused by make_automaton (their binary values do not sum to 1) and
    kept as floats by Automaton (so later sums mixed floats into the exact arithmetic)."""
    g = eq.make_automaton(
        "g",
        ["C", "D"],
        {"C": "C", "D": {"C": given[0], "D": given[1]}},
        lambda s, me, you: you,
    )
    assert g.output[1] == want and all(type(p) is F for p in g.output[1])
    a = eq.Automaton("a", ("s",), ("C", "D"), ("C", "D"), (given,), (((0, 0), (0, 0)),))
    assert a.output == (want,) and all(type(p) is F for p in a.output[0])


def test_a_float_with_no_short_fraction_is_taken_at_its_binary_value() -> None:
    tiny = 2.0**-40  # no fraction of denominator <= 10**9 rounds to it
    a = eq.Automaton("a", ("s",), ("C", "D"), ("C", "D"), ((tiny, 1 - tiny),), (((0, 0),) * 2,))
    assert a.output == ((F(1, 2**40), 1 - F(1, 2**40)),)
    assert all(type(p) is F for p in a.output[0])
    with pytest.raises(ParameterError, match=r"`output\['D'\]` must be probabilities summing"):
        eq.make_automaton("g", ["D"], {"D": {"C": 0.5, "D": 0.25}}, lambda s, me, you: "D")


def test_generosity_as_a_float_is_the_fraction() -> None:
    assert eq.generous_tit_for_tat(0.1).output[1] == (F(1, 10), F(9, 10))


@pytest.mark.parametrize("kind", ["spe", "nash"])
def test_a_float_mixing_automaton_gets_the_exact_discount_set(kind) -> None:
    """A coin flip every round (0.5, 0.5 as floats) against tit-for-tat gave a one-point set
    near 1 that the point checks denied. The set is empty: against play that ignores
    history the best reply is the stage best reply, D (dominant here), yet tit-for-tat
    opens with C; so the pair is Nash, let alone subgame perfect, for no discount."""
    coin = eq.Automaton("coin", ("s",), ("C", "D"), ("C", "D"), ((0.5, 0.5),), (((0, 0),) * 2,))
    s = eq.discount_set(coin, "tit-for-tat", PD, kind=kind)
    assert s.empty, str(s)
    for d in (0, F(1, 2), F(999, 1000), 0.9999999999999978):
        assert not _brute_nash(coin, eq.tit_for_tat(), PD, d)


# ---------------------------------------------------------------------------
# 2. irrational end points: the float inside the set, shown in full
# ---------------------------------------------------------------------------
def _floats_in_text(s):
    out = []
    for part in str(s).split(" u "):
        lo, hi = part[1:-1].split(", ")
        out += [x for x in (lo, hi) if "." in x or "e" in x]  # a Fraction shows as 1 or p/q
    return [float(x) for x in out]


@pytest.mark.parametrize("k", range(2, 9))
@pytest.mark.parametrize("kind", ["spe", "nash"])
def test_irrational_threshold_is_the_smallest_float_above_the_root(k, kind) -> None:
    """Against a k-round punishment, cooperating pays iff d + d**2 + ... + d**k >= 1 (the
    deviation gains T - R = 2 once and loses R - P = 2 in each punished round): an
    irrational root for k >= 2. The end point was the nearest float (outside the set for
    k = 2, 4, 8; two floats off for k = 5, 6) and the text cut it to 12 digits."""

    def g(d):
        return sum(F(d) ** i for i in range(1, k + 1)) - 1

    s = eq.discount_set(_punish(k), _punish(k), PD, kind=kind)
    assert len(s.intervals) == 1 and s.upward_closed
    lo = s.lower
    assert isinstance(lo, float)
    assert g(lo) > 0 > g(math.nextafter(lo, 0))  # the smallest float >= the root
    assert lo in s and math.nextafter(lo, 0) not in s
    assert _floats_in_text(s) == [lo]  # shown in full: the text claims nothing outside


def test_irrational_upper_end_agrees_with_the_point_checks() -> None:
    """The review's case: the upper end was ~2 ulps above the root (sqrt(21) - 3) / 2, yet
    closed, so `hi in s` was True where the point check said False."""
    b = _three_state()
    game = eq.DyadPayoffs(T=1, R=4, P=5, S=2)
    s = eq.discount_set("always-cooperate", b, game, kind="nash")
    hi = s.intervals[-1].hi
    assert isinstance(hi, float) and s.intervals[-1].hi_closed

    def f(d):  # the root r = (sqrt(21) - 3) / 2 solves d**2 + 3 d - 3 = 0, increasing here
        return F(d) ** 2 + 3 * F(d) - 3

    up = math.nextafter(hi, 1)
    assert f(hi) < 0 < f(up)  # the largest float <= r
    a = eq.always_cooperate()
    for d in (hi, up, F(1, 2), F(4, 5), 0.0):
        assert (d in s) == _brute_nash(a, b, game, d) == eq.automaton_nash(a, b, game, d).holds
    assert hi in s and up not in s
    assert all(x in s for x in _floats_in_text(s))
    # a Fraction between the float and the root is decided against the exact root
    x, y = F(hi), F(up)
    for _ in range(8):
        m = (x + y) / 2
        x, y = (m, y) if f(m) < 0 else (x, m)
    assert x in s and y not in s
    assert _brute_nash(a, b, game, x) and not _brute_nash(a, b, game, y)


def test_nash_sets_agree_with_brute_force_on_small_automata() -> None:
    """Membership at a grid and at every end point (and the floats next to it) agrees with
    an enumeration of all stationary replies in exact arithmetic."""
    rng = np.random.default_rng(7)
    cases = [("always-cooperate", _three_state(), eq.DyadPayoffs(T=1, R=4, P=5, S=2))]
    for _ in range(12):
        autos = []
        for name in ("a", "b"):
            k = int(rng.integers(1, 4))
            out = []
            for _q in range(k):
                if rng.random() < 0.25:
                    p = F(int(rng.integers(1, 5)), 5)
                    out.append((p, 1 - p))
                else:
                    x = int(rng.integers(0, 2))
                    out.append((F(1 - x), F(x)))
            tr = tuple(
                tuple(tuple(int(rng.integers(0, k)) for _y in range(2)) for _x in range(2))
                for _q in range(k)
            )
            states = tuple(f"q{i}" for i in range(k))
            autos.append(eq.Automaton(name, states, ("C", "D"), ("C", "D"), tuple(out), tr))
        pay = [int(v) for v in rng.integers(-4, 5, size=8)]
        stage = ([pay[0:2], pay[2:4]], [pay[4:6], pay[6:8]])
        cases.append((autos[0], autos[1], stage))
    for a, b, stage in cases:
        aa = eq.AUTOMATA[a]() if isinstance(a, str) else a
        s = eq.discount_set(aa, b, stage, kind="nash")
        points = [F(i, 23) for i in range(23)]
        for iv in s.intervals:
            for e in (iv.lo, iv.hi):
                if e < 1:
                    points.append(e)
                    if isinstance(e, float):
                        points += [math.nextafter(e, 0), math.nextafter(e, 1)]
        for d in points:
            if 0 <= d < 1:
                assert (d in s) == _brute_nash(aa, b, stage, d), (str(s), d)


# ---------------------------------------------------------------------------
# 3. bad input: tariffsim errors naming the field, never a bare traceback
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (
            {"transition": (((1.0, 0), (0, 1)), ((0, 1), (0, 1)))},
            r"`transition\[0\]\[0\]\[0\]`.*1\.0",
        ),
        (
            {"transition": (((True, 0), (0, 1)), ((0, 1), (0, 1)))},
            r"`transition\[0\]\[0\]\[0\]`.*True",
        ),
        ({"transition": ((0, 0), (0, 0))}, r"`transition\[0\]\[0\]`.*got 0"),
        ({"transition": None}, r"`transition`.*None"),
        ({"output": (("1", "0"), (0, 1))}, r"`output\[0\]\[0\]`.*'1'"),
        ({"output": None}, r"`output`.*None"),
        ({"output": ((0.5, 0.6), (0, 1))}, r"`output\[0\]` \(state 's'\).*summing to 1"),
        ({"initial": True}, r"`initial`.*True"),
        ({"states": None}, r"`states`.*None"),
        ({"name": None}, r"`name`.*None"),
    ],
)
def test_automaton_fields_are_checked_when_made(kw, words) -> None:
    with pytest.raises(ParameterError, match=words):
        _mk(**kw)


def test_numpy_integers_are_state_indices() -> None:
    """initial=np.int64(0) was refused as "must be a state index < 1; got np.int64(0)"."""
    a = _mk(initial=np.int64(1), transition=np.array([[[0, 1], [0, 1]], [[0, 1], [0, 1]]]))
    assert a.initial == 1 and type(a.initial) is int
    assert all(type(v) is int for t in a.transition for u in t for v in u)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"states": None}, r"`states`.*None"),
        ({"rule": None}, r"`rule`.*callable.*None"),
        ({"actions": 3}, r"`actions`.*3"),
    ],
)
def test_make_automaton_arguments_are_checked(kw, words) -> None:
    args = {"name": "g", "states": ["C"], "output": {"C": "C"}, "rule": lambda s, me, you: "C"}
    with pytest.raises(ParameterError, match=words):
        eq.make_automaton(**{**args, **kw})


HUGE = eq.DyadPayoffs(T=1e308, R=1e308, P=1e308, S=1e308)


@pytest.mark.parametrize("check", [eq.automaton_spe, eq.automaton_nash])
def test_point_check_values_beyond_the_largest_float_are_a_numerical_error(check) -> None:
    """The value 1e308 / (1 - 1/2) is beyond any float: an OverflowError came from the
    conversion; it is a NumericalError naming the payoffs."""
    with pytest.raises(NumericalError, match=r"`stage` payoffs"):
        check("always-defect", "always-defect", HUGE, 0.5)


def test_grim_trigger_with_payoffs_near_the_largest_float() -> None:
    """grim_facts and critical_discount overflowed in the probe that names the deviation.
    A discount set and its reason do not depend on the payoffs' scale: the same game
    scaled by 2**-1000 (exactly) is the oracle."""
    big = eq.DyadPayoffs(1.7e308, -1.7e308, -1.7e308, -1.7e308)
    small = eq.DyadPayoffs(*(x * 2.0**-1000 for x in (big.T, big.R, big.P, big.S)))
    g, h = eq.grim_facts(big), eq.grim_facts(small)
    assert (str(g.spe), str(g.nash), g.reason) == (str(h.spe), str(h.nash), h.reason)
    assert "plays D instead of C" in g.reason
    with pytest.raises(ParameterError, match="no discount threshold"):
        eq.critical_discount(1e308, -1e308, 1, 0)


# ---------------------------------------------------------------------------
# 4. many-state automata: the Nash set is traced, not enumerated
# ---------------------------------------------------------------------------
def test_nash_set_of_a_thirteen_state_automaton() -> None:
    """2**13 stationary replies were refused (more than MAX_POLICIES), and 2**11 to 2**12
    took minutes; tracing the best reply takes a fraction of a second. The threshold
    solves d + d**2 + ... + d**12 = 1 (see the k-round test above)."""
    k = 12

    def g(d):
        return sum(F(d) ** i for i in range(1, k + 1)) - 1

    s = eq.discount_set(_punish(k), _punish(k), PD, kind="nash")
    assert len(s.intervals) == 1 and s.upward_closed
    lo = s.lower
    assert g(lo) > 0 > g(math.nextafter(lo, 0))
