"""Parameter paths: one namespace for every number a run can vary.

A *parameter path* is a string naming one number (or one family of numbers)
of a :class:`~tariffsim.game.Game`. Ensembles, sensitivity analysis,
calibration and scenario variants all speak it, and
:func:`tariffsim.engine.simulate_batch` takes one value per run for each.

==============================  =============================================================
path                            what it sets
==============================  =============================================================
``"elasticity"``                a scalar field of :class:`~tariffsim.payoffs.Params`
``"face_weight.US"``            one country's entry of a per-country field
``"face_weight"``               every country's entry of a per-country field
``"pass_through.US.CN"``        one dyad ``(importer, exporter)`` of a per-dyad field
                                (``"pass_through.US-CN"``, the scenario-file spelling, is
                                accepted too)
``"pass_through"``              every entry of a per-dyad field
``"noise"``                     the game's execution-noise probability
``"learning_rate.US"``          the learning rate of agent ``US``'s beliefs
``"learning_rate"``             the learning rate of every agent
==============================  =============================================================

A :class:`~tariffsim.payoffs.Params` path changes the *true* model **and**
every agent's perceived value (to the same value). The prefix ``"truth:"``
changes only the true model (agents keep what they believed before, so an
agent that perceived the truth keeps perceiving the old value);
``"belief:"`` changes only the agents' perceived values
(``"belief:pass_through.US.CN"``: every agent now believes that value, the
true model is unchanged). ``noise`` and ``learning_rate`` take no prefix.

Several paths in one mapping are applied in order, so a later path wins
where two name the same entry (``{"face_weight": 1.0, "face_weight.US":
2.0}`` sets every country to 1 and the US to 2).

Values must be finite and inside the parameter's range (the same rules as
:class:`~tariffsim.payoffs.Params`: e.g. pass-through in [0, 1], recession
base odds in (0, 1)); a bad path or value raises a tariffsim error naming it.

Examples
--------
>>> from tariffsim import parampath
>>> g = ts.load_scenario("us-china-145").game
>>> parampath.default(g, "pass_through.US.CN")
1.0
>>> parampath.default(g, "belief:pass_through.US.CN")
0.1
>>> g2 = parampath.apply(g, {"truth:pass_through.US.CN": 0.8, "noise": 0.05})
>>> parampath.default(g2, "pass_through.US.CN"), g2.noise
(0.8, 0.05)
>>> parampath.describe("elasticity").claims
('import_elasticity_short_run', 'embargo_equivalent')
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ._util import _holds_bool, holds_no_number, short_repr
from .agents import Beliefs
from .errors import ParameterError, UnknownNameError
from .payoffs import (
    _DYAD_FIELDS,
    PARAM_FIELDS,
    PARAM_RANGES,
    PARAM_SOURCES,
    Params,
    _outside_range,
    _Range,
)

if TYPE_CHECKING:
    from .game import Game

__all__ = [
    "MAGNITUDE",
    "PREFIXES",
    "ParamPath",
    "PathInfo",
    "apply",
    "check_disjoint",
    "default",
    "describe",
    "mean_default",
    "overlaps",
    "parse",
    "paths",
    "replaced_beliefs",
    "validate_values",
    "warn_replaced_beliefs",
]

PREFIXES = ("truth:", "belief:")
"""Prefixes restricting a Params path to the true model or to the agents' beliefs."""

Scope = Literal["both", "truth", "belief"]
Kind = Literal["params", "noise", "learning_rate"]

_SCALAR_FIELDS = frozenset(f.name for f in dataclasses.fields(Params) if f.type == "float")
_GAME_NAMES = ("noise", "learning_rate")

MAGNITUDE = 1e6
"""Largest absolute value a parameter path takes (scenario files' overrides have the same
bound): far beyond any plausible value, and far inside what the payoff terms carry
(:data:`tariffsim.payoffs.PARAM_MAGNITUDE`, the bound of any Params)."""

