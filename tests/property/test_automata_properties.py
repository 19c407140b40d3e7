"""Automata: exact discount sets agree with point checks and with closed-form textbook formulas."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim import equilibrium as eq
from tariffsim.errors import ParameterError

SETTINGS = settings(max_examples=25, deadline=None)
small = st.integers(-6, 6)
NAMES = ["grim-trigger", "tit-for-tat", "pavlov", "always-defect", "always-cooperate"]


@st.composite
def prisoners_dilemmas(draw):
    s, p, r, t = sorted(draw(st.lists(small, min_size=4, max_size=4, unique=True)))
    return eq.DyadPayoffs(T=t, R=r, P=p, S=s)


@SETTINGS
@given(pd=prisoners_dilemmas())
def test_textbook_thresholds(pd):
    T, R, P, S = (Fraction(x) for x in (pd.T, pd.R, pd.P, pd.S))
    grim = eq.discount_set("grim-trigger", "grim-trigger", pd, kind="spe")
    assert grim.upward_closed and grim.lower == (T - R) / (T - P)
    tft = eq.discount_set("tit-for-tat", "tit-for-tat", pd, kind="nash")
    c = max((T - R) / (T - P), (T - R) / (R - S))
    assert tft.empty if c >= 1 else (tft.upward_closed and tft.lower == c)
    # subgame perfect only on the knife edge delta = (T-R)/(R-S) = (P-S)/(T-P)
    spe = eq.discount_set("tit-for-tat", "tit-for-tat", pd, kind="spe")
    edge = (T - R) / (R - S)
    if edge == (P - S) / (T - P) and edge < 1:
        assert [(iv.lo, iv.hi) for iv in spe.intervals] == [(edge, edge)]
    else:
        assert spe.empty
    pav = eq.discount_set("pavlov", "pavlov", pd, kind="spe")
    c = (T - R) / (R - P)
    assert pav.empty if c >= 1 else (pav.upward_closed and pav.lower == c)


@SETTINGS
@given(
    a=st.sampled_from(NAMES),
    b=st.sampled_from(NAMES),
    pay=st.tuples(small, small, small, small, small, small, small, small),
    d=st.fractions(0, 1).filter(lambda x: x < 1),
)
def test_point_checks_match_sets_and_spe_implies_nash(a, b, pay, d):
    stage = ([[pay[0], pay[1]], [pay[2], pay[3]]], [[pay[4], pay[5]], [pay[6], pay[7]]])
    spe = eq.automaton_spe(a, b, stage, d)
    nash = eq.automaton_nash(a, b, stage, d)
    assert (d in eq.discount_set(a, b, stage, kind="spe")) == spe.holds
    assert (d in eq.discount_set(a, b, stage, kind="nash")) == nash.holds
    if spe.holds:
        assert nash.holds


@settings(max_examples=40, deadline=None)
@given(
    pay=st.tuples(small, small, small, small),
    d=st.fractions(0, 1).filter(lambda x: x < 1),
)
def test_grim_trigger_thresholds_for_every_ordering(pay, d):
    # first principles, any order of T, R, P, S (ties included): mutual grim trigger
    # ("high forever once anyone went high") is a Nash equilibrium iff cooperating
    # beats the best deviation, which earns T once and then the best reply to
    # "high" forever, max(P, S); it is subgame perfect iff moreover the
    # punishment is a stage equilibrium (P >= S) and the deviation is met by P
    T, R, P, S = (Fraction(x) for x in pay)
    row = eq.DyadPayoffs(T=pay[0], R=pay[1], P=pay[2], S=pay[3])
    nash = (1 - d) * T + d * max(P, S) <= R
    spe = P >= S and (1 - d) * T + d * P <= R
    facts = eq.grim_facts(row)
    assert (d in facts.nash) == nash
    assert (d in facts.spe) == spe
    assert (d in eq.discount_set("grim-trigger", "grim-trigger", row, kind="nash")) == nash
    assert (d in eq.discount_set("grim-trigger", "grim-trigger", row, kind="spe")) == spe
    grid = [Fraction(k, 120) for k in range(120)]
    for kind, holds in (("nash", nash), ("spe", spe)):
        on = [
            (1 - x) * T + x * (max(P, S) if kind == "nash" else P) <= R
            and (kind == "nash" or P >= S)
            for x in grid
        ]
        upward = any(on) and all(on[on.index(True) :])
        try:
            c = eq.critical_discount(*pay, kind=kind)
        except ParameterError:
            assert not upward  # no threshold: the set is empty or not of the form [c, 1)
            continue
        assert upward
        assert holds == (d >= c)
