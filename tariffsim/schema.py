"""The scenario-file schema: every field, its type, its range — in one place.

:data:`SCENARIO` describes the whole scenario format (``format = 1``) as a
tree of :class:`Spec` nodes. :func:`prune` checks a parsed TOML mapping
against it *before* anything is built: every value of the wrong type, out of
its range, an unknown key, a self-pair dyad, a duplicate in a list, a list or
string longer than the limits, is reported with its path and value (``calendar.rounds:
must be an int in [1, 10000]; got 0``) and dropped, so that the semantic checks
of :func:`tariffsim.scenario.parse_scenario` (country codes, ladders, claim
ids, strategy options) only see values of the right shape.
:func:`json_schema` exports the same tree as a JSON Schema (draft 2020-12) for
editors (``tariffsim schema``).

The ranges keep every accepted scenario finite in the model: tariffs and ladder
rungs up to 1000% (payoffs are finite there), GDP from USD 1 bn to 1000 tn,
imports up to USD 10 tn per dyad, dates from 1900 to 2200, rounds up to
:data:`tariffsim.limits.Limits.max_rounds`. They are documented in
``docs/scenario-format.md``.

To add a field to the format, add one entry to the tree below (and read it in
:func:`tariffsim.scenario.parse_scenario`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import limits
from ._util import did_you_mean
from ._util import short_repr as _short

__all__ = ["SCENARIO", "Spec", "json_schema", "nesting_depth", "prune", "text_nesting_depth"]

MIN_DATE = dt.date(1900, 1, 1)
"""Earliest date a scenario may use."""
MAX_DATE = dt.date(2200, 12, 31)
"""Latest date a scenario may use (start or event)."""
MAX_TARIFF = 10.0
"""Highest tariff a scenario may set or put on a ladder (1000%)."""
MAX_STRING = 2_000
"""Longest single-line string (name, title, label, claim id) in characters."""

PERCENT_SUSPECT = 5.0
"""A tariff level above which it was surely written in percent (500%: ``10`` for 10%): a
scenario file's levels above it, and analysis thresholds, warn."""
_TARIFF_RULE = "must be a tariff as a fraction in [0, 10] (0.46 is 46%, 1.45 is 145%)"


@dataclass(frozen=True)
class Spec:
    """One node of the schema.

    Parameters
    ----------
    kind : {"int", "number", "string", "bool", "date", "table", "map", "list", "union", "any"}
        ``table``: fixed keys (``fields``); ``map``: free keys of kind ``key``
        with values ``value``; ``list``: items ``value``; ``union``: any of ``alts``.
    doc : str
        One line for the docs and the JSON Schema ``description``.
    lo, hi : float, optional
        Inclusive bounds (``lo_open``: exclusive lower bound). ``hi_limit``
        names a :class:`~tariffsim.limits.Limits` field used as ``hi``.
    fields : mapping of str to Spec
        Keys of a table.
    key : {"", "dyad", "code", "param", "term", "round"}
        Rule for the keys of a map.
    value : Spec, optional
        Values of a map, items of a list.
    unique : bool
        A list whose items must be distinct.
    max_items : str or int
        Limit name or number bounding a list's length.
    max_chars : int
        Longest string.
    const : object
        The only value allowed (``format``).
    rule : str
        The rule as stated in messages, when the generated one is not clear.
    """

    kind: str
    doc: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_limit: str = ""
    fields: Mapping[str, Spec] = field(default_factory=dict)
    key: str = ""
    value: Spec | None = None
    alts: tuple[Spec, ...] = ()
    unique: bool = False
    max_items: str | int = "max_items"
    max_chars: int = MAX_STRING
    const: Any = None
    rule: str = ""


def _num(doc: str, lo: float | None = None, hi: float | None = None, **kw: Any) -> Spec:
    return Spec("number", doc, lo, hi, **kw)


def _int(doc: str, lo: float | None = None, hi: float | None = None, **kw: Any) -> Spec:
    return Spec("int", doc, lo, hi, **kw)


def _str(doc: str, **kw: Any) -> Spec:
    return Spec("string", doc, **kw)


