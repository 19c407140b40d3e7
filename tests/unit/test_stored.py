"""Readers of stored ensembles and summaries refuse files whose labels or values a result
could not carry (plots, exports, writing again), and files too large to read."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim import limits
from tariffsim.errors import LimitError, ParameterError, ScenarioError


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("stored")
    kw: dict[str, Any] = dict(runs=8, seed=3, vary="claims", rounds=6, progress=False)
    ens = ts.ensemble("us-china-145", **kw)
    summ = ts.ensemble("us-china-145", keep="summary", **kw)
    ens.to_npz(d / "e.npz")
    summ.to_npz(d / "s.npz")
    return {
        "dir": d,
        "ens": dict(np.load(d / "e.npz")),
        "summ": dict(np.load(d / "s.npz")),
    }


def _write(files: dict[str, Any], kind: str, **changes: Any) -> Path:
    path = files["dir"] / f"changed-{kind}.npz"
    np.savez(path, **{**files[kind], **changes})
    return path


def _ens(files: dict[str, Any], **changes: Any) -> ts.Ensemble:
    return ts.Ensemble.from_npz(_write(files, "ens", **changes))


def _summ(files: dict[str, Any], **changes: Any) -> Any:
    return ts.EnsembleSummary.from_npz(_write(files, "summ", **changes))


def test_the_files_as_written_read_back(files: dict[str, Any]) -> None:
    e = _ens(files)
    s = _summ(files)
    assert e.name == s.name == "us-china-145" and len(e) == len(s) == 8


def _dyads(z: dict[str, Any]) -> np.ndarray:
    return np.array([str(d).replace("->", "-") for d in z["dyads"]])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda z: {"dyads": _dyads(z)}, r"dyads are named 'A->B'"),
        (lambda z: {"dates": z["dates"][::-1].copy()}, "the dates must increase"),
        (lambda z: {"dates": np.arange(len(z["dates"]))}, "the dates must be dates"),
        (lambda z: {"seed": np.array("12x")}, r"the seed must be an int >= 0; got '12x'"),
        (lambda z: {"name": np.array("us\x00china")}, "holds a NUL"),
        (lambda z: {"codes": np.array(["U\x00S", *z["codes"][1:]])}, "country codes must be"),
        (lambda z: {"scheduled": np.array(["99\tx"])}, r"event's round is outside 0\.\.6"),
    ],
    ids=["dyads", "reversed-dates", "int-dates", "seed", "nul-name", "code", "event-round"],
)
@pytest.mark.parametrize("kind", ["ens", "summ"])
def test_bad_labels_are_refused_by_both_readers(
    files: dict[str, Any], kind: str, change: Any, match: str
) -> None:
    read = _ens if kind == "ens" else _summ
    with pytest.raises(ParameterError, match=match):
        read(files, **change(files[kind]))


def test_the_ensemble_reader_refuses_repeated_draws_and_values_out_of_range(
    files: dict[str, Any],
) -> None:
    z = files["ens"]
    assert len(z["params"]) > 1
    with pytest.raises(ParameterError, match="names of the draws must be distinct"):
        _ens(files, params=np.array([z["params"][0]] * len(z["params"])))
    with pytest.raises(ParameterError, match=r"recession must lie in \[0, 1\]"):
        _ens(files, recession=np.full_like(z["recession"], -5.0))
    with pytest.raises(ParameterError, match=r"approval must lie in \[0, 1\]"):
        _ens(files, approval=z["approval"] + 2.0)


def test_a_draw_of_a_path_this_version_does_not_know_loads_and_exports(
    files: dict[str, Any],
) -> None:
    """A file from another version may name a parameter path this one lacks: it loads and
    exports, the path without a doc (before, the export raised UnknownNameError)."""
    pytest.importorskip("xarray")
    z = files["ens"]
    names = np.array([f"future_path_{i}" for i in range(len(z["params"]))])
    e = _ens(files, params=names)
    ds = e.to_xarray()
    assert list(ds["param"].values) == list(names)
    assert set(ds["param_doc"].values.tolist()) == {""}


def test_the_summary_reader_refuses_repeated_events_bad_levels_and_widths(
    files: dict[str, Any],
) -> None:
    z = files["summ"]
    with pytest.raises(ParameterError, match=r"recession_width must be a number in"):
        _summ(files, recession_width=np.array(1e308))
    with pytest.raises(ParameterError, match="tariff levels must be >= 0"):
        _summ(files, levels=z["levels"] - 100)
    two = {"events": np.array(["e", "e"]), "event_specs": np.array(["x", "y"]),
           "event_count": np.array([0, 0])}  # fmt: skip
    with pytest.raises(ParameterError, match="events must have distinct names"):
        _summ(files, **two)


@pytest.mark.parametrize("kind", ["ens", "summ"])
def test_a_file_too_large_to_read_is_refused_from_its_headers(
    files: dict[str, Any], kind: str
) -> None:
    """Zeros compress about a thousand to one: the readers weigh the arrays a file declares
    against max_result_bytes before reading them (an ensemble's reader the arrays
    ts.ensemble weighs, so that what it made reads back under the same limit)."""
    path = files["dir"] / ("e.npz" if kind == "ens" else "s.npz")
    z = files[kind]
    arrays = ("tariff", "high", "control", "recession", "approval", "payoff", "drawdown")
    kept = arrays if kind == "ens" else z
    size = sum(np.asarray(z[k]).nbytes for k in kept)
    read = ts.Ensemble.from_npz if kind == "ens" else ts.EnsembleSummary.from_npz
    with limits.override(max_result_bytes=size - 1), pytest.raises(LimitError, match="its arrays"):
        read(path)
    with limits.override(max_result_bytes=size):
        read(path)


def test_an_ensemble_made_under_a_limit_reads_back_under_it(tmp_path: Path) -> None:
    """The readers weigh what ts.ensemble weighs: the arrays it keeps. A limit that lets
    ts.ensemble keep them lets its files read back, in both formats; one byte less refuses
    the ensemble before any run and its files before reading them."""
    kw: dict[str, Any] = dict(runs=6, seed=2, vary="claims", rounds=5, progress=False)
    ens = ts.ensemble("us-china-145", **kw)
    need = sum(getattr(ens, k).nbytes for k in ("tariff", "high", "control", "recession",
                                                 "approval", "payoff", "drawdown"))  # fmt: skip
    assert ens.control.nbytes  # (us-china-145 has an export-control ladder: weighed too)
    ens.to_npz(tmp_path / "e.npz")
    formats = [(tmp_path / "e.npz", ts.Ensemble.from_npz)]
    if _has_xarray():
        ens.to_netcdf(tmp_path / "e.nc")
        formats.append((tmp_path / "e.nc", ts.Ensemble.from_netcdf))
    with limits.override(max_result_bytes=need):
        for path, read in formats:
            assert len(read(path)) == 6
    with limits.override(max_result_bytes=need - 1):
        with pytest.raises(LimitError, match="an ensemble keeping every run"):
            ts.ensemble("us-china-145", **kw)
        for path, read in formats:
            with pytest.raises(LimitError, match="its arrays"):
                read(path)


def _has_xarray() -> bool:
    try:
        import xarray  # noqa: F401
    except ImportError:
        return False
    return True


def test_an_npz_of_the_other_kind_is_pointed_at_its_reader(files: dict[str, Any]) -> None:
    with pytest.raises(ParameterError, match=r"is an ensemble summary .*EnsembleSummary\.from_npz"):
        ts.Ensemble.from_npz(files["dir"] / "s.npz")
    with pytest.raises(ParameterError, match=r"is an ensemble \(every run kept\).*Ensemble\.from"):
        ts.EnsembleSummary.from_npz(files["dir"] / "e.npz")


def test_older_files_with_a_tab_in_a_name_or_a_coarse_bin_read_back(
    files: dict[str, Any],
) -> None:
    """Names had not to be labels, nor bins at most MAX_WIDTH, before: such files read back."""
    e = _ens(files, name=np.array("US\tChina"))
    assert e.name == "US\tChina"
    s = _summ(files, name=np.array("US\tChina"), payoff_width=np.array(250.0))
    assert s.resolution["payoff"] == 250.0 and np.isfinite(s.quantiles("payoff", "US").values).all()


def test_a_name_with_control_characters_is_refused_where_it_is_given(tmp_path: Path) -> None:
    """A NUL in a scenario's name failed only when the NetCDF was written, after every run."""
    text = (Path(ts.__file__).parent / "scenarios" / "us-china-145.toml").read_text()
    bad = tmp_path / "nul.toml"
    bad.write_text(text.replace('name = "us-china-145"', 'name = "us\\u0000china"'))
    with pytest.raises(ScenarioError, match=r"name: .*without control characters"):
        ts.load_scenario(bad)
    sc = ts.load_scenario("us-china-145")
    with pytest.raises(ParameterError, match="`name` must be a string, not all blank"):
        sc.game.replace(name="a\x00b")
    with pytest.raises(ParameterError, match="`name` must be a string, not all blank"):
        sc.replace(name="a\x1bb")


