"""Export controls in ensembles: kept per run, in bands, charts, exports, summaries, the CLI.

``rare-earth-100`` is the bundled game whose one decision of China's is its export control on
the US. With China's control strain drawn over a wide range, the runs fork: some ease the
control to a quarter and keep it, others lift it (docs/ensembles.md).
"""

from __future__ import annotations

import csv
import dataclasses
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

import tariffsim as ts
from tariffsim import parampath
from tariffsim.analysis import Uniform
from tariffsim.analysis.reduce import Counts, TariffCounts
from tariffsim.cli import main
from tariffsim.errors import ParameterError, RunsNotKeptError, UnknownNameError

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
R, T, SEED = 24, 12, 7
VARY = {"control_strain.CN": Uniform(0, 4)}
Q = [0.05, 0.3, 0.5, 0.8, 0.95]


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("rare-earth-100")


@pytest.fixture(scope="module")
def ens(sc: ts.Scenario) -> ts.Ensemble:
    return ts.ensemble(sc, runs=R, seed=SEED, vary=VARY, rounds=T, progress=False)


@pytest.fixture(scope="module")
def summ(sc: ts.Scenario) -> ts.EnsembleSummary:
    return ts.ensemble(
        sc, runs=R, seed=SEED, vary=VARY, rounds=T, progress=False, keep="summary", chunk_size=5
    )


def test_each_runs_control_is_the_control_simulate_plays(sc: ts.Scenario, ens: ts.Ensemble) -> None:
    """Run k's control is that of ``simulate`` with run k's seed and drawn parameters."""
    seeds = np.random.SeedSequence(SEED).spawn(R)
    cn, us = sc.world.index("CN"), sc.world.index("US")
    assert ens.control_dyads == (("CN", "US"),)
    assert ens.control.shape == (R, T + 1, 1)
    for k in range(R):
        g = parampath.apply(sc.game, ens.run(k).draws)
        p = ts.simulate(g, T, rng=np.random.default_rng(seeds[k]))
        np.testing.assert_array_equal(ens.control_series("CN", "US")[k], p.control[:, cn, us])
        np.testing.assert_array_equal(ens.run(k).control_series("CN->US"), p.control[:, cn, us])


def test_the_runs_fork_and_the_bands_say_so(ens: ts.Ensemble) -> None:
    """The controls differ across runs (else this file tests nothing), and every summary of
    them is numpy's over the runs' values."""
    c = ens.control[:, :, 0]
    assert len(np.unique(c[:, -1])) > 1
    np.testing.assert_array_equal(
        ens.quantiles("control", "CN->US", Q).values, np.quantile(c, Q, axis=0)
    )
    np.testing.assert_array_equal(
        ens.quantiles("control", ("CN", "US"), Q).values[2], np.median(c, 0)
    )
    assert ens.quantiles("control", "CN->US").label == "CN->US control"
    np.testing.assert_array_equal(ens.mean("control", "CN-US"), c.mean(axis=0))
    np.testing.assert_array_equal(ens.peak("control", "CN->US"), c.max(axis=1))
    np.testing.assert_array_equal(
        ens.peak_quantiles("control", "CN->US", Q), np.quantile(c.max(axis=1), Q)
    )
    [(dyad, row)] = ens.peak_final_table(Q, series="control")
    assert dyad == ("CN", "US")
    assert row == [*np.quantile(c.max(axis=1), Q), *np.quantile(c[:, -1], Q)]
    assert ens.prob(ens.peak("control", "CN->US") >= 0.5) == float(np.mean(c.max(axis=1) >= 0.5))


def test_a_summary_counts_the_controls_exactly(ens: ts.Ensemble, summ: ts.EnsembleSummary) -> None:
    """A summary's control bands and peaks are the full ensemble's, bit for bit (controls sit
    on their rungs, as tariffs do), whatever the chunks."""
    assert summ.control_dyads == ens.control_dyads
    for q in (Q, [0.5], [0.0, 1.0]):
        assert summ.quantiles("control", "CN->US", q).values.tobytes() == (
            ens.quantiles("control", "CN->US", q).values.tobytes()
        )
        assert summ.peak_quantiles("control", "CN->US", q).tobytes() == (
            ens.peak_quantiles("control", "CN->US", q).tobytes()
        )
    np.testing.assert_allclose(summ.mean("control", "CN->US"), ens.mean("control", "CN->US"))
    levels, counts = summ.peak_counts("control", "CN->US")
    want_l, want_c = np.unique(ens.peak("control", "CN->US"), return_counts=True)
    np.testing.assert_array_equal(levels, want_l)
    np.testing.assert_array_equal(counts, want_c)
    assert summ.peak_final_table(series="control") == ens.peak_final_table(series="control")
    rows_s, rows_e = summ.quantile_rows(), ens.quantile_rows()
    assert [list(r) for r in rows_s] == [list(r) for r in rows_e]
    exact = [k for k in rows_e[0] if k.startswith("CN->US control")]
    assert len(exact) == 5  # (indicators are counted on a grid: within half a bin)
    assert [[r[k] for k in exact] for r in rows_s] == [[r[k] for k in exact] for r in rows_e]