_DATE = Spec("date", "a date YYYY-MM-DD", lo=None, hi=None)
_ROUND = _int("a round index", 0, hi_limit="max_rounds")
_WHEN = Spec(
    "union",
    "a date or a round index",
    alts=(_DATE, _ROUND),
    rule="must be a date (YYYY-MM-DD) or a round (an int >= 0)",
)
_CODE = _str("a country code", max_chars=16)
_CODES = Spec("list", "country codes", value=_CODE, unique=True)
_CLAIMS = Spec("list", "claim ids", value=_str("a claim id"), unique=True)
_PARAM_VALUE = _num("a parameter value", -1e6, 1e6)
_OVERRIDES = Spec(
    "map", "parameter overrides: field, field.XX or field.XX-YY", key="param", value=_PARAM_VALUE
)
_LADDER = Spec(
    "list",
    "tariff levels (fractions), strictly increasing",
    value=_num("a tariff level", 0, MAX_TARIFF, rule=_TARIFF_RULE),
    max_items=256,
)
_CONTROL_LADDER = Spec(
    "list",
    "export-control shares, strictly increasing",
    value=_num("a share withheld", 0, 1),
    max_items=256,
)
_MOVE = _int("a move: -1 de-escalate, 0 hold, +1 escalate", -1, 1)

SCHEDULE = Spec(
    "map",
    "scripted moves by round: {round = {TARGET = move}}",
    key="round",
    value=Spec("map", "moves by target", key="code", value=_MOVE),
)
"""The ``options.schedule`` table of the ``scripted`` strategy."""

AGENT = Spec(
    "table",
    "a country that moves",
    fields={
        "country": _CODE,
        "strategy": _str("a strategy name", max_chars=100),
        "targets": Spec(
            "list",
            "countries it sets tariffs on",
            value=_CODE,
            unique=True,
            max_items="max_targets",
        ),
        "learning_rate": _num("share of the pass-through gap closed per round", 0, 1),
        "beliefs": _OVERRIDES,
        "options": Spec(
            "map",
            "keyword arguments of the strategy",
            key="name",
            value=Spec("any", "an option value"),
        ),
        "active_from": Spec(
            "union",
            "when the strategy starts choosing: a date, a round or a table by target",
            alts=(_DATE, _ROUND, Spec("map", "by target", key="code", value=_WHEN)),
            rule="must be a date, a round (an int >= 0) or a table of them by target",
        ),
        "controls": Spec(
            "list",
            "countries it sets export controls on",
            value=_CODE,
            unique=True,
            max_items="max_targets",
        ),
    },
)
"""One ``[[agents]]`` entry."""

EVENT = Spec(
    "table",
    "a scheduled exogenous change",
    fields={
        "date": _DATE,
        "round": _ROUND,
        "kind": _str("set, control, shock, threat, support or summit", max_chars=32),
        "dyad": Spec("string", "IMPORTER-EXPORTER", key="dyad"),
        "country": _CODE,
        "level": _num(
            "tariff (fraction) or control share",
            0,
            MAX_TARIFF,
            rule=_TARIFF_RULE + " or a control share in [0, 1]",
        ),
        "value": _num("index move (%) or support (% of GDP)", -100, 100),
        "label": _str("shown in tables and plots", key="text"),
        "claims": _CLAIMS,
        "counterfactual": Spec("bool", "a what-if event, not part of the record (marked on plots)"),
        "parties": Spec("list", "a summit's bargaining parties", value=_CODE, unique=True),
        "agenda": Spec(
            "list", "concessions on a summit's table", value=_str("a concession"), unique=True
        ),
        "layer": _str("for 'set': the tariff layer set (default: the headline)", max_chars=64),
        "term_days": _int("for a summit: days an agreement runs before renewal or lapse", 0, 3660),
        "layers": Spec("bool", "for a summit: bargain over each tariff layer, not the headline"),
    },
)
"""One ``[[events]]`` entry."""

NEGOTIATION = Spec(
    "table",
    "bargaining at summits (tariffsim.bargaining)",
    fields={
        "enabled": Spec("bool", "whether summits with parties are bargaining opportunities"),
        "discount": _num("discount of bargaining values per discount_days days", 0, 0.999999),
        "discount_days": _int("calendar days the discount is per (default 7, a week)", 1, 366),
        "horizon": _int("rounds of the carrying-on look-ahead", 1, 520),
        "method": _str("nash or rubinstein", max_chars=32),
        "concession_scale": _num(
            "factor on the concessions' cost and value (the units of scaled [weights])",
            0,
            1000,
            lo_open=True,
        ),
    },
)
"""The ``[negotiation]`` table."""

