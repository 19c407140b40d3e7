"""``Path.from_json`` reads back what ``Path.to_json`` wrote, exactly, and refuses a damaged
or edited file whole: a ParameterError naming the file, the field and the value (or the
shape found and expected), never a path that prints ``nan`` or fails to plot."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import numpy as np
import pytest

import tariffsim as ts
from tariffsim.errors import ParameterError
from tariffsim.path import ARRAY_FIELDS, STATE_FIELDS
from tariffsim.payoffs import TERMS

Data = dict[str, Any]


@pytest.fixture(scope="module")
def written() -> tuple[ts.Path, str]:
    p = ts.load_scenario("us-china-145").simulate(rounds=30, seed=0)
    return p, p.to_json()


@pytest.fixture
def data(written: tuple[ts.Path, str]) -> Data:
    return json.loads(written[1])


def _at(d: Data, *codes: str) -> tuple[int, ...]:
    return tuple(d["codes"].index(c) for c in codes)


def _same(a: ts.Path, b: ts.Path) -> None:
    for name in (*ARRAY_FIELDS, *STATE_FIELDS, "hit_share", "dates"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), name  # bit for bit
    assert (a.codes, a.layer_names, a.events, a.agreements) == (
        b.codes, b.layer_names, b.events, b.agreements,
    )  # fmt: skip
    assert dict(a.meta) == dict(b.meta)


def test_round_trip_through_a_file_is_exact(written: tuple[ts.Path, str], tmp_path: FsPath) -> None:
    p, text = written
    f = tmp_path / "p.json"
    p.to_json(f)
    q = ts.Path.from_json(f)
    _same(p, q)
    assert q.to_json() == text
    _same(p, ts.Path.from_json(text))  # (the text itself reads too)


# -- corrupted files -----------------------------------------------------------------------
def _set(field: str, value: Any, *index: Callable[[Data], Any]) -> Callable[[Data], None]:
    """An edit setting ``d[field][i][j]...`` (each index a function of the data) to ``value``."""

    def edit(d: Data) -> None:
        target = d[field]
        keys = [k(d) if callable(k) else k for k in index]
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value

    return edit


def _us(d: Data) -> int:
    return _at(d, "US")[0]


def _cn(d: Data) -> int:
    return _at(d, "CN")[0]


def _swap_dates(d: Data) -> None:
    d["dates"][3], d["dates"][4] = d["dates"][4], d["dates"][3]


def _raise_one_layer(d: Data) -> None:
    us, cn = _at(d, "US", "CN")
    d["layers"][5][0][us][cn] += 0.5


def _dup_code(d: Data) -> None:
    d["codes"][1] = d["codes"][0]


CORRUPTIONS: list[tuple[str, Callable[[Data], None], str, str]] = [
    # id, edit, field named in the message, another part of the message
    ("negative-tariff", _set("tariff", -1, 5, _us, _cn), "`tariff`", "is -1.0 at round 5"),
    ("huge-tariff", _set("tariff", 1e300, 5, _us, _cn), "`tariff`", "1e+300"),
    ("recession-above-1", _set("recession", 2.0, 5, _us), "`recession`", "must lie in [0, 1]"),
    ("approval-below-0", _set("approval", -0.1, 7, _us), "`approval`", "-0.1"),
    ("control-above-1", _set("control", 1.5, 3, _cn, _us), "`control`", "1.5"),
    ("payoff-nan", _set("payoff", float("nan"), 5, _us), "`payoff`", "is nan"),
    ("recession-nan", _set("recession", float("nan"), 5, _us), "`recession`", "is nan"),
    ("term-inf", _set("term_payoffs", float("inf"), 4, 0, _cn), "`term_payoffs`", "is inf"),
    ("burden-nan", _set("burden", float("nan"), 9, _cn), "`burden`", "round 9"),
    ("layer-negative", _set("layers", -0.2, 6, 1, _us, _cn), "`layers`", "must be >= 0"),
    ("layers-disagree", _raise_one_layer, "`layers`", "sum of its layers"),
    ("hit-share-above-1", _set("hit_share", 1.2, 0, _us, _cn), "`hit_share`", "1.2"),
    ("adjust-above-1", _set("adjust", 1.5, 2, _us, _cn), "`adjust`", "1.5"),
    ("moves-fraction", _set("moves", 0.5, 2, _us, _cn), "`moves`", "whole number"),
    ("tariff-round-dropped", lambda d: d["tariff"].pop(7), "`tariff`", "30 rounds"),
    ("recession-round-dropped", lambda d: d["recession"].pop(), "`recession`", "expected 31"),
    ("country-dropped", lambda d: d["payoff"][4].pop(), "`payoff`", "same length"),
    ("date-dropped", lambda d: d["dates"].pop(), "`dates`", "expected 30"),
    ("dates-not-increasing", _swap_dates, "`dates`", "must increase"),
    ("date-not-a-date", _set("dates", 20250127, 0), "`dates`", "ISO dates"),
    ("code-repeated", _dup_code, "`codes`", "distinct"),
    ("value-not-a-number", _set("payoff", "x", 3, 0), "`payoff`", "real numbers"),
    ("event-round-negative", _set("events", [-1, "x"], 0), "`events`", "[-1, 'x']"),
]


@pytest.mark.parametrize(
    ("edit", "field", "part"),
    [c[1:] for c in CORRUPTIONS],
    ids=[c[0] for c in CORRUPTIONS],
)
def test_a_corrupted_file_is_refused_naming_the_field(
    data: Data, tmp_path: FsPath, edit: Callable[[Data], None], field: str, part: str
) -> None:
    edit(data)
    f = tmp_path / "corrupt.json"
    f.write_text(json.dumps(data), encoding="utf-8")  # (NaN and Infinity as JSON spells them)
    with pytest.raises(ParameterError) as info:
        ts.Path.from_json(f)
    msg = str(info.value)
    assert msg.startswith(f"path file {str(f)!r}: "), msg
    assert field in msg and part in msg, msg


def test_a_corrupted_text_is_refused_too(data: Data) -> None:
    data["recession"][5][_us(data)] = 2.0
    with pytest.raises(ParameterError, match=r"^path JSON: `recession` is 2\.0 at round 5 "):
        ts.Path.from_json(json.dumps(data))


def test_a_shape_error_says_what_was_expected(data: Data) -> None:
    data["tariff"].pop(7)
    with pytest.raises(ParameterError) as info:
        ts.Path.from_json(json.dumps(data))
    assert str(info.value) == (
        "path JSON: `tariff` holds 30 rounds (axis 0); expected 31, one per date (`dates`): "
        "shape (30, 10, 10), expected (31, 10, 10)."
    )


def test_a_value_error_names_round_date_and_countries(data: Data) -> None:
    us, cn = _at(data, "US", "CN")
    data["tariff"][5][us][cn] = -1
    with pytest.raises(ParameterError) as info:
        ts.Path.from_json(json.dumps(data))
    assert str(info.value) == (
        "path JSON: `tariff` is -1.0 at round 5 (2025-03-03), dyad US->CN: a tariff, a "
        "fraction (1.45 = 145%), must be >= 0."
    )


# -- what still reads ----------------------------------------------------------------------
ADDED_SINCE = {
    # the fields each earlier writer did not write yet (its commit in the history)
    "foundation": ("agreements", "layer_names", *STATE_FIELDS, "hit_share"),
    "bargaining": ("layer_names", *STATE_FIELDS, "hit_share"),
    "layers": ("agreements", "adjust", "step_tariff"),
}


@pytest.mark.parametrize("writer", sorted(ADDED_SINCE))
def test_files_of_earlier_versions_still_read(
    written: tuple[ts.Path, str], data: Data, writer: str
) -> None:
    for k in ADDED_SINCE[writer]:
        data.pop(k, None)
    q = ts.Path.from_json(json.dumps(data))
    p = written[0]
    for name in ARRAY_FIELDS:
        assert np.array_equal(getattr(p, name), getattr(q, name)), name
    for k in ADDED_SINCE[writer]:
        if k in (*STATE_FIELDS, "hit_share"):
            assert getattr(q, k) is None, k


WRITTEN_BEFORE = FsPath(__file__).parents[1] / "data" / "paths"
"""Files ``simulate(rounds=...).to_json()`` wrote on ``us-china-145`` at earlier commits:
5191a00 (the first writer, 23 November 2026) and d452a6e^ (the last before the
``reciprocity`` term, 1 December 2026)."""


@pytest.mark.parametrize("name", ["us-china-145-2026-11-23.json", "us-china-145-2026-12-01.json"])
def test_files_written_before_a_payoff_term_was_added_read_with_it_zero(name: str) -> None:
    f = WRITTEN_BEFORE / name
    d = json.loads(f.read_text(encoding="utf-8"))
    assert "reciprocity" not in d["terms"]  # (what makes the file one of an earlier version)
    p = ts.Path.from_json(f)
    old = np.array(d["term_payoffs"])
    for k, t in enumerate(d["terms"]):
        assert np.array_equal(p.terms[:, TERMS.index(t)], old[:, k]), t
    assert not p.terms[:, TERMS.index("reciprocity")].any()
    assert np.array_equal(p.payoff, np.array(d["payoff"]))
    assert np.array_equal(p.tariff, np.array(d["tariff"]))
    assert p.codes == tuple(d["codes"])
    assert ts.Path.from_json(p.to_json()).to_json() == p.to_json()  # now a current file


@pytest.mark.parametrize(
    "terms",
    [
        [t for t in TERMS if t != "face"],  # a term that was always there is missing
        [*TERMS[:-1], "tariff_pain"],  # one twice
        [TERMS[1], TERMS[0], *TERMS[2:-1]],  # out of order
        [*TERMS[:-1], "goodwill"],  # one the model never had
        "tariff_pain",
    ],
    ids=["face-missing", "repeated", "out-of-order", "unknown", "not-a-list"],
)
def test_terms_other_than_an_earlier_versions_are_refused(data: Data, terms: Any) -> None:
    data["terms"] = terms
    with pytest.raises(ParameterError, match=r"^path JSON: it has terms .*; expected \["):
        ts.Path.from_json(json.dumps(data))


def test_an_earlier_versions_term_payoffs_of_another_shape_are_refused(data: Data) -> None:
    data["terms"] = list(TERMS[:-1])  # (the term payoffs still hold every term's row)
    with pytest.raises(ParameterError) as info:
        ts.Path.from_json(json.dumps(data))
    assert str(info.value) == (
        "path JSON: `term_payoffs` has shape (31, 12, 10); its file names 11 terms, so "
        "expected (rounds + 1, 11, countries)."
    )


def test_a_tariff_above_any_scenario_ladder_reads(data: Data) -> None:
    # a tariff has no maximum (State and Ladder take any finite level >= 0; the 1000% of
    # schema.MAX_TARIFF bounds what a scenario file may set): 2000% on one layer reads
    us, cn = _at(data, "US", "CN")
    before = data["tariff"][5][us][cn]
    data["tariff"][5][us][cn] = 20.0
    data["layers"][5][0][us][cn] += 20.0 - before
    q = ts.Path.from_json(json.dumps(data))
    assert q.series("US", "CN")[5] == 20.0


# -- the constructor -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "part"),
    [
        ({"recession": "half"}, "`recession` is 2.0 at round 1"),
        ({"tariff": "short"}, "`tariff` holds 30 rounds"),
        ({"payoff": "nan"}, "`payoff` is nan at round 1"),
    ],
    ids=["recession-above-1", "round-dropped", "payoff-nan"],
)
def test_the_constructor_checks_the_same(
    written: tuple[ts.Path, str], change: dict[str, str], part: str
) -> None:
    p = written[0]
    ((name, how),) = change.items()
    a = np.array(getattr(p, name))
    if how == "short":
        a = a[:-1]
    else:
        a[1, 0] = 2.0 if how == "half" else np.nan
    with pytest.raises(ParameterError, match=r"^Path: ") as info:
        dataclasses.replace(p, **{name: a})
    assert part in str(info.value)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d["meta"].__setitem__("players", 5), r"`meta\.players` must be a list"),
        (lambda d: d["dates"].__setitem__(-1, "99999-01-01"), "must lie in the years 1 to 9999"),
        (lambda d: d["codes"].__setitem__(0, "\x1b[2J"), "without control characters"),
        (lambda d: d["events"].append([3, "\x1b[31mpwn"]), "label text without control"),
    ],
)
def test_a_tampered_file_that_would_fail_later_is_refused(
    data: Data, edit: Callable[[Data], None], says: str
) -> None:
    """Each loaded before and failed later (table(): TypeError; to_frame(): pandas'
    ValueError) or reached the terminal as escape codes, which scenario files forbid."""
    edit(data)
    with pytest.raises(ParameterError, match=says):
        ts.Path.from_json(json.dumps(data))


def test_the_longest_path_run_writes_reads_back(tmp_path) -> None:
    """`tariffsim run --rounds 200` wrote a 5 MB record that Path.from_json refused (the
    scenario files' 4 MB limit); a record has its own, which max_rounds weekly rounds fit."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ts.load_scenario("us-china-145").simulate(seed=0, rounds=200)
    f = tmp_path / "long.json"
    p.to_json(f)
    per_round = f.stat().st_size / 201
    assert f.stat().st_size > ts.limits.current().max_file_bytes
    assert per_round * (ts.limits.current().max_rounds + 1) < ts.limits.current().max_record_bytes
    back = ts.Path.from_json(f)
    assert np.array_equal(back.tariff, p.tariff)
    with (
        ts.limits.override(max_record_bytes=1000),
        pytest.raises(ts.LimitError, match="max_record_bytes"),
    ):
        ts.Path.from_json(f)