# (low, high, low_open, high_open) per field; None = unbounded (finite only): the ranges
# Params checks, and the game's noise and learning rates
_BOUNDS: dict[str, _Range] = {
    **PARAM_RANGES,
    "noise": (0.0, 1.0, False, False),
    "learning_rate": (0.0, 1.0, False, False),
}
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ParamPath:
    """A parsed parameter path.

    Attributes
    ----------
    text : str
        The canonical spelling (dyads as ``IMPORTER.EXPORTER``).
    scope : {"both", "truth", "belief"}
        Which side a Params path changes (``"both"`` for ``noise`` and
        ``learning_rate`` too, which have no sides).
    kind : {"params", "noise", "learning_rate"}
    name : str
        The Params field (or ``"noise"`` / ``"learning_rate"``).
    index : tuple of str
        ``()`` for a scalar or every entry, ``(code,)`` for a country (or an
        agent), ``(importer, exporter)`` for a dyad.
    """

    text: str
    scope: Scope
    kind: Kind
    name: str
    index: tuple[str, ...]

    @property
    def base(self) -> str:
        """The path without its prefix."""
        return ".".join((self.name, *self.index))

    @property
    def sets_truth(self) -> bool:
        """Whether the path changes the true model."""
        return self.kind == "params" and self.scope in ("both", "truth")

    @property
    def sets_beliefs(self) -> bool:
        """Whether the path changes the agents' perceived parameters."""
        return self.kind == "params" and self.scope in ("both", "belief")


@dataclass(frozen=True)
class PathInfo:
    """What a parameter path means: its docs, range and the claims behind it.

    Attributes
    ----------
    path : str
        Canonical spelling.
    doc : str
        What the number is (unit included).
    shape : {"scalar", "country", "dyad", "game", "agent"}
    low, high : float or None
        Allowed range (None: unbounded).
    low_open, high_open : bool
        Whether the bound is excluded.
    claims : tuple of str
        Claim ids behind the default (:data:`tariffsim.payoffs.PARAM_SOURCES`).
    """

    path: str
    doc: str
    shape: str
    low: float | None
    high: float | None
    low_open: bool
    high_open: bool
    claims: tuple[str, ...]

    @property
    def range(self) -> str:
        """The allowed range as text, e.g. ``"[0, 1]"``."""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{left}{lo}, {hi}{right}"

    def __str__(self) -> str:
        claims = ", ".join(self.claims) if self.claims else "none"
        return f"{self.path}: {self.doc} Range {self.range}. Claims: {claims}."


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------
def _known_names() -> list[str]:
    return [*PARAM_FIELDS, *_GAME_NAMES]


def _unknown(path: str, name: str) -> UnknownNameError:
    near = difflib.get_close_matches(name, _known_names(), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(x) for x in near)}?" if near else ""
    return UnknownNameError(
        f"parameter path {path!r}: unknown parameter {name!r}.{hint} "
        f"Known: {', '.join(_known_names())}."
    )