DEMAND = Spec(
    "table",
    "a tariff tied to a non-trade demand",
    fields={
        "dyad": Spec("string", "DEMANDER-TARGET", key="dyad"),
        "level": _num("tariff kept until the demand is met", 0, MAX_TARIFF, rule=_TARIFF_RULE),
        "concession": _str("the concession that meets the demand", max_chars=100),
        "claims": _CLAIMS,
        "layer": _str("the tariff layer of the dyad the demand binds", max_chars=64),
    },
)
"""One ``[[demands]]`` entry."""

THREAT = Spec(
    "table",
    "a conditional threat, carried out on its date if credible",
    fields={
        "dyad": Spec("string", "THREATENER-TARGET", key="dyad"),
        "level": _num("tariff threatened", 0, MAX_TARIFF, rule=_TARIFF_RULE),
        "date": _DATE,
        "round": _ROUND,
        "unless": _str("the concession that lifts it", max_chars=100),
        "layer": _str("the tariff layer threatened (default: the headline)", max_chars=64),
        "label": _str("shown in the path's events", key="text"),
        "claims": _CLAIMS,
    },
)
"""One ``[[threats]]`` entry."""
LAYER = Spec(
    "table",
    "one tariff layer of a dyad",
    fields={
        "name": _str("layer name, e.g. 'reciprocal'", max_chars=64),
        "levels": _LADDER,
        "pretext": _str("legal basis", max_chars=500, key="text"),
        "coverage": _num("share of the target's exports the layer hits", 0, 1),
        "exempt": Spec("bool", "whether the dyad's exemption (USMCA) applies"),
        "claims": _CLAIMS,
        "down_only": Spec(
            "list",
            "rungs reached only on the way down",
            value=_num("a tariff level", 0, MAX_TARIFF, rule=_TARIFF_RULE),
        ),
    },
)
"""One layer of ``[world.instruments]``."""

CONCESSION = Spec(
    "table",
    "a concession a deal can give, beyond the bundled ones",
    fields={
        "name": _str("an identifier; a bundled concession's name replaces it", max_chars=100,
                     key="name"),
        "giver": Spec("string", "the country that gives it", key="code"),
        "receiver": Spec("string", "the country that receives it", key="code"),
        "cost": _num("cost to the giver, % of its GDP a year", 0, 100),
        "value": _num("value to the receiver, % of its GDP a year", 0, 100),
        "label": _str("shown with the deals that give it", key="text"),
        "claims": _CLAIMS,
        "releases": Spec(
            "list",
            "the giver's export controls it suspends",
            value=Spec("string", "WITHHOLDER-TARGET", key="dyad"),
            unique=True,
        ),
        "excludes": Spec(
            "list",
            "concessions no deal gives together with it",
            value=_str("a concession name", max_chars=100),
            unique=True,
        ),
    },
)  # fmt: skip
"""One ``[[concessions]]`` entry."""

