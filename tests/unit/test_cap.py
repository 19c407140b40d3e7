"""A cap on one dyad ("had the US stopped at 54%"): the world's ladder, the scenario's
what-if, and the command line's ``--cap``, ``--strategy`` and ``--set``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim import parampath
from tariffsim.cli import main
from tariffsim.errors import ParameterError, UnknownNameError

US_CN = ("US", "CN")


@pytest.fixture(scope="module")
def sc() -> ts.Scenario:
    return ts.load_scenario("us-china-145")


def _levels(w: ts.World, d: tuple[str, str] = US_CN) -> list[tuple[float, ...]]:
    return [lay.levels.levels for lay in w.instruments[d]]


@pytest.mark.parametrize(
    ("cap", "fentanyl", "reciprocal", "truce"),
    [
        (0.54, (0, 0.1, 0.2), (0, 0.1, 0.34), (0.3,)),  # a rung: the layers cut above it
        (0.5, (0, 0.1, 0.2), (0, 0.1, 0.3), (0.3,)),  # between rungs: the cap is a new one
        (0.3, (0, 0.1, 0.2), (0, 0.1), ()),  # the truce rung is the top: an ordinary rung
        (0.15, (0, 0.1, 0.15), (0,), ()),  # in the first layer: the second stays at 0
        (0.0, (0,), (0,), ()),
    ],
)
def test_the_layers_are_cut_in_escalation_order(
    cap: float, fentanyl: tuple[float, ...], reciprocal: tuple[float, ...], truce: tuple[float, ...]
) -> None:
    w = ts.World.default()
    capped = w.with_cap("US", "CN", cap)
    assert _levels(capped) == [fentanyl, reciprocal]
    lad = capped.ladders[US_CN]
    assert lad.levels[-1] == cap and lad.down_only == truce
    for d, old in w.ladders.items():  # no other dyad moves
        if d != US_CN:
            assert capped.ladders[d] == old
            assert capped.instruments[d] == w.instruments[d]


def test_a_cap_at_or_above_the_top_keeps_the_ladder() -> None:
    w = ts.World.default()
    for cap in (1.45, 3.0):
        assert w.with_cap("US", "CN", cap).ladders[US_CN] == w.ladders[US_CN]


def test_a_bad_cap_is_refused_naming_the_dyad_and_value() -> None:
    w = ts.World.default()
    with pytest.raises(UnknownNameError, match="unknown country 'UK'"):
        w.with_cap("UK", "CN", 0.5)
    with pytest.raises(ParameterError, match="no tariff ladder for US-IN to cap; ladders: US-CN"):
        w.with_cap("US", "IN", 0.5)
    with pytest.raises(ParameterError, match=r"bottom rung of the US-CN ladder \(0\); got -0.1"):
        w.with_cap("US", "CN", -0.1)
    for bad in (float("nan"), float("inf"), "0.5", None, True):
        with pytest.raises(ParameterError, match="`level` must be"):
            w.with_cap("US", "CN", bad)  # type: ignore[arg-type]


def test_had_the_us_stopped_at_54(sc: ts.Scenario) -> None:
    capped = sc.with_cap("US", "CN", 0.54)
    p = capped.simulate(seed=0)
    assert p.peak("US", "CN") == 0.54 and sc.simulate(seed=0).peak("US", "CN") == 1.45
    assert p.peak("CN", "US") < 1.4  # China answers what the US does
    assert capped.changes[-1] == "US-CN capped at 54%: ladder cut above it"
    assert p.meta["changes"][-1] == capped.changes[-1]
    with pytest.raises(ParameterError, match="no file data"):
        capped.to_toml()


def test_announcements_threats_and_demands_above_the_cap_are_cut(sc: ts.Scenario) -> None:
    capped = sc.with_cap("US", "CN", 0.2)
    april = [e for e in capped.game.events if e.kind == "set" and e.layer == "reciprocal"]
    assert [(e.level, e.label) for e in april] == [
        (0.0, "US 'reciprocal' 34% on China (54% in all) (capped at 20%)")
    ]
    # the 10% baseline's demand has no room left: dropped; the fentanyl 20% one stays
    assert [(d.concession, d.level) for d in capped.game.negotiation.demands] == [
        ("fentanyl_enforcement_china", 0.2)
    ]
    assert "demand for trade_agreement (10%, dropped)" in capped.changes[-1]
    assert capped.simulate(seed=0).peak("US", "CN") == 0.2
    threat = ts.load_scenario("threat-100-nov1").with_cap("US", "CN", 0.54)
    assert [(t.level, t.label) for t in threat.game.threats] == [
        (0.54, "100% from 1 November unless China suspends its controls (capped at 54%)")
    ]  # (a headline threat)
    assert threat.changes[-1] == (
        "US-CN capped at 54%: ladder cut above it; cut to it: threat: 100% from 1 November "
        "unless China suspends its controls; kept as announced: large US sell-off on the threat"
    )  # a threat event is a market move: it gives no level to cut, and is said to stay
    twice = sc.with_cap("US", "CN", 0.5).with_cap("US", "CN", 0.3)  # one label, the last cap
    assert [e.label for e in twice.game.events if e.layer == "reciprocal"] == [
        "US 'reciprocal' 34% on China (54% in all) (capped at 30%)"
    ]
    assert twice.world.ladders[US_CN] == sc.with_cap("US", "CN", 0.3).world.ladders[US_CN]


def test_demands_on_the_headline_fit_under_the_cap_together(sc: ts.Scenario) -> None:
    """Demands without a layer add up (``Negotiation.floors``): cut one by one, 20% + 10% under
    a 25% cap kept a floor of 30%, and the Geneva talks struck no truce."""
    import dataclasses

    neg = sc.game.negotiation
    flat = dataclasses.replace(
        neg, demands=tuple(dataclasses.replace(d, layer="") for d in neg.demands)
    )
    capped = dataclasses.replace(sc, game=sc.game.replace(negotiation=flat)).with_cap(
        "US", "CN", 0.25
    )
    assert [d.level for d in capped.game.negotiation.demands] == [0.2, 0.05]
    assert capped.game.negotiation.floors() == {US_CN: 0.25}
    assert "demand for trade_agreement (10% -> 5%)" in capped.changes[-1]
    assert capped.simulate(seed=0).agreements  # the talks strike a deal, as uncapped


def test_a_cap_at_the_top_changes_nothing_and_says_so(sc: ts.Scenario) -> None:
    same = sc.with_cap("US", "CN", 1.45)
    assert same.game is sc.game
    assert same.changes[-1] == (
        "US-CN capped at 145%: at or above the ladder's top rung (145%), no change"
    )
    assert same.to_toml() == sc.to_toml()  # the same game: its file still writes
    typo = sc.with_cap("US", "CN", 5)  # a percentage for a fraction reads as such
    assert typo.changes[-1].startswith("US-CN capped at 500%: at or above")


@pytest.mark.parametrize("near", [np.float32(0.54), 0.54 + 1e-11, 0.54 - 5e-7])
def test_a_cap_a_hair_from_a_rung_is_that_rung(sc: ts.Scenario, near: float) -> None:
    """0.54000000001 made a rung a hair above 0.54, and stepping onto it was an escalation:
    China answered it with 99% though no tariff had changed."""
    at = sc.with_cap("US", "CN", 0.54)
    hair = sc.with_cap("US", "CN", near)
    assert hair.world.ladders[US_CN] == at.world.ladders[US_CN]
    tft = [x.with_strategy("CN", "tit-for-tat").simulate(seed=0) for x in (at, hair)]
    np.testing.assert_array_equal(tft[0].tariff, tft[1].tariff)
    assert tft[1].peak("CN", "US") == 0.49


def test_the_layers_keep_their_order_and_a_layered_start_is_cut_by_layer(sc: ts.Scenario) -> None:
    """The cut dyad's layers moved to the end of ``layer_names``: a start with explicit layers
    was read against the wrong rows (a ParameterError in play); and a start's layer above its
    cut top let the fentanyl announcements stack past the cap."""
    w = sc.world
    capped_world = w.with_cap("US", "CN", 0.4)
    assert capped_world.layer_names == w.layer_names and capped_world.dyads == w.dyads
    fent = ts.State.zeros(w.n).with_layer(w, "US", "CN", "fentanyl", 0.2)
    recip = ts.State.zeros(w.n).with_layer(w, "US", "CN", "reciprocal", 0.34)
    for start, cut in ((fent, False), (recip, True)):
        base = dataclasses_replace_initial(sc, start)
        capped = base.with_cap("US", "CN", 0.4)
        assert ("the starting tariff (34% -> 34%)" in capped.changes[-1]) is cut
        t = capped.simulate(seed=0).series("US", "CN")
        assert t.max() <= 0.4 and t[0] == (0.2 if not cut else 0.34)


def dataclasses_replace_initial(sc: ts.Scenario, start: ts.State) -> ts.Scenario:
    import dataclasses

    return dataclasses.replace(sc, game=sc.game.replace(initial=start))


def test_a_starting_tariff_above_the_cap_starts_at_it() -> None:
    sc = ts.load_scenario("threat-100-nov1")  # starts at the truce: the US at 30%
    i, j = sc.world.index("US"), sc.world.index("CN")
    assert sc.game.initial is not None and sc.game.initial.tariff[i, j] == pytest.approx(0.3)
    capped = sc.with_cap("US", "CN", 0.2)
    assert capped.game.initial is not None
    assert capped.game.initial.tariff[i, j] == 0.2 and capped.game.initial.peak[i, j] == 0.2
    assert capped.simulate(seed=0).tariff[:, i, j].max() == 0.2
    assert "the starting tariff (30% -> 20%); the starting peak (to 20%)" in capped.changes[-1]
    # a start above the ladder's top (off the ladder, as a start may be) is cut to the cap too
    high = dataclasses_replace_initial(
        sc,
        sc.game.initial.with_tariff(sc.world, "US", "CN", 1.6),  # type: ignore[union-attr]
    ).with_cap("US", "CN", 1.5)
    assert high.game.initial is not None and high.game.initial.tariff[i, j] == 1.5
    assert high.changes[-1] == (
        "US-CN capped at 150%: cut to it: the starting tariff (160% -> 150%); "
        "the starting peak (to 150%); kept as announced: large US sell-off on the threat"
    )
    assert high.simulate(seed=0).tariff[:, i, j].max() == 1.5


@settings(max_examples=12, deadline=None)
@given(
    name=st.sampled_from(["us-china-145", "four-country-2025", "reciprocal-pause"]),
    cap=st.floats(0, 1.6),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_path_goes_above_its_cap(name: str, cap: float, seed: int) -> None:
    sc = ts.load_scenario(name)
    for d in sc._dyads()[:2]:
        capped = sc.with_cap(*d, cap)
        top = capped.world.ladders[d].levels[-1]
        assert top <= cap + 1e-12
        t = capped.game.replace(noise=0.1).simulate(seed=seed).series(*d)
        assert t.max() <= top + 1e-12


def test_a_capped_ensemble_runs_each_run_as_simulate(sc: ts.Scenario) -> None:
    capped = sc.with_cap("US", "CN", 0.54).with_params(noise=0.1)  # runs that differ
    ens = ts.ensemble(capped, runs=6, seed=5, vary="claims", rounds=16, progress=False)
    assert len({ens.tariff[k].tobytes() for k in range(6)}) > 1
    seeds = np.random.SeedSequence(5).spawn(6)
    for k in range(6):
        g = parampath.apply(capped.game, ens.run(k).draws)
        p = ts.simulate(g, 16, rng=np.random.default_rng(seeds[k]))
        for d in (US_CN, ("CN", "US")):
            np.testing.assert_array_equal(ens.run(k).series(*d), p.series(*d))
        np.testing.assert_array_equal(ens.payoff[k], p.payoff)
    assert float(ens.high_series("US", "CN").max()) == 0.54


def test_run_with_what_ifs_names_its_outputs_and_says_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["run", "us-china-145", "--out", str(out), "--no-plot", "--seed", "2"]
    assert main([*args, "--cap", "US-CN=0.54", "--strategy", "CN=tit-for-tat",
                 "--set", "face_weight.US=0.3"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    for line in ("what-if: US-CN capped at 54%: ladder cut above it",
                 "what-if: CN strategy: myopic -> tit-for-tat",
                 "what-if: face_weight.US = 0.3 (truth and beliefs)"):  # fmt: skip
        assert line in text
    assert sorted(x.name for x in out.iterdir()) == [
        "us-china-145-what-if.csv", "us-china-145-what-if.json"
    ]  # fmt: skip
    want = (
        ts.load_scenario("us-china-145")
        .with_cap("US", "CN", 0.54)
        .with_strategy("CN", "tit-for-tat")
        .with_params({"face_weight.US": 0.3})
        .simulate(seed=2)
    )
    got = ts.Path.from_json(out / "us-china-145-what-if.json")
    np.testing.assert_array_equal(got.tariff, want.tariff)
    assert json.loads((out / "us-china-145-what-if.json").read_text())["meta"]["changes"][0] == (
        "US-CN capped at 54%: ladder cut above it"
    )
    # every what-if said whole, however long, wrapped (a dropped demand was cut off)
    capsys.readouterr()
    assert main([*args, "--cap", " US - CN =0.2"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "cut to it: US 'reciprocal' 34% on China (54% in all); demand for trade_agreement"
        " (10%, dropped)" in text
    )
    assert main([*args]) == 0  # the baseline keeps its own names beside the what-if
    assert sorted(x.name for x in out.iterdir())[:2] == [
        "us-china-145-what-if.csv",
        "us-china-145-what-if.json",
    ]
    assert len(list(out.iterdir())) == 4


def test_run_compares_the_what_if_with_the_scenario_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", "us-china-145", "--out", str(out), "--cap", "US-CN=0.54"]) == 0
    text = capsys.readouterr().out
    base = ts.load_scenario("us-china-145").simulate(seed=0)
    want = [
        "against us-china-145 as written (seed 0):",
        f"US->CN peak %  {100 * base.peak('US', 'CN'):>12.1f} {54:>10.1f}",
        f"CN->US final % {100 * base.series('CN', 'US')[-1]:>12.1f}",
        f"US rec% high   {100 * base.recession[:, 0].max():>12.1f}",
    ]
    for line in want:
        assert line in text
    assert (out / "us-china-145-what-if-compare.png").stat().st_size > 0
    assert main(["run", "us-china-145", "--out", str(out), "--no-plot"]) == 0
    assert "as written" not in capsys.readouterr().out  # no what-if, no comparison


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--cap", "UK-CN=0.5"], "--cap UK-CN: unknown country 'UK'"),
        (["--cap", "US-CN=-1"], "--cap US-CN: `level` must be at least the bottom rung"),
        (["--cap", "US-CN=nan"], "--cap US-CN: `level` must be finite; got nan"),
        (["--cap", "USCN=0.5"], "argument --cap: the dyad is IMPORTER-EXPORTER, e.g. US-CN; got"),
        (["--cap", "US-CN=54%"], "argument --cap: the level of US-CN must be a fraction"),
        (["--cap", "US-CN"], "argument --cap: give IMPORTER-EXPORTER=LEVEL"),
        (["--strategy", "JP=hold"], "--strategy JP=hold: `country` must be one of"),
        (["--strategy", "CN=holdd"], "--strategy CN=holdd: unknown strategy 'holdd'"),
        (["--set", "face_wieght=1"], "--set: parameter path 'face_wieght'"),
        (["--set", "noise=0.1", "--set", "noise=0.2"], "--set names the path 'noise' twice"),
        (["--set", "noise=x"], "argument --set: the value of noise must be a number; got 'x'"),
        (["--cap", "US-CN=0.3", "--cap", "US-CN=0.5"], "--cap names 'US-CN' twice; give each once"),
        (["--strategy", "CN=hold", "--strategy", "CN=myopic"], "--strategy names 'CN' twice"),
        (["--strategy", "CN=scripted"], "a scripted strategy plays a schedule of moves, which"),
    ],
)
def test_a_bad_what_if_is_one_error_naming_its_flag_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], said: str
) -> None:
    out = tmp_path / "out"
    assert main(["run", "us-china-145", "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1
    assert not out.exists()


def test_ensemble_and_equilibrium_take_the_what_ifs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    common = ["us-china-145", "--out", str(out), "--no-plot", "--cap", "US-CN=0.54"]
    assert main(["ensemble", *common, "--runs", "4", "--rounds", "12", "--no-progress"]) == 0
    assert "what-if: US-CN capped at 54%" in capsys.readouterr().out
    assert (out / "us-china-145-what-if-ensemble-quantiles.csv").exists()
    assert main(["equilibrium", *common, "--rounds", "8", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "what-if: US-CN capped at 54%" in text
    assert "(US->CN 54%, CN->US 15%)" in text  # it starts from the capped announcement
    eq = json.loads((out / "us-china-145-what-if-equilibrium.json").read_text())
    assert max(row[0][1] for row in eq["tariff"]) <= 0.54


def test_every_what_if_is_on_the_plots(sc: ts.Scenario) -> None:
    """The plot joined the what-ifs into one clipped line: a second one never showed."""
    from tariffsim.plotting import _changes_note

    p = sc.with_cap("US", "CN", 0.2).with_strategy("CN", "tit-for-tat").simulate(seed=0)
    lines = _changes_note(p.meta["changes"]).split("\n")
    assert lines[0].startswith("what-if: US-CN capped at 20%")
    assert lines[-1] == "what-if: CN strategy: myopic -> tit-for-tat"
    fig = p.plot().figure
    assert "CN strategy: myopic -> tit-for-tat" in fig.axes[0].get_title()


def test_a_cap_above_any_tariff_is_refused_as_a_percentage_typo(sc: ts.Scenario) -> None:
    with pytest.raises(ParameterError, match=r"at most 10 \(1000%\).*got 54 \(levels are frac"):
        sc.with_cap("US", "CN", 54)


def test_a_cap_that_changes_nothing_is_said_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "us-china-145", "--out", str(tmp_path), "--no-plot", "--format", "csv"]
    assert main([*args, "--cap", "US-CN=5"]) == 0
    assert (
        "tariffsim: warning: --cap US-CN=5: US-CN capped at 500%: at or above the ladder's "
        "top rung (145%), no change" in capsys.readouterr().err
    )
    assert main([*args, "--cap", "US-CA=0.1"]) == 0  # a ladder no agent of the scenario uses
    assert "US-CA capped at 10%: ladder cut above it (no agent sets this tariff)" in (
        capsys.readouterr().err
    )
    assert main([*args, "--cap", "US-CN=0.54"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::tariffsim.errors.IdenticalRunsWarning")
def test_an_ensemble_keeps_the_what_ifs_it_played(sc: ts.Scenario, tmp_path: Path) -> None:
    """The fan chart of a capped scenario was titled as the scenario, and its data files kept
    no trace of the cap."""
    capped = sc.with_cap("US", "CN", 0.54).with_strategy("CN", "tit-for-tat")
    ens = ts.ensemble(capped, runs=3, seed=0, rounds=6, progress=False)
    summ = ts.ensemble(capped, runs=3, seed=0, rounds=6, progress=False, keep="summary")
    assert ens.changes == summ.changes == capped.changes
    assert ts.ensemble(sc, runs=2, seed=0, rounds=3, progress=False).changes == ()
    for e in (ens, summ):
        kind = type(e)
        e.to_npz(tmp_path / "e.npz")
        e.to_netcdf(tmp_path / "e.nc")
        assert kind.from_npz(tmp_path / "e.npz").changes == capped.changes
        assert kind.from_netcdf(tmp_path / "e.nc").changes == capped.changes
        title = e.plot().axes[0].get_title()
        assert "what-if: US-CN capped at 54%" in title and "CN strategy" in title
    # a file written before the what-ifs were kept reads as none; a damaged list is named
    with np.load(tmp_path / "e.npz") as z:
        np.savez(tmp_path / "old.npz", **{k: z[k] for k in z.files if k != "changes"})
    assert type(summ).from_npz(tmp_path / "old.npz").changes == ()
    ds = ens.to_xarray()
    ds.attrs["changes"] = "not json"
    ds.to_netcdf(tmp_path / "bad.nc")
    with pytest.raises(ParameterError, match=r"bad.nc.*changes must be a JSON list of texts"):
        ts.Ensemble.from_netcdf(tmp_path / "bad.nc")
    for bad, said in (("[1, 2]", "changes must be texts; got (1, 2)"),
                      ('["a\\u0000b"]', "changes must be texts without a NUL"),
                      ("[" * 5000, "changes must be a JSON list of texts")):  # fmt: skip
        ds.attrs["changes"] = bad
        with pytest.raises(ParameterError, match=re.escape(said)):
            ts.Ensemble.from_xarray(ds)
    del ds.attrs["changes"]
    assert ts.Ensemble.from_xarray(ds).changes == ()


def test_the_equilibrium_takes_caps_not_strategies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["equilibrium", "us-china-145", "--out", str(tmp_path), "--no-plot", "--rounds", "4"]
    assert main([*args, "--strategy", "CN=hold"]) == 2
    assert "the players of an equilibrium play their best responses, not a strategy" in (
        capsys.readouterr().err
    )
    assert not list(tmp_path.iterdir())
    assert main([*args, "--cap", "US-CN=0.54", "--no-progress"]) == 0
    meta = json.loads((tmp_path / "us-china-145-what-if-equilibrium.json").read_text())["meta"]
    assert meta["changes"] == ["US-CN capped at 54%: ladder cut above it"]


def test_a_jump_of_several_rungs_has_its_marker(sc: ts.Scenario) -> None:
    """The climb from 54% to 145% (two rungs in one round) had no escalation marker."""
    p = sc.simulate(seed=0)
    r = int(np.flatnonzero(p.moves[:, 0, 1] == 2)[0])
    ax = p.plot()
    ups = [ln for ln in ax.get_lines() if ln.get_marker() == "^" and len(ln.get_xdata())]
    marked = {float(y) for ln in ups for y in ln.get_ydata()}
    assert 100 * p.tariff[r, 0, 1] in marked


def test_long_what_ifs_wrap_on_the_charts() -> None:
    from tariffsim.plotting import _changes_note

    long = "US-CN capped at 20%: " + "; ".join(f"cut {k}" for k in range(40))
    lines = _changes_note([long, "CN strategy: myopic -> hold"], width=60).split("\n")
    assert lines[0].startswith("what-if: US-CN capped at 20%") and len(lines) == 5
    assert lines[-1] == "… and 1 more what-if" and all(len(x) <= 60 for x in lines)
    assert " ".join(x.strip() for x in lines[:-2]).startswith("what-if: " + long[:150])
    assert _changes_note(["a", "b"]).split("\n") == ["what-if: a", "what-if: b"]


def test_a_tariff_the_what_if_holds_at_zero_stays_in_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With China holding, its column left the table and its line the chart: the dyad the
    what-if changed was the one not shown."""
    args = ["run", "us-china-145", "--out", str(tmp_path), "--strategy", "CN=hold"]
    assert main(args) == 0
    header = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("round"))
    assert "US->CN %" in header and "CN->US %" in header
    assert (
        "CN->US %"
        not in ts.load_scenario("us-china-145").with_strategy("CN", "hold").simulate(seed=0).table()
    )  # (a path's own table: the tariffs it sets)


def test_the_equilibrium_says_its_players_know_the_true_payoffs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A capped us-china-145 cut to 30% at once in the equilibrium and held 54% in the
    simulation, and nothing said why: the equilibrium plays no beliefs."""
    args = ["equilibrium", "--out", str(tmp_path), "--no-plot", "--rounds", "3", "--no-progress"]
    line = "payoffs: the true model (the players' beliefs and learning play in `tariffsim run`"
    assert main([*args, "us-china-145"]) == 0
    assert line in capsys.readouterr().out
