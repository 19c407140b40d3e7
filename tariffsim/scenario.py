"""Scenarios: a game described as data (TOML), validated as a whole.

A scenario file names the countries, ladders, parameter overrides, agents
(strategy, targets, beliefs, learning rate), events and calendar of a game.
Loading checks every field and reports *all* problems at once, each with its
path (``agents[0].strategy: unknown strategy 'x'; known: …``), before
anything runs. Bundled scenarios live in ``tariffsim/scenarios/*.toml``;
:func:`load_scenario` takes a bundled name or a path to a user's file.

The format (``format = 1``) is documented in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import numpy as np

from .agents import STRATEGIES, Beliefs, make_strategy
from .claims import load_claims
from .errors import ScenarioError, TariffsimError, UnknownNameError
from .game import EVENT_KINDS, Agent, Event, Game
from .path import Path
from .payoffs import Params, PayoffModel
from .world import Ladder, State, World

__all__ = ["Scenario", "list_scenarios", "load_scenario", "parse_scenario"]

FORMAT = 1


@dataclass(frozen=True)
class Scenario:
    """A bundled or user scenario: a ready-to-play :class:`~tariffsim.game.Game` plus notes.

    Attributes
    ----------
    name, title, description : str
    game : Game
    claims : tuple of str
        Claims the scenario draws on.
    outcomes : tuple of str
        Qualitative outcomes the scenario must show (each one is a test).
    source : str
        File it was read from.

    Examples
    --------
    >>> sc = ts.load_scenario("us-china-145")
    >>> sc.name
    'us-china-145'
    """

    name: str
    title: str
    description: str
    game: Game
    claims: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    source: str = ""
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def world(self) -> World:
        """The scenario's world."""
        return self.game.world

    @property
    def model(self) -> PayoffModel:
        """The true payoff model."""
        return self.game.model

    def simulate(self, seed: int | None = 0, rounds: int | None = None, *, rng: Any = None) -> Path:
        """Play the scenario (see :func:`tariffsim.simulate`).

        Examples
        --------
        >>> p = ts.load_scenario("us-china-145").simulate(seed=0)
        >>> p.meta["scenario"]
        'us-china-145'
        """
        if rng is not None:
            return self.game.simulate(rounds, rng=rng)
        return self.game.simulate(rounds, seed=seed)

    def replace(self, **changes: Any) -> Scenario:
        """A variant with fields replaced (e.g. ``game=sc.game.replace(noise=0.05)``)."""
        return dataclasses.replace(self, **changes)


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios.

    Examples
    --------
    >>> "us-china-145" in ts.list_scenarios()
    True
    """
    d = resources.files("tariffsim") / "scenarios"
    return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | FsPath) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path.

    Raises
    ------
    UnknownNameError
        If the name is neither bundled nor an existing file (lists the bundled ones).
    ScenarioError
        If the file is malformed (names the line) or any field is invalid (lists all).
    """
    s = str(name_or_path)
    p = FsPath(s)
    if s.endswith(".toml") or p.exists():
        if not p.is_file():
            raise UnknownNameError(f"scenario file {s!r} does not exist.")
        text, source = p.read_text(encoding="utf-8"), str(p)
    else:
        if s not in list_scenarios():
            raise UnknownNameError(
                f"unknown scenario {s!r}; bundled: {', '.join(list_scenarios())} "
                "(or give a .toml path)."
            )
        text = (resources.files("tariffsim") / "scenarios" / f"{s}.toml").read_text(
            encoding="utf-8"
        )
        source = f"{s}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([f"malformed TOML: {e}"], source=source) from None
    return parse_scenario(data, source=source)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, msg: str) -> None:
        self.items.append(f"{path}: {msg}")


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _dyad(s: Any, path: str, codes: tuple[str, ...], pr: _Problems) -> tuple[str, str] | None:
    if not isinstance(s, str) or s.count("-") != 1:
        pr.add(path, f"must be a dyad 'IMPORTER-EXPORTER' like 'US-CN'; got {s!r}")
        return None
    a, b = s.split("-")
    ok = True
    for c in (a, b):
        if c not in codes:
            pr.add(path, f"unknown country {c!r}; known: {', '.join(codes)}")
            ok = False
    return (a, b) if ok else None