SCENARIO = Spec(
    "table",
    "a tariffsim scenario (format 1)",
    fields={
        "format": _int("scenario format version", const=1, rule="must be the int 1"),
        "name": _str("short name; output files are named after it", max_chars=200, key="label"),
        "title": _str("one-line title", key="text"),
        "description": _str("free text", max_chars=100_000, key="prose"),
        "claims": _CLAIMS,
        "outcomes": Spec(
            "list", "what the scenario should show", value=_str("an outcome", key="text")
        ),
        "noise": _num("probability that a move is replaced by a random one", 0, 1),
        "calendar": Spec(
            "table",
            "the calendar",
            fields={
                "start": _DATE,
                "round_days": _int("calendar days per round", 1, 366),
                "rounds": _int("rounds played by default", 1, hi_limit="max_rounds"),
                "decision_days": _int(
                    "days between decisions (default 1: a round of round_days days holds "
                    "round_days / decision_days decision steps)",
                    1,
                    366,
                ),
            },
        ),
        "world": Spec(
            "table",
            "changes to the default world",
            fields={
                "countries": Spec(
                    "map",
                    "countries added to the default world, by code",
                    key="code",
                    value=Spec(
                        "table",
                        "a new country",
                        fields={
                            "gdp": _num("GDP, USD tn", 0.001, 1000),
                            "name": _str("full name", max_chars=200, key="text"),
                        },
                    ),
                ),
                "ties": Spec(
                    "map",
                    "alliance ties by pair 'A-B' (set both ways)",
                    key="dyad",
                    value=_num("an alliance tie", 0, 1),
                ),
                "ladders": Spec("map", "tariff ladders by dyad", key="dyad", value=_LADDER),
                "instruments": Spec(
                    "map",
                    "tariff layers by dyad, in escalation order",
                    key="dyad",
                    value=Spec("list", "the dyad's layers", value=LAYER, max_items=16),
                ),
                "control_ladders": Spec(
                    "map", "export-control ladders by dyad", key="dyad", value=_CONTROL_LADDER
                ),
                "gdp": Spec(
                    "map",
                    "GDP by country, USD tn",
                    key="code",
                    value=_num("GDP, USD tn", 0.001, 1000),
                ),
                "imports": Spec(
                    "map",
                    "baseline imports by dyad, USD bn",
                    key="dyad",
                    value=_num("imports, USD bn", 0, 10_000),
                ),
            },
        ),
        "params": _OVERRIDES,
        "weights": Spec(
            "map",
            "payoff-term weights: term or term.XX",
            key="term",
            value=_num("a term weight", -1000, 1000),
        ),
        "initial": Spec(
            "table",
            "the starting state",
            fields={
                "tariffs": Spec(
                    "map",
                    "starting tariffs by dyad",
                    key="dyad",
                    value=_num("a tariff (fraction)", 0, MAX_TARIFF, rule=_TARIFF_RULE),
                ),
            },
        ),
        "agents": Spec("list", "the countries that move", value=AGENT),
        "events": Spec("list", "scheduled events", value=EVENT),
        "moves": _str("step (one rung a round) or jump (any rung)", max_chars=16),
        "negotiation": NEGOTIATION,
        "demands": Spec("list", "tariffs tied to non-trade demands", value=DEMAND),
        "threats": Spec("list", "conditional threats", value=THREAT),
        "concessions": Spec(
            "list", "the scenario's own concessions", value=CONCESSION, max_items=64
        ),
    },
)
"""The whole scenario format."""

_DATE_SPEC_RANGE = (MIN_DATE, MAX_DATE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PARAM_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[^.\s]+)?$")
_ROUND_KEY = re.compile(r"^[0-9]{1,9}$")


class _Drop:
    """Marker: the value failed and is removed."""


DROP = _Drop()


def _fmt_num(x: float | None) -> str:
    return "" if x is None else (f"{x:g}" if isinstance(x, float) else str(x))


def _bounds(spec: Spec) -> tuple[float | None, float | None]:
    hi = getattr(limits.current(), spec.hi_limit) if spec.hi_limit else spec.hi
    return spec.lo, hi


def rule_of(spec: Spec) -> str:
    """The rule a value of ``spec`` must follow, as the error messages state it."""
    if spec.rule:
        return spec.rule
    if spec.kind in ("int", "number"):
        what = "an int" if spec.kind == "int" else "a finite number"
        lo, hi = _bounds(spec)
        if lo is not None and hi is not None:
            return (
                f"must be {what} in {'(' if spec.lo_open else '['}{_fmt_num(lo)}, {_fmt_num(hi)}]"
            )
        if lo is not None:
            return f"must be {what} {'>' if spec.lo_open else '>='} {_fmt_num(lo)}"
        return f"must be {what}"
    if spec.kind == "date":
        return f"must be a date (YYYY-MM-DD, no time of day) in [{MIN_DATE}, {MAX_DATE}]"
    if spec.kind == "string":
        if spec.key == "dyad":
            return "must be a dyad 'IMPORTER-EXPORTER' like 'US-CN' (two different countries)"
        if spec.key == "label":
            return (
                f"must be a string of 1 to {spec.max_chars} characters, not all blank, "
                "without control characters"
            )
        if spec.key == "text":
            return (
                f"must be a string of at most {spec.max_chars} characters, without control "
                "characters"
            )
        if spec.key == "prose":
            return (
                f"must be a string of at most {spec.max_chars} characters, without control "
                "characters other than tabs and line breaks"
            )
        return f"must be a string of at most {spec.max_chars} characters"
    if spec.kind == "bool":
        return "must be true or false"
    if spec.kind in ("table", "map"):
        return "must be a table"
    if spec.kind == "list":
        return "must be a list"
    return "has an invalid value"


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def _child_path(path: str, key: object) -> str:
    """The field path of ``key`` under ``path``; odd keys quoted so the path stays readable.

    A key made of letters, digits, ``_``, ``-`` and ``.`` is joined with a dot;
    any other key is shown quoted (Python escapes) in brackets, with ``:`` escaped so the
    path never contains the separator of a problem line.
    """
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{path}.{text}" if path else text
    quoted = repr(text).replace(":", "\\x3a")
    return f"{path}[{quoted}]" if path else f"<scenario>[{quoted}]"