@cache
def _parse_text(path: str) -> ParamPath:
    scope: Scope = "both"
    body = path
    for pre in PREFIXES:
        if body.startswith(pre):
            scope = pre[:-1]  # type: ignore[assignment]
            body = body[len(pre) :]
            break
    else:
        if ":" in body:
            pre = body.split(":", 1)[0]
            raise ParameterError(
                f"parameter path {path!r}: unknown prefix {pre + ':'!r}; "
                f"prefixes: {', '.join(PREFIXES)}."
            )
    name, dot, rest = body.partition(".")
    parts: list[str] = []
    if dot:  # (a trailing dot is an empty code: 'elasticity.' as 'face_weight.US.')
        for piece in rest.split("."):
            parts.extend(piece.split("-") if "-" in piece else [piece])
    for code in parts:
        if not _CODE.match(code):
            raise ParameterError(
                f"parameter path {path!r}: {code!r} is not a country code "
                "(write dyads as 'field.IMPORTER.EXPORTER')."
            )
    index = tuple(parts)
    if name in _GAME_NAMES:
        if scope != "both":
            raise ParameterError(
                f"parameter path {path!r}: {name!r} is not a payoff parameter; "
                "it takes no 'truth:' or 'belief:' prefix."
            )
        if name == "noise" and index:
            raise ParameterError(
                f"parameter path {path!r}: 'noise' is one number for the game; "
                f"drop the '.{'.'.join(index)}'."
            )
        if name == "learning_rate" and len(index) > 1:
            raise ParameterError(
                f"parameter path {path!r}: 'learning_rate' takes one agent code, "
                "e.g. 'learning_rate.US'."
            )
        kind: Kind = name  # type: ignore[assignment]
        return ParamPath(".".join((name, *index)), "both", kind, name, index)
    if name not in PARAM_FIELDS:
        raise _unknown(path, name)
    want = 0 if name in _SCALAR_FIELDS else (2 if name in _DYAD_FIELDS else 1)
    if len(index) not in (0, want):
        shape = {0: "a single number", 1: "per country", 2: "per dyad"}[want]
        example = {0: name, 1: f"{name}.US", 2: f"{name}.US.CN"}[want]
        raise ParameterError(
            f"parameter path {path!r}: {name!r} is {shape}; write e.g. {example!r}."
        )
    if want == 2 and index and index[0] == index[1]:
        raise ParameterError(
            f"parameter path {path!r}: a dyad needs two different countries; got {index}."
        )
    prefix = "" if scope == "both" else f"{scope}:"
    return ParamPath(prefix + ".".join((name, *index)), scope, "params", name, index)


def parse(path: str | ParamPath, game: Game | None = None) -> ParamPath:
    """Parse (and with ``game``, resolve) a parameter path.

    Parameters
    ----------
    path : str or ParamPath
    game : Game, optional
        When given, country codes must be in its world and a
        ``learning_rate`` path must name one of its agents.

    Returns
    -------
    ParamPath

    Raises
    ------
    UnknownNameError
        For an unknown parameter (the message suggests near matches), an
        unknown country or agent.
    ParameterError
        For a malformed path (wrong number of codes, a prefix where none is
        allowed, an unknown prefix).

    Examples
    --------
    >>> from tariffsim import parampath
    >>> parampath.parse("belief:pass_through.US-CN").text
    'belief:pass_through.US.CN'
    """
    if isinstance(path, ParamPath):
        pp = path
    else:
        if not isinstance(path, str):
            raise ParameterError(f"a parameter path must be a string; got {path!r}.")
        pp = _parse_text(path)
    if game is not None:
        codes = game.world.codes
        if pp.kind == "learning_rate":
            agents = [a.code for a in game.agents]
            if pp.index and pp.index[0] not in agents:
                raise UnknownNameError(
                    f"parameter path {pp.text!r}: {pp.index[0]!r} is not an agent of the game; "
                    f"agents: {', '.join(agents) or 'none'}."
                )
        else:
            for code in pp.index:
                if code not in codes:
                    near = difflib.get_close_matches(code, codes, n=3)
                    hint = f" Did you mean {', '.join(repr(x) for x in near)}?" if near else ""
                    raise UnknownNameError(
                        f"parameter path {pp.text!r}: unknown country {code!r}.{hint} "
                        f"Known: {', '.join(codes)}."
                    )
    return pp


def overlaps(a: str | ParamPath, b: str | ParamPath) -> bool:
    """Whether paths ``a`` and ``b`` set some value in common.

    They do when they name the same field, on sides that meet (``truth:``
    and ``belief:`` do not; an unprefixed path sets both), and one index
    covers the other (a field without an index covers all of its entries).

    Examples
    --------
    >>> from tariffsim import parampath
    >>> parampath.overlaps("face_weight", "face_weight.US")
    True
    >>> parampath.overlaps("truth:elasticity", "belief:elasticity")
    False
    """
    pa, pb = parse(a), parse(b)
    if (pa.kind, pa.name) != (pb.kind, pb.name):
        return False
    if "both" not in (pa.scope, pb.scope) and pa.scope != pb.scope:
        return False
    return not pa.index or not pb.index or pa.index == pb.index


def _index_length(pp: ParamPath) -> int:
    """Codes an entry of ``pp``'s field takes: 0 (one number), 1 (per country) or 2 (dyad)."""
    if pp.kind == "noise" or pp.name in _SCALAR_FIELDS:
        return 0
    return 2 if pp.name in _DYAD_FIELDS else 1


