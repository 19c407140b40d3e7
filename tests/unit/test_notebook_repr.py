"""Notebook views and optional pandas export."""

from __future__ import annotations

import importlib.util

import pytest

import tariffsim as ts


@pytest.fixture(scope="module")
def path() -> ts.Path:
    return ts.load_scenario("us-china-145").simulate(seed=0)


def test_path_html_shows_turning_points_and_a_plot(path):
    h = path._repr_html_()
    assert "<table>" in h and "data:image/png;base64," in h
    # the peak round and the first cut must be among the rows shown
    us = path.series("US", "CN")
    peak_round = int(us.argmax())
    assert f"<td>{peak_round}</td>" in h
    assert h.count("<tr>") < len(path) + 1  # a compact view, not every round


def test_claims_html_lists_every_claim():
    h = ts.claims._repr_html_()
    assert h.count("<tr>") == len(ts.claims) + 1
    assert "us_recession_odds_60" in h


def test_to_frame_needs_pandas_or_returns_a_frame(path):
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            path.to_frame()
        with pytest.raises(ImportError, match=r"tariffsim\[pandas\]"):
            ts.claims.to_frame()
    else:
        df = path.to_frame()
        assert len(df) == len(path)
        assert float(df["US->CN %"].max()) == 145.0
        assert len(ts.claims.to_frame()) == len(ts.claims)