def key_problem(kind: str, key: str) -> str | None:
    """Why ``key`` is not a valid map key of ``kind`` (None if it is)."""
    if len(key) > 200:
        return f"key longer than 200 characters: {_short(key)}"
    if kind == "dyad":
        return dyad_problem(key)
    if kind == "code":
        return (
            None
            if key and "-" not in key and "." not in key
            else (f"must be a country code; got {key!r}")
        )
    if kind in ("param", "term"):
        return (
            None
            if _PARAM_KEY.match(key)
            else (
                f"must be `field`, `field.XX` or `field.XX-YY` (no empty part, no trailing dot); "
                f"got {key!r}"
            )
        )
    if kind == "round":
        return (
            None
            if _ROUND_KEY.match(key)
            else (f"must be a round number written with the digits 0-9; got {key!r}")
        )
    if kind == "name":
        return None if _NAME.match(key) else f"must be an identifier; got {key!r}"
    return None


def storable(s: str) -> bool:
    """Whether ``s`` can be stored as text in every file tariffsim writes: no NUL (a NetCDF
    string cannot hold one) and no lone surrogate (no UTF-8 spelling)."""
    return not any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in s)


def label_ok(s: str) -> bool:
    """Whether ``s`` can label output (a scenario's name, which names files and NetCDF
    attributes): not all blank, no control character (C0, DEL, C1: a NUL cannot be stored
    in a NetCDF string) and no lone surrogate (no UTF-8 spelling)."""
    return bool(s.strip()) and not any(
        ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in s
    )


_CONTROLS = frozenset(range(0x20)) | frozenset(range(0x7F, 0xA0))
_LINE_BREAKS = frozenset((0x09, 0x0A, 0x0D))


def text_ok(s: str, *, lines: bool = False) -> bool:
    """Whether ``s`` can be shown as text (a title, an event's label; ``lines``: a scenario's
    description, where tabs and line breaks are kept): no control character (C0, DEL, C1),
    which a terminal would act on, and no lone surrogate; it may be empty."""
    bad = _CONTROLS - _LINE_BREAKS if lines else _CONTROLS
    return not any(ord(c) in bad or 0xD800 <= ord(c) <= 0xDFFF for c in s)


def check_name(name: Any, *, empty: bool = False) -> None:
    """Raise a ParameterError unless ``name`` (of a game or scenario: it names output files
    and data) is a label (:func:`label_ok`); ``empty``: ``""`` is taken too."""
    if not isinstance(name, str) or not ((empty and not name) or label_ok(name)):
        from .errors import ParameterError

        raise ParameterError(
            f"`name` must be a string, not all blank, without control characters (it "
            f"names output files and data); got {_short(name)}."
        )


def dyad_problem(s: Any) -> str | None:
    """Why ``s`` is not a dyad string ``"IMP-EXP"`` (None if it is)."""
    if isinstance(s, str) and s.count("->") == 1 and s.count("-") == 1:
        return (
            f"must be a dyad 'IMPORTER-EXPORTER' like 'US-CN' (files write {s!r} as "
            f"{s.replace('->', '-')!r}); got {s!r}"
        )
    if not isinstance(s, str) or s.count("-") != 1:
        return f"must be a dyad 'IMPORTER-EXPORTER' like 'US-CN'; got {_short(s)}"
    a, b = s.split("-")
    if not a or not b:
        return f"must be a dyad 'IMPORTER-EXPORTER' like 'US-CN'; got {s!r}"
    if a == b:
        return f"a country cannot tariff itself: self-pair {s!r}"
    return None


