"""The documentation is tested: its examples run, its claim ids exist, it covers the model.

(a) Every ``>>>`` example in ``docs/**/*.md`` runs as a doctest (one test per
    file) in an empty namespace: a page imports what it uses, so that its
    examples run as a reader pastes them.
(b) Every claim id the docs mention exists in ``ts.claims``: every token of a
    table column headed "claims", and every backticked snake_case token that
    is not a known tariffsim name.
(c) ``docs/model.md`` mentions every payoff term and every ``Params`` field.
(d) Every complete scenario file shown in a ``toml`` block (one with
    ``format = 1``) loads without error.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import inspect
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import tariffsim
from tariffsim import agents, claims, engine, game, parampath, path, payoffs, scenario, world
from tariffsim.payoffs import TERMS, Params

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC_FILES = sorted(DOCS.rglob("*.md"))
MODEL_MD = DOCS / "model.md"

FENCE = re.compile(r"^\s*(```|~~~)")
BACKTICKED = re.compile(r"`([^`\n]+)`")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _rel(p: Path) -> str:
    return str(p.relative_to(DOCS))


def _doctest_source(text: str) -> str:
    """Markdown with code-fence lines blanked, so an expected output ends at its fence.

    Blanking (not deleting) keeps line numbers in failure reports right.
    """
    return "\n".join("" if FENCE.match(line) else line for line in text.splitlines())


def _prose(text: str) -> str:
    """The text outside fenced code blocks."""
    out, inside = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            out.append(line)
    return "\n".join(out)


def _known_names() -> set[str]:
    """Identifiers of tariffsim (modules, classes, fields, methods) a doc may name."""
    import pkgutil

    import tariffsim.equilibrium as equilibrium

    names: set[str] = set(dir(tariffsim))
    mods = [tariffsim, agents, claims, engine, game, parampath, path, payoffs, scenario, world]
    mods += [tariffsim.limits, tariffsim.schema]
    mods.append(equilibrium)
    mods += [tariffsim.bargaining, tariffsim.deals, tariffsim.foresight]
    for info in pkgutil.iter_modules(equilibrium.__path__, "tariffsim.equilibrium."):
        mods.append(importlib.import_module(info.name))
    for mod in mods:
        names |= set(dir(mod))
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if obj.__module__.startswith("tariffsim"):
                names |= set(dir(obj))
                if dataclasses.is_dataclass(obj):
                    names |= {f.name for f in dataclasses.fields(obj)}
    w = tariffsim.World.default()
    names |= set(Params.default(w).calibration)
    names |= set(tariffsim.bargaining.CONCESSIONS)  # concession names, data not claims
    return {n for n in names if not n.startswith("__")}


def _claims_columns(text: str) -> list[tuple[int, str]]:
    """Tokens of every Markdown table column headed "claims", with line numbers."""
    found: list[tuple[int, str]] = []
    col: int | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s.startswith("|"):
            col = None
            continue
        cells = [c.strip() for c in s.strip("|").split("|")]
        if col is None:
            heads = [c.lower().rstrip(":") for c in cells]
            col = heads.index("claims") if "claims" in heads else -1
            continue
        if col < 0 or col >= len(cells) or set(cells[col]) <= set("-—: "):
            continue
        cell = cells[col]
        ticked = BACKTICKED.findall(cell)
        tokens = ticked if ticked else [t for t in re.split(r"[,\s]+", cell) if t]
        found += [(lineno, t.strip()) for t in tokens]
    return found


def test_docs_exist() -> None:
    assert MODEL_MD.is_file(), "docs/model.md is missing"
    assert len(DOC_FILES) >= 5, [_rel(p) for p in DOC_FILES]


@pytest.mark.parametrize("doc", DOC_FILES, ids=_rel)
def test_examples_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    globs = {"__name__": "__docs__"}  # (a page imports what it uses: a reader pastes it)
    test = doctest.DocTestParser().get_doctest(
        _doctest_source(doc.read_text(encoding="utf-8")), globs, _rel(doc), str(doc), 0
    )
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    try:
        result = runner.run(test, out=report.append)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    assert result.failed == 0, "".join(report)


@pytest.mark.parametrize("doc", DOC_FILES, ids=_rel)
def test_claim_ids_exist(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    known_claims = set(tariffsim.claims)
    bad = [
        f"{_rel(doc)}:{n}: {tok!r} in a claims column is not a claim id"
        for n, tok in _claims_columns(text)
        if tok not in known_claims
    ]
    names = _known_names()
    for tok in BACKTICKED.findall(_prose(text)):
        tok = tok.strip()
        if SNAKE.match(tok) and tok not in known_claims and tok not in names:
            bad.append(f"{_rel(doc)}: `{tok}` is neither a claim id nor a tariffsim name")
    assert not bad, "\n".join(bad)


def test_claims_columns_are_found() -> None:
    """Guard against the column parser silently matching nothing."""
    toks = _claims_columns(MODEL_MD.read_text(encoding="utf-8"))
    assert len(toks) >= 40
    assert "us_recession_odds_60" in {t for _, t in toks}


def test_model_md_covers_terms_and_params() -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    ticked = set(BACKTICKED.findall(text))
    missing_terms = [t for t in TERMS if t not in ticked]
    fields = [f.name for f in dataclasses.fields(Params) if f.name != "calibration"]
    missing_fields = [f for f in fields if f not in ticked]
    assert not missing_terms, f"terms not documented in docs/model.md: {missing_terms}"
    assert not missing_fields, f"Params fields not documented in docs/model.md: {missing_fields}"
    for t in TERMS:
        assert re.search(rf"^###\s.*`{t}`", text, re.M), f"no section heading for term {t!r}"


CALIBRATED_ROW = re.compile(r"^\| `(\w+)` \([^|]*\) \| ([0-9.]+) [^|]*\(calibrated", re.M)


def test_model_md_states_the_calibrated_defaults() -> None:
    """Each parameter row of docs/model.md whose default says "(calibrated)" gives the number
    ``Params.default`` calibrates, to the digits it prints (one number: every country's)."""
    w = tariffsim.World.default()
    p = Params.default(w)
    rows = CALIBRATED_ROW.findall(MODEL_MD.read_text(encoding="utf-8"))
    assert len(rows) >= 5, rows
    for name, shown in rows:
        value = np.unique(np.asarray(getattr(p, name), dtype=float))
        assert value.size == 1, (name, value)
        digits = len(shown.split(".")[1]) if "." in shown else 0
        assert float(shown) == pytest.approx(float(value[0]), abs=0.6 * 10.0**-digits), (
            f"docs/model.md gives {name} = {shown}; Params.default calibrates {value[0]:.8g}"
        )


def _toml_blocks(text: str) -> list[tuple[int, str]]:
    """``(line, body)`` of every fenced block whose info string is ``toml``."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        if re.match(r"^\s*```toml\s*$", lines[k]):
            start = k + 1
            k += 1
            while k < len(lines) and not FENCE.match(lines[k]):
                k += 1
            blocks.append((start + 1, "\n".join(lines[start:k])))
        k += 1
    return blocks


@pytest.mark.parametrize("doc", DOC_FILES, ids=_rel)
def test_toml_examples_load(doc: Path) -> None:
    for line, body in _toml_blocks(doc.read_text(encoding="utf-8")):
        if not re.search(r"^format\s*=\s*1\s*$", body, re.M):
            continue  # a fragment, not a complete file
        data = tomllib.loads(body)
        tariffsim.parse_scenario(data, source=f"{_rel(doc)}:{line}")


@pytest.mark.parametrize(
    "doc", [*DOC_FILES, DOCS.parent / "README.md"], ids=lambda p: str(p.relative_to(DOCS.parent))
)
def test_no_control_characters(doc: Path) -> None:
    """No tab or other control character in the text: a ``\\tau`` or ``\\ast`` written in
    a non-raw Python string becomes one, and the formula renders as garbage."""
    for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        bad = [c for c in line if ord(c) < 32 or ord(c) == 127]
        assert not bad, f"{doc.name}:{n}: {bad!r} in {line[:60]!r}"
