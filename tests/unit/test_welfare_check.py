"""The 2018-19 tariffs check the size of the trade terms (``welfare_2018_19``).

Fajgelbaum, Goldberg, Kennedy & Khandelwal (2020): US buyers lost about 0.27% of GDP, and
0.04% net of the tariff revenue. 20% on US imports from China is the scale of those
tariffs; docs/model.md states the model's numbers beside the study's.
"""

from __future__ import annotations

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.claims import load_claims


@pytest.fixture(scope="module")
def us_terms() -> dict[str, float]:
    w = ts.World.default()
    s = ts.State.zeros(w.n).with_tariff(w, "US", "CN", 0.2)
    model = ts.PayoffModel(w, ts.Params.default(w))
    b = model.breakdown(s, prev=s)
    k = w.index("US")
    weights = dict(zip(ts.payoffs.TERMS, np.asarray(model.weights)[:, k], strict=True))
    out = {t: float(np.asarray(v)[0, k]) for t, v in b.terms.items()}
    out["revenue_half"] = out["revenue"] / weights["revenue"]  # (revenue_weight 0.5 in it)
    return out


def test_the_buyers_loss_is_the_studys_size(us_terms: dict[str, float]) -> None:
    gross, _net = load_claims()["welfare_2018_19"].values
    assert 0.75 * gross <= -us_terms["tariff_pain"] <= 1.25 * gross


def test_with_all_revenue_counted_the_net_loss_is_the_studys_size(
    us_terms: dict[str, float],
) -> None:
    _gross, net = load_claims()["welfare_2018_19"].values
    p = ts.Params.default(ts.World.default())
    rev = us_terms["revenue_half"] / float(p.revenue_weight[0])  # every dollar counted
    assert 0.0 < -(us_terms["tariff_pain"] + rev) <= 2.5 * net
    # the default half weight: the payoff's net loss is the larger, by design
    assert -(us_terms["tariff_pain"] + us_terms["revenue_half"]) > 2.5 * net
