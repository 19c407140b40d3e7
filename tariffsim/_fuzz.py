"""Malformed scenario files for robustness tests (internal).

:func:`malformed` turns a bundled scenario into a broken copy by one to three
mutations drawn from a :class:`numpy.random.Generator`, at two levels:

- *structure*: a value replaced by one of the wrong type or an extreme one
  (``5e-324``, ``1.8e308``, a date with a time of day, 9999-12-31, a string
  with terminal escapes, a path), a key removed, an unknown key, a self-pair
  or trailing-dot key, duplicates in a list, a deep nest, a long list;
- *text*: a byte flipped, bytes that are not UTF-8, the file cut short, a
  line duplicated, a number literal replaced, deep bracket nesting.

:func:`check` loads the bytes as a file and plays the scenario, and returns
what happened: ``"ok"``, ``"error"`` (a tariffsim error) or a description of
an *escape* (any other exception, or a NaN in the path). The invariant the
suite and ``benchmarks/fuzz_scenarios.py`` assert is "no escape"; work is
bounded by :mod:`tariffsim.limits`, not by timing.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import tomllib
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import numpy as np

from . import limits
from .errors import TariffsimError

__all__ = ["bases", "check", "malformed"]

_JUNK: list[Any] = [
    None, True, False, 0, -1, 1, 2, 7, 10**9, 2**63, -(2**63), 2**64, 3**40,
    0.0, -0.0, 5e-324, 1e-300, 1e-9, 0.5, 1.0, 1.45, 10.0, 11.0, 1e6, 1e9, 1.8e308, -1e308,
    math.nan, math.inf, -math.inf,
    "", "x", "US", "CN", "XX", "US-US", "US-CN", "CN-US", "US-", "-CN", "US-CN-MX", "hold",
    "scripted", "myopic", "tit-for-tat", "set", "summit", "nan", "²", "3", "-1", "1.5",
    "../../x", "/tmp/abs", "..", "a/b", "\x1b[31mred\x1b[0m", "\u202eevil", "=HYPERLINK(1)",
    "x" * 5000,
    dt.date(2025, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2200, 12, 31),
    dt.datetime(2025, 1, 1, 5, 0, 0), dt.time(5, 0),
    [], [0], [1, 1], ["CN", "CN"], ["CN"] * 12, [0.0, 0.1, 0.1], [0.5, 0.1], [math.nan],
    list(range(300)), ["US", 1], [[[[[[1]]]]]],
    {}, {"x": 1}, {"3": {"CN": 1}}, {"²": {"CN": 1}}, {"1": {"CN": 2}}, {"1": 5},
    {"US": 1}, {"CN": dt.date(2025, 4, 2)}, {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},
]  # fmt: skip
_KEYS = ["colour", "XX", "gdp", "levels", "kind", "US-US", "pass_through.", "name", "then",
         "schedule", "options", "format", "US-CN", "CN", "0", "face_weight.US.", "²"]  # fmt: skip
_NUMBERS = ["0", "-1", "5e-324", "1.8e308", "1e9", "1000000000", "nan", "inf", "-0.0", "true",
            "9999-12-31", "2025-01-01T05:00:00", "0001-01-01", '"x"', "[]", "{}"]  # fmt: skip


def bases() -> dict[str, str]:
    """Text of every bundled scenario file, by name."""
    d = resources.files("tariffsim") / "scenarios"
    return {
        p.name[:-5]: p.read_text(encoding="utf-8")
        for p in sorted(d.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".toml")
    }


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            out += _paths(v, (*prefix, k))
    return out


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def _pick(rng: np.random.Generator, seq: list[Any]) -> Any:
    return seq[int(rng.integers(len(seq)))]


_TWEAKS_FLOAT = [0.0, 5e-324, 1e-12, 1e-6, 0.001, 0.999, 1.0, 9.99, 10.0, 999.0, 1000.0,
                 9999.0, 1e5, 1e6, -1e6, -100.0, 100.0]  # fmt: skip
_TWEAKS_INT = [0, 1, 2, 365, 366, 1_999, 2_000, 10_000, 200, 52]


def _tweak(data: dict[str, Any], rng: np.random.Generator) -> bool:
    """Replace one number by an edge value of the same type; False if none."""
    paths = [
        p
        for p in _paths(data)
        if p and isinstance(_get(data, p), int | float) and not isinstance(_get(data, p), bool)
    ]
    if not paths:
        return False
    path = _pick(rng, paths)
    parent = _get(data, path[:-1])
    old = parent[path[-1]]
    pool = _TWEAKS_INT if isinstance(old, int) else _TWEAKS_FLOAT
    parent[path[-1]] = _pick(rng, pool)
    return True


def _mutate_data(data: dict[str, Any], rng: np.random.Generator) -> None:
    if rng.random() < 0.4 and _tweak(data, rng):
        return
    paths = [p for p in _paths(data) if p]
    path = _pick(rng, paths)
    parent = _get(data, path[:-1])
    key = path[-1]
    op = _pick(rng, ["replace"] * 5 + ["delete", "add", "dup", "rekey", "nest"])
    if op == "replace":
        parent[key] = copy.deepcopy(_pick(rng, _JUNK))
    elif op == "delete":
        del parent[key]
    elif op == "add" and isinstance(parent, dict):
        parent[_pick(rng, _KEYS)] = copy.deepcopy(_pick(rng, _JUNK))
    elif op == "add":
        parent.append(copy.deepcopy(_pick(rng, _JUNK)))
    elif op == "dup" and isinstance(parent[key], list) and parent[key]:
        parent[key] = parent[key] + parent[key][:1] * int(rng.integers(1, 14))
    elif op == "rekey" and isinstance(parent, dict):
        new = _pick(rng, _KEYS) if rng.random() < 0.5 else f"{key}."
        parent[new] = parent.pop(key)
    elif op == "nest":
        v: Any = 1
        for _ in range(int(rng.integers(10, 40))):
            v = {"a": v}
        parent[key] = v
    else:
        parent[key] = copy.deepcopy(_pick(rng, _JUNK))


def _mutate_text(raw: bytes, rng: np.random.Generator) -> bytes:
    op = _pick(rng, ["flip", "utf8", "cut", "dupline", "number", "deep", "deep_header", "bom"])
    n = len(raw)
    if op == "flip" and n:
        i = int(rng.integers(n))
        return raw[:i] + bytes([int(rng.integers(256))]) + raw[i + 1 :]
    if op == "utf8":
        i = int(rng.integers(n + 1))
        return raw[:i] + _pick(rng, [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\x80\x80"]) + raw[i:]
    if op == "cut":
        return raw[: int(rng.integers(n + 1))]
    lines = raw.split(b"\n")
    if op == "dupline":
        i = int(rng.integers(len(lines)))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if op == "number":
        text = raw.decode("utf-8", "replace")
        hits = list(re.finditer(r"(?<=[=\[,] )-?\d[\d.eE+-]*|\d{4}-\d\d-\d\d", text))
        if hits:
            m = _pick(rng, hits)
            text = text[: m.start()] + _pick(rng, _NUMBERS) + text[m.end() :]
        return text.encode("utf-8")
    if op == "deep":
        d = int(rng.integers(20, 3000))
        return raw + b"\nzz = " + b"[" * d + b"]" * d + b"\n"
    if op == "deep_header":
        d = int(rng.integers(20, 600))
        return raw + b"\n[" + b".".join([b"a"] * d) + b"]\nx = 1\n"
    return b"\xef\xbb\xbf" + raw


def malformed(rng: np.random.Generator) -> tuple[str, bytes]:
    """A broken copy of a bundled scenario: ``(base name, file bytes)``.

    Examples
    --------
    >>> from tariffsim._fuzz import malformed
    >>> name, raw = malformed(np.random.default_rng(0))
    >>> isinstance(raw, bytes) and name in ts.list_scenarios()
    True
    """
    from .scenario import dump_toml

    texts = bases()
    name = _pick(rng, sorted(texts))
    text = texts[name]
    k = int(rng.integers(1, 4))
    if rng.random() < 0.7:
        data = tomllib.loads(text)
        for _ in range(k):
            _mutate_data(data, rng)
        try:
            raw = dump_toml(data).encode("utf-8")
        except (TariffsimError, ValueError):  # e.g. a time of day cannot be a key
            raw = text.encode("utf-8")
        if rng.random() < 0.2:
            raw = _mutate_text(raw, rng)
    else:
        raw = text.encode("utf-8")
        for _ in range(k):
            raw = _mutate_text(raw, rng)
    return name, raw


def check(raw: bytes, folder: FsPath, *, rounds: int | None = None) -> str:
    """Load ``raw`` as a scenario file in ``folder``, play it, return the outcome.

    Returns
    -------
    str
        ``"ok"`` (loaded and played, every number finite), ``"error"`` (a
        tariffsim error, as promised), or ``"escape: ..."`` naming the foreign
        exception or the non-finite field.
    """
    from .scenario import load_scenario

    p = FsPath(folder) / "case.toml"
    p.write_bytes(raw)
    try:
        sc = load_scenario(p)
        n = sc.game.rounds if rounds is None else min(rounds, sc.game.rounds)
        path = sc.simulate(seed=0, rounds=n)
        if len(path) > limits.current().max_rounds + 1:
            return f"escape: {len(path) - 1} rounds beyond max_rounds"
        for name in ("tariff", "payoff", "recession", "approval", "terms", "burden"):
            arr = np.asarray(getattr(path, name), dtype=float)
            if not np.isfinite(arr).all():
                return f"escape: non-finite {name}"
        return "ok"
    except TariffsimError:
        return "error"
    except Exception as e:  # the thing under test: anything else is an escape
        return f"escape: {type(e).__name__}: {str(e)[:200]}"