def _scalar_ok(v: Any, spec: Spec) -> bool:
    k = spec.kind
    if k == "int":
        ok = isinstance(v, int) and not isinstance(v, bool)
    elif k == "number":
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    elif k == "string":
        ok = isinstance(v, str) and len(v) <= spec.max_chars
        if ok and spec.key == "dyad":
            ok = dyad_problem(v) is None
        if ok and spec.key == "label":
            ok = label_ok(v)
        if ok and spec.key in ("text", "prose"):
            ok = text_ok(v, lines=spec.key == "prose")
    elif k == "bool":
        ok = isinstance(v, bool)
    elif k == "date":
        return (
            isinstance(v, dt.date)
            and not isinstance(v, dt.datetime)
            and _DATE_SPEC_RANGE[0] <= v <= _DATE_SPEC_RANGE[1]
        )
    else:
        return True
    if not ok:
        return False
    if spec.const is not None:
        return bool(v == spec.const)
    if k in ("int", "number"):
        lo, hi = _bounds(spec)
        if lo is not None and (v <= lo if spec.lo_open else v < lo):
            return False
        if hi is not None and v > hi:
            return False
    return True


_DOTTED_KEYS = frozenset({"param", "term"})
"""Map keys written with dots (``"pass_through.US-CN"``): TOML reads the unquoted
``pass_through.US-CN = 0.8`` (and a ``[params.pass_through]`` table) as nested tables,
which :func:`_dotted` joins back."""

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dotted(
    table: Mapping[Any, Any], said: list[tuple[str, str]], prefix: str = ""
) -> dict[Any, Any]:
    """``table`` with nested tables joined into dotted keys, in the file's order:
    ``{"a": {"b": 1}}`` is ``{"a.b": 1}``. A key given twice (quoted and nested) and an
    empty nested table are told in ``said`` (``(key, why)``) and left out; the nesting is
    bounded by the file's, checked before it is parsed."""
    out: dict[Any, Any] = {}
    for key, v in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(v, Mapping):
            if not v:
                said.append((str(name), f"an empty table: give `{name} = value` or its entries"))
            inner = _dotted(v, said, str(name))
        else:
            inner = {name: v}
        for k2, v2 in inner.items():
            if k2 in out:
                said.append((str(k2), "given twice (quoted and as a nested table)"))
                continue
            out[k2] = v2
    return out