def check_disjoint(paths: Iterable[Any], arg: str) -> None:
    """Raise :class:`ParameterError` if two of ``paths`` set a value in common.

    Two factors of a sensitivity design, two parameters of a fit or two
    varied paths of an ensemble that overlap (``pass_through.US.CN`` and
    ``pass_through.US-CN``, ``face_weight`` and ``face_weight.US``,
    ``elasticity`` and ``truth:elasticity``) would leave a run with the last
    one's value only, and the other's draws recorded for nothing.

    Parameters
    ----------
    paths : iterable of str
    arg : str
        The argument named in the message (``"vary"``, ``"params"``).

    Raises
    ------
    ParameterError
        Naming the two paths as given.
    """
    seen: list[tuple[Any, ParamPath]] = []
    for p in paths:
        if not isinstance(p, str | ParamPath):
            raise ParameterError(f"`{arg}`: parameter paths are strings; got {short_repr(p)}.")
        pp = parse(p)
        for q, qq in seen:
            if qq.text == pp.text:
                raise ParameterError(
                    f"`{arg}` names one parameter twice: {q!r} and {p!r} (both {pp.text!r})."
                )
            if overlaps(qq, pp):
                split = {1: f"{pp.name}.US and {pp.name}.CN", 2: f"{pp.name}.US.CN and "
                         f"{pp.name}.CN.US"}.get(_index_length(pp))  # fmt: skip
                hint = f", or name disjoint entries (e.g. {split})" if split else ""
                raise ParameterError(
                    f"`{arg}`: {q!r} and {p!r} set the same values (a run would keep only the "
                    f"last one's); give one of them{hint}."
                )
        seen.append((p, pp))


# ---------------------------------------------------------------------------
# documentation
# ---------------------------------------------------------------------------
@cache
def _field_docs() -> dict[str, str]:
    """One-line docs of each Params field, read from the Params docstring."""
    doc = Params.__doc__ or ""
    lines = doc.splitlines()
    out: dict[str, str] = {}
    try:
        start = next(k for k, ln in enumerate(lines) if ln.strip() == "Parameters") + 2
    except StopIteration:  # pragma: no cover - the docstring has the section
        return out
    k = start
    while k < len(lines):
        ln = lines[k]
        if ln.strip() and not ln.startswith(" " * 8) and " : " in ln:
            names = [x.strip() for x in ln.split(" : ")[0].split(",")]
            body = []
            k += 1
            while k < len(lines) and lines[k].startswith(" " * 8):
                body.append(lines[k].strip())
                k += 1
            text = _plain(" ".join(body))
            parts = text.rstrip(".").split("; ")
            # "a, b, c : one; two; three." gives each name its own part (its unit with it)
            each = parts if len(names) > 1 and len(parts) == len(names) else [text] * len(names)
            for name, part in zip(names, each, strict=True):
                part = part[:1].upper() + part[1:]
                out[name] = part if part.endswith(".") else part + "."
            continue
        k += 1
    return out


_ROLE = re.compile(r":[a-z]+:`(~?)([^`<]*?)(?:\s*<[^>]*>)?`")
_LITERAL = re.compile(r"``([^`]*)``")


def _plain(text: str) -> str:
    """``text`` of a docstring without its Sphinx markup, for files and tables read as text:
    ``:func:`~a.b``` -> ``b``, ````x```` -> ``x``.

    >>> _plain("see :func:`~tariffsim.dynamics.adjust_step`, :data:`TERMS` and ``i``")
    'see adjust_step, TERMS and i'
    """
    text = _ROLE.sub(lambda m: m.group(2).split(".")[-1] if m.group(1) else m.group(2), text)
    return _LITERAL.sub(r"\1", text)