def test_a_bin_wider_than_any_indicator_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"resolution\['payoff'\]` must be a number in"):
        ts.ensemble("us-china-145", runs=2, keep="summary", resolution={"payoff": 1e308})


def test_a_summary_read_as_an_ensemble_and_back_is_pointed_at_its_reader(tmp_path: Path) -> None:
    """Reading a summary's NetCDF with the ensemble's reader named `ds` and a missing
    variable; now the file is named and the right reader given, both ways."""
    pytest.importorskip("xarray")
    kw: dict[str, Any] = dict(runs=4, seed=1, vary="claims", rounds=4, progress=False)
    ts.ensemble("us-china-145", keep="summary", **kw).to_netcdf(tmp_path / "s.nc")
    ts.ensemble("us-china-145", **kw).to_netcdf(tmp_path / "e.nc")
    with pytest.raises(ParameterError, match=r"^`file` '.*s\.nc' is an ensemble summary .*"
                       r"ts\.EnsembleSummary\.from_netcdf"):  # fmt: skip
        ts.Ensemble.from_netcdf(tmp_path / "s.nc")
    with pytest.raises(ParameterError, match=r"^`file` '.*e\.nc' is an ensemble .*"
                       r"ts\.Ensemble\.from_netcdf"):  # fmt: skip
        ts.EnsembleSummary.from_netcdf(tmp_path / "e.nc")
    import xarray as xr

    with (
        xr.open_dataset(tmp_path / "s.nc", engine="h5netcdf") as ds,
        pytest.raises(
            ParameterError, match=r"^`ds` is an ensemble summary .*EnsembleSummary\.from_xarray"
        ),
    ):
        ts.Ensemble.from_xarray(ds.load())


