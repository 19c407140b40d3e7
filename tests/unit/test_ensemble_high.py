"""Levels reached within a round: peaks, first rounds and thresholds count every decision step.

In ``four-country-2025`` governments decide day by day inside weekly rounds. Canada answers
the US order of 4 February 2025 with 10% and settles the next day, so the week's row (the
round's end) never shows it; a peak, a "first round at or above" and a Threshold ``at_least``
read the round's highest level after any step (``high_series``), in a path, a batch, an
ensemble, its summary and its files alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis.reduce import Threshold
from tariffsim.errors import ParameterError, RunsNotKeptError

R, T, SEED = 12, 4, 3


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("four-country-2025")


@pytest.fixture(scope="module")
def ens(sc: ts.Scenario) -> ts.Ensemble:
    return ts.ensemble(sc, runs=R, seed=SEED, vary="claims", rounds=T, progress=False)


@pytest.fixture(scope="module")
def summ(sc: ts.Scenario) -> ts.EnsembleSummary:
    return ts.ensemble(
        sc, runs=R, seed=SEED, vary="claims", rounds=T, progress=False, keep="summary",
        chunk_size=5, events={"ca": Threshold("CA", "US", at_least=0.1)},
    )  # fmt: skip


def test_a_paths_peak_counts_a_level_left_within_the_round(sc: ts.Scenario) -> None:
    p = sc.simulate(seed=0)
    steps = p.steps("CA", "US")
    assert steps[2].tolist()[:2] == [0.1, 0.0]  # 10% on 4 February, gone the next day
    assert float(p.series("CA", "US").max()) == 0.0  # no week ends with it
    assert p.peak("CA", "US") == 0.1
    for a, b in p.tariff_dyads():
        assert p.peak(a, b) == float(p.steps(a, b).max()) >= float(p.series(a, b).max())


def test_each_runs_highs_are_the_steps_simulate_plays(sc: ts.Scenario, ens: ts.Ensemble) -> None:
    """Run k's highest level in each round is the highest of that round's steps in the path
    ``simulate`` plays with run k's seed and draws; its end is the path's row."""
    seeds = np.random.SeedSequence(SEED).spawn(R)
    forked = 0
    for k in range(R):
        g = parampath.apply(sc.game, ens.run(k).draws)
        p = ts.simulate(g, T, rng=np.random.default_rng(seeds[k]))
        for a, b in ens.dyads:
            np.testing.assert_array_equal(ens.high_series(a, b)[k], p.steps(a, b).max(axis=1))
            np.testing.assert_array_equal(ens.series(a, b)[k], p.series(a, b))
            assert ens.run(k).peak(a, b) == p.peak(a, b) == ens.peak(a, b)[k]
        forked += bool((ens.high_series("CA", "US")[k] > ens.series("CA", "US")[k]).any())
    assert forked  # (some run takes a level and leaves it within a round)


def test_a_batch_of_either_record_has_the_same_highs(sc: ts.Scenario) -> None:
    compact = ts.simulate_batch(sc.game, T, seeds=[0, 1, 2], record="compact")
    full = ts.simulate_batch(sc.game, T, seeds=[0, 1, 2], record="full")
    assert compact.high is not None and full.high is None
    for a, b in compact.dyads:
        np.testing.assert_array_equal(compact.high_series(a, b), full.high_series(a, b))
        assert (compact.high_series(a, b) >= compact.tariff_series(a, b)).all()
    one_step = ts.load_scenario("rare-earth-100").game  # one decision step a round
    pb = ts.simulate_batch(one_step, 6, seeds=[0, 1], record="compact")
    np.testing.assert_array_equal(pb.high, pb.tariff)


def test_reaching_a_level_reads_the_highs_and_a_truce_the_ends(ens: ts.Ensemble) -> None:
    ca, ends = ens.high_series("CA", "US"), ens.series("CA", "US")
    reached = (ca >= 0.1).any(axis=1)
    assert reached.sum() > (ends >= 0.1).any(axis=1).sum()  # (most runs settle the next day)
    assert ens.prob(Threshold("CA", "US", at_least=0.1)) == reached.mean()
    np.testing.assert_array_equal(ens.peak("CA", "US") >= 0.1, reached)
    first = ens.first_round("CA", "US", at_least=0.1)
    np.testing.assert_array_equal(first >= 0, reached)
    assert set(first[reached].tolist()) == {2}  # the week to 10 February
    assert ens.run(int(np.flatnonzero(reached)[0])).first_round("CA", "US", at_least=0.1) == 2
    # at or below a level: where a round ends
    np.testing.assert_array_equal(
        ens.first_round("CA", "US", at_most=0.0, after=2) == 2, ends[:, 2] <= 0.0
    )
    assert ens.prob(Threshold("CA", "US", at_most=0.0, after=2, by=2)) == (ends[:, 2] <= 0).mean()
    table = dict(ens.peak_final_table([0.5, 1.0]))
    peaks, final = ens.peak("CA", "US"), ends[:, -1]
    assert table[("CA", "US")] == [
        float(np.quantile(x, q)) for x in (peaks, final) for q in (0.5, 1)
    ]
    assert max(table[("CA", "US")][:2]) == 0.1  # (peaks of the highs, not of the ends)


def test_a_summary_counts_the_peaks_of_the_highs(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    q = [0.0, 0.1, 0.5, 0.9, 1.0]
    for a, b in ens.dyads:
        np.testing.assert_array_equal(summ.peak_quantiles(a, b, q), ens.peak_quantiles(a, b, q))
        np.testing.assert_array_equal(summ.quantiles(a, b, q).values, ens.quantiles(a, b, q).values)
    assert summ.prob("ca") == ens.prob(Threshold("CA", "US", at_least=0.1))
    assert summ.prob(Threshold("CA", "US", at_least=0.1, after=0)) == summ.prob("ca")  # (peak)
    end = Threshold("CA", "US", at_most=0.0, after=2, by=2)
    assert summ.prob(end) == ens.prob(end) < 1.0  # one round's end: from the counts
    with pytest.raises(RunsNotKeptError):  # one round's highest level: not counted
        summ.prob(Threshold("CA", "US", at_least=0.1, after=2, by=2))
    assert summ.peak_final_table() == ens.peak_final_table()


@pytest.mark.parametrize("fmt", ["npz", "nc"])
def test_files_keep_the_highs(ens: ts.Ensemble, tmp_path: Path, fmt: str) -> None:
    f = tmp_path / f"e.{fmt}"
    (ens.to_npz if fmt == "npz" else ens.to_netcdf)(f)
    back = (ts.Ensemble.from_npz if fmt == "npz" else ts.Ensemble.from_netcdf)(f)
    np.testing.assert_array_equal(back.high, ens.high)
    np.testing.assert_array_equal(back.peak("CA", "US"), ens.peak("CA", "US"))
    ds = ens.to_xarray()
    assert ds["high"].dims == ("run", "round", "dyad") and ds["high"].attrs["units"] == "1"
    np.testing.assert_array_equal(ts.Ensemble.from_xarray(ds).high, ens.high)
    frame = ens.to_frame()
    ca = ens.dyads.index(("CA", "US"))
    np.testing.assert_array_equal(frame["CA->US high"].to_numpy(), ens.high[:, :, ca].ravel())


def test_a_file_written_before_the_highs_were_kept_reads_its_ends(
    ens: ts.Ensemble, tmp_path: Path
) -> None:
    ens.to_npz(tmp_path / "e.npz")
    z = dict(np.load(tmp_path / "e.npz"))
    del z["high"]
    np.savez(tmp_path / "old.npz", **z)
    old = ts.Ensemble.from_npz(tmp_path / "old.npz")
    np.testing.assert_array_equal(old.high, ens.tariff)
    np.testing.assert_array_equal(old.peak("CA", "US"), ens.series("CA", "US").max(axis=1))


@pytest.mark.parametrize("edit", ["below", "shape", "nan"])
def test_a_tampered_high_is_refused_by_name(ens: ts.Ensemble, tmp_path: Path, edit: str) -> None:
    high = {
        "below": ens.tariff - 0.01,  # under the round's end
        "shape": ens.high[:, :-1],
        "nan": np.where(ens.high > 0, np.nan, ens.high),
    }[edit]
    ens.to_npz(tmp_path / "e.npz")
    z = dict(np.load(tmp_path / "e.npz"))
    z["high"] = high
    np.savez(tmp_path / "t.npz", **z)
    with pytest.raises(ParameterError, match="high must be"):
        ts.Ensemble.from_npz(tmp_path / "t.npz")
    kw = {f: getattr(ens, f) for f in ("name", "codes", "dates", "dyads", "tariff")}
    kw |= {f: getattr(ens, f) for f in ("recession", "approval", "payoff", "drawdown")}
    with pytest.raises(ParameterError, match="`high` must be"):
        ts.Ensemble(**kw, high=high)


def test_an_executors_chunk_with_highs_below_the_tariffs_is_refused(sc: ts.Scenario) -> None:
    from concurrent.futures import Future, ThreadPoolExecutor

    class Lowering(ThreadPoolExecutor):  # (hands back each chunk with its highs lowered)
        def submit(self, fn: Any, /, *args: Any, **kw: Any) -> Future[Any]:
            arith, span, part = fn(*args, **kw)  # (what the worker sends back)
            part = {**part, "high": part["tariff"] - 0.01}
            out: Future[Any] = Future()
            out.set_result((arith, span, part))
            return out

    with Lowering(1) as ex, pytest.raises(ParameterError, match="`executor` returned"):
        ts.ensemble(sc, runs=4, seed=0, vary="claims", rounds=2, executor=ex, chunk_size=2,
                    progress=False)  # fmt: skip


def test_a_sensitivitys_peak_reads_the_highs(sc: ts.Scenario) -> None:
    from tariffsim.analysis.sensitivity import OUTPUTS

    pb = ts.simulate_batch(sc.game, T, seeds=[0, 1], record="compact")
    np.testing.assert_array_equal(
        OUTPUTS["peak"](pb, ("CA", "US")), pb.high_series("CA", "US").max(axis=1)
    )
    assert OUTPUTS["peak"](pb, ("CA", "US")).tolist() == [0.1, 0.1]
