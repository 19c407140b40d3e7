"""Only self-enforcing deals are struck: a deal that a party's own strategy would raise at
once is set aside for the next best. Talks moved to mid-April struck 30%/10%, and the US,
still believing China pays, broke it the next week."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import _talks
from tariffsim import bargaining as bg
from tariffsim.errors import ParameterError


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def _talks_on(sc: ts.Scenario, day: dt.date) -> ts.Scenario:
    g = sc.game
    events = tuple(dataclasses.replace(e, when=day) if e.kind == "summit" else e for e in g.events)
    return dataclasses.replace(sc, game=g.replace(events=events), data={})


def _breaches(p: ts.Path) -> list[str]:
    return [label for _, label in p.events if "breaks the agreement" in label]


@pytest.mark.parametrize("day", [dt.date(2025, 4, 2), dt.date(2025, 4, 9)])
def test_talks_too_early_strike_no_deal_that_would_be_broken(sc: ts.Scenario, day: dt.date) -> None:
    p = _talks_on(sc, day).simulate(seed=0)
    assert _breaches(p) == []
    assert p.agreements == ()
    said = [label for _, label in p.events if "set aside" in label]
    assert len(said) == 1 and said[0].endswith(
        "each of which a party's own strategy would break within 12 rounds, so no deal"
    )
    assert p.series("US", "CN")[-1] == pytest.approx(0.3)  # the US comes down on its own


def test_a_deal_that_would_be_broken_gives_way_to_the_next_that_holds(sc: ts.Scenario) -> None:
    """On 16 April 30%/10% would be broken; 54%/10%, which the US holds, is struck."""
    p = _talks_on(sc, dt.date(2025, 4, 16)).simulate(seed=0)
    assert _breaches(p) == []
    assert [(a.round, a.terms[("US", "CN")], a.terms[("CN", "US")]) for a in p.agreements] == [
        (12, 0.54, 0.1), (25, 0.54, 0.1)
    ]  # fmt: skip
    assert [label for _, label in p.events if "set aside" in label] == [
        "Geneva talks: 4 better deals set aside, each of which a party's own strategy would "
        "break within 12 rounds, so the next"
    ]


def test_the_check_holds_the_deal_as_the_run_does(sc: ts.Scenario) -> None:
    """The check holds the deal as the run does (as ceilings): China's `firm-but-measured`
    cuts below a deal and climbs back over it rounds later, so the deal it would break is
    set aside and the one struck holds (with rates held both ways in the check only, one it
    broke in the run had passed)."""
    p = sc.with_strategy("CN", "firm-but-measured").simulate(seed=0)
    assert p.agreements and _breaches(p) == []


def test_a_deal_that_holds_is_struck_as_before(sc: ts.Scenario) -> None:
    later = _talks_on(sc, dt.date(2025, 4, 23)).simulate(seed=0)
    assert [(a.round, a.terms[("US", "CN")], a.terms[("CN", "US")]) for a in later.agreements][
        :1
    ] == [(13, 0.3, 0.1)]
    assert _breaches(later) == [] and not any("broken" in x for _, x in later.events)
    base = sc.simulate(seed=0)
    assert [a.round for a in base.agreements] == [16, 29]


def test_the_per_run_search_checks_deals_as_the_batched_one(
    sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs the batch cannot search (too many deals) go through ``solve_deal`` one by one,
    with the same check: the same deals, the same notes."""
    early = _talks_on(sc, dt.date(2025, 4, 16))
    later = _talks_on(sc, dt.date(2025, 4, 23))
    batched = [x.simulate(seed=0) for x in (early, later)]
    monkeypatch.setattr(_talks, "MAX_DEALS", 0)  # every run searched one by one
    one_by_one = [x.simulate(seed=0) for x in (early, later)]
    for a, b in zip(batched, one_by_one, strict=True):
        np.testing.assert_array_equal(a.tariff, b.tariff)
        assert a.events == b.events
        assert [(x.round, x.terms) for x in a.agreements] == [
            (x.round, x.terms) for x in b.agreements
        ]
        for x, y in zip(a.agreements, b.agreements, strict=True):  # valued alike: neither
            assert x.gain == pytest.approx(y.gain, rel=1e-9, abs=1e-12)  # on the mood or
            assert x.split == pytest.approx(y.split, rel=1e-9, abs=1e-12)  # grievances


def test_solve_deal_sets_aside_deals_that_do_not_hold(sc: ts.Scenario) -> None:
    w = sc.world
    peak = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 1.45).with_tariff(w, "CN", "US", 1.4)
    dis = bg.carry_on_value(sc.game, peak, ["US", "CN"], horizon=6)
    best = bg.solve_deal(sc.game, ("US", "CN"), peak, dis)
    assert best.agreed and best.broken == 0
    seen: list[tuple[object, ...]] = []

    def key(deal: bg.Deal) -> tuple[object, ...]:
        return (sorted(deal.terms.items()), deal.concessions)

    def not_the_first(deal: bg.Deal) -> bool:
        seen.append(key(deal))
        return len(seen) > 1

    second = bg.solve_deal(sc.game, ("US", "CN"), peak, dis, holds=not_the_first)
    assert seen[0] == key(best) and second.agreed and second.broken == 1
    assert key(second) != key(best)
    assert math_prod(second.gain) <= math_prod(best.gain)  # the next best by the Nash product
    never = bg.solve_deal(sc.game, ("US", "CN"), peak, dis, holds=lambda d: False, max_broken=3)
    assert not never.agreed and never.broken == 3 and never.state is peak
    for kw, words in (({"holds": 3}, "`holds` must be a callable"),
                      ({"holds": lambda d: None}, "`holds` must return True or False; got None"),
                      ({"max_broken": 0}, "`max_broken` must be an int >= 1; got 0"),
                      ({"max_broken": True}, "`max_broken` must be an int")):  # fmt: skip
        with pytest.raises(ParameterError, match=words):
            bg.solve_deal(sc.game, ("US", "CN"), peak, dis, **kw)
    again = bg.solve_deal(sc.game, ("US", "CN"), peak, dis, holds=lambda d: False,
                          max_broken=np.int64(3))  # fmt: skip
    assert again.broken == 3


def math_prod(gain: object) -> float:
    vals = list(gain.values())  # type: ignore[attr-defined]
    return float(np.prod(vals))