def describe(path: str | ParamPath) -> PathInfo:
    """Docs, range and claim ids of a parameter path.

    Examples
    --------
    >>> from tariffsim import parampath
    >>> info = parampath.describe("belief:pass_through.US.CN")
    >>> info.range, info.claims[0]
    ('[0, 1]', 'pass_through_border_2018')
    """
    pp = parse(path)
    low, high, lo_open, hi_open = _BOUNDS.get(pp.name, (None, None, False, False))
    claims: tuple[str, ...]
    if pp.kind == "noise":
        doc = "Probability that each move is replaced by a uniformly random one."
        shape, claims = "game", ()
    elif pp.kind == "learning_rate":
        doc = (
            "Share of the gap between perceived and true parameters an agent closes per "
            "round (at a 100% tariff, for per-dyad beliefs)."
        )
        shape, claims = "agent", ()
    else:
        doc = _field_docs().get(pp.name, "")
        shape = (
            "scalar"
            if pp.name in _SCALAR_FIELDS
            else "dyad"
            if pp.name in _DYAD_FIELDS
            else "country"
        )
        claims = PARAM_SOURCES.get(pp.name, ())
        side = {
            "both": "",
            "truth": " (true model only)",
            "belief": " (agents' perceived value only)",
        }
        doc = doc + side[pp.scope]
    return PathInfo(pp.text, doc, shape, low, high, lo_open, hi_open, tuple(claims))


def paths(game: Game) -> tuple[str, ...]:
    """Every valid (unprefixed) parameter path of ``game``.

    Whole-field paths come first, then per-country entries, per-dyad entries
    (every ordered pair of distinct countries), ``noise`` and one
    ``learning_rate`` per agent. Each Params path also takes the ``truth:``
    and ``belief:`` prefixes.

    Examples
    --------
    >>> from tariffsim import parampath
    >>> ps = parampath.paths(ts.load_scenario("us-china-145").game)
    >>> "pass_through.US.CN" in ps and "learning_rate.US" in ps
    True
    """
    codes = game.world.codes
    out: list[str] = list(PARAM_FIELDS)
    for name in PARAM_FIELDS:
        if name in _SCALAR_FIELDS:
            continue
        if name in _DYAD_FIELDS:
            out += [f"{name}.{a}.{b}" for a in codes for b in codes if a != b]
        else:
            out += [f"{name}.{c}" for c in codes]
    out.append("noise")
    if game.agents:
        out.append("learning_rate")
        out += [f"learning_rate.{a.code}" for a in game.agents]
    return tuple(out)


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------
def validate_values(
    pp: ParamPath, values: Any, *, runs: int | None = None, arg: str = "overrides"
) -> NDArray[np.float64]:
    """Check values for ``pp``: a number (``runs=None``) or an array of shape ``(runs,)``.

    Returns the values as a read-only float array (shape ``()`` or ``(runs,)``).
    ``arg`` is the argument the values came in (``overrides``, ``vary``), named
    in the messages.

    Raises
    ------
    ParameterError
        Naming the path, for a wrong shape, a non-number, a non-finite value
        or a value outside the parameter's range (with the run index).
    """
    if _holds_bool(values):  # a bool, bool arrays, and bools among numbers (numpy reads 1)
        raise ParameterError(f"{arg}[{pp.text!r}]: values must be numbers; got {values!r}.")
    try:
        complex_ = isinstance(values, complex) or np.iscomplexobj(values)
    except (TypeError, ValueError):  # ragged: the conversion below says it holds no numbers
        complex_ = False
    if complex_:
        raise ParameterError(
            f"{arg}[{pp.text!r}]: values must be real numbers; got {short_repr(values)}."
        )
    if holds_no_number(values):
        raise ParameterError(
            f"{arg}[{pp.text!r}]: values must be numbers; got {short_repr(values)}."
        )
    try:
        arr = np.array(values, dtype=float)
    except OverflowError:  # an int beyond any float
        raise ParameterError(
            f"value of {pp.text!r} must be within ±{MAGNITUDE:g}; got {short_repr(values)}."
        ) from None
    except (TypeError, ValueError):
        raise ParameterError(
            f"{arg}[{pp.text!r}]: values must be numbers; got {values!r}."
        ) from None
    if runs is None:
        if arr.shape != ():
            raise ParameterError(f"value of {pp.text!r} must be one number; got shape {arr.shape}.")
    elif arr.shape != (runs,):
        raise ParameterError(
            f"{arg}[{pp.text!r}]: must hold one value per run, shape ({runs},); "
            f"got shape {arr.shape}."
        )
    flat = arr.reshape(-1)
    where = "" if runs is None else " (run {k})"
    if arg != "overrides":  # the argument the user gave, not the engine's
        where += f" in `{arg}`"
    bad = ~np.isfinite(flat)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"value of {pp.text!r}{where.format(k=k)} must be finite; got {float(flat[k])!r}."
        )
    big = np.abs(flat) > MAGNITUDE
    if big.any():
        k = int(np.flatnonzero(big)[0])
        raise ParameterError(
            f"value of {pp.text!r}{where.format(k=k)} must be within ±{MAGNITUDE:g} (as in "
            f"scenario files); got {float(flat[k])!r}."
        )
    bad = _outside_range(flat, _BOUNDS.get(pp.name, (None, None, False, False)))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"value of {pp.text!r}{where.format(k=k)} must be in "
            f"{describe(pp).range}; got {float(flat[k])!r}."
        )
    arr.flags.writeable = False
    return arr