def prune(value: Any, spec: Spec, path: str, problems: list[str]) -> Any:
    """``value`` with every part that breaks ``spec`` reported and removed.

    Parameters
    ----------
    value : object
        A parsed TOML value.
    spec : Spec
    path : str
        Path of ``value`` in the file, for messages (``""`` at the top).
    problems : list of str
        Receives one ``"path: rule; got value"`` message per problem.

    Returns
    -------
    object
        The cleaned value, or :data:`DROP` if ``value`` itself is invalid.
    """
    where = path or "<scenario>"
    k = spec.kind
    if k == "any":
        return value
    if k == "union":
        for alt in spec.alts:
            sub: list[str] = []
            out = prune(value, alt, path, sub)
            if out is not DROP and not sub:
                return out
        for alt in spec.alts:  # a table alternative reports inside itself
            if alt.kind in ("table", "map") and isinstance(value, Mapping):
                return prune(value, alt, path, problems)
        problems.append(f"{where}: {rule_of(spec)}; got {_short(value)}")
        return DROP
    if k in ("table", "map"):
        if not isinstance(value, Mapping):
            problems.append(f"{where}: must be a table; got {_short(value)}")
            return DROP
        cap = limits.current().max_items
        if len(value) > cap:
            problems.append(f"{where}: {limits.message('max_items', len(value), 'entries')}")
            return DROP
        if k == "map" and spec.key in _DOTTED_KEYS:
            said: list[tuple[str, str]] = []
            value = _dotted(value, said)
            problems += [f"{_child_path(path, key)}: {why}" for key, why in said]
        out_t: dict[str, Any] = {}
        for key, v in value.items():
            sub_path = _child_path(path, key)
            if k == "table":
                child = spec.fields.get(key)
                if child is None:
                    known = ", ".join(sorted(spec.fields))
                    near = did_you_mean(key, sorted(spec.fields))
                    problems.append(f"{sub_path}: unknown field; {near}known: {known}")
                    continue
            else:
                if spec.key == "param" and path.endswith(".beliefs") and key in AGENT.fields:
                    problems.append(
                        f"{sub_path}: {key!r} is an agent's field, not a parameter: TOML reads "
                        "every key after the [agents.beliefs] header into that table; write "
                        "the agent's fields above it"
                    )
                    continue
                why = key_problem(spec.key, str(key))
                if why is not None:
                    problems.append(f"{sub_path}: {why}")
                    continue
                assert spec.value is not None
                child = spec.value
            cleaned = prune(v, child, sub_path, problems)
            if cleaned is not DROP:
                out_t[key] = cleaned
        return out_t
    if k == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: must be a list; got {_short(value)}")
            return DROP
        cap_name = spec.max_items if isinstance(spec.max_items, str) else ""
        cap = getattr(limits.current(), cap_name) if cap_name else int(spec.max_items)
        if len(value) > cap:
            if cap_name:
                problems.append(f"{where}: {limits.message(cap_name, len(value), 'items')}")
            else:
                problems.append(f"{where}: {len(value)} items exceed the maximum {cap}")
            return DROP
        assert spec.value is not None
        items: list[Any] = []
        bad = False
        for i, item in enumerate(value):
            before = len(problems)
            cleaned = prune(item, spec.value, f"{where}[{i}]", problems)
            if spec.value.kind == "table" and len(problems) > before:
                cleaned = DROP  # a table item with a bad field is reported, not half-built
            if cleaned is DROP:
                bad = True
                if spec.value.kind == "table":
                    items.append(None)  # keep indices: later messages name the right item
                continue
            items.append(cleaned)
        if bad and spec.value.kind != "table":
            return DROP
        if spec.unique:
            seen: set[Any] = set()
            for i, item in enumerate(items):
                if item in seen:
                    problems.append(f"{where}[{i}]: duplicate {_short(item)}")
                    bad = True
                seen.add(item)
            if bad:
                return DROP
        return items
    if not _scalar_ok(value, spec):
        hi = _bounds(spec)[1]
        if (
            spec.hi_limit
            and isinstance(value, int)  # (a float, inf or 1e20, is no int: the rule says so)
            and not isinstance(value, bool)
            and hi is not None
            and value > hi
        ):
            problems.append(f"{where}: {limits.message(spec.hi_limit, int(value), 'value')}")
        elif spec.kind == "date" and isinstance(value, dt.datetime):
            problems.append(f"{where}: must be a date without a time of day; got {value}")
        elif spec.kind == "date" and isinstance(value, str) and _DATE_TEXT.fullmatch(value):
            problems.append(
                f"{where}: must be a TOML date, written without quotes "
                f"({path.rsplit('.', 1)[-1]} = {value}); got the text {value!r}"
            )
        elif spec.key == "dyad" and isinstance(value, str):
            problems.append(f"{where}: {dyad_problem(value) or rule_of(spec)}")
        else:
            problems.append(f"{where}: {rule_of(spec)}; got {_short(value)}")
        return DROP
    return value


# -- nesting depth -----------------------------------------------------------------------------
def nesting_depth(value: Any) -> int:
    """Deepest nesting of tables and lists in ``value`` (a scalar is 0), without recursion."""
    best = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, Mapping):
            best = max(best, d + 1)
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            best = max(best, d + 1)
            stack.extend((x, d + 1) for x in v)
    return best


_TOKENS = re.compile(r"\"\"\"|'''|[\"'#\[\]{}\n]")


