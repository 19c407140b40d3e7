"""Summary-only ensembles: the full mode's numbers from counts, any chunking or executor."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import engine
from tariffsim.analysis.reduce import INDICATORS, MIN_WIDTH, RESOLUTION, Counts, Threshold
from tariffsim.analysis.summary import EnsembleSummary
from tariffsim.errors import ParameterError, RunsNotKeptError, UnknownNameError

R, T, SEED = 24, 14, 5
Q = [0.0, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.95, 1.0]
EVENTS = {
    "peak 145": Threshold("US", "CN", at_least=1.45),
    "truce by May": Threshold("US", "CN", at_most=0.3, after=12, by="2025-05-01"),
    "US odds >= 50%": Threshold("recession", "US", at_least=0.5),
}


def us_cn_final_at_most(pb: object, level: float) -> np.ndarray:
    """A user event: the US tariff on China in the last round at or below ``level``."""
    return np.asarray(pb.tariff_series("US", "CN")[:, -1] <= level)  # type: ignore[attr-defined]


FINAL_30 = functools.partial(us_cn_final_at_most, level=0.3)


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


@pytest.fixture(scope="module")
def full(sc: ts.Scenario) -> ts.Ensemble:
    return ts.ensemble(sc, runs=R, seed=SEED, vary="claims", rounds=T)


@pytest.fixture(scope="module")
def summ(sc: ts.Scenario) -> EnsembleSummary:
    return ts.ensemble(
        sc,
        runs=R,
        seed=SEED,
        vary="claims",
        rounds=T,
        keep="summary",
        events={**EVENTS, "final <= 30%": FINAL_30},
        chunk_size=7,
    )


def assert_same_counts(a: Counts, b: Counts) -> None:
    """Every count and key of two summaries equal, bit for bit."""
    np.testing.assert_array_equal(a.tariff.levels, b.tariff.levels)
    np.testing.assert_array_equal(a.tariff.counts, b.tariff.counts)
    np.testing.assert_array_equal(a.tariff.peak, b.tariff.peak)
    np.testing.assert_array_equal(a.events, b.events)
    for k in INDICATORS:
        for f in ("slot", "bin", "count"):
            np.testing.assert_array_equal(getattr(a.hist[k], f), getattr(b.hist[k], f), k)


def test_tariff_bands_equal_the_full_mode_bit_for_bit(
    full: ts.Ensemble, summ: EnsembleSummary
) -> None:
    assert len(summ) == R and summ.rounds == T and summ.dyads == full.dyads
    for a, b in full.dyads:
        got = summ.quantiles(a, b, Q)
        want = full.quantiles(a, b, Q)
        assert got.values.tobytes() == want.values.tobytes(), (a, b)
        assert got.label == want.label
        np.testing.assert_array_equal(got.dates, want.dates)
        pk = summ.peak_quantiles(a, b, Q)
        assert pk.tobytes() == np.quantile(full.peak(a, b), Q).tobytes()
        levels, counts = summ.peak_counts(a, b)
        vals, n = np.unique(full.peak(a, b), return_counts=True)
        np.testing.assert_array_equal(levels, vals)
        np.testing.assert_array_equal(counts, n)
    for r1, r2 in zip(summ.quantile_rows(), full.quantile_rows(), strict=True):
        assert r1.keys() == r2.keys()
        tariff_cols = [k for k in r1 if "->" in k]
        assert tariff_cols and all(r1[k] == r2[k] for k in tariff_cols)
    assert summ.peak_final_table() == full.peak_final_table()


def test_indicator_bands_within_half_a_bin(full: ts.Ensemble, summ: EnsembleSummary) -> None:
    for k in INDICATORS:
        half = RESOLUTION[k] / 2
        for c in full.codes:
            got = summ.quantiles(k, c, Q).values
            want = full.quantiles(k, c, Q).values
            assert np.abs(got - want).max() <= half * (1 + 1e-9), (k, c)
            assert np.abs(summ.mean(k, c) - full.mean(k, c)).max() <= half * (1 + 1e-9)


def test_events_counted_exactly(full: ts.Ensemble, summ: EnsembleSummary) -> None:
    for name, ev in EVENTS.items():
        assert summ.prob(name) == full.prob(ev), name
        assert summ.prob(ev) == full.prob(ev)
    want = float(np.mean(full.series("US", "CN")[:, -1] <= 0.3))
    assert summ.prob("final <= 30%") == want == summ.prob(FINAL_30)
    # the truce by May, as the full mode's docs compute it
    back = full.first_round("US", "CN", at_most=0.3, after=12)
    r = full.round_of("2025-05-01")
    assert summ.prob("truce by May") == full.prob((back >= 0) & (back <= r))


@pytest.mark.parametrize("level", [0.0, 0.2, 0.54, 1.04, 1.45, 2.0])
def test_undeclared_peak_and_round_events_from_the_counts(
    full: ts.Ensemble, summ: EnsembleSummary, level: float
) -> None:
    ev = Threshold("US", "CN", at_least=level)
    assert summ.prob(ev) == full.prob(full.peak("US", "CN") >= level)
    at9 = Threshold("CN", "US", at_most=level, after=9, by=9)
    assert summ.prob(at9) == full.prob(full.series("CN", "US")[:, 9] <= level)


def test_what_needs_the_runs_says_so(summ: EnsembleSummary) -> None:
    calls = [
        lambda: summ.run(0),
        lambda: summ.series("US", "CN"),
        lambda: summ.indicator("recession", "US"),
        lambda: summ.peak("US", "CN"),
        lambda: summ.first_round("US", "CN", at_least=1.0),
        lambda: summ.draws,
        lambda: summ.tariff,
        lambda: summ.prob(lambda run: True),
        lambda: summ.prob(Threshold("US", "CN", at_most=0.3, after=2, by=9)),
    ]
    for call in calls:
        with pytest.raises(RunsNotKeptError, match="keep='runs'"):
            call()
    with pytest.raises(RunsNotKeptError, match="keep='runs'"):
        summ.prob(np.ones(len(summ), dtype=bool))  # an event over runs: it needs them
    for junk in (None, 5, 2.5, object()):  # no event at all: named, as a full ensemble does
        with pytest.raises(ParameterError, match=r"`event` must be .*got"):
            summ.prob(junk)
    with pytest.raises(UnknownNameError, match="peak 145"):
        summ.prob("peak 150")
    with pytest.raises(UnknownNameError, match="US->CA"):
        summ.quantiles("US", "JP")
    with pytest.raises(ParameterError, match="`q`"):
        summ.quantiles("US", "CN", q=[1.5])


@given(chunk=st.integers(1, R))
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_chunk_size_same_counts(sc: ts.Scenario, summ: EnsembleSummary, chunk: int) -> None:
    other = ts.ensemble(
        sc, runs=R, seed=SEED, vary="claims", rounds=T, keep="summary",
        events={**EVENTS, "final <= 30%": FINAL_30}, chunk_size=chunk,
    )  # fmt: skip
    assert_same_counts(other.counts, summ.counts)


@pytest.mark.parametrize("kind", ["thread", "process", "processes=2"])
def test_executors_same_counts(sc: ts.Scenario, summ: EnsembleSummary, kind: str) -> None:
    where: dict = {"processes": 2}
    with contextlib.ExitStack() as stack:
        if kind != "processes=2":
            pool = ThreadPoolExecutor(2) if kind == "thread" else ProcessPoolExecutor(2)
            where = {"executor": stack.enter_context(pool)}
        got = ts.ensemble(
            sc, runs=R, seed=SEED, vary="claims", rounds=T, keep="summary",
            events={**EVENTS, "final <= 30%": FINAL_30}, chunk_size=5, **where,
        )  # fmt: skip
    assert_same_counts(got.counts, summ.counts)


def test_exports_hold_the_counts(summ: EnsembleSummary, tmp_path: Path) -> None:
    ds = summ.to_xarray()
    assert (ds["tariff_count"].sum("level") == R).all()
    assert (ds["recession_count"].sum("recession_bin") == R).all()
    assert ds.attrs["runs"] == R
    np.testing.assert_array_equal(
        ds["tariff_quantile"].sel(dyad="US->CN").values,
        summ.quantiles("US", "CN", ds["quantile"]).values,
    )
    assert list(ds["event"].values) == list(summ.event_names)
    summ.to_netcdf(tmp_path / "s.nc")
    import xarray as xr

    with xr.open_dataset(tmp_path / "s.nc", engine="h5netcdf") as back:
        np.testing.assert_array_equal(back["tariff_count"].values, summ.counts.tariff.counts)
        np.testing.assert_array_equal(back["payoff_count"].values, ds["payoff_count"].values)
    summ.to_npz(tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz") as z:
        np.testing.assert_array_equal(z["tariff_count"], summ.counts.tariff.counts)
        assert z["runs"] == R and list(z["events"]) == list(summ.event_names)
    back = EnsembleSummary.from_npz(tmp_path / "s.npz")
    assert_same_counts(back.counts, summ.counts)
    assert (back.name, back.codes, back.dyads, back.events) == (
        summ.name, summ.codes, summ.dyads, summ.events
    )  # fmt: skip
    assert back.quantiles("US", "CN", Q).values.tobytes() == (
        summ.quantiles("US", "CN", Q).values.tobytes()
    )
    assert back.prob("peak 145") == summ.prob("peak 145") and back.resolution == summ.resolution
    # a declared event, given again (in any spelling of its date), is found in the file
    truce = Threshold("US", "CN", at_most=0.3, after=12, by=dt.date(2025, 5, 1))
    assert back.prob(truce) == summ.prob(truce) == summ.prob("truce by May")
    assert "0x" not in " ".join(back.event_specs)  # a partial's text holds no memory address
    # a file written before the texts were exact (levels rounded): never matched by text
    with np.load(tmp_path / "s.npz") as z:
        older = {k: z[k] for k in z.files if k != "event_specs_exact"}
    np.savez(tmp_path / "older.npz", **older)
    old = EnsembleSummary.from_npz(tmp_path / "older.npz")
    assert old.prob("truce by May") == summ.prob("truce by May")
    with pytest.raises(RunsNotKeptError):
        old.prob(truce)
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ParameterError, match="not an ensemble summary"):
        EnsembleSummary.from_npz(tmp_path / "other.npz")
    df = summ.to_frame()
    per = df.groupby(["series", "round"])["count"].sum()
    assert (per == R).all() and len(per) == (T + 1) * (
        len(summ.dyads) + len(summ.control_dyads) + 4 * len(summ.codes)
    )
    us_cn = df[(df["series"] == "US->CN") & (df["round"] == T)]
    assert set(us_cn["value"]) <= set(summ.counts.tariff.levels)
    fig = summ.plot()
    assert len(fig.axes) == 2 and "24 runs" in fig.axes[0].get_title()
    assert "EnsembleSummary" in repr(summ) and "<table" in summ._repr_html_()


def test_bad_input_fails_before_any_run(sc: ts.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr("tariffsim.engine.simulate_batch", boom)
    cases = [
        ({"keep": "some"}, ParameterError, "`keep` must be one of"),
        ({"events": EVENTS}, ParameterError, "keep='summary'"),
        ({"keep": "summary", "events": 3}, ParameterError, "`events` must be"),
        ({"keep": "summary", "events": {"x": 3}}, ParameterError, r"`events\['x'\]`"),
        ({"keep": "summary", "events": [lambda pb: pb, lambda pb: pb]}, ParameterError,
         "two events are named"),
        ({"keep": "summary", "events": [Threshold("US", "JP", at_least=1)]}, UnknownNameError,
         "US->JP"),
        ({"keep": "summary", "events": [Threshold("recession", "XX", at_least=1)]},
         UnknownNameError, "XX"),
        ({"keep": "summary", "events": [Threshold("US", "CN", at_least=1, by="2031-01-01")]},
         ParameterError, "after the last round"),
        ({"keep": "summary", "events": [Threshold("US", "CN", at_least=1, by="2024-05-31")]},
         ParameterError, r"`by` 2024-05-31 is before the first round \(2025-"),
        ({"keep": "summary", "events": [Threshold("inflation", "US", at_least=1)]},
         UnknownNameError, "unknown series 'inflation': give an indicator"),
        ({"keep": "summary", "resolution": {"recesion": 0.01}}, UnknownNameError, "recession"),
        ({"keep": "summary", "resolution": {"payoff": 0}}, ParameterError, "payoff"),
        ({"keep": "summary", "resolution": {"payoff": "fine"}}, ParameterError, "payoff"),
    ]  # fmt: skip
    for kw, err, match in cases:
        with pytest.raises(err, match=match):
            ts.ensemble(sc, runs=4, rounds=T, **kw)
    with ProcessPoolExecutor(1) as ex, pytest.raises(ParameterError, match="at module level"):
        ts.ensemble(sc, runs=4, rounds=T, keep="summary", events={"l": lambda pb: pb}, executor=ex)
    with pytest.raises(ParameterError, match=r"`events\['l'\]` cannot be sent to a process"):
        ts.ensemble(sc, runs=4, rounds=T, keep="summary", events={"l": lambda pb: pb}, processes=2)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"at_least": 1, "at_most": 2}, "exactly one"),
        ({}, "exactly one"),
        ({"at_least": float("nan")}, "finite"),
        ({"at_least": 1, "after": -1}, "`after`"),
        ({"at_least": 1, "after": 4, "by": 2}, "`by`"),
        ({"at_least": 1, "by": "soon"}, "`by`"),
        ({"at_least": 1, "by": ""}, "`by`"),
        ({"at_least": 1, "by": "NaT"}, "`by`"),
        ({"at_least": 1, "by": "10000-01-01"}, "`by`"),
        ({"at_least": 1, "by": "today"}, "`by`"),
        ({"at_least": 1, "by": "2025-02"}, "`by`"),
        ({"at_least": 1, "by": "2025-02-03T12:00"}, "`by`"),
    ],
)
def test_bad_threshold(kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        Threshold("US", "CN", **kw)


class _Above:
    """A callable event object with a text of its own."""

    def __init__(self, level: float) -> None:
        self.level = level

    def __repr__(self) -> str:
        return f"_Above({self.level})"

    def __call__(self, pb: object) -> np.ndarray:
        return us_cn_final_at_most(pb, self.level)


def test_callable_objects_are_named_by_their_text(sc: ts.Scenario) -> None:
    s = ts.ensemble(sc, runs=4, rounds=5, vary="claims", keep="summary",
                    events=[_Above(0.3), _Above(1.0)])  # fmt: skip
    assert s.event_names == ("_Above(0.3)", "_Above(1.0)")


def test_one_event_in_any_spelling_of_its_date() -> None:
    a = Threshold("US", "CN", at_most=0.3, by="2025-05-31")
    b = Threshold("US", "CN", at_most=0.3, by=dt.date(2025, 5, 31))
    assert a == b and str(a) == str(b) == "US->CN <= 0.3 by 2025-05-31"
    assert str(Threshold("US", "CN", at_least=0.30000001)) == "US->CN >= 0.30000001"


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"at_least": 0.0, "after": 50}, r"`after` \(50\) is beyond the last round \(14\)"),
        ({"at_least": 0.0, "after": 8, "by": "2025-02-01"}, r"before `after` \(8\)"),
    ],
)
def test_a_window_without_a_round_is_refused(
    full: ts.Ensemble, sc: ts.Scenario, kw: dict, match: str
) -> None:
    """Not a probability of 0: an event whose window holds no round is an error, in both
    modes, before any run."""
    ev = Threshold("US", "CN", **kw)
    with pytest.raises(ParameterError, match=match):
        full.prob(ev)
    with pytest.raises(ParameterError, match=match):
        ts.ensemble(sc, runs=2, rounds=T, keep="summary", events=[ev])


def test_a_bad_event_function_is_named(sc: ts.Scenario) -> None:
    with pytest.raises(ParameterError, match=r"'shape'.*6 booleans"):
        ts.ensemble(sc, runs=6, rounds=3, vary="claims", keep="summary",
                    events={"shape": lambda pb: True})  # fmt: skip
    with pytest.raises(ParameterError, match="'fails' failed"):
        ts.ensemble(sc, runs=6, rounds=3, vary="claims", keep="summary",
                    events={"fails": lambda pb: 1 / 0})  # fmt: skip


def test_resolution_sets_the_bin_width(sc: ts.Scenario, full: ts.Ensemble) -> None:
    coarse = ts.ensemble(
        sc, runs=R, seed=SEED, vary="claims", rounds=T, keep="summary",
        resolution={"recession": 0.05},
    )  # fmt: skip
    got = coarse.quantiles("recession", "US", Q).values
    want = full.quantiles("recession", "US", Q).values
    assert np.abs(got - want).max() <= 0.025 * (1 + 1e-9)
    ends = coarse.quantiles("recession", "US", [0.0, 1.0]).values  # order statistics
    np.testing.assert_allclose(ends / 0.05, np.rint(ends / 0.05), rtol=0, atol=1e-9)  # on the grid
    assert coarse.resolution["recession"] == 0.05


def test_exports_keep_the_occupied_bins_only(
    sc: ts.Scenario, full: ts.Ensemble, tmp_path: Path
) -> None:
    """A fine resolution spreads the runs over a wide span of bins; the exports hold the
    bins some round and country holds (those of the runs' own values), not the span."""
    w = 2e-6
    fine = ts.ensemble(sc, runs=R, seed=SEED, vary="claims", rounds=T, keep="summary",
                       resolution={"payoff": w})  # fmt: skip
    held = np.unique(np.rint(np.asarray(full.payoff) / w).astype(np.int64))
    assert held[-1] - held[0] > 100 * len(held)  # a wide span, sparsely held
    ds = fine.to_xarray()
    np.testing.assert_array_equal(ds["payoff_bin"].values, held)
    np.testing.assert_array_equal(ds["payoff_count"].sum("payoff_bin").values, R)
    fine.to_npz(tmp_path / "fine.npz")
    with np.load(tmp_path / "fine.npz") as z:
        np.testing.assert_array_equal(z["payoff_bins"], held)
    back = EnsembleSummary.from_npz(tmp_path / "fine.npz")
    assert_same_counts(back.counts, fine.counts)


def test_the_finest_resolution_counts_every_bin(sc: ts.Scenario, full: ts.Ensemble) -> None:
    """Bins of MIN_WIDTH: the payoffs of 24 runs lie about 1e9 such bins apart, and the bands
    are those of the runs within half a bin. (A histogram was limited to 2**22 bins from its
    lowest to its highest: a LimitError, found out after the first chunk had run.)"""
    w = MIN_WIDTH
    fine = ts.ensemble(sc, runs=R, seed=SEED, vary="claims", rounds=T, keep="summary",
                       resolution={"payoff": w}, chunk_size=5)  # fmt: skip
    vals = np.asarray(full.payoff)
    assert np.ptp(np.rint(vals / w)) > 2**22
    for c in ("US", "CN"):
        got = fine.quantiles("payoff", c, Q).values
        want = full.quantiles("payoff", c, Q).values
        assert np.abs(got - want).max() <= w / 2 + 1e-12 * np.abs(want).max()
        np.testing.assert_allclose(
            fine.mean("payoff", c), full.mean("payoff", c), rtol=0, atol=w / 2 + 1e-12
        )


@pytest.mark.parametrize("width", [1e-320, 1e-10, 0.0, -1.0])
def test_a_resolution_finer_than_min_width_is_refused_before_any_run(
    sc: ts.Scenario, width: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    played: list[int] = []
    real = engine.simulate_batch
    monkeypatch.setattr(engine, "simulate_batch", lambda *a, **k: played.append(1) or real(*a, **k))
    with pytest.raises(ParameterError, match=r"resolution\['approval'\].*MIN_WIDTH") as e:
        ts.ensemble(sc, runs=2, rounds=2, keep="summary", vary="claims",
                    resolution={"approval": width})  # fmt: skip
    assert repr(width) in str(e.value) or f"{width:g}" in str(e.value)
    assert not played


@pytest.mark.filterwarnings("ignore::tariffsim.errors.ConvergenceWarning")
@pytest.mark.parametrize("name", ts.list_scenarios())
def test_every_scenario_summary_bands_equal_full(name: str) -> None:
    sc = ts.load_scenario(name)
    kw = {"runs": 6, "seed": 1, "rounds": min(sc.game.rounds, 10), "vary": "claims"}
    f = ts.ensemble(sc, **kw)
    s = ts.ensemble(sc, **kw, keep="summary", chunk_size=4)
    for a, b in f.dyads:
        assert s.quantiles(a, b, Q).values.tobytes() == f.quantiles(a, b, Q).values.tobytes()
    assert s.peak_final_table() == f.peak_final_table()


def test_from_npz_refuses_what_to_npz_did_not_write(sc: ts.Scenario, tmp_path) -> None:
    summ = ts.ensemble(sc, runs=4, seed=1, vary="claims", rounds=3, keep="summary",
                       events={"peak": Threshold("US", "CN", at_least=1.0)})  # fmt: skip
    good = tmp_path / "s.npz"
    summ.to_npz(good)
    with np.load(good) as z:
        arrays = dict(z)

    def variant(name: str, **changes) -> object:
        f = tmp_path / name
        np.savez(f, **{**arrays, **changes})
        return f

    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    trunc = tmp_path / "trunc.npz"
    trunc.write_bytes(good.read_bytes()[:200])
    cases = [
        (junk, "not an ensemble summary written by to_npz"),
        (trunc, "BadZipFile"),
        (variant("lv.npz", levels=np.full_like(arrays["levels"], np.nan)), "tariff levels"),
        (variant("w.npz", recession_width=np.array(-1.0)), "recession_width must be"),
        (variant("c.npz", tariff_count=arrays["tariff_count"] + 1), "do not add up"),
        (variant("f.npz", peak_count=arrays["peak_count"].astype(float)), "peak_count must hold"),
        (variant("p.npz", peak_count=arrays["peak_count"] + 500), "peak counts do not add up"),
        (variant("e.npz", event_count=arrays["event_count"] + 999), "event count is above"),
        (variant("r.npz", recession_count=arrays["recession_count"] * 50), "recession counts"),
        (variant("l.npz", levels=arrays["levels"][::-1]), "levels must increase"),
        (variant("d.npz", dyads=arrays["dyads"][:1]), "do not match"),
        (variant("n.npz", events=np.array(["a", "b"])), "do not match the 2 events"),
        (variant("s.npz", seed=np.array(-1)), "seed"),
        (variant("u.npz", runs=np.array(4.0)), "the run count must be an integer"),
        (variant("k.npz", codes=np.array(["US"] * len(arrays["codes"]))), "codes must be distinct"),
        (variant("b.npz", recession_bins=arrays["recession_bins"][::-1]), "bins must be"),
    ]
    for f, match in cases:
        with pytest.raises(ParameterError, match=match):
            EnsembleSummary.from_npz(f)
    missing = {k: v for k, v in arrays.items() if k != "vary"}
    np.savez(tmp_path / "m.npz", **missing)
    with pytest.raises(ParameterError, match="no vary"):
        EnsembleSummary.from_npz(tmp_path / "m.npz")


def test_counts_of_other_events_do_not_merge(sc: ts.Scenario) -> None:
    kw = {"runs": 3, "rounds": 3, "vary": "claims", "keep": "summary"}
    one = ts.ensemble(sc, **kw, events={"a": Threshold("US", "CN", at_least=0.1)})
    two = ts.ensemble(sc, **kw, events={"a": Threshold("US", "CN", at_least=0.1),
                                        "b": Threshold("US", "CN", at_least=0.2)})  # fmt: skip
    with pytest.raises(ParameterError, match="cannot merge counts of 1 and 2 events"):
        one.counts.merge(two.counts)


def test_numpy_ints_are_rounds(full: ts.Ensemble) -> None:
    a = Threshold("US", "CN", at_least=0.5, after=np.int64(2), by=np.int32(5))
    b = Threshold("US", "CN", at_least=0.5, after=2, by=5)
    assert a == b and full.prob(a) == full.prob(b)


def test_the_netcdf_file_reads_back(summ: EnsembleSummary, tmp_path: Path) -> None:
    """What to_netcdf writes (and ``tariffsim ensemble --summary``) reads back to the same
    counts, bands, events and labels (there was no reader for it)."""
    summ.to_netcdf(tmp_path / "s.nc")
    back = EnsembleSummary.from_netcdf(tmp_path / "s.nc")
    assert_same_counts(back.counts, summ.counts)
    assert back.dyads == summ.dyads and back.codes == summ.codes
    assert back.dates.tolist() == summ.dates.tolist() and back.seed == summ.seed
    assert back.event_names == summ.event_names and back.events == summ.events
    assert back.resolution == summ.resolution and back.name == summ.name
    for a, b in summ.dyads:
        assert back.quantiles(a, b, Q).values.tobytes() == summ.quantiles(a, b, Q).values.tobytes()
    for name in summ.event_names:
        assert back.prob(name) == summ.prob(name)


def test_a_dataset_that_is_not_a_summary_is_refused(summ: EnsembleSummary, tmp_path: Path) -> None:
    import xarray as xr

    summ.to_netcdf(tmp_path / "s.nc")
    with (
        xr.open_dataset(tmp_path / "s.nc", engine="h5netcdf", decode_times=False) as ds,
        pytest.raises(ParameterError, match="dates are not dates"),
    ):
        EnsembleSummary.from_xarray(ds.load())
    ds = summ.to_xarray()
    with pytest.raises(ParameterError, match="no runs, seed, resolution"):
        EnsembleSummary.from_xarray(ds.drop_attrs())
    with pytest.raises(ParameterError, match="no tariff_count"):
        EnsembleSummary.from_xarray(ds.drop_vars("tariff_count"))
    bad = ds.copy()
    bad["tariff_count"] = bad["tariff_count"] + 1
    with pytest.raises(ParameterError, match="do not add up"):
        EnsembleSummary.from_xarray(bad)
    (tmp_path / "x.nc").write_text("not a file of numbers")
    with pytest.raises(ParameterError, match="not an ensemble summary written by to_netcdf"):
        EnsembleSummary.from_netcdf(tmp_path / "x.nc")


def test_attributes_a_summary_lacks_are_absent_to_hasattr(summ: EnsembleSummary) -> None:
    """hasattr and getattr with a default work on a summary (they raised its TypeError)."""
    for name in ("tariff", "draws"):
        assert not hasattr(summ, name)
        assert getattr(summ, name, None) is None
        with pytest.raises(RunsNotKeptError, match="keep='runs'"):
            getattr(summ, name)
    assert hasattr(summ, "counts")


def test_a_summary_file_says_what_was_drawn(tmp_path) -> None:
    from tariffsim.analysis import Triangular, Uniform
    from tariffsim.analysis.summary import EnsembleSummary

    vary = {"belief:pass_through.US.CN": Uniform(0, 0.5), "elasticity": Triangular(2, 3, 4)}
    summ = ts.ensemble("us-china-145", runs=20, seed=1, vary=vary, rounds=6, keep="summary",
                       progress=False)  # fmt: skip
    want = {p: repr(d) for p, d in vary.items()}
    assert summ.drawn == want
    summ.to_npz(tmp_path / "s.npz")
    summ.to_netcdf(tmp_path / "s.nc")
    for back in (EnsembleSummary.from_npz(tmp_path / "s.npz"),
                 EnsembleSummary.from_netcdf(tmp_path / "s.nc")):  # fmt: skip
        assert back.drawn == want and back.distributions == {}
    with np.load(tmp_path / "s.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["drawn"] = np.array("[1, 2]")
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ts.ParameterError, match="`drawn` is not a JSON mapping"):
        EnsembleSummary.from_npz(tmp_path / "bad.npz")