def _entry(params: Params, world_codes: Sequence[str], pp: ParamPath) -> Any:
    """The current value(s) of ``pp``'s field at its index (array or float)."""
    v = getattr(params, pp.name)
    if not pp.index:
        return v
    idx = tuple(world_codes.index(c) for c in pp.index)
    return v[idx]


class _Draft:
    """Fields of a :class:`Params` being set path by path, built (and validated) once."""

    def __init__(self, base: Params, fields: dict[str, Any] | None = None) -> None:
        self.base = base
        self.fields: dict[str, Any] = {} if fields is None else dict(fields)

    def copy(self) -> _Draft:
        return _Draft(self.base, self.fields)  # (a field is replaced whole when set)

    def set(self, codes: Sequence[str], pp: ParamPath, value: float) -> None:
        """Set ``pp``'s entries to ``value``."""
        if pp.name in _SCALAR_FIELDS:
            self.fields[pp.name] = float(value)
            return
        arr = np.array(self.fields.get(pp.name, getattr(self.base, pp.name)), dtype=float)
        if pp.index:
            arr[tuple(codes.index(c) for c in pp.index)] = value
        else:
            arr[...] = value
        self.fields[pp.name] = arr

    def build(self) -> Params:
        return self.base.replace(**self.fields) if self.fields else self.base


def _common(values: Iterable[float], what: str) -> float:
    vals = [float(v) for v in values]
    if not vals:
        raise ParameterError(f"{what}: no value to read.")
    first = vals[0]
    if any(v != first for v in vals[1:]):
        raise ParameterError(
            f"{what}: entries differ ({sorted(set(vals))[:4]}…); name one entry, "
            "e.g. a country or a dyad."
        )
    return first


def default(game: Game, path: str | ParamPath) -> float:
    """The value ``path`` has in ``game`` (before any override).

    For a Params path the true value (``belief:``: the perceived value of the
    agent the entry belongs to — the importer of a dyad, the country of a
    per-country entry — when that country is an agent, else the value every
    agent perceives); ``noise``; an agent's learning rate. A whole-field path
    returns the common value of its entries.

    Raises
    ------
    ParameterError
        If the entries (or the agents' beliefs) a path names differ, so that
        no single value is its default.

    Examples
    --------
    >>> from tariffsim import parampath
    >>> parampath.default(ts.load_scenario("us-china-145").game, "resolve_weight.US")
    0.5
    """
    return _common(*_entries(game, path))