@pytest.mark.parametrize("fmt", ["npz", "nc"])
def test_exports_keep_the_controls(ens: ts.Ensemble, summ: ts.EnsembleSummary, tmp_path: Path,
                                   fmt: str) -> None:  # fmt: skip
    write = {"npz": ("to_npz", "from_npz"), "nc": ("to_netcdf", "from_netcdf")}[fmt]
    getattr(ens, write[0])(tmp_path / f"e.{fmt}")
    back = getattr(ts.Ensemble, write[1])(tmp_path / f"e.{fmt}")
    assert back.control_dyads == ens.control_dyads
    np.testing.assert_array_equal(back.control, ens.control)
    getattr(summ, write[0])(tmp_path / f"s.{fmt}")
    sback = getattr(ts.EnsembleSummary, write[1])(tmp_path / f"s.{fmt}")
    assert sback.control_dyads == summ.control_dyads
    assert sback.quantiles("control", "CN->US", Q).values.tobytes() == (
        summ.quantiles("control", "CN->US", Q).values.tobytes()
    )
    np.testing.assert_array_equal(sback.counts.control.peak, summ.counts.control.peak)


def test_frames_and_datasets_hold_the_controls(ens: ts.Ensemble, summ: ts.EnsembleSummary) -> None:
    df = ens.to_frame()
    np.testing.assert_array_equal(df["CN->US control"].to_numpy(), ens.control[:, :, 0].ravel())
    long = summ.to_frame()
    ctl = long[long["series"] == "CN->US control"]
    for r in (0, T // 2, T):
        at = ctl[ctl["round"] == r]
        want_v, want_n = np.unique(ens.control[:, r, 0], return_counts=True)
        np.testing.assert_array_equal(at["value"].to_numpy(), want_v)
        np.testing.assert_array_equal(at["count"].to_numpy(), want_n)
    ds = ens.to_xarray()
    assert ds["control"].dims == ("run", "round", "control_dyad")
    assert ds["withholder"].values.tolist() == ["CN"] and ds["target"].values.tolist() == ["US"]
    assert ds["control"].attrs["units"] == "1"
    sds = summ.to_xarray(q=Q)
    np.testing.assert_array_equal(
        sds["control_quantile"].values[:, :, 0], ens.quantiles("control", "CN->US", Q).values
    )


def test_files_written_before_controls_were_kept_read_back_without_them(
    ens: ts.Ensemble, summ: ts.EnsembleSummary, tmp_path: Path
) -> None:
    ens.to_npz(tmp_path / "e.npz")
    summ.to_npz(tmp_path / "s.npz")
    for name, drop in (("e.npz", ("control", "control_dyads")),
                       ("s.npz", ("control_count", "control_peak_count", "control_levels",
                                  "control_dyads"))):  # fmt: skip
        z = dict(np.load(tmp_path / name))
        for k in drop:
            del z[k]
        np.savez(tmp_path / f"old-{name}", **z)
    old = ts.Ensemble.from_npz(tmp_path / "old-e.npz")
    assert old.control_dyads == () and old.control.shape == (R, T + 1, 0)
    np.testing.assert_array_equal(old.tariff, ens.tariff)
    olds = ts.EnsembleSummary.from_npz(tmp_path / "old-s.npz")
    assert olds.control_dyads == () and olds.counts.control is None
    for e in (old, olds):
        with pytest.raises(UnknownNameError, match="its export controls: none"):
            e.quantiles("control", "CN->US")
        assert e.peak_final_table(series="control") == []
        assert len(e.plot().axes) == 2  # tariffs and recession odds, no control panel
    assert "CN->US control" not in olds.to_frame()["series"].tolist()


def _tampered(tmp_path: Path, src: ts.Ensemble | ts.EnsembleSummary, **edit: Any) -> Path:
    src.to_npz(tmp_path / "x.npz")
    z = dict(np.load(tmp_path / "x.npz"))
    z.update(edit)
    np.savez(tmp_path / "t.npz", **z)
    return tmp_path / "t.npz"


def test_tampered_controls_are_refused_by_name(
    ens: ts.Ensemble, summ: ts.EnsembleSummary, tmp_path: Path
) -> None:
    bad_e = [
        ({"control": ens.control + 2.0}, r"control must lie in \[0, 1\]"),
        ({"control": np.full_like(ens.control, np.nan)}, "control must be finite"),
        (
            {"control": ens.control[:, :, :0]},
            r"control must be a float array of shape \(24, 13, 1\)",
        ),
        ({"control_dyads": np.array(["CN->XX"])}, "every export-control dyad joins two"),
        ({"control_dyads": np.array(["CN"])}, "export-control dyads are named 'A->B'"),
    ]
    for edit, words in bad_e:
        with pytest.raises(ParameterError, match=words):
            ts.Ensemble.from_npz(_tampered(tmp_path, ens, **edit))
    c = summ.counts.control
    bad_s = [
        ({"control_count": c.counts * 2}, "do not add up to the runs"),
        ({"control_levels": c.levels + 5.0}, r"must increase, within \[0, 1\]"),
        ({"control_peak_count": c.peak[:, :-1]}, "do not match"),
        ({"control_dyads": np.array(["US->US"])}, "every export-control dyad joins two"),
    ]
    for edit, words in bad_s:
        with pytest.raises(ParameterError, match=words):
            ts.EnsembleSummary.from_npz(_tampered(tmp_path, summ, **edit))


def test_a_control_is_named_by_its_dyad(ens: ts.Ensemble, summ: ts.EnsembleSummary) -> None:
    for e in (ens, summ):
        with pytest.raises(ParameterError, match=r"named by its dyad after 'control'"):
            e.quantiles("control")
        with pytest.raises(UnknownNameError, match=r"no export control ladder 'US->CN'.*CN->US"):
            e.quantiles("control", "US->CN")
        with pytest.raises(ParameterError, match="`b`: an export control's dyad is"):
            e.peak_quantiles("control", 5)
        with pytest.raises(ParameterError, match="`series` must be 'tariff' or 'control'"):
            e.peak_final_table(series="controls")
    with pytest.raises(ParameterError, match=r"`control` must be numbers of shape \(24, 13, 0\)"):
        ts.Ensemble(name="x", codes=ens.codes, dates=ens.dates, dyads=ens.dyads,
                    tariff=ens.tariff, recession=ens.recession, approval=ens.approval,
                    payoff=ens.payoff, drawdown=ens.drawdown, control=ens.control)  # fmt: skip


def test_the_fan_chart_has_a_control_panel_where_a_control_is_in_force(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    for e in (ens, summ):
        fig = e.plot(indicators=("recession", "approval"))
        labels = [ax.get_ylabel() for ax in fig.axes]
        assert labels[0] == "headline tariff (%)" and labels[1].startswith("export control")
        assert len(labels) == 4
        lines = [ln for ln in fig.axes[1].get_lines() if not ln.get_label().startswith("_")]
        assert [ln.get_label() for ln in lines] == ["CN export control on US (median)"]
        np.testing.assert_allclose(
            lines[0].get_ydata()[:-1], 100 * ens.quantiles("control", "CN->US", [0.5]).values[0]
        )
        assert len(e.plot(controls=False).axes) == 2
        with pytest.raises(ParameterError, match="controls"):
            e.plot(controls="yes")
    with pytest.warns(ts.errors.SameDecisionsWarning):  # (3 rounds: no decision moves)
        never = ts.ensemble("us-china-145", runs=3, seed=0, vary="claims", rounds=3, progress=False)
    assert never.control_dyads == (("CN", "US"),)  # a ladder, never used: no panel
    assert len(never.plot().axes) == 2
    assert never.peak_final_table(series="control") == []


def test_a_process_pool_keeps_the_same_controls(sc: ts.Scenario, ens: ts.Ensemble) -> None:
    with ProcessPoolExecutor(2) as ex:
        e = ts.ensemble(sc, runs=R, seed=SEED, vary=VARY, rounds=T, progress=False,
                        executor=ex, chunk_size=5)  # fmt: skip
    assert e.control.tobytes() == ens.control.tobytes()


def test_the_command_prints_and_writes_the_controls(
    ens: ts.Ensemble, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ensemble", "rare-earth-100", "--runs", str(R), "--rounds", str(T), "--seed",
            str(SEED), "--draw", "control_strain.CN=Uniform(0, 4)", "--no-progress"]  # fmt: skip
    for mode in ([], ["--summary"]):
        out = tmp_path / ("s" if mode else "f")
        assert main([*args, *mode, "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        _, _, rest = printed.partition("export controls (% of critical exports withheld):")
        assert rest, printed
        row = rest.strip().splitlines()[0].split()
        [(_, want)] = ens.peak_final_table(series="control")
        assert row[0] == "CN->US"
        np.testing.assert_allclose([float(v) for v in row[1:]], [100 * v for v in want],
                                   atol=0.05)  # fmt: skip
        shares = "   ".join(f"{100 * v:g}%: {100 * p:.3g}%" for v, p in
                               ens.shares("control", "CN->US"))  # fmt: skip
        assert f"CN->US control  {shares}" in printed  # where the runs end
        with open(out / "rare-earth-100-ensemble-quantiles.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        np.testing.assert_allclose(
            [float(r["CN->US control q50"]) for r in rows],
            ens.quantiles("control", "CN->US", [0.5]).values[0],
        )


def test_a_threshold_on_a_control(sc: ts.Scenario, ens: ts.Ensemble) -> None:
    """``Threshold("control", "CN->US", ...)``: the same share of runs from the full runs,
    a declared event of a summary and an undeclared peak answered from the counts."""
    from tariffsim.analysis import Threshold

    c = ens.control[:, :, 0]
    half = Threshold("control", "CN-US", at_least=0.5)
    assert half == Threshold("control", "CN->US", at_least=0.5)  # one spelling, one event
    assert str(half) == "CN->US control >= 0.5"
    lifted = Threshold("control", "CN->US", at_most=0.0, after=4)
    assert ens.prob(half) == float(np.mean(c.max(axis=1) >= 0.5))
    assert ens.prob(lifted) == float(np.mean((c[:, 4:] <= 0).any(axis=1)))
    assert 0 < ens.prob(lifted) < 1
    s = ts.ensemble(sc, runs=R, seed=SEED, vary=VARY, rounds=T, progress=False,
                    keep="summary", chunk_size=7, events={"lifted": lifted})  # fmt: skip
    assert s.prob("lifted") == s.prob(lifted) == ens.prob(lifted)
    assert s.prob(half) == ens.prob(half)  # undeclared: the exact peak counts
    last = Threshold("control", "CN->US", at_most=0.0, after=T, by=T)
    assert s.prob(last) == ens.prob(last) == float(np.mean(c[:, -1] <= 0))
    with pytest.raises(UnknownNameError, match=r"no export control ladder 'US->CN'.*CN->US"):
        ts.ensemble(sc, runs=2, seed=0, rounds=2, keep="summary",
                    events=[Threshold("control", "US->CN", at_least=0.5)])  # fmt: skip
    with pytest.warns(ts.errors.PlausibilityWarning, match="control levels are fractions"):
        Threshold("control", "CN->US", at_least=50)


# -- what a first review of the feature found -------------------------------------------


def test_a_control_named_in_one_argument_or_two_is_the_same(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    """``("control", "CN->US")`` as one argument, as a tariff's dyad may be: the same numbers
    from every method in both modes (it fed the dyad's text to the methods letter by letter)."""
    for e in (ens, summ):
        two = e.quantiles("control", "CN->US", Q).values
        assert e.quantiles(("control", "CN->US"), Q).values.tobytes() == two.tobytes()
        assert e.quantiles(["control", "CN-US"], q=Q).values.tobytes() == two.tobytes()
        np.testing.assert_array_equal(e.mean(("control", "CN->US")), e.mean("control", "CN->US"))
        np.testing.assert_array_equal(
            e.peak_quantiles(("control", "CN->US"), Q), e.peak_quantiles("control", "CN->US", Q)
        )
        with pytest.raises(ParameterError, match="`b`: an export control's dyad is"):
            e.quantiles("control->CN")  # (the dyad 'control' -> 'CN': CN is no dyad)
    np.testing.assert_array_equal(ens.peak(("control", "CN->US")), ens.peak("control", "CN->US"))
    for a, b in zip(summ.peak_counts(("control", "CN->US")), summ.peak_counts("control", "CN->US"),
                    strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)


def test_an_array_where_a_name_goes_is_a_parameter_error(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    """It was numpy's "truth value of an array is ambiguous" once 'control' was compared."""
    for e in (ens, summ):
        for call in (e.quantiles, e.mean, e.peak_quantiles):
            with pytest.raises(ParameterError, match="a dyad is"):
                call(np.array(["US", "CN"]))
        with pytest.raises(ParameterError, match="`series` must be 'tariff' or 'control'"):
            e.peak_final_table(series=np.array(["control", "x"]))
    with pytest.raises(ParameterError, match="a dyad is"):
        ens.peak(np.array(["US", "CN"]))


def test_a_summarys_controls_per_run_are_not_kept(summ: ts.EnsembleSummary) -> None:
    with pytest.raises(RunsNotKeptError, match=r"export-control array.*quantiles\('control'"):
        summ.control  # noqa: B018
    with pytest.raises(RunsNotKeptError, match="control_series"):
        summ.control_series("CN->US")


def _two_controls_on_china(tmp_path: Path) -> ts.Scenario:
    """rare-earth-100 with US and Japanese export controls on China besides China's on the US."""
    text = (ROOT / "tariffsim" / "scenarios" / "rare-earth-100.toml").read_text(encoding="utf-8")
    at = '"CN-US" = [0.0, 0.25, 0.5]\n'
    assert at in text
    text = text.replace(at, at + '"US-CN" = [0.0, 0.3, 0.6]\n"JP-CN" = [0.0, 0.2, 1.0]\n')
    (tmp_path / "two.toml").write_text(text, encoding="utf-8")
    return ts.load_scenario(tmp_path / "two.toml")


def test_two_controls_on_one_country_differ_in_colour(tmp_path: Path) -> None:
    """A second control on a country has a colour of its own (as a second tariff does); both
    had China's colour and one line style, and one hid the other. ``controls=[...]`` picks."""
    e = ts.ensemble(_two_controls_on_china(tmp_path), runs=4, seed=0, rounds=4, vary=VARY)
    fig = e.plot(controls=["US->CN", ("JP", "CN"), "CN->US"])
    colour = {
        ln.get_label(): ln.get_color()
        for ln in fig.axes[1].get_lines()
        if not ln.get_label().startswith("_")  # (the events' lines)
    }
    assert sorted(colour) == ["CN export control on US (median)",
                              "JP export control on CN (median)",
                              "US export control on CN (median)"]  # fmt: skip
    assert len(set(colour.values())) == 3
    tariff = {ln.get_label(): ln.get_color() for ln in fig.axes[0].get_lines()}  # (by label)
    assert colour["US export control on CN (median)"] == tariff["US tariff on CN (median)"]
    assert "a colour of its own" in fig.axes[1].get_legend().get_title().get_text()
    assert e.plot(controls=["CN->US"]).axes[1].get_legend().get_title().get_text() == ""
    one = e.plot(controls=["CN->US"], events=False)
    assert len(one.axes[1].get_lines()) == 1
    with pytest.raises(UnknownNameError, match="no export control ladder 'US->JP'"):
        e.plot(controls=["US->JP"])
    with pytest.raises(ParameterError, match="`controls`: an export control's dyad is"):
        e.plot(controls="x")
    with pytest.raises(ParameterError, match="`controls` is empty"):
        e.plot(controls=[])


def test_half_a_set_of_controls_in_a_file_is_refused(
    ens: ts.Ensemble, summ: ts.EnsembleSummary, tmp_path: Path
) -> None:
    """A file with the controls or their names but not both was read as one without controls."""
    ens.to_npz(tmp_path / "e.npz")
    summ.to_npz(tmp_path / "s.npz")
    every = ("control_count", "control_peak_count", "control_levels", "control_dyads")
    for name, keys, read in (("e.npz", ("control", "control_dyads"), ts.Ensemble.from_npz),
                             ("s.npz", every, ts.EnsembleSummary.from_npz)):  # fmt: skip
        for k in keys:
            z = dict(np.load(tmp_path / name))
            del z[k]
            np.savez(tmp_path / "half.npz", **z)
            with pytest.raises(ParameterError, match=f"its export.control.* lack {k}"):
                read(tmp_path / "half.npz")
    ds = ens.to_xarray()
    with pytest.raises(ParameterError, match="its export controls lack the variable control"):
        ts.Ensemble.from_xarray(ds.drop_vars("control"))
    sds = summ.to_xarray()
    with pytest.raises(ParameterError, match="lack control_count"):
        ts.EnsembleSummary.from_xarray(sds.drop_vars("control_count"))
    with pytest.raises(ParameterError, match="lack control_peak_count"):
        ts.EnsembleSummary.from_xarray(sds.drop_vars("control_peak_count"))
    with pytest.raises(ParameterError, match="int64 of shape"):
        ts.Ensemble.from_npz(_tampered(tmp_path, ens, control=ens.control.astype(np.int64)))
    c = summ.counts.control
    peak = c.peak.copy()
    peak[0, 0] += 1
    with pytest.raises(ParameterError, match="export-control peak counts do not add up"):
        ts.EnsembleSummary.from_npz(_tampered(tmp_path, summ, control_peak_count=peak))
    ds = ens.to_xarray()
    ds = ds.assign_coords(control_dyad=np.array([b"CN->US"]))  # bytes labels, as some files hold
    assert ts.Ensemble.from_xarray(ds).control_dyads == (("CN", "US"),)


def test_the_constructor_checks_the_controls(ens: ts.Ensemble) -> None:
    kw = {k: getattr(ens, k) for k in ("name", "codes", "dates", "dyads", "tariff", "recession",
                                       "approval", "payoff", "drawdown")}  # fmt: skip
    bad = [
        ({"control_dyads": ["CN->US"], "control": ens.control * 4}, r"in \[0, 1\]"),
        ({"control_dyads": [("ZZ", "US")], "control": ens.control}, "joins two of the countries"),
        ({"control_dyads": [("CN", "US")] * 2, "control": np.concatenate([ens.control] * 2, 2)},
         "joins two of the countries, once"),
        ({"control_dyads": ["CNUS"], "control": ens.control}, "`control_dyads`: a dyad is"),
        ({"control_dyads": ["CN->US"], "control": "x"}, "`control` must be numbers of shape"),
    ]  # fmt: skip
    for extra, words in bad:
        with pytest.raises(ParameterError, match=words):
            ts.Ensemble(**kw, **extra)
    ok = ts.Ensemble(**kw, control_dyads=["CN->US"], control=ens.control)
    assert ok.control_dyads == (("CN", "US"),) and not ok.control.flags.writeable


class _Tampering(ThreadPoolExecutor):
    """Runs each chunk, then hands back its counts changed by ``edit`` (a broken executor)."""

    def __init__(self, edit: Any) -> None:
        super().__init__(1)
        self.edit = edit

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        arith, span, out = fn(*args, **kwargs)
        done: Future[Any] = Future()
        done.set_result((arith, span, self.edit(out)))
        return done


def test_an_executors_counts_without_the_games_controls_are_refused(sc: ts.Scenario) -> None:
    def drop(c: Counts) -> Counts:
        return dataclasses.replace(c, control=None)

    def widen(c: Counts) -> Counts:
        t = c.control
        return dataclasses.replace(c, control=TariffCounts(t.levels * 7, t.counts, t.peak, t.n))

    for edit in (drop, widen):
        with _Tampering(edit) as ex, pytest.raises(ParameterError, match="export controls are not"):
            ts.ensemble(sc, runs=4, seed=5, rounds=3, vary=VARY, executor=ex, chunk_size=2,
                        keep="summary")  # fmt: skip


# -- what a first use of the feature found -----------------------------------------------


def test_series_first_round_and_a_runs_peak_take_a_control(ens: ts.Ensemble) -> None:
    """ "When did China lift its controls?" is a first_round, as for a tariff."""
    c = ens.control[:, :, 0]
    np.testing.assert_array_equal(ens.series("control", "CN->US"), c)
    lifted = ens.first_round("control", "CN->US", at_most=0.0, after=4)
    for k in range(R):
        hits = np.flatnonzero(c[k, 4:] <= 0)
        assert lifted[k] == (4 + hits[0] if len(hits) else -1)
        run = ens.run(k)
        assert run.peak("control", "CN->US") == c[k].max()
        assert run.first_round(("control", "CN->US"), at_most=0.0, after=4) == (
            None if lifted[k] < 0 else lifted[k]
        )
        np.testing.assert_array_equal(run.series("control", "CN-US"), c[k])
    assert 0 < (lifted >= 0).mean() < 1  # some runs lift it, some keep it
    with pytest.raises(UnknownNameError, match=r"or 'control' and an export control's dyad"):
        ens.series("ctl", "CN->US")
    with pytest.raises(ParameterError, match=r"an export control's dyad is .* got 'CN'"):
        ens.quantiles("control", "CN", "US")


def test_a_threshold_may_start_at_a_date(ens: ts.Ensemble, summ: ts.EnsembleSummary) -> None:
    """``after`` takes a date as ``by`` does (the first round dated on or after it)."""
    from tariffsim.analysis import Threshold

    day = str(ens.dates[4])
    by_date = Threshold("control", "CN->US", at_most=0.0, after=day)
    assert by_date.window(ens.dates) == (4, T)
    assert str(by_date) == f"CN->US control <= 0 from {day}"
    assert ens.prob(by_date) == ens.prob(Threshold("control", "CN->US", at_most=0.0, after=4))
    one_day = Threshold("control", "CN->US", at_most=0.0, after=day, by=day)
    assert summ.prob(one_day) == ens.prob(one_day) == float(np.mean(ens.control[:, 4, 0] <= 0))
    late = Threshold("US", "CN", at_least=0.3, after="2030-01-01")
    with pytest.raises(ParameterError, match="`after` 2030-01-01 is after the last round"):
        ens.prob(late)
    with pytest.raises(ParameterError, match="`after` must be an int >= 0 or a date"):
        Threshold("US", "CN", at_least=0.3, after=-1)


@pytest.mark.parametrize("keep", ["runs", "summary"])
def test_draws_that_move_no_decision_are_said(sc: ts.Scenario, keep: str) -> None:
    """rare-earth-100 with the claims drawn: every run takes the same tariffs and controls
    (the claims touch neither China's control strain nor the US's belief), and the ensemble
    says so once played; drawing the strain forks the runs, and nothing is said."""
    import warnings

    from tariffsim.errors import IdenticalRunsWarning, SameDecisionsWarning

    def said(vary: Any) -> list[type[Warning]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            e = ts.ensemble(sc, runs=R, seed=SEED, vary=vary, rounds=T, keep=keep)
        assert e.runs == R
        return [w.category for w in caught if w.category is not ts.errors.WhatIfHeldWarning]

    assert said("claims") == [SameDecisionsWarning]
    with pytest.warns(SameDecisionsWarning, match=f"all {R} runs of rare-earth-100 took the same"):
        claims = ts.ensemble(sc, runs=R, seed=SEED, vary="claims", rounds=T)
    assert (claims.tariff == claims.tariff[:1]).all() and (
        claims.control == claims.control[:1]
    ).all()
    assert not (claims.recession == claims.recession[:1]).all()  # the indicators do move
    assert said(VARY) == []
    assert said(None) == [IdenticalRunsWarning]  # (nothing drawn: said before the runs, once)


def test_the_fan_chart_marks_and_lists_the_scheduled_events(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    """The 100% threat and the controls' expansion open rounds of rare-earth-100: a fan
    chart, which draws the rounds' states, showed neither; numbered markers and a list do."""
    for e in (ens, summ):
        fig = e.plot()
        marks = [t.get_text() for t in fig.axes[0].texts]
        rounds = sorted({r for r, _ in e.events})
        assert marks == [str(n) for n in range(1, len(rounds) + 1)]
        listed = "\n".join(t.get_text() for leg in fig.legends for t in leg.get_texts())
        for r, text in e.events:
            assert text in listed and str(e.dates[r]) in listed
        dashed = [ln for ln in fig.axes[-1].get_lines() if ln.get_linestyle() != "-"]
        assert len([ln for ln in dashed if len(ln.get_xdata()) == 2]) >= len(rounds)
        quiet = e.plot(events=False)
        assert not quiet.axes[0].texts
        assert not quiet.legends  # (the list is the figure's one legend)
        with pytest.raises(ParameterError, match="events"):
            e.plot(events="yes")
    assert any(r == 4 and "a further 100% on China" in t for r, t in ens.events)


# -- what a review of the later changes found -------------------------------------------


def test_a_game_without_control_ladders_summarises(sc: ts.Scenario) -> None:
    """Its summary's control counts are empty: the check for one value per round broke on
    them (a bare ValueError, every run lost)."""
    us_cn = ts.load_scenario("us-china-145")  # (its agents set no control)
    g = dataclasses.replace(us_cn.game, world=dataclasses.replace(us_cn.world, control_ladders={}))
    with pytest.warns(ts.errors.SameDecisionsWarning):
        s = ts.ensemble(g, runs=6, seed=0, vary="claims", rounds=4, keep="summary")
    with pytest.warns(ts.errors.SameDecisionsWarning):
        e = ts.ensemble(g, runs=6, seed=0, vary="claims", rounds=4)
    assert s.control_dyads == e.control_dyads == () and e.control.shape == (6, 5, 0)
    assert s.quantiles("US", "CN").values.tobytes() == e.quantiles("US", "CN").values.tobytes()


def test_the_same_decisions_warning_says_what_moved(sc: ts.Scenario) -> None:
    """When not even the indicators move, it says the runs are one path (it said the draws
    moved the indicators); it speaks of no API argument (the command prints it too)."""
    with pytest.warns(ts.errors.SameDecisionsWarning) as got:
        ts.ensemble(sc, runs=4, seed=0, rounds=T, vary={"learning_rate.US": Uniform(0.1, 0.2)})
    text = str(got[0].message)
    assert "every run played the same path" in text and "moves the indicators" not in text
    assert "vary=" not in text and "tariffsim.analysis" not in text
    with pytest.warns(ts.errors.SameDecisionsWarning) as got:
        ts.ensemble(sc, runs=4, seed=0, rounds=T, vary="claims")
    assert "moves the indicators but no player's decision" in str(got[0].message)


def test_the_event_list_has_room_of_its_own(ens: ts.Ensemble) -> None:
    """The list is under the panels, inside the figure, which grows for it (it hung under the
    axes, cut by a plain savefig and run over by the dates), in a SubFigure too; markers
    have headroom above the tariffs; a long list points at ``ens.events``."""
    import matplotlib.pyplot as plt

    fig = ens.plot()
    assert fig.get_figheight() > 3.5 * 3  # three panels, and the list
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # (the layout, as a plain savefig makes it)
    renderer = canvas.get_renderer()
    box = fig.bbox
    (leg,) = fig.legends
    assert leg.get_title().get_text().startswith("events: dated by the round")
    ext = leg.get_window_extent(renderer)
    assert box.y0 <= ext.y0 and ext.y1 <= box.y1  # wholly inside the figure
    for ax in fig.axes:  # and under every panel, its dates and labels
        assert ext.y1 <= ax.get_tightbbox(renderer).y0 + 1
    top = 100 * float(np.quantile(ens.tariff, 0.95, axis=0).max())
    lo, hi = fig.axes[0].get_ylim()
    assert hi - top >= 0.15 * (hi - lo)  # the markers' row, above the highest band
    sub = plt.figure(figsize=(12, 10)).subfigures(1, 2)[0]
    assert len(ens.plot(fig=sub).axes) == 3
    many = dataclasses.replace(ens, events=tuple((r % (T + 1), f"event {r}") for r in range(40)))
    listed = [t.get_text() for leg in many.plot().legends for t in leg.get_texts()]
    assert len(listed) == 30 and listed[-1].endswith("more lines (ens.events)")
    with pytest.raises(ParameterError, match=r"`events` must be \(round, text\) pairs"):
        dataclasses.replace(ens, events=((50, "late"),))
    with pytest.raises(ParameterError, match=r"`events` must be \(round, text\) pairs"):
        dataclasses.replace(ens, events=((-1, "early"),))


def test_nat_is_no_date() -> None:
    import pandas as pd

    from tariffsim.analysis import Threshold

    for kw in ({"after": pd.NaT}, {"by": pd.NaT}):
        with pytest.raises(ParameterError, match=r"must be .*date"):
            Threshold("US", "CN", at_least=1.0, **kw)


def test_shares_give_the_levels_the_runs_end_at(ens: ts.Ensemble, summ: ts.EnsembleSummary) -> None:
    """Where the runs end at a few levels the bands span them all: ``shares`` is the
    distribution itself, numpy's count of each value, the same from a summary's counts."""
    for args, col in ((("control", "CN->US"), ens.control[:, :, 0]),
                      (("US", "CN"), ens.series("US", "CN"))):  # fmt: skip
        for at, r in ((None, T), (-1, T), (4, 4), (str(ens.dates[6]), 6), (0, 0)):
            got = ens.shares(*args, at=at)
            v, c = np.unique(col[:, r], return_counts=True)
            assert got == [(float(x), int(n) / R) for x, n in zip(v, c, strict=True)]
            assert summ.shares(*args, at=at) == got
            assert abs(sum(p for _, p in got) - 1) < 1e-12
    assert len(ens.shares("control", "CN->US")) > 1  # (the runs fork: a test that can fail)
    with pytest.raises(ParameterError, match=r"an indicator .* takes too many"):
        ens.shares("recession", "US")
    with pytest.raises(ParameterError, match=r"`at` \(13\) is outside the rounds 0..12"):
        summ.shares("US", "CN", at=T + 1)
    with pytest.raises(ParameterError, match="`at` must be a round or a date"):
        ens.shares("US", "CN", at=1.5)
    with pytest.raises(UnknownNameError, match="no export control ladder"):
        summ.shares("control", "US->CN")


def test_a_figure_without_constrained_layout_keeps_the_list_off_the_panels(
    ens: ts.Ensemble,
) -> None:
    """An "outside" legend is outside only under constrained layout: elsewhere (a figure
    with a layout of its own) it lay over the lowest panel. There the list hangs under the
    last panel's dates, over no panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = ens.plot(fig=Figure(figsize=(10, 12), layout="tight"))
    assert not fig.legends
    (text,) = [t for t in fig.axes[-1].texts if t.get_text().startswith("events:")]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    top = text.get_window_extent(canvas.get_renderer()).y1
    assert all(top <= ax.get_window_extent().y0 for ax in fig.axes)


def test_an_empty_figure_of_the_users_holds_the_whole_chart(ens: ts.Ensemble) -> None:
    """``plt.figure(figsize=(8, 6))`` given as ``fig``: the legends beside the panels and the
    events' list under them stay on the canvas, as on a figure tariffsim makes (before, a
    figure without a layout engine cut the legends at its right edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    fig = ens.plot(fig=Figure(figsize=(8, 6)))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.bbox
    shown = [
        a.get_window_extent(canvas.get_renderer())
        for a in fig.findobj(lambda o: isinstance(o, Legend | Text))
        if a.get_visible() and (not isinstance(a, Text) or a.get_text())
    ]
    assert len(shown) > 10 and fig.legends  # (the events' list is a legend under the panels)
    for e in shown:
        assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1 and box.y0 - 1 <= e.y0, e


def test_the_final_levels_print_shares_that_add_up(
    ens: ts.Ensemble, summ: ts.EnsembleSummary
) -> None:
    from tariffsim.cli import _share

    assert [_share(p) for p in (1.0, 0.9995, 0.25, 0.0005, 0.0, 1 / 3)] == [
        "100", "99.95", "25", "0.05", "0", "33.3",
    ]  # fmt: skip
    with pytest.raises(ParameterError, match="`at` 2025-10-01 is before the first round"):
        summ.shares("US", "CN", at="2025-10-01")


def test_a_summarys_same_decisions_warning_says_its_bins(sc: ts.Scenario) -> None:
    """A summary sees its indicators to within its bins: it says so, and does not claim that
    nothing moved (the full ensemble of the same runs saw them move)."""
    vary = {"recession_base.US": Uniform(0.2, 0.2000001)}
    with pytest.warns(ts.errors.SameDecisionsWarning) as full:
        ts.ensemble(sc, runs=6, seed=1, vary=vary, rounds=4)
    with pytest.warns(ts.errors.SameDecisionsWarning) as summary:
        ts.ensemble(sc, runs=6, seed=1, vary=vary, rounds=4, keep="summary")
    assert "moves the indicators but no player's decision" in str(full[0].message)
    said = str(summary[0].message)
    assert "less than their bins' width" in said and "moved nothing" not in said


def test_a_sensitivitys_outputs_may_read_a_control(sc: ts.Scenario, tmp_path: Path, capsys) -> None:
    """``focus=("control", "CN->US")``: the built-in outputs read the control (the same
    numbers as an output of one's own reading it), on the command line too."""

    def final_control(pb: Any) -> Any:
        return pb.control_series("CN", "US")[:, -1]

    def first_eased(pb: Any) -> Any:
        c = pb.control_series("CN", "US")
        cut = np.diff(c, axis=1) < -1e-12
        rounds = np.where(cut.any(axis=1), np.argmax(cut, axis=1) + 1.0, float(c.shape[1]))
        return rounds / 7.0  # (daily rounds, in weeks)

    rng = {"control_strain.CN": (0.0, 4.0), "learning_rate.US": (0.05, 0.5)}
    kw: dict[str, Any] = {"n": 16, "seed": 0, "rounds": T}
    for focus in (("control", "CN->US"), "control:CN-US", ["control", ("CN", "US")]):
        res = ts.sensitivity(sc, rng, ["settled_us", "peak", "first_cut_week"], focus=focus, **kw)
        assert res.meta["focus"] == "CN->US control"
    own = ts.sensitivity(sc, rng, {"settled_us": final_control, "first": first_eased}, **kw)
    assert res.Y[:, 0].tobytes() == own.Y[:, 0].tobytes()
    np.testing.assert_allclose(res.Y[:, 2], own.Y[:, 1])
    assert len(np.unique(res.Y[:, 0])) > 1  # the design forks the control
    with pytest.raises(UnknownNameError, match="no export-control ladder for 'control:US-CN'"):
        ts.sensitivity(sc, rng, ["peak"], focus="control:US-CN", **kw)
    ranges = "control_strain.CN=0:4,learning_rate.US=0.05:0.5"
    args = ["sensitivity", "rare-earth-100", "--params", ranges, "--outputs", "settled_us",
            "--focus", "control:CN-US", "--n", "16", "--no-plot",
            "--out", str(tmp_path / "s")]  # fmt: skip
    assert main(args) == 0
    assert "outputs of CN->US control" in capsys.readouterr().out
