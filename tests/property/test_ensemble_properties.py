"""Ensemble summaries against brute force, on random run arrays (no simulation needed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim.analysis import Ensemble
from tariffsim.errors import ParameterError

CODES = ("US", "CN", "CA")
DYADS = (("US", "CN"), ("CN", "US"), ("US", "CA"))
LEVELS = np.array([0.0, 0.1, 0.2, 0.34, 0.54, 0.84, 1.25, 1.45])


@st.composite
def ensembles(draw: st.DrawFn) -> Ensemble:
    r = draw(st.integers(1, 12))
    t1 = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dates = np.datetime64("2025-01-27") + 7 * np.arange(t1)
    return Ensemble(
        name="random",
        codes=CODES,
        dates=dates,
        dyads=DYADS,
        tariff=LEVELS[rng.integers(0, len(LEVELS), size=(r, t1, len(DYADS)))],
        recession=rng.random((r, t1, 3)),
        approval=rng.random((r, t1, 3)),
        payoff=rng.normal(size=(r, t1, 3)),
        drawdown=rng.random((r, t1, 3)),
        draws={"face_weight.US": rng.random(r)},
        seed=seed,
    )


@given(ens=ensembles(), q=st.lists(st.floats(0, 1), min_size=1, max_size=4, unique=True))
@settings(max_examples=40, deadline=None)
def test_quantiles_are_numpy_quantiles_and_ordered(ens: Ensemble, q: list[float]) -> None:
    b = ens.quantiles("US", "CN", q)
    np.testing.assert_array_equal(b.values, np.quantile(ens.tariff[:, :, 0], q, axis=0))
    order = np.argsort(q, kind="stable")
    assert np.all(np.diff(b.values[order], axis=0) >= -1e-12)
    rec = ens.quantiles("recession", "CA", q).values
    np.testing.assert_array_equal(rec, np.quantile(ens.recession[:, :, 2], q, axis=0))


@given(
    ens=ensembles(),
    level=st.sampled_from(LEVELS.tolist()),
    below=st.booleans(),
    after=st.integers(0, 10),
)
@settings(max_examples=60, deadline=None)
def test_first_round_is_the_first_hit(ens: Ensemble, level: float, below: bool, after: int) -> None:
    kw = {"at_most": level} if below else {"at_least": level}
    s = ens.series("US", "CA")
    if after > s.shape[1] - 1:  # no round to look at: refused, as a Threshold refuses it
        with pytest.raises(ParameterError, match=r"`after` \(\d+\) is beyond the last round"):
            ens.first_round("US", "CA", after=after, **kw)
        return
    got = ens.first_round("US", "CA", after=after, **kw)
    for k in range(len(ens)):
        hits = [
            r for r in range(after, s.shape[1]) if (s[k, r] <= level if below else s[k, r] >= level)
        ]
        assert got[k] == (hits[0] if hits else -1)
        with pytest.MonkeyPatch.context() as m:  # a run reads its own series, not every run's
            m.setattr(Ensemble, "first_round", _every_run)
            view = ens.run(k).first_round("US", "CA", after=after, **kw)
        assert view == (hits[0] if hits else None)


def _every_run(*args: object, **kw: object) -> None:
    raise AssertionError("a run's first_round computed every run's (quadratic in a loop)")


@given(ens=ensembles(), level=st.sampled_from(LEVELS.tolist()))
@settings(max_examples=40, deadline=None)
def test_prob_array_and_callable_agree(ens: Ensemble, level: float) -> None:
    direct = np.mean([ens.tariff[k, :, 0].max() >= level for k in range(len(ens))])
    assert ens.prob(ens.peak("US", "CN") >= level) == direct
    assert ens.prob(lambda p: p.peak("US", "CN") >= level) == direct
    assert 0.0 <= direct <= 1.0


@given(ens=ensembles())
@settings(max_examples=15, deadline=None)
def test_frame_and_dataset_hold_every_value(ens: Ensemble) -> None:
    df = ens.to_frame()
    assert len(df) == ens.tariff.shape[0] * ens.tariff.shape[1]
    np.testing.assert_array_equal(df["CN->US"].to_numpy(), ens.tariff[:, :, 1].ravel())
    np.testing.assert_array_equal(df["CA approval"].to_numpy(), ens.approval[:, :, 2].ravel())
    ds = ens.to_xarray()
    np.testing.assert_array_equal(ds["payoff"].sel(country="CN").values, ens.payoff[:, :, 1])
    np.testing.assert_array_equal(ds["draws"].values[:, 0], ens.draws["face_weight.US"])