def text_nesting_depth(text: str) -> int:
    """An upper bound of the nesting of TOML ``text``, read before parsing it.

    Counts ``[``/``{`` nesting outside strings and comments, and the dotted
    parts of table headers and keys at the start of lines, so a file nested
    too deep is refused before the parser recurses into it. Only structural
    characters are visited (a regular-expression scan), so it is fast on any
    file within ``max_file_bytes``.
    """
    best = depth = 0
    n = len(text)
    pos = 0
    line_start: int | None = 0
    while True:
        if depth == 0 and line_start is not None:
            eol = text.find("\n", line_start)
            line = text[line_start : n if eol < 0 else eol].split("#", 1)[0].strip()
            if line.startswith("["):
                best = max(best, line.strip("[").split("]", 1)[0].count(".") + 1)
            elif "=" in line:
                best = max(best, line.split("=", 1)[0].count(".") + 1)
        line_start = None
        m = _TOKENS.search(text, pos)
        if m is None:
            return best
        tok = m.group()
        pos = m.end()
        if tok == "\n":
            line_start = pos
        elif tok == "#":
            eol = text.find("\n", pos)
            if eol < 0:
                return best
            pos = eol
        elif tok in ("[", "{"):
            depth += 1
            best = max(best, depth)
        elif tok in ("]", "}"):
            depth = max(0, depth - 1)
        else:
            pos = _string_end(text, pos, tok)


def _string_end(text: str, pos: int, quote: str) -> int:
    """Index just after the string that ``quote`` opened before ``pos``.

    A one-line string ends at its newline if unterminated (the parser reports it).
    """
    n = len(text)
    while pos < n:
        j = text.find(quote, pos)
        nl = -1 if len(quote) == 3 else text.find("\n", pos)
        if j < 0 or 0 <= nl < j:
            return nl if nl >= 0 else n
        if quote[0] == '"':
            k, slashes = j - 1, 0
            while k >= pos and text[k] == "\\":
                slashes += 1
                k -= 1
            if slashes % 2:
                pos = j + 1
                continue
        return j + len(quote)
    return n


# -- JSON Schema ---------------------------------------------------------------------------------
_KEY_PATTERNS = {
    "dyad": r"^[^-]+-[^-]+$",
    "code": r"^[^.-]+$",
    "param": _PARAM_KEY.pattern,
    "term": _PARAM_KEY.pattern,
    "round": _ROUND_KEY.pattern,
    "name": _NAME.pattern,
    "label": (
        r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f]"
        r"[^\u0000-\u001f\u007f-\u009f]*$"
    ),
    "text": r"^[^\u0000-\u001f\u007f-\u009f]*$",
    "prose": r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
}


def _js(spec: Spec) -> dict[str, Any]:
    out: dict[str, Any] = {"description": spec.doc} if spec.doc else {}
    k = spec.kind
    if k in ("int", "number"):
        out["type"] = "integer" if k == "int" else "number"
        lo, hi = _bounds(spec)
        if spec.const is not None:
            out["const"] = spec.const
        if lo is not None:
            out["exclusiveMinimum" if spec.lo_open else "minimum"] = lo
        if hi is not None:
            out["maximum"] = hi
    elif k == "string":
        out.update(type="string", maxLength=spec.max_chars)
        if spec.key in ("dyad", "label", "text", "prose"):
            out["pattern"] = _KEY_PATTERNS[spec.key]
    elif k == "bool":
        out["type"] = "boolean"
    elif k == "date":
        out.update(type="string", format="date")
    elif k == "table":
        out.update(
            type="object",
            properties={name: _js(s) for name, s in spec.fields.items()},
            additionalProperties=False,
        )
    elif k == "map":
        assert spec.value is not None
        out.update(
            type="object",
            propertyNames={"pattern": _KEY_PATTERNS.get(spec.key, ".*")},
            additionalProperties=_js(spec.value),
            maxProperties=limits.current().max_items,
        )
    elif k == "list":
        assert spec.value is not None
        cap = spec.max_items
        out.update(
            type="array",
            items=_js(spec.value),
            maxItems=getattr(limits.current(), cap) if isinstance(cap, str) else cap,
        )
        if spec.unique:
            out["uniqueItems"] = True
    elif k == "union":
        out["anyOf"] = [_js(a) for a in spec.alts]
    return out


def json_schema() -> dict[str, Any]:
    """The scenario format as a JSON Schema (draft 2020-12), for editors.

    TOML dates appear as strings of format ``date``. Rules that need the
    world (which country codes exist, whether a dyad has a ladder, claim ids,
    strategy names) are checked by the loader only.

    Examples
    --------
    >>> s = ts.schema.json_schema()
    >>> s["properties"]["calendar"]["properties"]["round_days"]["maximum"]
    366
    """
    out = _js(SCENARIO)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["$id"] = "https://tariffsim.invalid/scenario-format-1.json"
    out["title"] = "tariffsim scenario"
    out["required"] = ["name"]
    return out
