"""Repeated-game automata: exact Nash/SPE checks and discount sets against textbook results."""

import math
import re
from fractions import Fraction

import pytest

from tariffsim import equilibrium as eq
from tariffsim.errors import ParameterError, UnknownNameError

PD = eq.DyadPayoffs(T=5, R=3, P=1, S=0)  # (R, S, T, P) = (3, 0, 5, 1)
CHICKEN = eq.DyadPayoffs(T=4, R=3, P=0, S=1)


def test_tit_for_tat_nash_iff_two_thirds():
    s = eq.discount_set("tit-for-tat", "tit-for-tat", PD, kind="nash")
    assert len(s.intervals) == 1
    iv = s.intervals[0]
    assert iv.lo == Fraction(2, 3) and iv.lo_closed and iv.hi == 1 and not iv.hi_closed
    # the point checks agree on both sides of the threshold, and at it exactly
    assert eq.automaton_nash("tit-for-tat", "tit-for-tat", PD, Fraction(2, 3)).holds
    below = eq.automaton_nash("tit-for-tat", "tit-for-tat", PD, 0.66)
    assert not below.holds
    # the best reply that breaks it alternates: defect against C, cooperate against D
    assert below.breaks[0].plan == {"C": "D", "D": "C"}
    assert below.breaks[0].state == ("C", "C")


def test_tit_for_tat_never_subgame_perfect_names_punishment():
    assert eq.discount_set("tit-for-tat", "tit-for-tat", PD, kind="spe").empty
    r = eq.automaton_spe("tit-for-tat", "tit-for-tat", PD, 0.9)
    assert not r.holds
    states = {(b.player, b.state, b.action) for b in r.breaks}
    # after a's defection b is in its punishment state D, a in C: b would rather forgive
    assert (1, ("C", "D"), "C") in states
    # mutual punishment (D, D): either side gains by cooperating
    assert (0, ("D", "D"), "C") in states
    assert "not subgame perfect" in r.message


def test_grim_trigger_spe_iff_half():
    s = eq.discount_set("grim-trigger", "grim-trigger", PD, kind="spe")
    assert str(s) == "[1/2, 1)"
    assert s.lower == Fraction(1, 2)
    assert eq.automaton_spe("grim-trigger", "grim-trigger", PD, 0.5).holds
    bad = eq.automaton_spe("grim-trigger", "grim-trigger", PD, 0.49)
    assert bad.breaks[0].state == ("C", "C") and bad.breaks[0].action == "D"


def test_pavlov_textbook_threshold():
    # win-stay lose-shift is subgame perfect iff delta >= (T - R) / (R - P)
    # (so never when 2R <= T + P, as with (3, 0, 5, 1))
    assert eq.discount_set("pavlov", "pavlov", PD, kind="spe").empty
    g = eq.DyadPayoffs(T=4, R=3, P=1, S=0)
    s = eq.discount_set("pavlov", "pavlov", g, kind="spe")
    assert s.intervals[0].lo == Fraction(4 - 3, 3 - 1) and s.upward_closed


def test_chicken_grim_punishment_not_stage_equilibrium():
    g = eq.grim_facts(CHICKEN)
    assert g.spe.empty and not g.punishment_is_stage_equilibrium
    assert "not a stage equilibrium" in g.reason
    # the punished side replies with C (S > P): Nash needs delta >= (T - R) / (T - S)
    assert g.nash.lower == Fraction(4 - 3, 4 - 1)
    with pytest.raises(ParameterError, match="not a stage"):
        eq.critical_discount(4, 3, 0, 1)
    assert eq.critical_discount(4, 3, 0, 1, kind="nash") == pytest.approx(1 / 3)
    # the matrices
    row, col = eq.dyad_stage_payoffs([[3, 1], [4, 0]], [[3, 4], [1, 0]])
    assert (row.T, row.R, row.P, row.S) == (4, 3, 0, 1) and row == col
    with pytest.raises(ParameterError, match="never subgame perfect"):
        row.critical_discount()


def test_critical_discount_rules():
    assert eq.critical_discount(10, 6, 2, 0) == pytest.approx(0.5)
    assert eq.critical_discount(3, 3, 1, 0) == 0.0
    with pytest.raises(ParameterError, match="no discount threshold"):
        eq.critical_discount(5, 1, 1, 0)
    with pytest.raises(ParameterError, match="`T`"):
        eq.critical_discount(float("nan"), 1, 0, 0)
    with pytest.raises(ParameterError, match="kind"):
        eq.critical_discount(5, 3, 1, 0, kind="weak")


def test_generous_tft_mixed_state():
    gtft = eq.generous_tit_for_tat(Fraction(1, 4))
    assert not gtft.deterministic
    s = eq.discount_set(gtft, gtft, PD, kind="nash")
    # every point test agrees with the set
    for d in (0.3, 0.6, 0.75, 0.9, 0.99):
        assert (d in s) == eq.automaton_nash(gtft, gtft, PD, d).holds
    # forgiving makes defection cheaper to try: needs more patience than TFT
    assert s.lower > Fraction(2, 3)