def mean_default(game: Game, path: str | ParamPath) -> float:
    """The mean of the values the entries ``path`` names have in ``game``.

    :func:`default` when they agree; where they differ (a per-country or
    per-dyad field named whole, agents with different beliefs or learning
    rates) their mean, where :func:`default` raises. A fit starts from it
    (:func:`tariffsim.analysis.calibrate.calibrate`).

    Examples
    --------
    >>> from tariffsim import parampath
    >>> g = ts.load_scenario("us-china-145").game
    >>> [parampath.default(g, f"resolve_weight.{c}") for c in ("US", "CN")]
    [0.5, 1.5]
    >>> round(parampath.mean_default(g, "resolve_weight"), 4)  # over the ten countries
    0.36
    """
    vals, what = _entries(game, path)
    out = [float(v) for v in vals]
    if not out:
        raise ParameterError(f"{what}: no value to read.")
    if all(v == out[0] for v in out):  # the default itself (a mean could round off it)
        return out[0]
    return math.fsum(out) / len(out)


def _entries(game: Game, path: str | ParamPath) -> tuple[list[float], str]:
    """The values of the entries ``path`` names (as :func:`default` reads them), and its name."""
    pp = parse(path, game)
    codes = game.world.codes
    if pp.kind == "noise":
        return [float(game.noise)], pp.text
    if pp.kind == "learning_rate":
        agents = [a for a in game.agents if not pp.index or a.code == pp.index[0]]
        return [a.beliefs.learning_rate if a.beliefs else 0.0 for a in agents], pp.text
    truth = game.model.params
    if pp.scope != "belief":
        return [float(x) for x in np.ravel(_entry(truth, codes, pp))], pp.text
    perceived = {a.code: (a.beliefs.perceived if a.beliefs else truth) for a in game.agents}
    if not perceived:
        raise ParameterError(f"{pp.text}: the game has no agents, so no beliefs to read.")
    owner = pp.index[0] if pp.index else None
    if owner in perceived:
        return [float(x) for x in np.ravel(_entry(perceived[owner], codes, pp))], pp.text
    return (
        [float(x) for p in perceived.values() for x in np.ravel(_entry(p, codes, pp))],
        f"{pp.text} (agents' beliefs)",
    )


def replaced_beliefs(game: Game, paths: Iterable[str | ParamPath]) -> list[str]:
    """Which of ``paths`` would replace a belief that differs from the truth, said per path.

    A plain Params path sets the truth and every agent's perceived value alike; where an
    agent of ``game`` perceives an entry it sets otherwise than the truth (the US of
    ``us-china-145`` on ``pass_through.US.CN``), varying it replaces that belief in every
    run. ``truth:`` and ``belief:`` paths, ``noise`` and ``learning_rate`` replace none.

    Examples
    --------
    >>> from tariffsim import parampath
    >>> g = ts.load_scenario("us-china-145").game
    >>> parampath.replaced_beliefs(g, ["pass_through.US.CN", "truth:pass_through.US.CN"])
    ["'pass_through.US.CN' (US believes 0.1 where the truth is 1)"]
    """
    codes = game.world.codes
    truth = game.model.params
    out = []
    for path in paths:
        pp = parse(path, game)
        if pp.kind != "params" or pp.scope != "both":
            continue
        true = np.ravel(_entry(truth, codes, pp))
        for a in game.agents:
            if a.beliefs is None:
                continue
            seen = np.ravel(_entry(a.beliefs.perceived, codes, pp))
            off = np.flatnonzero(seen != true)
            if off.size:
                k = int(off[0])
                out.append(
                    f"{pp.text!r} ({a.code} believes {seen[k]:g} where the truth is {true[k]:g})"
                )
                break
    return out


def warn_replaced_beliefs(game: Game, paths: Iterable[str | ParamPath], arg: str) -> None:
    """A :class:`~tariffsim.errors.BeliefReplacedWarning` naming the paths of ``arg`` (the
    argument they came in) that replace a mistaken belief (:func:`replaced_beliefs`)."""
    said = replaced_beliefs(game, paths)
    if not said:
        return
    import warnings

    from .errors import BeliefReplacedWarning

    first = said[0].split(" (")[0].strip("'")
    warnings.warn(
        f"`{arg}`: {', '.join(said)}: a path without a prefix sets the truth and every "
        f"agent's belief, so the scenario's belief is replaced in every run. Vary "
        f"'truth:{first}' to keep the belief (the agent learns toward the drawn truth), or "
        f"'belief:{first}' to vary the belief.",
        BeliefReplacedWarning,
        stacklevel=3,
    )


