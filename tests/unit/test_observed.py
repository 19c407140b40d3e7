"""Observed tariff records: the bundled 2025 record, the CSV format, validation, resampling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tariffsim as ts
from tariffsim.analysis.observed import COLUMNS, ObservedPath, parse
from tariffsim.errors import ParameterError, UnknownNameError

D = dt.date


@pytest.fixture(scope="module")
def obs() -> ObservedPath:
    return ts.observed.load("us-china-2025")


def test_bundled_record_has_sources_for_every_row(obs: ObservedPath) -> None:
    assert len(obs) >= 15
    assert all(m.source for m in obs.measures)
    assert {("US", "CN"), ("CN", "US"), ("US", "CA"), ("US", "MX"), ("CA", "US")} <= set(obs.dyads)
    # the executive orders behind the US-China headline
    srcs = " ".join(m.source for m in obs.measures if (m.importer, m.exporter) == ("US", "CN"))
    for eo in ("14195", "14228", "14257", "14259", "14266", "14298"):
        assert eo in srcs
    dates = [m.date for m in obs.measures]
    assert dates == sorted(dates)


@pytest.mark.parametrize(
    ("imp", "exp", "when", "level"),
    [
        ("US", "CN", D(2025, 2, 3), 0.0),
        ("US", "CN", D(2025, 2, 4), 0.10),
        ("US", "CN", D(2025, 3, 4), 0.20),
        ("US", "CN", D(2025, 4, 9), 1.04),
        ("US", "CN", D(2025, 4, 10), 1.45),
        ("US", "CN", D(2025, 5, 13), 1.45),
        ("US", "CN", D(2025, 5, 14), 0.30),
        ("US", "CN", D(2025, 11, 10), 0.20),
        ("CN", "US", D(2025, 4, 11), 0.84),
        ("CN", "US", D(2025, 4, 12), 1.25),
        ("CN", "US", D(2025, 5, 14), 0.10),
        ("CN", "US", D(2025, 3, 1), 0.0),  # targeted lists are not the headline
        ("US", "CA", D(2025, 3, 4), 0.25),
    ],
)
def test_headline_levels_match_the_public_record(
    obs: ObservedPath, imp: str, exp: str, when: dt.date, level: float
) -> None:
    assert obs.level_on(imp, exp, when) == pytest.approx(level)


def test_targeted_layers_add_only_on_request(obs: ObservedPath) -> None:
    assert obs.level_on("CN", "US", "2025-03-15") == 0.0
    assert obs.level_on("CN", "US", "2025-03-15", targeted=True) == pytest.approx(0.15)
    assert obs.layers("CN", "US") == ("targeted-feb", "targeted-mar", "retaliatory")


def test_headline_on_scenario_round_dates(obs: ObservedPath) -> None:
    sc = ts.load_scenario("us-china-145")
    h = obs.headline("US", "CN", sc)
    dates = np.array([sc.game.date(r) for r in range(sc.game.rounds + 1)], dtype="datetime64[D]")
    assert h.shape == dates.shape
    for d, v in zip(dates, h, strict=True):
        assert v == pytest.approx(obs.level_on("US", "CN", d.astype(dt.date)))
    with pytest.raises(ValueError):
        h[0] = 1.0
    p = sc.simulate(seed=0)
    np.testing.assert_array_equal(obs.headline("US", "CN", p), h)


@settings(max_examples=25, deadline=None)
@given(
    levels=st.lists(st.floats(0, 2, allow_nan=False), min_size=1, max_size=6),
    gaps=st.lists(st.integers(1, 60), min_size=6, max_size=6),
    probe=st.integers(-10, 400),
)
def test_resampling_is_the_last_level_on_or_before(
    levels: list[float], gaps: list[int], probe: int
) -> None:
    start = D(2025, 1, 1)
    dates, d = [], start
    for g in gaps[: len(levels)]:
        d += dt.timedelta(days=g)
        dates.append(d)
    rows = [
        {"date": str(x), "importer": "US", "exporter": "CN", "layer": "a", "level": str(v),
         "source": "test"}
        for x, v in zip(dates, levels, strict=True)
    ]  # fmt: skip
    o = parse(rows)
    when = start + dt.timedelta(days=probe)
    before = [v for x, v in zip(dates, levels, strict=True) if x <= when]
    expect = before[-1] if before else 0.0
    assert o.level_on("US", "CN", when) == pytest.approx(expect)
    got = o.headline("US", "CN", np.array([when], dtype="datetime64[D]"))
    assert got[0] == pytest.approx(expect)


def test_csv_round_trip(obs: ObservedPath, tmp_path: Path) -> None:
    f = tmp_path / "rec.csv"
    text = obs.to_csv(f)
    back = ts.observed.load(f)
    assert back.measures == obs.measures
    assert back.name == "rec"
    assert text.splitlines()[0] == ",".join(COLUMNS)


def test_frame_table_and_plot(obs: ObservedPath) -> None:
    df = obs.to_frame()
    assert list(df.columns) == list(COLUMNS) and len(df) == len(obs)
    assert str(df["date"].dtype).startswith("datetime64")
    assert obs.table().splitlines()[1].startswith("2025-02-04")
    import matplotlib

    matplotlib.use("Agg")
    p = ts.load_scenario("us-china-145").simulate(seed=0)
    ax = p.plot()
    n_before = len(ax.get_lines())
    ax = obs.plot(ax=ax, dyads=[("US", "CN"), ("CN", "US")])
    labels = [ln.get_label() for ln in ax.get_lines()[n_before:]]
    assert "US tariff on CN (observed)" in labels and "CN tariff on US (observed)" in labels
    obs.plot()  # on its own axes too


def test_from_path_records_a_simulation() -> None:
    p = ts.load_scenario("us-china-145").simulate(seed=0)
    syn = ObservedPath.from_path(p, [("US", "CN"), ("CN", "US")])
    for a, b in syn.dyads:
        np.testing.assert_array_equal(syn.headline(a, b, p), p.series(a, b))


GOOD = "date,importer,exporter,layer,level,source\n2025-02-04,US,CN,f,0.1,EO 14195\n"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("date,importer,exporter,layer,level\n", r"row 1 \(header\): missing column\(s\) source"),
        (GOOD.replace("source\n", "source,extra\n"), r"unknown column\(s\) 'extra'"),
        (GOOD.replace("2025-02-04", "4 Feb 2025"), r"row 2, column 'date': must be an ISO date"),
        (GOOD.replace("2025-02-04", "2025-02-30"), r"row 2, column 'date'"),
        (GOOD.replace("0.1,", "nan,"), r"row 2, column 'level': must be a finite number >= 0"),
        (GOOD.replace("0.1,", "-0.1,"), r"row 2, column 'level'"),
        (GOOD.replace("0.1,", "145,"), r"row 2, column 'level'"),
        (GOOD.replace("0.1,", "abc,"), r"row 2, column 'level'.*'abc'"),
        (GOOD.replace(",US,CN,", ",us,CN,"), r"row 2, column 'importer'"),
        (GOOD.replace(",US,CN,", ",US,US,"), r"row 2, column 'exporter': must differ"),
        (GOOD.replace("EO 14195", ""), r"row 2, column 'source': is required"),
        (GOOD + GOOD.splitlines()[1] + "\n", r"row 3: layer 'f' of US on CN is set twice"),
        ("date,importer,exporter,layer,level,source\n", "no rows"),
    ],
)
def test_bad_files_name_row_and_column(text: str, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        parse(text, name="bad.csv")


def test_bad_coverage_and_unknown_names(obs: ObservedPath, tmp_path: Path) -> None:
    text = "date,importer,exporter,layer,level,coverage,source\n2025-01-01,US,CN,a,0.1,some,x\n"
    with pytest.raises(ParameterError, match="column 'coverage': must be one of all, targeted"):
        parse(text)
    with pytest.raises(UnknownNameError, match="neither a bundled record"):
        ts.observed.load("no-such-record")
    with pytest.raises(UnknownNameError, match="no measure of MX on US"):
        obs.headline("MX", "US", ts.load_scenario("us-china-145"))
    with pytest.raises(ParameterError, match="`when` must be a date"):
        obs.level_on("US", "CN", "tomorrow")
    with pytest.raises(ParameterError, match="`on` must be"):
        obs.headline("US", "CN", object())


def test_odd_inputs_are_tariffsim_errors() -> None:
    """A field beyond the csv module's limit, rows that are not mappings, no rows at all and
    a path the system cannot look at are tariffsim errors; a byte-order mark is no column."""
    head = "date,importer,exporter,layer,level,source\n"
    with pytest.raises(ts.ParameterError, match="not a readable CSV record"):
        ts.observed.parse(head + "2025-02-04,US,CN,fentanyl,0.1," + "a" * 200_000 + "\n")
    for bad in (None, 5, b"date"):
        with pytest.raises(ts.ParameterError, match="`text_or_rows` must be"):
            ts.observed.parse(bad)  # type: ignore[arg-type]
    with pytest.raises(ts.ParameterError, match="row 2: must be a mapping"):
        ts.observed.parse([5])  # type: ignore[list-item]
    with pytest.raises(ts.errors.UnknownNameError, match="neither a bundled record"):
        ts.observed.load("x" * 5000)
    bom = ts.observed.parse("\ufeff" + head + "2025-02-04,US,CN,fentanyl,0.1,EO 14195\n")
    assert len(bom.measures) == 1


def test_a_name_too_long_for_the_system_is_an_unknown_scenario() -> None:
    for name in ("x" * 300 + ".toml", "x" * 5000):
        with pytest.raises(ts.errors.UnknownNameError):
            ts.load_scenario(name)


def test_an_observed_record_that_exists_but_is_no_file_is_said_as_such(tmp_path) -> None:
    """A folder or a device was 'neither a bundled record nor an existing file'."""
    from tariffsim.analysis.observed import load
    from tariffsim.errors import ParameterError

    with pytest.raises(ParameterError, match="is a folder, not a file"):
        load(tmp_path)
    with pytest.raises(ParameterError, match="is not a regular file"):
        load("/dev/null")
