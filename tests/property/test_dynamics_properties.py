"""The slow state variables move per elapsed time: two half rounds are one round."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import dynamics as dy

SETTINGS = settings(max_examples=40, deadline=None)
DAYS = st.floats(0.5, 60.0)
HALF = st.floats(1.0, 400.0)
SHARE = st.floats(0.0, 1.0)


def _matrix(draw, lo=0.0, hi=1.0, n=4):
    vals = draw(st.lists(st.floats(lo, hi), min_size=n * n, max_size=n * n))
    return np.array(vals).reshape(n, n)


@st.composite
def tariffs(draw, n=4):
    return _matrix(draw, 0.0, 2.0, n) * draw(st.sampled_from([0.0, 1.0]))


@SETTINGS
@given(share=SHARE, days=DAYS, k=st.integers(1, 8))
def test_learning_in_k_rounds_equals_one_long_round(share, days, k):
    one = dy.per_time(share, days)
    many = 1 - (1 - dy.per_time(share, days / k)) ** k
    assert abs(one - many) < 1e-9
    assert dy.per_time(share, dy.REFERENCE_DAYS) == share  # weekly rounds keep their numbers


@SETTINGS
@given(data=st.data(), days=DAYS, half=HALF)
def test_adjustment_under_a_standing_tariff_depends_on_elapsed_time_only(data, days, half):
    tau = data.draw(tariffs())
    a0 = np.where(tau > 0, _matrix(data.draw), 0.0)
    one = dy.adjust_step(a0, tau, tau, days, half)
    two = dy.adjust_step(dy.adjust_step(a0, tau, tau, days / 2, half), tau, tau, days / 2, half)
    np.testing.assert_allclose(one, two, atol=1e-12)
    assert np.all((one >= 0) & (one <= 1)) and np.all(one[tau > 0] >= a0[tau > 0] - 1e-12)
    assert np.all(one[tau == 0] == 0)


@SETTINGS
@given(data=st.data(), half=HALF)
def test_a_rise_meets_the_short_run_response(data, half):
    tau = data.draw(tariffs())
    up = tau + data.draw(st.floats(0.01, 1.0))
    a = dy.adjust_step(np.ones_like(tau), tau, up, 0.0, half)
    # the old part keeps its progress, the new part starts from zero
    np.testing.assert_allclose(a, np.log1p(tau) / np.log1p(up), atol=1e-12)


@SETTINGS
@given(data=st.data(), days=DAYS, half=HALF, eps=st.floats(0.0, 0.5))
def test_ties_erode_symmetrically_and_rebuild_per_elapsed_time(data, days, half, eps):
    w = ts.World.default()
    n = w.n
    rise = np.zeros((n, n))
    rise[:4, :4] = data.draw(tariffs())
    np.fill_diagonal(rise, 0.0)
    loss = dy.tie_step(np.zeros((n, n)), rise, w.ties, eps, 0.0, half)
    np.testing.assert_allclose(loss, loss.T)
    assert np.all((loss >= 0) & (loss <= 1)) and np.all(np.diag(loss) == 0)
    none = np.zeros((n, n))
    one = dy.tie_step(loss, none, w.ties, eps, days, half)
    two = dy.tie_step(dy.tie_step(loss, none, w.ties, eps, days / 2, half), none, w.ties, eps,
                      days / 2, half)  # fmt: skip
    np.testing.assert_allclose(one, two, atol=1e-12)
    assert np.all(one <= loss + 1e-15)


@SETTINGS
@given(data=st.data(), days=DAYS, half=HALF)
def test_grievance_counts_only_answers_and_fades_per_elapsed_time(data, days, half):
    t0 = data.draw(tariffs())
    t1 = t0 + _matrix(data.draw, 0.0, 0.5)
    g = dy.grievance_step(np.zeros_like(t0), t0, t1, days, half)
    # i resents j's rise only where i's own tariff on j stood
    np.testing.assert_allclose(g, np.where(t0 > 0, (t1 - t0).T, 0.0), atol=1e-12)
    one = dy.grievance_step(g, t1, t1, days, half)
    two = dy.grievance_step(dy.grievance_step(g, t1, t1, days / 2, half), t1, t1, days / 2, half)
    np.testing.assert_allclose(one, two, atol=1e-12)


_W = ts.World.default()
_P = ts.Params.default(_W)
_STATIC = _P.replace(elasticity_short=_P.elasticity)


@SETTINGS
@given(data=st.data())
def test_forecasts_read_the_adjusted_response_and_flows_the_one_in_force(data):
    """Recession odds, the drawdown and the burden do not depend on how far trade has
    adjusted; the realised trade terms do, and a fully adjusted state is the static model."""
    n = _W.n
    s = ts.State.zeros(n)
    for a, b in (("US", "CN"), ("CN", "US"), ("US", "CA"), ("CA", "US")):
        s = s.with_tariff(_W, a, b, data.draw(st.sampled_from(_W.ladders[(a, b)].levels)))
    adjust = np.where(s.tariff > 0, _matrix(data.draw, n=n), 0.0)
    part = ts.PayoffModel(_W, _P).breakdown(s.replace(adjust=adjust))
    static = ts.PayoffModel(_W, _STATIC).breakdown(s.replace(adjust=adjust))
    done = ts.PayoffModel(_W, _P).breakdown(s.replace(adjust=np.ones((n, n))))
    for name in ("burden", "recession", "drawdown"):
        np.testing.assert_allclose(getattr(part, name), getattr(static, name), atol=1e-12)
    np.testing.assert_allclose(done.total, static.total, atol=1e-12)
    # trade that has not adjusted falls less: imports are never below the adjusted ones
    assert np.all(part.imports >= static.imports - 1e-9)
    # where some trade is materially short of adjusted (1 - 1e-16 differs by rounding only)
    if np.any((s.tariff > 0) & (adjust < 1 - 1e-6)):
        assert np.any(part.imports > static.imports + 1e-9)