def parse_scenario(data: Mapping[str, Any], *, source: str = "<mapping>") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping, validating everything.

    Raises
    ------
    ScenarioError
        Listing every problem found, each with its field path.
    """
    pr = _Problems()
    known_top = {"format", "name", "title", "description", "claims", "outcomes", "calendar",
                 "world", "params", "weights", "initial", "agents", "events", "noise"}  # fmt: skip
    for top in data:
        if top not in known_top:
            pr.add(top, f"unknown field; known: {', '.join(sorted(known_top))}")
    if data.get("format", FORMAT) != FORMAT:
        pr.add("format", f"must be {FORMAT}; got {data.get('format')!r}")
    name = data.get("name", "")
    if not isinstance(name, str) or not name:
        pr.add("name", f"must be a non-empty string; got {name!r}")
    cl = load_claims()
    for k, cid in enumerate(data.get("claims", [])):
        if cid not in cl:
            pr.add(f"claims[{k}]", f"unknown claim id {cid!r}")

    _known_keys(data.get("calendar", {}), "calendar", {"start", "round_days", "rounds"}, pr)
    _known_keys(data.get("world", {}), "world", {"ladders", "gdp", "imports"}, pr)
    _known_keys(data.get("initial", {}), "initial", {"tariffs"}, pr)
    for k_, ad_ in enumerate(data.get("agents", [])):
        _known_keys(ad_, f"agents[{k_}]", _AGENT_KEYS, pr)
    for k_, ed_ in enumerate(data.get("events", [])):
        _known_keys(ed_, f"events[{k_}]", _EVENT_KEYS, pr)
    cal = data.get("calendar", {})
    start = cal.get("start", dt.date(2025, 1, 1))
    if not isinstance(start, dt.date):
        pr.add("calendar.start", f"must be a date (YYYY-MM-DD); got {start!r}")
        start = dt.date(2025, 1, 1)
    round_days = cal.get("round_days", 7)
    if not isinstance(round_days, int) or isinstance(round_days, bool) or round_days < 1:
        pr.add("calendar.round_days", f"must be an int >= 1; got {round_days!r}")
        round_days = 7
    rounds = cal.get("rounds", 30)
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 1:
        pr.add("calendar.rounds", f"must be an int >= 1; got {rounds!r}")
        rounds = 30
    noise = data.get("noise", 0.0)
    if not _num(noise) or not 0 <= noise <= 1:
        pr.add("noise", f"must be in [0, 1]; got {noise!r}")
        noise = 0.0

    # -- world ---------------------------------------------------------------
    wd = data.get("world", {})
    world = World.default()
    codes = world.codes
    ladders = dict(world.ladders)
    for key, levels in wd.get("ladders", {}).items():
        d = _dyad(key, f"world.ladders.{key}", codes, pr)
        if d is None:
            continue
        try:
            ladders[d] = Ladder(tuple(levels))
        except (TariffsimError, TypeError) as e:
            pr.add(f"world.ladders.{key}", str(e))
    gdp_over = wd.get("gdp", {})
    countries = list(world.countries)
    for code, g in gdp_over.items():
        if code not in codes:
            pr.add(f"world.gdp.{code}", f"unknown country; known: {', '.join(codes)}")
        elif not _num(g) or g <= 0:
            pr.add(f"countries.{code}.gdp", f"must be > 0, got {g!r}")
        else:
            ci = codes.index(code)
            countries[ci] = dataclasses.replace(countries[ci], gdp=float(g))
    imports = np.array(world.imports)
    for key, v in wd.get("imports", {}).items():
        d = _dyad(key, f"world.imports.{key}", codes, pr)
        if d is None:
            continue
        if not _num(v) or v < 0:
            pr.add(f"world.imports.{key}", f"trade must be >= 0 (USD bn); got {v!r}")
        else:
            imports[codes.index(d[0]), codes.index(d[1])] = v
    try:
        world = world.replace(countries=tuple(countries), imports=imports, ladders=ladders)
    except TariffsimError as e:
        pr.add("world", str(e))

    # -- parameters ------------------------------------------------------------
    params = Params.default(world)
    params = _override(params, world, data.get("params", {}), "params", pr)
    weights = np.ones((len(_terms()), world.n))
    for key, v in data.get("weights", {}).items():
        term, _, code = key.partition(".")
        if term not in _terms():
            pr.add(f"weights.{key}", f"unknown term {term!r}; known: {', '.join(_terms())}")
        elif code and code not in codes:
            pr.add(f"weights.{key}", f"unknown country {code!r}; known: {', '.join(codes)}")
        elif not _num(v):
            pr.add(f"weights.{key}", f"must be a finite number; got {v!r}")
        else:
            row = _terms().index(term)
            if code:
                weights[row, codes.index(code)] = v
            else:
                weights[row, :] = v
    model = PayoffModel(world, params, weights)

    # -- initial state -------------------------------------------------------------
    t0 = np.zeros((world.n, world.n))
    for key, v in data.get("initial", {}).get("tariffs", {}).items():
        d = _dyad(key, f"initial.tariffs.{key}", codes, pr)
        if d is None:
            continue
        if not _num(v) or v < 0:
            pr.add(f"initial.tariffs.{key}", f"must be a finite tariff >= 0; got {v!r}")
        else:
            t0[codes.index(d[0]), codes.index(d[1])] = v

    # -- agents ------------------------------------------------------------------
    agents = []
    for k, ad in enumerate(data.get("agents", [])):
        path = f"agents[{k}]"
        code = ad.get("country")
        if code not in codes:
            pr.add(f"{path}.country", f"unknown country {code!r}; known: {', '.join(codes)}")
            continue
        sname = ad.get("strategy", "hold")
        if sname not in STRATEGIES:
            pr.add(
                f"{path}.strategy", f"unknown strategy {sname!r}; known: {', '.join(STRATEGIES)}"
            )
            continue
        targets = ad.get("targets")
        if targets is not None:
            bad = [t for t in targets if (code, t) not in ladders]
            if bad:
                pr.add(f"{path}.targets", f"no tariff ladder for {[f'{code}-{t}' for t in bad]}")
                continue
        lr = ad.get("learning_rate", 0.0)
        if not _num(lr) or not 0 <= lr <= 1:
            pr.add(f"{path}.learning_rate", f"must be in [0, 1]; got {lr!r}")
            lr = 0.0
        perceived = _override(params, world, ad.get("beliefs", {}), f"{path}.beliefs", pr)
        try:
            strategy = make_strategy(sname, **ad.get("options", {}))
        except TariffsimError as e:
            pr.add(f"{path}.options", str(e))
            continue
        tgt = tuple(targets) if targets is not None else None
        active = ad.get("active_from")
        if (
            active is not None
            and not isinstance(active, dt.date)
            and not (isinstance(active, int) and not isinstance(active, bool) and active >= 0)
        ):
            pr.add(f"{path}.active_from", f"must be a date or a round >= 0; got {active!r}")
            active = None
        agents.append(Agent(code, strategy, tgt, Beliefs(perceived, float(lr)), active))

    # -- events ----------------------------------------------------------------
    events = []
    for k, ed in enumerate(data.get("events", [])):
        path = f"events[{k}]"
        kind = ed.get("kind")
        if kind not in EVENT_KINDS:
            pr.add(f"{path}.kind", f"unknown event kind {kind!r}; known: {', '.join(EVENT_KINDS)}")
            continue
        if "date" in ed and "round" in ed:
            pr.add(path, "give `date` or `round`, not both")
            continue
        when = ed.get("date", ed.get("round"))
        if not isinstance(when, dt.date) and not (
            isinstance(when, int) and not isinstance(when, bool) and when >= 0
        ):
            pr.add(
                f"{path}.date", f"must be a date (YYYY-MM-DD) or `round` an int >= 0; got {when!r}"
            )
            continue
        kw: dict[str, Any] = {
            "label": str(ed.get("label", "")),
            "claims": tuple(ed.get("claims", ())),
        }
        for cid in kw["claims"]:
            if cid not in cl:
                pr.add(f"{path}.claims", f"unknown claim id {cid!r}")
        if "dyad" in ed:
            d = _dyad(ed["dyad"], f"{path}.dyad", codes, pr)
            if d is None:
                continue
            kw["importer"], kw["exporter"] = d
        if "country" in ed:
            if ed["country"] not in codes:
                pr.add(
                    f"{path}.country",
                    f"unknown country {ed['country']!r}; known: {', '.join(codes)}",
                )
                continue
            kw["country"] = ed["country"]
        for f in ("level", "value"):
            if f in ed:
                if not _num(ed[f]):
                    pr.add(f"{path}.{f}", f"must be a finite number; got {ed[f]!r}")
                    continue
                kw[f] = float(ed[f])
        if kind in ("set", "control") and "importer" not in kw:
            pr.add(f"{path}.dyad", f"a {kind!r} event needs a dyad")
            continue
        if kind == "set" and "importer" in kw and kw.get("level", 0) < 0:
            pr.add(f"{path}.level", f"tariff must be >= 0; got {kw['level']!r}")
            continue
        if kind == "threat" and "importer" not in kw and "country" not in kw:
            pr.add(f"{path}.dyad", "a 'threat' event needs a dyad or a country")
            continue
        if kind == "set" and "importer" in kw and (kw["importer"], kw["exporter"]) in ladders:
            lad = ladders[(kw["importer"], kw["exporter"])]
            if not lad.contains(kw.get("level", 0.0)):
                pr.add(
                    f"{path}.level", f"{kw.get('level', 0.0)!r} is not on the ladder {lad.levels}"
                )
                continue
        if kind in ("shock", "support") and "country" not in kw:
            pr.add(f"{path}.country", f"a {kind!r} event needs a country")
            continue
        try:
            events.append(Event(when, kind, **kw))
        except TariffsimError as e:
            pr.add(path, str(e))

    if pr.items:
        raise ScenarioError(pr.items, source=source)
    try:
        game = Game(
            world=world,
            model=model,
            agents=tuple(agents),
            events=tuple(events),
            start=start,
            round_days=round_days,
            rounds=rounds,
            noise=float(noise),
            initial=State(t0),
            name=str(name),
        )
    except TariffsimError as e:
        raise ScenarioError([str(e)], source=source) from None
    return Scenario(
        name=str(name),
        title=str(data.get("title", name)),
        description=str(data.get("description", "")),
        game=game,
        claims=tuple(data.get("claims", ())),
        outcomes=tuple(data.get("outcomes", ())),
        source=source,
        data=dict(data),
    )


_AGENT_KEYS = {
    "country",
    "strategy",
    "targets",
    "learning_rate",
    "beliefs",
    "options",
    "active_from",
}
_EVENT_KEYS = {"date", "round", "kind", "dyad", "country", "level", "value", "label", "claims"}


def _known_keys(table: Any, path: str, known: set[str], pr: _Problems) -> None:
    if not isinstance(table, Mapping):
        pr.add(path, f"must be a table; got {table!r}")
        return
    for key in table:
        if key not in known:
            pr.add(f"{path}.{key}", f"unknown field; known: {', '.join(sorted(known))}")


def _terms() -> tuple[str, ...]:
    from .payoffs import TERMS

    return TERMS


def _override(
    params: Params, world: World, over: Mapping[str, Any], where: str, pr: _Problems
) -> Params:
    """Apply ``{"field": v, "field.XX": v, "field.XX-YY": v}`` overrides."""
    fields = {f.name: f for f in dataclasses.fields(Params) if f.name != "calibration"}
    codes = world.codes
    for key, v in over.items():
        name, _, sub = key.partition(".")
        path = f"{where}.{key}"
        if name not in fields:
            pr.add(path, f"unknown parameter {name!r}; known: {', '.join(fields)}")
            continue
        if not _num(v):
            pr.add(path, f"must be a finite number; got {v!r}")
            continue
        cur = getattr(params, name)
        try:
            if fields[name].type == "float":
                if sub:
                    pr.add(path, f"{name!r} is a single number; drop the '.{sub}'")
                    continue
                params = params.replace(**{name: float(v)})
            elif np.ndim(cur) == 2:
                if not sub:
                    params = params.replace(**{name: np.full_like(cur, v)})
                else:
                    d = _dyad(sub, path, codes, pr)
                    if d is not None:
                        params = params.with_dyad(world, name, d[0], d[1], float(v))
            elif not sub:
                params = params.replace(**{name: np.full_like(cur, v)})
            elif sub not in codes:
                pr.add(path, f"unknown country {sub!r}; known: {', '.join(codes)}")
            else:
                params = params.with_country(world, name, sub, float(v))
        except TariffsimError as e:
            pr.add(path, str(e))
    return params