def test_custom_automaton_and_describe():
    tft = eq.make_automaton("mine", ["C", "D"], {"C": "C", "D": "D"}, lambda s, me, you: you)
    assert tft.transition == eq.tit_for_tat().transition
    assert "play C" in tft.describe()
    # asymmetric pair: always-defect against grim is a Nash equilibrium for no discount
    assert eq.discount_set("always-defect", "grim-trigger", PD, kind="nash").empty
    assert eq.discount_set("always-defect", "always-defect", PD, kind="spe").lower == 0


def test_bad_input():
    with pytest.raises(UnknownNameError, match="tit-for-tat"):
        eq.automaton_spe("tit-for-twat", "tit-for-tat", PD, 0.5)
    with pytest.raises(ParameterError, match="discount"):
        eq.automaton_spe("tit-for-tat", "tit-for-tat", PD, 1.0)
    with pytest.raises(ParameterError, match="kind"):
        eq.discount_set("tit-for-tat", "tit-for-tat", PD, kind="weak")
    with pytest.raises(ParameterError, match="stage"):
        eq.automaton_nash("tit-for-tat", "tit-for-tat", [[1, 2, 3]], 0.5)
    with pytest.raises(ParameterError, match="3x3"):
        eq.automaton_nash("tit-for-tat", "tit-for-tat", ([[0] * 3] * 3, [[0] * 3] * 3), 0.5)
    with pytest.raises(ParameterError, match="unknown state"):
        eq.make_automaton("x", ["C"], {"C": "C"}, lambda s, me, you: "Z")
    with pytest.raises(ParameterError, match="generosity"):
        eq.generous_tit_for_tat(1.5)
    with pytest.raises(ParameterError, match="output"):
        eq.make_automaton("x", ["C"], {"C": {"C": 0.5, "D": 0.2}}, lambda s, me, you: "C")


@pytest.mark.parametrize("T", [1501, 2001, 4001, 10**6 + 1])
@pytest.mark.parametrize("kind", ["spe", "nash"])
def test_grim_trigger_thresholds_close_to_one_are_exact(T, kind):
    # the conditions carry powers of (1 - d): float roots near that multiple root snapped to
    # 1 or strayed, so T = 2001 gave an empty set (and T = 1501 a spurious isolated point)
    pd = eq.DyadPayoffs(T=T, R=2, P=1, S=0)
    s = eq.discount_set("grim-trigger", "grim-trigger", pd, kind=kind)
    want = Fraction(T - 2, T - 1)
    assert len(s.intervals) == 1 and s.lower == want and s.upward_closed, str(s)
    inside = float(want) + (1 - float(want)) / 2
    below = float(want) - (1 - float(want))
    assert inside in s and below not in s
    check = eq.automaton_spe if kind == "spe" else eq.automaton_nash
    assert check("grim-trigger", "grim-trigger", pd, inside).holds
    assert not check("grim-trigger", "grim-trigger", pd, below).holds
    assert eq.critical_discount(T, 2, 1, 0, kind=kind) == pytest.approx(float(want), abs=1e-15)


def test_a_discount_set_holds_no_nan_or_infinity_and_prints_apart_from_one():
    pd = eq.DyadPayoffs(T=5.0, R=1.0 + 1e-12, P=1.0, S=0.0)  # threshold 1 - 2.5e-13
    s = eq.discount_set("grim-trigger", "grim-trigger", pd, kind="spe")
    assert float("nan") not in s and float("inf") not in s and -float("inf") not in s
    assert str(s).startswith("[0.99999999999975") and s.lower < 1, str(s)  # (it printed [1, 1))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"T": float("nan")}, "`T` must be finite; got nan"),
        ({"S": float("inf")}, "`S` must be finite; got inf"),
        ({"P": "1"}, "`P` must be a real number; got '1'"),
    ],
)
def test_dyad_payoffs_are_checked_when_made(kw, message) -> None:
    """DyadPayoffs(T=nan, ...) was accepted; the error came at first use, and from
    discount_set without naming the payoff ("`stage` payoffs must be finite")."""
    args = {"T": 5, "R": 3, "P": 1, "S": 0, **kw}
    with pytest.raises(ParameterError, match=re.escape(message)):
        eq.DyadPayoffs(**args)


def test_a_stage_matrix_s_non_finite_payoff_is_named() -> None:
    with pytest.raises(ParameterError, match=r"the row player's payoff at \(1, 0\) is inf"):
        eq.discount_set("grim-trigger", "grim-trigger", ([[3, 0], [math.inf, 1]], [[3, 5], [0, 1]]))