def test_a_corrupt_netcdf_is_refused_without_a_word_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file corrupt past its header failed inside h5netcdf, whose half-made File then
    printed "Exception ignored in File.close ... AttributeError" when collected, beside the
    tariffsim error. Now nothing is left to print."""
    pytest.importorskip("xarray")
    import gc
    import sys

    good = tmp_path / "e.nc"
    ts.ensemble("us-china-145", runs=4, seed=1, vary="claims", rounds=4).to_netcdf(good)
    raw = bytearray(good.read_bytes())
    ignored: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    rng = np.random.default_rng(4)
    refused = 0
    for k in range(40):
        bad = bytearray(raw)
        for at in rng.integers(64, len(raw), 5):
            bad[at] ^= 0xFF
        f = tmp_path / f"bad{k}.nc"
        f.write_bytes(bytes(bad))
        try:
            ts.Ensemble.from_netcdf(f)
        except ParameterError:
            refused += 1
        gc.collect()
    assert refused > 0 and ignored == []


def test_corrupt_reads_on_many_threads_leave_the_users_hook_in_place(tmp_path: Path) -> None:
    """The hook that passes over h5netcdf's half-made file is swapped in one read at a time
    and put back: reads failing on several threads at once left it installed for good, and
    every later error of the process's finalisers went unsaid."""
    pytest.importorskip("xarray")
    import sys
    import threading

    good = tmp_path / "e.nc"
    ts.ensemble("us-china-145", runs=4, seed=1, vary="claims", rounds=4).to_netcdf(good)
    raw = bytearray(good.read_bytes())
    rng = np.random.default_rng(4)
    files = []
    for k in range(8):
        bad = bytearray(raw)
        for at in rng.integers(64, len(raw), 5):
            bad[at] ^= 0xFF
        files.append(tmp_path / f"bad{k}.nc")
        files[-1].write_bytes(bytes(bad))

    def read_all() -> None:
        for f in files:
            with contextlib.suppress(ParameterError):
                ts.Ensemble.from_netcdf(f)

    seen: list[Any] = []
    before = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        threads = [threading.Thread(target=read_all) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sys.unraisablehook == seen.append  # the user's hook, put back

        class Loud:
            def __del__(self) -> None:
                raise RuntimeError("a finaliser's own error")

        Loud()  # an error of another finaliser still reaches the user's hook
        assert [type(u.exc_value) for u in seen] == [RuntimeError]
    finally:
        sys.unraisablehook = before


def _above(pb: Any, levels: Any) -> Any:
    return (pb.tariff >= levels.min()).any(axis=(1, 2))


def test_event_names_a_summary_takes_read_back(tmp_path: Path) -> None:
    """A generated name of several lines (an array's repr in a partial) broke the round
    trip; names are one line now, and a name no file can hold is refused before any run."""
    import functools

    ev = functools.partial(_above, levels=np.array([[0.5, 1.0], [1.2, 1.45]]))
    kw: dict[str, Any] = dict(runs=4, seed=1, vary="claims", rounds=4, keep="summary")
    s = ts.ensemble("us-china-145", events=[ev], **kw)
    (name,) = s.event_names
    assert "\n" not in name and name.startswith("_above(levels=array([[0.5")
    s.to_npz(tmp_path / "s.npz")
    back = ts.EnsembleSummary.from_npz(tmp_path / "s.npz")
    assert back.event_names == s.event_names
    assert back.prob(name) == s.prob(name)
    for bad in ("a\x00b", "  ", "\ud800"):
        with pytest.raises(ParameterError, match="`events`: names must be strings, not all blank"):
            ts.ensemble("us-china-145", events={bad: ev}, **kw)
    tab = ts.ensemble("us-china-145", events={"peak\tUS": ev}, **kw)  # a tab is stored fine
    tab.to_npz(tmp_path / "t.npz")
    assert ts.EnsembleSummary.from_npz(tmp_path / "t.npz").event_names == ("peak\tUS",)
