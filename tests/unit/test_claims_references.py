"""Claims a reader can follow: articles with outlet, title and date; term names; frames."""

from __future__ import annotations

import datetime as dt

import pytest

import tariffsim as ts
from tariffsim.claims import CLAIM_TOPICS, MODEL_OBJECTS, PAYOFF_TERM_NAMES, articles
from tariffsim.cli import main
from tariffsim.errors import UnknownNameError


def test_payoff_term_names_are_ts_terms() -> None:
    assert PAYOFF_TERM_NAMES == ts.TERMS
    assert set(CLAIM_TOPICS) == set(ts.TERMS) | set(MODEL_OBJECTS)


def test_every_claim_term_is_a_known_topic() -> None:
    used = {t for c in ts.claims.values() for t in c.terms}
    assert used <= set(CLAIM_TOPICS)
    assert "markets" in used and "market" not in used


def test_every_article_claim_has_an_article_with_outlet_title_date() -> None:
    arts = articles()
    assert set(arts) == {"000-A", "000-B", "000-C", "000-D", "004"}
    for c in ts.claims.values():
        if c.kind != "article":
            assert c.article is None
            continue
        art = c.article
        assert art is not None, c.id
        assert art.file == c.source, c.id
        assert c.section.startswith(art.id), c.id
        assert isinstance(art.date, dt.date) and art.outlet and art.title
        assert art.title in c.reference and art.outlet in c.reference and c.section in c.reference


def test_wsj_article_and_dates() -> None:
    a = articles()["004"]
    assert a.outlet == "The Wall Street Journal"
    assert a.date == dt.date(2025, 10, 13) and a.date_inferred
    assert articles()["000-B"].date == dt.date(2025, 3, 31)
    assert not articles()["000-B"].date_inferred
    ref = ts.claims["us_threat_100_nov1"].reference
    assert "The Wall Street Journal" in ref and "13 Oct 2025" in ref


def test_assumption_reference_names_its_public_source() -> None:
    c = next(c for c in ts.claims.values() if c.kind == "assumption")
    assert c.source in c.reference


def test_unknown_term_rejected_with_suggestion() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'markets'"):
        ts.claims.filter(term="market")
    assert len(ts.claims.filter(term="markets")) > 20


def test_cli_unknown_term_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "--term", "market"]) == 2
    err = capsys.readouterr().err
    assert "'markets'" in err and "Traceback" not in err


def test_claims_frame_has_every_column() -> None:
    pd = pytest.importorskip("pandas")
    df = ts.claims.to_frame()
    assert isinstance(df, pd.DataFrame)
    for col in ("kind", "value", "unit", "source", "section", "paraphrase", "concerns",
                "terms", "direction", "outlet", "title", "date", "reference"):  # fmt: skip
        assert col in df.columns
    assert len(df) == len(ts.claims)
    assert df.loc["us_recession_odds_60", "value"] == 60.0