def resolve(game: Game, mapping: Mapping[Any, Any] | None) -> list[tuple[ParamPath, Any]]:
    """Parse every path of ``mapping`` against ``game`` (values unchecked), in order."""
    if mapping is None:
        return []
    if not isinstance(mapping, Mapping):
        raise ParameterError(
            f"overrides must be a mapping of parameter path to values; got {mapping!r}."
        )
    return [(parse(k, game), v) for k, v in mapping.items()]


def apply(game: Game, mapping: Mapping[str, float] | None) -> Game:
    """``game`` with the parameter paths of ``mapping`` set (one value each).

    Parameters
    ----------
    game : Game
    mapping : mapping of str to float
        ``{path: value}``; applied in order.

    Returns
    -------
    Game
        A new game (``game`` itself when ``mapping`` is empty). Agents
        without beliefs get explicit ones only when a ``truth:``, ``belief:``
        or ``learning_rate`` path makes what they perceive differ from the
        truth or sets how they learn.

    Raises
    ------
    UnknownNameError, ParameterError
        For an unknown or malformed path or a value that is not finite or out
        of range, naming the path — before anything is changed.

    Examples
    --------
    >>> from tariffsim import parampath
    >>> g = ts.load_scenario("us-china-145").game
    >>> g2 = parampath.apply(g, {"elasticity": 3.0})
    >>> g2.model.params.elasticity, g2.agents[0].beliefs.perceived.elasticity
    (3.0, 3.0)
    """
    items = [(pp, float(validate_values(pp, v))) for pp, v in resolve(game, mapping)]
    if not items:
        return game
    codes = game.world.codes
    # the fields set are gathered per parameter set, each built (and validated) once; agents
    # that perceive the very same parameters share a draft (every step treats them alike)
    truth = _Draft(game.model.params)
    follow = truth.copy()  # what the agents without beliefs perceive: the truth
    drafts: dict[int, _Draft] = {}
    perceived = {
        a.code: drafts.setdefault(id(a.beliefs.perceived), _Draft(a.beliefs.perceived))
        if a.beliefs
        else follow
        for a in game.agents
    }
    explicit = {a.code: a.beliefs is not None for a in game.agents}
    rates = {a.code: (a.beliefs.learning_rate if a.beliefs else 0.0) for a in game.agents}
    noise = game.noise
    for pp, v in items:
        if pp.kind == "noise":
            noise = v
        elif pp.kind == "learning_rate":
            for c in rates:
                if not pp.index or c == pp.index[0]:
                    rates[c] = v
                    explicit[c] = True
        else:
            implicit = [c for c, e in explicit.items() if not e]
            if pp.sets_truth:
                truth.set(codes, pp, v)
            if pp.sets_beliefs:
                for d in {id(d): d for d in perceived.values()}.values():
                    d.set(codes, pp, v)
            if pp.scope != "both":
                for c in implicit:  # their perception now differs from the truth
                    explicit[c] = True
            else:
                follow = truth.copy()
                for c in implicit:
                    perceived[c] = follow
    built: dict[int, Params] = {}

    def build(d: _Draft) -> Params:
        if id(d) not in built:
            same = d.base is truth.base and d.fields.keys() == truth.fields.keys()
            if d is not truth and same and all(truth.fields[k] is v for k, v in d.fields.items()):
                built[id(d)] = build(truth)  # the truth itself, as agents without beliefs see it
            else:
                built[id(d)] = d.build()
        return built[id(d)]

    agents = []
    for a in game.agents:
        if not explicit[a.code]:
            agents.append(a)
            continue
        mine = build(perceived[a.code])
        if a.beliefs is None:
            b = Beliefs(mine, learning_rate=rates[a.code])
        else:
            b = dataclasses.replace(a.beliefs, perceived=mine, learning_rate=rates[a.code])
        agents.append(dataclasses.replace(a, beliefs=b))
    new = build(truth)
    model = game.model if new is game.model.params else game.model._with_params(new)
    return game.replace(model=model, agents=tuple(agents), noise=noise)
